/* test_dist: parameter checks, sampling against closed forms, scaling,
 * copying and kind names of the distribution specs in dist.c. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <gsl/gsl_cdf.h>
#include <gsl/gsl_math.h>
#include <gsl/gsl_rng.h>
#include <gsl/gsl_sf_gamma.h>
#include <gsl/gsl_sort.h>
#include "core/dist.h"
#include "core/rng.h"
#include "testutil.h"
#include "core/ziggurat_tables.h"

#define SEED 20240611UL
#define N_DRAWS 100000

/* ---------------------------------------------------------------------- */
/* Helpers                                                                 */

/* dist_sample's inlined draws need the simulator's own generator type. */
static gsl_rng *new_rng(unsigned long seed)
{
    return testutil_rng(&rng_mt19937_type, seed);
}

static struct dist make(enum dist_kind kind, double a, double b)
{
    struct dist d = { .kind = kind, .a = a, .b = b, .samples = NULL, .n_samples = 0 };
    return d;
}

/* A valid empirical distribution over a copy of xs (caller dist_fini's). */
static struct dist make_empirical(const double *xs, size_t n)
{
    struct dist d = make(DIST_EMPIRICAL, 0, 0);
    d.samples = malloc(n * sizeof *d.samples);
    CU_ASSERT_FATAL(d.samples != NULL);
    memcpy(d.samples, xs, n * sizeof *xs);
    d.n_samples = n;
    return d;
}

static const double emp_values[] = { 0.5, 1.0, 2.0, 3.0, 5.0 };
#define N_EMP (sizeof emp_values / sizeof emp_values[0])

/* Closed-form truncated-normal pieces, written with erfc only so they do not
 * share code with dist.c (which uses gsl_ran_ugaussian_pdf/gsl_cdf_ugaussian_Q).
 * For X ~ N(mu, sd^2) conditioned on X >= 0, alpha = -mu/sd,
 * lambda = phi(alpha) / Q(alpha):
 *   E[X]   = mu + sd * lambda
 *   Var[X] = sd^2 * (1 + alpha * lambda - lambda^2). */
static double trunc_lambda(double mu, double sd)
{
    double alpha = -mu / sd;
    double phi = exp(-0.5 * alpha * alpha) / sqrt(2.0 * M_PI);
    double q = 0.5 * erfc(alpha / M_SQRT2);
    return phi / q;
}

static double trunc_mean(double mu, double sd)
{
    return mu + sd * trunc_lambda(mu, sd);
}

static double trunc_var(double mu, double sd)
{
    double alpha = -mu / sd, lambda = trunc_lambda(mu, sd);
    return sd * sd * (1.0 + alpha * lambda - lambda * lambda);
}

/* True variance of one draw, from the textbook formulas (not from dist.c). */
static double true_var(const struct dist *d)
{
    switch (d->kind) {
    case DIST_CONSTANT:
        return 0;
    case DIST_EXPONENTIAL:
        return d->a * d->a;
    case DIST_NORMAL:
        return d->b == 0 ? 0 : trunc_var(d->a, d->b);
    case DIST_LOGNORMAL: {
        double s2 = d->b * d->b;
        return (exp(s2) - 1.0) * exp(2.0 * d->a + s2);
    }
    case DIST_GAMMA:
        return d->a * d->b * d->b;
    case DIST_WEIBULL: {
        double g1 = gsl_sf_gamma(1.0 + 1.0 / d->a), g2 = gsl_sf_gamma(1.0 + 2.0 / d->a);
        return d->b * d->b * (g2 - g1 * g1);
    }
    case DIST_UNIFORM:
        return (d->b - d->a) * (d->b - d->a) / 12.0;
    case DIST_EMPIRICAL: {
        double m = 0, v = 0;
        for (size_t i = 0; i < d->n_samples; i++)
            m += d->samples[i];
        m /= (double)d->n_samples;
        for (size_t i = 0; i < d->n_samples; i++)
            v += (d->samples[i] - m) * (d->samples[i] - m);
        return v / (double)d->n_samples; /* population variance: a draw is uniform on the set */
    }
    }
    return NAN;
}

/* CDF of the distribution, from GSL's cdf module (or by hand), for KS tests. */
static double true_cdf(const struct dist *d, double x)
{
    switch (d->kind) {
    case DIST_EXPONENTIAL:
        return gsl_cdf_exponential_P(x, d->a);
    case DIST_NORMAL: {
        /* Truncated at 0: (Phi((x-mu)/sd) - Phi(-mu/sd)) / Q(-mu/sd). */
        double p0 = gsl_cdf_ugaussian_P(-d->a / d->b);
        return x < 0 ? 0 : (gsl_cdf_ugaussian_P((x - d->a) / d->b) - p0) / (1.0 - p0);
    }
    case DIST_LOGNORMAL:
        return gsl_cdf_lognormal_P(x, d->a, d->b);
    case DIST_GAMMA:
        return gsl_cdf_gamma_P(x, d->a, d->b);
    case DIST_WEIBULL:
        /* gsl_cdf_weibull_P takes (scale, shape), like gsl_ran_weibull. */
        return gsl_cdf_weibull_P(x, d->b, d->a);
    case DIST_UNIFORM:
        return gsl_cdf_flat_P(x, d->a, d->b);
    case DIST_CONSTANT:
    case DIST_EMPIRICAL:
        break;
    }
    return NAN;
}

