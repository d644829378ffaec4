/* test_evq: the future-event heap pops in (time, push order) order, grows,
 * clears, and keeps its invariant under interleaved push/pop. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>
#include "core/evq.h"
#include "testutil.h"

#define N_EVENTS 100000

/* Reference order: time, then push index (carried in id). */
struct ref {
    double time_s;
    uint32_t id;
};

static int cmp_ref(const void *x, const void *y)
{
    const struct ref *a = x, *b = y;
    if (a->time_s < b->time_s)
        return -1;
    if (a->time_s > b->time_s)
        return 1;
    return (a->id > b->id) - (a->id < b->id);
}

/* Pushes n events with the given times (id = push index, kind and gen
 * derived from it), pops them all and compares with a stable sort. */
static void push_pop_compare(struct evq *q, const double *times, size_t n)
{
    struct ref *want = malloc(n * sizeof *want);
    CU_ASSERT_FATAL(want != NULL);
    for (size_t i = 0; i < n; i++) {
        uint32_t id = (uint32_t)i;
        evq_push(q, times[i], id % 7u, id, id ^ 0x5a5au);
        want[i].time_s = times[i];
        want[i].id = id;
    }
    CU_ASSERT_EQUAL(evq_len(q), n);
    qsort(want, n, sizeof *want, cmp_ref);
    size_t mismatches = 0;
    struct evq_event ev;
    for (size_t i = 0; i < n; i++) {
        if (!evq_pop(q, &ev)) {
            mismatches += n - i;
            break;
        }
        if (!(evq_event_time(&ev) == want[i].time_s) || ev.id != want[i].id || ev.kind != want[i].id % 7u ||
            ev.gen != (want[i].id ^ 0x5a5au))
            mismatches++;
    }
    CU_ASSERT_EQUAL(mismatches, 0u);
    CU_ASSERT_EQUAL(evq_len(q), 0u);
    CU_ASSERT_FALSE(evq_pop(q, &ev));
    free(want);
}

/* ---------------------------------------------------------------------- */

static void test_pop_empty(void)
{
    struct evq q;
    evq_init(&q, 0);
    struct evq_event ev;
    CU_ASSERT_EQUAL(evq_len(&q), 0u);
    CU_ASSERT_FALSE(evq_pop(&q, &ev));
    evq_push(&q, 1.0, 3, 4, 5);
    CU_ASSERT_TRUE(evq_pop(&q, &ev));
    CU_ASSERT_DOUBLE_EQUAL(evq_event_time(&ev), 1.0, 0.0);
    CU_ASSERT_EQUAL(ev.kind, 3u);
    CU_ASSERT_EQUAL(ev.id, 4u);
    CU_ASSERT_EQUAL(ev.gen, 5u);
    CU_ASSERT_EQUAL(ev.seq, 0u);
    CU_ASSERT_FALSE(evq_pop(&q, &ev));
    CU_ASSERT_FALSE(evq_pop(&q, &ev));
    evq_fini(&q);
}

/* 1e5 uniformly random times pop in sorted order. */
static void test_random_pushes_sorted(void)
{
    gsl_rng *r = testutil_rng(gsl_rng_mt19937, 1);
    double *t = malloc(N_EVENTS * sizeof *t);
    CU_ASSERT_FATAL(t != NULL);
    for (size_t i = 0; i < N_EVENTS; i++)
        t[i] = 1000.0 * gsl_rng_uniform(r);
    struct evq q;
    evq_init(&q, 64);
    push_pop_compare(&q, t, N_EVENTS);
    evq_fini(&q);
    free(t);
    gsl_rng_free(r);
}

/* Equal times pop in push order: 1e5 events on only 10 distinct times, so
 * each time has ~1e4 ties interleaved with the others. */
static void test_ties_fifo_interleaved(void)
{
    gsl_rng *r = testutil_rng(gsl_rng_mt19937, 2);
    double *t = malloc(N_EVENTS * sizeof *t);
    CU_ASSERT_FATAL(t != NULL);
    for (size_t i = 0; i < N_EVENTS; i++)
        t[i] = 0.5 * (double)gsl_rng_uniform_int(r, 10);
    struct evq q;
    evq_init(&q, 0);
    push_pop_compare(&q, t, N_EVENTS);
    evq_fini(&q);
    free(t);
    gsl_rng_free(r);
}

