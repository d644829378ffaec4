/* workload: arrival generators. */
#include "core/workload.h"

#include <assert.h>
#include <math.h>
#include <gsl/gsl_rng.h>
#include "core/dist.h"

void workload_init(struct workload *w, const struct workload_spec *spec, gsl_rng *rng)
{
    w->spec = spec;
    w->rng = rng;
    w->gap = (struct dist){ .kind = DIST_EXPONENTIAL, .a = spec->type == WORKLOAD_POISSON ? 1.0 / spec->rate_rps : 1 };
    w->k = 0;
    w->last_s = spec->start_s;
    w->minute = 0;
    w->in_minute = 0;
    w->u = 0;
}

/* The next arrival of a per-minute count trace. Random placement draws the
 * minute's sorted uniform points one at a time: given the previous point u
 * and r points left, the next is u + (1 - u) (1 - V^(1/r)) (the minimum of r
 * uniforms on [u, 1)), so no per-minute buffer is needed. */
static bool next_from_counts(struct workload *w, double *t)
{
    const struct workload_spec *s = w->spec;
    while (w->minute < s->n_minutes && w->in_minute >= s->minute_counts[w->minute]) {
        w->minute++;
        w->in_minute = 0;
        w->u = 0;
    }
    if (w->minute >= s->n_minutes)
        return false;
    uint64_t c = s->minute_counts[w->minute];
    double pos;
    if (s->within_minute == MINUTE_RANDOM) {
        double left = (double)(c - w->in_minute);
        w->u += (1.0 - w->u) * (1.0 - pow(gsl_rng_uniform_pos(w->rng), 1.0 / left));
        pos = w->u;
    } else {
        pos = ((double)w->in_minute + 0.5) / (double)c;
    }
    w->in_minute++;
    *t = ((double)w->minute + pos) * 60.0 * s->time_scale;
    return true;
}

bool workload_next_other(struct workload *w, double *t_s)
{
    const struct workload_spec *s = w->spec;
    double t;
    switch (s->type) {
    case WORKLOAD_UNIFORM:
        t = s->start_s + (double)w->k / s->rate_rps;
        break;
    case WORKLOAD_POISSON:
        t = w->last_s + dist_sample(&w->gap, w->rng);
        break;
    case WORKLOAD_BURSTY: {
        uint64_t size = (uint64_t)s->burst_size;
        uint64_t burst = w->k / size, j = w->k % size;
        double period = (double)(size - 1) * s->gap_s + s->burst_pause_s;
        t = s->start_s + (double)burst * period + (double)j * s->gap_s;
        break;
    }
    case WORKLOAD_TRACE:
        if (w->k >= s->trace_len)
            return false;
        if (s->minute_counts != NULL) {
            if (!next_from_counts(w, &t))
                return false;
        } else {
            t = s->trace_s[w->k];
        }
        break;
    default:
        assert(!"unknown workload type");
        return false;
    }
    w->k++;
    w->last_s = t;
    *t_s = t;
    return true;
}

double workload_mean_rate(const struct workload_spec *s)
{
    switch (s->type) {
    case WORKLOAD_UNIFORM:
    case WORKLOAD_POISSON:
        return s->rate_rps;
    case WORKLOAD_BURSTY: {
        double period = (double)(s->burst_size - 1) * s->gap_s + s->burst_pause_s;
        return period > 0 ? (double)s->burst_size / period : (double)INFINITY;
    }
    case WORKLOAD_TRACE: {
        if (s->minute_counts != NULL)
            return (double)s->trace_len / ((double)s->n_minutes * 60.0 * s->time_scale);
        if (s->trace_len < 2)
            return 0;
        double span = s->trace_s[s->trace_len - 1] - s->trace_s[0];
        return span > 0 ? (double)(s->trace_len - 1) / span : (double)INFINITY;
    }
    }
    return 0;
}
