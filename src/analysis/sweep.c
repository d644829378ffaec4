/* sweep: grid search with replications (see sweep.h): points, seeds, the
 * thread pool, statistics, checkpoints, ranking, CSV/JSON/summary output and
 * merging of shard files. Writes only to the FILE it is handed. */
#include "analysis/sweep.h"

#include <assert.h>
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <gsl/gsl_cdf.h>
#include <gsl/gsl_statistics_double.h>
#ifdef LAMBDASIM_MPI
#include <limits.h>
#include <mpi.h>
#endif

#include "core/engine.h"
#include "base/infile.h"
#include "formats/jsonout.h"
#include "core/rng.h"
#include "core/scenario.h"
#include "base/textline.h"
#include "base/version.h"
#include "base/xalloc.h"

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))
#define NUM_MAX 40          /* text of one number */
#define SUMMARY_TOP 10      /* rows of the summary's ranking table */
#define FILE_PREFIX "# lambdasim sweep "
#define SHARD_MAGIC FILE_PREFIX "shard "
#define CKPT_MAGIC FILE_PREFIX "checkpoint v1"

#ifdef __GNUC__
#define SW_PRINTF(f, a) __attribute__((format(printf, f, a)))
#else
#define SW_PRINTF(f, a)
#endif

static void msgf(char *msg, size_t len, const char *fmt, ...) SW_PRINTF(3, 4);
static void msgf(char *msg, size_t len, const char *fmt, ...)
{
    if (msg == NULL || len == 0)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, len, fmt, ap);
    va_end(ap);
    for (char *s = msg; *s != '\0'; s++)
        if (*s == '\n' || *s == '\r')
            *s = ' ';
}

/* ---- headline metrics ------------------------------------------------------------- */

/* Order = CSV column order; keep in step with metric_value. */
static const char *const metric_names[] = {
    "latency_ms.mean", "latency_ms.p50", "latency_ms.p90", "latency_ms.p95", "latency_ms.p99",
    "throughput_rps", "requests.completed", "requests.failed", "cold_starts.count",
    "cold_starts.request_fraction", "batches.mean_size", "instances.mean_alive",
    "warmup.collisions", "cost_usd.total", "cost_usd.per_million_requests",
};
enum { M_P99 = 4, M_COST = 13 };

/* A value that cannot be computed (latency with nothing completed) is NAN,
 * where `run --json` prints null. */
static double metric_value(size_t m, const struct engine_result *r)
{
    switch (m) {
    case 0: return r->latency_ms.n > 0 ? r->latency_ms.mean : (double)NAN;
    case 1: return r->latency_ms.p50;
    case 2: return r->latency_ms.p90;
    case 3: return r->latency_ms.p95;
    case M_P99: return r->latency_ms.p99;
    case 5: return r->throughput_rps;
    case 6: return (double)r->requests.completed;
    case 7: return (double)r->requests.failed;
    case 8: return (double)r->cold_starts.count;
    case 9: return r->cold_starts.request_fraction;
    case 10: return r->batches.mean_size;
    case 11: return r->instances.mean_alive;
    case 12: return (double)r->warmup.collisions;
    case M_COST: return r->cost_usd.total;
    case 14:
        return r->requests.completed > 0
                   ? r->cost_usd.total / (double)r->requests.completed * 1e6 : (double)NAN;
    default: break;
    }
    assert(!"unknown metric");
    return (double)NAN;
}

size_t sweep_metric_count(void)
{
    return COUNT(metric_names);
}

const char *sweep_metric_name(size_t m)
{
    assert(m < COUNT(metric_names));
    return metric_names[m];
}

int sweep_metric_find(const char *name)
{
    for (size_t m = 0; m < COUNT(metric_names); m++)
        if (strcmp(name, metric_names[m]) == 0)
            return (int)m;
    return -1;
}


const char *sweep_metric_suggest(const char *name)
{
    const char *best = NULL;
    size_t best_d = SIZE_MAX;
    for (size_t m = 0; m < COUNT(metric_names); m++) {
        size_t d = textline_edit_distance(name, strlen(name), metric_names[m], strlen(metric_names[m]), false);
        if (d < best_d) {
            best_d = d;
            best = metric_names[m];
        }
    }
    return best_d <= 3 ? best : NULL;
}

/* ---- numbers ----------------------------------------------------------------------- */

/* Shortest text that reads back as exactly v ("" for NAN): a merge parses
 * these and must rank exactly as the run did. */
static const char *num_text(char *buf, double v)
{
    if (!isfinite(v)) {
        buf[0] = '\0';
        return buf;
    }
    /* Whole numbers (counts) without an exponent: 3000, not 3e+03. */
    if (v == floor(v) && fabs(v) < 1e15) {
        snprintf(buf, NUM_MAX, "%.0f", v);
        return buf;
    }
    for (int prec = 1; prec <= 17; prec++) {
        snprintf(buf, NUM_MAX, "%.*g", prec, v);
        if (strtod(buf, NULL) == v)
            break;
    }
    return buf;
}

/* A whole decimal number, nothing else. */
static bool parse_size(const char *s, size_t *out)
{
    if (*s < '0' || *s > '9')
        return false;
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno != 0 || *end != '\0' || v > SIZE_MAX)
        return false;
    *out = (size_t)v;
    return true;
}

static bool parse_u64(const char *s, uint64_t *out)
{
    if (*s < '0' || *s > '9')
        return false;
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno != 0 || *end != '\0')
        return false;
    *out = (uint64_t)v;
    return true;
}

/* A number cell: empty = NAN. */
static bool parse_num(const char *s, double *out)
{
    if (*s == '\0') {
        *out = (double)NAN;
        return true;
    }
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (*end != '\0' || !isfinite(v))
        return false;
    *out = v;
    return true;
}

/* ---- objective --------------------------------------------------------------------- */

static const char *const op_text[] = { "<=", "<", ">=", ">" };

int sweep_parse_constraint(const char *text, struct sweep_constraint *out, char *msg,
                           size_t msg_len)
{
    const char *s = text;
    while (*s == ' ')
        s++;
    size_t n = 0;
    while (s[n] != '\0' && s[n] != ' ' && s[n] != '<' && s[n] != '>' && s[n] != '=')
        n++;
    char name[128];
    if (n == 0 || n >= sizeof name) {
        msgf(msg, msg_len, "'%s': expected \"METRIC OP NUMBER\" with OP one of <=, <, >=, > "
             "(e.g. \"cost_usd.total <= 0.05\")", text);
        return -1;
    }
    memcpy(name, s, n);
    name[n] = '\0';
    s += n;
    while (*s == ' ')
        s++;
    enum sweep_op op;
    if (s[0] == '<' && s[1] == '=') {
        op = SWEEP_OP_LE;
        s += 2;
    } else if (s[0] == '>' && s[1] == '=') {
        op = SWEEP_OP_GE;
        s += 2;
    } else if (s[0] == '<' && s[1] != '=' && s[1] != '<') {
        op = SWEEP_OP_LT;
        s += 1;
    } else if (s[0] == '>' && s[1] != '=' && s[1] != '>') {
        op = SWEEP_OP_GT;
        s += 1;
    } else {
        msgf(msg, msg_len, "'%s': expected an operator <=, <, >= or > after '%s' "
             "(e.g. \"cost_usd.total <= 0.05\")", text, name);
        return -1;
    }
    int m = sweep_metric_find(name);
    if (m < 0) {
        const char *hint = sweep_metric_suggest(name);
        if (hint != NULL)
            msgf(msg, msg_len, "'%s': unknown metric '%s' (did you mean '%s'?)", text, name, hint);
        else
            msgf(msg, msg_len, "'%s': unknown metric '%s' (the metrics are the CSV's: "
                 "latency_ms.p99, cost_usd.total, ... see README.md)", text, name);
        return -1;
    }
    while (*s == ' ')
        s++;
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    while (end != s && *end == ' ')
        end++;
    if (end == s || *end != '\0' || errno == ERANGE || !isfinite(v)) {
        msgf(msg, msg_len, "'%s': expected a number after '%s' (e.g. \"cost_usd.total <= 0.05\")",
             text, op_text[op]);
        return -1;
    }
    out->metric = (size_t)m;
    out->op = op;
    out->bound = v;
    return 0;
}

void sweep_format_constraint(const struct sweep_constraint *c, char *buf, size_t len)
{
    char num[NUM_MAX];
    snprintf(buf, len, "%s %s %s", metric_names[c->metric], op_text[c->op], num_text(num, c->bound));
}

int sweep_check_constraints(const struct sweep_objective *o, char *msg, size_t msg_len)
{
    for (size_t m = 0; m < COUNT(metric_names); m++) {
        double lo = -INFINITY, hi = INFINITY;
        bool lo_open = false, hi_open = false;
        for (size_t i = 0; i < o->n_constraints; i++) {
            const struct sweep_constraint *c = &o->constraints[i];
            if (c->metric != m)
                continue;
            bool open = c->op == SWEEP_OP_LT || c->op == SWEEP_OP_GT;
            if (c->op == SWEEP_OP_GE || c->op == SWEEP_OP_GT) {
                if (c->bound > lo || (c->bound == lo && open)) {
                    lo = c->bound;
                    lo_open = open;
                }
            } else if (c->bound < hi || (c->bound == hi && open)) {
                hi = c->bound;
                hi_open = open;
            }
        }
        if (lo > hi || (lo == hi && (lo_open || hi_open))) {
            msgf(msg, msg_len, "contradictory constraints on %s: no value satisfies them all",
                 metric_names[m]);
            return -1;
        }
    }
    return 0;
}

static bool satisfies(const struct sweep_constraint *c, double v)
{
    switch (c->op) {
    case SWEEP_OP_LE: return v <= c->bound;
    case SWEEP_OP_LT: return v < c->bound;
    case SWEEP_OP_GE: return v >= c->bound;
    case SWEEP_OP_GT: return v > c->bound;
    }
    return false;
}

/* ---- the sweep --------------------------------------------------------------------- */

static void free_strings(char **s, size_t n)
{
    for (size_t i = 0; s != NULL && i < n; i++)
        free(s[i]);
    free(s);
}

