/* timeline: per-instance state intervals and the queue length over time,
 * rebuilt from the engine's event hook and written as one CSV. */
#include "timeline.h"

#include <assert.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include "xalloc.h"

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

struct timeline {
    struct tl_instance *inst;   /* indexed by instance uid */
    size_t cap, n;
    int queue_len;              /* value in force since queue_since_s */
    double queue_since_s;
    struct tl_queue_row pending;
};

void timeline_csv_header(FILE *f)
{
    fputs("kind,instance_id,provisioned,state,start_s,end_s,activity,batch_id,queue_len\n", f);
}

static struct tl_instance *instance_at(struct timeline *t, int64_t uid)
{
    assert(uid >= 0);
    size_t i = (size_t)uid;
    if (i >= t->n) {
        t->inst = xgrow(t->inst, &t->cap, i + 1, sizeof *t->inst);
        for (size_t k = t->n; k <= i; k++)
            t->inst[k] = (struct tl_instance){ 0 };
        t->n = i + 1;
    }
    return &t->inst[i];
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
            in->alive = false;
        break;
    }
    case ENGINE_EV_EXPIRE: {
        struct tl_instance *in = instance_at(t, ev->instance_id);
        assert(in->alive && !in->busy);
        instance_row(f, (size_t)ev->instance_id, in, "idle", in->since_s, now);
        in->alive = false;
        break;
    }
    default:
        break;
    }
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
        for (size_t i = 0; i < t->n; i++) {
            const struct tl_instance *in = &t->inst[i];
            if (!in->alive)
                continue;
            if (in->busy)
                busy_rows(f, i, in, end);
            else
                instance_row(f, i, in, "idle", in->since_s, end);
        }
        if (end > t->queue_since_s)
            queue_emit(t, f, t->queue_len, t->queue_since_s, end);
        if (t->pending.have)
            fprintf(f, "queue,,,,%.9f,%.9f,,,%d\n", t->pending.start_s, t->pending.end_s, t->pending.len);
    }
    free(t->inst);
    free(t);
}

const struct sink_ops timeline_sink = {
    .start = timeline_start,
    .on_event = timeline_on_event,
    .finish = timeline_finish,
};
