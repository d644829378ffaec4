/* test_batchpolicy: the adaptive batching policies (batching.policy, see
 * src/core/batchpolicy.h): the AIMD controller's steps and bounds, the slo
 * policy's prediction and due time through their own API, and through the
 * engine on deterministic workloads with closed-form answers: AIMD settles
 * around the largest batch size that meets the SLO, and the slo policy
 * never sends a request later than its deadline allows and still batches. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include "core/batchpolicy.h"
#include "core/engine.h"
#include "engine_fixture.h"
#include "testutil.h"

/* Sums and products of a few short decimals: exact to this much. */
#define EPS 1e-9

static struct batching_spec aimd_spec(int threshold, int max_batch, double slo_s)
{
    return (struct batching_spec){ .threshold = threshold, .max_batch = max_batch, .timeout_s = 1,
                                   .policy = BATCH_POLICY_AIMD, .slo_s = slo_s, .aimd_increase = 1,
                                   .aimd_decrease = 0.9 };
}

/* Additive increase within the SLO (at the SLO counts as within), capped
 * at max_batch; multiplicative decrease beyond it, rounded down, at least 1. */
static void test_aimd_steps(void)
{
    struct batching_spec s = aimd_spec(1, 22, 0.1);
    struct batchpolicy p;
    batchpolicy_init(&p, &s, NULL);
    CU_ASSERT_EQUAL(p.cap, 1);
    CU_ASSERT_PTR_NULL(p.predict_s);
    for (int k = 2; k <= 20; k++) {
        CU_ASSERT(batchpolicy_observe(&p, k % 2 ? 0.1 : 0.05));
        CU_ASSERT_EQUAL(p.cap, k);
    }
    /* 20 x 0.9 = 18 exactly, not 17 through the rounding of 0.9. */
    CU_ASSERT(batchpolicy_observe(&p, 0.1000001));
    CU_ASSERT_EQUAL(p.cap, 18);
    /* 18 x 0.9 = 16.2 -> 16. */
    CU_ASSERT(batchpolicy_observe(&p, 1.0));
    CU_ASSERT_EQUAL(p.cap, 16);
    CU_ASSERT_EQUAL(p.increases, 19u);
    CU_ASSERT_EQUAL(p.decreases, 2u);
    /* The cap stops at max_batch: no change, no count. */
    for (int k = 0; k < 10; k++)
        batchpolicy_observe(&p, 0);
    CU_ASSERT_EQUAL(p.cap, 22);
    CU_ASSERT(!batchpolicy_observe(&p, 0));
    CU_ASSERT_EQUAL(p.increases, 25u);
    batchpolicy_fini(&p);

    /* A larger step stops at max_batch too; a cap of 1 stays 1. */
    s = aimd_spec(5, 8, 0.1);
    s.aimd_increase = 4;
    s.aimd_decrease = 0.5;
    batchpolicy_init(&p, &s, NULL);
    CU_ASSERT_EQUAL(p.cap, 5);
    CU_ASSERT(batchpolicy_observe(&p, 0));
    CU_ASSERT_EQUAL(p.cap, 8);
    CU_ASSERT(batchpolicy_observe(&p, 1));
    CU_ASSERT_EQUAL(p.cap, 4);
    CU_ASSERT(batchpolicy_observe(&p, 1));
    CU_ASSERT(batchpolicy_observe(&p, 1));
    CU_ASSERT_EQUAL(p.cap, 1);
    CU_ASSERT(!batchpolicy_observe(&p, 1));
    CU_ASSERT_EQUAL(p.cap, 1);
    CU_ASSERT_EQUAL(p.decreases, 3u);
    batchpolicy_fini(&p);
}

/* The prediction is the mean inference time for n plus the mean overhead
 * (a table entry wins over the line); the due time is the oldest arrival
 * plus the SLO less it. */
