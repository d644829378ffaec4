/* explain: the narrated event log and the diagnosis of the latency tail.
 * Narration is built from the engine's event hook alone; the diagnosis from
 * the per-request records (kept for counted requests only) plus the little
 * the records do not carry (when each batch first tried an instance). */
#include "analysis/explain.h"

#include <assert.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "core/batchpolicy.h"
#include "core/dist.h"
#include "core/keepalive.h"
#include "core/metrics.h"
#include "core/pcscaling.h"
#include "base/xalloc.h"

enum {
    REQ_OK = 1,         /* completed */
    REQ_COLD = 2,
    REQ_TIMED_OUT = 4,
    REQ_THROTTLED = 8,  /* throttled at least once (retried or failed) */
    REQ_BATCHED = 16,   /* waited in the batching queue */
    REQ_REJECTED = 32   /* turned away: the client queue was full */
};

/* What the diagnosis needs of one counted request. */
struct ex_req {
    double latency_ms;
    double part_ms[EXPLAIN_N_CAUSES];   /* time each cause added to latency_ms */
    double batch_ms;                    /* queue wait, whether in latency_ms or not */
    unsigned flags;
};

struct ex_batch {
    double dispatch_s;
    double first_try_s;     /* first attempt at an instance (after the client gate) */
    bool tried;
};

struct explain {
    FILE *out;
    const struct scenario *sc;
    struct explain_opts o;
    uint64_t events, narrated;
    double *idle_since_s;           /* by instance uid */
    size_t n_inst, cap_inst;
    struct ex_batch *batch;         /* by batch id */
    size_t n_batch, cap_batch;
    struct ex_req *req;             /* counted requests, in completion order */
    size_t n_req, cap_req;
    /* Latencies of the batch whose records arrived just before its COMPLETE. */
    double done_min_ms, done_max_ms;
    int done_n;
    uint32_t peak_busy;
    uint64_t throttled_concurrency, throttled_scaling;
};

/* ---- bookkeeping -------------------------------------------------------- */

static double *idle_slot(struct explain *x, int64_t uid)
{
    size_t i = (size_t)uid;
    if (i >= x->n_inst) {
        x->idle_since_s = xgrow(x->idle_since_s, &x->cap_inst, i + 1, sizeof *x->idle_since_s);
        for (size_t k = x->n_inst; k <= i; k++)
            x->idle_since_s[k] = 0;
        x->n_inst = i + 1;
    }
    return &x->idle_since_s[i];
}

static struct ex_batch *batch_slot(struct explain *x, uint64_t id)
{
    size_t i = (size_t)id;
    if (i >= x->n_batch) {
        x->batch = xgrow(x->batch, &x->cap_batch, i + 1, sizeof *x->batch);
        for (size_t k = x->n_batch; k <= i; k++)
            x->batch[k] = (struct ex_batch){ 0 };
        x->n_batch = i + 1;
    }
    return &x->batch[i];
}

struct explain *explain_create(FILE *out, const struct scenario *sc, const struct explain_opts *o)
{
    struct explain *x = xcalloc(1, sizeof *x);
    x->out = out;
    x->sc = sc;
    x->o = *o;
    /* Provisioned instances (uids 0 .. P-1) are idle from t = 0. */
    if (sc->platform.provisioned_concurrency > 0)
        (void)idle_slot(x, sc->platform.provisioned_concurrency - 1);
    return x;
}

void explain_destroy(struct explain *x)
{
    if (x == NULL)
        return;
    free(x->idle_since_s);
    free(x->batch);
    free(x->req);
    free(x);
}

/* ---- narration ---------------------------------------------------------- */

static const char *plural(long long n)
{
    return n == 1 ? "" : "s";
}

/* "request 4" or "requests 4-5". */
static void requests_text(char *buf, size_t len, uint64_t first, int n)
{
    if (n <= 1)
        snprintf(buf, len, "request %llu", (unsigned long long)first);
    else
        snprintf(buf, len, "requests %llu-%llu", (unsigned long long)first,
                 (unsigned long long)(first + (uint64_t)n - 1));
}

static void narrate_collision(struct explain *x, const struct engine_event *ev)
{
    fprintf(x->out, "; COLLISION: %u warm-up ping%s holding %s", ev->pings_busy,
            ev->pings_busy == 1 ? " was" : "s were", ev->pings_busy == 1 ? "an instance" : "instances");
}

static void narrate_dispatch(struct explain *x, const struct engine_event *ev)
{
    const struct batching_spec *b = &x->sc->batching;
    char who[64];
    requests_text(who, sizeof who, ev->request_id, ev->batch_size);
    fprintf(x->out, "batch %llu dispatched with %s: ", (unsigned long long)ev->batch_id, who);
    switch (ev->reason) {
    case BATCH_BY_THRESHOLD:
        if (b->policy == BATCH_POLICY_AIMD)
            fprintf(x->out, "cap reached (%d queued = the AIMD cap)", ev->batch_size);
        else
            fprintf(x->out, "threshold reached (%d queued = batching.threshold)", ev->batch_size);
        break;
    case BATCH_BY_SIZE:
        if (b->max_batch == 1)
            fputs("no batching (batching.max_batch = 1: every request is sent at once)", x->out);
        else
            fprintf(x->out, "size cap (the batch is full at batching.max_batch = %d)", b->max_batch);
        break;
    case BATCH_BY_TIMEOUT:
        fprintf(x->out, "timeout (the oldest, request %llu, waited batching.timeout_s = %g s; %d queued)",
                (unsigned long long)ev->request_id, b->timeout_s, ev->batch_size);
        break;
    case BATCH_BY_SLACK:
        fprintf(x->out, "slack (the oldest, request %llu, waited %.1f ms: %.1f ms of batching.slo_ms = %g ms "
                "left, and %d take a predicted %.1f ms)", (unsigned long long)ev->request_id,
                ev->batching.wait_s * 1000.0, (b->slo_s - ev->batching.wait_s) * 1000.0, b->slo_s * 1000.0,
                ev->batch_size, ev->batching.predicted_s * 1000.0);
        break;
    }
}

