/* test_metrics: streaming moments against a two-pass computation, exact
 * percentiles against GSL, and time-weighted levels against hand-computed
 * step functions. */
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>
#include <gsl/gsl_sort.h>
#include <gsl/gsl_statistics_double.h>
#include "core/metrics.h"
#include "testutil.h"

#define N_VALUES 100000

static void assert_percentiles_nan(const struct metrics_summary *m)
{
    CU_ASSERT(isnan(m->p50));
    CU_ASSERT(isnan(m->p90));
    CU_ASSERT(isnan(m->p95));
    CU_ASSERT(isnan(m->p99));
    CU_ASSERT(isnan(m->p999));
}

/* ---------------------------------------------------------------------- */
/* metrics_sample                                                          */

/* Welford against the (corrected) two-pass algorithm on 1e5 values with a
 * large offset (mean 1000, sd 1), which stresses cancellation.
 * Tolerances are floating-point error bounds, not statistical ones
 * (Chan, Golub & LeVeque 1983), with eps = DBL_EPSILON, n = 1e5 and the
 * condition number kappa = sqrt(1 + mean^2 / var) ~ 1000:
 *   mean:     both are sums of n terms, relative error <= n eps each, so
 *             |diff| <= 2 n eps |mean|                       (~4.4e-11 rel)
 *   variance: Welford <= n kappa eps, corrected two-pass
 *             <= n eps + n^2 kappa^2 eps^2, so the relative difference is
 *             <= n eps (kappa + 1 + n kappa^2 eps)           (~2.2e-8 rel)
 *             and the stdev's half of that. */
static void test_welford_vs_two_pass(void)
{
    gsl_rng *r = testutil_rng(gsl_rng_mt19937, 11);
    double *x = malloc(N_VALUES * sizeof *x);
    CU_ASSERT_FATAL(x != NULL);
    struct metrics_sample s;
    metrics_sample_init(&s, false, 0);
    double lo = INFINITY, hi = -INFINITY;
    for (size_t i = 0; i < N_VALUES; i++) {
        x[i] = 1000.0 + gsl_ran_gaussian(r, 1.0);
        metrics_sample_add(&s, x[i]);
        lo = fmin(lo, x[i]);
        hi = fmax(hi, x[i]);
    }
    double sum = 0;
    for (size_t i = 0; i < N_VALUES; i++)
        sum += x[i];
    double mean = sum / N_VALUES, ss = 0, corr = 0;
    for (size_t i = 0; i < N_VALUES; i++) {
        ss += (x[i] - mean) * (x[i] - mean);
        corr += x[i] - mean;
    }
    double var = (ss - corr * corr / N_VALUES) / (N_VALUES - 1);

    struct metrics_summary m;
    metrics_sample_summarize(&s, &m);
    CU_ASSERT_EQUAL(m.n, (uint64_t)N_VALUES);
    double n = N_VALUES, eps = DBL_EPSILON;
    double kappa = sqrt(1.0 + mean * mean / var);
    double tol_mean = 2.0 * n * eps * fabs(mean);
    double tol_var_rel = n * eps * (kappa + 1.0 + n * kappa * kappa * eps);
    CU_ASSERT(fabs(m.mean - mean) <= tol_mean);
    CU_ASSERT(fabs(m.stdev - sqrt(var)) <= 0.5 * tol_var_rel * sqrt(var));
    CU_ASSERT_DOUBLE_EQUAL(m.min, lo, 0.0);
    CU_ASSERT_DOUBLE_EQUAL(m.max, hi, 0.0);
    /* Sanity: the data really is N(1000, 1): sd within 5 standard errors,
     * se(s) ~ sd / sqrt(2 (n - 1)) = 0.00224. */
    CU_ASSERT(fabs(m.stdev - 1.0) <= 5.0 / sqrt(2.0 * (n - 1.0)));
    assert_percentiles_nan(&m);
    metrics_sample_fini(&s);
    free(x);
    gsl_rng_free(r);
}

