/* resultdoc: a result lambdasim wrote as JSON (`sweep --json`, `run
 * --json`), read back for `lambdasim report`. A sweep result keeps what
 * ranks and explains it (objective, inputs with their hashes, every
 * point's metrics, flags and rank); a run result keeps its sections as
 * name/number tables, whatever sections a version writes. */
#ifndef LAMBDASIM_RESULTDOC_H
#define LAMBDASIM_RESULTDOC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "formats/config.h"

enum resultdoc_kind { RESULTDOC_SWEEP = 0, RESULTDOC_RUN };

/* One point of a sweep; metrics indexed as sweep_metric_name (NAN when the
 * file has none, e.g. a point whose runs overloaded). */
struct resultdoc_point {
    size_t point;
    char **values;                  /* per axis, as `--set` takes it: strings plain, else JSON (owned) */
    double *mean, *ci95, *run_lo, *run_hi;  /* owned, sweep_metric_count() each */
    bool feasible, pareto, tied;
    size_t rank;                    /* 1 = best; 0 = not ranked */
    size_t same_as;                 /* SIZE_MAX: none */
};

struct resultdoc_input {
    char *role, *path, *hash;       /* owned */
};

/* A name and its value in a run's section ("p99" 175.45); text when the
 * file gives a string or a boolean (then value is NAN). */
struct resultdoc_field {
    char *name;                     /* owned */
    double value;
    char *text;                     /* owned; NULL for a number */
};

struct resultdoc_section {
    char *name;                     /* "latency_ms", "cost_usd", ... (owned) */
    struct resultdoc_field *fields; /* owned */
    size_t n_fields;
};

struct resultdoc {
    enum resultdoc_kind kind;
    char *path;                     /* the file read (owned) */
    char *version;                  /* lambdasim_version (owned) */
    char *scenario;                 /* sweep: the base scenario's path; run: its name (owned) */
    uint64_t seed;

    /* sweep */
    char *sweep_file, *id;          /* owned */
    bool common_random_numbers;
    int replications;
    double per_run_level, per_run_coverage;
    bool per_run_enough;
    size_t points_total;
    char *ties_test;                /* "paired", "unpaired"; NULL when not said (owned) */
    bool balanced, maximize;        /* objective: minimize (default), maximize or balanced */
    size_t objective_metric;        /* the metric (balanced: the time metric) */
    size_t cost_metric;             /* balanced only */
    double weight;                  /* balanced only */
    char **constraints;             /* "cost_usd.total <= 0.004" (owned) */
    size_t n_constraints;
    bool feasible_on_mean;
    size_t pareto[2];               /* the front's metrics ... */
    bool pareto_max[2];             /* ... and whether each is maximised */
    struct resultdoc_input *inputs; /* owned */
    size_t n_inputs;
    char **override_paths, **override_values;  /* owned (values as `--set` takes them) */
    size_t n_overrides;
    char **axes;                    /* owned */
    size_t n_axes;
    struct resultdoc_point *points; /* owned, in point order */
    size_t n_points;
    size_t *front;                  /* the Pareto front's point numbers (owned) */
    size_t n_front;
    bool have_best;
    size_t best;                    /* point number */
    uint64_t best_seed;
    char *best_command;             /* owned */

    /* run: "run" first (the top-level numbers: throughput_rps), then each
     * object of the file in its order */
    struct resultdoc_section *sections;  /* owned */
    size_t n_sections;
    char **warnings;                /* owned */
    size_t n_warnings;
};

/* Reads `path`, a sweep's or a run's JSON result (told apart by their
 * fields). CONFIG_OK, or a status with "PATH: FIELD: problem" in msg. */
enum config_status config_load_result(const char *path, struct resultdoc *out, char *msg, size_t msg_len);
void resultdoc_fini(struct resultdoc *d);

/* The point with number `point`, or NULL. */
const struct resultdoc_point *resultdoc_find_point(const struct resultdoc *d, size_t point);
/* A run's value of "section.field" (NAN when absent or not a number). */
double resultdoc_run_value(const struct resultdoc *d, const char *section, const char *field);

#endif