void sweep_spec_fini(struct sweep_spec *sp)
{
    if (sp == NULL)
        return;
    for (size_t a = 0; a < sp->n_axes; a++) {
        free(sp->axes[a].path);
        free(sp->axes[a].field);
        free_strings(sp->axes[a].values, sp->axes[a].n_values);
    }
    free(sp->axes);
    free(sp->dims);
    free_strings(sp->override_paths, sp->n_overrides);
    free_strings(sp->override_values, sp->n_overrides);
    free(sp->objective.constraints);
    free(sp->file);
    free(sp->scenario);
    memset(sp, 0, sizeof *sp);
}

size_t sweep_coord(const struct sweep_spec *sp, size_t point, size_t d)
{
    assert(d < sp->n_dims && point < sp->n_points);
    /* The last dimension varies fastest. */
    for (size_t k = sp->n_dims; k-- > d + 1;)
        point /= sp->dims[k].n_values;
    return point % sp->dims[d].n_values;
}

const char *sweep_value(const struct sweep_spec *sp, size_t point, size_t a)
{
    size_t d = 0;
    while (d + 1 < sp->n_dims && sp->dims[d + 1].first <= a)
        d++;
    return sp->axes[a].values[sweep_coord(sp, point, d)];
}

static uint64_t point_seed(uint64_t base, bool crn, size_t point, int replication)
{
    if (crn)
        return rng_derive_seed(base, (uint64_t)replication);
    return rng_derive_seed(rng_derive_seed(base, (uint64_t)point), (uint64_t)replication);
}

uint64_t sweep_seed(const struct sweep_spec *sp, size_t point, int replication)
{
    return point_seed(sp->seed, sp->common_random_numbers, point, replication);
}

/* The `--set` list of a point: the sweep's overrides, then its axis values
 * (so an axis wins over an override of the same field). */
static size_t point_overrides(const struct sweep_spec *sp, size_t point, struct config_override *ov)
{
    size_t n = 0;
    for (size_t i = 0; i < sp->n_overrides; i++) {
        ov[n].path = sp->override_paths[i];
        ov[n++].value = sp->override_values[i];
    }
    for (size_t a = 0; a < sp->n_axes; a++) {
        ov[n].path = sp->axes[a].path;
        ov[n++].value = sweep_value(sp, point, a);
    }
    return n;
}

/* FNV-1a, 64 bits: enough to tell sweeps apart, not a security measure. */
static uint64_t fnv1a(uint64_t h, const void *data, size_t len)
{
    const unsigned char *p = data;
    for (size_t i = 0; i < len; i++) {
        h ^= p[i];
        h *= 0x100000001b3ULL;
    }
    return h;
}

static int hash_file(uint64_t *h, const char *path, const char *role, char *msg, size_t msg_len)
{
    FILE *f = infile_open(path, role, msg, msg_len);
    if (f == NULL)
        return -1;
    unsigned char buf[8192];
    size_t n, total = 0;
    while ((n = fread(buf, 1, sizeof buf, f)) > 0) {
        *h = fnv1a(*h, buf, n);
        total += n;
    }
    bool bad = ferror(f) != 0;
    fclose(f);
    if (bad) {
        msgf(msg, msg_len, "%s: cannot read", path);
        return -1;
    }
    /* The length separates the files' bytes. */
    *h = fnv1a(*h, &total, sizeof total);
    return 0;
}

static void describe_point(const struct sweep_spec *sp, size_t point, char *buf, size_t len)
{
    size_t used = 0;
    buf[0] = '\0';
    for (size_t a = 0; a < sp->n_axes && used < len; a++) {
        int k = snprintf(buf + used, len - used, "%s%s=%s", a == 0 ? "" : ", ", sp->axes[a].path,
                         sweep_value(sp, point, a));
        if (k < 0)
            break;
        used += (size_t)k;
    }
}

/* The sweep-file field behind a point's load failure: config names the
 * --set override it blames as "(with --set PATH=VALUE". "" when none. */
static void culprit(const struct sweep_spec *sp, const struct config_override *ov, size_t n,
                    const char *msg, char *buf, size_t len)
{
    static const char tag[] = "(with --set ";
    const char *p = strstr(msg, tag);
    buf[0] = '\0';
    if (p == NULL)
        return;
    p += strlen(tag);
    for (size_t i = n; i-- > 0;) {
        size_t pl = strlen(ov[i].path);
        if (strncmp(p, ov[i].path, pl) != 0 || p[pl] != '=')
            continue;
        if (i >= sp->n_overrides)
            snprintf(buf, len, "%s: ", sp->axes[i - sp->n_overrides].field);
        else
            snprintf(buf, len, "overrides.%s: ", ov[i].path);
        return;
    }
}

enum config_status sweep_prepare(struct sweep_spec *sp, char *msg, size_t msg_len)
{
    char inner[CONFIG_MSG_MAX], where[1024];
    struct scenario sc;
    struct config_override *ov = xcalloc(sp->n_overrides + sp->n_axes + 1, sizeof *ov);
    enum config_status st = config_load_scenario(sp->scenario, NULL, 0, &sc, inner, sizeof inner);
    if (st != CONFIG_OK) {
        msgf(msg, msg_len, "%s: scenario: %s", sp->file, inner);
        goto out;
    }
    if (!sp->have_seed)
        sp->seed = sc.seed;
    uint64_t h = 0xcbf29ce484222325ULL;
    h = fnv1a(h, LAMBDASIM_VERSION, sizeof LAMBDASIM_VERSION);
    bool ok = hash_file(&h, sp->file, "sweep file", inner, sizeof inner) == 0 &&
              hash_file(&h, sp->scenario, "scenario", inner, sizeof inner) == 0 &&
              (sc.function.model_path[0] == '\0' ||
               hash_file(&h, sc.function.model_path, "function.model", inner, sizeof inner) == 0);
    scenario_fini(&sc);
    if (!ok) {
        msgf(msg, msg_len, "%s", inner);
        st = CONFIG_ERR_IO;
        goto out;
    }
    sp->id = h;
    /* Every point is checked before anything runs: a sweep does not fail
     * half-way through because of one bad combination. */
    for (size_t i = 0; i < sp->n_points; i++) {
        size_t n = point_overrides(sp, i, ov);
        st = config_load_scenario(sp->scenario, ov, n, &sc, inner, sizeof inner);
        if (st != CONFIG_OK) {
            describe_point(sp, i, where, sizeof where);
            char field[700];
            culprit(sp, ov, n, inner, field, sizeof field);
            msgf(msg, msg_len, "%s: %spoint %zu of %zu (%s): %s", sp->file, field, i,
                 sp->n_points, where[0] != '\0' ? where : "no axes", inner);
            goto out;
        }
        /* What one run of this point keeps: exact latencies, a trace. */
        double bytes = (sc.stats == STATS_EXACT ? 8.0 * sc.expected_requests : 0.0) +
                       (sc.workload.type == WORKLOAD_TRACE ? 8.0 * (double)sc.workload.trace_len : 0.0);
        if (bytes > sp->run_bytes) {
            sp->run_bytes = bytes;
            sp->run_requests = sc.expected_requests;
        }
        scenario_fini(&sc);
    }
out:
    free(ov);
    return st;
}

/* Bytes malloc takes for a block of n bytes (16 bytes of header, 16-byte
 * steps, 32 at least: glibc on 64-bit machines). */
static double block(double n)
{
    double b = ceil((n + 8) / 16) * 16;
    return b < 32 ? 32 : b;
}

/* The parts of sweep_memory_bytes: the points' and rows' bytes, one run's
 * bytes and how many runs go at once. */
static void memory_parts(const struct sweep_spec *sp, size_t n_held, unsigned jobs, double *points,
                         double *per_run, unsigned *concurrent)
{
    size_t n_metrics = COUNT(metric_names);
    double nm = (double)n_metrics, axes = (double)sp->n_axes;
    /* Every point: its results (mean, ci95, done) and the command's point
     * lists (wanted flag, wanted list, to do, this rank's). */
    double per_point = 2 * nm * sizeof(double) + sizeof(bool) + 1 + 3 * sizeof(size_t);
    /* Every row built: the row, its cells (a pointer and a short string
     * each), its means and half-widths, and the sorting and ranking keys. */
    double value_len = 0;
    for (size_t a = 0; a < sp->n_axes; a++) {
        const struct sweep_axis *ax = &sp->axes[a];
        double sum = 0;
        for (size_t v = 0; v < ax->n_values; v++)
            sum += block((double)strlen(ax->values[v]) + 1);
        value_len += ax->n_values > 0 ? sum / (double)ax->n_values : 32;
    }
    double per_row = sizeof(struct sweep_row) + block((axes + 1) * sizeof(char *)) + value_len +
                     2 * block(nm * sizeof(double)) + sizeof(size_t) + 40 + 32;
    *points = (double)sp->n_points * per_point + (double)n_held * per_row;
    *per_run = (double)sp->replications * (nm + 1) * sizeof(double) + sp->run_bytes;
    unsigned c = jobs < 1 ? 1 : jobs;
    if (n_held > 0 && c > n_held)
        c = (unsigned)n_held;
    *concurrent = c;
}

double sweep_memory_bytes(const struct sweep_spec *sp, size_t n_held, unsigned jobs)
{
    double points, per_run;
    unsigned concurrent;
    memory_parts(sp, n_held, jobs, &points, &per_run, &concurrent);
    return points + concurrent * per_run;
}

static void fmt_bytes(char *buf, size_t len, double b)
{
    if (b >= 1e9)
        snprintf(buf, len, "%.1f GB", b / 1e9);
    else
        snprintf(buf, len, "%.0f MB", ceil(b / 1e6));
}

int sweep_check_memory(const struct sweep_spec *sp, size_t n_held, unsigned jobs, char *msg,
                       size_t msg_len)
{
    double points, per_run;
    unsigned concurrent;
    memory_parts(sp, n_held, jobs, &points, &per_run, &concurrent);
    double total = points + concurrent * per_run;
    if (total <= SWEEP_MEMORY_MAX_BYTES)
        return 0;
    char t[32], p[32], r[32], why[160] = "";
    fmt_bytes(t, sizeof t, total);
    fmt_bytes(p, sizeof p, points);
    fmt_bytes(r, sizeof r, per_run);
    if (sp->run_bytes > 0 && sp->run_requests > 0)
        snprintf(why, sizeof why, ": exact latencies of about %.3g requests", sp->run_requests);
    msgf(msg, msg_len, "%s: about %s of memory needed for %zu points x %d replications (%s for "
         "the points' results, %u run%s at once x %s%s); the limit is %.0f GB (README.md, Sweeps, "
         "Memory): use fewer points, --shard K/N, fewer --jobs or stats.mode streaming", sp->file,
         t, sp->n_points, sp->replications, p, concurrent, concurrent == 1 ? "" : "s", r, why,
         SWEEP_MEMORY_MAX_BYTES / 1e9);
    return -1;
}