static void test_slo_prediction(void)
{
    struct model_profile m = { .has_base = true, .per_item_s = 0.002 };
    m.base_s = dist_constant(0.020);
    m.overhead_s = (struct dist){ .kind = DIST_UNIFORM, .a = 0.004, .b = 0.006 };
    bool has[4] = { false, false, false, true };
    struct dist by[4];
    by[3] = dist_constant(0.1);
    m.table_max = 3;
    m.has_size = has;
    m.by_size = by;
    struct batching_spec s = { .threshold = 4, .max_batch = 4, .policy = BATCH_POLICY_SLO, .slo_s = 0.2 };
    struct batchpolicy p;
    batchpolicy_init(&p, &s, &m);
    CU_ASSERT_DOUBLE_EQUAL(batchpolicy_predict_s(&p, 1), 0.020 + 0.002 + 0.005, EPS);
    CU_ASSERT_DOUBLE_EQUAL(batchpolicy_predict_s(&p, 2), 0.020 + 0.004 + 0.005, EPS);
    CU_ASSERT_DOUBLE_EQUAL(batchpolicy_predict_s(&p, 3), 0.1 + 0.005, EPS);
    CU_ASSERT_DOUBLE_EQUAL(batchpolicy_predict_s(&p, 4), 0.020 + 0.008 + 0.005, EPS);
    CU_ASSERT_DOUBLE_EQUAL(batchpolicy_predict_warm_s(&m, 3), 0.105, EPS);
    CU_ASSERT_DOUBLE_EQUAL(batchpolicy_due_s(&p, 10.0, 2), 10.0 + 0.2 - 0.029, EPS);
    batchpolicy_fini(&p);
    CU_ASSERT_PTR_NULL(p.predict_s);
    CU_ASSERT_STRING_EQUAL(batchpolicy_name(BATCH_POLICY_FIXED), "fixed");
    CU_ASSERT_STRING_EQUAL(batchpolicy_name(BATCH_POLICY_AIMD), "aimd");
    CU_ASSERT_STRING_EQUAL(batchpolicy_name(BATCH_POLICY_SLO), "slo");
}

/* A fixture with arrivals every d_s (n of them) and a batch of k taking
 * exactly a_s + b_s k (no cold start: init takes 0 s), overhead o_s. */
static void line_scenario(struct scenario *sc, size_t n, double d_s, double a_s, double b_s, double o_s)
{
    double *t = malloc(n * sizeof *t);
    for (size_t i = 0; i < n; i++)
        t[i] = (double)i * d_s;
    fixture_scenario(sc, t, n, 0, a_s);
    free(t);
    sc->function.model.per_item_s = b_s;
    sc->function.model.overhead_s = dist_constant(o_s);
}

/* Per batch, from the records: size, the oldest request's latency, when it
 * was dispatched, its first request. Indexed by batch id. */
struct batch_view {
    int size;
    double oldest_latency_s, dispatch_s, oldest_arrival_s;
    uint64_t first;
    enum batch_reason reason;
};

static struct batch_view *batches_of(const struct fixture_log *log, size_t *n_batches)
{
    size_t nb = 0;
    for (size_t i = 0; i < log->n; i++)
        if (log->rec[i].batch_id + 1 > nb)
            nb = log->rec[i].batch_id + 1;
    struct batch_view *v = calloc(nb ? nb : 1, sizeof *v);
    for (size_t i = 0; i < log->n; i++) {
        const struct request_record *r = &log->rec[i];
        struct batch_view *b = &v[r->batch_id];
        double lat = r->end_s - r->arrival_s;
        if (b->size == 0 || r->id < b->first)
            b->first = r->id;
        if (b->size == 0 || lat > b->oldest_latency_s) {
            b->oldest_latency_s = lat;
            b->oldest_arrival_s = r->arrival_s;
        }
        b->size = r->batch_size;
        b->dispatch_s = r->dispatch_s;
        b->reason = r->batch_reason;
    }
    *n_batches = nb;
    return v;
}

