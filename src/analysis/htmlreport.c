/* htmlreport: the HTML page of `lambdasim report` (htmlreport.h).
 *
 * The page is built in memory-light steps: the result is read
 * (resultdoc.h), the figures are drawn by the plot module into a private
 * temporary directory (a sweep CSV and requests CSVs written there are
 * their inputs), each SVG is read back with its ids prefixed (gnuplot
 * names every figure's markers alike; inlined together they would clash),
 * and the page goes to an outfile, committed only when complete. */
#define _DEFAULT_SOURCE /* mkdtemp */
#include "analysis/htmlreport.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "analysis/plot.h"
#include "analysis/report.h"
#include "analysis/sweep.h"
#include "base/common.h"
#include "base/outfile.h"
#include "base/textline.h"
#include "base/version.h"
#include "base/xalloc.h"
#include "core/engine.h"
#include "core/scenario.h"
#include "formats/config.h"
#include "formats/resultdoc.h"
#include "formats/sweep_spec.h"

/* An SVG larger than this is not inlined (gnuplot's are ~50-500 KB). */
#define SVG_MAX_BYTES ((size_t)16 << 20)
/* Line figures: at most this many (metrics x numeric axes). */
#define LINE_FIGURES_MAX 24

static void fail_msg(char *msg, size_t len, const char *fmt, ...) PRINTF_LIKE(3, 4);
static void fail_msg(char *msg, size_t len, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, len, fmt, ap);
    va_end(ap);
}

/* ---- text ------------------------------------------------------------------------------ */

/* Text from an input, as HTML text or attribute value: markup characters
 * escaped, control characters and invalid UTF-8 as '?'. */
static void esc(FILE *f, const char *s)
{
    const unsigned char *p = (const unsigned char *)(s != NULL ? s : "");
    size_t left = strlen((const char *)p);
    while (*p != '\0') {
        size_t n = textline_utf8_seq((const char *)p, left, NULL);
        if (n == 0 || (n == 1 && (*p < 0x20 || *p == 0x7f))) {
            fputc(*p == '\t' || *p == '\n' ? ' ' : '?', f);
            p++;
            left--;
            continue;
        }
        switch (*p) {
        case '&': fputs("&amp;", f); break;
        case '<': fputs("&lt;", f); break;
        case '>': fputs("&gt;", f); break;
        case '"': fputs("&quot;", f); break;
        case '\'': fputs("&#39;", f); break;
        default: fwrite(p, 1, n, f);
        }
        p += n;
        left -= n;
    }
}

/* A number for reading: 5 significant digits; "n/a" for NAN. */
static const char *num(char *buf, size_t len, double v)
{
    if (!isfinite(v))
        snprintf(buf, len, "n/a");
    else if (v != 0 && fabs(v) < 1e-3)
        snprintf(buf, len, "%.3e", v);
    else
        snprintf(buf, len, "%.5g", v);
    return buf;
}

static void put_num(FILE *f, double v)
{
    char b[48];
    fputs(num(b, sizeof b, v), f);
}

/* "mean ± ci95" */
static void put_mean(FILE *f, double mean, double ci95)
{
    put_num(f, mean);
    if (isfinite(mean) && isfinite(ci95)) {
        /* Two significant digits of a half-width are all it says, written
         * plainly (1100, 0.22) rather than as 1.1e+03. */
        double a = fabs(ci95);
        if (a == 0) {
            fputs(" &plusmn; 0", f);
        } else if (a < 1e-3 || a >= 1e6) {
            fprintf(f, " &plusmn; %.1e", ci95);
        } else {
            int mag = (int)floor(log10(a)), decimals = mag >= 1 ? 0 : 1 - mag;
            double unit = pow(10.0, mag - 1), r = round(ci95 / unit) * unit;
            fprintf(f, " &plusmn; %.*f", decimals, r);
        }
    }
}

/* ---- the temporary directory ------------------------------------------------------------ */

struct tmpdir {
    char path[PATH_MAX];
    bool made;
};

static int tmpdir_make(struct tmpdir *t, char *msg, size_t len)
{
    const char *base = getenv("TMPDIR");
    if (base == NULL || base[0] == '\0')
        base = "/tmp";
    int n = snprintf(t->path, sizeof t->path, "%s/lambdasim-report.XXXXXX", base);
    if (n < 0 || (size_t)n >= sizeof t->path || mkdtemp(t->path) == NULL) {
        fail_msg(msg, len, "cannot make a temporary directory in %s: %s", base, strerror(errno));
        return -1;
    }
    t->made = true;
    return 0;
}

static void tmpdir_remove(struct tmpdir *t)
{
    if (!t->made)
        return;
    DIR *d = opendir(t->path);
    if (d != NULL) {
        const struct dirent *e;
        while ((e = readdir(d)) != NULL) {
            if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
                continue;
            char p[PATH_MAX + 256];
            snprintf(p, sizeof p, "%s/%s", t->path, e->d_name);
            unlink(p);
        }
        closedir(d);
    }
    rmdir(t->path);
    t->made = false;
}

static void tmp_name(const struct tmpdir *t, char *buf, size_t len, const char *name)
{
    snprintf(buf, len, "%s/%s", t->path, name);
}

/* ---- figures ----------------------------------------------------------------------------- */

struct figure {
    char *id;           /* the section anchor (owned) */
    char *caption;      /* HTML-safe text written by us, data escaped (owned) */
    char *svg;          /* the <svg> element, ids prefixed (owned) */
};

struct page {
    const struct htmlreport_opts *o;
    struct tmpdir tmp;
    struct figure *fig;
    size_t n_fig, cap_fig;
    unsigned next_fig;  /* names the SVG files and the id prefixes */
};

static char *read_all(const char *path, size_t max, size_t *out_len)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return NULL;
    size_t cap = 65536, n = 0;
    char *buf = xmalloc(cap);
    for (;;) {
        if (n + 1 >= cap) {
            if (cap >= max) {
                free(buf);
                fclose(f);
                return NULL;
            }
            cap *= 2;
            buf = xrealloc(buf, cap);
        }
        size_t got = fread(buf + n, 1, cap - n - 1, f);
        n += got;
        if (got == 0)
            break;
    }
    bool bad = ferror(f) != 0;
    fclose(f);
    if (bad) {
        free(buf);
        return NULL;
    }
    buf[n] = '\0';
    *out_len = n;
    return buf;
}