/* ---- statistics ---------------------------------------------------------------------- */

void sweep_stats(const double *x, size_t n, double *mean, double *ci95)
{
    *mean = (double)NAN;
    *ci95 = (double)NAN;
    if (n == 0)
        return;
    for (size_t i = 0; i < n; i++)
        if (!isfinite(x[i]))
            return;
    *mean = gsl_stats_mean(x, 1, n);
    if (n < 2)
        return;
    double sd = gsl_stats_sd_m(x, 1, n, *mean);
    *ci95 = gsl_cdf_tdist_Pinv(0.975, (double)(n - 1)) * sd / sqrt((double)n);
}

void sweep_results_init(struct sweep_results *r, size_t n_points)
{
    size_t m = COUNT(metric_names);
    r->n_points = n_points;
    r->n_metrics = m;
    r->mean = xcalloc(n_points * m + 1, sizeof *r->mean);
    r->ci95 = xcalloc(n_points * m + 1, sizeof *r->ci95);
    r->done = xcalloc(n_points + 1, sizeof *r->done);
}

void sweep_results_fini(struct sweep_results *r)
{
    if (r == NULL)
        return;
    free(r->mean);
    free(r->ci95);
    free(r->done);
    memset(r, 0, sizeof *r);
}

/* raw[r * M + m] -> mean and half-width of each metric of one point. */
static void point_stats(struct sweep_results *res, size_t point, const double *raw, size_t reps,
                        double *col)
{
    size_t nm = res->n_metrics;
    for (size_t m = 0; m < nm; m++) {
        for (size_t r = 0; r < reps; r++)
            col[r] = raw[r * nm + m];
        sweep_stats(col, reps, &res->mean[point * nm + m], &res->ci95[point * nm + m]);
    }
    res->done[point] = true;
}

/* ---- running -------------------------------------------------------------------------- */

struct pool {
    const struct sweep_spec *sp;
    const struct sweep_run_opts *o;
    struct sweep_results *res;
    pthread_mutex_t lock;           /* next, done, failed, msg, the checkpoint */
    pthread_cond_t cond;            /* signalled when a point finishes or fails */
    /* config_load_scenario is re-entrant except for cJSON, which writes a
     * global error position on every parse (even when the caller takes the
     * position through return_parse_end): loads are serialised. */
    pthread_mutex_t load_lock;
    size_t next, done;
    size_t alive;                   /* worker threads still running */
    bool failed;
    char *msg;
    size_t msg_len;
};

static void pool_fail(struct pool *p, const char *fmt, ...) SW_PRINTF(2, 3);
static void pool_fail(struct pool *p, const char *fmt, ...)
{
    if (!p->failed) {
        p->failed = true;
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(p->msg, p->msg_len, fmt, ap);
        va_end(ap);
    }
    pthread_cond_broadcast(&p->cond);
}

static void write_checkpoint_line(FILE *f, size_t point, const double *raw, size_t n)
{
    fprintf(f, "%zu", point);
    for (size_t i = 0; i < n; i++)
        fprintf(f, " %.17g", raw[i]);
    fputc('\n', f);
}

static void *worker(void *arg)
{
    struct pool *p = arg;
    const struct sweep_spec *sp = p->sp;
    size_t nm = COUNT(metric_names), reps = (size_t)sp->replications;
    double *raw = xmalloc(reps * nm * sizeof *raw);
    double *col = xmalloc(reps * sizeof *col);
    struct config_override *ov = xcalloc(sp->n_overrides + sp->n_axes + 1, sizeof *ov);
    char *msg = xmalloc(CONFIG_MSG_MAX);
    const volatile sig_atomic_t *stop = p->o->stop;
    struct engine_hooks hooks = { .stop = stop };
    for (;;) {
        pthread_mutex_lock(&p->lock);
        if (p->failed || p->next >= p->o->n_points || (stop != NULL && *stop)) {
            pthread_mutex_unlock(&p->lock);
            break;
        }
        size_t point = p->o->points[p->next++];
        pthread_mutex_unlock(&p->lock);

        struct scenario sc;
        size_t n_ov = point_overrides(sp, point, ov);
        pthread_mutex_lock(&p->load_lock);
        enum config_status st = config_load_scenario(sp->scenario, ov, n_ov, &sc, msg, CONFIG_MSG_MAX);
        pthread_mutex_unlock(&p->load_lock);
        if (st != CONFIG_OK) {
            /* Checked by sweep_prepare: the file changed under us. */
            pthread_mutex_lock(&p->lock);
            pool_fail(p, "%s: point %zu: %s", sp->file, point, msg);
            pthread_mutex_unlock(&p->lock);
            break;
        }
        bool abandoned = false;
        for (size_t r = 0; r < reps && !abandoned; r++) {
            struct engine_result er;
            enum engine_status es = engine_run(&sc, sweep_seed(sp, point, (int)r),
                                               stop != NULL ? &hooks : NULL, &er);
            /* Stopped: the point is left undone (a resume recomputes it). */
            abandoned = es == ENGINE_INTERRUPTED;
            /* An overloaded run stopped part-way: its numbers describe only
             * what was simulated, so the replication has no result (NAN),
             * which empties the point's cells and ranks it last. */
            for (size_t m = 0; m < nm; m++)
                raw[r * nm + m] = es == ENGINE_OK ? metric_value(m, &er) : (double)NAN;
        }
        scenario_fini(&sc);
        if (abandoned)
            break;
        /* Each point's slots are written by one thread only. */
        point_stats(p->res, point, raw, reps, col);

        pthread_mutex_lock(&p->lock);
        if (p->o->checkpoint != NULL) {
            write_checkpoint_line(p->o->checkpoint, point, raw, reps * nm);
            if (fflush(p->o->checkpoint) != 0 || ferror(p->o->checkpoint))
                pool_fail(p, "checkpoint: write failed: %s", strerror(errno));
        }
        /* The caller only waits for the end (progress comes from its timer). */
        if (++p->done == p->o->n_points)
            pthread_cond_broadcast(&p->cond);
        pthread_mutex_unlock(&p->lock);
    }
    pthread_mutex_lock(&p->lock);
    p->alive--;
    pthread_cond_broadcast(&p->cond); /* the caller may wait for a stop */
    pthread_mutex_unlock(&p->lock);
    free(msg);
    free(ov);
    free(col);
    free(raw);
    return NULL;
}

static void deadline_after(struct timespec *ts, double s)
{
    clock_gettime(CLOCK_REALTIME, ts);
    long ns = ts->tv_nsec + (long)(s * 1e9);
    ts->tv_sec += ns / 1000000000L;
    ts->tv_nsec = ns % 1000000000L;
}

int sweep_run(const struct sweep_spec *sp, const struct sweep_run_opts *o,
              struct sweep_results *res, char *msg, size_t msg_len)
{
    struct pool p = { .sp = sp, .o = o, .res = res, .msg = msg, .msg_len = msg_len };
    if (msg != NULL && msg_len > 0)
        msg[0] = '\0';
    if (o->n_points == 0)
        return 0;
    size_t jobs = o->jobs < 1 ? 1 : o->jobs;
    if (jobs > o->n_points)
        jobs = o->n_points;
    pthread_mutex_init(&p.lock, NULL);
    pthread_mutex_init(&p.load_lock, NULL);
    pthread_cond_init(&p.cond, NULL);
    pthread_t *th = xcalloc(jobs, sizeof *th);
    size_t started = 0;
    for (; started < jobs; started++) {
        pthread_mutex_lock(&p.lock);
        p.alive++;
        pthread_mutex_unlock(&p.lock);
        int e = pthread_create(&th[started], NULL, worker, &p);
        if (e != 0) {
            pthread_mutex_lock(&p.lock);
            p.alive--;
            if (started == 0)
                pool_fail(&p, "cannot start a thread: %s", strerror(e));
            pthread_mutex_unlock(&p.lock);
            break; /* the threads already started do the work */
        }
    }
    double interval = o->progress_interval_s > 0 ? o->progress_interval_s : 0.25;
    struct timespec deadline;
    deadline_after(&deadline, interval);
    pthread_mutex_lock(&p.lock);
    /* Workers leave early only on a failure or a stop; either way the
     * last one to leave wakes this loop. */
    while (started > 0 && p.done < o->n_points && !p.failed && p.alive > 0) {
        if (o->progress == NULL) {
            pthread_cond_wait(&p.cond, &p.lock);
            continue;
        }
        if (pthread_cond_timedwait(&p.cond, &p.lock, &deadline) == ETIMEDOUT) {
            size_t done = p.done;
            pthread_mutex_unlock(&p.lock);
            o->progress(o->progress_ctx, done, o->n_points);
            deadline_after(&deadline, interval);
            pthread_mutex_lock(&p.lock);
        }
    }
    pthread_mutex_unlock(&p.lock);
    for (size_t i = 0; i < started; i++)
        pthread_join(th[i], NULL);
    bool stopped = !p.failed && p.done < o->n_points;
    if (o->progress != NULL && !p.failed && !stopped)
        o->progress(o->progress_ctx, p.done, o->n_points);
    free(th);
    pthread_cond_destroy(&p.cond);
    pthread_mutex_destroy(&p.load_lock);
    pthread_mutex_destroy(&p.lock);
    return p.failed ? -1 : stopped ? 1 : 0;
}

/* ---- checkpoints ---------------------------------------------------------------------- */

void sweep_checkpoint_header(const struct sweep_spec *sp, size_t shard_k, size_t shard_n,
                             char *buf, size_t len)
{
    snprintf(buf, len, CKPT_MAGIC " id=%016llx points=%zu shard=%zu/%zu replications=%d metrics=%zu",
             (unsigned long long)sp->id, sp->n_points, shard_k, shard_n, sp->replications,
             COUNT(metric_names));
}

