/* sweep_grid: the points of a sweep (see sweep.h): their coordinates,
 * values and seeds, the overrides that make each one, loading and checking
 * every point before a run (sweep_prepare), and the memory estimate. */
#include "analysis/sweep_internal.h"

#include <assert.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/infile.h"
#include "core/model.h"
#include "core/rng.h"
#include "core/scenario.h"
#include "base/version.h"
#include "base/xalloc.h"

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

uint64_t sweep_point_seed(uint64_t base, bool crn, size_t point, int replication)
{
    if (crn)
        return rng_derive_seed(base, (uint64_t)replication);
    return rng_derive_seed(rng_derive_seed(base, (uint64_t)point), (uint64_t)replication);
}

uint64_t sweep_seed(const struct sweep_spec *sp, size_t point, int replication)
{
    return sweep_point_seed(sp->seed, sp->common_random_numbers, point, replication);
}

/* The `--set` list of a point: the sweep's overrides, then its axis values
 * (so an axis wins over an override of the same field). */
size_t sweep_point_overrides(const struct sweep_spec *sp, size_t point, struct config_override *ov)
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
        sweep_msgf(msg, msg_len, "%s: cannot read", path);
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

static int input_cmp(const void *a, const void *b)
{
    const struct sweep_input *x = a, *y = b;
    int c = strcmp(x->role, y->role);
    return c != 0 ? c : (x->hash > y->hash) - (x->hash < y->hash);
}

/* The inputs the points read, each hashed (a stream from its kept bytes),
 * sorted so that neither the order of reading nor the paths' spelling
 * changes the id, and folded into it. */
static int hash_inputs(struct sweep_spec *sp, const struct infile_read *reads, size_t n, char *msg, size_t msg_len)
{
    sp->inputs = xcalloc(n + 1, sizeof *sp->inputs);
    for (size_t i = 0; i < n; i++) {
        struct sweep_input *in = &sp->inputs[sp->n_inputs++];
        snprintf(in->role, sizeof in->role, "%s", reads[i].role);
        for (char *c = in->role; *c != '\0'; c++)
            if (*c == ' ' || *c == ',' || *c == ':' || *c == '\n')
                *c = '_'; /* one word in a shard or checkpoint header */
        in->path = xstrdup(reads[i].path);
        in->hash = 0xcbf29ce484222325ULL;
        if (reads[i].data != NULL) {
            in->hash = fnv1a(in->hash, reads[i].data, reads[i].len);
            in->hash = fnv1a(in->hash, &reads[i].len, sizeof reads[i].len);
        } else if (hash_file(&in->hash, reads[i].path, reads[i].role, msg, msg_len) != 0) {
            return -1;
        }
    }
    qsort(sp->inputs, sp->n_inputs, sizeof *sp->inputs, input_cmp);
    for (size_t i = 0; i < sp->n_inputs; i++) {
        sp->id = fnv1a(sp->id, sp->inputs[i].role, strlen(sp->inputs[i].role) + 1);
        sp->id = fnv1a(sp->id, &sp->inputs[i].hash, sizeof sp->inputs[i].hash);
    }
    return 0;
}

