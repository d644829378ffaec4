/* metrics: streaming statistics used by the engine.
 *  - metrics_sample: count, mean, stdev (Welford), min, max, and the raw
 *    values for exact percentiles (8 bytes per value: the only memory that
 *    grows with the number of requests).
 *  - metrics_level: a time-weighted level (instances alive/busy/idle):
 *    integrates level x time between changes, tracks the peak. */
#ifndef LAMBDASIM_METRICS_H
#define LAMBDASIM_METRICS_H

#include <assert.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct metrics_sample {
    uint64_t n;
    double mean;
    double m2;      /* sum of squared deviations (Welford) */
    double min;
    double max;
    bool keep_values;
    double *values; /* owned when keep_values */
    size_t cap;
};

struct metrics_summary {
    uint64_t n;
    double mean, stdev, min, max;
    double p50, p90, p95, p99, p999;   /* NAN when n == 0 or values not kept */
};

void metrics_sample_init(struct metrics_sample *s, bool keep_values, size_t cap_hint);
void metrics_sample_fini(struct metrics_sample *s);
void metrics_sample_add(struct metrics_sample *s, double x);
/* Reorders the kept values in place (so call once, at the end) and fills
 * *out. Percentiles interpolate linearly between order statistics, exactly
 * as gsl_stats_quantile_from_sorted_data does on sorted data; they are found
 * by selection (expected O(n)), not by sorting. */
void metrics_sample_summarize(struct metrics_sample *s, struct metrics_summary *out);

struct metrics_level {
    double level;
    double since_s;     /* time of the last change */
    double start_s;     /* integration starts here (statistics window) */
    double area;        /* integral of level dt from start_s */
    double peak;
};

void metrics_level_init(struct metrics_level *l, double start_s);
/* Level changes to `level` at time t_s (t_s never decreases). Inline: the
 * engine calls it on every instance state change. */
static inline void metrics_level_set(struct metrics_level *l, double t_s, double level)
{
    if (t_s > l->start_s) {
        double from = l->since_s > l->start_s ? l->since_s : l->start_s;
        assert(t_s >= from);
        l->area += l->level * (t_s - from);
    }
    /* The previous level may have been set before the window opened and
     * still be in force inside it; if it is replaced exactly at start_s it
     * never was. */
    if (t_s > l->start_s && l->level > l->peak)
        l->peak = l->level;
    if (t_s >= l->start_s && level > l->peak)
        l->peak = level;
    l->level = level;
    l->since_s = t_s;
}

/* Time average over [start_s, end_s]; 0 for an empty window. */
double metrics_level_mean(const struct metrics_level *l, double end_s);
/* Highest level seen inside the window (including the one in force now). */
double metrics_level_peak(const struct metrics_level *l);

#endif
