/* test_emulate: the engine's real-time loop and `lambdasim emulate`.
 * First without processes: a fake executor on a fake clock that takes each
 * invocation's times from the scenario's constant model must reproduce the
 * simulation request by request (one implementation, two clocks). Then
 * with real workers: a short emulation, a short validation against the
 * simulator, and the guarantees that workers never outlive the emulator
 * (SIGINT, SIGTERM, SIGKILL, a worker killed mid-run, the time limit). */
#define _DEFAULT_SOURCE /* kill, usleep */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include "engine_fixture.h"
#include "testutil.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))
#define EPS 1e-9

/* ---- a fake executor: constant costs on a fake clock ---------------------------- */

#define FAKE_SLOTS 64

struct fake {
    const struct scenario *sc;
    double clock;
    double lag_s;       /* the loop wakes this late after each timer */
    struct {
        bool busy;
        double done_at, init_s, infer_s;
        uint32_t job;
    } slot[FAKE_SLOTS];
    size_t prepared, started, retired;
};

static int fake_prepare(void *ctx, const uint32_t *slots, size_t n, char *msg, size_t len)
{
    (void)slots;
    (void)msg;
    (void)len;
    struct fake *f = ctx;
    f->prepared = n;
    f->clock = 0;
    return 0;
}

static double fake_now(void *ctx)
{
    return ((struct fake *)ctx)->clock;
}

static int fake_start(void *ctx, const struct engine_invocation *inv, char *msg, size_t len)
{
    struct fake *f = ctx;
    if (inv->instance >= FAKE_SLOTS || f->slot[inv->instance].busy) {
        snprintf(msg, len, "fake: bad or busy slot %u", (unsigned)inv->instance);
        return -1;
    }
    const struct model_profile *m = &f->sc->function.model;
    double init = inv->cold ? m->cold_start_s.a + inv->extra_init_s : 0;
    double infer = inv->n > 0 ? m->base_s.a + m->per_item_s * inv->n : 0;
    f->slot[inv->instance].busy = true;
    f->slot[inv->instance].init_s = init;
    f->slot[inv->instance].infer_s = infer;
    f->slot[inv->instance].done_at = f->clock + (init + infer);
    f->slot[inv->instance].job = inv->job;
    f->started++;
    return 0;
}

static void fake_retire(void *ctx, uint32_t instance)
{
    (void)instance;
    ((struct fake *)ctx)->retired++;
}

static int fake_wait(void *ctx, double until, struct engine_completion *done, char *msg, size_t len)
{
    struct fake *f = ctx;
    int best = -1;
    for (int i = 0; i < FAKE_SLOTS; i++)
        if (f->slot[i].busy && (best < 0 || f->slot[i].done_at < f->slot[best].done_at))
            best = i;
    if (best >= 0 && f->slot[best].done_at <= until) {
        if (f->slot[best].done_at > f->clock)
            f->clock = f->slot[best].done_at;
        f->slot[best].busy = false;
        *done = (struct engine_completion){ .instance = (uint32_t)best, .job = f->slot[best].job,
                                            .init_s = f->slot[best].init_s, .inference_s = f->slot[best].infer_s };
        return 1;
    }
    if (!isfinite(until)) {
        snprintf(msg, len, "fake: nothing to wait for");
        return -1;
    }
    f->clock = until + f->lag_s;
    return 0;
}

static void fake_run(const struct scenario *sc, struct fake *f, struct fixture_log *log, struct engine_result *res,
                     enum engine_status *st)
{
    static char msg[256];
    double lag_s = f->lag_s;
    memset(f, 0, sizeof *f);
    f->lag_s = lag_s;
    f->sc = sc;
    struct engine_executor x = { .ctx = f, .prepare = fake_prepare, .now = fake_now, .start = fake_start,
                                 .retire = fake_retire, .wait = fake_wait };
    struct engine_real real = { .exec = &x, .time_limit_s = INFINITY, .msg = msg, .msg_len = sizeof msg };
    memset(log, 0, sizeof *log);
    struct engine_hooks hooks = { .on_request = fixture_on_request, .ctx = log };
    *st = engine_run_real(sc, sc->seed, &hooks, &real, res);
}

/* The scenario simulated (sim, rs) and run on the fake clock (f, real, rr),
 * which must end normally. */
static void run_both(const struct scenario *sc, struct fixture_log *sim, struct engine_result *rs, struct fake *f,
                     struct fixture_log *real, struct engine_result *rr)
{
    fixture_run(sc, sim, rs);
    enum engine_status st;
    fake_run(sc, f, real, rr, &st);
    CU_ASSERT_EQUAL(st, ENGINE_OK);
}

/* Batching (threshold and timeout), cold starts, keep-alive expiry, a
 * provisioned instance and warm-up pings: the real-time loop with a fake
 * clock gives every request the times the simulation gives it. Arrival
 * times avoid exact ties with completions (the two loops may order equal
 * times differently). */
static void test_same_as_simulation(void)
{
    const double t[] = { 0.01, 0.02, 0.03, 0.04, 0.05, 0.06, 0.45, 1.13, 1.17, 3.71, 3.72, 3.73, 6.9 };
    struct scenario sc;
    fixture_scenario(&sc, t, N(t), 0.5, 0.2);
    sc.batching = (struct batching_spec){ .threshold = 2, .max_batch = 2, .timeout_s = 0.3 };
    sc.function.model.per_item_s = 0.01;
    sc.function.extra_init_s = dist_constant(0.25);
    sc.platform.keep_alive_s = dist_constant(1.0);
    sc.platform.provisioned_concurrency = 1;
    sc.warmup = (struct warmup_spec){ .concurrency = 2, .interval_s = 2.5, .first_at_s = 0.7, .hold_s = 0.05 };
    struct fixture_log sim, real;
    struct engine_result rs, rr;
    struct fake f = { 0 }; /* lag_s 0: fake_run keeps it */
    run_both(&sc, &sim, &rs, &f, &real, &rr);
    CU_ASSERT_EQUAL(f.prepared, 1);
    CU_ASSERT_EQUAL(sim.n, N(t));
    CU_ASSERT_EQUAL(real.n, N(t));
    for (uint64_t id = 0; id < N(t); id++) {
        const struct request_record *a = fixture_rec(&sim, id), *b = fixture_rec(&real, id);
        CU_ASSERT_DOUBLE_EQUAL(a->dispatch_s, b->dispatch_s, EPS);
        CU_ASSERT_DOUBLE_EQUAL(a->start_s, b->start_s, EPS);
        CU_ASSERT_DOUBLE_EQUAL(a->end_s, b->end_s, EPS);
        CU_ASSERT_DOUBLE_EQUAL(a->cold_start_ms, b->cold_start_ms, 1e-6);
        CU_ASSERT_EQUAL(a->cold, b->cold);
        CU_ASSERT_EQUAL(a->provisioned, b->provisioned);
        CU_ASSERT_EQUAL(a->instance_id, b->instance_id);
        CU_ASSERT_EQUAL(a->batch_reason, b->batch_reason);
        CU_ASSERT_EQUAL(a->status, b->status);
    }
    CU_ASSERT(rs.cold_starts.count >= 3);
    CU_ASSERT(rs.instances.expired >= 2);
    CU_ASSERT_EQUAL(rs.cold_starts.count, rr.cold_starts.count);
    CU_ASSERT_EQUAL(rs.instances.created, rr.instances.created);
    CU_ASSERT_EQUAL(rs.instances.expired, rr.instances.expired);
    CU_ASSERT_EQUAL(rs.warmup.pings, rr.warmup.pings);
    CU_ASSERT_EQUAL(rs.warmup.cold_pings, rr.warmup.cold_pings);
    CU_ASSERT_EQUAL(rs.batches.by_timeout, rr.batches.by_timeout);
    CU_ASSERT_DOUBLE_EQUAL(rs.latency_ms.mean, rr.latency_ms.mean, 1e-6);
    CU_ASSERT_DOUBLE_EQUAL(rs.cost_usd.total, rr.cost_usd.total, 1e-12);
    /* Every expired instance was retired through the executor. */
    CU_ASSERT_EQUAL(f.retired, rr.instances.expired);
    free(real.rec);
    fixture_free(&sc, &sim);
}

/* The adaptive batching policies run in the engine both loops share: on
 * the fake clock, aimd's cap moves and slo's slack dispatches give every
 * request the times the simulation gives it. */
static void test_same_policies(void)
{
    double t[60];
    for (size_t i = 0; i < N(t); i++)
        t[i] = 0.0071 * (double)i + 0.001 * (double)(i % 3);
    for (int pol = 0; pol < 2; pol++) {
        struct scenario sc;
        fixture_scenario(&sc, t, N(t), 0.05, 0.02);
        /* No overhead: the fake executor reports none (emulate measures it). */
        sc.function.model.per_item_s = 0.002;
        sc.batching = (struct batching_spec){ .threshold = 2, .max_batch = 16, .timeout_s = 0.1,
                                              .policy = pol == 0 ? BATCH_POLICY_AIMD : BATCH_POLICY_SLO,
                                              .slo_s = 0.09, .aimd_increase = 1, .aimd_decrease = 0.9 };
        if (pol == 1)
            sc.batching.threshold = 16;
        struct fixture_log sim, real;
        struct engine_result rs, rr;
        struct fake f = { 0 }; /* lag_s 0: fake_run keeps it */
        run_both(&sc, &sim, &rs, &f, &real, &rr);
        CU_ASSERT_EQUAL(real.n, N(t));
        for (uint64_t id = 0; id < N(t); id++) {
            const struct request_record *a = fixture_rec(&sim, id), *b = fixture_rec(&real, id);
            CU_ASSERT_DOUBLE_EQUAL(a->dispatch_s, b->dispatch_s, EPS);
            CU_ASSERT_DOUBLE_EQUAL(a->end_s, b->end_s, EPS);
            CU_ASSERT_EQUAL(a->batch_size, b->batch_size);
            CU_ASSERT_EQUAL(a->batch_reason, b->batch_reason);
        }
        CU_ASSERT(rs.batches.mean_size > 1);
        CU_ASSERT_EQUAL(rs.batching.cap, rr.batching.cap);
        CU_ASSERT_EQUAL(rs.batching.increases, rr.batching.increases);
        CU_ASSERT_EQUAL(rs.batches.by_slack, rr.batches.by_slack);
        if (pol == 0) {
            CU_ASSERT(rs.batching.increases > 0 && rs.batching.decreases > 0);
        } else {
            CU_ASSERT(rs.batches.by_slack > 0);
        }
        free(real.rec);
        fixture_free(&sc, &sim);
    }
}

