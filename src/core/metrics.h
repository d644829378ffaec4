/* metrics: streaming statistics used by the engine.
 *  - metrics_sample: count, mean, stdev, min, max, and either the
 *    raw values for exact percentiles (8 bytes per value: the only memory
 *    that grows with the number of requests) or, in streaming mode, a
 *    log-bucketed histogram of fixed size whose percentiles are within
 *    METRICS_HIST_REL_ERR of the exact ones.
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
    double mean;    /* moments, min and max: kept up to date only when */
    double m2;      /* values are not kept (sum of squared deviations, */
    double min;     /* Welford); in exact mode summarize derives them */
    double max;
    bool keep_values;
    double *values; /* owned when keep_values */
    size_t cap;
    uint64_t *hist; /* owned in streaming mode: counts per bucket */
    size_t hist_n;  /* number of buckets */
    double hist_inv_log_gamma;
};

/* Streaming percentiles: bucket i holds values in (g^(i-1), g^i] with
 * g = (1 + e) / (1 - e), e = METRICS_HIST_REL_ERR, and reports 2 g^i / (g + 1),
 * which is within e of every value in the bucket (the DDSketch bound).
 * Interpolating two such estimates keeps the bound, so percentiles are
 * within e relative of the exact interpolated ones. Values from
 * METRICS_HIST_MIN to METRICS_HIST_MAX are bucketed (smaller ones count in
 * the lowest bucket, larger in the highest); results are clamped to the
 * exact min and max. About 330 KB whatever the number of values. */
#define METRICS_HIST_REL_ERR 0.0005
#define METRICS_HIST_MIN 1e-6
#define METRICS_HIST_MAX 1e12

struct metrics_summary {
    uint64_t n;
    double mean, stdev, min, max;
    double p50, p90, p95, p99, p999;   /* NAN when n == 0 or neither values
                                          nor histogram are kept */
};

void metrics_sample_init(struct metrics_sample *s, bool keep_values, size_t cap_hint);
/* Streaming mode: moments plus the histogram; memory independent of n. */
void metrics_sample_init_streaming(struct metrics_sample *s);
void metrics_sample_fini(struct metrics_sample *s);
/* Out of line: the rarely taken parts of metrics_sample_add (growing the
 * kept values; the moments and histogram when values are not kept). */
void metrics_sample_grow(struct metrics_sample *s);
void metrics_sample_add_streaming(struct metrics_sample *s, double x);

/* Adds one value. Inline: called once per request. In exact mode only the
 * value is stored; the moments, min and max come from the stored values at
 * the end (two-pass, more accurate than a running update and off the
 * per-request path). Otherwise: Welford moments, and the value's bucket in
 * streaming mode. */
static inline void metrics_sample_add(struct metrics_sample *s, double x)
{
    if (s->keep_values) {
        if (s->n == s->cap)
            metrics_sample_grow(s);
        s->values[s->n++] = x;
        return;
    }
    metrics_sample_add_streaming(s, x);
}

/* Fills *out; may reorder the kept values (so call once, at the end).
 * Percentiles interpolate linearly between order statistics, exactly as
 * gsl_stats_quantile_from_sorted_data does on sorted data; they are found
 * in O(n) (bucketing, or selection in place for small or uneven samples),
 * not by sorting. In streaming mode the same order statistics are read
 * from the histogram. */
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