/* Acceptance test 1. Arrivals every d = 5 ms; a batch of n takes
 * a + b n = 20 + n ms, on its own instance if need be (no limits, no cold
 * start); SLO 130 ms; the cap starts at 1 (threshold 1), max_batch 64. A
 * batch of n filled at the cap waits (n - 1) d for its last request, so its
 * oldest request's latency is L(n) = (n - 1) d + a + b n = 6n + 15 ms, and
 * the largest batch within the SLO is n* = floor((SLO - a + d) / (d + b))
 * = floor(115 / 6) = 19. A batch ends (a + b n <= 40 ms) before the next
 * one fills (n d >= 90 ms), so every batch is as large as the cap when it
 * fills. After convergence: 19 within -> cap 20, 20 beyond -> cap
 * floor(0.9 x 20) = 18, 18 within -> 19, ...: the cap and the batch sizes
 * cycle through floor(0.9 (n* + 1)) = 18, 19 = n*, 20 = n* + 1. The test
 * checks, for the batches after the first 500 and before the last 200
 * requests: every size is in {18, 19, 20}, each of the three occurs about
 * equally often; each batch's latency is L(n); sizes <= n* meet the SLO
 * and size n* + 1 does not (so n* is the largest batch size meeting it, as
 * the closed form says); the cap changed at every batch. */
static void test_aimd_converges(void)
{
    const double d = 0.005, a = 0.020, b = 0.001, slo = 0.130;
    const size_t n_req = 3000;
    struct scenario sc;
    line_scenario(&sc, n_req, d, a, b, 0);
    sc.batching = aimd_spec(1, 64, slo);
    sc.function.model.table_max = 0;
    int n_star = (int)floor((slo - a + d) / (d + b) + 1e-9);
    CU_ASSERT_EQUAL_FATAL(n_star, 19);
    int low = (int)floor(0.9 * (n_star + 1) + 1e-9);
    CU_ASSERT_EQUAL(low, 18);
    struct fixture_log log;
    struct engine_result res;
    fixture_run(&sc, &log, &res);
    CU_ASSERT_EQUAL(res.requests.completed, n_req);
    size_t nb;
    struct batch_view *v = batches_of(&log, &nb);
    int seen[3] = { 0, 0, 0 };
    int largest_within = 0;
    size_t checked = 0;
    for (size_t i = 0; i < nb; i++) {
        if (v[i].first < 500 || v[i].first + 200 > n_req)
            continue;
        checked++;
        CU_ASSERT(v[i].size >= low && v[i].size <= n_star + 1);
        if (v[i].size >= low && v[i].size <= n_star + 1)
            seen[v[i].size - low]++;
        /* L(n) = 6n + 15 ms exactly, to rounding. */
        CU_ASSERT_DOUBLE_EQUAL(v[i].oldest_latency_s, (v[i].size - 1) * d + a + b * v[i].size, EPS);
        bool within = v[i].oldest_latency_s <= slo;
        CU_ASSERT_EQUAL(within, v[i].size <= n_star);
        if (within && v[i].size > largest_within)
            largest_within = v[i].size;
        CU_ASSERT_EQUAL(v[i].reason, BATCH_BY_THRESHOLD);
    }
    CU_ASSERT(checked > 100);
    CU_ASSERT_EQUAL(largest_within, n_star);
    CU_ASSERT(seen[0] > 0 && seen[1] > 0 && seen[2] > 0);
    /* The cycle 18, 19, 20 has as many of each. */
    CU_ASSERT(abs(seen[0] - seen[2]) <= 1 && abs(seen[1] - seen[2]) <= 1);
    /* The last batch is partial: it left at the 1 s timeout, beyond the
     * SLO, so the cap ended at floor(0.9 c) for c in {18, 19, 20}. */
    CU_ASSERT_EQUAL(v[nb - 1].reason, BATCH_BY_TIMEOUT);
    CU_ASSERT(res.batching.cap >= 16 && res.batching.cap <= 18);
    CU_ASSERT(res.batching.decreases > 0);
    /* Every batch moves the cap once (the last, partial one too). */
    CU_ASSERT_EQUAL(res.batching.increases + res.batching.decreases, nb);
    free(v);
    fixture_free(&sc, &log);
}

/* Checks acceptance test 2's invariant on a run: for every request,
 * dispatch + predicted latency of its batch <= arrival + SLO (within 1e-9),
 * which the policy can always meet here (predict(1) <= SLO); with a warm
 * instance and constant times the latency is the prediction, so no
 * request is late. Returns the mean batch size. */
