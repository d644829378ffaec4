/* report: table, JSON and per-request CSV output of a run. Every number is
 * printed with a fixed format so that the same run prints the same bytes. */
#include "analysis/report.h"
#include "formats/jsonout.h"
#include "core/batchpolicy.h"
#include "core/keepalive.h"
#include "core/sink.h"

#include <assert.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "base/version.h"
#define LAMBDASIM_VERSION_STRING LAMBDASIM_VERSION

/* ---- a tiny streaming JSON writer (no tree, no allocation) ---- */

struct jw {
    FILE *f;
    int depth;
    bool first;     /* no member written yet at this depth */
};

static void jw_indent(struct jw *w)
{
    fputc('\n', w->f);
    for (int i = 0; i < w->depth; i++)
        fputs("  ", w->f);
}

static void jw_key(struct jw *w, const char *key)
{
    if (!w->first)
        fputc(',', w->f);
    w->first = false;
    jw_indent(w);
    fprintf(w->f, "\"%s\": ", key);
}

static void jw_open(struct jw *w, const char *key)
{
    if (key != NULL)
        jw_key(w, key);
    fputc('{', w->f);
    w->depth++;
    w->first = true;
}

static void jw_close(struct jw *w)
{
    w->depth--;
    jw_indent(w);
    fputc('}', w->f);
    w->first = false;
}

static void jw_num(struct jw *w, const char *key, double v)
{
    jw_key(w, key);
    if (isfinite(v))
        fprintf(w->f, "%.10g", v);
    else
        fputs("null", w->f);
}

static void jw_u64(struct jw *w, const char *key, uint64_t v)
{
    jw_key(w, key);
    fprintf(w->f, "%llu", (unsigned long long)v);
}

static void jw_str(struct jw *w, const char *key, const char *v)
{
    jw_key(w, key);
    jsonout_string(w->f, v);
}

static double per_million(const struct engine_result *r)
{
    return r->requests.completed > 0 ? r->cost_usd.total / (double)r->requests.completed * 1e6 : (double)NAN;
}

/* ---- warnings: what a user should not miss ---- */

#define MAX_WARNINGS 8
/* Requests above a tail percentile for it to be a fair estimate (as the
 * sweep's SWEEP_TAIL_MIN). */
#define REPORT_TAIL_MIN 10

static int warnings(const struct scenario *sc, const struct engine_result *r, char out[][320])
{
    int n = 0;
    if (r->client.rejected_batches > 0)
        snprintf(out[n++], 320,
                 "the client queue reached client.max_queue (%d batches) and turned away %llu batches: "
                 "arrivals outpace what client.max_inflight = %d invocations can serve, so the queue "
                 "would grow without bound (an unstable configuration)",
                 sc->client.max_queue, (unsigned long long)r->client.rejected_batches, sc->client.max_inflight);
    /* Failures that are neither timeouts, client rejections nor dead
     * workers (emulate) are what throttling left: dropped or out of
     * retries. */
    uint64_t thr_failed = r->requests.failed - r->requests.timed_out - r->requests.rejected - r->requests.errored;
    if (r->requests.errored > 0)
        snprintf(out[n++], 320, "%llu requests failed because their worker process died (emulate)",
                 (unsigned long long)r->requests.errored);
    if (thr_failed > 0)
        snprintf(out[n++], 320,
                 "%llu requests failed after throttling (concurrency limit %d, scaling %.0f per 10 s)",
                 (unsigned long long)thr_failed, sc->platform.concurrency_limit, sc->platform.scale_per_10s);
    if (r->requests.timed_out > 0)
        snprintf(out[n++], 320, "%llu requests failed: their invocation ran past function.timeout_s (%g s)",
                 (unsigned long long)r->requests.timed_out, sc->function.timeout_s);
    if (r->requests.arrived > 0 && r->requests.completed == 0)
        snprintf(out[n++], 320, "no request completed: latency and throughput are undefined");
    /* Too short for its p99: a tail percentile from fewer than
     * REPORT_TAIL_MIN requests above it is biased and noisy. */
    double done = (double)r->requests.completed, above = done * 0.01;
    if (done >= 100 && above < REPORT_TAIL_MIN) /* below 100 the table says n/a */
        snprintf(out[n++], 320, "p99 rests on %.1f of the %.0f completed requests: a tail percentile from fewer "
                 "than %d requests above it is biased and noisy; run about %.0f (duration_s, requests) or "
                 "replicate (sweep --replications)", above, done, REPORT_TAIL_MIN, REPORT_TAIL_MIN / 0.01);
    /* A start-up measured as if it were the steady state: every cold start
     * in the first tenth of the window, and enough of them to fill half of
     * the p99 tail. */
    double span = r->end_s - r->window_start_s, cold_req = r->cold_starts.request_fraction * done;
    if (sc->warmup_period_s == 0 && r->cold_starts.count > 0 && span > 0 && above >= 1
        && r->cold_starts.last_s - r->window_start_s <= 0.1 * span && cold_req >= 0.5 * above)
        snprintf(out[n++], 320, "all %llu cold starts (%.0f requests) came in the first %.1f s of a %.0f s run, "
                 "and p99 rests on the top %.0f requests: the start-up shapes the tail; set warmup_period_s "
                 "(e.g. %.0f) to measure the steady state, or keep 0 if the start is what you study",
                 (unsigned long long)r->cold_starts.count, cold_req, r->cold_starts.last_s - r->window_start_s,
                 span, above, ceil(r->cold_starts.last_s - r->window_start_s + 1));
    assert(n <= MAX_WARNINGS);
    return n;
}

