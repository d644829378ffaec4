/* test_fit: maximum-likelihood fits recover known parameters (tolerances
 * from the asymptotic standard errors at the sample size), AIC picks the
 * family the data came from, confidence intervals cover at their level,
 * and the distances match hand-computed values. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <gsl/gsl_rng.h>
#include <gsl/gsl_sf_psi.h>
#include "core/dist.h"
#include "core/model.h"
#include "analysis/fit.h"
#include "core/rng.h"
#include "testutil.h"

#define N 4000
#define Z 4.0   /* standard errors allowed: a fixed seed, and a correct fit rarely strays this far */

static double *draw(const struct dist *d, size_t n, uint64_t seed)
{
    gsl_rng *r = rng_stream_create(seed, 0);
    double *x = malloc(n * sizeof *x);
    for (size_t i = 0; i < n; i++)
        x[i] = dist_sample(d, r);
    gsl_rng_free(r);
    return x;
}

static void check_near(const char *what, double got, double want, double tol)
{
    if (!(fabs(got - want) <= tol))
        fprintf(stderr, "\n  %s: got %g, want %g +- %g\n", what, got, want, tol);
    CU_ASSERT(fabs(got - want) <= tol);
}

/* The Kolmogorov 1% critical value; with estimated parameters the true
 * statistic is smaller still (Lilliefors), so a correct fit passes. */
static double ks_crit(size_t n)
{
    return 1.63 / sqrt((double)n);
}

static void test_lognormal(void)
{
    struct dist d = { .kind = DIST_LOGNORMAL, .a = log(800), .b = 0.3 };
    double *x = draw(&d, N, 11);
    struct fit_dist fits[FIT_FAMILY_COUNT];
    size_t best = 99;
    CU_ASSERT_EQUAL_FATAL(fit_best(x, N, fits, &best), 0);
    CU_ASSERT_EQUAL(best, FIT_LOGNORMAL);
    const struct fit_dist *f = &fits[FIT_LOGNORMAL];
    /* se(mu) = sigma / sqrt(n); se(sigma) = sigma / sqrt(2n). */
    check_near("mu", f->a, log(800), Z * 0.3 / sqrt(N));
    check_near("sigma", f->b, 0.3, Z * 0.3 / sqrt(2.0 * N));
    CU_ASSERT(f->ks < ks_crit(N));
    check_near("median", fit_median(f), exp(f->a), 1e-9);
    CU_ASSERT(fits[FIT_WEIBULL].aic > f->aic);
    free(x);

    /* Closed form on a tiny sample: logs 0, 1, 2 give mu 1, sigma sqrt(2/3). */
    double y[] = { 1, exp(1), exp(2) };
    struct fit_dist g;
    CU_ASSERT_EQUAL_FATAL(fit_dist_ml(y, 3, FIT_LOGNORMAL, &g), 0);
    check_near("mu", g.a, 1, 1e-12);
    check_near("sigma", g.b, sqrt(2.0 / 3.0), 1e-12);
}

static void test_gamma(void)
{
    const double k = 3, theta = 10;
    struct dist d = { .kind = DIST_GAMMA, .a = k, .b = theta };
    double *x = draw(&d, N, 12);
    struct fit_dist fits[FIT_FAMILY_COUNT];
    size_t best = 99;
    CU_ASSERT_EQUAL_FATAL(fit_best(x, N, fits, &best), 0);
    CU_ASSERT_EQUAL(best, FIT_GAMMA);
    const struct fit_dist *f = &fits[FIT_GAMMA];
    /* Fisher information of the gamma: var(k) = k / (n (k psi'(k) - 1)). */
    double se_k = sqrt(k / (N * (k * gsl_sf_psi_1(k) - 1)));
    check_near("shape", f->a, k, Z * se_k);
    /* The ML mean (shape x scale) is the sample mean: se = sd / sqrt(n). */
    check_near("mean", f->a * f->b, k * theta, Z * sqrt(k) * theta / sqrt(N));
    CU_ASSERT(f->ks < ks_crit(N));
    check_near("mean()", fit_mean(f), f->a * f->b, 1e-9);
    free(x);
}

