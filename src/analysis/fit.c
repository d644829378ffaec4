/* fit: maximum-likelihood distribution fits, regression, confidence
 * intervals and distances between samples (see fit.h). */
#include "analysis/fit.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <gsl/gsl_cdf.h>
#include <gsl/gsl_errno.h>
#include <gsl/gsl_fit.h>
#include <gsl/gsl_roots.h>
#include <gsl/gsl_sf_gamma.h>
#include <gsl/gsl_sf_psi.h>
#include "base/xalloc.h"
#include "core/model.h"

#define LOG_2PI 1.8378770664093454836

const char *fit_family_name(enum fit_family f)
{
    switch (f) {
    case FIT_LOGNORMAL: return "lognormal";
    case FIT_GAMMA: return "gamma";
    case FIT_WEIBULL: return "weibull";
    case FIT_FAMILY_COUNT: break;
    }
    return NULL;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

void fit_sort(double *x, size_t n)
{
    qsort(x, n, sizeof *x, cmp_double);
}

double fit_cdf(const struct fit_dist *d, double x)
{
    if (x <= 0)
        return 0;
    switch (d->family) {
    case FIT_LOGNORMAL: return gsl_cdf_lognormal_P(x, d->a, d->b);
    case FIT_GAMMA: return gsl_cdf_gamma_P(x, d->a, d->b);
    case FIT_WEIBULL: return gsl_cdf_weibull_P(x, d->b, d->a);
    case FIT_FAMILY_COUNT: break;
    }
    return NAN;
}

double fit_median(const struct fit_dist *d)
{
    switch (d->family) {
    case FIT_LOGNORMAL: return exp(d->a);
    case FIT_GAMMA: return gsl_cdf_gamma_Pinv(0.5, d->a, d->b);
    case FIT_WEIBULL: return d->b * pow(log(2.0), 1.0 / d->a);
    case FIT_FAMILY_COUNT: break;
    }
    return NAN;
}

double fit_mean(const struct fit_dist *d)
{
    switch (d->family) {
    case FIT_LOGNORMAL: return exp(d->a + 0.5 * d->b * d->b);
    case FIT_GAMMA: return d->a * d->b;
    case FIT_WEIBULL: return d->b * gsl_sf_gamma(1.0 + 1.0 / d->a);
    case FIT_FAMILY_COUNT: break;
    }
    return NAN;
}

static double log_pdf(const struct fit_dist *d, double x)
{
    double lx = log(x);
    switch (d->family) {
    case FIT_LOGNORMAL: {
        double z = (lx - d->a) / d->b;
        return -lx - log(d->b) - 0.5 * LOG_2PI - 0.5 * z * z;
    }
    case FIT_GAMMA:
        return (d->a - 1) * lx - x / d->b - gsl_sf_lngamma(d->a) - d->a * log(d->b);
    case FIT_WEIBULL: {
        double ls = log(d->b);
        return log(d->a) - ls + (d->a - 1) * (lx - ls) - pow(x / d->b, d->a);
    }
    case FIT_FAMILY_COUNT: break;
    }
    return NAN;
}

/* Profile-likelihood equations for the shape k (each increasing in k or
 * decreasing, with one root). */
struct shape_eq {
    const double *x;
    size_t n;
    double mean_log;    /* mean of log x */
    double log_mean;    /* log of the mean */
    double xmax;        /* Weibull: x / xmax keeps powers finite */
};

/* Gamma: log k - psi(k) = log(mean) - mean(log x). */
static double gamma_eq(double k, void *p)
{
    const struct shape_eq *e = p;
    return log(k) - gsl_sf_psi(k) - (e->log_mean - e->mean_log);
}

/* Weibull: sum x^k log x / sum x^k - 1/k - mean(log x) = 0, with x scaled
 * by xmax (the equation is scale-free once mean(log x) is scaled too). */
static double weibull_eq(double k, void *p)
{
    const struct shape_eq *e = p;
    double s0 = 0, s1 = 0;
    for (size_t i = 0; i < e->n; i++) {
        double ly = log(e->x[i] / e->xmax);
        double w = exp(k * ly);
        s0 += w;
        s1 += w * ly;
    }
    return s1 / s0 - 1.0 / k - (e->mean_log - log(e->xmax));
}

static int solve_shape(double (*f)(double, void *), struct shape_eq *e, double *k_out)
{
    gsl_function fn = { .function = f, .params = e };
    double lo = 1e-3, hi = f == gamma_eq ? 1e7 : 1e4;
    double flo = f(lo, e), fhi = f(hi, e);
    if (!isfinite(flo) || !isfinite(fhi) || (flo > 0) == (fhi > 0))
        return -1;
    gsl_root_fsolver *s = gsl_root_fsolver_alloc(gsl_root_fsolver_brent);
    if (s == NULL)
        return -1;
    gsl_root_fsolver_set(s, &fn, lo, hi);
    int status = GSL_CONTINUE;
    for (int it = 0; it < 200 && status == GSL_CONTINUE; it++) {
        if (gsl_root_fsolver_iterate(s) != GSL_SUCCESS)
            break;
        status = gsl_root_test_interval(gsl_root_fsolver_x_lower(s), gsl_root_fsolver_x_upper(s), 0, 1e-12);
    }
    *k_out = gsl_root_fsolver_root(s);
    gsl_root_fsolver_free(s);
    return status == GSL_SUCCESS ? 0 : -1;
}

int fit_dist_ml(const double *x, size_t n, enum fit_family family, struct fit_dist *out)
{
    memset(out, 0, sizeof *out);
    out->family = family;
    if (n < 2)
        return -1;
    double sum = 0, sum_log = 0, xmin = INFINITY, xmax = 0;
    for (size_t i = 0; i < n; i++) {
        if (!(x[i] > 0) || !isfinite(x[i]))
            return -1;
        sum += x[i];
        sum_log += log(x[i]);
        xmin = x[i] < xmin ? x[i] : xmin;
        xmax = x[i] > xmax ? x[i] : xmax;
    }
    if (xmin == xmax)
        return -1;
    double dn = (double)n;
    struct shape_eq e = { .x = x, .n = n, .mean_log = sum_log / dn, .log_mean = log(sum / dn),
                          .xmax = xmax };
    switch (family) {
    case FIT_LOGNORMAL: {
        double ss = 0;
        for (size_t i = 0; i < n; i++) {
            double d = log(x[i]) - e.mean_log;
            ss += d * d;
        }
        out->a = e.mean_log;
        out->b = sqrt(ss / dn);  /* the ML estimate divides by n */
        break;
    }
    case FIT_GAMMA:
        if (solve_shape(gamma_eq, &e, &out->a) != 0)
            return -1;
        out->b = sum / dn / out->a;
        break;
    case FIT_WEIBULL: {
        if (solve_shape(weibull_eq, &e, &out->a) != 0)
            return -1;
        double s0 = 0;
        for (size_t i = 0; i < n; i++)
            s0 += pow(x[i] / xmax, out->a);
        out->b = xmax * pow(s0 / dn, 1.0 / out->a);
        break;
    }
    case FIT_FAMILY_COUNT:
        return -1;
    }
    if (!(out->b > 0) || !isfinite(out->a) || !isfinite(out->b))
        return -1;
    double ll = 0;
    for (size_t i = 0; i < n; i++)
        ll += log_pdf(out, x[i]);
    out->loglik = ll;
    out->aic = 2.0 * 2.0 - 2.0 * ll;
    double *s = xmalloc(n * sizeof *s);
    memcpy(s, x, n * sizeof *s);
    fit_sort(s, n);
    double d = 0;
    for (size_t i = 0; i < n; i++) {
        double F = fit_cdf(out, s[i]);
        double up = (double)(i + 1) / dn - F, down = F - (double)i / dn;
        d = up > d ? up : d;
        d = down > d ? down : d;
    }
    free(s);
    out->ks = d;
    out->ok = true;
    return 0;
}

int fit_best(const double *x, size_t n, struct fit_dist fits[FIT_FAMILY_COUNT], size_t *best)
{
    bool any = false;
    for (size_t f = 0; f < FIT_FAMILY_COUNT; f++) {
        fit_dist_ml(x, n, (enum fit_family)f, &fits[f]);
        if (fits[f].ok && (!any || fits[f].aic < fits[*best].aic)) {
            *best = f;
            any = true;
        }
    }
    return any ? 0 : -1;
}

double fit_median_ci(const double *sorted, size_t n, double level, double *lo, double *hi)
{
    /* The largest j with P(Binomial(n, 1/2) < j) <= (1 - level) / 2 gives
     * [x_(j), x_(n+1-j)] (1-based order statistics) with coverage >= level. */
    double tail = (1 - level) / 2;
    size_t j = 0;
    unsigned int un = (unsigned int)n;
    if (n > 2000) {
        /* Normal approximation, then the exact check around it. */
        double z = gsl_cdf_ugaussian_Qinv(tail);
        double guess = floor((double)n / 2 - z * sqrt((double)n) / 2) - 3;
        j = guess > 0 ? (size_t)guess : 0;
    }
    while (j + 1 <= n / 2 && gsl_cdf_binomial_P((unsigned int)j, 0.5, un) <= tail)
        j++;
    /* Now P(B <= j-1) <= tail < P(B <= j): x_(j) is the lower end. */
    if (j == 0) {
        *lo = sorted[0];
        *hi = sorted[n - 1];
        /* [min, max] misses only when all n fall on one side. */
        return n > 1 ? 1 - 2 * pow(0.5, (double)n) : 0;
    }
    *lo = sorted[j - 1];
    *hi = sorted[n - j];
    return 1 - 2 * gsl_cdf_binomial_P((unsigned int)(j - 1), 0.5, un);
}

void fit_mean_ci(const double *x, size_t n, double level, double *mean, double *half)
{
    double s = 0, ss = 0;
    for (size_t i = 0; i < n; i++)
        s += x[i];
    double m = n > 0 ? s / (double)n : (double)NAN;
    for (size_t i = 0; i < n; i++)
        ss += (x[i] - m) * (x[i] - m);
    *mean = m;
    if (n < 2) {
        *half = NAN;
        return;
    }
    double sd = sqrt(ss / (double)(n - 1));
    *half = gsl_cdf_tdist_Qinv((1 - level) / 2, (double)(n - 1)) * sd / sqrt((double)n);
}

int fit_linear(const double *x, const double *y, size_t n, double level, struct fit_line *out)
{
    memset(out, 0, sizeof *out);
    if (n < 3)
        return -1;
    bool distinct = false;
    for (size_t i = 1; i < n; i++)
        distinct |= x[i] != x[0];
    if (!distinct)
        return -1;
    double cov00, cov01, cov11, sumsq;
    gsl_fit_linear(x, 1, y, 1, n, &out->c0, &out->c1, &cov00, &cov01, &cov11, &sumsq);
    double t = gsl_cdf_tdist_Qinv((1 - level) / 2, (double)(n - 2));
    out->n = n;
    out->c0_half = t * sqrt(cov00);
    out->c1_half = t * sqrt(cov11);
    out->sd_resid = sqrt(sumsq / (double)(n - 2));
    double my = 0, tss = 0;
    for (size_t i = 0; i < n; i++)
        my += y[i];
    my /= (double)n;
    for (size_t i = 0; i < n; i++)
        tss += (y[i] - my) * (y[i] - my);
    out->r2 = tss > 0 ? 1 - sumsq / tss : 1;
    return 0;
}

int fit_amdahl(const double *memory_mb, const double *mean_ms, size_t n, double ref_mb, struct fit_amdahl *out)
{
    memset(out, 0, sizeof *out);
    if (n < 2)
        return -1;
    double *x = xmalloc(n * sizeof *x), *w = xmalloc(n * sizeof *w);
    bool distinct = false, have_ref = false;
    for (size_t i = 0; i < n; i++) {
        if (!(mean_ms[i] > 0) || !(memory_mb[i] > 0)) {
            free(x);
            free(w);
            return -1;
        }
        x[i] = 1 / model_cpu_share(memory_mb[i]);
        w[i] = 1 / (mean_ms[i] * mean_ms[i]);
        distinct |= x[i] != x[0];
        if (memory_mb[i] == ref_mb) {
            have_ref = true;
            out->ref_mean_ms = mean_ms[i];
        }
    }
    if (!distinct || !have_ref) {
        free(x);
        free(w);
        return -1;
    }
    double a, b, cov00, cov01, cov11, chisq;
    gsl_fit_wlinear(x, 1, w, 1, mean_ms, 1, n, &a, &b, &cov00, &cov01, &cov11, &chisq);
    free(x);
    free(w);
    double cpu_ref = b / model_cpu_share(ref_mb), total_ref = a + cpu_ref;
    double f = total_ref > 0 ? cpu_ref / total_ref : (double)NAN;
    out->n = n;
    out->ref_mb = ref_mb;
    out->fraction_raw = f;
    /* Outside [0, 1] the data are not Amdahl-shaped (faster with less
     * memory, or slower than purely CPU-bound): the nearest bound is kept. */
    out->fraction = !(f >= 0) ? 0 : f > 1 ? 1 : f;
    out->clamped = out->fraction != f;
    double my = 0, sse = 0, tss = 0;
    for (size_t i = 0; i < n; i++)
        my += mean_ms[i];
    my /= (double)n;
    for (size_t i = 0; i < n; i++) {
        double p = fit_amdahl_predict(out, memory_mb[i]);
        double r = fabs(p / mean_ms[i] - 1);
        sse += (p - mean_ms[i]) * (p - mean_ms[i]);
        tss += (mean_ms[i] - my) * (mean_ms[i] - my);
        out->max_abs_resid = r > out->max_abs_resid ? r : out->max_abs_resid;
    }
    out->r2 = tss > 0 ? 1 - sse / tss : 1;
    return 0;
}

double fit_amdahl_predict(const struct fit_amdahl *fa, double memory_mb)
{
    return fa->ref_mean_ms * model_memory_factor(fa->ref_mb, memory_mb, fa->fraction);
}

double fit_ks2(const double *a, size_t na, const double *b, size_t nb)
{
    size_t i = 0, j = 0;
    double d = 0;
    while (i < na && j < nb) {
        double v = a[i] < b[j] ? a[i] : b[j];
        while (i < na && a[i] <= v)
            i++;
        while (j < nb && b[j] <= v)
            j++;
        double gap = fabs((double)i / (double)na - (double)j / (double)nb);
        d = gap > d ? gap : d;
    }
    return d;
}

double fit_ks2_p_value(double d, size_t na, size_t nb)
{
    if (na == 0 || nb == 0 || !(d > 0))
        return 1;
    const double PI = 3.14159265358979323846;
    double en = sqrt((double)na * (double)nb / ((double)na + (double)nb));
    double lambda = (en + 0.12 + 0.11 / en) * d;
    double q;
    if (lambda < 1.18) {
        /* The alternating series needs many terms for small lambda; the same
         * function through Jacobi's theta identity converges in a few:
         * 1 - Q_KS = sqrt(2 pi)/lambda sum_{j>=1} exp(-(2j-1)^2 pi^2 / (8 lambda^2)). */
        double y = exp(-PI * PI / (8 * lambda * lambda));
        double y8 = pow(y, 8);  /* (2j+1)^2 - (2j-1)^2 = 8 j: each term is the last times y^(8j) */
        double sum = 0, term = y, step = y8;
        for (int j = 1; j <= 50 && term > 0; j++) {
            sum += term;
            term *= step;
            step *= y8;
        }
        q = 1 - sqrt(2 * PI) / lambda * sum;
    } else {
        double sum = 0, sign = 1;
        for (int j = 1; j <= 100; j++) {
            double term = exp(-2.0 * j * j * lambda * lambda);
            sum += sign * term;
            sign = -sign;
            if (term < 1e-17 * sum)
                break;
        }
        q = 2 * sum;
    }
    return q < 0 ? 0 : q > 1 ? 1 : q;
}

double fit_wasserstein1(const double *a, size_t na, const double *b, size_t nb)
{
    /* Integrate |F_a - F_b| over the merged breakpoints. */
    size_t i = 0, j = 0;
    double area = 0, prev = a[0] < b[0] ? a[0] : b[0];
    while (i < na || j < nb) {
        double v = j >= nb || (i < na && a[i] <= b[j]) ? a[i] : b[j];
        area += fabs((double)i / (double)na - (double)j / (double)nb) * (v - prev);
        while (i < na && a[i] <= v)
            i++;
        while (j < nb && b[j] <= v)
            j++;
        prev = v;
    }
    return area;
}