static double check_deadlines(const struct scenario *sc, const struct fixture_log *log, size_t n_req)
{
    const struct model_profile *m = &sc->function.model;
    double slo = sc->batching.slo_s;
    CU_ASSERT_EQUAL(log->n, n_req);
    size_t late = 0;
    for (size_t i = 0; i < log->n; i++) {
        const struct request_record *r = &log->rec[i];
        double pred = batchpolicy_predict_warm_s(m, r->batch_size);
        if (r->dispatch_s + pred > r->arrival_s + slo + EPS)
            late++;
        CU_ASSERT(r->end_s - r->arrival_s <= slo + EPS);
        CU_ASSERT(r->batch_size <= sc->batching.max_batch);
    }
    CU_ASSERT_EQUAL(late, 0u);
    size_t nb;
    struct batch_view *v = batches_of(log, &nb);
    free(v);
    return (double)n_req / (double)nb;
}

/* Acceptance test 2, constant rate. Arrivals every d = 5 ms; a batch of n
 * takes a + b n = 20 + n ms plus 5 ms of overhead: predict(n) = 25 + n ms;
 * SLO 100 ms; max_batch 64, no timeout. A queue of n whose oldest arrived
 * at t0 is due at t0 + 75 - n ms; its next request comes at t0 + 5n, so
 * the queue takes it while 5n <= 75 - (n + 1), up to n = 12, and the batch
 * leaves with 13 at t0 + 62 ms: the largest n with (n - 1) d + predict(n)
 * <= SLO, 6n + 20 <= 100. Its oldest request's latency is the SLO to
 * rounding. */
static void test_slo_deadline_constant(void)
{
    const size_t n_req = 2000;
    struct scenario sc;
    line_scenario(&sc, n_req, 0.005, 0.020, 0.001, 0.005);
    sc.batching = (struct batching_spec){ .threshold = 64, .max_batch = 64, .policy = BATCH_POLICY_SLO,
                                          .slo_s = 0.100 };
    struct fixture_log log;
    struct engine_result res;
    fixture_run(&sc, &log, &res);
    double mean = check_deadlines(&sc, &log, n_req);
    CU_ASSERT(mean > 1);
    size_t nb;
    struct batch_view *v = batches_of(&log, &nb);
    for (size_t i = 0; i + 1 < nb; i++) {
        CU_ASSERT_EQUAL(v[i].size, 13);
        CU_ASSERT_EQUAL(v[i].reason, BATCH_BY_SLACK);
        CU_ASSERT_DOUBLE_EQUAL(v[i].dispatch_s - v[i].oldest_arrival_s, 0.062, EPS);
        CU_ASSERT_DOUBLE_EQUAL(v[i].oldest_latency_s, 0.100, EPS);
    }
    CU_ASSERT_EQUAL(res.batches.by_slack, res.batches.count);
    free(v);
    fixture_free(&sc, &log);

    /* max_batch 8 < 13: batches leave full, earlier than their deadline. */
    line_scenario(&sc, n_req, 0.005, 0.020, 0.001, 0.005);
    sc.batching = (struct batching_spec){ .threshold = 8, .max_batch = 8, .policy = BATCH_POLICY_SLO,
                                          .slo_s = 0.100 };
    fixture_run(&sc, &log, &res);
    CU_ASSERT_DOUBLE_EQUAL(check_deadlines(&sc, &log, n_req), 8.0, EPS);
    CU_ASSERT_EQUAL(res.batches.by_size, res.batches.count);
    fixture_free(&sc, &log);
}

/* Acceptance test 2 on random (fixed-seed) Poisson arrivals at two loads
 * 10x apart: the deadlines hold for every request, and the policy batches
 * (more at the higher load). A timeout, when set, still bounds the wait. */