/* The <svg> element of gnuplot's file, for inlining: the XML prolog
 * dropped, and every id and every reference to one (href='#x', url(#x))
 * prefixed with `prefix`, so that figures do not take each other's
 * markers. NULL when the file is not an SVG we can inline safely (one
 * holding a script or a link out). */
static char *inline_svg(const char *text, const char *prefix)
{
    const char *start = strstr(text, "<svg");
    if (start == NULL || strstr(start, "<script") != NULL || strstr(start, "<foreignObject") != NULL ||
        strstr(start, "href='http") != NULL || strstr(start, "href=\"http") != NULL)
        return NULL;
    size_t plen = strlen(prefix), cap = strlen(start) + 1, n = 0;
    char *out = xmalloc(cap);
    for (const char *p = start; *p != '\0';) {
        size_t skip = 0;
        if (strncmp(p, " id='", 5) == 0 || strncmp(p, " id=\"", 5) == 0 || strncmp(p, "url(#", 5) == 0)
            skip = 5;
        else if (strncmp(p, "href='#", 7) == 0 || strncmp(p, "href=\"#", 7) == 0)
            skip = 7;
        size_t need = n + skip + plen + 2;
        if (need > cap) {
            cap = need * 2;
            out = xrealloc(out, cap);
        }
        if (skip > 0) {
            memcpy(out + n, p, skip);
            n += skip;
            memcpy(out + n, prefix, plen);
            n += plen;
            p += skip;
        } else {
            out[n++] = *p++;
        }
    }
    out[n] = '\0';
    return out;
}

/* Draws one figure with the plot module into the temporary directory and
 * keeps its SVG. An input problem of ours (a metric the sweep lacks) is
 * reported like gnuplot's failures: the page is not written half. */
static enum htmlreport_status add_figure(struct page *pg, const struct plot_opts *fig, const char *id,
                                         const char *caption, char *msg, size_t len)
{
    struct plot_opts opts = *fig, *po = &opts;
    char path[PATH_MAX + 64], name[64], prefix[32];
    unsigned k = pg->next_fig++;
    snprintf(name, sizeof name, "figure-%u.svg", k);
    snprintf(prefix, sizeof prefix, "f%u-", k);
    tmp_name(&pg->tmp, path, sizeof path, name);
    po->output = path;
    po->script_dir = pg->o->script_dir;
    po->gnuplot = pg->o->gnuplot;
    char why[PLOT_MSG_MAX];
    enum plot_status st = plot_render(po, why, sizeof why);
    if (st != PLOT_OK) {
        fail_msg(msg, len, "figure '%s': %s", caption, why);
        return st == PLOT_ERR_INPUT ? HTMLREPORT_ERR_INPUT : HTMLREPORT_ERR_FAILED;
    }
    size_t n = 0;
    char *text = read_all(path, SVG_MAX_BYTES, &n);
    char *svg = text != NULL ? inline_svg(text, prefix) : NULL;
    free(text);
    unlink(path);
    if (svg == NULL) {
        fail_msg(msg, len, "figure '%s': gnuplot's SVG could not be read or is not one we inline "
                 "(a script or a link in it)", caption);
        return HTMLREPORT_ERR_FAILED;
    }
    pg->fig = xgrow(pg->fig, &pg->cap_fig, pg->n_fig + 1, sizeof *pg->fig);
    struct figure *fg = &pg->fig[pg->n_fig++];
    fg->id = xstrdup(id);
    fg->caption = xstrdup(caption);
    fg->svg = svg;
    return HTMLREPORT_OK;
}

static void put_figure(FILE *f, const struct page *pg, const char *id)
{
    for (size_t i = 0; i < pg->n_fig; i++) {
        if (strcmp(pg->fig[i].id, id) != 0)
            continue;
        fprintf(f, "<figure id=\"%s\">\n", pg->fig[i].id);
        fputs(pg->fig[i].svg, f);
        fputs("\n<figcaption>", f);
        esc(f, pg->fig[i].caption);
        fputs("</figcaption>\n</figure>\n", f);
    }
}

static void page_fini(struct page *pg)
{
    for (size_t i = 0; i < pg->n_fig; i++) {
        free(pg->fig[i].id);
        free(pg->fig[i].caption);
        free(pg->fig[i].svg);
    }
    free(pg->fig);
    tmpdir_remove(&pg->tmp);
}

/* ---- the page's frame ---------------------------------------------------------------------- */

static const char css[] =
    "body{font-family:'DejaVu Sans',Arial,sans-serif;margin:0 auto;max-width:1180px;padding:0 24px 48px;"
    "color:#1d1d1f;line-height:1.45}\n"
    "h1{font-size:1.7em;margin:28px 0 4px}h2{margin-top:40px;border-bottom:2px solid #ddd;padding-bottom:4px}\n"
    ".sub{color:#555;margin:0 0 16px}nav a{margin-right:14px}\n"
    "table{border-collapse:collapse;margin:12px 0;font-size:.92em;display:block;max-width:100%;overflow-x:auto}\n"
    "th,td{border:1px solid #ccc;padding:4px 8px;text-align:right;vertical-align:top}td{white-space:nowrap}\n"
    "th{background:#f2f2f2}td.t,th.t{text-align:left}\n"
    "tr.best td{background:#eef7ee}\n"
    "figure{margin:16px 0}figure svg{width:100%;height:auto;border:1px solid #ddd}\n"
    "figcaption{color:#444;font-size:.9em}\n"
    "code,pre{background:#f6f6f6;padding:2px 4px;font-size:.9em}pre{padding:8px;white-space:pre-wrap;"
    "word-break:break-all}\n"
    ".bar{display:flex;width:360px;height:14px;border:1px solid #999}.bar span{display:block;height:100%}\n"
    ".k0{background:#4e79a7}.k1{background:#f28e2b}.k2{background:#76b7b2}.k3{background:#e15759}"
    ".k4{background:#59a14f}\n"
    ".key span{display:inline-block;width:12px;height:12px;margin:0 4px 0 12px;vertical-align:middle}\n"
    ".note{background:#fff8e1;border-left:4px solid #f0b400;padding:6px 10px}\n";

