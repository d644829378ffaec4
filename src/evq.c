/* evq: 4-ary min-heap future-event list, ties broken by push order. */
#include "evq.h"

#include <assert.h>
#include <stdlib.h>
#include "xalloc.h"

void evq_init(struct evq *q, size_t cap_hint)
{
    q->cap = cap_hint < 16 ? 16 : cap_hint;
    q->heap = xmalloc(q->cap * sizeof *q->heap);
    q->len = 0;
    q->next_seq = 0;
}

void evq_fini(struct evq *q)
{
    free(q->heap);
    q->heap = NULL;
    q->len = q->cap = 0;
}

void evq_clear(struct evq *q)
{
    q->len = 0;
    q->next_seq = 0;
}

void evq_grow(struct evq *q)
{
    q->heap = xgrow(q->heap, &q->cap, q->len + 1, sizeof *q->heap);
}
