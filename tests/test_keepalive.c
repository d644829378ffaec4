/* test_keepalive: the hybrid histogram keep-alive policy (Shahrad et al.,
 * ATC 2020; docs/keepalive.md). The learner alone (windows from the
 * percentiles, each fall-back), then whole runs of the engine on traces
 * whose idle times are known exactly, checked against numbers written from
 * the policy's formulas: the windows learned, cold starts, unloads,
 * pre-warms and the idle instance time. Every time in these runs is a sum
 * of a few exact decimals, so the tolerances are rounding only (1e-6 s). */
#include <math.h>
#include <stdint.h>
#include "core/engine.h"
#include "core/keepalive.h"
#include "engine_fixture.h"
#include "testutil.h"

#define EPS_S 1e-6

/* The defaults of platform.keep_alive_policy (config.c), the paper's where
 * it gives them: 4 h range, 1-minute bins, 5th/99th percentiles, 10 %. */
static struct keepalive_spec paper_spec(int min_samples)
{
    return (struct keepalive_spec){ .policy = KEEPALIVE_HISTOGRAM, .range_s = 14400, .bin_s = 60,
                                    .head_percentile = 5, .tail_percentile = 99, .margin = 0.1,
                                    .min_samples = min_samples, .cv_threshold = 2, .oob_threshold = 0.5 };
}

/* The policy's windows for a head bin h and a tail bin t (their edges). */
static double prewarm_of(const struct keepalive_spec *s, size_t h)
{
    return (double)h * s->bin_s * (1 - s->margin);
}

static double keep_of(const struct keepalive_spec *s, size_t h, size_t t)
{
    return ((double)(t + 1) * s->bin_s - prewarm_of(s, h)) * (1 + s->margin);
}

/* Learning: the fall-back (no pre-warm, keep range_s) until min_samples
 * idle times, then a single spike is representative: the CV of 240 bins
 * with all counts in one is sqrt(240) (sample sd m/sqrt(240) over mean
 * m/240), and head = tail = the spike's bin. */
static void test_learns_spike(void)
{
    struct keepalive_spec s = paper_spec(5);
    struct keepalive k;
    keepalive_init(&k, &s);
    CU_ASSERT_EQUAL(k.n_bins, 240u);
    CU_ASSERT_EQUAL(k.mode, KEEPALIVE_MODE_LEARNING);
    CU_ASSERT_DOUBLE_EQUAL(k.prewarm_s, 0, 0);
    CU_ASSERT_DOUBLE_EQUAL(k.keep_alive_s, 14400, 0);
    for (int i = 0; i < 4; i++) {
        keepalive_observe(&k, 299.9);
        CU_ASSERT_EQUAL(k.mode, KEEPALIVE_MODE_LEARNING);
    }
    CU_ASSERT_TRUE(keepalive_observe(&k, 299.9));
    CU_ASSERT_EQUAL(k.mode, KEEPALIVE_MODE_HISTOGRAM);
    CU_ASSERT_DOUBLE_EQUAL(k.cv, sqrt(240.0), 1e-9);
    CU_ASSERT_EQUAL(keepalive_percentile_bin(&k, 5), 4u);
    CU_ASSERT_EQUAL(keepalive_percentile_bin(&k, 99), 4u);
    CU_ASSERT_DOUBLE_EQUAL(k.prewarm_s, 216.0, 1e-9);            /* 240 s x 0.9 */
    CU_ASSERT_DOUBLE_EQUAL(k.keep_alive_s, (300.0 - 216.0) * 1.1, 1e-9);
    /* The same idle time again changes nothing. */
    CU_ASSERT_FALSE(keepalive_observe(&k, 299.9));
    keepalive_fini(&k);
}

/* Head and tail in different bins: 95 idle times in [120, 180) and 5 in
 * [600, 660). The 5th percentile is in bin 2 (95 >= 5 % of 100), the 99th
 * in bin 10 (95 < 99 % of 100 <= 100). */