static void page_head(FILE *f, const char *title)
{
    fputs("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
          "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
          /* The page fetches nothing: this says so to the browser too. */
          "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">\n"
          "<meta name=\"generator\" content=\"lambdasim " LAMBDASIM_VERSION "\">\n<title>", f);
    esc(f, title);
    fprintf(f, "</title>\n<style>\n%s</style>\n</head>\n<body>\n<h1>", css);
    esc(f, title);
    fputs("</h1>\n", f);
}

static void page_tail(FILE *f, const struct resultdoc *d)
{
    fputs("<hr>\n<p class=\"sub\">Written by lambdasim " LAMBDASIM_VERSION " (<code>lambdasim report</code>) from <code>",
          f);
    esc(f, d->path);
    fputs("</code>, a result of lambdasim ", f);
    esc(f, d->version);
    fputs(". The page loads nothing: its figures are inline SVG drawn by gnuplot.</p>\n</body>\n</html>\n", f);
}

/* ---- where the time goes ---------------------------------------------------------------------- */

static const char *const part_name[] = { "batch wait", "dispatch wait", "overhead", "cold start", "inference" };
#define N_PARTS 5

static void put_parts_key(FILE *f)
{
    fputs("<p class=\"key\">", f);
    for (int i = 0; i < N_PARTS; i++)
        fprintf(f, "<span class=\"k%d\"></span>%s", i, part_name[i]);
    fputs("</p>\n", f);
}

/* One row's cells: each part's mean in ms, the total, and a bar of the
 * shares (widths in whole per mille, so the page's bytes are stable). */
static void put_parts_cells(FILE *f, const double *part)
{
    double total = 0;
    for (int i = 0; i < N_PARTS; i++) {
        fputs("<td>", f);
        put_num(f, part[i]);
        fputs("</td>", f);
        total += isfinite(part[i]) ? part[i] : 0;
    }
    fputs("<td>", f);
    put_num(f, total);
    fputs("</td><td class=\"t\"><div class=\"bar\">", f);
    for (int i = 0; i < N_PARTS && total > 0; i++) {
        double share = isfinite(part[i]) && part[i] > 0 ? part[i] / total : 0;
        long pm = lround(share * 1000.0);
        if (pm > 0)
            fprintf(f, "<span class=\"k%d\" style=\"width:%ld.%ld%%\"></span>", i, pm / 10, pm % 10);
    }
    fputs("</div></td>", f);
}

static void put_parts_header(FILE *f, const char *first)
{
    fprintf(f, "<table>\n<tr><th class=\"t\">%s</th>", first);
    for (int i = 0; i < N_PARTS; i++)
        fprintf(f, "<th>%s (ms)</th>", part_name[i]);
    fputs("<th>sum (ms)</th><th class=\"t\">shares</th></tr>\n", f);
}

/* ---- sweeps ------------------------------------------------------------------------------------- */

/* A re-run of one top point: its requests CSV and what the engine said. */
struct rerun {
    size_t point;
    size_t rank;
    char csv[PATH_MAX + 64];
    bool ok;
    struct engine_result er;
};

struct rerun_ctx {
    FILE *f;
    enum latency_origin from;
};

static void rerun_on_request(void *ctx, const struct request_record *rec)
{
    const struct rerun_ctx *c = ctx;
    report_requests_csv_row(c->f, rec, c->from);
}

/* The axes of a point as "a=1, b=x" (the last component of each path). */
static void point_label(char *buf, size_t len, const struct resultdoc *d, const struct resultdoc_point *p)
{
    size_t n = 0;
    buf[0] = '\0';
    for (size_t a = 0; a < d->n_axes && n < len; a++) {
        const char *dot = strrchr(d->axes[a], '.');
        int w = snprintf(buf + n, len - n, "%s%s=%s", a > 0 ? ", " : "", dot != NULL ? dot + 1 : d->axes[a],
                         p->values[a]);
        if (w < 0)
            break;
        n += (size_t)w;
    }
    if (d->n_axes == 0)
        snprintf(buf, len, "point %zu", p->point);
}

/* Loads the sweep file the result names, checks that every input still has
 * the content the sweep read (its identity covers them all), and runs
 * replication 0 of each listed point, writing its requests CSV. */
static enum htmlreport_status rerun_points(struct page *pg, const struct resultdoc *d, struct rerun *rr, size_t n,
                                           char *msg, size_t len)
{
    struct sweep_spec sp;
    char why[CONFIG_MSG_MAX];
    if (config_load_sweep(d->sweep_file, &sp, why, sizeof why) != CONFIG_OK ||
        sweep_prepare(&sp, why, sizeof why) != CONFIG_OK) {
        fail_msg(msg, len, "%s: the sweep it comes from cannot be loaded again to re-run its top points (%s); run "
                 "the report from the directory the sweep ran in, or pass --no-rerun", d->path, why);
        sweep_spec_fini(&sp);
        return HTMLREPORT_ERR_INPUT;
    }
    char id[32];
    snprintf(id, sizeof id, "%016llx", (unsigned long long)sp.id);
    if (strcmp(id, d->id) != 0) {
        /* Name what changed: an input whose content hash differs, or one
         * that is read now and was not then (or the reverse). */
        char what[1024] = "the sweep file or lambdasim's version";
        for (size_t i = 0; i < d->n_inputs; i++) {
            bool found = false;
            for (size_t j = 0; j < sp.n_inputs && !found; j++) {
                if (strcmp(sp.inputs[j].role, d->inputs[i].role) != 0 || strcmp(sp.inputs[j].path, d->inputs[i].path) != 0)
                    continue;
                found = true;
                char h[32];
                snprintf(h, sizeof h, "%016llx", (unsigned long long)sp.inputs[j].hash);
                if (strcmp(h, d->inputs[i].hash) != 0) {
                    snprintf(what, sizeof what, "%s (%s) has changed: its content hash is %s, the sweep read %s",
                             d->inputs[i].path, d->inputs[i].role, h, d->inputs[i].hash);
                    i = d->n_inputs - 1;
                }
            }
            if (!found) {
                snprintf(what, sizeof what, "%s (%s) is no longer read by the sweep", d->inputs[i].path,
                         d->inputs[i].role);
                break;
            }
        }
        fail_msg(msg, len, "%s: the sweep's inputs are not those it was run on: %s. The CDFs and the time "
                 "breakdown re-run its top points and need the same inputs: run the sweep again, or pass --no-rerun",
                 d->path, what);
        sweep_spec_fini(&sp);
        return HTMLREPORT_ERR_INPUT;
    }
    struct config_override *ov = xcalloc(sp.n_overrides + sp.n_axes + 1, sizeof *ov);
    enum htmlreport_status st = HTMLREPORT_OK;
    for (size_t i = 0; i < n && st == HTMLREPORT_OK; i++) {
        struct scenario sc;
        size_t nov = sweep_point_overrides(&sp, rr[i].point, ov);
        if (config_load_scenario(sp.scenario, ov, nov, &sc, why, sizeof why) != CONFIG_OK) {
            fail_msg(msg, len, "%s: point %zu: %s", d->sweep_file, rr[i].point, why);
            st = HTMLREPORT_ERR_INPUT;
            break;
        }
        char name[64];
        snprintf(name, sizeof name, "rank %zu (point %zu).csv", rr[i].rank, rr[i].point);
        tmp_name(&pg->tmp, rr[i].csv, sizeof rr[i].csv, name);
        FILE *f = fopen(rr[i].csv, "w");
        if (f == NULL) {
            fail_msg(msg, len, "%s: cannot create: %s", rr[i].csv, strerror(errno));
            scenario_fini(&sc);
            st = HTMLREPORT_ERR_FAILED;
            break;
        }
        report_requests_csv_header(f);
        struct rerun_ctx c = { .f = f, .from = sc.latency_from };
        struct engine_hooks hooks = { .on_request = rerun_on_request, .ctx = &c };
        rr[i].ok = engine_run(&sc, sweep_seed(&sp, rr[i].point, 0), &hooks, &rr[i].er) == ENGINE_OK;
        if (fclose(f) != 0) {
            fail_msg(msg, len, "%s: write failed: %s", rr[i].csv, strerror(errno));
            st = HTMLREPORT_ERR_FAILED;
        }
        scenario_fini(&sc);
    }
    free(ov);
    sweep_spec_fini(&sp);
    return st;
}

