/* platform: instances, routing, keep-alive, concurrency and scaling limits. */
#include "core/platform.h"

#include <assert.h>
#include <math.h>
#include <stdlib.h>
#include "core/dist.h"
#include "core/keepalive.h"
#include "base/common.h"
#include "base/xalloc.h"

/* The idle-set operations run on every invocation; keep them inside
 * platform_acquire and platform_release (HOT: base/common.h). */

static void idle_init(struct idle_set *s, bool indexed)
{
    s->head = s->tail = PLATFORM_NONE;
    s->indexed = indexed;
    s->slots = NULL;
    s->n = s->cap = 0;
}

HOT void idle_push(struct platform *p, struct idle_set *s, uint32_t slot)
{
    struct instance *in = &p->inst[slot];
    in->prev = s->tail;
    in->next = PLATFORM_NONE;
    if (s->tail != PLATFORM_NONE)
        p->inst[s->tail].next = slot;
    else
        s->head = slot;
    s->tail = slot;
    if (s->indexed) {
        if (s->n == s->cap)
            s->slots = xgrow(s->slots, &s->cap, s->n + 1, sizeof *s->slots);
        in->pos = (uint32_t)s->n;
        s->slots[s->n] = slot;
    }
    s->n++;
}

HOT void idle_remove(struct platform *p, struct idle_set *s, uint32_t slot)
{
    struct instance *in = &p->inst[slot];
    if (in->prev != PLATFORM_NONE)
        p->inst[in->prev].next = in->next;
    else
        s->head = in->next;
    if (in->next != PLATFORM_NONE)
        p->inst[in->next].prev = in->prev;
    else
        s->tail = in->prev;
    assert(s->n > 0);
    s->n--;
    if (s->indexed) {
        /* swap-remove from the unordered array */
        assert(s->slots[in->pos] == slot);
        uint32_t last = s->slots[s->n];
        s->slots[in->pos] = last;
        p->inst[last].pos = in->pos;
    }
    in->prev = in->next = PLATFORM_NONE;
}

HOT uint32_t idle_pick(struct platform *p, struct idle_set *s)
{
    assert(s->n > 0);
    uint32_t slot;
    switch (p->spec->routing) {
    case ROUTING_LRU:
        slot = s->head;
        break;
    case ROUTING_RANDOM:
        slot = s->slots[gsl_rng_uniform_int(p->rng_routing, (unsigned long)s->n)];
        break;
    case ROUTING_MRU:
    default:
        slot = s->tail;
        break;
    }
    idle_remove(p, s, slot);
    return slot;
}

static uint32_t slot_new(struct platform *p, bool provisioned, double now_s)
{
    uint32_t slot;
    if (p->free_head != PLATFORM_NONE) {
        slot = p->free_head;
        p->free_head = p->inst[slot].next;
    } else {
        if (p->used == p->cap) {
            size_t old = p->cap;
            p->inst = xgrow(p->inst, &p->cap, p->used + 1, sizeof *p->inst);
            for (size_t i = old; i < p->cap; i++)
                p->inst[i].gen = 0;
        }
        assert(p->used < UINT32_MAX);
        slot = (uint32_t)p->used++;
    }
    struct instance *in = &p->inst[slot];
    uint32_t gen = in->gen;
    *in = (struct instance){ 0 };
    in->gen = gen;
    in->uid = p->next_uid++;
    in->provisioned = provisioned;
    in->prev = in->next = PLATFORM_NONE;
    in->created_s = now_s;
    p->n_alive++;
    p->created++;
    return slot;
}

static void slot_free(struct platform *p, uint32_t slot)
{
    struct instance *in = &p->inst[slot];
    in->state = INSTANCE_DEAD;
    in->gen++;
    in->expiry_armed = false;
    in->next = p->free_head;
    p->free_head = slot;
    p->n_alive--;
}

