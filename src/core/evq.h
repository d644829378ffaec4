/* evq: the future-event list. Pops events in (time, push order) order:
 * events at equal times run in the order they were pushed, so runs are
 * deterministic. Pushing never allocates once the storage has reached its
 * high-water mark.
 *
 * Two tiers. A 4-ary min-heap holds every event while few are pending.
 * Past EVQ_CALENDAR_ON pending events a calendar queue (Brown 1988) takes
 * the near ones: slot number floor(time / width), for times within one turn
 * of the calendar from the last popped event, each slot a few events held
 * in place; the heap keeps the rest (farther, earlier, not finite, or a
 * full slot). The earliest event is the earlier of the calendar's (the
 * first non-empty slot from the current one, found in a bitmap, then the
 * earliest of its few events) and the heap's top. With ~1,000 pending
 * events (the wide bench) a heap pop walked five levels of dependent loads
 * and compares, 40 % of the run; a calendar pop reads a bitmap word and one
 * or two cache lines. The width and slot count adapt (evq.c). */
#ifndef LAMBDASIM_EVQ_H
#define LAMBDASIM_EVQ_H

#include <assert.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

struct evq_event {
    uint64_t key;   /* the time, as an integer that orders like it (see
                       evq_time_key): integer compares are cheaper */
    uint64_t seq;
    uint32_t kind;  /* meaning chosen by the caller */
    uint32_t id;    /* e.g. an instance or batch slot */
    uint32_t gen;   /* generation, for lazy cancellation by the caller */
    uint32_t pad;   /* 32 bytes: moved in two 16-byte halves when sifting */
};

#define EVQ_CALENDAR_ON 512
#define EVQ_SLOT_CAP 4      /* events held in a calendar slot (128 bytes) */

struct evq_calendar {
    bool on;
    double inv_width;       /* slots per second */
    int64_t cur;            /* slot number of the last popped event: the
                               window is slot numbers [cur, cur + n) */
    uint32_t n, mask;       /* slots, a power of two */
    struct evq_event *ev;   /* n x EVQ_SLOT_CAP, slot s at ev[s * CAP] */
    uint8_t *count;         /* events in each slot */
    uint64_t *bits;         /* slots that hold events */
    size_t len;
    /* The earliest event of both tiers when known (evq_top), NULL when not. */
    const struct evq_event *top;
    /* The earliest calendar event when known: slot and place in it. */
    bool min_known;
    uint32_t min_slot, min_at;
    /* For adapting: pops since the last check, events and bitmap words
     * looked at, pushes sent to the heap for a full slot or outside. */
    uint32_t pops;
    uint64_t scanned, words, full, outside;
};

struct evq {
    struct evq_event *heap; /* the heap tier */
    size_t len;             /* events in the heap tier */
    size_t cap;
    uint64_t next_seq;
    struct evq_calendar cal;
};

void evq_init(struct evq *q, size_t cap_hint);
void evq_fini(struct evq *q);
/* Drop every event (keeps the heap's storage); sequence numbering restarts. */
void evq_clear(struct evq *q);
static inline size_t evq_len(const struct evq *q) { return q->len + q->cal.len; }

/* A time as an unsigned integer that orders as the double does (negative:
 * all bits flipped; otherwise the sign bit set). -0.0 becomes +0.0 first, so
 * equal times give equal keys. Never NaN: it has no place in the order. */
static inline uint64_t evq_time_key(double t)
{
    assert(t == t);
    t += 0.0;
    uint64_t b;
    memcpy(&b, &t, sizeof b);
    return b ^ ((0 - (b >> 63)) | 0x8000000000000000u); /* all ones when negative */
}

/* The time an event's key stands for (the inverse of evq_time_key). */
static inline double evq_event_time(const struct evq_event *ev)
{
    uint64_t b = ev->key >> 63 ? ev->key ^ 0x8000000000000000u : ~ev->key;
    double t;
    memcpy(&t, &b, sizeof t);
    return t;
}

/* True when event x runs before event y: earlier time, or the same time and
 * pushed earlier. */
static inline bool evq_before(const struct evq_event *x, const struct evq_event *y)
{
    return x->key < y->key || (x->key == y->key && x->seq < y->seq);
}

/* The same order as a 0/1 value computed without branches: which of two
 * sibling events is earlier is a coin flip for the branch predictor.
 * (key, seq) compares as one 128-bit integer. */
static inline size_t evq_before_bit(const struct evq_event *x, const struct evq_event *y)
{
#ifdef __SIZEOF_INT128__
    __extension__ typedef unsigned __int128 u128;
    return (size_t)((((u128)x->key << 64) | x->seq) < (((u128)y->key << 64) | y->seq));
#else
    return (size_t)((x->key < y->key) | ((x->key == y->key) & (x->seq < y->seq)));
#endif
}

/* (xk, xs) < (yk, ys) as one 128-bit comparison: 0 or 1, no branch. */
static inline size_t evq_less(uint64_t xk, uint64_t xs, uint64_t yk, uint64_t ys)
{
#ifdef __SIZEOF_INT128__
    __extension__ typedef unsigned __int128 u128;
    return (size_t)((((u128)xk << 64) | xs) < (((u128)yk << 64) | ys));
#else
    return (size_t)((xk < yk) | ((xk == yk) & (xs < ys)));
#endif
}

/* Out of line: the calendar tier, and growing the heap's storage. */
void evq_grow(struct evq *q);
const struct evq_event *evq_calendar_top(struct evq *q);
void evq_calendar_push(struct evq *q, double time_s, const struct evq_event *ev);
void evq_calendar_pop(struct evq *q, struct evq_event *out);
void evq_calendar_start(struct evq *q);

