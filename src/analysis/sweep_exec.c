/* sweep_exec: running a sweep (see sweep.h): the thread pool that runs every
 * point's replications, per-point statistics, checkpoints, and gathering
 * results across MPI ranks. */
#include "analysis/sweep_internal.h"

#include <assert.h>
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <gsl/gsl_cdf.h>
#include <gsl/gsl_statistics_double.h>
#ifdef LAMBDASIM_MPI
#include <limits.h>
#include <mpi.h>
#endif

#include "analysis/validate.h"
#include "core/engine.h"
#include "base/common.h"
#include "base/infile.h"
#include "core/scenario.h"
#include "base/xalloc.h"

/* Metric m of one run (SWEEP_METRICS, formats/sweep_spec.h). */
static double metric_value(size_t m, const struct engine_result *r)
{
    switch ((enum sweep_metric)m) {
#define SWEEP_METRIC_CASE(id, name, value) \
    case SWEEP_M_##id: return (value);
    SWEEP_METRICS(SWEEP_METRIC_CASE)
#undef SWEEP_METRIC_CASE
    case SWEEP_METRIC_COUNT: break;
    }
    assert(!"unknown metric");
    return (double)NAN;
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
    size_t m = sweep_metric_count();
    memset(r, 0, sizeof *r); /* raw stays NULL unless sweep_results_keep_raw */
    r->n_points = n_points;
    r->n_metrics = m;
    r->per_run_level = SWEEP_PER_RUN_LEVEL_DEFAULT;
    r->mean = xcalloc(n_points * m + 1, sizeof *r->mean);
    r->ci95 = xcalloc(n_points * m + 1, sizeof *r->ci95);
    r->run_lo = xcalloc(n_points * m + 1, sizeof *r->run_lo);
    r->run_hi = xcalloc(n_points * m + 1, sizeof *r->run_hi);
    r->done = xcalloc(n_points + 1, sizeof *r->done);
}

void sweep_results_keep_raw(struct sweep_results *r, size_t reps)
{
    r->reps = reps;
    r->raw = xcalloc(r->n_points * reps * r->n_metrics + 1, sizeof *r->raw);
}

/* Keeps a point's replications when the results keep them. */
static void keep_raw(struct sweep_results *res, size_t point, const double *raw, size_t reps)
{
    if (res->raw != NULL && reps == res->reps)
        memcpy(res->raw + point * reps * res->n_metrics, raw, reps * res->n_metrics * sizeof *raw);
}

void sweep_results_fini(struct sweep_results *r)
{
    if (r == NULL)
        return;
    free(r->raw);
    free(r->mean);
    free(r->ci95);
    free(r->run_lo);
    free(r->run_hi);
    free(r->done);
    memset(r, 0, sizeof *r);
}

/* raw[r * M + m] -> mean, half-width and per-run interval of each metric
 * of one point. The interval is NAN where the mean is (a replication
 * without the metric): an interval over the runs that have it would
 * claim a coverage it does not have. */
static void point_stats(struct sweep_results *res, size_t point, const double *raw, size_t reps,
                        double *col)
{
    size_t nm = res->n_metrics;
    double coverage;
    bool enough;
    size_t k = validate_order_k(reps, res->per_run_level, &coverage, &enough);
    for (size_t m = 0; m < nm; m++) {
        size_t i = point * nm + m;
        for (size_t r = 0; r < reps; r++)
            col[r] = raw[r * nm + m];
        sweep_stats(col, reps, &res->mean[i], &res->ci95[i]);
        if (isnan(res->mean[i]))
            res->run_lo[i] = res->run_hi[i] = (double)NAN;
        else
            validate_per_run_interval(col, reps, k, &res->run_lo[i], &res->run_hi[i]);
    }
    res->done[point] = true;
}

/* ---- running -------------------------------------------------------------------------- */

