/* trace: reads request-arrival times from a plain list or a CSV with a
 * time_s column. Bad input is reported with file and line, never fixed. */
#include "formats/trace.h"

#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include "base/infile.h"
#include "base/textline.h"
#include "base/xalloc.h"

#define TRACE_QUOTE_MAX 40      /* bytes of an offending field quoted back */
#define TRACE_COLUMN "time_s"

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

/* Index of the first field of a row that reads `name`, or `none`. One pass
 * over the row: a csv_field call per column would be quadratic in its
 * width, and a header of a few hundred thousand columns would hang. */
static long csv_find(const char *s, size_t len, const char *name, long none)
{
    size_t field = 0, start = 0, nl = strlen(name);
    bool quoted = false;
    for (size_t i = 0; i <= len; i++) {
        if (i < len && s[i] == '"')
            quoted = !quoted;
        if (i == len || (s[i] == ',' && !quoted)) {
            const char *fs = s + start;
            size_t fl = i - start;
            trim(&fs, &fl, true);
            if (fl == nl && memcmp(fs, name, nl) == 0)
                return (long)field;
            field++;
            start = i + 1;
        }
    }
    return none;
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
    FILE *f = infile_open(path, "workload.file", msg, msg_len);
    if (f == NULL)
        return -1;
    while ((got = textline_read(&line, &line_cap, f)) >= 0) {
        const char *s = line;
        size_t sl = (size_t)got;
        lineno++;
        if (memchr(s, '\0', sl) != NULL) {
            textline_fail(msg, msg_len, "%s:%zu: NUL byte in the line (not a text file?)", path, lineno);
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
            if (textline_parse_number(s, sl, &v)) {
                column = PLAIN;
            } else {
                /* A header: find the time_s column. */
                column = csv_find(s, sl, TRACE_COLUMN, UNKNOWN);
                if (column == UNKNOWN) {
                    textline_fail(msg, msg_len, "%s:%zu: no column named '" TRACE_COLUMN "' in header "
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
                textline_fail(msg, msg_len, "%s:%zu: %smissing (the row has %zu columns, time_s is "
                     "column %ld)", path, lineno, label, fields, column + 1);
                goto out;
            }
        }
        if (!textline_parse_number(fs, fl, &v)) {
            textline_fail(msg, msg_len, "%s:%zu: %snot a number ('%.*s%s')", path, lineno, label,
                 (int)(fl > TRACE_QUOTE_MAX ? TRACE_QUOTE_MAX : fl), fs,
                 fl > TRACE_QUOTE_MAX ? "..." : "");
            goto out;
        }
        if (!isfinite(v)) {
            textline_fail(msg, msg_len, "%s:%zu: %snot a finite number ('%.*s')", path, lineno, label,
                 (int)fl, fs);
            goto out;
        }
        if (v < 0) {
            textline_fail(msg, msg_len, "%s:%zu: %snegative time (%s)", path, lineno, label,
                 fmt_num(g1, sizeof g1, v));
            goto out;
        }
        if (len > 0 && v < t[len - 1]) {
            textline_fail(msg, msg_len, "%s:%zu: %stimes must not decrease (%s after %s)", path, lineno,
                 label, fmt_num(g1, sizeof g1, v), fmt_num(g2, sizeof g2, t[len - 1]));
            goto out;
        }
        t = xgrow(t, &cap, len + 1, sizeof *t);
        t[len++] = v;
    }
    if (got == TEXTLINE_TOO_LONG) {
        textline_fail(msg, msg_len, "%s:%zu: line longer than %zu MB (not a trace file?)", path, lineno + 1,
             TEXTLINE_MAX >> 20);
        goto out;
    }
    if (ferror(f)) {
        char err[128];
        if (strerror_r(errno, err, sizeof err) != 0)
            snprintf(err, sizeof err, "error %d", errno);
        textline_fail(msg, msg_len, "%s: cannot read: %s", path, err);
        goto out;
    }
    if (len == 0) {
        textline_fail(msg, msg_len, "%s: no arrival times", path);
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

/* ---- Azure Functions traces --------------------------------------------------- */

/* Iterates the fields of a CSV row: *pos starts at 0; each call stores the
 * next field (trimmed, unquoted) and returns false after the last one. */
static bool csv_next(const char *s, size_t len, size_t *pos, bool *done, const char **fs, size_t *fl)
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
    *fs = s + *pos;
    *fl = i - *pos;
    trim(fs, fl, true);
    if (i >= len)
        *done = true;
    *pos = i + 1;
    return true;
}

static size_t csv_count(const char *s, size_t len)
{
    size_t pos = 0, n = 0, fl;
    bool done = false;
    const char *fs;
    while (csv_next(s, len, &pos, &done, &fs, &fl))
        n++;
    return n;
}

static bool field_is(const char *fs, size_t fl, const char *name)
{
    return fl == strlen(name) && memcmp(fs, name, fl) == 0;
}

/* Reads the next content line (not blank, not '#'): trimmed, without the
 * line end; false at the end of the file (or on an error, in msg). */
struct lines {
    FILE *f;
    const char *path;
    char *buf;
    size_t cap, lineno;
    bool error;
};

static bool next_line(struct lines *l, const char **s, size_t *sl, char *msg, size_t msg_len)
{
    ssize_t got;
    while ((got = textline_read(&l->buf, &l->cap, l->f)) >= 0) {
        l->lineno++;
        *s = l->buf;
        *sl = (size_t)got;
        if (memchr(*s, '\0', *sl) != NULL) {
            textline_fail(msg, msg_len, "%s:%zu: NUL byte in the line (not a text file?)", l->path, l->lineno);
            l->error = true;
            return false;
        }
        while (*sl > 0 && ((*s)[*sl - 1] == '\n' || (*s)[*sl - 1] == '\r'))
            (*sl)--;
        if (l->lineno == 1 && *sl >= 3 && memcmp(*s, "\xEF\xBB\xBF", 3) == 0) {
            *s += 3;
            *sl -= 3;
        }
        trim(s, sl, false);
        if (*sl > 0 && (*s)[0] != '#')
            return true;
    }
    if (got == TEXTLINE_TOO_LONG) {
        textline_fail(msg, msg_len, "%s:%zu: line longer than %zu MB (not a trace file?)", l->path,
             l->lineno + 1, TEXTLINE_MAX >> 20);
        l->error = true;
        return false;
    }
    if (ferror(l->f)) {
        char err[128];
        if (strerror_r(errno, err, sizeof err) != 0)
            snprintf(err, sizeof err, "error %d", errno);
        textline_fail(msg, msg_len, "%s: cannot read: %s", l->path, err);
        l->error = true;
    }
    return false;
}

static int open_lines(struct lines *l, const char *path, char *msg, size_t msg_len)
{
    memset(l, 0, sizeof *l);
    l->path = path;
    l->f = infile_open(path, "workload.file", msg, msg_len);
    if (l->f == NULL)
        return -1;
    return 0;
}

static void close_lines(struct lines *l)
{
    free(l->buf);
    if (l->f != NULL)
        fclose(l->f);
}

#define AZ19_FIXED 4            /* HashOwner, HashApp, HashFunction, Trigger */
#define AZ19_MINUTES 1440

int trace_read_azure2019(const char *path, const char *function, uint64_t **counts, size_t *n_minutes,
                         uint64_t *total, char *msg, size_t msg_len)
{
    static const char *const fixed[AZ19_FIXED] = { "HashOwner", "HashApp", "HashFunction", "Trigger" };
    struct lines l;
    const char *s, *fs;
    size_t sl, fl, pos;
    bool done;
    uint64_t *c = NULL;
    size_t minutes = 0, match_line = 0, rows = 0, other_line = 0;
    char first_fn[80] = "";
    int rc = -1;
    *counts = NULL;
    *n_minutes = 0;
    *total = 0;
    bool any = function == NULL || function[0] == '\0';
    if (open_lines(&l, path, msg, msg_len) != 0)
        return -1;
    if (!next_line(&l, &s, &sl, msg, msg_len)) {
        if (!l.error)
            textline_fail(msg, msg_len, "%s: empty (expected the header HashOwner,HashApp,HashFunction,Trigger,"
                 "1,...,1440)", path);
        goto out;
    }
    /* Header: the four fixed columns, then minutes 1, 2, ... in order. */
    pos = 0;
    done = false;
    for (size_t i = 0; csv_next(s, sl, &pos, &done, &fs, &fl); i++) {
        if (i < AZ19_FIXED) {
            if (!field_is(fs, fl, fixed[i])) {
                textline_fail(msg, msg_len, "%s:%zu: column %zu must be '%s' (got '%.*s%s'): not an Azure 2019 "
                     "invocation-count file", path, l.lineno, i + 1, fixed[i],
                     (int)(fl > TRACE_QUOTE_MAX ? TRACE_QUOTE_MAX : fl), fs, fl > TRACE_QUOTE_MAX ? "..." : "");
                goto out;
            }
            continue;
        }
        char want[32];
        snprintf(want, sizeof want, "%zu", i - AZ19_FIXED + 1);
        if (!field_is(fs, fl, want) || i - AZ19_FIXED >= AZ19_MINUTES) {
            textline_fail(msg, msg_len, "%s:%zu: column %zu must be minute '%s' (got '%.*s%s')", path, l.lineno,
                 i + 1, i - AZ19_FIXED >= AZ19_MINUTES ? "<= 1440" : want,
                 (int)(fl > TRACE_QUOTE_MAX ? TRACE_QUOTE_MAX : fl), fs, fl > TRACE_QUOTE_MAX ? "..." : "");
            goto out;
        }
        minutes = i - AZ19_FIXED + 1;
    }
    if (minutes == 0) {
        textline_fail(msg, msg_len, "%s:%zu: no minute columns after Trigger (expected 1,...,1440)", path, l.lineno);
        goto out;
    }
    size_t header_cols = AZ19_FIXED + minutes;
    while (next_line(&l, &s, &sl, msg, msg_len)) {
        size_t n = csv_count(s, sl);
        if (n != header_cols) {
            textline_fail(msg, msg_len, "%s:%zu: the row has %zu columns, the header %zu (truncated line?)", path,
                 l.lineno, n, header_cols);
            goto out;
        }
        rows++;
        pos = 0;
        done = false;
        const char *fn = NULL;
        size_t fn_len = 0;
        for (size_t i = 0; i < AZ19_FIXED && csv_next(s, sl, &pos, &done, &fs, &fl); i++) {
            if (i == 2) {
                fn = fs;
                fn_len = fl;
            }
        }
        if (rows == 1)
            snprintf(first_fn, sizeof first_fn, "%.*s", (int)fn_len, fn);
        bool match = any || field_is(fn, fn_len, function);
        if (!match)
            continue;
        if (match_line != 0) {
            if (any)
                other_line = l.lineno;
            else
                textline_fail(msg, msg_len, "%s:%zu: function '%s' appears again (first at line %zu); keep one "
                     "row per function", path, l.lineno, function, match_line);
            if (!any)
                goto out;
            continue;
        }
        match_line = l.lineno;
        c = xcalloc(minutes, sizeof *c);
        for (size_t m = 0; m < minutes && csv_next(s, sl, &pos, &done, &fs, &fl); m++) {
            double v = 0;
            if (!textline_parse_number(fs, fl, &v) || v < 0 || floor(v) != v || v > 1e12) {
                textline_fail(msg, msg_len, "%s:%zu: minute %zu: not a whole number >= 0 ('%.*s%s')", path, l.lineno,
                     m + 1, (int)(fl > TRACE_QUOTE_MAX ? TRACE_QUOTE_MAX : fl), fs,
                     fl > TRACE_QUOTE_MAX ? "..." : "");
                goto out;
            }
            c[m] = (uint64_t)v;
        }
    }
    if (l.error)
        goto out;
    if (rows == 0) {
        textline_fail(msg, msg_len, "%s: no functions (only a header)", path);
        goto out;
    }
    if (match_line == 0) {
        textline_fail(msg, msg_len, "%s: no function '%s' (the file has %zu, e.g. '%s' at line 2)", path, function,
             rows, first_fn);
        goto out;
    }
    if (other_line != 0) {
        textline_fail(msg, msg_len, "%s: the file holds %zu functions; choose one with workload.function (e.g. "
             "'%s')", path, rows, first_fn);
        goto out;
    }
    size_t first = 0, last = 0;
    uint64_t sum = 0;
    bool seen = false;
    for (size_t m = 0; m < minutes; m++) {
        if (c[m] > 0) {
            if (!seen)
                first = m;
            seen = true;
            last = m;
            sum += c[m];
        }
    }
    if (!seen) {
        textline_fail(msg, msg_len, "%s:%zu: the function has no invocations in any minute", path, match_line);
        goto out;
    }
    memmove(c, c + first, (last - first + 1) * sizeof *c);
    *counts = c;
    *n_minutes = last - first + 1;
    *total = sum;
    c = NULL;
    if (msg != NULL && msg_len > 0)
        msg[0] = '\0';
    rc = 0;
out:
    free(c);
    close_lines(&l);
    return rc;
}

static int cmp_time(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

int trace_read_azure2021(const char *path, const char *app, const char *function, double **start_s,
                         size_t *n, char *msg, size_t msg_len)
{
    enum { C_APP = 0, C_FUNC, C_END, C_DURATION, C_N };
    static const char *const names[C_N] = { "app", "func", "end_timestamp", "duration" };
    struct lines l;
    const char *s, *fs;
    size_t sl, fl, pos, len = 0, cap = 0, header_cols = 0;
    bool done;
    long col[C_N] = { -1, -1, -1, -1 };
    double *t = NULL;
    char first_app[128] = "", first_func[128] = "", other[300] = "";
    size_t first_line = 0;
    int rc = -1;
    bool any_fn = function == NULL || function[0] == '\0', any_app = app == NULL || app[0] == '\0';
    *start_s = NULL;
    *n = 0;
    if (open_lines(&l, path, msg, msg_len) != 0)
        return -1;
    if (!next_line(&l, &s, &sl, msg, msg_len)) {
        if (!l.error)
            textline_fail(msg, msg_len, "%s: empty (expected the header app,func,end_timestamp,duration)", path);
        goto out;
    }
    pos = 0;
    done = false;
    for (long i = 0; csv_next(s, sl, &pos, &done, &fs, &fl); i++) {
        header_cols++;
        for (int k = 0; k < C_N; k++) {
            if (field_is(fs, fl, names[k]))
                col[k] = i;
        }
    }
    for (int k = 0; k < C_N; k++) {
        if (col[k] < 0) {
            textline_fail(msg, msg_len, "%s:%zu: no column named '%s' in header (an Azure 2021 trace has "
                 "app,func,end_timestamp,duration)", path, l.lineno, names[k]);
            goto out;
        }
    }
    while (next_line(&l, &s, &sl, msg, msg_len)) {
        const char *f[C_N] = { NULL };
        size_t flen[C_N] = { 0 };
        size_t cols = 0;
        pos = 0;
        done = false;
        while (csv_next(s, sl, &pos, &done, &fs, &fl)) {
            for (int k = 0; k < C_N; k++) {
                if ((long)cols == col[k]) {
                    f[k] = fs;
                    flen[k] = fl;
                }
            }
            cols++;
        }
        if (cols != header_cols) {
            textline_fail(msg, msg_len, "%s:%zu: the row has %zu columns, the header %zu (truncated line?)", path,
                 l.lineno, cols, header_cols);
            goto out;
        }
        if (first_line == 0) {
            first_line = l.lineno;
            snprintf(first_app, sizeof first_app, "%.*s", (int)flen[C_APP], f[C_APP]);
            snprintf(first_func, sizeof first_func, "%.*s", (int)flen[C_FUNC], f[C_FUNC]);
        }
        /* With no function named, the first row's app/func is the one. */
        bool fn_ok = any_fn ? field_is(f[C_FUNC], flen[C_FUNC], first_func)
                                  && (!any_app || field_is(f[C_APP], flen[C_APP], first_app))
                            : field_is(f[C_FUNC], flen[C_FUNC], function);
        if (!fn_ok) {
            if (any_fn && other[0] == '\0')
                snprintf(other, sizeof other, "'%.*s/%.*s' at line %zu", (int)flen[C_APP], f[C_APP],
                         (int)flen[C_FUNC], f[C_FUNC], l.lineno);
            continue;
        }
        if (!any_app && !field_is(f[C_APP], flen[C_APP], app))
            continue;
        /* The first matching row fixes the app when none was given. */
        if (len == 0 && any_app && !any_fn)
            snprintf(first_app, sizeof first_app, "%.*s", (int)flen[C_APP], f[C_APP]);
        if (any_app && !field_is(f[C_APP], flen[C_APP], first_app)) {
            textline_fail(msg, msg_len, "%s:%zu: function '%s' is in more than one app ('%s' and '%.*s'); choose "
                 "one with workload.app", path, l.lineno, any_fn ? first_func : function, first_app,
                 (int)flen[C_APP], f[C_APP]);
            goto out;
        }
        double end = 0, dur = 0;
        for (int k = C_END; k <= C_DURATION; k++) {
            double *v = k == C_END ? &end : &dur;
            if (!textline_parse_number(f[k], flen[k], v) || !isfinite(*v)) {
                textline_fail(msg, msg_len, "%s:%zu: %s: not a number ('%.*s%s')", path, l.lineno, names[k],
                     (int)(flen[k] > TRACE_QUOTE_MAX ? TRACE_QUOTE_MAX : flen[k]), f[k],
                     flen[k] > TRACE_QUOTE_MAX ? "..." : "");
                goto out;
            }
            if (*v < 0) {
                textline_fail(msg, msg_len, "%s:%zu: %s: must be >= 0 (got %.*s)", path, l.lineno, names[k],
                     (int)flen[k], f[k]);
                goto out;
            }
        }
        t = xgrow(t, &cap, len + 1, sizeof *t);
        t[len++] = end - dur;
    }
    if (l.error)
        goto out;
    if (first_line == 0) {
        textline_fail(msg, msg_len, "%s: no invocations (only a header)", path);
        goto out;
    }
    if (any_fn && other[0] != '\0') {
        textline_fail(msg, msg_len, "%s: the file holds more than one function ('%s/%s' at line %zu, %s); choose "
             "one with workload.function (and workload.app)", path, first_app, first_func, first_line, other);
        goto out;
    }
    if (len == 0) {
        if (any_app)
            textline_fail(msg, msg_len, "%s: no function '%s' (e.g. '%s' at line %zu)", path, function, first_func,
                 first_line);
        else
            textline_fail(msg, msg_len, "%s: no function '%s' in app '%s'", path, any_fn ? first_func : function, app);
        goto out;
    }
    /* The trace lists invocations by end time; arrivals are the starts. */
    qsort(t, len, sizeof *t, cmp_time);
    double t0 = t[0];
    for (size_t i = 0; i < len; i++)
        t[i] -= t0;
    *start_s = t;
    *n = len;
    t = NULL;
    if (msg != NULL && msg_len > 0)
        msg[0] = '\0';
    rc = 0;
out:
    free(t);
    close_lines(&l);
    return rc;
}