/* The earliest event, without removing it; NULL when empty. Valid until
 * the next push or pop. */
static inline const struct evq_event *evq_top(struct evq *q)
{
    if (q->cal.on)
        return q->cal.top != NULL ? q->cal.top : evq_calendar_top(q);
    return q->len > 0 ? &q->heap[0] : NULL;
}

/* Adds ev to the heap tier. */
static inline void evq_heap_push(struct evq *q, struct evq_event ev)
{
    if (q->len == q->cap)
        evq_grow(q);
    /* Sift up with a hole instead of swaps. */
    size_t i = q->len++;
    while (i > 0) {
        size_t parent = (i - 1) / 4;
        if (!evq_before(&ev, &q->heap[parent]))
            break;
        q->heap[i] = q->heap[parent];
        i = parent;
    }
    q->heap[i] = ev;
}

/* Pushes with a sequence number the caller took from another queue
 * (evq_take_seq): events kept in several queues then still have one total
 * order, as if they were all in one. Inline, as pop: the simulator does one
 * of each per request. */
static inline void evq_push_seq(struct evq *q, double time_s, uint64_t seq, uint32_t kind, uint32_t id,
                                uint32_t gen)
{
    struct evq_event ev = { .key = evq_time_key(time_s), .seq = seq, .kind = kind, .id = id, .gen = gen };
    if (q->cal.on) {
        evq_calendar_push(q, time_s, &ev);
        return;
    }
    evq_heap_push(q, ev);
    if (q->len > EVQ_CALENDAR_ON)
        evq_calendar_start(q);
}

static inline void evq_push(struct evq *q, double time_s, uint32_t kind, uint32_t id, uint32_t gen)
{
    evq_push_seq(q, time_s, q->next_seq++, kind, id, gen);
}

/* Removes the heap tier's earliest event (it must have one) into *out. Four children
 * per node halve the depth of a binary heap (5 levels for ~1,000 pending
 * events instead of 10) and so the moves. Bottom-up (Floyd): the hole left
 * at the top moves down along the earliest child to a leaf, and the last
 * event sifts up from there, rarely more than a step as it came from the
 * bottom. The earliest of four is found without branches (which of several
 * random times is earliest is a coin flip for the branch predictor). */
static inline void evq_heap_pop(struct evq *q, struct evq_event *out)
{
    assert(q->len > 0);
    struct evq_event *h = q->heap;
    *out = h[0];
    size_t n = --q->len;
    if (n == 0)
        return;
    if (n <= 4) {
        /* The rest are all children of the root (the common case of a few
         * pending events): the earliest becomes the root, the last entry
         * takes its place. */
        size_t m = 1;
        for (size_t k = 2; k <= n; k++)
            if (evq_before(&h[k], &h[m]))
                m = k;
        h[0] = h[m];
        h[m] = h[n];
        return;
    }
    struct evq_event last = h[n];
    size_t i = 0, c = 1;
    while (c + 3 < n) {
        /* The four children's (key, seq) are read once into registers and
         * the earliest is chosen with masks, not branches: the walk down
         * then waits per level for one round of loads and three compares,
         * not also for reloads of the pair winners. */
        const struct evq_event *g = &h[c];
        uint64_t ak = g[0].key, as = g[0].seq, bk = g[1].key, bs = g[1].seq;
        uint64_t dk = g[2].key, ds = g[2].seq, ek = g[3].key, es = g[3].seq;
        uint64_t ab = 0 - (uint64_t)evq_less(bk, bs, ak, as);
        uint64_t de = 0 - (uint64_t)evq_less(ek, es, dk, ds);
        uint64_t xk = ak ^ ((ak ^ bk) & ab), xs = as ^ ((as ^ bs) & ab);
        uint64_t yk = dk ^ ((dk ^ ek) & de), ys = ds ^ ((ds ^ es) & de);
        uint64_t yx = 0 - (uint64_t)evq_less(yk, ys, xk, xs);
        size_t xi = c + (size_t)(ab & 1), yi = c + 2 + (size_t)(de & 1);
        size_t m = xi ^ ((xi ^ yi) & (size_t)yx);
        h[i] = h[m];
        i = m;
        c = 4 * i + 1;
    }
    if (c < n) { /* the last node with children has fewer than four */
        size_t m = c;
        for (size_t k = c + 1; k < n; k++)
            if (evq_before(&h[k], &h[m]))
                m = k;
        h[i] = h[m];
        i = m;
    }
    while (i > 0) {
        size_t parent = (i - 1) / 4;
        if (!evq_before(&last, &h[parent]))
            break;
        h[i] = h[parent];
        i = parent;
    }
    h[i] = last;
}

/* Removes the earliest event of a non-empty queue into *out. */
static inline void evq_pop_top(struct evq *q, struct evq_event *out)
{
    if (q->cal.on) {
        evq_calendar_pop(q, out);
        return;
    }
    evq_heap_pop(q, out);
}

/* Removes the earliest event into *out; false when empty. */
static inline bool evq_pop(struct evq *q, struct evq_event *out)
{
    if (evq_len(q) == 0)
        return false;
    evq_pop_top(q, out);
    return true;
}

/* Takes the next sequence number without pushing: for an event the caller
 * keeps outside the heap (the next arrival) but orders against the heap
 * with evq_before, exactly as if it had been pushed now. */
static inline uint64_t evq_take_seq(struct evq *q) { return q->next_seq++; }

#endif
