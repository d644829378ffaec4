/* engine: the discrete-event simulation of one scenario: workload ->
 * batching queue -> client in-flight gate -> platform (instances, limits,
 * throttling, warm-up pings) -> completion. All state lives in one struct
 * engine, so replications and threads run side by side. */
#ifndef LAMBDASIM_ENGINE_H
#define LAMBDASIM_ENGINE_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "core/batcher.h"
#include "core/scenario.h"
#include "core/metrics.h"

/* What became of a request: X(ID, "name in the outputs"). Throttled:
 * dropped on throttle, or out of retries; timed out: the invocation ran past
 * function.timeout_s; rejected: the client queue was full
 * (client.max_queue); failed (real time): the instance's worker died. */
#define REQUEST_STATUSES(X)       \
    X(OK, "ok")                   \
    X(THROTTLED, "throttled")     \
    X(TIMED_OUT, "timed_out")     \
    X(REJECTED, "rejected")       \
    X(FAILED, "error")

enum request_status {
#define REQUEST_STATUS_ENUM(id, name) REQUEST_##id,
    REQUEST_STATUSES(REQUEST_STATUS_ENUM)
#undef REQUEST_STATUS_ENUM
};

/* The engine refuses to hold more requests than this at once: an input
 * that would need more (a burst of a billion requests, say) ends the run
 * with ENGINE_OVERLOAD instead of exhausting memory. */
#define ENGINE_MAX_OUTSTANDING 2000000u

enum engine_status {
    ENGINE_OK = 0,
    ENGINE_OVERLOAD,        /* too many requests in the system at once */
    ENGINE_INTERRUPTED,     /* hooks->stop was raised */
    ENGINE_TIME_LIMIT,      /* real time: the run reached its time limit */
    ENGINE_EXEC_FAILED      /* real time: the executor failed (message given) */
};


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
    ENGINE_EV_WARMUP,       /* a round of warm-up pings starts */
    /* Histogram keep-alive policy (platform.keep_alive_policy) only: */
    ENGINE_EV_POLICY,       /* the policy's windows or mode changed: keepalive */
    ENGINE_EV_UNLOAD,       /* instance_id unloaded as its invocation ended (after
                               its DONE); a pre-warm is due at retry_at_s */
    ENGINE_EV_PREWARM,      /* a pre-warm: instance_id starts loading (init_s), or
                               dropped = skipped (an instance is already loaded) */
    /* batching.policy aimd only: */
    ENGINE_EV_BATCH_CAP,    /* batch_id's latency (batching.latency_s) moved the
                               cap from batching.old_cap to batch_size */
    /* platform.provisioned only: */
    ENGINE_EV_PC_DATAPOINT, /* target tracking's datapoint at the end of a period: pc */
    ENGINE_EV_PC_SCALE,     /* the configured provisioned concurrency changed: pc */
    ENGINE_EV_PC_READY,     /* provisioned instance_id finished allocating: idle */
    ENGINE_EV_PC_RETIRE     /* provisioned instance_id configured away: gone (an idle
                               one at the PC_SCALE, a busy one right after its DONE) */
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
    double retry_at_s;          /* THROTTLE: when the retry happens; UNLOAD: the pre-warm */
    bool prewarmed;             /* INVOKE: warm on an instance a pre-warm loaded */
    struct {                    /* POLICY, PREWARM: the policy's state after the event */
        int mode;               /* enum keepalive_mode */
        double prewarm_s, keep_alive_s, cv;
        uint64_t in_range, out_of_range;    /* idle times learned */
    } keepalive;
    struct {                    /* batching.policy (zero when fixed) */
        int old_cap;            /* BATCH_CAP: the cap before */
        double latency_s;       /* BATCH_CAP: the batch's (its oldest request's) latency */
        double wait_s;          /* DISPATCH (slo): the oldest request's wait so far */
        double predicted_s;     /* DISPATCH (slo): the predicted latency of the batch */
    } batching;
    struct {                    /* platform.provisioned */
        int from, to;           /* PC_SCALE: configured capacity before and after */
        int reason;             /* PC_SCALE: enum pc_reason */
        bool have;              /* PC_DATAPOINT: false = missing (nothing invoked) */
        double value;           /* PC_DATAPOINT, PC_SCALE by an alarm: the utilization */
        int high_streak, low_streak;    /* PC_DATAPOINT: datapoints in a row past each alarm */
        double ready_at_s;      /* PC_SCALE out: when the new instances are ready */
    } pc;
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