/* Warm-up rounds keep a fixed rate in real time: the loop wakes 1 ms late
 * after every timer, yet each round stays due at first_at + k x interval,
 * so pings meet the bursts they were set to meet, as in the simulation
 * (before: now + interval, the lateness piled up and the pings drifted
 * after the bursts, which then found the provisioned instance free). */
static void test_warmup_fixed_rate(void)
{
    const double t[] = { 0, 0, 2, 2, 4, 4, 6, 6 };
    struct scenario sc;
    fixture_scenario(&sc, t, N(t), 0.1, 0.2);
    sc.batching = (struct batching_spec){ .threshold = 2, .max_batch = 2, .timeout_s = 0.3 };
    sc.platform.keep_alive_s = dist_constant(0.5);
    sc.platform.provisioned_concurrency = 1;
    sc.warmup = (struct warmup_spec){ .concurrency = 1, .interval_s = 2, .first_at_s = 0, .hold_s = 0.5 };
    struct fixture_log sim, real;
    struct engine_result rs, rr;
    fixture_run(&sc, &sim, &rs);
    struct fake f = { .lag_s = 0.001 };
    enum engine_status st;
    fake_run(&sc, &f, &real, &rr, &st);
    CU_ASSERT_EQUAL(st, ENGINE_OK);
    CU_ASSERT_EQUAL(rs.warmup.pings, 4);
    CU_ASSERT_EQUAL(rs.cold_starts.count, 4);   /* every burst meets a ping */
    CU_ASSERT_EQUAL(rr.warmup.pings, rs.warmup.pings);
    CU_ASSERT_EQUAL(rr.cold_starts.count, rs.cold_starts.count);
    for (uint64_t id = 0; id < N(t); id++) {
        CU_ASSERT_EQUAL(fixture_rec(&sim, id)->cold, fixture_rec(&real, id)->cold);
        CU_ASSERT_EQUAL(fixture_rec(&sim, id)->provisioned, fixture_rec(&real, id)->provisioned);
    }
    free(real.rec);
    fixture_free(&sc, &sim);
}

/* Throttling and retries take the same path in real time. */
static void test_same_throttling(void)
{
    const double t[] = { 0.01, 0.011, 0.012, 0.013, 2.5 };
    struct scenario sc;
    fixture_scenario(&sc, t, N(t), 0.1, 0.3);
    sc.platform.reserved_concurrency = 2;
    sc.platform.concurrency_limit = 2;
    sc.platform.on_throttle = THROTTLE_RETRY;
    sc.platform.max_retries = 1;
    sc.platform.backoff_s = 0.05;
    sc.platform.backoff_max_s = 0.05;
    struct fixture_log sim, real;
    struct engine_result rs, rr;
    struct fake f = { 0 }; /* lag_s 0: fake_run keeps it */
    run_both(&sc, &sim, &rs, &f, &real, &rr);
    CU_ASSERT(rs.invocations.throttled > 0);
    CU_ASSERT_EQUAL(rs.invocations.throttled, rr.invocations.throttled);
    CU_ASSERT_EQUAL(rs.requests.failed, rr.requests.failed);
    for (uint64_t id = 0; id < N(t); id++) {
        const struct request_record *a = fixture_rec(&sim, id), *b = fixture_rec(&real, id);
        CU_ASSERT_DOUBLE_EQUAL(a->end_s, b->end_s, EPS);
        CU_ASSERT_EQUAL(a->status, b->status);
        CU_ASSERT_EQUAL(a->retries, b->retries);
    }
    free(real.rec);
    fixture_free(&sc, &sim);
}

/* Provisioned concurrency that changes (platform.provisioned) runs in the
 * engine both loops share: a schedule (3 instances at 1 s, back to 1 at
 * 6 s) and target tracking on 1-second datapoints (out after 2 above 0.7,
 * in after 3 below 0.63) take the same decisions at the same times on the
 * fake clock as in simulation. In real time a new instance's worker starts
 * at the change (a cold start with no work, 0.2 s here) and is ready at
 * the change + ready_delay_s, as simulated; retired ones are stopped
 * through the executor. */
static void test_same_pc_scaling(void)
{
    double t[200];
    size_t n = 0;
    for (double at = 0.05; at < 5 && n < N(t); at += 0.1)
        t[n++] = at;                    /* one instance busy 90 % of the time */
    for (double at = 5.05; at < 12 && n < N(t); at += 0.5)
        t[n++] = at;                    /* then 18 % */
    for (int mode = 0; mode < 2; mode++) {
        struct scenario sc;
        fixture_scenario(&sc, t, n, 0.2, 0.09);
        sc.platform.provisioned_concurrency = 1;
        struct pc_schedule_entry sched[] = { { 1.0, 3, 3 }, { 6.0, 1, 1 } };
        if (mode == 0)
            sc.platform.provisioned = (struct pc_scaling_spec){ .enabled = true, .ready_delay_s = 0.52,
                                                                .schedule = sched, .n_schedule = 2 };
        else
            sc.platform.provisioned = (struct pc_scaling_spec){
                .enabled = true, .ready_delay_s = 0.52, .tracking = true, .target_utilization = 0.7,
                .min_capacity = 1, .max_capacity = 10, .period_s = 1, .scale_out_datapoints = 2,
                .scale_in_datapoints = 3, .scale_in_ratio = 0.9 };
        struct fixture_log sim, real;
        struct engine_result rs, rr;
        struct fake f = { 0 }; /* lag_s 0: fake_run keeps it */
        run_both(&sc, &sim, &rs, &f, &real, &rr);
        CU_ASSERT_EQUAL(real.n, n);
        for (uint64_t id = 0; id < n; id++) {
            const struct request_record *a = fixture_rec(&sim, id), *b = fixture_rec(&real, id);
            CU_ASSERT_EQUAL(a->provisioned, b->provisioned);
            CU_ASSERT_EQUAL(a->cold, b->cold);
            CU_ASSERT_EQUAL(a->instance_id, b->instance_id);
            CU_ASSERT_DOUBLE_EQUAL(a->end_s, b->end_s, EPS);
        }
        CU_ASSERT_EQUAL(rs.provisioned.actions, rr.provisioned.actions);
        CU_ASSERT_EQUAL(rs.provisioned.scale_outs, rr.provisioned.scale_outs);
        CU_ASSERT_EQUAL(rs.provisioned.scale_ins, rr.provisioned.scale_ins);
        CU_ASSERT_EQUAL(rs.provisioned.configured_peak, rr.provisioned.configured_peak);
        CU_ASSERT_EQUAL(rs.provisioned.configured_end, rr.provisioned.configured_end);
        CU_ASSERT_DOUBLE_EQUAL(rs.provisioned.instance_s, rr.provisioned.instance_s, 1e-9);
        CU_ASSERT_DOUBLE_EQUAL(rs.cost_usd.total, rr.cost_usd.total, 1e-12);
        if (mode == 0) {
            CU_ASSERT_EQUAL(rs.provisioned.actions, 2u);
            CU_ASSERT_EQUAL(rs.provisioned.configured_peak, 3u);
            /* 1 prepared, 2 allocated at 1 s (started through the executor),
             * 2 retired at 6 s. */
            CU_ASSERT_EQUAL(f.prepared, 1u);
            CU_ASSERT_EQUAL(f.retired, 2u);
        } else {
            CU_ASSERT_EQUAL(rs.provisioned.scale_outs, 1u);
            CU_ASSERT_EQUAL(rs.provisioned.scale_ins, 1u);
            CU_ASSERT_EQUAL(rs.provisioned.configured_end, 1u);
            CU_ASSERT_EQUAL(f.retired, 1u);
        }
        /* No request before the first change + ready_delay_s ran on a
         * second provisioned instance (instance ids 0 = the first). */
        for (uint64_t id = 0; id < n; id++) {
            const struct request_record *b = fixture_rec(&real, id);
            if (b->start_s < (mode == 0 ? 1.52 : 2.52))
                CU_ASSERT(!b->provisioned || b->instance_id == 0);
        }
        free(real.rec);
        fixture_free(&sc, &sim);
    }
}

/* The histogram keep-alive policy (Shahrad et al.) in real time: one
 * request every 300 s (0.1 s of work, 1 s cold start); after 5 idle times
 * the policy unloads each instance as its invocation ends and pre-warms one
 * 216 s later (a worker started with no request, through the executor),
 * which the next request finds warm: the same cold starts, unloads,
 * pre-warms and idle time as simulated, and every unloaded instance
 * stopped through the executor. */
