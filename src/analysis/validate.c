/* validate: predicted against observed metrics (validate.h). */
#include "analysis/validate.h"

#include <assert.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <gsl/gsl_statistics_double.h>
#include "analysis/fit.h"
#include "base/interrupt.h"
#include "base/xalloc.h"
#include "core/engine.h"
#include "core/rng.h"

/* The confidence level of the mean's interval (ci95 in the output). */
#define MEAN_LEVEL 0.95

const char *const validate_metric_key[VALIDATE_METRIC_COUNT] = {
    "latency_mean_ms", "latency_p50_ms", "latency_p90_ms", "latency_p99_ms", "throughput_rps",
    "cold_start_rate", "cold_starts", "failed_rate",
};

const char *validate_verdict_name(enum validate_verdict v)
{
    switch (v) {
    case VALIDATE_WITHIN:
        return "within";
    case VALIDATE_NOISE:
        return "noise";
    case VALIDATE_MISS:
        return "miss";
    case VALIDATE_NONE:
        break;
    }
    return "-";
}

double validate_metric_level(double family_level)
{
    return 1 - (1 - family_level) / VALIDATE_METRIC_COUNT;
}

size_t validate_order_k(size_t r, double level, double *coverage, bool *enough)
{
    /* The coverage of [X_(k), X_(r+1-k)] for a new draw from the same
     * distribution is (r+1-2k)/(r+1): the new value's rank among r+1 is
     * uniform. It falls as k grows, so the largest k that still reaches the
     * level is found by walking up from 1. The slack keeps an exact match
     * (38/40 against 0.95) from failing on the decimal's rounding. */
    const double slack = 1e-12;
    size_t k = 1;
    while (2 * (k + 1) <= r && (double)(r + 1 - 2 * (k + 1)) / (double)(r + 1) >= level - slack)
        k++;
    double cov = r >= 2 ? (double)(r + 1 - 2 * k) / (double)(r + 1) : 0;
    *enough = cov >= level - slack;
    *coverage = cov;
    return k;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return x < y ? -1 : x > y;
}

void validate_per_run_interval(double *v, size_t r, size_t k, double *lo, double *hi)
{
    qsort(v, r, sizeof *v, cmp_double);
    *lo = v[k - 1];
    *hi = v[r - k];
}

enum validate_verdict validate_classify(bool within_tolerance, bool within_interval)
{
    if (within_tolerance)
        return VALIDATE_WITHIN;
    return within_interval ? VALIDATE_NOISE : VALIDATE_MISS;
}

struct lat_buf {
    double *v;
    size_t n, cap;
};

static void collect(void *ctx, const struct request_record *rec)
{
    struct lat_buf *b = ctx;
    if (!rec->counted || rec->status != REQUEST_OK)
        return;
    b->v = xgrow(b->v, &b->cap, b->n + 1, sizeof *b->v);
    b->v[b->n++] = rec->latency_ms;
}

void validate_result_fini(struct validate_result *r)
{
    free(r->observed_ms);
    free(r->predicted_ms);
    r->observed_ms = r->predicted_ms = NULL;
    r->n_observed = r->n_predicted = 0;
}

/* Observed metrics over the statistics window, defined as the engine
 * defines them. t0 puts the sends on the scenario's clock. With no ok
 * request in the window only the failed rate is available (a run whose
 * every request timed out or was throttled is still a prediction to
 * check). */