void platform_init(struct platform *p, const struct platform_spec *spec, gsl_rng *rng_keep_alive,
                   gsl_rng *rng_routing)
{
    *p = (struct platform){ 0 };
    p->spec = spec;
    p->rng_keep_alive = rng_keep_alive;
    p->rng_routing = rng_routing;
    p->free_head = PLATFORM_NONE;
    bool indexed = spec->routing == ROUTING_RANDOM;
    idle_init(&p->idle_provisioned, indexed);
    idle_init(&p->idle_on_demand, indexed);
    platform_bucket_init(&p->bucket, spec->scale_per_10s, 0);
    size_t hint = (size_t)spec->provisioned_concurrency + 16;
    p->inst = xgrow(NULL, &p->cap, hint, sizeof *p->inst);
    for (size_t i = 0; i < p->cap; i++)
        p->inst[i].gen = 0;
    for (int i = 0; i < spec->provisioned_concurrency; i++) {
        uint32_t slot = slot_new(p, true, 0);
        p->inst[slot].state = INSTANCE_IDLE;
        idle_push(p, &p->idle_provisioned, slot);
        p->n_idle++;
    }
    /* Provisioned instances are set up before the run: not "created" by it. */
    p->created = 0;
    p->pc_configured = p->pc_ready = (uint32_t)spec->provisioned_concurrency;
    p->pc_track = spec->provisioned.tracking;
    p->histogram = spec->keep_alive_policy.policy == KEEPALIVE_HISTOGRAM;
    if (p->histogram)
        keepalive_init(&p->ka, &spec->keep_alive_policy);
}

void platform_fini(struct platform *p)
{
    free(p->inst);
    free(p->idle_provisioned.slots);
    free(p->idle_on_demand.slots);
    if (p->histogram)
        keepalive_fini(&p->ka);
    *p = (struct platform){ 0 };
}

/* The bucket refills continuously at capacity/10 s and never holds more than
 * its capacity (unused rate does not accumulate). */
bool platform_bucket_take(struct platform_bucket *b, double now_s)
{
    if (now_s > b->at_s) {
        b->tokens += (now_s - b->at_s) * b->per_10s / 10.0;
        if (b->tokens > b->per_10s)
            b->tokens = b->per_10s;
        b->at_s = now_s;
    }
    if (b->tokens < 1.0)
        return false;
    b->tokens -= 1.0;
    return true;
}

/* Target tracking's metric: integrates pc_busy and pc_ready up to now_s.
 * Called before either changes, and pc_peak after. */
static void pc_account(struct platform *p, double now_s)
{
    double dt = now_s - p->pc_t;
    if (dt > 0) {
        p->pc_busy_area += (double)p->pc_busy * dt;
        p->pc_ready_area += (double)p->pc_ready * dt;
        p->pc_t = now_s;
    }
}

static void pc_peak(struct platform *p)
{
    if (p->pc_ready > 0) {
        double u = (double)p->pc_busy / (double)p->pc_ready;
        if (u > p->pc_peak_util)
            p->pc_peak_util = u;
    }
}

enum platform_outcome platform_acquire(struct platform *p, double now_s, uint32_t *slot)
{
    if (p->n_busy >= (uint32_t)p->spec->concurrency_limit)
        return PLATFORM_THROTTLED_CONCURRENCY;
    enum platform_outcome out;
    if (p->idle_provisioned.n > 0) {
        *slot = idle_pick(p, &p->idle_provisioned);
        p->n_idle--;
        out = PLATFORM_PROVISIONED;
        if (p->pc_track)
            pc_account(p, now_s);
        p->pc_busy++;
        if (p->pc_track)
            pc_peak(p);
    } else if (p->idle_on_demand.n > 0) {
        *slot = idle_pick(p, &p->idle_on_demand);
        p->n_idle--;
        out = PLATFORM_WARM;
        if (p->inst[*slot].prewarmed)
            p->prewarm_hits++; /* loaded by a pre-warm after an unload: a cold start saved */
    } else {
        if (!platform_bucket_take(&p->bucket, now_s))
            return PLATFORM_THROTTLED_SCALING;
        *slot = slot_new(p, false, now_s);
        out = PLATFORM_COLD;
    }
    p->inst[*slot].state = INSTANCE_BUSY;
    if (p->pc_track)
        p->pc_invocations++;
    /* The application's idle time ends with the first invocation to start
     * after nothing was running (the paper's IT: end of one invocation to
     * the start of the next, the function taken as one application). */
    if (p->histogram && p->app_idle) {
        assert(p->n_busy == 0);
        p->app_idle = false;
        p->idle_times++;
        if (keepalive_observe(&p->ka, now_s - p->app_idle_since_s))
            p->ka_changed = true;
    }
    p->n_busy++;
    return out;
}

