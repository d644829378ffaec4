/* test_batcher: the batching queue of src/core/batcher.h through its own API
 * (no engine): which verdict each arrival and timer check gives (threshold,
 * size cap, timeout), the ids and arrival times a batch carries, the
 * deadline anchored at the oldest queued request, and its re-arming after a
 * batch left by threshold, with exact times on hand-made arrivals. */
#include <stdint.h>
#include "core/batcher.h"

/* batcher_arrive's answer as one number: WAIT, or why the queue leaves. */
#define WAIT (-1)
static int arrive(struct batcher *b, double now_s, uint64_t *id)
{
    enum batch_reason why;
    return batcher_arrive(b, now_s, id, &why) ? (int)why : WAIT;
}
#include "testutil.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

/* Times here are sums of a few short decimals: exact to this much. */
#define EPS 1e-12

static void test_init_empty(void)
{
    struct batcher b;
    batcher_init(&b, 3, 5, 0.25);
    CU_ASSERT_EQUAL(b.threshold, 3);
    CU_ASSERT_EQUAL(b.max_batch, 5);
    CU_ASSERT_DOUBLE_EQUAL(b.timeout_s, 0.25, 0.0);
    CU_ASSERT_EQUAL(b.len, 0);
    CU_ASSERT_EQUAL(b.next_id, 0u);
    /* An empty queue never times out, however late the check. */
    CU_ASSERT(!batcher_timer(&b, 1e9));
    batcher_fini(&b);
    CU_ASSERT_PTR_NULL(b.arrival_s);
}

/* threshold 3 < max_batch 5: the third arrival sends the batch. */
static void test_threshold(void)
{
    struct batcher b;
    batcher_init(&b, 3, 5, 10.0);
    uint64_t id = 99;
    CU_ASSERT_EQUAL(arrive(&b, 0.0, &id), WAIT);
    CU_ASSERT_EQUAL(id, 0u);
    CU_ASSERT_EQUAL(arrive(&b, 0.1, &id), WAIT);
    CU_ASSERT_EQUAL(id, 1u);
    CU_ASSERT_EQUAL(arrive(&b, 0.25, &id), BATCH_BY_THRESHOLD);
    CU_ASSERT_EQUAL(id, 2u);
    double out[5] = { -1, -1, -1, -1, -1 };
    uint64_t first = 99;
    CU_ASSERT_EQUAL(batcher_take(&b, out, &first), 3);
    CU_ASSERT_EQUAL(first, 0u);
    CU_ASSERT_DOUBLE_EQUAL(out[0], 0.0, 0.0);
    CU_ASSERT_DOUBLE_EQUAL(out[1], 0.1, 0.0);
    CU_ASSERT_DOUBLE_EQUAL(out[2], 0.25, 0.0);
    CU_ASSERT_DOUBLE_EQUAL(out[3], -1.0, 0.0); /* nothing written past the batch */
    CU_ASSERT_EQUAL(b.len, 0);
    /* Ids go on from where the batch ended. */
    CU_ASSERT_EQUAL(arrive(&b, 0.3, &id), WAIT);
    CU_ASSERT_EQUAL(id, 3u);
    CU_ASSERT_EQUAL(batcher_take(&b, out, &first), 1);
    CU_ASSERT_EQUAL(first, 3u);
    CU_ASSERT_DOUBLE_EQUAL(out[0], 0.3, 0.0);
    batcher_fini(&b);
}

/* threshold == max_batch: the cap is named, not the threshold, and a batch
 * never holds more than max_batch. threshold 1 sends every request alone. */
static void test_size_cap(void)
{
    struct batcher b;
    batcher_init(&b, 2, 2, 1.0);
    uint64_t id;
    double out[2];
    uint64_t first;
    CU_ASSERT_EQUAL(arrive(&b, 0.5, &id), WAIT);
    CU_ASSERT_EQUAL(arrive(&b, 0.75, &id), BATCH_BY_SIZE);
    CU_ASSERT_EQUAL(batcher_take(&b, out, &first), 2);
    CU_ASSERT_EQUAL(first, 0u);
    CU_ASSERT_DOUBLE_EQUAL(out[1], 0.75, 0.0);
    batcher_fini(&b);

    batcher_init(&b, 1, 4, 1.0);
    CU_ASSERT_EQUAL(arrive(&b, 2.0, &id), BATCH_BY_THRESHOLD);
    CU_ASSERT_EQUAL(batcher_take(&b, out, &first), 1);
    batcher_fini(&b);
    batcher_init(&b, 1, 1, 1.0);
    CU_ASSERT_EQUAL(arrive(&b, 2.0, &id), BATCH_BY_SIZE);
    CU_ASSERT_EQUAL(id, 0u);
    batcher_fini(&b);
}

/* The deadline is the oldest queued arrival + timeout_s, inclusive: a
 * check at exactly that time times out, one a hair before does not. */