struct pool {
    const struct sweep_spec *sp;
    struct sweep_run_opts *o;
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

static void pool_fail(struct pool *p, const char *fmt, ...) PRINTF_LIKE(2, 3);
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
    size_t nm = sweep_metric_count(), reps = (size_t)sp->replications;
    double *raw = xmalloc(reps * nm * sizeof *raw);
    double *col = xmalloc(reps * sizeof *col);
    struct config_override *ov = xcalloc(sp->n_overrides + sp->n_axes + 1, sizeof *ov);
    char *msg = xmalloc(CONFIG_MSG_MAX);
    const volatile sig_atomic_t *stop = p->o->stop;
    struct engine_hooks hooks = { .stop = stop };
    uint64_t events = 0;
    for (;;) {
        pthread_mutex_lock(&p->lock);
        if (p->failed || p->next >= p->o->n_points || (stop != NULL && *stop)) {
            pthread_mutex_unlock(&p->lock);
            break;
        }
        size_t point = p->o->points[p->next++];
        pthread_mutex_unlock(&p->lock);

        struct scenario sc;
        size_t n_ov = sweep_point_overrides(sp, point, ov);
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
            events += er.events;
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
        keep_raw(p->res, point, raw, reps);

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
    p->o->events += events;
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

int sweep_run(const struct sweep_spec *sp, struct sweep_run_opts *o,
              struct sweep_results *res, char *msg, size_t msg_len)
{
    o->events = 0;
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
    int n = snprintf(buf, len, CKPT_MAGIC " id=%016llx points=%zu shard=%zu/%zu replications=%d metrics=%zu",
                     (unsigned long long)sp->id, sp->n_points, shard_k, shard_n, sp->replications,
                     sweep_metric_count());
    /* The inputs by content, so that --resume can name the one that changed
     * (the id covers them all; a list cut short by len still matches). */
    for (size_t i = 0; i < sp->n_inputs && n > 0 && (size_t)n < len; i++)
        n += snprintf(buf + n, len - (size_t)n, "%s%s:%016llx", i == 0 ? " inputs=" : ",", sp->inputs[i].role,
                      (unsigned long long)sp->inputs[i].hash);
}

/* "ROLE (PATH)" of the first of sp's inputs whose "ROLE:HASH" is not in the
 * checkpoint's header line `old`; false when all are (or old has none). */
static bool changed_input(const struct sweep_spec *sp, const char *old, char *why, size_t len)
{
    const char *list = strstr(old, " inputs=");
    if (list == NULL)
        return false;
    list += strlen(" inputs=");
    /* Two passes: another sweep file is another sweep, not a changed input. */
    for (int pass = 0; pass < 2; pass++) {
        for (size_t i = 0; i < sp->n_inputs; i++) {
            if ((strcmp(sp->inputs[i].role, SWEEP_FILE_ROLE) == 0) != (pass == 0))
                continue;
            char item[128];
            snprintf(item, sizeof item, "%s:%016llx", sp->inputs[i].role, (unsigned long long)sp->inputs[i].hash);
            size_t il = strlen(item);
            bool found = false;
            for (const char *p = list; !found && (p = strstr(p, item)) != NULL; p += il)
                found = (p == list || p[-1] == ',') && (p[il] == ',' || p[il] == '\0');
            if (!found && pass == 0)
                return false;
            if (!found) {
                snprintf(why, len, "%s (%s)", sp->inputs[i].role, sp->inputs[i].path);
                return true;
            }
        }
    }
    return false;
}

char *sweep_read_text(const char *path, const char *role, size_t *len, char *msg, size_t msg_len)
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
        sweep_msgf(msg, msg_len, "%s: cannot read", path);
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
    char *text = sweep_read_text(path, "checkpoint", &len, msg, msg_len);
    if (text == NULL)
        return -1;
    size_t nm = sweep_metric_count(), reps = (size_t)sp->replications;
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
    char why[1024];
    if (strcmp(text, header) != 0 && changed_input(sp, text, why, sizeof why)) {
        sweep_msgf(msg, msg_len, "%s: the content of %s changed since this checkpoint was written: its "
             "points would mix two inputs. Delete it, or run without --resume and with --force to start over",
             path, why);
        goto out;
    }
    if (strcmp(text, header) != 0) {
        sweep_msgf(msg, msg_len, "%s: this checkpoint belongs to another sweep or other options (the "
             "sweep file, the version, --shard, or the content of the scenario, a model or a trace changed): its "
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
            sweep_msgf(msg, msg_len, "%s:%zu: malformed line (expected a point number and %zu "
                 "values); the checkpoint is damaged: delete it to start over", path, line,
                 reps * nm);
            goto out;
        }
        if (point >= sp->n_points || !wanted[point]) {
            sweep_msgf(msg, msg_len, "%s:%zu: point %llu is not part of this sweep or shard", path, line,
                 point);
            goto out;
        }
        if (res->done[point]) {
            sweep_msgf(msg, msg_len, "%s:%zu: point %llu appears twice", path, line, point);
            goto out;
        }
        point_stats(res, (size_t)point, raw, reps, col);
        keep_raw(res, (size_t)point, raw, reps);
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

/* ---- MPI ----------------------------------------------------------------------------------- */

#ifdef LAMBDASIM_MPI
void sweep_mpi_gather(struct sweep_results *res, const size_t *points, size_t n_points, int rank,
                      int size)
{
    size_t nm = res->n_metrics, per = 4 * nm;
    size_t mine = 0;
    for (size_t j = (size_t)rank; j < n_points; j += (size_t)size)
        mine++;
    double *send = xmalloc((mine * per + 1) * sizeof *send);
    size_t k = 0;
    for (size_t j = (size_t)rank; j < n_points; j += (size_t)size, k++) {
        memcpy(send + k * per, &res->mean[points[j] * nm], nm * sizeof *send);
        memcpy(send + k * per + nm, &res->ci95[points[j] * nm], nm * sizeof *send);
        memcpy(send + k * per + 2 * nm, &res->run_lo[points[j] * nm], nm * sizeof *send);
        memcpy(send + k * per + 3 * nm, &res->run_hi[points[j] * nm], nm * sizeof *send);
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
                memcpy(&res->run_lo[points[j] * nm], src + 2 * nm, nm * sizeof *src);
                memcpy(&res->run_hi[points[j] * nm], src + 3 * nm, nm * sizeof *src);
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