/* Arms the one pending expiry check of an idle on-demand instance. */
static bool arm_expiry(struct instance *in, double *check_at_s, uint32_t *gen)
{
    /* One pending check per instance at most: a check that finds the
     * instance was reused re-arms itself, so the event list never holds one
     * stale timer per invocation. */
    if (in->expiry_armed)
        return false;
    in->expiry_armed = true;
    *check_at_s = in->expire_at_s;
    *gen = in->gen;
    return true;
}

bool platform_release(struct platform *p, uint32_t slot, double now_s, double *check_at_s,
                      uint32_t *gen, double *prewarm_at_s)
{
    struct instance *in = &p->inst[slot];
    assert(in->state == INSTANCE_BUSY);
    if (prewarm_at_s != NULL)
        *prewarm_at_s = (double)NAN;
    p->n_busy--;
    if (in->provisioned) {
        if (p->pc_track)
            pc_account(p, now_s);
        assert(p->pc_busy > 0);
        p->pc_busy--;
        if (p->pc_excess > 0) {
            /* Configured away while it ran: it goes now. */
            p->pc_excess--;
            p->pc_ready--;
            slot_free(p, slot);
            return false;
        }
    }
    if (p->histogram && p->n_busy == 0) {
        p->app_idle = true;
        p->app_idle_since_s = now_s;
    }
    in->prewarmed = false;
    if (p->histogram && !in->provisioned && p->ka.prewarm_s > 0) {
        /* Unloaded at once; loaded again by a pre-warm before the predicted
         * next invocation. */
        assert(prewarm_at_s != NULL);
        slot_free(p, slot);
        p->unloaded++;
        *prewarm_at_s = now_s + p->ka.prewarm_s;
        return false;
    }
    in->state = INSTANCE_IDLE;
    in->idle_since_s = now_s;
    p->n_idle++;
    if (in->provisioned) {
        idle_push(p, &p->idle_provisioned, slot);
        return false;
    }
    idle_push(p, &p->idle_on_demand, slot);
    if (p->histogram) {
        in->expire_at_s = now_s + p->ka.keep_alive_s;
        return arm_expiry(in, check_at_s, gen);
    }
    in->expire_at_s = now_s + dist_sample(&p->spec->keep_alive_s, p->rng_keep_alive);
    return arm_expiry(in, check_at_s, gen);
}

bool platform_prewarm(struct platform *p, double now_s, uint32_t *slot)
{
    assert(p->histogram);
    /* One instance already loaded (or loading) and idle serves the next
     * invocation the pre-warm was for: a second would only add waste. */
    if (p->idle_on_demand.n > 0 || p->n_loading > 0) {
        p->prewarms_skipped++;
        return false;
    }
    *slot = slot_new(p, false, now_s);
    struct instance *in = &p->inst[*slot];
    in->state = INSTANCE_LOADING;
    in->prewarmed = true;
    /* The keep-alive window counts from the load, as the paper's does. */
    in->expire_at_s = now_s + p->ka.keep_alive_s;
    p->n_loading++;
    p->prewarms++;
    return true;
}

bool platform_prewarm_done(struct platform *p, uint32_t slot, double now_s, double *check_at_s,
                           uint32_t *gen)
{
    struct instance *in = &p->inst[slot];
    assert(in->state == INSTANCE_LOADING && p->n_loading > 0);
    p->n_loading--;
    in->state = INSTANCE_IDLE;
    in->idle_since_s = now_s;
    if (in->expire_at_s < now_s)
        in->expire_at_s = now_s; /* an init longer than the window: reclaimed once ready */
    p->n_idle++;
    idle_push(p, &p->idle_on_demand, slot);
    return arm_expiry(in, check_at_s, gen);
}

void platform_prewarm_failed(struct platform *p, uint32_t slot)
{
    struct instance *in = &p->inst[slot];
    assert(in->state == INSTANCE_LOADING && !in->provisioned && p->n_loading > 0);
    p->n_loading--;
    slot_free(p, slot);
}

bool platform_expiry(struct platform *p, uint32_t slot, uint32_t gen, double now_s,
                     double *check_at_s, bool *expired)
{
    *expired = false;
    if (slot >= p->used)
        return false;
    struct instance *in = &p->inst[slot];
    if (in->gen != gen || in->state == INSTANCE_DEAD)
        return false;
    in->expiry_armed = false;
    if (in->state != INSTANCE_IDLE)
        return false; /* busy: release re-arms */
    if (now_s >= in->expire_at_s) {
        idle_remove(p, &p->idle_on_demand, slot);
        p->n_idle--;
        slot_free(p, slot);
        p->expired++;
        *expired = true;
        return false;
    }
    in->expiry_armed = true;
    *check_at_s = in->expire_at_s;
    return true;
}