/* A small hand-made case: ties at 2.0 pushed around other times. */
static void test_ties_fifo_small(void)
{
    struct evq q;
    evq_init(&q, 0);
    evq_push(&q, 2.0, 0, 0, 0);
    evq_push(&q, 1.0, 0, 1, 0);
    evq_push(&q, 2.0, 0, 2, 0);
    evq_push(&q, 3.0, 0, 3, 0);
    evq_push(&q, 2.0, 0, 4, 0);
    evq_push(&q, 0.5, 0, 5, 0);
    evq_push(&q, 2.0, 0, 6, 0);
    const uint32_t want[] = { 5, 1, 0, 2, 4, 6, 3 };
    struct evq_event ev;
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
        CU_ASSERT_TRUE_FATAL(evq_pop(&q, &ev));
        CU_ASSERT_EQUAL(ev.id, want[i]);
    }
    CU_ASSERT_FALSE(evq_pop(&q, &ev));
    /* All at the same time: pure FIFO. */
    for (uint32_t i = 0; i < 100; i++)
        evq_push(&q, 7.0, 0, i, 0);
    for (uint32_t i = 0; i < 100; i++) {
        CU_ASSERT_TRUE_FATAL(evq_pop(&q, &ev));
        CU_ASSERT_EQUAL(ev.id, i);
    }
    evq_fini(&q);
}

/* Ties pushed after earlier events were popped still follow push order,
 * as when an event handler schedules more work for "now". */
static void test_ties_after_pops(void)
{
    struct evq q;
    evq_init(&q, 0);
    evq_push(&q, 5.0, 0, 0, 0);
    evq_push(&q, 1.0, 0, 1, 0);
    struct evq_event ev;
    CU_ASSERT_TRUE(evq_pop(&q, &ev));
    CU_ASSERT_EQUAL(ev.id, 1u);
    evq_push(&q, 5.0, 0, 2, 0);
    evq_push(&q, 1.0, 0, 3, 0); /* same time as the one just popped */
    evq_push(&q, 5.0, 0, 4, 0);
    const uint32_t want[] = { 3, 0, 2, 4 };
    for (size_t i = 0; i < 4; i++) {
        CU_ASSERT_TRUE_FATAL(evq_pop(&q, &ev));
        CU_ASSERT_EQUAL(ev.id, want[i]);
    }
    evq_fini(&q);
}

/* Starting at the minimum capacity, the heap grows well past it, keeps the
 * order, and does not reallocate once it has reached its high-water mark. */
static void test_growth(void)
{
    struct evq q;
    evq_init(&q, 0);
    CU_ASSERT(q.cap >= 1);
    size_t cap0 = q.cap;
    size_t n = 50 * cap0 + 3;
    double *t = malloc(n * sizeof *t);
    CU_ASSERT_FATAL(t != NULL);
    for (size_t i = 0; i < n; i++)
        t[i] = (double)((i * 7919u) % 101u); /* many ties, scrambled */
    push_pop_compare(&q, t, n);
    CU_ASSERT(q.cap >= n);
    const struct evq_event *heap = q.heap;
    size_t cap = q.cap;
    push_pop_compare(&q, t, n);
    CU_ASSERT_PTR_EQUAL(q.heap, heap);
    CU_ASSERT_EQUAL(q.cap, cap);
    evq_fini(&q);
    CU_ASSERT_PTR_NULL(q.heap);
    CU_ASSERT_EQUAL(q.len, 0u);

    /* A capacity hint is honoured: no reallocation below it. */
    evq_init(&q, 1000);
    heap = q.heap;
    for (uint32_t i = 0; i < 1000; i++)
        evq_push(&q, (double)(999u - i), 0, i, 0);
    CU_ASSERT_PTR_EQUAL(q.heap, heap);
    struct evq_event ev;
    CU_ASSERT_TRUE(evq_pop(&q, &ev));
    CU_ASSERT_EQUAL(ev.id, 999u);
    evq_fini(&q);
    free(t);
}

