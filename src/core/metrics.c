/* metrics: streaming moments, exact percentiles, time-weighted levels. */
#include "core/metrics.h"

#include <assert.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "base/xalloc.h"

void metrics_sample_init(struct metrics_sample *s, bool keep_values, size_t cap_hint)
{
    s->n = 0;
    s->mean = s->m2 = 0;
    s->min = INFINITY;
    s->max = -INFINITY;
    s->keep_values = keep_values;
    s->cap = 0;
    s->values = NULL;
    s->hist = NULL;
    if (keep_values)
        s->values = xgrow(NULL, &s->cap, cap_hint, sizeof *s->values);
}

/* Bucket geometry, derived once from the constants in metrics.h. */
static double hist_log_gamma(void)
{
    return log((1 + METRICS_HIST_REL_ERR) / (1 - METRICS_HIST_REL_ERR));
}

static size_t hist_buckets(void)
{
    return (size_t)ceil(log(METRICS_HIST_MAX / METRICS_HIST_MIN) / hist_log_gamma()) + 1;
}

void metrics_sample_init_streaming(struct metrics_sample *s)
{
    metrics_sample_init(s, false, 0);
    s->hist_n = hist_buckets();
    s->hist_inv_log_gamma = 1.0 / hist_log_gamma();
    s->hist = xcalloc(s->hist_n, sizeof *s->hist);
}

void metrics_sample_fini(struct metrics_sample *s)
{
    free(s->values);
    free(s->hist);
    s->values = NULL;
    s->hist = NULL;
    s->cap = 0;
}

static size_t hist_index(const struct metrics_sample *s, double x)
{
    if (!(x > METRICS_HIST_MIN))
        return 0;
    double i = ceil(log(x / METRICS_HIST_MIN) * s->hist_inv_log_gamma);
    size_t last = s->hist_n - 1;
    return i >= (double)last ? last : (size_t)i;
}

/* Representative value of bucket i: within the relative error of every
 * value in (g^(i-1), g^i] (scaled by the minimum). */
static double hist_value(size_t i)
{
    double g = exp(hist_log_gamma());
    return METRICS_HIST_MIN * 2.0 * exp((double)i * hist_log_gamma()) / (g + 1.0);
}

/* The k-th smallest value (0-based) as the histogram knows it. */
static double hist_order_stat(const struct metrics_sample *s, uint64_t k)
{
    uint64_t seen = 0;
    for (size_t i = 0; i < s->hist_n; i++) {
        seen += s->hist[i];
        if (seen > k) {
            double v = hist_value(i);
            return v < s->min ? s->min : v > s->max ? s->max : v;
        }
    }
    return s->max;
}

static double hist_quantile(const struct metrics_sample *s, double p)
{
    double index = (double)(s->n - 1) * p;
    uint64_t lhs = (uint64_t)index;
    double delta = index - (double)lhs;
    double lo = hist_order_stat(s, lhs);
    if (lhs + 1 >= s->n)
        return lo;
    return (1 - delta) * lo + delta * hist_order_stat(s, lhs + 1);
}

void metrics_sample_grow(struct metrics_sample *s)
{
    s->values = xgrow(s->values, &s->cap, (size_t)s->n + 1, sizeof *s->values);
}

void metrics_sample_add_streaming(struct metrics_sample *s, double x)
{
    assert(!s->keep_values);
    s->n++;
    double delta = x - s->mean;
    s->mean += delta / (double)s->n;
    s->m2 += delta * (x - s->mean);
    if (x < s->min)
        s->min = x;
    if (x > s->max)
        s->max = x;
    if (s->hist != NULL)
        s->hist[hist_index(s, x)]++;
}

/* Exact mode: mean, sum of squared deviations, min and max of the kept
 * values by the corrected two-pass algorithm (Chan, Golub & LeVeque), in
 * storage order, so the result does not depend on anything but the values. */
static void moments_from_values(struct metrics_sample *s)
{
    const double *v = s->values;
    size_t n = (size_t)s->n;
    double sum = 0, lo = v[0], hi = v[0];
    for (size_t i = 0; i < n; i++) {
        sum += v[i];
        lo = v[i] < lo ? v[i] : lo;
        hi = v[i] > hi ? v[i] : hi;
    }
    double mean = sum / (double)n, ss = 0, corr = 0;
    for (size_t i = 0; i < n; i++) {
        double d = v[i] - mean;
        ss += d * d;
        corr += d;
    }
    s->mean = mean + corr / (double)n;
    s->m2 = ss - corr * corr / (double)n;
    if (s->m2 < 0)
        s->m2 = 0;
    s->min = lo;
    s->max = hi;
}

