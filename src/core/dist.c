/* dist: distribution specs and sampling; the only caller of gsl_ran_*. */
#include "core/dist.h"

#include <assert.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <gsl/gsl_cdf.h>
#include <gsl/gsl_randist.h>
#include <gsl/gsl_sf_gamma.h>
#include "base/xalloc.h"
#include "core/ziggurat_tables.h"

static const char *const kind_names[] = {
#define DIST_KIND_NAME(id, name, n, p0, p1, p2) name,
    DIST_KINDS(DIST_KIND_NAME)
#undef DIST_KIND_NAME
};

struct dist dist_constant(double value)
{
    struct dist d = { .kind = DIST_CONSTANT, .a = value, .b = 0, .samples = NULL, .n_samples = 0 };
    return d;
}

const char *dist_kind_name(enum dist_kind kind)
{
    if ((unsigned)kind >= DIST_KIND_COUNT)
        return NULL;
    return kind_names[kind];
}

int dist_kind_parse(const char *name, enum dist_kind *out)
{
    for (size_t i = 0; i < DIST_KIND_COUNT; i++) {
        if (strcmp(name, kind_names[i]) == 0) {
            *out = (enum dist_kind)i;
            return 0;
        }
    }
    return -1;
}

static int fail(char *msg, size_t len, const char *field, const char *rule, double got)
{
    snprintf(msg, len, "%s: %s (got %g)", field, rule, got);
    return -1;
}

/* Names of a and b per kind, as written in files; NULL where unused. */
static const char *const a_names[] = { "value", "mean", "mean", "mu", "shape", "shape", "min", NULL };
static const char *const b_names[] = { NULL, NULL, "sd", "sigma", "scale", "scale", "max", NULL };

/* Keeps every parameter in a range where GSL neither overflows nor returns
 * infinities, so a GSL error at run time can only be a bug. */
int dist_check(const struct dist *d, char *msg, size_t len)
{
    /* Name the offending parameter, so the user knows which one to fix. */
    if (d->kind != DIST_EMPIRICAL && (unsigned)d->kind < sizeof a_names / sizeof a_names[0]) {
        if (!isfinite(d->a))
            return fail(msg, len, a_names[d->kind], "must be a finite number", d->a);
        if (b_names[d->kind] != NULL && !isfinite(d->b))
            return fail(msg, len, b_names[d->kind], "must be a finite number", d->b);
    }
    switch (d->kind) {
    case DIST_CONSTANT:
        if (d->a < 0)
            return fail(msg, len, "value", "must be >= 0", d->a);
        return 0;
    case DIST_EXPONENTIAL:
        if (!(d->a > 0))
            return fail(msg, len, "mean", "must be > 0", d->a);
        return 0;
    case DIST_NORMAL:
        if (d->a < 0)
            return fail(msg, len, "mean", "must be >= 0 (the normal is truncated at 0)", d->a);
        if (d->b < 0)
            return fail(msg, len, "sd", "must be >= 0", d->b);
        return 0;
    case DIST_LOGNORMAL:
        if (d->a > 50 || d->a < -50)
            return fail(msg, len, "mu", "must be between -50 and 50 (log of the median)", d->a);
        if (d->b < 0 || d->b > 10)
            return fail(msg, len, "sigma", "must be between 0 and 10", d->b);
        return 0;
    case DIST_GAMMA:
    case DIST_WEIBULL:
        if (!(d->a > 0))
            return fail(msg, len, "shape", "must be > 0", d->a);
        /* The Weibull mean scale * Gamma(1 + 1/shape) overflows (a GSL error)
         * for shape < 1/170.6. */
        if (d->kind == DIST_WEIBULL && d->a < 0.01)
            return fail(msg, len, "shape", "must be >= 0.01", d->a);
        if (!(d->b > 0))
            return fail(msg, len, "scale", "must be > 0", d->b);
        return 0;
    case DIST_UNIFORM:
        if (d->a < 0)
            return fail(msg, len, "min", "must be >= 0", d->a);
        if (d->b < d->a)
            return fail(msg, len, "max", "must be >= min", d->b);
        return 0;
    case DIST_EMPIRICAL:
        if (d->n_samples == 0 || d->samples == NULL) {
            snprintf(msg, len, "samples: must hold at least one value");
            return -1;
        }
        for (size_t i = 0; i < d->n_samples; i++) {
            if (!isfinite(d->samples[i]) || d->samples[i] < 0) {
                snprintf(msg, len, "samples[%zu]: must be a finite number >= 0 (got %g)", i,
                         d->samples[i]);
                return -1;
            }
        }
        return 0;
    }
    snprintf(msg, len, "unknown distribution kind");
    return -1;
}

