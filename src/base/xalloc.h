/* xalloc: allocation that aborts with a message on out of memory, so no
 * caller carries NULL checks (house rule: OOM is not a recoverable error). */
#ifndef LAMBDASIM_XALLOC_H
#define LAMBDASIM_XALLOC_H

#include <stddef.h>

void *xmalloc(size_t size);
void *xcalloc(size_t count, size_t size);
void *xrealloc(void *ptr, size_t size);
/* Grow-by-doubling helper: returns a buffer of at least `need` elements of
 * `elem_size` bytes, updating *cap. Existing contents are kept. */
void *xgrow(void *ptr, size_t *cap, size_t need, size_t elem_size);
char *xstrdup(const char *s);

#endif