/* KS statistic of xs (sorted in place) against d's CDF. */
static double ks_stat(const struct dist *d, double *xs, size_t n)
{
    gsl_sort(xs, 1, n);
    double dmax = 0;
    for (size_t i = 0; i < n; i++) {
        double f = true_cdf(d, xs[i]);
        double lo = f - (double)i / (double)n, hi = (double)(i + 1) / (double)n - f;
        if (lo > dmax)
            dmax = lo;
        if (hi > dmax)
            dmax = hi;
    }
    return dmax;
}

/* One good parameter set per kind (empirical handled separately). */
static struct dist good_dists[7];

static void fill_good(void)
{
    good_dists[0] = make(DIST_CONSTANT, 2.5, 0);
    good_dists[1] = make(DIST_EXPONENTIAL, 0.25, 0);
    good_dists[2] = make(DIST_NORMAL, 1.0, 2.0);
    good_dists[3] = make(DIST_LOGNORMAL, 0.1, 0.5);
    good_dists[4] = make(DIST_GAMMA, 2.0, 1.5);
    good_dists[5] = make(DIST_WEIBULL, 2.0, 3.0);
    good_dists[6] = make(DIST_UNIFORM, 1.0, 3.0);
}
#define N_GOOD (sizeof good_dists / sizeof good_dists[0])

/* ---------------------------------------------------------------------- */
/* Kind names                                                              */

static void test_kind_round_trip(void)
{
    static const char *const names[] = {
        "constant", "exponential", "normal", "lognormal", "gamma", "weibull", "uniform", "empirical",
    };
    CU_ASSERT_EQUAL((int)DIST_EMPIRICAL + 1, (int)(sizeof names / sizeof names[0]));
    for (int k = DIST_CONSTANT; k <= DIST_EMPIRICAL; k++) {
        const char *name = dist_kind_name((enum dist_kind)k);
        CU_ASSERT_PTR_NOT_NULL_FATAL(name);
        CU_ASSERT_STRING_EQUAL(name, names[k]);
        enum dist_kind back = DIST_CONSTANT;
        CU_ASSERT_EQUAL(dist_kind_parse(name, &back), 0);
        CU_ASSERT_EQUAL((int)back, k);
    }
}

static void test_kind_unknown(void)
{
    CU_ASSERT_PTR_NULL(dist_kind_name((enum dist_kind)(DIST_EMPIRICAL + 1)));
    CU_ASSERT_PTR_NULL(dist_kind_name((enum dist_kind)-1));
    enum dist_kind k = DIST_GAMMA;
    CU_ASSERT_EQUAL(dist_kind_parse("", &k), -1);
    CU_ASSERT_EQUAL(dist_kind_parse("norm", &k), -1);
    CU_ASSERT_EQUAL(dist_kind_parse("normal ", &k), -1);
    CU_ASSERT_EQUAL(dist_kind_parse("poisson", &k), -1);
    CU_ASSERT_EQUAL((int)k, (int)DIST_GAMMA); /* untouched on failure */
}

/* ---------------------------------------------------------------------- */
/* dist_check                                                              */

static void test_check_accepts_good(void)
{
    fill_good();
    char msg[256];
    for (size_t i = 0; i < N_GOOD; i++) {
        msg[0] = '\0';
        CU_ASSERT_EQUAL(dist_check(&good_dists[i], msg, sizeof msg), 0);
    }
    /* Boundary values that are still valid. */
    const struct dist edge[] = {
        make(DIST_CONSTANT, 0, 0),
        make(DIST_NORMAL, 0, 1),      /* half-normal */
        make(DIST_NORMAL, 3, 0),      /* degenerate: always 3 */
        make(DIST_LOGNORMAL, -50, 0),
        make(DIST_LOGNORMAL, 50, 10),
        make(DIST_UNIFORM, 0, 0),
        make(DIST_UNIFORM, 2, 2),
    };
    for (size_t i = 0; i < sizeof edge / sizeof edge[0]; i++)
        CU_ASSERT_EQUAL(dist_check(&edge[i], msg, sizeof msg), 0);
    struct dist e = make_empirical(emp_values, N_EMP);
    CU_ASSERT_EQUAL(dist_check(&e, msg, sizeof msg), 0);
    dist_fini(&e);
}

struct bad_case {
    struct dist d;
    const char *prefix; /* the message must start with "<param>:" */
};

static void expect_bad(const struct bad_case *c)
{
    char msg[256] = "";
    int rc = dist_check(&c->d, msg, sizeof msg);
    CU_ASSERT_EQUAL(rc, -1);
    int ok = strncmp(msg, c->prefix, strlen(c->prefix)) == 0;
    CU_ASSERT(ok);
    if (rc != -1 || !ok)
        printf("\n  %s(a=%g, b=%g): rc=%d msg=\"%s\", want prefix \"%s\"\n",
               dist_kind_name(c->d.kind), c->d.a, c->d.b, rc, msg, c->prefix);
}