static void test_same_keepalive_histogram(void)
{
    double t[20];
    for (size_t i = 0; i < N(t); i++)
        t[i] = 300.0 * (double)i;
    struct scenario sc;
    fixture_scenario(&sc, t, N(t), 1.0, 0.1);
    sc.platform.keep_alive_policy = (struct keepalive_spec){
        .policy = KEEPALIVE_HISTOGRAM, .range_s = 14400, .bin_s = 60, .head_percentile = 5,
        .tail_percentile = 99, .margin = 0.1, .min_samples = 5, .cv_threshold = 2, .oob_threshold = 0.5 };
    struct fixture_log sim, real;
    struct engine_result rs, rr;
    struct fake f = { 0 }; /* lag_s 0: fake_run keeps it */
    run_both(&sc, &sim, &rs, &f, &real, &rr);
    CU_ASSERT_EQUAL(real.n, N(t));
    for (uint64_t id = 0; id < N(t); id++) {
        const struct request_record *a = fixture_rec(&sim, id), *b = fixture_rec(&real, id);
        CU_ASSERT_EQUAL(a->cold, b->cold);
        CU_ASSERT_EQUAL(a->instance_id, b->instance_id);
        CU_ASSERT_DOUBLE_EQUAL(a->end_s, b->end_s, EPS);
    }
    CU_ASSERT_EQUAL(rs.cold_starts.count, 1u);
    CU_ASSERT(rs.keep_alive.prewarms >= 10);
    CU_ASSERT_EQUAL(rs.cold_starts.count, rr.cold_starts.count);
    CU_ASSERT_EQUAL(rs.keep_alive.unloaded, rr.keep_alive.unloaded);
    CU_ASSERT_EQUAL(rs.keep_alive.prewarms, rr.keep_alive.prewarms);
    CU_ASSERT_EQUAL(rs.keep_alive.prewarm_hits, rr.keep_alive.prewarm_hits);
    CU_ASSERT_DOUBLE_EQUAL(rs.keep_alive.idle_instance_s, rr.keep_alive.idle_instance_s, 1e-6);
    /* Each pre-warm was a start with no request; each unload a retire. */
    CU_ASSERT_EQUAL(f.started, N(t) + rr.keep_alive.prewarms);
    CU_ASSERT_EQUAL(f.retired, rr.keep_alive.unloaded + rr.instances.expired);
    free(real.rec);
    fixture_free(&sc, &sim);
}

/* SnapStart in real time: a new instance's cold start is a restore (the
 * model's restore_ms, copied into its cold start when the scenario is
 * loaded: what emulate injects as the wait), priced per restore and for
 * the cached snapshot: the same cold starts, restores and costs as
 * simulated. */
static void test_same_snapstart(void)
{
    const double t[] = { 0.01, 0.02, 0.03, 2.5, 2.51, 9.0 };
    struct scenario sc;
    fixture_scenario(&sc, t, N(t), 0.15, 0.05);   /* 0.15 s: the restore */
    sc.function.snapstart = true;
    sc.platform.keep_alive_s = dist_constant(3.0);
    sc.pricing.snapstart_restore_usd_per_gb = 0.0001397998;
    sc.pricing.snapstart_cache_usd_per_gb_s = 0.0000015046;
    struct fixture_log sim, real;
    struct engine_result rs, rr;
    struct fake f = { 0 }; /* lag_s 0: fake_run keeps it */
    run_both(&sc, &sim, &rs, &f, &real, &rr);
    for (uint64_t id = 0; id < N(t); id++) {
        const struct request_record *a = fixture_rec(&sim, id), *b = fixture_rec(&real, id);
        CU_ASSERT_EQUAL(a->cold, b->cold);
        CU_ASSERT_DOUBLE_EQUAL(a->cold_start_ms, b->cold_start_ms, 1e-6);
        CU_ASSERT_DOUBLE_EQUAL(a->end_s, b->end_s, EPS);
    }
    CU_ASSERT_EQUAL(rs.cold_starts.count, 4u);   /* 3 at once, 1 after the keep-alive */
    CU_ASSERT_EQUAL(rr.cold_starts.count, rs.cold_starts.count);
    CU_ASSERT(rs.cost_usd.snapstart > 0);
    CU_ASSERT_DOUBLE_EQUAL(rr.cost_usd.snapstart, rs.cost_usd.snapstart, 1e-15);
    free(real.rec);
    fixture_free(&sc, &sim);
}

/* The time limit and the stop flag end a real-time run with what ran. */
static void test_time_limit_and_stop(void)
{
    const double t[] = { 0.1, 0.2, 5.0, 9.0 };
    struct scenario sc;
    fixture_scenario(&sc, t, N(t), 0.0, 0.05);
    static char msg[256];
    struct fake f = { 0 }; /* lag_s 0: fake_run keeps it */
    memset(&f, 0, sizeof f);
    f.sc = &sc;
    struct engine_executor x = { .ctx = &f, .prepare = fake_prepare, .now = fake_now, .start = fake_start,
                                 .retire = fake_retire, .wait = fake_wait };
    struct engine_real real = { .exec = &x, .time_limit_s = 1.0, .msg = msg, .msg_len = sizeof msg };
    struct fixture_log log = { 0 };
    struct engine_hooks hooks = { .on_request = fixture_on_request, .ctx = &log };
    struct engine_result res;
    CU_ASSERT_EQUAL(engine_run_real(&sc, 1, &hooks, &real, &res), ENGINE_TIME_LIMIT);
    CU_ASSERT_EQUAL(res.requests.completed, 2);
    CU_ASSERT_EQUAL(log.n, 2);
    CU_ASSERT_DOUBLE_EQUAL(f.clock, 1.0, EPS);

    volatile sig_atomic_t stop = 1;
    hooks.stop = &stop;
    real.time_limit_s = INFINITY;
    memset(&f, 0, sizeof f);
    f.sc = &sc;
    CU_ASSERT_EQUAL(engine_run_real(&sc, 1, &hooks, &real, &res), ENGINE_INTERRUPTED);
    CU_ASSERT_EQUAL(res.requests.completed, 0);
    free(log.rec);
    memset(&log, 0, sizeof log);
    fixture_free(&sc, &log);
}

static void add_fake_tests(CU_pSuite s)
{
    CU_add_test(s, "real-time loop = simulation (fake clock)", test_same_as_simulation);
    CU_add_test(s, "real-time loop: throttling and retries", test_same_throttling);
    CU_add_test(s, "real-time loop: adaptive batching policies", test_same_policies);
    CU_add_test(s, "real-time loop: provisioned concurrency schedule and target tracking", test_same_pc_scaling);
    CU_add_test(s, "real-time loop: the histogram keep-alive policy", test_same_keepalive_histogram);
    CU_add_test(s, "real-time loop: SnapStart restores and their price", test_same_snapstart);
    CU_add_test(s, "warm-up rounds keep a fixed rate in real time", test_warmup_fixed_rate);
    CU_add_test(s, "real-time loop: time limit and stop flag", test_time_limit_and_stop);
}

/* ---- real workers ------------------------------------------------------------------ */

/* An inline model, so that the temporary scenarios need no other file. */
#define MODEL "{\"memory_mb\": 1769, \"cold_start_ms\": 2, \"overhead_ms\": 0.1, " \
              "\"inference_ms\": {\"base\": 0.05, \"per_item_ms\": 0.2}}"

/* A short emulation through everything the emulator does: a provisioned
 * worker ready before t = 0, cold starts, keep-alive expiry, warm-up pings,
 * batching; the JSON is run's, plus the emulator's counts. */
static void test_emulate_runs(void)
{
    char *sc = testutil_temp_file("{\"duration_s\": 1.6, \"workload\": {\"type\": \"bursty\", \"burst_size\": 4, "
                                  "\"burst_pause_s\": 0.5}, \"batching\": {\"threshold\": 2, \"timeout_s\": 0.05}, "
                                  "\"function\": {\"model\": " MODEL ", \"extra_init_ms\": 20}, "
                                  "\"platform\": {\"provisioned_concurrency\": 1, \"keep_alive_s\": 0.3}, "
                                  "\"warmup\": {\"concurrency\": 1, \"interval_s\": 0.7, \"first_at_s\": 0.2, "
                                  "\"hold_ms\": 10}}", ".json");
    char *dir = testutil_temp_dir();
    char *out = NULL, *err = NULL;
    int rc = testutil_runf(&out, &err, "emulate %s --worker %s --json --client-log %s/c.csv --requests-csv %s/r.csv",
                 sc, testutil_worker_bin(), dir, dir);
    CU_ASSERT_EQUAL(rc, 0);
    if (rc != 0)
        fprintf(stderr, "\nemulate: %s\n", err);
    const char *head = "{\n  \"partial\": false,\n  \"emulated\": {";
    CU_ASSERT(strncmp(out, head, strlen(head)) == 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "\"lambdasim_version\""));
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "\"arrived\": 16,"));
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "\"completed\": 16,"));
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "\"images\": 16,"));
    CU_ASSERT_PTR_NULL(strstr(out, "\"pings\": 0}"));      /* pings were answered */
    CU_ASSERT_PTR_NULL(strstr(out, "\"expired\": 0"));     /* and workers expired */
    CU_ASSERT_PTR_NULL(strstr(out, "\"cold\": 0,"));       /* and cold-started */
    /* The workers' CPU time against the model's 0.05 + 2 x 0.2 ms for each
     * of the 8 batches of 2 (the ratio is this machine's). */
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "\"function_cpu\": {\"batches\": 8, \"cpu_ms_mean\": "));
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "\"profile_ms_mean\": 0.4500, \"ratio\": "));
    /* The client log reads back, as validate reads it. */
    char path[512];
    snprintf(path, sizeof path, "%s/c.csv", dir);
    char *log = testutil_read_file(path);
    CU_ASSERT_PTR_NOT_NULL_FATAL(log);
    CU_ASSERT(strncmp(log, "send_s,latency_ms,status,", 25) == 0);
    free(out);
    free(err);
    rc = testutil_runf(&out, &err, "validate %s --observed %s --replications 2 --tolerance 100", sc, path);
    CU_ASSERT_EQUAL(rc, 0);
    free(log);
    free(out);
    free(err);
    CU_ASSERT_EQUAL(testutil_remove_dir(dir), 0);
    unlink(sc);
    free(sc);
}