static char *read_text(const char *path, const char *role, size_t *len, char *msg, size_t msg_len)
{
    FILE *f = infile_open(path, role, msg, msg_len);
    if (f == NULL)
        return NULL;
    size_t cap = 0, n = 0;
    char *buf = NULL;
    /* Shards and checkpoints both begin with FILE_PREFIX: a file that does
     * not (/dev/zero, a binary, the wrong CSV) is read no further, and its
     * first line is all the caller needs to say what it is not. */
    size_t plen = strlen(FILE_PREFIX);
    for (;;) {
        buf = xgrow(buf, &cap, n + 65536 + 1, 1);
        size_t got = fread(buf + n, 1, cap - n - 1, f);
        n += got;
        if (got == 0 || (n >= plen && memcmp(buf, FILE_PREFIX, plen) != 0))
            break;
    }
    bool bad = ferror(f) != 0;
    fclose(f);
    if (bad) {
        free(buf);
        msgf(msg, msg_len, "%s: cannot read", path);
        return NULL;
    }
    buf[n] = '\0';
    *len = n;
    return buf;
}

int sweep_checkpoint_read(const struct sweep_spec *sp, const char *path, const char *header,
                          const bool *wanted, struct sweep_results *res, long *valid_len,
                          char *msg, size_t msg_len)
{
    size_t len = 0;
    char *text = read_text(path, "checkpoint", &len, msg, msg_len);
    if (text == NULL)
        return -1;
    size_t nm = COUNT(metric_names), reps = (size_t)sp->replications;
    double *raw = xmalloc(reps * nm * sizeof *raw), *col = xmalloc(reps * sizeof *col);
    int rc = -1;
    *valid_len = 0;
    char *nl = memchr(text, '\n', len);
    if (nl == NULL) {
        /* Killed while writing the header: nothing to keep. */
        rc = 0;
        goto out;
    }
    *nl = '\0';
    if (strcmp(text, header) != 0) {
        msgf(msg, msg_len, "%s: this checkpoint belongs to another sweep or other options (the "
             "sweep file, the base scenario, its model, the version or --shard changed): its "
             "header is '%.200s', this sweep's is '%s'. Delete it, or run without --resume "
             "and with --force to start over", path, text, header);
        goto out;
    }
    size_t pos = (size_t)(nl - text) + 1, line = 2;
    *valid_len = (long)pos;
    while (pos < len) {
        char *end = memchr(text + pos, '\n', len - pos);
        if (end == NULL)
            break; /* a torn last line: the point is recomputed */
        *end = '\0';
        char *s = text + pos, *e;
        errno = 0;
        unsigned long long point = strtoull(s, &e, 10);
        bool ok = e != s && *s >= '0' && *s <= '9' && errno == 0 && *e == ' ';
        for (size_t i = 0; ok && i < reps * nm; i++) {
            s = e;
            ok = *s == ' ';
            if (ok) {
                raw[i] = strtod(s + 1, &e);
                ok = e != s + 1;
            }
        }
        if (!ok || *e != '\0') {
            msgf(msg, msg_len, "%s:%zu: malformed line (expected a point number and %zu "
                 "values); the checkpoint is damaged: delete it to start over", path, line,
                 reps * nm);
            goto out;
        }
        if (point >= sp->n_points || !wanted[point]) {
            msgf(msg, msg_len, "%s:%zu: point %llu is not part of this sweep or shard", path, line,
                 point);
            goto out;
        }
        if (res->done[point]) {
            msgf(msg, msg_len, "%s:%zu: point %llu appears twice", path, line, point);
            goto out;
        }
        point_stats(res, (size_t)point, raw, reps, col);
        pos = (size_t)(end - text) + 1;
        *valid_len = (long)pos;
        line++;
    }
    rc = 0;
out:
    free(col);
    free(raw);
    free(text);
    return rc;
}

/* ---- tables ------------------------------------------------------------------------------ */

static char **copy_strings(char *const *s, size_t n)
{
    char **c = xcalloc(n + 1, sizeof *c);
    for (size_t i = 0; i < n; i++)
        c[i] = xstrdup(s[i]);
    return c;
}

static void row_fini(struct sweep_row *r, size_t n_cells)
{
    free_strings(r->cells, n_cells);
    free(r->mean);
    free(r->ci95);
}

void sweep_table_fini(struct sweep_table *t)
{
    if (t == NULL)
        return;
    for (size_t i = 0; i < t->n_rows; i++)
        row_fini(&t->rows[i], t->n_columns);
    free(t->rows);
    free_strings(t->columns, t->n_columns);
    free_strings(t->override_paths, t->n_overrides);
    free_strings(t->override_values, t->n_overrides);
    free(t->objective.constraints);
    free(t->file);
    free(t->scenario);
    memset(t, 0, sizeof *t);
}

static bool row_feasible(const struct sweep_table *t, const struct sweep_row *r)
{
    if (!isfinite(r->mean[t->objective.metric]))
        return false;
    for (size_t i = 0; i < t->objective.n_constraints; i++) {
        const struct sweep_constraint *c = &t->objective.constraints[i];
        if (!satisfies(c, r->mean[c->metric]))   /* NAN satisfies nothing */
            return false;
    }
    return true;
}

struct rank_key {
    bool feasible;
    bool finite;
    double key;         /* smaller is better */
    size_t point;
    size_t row;
};

static int rank_cmp(const void *a, const void *b)
{
    const struct rank_key *x = a, *y = b;
    if (x->feasible != y->feasible)
        return x->feasible ? -1 : 1;
    if (x->finite != y->finite)
        return x->finite ? -1 : 1;
    if (x->finite && x->key != y->key)
        return x->key < y->key ? -1 : 1;
    return x->point < y->point ? -1 : x->point > y->point;
}

struct front_key {
    double p99, cost;
    size_t point, row;
};

static int front_cmp(const void *a, const void *b)
{
    const struct front_key *x = a, *y = b;
    if (x->p99 != y->p99)
        return x->p99 < y->p99 ? -1 : 1;
    if (x->cost != y->cost)
        return x->cost < y->cost ? -1 : 1;
    return x->point < y->point ? -1 : x->point > y->point;
}

/* a before b: -1; a NaN sorts last, so the order is total. */
static int cmp_num(double a, double b)
{
    if (a < b)
        return -1;
    if (a > b)
        return 1;
    return isnan(a) == isnan(b) ? 0 : isnan(a) ? 1 : -1;
}

static int front_row_cmp(const void *a, const void *b)
{
    const struct sweep_row *x = *(const struct sweep_row *const *)a, *y = *(const struct sweep_row *const *)b;
    int c = cmp_num(x->mean[M_P99], y->mean[M_P99]);
    if (c == 0)
        c = cmp_num(x->mean[M_COST], y->mean[M_COST]);
    return c != 0 ? c : x->point < y->point ? -1 : x->point > y->point;
}

/* Feasibility always; Pareto front and ranks only for a whole sweep, since
 * they compare every point with every other. */
static void table_finish(struct sweep_table *t)
{
    for (size_t i = 0; i < t->n_rows; i++) {
        t->rows[i].feasible = row_feasible(t, &t->rows[i]);
        t->rows[i].pareto = false;
        t->rows[i].rank = 0;
    }
    if (t->shard_n != 0 || t->n_rows == 0)
        return;
    size_t n = t->n_rows, om = t->objective.metric;
    struct rank_key *rk = xcalloc(n, sizeof *rk);
    for (size_t i = 0; i < n; i++) {
        double v = t->rows[i].mean[om];
        rk[i].feasible = t->rows[i].feasible;
        rk[i].finite = isfinite(v);
        rk[i].key = t->objective.maximize ? -v : v;
        rk[i].point = t->rows[i].point;
        rk[i].row = i;
    }
    qsort(rk, n, sizeof *rk, rank_cmp);
    for (size_t i = 0; i < n; i++)
        t->rows[rk[i].row].rank = i + 1;
    free(rk);

    /* Pareto front of (p99, cost), both minimised: sorted by p99, a point is
     * on the front when its cost is the lowest of its p99 group and below
     * every cost seen at a strictly lower p99. Equal pairs are all kept. */
    struct front_key *fk = xcalloc(n, sizeof *fk);
    size_t nf = 0;
    for (size_t i = 0; i < n; i++) {
        const struct sweep_row *r = &t->rows[i];
        if (!r->feasible || !isfinite(r->mean[M_P99]) || !isfinite(r->mean[M_COST]))
            continue;
        fk[nf].p99 = r->mean[M_P99];
        fk[nf].cost = r->mean[M_COST];
        fk[nf].point = r->point;
        fk[nf++].row = i;
    }
    qsort(fk, nf, sizeof *fk, front_cmp);
    double best = INFINITY;
    for (size_t i = 0; i < nf;) {
        size_t j = i;
        while (j < nf && fk[j].p99 == fk[i].p99)
            j++;
        double group_min = fk[i].cost;  /* sorted by cost inside the group */
        for (size_t k = i; k < j; k++)
            if (fk[k].cost == group_min && group_min < best)
                t->rows[fk[k].row].pareto = true;
        if (group_min < best)
            best = group_min;
        i = j;
    }
    free(fk);
}

static void copy_objective(struct sweep_objective *dst, const struct sweep_objective *src)
{
    *dst = *src;
    dst->constraints = xcalloc(src->n_constraints + 1, sizeof *dst->constraints);
    if (src->n_constraints > 0)
        memcpy(dst->constraints, src->constraints, src->n_constraints * sizeof *src->constraints);
}

static int size_cmp(const void *a, const void *b)
{
    size_t x = *(const size_t *)a, y = *(const size_t *)b;
    return x < y ? -1 : x > y;
}

