/* serve: a local Lambda over HTTP (`lambdasim serve`). The Invoke API
 * (POST /2015-03-31/functions/NAME/invocations) on one listening address,
 * and Lambda's Runtime API for real function processes: each instance is
 * a process running the function directory's `bootstrap` (Lambda's custom
 * runtime contract) with a Runtime API of its own on a loopback port, as
 * each Lambda execution environment has its own. Instances start on
 * demand up to the concurrency limit, are reused while warm and stopped
 * after keep-alive; provisioned ones start before serving. Logs are
 * CloudWatch text (START/END/REPORT) plus the instances' output.
 *
 * With batch_threshold > 1 it is also the batching gateway: each Invoke
 * is one item; the simulator's batcher (core/batcher.h: threshold, size
 * cap, timeout from the oldest item) groups items into one invocation
 * whose event is the JSON array of their payloads, and each caller gets
 * its element of the JSON array the function returns (any other reply is
 * a function error for every caller of the batch).
 *
 * New on-demand instances are limited by the scaling rate with the
 * simulator's token bucket (core/platform.h), and warm-up pings go out
 * every warmup_interval_s as the simulator's do (each takes an instance,
 * holds it warmup_hold_s after answering). It runs its own small pool
 * (not engine_run_real; docs/reference/serve.md says what is not done).
 *
 * Library code: errors are a status and a message; events worth a line on
 * stderr go through on_note. */
#ifndef LAMBDASIM_SERVE_H
#define LAMBDASIM_SERVE_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include "core/scenario.h"

/* Lambda's payload limits: 6 MB for a synchronous invocation, 1 MB for an
 * asynchronous one (raised from 256 KB in October 2025). */
#define SERVE_SYNC_PAYLOAD_MAX ((size_t)6 * 1024 * 1024)
#define SERVE_EVENT_PAYLOAD_MAX ((size_t)1024 * 1024)
/* X-Amz-Log-Result carries the last 4 KB of the invocation's log. */
#define SERVE_TAIL_BYTES 4096
/* Lambda's limit on the init phase of an on-demand instance. */
#define SERVE_INIT_LIMIT_S 10.0
/* A DryRun's answer names the batching gateway's threshold in this header
 * (lambdasim's own, not Lambda's) when the function batches its callers. */
#define SERVE_BATCHING_HEADER "X-Lambdasim-Batch-Threshold"
/* Idle instances ordered by routing per dispatch, at most (the rest wait
 * for the next one). */
#define SERVE_ROUTE_MAX 1024
/* Asynchronous invocations waiting for an instance, at most (then 429). */
#define SERVE_EVENT_QUEUE_MAX 10000

/* The Reason of a 429 TooManyRequestsException. Over the concurrency
 * limit: Lambda's own for a function with reserved concurrency. Over the
 * scaling rate: AWS documents no Reason for it; this is the one of the
 * list (Invoke API, TooManyRequestsException) that says concurrency could
 * not grow. */
#define SERVE_REASON_CONCURRENCY "ReservedFunctionConcurrentInvocationLimitExceeded"
#define SERVE_REASON_SCALING "ConcurrentInvocationLimitExceeded"

struct serve_options {
    const char *host;           /* listening address (numeric IPv4) */
    int port;                   /* 0: any free port (serve_port) */
    const char *function_dir;   /* holds the executable `bootstrap` */
    const char *function_name;  /* the name in the Invoke API's path */
    const char *handler;        /* _HANDLER */
    double memory_mb;           /* function.memory_mb */
    double timeout_s;           /* function.timeout_s */
    double keep_alive_s;        /* idle time before an on-demand instance stops */
    int concurrency_limit;      /* platform: at most this many instances / in flight */
    int provisioned;            /* instances started before serving */
    int batch_threshold;        /* batching.threshold; above 1: the batching gateway */
    int batch_max;              /* batching.max_batch (>= batch_threshold) */
    double batch_timeout_s;     /* batching.timeout_s, from the oldest waiting item */
    enum routing_policy routing; /* platform.routing: which idle instance takes an invocation */
    double scale_per_10s;       /* platform.scale_per_10s: new on-demand instances per 10 s
                                   (a token bucket of that size); 0: no limit */
    int warmup_concurrency;     /* warm-up pings per round; 0: none */
    double warmup_interval_s;   /* between rounds (fixed rate) */
    double warmup_first_at_s;   /* the first round, from serve_start */
    double warmup_hold_s;       /* a ping holds its instance this long after answering */
    int event_retries;          /* an Event invocation that fails (function error, crash,
                                   timeout) is run again this many times (Lambda's
                                   MaximumRetryAttempts, 0..2, default 2) */
    double event_retry_delay_s; /* retry k waits k times this after the failure (Lambda:
                                   1 minute, then 2) */
    bool cpu_cap;               /* try to give each instance Lambda's CPU share (cgroup) */
    FILE *log;                  /* CloudWatch text log and the instances' output; may be NULL */
    FILE *client_log;           /* one CSV row per Invoke (as `run --client-log`); may be NULL */
    void (*on_note)(void *ctx, const char *line); /* instance started/stopped, warnings */
    void *ctx;
};

struct serve_stats {
    uint64_t invokes, ok, function_errors, timeouts, throttled, events, dry_runs, not_found;
    uint64_t event_retries;           /* Event invocations run again after a failure */
    uint64_t instances_started, cold_starts, init_errors;
    uint64_t pings, pings_throttled;  /* warm-up pings sent, dropped over the limits */
};

struct serve;

/* Checks the function directory, starts the HTTP server and the
 * provisioned instances (and waits until each is ready). Returns 0, or -1
 * with a message; *out is then NULL and nothing is left running. */
int serve_start(const struct serve_options *o, struct serve **out, char *msg, size_t msg_len);

/* The port the Invoke API listens on. */
int serve_port(const struct serve *s);

/* Serves until *stop becomes non-zero: reaps exited instances, enforces
 * timeouts and keep-alive. */
void serve_run(struct serve *s, const volatile sig_atomic_t *stop);

/* Stops accepting, waits up to drain_s for the invocations in flight, then
 * stops every instance and the server. Returns how many invocations were
 * still in flight (and failed). Idempotent. */
size_t serve_stop(struct serve *s, double drain_s);

void serve_get_stats(struct serve *s, struct serve_stats *st);

/* Frees everything (stops first when needed). NULL is fine. */
void serve_destroy(struct serve *s);


#endif
