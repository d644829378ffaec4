/* batchpolicy: the adaptive batching policies of batching.policy
 * (docs/batching-policies.md). aimd moves the batcher's threshold (the
 * dispatch size, "the cap") after each completed batch: up by
 * aimd_increase when the batch's latency was within slo_s, down to
 * floor(cap x aimd_decrease) when it was not (Crankshaw et al., Clipper,
 * NSDI 2017). slo predicts the latency of dispatching the queue now and
 * says when its oldest request's slack runs out. It decides; the engine
 * and its batcher act. No allocation after init. */
#ifndef LAMBDASIM_BATCHPOLICY_H
#define LAMBDASIM_BATCHPOLICY_H

#include <assert.h>
#include <stdbool.h>
#include <stdint.h>
#include "core/model.h"
#include "core/scenario.h"

struct batchpolicy {
    const struct batching_spec *spec;   /* borrowed */
    int cap;                            /* aimd: the dispatch size, 1..max_batch */
    uint64_t increases, decreases;      /* aimd: changes of the cap */
    double *predict_s;                  /* slo: owned, index 1..max_batch; NULL otherwise */
};

/* The latency the slo policy predicts for a batch of n (1 <= n, covered by
 * the model) sent now to a warm instance, in seconds: the model's mean
 * inference time for n plus its mean invoke/network overhead. No cold
 * start, no wait for a client slot, no processor sharing. */
double batchpolicy_predict_warm_s(const struct model_profile *m, int n);

/* spec and m are borrowed for the call (spec for the policy's lifetime).
 * aimd starts the cap at spec->threshold; slo tabulates the prediction for
 * 1..max_batch. */
void batchpolicy_init(struct batchpolicy *p, const struct batching_spec *spec, const struct model_profile *m);
void batchpolicy_fini(struct batchpolicy *p);

/* aimd: one completed batch's latency in seconds (its oldest request's,
 * arrival to response). Within slo_s: cap + aimd_increase, at most
 * max_batch; beyond: floor(cap x aimd_decrease), at least 1. Returns true
 * when the cap changed. */
bool batchpolicy_observe(struct batchpolicy *p, double latency_s);

/* slo: the predicted latency of a batch of n (1 <= n <= max_batch). */
static inline double batchpolicy_predict_s(const struct batchpolicy *p, int n)
{
    assert(p->predict_s != NULL && n >= 1 && n <= p->spec->max_batch);
    return p->predict_s[n];
}

/* slo: when a queue of n whose oldest request arrived at oldest_s must
 * leave: the time at which that request's slack, slo_s minus its wait,
 * falls to the predicted latency of n: oldest_s + slo_s - predict(n). */
static inline double batchpolicy_due_s(const struct batchpolicy *p, double oldest_s, int n)
{
    return oldest_s + p->spec->slo_s - batchpolicy_predict_s(p, n);
}

/* "fixed", "aimd" or "slo". */
const char *batchpolicy_name(enum batch_policy policy);

#endif