void report_json(FILE *f, const struct scenario *sc, const struct engine_result *r)
{
    struct jw w = { .f = f, .depth = 0, .first = true };
    jw_open(&w, NULL);
    jw_str(&w, "lambdasim_version", LAMBDASIM_VERSION_STRING);
    jw_str(&w, "scenario", sc->name);
    jw_u64(&w, "seed", r->seed);

    /* What an Azure 2019 trace put in, so that a run can be traced back
     * to the minutes and percentiles it used. */
    const struct workload_spec *ws = &sc->workload;
    if (ws->type == WORKLOAD_TRACE && ws->trace_format == TRACE_FORMAT_AZURE2019) {
        static const char *const dk[7] = { "p0", "p1", "p25", "p50", "p75", "p99", "p100" };
        static const char *const mk[8] = { "p1", "p5", "p25", "p50", "p75", "p95", "p99", "p100" };
        jw_open(&w, "trace");
        jw_str(&w, "format", "azure2019");
        jw_u64(&w, "files", ws->n_trace_files);
        jw_u64(&w, "first_minute", ws->first_minute);
        jw_u64(&w, "minutes", ws->n_minutes);
        jw_u64(&w, "invocations", ws->trace_len);
        if (ws->has_durations) {
            jw_open(&w, "durations_ms");
            jw_num(&w, "average", ws->duration_average_ms);
            for (int i = 0; i < 7; i++)
                jw_num(&w, dk[i], ws->duration_pct_ms[i]);
            jw_num(&w, "mean_used", 1000.0 * model_mean_inference_s(&sc->function.model, 1));
            jw_close(&w);
        }
        if (ws->has_memory) {
            jw_open(&w, "memory_mb");
            jw_num(&w, "average", ws->memory_average_mb);
            for (int i = 0; i < 8; i++)
                jw_num(&w, mk[i], ws->memory_pct_mb[i]);
            jw_close(&w);
        }
        jw_close(&w);
    }

    jw_open(&w, "requests");
    jw_u64(&w, "arrived", r->requests.arrived);
    jw_u64(&w, "completed", r->requests.completed);
    jw_u64(&w, "failed", r->requests.failed);
    jw_u64(&w, "throttled", r->requests.throttled);
    jw_u64(&w, "retries", r->requests.retries);
    jw_u64(&w, "timed_out", r->requests.timed_out);
    jw_u64(&w, "rejected", r->requests.rejected);
    jw_close(&w);

    jw_open(&w, "client");
    jw_u64(&w, "peak_queue_batches", r->client.peak_queue);
    jw_u64(&w, "rejected_batches", r->client.rejected_batches);
    jw_close(&w);

    const struct metrics_summary *l = &r->latency_ms;
    jw_str(&w, "latency_from", sc->latency_from == LATENCY_FROM_DISPATCH ? "dispatch" : "arrival");
    jw_open(&w, "latency_ms");
    jw_num(&w, "mean", l->mean);
    jw_num(&w, "stdev", l->stdev);
    jw_num(&w, "min", l->min);
    jw_num(&w, "p50", l->p50);
    jw_num(&w, "p90", l->p90);
    jw_num(&w, "p95", l->p95);
    jw_num(&w, "p99", l->p99);
    jw_num(&w, "p999", l->p999);
    jw_num(&w, "max", l->max);
    jw_close(&w);

    jw_num(&w, "throughput_rps", r->throughput_rps);

    jw_open(&w, "breakdown_ms");
    jw_num(&w, "batch_wait", r->breakdown_ms.batch_wait);
    jw_num(&w, "dispatch_wait", r->breakdown_ms.dispatch_wait);
    jw_num(&w, "overhead", r->breakdown_ms.overhead);
    jw_num(&w, "cold_start", r->breakdown_ms.cold_start);
    jw_num(&w, "inference", r->breakdown_ms.inference);
    jw_close(&w);

    jw_open(&w, "batches");
    jw_u64(&w, "count", r->batches.count);
    jw_num(&w, "mean_size", r->batches.mean_size);
    jw_u64(&w, "by_threshold", r->batches.by_threshold);
    jw_u64(&w, "by_timeout", r->batches.by_timeout);
    jw_u64(&w, "by_size", r->batches.by_size);
    if (sc->batching.policy == BATCH_POLICY_SLO)
        jw_u64(&w, "by_slack", r->batches.by_slack);
    if (sc->batching.policy != BATCH_POLICY_FIXED) {
        jw_str(&w, "policy", batchpolicy_name(sc->batching.policy));
        jw_num(&w, "slo_ms", sc->batching.slo_s * 1000.0);
    }
    if (sc->batching.policy == BATCH_POLICY_AIMD) {
        jw_num(&w, "final_cap", r->batching.cap);
        jw_u64(&w, "cap_increases", r->batching.increases);
        jw_u64(&w, "cap_decreases", r->batching.decreases);
    }
    jw_close(&w);

    jw_open(&w, "invocations");
    jw_u64(&w, "total", r->invocations.total);
    jw_u64(&w, "provisioned", r->invocations.provisioned);
    jw_u64(&w, "warm", r->invocations.warm);
    jw_u64(&w, "cold", r->invocations.cold);
    jw_u64(&w, "throttled", r->invocations.throttled);
    jw_u64(&w, "retries", r->invocations.retries);
    jw_close(&w);

    jw_open(&w, "cold_starts");
    jw_u64(&w, "count", r->cold_starts.count);
    jw_num(&w, "invocation_fraction", r->cold_starts.invocation_fraction);
    jw_num(&w, "request_fraction", r->cold_starts.request_fraction);
    jw_close(&w);

    jw_open(&w, "instances");
    /* emulate --invoke-url: the platform is another program's; these are
     * the client's concurrent calls. */
    jw_str(&w, "counted", r->remote_platform ? "client_calls_in_flight" : "platform_instances");
    jw_u64(&w, "peak", r->instances.peak);
    jw_num(&w, "mean_alive", r->instances.mean_alive);
    jw_num(&w, "mean_busy", r->instances.mean_busy);
    jw_num(&w, "mean_idle", r->instances.mean_idle);
    jw_str(&w, "means_until", sc->window == STATS_WINDOW_ARRIVALS ? "last_arrival" : "last_completion");
    jw_u64(&w, "created", r->instances.created);
    jw_u64(&w, "expired", r->instances.expired);
    jw_close(&w);

    if (sc->platform.keep_alive_policy.policy == KEEPALIVE_HISTOGRAM) {
        const struct engine_keep_alive *k = &r->keep_alive;
        jw_open(&w, "keep_alive");
        jw_str(&w, "policy", "histogram");
        jw_num(&w, "idle_instance_s", k->idle_instance_s);
        jw_u64(&w, "idle_times", k->idle_times);
        jw_u64(&w, "out_of_range", k->out_of_range);
        jw_str(&w, "mode", keepalive_mode_name((enum keepalive_mode)k->mode));
        jw_num(&w, "prewarm_s", k->prewarm_s);
        jw_num(&w, "keep_alive_s", k->keep_alive_s);
        jw_num(&w, "cv", k->cv);
        jw_u64(&w, "policy_changes", k->policy_changes);
        jw_u64(&w, "unloaded", k->unloaded);
        jw_u64(&w, "prewarms", k->prewarms);
        jw_u64(&w, "prewarms_skipped", k->prewarms_skipped);
        jw_u64(&w, "prewarm_hits", k->prewarm_hits);
        jw_close(&w);
    }

    if (sc->platform.provisioned.enabled) {
        jw_open(&w, "provisioned_scaling");
        jw_u64(&w, "configured_start", (uint64_t)sc->platform.provisioned_concurrency);
        jw_u64(&w, "configured_end", r->provisioned.configured_end);
        jw_u64(&w, "configured_peak", r->provisioned.configured_peak);
        jw_num(&w, "configured_mean", r->provisioned.configured_mean);
        jw_num(&w, "instance_s", r->provisioned.instance_s);
        jw_u64(&w, "scheduled_actions", r->provisioned.actions);
        jw_u64(&w, "scale_outs", r->provisioned.scale_outs);
        jw_u64(&w, "scale_ins", r->provisioned.scale_ins);
        jw_u64(&w, "datapoints", r->provisioned.datapoints);
        jw_u64(&w, "missing_datapoints", r->provisioned.missing_datapoints);
        jw_close(&w);
    }

    jw_open(&w, "warmup");
    jw_u64(&w, "pings", r->warmup.pings);
    jw_u64(&w, "cold_pings", r->warmup.cold_pings);
    jw_u64(&w, "throttled", r->warmup.throttled);
    jw_u64(&w, "collisions", r->warmup.collisions);
    if (sc->warmup.first_at_random)
        jw_num(&w, "first_at_s", r->warmup.first_at_s);
    jw_close(&w);

    jw_open(&w, "cost_usd");
    jw_num(&w, "requests", r->cost_usd.requests);
    jw_num(&w, "duration", r->cost_usd.duration);
    jw_num(&w, "provisioned", r->cost_usd.provisioned);
    if (sc->function.snapstart)
        jw_num(&w, "snapstart", r->cost_usd.snapstart);
    jw_num(&w, "total", r->cost_usd.total);
    jw_num(&w, "per_million_requests", per_million(r));
    jw_close(&w);

    char warn[MAX_WARNINGS][320];
    int n_warn = warnings(sc, r, warn);
    jw_key(&w, "warnings");
    fputc('[', f);
    for (int i = 0; i < n_warn; i++) {
        fputs(i ? ", " : "", f);
        jsonout_string(f, warn[i]);
    }
    fputc(']', f);

    jw_open(&w, "simulation");
    jw_num(&w, "window_start_s", r->window_start_s);
    jw_num(&w, "end_s", r->end_s);
    jw_u64(&w, "events", r->events);
    jw_close(&w);

    jw_close(&w);
    fputc('\n', f);
}

