/* textline: see textline.h. */
#include "base/textline.h"

#include <stdarg.h>
#include <stdint.h>
#include <string.h>

#include <stdlib.h>

#include "base/xalloc.h"

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

int textline_fail(char *msg, size_t len, const char *fmt, ...)
{
    if (msg == NULL || len == 0)
        return -1;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, len, fmt, ap);
    va_end(ap);
    /* One line of valid UTF-8, whatever the file held. */
    textline_sanitize(msg);
    return -1;
}

size_t textline_utf8_seq(const char *s, size_t len, unsigned long *cp)
{
    const unsigned char *u = (const unsigned char *)s;
    if (len == 0)
        return 0;
    unsigned long c = u[0];
    size_t n;
    unsigned long min;
    if (c < 0x80) {
        n = 1;
        min = 0;
    } else if (c >= 0xC2 && c <= 0xDF) {
        n = 2;
        c &= 0x1F;
        min = 0x80;
    } else if (c >= 0xE0 && c <= 0xEF) {
        n = 3;
        c &= 0x0F;
        min = 0x800;
    } else if (c >= 0xF0 && c <= 0xF4) {
        n = 4;
        c &= 0x07;
        min = 0x10000;
    } else {
        return 0;
    }
    if (n > len)
        return 0;
    for (size_t i = 1; i < n; i++) {
        if ((u[i] & 0xC0) != 0x80)
            return 0;
        c = (c << 6) | (u[i] & 0x3F);
    }
    if (c < min || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF))
        return 0;
    if (cp != NULL)
        *cp = c;
    return n;
}

static bool is_control(unsigned long cp)
{
    return cp < 0x20 || (cp >= 0x7F && cp <= 0x9F);
}

size_t textline_utf8_check(const char *s, size_t len, bool no_controls)
{
    size_t i = 0;
    while (i < len) {
        unsigned long cp = 0;
        size_t n = textline_utf8_seq(s + i, len - i, &cp);
        if (n == 0 || (no_controls && is_control(cp)))
            return i;
        i += n;
    }
    return len;
}

const char *textline_excerpt(char *buf, size_t cap, const char *s, size_t len)
{
    size_t used = 0, chars = 0, i = 0;
    if (cap == 0)
        return buf;
    /* Room for the longest escape (4), "..." and the NUL. */
    while (i < len && chars < TEXTLINE_EXCERPT_MAX && used + 4 + 3 + 1 <= cap) {
        unsigned long cp = 0;
        size_t n = textline_utf8_seq(s + i, len - i, &cp);
        if (n == 0 || is_control(cp)) {
            /* A C1 control is two bytes: both are shown. */
            size_t k = n == 0 ? 1 : n;
            if (used + 4 * k + 3 + 1 > cap)
                break;
            for (size_t j = 0; j < k; j++) {
                snprintf(buf + used, cap - used, "\\x%02X", (unsigned char)s[i + j]);
                used += 4;
            }
            i += k;
        } else if (cp == '\\') {
            buf[used++] = '\\';
            buf[used++] = '\\';
            i++;
        } else {
            memcpy(buf + used, s + i, n);
            used += n;
            i += n;
        }
        chars++;
    }
    if (i < len && used + 3 + 1 <= cap) {
        memcpy(buf + used, "...", 3);
        used += 3;
    }
    buf[used] = '\0';
    return buf;
}

void textline_sanitize(char *s)
{
    if (s == NULL)
        return;
    size_t len = strlen(s), i = 0;
    while (i < len) {
        unsigned long cp = 0;
        size_t n = textline_utf8_seq(s + i, len - i, &cp);
        if (n == 0 || cp < 0x20 || cp == 0x7F) {
            s[i++] = '?';
        } else if (is_control(cp)) {
            /* A C1 control (ESC's 8-bit forms): both bytes. */
            s[i] = '?';
            s[i + 1] = '?';
            i += 2;
        } else {
            i += n;
        }
    }
}

void textline_trim(const char **s, size_t *len, bool unquote)
{
    while (*len > 0 && (**s == ' ' || **s == '\t')) {
        (*s)++;
        (*len)--;
    }
    while (*len > 0 && ((*s)[*len - 1] == ' ' || (*s)[*len - 1] == '\t'))
        (*len)--;
    if (unquote && *len >= 2 && (*s)[0] == '"' && (*s)[*len - 1] == '"') {
        (*s)++;
        *len -= 2;
    }
}

bool textline_csv_next(const char *s, size_t len, size_t *pos, bool *done, const char **field, size_t *field_len)
{
    if (*done)
        return false;
    size_t i = *pos;
    bool quoted = false;
    while (i < len && (quoted || s[i] != ',')) {
        if (s[i] == '"')
            quoted = !quoted;
        i++;
    }
    *field = s + *pos;
    *field_len = i - *pos;
    textline_trim(field, field_len, true);
    if (i >= len)
        *done = true;
    *pos = i + 1;
    return true;
}

int textline_csv_record_next(const char *text, size_t len, size_t *pos, struct textline_csv_record *rec, bool *bad)
{
    *bad = false;
    if (*pos >= len)
        return -1;
    size_t p = *pos, o = 0;
    rec->buf = xgrow(rec->buf, &rec->cap, len - p + 2, 1);
    size_t *starts = NULL, scap = 0, ns = 0;
    starts = xgrow(starts, &scap, 8, sizeof *starts);
    starts[ns++] = 0;
    bool quoted = false;
    for (;;) {
        if (p >= len) {
            if (quoted) {
                *bad = true;
                free(starts);
                return -1;
            }
            break;
        }
        char ch = text[p];
        if (quoted) {
            if (ch == '"' && p + 1 < len && text[p + 1] == '"') {
                rec->buf[o++] = '"';
                p += 2;
            } else if (ch == '"') {
                quoted = false;
                p++;
            } else {
                rec->buf[o++] = ch;
                p++;
            }
            continue;
        }
        if (ch == '"') {
            quoted = true;
            p++;
        } else if (ch == ',') {
            rec->buf[o++] = '\0';
            starts = xgrow(starts, &scap, ns + 1, sizeof *starts);
            starts[ns++] = o;
            p++;
        } else if (ch == '\n') {
            p++;
            break;
        } else if (ch == '\r' && p + 1 < len && text[p + 1] == '\n') {
            p += 2;
            break;
        } else {
            rec->buf[o++] = ch;
            p++;
        }
    }
    rec->buf[o] = '\0';
    rec->cells = xgrow(rec->cells, &rec->cells_cap, ns, sizeof *rec->cells);
    for (size_t i = 0; i < ns; i++)
        rec->cells[i] = rec->buf + starts[i];
    rec->n = ns;
    free(starts);
    *pos = p;
    return (int)ns;
}

void textline_csv_record_fini(struct textline_csv_record *rec)
{
    free(rec->buf);
    free(rec->cells);
    memset(rec, 0, sizeof *rec);
}