/* Standard exponential by the ziggurat method: one 32-bit draw and a table
 * look-up in about 98% of calls, instead of GSL's -log1p(-u), which was the
 * largest single cost of a simulated request. The low 8 bits pick the layer,
 * the high 24 the position, so the two are independent. Exact: rejected
 * points fall back to the wedge test, and the base layer's tail uses the
 * exponential's memorylessness. dist_sample inlines the first test; this
 * is the rest, from the same u, so both paths draw the same numbers. */
double dist_exp_slow(uint32_t u, gsl_rng *r)
{
    const double *f = dist_zig_exp_f;
    uint32_t iz = u & 255u, jz = u >> 8;
    for (;;) {
        if (iz == 0)
            return ZIG_EXP_R - log(gsl_rng_uniform_pos(r));
        double x = jz * dist_zig_exp_w[iz];
        if (f[iz] + gsl_rng_uniform(r) * (f[iz - 1] - f[iz]) < exp(-x))
            return x;
        u = rng_u32(r);
        iz = u & 255u;
        jz = u >> 8;
        if (jz < dist_zig_exp_k[iz])
            return jz * dist_zig_exp_w[iz];
    }
}

double dist_sample_draw(const struct dist *d, gsl_rng *r)
{
    switch (d->kind) {
    case DIST_CONSTANT:
        return d->a;
    case DIST_EXPONENTIAL:
        return dist_sample(d, r); /* the ziggurat, inlined there */
    case DIST_NORMAL: {
        if (d->b == 0)
            return d->a;
        /* Rejection keeps the exact truncated shape; with mean >= 0 at least
         * half of the draws are accepted. */
        double x;
        do {
            x = d->a + gsl_ran_gaussian_ziggurat(r, d->b);
        } while (x < 0);
        return x;
    }
    case DIST_LOGNORMAL:
        /* GSL's lognormal draws its normal by the polar method; the
         * ziggurat normal is several times cheaper and equally exact. */
        return exp(d->a + gsl_ran_gaussian_ziggurat(r, d->b));
    case DIST_GAMMA:
        return gsl_ran_gamma(r, d->a, d->b);
    case DIST_WEIBULL:
        /* GSL's weibull takes (scale, shape). */
        return gsl_ran_weibull(r, d->b, d->a);
    case DIST_UNIFORM:
        return d->a == d->b ? d->a : gsl_ran_flat(r, d->a, d->b);
    case DIST_EMPIRICAL:
        assert(d->n_samples > 0);
        return d->samples[gsl_rng_uniform_int(r, (unsigned long)d->n_samples)];
    }
    assert(!"unknown distribution kind");
    return 0;
}

double dist_mean(const struct dist *d)
{
    switch (d->kind) {
    case DIST_CONSTANT:
    case DIST_EXPONENTIAL:
        return d->a;
    case DIST_NORMAL: {
        if (d->b == 0)
            return d->a;
        double alpha = -d->a / d->b;
        return d->a + d->b * gsl_ran_ugaussian_pdf(alpha) / gsl_cdf_ugaussian_Q(alpha);
    }
    case DIST_LOGNORMAL:
        return exp(d->a + 0.5 * d->b * d->b);
    case DIST_GAMMA:
        return d->a * d->b;
    case DIST_WEIBULL:
        return d->b * gsl_sf_gamma(1.0 + 1.0 / d->a);
    case DIST_UNIFORM:
        return 0.5 * (d->a + d->b);
    case DIST_EMPIRICAL: {
        double s = 0;
        for (size_t i = 0; i < d->n_samples; i++)
            s += d->samples[i];
        return d->n_samples ? s / (double)d->n_samples : 0;
    }
    }
    assert(!"unknown distribution kind");
    return 0;
}