static void narrate_invoke(struct explain *x, const struct engine_event *ev)
{
    double *idle = idle_slot(x, ev->instance_id);
    const char *what = ev->ping ? "warm-up ping" : NULL;
    char name[128];
    if (ev->ping) {
        snprintf(name, sizeof name, "%s", what);
    } else {
        const struct ex_batch *b = ev->batch_id < x->n_batch ? &x->batch[ev->batch_id] : NULL;
        if (ev->attempt == 0 && b != NULL && ev->time_s > b->dispatch_s)
            snprintf(name, sizeof name, "batch %llu, after %.1f ms waiting for a client slot,",
                     (unsigned long long)ev->batch_id, (ev->time_s - b->dispatch_s) * 1000.0);
        else
            snprintf(name, sizeof name, "batch %llu", (unsigned long long)ev->batch_id);
    }
    switch (ev->placement) {
    case ENGINE_PLACED_PROVISIONED:
        fprintf(x->out, "%s runs on provisioned instance %lld (warm, no init)", name,
                (long long)ev->instance_id);
        break;
    case ENGINE_PLACED_WARM:
        fprintf(x->out, "%s runs on warm on-demand instance %lld (idle for %.3f s%s)", name,
                (long long)ev->instance_id, ev->time_s - *idle,
                ev->prewarmed ? "; pre-warmed by the keep-alive policy: a cold start saved" : "");
        break;
    default:
        if (x->sc->function.snapstart)
            fprintf(x->out, "%s cold start: new on-demand instance %lld restored from the SnapStart snapshot, "
                    "restore %.1f ms", name, (long long)ev->instance_id, ev->init_s * 1000.0);
        else
            fprintf(x->out, "%s cold start: new on-demand instance %lld, init %.1f ms", name,
                    (long long)ev->instance_id, ev->init_s * 1000.0);
        break;
    }
    if (ev->ping) {
        fprintf(x->out, ", holds it %.1f ms", ev->run_s * 1000.0);
        return;
    }
    fprintf(x->out, ", handler %.1f ms", ev->run_s * 1000.0);
    if (ev->attempt > 0)
        fprintf(x->out, " (retry %d)", ev->attempt);
    if (ev->timed_out)
        fprintf(x->out, "; runs into function.timeout_s = %g s", x->sc->function.timeout_s);
    if (ev->placement == ENGINE_PLACED_COLD && ev->pings_busy > 0)
        narrate_collision(x, ev);
}

static void narrate_throttle(struct explain *x, const struct engine_event *ev)
{
    const struct platform_spec *p = &x->sc->platform;
    if (ev->ping)
        fputs("warm-up ping throttled: ", x->out);
    else
        fprintf(x->out, "batch %llu throttled: ", (unsigned long long)ev->batch_id);
    if (ev->placement == ENGINE_THROTTLED_SCALING)
        fprintf(x->out, "scaling rate used up (platform.scale_per_10s = %g)", p->scale_per_10s);
    else
        fprintf(x->out, "concurrency limit %d reached (%u busy)", p->concurrency_limit, ev->instances_busy);
    if (ev->ping) {
        fputs("; ping skipped", x->out);
        return;
    }
    if (!ev->dropped) {
        fprintf(x->out, "; retry %d at %.4f s", ev->attempt + 1, ev->retry_at_s);
    } else {
        char who[64];
        requests_text(who, sizeof who, ev->request_id, ev->batch_size);
        const char *verb = ev->batch_size == 1 ? "fails" : "fail";
        if (p->on_throttle == THROTTLE_DROP)
            fprintf(x->out, "; %s %s (platform.on_throttle.action = drop)", who, verb);
        else
            fprintf(x->out, "; %s %s (out of retries: max_retries = %d)", who, verb, p->max_retries);
    }
    if (ev->pings_busy > 0)
        narrate_collision(x, ev);
}

static void narrate_complete(struct explain *x, const struct engine_event *ev)
{
    char who[64];
    requests_text(who, sizeof who, ev->request_id, ev->batch_size);
    fprintf(x->out, "batch %llu response: %s ", (unsigned long long)ev->batch_id, who);
    if (ev->status == REQUEST_THROTTLED) {
        fputs("failed (throttled)", x->out);
    } else if (ev->status == REQUEST_TIMED_OUT) {
        fputs("failed (timed out)", x->out);
    } else if (ev->status == REQUEST_REJECTED) {
        fprintf(x->out, "failed (rejected: the client queue was full, client.max_queue = %d)",
                x->sc->client.max_queue);
    } else if (x->done_n > 0) {
        if (x->done_max_ms - x->done_min_ms < 0.05)
            fprintf(x->out, "done, latency %.1f ms", x->done_max_ms);
        else
            fprintf(x->out, "done, latency %.1f-%.1f ms", x->done_min_ms, x->done_max_ms);
    } else {
        fputs("done", x->out);
    }
}

/* The histogram keep-alive policy's state, as the engine reported it. */
static void narrate_policy(struct explain *x, const struct engine_event *ev)
{
    const struct keepalive_spec *ks = &x->sc->platform.keep_alive_policy;
    uint64_t n = ev->keepalive.in_range + ev->keepalive.out_of_range;
    fprintf(x->out, "keep-alive policy (histogram) after %llu idle time%s: ", (unsigned long long)n,
            n == 1 ? "" : "s");
    switch ((enum keepalive_mode)ev->keepalive.mode) {
    case KEEPALIVE_MODE_HISTOGRAM:
        if (ev->keepalive.prewarm_s > 0)
            fprintf(x->out, "learned: unload after each invocation, pre-warm %.1f s later, keep %.1f s",
                    ev->keepalive.prewarm_s, ev->keepalive.keep_alive_s);
        else
            fprintf(x->out, "learned: no pre-warm, keep alive %.1f s", ev->keepalive.keep_alive_s);
        fprintf(x->out, " (idle-time percentiles %g and %g, margin %g; bin counts' CV %.2f)", ks->head_percentile,
                ks->tail_percentile, ks->margin, ev->keepalive.cv);
        break;
    case KEEPALIVE_MODE_LEARNING:
        fprintf(x->out, "falls back to a fixed keep-alive of %.0f s (fewer than min_samples = %d idle times)",
                ev->keepalive.keep_alive_s, ks->min_samples);
        break;
    case KEEPALIVE_MODE_FLAT:
        fprintf(x->out, "falls back to a fixed keep-alive of %.0f s (bin counts' CV %.2f < cv_threshold = %g: "
                "no pattern)", ev->keepalive.keep_alive_s, ev->keepalive.cv, ks->cv_threshold);
        break;
    case KEEPALIVE_MODE_OUT_OF_RANGE:
        fprintf(x->out, "falls back to a fixed keep-alive of %.0f s (%llu idle times beyond range_s = %g s, "
                "at least oob_threshold = %g of them)", ev->keepalive.keep_alive_s,
                (unsigned long long)ev->keepalive.out_of_range, ks->range_s, ks->oob_threshold);
        break;
    }
}