/* The scenario of test_speed_note, its profile's 2-image batch 2 x
 * per_item_ms long. */
static char *speed_scenario(double per_item_ms)
{
    char text[1024];
    snprintf(text, sizeof text, "{\"duration_s\": 0.4, \"workload\": {\"type\": \"uniform\", \"rate_rps\": 20}, "
             "\"batching\": {\"threshold\": 2, \"timeout_s\": 0.05}, "
             "\"function\": {\"model\": {\"memory_mb\": 1769, \"cold_start_ms\": 2, \"overhead_ms\": 0.1, "
             "\"inference_ms\": {\"base\": 0, \"per_item_ms\": %.4f}}}, \"platform\": {\"host_cores\": 2}}",
             per_item_ms);
    return testutil_temp_file(text, ".json");
}

/* A function that ran faster or slower than its profile says: the run
 * says so, with the validate command that predicts given the run's speed,
 * and that command is one validate accepts. Not for a profile of another
 * function (40 ms for what the real CNN does in well under 1 ms: already
 * warned about as not emulated, which also prints this machine's
 * estimate). */
static void test_speed_note(void)
{
    char *sc = speed_scenario(20);
    char *dir = testutil_temp_dir();
    char *out = NULL, *err = NULL;
    int rc = testutil_runf(&out, &err, "emulate %s --worker %s --json", sc, testutil_worker_bin());
    CU_ASSERT_EQUAL(rc, 0);
    TESTUTIL_ASSERT_CONTAINS(err, "inference_ms is not emulated");
    CU_ASSERT_PTR_NULL(strstr(err, "emulate: note:"));
    const char *at = strstr(out, "\"cpu_ms_mean\": ");
    double cpu_ms = 0;
    CU_ASSERT_FATAL(at != NULL && sscanf(at + strlen("\"cpu_ms_mean\": "), "%lf", &cpu_ms) == 1 && cpu_ms > 0);
    const char *est = strstr(err, "this machine's CNN about ");
    double local_ms = 0;
    CU_ASSERT_FATAL(est != NULL && sscanf(est + strlen("this machine's CNN about "), "%lf", &local_ms) == 1
                    && local_ms > 0);
    free(out);
    free(err);
    unlink(sc);
    free(sc);

    /* The second profile within the not-emulated check's 2x of the local
     * estimate (0.75 or 1.35 of it: a third of margin for the estimate to
     * move between runs) and as far from the batches' CPU time as that
     * allows: at least x1.34 either way, so the note comes even if the
     * host's speed moves by a fifth between the two runs (under
     * AddressSanitizer the estimate and the CPU time are 1.5x apart, one
     * way or the other). */
    double low = 0.75 * local_ms, high = 1.35 * local_ms;
    double batch_ms = fabs(log(cpu_ms / low)) > fabs(log(cpu_ms / high)) ? low : high;
    sc = speed_scenario(batch_ms / 2);
    rc = testutil_runf(&out, &err, "emulate %s --worker %s --client-log %s/c.csv --json", sc, testutil_worker_bin(),
                       dir);
    CU_ASSERT_EQUAL(rc, 0);
    /* The rule, whichever side of it this machine lands on: a note when the
     * profile is this machine's function's (within 2x of the estimate) and
     * the batches' CPU time is more than 10 % off it. On a plain build the
     * note comes; under a sanitizer the estimate can move by 1.7x between
     * runs and make the profile another function's. */
    at = strstr(out, "\"ratio\": ");
    double ratio = 0;
    CU_ASSERT_FATAL(at != NULL && sscanf(at + strlen("\"ratio\": "), "%lf", &ratio) == 1 && ratio > 0);
    bool foreign = strstr(err, "inference_ms is not emulated") != NULL;
    bool expect_note = !foreign && fabs(ratio - 1) > 0.1;
    CU_ASSERT_EQUAL(strstr(err, "emulate: note: the function's batches took x") != NULL, expect_note);
    const char *cmd = strstr(err, "`lambdasim validate ");
    CU_ASSERT_EQUAL(cmd != NULL, expect_note);
    char args[1024] = "";
    if (cmd != NULL) {
        CU_ASSERT_FATAL(sscanf(cmd + strlen("`lambdasim "), "%1023[^`]", args) == 1);
        TESTUTIL_ASSERT_CONTAINS(args, "/c.csv --host-speed ");
    }
    free(out);
    free(err);
    if (args[0] != '\0') {
        rc = testutil_runf(&out, &err, "%s --replications 3", args);
        CU_ASSERT(rc == 0 || rc == 1); /* a verdict, not a refused command */
        TESTUTIL_ASSERT_CONTAINS(out, "host speed: fixed at x");
        free(out);
        free(err);
    }
    CU_ASSERT_EQUAL(testutil_remove_dir(dir), 0);
    unlink(sc);
    free(sc);
}

/* The acceptance check, short: profile this machine quickly, emulate the
 * uniform scenario with the study's batching for 8 s, and validate the
 * simulator against it. Tolerances as in docs/validation.md: 10 % on the
 * mean and p50, 25 % on p90 and p99; on the loaded 2-core development
 * machine (two fuzzers on both cores) the errors were under 1 %, because
 * the batching wait (164 ms) dominates the sub-millisecond noise. */
static void test_short_validation(void)
{
    char *dir = testutil_temp_dir();
    char *out = NULL, *err = NULL;
    int rc = testutil_runf(&out, &err, "profile -o %s/p.json --worker %s --max-batch 2 --repetitions 20 "
                           "--cold-starts 5 --warmup 5 --long-gap-ms 0 --speed-probe-s 0 --wake-probe-s 0 --quiet", dir, testutil_worker_bin());
    CU_ASSERT_EQUAL_FATAL(rc, 0);
    free(out);
    free(err);
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    rc = testutil_runf(&out, &err, "emulate scenarios/emulate/uniform-batching.json --worker %s --set duration_s=8 "
             "--set function.model=%s/p.json --set platform.host_cores=%ld --client-log %s/c.csv --json",
             testutil_worker_bin(), dir, cores, dir);
    CU_ASSERT_EQUAL(rc, 0);
    free(out);
    free(err);
    rc = testutil_runf(&out, &err, "validate scenarios/emulate/uniform-batching.json --set duration_s=8 "
             "--set function.model=%s/p.json --set platform.host_cores=%ld --observed %s/c.csv "
             "--tolerance 0.1 --tolerance-for latency_p90_ms=0.25 --tolerance-for latency_p99_ms=0.25",
             dir, cores, dir);
    CU_ASSERT_EQUAL(rc, 0);
    if (rc != 0)
        fprintf(stderr, "\n%s%s\n", out, err);
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "result: PASS"));
    free(out);
    free(err);
    CU_ASSERT_EQUAL(testutil_remove_dir(dir), 0);
}

/* ---- workers never outlive the emulator ---------------------------------------------- */

/* A long scenario with several workers: bursts of 8 every 0.2 s, batches
 * of 2, two provisioned workers. */
#define LONG_SCENARIO "{\"duration_s\": 60, \"workload\": {\"type\": \"bursty\", \"burst_size\": 8, " \
                      "\"burst_pause_s\": 0.2}, \"batching\": {\"threshold\": 2, \"timeout_s\": 0.05}, " \
                      "\"function\": {\"model\": " MODEL "}, \"platform\": {\"provisioned_concurrency\": 2}}"

/* Starts `lambdasim emulate SCENARIO --verbose ...` with stdout and stderr
 * in files; returns its pid. */