static void test_clear(void)
{
    struct evq q;
    evq_init(&q, 0);
    for (uint32_t i = 0; i < 100; i++)
        evq_push(&q, (double)(i % 10u), 0, i, 0);
    const struct evq_event *heap = q.heap;
    size_t cap = q.cap;
    evq_clear(&q);
    CU_ASSERT_EQUAL(evq_len(&q), 0u);
    struct evq_event ev;
    CU_ASSERT_FALSE(evq_pop(&q, &ev));
    /* Storage is kept; the queue works again and numbering restarts. */
    CU_ASSERT_PTR_EQUAL(q.heap, heap);
    CU_ASSERT_EQUAL(q.cap, cap);
    evq_push(&q, 3.0, 1, 10, 0);
    evq_push(&q, 2.0, 1, 11, 0);
    evq_push(&q, 3.0, 1, 12, 0);
    CU_ASSERT_TRUE(evq_pop(&q, &ev));
    CU_ASSERT_EQUAL(ev.id, 11u);
    CU_ASSERT_EQUAL(ev.seq, 1u);
    CU_ASSERT_TRUE(evq_pop(&q, &ev));
    CU_ASSERT_EQUAL(ev.id, 10u);
    CU_ASSERT_EQUAL(ev.seq, 0u);
    CU_ASSERT_TRUE(evq_pop(&q, &ev));
    CU_ASSERT_EQUAL(ev.id, 12u);
    CU_ASSERT_FALSE(evq_pop(&q, &ev));
    evq_clear(&q); /* on an empty queue */
    CU_ASSERT_EQUAL(evq_len(&q), 0u);
    evq_fini(&q);
}

/* Random interleaving of pushes and pops against a brute-force model: each
 * pop must return the (time, push order)-minimum of the pending set. */
static void test_interleaved_random(void)
{
    gsl_rng *r = testutil_rng(gsl_rng_mt19937, 3);
    enum { OPS = 40000, MAXP = 4096 };
    struct ref *pending = malloc(MAXP * sizeof *pending);
    CU_ASSERT_FATAL(pending != NULL);
    size_t np = 0, mismatches = 0, pops = 0;
    uint32_t next_id = 0;
    struct evq q;
    evq_init(&q, 0);
    for (int op = 0; op < OPS; op++) {
        /* Push with probability 0.55 so the queue drifts up and down. */
        int push = np == 0 || (np < MAXP && gsl_rng_uniform(r) < 0.55);
        if (push) {
            double t = (double)gsl_rng_uniform_int(r, 50); /* plenty of ties */
            evq_push(&q, t, 0, next_id, 0);
            pending[np].time_s = t;
            pending[np].id = next_id++;
            np++;
        } else {
            size_t best = 0;
            for (size_t i = 1; i < np; i++)
                if (cmp_ref(&pending[i], &pending[best]) < 0)
                    best = i;
            struct evq_event ev;
            if (!evq_pop(&q, &ev) || ev.id != pending[best].id || !(evq_event_time(&ev) == pending[best].time_s))
                mismatches++;
            pending[best] = pending[--np];
            pops++;
        }
        if (evq_len(&q) != np)
            mismatches++;
    }
    CU_ASSERT_EQUAL(mismatches, 0u);
    CU_ASSERT(pops > OPS / 3);
    evq_fini(&q);
    free(pending);
    gsl_rng_free(r);
}

/* The simulation pattern ("hold"): pop the earliest event, push one at
 * now + exponential delay. Popped times never decrease. */
static void test_hold_monotone(void)
{
    gsl_rng *r = testutil_rng(gsl_rng_mt19937, 4);
    struct evq q;
    evq_init(&q, 0);
    for (uint32_t i = 0; i < 1000; i++)
        evq_push(&q, -log1p(-gsl_rng_uniform(r)), 0, i, 0);
    double now = -INFINITY;
    int backwards = 0;
    for (uint32_t i = 0; i < N_EVENTS; i++) {
        struct evq_event ev;
        CU_ASSERT_TRUE_FATAL(evq_pop(&q, &ev));
        if (evq_event_time(&ev) < now)
            backwards++;
        now = evq_event_time(&ev);
        /* Every 4th delay is zero: a tie with "now". */
        double delay = i % 4u == 0 ? 0.0 : -log1p(-gsl_rng_uniform(r));
        evq_push(&q, now + delay, 0, 1000u + i, 0);
    }
    CU_ASSERT_EQUAL(backwards, 0);
    CU_ASSERT_EQUAL(evq_len(&q), 1000u);
    evq_fini(&q);
    gsl_rng_free(r);
}

/* A plain binary heap on (time, push index), the reference for the
 * calendar tests below. */
struct ref_heap {
    struct ref *a;
    size_t n;
};

static void ref_push(struct ref_heap *h, struct ref x)
{
    size_t i = h->n++;
    while (i > 0 && cmp_ref(&x, &h->a[(i - 1) / 2]) < 0) {
        h->a[i] = h->a[(i - 1) / 2];
        i = (i - 1) / 2;
    }
    h->a[i] = x;
}

