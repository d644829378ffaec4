/* model: inference-time lookup, sampling and memory scaling over a loaded
 * cost profile (see model.h). Pure functions; draws go through dist. */
#include "core/model.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>
#include "base/xalloc.h"

double model_cpu_share(double memory_mb)
{
    double m = memory_mb < MODEL_MB_PER_VCPU ? memory_mb : MODEL_MB_PER_VCPU;
    return m / MODEL_MB_PER_VCPU;
}

double model_compute_factor(double profile_mb, double run_mb)
{
    assert(profile_mb > 0 && run_mb > 0);
    return model_cpu_share(profile_mb) / model_cpu_share(run_mb);
}

double model_memory_factor(double profile_mb, double run_mb, double cpu_bound_fraction)
{
    assert(cpu_bound_fraction >= 0 && cpu_bound_fraction <= 1);
    /* f = 1 returns the compute factor exactly (no rounding through 1 - f):
     * profiles without a fraction keep their results bit for bit. */
    if (cpu_bound_fraction == 1)
        return model_compute_factor(profile_mb, run_mb);
    return (1 - cpu_bound_fraction) + cpu_bound_fraction * model_compute_factor(profile_mb, run_mb);
}

bool model_memory_is_guess(const struct model_profile *m, double run_mb)
{
    return !m->has_cpu_bound_fraction && model_cpu_share(m->memory_mb) != model_cpu_share(run_mb);
}

static bool in_table(const struct model_profile *m, int n)
{
    return model_in_table(m, n);
}

bool model_covers(const struct model_profile *m, int max_batch, int *missing)
{
    if (m->has_base)
        return true;
    for (int n = 1; n <= max_batch; n++) {
        if (!in_table(m, n)) {
            if (missing != NULL)
                *missing = n;
            return false;
        }
    }
    return true;
}

void model_scale_compute(struct model_profile *m, double factor)
{
    assert(factor > 0);
    if (m->has_base)
        dist_scale(&m->base_s, factor);
    if (m->has_first_invocation)
        dist_scale(&m->first_invocation_s, factor);
    m->per_item_s *= factor;
    for (int n = 1; n <= m->table_max; n++) {
        if (m->has_size[n])
            dist_scale(&m->by_size[n], factor);
    }
}

double model_mean_inference_s(const struct model_profile *m, int n)
{
    assert(n >= 1);
    if (in_table(m, n))
        return dist_mean(&m->by_size[n]);
    assert(m->has_base);
    return dist_mean(&m->base_s) + m->per_item_s * n;
}

/* dst is overwritten, not freed: model_fini it first if it owns anything. */
void model_copy(struct model_profile *dst, const struct model_profile *src)
{
    *dst = *src;
    dist_copy(&dst->cold_start_s, &src->cold_start_s);
    dist_copy(&dst->restore_s, &src->restore_s);
    dist_copy(&dst->overhead_s, &src->overhead_s);
    dist_copy(&dst->first_invocation_s, &src->first_invocation_s);
    dist_copy(&dst->base_s, &src->base_s);
    dist_copy(&dst->host_dispatch_s, &src->host_dispatch_s);
    dist_copy(&dst->host_start_s, &src->host_start_s);
    dist_copy(&dst->speed_factor, &src->speed_factor);
    dist_copy(&dst->stall_s, &src->stall_s);
    dist_copy(&dst->idle_stall_s, &src->idle_stall_s);
    dist_copy(&dst->wake_probability, &src->wake_probability);
    dist_copy(&dst->wake_s, &src->wake_s);
    dst->by_size = NULL;
    dst->has_size = NULL;
    if (src->table_max > 0) {
        size_t n = (size_t)src->table_max + 1;
        dst->by_size = xcalloc(n, sizeof *dst->by_size);
        dst->has_size = xmalloc(n * sizeof *dst->has_size);
        memcpy(dst->has_size, src->has_size, n * sizeof *dst->has_size);
        for (size_t i = 1; i < n; i++)
            dist_copy(&dst->by_size[i], &src->by_size[i]);
    }
}

void model_fini(struct model_profile *m)
{
    if (m == NULL)
        return;
    dist_fini(&m->cold_start_s);
    dist_fini(&m->restore_s);
    dist_fini(&m->overhead_s);
    dist_fini(&m->first_invocation_s);
    dist_fini(&m->base_s);
    dist_fini(&m->host_dispatch_s);
    dist_fini(&m->host_start_s);
    dist_fini(&m->speed_factor);
    dist_fini(&m->stall_s);
    dist_fini(&m->idle_stall_s);
    dist_fini(&m->wake_probability);
    dist_fini(&m->wake_s);
    if (m->by_size != NULL) {
        for (int n = 1; n <= m->table_max; n++)
            dist_fini(&m->by_size[n]);
    }
    free(m->by_size);
    free(m->has_size);
    memset(m, 0, sizeof *m);
}

void model_fix_speed(struct model_profile *m, double factor)
{
    assert(factor > 0);
    if (m->has_speed)
        dist_fini(&m->speed_factor);
    m->has_speed = true;
    m->speed_factor = dist_constant(factor);
    m->speed_hold_s = INFINITY;
    if (!(m->speed_window_s > 0))
        m->speed_window_s = 1;
}

bool model_costs_are_host(const struct model_profile *m)
{
    return m->has_host && dist_same(&m->cold_start_s, &m->host_start_s);
}
