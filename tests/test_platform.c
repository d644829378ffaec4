/* test_platform: the instance policy of src/core/platform.h through its own
 * API (no engine): cold vs warm vs provisioned, the keep-alive expiry and
 * its re-arming when an instance is reused, provisioned instances that are
 * never cold and never expire, the concurrency limit, the scaling-rate
 * bucket, mru/lru routing and discarded instances, with exact times. */
#include <math.h>
#include <stdint.h>
#include "core/dist.h"
#include "core/platform.h"
#include "testutil.h"

/* A constant keep-alive and mru/lru routing draw nothing: the generators
 * can be NULL. */
static struct platform_spec spec_of(int provisioned, double keep_alive_s, int limit,
                                    double scale_per_10s)
{
    return (struct platform_spec){
        .provisioned_concurrency = provisioned,
        .keep_alive_s = dist_constant(keep_alive_s),
        .routing = ROUTING_MRU,
        .account_concurrency = limit,
        .concurrency_limit = limit,
        .scale_per_10s = scale_per_10s,
    };
}

static void test_cold_then_warm(void)
{
    struct platform_spec sp = spec_of(0, 10.0, 1000, 1000);
    struct platform p;
    platform_init(&p, &sp, NULL, NULL);
    CU_ASSERT_EQUAL(p.n_alive, 0u);
    uint32_t s0 = PLATFORM_NONE, s1 = PLATFORM_NONE;
    CU_ASSERT_EQUAL(platform_acquire(&p, 0.5, &s0), PLATFORM_COLD);
    const struct instance *in = platform_instance(&p, s0);
    CU_ASSERT_EQUAL(in->uid, 0);
    CU_ASSERT_EQUAL(in->state, INSTANCE_BUSY);
    CU_ASSERT_FALSE(in->provisioned);
    CU_ASSERT_DOUBLE_EQUAL(in->created_s, 0.5, 0.0);
    CU_ASSERT_EQUAL(p.n_busy, 1u);
    CU_ASSERT_EQUAL(p.created, 1u);
    double check_s = -1;
    uint32_t gen = 99;
    CU_ASSERT_TRUE(platform_release(&p, s0, 1.0, &check_s, &gen, NULL));
    CU_ASSERT_DOUBLE_EQUAL(check_s, 11.0, 0.0);
    CU_ASSERT_EQUAL(gen, in->gen);
    CU_ASSERT_EQUAL(in->state, INSTANCE_IDLE);
    CU_ASSERT_DOUBLE_EQUAL(in->idle_since_s, 1.0, 0.0);
    CU_ASSERT_EQUAL(p.n_idle, 1u);
    CU_ASSERT_EQUAL(p.n_busy, 0u);
    /* Within the keep-alive: the same instance, warm. */
    CU_ASSERT_EQUAL(platform_acquire(&p, 2.0, &s1), PLATFORM_WARM);
    CU_ASSERT_EQUAL(s1, s0);
    CU_ASSERT_EQUAL(p.created, 1u);
    CU_ASSERT_EQUAL(p.n_idle, 0u);
    /* A second concurrent invocation needs a second instance. */
    CU_ASSERT_EQUAL(platform_acquire(&p, 2.5, &s1), PLATFORM_COLD);
    CU_ASSERT_NOT_EQUAL(s1, s0);
    CU_ASSERT_EQUAL(platform_instance(&p, s1)->uid, 1);
    CU_ASSERT_EQUAL(p.n_busy, 2u);
    CU_ASSERT_EQUAL(p.n_alive, 2u);
    platform_fini(&p);
}

/* Idle past the keep-alive: reclaimed at exactly release + keep-alive, and
 * the next invocation is cold on a new instance. */
