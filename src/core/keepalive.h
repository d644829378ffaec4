/* keepalive: the hybrid histogram keep-alive policy of Shahrad et al.,
 * "Serverless in the Wild", USENIX ATC 2020 (docs/keepalive.md). It learns
 * the function's idle times (end of one invocation to the start of the
 * next, the whole function counted as one application) in a histogram of
 * fixed bins, and from it decides two windows: how long after an invocation
 * ends to load an instance again (pre-warm) and how long to keep it loaded.
 * It decides; the platform and the engine act. No allocation after init. */
#ifndef LAMBDASIM_KEEPALIVE_H
#define LAMBDASIM_KEEPALIVE_H

#include <stddef.h>
#include <stdint.h>
#include "core/scenario.h"

/* Why the windows are what they are. ORDER: keepalive_mode_name. */
enum keepalive_mode {
    KEEPALIVE_MODE_LEARNING = 0,    /* fewer than min_samples idle times: fall back */
    KEEPALIVE_MODE_FLAT,            /* bin counts' CV below cv_threshold: fall back */
    KEEPALIVE_MODE_OUT_OF_RANGE,    /* too many idle times beyond range_s: fall back */
    KEEPALIVE_MODE_HISTOGRAM        /* windows from the head and tail percentiles */
};

struct keepalive {
    const struct keepalive_spec *spec;  /* borrowed */
    uint64_t *bins;                     /* owned; n_bins counts of idle times */
    size_t n_bins;
    uint64_t n_in, n_oob;               /* idle times in range / beyond range_s */
    double sum_sq;                      /* sum of the squared bin counts (for the CV) */
    double cv;                          /* bin counts' coefficient of variation (0 while none in range) */
    enum keepalive_mode mode;
    double prewarm_s;                   /* unload at the end, load again this much later (0: stay) */
    double keep_alive_s;                /* then keep the instance loaded this long */
};

/* Allocates the bins: ceil(range_s / bin_s) of them (config bounds it).
 * spec is borrowed for the learner's lifetime. Starts in LEARNING with the
 * fall-back windows: no pre-warm, keep alive range_s. */
void keepalive_init(struct keepalive *k, const struct keepalive_spec *spec);
void keepalive_fini(struct keepalive *k);

/* One idle time of the application, in seconds (>= 0): counted, and the
 * windows and mode recomputed. O(n_bins); returns true when the mode or a
 * window changed. */
bool keepalive_observe(struct keepalive *k, double idle_s);

/* The idle-time percentile p (0 < p <= 100) as a bin index: the first bin
 * whose cumulative count reaches p % of the in-range idle times. Needs n_in > 0. */
size_t keepalive_percentile_bin(const struct keepalive *k, double p);

const char *keepalive_mode_name(enum keepalive_mode m);

#endif