static void test_check_rejects_each_param(void)
{
    const struct bad_case cases[] = {
        { make(DIST_CONSTANT, -1, 0), "value:" },
        { make(DIST_CONSTANT, NAN, 0), "value:" },
        { make(DIST_CONSTANT, INFINITY, 0), "value:" },
        { make(DIST_EXPONENTIAL, 0, 0), "mean:" },
        { make(DIST_EXPONENTIAL, -2, 0), "mean:" },
        { make(DIST_EXPONENTIAL, NAN, 0), "mean:" },
        { make(DIST_EXPONENTIAL, INFINITY, 0), "mean:" },
        { make(DIST_NORMAL, -1, 1), "mean:" },
        { make(DIST_NORMAL, NAN, 1), "mean:" },
        { make(DIST_NORMAL, 1, -1), "sd:" },
        { make(DIST_NORMAL, 1, NAN), "sd:" },
        { make(DIST_NORMAL, 1, INFINITY), "sd:" },
        { make(DIST_LOGNORMAL, 51, 1), "mu:" },
        { make(DIST_LOGNORMAL, -51, 1), "mu:" },
        { make(DIST_LOGNORMAL, NAN, 1), "mu:" },
        { make(DIST_LOGNORMAL, 0, -0.1), "sigma:" },
        { make(DIST_LOGNORMAL, 0, 11), "sigma:" },
        { make(DIST_LOGNORMAL, 0, -INFINITY), "sigma:" },
        { make(DIST_GAMMA, 0, 1), "shape:" },
        { make(DIST_GAMMA, -1, 1), "shape:" },
        { make(DIST_GAMMA, NAN, 1), "shape:" },
        { make(DIST_GAMMA, 1, 0), "scale:" },
        { make(DIST_GAMMA, 1, -1), "scale:" },
        { make(DIST_GAMMA, 1, INFINITY), "scale:" },
        { make(DIST_WEIBULL, 0, 1), "shape:" },
        { make(DIST_WEIBULL, -2, 1), "shape:" },
        /* Gamma(1 + 1/shape) overflows a double for shape < 1/170.6: dist_mean
         * would hit a GSL overflow error, so the shape must be rejected. */
        { make(DIST_WEIBULL, 0.005, 1), "shape:" },
        { make(DIST_WEIBULL, 2, 0), "scale:" },
        { make(DIST_WEIBULL, 2, NAN), "scale:" },
        { make(DIST_UNIFORM, -1, 1), "min:" },
        { make(DIST_UNIFORM, NAN, 1), "min:" },
        { make(DIST_UNIFORM, 2, 1), "max:" },
        { make(DIST_UNIFORM, 0, INFINITY), "max:" },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        expect_bad(&cases[i]);
}

static void test_check_rejects_bad_empirical(void)
{
    char msg[256];
    struct dist none = make(DIST_EMPIRICAL, 0, 0);
    CU_ASSERT_EQUAL(dist_check(&none, msg, sizeof msg), -1);
    CU_ASSERT_EQUAL(strncmp(msg, "samples:", 8), 0);

    double vals[] = { 1.0, 2.0, 3.0 };
    struct dist nullp = make(DIST_EMPIRICAL, 0, 0);
    nullp.n_samples = 3; /* count without storage */
    CU_ASSERT_EQUAL(dist_check(&nullp, msg, sizeof msg), -1);
    CU_ASSERT_EQUAL(strncmp(msg, "samples:", 8), 0);

    struct dist e = make(DIST_EMPIRICAL, 0, 0);
    e.samples = vals;
    e.n_samples = 3;
    vals[2] = -1.0;
    CU_ASSERT_EQUAL(dist_check(&e, msg, sizeof msg), -1);
    CU_ASSERT_EQUAL(strncmp(msg, "samples[2]:", 11), 0);
    vals[2] = 3.0;
    vals[1] = NAN;
    CU_ASSERT_EQUAL(dist_check(&e, msg, sizeof msg), -1);
    CU_ASSERT_EQUAL(strncmp(msg, "samples[1]:", 11), 0);
    vals[1] = INFINITY;
    CU_ASSERT_EQUAL(dist_check(&e, msg, sizeof msg), -1);
    CU_ASSERT_EQUAL(strncmp(msg, "samples[1]:", 11), 0);
    vals[1] = 2.0;
    CU_ASSERT_EQUAL(dist_check(&e, msg, sizeof msg), 0);
}

static void test_check_rejects_unknown_kind(void)
{
    char msg[256] = "";
    struct dist d = make((enum dist_kind)42, 1, 1);
    CU_ASSERT_EQUAL(dist_check(&d, msg, sizeof msg), -1);
    CU_ASSERT(msg[0] != '\0');
}

/* ---------------------------------------------------------------------- */
/* Analytic means                                                          */

static void test_mean_closed_forms(void)
{
    fill_good();
    const double want[] = {
        2.5,                          /* constant */
        0.25,                         /* exponential: the mean itself */
        trunc_mean(1.0, 2.0),         /* normal truncated at 0 */
        exp(0.1 + 0.5 * 0.25),        /* lognormal: exp(mu + sigma^2/2) */
        3.0,                          /* gamma: shape * scale */
        3.0 * sqrt(M_PI) / 2.0,       /* weibull: scale * Gamma(1.5) = scale * sqrt(pi)/2 */
        2.0,                          /* uniform: (min + max)/2 */
    };
    for (size_t i = 0; i < N_GOOD; i++)
        CU_ASSERT_DOUBLE_EQUAL(dist_mean(&good_dists[i]), want[i], 1e-12 * fabs(want[i]));

    struct dist e = make_empirical(emp_values, N_EMP);
    CU_ASSERT_DOUBLE_EQUAL(dist_mean(&e), 11.5 / 5.0, 1e-15);
    dist_fini(&e);

    struct dist deg = make(DIST_NORMAL, 3.0, 0.0);
    CU_ASSERT_DOUBLE_EQUAL(dist_mean(&deg), 3.0, 0.0);
}

/* Sampled mean within 5 standard errors of dist_mean for every kind:
 * |xbar - mu| <= 5 * sd / sqrt(n), sd from the closed-form variance. With a
 * fixed seed the outcome is deterministic; a correct sampler would miss the
 * bound with probability ~6e-7 per kind (normal tail at 5 sigma). */
static void test_sample_mean_every_kind(void)
{
    fill_good();
    gsl_rng *r = new_rng(SEED);
    struct dist all[N_GOOD + 1];
    memcpy(all, good_dists, sizeof good_dists);
    all[N_GOOD] = make_empirical(emp_values, N_EMP);
    for (size_t k = 0; k < N_GOOD + 1; k++) {
        const struct dist *d = &all[k];
        double sum = 0, minv = INFINITY;
        for (int i = 0; i < N_DRAWS; i++) {
            double x = dist_sample(d, r);
            sum += x;
            if (x < minv)
                minv = x;
        }
        double mean = sum / N_DRAWS, mu = dist_mean(d);
        double tol = 5.0 * sqrt(true_var(d)) / sqrt((double)N_DRAWS);
        if (d->kind == DIST_CONSTANT)
            tol = 1e-12; /* summing 1e5 copies of 2.5 is exact, then divided */
        CU_ASSERT(fabs(mean - mu) <= tol);
        CU_ASSERT(minv >= 0);
        if (!(fabs(mean - mu) <= tol))
            printf("\n  %s: sample mean %.6g, dist_mean %.6g, tol %.3g\n",
                   dist_kind_name(d->kind), mean, mu, tol);
    }
    dist_fini(&all[N_GOOD]);
    gsl_rng_free(r);
}

/* ---------------------------------------------------------------------- */
/* Shapes: KS against the CDF                                              */

static void ks_check(const struct dist *d, gsl_rng *r)
{
    double *xs = malloc(N_DRAWS * sizeof *xs);
    CU_ASSERT_FATAL(xs != NULL);
    for (size_t i = 0; i < N_DRAWS; i++)
        xs[i] = dist_sample(d, r);
    double dn = ks_stat(d, xs, N_DRAWS), crit = testutil_ks_critical(N_DRAWS, 1e-4);
    CU_ASSERT(dn <= crit);
    if (!(dn <= crit))
        printf("\n  %s(a=%g, b=%g): KS D=%.5f > %.5f\n", dist_kind_name(d->kind), d->a, d->b, dn, crit);
    free(xs);
}

static void test_ks_every_continuous_kind(void)
{
    fill_good();
    gsl_rng *r = new_rng(SEED + 1);
    for (size_t k = 1; k < N_GOOD; k++) /* skip constant */
        ks_check(&good_dists[k], r);
    /* A gamma with shape < 1 takes GSL's other branch. */
    struct dist g = make(DIST_GAMMA, 0.5, 2.0);
    ks_check(&g, r);
    gsl_rng_free(r);
}

/* Weibull parameters are (shape, scale) in a dist but GSL's sampler takes
 * (scale, shape): shape 2, scale 3 has mean 3 * Gamma(1.5) = 2.6587 and
 * CDF 1 - exp(-(x/3)^2); swapped it would have mean 2 * Gamma(4/3) = 1.786. */
static void test_weibull_parameter_order(void)
{
    struct dist w = make(DIST_WEIBULL, 2.0, 3.0);
    double want = 3.0 * sqrt(M_PI) / 2.0;
    CU_ASSERT_DOUBLE_EQUAL(dist_mean(&w), want, 1e-12);
    /* Var = 9 * (Gamma(2) - Gamma(1.5)^2) = 9 * (1 - pi/4). */
    double sd = sqrt(9.0 * (1.0 - M_PI / 4.0));
    gsl_rng *r = new_rng(SEED + 2);
    double *xs = malloc(N_DRAWS * sizeof *xs);
    CU_ASSERT_FATAL(xs != NULL);
    double sum = 0;
    for (size_t i = 0; i < N_DRAWS; i++) {
        xs[i] = dist_sample(&w, r);
        sum += xs[i];
    }
    CU_ASSERT(fabs(sum / N_DRAWS - want) <= 5.0 * sd / sqrt((double)N_DRAWS));
    /* KS against the hand-written CDF. */
    gsl_sort(xs, 1, N_DRAWS);
    double dn = 0;
    for (size_t i = 0; i < N_DRAWS; i++) {
        double f = 1.0 - exp(-(xs[i] / 3.0) * (xs[i] / 3.0));
        double lo = f - (double)i / N_DRAWS, hi = (double)(i + 1) / N_DRAWS - f;
        dn = fmax(dn, fmax(lo, hi));
    }
    CU_ASSERT(dn <= testutil_ks_critical(N_DRAWS, 1e-4));
    free(xs);
    gsl_rng_free(r);
}

/* ---------------------------------------------------------------------- */
/* Normal truncated at 0                                                   */

static void test_normal_truncated(void)
{
    /* mean 1, sd 2: alpha = -0.5, lambda = phi(-0.5)/Q(-0.5)
     * = 0.3520653 / 0.6914625 = 0.5091604, truncated mean = 1 + 2 * lambda
     * = 2.0183208 (the untruncated mean 1 would be far outside the bound). */
    struct dist d = make(DIST_NORMAL, 1.0, 2.0);
    double mu = trunc_mean(1.0, 2.0);
    CU_ASSERT_DOUBLE_EQUAL(mu, 2.0183208, 1e-6);
    CU_ASSERT_DOUBLE_EQUAL(dist_mean(&d), mu, 1e-12);

    gsl_rng *r = new_rng(SEED + 3);
    double sum = 0, minv = INFINITY;
    for (int i = 0; i < N_DRAWS; i++) {
        double x = dist_sample(&d, r);
        sum += x;
        minv = fmin(minv, x);
    }
    /* tol = 5 * sqrt(Var)/sqrt(n), Var = 4 * (1 - 0.5*lambda - lambda^2) = 2.9631,
     * so tol = 5 * 1.7214 / 316.23 = 0.0272. */
    double tol = 5.0 * sqrt(trunc_var(1.0, 2.0)) / sqrt((double)N_DRAWS);
    CU_ASSERT(fabs(sum / N_DRAWS - mu) <= tol);
    CU_ASSERT(minv >= 0);

    /* Mean 0: half of the mass is rejected, still never negative; the
     * half-normal mean is sd * sqrt(2/pi). */
    struct dist h = make(DIST_NORMAL, 0.0, 1.0);
    CU_ASSERT_DOUBLE_EQUAL(dist_mean(&h), sqrt(2.0 / M_PI), 1e-12);
    minv = INFINITY;
    for (int i = 0; i < N_DRAWS; i++)
        minv = fmin(minv, dist_sample(&h, r));
    CU_ASSERT(minv >= 0);

    /* sd 0: always the mean. */
    struct dist c = make(DIST_NORMAL, 0.75, 0.0);
    for (int i = 0; i < 100; i++)
        CU_ASSERT_DOUBLE_EQUAL(dist_sample(&c, r), 0.75, 0.0);
    gsl_rng_free(r);
}

/* Support is never negative, even for kinds whose mass sits near 0. */
static void test_support_non_negative(void)
{
    const struct dist near0[] = {
        make(DIST_EXPONENTIAL, 1e-6, 0),
        make(DIST_NORMAL, 0.0, 100.0),
        make(DIST_NORMAL, 1e-9, 1.0),
        make(DIST_LOGNORMAL, -50, 10),
        make(DIST_GAMMA, 0.05, 1.0),
        make(DIST_WEIBULL, 0.3, 1.0),
        make(DIST_UNIFORM, 0.0, 1e-9),
    };
    gsl_rng *r = new_rng(SEED + 4);
    for (size_t k = 0; k < sizeof near0 / sizeof near0[0]; k++) {
        char msg[128];
        CU_ASSERT_EQUAL_FATAL(dist_check(&near0[k], msg, sizeof msg), 0);
        int negative = 0, nonfinite = 0;
        for (int i = 0; i < N_DRAWS / 10; i++) {
            double x = dist_sample(&near0[k], r);
            negative += x < 0;
            nonfinite += !isfinite(x);
        }
        CU_ASSERT_EQUAL(negative, 0);
        CU_ASSERT_EQUAL(nonfinite, 0);
    }
    gsl_rng_free(r);
}

/* ---------------------------------------------------------------------- */
/* Constant and uniform degenerate cases                                   */

static void test_constant_and_degenerate(void)
{
    struct dist c = dist_constant(0.125);
    CU_ASSERT_EQUAL((int)c.kind, (int)DIST_CONSTANT);
    CU_ASSERT_PTR_NULL(c.samples);
    CU_ASSERT_EQUAL(c.n_samples, 0u);
    char msg[64];
    CU_ASSERT_EQUAL(dist_check(&c, msg, sizeof msg), 0);
    gsl_rng *r = new_rng(SEED + 5);
    for (int i = 0; i < 100; i++)
        CU_ASSERT_DOUBLE_EQUAL(dist_sample(&c, r), 0.125, 0.0);
    CU_ASSERT_DOUBLE_EQUAL(dist_mean(&c), 0.125, 0.0);

    struct dist u = make(DIST_UNIFORM, 2.0, 2.0);
    for (int i = 0; i < 100; i++)
        CU_ASSERT_DOUBLE_EQUAL(dist_sample(&u, r), 2.0, 0.0);
    struct dist u2 = make(DIST_UNIFORM, 1.0, 3.0);
    for (int i = 0; i < 10000; i++) {
        double x = dist_sample(&u2, r);
        CU_ASSERT(x >= 1.0 && x <= 3.0);
    }
    dist_fini(&c); /* safe on a constant */
    struct dist zero;
    memset(&zero, 0, sizeof zero);
    dist_fini(&zero); /* safe on a zeroed dist */
    dist_fini(NULL);
    gsl_rng_free(r);
}

/* ---------------------------------------------------------------------- */
/* Empirical                                                               */

/* Draws only its samples, each with frequency 1/n: a chi-square goodness of
 * fit on the n cells (df = n - 1) must have p-value > 1e-4, and each cell
 * count must be within 5 binomial standard deviations of N/n. */
static void test_empirical_frequencies(void)
{
    struct dist e = make_empirical(emp_values, N_EMP);
    gsl_rng *r = new_rng(SEED + 6);
    unsigned long counts[N_EMP] = { 0 };
    int stray = 0;
    for (int i = 0; i < N_DRAWS; i++) {
        double x = dist_sample(&e, r);
        size_t j = 0;
        while (j < N_EMP && !(x == emp_values[j]))
            j++;
        if (j == N_EMP)
            stray++;
        else
            counts[j]++;
    }
    CU_ASSERT_EQUAL(stray, 0);
    double expect = (double)N_DRAWS / (double)N_EMP, chi2 = 0;
    double p = 1.0 / (double)N_EMP;
    double sd = sqrt((double)N_DRAWS * p * (1.0 - p)); /* binomial sd = 126.5 */
    for (size_t j = 0; j < N_EMP; j++) {
        double dev = (double)counts[j] - expect;
        chi2 += dev * dev / expect;
        CU_ASSERT(fabs(dev) <= 5.0 * sd);
    }
    double pval = gsl_cdf_chisq_Q(chi2, (double)(N_EMP - 1));
    CU_ASSERT(pval > 1e-4);
    dist_fini(&e);
    CU_ASSERT_PTR_NULL(e.samples);
    CU_ASSERT_EQUAL(e.n_samples, 0u);
    gsl_rng_free(r);
}

/* Duplicated values are weighted by their multiplicity: {1, 1, 1, 4} draws 1
 * with probability 3/4. Binomial bound: 5 * sqrt(N * 3/16) = 342. */
static void test_empirical_duplicates_weighted(void)
{
    const double vals[] = { 1.0, 1.0, 1.0, 4.0 };
    struct dist e = make_empirical(vals, 4);
    gsl_rng *r = new_rng(SEED + 7);
    long ones = 0, fours = 0;
    for (int i = 0; i < N_DRAWS; i++) {
        double x = dist_sample(&e, r);
        ones += x == 1.0;
        fours += x == 4.0;
    }
    CU_ASSERT_EQUAL(ones + fours, N_DRAWS);
    CU_ASSERT(fabs((double)ones - 0.75 * N_DRAWS) <= 5.0 * sqrt(N_DRAWS * 0.75 * 0.25));
    CU_ASSERT_DOUBLE_EQUAL(dist_mean(&e), 7.0 / 4.0, 1e-15);
    dist_fini(&e);
    gsl_rng_free(r);
}

/* ---------------------------------------------------------------------- */
/* dist_scale                                                              */

static void test_scale_mean_every_kind(void)
{
    fill_good();
    const double factors[] = { 1e-3, 0.5, 2.0, 1000.0 };
    struct dist all[N_GOOD + 1];
    memcpy(all, good_dists, sizeof good_dists);
    all[N_GOOD] = make_empirical(emp_values, N_EMP);
    for (size_t k = 0; k < N_GOOD + 1; k++) {
        for (size_t f = 0; f < sizeof factors / sizeof factors[0]; f++) {
            struct dist s;
            dist_copy(&s, &all[k]);
            dist_scale(&s, factors[f]);
            char msg[128];
            CU_ASSERT_EQUAL(dist_check(&s, msg, sizeof msg), 0);
            double want = factors[f] * dist_mean(&all[k]);
            CU_ASSERT_DOUBLE_EQUAL(dist_mean(&s), want, 1e-12 * want);
            dist_fini(&s);
        }
    }
    /* Lognormal scales through mu += ln f, sigma unchanged. */
    struct dist ln = make(DIST_LOGNORMAL, 0.1, 0.5);
    dist_scale(&ln, 1000.0);
    CU_ASSERT_DOUBLE_EQUAL(ln.a, 0.1 + log(1000.0), 1e-12);
    CU_ASSERT_DOUBLE_EQUAL(ln.b, 0.5, 0.0);
    /* Gamma and Weibull scale the scale only. */
    struct dist g = make(DIST_GAMMA, 2.0, 1.5);
    dist_scale(&g, 4.0);
    CU_ASSERT_DOUBLE_EQUAL(g.a, 2.0, 0.0);
    CU_ASSERT_DOUBLE_EQUAL(g.b, 6.0, 0.0);
    struct dist w = make(DIST_WEIBULL, 2.0, 3.0);
    dist_scale(&w, 4.0);
    CU_ASSERT_DOUBLE_EQUAL(w.a, 2.0, 0.0);
    CU_ASSERT_DOUBLE_EQUAL(w.b, 12.0, 0.0);
    dist_fini(&all[N_GOOD]);
}

/* "Multiply every value the distribution can produce": with the same random
 * stream, each draw of the scaled dist is factor times the unscaled draw
 * (every GSL sampler used is scale-equivariant in the uniforms it consumes),
 * up to a few ulps of rounding. */
static void test_scale_pathwise(void)
{
    fill_good();
    struct dist all[N_GOOD + 1];
    memcpy(all, good_dists, sizeof good_dists);
    all[N_GOOD] = make_empirical(emp_values, N_EMP);
    const double f = 0.001; /* ms -> s */
    for (size_t k = 0; k < N_GOOD + 1; k++) {
        struct dist s;
        dist_copy(&s, &all[k]);
        dist_scale(&s, f);
        gsl_rng *r1 = new_rng(SEED + 8), *r2 = new_rng(SEED + 8);
        int bad = 0;
        for (int i = 0; i < 2000; i++) {
            double x = dist_sample(&all[k], r1), y = dist_sample(&s, r2);
            if (!(fabs(y - f * x) <= 1e-12 * fabs(f * x) + 1e-300))
                bad++;
        }
        CU_ASSERT_EQUAL(bad, 0);
        if (bad)
            printf("\n  %s: %d draws not scaled\n", dist_kind_name(all[k].kind), bad);
        gsl_rng_free(r1);
        gsl_rng_free(r2);
        dist_fini(&s);
    }
    dist_fini(&all[N_GOOD]);
}

/* Lognormal scaling checked by sampling too: mean exp(mu + ln f + s^2/2). */
static void test_scale_lognormal_sampled(void)
{
    struct dist d = make(DIST_LOGNORMAL, 0.1, 0.5);
    double before = dist_mean(&d);
    double sd_before = sqrt(true_var(&d));
    dist_scale(&d, 250.0);
    gsl_rng *r = new_rng(SEED + 9);
    double sum = 0;
    for (int i = 0; i < N_DRAWS; i++)
        sum += dist_sample(&d, r);
    /* Scaled sd is 250 * sd_before; tol = 5 * 250 * sd / sqrt(n). */
    CU_ASSERT(fabs(sum / N_DRAWS - 250.0 * before) <= 5.0 * 250.0 * sd_before / sqrt((double)N_DRAWS));
    gsl_rng_free(r);
}

/* ---------------------------------------------------------------------- */
/* dist_copy                                                               */

static void test_copy_deep(void)
{
    struct dist src = make_empirical(emp_values, N_EMP);
    struct dist dst;
    dist_copy(&dst, &src);
    CU_ASSERT_EQUAL((int)dst.kind, (int)DIST_EMPIRICAL);
    CU_ASSERT_EQUAL(dst.n_samples, N_EMP);
    CU_ASSERT_PTR_NOT_NULL_FATAL(dst.samples);
    CU_ASSERT_PTR_NOT_EQUAL(dst.samples, src.samples);
    CU_ASSERT_EQUAL(memcmp(dst.samples, src.samples, N_EMP * sizeof *src.samples), 0);

    /* Changing or freeing the source leaves the copy intact. */
    src.samples[0] = 99.0;
    dist_scale(&src, 2.0);
    CU_ASSERT_DOUBLE_EQUAL(dst.samples[0], 0.5, 0.0);
    CU_ASSERT_DOUBLE_EQUAL(dst.samples[4], 5.0, 0.0);
    dist_fini(&src);
    CU_ASSERT_PTR_NULL(src.samples);
    CU_ASSERT_DOUBLE_EQUAL(dist_mean(&dst), 11.5 / 5.0, 1e-15);
    gsl_rng *r = new_rng(SEED + 10);
    CU_ASSERT(dist_sample(&dst, r) >= 0.5);
    gsl_rng_free(r);
    dist_fini(&dst);
    CU_ASSERT_PTR_NULL(dst.samples);
    dist_fini(&dst); /* idempotent */
}

static void test_copy_parametric(void)
{
    struct dist src = make(DIST_GAMMA, 2.0, 1.5);
    struct dist dst;
    memset(&dst, 0xAB, sizeof dst); /* garbage that must be overwritten */
    dist_copy(&dst, &src);
    CU_ASSERT_EQUAL((int)dst.kind, (int)DIST_GAMMA);
    CU_ASSERT_DOUBLE_EQUAL(dst.a, 2.0, 0.0);
    CU_ASSERT_DOUBLE_EQUAL(dst.b, 1.5, 0.0);
    CU_ASSERT_PTR_NULL(dst.samples);
    CU_ASSERT_EQUAL(dst.n_samples, 0u);
    dist_fini(&dst);
    dist_fini(&src);
}

/* ---------------------------------------------------------------------- */
/* Same numbers as before the inlined fast path                            */

#define N_SAME 1000000

/* How often the reference took each path (for the coverage checks). */
struct old_paths {
    long fast, wedge, tail;
};

/* The exponential ziggurat as dist.c had it before dist_sample inlined its
 * first step: every draw through gsl_rng_get on GSL's own MT19937. Written
 * out here so that the two implementations share only the tables. */
static double old_exp_ziggurat(gsl_rng *r, struct old_paths *p)
{
    uint32_t u = (uint32_t)gsl_rng_get(r);
    uint32_t iz = u & 255u, jz = u >> 8;
    if (jz < dist_zig_exp_k[iz]) {
        p->fast++;
        return jz * dist_zig_exp_w[iz];
    }
    const double *f = dist_zig_exp_f;
    for (;;) {
        if (iz == 0) {
            p->tail++;
            return ZIG_EXP_R - log(gsl_rng_uniform_pos(r));
        }
        p->wedge++;
        double x = jz * dist_zig_exp_w[iz];
        if (f[iz] + gsl_rng_uniform(r) * (f[iz - 1] - f[iz]) < exp(-x))
            return x;
        u = (uint32_t)gsl_rng_get(r);
        iz = u & 255u;
        jz = u >> 8;
        if (jz < dist_zig_exp_k[iz])
            return jz * dist_zig_exp_w[iz];
    }
}

static gsl_rng *gsl_mt(unsigned long seed)
{
    gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
    CU_ASSERT_FATAL(r != NULL);
    gsl_rng_set(r, seed);
    return r;
}

/* Bit-for-bit: 10^6 exponential draws through dist_sample (inlined) and
 * dist_sample_draw equal the old algorithm's over GSL's generator, slow
 * paths (wedge and tail) included, and the streams stay in step. */
static void test_exponential_same_doubles(void)
{
    const double means[] = { 1.991, 0.25, 1.0 / 0.9 };
    const unsigned long seeds[] = { 0, 1, 4294967295UL };
    for (size_t k = 0; k < sizeof seeds / sizeof seeds[0]; k++) {
        struct dist d = make(DIST_EXPONENTIAL, means[k], 0);
        gsl_rng *ref = gsl_mt(seeds[k]), *inl = new_rng(seeds[k]), *ool = new_rng(seeds[k]);
        struct old_paths paths = { 0, 0, 0 };
        long differ = 0;
        for (long i = 0; i < N_SAME; i++) {
            double want = d.a * old_exp_ziggurat(ref, &paths);
            double got = dist_sample(&d, inl), got_draw = dist_sample_draw(&d, ool);
            differ += memcmp(&want, &got, sizeof want) != 0;
            differ += memcmp(&want, &got_draw, sizeof want) != 0;
        }
        CU_ASSERT_EQUAL(differ, 0);
        unsigned long next = gsl_rng_get(ref);
        CU_ASSERT_EQUAL(gsl_rng_get(inl), next);
        CU_ASSERT_EQUAL(gsl_rng_get(ool), next);
        /* About 2.2% of draws reach the wedge test, 0.045% the tail. */
        CU_ASSERT(paths.wedge > N_SAME / 200);
        CU_ASSERT(paths.tail > N_SAME / 5000);
        if (differ != 0 || paths.tail == 0)
            printf("\n  seed %lu: %ld differences; fast %ld, wedge %ld, tail %ld\n", seeds[k],
                   differ, paths.fast, paths.wedge, paths.tail);
        gsl_rng_free(ref);
        gsl_rng_free(inl);
        gsl_rng_free(ool);
    }
}

/* Every other kind samples through GSL with our generator: the same doubles
 * as with GSL's MT19937. */
static void test_other_kinds_same_doubles(void)
{
    fill_good();
    struct dist all[N_GOOD + 2];
    memcpy(all, good_dists, sizeof good_dists);
    all[N_GOOD] = make_empirical(emp_values, N_EMP);
    all[N_GOOD + 1] = make(DIST_GAMMA, 0.5, 2.0);
    for (size_t k = 0; k < N_GOOD + 2; k++) {
        if (all[k].kind == DIST_EXPONENTIAL)
            continue;
        gsl_rng *ref = gsl_mt(SEED + k), *ours = new_rng(SEED + k);
        long differ = 0;
        for (int i = 0; i < N_DRAWS; i++) {
            double want = dist_sample_draw(&all[k], ref), got = dist_sample(&all[k], ours);
            differ += memcmp(&want, &got, sizeof want) != 0;
        }
        CU_ASSERT_EQUAL(differ, 0);
        if (differ != 0)
            printf("\n  %s: %ld differences\n", dist_kind_name(all[k].kind), differ);
        gsl_rng_free(ref);
        gsl_rng_free(ours);
    }
    dist_fini(&all[N_GOOD]);
}

static void add_tests(CU_pSuite s)
{
    CU_add_test(s, "kind name/parse round trip", test_kind_round_trip);
    CU_add_test(s, "unknown kind names", test_kind_unknown);
    CU_add_test(s, "check accepts good parameters", test_check_accepts_good);
    CU_add_test(s, "check rejects each bad parameter by name", test_check_rejects_each_param);
    CU_add_test(s, "check rejects bad empirical samples", test_check_rejects_bad_empirical);
    CU_add_test(s, "check rejects unknown kind", test_check_rejects_unknown_kind);
    CU_add_test(s, "dist_mean closed forms", test_mean_closed_forms);
    CU_add_test(s, "sampled mean vs dist_mean, every kind", test_sample_mean_every_kind);
    CU_add_test(s, "KS vs CDF, every continuous kind", test_ks_every_continuous_kind);
    CU_add_test(s, "weibull (shape, scale) order", test_weibull_parameter_order);
    CU_add_test(s, "normal truncated at 0", test_normal_truncated);
    CU_add_test(s, "support never negative", test_support_non_negative);
    CU_add_test(s, "constant and degenerate cases", test_constant_and_degenerate);
    CU_add_test(s, "empirical frequencies (chi-square)", test_empirical_frequencies);
    CU_add_test(s, "empirical duplicates weighted", test_empirical_duplicates_weighted);
    CU_add_test(s, "scale multiplies the mean, every kind", test_scale_mean_every_kind);
    CU_add_test(s, "scale multiplies every draw", test_scale_pathwise);
    CU_add_test(s, "scale lognormal (sampled)", test_scale_lognormal_sampled);
    CU_add_test(s, "copy is deep for empirical", test_copy_deep);
    CU_add_test(s, "copy of a parametric dist", test_copy_parametric);
    CU_add_test(s, "exponential: same doubles as the old ziggurat", test_exponential_same_doubles);
    CU_add_test(s, "other kinds: same doubles as over GSL's MT19937", test_other_kinds_same_doubles);
}

int main(void)
{
    return testutil_main("dist", add_tests);
}
