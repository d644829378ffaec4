/* test_pcscaling: provisioned concurrency that changes during a run
 * (platform.provisioned; docs/pc-autoscaling.md). The controller alone
 * (alarms, streaks, missing data, cooldowns, bounds), then whole runs of
 * the engine on traces with constant costs, where every utilization is an
 * exact ratio of sums of decimals: a schedule that sets N instances at t has
 * them ready at t + ready_delay_s and bills them from t; target tracking
 * scales out at the end of the scale_out_datapoints-th breaching datapoint
 * in a row and not before, and in after scale_in_datapoints low ones, by
 * the proportional rule. Tolerances are rounding only. */
#include <math.h>
#include <stdint.h>
#include "core/engine.h"
#include "core/pcscaling.h"
#include "engine_fixture.h"
#include "testutil.h"

#define EPS_S 1e-6

/* The defaults of platform.provisioned.target_tracking (config.c): AWS's. */
static struct pc_scaling_spec tracking_spec(double target, int min, int max)
{
    return (struct pc_scaling_spec){ .enabled = true, .ready_delay_s = 60, .tracking = true,
                                     .target_utilization = target, .min_capacity = min, .max_capacity = max,
                                     .statistic = PC_STAT_AVERAGE, .period_s = 60, .scale_out_datapoints = 3,
                                     .scale_in_datapoints = 15, .scale_in_ratio = 0.9 };
}

/* ---- the controller --------------------------------------------------------- */

/* Three datapoints above the target in a row scale out, to
 * ceil(current x value / target); two do not. */
static void test_scale_out_after_three(void)
{
    struct pc_scaling_spec sp = tracking_spec(0.7, 1, 100);
    struct pcscaling s;
    enum pc_reason why = PC_REASON_SCHEDULE;
    pcscaling_init(&s, &sp);
    CU_ASSERT_EQUAL(pcscaling_datapoint(&s, 60, true, 0.9, 10, false, &why), 10);
    CU_ASSERT_EQUAL(pcscaling_datapoint(&s, 120, true, 0.9, 10, false, &why), 10);
    CU_ASSERT_EQUAL(s.high_streak, 2);
    CU_ASSERT_EQUAL(pcscaling_datapoint(&s, 180, true, 0.9, 10, false, &why), 13); /* ceil(12.857) */
    CU_ASSERT_EQUAL(why, PC_REASON_ALARM_HIGH);
    CU_ASSERT_EQUAL(s.scale_outs, 1u);
    /* The alarm stays in ALARM: the next breaching datapoint acts again. */
    CU_ASSERT_EQUAL(pcscaling_datapoint(&s, 240, true, 0.8, 13, false, &why), 15); /* ceil(14.857) */
    /* Exactly at the target is not above it. */
    struct pcscaling t;
    pcscaling_init(&t, &sp);
    for (int i = 1; i <= 5; i++)
        CU_ASSERT_EQUAL(pcscaling_datapoint(&t, 60.0 * i, true, 0.7, 10, false, &why), 10);
    CU_ASSERT_EQUAL(t.high_streak, 0);
}

/* A datapoint at or under the target, or a missing one (no metric: nothing
 * was invoked), starts the streak over. */
static void test_streak_restarts(void)
{
    struct pc_scaling_spec sp = tracking_spec(0.7, 1, 100);
    struct pcscaling s;
    enum pc_reason why = PC_REASON_SCHEDULE;
    pcscaling_init(&s, &sp);
    pcscaling_datapoint(&s, 60, true, 1.0, 4, false, &why);
    pcscaling_datapoint(&s, 120, true, 1.0, 4, false, &why);
    CU_ASSERT_EQUAL(pcscaling_datapoint(&s, 180, false, 0, 4, false, &why), 4);
    CU_ASSERT_EQUAL(s.high_streak, 0);
    CU_ASSERT_EQUAL(s.missing, 1u);
    CU_ASSERT_EQUAL(s.datapoints, 2u);
    pcscaling_datapoint(&s, 240, true, 1.0, 4, false, &why);
    CU_ASSERT_EQUAL(pcscaling_datapoint(&s, 300, true, 0.5, 4, false, &why), 4);
    CU_ASSERT_EQUAL(s.high_streak, 0);
    pcscaling_datapoint(&s, 360, true, 1.0, 4, false, &why);
    pcscaling_datapoint(&s, 420, true, 1.0, 4, false, &why);
    CU_ASSERT_EQUAL(pcscaling_datapoint(&s, 480, true, 1.0, 4, false, &why), 6); /* ceil(5.71) */
}