/* The value the distribution exceeds with probability 1e-12 (an upper
 * bound of it for the truncated normal and the gamma): z = 7.034 standard
 * normal deviations, L = -ln(1e-12) = 27.63 exponential means. */
static double dist_high_quantile(const struct dist *d)
{
    const double z = 7.034, l = 27.631;
    switch (d->kind) {
    case DIST_CONSTANT:
        return d->a;
    case DIST_EXPONENTIAL:
        return d->a * l;
    case DIST_NORMAL:
        return d->a + z * d->b;
    case DIST_LOGNORMAL:
        return exp(d->a + z * d->b);
    case DIST_GAMMA:
        return d->a * d->b + z * sqrt(d->a) * d->b + l * d->b;
    case DIST_WEIBULL:
        return d->b * pow(l, 1.0 / d->a);
    case DIST_UNIFORM:
        return d->b;
    case DIST_EMPIRICAL: {
        double m = 0;
        for (size_t i = 0; i < d->n_samples; i++)
            m = d->samples[i] > m ? d->samples[i] : m;
        return m;
    }
    }
    return NAN;
}

int dist_check_bound(const struct dist *d, double max, char *msg, size_t len)
{
    double mean = dist_mean(d), q = dist_high_quantile(d);
    if (!isfinite(mean) || mean > max) {
        snprintf(msg, len, "its mean, %g s, must be at most %g s (times beyond it lose the precision "
                 "a latency needs)", mean, max);
        return -1;
    }
    if (!isfinite(q) || q > max) {
        snprintf(msg, len, "its 1 - 1e-12 quantile, %g s, must be at most %g s (times beyond it lose "
                 "the precision a latency needs)", q, max);
        return -1;
    }
    return 0;
}

void dist_scale(struct dist *d, double factor)
{
    assert(factor > 0);
    switch (d->kind) {
    case DIST_CONSTANT:
    case DIST_EXPONENTIAL:
        d->a *= factor;
        break;
    case DIST_NORMAL:
    case DIST_UNIFORM:
        d->a *= factor;
        d->b *= factor;
        break;
    case DIST_LOGNORMAL:
        d->a += log(factor);
        break;
    case DIST_GAMMA:
    case DIST_WEIBULL:
        d->b *= factor;
        break;
    case DIST_EMPIRICAL:
        for (size_t i = 0; i < d->n_samples; i++)
            d->samples[i] *= factor;
        break;
    }
}

void dist_copy(struct dist *dst, const struct dist *src)
{
    *dst = *src;
    if (src->kind == DIST_EMPIRICAL && src->n_samples > 0) {
        dst->samples = xmalloc(src->n_samples * sizeof *dst->samples);
        memcpy(dst->samples, src->samples, src->n_samples * sizeof *dst->samples);
    } else {
        dst->samples = NULL;
        dst->n_samples = src->kind == DIST_EMPIRICAL ? 0 : src->n_samples;
    }
}

bool dist_same(const struct dist *x, const struct dist *y)
{
    if (x->kind != y->kind)
        return false;
    if (x->kind == DIST_EMPIRICAL)
        return x->n_samples == y->n_samples
               && (x->n_samples == 0 || memcmp(x->samples, y->samples, x->n_samples * sizeof *x->samples) == 0);
    return x->a == y->a && x->b == y->b;
}

void dist_fini(struct dist *d)
{
    if (d == NULL)
        return;
    free(d->samples);
    d->samples = NULL;
    d->n_samples = 0;
}
