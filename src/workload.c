/* workload: arrival generators. */
#include "workload.h"

#include <assert.h>
#include <math.h>
#include <gsl/gsl_rng.h>
#include "dist.h"

void workload_init(struct workload *w, const struct workload_spec *spec, gsl_rng *rng)
{
    w->spec = spec;
    w->rng = rng;
    w->k = 0;
    w->last_s = spec->start_s;
}

bool workload_next(struct workload *w, double *t_s)
{
    const struct workload_spec *s = w->spec;
    double t;
    switch (s->type) {
    case WORKLOAD_UNIFORM:
        t = s->start_s + (double)w->k / s->rate_rps;
        break;
    case WORKLOAD_POISSON: {
        struct dist gap = { .kind = DIST_EXPONENTIAL, .a = 1.0 / s->rate_rps };
        t = w->last_s + dist_sample(&gap, w->rng);
        break;
    }
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
        t = s->trace_s[w->k];
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
        if (s->trace_len < 2)
            return 0;
        double span = s->trace_s[s->trace_len - 1] - s->trace_s[0];
        return span > 0 ? (double)(s->trace_len - 1) / span : (double)INFINITY;
    }
    }
    return 0;
}