static void test_weibull(void)
{
    const double k = 1.5, lambda = 200;
    struct dist d = { .kind = DIST_WEIBULL, .a = k, .b = lambda };
    double *x = draw(&d, N, 13);
    struct fit_dist fits[FIT_FAMILY_COUNT];
    size_t best = 99;
    CU_ASSERT_EQUAL_FATAL(fit_best(x, N, fits, &best), 0);
    CU_ASSERT_EQUAL(best, FIT_WEIBULL);
    const struct fit_dist *f = &fits[FIT_WEIBULL];
    /* Asymptotic: se(k) = 0.780 k / sqrt(n), se(lambda) = 1.053 lambda / (k sqrt(n)). */
    check_near("shape", f->a, k, Z * 0.780 * k / sqrt(N));
    check_near("scale", f->b, lambda, Z * 1.053 * lambda / (k * sqrt(N)));
    CU_ASSERT(f->ks < ks_crit(N));
    check_near("median", fit_median(f), f->b * pow(log(2.0), 1 / f->a), 1e-9);
    check_near("cdf(median)", fit_cdf(f, fit_median(f)), 0.5, 1e-9);
    free(x);
}

static void test_fit_refuses(void)
{
    struct fit_dist f;
    double one[] = { 5 }, same[] = { 2, 2, 2 }, zero[] = { 0, 1, 2 }, neg[] = { 1, -1 };
    for (int fam = 0; fam < FIT_FAMILY_COUNT; fam++) {
        CU_ASSERT_EQUAL(fit_dist_ml(one, 1, (enum fit_family)fam, &f), -1);
        CU_ASSERT_EQUAL(fit_dist_ml(same, 3, (enum fit_family)fam, &f), -1);
        CU_ASSERT_EQUAL(fit_dist_ml(zero, 3, (enum fit_family)fam, &f), -1);
        CU_ASSERT_EQUAL(fit_dist_ml(neg, 2, (enum fit_family)fam, &f), -1);
        CU_ASSERT(!f.ok);
    }
    struct fit_dist fits[FIT_FAMILY_COUNT];
    size_t best = 0;
    CU_ASSERT_EQUAL(fit_best(same, 3, fits, &best), -1);
    CU_ASSERT_STRING_EQUAL(fit_family_name(FIT_GAMMA), "gamma");
}

static void test_median_ci(void)
{
    /* n = 10 at 95%: P(B <= 1) = 11/1024 <= 0.025 < P(B <= 2) = 56/1024,
     * so the interval is [x(2), x(9)]. */
    double s[10];
    for (int i = 0; i < 10; i++)
        s[i] = i + 1;
    double lo, hi;
    /* Its exact coverage: 1 - 2 P(B <= 1) = 1 - 22/1024. */
    CU_ASSERT_DOUBLE_EQUAL(fit_median_ci(s, 10, 0.95, &lo, &hi), 1 - 22.0 / 1024, 1e-12);
    CU_ASSERT_DOUBLE_EQUAL(lo, 2, 0);
    CU_ASSERT_DOUBLE_EQUAL(hi, 9, 0);
    /* Too few values for the level: the whole range, and its coverage,
     * below the level, is returned so that it can be said: 1 - 2/2^4. */
    CU_ASSERT_DOUBLE_EQUAL(fit_median_ci(s, 4, 0.95, &lo, &hi), 0.875, 1e-12);
    CU_ASSERT_DOUBLE_EQUAL(lo, 1, 0);
    CU_ASSERT_DOUBLE_EQUAL(hi, 4, 0);
    CU_ASSERT_DOUBLE_EQUAL(fit_median_ci(s, 3, 0.95, &lo, &hi), 0.75, 1e-12);
    /* n = 6 is the first to reach 95 %: [min, max] covers 1 - 2/64. */
    CU_ASSERT_DOUBLE_EQUAL(fit_median_ci(s, 6, 0.95, &lo, &hi), 1 - 2.0 / 64, 1e-12);
    CU_ASSERT_DOUBLE_EQUAL(fit_median_ci(s, 5, 0.95, &lo, &hi), 1 - 2.0 / 32, 1e-12);

    /* Coverage over many samples: at least 95% up to three binomial sds
     * of the count (the order-statistic interval is conservative). */
    struct dist d = { .kind = DIST_EXPONENTIAL, .a = 1 };
    gsl_rng *r = rng_stream_create(14, 0);
    const int reps = 500, n = 51;
    int covered = 0;
    double x[51], median = log(2.0);
    for (int k = 0; k < reps; k++) {
        for (int i = 0; i < n; i++)
            x[i] = dist_sample(&d, r);
        fit_sort(x, (size_t)n);
        fit_median_ci(x, (size_t)n, 0.95, &lo, &hi);
        covered += lo <= median && median <= hi;
    }
    gsl_rng_free(r);
    double sd = sqrt(0.95 * 0.05 * reps);
    if (!(covered >= 0.95 * reps - 3 * sd))
        fprintf(stderr, "\n  median CI covered %d of %d\n", covered, reps);
    CU_ASSERT(covered >= 0.95 * reps - 3 * sd);

    /* Large n takes the normal shortcut to the same kind of interval. */
    double *big = draw(&d, 5001, 15);
    fit_sort(big, 5001);
    fit_median_ci(big, 5001, 0.95, &lo, &hi);
    CU_ASSERT(lo < big[2500] && big[2500] < hi);
    /* Half-width ~ 1.96 sqrt(n)/2 order statistics on each side. */
    CU_ASSERT(lo >= big[2500 - 75] && lo <= big[2500 - 65]);
    free(big);
}