static void test_keep_alive_expiry(void)
{
    struct platform_spec sp = spec_of(0, 10.0, 1000, 1000);
    struct platform p;
    platform_init(&p, &sp, NULL, NULL);
    uint32_t s = 0, gen = 0;
    double check_s = 0;
    bool expired = true;
    CU_ASSERT_EQUAL(platform_acquire(&p, 0.0, &s), PLATFORM_COLD);
    CU_ASSERT_TRUE(platform_release(&p, s, 1.0, &check_s, &gen, NULL));
    CU_ASSERT_DOUBLE_EQUAL(check_s, 11.0, 0.0);
    CU_ASSERT_FALSE(platform_expiry(&p, s, gen, 11.0, &check_s, &expired));
    CU_ASSERT_TRUE(expired);
    CU_ASSERT_EQUAL(p.expired, 1u);
    CU_ASSERT_EQUAL(p.n_alive, 0u);
    CU_ASSERT_EQUAL(p.n_idle, 0u);
    CU_ASSERT_EQUAL(platform_instance(&p, s)->state, INSTANCE_DEAD);
    /* The same check again is stale (the slot's generation moved on). */
    CU_ASSERT_FALSE(platform_expiry(&p, s, gen, 12.0, &check_s, &expired));
    CU_ASSERT_FALSE(expired);
    CU_ASSERT_EQUAL(p.expired, 1u);
    uint32_t s2 = PLATFORM_NONE;
    CU_ASSERT_EQUAL(platform_acquire(&p, 12.0, &s2), PLATFORM_COLD);
    CU_ASSERT_EQUAL(platform_instance(&p, s2)->uid, 1);
    CU_ASSERT_EQUAL(p.created, 2u);
    platform_fini(&p);
}

/* Reused before its keep-alive ran out: the pending check re-arms for the
 * new expiry instead of a second check being scheduled; a check that finds
 * the instance busy lets the next release arm it. */
static void test_keep_alive_rearm(void)
{
    struct platform_spec sp = spec_of(0, 10.0, 1000, 1000);
    struct platform p;
    platform_init(&p, &sp, NULL, NULL);
    uint32_t s = 0, gen = 0, gen2 = 0;
    double check_s = 0;
    bool expired = true;
    CU_ASSERT_EQUAL(platform_acquire(&p, 0.0, &s), PLATFORM_COLD);
    CU_ASSERT_TRUE(platform_release(&p, s, 1.0, &check_s, &gen, NULL));  /* check at 11 */
    CU_ASSERT_EQUAL(platform_acquire(&p, 5.0, &s), PLATFORM_WARM);
    CU_ASSERT_FALSE(platform_release(&p, s, 6.0, &check_s, &gen2, NULL)); /* already armed */
    CU_ASSERT_TRUE(platform_expiry(&p, s, gen, 11.0, &check_s, &expired));
    CU_ASSERT_FALSE(expired);
    CU_ASSERT_DOUBLE_EQUAL(check_s, 16.0, 0.0);
    CU_ASSERT_FALSE(platform_expiry(&p, s, gen, 16.0, &check_s, &expired));
    CU_ASSERT_TRUE(expired);
    CU_ASSERT_EQUAL(p.n_alive, 0u);

    /* Busy when its check comes: no expiry, and release arms a new one. */
    CU_ASSERT_EQUAL(platform_acquire(&p, 20.0, &s), PLATFORM_COLD);
    CU_ASSERT_TRUE(platform_release(&p, s, 21.0, &check_s, &gen, NULL));  /* check at 31 */
    CU_ASSERT_EQUAL(platform_acquire(&p, 25.0, &s), PLATFORM_WARM);
    CU_ASSERT_FALSE(platform_expiry(&p, s, gen, 31.0, &check_s, &expired));
    CU_ASSERT_FALSE(expired);
    CU_ASSERT_EQUAL(p.n_alive, 1u);
    CU_ASSERT_TRUE(platform_release(&p, s, 32.0, &check_s, &gen, NULL));
    CU_ASSERT_DOUBLE_EQUAL(check_s, 42.0, 0.0);
    CU_ASSERT_EQUAL(p.expired, 1u);
    platform_fini(&p);
}

/* Provisioned instances exist before t = 0, are used first, are never cold
 * and never expire, even with a zero keep-alive and a long idle time. */