/* The sweep CSV the plot module reads (`sweep --out`'s columns that plot
 * uses: the axes, every metric's mean and half-width, feasible, pareto,
 * rank), written from the result. */
static int write_sweep_csv(const char *path, const struct resultdoc *d, char *msg, size_t len)
{
    FILE *f = fopen(path, "w");
    if (f == NULL) {
        fail_msg(msg, len, "%s: cannot create: %s", path, strerror(errno));
        return -1;
    }
    size_t nm = sweep_metric_count();
    fputs("point", f);
    for (size_t a = 0; a < d->n_axes; a++) {
        fputc(',', f);
        sweep_csv_cell(f, d->axes[a]);
    }
    fputs(",replications", f);
    for (size_t m = 0; m < nm; m++)
        fprintf(f, ",%s_mean,%s_ci95", sweep_metric_name(m), sweep_metric_name(m));
    fputs(",feasible,pareto,rank\n", f);
    for (size_t i = 0; i < d->n_points; i++) {
        const struct resultdoc_point *p = &d->points[i];
        fprintf(f, "%zu", p->point);
        for (size_t a = 0; a < d->n_axes; a++) {
            fputc(',', f);
            sweep_csv_cell(f, p->values[a]);
        }
        fprintf(f, ",%d", d->replications);
        for (size_t m = 0; m < nm; m++) {
            char b[SWEEP_NUM_MAX];
            fprintf(f, ",%s", sweep_num_text(b, p->mean[m]));
            fprintf(f, ",%s", sweep_num_text(b, p->ci95[m]));
        }
        fprintf(f, ",%d,%d,%zu\n", p->feasible, p->pareto, p->rank);
    }
    if (fclose(f) != 0) {
        fail_msg(msg, len, "%s: write failed: %s", path, strerror(errno));
        return -1;
    }
    return 0;
}

/* The metric a constraint text ("cost_usd.total <= 0.004") is on, or -1. */
static int constraint_metric(const char *text)
{
    char name[128];
    size_t n = strcspn(text, " <>=");
    if (n == 0 || n >= sizeof name)
        return -1;
    memcpy(name, text, n);
    name[n] = '\0';
    return sweep_metric_find(name);
}

/* The metrics worth a column and a curve: the objective's, the
 * constraints', the Pareto front's, then cost per million requests (what a
 * team budgets with); each once. */
static size_t key_metrics(const struct resultdoc *d, size_t *out, size_t max)
{
    size_t n = 0;
    size_t cand[64];
    size_t nc = 0;
    cand[nc++] = d->objective_metric;
    if (d->balanced)
        cand[nc++] = d->cost_metric;
    for (size_t i = 0; i < d->n_constraints && nc < 60; i++) {
        int m = constraint_metric(d->constraints[i]);
        if (m >= 0)
            cand[nc++] = (size_t)m;
    }
    cand[nc++] = d->pareto[0];
    cand[nc++] = d->pareto[1];
    cand[nc++] = (size_t)sweep_metric_find("cost_usd.per_million_requests");
    for (size_t i = 0; i < nc && n < max; i++) {
        bool dup = false;
        for (size_t j = 0; j < n; j++)
            dup = dup || out[j] == cand[i];
        if (!dup)
            out[n++] = cand[i];
    }
    return n;
}

/* True when every point's value of axis a is a number and there are at
 * least two different ones; *distinct gets how many. */
static bool numeric_axis(const struct resultdoc *d, size_t a, size_t *distinct)
{
    size_t n = 0;
    double seen[HTMLREPORT_LIST_MAX];
    bool many = false;
    for (size_t i = 0; i < d->n_points; i++) {
        char *end;
        const char *v = d->points[i].values[a];
        double x = strtod(v, &end);
        if (v[0] == '\0' || *end != '\0' || !isfinite(x))
            return false;
        bool dup = false;
        for (size_t j = 0; j < n && !dup; j++)
            dup = seen[j] == x;
        if (!dup) {
            if (n < HTMLREPORT_LIST_MAX)
                seen[n++] = x;
            else
                many = true;
        }
    }
    *distinct = many ? SIZE_MAX : n;
    return n >= 2;
}

/* How many different values axis a takes, counted up to one past
 * HTMLREPORT_LIST_MAX (each value compared with the distinct ones seen). */
static size_t distinct_values(const struct resultdoc *d, size_t a)
{
    const char *seen[HTMLREPORT_LIST_MAX + 1];
    size_t n = 0;
    for (size_t i = 0; i < d->n_points && n <= HTMLREPORT_LIST_MAX; i++) {
        bool dup = false;
        for (size_t j = 0; j < n && !dup; j++)
            dup = strcmp(seen[j], d->points[i].values[a]) == 0;
        if (!dup)
            seen[n++] = d->points[i].values[a];
    }
    return n;
}