/* Fifteen datapoints below 90 % of the target scale in, proportionally,
 * never under min_capacity; one at 0.63 exactly (not below) restarts it. */
static void test_scale_in_after_fifteen(void)
{
    struct pc_scaling_spec sp = tracking_spec(0.7, 2, 100);
    struct pcscaling s;
    enum pc_reason why = PC_REASON_SCHEDULE;
    pcscaling_init(&s, &sp);
    for (int i = 1; i <= 14; i++)
        CU_ASSERT_EQUAL(pcscaling_datapoint(&s, 60.0 * i, true, 0.35, 10, false, &why), 10);
    CU_ASSERT_EQUAL(pcscaling_datapoint(&s, 900, true, 0.35, 10, false, &why), 5); /* 10 x 0.35 / 0.7 */
    CU_ASSERT_EQUAL(why, PC_REASON_ALARM_LOW);
    CU_ASSERT_EQUAL(s.scale_ins, 1u);
    CU_ASSERT_EQUAL(pcscaling_datapoint(&s, 960, true, 0.01, 5, false, &why), 2); /* min_capacity */
    struct pcscaling t;
    pcscaling_init(&t, &sp);
    for (int i = 1; i <= 20; i++)
        pcscaling_datapoint(&t, 60.0 * i, true, i == 10 ? 0.63 : 0.1, 10, false, &why);
    CU_ASSERT_EQUAL(t.scale_ins, 0u);   /* 10 in a row after the break, not 15 */
    CU_ASSERT_EQUAL(t.low_streak, 10);
    /* disable_scale_in keeps the capacity. */
    sp.disable_scale_in = true;
    struct pcscaling u;
    pcscaling_init(&u, &sp);
    for (int i = 1; i <= 30; i++)
        CU_ASSERT_EQUAL(pcscaling_datapoint(&u, 60.0 * i, true, 0.1, 10, false, &why), 10);
}

/* Cooldowns: no scale-out within scale_out_cooldown_s of the last; no
 * activity while an earlier one is still being allocated; max_capacity. */
static void test_cooldown_and_bounds(void)
{
    struct pc_scaling_spec sp = tracking_spec(0.5, 1, 7);
    sp.scale_out_datapoints = 1;
    sp.scale_out_cooldown_s = 120;
    struct pcscaling s;
    enum pc_reason why = PC_REASON_SCHEDULE;
    pcscaling_init(&s, &sp);
    CU_ASSERT_EQUAL(pcscaling_datapoint(&s, 60, true, 1.0, 2, false, &why), 4);
    CU_ASSERT_EQUAL(pcscaling_datapoint(&s, 120, true, 1.0, 4, false, &why), 4);   /* cooling down */
    CU_ASSERT_EQUAL(pcscaling_datapoint(&s, 180, true, 1.0, 4, true, &why), 4);    /* allocating */
    CU_ASSERT_EQUAL(pcscaling_datapoint(&s, 240, true, 1.0, 4, false, &why), 7);   /* 8, capped at max */
    CU_ASSERT_EQUAL(s.scale_outs, 2u);
}

/* Scheduled actions move the bounds; the capacity follows into them. */
static void test_schedule_bounds(void)
{
    struct pc_schedule_entry e[] = { { 100, 5, 5 }, { 200, 0, 3 }, { 300, 4, 10 } };
    struct pc_scaling_spec sp = { .enabled = true, .ready_delay_s = 60, .schedule = e, .n_schedule = 3 };
    struct pcscaling s;
    pcscaling_init(&s, &sp);
    CU_ASSERT_DOUBLE_EQUAL(pcscaling_next_action_s(&s), 100, 0);
    CU_ASSERT_EQUAL(pcscaling_apply_action(&s, 0), 5);
    CU_ASSERT_EQUAL(pcscaling_apply_action(&s, 5), 3);
    CU_ASSERT_EQUAL(pcscaling_apply_action(&s, 3), 4);
    CU_ASSERT_TRUE(isinf(pcscaling_next_action_s(&s)));
    CU_ASSERT_EQUAL(s.actions, 3u);
}

/* ---- whole runs --------------------------------------------------------------- */

struct pc_events {
    double first_scale_s, ready_s[16];
    int first_from, first_to, first_reason;
    size_t scales, readies, retires, datapoints, missing;
    int high_at[16];    /* high_streak after datapoint k (1-based periods) */
};

