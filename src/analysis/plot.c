/* plot: reads lambdasim's CSV outputs, prepares what each figure needs
 * (sorted latencies, bins, state intervals, a grid of sweep cells), hands
 * it to gnuplot inline in one command file, and runs gnuplot without a
 * shell. The drawing itself lives in plots/<kind>.gp.
 *
 * Nothing read from a file reaches gnuplot as a command. The command file
 * holds numbers we print, data blocks, and constant command text; every
 * text (titles, legend entries, axis names, tick labels) is a line of the
 * data block $text or a "..." column of a data block, read by the scripts
 * as data ($text[i], xticlabels(), with labels). A data line can end its
 * block early only by starting with the terminator, so text lines start
 * with a space. The only strings in commands are paths, through
 * plot_gnuplot_quote. */
#include "analysis/plot.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>
#include <gsl/gsl_statistics_double.h>
#include "base/common.h"
#include "base/infile.h"
#include "base/outfile.h"
#include "base/textline.h"
#include "base/xalloc.h"
#include "base/datadir.h"

#define CDF_BODY_POINTS 3000    /* points drawn for the lower 99 % of a CDF */
#define CDF_TAIL_POINTS 1000    /* and for the top 1 % */
#define HIST_BINS 40
#define TIMELINE_MIN_WIDTH 0.002 /* shortest drawn interval, as a fraction of the time axis */
#define FRONT_LABELS_MAX 12
#define PNG_MIN_BYTES 1000      /* a real figure is never smaller */
#define TEXT_MAX 400            /* longest title or legend entry drawn (bytes) */
#define LABEL_MAX 120           /* longest tick or point label drawn (bytes) */
#define QUEUE_LEN_MAX 1e12      /* a queue length in a timeline CSV */
#define INSTANCE_ID_MAX 1e9     /* an instance id in a timeline CSV */

static const struct {
    const char *name;
    const char *script;
    const char *title;
    size_t min_inputs, max_inputs;
} kinds[PLOT_N_KINDS] = {
    [PLOT_CDF] = { "cdf", "cdf.gp", "Latency CDF", 1, 12 },
    [PLOT_HISTOGRAM] = { "histogram", "histogram.gp", "Latency histogram", 1, 6 },
    [PLOT_TIMELINE] = { "timeline", "timeline.gp", "Instance timeline", 1, 1 },
    [PLOT_QUEUE] = { "queue", "queue.gp", "Batching queue length over time", 1, 6 },
    [PLOT_HEATMAP] = { "heatmap", "heatmap.gp", NULL, 1, 1 },
    [PLOT_PARETO] = { "pareto", "pareto.gp", "Pareto front: p99 latency vs cost", 1, 1 },
    [PLOT_PAPER] = { "paper", "paper.gp", "The paper's baseline vs the simulator", 2, 13 },
    [PLOT_LINE] = { "line", "line.gp", NULL, 1, 1 },
};

const char *plot_kind_name(enum plot_kind k)
{
    return k < PLOT_N_KINDS ? kinds[k].name : "?";
}

int plot_kind_parse(const char *name, enum plot_kind *out)
{
    for (int k = 0; k < PLOT_N_KINDS; k++) {
        if (strcmp(kinds[k].name, name) == 0) {
            *out = (enum plot_kind)k;
            return 0;
        }
    }
    return -1;
}

/* ---- errors ---------------------------------------------------------------- */

static void fail_msg(char *msg, size_t len, const char *fmt, ...) PRINTF_LIKE(3, 4);

static void fail_msg(char *msg, size_t len, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, len, fmt, ap);
    va_end(ap);
    /* Cells and paths quoted from the inputs: one line, no terminal controls. */
    for (char *p = msg; *p != '\0'; p++)
        if ((unsigned char)*p < 0x20 || *p == 0x7f)
            *p = '?';
}

/* Writes the message and yields st. A macro, so that the static analyzer
 * (which does not follow variadic calls) sees which status comes back. */
#define fail(msg, len, st, ...) (fail_msg((msg), (len), __VA_ARGS__), (st))

/* ---- CSV reading --------------------------------------------------------------- */

/* Our own CSV files: a header row, comma-separated cells, double quotes
 * around cells that need them ("" inside), '#' comment lines (sweep shards). */
struct csv {
    FILE *f;
    const char *path;
    char *line;
    size_t cap;
    long lineno;
    struct textline_csv_record rec;   /* the current line's cells */
    char **field;       /* rec.cells */
    size_t n;           /* rec.n */
    char **header;
    size_t n_header;
    char *source;       /* the first "# source: ..." comment, NULL if none */
    char *msg;          /* where csv_next reports a bad file */
    size_t msg_len;
    bool failed;        /* csv_next stopped on a bad line (message in msg) */
};

/* Next data line: 1, or 0 at the end or on a bad line (then c->failed,
 * with the message in c->msg). */
static int csv_next(struct csv *c)
{
    for (;;) {
        ssize_t got = textline_read(&c->line, &c->cap, c->f);
        if (got == TEXTLINE_TOO_LONG) {
            fail_msg(c->msg, c->msg_len, "%s:%ld: a line longer than %zu MB: not a CSV file", c->path,
                     c->lineno + 1, TEXTLINE_MAX >> 20);
            c->failed = true;
            return 0;
        }
        if (got < 0) {
            if (ferror(c->f)) {
                fail_msg(c->msg, c->msg_len, "%s: read error", c->path);
                c->failed = true;
            }
            return 0;
        }
        c->lineno++;
        if (strlen(c->line) != (size_t)got) {
            fail_msg(c->msg, c->msg_len, "%s:%ld: a NUL byte: not a text file", c->path, c->lineno);
            c->failed = true;
            return 0;
        }
        if (c->line[0] == '#') {
            if (c->source == NULL && strncmp(c->line, "# source:", 9) == 0) {
                c->source = xstrdup(c->line + 9 + (c->line[9] == ' '));
                c->source[strcspn(c->source, "\r\n")] = '\0';
            }
            continue;
        }
        if (c->line[0] == '\n' || (c->line[0] == '\r' && c->line[1] == '\n'))
            continue;
        size_t pos = 0;
        bool bad = false;
        if (textline_csv_record_next(c->line, (size_t)got, &pos, &c->rec, &bad) < 0) {
            fail_msg(c->msg, c->msg_len, "%s:%ld: a quoted cell is not closed on its line", c->path, c->lineno);
            c->failed = true;
            return 0;
        }
        c->field = c->rec.cells;
        c->n = c->rec.n;
        return 1;
    }
}

/* After a loop over csv_next: PLOT_ERR_INPUT if it stopped on a bad line. */
static enum plot_status csv_status(const struct csv *c, enum plot_status st)
{
    return st == PLOT_OK && c->failed ? PLOT_ERR_INPUT : st;
}

static void csv_close(struct csv *c)
{
    if (c->f != NULL)
        fclose(c->f);
    free(c->line);
    textline_csv_record_fini(&c->rec);
    for (size_t i = 0; i < c->n_header; i++)
        free(c->header[i]);
    free(c->header);
    free(c->source);
    memset(c, 0, sizeof *c);
}

/* Opens the file and reads its header. `what` names the expected kind of
 * file for messages. */
static enum plot_status csv_open(struct csv *c, const char *path, const char *what, char *msg, size_t len)
{
    memset(c, 0, sizeof *c);
    c->path = path;
    c->msg = msg;
    c->msg_len = len;
    char why[PLOT_MSG_MAX];
    c->f = infile_open(path, "input", why, sizeof why);
    if (c->f == NULL)
        return fail(msg, len, PLOT_ERR_INPUT, "%s", why);
    if (!csv_next(c)) {
        bool failed = c->failed;
        csv_close(c);
        if (failed)
            return PLOT_ERR_INPUT;
        return fail(msg, len, PLOT_ERR_INPUT, "%s: empty file (expected %s)", path, what);
    }
    c->header = xcalloc(c->n, sizeof *c->header);
    for (size_t i = 0; i < c->n; i++)
        c->header[i] = xstrdup(c->field[i]);
    c->n_header = c->n;
    return PLOT_OK;
}

static int csv_col(const struct csv *c, const char *name)
{
    for (size_t i = 0; i < c->n_header; i++)
        if (strcmp(c->header[i], name) == 0)
            return (int)i;
    return -1;
}

/* Finds required columns; on a missing one, a message naming it. */
static enum plot_status csv_cols(const struct csv *c, const char *what, const char *const *names, int *idx,
                                 size_t n, char *msg, size_t len)
{
    for (size_t i = 0; i < n; i++) {
        idx[i] = csv_col(c, names[i]);
        if (idx[i] < 0)
            return fail(msg, len, PLOT_ERR_INPUT, "%s: no column '%s' (expected %s)", c->path, names[i], what);
    }
    return PLOT_OK;
}

static const char *cell(const struct csv *c, int i)
{
    return i >= 0 && (size_t)i < c->n ? c->field[i] : "";
}

/* A cell as a number: empty is NAN (a value that could not be computed). */
static enum plot_status cell_num(const struct csv *c, int i, double *out, char *msg, size_t len)
{
    const char *s = cell(c, i);
    if (*s == '\0') {
        *out = (double)NAN;
        return PLOT_OK;
    }
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (errno != 0 || *end != '\0')
        return fail(msg, len, PLOT_ERR_INPUT, "%s:%ld: column '%s': not a number ('%s')", c->path, c->lineno,
                    c->header[i], s);
    *out = v;
    return PLOT_OK;
}

static void free_strings_n(char **s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(s[i]);
    free(s);
}

/* ---- gnuplot text ------------------------------------------------------------------ */

/* Length of the valid UTF-8 sequence at p (1 to 4), or 0 (a stray or
 * truncated byte, an overlong form, a surrogate, above U+10FFFF). */
static size_t utf8_seq(const unsigned char *p)
{
    if (p[0] < 0x80)
        return 1;
    size_t n;
    unsigned cp;
    if (p[0] >= 0xc2 && p[0] <= 0xdf) {
        n = 2;
        cp = p[0] & 0x1fu;
    } else if (p[0] >= 0xe0 && p[0] <= 0xef) {
        n = 3;
        cp = p[0] & 0x0fu;
    } else if (p[0] >= 0xf0 && p[0] <= 0xf4) {
        n = 4;
        cp = p[0] & 0x07u;
    } else {
        return 0;
    }
    for (size_t i = 1; i < n; i++) {
        if ((p[i] & 0xc0) != 0x80)
            return 0;
        cp = cp << 6 | (p[i] & 0x3fu);
    }
    if ((n == 3 && cp < 0x800) || (n == 4 && (cp < 0x10000 || cp > 0x10ffff)) || (cp >= 0xd800 && cp <= 0xdfff))
        return 0;
    return n;
}

