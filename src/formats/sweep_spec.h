/* sweep_spec: the sweep file format's data: what a sweep file says (the
 * base scenario, overrides, axes, replications, objective and constraints)
 * as config_load_sweep (formats/config.h) reads it, and the headline
 * metrics it may name. Running, ranking and writing a sweep are in
 * analysis/sweep.h. */
#ifndef LAMBDASIM_SWEEP_SPEC_H
#define LAMBDASIM_SWEEP_SPEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "base/common.h"

/* Room for a config message plus the sweep file and the point's values. */
#define SWEEP_MSG_MAX 4096
#define SWEEP_REPLICATIONS_MAX 10000
#define SWEEP_POINTS_MAX 10000000

/* ---- headline metrics -------------------------------------------------------- */

/* The one list of a sweep's headline metrics, in CSV column order:
 * X(ID, "dotted name as in run --json", its value in one run's struct
 * engine_result *r). The value is only expanded where the engine's result
 * is known (analysis/sweep_exec.c); a value that cannot be computed
 * (latency with nothing completed) is NAN, where `run --json` prints null. */
#define SWEEP_METRICS(X)                                                                              \
    X(LATENCY_MEAN, "latency_ms.mean", r->latency_ms.n > 0 ? r->latency_ms.mean : (double)NAN)        \
    X(LATENCY_P50, "latency_ms.p50", r->latency_ms.p50)                                               \
    X(LATENCY_P90, "latency_ms.p90", r->latency_ms.p90)                                               \
    X(LATENCY_P95, "latency_ms.p95", r->latency_ms.p95)                                               \
    X(LATENCY_P99, "latency_ms.p99", r->latency_ms.p99)                                               \
    X(THROUGHPUT, "throughput_rps", r->throughput_rps)                                                \
    X(COMPLETED, "requests.completed", (double)r->requests.completed)                                 \
    X(FAILED, "requests.failed", (double)r->requests.failed)                                          \
    X(COLD_STARTS, "cold_starts.count", (double)r->cold_starts.count)                                 \
    X(COLD_FRACTION, "cold_starts.request_fraction", r->cold_starts.request_fraction)                 \
    X(BATCH_SIZE, "batches.mean_size", r->batches.mean_size)                                          \
    X(INSTANCES, "instances.mean_alive", r->instances.mean_alive)                                     \
    X(COLLISIONS, "warmup.collisions", (double)r->warmup.collisions)                                  \
    X(COST, "cost_usd.total", r->cost_usd.total)                                                      \
    X(COST_PER_MILLION, "cost_usd.per_million_requests",                                              \
      r->requests.completed > 0 ? r->cost_usd.total / (double)r->requests.completed * 1e6 : (double)NAN)

enum sweep_metric {
#define SWEEP_METRIC_ENUM(id, name, value) SWEEP_M_##id,
    SWEEP_METRICS(SWEEP_METRIC_ENUM)
#undef SWEEP_METRIC_ENUM
    SWEEP_METRIC_COUNT
};

/* Number of headline metrics (SWEEP_METRIC_COUNT). */
size_t sweep_metric_count(void);
/* Dotted name as in `run --json`, e.g. "latency_ms.p99". */
const char *sweep_metric_name(size_t m);
/* Index of a metric name, or -1. */
int sweep_metric_find(const char *name);
/* The closest metric name to a misspelt one, or NULL (for "did you mean"). */
const char *sweep_metric_suggest(const char *name);

/* ---- objective ------------------------------------------------------------------ */

enum sweep_op { SWEEP_OP_LE = 0, SWEEP_OP_LT, SWEEP_OP_GE, SWEEP_OP_GT };

/* "METRIC OP NUMBER", evaluated on the metric's mean over replications, or
 * (the default, feasible_on_mean false) on the side of its 95 % confidence
 * interval that the bound is about: mean + ci95 against <= and <, mean -
 * ci95 against >= and >, so that a feasible point is one that meets the
 * constraint with confidence, not by the luck of its replications. */
struct sweep_constraint {
    size_t metric;
    enum sweep_op op;
    double bound;
};

struct sweep_objective {
    size_t metric;          /* minimize/maximize; balanced: the time metric */
    bool maximize;
    /* objective.balanced, AWS Lambda Power Tuning's "balanced" strategy:
     * minimise weight x cost / max cost + (1 - weight) x time / max time,
     * the maxima over the sweep's points (metric is the time metric). */
    bool balanced;
    double weight;          /* 0 = time only .. 1 = cost only */
    size_t cost_metric;
    struct sweep_constraint *constraints;   /* owned */
    size_t n_constraints;
    bool feasible_on_mean;  /* objective.feasible_on "mean"; default "bound" */
    /* The Pareto front's two metrics (objective.pareto), each minimised
     * unless pareto_max; default min latency_ms.p99, min cost_usd.total
     * (sweep_objective_default_pareto). */
    size_t pareto[2];
    bool pareto_max[2];
};

/* Sets the default Pareto axes: min latency_ms.p99, min cost_usd.total. */
void sweep_objective_default_pareto(struct sweep_objective *o);
/* Parses one Pareto axis: "METRIC", "min METRIC" or "max METRIC". Returns
 * 0, or -1 with a message. */
