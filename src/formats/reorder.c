/* reorder: a binary min-heap on sequence numbers; entries are the sequence
 * number followed by a copy of the row, moved with memcpy. */
#include "formats/reorder.h"

#include <stdlib.h>
#include <string.h>
#include "base/xalloc.h"

void reorder_init(struct reorder *r, size_t row_size)
{
    memset(r, 0, sizeof *r);
    r->row_size = row_size;
    /* Keep every entry's sequence number 8-byte aligned. */
    r->stride = (sizeof(uint64_t) + row_size + 7) & ~(size_t)7;
}

void reorder_fini(struct reorder *r)
{
    free(r->heap);
    r->heap = NULL;
    r->n = r->cap = 0;
}

static unsigned char *entry(const struct reorder *r, size_t i)
{
    return r->heap + i * r->stride;
}

static uint64_t seq_at(const struct reorder *r, size_t i)
{
    uint64_t s;
    memcpy(&s, entry(r, i), sizeof s);
    return s;
}

void reorder_push(struct reorder *r, uint64_t seq, const void *row)
{
    /* One spare entry past the heap is the scratch slot for sifting. */
    if (r->n + 2 > r->cap)
        r->heap = xgrow(r->heap, &r->cap, r->n + 2, r->stride);
    unsigned char *tmp = entry(r, r->cap - 1);
    memcpy(tmp, &seq, sizeof seq);
    memcpy(tmp + sizeof seq, row, r->row_size);
    size_t i = r->n++;
    while (i > 0) {
        size_t parent = (i - 1) / 2;
        if (seq_at(r, parent) <= seq)
            break;
        memcpy(entry(r, i), entry(r, parent), r->stride);
        i = parent;
    }
    memcpy(entry(r, i), tmp, r->stride);
    if (r->n > r->peak)
        r->peak = r->n;
}

static void pop_top(struct reorder *r, void *row)
{
    uint64_t seq = seq_at(r, 0);
    memcpy(row, entry(r, 0) + sizeof seq, r->row_size);
    if (seq >= r->next)
        r->next = seq + 1;
    if (--r->n == 0)
        return;
    /* Sift the last entry down from the root. */
    unsigned char *last = entry(r, r->n);
    uint64_t key;
    memcpy(&key, last, sizeof key);
    size_t i = 0;
    for (;;) {
        size_t c = 2 * i + 1;
        if (c >= r->n)
            break;
        if (c + 1 < r->n && seq_at(r, c + 1) < seq_at(r, c))
            c++;
        if (key <= seq_at(r, c))
            break;
        memcpy(entry(r, i), entry(r, c), r->stride);
        i = c;
    }
    if (i != r->n)
        memmove(entry(r, i), last, r->stride);
}

bool reorder_pop_ready(struct reorder *r, void *row)
{
    if (r->n == 0 || seq_at(r, 0) > r->next)
        return false;
    pop_top(r, row);
    return true;
}

bool reorder_pop_min(struct reorder *r, void *row)
{
    if (r->n == 0)
        return false;
    pop_top(r, row);
    return true;
}
