/* pcscaling: scheduled actions and target tracking (see pcscaling.h). */
#include "core/pcscaling.h"

#include <assert.h>
#include <limits.h>
#include <math.h>

void pcscaling_init(struct pcscaling *s, const struct pc_scaling_spec *spec)
{
    *s = (struct pcscaling){ .spec = spec, .min_capacity = 0, .max_capacity = INT_MAX,
                             .last_out_s = -INFINITY, .last_in_s = -INFINITY };
    if (spec->tracking) {
        s->min_capacity = spec->min_capacity;
        s->max_capacity = spec->max_capacity;
    }
}

double pcscaling_next_action_s(const struct pcscaling *s)
{
    return s->next_action < s->spec->n_schedule ? s->spec->schedule[s->next_action].at_s : (double)INFINITY;
}

static int clamp(const struct pcscaling *s, int v)
{
    return v < s->min_capacity ? s->min_capacity : v > s->max_capacity ? s->max_capacity : v;
}

int pcscaling_apply_action(struct pcscaling *s, int current)
{
    assert(s->next_action < s->spec->n_schedule);
    const struct pc_schedule_entry *en = &s->spec->schedule[s->next_action++];
    s->min_capacity = en->min_capacity;
    s->max_capacity = en->max_capacity;
    s->actions++;
    return clamp(s, current);
}

/* Target tracking's adjustment: the capacity that would have put the metric
 * at the target, current x value / target, rounded up (Application Auto
 * Scaling rounds capacity up so as not to undershoot), within the bounds. */
static int proportional(const struct pcscaling *s, int current, double value)
{
    double want = ceil((double)current * value / s->spec->target_utilization - 1e-9);
    if (want > (double)INT_MAX)
        want = (double)INT_MAX;
    return clamp(s, (int)want);
}

int pcscaling_datapoint(struct pcscaling *s, double now_s, bool have, double value, int current,
                        bool allocating, enum pc_reason *reason)
{
    const struct pc_scaling_spec *sp = s->spec;
    assert(sp->tracking);
    if (!have) {
        /* INSUFFICIENT_DATA: an alarm needs its datapoints in a row. */
        s->missing++;
        s->high_streak = s->low_streak = 0;
        return current;
    }
    s->datapoints++;
    s->high_streak = value > sp->target_utilization ? s->high_streak + 1 : 0;
    s->low_streak = value < sp->scale_in_ratio * sp->target_utilization ? s->low_streak + 1 : 0;
    if (allocating)
        return current;
    if (s->high_streak >= sp->scale_out_datapoints && now_s >= s->last_out_s + sp->scale_out_cooldown_s) {
        int want = proportional(s, current, value);
        if (want > current) {
            s->scale_outs++;
            s->last_out_s = now_s;
            *reason = PC_REASON_ALARM_HIGH;
            return want;
        }
    }
    if (!sp->disable_scale_in && s->low_streak >= sp->scale_in_datapoints
        && now_s >= s->last_in_s + sp->scale_in_cooldown_s) {
        int want = proportional(s, current, value);
        if (want < current) {
            s->scale_ins++;
            s->last_in_s = now_s;
            *reason = PC_REASON_ALARM_LOW;
            return want;
        }
    }
    return current;
}

const char *pcscaling_reason_name(enum pc_reason r)
{
    switch (r) {
    case PC_REASON_SCHEDULE: return "schedule";
    case PC_REASON_ALARM_HIGH: return "alarm_high";
    case PC_REASON_ALARM_LOW: return "alarm_low";
    }
    return "?";
}