char *plot_gnuplot_text(const char *s, bool quoted, size_t max_bytes)
{
    if (max_bytes < 8)
        max_bytes = 8;
    /* Never longer than s: each replacement is one byte for one or more. */
    char *out = xmalloc(strlen(s) + 1);
    size_t w = 0;
    const unsigned char *p = (const unsigned char *)s;
    while (*p != '\0') {
        size_t n = utf8_seq(p);
        if (n == 0) {
            out[w++] = '?';
            p++;
        } else if (n == 1) {
            unsigned char ch = *p++;
            if (ch < 0x20 || ch == 0x7f)
                ch = ' ';
            else if (quoted && ch == '"')
                ch = '\'';
            out[w++] = (char)ch;
        } else if (n == 2 && p[0] == 0xc2 && p[1] < 0xa0) {
            out[w++] = '?';  /* C1 control characters */
            p += 2;
        } else {
            memcpy(out + w, p, n);
            w += n;
            p += n;
        }
    }
    if (w > max_bytes) {
        /* Cut at a character boundary, with room for "...". */
        w = max_bytes - 3;
        while (w > 0 && ((unsigned char)out[w] & 0xc0) == 0x80)
            w--;
        out = xrealloc(out, w + 4);
        memcpy(out + w, "...", 3);
        w += 3;
    }
    out[w] = '\0';
    return out;
}

char *plot_gnuplot_quote(const char *s)
{
    size_t n = 0, quotes = 0;
    for (const unsigned char *p = (const unsigned char *)s; *p != '\0'; p++, n++) {
        if (*p < 0x20 || *p == 0x7f)
            return NULL;
        quotes += *p == '\'';
    }
    /* Each quote becomes ' . "'" . ' (7 more bytes at most). */
    char *out = xmalloc(n + 8 * quotes + 3);
    size_t w = 0;
    bool open = false;
    for (const char *p = s; *p != '\0'; p++) {
        if (*p == '\'') {
            if (open) {
                out[w++] = '\'';
                open = false;
            }
            if (w > 0)
                out[w++] = '.';
            memcpy(out + w, "\"'\"", 3);
            w += 3;
            continue;
        }
        if (!open) {
            if (w > 0)
                out[w++] = '.';
            out[w++] = '\'';
            open = true;
        }
        out[w++] = *p;
    }
    if (open)
        out[w++] = '\'';
    if (w == 0) {
        out[w++] = '\'';
        out[w++] = '\'';
    }
    out[w] = '\0';
    return out;
}

/* The command file being written: numbers and data blocks go straight to
 * f; texts are collected and written at the end as the data block $text,
 * with the assignments that read them (name = text_line(i)). */
struct gp {
    FILE *f;
    char **text;        /* sanitized, one line each */
    size_t n_text, cap_text;
    char **assign;      /* command lines made of constant names and numbers only */
    size_t n_assign, cap_assign;
};

static size_t gp_add_text(struct gp *g, const char *value)
{
    g->text = xgrow(g->text, &g->cap_text, g->n_text + 1, sizeof *g->text);
    g->text[g->n_text++] = plot_gnuplot_text(value, false, TEXT_MAX);
    return g->n_text;   /* gnuplot counts lines from 1 */
}

static void gp_add_assign(struct gp *g, const char *fmt, ...) PRINTF_LIKE(2, 3);

static void gp_add_assign(struct gp *g, const char *fmt, ...)
{
    char line[160];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    g->assign = xgrow(g->assign, &g->cap_assign, g->n_assign + 1, sizeof *g->assign);
    g->assign[g->n_assign++] = xstrdup(line);
}

/* name = the text value (name: a constant identifier of ours). */
static void gp_var_str(struct gp *g, const char *name, const char *value)
{
    gp_add_assign(g, "%s = text_line(%zu)", name, gp_add_text(g, value));
}

static void gp_array(struct gp *g, const char *name, char *const *values, size_t n)
{
    gp_add_assign(g, "array %s[%zu]", name, n);
    for (size_t i = 0; i < n; i++)
        gp_add_assign(g, "%s[%zu] = text_line(%zu)", name, i + 1, gp_add_text(g, values[i]));
}

/* Writes the texts and their assignments. */
static void gp_finish(struct gp *g)
{
    fputs("$text << EOD\n", g->f);
    for (size_t i = 0; i < g->n_text; i++)
        fprintf(g->f, " %s\n", g->text[i]);
    fputs("EOD\ntext_line(i) = $text[i][2:]\n", g->f);
    for (size_t i = 0; i < g->n_assign; i++)
        fprintf(g->f, "%s\n", g->assign[i]);
}

static void gp_free(struct gp *g)
{
    free_strings_n(g->text, g->n_text);
    free_strings_n(g->assign, g->n_assign);
    memset(g, 0, sizeof *g);
}

/* A "..." column of a data block (one column, spaces allowed). */
static void data_str(FILE *f, const char *s)
{
    char *t = plot_gnuplot_text(s, true, LABEL_MAX);
    fprintf(f, "\"%s\"", t);
    free(t);
}

/* "runs/no-batching.csv" -> "no-batching" */
static char *series_label(const char *path)
{
    const char *b = strrchr(path, '/');
    b = b != NULL ? b + 1 : path;
    char *s = xstrdup(b);
    size_t n = strlen(s);
    if (n > 4 && strcmp(s + n - 4, ".csv") == 0)
        s[n - 4] = '\0';
    return s;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* ---- latency series (requests CSV) ---------------------------------------------- */

struct latencies {
    char *label;
    double *v;              /* completed counted requests, ms; sorted after reading */
    size_t n, cap;
    double first_arrival_s; /* counted requests */
    double last_end_s;      /* completed counted requests */
};

static const char requests_what[] = "a --requests-csv file";

static enum plot_status read_latencies(const char *path, bool from_dispatch, struct latencies *out, char *msg,
                                       size_t len)
{
    memset(out, 0, sizeof *out);
    out->first_arrival_s = INFINITY;
    out->last_end_s = -INFINITY;
    struct csv c;
    enum plot_status st = csv_open(&c, path, requests_what, msg, len);
    if (st != PLOT_OK)
        return st;
    static const char *const names[] = { "latency_ms", "status", "arrival_s", "dispatch_s", "end_s" };
    int col[5];
    st = csv_cols(&c, requests_what, names, col, 5, msg, len);
    int counted = csv_col(&c, "counted");
    while (st == PLOT_OK && csv_next(&c)) {
        if (counted >= 0 && strcmp(cell(&c, counted), "1") != 0)
            continue;
        double lat, arr, disp, end;
        if ((st = cell_num(&c, col[0], &lat, msg, len)) != PLOT_OK ||
            (st = cell_num(&c, col[2], &arr, msg, len)) != PLOT_OK ||
            (st = cell_num(&c, col[3], &disp, msg, len)) != PLOT_OK ||
            (st = cell_num(&c, col[4], &end, msg, len)) != PLOT_OK)
            break;
        if (arr < out->first_arrival_s)
            out->first_arrival_s = arr;
        if (strcmp(cell(&c, col[1]), "ok") != 0)
            continue;
        double v = from_dispatch ? (end - disp) * 1000.0 : lat;
        if (!isfinite(v)) {
            st = fail(msg, len, PLOT_ERR_INPUT, "%s:%ld: a completed request without a latency", path, c.lineno);
            break;
        }
        if (end > out->last_end_s)
            out->last_end_s = end;
        out->v = xgrow(out->v, &out->cap, out->n + 1, sizeof *out->v);
        out->v[out->n++] = v;
    }
    st = csv_status(&c, st);
    csv_close(&c);
    if (st == PLOT_OK && out->n == 0)
        st = fail(msg, len, PLOT_ERR_INPUT, "%s: no completed request in the statistics window to plot", path);
    if (st != PLOT_OK) {
        free(out->v);
        out->v = NULL;
        return st;
    }
    qsort(out->v, out->n, sizeof *out->v, cmp_double);
    out->label = series_label(path);
    return PLOT_OK;
}

static void free_latencies(struct latencies *l, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(l[i].v);
        free(l[i].label);
    }
    free(l);
}

static double quantile(const struct latencies *l, double p)
{
    return gsl_stats_quantile_from_sorted_data(l->v, 1, l->n, p);
}

static double mean_of(const struct latencies *l)
{
    return gsl_stats_mean(l->v, 1, l->n);
}

static enum plot_status read_all_latencies(const struct plot_opts *o, size_t first, struct latencies **out,
                                           char *msg, size_t len)
{
    size_t n = o->n_inputs - first;
    struct latencies *l = xcalloc(n, sizeof *l);
    for (size_t i = 0; i < n; i++) {
        enum plot_status st = read_latencies(o->inputs[first + i], o->from_dispatch, &l[i], msg, len);
        if (st != PLOT_OK) {
            free_latencies(l, i);
            return st;
        }
    }
    *out = l;
    return PLOT_OK;
}

/* A long tail (cold starts) squeezes everything else into a corner of a
 * linear axis; a log axis shows both. */
static bool wants_log_x(const struct latencies *l, size_t n)
{
    double lo = INFINITY, hi = 0, med = INFINITY;
    for (size_t i = 0; i < n; i++) {
        if (l[i].v[0] < lo)
            lo = l[i].v[0];
        if (l[i].v[l[i].n - 1] > hi)
            hi = l[i].v[l[i].n - 1];
        double m = quantile(&l[i], 0.5);
        if (m < med)
            med = m;
    }
    return lo > 0 && med > 0 && hi / med > 8;
}

static const char *latency_axis(const struct plot_opts *o, bool log_x)
{
    if (o->from_dispatch)
        return log_x ? "latency from batch dispatch (ms, log scale)" : "latency from batch dispatch (ms)";
    return log_x ? "latency (ms, log scale)" : "latency (ms)";
}

static char **legend_titles(const struct latencies *l, size_t n)
{
    char **t = xcalloc(n, sizeof *t);
    for (size_t i = 0; i < n; i++) {
        char buf[512];
        snprintf(buf, sizeof buf, "%s (n = %zu, p50 %.1f ms, p99 %.1f ms)", l[i].label, l[i].n,
                 quantile(&l[i], 0.5), quantile(&l[i], 0.99));
        t[i] = xstrdup(buf);
    }
    return t;
}


