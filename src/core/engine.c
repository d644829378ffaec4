/* engine: the event loop tying workload, batcher, client gate and platform
 * together. Nothing is allocated per event: batch slots, instance slots, the
 * event heap and the processor-sharing heap are pools that grow by doubling
 * to their high-water mark. One set of handlers serves both clocks: the
 * simulated one (engine_run: jump to the next event, draw each invocation's
 * times from the model) and the real one (engine_run_real: wait for the next
 * event or for an executor's completion, with measured times). */
#include "core/engine.h"

#include <assert.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <gsl/gsl_randist.h>
#include "core/batcher.h"
#include "core/batchpolicy.h"
#include "core/dist.h"
#include "core/evq.h"
#include "core/keepalive.h"
#include "core/model.h"
#include "core/pcscaling.h"
#include "core/platform.h"
#include "core/rng.h"
#include "core/workload.h"
#include "base/common.h"
#include "base/xalloc.h"

enum ev_kind {
    EV_ARRIVAL = 1,
    EV_BATCH_TIMER,
    EV_INSTANCE_DONE,   /* id = instance slot, gen = batch slot or JOB_PING */
    EV_RESPONSE,        /* id = batch slot: the response reaches the client */
    EV_EXPIRY,          /* id = instance slot, gen = instance generation */
    EV_WARMUP,
    EV_RETRY,           /* id = batch slot */
    EV_PS_DONE,         /* gen = ps generation: next processor-sharing completion */
    EV_PREWARM,         /* histogram keep-alive: a pre-warm is due */
    EV_PREWARM_DONE,    /* id = instance slot, gen = its generation: the pre-warm's init ended */
    EV_PC_ACTION,       /* platform.provisioned: the next scheduled action is due */
    EV_PC_PERIOD,       /* platform.provisioned: a target-tracking metric period ends */
    EV_PC_READY         /* id = instance slot, gen = its generation: allocated */
};

/* The per-request handlers are called from both loops; keep them inlined
 * into the simulation loop, as they were when it was their only caller
 * (HOT: base/common.h). */

#define JOB_PING UINT32_MAX
/* Real time: the init of a provisioned instance being allocated during the
 * run (platform.provisioned), as a ping with no work on a new instance. */
#define JOB_PC_ALLOC (UINT32_MAX - 2)
/* Real time: the init of a pre-warm (histogram keep-alive policy), also a
 * ping with no work on a new instance. */
#define JOB_PREWARM (UINT32_MAX - 3)
/* Processor sharing: the job of the host's one start-up thread (model.h
 * host.start_burst spawn_ms), as a ps job's `job`; PS_SPAWNER is its id
 * where a job's id is an instance slot. */
#define JOB_SPAWN (UINT32_MAX - 4)
#define PS_SPAWNER UINT32_MAX
#define NO_SLOT UINT32_MAX

struct batch {
    uint64_t id;
    uint64_t first_req;
    double dispatch_s;
    double start_s;         /* accepted by the platform */
    double cold_s, inference_s, overhead_s;
    int64_t instance_uid;
    uint32_t instance_slot;
    uint32_t next;          /* free list, or the client's wait FIFO */
    int size;
    int retries;
    enum batch_reason reason;
    bool cold, provisioned, throttled, timed_out;
};

/* An invocation in its work phase on the shared host (host_cores): every
 * job on a core progresses at the same rate min(1, H / (k s)) (s: the
 * instance's CPU share, see engine_setup; k: the jobs on the host), so
 * with V the work each running job has received since the start of the
 * run, a job that got a core when V was v_run stops when V reaches
 * v_run + min(quantum, its work left). Under processor sharing (no
 * quantum) every job is on a core and stops only when done; with a
 * quantum (model.h host.share quantum) at most ceil(H / s) jobs are, the
 * rest wait in a FIFO, and a job whose quantum ends while others wait
 * goes to the back (round robin). The running jobs wait in an event list
 * of their own ordered by their stop (ties: start order; id = the
 * instance, gen = the job), and only its earliest has a pending event. An
 * instance runs one job at a time, so the rest of a job is kept by
 * instance slot. With a start-up thread (model.h start_spawn_s) one more
 * job, id PS_SPAWNER, does the cold starts' spawns one after another and
 * takes no turns; a cold start joins the cores when its spawn ends. */
struct ps_job {
    double start_s, work_s;
    double wait_s;          /* then waits this long (extra init, ping hold) */
    /* A cold start's part of work_s (0: none) as scaled for the starts
     * under way (model_start_factor), and that factor: the start is under
     * way while ps_done_work < start_work_s. */
    double start_work_s, start_factor;
    double rem_s;           /* work left when it last got a core (or arrived) */
    double v_run_s;         /* V when it last got a core */
    /* A cold start that waited for the start-up thread (ps_spawn_done):
     * from its dispatch to the end of its spawn, a wait before the work. */
    double pre_s;
    /* Its spawn's work on the start-up thread (start_spawn_s at the host
     * speed its start met), part of start_work_s. */
    double spawn_s;
    double turn_s;          /* the work it was put on a core for (ps_turn) */
    /* When its init ended, where that changed its weight (init_timed): the
     * request's cold start and inference split there, not pro rata. */
    double init_end_s;
    bool init_timed;
    uint32_t job;
    uint8_t weight;         /* its PS_W_ class */
    bool running;
};

/* What a job weighs on the host's cores, in units of one instance's CPU
 * share s: an invocation's work 1 (PS_W_SHARE); a job at one vCPU, 1/s
 * (PS_W_VCPU): a cold start's init (emulate's and Lambda's init is not
 * capped by memory, cpucap.h cpucap_init_vcpus) until it ends, and the
 * start-up thread. At 1769 MB and above (s = 1) both weigh 1. */
enum { PS_W_SHARE, PS_W_VCPU, PS_W_COUNT };

/* A FIFO ring of instance slots; grows, kept. */
struct slot_ring {
    uint32_t *v;
    size_t cap, head, n;
};

struct engine {
    const struct scenario *sc;
    const struct engine_real *real;     /* NULL in simulation */
    bool failed;                        /* real time: the executor failed */
    const struct engine_hooks *hooks;
    bool stop_seen;                 /* a handler saw hooks->stop set */
    bool narrate;                   /* hooks->on_event is set */
    bool records;                   /* hooks->on_request is set */
    /* Scenario values read per request, copied once. */
    size_t max_batch;
    uint32_t max_inflight;          /* 0: unlimited */
    bool from_dispatch;             /* latency_from is dispatch */
    uint64_t max_requests;          /* UINT64_MAX when unlimited */
    double duration_s;
    /* Filled here and copied to the caller's at the end: as a member, the
     * compiler knows its counters do not alias the engine's other fields. */
    struct engine_result res;
    struct evq q;
    /* Keep-alive checks wait in their own heap: there is one per idle
     * instance, far in the future, and in the main heap every invocation's
     * end would sift past all of them. Their sequence numbers come from q,
     * so the split changes no order. */
    struct evq expiries;
    gsl_rng *rng[RNG_STREAM_COUNT];
    struct workload wl;
    struct batcher bq;
    bool timer_armed;
    /* batching.policy: aimd moves bq.threshold to bp.cap; slo arms the
     * timer at the queue's due time, earlier as the queue grows, so more
     * than one timer may be pending: timer_at is the earliest that counts
     * (INFINITY when none). */
    struct batchpolicy bp;
    bool aimd, slo;
    double timer_at;
    struct platform pf;
    /* platform.provisioned: the controller, and the configured capacity's
     * integral (billing) up to pc_cfg_t. */
    bool pc_scaling;
    struct pcscaling pcs;
    double pc_cfg_t, pc_cfg_area;
    uint32_t pc_cfg_peak;
    double gb;                      /* memory in GB, for billing */
    double granules_per_s;          /* billing granules in one second */
    double billed_granules[2];      /* [on-demand, provisioned] */
    uint64_t billed_requests;

    /* Batch slots, each a struct batch followed by its max_batch arrival
     * times (bstride bytes), so that one batch is one or two cache lines
     * (wide bench: ~1,000 batches in flight). */
    unsigned char *bmem;
    size_t bstride;
    size_t bcap, bused;
    uint32_t bfree;
    uint64_t next_batch_id;

    uint32_t inflight;
    uint32_t wait_head, wait_tail;  /* dispatched batches waiting for a slot */
    uint64_t waiting;               /* how many */
    uint32_t pings_busy;
    bool draining;                  /* client_slot_free is starting waiters */

    bool arrivals_done;
    /* The next arrival is kept outside the heap (one fewer push and pop per
     * request); its sequence number orders it against heap events exactly
     * as if it had been pushed. */
    struct evq_event next_arrival;
    bool have_arrival;
    uint64_t outstanding;           /* arrived, not yet completed or failed */

    double window_s;
    struct metrics_sample lat;
    /* Real time: how late each arrival was handled (its scheduled time to
     * the loop getting to it); unused in simulation. */
    struct metrics_sample lag;
    struct metrics_level alive, busy;   /* idle = alive - busy */
    /* stats.window = arrivals: the two levels as they stood at the last
     * arrival (copied once, when the workload runs out). */
    struct metrics_level alive_at_last, busy_at_last;
    double last_arrival_s;
    bool have_last;
    uint32_t alive_n, busy_n;           /* the levels last recorded */
    double sum_batch_wait, sum_dispatch_wait, sum_overhead, sum_cold, sum_inference;
    uint64_t sum_batch_sizes;
    uint64_t cold_requests;
    double first_arrival_s;         /* counted requests only */
    double last_end_s;              /* counted requests only */
    double end_s;                   /* any request */
    bool any_counted;

    bool has_extra;                 /* function.extra_init_ms is not 0 */
    /* Processor sharing (platform.host_cores > 0, simulation only). */
    bool ps;
    double host_free_since_s;       /* the last instance's invocation or ping ended (host.idle start_ms) */
    double ps_cores;                /* H / s: host cores in units of one share */
    double ps_w[PS_W_COUNT];        /* each class's weight (above) */
    /* Jobs of each class on the host (on a core or waiting) and on a core. */
    uint32_t ps_n_all[PS_W_COUNT], ps_n_run[PS_W_COUNT];
    double ps_v, ps_t;              /* work per job received by ps_t */
    struct evq ps_jobs;             /* the running jobs: key V at their stop, id instance, gen job */
    struct ps_job *ps_job;          /* by instance slot */
    size_t ps_job_cap;
    /* Round robin (a quantum): the jobs waiting for a core, a FIFO ring
     * of instance slots; grows, kept. */
    double ps_quantum;              /* work per turn on a core; INFINITY: processor sharing */
    uint32_t ps_run_max;            /* jobs on the cores at most; UINT32_MAX: processor sharing */
    struct slot_ring ps_wait;
    /* The host's start-up thread (model.h host.start_burst spawn_ms; 0:
     * none): cold starts queue for it in a FIFO (the head is being
     * spawned) while spawner_job, a ps job of its own, does their spawns
     * one after another. A queued start's work is kept in ps_job[slot]
     * unscaled (start_factor: the factor to apply when it joins). */
    double spawn_s;
    struct slot_ring spawn_queue;
    struct ps_job spawner_job;
    uint32_t ps_gen;                /* generation of the one live EV_PS_DONE */
    struct evq_event *ps_scratch;   /* re-keying the jobs (ps_restart); grows, kept */
    size_t ps_scratch_cap;
    bool ps_armed;
    double ps_next_s;               /* when that event fires */
    /* The host's speed (model host.speed, with processor sharing only):
     * the factor in force and until when. */
    bool host_speed, host_stall;
    double wake_share;          /* host.wake: this run's share of stalled wake-ups (0: none) */
    double speed_factor, speed_until_s;
};

/* ---- helpers ---------------------------------------------------------- */

HOT void levels(struct engine *e, double now)
{
    /* Most changes move only one of the two counts; the counts last
     * recorded are kept as integers to compare without a conversion. */
    if (e->alive_n != e->pf.n_alive) {
        e->alive_n = e->pf.n_alive;
        metrics_level_set(&e->alive, now, (double)e->alive_n);
    }
    if (e->busy_n != e->pf.n_busy) {
        e->busy_n = e->pf.n_busy;
        metrics_level_set(&e->busy, now, (double)e->busy_n);
    }
}

/* Fills the state every event carries and hands it to the hook. Callers
 * test e->narrate first, so a run without the hook pays one branch. */
static void emit(struct engine *e, struct engine_event *ev, double now)
{
    ev->time_s = now;
    ev->queue_len = e->bq.len;
    ev->inflight = e->inflight;
    ev->instances_alive = e->pf.n_alive;
    ev->instances_busy = e->pf.n_busy;
    ev->pings_busy = e->pings_busy;
    e->hooks->on_event(e->hooks->ctx, ev);
}

