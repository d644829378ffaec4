/* sweep: grid search over scenario fields with replications. A sweep file
 * names a base scenario and axes; every point of the grid runs several seeds,
 * and the results are summarised (mean and 95 % confidence half-width per
 * headline metric), ranked by an objective and written as CSV or JSON.
 * Shards of one sweep (computed apart) merge into the same output. */
#ifndef LAMBDASIM_SWEEP_H
#define LAMBDASIM_SWEEP_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include "formats/config.h"
#include "formats/sweep_spec.h"

/* A sweep whose memory estimate (sweep_memory_bytes) passes this is
 * refused before it runs (README.md, Sweeps: "Memory"). */
#define SWEEP_MEMORY_MAX_BYTES 4e9

/* Loads the base scenario and every point (overrides + the point's axis
 * values, as `--set` would apply them) and checks each one, without running
 * anything; fills the default seed and the sweep's identity (a hash of the
 * sweep file, the base scenario, its model file and the version). Returns
 * CONFIG_OK, or the first failure with a message naming the point and its
 * values. */
enum config_status sweep_prepare(struct sweep_spec *sp, char *msg, size_t msg_len);

/* About how many bytes the sweep keeps at its peak: for every point, its
 * results; for each of the n_held points whose rows are built (all of
 * them, or a shard's), its table row; and for each of `jobs` runs at once
 * (at most n_held), the replications' metrics and sp->run_bytes. */
double sweep_memory_bytes(const struct sweep_spec *sp, size_t n_held, unsigned jobs);

/* 0 when sweep_memory_bytes is within SWEEP_MEMORY_MAX_BYTES; else -1 and
 * a one-line message with the estimate, what it is made of and the ways
 * out. Before sweep_prepare, only the per-point part is known. */
int sweep_check_memory(const struct sweep_spec *sp, size_t n_held, unsigned jobs, char *msg,
                       size_t msg_len);

/* Seed of replication r of point i. */
uint64_t sweep_seed(const struct sweep_spec *sp, size_t point, int replication);

/* The overrides that make `point`: the spec's, then its axis values, as
 * `--set` would apply them (into ov, room for n_overrides + n_axes;
 * returns how many; borrowed from sp). */
size_t sweep_point_overrides(const struct sweep_spec *sp, size_t point, struct config_override *ov);

/* Position of `point` along dimension d. */
size_t sweep_coord(const struct sweep_spec *sp, size_t point, size_t d);
/* Value text of axis a at `point`. Borrowed. */
const char *sweep_value(const struct sweep_spec *sp, size_t point, size_t a);

/* ---- running ---------------------------------------------------------------------- */

/* The per-run interval's level when none is asked for (`--interval-level`,
 * as `run --replications`): a new single run falls inside it with this
 * probability when there are replications enough (validate_order_k). */
#define SWEEP_PER_RUN_LEVEL_DEFAULT 0.95

/* Per-point results, [point * M + m]: per metric the mean over
 * replications with its 95 % half-width, and the per-run interval (order
 * statistics k and R+1-k of the replications' values, k from
 * validate_order_k at per_run_level): where one single run of the point
 * falls, which the mean's interval does not say. */
struct sweep_results {
    size_t n_points;
    size_t n_metrics;
    double per_run_level;   /* SWEEP_PER_RUN_LEVEL_DEFAULT unless set before sweep_run */
    double *mean;       /* owned */
    double *ci95;       /* owned */
    double *run_lo;     /* owned */
    double *run_hi;     /* owned */
    bool *done;         /* owned */
    /* Every replication's metrics, [point][replication][metric], when
     * asked for with sweep_results_keep_raw (NULL otherwise): what
     * `--replications-csv` writes. */
    double *raw;        /* owned */
    size_t reps;
};

void sweep_results_init(struct sweep_results *r, size_t n_points);
/* Keeps every replication's values too (n_points x reps x metrics). */
void sweep_results_keep_raw(struct sweep_results *r, size_t reps);
void sweep_results_fini(struct sweep_results *r);

/* Called from the thread that called sweep_run, about every interval. */
typedef void (*sweep_progress_fn)(void *ctx, size_t done, size_t total);

/* Points that arrive while the sweep runs (MPI: chunks that rank 0 hands
 * out as ranks ask, so a slow or busy rank takes fewer). tick is called
 * only by the thread that called sweep_run (under MPI_THREAD_FUNNELED the
 * one thread that may talk MPI), about every millisecond, with `queued`
 * points waiting for a thread, `done` finished here, and `stopping` once
 * o->stop was raised or a point failed. It writes new points to
 * more[0..cap) and returns how many; sets *no_more once no more will come
 * here (the threads then finish what is queued) and *finished once it
 * needs no more calls (it may still have had to talk to others after
 * *no_more). done_all (may be NULL) gives the progress of the whole job
 * from this process's own done. */