static void observe(const struct lambdalog_client *cl, double t0, double window, struct validate_result *s)
{
    s->observed_ms = xmalloc((cl->n + 1) * sizeof *s->observed_ms);
    /* Cold invocations: distinct batch ids among the cold ok rows. */
    int64_t *cold_batches = xmalloc((cl->n + 1) * sizeof *cold_batches);
    size_t n_ok = 0, n_cold = 0, n_cold_batches = 0;
    bool cold_ids = cl->has_cold;
    double first_arrival = INFINITY, last_end = -INFINITY;
    for (size_t i = 0; i < cl->n; i++) {
        const struct lambdalog_request *q = &cl->req[i];
        double t = q->send_s - t0;
        if (t < window)
            continue;
        s->counted++;
        first_arrival = t < first_arrival ? t : first_arrival;
        /* The span ends at the last response, failures' included (their
         * latency runs to the error), as the engine's does. */
        if (isfinite(q->latency_ms)) {
            double end = t + q->latency_ms / 1000.0;
            last_end = end > last_end ? end : last_end;
        }
        if (!q->ok)
            continue;
        s->observed_ms[n_ok++] = q->latency_ms;
        n_cold += q->cold == 1;
        if (q->cold == 1) {
            if (q->batch_id < 0)
                cold_ids = false;
            else
                cold_batches[n_cold_batches++] = q->batch_id;
        }
    }
    assert(s->counted > 0);
    s->ok = s->n_observed = n_ok;
    s->m[VALIDATE_FAILED_RATE].observed = (double)(s->counted - n_ok) / (double)s->counted;
    s->m[VALIDATE_FAILED_RATE].available = true;
    if (n_ok == 0) {
        free(cold_batches);
        return;
    }
    double *obs = s->observed_ms;
    qsort(obs, n_ok, sizeof *obs, cmp_double);
    double sum = 0;
    for (size_t i = 0; i < n_ok; i++)
        sum += obs[i];
    s->m[VALIDATE_MEAN].observed = sum / (double)n_ok;
    s->m[VALIDATE_P50].observed = gsl_stats_quantile_from_sorted_data(obs, 1, n_ok, 0.50);
    s->m[VALIDATE_P90].observed = gsl_stats_quantile_from_sorted_data(obs, 1, n_ok, 0.90);
    s->m[VALIDATE_P99].observed = gsl_stats_quantile_from_sorted_data(obs, 1, n_ok, 0.99);
    s->m[VALIDATE_THROUGHPUT].observed =
        last_end > first_arrival ? (double)n_ok / (last_end - first_arrival) : (double)NAN;
    s->m[VALIDATE_COLD_RATE].observed = (double)n_cold / (double)n_ok;
    qsort(cold_batches, n_cold_batches, sizeof *cold_batches, cmp_i64);
    size_t distinct = 0;
    for (size_t i = 0; i < n_cold_batches; i++)
        distinct += i == 0 || cold_batches[i] != cold_batches[i - 1];
    s->m[VALIDATE_COLD_COUNT].observed = (double)distinct;
    free(cold_batches);
    for (int i = 0; i < VALIDATE_FAILED_RATE; i++)
        s->m[i].available = (i != VALIDATE_COLD_RATE || cl->has_cold) && (i != VALIDATE_COLD_COUNT || cold_ids);
}

void validate_judge(struct validate_row *m, double *vals, size_t reps, size_t k)
{
    fit_mean_ci(vals, reps, MEAN_LEVEL, &m->predicted, &m->half);
    validate_per_run_interval(vals, reps, k, &m->run_lo, &m->run_hi);
    if (!m->available)
        return;
    if (m->observed != 0 && isfinite(m->observed)) {
        m->rel = (m->predicted - m->observed) / m->observed;
        m->within = fabs(m->rel) <= m->tol;
    } else {
        /* No relative error against 0: only an exact match passes. */
        m->rel = NAN;
        m->within = m->predicted == m->observed;
    }
    if (m->abs_tol > 0 && fabs(m->predicted - m->observed) <= m->abs_tol)
        m->within = true;
    m->within_interval = m->observed >= m->run_lo && m->observed <= m->run_hi;
    m->verdict = validate_classify(m->within, m->within_interval);
}