/* ---- table ---- */

static void row_ms(FILE *f, const char *label, double v)
{
    if (isfinite(v))
        fprintf(f, "  %-26s %12.3f ms\n", label, v);
    else
        fprintf(f, "  %-26s %12s\n", label, "-");
}

/* A tail percentile needs enough requests to mean something: with fewer
 * than `min_n` (100 for p99, 1000 for p99.9) it is the largest latency or
 * an interpolation next to it, so the table says so instead (--json keeps
 * the number). */
static void row_pct(FILE *f, const char *label, double v, uint64_t n, uint64_t min_n)
{
    if (n > 0 && n < min_n)
        fprintf(f, "  %-26s %12s  (needs >= %llu requests, %llu measured)\n", label, "n/a",
                (unsigned long long)min_n, (unsigned long long)n);
    else
        row_ms(f, label, v);
}

static void row_count(FILE *f, const char *label, uint64_t v)
{
    fprintf(f, "  %-26s %12llu\n", label, (unsigned long long)v);
}

static void row_num(FILE *f, const char *label, double v, const char *unit)
{
    if (isfinite(v))
        fprintf(f, "  %-26s %12.4f %s\n", label, v, unit);
    else
        fprintf(f, "  %-26s %12s\n", label, "-");
}

static double pct(uint64_t part, uint64_t whole)
{
    return whole > 0 ? 100.0 * (double)part / (double)whole : 0.0;
}

