/* emulate: runs a scenario's invocations for real, as the executor of the
 * engine's real-time loop (engine.h, engine_run_real). Each platform
 * instance is one `lambdasim-worker` process (worker_proto.h): a cold start
 * starts one (it loads the MNIST weights, plus a container image's extra
 * init when the scenario has one), an invocation sends it the batch's
 * images (request i is digit i mod 300 of the shipped digits), a ping sends
 * it n = 0, keep-alive expiry stops it. The engine takes every decision; this
 * module only runs what it is told and measures how long it took. Library
 * code: errors are a status and a message; progress goes to a callback. */
#ifndef LAMBDASIM_EMULATE_H
#define LAMBDASIM_EMULATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include "core/engine.h"

/* A worker process started or stopped: `what` is "started", "stopped",
 * "timed out" or "died"; pid and the instance's uid (as in the per-request
 * CSV). */
typedef void emulate_worker_fn(void *ctx, const char *what, long pid, int64_t instance_uid);

/* Something the run goes on despite, or something not emulated: one line,
 * without a newline (a worker that died and the requests that failed). */
typedef void emulate_warn_fn(void *ctx, const char *line);

struct emulate_options {
    const char *worker_path;    /* the lambdasim-worker executable */
    const char *weights_path;   /* models/mnist-cnn.bin */
    const char *digits_path;    /* traces/mnist-digits-300.bin */
    double ready_timeout_s;     /* a worker must say READY within this (> 0) */
    /* Lambda's CPU share for this memory (cpucap.h), enforced on every
     * worker by a cgroup quota; 0: no cap. */
    double memory_mb;
    const char *scenario_path;  /* names the memory in messages */
    bool require_cpu_cap;       /* no usable cgroup: refuse (EMULATE_ERR_CAP) rather than warn */
    bool isolate;               /* --isolate: the run's cgroup gets the highest CPU weight */
    /* The scenario's cost profile (borrowed; NULL: none). With inject, its
     * overhead_ms and cold_start_ms are made real by the engine
     * (engine_real.inject) and this module (the cold start's rest is
     * waited out). Its inference_ms is NOT emulated: the real CNN does the
     * work under the CPU cap; when the profile's time for a batch of
     * typical_batch differs from this machine's by more than 2x, a
     * warning says so (the report always shows both). */
    const struct model_profile *model;
    double model_factor;        /* how much the model's inference was stretched for the
                                   scenario's memory (scenario function.compute_factor;
                                   0 taken as 1): the CPU comparison undoes it */
    int typical_batch;
    bool inject;
    bool costs_own;             /* not injected because they are the host's own (model_costs_are_host) */
    emulate_worker_fn *on_worker;   /* may be NULL */
    emulate_warn_fn *on_warning;    /* may be NULL */
    void *ctx;
};

struct emulate_stats {
    uint64_t workers_started;   /* processes started (provisioned included) */
    uint64_t workers_stopped;   /* stopped by keep-alive expiry or after a timeout */
    uint64_t images;            /* images classified by the workers */
    uint64_t correct;           /* of those, labelled as the digits file says */
    uint64_t pings;             /* n = 0 requests answered */
    uint64_t workers_died;      /* died by themselves: their invocations failed */
    /* Batches whose CPU time the worker reported and the model covers:
     * their CPU time, and the model's mean time for the same sizes at the
     * model's own memory (one vCPU for a `profile`). A ratio away from 1
     * is a function that cost more or less CPU than when it was profiled:
     * a host whose speed changed, or contention that slows the CPU itself. */
    uint64_t cpu_batches;
    double cpu_s, profile_s;
};

struct emulate;

enum emulate_status {
    EMULATE_OK = 0,
    EMULATE_ERR_INPUT,      /* bad worker path, weight file or digits file; a
                               memory whose CPU share exceeds the host's cores */
    EMULATE_ERR_CAP,        /* require_cpu_cap and no usable cgroup cpu controller */
    EMULATE_ERR_RUN         /* this process cannot start its worker-starting thread */
};

/* Checks that the worker is executable and loads the weights and digits
 * (so a bad file gets its own message; every answer is then checked against
 * in-process inference). On success *out is a new emulator (free with
 * emulate_destroy). The calling thread must outlive the workers (they get
 * SIGTERM when it exits, see worker_proto.h). */
enum emulate_status emulate_create(const struct emulate_options *o, struct emulate **out, char *msg,
                                   size_t msg_len);

/* True when --isolate was done with the run's cgroup (options.isolate and
 * a usable controller); otherwise the caller may fall back to nice. */
bool emulate_isolated(const struct emulate *em);

/* The executor to hand to engine_run_real (owned by em). */
const struct engine_executor *emulate_executor(struct emulate *em);

/* Stops every worker still running: closes their input (they exit), waits up
 * to grace_s in all, then SIGKILLs and reaps the rest. Safe to call twice. */
void emulate_stop_all(struct emulate *em, double grace_s);

/* What the emulator adds to run's report, for the JSON (lines of members,
 * each ending with ",\n", indented two spaces: "emulated" counts, "lag_ms"
 * of the arrivals, "host_cpu" pressure) and for the table (an "Emulation"
 * section). Call after emulate_stop_all. */
void emulate_report_json(FILE *f, const struct emulate *em, const struct engine_result *res);
void emulate_report_table(FILE *f, const struct emulate *em, const struct engine_result *res);

/* True when the run was made on a busy machine (hostload.h), with why. */
bool emulate_host_busy(const struct emulate *em, char *why, size_t len);

/* The workers' CPU time on their batches over the profile's mean time for
 * the same batch sizes (report's "function_cpu" ratio): 1 when the host
 * ran the function as fast as when it was profiled, 1.3 when 30 % slower;
 * 0 when nothing was measured (no batch, or no profile time). */
double emulate_function_speed(const struct emulate *em);

/* True when the profile's inference time is not this machine's CNN's (more
 * than 2x apart, warned about at creation): a profile of another function
 * or machine, against which emulate_function_speed is not the host's
 * speed. */
bool emulate_profile_foreign(const struct emulate *em);

/* Stops every worker (emulate_stop_all with a short grace) and frees em.
 * Safe on NULL. */
void emulate_destroy(struct emulate *em);

#endif
