/* jsonarray: one JSON value checked, and a JSON array cut into its
 * elements, byte for byte (no parse tree, no reformatting): what serve's
 * batching gateway needs to join callers' payloads into one array event
 * and to hand each caller its own element of the function's reply. */
#ifndef LAMBDASIM_JSONARRAY_H
#define LAMBDASIM_JSONARRAY_H

#include <stdbool.h>
#include <stddef.h>

/* Nesting deeper than this is refused (no recursion limit otherwise). */
#define JSONARRAY_DEPTH_MAX 512

/* A span of the input: text + off, len bytes. */
struct jsonarray_span {
    size_t off, len;
};

/* True when text[0..n) is exactly one JSON value (RFC 8259), with
 * optional white space around it. */
bool jsonarray_is_value(const char *text, size_t n);

/* When text[0..n) is one JSON array, stores the spans of its elements
 * (white space around each excluded) in out (room for max) and returns
 * how many elements it has (which may exceed max: only max are stored).
 * Returns -1 when the text is not a JSON array (an object, a string,
 * invalid JSON...). */
long jsonarray_split(const char *text, size_t n, struct jsonarray_span *out, size_t max);

#endif