/* Provisioned concurrency that changes (platform.provisioned). */
static void narrate_pc(struct explain *x, const struct engine_event *ev)
{
    const struct pc_scaling_spec *sp = &x->sc->platform.provisioned;
    FILE *f = x->out;
    double target = sp->target_utilization;
    switch (ev->kind) {
    case ENGINE_EV_PC_DATAPOINT:
        if (!ev->pc.have) {
            fprintf(f, "provisioned utilization datapoint missing (nothing invoked in the last %g s: Lambda emits "
                    "no metric); both alarms start over", sp->period_s);
            break;
        }
        fprintf(f, "provisioned utilization %.1f %% (%s over %g s; target %g %%, scale-in below %g %%): "
                "%d datapoint%s in a row above (alarm at %d), %d below (alarm at %d)", ev->pc.value * 100.0,
                sp->statistic == PC_STAT_MAXIMUM ? "maximum" : "average", sp->period_s, target * 100.0,
                sp->scale_in_ratio * target * 100.0, ev->pc.high_streak, plural(ev->pc.high_streak),
                sp->scale_out_datapoints, ev->pc.low_streak, sp->scale_in_datapoints);
        break;
    case ENGINE_EV_PC_SCALE:
        fprintf(f, "provisioned concurrency %d -> %d", ev->pc.from, ev->pc.to);
        if (ev->pc.reason == PC_REASON_SCHEDULE)
            fputs(" (scheduled action)", f);
        else
            fprintf(f, " (%s alarm: %d x %.1f %% / %g %%, rounded up, within min/max capacity)",
                    ev->pc.reason == PC_REASON_ALARM_HIGH ? "scale-out" : "scale-in", ev->pc.from,
                    ev->pc.value * 100.0, target * 100.0);
        if (ev->pc.to > ev->pc.from)
            fprintf(f, "; billed from now, ready at %.4f s (ready_delay_s %g)", ev->pc.ready_at_s, sp->ready_delay_s);
        else
            fputs("; idle ones go now, busy ones when they finish", f);
        break;
    case ENGINE_EV_PC_READY:
        fprintf(f, "provisioned instance %lld allocated: ready, idle", (long long)ev->instance_id);
        break;
    case ENGINE_EV_PC_RETIRE:
        fprintf(f, "provisioned instance %lld retired (configured away); %u alive", (long long)ev->instance_id,
                ev->instances_alive);
        break;
    default:
        break;
    }
}

static void narrate(struct explain *x, const struct engine_event *ev)
{
    FILE *f = x->out;
    fprintf(f, "%10.4f s  ", ev->time_s);
    switch (ev->kind) {
    case ENGINE_EV_ARRIVAL:
        fprintf(f, "request %llu arrives; %d queued", (unsigned long long)ev->request_id, ev->queue_len);
        break;
    case ENGINE_EV_DISPATCH:
        narrate_dispatch(x, ev);
        break;
    case ENGINE_EV_WAIT:
        fprintf(f, "batch %llu waits for a client slot (%u in flight = client.max_inflight)",
                (unsigned long long)ev->batch_id, ev->inflight);
        break;
    case ENGINE_EV_INVOKE:
        narrate_invoke(x, ev);
        break;
    case ENGINE_EV_THROTTLE:
        narrate_throttle(x, ev);
        break;
    case ENGINE_EV_DONE:
        if (ev->ping)
            fprintf(f, "instance %lld finished its warm-up ping", (long long)ev->instance_id);
        else
            fprintf(f, "instance %lld finished batch %llu", (long long)ev->instance_id,
                    (unsigned long long)ev->batch_id);
        if (ev->timed_out && !ev->provisioned)
            fputs(", timed out: environment discarded", f);
        else if (ev->timed_out)
            fputs(", timed out: provisioned environment reset; idle", f);
        else
            fputs("; idle", f);
        fprintf(f, " (%u of %u instances busy)", ev->instances_busy, ev->instances_alive);
        break;
    case ENGINE_EV_COMPLETE:
        narrate_complete(x, ev);
        break;
    case ENGINE_EV_EXPIRE:
        fprintf(f, "instance %lld expired after %.1f s idle (keep-alive); %u alive", (long long)ev->instance_id,
                ev->time_s - *idle_slot(x, ev->instance_id), ev->instances_alive);
        break;
    case ENGINE_EV_WARMUP:
        fprintf(f, "warm-up round: %d ping%s", ev->batch_size, plural(ev->batch_size));
        break;
    case ENGINE_EV_POLICY:
        narrate_policy(x, ev);
        break;
    case ENGINE_EV_BATCH_CAP: {
        bool within = ev->batching.latency_s <= x->sc->batching.slo_s;
        fprintf(f, "batch %llu took %.1f ms (its oldest request), %s batching.slo_ms = %g ms: AIMD cap %d -> %d",
                (unsigned long long)ev->batch_id, ev->batching.latency_s * 1000.0, within ? "within" : "beyond",
                x->sc->batching.slo_s * 1000.0, ev->batching.old_cap, ev->batch_size);
        if (within)
            fprintf(f, " (+ aimd_increase = %d)", x->sc->batching.aimd_increase);
        else
            fprintf(f, " (x aimd_decrease = %g, rounded down)", x->sc->batching.aimd_decrease);
        break;
    }
    case ENGINE_EV_UNLOAD:
        fprintf(f, "instance %lld unloaded (keep-alive policy); pre-warm due at %.4f s; %u alive",
                (long long)ev->instance_id, ev->retry_at_s, ev->instances_alive);
        break;
    case ENGINE_EV_PREWARM:
        if (ev->dropped)
            fprintf(f, "pre-warm skipped: an on-demand instance is already loaded");
        else
            fprintf(f, "pre-warm: instance %lld loads (init %.1f ms, not a request's cold start), "
                    "kept until %.4f s", (long long)ev->instance_id, ev->init_s * 1000.0,
                    ev->time_s + ev->keepalive.keep_alive_s);
        break;
    case ENGINE_EV_PC_DATAPOINT:
    case ENGINE_EV_PC_SCALE:
    case ENGINE_EV_PC_READY:
    case ENGINE_EV_PC_RETIRE:
        narrate_pc(x, ev);
        break;
    }
    fputc('\n', f);
}

static void on_event(void *ctx, const struct engine_event *ev)
{
    struct explain *x = ctx;
    x->events++;
    if (ev->instances_busy > x->peak_busy)
        x->peak_busy = ev->instances_busy;
    /* Bookkeeping that narration reads comes first (dispatch time), and
     * state it replaces (idle-since) is updated after. */
    if (ev->kind == ENGINE_EV_DISPATCH)
        batch_slot(x, ev->batch_id)->dispatch_s = ev->time_s;
    bool show = x->narrated < x->o.first && ev->time_s >= x->o.from_s && ev->time_s <= x->o.to_s;
    if (show) {
        x->narrated++;
        narrate(x, ev);
    }
    switch (ev->kind) {
    case ENGINE_EV_INVOKE:
    case ENGINE_EV_THROTTLE:
        if (!ev->ping) {
            struct ex_batch *b = batch_slot(x, ev->batch_id);
            if (!b->tried) {
                b->tried = true;
                b->first_try_s = ev->time_s;
            }
        }
        if (ev->kind == ENGINE_EV_THROTTLE) {
            if (ev->placement == ENGINE_THROTTLED_SCALING)
                x->throttled_scaling++;
            else
                x->throttled_concurrency++;
        }
        break;
    case ENGINE_EV_DONE:
        *idle_slot(x, ev->instance_id) = ev->time_s;
        break;
    case ENGINE_EV_PREWARM:
        /* Loaded (not busy) from the pre-warm's start: its idle time counts from here. */
        if (!ev->dropped)
            *idle_slot(x, ev->instance_id) = ev->time_s;
        break;
    case ENGINE_EV_COMPLETE:
        x->done_n = 0;
        break;
    default:
        break;
    }
}