/* Exact mode derives the moments from the kept values at the end (two-pass);
 * the other modes update them per value (Welford). Same data, same
 * floating-point bounds as above. Constant data must give exactly the
 * constant and a zero stdev in both. */
static void test_exact_vs_running_moments(void)
{
    gsl_rng *r = testutil_rng(gsl_rng_mt19937, 12);
    struct metrics_sample kept, running;
    metrics_sample_init(&kept, true, 0);
    metrics_sample_init(&running, false, 0);
    for (size_t i = 0; i < N_VALUES; i++) {
        double x = 1000.0 + gsl_ran_gaussian(r, 1.0);
        metrics_sample_add(&kept, x);
        metrics_sample_add(&running, x);
    }
    struct metrics_summary a, b;
    metrics_sample_summarize(&kept, &a);
    metrics_sample_summarize(&running, &b);
    double n = N_VALUES, eps = DBL_EPSILON, kappa = sqrt(1.0 + 1e6 / 1.0);
    CU_ASSERT_EQUAL(a.n, b.n);
    CU_ASSERT(fabs(a.mean - b.mean) <= 2.0 * n * eps * fabs(b.mean));
    CU_ASSERT(fabs(a.stdev - b.stdev) <= 0.5 * n * eps * (kappa + 1.0 + n * kappa * kappa * eps) * b.stdev);
    CU_ASSERT_DOUBLE_EQUAL(a.min, b.min, 0.0);
    CU_ASSERT_DOUBLE_EQUAL(a.max, b.max, 0.0);
    metrics_sample_fini(&kept);
    metrics_sample_fini(&running);

    metrics_sample_init(&kept, true, 0);
    for (int i = 0; i < 1001; i++)
        metrics_sample_add(&kept, 121.2);
    metrics_sample_summarize(&kept, &a);
    CU_ASSERT_DOUBLE_EQUAL(a.mean, 121.2, 0.0);
    CU_ASSERT_DOUBLE_EQUAL(a.stdev, 0.0, 0.0);
    CU_ASSERT_DOUBLE_EQUAL(a.p50, 121.2, 0.0);
    metrics_sample_fini(&kept);
    gsl_rng_free(r);
}

/* {2, 4, 4, 4, 5, 5, 7, 9}: mean 5, sum of squared deviations 32, sample
 * stdev sqrt(32/7). */
static void test_moments_small(void)
{
    const double v[] = { 2, 4, 4, 4, 5, 5, 7, 9 };
    struct metrics_sample s;
    metrics_sample_init(&s, true, 4);
    for (size_t i = 0; i < 8; i++)
        metrics_sample_add(&s, v[i]);
    struct metrics_summary m;
    metrics_sample_summarize(&s, &m);
    CU_ASSERT_EQUAL(m.n, 8u);
    CU_ASSERT_DOUBLE_EQUAL(m.mean, 5.0, 1e-15);
    CU_ASSERT_DOUBLE_EQUAL(m.stdev, sqrt(32.0 / 7.0), 1e-15);
    CU_ASSERT_DOUBLE_EQUAL(m.min, 2.0, 0.0);
    CU_ASSERT_DOUBLE_EQUAL(m.max, 9.0, 0.0);
    /* (n-1) p = 3.5 -> between sorted[3] = 4 and sorted[4] = 5. */
    CU_ASSERT_DOUBLE_EQUAL(m.p50, 4.5, 1e-15);
    metrics_sample_fini(&s);
}

/* All-negative values: min and max must not be stuck at an initial 0. */
static void test_min_max_negative(void)
{
    struct metrics_sample s;
    metrics_sample_init(&s, false, 0);
    metrics_sample_add(&s, -3.0);
    metrics_sample_add(&s, -1.5);
    metrics_sample_add(&s, -7.0);
    struct metrics_summary m;
    metrics_sample_summarize(&s, &m);
    CU_ASSERT_DOUBLE_EQUAL(m.min, -7.0, 0.0);
    CU_ASSERT_DOUBLE_EQUAL(m.max, -1.5, 0.0);
    CU_ASSERT_DOUBLE_EQUAL(m.mean, -11.5 / 3.0, 1e-15);
    metrics_sample_fini(&s);
}