static void fill_keepalive(const struct engine *e, struct engine_event *ev)
{
    const struct keepalive *k = &e->pf.ka;
    ev->keepalive.mode = (int)k->mode;
    ev->keepalive.prewarm_s = k->prewarm_s;
    ev->keepalive.keep_alive_s = k->keep_alive_s;
    ev->keepalive.cv = k->cv;
    ev->keepalive.in_range = k->n_in;
    ev->keepalive.out_of_range = k->n_oob;
}

/* Histogram keep-alive: the acquire that just ended an idle time may have
 * changed the policy's windows; counted, and told when narrating. */
static void policy_news(struct engine *e, double now)
{
    if (!e->pf.ka_changed)
        return;
    e->pf.ka_changed = false;
    e->res.keep_alive.policy_changes++;
    if (e->narrate) {
        struct engine_event ev = { .kind = ENGINE_EV_POLICY, .instance_id = -1 };
        fill_keepalive(e, &ev);
        emit(e, &ev, now);
    }
}

static enum engine_placement placement_of(enum platform_outcome o)
{
    switch (o) {
    case PLATFORM_PROVISIONED: return ENGINE_PLACED_PROVISIONED;
    case PLATFORM_WARM: return ENGINE_PLACED_WARM;
    case PLATFORM_COLD: return ENGINE_PLACED_COLD;
    case PLATFORM_THROTTLED_CONCURRENCY: return ENGINE_THROTTLED_CONCURRENCY;
    case PLATFORM_THROTTLED_SCALING: return ENGINE_THROTTLED_SCALING;
    }
    return ENGINE_THROTTLED_CONCURRENCY;
}

/* Billed time is rounded up to whole granules; the small epsilon keeps an
 * exact 16.000 ms from being billed as 17 through floating-point noise.
 * Granules are counted per kind of instance and priced once at the end. */
HOT void bill_invocation(struct engine *e, bool provisioned, double busy_s)
{
    double x = busy_s * e->granules_per_s - 1e-9;
    /* ceil() without the libm call (x86-64 has no rounding instruction
     * before SSE4.1): exact for |x| < 2^52, where doubles hold integers. */
    double units = x > -4503599627370496.0 && x < 4503599627370496.0 ? (double)(int64_t)x : ceil(x);
    if (units < x)
        units += 1;
    e->billed_granules[provisioned] += units;
    e->billed_requests++;
}

static inline struct batch *batch_at(const struct engine *e, uint32_t slot)
{
    return (struct batch *)(void *)(e->bmem + (size_t)slot * e->bstride);
}

static uint32_t batch_alloc(struct engine *e)
{
    uint32_t slot;
    if (e->bfree != NO_SLOT) {
        slot = e->bfree;
        e->bfree = batch_at(e, slot)->next;
    } else {
        if (e->bused == e->bcap)
            e->bmem = xgrow(e->bmem, &e->bcap, e->bused + 1, e->bstride);
        assert(e->bused < NO_SLOT);
        slot = (uint32_t)e->bused++;
    }
    return slot;
}

static void batch_free(struct engine *e, uint32_t slot)
{
    batch_at(e, slot)->next = e->bfree;
    e->bfree = slot;
}

static double *batch_arrivals(struct engine *e, uint32_t slot)
{
    return (double *)(void *)(e->bmem + (size_t)slot * e->bstride + sizeof(struct batch));
}

/* ---- request completion ------------------------------------------------ */

static void invoke(struct engine *e, uint32_t slot, double now);

static void client_slot_free(struct engine *e, double now)
{
    assert(e->inflight > 0);
    e->inflight--;
    /* An invocation started here may fail at once (throttled, no retry) and
     * free its slot again; the guard turns that re-entry into iterations of
     * the outer loop, so a long wait queue cannot grow the C stack. */
    if (e->draining)
        return;
    e->draining = true;
    uint32_t limit = e->max_inflight;
    while (e->wait_head != NO_SLOT && (limit == 0 || e->inflight < limit)) {
        uint32_t next = e->wait_head;
        e->wait_head = batch_at(e, next)->next;
        if (e->wait_head == NO_SLOT)
            e->wait_tail = NO_SLOT;
        e->waiting--;
        e->inflight++;
        invoke(e, next, now);
    }
    e->draining = false;
}

/* Every request of the batch ends at `end` with `status`. */
static void emit_records(struct engine *e, const struct batch *b, const double *arr, double end,
                         enum request_status status)
{
    bool placed = status != REQUEST_THROTTLED && status != REQUEST_REJECTED;
    for (int k = 0; k < b->size; k++) {
        struct request_record rec = {
            .id = b->first_req + (uint64_t)k,
            .arrival_s = arr[k],
            .dispatch_s = b->dispatch_s,
            .start_s = placed ? b->start_s : (double)NAN,
            .end_s = end,
            .latency_ms = (end - arr[k]) * 1000.0,
            .overhead_ms = b->overhead_s * 1000.0,
            .cold_start_ms = b->cold_s * 1000.0,
            .inference_ms = b->inference_s * 1000.0,
            .batch_id = b->id,
            .batch_size = b->size,
            .batch_reason = b->reason,
            .retries = b->retries,
            .cold = b->cold,
            .provisioned = b->provisioned,
            .instance_id = placed ? b->instance_uid : -1,
            .status = status,
            .counted = arr[k] >= e->window_s,
        };
        e->hooks->on_request(e->hooks->ctx, &rec);
    }
}

static inline void finish_batch_slot(struct engine *e, uint32_t slot, double end, enum request_status status,
                              bool held_slot);
static void aimd_observe(struct engine *e, uint64_t batch_id, double latency_s, double now);

/* Every request of the batch ends at `end` with `status`. Per-request work
 * is only what differs by request (arrival time, latency); what the batch
 * shares is added once, times the number of counted requests. */
HOT void finish_batch(struct engine *e, uint32_t slot, double end, enum request_status status)
{
    finish_batch_slot(e, slot, end, status, true);
}

HOT void finish_batch_slot(struct engine *e, uint32_t slot, double end, enum request_status status,
                              bool held_slot)
{
    struct batch *b = batch_at(e, slot);
    const double *arr = batch_arrivals(e, slot);
    struct engine_result *r = &e->res;
    /* aimd learns from every batch that ran (not from one turned away). */
    bool observe = e->aimd && (status == REQUEST_OK || status == REQUEST_TIMED_OUT);
    double oldest_latency_s = end - arr[0];
    uint64_t batch_id = b->id;
    uint64_t counted = 0;
    double sum_arrival = 0;
    bool from_dispatch = e->from_dispatch;
    for (int k = 0; k < b->size; k++) {
        if (arr[k] >= e->window_s) {
            counted++;
            sum_arrival += arr[k];
            if (status == REQUEST_OK)
                metrics_sample_add(&e->lat, (end - (from_dispatch ? b->dispatch_s : arr[k])) * 1000.0);
        }
    }
    if (counted > 0) {
        double n = (double)counted;
        if (status == REQUEST_OK) {
            r->requests.completed += counted;
            e->sum_batch_wait += n * b->dispatch_s - sum_arrival;
            e->sum_dispatch_wait += n * (b->start_s - b->dispatch_s);
            e->sum_overhead += n * b->overhead_s;
            e->sum_cold += n * b->cold_s;
            e->sum_inference += n * b->inference_s;
            if (b->cold)
                e->cold_requests += counted;
        } else {
            r->requests.failed += counted;
            if (status == REQUEST_TIMED_OUT)
                r->requests.timed_out += counted;
            else if (status == REQUEST_REJECTED)
                r->requests.rejected += counted;
            else if (status == REQUEST_FAILED)
                r->requests.errored += counted;
        }
        if (b->throttled)
            r->requests.throttled += counted;
        r->requests.retries += counted * (uint64_t)b->retries;
        if (end > e->last_end_s)
            e->last_end_s = end;
    }
    if (e->records)
        emit_records(e, b, arr, end, status);
    if (e->narrate) {
        struct engine_event ev = { .kind = ENGINE_EV_COMPLETE, .request_id = b->first_req, .batch_id = b->id,
                                   .instance_id = b->instance_uid,
                                   .batch_size = b->size, .status = status, .provisioned = b->provisioned,
                                   .timed_out = b->timed_out, .attempt = b->retries };
        emit(e, &ev, end);
    }
    assert(e->outstanding >= (uint64_t)b->size);
    e->outstanding -= (uint64_t)b->size;
    if (end > e->end_s)
        e->end_s = end;
    batch_free(e, slot);
    if (held_slot)
        client_slot_free(e, end);
    if (observe)
        aimd_observe(e, batch_id, oldest_latency_s, end);
}

/* ---- processor sharing (platform.host_cores) ------------------------------ */

static inline void on_instance_done(struct engine *e, uint32_t inst, uint32_t job, double now);

/* The rate of each job on a core: 1 while the jobs on the host fit its
 * cores, else the cores' time (less for oversubscribing them, host.share)
 * shared among the jobs on them (all of them under processor sharing, at
 * most ceil(H / s) with a quantum). */
static double ps_rate(const struct engine *e)
{
    /* Weighted: the jobs' demand in shares; a job of weight w gets w times
     * the cores' time of one of weight 1 (its own cap), so all progress at
     * one rate in their own units (V). All of weight 1: the job counts. */
    double k = 0, running = 0;
    for (int c = 0; c < PS_W_COUNT; c++) {
        k += (double)e->ps_n_all[c] * e->ps_w[c];
        running += (double)e->ps_n_run[c] * e->ps_w[c];
    }
    if (k <= e->ps_cores)
        return 1.0;
    return model_share_efficiency(&e->sc->function.model, k / e->ps_cores) * e->ps_cores / running;
}

/* The ps job with id `id`: an instance's, or the start-up thread's. */
static struct ps_job *ps_job_at(struct engine *e, uint32_t id)
{
    return id == PS_SPAWNER ? &e->spawner_job : &e->ps_job[id];
}

/* The work job j has done so far. */
static double ps_done_work(const struct engine *e, const struct ps_job *j)
{
    return j->work_s - j->rem_s + (j->running ? e->ps_v - j->v_run_s : 0);
}

/* A job's turn on a core: the quantum; the start-up thread takes no turns
 * (below). */
static double ps_quantum_of(const struct engine *e, uint32_t id)
{
    return id == PS_SPAWNER ? (double)INFINITY : e->ps_quantum;
}

/* Init work below this is none (rounding in init_left must not make turns
 * of no length). */
#define PS_INIT_EPS_S 1e-12

/* The init work job j has left as of when it last got a core. */
static double ps_init_left(const struct ps_job *j)
{
    return j->start_work_s - (j->work_s - j->rem_s);
}

/* An instance's job whose init weighs one vCPU (the start-up thread weighs
 * as much, for all of its work). */
static bool ps_in_init(uint32_t id, const struct ps_job *j)
{
    return id != PS_SPAWNER && j->weight == PS_W_VCPU;
}

/* The work job j is put on a core for: one turn or the rest of its work,
 * whichever is less, and no further than the end of its init while that
 * weighs more than the rest (ps_in_init): its weight changes there. */
static double ps_turn(const struct engine *e, uint32_t id, const struct ps_job *j)
{
    double q = ps_quantum_of(e, id);
    double turn = j->rem_s < q ? j->rem_s : q;
    if (ps_in_init(id, j) && ps_init_left(j) < turn)
        turn = ps_init_left(j);
    return turn;
}

/* Puts job `id` on a core now (V = e->ps_v) for ps_turn's work. */
static void ps_run(struct engine *e, uint32_t id)
{
    struct ps_job *j = ps_job_at(e, id);
    j->running = true;
    j->v_run_s = e->ps_v;
    j->turn_s = ps_turn(e, id, j);
    e->ps_n_run[j->weight]++;
    evq_push(&e->ps_jobs, e->ps_v + j->turn_s, 0, id, j->job);
}

static void ring_push(struct slot_ring *r, uint32_t slot)
{
    if (r->n == r->cap) {
        /* A full ring: the entries that wrapped (before head) move to just
         * past the old end, which xgrow's doubling leaves room for, so the
         * ring runs on unbroken from head. */
        size_t old = r->cap;
        r->v = xgrow(r->v, &r->cap, old + 1, sizeof *r->v);
        assert(r->cap >= old + r->head);
        for (size_t i = 0; i < r->head; i++)
            r->v[old + i] = r->v[i];
    }
    r->v[(r->head + r->n) % r->cap] = slot;
    r->n++;
}

/* The i-th entry (0: the oldest). */
static uint32_t ring_at(const struct slot_ring *r, size_t i)
{
    return r->v[(r->head + i) % r->cap];
}

static uint32_t ring_pop(struct slot_ring *r)
{
    assert(r->n > 0);
    uint32_t slot = r->v[r->head];
    r->head = (r->head + 1) % r->cap;
    r->n--;
    return slot;
}