static void on_request(void *ctx, const struct request_record *r)
{
    struct explain *x = ctx;
    if (r->status == REQUEST_OK) {
        if (x->done_n == 0 || r->latency_ms < x->done_min_ms)
            x->done_min_ms = r->latency_ms;
        if (x->done_n == 0 || r->latency_ms > x->done_max_ms)
            x->done_max_ms = r->latency_ms;
        x->done_n++;
    }
    if (!r->counted)
        return;
    x->req = xgrow(x->req, &x->cap_req, x->n_req + 1, sizeof *x->req);
    struct ex_req *q = &x->req[x->n_req++];
    /* Latency as the run measures it (stats.latency_from): from dispatch,
     * the queue wait is not part of it. */
    bool from_dispatch = x->sc->latency_from == LATENCY_FROM_DISPATCH;
    double batch_ms = (r->dispatch_s - r->arrival_s) * 1000.0;
    *q = (struct ex_req){ .latency_ms = from_dispatch ? r->latency_ms - batch_ms : r->latency_ms };
    if (r->status == REQUEST_OK)
        q->flags |= REQ_OK;
    else if (r->status == REQUEST_TIMED_OUT)
        q->flags |= REQ_TIMED_OUT;
    else if (r->status == REQUEST_REJECTED)
        q->flags |= REQ_REJECTED;
    if (r->retries > 0 || r->status == REQUEST_THROTTLED)
        q->flags |= REQ_THROTTLED;
    if (r->status != REQUEST_OK)
        return;
    if (r->cold)
        q->flags |= REQ_COLD;
    q->part_ms[EXPLAIN_COLD_START] = r->cold_start_ms;
    if (batch_ms > 0)
        q->flags |= REQ_BATCHED;
    q->part_ms[EXPLAIN_BATCH_WAIT] = from_dispatch ? 0.0 : batch_ms;
    q->batch_ms = batch_ms;
    /* Dispatch wait = client gate (dispatch to first attempt) + retry
     * backoff (first attempt to acceptance). */
    double first_try = r->start_s;
    if (r->batch_id < x->n_batch && x->batch[r->batch_id].tried)
        first_try = x->batch[r->batch_id].first_try_s;
    q->part_ms[EXPLAIN_CLIENT_WAIT] = (first_try - r->dispatch_s) * 1000.0;
    q->part_ms[EXPLAIN_THROTTLE] = (r->start_s - first_try) * 1000.0;
}

void explain_hooks(struct explain *x, struct engine_hooks *hooks)
{
    *hooks = (struct engine_hooks){ .on_request = on_request, .on_event = on_event, .ctx = x };
}

void explain_write_footer(struct explain *x, const struct engine_result *res)
{
    fprintf(x->out, "(%llu of %llu events narrated)\n", (unsigned long long)x->narrated,
            (unsigned long long)x->events);
    if (res != NULL && x->sc->platform.keep_alive_policy.policy == KEEPALIVE_HISTOGRAM)
        explain_write_keepalive(x->out, x->sc, res);
    if (res != NULL && x->sc->batching.policy != BATCH_POLICY_FIXED)
        explain_write_batching(x->out, x->sc, res);
    if (res != NULL && x->sc->platform.provisioned.enabled)
        explain_write_provisioned(x->out, x->sc, res);
}

void explain_write_provisioned(FILE *f, const struct scenario *sc, const struct engine_result *res)
{
    const struct pc_scaling_spec *sp = &sc->platform.provisioned;
    fprintf(f, "Provisioned concurrency (platform.provisioned): %d at t = 0, %u at the end, %u at most, %.2f on "
            "average over the billed %.0f instance-s; %llu scheduled action%s",
            sc->platform.provisioned_concurrency, res->provisioned.configured_end, res->provisioned.configured_peak,
            res->provisioned.configured_mean, res->provisioned.instance_s, (unsigned long long)res->provisioned.actions,
            res->provisioned.actions == 1 ? "" : "s");
    if (sp->tracking)
        fprintf(f, "; target tracking at %g %%: %llu scale-out%s, %llu scale-in%s over %llu datapoints "
                "(%llu missing: nothing invoked)", sp->target_utilization * 100.0,
                (unsigned long long)res->provisioned.scale_outs, res->provisioned.scale_outs == 1 ? "" : "s",
                (unsigned long long)res->provisioned.scale_ins, res->provisioned.scale_ins == 1 ? "" : "s",
                (unsigned long long)res->provisioned.datapoints,
                (unsigned long long)res->provisioned.missing_datapoints);
    uint64_t spilled = res->invocations.warm + res->invocations.cold;
    fprintf(f, "; %llu invocation%s on provisioned instances, %llu spilled to on-demand (%llu cold).\n",
            (unsigned long long)res->invocations.provisioned, res->invocations.provisioned == 1 ? "" : "s",
            (unsigned long long)spilled, (unsigned long long)res->invocations.cold);
}

void explain_write_batching(FILE *f, const struct scenario *sc, const struct engine_result *res)
{
    const struct batching_spec *b = &sc->batching;
    if (b->policy == BATCH_POLICY_AIMD)
        fprintf(f, "Batching policy (aimd, Clipper NSDI'17): batching.slo_ms = %g ms; the cap rose %llu time%s "
                "and fell %llu time%s, %d at the end (of max_batch %d); mean batch size %.2f.\n",
                b->slo_s * 1000.0, (unsigned long long)res->batching.increases,
                res->batching.increases == 1 ? "" : "s", (unsigned long long)res->batching.decreases,
                res->batching.decreases == 1 ? "" : "s", res->batching.cap, b->max_batch, res->batches.mean_size);
    else
        fprintf(f, "Batching policy (slo): batching.slo_ms = %g ms; %llu of %llu batches left by slack, "
                "%llu full, %llu at the threshold, %llu at the timeout; mean batch size %.2f.\n",
                b->slo_s * 1000.0, (unsigned long long)res->batches.by_slack,
                (unsigned long long)res->batches.count, (unsigned long long)res->batches.by_size,
                (unsigned long long)res->batches.by_threshold, (unsigned long long)res->batches.by_timeout,
                res->batches.mean_size);
}

