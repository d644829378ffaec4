/* test_engine: hand-made cases with exact expected times for every batching
 * rule, client gate, instance transition, limit and warm-up ping. */
#include <math.h>
#include <stdio.h>
#include "engine_fixture.h"
#include "testutil.h"

#define EPS 1e-9
#define N(a) (sizeof(a) / sizeof((a)[0]))

/* threshold 2 < max_batch 4: a batch leaves when the 2nd request arrives. */
static void test_threshold(void)
{
    const double t[] = { 0.0, 0.1, 0.2, 0.3 };
    struct scenario sc;
    fixture_scenario(&sc, t, N(t), 0.5, 0.05);
    sc.batching = (struct batching_spec){ .threshold = 2, .max_batch = 4, .timeout_s = 1.0 };
    struct fixture_log log;
    struct engine_result res;
    fixture_run(&sc, &log, &res);
    CU_ASSERT_EQUAL(res.batches.count, 2);
    CU_ASSERT_EQUAL(res.batches.by_threshold, 2);
    CU_ASSERT_EQUAL(res.batches.by_timeout, 0);
    const struct request_record *r0 = fixture_rec(&log, 0), *r1 = fixture_rec(&log, 1),
                                *r3 = fixture_rec(&log, 3);
    CU_ASSERT_DOUBLE_EQUAL(r0->dispatch_s, 0.1, EPS);
    CU_ASSERT_EQUAL(r0->batch_size, 2);
    CU_ASSERT_EQUAL(r0->batch_reason, BATCH_BY_THRESHOLD);
    CU_ASSERT_DOUBLE_EQUAL(r0->end_s, 0.1 + 0.5 + 0.05, EPS); /* cold */
    CU_ASSERT_DOUBLE_EQUAL(r0->latency_ms, 650.0, 1e-6);
    CU_ASSERT_DOUBLE_EQUAL(r1->latency_ms, 550.0, 1e-6);
    CU_ASSERT_EQUAL(r0->batch_id, r1->batch_id);
    /* the first instance is still busy at 0.3: a second cold start */
    CU_ASSERT_DOUBLE_EQUAL(r3->dispatch_s, 0.3, EPS);
    CU_ASSERT_TRUE(r3->cold);
    CU_ASSERT_EQUAL(r3->instance_id, 1);
    CU_ASSERT_EQUAL(res.cold_starts.count, 2);
    CU_ASSERT_DOUBLE_EQUAL(res.batches.mean_size, 2.0, EPS);
    fixture_free(&sc, &log);
}

/* The oldest request waits timeout_s; the timer is anchored at its arrival. */
static void test_timeout(void)
{
    const double t[] = { 0.0, 0.1, 5.0 };
    struct scenario sc;
    fixture_scenario(&sc, t, N(t), 0.0, 0.01);
    sc.batching = (struct batching_spec){ .threshold = 3, .max_batch = 3, .timeout_s = 0.5 };
    struct fixture_log log;
    struct engine_result res;
    fixture_run(&sc, &log, &res);
    CU_ASSERT_EQUAL(res.batches.count, 2);
    CU_ASSERT_EQUAL(res.batches.by_timeout, 2);
    CU_ASSERT_DOUBLE_EQUAL(fixture_rec(&log, 0)->dispatch_s, 0.5, EPS);
    CU_ASSERT_DOUBLE_EQUAL(fixture_rec(&log, 1)->dispatch_s, 0.5, EPS);
    CU_ASSERT_EQUAL(fixture_rec(&log, 1)->batch_size, 2);
    CU_ASSERT_DOUBLE_EQUAL(fixture_rec(&log, 2)->dispatch_s, 5.5, EPS);
    CU_ASSERT_EQUAL(fixture_rec(&log, 2)->batch_reason, BATCH_BY_TIMEOUT);
    CU_ASSERT_DOUBLE_EQUAL(fixture_rec(&log, 1)->latency_ms, 410.0, 1e-6);
    fixture_free(&sc, &log);
}

/* After a threshold dispatch the pending timer belongs to the old batch: the
 * next partial batch must time out relative to its own oldest request. */
static void test_timer_rearm(void)
{
    const double t[] = { 0.0, 0.4, 0.45 };
    struct scenario sc;
    fixture_scenario(&sc, t, N(t), 0.0, 0.01);
    sc.batching = (struct batching_spec){ .threshold = 2, .max_batch = 2, .timeout_s = 0.5 };
    struct fixture_log log;
    struct engine_result res;
    fixture_run(&sc, &log, &res);
    CU_ASSERT_DOUBLE_EQUAL(fixture_rec(&log, 0)->dispatch_s, 0.4, EPS);
    CU_ASSERT_EQUAL(fixture_rec(&log, 0)->batch_reason, BATCH_BY_SIZE); /* threshold == max_batch: full */
    CU_ASSERT_DOUBLE_EQUAL(fixture_rec(&log, 2)->dispatch_s, 0.95, EPS);
    CU_ASSERT_EQUAL(fixture_rec(&log, 2)->batch_reason, BATCH_BY_TIMEOUT);
    fixture_free(&sc, &log);
}