static void ps_wait_push(struct engine *e, uint32_t id)
{
    ring_push(&e->ps_wait, id);
    ps_job_at(e, id)->running = false;
}

/* Brings V up to now at the rate of the current job count. */
static void ps_advance(struct engine *e, double now)
{
    if (evq_len(&e->ps_jobs) > 0)
        e->ps_v += (now - e->ps_t) * ps_rate(e);
    e->ps_t = now;
}

/* Keeps one live event, for the job that finishes first at the current
 * rate. A change of the job count moves it: the old event stays in the
 * event heap with an old generation and is skipped when it comes up, so a
 * change costs O(log n) and no scan of the jobs. */
static void ps_reschedule(struct engine *e, double now)
{
    const struct evq_event *first = evq_top(&e->ps_jobs);
    if (first == NULL) {
        e->ps_armed = false;
        e->ps_gen++;
        return;
    }
    double left = evq_event_time(first) - e->ps_v;
    double at = now + (left > 0 ? left : 0) / ps_rate(e);
    if (e->ps_armed && at == e->ps_next_s)
        return;
    e->ps_gen++;
    e->ps_armed = true;
    e->ps_next_s = at;
    evq_push(&e->q, at, EV_PS_DONE, 0, e->ps_gen);
}

/* Simultaneous starts on the measuring host (model.h host.start_burst):
 * a start among others takes more work. When a start joins, it and every
 * start still under way (those queued for the start-up thread and the
 * spawn in progress included) get the factor for the new count on their
 * remaining start work, so a burst's starts end up alike whatever order
 * they were dispatched in; the running ones' keys change, so their list
 * is rebuilt (a cold start is rare next to other events, and the lists
 * hold one job per busy instance). A start that ends does not give the
 * others their work back: the factor can only overstate a start that
 * outlived the burst, by at most the rest of its start. */
static void ps_rescale_start(struct engine *e, struct ps_job *j, double factor)
{
    double left = j->start_work_s - ps_done_work(e, j);
    if (!(j->start_work_s > 0 && left > 0 && factor != j->start_factor))
        return;
    double more = left * (factor / j->start_factor - 1);
    j->start_work_s += more;
    j->work_s += more;
    j->rem_s += more;
    j->start_factor = factor;
    if (j->job != JOB_PING && j->job != JOB_SPAWN)
        batch_at(e, j->job)->cold_s += more;
}

/* A start under way: in the cores' jobs with start work left (the
 * start-up thread's job is counted by its queue, not as a start). */
static bool ps_starting(const struct engine *e, const struct ps_job *j)
{
    return j->job != JOB_SPAWN && j->start_work_s > 0 && ps_done_work(e, j) < j->start_work_s;
}

/* The factor for a start that joins now, after rescaling every start under
 * way to it. */
static double ps_join_starts(struct engine *e)
{
    const struct model_profile *m = &e->sc->function.model;
    size_t k = evq_len(&e->ps_jobs);
    if (k > e->ps_scratch_cap)
        e->ps_scratch = xgrow(e->ps_scratch, &e->ps_scratch_cap, k, sizeof *e->ps_scratch);
    int starting = 1 + (int)e->spawn_queue.n;
    for (size_t i = 0; i < k; i++) {
        evq_pop(&e->ps_jobs, &e->ps_scratch[i]);
        if (ps_starting(e, ps_job_at(e, e->ps_scratch[i].id)))
            starting++;
    }
    for (size_t i = 0; i < e->ps_wait.n; i++)
        if (ps_starting(e, ps_job_at(e, ring_at(&e->ps_wait, i))))
            starting++;
    double factor = model_start_factor(m, starting);
    for (size_t i = 0; i < e->spawn_queue.n; i++) {
        /* Queued for the start-up thread: nothing done yet, the factor is
         * applied when it joins the cores. */
        e->ps_job[ring_at(&e->spawn_queue, i)].start_factor = factor;
    }
    for (size_t i = 0; i < e->ps_wait.n; i++)
        ps_rescale_start(e, ps_job_at(e, ring_at(&e->ps_wait, i)), factor);
    for (size_t i = 0; i < k; i++) {
        struct evq_event *ev = &e->ps_scratch[i];
        struct ps_job *j = ps_job_at(e, ev->id);
        double stop = evq_event_time(ev);
        double rem = j->rem_s;
        ps_rescale_start(e, j, factor);
        if (j->rem_s != rem && ps_in_init(ev->id, j)) {
            /* Its init's end moved: the turn again from when it got the core. */
            j->turn_s = ps_turn(e, ev->id, j);
            stop = j->v_run_s + j->turn_s;
        } else if (j->rem_s != rem) {
            /* A stop that was the job's end moves by the added work; a
             * quantum's end stays unless the quantum now outlasts the rest. */
            double q = ps_quantum_of(e, ev->id);
            stop = rem <= q && j->rem_s <= q ? stop + (j->rem_s - rem) : j->v_run_s + (j->rem_s < q ? j->rem_s : q);
        }
        evq_push(&e->ps_jobs, stop, 0, ev->id, ev->gen);
    }
    return factor;
}

/* Job `id` (its ps_job filled in) takes a core now or waits for one. The
 * start-up thread never waits and holds none of the turns' ps_run_max
 * cores: it works in short bursts between sleeps, and the kernel runs a
 * thread that wakes from a sleep ahead of the busy ones (it shares the
 * cores' time all the same: ps_rate counts it). */
static void ps_enter(struct engine *e, uint32_t id, double now)
{
    struct ps_job *j = ps_job_at(e, id);
    bool vcpu = id == PS_SPAWNER || (j->start_work_s > PS_INIT_EPS_S && e->ps_w[PS_W_VCPU] != 1);
    j->weight = vcpu ? PS_W_VCPU : PS_W_SHARE;
    e->ps_n_all[j->weight]++;
    size_t taking_turns = evq_len(&e->ps_jobs) - (e->spawner_job.running ? 1 : 0);
    if (id == PS_SPAWNER || taking_turns < e->ps_run_max)
        ps_run(e, id);
    else
        ps_wait_push(e, id);
    ps_reschedule(e, now);
}

/* The start-up thread takes the spawn at the head of its queue: spawn_s of
 * work at the factor that start has now. */
static void ps_spawn_next(struct engine *e, double now)
{
    const struct ps_job *j = &e->ps_job[ring_at(&e->spawn_queue, 0)];
    double factor = j->start_factor, work_s = j->spawn_s * factor;
    e->spawner_job = (struct ps_job){ .start_s = now, .work_s = work_s, .start_work_s = work_s,
                                      .start_factor = factor, .rem_s = work_s, .job = JOB_SPAWN };
    ps_enter(e, PS_SPAWNER, now);
}

/* Instance `inst` starts `work_s` of processing (init and inference) for
 * `job`, to be followed by a wait of `wait_s`; start_work_s of the work is
 * a cold start (0: warm), both at the host's speed factor `speed` (1
 * without host.speed), which the start's spawn takes too. Returns the work
 * added for other starts under way (ps_join_starts), which the caller adds
 * to its own init. A cold start on
 * a host with a start-up thread (spawn_s) first queues for it: its work
 * joins the cores when its spawn ends (ps_spawn_done), and it returns 0. */
static double ps_start(struct engine *e, uint32_t inst, uint32_t job, double work_s, double start_work_s,
                       double wait_s, double speed, double now)
{
    if (!(work_s > 0)) {
        /* Nothing to share (a warm ping): just the wait, as without sharing. */
        bill_invocation(e, platform_instance(&e->pf, inst)->provisioned, wait_s);
        evq_push(&e->q, now + wait_s, EV_INSTANCE_DONE, inst, job);
        return 0;
    }
    ps_advance(e, now);
    if (inst >= e->ps_job_cap)
        e->ps_job = xgrow(e->ps_job, &e->ps_job_cap, (size_t)inst + 1, sizeof *e->ps_job);
    double factor = 1, more = 0;
    bool has_burst = e->sc->function.model.has_start_burst;
    if (start_work_s > 0 && has_burst)
        factor = ps_join_starts(e);
    if (start_work_s > 0 && e->spawn_s > 0) {
        /* Kept unscaled until it joins the cores; pre_s holds its dispatch. */
        e->ps_job[inst] = (struct ps_job){ .start_s = now, .work_s = work_s, .wait_s = wait_s,
                                           .start_work_s = start_work_s, .start_factor = factor,
                                           .pre_s = now, .spawn_s = e->spawn_s * speed, .job = job };
        ring_push(&e->spawn_queue, inst);
        if (e->spawn_queue.n == 1)
            ps_spawn_next(e, now);
        else
            ps_reschedule(e, now);
        return 0;
    }
    if (start_work_s > 0 && has_burst) {
        more = start_work_s * (factor - 1);
        start_work_s += more;
        work_s += more;
    }
    e->ps_job[inst] = (struct ps_job){ .start_s = now, .work_s = work_s, .wait_s = wait_s,
                                       .start_work_s = start_work_s, .start_factor = factor,
                                       .rem_s = work_s, .job = job };
    ps_enter(e, inst, now);
    return more;
}

/* The start-up thread finished the spawn at the head of its queue: that
 * start's remaining work (its init beyond the spawn, at its factor, and
 * its inference) joins the cores, the wait so far becoming its pre_s; the
 * thread goes on with the next spawn, if any. Called with V brought up to
 * now and the spawner's job off the cores. */
static void ps_spawn_done(struct engine *e, double now)
{
    uint32_t inst = ring_pop(&e->spawn_queue);
    struct ps_job *j = &e->ps_job[inst];
    double init_s = j->start_work_s > j->spawn_s ? j->start_work_s - j->spawn_s : 0;
    double rest_s = j->work_s - j->start_work_s;
    j->start_work_s = init_s * j->start_factor;
    j->work_s = j->start_work_s + rest_s;
    j->rem_s = j->work_s;
    j->pre_s = now - j->pre_s;
    j->start_s = now;
    if (j->job != JOB_PING)
        batch_at(e, j->job)->cold_s = j->pre_s + j->start_work_s + j->wait_s;
    if (!(j->work_s > 0)) {
        /* All of the start was the spawn and nothing else is left. */
        bill_invocation(e, platform_instance(&e->pf, inst)->provisioned, j->pre_s + j->wait_s);
        evq_push(&e->q, now + j->wait_s, EV_INSTANCE_DONE, inst, j->job);
    } else {
        ps_enter(e, inst, now);
    }
    if (e->spawn_queue.n > 0)
        ps_spawn_next(e, now);
}

/* Job `inst`, off its core with work left, takes its next turn: after a
 * full quantum to the back of the queue if a job waits for the core (round
 * robin), else on at once. */
static void ps_next_turn(struct engine *e, uint32_t inst, bool quantum_end, double now)
{
    if (quantum_end && e->ps_wait.n > 0) {
        uint32_t next = ring_pop(&e->ps_wait);
        ps_wait_push(e, inst);
        ps_run(e, next);
    } else {
        ps_run(e, inst);
    }
    ps_reschedule(e, now);
}

static void on_ps_done(struct engine *e, uint32_t gen, double now)
{
    if (gen != e->ps_gen)
        return; /* superseded by a later change of the job count */
    e->ps_armed = false;
    ps_advance(e, now);
    struct evq_event stop;
    evq_pop_top(&e->ps_jobs, &stop);
    uint32_t inst = stop.id, job = stop.gen;
    struct ps_job *run = ps_job_at(e, inst);
    e->ps_n_run[run->weight]--;
    if (ps_in_init(inst, run) && run->turn_s < run->rem_s) {
        /* A turn within its init, or the init's end: from there it weighs
         * one share. A full quantum sends it to the back of the queue as
         * below; the init's end mid-turn starts its next turn at once. */
        bool quantum_end = run->turn_s >= e->ps_quantum;
        run->rem_s -= run->turn_s;
        if (!(ps_init_left(run) > PS_INIT_EPS_S)) {
            e->ps_n_all[PS_W_VCPU]--;
            run->weight = PS_W_SHARE;
            e->ps_n_all[PS_W_SHARE]++;
            run->init_end_s = now;
            run->init_timed = true;
        }
        ps_next_turn(e, inst, quantum_end, now);
        return;
    }
    if (inst != PS_SPAWNER && run->rem_s > e->ps_quantum) {
        run->rem_s -= e->ps_quantum;
        ps_next_turn(e, inst, true, now);
        return;
    }
    struct ps_job j = *run;
    run->running = false;
    e->ps_n_all[run->weight]--;
    if (inst == PS_SPAWNER) {
        /* It held no turn's core: nobody waiting gets one. */
        ps_spawn_done(e, now);
        ps_reschedule(e, now);
        return;
    }
    if (e->ps_wait.n > 0)
        ps_run(e, ring_pop(&e->ps_wait));
    ps_reschedule(e, now);
    /* The job's parts stretched by the same factor: keep the request's
     * breakdown an exact sum of its parts. */
    double wall = now - j.start_s;
    double f = j.work_s > 0 ? wall / j.work_s : 1.0;
    bool provisioned = platform_instance(&e->pf, inst)->provisioned;
    if (job != JOB_PING && j.init_timed) {
        struct batch *b = batch_at(e, job);
        b->inference_s = now - j.init_end_s;
        b->cold_s = j.pre_s + (j.init_end_s - j.start_s) + j.wait_s;
    } else if (job != JOB_PING) {
        struct batch *b = batch_at(e, job);
        b->inference_s *= f;
        b->cold_s = (b->cold_s - j.wait_s - j.pre_s) * f + j.wait_s + j.pre_s;
    }
    bill_invocation(e, provisioned, j.pre_s + wall + j.wait_s);
    if (j.wait_s > 0)
        evq_push(&e->q, now + j.wait_s, EV_INSTANCE_DONE, inst, job);
    else
        on_instance_done(e, inst, job, now);
}

