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

static double mono_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

struct pool {
    const struct sweep_spec *sp;
    struct sweep_run_opts *o;
    struct sweep_results *res;
    pthread_mutex_t lock;           /* next, done, failed, msg, the checkpoint, the queue */
    pthread_cond_t cond;            /* signalled when a point finishes or fails */
    /* The points to run: o->points, or (with a feed) what it gave so far;
     * the threads wait on work_cond while the feed may give more. */
    const size_t *queue;
    size_t *fed;                    /* owned, with a feed: room for o->n_points */
    size_t n_queue;
    bool no_more;                   /* nothing more will be queued */
    pthread_cond_t work_cond;
    /* config_load_scenario is re-entrant except for cJSON, which writes a
     * global error position on every parse (even when the caller takes the
     * position through return_parse_end): loads are serialised. */
    pthread_mutex_t load_lock;
    size_t next, done;
    size_t alive;                   /* worker threads still running */
    double t0_s, last_done_s;       /* monotonic: sweep_run began; the last point finished */
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
    pthread_cond_broadcast(&p->work_cond);
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
        while (!p->failed && p->next >= p->n_queue && !p->no_more && !(stop != NULL && *stop))
            pthread_cond_wait(&p->work_cond, &p->lock);
        if (p->failed || p->next >= p->n_queue || (stop != NULL && *stop)) {
            pthread_mutex_unlock(&p->lock);
            break;
        }
        size_t point = p->queue[p->next++];
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
        p->last_done_s = mono_s();
        /* The caller only waits for the end (progress comes from its timer). */
        if (++p->done == p->n_queue && p->no_more)
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

/* With a feed: asks it for points (about every millisecond) and queues
 * them, until it has finished; the threads run what is queued meanwhile.
 * Called with p->lock held; returns with it held. */
static void feed_loop(struct pool *p, size_t *more, size_t cap, const volatile sig_atomic_t *stop)
{
    const struct sweep_feed *feed = p->o->feed;
    double interval = p->o->progress_interval_s > 0 ? p->o->progress_interval_s : 0.25, next_progress = 0;
    bool finished = false;
    while (!finished) {
        bool stopping = p->failed || (stop != NULL && *stop);
        size_t queued = p->n_queue - p->next, done = p->done, room = p->o->n_points - p->n_queue;
        pthread_mutex_unlock(&p->lock);
        bool no_more = false;
        size_t got = feed->tick(feed->ctx, queued, done, stopping, more, cap < room ? cap : room, &no_more,
                                &finished);
        double t = mono_s();
        if (p->o->progress != NULL && t >= next_progress) {
            size_t all = feed->done_all != NULL ? feed->done_all(feed->ctx, done) : done;
            p->o->progress(p->o->progress_ctx, all, p->o->n_points);
            next_progress = t + interval;
        }
        pthread_mutex_lock(&p->lock);
        assert(p->fed != NULL && more != NULL);     /* allocated by sweep_run with a feed */
        if (got > 0 && !stopping && p->fed != NULL && more != NULL) {
            memcpy(p->fed + p->n_queue, more, got * sizeof *more);
            p->n_queue += got;
        }
        if (no_more || stopping)
            p->no_more = true;
        pthread_cond_broadcast(&p->work_cond);
        if (finished)
            break;
        /* Wake at the next point finished, or in a millisecond. */
        struct timespec deadline;
        clock_gettime(CLOCK_REALTIME, &deadline);
        deadline.tv_nsec += 1000000L;
        if (deadline.tv_nsec >= 1000000000L) {
            deadline.tv_sec++;
            deadline.tv_nsec -= 1000000000L;
        }
        pthread_cond_timedwait(&p->cond, &p->lock, &deadline);
    }
}

int sweep_run(const struct sweep_spec *sp, struct sweep_run_opts *o,
              struct sweep_results *res, char *msg, size_t msg_len)
{
    o->events = 0;
    o->busy_s = 0;
    struct pool p = { .sp = sp, .o = o, .res = res, .msg = msg, .msg_len = msg_len, .t0_s = mono_s() };
    if (msg != NULL && msg_len > 0)
        msg[0] = '\0';
    if (o->n_points == 0 && o->feed == NULL)
        return 0;
    size_t jobs = o->jobs < 1 ? 1 : o->jobs;
    if (o->feed == NULL && jobs > o->n_points)
        jobs = o->n_points;
    size_t *more = NULL, more_cap = 0;
    if (o->feed != NULL) {
        p.fed = xcalloc(o->n_points + 1, sizeof *p.fed);
        p.queue = p.fed;
        more_cap = 4096;
        more = xcalloc(more_cap, sizeof *more);
    } else {
        p.queue = o->points;
        p.n_queue = o->n_points;
        p.no_more = true;
    }
    pthread_mutex_init(&p.lock, NULL);
    pthread_mutex_init(&p.load_lock, NULL);
    pthread_cond_init(&p.cond, NULL);
    pthread_cond_init(&p.work_cond, NULL);
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
    if (o->feed != NULL) {
        /* Even when no thread could start: the feed must still be told
         * (MPI: rank 0 waits for every rank to say it is done). */
        feed_loop(&p, more, more_cap, o->stop);
    } else {
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
    }
    pthread_mutex_unlock(&p.lock);
    for (size_t i = 0; i < started; i++)
        pthread_join(th[i], NULL);
    /* With a feed, what was left to do is not known here: a stop is a stop. */
    bool stopped = !p.failed && (o->feed != NULL ? o->stop != NULL && *o->stop : p.done < o->n_points);
    if (o->progress != NULL && !p.failed && !stopped) {
        size_t all = o->feed != NULL && o->feed->done_all != NULL ? o->feed->done_all(o->feed->ctx, p.done) : p.done;
        o->progress(o->progress_ctx, all, o->n_points);
    }
    o->busy_s = p.done > 0 ? p.last_done_s - p.t0_s : 0;
    free(th);
    free(more);
    free(p.fed);
    pthread_cond_destroy(&p.work_cond);
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
enum { TAG_REQUEST = 7101, TAG_CHUNK, TAG_BYE };
#define FEED_CHUNK_MAX 256

struct sweep_mpi_feed {
    struct sweep_feed feed;
    const size_t *todo;             /* the same list on every rank (borrowed) */
    size_t n_todo;
    int rank, size;
    unsigned jobs;
    /* The points this rank was handed, in order (for the gather). */
    size_t *mine;
    size_t n_mine;
    /* rank 0 */
    size_t next;                    /* todo[next..) not handed out yet */
    size_t *reported;               /* per rank: points done, as last told */
    int byes;                       /* ranks that said they take no more */
    bool self_done;                 /* rank 0 takes no more for itself */
    /* other ranks */
    bool pending, got_empty, bye_sent;
    MPI_Request req;
    unsigned long long chunk[FEED_CHUNK_MAX];
};

/* Rank 0: the next chunk for a rank with `jobs` threads (0 when none left). */
static size_t take_chunk(struct sweep_mpi_feed *f, unsigned jobs, unsigned long long *out)
{
    size_t left = f->n_todo - f->next;
    size_t n = (left + 2u * (size_t)f->size * jobs - 1) / (2u * (size_t)f->size * jobs);
    if (n > FEED_CHUNK_MAX)
        n = FEED_CHUNK_MAX;
    if (n > left)
        n = left;
    for (size_t i = 0; i < n; i++)
        out[i] = f->todo[f->next + i];
    f->next += n;
    return n;
}

static size_t keep_mine(struct sweep_mpi_feed *f, const unsigned long long *pts, size_t n, size_t *more, size_t cap)
{
    assert(n <= cap && f->n_mine + n <= f->n_todo);
    for (size_t i = 0; i < n; i++) {
        more[i] = (size_t)pts[i];
        f->mine[f->n_mine++] = (size_t)pts[i];
    }
    return n;
}

static size_t feed_tick_root(struct sweep_mpi_feed *f, size_t queued, size_t done, bool stopping, size_t *more,
                             size_t cap, bool *no_more, bool *finished)
{
    /* Answer every rank that asked or left. */
    for (;;) {
        int flag = 0;
        MPI_Status st;
        MPI_Iprobe(MPI_ANY_SOURCE, MPI_ANY_TAG, MPI_COMM_WORLD, &flag, &st);
        if (!flag)
            break;
        unsigned long long msg[2] = { 0, 1 };
        MPI_Recv(msg, 2, MPI_UNSIGNED_LONG_LONG, st.MPI_SOURCE, st.MPI_TAG, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
        f->reported[st.MPI_SOURCE] = (size_t)msg[0];
        if (st.MPI_TAG == TAG_BYE) {
            f->byes++;
            continue;
        }
        unsigned long long out[FEED_CHUNK_MAX];
        size_t n = stopping ? 0 : take_chunk(f, msg[1] < 1 ? 1u : (unsigned)msg[1], out);
        MPI_Send(out, (int)n, MPI_UNSIGNED_LONG_LONG, st.MPI_SOURCE, TAG_CHUNK, MPI_COMM_WORLD);
    }
    f->reported[0] = done;
    size_t got = 0;
    if (!f->self_done) {
        if (stopping) {
            f->self_done = true;
        } else if (queued < f->jobs) {
            unsigned long long out[FEED_CHUNK_MAX];
            size_t n = take_chunk(f, f->jobs, out);
            if (n == 0)
                f->self_done = true;
            else
                got = keep_mine(f, out, n, more, cap);
        }
    }
    *no_more = f->self_done;
    *finished = f->self_done && f->byes == f->size - 1;
    return got;
}

static size_t feed_tick_other(struct sweep_mpi_feed *f, size_t queued, size_t done, bool stopping, size_t *more,
                              size_t cap, bool *no_more, bool *finished)
{
    size_t got = 0;
    if (f->pending) {
        int flag = 0;
        MPI_Status st;
        MPI_Test(&f->req, &flag, &st);
        if (flag) {
            int n = 0;
            MPI_Get_count(&st, MPI_UNSIGNED_LONG_LONG, &n);
            f->pending = false;
            if (n == 0)
                f->got_empty = true;
            else if (!stopping)     /* a stopped rank drops them: --resume recomputes them */
                got = keep_mine(f, f->chunk, (size_t)n, more, cap);
        }
    }
    if (!f->pending && !f->got_empty && !stopping && queued + got < f->jobs) {
        unsigned long long msg[2] = { done, f->jobs };
        MPI_Send(msg, 2, MPI_UNSIGNED_LONG_LONG, 0, TAG_REQUEST, MPI_COMM_WORLD);
        MPI_Irecv(f->chunk, FEED_CHUNK_MAX, MPI_UNSIGNED_LONG_LONG, 0, TAG_CHUNK, MPI_COMM_WORLD, &f->req);
        f->pending = true;
    }
    *no_more = f->got_empty || stopping;
    /* Leave only with no answer outstanding: rank 0 answers every request. */
    if (*no_more && !f->pending && !f->bye_sent) {
        unsigned long long msg[2] = { done, f->jobs };
        MPI_Send(msg, 2, MPI_UNSIGNED_LONG_LONG, 0, TAG_BYE, MPI_COMM_WORLD);
        f->bye_sent = true;
    }
    *finished = f->bye_sent;
    return got;
}

static size_t feed_tick(void *ctx, size_t queued, size_t done, bool stopping, size_t *more, size_t cap,
                        bool *no_more, bool *finished)
{
    struct sweep_mpi_feed *f = ctx;
    /* cap is enough for any chunk: a chunk is at most what is left to hand
     * out, and sweep_run has room for every point not yet queued here. */
    return f->rank == 0 ? feed_tick_root(f, queued, done, stopping, more, cap, no_more, finished)
                        : feed_tick_other(f, queued, done, stopping, more, cap, no_more, finished);
}

/* Rank 0's view of the whole job: its own done plus what the others last told. */
static size_t feed_done_all(void *ctx, size_t done)
{
    const struct sweep_mpi_feed *f = ctx;
    if (f->rank != 0)
        return done;
    size_t all = done;
    for (int r = 1; r < f->size; r++)
        all += f->reported[r];
    return all;
}

struct sweep_mpi_feed *sweep_mpi_feed_new(const size_t *todo, size_t n_todo, int rank, int size, unsigned jobs)
{
    struct sweep_mpi_feed *f = xcalloc(1, sizeof *f);
    f->todo = todo;
    f->n_todo = n_todo;
    f->rank = rank;
    f->size = size;
    f->jobs = jobs < 1 ? 1 : jobs;
    f->mine = xcalloc(n_todo + 1, sizeof *f->mine);
    f->reported = xcalloc((size_t)size + 1, sizeof *f->reported);
    f->feed.tick = feed_tick;
    f->feed.done_all = feed_done_all;
    f->feed.ctx = f;
    return f;
}

const struct sweep_feed *sweep_mpi_feed_get(struct sweep_mpi_feed *f)
{
    return &f->feed;
}

void sweep_mpi_feed_free(struct sweep_mpi_feed *f)
{
    if (f == NULL)
        return;
    free(f->mine);
    free(f->reported);
    free(f);
}

void sweep_mpi_gather(struct sweep_results *res, const struct sweep_mpi_feed *f)
{
    size_t nm = res->n_metrics, per = 1 + 4 * nm;
    /* What this rank finished of what it was handed (rank 0's are in res). */
    size_t mine = 0;
    for (size_t j = 0; j < f->n_mine; j++)
        mine += res->done[f->mine[j]];
    double *send = xmalloc((mine * per + 1) * sizeof *send);
    size_t k = 0;
    for (size_t j = 0; j < f->n_mine; j++) {
        size_t pt = f->mine[j];
        if (!res->done[pt])
            continue;
        double *d = send + k * per;
        d[0] = (double)pt;  /* exact: points < 2^53 */
        memcpy(d + 1, &res->mean[pt * nm], nm * sizeof *send);
        memcpy(d + 1 + nm, &res->ci95[pt * nm], nm * sizeof *send);
        memcpy(d + 1 + 2 * nm, &res->run_lo[pt * nm], nm * sizeof *send);
        memcpy(d + 1 + 3 * nm, &res->run_hi[pt * nm], nm * sizeof *send);
        k++;
    }
    assert(mine * per <= INT_MAX);
    int count = f->rank == 0 ? 0 : (int)(mine * per);
    int *counts = NULL, *displs = NULL;
    double *recv = NULL;
    if (f->rank == 0) {
        counts = xcalloc((size_t)f->size, sizeof *counts);
        displs = xcalloc((size_t)f->size, sizeof *displs);
    }
    MPI_Gather(&count, 1, MPI_INT, counts, 1, MPI_INT, 0, MPI_COMM_WORLD);
    size_t total = 0;
    if (f->rank == 0) {
        for (int r = 0; r < f->size; r++) {
            assert(total <= INT_MAX);
            displs[r] = (int)total;
            total += (size_t)counts[r];
        }
        recv = xmalloc((total + 1) * sizeof *recv);
    }
    MPI_Gatherv(send, count, MPI_DOUBLE, recv, counts, displs, MPI_DOUBLE, 0, MPI_COMM_WORLD);
    if (f->rank == 0) {
        for (size_t off = 0; off + per <= total; off += per) {
            const double *src = recv + off;
            size_t pt = (size_t)src[0];
            assert(pt < res->n_points);
            memcpy(&res->mean[pt * nm], src + 1, nm * sizeof *src);
            memcpy(&res->ci95[pt * nm], src + 1 + nm, nm * sizeof *src);
            memcpy(&res->run_lo[pt * nm], src + 1 + 2 * nm, nm * sizeof *src);
            memcpy(&res->run_hi[pt * nm], src + 1 + 3 * nm, nm * sizeof *src);
            res->done[pt] = true;
        }
    }
    free(send);
    free(recv);
    free(counts);
    free(displs);
}
#endif
