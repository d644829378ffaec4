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

#endif