static void on_pc_event(void *ctx, const struct engine_event *ev)
{
    struct pc_events *p = ctx;
    if (ev->kind == ENGINE_EV_PC_SCALE) {
        if (p->scales++ == 0) {
            p->first_scale_s = ev->time_s;
            p->first_from = ev->pc.from;
            p->first_to = ev->pc.to;
            p->first_reason = ev->pc.reason;
        }
    } else if (ev->kind == ENGINE_EV_PC_READY) {
        if (p->readies < 16)
            p->ready_s[p->readies] = ev->time_s;
        p->readies++;
    } else if (ev->kind == ENGINE_EV_PC_RETIRE) {
        p->retires++;
    } else if (ev->kind == ENGINE_EV_PC_DATAPOINT) {
        if (p->datapoints < 16)
            p->high_at[p->datapoints] = ev->pc.high_streak;
        p->datapoints++;
        if (!ev->pc.have)
            p->missing++;
    }
}

/* Runs sc, collecting requests and the policy's events. */
static void run_pc(const struct scenario *sc, struct fixture_log *log, struct pc_events *pe,
                   struct engine_result *r)
{
    memset(log, 0, sizeof *log);
    memset(pe, 0, sizeof *pe);
    pe->first_scale_s = -1;
    struct engine_hooks hooks = { .on_request = fixture_on_request, .ctx = log };
    /* Two passes, records then events (one context per hook); the same
     * seed gives the same run, which the totals confirm. */
    engine_run(sc, sc->seed, &hooks, r);
    struct engine_hooks ev_hooks = { .on_event = on_pc_event, .ctx = pe };
    struct engine_result again;
    engine_run(sc, sc->seed, &ev_hooks, &again);
    CU_ASSERT_EQUAL(again.requests.completed, r->requests.completed);
    CU_ASSERT_DOUBLE_EQUAL(again.cost_usd.total, r->cost_usd.total, 0);
}

/* Arrivals every step_s from first_s, n of them. */
static double *steady(size_t n, double first_s, double step_s)
{
    double *t = malloc(n * sizeof *t);
    for (size_t i = 0; i < n; i++)
        t[i] = first_s + (double)i * step_s;
    return t;
}

/* Acceptance: a schedule that sets 3 provisioned instances at t = 100 has
 * them ready at 160 (ready_delay_s 60) and bills them from 100; one at
 * t = 300 takes them back to 1. One request a second, 0.1 s each (the
 * first after a 0.5 s cold start). */
static void test_schedule_ready_and_billed(void)
{
    const size_t n = 400;
    double *t = steady(n, 0.5, 1.0);
    struct scenario sc;
    fixture_scenario(&sc, t, n, 0.5, 0.1);
    free(t);
    struct pc_schedule_entry e[] = { { 100, 3, 3 }, { 300, 1, 1 } };
    sc.platform.provisioned = (struct pc_scaling_spec){ .enabled = true, .ready_delay_s = 60, .schedule = e,
                                                        .n_schedule = 2 };
    struct fixture_log log;
    struct pc_events pe;
    struct engine_result r;
    run_pc(&sc, &log, &pe, &r);
    CU_ASSERT_EQUAL(r.requests.completed, n);
    for (uint64_t i = 0; i < n; i++) {
        const struct request_record *q = fixture_rec(&log, i);
        /* Before 160 nothing provisioned is ready; from 160 on one always is. */
        CU_ASSERT_EQUAL(q->provisioned, q->arrival_s >= 160);
    }
    CU_ASSERT_EQUAL(pe.readies, 3u);
    for (size_t i = 0; i < 3; i++)
        CU_ASSERT_DOUBLE_EQUAL(pe.ready_s[i], 160, EPS_S);
    CU_ASSERT_DOUBLE_EQUAL(pe.first_scale_s, 100, EPS_S);
    CU_ASSERT_EQUAL(pe.first_from, 0);
    CU_ASSERT_EQUAL(pe.first_to, 3);
    CU_ASSERT_EQUAL(pe.first_reason, PC_REASON_SCHEDULE);
    CU_ASSERT_EQUAL(pe.scales, 2u);
    CU_ASSERT_EQUAL(pe.retires, 2u);    /* at 300 two of the three, idle, go */
    CU_ASSERT_EQUAL(r.provisioned.actions, 2u);
    CU_ASSERT_EQUAL(r.provisioned.configured_peak, 3u);
    CU_ASSERT_EQUAL(r.provisioned.configured_end, 1u);
    /* The run ends at 399.6 s; billed to 600 (whole 300 s periods): 3
     * instances 100..300, 1 from 300 to 600. */
    double instance_s = 3 * 200.0 + 1 * 300.0;
    CU_ASSERT_DOUBLE_EQUAL(r.provisioned.instance_s, instance_s, EPS_S);
    CU_ASSERT_DOUBLE_EQUAL(r.provisioned.configured_mean, instance_s / 600.0, 1e-9);
    CU_ASSERT_DOUBLE_EQUAL(r.cost_usd.provisioned, instance_s * 1.0 * sc.pricing.provisioned_usd_per_gb_s, 1e-15);
    /* The one on-demand instance came up for the first request only. */
    CU_ASSERT_EQUAL(r.cold_starts.count, 1u);
    fixture_free(&sc, &log);
}

