/* keepalive: the hybrid histogram policy's learner (see keepalive.h). */
#include "core/keepalive.h"

#include <assert.h>
#include <math.h>
#include <stdlib.h>
#include "base/xalloc.h"

const char *keepalive_mode_name(enum keepalive_mode m)
{
    switch (m) {
    case KEEPALIVE_MODE_LEARNING: return "learning";
    case KEEPALIVE_MODE_FLAT: return "flat";
    case KEEPALIVE_MODE_OUT_OF_RANGE: return "out_of_range";
    case KEEPALIVE_MODE_HISTOGRAM: return "histogram";
    }
    return "?";
}

/* The standard keep-alive the paper falls back to: nothing unloaded, the
 * instance kept for the histogram's whole range. */
static void fall_back(struct keepalive *k, enum keepalive_mode why)
{
    k->mode = why;
    k->prewarm_s = 0;
    k->keep_alive_s = k->spec->range_s;
}

void keepalive_init(struct keepalive *k, const struct keepalive_spec *spec)
{
    *k = (struct keepalive){ .spec = spec };
    assert(spec->bin_s > 0 && spec->range_s >= 2 * spec->bin_s);
    k->n_bins = (size_t)ceil(spec->range_s / spec->bin_s);
    k->bins = xcalloc(k->n_bins, sizeof *k->bins);
    fall_back(k, KEEPALIVE_MODE_LEARNING);
}

void keepalive_fini(struct keepalive *k)
{
    free(k->bins);
    *k = (struct keepalive){ 0 };
}

size_t keepalive_percentile_bin(const struct keepalive *k, double p)
{
    assert(k->n_in > 0 && p > 0 && p <= 100);
    /* Compared as cum * 100 >= p * n: no division, so an exact share (the
     * 99th of 100 idle times) is not lost to rounding. */
    double want = p * (double)k->n_in;
    uint64_t cum = 0;
    for (size_t i = 0; i < k->n_bins; i++) {
        cum += k->bins[i];
        if ((double)cum * 100.0 >= want)
            return i;
    }
    return k->n_bins - 1;
}

bool keepalive_observe(struct keepalive *k, double idle_s)
{
    const struct keepalive_spec *s = k->spec;
    assert(idle_s >= 0);
    enum keepalive_mode was = k->mode;
    double was_pre = k->prewarm_s, was_keep = k->keep_alive_s;
    /* Bins are [i * bin_s, (i + 1) * bin_s); range_s itself is out of bounds. */
    double b = floor(idle_s / s->bin_s);
    if (idle_s < s->range_s && b < (double)k->n_bins) {
        size_t i = (size_t)b;
        /* (c + 1)^2 - c^2: the sum of squares follows in O(1). */
        k->sum_sq += 2.0 * (double)k->bins[i] + 1.0;
        k->bins[i]++;
        k->n_in++;
    } else {
        k->n_oob++;
    }
    if (k->n_in > 0) {
        /* Sample standard deviation of the bin counts over their mean. */
        double n = (double)k->n_bins, mean = (double)k->n_in / n;
        double var = (k->sum_sq - n * mean * mean) / (n - 1.0);
        k->cv = var > 0 ? sqrt(var) / mean : 0;
    }
    uint64_t total = k->n_in + k->n_oob;
    if (total < (uint64_t)s->min_samples) {
        fall_back(k, KEEPALIVE_MODE_LEARNING);
    } else if ((double)k->n_oob >= s->oob_threshold * (double)total) {
        fall_back(k, KEEPALIVE_MODE_OUT_OF_RANGE);
    } else if (k->n_in == 0 || k->cv < s->cv_threshold) {
        fall_back(k, KEEPALIVE_MODE_FLAT);
    } else {
        /* The head bin's lower edge, the tail bin's upper edge: the windows
         * cover the whole bins the percentiles fall in. The margin loads
         * earlier and keeps longer, as the paper's 10 % does. */
        double head_edge_s = (double)keepalive_percentile_bin(k, s->head_percentile) * s->bin_s;
        double tail_edge_s = (double)(keepalive_percentile_bin(k, s->tail_percentile) + 1) * s->bin_s;
        k->mode = KEEPALIVE_MODE_HISTOGRAM;
        k->prewarm_s = head_edge_s * (1.0 - s->margin);
        k->keep_alive_s = (tail_edge_s - k->prewarm_s) * (1.0 + s->margin);
    }
    return k->mode != was || k->prewarm_s != was_pre || k->keep_alive_s != was_keep;
}
