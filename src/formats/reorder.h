/* reorder: a bounded reorder buffer. Rows numbered 0, 1, 2, ... (a dense
 * sequence, such as request ids in arrival order) come in nearly in order
 * (a request's row is known when it completes); they leave in exact order
 * as soon as every earlier row has left. Memory is the rows waiting for an
 * earlier one: with each row at most L places late, fewer than L + 1. */
#ifndef LAMBDASIM_REORDER_H
#define LAMBDASIM_REORDER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct reorder {
    unsigned char *heap;    /* min-heap of (seq, row) entries, stride bytes each */
    size_t row_size, stride;
    size_t n, cap;
    uint64_t next;          /* the sequence number expected next */
    size_t peak;            /* most rows ever waiting (for tests and reports) */
};

/* An empty buffer of rows of row_size bytes, expecting sequence number 0. */
void reorder_init(struct reorder *r, size_t row_size);
/* Frees the rows still waiting; idempotent. */
void reorder_fini(struct reorder *r);

/* Takes a copy of row number seq. */
void reorder_push(struct reorder *r, uint64_t seq, const void *row);

/* Copies the next row in sequence into *row, removes it and returns true
 * when it is there (a sequence number already passed, a duplicate, also
 * leaves at once); false while the next one has not come. */
bool reorder_pop_ready(struct reorder *r, void *row);

/* Copies the waiting row with the smallest sequence number into *row and
 * removes it, whether or not every earlier one came (the end of a stream
 * with gaps); false when the buffer is empty. */
bool reorder_pop_min(struct reorder *r, void *row);

#endif