static pid_t spawn(const char *scenario, const char *extra, const char *out_path, const char *err_path)
{
    pid_t pid = fork();
    if (pid == 0) {
        int o = open(out_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        int e = open(err_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        if (o < 0 || e < 0 || dup2(o, 1) < 0 || dup2(e, 2) < 0)
            _exit(127);
        execl(testutil_bin(), testutil_bin(), "emulate", scenario, "--verbose", "--worker", testutil_worker_bin(),
              "--json", extra, (char *)NULL);
        _exit(127);
    }
    return pid;
}

/* The pids of the workers the emulator said it started (--verbose). */
static size_t started_pids(const char *err_path, long *pids, size_t cap)
{
    char *text = testutil_read_file(err_path);
    size_t n = 0;
    for (const char *p = text; p != NULL && (p = strstr(p, "worker started pid=")) != NULL && n < cap; p++)
        pids[n++] = strtol(p + strlen("worker started pid="), NULL, 10);
    free(text);
    return n;
}

/* Waits up to timeout_s for the emulator to have started `want` workers. */
static size_t wait_started(const char *err_path, long *pids, size_t cap, size_t want, double timeout_s)
{
    size_t n = 0;
    for (int i = 0; i < (int)(timeout_s * 100) && (n = started_pids(err_path, pids, cap)) < want; i++)
        usleep(10000);
    return n;
}

static bool all_gone(const long *pids, size_t n, double timeout_s)
{
    for (int i = 0; i < (int)(timeout_s * 100); i++) {
        bool all = true;
        for (size_t k = 0; k < n; k++)
            all &= testutil_process_gone(pids[k]);
        if (all)
            return true;
        usleep(10000);
    }
    return false;
}

/* An emulator on LONG_SCENARIO (spawn), with its scenario and output files. */
struct long_run {
    char *sc, *out, *err;
    pid_t pid;
};

static void long_run_start(struct long_run *lr)
{
    lr->sc = testutil_temp_file(LONG_SCENARIO, ".json");
    lr->out = testutil_temp_file("", ".out");
    lr->err = testutil_temp_file("", ".err");
    lr->pid = spawn(lr->sc, "--force", lr->out, lr->err);
}

/* Removes the files; the emulator has been waited for. */
static void long_run_end(struct long_run *lr)
{
    char *files[] = { lr->sc, lr->out, lr->err };
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
        unlink(files[i]);
        free(files[i]);
    }
}

static void check_signal(int sig)
{
    struct long_run lr;
    long_run_start(&lr);
    long pids[64];
    size_t n = wait_started(lr.err, pids, 64, 4, 10.0);
    CU_ASSERT(n >= 4);
    usleep(300000); /* let it run a little */
    n = started_pids(lr.err, pids, 64);
    kill(lr.pid, sig);
    int status = 0;
    CU_ASSERT_EQUAL(waitpid(lr.pid, &status, 0), lr.pid);
    if (sig == SIGKILL) {
        CU_ASSERT(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
    } else {
        /* A clean end: exit 128 + signal (as `run`), partial results
         * labelled, workers stopped. */
        CU_ASSERT(WIFEXITED(status) && WEXITSTATUS(status) == 128 + sig);
        char *o = testutil_read_file(lr.out), *e = testutil_read_file(lr.err);
        const char *head = "{\n  \"partial\": true,\n  \"partial_reason\": \"interrupted by ";
        CU_ASSERT(strncmp(o, head, strlen(head)) == 0);
        CU_ASSERT_PTR_NOT_NULL(strstr(o, sig == SIGINT ? "\"interrupted_by\": \"SIGINT\""
                                                       : "\"interrupted_by\": \"SIGTERM\""));
        CU_ASSERT_PTR_NOT_NULL(strstr(e, "the results above are partial"));
        free(o);
        free(e);
    }
    /* Stopped by the emulator, or (SIGKILL) by the kernel's parent-death
     * signal: no worker survives. */
    CU_ASSERT(all_gone(pids, n, 5.0));
    long_run_end(&lr);
}

static void test_sigint(void) { check_signal(SIGINT); }
static void test_sigterm(void) { check_signal(SIGTERM); }
static void test_sigkill(void) { check_signal(SIGKILL); }

/* A worker killed in the middle of the run is a failed invocation: the
 * worker is killed while it starts (its 400 ms extra init), its 2 requests
 * fail (status "error" in the CSV, "failed" in the JSON), a warning names
 * it, and the run goes on to the end (exit 0) with no worker left. */
static void test_worker_killed(void)
{
    char *sc = testutil_temp_file("{\"duration_s\": 1.2, \"workload\": {\"type\": \"bursty\", \"burst_size\": 8, "
                                  "\"burst_pause_s\": 0.5}, \"batching\": {\"threshold\": 2, \"timeout_s\": 0.05}, "
                                  "\"function\": {\"model\": " MODEL ", \"extra_init_ms\": 400}}", ".json");
    char *o_path = testutil_temp_file("", ".out"), *e_path = testutil_temp_file("", ".err");
    char *csv = testutil_temp_file("", ".csv");
    pid_t pid = fork();
    if (pid == 0) {
        int o = open(o_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        int e = open(e_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        if (o < 0 || e < 0 || dup2(o, 1) < 0 || dup2(e, 2) < 0)
            _exit(127);
        execl(testutil_bin(), testutil_bin(), "emulate", sc, "--verbose", "--worker", testutil_worker_bin(), "--json",
              "--force", "--requests-csv", csv, (char *)NULL);
        _exit(127);
    }
    long pids[64];
    size_t n = wait_started(e_path, pids, 64, 4, 10.0);
    CU_ASSERT_FATAL(n >= 4);
    kill((pid_t)pids[0], SIGKILL);
    int status = 0;
    CU_ASSERT_EQUAL(waitpid(pid, &status, 0), pid);
    CU_ASSERT(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    char *o = testutil_read_file(o_path), *e = testutil_read_file(e_path), *rows = testutil_read_file(csv);
    char frag[160];
    snprintf(frag, sizeof frag, "(worker pid %ld) died while starting: worker %ld was killed by signal 9; its 2 "
             "request(s) failed", pids[0], pids[0]);
    TESTUTIL_ASSERT_CONTAINS(e, frag);
    TESTUTIL_ASSERT_CONTAINS(o, "\"workers_died\": 1,");
    TESTUTIL_ASSERT_CONTAINS(o, "\"arrived\": 24,");
    TESTUTIL_ASSERT_CONTAINS(o, "\"completed\": 22,");
    TESTUTIL_ASSERT_CONTAINS(o, "\"failed\": 2,");
    /* Named as what it is, not as throttling. */
    TESTUTIL_ASSERT_CONTAINS(o, "2 requests failed because their worker process died (emulate)");
    CU_ASSERT(strstr(o, "after throttling") == NULL);
    size_t errors = 0;
    for (const char *p = rows; p != NULL && (p = strstr(p, ",error,")) != NULL; p++)
        errors++;
    CU_ASSERT_EQUAL(errors, 2);
    n = started_pids(e_path, pids, 64);
    CU_ASSERT(all_gone(pids, n, 5.0));
    free(o);
    free(e);
    free(rows);
    char *files[] = { sc, o_path, e_path, csv };
    for (size_t i = 0; i < N(files); i++) {
        unlink(files[i]);
        free(files[i]);
    }
}

/* The members of process group pgid still alive (zombies apart). */
static size_t group_members(pid_t pgid)
{
    size_t n = 0;
    char cmd[128];
    snprintf(cmd, sizeof cmd, "ps -o pid= -o stat= -g %ld 2>/dev/null | grep -vc ' Z'", (long)pgid);
    FILE *p = popen(cmd, "r");
    if (p != NULL) {
        if (fscanf(p, "%zu", &n) != 1)
            n = 0;
        pclose(p);
    }
    return n;
}

/* Ctrl-C in a terminal: SIGINT to the whole process group (the emulator in
 * a group of its own, as a shell's job). The workers ignore it, so the
 * emulator ends the run cleanly with 130 (not as a worker failure) and
 * leaves nobody of the group behind. */
static void test_sigint_group(void)
{
    struct long_run lr;
    lr.sc = testutil_temp_file(LONG_SCENARIO, ".json");
    lr.out = testutil_temp_file("", ".out");
    lr.err = testutil_temp_file("", ".err");
    pid_t pid = fork();
    if (pid == 0) {
        setpgid(0, 0);
        int o = open(lr.out, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        int e = open(lr.err, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        if (o < 0 || e < 0 || dup2(o, 1) < 0 || dup2(e, 2) < 0)
            _exit(127);
        execl(testutil_bin(), testutil_bin(), "emulate", lr.sc, "--verbose", "--worker", testutil_worker_bin(),
              "--json", (char *)NULL);
        _exit(127);
    }
    setpgid(pid, pid); /* also here: no race with the kill below */
    lr.pid = pid;
    long pids[64];
    size_t n = wait_started(lr.err, pids, 64, 4, 10.0);
    CU_ASSERT(n >= 4);
    usleep(300000);
    n = started_pids(lr.err, pids, 64);
    CU_ASSERT_EQUAL(kill(-pid, SIGINT), 0);
    int status = 0;
    CU_ASSERT_EQUAL(waitpid(pid, &status, 0), pid);
    CU_ASSERT(WIFEXITED(status) && WEXITSTATUS(status) == 130);
    char *o = testutil_read_file(lr.out), *e = testutil_read_file(lr.err);
    TESTUTIL_ASSERT_CONTAINS(o, "\"interrupted_by\": \"SIGINT\"");
    TESTUTIL_ASSERT_CONTAINS(o, "\"workers_died\": 0,");
    CU_ASSERT_PTR_NULL(strstr(e, " died "));
    CU_ASSERT(all_gone(pids, n, 5.0));
    CU_ASSERT_EQUAL(group_members(pid), 0);
    free(o);
    free(e);
    long_run_end(&lr);
}

/* --time-limit ends a run that takes too long, cleanly: exit 124 (as
 * timeout(1)) after about the limit, partial results labelled in stdout
 * and in the CSV. */
static void test_time_limit(void)
{
    char *sc = testutil_temp_file(LONG_SCENARIO, ".json");
    char *dir = testutil_temp_dir();
    char *out = NULL, *err = NULL;
    double t0 = testutil_now_s();
    int rc = testutil_runf(&out, &err, "emulate %s --worker %s --time-limit 1 --client-log %s/c.csv", sc,
                           testutil_worker_bin(), dir);
    double took = testutil_now_s() - t0;
    CU_ASSERT_EQUAL(rc, 124);
    CU_ASSERT(took < 5.0);
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "PARTIAL RESULTS: stopped at the time limit of 1 s (--time-limit)"));
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "the results above are partial"));
    char path[512];
    snprintf(path, sizeof path, "%s/c.csv", dir);
    char *log = testutil_read_file(path);
    CU_ASSERT_PTR_NOT_NULL(log);
    CU_ASSERT_PTR_NOT_NULL(log != NULL ? strstr(log, "\n# partial: stopped at the time limit") : NULL);
    free(log);
    free(out);
    free(err);
    CU_ASSERT_EQUAL(testutil_remove_dir(dir), 0);
    unlink(sc);
    free(sc);
}

/* Bad input is exit 2 with one line, before any worker starts. */
static void test_bad_input(void)
{
    char *sc = testutil_temp_file(LONG_SCENARIO, ".json");
    char *out = NULL, *err = NULL;
    CU_ASSERT_EQUAL(testutil_runf(&out, &err, "emulate %s --worker /nonexistent/worker", sc), 2);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "/nonexistent/worker: not an executable worker"));
    free(out);
    free(err);
    CU_ASSERT_EQUAL(testutil_runf(&out, &err, "emulate %s --time-limit-s 0", sc), 2);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "--time-limit-s: expected seconds > 0"));
    free(out);
    free(err);
    CU_ASSERT_EQUAL(testutil_runf(&out, &err, "emulate %s --time-limit 1e9", sc), 2);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "--time-limit: expected seconds > 0 and at most 31536000"));
    free(out);
    free(err);
    CU_ASSERT_EQUAL(testutil_runf(&out, &err, "emulate %s --weights /nonexistent.bin --worker %s", sc,
                                  testutil_worker_bin()), 2);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "/nonexistent.bin"));
    free(out);
    free(err);
    unlink(sc);
    free(sc);
}

