/* test_replicate: `run --replications` and its library (replicate.h):
 * the per-run interval is exactly the order statistics of the single runs
 * it summarises, the mean's interval is Student's, the command is
 * deterministic and refuses what it cannot do; and warmup.first_at_s
 * "random" gives each seed its own phase, inside [0, interval). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <gsl/gsl_cdf.h>
#include "analysis/replicate.h"
#include "core/rng.h"
#include "engine_fixture.h"
#include "testutil.h"

/* Poisson arrivals, a random inference time: every replication differs. */
static void varied_scenario(struct scenario *sc)
{
    const double none[] = { 0 };
    fixture_scenario(sc, none, 0, 0.3, 0.05);
    fixture_poisson(sc, 20, 400);
    dist_fini(&sc->function.model.base_s);
    sc->function.model.base_s = (struct dist){ .kind = DIST_EXPONENTIAL, .a = 1 / 0.05 };
}

static void test_interval_is_order_statistics(void)
{
    struct scenario sc;
    varied_scenario(&sc);
    struct replicate_result rr;
    char msg[256];
    const size_t reps = 39;
    CU_ASSERT_EQUAL_FATAL(replicate_run(&sc, 7, reps, 0.95, NULL, &rr, msg, sizeof msg), REPLICATE_OK);
    CU_ASSERT_EQUAL(rr.k, 1);
    CU_ASSERT(rr.enough);
    CU_ASSERT_DOUBLE_EQUAL(rr.coverage, 38.0 / 40.0, 1e-12);
    /* The same runs by hand: min, max, mean and Student's half-width of
     * the latency means and p99s. */
    double lo = INFINITY, hi = -INFINITY, s = 0, ss = 0, p99_lo = INFINITY, p99_hi = -INFINITY;
    double v[39];
    for (size_t r = 0; r < reps; r++) {
        struct engine_result res;
        CU_ASSERT_EQUAL_FATAL(engine_run(&sc, rng_derive_seed(7, r), NULL, &res), ENGINE_OK);
        v[r] = res.latency_ms.mean;
        lo = fmin(lo, v[r]);
        hi = fmax(hi, v[r]);
        s += v[r];
        p99_lo = fmin(p99_lo, res.latency_ms.p99);
        p99_hi = fmax(p99_hi, res.latency_ms.p99);
    }
    double mean = s / (double)reps;
    for (size_t r = 0; r < reps; r++)
        ss += (v[r] - mean) * (v[r] - mean);
    double half = gsl_cdf_tdist_Pinv(0.975, (double)(reps - 1)) * sqrt(ss / (double)(reps - 1) / (double)reps);
    const struct replicate_row *m = &rr.m[REPLICATE_MEAN];
    CU_ASSERT_EQUAL(m->n, reps);
    CU_ASSERT_DOUBLE_EQUAL(m->run_lo, lo, 0);
    CU_ASSERT_DOUBLE_EQUAL(m->run_hi, hi, 0);
    CU_ASSERT_DOUBLE_EQUAL(m->mean, mean, 1e-9 * mean);
    CU_ASSERT_DOUBLE_EQUAL(m->half, half, 1e-9 * half);
    CU_ASSERT(m->run_lo < m->mean - m->half && m->mean + m->half < m->run_hi); /* single runs spread wider */
    CU_ASSERT_DOUBLE_EQUAL(rr.m[REPLICATE_P99].run_lo, p99_lo, 0);
    CU_ASSERT_DOUBLE_EQUAL(rr.m[REPLICATE_P99].run_hi, p99_hi, 0);

    /* 79 runs at 95 %: k = 2, the second smallest and second largest. */
    CU_ASSERT_EQUAL_FATAL(replicate_run(&sc, 7, 79, 0.95, NULL, &rr, msg, sizeof msg), REPLICATE_OK);
    CU_ASSERT_EQUAL(rr.k, 2);
    CU_ASSERT_DOUBLE_EQUAL(rr.coverage, 76.0 / 80.0, 1e-12);
    /* 5 runs are too few for 95 %: [min, max], coverage 4/6, said so. */
    CU_ASSERT_EQUAL_FATAL(replicate_run(&sc, 7, 5, 0.95, NULL, &rr, msg, sizeof msg), REPLICATE_OK);
    CU_ASSERT(!rr.enough);
    CU_ASSERT_DOUBLE_EQUAL(rr.coverage, 4.0 / 6.0, 1e-12);
    struct fixture_log none = { 0 };
    fixture_free(&sc, &none);
}

