/* engine: the discrete-event simulation of one scenario: workload ->
 * batching queue -> client in-flight gate -> platform (instances, limits,
 * throttling, warm-up pings) -> completion. All state lives in one struct
 * engine, so replications and threads run side by side. */
#ifndef LAMBDASIM_ENGINE_H
#define LAMBDASIM_ENGINE_H

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include "scenario.h"
#include "metrics.h"

enum request_status {
    REQUEST_OK = 0,
    REQUEST_THROTTLED,  /* dropped on throttle, or out of retries */
    REQUEST_TIMED_OUT,  /* the invocation ran past function.timeout_s */
    REQUEST_REJECTED    /* the client queue was full (client.max_queue) */
};

/* The engine refuses to hold more requests than this at once: an input
 * that would need more (a burst of a billion requests, say) ends the run
 * with ENGINE_OVERLOAD instead of exhausting memory. */
#define ENGINE_MAX_OUTSTANDING 2000000u

enum engine_status { ENGINE_OK = 0, ENGINE_OVERLOAD, ENGINE_INTERRUPTED };

enum batch_reason { BATCH_BY_THRESHOLD = 0, BATCH_BY_TIMEOUT, BATCH_BY_SIZE };

/* What became of one request; handed to the on_request hook when it ends. */
struct request_record {
    uint64_t id;            /* arrival order, from 0 */
    double arrival_s;
    double dispatch_s;      /* left the batching queue */
    double start_s;         /* accepted by the platform (instance assigned) */
    double end_s;           /* response at the client (or failure) */
    double latency_ms;      /* end - arrival */
    double overhead_ms;
    double cold_start_ms;   /* init time waited for (0 when warm) */
    double inference_ms;
    uint64_t batch_id;
    int batch_size;
    enum batch_reason batch_reason;
    int retries;            /* throttled attempts before the last one */
    bool cold;
    bool provisioned;       /* ran on a provisioned instance */
    int64_t instance_id;    /* -1 when never placed */
    enum request_status status;
    bool counted;           /* arrived after warmup_period_s */
};

/* What happened, for narration (explain), timelines and simulated logs. */
enum engine_event_kind {
    ENGINE_EV_ARRIVAL = 0,  /* request_id joined the queue (queue_len after) */
    ENGINE_EV_DISPATCH,     /* batch_id left the queue: batch_size, reason */
    ENGINE_EV_WAIT,         /* batch_id waits for a client in-flight slot */
    ENGINE_EV_INVOKE,       /* batch_id (or a ping) started on instance_id:
                               placement, init_s, run_s, timed_out */
    ENGINE_EV_THROTTLE,     /* batch_id (or a ping) was throttled: placement
                               says why; retry_at_s when it will retry */
    ENGINE_EV_DONE,         /* the invocation on instance_id ended (busy ->
                               idle, or discarded after a timeout) */
    ENGINE_EV_COMPLETE,     /* batch_id's response reached the client: status */
    ENGINE_EV_EXPIRE,       /* idle instance_id reclaimed after its keep-alive */
    ENGINE_EV_WARMUP        /* a round of warm-up pings starts */
};

enum engine_placement {
    ENGINE_PLACED_PROVISIONED = 0,
    ENGINE_PLACED_WARM,
    ENGINE_PLACED_COLD,
    ENGINE_THROTTLED_CONCURRENCY,
    ENGINE_THROTTLED_SCALING
};

struct engine_event {
    enum engine_event_kind kind;
    double time_s;
    uint64_t request_id;        /* ARRIVAL; first request of the batch otherwise */
    uint64_t batch_id;          /* DISPATCH..COMPLETE for requests */
    int64_t instance_id;        /* INVOKE, DONE, EXPIRE; -1 otherwise */
    int batch_size;
    enum batch_reason reason;   /* DISPATCH */
    enum engine_placement placement; /* INVOKE, THROTTLE */
    enum request_status status; /* COMPLETE */
    bool ping;                  /* INVOKE, THROTTLE, DONE: a warm-up ping */
    bool provisioned;           /* the instance is provisioned */
    bool timed_out;             /* INVOKE, DONE: ran into function.timeout_s */
    bool dropped;               /* THROTTLE: the requests fail now */
    int attempt;                /* INVOKE, THROTTLE: 0 first try, then retries */
    double init_s, run_s;       /* INVOKE: init (cold) and handler time */
    double retry_at_s;          /* THROTTLE: when the retry happens */
    int queue_len;              /* requests in the batching queue after the event */
    uint32_t inflight;          /* outstanding invocations after the event */
    uint32_t instances_alive, instances_busy, pings_busy;
};

struct engine_hooks {
    /* Called once per request when it completes or fails (borrowed record). */
    void (*on_request)(void *ctx, const struct request_record *rec);
    /* Called for every event above, in simulated-time order (borrowed). */
    void (*on_event)(void *ctx, const struct engine_event *ev);
    void *ctx;
    /* When set, polled every few thousand events: a non-zero value (set by
     * a signal handler, say) stops the run with ENGINE_INTERRUPTED. */
    const volatile sig_atomic_t *stop;
};

const char *engine_event_kind_name(enum engine_event_kind k);
const char *engine_placement_name(enum engine_placement p);

struct engine_result {
    uint64_t seed;
    struct {
        uint64_t arrived, completed, failed, throttled, retries, timed_out, rejected;
    } requests;                      /* counted requests only */
    struct {
        uint64_t peak_queue;         /* most batches waiting for an in-flight slot */
        uint64_t rejected_batches;   /* turned away by client.max_queue */
    } client;
    struct metrics_summary latency_ms;
    double throughput_rps;
    struct {
        double batch_wait, dispatch_wait, overhead, cold_start, inference;
    } breakdown_ms;                  /* means over completed counted requests */
    struct {
        uint64_t count, by_threshold, by_timeout, by_size;
        double mean_size;
    } batches;
    struct {
        uint64_t count;              /* cold starts that served a request batch */
        double invocation_fraction;  /* of request invocations */
        double request_fraction;     /* of completed requests */
    } cold_starts;
    struct {
        uint64_t total, provisioned, warm, cold, throttled, retries, timed_out;
    } invocations;                   /* request invocations (pings apart) */
    struct {
        uint64_t peak, created, expired;
        double mean_alive, mean_busy, mean_idle;
    } instances;
    struct {
        uint64_t pings, cold_pings, throttled, collisions;
    } warmup;
    struct {
        double requests, duration, provisioned, total;
    } cost_usd;
    double window_start_s;           /* statistics window */
    double end_s;                    /* last request completion */
    uint64_t events;                 /* events processed */
};

/* Runs the scenario with the given seed. The scenario is borrowed and not
 * modified. hooks may be NULL. Returns ENGINE_OK; ENGINE_OVERLOAD when
 * more than ENGINE_MAX_OUTSTANDING requests were in the system at once;
 * ENGINE_INTERRUPTED when hooks->stop was raised. In the last two cases the
 * run stopped there and *out describes only the part simulated (requests
 * still in flight are neither completed nor failed). */
enum engine_status engine_run(const struct scenario *sc, uint64_t seed, const struct engine_hooks *hooks,
                              struct engine_result *out);

const char *engine_batch_reason_name(enum batch_reason r);
const char *engine_request_status_name(enum request_status s);

#endif