static void test_provisioned(void)
{
    struct platform_spec sp = spec_of(2, 0.0, 1000, 1000);
    struct platform p;
    platform_init(&p, &sp, NULL, NULL);
    CU_ASSERT_EQUAL(p.n_alive, 2u);
    CU_ASSERT_EQUAL(p.n_idle, 2u);
    CU_ASSERT_EQUAL(p.created, 0u); /* not created by the run */
    uint32_t a = 0, b = 0, c = 0, gen = 0;
    double check_s = -1;
    CU_ASSERT_EQUAL(platform_acquire(&p, 0.0, &a), PLATFORM_PROVISIONED);
    CU_ASSERT_TRUE(platform_instance(&p, a)->provisioned);
    CU_ASSERT_EQUAL(platform_acquire(&p, 0.0, &b), PLATFORM_PROVISIONED);
    CU_ASSERT_EQUAL(platform_acquire(&p, 0.0, &c), PLATFORM_COLD);
    CU_ASSERT_FALSE(platform_instance(&p, c)->provisioned);
    CU_ASSERT_EQUAL(p.created, 1u);
    /* Released: no expiry check for a provisioned instance. */
    CU_ASSERT_FALSE(platform_release(&p, a, 1.0, &check_s, &gen, NULL));
    CU_ASSERT_DOUBLE_EQUAL(check_s, -1.0, 0.0);
    CU_ASSERT_TRUE(platform_release(&p, c, 1.0, &check_s, &gen, NULL));
    CU_ASSERT_DOUBLE_EQUAL(check_s, 1.0, 0.0); /* keep-alive 0 */
    /* An idle provisioned instance wins over an idle on-demand one. */
    uint32_t d = 0;
    CU_ASSERT_EQUAL(platform_acquire(&p, 1.0, &d), PLATFORM_PROVISIONED);
    CU_ASSERT_EQUAL(d, a);
    CU_ASSERT_FALSE(platform_release(&p, d, 2.0, &check_s, &gen, NULL));
    CU_ASSERT_FALSE(platform_release(&p, b, 2.0, &check_s, &gen, NULL));
    CU_ASSERT_EQUAL(platform_acquire(&p, 1e6, &d), PLATFORM_PROVISIONED);
    CU_ASSERT_EQUAL(platform_acquire(&p, 1e6, &d), PLATFORM_PROVISIONED);
    CU_ASSERT_EQUAL(p.expired, 0u);
    platform_fini(&p);
}

/* The limit counts busy instances: at the limit a request is throttled even
 * with an idle instance available; below it again, it runs warm. */
static void test_concurrency_limit(void)
{
    struct platform_spec sp = spec_of(3, 10.0, 2, 1000);
    struct platform p;
    platform_init(&p, &sp, NULL, NULL);
    uint32_t a = 0, b = 0, c = PLATFORM_NONE, gen = 0;
    double check_s = 0;
    CU_ASSERT_EQUAL(platform_acquire(&p, 0.0, &a), PLATFORM_PROVISIONED);
    CU_ASSERT_EQUAL(platform_acquire(&p, 0.0, &b), PLATFORM_PROVISIONED);
    CU_ASSERT_EQUAL(platform_acquire(&p, 0.0, &c), PLATFORM_THROTTLED_CONCURRENCY);
    CU_ASSERT_EQUAL(c, PLATFORM_NONE); /* untouched */
    CU_ASSERT_EQUAL(p.n_busy, 2u);
    CU_ASSERT_EQUAL(p.n_idle, 1u);
    CU_ASSERT_FALSE(platform_release(&p, a, 1.0, &check_s, &gen, NULL));
    CU_ASSERT_EQUAL(platform_acquire(&p, 1.0, &c), PLATFORM_PROVISIONED);
    platform_fini(&p);

    /* On-demand only: the third concurrent request is throttled, not cold. */
    sp = spec_of(0, 10.0, 2, 1000);
    platform_init(&p, &sp, NULL, NULL);
    CU_ASSERT_EQUAL(platform_acquire(&p, 0.0, &a), PLATFORM_COLD);
    CU_ASSERT_EQUAL(platform_acquire(&p, 0.0, &b), PLATFORM_COLD);
    CU_ASSERT_EQUAL(platform_acquire(&p, 0.0, &c), PLATFORM_THROTTLED_CONCURRENCY);
    CU_ASSERT_EQUAL(p.created, 2u);
    CU_ASSERT_TRUE(platform_release(&p, b, 0.5, &check_s, &gen, NULL));
    CU_ASSERT_EQUAL(platform_acquire(&p, 0.75, &c), PLATFORM_WARM);
    CU_ASSERT_EQUAL(c, b);
    platform_fini(&p);
}

/* The scaling bucket: capacity 2 new instances, refilled at 2 per 10 s.
 * Warm reuse costs no token. */
