/* xalloc: allocation that aborts on out of memory (see xalloc.h). */
#include "base/xalloc.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void oom(size_t size)
{
    fprintf(stderr, "lambdasim: out of memory (allocating %zu bytes)\n", size);
    abort();
}

void *xmalloc(size_t size)
{
    void *p = malloc(size == 0 ? 1 : size);
    if (p == NULL)
        oom(size);
    return p;
}

void *xcalloc(size_t count, size_t size)
{
    void *p = calloc(count == 0 ? 1 : count, size == 0 ? 1 : size);
    if (p == NULL)
        oom(count * size);
    return p;
}

void *xrealloc(void *ptr, size_t size)
{
    void *p = realloc(ptr, size == 0 ? 1 : size);
    if (p == NULL)
        oom(size);
    return p;
}

void *xgrow(void *ptr, size_t *cap, size_t need, size_t elem_size)
{
    if (need <= *cap && ptr != NULL)
        return ptr;
    size_t c = *cap < 16 ? 16 : *cap;
    while (c < need) {
        if (c > SIZE_MAX / 2 / elem_size)
            oom(SIZE_MAX);
        c *= 2;
    }
    ptr = xrealloc(ptr, c * elem_size);
    *cap = c;
    return ptr;
}

char *xstrdup(const char *s)
{
    size_t n = strlen(s) + 1;
    char *p = xmalloc(n);
    memcpy(p, s, n);
    return p;
}