static void read_autogroup(char *buf, size_t len)
{
    buf[0] = '\0';
    FILE *f = fopen("/proc/self/autogroup", "r");
    if (f != NULL) {
        if (fgets(buf, (int)len, f) == NULL)
            buf[0] = '\0';
        fclose(f);
    }
}

/* --isolate works as root (and puts the session's priority back), and is
 * refused with a message otherwise. */
static void test_isolate(void)
{
    char *sc = testutil_temp_file("{\"duration_s\": 0.3, \"workload\": {\"type\": \"uniform\", \"rate_rps\": 20}, "
                                  "\"function\": {\"model\": " MODEL "}}", ".json");
    char before[128], after[128];
    read_autogroup(before, sizeof before);
    char *out = NULL, *err = NULL;
    int rc = testutil_runf(&out, &err, "emulate %s --worker %s --isolate", sc, testutil_worker_bin());
    read_autogroup(after, sizeof after);
    if (geteuid() == 0) {
        CU_ASSERT_EQUAL(rc, 0);
        CU_ASSERT_STRING_EQUAL(before, after);
    } else {
        CU_ASSERT_EQUAL(rc, 1);
        CU_ASSERT_PTR_NOT_NULL(strstr(err, "--isolate: cannot raise the CPU priority"));
    }
    free(out);
    free(err);
    unlink(sc);
    free(sc);
}


/* ---- honest clocks (issue 14) ------------------------------------------------------------ */

/* A scenario whose traffic starts late (t = 30 s) with warm-up pings from
 * t = 0 validates against its own simulated client log: the sends are
 * replayed on the scenario's clock, so the pings stay where they were. */
static void test_replay_clock(void)
{
    char *sc = testutil_temp_file("{\"seed\": 3, \"duration_s\": 40, \"warmup_period_s\": 30, "
                                  "\"workload\": {\"type\": \"poisson\", \"rate_rps\": 20, \"start_s\": 30}, "
                                  "\"function\": {\"model\": {\"memory_mb\": 1769, \"cold_start_ms\": 200, "
                                  "\"overhead_ms\": 5, \"inference_ms\": {\"base\": 10, \"per_item_ms\": 1}}}, "
                                  "\"platform\": {\"keep_alive_s\": 1}, \"warmup\": {\"concurrency\": 2, "
                                  "\"interval_s\": 7, \"first_at_s\": 0, \"hold_ms\": 50}}", ".json");
    char *dir = testutil_temp_dir();
    char *out = NULL, *err = NULL;
    CU_ASSERT_EQUAL(testutil_runf(&out, &err, "run %s --client-log %s/c.csv", sc, dir), 0);
    free(out);
    free(err);
    int rc = testutil_runf(&out, &err, "validate %s --observed %s/c.csv --replications 3 --json", sc, dir);
    CU_ASSERT_EQUAL(rc, 0);
    if (rc != 0)
        fprintf(stderr, "\n%s%s\n", out, err);
    free(out);
    free(err);
    CU_ASSERT_EQUAL(testutil_remove_dir(dir), 0);
    unlink(sc);
    free(sc);
}

/* The arrival_s column of the per-request CSV (CSV columns: id first,
 * arrival_s second) for request id, or NAN. */
static double csv_arrival(const char *csv, long id)
{
    char key[32];
    snprintf(key, sizeof key, "\n%ld,", id);
    const char *p = strstr(csv, key);
    return p != NULL ? strtod(p + strlen(key), NULL) : (double)NAN;
}

/* A burst's requests share one scheduled instant, however late the loop
 * gets to each of them (it starts 6 workers for this one): the lag is
 * reported instead (table and JSON). */
static void test_burst_one_instant(void)
{
    char *sc = testutil_temp_file("{\"duration_s\": 0.9, \"workload\": {\"type\": \"bursty\", \"burst_size\": 8, "
                                  "\"burst_pause_s\": 0.5}, \"function\": {\"model\": " MODEL "}, "
                                  "\"platform\": {\"provisioned_concurrency\": 2}}", ".json");
    char *dir = testutil_temp_dir();
    char *out = NULL, *err = NULL;
    int rc = testutil_runf(&out, &err, "emulate %s --worker %s --json --requests-csv %s/r.csv", sc,
                           testutil_worker_bin(), dir);
    CU_ASSERT_EQUAL(rc, 0);
    TESTUTIL_ASSERT_CONTAINS(out, "\"lag_ms\": {\"n\": 16, \"p50\": ");
    TESTUTIL_ASSERT_CONTAINS(out, "\"host_cpu\": {\"source\": ");
    char path[512];
    snprintf(path, sizeof path, "%s/r.csv", dir);
    char *csv = testutil_read_file(path);
    CU_ASSERT_PTR_NOT_NULL_FATAL(csv);
    for (long id = 0; id < 16; id++)
        CU_ASSERT_EQUAL(csv_arrival(csv, id), id < 8 ? 0.0 : 0.5);
    free(csv);
    free(out);
    free(err);
    rc = testutil_runf(&out, &err, "emulate %s --worker %s", sc, testutil_worker_bin());
    CU_ASSERT_EQUAL(rc, 0);
    TESTUTIL_ASSERT_CONTAINS(out, "send lag p50 / p99 / max (ms)");
    free(out);
    free(err);
    CU_ASSERT_EQUAL(testutil_remove_dir(dir), 0);
    unlink(sc);
    free(sc);
}


/* ---- a faithful small Lambda (issue 14) ------------------------------------------------- */

/* A CPU-bound scenario: five bursts of 256 images, each one batch on the
 * one provisioned worker (no cold start in the way). */
#define CPU_SCENARIO "{\"duration_s\": 2.4, \"workload\": {\"type\": \"bursty\", \"burst_size\": 256, " \
                     "\"burst_pause_s\": 0.5}, \"batching\": {\"threshold\": 256, \"max_batch\": 256, " \
                     "\"timeout_s\": 0.05}, \"function\": {\"model\": " MODEL "}, " \
                     "\"platform\": {\"provisioned_concurrency\": 1}}"

/* The number after "key": in text (NAN when absent). */
static double json_number_after(const char *text, const char *key)
{
    const char *p = text != NULL ? strstr(text, key) : NULL;
    return p != NULL ? strtod(p + strlen(key), NULL) : (double)NAN;
}

/* How much longer than its own CPU time a batch takes at memory_mb: the
 * mean inference (wall, per request; every batch holds 256) over the
 * mean CPU time the worker reports per batch (its thread's CPU clock).
 * Both come from the same batches of one run, so a virtual CPU that runs
 * slower for a while (the development VM's does, by up to 1.5x for
 * seconds) lengthens both and cancels out; only the cap, and other jobs
 * taking the core, stretch the wall time. NAN when the cap was not
 * enforced (*enforced false). */
/* emulate --json of sc at memory_mb, with --isolate (the run's cgroup
 * goes ahead of other jobs, so the full core at 1769 MB is not eaten by
 * the machine's other load) and `more` options. *enforced: the CPU cap
 * was in force. The output, to free. */
static char *emulate_at(const char *sc, int memory_mb, const char *more, bool *enforced)
{
    char *out = NULL, *err = NULL;
    int rc = testutil_runf(&out, &err, "emulate %s --worker %s --json --isolate %s --set function.memory_mb=%d", sc,
                           testutil_worker_bin(), more, memory_mb);
    CU_ASSERT_EQUAL(rc, 0);
    *enforced = testutil_contains(out, "\"enforced\": true");
    free(err);
    return out;
}

static double cpu_stretch(const char *sc, int memory_mb, bool *enforced)
{
    char *out = emulate_at(sc, memory_mb, "", enforced);
    const char *breakdown = out != NULL ? strstr(out, "\"breakdown_ms\"") : NULL;
    double wall_ms = json_number_after(breakdown, "\"inference\": ");
    double cpu_ms = json_number_after(out, "\"cpu_ms_mean\": ");
    free(out);
    return *enforced && wall_ms > 0 && cpu_ms > 0 ? wall_ms / cpu_ms : (double)NAN;
}

/* The CPU cap is in force: a batch's wall time over its CPU time is 1769 /
 * 512 = 3.46 times as large at 512 MB as at 1769 MB (one vCPU). Accepted:
 * 3.0 to 4.0: the worker paces itself to the share (worker_main.c), 3.5-3.6
 * measured on an idle machine, the chopped batch costing a few % more CPU
 * time. Compared as stretches (wall / CPU of the same batches), not as
 * wall times: CI saw 512 MB at 176.6 ms against 39.1 ms at 1769 MB (4.52)
 * when the two runs met different speeds of the virtual CPU. */