void report_table(FILE *f, const struct scenario *sc, const struct engine_result *r)
{
    fprintf(f, "lambdasim %s  scenario %s  seed %llu\n", LAMBDASIM_VERSION_STRING, sc->name,
            (unsigned long long)r->seed);
    fprintf(f, "statistics window %.3f s .. %.3f s (simulated)\n", r->window_start_s, r->end_s);
    const struct workload_spec *ws = &sc->workload;
    if (ws->type == WORKLOAD_TRACE && ws->trace_format == TRACE_FORMAT_AZURE2019) {
        size_t m = ws->first_minute;
        fprintf(f, "trace azure2019: %zu file%s, %zu minutes from day %zu %02zu:%02zu, %zu invocations\n",
                ws->n_trace_files, ws->n_trace_files == 1 ? "" : "s", ws->n_minutes, m / 1440 + 1,
                m % 1440 / 60, m % 60, ws->trace_len);
        if (ws->has_durations)
            fprintf(f, "trace durations: p50 %g ms, p99 %g ms, average %g ms in the file; the inference "
                    "time drawn has mean %.3f ms\n", ws->duration_pct_ms[3], ws->duration_pct_ms[5],
                    ws->duration_average_ms, 1000.0 * model_mean_inference_s(&sc->function.model, 1));
        if (ws->has_memory)
            fprintf(f, "trace memory: p50 %g MB, p99 %g MB, average %g MB allocated (not simulated)\n",
                    ws->memory_pct_mb[3], ws->memory_pct_mb[6], ws->memory_average_mb);
    }
    fprintf(f, "\n");

    fprintf(f, "Requests\n");
    row_count(f, "arrived", r->requests.arrived);
    row_count(f, "completed", r->requests.completed);
    row_count(f, "failed", r->requests.failed);
    row_count(f, "  of which timed out", r->requests.timed_out);
    row_count(f, "  of which rejected", r->requests.rejected);
    row_count(f, "throttled (at least once)", r->requests.throttled);
    row_count(f, "retries", r->requests.retries);
    row_num(f, "throughput", r->throughput_rps, "req/s");

    const struct metrics_summary *l = &r->latency_ms;
    bool from_dispatch = sc->latency_from == LATENCY_FROM_DISPATCH;
    fprintf(f, "\nLatency per request (%s)\n",
            from_dispatch ? "from batch dispatch to response: the batch wait is not included"
                          : "from arrival to response");
    row_ms(f, "mean", l->mean);
    row_ms(f, "stdev", l->stdev);
    row_ms(f, "min", l->min);
    row_ms(f, "p50", l->p50);
    row_ms(f, "p90", l->p90);
    row_ms(f, "p95", l->p95);
    row_pct(f, "p99", l->p99, l->n, 100);
    row_pct(f, "p99.9", l->p999, l->n, 1000);
    row_ms(f, "max", l->max);

    fprintf(f, "\nWhere the time goes (mean per completed request; %s)\n",
            from_dispatch ? "without the batch wait, the lines add up to the mean latency"
                          : "the lines add up to the mean latency");
    if (from_dispatch && isfinite(r->breakdown_ms.batch_wait))
        fprintf(f, "  %-26s %12.3f ms  (not in latency)\n", "waiting for a batch", r->breakdown_ms.batch_wait);
    else
        row_ms(f, "waiting for a batch", r->breakdown_ms.batch_wait);
    row_ms(f, "waiting to be invoked", r->breakdown_ms.dispatch_wait);
    row_ms(f, "invoke/network overhead", r->breakdown_ms.overhead);
    row_ms(f, sc->function.snapstart ? "cold start (restore)" : "cold start (init)", r->breakdown_ms.cold_start);
    row_ms(f, "inference", r->breakdown_ms.inference);

    fprintf(f, "\nBatches\n");
    row_count(f, "dispatched", r->batches.count);
    row_num(f, "mean size", r->batches.mean_size, "requests");
    fprintf(f, "  %-26s %12llu (%.1f%%)\n", "sent at threshold", (unsigned long long)r->batches.by_threshold,
            pct(r->batches.by_threshold, r->batches.count));
    fprintf(f, "  %-26s %12llu (%.1f%%)\n", "sent at timeout", (unsigned long long)r->batches.by_timeout,
            pct(r->batches.by_timeout, r->batches.count));
    fprintf(f, "  %-26s %12llu (%.1f%%)\n", "sent full (max_batch)", (unsigned long long)r->batches.by_size,
            pct(r->batches.by_size, r->batches.count));
    if (sc->batching.policy == BATCH_POLICY_SLO)
        fprintf(f, "  %-26s %12llu (%.1f%%)\n", "sent by slack (slo_ms)", (unsigned long long)r->batches.by_slack,
                pct(r->batches.by_slack, r->batches.count));
    if (sc->batching.policy == BATCH_POLICY_AIMD)
        fprintf(f, "  %-26s %12d  (rose %llu times, fell %llu times)\n", "AIMD cap at the end", r->batching.cap,
                (unsigned long long)r->batching.increases, (unsigned long long)r->batching.decreases);

    fprintf(f, "\nInvocations and instances\n");
    row_count(f, "invocations", r->invocations.total);
    row_count(f, "  on provisioned", r->invocations.provisioned);
    row_count(f, "  warm on-demand", r->invocations.warm);
    fprintf(f, "  %-26s %12llu (%.1f%% of invocations, %.1f%% of requests)\n", "  cold starts",
            (unsigned long long)r->invocations.cold, 100.0 * r->cold_starts.invocation_fraction,
            100.0 * r->cold_starts.request_fraction);
    row_count(f, "throttled attempts", r->invocations.throttled);
    if (r->remote_platform) {
        row_count(f, "peak calls in flight", r->instances.peak);
        fprintf(f, "  %-26s %s\n", "instances", "the served platform's (its log and stderr): not seen here");
    } else {
        row_count(f, "peak instances", r->instances.peak);
        row_num(f, "mean alive", r->instances.mean_alive, "instances");
        row_num(f, "mean busy", r->instances.mean_busy, "instances");
        row_num(f, "mean idle", r->instances.mean_idle, "instances");
        fprintf(f, "  %-26s %s\n", "  means until", sc->window == STATS_WINDOW_ARRIVALS
                ? "the last arrival (stats.window)" : "the last completion (stats.window)");
        row_count(f, "created (cold starts)", r->instances.created);
        row_count(f, "expired (keep-alive)", r->instances.expired);
    }

    if (sc->platform.keep_alive_policy.policy == KEEPALIVE_HISTOGRAM) {
        const struct engine_keep_alive *k = &r->keep_alive;
        fprintf(f, "\nKeep-alive policy (histogram)\n");
        row_num(f, "idle instance time", k->idle_instance_s, "s");
        row_count(f, "idle times learned", k->idle_times);
        fprintf(f, "  %-26s %12s\n", "mode at the end", keepalive_mode_name((enum keepalive_mode)k->mode));
        row_num(f, "pre-warm window", k->prewarm_s, "s");
        row_num(f, "keep-alive window", k->keep_alive_s, "s");
        row_count(f, "unloaded", k->unloaded);
        row_count(f, "pre-warms", k->prewarms);
        row_count(f, "pre-warmed and used", k->prewarm_hits);
    }

    if (sc->platform.provisioned.enabled) {
        fprintf(f, "\nProvisioned concurrency (platform.provisioned)\n");
        row_count(f, "configured at t = 0", (uint64_t)sc->platform.provisioned_concurrency);
        row_count(f, "configured at the end", r->provisioned.configured_end);
        row_count(f, "configured at most", r->provisioned.configured_peak);
        row_num(f, "configured on average", r->provisioned.configured_mean, "instances");
        row_num(f, "billed", r->provisioned.instance_s, "instance-s");
        row_count(f, "scheduled actions", r->provisioned.actions);
        if (sc->platform.provisioned.tracking) {
            row_count(f, "scale-outs (tracking)", r->provisioned.scale_outs);
            row_count(f, "scale-ins (tracking)", r->provisioned.scale_ins);
            row_count(f, "datapoints", r->provisioned.datapoints);
            row_count(f, "  missing (no invocation)", r->provisioned.missing_datapoints);
        }
    }

    if (sc->warmup.concurrency > 0) {
        fprintf(f, "\nWarm-up pings\n");
        row_count(f, "pings", r->warmup.pings);
        row_count(f, "cold pings", r->warmup.cold_pings);
        row_count(f, "throttled pings", r->warmup.throttled);
        row_count(f, "collisions with requests", r->warmup.collisions);
        if (sc->warmup.first_at_random)
            row_num(f, "first round (random phase)", r->warmup.first_at_s, "s");
    }

    if (sc->client.max_inflight > 0) {
        fprintf(f, "\nClient\n");
        row_count(f, "peak queue (batches)", r->client.peak_queue);
        row_count(f, "rejected batches", r->client.rejected_batches);
    }

    fprintf(f, "\nCost (USD, whole run)\n");
    fprintf(f, "  %-26s %14.8f\n", "requests", r->cost_usd.requests);
    fprintf(f, "  %-26s %14.8f\n", "duration", r->cost_usd.duration);
    fprintf(f, "  %-26s %14.8f\n", "provisioned concurrency", r->cost_usd.provisioned);
    if (sc->function.snapstart)
        fprintf(f, "  %-26s %14.8f\n", "SnapStart restore + cache", r->cost_usd.snapstart);
    fprintf(f, "  %-26s %14.8f\n", "total", r->cost_usd.total);
    if (r->requests.completed > 0)
        fprintf(f, "  %-26s %14.4f\n", "per million requests", per_million(r));

    char warn[MAX_WARNINGS][320];
    int n_warn = warnings(sc, r, warn);
    if (n_warn > 0) {
        fprintf(f, "\nWarnings\n");
        for (int i = 0; i < n_warn; i++)
            fprintf(f, "  - %s\n", warn[i]);
    }
}

