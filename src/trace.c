/* trace: reads request-arrival times from a plain list or a CSV with a
 * time_s column. Bad input is reported with file and line, never fixed. */
#include "trace.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include "xalloc.h"

#define TRACE_QUOTE_MAX 40      /* bytes of an offending field quoted back */
#define TRACE_NUM_MAX 64        /* longer fields are not read as numbers */
#define TRACE_COLUMN "time_s"

#ifdef __GNUC__
__attribute__((format(printf, 3, 4)))
#endif
static int fail(char *msg, size_t len, const char *fmt, ...)
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

static bool is_blank(char ch)
{
    return ch == ' ' || ch == '\t';
}

/* Trims blanks (and, for CSV fields, one pair of double quotes). */
static void trim(const char **s, size_t *len, bool unquote)
{
    while (*len > 0 && is_blank(**s)) {
        (*s)++;
        (*len)--;
    }
    while (*len > 0 && is_blank((*s)[*len - 1]))
        (*len)--;
    if (unquote && *len >= 2 && (*s)[0] == '"' && (*s)[*len - 1] == '"') {
        (*s)++;
        *len -= 2;
    }
}

/* Field `want` of a comma-separated row (commas inside double quotes do not
 * split). Returns the number of fields in the row when it has fewer. */
static size_t csv_field(const char *s, size_t len, size_t want, const char **fs, size_t *flen)
{
    size_t field = 0, start = 0;
    bool quoted = false;
    for (size_t i = 0; i <= len; i++) {
        if (i < len && s[i] == '"')
            quoted = !quoted;
        if (i == len || (s[i] == ',' && !quoted)) {
            if (field == want) {
                *fs = s + start;
                *flen = i - start;
                trim(fs, flen, true);
                return 0;
            }
            field++;
            start = i + 1;
        }
    }
    return field;
}

/* Strict decimal number: digits, sign, point, exponent; nothing else
 * ("inf", "nan", hex and trailing text are not times). */
static bool parse_number(const char *s, size_t len, double *out)
{
    char buf[TRACE_NUM_MAX + 1];
    bool digit = false;
    if (len == 0 || len > TRACE_NUM_MAX)
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

static const char *fmt_num(char *buf, size_t len, double v)
{
    snprintf(buf, len, "%.15g", v);
    if (strtod(buf, NULL) != v)
        snprintf(buf, len, "%.17g", v);
    return buf;
}

int trace_read_times(const char *path, double **times_s, size_t *n, char *msg, size_t msg_len)
{
    char *line = NULL;
    size_t line_cap = 0, lineno = 0, len = 0, cap = 0;
    double *t = NULL;
    /* Column of time_s in a CSV; PLAIN for one number per line; UNKNOWN
     * until the first data line decides. */
    enum { UNKNOWN = -2, PLAIN = -1 };
    long column = UNKNOWN;
    const char *label = "";
    char g1[40], g2[40];
    int rc = -1;
    ssize_t got;

    *times_s = NULL;
    *n = 0;
    FILE *f = fopen(path, "r");
    if (f == NULL) {
        char err[128];
        if (strerror_r(errno, err, sizeof err) != 0)
            snprintf(err, sizeof err, "error %d", errno);
        return fail(msg, msg_len, "%s: cannot read: %s", path, err);
    }
    while ((got = getline(&line, &line_cap, f)) != -1) {
        const char *s = line;
        size_t sl = (size_t)got;
        lineno++;
        if (memchr(s, '\0', sl) != NULL) {
            fail(msg, msg_len, "%s:%zu: NUL byte in the line (not a text file?)", path, lineno);
            goto out;
        }
        while (sl > 0 && (s[sl - 1] == '\n' || s[sl - 1] == '\r'))
            sl--;
        if (lineno == 1 && sl >= 3 && memcmp(s, "\xEF\xBB\xBF", 3) == 0) {
            s += 3;
            sl -= 3;
        }
        trim(&s, &sl, false);
        if (sl == 0 || s[0] == '#')
            continue;

        double v = 0;
        const char *fs = s;
        size_t fl = sl;
        if (column == UNKNOWN) {
            if (parse_number(s, sl, &v)) {
                column = PLAIN;
            } else {
                /* A header: find the time_s column. */
                for (size_t i = 0;; i++) {
                    if (csv_field(s, sl, i, &fs, &fl) != 0)
                        break;
                    if (fl == strlen(TRACE_COLUMN) && memcmp(fs, TRACE_COLUMN, fl) == 0) {
                        column = (long)i;
                        break;
                    }
                }
                if (column == UNKNOWN) {
                    fail(msg, msg_len, "%s:%zu: no column named '" TRACE_COLUMN "' in header "
                         "(or give one time in seconds per line)", path, lineno);
                    goto out;
                }
                label = TRACE_COLUMN ": ";
                continue;
            }
        }
        if (column >= 0) {
            size_t fields = csv_field(s, sl, (size_t)column, &fs, &fl);
            if (fields != 0) {
                fail(msg, msg_len, "%s:%zu: %smissing (the row has %zu columns, time_s is "
                     "column %ld)", path, lineno, label, fields, column + 1);
                goto out;
            }
        }
        if (!parse_number(fs, fl, &v)) {
            fail(msg, msg_len, "%s:%zu: %snot a number ('%.*s%s')", path, lineno, label,
                 (int)(fl > TRACE_QUOTE_MAX ? TRACE_QUOTE_MAX : fl), fs,
                 fl > TRACE_QUOTE_MAX ? "..." : "");
            goto out;
        }
        if (!isfinite(v)) {
            fail(msg, msg_len, "%s:%zu: %snot a finite number ('%.*s')", path, lineno, label,
                 (int)fl, fs);
            goto out;
        }
        if (v < 0) {
            fail(msg, msg_len, "%s:%zu: %snegative time (%s)", path, lineno, label,
                 fmt_num(g1, sizeof g1, v));
            goto out;
        }
        if (len > 0 && v < t[len - 1]) {
            fail(msg, msg_len, "%s:%zu: %stimes must not decrease (%s after %s)", path, lineno,
                 label, fmt_num(g1, sizeof g1, v), fmt_num(g2, sizeof g2, t[len - 1]));
            goto out;
        }
        t = xgrow(t, &cap, len + 1, sizeof *t);
        t[len++] = v;
    }
    if (ferror(f)) {
        char err[128];
        if (strerror_r(errno, err, sizeof err) != 0)
            snprintf(err, sizeof err, "error %d", errno);
        fail(msg, msg_len, "%s: cannot read: %s", path, err);
        goto out;
    }
    if (len == 0) {
        fail(msg, msg_len, "%s: no arrival times", path);
        goto out;
    }
    *times_s = t;
    *n = len;
    t = NULL;
    if (msg != NULL && msg_len > 0)
        msg[0] = '\0';
    rc = 0;
out:
    free(t);
    free(line);
    fclose(f);
    return rc;
}