void sweep_table_build(struct sweep_table *t, const struct sweep_spec *sp,
                       const struct sweep_results *res, const size_t *points, size_t n_points,
                       size_t shard_k, size_t shard_n)
{
    size_t nm = COUNT(metric_names);
    memset(t, 0, sizeof *t);
    t->file = xstrdup(sp->file);
    t->scenario = xstrdup(sp->scenario);
    t->id = sp->id;
    t->seed = sp->seed;
    t->common_random_numbers = sp->common_random_numbers;
    t->replications = sp->replications;
    t->n_points_total = sp->n_points;
    t->shard_k = shard_k;
    t->shard_n = shard_n;
    copy_objective(&t->objective, &sp->objective);
    t->override_paths = copy_strings(sp->override_paths, sp->n_overrides);
    t->override_values = copy_strings(sp->override_values, sp->n_overrides);
    t->n_overrides = sp->n_overrides;
    t->columns = xcalloc(sp->n_axes + 1, sizeof *t->columns);
    for (size_t a = 0; a < sp->n_axes; a++)
        t->columns[a] = xstrdup(sp->axes[a].path);
    t->n_columns = sp->n_axes;
    size_t *order = xcalloc(n_points + 1, sizeof *order);
    if (n_points > 0)
        memcpy(order, points, n_points * sizeof *order);
    qsort(order, n_points, sizeof *order, size_cmp);
    t->rows = xcalloc(n_points + 1, sizeof *t->rows);
    for (size_t i = 0; i < n_points; i++) {
        struct sweep_row *r = &t->rows[i];
        size_t p = order[i];
        assert(res->done[p]);
        r->point = p;
        r->cells = xcalloc(sp->n_axes + 1, sizeof *r->cells);
        for (size_t a = 0; a < sp->n_axes; a++)
            r->cells[a] = xstrdup(sweep_value(sp, p, a));
        r->mean = xmalloc(nm * sizeof *r->mean);
        r->ci95 = xmalloc(nm * sizeof *r->ci95);
        memcpy(r->mean, &res->mean[p * nm], nm * sizeof *r->mean);
        memcpy(r->ci95, &res->ci95[p * nm], nm * sizeof *r->ci95);
    }
    t->n_rows = n_points;
    free(order);
    table_finish(t);
}

/* ---- CSV ---------------------------------------------------------------------------------- */

static void csv_cell(FILE *f, const char *s)
{
    if (strpbrk(s, ",\"\n\r") == NULL && s[0] != '#' && s[0] != ' ' &&
        (s[0] == '\0' || s[strlen(s) - 1] != ' ')) {
        fputs(s, f);
        return;
    }
    fputc('"', f);
    for (; *s != '\0'; s++) {
        if (*s == '"')
            fputc('"', f);
        fputc(*s, f);
    }
    fputc('"', f);
}

static const char *objective_verb(const struct sweep_objective *o)
{
    return o->maximize ? "maximize" : "minimize";
}

void sweep_write_csv(FILE *f, const struct sweep_table *t)
{
    size_t nm = COUNT(metric_names);
    char num[NUM_MAX], con[256];
    if (t->shard_n != 0) {
        /* What merge needs to check the shards and to print the summary. */
        fprintf(f, SHARD_MAGIC "%zu/%zu\n", t->shard_k, t->shard_n);
        fprintf(f, "# version: %s\n", LAMBDASIM_VERSION);
        fprintf(f, "# sweep: %s\n", t->file);
        fprintf(f, "# id: %016llx\n", (unsigned long long)t->id);
        fprintf(f, "# points: %zu\n", t->n_points_total);
        fprintf(f, "# replications: %d\n", t->replications);
        fprintf(f, "# scenario: %s\n", t->scenario);
        fprintf(f, "# seed: %llu\n", (unsigned long long)t->seed);
        fprintf(f, "# common_random_numbers: %s\n", t->common_random_numbers ? "true" : "false");
        fprintf(f, "# objective: %s %s\n", objective_verb(&t->objective),
                metric_names[t->objective.metric]);
        for (size_t i = 0; i < t->objective.n_constraints; i++) {
            sweep_format_constraint(&t->objective.constraints[i], con, sizeof con);
            fprintf(f, "# subject_to: %s\n", con);
        }
        for (size_t i = 0; i < t->n_overrides; i++)
            fprintf(f, "# override: %s=%s\n", t->override_paths[i], t->override_values[i]);
    }
    fputs("point", f);
    for (size_t a = 0; a < t->n_columns; a++) {
        fputc(',', f);
        csv_cell(f, t->columns[a]);
    }
    fputs(",replications", f);
    for (size_t m = 0; m < nm; m++)
        fprintf(f, ",%s_mean,%s_ci95", metric_names[m], metric_names[m]);
    fputs(",feasible,pareto,rank\n", f);
    for (size_t i = 0; i < t->n_rows; i++) {
        const struct sweep_row *r = &t->rows[i];
        fprintf(f, "%zu", r->point);
        for (size_t a = 0; a < t->n_columns; a++) {
            fputc(',', f);
            csv_cell(f, r->cells[a]);
        }
        fprintf(f, ",%d", t->replications);
        for (size_t m = 0; m < nm; m++) {
            fprintf(f, ",%s", num_text(num, r->mean[m]));
            fprintf(f, ",%s", num_text(num, r->ci95[m]));
        }
        if (t->shard_n != 0)
            fprintf(f, ",%d,,\n", r->feasible ? 1 : 0);
        else
            fprintf(f, ",%d,%d,%zu\n", r->feasible ? 1 : 0, r->pareto ? 1 : 0, r->rank);
    }
}

/* ---- JSON ---------------------------------------------------------------------------------- */

static void json_num(FILE *f, double v)
{
    char num[NUM_MAX];
    fputs(isfinite(v) ? num_text(num, v) : "null", f);
}

/* A value as JSON: the `--set` rule (JSON when it parses as JSON, else a
 * string), so the value is the one the scenario received. */
static void json_value(FILE *f, const char *v)
{
    if (config_value_is_json(v))
        fputs(v, f);
    else
        jsonout_string(f, v);
}

static const struct sweep_row *best_row(const struct sweep_table *t)
{
    for (size_t i = 0; i < t->n_rows; i++)
        if (t->rows[i].rank == 1)
            return &t->rows[i];
    return NULL;
}

void sweep_write_json(FILE *f, const struct sweep_table *t)
{
    size_t nm = COUNT(metric_names);
    char con[256];
    fputs("{\n  \"lambdasim_version\": ", f);
    jsonout_string(f, LAMBDASIM_VERSION);
    fputs(",\n  \"sweep\": ", f);
    jsonout_string(f, t->file);
    fprintf(f, ",\n  \"id\": \"%016llx\"", (unsigned long long)t->id);
    fputs(",\n  \"scenario\": ", f);
    jsonout_string(f, t->scenario);
    fprintf(f, ",\n  \"seed\": %llu", (unsigned long long)t->seed);
    fprintf(f, ",\n  \"common_random_numbers\": %s", t->common_random_numbers ? "true" : "false");
    fprintf(f, ",\n  \"replications\": %d", t->replications);
    fprintf(f, ",\n  \"points_total\": %zu", t->n_points_total);
    if (t->shard_n != 0)
        fprintf(f, ",\n  \"shard\": \"%zu/%zu\"", t->shard_k, t->shard_n);
    fprintf(f, ",\n  \"objective\": {\"%s\": \"%s\", \"subject_to\": [", objective_verb(&t->objective),
            metric_names[t->objective.metric]);
    for (size_t i = 0; i < t->objective.n_constraints; i++) {
        sweep_format_constraint(&t->objective.constraints[i], con, sizeof con);
        fputs(i == 0 ? "" : ", ", f);
        jsonout_string(f, con);
    }
    fputs("]},\n  \"overrides\": {", f);
    for (size_t i = 0; i < t->n_overrides; i++) {
        fputs(i == 0 ? "" : ", ", f);
        jsonout_string(f, t->override_paths[i]);
        fputs(": ", f);
        json_value(f, t->override_values[i]);
    }
    fputs("},\n  \"axes\": [", f);
    for (size_t a = 0; a < t->n_columns; a++) {
        fputs(a == 0 ? "" : ", ", f);
        jsonout_string(f, t->columns[a]);
    }
    fputs("],\n  \"points\": [", f);
    for (size_t i = 0; i < t->n_rows; i++) {
        const struct sweep_row *r = &t->rows[i];
        fprintf(f, "%s\n    {\"point\": %zu, \"values\": {", i == 0 ? "" : ",", r->point);
        for (size_t a = 0; a < t->n_columns; a++) {
            fputs(a == 0 ? "" : ", ", f);
            jsonout_string(f, t->columns[a]);
            fputs(": ", f);
            json_value(f, r->cells[a]);
        }
        fprintf(f, "}, \"replications\": %d, \"metrics\": {", t->replications);
        for (size_t m = 0; m < nm; m++) {
            fprintf(f, "%s\"%s\": {\"mean\": ", m == 0 ? "" : ", ", metric_names[m]);
            json_num(f, r->mean[m]);
            fputs(", \"ci95\": ", f);
            json_num(f, r->ci95[m]);
            fputc('}', f);
        }
        fprintf(f, "}, \"feasible\": %s", r->feasible ? "true" : "false");
        if (t->shard_n == 0)
            fprintf(f, ", \"pareto\": %s, \"rank\": %zu}", r->pareto ? "true" : "false", r->rank);
        else
            fputs(", \"pareto\": null, \"rank\": null}", f);
    }
    fputs(t->n_rows > 0 ? "\n  ],\n  \"pareto_front\": [" : "],\n  \"pareto_front\": [", f);
    bool first = true;
    for (size_t i = 0; i < t->n_rows; i++) {
        if (t->rows[i].pareto) {
            fprintf(f, "%s%zu", first ? "" : ", ", t->rows[i].point);
            first = false;
        }
    }
    fputs("],\n  \"best\": ", f);
    const struct sweep_row *b = best_row(t);
    if (b == NULL) {
        fputs("null\n}\n", f);
        return;
    }
    char *cmd = sweep_command_line(t, b);
    fprintf(f, "{\"point\": %zu, \"feasible\": %s, \"seed\": %llu, \"command\": ", b->point,
            b->feasible ? "true" : "false",
            (unsigned long long)point_seed(t->seed, t->common_random_numbers, b->point, 0));
    jsonout_string(f, cmd);
    fputs("}\n}\n", f);
    free(cmd);
}

/* ---- summary ----------------------------------------------------------------------------- */

/* Quoted for a POSIX shell when it holds anything but plain characters. */
static void shell_arg(char **buf, size_t *len, size_t *cap, const char *s)
{
    bool plain = s[0] != '\0';
    for (const char *p = s; *p != '\0' && plain; p++)
        plain = strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-./:=,+@%",
                       *p) != NULL;
    size_t need = *len + 4 * strlen(s) + 4;
    *buf = xgrow(*buf, cap, need, 1);
    char *o = *buf + *len;
    if (plain) {
        o += sprintf(o, "%s", s);
    } else {
        *o++ = '\'';
        for (const char *p = s; *p != '\0'; p++) {
            if (*p == '\'') {
                memcpy(o, "'\\''", 4);
                o += 4;
            } else {
                *o++ = *p;
            }
        }
        *o++ = '\'';
        *o = '\0';
    }
    *len = (size_t)(o - *buf);
}