/* 1..100 added in a shuffled order (starting from cap_hint 0, so the value
 * store grows). GSL's quantile is x[i] + (x[i+1] - x[i]) * frac with
 * i + frac = (n - 1) p: p50 = 50.5, p90 = 90.1, p95 = 95.05, p99 = 99.01,
 * p999 = 99.901. */
static void test_percentiles_1_to_100(void)
{
    double v[100];
    for (int i = 0; i < 100; i++)
        v[i] = (double)(i + 1);
    gsl_rng *r = testutil_rng(gsl_rng_mt19937, 12);
    gsl_ran_shuffle(r, v, 100, sizeof v[0]);
    gsl_rng_free(r);
    struct metrics_sample s;
    metrics_sample_init(&s, true, 0);
    for (int i = 0; i < 100; i++)
        metrics_sample_add(&s, v[i]);
    struct metrics_summary m;
    metrics_sample_summarize(&s, &m);
    CU_ASSERT_EQUAL(m.n, 100u);
    CU_ASSERT_DOUBLE_EQUAL(m.p50, 50.5, 1e-12);
    CU_ASSERT_DOUBLE_EQUAL(m.p90, 90.1, 1e-12);
    CU_ASSERT_DOUBLE_EQUAL(m.p95, 95.05, 1e-12);
    CU_ASSERT_DOUBLE_EQUAL(m.p99, 99.01, 1e-12);
    CU_ASSERT_DOUBLE_EQUAL(m.p999, 99.901, 1e-12);
    CU_ASSERT_DOUBLE_EQUAL(m.mean, 50.5, 1e-12);
    /* Var of 1..n = n (n + 1) / 12 = 841.6667. */
    CU_ASSERT_DOUBLE_EQUAL(m.stdev, sqrt(100.0 * 101.0 / 12.0), 1e-12);
    CU_ASSERT_DOUBLE_EQUAL(m.min, 1.0, 0.0);
    CU_ASSERT_DOUBLE_EQUAL(m.max, 100.0, 0.0);

    /* And bit-for-bit what GSL gives on the sorted data. */
    gsl_sort(v, 1, 100);
    CU_ASSERT_DOUBLE_EQUAL(m.p50, gsl_stats_quantile_from_sorted_data(v, 1, 100, 0.50), 0.0);
    CU_ASSERT_DOUBLE_EQUAL(m.p90, gsl_stats_quantile_from_sorted_data(v, 1, 100, 0.90), 0.0);
    CU_ASSERT_DOUBLE_EQUAL(m.p95, gsl_stats_quantile_from_sorted_data(v, 1, 100, 0.95), 0.0);
    CU_ASSERT_DOUBLE_EQUAL(m.p99, gsl_stats_quantile_from_sorted_data(v, 1, 100, 0.99), 0.0);
    CU_ASSERT_DOUBLE_EQUAL(m.p999, gsl_stats_quantile_from_sorted_data(v, 1, 100, 0.999), 0.0);
    metrics_sample_fini(&s);
}

/* Larger random sample: percentiles equal GSL on an independently sorted
 * copy, bit for bit. */