/* ---- real time: hand an invocation to the executor ----------------------- */

static void real_start(struct engine *e, uint32_t inst, uint32_t job, bool cold, int n, uint64_t first,
                       double now)
{
    const struct scenario *sc = e->sc;
    /* Drawn in the order and from the streams the simulation uses: a
     * request's or a ping's cold start, then the extra init; a pre-warm's
     * both from its own stream. An allocation's readiness is
     * platform.provisioned.ready_delay_s: nothing is drawn for it. */
    double model_init_s = 0, extra_init_s = 0;
    if (cold && job != JOB_PC_ALLOC) {
        if (e->real->inject)
            model_init_s = dist_sample(&sc->function.model.cold_start_s,
                                       e->rng[job == JOB_PING ? RNG_WARMUP : job == JOB_PREWARM ? RNG_PREWARM
                                                                                             : RNG_COLD_START]);
        if (e->has_extra)
            extra_init_s = dist_sample(&sc->function.extra_init_s,
                                       e->rng[job == JOB_PREWARM ? RNG_PREWARM : RNG_EXTRA_INIT]);
    }
    struct engine_invocation inv = {
        .instance = inst,
        .instance_uid = platform_instance(&e->pf, inst)->uid,
        .job = job,
        .cold = cold,
        .n = n,
        .first_request = first,
        .extra_init_s = extra_init_s,
        .model_init_s = model_init_s,
        .deadline_s = now + sc->function.timeout_s,
    };
    const struct engine_executor *x = e->real->exec;
    if (x->start(x->ctx, &inv, e->real->msg, e->real->msg_len) != 0)
        e->failed = true;
}

/* ---- invocation ---------------------------------------------------------- */

static double backoff_delay(struct engine *e, int attempt)
{
    /* "Full jitter" (as the AWS SDKs do): uniform in [0, min(max, base*2^k)). */
    const struct platform_spec *p = &e->sc->platform;
    double cap = p->backoff_s * ldexp(1.0, attempt < 60 ? attempt : 60);
    if (cap > p->backoff_max_s)
        cap = p->backoff_max_s;
    return gsl_rng_uniform(e->rng[RNG_BACKOFF]) * cap;
}

HOT void count_invocation(struct engine *e, const struct batch *b, bool counted)
{
    struct engine_result *r = &e->res;
    if (b->cold && e->pings_busy > 0)
        r->warmup.collisions++;
    if (counted) {
        r->invocations.total++;
        if (b->cold) {
            r->invocations.cold++;
            r->cold_starts.last_s = b->start_s;
        } else if (b->provisioned)
            r->invocations.provisioned++;
        else
            r->invocations.warm++;
    }
}

/* Real time: the platform has placed the batch; the executor runs it and
 * reports the measured times when it ends (on_real_done). */
static void invoke_real(struct engine *e, uint32_t slot, uint32_t inst, double now)
{
    struct batch *b = batch_at(e, slot);
    count_invocation(e, b, now >= e->window_s);
    real_start(e, inst, slot, b->cold, b->size, b->first_req, now);
    levels(e, now);
    if (e->narrate) {
        struct engine_event ev = { .kind = ENGINE_EV_INVOKE, .request_id = b->first_req, .batch_id = b->id,
                                   .instance_id = b->instance_uid, .batch_size = b->size,
                                   .placement = b->cold ? ENGINE_PLACED_COLD
                                                : b->provisioned ? ENGINE_PLACED_PROVISIONED : ENGINE_PLACED_WARM,
                                   .provisioned = b->provisioned, .attempt = b->retries,
                                   .init_s = (double)NAN, .run_s = (double)NAN };
        emit(e, &ev, now);
    }
}

/* The platform refused the batch (out: which limit): it is retried after a
 * backoff when platform.on_throttle says so and retries are left, else its
 * requests end throttled now. The batch holds its in-flight slot meanwhile. */
static void throttle(struct engine *e, uint32_t slot, double now, enum platform_outcome out)
{
    struct batch *b = batch_at(e, slot);
    struct engine_result *r = &e->res;
    bool counted = now >= e->window_s;
    if (e->pings_busy > 0)
        r->warmup.collisions++;
    if (counted)
        r->invocations.throttled++;
    b->throttled = true;
    const struct platform_spec *p = &e->sc->platform;
    bool retry = p->on_throttle == THROTTLE_RETRY && b->retries < p->max_retries;
    double delay = retry ? backoff_delay(e, b->retries) : 0;
    if (e->narrate) {
        struct engine_event ev = { .kind = ENGINE_EV_THROTTLE, .request_id = b->first_req, .batch_id = b->id,
                                   .instance_id = -1, .batch_size = b->size, .placement = placement_of(out),
                                   .dropped = !retry, .attempt = b->retries, .retry_at_s = now + delay };
        emit(e, &ev, now);
    }
    if (retry) {
        b->retries++;
        if (counted)
            r->invocations.retries++;
        evq_push(&e->q, now + delay, EV_RETRY, slot, 0);
    } else {
        b->start_s = now;
        finish_batch(e, slot, now, REQUEST_THROTTLED);
    }
}

/* The host's speed factor at `now` (model.h host.speed): one factor holds
 * for an exponential time of mean speed_hold_s, then a new one is drawn.
 * Drawn only when work starts: the state at `now` after a change is a
 * fresh draw, and the time to the next change is again exponential
 * (memoryless), so skipping the changes no work saw changes nothing. */
static double host_speed(struct engine *e, double now)
{
    if (now >= e->speed_until_s) {
        const struct model_profile *m = &e->sc->function.model;
        gsl_rng *r = e->rng[RNG_HOST_SPEED];
        e->speed_factor = dist_sample(&m->speed_factor, r);
        e->speed_until_s = now + gsl_ran_exponential(r, m->speed_hold_s);
    }
    return e->speed_factor;
}

static void invoke(struct engine *e, uint32_t slot, double now)
{
    struct batch *b = batch_at(e, slot);
    uint32_t inst;
    enum platform_outcome out = platform_acquire(&e->pf, now, &inst);
    if (out == PLATFORM_THROTTLED_CONCURRENCY || out == PLATFORM_THROTTLED_SCALING) {
        throttle(e, slot, now, out);
        return;
    }
    const struct scenario *sc = e->sc;
    policy_news(e, now);
    b->start_s = now;
    b->instance_slot = inst;
    b->instance_uid = platform_instance(&e->pf, inst)->uid;
    b->cold = out == PLATFORM_COLD;
    b->provisioned = out == PLATFORM_PROVISIONED;
    if (e->real != NULL) {
        invoke_real(e, slot, inst, now);
        return;
    }
    /* The host's speed scales the work (init and inference), not the
     * container's extra init, which is a wait. */
    double speed = e->host_speed ? host_speed(e, now) : 1;
    b->cold_s = b->cold ? speed * dist_sample(&sc->function.model.cold_start_s, e->rng[RNG_COLD_START]) : 0;
    double extra_s = 0;
    if (b->cold && e->has_extra) {
        extra_s = dist_sample(&sc->function.extra_init_s, e->rng[RNG_EXTRA_INIT]);
        b->cold_s += extra_s;
    }
    if (b->cold && e->ps && sc->function.model.idle_start_s > 0 && e->pf.n_busy <= 1) {
        /* A start on a host that sat idle (model.h idle_start_s): no
         * other instance busy since host_free_since_s. A wait, like the
         * extra init, not work: the host waking, which takes no core from
         * the starts beside it (as work, it made a burst of 8 simultaneous
         * starts after 1.5 s idle 16 % slower than emulated). Draw-free,
         * so that profiles without it keep their streams. */
        const struct model_profile *m = &sc->function.model;
        double wait_s = model_idle_weight(m, now - e->host_free_since_s) * m->idle_start_s;
        b->cold_s += wait_s;
        extra_s += wait_s;
    }
    b->inference_s = model_sample_inference_s(&sc->function.model, b->size, e->rng[RNG_INFERENCE]);
    if (platform_first_batch(&e->pf, inst) && sc->function.model.has_first_invocation)
        b->inference_s += dist_sample(&sc->function.model.first_invocation_s, e->rng[RNG_FIRST_INVOCATION]);
    b->inference_s *= speed;
    if (e->host_stall && gsl_rng_uniform(e->rng[RNG_HOST_STALL]) < sc->function.model.stall_probability) {
        /* A stall of the host (model.h host.stall) met by this batch;
         * counted as the batch's work, which is what it holds up. */
        b->inference_s += dist_sample(&sc->function.model.stall_s, e->rng[RNG_HOST_STALL]);
    }
    if (e->wake_share > 0) {
        /* The invocation's wake-ups (model.h host.wake): the worker handed
         * the request, the loop handed the answer. A stalled one holds the
         * instance as long, so it counts as the batch's time. */
        gsl_rng *r = e->rng[RNG_HOST_WAKE];
        for (int k = 0; k < sc->function.model.wake_per_invocation; k++)
            if (gsl_rng_uniform(r) < e->wake_share)
                b->inference_s += dist_sample(&sc->function.model.wake_s, r);
    }
    if (e->ps && !b->cold && sc->function.model.has_idle) {
        /* The host's idle penalty (model.h): a warm instance that sat idle
         * runs its next batch slower; only where the scenario models the
         * host it was measured on (platform.host_cores). */
        const struct model_profile *m = &sc->function.model;
        double w = model_idle_weight(m, now - platform_instance(&e->pf, inst)->idle_since_s);
        b->inference_s += w * (m->idle_wake_s + m->idle_slowdown * b->inference_s);
        /* A stall after the idle (the host's CPU handed back), as often as
         * the profile met one after its long gap, weighted as the penalty;
         * drawn only after an idle, so that other runs' streams stay. */
        if (m->has_idle_stall && w > 0 && gsl_rng_uniform(e->rng[RNG_IDLE_STALL]) < w * m->idle_stall_probability)
            b->inference_s += dist_sample(&m->idle_stall_s, e->rng[RNG_IDLE_STALL]);
    }
    double busy_s = b->cold_s + b->inference_s;
    if (busy_s > sc->function.timeout_s) {
        /* The function timeout covers init and handler alike. */
        b->timed_out = true;
        busy_s = sc->function.timeout_s;
        if (b->cold_s > busy_s)
            b->cold_s = busy_s;
        b->inference_s = busy_s - b->cold_s;
    }
    count_invocation(e, b, now >= e->window_s);
    bool prewarmed = out == PLATFORM_WARM && platform_instance(&e->pf, inst)->prewarmed;
    if (e->ps) {
        /* The container's extra init is a wait; the rest is work. */
        if (extra_s > b->cold_s)
            extra_s = b->cold_s;
        b->cold_s += ps_start(e, inst, slot, busy_s - extra_s, b->cold ? b->cold_s - extra_s : 0, extra_s, speed, now);
    } else {
        bill_invocation(e, b->provisioned, busy_s);
        evq_push(&e->q, now + busy_s, EV_INSTANCE_DONE, inst, slot);
    }
    levels(e, now);
    if (e->narrate) {
        struct engine_event ev = { .kind = ENGINE_EV_INVOKE, .request_id = b->first_req, .batch_id = b->id,
                                   .instance_id = b->instance_uid, .batch_size = b->size,
                                   .placement = placement_of(out), .provisioned = b->provisioned,
                                   .timed_out = b->timed_out, .attempt = b->retries, .init_s = b->cold_s,
                                   .run_s = b->inference_s, .prewarmed = prewarmed };
        emit(e, &ev, now);
    }
}

