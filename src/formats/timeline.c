/* timeline: per-instance state intervals and the queue length over time,
 * rebuilt from the engine's event hook and written as one CSV. */
#include "formats/timeline.h"

#include <assert.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include "base/xalloc.h"

struct tl_instance {
    bool alive;
    bool busy;
    bool provisioned;
    bool ping;              /* busy with a warm-up ping (else a request batch) */
    uint64_t batch_id;
    double since_s;         /* idle: idle since; busy: invocation start */
    double init_s;          /* busy: init before the handler (cold start) */
};

/* A queue interval is held back until the next one is known, so that an
 * instant excursion (1 -> 0 at the same time) does not split a run of one
 * value into two rows. */
struct tl_queue_row {
    bool have;
    int len;
    double start_s, end_s;
};

/* The live instances, by uid, in an open-addressing hash table (linear
 * probing, deletion by backward shift): an instance leaves it when it dies,
 * so memory follows the instances alive, not every instance the run ever
 * created (uids are never reused). */
struct tl_slot {
    bool used;
    uint64_t uid;
    struct tl_instance in;
};

struct timeline {
    struct tl_slot *slot;       /* cap slots, a power of two (0 = none yet) */
    size_t cap, n;
    int queue_len;              /* value in force since queue_since_s */
    double queue_since_s;
    struct tl_queue_row pending;
};

void timeline_csv_header(FILE *f)
{
    fputs("kind,instance_id,provisioned,state,start_s,end_s,activity,batch_id,queue_len\n", f);
}

static size_t slot_of(const struct timeline *t, uint64_t uid)
{
    /* Fibonacci hashing spreads consecutive uids. */
    return (size_t)((uid * UINT64_C(0x9e3779b97f4a7c15)) >> 20) & (t->cap - 1);
}

static void table_grow(struct timeline *t)
{
    struct tl_slot *old = t->slot;
    size_t old_cap = t->cap;
    t->cap = old_cap == 0 ? 16 : old_cap * 2;
    t->slot = xcalloc(t->cap, sizeof *t->slot);
    for (size_t i = 0; i < old_cap; i++) {
        if (!old[i].used)
            continue;
        size_t j = slot_of(t, old[i].uid);
        while (t->slot[j].used)
            j = (j + 1) & (t->cap - 1);
        t->slot[j] = old[i];
    }
    free(old);
}

/* The instance with this uid; a new, dead and idle one when it is unknown. */
static struct tl_instance *instance_at(struct timeline *t, int64_t uid_signed)
{
    assert(uid_signed >= 0);
    uint64_t uid = (uint64_t)uid_signed;
    if (t->cap == 0 || 2 * (t->n + 1) > t->cap)
        table_grow(t);
    size_t j = slot_of(t, uid);
    while (t->slot[j].used) {
        if (t->slot[j].uid == uid)
            return &t->slot[j].in;
        j = (j + 1) & (t->cap - 1);
    }
    t->slot[j] = (struct tl_slot){ .used = true, .uid = uid };
    t->n++;
    return &t->slot[j].in;
}

/* Forgets a dead instance: the entries after it in its probe run move back
 * so that every lookup still finds its entry without tombstones. */
static void instance_forget(struct timeline *t, int64_t uid_signed)
{
    uint64_t uid = (uint64_t)uid_signed;
    size_t mask = t->cap - 1, j = slot_of(t, uid);
    while (t->slot[j].used && t->slot[j].uid != uid)
        j = (j + 1) & mask;
    assert(t->slot[j].used);
    size_t hole = j;
    for (size_t k = (j + 1) & mask; t->slot[k].used; k = (k + 1) & mask) {
        size_t home = slot_of(t, t->slot[k].uid);
        /* Move k into the hole when its home is not cyclically in (hole, k]. */
        bool stays = hole <= k ? (home > hole && home <= k) : (home > hole || home <= k);
        if (!stays) {
            t->slot[hole] = t->slot[k];
            hole = k;
        }
    }
    t->slot[hole] = (struct tl_slot){ 0 };
    t->n--;
}

static void instance_row(FILE *f, size_t uid, const struct tl_instance *in, const char *state,
                         double start_s, double end_s)
{
    /* Zero-length intervals (reused at the same instant, no init) say nothing. */
    if (!(end_s > start_s))
        return;
    fprintf(f, "instance,%zu,%d,%s,%.9f,%.9f,", uid, in->provisioned ? 1 : 0, state, start_s, end_s);
    if (in->busy && in->ping)
        fputs("ping,,\n", f);
    else if (in->busy)
        fprintf(f, "batch,%llu,\n", (unsigned long long)in->batch_id);
    else
        fputs(",,\n", f);
}

/* The busy instance's init and handler intervals, ending at end_s. */
static void busy_rows(FILE *f, size_t uid, const struct tl_instance *in, double end_s)
{
    double run_from = in->since_s + in->init_s;
    if (run_from > end_s)
        run_from = end_s;
    instance_row(f, uid, in, "init", in->since_s, run_from);
    instance_row(f, uid, in, "busy", run_from, end_s);
}

