/* evq: the future-event list, a binary min-heap on (time, sequence).
 * Events at equal times run in the order they were pushed: the sequence
 * number breaks ties, so runs are deterministic. Pushing never allocates
 * once the heap has reached its high-water mark. */
#ifndef LAMBDASIM_EVQ_H
#define LAMBDASIM_EVQ_H

#include <assert.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

struct evq_event {
    double time_s;
    uint64_t seq;
    uint32_t kind;  /* meaning chosen by the caller */
    uint32_t id;    /* e.g. an instance or batch slot */
    uint32_t gen;   /* generation, for lazy cancellation by the caller */
};

struct evq {
    struct evq_event *heap;
    size_t len;
    size_t cap;
    uint64_t next_seq;
};

void evq_init(struct evq *q, size_t cap_hint);
void evq_fini(struct evq *q);
/* Drop every event (keeps the storage); sequence numbering restarts. */
void evq_clear(struct evq *q);
static inline size_t evq_len(const struct evq *q) { return q->len; }

/* True when event x runs before event y: earlier time, or the same time and
 * pushed earlier. */
static inline bool evq_before(const struct evq_event *x, const struct evq_event *y)
{
    return x->time_s < y->time_s || (x->time_s == y->time_s && x->seq < y->seq);
}

/* A double's bits as an unsigned integer that orders as the double does
 * (negative: all bits flipped; otherwise the sign bit set). -0.0 is never
 * stored (evq_push_seq makes it +0.0), so equal times give equal keys. */
static inline uint64_t evq_time_key(double t)
{
    uint64_t b;
    memcpy(&b, &t, sizeof b);
    return b ^ ((uint64_t)((int64_t)b >> 63) | 0x8000000000000000u);
}

/* The same order as evq_before, as a 0/1 value computed without branches:
 * which of two sibling events is earlier is a coin flip for the branch
 * predictor. (time key, seq) compares as one 128-bit integer. */
static inline size_t evq_before_bit(const struct evq_event *x, const struct evq_event *y)
{
    uint64_t tx = evq_time_key(x->time_s), ty = evq_time_key(y->time_s);
#ifdef __SIZEOF_INT128__
    __extension__ typedef unsigned __int128 u128;
    return (size_t)((((u128)tx << 64) | x->seq) < (((u128)ty << 64) | y->seq));
#else
    return (size_t)((tx < ty) | ((tx == ty) & (x->seq < y->seq)));
#endif
}

/* The earliest event, without removing it; NULL when empty. */
static inline const struct evq_event *evq_top(const struct evq *q)
{
    return q->len > 0 ? &q->heap[0] : NULL;
}

/* Out of line: doubles the heap's storage (the rare part of a push). */
void evq_grow(struct evq *q);

/* Pushes with a sequence number the caller took from another queue
 * (evq_take_seq): events kept in several heaps then still have one total
 * order, as if they were all in one. Inline, as pop: the simulator does one
 * of each per request. */
static inline void evq_push_seq(struct evq *q, double time_s, uint64_t seq, uint32_t kind, uint32_t id,
                                uint32_t gen)
{
    /* Never NaN: it would break the heap order. -0.0 becomes +0.0, so
     * that equal times have equal keys (evq_time_key). */
    assert(time_s == time_s);
    time_s += 0.0;
    if (q->len == q->cap)
        evq_grow(q);
    struct evq_event ev = { .time_s = time_s, .seq = seq, .kind = kind, .id = id, .gen = gen };
    /* Sift up with a hole instead of swaps. */
    size_t i = q->len++;
    while (i > 0) {
        size_t parent = (i - 1) / 2;
        if (!evq_before(&ev, &q->heap[parent]))
            break;
        q->heap[i] = q->heap[parent];
        i = parent;
    }
    q->heap[i] = ev;
}

static inline void evq_push(struct evq *q, double time_s, uint32_t kind, uint32_t id, uint32_t gen)
{
    evq_push_seq(q, time_s, q->next_seq++, kind, id, gen);
}

/* Removes the earliest event of a non-empty queue into *out. Bottom-up
 * (Floyd): the hole left at the top moves down along the earlier child to a
 * leaf, one comparison per level, and the last event sifts up from there,
 * which is rarely more than a step as it came from the bottom. Half the
 * comparisons of the textbook sift-down when ~1,000 events are pending. */
static inline void evq_pop_top(struct evq *q, struct evq_event *out)
{
    assert(q->len > 0);
    *out = q->heap[0];
    size_t n = --q->len;
    if (n == 0)
        return;
    struct evq_event last = q->heap[n];
    size_t i = 0, child = 1;
    while (child + 1 < n) {
        child += evq_before_bit(&q->heap[child + 1], &q->heap[child]);
        q->heap[i] = q->heap[child];
        i = child;
        child = 2 * i + 1;
    }
    if (child < n) { /* a last node with one child */
        q->heap[i] = q->heap[child];
        i = child;
    }
    while (i > 0) {
        size_t parent = (i - 1) / 2;
        if (!evq_before(&last, &q->heap[parent]))
            break;
        q->heap[i] = q->heap[parent];
        i = parent;
    }
    q->heap[i] = last;
}

/* Removes the earliest event into *out; false when empty. */
static inline bool evq_pop(struct evq *q, struct evq_event *out)
{
    if (q->len == 0)
        return false;
    evq_pop_top(q, out);
    return true;
}

/* Takes the next sequence number without pushing: for an event the caller
 * keeps outside the heap (the next arrival) but orders against the heap
 * with evq_before, exactly as if it had been pushed now. */
static inline uint64_t evq_take_seq(struct evq *q) { return q->next_seq++; }

#endif