static void test_scaling_rate(void)
{
    struct platform_spec sp = spec_of(0, 100.0, 1000, 2);
    struct platform p;
    platform_init(&p, &sp, NULL, NULL);
    uint32_t s[4], gen = 0;
    double check_s = 0;
    CU_ASSERT_EQUAL(platform_acquire(&p, 0.0, &s[0]), PLATFORM_COLD);
    CU_ASSERT_EQUAL(platform_acquire(&p, 0.0, &s[1]), PLATFORM_COLD);
    CU_ASSERT_EQUAL(platform_acquire(&p, 0.0, &s[2]), PLATFORM_THROTTLED_SCALING);
    CU_ASSERT_EQUAL(platform_acquire(&p, 4.9, &s[2]), PLATFORM_THROTTLED_SCALING);
    CU_ASSERT_EQUAL(platform_acquire(&p, 5.0, &s[2]), PLATFORM_COLD); /* 1 token at 5 s */
    CU_ASSERT_EQUAL(platform_acquire(&p, 5.0, &s[3]), PLATFORM_THROTTLED_SCALING);
    CU_ASSERT_TRUE(platform_release(&p, s[0], 6.0, &check_s, &gen, NULL));
    CU_ASSERT_EQUAL(platform_acquire(&p, 6.0, &s[3]), PLATFORM_WARM);
    CU_ASSERT_EQUAL(p.created, 3u);
    /* Unused rate does not pile up past the capacity: 2 after 1000 s. */
    CU_ASSERT_EQUAL(platform_acquire(&p, 1000.0, &s[0]), PLATFORM_COLD);
    CU_ASSERT_EQUAL(platform_acquire(&p, 1000.0, &s[0]), PLATFORM_COLD);
    CU_ASSERT_EQUAL(platform_acquire(&p, 1000.0, &s[0]), PLATFORM_THROTTLED_SCALING);
    platform_fini(&p);
}

/* mru takes the instance idle the shortest, lru the longest. */
static void test_routing(void)
{
    for (int r = 0; r < 2; r++) {
        struct platform_spec sp = spec_of(0, 100.0, 1000, 1000);
        sp.routing = r == 0 ? ROUTING_MRU : ROUTING_LRU;
        struct platform p;
        platform_init(&p, &sp, NULL, NULL);
        uint32_t a = 0, b = 0, c = 0, gen = 0;
        double check_s = 0;
        CU_ASSERT_EQUAL(platform_acquire(&p, 0.0, &a), PLATFORM_COLD);
        CU_ASSERT_EQUAL(platform_acquire(&p, 0.0, &b), PLATFORM_COLD);
        CU_ASSERT_TRUE(platform_release(&p, a, 1.0, &check_s, &gen, NULL));
        CU_ASSERT_TRUE(platform_release(&p, b, 2.0, &check_s, &gen, NULL));
        CU_ASSERT_EQUAL(platform_acquire(&p, 3.0, &c), PLATFORM_WARM);
        CU_ASSERT_EQUAL(c, r == 0 ? b : a);
        platform_fini(&p);
    }
}

/* A discarded instance (busy after a function timeout, or idle with a dead
 * worker) is gone: its pending expiry check is stale, the next request cold. */
static void test_discard(void)
{
    struct platform_spec sp = spec_of(0, 10.0, 1000, 1000);
    struct platform p;
    platform_init(&p, &sp, NULL, NULL);
    uint32_t a = 0, b = 0, gen = 0;
    double check_s = 0;
    bool expired = true;
    CU_ASSERT_EQUAL(platform_acquire(&p, 0.0, &a), PLATFORM_COLD);
    platform_discard(&p, a);
    CU_ASSERT_EQUAL(p.n_alive, 0u);
    CU_ASSERT_EQUAL(p.n_busy, 0u);
    CU_ASSERT_EQUAL(platform_acquire(&p, 1.0, &b), PLATFORM_COLD);
    CU_ASSERT_TRUE(platform_release(&p, b, 2.0, &check_s, &gen, NULL));
    platform_discard_idle(&p, b);
    CU_ASSERT_EQUAL(p.n_alive, 0u);
    CU_ASSERT_EQUAL(p.n_idle, 0u);
    CU_ASSERT_FALSE(platform_expiry(&p, b, gen, 12.0, &check_s, &expired));
    CU_ASSERT_FALSE(expired);
    CU_ASSERT_EQUAL(p.expired, 0u);
    CU_ASSERT_EQUAL(platform_acquire(&p, 3.0, &a), PLATFORM_COLD);
    CU_ASSERT_EQUAL(platform_instance(&p, a)->uid, 2);
    platform_fini(&p);
}

