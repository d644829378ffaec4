/* textline: see textline.h. */
#include "textline.h"

#include <stdarg.h>
#include <stdint.h>
#include <string.h>

#include <stdlib.h>

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

bool textline_parse_number(const char *s, size_t len, double *out)
{
    char buf[TEXTLINE_NUM_MAX + 1];
    bool digit = false;
    if (len == 0 || len > TEXTLINE_NUM_MAX)
        return false;
    for (size_t i = 0; i < len; i++) {
        char ch = s[i];
        if (ch >= '0' && ch <= '9')
            digit = true;
        else if (ch != '.' && ch != '-' && ch != '+' && ch != 'e' && ch != 'E')
            return false;
    }
    if (!digit)
        return false;
    memcpy(buf, s, len);
    buf[len] = '\0';
    char *end = NULL;
    double v = strtod(buf, &end);
    if (end != buf + len)
        return false;
    *out = v;
    return true;
}

static char fold(char c, bool fold_case)
{
    return fold_case && c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

size_t textline_edit_distance(const char *a, size_t la, const char *b, size_t lb, bool fold_case)
{
    if (la > TEXTLINE_EDIT_MAX || lb > TEXTLINE_EDIT_MAX)
        return SIZE_MAX;
    size_t row[TEXTLINE_EDIT_MAX + 1];
    for (size_t j = 0; j <= lb; j++)
        row[j] = j;
    for (size_t i = 1; i <= la; i++) {
        size_t diag = row[0];
        row[0] = i;
        char ca = fold(a[i - 1], fold_case);
        for (size_t j = 1; j <= lb; j++) {
            size_t up = row[j];
            size_t best = diag + (ca == fold(b[j - 1], fold_case) ? 0 : 1);
            if (up + 1 < best)
                best = up + 1;
            if (row[j - 1] + 1 < best)
                best = row[j - 1] + 1;
            row[j] = best;
            diag = up;
        }
    }
    return row[lb];
}

int textline_fail(char *msg, size_t len, const char *fmt, ...)
{
    if (msg == NULL || len == 0)
        return -1;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, len, fmt, ap);
    va_end(ap);
    /* One line, whatever the file held. */
    for (char *s = msg; *s != '\0'; s++) {
        if ((unsigned char)*s < 0x20 || *s == 0x7f)
            *s = '?';
    }
    return -1;
}