/* A request every 0.1 s of 0.09 s: the one provisioned instance takes every
 * one (it is idle again 10 ms before the next), so its utilization is 0.9
 * in every full period. A gap in the arrivals sets the streak. */
static struct scenario busy_one(double gap_from_s, double gap_to_s, double until_s)
{
    size_t cap = (size_t)(until_s / 0.1) + 1, n = 0;
    double *t = malloc(cap * sizeof *t);
    for (size_t i = 0; i < cap; i++) {
        double at = (double)i * 0.1 + 0.05;
        if (at < until_s && !(at >= gap_from_s && at < gap_to_s))
            t[n++] = at;
    }
    struct scenario sc;
    fixture_scenario(&sc, t, n, 1.0, 0.09);
    free(t);
    sc.platform.provisioned_concurrency = 1;
    return sc;
}

/* Acceptance: target tracking scales out after the documented number of
 * breaching datapoints (3 one-minute ones) and not before: at 180 s, to
 * ceil(1 x 0.9 / 0.7) = 2; with 5 required, at 300 s. */
static void test_tracking_scale_out_timing(void)
{
    for (int k = 3; k <= 5; k += 2) {
        struct scenario sc = busy_one(0, 0, 400);
        sc.platform.provisioned = tracking_spec(0.7, 1, 10);
        sc.platform.provisioned.scale_out_datapoints = k;
        struct fixture_log log;
        struct pc_events pe;
        struct engine_result r;
        run_pc(&sc, &log, &pe, &r);
        CU_ASSERT_DOUBLE_EQUAL(pe.first_scale_s, 60.0 * k, EPS_S);
        CU_ASSERT_EQUAL(pe.first_from, 1);
        CU_ASSERT_EQUAL(pe.first_to, 2);
        CU_ASSERT_EQUAL(pe.first_reason, PC_REASON_ALARM_HIGH);
        for (int i = 0; i < k; i++)
            CU_ASSERT_EQUAL(pe.high_at[i], i + 1);
        /* The new instance is ready a minute later, not before. */
        CU_ASSERT(pe.readies >= 1);
        CU_ASSERT_DOUBLE_EQUAL(pe.ready_s[0], 60.0 * k + 60, EPS_S);
        for (uint64_t i = 0; i < r.requests.arrived; i++) {
            const struct request_record *q = fixture_rec(&log, i);
            if (q->arrival_s < 60.0 * k + 60)
                CU_ASSERT_TRUE(q->provisioned);   /* one instance took them all */
        }
        fixture_free(&sc, &log);
    }
}

/* Not before: a 40 s gap in the second minute makes its datapoint
 * 0.9 x 20/60 = 0.3, so the three in a row are minutes 3-5 (scale-out at
 * 300 s); a minute with nothing invoked is a missing datapoint (no metric)
 * and also starts over (minutes 4-6: 360 s). */
static void test_tracking_streak_in_a_run(void)
{
    struct scenario sc = busy_one(80, 120, 400);
    sc.platform.provisioned = tracking_spec(0.7, 1, 10);
    struct fixture_log log;
    struct pc_events pe;
    struct engine_result r;
    run_pc(&sc, &log, &pe, &r);
    CU_ASSERT_DOUBLE_EQUAL(pe.first_scale_s, 300, EPS_S);
    CU_ASSERT_EQUAL(pe.high_at[0], 1);
    CU_ASSERT_EQUAL(pe.high_at[1], 0);
    fixture_free(&sc, &log);

    sc = busy_one(120, 180, 400);
    sc.platform.provisioned = tracking_spec(0.7, 1, 10);
    run_pc(&sc, &log, &pe, &r);
    CU_ASSERT_DOUBLE_EQUAL(pe.first_scale_s, 360, EPS_S);
    CU_ASSERT_EQUAL(pe.missing, 1u);
    CU_ASSERT_EQUAL(r.provisioned.missing_datapoints, 1u);
    CU_ASSERT_EQUAL(pe.high_at[1], 2);
    CU_ASSERT_EQUAL(pe.high_at[2], 0);
    fixture_free(&sc, &log);
}