static enum plot_status write_cdf(struct gp *g, const struct plot_opts *o, char *msg, size_t len)
{
    FILE *f = g->f;
    struct latencies *l;
    enum plot_status st = read_all_latencies(o, 0, &l, msg, len);
    if (st != PLOT_OK)
        return st;
    size_t n = o->n_inputs;
    bool log_x = wants_log_x(l, n);
    char **titles = legend_titles(l, n);
    fprintf(f, "n_series = %zu\nlog_x = %d\n", n, log_x);
    gp_array(g, "series_title", titles, n);
    gp_var_str(g, "x_label", latency_axis(o, log_x));
    fputs("$cdf << EOD\n", f);
    for (size_t s = 0; s < n; s++) {
        const struct latencies *x = &l[s];
        /* Every point of a small run; a large one is thinned evenly in the
         * body and kept finer in the top 1 %, where the tail is. */
        size_t body = (size_t)floor(0.99 * (double)x->n);
        size_t last = SIZE_MAX;
        for (size_t j = 0; j < CDF_BODY_POINTS + CDF_TAIL_POINTS + 1; j++) {
            size_t idx;
            if (x->n <= CDF_BODY_POINTS + CDF_TAIL_POINTS)
                idx = j;
            else if (j < CDF_BODY_POINTS)
                idx = j * body / CDF_BODY_POINTS;
            else
                idx = body + (j - CDF_BODY_POINTS) * (x->n - 1 - body) / CDF_TAIL_POINTS;
            if (idx >= x->n)
                break;
            if (idx == last)
                continue;
            last = idx;
            fprintf(f, "%.9g %.9g\n", x->v[idx], (double)(idx + 1) / (double)x->n);
        }
        fputs(s + 1 < n ? "\n\n" : "", f);
    }
    fputs("EOD\n", f);
    free_strings_n(titles, n);
    free_latencies(l, n);
    return PLOT_OK;
}

static enum plot_status write_histogram(struct gp *g, const struct plot_opts *o, char *msg, size_t len)
{
    FILE *f = g->f;
    struct latencies *l;
    enum plot_status st = read_all_latencies(o, 0, &l, msg, len);
    if (st != PLOT_OK)
        return st;
    size_t n = o->n_inputs;
    bool log_x = wants_log_x(l, n);
    double lo = INFINITY, hi = -INFINITY;
    for (size_t s = 0; s < n; s++) {
        lo = fmin(lo, l[s].v[0]);
        hi = fmax(hi, l[s].v[l[s].n - 1]);
    }
    if (!(hi > lo)) {
        lo = lo > 1 ? lo - 1 : 0;
        hi = hi + 1;
        log_x = false;
    }
    /* Same bins for every series, so the bars compare. */
    double edge[HIST_BINS + 1];
    for (int b = 0; b <= HIST_BINS; b++) {
        double u = (double)b / HIST_BINS;
        edge[b] = log_x ? lo * pow(hi / lo, u) : lo + (hi - lo) * u;
    }
    edge[HIST_BINS] = hi;
    size_t count_max = 0, count_min = SIZE_MAX;
    size_t *count = xcalloc(n * HIST_BINS, sizeof *count);
    for (size_t s = 0; s < n; s++) {
        int b = 0;
        for (size_t i = 0; i < l[s].n; i++) {
            while (b < HIST_BINS - 1 && l[s].v[i] >= edge[b + 1])
                b++;
            count[s * HIST_BINS + (size_t)b]++;
        }
        for (int k = 0; k < HIST_BINS; k++) {
            size_t c = count[s * HIST_BINS + (size_t)k];
            if (c > count_max)
                count_max = c;
            if (c > 0 && c < count_min)
                count_min = c;
        }
    }
    /* Runs of different sizes compare by shares, not counts: a run twice
     * as long would otherwise look twice as tall everywhere. */
    bool shares = false;
    for (size_t s = 1; s < n; s++)
        shares = shares || l[s].n != l[0].n;
    /* A few cold starts among thousands of warm requests vanish on a
     * linear count axis. */
    bool log_y = count_min != SIZE_MAX && count_max > 50 * count_min;
    double y_low = 0.8;     /* the log axis' floor, under the smallest bar */
    if (shares) {
        double share_min = INFINITY;
        for (size_t s = 0; s < n; s++)
            for (int k = 0; k < HIST_BINS; k++)
                if (count[s * HIST_BINS + (size_t)k] > 0)
                    share_min = fmin(share_min, 100.0 * (double)count[s * HIST_BINS + (size_t)k] / (double)l[s].n);
        y_low = isfinite(share_min) ? 0.8 * share_min : 0.8;
    }
    char **titles = legend_titles(l, n);
    fprintf(f, "n_series = %zu\nlog_x = %d\nlog_y = %d\nshares = %d\ny_low = %.9g\n", n, log_x, log_y, shares,
            y_low);
    gp_array(g, "series_title", titles, n);
    gp_var_str(g, "x_label", latency_axis(o, log_x));
    fputs("$hist << EOD\n", f);
    for (size_t s = 0; s < n; s++) {
        for (int b = 0; b < HIST_BINS; b++) {
            size_t c = count[s * HIST_BINS + (size_t)b];
            if (shares)
                fprintf(f, "%.9g %.9g %.9g\n", edge[b], edge[b + 1], 100.0 * (double)c / (double)l[s].n);
            else
                fprintf(f, "%.9g %.9g %zu\n", edge[b], edge[b + 1], c);
        }
        fputs(s + 1 < n ? "\n\n" : "", f);
    }
    fputs("EOD\n", f);
    free(count);
    free_strings_n(titles, n);
    free_latencies(l, n);
    return PLOT_OK;
}

/* ---- timeline CSV ------------------------------------------------------------------- */

enum { ST_IDLE = 0, ST_INIT, ST_BUSY, ST_PING, ST_N };

struct interval {
    double t0, t1;
    long id;            /* instance; queue rows: the length */
    int state;
    bool provisioned;
};

struct timeline_data {
    struct interval *inst, *queue;
    size_t n_inst, cap_inst, n_queue, cap_queue;
    long max_id;
    double end_s;
};

static const char timeline_what[] = "a --timeline-csv file";

static enum plot_status read_timeline(const char *path, struct timeline_data *t, char *msg, size_t len)
{
    memset(t, 0, sizeof *t);
    t->max_id = -1;
    struct csv c;
    enum plot_status st = csv_open(&c, path, timeline_what, msg, len);
    if (st != PLOT_OK)
        return st;
    static const char *const names[] = { "kind", "instance_id", "provisioned", "state", "start_s", "end_s",
                                         "activity", "queue_len" };
    int col[8];
    st = csv_cols(&c, timeline_what, names, col, 8, msg, len);
    while (st == PLOT_OK && csv_next(&c)) {
        struct interval iv = { 0 };
        if ((st = cell_num(&c, col[4], &iv.t0, msg, len)) != PLOT_OK ||
            (st = cell_num(&c, col[5], &iv.t1, msg, len)) != PLOT_OK)
            break;
        if (!isfinite(iv.t0) || !isfinite(iv.t1)) {
            st = fail(msg, len, PLOT_ERR_INPUT, "%s:%ld: %s: must be a finite number of seconds (got '%s')", path,
                      c.lineno, isfinite(iv.t0) ? "end_s" : "start_s", cell(&c, col[isfinite(iv.t0) ? 5 : 4]));
            break;
        }
        if (!(iv.t1 >= iv.t0)) {
            st = fail(msg, len, PLOT_ERR_INPUT, "%s:%ld: end_s before start_s", path, c.lineno);
            break;
        }
        if (iv.t1 > t->end_s)
            t->end_s = iv.t1;
        const char *kind = cell(&c, col[0]);
        double num;
        if (strcmp(kind, "queue") == 0) {
            if ((st = cell_num(&c, col[7], &num, msg, len)) != PLOT_OK)
                break;
            /* Checked before the cast: NAN or 1e300 as a long is undefined. */
            if (!(num >= 0 && num <= QUEUE_LEN_MAX && num == floor(num))) {
                st = fail(msg, len, PLOT_ERR_INPUT, "%s:%ld: queue_len: must be a whole number from 0 to %.0e (got '%s')",
                          path, c.lineno, QUEUE_LEN_MAX, cell(&c, col[7]));
                break;
            }
            iv.id = (long)num;
            t->queue = xgrow(t->queue, &t->cap_queue, t->n_queue + 1, sizeof *t->queue);
            t->queue[t->n_queue++] = iv;
            continue;
        }
        if (strcmp(kind, "instance") != 0) {
            st = fail(msg, len, PLOT_ERR_INPUT, "%s:%ld: kind must be 'instance' or 'queue' (got '%s')", path,
                      c.lineno, kind);
            break;
        }
        if ((st = cell_num(&c, col[1], &num, msg, len)) != PLOT_OK)
            break;
        if (!(num >= 0 && num < INSTANCE_ID_MAX && num == floor(num))) {
            st = fail(msg, len, PLOT_ERR_INPUT, "%s:%ld: instance_id: must be a whole number from 0 to %.0f (got '%s')",
                      path, c.lineno, INSTANCE_ID_MAX - 1, cell(&c, col[1]));
            break;
        }
        iv.id = (long)num;
        iv.provisioned = strcmp(cell(&c, col[2]), "1") == 0;
        const char *state = cell(&c, col[3]);
        if (strcmp(state, "idle") == 0)
            iv.state = ST_IDLE;
        else if (strcmp(state, "init") == 0)
            iv.state = ST_INIT;
        else if (strcmp(state, "busy") == 0)
            iv.state = strcmp(cell(&c, col[6]), "ping") == 0 ? ST_PING : ST_BUSY;
        else {
            st = fail(msg, len, PLOT_ERR_INPUT, "%s:%ld: state must be init, busy or idle (got '%s')", path,
                      c.lineno, state);
            break;
        }
        /* A cold ping's init shows as init, as a request's does. */
        if (iv.id > t->max_id)
            t->max_id = iv.id;
        t->inst = xgrow(t->inst, &t->cap_inst, t->n_inst + 1, sizeof *t->inst);
        t->inst[t->n_inst++] = iv;
    }
    st = csv_status(&c, st);
    csv_close(&c);
    if (st == PLOT_OK && t->n_inst == 0 && t->n_queue == 0)
        st = fail(msg, len, PLOT_ERR_INPUT, "%s: no rows (expected %s)", path, timeline_what);
    if (st != PLOT_OK) {
        free(t->inst);
        free(t->queue);
        memset(t, 0, sizeof *t);
        return st;
    }
    return PLOT_OK;
}

static void free_timeline(struct timeline_data *t)
{
    free(t->inst);
    free(t->queue);
}

static int cmp_long(const void *a, const void *b)
{
    long x = *(const long *)a, y = *(const long *)b;
    return (x > y) - (x < y);
}

/* How many distinct instances were provisioned (ids are sparse: no table
 * indexed by id, whose size the file would choose). */
static long count_provisioned(const struct timeline_data *t)
{
    long *id = xcalloc(t->n_inst + 1, sizeof *id);
    size_t n = 0;
    for (size_t i = 0; i < t->n_inst; i++)
        if (t->inst[i].provisioned)
            id[n++] = t->inst[i].id;
    qsort(id, n, sizeof *id, cmp_long);
    long distinct = 0;
    for (size_t i = 0; i < n; i++)
        distinct += i == 0 || id[i] != id[i - 1];
    free(id);
    return distinct;
}

static void window_of(const struct plot_opts *o, double end_s, double *x0, double *x1)
{
    *x0 = o->have_window ? o->t0_s : 0;
    *x1 = o->have_window && isfinite(o->t1_s) ? o->t1_s : end_s;
    if (!(*x1 > *x0))
        *x1 = *x0 + 1;
}