enum config_status sweep_prepare(struct sweep_spec *sp, char *msg, size_t msg_len)
{
    char inner[CONFIG_MSG_MAX], where[1024];
    struct scenario sc;
    struct config_override *ov = xcalloc(sp->n_overrides + sp->n_axes + 1, sizeof *ov);
    /* What every point reads, for the id (hash_inputs). */
    infile_record_begin();
    bool recording = true;
    struct infile_read *reads = NULL;
    enum config_status st = config_load_scenario(sp->scenario, NULL, 0, &sc, inner, sizeof inner);
    if (st != CONFIG_OK) {
        sweep_msgf(msg, msg_len, "%s: scenario: %s", sp->file, inner);
        goto out;
    }
    if (!sp->have_seed)
        sp->seed = sc.seed;
    uint64_t h = 0xcbf29ce484222325ULL;
    h = fnv1a(h, LAMBDASIM_VERSION, sizeof LAMBDASIM_VERSION);
    bool ok = hash_file(&h, sp->file, SWEEP_FILE_ROLE, inner, sizeof inner) == 0 &&
              hash_file(&h, sp->scenario, "scenario", inner, sizeof inner) == 0 &&
              (sc.function.model_path[0] == '\0' ||
               hash_file(&h, sc.function.model_path, "function.model", inner, sizeof inner) == 0);
    scenario_fini(&sc);
    if (!ok) {
        sweep_msgf(msg, msg_len, "%s", inner);
        st = CONFIG_ERR_IO;
        goto out;
    }
    sp->id = h;
    /* Every point is checked before anything runs: a sweep does not fail
     * half-way through because of one bad combination. */
    for (size_t i = 0; i < sp->n_points; i++) {
        size_t n = sweep_point_overrides(sp, i, ov);
        st = config_load_scenario(sp->scenario, ov, n, &sc, inner, sizeof inner);
        if (st != CONFIG_OK) {
            describe_point(sp, i, where, sizeof where);
            char field[700];
            culprit(sp, ov, n, inner, field, sizeof field);
            sweep_msgf(msg, msg_len, "%s: %spoint %zu of %zu (%s): %s", sp->file, field, i,
                 sp->n_points, where[0] != '\0' ? where : "no axes", inner);
            goto out;
        }
        /* What one run of this point keeps: exact latencies, a trace. */
        double bytes = (sc.stats == STATS_EXACT ? 8.0 * sc.expected_requests : 0.0) +
                       (sc.workload.type == WORKLOAD_TRACE ? 8.0 * (double)sc.workload.trace_len : 0.0);
        if (model_memory_is_guess(&sc.function.model, sc.function.memory_mb)) {
            if (sp->memory_guess_points++ == 0) {
                sp->memory_guess_run_mb = sc.function.memory_mb;
                sp->memory_guess_profile_mb = sc.function.model.memory_mb;
                snprintf(sp->memory_guess_model, sizeof sp->memory_guess_model, "%s", sc.function.model.name);
            }
        }
        if (bytes > sp->run_bytes) {
            sp->run_bytes = bytes;
            sp->run_requests = sc.expected_requests;
        }
        scenario_fini(&sc);
    }
    recording = false;
    size_t n_reads = infile_record_end(&reads);
    if (hash_inputs(sp, reads, n_reads, inner, sizeof inner) != 0) {
        sweep_msgf(msg, msg_len, "%s", inner);
        st = CONFIG_ERR_IO;
    }
    infile_record_free(reads, n_reads);
out:
    if (recording) {
        size_t n_left = infile_record_end(&reads);
        infile_record_free(reads, n_left);
    }
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
    size_t n_metrics = sweep_metric_count();
    double nm = (double)n_metrics, axes = (double)sp->n_axes;
    /* Every point: its results (mean, ci95, per-run interval, done) and the
     * command's point lists (wanted flag, wanted list, to do, this rank's). */
    double per_point = 4 * nm * sizeof(double) + sizeof(bool) + 1 + 3 * sizeof(size_t);
    /* Every row built: the row, its cells (a pointer and a short string
     * each), its means, half-widths and per-run intervals, and the sorting
     * and ranking keys. */
    double value_len = 0;
    for (size_t a = 0; a < sp->n_axes; a++) {
        const struct sweep_axis *ax = &sp->axes[a];
        double sum = 0;
        for (size_t v = 0; v < ax->n_values; v++)
            sum += block((double)strlen(ax->values[v]) + 1);
        value_len += ax->n_values > 0 ? sum / (double)ax->n_values : 32;
    }
    double per_row = sizeof(struct sweep_row) + block((axes + 1) * sizeof(char *)) + value_len +
                     4 * block(nm * sizeof(double)) + sizeof(size_t) + 40 + 32;
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
    sweep_msgf(msg, msg_len, "%s: about %s of memory needed for %zu points x %d replications (%s for "
         "the points' results, %u run%s at once x %s%s); the limit is %.0f GB (README.md, Sweeps, "
         "Memory): use fewer points, --shard K/N, fewer --jobs or stats.mode streaming", sp->file,
         t, sp->n_points, sp->replications, p, concurrent, concurrent == 1 ? "" : "s", r, why,
         SWEEP_MEMORY_MAX_BYTES / 1e9);
    return -1;
}