/* Simultaneous arrivals fill batches up to the cap, one after another. */
static void test_size_cap(void)
{
    const double t[] = { 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0 };
    struct scenario sc;
    fixture_scenario(&sc, t, N(t), 0.0, 0.01);
    sc.batching = (struct batching_spec){ .threshold = 3, .max_batch = 3, .timeout_s = 0.2 };
    struct fixture_log log;
    struct engine_result res;
    fixture_run(&sc, &log, &res);
    CU_ASSERT_EQUAL(res.batches.count, 3);
    CU_ASSERT_EQUAL(res.batches.by_size, 2);
    CU_ASSERT_EQUAL(res.batches.by_timeout, 1);
    CU_ASSERT_EQUAL(fixture_rec(&log, 0)->batch_size, 3);
    CU_ASSERT_EQUAL(fixture_rec(&log, 5)->batch_size, 3);
    CU_ASSERT_EQUAL(fixture_rec(&log, 6)->batch_size, 1);
    CU_ASSERT_DOUBLE_EQUAL(fixture_rec(&log, 6)->dispatch_s, 1.2, EPS);
    fixture_free(&sc, &log);
}

/* client.max_inflight = 1: batches wait in FIFO order for the slot. */
static void test_inflight_gate(void)
{
    const double t[] = { 0.0, 0.01, 0.02 };
    struct scenario sc;
    fixture_scenario(&sc, t, N(t), 0.0, 1.0);
    sc.client.max_inflight = 1;
    struct fixture_log log;
    struct engine_result res;
    fixture_run(&sc, &log, &res);
    CU_ASSERT_DOUBLE_EQUAL(fixture_rec(&log, 0)->start_s, 0.0, EPS);
    CU_ASSERT_DOUBLE_EQUAL(fixture_rec(&log, 1)->start_s, 1.0, EPS);
    CU_ASSERT_DOUBLE_EQUAL(fixture_rec(&log, 2)->start_s, 2.0, EPS);
    CU_ASSERT_DOUBLE_EQUAL(fixture_rec(&log, 2)->end_s, 3.0, EPS);
    CU_ASSERT_EQUAL(res.instances.created, 1); /* one at a time: always the same instance */
    CU_ASSERT_DOUBLE_EQUAL(res.breakdown_ms.dispatch_wait, (0 + 990.0 + 1980.0) / 3, 1e-6);
    fixture_free(&sc, &log);
}

/* cold -> busy -> idle -> warm reuse -> idle -> expired -> new cold. */
static void test_instance_lifecycle(void)
{
    const double t[] = { 0.0, 2.0, 10.0 };
    struct scenario sc;
    fixture_scenario(&sc, t, N(t), 0.5, 1.0);
    sc.platform.keep_alive_s = dist_constant(3.0);
    struct fixture_log log;
    struct engine_result res;
    fixture_run(&sc, &log, &res);
    const struct request_record *a = fixture_rec(&log, 0), *b = fixture_rec(&log, 1),
                                *c = fixture_rec(&log, 2);
    CU_ASSERT_TRUE(a->cold);
    CU_ASSERT_DOUBLE_EQUAL(a->cold_start_ms, 500.0, 1e-6);
    CU_ASSERT_DOUBLE_EQUAL(a->end_s, 1.5, EPS);
    CU_ASSERT_FALSE(b->cold); /* idle since 1.5, keep-alive until 4.5 */
    CU_ASSERT_EQUAL(b->instance_id, a->instance_id);
    CU_ASSERT_DOUBLE_EQUAL(b->end_s, 3.0, EPS);
    CU_ASSERT_TRUE(c->cold); /* idle since 3.0, expired at 6.0 */
    CU_ASSERT_EQUAL(c->instance_id, 1);
    CU_ASSERT_EQUAL(res.instances.created, 2);
    CU_ASSERT_EQUAL(res.instances.expired, 1);
    CU_ASSERT_EQUAL(res.invocations.warm, 1);
    CU_ASSERT_EQUAL(res.invocations.cold, 2);
    /* alive: [0,6) one instance, [6,10) none, [10,11.5] one => 7.5/11.5 */
    CU_ASSERT_DOUBLE_EQUAL(res.instances.mean_alive, 7.5 / 11.5, 1e-9);
    CU_ASSERT_DOUBLE_EQUAL(res.instances.mean_busy, (1.5 + 1.0 + 1.5) / 11.5, 1e-9);
    CU_ASSERT_EQUAL(res.instances.peak, 1);
    fixture_free(&sc, &log);

    /* stats.window = arrivals: the means stop at the last arrival (t = 10),
     * the drain after it left out. alive: [0,6) => 6/10; busy: [0,1.5) and
     * [2,3) => 2.5/10. */
    fixture_scenario(&sc, t, N(t), 0.5, 1.0);
    sc.platform.keep_alive_s = dist_constant(3.0);
    sc.window = STATS_WINDOW_ARRIVALS;
    fixture_run(&sc, &log, &res);
    CU_ASSERT_DOUBLE_EQUAL(res.instances.mean_alive, 0.6, 1e-9);
    CU_ASSERT_DOUBLE_EQUAL(res.instances.mean_busy, 0.25, 1e-9);
    CU_ASSERT_DOUBLE_EQUAL(res.instances.mean_idle, 0.35, 1e-9);
    fixture_free(&sc, &log);
}

