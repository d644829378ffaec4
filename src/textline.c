/* textline: see textline.h. */
#include "textline.h"

#include "xalloc.h"

ssize_t textline_read(char **buf, size_t *cap, FILE *f)
{
    size_t len = 0;
    int ch;
    /* getc_unlocked: one reader per stream, and a few ns per byte. */
    while ((ch = getc_unlocked(f)) != EOF) {
        if (len == TEXTLINE_MAX)
            return TEXTLINE_TOO_LONG;
        if (len + 2 > *cap)
            *buf = xgrow(*buf, cap, len + 2, 1);
        (*buf)[len++] = (char)ch;
        if (ch == '\n')
            break;
    }
    if (len == 0)
        return -1;
    (*buf)[len] = '\0';
    return (ssize_t)len;
}