static struct ref ref_pop(struct ref_heap *h)
{
    struct ref top = h->a[0], last = h->a[--h->n];
    size_t i = 0;
    for (;;) {
        size_t c = 2 * i + 1;
        if (c >= h->n)
            break;
        if (c + 1 < h->n && cmp_ref(&h->a[c + 1], &h->a[c]) < 0)
            c++;
        if (cmp_ref(&h->a[c], &last) >= 0)
            break;
        h->a[i] = h->a[c];
        i = c;
    }
    if (h->n > 0)
        h->a[i] = last;
    return top;
}

/* With thousands of events pending the queue runs a calendar tier that
 * re-shapes itself to the event spacing. A hold model whose delay scale
 * jumps by factors of 1,000 (so slots become far too wide, then far too
 * narrow), with bursts of equal times (more than a slot holds), delays of
 * zero, far-future and infinite events, must pop exactly as a plain heap
 * does, through every re-shaping. */
static void test_calendar_vs_reference(void)
{
    gsl_rng *r = testutil_rng(gsl_rng_mt19937, 5);
    enum { PENDING = 3000, STEPS = 400000 };
    struct ref_heap ref = { malloc((PENDING + 64) * sizeof *ref.a), 0 };
    CU_ASSERT_FATAL(ref.a != NULL);
    struct evq q;
    evq_init(&q, 0);
    uint32_t next_id = 0;
    for (int i = 0; i < PENDING; i++) {
        double t = gsl_rng_uniform(r);
        evq_push(&q, t, 0, next_id, 0);
        ref_push(&ref, (struct ref){ t, next_id++ });
    }
    static const double scale[] = { 1.0, 1e-3, 1.0, 1e3, 1e-2 };
    size_t mismatches = 0;
    for (int step = 0; step < STEPS; step++) {
        struct evq_event ev;
        CU_ASSERT_TRUE_FATAL(evq_pop(&q, &ev));
        struct ref want = ref_pop(&ref);
        if (ev.id != want.id || !(evq_event_time(&ev) == want.time_s))
            mismatches++;
        double now = want.time_s, mean = scale[(step / 50000) % 5];
        double t;
        uint32_t kind = (uint32_t)gsl_rng_uniform_int(r, 100);
        if (kind < 5)
            t = now;                        /* a tie with now */
        else if (kind < 8)
            t = floor(now) + 1.0;           /* bursts at whole seconds */
        else if (kind == 8)
            t = now + 1e6 * mean;           /* far beyond the window */
        else if (kind == 9 && step % 1000 == 0)
            t = INFINITY;
        else
            t = now + gsl_ran_exponential(r, mean);
        evq_push(&q, t, 0, next_id, 0);
        ref_push(&ref, (struct ref){ t, next_id++ });
        if (evq_len(&q) != ref.n)
            mismatches++;
    }
    /* Drain: the far and infinite events come out last, in order. */
    while (ref.n > 0) {
        struct evq_event ev;
        struct ref want = ref_pop(&ref);
        if (!evq_pop(&q, &ev) || ev.id != want.id)
            mismatches++;
    }
    CU_ASSERT_EQUAL(mismatches, 0u);
    CU_ASSERT_EQUAL(evq_len(&q), 0u);
    evq_fini(&q);
    free(ref.a);
    gsl_rng_free(r);
}

/* Negative and infinite times order correctly too. */
static void test_extreme_times(void)
{
    const double t[] = { 0.0, -1.0, INFINITY, 1e300, -INFINITY, 1e-300, -0.0, 5.0, INFINITY, 0.0 };
    struct evq q;
    evq_init(&q, 0);
    push_pop_compare(&q, t, sizeof t / sizeof t[0]);
    evq_fini(&q);
}

static void add_tests(CU_pSuite s)
{
    CU_add_test(s, "pop on empty returns false", test_pop_empty);
    CU_add_test(s, "1e5 random pushes pop sorted", test_random_pushes_sorted);
    CU_add_test(s, "equal times FIFO, interleaved (1e5)", test_ties_fifo_interleaved);
    CU_add_test(s, "equal times FIFO, small case", test_ties_fifo_small);
    CU_add_test(s, "ties pushed after pops", test_ties_after_pops);
    CU_add_test(s, "growth beyond initial capacity", test_growth);
    CU_add_test(s, "evq_clear", test_clear);
    CU_add_test(s, "interleaved push/pop vs model", test_interleaved_random);
    CU_add_test(s, "hold pattern: time never goes back", test_hold_monotone);
    CU_add_test(s, "extreme times", test_extreme_times);
    CU_add_test(s, "calendar tier vs a plain heap, re-shaping", test_calendar_vs_reference);
}

int main(void)
{
    return testutil_main("evq", add_tests);
}
