/* replicate: one scenario run R times with seeds derived from one master
 * seed, and what a reader of a single short run needs besides the mean:
 * per metric, the mean over replications with its 95 % Student-t interval,
 * and the per-run interval, the spread of single runs (distribution-free
 * order statistics, as validate's), which says whether one observed run is
 * normal. Behind `lambdasim run --replications R`. Prints nothing. */
#ifndef LAMBDASIM_REPLICATE_H
#define LAMBDASIM_REPLICATE_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "core/scenario.h"

enum replicate_metric {
    REPLICATE_MEAN = 0, REPLICATE_P50, REPLICATE_P90, REPLICATE_P99, REPLICATE_MAX, REPLICATE_THROUGHPUT,
    REPLICATE_COLD_STARTS, REPLICATE_COLD_FRACTION, REPLICATE_MEAN_BUSY, REPLICATE_PING_COLLISIONS,
    REPLICATE_COST, REPLICATE_METRIC_COUNT
};

/* "latency_mean_ms", ...: the keys of the JSON output. */
extern const char *const replicate_metric_key[REPLICATE_METRIC_COUNT];
/* "latency mean (ms)", ...: the table's labels. */
extern const char *const replicate_metric_label[REPLICATE_METRIC_COUNT];

struct replicate_row {
    double mean, half;          /* mean over replications, 95 % Student-t half-width (0 when R = 1) */
    double run_lo, run_hi;      /* order statistics k and R+1-k of the single-run values */
    size_t n;                   /* replications where the metric exists (a run with no completed
                                   request has no latency) */
    size_t above_zero;          /* replications where it is > 0: e.g. how many runs a warm-up
                                   collision or a cold start degraded */
};

struct replicate_result {
    size_t replications;
    double level, coverage;     /* the per-run interval: asked for, achieved ((R+1-2k)/(R+1)) */
    size_t k;
    bool enough;                /* false: too few replications for the level; [min, max] */
    struct replicate_row m[REPLICATE_METRIC_COUNT];
    uint64_t requests;          /* completed, over all replications */
    int stop_signal;            /* REPLICATE_INTERRUPTED: the value *stop had */
};

enum replicate_status { REPLICATE_OK = 0, REPLICATE_FAILED, REPLICATE_INTERRUPTED };

/* Runs sc with seeds rng_derive_seed(seed, r), r = 0..R-1 (R >= 1; level in
 * (0, 1)). Returns REPLICATE_OK; REPLICATE_FAILED with a message when a run
 * overloads or no replication completes a request; REPLICATE_INTERRUPTED
 * when *stop became non-zero. */
enum replicate_status replicate_run(const struct scenario *sc, uint64_t seed, size_t replications, double level,
                                    const volatile sig_atomic_t *stop, struct replicate_result *out, char *msg,
                                    size_t len);

#endif