struct engine_result {
    uint64_t seed;
    struct {
        uint64_t arrived, completed, failed, throttled, retries, timed_out, rejected;
        uint64_t errored;            /* real time: failed because their worker died */
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
        uint64_t by_slack;           /* batching.policy slo only */
        double mean_size;
    } batches;
    struct {                         /* batching.policy aimd only (zero otherwise) */
        int cap;                     /* the cap at the end */
        uint64_t increases, decreases;
    } batching;
    struct {
        uint64_t count;              /* cold starts that served a request batch */
        double invocation_fraction;  /* of request invocations */
        double request_fraction;     /* of completed requests */
        double last_s;               /* when the last counted one started (0: none) */
    } cold_starts;
    struct {
        uint64_t total, provisioned, warm, cold, throttled, retries, timed_out;
    } invocations;                   /* request invocations (pings apart) */
    /* The executor's platform placed the invocations (engine_placed): the
     * instance figures then count the client's calls in flight. Set by
     * the caller of engine_run_real (emulate --invoke-url). */
    bool remote_platform;
    struct {
        uint64_t peak, created, expired;
        double mean_alive, mean_busy, mean_idle;
    } instances;
    /* platform.provisioned (zero when fixed): the configured provisioned
     * concurrency over the run. */
    struct {
        uint64_t actions, scale_outs, scale_ins;    /* scheduled actions applied; alarm-driven changes */
        uint64_t datapoints, missing_datapoints;
        uint32_t configured_end, configured_peak;
        double configured_mean;     /* over the billed span (ceil(end) to whole billing periods) */
        double instance_s;          /* configured instance-seconds billed */
    } provisioned;
    struct {
        uint64_t pings, cold_pings, throttled, collisions;
        double first_at_s;           /* when the first round was due */
    } warmup;
    /* Histogram keep-alive policy (platform.keep_alive_policy; zero when
     * fixed, except idle_instance_s). */
    struct engine_keep_alive {
        double idle_instance_s;     /* mean_idle times the window its means cover: instance
                                       time alive but not running an invocation (pre-warm
                                       inits included), the paper's wasted memory time */
        uint64_t idle_times;        /* idle times learned (in range + out of range) */
        uint64_t out_of_range;
        int mode;                   /* enum keepalive_mode at the end */
        double prewarm_s, keep_alive_s, cv;  /* the windows at the end */
        uint64_t policy_changes;    /* times the windows or mode changed */
        uint64_t unloaded, prewarms, prewarms_skipped;
        uint64_t prewarm_hits;      /* request invocations warm on a pre-warmed instance */
    } keep_alive;
    struct {
        double requests, duration, provisioned, total;
        double snapstart;           /* restores + snapshot cache; 0 without SnapStart */
    } cost_usd;
    /* Real time only (n = 0 in simulation): how late the loop handled each
     * arrival after its scheduled send time, all requests. Latencies are
     * measured from the scheduled time, so this lag is inside them. */
    struct metrics_summary lag_ms;
    double window_start_s;           /* statistics window */
    double end_s;                    /* last request completion */
    uint64_t events;                 /* events processed */
};

/* Runs the scenario with the given seed. The scenario is borrowed and not
 * modified. hooks may be NULL. With platform.host_cores > 0 (processor
 * sharing), an INVOKE event carries the invocation's unshared init and run
 * times (its end is not known yet); the request records carry the times
 * stretched by sharing. Returns ENGINE_OK; ENGINE_OVERLOAD when
 * more than ENGINE_MAX_OUTSTANDING requests were in the system at once;
 * ENGINE_INTERRUPTED when hooks->stop was raised. In the last two cases the
 * run stopped there and *out describes only the part simulated (requests
 * still in flight are neither completed nor failed). */
enum engine_status engine_run(const struct scenario *sc, uint64_t seed, const struct engine_hooks *hooks,
                              struct engine_result *out);

/* ---- real time ------------------------------------------------------------------
 * The same engine (batching queue, client gate, platform policy, warm-up
 * pings, retries, statistics) can run in real time against an executor that
 * runs each invocation for real (emulate.h: worker processes). Only two
 * things differ from simulation: `now` is the executor's monotonic clock
 * (seconds since t = 0) and the loop waits for it instead of jumping; and an
 * invocation's init, inference and overhead times are measured by the
 * executor when it completes instead of drawn from the model when it
 * starts. Every decision is taken by the same code. */

