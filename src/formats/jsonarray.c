/* jsonarray: a small RFC 8259 scanner that only checks and measures. */
#include "formats/jsonarray.h"

#include <string.h>

struct scan {
    const char *p, *end;
    int depth;
};

static void skip_ws(struct scan *s)
{
    while (s->p < s->end && (*s->p == ' ' || *s->p == '\t' || *s->p == '\n' || *s->p == '\r'))
        s->p++;
}

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

static bool is_hex(char c)
{
    return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

static bool scan_string(struct scan *s)
{
    s->p++; /* the opening quote */
    while (s->p < s->end) {
        unsigned char c = (unsigned char)*s->p++;
        if (c == '"')
            return true;
        if (c < 0x20) /* control characters must be escaped */
            return false;
        if (c != '\\')
            continue;
        if (s->p >= s->end)
            return false;
        char e = *s->p++;
        if (e == 'u') {
            for (int i = 0; i < 4; i++)
                if (s->p >= s->end || !is_hex(*s->p++))
                    return false;
        } else if (strchr("\"\\/bfnrt", e) == NULL || e == '\0') {
            return false;
        }
    }
    return false;
}

/* -? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)? */
static bool scan_number(struct scan *s)
{
    if (s->p < s->end && *s->p == '-')
        s->p++;
    if (s->p >= s->end || !is_digit(*s->p))
        return false;
    if (*s->p == '0')
        s->p++;
    else
        while (s->p < s->end && is_digit(*s->p))
            s->p++;
    if (s->p < s->end && *s->p == '.') {
        s->p++;
        if (s->p >= s->end || !is_digit(*s->p))
            return false;
        while (s->p < s->end && is_digit(*s->p))
            s->p++;
    }
    if (s->p < s->end && (*s->p == 'e' || *s->p == 'E')) {
        s->p++;
        if (s->p < s->end && (*s->p == '+' || *s->p == '-'))
            s->p++;
        if (s->p >= s->end || !is_digit(*s->p))
            return false;
        while (s->p < s->end && is_digit(*s->p))
            s->p++;
    }
    return true;
}

static bool scan_word(struct scan *s, const char *w)
{
    size_t n = strlen(w);
    if ((size_t)(s->end - s->p) < n || memcmp(s->p, w, n) != 0)
        return false;
    s->p += n;
    return true;
}

/* One value at s->p (no white space before it); for an array at the top
 * (spans != NULL), records its elements. */
static bool scan_value(struct scan *s, const char *base, struct jsonarray_span *spans, size_t max, long *count)
{
    if (s->p >= s->end)
        return false;
    char c = *s->p;
    if (c == '"')
        return scan_string(s);
    if (c == '-' || is_digit(c))
        return scan_number(s);
    if (c == 't')
        return scan_word(s, "true");
    if (c == 'f')
        return scan_word(s, "false");
    if (c == 'n')
        return scan_word(s, "null");
    if (c != '[' && c != '{')
        return false;
    if (++s->depth > JSONARRAY_DEPTH_MAX)
        return false;
    char close = c == '[' ? ']' : '}';
    s->p++;
    skip_ws(s);
    if (s->p < s->end && *s->p == close) {
        s->p++;
        s->depth--;
        return true;
    }
    for (;;) {
        if (close == '}') {
            if (s->p >= s->end || *s->p != '"' || !scan_string(s))
                return false;
            skip_ws(s);
            if (s->p >= s->end || *s->p++ != ':')
                return false;
            skip_ws(s);
        }
        const char *start = s->p;
        if (!scan_value(s, base, NULL, 0, NULL))
            return false;
        if (count != NULL) {
            if ((size_t)*count < max)
                spans[*count] = (struct jsonarray_span){ (size_t)(start - base), (size_t)(s->p - start) };
            (*count)++;
        }
        skip_ws(s);
        if (s->p >= s->end)
            return false;
        if (*s->p == close) {
            s->p++;
            s->depth--;
            return true;
        }
        if (*s->p++ != ',')
            return false;
        skip_ws(s);
    }
}

bool jsonarray_is_value(const char *text, size_t n)
{
    struct scan s = { text, text + n, 0 };
    skip_ws(&s);
    if (!scan_value(&s, text, NULL, 0, NULL))
        return false;
    skip_ws(&s);
    return s.p == s.end;
}

long jsonarray_split(const char *text, size_t n, struct jsonarray_span *out, size_t max)
{
    struct scan s = { text, text + n, 0 };
    skip_ws(&s);
    if (s.p >= s.end || *s.p != '[')
        return -1;
    long count = 0;
    if (!scan_value(&s, text, out, max, &count))
        return -1;
    skip_ws(&s);
    return s.p == s.end ? count : -1;
}