static enum plot_status write_timeline(struct gp *g, const struct plot_opts *o, char *msg, size_t len)
{
    FILE *f = g->f;
    struct timeline_data t;
    enum plot_status st = read_timeline(o->inputs[0], &t, msg, len);
    if (st != PLOT_OK)
        return st;
    if (t.n_inst == 0) {
        free_timeline(&t);
        return fail(msg, len, PLOT_ERR_INPUT, "%s: no instance rows: no instance was ever alive", o->inputs[0]);
    }
    double x0, x1;
    window_of(o, t.end_s, &x0, &x1);
    /* A 10 ms invocation in a four-hour run is narrower than a pixel: draw
     * short activity at a minimum width so it stays visible. */
    double min_w = TIMELINE_MIN_WIDTH * (x1 - x0);
    /* Only the instances alive somewhere in the window get a row. */
    long lo_id = t.max_id, hi_id = 0;
    for (size_t i = 0; i < t.n_inst; i++) {
        const struct interval *iv = &t.inst[i];
        if (iv->t1 >= x0 && iv->t0 <= x1) {
            lo_id = iv->id < lo_id ? iv->id : lo_id;
            hi_id = iv->id > hi_id ? iv->id : hi_id;
        }
    }
    if (lo_id > hi_id)
        lo_id = hi_id = 0;
    long n_rows = hi_id - lo_id + 1;
    fprintf(f, "x_min = %.9g\nx_max = %.9g\ny_min = %ld\ny_max = %ld\nn_instances = %ld\n", x0, x1, lo_id,
            hi_id, n_rows);
    static const char *const block[ST_N] = { "$idle", "$init", "$busy", "$ping" };
    for (int s = 0; s < ST_N; s++) {
        fprintf(f, "%s << EOD\n", block[s]);
        size_t rows = 0;
        for (size_t i = 0; i < t.n_inst; i++) {
            const struct interval *iv = &t.inst[i];
            if (iv->state != s || iv->t1 < x0 || iv->t0 > x1)
                continue;
            double a = fmax(iv->t0, x0), b = fmin(iv->t1, x1);
            if (s != ST_IDLE && b - a < min_w)
                b = a + min_w;
            fprintf(f, "%ld %.9g %.9g\n", iv->id, a, b);
            rows++;
        }
        if (rows == 0)
            fputs("NaN NaN NaN\n", f);
        fputs("EOD\n", f);
    }
    /* Row labels (as data: yticlabels), provisioned instances marked; left
     * to gnuplot when there are too many rows to label one by one. */
    enum { ROW_LABELS_MAX = 40 };
    fprintf(f, "has_row_labels = %d\n$rows << EOD\n", n_rows <= ROW_LABELS_MAX);
    if (n_rows <= ROW_LABELS_MAX) {
        bool prov[ROW_LABELS_MAX] = { false };
        for (size_t i = 0; i < t.n_inst; i++)
            if (t.inst[i].provisioned && t.inst[i].id >= lo_id && t.inst[i].id <= hi_id)
                prov[t.inst[i].id - lo_id] = true;
        for (long i = lo_id; i <= hi_id; i++)
            fprintf(f, "%ld \"%ld%s\"\n", i, i, prov[i - lo_id] ? " (prov.)" : "");
    } else {
        fputs("NaN \"\"\n", f);
    }
    fprintf(f, "EOD\nn_provisioned = %ld\n", count_provisioned(&t));
    free_timeline(&t);
    return PLOT_OK;
}

struct step {
    double t;
    int delta;
};

static int cmp_step(const void *a, const void *b)
{
    const struct step *x = a, *y = b;
    return (x->t > y->t) - (x->t < y->t);
}

static int cmp_interval(const void *a, const void *b)
{
    const struct interval *x = a, *y = b;
    return (x->t0 > y->t0) - (x->t0 < y->t0);
}

static enum plot_status write_queue(struct gp *g, const struct plot_opts *o, char *msg, size_t len)
{
    FILE *f = g->f;
    size_t n = o->n_inputs;
    struct timeline_data *t = xcalloc(n, sizeof *t);
    enum plot_status st = PLOT_OK;
    size_t got;
    double end = 0;
    for (got = 0; got < n; got++) {
        st = read_timeline(o->inputs[got], &t[got], msg, len);
        if (st != PLOT_OK)
            break;
        if (t[got].n_queue == 0) {
            st = fail(msg, len, PLOT_ERR_INPUT, "%s: no queue rows", o->inputs[got]);
            free_timeline(&t[got]);
            break;
        }
        end = fmax(end, t[got].end_s);
    }
    if (st != PLOT_OK) {
        for (size_t i = 0; i < got; i++)
            free_timeline(&t[i]);
        free(t);
        return st;
    }
    double x0, x1;
    window_of(o, end, &x0, &x1);
    char **titles = xcalloc(n, sizeof *titles);
    for (size_t i = 0; i < n; i++)
        titles[i] = series_label(o->inputs[i]);
    fprintf(f, "x_min = %.9g\nx_max = %.9g\nn_series = %zu\nhas_busy = %d\nbusy_max = 0\n", x0, x1, n, n == 1);
    gp_array(g, "series_title", titles, n);
    long q_max = 0;
    fputs("$queue << EOD\n", f);
    for (size_t s = 0; s < n; s++) {
        qsort(t[s].queue, t[s].n_queue, sizeof *t[s].queue, cmp_interval);
        for (size_t i = 0; i < t[s].n_queue; i++)
            if (t[s].queue[i].id > q_max && t[s].queue[i].t1 >= x0 && t[s].queue[i].t0 <= x1)
                q_max = t[s].queue[i].id;
        for (size_t i = 0; i < t[s].n_queue; i++)
            fprintf(f, "%.9g %ld\n", t[s].queue[i].t0, t[s].queue[i].id);
        const struct interval *lastq = &t[s].queue[t[s].n_queue - 1];
        fprintf(f, "%.9g %ld\n", lastq->t1, lastq->id);
        fputs(s + 1 < n ? "\n\n" : "", f);
    }
    fputs("EOD\n", f);
    fprintf(f, "q_max = %ld\n", q_max);
    if (n == 1) {
        /* Busy instances (init or running) over time, from the intervals. */
        struct step *ev = xcalloc(2 * t[0].n_inst + 1, sizeof *ev);
        size_t m = 0;
        for (size_t i = 0; i < t[0].n_inst; i++) {
            if (t[0].inst[i].state == ST_IDLE)
                continue;
            ev[m++] = (struct step){ t[0].inst[i].t0, +1 };
            ev[m++] = (struct step){ t[0].inst[i].t1, -1 };
        }
        qsort(ev, m, sizeof *ev, cmp_step);
        fputs("$busy << EOD\n0 0\n", f);
        int level = 0, busy_max = 0;
        for (size_t i = 0; i < m;) {
            double at = ev[i].t;
            for (; i < m && ev[i].t == at; i++)
                level += ev[i].delta;
            fprintf(f, "%.9g %d\n", at, level);
            if (level > busy_max && at >= x0 && at <= x1)
                busy_max = level;
        }
        fprintf(f, "%.9g %d\n", end, level);
        fprintf(f, "EOD\nbusy_max = %d\n", busy_max);
        free(ev);
    }
    for (size_t i = 0; i < n; i++)
        free_timeline(&t[i]);
    free(t);
    free_strings_n(titles, n);
    return PLOT_OK;
}

/* ---- sweep CSV ------------------------------------------------------------------------ */

static const char sweep_what[] = "a sweep CSV (lambdasim sweep --csv)";

struct sweep_row {
    char **axis;            /* values as written (JSON text) */
    double *mean, *ci95;    /* per wanted metric */
    bool feasible;
    int pareto;             /* 1, 0, or -1 when the column is empty (a shard) */
    double rank;            /* NAN when empty */
    double key[2];          /* pareto: the two metrics, signed so that lower is better */
};

struct sweep_data {
    char **axis_name;
    size_t n_axes;
    struct sweep_row *row;
    size_t n_rows, cap;
    size_t n_metrics;
};

static void free_sweep(struct sweep_data *s)
{
    for (size_t r = 0; r < s->n_rows; r++) {
        for (size_t a = 0; a < s->n_axes; a++)
            free(s->row[r].axis[a]);
        free(s->row[r].axis);
        free(s->row[r].mean);
        free(s->row[r].ci95);
    }
    for (size_t a = 0; a < s->n_axes; a++)
        free(s->axis_name[a]);
    free(s->axis_name);
    free(s->row);
    memset(s, 0, sizeof *s);
}

/* Reads the axes, feasibility, Pareto flag, rank and the listed metrics
 * (their _mean and _ci95 columns). */
static enum plot_status read_sweep(const char *path, const char *const *metrics, size_t n_metrics,
                                   struct sweep_data *s, char *msg, size_t len)
{
    memset(s, 0, sizeof *s);
    s->n_metrics = n_metrics;
    struct csv c;
    enum plot_status st = csv_open(&c, path, sweep_what, msg, len);
    if (st != PLOT_OK)
        return st;
    int reps = csv_col(&c, "replications");
    if (csv_col(&c, "point") != 0 || reps < 1) {
        csv_close(&c);
        return fail(msg, len, PLOT_ERR_INPUT, "%s: expected %s: a header 'point,<axes...>,replications,...'",
                    path, sweep_what);
    }
    s->n_axes = (size_t)reps - 1;
    s->axis_name = xcalloc(s->n_axes + 1, sizeof *s->axis_name);
    for (size_t a = 0; a < s->n_axes; a++)
        s->axis_name[a] = xstrdup(c.header[a + 1]);
    int *mcol = xcalloc(2 * n_metrics + 1, sizeof *mcol);
    for (size_t m = 0; m < n_metrics && st == PLOT_OK; m++) {
        char name[256];
        snprintf(name, sizeof name, "%s_mean", metrics[m]);
        mcol[2 * m] = csv_col(&c, name);
        snprintf(name, sizeof name, "%s_ci95", metrics[m]);
        mcol[2 * m + 1] = csv_col(&c, name);
        if (mcol[2 * m] < 0)
            st = fail(msg, len, PLOT_ERR_INPUT, "%s: no column '%s_mean' (is '%s' a sweep metric?)", path,
                      metrics[m], metrics[m]);
    }
    int feas = csv_col(&c, "feasible"), par = csv_col(&c, "pareto"), rank = csv_col(&c, "rank");
    if (st == PLOT_OK && feas < 0)
        st = fail(msg, len, PLOT_ERR_INPUT, "%s: no column 'feasible' (expected %s)", path, sweep_what);
    while (st == PLOT_OK && csv_next(&c)) {
        s->row = xgrow(s->row, &s->cap, s->n_rows + 1, sizeof *s->row);
        struct sweep_row *r = &s->row[s->n_rows++];
        memset(r, 0, sizeof *r);
        r->axis = xcalloc(s->n_axes + 1, sizeof *r->axis);
        for (size_t a = 0; a < s->n_axes; a++)
            r->axis[a] = xstrdup(cell(&c, (int)a + 1));
        r->mean = xcalloc(n_metrics + 1, sizeof *r->mean);
        r->ci95 = xcalloc(n_metrics + 1, sizeof *r->ci95);
        for (size_t m = 0; m < n_metrics && st == PLOT_OK; m++) {
            st = cell_num(&c, mcol[2 * m], &r->mean[m], msg, len);
            if (st == PLOT_OK && mcol[2 * m + 1] >= 0)
                st = cell_num(&c, mcol[2 * m + 1], &r->ci95[m], msg, len);
            else
                r->ci95[m] = (double)NAN;
        }
        r->feasible = strcmp(cell(&c, feas), "1") == 0;
        const char *p = cell(&c, par);
        r->pareto = *p == '\0' ? -1 : strcmp(p, "1") == 0;
        double rk = (double)NAN;
        if (st == PLOT_OK && rank >= 0)
            st = cell_num(&c, rank, &rk, msg, len);
        r->rank = rk;
    }
    st = csv_status(&c, st);
    free(mcol);
    csv_close(&c);
    if (st == PLOT_OK && s->n_rows == 0)
        st = fail(msg, len, PLOT_ERR_INPUT, "%s: no points", path);
    if (st != PLOT_OK)
        free_sweep(s);
    return st;
}