HOT void dispatch(struct engine *e, enum batch_reason reason, double now)
{
    uint32_t slot = batch_alloc(e);
    struct batch *b = batch_at(e, slot);
    uint64_t first;
    int n = batcher_take(&e->bq, batch_arrivals(e, slot), &first);
    assert(n > 0);
    /* Field by field: a compound literal zeroes the struct first, which
     * gcc does with `rep stos`, slow to start for 88 bytes per request. */
    b->id = e->next_batch_id++;
    b->first_req = first;
    b->dispatch_s = now;
    b->start_s = b->cold_s = b->inference_s = b->overhead_s = 0;
    b->instance_uid = -1;
    b->instance_slot = PLATFORM_NONE;
    b->next = NO_SLOT;
    b->size = n;
    b->retries = 0;
    b->reason = reason;
    b->cold = b->provisioned = b->throttled = b->timed_out = false;
    if (now >= e->window_s) {
        struct engine_result *r = &e->res;
        r->batches.count++;
        e->sum_batch_sizes += (uint64_t)n;
        if (reason == BATCH_BY_THRESHOLD)
            r->batches.by_threshold++;
        else if (reason == BATCH_BY_TIMEOUT)
            r->batches.by_timeout++;
        else if (reason == BATCH_BY_SIZE)
            r->batches.by_size++;
        else
            r->batches.by_slack++;
    }
    if (e->narrate) {
        struct engine_event ev = { .kind = ENGINE_EV_DISPATCH, .request_id = first, .batch_id = b->id,
                                   .instance_id = -1, .batch_size = n, .reason = reason };
        if (e->slo) {
            ev.batching.wait_s = now - batch_arrivals(e, slot)[0];
            ev.batching.predicted_s = batchpolicy_predict_s(&e->bp, n);
        }
        emit(e, &ev, now);
    }
    uint32_t limit = e->max_inflight;
    if (limit == 0 || e->inflight < limit) {
        e->inflight++;
        invoke(e, slot, now);
        return;
    }
    if (e->waiting >= (uint64_t)e->sc->client.max_queue) {
        /* A full client queue turns the batch away: memory stays bounded
         * and the report says the configuration cannot keep up. */
        e->res.client.rejected_batches++;
        b->start_s = now;
        finish_batch_slot(e, slot, now, REQUEST_REJECTED, false);
        return;
    }
    if (e->wait_tail == NO_SLOT) {
        e->wait_head = e->wait_tail = slot;
    } else {
        batch_at(e, e->wait_tail)->next = slot;
        e->wait_tail = slot;
    }
    if (++e->waiting > e->res.client.peak_queue)
        e->res.client.peak_queue = e->waiting;
    if (e->narrate) {
        struct engine_event ev = { .kind = ENGINE_EV_WAIT, .request_id = first, .batch_id = batch_at(e, slot)->id,
                                   .instance_id = -1, .batch_size = n };
        emit(e, &ev, now);
    }
}

/* ---- event handlers ------------------------------------------------------ */

HOT void schedule_next_arrival(struct engine *e)
{
    double t;
    if (e->wl.k >= e->max_requests) {
        e->arrivals_done = true;
        return;
    }
    if (!workload_next(&e->wl, &t) || !(t < e->duration_s)) {
        e->arrivals_done = true;
        return;
    }
    e->next_arrival = (struct evq_event){ .key = evq_time_key(t), .seq = evq_take_seq(&e->q), .kind = EV_ARRIVAL };
    e->have_arrival = true;
}

/* slo: when the queue must leave (len > 0): its slack's due time, or its
 * oldest request's timeout when batching.timeout_s is set and earlier.
 * *why says which. */
static double slo_due(const struct engine *e, enum batch_reason *why)
{
    const struct batcher *q = &e->bq;
    double due = batchpolicy_due_s(&e->bp, q->arrival_s[0], q->len);
    *why = BATCH_BY_SLACK;
    if (q->timeout_s > 0 && batcher_deadline(q) < due) {
        due = batcher_deadline(q);
        *why = BATCH_BY_TIMEOUT;
    }
    return due;
}

/* slo: sends the queue when it is due, else makes sure a timer is pending
 * at its due time (which only moves earlier while the queue grows). */
static void slo_check(struct engine *e, double now)
{
    if (e->bq.len == 0)
        return;
    enum batch_reason why;
    double due = slo_due(e, &why);
    if (due <= now) {
        dispatch(e, why, now);
    } else if (due < e->timer_at) {
        e->timer_at = due;
        evq_push(&e->q, due, EV_BATCH_TIMER, 0, 0);
    }
}

/* aimd: a batch that ran ended with its oldest request's latency_s; the cap
 * may move. A cap lowered below the queue's length sends the queue now, a
 * cap at a time, and the rest waits for its timer. */
static void aimd_observe(struct engine *e, uint64_t batch_id, double latency_s, double now)
{
    int old_cap = e->bp.cap;
    if (!batchpolicy_observe(&e->bp, latency_s))
        return;
    e->bq.threshold = e->bp.cap;
    if (e->narrate) {
        struct engine_event ev = { .kind = ENGINE_EV_BATCH_CAP, .batch_id = batch_id, .instance_id = -1,
                                   .batch_size = e->bp.cap };
        ev.batching.old_cap = old_cap;
        ev.batching.latency_s = latency_s;
        emit(e, &ev, now);
    }
    while (e->bq.len >= e->bq.threshold)
        dispatch(e, e->bq.len == e->bq.max_batch ? BATCH_BY_SIZE : BATCH_BY_THRESHOLD, now);
    if (e->bq.len > 0 && !e->timer_armed) {
        e->timer_armed = true;
        evq_push(&e->q, batcher_deadline(&e->bq), EV_BATCH_TIMER, 0, 0);
    }
}

/* A request arrives: it is stamped `arr_s`, its scheduled send time, and
 * what it sets off happens at `now` (the same in simulation; in real time
 * the loop may get to it late, and that lag belongs in its latency). */
HOT void on_arrival_at(struct engine *e, double arr_s, double now)
{
    e->outstanding++;
    if (arr_s >= e->window_s) {
        if (!e->any_counted) {
            e->any_counted = true;
            e->first_arrival_s = arr_s;
        }
        e->res.requests.arrived++;
    }
    uint64_t id;
    enum batch_reason why;
    /* slo: a queue that this request would make late leaves first, on
     * time, without it. */
    if (e->slo && e->bq.len > 0 && batchpolicy_due_s(&e->bp, e->bq.arrival_s[0], e->bq.len + 1) < now)
        dispatch(e, BATCH_BY_SLACK, now);
    bool send = batcher_arrive(&e->bq, arr_s, &id, &why);
    schedule_next_arrival(e);
    if (e->arrivals_done && !e->have_last) {
        e->have_last = true;
        e->last_arrival_s = now;
        e->alive_at_last = e->alive;
        e->busy_at_last = e->busy;
    }
    if (e->narrate) {
        struct engine_event ev = { .kind = ENGINE_EV_ARRIVAL, .request_id = id, .instance_id = -1 };
        emit(e, &ev, now);
    }
    if (send) {
        dispatch(e, why, now);
    } else if (e->slo) {
        slo_check(e, now);
    } else if (!e->timer_armed) {
        e->timer_armed = true;
        evq_push(&e->q, batcher_deadline(&e->bq), EV_BATCH_TIMER, 0, 0);
    }
}

HOT void on_arrival(struct engine *e, double now)
{
    on_arrival_at(e, now, now);
}

static void on_batch_timer(struct engine *e, double now)
{
    if (e->slo) {
        /* Timers run in time order: the one that counted is this one or
         * already gone, and any left were armed for later times. */
        if (now >= e->timer_at)
            e->timer_at = INFINITY;
        slo_check(e, now);
        return;
    }
    e->timer_armed = false;
    if (batcher_timer(&e->bq, now)) {
        dispatch(e, BATCH_BY_TIMEOUT, now);
    } else if (e->bq.len > 0) {
        /* The batch this timer was armed for left by threshold; re-arm for
         * the oldest request queued since. */
        e->timer_armed = true;
        evq_push(&e->q, batcher_deadline(&e->bq), EV_BATCH_TIMER, 0, 0);
    }
}

static void push_expiry(struct engine *e, double at, uint32_t inst, uint32_t gen)
{
    evq_push_seq(&e->expiries, at, evq_take_seq(&e->q), EV_EXPIRY, inst, gen);
}

/* Returns when a pre-warm is due for the instance just unloaded
 * (histogram keep-alive policy), NAN when it was not unloaded. */
HOT double release_instance(struct engine *e, uint32_t inst, double now, bool discard)
{
    double prewarm_at = (double)NAN;
    if (discard) {
        platform_discard(&e->pf, inst);
        if (e->real != NULL)
            e->real->exec->retire(e->real->exec->ctx, inst);
    } else {
        double check_at;
        uint32_t gen;
        if (platform_release(&e->pf, inst, now, &check_at, &gen, &prewarm_at))
            push_expiry(e, check_at, inst, gen);
        if (!isnan(prewarm_at))
            evq_push(&e->q, prewarm_at, EV_PREWARM, 0, 0);
        /* Freed as it ended (a provisioned instance configured away). */
        if (e->real != NULL && platform_instance(&e->pf, inst)->state == INSTANCE_DEAD)
            e->real->exec->retire(e->real->exec->ctx, inst);
    }
    levels(e, now);
    return prewarm_at;
}

/* After the DONE of an instance that release_instance unloaded. */
static void narrate_unload(struct engine *e, uint32_t inst, double prewarm_at, double now)
{
    const struct instance *in = platform_instance(&e->pf, inst);
    if (e->narrate && in->state == INSTANCE_DEAD && in->provisioned) {
        /* Configured away while it ran (platform.provisioned): a
         * provisioned instance is never discarded otherwise. */
        struct engine_event ev = { .kind = ENGINE_EV_PC_RETIRE, .instance_id = in->uid, .provisioned = true };
        emit(e, &ev, now);
        return;
    }
    if (!e->narrate || isnan(prewarm_at))
        return;
    struct engine_event ev = { .kind = ENGINE_EV_UNLOAD, .instance_id = platform_instance(&e->pf, inst)->uid,
                               .retry_at_s = prewarm_at };
    fill_keepalive(e, &ev);
    emit(e, &ev, now);
}

/* A pre-warm due now (histogram keep-alive policy): an instance starts its
 * init so that it is warm when the next invocation is predicted. The init
 * is the platform's own: it is not billed and is not a request's cold
 * start, but the instance is alive (idle) meanwhile. */
static void on_prewarm(struct engine *e, double now)
{
    const struct scenario *sc = e->sc;
    uint32_t inst = PLATFORM_NONE;
    bool started = platform_prewarm(&e->pf, now, &inst);
    double init_s = 0;
    if (started && e->real != NULL) {
        /* The worker starts now; loaded when its init is over (on_real_done). */
        real_start(e, inst, JOB_PREWARM, true, 0, 0, now);
        init_s = (double)NAN;
        levels(e, now);
    } else if (started) {
        init_s = dist_sample(&sc->function.model.cold_start_s, e->rng[RNG_PREWARM]);
        if (e->has_extra)
            init_s += dist_sample(&sc->function.extra_init_s, e->rng[RNG_PREWARM]);
        evq_push(&e->q, now + init_s, EV_PREWARM_DONE, inst, platform_instance(&e->pf, inst)->gen);
        levels(e, now);
    }
    if (e->narrate) {
        struct engine_event ev = { .kind = ENGINE_EV_PREWARM, .dropped = !started, .init_s = init_s,
                                   .instance_id = started ? platform_instance(&e->pf, inst)->uid : -1 };
        fill_keepalive(e, &ev);
        emit(e, &ev, now);
    }
}

static void on_prewarm_done(struct engine *e, uint32_t inst, uint32_t gen, double now)
{
    /* A loading instance is never freed before its init ends. */
    assert(platform_instance(&e->pf, inst)->gen == gen);
    (void)gen;
    double check_at;
    uint32_t egen;
    if (platform_prewarm_done(&e->pf, inst, now, &check_at, &egen))
        push_expiry(e, check_at, inst, egen);
    levels(e, now);
}

static void narrate_done(struct engine *e, uint32_t inst, const struct batch *b, double now)
{
    const struct instance *in = platform_instance(&e->pf, inst);
    struct engine_event ev = { .kind = ENGINE_EV_DONE, .instance_id = in->uid, .ping = b == NULL,
                               .provisioned = in->provisioned };
    if (b != NULL) {
        ev.request_id = b->first_req;
        ev.batch_id = b->id;
        ev.batch_size = b->size;
        ev.timed_out = b->timed_out;
    }
    emit(e, &ev, now);
}

/* A ping's instance is free again; one whose worker died at its function
 * timeout (real time) is gone. */
static void on_instance_done_ping(struct engine *e, uint32_t inst, double now, bool discard)
{
    assert(e->pings_busy > 0);
    e->pings_busy--;
    double prewarm_at = release_instance(e, inst, now, discard && !platform_instance(&e->pf, inst)->provisioned);
    if (e->narrate) {
        narrate_done(e, inst, NULL, now);
        narrate_unload(e, inst, prewarm_at, now);
    }
}