void explain_write_keepalive(FILE *f, const struct scenario *sc, const struct engine_result *res)
{
    const struct keepalive_spec *ks = &sc->platform.keep_alive_policy;
    const struct engine_keep_alive *k = &res->keep_alive;
    fprintf(f, "Keep-alive policy (histogram, Shahrad et al. ATC'20): %llu idle time%s learned "
            "(%llu beyond range_s = %g s); its windows changed %llu time%s.\n",
            (unsigned long long)k->idle_times, k->idle_times == 1 ? "" : "s",
            (unsigned long long)k->out_of_range, ks->range_s, (unsigned long long)k->policy_changes,
            k->policy_changes == 1 ? "" : "s");
    if (k->mode == KEEPALIVE_MODE_HISTOGRAM)
        fprintf(f, "  At the end it pre-warms %.1f s after an invocation ends and keeps the instance %.1f s "
                "(bin counts' CV %.2f >= cv_threshold %g).\n", k->prewarm_s, k->keep_alive_s, k->cv,
                ks->cv_threshold);
    else
        fprintf(f, "  At the end it falls back to a fixed keep-alive of %.0f s (%s: %s).\n", k->keep_alive_s,
                keepalive_mode_name((enum keepalive_mode)k->mode),
                k->mode == KEEPALIVE_MODE_LEARNING ? "fewer than min_samples idle times"
                : k->mode == KEEPALIVE_MODE_FLAT ? "the bin counts' CV is below cv_threshold"
                                                 : "too many idle times beyond range_s");
    fprintf(f, "  Instances unloaded: %llu; pre-warms: %llu (%llu skipped: an instance was already loaded); "
            "invocations a pre-warm kept from a cold start: %llu; cold starts: %llu; idle instance time: %.1f s.\n",
            (unsigned long long)k->unloaded, (unsigned long long)k->prewarms,
            (unsigned long long)k->prewarms_skipped, (unsigned long long)k->prewarm_hits,
            (unsigned long long)res->cold_starts.count, k->idle_instance_s);
}

/* ---- diagnosis ------------------------------------------------------------ */

const char *explain_cause_name(enum explain_cause_kind k)
{
    switch (k) {
    case EXPLAIN_COLD_START: return "cold start";
    case EXPLAIN_BATCH_WAIT: return "batch wait";
    case EXPLAIN_CLIENT_WAIT: return "client slot wait";
    case EXPLAIN_THROTTLE: return "throttling";
    case EXPLAIN_N_CAUSES: break;
    }
    return "?";
}

/* p99 of the completed requests' latency, less cause k's part (k < 0: none);
 * the same interpolation as the run's own percentiles (metrics.h). */
static double p99_without(const struct explain *x, int k)
{
    struct metrics_sample s;
    metrics_sample_init(&s, true, x->n_req);
    for (size_t i = 0; i < x->n_req; i++) {
        const struct ex_req *q = &x->req[i];
        if (q->flags & REQ_OK)
            metrics_sample_add(&s, q->latency_ms - (k >= 0 ? q->part_ms[k] : 0.0));
    }
    struct metrics_summary sum;
    metrics_sample_summarize(&s, &sum);
    metrics_sample_fini(&s);
    return sum.p99;
}

static bool touched(const struct ex_req *q, int k)
{
    switch (k) {
    case EXPLAIN_COLD_START: return (q->flags & REQ_COLD) != 0;
    case EXPLAIN_THROTTLE: return (q->flags & REQ_THROTTLED) != 0;
    case EXPLAIN_BATCH_WAIT: return (q->flags & REQ_BATCHED) != 0;
    case EXPLAIN_CLIENT_WAIT:
        return (q->flags & REQ_REJECTED) != 0 || ((q->flags & REQ_OK) != 0 && q->part_ms[k] > 0);
    default: return (q->flags & REQ_OK) != 0 && q->part_ms[k] > 0;
    }
}

static int clamp_int(long long v)
{
    return v > INT_MAX ? INT_MAX : (int)v;
}

static void add_fix(struct explain_cause *c, const char *path, long long v)
{
    if (c->n_fix < EXPLAIN_FIX_MAX)
        snprintf(c->fix[c->n_fix++], EXPLAIN_SET_MAX, "%s=%lld", path, v);
}

static void add_fix_null(struct explain_cause *c, const char *path)
{
    if (c->n_fix < EXPLAIN_FIX_MAX)
        snprintf(c->fix[c->n_fix++], EXPLAIN_SET_MAX, "%s=null", path);
}

/* A new option for cause k; NULL when the list is full. */
static struct explain_option *add_option(struct explain_diagnosis *d, enum explain_cause_kind k, const char *what)
{
    if (d->n_option >= EXPLAIN_OPTION_MAX)
        return NULL;
    struct explain_option *o = &d->option[d->n_option++];
    memset(o, 0, sizeof *o);
    o->cause = k;
    o->what = what;
    return o;
}

static void option_set(struct explain_option *o, const char *path, double v)
{
    if (o != NULL && o->n_set < EXPLAIN_FIX_MAX)
        snprintf(o->set[o->n_set++], EXPLAIN_SET_MAX, "%s=%.6g", path, v);
}

/* The cheap changes, priced by re-running them (explain_write_diagnosis
 * ranks them with the causes' fixes): each is a valid value for the
 * scenario, and only for a cause that is part of the measured latency. */
static void suggest_options(const struct explain *x, struct explain_diagnosis *d)
{
    const struct scenario *sc = x->sc;
    const struct platform_spec *p = &sc->platform;
    const struct warmup_spec *w = &sc->warmup;
    if (d->cause[EXPLAIN_COLD_START].requests > 0) {
        double keep_s = dist_mean(&p->keep_alive_s);
        if (w->concurrency > 0 && d->collisions > 0 && !w->first_at_random) {
            /* The pings met the traffic: the same pings half a round later. */
            struct explain_option *o = add_option(d, EXPLAIN_COLD_START, "the same pings, half a round later");
            option_set(o, "warmup.first_at_s", w->first_at_s + w->interval_s / 2);
        }
        if (w->concurrency == 0) {
            /* Pings often enough that an idle instance never expires:
             * every 5 minutes, sooner when the keep-alive is shorter. */
            long long n = x->peak_busy > 0 ? (long long)x->peak_busy : 1;
            if (n > p->concurrency_limit)
                n = p->concurrency_limit;
            double every_s = keep_s > 0 && keep_s / 2 < 300 ? keep_s / 2 : 300;
            if (every_s >= 1) {
                struct explain_option *o = add_option(d, EXPLAIN_COLD_START, "warm-up pings (billed invocations)");
                option_set(o, "warmup.concurrency", (double)n);
                option_set(o, "warmup.interval_s", floor(every_s));
            }
        } else if (2LL * w->concurrency <= p->concurrency_limit) {
            struct explain_option *o = add_option(d, EXPLAIN_COLD_START, "twice as many pings");
            option_set(o, "warmup.concurrency", 2.0 * w->concurrency);
        }
        if (p->keep_alive_policy.policy == KEEPALIVE_FIXED && keep_s > 0 && keep_s < 3600) {
            struct explain_option *o = add_option(d, EXPLAIN_COLD_START,
                                                  "a longer keep-alive (the platform's setting: on AWS not yours "
                                                  "to choose; what it would buy)");
            option_set(o, "platform.keep_alive_s", fmin(2 * keep_s, 3600));
        }
    }
    const struct batching_spec *b = &sc->batching;
    if (d->cause[EXPLAIN_BATCH_WAIT].requests > 0 && !d->latency_from_dispatch && b->policy == BATCH_POLICY_FIXED
        && b->threshold > 1 && b->timeout_s > 0) {
        /* A timeout from the arrival rate: about the time threshold
         * requests take to arrive, so a batch rarely waits longer. */
        const struct workload_spec *wl = &sc->workload;
        double rate = wl->type == WORKLOAD_UNIFORM || wl->type == WORKLOAD_POISSON ? wl->rate_rps : 0;
        double fill_s = rate > 0 ? (double)(b->threshold - 1) / rate : 0;
        double want_s = fill_s > 0 && fill_s < b->timeout_s ? fill_s : b->timeout_s / 2;
        want_s = floor(want_s * 1000.0) / 1000.0;
        if (want_s >= 0.001 && want_s < b->timeout_s) {
            struct explain_option *o = add_option(d, EXPLAIN_BATCH_WAIT, fill_s > 0 && fill_s < b->timeout_s
                                                  ? "a batching timeout from the arrival rate, (threshold - 1) / rate"
                                                  : "half the batching timeout");
            option_set(o, "batching.timeout_s", want_s);
        }
    }
    if (d->cause[EXPLAIN_CLIENT_WAIT].requests > 0 && sc->client.max_inflight > 0
        && 2LL * sc->client.max_inflight <= p->concurrency_limit) {
        struct explain_option *o = add_option(d, EXPLAIN_CLIENT_WAIT, "twice the client's in-flight cap");
        option_set(o, "client.max_inflight", 2.0 * sc->client.max_inflight);
    }
}