static void test_head_and_tail(void)
{
    struct keepalive_spec s = paper_spec(10);
    struct keepalive k;
    keepalive_init(&k, &s);
    for (int i = 0; i < 95; i++)
        keepalive_observe(&k, 130);
    for (int i = 0; i < 5; i++)
        keepalive_observe(&k, 610);
    CU_ASSERT_EQUAL(k.mode, KEEPALIVE_MODE_HISTOGRAM);
    CU_ASSERT_EQUAL(keepalive_percentile_bin(&k, 5), 2u);
    CU_ASSERT_EQUAL(keepalive_percentile_bin(&k, 95), 2u);  /* exactly 95 of 100: no rounding loss */
    CU_ASSERT_EQUAL(keepalive_percentile_bin(&k, 96), 10u);
    CU_ASSERT_EQUAL(keepalive_percentile_bin(&k, 99), 10u);
    CU_ASSERT_DOUBLE_EQUAL(k.prewarm_s, 108.0, 1e-9);             /* 120 x 0.9 */
    CU_ASSERT_DOUBLE_EQUAL(k.keep_alive_s, (660.0 - 108.0) * 1.1, 1e-9);
    CU_ASSERT_DOUBLE_EQUAL(k.prewarm_s, prewarm_of(&s, 2), 1e-9);
    CU_ASSERT_DOUBLE_EQUAL(k.keep_alive_s, keep_of(&s, 2, 10), 1e-9);
    keepalive_fini(&k);
}

/* Not representative: one idle time in each of the 240 bins is a flat
 * histogram (CV 0 < 2): the standard keep-alive, range_s. */
static void test_flat_falls_back(void)
{
    struct keepalive_spec s = paper_spec(10);
    struct keepalive k;
    keepalive_init(&k, &s);
    for (int i = 0; i < 240; i++)
        keepalive_observe(&k, 60.0 * i + 30);
    CU_ASSERT_EQUAL(k.mode, KEEPALIVE_MODE_FLAT);
    CU_ASSERT_DOUBLE_EQUAL(k.cv, 0, 1e-9);
    CU_ASSERT_DOUBLE_EQUAL(k.prewarm_s, 0, 0);
    CU_ASSERT_DOUBLE_EQUAL(k.keep_alive_s, 14400, 0);
    keepalive_fini(&k);
}

/* Idle times at or beyond range_s are out of bounds: half of them (the
 * default oob_threshold) make it fall back, whatever the bins say. */
static void test_out_of_range_falls_back(void)
{
    struct keepalive_spec s = paper_spec(4);
    struct keepalive k;
    keepalive_init(&k, &s);
    keepalive_observe(&k, 30);
    keepalive_observe(&k, 30);
    keepalive_observe(&k, 30);
    keepalive_observe(&k, 14400); /* the range's end is out */
    CU_ASSERT_EQUAL(k.n_oob, 1u);
    CU_ASSERT_EQUAL(k.mode, KEEPALIVE_MODE_HISTOGRAM); /* 1 of 4 < 0.5 */
    CU_ASSERT_DOUBLE_EQUAL(k.prewarm_s, 0, 0);
    CU_ASSERT_DOUBLE_EQUAL(k.keep_alive_s, 66, 1e-9);
    keepalive_observe(&k, 20000);
    keepalive_observe(&k, 1e6);
    CU_ASSERT_EQUAL(k.mode, KEEPALIVE_MODE_OUT_OF_RANGE); /* 3 of 6 >= 0.5 */
    CU_ASSERT_DOUBLE_EQUAL(k.keep_alive_s, 14400, 0);
    keepalive_fini(&k);
}

/* ---- whole runs ------------------------------------------------------------ */

/* n arrivals every period_s from 0; cold start cold_s, inference infer_s,
 * no overhead (engine_fixture.h). */
static void periodic(struct scenario *sc, size_t n, double period_s, double cold_s, double infer_s)
{
    double *t = malloc(n * sizeof *t);
    for (size_t i = 0; i < n; i++)
        t[i] = (double)i * period_s;
    fixture_scenario(sc, t, n, cold_s, infer_s);
    free(t);
}

/* Acceptance 1, the closed form. One request every P = 300 s, a 1 s init
 * and 0.1 s handler. Idle times: P - c - b after the cold start, then
 * P - b = 299.9 s; all in bin h = 4. The m-th idle time is seen when
 * request m starts; from its end on, each instance is unloaded, pre-warmed
 * 0.9 x 240 = 216 s later (ready at 217 s < 299.9 s) and kept 92.4 s: every
 * later request is warm on a pre-warmed instance. Idle instance time: the
 * first instance from 0 to m P + b less its busy time c + (m + 1) b, then
 * per later period P - b - prewarm (the pre-warm's init counts as idle). */