HOT void on_instance_done(struct engine *e, uint32_t inst, uint32_t job, double now)
{
    e->host_free_since_s = now;
    if (job == JOB_PING) {
        on_instance_done_ping(e, inst, now, false);
        return;
    }
    struct batch *b = batch_at(e, job);
    /* Lambda resets an environment whose invocation timed out; a provisioned
     * one is re-initialised in place and stays provisioned. */
    bool discard = b->timed_out && !platform_instance(&e->pf, inst)->provisioned;
    double prewarm_at = release_instance(e, inst, now, discard);
    /* A discarded or unloaded slot keeps its uid until reused, so it can
     * still be named. */
    if (e->narrate) {
        narrate_done(e, inst, b, now);
        narrate_unload(e, inst, prewarm_at, now);
    }
    b->overhead_s = dist_sample(&e->sc->function.model.overhead_s, e->rng[RNG_OVERHEAD]);
    /* Where the host is modelled, the overhead is its round trip (sockets,
     * wake-ups: the host's own CPU work), which a slow stretch slows as it
     * slows the inference: on the development VM, poisson-nobatch at x1.40
     * was predicted 12 % fast given that speed for the inference alone, 5 %
     * with the overhead scaled too. */
    if (e->host_speed)
        b->overhead_s *= host_speed(e, now);
    if (b->overhead_s > 0)
        evq_push(&e->q, now + b->overhead_s, EV_RESPONSE, job, 0);
    else
        finish_batch(e, job, now, b->timed_out ? REQUEST_TIMED_OUT : REQUEST_OK);
}

/* A remote platform placed (or refused) the invocation otherwise than the
 * engine's own placement, which count_invocation counted when it started:
 * the counts move to what the platform did. */
static void recount_placement(struct engine *e, struct batch *b, enum engine_placed placed)
{
    struct engine_result *r = &e->res;
    if (b->start_s >= e->window_s) {
        uint64_t *was = b->cold ? &r->invocations.cold
                        : b->provisioned ? &r->invocations.provisioned : &r->invocations.warm;
        assert(*was > 0 && r->invocations.total > 0);
        (*was)--;
        if (placed == ENGINE_PLACED_REFUSED)
            r->invocations.total--;
        else if (placed == ENGINE_PLACED_REPORTED_COLD)
            r->invocations.cold++;
        else if (b->provisioned)
            r->invocations.provisioned++;
        else
            r->invocations.warm++;
    }
    b->cold = placed == ENGINE_PLACED_REPORTED_COLD;
}

/* Real time: the executor reports an invocation's end with measured times.
 * The instance is released and the response reaches the client now (the
 * overhead was part of the round trip just measured). */
static void on_pc_ready(struct engine *e, uint32_t inst, uint32_t gen, double now);

static void on_real_done(struct engine *e, const struct engine_completion *c, double now)
{
    uint32_t inst = c->instance;
    if (c->job == JOB_PING && c->died) {
        on_instance_done_ping(e, inst, now, true);
        return;
    }
    if (c->job == JOB_PING) {
        /* The ping holds its instance for hold_ms after the answer, as a
         * warmer's handler that sleeps would. */
        double hold_s = e->sc->warmup.hold_s;
        bill_invocation(e, platform_instance(&e->pf, inst)->provisioned, c->init_s + hold_s);
        if (hold_s > 0 && !c->timed_out)
            evq_push(&e->q, now + hold_s, EV_INSTANCE_DONE, inst, JOB_PING);
        else
            on_instance_done_ping(e, inst, now, c->timed_out);
        return;
    }
    if (c->job == JOB_PREWARM) {
        if (c->died || c->timed_out) {
            platform_prewarm_failed(&e->pf, inst);
            levels(e, now);
            if (!c->died)
                e->real->exec->retire(e->real->exec->ctx, inst);
            return;
        }
        on_prewarm_done(e, inst, platform_instance(&e->pf, inst)->gen, now);
        return;
    }
    if (c->job == JOB_PC_ALLOC) {
        const struct instance *in = platform_instance(&e->pf, inst);
        if (c->died || c->timed_out) {
            /* The capacity it was for is lost (serve and Lambda would
             * retry; the run says so through configured_end). */
            platform_pc_alloc_failed(&e->pf, inst);
            levels(e, now);
            if (c->timed_out && !c->died)
                e->real->exec->retire(e->real->exec->ctx, inst);
            return;
        }
        double ready_at = in->created_s + e->sc->platform.provisioned.ready_delay_s;
        if (now >= ready_at)
            on_pc_ready(e, inst, in->gen, now);
        else
            evq_push(&e->q, ready_at, EV_PC_READY, inst, in->gen);
        return;
    }
    if (c->job == ENGINE_JOB_IDLE) {
        /* An idle instance's worker died: it is gone (a provisioned one is
         * started again in place when next used). */
        if (platform_instance(&e->pf, inst)->state == INSTANCE_IDLE && !platform_instance(&e->pf, inst)->provisioned) {
            platform_discard_idle(&e->pf, inst);
            levels(e, now);
        }
        return;
    }
    struct batch *b = batch_at(e, c->job);
    assert(b->instance_slot == inst);
    if (c->placed != ENGINE_PLACED_AS_ASKED)
        recount_placement(e, b, c->placed);
    if (c->placed == ENGINE_PLACED_REFUSED) {
        /* A remote platform refused it (429): its limit, not the engine's,
         * decided; the client's on_throttle applies as to the engine's own. */
        release_instance(e, inst, now, false);
        levels(e, now);
        throttle(e, c->job, now, PLATFORM_THROTTLED_CONCURRENCY);
        return;
    }
    b->cold_s = c->init_s;
    b->inference_s = c->inference_s;
    b->overhead_s = c->overhead_s;
    b->timed_out = c->timed_out;
    bill_invocation(e, b->provisioned, b->cold_s + b->inference_s);
    bool discard = (b->timed_out || c->died) && !platform_instance(&e->pf, inst)->provisioned;
    double prewarm_at = release_instance(e, inst, now, discard);
    if (e->narrate) {
        narrate_done(e, inst, b, now);
        narrate_unload(e, inst, prewarm_at, now);
    }
    if (e->real->inject && !c->died) {
        /* The invoke and network time the profile says, as in simulation
         * (drawn when the invocation ends, from the same stream): the
         * response reaches the client that long after the answer, less
         * the round trip's own overhead. The instance is free meanwhile. */
        double want = dist_sample(&e->sc->function.model.overhead_s, e->rng[RNG_OVERHEAD]);
        if (want > b->overhead_s) {
            double wait = want - b->overhead_s;
            b->overhead_s = want;
            evq_push(&e->q, now + wait, EV_RESPONSE, c->job, 0);
            return;
        }
    }
    finish_batch(e, c->job, now, c->died ? REQUEST_FAILED : b->timed_out ? REQUEST_TIMED_OUT : REQUEST_OK);
}

static void on_response(struct engine *e, uint32_t slot, double now)
{
    finish_batch(e, slot, now, batch_at(e, slot)->timed_out ? REQUEST_TIMED_OUT : REQUEST_OK);
}

static void on_expiry(struct engine *e, uint32_t inst, uint32_t gen, double now)
{
    double check_at;
    bool expired;
    if (platform_expiry(&e->pf, inst, gen, now, &check_at, &expired))
        push_expiry(e, check_at, inst, gen);
    if (expired) {
        levels(e, now);
        if (e->real != NULL)
            e->real->exec->retire(e->real->exec->ctx, inst);
        if (e->narrate) {
            struct engine_event ev = { .kind = ENGINE_EV_EXPIRE,
                                       .instance_id = platform_instance(&e->pf, inst)->uid };
            emit(e, &ev, now);
        }
    }
}

/* A warm-up round due at due_s, handled at now (the same in simulation;
 * in real time the loop may be late). The schedule is a fixed rate, as
 * a scheduler's (EventBridge rate(...)) is: the next round is due at
 * due_s + interval, not now + interval, so the loop's lateness does not
 * accumulate and move the pings away from what they were meant to meet. */
static void on_warmup(struct engine *e, double due_s, double now)
{
    const struct scenario *sc = e->sc;
    struct engine_result *r = &e->res;
    if (e->narrate) {
        struct engine_event ev = { .kind = ENGINE_EV_WARMUP, .instance_id = -1,
                                   .batch_size = sc->warmup.concurrency };
        emit(e, &ev, now);
    }
    const volatile sig_atomic_t *stop = e->hooks != NULL ? e->hooks->stop : NULL;
    for (int i = 0; i < sc->warmup.concurrency; i++) {
        /* The input sizes this loop (up to 2^31 pings a round): it answers
         * a stop request itself, and the run loop looks right after. */
        if (stop != NULL && (i & 4095) == 4095 && *stop) {
            e->stop_seen = true;
            break;
        }
        uint32_t inst;
        enum platform_outcome out = platform_acquire(&e->pf, now, &inst);
        if (out == PLATFORM_THROTTLED_CONCURRENCY || out == PLATFORM_THROTTLED_SCALING) {
            r->warmup.throttled++;
            if (e->narrate) {
                struct engine_event ev = { .kind = ENGINE_EV_THROTTLE, .instance_id = -1, .ping = true,
                                           .placement = placement_of(out), .dropped = true };
                emit(e, &ev, now);
            }
            continue;
        }
        policy_news(e, now);
        r->warmup.pings++;
        if (out == PLATFORM_COLD)
            r->warmup.cold_pings++;
        e->pings_busy++;
        if (e->real != NULL) {
            /* A real ping (n = 0); the hold starts when it is answered. */
            real_start(e, inst, JOB_PING, out == PLATFORM_COLD, 0, 0, now);
            if (e->narrate) {
                const struct instance *in = platform_instance(&e->pf, inst);
                struct engine_event ev = { .kind = ENGINE_EV_INVOKE, .instance_id = in->uid, .ping = true,
                                           .placement = placement_of(out), .provisioned = in->provisioned,
                                           .init_s = (double)NAN, .run_s = (double)NAN };
                levels(e, now);
                emit(e, &ev, now);
            }
            continue;
        }
        double busy_s = sc->warmup.hold_s;
        double work_s = 0, extra_s = 0, speed = 1;
        if (out == PLATFORM_COLD) {
            work_s = dist_sample(&sc->function.model.cold_start_s, e->rng[RNG_WARMUP]);
            if (e->host_speed)
                speed = host_speed(e, now); /* init is work, as for a request's cold start */
            work_s *= speed;
            if (e->has_extra)
                extra_s = dist_sample(&sc->function.extra_init_s, e->rng[RNG_EXTRA_INIT]);
            busy_s += work_s + extra_s;
        }
        if (busy_s > sc->function.timeout_s)
            busy_s = sc->function.timeout_s;
        if (e->ps) {
            /* Only the init is work: the hold and the extra init are waits. */
            if (work_s > busy_s)
                work_s = busy_s;
            (void)ps_start(e, inst, JOB_PING, work_s, out == PLATFORM_COLD ? work_s : 0, busy_s - work_s, speed,
                           now);
        } else {
            bill_invocation(e, out == PLATFORM_PROVISIONED, busy_s);
            evq_push(&e->q, now + busy_s, EV_INSTANCE_DONE, inst, JOB_PING);
        }
        if (e->narrate) {
            const struct instance *in = platform_instance(&e->pf, inst);
            double init_s = out == PLATFORM_COLD ? busy_s - sc->warmup.hold_s : 0;
            struct engine_event ev = { .kind = ENGINE_EV_INVOKE, .instance_id = in->uid, .ping = true,
                                       .placement = placement_of(out), .provisioned = in->provisioned,
                                       .init_s = init_s > 0 ? init_s : 0, .run_s = busy_s - (init_s > 0 ? init_s : 0) };
            levels(e, now);
            emit(e, &ev, now);
        }
    }
    levels(e, now);
    evq_push(&e->q, due_s + sc->warmup.interval_s, EV_WARMUP, 0, 0);
}

/* The time of the first warm-up round: warmup.first_at_s, or with
 * first_at_s "random" a uniform phase in [0, interval_s) from the seed
 * alone (no stream: every other draw stays as it was). Noted in the
 * result. */
static double warmup_first_at(struct engine *e, uint64_t seed)
{
    const struct warmup_spec *wu = &e->sc->warmup;
    double t = wu->first_at_s;
    if (wu->first_at_random) {
        uint64_t x = rng_derive_seed(seed, UINT64_C(0x7761726d75702d31)); /* "warmup-1" */
        t = (double)(x >> 11) * 0x1.0p-53 * wu->interval_s;
    }
    e->res.warmup.first_at_s = t;
    return t;
}

/* ---- provisioned concurrency that changes (platform.provisioned) --------- */