static void objective_text(FILE *f, const struct resultdoc *d)
{
    if (d->balanced) {
        fprintf(f, "minimize the balanced score %g &times; %s / its largest mean + %g &times; %s / its largest mean",
                d->weight, sweep_metric_name(d->cost_metric), 1 - d->weight, sweep_metric_name(d->objective_metric));
    } else {
        fprintf(f, "%s <code>%s</code>", d->maximize ? "maximize" : "minimize", sweep_metric_name(d->objective_metric));
    }
    for (size_t i = 0; i < d->n_constraints; i++) {
        fputs(i == 0 ? " subject to <code>" : "</code> and <code>", f);
        esc(f, d->constraints[i]);
    }
    if (d->n_constraints > 0)
        fprintf(f, "</code> (feasible %s)", d->feasible_on_mean ? "on the mean"
                                                               : "on the 95% confidence bound: mean + ci95 below a "
                                                                 "limit, mean &minus; ci95 above one");
}

static int rank_cmp(const void *a, const void *b)
{
    const struct resultdoc_point *x = *(const struct resultdoc_point *const *)a;
    const struct resultdoc_point *y = *(const struct resultdoc_point *const *)b;
    if (x->rank != y->rank)
        return x->rank < y->rank ? -1 : 1;
    return x->point < y->point ? -1 : x->point > y->point;
}

/* Points in rank order (ties by point; a whole sweep's ranks are 1..n). */
static const struct resultdoc_point **by_rank(const struct resultdoc *d)
{
    const struct resultdoc_point **r = xcalloc(d->n_points + 1, sizeof *r);
    for (size_t i = 0; i < d->n_points; i++)
        r[i] = &d->points[i];
    qsort(r, d->n_points, sizeof *r, rank_cmp);
    return r;
}

static void point_table_header(FILE *f, const struct resultdoc *d, const size_t *km, size_t nkm, bool with_rank)
{
    fputs("<table>\n<tr>", f);
    if (with_rank)
        fputs("<th>rank</th>", f);
    fputs("<th>point</th>", f);
    for (size_t a = 0; a < d->n_axes; a++) {
        fputs("<th class=\"t\">", f);
        esc(f, d->axes[a]);
        fputs("</th>", f);
    }
    for (size_t i = 0; i < nkm; i++)
        fprintf(f, "<th>%s<br><small>mean &plusmn; 95%% CI</small></th>", sweep_metric_name(km[i]));
    fputs("<th>feasible</th><th>tied</th></tr>\n", f);
}

static void point_table_row(FILE *f, const struct resultdoc *d, const struct resultdoc_point *p, const size_t *km,
                            size_t nkm, bool with_rank)
{
    fprintf(f, "<tr%s>", p->rank == 1 ? " class=\"best\"" : "");
    if (with_rank)
        fprintf(f, "<td>%zu</td>", p->rank);
    fprintf(f, "<td>%zu</td>", p->point);
    for (size_t a = 0; a < d->n_axes; a++) {
        fputs("<td class=\"t\">", f);
        esc(f, p->values[a]);
        fputs("</td>", f);
    }
    for (size_t i = 0; i < nkm; i++) {
        fputs("<td>", f);
        put_mean(f, p->mean[km[i]], p->ci95[km[i]]);
        fputs("</td>", f);
    }
    fprintf(f, "<td>%s</td><td>%s</td></tr>\n", p->feasible ? "yes" : "no", p->tied ? "yes" : "no");
}

static enum htmlreport_status sweep_figures(struct page *pg, const struct resultdoc *d, const char *csv,
                                            const struct rerun *rr, size_t n_rr, char *msg, size_t len)
{
    const char *inputs[HTMLREPORT_TOP_MAX + 1];
    struct plot_opts po = { 0 };
    char x[160], y[160];
    enum htmlreport_status st;
    /* The Pareto front: its second metric across, the first up. */
    inputs[0] = csv;
    po.kind = PLOT_PARETO;
    po.inputs = inputs;
    po.n_inputs = 1;
    snprintf(x, sizeof x, "%s%s", d->pareto_max[1] ? "max " : "", sweep_metric_name(d->pareto[1]));
    snprintf(y, sizeof y, "%s%s", d->pareto_max[0] ? "max " : "", sweep_metric_name(d->pareto[0]));
    po.x_axis = x;
    po.y_axis = y;
    if ((st = add_figure(pg, &po, "fig-pareto", "Every point's two Pareto metrics (means); the front of the feasible "
                         "points joined.", msg, len)) != HTMLREPORT_OK)
        return st;
    /* Each key metric against each numeric axis. */
    size_t km[16], nkm = key_metrics(d, km, 16), made = 0;
    for (size_t a = 0; a < d->n_axes; a++) {
        size_t distinct;
        if (!numeric_axis(d, a, &distinct))
            continue;
        /* With two axes, one line per value of the other (when few);
         * otherwise each x shows the best-ranked point over the others. */
        const char *series = NULL;
        if (d->n_axes == 2) {
            size_t other = 1 - a;
            if (distinct_values(d, other) <= 8)
                series = d->axes[other];
        }
        for (size_t i = 0; i < nkm && made < LINE_FIGURES_MAX; i++, made++) {
            struct plot_opts lo = { 0 };
            lo.kind = PLOT_LINE;
            lo.inputs = inputs;
            lo.n_inputs = 1;
            lo.metric = sweep_metric_name(km[i]);
            lo.x_axis = d->axes[a];
            lo.y_axis = series;
            char id[64], cap[1024];
            snprintf(id, sizeof id, "fig-line-%zu-%zu", a, i);
            snprintf(cap, sizeof cap, "%s against %s: the mean over %d replications and its 95%% confidence band%s.",
                     sweep_metric_name(km[i]), d->axes[a], d->replications,
                     series != NULL ? ", one line per value of the other axis"
                     : d->n_axes > 1 ? "; at each value, the best-ranked point over the other axes" : "");
            if ((st = add_figure(pg, &lo, id, cap, msg, len)) != HTMLREPORT_OK)
                return st;
        }
    }
    /* Latency CDFs of the re-run top points. */
    size_t n_csv = 0;
    for (size_t i = 0; i < n_rr; i++)
        if (rr[i].ok && rr[i].er.requests.completed > 0)
            inputs[n_csv++] = rr[i].csv;
    if (n_csv > 0) {
        struct plot_opts co = { 0 };
        co.kind = PLOT_CDF;
        co.inputs = inputs;
        co.n_inputs = n_csv;
        if ((st = add_figure(pg, &co, "fig-cdf", "Latency CDF of the top points, one run each (replication 0).", msg,
                             len)) != HTMLREPORT_OK)
            return st;
    }
    return HTMLREPORT_OK;
}

