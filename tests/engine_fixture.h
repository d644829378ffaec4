/* engine_fixture: builds scenarios in C for engine tests (no config files),
 * and collects the per-request records of a run. */
#ifndef LAMBDASIM_ENGINE_FIXTURE_H
#define LAMBDASIM_ENGINE_FIXTURE_H

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <CUnit/CUnit.h>
#include "core/engine.h"
#include "core/scenario.h"

/* A scenario with trace arrivals at times[0..n) (copied), no batching,
 * constant costs: cold start cold_s, inference infer_s, no overhead,
 * keep-alive 600 s, no limits that matter, drop on throttle. */
static inline void fixture_scenario(struct scenario *sc, const double *times, size_t n, double cold_s,
                                    double infer_s)
{
    memset(sc, 0, sizeof *sc);
    strcpy(sc->name, "fixture");
    sc->seed = 1;
    sc->duration_s = INFINITY;
    sc->workload.type = WORKLOAD_TRACE;
    sc->workload.trace_s = malloc((n ? n : 1) * sizeof(double));
    memcpy(sc->workload.trace_s, times, n * sizeof(double));
    sc->workload.trace_len = n;
    sc->batching.threshold = 1;
    sc->batching.max_batch = 1;
    sc->batching.timeout_s = 0;
    sc->client.max_queue = 100000;
    sc->function.memory_mb = 1024;
    sc->function.timeout_s = 60;
    sc->function.compute_factor = 1;
    sc->function.model.memory_mb = 1024;
    sc->function.model.cold_start_s = dist_constant(cold_s);
    sc->function.model.overhead_s = dist_constant(0);
    sc->function.model.has_base = true;
    sc->function.model.base_s = dist_constant(infer_s);
    sc->function.model.per_item_s = 0;
    sc->platform.keep_alive_s = dist_constant(600);
    sc->platform.routing = ROUTING_MRU;
    sc->platform.account_concurrency = 1000;
    sc->platform.concurrency_limit = 1000;
    sc->platform.scale_per_10s = 1e9;
    sc->platform.on_throttle = THROTTLE_DROP;
    sc->platform.backoff_s = 0.1;
    sc->platform.backoff_max_s = 20;
    sc->platform.max_retries = 2;
    sc->warmup.interval_s = 300;
    sc->pricing.request_usd = 2e-7;
    sc->pricing.duration_usd_per_gb_s = 0.0000166667;
    sc->pricing.provisioned_usd_per_gb_s = 0.0000041667;
    sc->pricing.provisioned_duration_usd_per_gb_s = 0.0000097222;
    sc->pricing.provisioned_billing_period_s = 300;
    sc->pricing.duration_granularity_ms = 1;
    sc->stats = STATS_EXACT;
}

/* Poisson arrivals instead of a trace. */
static inline void fixture_poisson(struct scenario *sc, double rate_rps, uint64_t requests)
{
    free(sc->workload.trace_s);
    sc->workload.trace_s = NULL;
    sc->workload.trace_len = 0;
    sc->workload.type = WORKLOAD_POISSON;
    sc->workload.rate_rps = rate_rps;
    sc->max_requests = requests;
}

struct fixture_log {
    struct request_record *rec;
    size_t n, cap;
};

static inline void fixture_on_request(void *ctx, const struct request_record *r)
{
    struct fixture_log *log = ctx;
    if (log->n == log->cap) {
        log->cap = log->cap ? 2 * log->cap : 64;
        log->rec = realloc(log->rec, log->cap * sizeof *log->rec);
        if (log->rec == NULL)
            abort();
    }
    log->rec[log->n++] = *r;
}

/* Finds the record of request `id` (records arrive in completion order). */
static inline const struct request_record *fixture_find(const struct fixture_log *log, uint64_t id)
{
    for (size_t i = 0; i < log->n; i++)
        if (log->rec[i].id == id)
            return &log->rec[i];
    return NULL;
}

/* fixture_find, but a missing record fails the running test (fatally), so
 * the caller can dereference the result. */
static inline const struct request_record *fixture_rec(const struct fixture_log *log, uint64_t id)
{
    const struct request_record *r = fixture_find(log, id);
    if (r == NULL) {
        CU_FAIL_FATAL("request record missing");
        abort(); /* not reached: CU_FAIL_FATAL ends the test */
    }
    return r;
}

/* One instance at most (reserved concurrency 1): a batch that arrives while
 * it is busy is throttled. */
static inline void fixture_one_slot(struct scenario *sc)
{
    sc->platform.reserved_concurrency = 1;
    sc->platform.concurrency_limit = 1;
}

/* fixture_one_slot, and a throttled batch retries after a backoff starting
 * at backoff_s, capped at backoff_max_s, at most max_retries times. */
static inline void fixture_one_slot_retry(struct scenario *sc, double backoff_s, double backoff_max_s,
                                          int max_retries)
{
    fixture_one_slot(sc);
    sc->platform.on_throttle = THROTTLE_RETRY;
    sc->platform.backoff_s = backoff_s;
    sc->platform.backoff_max_s = backoff_max_s;
    sc->platform.max_retries = max_retries;
}

static inline void fixture_run(const struct scenario *sc, struct fixture_log *log, struct engine_result *res)
{
    memset(log, 0, sizeof *log);
    struct engine_hooks hooks = { .on_request = fixture_on_request, .ctx = log };
    engine_run(sc, sc->seed, &hooks, res);
}

static inline void fixture_free(struct scenario *sc, struct fixture_log *log)
{
    free(log->rec);
    memset(log, 0, sizeof *log);
    free(sc->workload.trace_s);
    sc->workload.trace_s = NULL;
    dist_fini(&sc->platform.keep_alive_s);
}

#endif
