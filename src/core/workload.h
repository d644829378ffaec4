/* workload: arrival-time generators (uniform, poisson, bursty, trace).
 * Times are computed from the request index where possible (uniform,
 * bursty), so long runs do not accumulate rounding drift. */
#ifndef LAMBDASIM_WORKLOAD_H
#define LAMBDASIM_WORKLOAD_H

#include <stdbool.h>
#include <stdint.h>
#include <gsl/gsl_rng.h>
#include "core/dist.h"
#include "core/scenario.h"

struct workload {
    const struct workload_spec *spec;   /* borrowed */
    gsl_rng *rng;                       /* borrowed; poisson and random minute placement */
    struct dist gap;                    /* poisson: exponential gaps, built once */
    uint64_t k;                         /* arrivals generated so far */
    double last_s;
    /* azure2019 minute counts: the minute, arrivals placed in it so far,
     * and (random placement) the last position in it, in [0, 1). */
    size_t minute;
    uint64_t in_minute;
    double u;
};

void workload_init(struct workload *w, const struct workload_spec *spec, gsl_rng *rng);

/* Out of line: every type but poisson (see workload_next). */
bool workload_next_other(struct workload *w, double *t_s);

/* Time of the next arrival (non-decreasing); false when a trace is
 * exhausted. The caller applies duration_s / requests limits. Poisson, the
 * most common generator in long runs, is drawn inline. */
static inline bool workload_next(struct workload *w, double *t_s)
{
    if (w->spec->type != WORKLOAD_POISSON)
        return workload_next_other(w, t_s);
    double t = w->last_s + dist_sample(&w->gap, w->rng);
    w->k++;
    w->last_s = t;
    *t_s = t;
    return true;
}

/* Long-run arrival rate in requests/s (trace: count over its span). */
double workload_mean_rate(const struct workload_spec *spec);

#endif