enum validate_status validate_run(const struct validate_opts *o, struct validate_result *out, char *msg,
                                  size_t len)
{
    memset(out, 0, sizeof *out);
    const struct lambdalog_client *cl = o->log;
    struct scenario *sc = o->sc;
    size_t reps = o->replications;
    enum validate_status st = VALIDATE_BAD_INPUT;
    double *vals[VALIDATE_METRIC_COUNT] = { NULL };
    struct lat_buf pred = { 0 };
    out->rows = cl->n;
    for (int i = 0; i < VALIDATE_METRIC_COUNT; i++)
        out->m[i].tol = o->tolerance[i];
    struct validate_interval *iv = &out->interval;
    iv->level = o->interval_level;
    iv->metric_level = validate_metric_level(o->interval_level);
    iv->replications = reps;
    iv->k = validate_order_k(reps, iv->metric_level, &iv->coverage, &iv->enough);
    iv->family_coverage = fmax(0, 1 - VALIDATE_METRIC_COUNT * (1 - iv->coverage));
    if (cl->n == 0) {
        snprintf(msg, len, "%s: no request in the log: nothing to compare", o->log_path);
        return VALIDATE_BAD_INPUT;
    }

    /* Observed arrivals replace the workload, on the scenario's own clock
     * (its warm-up pings and window stay aligned with them); see
     * lambdalog_replay_shift for logs on another clock. */
    double *times = xmalloc(cl->n * sizeof *times);
    double t0 = lambdalog_replay_shift(cl, sc->workload.start_s);
    for (size_t i = 0; i < cl->n; i++)
        times[i] = cl->req[i].send_s - t0;
    qsort(times, cl->n, sizeof *times, cmp_double);
    double window = sc->warmup_period_s;
    if (times[cl->n - 1] < window) {
        snprintf(msg, len, "%s: every observed request was sent before the scenario's warmup_period_s (%g s on the "
                 "scenario's clock): nothing to compare", o->log_path, window);
        free(times);
        return VALIDATE_BAD_INPUT;
    }
    scenario_workload_fini(&sc->workload);
    sc->workload.type = WORKLOAD_TRACE;
    sc->workload.trace_s = times;
    sc->workload.trace_len = cl->n;
    snprintf(sc->workload.trace_path, sizeof sc->workload.trace_path, "%s", o->log_path);
    sc->duration_s = INFINITY;
    sc->max_requests = 0;
    /* Predicted latencies as the client log measures them: from each
     * request's send (its arrival), whatever the scenario reports. */
    sc->latency_from = LATENCY_FROM_ARRIVAL;

    observe(cl, t0, window, out);

    for (int i = 0; i < VALIDATE_METRIC_COUNT; i++)
        vals[i] = xmalloc(reps * sizeof *vals[i]);
    struct engine_hooks hooks = { .on_request = collect, .ctx = &pred, .stop = o->stop };
    for (size_t r = 0; r < reps; r++) {
        struct engine_result res;
        if (engine_run(sc, rng_derive_seed(o->seed, r), &hooks, &res) == ENGINE_INTERRUPTED) {
            out->stop_signal = o->stop != NULL ? (int)*o->stop : 0;
            snprintf(msg, len, "%s: interrupted by %s in replication %zu of %zu: no comparison was made",
                     o->scenario_path, interrupt_signal_name(out->stop_signal), r + 1, reps);
            st = VALIDATE_INTERRUPTED;
            goto out;
        }
        vals[VALIDATE_MEAN][r] = res.latency_ms.mean;
        vals[VALIDATE_P50][r] = res.latency_ms.p50;
        vals[VALIDATE_P90][r] = res.latency_ms.p90;
        vals[VALIDATE_P99][r] = res.latency_ms.p99;
        vals[VALIDATE_THROUGHPUT][r] = res.throughput_rps;
        vals[VALIDATE_COLD_RATE][r] = res.cold_starts.request_fraction;
        vals[VALIDATE_COLD_COUNT][r] = (double)res.cold_starts.count;
        uint64_t ended = res.requests.completed + res.requests.failed;
        vals[VALIDATE_FAILED_RATE][r] = ended > 0 ? (double)res.requests.failed / (double)ended : 0;
    }
    if (pred.n == 0 && out->ok > 0) {
        snprintf(msg, len, "%s: no simulated request completed in the statistics window", o->scenario_path);
        st = VALIDATE_FAILED;
        goto out;
    }
    out->pass = true;
    if (out->m[VALIDATE_COLD_COUNT].available && out->m[VALIDATE_COLD_COUNT].observed < VALIDATE_FEW_COLD) {
        out->m[VALIDATE_COLD_COUNT].abs_tol = 1;
        /* The rate's cold starts are requests (a batch's each count): one
         * cold batch of the mean size, over the requests. */
        if (out->ok > 0 && out->m[VALIDATE_COLD_COUNT].observed > 0)
            out->m[VALIDATE_COLD_RATE].abs_tol = out->m[VALIDATE_COLD_RATE].observed
                                                 / out->m[VALIDATE_COLD_COUNT].observed;
        else if (out->ok > 0)
            out->m[VALIDATE_COLD_RATE].abs_tol = 1.0 / (double)out->ok;
    }
    if ((double)(out->counted - out->ok) < VALIDATE_FEW_FAILED)
        out->m[VALIDATE_FAILED_RATE].abs_tol = 1.0 / (double)out->counted;
    for (int i = 0; i < VALIDATE_METRIC_COUNT; i++) {
        struct validate_row *m = &out->m[i];
        validate_judge(m, vals[i], reps, out->interval.k);
        if (m->available)
            out->pass &= o->tolerance_only ? m->within : m->verdict != VALIDATE_MISS;
    }
    if (pred.n > 0) /* none when every simulated request failed (pred.v is then NULL) */
        qsort(pred.v, pred.n, sizeof *pred.v, cmp_double);
    out->predicted_ms = pred.v;
    out->n_predicted = pred.n;
    pred.v = NULL;
    if (out->n_observed > 0 && out->n_predicted > 0) {
        out->ks = fit_ks2(out->observed_ms, out->n_observed, out->predicted_ms, out->n_predicted);
        out->ks_p_value = fit_ks2_p_value(out->ks, out->n_observed, out->n_predicted);
        out->w1 = fit_wasserstein1(out->observed_ms, out->n_observed, out->predicted_ms, out->n_predicted);
    } else {
        out->ks = out->ks_p_value = out->w1 = NAN;
    }
    st = VALIDATE_OK;
out:
    for (int i = 0; i < VALIDATE_METRIC_COUNT; i++)
        free(vals[i]);
    free(pred.v);
    return st;
}