struct sweep_feed {
    size_t (*tick)(void *ctx, size_t queued, size_t done, bool stopping, size_t *more, size_t cap,
                   bool *no_more, bool *finished);
    size_t (*done_all)(void *ctx, size_t done);
    void *ctx;
};

struct sweep_run_opts {
    /* The points to compute (borrowed); with a feed, n_points is the most
     * it can give (points is not read). */
    const size_t *points;
    size_t n_points;
    const struct sweep_feed *feed;  /* NULL: the listed points */
    unsigned jobs;              /* worker threads (>= 1) */
    FILE *checkpoint;           /* borrowed; NULL = none. One line per finished point, flushed */
    sweep_progress_fn progress; /* may be NULL */
    void *progress_ctx;
    double progress_interval_s;
    /* When set (by a signal handler, say) and raised, no further point is
     * started and the points being run are abandoned (not recorded). */
    const volatile sig_atomic_t *stop;
    /* Filled by sweep_run: the events the runs simulated, a measure of the
     * work done that does not depend on the machine, and how long after
     * sweep_run began its last point here was finished (MPI balance: with
     * points handed out as ranks ask, every rank should finish its last
     * at about the same time, whatever its share of the events). */
    uint64_t events;
    double busy_s;
};

/* Runs the listed points on `jobs` threads. Work is handed out by a shared
 * counter and results are stored by point index, so they do not depend on
 * the number of threads. Returns 0; 1 when o->stop was raised before every
 * point was done (res and the checkpoint hold the points that were); or
 * -1 with a message (a point could no longer be loaded, or the checkpoint
 * could not be written). */
int sweep_run(const struct sweep_spec *sp, struct sweep_run_opts *o,
              struct sweep_results *res, char *msg, size_t msg_len);

/* Sample mean and 95 % Student-t half-width t(0.975, n-1) * sd / sqrt(n) of
 * x[0..n). The half-width is NAN when n < 2; both are NAN when any x is. */
void sweep_stats(const double *x, size_t n, double *mean, double *ci95);

/* ---- checkpoints ------------------------------------------------------------------- */

/* First line of a checkpoint: identifies the sweep and the shard
 * (shard_n = 0 when not sharded). buf gets a line without the newline. */
void sweep_checkpoint_header(const struct sweep_spec *sp, size_t shard_k, size_t shard_n,
                             char *buf, size_t len);

/* Reads a checkpoint: checks its header against `header`, loads every
 * complete line into res (marking the points done), ignores a torn last
 * line and sets *valid_len to the bytes to keep. Points outside `wanted`
 * (a flag per point) are an error. Returns 0, or -1 with a message. */
int sweep_checkpoint_read(const struct sweep_spec *sp, const char *path, const char *header,
                          const bool *wanted, struct sweep_results *res, long *valid_len,
                          char *msg, size_t msg_len);

/* ---- result tables, output and merging ----------------------------------------- */

struct sweep_row {
    size_t point;
    char **cells;           /* axis values (owned) */
    double *mean;           /* per metric (owned) */
    double *ci95;           /* per metric (owned) */
    double *run_lo, *run_hi; /* per metric: the per-run interval (owned) */
    bool feasible;
    bool pareto;            /* on the front of the feasible points (objective.pareto) */
    size_t rank;            /* 1 = best; 0 = not ranked (shard) */
    bool tied;              /* feasible and not significantly worse than the best (sweep_rank.c) */
    /* The objective's value, lower is better (the metric's mean, negated
     * when maximised; the balanced score), and its 95 % half-width (NAN
     * without intervals); whole sweeps only (sweep_rank.c). */
    double score, score_ci95;
    /* The first point (in point order) whose every metric's mean and
     * half-width are bit for bit this row's, when it is another point;
     * SIZE_MAX otherwise. Under common random numbers two such points ran
     * the same simulation: what differs between them changes nothing
     * there (sweep_rank.c). Whole sweeps only. */
    size_t same_as;
    /* Per replication, when the run kept them (a whole sweep in one
     * process): the objective's metric and, balanced, its cost metric
     * (rep[0..R) and rep[R..2R)), and the objective's score of each
     * replication (sweep_rank.c); NULL otherwise. Under common random
     * numbers replication r of every point ran with the same seed, so the
     * ties are decided on paired differences. */
    double *rep, *rep_score;
};

/* What is written: everything needed to rank, print and merge, whether it
 * comes from a run or from shard files. */