/* A random warm-up phase: inside [0, interval), the same for a seed,
 * different across seeds, and where the first round really is. */
static void test_random_warmup_phase(void)
{
    const double t[] = { 0.5, 400 };
    struct scenario sc;
    fixture_scenario(&sc, t, 2, 0.1, 0.1);
    sc.warmup = (struct warmup_spec){ .concurrency = 1, .interval_s = 300, .first_at_random = true, .hold_s = 0 };
    double seen[8];
    for (uint64_t seed = 1; seed <= 8; seed++) {
        struct engine_result a, b;
        sc.seed = seed;
        CU_ASSERT_EQUAL_FATAL(engine_run(&sc, seed, NULL, &a), ENGINE_OK);
        CU_ASSERT_EQUAL_FATAL(engine_run(&sc, seed, NULL, &b), ENGINE_OK);
        CU_ASSERT_DOUBLE_EQUAL(a.warmup.first_at_s, b.warmup.first_at_s, 0);
        CU_ASSERT(a.warmup.first_at_s >= 0 && a.warmup.first_at_s < 300);
        /* Rounds at phase and phase + 300 before the run ends at ~400 s. */
        CU_ASSERT_EQUAL(a.warmup.pings, a.warmup.first_at_s + 300 <= a.end_s ? 2 : 1);
        seen[seed - 1] = a.warmup.first_at_s;
    }
    int distinct = 0;
    for (int i = 0; i < 8; i++)
        distinct += seen[i] != seen[(i + 1) % 8];
    CU_ASSERT_EQUAL(distinct, 8);
    struct fixture_log none = { 0 };
    fixture_free(&sc, &none);
}

static void test_cli(void)
{
    char *a = NULL, *b = NULL, *err = NULL;
    CU_ASSERT_EQUAL(testutil_runf(&a, NULL, "run scenarios/paper-uniform.json --replications 39 --json"), 0);
    CU_ASSERT_EQUAL(testutil_runf(&b, NULL, "run scenarios/paper-uniform.json --replications 39 --json"), 0);
    CU_ASSERT_STRING_EQUAL(a != NULL ? a : "", b != NULL ? b : "?"); /* deterministic */
    TESTUTIL_ASSERT_CONTAINS(a, "\"replications\": 39,");
    TESTUTIL_ASSERT_CONTAINS(a, "\"per_run_interval\": {\"level\": 0.95, \"coverage\": 0.95, \"k\": 1, \"enough\": true}");
    TESTUTIL_ASSERT_CONTAINS(a, "\"latency_p99_ms\": {\"runs\": 39, \"runs_above_0\": 39, \"mean\": ");
    TESTUTIL_ASSERT_CONTAINS(a, "\"cold_starts\": {\"runs\": 39, \"runs_above_0\": 0, ");
    free(a);
    free(b);
    CU_ASSERT_EQUAL(testutil_runf(&a, NULL, "run scenarios/paper-uniform.json --replications 5"), 0);
    TESTUTIL_ASSERT_CONTAINS(a, "too few replications for the level asked: [min, max]");
    free(a);
    CU_ASSERT_EQUAL(testutil_runf(&a, &err, "run scenarios/paper-uniform.json --replications 5 --client-log x.csv"), 2);
    TESTUTIL_ASSERT_CONTAINS(err, "--replications: the output files");
    free(a);
    free(err);
    CU_ASSERT_EQUAL(testutil_runf(&a, &err, "run scenarios/paper-uniform.json --replications 0"), 2);
    TESTUTIL_ASSERT_CONTAINS(err, "--replications: expected a whole number from 1 to 100000 (got '0')");
    free(a);
    free(err);
    CU_ASSERT_EQUAL(testutil_runf(&a, &err, "run scenarios/paper-uniform.json --replications 9 --interval-level 1"), 2);
    TESTUTIL_ASSERT_CONTAINS(err, "--interval-level: expected a number between 0 and 1");
    free(a);
    free(err);
}

static void add_tests(CU_pSuite s)
{
    CU_add_test(s, "per-run interval = order statistics of the runs", test_interval_is_order_statistics);
    CU_add_test(s, "warmup.first_at_s random: a phase per seed", test_random_warmup_phase);
    CU_add_test(s, "run --replications: output, determinism, refusals", test_cli);
}

int main(void)
{
    return testutil_main("replicate", add_tests);
}
