/* replicate: R runs of one scenario, summarised per metric (replicate.h). */
#include "analysis/replicate.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "analysis/fit.h"
#include "analysis/validate.h"
#include "base/xalloc.h"
#include "core/engine.h"
#include "core/rng.h"

const char *const replicate_metric_key[REPLICATE_METRIC_COUNT] = {
    "latency_mean_ms", "latency_p50_ms", "latency_p90_ms", "latency_p99_ms", "latency_max_ms",
    "throughput_rps", "cold_starts", "cold_start_request_fraction", "instances_mean_busy",
    "warmup_collisions", "cost_usd_total",
};

const char *const replicate_metric_label[REPLICATE_METRIC_COUNT] = {
    "latency mean (ms)", "latency p50 (ms)", "latency p90 (ms)", "latency p99 (ms)", "latency max (ms)",
    "throughput (rps)", "cold starts", "cold-start share of requests", "mean busy instances",
    "ping collisions", "cost (USD)",
};

/* The metric's value in one run; NAN when the run has none. */
static double metric_of(const struct engine_result *r, enum replicate_metric m)
{
    bool lat = r->requests.completed > 0;
    switch (m) {
    case REPLICATE_MEAN: return lat ? r->latency_ms.mean : (double)NAN;
    case REPLICATE_P50: return lat ? r->latency_ms.p50 : (double)NAN;
    case REPLICATE_P90: return lat ? r->latency_ms.p90 : (double)NAN;
    case REPLICATE_P99: return lat ? r->latency_ms.p99 : (double)NAN;
    case REPLICATE_MAX: return lat ? r->latency_ms.max : (double)NAN;
    case REPLICATE_THROUGHPUT: return lat ? r->throughput_rps : (double)NAN;
    case REPLICATE_COLD_STARTS: return (double)r->cold_starts.count;
    case REPLICATE_COLD_FRACTION: return lat ? r->cold_starts.request_fraction : (double)NAN;
    case REPLICATE_MEAN_BUSY: return r->instances.mean_busy;
    case REPLICATE_PING_COLLISIONS: return (double)r->warmup.collisions;
    case REPLICATE_COST: return r->cost_usd.total;
    case REPLICATE_METRIC_COUNT: break;
    }
    return (double)NAN;
}

/* Mean, Student-t 95 % half-width and per-run interval of v[0..n) (sorted
 * here), for order statistic k of R; with n < R (metric missing in some
 * runs) the k of n is used. */
static void summarise(struct replicate_row *row, double *v, size_t n, double level)
{
    row->n = n; /* above_zero was counted run by run */
    if (n == 0) {
        row->mean = row->half = row->run_lo = row->run_hi = (double)NAN;
        return;
    }
    fit_mean_ci(v, n, 0.95, &row->mean, &row->half);
    if (n < 2)
        row->half = 0; /* one run: no spread to speak of (replicate.h) */
    double cov = 0;
    bool enough = false;
    size_t k = validate_order_k(n, level, &cov, &enough);
    validate_per_run_interval(v, n, k, &row->run_lo, &row->run_hi);
}

enum replicate_status replicate_run(const struct scenario *sc, uint64_t seed, size_t replications, double level,
                                    const volatile sig_atomic_t *stop, struct replicate_result *out, char *msg,
                                    size_t len)
{
    memset(out, 0, sizeof *out);
    out->replications = replications;
    out->level = level;
    out->k = validate_order_k(replications, level, &out->coverage, &out->enough);
    double *vals = xmalloc(replications * REPLICATE_METRIC_COUNT * sizeof *vals);
    size_t n[REPLICATE_METRIC_COUNT] = { 0 };
    struct engine_hooks hooks = { .stop = stop };
    enum replicate_status st = REPLICATE_OK;
    for (size_t r = 0; r < replications; r++) {
        struct engine_result res;
        enum engine_status es = engine_run(sc, rng_derive_seed(seed, r), &hooks, &res);
        if (es == ENGINE_INTERRUPTED) {
            out->stop_signal = stop != NULL ? (int)*stop : 0;
            snprintf(msg, len, "%s: interrupted in replication %zu of %zu", sc->path, r + 1, replications);
            st = REPLICATE_INTERRUPTED;
            goto done;
        }
        if (es == ENGINE_OVERLOAD) {
            snprintf(msg, len, "%s: replication %zu (seed %llu) overloaded: more than %u requests were in the "
                     "system at once", sc->path, r + 1, (unsigned long long)rng_derive_seed(seed, r),
                     ENGINE_MAX_OUTSTANDING);
            st = REPLICATE_FAILED;
            goto done;
        }
        out->requests += res.requests.completed;
        for (int m = 0; m < REPLICATE_METRIC_COUNT; m++) {
            double v = metric_of(&res, (enum replicate_metric)m);
            if (isfinite(v))
                vals[(size_t)m * replications + n[m]++] = v;
            if (v > 0)
                out->m[m].above_zero++;
        }
    }
    if (out->requests == 0) {
        snprintf(msg, len, "%s: no request completed in any of the %zu replications", sc->path, replications);
        st = REPLICATE_FAILED;
        goto done;
    }
    for (int m = 0; m < REPLICATE_METRIC_COUNT; m++)
        summarise(&out->m[m], vals + (size_t)m * replications, n[m], level);
done:
    free(vals);
    return st;
}