/* The scaling-rate bucket on its own (serve uses it without a platform):
 * full at start, one token per new instance, refilled continuously at
 * per_10s / 10 a second up to per_10s, and a refused take takes nothing. */
static void test_bucket_alone(void)
{
    struct platform_bucket b;
    platform_bucket_init(&b, 10, 100.0); /* 1 token a second, at most 10 */
    for (int i = 0; i < 10; i++)
        CU_ASSERT(platform_bucket_take(&b, 100.0));
    CU_ASSERT(!platform_bucket_take(&b, 100.0));
    CU_ASSERT(!platform_bucket_take(&b, 100.5)); /* 0.5 token */
    CU_ASSERT_DOUBLE_EQUAL(b.tokens, 0.5, 0.0);
    CU_ASSERT(platform_bucket_take(&b, 101.0)); /* exactly 1 */
    CU_ASSERT_DOUBLE_EQUAL(b.tokens, 0.0, 0.0);
    /* A long idle refills to the cap, no further. */
    CU_ASSERT(platform_bucket_take(&b, 1000.0));
    CU_ASSERT_DOUBLE_EQUAL(b.tokens, 9.0, 0.0);
    /* A time before the last refill (not monotonic) adds nothing. */
    CU_ASSERT(platform_bucket_take(&b, 999.0));
    CU_ASSERT_DOUBLE_EQUAL(b.tokens, 8.0, 0.0);
}

/* Histogram keep-alive policy, through the platform alone: idle times
 * are measured from the moment nothing runs to the next start; once the
 * windows have a pre-warm, a release unloads the instance (a pre-warm due
 * at end + window), the pre-warm loads a new one (alive, not available
 * while loading), and the next acquire finds it warm and pre-warmed. */