/* Scale-in: 10 provisioned instances, a request every 0.1 s of 0.02 s. MRU
 * routing keeps one instance busy 20 % of the time: utilization 0.02, under
 * 0.63 from the first minute, so at 900 s (15 datapoints) the capacity
 * becomes ceil(10 x 0.02 / 0.7) = 1, billed: 10 x 900 + 1 x (1200 - 900). */
static void test_tracking_scale_in_billed(void)
{
    const size_t n = 10000;
    double *t = steady(n, 0.05, 0.1);
    struct scenario sc;
    fixture_scenario(&sc, t, n, 1.0, 0.02);
    free(t);
    sc.platform.provisioned_concurrency = 10;
    sc.platform.provisioned = tracking_spec(0.7, 1, 10);
    struct fixture_log log;
    struct pc_events pe;
    struct engine_result r;
    run_pc(&sc, &log, &pe, &r);
    CU_ASSERT_DOUBLE_EQUAL(pe.first_scale_s, 900, EPS_S);
    CU_ASSERT_EQUAL(pe.first_from, 10);
    CU_ASSERT_EQUAL(pe.first_to, 1);
    CU_ASSERT_EQUAL(pe.first_reason, PC_REASON_ALARM_LOW);
    CU_ASSERT_EQUAL(r.provisioned.scale_ins, 1u);
    CU_ASSERT_EQUAL(r.provisioned.scale_outs, 0u);
    CU_ASSERT_EQUAL(r.provisioned.configured_end, 1u);
    CU_ASSERT_DOUBLE_EQUAL(r.provisioned.instance_s, 10 * 900.0 + 1 * 300.0, EPS_S);
    CU_ASSERT_EQUAL(r.invocations.provisioned, n);  /* the one left still takes them all */
    CU_ASSERT_EQUAL(r.cold_starts.count, 0u);
    fixture_free(&sc, &log);
}

/* Without platform.provisioned the bill is the fixed one: N x whole periods. */
static void test_fixed_billing_unchanged(void)
{
    const size_t n = 100;
    double *t = steady(n, 0.5, 1.0);
    struct scenario sc;
    fixture_scenario(&sc, t, n, 1.0, 0.1);
    free(t);
    sc.platform.provisioned_concurrency = 4;
    struct fixture_log log;
    struct engine_result r;
    fixture_run(&sc, &log, &r);
    CU_ASSERT_DOUBLE_EQUAL(r.cost_usd.provisioned, 4 * 300.0 * sc.pricing.provisioned_usd_per_gb_s, 1e-15);
    CU_ASSERT_EQUAL(r.provisioned.scale_outs, 0u);
    fixture_free(&sc, &log);
}

static void add_tests(CU_pSuite s)
{
    CU_add_test(s, "controller: scale-out after three breaching datapoints", test_scale_out_after_three);
    CU_add_test(s, "controller: a low or missing datapoint restarts the streak", test_streak_restarts);
    CU_add_test(s, "controller: scale-in after fifteen, proportional, bounded", test_scale_in_after_fifteen);
    CU_add_test(s, "controller: cooldown, allocation in progress, max capacity", test_cooldown_and_bounds);
    CU_add_test(s, "controller: scheduled actions move the bounds", test_schedule_bounds);
    CU_add_test(s, "schedule: ready at t + delay, billed from t", test_schedule_ready_and_billed);
    CU_add_test(s, "tracking: scale-out at the documented datapoint, not before", test_tracking_scale_out_timing);
    CU_add_test(s, "tracking: a low or missing minute restarts the streak", test_tracking_streak_in_a_run);
    CU_add_test(s, "tracking: scale-in after fifteen minutes, billed", test_tracking_scale_in_billed);
    CU_add_test(s, "fixed provisioned concurrency billed as before", test_fixed_billing_unchanged);
}

int main(void)
{
    return testutil_main("pcscaling", add_tests);
}