static void test_timeout(void)
{
    struct batcher b;
    batcher_init(&b, 4, 4, 1.0);
    uint64_t id;
    CU_ASSERT_EQUAL(arrive(&b, 0.25, &id), WAIT);
    CU_ASSERT_EQUAL(arrive(&b, 0.75, &id), WAIT);
    CU_ASSERT_DOUBLE_EQUAL(batcher_deadline(&b), 1.25, EPS);
    CU_ASSERT(!batcher_timer(&b, 1.2));
    CU_ASSERT(batcher_timer(&b, 1.25));
    CU_ASSERT(batcher_timer(&b, 7.0));
    double out[4];
    uint64_t first;
    CU_ASSERT_EQUAL(batcher_take(&b, out, &first), 2);
    CU_ASSERT_EQUAL(first, 0u);
    CU_ASSERT(!batcher_timer(&b, 7.0));
    batcher_fini(&b);

    /* timeout 0: a lone request times out at its own arrival time. */
    batcher_init(&b, 2, 2, 0.0);
    CU_ASSERT_EQUAL(arrive(&b, 3.5, &id), WAIT);
    CU_ASSERT_DOUBLE_EQUAL(batcher_deadline(&b), 3.5, 0.0);
    CU_ASSERT(batcher_timer(&b, 3.5));
    batcher_fini(&b);
}

/* After a batch leaves by threshold, the timer armed for it is stale: the
 * deadline now belongs to the oldest request queued since. */
static void test_deadline_rearms(void)
{
    struct batcher b;
    batcher_init(&b, 2, 3, 1.0);
    uint64_t id, first;
    double out[3];
    CU_ASSERT_EQUAL(arrive(&b, 0.0, &id), WAIT);
    CU_ASSERT_DOUBLE_EQUAL(batcher_deadline(&b), 1.0, 0.0); /* timer armed here */
    CU_ASSERT_EQUAL(arrive(&b, 0.5, &id), BATCH_BY_THRESHOLD);
    CU_ASSERT_EQUAL(batcher_take(&b, out, &first), 2);
    CU_ASSERT_EQUAL(arrive(&b, 0.7, &id), WAIT);
    CU_ASSERT_EQUAL(id, 2u);
    /* The stale timer fires at 1.0: not yet. */
    CU_ASSERT(!batcher_timer(&b, 1.0));
    CU_ASSERT_DOUBLE_EQUAL(batcher_deadline(&b), 1.7, EPS);
    CU_ASSERT(batcher_timer(&b, 1.7));
    CU_ASSERT_EQUAL(batcher_take(&b, out, &first), 1);
    CU_ASSERT_EQUAL(first, 2u);
    CU_ASSERT_DOUBLE_EQUAL(out[0], 0.7, 0.0);
    batcher_fini(&b);
}

/* ---- A whole run: arrivals and timer events in time order, the timer
 * armed and re-armed the way src/core/engine.c does (one pending timer; a
 * timer that finds no timeout re-arms for the oldest queued request). */

struct sent {
    double at_s;
    int size;
    uint64_t first_id;
    enum batch_reason why;
};

struct run {
    struct sent sent[16];
    int n_sent;
    int timer_fires;
};

static void send(struct batcher *b, struct run *r, double now_s, enum batch_reason why)
{
    double out[16];
    uint64_t first;
    CU_ASSERT_FATAL(r->n_sent < 16 && b->max_batch <= 16);
    int n = batcher_take(b, out, &first);
    r->sent[r->n_sent++] = (struct sent){ now_s, n, first, why };
}

static void run_batcher(int threshold, int max_batch, double timeout_s, const double *arr, size_t n,
                        struct run *r)
{
    struct batcher b;
    batcher_init(&b, threshold, max_batch, timeout_s);
    *r = (struct run){ 0 };
    bool armed = false;
    double timer_s = 0;
    size_t i = 0;
    while (i < n || armed) {
        /* Inputs have no arrival at a timer's exact time. */
        if (armed && (i == n || timer_s < arr[i])) {
            double now = timer_s;
            armed = false;
            /* A timer that re-arms for the time it fired at would loop. */
            CU_ASSERT_FATAL(++r->timer_fires <= (int)n + 1);
            if (batcher_timer(&b, now)) {
                send(&b, r, now, BATCH_BY_TIMEOUT);
            } else if (b.len > 0) {
                armed = true;
                timer_s = batcher_deadline(&b);
            }
            continue;
        }
        uint64_t id;
        int v = arrive(&b, arr[i], &id);
        CU_ASSERT_EQUAL(id, (uint64_t)i);
        if (v != WAIT) {
            send(&b, r, arr[i], (enum batch_reason)v);
        } else if (!armed) {
            armed = true;
            timer_s = batcher_deadline(&b);
        }
        i++;
    }
    CU_ASSERT_EQUAL(b.len, 0);
    batcher_fini(&b);
}

static void expect_sent(const struct run *r, int k, double at_s, int size, uint64_t first,
                        enum batch_reason why)
{
    CU_ASSERT_FATAL(k < r->n_sent);
    CU_ASSERT_DOUBLE_EQUAL(r->sent[k].at_s, at_s, EPS);
    CU_ASSERT_EQUAL(r->sent[k].size, size);
    CU_ASSERT_EQUAL(r->sent[k].first_id, first);
    CU_ASSERT_EQUAL(r->sent[k].why, why);
}