/* Provisioned instances are used first and never cold-start. */
static void test_provisioned(void)
{
    const double t[] = { 0.0, 0.0, 100.0 };
    struct scenario sc;
    fixture_scenario(&sc, t, N(t), 0.5, 1.0);
    sc.platform.provisioned_concurrency = 1;
    sc.platform.keep_alive_s = dist_constant(10.0);
    struct fixture_log log;
    struct engine_result res;
    fixture_run(&sc, &log, &res);
    CU_ASSERT_TRUE(fixture_rec(&log, 0)->provisioned);
    CU_ASSERT_FALSE(fixture_rec(&log, 0)->cold);
    CU_ASSERT_DOUBLE_EQUAL(fixture_rec(&log, 0)->end_s, 1.0, EPS);
    CU_ASSERT_TRUE(fixture_rec(&log, 1)->cold); /* spill-over */
    CU_ASSERT_TRUE(fixture_rec(&log, 2)->provisioned);
    CU_ASSERT_EQUAL(res.invocations.provisioned, 2);
    CU_ASSERT_EQUAL(res.instances.expired, 1); /* the on-demand one, not the provisioned one */
    /* standby billed in whole 300 s periods: 1 x 1 GB x 300 s */
    CU_ASSERT_DOUBLE_EQUAL(res.cost_usd.provisioned, 300 * 0.0000041667, 1e-12);
    fixture_free(&sc, &log);
}

/* SnapStart: each new instance is a restore, priced per GB; the snapshot
 * cache is billed for the run, at least 3 hours; nothing else changes (the
 * restore time, loaded into cold_start_s by the config, is the cold start). */
static void test_snapstart_cost(void)
{
    const double t[] = { 0.0, 100.0 };
    struct scenario sc;
    fixture_scenario(&sc, t, N(t), 0.25, 1.0);
    sc.platform.keep_alive_s = dist_constant(10.0); /* the first instance expires: 2 restores */
    sc.function.snapstart = true;
    sc.pricing.snapstart_restore_usd_per_gb = 0.0001397998;
    sc.pricing.snapstart_cache_usd_per_gb_s = 0.0000015046;
    sc.pricing.snapstart_cache_min_s = 3 * 3600;
    struct fixture_log log;
    struct engine_result res;
    fixture_run(&sc, &log, &res);
    CU_ASSERT_EQUAL(res.instances.created, 2);
    CU_ASSERT_DOUBLE_EQUAL(fixture_rec(&log, 1)->end_s, 101.25, EPS);
    /* 1 GB: 2 restores, and 10800 s of cache (the run is 101.25 s). */
    double want = 2 * 0.0001397998 + 10800 * 0.0000015046;
    CU_ASSERT_DOUBLE_EQUAL(res.cost_usd.snapstart, want, 1e-15);
    CU_ASSERT_DOUBLE_EQUAL(res.cost_usd.total,
                           res.cost_usd.requests + res.cost_usd.duration + res.cost_usd.provisioned + want, 1e-15);
    /* Without SnapStart the same run has no such charge. */
    fixture_free(&sc, &log);
    fixture_scenario(&sc, t, N(t), 0.25, 1.0);
    sc.platform.keep_alive_s = dist_constant(10.0);
    sc.pricing.snapstart_restore_usd_per_gb = 0.0001397998;
    fixture_run(&sc, &log, &res);
    CU_ASSERT_EQUAL(res.cost_usd.snapstart, 0);
    fixture_free(&sc, &log);
}

static void routing_case(enum routing_policy policy, int64_t expect_uid)
{
    /* instance 0 idle from 1.0, instance 1 idle from 1.5 */
    const double t[] = { 0.0, 0.5, 5.0 };
    struct scenario sc;
    fixture_scenario(&sc, t, N(t), 0.0, 1.0);
    sc.platform.routing = policy;
    struct fixture_log log;
    struct engine_result res;
    fixture_run(&sc, &log, &res);
    CU_ASSERT_EQUAL(fixture_rec(&log, 2)->instance_id, expect_uid);
    fixture_free(&sc, &log);
}

static void test_routing(void)
{
    routing_case(ROUTING_MRU, 1);
    routing_case(ROUTING_LRU, 0);
}

/* Random routing spreads over idle instances (and stays deterministic). */
static void test_routing_random(void)
{
    double t[202];
    t[0] = 0.0;
    t[1] = 0.0;
    for (int i = 2; i < 202; i++)
        t[i] = 10.0 + 10.0 * i;
    struct scenario sc;
    fixture_scenario(&sc, t, N(t), 0.0, 1.0);
    sc.platform.routing = ROUTING_RANDOM;
    sc.platform.keep_alive_s = dist_constant(1e6);
    struct fixture_log log;
    struct engine_result res;
    fixture_run(&sc, &log, &res);
    int on0 = 0;
    for (uint64_t i = 2; i < 202; i++)
        on0 += fixture_rec(&log, i)->instance_id == 0;
    /* 200 fair coin flips: mean 100, sd 7.07; 5 sd either way */
    CU_ASSERT(on0 > 100 - 36 && on0 < 100 + 36);
    fixture_free(&sc, &log);
}