struct sweep_table {
    char *file;                     /* sweep file (owned) */
    char *scenario;                 /* base scenario (owned) */
    uint64_t id;
    uint64_t seed;
    bool common_random_numbers;
    bool paired_ties;               /* the ties were decided by paired tests (sweep_rank.c) */
    int replications;
    /* The per-run intervals' level asked for, and what R replications
     * achieve: order statistic k, coverage (R+1-2k)/(R+1) (sweep_table_interval). */
    double per_run_level;
    size_t per_run_k;
    double per_run_coverage;
    bool per_run_enough;            /* coverage reaches the level (else [min, max]) */
    size_t n_points_total;
    size_t shard_k, shard_n;        /* shard_n = 0: the whole sweep */
    struct sweep_objective objective;
    struct sweep_input *inputs;     /* what the points read, as sweep_spec (owned) */
    size_t n_inputs;
    char **override_paths;          /* owned */
    char **override_values;
    size_t n_overrides;
    char **columns;                 /* axis paths (owned) */
    size_t n_columns;
    struct sweep_row *rows;         /* in point order (owned) */
    size_t n_rows;
};

/* Builds the table of the listed points (sorted into point order) from a
 * run's results; feasibility and, for a whole sweep, Pareto front and ranks
 * are computed. shard_n = 0 for a whole sweep. */
void sweep_table_build(struct sweep_table *t, const struct sweep_spec *sp,
                       const struct sweep_results *res, const size_t *points, size_t n_points,
                       size_t shard_k, size_t shard_n);
void sweep_table_fini(struct sweep_table *t);
/* Sets per_run_k, _coverage and _enough from replications and per_run_level. */
void sweep_table_interval(struct sweep_table *t);

/* Reads shard files (written by `sweep --shard`), checks that they come from
 * one sweep and cover every point exactly once, and builds the whole table
 * (ranked). Returns 0, or -1 with a message naming the file. */
int sweep_merge(struct sweep_table *t, const char *const *files, size_t n_files,
                char *msg, size_t msg_len);

/* One CSV row per point of the table and replication, in point order: the
 * point, its axis values, the replication, its seed (as `run --seed`
 * takes it) and every headline metric's value. */
void sweep_write_replications_csv(FILE *f, const struct sweep_table *t, const struct sweep_spec *sp,
                                  const struct sweep_results *res);
/* One CSV cell: quoted (quotes doubled) when it holds a comma, a quote, a
 * line break, leading or trailing blanks, or starts with '#'. */
void sweep_csv_cell(FILE *f, const char *s);
/* The CSV: for a shard, '#' lines identifying the sweep come first and the
 * pareto and rank cells are empty. */
void sweep_write_csv(FILE *f, const struct sweep_table *t);
/* The same content as one JSON object. */
void sweep_write_json(FILE *f, const struct sweep_table *t);
/* The readable summary: top 10 by rank, the Pareto front and the best
 * point with a command line that reproduces its first replication. */
void sweep_write_summary(FILE *f, const struct sweep_table *t);

/* A latency percentile that the objective or a constraint uses is read
 * from fewer than this many requests above it per replication (at some
 * point): it is then mostly the largest few values, biased and noisy. */
#define SWEEP_TAIL_MIN 10

/* 1 and a one-line warning (no prefix, no newline) when a percentile the
 * objective or a constraint uses rests on fewer than SWEEP_TAIL_MIN
 * requests above it per replication at some point (the worst point is
 * named); else 0. */
int sweep_tail_warning(const struct sweep_table *t, char *buf, size_t len);

/* The `lambdasim run` command line of the first replication of a point
 * (values quoted for a POSIX shell). Caller frees. */
char *sweep_command_line(const struct sweep_table *t, const struct sweep_row *row);

#ifdef LAMBDASIM_MPI
/* MPI builds: the points handed out by rank 0 as ranks ask (a sweep_feed
 * for sweep_run on every rank). `todo` is the same list on every rank;
 * rank 0 hands out chunks of it, from the front, their size shrinking as
 * the list does (guided self-scheduling: ceil(left / (2 x ranks x jobs)),
 * at most 256), to itself and to every rank that asks; each rank asks when
 * fewer points than its threads are queued. Which rank computes a point
 * changes nothing in the results. A rank that stops (a signal, a failed
 * point) takes no more and says so; rank 0 answers every request until
 * every rank has. */
struct sweep_mpi_feed;
struct sweep_mpi_feed *sweep_mpi_feed_new(const size_t *todo, size_t n_todo, int rank, int size, unsigned jobs);
const struct sweep_feed *sweep_mpi_feed_get(struct sweep_mpi_feed *f);
void sweep_mpi_feed_free(struct sweep_mpi_feed *f);
/* Collects on rank 0 the results of every point another rank computed
 * (each rank sends those it was handed and finished); a collective call. */
void sweep_mpi_gather(struct sweep_results *res, const struct sweep_mpi_feed *f);
#endif

#endif