/* Moves the k-th smallest of v[lo..hi] (inclusive) to v[k], with smaller or
 * equal values before it and greater or equal after it (Hoare partition,
 * median-of-three pivot). */
static void select_kth(double *v, size_t lo, size_t hi, size_t k)
{
    while (hi > lo) {
        size_t mid = lo + (hi - lo) / 2;
        /* median of three to v[mid], guarding against sorted input */
        if (v[mid] < v[lo]) { double t = v[mid]; v[mid] = v[lo]; v[lo] = t; }
        if (v[hi] < v[lo]) { double t = v[hi]; v[hi] = v[lo]; v[lo] = t; }
        if (v[hi] < v[mid]) { double t = v[hi]; v[hi] = v[mid]; v[mid] = t; }
        double pivot = v[mid];
        size_t i = lo, j = hi;
        for (;;) {
            while (v[i] < pivot)
                i++;
            while (pivot < v[j])
                j--;
            if (i >= j)
                break;
            double t = v[i];
            v[i] = v[j];
            v[j] = t;
            i++;
            j--;
        }
        /* v[lo..j] <= pivot <= v[j+1..hi] */
        if (k <= j)
            hi = j;
        else
            lo = j + 1;
    }
}

/* Same value as gsl_stats_quantile_from_sorted_data(sorted v, p): linear
 * interpolation between order statistics floor((n-1)p) and the next, found
 * by selection in v[*from..n). Leaves *from just past the lower one, so
 * callers must ask for non-decreasing p. */
static double quantile_select(double *v, size_t n, size_t *from, double p)
{
    double index = (double)(n - 1) * p;
    size_t lhs = (size_t)index;
    double delta = index - (double)lhs;
    assert(lhs >= *from || lhs + 1 == *from);
    if (lhs >= *from)
        select_kth(v, *from, n - 1, lhs);
    *from = lhs + 1;
    if (lhs == n - 1)
        return v[lhs];
    /* the next order statistic is the minimum of what lies right of lhs */
    double next = v[lhs + 1];
    for (size_t i = lhs + 2; i < n; i++)
        if (v[i] < next)
            next = v[i];
    return (1 - delta) * v[lhs] + delta * next;
}

/* Exact order statistics without reordering the values: one pass counts
 * the values per bucket of [lo, hi] (equal widths, about 16 values each on
 * average, at most SELECT_BUCKETS; the bucket of x never decreases as x
 * grows, so bucket order is value order), the cumulative
 * counts name the bucket holding each wanted rank, a second pass copies the
 * values of those few buckets out, and selection runs on the copies only.
 * Two streaming passes instead of the partitioning passes of quickselect
 * over the whole array, which dominated the end of a long run. ranks[] is
 * ascending. Returns false, writing nothing, for fewer than
 * SELECT_MIN_VALUES values or when those buckets hold more than a quarter
 * of them (very uneven data): the caller then selects in place. */
#define SELECT_BUCKETS 65536u
/* Below this many values, selection in place is as fast and allocates
 * nothing (sweeps summarise many short runs). */
#define SELECT_MIN_VALUES 4096u

static size_t select_bucket(double x, double lo, double scale, size_t nb)
{
    size_t b = (size_t)((x - lo) * scale);
    return b < nb ? b : nb - 1;
}