/* reserved_concurrency 1 + drop: the second concurrent request fails. */
static void test_throttle_drop(void)
{
    const double t[] = { 0.0, 0.1, 2.0 };
    struct scenario sc;
    fixture_scenario(&sc, t, N(t), 0.0, 1.0);
    fixture_one_slot(&sc);
    struct fixture_log log;
    struct engine_result res;
    fixture_run(&sc, &log, &res);
    CU_ASSERT_EQUAL(fixture_rec(&log, 1)->status, REQUEST_THROTTLED);
    CU_ASSERT_EQUAL(fixture_rec(&log, 1)->instance_id, -1);
    CU_ASSERT_DOUBLE_EQUAL(fixture_rec(&log, 1)->end_s, 0.1, EPS);
    CU_ASSERT_EQUAL(fixture_rec(&log, 2)->status, REQUEST_OK);
    CU_ASSERT_EQUAL(res.requests.failed, 1);
    CU_ASSERT_EQUAL(res.requests.throttled, 1);
    CU_ASSERT_EQUAL(res.requests.completed, 2);
    CU_ASSERT_EQUAL(res.invocations.throttled, 1);
    fixture_free(&sc, &log);
}

/* retry: backoff with full jitter until the instance is free. */
static void test_throttle_retry(void)
{
    const double t[] = { 0.0, 0.1 };
    struct scenario sc;
    fixture_scenario(&sc, t, N(t), 0.0, 1.0);
    fixture_one_slot_retry(&sc, 0.4, 10, 20);
    struct fixture_log log;
    struct engine_result res;
    fixture_run(&sc, &log, &res);
    const struct request_record *r = fixture_rec(&log, 1);
    CU_ASSERT_EQUAL(r->status, REQUEST_OK);
    CU_ASSERT(r->retries >= 1);
    CU_ASSERT(r->start_s >= 1.0);
    CU_ASSERT_DOUBLE_EQUAL(r->end_s, r->start_s + 1.0, EPS);
    CU_ASSERT_EQUAL(res.requests.retries, (uint64_t)r->retries);
    CU_ASSERT_EQUAL(res.invocations.retries, (uint64_t)r->retries);
    CU_ASSERT_EQUAL(res.requests.throttled, 1);
    /* the retry delay spent before the start is dispatch wait */
    CU_ASSERT_DOUBLE_EQUAL(r->start_s - r->dispatch_s, r->latency_ms / 1000.0 - 1.0, 1e-9);
    fixture_free(&sc, &log);
}

/* Out of retries: fails after exactly max_retries retries. */
static void test_throttle_retry_exhausted(void)
{
    const double t[] = { 0.0, 0.1 };
    struct scenario sc;
    fixture_scenario(&sc, t, N(t), 0.0, 100.0);
    fixture_one_slot_retry(&sc, 0.1, 0.2, 3);
    sc.function.timeout_s = 200;
    struct fixture_log log;
    struct engine_result res;
    fixture_run(&sc, &log, &res);
    CU_ASSERT_EQUAL(fixture_rec(&log, 1)->status, REQUEST_THROTTLED);
    CU_ASSERT_EQUAL(fixture_rec(&log, 1)->retries, 3);
    CU_ASSERT(fixture_rec(&log, 1)->end_s <= 0.1 + 0.1 + 0.2 + 0.2 + EPS);
    fixture_free(&sc, &log);
}

/* The scaling bucket: capacity 1 token, refilled at 0.1 token/s. */
static void test_scaling_rate(void)
{
    const double t[] = { 0.0, 0.1, 10.2 };
    struct scenario sc;
    fixture_scenario(&sc, t, N(t), 0.0, 20.0);
    sc.platform.scale_per_10s = 1;
    struct fixture_log log;
    struct engine_result res;
    fixture_run(&sc, &log, &res);
    CU_ASSERT_EQUAL(fixture_rec(&log, 0)->status, REQUEST_OK);
    CU_ASSERT_EQUAL(fixture_rec(&log, 1)->status, REQUEST_THROTTLED); /* 0.01 tokens */
    CU_ASSERT_EQUAL(fixture_rec(&log, 2)->status, REQUEST_OK);        /* 1 token again after 10 s */
    fixture_free(&sc, &log);
}

/* An invocation over function.timeout_s fails at the timeout and its
 * environment is reset (the next request cold-starts). */
static void test_function_timeout(void)
{
    const double t[] = { 0.0, 5.0 };
    struct scenario sc;
    fixture_scenario(&sc, t, N(t), 0.5, 2.0);
    sc.function.timeout_s = 1.0;
    struct fixture_log log;
    struct engine_result res;
    fixture_run(&sc, &log, &res);
    CU_ASSERT_EQUAL(fixture_rec(&log, 0)->status, REQUEST_TIMED_OUT);
    CU_ASSERT_DOUBLE_EQUAL(fixture_rec(&log, 0)->end_s, 1.0, EPS);
    CU_ASSERT_TRUE(fixture_rec(&log, 1)->cold);
    CU_ASSERT_EQUAL(res.requests.timed_out, 2);
    CU_ASSERT_EQUAL(res.instances.created, 2);
    fixture_free(&sc, &log);
}