/* "\"mru\"" -> "mru": axis values are JSON text; strings read better bare. */
static char *value_label(const char *v)
{
    size_t n = strlen(v);
    if (n >= 2 && v[0] == '"' && v[n - 1] == '"') {
        char *s = xstrdup(v + 1);
        s[n - 2] = '\0';
        return s;
    }
    return xstrdup(v);
}

/* "batching.timeout_s" -> "batching.timeout_s (s)". */
static void axis_label(char *buf, size_t len, const char *path)
{
    size_t n = strlen(path);
    const char *unit = NULL;
    if (n > 3 && strcmp(path + n - 3, "_ms") == 0)
        unit = "ms";
    else if (n > 2 && strcmp(path + n - 2, "_s") == 0)
        unit = "s";
    else if (n > 3 && strcmp(path + n - 3, "_mb") == 0)
        unit = "MB";
    if (unit != NULL)
        snprintf(buf, len, "%s (%s)", path, unit);
    else
        snprintf(buf, len, "%s", path);
}

static void metric_label(char *buf, size_t len, const char *metric)
{
    static const struct {
        const char *name, *label;
    } known[] = {
        { "latency_ms.mean", "mean latency (ms)" },
        { "latency_ms.p50", "p50 latency (ms)" },
        { "latency_ms.p90", "p90 latency (ms)" },
        { "latency_ms.p95", "p95 latency (ms)" },
        { "latency_ms.p99", "p99 latency (ms)" },
        { "throughput_rps", "throughput (requests/s)" },
        { "requests.completed", "completed requests" },
        { "requests.failed", "failed requests" },
        { "cold_starts.count", "cold starts" },
        { "cold_starts.request_fraction", "fraction of requests that met a cold start" },
        { "batches.mean_size", "mean batch size (requests)" },
        { "instances.mean_alive", "mean instances alive" },
        { "warmup.collisions", "warm-up collisions" },
        { "cost_usd.total", "total cost of the run (USD)" },
        { "cost_usd.per_million_requests", "cost per million requests (USD)" },
    };
    for (size_t i = 0; i < sizeof known / sizeof known[0]; i++) {
        if (strcmp(known[i].name, metric) == 0) {
            snprintf(buf, len, "%s", known[i].label);
            return;
        }
    }
    snprintf(buf, len, "%s", metric);
}

/* Distinct values of axis a in order of appearance, numerically sorted when
 * they are all numbers. Returns how many; *out owns copies. */
static size_t categories(const struct sweep_data *s, size_t a, char ***out)
{
    char **cat = xcalloc(s->n_rows + 1, sizeof *cat);
    size_t n = 0;
    bool numeric = true;
    for (size_t r = 0; r < s->n_rows; r++) {
        const char *v = s->row[r].axis[a];
        size_t k = 0;
        while (k < n && strcmp(cat[k], v) != 0)
            k++;
        if (k < n)
            continue;
        cat[n++] = xstrdup(v);
        char *end;
        strtod(v, &end);
        if (*v == '\0' || *end != '\0')
            numeric = false;
    }
    if (numeric) {
        for (size_t i = 1; i < n; i++) {
            for (size_t j = i; j > 0 && strtod(cat[j - 1], NULL) > strtod(cat[j], NULL); j--) {
                char *tmp = cat[j];
                cat[j] = cat[j - 1];
                cat[j - 1] = tmp;
            }
        }
    }
    *out = cat;
    return n;
}

static size_t category_of(char *const *cat, size_t n, const char *v)
{
    for (size_t k = 0; k < n; k++)
        if (strcmp(cat[k], v) == 0)
            return k;
    return n;
}

static int find_axis(const struct sweep_data *s, const char *name)
{
    for (size_t a = 0; a < s->n_axes; a++)
        if (strcmp(s->axis_name[a], name) == 0)
            return (int)a;
    return -1;
}

/* A block of tick labels (as data: xticlabels/yticlabels): index label. */
static void write_tics(FILE *f, const char *block, char *const *cat, size_t n)
{
    fprintf(f, "%s << EOD\n", block);
    for (size_t k = 0; k < n; k++) {
        char *lab = value_label(cat[k]);
        fprintf(f, "%zu ", k);
        data_str(f, lab);
        fputc('\n', f);
        free(lab);
    }
    fputs("EOD\n", f);
}

/* The sweep's axes as "a, b, c", for messages. */
static void axes_list(const struct sweep_data *s, char *list, size_t len)
{
    list[0] = '\0';
    for (size_t a = 0; a < s->n_axes; a++) {
        strncat(list, a > 0 ? ", " : "", len - strlen(list) - 1);
        strncat(list, s->axis_name[a], len - strlen(list) - 1);
    }
}

/* The row each (x, y) cell shows, x over cx of axis ax and y over cy of
 * axis ay (ay < 0: one y): with more axes several rows share a cell, and
 * the one the sweep ranked best (else the first) stands for it; -1 for an
 * empty cell. Caller frees. */
static long *pick_rows(const struct sweep_data *s, int ax, char *const *cx, size_t nx, int ay, char *const *cy,
                       size_t ny)
{
    long *pick = xcalloc(nx * ny, sizeof *pick);
    for (size_t i = 0; i < nx * ny; i++)
        pick[i] = -1;
    for (size_t r = 0; r < s->n_rows; r++) {
        size_t i = category_of(cx, nx, s->row[r].axis[ax]) * ny + (ay >= 0 ? category_of(cy, ny, s->row[r].axis[ay]) : 0);
        long p = pick[i];
        if (p < 0 || (isfinite(s->row[r].rank) && !(s->row[p].rank <= s->row[r].rank)))
            pick[i] = (long)r;
    }
    return pick;
}

/* Most lines in one figure (values of --y): more would not be read. */
#define LINE_SERIES_MAX 8

/* A sweep metric against one numeric axis: its mean with the 95 %
 * confidence band (mean +- ci95), one line, or one per value of --y. With
 * more axes than those, each x (and line) shows the best-ranked point over
 * the others, as the heatmap's cells do. */
static enum plot_status write_line(struct gp *g, const struct plot_opts *o, char *msg, size_t len)
{
    FILE *f = g->f;
    const char *metric = o->metric != NULL ? o->metric : "latency_ms.p99";
    struct sweep_data s;
    enum plot_status st = read_sweep(o->inputs[0], &metric, 1, &s, msg, len);
    if (st != PLOT_OK)
        return st;
    int ax = o->x_axis != NULL ? find_axis(&s, o->x_axis) : 0;
    int ay = o->y_axis != NULL ? find_axis(&s, o->y_axis) : -1;
    if (s.n_axes == 0 || ax < 0 || (o->y_axis != NULL && (ay < 0 || ay == ax))) {
        char list[1024];
        axes_list(&s, list, sizeof list);
        st = fail(msg, len, PLOT_ERR_INPUT, "%s: --x (and --y, for one line per value) must name %saxes of the "
                  "sweep (%s)", o->inputs[0], o->y_axis != NULL ? "two different " : "an axis of the sweep's ",
                  s.n_axes > 0 ? list : "it has none");
        free_sweep(&s);
        return st;
    }
    char **cx, **cy = NULL;
    size_t nx = categories(&s, (size_t)ax, &cx), ny = 1;
    for (size_t i = 0; i < nx && st == PLOT_OK; i++) {
        char *end;
        strtod(cx[i], &end);
        if (cx[i][0] == '\0' || *end != '\0')
            st = fail(msg, len, PLOT_ERR_INPUT, "%s: axis %s has a value that is not a number (%s): a line needs "
                      "a numeric axis (use plot heatmap for others)", o->inputs[0], s.axis_name[ax], cx[i]);
    }
    if (st == PLOT_OK && ay >= 0) {
        ny = categories(&s, (size_t)ay, &cy);
        if (ny > LINE_SERIES_MAX)
            st = fail(msg, len, PLOT_ERR_INPUT, "%s: --y %s has %zu values; at most %d lines are drawn (choose "
                      "an axis with fewer values, or plot heatmap)", o->inputs[0], s.axis_name[ay], ny,
                      LINE_SERIES_MAX);
    }
    if (st != PLOT_OK) {
        free_strings_n(cx, nx);
        if (cy != NULL)
            free_strings_n(cy, ny);
        free_sweep(&s);
        return st;
    }
    long *pick = pick_rows(&s, ax, cx, nx, ay, cy, ny);
    char xl[300], ml[300], title[600];
    axis_label(xl, sizeof xl, s.axis_name[ax]);
    metric_label(ml, sizeof ml, metric);
    gp_var_str(g, "x_label", xl);
    gp_var_str(g, "y_label", ml);
    snprintf(title, sizeof title, "%s by %s (mean and 95 %% confidence band)", ml, s.axis_name[ax]);
    if (o->title == NULL)
        gp_var_str(g, "plot_title", title);
    char **names = xcalloc(ny, sizeof *names);
    for (size_t y = 0; y < ny; y++) {
        char buf[400];
        if (ay >= 0)
            snprintf(buf, sizeof buf, "%s = %s", s.axis_name[ay], cy[y]);
        else
            snprintf(buf, sizeof buf, "%s", metric);
        names[y] = xstrdup(buf);
    }
    fprintf(f, "n_series = %zu\nmore_axes = %d\n", ny, s.n_axes > (ay >= 0 ? 2u : 1u));
    gp_array(g, "series_title", names, ny);
    fputs("$line << EOD\n", f);
    for (size_t y = 0; y < ny; y++) {
        for (size_t x = 0; x < nx; x++) {
            long p = pick[x * ny + y];
            if (p < 0 || !isfinite(s.row[p].mean[0]))
                continue;
            double m = s.row[p].mean[0], h = isfinite(s.row[p].ci95[0]) ? s.row[p].ci95[0] : 0;
            fprintf(f, "%.9g %.9g %.9g %.9g\n", strtod(cx[x], NULL), m, m - h, m + h);
        }
        fputs(y + 1 < ny ? "\n\n" : "", f);
    }
    fputs("EOD\n", f);
    free_strings_n(names, ny);
    free(pick);
    free_strings_n(cx, nx);
    if (cy != NULL)
        free_strings_n(cy, ny);
    free_sweep(&s);
    return PLOT_OK;
}