static void sweep_page(FILE *f, const struct page *pg, const struct resultdoc *d, const struct rerun *rr, size_t n_rr)
{
    const struct htmlreport_opts *o = pg->o;
    size_t km[16], nkm = key_metrics(d, km, 16);
    const struct resultdoc_point **rank = by_rank(d);
    size_t feasible = 0, tied = 0, same = 0;
    for (size_t i = 0; i < d->n_points; i++) {
        feasible += d->points[i].feasible;
        tied += d->points[i].tied;
        same += d->points[i].same_as != SIZE_MAX;
    }
    fputs("<p class=\"sub\">Sweep <code>", f);
    esc(f, d->sweep_file);
    fprintf(f, "</code>: %zu points &times; %d replications of <code>", d->n_points, d->replications);
    esc(f, d->scenario);
    fprintf(f, "</code>, base seed %llu, common random numbers %s.</p>\n", (unsigned long long)d->seed,
            d->common_random_numbers ? "on" : "off");
    fputs("<nav><a href=\"#best\">Best</a><a href=\"#tied\">Tied</a><a href=\"#pareto\">Pareto front</a>"
          "<a href=\"#axes\">Metrics by axis</a><a href=\"#cdf\">Latency CDFs</a><a href=\"#time\">Where the time "
          "goes</a><a href=\"#inputs\">Inputs</a></nav>\n", f);

    /* The answer first. */
    fputs("<h2 id=\"best\">The best configurations</h2>\n<p>Objective: ", f);
    objective_text(f, d);
    fprintf(f, ". Feasible points: %zu of %zu.</p>\n", feasible, d->n_points);
    if (d->have_best) {
        const struct resultdoc_point *b = resultdoc_find_point(d, d->best);
        char lab[1024];
        point_label(lab, sizeof lab, d, b);
        fprintf(f, "<p><strong>Best: point %zu (", b->point);
        esc(f, lab);
        fprintf(f, ")</strong>%s: <code>%s</code> = ", b->feasible ? "" : ", but no point is feasible",
                sweep_metric_name(d->objective_metric));
        put_mean(f, b->mean[d->objective_metric], b->ci95[d->objective_metric]);
        fputs("; one single run falls in ", f);
        put_num(f, b->run_lo[d->objective_metric]);
        fputs(" to ", f);
        put_num(f, b->run_hi[d->objective_metric]);
        fprintf(f, " (%.0f%% of runs%s).</p>\n<p>Its first replication, to run yourself:</p>\n<pre>",
                100 * d->per_run_coverage, d->per_run_enough ? "" : ": too few replications for the level asked");
        esc(f, d->best_command);
        fputs("</pre>\n", f);
    }
    size_t top = o->top < d->n_points ? o->top : d->n_points;
    fprintf(f, "<p>The top %zu by rank (feasible points first):</p>\n", top);
    point_table_header(f, d, km, nkm, true);
    for (size_t i = 0; i < top; i++)
        point_table_row(f, d, rank[i], km, nkm, true);
    fputs("</table>\n", f);

    fputs("<h2 id=\"tied\">Tied with the best</h2>\n<p>", f);
    if (d->ties_test != NULL && strcmp(d->ties_test, "paired") == 0)
        fputs("A point is tied when it is not significantly worse than the best: a paired t test on the "
              "replications' differences under common random numbers, 2.5% one-sided.", f);
    else
        fputs("A point is tied when it is not significantly worse than the best: the difference of the means is "
              "within the combined 95% half-widths (unpaired, about the 5% level).", f);
    fprintf(f, " <strong>%zu point%s</strong> %s tied: read the tied set, not the rank, when points differ by less "
            "than their noise; among them, choose by what the objective does not measure (cost, simplicity).</p>\n",
            tied, tied == 1 ? "" : "s", tied == 1 ? "is" : "are");
    point_table_header(f, d, km, nkm, true);
    size_t shown = 0;
    for (size_t i = 0; i < d->n_points && shown < HTMLREPORT_LIST_MAX; i++)
        if (rank[i]->tied) {
            point_table_row(f, d, rank[i], km, nkm, true);
            shown++;
        }
    fputs("</table>\n", f);
    if (tied > shown)
        fprintf(f, "<p>&hellip; and %zu more (the JSON has them all).</p>\n", tied - shown);
    if (same > 0) {
        fprintf(f, "<p class=\"note\">%zu point%s gave bit-identical results to an earlier point in every metric: "
                "under common random numbers they ran the same simulation, so what differs between them changes "
                "nothing there (an inert setting). For example:", same, same == 1 ? "" : "s");
        size_t listed = 0;
        for (size_t i = 0; i < d->n_points && listed < 5; i++)
            if (d->points[i].same_as != SIZE_MAX) {
                fprintf(f, "%s point %zu = point %zu", listed > 0 ? ";" : "", d->points[i].point, d->points[i].same_as);
                listed++;
            }
        fputs(".</p>\n", f);
    }

    fputs("<h2 id=\"pareto\">Pareto front</h2>\n<p>The feasible points that no other feasible point beats on both ",
          f);
    fprintf(f, "<code>%s%s</code> and <code>%s%s</code>", d->pareto_max[0] ? "max " : "", sweep_metric_name(d->pareto[0]),
            d->pareto_max[1] ? "max " : "", sweep_metric_name(d->pareto[1]));
    fprintf(f, ": %zu point%s.</p>\n", d->n_front, d->n_front == 1 ? "" : "s");
    put_figure(f, pg, "fig-pareto");
    point_table_header(f, d, km, nkm, true);
    for (size_t i = 0; i < d->n_front && i < HTMLREPORT_LIST_MAX; i++)
        point_table_row(f, d, resultdoc_find_point(d, d->front[i]), km, nkm, true);
    fputs("</table>\n", f);

    fputs("<h2 id=\"axes\">Metrics by axis</h2>\n", f);
    bool any = false;
    for (size_t i = 0; i < pg->n_fig; i++)
        if (strncmp(pg->fig[i].id, "fig-line-", 9) == 0) {
            put_figure(f, pg, pg->fig[i].id);
            any = true;
        }
    if (!any)
        fputs("<p>No axis of this sweep is numeric with two values or more: nothing to draw a curve along.</p>\n", f);

    fputs("<h2 id=\"cdf\">Latency CDFs of the top configurations</h2>\n", f);
    if (n_rr == 0) {
        fputs("<p>Not drawn: the report was asked not to re-run the sweep's points (--no-rerun).</p>\n", f);
    } else {
        fputs("<p>Each of the top points simulated once more, at the seed of its first replication (the run the "
              "command above reproduces), every request's latency kept.</p>\n", f);
        put_figure(f, pg, "fig-cdf");
        fputs("<table>\n<tr><th class=\"t\">curve</th><th class=\"t\">settings</th><th>completed</th><th>p50 (ms)</th>"
              "<th>p99 (ms)</th><th>cold starts</th><th>cost (USD)</th></tr>\n", f);
        for (size_t i = 0; i < n_rr; i++) {
            char lab[1024];
            point_label(lab, sizeof lab, d, resultdoc_find_point(d, rr[i].point));
            fprintf(f, "<tr><td class=\"t\">rank %zu (point %zu)</td><td class=\"t\">", rr[i].rank, rr[i].point);
            esc(f, lab);
            if (!rr[i].ok) {
                fputs("</td><td colspan=\"5\" class=\"t\">the run overloaded the engine: no result</td></tr>\n", f);
                continue;
            }
            fprintf(f, "</td><td>%llu</td><td>", (unsigned long long)rr[i].er.requests.completed);
            put_num(f, rr[i].er.latency_ms.p50);
            fputs("</td><td>", f);
            put_num(f, rr[i].er.latency_ms.p99);
            fprintf(f, "</td><td>%llu</td><td>", (unsigned long long)rr[i].er.cold_starts.count);
            put_num(f, rr[i].er.cost_usd.total);
            fputs("</td></tr>\n", f);
        }
        fputs("</table>\n", f);
    }

    fputs("<h2 id=\"time\">Where the time goes</h2>\n", f);
    if (n_rr == 0) {
        fputs("<p>Not shown: needs the re-runs (without --no-rerun).</p>\n", f);
    } else {
        fputs("<p>Mean time per completed request in each part of its path, in the same runs: waiting in the "
              "batching queue, waiting for an in-flight slot, invoke overhead, cold start, inference.</p>\n", f);
        put_parts_key(f);
        put_parts_header(f, "configuration");
        for (size_t i = 0; i < n_rr; i++) {
            if (!rr[i].ok)
                continue;
            double part[N_PARTS] = { rr[i].er.breakdown_ms.batch_wait, rr[i].er.breakdown_ms.dispatch_wait,
                                     rr[i].er.breakdown_ms.overhead, rr[i].er.breakdown_ms.cold_start,
                                     rr[i].er.breakdown_ms.inference };
            fprintf(f, "<tr><td class=\"t\">rank %zu (point %zu)</td>", rr[i].rank, rr[i].point);
            put_parts_cells(f, part);
            fputs("</tr>\n", f);
        }
        fputs("</table>\n", f);
    }

    fputs("<h2 id=\"inputs\">Inputs</h2>\n<p>What the points read, with the content hash the sweep saw (its "
          "identity <code>", f);
    esc(f, d->id);
    fputs("</code> covers them all).</p>\n<table>\n<tr><th class=\"t\">role</th><th class=\"t\">path</th>"
          "<th class=\"t\">hash</th></tr>\n", f);
    for (size_t i = 0; i < d->n_inputs; i++) {
        fputs("<tr><td class=\"t\">", f);
        esc(f, d->inputs[i].role);
        fputs("</td><td class=\"t\">", f);
        esc(f, d->inputs[i].path);
        fputs("</td><td class=\"t\"><code>", f);
        esc(f, d->inputs[i].hash);
        fputs("</code></td></tr>\n", f);
    }
    fputs("</table>\n", f);
    if (d->n_overrides > 0) {
        fputs("<p>Set on every point:", f);
        for (size_t i = 0; i < d->n_overrides; i++) {
            fputs(i == 0 ? " <code>" : ", <code>", f);
            esc(f, d->override_paths[i]);
            fputc('=', f);
            esc(f, d->override_values[i]);
            fputs("</code>", f);
        }
        fputs(".</p>\n", f);
    }
    free(rank);
}