/* Warm-up pings create warm instances ahead of a burst. */
static void test_warmup_prewarms(void)
{
    const double t[] = { 5.0, 5.0 };
    struct scenario sc;
    fixture_scenario(&sc, t, N(t), 1.0, 0.1);
    sc.warmup = (struct warmup_spec){ .concurrency = 2, .interval_s = 300, .first_at_s = 0, .hold_s = 0.05 };
    struct fixture_log log;
    struct engine_result res;
    fixture_run(&sc, &log, &res);
    CU_ASSERT_FALSE(fixture_rec(&log, 0)->cold);
    CU_ASSERT_FALSE(fixture_rec(&log, 1)->cold);
    CU_ASSERT_EQUAL(res.warmup.pings, 2);
    CU_ASSERT_EQUAL(res.warmup.cold_pings, 2);
    CU_ASSERT_EQUAL(res.warmup.collisions, 0);
    CU_ASSERT_EQUAL(res.cold_starts.count, 0);
    /* cost: 4 invocations x request price; 2 x ceil(1050 ms) + 2 x 100 ms */
    CU_ASSERT_DOUBLE_EQUAL(res.cost_usd.requests, 4 * 2e-7, 1e-15);
    CU_ASSERT_DOUBLE_EQUAL(res.cost_usd.duration, (2 * 1.05 + 2 * 0.1) * 0.0000166667, 1e-12);
    fixture_free(&sc, &log);
}

/* A request arriving while pings hold every instance cold-starts: a collision. */
static void test_warmup_collision(void)
{
    const double t[] = { 0.5 };
    struct scenario sc;
    fixture_scenario(&sc, t, N(t), 1.0, 0.1);
    sc.warmup = (struct warmup_spec){ .concurrency = 1, .interval_s = 300, .first_at_s = 0, .hold_s = 0.05 };
    struct fixture_log log;
    struct engine_result res;
    fixture_run(&sc, &log, &res);
    CU_ASSERT_TRUE(fixture_rec(&log, 0)->cold);
    CU_ASSERT_EQUAL(res.warmup.collisions, 1);
    fixture_free(&sc, &log);
}

/* Latency is exactly the sum of its parts, per request and on average. */
static void test_breakdown_identity(void)
{
    struct scenario sc;
    const double none[] = { 0 };
    fixture_scenario(&sc, none, 0, 0, 0);
    fixture_poisson(&sc, 20.0, 5000);
    sc.batching = (struct batching_spec){ .threshold = 3, .max_batch = 4, .timeout_s = 0.2 };
    sc.client.max_inflight = 2;
    sc.function.model.cold_start_s = (struct dist){ .kind = DIST_EXPONENTIAL, .a = 0.3 };
    sc.function.model.overhead_s = (struct dist){ .kind = DIST_UNIFORM, .a = 0.01, .b = 0.03 };
    sc.function.model.base_s = (struct dist){ .kind = DIST_GAMMA, .a = 2, .b = 0.02 };
    sc.function.model.per_item_s = 0.005;
    sc.platform.keep_alive_s = dist_constant(2.0);
    struct fixture_log log;
    struct engine_result res;
    fixture_run(&sc, &log, &res);
    CU_ASSERT_EQUAL(log.n, 5000);
    double sum = 0;
    for (size_t i = 0; i < log.n; i++) {
        const struct request_record *r = &log.rec[i];
        double parts = (r->dispatch_s - r->arrival_s) * 1000 + (r->start_s - r->dispatch_s) * 1000 +
                       r->overhead_ms + r->cold_start_ms + r->inference_ms;
        CU_ASSERT_DOUBLE_EQUAL(r->latency_ms, parts, 1e-6);
        sum += r->latency_ms;
    }
    double mean_parts = res.breakdown_ms.batch_wait + res.breakdown_ms.dispatch_wait +
                        res.breakdown_ms.overhead + res.breakdown_ms.cold_start + res.breakdown_ms.inference;
    CU_ASSERT_DOUBLE_EQUAL(res.latency_ms.mean, mean_parts, 1e-6);
    CU_ASSERT_DOUBLE_EQUAL(res.latency_ms.mean, sum / 5000.0, 1e-6);
    fixture_free(&sc, &log);
}

/* warmup_period_s: early requests are simulated but not counted. */
static void test_statistics_window(void)
{
    const double t[] = { 0.0, 1.0, 2.0, 3.0 };
    struct scenario sc;
    fixture_scenario(&sc, t, N(t), 0.0, 0.5);
    sc.warmup_period_s = 1.5;
    struct fixture_log log;
    struct engine_result res;
    fixture_run(&sc, &log, &res);
    CU_ASSERT_EQUAL(log.n, 4);
    CU_ASSERT_EQUAL(res.requests.arrived, 2);
    CU_ASSERT_EQUAL(res.requests.completed, 2);
    CU_ASSERT_FALSE(fixture_rec(&log, 1)->counted);
    CU_ASSERT_TRUE(fixture_rec(&log, 2)->counted);
    /* 2 completed over (3.5 - 2.0) s */
    CU_ASSERT_DOUBLE_EQUAL(res.throughput_rps, 2.0 / 1.5, 1e-9);
    fixture_free(&sc, &log);
}