static void cmd_append(char **buf, size_t *len, size_t *cap, const char *s)
{
    size_t n = strlen(s);
    *buf = xgrow(*buf, cap, *len + n + 1, 1);
    memcpy(*buf + *len, s, n + 1);
    *len += n;
}

char *sweep_command_line(const struct sweep_table *t, const struct sweep_row *row)
{
    char *buf = NULL, seed[32];
    size_t len = 0, cap = 0;
    cmd_append(&buf, &len, &cap, "lambdasim run ");
    shell_arg(&buf, &len, &cap, t->scenario);
    snprintf(seed, sizeof seed, " --seed %llu",
             (unsigned long long)point_seed(t->seed, t->common_random_numbers, row->point, 0));
    cmd_append(&buf, &len, &cap, seed);
    for (size_t i = 0; i < t->n_overrides + t->n_columns; i++) {
        const char *p = i < t->n_overrides ? t->override_paths[i] : t->columns[i - t->n_overrides];
        const char *v = i < t->n_overrides ? t->override_values[i] : row->cells[i - t->n_overrides];
        char *kv = xmalloc(strlen(p) + strlen(v) + 2);
        sprintf(kv, "%s=%s", p, v);
        cmd_append(&buf, &len, &cap, " --set ");
        shell_arg(&buf, &len, &cap, kv);
        free(kv);
    }
    return buf;
}

/* A text grid printed with columns padded to their widest cell. */
struct grid {
    size_t rows, cols;
    char **cell;            /* rows * cols, owned */
};

static void grid_init(struct grid *g, size_t rows, size_t cols)
{
    g->rows = rows;
    g->cols = cols;
    g->cell = xcalloc(rows * cols + 1, sizeof *g->cell);
}

static void grid_set(struct grid *g, size_t r, size_t c, const char *fmt, ...) SW_PRINTF(4, 5);
static void grid_set(struct grid *g, size_t r, size_t c, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    char *s = xmalloc((size_t)(n < 0 ? 0 : n) + 1);
    va_start(ap, fmt);
    vsnprintf(s, (size_t)(n < 0 ? 0 : n) + 1, fmt, ap);
    va_end(ap);
    free(g->cell[r * g->cols + c]);
    g->cell[r * g->cols + c] = s;
}

static void grid_print(FILE *f, struct grid *g)
{
    size_t *w = xcalloc(g->cols + 1, sizeof *w);
    for (size_t r = 0; r < g->rows; r++)
        for (size_t c = 0; c < g->cols; c++) {
            const char *s = g->cell[r * g->cols + c];
            size_t l = s != NULL ? strlen(s) : 0;
            if (l > w[c])
                w[c] = l;
        }
    for (size_t r = 0; r < g->rows; r++) {
        fputs(" ", f);
        for (size_t c = 0; c < g->cols; c++) {
            const char *s = g->cell[r * g->cols + c];
            fprintf(f, "%s%*s", c == 0 ? " " : "  ", (int)w[c], s != NULL ? s : "");
        }
        fputc('\n', f);
    }
    for (size_t i = 0; i < g->rows * g->cols; i++)
        free(g->cell[i]);
    free(g->cell);
    free(w);
}

static void fmt_mean_ci(char *buf, size_t len, double mean, double ci)
{
    if (!isfinite(mean))
        snprintf(buf, len, "-");
    else if (!isfinite(ci))
        snprintf(buf, len, "%.5g", mean);
    else if (ci >= 100)
        snprintf(buf, len, "%.5g ± %.0f", mean, ci);
    else
        snprintf(buf, len, "%.5g ± %.2g", mean, ci);
}

/* Metrics shown in the summary tables: the objective, p99, cost. */
static size_t summary_metrics(const struct sweep_table *t, size_t *ms)
{
    size_t n = 0;
    ms[n++] = t->objective.metric;
    if (t->objective.metric != M_P99)
        ms[n++] = M_P99;
    if (t->objective.metric != M_COST)
        ms[n++] = M_COST;
    return n;
}

static void row_values(char *buf, size_t len, const struct sweep_table *t, const struct sweep_row *r)
{
    size_t used = 0;
    buf[0] = '\0';
    for (size_t a = 0; a < t->n_columns && used < len; a++) {
        int k = snprintf(buf + used, len - used, "%s%s=%s", a == 0 ? "" : ", ", t->columns[a],
                         r->cells[a]);
        if (k < 0)
            break;
        used += (size_t)k;
    }
}

void sweep_write_summary(FILE *f, const struct sweep_table *t)
{
    char buf[256];
    size_t ms[3], nms = summary_metrics(t, ms), feasible = 0, front = 0;
    for (size_t i = 0; i < t->n_rows; i++) {
        feasible += t->rows[i].feasible;
        front += t->rows[i].pareto;
    }
    fprintf(f, "sweep %s: %zu points x %d replications of %s (base seed %llu%s)\n", t->file,
            t->n_points_total, t->replications, t->scenario, (unsigned long long)t->seed,
            t->common_random_numbers ? ", common random numbers" : "");
    fprintf(f, "objective: %s %s", objective_verb(&t->objective), metric_names[t->objective.metric]);
    for (size_t i = 0; i < t->objective.n_constraints; i++) {
        sweep_format_constraint(&t->objective.constraints[i], buf, sizeof buf);
        fprintf(f, "%s%s", i == 0 ? " subject to " : " and ", buf);
    }
    fprintf(f, "\nfeasible points: %zu of %zu\n", feasible, t->n_rows);
    if (t->n_rows == 0)
        return;

    /* Top points by rank. */
    size_t top = t->n_rows < SUMMARY_TOP ? t->n_rows : SUMMARY_TOP;
    const struct sweep_row **by_rank = xcalloc(t->n_rows, sizeof *by_rank);
    for (size_t i = 0; i < t->n_rows; i++)
        by_rank[t->rows[i].rank - 1] = &t->rows[i];
    struct grid g;
    size_t cols = 2 + t->n_columns + nms + 1;
    grid_init(&g, top + 1, cols);
    grid_set(&g, 0, 0, "rank");
    grid_set(&g, 0, 1, "point");
    for (size_t a = 0; a < t->n_columns; a++)
        grid_set(&g, 0, 2 + a, "%s", t->columns[a]);
    for (size_t k = 0; k < nms; k++)
        grid_set(&g, 0, 2 + t->n_columns + k, "%s", metric_names[ms[k]]);
    grid_set(&g, 0, cols - 1, "feasible");
    /* cppcheck-suppress knownConditionTrueFalse ; false positive: top >= 1 (n_rows > 0 here) */
    for (size_t i = 0; i < top; i++) {
        const struct sweep_row *r = by_rank[i];
        grid_set(&g, i + 1, 0, "%zu", r->rank);
        grid_set(&g, i + 1, 1, "%zu", r->point);
        for (size_t a = 0; a < t->n_columns; a++)
            grid_set(&g, i + 1, 2 + a, "%s", r->cells[a]);
        for (size_t k = 0; k < nms; k++) {
            fmt_mean_ci(buf, sizeof buf, r->mean[ms[k]], r->ci95[ms[k]]);
            grid_set(&g, i + 1, 2 + t->n_columns + k, "%s", buf);
        }
        grid_set(&g, i + 1, cols - 1, "%s", r->feasible ? "yes" : "no");
    }
    fprintf(f, "\ntop %zu points by rank (mean ± 95%% CI half-width over replications):\n", top);
    grid_print(f, &g);

    /* The Pareto front, in order of p99. */
    fprintf(f, "\nPareto front of latency_ms.p99 and cost_usd.total (feasible points): %zu point%s\n",
            front, front == 1 ? "" : "s");
    if (front > 0) {
        const struct sweep_row **fr = xcalloc(front, sizeof *fr);
        size_t n = 0;
        for (size_t i = 0; i < t->n_rows; i++)
            if (t->rows[i].pareto)
                fr[n++] = &t->rows[i];
        /* Sorted by p99, then cost, then point. A sort in n log n: the
         * front of a grid the input sizes may hold every point. */
        qsort(fr, n, sizeof *fr, front_row_cmp);
        grid_init(&g, n + 1, 3 + t->n_columns + 1);
        grid_set(&g, 0, 0, "point");
        for (size_t a = 0; a < t->n_columns; a++)
            grid_set(&g, 0, 1 + a, "%s", t->columns[a]);
        grid_set(&g, 0, 1 + t->n_columns, "latency_ms.p99");
        grid_set(&g, 0, 2 + t->n_columns, "cost_usd.total");
        grid_set(&g, 0, 3 + t->n_columns, "rank");
        for (size_t i = 0; i < n; i++) {
            grid_set(&g, i + 1, 0, "%zu", fr[i]->point);
            for (size_t a = 0; a < t->n_columns; a++)
                grid_set(&g, i + 1, 1 + a, "%s", fr[i]->cells[a]);
            fmt_mean_ci(buf, sizeof buf, fr[i]->mean[M_P99], fr[i]->ci95[M_P99]);
            grid_set(&g, i + 1, 1 + t->n_columns, "%s", buf);
            fmt_mean_ci(buf, sizeof buf, fr[i]->mean[M_COST], fr[i]->ci95[M_COST]);
            grid_set(&g, i + 1, 2 + t->n_columns, "%s", buf);
            grid_set(&g, i + 1, 3 + t->n_columns, "%zu", fr[i]->rank);
        }
        grid_print(f, &g);
        free(fr);
    }

    const struct sweep_row *b = by_rank[0];
    char values[2048];
    row_values(values, sizeof values, t, b);
    fprintf(f, "\n%s point: %zu%s%s%s\n", b->feasible ? "best" : "no feasible point; best by the objective",
            b->point, values[0] != '\0' ? " (" : "", values, values[0] != '\0' ? ")" : "");
    for (size_t k = 0; k < nms; k++) {
        fmt_mean_ci(buf, sizeof buf, b->mean[ms[k]], b->ci95[ms[k]]);
        fprintf(f, "  %-16s %s\n", metric_names[ms[k]], buf);
    }
    char *cmd = sweep_command_line(t, b);
    fprintf(f, "reproduce its first replication:\n  %s\n", cmd);
    free(cmd);
    free(by_rank);
}