void platform_discard(struct platform *p, uint32_t slot)
{
    struct instance *in = &p->inst[slot];
    assert(in->state == INSTANCE_BUSY);
    p->n_busy--;
    /* Histogram policy: a timed-out invocation starts no idle time
     * (app_idle stays false until an invocation ends normally). */
    slot_free(p, slot);
}

void platform_discard_idle(struct platform *p, uint32_t slot)
{
    struct instance *in = &p->inst[slot];
    assert(in->state == INSTANCE_IDLE && !in->provisioned);
    idle_remove(p, &p->idle_on_demand, slot);
    p->n_idle--;
    slot_free(p, slot);
}

bool platform_pc_add(struct platform *p, double now_s, uint32_t *slot)
{
    if (p->pc_cancel > 0 || p->pc_excess > 0) {
        /* One due to go stays instead (one allocating first: it is the
         * further from being lost). */
        if (p->pc_cancel > 0)
            p->pc_cancel--;
        else
            p->pc_excess--;
        p->pc_configured++;
        *slot = PLATFORM_NONE;
        return false;
    }
    *slot = slot_new(p, true, now_s);
    p->created--; /* allocated by the platform, not created for a request */
    p->inst[*slot].state = INSTANCE_LOADING;
    p->pc_loading++;
    p->pc_configured++;
    return true;
}

enum platform_pc_allocated platform_pc_ready(struct platform *p, uint32_t slot, uint32_t gen, double now_s)
{
    if (slot >= p->used)
        return PLATFORM_PC_STALE;
    struct instance *in = &p->inst[slot];
    if (in->gen != gen || in->state != INSTANCE_LOADING || !in->provisioned)
        return PLATFORM_PC_STALE;
    p->pc_loading--;
    if (p->pc_cancel > 0) {
        p->pc_cancel--;
        slot_free(p, slot);
        return PLATFORM_PC_RETIRED;
    }
    in->state = INSTANCE_IDLE;
    in->idle_since_s = now_s;
    p->n_idle++;
    idle_push(p, &p->idle_provisioned, slot);
    if (p->pc_track)
        pc_account(p, now_s);
    p->pc_ready++;
    if (p->pc_track)
        pc_peak(p);
    return PLATFORM_PC_READY;
}

void platform_pc_alloc_failed(struct platform *p, uint32_t slot)
{
    struct instance *in = &p->inst[slot];
    assert(in->state == INSTANCE_LOADING && in->provisioned);
    p->pc_loading--;
    if (p->pc_cancel > 0)
        p->pc_cancel--;
    else
        p->pc_configured--;
    slot_free(p, slot);
}

enum platform_pc_removal platform_pc_remove(struct platform *p, double now_s, uint32_t *slot)
{
    assert(p->pc_configured > 0);
    p->pc_configured--;
    *slot = PLATFORM_NONE;
    if (p->pc_loading > p->pc_cancel) {
        p->pc_cancel++;
        return PLATFORM_PC_CANCELLED;
    }
    if (p->idle_provisioned.n > 0) {
        *slot = p->idle_provisioned.head;
        idle_remove(p, &p->idle_provisioned, *slot);
        p->n_idle--;
        if (p->pc_track)
            pc_account(p, now_s);
        p->pc_ready--;
        if (p->pc_track)
            pc_peak(p);
        slot_free(p, *slot);
        return PLATFORM_PC_IDLE;
    }
    assert(p->pc_busy > p->pc_excess);
    p->pc_excess++;
    return PLATFORM_PC_WHEN_DONE;
}

bool platform_pc_datapoint(struct platform *p, double now_s, bool maximum, double *value)
{
    pc_account(p, now_s);
    bool have = p->pc_invocations > 0 && p->pc_ready_area > 0;
    if (have)
        *value = maximum ? p->pc_peak_util : p->pc_busy_area / p->pc_ready_area;
    p->pc_busy_area = p->pc_ready_area = 0;
    p->pc_invocations = 0;
    p->pc_peak_util = 0;
    pc_peak(p);
    return have;
}