static void test_periodic_closed_form(void)
{
    const size_t n = 20;
    const int m = 5;
    const double P = 300, c = 1, b = 0.1;
    struct scenario sc;
    periodic(&sc, n, P, c, b);
    sc.platform.keep_alive_policy = paper_spec(m);
    struct keepalive_spec *s = &sc.platform.keep_alive_policy;
    size_t h = (size_t)floor((P - b) / s->bin_s);
    double prewarm = prewarm_of(s, h), keep = keep_of(s, h, h);
    CU_ASSERT_EQUAL(h, 4u);
    CU_ASSERT(prewarm + c < P - b); /* the pre-warm is ready in time */
    struct fixture_log log;
    struct engine_result r;
    fixture_run(&sc, &log, &r);
    CU_ASSERT_EQUAL(r.requests.completed, n);
    CU_ASSERT_EQUAL(r.keep_alive.mode, KEEPALIVE_MODE_HISTOGRAM);
    CU_ASSERT_DOUBLE_EQUAL(r.keep_alive.prewarm_s, prewarm, EPS_S);
    CU_ASSERT_DOUBLE_EQUAL(r.keep_alive.keep_alive_s, keep, EPS_S);
    CU_ASSERT_EQUAL(r.keep_alive.idle_times, n - 1);
    CU_ASSERT_EQUAL(r.keep_alive.policy_changes, 1u); /* learned once, at request m */
    /* One cold start, the first; none after learning. */
    CU_ASSERT_EQUAL(r.cold_starts.count, 1u);
    for (uint64_t i = 1; i < n; i++)
        CU_ASSERT_FALSE(fixture_rec(&log, i)->cold);
    /* Requests m..n-1 end unloaded; the pre-warms of m..n-2 run (the last
     * is due after the run's end) and each serves the next request. */
    CU_ASSERT_EQUAL(r.keep_alive.unloaded, n - (size_t)m);
    CU_ASSERT_EQUAL(r.keep_alive.prewarms, n - (size_t)m - 1);
    CU_ASSERT_EQUAL(r.keep_alive.prewarm_hits, n - (size_t)m - 1);
    CU_ASSERT_EQUAL(r.keep_alive.prewarms_skipped, 0u);
    CU_ASSERT_EQUAL(r.instances.expired, 0u); /* each is used before its window ends */
    double learning = m * P + b - (c + (m + 1) * b);
    double per_period = P - b - prewarm;
    CU_ASSERT_DOUBLE_EQUAL(per_period, 83.9, EPS_S);
    CU_ASSERT_DOUBLE_EQUAL(r.keep_alive.idle_instance_s, learning + (double)(n - (size_t)m - 1) * per_period,
                           EPS_S);
    fixture_free(&sc, &log);
}

/* A short period (P - b < bin_s): head bin 0, so no pre-warm: the instance
 * stays loaded for 1.1 x 60 = 66 s after each end; never unloaded, one
 * cold start, idle time P - b per period after the first (c + b busy). */
static void test_periodic_no_prewarm(void)
{
    const size_t n = 30;
    const double P = 50, c = 1, b = 0.1;
    struct scenario sc;
    periodic(&sc, n, P, c, b);
    sc.platform.keep_alive_policy = paper_spec(5);
    struct fixture_log log;
    struct engine_result r;
    fixture_run(&sc, &log, &r);
    CU_ASSERT_EQUAL(r.keep_alive.mode, KEEPALIVE_MODE_HISTOGRAM);
    CU_ASSERT_DOUBLE_EQUAL(r.keep_alive.prewarm_s, 0, 0);
    CU_ASSERT_DOUBLE_EQUAL(r.keep_alive.keep_alive_s, 66, EPS_S);
    CU_ASSERT_EQUAL(r.cold_starts.count, 1u);
    CU_ASSERT_EQUAL(r.keep_alive.unloaded, 0u);
    CU_ASSERT_EQUAL(r.keep_alive.prewarms, 0u);
    double span = (double)(n - 1) * P + b;
    CU_ASSERT_DOUBLE_EQUAL(r.keep_alive.idle_instance_s, span - (c + (double)n * b), EPS_S);
    fixture_free(&sc, &log);
}

/* Runs sc once with the histogram policy `hist` and once with the fixed
 * keep-alive `fixed_s`: the two must agree on everything keep-alive
 * decides (cold starts, instances created and expired, idle time). */
