/* batcher: dynamic batching queue (threshold / size cap / timeout). */
#include "batcher.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>
#include "xalloc.h"

void batcher_init(struct batcher *b, int threshold, int max_batch, double timeout_s)
{
    assert(threshold >= 1 && threshold <= max_batch && timeout_s >= 0);
    b->threshold = threshold;
    b->max_batch = max_batch;
    b->timeout_s = timeout_s;
    b->arrival_s = xmalloc((size_t)max_batch * sizeof *b->arrival_s);
    b->len = 0;
    b->next_id = 0;
}

void batcher_fini(struct batcher *b)
{
    free(b->arrival_s);
    b->arrival_s = NULL;
    b->len = 0;
}

enum batcher_verdict batcher_arrive(struct batcher *b, double now_s, uint64_t *id)
{
    /* The queue is emptied whenever it reaches threshold <= max_batch, so
     * there is always room for one more. */
    assert(b->len < b->max_batch);
    b->arrival_s[b->len++] = now_s;
    *id = b->next_id++;
    if (b->len == b->max_batch)
        return BATCHER_SIZE;
    if (b->len >= b->threshold)
        return BATCHER_THRESHOLD;
    return BATCHER_WAIT;
}

double batcher_deadline(const struct batcher *b)
{
    assert(b->len > 0);
    return b->arrival_s[0] + b->timeout_s;
}

enum batcher_verdict batcher_timer(const struct batcher *b, double now_s)
{
    if (b->len > 0 && batcher_deadline(b) <= now_s)
        return BATCHER_TIMEOUT;
    return BATCHER_WAIT;
}

int batcher_take(struct batcher *b, double *out, uint64_t *first_id)
{
    int n = b->len;
    memcpy(out, b->arrival_s, (size_t)n * sizeof *out);
    *first_id = b->next_id - (uint64_t)n;
    b->len = 0;
    return n;
}
