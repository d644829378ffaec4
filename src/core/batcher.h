/* batcher: the dynamic batching queue in front of the function.
 * FIFO; a batch leaves when `threshold` requests are queued, when the queue
 * reaches `max_batch` (size cap), or when the oldest queued request has
 * waited `timeout_s` (timer anchored at that request's arrival), whichever
 * comes first. It holds arrival times only: request ids are consecutive, so
 * the id of the oldest queued request is implied by the arrival count. */
#ifndef LAMBDASIM_BATCHER_H
#define LAMBDASIM_BATCHER_H

#include <assert.h>
#include <stdbool.h>
#include <stdint.h>

/* Why a batch leaves the queue, as the engine's records and outputs name
 * it: X(ID, "name"). The queue reached the threshold (below max_batch),
 * its oldest request waited timeout_s, the queue reached max_batch, or
 * (batching.policy slo) its oldest request's slack fell to the predicted
 * latency of the batch. */
#define BATCH_REASONS(X)              \
    X(THRESHOLD, "threshold")         \
    X(TIMEOUT, "timeout")             \
    X(SIZE, "size")                   \
    X(SLACK, "slack")

enum batch_reason {
#define BATCH_REASON_ENUM(id, name) BATCH_BY_##id,
    BATCH_REASONS(BATCH_REASON_ENUM)
#undef BATCH_REASON_ENUM
};

struct batcher {
    int threshold;
    int max_batch;
    double timeout_s;
    double *arrival_s;    /* capacity max_batch, owned */
    int len;
    uint64_t next_id;     /* id the next arriving request gets */
};

/* threshold <= max_batch, timeout_s >= 0 (validated by config). */
void batcher_init(struct batcher *b, int threshold, int max_batch, double timeout_s);
void batcher_fini(struct batcher *b);

/* A request arrives at now_s; returns its id through *id, and true when the
 * queue must be dispatched now, for *why. The caller arms the timer when the
 * queue was empty before (batcher_deadline). */
static inline bool batcher_arrive(struct batcher *b, double now_s, uint64_t *id, enum batch_reason *why)
{
    /* The queue is emptied whenever it reaches threshold <= max_batch, so
     * there is always room for one more. */
    assert(b->len < b->max_batch);
    b->arrival_s[b->len++] = now_s;
    *id = b->next_id++;
    if (b->len == b->max_batch) {
        *why = BATCH_BY_SIZE;
        return true;
    }
    if (b->len >= b->threshold) {
        *why = BATCH_BY_THRESHOLD;
        return true;
    }
    return false;
}

/* Time at which the oldest queued request times out; only when len > 0. */
double batcher_deadline(const struct batcher *b);

/* Timer check at now_s: true when the oldest request's deadline has come
 * (the queue leaves by BATCH_BY_TIMEOUT). */
bool batcher_timer(const struct batcher *b, double now_s);

/* Removes the oldest queued requests, at most threshold of them, copying
 * their arrival times to out (capacity >= max_batch); returns how many and
 * the id of the first through *first_id. The queue never holds more than
 * threshold unless the threshold was lowered (batching.policy aimd): the
 * rest stay queued, oldest first. */
static inline int batcher_take(struct batcher *b, double *out, uint64_t *first_id)
{
    int n = b->len < b->threshold ? b->len : b->threshold;
    /* A loop, not memcpy: batches are small and one is the common size. */
    for (int k = 0; k < n; k++)
        out[k] = b->arrival_s[k];
    *first_id = b->next_id - (uint64_t)b->len;
    b->len -= n;
    for (int k = 0; k < b->len; k++)
        b->arrival_s[k] = b->arrival_s[n + k];
    return n;
}

#endif