static void test_percentiles_random(void)
{
    gsl_rng *r = testutil_rng(gsl_rng_mt19937, 13);
    double *x = malloc(N_VALUES * sizeof *x);
    CU_ASSERT_FATAL(x != NULL);
    struct metrics_sample s;
    metrics_sample_init(&s, true, 16);
    for (size_t i = 0; i < N_VALUES; i++) {
        x[i] = gsl_ran_lognormal(r, 0.0, 1.0);
        metrics_sample_add(&s, x[i]);
    }
    struct metrics_summary m;
    metrics_sample_summarize(&s, &m);
    gsl_sort(x, 1, N_VALUES);
    const double ps[] = { 0.5, 0.9, 0.95, 0.99, 0.999 };
    const double got[] = { m.p50, m.p90, m.p95, m.p99, m.p999 };
    for (size_t i = 0; i < 5; i++)
        CU_ASSERT_DOUBLE_EQUAL(got[i], gsl_stats_quantile_from_sorted_data(x, 1, N_VALUES, ps[i]), 0.0);
    CU_ASSERT_DOUBLE_EQUAL(m.min, x[0], 0.0);
    CU_ASSERT_DOUBLE_EQUAL(m.max, x[N_VALUES - 1], 0.0);
    metrics_sample_fini(&s);
    free(x);
    gsl_rng_free(r);
}

static void test_one_value(void)
{
    struct metrics_sample s;
    metrics_sample_init(&s, true, 0);
    metrics_sample_add(&s, 7.25);
    struct metrics_summary m;
    metrics_sample_summarize(&s, &m);
    CU_ASSERT_EQUAL(m.n, 1u);
    CU_ASSERT_DOUBLE_EQUAL(m.mean, 7.25, 0.0);
    CU_ASSERT_DOUBLE_EQUAL(m.stdev, 0.0, 0.0);
    CU_ASSERT_DOUBLE_EQUAL(m.min, 7.25, 0.0);
    CU_ASSERT_DOUBLE_EQUAL(m.max, 7.25, 0.0);
    CU_ASSERT_DOUBLE_EQUAL(m.p50, 7.25, 0.0);
    CU_ASSERT_DOUBLE_EQUAL(m.p90, 7.25, 0.0);
    CU_ASSERT_DOUBLE_EQUAL(m.p95, 7.25, 0.0);
    CU_ASSERT_DOUBLE_EQUAL(m.p99, 7.25, 0.0);
    CU_ASSERT_DOUBLE_EQUAL(m.p999, 7.25, 0.0);
    metrics_sample_fini(&s);
}

static void test_no_values(void)
{
    for (int keep = 0; keep <= 1; keep++) {
        struct metrics_sample s;
        metrics_sample_init(&s, keep != 0, 8);
        struct metrics_summary m;
        metrics_sample_summarize(&s, &m);
        CU_ASSERT_EQUAL(m.n, 0u);
        CU_ASSERT(isnan(m.mean));
        CU_ASSERT(isnan(m.stdev));
        CU_ASSERT(isnan(m.min));
        CU_ASSERT(isnan(m.max));
        assert_percentiles_nan(&m);
        metrics_sample_fini(&s);
        metrics_sample_fini(&s); /* idempotent */
    }
}

/* Without kept values: no storage, NaN percentiles, and exactly the same
 * moments as with them. */
static void test_keep_values_false(void)
{
    struct metrics_sample with, without;
    metrics_sample_init(&with, true, 0);
    metrics_sample_init(&without, false, 1000);
    CU_ASSERT_PTR_NULL(without.values);
    gsl_rng *r = testutil_rng(gsl_rng_mt19937, 14);
    for (int i = 0; i < 10000; i++) {
        double x = gsl_ran_exponential(r, 2.0);
        metrics_sample_add(&with, x);
        metrics_sample_add(&without, x);
    }
    gsl_rng_free(r);
    CU_ASSERT_PTR_NULL(without.values);
    struct metrics_summary a, b;
    metrics_sample_summarize(&with, &a);
    metrics_sample_summarize(&without, &b);
    CU_ASSERT_EQUAL(b.n, 10000u);
    /* Running (Welford) vs two-pass moments: rounding differences only,
     * bounded as in test_welford_vs_two_pass. */
    double n = 1e4, kappa = sqrt(1.0 + a.mean * a.mean / (a.stdev * a.stdev));
    CU_ASSERT(fabs(b.mean - a.mean) <= 2.0 * n * DBL_EPSILON * a.mean);
    CU_ASSERT(fabs(b.stdev - a.stdev) <=
              0.5 * n * DBL_EPSILON * (kappa + 1.0 + n * kappa * kappa * DBL_EPSILON) * a.stdev);
    CU_ASSERT_DOUBLE_EQUAL(b.min, a.min, 0.0);
    CU_ASSERT_DOUBLE_EQUAL(b.max, a.max, 0.0);
    assert_percentiles_nan(&b);
    CU_ASSERT(!isnan(a.p50));
    /* Mean of Exp(2) over 1e4 draws: within 5 * 2 / sqrt(1e4) = 0.1. */
    CU_ASSERT(fabs(b.mean - 2.0) <= 5.0 * 2.0 / sqrt(10000.0));
    metrics_sample_fini(&with);
    metrics_sample_fini(&without);
}

