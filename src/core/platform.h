/* platform: the execution environments (instances) of one function:
 * provisioned and on-demand instances, idle sets with routing (mru, lru,
 * random), keep-alive expiry, the concurrency limit and the scaling-rate
 * token bucket. It decides; the engine schedules the events.
 * Every operation is O(1) (random routing included): no scan of instances. */
#ifndef LAMBDASIM_PLATFORM_H
#define LAMBDASIM_PLATFORM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <gsl/gsl_rng.h>
#include "core/keepalive.h"
#include "core/scenario.h"

#define PLATFORM_NONE UINT32_MAX

/* LOADING: a pre-warm's init is under way (histogram keep-alive policy):
 * alive, neither busy nor available until it is done. */
enum instance_state { INSTANCE_DEAD = 0, INSTANCE_BUSY, INSTANCE_IDLE, INSTANCE_LOADING };

struct instance {
    int64_t uid;            /* unique over the run, in creation order */
    uint32_t gen;           /* bumped when the slot is freed: stale events see it */
    uint8_t state;          /* enum instance_state */
    bool provisioned;
    bool expiry_armed;      /* an expiry event for this generation is pending */
    bool prewarmed;         /* loaded by a pre-warm; cleared when its first invocation ends */
    bool has_run;           /* has run a batch since its init (pings do not count: they
                               do not run the function's work) */
    uint32_t prev, next;    /* idle list, ordered by the time they went idle */
    uint32_t pos;           /* index in the idle set's array (random routing) */
    double idle_since_s;
    double expire_at_s;     /* on-demand idle: when keep-alive runs out */
    double created_s;
};

struct idle_set {
    uint32_t head, tail;    /* head = idle longest (lru), tail = most recent (mru) */
    size_t n;               /* members */
    /* Random routing only: the same members, unordered, for an O(1) pick.
     * mru and lru never read it, so they do not pay for keeping it. */
    bool indexed;
    uint32_t *slots;
    size_t cap;
};

enum platform_outcome {
    PLATFORM_PROVISIONED = 0, /* an idle provisioned instance */
    PLATFORM_WARM,            /* an idle on-demand instance */
    PLATFORM_COLD,            /* a new on-demand instance: init first */
    PLATFORM_THROTTLED_CONCURRENCY,
    PLATFORM_THROTTLED_SCALING
};

/* The scaling-rate token bucket: it holds at most per_10s tokens (the
 * burst), refills at per_10s per 10 s, and each new on-demand instance
 * takes one. Used by the platform below and, in real time, by serve. */
struct platform_bucket {
    double tokens, at_s, per_10s;
};

/* Full at now_s. */
static inline void platform_bucket_init(struct platform_bucket *b, double per_10s, double now_s)
{
    b->per_10s = per_10s;
    b->tokens = per_10s;
    b->at_s = now_s;
}

/* Refills up to now_s, then takes a token: false (nothing taken) when
 * less than one is left, i.e. a new instance now would exceed the rate. */
bool platform_bucket_take(struct platform_bucket *b, double now_s);

struct platform {
    const struct platform_spec *spec;   /* borrowed */
    gsl_rng *rng_keep_alive;            /* borrowed */
    gsl_rng *rng_routing;               /* borrowed */
    struct instance *inst;
    size_t cap, used;                   /* slots allocated / ever used */
    uint32_t free_head;                 /* free slots, linked through next */
    struct idle_set idle_provisioned, idle_on_demand;
    uint32_t n_alive, n_busy, n_idle;
    uint32_t n_loading;                 /* pre-warms under way (alive, not idle) */
    struct platform_bucket bucket;      /* scaling rate */
    int64_t next_uid;
    uint64_t created, expired;
    /* Histogram keep-alive policy (spec->keep_alive_policy); unused when fixed. */
    bool histogram;
    struct keepalive ka;
    bool ka_changed;                    /* the windows or mode changed since the caller last cleared it */
    bool app_idle;                      /* nothing busy since app_idle_since_s (an idle time is running) */
    double app_idle_since_s;
    uint64_t idle_times;                /* idle times observed */
    uint64_t unloaded, prewarms, prewarms_skipped, prewarm_hits;
    /* Provisioned concurrency. Fixed: configured = ready from t = 0. With
     * platform.provisioned the engine changes the configured count: new
     * instances are LOADING (allocating) until ready; removed ones go
     * allocating first (when their allocation ends: pc_cancel), then
     * idle, then busy ones when their invocation ends (pc_excess). */
    uint32_t pc_configured;             /* what is configured (and billed) */
    uint32_t pc_ready;                  /* provisioned, initialised and alive (idle or busy) */
    uint32_t pc_loading;                /* being allocated */
    uint32_t pc_excess;                 /* busy provisioned instances to retire when they end */
    uint32_t pc_cancel;                 /* allocating ones to retire when their allocation ends */
    uint32_t pc_busy;                   /* provisioned instances running an invocation */
    /* Target tracking's metric, ProvisionedConcurrencyUtilization (pc_track
     * only): pc_busy and pc_ready integrated since the period began, the
     * largest pc_busy / pc_ready seen, invocations started. */
    bool pc_track;
    double pc_t, pc_busy_area, pc_ready_area, pc_peak_util;
    uint64_t pc_invocations;
};