static void test_cpu_cap(void)
{
    if (geteuid() != 0) {
        testutil_skip("the CPU cap test needs root (cgroups)");
        return;
    }
    char *sc = testutil_temp_file(CPU_SCENARIO, ".json");
    bool e1 = false, e2 = false;
    double full = NAN, capped = NAN, ratio = NAN;
    /* Other jobs can still take the core for a while: measure again, up
     * to 5 times, until the ratio is in the band. */
    for (int attempt = 0; attempt < 5; attempt++) {
        full = cpu_stretch(sc, 1769, &e1);
        capped = cpu_stretch(sc, 512, &e2);
        ratio = capped / full;
        if (!e1 || !e2 || (ratio >= 3.0 && ratio <= 4.0))
            break;
        fprintf(stderr, "\n  attempt %d: stretch at 512 MB %.3f, at 1769 MB %.3f: ratio %.2f", attempt + 1, capped,
                full, ratio);
    }
    if (!e1 || !e2) {
        testutil_skip("no usable cgroup cpu controller here");
    } else {
        if (!(ratio >= 3.0 && ratio <= 4.0))
            fprintf(stderr, "\n  stretch at 512 MB %.3f, at 1769 MB %.3f: ratio %.2f\n", capped, full, ratio);
        CU_ASSERT(ratio >= 3.0 && ratio <= 4.0);
    }
    /* No cgroup of the run is left behind. */
    char *out = NULL, *err = NULL;
    CU_ASSERT_EQUAL(testutil_runf(&out, &err, "ls /sys/fs/cgroup/cpu /sys/fs/cgroup/unified 2>/dev/null | "
                                  "grep -c lambdasim-run-; true"), 0);
    free(out);
    free(err);
    unlink(sc);
    free(sc);
}

/* Init runs at one vCPU at least: the simulator does not stretch a cold
 * start by memory (Lambda's Init Duration is flat from 128 to 2048 MB),
 * so neither may the emulator. At 128 MB a capped start takes 1769 / 128 =
 * 13.8 times the CPU's share of time; measured here, capped, 20-22 ms
 * against 3.3 ms at 1769 MB in about half the runs (in the others the
 * kernel let the short start through on the quota's first slice), and
 * uncapped 3.3-3.4 ms in every run. Accepted: each of three runs at 128
 * MB under 2.5 times the 1769 MB one (the host's own speed moves a run by
 * up to 1.6). */
#define COLD_SCENARIO "{\"duration_s\": 1.6, \"workload\": {\"type\": \"bursty\", \"burst_size\": 1, " \
                      "\"burst_pause_s\": 0.3}, \"function\": {\"model\": " MODEL "}, " \
                      "\"platform\": {\"keep_alive_s\": 0.1}}"

/* The mean cold start (ms) of an emulation of sc at memory_mb: every
 * request is a batch of one and six of them start cold. */
static double cold_start_ms(const char *sc, int memory_mb, bool *enforced)
{
    char *out = emulate_at(sc, memory_mb, "--host-costs-only", enforced);
    const char *breakdown = out != NULL ? strstr(out, "\"breakdown_ms\"") : NULL;
    double ms = json_number_after(breakdown, "\"cold_start\": ");
    CU_ASSERT(json_number_after(out, "\"cold\": ") >= 4);
    free(out);
    return ms;
}

static void test_init_uncapped(void)
{
    if (geteuid() != 0) {
        testutil_skip("the init CPU test needs root (cgroups)");
        return;
    }
    char *sc = testutil_temp_file(COLD_SCENARIO, ".json");
    bool e1 = false, e2 = false;
    double full = cold_start_ms(sc, 1769, &e1);
    for (int run = 0; run < 3 && e1; run++) {
        double small = cold_start_ms(sc, 128, &e2);
        if (!e2)
            break;
        if (!(full > 0 && small < 2.5 * full))
            fprintf(stderr, "\n  run %d: cold start at 128 MB %.3f ms, at 1769 MB %.3f ms", run + 1, small, full);
        CU_ASSERT(full > 0 && small < 2.5 * full);
    }
    if (!e1 || !e2)
        testutil_skip("no usable cgroup cpu controller here");
    unlink(sc);
    free(sc);
}

/* A memory whose CPU share exceeds the host's cores is refused by name. */
static void test_memory_too_big(void)
{
    char *sc = testutil_temp_file(CPU_SCENARIO, ".json");
    char *out = NULL, *err = NULL;
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    long mb = (cores + 1) * 1769 > 10240 ? 10240 : (cores + 1) * 1769;
    int rc = testutil_runf(&out, &err, "emulate %s --worker %s --set function.memory_mb=%ld", sc,
                           testutil_worker_bin(), mb);
    if ((double)mb / 1769.0 <= (double)cores) {
        testutil_skip("this machine has enough cores for 10240 MB");
    } else {
        CU_ASSERT_EQUAL(rc, 2);
        TESTUTIL_ASSERT_CONTAINS(err, ": function.memory_mb: ");
        TESTUTIL_ASSERT_CONTAINS(err, "cannot be emulated here");
        CU_ASSERT_STRING_EQUAL(out, "");
    }
    free(out);
    free(err);
    unlink(sc);
    free(sc);
}


/* The latency mean of an emulation (JSON latency_ms.mean). */
static double emulated_mean_ms(const char *sc, const char *extra)
{
    char *out = NULL, *err = NULL;
    int rc = testutil_runf(&out, &err, "emulate %s --worker %s --json %s", sc, testutil_worker_bin(), extra);
    CU_ASSERT_EQUAL(rc, 0);
    double v = json_number_after(out != NULL ? strstr(out, "\"latency_ms\": {") : NULL, "\"mean\": ");
    free(out);
    free(err);
    return v;
}

/* The profile's overhead is injected as a real delay: a profile whose
 * overhead_ms is uniform on [40, 60] ms (mean 50, sd 5.77) raises the mean
 * latency of 40 requests by 50 ms, within 4 standard errors of the draws'
 * mean (4 x 5.77 / sqrt(40) = 3.7 ms) plus 5 ms for the host's own noise
 * (the two runs' sub-ms overheads differ); --host-costs-only turns it off. */
static void test_overhead_injected(void)
{
#define OVERHEAD_SCENARIO(overhead) \
    "{\"seed\": 5, \"duration_s\": 2, \"workload\": {\"type\": \"uniform\", \"rate_rps\": 20}, " \
    "\"function\": {\"model\": {\"memory_mb\": 1769, \"cold_start_ms\": 2, \"overhead_ms\": " overhead ", " \
    "\"inference_ms\": {\"base\": 0.05, \"per_item_ms\": 0.2}}}, \"platform\": {\"provisioned_concurrency\": 1}}"
    char *base = testutil_temp_file(OVERHEAD_SCENARIO("0.01"), ".json");
    char *slow = testutil_temp_file(OVERHEAD_SCENARIO("{\"dist\": \"uniform\", \"min\": 40, \"max\": 60}"), ".json");
    double m0 = emulated_mean_ms(base, "");
    double m1 = emulated_mean_ms(slow, "");
    double off = emulated_mean_ms(slow, "--host-costs-only");
    double tol = 4 * (20 / sqrt(12.0)) / sqrt(40.0) + 5;
    if (!(fabs(m1 - m0 - 50) <= tol))
        fprintf(stderr, "\n  mean latency %.3f ms, with 50 ms overhead %.3f ms (tolerance %.1f)\n", m0, m1, tol);
    CU_ASSERT(fabs(m1 - m0 - 50) <= tol);
    CU_ASSERT(off < m0 + 5);
    unlink(base);
    unlink(slow);
    free(base);
    free(slow);
}

/* The profile's cold start beyond the worker's own is waited out: with
 * cold_start_ms 300 (the worker starts in a few ms), the first request's
 * latency holds a 300 ms cold start (cold_start_ms in the CSV, within
 * 300 .. 300 + 50 ms of wake-up and host noise). */
static void test_cold_start_injected(void)
{
    char *sc = testutil_temp_file("{\"duration_s\": 0.5, \"workload\": {\"type\": \"uniform\", \"rate_rps\": 4}, "
                                  "\"function\": {\"model\": {\"memory_mb\": 1769, \"cold_start_ms\": 300, "
                                  "\"overhead_ms\": 0.01, \"inference_ms\": {\"base\": 0.05, \"per_item_ms\": 0.2}}}}",
                                  ".json");
    char *dir = testutil_temp_dir();
    char *out = NULL, *err = NULL;
    CU_ASSERT_EQUAL(testutil_runf(&out, &err, "emulate %s --worker %s --json --requests-csv %s/r.csv", sc,
                                  testutil_worker_bin(), dir), 0);
    TESTUTIL_ASSERT_CONTAINS(out, "\"profile_costs\": {\"injected\": true,");
    char path[512];
    snprintf(path, sizeof path, "%s/r.csv", dir);
    char *csv = testutil_read_file(path);
    /* Row of request 0: cold_start_ms is column 9. */
    const char *p = csv != NULL ? strstr(csv, "\n0,") : NULL;
    for (int col = 1; col < 9 && p != NULL; col++) {
        p = strchr(p + 1, ',');
    }
    double cold = p != NULL ? strtod(p + 1, NULL) : (double)NAN;
    CU_ASSERT(cold >= 300 && cold < 350);
    if (!(cold >= 300 && cold < 350))
        fprintf(stderr, "\n  cold start %.3f ms\n", cold);
    free(csv);
    free(out);
    free(err);
    CU_ASSERT_EQUAL(testutil_remove_dir(dir), 0);
    unlink(sc);
    free(sc);
}