/* ---- runs -------------------------------------------------------------------------------------- */

static void run_page(FILE *f, const struct page *pg, const struct resultdoc *d)
{
    fputs("<p class=\"sub\">Run of scenario <code>", f);
    esc(f, d->scenario);
    fprintf(f, "</code>, seed %llu.</p>\n", (unsigned long long)d->seed);
    fputs("<nav><a href=\"#summary\">Summary</a><a href=\"#cdf\">Latency CDF</a><a href=\"#time\">Where the time "
          "goes</a><a href=\"#all\">Every number</a></nav>\n", f);
    fputs("<h2 id=\"summary\">Summary</h2>\n<table>\n", f);
    static const char *const key[][3] = {
        { "requests", "completed", "requests completed" },
        { "requests", "failed", "requests failed" },
        { "run", "throughput_rps", "throughput (requests/s)" },
        { "latency_ms", "mean", "mean latency (ms)" },
        { "latency_ms", "p50", "p50 latency (ms)" },
        { "latency_ms", "p99", "p99 latency (ms)" },
        { "cold_starts", "count", "cold starts" },
        { "instances", "peak", "instances at the peak" },
        { "cost_usd", "total", "cost (USD)" },
        { "cost_usd", "per_million_requests", "cost per million requests (USD)" },
    };
    for (size_t i = 0; i < sizeof key / sizeof key[0]; i++) {
        double v = resultdoc_run_value(d, key[i][0], key[i][1]);
        if (!isfinite(v))
            continue;
        fprintf(f, "<tr><th class=\"t\">%s</th><td>", key[i][2]);
        put_num(f, v);
        fputs("</td></tr>\n", f);
    }
    fputs("</table>\n", f);
    for (size_t i = 0; i < d->n_warnings; i++) {
        fputs("<p class=\"note\">Warning: ", f);
        esc(f, d->warnings[i]);
        fputs("</p>\n", f);
    }
    fputs("<h2 id=\"cdf\">Latency CDF</h2>\n", f);
    if (pg->o->n_requests == 0)
        fputs("<p>Not drawn: a run's JSON holds percentiles, not every request. Write the requests with "
              "<code>lambdasim run SCENARIO --requests-csv R.csv --json</code> and pass <code>--requests-csv "
              "R.csv</code> to the report.</p>\n", f);
    else
        put_figure(f, pg, "fig-cdf");
    fputs("<h2 id=\"time\">Where the time goes</h2>\n", f);
    static const char *const parts[N_PARTS] = { "batch_wait", "dispatch_wait", "overhead", "cold_start", "inference" };
    double part[N_PARTS];
    bool have = false;
    for (int i = 0; i < N_PARTS; i++) {
        part[i] = resultdoc_run_value(d, "breakdown_ms", parts[i]);
        have = have || isfinite(part[i]);
    }
    if (have) {
        fputs("<p>Mean time per completed request in each part of its path.</p>\n", f);
        put_parts_key(f);
        put_parts_header(f, "run");
        fputs("<tr><td class=\"t\">", f);
        esc(f, d->scenario);
        fputs("</td>", f);
        put_parts_cells(f, part);
        fputs("</tr>\n</table>\n", f);
    } else {
        fputs("<p>The result has no <code>breakdown_ms</code>.</p>\n", f);
    }
    fputs("<h2 id=\"all\">Every number of the result</h2>\n", f);
    for (size_t s = 0; s < d->n_sections; s++) {
        if (d->sections[s].n_fields == 0)
            continue;
        fputs("<h3>", f);
        esc(f, d->sections[s].name);
        fputs("</h3>\n<table>\n", f);
        for (size_t i = 0; i < d->sections[s].n_fields; i++) {
            const struct resultdoc_field *x = &d->sections[s].fields[i];
            fputs("<tr><th class=\"t\">", f);
            esc(f, x->name);
            fputs("</th><td>", f);
            if (x->text != NULL)
                esc(f, x->text);
            else
                put_num(f, x->value);
            fputs("</td></tr>\n", f);
        }
        fputs("</table>\n", f);
    }
}