/* Same seed: identical results; another seed: different. */
static void test_determinism(void)
{
    struct scenario sc;
    const double none[] = { 0 };
    fixture_scenario(&sc, none, 0, 0, 0);
    fixture_poisson(&sc, 5.0, 2000);
    sc.function.model.base_s = (struct dist){ .kind = DIST_EXPONENTIAL, .a = 0.3 };
    struct engine_result a, b, c;
    engine_run(&sc, 7, NULL, &a);
    engine_run(&sc, 7, NULL, &b);
    engine_run(&sc, 8, NULL, &c);
    CU_ASSERT_EQUAL(a.latency_ms.mean, b.latency_ms.mean);
    CU_ASSERT_EQUAL(a.latency_ms.p99, b.latency_ms.p99);
    CU_ASSERT_EQUAL(a.events, b.events);
    CU_ASSERT_NOT_EQUAL(a.latency_ms.mean, c.latency_ms.mean);
    struct fixture_log log = { 0 };
    fixture_free(&sc, &log);
}

struct event_log {
    struct engine_event ev[64];
    int n;
};

static void on_event(void *ctx, const struct engine_event *ev)
{
    struct event_log *log = ctx;
    if (log->n < 64)
        log->ev[log->n] = *ev;
    log->n++;
}

/* The narration hook reports every step in order, with the state after it,
 * and observing a run does not change it. */
static void test_event_hook(void)
{
    const double t[] = { 0.0, 0.1, 5.0 };
    struct scenario sc;
    fixture_scenario(&sc, t, N(t), 0.5, 0.05);
    sc.batching = (struct batching_spec){ .threshold = 2, .max_batch = 4, .timeout_s = 1.0 };
    sc.platform.keep_alive_s = dist_constant(2.0);
    struct event_log log = { .n = 0 };
    struct engine_hooks hooks = { .on_event = on_event, .ctx = &log };
    struct engine_result with, without;
    engine_run(&sc, 1, &hooks, &with);
    engine_run(&sc, 1, NULL, &without);
    CU_ASSERT_EQUAL(memcmp(&with, &without, sizeof with), 0);
    static const enum engine_event_kind want[] = {
        ENGINE_EV_ARRIVAL, ENGINE_EV_ARRIVAL, ENGINE_EV_DISPATCH, ENGINE_EV_INVOKE, ENGINE_EV_DONE,
        ENGINE_EV_COMPLETE, ENGINE_EV_EXPIRE, ENGINE_EV_ARRIVAL, ENGINE_EV_DISPATCH, ENGINE_EV_INVOKE,
        ENGINE_EV_DONE, ENGINE_EV_COMPLETE,
    };
    CU_ASSERT_EQUAL_FATAL(log.n, (int)N(want));
    for (int i = 0; i < log.n; i++)
        CU_ASSERT_EQUAL(log.ev[i].kind, want[i]);
    CU_ASSERT_EQUAL(log.ev[1].queue_len, 2);
    CU_ASSERT_EQUAL(log.ev[2].batch_size, 2);
    CU_ASSERT_EQUAL(log.ev[2].reason, BATCH_BY_THRESHOLD);
    CU_ASSERT_DOUBLE_EQUAL(log.ev[2].time_s, 0.1, EPS);
    CU_ASSERT_EQUAL(log.ev[3].placement, ENGINE_PLACED_COLD);
    CU_ASSERT_DOUBLE_EQUAL(log.ev[3].init_s, 0.5, EPS);
    CU_ASSERT_DOUBLE_EQUAL(log.ev[3].run_s, 0.05, EPS);
    CU_ASSERT_EQUAL(log.ev[3].instances_busy, 1);
    CU_ASSERT_DOUBLE_EQUAL(log.ev[4].time_s, 0.65, EPS);
    CU_ASSERT_EQUAL(log.ev[4].instances_busy, 0);
    CU_ASSERT_DOUBLE_EQUAL(log.ev[6].time_s, 2.65, EPS); /* keep-alive 2 s after 0.65 */
    CU_ASSERT_EQUAL(log.ev[6].instance_id, 0);
    CU_ASSERT_EQUAL(log.ev[8].reason, BATCH_BY_TIMEOUT);
    CU_ASSERT_DOUBLE_EQUAL(log.ev[8].time_s, 6.0, EPS);
    CU_ASSERT_EQUAL(log.ev[9].instance_id, 1);
    CU_ASSERT_EQUAL(log.ev[11].status, REQUEST_OK);
    struct fixture_log flog = { 0 };
    fixture_free(&sc, &flog);
}