static void same_as_fixed(struct scenario *sc, const struct keepalive_spec *hist, double fixed_s,
                          enum keepalive_mode want)
{
    struct fixture_log log;
    struct engine_result rh, rf;
    sc->platform.keep_alive_policy = *hist;
    fixture_run(sc, &log, &rh);
    free(log.rec);
    sc->platform.keep_alive_policy = (struct keepalive_spec){ 0 };
    dist_fini(&sc->platform.keep_alive_s);
    sc->platform.keep_alive_s = dist_constant(fixed_s);
    fixture_run(sc, &log, &rf);
    free(log.rec);
    CU_ASSERT_EQUAL(rh.keep_alive.mode, want);
    CU_ASSERT_EQUAL(rh.keep_alive.unloaded, 0u);
    CU_ASSERT_EQUAL(rh.cold_starts.count, rf.cold_starts.count);
    CU_ASSERT_EQUAL(rh.instances.created, rf.instances.created);
    CU_ASSERT_EQUAL(rh.instances.expired, rf.instances.expired);
    CU_ASSERT_DOUBLE_EQUAL(rh.keep_alive.idle_instance_s, rf.keep_alive.idle_instance_s, EPS_S);
    CU_ASSERT_DOUBLE_EQUAL(rh.latency_ms.mean, rf.latency_ms.mean, 1e-9);
}

/* Acceptance 2, the fall-backs. (a) Too few idle times (min_samples 50 for
 * 11): fixed keep-alive of range_s all along; (b) a flat histogram (one
 * idle time per bin of a 20-bin range, CV 0): the same, with the expiry of
 * a gap longer than the range (a second cold start) in both runs. */
static void test_fallbacks_are_fixed(void)
{
    struct scenario sc;
    struct keepalive_spec s = paper_spec(50);
    s.range_s = 1200;
    double t[24];
    size_t n = 0;
    double now = 0;
    t[n++] = now;
    /* idle times 30 + 60 k (b = 0.1 s busy), in a scrambled bin order */
    for (size_t k = 0; k < 20; k++) {
        now += 0.1 + 30 + 60.0 * (double)((k * 7) % 20);
        t[n++] = now;
    }
    now += 0.1 + 1500; /* beyond range_s: the instance expires */
    t[n++] = now;
    fixture_scenario(&sc, t, n, 1, 0.1);
    same_as_fixed(&sc, &s, 1200, KEEPALIVE_MODE_LEARNING);
    s.min_samples = 10;
    same_as_fixed(&sc, &s, 1200, KEEPALIVE_MODE_FLAT);
    struct fixture_log log = { 0 };
    fixture_free(&sc, &log);
}

/* Whatever the policy decides, the same seed gives the same run. */
static void test_deterministic(void)
{
    struct scenario sc;
    const double none[1] = { 0 };
    fixture_scenario(&sc, none, 0, 1, 0.1);
    fixture_poisson(&sc, 1.0 / 200, 300);
    sc.platform.keep_alive_policy = paper_spec(10);
    struct fixture_log log;
    struct engine_result a, b;
    fixture_run(&sc, &log, &a);
    free(log.rec);
    fixture_run(&sc, &log, &b);
    CU_ASSERT_EQUAL(a.cold_starts.count, b.cold_starts.count);
    CU_ASSERT_EQUAL(a.keep_alive.prewarms, b.keep_alive.prewarms);
    CU_ASSERT_DOUBLE_EQUAL(a.keep_alive.idle_instance_s, b.keep_alive.idle_instance_s, 0);
    /* An idle time per request after the first, less the rare overlaps
     * (a gap under the 1.1 s busy time: P = 1 - exp(-1.1/200), 0.55 %). */
    CU_ASSERT(a.keep_alive.idle_times <= 299u && a.keep_alive.idle_times >= 290u);
    fixture_free(&sc, &log);
}

static void add_tests(CU_pSuite s)
{
    CU_add_test(s, "learning, then a spike's windows", test_learns_spike);
    CU_add_test(s, "head and tail in different bins", test_head_and_tail);
    CU_add_test(s, "flat histogram falls back to range_s", test_flat_falls_back);
    CU_add_test(s, "out-of-range idle times fall back", test_out_of_range_falls_back);
    CU_add_test(s, "periodic run: closed-form windows, cold starts, idle time", test_periodic_closed_form);
    CU_add_test(s, "periodic run under one bin: no pre-warm", test_periodic_no_prewarm);
    CU_add_test(s, "fall-backs behave as the fixed keep-alive", test_fallbacks_are_fixed);
    CU_add_test(s, "deterministic", test_deterministic);
}

int main(void)
{
    return testutil_main("keepalive", add_tests);
}
