/* calibrate: the fitting behind `lambdasim calibrate`. Reads Lambda logs and
 * client logs, joins them by request id and fits a model profile: cold
 * start, SnapStart restore, inference against batch size, overhead and
 * (optionally) the CPU-bound fraction across memory sizes. Nothing is
 * printed to stdout or stderr: the summary and the profile go to a FILE the
 * caller names, and the command line chooses the exit code. */
#ifndef LAMBDASIM_CALIBRATE_H
#define LAMBDASIM_CALIBRATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include "analysis/fit.h"
#include "formats/lambdalog.h"

/* A message buffer large enough for every message of this module. */
#define CALIBRATE_MSG_MAX 4096
#define CALIBRATE_MIN_SAMPLES_DEFAULT 30
/* Fewest invocations whose mean stands for one memory size in the memory fit. */
#define CALIBRATE_MIN_PER_MEMORY_SIZE 3

struct calibrate_opts {
    const char *const *logs;    /* borrowed: Lambda and client logs, told apart by lambdalog_is_client_log */
    size_t n_logs;
    int memory_mb;              /* 0: not given; with fit_memory the reference memory */
    bool fit_memory;            /* fit cpu_bound_fraction across the logs' memory sizes */
    size_t min_samples;         /* fewest values a fit may use (>= 3) */
    int batch_size;             /* 0: not given; else the batch size of invocations the logs leave unknown */
};

/* Points of an empirical distribution written for values no positive
 * family fits: the 0th, 1st, ..., 100th percentiles. */
#define CALIBRATE_EMPIRICAL_POINTS 101
/* One fitted quantity: a constant when every value is equal; the
 * empirical distribution (its percentiles) when some values are 0, which
 * no positive family fits (an overhead below the log's 0.01 ms
 * resolution), or when the KS test rejects even the best family at 5 %
 * (a mixture such as warm Durations with slower first invocations); else
 * the three families and the one AIC chose. */
struct calibrate_fitted {
    const char *what;           /* "cold_start_ms", ... (static) */
    size_t n;
    bool constant;              /* every value equal: no family fits */
    double value;               /* the constant */
    bool empirical;             /* percentiles[] instead of a family */
    size_t n_zero;              /* how many values were 0 */
    double ks_critical;         /* empirical for a rejected family: the 5 % critical D it exceeded */
    double percentiles[CALIBRATE_EMPIRICAL_POINTS];
    struct fit_dist fits[FIT_FAMILY_COUNT];
    size_t best;
    double median, median_lo, median_hi;
    double median_coverage;     /* exact coverage of [median_lo, median_hi] */
    double mean;
};

/* fit_memory: the mean Duration at each memory size (ascending) and the
 * Amdahl fit through the reference size's mean. */
struct calibrate_memory_fit {
    size_t n_sizes, n_inv;
    double *mb, *mean_ms;       /* owned */
    size_t *count;              /* owned */
    struct fit_amdahl fit;
};

/* Duration against batch size: a regression when the batch sizes differ,
 * else the distribution of Duration at the one size. */
/* The rank-sum z a first-invocation excess needs to be modelled: 3.09,
 * the normal's one-sided 0.1 % point (a profile should not gain a term
 * from noise). */
#define CALIBRATE_FIRST_Z 3.09

struct calibrate_inference {
    size_t n, pings, timed_out, errored, unknown;
    int min_size, max_size;
    bool regression;
    struct fit_line line;
    struct calibrate_fitted base; /* of y - per_item x (regression) or of y (one size) */
    bool base_normal;           /* residual base as a truncated normal */
    double per_item_ms;         /* the slope, clamped at 0 */
    bool per_item_clamped;
    /* An instance's first invocation: cold invocations' Duration minus the
     * warm fit at their batch size. With enough of both (--min-samples
     * each) the warm ones alone are fitted above; when the cold ones'
     * residuals rank significantly above the warm ones' (Wilcoxon-Mann-
     * Whitney, z > CALIBRATE_FIRST_Z: robust to the skew of durations,
     * where a t test is not) and their mean excess is positive, that excess
     * is the profile's first_invocation_ms (negative values as 0), else
     * the cold ones are fitted with the warm ones as before. */
    size_t n_first;             /* cold invocations compared (0: not enough to try) */
    double first_mean_ms, first_sd_ms, first_z;
    bool first;                 /* first_invocation_ms is written */
    struct calibrate_fitted first_fit;
};

struct calibrate_result {
    struct lambdalog log;       /* the invocations fitted (at the reference memory) */
    struct lambdalog_client cl; /* the client rows */
    size_t n_lambda_files;
    char **skipped;             /* owned: one message per Lambda log without REPORT lines, skipped */
    size_t n_skipped;
    size_t joined, unmatched;   /* client rows joined to an invocation by request id, and not */
    bool have_cold;             /* false: a SnapStart log without Init Duration */
    struct calibrate_fitted cold;
    size_t n_restores;
    struct calibrate_fitted restore;
    struct calibrate_inference inf;
    bool have_overhead;         /* a client log was given */
    struct calibrate_fitted overhead;
    size_t n_cold_rt;           /* cold invocations with a client round trip */
    double cold_excess_ms;      /* sum over them of round trip - Init Duration - Duration */
    bool memory_fitted;         /* opts.fit_memory */
    struct calibrate_memory_fit mf;
};

enum calibrate_status {
    CALIBRATE_OK = 0,
    CALIBRATE_BAD_INPUT,        /* unreadable or inconsistent logs, too few samples, nothing to fit */
};

/* calibrate_read then calibrate_fit. Returns CALIBRATE_OK with *out
 * filled, or CALIBRATE_BAD_INPUT with a one-line message (naming the file
 * and line where there is one) in msg. Free *out with calibrate_result_fini
 * in every case; out->skipped holds warnings in either case. */
enum calibrate_status calibrate_run(const struct calibrate_opts *o, struct calibrate_result *out, char *msg,
                                    size_t len);

/* The two halves of calibrate_run, for a caller that checks something
 * between reading and fitting (the command line refuses an output file
 * that names an input before any fit can fail). calibrate_read initialises
 * *out and reads every log; calibrate_fit fits *r as calibrate_read left
 * it, once (it narrows r->log to the fitted memory and fills in batch
 * sizes from the client log). */
enum calibrate_status calibrate_read(const struct calibrate_opts *o, struct calibrate_result *out, char *msg,
                                     size_t len);
enum calibrate_status calibrate_fit(const struct calibrate_opts *o, struct calibrate_result *r, char *msg,
                                    size_t len);

/* Frees what *r owns; safe on a zeroed result and twice. */
void calibrate_result_fini(struct calibrate_result *r);

/* The plain-text report of a fit (what the command prints). */
void calibrate_print_summary(FILE *f, const struct calibrate_opts *o, const struct calibrate_result *r);

/* The model profile (JSON) named name, with the fit quality and sample
 * counts under notes.calibration; o->logs are listed as its inputs. Write
 * errors show in ferror(f). */
void calibrate_write_profile(FILE *f, const char *name, const struct calibrate_opts *o,
                             const struct calibrate_result *r);

#endif