/* ---- merging shard files --------------------------------------------------------------- */

/* One CSV record from text at *pos: cells split on commas, quotes undone.
 * Returns the number of cells, or -1 at the end of the text or on an
 * unterminated quote (*bad set). Cells point into a buffer owned by *rec. */
struct csv_rec {
    char *buf;
    size_t cap;
    char **cells;
    size_t cells_cap;
    size_t n;
};

static int csv_next(const char *text, size_t len, size_t *pos, struct csv_rec *rec, bool *bad)
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

/* The '#' lines of one shard file. */
struct shard_head {
    size_t k, n;
    char *version, *sweep, *id, *points, *replications, *scenario, *seed, *crn, *objective;
    char **subject_to;
    size_t n_subject_to;
    char **overrides;
    size_t n_overrides;
};

static void shard_head_fini(struct shard_head *h)
{
    free(h->version);
    free(h->sweep);
    free(h->id);
    free(h->points);
    free(h->replications);
    free(h->scenario);
    free(h->seed);
    free(h->crn);
    free(h->objective);
    free_strings(h->subject_to, h->n_subject_to);
    free_strings(h->overrides, h->n_overrides);
    memset(h, 0, sizeof *h);
}

static void push_string(char ***list, size_t *n, const char *s)
{
    *list = xrealloc(*list, (*n + 1) * sizeof **list);
    (*list)[(*n)++] = xstrdup(s);
}

/* "K/N" (two whole numbers, nothing after them): strtoull reports an
 * overflow, where sscanf's %zu would leave it undefined. */
static bool parse_k_of_n(const char *s, size_t *k, size_t *n)
{
    char *e;
    while (*s == ' ')
        s++;
    if (*s < '0' || *s > '9')
        return false;
    errno = 0;
    unsigned long long kv = strtoull(s, &e, 10);
    if (errno != 0 || *e != '/' || e[1] < '0' || e[1] > '9')
        return false;
    unsigned long long nv = strtoull(e + 1, &e, 10);
    if (errno != 0 || *e != '\0' || kv > SIZE_MAX || nv > SIZE_MAX)
        return false;
    *k = (size_t)kv;
    *n = (size_t)nv;
    return true;
}

/* Reads the '#' lines; leaves *pos at the CSV header. */
static int shard_head_read(const char *file, const char *text, size_t len, size_t *pos,
                           struct shard_head *h, char *msg, size_t msg_len)
{
    size_t p = 0, line = 0;
    while (p < len && text[p] == '#') {
        const char *end = memchr(text + p, '\n', len - p);
        size_t l = end != NULL ? (size_t)(end - (text + p)) : len - p;
        char *s = xmalloc(l + 1);
        memcpy(s, text + p, l);
        s[l] = '\0';
        if (l > 0 && s[l - 1] == '\r')
            s[l - 1] = '\0';
        line++;
        if (line == 1) {
            if (strncmp(s, SHARD_MAGIC, strlen(SHARD_MAGIC)) != 0 ||
                !parse_k_of_n(s + strlen(SHARD_MAGIC), &h->k, &h->n) || h->n == 0 || h->k < 1 ||
                h->k > h->n || h->n > SWEEP_POINTS_MAX) {
                msgf(msg, msg_len, "%s:1: not a shard file (written by 'lambdasim sweep --shard K/N')",
                     file);
                free(s);
                return -1;
            }
        } else {
            const char *colon = strstr(s, ": ");
            char *v = colon != NULL ? xstrdup(colon + 2) : NULL;
            size_t kl = colon != NULL ? (size_t)(colon - s) : 0;
            char **slot = NULL;
#define KEY(name, field) else if (kl == strlen("# " name) && strncmp(s, "# " name, kl) == 0) slot = &h->field
            if (colon == NULL)
                slot = NULL;
            KEY("version", version);
            KEY("sweep", sweep);
            KEY("id", id);
            KEY("points", points);
            KEY("replications", replications);
            KEY("scenario", scenario);
            KEY("seed", seed);
            KEY("common_random_numbers", crn);
            KEY("objective", objective);
#undef KEY
            if (slot != NULL) {
                free(*slot);
                *slot = v;
            } else if (colon != NULL && kl == strlen("# subject_to") &&
                       strncmp(s, "# subject_to", kl) == 0) {
                push_string(&h->subject_to, &h->n_subject_to, v);
                free(v);
            } else if (colon != NULL && kl == strlen("# override") && strncmp(s, "# override", kl) == 0) {
                push_string(&h->overrides, &h->n_overrides, v);
                free(v);
            } else {
                msgf(msg, msg_len, "%s:%zu: unexpected line '%.80s' in the shard header", file, line, s);
                free(v);
                free(s);
                return -1;
            }
        }
        free(s);
        p += l + (end != NULL ? 1 : 0);
    }
    if (line == 0) {
        msgf(msg, msg_len, "%s:1: not a shard file (written by 'lambdasim sweep --shard K/N'; "
             "a whole sweep's CSV needs no merging)", file);
        return -1;
    }
    const char *missing = h->version == NULL ? "version" : h->sweep == NULL ? "sweep"
                          : h->id == NULL ? "id" : h->points == NULL ? "points"
                          : h->replications == NULL ? "replications" : h->scenario == NULL ? "scenario"
                          : h->seed == NULL ? "seed" : h->crn == NULL ? "common_random_numbers"
                          : h->objective == NULL ? "objective" : NULL;
    if (missing != NULL) {
        msgf(msg, msg_len, "%s: the shard header has no '# %s:' line", file, missing);
        return -1;
    }
    *pos = p;
    return 0;
}

static bool same_list(char **a, size_t na, char **b, size_t nb)
{
    if (na != nb)
        return false;
    for (size_t i = 0; i < na; i++)
        if (strcmp(a[i], b[i]) != 0)
            return false;
    return true;
}

/* The sweep-wide header fields must agree between shards. */
static const char *shard_head_diff(const struct shard_head *a, const struct shard_head *b)
{
    if (a->n != b->n)
        return "the number of shards N";
    if (strcmp(a->id, b->id) != 0)
        return "the sweep id (a different sweep file, scenario, model or version)";
    if (strcmp(a->version, b->version) != 0)
        return "version";
    if (strcmp(a->sweep, b->sweep) != 0)
        return "sweep";
    if (strcmp(a->points, b->points) != 0)
        return "points";
    if (strcmp(a->replications, b->replications) != 0)
        return "replications";
    if (strcmp(a->scenario, b->scenario) != 0)
        return "scenario";
    if (strcmp(a->seed, b->seed) != 0)
        return "seed";
    if (strcmp(a->crn, b->crn) != 0)
        return "common_random_numbers";
    if (strcmp(a->objective, b->objective) != 0)
        return "objective";
    if (!same_list(a->subject_to, a->n_subject_to, b->subject_to, b->n_subject_to))
        return "subject_to";
    if (!same_list(a->overrides, a->n_overrides, b->overrides, b->n_overrides))
        return "overrides";
    return NULL;
}

/* Fills the table's sweep-wide fields from the first shard's header. */
static int table_from_head(struct sweep_table *t, const char *file, const struct shard_head *h,
                           char *msg, size_t msg_len)
{
    uint64_t id = 0;
    size_t points = 0, reps = 0;
    char *end;
    errno = 0;
    unsigned long long idv = strtoull(h->id, &end, 16);
    bool ok = strlen(h->id) == 16 && *end == '\0' && errno == 0;
    id = (uint64_t)idv;
    ok = ok && parse_size(h->points, &points) && points >= 1 && points <= SWEEP_POINTS_MAX &&
         parse_size(h->replications, &reps) && reps >= 1 && reps <= SWEEP_REPLICATIONS_MAX &&
         parse_u64(h->seed, &t->seed) &&
         (strcmp(h->crn, "true") == 0 || strcmp(h->crn, "false") == 0);
    if (!ok || strcmp(h->version, LAMBDASIM_VERSION) != 0) {
        msgf(msg, msg_len, "%s: the shard header is damaged or from another version (%s; this is "
             "%s)", file, h->version, LAMBDASIM_VERSION);
        return -1;
    }
    t->file = xstrdup(h->sweep);
    t->scenario = xstrdup(h->scenario);
    t->id = id;
    t->n_points_total = points;
    t->replications = (int)reps;
    t->common_random_numbers = strcmp(h->crn, "true") == 0;
    const char *o = h->objective;
    bool max = strncmp(o, "maximize ", 9) == 0;
    int m = (max || strncmp(o, "minimize ", 9) == 0) ? sweep_metric_find(o + 9) : -1;
    if (m < 0) {
        msgf(msg, msg_len, "%s: bad '# objective: %s' line", file, o);
        return -1;
    }
    t->objective.metric = (size_t)m;
    t->objective.maximize = max;
    t->objective.constraints = xcalloc(h->n_subject_to + 1, sizeof *t->objective.constraints);
    for (size_t i = 0; i < h->n_subject_to; i++) {
        char why[512];
        if (sweep_parse_constraint(h->subject_to[i], &t->objective.constraints[i], why, sizeof why) < 0) {
            msgf(msg, msg_len, "%s: subject_to: %s", file, why);
            return -1;
        }
        t->objective.n_constraints = i + 1;
    }
    t->override_paths = xcalloc(h->n_overrides + 1, sizeof *t->override_paths);
    t->override_values = xcalloc(h->n_overrides + 1, sizeof *t->override_values);
    for (size_t i = 0; i < h->n_overrides; i++) {
        const char *eq = strchr(h->overrides[i], '=');
        if (eq == NULL) {
            msgf(msg, msg_len, "%s: bad '# override: %s' line", file, h->overrides[i]);
            return -1;
        }
        t->override_paths[i] = xmalloc((size_t)(eq - h->overrides[i]) + 1);
        memcpy(t->override_paths[i], h->overrides[i], (size_t)(eq - h->overrides[i]));
        t->override_paths[i][eq - h->overrides[i]] = '\0';
        t->override_values[i] = xstrdup(eq + 1);
        t->n_overrides = i + 1;
    }
    return 0;
}

