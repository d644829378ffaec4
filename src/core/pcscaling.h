/* pcscaling: the capacity Application Auto Scaling gives a Lambda alias's
 * provisioned concurrency (platform.provisioned): scheduled actions, which
 * set the scalable target's min and max capacity from a time on, and target
 * tracking of ProvisionedConcurrencyUtilization, whose two CloudWatch alarms
 * scale out after scale_out_datapoints consecutive datapoints above the
 * target and in after scale_in_datapoints below scale_in_ratio x target.
 * It decides the capacity only: the platform allocates the instances and
 * the engine schedules the events (docs/pc-autoscaling.md). */
#ifndef LAMBDASIM_PCSCALING_H
#define LAMBDASIM_PCSCALING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "core/scenario.h"

enum pc_reason {
    PC_REASON_SCHEDULE = 0,     /* a scheduled action moved min or max */
    PC_REASON_ALARM_HIGH,       /* the scale-out alarm */
    PC_REASON_ALARM_LOW         /* the scale-in alarm */
};

struct pcscaling {
    const struct pc_scaling_spec *spec;     /* borrowed */
    int min_capacity, max_capacity;         /* the bounds now (scheduled actions move them) */
    size_t next_action;                     /* the schedule's next entry */
    int high_streak, low_streak;            /* consecutive datapoints past each alarm's threshold */
    double last_out_s, last_in_s;           /* the last scale-out / scale-in (-INFINITY: none) */
    uint64_t datapoints, missing;           /* missing: no invocation in the period, no metric */
    uint64_t scale_outs, scale_ins, actions;
};

void pcscaling_init(struct pcscaling *s, const struct pc_scaling_spec *spec);

/* When the next scheduled action is due; INFINITY when none is left. */
double pcscaling_next_action_s(const struct pcscaling *s);

/* Applies the scheduled action due now (the next one): the bounds become
 * its min and max; returns the capacity wanted, `current` moved into them. */
int pcscaling_apply_action(struct pcscaling *s, int current);

/* The end of a metric period at now_s with its datapoint (have = false:
 * Lambda emitted no metric, nothing was invoked; the alarms see missing
 * data and their streaks restart). current: the configured capacity;
 * allocating: an earlier scale-out is still being allocated (no new
 * activity starts before it completes). Returns the capacity wanted
 * (current: no change) and, when it differs, *reason. */
int pcscaling_datapoint(struct pcscaling *s, double now_s, bool have, double value, int current,
                        bool allocating, enum pc_reason *reason);

const char *pcscaling_reason_name(enum pc_reason r);

#endif
