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
#include <time.h>
#include <unistd.h>
#include "engine_fixture.h"
#include "testutil.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))
#define EPS 1e-9

static const struct request_record *rec(const struct fixture_log *log, uint64_t id)
{
    const struct request_record *r = fixture_find(log, id);
    if (r == NULL) {
        CU_FAIL_FATAL("request record missing");
        abort(); /* not reached */
    }
    return r;
}

/* ---- a fake executor: constant costs on a fake clock ---------------------------- */

#define FAKE_SLOTS 64

struct fake {
    const struct scenario *sc;
    double clock;
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
    f->clock = until;
    return 0;
}

static void fake_run(const struct scenario *sc, struct fake *f, struct fixture_log *log, struct engine_result *res,
                     enum engine_status *st)
{
    static char msg[256];
    memset(f, 0, sizeof *f);
    f->sc = sc;
    struct engine_executor x = { .ctx = f, .prepare = fake_prepare, .now = fake_now, .start = fake_start,
                                 .retire = fake_retire, .wait = fake_wait };
    struct engine_real real = { .exec = &x, .time_limit_s = INFINITY, .msg = msg, .msg_len = sizeof msg };
    memset(log, 0, sizeof *log);
    struct engine_hooks hooks = { .on_request = fixture_on_request, .ctx = log };
    *st = engine_run_real(sc, sc->seed, &hooks, &real, res);
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
    fixture_run(&sc, &sim, &rs);
    struct fake f;
    enum engine_status st;
    fake_run(&sc, &f, &real, &rr, &st);
    CU_ASSERT_EQUAL(st, ENGINE_OK);
    CU_ASSERT_EQUAL(f.prepared, 1);
    CU_ASSERT_EQUAL(sim.n, N(t));
    CU_ASSERT_EQUAL(real.n, N(t));
    for (uint64_t id = 0; id < N(t); id++) {
        const struct request_record *a = rec(&sim, id), *b = rec(&real, id);
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
    fixture_run(&sc, &sim, &rs);
    struct fake f;
    enum engine_status st;
    fake_run(&sc, &f, &real, &rr, &st);
    CU_ASSERT_EQUAL(st, ENGINE_OK);
    CU_ASSERT(rs.invocations.throttled > 0);
    CU_ASSERT_EQUAL(rs.invocations.throttled, rr.invocations.throttled);
    CU_ASSERT_EQUAL(rs.requests.failed, rr.requests.failed);
    for (uint64_t id = 0; id < N(t); id++) {
        const struct request_record *a = rec(&sim, id), *b = rec(&real, id);
        CU_ASSERT_DOUBLE_EQUAL(a->end_s, b->end_s, EPS);
        CU_ASSERT_EQUAL(a->status, b->status);
        CU_ASSERT_EQUAL(a->retries, b->retries);
    }
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
    struct fake f;
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
    CU_add_test(s, "real-time loop: time limit and stop flag", test_time_limit_and_stop);
}

static void add_tests(CU_pSuite s)
{
    add_fake_tests(s);
}

int main(void)
{
    return testutil_main("emulate", add_tests);
}