/* ---------------------------------------------------------------------- */
/* metrics_level                                                           */

/* Step function from 0: 2 on [0, 3), 5 on [3, 4), 1 on [4, 8):
 * area = 6 + 5 + 4 = 15, mean over [0, 8] = 15/8 = 1.875 (exact in binary). */
static void test_level_step_function(void)
{
    struct metrics_level l;
    metrics_level_init(&l, 0.0);
    metrics_level_set(&l, 0.0, 2.0);
    metrics_level_set(&l, 3.0, 5.0);
    metrics_level_set(&l, 4.0, 1.0);
    CU_ASSERT_DOUBLE_EQUAL(metrics_level_mean(&l, 8.0), 1.875, 0.0);
    /* Ending mid-way: [0, 4]: 6 + 5 = 11 over 4. */
    CU_ASSERT_DOUBLE_EQUAL(metrics_level_mean(&l, 4.0), 11.0 / 4.0, 1e-15);
    CU_ASSERT_DOUBLE_EQUAL(metrics_level_peak(&l), 5.0, 0.0);
    /* The mean does not change the state: asking twice gives the same. */
    CU_ASSERT_DOUBLE_EQUAL(metrics_level_mean(&l, 8.0), 1.875, 0.0);
    /* Several changes at one instant carry no weight. */
    metrics_level_set(&l, 8.0, 100.0);
    metrics_level_set(&l, 8.0, 3.0);
    /* [0, 16]: 15 + 3 * 8 = 39 -> 39/16 = 2.4375. */
    CU_ASSERT_DOUBLE_EQUAL(metrics_level_mean(&l, 16.0), 2.4375, 0.0);
}

static void test_level_initial(void)
{
    struct metrics_level l;
    metrics_level_init(&l, 5.0);
    CU_ASSERT_DOUBLE_EQUAL(metrics_level_mean(&l, 10.0), 0.0, 0.0);
    CU_ASSERT_DOUBLE_EQUAL(metrics_level_peak(&l), 0.0, 0.0);
    /* Empty or inverted windows give 0, not NaN or a division by 0. */
    CU_ASSERT_DOUBLE_EQUAL(metrics_level_mean(&l, 5.0), 0.0, 0.0);
    CU_ASSERT_DOUBLE_EQUAL(metrics_level_mean(&l, 1.0), 0.0, 0.0);
    metrics_level_set(&l, 6.0, 4.0);
    CU_ASSERT_DOUBLE_EQUAL(metrics_level_mean(&l, 5.0), 0.0, 0.0);
    /* [5, 10]: 0 on [5, 6), 4 on [6, 10) -> 16/5. */
    CU_ASSERT_DOUBLE_EQUAL(metrics_level_mean(&l, 10.0), 16.0 / 5.0, 1e-15);
}

/* Window from 10: changes before 10 do not count, but the level in force at
 * 10 does. Levels: 4 from 2, 3 from 6, 1 from 12. In [10, 14]: 3 on
 * [10, 12), 1 on [12, 14) -> (6 + 2) / 4 = 2. The 4 ended before the window
 * so it is not the peak; the 3 (set before, in force inside) is. */