static void test_histogram_prewarm(void)
{
    struct platform_spec sp = spec_of(0, 10.0, 1000, 1000);
    sp.keep_alive_policy = (struct keepalive_spec){ .policy = KEEPALIVE_HISTOGRAM, .range_s = 600, .bin_s = 60,
                                                    .head_percentile = 5, .tail_percentile = 99, .margin = 0,
                                                    .min_samples = 1, .cv_threshold = 2, .oob_threshold = 0.5 };
    struct platform p;
    platform_init(&p, &sp, NULL, NULL);
    uint32_t a = PLATFORM_NONE, b = PLATFORM_NONE, c = PLATFORM_NONE;
    double check_s = -1, pre_s = 0;
    uint32_t gen = 0;
    CU_ASSERT_EQUAL(platform_acquire(&p, 0.0, &a), PLATFORM_COLD);
    /* Learning: kept for range_s, nothing unloaded. */
    CU_ASSERT_TRUE(platform_release(&p, a, 1.0, &check_s, &gen, &pre_s));
    CU_ASSERT(isnan(pre_s));
    CU_ASSERT_DOUBLE_EQUAL(check_s, 601.0, 0.0);
    /* Idle 1 -> 131: bin 2; with one sample, head = tail = bin 2: pre-warm
     * 120 s, keep (180 - 120) s, no margin. */
    CU_ASSERT_EQUAL(platform_acquire(&p, 131.0, &b), PLATFORM_WARM);
    CU_ASSERT_EQUAL(b, a);
    CU_ASSERT_FALSE(platform_instance(&p, b)->prewarmed);
    CU_ASSERT_TRUE(p.ka_changed);
    CU_ASSERT_EQUAL(p.idle_times, 1u);
    CU_ASSERT_DOUBLE_EQUAL(p.ka.prewarm_s, 120.0, 0.0);
    CU_ASSERT_DOUBLE_EQUAL(p.ka.keep_alive_s, 60.0, 0.0);
    /* A second start while one runs is no idle time. */
    CU_ASSERT_EQUAL(platform_acquire(&p, 131.5, &c), PLATFORM_COLD);
    CU_ASSERT_EQUAL(p.idle_times, 1u);
    CU_ASSERT_FALSE(platform_release(&p, c, 132.0, &check_s, &gen, &pre_s)); /* unloaded */
    CU_ASSERT_DOUBLE_EQUAL(pre_s, 252.0, 0.0);
    CU_ASSERT_FALSE(p.app_idle); /* b still runs */
    CU_ASSERT_FALSE(platform_release(&p, b, 133.0, &check_s, &gen, &pre_s));
    CU_ASSERT_DOUBLE_EQUAL(pre_s, 253.0, 0.0);
    CU_ASSERT_EQUAL(p.unloaded, 2u);
    CU_ASSERT_EQUAL(p.n_alive, 0u);
    CU_ASSERT_TRUE(p.app_idle);
    CU_ASSERT_DOUBLE_EQUAL(p.app_idle_since_s, 133.0, 0.0);
    /* The first pre-warm loads; the second finds it loading and is skipped. */
    uint32_t w = PLATFORM_NONE, w2 = PLATFORM_NONE;
    CU_ASSERT_TRUE(platform_prewarm(&p, 252.0, &w));
    CU_ASSERT_EQUAL(platform_instance(&p, w)->state, INSTANCE_LOADING);
    CU_ASSERT_EQUAL(p.n_alive, 1u);
    CU_ASSERT_EQUAL(p.n_idle, 0u);
    CU_ASSERT_FALSE(platform_prewarm(&p, 253.0, &w2));
    CU_ASSERT_EQUAL(p.prewarms, 1u);
    CU_ASSERT_EQUAL(p.prewarms_skipped, 1u);
    /* Ready after its init; kept until load + keep-alive = 312. */
    CU_ASSERT_TRUE(platform_prewarm_done(&p, w, 254.0, &check_s, &gen));
    CU_ASSERT_DOUBLE_EQUAL(check_s, 312.0, 0.0);
    CU_ASSERT_EQUAL(p.n_idle, 1u);
    /* The predicted start: warm, on the pre-warmed instance. */
    CU_ASSERT_EQUAL(platform_acquire(&p, 260.0, &a), PLATFORM_WARM);
    CU_ASSERT_EQUAL(a, w);
    CU_ASSERT_TRUE(platform_instance(&p, a)->prewarmed);
    CU_ASSERT_EQUAL(p.prewarm_hits, 1u);
    CU_ASSERT_EQUAL(p.idle_times, 2u); /* 133 -> 260 */
    CU_ASSERT_FALSE(platform_release(&p, a, 261.0, &check_s, &gen, &pre_s));
    /* Unused until its window ends: reclaimed as any idle instance. */
    CU_ASSERT_TRUE(platform_prewarm(&p, 400.0, &w));
    CU_ASSERT_TRUE(platform_prewarm_done(&p, w, 401.0, &check_s, &gen));
    bool expired = false;
    CU_ASSERT_DOUBLE_EQUAL(check_s, 400.0 + p.ka.keep_alive_s, 0.0);
    CU_ASSERT_FALSE(platform_expiry(&p, w, gen, check_s, &check_s, &expired));
    CU_ASSERT_TRUE(expired);
    CU_ASSERT_EQUAL(p.n_alive, 0u);
    platform_fini(&p);
}

static void add_tests(CU_pSuite s)
{
    CU_add_test(s, "scaling bucket on its own", test_bucket_alone);
    CU_add_test(s, "cold, then warm on the same instance", test_cold_then_warm);
    CU_add_test(s, "keep-alive expiry at release + keep-alive", test_keep_alive_expiry);
    CU_add_test(s, "keep-alive re-armed on reuse", test_keep_alive_rearm);
    CU_add_test(s, "provisioned: first, never cold, never expire", test_provisioned);
    CU_add_test(s, "concurrency limit throttles", test_concurrency_limit);
    CU_add_test(s, "scaling-rate bucket", test_scaling_rate);
    CU_add_test(s, "routing: mru and lru", test_routing);
    CU_add_test(s, "discarded instances", test_discard);
    CU_add_test(s, "histogram keep-alive: idle times, unload, pre-warm", test_histogram_prewarm);
}

int main(void)
{
    return testutil_main("platform", add_tests);
}
