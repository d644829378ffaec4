/* evq: binary min-heap future-event list, ties broken by push order. */
#include "evq.h"

#include <assert.h>
#include <stdlib.h>
#include "xalloc.h"

#define before evq_before

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

void evq_push(struct evq *q, double time_s, uint32_t kind, uint32_t id, uint32_t gen)
{
    assert(time_s == time_s); /* never NaN: it would break the heap order */
    if (q->len == q->cap)
        q->heap = xgrow(q->heap, &q->cap, q->len + 1, sizeof *q->heap);
    struct evq_event ev = { .time_s = time_s, .seq = q->next_seq++, .kind = kind, .id = id, .gen = gen };
    /* Sift up with a hole instead of swaps. */
    size_t i = q->len++;
    while (i > 0) {
        size_t parent = (i - 1) / 2;
        if (!before(&ev, &q->heap[parent]))
            break;
        q->heap[i] = q->heap[parent];
        i = parent;
    }
    q->heap[i] = ev;
}

bool evq_pop(struct evq *q, struct evq_event *out)
{
    if (q->len == 0)
        return false;
    *out = q->heap[0];
    struct evq_event last = q->heap[--q->len];
    size_t n = q->len, i = 0;
    for (;;) {
        size_t child = 2 * i + 1;
        if (child >= n)
            break;
        if (child + 1 < n && before(&q->heap[child + 1], &q->heap[child]))
            child++;
        if (!before(&q->heap[child], &last))
            break;
        q->heap[i] = q->heap[child];
        i = child;
    }
    if (n > 0)
        q->heap[i] = last;
    return true;
}