static void test_level_window_start(void)
{
    struct metrics_level l;
    metrics_level_init(&l, 10.0);
    metrics_level_set(&l, 2.0, 4.0);
    metrics_level_set(&l, 6.0, 3.0);
    metrics_level_set(&l, 12.0, 1.0);
    CU_ASSERT_DOUBLE_EQUAL(metrics_level_mean(&l, 14.0), 2.0, 0.0);
    CU_ASSERT_DOUBLE_EQUAL(metrics_level_peak(&l), 3.0, 0.0);
}

/* A level set before the window and still in force inside it is the peak:
 * 7 from 5, 2 from 15; window from 10: mean over [10, 20] is
 * (7 * 5 + 2 * 5) / 10 = 4.5, peak 7. */
static void test_level_peak_before_window(void)
{
    struct metrics_level l;
    metrics_level_init(&l, 10.0);
    metrics_level_set(&l, 5.0, 7.0);
    /* Nothing set inside the window yet: the level in force counts. */
    CU_ASSERT_DOUBLE_EQUAL(metrics_level_peak(&l), 7.0, 0.0);
    CU_ASSERT_DOUBLE_EQUAL(metrics_level_mean(&l, 20.0), 7.0, 0.0);
    metrics_level_set(&l, 15.0, 2.0);
    CU_ASSERT_DOUBLE_EQUAL(metrics_level_peak(&l), 7.0, 0.0);
    CU_ASSERT_DOUBLE_EQUAL(metrics_level_mean(&l, 20.0), 4.5, 0.0);
}

/* A level replaced exactly at the window start was never in force inside
 * the window [10, ...): 7 on [5, 10), then 1. Peak 1, mean 1. */
static void test_level_replaced_at_start(void)
{
    struct metrics_level l;
    metrics_level_init(&l, 10.0);
    metrics_level_set(&l, 5.0, 7.0);
    metrics_level_set(&l, 10.0, 1.0);
    CU_ASSERT_DOUBLE_EQUAL(metrics_level_mean(&l, 20.0), 1.0, 0.0);
    CU_ASSERT_DOUBLE_EQUAL(metrics_level_peak(&l), 1.0, 0.0);
    /* A level set at the start itself is inside the window. */
    metrics_level_set(&l, 10.0, 6.0);
    metrics_level_set(&l, 11.0, 2.0);
    CU_ASSERT_DOUBLE_EQUAL(metrics_level_peak(&l), 6.0, 0.0);
    /* [10, 20]: 6 on [10, 11), 2 on [11, 20) -> 24/10. */
    CU_ASSERT_DOUBLE_EQUAL(metrics_level_mean(&l, 20.0), 2.4, 1e-15);
}

/* A random step function against a brute-force integral: the level changes
 * at 1e4 random times; the mean over [start, end] must equal the sum of
 * level * overlap computed directly. Both add the same ~1e4 products, so
 * the relative difference is bounded by 2 n eps (summation error). */
static void test_level_random_steps(void)
{
    enum { N = 10000 };
    gsl_rng *r = testutil_rng(gsl_rng_mt19937, 15);
    double *t = malloc(N * sizeof *t), *v = malloc(N * sizeof *v);
    CU_ASSERT_FATAL(t != NULL && v != NULL);
    double now = 0;
    for (int i = 0; i < N; i++) {
        now += gsl_ran_exponential(r, 1.0);
        t[i] = now;
        v[i] = (double)gsl_rng_uniform_int(r, 20);
    }
    double start = t[N / 10] - 0.5, end = now + 3.0;
    struct metrics_level l;
    metrics_level_init(&l, start);
    double peak = 0, area = 0;
    for (int i = 0; i < N; i++) {
        metrics_level_set(&l, t[i], v[i]);
        double seg_end = i + 1 < N ? t[i + 1] : end;
        double a = fmax(t[i], start);
        if (seg_end > a) {
            area += v[i] * (seg_end - a);
            peak = fmax(peak, v[i]);
        }
    }
    double want = area / (end - start);
    CU_ASSERT(fabs(metrics_level_mean(&l, end) - want) <= 2.0 * N * DBL_EPSILON * want);
    CU_ASSERT_DOUBLE_EQUAL(metrics_level_peak(&l), peak, 0.0);
    free(t);
    free(v);
    gsl_rng_free(r);
}

