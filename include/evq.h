/* evq: the future-event list, a binary min-heap on (time, sequence).
 * Events at equal times run in the order they were pushed: the sequence
 * number breaks ties, so runs are deterministic. Pushing never allocates
 * once the heap has reached its high-water mark. */
#ifndef LAMBDASIM_EVQ_H
#define LAMBDASIM_EVQ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

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
void evq_push(struct evq *q, double time_s, uint32_t kind, uint32_t id, uint32_t gen);
/* Removes the earliest event into *out; false when empty. */
bool evq_pop(struct evq *q, struct evq_event *out);
static inline size_t evq_len(const struct evq *q) { return q->len; }

/* True when event x runs before event y: earlier time, or the same time and
 * pushed earlier. */
static inline bool evq_before(const struct evq_event *x, const struct evq_event *y)
{
    return x->time_s < y->time_s || (x->time_s == y->time_s && x->seq < y->seq);
}

/* The earliest event, without removing it; NULL when empty. */
static inline const struct evq_event *evq_top(const struct evq *q)
{
    return q->len > 0 ? &q->heap[0] : NULL;
}

/* Takes the next sequence number without pushing: for an event the caller
 * keeps outside the heap (the next arrival) but orders against the heap
 * with evq_before, exactly as if it had been pushed now. */
static inline uint64_t evq_take_seq(struct evq *q) { return q->next_seq++; }

#endif