/* Pings and throttles are narrated too. */
static void test_event_hook_pings(void)
{
    const double t[] = { 0.5, 0.6 };
    struct scenario sc;
    fixture_scenario(&sc, t, N(t), 1.0, 0.1);
    sc.warmup = (struct warmup_spec){ .concurrency = 1, .interval_s = 300, .first_at_s = 0, .hold_s = 0.05 };
    sc.platform.reserved_concurrency = 2;
    sc.platform.concurrency_limit = 2;
    struct event_log log = { .n = 0 };
    struct engine_hooks hooks = { .on_event = on_event, .ctx = &log };
    struct engine_result res;
    engine_run(&sc, 1, &hooks, &res);
    CU_ASSERT_EQUAL(log.ev[0].kind, ENGINE_EV_WARMUP);
    CU_ASSERT_EQUAL(log.ev[1].kind, ENGINE_EV_INVOKE);
    CU_ASSERT_TRUE(log.ev[1].ping);
    CU_ASSERT_DOUBLE_EQUAL(log.ev[1].init_s, 1.0, EPS);
    int throttles = 0;
    for (int i = 0; i < log.n && i < 64; i++)
        if (log.ev[i].kind == ENGINE_EV_THROTTLE) {
            throttles++;
            CU_ASSERT_EQUAL(log.ev[i].placement, ENGINE_THROTTLED_CONCURRENCY);
            CU_ASSERT_TRUE(log.ev[i].dropped);
        }
    CU_ASSERT_EQUAL(throttles, 1); /* the 2nd request: ping + 1st request hold the limit of 2 */
    CU_ASSERT_EQUAL(res.warmup.collisions, 2);
    struct fixture_log flog = { 0 };
    fixture_free(&sc, &flog);
}

/* stats.latency_from = dispatch: the batching wait is left out of the
 * latency statistics (not out of the per-request records). */
static void test_latency_from_dispatch(void)
{
    const double t[] = { 0.0, 0.1 };
    struct scenario sc;
    fixture_scenario(&sc, t, N(t), 0.5, 0.05);
    sc.batching = (struct batching_spec){ .threshold = 2, .max_batch = 2, .timeout_s = 1.0 };
    sc.latency_from = LATENCY_FROM_DISPATCH;
    struct fixture_log log;
    struct engine_result res;
    fixture_run(&sc, &log, &res);
    CU_ASSERT_DOUBLE_EQUAL(res.latency_ms.mean, 550.0, 1e-6); /* both: 0.1 -> 0.65 */
    CU_ASSERT_DOUBLE_EQUAL(res.latency_ms.max, 550.0, 1e-6);
    CU_ASSERT_DOUBLE_EQUAL(fixture_rec(&log, 0)->latency_ms, 650.0, 1e-6);
    CU_ASSERT_DOUBLE_EQUAL(res.breakdown_ms.batch_wait, 50.0, 1e-6);
    fixture_free(&sc, &log);
}

/* client.max_queue: batches beyond it are rejected at once (bounded
 * memory), counted, and never hold an in-flight slot. */
static void test_client_max_queue(void)
{
    const double t[] = { 0.0, 0.1, 0.2, 0.3, 0.4 };
    struct scenario sc;
    fixture_scenario(&sc, t, N(t), 0.0, 1.0);
    sc.client.max_inflight = 1;
    sc.client.max_queue = 2;
    struct fixture_log log;
    struct engine_result res;
    fixture_run(&sc, &log, &res);
    CU_ASSERT_EQUAL(fixture_rec(&log, 0)->status, REQUEST_OK);
    CU_ASSERT_EQUAL(fixture_rec(&log, 1)->status, REQUEST_OK);
    CU_ASSERT_EQUAL(fixture_rec(&log, 2)->status, REQUEST_OK);
    CU_ASSERT_EQUAL(fixture_rec(&log, 3)->status, REQUEST_REJECTED);
    CU_ASSERT_EQUAL(fixture_rec(&log, 4)->status, REQUEST_REJECTED);
    CU_ASSERT_DOUBLE_EQUAL(fixture_rec(&log, 3)->end_s, 0.3, EPS);
    CU_ASSERT_DOUBLE_EQUAL(fixture_rec(&log, 2)->end_s, 3.0, EPS); /* 0-1, 1-2, 2-3 */
    CU_ASSERT_EQUAL(res.requests.rejected, 2);
    CU_ASSERT_EQUAL(res.requests.failed, 2);
    CU_ASSERT_EQUAL(res.client.rejected_batches, 2);
    CU_ASSERT_EQUAL(res.client.peak_queue, 2);
    fixture_free(&sc, &log);
}

/* More requests in the system than the engine will hold: the run stops
 * with ENGINE_OVERLOAD instead of exhausting memory. */
static void test_overload_guard(void)
{
    const double none[] = { 0 };
    struct scenario sc;
    fixture_scenario(&sc, none, 0, 0.0, 1.0);
    sc.workload.type = WORKLOAD_BURSTY;
    sc.workload.burst_size = (int)ENGINE_MAX_OUTSTANDING + 10;
    sc.workload.burst_pause_s = 100;
    sc.max_requests = ENGINE_MAX_OUTSTANDING + 10;
    sc.stats = STATS_STREAMING;
    sc.client.max_inflight = 1;
    sc.client.max_queue = 100000000;
    struct engine_result res;
    CU_ASSERT_EQUAL(engine_run(&sc, 1, NULL, &res), ENGINE_OVERLOAD);
    struct fixture_log log = { 0 };
    fixture_free(&sc, &log);
}