static void suggest_fixes(const struct explain *x, struct explain_diagnosis *d)
{
    const struct scenario *sc = x->sc;
    const struct platform_spec *p = &sc->platform;
    struct explain_cause *c;

    /* Enough provisioned instances for the busiest moment seen. */
    c = &d->cause[EXPLAIN_COLD_START];
    long long want = x->peak_busy > (uint32_t)p->provisioned_concurrency ? (long long)x->peak_busy
                                                                         : p->provisioned_concurrency + 1LL;
    if (want > p->concurrency_limit)
        want = p->concurrency_limit;
    const struct pc_scaling_spec *pc = &p->provisioned;
    if (pc->tracking && want > pc->max_capacity)
        want = pc->max_capacity;
    if (sc->function.snapstart || (pc->enabled && !pc->tracking)) {
        /* SnapStart refuses provisioned concurrency; a schedule sets the
         * capacity itself after its first action. No fix to propose. */
    } else if (want > p->provisioned_concurrency && pc->tracking) {
        /* Target tracking never goes below its minimum: raise both (the
         * capacity at t = 0 must lie within min..max). */
        if (want > pc->min_capacity) {
            add_fix(c, "platform.provisioned_concurrency", want);
            add_fix(c, "platform.provisioned.target_tracking.min_capacity", want);
            c->fix_note = "a floor under target tracking: standby capacity billed all the time";
        }
    } else if (want > p->provisioned_concurrency) {
        add_fix(c, "platform.provisioned_concurrency", want);
        c->fix_note = "standby capacity is billed all the time";
    }
    if (sc->function.snapstart)
        snprintf(c->hint, sizeof c->hint, "SnapStart restores already shorten them; provisioned concurrency "
                 "cannot be combined with it: keep instances warm with warm-up pings (--set "
                 "warmup.concurrency=N) or a longer platform.keep_alive_s");
    else if (pc->enabled && !pc->tracking)
        snprintf(c->hint, sizeof c->hint, "or raise the values of platform.provisioned.schedule around the "
                 "busy times, or keep instances warm with warm-up pings (--set warmup.concurrency=N)");
    else if (sc->warmup.concurrency == 0)
        snprintf(c->hint, sizeof c->hint, "or keep instances warm with warm-up pings "
                 "(--set warmup.concurrency=N) or a longer platform.keep_alive_s");
    else if (d->collisions > 0)
        snprintf(c->hint, sizeof c->hint, "or keep the pings off the traffic: they held instances when "
                 "requests needed them (%llu collision%s); move warmup.first_at_s or warmup.interval_s, "
                 "or ping more instances than the traffic needs (now warmup.concurrency = %d)",
                 (unsigned long long)d->collisions, d->collisions == 1 ? "" : "s", sc->warmup.concurrency);
    else
        snprintf(c->hint, sizeof c->hint, "or ping more instances, more often (now warmup.concurrency = %d "
                 "every warmup.interval_s = %g s)", sc->warmup.concurrency, sc->warmup.interval_s);

    c = &d->cause[EXPLAIN_BATCH_WAIT];
    long long half_slo_ms = (long long)floor(sc->batching.slo_s * 1000.0 / 2);
    if (d->latency_from_dispatch) {
        /* The wait is not part of the latency measured: nothing to fix. */
    } else if (sc->batching.policy != BATCH_POLICY_FIXED && sc->batching.max_batch > 1 && half_slo_ms >= 1) {
        /* The adaptive policies size their batches by the objective. */
        add_fix(c, "batching.slo_ms", half_slo_ms);
        c->fix_note = "a tighter objective: smaller batches, shorter waits";
    } else if (sc->batching.policy == BATCH_POLICY_FIXED && sc->batching.threshold > 1) {
        add_fix(c, "batching.threshold", 1);
        c->fix_note = "no batching: one invocation per request";
        if (sc->batching.timeout_s > 0)
            snprintf(c->hint, sizeof c->hint, "or shorten batching.timeout_s (now %g s) to cap the wait",
                     sc->batching.timeout_s);
    }

    c = &d->cause[EXPLAIN_CLIENT_WAIT];
    if (sc->client.max_inflight > 0) {
        add_fix(c, "client.max_inflight", 0);
        c->fix_note = "no client limit: more instances at once";
    }

    c = &d->cause[EXPLAIN_THROTTLE];
    if (x->throttled_scaling > x->throttled_concurrency) {
        /* Rounded up to a whole number of instances per 10 s. */
        add_fix(c, "platform.scale_per_10s", (long long)ceil(2 * p->scale_per_10s));
    } else if (p->reserved_concurrency > 0) {
        long long doubled = 2LL * p->reserved_concurrency;
        if (doubled <= p->account_concurrency) {
            add_fix(c, "platform.reserved_concurrency", doubled);
        } else if (p->reserved_concurrency < p->account_concurrency) {
            add_fix_null(c, "platform.reserved_concurrency");
        } else {
            add_fix_null(c, "platform.reserved_concurrency");
            add_fix(c, "platform.account_concurrency", clamp_int(2LL * p->account_concurrency));
        }
    } else {
        add_fix(c, "platform.account_concurrency", clamp_int(2LL * p->account_concurrency));
    }
    if (p->on_throttle == THROTTLE_DROP)
        snprintf(c->hint, sizeof c->hint, "or retry instead of failing "
                 "(--set platform.on_throttle.action=retry)");
    else if (sc->client.max_inflight == 0)
        snprintf(c->hint, sizeof c->hint, "or let the client queue instead "
                 "(--set client.max_inflight=N, below the limit of %d)", p->concurrency_limit);
}