/* A profile measured here (its cold_start_ms is its host.start_ms) is run
 * with the host's own costs: none of it waited out, so a cold start
 * written as 300 ms (the worker starts in a few ms) stays the worker's own
 * (under 100 ms), and the report says why. */
static void test_host_costs_not_injected(void)
{
    char *sc = testutil_temp_file("{\"duration_s\": 0.5, \"workload\": {\"type\": \"uniform\", \"rate_rps\": 4}, "
                                  "\"function\": {\"model\": {\"memory_mb\": 1769, \"cold_start_ms\": 300, "
                                  "\"overhead_ms\": 50, \"inference_ms\": {\"base\": 0.05, \"per_item_ms\": 0.2}, "
                                  "\"host\": {\"dispatch_ms\": 0.07, \"start_ms\": 300}}}}",
                                  ".json");
    char *out = NULL, *err = NULL;
    CU_ASSERT_EQUAL(testutil_runf(&out, &err, "emulate %s --worker %s --json", sc, testutil_worker_bin()), 0);
    TESTUTIL_ASSERT_CONTAINS(out, "\"profile_costs\": {\"injected\": false, \"host_own\": true,");
    double cold = json_number_after(out != NULL ? strstr(out, "\"breakdown_ms\": {") : NULL, "\"cold_start\": ");
    double overhead = json_number_after(out != NULL ? strstr(out, "\"breakdown_ms\": {") : NULL, "\"overhead\": ");
    CU_ASSERT(cold > 0 && cold < 100);
    CU_ASSERT(overhead >= 0 && overhead < 25);
    if (!(cold > 0 && cold < 100 && overhead >= 0 && overhead < 25))
        fprintf(stderr, "\n  cold start %.3f ms, overhead %.3f ms (mean)\n", cold, overhead);
    free(out);
    free(err);
    CU_ASSERT_EQUAL(testutil_runf(&out, &err, "emulate %s --worker %s", sc, testutil_worker_bin()), 0);
    TESTUTIL_ASSERT_CONTAINS(out, "the host's own (the profile measured them here: not injected)");
    free(out);
    free(err);
    unlink(sc);
    free(sc);
}

/* platform.provisioned with real workers: 2 provisioned instances
 * configured at 0.5 s start their workers then and take requests from
 * 0.5 + ready_delay_s (1.25 s) on; at 2.5 s one of them is retired. Every
 * request before 1.2 s runs on-demand, every one from 1.3 s on a
 * provisioned instance (sub-millisecond work at 10 requests/s: one is
 * always free). */
static void test_pc_schedule_real(void)
{
    char *sc = testutil_temp_file(
        "{\"seed\": 3, \"duration_s\": 3.5, \"workload\": {\"type\": \"uniform\", \"rate_rps\": 10}, "
        "\"function\": {\"model\": {\"memory_mb\": 1769, \"cold_start_ms\": 2, \"overhead_ms\": 0.01, "
        "\"inference_ms\": {\"base\": 0.05, \"per_item_ms\": 0.2}}}, "
        "\"platform\": {\"keep_alive_s\": 60, \"provisioned\": {\"ready_delay_s\": 0.75, "
        "\"schedule\": [{\"at_s\": 0.5, \"value\": 2}, {\"at_s\": 2.5, \"value\": 1}]}}}",
        ".json");
    char *dir = testutil_temp_dir();
    char *out = NULL, *err = NULL;
    CU_ASSERT_EQUAL(testutil_runf(&out, &err, "emulate %s --worker %s --json --requests-csv %s/r.csv", sc,
                                  testutil_worker_bin(), dir), 0);
    TESTUTIL_ASSERT_CONTAINS(out, "\"scheduled_actions\": 2,");
    TESTUTIL_ASSERT_CONTAINS(out, "\"configured_peak\": 2,");
    TESTUTIL_ASSERT_CONTAINS(out, "\"configured_end\": 1,");
    char path[512];
    snprintf(path, sizeof path, "%s/r.csv", dir);
    char *csv = testutil_read_file(path);
    CU_ASSERT_FATAL(csv != NULL);
    size_t rows = 0, wrong = 0;
    for (const char *line = strchr(csv, '\n'); line != NULL && line[1] != '\0'; line = strchr(line + 1, '\n')) {
        /* arrival_s is column 1, provisioned column 15 */
        double f[16];
        const char *p = line + 1;
        for (int col = 0; col < 16 && p != NULL; col++) {
            f[col] = strtod(p, NULL);
            p = strchr(p, ',');
            if (p != NULL)
                p++;
        }
        rows++;
        bool prov = f[15] != 0;
        if ((f[1] < 1.2 && prov) || (f[1] >= 1.3 && !prov)) {
            wrong++;
            fprintf(stderr, "\n  request at %.3f s: provisioned %d\n", f[1], (int)prov);
        }
    }
    CU_ASSERT_EQUAL(rows, 35u);
    CU_ASSERT_EQUAL(wrong, 0u);
    free(csv);
    free(out);
    free(err);
    CU_ASSERT_EQUAL(testutil_remove_dir(dir), 0);
    unlink(sc);
    free(sc);
}

/* The histogram keep-alive policy with real workers follows the simulated
 * decisions: one request a second, 0.25 s bins, 3 idle times to learn;
 * then each instance is unloaded as its request ends and a new worker
 * pre-warmed 0.675 s later (the head bin's edge, 0.75 s, less 10 %) serves
 * the next request warm. The run and its simulation give the same cold
 * starts, unloads, pre-warms and pre-warms used. */
static void test_keepalive_histogram_real(void)
{
    char *sc = testutil_temp_file(
        "{\"seed\": 3, \"duration_s\": 12, \"workload\": {\"type\": \"uniform\", \"rate_rps\": 1}, "
        "\"function\": {\"model\": {\"memory_mb\": 1769, \"cold_start_ms\": 2, \"overhead_ms\": 0.01, "
        "\"inference_ms\": {\"base\": 0.05, \"per_item_ms\": 0.2}}}, "
        "\"platform\": {\"keep_alive_policy\": {\"policy\": \"histogram\", \"range_s\": 10, \"bin_s\": 0.25, "
        "\"min_samples\": 3}}}",
        ".json");
    char *sim = NULL, *real = NULL, *err = NULL;
    CU_ASSERT_EQUAL(testutil_runf(&sim, &err, "run %s --json", sc), 0);
    free(err);
    err = NULL;
    CU_ASSERT_EQUAL(testutil_runf(&real, &err, "emulate %s --worker %s --json", sc, testutil_worker_bin()), 0);
    const char *keys[] = { "\"prewarms\": ", "\"prewarm_hits\": ", "\"unloaded\": " };
    for (size_t i = 0; i < N(keys); i++) {
        double a = json_number_after(sim != NULL ? strstr(sim, "\"keep_alive\": {") : NULL, keys[i]);
        double b = json_number_after(real != NULL ? strstr(real, "\"keep_alive\": {") : NULL, keys[i]);
        if (!(a == b && a >= 5))
            fprintf(stderr, "\n  %s simulated %g, emulated %g\n", keys[i], a, b);
        CU_ASSERT(a == b && a >= 5);
    }
    double ca = json_number_after(sim != NULL ? strstr(sim, "\"cold_starts\": {") : NULL, "\"count\": ");
    double cb = json_number_after(real != NULL ? strstr(real, "\"cold_starts\": {") : NULL, "\"count\": ");
    CU_ASSERT_EQUAL(ca, 1);
    CU_ASSERT_EQUAL(cb, 1);
    free(sim);
    free(real);
    free(err);
    unlink(sc);
    free(sc);
}

static void add_tests(CU_pSuite s)
{
    add_fake_tests(s);
    CU_add_test(s, "emulate: --isolate", test_isolate);
    CU_add_test(s, "emulate: a short run through every feature", test_emulate_runs);
    CU_add_test(s, "emulate: a function faster or slower than its profile is noted, with --host-speed", test_speed_note);
    CU_add_test(s, "emulate: bad input", test_bad_input);
    CU_add_test(s, "emulate: --time-limit", test_time_limit);
    CU_add_test(s, "emulate: SIGINT stops it and its workers", test_sigint);
    CU_add_test(s, "emulate: SIGTERM stops it and its workers", test_sigterm);
    CU_add_test(s, "emulate: SIGKILL leaves no worker", test_sigkill);
    CU_add_test(s, "emulate: a worker killed mid-run fails its requests, the run goes on", test_worker_killed);
    CU_add_test(s, "emulate: Ctrl-C (SIGINT to the process group) exits 130, no orphan", test_sigint_group);
    CU_add_test(s, "emulate + validate, short (uniform batching)", test_short_validation);
    CU_add_test(s, "validate: a late-starting scenario on its own clock", test_replay_clock);
    CU_add_test(s, "emulate: a burst is one scheduled instant; lag reported", test_burst_one_instant);
    CU_add_test(s, "emulate: the CPU cap (512 MB takes ~3.5x as long as 1769 MB)", test_cpu_cap);
    CU_add_test(s, "emulate: init at one vCPU (a 128 MB cold start is not stretched)", test_init_uncapped);
    CU_add_test(s, "emulate: a memory above the host's cores is refused", test_memory_too_big);
    CU_add_test(s, "emulate: the profile's overhead is a real delay", test_overhead_injected);
    CU_add_test(s, "emulate: the profile's cold start is waited out", test_cold_start_injected);
    CU_add_test(s, "emulate: a profile measured here runs the host's own costs", test_host_costs_not_injected);
    CU_add_test(s, "emulate: a provisioned-concurrency schedule with real workers", test_pc_schedule_real);
    CU_add_test(s, "emulate: the histogram keep-alive policy with real workers", test_keepalive_histogram_real);
}

int main(void)
{
    return testutil_main("emulate", add_tests);
}
