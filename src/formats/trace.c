/* trace: reads request-arrival times from a plain list or a CSV with a
 * time_s column. Bad input is reported with file and line, never fixed. */
#include "formats/trace.h"

#include <assert.h>
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

/* Trims blanks (and, for CSV fields, one pair of double quotes). */
static void trim(const char **s, size_t *len, bool unquote)
{
    textline_trim(s, len, unquote);
}

/* Field `want` of a comma-separated row (textline_csv_next). Returns the
 * number of fields in the row when it has fewer, else 0. */
static size_t csv_field(const char *s, size_t len, size_t want, const char **fs, size_t *flen)
{
    size_t pos = 0, field = 0;
    bool done = false;
    while (textline_csv_next(s, len, &pos, &done, fs, flen)) {
        if (field == want)
            return 0;
        field++;
    }
    return field;
}

/* Index of the first field of a row that reads `name`, or `none`. One pass
 * over the row: a csv_field call per column would be quadratic in its
 * width, and a header of a few hundred thousand columns would hang. */
static long csv_find(const char *s, size_t len, const char *name, long none)
{
    size_t pos = 0, nl = strlen(name), fl;
    const char *fs;
    bool done = false;
    for (long field = 0; textline_csv_next(s, len, &pos, &done, &fs, &fl); field++)
        if (fl == nl && memcmp(fs, name, nl) == 0)
            return field;
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

/* The fields of a CSV row (textline_csv_next). */
static bool csv_next(const char *s, size_t len, size_t *pos, bool *done, const char **fs, size_t *fl)
{
    return textline_csv_next(s, len, pos, done, fs, fl);
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
#define AZ19_NAME_MAX 128

#define QUOTE(fs, fl) (int)((fl) > TRACE_QUOTE_MAX ? TRACE_QUOTE_MAX : (fl)), (fs), \
                      (fl) > TRACE_QUOTE_MAX ? "..." : ""

/* One invocation-count file: the counts of `function`'s row over the
 * file's minute columns (a contiguous window first..first+n-1 of the day,
 * 1-based). With missing_ok, a file without the function gives *found =
 * false and no error; its window is still returned (zero counts). */
struct az19_file {
    uint64_t *counts;           /* owned, n of them */
    size_t n, first;
    bool found;
    size_t line;                /* of the row */
    char app[AZ19_NAME_MAX];
    char function[AZ19_NAME_MAX];
};

static int az19_read_file(const char *path, const char *function, bool missing_ok, struct az19_file *out,
                          char *msg, size_t msg_len)
{
    static const char *const fixed[AZ19_FIXED] = { "HashOwner", "HashApp", "HashFunction", "Trigger" };
    struct lines l;
    const char *s, *fs;
    size_t sl, fl, pos;
    bool done;
    uint64_t *c = NULL;
    size_t minutes = 0, first = 0, match_line = 0, rows = 0, other_line = 0;
    char first_fn[80] = "";
    int rc = -1;
    memset(out, 0, sizeof *out);
    bool any = function == NULL || function[0] == '\0';
    if (open_lines(&l, path, msg, msg_len) != 0)
        return -1;
    if (!next_line(&l, &s, &sl, msg, msg_len)) {
        if (!l.error)
            textline_fail(msg, msg_len, "%s: empty (expected the header HashOwner,HashApp,HashFunction,Trigger,"
                 "1,...,1440)", path);
        goto out;
    }
    /* Header: the four fixed columns, then consecutive minutes of the day:
     * 1..1440 as published, or any window of them (540..689) when the file
     * was cut. A gap or a reordering would shift every later minute. */
    pos = 0;
    done = false;
    for (size_t i = 0; csv_next(s, sl, &pos, &done, &fs, &fl); i++) {
        if (i < AZ19_FIXED) {
            if (!field_is(fs, fl, fixed[i])) {
                textline_fail(msg, msg_len, "%s:%zu: column %zu must be '%s' (got '%.*s%s'): not an Azure 2019 "
                     "invocation-count file", path, l.lineno, i + 1, fixed[i], QUOTE(fs, fl));
                goto out;
            }
            continue;
        }
        if (i == AZ19_FIXED) {
            double v = 0;
            if (!textline_parse_number(fs, fl, &v) || floor(v) != v || v < 1 || v > AZ19_MINUTES) {
                textline_fail(msg, msg_len, "%s:%zu: column %zu must be a minute of the day, 1..1440 (got "
                     "'%.*s%s')", path, l.lineno, i + 1, QUOTE(fs, fl));
                goto out;
            }
            first = (size_t)v;
        } else {
            char want[32];
            size_t m = first + (i - AZ19_FIXED);
            snprintf(want, sizeof want, "%zu", m);
            if (m > AZ19_MINUTES) {
                textline_fail(msg, msg_len, "%s:%zu: column %zu: a day has 1440 minutes (got '%.*s%s' after "
                     "minute 1440)", path, l.lineno, i + 1, QUOTE(fs, fl));
                goto out;
            }
            if (!field_is(fs, fl, want)) {
                textline_fail(msg, msg_len, "%s:%zu: column %zu must be minute '%s' (got '%.*s%s'): minute "
                     "columns must be consecutive (a window such as 540..689 is fine; gaps and reordering "
                     "are not)", path, l.lineno, i + 1, want, QUOTE(fs, fl));
                goto out;
            }
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
        const char *fn = NULL, *app = NULL;
        size_t fn_len = 0, app_len = 0;
        for (size_t i = 0; i < AZ19_FIXED && csv_next(s, sl, &pos, &done, &fs, &fl); i++) {
            if (i == 1) {
                app = fs;
                app_len = fl;
            } else if (i == 2) {
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
        snprintf(out->app, sizeof out->app, "%.*s", (int)app_len, app);
        snprintf(out->function, sizeof out->function, "%.*s", (int)fn_len, fn);
        c = xcalloc(minutes, sizeof *c);
        for (size_t m = 0; m < minutes && csv_next(s, sl, &pos, &done, &fs, &fl); m++) {
            double v = 0;
            if (!textline_parse_number(fs, fl, &v) || v < 0 || floor(v) != v || v > 1e12) {
                textline_fail(msg, msg_len, "%s:%zu: minute %zu: not a whole number >= 0 ('%.*s%s')", path, l.lineno,
                     first + m, QUOTE(fs, fl));
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
    if (match_line == 0 && !missing_ok) {
        textline_fail(msg, msg_len, "%s: no function '%s' (the file has %zu, e.g. '%s' at line 2)", path, function,
             rows, first_fn);
        goto out;
    }
    if (other_line != 0) {
        textline_fail(msg, msg_len, "%s: the file holds %zu functions; choose one with workload.function (e.g. "
             "'%s')", path, rows, first_fn);
        goto out;
    }
    out->found = match_line != 0;
    out->line = match_line;
    out->counts = c != NULL ? c : xcalloc(minutes, sizeof *c);
    out->n = minutes;
    out->first = first;
    c = NULL;
    rc = 0;
out:
    free(c);
    close_lines(&l);
    return rc;
}

int trace_read_azure2019_files(const char *const *paths, size_t n_paths, const char *function,
                               struct trace_az19 *out, char *msg, size_t msg_len)
{
    memset(out, 0, sizeof *out);
    if (n_paths == 0) {
        textline_fail(msg, msg_len, "no invocation-count file given");
        return -1;
    }
    bool any = function == NULL || function[0] == '\0';
    if (n_paths > 1 && any) {
        textline_fail(msg, msg_len, "%s: %zu files are chained into one trace; name the function with "
             "workload.function", paths[0], n_paths);
        return -1;
    }
    uint64_t *all = NULL;
    size_t cap = 0, len = 0, day = 0, prev_last = 0, found = 0;
    const char *app_path = NULL;
    size_t app_line = 0;
    int rc = -1;
    for (size_t k = 0; k < n_paths; k++) {
        struct az19_file f;
        if (az19_read_file(paths[k], function, n_paths > 1, &f, msg, msg_len) != 0)
            goto out;
        /* A file whose first minute directly follows the previous file's
         * last continues that day (a day cut into pieces); any other file
         * is the next day, at its own minutes of that day. */
        if (k > 0 && !(f.first == prev_last + 1))
            day++;
        size_t at = day * AZ19_MINUTES + (f.first - 1);
        all = xgrow(all, &cap, at + f.n, sizeof *all);
        for (size_t i = len; i < at; i++)
            all[i] = 0;
        memcpy(all + at, f.counts, f.n * sizeof *all);
        len = at + f.n;
        prev_last = f.first + f.n - 1;
        if (f.found) {
            if (found > 0 && strcmp(f.app, out->app) != 0) {
                textline_fail(msg, msg_len, "%s:%zu: function '%s' is in app '%s' here but in app '%s' in %s:%zu "
                     "(chained files must describe one function)", paths[k], f.line, function, f.app, out->app,
                     app_path, app_line);
                free(f.counts);
                goto out;
            }
            if (found == 0) {
                snprintf(out->app, sizeof out->app, "%s", f.app);
                snprintf(out->function, sizeof out->function, "%s", f.function);
                app_path = paths[k];
                app_line = f.line;
            }
            found++;
        }
        free(f.counts);
    }
    if (found == 0) {
        textline_fail(msg, msg_len, "%s: no function '%s' in any of the %zu chained files", paths[0], function,
             n_paths);
        goto out;
    }
    size_t first = 0, last = 0;
    uint64_t sum = 0;
    bool seen = false;
    for (size_t m = 0; m < len; m++) {
        if (all[m] > 0) {
            if (!seen)
                first = m;
            seen = true;
            last = m;
            sum += all[m];
        }
    }
    if (!seen) {
        if (n_paths == 1)
            textline_fail(msg, msg_len, "%s:%zu: the function has no invocations in any minute", paths[0],
                 app_line);
        else
            textline_fail(msg, msg_len, "%s: the function has no invocations in any minute of the %zu chained "
                 "files", paths[0], n_paths);
        goto out;
    }
    memmove(all, all + first, (last - first + 1) * sizeof *all);
    out->counts = all;
    out->n_minutes = last - first + 1;
    out->total = sum;
    out->first_minute = first;
    out->files_found = found;
    all = NULL;
    if (msg != NULL && msg_len > 0)
        msg[0] = '\0';
    rc = 0;
out:
    free(all);
    if (rc != 0) {
        out->app[0] = '\0';
        out->function[0] = '\0';
    }
    return rc;
}

int trace_read_azure2019(const char *path, const char *function, uint64_t **counts, size_t *n_minutes,
                         uint64_t *total, char *msg, size_t msg_len)
{
    struct trace_az19 t;
    *counts = NULL;
    *n_minutes = 0;
    *total = 0;
    if (trace_read_azure2019_files(&path, 1, function, &t, msg, msg_len) != 0)
        return -1;
    *counts = t.counts;
    *n_minutes = t.n_minutes;
    *total = t.total;
    return 0;
}

/* ---- Azure 2019 durations and memory percentiles ------------------------------ */

/* Reads a header and the one row chosen by key column `key` == `want`
 * (want NULL or "": the file must hold one row) of a percentile file;
 * names[0..n) are required numeric columns, stored in v[] in that order.
 * `what` names the file kind in messages. */
static int read_pct_row(const char *path, const char *what, const char *key, const char *want,
                        const char *const *names, size_t n, double *v, char *msg, size_t msg_len)
{
    struct lines l;
    const char *s, *fs;
    size_t sl, fl, pos, header_cols = 0, match_line = 0, rows = 0;
    bool done;
    long col[24], key_col = -1;
    char first_key[80] = "";
    int rc = -1;
    bool any = want == NULL || want[0] == '\0';
    assert(n <= 24);
    for (size_t k = 0; k < n; k++)
        col[k] = -1;
    if (open_lines(&l, path, msg, msg_len) != 0)
        return -1;
    if (!next_line(&l, &s, &sl, msg, msg_len)) {
        if (!l.error)
            textline_fail(msg, msg_len, "%s: empty (expected the header of an Azure 2019 %s file)", path, what);
        goto out;
    }
    pos = 0;
    done = false;
    for (long i = 0; csv_next(s, sl, &pos, &done, &fs, &fl); i++) {
        header_cols++;
        if (field_is(fs, fl, key))
            key_col = i;
        for (size_t k = 0; k < n; k++) {
            if (field_is(fs, fl, names[k]))
                col[k] = i;
        }
    }
    if (key_col < 0) {
        textline_fail(msg, msg_len, "%s:%zu: no column named '%s' in header (not an Azure 2019 %s file)", path,
             l.lineno, key, what);
        goto out;
    }
    for (size_t k = 0; k < n; k++) {
        if (col[k] < 0) {
            textline_fail(msg, msg_len, "%s:%zu: no column named '%s' in header (not an Azure 2019 %s file)", path,
                 l.lineno, names[k], what);
            goto out;
        }
    }
    while (next_line(&l, &s, &sl, msg, msg_len)) {
        size_t cols = csv_count(s, sl);
        if (cols != header_cols) {
            textline_fail(msg, msg_len, "%s:%zu: the row has %zu columns, the header %zu (truncated line?)", path,
                 l.lineno, cols, header_cols);
            goto out;
        }
        rows++;
        const char *kf = NULL;
        size_t kl = 0;
        pos = 0;
        done = false;
        for (long i = 0; csv_next(s, sl, &pos, &done, &fs, &fl); i++) {
            if (i == key_col) {
                kf = fs;
                kl = fl;
            }
        }
        if (rows == 1)
            snprintf(first_key, sizeof first_key, "%.*s", (int)kl, kf);
        if (!any && !field_is(kf, kl, want))
            continue;
        if (match_line != 0) {
            if (any)
                textline_fail(msg, msg_len, "%s: the file holds more than one row; %s picks one (e.g. '%s')", path,
                     key, first_key);
            else
                textline_fail(msg, msg_len, "%s:%zu: %s '%s' appears again (first at line %zu)", path, l.lineno,
                     key, want, match_line);
            goto out;
        }
        match_line = l.lineno;
        pos = 0;
        done = false;
        for (long i = 0; csv_next(s, sl, &pos, &done, &fs, &fl); i++) {
            for (size_t k = 0; k < n; k++) {
                if (i != col[k])
                    continue;
                if (!textline_parse_number(fs, fl, &v[k]) || !isfinite(v[k]) || v[k] < 0) {
                    textline_fail(msg, msg_len, "%s:%zu: %s: not a number >= 0 ('%.*s%s')", path, l.lineno,
                         names[k], QUOTE(fs, fl));
                    goto out;
                }
            }
        }
    }
    if (l.error)
        goto out;
    if (rows == 0) {
        textline_fail(msg, msg_len, "%s: no rows (only a header)", path);
        goto out;
    }
    if (match_line == 0) {
        textline_fail(msg, msg_len, "%s: no %s '%s' (the file has %zu rows, e.g. '%s' at line 2)", path, key, want,
             rows, first_key);
        goto out;
    }
    /* Percentile columns come last in names[] and must not decrease. */
    rc = (int)match_line;
out:
    close_lines(&l);
    return rc;
}

static int check_increasing(const char *path, int line, const char *const *names, const double *v, size_t n,
                            char *msg, size_t msg_len)
{
    for (size_t k = 1; k < n; k++) {
        if (v[k] < v[k - 1]) {
            char g1[40], g2[40];
            textline_fail(msg, msg_len, "%s:%d: %s (%s) is below %s (%s): percentiles must not decrease", path,
                 line, names[k], fmt_num(g1, sizeof g1, v[k]), names[k - 1], fmt_num(g2, sizeof g2, v[k - 1]));
            return -1;
        }
    }
    return 0;
}

const double trace_az19_duration_p[TRACE_AZ19_DURATION_PCTS] = { 0, 0.01, 0.25, 0.50, 0.75, 0.99, 1 };
const double trace_az19_memory_p[TRACE_AZ19_MEMORY_PCTS] = { 0.01, 0.05, 0.25, 0.50, 0.75, 0.95, 0.99, 1 };

int trace_read_azure2019_durations(const char *path, const char *function, struct trace_az19_durations *out,
                                   char *msg, size_t msg_len)
{
    static const char *const names[] = {
        "Average", "Count", "percentile_Average_0", "percentile_Average_1", "percentile_Average_25",
        "percentile_Average_50", "percentile_Average_75", "percentile_Average_99", "percentile_Average_100",
    };
    double v[9];
    memset(out, 0, sizeof *out);
    int line = read_pct_row(path, "durations-percentile", "HashFunction", function, names, 9, v, msg, msg_len);
    if (line < 0 || check_increasing(path, line, names + 2, v + 2, TRACE_AZ19_DURATION_PCTS, msg, msg_len) != 0)
        return -1;
    out->average_ms = v[0];
    out->count = v[1];
    memcpy(out->pct_ms, v + 2, sizeof out->pct_ms);
    if (msg != NULL && msg_len > 0)
        msg[0] = '\0';
    return 0;
}

int trace_read_azure2019_memory(const char *path, const char *app, const char *function,
                                struct trace_az19_memory *out, char *msg, size_t msg_len)
{
    static const char *const names[] = {
        "SampleCount", "AverageAllocatedMb", "AverageAllocatedMb_pct1", "AverageAllocatedMb_pct5",
        "AverageAllocatedMb_pct25", "AverageAllocatedMb_pct50", "AverageAllocatedMb_pct75",
        "AverageAllocatedMb_pct95", "AverageAllocatedMb_pct99", "AverageAllocatedMb_pct100",
    };
    double v[10];
    memset(out, 0, sizeof *out);
    /* As published the file has one row per app (memory is allocated per
     * app); a per-function variant (a HashFunction column, as some tools
     * write) is matched by function instead. */
    bool per_function = false;
    {
        struct lines l;
        const char *s, *fs;
        size_t sl, fl, pos = 0;
        bool done = false;
        if (open_lines(&l, path, msg, msg_len) != 0)
            return -1;
        if (next_line(&l, &s, &sl, msg, msg_len)) {
            while (csv_next(s, sl, &pos, &done, &fs, &fl))
                per_function = per_function || field_is(fs, fl, "HashFunction");
        }
        close_lines(&l);
    }
    int line = per_function
                   ? read_pct_row(path, "memory-percentile", "HashFunction", function, names, 10, v, msg, msg_len)
                   : read_pct_row(path, "memory-percentile", "HashApp", app, names, 10, v, msg, msg_len);
    if (line < 0 || check_increasing(path, line, names + 2, v + 2, TRACE_AZ19_MEMORY_PCTS, msg, msg_len) != 0)
        return -1;
    out->sample_count = v[0];
    out->average_mb = v[1];
    memcpy(out->pct_mb, v + 2, sizeof out->pct_mb);
    out->per_function = per_function;
    if (msg != NULL && msg_len > 0)
        msg[0] = '\0';
    return 0;
}

void trace_az19_duration_dist(const struct trace_az19_durations *d, struct dist *out_s)
{
    /* The percentiles, joined by straight lines, are the quantile function
     * Q(p); it is tabulated at TRACE_AZ19_QUANTILE_POINTS evenly spaced
     * probabilities (p = (i + 0.5) / n) and drawn from uniformly, which is
     * inverse-transform sampling of Q with a resolution of 1/n. */
    size_t n = TRACE_AZ19_QUANTILE_POINTS;
    memset(out_s, 0, sizeof *out_s);
    out_s->kind = DIST_EMPIRICAL;
    out_s->samples = xmalloc(n * sizeof *out_s->samples);
    out_s->n_samples = n;
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        double p = ((double)i + 0.5) / (double)n;
        while (k + 2 < TRACE_AZ19_DURATION_PCTS && p > trace_az19_duration_p[k + 1])
            k++;
        double p0 = trace_az19_duration_p[k], p1 = trace_az19_duration_p[k + 1];
        double v0 = d->pct_ms[k], v1 = d->pct_ms[k + 1];
        double q = v0 + (v1 - v0) * (p - p0) / (p1 - p0);
        out_s->samples[i] = q / 1000.0;
    }
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