void explain_diagnose(const struct explain *x, const struct engine_result *res,
                      struct explain_diagnosis *d)
{
    memset(d, 0, sizeof *d);
    d->counted = x->n_req;
    d->cost_usd = res->cost_usd.total;
    d->collisions = res->warmup.collisions;
    d->function_timeout_s = x->sc->function.timeout_s;
    d->latency_from_dispatch = x->sc->latency_from == LATENCY_FROM_DISPATCH;
    d->p99_ms = p99_without(x, -1);
    double sum[EXPLAIN_N_CAUSES] = { 0 };
    uint64_t n_ok[EXPLAIN_N_CAUSES] = { 0 };
    for (int k = 0; k < EXPLAIN_N_CAUSES; k++)
        d->cause[k].kind = (enum explain_cause_kind)k;
    for (size_t i = 0; i < x->n_req; i++) {
        const struct ex_req *q = &x->req[i];
        bool ok = (q->flags & REQ_OK) != 0;
        if (ok)
            d->completed++;
        else
            d->failed++;
        if (q->flags & REQ_TIMED_OUT)
            d->timed_out++;
        bool tail = ok && q->latency_ms >= d->p99_ms;
        d->tail += tail;
        for (int k = 0; k < EXPLAIN_N_CAUSES; k++) {
            if (!touched(q, k))
                continue;
            struct explain_cause *c = &d->cause[k];
            c->requests++;
            c->in_tail += tail;
            if (ok) {
                sum[k] += k == EXPLAIN_BATCH_WAIT ? q->batch_ms : q->part_ms[k];
                n_ok[k]++;
            } else {
                c->failed++;
            }
        }
    }
    for (int k = 0; k < EXPLAIN_N_CAUSES; k++) {
        struct explain_cause *c = &d->cause[k];
        c->mean_ms = n_ok[k] > 0 ? sum[k] / (double)n_ok[k] : 0.0;
        c->p99_without_ms = c->requests > 0 ? p99_without(x, k) : d->p99_ms;
    }
    suggest_fixes(x, d);
    suggest_options(x, d);
}

void explain_rerun_set(struct explain_rerun *r, const struct engine_result *res)
{
    *r = (struct explain_rerun){ .done = true, .p99_ms = res->latency_ms.p99, .cost_usd = res->cost_usd.total,
                                 .failed = res->requests.failed, .cold_starts = res->cold_starts.count };
}

void explain_rerun_fail(struct explain_rerun *r, const char *msg)
{
    r->done = false;
    snprintf(r->error, sizeof r->error, "%s", msg);
}

static double percent(uint64_t part, uint64_t whole)
{
    return whole > 0 ? 100.0 * (double)part / (double)whole : 0.0;
}

static void write_ms(FILE *f, double ms)
{
    if (isnan(ms))
        fputs("n/a", f);
    else
        fprintf(f, "%.1f ms", ms);
}

static const char *const touched_text[EXPLAIN_N_CAUSES] = {
    "waited for an instance's init",
    "waited in the batching queue",
    "waited for a client in-flight slot",
    "were throttled",
};

static const char *const none_text[EXPLAIN_N_CAUSES] = {
    "no request waited for a cold start",
    "no request waited for a batch",
    "no request waited for a client slot",
    "no request was throttled",
};

static void write_cause(FILE *f, const struct explain_diagnosis *d, const struct explain_cause *c)
{
    const char *name = explain_cause_name(c->kind);
    assert(c->kind < EXPLAIN_N_CAUSES);
    if (c->requests == 0) {
        fprintf(f, "  %s: %s.\n", name, none_text[c->kind]);
        return;
    }
    fprintf(f, "  %s: %llu request%s (%.1f%%) %s", name, (unsigned long long)c->requests,
            plural((long long)c->requests), percent(c->requests, d->counted), touched_text[c->kind]);
    if (c->kind == EXPLAIN_THROTTLE) {
        fprintf(f, " (%llu failed)", (unsigned long long)c->failed);
        if (c->requests > c->failed)
            fprintf(f, "; the completed ones waited %.1f ms on average for retries", c->mean_ms);
    } else if (c->kind == EXPLAIN_CLIENT_WAIT && c->failed > 0) {
        fprintf(f, " or were rejected by a full client queue (%llu rejected)", (unsigned long long)c->failed);
        if (c->requests > c->failed)
            fprintf(f, "; the completed ones waited %.1f ms on average", c->mean_ms);
    } else
        fprintf(f, ", %.1f ms on average", c->mean_ms);
    if (c->kind == EXPLAIN_BATCH_WAIT && d->latency_from_dispatch)
        fputs(" (not part of the latency: stats.latency_from = dispatch)", f);
    fprintf(f, ".\n      In the tail: %llu of %llu. p99 without it: ", (unsigned long long)c->in_tail,
            (unsigned long long)d->tail);
    write_ms(f, c->p99_without_ms);
    fputs(".\n", f);
    if (c->n_fix == 0 && c->kind == EXPLAIN_BATCH_WAIT && d->latency_from_dispatch) {
        fputs("      Nothing to fix: the wait is outside the latency measured.\n", f);
    } else if (c->n_fix == 0) {
        fputs("      No --set change removes it here.\n", f);
    } else {
        fputs("      Fix:", f);
        for (int i = 0; i < c->n_fix; i++)
            fprintf(f, " --set %s", c->fix[i]);
        if (c->fix_note != NULL && c->fix_note[0] != '\0')
            fprintf(f, " (%s)", c->fix_note);
        fputs("\n", f);
        if (c->rerun.error[0] != '\0') {
            fprintf(f, "      After the fix: not re-run: %s\n", c->rerun.error);
        } else if (c->rerun.done) {
            fputs("      After the fix (re-run): p99 ", f);
            write_ms(f, c->rerun.p99_ms);
            fprintf(f, ", %llu failed, %llu cold start%s, cost %.8f USD", (unsigned long long)c->rerun.failed,
                    (unsigned long long)c->rerun.cold_starts, plural((long long)c->rerun.cold_starts),
                    c->rerun.cost_usd);
            if (d->cost_usd > 0)
                fprintf(f, " (%+.1f%%)", 100.0 * (c->rerun.cost_usd - d->cost_usd) / d->cost_usd);
            fputs(".\n", f);
        }
    }
    if (c->hint[0] != '\0')
        fprintf(f, "      %c%s.\n", c->hint[0] == 'o' ? 'O' : c->hint[0], c->hint + 1);
}

/* One fix as re-run, for the ranking. */
struct ranked {
    char sets[EXPLAIN_FIX_MAX * (EXPLAIN_SET_MAX + 8)];
    const char *what;
    double p99_ms, cost_usd, gain_ms, added_usd;
    uint64_t failed;
    int cls;        /* 0: gains at no added cost; 1: gains for a price; 2: no clear gain */
    double key;     /* within the class, larger first */
};

static int by_value(const void *a, const void *b)
{
    const struct ranked *x = a, *y = b;
    if (x->cls != y->cls)
        return x->cls < y->cls ? -1 : 1;
    return x->key > y->key ? -1 : x->key < y->key ? 1 : strcmp(x->sets, y->sets);
}

