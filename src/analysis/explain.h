/* explain: narrates a run in plain words, one line per engine event
 * (simulated time first), and diagnoses its latency tail: which causes
 * (cold starts, waiting for a batch, waiting for a client slot, throttling)
 * touched which requests, what p99 would be without each, and the --set
 * change that removes it. Writes only to the FILE* it is given. */
#ifndef LAMBDASIM_EXPLAIN_H
#define LAMBDASIM_EXPLAIN_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include "core/engine.h"
#include "core/scenario.h"

struct explain_opts {
    uint64_t first;     /* narrate at most this many events; UINT64_MAX = all, 0 = none */
    double from_s;      /* narrate only events with from_s <= time_s <= to_s */
    double to_s;        /* INFINITY = no upper bound */
};

/* Narration state. Create one per run; it borrows `out` and `sc` until
 * destroyed. */
struct explain;

struct explain *explain_create(FILE *out, const struct scenario *sc, const struct explain_opts *o);
/* NULL is a no-op. */
void explain_destroy(struct explain *x);

/* Fills hooks so that engine_run feeds the narration (hooks->ctx = x). */
void explain_hooks(struct explain *x, struct engine_hooks *hooks);

/* After the run: one line saying how many events were narrated of all;
 * with the histogram keep-alive policy, then explain_write_keepalive; with
 * an adaptive batching.policy, then explain_write_batching; with
 * platform.provisioned, then explain_write_provisioned. */
void explain_write_footer(struct explain *x, const struct engine_result *res);

/* What the histogram keep-alive policy decided over a run (windows learned
 * or the fall-back, unloads, pre-warms and the cold starts they saved, idle
 * instance time), a few lines. */
void explain_write_keepalive(FILE *f, const struct scenario *sc, const struct engine_result *res);

/* What an adaptive batching.policy did over a run: aimd, the cap's rises
 * and falls and its value at the end; slo, how many batches left by slack;
 * one line. */
void explain_write_batching(FILE *f, const struct scenario *sc, const struct engine_result *res);

/* What platform.provisioned did over a run: the configured provisioned
 * concurrency at the start, end, peak and on average (billed
 * instance-seconds), scheduled actions and target tracking's scale-outs,
 * scale-ins and datapoints, invocations on provisioned instances and
 * spilled to on-demand; one line. */
void explain_write_provisioned(FILE *f, const struct scenario *sc, const struct engine_result *res);

/* ---- diagnosis -------------------------------------------------------- */

enum explain_cause_kind {
    EXPLAIN_COLD_START = 0, /* waited for an instance's init */
    EXPLAIN_BATCH_WAIT,     /* waited in the batching queue */
    EXPLAIN_CLIENT_WAIT,    /* waited for a client in-flight slot, or was rejected
                               because the client queue was full */
    EXPLAIN_THROTTLE,       /* throttled: waited for a retry, or failed */
    EXPLAIN_N_CAUSES
};

#define EXPLAIN_FIX_MAX 2
#define EXPLAIN_SET_MAX 96
#define EXPLAIN_MSG_MAX 512

/* What re-running the scenario with a change gave (filled by the caller,
 * explain_rerun_set or explain_rerun_fail). */
struct explain_rerun {
    bool done;
    char error[EXPLAIN_MSG_MAX];    /* non-empty: the re-run could not be set up */
    double p99_ms, cost_usd;
    uint64_t failed, cold_starts;
};

struct explain_cause {
    enum explain_cause_kind kind;
    uint64_t requests;      /* counted requests it touched (completed or failed) */
    uint64_t failed;        /* of those, failed (throttled, or rejected by the client queue) */
    uint64_t in_tail;       /* completed requests at or above p99 it touched */
    double mean_ms;         /* mean time it added to the completed requests it touched */
    double p99_without_ms;  /* p99 with that part removed from every completed request
                               (NAN when nothing completed) */
    /* The --set changes that remove it ("path=value"); n_fix = 0: none. */
    char fix[EXPLAIN_FIX_MAX][EXPLAIN_SET_MAX];
    int n_fix;
    const char *fix_note;   /* a short caveat for the fix, or "" */
    char hint[EXPLAIN_MSG_MAX]; /* another way to reduce it, or "" */
    struct explain_rerun rerun;     /* with the fix */
};

/* Another change worth pricing against the causes' fixes (the cheap ones:
 * ping timing, pings, a batching timeout from the arrival rate, keep-alive,
 * the in-flight cap): re-run by the caller like a cause's fix. */
#define EXPLAIN_OPTION_MAX 8

struct explain_option {
    enum explain_cause_kind cause;  /* what it is meant to shorten */
    char set[EXPLAIN_FIX_MAX][EXPLAIN_SET_MAX];
    int n_set;
    const char *what;       /* what it does, a few words */
    struct explain_rerun rerun;
};

struct explain_diagnosis {
    uint64_t counted;       /* requests in the statistics window */
    uint64_t completed, failed, timed_out;
    uint64_t tail;          /* completed requests at or above p99 */
    double p99_ms;          /* NAN when nothing completed */
    double cost_usd;
    uint64_t collisions;    /* request invocations that collided with warm-up pings */
    double function_timeout_s;
    bool latency_from_dispatch;     /* stats.latency_from = dispatch: queue wait not in latency */
    struct explain_cause cause[EXPLAIN_N_CAUSES];  /* indexed by kind */
    struct explain_option option[EXPLAIN_OPTION_MAX];
    int n_option;
};

/* Attributes the tail of the finished run (the result engine_run filled
 * while feeding x). Fills *d; re-runs are the caller's (see below). */
void explain_diagnose(const struct explain *x, const struct engine_result *res,
                      struct explain_diagnosis *d);

/* Records what a re-run gave (a cause's fix, an option), or why it could
 * not be set up. */
void explain_rerun_set(struct explain_rerun *r, const struct engine_result *res);
void explain_rerun_fail(struct explain_rerun *r, const char *msg);

/* Writes the diagnosis in plain words: each cause with its fix, then every
 * fix re-run (causes' and options') ranked by p99 gained per dollar added:
 * those that gain at no added cost first (by gain), then by gain per
 * dollar, then those with no clear gain. */
void explain_write_diagnosis(FILE *f, const struct explain_diagnosis *d);

const char *explain_cause_name(enum explain_cause_kind k);

#endif