int sweep_parse_pareto_axis(const char *text, size_t *metric, bool *maximize, char *msg, size_t msg_len);
/* Writes both axes as "min latency_ms.p99, min cost_usd.total" (what
 * sweep_parse_pareto reads back). */
void sweep_format_pareto(const struct sweep_objective *o, char *buf, size_t len);
/* Parses the text sweep_format_pareto writes. Returns 0, or -1 with a message. */
int sweep_parse_pareto(const char *text, struct sweep_objective *o, char *msg, size_t msg_len);

/* Parses "METRIC OP NUMBER" (OP one of <= < >= >; spaces optional).
 * Returns 0, or -1 with a message naming the problem. */
int sweep_parse_constraint(const char *text, struct sweep_constraint *out, char *msg, size_t msg_len);
/* Writes the canonical text of a constraint ("cost_usd.total <= 0.05"). */
void sweep_format_constraint(const struct sweep_constraint *c, char *buf, size_t len);
/* Checks that no two constraints on one metric exclude each other and that
 * the bounds are finite. Returns 0, or -1 with a message. */
int sweep_check_constraints(const struct sweep_objective *o, char *msg, size_t msg_len);

/* ---- the sweep ------------------------------------------------------------------ */

/* One column of the grid: a scenario field and its values, each kept as the
 * text `--set` would take (JSON, or a plain string). */
struct sweep_axis {
    char *path;             /* owned */
    char *field;            /* where the sweep file sets it, e.g. "zip[0].workload.rate_rps" (owned) */
    char **values;          /* owned, n_values of them */
    size_t n_values;
};

/* One dimension of the grid: a single axis, or a zip group of axes that
 * vary together (all of the same length). Axes [first, first + n_axes). */
struct sweep_dim {
    size_t first;
    size_t n_axes;
    size_t n_values;
};

/* A file the sweep's points read (sweep_prepare): the role it was read as
 * ("scenario", "function.model", "workload.file", ...), the path as first
 * opened, and a hash of its content. */
struct sweep_input {
    char role[64];
    char *path;                     /* owned */
    uint64_t hash;
};

struct sweep_spec {
    char *file;                     /* the sweep file, as given (owned) */
    char *scenario;                 /* base scenario, relative to the working directory (owned) */
    bool have_seed;
    uint64_t seed;                  /* base seed (the scenario's when !have_seed, after prepare) */
    int replications;
    /* Common random numbers: given, or by default on unless an axis
     * varies the workload (the arrivals then differ between points anyway,
     * and points that share seeds would only be correlated). */
    bool common_random_numbers;
    bool crn_by_default;            /* not given: the default decided it */
    char **override_paths;          /* applied to every point before the axes (owned) */
    char **override_values;
    size_t n_overrides;
    struct sweep_axis *axes;        /* CSV columns, in order (owned) */
    size_t n_axes;
    struct sweep_dim *dims;         /* first dimension varies slowest (owned) */
    size_t n_dims;
    size_t n_points;                /* product of the dimensions' lengths */
    struct sweep_objective objective;
    uint64_t id;                    /* identity of the sweep (after prepare) */
    /* After prepare: every input the points read (the base scenario, the
     * models and traces that the scenario, the overrides or the axes name),
     * sorted by role, then hash; the id includes their contents, so shards
     * or a checkpoint computed from other contents do not match. */
    struct sweep_input *inputs;     /* owned */
    size_t n_inputs;
    /* After prepare: the most memory one run of any point keeps (exact
     * latencies at 8 bytes per expected request, a trace's times), and
     * that run's expected requests; 0 before. */
    double run_bytes;
    double run_requests;
    /* Points whose function.memory_mb gives another CPU share than their
     * profile's while the profile has no cpu_bound_fraction (scaled as
     * purely CPU-bound: model_memory_is_guess), and
     * the first such point's memory and profile (sweep_prepare): the CLI
     * warns. */
    size_t memory_guess_points;
    double memory_guess_run_mb, memory_guess_profile_mb;
    char memory_guess_model[128];
};

void sweep_spec_fini(struct sweep_spec *sp);

/* ---- helpers the sweep's files share (config_sweep.c, analysis/sweep_*.c) ---- */

/* Text of one number (sweep_num_text). */
#define SWEEP_NUM_MAX 40

/* Formats msg[len] (nothing when msg is NULL or len 0); newlines become spaces. */
void sweep_msgf(char *msg, size_t len, const char *fmt, ...) PRINTF_LIKE(3, 4);
/* Shortest text that reads back as exactly v ("" for NAN), into buf
 * (SWEEP_NUM_MAX bytes); returns buf. A merge parses these and must rank
 * exactly as the run did. */
const char *sweep_num_text(char *buf, double v);
/* A number cell: empty = NAN. False when s is not a finite number. */
bool sweep_parse_num(const char *s, double *out);
/* Frees s[0..n) and s (NULL is fine). */
void sweep_free_strings(char **s, size_t n);

#endif
