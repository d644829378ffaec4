/* batcher: dynamic batching queue (threshold / size cap / timeout). */
#include "core/batcher.h"

#include <assert.h>
#include <stdlib.h>
#include "base/xalloc.h"

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

double batcher_deadline(const struct batcher *b)
{
    assert(b->len > 0);
    return b->arrival_s[0] + b->timeout_s;
}

bool batcher_timer(const struct batcher *b, double now_s)
{
    return b->len > 0 && batcher_deadline(b) <= now_s;
}