/* threshold 3, max_batch 4, timeout 1 s:
 *   0.0 0.2 0.3       -> threshold at 0.3 (ids 0-2); the timer armed at 0.0
 *                        for 1.0 is now stale
 *   0.9               -> queued; the stale timer at 1.0 re-arms for 1.9
 *   1.1 1.5           -> threshold at 1.5 (ids 3-5); the timer at 1.9 finds
 *                        an empty queue and is not re-armed
 *   2.6 3.0           -> timeout at 3.6 (ids 6-7), anchored at 2.6 */
static void test_run_threshold_and_timeout(void)
{
    const double arr[] = { 0.0, 0.2, 0.3, 0.9, 1.1, 1.5, 2.6, 3.0 };
    struct run r;
    run_batcher(3, 4, 1.0, arr, N(arr), &r);
    CU_ASSERT_EQUAL_FATAL(r.n_sent, 3);
    expect_sent(&r, 0, 0.3, 3, 0, BATCH_BY_THRESHOLD);
    expect_sent(&r, 1, 1.5, 3, 3, BATCH_BY_THRESHOLD);
    expect_sent(&r, 2, 3.6, 2, 6, BATCH_BY_TIMEOUT);
    CU_ASSERT_EQUAL(r.timer_fires, 3); /* 1.0 (stale), 1.9 (empty), 3.6 */
}

/* threshold = max_batch = 3, timeout 0.5 s: a burst of 7 leaves as 3 + 3 by
 * the cap and the last one by timeout; a later pair by timeout too. */
static void test_run_size_cap(void)
{
    const double arr[] = { 1.0, 1.01, 1.02, 1.03, 1.04, 1.05, 1.06, 4.0, 4.25 };
    struct run r;
    run_batcher(3, 3, 0.5, arr, N(arr), &r);
    CU_ASSERT_EQUAL_FATAL(r.n_sent, 4);
    expect_sent(&r, 0, 1.02, 3, 0, BATCH_BY_SIZE);
    expect_sent(&r, 1, 1.05, 3, 3, BATCH_BY_SIZE);
    expect_sent(&r, 2, 1.56, 1, 6, BATCH_BY_TIMEOUT);
    expect_sent(&r, 3, 4.5, 2, 7, BATCH_BY_TIMEOUT);
}

/* A threshold lowered below the queue's length (batching.policy aimd):
 * take removes threshold requests, oldest first, with their ids; the rest
 * stay queued in order, and the deadline follows the new oldest. */
static void test_lowered_threshold(void)
{
    struct batcher b;
    batcher_init(&b, 5, 8, 1.0);
    uint64_t id;
    for (int k = 0; k < 4; k++)
        CU_ASSERT_EQUAL(arrive(&b, 0.25 * k, &id), WAIT);
    b.threshold = 3;
    double out[8];
    uint64_t first = 99;
    CU_ASSERT_EQUAL(batcher_take(&b, out, &first), 3);
    CU_ASSERT_EQUAL(first, 0u);
    CU_ASSERT_DOUBLE_EQUAL(out[2], 0.5, 0.0);
    CU_ASSERT_EQUAL(b.len, 1);
    CU_ASSERT_DOUBLE_EQUAL(batcher_deadline(&b), 0.75 + 1.0, EPS);
    CU_ASSERT_EQUAL(arrive(&b, 1.0, &id), WAIT);
    CU_ASSERT_EQUAL(id, 4u);
    CU_ASSERT_EQUAL(arrive(&b, 1.25, &id), BATCH_BY_THRESHOLD);
    CU_ASSERT_EQUAL(batcher_take(&b, out, &first), 3);
    CU_ASSERT_EQUAL(first, 3u);
    CU_ASSERT_DOUBLE_EQUAL(out[0], 0.75, 0.0);
    CU_ASSERT_DOUBLE_EQUAL(out[2], 1.25, 0.0);
    CU_ASSERT_EQUAL(b.len, 0);
    batcher_fini(&b);
}

static void add_tests(CU_pSuite s)
{
    CU_add_test(s, "init: empty queue, no timeout", test_init_empty);
    CU_add_test(s, "threshold: verdict, ids, arrival times", test_threshold);
    CU_add_test(s, "size cap: threshold == max_batch", test_size_cap);
    CU_add_test(s, "timeout: anchored at the oldest, inclusive", test_timeout);
    CU_add_test(s, "deadline re-arms after a threshold batch", test_deadline_rearms);
    CU_add_test(s, "run: threshold, stale timer, timeout", test_run_threshold_and_timeout);
    CU_add_test(s, "run: size cap then timeout", test_run_size_cap);
    CU_add_test(s, "a lowered threshold takes part of the queue", test_lowered_threshold);
}

int main(void)
{
    return testutil_main("batcher", add_tests);
}