enum platform_pc_removal {
    PLATFORM_PC_CANCELLED = 0,          /* an allocating instance: freed when its allocation ends
                                           (an init under way is not interrupted) */
    PLATFORM_PC_IDLE,                   /* an idle provisioned instance, freed now */
    PLATFORM_PC_WHEN_DONE               /* all are busy: one is freed when its invocation ends */
};

enum platform_pc_allocated {
    PLATFORM_PC_READY = 0,              /* idle and provisioned */
    PLATFORM_PC_RETIRED,                /* configured away meanwhile: freed */
    PLATFORM_PC_STALE                   /* not an allocating instance (a stale event) */
};

/* Creates provisioned_concurrency idle provisioned instances (initialised
 * before t = 0). spec and the generators are borrowed for the platform's
 * lifetime. */
void platform_init(struct platform *p, const struct platform_spec *spec, gsl_rng *rng_keep_alive,
                   gsl_rng *rng_routing);
void platform_fini(struct platform *p);

/* Finds an instance for one invocation at now_s: an idle provisioned one,
 * else an idle on-demand one, else a new one (cold). Throttles when the busy
 * count is at the concurrency limit, or when a new instance is needed and
 * the scaling bucket holds less than one token. On success the instance is
 * busy and *slot names it. */
enum platform_outcome platform_acquire(struct platform *p, double now_s, uint32_t *slot);

/* The invocation on `slot` ended at now_s: the instance becomes idle. For an
 * on-demand instance a keep-alive is drawn; returns true when the caller
 * must schedule an expiry check at *check_at_s for generation *gen.
 * Histogram policy: the keep-alive is the learned window; when the policy
 * has a pre-warm window the instance is unloaded instead (freed, returns
 * false) and *prewarm_at_s (may be NULL otherwise) is when the caller must
 * call platform_prewarm; it is NAN when nothing was unloaded. */
bool platform_release(struct platform *p, uint32_t slot, double now_s, double *check_at_s,
                      uint32_t *gen, double *prewarm_at_s);

/* Histogram policy: a pre-warm due at now_s. Unless an on-demand instance
 * is already idle or loading (then it is skipped: returns false), a new
 * on-demand instance starts loading (*slot, state LOADING, no scaling
 * token: the platform's own doing); the caller draws its init time and
 * calls platform_prewarm_done when it is over. */
bool platform_prewarm(struct platform *p, double now_s, uint32_t *slot);

/* The pre-warm init of `slot` ended at now_s: the instance is idle and
 * available, kept loaded until its load time plus the keep-alive window.
 * Returns true when the caller must schedule an expiry check at
 * *check_at_s for generation *gen. */
bool platform_prewarm_done(struct platform *p, uint32_t slot, double now_s, double *check_at_s,
                           uint32_t *gen);

/* Real time: the pre-warm of `slot` failed (its worker died during init):
 * the slot is freed, as if nothing had been loaded. */
void platform_prewarm_failed(struct platform *p, uint32_t slot);

/* Expiry check for (slot, gen) at now_s. Returns true when the caller must
 * check again at *check_at_s (the instance was used since); the instance is
 * reclaimed when idle past its keep-alive. Stale generations are ignored. */
bool platform_expiry(struct platform *p, uint32_t slot, uint32_t gen, double now_s,
                     double *check_at_s, bool *expired);

/* Destroys a busy instance (environment reset after a function timeout). */
void platform_discard(struct platform *p, uint32_t slot);

/* Destroys an idle on-demand instance (real time: its worker died). */
void platform_discard_idle(struct platform *p, uint32_t slot);

/* Configures one more provisioned instance at now_s. Returns true when a
 * new one starts allocating (*slot, state LOADING): the caller calls
 * platform_pc_ready when its allocation is over; false when one that was
 * to be retired (allocating, else busy) stays instead. */
bool platform_pc_add(struct platform *p, double now_s, uint32_t *slot);

/* The allocation of (slot, gen) ended at now_s: the instance is ready, or
 * freed when it was configured away meanwhile. */
enum platform_pc_allocated platform_pc_ready(struct platform *p, uint32_t slot, uint32_t gen, double now_s);

/* Real time: the allocation of `slot` failed (its worker died during
 * init): the slot is freed and the capacity it was for is lost. */
void platform_pc_alloc_failed(struct platform *p, uint32_t slot);

/* Configures one provisioned instance fewer at now_s: one still allocating
 * goes when its allocation ends, else an idle one now (the one idle
 * longest: *slot), else a busy one when its invocation ends. */
enum platform_pc_removal platform_pc_remove(struct platform *p, double now_s, uint32_t *slot);

/* Target tracking: the datapoint of the period ending at now_s, and a new
 * period begins. False when there is none (nothing was invoked in the
 * period, or no provisioned instance was ready: Lambda emits no metric). */
bool platform_pc_datapoint(struct platform *p, double now_s, bool maximum, double *value);

static inline const struct instance *platform_instance(const struct platform *p, uint32_t slot)
{
    return &p->inst[slot];
}

/* True the first time it is asked for an instance since its init: its
 * first batch (model first_invocation_ms). */
static inline bool platform_first_batch(struct platform *p, uint32_t slot)
{
    bool first = !p->inst[slot].has_run;
    p->inst[slot].has_run = true;
    return first;
}

#endif