static enum plot_status write_heatmap(struct gp *g, const struct plot_opts *o, char *msg, size_t len)
{
    FILE *f = g->f;
    const char *metric = o->metric != NULL ? o->metric : "latency_ms.p99";
    struct sweep_data s;
    enum plot_status st = read_sweep(o->inputs[0], &metric, 1, &s, msg, len);
    if (st != PLOT_OK)
        return st;
    if (s.n_axes < 2) {
        st = fail(msg, len, PLOT_ERR_INPUT, "%s: a heatmap needs a sweep over two axes; this one has %zu",
                  o->inputs[0], s.n_axes);
        free_sweep(&s);
        return st;
    }
    int ax = o->x_axis != NULL ? find_axis(&s, o->x_axis) : 0;
    int ay = o->y_axis != NULL ? find_axis(&s, o->y_axis) : (ax == 1 ? 0 : 1);
    if (ax < 0 || ay < 0 || ax == ay) {
        char list[1024];
        axes_list(&s, list, sizeof list);
        st = fail(msg, len, PLOT_ERR_INPUT, "%s: --x and --y must name two different axes of the sweep (%s)",
                  o->inputs[0], list);
        free_sweep(&s);
        return st;
    }
    char **cx, **cy;
    size_t nx = categories(&s, (size_t)ax, &cx), ny = categories(&s, (size_t)ay, &cy);
    long *pick = pick_rows(&s, ax, cx, nx, ay, cy, ny);
    char xl[300], yl[300], ml[300], title[600];
    axis_label(xl, sizeof xl, s.axis_name[ax]);
    axis_label(yl, sizeof yl, s.axis_name[ay]);
    metric_label(ml, sizeof ml, metric);
    gp_var_str(g, "x_label", xl);
    gp_var_str(g, "y_label", yl);
    gp_var_str(g, "cb_label", ml);
    snprintf(title, sizeof title, "%s by %s and %s", ml, s.axis_name[ax], s.axis_name[ay]);
    if (o->title == NULL)
        gp_var_str(g, "plot_title", title);
    fprintf(f, "nx = %zu\nny = %zu\nmore_axes = %d\n", nx, ny, s.n_axes > 2);
    write_tics(f, "$xcat", cx, nx);
    write_tics(f, "$ycat", cy, ny);
    bool any_infeasible = false;
    double v_min = INFINITY, v_max = -INFINITY;
    fputs("$heat << EOD\n", f);
    for (size_t x = 0; x < nx; x++) {
        for (size_t y = 0; y < ny; y++) {
            long p = pick[x * ny + y];
            double v = p >= 0 ? s.row[p].mean[0] : (double)NAN;
            char lab[64] = "";
            if (p >= 0 && isfinite(v))
                snprintf(lab, sizeof lab, "%.4g%s", v, s.row[p].feasible ? "" : "*");
            if (p >= 0 && !s.row[p].feasible)
                any_infeasible = true;
            if (isfinite(v)) {
                v_min = fmin(v_min, v);
                v_max = fmax(v_max, v);
            }
            fprintf(f, "%zu %zu %.9g ", x, y, v);
            data_str(f, lab);
            fputc('\n', f);
        }
    }
    fputs("EOD\n", f);
    fprintf(f, "any_infeasible = %d\nv_min = %.9g\nv_max = %.9g\n", any_infeasible,
            isfinite(v_min) ? v_min : 0.0, isfinite(v_max) ? v_max : 1.0);
    free(pick);
    free_strings_n(cx, nx);
    free_strings_n(cy, ny);
    free_sweep(&s);
    return PLOT_OK;
}

/* qsort has no context argument: the rows being ordered, set around the
 * one call (plot runs single-threaded). */
static const struct sweep_row *pareto_rows;

static int pareto_cmp(const void *a, const void *b)
{
    const struct sweep_row *x = &pareto_rows[*(const size_t *)a], *y = &pareto_rows[*(const size_t *)b];
    if (x->key[0] != y->key[0])
        return x->key[0] < y->key[0] ? -1 : 1;
    if (x->key[1] != y->key[1])
        return x->key[1] < y->key[1] ? -1 : 1;
    return 0;
}

/* A pareto axis, "METRIC", "min METRIC" or "max METRIC": the metric and
 * the sign that makes lower better. */
static const char *pareto_metric(const char *spec, double *sign)
{
    *sign = strncmp(spec, "max ", 4) == 0 ? -1 : 1;
    return strncmp(spec, "max ", 4) == 0 || strncmp(spec, "min ", 4) == 0 ? spec + 4 : spec;
}

static enum plot_status write_pareto(struct gp *g, const struct plot_opts *o, char *msg, size_t len)
{
    FILE *f = g->f;
    /* The front of the sweep's objective.pareto when the user names it
     * with --x and --y; p99 up and cost across by default. */
    double sx, sy;
    const char *metrics[] = { pareto_metric(o->x_axis != NULL ? o->x_axis : "cost_usd.total", &sx),
                              pareto_metric(o->y_axis != NULL ? o->y_axis : "latency_ms.p99", &sy) };
    if (strcmp(metrics[0], metrics[1]) == 0)
        return fail(msg, len, PLOT_ERR_INPUT, "pareto: --x and --y are both %s: a front needs two metrics",
                    metrics[0]);
    struct sweep_data s;
    enum plot_status st = read_sweep(o->inputs[0], metrics, 2, &s, msg, len);
    if (st != PLOT_OK)
        return st;
    /* Labels: the defaults say what they are; others name the metric. As
     * every text that comes from the user, they reach gnuplot as data
     * ($text), never as a string in a command. */
    char label_text[300];
    if (o->x_axis == NULL)
        snprintf(label_text, sizeof label_text, "total cost of the run (USD)");
    else
        snprintf(label_text, sizeof label_text, "%s%s", metrics[0], sx < 0 ? " (higher is better)" : "");
    gp_var_str(g, "xlab", label_text);
    if (o->y_axis == NULL)
        snprintf(label_text, sizeof label_text, "p99 latency (ms)");
    else
        snprintf(label_text, sizeof label_text, "%s%s", metrics[1], sy < 0 ? " (higher is better)" : "");
    gp_var_str(g, "ylab", label_text);
    for (size_t i = 0; i < s.n_rows; i++) {
        s.row[i].key[0] = sx * s.row[i].mean[0];
        s.row[i].key[1] = sy * s.row[i].mean[1];
    }
    /* The front of the two axes drawn, computed here: the sweep's own
     * `pareto` column may be on other axes (objective.pareto), and a shard
     * has none. Feasible points that no other feasible point beats on both,
     * equal pairs all kept (the sweep's rule): sorted by x then y, a point
     * is on it when its y is its x group's lowest and below every y at a
     * lower x. n log n, as a sweep may hold a million points. */
    bool *front = xcalloc(s.n_rows + 1, sizeof *front);
    size_t *ord = xcalloc(s.n_rows + 1, sizeof *ord), n_ord = 0;
    for (size_t i = 0; i < s.n_rows; i++)
        if (s.row[i].feasible && isfinite(s.row[i].key[0]) && isfinite(s.row[i].key[1]))
            ord[n_ord++] = i;
    pareto_rows = s.row;
    qsort(ord, n_ord, sizeof *ord, pareto_cmp);
    pareto_rows = NULL;
    double best_y = INFINITY;
    for (size_t i = 0; i < n_ord;) {
        size_t j = i;
        while (j < n_ord && s.row[ord[j]].key[0] == s.row[ord[i]].key[0])
            j++;
        double group_min = s.row[ord[i]].key[1];
        for (size_t k = i; k < j; k++)
            front[ord[k]] = s.row[ord[k]].key[1] == group_min && group_min < best_y;
        best_y = fmin(best_y, group_min);
        i = j;
    }
    free(ord);
    double lo = INFINITY, hi = 0;
    size_t n_front = 0;
    for (size_t i = 0; i < s.n_rows; i++) {
        if (isfinite(s.row[i].mean[0]) && s.row[i].mean[0] > 0) {
            lo = fmin(lo, s.row[i].mean[0]);
            hi = fmax(hi, s.row[i].mean[0]);
        }
        n_front += front[i];
    }
    fprintf(f, "log_x = %d\n", lo > 0 && hi / lo > 50);
    size_t n_other = 0, n_infeasible = 0;
    fputs("$other << EOD\n", f);
    for (size_t i = 0; i < s.n_rows; i++) {
        if (s.row[i].feasible && !front[i]) {
            fprintf(f, "%.9g %.9g\n", s.row[i].mean[0], s.row[i].mean[1]);
            n_other++;
        }
    }
    fputs("EOD\n$infeasible << EOD\n", f);
    for (size_t i = 0; i < s.n_rows; i++) {
        if (!s.row[i].feasible) {
            fprintf(f, "%.9g %.9g\n", s.row[i].mean[0], s.row[i].mean[1]);
            n_infeasible++;
        }
    }
    fprintf(f, "EOD\nn_other = %zu\nn_infeasible = %zu\n$front << EOD\n", n_other, n_infeasible);
    /* Front points by cost, each labelled with its settings (the last part
     * of every axis path); labels thinned when the front is long. */
    size_t *order = xcalloc(n_front + 1, sizeof *order);
    size_t k = 0;
    for (size_t i = 0; i < s.n_rows; i++)
        if (front[i])
            order[k++] = i;
    for (size_t i = 1; i < k; i++)
        for (size_t j = i; j > 0 && s.row[order[j - 1]].mean[0] > s.row[order[j]].mean[0]; j--) {
            size_t tmp = order[j];
            order[j] = order[j - 1];
            order[j - 1] = tmp;
        }
    size_t every = k > FRONT_LABELS_MAX ? (k + FRONT_LABELS_MAX - 1) / FRONT_LABELS_MAX : 1;
    for (size_t j = 0; j < k; j++) {
        const struct sweep_row *r = &s.row[order[j]];
        char lab[512] = "";
        if (j % every == 0) {
            for (size_t a = 0; a < s.n_axes; a++) {
                char *v = value_label(r->axis[a]);
                size_t used = strlen(lab);
                snprintf(lab + used, sizeof lab - used, "%s%s", a > 0 ? " / " : "", v);
                free(v);
            }
        }
        fprintf(f, "%.9g %.9g %.9g %.9g ", r->mean[0], r->mean[1], isfinite(r->ci95[0]) ? r->ci95[0] : 0.0,
                isfinite(r->ci95[1]) ? r->ci95[1] : 0.0);
        data_str(f, lab);
        fputc('\n', f);
    }
    fputs("EOD\n", f);
    fprintf(f, "n_front = %zu\nn_points = %zu\n", k, s.n_rows);
    /* What the labels list: the axes, by the last part of their paths. */
    char axes[TEXT_MAX + 1] = "";
    for (size_t a = 0; a < s.n_axes; a++) {
        const char *leaf = strrchr(s.axis_name[a], '.');
        leaf = leaf != NULL ? leaf + 1 : s.axis_name[a];
        size_t used = strlen(axes);
        snprintf(axes + used, sizeof axes - used, "%s%s", a > 0 ? " / " : "", leaf);
    }
    gp_var_str(g, "label_axes", axes);
    free(order);
    free(front);
    free_sweep(&s);
    return PLOT_OK;
}