static void test_mean_ci(void)
{
    double x[] = { 1, 2, 3 }, m, h;
    fit_mean_ci(x, 3, 0.95, &m, &h);
    CU_ASSERT_DOUBLE_EQUAL(m, 2, 1e-12);
    CU_ASSERT_DOUBLE_EQUAL(h, 4.302652729911275 / sqrt(3.0), 1e-9);
    fit_mean_ci(x, 1, 0.95, &m, &h);
    CU_ASSERT(isnan(h));
}

static void test_linear(void)
{
    double x[] = { 1, 2, 3, 4, 5 }, y[5];
    for (int i = 0; i < 5; i++)
        y[i] = 3 + 2 * x[i];
    struct fit_line l;
    CU_ASSERT_EQUAL_FATAL(fit_linear(x, y, 5, 0.95, &l), 0);
    CU_ASSERT_DOUBLE_EQUAL(l.c0, 3, 1e-12);
    CU_ASSERT_DOUBLE_EQUAL(l.c1, 2, 1e-12);
    CU_ASSERT_DOUBLE_EQUAL(l.c1_half, 0, 1e-9);
    CU_ASSERT_DOUBLE_EQUAL(l.r2, 1, 1e-12);
    double same[] = { 2, 2, 2 };
    CU_ASSERT_EQUAL(fit_linear(same, y, 3, 0.95, &l), -1);
    CU_ASSERT_EQUAL(fit_linear(x, y, 2, 0.95, &l), -1);

    /* With noise the slope's interval covers the truth at about its level. */
    struct dist noise = { .kind = DIST_NORMAL, .a = 10, .b = 1 };
    gsl_rng *r = rng_stream_create(16, 0);
    const int reps = 400, n = 40;
    int covered = 0;
    double xs[40], ys[40];
    for (int k = 0; k < reps; k++) {
        for (int i = 0; i < n; i++) {
            xs[i] = 1 + i % 8;
            ys[i] = 2 * xs[i] + dist_sample(&noise, r);
        }
        fit_linear(xs, ys, (size_t)n, 0.95, &l);
        covered += fabs(l.c1 - 2) <= l.c1_half;
    }
    gsl_rng_free(r);
    double sd = sqrt(0.95 * 0.05 * reps);
    CU_ASSERT(fabs(covered - 0.95 * reps) <= 3 * sd);
}

