/* metrics: streaming moments, exact percentiles, time-weighted levels. */
#include "metrics.h"

#include <assert.h>
#include <math.h>
#include <stdlib.h>
#include <gsl/gsl_sort.h>
#include <gsl/gsl_statistics_double.h>
#include "xalloc.h"

void metrics_sample_init(struct metrics_sample *s, bool keep_values, size_t cap_hint)
{
    s->n = 0;
    s->mean = s->m2 = 0;
    s->min = INFINITY;
    s->max = -INFINITY;
    s->keep_values = keep_values;
    s->cap = 0;
    s->values = NULL;
    if (keep_values)
        s->values = xgrow(NULL, &s->cap, cap_hint, sizeof *s->values);
}

void metrics_sample_fini(struct metrics_sample *s)
{
    free(s->values);
    s->values = NULL;
    s->cap = 0;
}

void metrics_sample_add(struct metrics_sample *s, double x)
{
    s->n++;
    double delta = x - s->mean;
    s->mean += delta / (double)s->n;
    s->m2 += delta * (x - s->mean);
    if (x < s->min)
        s->min = x;
    if (x > s->max)
        s->max = x;
    if (s->keep_values) {
        if (s->n > s->cap)
            s->values = xgrow(s->values, &s->cap, (size_t)s->n, sizeof *s->values);
        s->values[s->n - 1] = x;
    }
}

void metrics_sample_summarize(struct metrics_sample *s, struct metrics_summary *out)
{
    out->n = s->n;
    if (s->n == 0) {
        out->mean = out->stdev = out->min = out->max = NAN;
        out->p50 = out->p90 = out->p95 = out->p99 = out->p999 = NAN;
        return;
    }
    out->mean = s->mean;
    out->stdev = s->n > 1 ? sqrt(s->m2 / (double)(s->n - 1)) : 0;
    out->min = s->min;
    out->max = s->max;
    if (!s->keep_values) {
        out->p50 = out->p90 = out->p95 = out->p99 = out->p999 = NAN;
        return;
    }
    size_t n = (size_t)s->n;
    gsl_sort(s->values, 1, n);
    out->p50 = gsl_stats_quantile_from_sorted_data(s->values, 1, n, 0.50);
    out->p90 = gsl_stats_quantile_from_sorted_data(s->values, 1, n, 0.90);
    out->p95 = gsl_stats_quantile_from_sorted_data(s->values, 1, n, 0.95);
    out->p99 = gsl_stats_quantile_from_sorted_data(s->values, 1, n, 0.99);
    out->p999 = gsl_stats_quantile_from_sorted_data(s->values, 1, n, 0.999);
}

void metrics_level_init(struct metrics_level *l, double start_s)
{
    l->level = 0;
    l->since_s = start_s;
    l->start_s = start_s;
    l->area = 0;
    l->peak = 0;
}

void metrics_level_set(struct metrics_level *l, double t_s, double level)
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

double metrics_level_mean(const struct metrics_level *l, double end_s)
{
    if (!(end_s > l->start_s))
        return 0;
    double from = l->since_s > l->start_s ? l->since_s : l->start_s;
    double area = l->area + (end_s > from ? l->level * (end_s - from) : 0);
    return area / (end_s - l->start_s);
}

double metrics_level_peak(const struct metrics_level *l)
{
    return l->level > l->peak ? l->level : l->peak;
}