/* ---- per-request CSV ---- */

void report_requests_csv_header(FILE *f)
{
    fputs("id,arrival_s,dispatch_s,start_s,end_s,latency_ms,batch_wait_ms,overhead_ms,cold_start_ms,"
          "inference_ms,batch_id,batch_size,batch_reason,retries,cold,provisioned,instance_id,status,"
          "counted,latency_from\n",
          f);
}

static void csv_time(FILE *f, double v)
{
    if (isfinite(v))
        fprintf(f, "%.9f,", v);
    else
        fputc(',', f);
}

void report_requests_csv_row(FILE *f, const struct request_record *r, enum latency_origin from)
{
    fprintf(f, "%llu,", (unsigned long long)r->id);
    csv_time(f, r->arrival_s);
    csv_time(f, r->dispatch_s);
    csv_time(f, r->start_s);
    csv_time(f, r->end_s);
    fprintf(f, "%.6f,%.6f,%.6f,%.6f,%.6f,%llu,%d,%s,%d,%d,%d,%lld,%s,%d,%s\n", r->latency_ms,
            (r->dispatch_s - r->arrival_s) * 1000.0, r->overhead_ms, r->cold_start_ms, r->inference_ms,
            (unsigned long long)r->batch_id, r->batch_size, engine_batch_reason_name(r->batch_reason),
            r->retries, r->cold ? 1 : 0, r->provisioned ? 1 : 0, (long long)r->instance_id,
            engine_request_status_name(r->status), r->counted ? 1 : 0,
            from == LATENCY_FROM_DISPATCH ? "dispatch" : "arrival");
}

/* The sink's state is the scenario's latency origin, as a non-null tag
 * (nothing to allocate or free). */
static void *requests_start(FILE *f, const struct scenario *sc)
{
    report_requests_csv_header(f);
    return (void *)(uintptr_t)(sc->latency_from == LATENCY_FROM_DISPATCH ? 2 : 1);
}

static void requests_on_request(void *state, FILE *f, const struct request_record *rec)
{
    report_requests_csv_row(f, rec, (uintptr_t)state == 2 ? LATENCY_FROM_DISPATCH : LATENCY_FROM_ARRIVAL);
}

const struct sink_ops report_requests_sink = {
    .start = requests_start,
    .on_request = requests_on_request,
};