/* Moves the configured provisioned concurrency to `want` at now: new
 * instances start allocating (ready after ready_delay_s, billed from now),
 * removed ones go as platform_pc_remove says. */
static void pc_resize(struct engine *e, int want, enum pc_reason reason, double value, double now)
{
    struct platform *pf = &e->pf;
    const struct pc_scaling_spec *sp = &e->sc->platform.provisioned;
    assert(want >= 0);
    uint32_t from = pf->pc_configured, to = (uint32_t)want;
    if (to == from)
        return;
    e->pc_cfg_area += (double)from * (now - e->pc_cfg_t);
    e->pc_cfg_t = now;
    double ready_at = now + sp->ready_delay_s;
    while (pf->pc_configured < to) {
        uint32_t inst;
        if (!platform_pc_add(pf, now, &inst))
            continue;
        if (e->real != NULL)
            /* The worker starts now; ready when its init is over, and no
             * sooner than ready_at (on_real_done). */
            real_start(e, inst, JOB_PC_ALLOC, true, 0, 0, now);
        else
            evq_push(&e->q, ready_at, EV_PC_READY, inst, platform_instance(pf, inst)->gen);
    }
    if (to > e->pc_cfg_peak)
        e->pc_cfg_peak = to;
    if (e->narrate) {
        struct engine_event ev = { .kind = ENGINE_EV_PC_SCALE, .instance_id = -1 };
        ev.pc.from = (int)from;
        ev.pc.to = (int)to;
        ev.pc.reason = (int)reason;
        ev.pc.have = reason != PC_REASON_SCHEDULE;
        ev.pc.value = value;
        ev.pc.ready_at_s = to > from ? ready_at : now;
        emit(e, &ev, now);
    }
    /* Removals after the change is told, each idle instance freed with
     * its own event. */
    while (pf->pc_configured > to) {
        uint32_t inst;
        if (platform_pc_remove(pf, now, &inst) != PLATFORM_PC_IDLE)
            continue;
        if (e->real != NULL)
            e->real->exec->retire(e->real->exec->ctx, inst);
        if (e->narrate) {
            struct engine_event rv = { .kind = ENGINE_EV_PC_RETIRE, .provisioned = true,
                                       .instance_id = platform_instance(pf, inst)->uid };
            emit(e, &rv, now);
        }
    }
    levels(e, now);
}

static void on_pc_action(struct engine *e, double now)
{
    int want = pcscaling_apply_action(&e->pcs, (int)e->pf.pc_configured);
    pc_resize(e, want, PC_REASON_SCHEDULE, (double)NAN, now);
    double next = pcscaling_next_action_s(&e->pcs);
    if (isfinite(next))
        evq_push(&e->q, next, EV_PC_ACTION, 0, 0);
}

/* A metric period due at due_s ends, handled at now (the same in
 * simulation); the next is due a period after due_s (fixed rate). */
static void on_pc_period(struct engine *e, double due_s, double now)
{
    const struct pc_scaling_spec *sp = &e->sc->platform.provisioned;
    double value = 0;
    bool have = platform_pc_datapoint(&e->pf, now, sp->statistic == PC_STAT_MAXIMUM, &value);
    enum pc_reason reason = PC_REASON_ALARM_HIGH;
    int current = (int)e->pf.pc_configured;
    int want = pcscaling_datapoint(&e->pcs, now, have, value, current, e->pf.pc_loading > 0, &reason);
    if (e->narrate) {
        struct engine_event ev = { .kind = ENGINE_EV_PC_DATAPOINT, .instance_id = -1 };
        ev.pc.from = ev.pc.to = current;
        ev.pc.have = have;
        ev.pc.value = have ? value : (double)NAN;
        ev.pc.high_streak = e->pcs.high_streak;
        ev.pc.low_streak = e->pcs.low_streak;
        emit(e, &ev, now);
    }
    if (want != current)
        pc_resize(e, want, reason, value, now);
    evq_push(&e->q, due_s + sp->period_s, EV_PC_PERIOD, 0, 0);
}

static void on_pc_ready(struct engine *e, uint32_t inst, uint32_t gen, double now)
{
    enum platform_pc_allocated a = platform_pc_ready(&e->pf, inst, gen, now);
    if (a == PLATFORM_PC_STALE)
        return;
    levels(e, now);
    if (a == PLATFORM_PC_RETIRED) {
        /* Configured away while it was allocated: never available. */
        if (e->real != NULL)
            e->real->exec->retire(e->real->exec->ctx, inst);
        return;
    }
    if (e->narrate) {
        struct engine_event ev = { .kind = ENGINE_EV_PC_READY, .provisioned = true,
                                   .instance_id = platform_instance(&e->pf, inst)->uid };
        emit(e, &ev, now);
    }
}

/* The first scheduled action and metric period. */
static void pc_start(struct engine *e)
{
    const struct pc_scaling_spec *sp = &e->sc->platform.provisioned;
    if (!e->pc_scaling)
        return;
    double first = pcscaling_next_action_s(&e->pcs);
    if (isfinite(first))
        evq_push(&e->q, first, EV_PC_ACTION, 0, 0);
    if (sp->tracking)
        evq_push(&e->q, sp->period_s, EV_PC_PERIOD, 0, 0);
}

/* ---- run ------------------------------------------------------------------ */

enum source { SRC_NONE, SRC_ARRIVAL, SRC_HEAP, SRC_EXPIRIES };

/* Which of the three places holds the next event: the pending arrival, the
 * main heap or the keep-alive heap; *at is its time. */
HOT enum source next_source(struct engine *e, double *at)
{
    const struct evq_event *top = evq_top(&e->q);
    enum source src = top != NULL ? SRC_HEAP : SRC_NONE;
    const struct evq_event *x = evq_top(&e->expiries);
    if (x != NULL && (top == NULL || evq_before(x, top))) {
        top = x;
        src = SRC_EXPIRIES;
    }
    if (e->have_arrival && (top == NULL || evq_before(&e->next_arrival, top))) {
        *at = evq_event_time(&e->next_arrival);
        return SRC_ARRIVAL;
    }
    *at = top != NULL ? evq_event_time(top) : (double)INFINITY;
    return src;
}

HOT void take_event(struct engine *e, enum source src, struct evq_event *ev)
{
    switch (src) {
    case SRC_ARRIVAL:
        *ev = e->next_arrival;
        e->have_arrival = false;
        break;
    case SRC_HEAP:
        evq_pop_top(&e->q, ev);
        break;
    case SRC_EXPIRIES:
    case SRC_NONE: /* callers never take from nothing */
        assert(src == SRC_EXPIRIES);
        evq_pop_top(&e->expiries, ev);
        break;
    }
}

static void engine_setup(struct engine *e, const struct scenario *sc, uint64_t seed,
                         const struct engine_hooks *hooks)
{
    memset(e, 0, sizeof *e);
    e->sc = sc;
    e->hooks = hooks;
    e->narrate = hooks != NULL && hooks->on_event != NULL;
    e->records = hooks != NULL && hooks->on_request != NULL;
    e->max_batch = (size_t)sc->batching.max_batch;
    e->bstride = sizeof(struct batch) + e->max_batch * sizeof(double);
    e->max_inflight = (uint32_t)sc->client.max_inflight;
    e->from_dispatch = sc->latency_from == LATENCY_FROM_DISPATCH;
    e->max_requests = sc->max_requests != 0 ? sc->max_requests : UINT64_MAX;
    e->duration_s = sc->duration_s;
    e->res.seed = seed;
    for (unsigned i = 0; i < RNG_STREAM_COUNT; i++)
        e->rng[i] = rng_stream_create(seed, i);
    evq_init(&e->q, 1024);
    evq_init(&e->expiries, 64);
    evq_init(&e->ps_jobs, 16);
    workload_init(&e->wl, &sc->workload, e->rng[RNG_ARRIVALS]);
    batcher_init(&e->bq, sc->batching.threshold, sc->batching.max_batch, sc->batching.timeout_s);
    batchpolicy_init(&e->bp, &sc->batching, &sc->function.model);
    e->aimd = sc->batching.policy == BATCH_POLICY_AIMD;
    e->slo = sc->batching.policy == BATCH_POLICY_SLO;
    e->timer_at = INFINITY;
    platform_init(&e->pf, &sc->platform, e->rng[RNG_KEEP_ALIVE], e->rng[RNG_ROUTING]);
    e->pc_scaling = sc->platform.provisioned.enabled;
    if (e->pc_scaling)
        pcscaling_init(&e->pcs, &sc->platform.provisioned);
    e->pc_cfg_peak = e->pf.pc_configured;
    e->gb = sc->function.memory_mb / 1024.0;
    e->granules_per_s = 1000.0 / sc->pricing.duration_granularity_ms;
    e->bfree = NO_SLOT;
    e->wait_head = e->wait_tail = NO_SLOT;
    const struct dist *extra = &sc->function.extra_init_s;
    e->has_extra = !(extra->kind == DIST_CONSTANT && extra->a == 0);
    e->ps = sc->platform.host_cores > 0;
    /* Like the host's other costs, its speed applies only where the
     * scenario models the host it was measured on. */
    e->host_speed = e->ps && sc->function.model.has_speed;
    e->host_stall = e->ps && sc->function.model.has_stall;
    e->speed_factor = 1;
    /* The share of stalled wake-ups is one draw per run: it moves between
     * stretches of the host (the probe's windows), and a run of seconds
     * meets one stretch. */
    e->wake_share = 0;
    if (e->ps && sc->function.model.has_wake)
        e->wake_share = dist_sample(&sc->function.model.wake_probability, e->rng[RNG_HOST_WAKE]);
    e->speed_until_s = -INFINITY;
    /* An instance may use only its CPU share s = min(memory, 1769)/1769 of
     * a core (the emulator's cgroup quota; its times are already stretched
     * by 1/s), so with k busy it progresses at min(1, H/(k s)): the lesser
     * of its own share and a fair share of the host. All instances have the
     * same s, so that is min(1, (H/s)/k): sharing H/s cores of one share
     * each, and the rest of the code never sees s. At 1769 MB and above
     * s is exactly 1 and nothing changes. */
    e->ps_cores = sc->platform.host_cores / model_cpu_share(sc->function.memory_mb);
    e->ps_w[PS_W_SHARE] = 1;
    e->ps_w[PS_W_VCPU] = 1 / model_cpu_share(sc->function.memory_mb);
    /* With a quantum the cores take turns among the jobs (round robin),
     * ceil(H / s) at a time; without, all share them at once. */
    bool rr = e->ps && sc->function.model.has_share && sc->function.model.share_quantum_s > 0;
    e->ps_quantum = rr ? sc->function.model.share_quantum_s : (double)INFINITY;
    e->ps_run_max = rr ? (uint32_t)fmin(ceil(e->ps_cores), (double)UINT32_MAX) : UINT32_MAX;
    e->spawn_s = e->ps && sc->function.model.has_start_burst ? sc->function.model.start_spawn_s : 0;
    e->window_s = sc->warmup_period_s;
    e->res.window_start_s = e->window_s;
    size_t hint = sc->max_requests != 0 && sc->max_requests < (1u << 24) ? (size_t)sc->max_requests : 1024;
    if (sc->stats == STATS_STREAMING)
        metrics_sample_init_streaming(&e->lat);
    else
        metrics_sample_init(&e->lat, true, hint);
    metrics_level_init(&e->alive, e->window_s);
    metrics_level_init(&e->busy, e->window_s);
    levels(e, 0);
}

static void engine_teardown(struct engine *e)
{
    for (unsigned i = 0; i < RNG_STREAM_COUNT; i++)
        gsl_rng_free(e->rng[i]);
    evq_fini(&e->q);
    evq_fini(&e->expiries);
    batcher_fini(&e->bq);
    batchpolicy_fini(&e->bp);
    platform_fini(&e->pf);
    metrics_sample_fini(&e->lat);
    free(e->bmem);
    evq_fini(&e->ps_jobs);
    free(e->ps_job);
    free(e->ps_scratch);
    free(e->ps_wait.v);
    free(e->spawn_queue.v);
}

