/* fit: the statistics behind `calibrate` and `validate`: maximum-likelihood
 * fits of lognormal, gamma and Weibull distributions (chosen by AIC, with a
 * Kolmogorov-Smirnov statistic), a linear regression with confidence
 * intervals, confidence intervals for a mean and a median, and two-sample
 * KS and Wasserstein-1 distances. Pure functions over caller-owned arrays;
 * nothing is printed. */
#ifndef LAMBDASIM_FIT_H
#define LAMBDASIM_FIT_H

#include <stdbool.h>
#include <stddef.h>

enum fit_family { FIT_LOGNORMAL = 0, FIT_GAMMA, FIT_WEIBULL, FIT_FAMILY_COUNT };

struct fit_dist {
    enum fit_family family;
    double a, b;        /* lognormal: mu, sigma; gamma and weibull: shape, scale */
    double loglik;      /* log-likelihood at the estimate */
    double aic;         /* 2 * 2 parameters - 2 loglik */
    double ks;          /* one-sample KS statistic D against the fitted CDF */
    bool ok;            /* false when the fit failed (see fit_dist_ml) */
};

/* "lognormal", "gamma", "weibull". */
const char *fit_family_name(enum fit_family f);

/* Maximum-likelihood fit of family to x[0..n): lognormal in closed form;
 * gamma and Weibull by solving the profile-likelihood equation for the shape
 * (Brent's method, GSL). Needs n >= 2, every x > 0 and not all equal;
 * returns 0, or -1 (out->ok false) otherwise. x is not modified. */
int fit_dist_ml(const double *x, size_t n, enum fit_family family, struct fit_dist *out);

/* Fits every family; *best is the index of the lowest AIC among those that
 * succeeded. Returns 0, or -1 when none did. */
int fit_best(const double *x, size_t n, struct fit_dist fits[FIT_FAMILY_COUNT], size_t *best);

double fit_cdf(const struct fit_dist *d, double x);
double fit_median(const struct fit_dist *d);
double fit_mean(const struct fit_dist *d);

/* Distribution-free confidence interval for the population median from the
 * sorted sample s[0..n) (order statistics, exact binomial coverage >= level;
 * n >= 1). Returns the interval's exact coverage, 1 - 2 P(Binomial(n, 1/2)
 * < j) for [x_(j), x_(n+1-j)]. With too few values for the level (n <= 5
 * at 95 %) it is [s[0], s[n-1]] and the coverage, 1 - 2^(1-n), is below
 * the level (75 % at n = 3): the caller must say so. */
double fit_median_ci(const double *sorted, size_t n, double level, double *lo, double *hi);

/* Mean and half-width of its Student-t confidence interval (half-width NAN
 * when n < 2). */
void fit_mean_ci(const double *x, size_t n, double level, double *mean, double *half);

struct fit_line {
    size_t n;
    double c0, c1;          /* y = c0 + c1 x */
    double c0_half, c1_half; /* half-widths of the confidence intervals */
    double sd_resid;        /* residual standard deviation (n - 2 degrees of freedom) */
    double r2;
};

/* Least squares y = c0 + c1 x (gsl_fit_linear) with Student-t intervals at
 * level. Needs n >= 3 and at least two distinct x; returns 0 or -1. */
int fit_linear(const double *x, const double *y, size_t n, double level, struct fit_line *out);

/* How mean inference time depends on memory (Amdahl over Lambda's CPU
 * share): t(m) = t(ref) ((1 - f) + f share(ref) / share(m)), with
 * share(m) = min(m, 1769) / 1769 (model_cpu_share) and f the CPU-bound
 * fraction at the reference memory. */
struct fit_amdahl {
    size_t n;               /* memory sizes */
    double ref_mb;          /* the reference memory (one of the sizes) */
    double ref_mean_ms;     /* its measured mean: the curve passes through it */
    double fraction;        /* f, in [0, 1] */
    bool clamped;           /* the unconstrained fit fell outside [0, 1] */
    double fraction_raw;    /* the unconstrained fit's f */
    double r2;              /* of the curve against the means (1 - SSE / SS about their mean) */
    double max_abs_resid;   /* largest |curve / mean - 1| over the sizes */
};

/* Fits f to the mean times mean_ms[i] at memory_mb[i] (n >= 2, at least
 * two distinct CPU shares, every mean > 0): weighted least squares of
 * mean = a + b / share(m) with weights 1 / mean^2, i.e. of relative errors,
 * so that the small, slow sizes do not outweigh the rest; then
 * f = (b / share(ref)) / (a + b / share(ref)), clamped to [0, 1]. The
 * written curve is scaled through the measured mean at ref_mb (what a
 * profile measured there predicts elsewhere), and r2 / residuals are of
 * that curve. Returns 0, or -1 (too few sizes, one share, ref_mb not among
 * the sizes). */
int fit_amdahl(const double *memory_mb, const double *mean_ms, size_t n, double ref_mb, struct fit_amdahl *out);

/* The fitted curve at memory_mb, in ms. */
double fit_amdahl_predict(const struct fit_amdahl *fa, double memory_mb);

/* Two-sample Kolmogorov-Smirnov statistic (largest CDF gap) and
 * Wasserstein-1 distance (area between the CDFs, in the values' unit) of
 * two sorted samples (na, nb >= 1). */
double fit_ks2(const double *a, size_t na, const double *b, size_t nb);
double fit_wasserstein1(const double *a, size_t na, const double *b, size_t nb);

/* The asymptotic p-value of a two-sample KS statistic d of samples of na
 * and nb values: Q_KS(lambda) = 2 sum_{j>=1} (-1)^(j-1) exp(-2 j^2 lambda^2)
 * with Stephens' effective-n correction lambda = (en + 0.12 + 0.11/en) d,
 * en = sqrt(na nb / (na + nb)). In [0, 1]; 1 for d = 0. */
double fit_ks2_p_value(double d, size_t na, size_t nb);

/* Sorts x[0..n) ascending. */
void fit_sort(double *x, size_t n);

#endif