static bool order_stats_bucketed(const double *v, size_t n, double lo, double hi, const size_t *ranks,
                                 size_t m, double *out)
{
    /* Infinite values, or a range too narrow or too wide for finite
     * bucket arithmetic: select in place. */
    if (n < SELECT_MIN_VALUES)
        return false;
    size_t nb = n / 16 < SELECT_BUCKETS ? n / 16 : SELECT_BUCKETS;
    /* Checked before dividing: hi == lo (all values equal) would divide by
     * zero, which is never meant here (make asan traps it). */
    if (!isfinite(lo) || !isfinite(hi) || !(hi > lo))
        return false;
    double scale = (double)nb / (hi - lo);
    if (!(scale > 0) || !isfinite(scale))
        return false;
    uint32_t *count = xcalloc(nb, sizeof *count);
    for (size_t i = 0; i < n; i++)
        count[select_bucket(v[i], lo, scale, nb)]++;
    /* The bucket of each rank and how many values lie in earlier buckets. */
    size_t bucket[16], below[16];
    assert(m <= 16);
    size_t seen = 0, b = 0;
    for (size_t r = 0; r < m; r++) {
        while (seen + count[b] <= ranks[r]) {
            seen += count[b];
            b++;
        }
        assert(b < nb);
        bucket[r] = b;
        below[r] = seen;
    }
    /* Distinct buckets (ranks ascend, so repeats are adjacent) and where
     * their values go in the copy; count[] becomes the map bucket -> 1 +
     * index of its distinct bucket, 0 for the rest. */
    size_t distinct[16], start[16], fill[16], nd = 0, total = 0;
    for (size_t r = 0; r < m; r++) {
        if (nd > 0 && distinct[nd - 1] == bucket[r])
            continue;
        distinct[nd] = bucket[r];
        start[nd] = fill[nd] = total;
        total += count[bucket[r]];
        nd++;
    }
    if (total > n / 4) {
        free(count);
        return false;
    }
    memset(count, 0, nb * sizeof *count);
    for (size_t d = 0; d < nd; d++)
        count[distinct[d]] = (uint32_t)(d + 1);
    double *copy = xmalloc((total > 0 ? total : 1) * sizeof *copy);
    for (size_t i = 0; i < n; i++) {
        uint32_t d = count[select_bucket(v[i], lo, scale, nb)];
        if (d != 0)
            copy[fill[d - 1]++] = v[i];
    }
    for (size_t r = 0, d = 0; r < m; r++) {
        while (distinct[d] != bucket[r])
            d++;
        size_t len = fill[d] - start[d], k = ranks[r] - below[r];
        assert(k < len);
        select_kth(copy + start[d], 0, len - 1, k);
        out[r] = copy[start[d] + k];
    }
    free(copy);
    free(count);
    return true;
}

void metrics_sample_summarize(struct metrics_sample *s, struct metrics_summary *out)
{
    out->n = s->n;
    if (s->n == 0) {
        out->mean = out->stdev = out->min = out->max = NAN;
        out->p50 = out->p90 = out->p95 = out->p99 = out->p999 = NAN;
        return;
    }
    if (s->keep_values)
        moments_from_values(s);
    out->mean = s->mean;
    out->stdev = s->n > 1 ? sqrt(s->m2 / (double)(s->n - 1)) : 0;
    out->min = s->min;
    out->max = s->max;
    if (s->hist != NULL) {
        out->p50 = hist_quantile(s, 0.50);
        out->p90 = hist_quantile(s, 0.90);
        out->p95 = hist_quantile(s, 0.95);
        out->p99 = hist_quantile(s, 0.99);
        out->p999 = hist_quantile(s, 0.999);
        return;
    }
    if (!s->keep_values) {
        out->p50 = out->p90 = out->p95 = out->p99 = out->p999 = NAN;
        return;
    }
    static const double probs[5] = { 0.50, 0.90, 0.95, 0.99, 0.999 };
    double q[5];
    size_t n = (size_t)s->n;
    /* The order statistics the five need (floor((n-1)p) and the next),
     * ascending and without repeats: p99's upper one can lie above p999's
     * lower one. */
    size_t ranks[10], m = 0;
    for (int i = 0; i < 5; i++) {
        size_t lhs = (size_t)((double)(n - 1) * probs[i]);
        for (size_t r = lhs; r <= lhs + 1 && r < n; r++) {
            size_t k = m;
            while (k > 0 && ranks[k - 1] > r)
                k--;
            if (k > 0 && ranks[k - 1] == r)
                continue;
            memmove(ranks + k + 1, ranks + k, (m - k) * sizeof *ranks);
            ranks[k] = r;
            m++;
        }
    }
    double os[10];
    /* Small samples (and uneven ones, see order_stats_bucketed) select in
     * place. */
    if (order_stats_bucketed(s->values, n, s->min, s->max, ranks, m, os)) {
        /* The same interpolation as quantile_select. */
        for (int i = 0; i < 5; i++) {
            double index = (double)(n - 1) * probs[i];
            size_t lhs = (size_t)index, k = 0;
            while (ranks[k] != lhs)
                k++;
            double delta = index - (double)lhs;
            q[i] = lhs == n - 1 ? os[k] : (1 - delta) * os[k] + delta * os[k + 1];
        }
    } else {
        /* Quantiles in increasing order: each selection only partitions the
         * part of the array right of the previous one, so all five cost
         * about as much as two quickselects instead of a full sort. */
        size_t from = 0;
        for (int i = 0; i < 5; i++)
            q[i] = quantile_select(s->values, n, &from, probs[i]);
    }
    out->p50 = q[0];
    out->p90 = q[1];
    out->p95 = q[2];
    out->p99 = q[3];
    out->p999 = q[4];
}

void metrics_level_init(struct metrics_level *l, double start_s)
{
    l->level = 0;
    l->since_s = start_s;
    l->start_s = start_s;
    l->area = 0;
    l->peak = 0;
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