/* ---- paper vs simulator ------------------------------------------------------------------ */

static const char paper_what[] = "a paper CSV (workload,mean_ms,p50_ms,p99_ms,throughput_rps)";

static enum plot_status write_paper(struct gp *g, const struct plot_opts *o, char *msg, size_t len)
{
    FILE *f = g->f;
    const char *path = o->inputs[0];
    struct csv c;
    enum plot_status st = csv_open(&c, path, paper_what, msg, len);
    if (st != PLOT_OK)
        return st;
    static const char *const names[] = { "workload", "mean_ms", "p50_ms", "p99_ms", "throughput_rps" };
    int col[5];
    st = csv_cols(&c, paper_what, names, col, 5, msg, len);
    char **workload = NULL;
    double (*paper)[4] = NULL;
    size_t n = 0, cap_w = 0, cap_p = 0;
    while (st == PLOT_OK && csv_next(&c)) {
        workload = xgrow(workload, &cap_w, n + 1, sizeof *workload);
        paper = xgrow(paper, &cap_p, n + 1, sizeof *paper);
        workload[n] = xstrdup(cell(&c, col[0]));
        n++;
        for (int m = 0; m < 4 && st == PLOT_OK; m++)
            st = cell_num(&c, col[m + 1], &paper[n - 1][m], msg, len);
    }
    st = csv_status(&c, st);
    /* The source of the numbers, if the file names it ("# source: ..."). */
    char *source = c.source != NULL ? xstrdup(c.source) : NULL;
    csv_close(&c);
    if (st == PLOT_OK && n == 0)
        st = fail(msg, len, PLOT_ERR_INPUT, "%s: no rows (expected %s)", path, paper_what);
    if (st == PLOT_OK && o->n_inputs - 1 != n)
        st = fail(msg, len, PLOT_ERR_INPUT,
                  "%s has %zu row%s: give one --requests-csv file per row, in the same order (got %zu)", path, n,
                  n == 1 ? "" : "s", o->n_inputs - 1);
    struct latencies *l = NULL;
    if (st == PLOT_OK)
        st = read_all_latencies(o, 1, &l, msg, len);
    if (st != PLOT_OK) {
        free_strings_n(workload, n);
        free(paper);
        free(source);
        return st;
    }
    fprintf(f, "n_workloads = %zu\n", n);
    gp_var_str(g, "source_note", source != NULL && source[0] != '\0' ? source : path);
    free(source);
    gp_var_str(g, "latency_label", o->from_dispatch ? "latency from batch dispatch (ms)" : "latency (ms)");
    /* Latency panel: per workload, mean, p50 and p99, paper and simulator
     * side by side. Throughput panel: one pair per workload. */
    static const char *const mname[3] = { "mean", "p50", "p99" };
    /* Bar labels as data (xticlabels): x, the statistic, the workload. */
    fputs("$lat_tics << EOD\n", f);
    for (size_t w = 0; w < n; w++) {
        for (int m = 0; m < 3; m++) {
            fprintf(f, "%zu \"%s\" ", w * 4 + (size_t)m, mname[m]);
            data_str(f, workload[w]);
            fputc('\n', f);
        }
    }
    fputs("EOD\n$thr_tics << EOD\n", f);
    for (size_t w = 0; w < n; w++) {
        fprintf(f, "%zu ", w);
        data_str(f, workload[w]);
        fputc('\n', f);
    }
    fputs("EOD\n$lat << EOD\n", f);
    for (int who = 0; who < 2; who++) {
        for (size_t w = 0; w < n; w++) {
            double sim[3] = { mean_of(&l[w]), quantile(&l[w], 0.5), quantile(&l[w], 0.99) };
            for (int m = 0; m < 3; m++) {
                double v = who == 0 ? paper[w][m] : sim[m];
                fprintf(f, "%.9g %.9g\n", (double)(w * 4 + (size_t)m) + (who == 0 ? -0.2 : 0.2), v);
            }
        }
        fputs(who == 0 ? "\n\n" : "", f);
    }
    fputs("EOD\n$thr << EOD\n", f);
    for (int who = 0; who < 2; who++) {
        for (size_t w = 0; w < n; w++) {
            double span = l[w].last_end_s - l[w].first_arrival_s;
            double sim = span > 0 ? (double)l[w].n / span : (double)NAN;
            fprintf(f, "%.9g %.9g\n", (double)w + (who == 0 ? -0.2 : 0.2), who == 0 ? paper[w][3] : sim);
        }
        fputs(who == 0 ? "\n\n" : "", f);
    }
    fputs("EOD\n", f);
    free_latencies(l, n);
    free_strings_n(workload, n);
    free(paper);
    return PLOT_OK;
}

/* ---- the command file ---------------------------------------------------------------------- */

/* A path for a gnuplot command: never starting with '|' or '<' (which
 * would make `set output` or `load` run a shell command), then quoted. NULL
 * for a path holding a control character. */
static char *gp_path(const char *path)
{
    if (path[0] == '/')
        return plot_gnuplot_quote(path);
    size_t n = strlen(path) + 3;
    char *rel = xmalloc(n);
    snprintf(rel, n, "./%s", path);
    char *q = plot_gnuplot_quote(rel);
    free(rel);
    return q;
}

static bool has_control(const char *s)
{
    for (; *s != '\0'; s++)
        if ((unsigned char)*s < 0x20 || *s == 0x7f)
            return true;
    return false;
}

/* How a requests file's run timed latency: its latency_from column's first
 * row, 1 dispatch, 0 arrival, -1 when the file has no such column (an older
 * file) or no row. */
static enum plot_status file_latency_from(const char *path, int *from, char *msg, size_t len)
{
    struct csv c;
    *from = -1;
    enum plot_status st = csv_open(&c, path, requests_what, msg, len);
    if (st != PLOT_OK)
        return st;
    int col = csv_col(&c, "latency_from");
    if (col >= 0 && csv_next(&c))
        *from = strcmp(cell(&c, col), "dispatch") == 0 ? 1 : 0;
    st = csv_status(&c, st);
    csv_close(&c);
    return st;
}

/* Without --latency-from, latency is timed as the runs timed it: from
 * dispatch when every requests file says so (stats.latency_from), from
 * arrival when none does; runs that differ need the option. */
static enum plot_status resolve_latency_from(struct plot_opts *o, char *msg, size_t len)
{
    if (o->latency_from_set || !(o->kind == PLOT_CDF || o->kind == PLOT_HISTOGRAM || o->kind == PLOT_PAPER))
        return PLOT_OK;
    size_t first = o->kind == PLOT_PAPER ? 1 : 0;
    int seen = -1;
    const char *seen_path = NULL;
    for (size_t i = first; i < o->n_inputs; i++) {
        int from;
        enum plot_status st = file_latency_from(o->inputs[i], &from, msg, len);
        if (st != PLOT_OK)
            return st;
        from = from < 0 ? 0 : from;
        if (seen >= 0 && from != seen)
            return fail(msg, len, PLOT_ERR_INPUT, "%s timed latency from %s and %s from %s (stats.latency_from): "
                        "give --latency-from arrival or dispatch to plot them on one axis", seen_path,
                        seen ? "dispatch" : "arrival", o->inputs[i], from ? "dispatch" : "arrival");
        seen = from;
        seen_path = o->inputs[i];
    }
    o->from_dispatch = seen == 1;
    return PLOT_OK;
}

/* The image format -o FILE's name asks for: .svg, .pdf, else PNG (.png,
 * no extension, or - for standard output); NULL for another extension. */
static const char *output_format(const char *name)
{
    if (name == NULL)
        return "png";
    const char *slash = strrchr(name, '/'), *dot = strrchr(name, '.');
    if (dot == NULL || (slash != NULL && dot < slash))
        return "png";
    if (strcasecmp(dot, ".svg") == 0)
        return "svg";
    if (strcasecmp(dot, ".pdf") == 0)
        return "pdf";
    if (strcasecmp(dot, ".png") == 0)
        return "png";
    return NULL;
}