/* Percentiles come from selection, not sorting: check them against GSL on a
 * sorted copy for the inputs that break naive quickselects (sorted, reversed,
 * all equal, few distinct values, organ pipe) and for every small n. */
static void check_against_gsl(const double *x, size_t n)
{
    struct metrics_sample s;
    metrics_sample_init(&s, true, n);
    double *sorted = malloc(n * sizeof *sorted);
    CU_ASSERT_PTR_NOT_NULL_FATAL(sorted);
    for (size_t i = 0; i < n; i++) {
        metrics_sample_add(&s, x[i]);
        sorted[i] = x[i];
    }
    gsl_sort(sorted, 1, n);
    struct metrics_summary m;
    metrics_sample_summarize(&s, &m);
    CU_ASSERT_EQUAL(m.p50, gsl_stats_quantile_from_sorted_data(sorted, 1, n, 0.50));
    CU_ASSERT_EQUAL(m.p90, gsl_stats_quantile_from_sorted_data(sorted, 1, n, 0.90));
    CU_ASSERT_EQUAL(m.p95, gsl_stats_quantile_from_sorted_data(sorted, 1, n, 0.95));
    CU_ASSERT_EQUAL(m.p99, gsl_stats_quantile_from_sorted_data(sorted, 1, n, 0.99));
    CU_ASSERT_EQUAL(m.p999, gsl_stats_quantile_from_sorted_data(sorted, 1, n, 0.999));
    free(sorted);
    metrics_sample_fini(&s);
}

static void test_percentiles_adversarial(void)
{
    enum { N = 20011 };
    double *x = malloc(N * sizeof *x);
    CU_ASSERT_PTR_NOT_NULL_FATAL(x);
    for (size_t i = 0; i < N; i++)
        x[i] = (double)i;
    check_against_gsl(x, N); /* sorted */
    for (size_t i = 0; i < N; i++)
        x[i] = (double)(N - i);
    check_against_gsl(x, N); /* reversed */
    for (size_t i = 0; i < N; i++)
        x[i] = 42.0;
    check_against_gsl(x, N); /* all equal */
    for (size_t i = 0; i < N; i++)
        x[i] = (double)(i % 3);
    check_against_gsl(x, N); /* three values */
    for (size_t i = 0; i < N; i++)
        x[i] = (double)(i < N / 2 ? i : N - i);
    check_against_gsl(x, N); /* organ pipe */
    /* Summaries select within buckets of [min, max] and fall back to
     * selection in place when a few buckets hold most values: heavy tail
     * (bucketed), one huge outlier (nearly all in the first bucket:
     * fallback), infinities and negatives (fallback), two clusters. */
    gsl_rng *r = testutil_rng(gsl_rng_mt19937, 21);
    for (size_t i = 0; i < N; i++)
        x[i] = gsl_ran_lognormal(r, 0.0, 1.5);
    check_against_gsl(x, N);
    x[N / 2] = 1e12;
    check_against_gsl(x, N);
    x[N / 3] = INFINITY;
    x[N / 5] = -INFINITY;
    check_against_gsl(x, N);
    for (size_t i = 0; i < N; i++)
        x[i] = (i % 2 ? 1000.0 : -5.0) + gsl_rng_uniform(r);
    check_against_gsl(x, N);
    gsl_rng_free(r);
    for (size_t n = 1; n <= 64; n++) {
        for (size_t i = 0; i < n; i++)
            x[i] = (double)((i * 7919) % 13);
        check_against_gsl(x, n);
    }
    free(x);
}

/* Streaming mode: every percentile within METRICS_HIST_REL_ERR (relative) of
 * the exact one, on a heavy-tailed sample spanning many decades, with the
 * same moments as exact mode. */