/* Checks the CSV header: point, the axis columns, replications, the metric
 * columns, feasible, pareto, rank. Sets or checks the table's columns. */
static int check_columns(struct sweep_table *t, const char *file, const struct csv_rec *rec,
                         char *msg, size_t msg_len)
{
    size_t nm = COUNT(metric_names), fixed = 1 + 1 + 2 * nm + 3;
    if (rec->n < fixed || strcmp(rec->cells[0], "point") != 0) {
        msgf(msg, msg_len, "%s: the column header is not a sweep's", file);
        return -1;
    }
    size_t na = rec->n - fixed;
    bool ok = strcmp(rec->cells[1 + na], "replications") == 0;
    for (size_t m = 0; ok && m < nm; m++) {
        char want[128];
        snprintf(want, sizeof want, "%s_mean", metric_names[m]);
        ok = strcmp(rec->cells[2 + na + 2 * m], want) == 0;
        snprintf(want, sizeof want, "%s_ci95", metric_names[m]);
        ok = ok && strcmp(rec->cells[3 + na + 2 * m], want) == 0;
    }
    ok = ok && strcmp(rec->cells[rec->n - 3], "feasible") == 0 &&
         strcmp(rec->cells[rec->n - 2], "pareto") == 0 && strcmp(rec->cells[rec->n - 1], "rank") == 0;
    if (!ok) {
        msgf(msg, msg_len, "%s: the column header does not match this version's sweep columns", file);
        return -1;
    }
    if (t->columns == NULL) {
        t->columns = xcalloc(na + 1, sizeof *t->columns);
        for (size_t a = 0; a < na; a++)
            t->columns[a] = xstrdup(rec->cells[1 + a]);
        t->n_columns = na;
        return 0;
    }
    ok = na == t->n_columns;
    for (size_t a = 0; ok && a < na; a++)
        ok = strcmp(t->columns[a], rec->cells[1 + a]) == 0;
    if (!ok) {
        msgf(msg, msg_len, "%s: its axis columns differ from the other shards'", file);
        return -1;
    }
    return 0;
}

int sweep_merge(struct sweep_table *t, const char *const *files, size_t n_files,
                char *msg, size_t msg_len)
{
    size_t nm = COUNT(metric_names);
    struct shard_head first, h;
    struct csv_rec rec = { 0 };
    struct sweep_row *rows = NULL;          /* by point */
    size_t *from = NULL;                    /* file index + 1 of each point */
    bool *shard_seen = NULL;
    char *text = NULL;
    int rc = -1;
    memset(t, 0, sizeof *t);
    memset(&first, 0, sizeof first);
    memset(&h, 0, sizeof h);
    if (msg != NULL && msg_len > 0)
        msg[0] = '\0';
    for (size_t fi = 0; fi < n_files; fi++) {
        const char *file = files[fi];
        size_t len = 0, pos = 0;
        free(text);
        text = read_text(file, "shard file", &len, msg, msg_len);
        if (text == NULL)
            goto out;
        struct shard_head *hp = fi == 0 ? &first : &h;
        shard_head_fini(&h);
        if (shard_head_read(file, text, len, &pos, hp, msg, msg_len) < 0)
            goto out;
        if (fi == 0) {
            if (table_from_head(t, file, &first, msg, msg_len) < 0)
                goto out;
            rows = xcalloc(t->n_points_total, sizeof *rows);
            from = xcalloc(t->n_points_total, sizeof *from);
            shard_seen = xcalloc(first.n + 1, sizeof *shard_seen);
        } else {
            const char *diff = shard_head_diff(&first, &h);
            if (diff != NULL) {
                msgf(msg, msg_len, "%s and %s are not shards of the same sweep: %s differs",
                     files[0], file, diff);
                goto out;
            }
        }
        if (shard_seen[hp->k]) {
            msgf(msg, msg_len, "%s: shard %zu/%zu is given twice", file, hp->k, hp->n);
            goto out;
        }
        shard_seen[hp->k] = true;
        bool bad;
        if (csv_next(text, len, &pos, &rec, &bad) < 0) {
            msgf(msg, msg_len, "%s: no column header", file);
            goto out;
        }
        if (check_columns(t, file, &rec, msg, msg_len) < 0)
            goto out;
        size_t cols = rec.n, na = t->n_columns;
        /* Data lines: the header comments, then the column header, then rows. */
        size_t line = 1;
        for (const char *c = text; c < text + pos; c++)
            line += *c == '\n';
        while (csv_next(text, len, &pos, &rec, &bad) >= 0) {
            size_t point = 0, reps = 0;
            if (rec.n == 1 && rec.cells[0][0] == '\0') {
                line++;
                continue; /* blank line */
            }
            if (rec.n != cols || !parse_size(rec.cells[0], &point) ||
                !parse_size(rec.cells[1 + na], &reps)) {
                msgf(msg, msg_len, "%s:%zu: malformed row (expected %zu cells)", file, line, cols);
                goto out;
            }
            if (point >= t->n_points_total || point % hp->n != hp->k - 1) {
                msgf(msg, msg_len, "%s:%zu: point %zu does not belong to shard %zu/%zu of %zu points",
                     file, line, point, hp->k, hp->n, t->n_points_total);
                goto out;
            }
            if (from[point] != 0) {
                msgf(msg, msg_len, "%s:%zu: point %zu is also in %s", file, line, point,
                     files[from[point] - 1]);
                goto out;
            }
            if (reps != (size_t)t->replications) {
                msgf(msg, msg_len, "%s:%zu: %zu replications, the header says %d", file, line, reps,
                     t->replications);
                goto out;
            }
            struct sweep_row *r = &rows[point];
            r->point = point;
            r->cells = xcalloc(na + 1, sizeof *r->cells);
            r->mean = xmalloc(nm * sizeof *r->mean);
            r->ci95 = xmalloc(nm * sizeof *r->ci95);
            from[point] = fi + 1;
            for (size_t a = 0; a < na; a++)
                r->cells[a] = xstrdup(rec.cells[1 + a]);
            for (size_t m = 0; m < nm; m++) {
                if (!parse_num(rec.cells[2 + na + 2 * m], &r->mean[m]) ||
                    !parse_num(rec.cells[3 + na + 2 * m], &r->ci95[m])) {
                    msgf(msg, msg_len, "%s:%zu: %s: not a number", file, line, metric_names[m]);
                    goto out;
                }
            }
            line++;
        }
        if (bad) {
            msgf(msg, msg_len, "%s:%zu: unterminated quoted cell", file, line);
            goto out;
        }
    }
    if (n_files == 0) {
        msgf(msg, msg_len, "no shard files given");
        goto out;
    }
    size_t missing = 0;
    char list[256] = "";
    for (size_t p = 0; p < t->n_points_total; p++) {
        if (from[p] != 0)
            continue;
        if (missing < 10) {
            size_t l = strlen(list);
            snprintf(list + l, sizeof list - l, "%s%zu", missing == 0 ? "" : ", ", p);
        }
        missing++;
    }
    if (missing > 0) {
        char shards[256] = "";
        for (size_t k = 1; k <= first.n; k++) {
            if (!shard_seen[k]) {
                size_t l = strlen(shards);
                snprintf(shards + l, sizeof shards - l, "%s%zu/%zu", shards[0] == '\0' ? "" : ", ",
                         k, first.n);
            }
        }
        msgf(msg, msg_len, "%zu of %zu points are missing (%s%s)%s%s", missing, t->n_points_total,
             list, missing > 10 ? ", ..." : "", shards[0] != '\0' ? "; shards not given: " : "",
             shards);
        goto out;
    }
    t->rows = rows;
    t->n_rows = t->n_points_total;
    rows = NULL;
    table_finish(t);
    rc = 0;
out:
    if (rows != NULL) {
        for (size_t p = 0; p < t->n_points_total; p++)
            row_fini(&rows[p], t->n_columns);
        free(rows);
    }
    if (rc != 0)
        sweep_table_fini(t);
    free(from);
    free(shard_seen);
    free(text);
    free(rec.buf);
    free(rec.cells);
    shard_head_fini(&first);
    shard_head_fini(&h);
    return rc;
}

/* ---- MPI ----------------------------------------------------------------------------------- */

#ifdef LAMBDASIM_MPI
void sweep_mpi_gather(struct sweep_results *res, const size_t *points, size_t n_points, int rank,
                      int size)
{
    size_t nm = res->n_metrics, per = 2 * nm;
    size_t mine = 0;
    for (size_t j = (size_t)rank; j < n_points; j += (size_t)size)
        mine++;
    double *send = xmalloc((mine * per + 1) * sizeof *send);
    size_t k = 0;
    for (size_t j = (size_t)rank; j < n_points; j += (size_t)size, k++) {
        memcpy(send + k * per, &res->mean[points[j] * nm], nm * sizeof *send);
        memcpy(send + k * per + nm, &res->ci95[points[j] * nm], nm * sizeof *send);
    }
    int *counts = NULL, *displs = NULL;
    double *recv = NULL;
    if (rank == 0) {
        counts = xcalloc((size_t)size, sizeof *counts);
        displs = xcalloc((size_t)size, sizeof *displs);
        size_t total = 0;
        for (int r = 0; r < size; r++) {
            size_t nr = 0;
            for (size_t j = (size_t)r; j < n_points; j += (size_t)size)
                nr++;
            assert(nr * per <= INT_MAX && total <= INT_MAX);
            counts[r] = (int)(nr * per);
            displs[r] = (int)total;
            total += nr * per;
        }
        recv = xmalloc((total + 1) * sizeof *recv);
    }
    assert(mine * per <= INT_MAX);
    MPI_Gatherv(send, (int)(mine * per), MPI_DOUBLE, recv, counts, displs, MPI_DOUBLE, 0,
                MPI_COMM_WORLD);
    if (rank == 0) {
        for (int r = 0; r < size; r++) {
            const double *src = recv + displs[r];
            for (size_t j = (size_t)r; j < n_points; j += (size_t)size, src += per) {
                memcpy(&res->mean[points[j] * nm], src, nm * sizeof *src);
                memcpy(&res->ci95[points[j] * nm], src + nm, nm * sizeof *src);
                res->done[points[j]] = true;
            }
        }
    }
    free(recv);
    free(displs);
    free(counts);
    free(send);
}
#endif