enum plot_status plot_write_commands(FILE *f, const struct plot_opts *opts, const char *png_path, char *msg,
                                     size_t len)
{
    struct plot_opts eff = *opts;
    const struct plot_opts *o = &eff;
    const char *format = output_format(o->output);
    if (format == NULL)
        return fail(msg, len, PLOT_ERR_INPUT, "-o %s: unknown image format '%s' (the name must end in .png, .svg "
                    "or .pdf)", o->output, strrchr(o->output, '.'));
    if (o->kind >= PLOT_N_KINDS)
        return fail(msg, len, PLOT_ERR_INPUT, "unknown plot kind");
    if (o->n_inputs < kinds[o->kind].min_inputs || o->n_inputs > kinds[o->kind].max_inputs) {
        if (kinds[o->kind].min_inputs == kinds[o->kind].max_inputs)
            return fail(msg, len, PLOT_ERR_INPUT, "plot %s takes %zu input file%s (got %zu)", kinds[o->kind].name,
                        kinds[o->kind].min_inputs, kinds[o->kind].min_inputs == 1 ? "" : "s", o->n_inputs);
        return fail(msg, len, PLOT_ERR_INPUT, "plot %s takes %zu to %zu input files (got %zu)", kinds[o->kind].name,
                    kinds[o->kind].min_inputs, kinds[o->kind].max_inputs, o->n_inputs);
    }
    if (o->title != NULL && has_control(o->title))
        return fail(msg, len, PLOT_ERR_INPUT, "--title: contains a control character (such as a newline or a tab); "
                    "give the title on one line");
    enum plot_status rst = resolve_latency_from(&eff, msg, len);
    if (rst != PLOT_OK)
        return rst;
    size_t dl = strlen(o->script_dir) + 64;
    char *script = xmalloc(dl);
    snprintf(script, dl, "%s/common.gp", o->script_dir);
    char *q_out = gp_path(png_path), *q_common = gp_path(script);
    snprintf(script, dl, "%s/%s", o->script_dir, kinds[o->kind].script);
    char *q_kind = gp_path(script);
    free(script);
    enum plot_status st = PLOT_OK;
    if (q_out == NULL)
        st = fail(msg, len, PLOT_ERR_INPUT, "-o %s: the file name holds a control character (such as a newline); "
                  "gnuplot cannot be given it", o->output != NULL ? o->output : png_path);
    else if (q_common == NULL || q_kind == NULL)
        st = fail(msg, len, PLOT_ERR_INPUT, "%s: the scripts' directory name holds a control character",
                  o->script_dir);
    struct gp g = { .f = f };
    if (st == PLOT_OK) {
        fprintf(f, "# gnuplot commands written by lambdasim plot %s\n", kinds[o->kind].name);
        /* A number, not a string: no text but the quoted paths enters the
         * commands outside a data block (tests/fuzz/fuzz_plot.c checks). */
        fprintf(f, "outfile = %s\nout_format = %d\n", q_out,
                strcmp(format, "svg") == 0 ? 1 : strcmp(format, "pdf") == 0 ? 2 : 0);
        const char *title = o->title != NULL ? o->title : kinds[o->kind].title;
        gp_var_str(&g, "plot_title", title != NULL ? title : "");
        switch (o->kind) {
        case PLOT_CDF: st = write_cdf(&g, o, msg, len); break;
        case PLOT_HISTOGRAM: st = write_histogram(&g, o, msg, len); break;
        case PLOT_TIMELINE: st = write_timeline(&g, o, msg, len); break;
        case PLOT_QUEUE: st = write_queue(&g, o, msg, len); break;
        case PLOT_HEATMAP: st = write_heatmap(&g, o, msg, len); break;
        case PLOT_PARETO: st = write_pareto(&g, o, msg, len); break;
        case PLOT_PAPER: st = write_paper(&g, o, msg, len); break;
        case PLOT_LINE: st = write_line(&g, o, msg, len); break;
        case PLOT_N_KINDS: break;
        }
    }
    if (st == PLOT_OK) {
        gp_finish(&g);
        fprintf(f, "load %s\nload %s\n", q_common, q_kind);
    }
    gp_free(&g);
    free(q_out);
    free(q_common);
    free(q_kind);
    return st;
}

/* ---- running gnuplot ------------------------------------------------------------------------- */

static bool read_all(int fd, char *buf, size_t cap, size_t *got)
{
    *got = 0;
    for (;;) {
        char tmp[512];
        ssize_t r = read(fd, tmp, sizeof tmp);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            return r == 0;
        size_t take = (size_t)r;
        if (*got + take > cap - 1)
            take = cap - 1 - *got;
        memcpy(buf + *got, tmp, take);
        *got += take;
    }
}

/* Runs `prog cmd_path` with no shell, stdin from /dev/null and stderr
 * captured for the message. */
static enum plot_status run_gnuplot(const char *prog, const char *cmd_path, char *msg, size_t len)
{
    int err_pipe[2], exec_pipe[2];
    if (pipe(err_pipe) != 0)
        return fail(msg, len, PLOT_ERR_FAILED, "cannot start %s: %s", prog, strerror(errno));
    if (pipe(exec_pipe) != 0) {
        close(err_pipe[0]);
        close(err_pipe[1]);
        return fail(msg, len, PLOT_ERR_FAILED, "cannot start %s: %s", prog, strerror(errno));
    }
    /* The exec pipe closes on a successful exec, so the parent reads EOF;
     * a failed exec writes its errno there. */
    fcntl(exec_pipe[1], F_SETFD, FD_CLOEXEC);
    pid_t pid = fork();
    if (pid < 0) {
        int e = errno;
        close(err_pipe[0]);
        close(err_pipe[1]);
        close(exec_pipe[0]);
        close(exec_pipe[1]);
        return fail(msg, len, PLOT_ERR_FAILED, "cannot start %s: %s", prog, strerror(e));
    }
    if (pid == 0) {
        int null = open("/dev/null", O_RDWR);
        if (null >= 0) {
            dup2(null, 0);
            dup2(null, 1);
        }
        dup2(err_pipe[1], 2);
        close(err_pipe[0]);
        close(err_pipe[1]);
        close(exec_pipe[0]);
        char *const argv[] = { (char *)(uintptr_t)prog, (char *)(uintptr_t)cmd_path, NULL };
        execvp(prog, argv);
        int e = errno;
        ssize_t w = write(exec_pipe[1], &e, sizeof e);
        (void)w;
        _exit(127);
    }
    close(err_pipe[1]);
    close(exec_pipe[1]);
    char err[2048];
    size_t got;
    read_all(err_pipe[0], err, sizeof err, &got);
    err[got] = '\0';
    close(err_pipe[0]);
    int exec_errno = 0;
    ssize_t r;
    do
        r = read(exec_pipe[0], &exec_errno, sizeof exec_errno);
    while (r < 0 && errno == EINTR);
    close(exec_pipe[0]);
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
        ;
    if (r == (ssize_t)sizeof exec_errno) {
        if (exec_errno == ENOENT)
            return fail(msg, len, PLOT_ERR_NO_GNUPLOT,
                        "%s: not found; lambdasim plot needs gnuplot (Debian: sudo apt-get install gnuplot-nox)",
                        prog);
        return fail(msg, len, PLOT_ERR_NO_GNUPLOT, "%s: cannot run: %s", prog, strerror(exec_errno));
    }
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        /* gnuplot's own words, on one line with single spaces. */
        char *w = err;
        for (const char *p = err; *p != '\0'; p++) {
            char ch = (*p == '\n' || *p == '\t' || *p == '\r') ? ' ' : *p;
            if (ch == ' ' && (w == err || w[-1] == ' '))
                continue;
            *w++ = ch;
        }
        *w = '\0';
        if (WIFSIGNALED(status))
            return fail(msg, len, PLOT_ERR_FAILED, "%s was killed by signal %d", prog, WTERMSIG(status));
        return fail(msg, len, PLOT_ERR_FAILED, "%s failed (exit %d): %s", prog, WEXITSTATUS(status), err);
    }
    return PLOT_OK;
}

/* What gnuplot wrote is an image of the format asked for, not a stub:
 * its signature (PNG's eight bytes, "%PDF-", an SVG's "<svg" in its first
 * lines) and at least PNG_MIN_BYTES. */
static bool is_image(const char *path, const char *format)
{
    static const unsigned char sig[8] = { 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n' };
    char head[1024];
    struct stat st;
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return false;
    size_t n = fread(head, 1, sizeof head - 1, f);
    fclose(f);
    head[n] = '\0';
    bool ok;
    if (strcmp(format, "svg") == 0)
        ok = strstr(head, "<svg") != NULL;
    else if (strcmp(format, "pdf") == 0)
        ok = n >= 5 && memcmp(head, "%PDF-", 5) == 0;
    else
        ok = n >= sizeof sig && memcmp(head, sig, sizeof sig) == 0;
    return ok && stat(path, &st) == 0 && st.st_size >= PNG_MIN_BYTES;
}

static enum plot_status write_commands_only(const struct plot_opts *o, char *msg, size_t len)
{
    struct outfile out;
    char omsg[PLOT_MSG_MAX];
    if (outfile_open(&out, o->commands_out, o->replace, omsg, sizeof omsg) != 0)
        return fail(msg, len, PLOT_ERR_INPUT, "--gnuplot-commands %s", omsg);
    enum plot_status st = plot_write_commands(out.f, o, o->output, msg, len);
    if (st == PLOT_OK && outfile_commit(&out, omsg, sizeof omsg) != 0)
        st = fail(msg, len, PLOT_ERR_FAILED, "%s", omsg);
    outfile_abort(&out);
    return st;
}

enum plot_status plot_render(const struct plot_opts *o, char *msg, size_t len)
{
    struct outfile out;
    char omsg[PLOT_MSG_MAX];
    if (o->commands_out != NULL)
        return write_commands_only(o, msg, len);
    /* Named: gnuplot writes the PNG to out.tmp_path, also for -o - or a FIFO. */
    if (outfile_open_named(&out, o->output, o->replace, omsg, sizeof omsg) != 0)
        return fail(msg, len, PLOT_ERR_INPUT, "-o %s", omsg);
    const char *dir = getenv("TMPDIR");
    if (dir == NULL || dir[0] == '\0')
        dir = "/tmp";
    size_t n = strlen(dir) + 32;
    char *cmd_path = xmalloc(n);
    /* gnuplot's argument: never an option ("-e ..."), whatever TMPDIR says. */
    snprintf(cmd_path, n, "%s%s/lambdasim-plot-XXXXXX", dir[0] == '/' ? "" : "./", dir);
    enum plot_status st;
    int fd = mkstemp(cmd_path);
    FILE *cmd = fd >= 0 ? fdopen(fd, "w") : NULL;
    if (cmd == NULL) {
        st = fail(msg, len, PLOT_ERR_FAILED, "cannot create a temporary file in %s: %s", dir, strerror(errno));
        if (fd >= 0) {
            close(fd);
            unlink(cmd_path);
        }
        free(cmd_path);
        outfile_abort(&out);
        return st;
    }
    st = plot_write_commands(cmd, o, out.tmp_path, msg, len);
    if (fclose(cmd) != 0 && st == PLOT_OK)
        st = fail(msg, len, PLOT_ERR_FAILED, "%s: write failed: %s", cmd_path, strerror(errno));
    if (st == PLOT_OK)
        st = run_gnuplot(o->gnuplot != NULL ? o->gnuplot : "gnuplot", cmd_path, msg, len);
    unlink(cmd_path);
    free(cmd_path);
    const char *format = output_format(o->output);
    if (st == PLOT_OK && (format == NULL || !is_image(out.tmp_path, format)))
        st = fail(msg, len, PLOT_ERR_FAILED, "%s: gnuplot did not produce a%s %s", o->output,
                  format != NULL && strcmp(format, "svg") == 0 ? "n" : "", format != NULL ? format : "image");
    if (st == PLOT_OK && outfile_commit(&out, omsg, sizeof omsg) != 0)
        st = fail(msg, len, PLOT_ERR_FAILED, "%s", omsg);
    outfile_abort(&out);
    return st;
}

bool plot_find_scripts(char *dir, size_t len, char *msg, size_t msg_len)
{
    const char *env = getenv("LAMBDASIM_PLOTS_DIR");
    if (env != NULL && env[0] != '\0') {
        snprintf(dir, len, "%s", env);
        return true;
    }
    if (datadir_path("plots/common.gp", dir, len, msg, msg_len) != 0)
        return false;
    char *slash = strrchr(dir, '/'); /* the directory of common.gp */
    if (slash != NULL)
        *slash = '\0';
    return true;
}