/* An invocation for the executor to run. */
struct engine_invocation {
    uint32_t instance;          /* platform slot: the executor's key for an instance */
    int64_t instance_uid;       /* as in the request records */
    uint32_t job;               /* opaque: hand it back in the completion */
    bool cold;                  /* a new instance: start it first (a cold start) */
    int n;                      /* images (requests) in the batch; 0 = warm-up ping */
    uint64_t first_request;     /* the batch holds requests first_request .. + n - 1 */
    double extra_init_s;        /* cold: a container image's extra init to wait out */
    double model_init_s;        /* cold, with engine_real.inject: the profile's cold
                                   start drawn for it; the instance is ready no sooner
                                   than model_init_s + extra_init_s after its start */
    double deadline_s;          /* function.timeout_s after the start: end it then */
};

/* The job of a completion that ends no invocation: an idle instance's
 * worker died (the instance is gone). */
#define ENGINE_JOB_IDLE (UINT32_MAX - 1)

/* Where the platform ran an invocation, when the executor's platform is a
 * remote one that decides it (emulate --invoke-url: `lambdasim serve`):
 * the engine's own placement is then only the client's bookkeeping. */
enum engine_placed {
    ENGINE_PLACED_AS_ASKED = 0,     /* the engine's placement holds (its own workers) */
    ENGINE_PLACED_REPORTED_WARM,    /* the platform ran it on a ready instance */
    ENGINE_PLACED_REPORTED_COLD,    /* the platform started an instance for it */
    ENGINE_PLACED_REFUSED           /* the platform throttled it (429): the scenario's
                                       platform.on_throttle applies (retry or drop) */
};

/* What the executor measured when an invocation ended. */
struct engine_completion {
    uint32_t instance, job;     /* from the invocation (or ENGINE_JOB_IDLE) */
    double init_s;              /* start of the instance to ready (0 when it was warm) */
    double inference_s;         /* the function's own time */
    double overhead_s;          /* round trip minus init and inference */
    bool timed_out;             /* reached deadline_s; the instance is gone */
    bool died;                  /* the worker died: the invocation failed (its
                                   requests end REQUEST_FAILED), the instance is gone */
    enum engine_placed placed;  /* a remote platform's placement (0: as asked) */
};

/* The executor's operations; every message is one line. */
struct engine_executor {
    void *ctx;
    /* Starts the provisioned instances (slots[0..n)) and waits until they
     * are ready; then sets t = 0 of its clock. Called once, first. Returns
     * 0, or -1 with a message. */
    int (*prepare)(void *ctx, const uint32_t *slots, size_t n, char *msg, size_t msg_len);
    /* Seconds since t = 0 (monotonic). */
    double (*now)(void *ctx);
    /* Starts an invocation; its completion comes out of wait(). Returns 0,
     * or -1 with a message (the run then fails). */
    int (*start)(void *ctx, const struct engine_invocation *inv, char *msg, size_t msg_len);
    /* The instance in `instance` is gone (keep-alive expiry, reset after a
     * timeout): stop it. */
    void (*retire)(void *ctx, uint32_t instance);
    /* Waits until now() >= until_s (INFINITY: no timer is pending) or until
     * an invocation completes, or a signal arrives. Returns 1 with *done
     * filled, 0 when it returned without a completion, or -1 with a
     * message (a broken worker's wrong answer, say: the run then fails).
     * A worker that dies is a completion with died set. */
    int (*wait)(void *ctx, double until_s, struct engine_completion *done, char *msg, size_t msg_len);
};

struct engine_real {
    const struct engine_executor *exec;     /* borrowed */
    double time_limit_s;                    /* stop the run here (INFINITY: none) */
    char *msg;                              /* ENGINE_EXEC_FAILED's message */
    size_t msg_len;
    /* The profile's costs made real: each invocation's response waits until
     * its overhead is the profile's overhead_ms draw (when the measured
     * round trip left less), and a cold start's model_init_s is drawn (see
     * engine_invocation). Draws come from the run's streams, as in
     * simulation. false: the host's own costs only. */
    bool inject;
};

/* Runs the scenario in real time through real->exec. Results, hooks and
 * statuses as engine_run, plus ENGINE_TIME_LIMIT and ENGINE_EXEC_FAILED
 * (with real->msg); after any status but ENGINE_OK the run stopped there and
 * *out describes the part that ran. platform.host_cores is ignored: the
 * real machine is the contention. INVOKE events carry init_s = run_s = NAN
 * (they are measured later; the request records have them). The executor's
 * instances are left running: the caller stops them. */
enum engine_status engine_run_real(const struct scenario *sc, uint64_t seed, const struct engine_hooks *hooks,
                                   const struct engine_real *real, struct engine_result *out);

const char *engine_batch_reason_name(enum batch_reason r);
const char *engine_request_status_name(enum request_status s);

#endif