static void queue_emit(struct timeline *t, FILE *f, int len, double start_s, double end_s)
{
    struct tl_queue_row *p = &t->pending;
    if (p->have && p->len == len && p->end_s == start_s) {
        p->end_s = end_s;
        return;
    }
    if (p->have)
        fprintf(f, "queue,,,,%.9f,%.9f,,,%d\n", p->start_s, p->end_s, p->len);
    *p = (struct tl_queue_row){ .have = true, .len = len, .start_s = start_s, .end_s = end_s };
}

static void queue_change(struct timeline *t, FILE *f, int len, double now_s)
{
    if (len == t->queue_len)
        return;
    if (now_s > t->queue_since_s)
        queue_emit(t, f, t->queue_len, t->queue_since_s, now_s);
    t->queue_len = len;
    t->queue_since_s = now_s;
}

static void *timeline_start(FILE *f, const struct scenario *sc)
{
    struct timeline *t = xcalloc(1, sizeof *t);
    timeline_csv_header(f);
    /* Provisioned instances are initialised before t = 0 and come first in
     * creation order (uids 0 .. P-1). */
    for (int i = 0; i < sc->platform.provisioned_concurrency; i++) {
        struct tl_instance *in = instance_at(t, i);
        in->alive = true;
        in->provisioned = true;
    }
    return t;
}

static void timeline_on_event(void *state, FILE *f, const struct engine_event *ev)
{
    struct timeline *t = state;
    double now = ev->time_s;
    queue_change(t, f, ev->queue_len, now);
    switch (ev->kind) {
    case ENGINE_EV_INVOKE: {
        struct tl_instance *in = instance_at(t, ev->instance_id);
        if (ev->placement == ENGINE_PLACED_COLD) {
            *in = (struct tl_instance){ .alive = true, .provisioned = ev->provisioned };
        } else {
            assert(in->alive && !in->busy);
            instance_row(f, (size_t)ev->instance_id, in, "idle", in->since_s, now);
        }
        in->busy = true;
        in->ping = ev->ping;
        in->batch_id = ev->batch_id;
        in->since_s = now;
        in->init_s = ev->init_s;
        break;
    }
    case ENGINE_EV_DONE: {
        struct tl_instance *in = instance_at(t, ev->instance_id);
        assert(in->alive && in->busy);
        busy_rows(f, (size_t)ev->instance_id, in, now);
        in->busy = false;
        in->since_s = now;
        /* A timed-out on-demand environment is reset: it is gone. */
        if (ev->timed_out && !ev->provisioned)
            instance_forget(t, ev->instance_id);
        break;
    }
    case ENGINE_EV_PREWARM:
        /* Histogram keep-alive: a pre-warmed instance is idle (loaded, no
         * request) from the start of its init. */
        if (!ev->dropped) {
            struct tl_instance *in = instance_at(t, ev->instance_id);
            *in = (struct tl_instance){ .alive = true };
            in->since_s = now;
        }
        break;
    case ENGINE_EV_PC_READY: {
        /* platform.provisioned: an instance allocated during the run is
         * idle and provisioned from when it is ready. */
        struct tl_instance *in = instance_at(t, ev->instance_id);
        *in = (struct tl_instance){ .alive = true, .provisioned = true };
        in->since_s = now;
        break;
    }
    case ENGINE_EV_PC_RETIRE: /* configured away: idle (a busy one right after its DONE) */
    case ENGINE_EV_UNLOAD: /* as an expiry, right after the DONE */
    case ENGINE_EV_EXPIRE: {
        struct tl_instance *in = instance_at(t, ev->instance_id);
        assert(in->alive && !in->busy);
        instance_row(f, (size_t)ev->instance_id, in, "idle", in->since_s, now);
        instance_forget(t, ev->instance_id);
        break;
    }
    default:
        break;
    }
}

static int by_uid(const void *a, const void *b)
{
    const struct tl_slot *x = a, *y = b;
    return x->uid < y->uid ? -1 : x->uid > y->uid;
}

static void timeline_finish(void *state, FILE *f, const struct engine_result *res)
{
    struct timeline *t = state;
    if (t == NULL)
        return;
    if (res != NULL) {
        /* The run ends at the last response; whatever is still open (idle
         * instances, a ping in progress) is cut there. */
        double end = res->end_s;
        struct tl_slot *live = xcalloc(t->n + 1, sizeof *live);
        size_t n_live = 0;
        for (size_t i = 0; i < t->cap; i++)
            if (t->slot[i].used && t->slot[i].in.alive)
                live[n_live++] = t->slot[i];
        qsort(live, n_live, sizeof *live, by_uid);
        for (size_t i = 0; i < n_live; i++) {
            const struct tl_instance *in = &live[i].in;
            size_t uid = (size_t)live[i].uid;
            if (in->busy)
                busy_rows(f, uid, in, end);
            else
                instance_row(f, uid, in, "idle", in->since_s, end);
        }
        free(live);
        if (end > t->queue_since_s)
            queue_emit(t, f, t->queue_len, t->queue_since_s, end);
        if (t->pending.have)
            fprintf(f, "queue,,,,%.9f,%.9f,,,%d\n", t->pending.start_s, t->pending.end_s, t->pending.len);
    }
    free(t->slot);
    free(t);
}

const struct sink_ops timeline_sink = {
    .start = timeline_start,
    .on_event = timeline_on_event,
    .finish = timeline_finish,
};
