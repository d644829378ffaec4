/* batchpolicy: AIMD control of the batch size and slack-based dispatch
 * against a latency objective (batching.policy). */
#include "core/batchpolicy.h"

#include <math.h>
#include <stdlib.h>
#include "base/xalloc.h"

double batchpolicy_predict_warm_s(const struct model_profile *m, int n)
{
    return model_mean_inference_s(m, n) + dist_mean(&m->overhead_s);
}

void batchpolicy_init(struct batchpolicy *p, const struct batching_spec *spec, const struct model_profile *m)
{
    assert(spec->threshold >= 1 && spec->threshold <= spec->max_batch);
    p->spec = spec;
    p->cap = spec->threshold;
    p->increases = p->decreases = 0;
    p->predict_s = NULL;
    if (spec->policy == BATCH_POLICY_SLO) {
        p->predict_s = xmalloc(((size_t)spec->max_batch + 1) * sizeof *p->predict_s);
        p->predict_s[0] = 0;
        for (int n = 1; n <= spec->max_batch; n++)
            p->predict_s[n] = batchpolicy_predict_warm_s(m, n);
    }
}

void batchpolicy_fini(struct batchpolicy *p)
{
    free(p->predict_s);
    p->predict_s = NULL;
}

bool batchpolicy_observe(struct batchpolicy *p, double latency_s)
{
    const struct batching_spec *s = p->spec;
    assert(s->policy == BATCH_POLICY_AIMD);
    int cap = p->cap;
    if (latency_s <= s->slo_s) {
        cap = cap > s->max_batch - s->aimd_increase ? s->max_batch : cap + s->aimd_increase;
    } else {
        /* The 1e-9 keeps a product that should be whole (20 x 0.9) from
         * flooring one below through the rounding of the factor. */
        double d = floor((double)cap * s->aimd_decrease + 1e-9);
        cap = d < 1 ? 1 : (int)d;
    }
    if (cap == p->cap)
        return false;
    if (cap > p->cap)
        p->increases++;
    else
        p->decreases++;
    p->cap = cap;
    return true;
}

const char *batchpolicy_name(enum batch_policy policy)
{
    switch (policy) {
#define BATCH_POLICY_NAME(id, name) \
    case BATCH_POLICY_##id: return name;
        BATCH_POLICIES(BATCH_POLICY_NAME)
#undef BATCH_POLICY_NAME
    }
    return "?";
}