/* A p99 change smaller than this is not counted as a gain: half a per
 * cent of the p99, at least 0.05 ms (one run's p99 moves that much with
 * the requests the change reorders). */
static double gain_floor_ms(double p99_ms)
{
    return fmax(0.005 * p99_ms, 0.05);
}

static void rank_one(struct ranked *r, const struct explain_diagnosis *d, const char (*set)[EXPLAIN_SET_MAX],
                     int n_set, const char *what, const struct explain_rerun *run)
{
    double p99_ms = run->p99_ms, cost_usd = run->cost_usd;
    uint64_t failed = run->failed;
    size_t used = 0;
    r->sets[0] = '\0';
    for (int i = 0; i < n_set && used < sizeof r->sets; i++) {
        int w = snprintf(r->sets + used, sizeof r->sets - used, "%s--set %s", i > 0 ? " " : "", set[i]);
        used += w > 0 ? (size_t)w : 0;
    }
    r->what = what;
    r->p99_ms = p99_ms;
    r->cost_usd = cost_usd;
    r->failed = failed;
    r->gain_ms = d->p99_ms - p99_ms;
    r->added_usd = cost_usd - d->cost_usd;
    /* More failures is no gain, whatever the p99 of what completed. */
    bool gains = isfinite(r->gain_ms) && r->gain_ms > gain_floor_ms(d->p99_ms) && failed <= d->failed;
    if (!gains) {
        r->cls = 2;
        r->key = isfinite(r->gain_ms) ? r->gain_ms : -(double)INFINITY;
    } else if (r->added_usd <= 0) {
        r->cls = 0;
        r->key = r->gain_ms;
    } else {
        r->cls = 1;
        r->key = r->gain_ms / r->added_usd;
    }
}

/* Every fix that was re-run, best value first. */
static void write_ranking(FILE *f, const struct explain_diagnosis *d)
{
    struct ranked r[EXPLAIN_N_CAUSES + EXPLAIN_OPTION_MAX];
    size_t n = 0;
    for (int k = 0; k < EXPLAIN_N_CAUSES; k++) {
        const struct explain_cause *c = &d->cause[k];
        if (c->requests > 0 && c->n_fix > 0 && c->rerun.done)
            rank_one(&r[n++], d, c->fix, c->n_fix, c->fix_note != NULL ? c->fix_note : "", &c->rerun);
    }
    for (int i = 0; i < d->n_option; i++) {
        const struct explain_option *o = &d->option[i];
        if (o->rerun.done)
            rank_one(&r[n++], d, o->set, o->n_set, o->what, &o->rerun);
    }
    if (n == 0 || !isfinite(d->p99_ms))
        return;
    qsort(r, n, sizeof *r, by_value);
    fputs("\n  What each change buys (re-run with the same seed), best value first: those that gain at no\n"
          "  added cost, then p99 gained per dollar added; a gain under 0.5 % of p99 is not counted.\n", f);
    int rank = 0;
    for (size_t i = 0; i < n; i++) {
        if (r[i].cls == 2 && (i == 0 || r[i - 1].cls != 2))
            fputs("    No clear gain:\n", f);
        if (r[i].cls == 2)
            fputs("      ", f);
        else
            fprintf(f, "    %d. ", ++rank);
        fprintf(f, "%s", r[i].sets);
        if (r[i].what[0] != '\0')
            fprintf(f, " (%s)", r[i].what);
        fprintf(f, ": p99 %.1f -> %.1f ms (%+.1f ms), cost %+.8f USD", d->p99_ms, r[i].p99_ms, -r[i].gain_ms,
                r[i].added_usd);
        if (d->cost_usd > 0)
            fprintf(f, " (%+.1f%%)", 100.0 * r[i].added_usd / d->cost_usd);
        if (r[i].failed != d->failed)
            fprintf(f, ", %llu failed", (unsigned long long)r[i].failed);
        if (r[i].cls == 0)
            fputs(": gains at no added cost", f);
        else if (r[i].cls == 1)
            fprintf(f, ": %.4g ms of p99 per USD added", r[i].key);
        fputs("\n", f);
    }
    for (int i = 0; i < d->n_option; i++)
        if (d->option[i].rerun.error[0] != '\0')
            fprintf(f, "    Not priced: %s: %s\n", d->option[i].set[0], d->option[i].rerun.error);
}

void explain_write_diagnosis(FILE *f, const struct explain_diagnosis *d)
{
    fputs("Diagnosis (requests in the statistics window)\n", f);
    fprintf(f, "  %llu request%s: %llu completed, %llu failed. p99 latency ", (unsigned long long)d->counted,
            plural((long long)d->counted), (unsigned long long)d->completed, (unsigned long long)d->failed);
    write_ms(f, d->p99_ms);
    fprintf(f, ", cost %.8f USD.\n", d->cost_usd);
    if (d->completed > 0)
        fprintf(f, "  The tail: %llu completed request%s at or above p99.\n", (unsigned long long)d->tail,
                plural((long long)d->tail));
    fputs("  \"p99 without it\" removes that part from every completed request's latency and\n"
          "  recomputes p99 from the per-request records; \"after the fix\" re-runs the\n"
          "  scenario with the --set change and the same seed.\n\n",
          f);
    for (int k = 0; k < EXPLAIN_N_CAUSES; k++)
        write_cause(f, d, &d->cause[k]);
    if (d->collisions > 0)
        fprintf(f, "  warm-up collisions: %llu request invocation%s cold-started or %s throttled while a "
                "warm-up ping held an instance.\n",
                (unsigned long long)d->collisions, plural((long long)d->collisions),
                d->collisions == 1 ? "was" : "were");
    if (d->timed_out > 0)
        fprintf(f, "  function timeout: %llu request%s failed after function.timeout_s = %g s; raise it "
                "(--set function.timeout_s=S, at most 900).\n",
                (unsigned long long)d->timed_out, plural((long long)d->timed_out), d->function_timeout_s);
    write_ranking(f, d);
    /* The lever: the cause whose removal lowers p99 the most. */
    int best = -1;
    double best_gain = 0;
    for (int k = 0; k < EXPLAIN_N_CAUSES; k++) {
        const struct explain_cause *c = &d->cause[k];
        double gain = d->p99_ms - c->p99_without_ms;
        if (c->requests > 0 && gain > best_gain + 1e-9) {
            best = k;
            best_gain = gain;
        }
    }
    fputc('\n', f);
    if (best >= 0)
        fprintf(f, "  Biggest lever on p99: %s (p99 %.1f ms -> %.1f ms without it).\n",
                explain_cause_name((enum explain_cause_kind)best), d->p99_ms, d->cause[best].p99_without_ms);
    else if (d->completed > 0)
        fputs("  Nothing but overhead and inference in the tail: p99 is the function's own time.\n", f);
    else
        fputs("  No request completed.\n", f);
}