static void engine_summarize(struct engine *e)
{
    const struct scenario *sc = e->sc;
    struct engine_result *r = &e->res;
    metrics_sample_summarize(&e->lat, &r->latency_ms);
    uint64_t done = r->requests.completed;
    if (done > 0) {
        double n = (double)done;
        r->breakdown_ms.batch_wait = e->sum_batch_wait / n * 1000.0;
        r->breakdown_ms.dispatch_wait = e->sum_dispatch_wait / n * 1000.0;
        r->breakdown_ms.overhead = e->sum_overhead / n * 1000.0;
        r->breakdown_ms.cold_start = e->sum_cold / n * 1000.0;
        r->breakdown_ms.inference = e->sum_inference / n * 1000.0;
        double span = e->last_end_s - e->first_arrival_s;
        r->throughput_rps = span > 0 ? n / span : 0;
        r->cold_starts.request_fraction = (double)e->cold_requests / n;
    }
    if (r->batches.count > 0)
        r->batches.mean_size = (double)e->sum_batch_sizes / (double)r->batches.count;
    if (e->aimd) {
        r->batching.cap = e->bp.cap;
        r->batching.increases = e->bp.increases;
        r->batching.decreases = e->bp.decreases;
    }
    r->cold_starts.count = r->invocations.cold;
    if (r->invocations.total > 0)
        r->cold_starts.invocation_fraction = (double)r->invocations.cold / (double)r->invocations.total;
    r->end_s = e->end_s;
    double end = e->end_s > e->window_s ? e->end_s : e->window_s;
    if (sc->window == STATS_WINDOW_ARRIVALS && e->have_last) {
        r->instances.mean_alive = metrics_level_mean(&e->alive_at_last, e->last_arrival_s);
        r->instances.mean_busy = metrics_level_mean(&e->busy_at_last, e->last_arrival_s);
    } else {
        r->instances.mean_alive = metrics_level_mean(&e->alive, end);
        r->instances.mean_busy = metrics_level_mean(&e->busy, end);
    }
    r->instances.mean_idle = r->instances.mean_alive - r->instances.mean_busy;
    double means_end = sc->window == STATS_WINDOW_ARRIVALS && e->have_last ? e->last_arrival_s : end;
    r->keep_alive.idle_instance_s = means_end > e->window_s ? r->instances.mean_idle * (means_end - e->window_s) : 0;
    if (e->pf.histogram) {
        const struct keepalive *k = &e->pf.ka;
        r->keep_alive.idle_times = k->n_in + k->n_oob;
        r->keep_alive.out_of_range = k->n_oob;
        r->keep_alive.mode = (int)k->mode;
        r->keep_alive.prewarm_s = k->prewarm_s;
        r->keep_alive.keep_alive_s = k->keep_alive_s;
        r->keep_alive.cv = k->cv;
        r->keep_alive.unloaded = e->pf.unloaded;
        r->keep_alive.prewarms = e->pf.prewarms;
        r->keep_alive.prewarms_skipped = e->pf.prewarms_skipped;
        r->keep_alive.prewarm_hits = e->pf.prewarm_hits;
    }
    r->instances.peak = (uint64_t)metrics_level_peak(&e->alive);
    r->instances.created = e->pf.created;
    r->instances.expired = e->pf.expired;
    /* Provisioned concurrency is billed while configured, in whole billing
     * periods, from t = 0 to the end of the run. */
    const struct pricing_spec *p = &sc->pricing;
    double granule_s = p->duration_granularity_ms / 1000.0;
    r->cost_usd.requests = (double)e->billed_requests * p->request_usd;
    r->cost_usd.duration = e->billed_granules[0] * granule_s * e->gb * p->duration_usd_per_gb_s +
                           e->billed_granules[1] * granule_s * e->gb * p->provisioned_duration_usd_per_gb_s;
    /* Configured instance-seconds: each level from when it was configured
     * (instances allocating included) to the next change, the last one to
     * the end of the billed span. */
    double periods = ceil(e->end_s / p->provisioned_billing_period_s - 1e-9);
    double billed_end_s = periods * p->provisioned_billing_period_s;
    double tail_s = billed_end_s > e->pc_cfg_t ? billed_end_s - e->pc_cfg_t : 0;
    double instance_s = e->pc_cfg_area + (double)e->pf.pc_configured * tail_s;
    r->cost_usd.provisioned = instance_s * e->gb * p->provisioned_usd_per_gb_s;
    if (e->pc_scaling) {
        r->provisioned.actions = e->pcs.actions;
        r->provisioned.scale_outs = e->pcs.scale_outs;
        r->provisioned.scale_ins = e->pcs.scale_ins;
        r->provisioned.datapoints = e->pcs.datapoints;
        r->provisioned.missing_datapoints = e->pcs.missing;
        r->provisioned.configured_end = e->pf.pc_configured;
        r->provisioned.configured_peak = e->pc_cfg_peak;
        r->provisioned.instance_s = instance_s;
        r->provisioned.configured_mean = billed_end_s > 0 ? instance_s / billed_end_s : (double)e->pf.pc_configured;
    }
    /* SnapStart: every new instance is a restore, charged per GB of memory;
     * the version's snapshot is cached (billed per GB-s, at least 3 hours)
     * for the whole run. A restore's time is billed as duration, as an init
     * is (bill_invocation): AWS bills only its "Billed Restore Duration"
     * part, so that share of the duration cost is an upper bound. */
    r->cost_usd.snapstart = 0;
    if (sc->function.snapstart)
        r->cost_usd.snapstart = (double)e->pf.created * e->gb * p->snapstart_restore_usd_per_gb +
                                e->gb * fmax(e->end_s, p->snapstart_cache_min_s) * p->snapstart_cache_usd_per_gb_s;
    r->cost_usd.total = r->cost_usd.requests + r->cost_usd.duration + r->cost_usd.provisioned +
                        r->cost_usd.snapstart;
}

enum engine_status engine_run(const struct scenario *sc, uint64_t seed, const struct engine_hooks *hooks,
                              struct engine_result *out)
{
    enum engine_status status = ENGINE_OK;
    const volatile sig_atomic_t *stop = hooks != NULL ? hooks->stop : NULL;
    struct engine e;
    engine_setup(&e, sc, seed, hooks);
    schedule_next_arrival(&e);
    if (sc->warmup.concurrency > 0)
        evq_push(&e.q, warmup_first_at(&e, seed), EV_WARMUP, 0, 0);
    pc_start(&e);
    struct evq_event ev;
    while (!(e.arrivals_done && e.outstanding == 0)) {
        double at;
        enum source src = next_source(&e, &at);
        if (src == SRC_NONE)
            break;
        e.res.events++;
        if (src == SRC_ARRIVAL) {
            /* Half the events: straight to the handler, on the branch that
             * chose the source, without the jump on the kind. */
            e.have_arrival = false;
            on_arrival(&e, at);
        } else {
            take_event(&e, src, &ev);
            double now = evq_event_time(&ev);
            switch ((enum ev_kind)ev.kind) { /* arrivals never wait in a heap */
            case EV_BATCH_TIMER: on_batch_timer(&e, now); break;
            case EV_INSTANCE_DONE: on_instance_done(&e, ev.id, ev.gen, now); break;
            case EV_RESPONSE: on_response(&e, ev.id, now); break;
            case EV_EXPIRY: on_expiry(&e, ev.id, ev.gen, now); break;
            case EV_WARMUP: on_warmup(&e, now, now); break;
            case EV_RETRY: invoke(&e, ev.id, now); break;
            case EV_PS_DONE: on_ps_done(&e, ev.gen, now); break;
            case EV_PREWARM: on_prewarm(&e, now); break;
            case EV_PREWARM_DONE: on_prewarm_done(&e, ev.id, ev.gen, now); break;
            case EV_PC_ACTION: on_pc_action(&e, now); break;
            case EV_PC_PERIOD: on_pc_period(&e, now, now); break;
            case EV_PC_READY: on_pc_ready(&e, ev.id, ev.gen, now); break;
            default: assert(!"unknown event kind");
            }
        }
        if (e.outstanding > ENGINE_MAX_OUTSTANDING) {
            status = ENGINE_OVERLOAD;
            break;
        }
        if (stop != NULL && (e.stop_seen || ((e.res.events & 4095) == 0 && *stop))) {
            status = ENGINE_INTERRUPTED;
            break;
        }
    }
    assert(status != ENGINE_OK || e.outstanding == 0);
    engine_summarize(&e);
    *out = e.res;
    engine_teardown(&e);
    return status;
}

/* One timer event of the real-time loop, with the same handlers as above. */
static void real_event(struct engine *e, const struct evq_event *ev, double now)
{
    switch ((enum ev_kind)ev->kind) {
    case EV_ARRIVAL: {
        /* Requests keep their scheduled send time (a burst is one instant);
         * the loop's lateness is measured and is part of their latency. */
        double due = evq_event_time(ev);
        metrics_sample_add(&e->lag, (now > due ? now - due : 0) * 1000.0);
        on_arrival_at(e, due, now);
        break;
    }
    case EV_BATCH_TIMER: on_batch_timer(e, now); break;
    case EV_INSTANCE_DONE: on_instance_done(e, ev->id, ev->gen, now); break;
    case EV_EXPIRY: on_expiry(e, ev->id, ev->gen, now); break;
    case EV_WARMUP: on_warmup(e, evq_event_time(ev), now); break;
    case EV_RETRY: invoke(e, ev->id, now); break;
    case EV_RESPONSE: on_response(e, ev->id, now); break; /* an injected overhead */
    case EV_PREWARM: on_prewarm(e, now); break;
    case EV_PC_ACTION: on_pc_action(e, now); break;
    case EV_PC_PERIOD: on_pc_period(e, evq_event_time(ev), now); break;
    case EV_PC_READY: on_pc_ready(e, ev->id, ev->gen, now); break;
    /* No processor sharing: the real machine shares its cores. */
    case EV_PS_DONE:
    default: assert(!"event kind not used in real time");
    }
}

enum engine_status engine_run_real(const struct scenario *sc, uint64_t seed, const struct engine_hooks *hooks,
                                   const struct engine_real *real, struct engine_result *out)
{
    enum engine_status status = ENGINE_OK;
    const volatile sig_atomic_t *stop = hooks != NULL ? hooks->stop : NULL;
    const struct engine_executor *x = real->exec;
    struct engine e;
    engine_setup(&e, sc, seed, hooks);
    e.real = real;
    e.ps = false; /* the real machine shares its cores by itself */
    metrics_sample_init(&e.lag, true, 1024);

    /* Provisioned instances are initialised before t = 0. */
    uint32_t *slots = xcalloc(e.pf.used + 1, sizeof *slots);
    size_t n_prov = 0;
    for (size_t i = 0; i < e.pf.used; i++)
        if (e.pf.inst[i].state != INSTANCE_DEAD && e.pf.inst[i].provisioned)
            slots[n_prov++] = (uint32_t)i;
    int prc = x->prepare(x->ctx, slots, n_prov, real->msg, real->msg_len);
    free(slots);
    if (prc != 0) {
        status = ENGINE_EXEC_FAILED;
        goto done;
    }
    schedule_next_arrival(&e);
    if (sc->warmup.concurrency > 0)
        evq_push(&e.q, warmup_first_at(&e, seed), EV_WARMUP, 0, 0);
    pc_start(&e);
    while (!(e.arrivals_done && e.outstanding == 0)) {
        if (stop != NULL && *stop) {
            status = ENGINE_INTERRUPTED;
            break;
        }
        double now = x->now(x->ctx);
        if (now >= real->time_limit_s) {
            status = ENGINE_TIME_LIMIT;
            break;
        }
        /* The next timer: the next arrival or the top of a heap. */
        double next_s;
        enum source src = next_source(&e, &next_s);
        if (src != SRC_NONE && next_s <= now) {
            struct evq_event ev;
            take_event(&e, src, &ev);
            e.res.events++;
            /* `now` is the clock, not the event's due time: what happens is
             * stamped when it really happens. */
            real_event(&e, &ev, now);
        } else {
            struct engine_completion c;
            double until = next_s < real->time_limit_s ? next_s : real->time_limit_s;
            int rc = x->wait(x->ctx, until, &c, real->msg, real->msg_len);
            if (rc < 0) {
                status = ENGINE_EXEC_FAILED;
                break;
            }
            if (rc == 1) {
                e.res.events++;
                on_real_done(&e, &c, x->now(x->ctx));
            }
        }
        if (e.failed) {
            status = ENGINE_EXEC_FAILED;
            break;
        }
        if (e.outstanding > ENGINE_MAX_OUTSTANDING) {
            status = ENGINE_OVERLOAD;
            break;
        }
    }
done:
    assert(status != ENGINE_OK || e.outstanding == 0);
    engine_summarize(&e);
    metrics_sample_summarize(&e.lag, &e.res.lag_ms);
    metrics_sample_fini(&e.lag);
    *out = e.res;
    engine_teardown(&e);
    return status;
}

const char *engine_batch_reason_name(enum batch_reason r)
{
    switch (r) {
#define BATCH_REASON_NAME(id, name) \
    case BATCH_BY_##id: return name;
        BATCH_REASONS(BATCH_REASON_NAME)
#undef BATCH_REASON_NAME
    }
    return "?";
}

const char *engine_request_status_name(enum request_status s)
{
    switch (s) {
#define REQUEST_STATUS_NAME(id, name) \
    case REQUEST_##id: return name;
        REQUEST_STATUSES(REQUEST_STATUS_NAME)
#undef REQUEST_STATUS_NAME
    }
    return "?";
}