/* ---- the whole job ---------------------------------------------------------------------------------- */

static enum htmlreport_status build(struct page *pg, const struct resultdoc *d, struct rerun *rr, size_t *n_rr,
                                    char *msg, size_t len)
{
    const struct htmlreport_opts *o = pg->o;
    enum htmlreport_status st;
    if (tmpdir_make(&pg->tmp, msg, len) != 0)
        return HTMLREPORT_ERR_FAILED;
    if (d->kind == RESULTDOC_RUN) {
        if (o->n_requests == 0)
            return HTMLREPORT_OK;
        struct plot_opts co = { 0 };
        co.kind = PLOT_CDF;
        co.inputs = o->requests;
        co.n_inputs = o->n_requests;
        return add_figure(pg, &co, "fig-cdf", "Latency CDF of the run's requests, one curve per --requests-csv file.",
                          msg, len);
    }
    if (o->rerun) {
        const struct resultdoc_point **rank = by_rank(d);
        size_t n = o->top < d->n_points ? o->top : d->n_points;
        for (size_t i = 0; i < n; i++) {
            rr[i].point = rank[i]->point;
            rr[i].rank = rank[i]->rank;
        }
        free(rank);
        *n_rr = n;
        if ((st = rerun_points(pg, d, rr, n, msg, len)) != HTMLREPORT_OK)
            return st;
    }
    char csv[PATH_MAX + 64];
    tmp_name(&pg->tmp, csv, sizeof csv, "sweep.csv");
    if (write_sweep_csv(csv, d, msg, len) != 0)
        return HTMLREPORT_ERR_FAILED;
    return sweep_figures(pg, d, csv, rr, *n_rr, msg, len);
}

enum htmlreport_status htmlreport_write(const struct htmlreport_opts *o, char *msg, size_t msg_len)
{
    struct resultdoc d;
    char why[CONFIG_MSG_MAX];
    if (config_load_result(o->input, &d, why, sizeof why) != CONFIG_OK) {
        fail_msg(msg, msg_len, "%s", why);
        return HTMLREPORT_ERR_INPUT;
    }
    if (d.kind == RESULTDOC_SWEEP && o->n_requests > 0) {
        fail_msg(msg, msg_len, "--requests-csv: for a run's result only (%s is a sweep's; its CDFs come from "
                 "re-running its top points)", o->input);
        resultdoc_fini(&d);
        return HTMLREPORT_ERR_INPUT;
    }
    struct outfile of;
    char omsg[1024];
    int orc = outfile_open(&of, o->output, o->replace, omsg, sizeof omsg);
    if (orc != OUTFILE_OK) {
        fail_msg(msg, msg_len, "%s%s", omsg, orc == OUTFILE_EXISTS ? " (use --force to replace it)" : "");
        resultdoc_fini(&d);
        return orc == OUTFILE_FAILED ? HTMLREPORT_ERR_FAILED : HTMLREPORT_ERR_INPUT;
    }
    struct page pg = { .o = o };
    struct rerun rr[HTMLREPORT_TOP_MAX];
    memset(rr, 0, sizeof rr);
    size_t n_rr = 0;
    enum htmlreport_status st = build(&pg, &d, rr, &n_rr, msg, msg_len);
    if (st == HTMLREPORT_OK) {
        char title[512];
        if (o->title != NULL)
            snprintf(title, sizeof title, "%s", o->title);
        else if (d.kind == RESULTDOC_SWEEP)
            snprintf(title, sizeof title, "Sweep report: %s", d.sweep_file);
        else
            snprintf(title, sizeof title, "Run report: %s", d.scenario);
        page_head(of.f, title);
        if (d.kind == RESULTDOC_SWEEP)
            sweep_page(of.f, &pg, &d, rr, n_rr);
        else
            run_page(of.f, &pg, &d);
        page_tail(of.f, &d);
        if (outfile_commit(&of, omsg, sizeof omsg) != 0) {
            fail_msg(msg, msg_len, "%s", omsg);
            st = HTMLREPORT_ERR_FAILED;
        }
    } else {
        outfile_abort(&of);
    }
    page_fini(&pg);
    resultdoc_fini(&d);
    return st;
}