static void test_distances(void)
{
    double a[] = { 1, 2, 3 }, b[] = { 2, 3, 4 }, c[] = { 10, 11 };
    CU_ASSERT_DOUBLE_EQUAL(fit_ks2(a, 3, a, 3), 0, 1e-12);
    CU_ASSERT_DOUBLE_EQUAL(fit_ks2(a, 3, b, 3), 1.0 / 3, 1e-12);
    CU_ASSERT_DOUBLE_EQUAL(fit_ks2(a, 3, c, 2), 1, 1e-12);
    CU_ASSERT_DOUBLE_EQUAL(fit_wasserstein1(a, 3, a, 3), 0, 1e-12);
    /* A shift by 1 moves all the mass by 1. */
    CU_ASSERT_DOUBLE_EQUAL(fit_wasserstein1(a, 3, b, 3), 1, 1e-12);
    /* Mean difference when the supports do not overlap: 10.5 - 2. */
    CU_ASSERT_DOUBLE_EQUAL(fit_wasserstein1(a, 3, c, 2), 8.5, 1e-12);
    double one[] = { 0 }, two[] = { 0, 2 };
    CU_ASSERT_DOUBLE_EQUAL(fit_wasserstein1(one, 1, two, 2), 1, 1e-12);
    CU_ASSERT_DOUBLE_EQUAL(fit_ks2(one, 1, two, 2), 0.5, 1e-12);
}

/* Amdahl over the CPU share: means made from a known fraction give it
 * back exactly, whatever the reference; data faster with less memory clamp
 * to 0; one CPU share (all sizes >= 1769 MB) or a reference not among the
 * sizes is refused. */
static void test_amdahl(void)
{
    const double mb[4] = { 128, 512, 1024, 2048 };
    double mean[4];
    const double f = 0.3, t_ref = 1000; /* at 2048 MB */
    for (int i = 0; i < 4; i++)
        mean[i] = t_ref * model_memory_factor(2048, mb[i], f);
    struct fit_amdahl fa;
    CU_ASSERT_EQUAL_FATAL(fit_amdahl(mb, mean, 4, 2048, &fa), 0);
    CU_ASSERT_DOUBLE_EQUAL(fa.fraction, f, 1e-9);
    CU_ASSERT_FALSE(fa.clamped);
    CU_ASSERT_DOUBLE_EQUAL(fa.r2, 1, 1e-9);
    CU_ASSERT(fa.max_abs_resid < 1e-9);
    CU_ASSERT_DOUBLE_EQUAL(fit_amdahl_predict(&fa, 128), mean[0], 1e-6);
    /* Referred to 512 MB the same curve has a smaller CPU-bound share:
     * f' = f s(2048)/s(512) / ((1 - f) + f s(2048)/s(512)). */
    double k = model_compute_factor(2048, 512), f512 = f * k / ((1 - f) + f * k);
    CU_ASSERT_EQUAL_FATAL(fit_amdahl(mb, mean, 4, 512, &fa), 0);
    CU_ASSERT_DOUBLE_EQUAL(fa.fraction, f512, 1e-9);
    CU_ASSERT_DOUBLE_EQUAL(fit_amdahl_predict(&fa, 2048), t_ref, 1e-6);
    const double faster[2] = { 900, 1000 }, two[2] = { 128, 1024 };
    CU_ASSERT_EQUAL_FATAL(fit_amdahl(two, faster, 2, 1024, &fa), 0);
    CU_ASSERT(fa.clamped);
    CU_ASSERT_EQUAL(fa.fraction, 0);
    CU_ASSERT(fa.fraction_raw < 0);
    const double big[2] = { 1769, 4096 };
    CU_ASSERT_EQUAL(fit_amdahl(big, faster, 2, 4096, &fa), -1);
    CU_ASSERT_EQUAL(fit_amdahl(two, faster, 2, 512, &fa), -1);
    CU_ASSERT_EQUAL(fit_amdahl(two, faster, 1, 128, &fa), -1);
}

static void add_tests(CU_pSuite s)
{
    CU_add_test(s, "lognormal ML (closed form) and AIC", test_lognormal);
    CU_add_test(s, "gamma ML (profile likelihood) and AIC", test_gamma);
    CU_add_test(s, "Weibull ML (profile likelihood) and AIC", test_weibull);
    CU_add_test(s, "fits refuse too few, equal or non-positive values", test_fit_refuses);
    CU_add_test(s, "median confidence interval and its coverage", test_median_ci);
    CU_add_test(s, "mean confidence interval", test_mean_ci);
    CU_add_test(s, "linear regression and its slope interval", test_linear);
    CU_add_test(s, "two-sample KS and Wasserstein-1", test_distances);
    CU_add_test(s, "Amdahl fit of cpu_bound_fraction", test_amdahl);
}

int main(void)
{
    return testutil_main("fit", add_tests);
}