static void test_slo_deadline_poisson(void)
{
    const size_t n_req = 3000;
    double mean[2];
    for (int k = 0; k < 2; k++) {
        struct scenario sc;
        line_scenario(&sc, 1, 0, 0.020, 0.001, 0.005);
        fixture_poisson(&sc, k == 0 ? 20 : 200, n_req);
        sc.batching = (struct batching_spec){ .threshold = 32, .max_batch = 32, .policy = BATCH_POLICY_SLO,
                                              .slo_s = 0.100 };
        struct fixture_log log;
        struct engine_result res;
        fixture_run(&sc, &log, &res);
        mean[k] = check_deadlines(&sc, &log, n_req);
        fixture_free(&sc, &log);
    }
    CU_ASSERT(mean[0] > 1);
    CU_ASSERT(mean[1] > mean[0]);

    /* timeout_s 10 ms: no request waits longer for its batch. */
    struct scenario sc;
    line_scenario(&sc, 1, 0, 0.020, 0.001, 0.005);
    fixture_poisson(&sc, 200, n_req);
    sc.batching = (struct batching_spec){ .threshold = 32, .max_batch = 32, .timeout_s = 0.010,
                                          .policy = BATCH_POLICY_SLO, .slo_s = 0.100 };
    struct fixture_log log;
    struct engine_result res;
    fixture_run(&sc, &log, &res);
    check_deadlines(&sc, &log, n_req);
    for (size_t i = 0; i < log.n; i++)
        CU_ASSERT(log.rec[i].dispatch_s - log.rec[i].arrival_s <= 0.010 + EPS);
    CU_ASSERT(res.batches.by_timeout > 0);
    fixture_free(&sc, &log);
}

/* An SLO below the latency of a batch of one cannot be met: each request
 * leaves alone, at once (slack), never waiting for company. */
static void test_slo_unachievable(void)
{
    struct scenario sc;
    line_scenario(&sc, 500, 0.005, 0.020, 0.001, 0.005);
    sc.batching = (struct batching_spec){ .threshold = 16, .max_batch = 16, .policy = BATCH_POLICY_SLO,
                                          .slo_s = 0.020 };
    struct fixture_log log;
    struct engine_result res;
    fixture_run(&sc, &log, &res);
    CU_ASSERT_EQUAL(log.n, 500u);
    for (size_t i = 0; i < log.n; i++) {
        CU_ASSERT_EQUAL(log.rec[i].batch_size, 1);
        CU_ASSERT_DOUBLE_EQUAL(log.rec[i].dispatch_s, log.rec[i].arrival_s, 0);
        CU_ASSERT_EQUAL(log.rec[i].batch_reason, BATCH_BY_SLACK);
    }
    fixture_free(&sc, &log);
}

/* The same seed gives the same run, whichever the policy. */
static void test_deterministic(void)
{
    for (int pol = 1; pol <= 2; pol++) {
        struct scenario sc;
        line_scenario(&sc, 1, 0, 0.020, 0.001, 0.005);
        fixture_poisson(&sc, 100, 2000);
        sc.function.model.base_s = (struct dist){ .kind = DIST_UNIFORM, .a = 0.010, .b = 0.030 };
        sc.batching = aimd_spec(1, 32, 0.080);
        if (pol == 2)
            sc.batching.policy = BATCH_POLICY_SLO;
        struct fixture_log l1, l2;
        struct engine_result r1, r2;
        fixture_run(&sc, &l1, &r1);
        fixture_run(&sc, &l2, &r2);
        CU_ASSERT_EQUAL(r1.batches.count, r2.batches.count);
        CU_ASSERT_EQUAL(r1.batching.cap, r2.batching.cap);
        CU_ASSERT_DOUBLE_EQUAL(r1.latency_ms.p99, r2.latency_ms.p99, 0);
        CU_ASSERT_EQUAL(l1.n, l2.n);
        free(l2.rec);
        fixture_free(&sc, &l1);
    }
}

static void add_tests(CU_pSuite s)
{
    CU_add_test(s, "aimd: steps and bounds", test_aimd_steps);
    CU_add_test(s, "slo: prediction and due time", test_slo_prediction);
    CU_add_test(s, "aimd converges to the largest batch within the SLO (closed form)", test_aimd_converges);
    CU_add_test(s, "slo: deadlines on a constant rate (closed form), max_batch", test_slo_deadline_constant);
    CU_add_test(s, "slo: deadlines on Poisson loads 10x apart, timeout", test_slo_deadline_poisson);
    CU_add_test(s, "slo: an SLO below one request's latency", test_slo_unachievable);
    CU_add_test(s, "deterministic", test_deterministic);
}

int main(void)
{
    return testutil_main("batchpolicy", add_tests);
}