/* A raised stop flag ends the run early with ENGINE_INTERRUPTED. */
static void test_stop_flag(void)
{
    const double none[] = { 0 };
    struct scenario sc;
    fixture_scenario(&sc, none, 0, 0.0, 0.5);
    fixture_poisson(&sc, 10.0, 100000);
    static volatile sig_atomic_t stop = 1;
    struct engine_hooks hooks = { .stop = &stop };
    struct engine_result res;
    CU_ASSERT_EQUAL(engine_run(&sc, 1, &hooks, &res), ENGINE_INTERRUPTED);
    CU_ASSERT(res.requests.arrived < 100000);
    stop = 0;
    CU_ASSERT_EQUAL(engine_run(&sc, 1, &hooks, &res), ENGINE_OK);
    CU_ASSERT_EQUAL(res.requests.arrived, 100000);
    struct fixture_log log = { 0 };
    fixture_free(&sc, &log);
}

/* model first_invocation_ms: an instance's first batch takes that much
 * longer, whether the instance was cold-started on demand or provisioned;
 * its later batches do not. Constant times: arrivals at 0, 0 (one on the
 * provisioned instance, one spills over to a cold start) and 100 (the
 * provisioned one again); init 0.5 s, inference 1 s, first batch +0.25 s. */
static void test_first_invocation(void)
{
    const double t[] = { 0.0, 0.0, 100.0, 100.0 };
    struct scenario sc;
    fixture_scenario(&sc, t, N(t), 0.5, 1.0);
    sc.platform.provisioned_concurrency = 1;
    sc.platform.keep_alive_s = dist_constant(1000.0);
    sc.function.model.has_first_invocation = true;
    sc.function.model.first_invocation_s = dist_constant(0.25);
    struct fixture_log log;
    struct engine_result res;
    fixture_run(&sc, &log, &res);
    CU_ASSERT_TRUE(fixture_rec(&log, 0)->provisioned);
    CU_ASSERT_DOUBLE_EQUAL(fixture_rec(&log, 0)->inference_ms, 1250.0, 1e-6);
    CU_ASSERT_DOUBLE_EQUAL(fixture_rec(&log, 0)->end_s, 1.25, EPS);
    CU_ASSERT_TRUE(fixture_rec(&log, 1)->cold);
    CU_ASSERT_DOUBLE_EQUAL(fixture_rec(&log, 1)->inference_ms, 1250.0, 1e-6);
    CU_ASSERT_DOUBLE_EQUAL(fixture_rec(&log, 1)->end_s, 1.75, EPS);
    /* Both instances have run: no extra any more. */
    CU_ASSERT_DOUBLE_EQUAL(fixture_rec(&log, 2)->inference_ms, 1000.0, 1e-6);
    CU_ASSERT_DOUBLE_EQUAL(fixture_rec(&log, 3)->inference_ms, 1000.0, 1e-6);
    CU_ASSERT_FALSE(fixture_rec(&log, 3)->cold);
    fixture_free(&sc, &log);
}

static void add_tests(CU_pSuite s)
{
    CU_add_test(s, "stop flag interrupts", test_stop_flag);
    CU_add_test(s, "SnapStart: restores and the snapshot cache priced", test_snapstart_cost);
    CU_add_test(s, "client max_queue rejects", test_client_max_queue);
    CU_add_test(s, "overload guard", test_overload_guard);
    CU_add_test(s, "latency from dispatch", test_latency_from_dispatch);
    CU_add_test(s, "event hook narrates in order", test_event_hook);
    CU_add_test(s, "event hook: pings and throttles", test_event_hook_pings);
    CU_add_test(s, "threshold dispatch", test_threshold);
    CU_add_test(s, "timeout dispatch", test_timeout);
    CU_add_test(s, "timer re-armed after threshold dispatch", test_timer_rearm);
    CU_add_test(s, "size cap", test_size_cap);
    CU_add_test(s, "client in-flight gate", test_inflight_gate);
    CU_add_test(s, "instance lifecycle and keep-alive", test_instance_lifecycle);
    CU_add_test(s, "provisioned concurrency", test_provisioned);
    CU_add_test(s, "first_invocation_ms: an instance's first batch only", test_first_invocation);
    CU_add_test(s, "routing mru/lru", test_routing);
    CU_add_test(s, "routing random", test_routing_random);
    CU_add_test(s, "throttle drop", test_throttle_drop);
    CU_add_test(s, "throttle retry", test_throttle_retry);
    CU_add_test(s, "throttle retry exhausted", test_throttle_retry_exhausted);
    CU_add_test(s, "scaling rate bucket", test_scaling_rate);
    CU_add_test(s, "function timeout", test_function_timeout);
    CU_add_test(s, "warm-up pings pre-warm", test_warmup_prewarms);
    CU_add_test(s, "warm-up ping collision", test_warmup_collision);
    CU_add_test(s, "latency breakdown identity", test_breakdown_identity);
    CU_add_test(s, "statistics window", test_statistics_window);
    CU_add_test(s, "determinism", test_determinism);
}

int main(void)
{
    return testutil_main("engine", add_tests);
}