static void test_streaming_percentiles(void)
{
    gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(r, 7);
    struct metrics_sample exact, stream;
    metrics_sample_init(&exact, true, 0);
    metrics_sample_init_streaming(&stream);
    for (int i = 0; i < 200000; i++) {
        double x = gsl_ran_lognormal(r, 3.0, 2.0); /* ~ 0.01 .. 1e5 */
        if (i % 1000 == 0)
            x = 0.0; /* zero latencies land in the lowest bucket */
        metrics_sample_add(&exact, x);
        metrics_sample_add(&stream, x);
    }
    struct metrics_summary a, b;
    metrics_sample_summarize(&exact, &a);
    metrics_sample_summarize(&stream, &b);
    const double pa[5] = { a.p50, a.p90, a.p95, a.p99, a.p999 };
    const double pb[5] = { b.p50, b.p90, b.p95, b.p99, b.p999 };
    for (int i = 0; i < 5; i++)
        CU_ASSERT(fabs(pb[i] - pa[i]) <= METRICS_HIST_REL_ERR * pa[i] * (1 + 1e-12));
    /* Moments: two-pass (exact mode) vs running (streaming), rounding only;
     * kappa = sqrt(1 + mean^2 / var) is small for this spread. */
    double n = 200000, kappa = sqrt(1.0 + a.mean * a.mean / (a.stdev * a.stdev));
    CU_ASSERT(fabs(a.mean - b.mean) <= 2.0 * n * DBL_EPSILON * a.mean);
    CU_ASSERT(fabs(a.stdev - b.stdev) <= 0.5 * n * DBL_EPSILON * (kappa + 1.0 + n * kappa * kappa * DBL_EPSILON) * a.stdev);
    CU_ASSERT_EQUAL(a.min, b.min);
    CU_ASSERT_EQUAL(a.max, b.max);
    /* one value, and values beyond the bucketed range, clamp to min/max */
    struct metrics_sample one;
    metrics_sample_init_streaming(&one);
    metrics_sample_add(&one, 1e15);
    struct metrics_summary c;
    metrics_sample_summarize(&one, &c);
    CU_ASSERT_EQUAL(c.p50, 1e15);
    CU_ASSERT_EQUAL(c.p999, 1e15);
    metrics_sample_fini(&one);
    metrics_sample_fini(&exact);
    metrics_sample_fini(&stream);
    gsl_rng_free(r);
}

static void add_tests(CU_pSuite s)
{
    CU_add_test(s, "streaming percentiles within the relative bound", test_streaming_percentiles);
    CU_add_test(s, "percentiles vs GSL on adversarial inputs", test_percentiles_adversarial);
    CU_add_test(s, "Welford vs two-pass (1e5 values)", test_welford_vs_two_pass);
    CU_add_test(s, "exact-mode moments vs running moments", test_exact_vs_running_moments);
    CU_add_test(s, "moments of a small known set", test_moments_small);
    CU_add_test(s, "min/max of negative values", test_min_max_negative);
    CU_add_test(s, "percentiles of 1..100", test_percentiles_1_to_100);
    CU_add_test(s, "percentiles vs GSL (1e5 values)", test_percentiles_random);
    CU_add_test(s, "one value", test_one_value);
    CU_add_test(s, "no values: NaN", test_no_values);
    CU_add_test(s, "keep_values=false", test_keep_values_false);
    CU_add_test(s, "level: step function mean", test_level_step_function);
    CU_add_test(s, "level: initial state and empty window", test_level_initial);
    CU_add_test(s, "level: window start", test_level_window_start);
    CU_add_test(s, "level: peak set before window", test_level_peak_before_window);
    CU_add_test(s, "level: replaced exactly at window start", test_level_replaced_at_start);
    CU_add_test(s, "level: random steps vs brute force", test_level_random_steps);
}

int main(void)
{
    return testutil_main("metrics", add_tests);
}
