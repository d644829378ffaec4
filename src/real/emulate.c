/* emulate: instances as lambdasim-worker processes, driven by the engine's
 * real-time loop (see emulate.h). One poll() over the workers' sockets
 * waits for READY lines and answers; the engine's next timer bounds it. */
#define _GNU_SOURCE /* ppoll, PR_SET_TIMERSLACK */
#include "real/emulate.h"

#include <errno.h>
#include <limits.h>
#include <inttypes.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "real/cpucap.h"
#include "real/hostload.h"
#include "formats/jsonout.h"
#include "real/mnist.h"
#include "real/spawner.h"
#include "core/model.h"
#include "real/worker_proto.h"
#include "base/xalloc.h"


/* How long a readable worker may take to finish a line it started. */
#define LINE_TIMEOUT_S 5.0
#define JOB_NONE UINT32_MAX

/* SLOT_DEAD: the worker died with an invocation to report (a send that
 * failed): the next wait reports it. */
/* SLOT_WAITING: the worker is ready but the profile's cold start is longer
 * than its own: the invocation is sent at ready_at_s. */
/* SLOT_SPAWNING: the spawner's thread is starting the worker (spawn_key);
 * SLOT_STARTING once it runs, until its READY line. */
enum slot_state { SLOT_NONE = 0, SLOT_SPAWNING, SLOT_STARTING, SLOT_WAITING, SLOT_IDLE, SLOT_BUSY, SLOT_DEAD };

struct em_slot {
    struct worker_client w;
    enum slot_state state;
    long pid;
    int64_t uid;
    /* The invocation in progress (STARTING or BUSY). */
    uint32_t job;
    uint32_t n;
    uint64_t first;
    double t_spawn, t_send;     /* seconds on the run's clock */
    double init_s;              /* this invocation's cold start (0 when warm) */
    double init_want_s;         /* the cold start to reach: profile's + extra init */
    double ready_at_s;          /* SLOT_WAITING: send the invocation then */
    double deadline_s;
    uint64_t spawn_key;         /* SLOT_SPAWNING: the start asked of the spawner */
};

struct emulate {
    struct emulate_options o;
    struct engine_executor exec;
    struct mnist_digits digits;
    uint8_t *expect;            /* in-process labels of the digits */
    struct em_slot *slot;
    size_t n_slots, cap_slots;
    struct pollfd *pfd;
    uint32_t *pfd_slot;
    size_t cap_pfd;
    uint8_t *pixels;            /* request buffer */
    size_t cap_pixels;
    uint8_t labels[WORKER_PROTO_MAX_BATCH];
    double t0;                  /* CLOCK_MONOTONIC at t = 0 */
    size_t rr;                  /* where the next scan of ready workers starts */
    struct emulate_stats st;
    struct hostload load;       /* the host's CPU pressure around the run */
    bool profile_foreign;       /* the profile's inference is not this machine's CNN's (check_inference) */
    struct cpucap cap;          /* the workers' cgroups (kind NONE: not enforced) */
    double vcpus;               /* each worker's CPU share; 0: no cap asked */
    char cap_why[600];          /* why the cap is not enforced */
    double local_ms_per_image;  /* in-process inference on one whole core */
    double profile_infer_ms, local_infer_ms;    /* for a batch of typical_batch */
    bool isolated;
    bool load_begun, load_ended;
    struct spawner *spawner;    /* cold starts during the run (spawner.h) */
    uint32_t spawn_seq;         /* the high half of the next spawn key */
};


static double em_now(void *ctx)
{
    const struct emulate *em = ctx;
    return worker_mono_s() - em->t0;
}

static void note(struct emulate *em, const char *what, const struct em_slot *s)
{
    if (em->o.on_worker != NULL)
        em->o.on_worker(em->o.ctx, what, s->pid, s->uid);
}

static struct em_slot *slot_at(struct emulate *em, uint32_t i)
{
    if (i >= em->n_slots) {
        size_t old = em->cap_slots;
        em->slot = xgrow(em->slot, &em->cap_slots, (size_t)i + 1, sizeof *em->slot);
        for (size_t k = old; k < em->cap_slots; k++) {
            memset(&em->slot[k], 0, sizeof em->slot[k]);
            em->slot[k].w.pid = -1;
            em->slot[k].w.fd = -1;
        }
        em->n_slots = (size_t)i + 1;
    }
    return &em->slot[i];
}

/* s's worker said READY: its init is over, and its cgroup gets the
 * memory's share from here on. Returns 0, or -1 with a message. */
static int init_over(struct emulate *em, const struct em_slot *s, char *msg, size_t len)
{
    char inner[512];
    if (cpucap_slot_init_over(&em->cap, (uint32_t)(s - em->slot), em->vcpus, inner, sizeof inner) != 0) {
        worker_set_msg(msg, len, "instance %" PRId64 " (worker pid %ld): %s", s->uid, s->pid, inner);
        return -1;
    }
    return 0;
}

/* The start of s's worker as worker_client_start_in takes it, its cgroup
 * made ready. Returns 0, or -1 with a message. */
static int spawn_request(struct emulate *em, const struct em_slot *s, double extra_init_s, struct spawn_request *q,
                         char *msg, size_t len)
{
    *q = (struct spawn_request){ .worker_path = em->o.worker_path, .weights_path = em->o.weights_path,
                                 .extra_init_ms = extra_init_s * 1e3, .cpu_share = 1 };
    if (em->cap.kind != CPUCAP_NONE) {
        q->cpu_share = em->vcpus;
        /* Init runs at one vCPU at least (cpucap_init_vcpus); the slot's share
         * is set when READY comes (on_readable). */
        if (cpucap_slot(&em->cap, (uint32_t)(s - em->slot), cpucap_init_vcpus(em->vcpus), q->cgroup_procs,
                        sizeof q->cgroup_procs, msg, len) != 0)
            return -1;
    }
    return 0;
}

/* s's worker is running: READY comes next. */
static void adopt(struct emulate *em, struct em_slot *s, const struct worker_client *w)
{
    s->w = *w;
    s->pid = (long)s->w.pid;
    s->state = SLOT_STARTING;
    em->st.workers_started++;
    note(em, "started", s);
}

/* Starts s's worker from this thread (provisioned instances, before t = 0). */
static int spawn(struct emulate *em, struct em_slot *s, int64_t uid, double extra_init_s, char *msg,
                 size_t len)
{
    s->uid = uid;
    struct spawn_request q;
    if (spawn_request(em, s, extra_init_s, &q, msg, len) != 0)
        return -1;
    s->t_spawn = em_now(em);
    struct worker_client w;
    if (worker_client_start_in(&w, q.worker_path, q.weights_path, q.extra_init_ms,
                               q.cgroup_procs[0] != '\0' ? q.cgroup_procs : NULL, q.cpu_share, msg, len) != 0)
        return -1;
    adopt(em, s, &w);
    return 0;
}

/* Asks the spawner for s's worker (a cold start during the run): the loop
 * goes on at once; the worker's init counts from now. */
static int spawn_async(struct emulate *em, struct em_slot *s, int64_t uid, double extra_init_s, char *msg,
                       size_t len)
{
    s->uid = uid;
    struct spawn_request q;
    if (spawn_request(em, s, extra_init_s, &q, msg, len) != 0)
        return -1;
    q.key = (uint64_t)em->spawn_seq++ << 32 | (uint64_t)(s - em->slot);
    s->spawn_key = q.key;
    s->t_spawn = em_now(em);
    s->state = SLOT_SPAWNING;
    spawner_submit(em->spawner, &q);
    return 0;
}

/* A finished start: its slot, if it still waits for it, gets the worker;
 * otherwise (retired meanwhile) the worker is stopped. Returns 0, or -1
 * with the start's failure (the run then fails, as a failed start did). */
static int spawned(struct emulate *em, struct spawn_result *r, char *msg, size_t len)
{
    uint32_t i = (uint32_t)(r->key & UINT32_MAX);
    struct em_slot *s = i < em->n_slots ? &em->slot[i] : NULL;
    bool wanted = s != NULL && s->state == SLOT_SPAWNING && s->spawn_key == r->key;
    if (r->rc != 0) {
        if (!wanted)
            return 0;
        s->state = SLOT_NONE;
        worker_set_msg(msg, len, "%s", r->msg);
        return -1;
    }
    if (!wanted) {
        (void)worker_client_stop(&r->w, 0);
        return 0;
    }
    adopt(em, s, &r->w);
    return 0;
}

/* Waits for s's start to finish (s SLOT_SPAWNING). Returns as spawned. */
static int finish_spawn(struct emulate *em, struct em_slot *s, char *msg, size_t len)
{
    struct spawn_result r;
    spawner_wait(em->spawner, s->spawn_key, &r);
    return spawned(em, &r, msg, len);
}

/* Kills and reaps the slot's worker (if any); the slot is then empty. */
static void slot_kill(struct emulate *em, struct em_slot *s, const char *what)
{
    if (s->state == SLOT_SPAWNING) {
        char ignored[WORKER_MSG_MAX];
        if (finish_spawn(em, s, ignored, sizeof ignored) != 0)
            return; /* it never ran: nothing to stop */
    }
    if (s->state == SLOT_NONE)
        return;
    worker_client_stop(&s->w, 0);
    note(em, what, s);
    s->state = SLOT_NONE;
    s->job = JOB_NONE;
}

/* A worker died: one warning line naming it, its instance and what it was
 * doing; the process is reaped. */
static void warn_death(struct emulate *em, struct em_slot *s, const char *why)
{
    em->st.workers_died++;
    if (em->o.on_warning != NULL) {
        char line[WORKER_MSG_MAX + 200];
        if (s->state == SLOT_IDLE)
            snprintf(line, sizeof line, "instance %" PRId64 " (worker pid %ld) died while idle: %s; the "
                     "instance is gone", s->uid, s->pid, why);
        else
            snprintf(line, sizeof line, "instance %" PRId64 " (worker pid %ld) died %s: %s; its %u "
                     "request(s) failed, the instance is gone", s->uid, s->pid,
                     s->state == SLOT_STARTING || s->state == SLOT_WAITING ? "while starting" : "during an invocation",
                     why, (unsigned)s->n);
        em->o.on_warning(em->o.ctx, line);
    }
    worker_client_stop(&s->w, 0);
    note(em, "died", s);
}

/* Fills *done for the invocation on s, which ends because its worker died;
 * the slot is then empty. */
static void report_death(struct emulate *em, struct em_slot *s, uint32_t index, struct engine_completion *done)
{
    double now = em_now(em);
    *done = (struct engine_completion){
        .instance = index,
        .job = s->state == SLOT_IDLE ? ENGINE_JOB_IDLE : s->job,
        .init_s = s->init_s,
        .inference_s = 0,
        .overhead_s = 0,
        .died = true,
    };
    if (s->state == SLOT_STARTING || s->state == SLOT_WAITING)
        done->init_s = now - s->t_spawn;
    s->state = SLOT_NONE;
    s->job = JOB_NONE;
}

/* Sends the slot's invocation: its images, request i being digit i mod n. */
static void send_job(struct emulate *em, struct em_slot *s)
{
    size_t bytes = (size_t)s->n * MNIST_PIXELS;
    if (bytes > em->cap_pixels)
        em->pixels = xgrow(em->pixels, &em->cap_pixels, bytes, 1);
    for (uint32_t k = 0; k < s->n; k++) {
        size_t d = (size_t)((s->first + k) % em->digits.n);
        memcpy(em->pixels + (size_t)k * MNIST_PIXELS, em->digits.pixels + d * MNIST_PIXELS, MNIST_PIXELS);
    }
    s->t_send = em_now(em);
    char inner[WORKER_MSG_MAX];
    if (worker_client_send(&s->w, s->first, em->pixels, s->n, inner, sizeof inner) != 0) {
        /* The worker is gone: the invocation fails (reported by the next
         * wait), the run goes on. */
        warn_death(em, s, inner);
        s->state = SLOT_DEAD;
        return;
    }
    s->state = SLOT_BUSY;
}

/* ---- the executor -------------------------------------------------------------------- */

static int em_prepare(void *ctx, const uint32_t *slots, size_t n, char *msg, size_t len)
{
    struct emulate *em = ctx;
    hostload_begin(&em->load);
    em->load_begun = true;
    em->t0 = worker_mono_s();
    /* Start them all, then wait for each: the loads overlap. */
    for (size_t i = 0; i < n; i++) {
        struct em_slot *s = slot_at(em, slots[i]);
        if (spawn(em, s, (int64_t)slots[i], 0, msg, len) != 0)
            return -1;
    }
    for (size_t i = 0; i < n; i++) {
        struct em_slot *s = &em->slot[slots[i]];
        long pid = 0;
        double init_ms = 0;
        char inner[WORKER_MSG_MAX];
        if (worker_client_wait_ready(&s->w, em->o.ready_timeout_s, &pid, &init_ms, inner, sizeof inner) != 0) {
            worker_set_msg(msg, len, "provisioned instance %u (worker pid %ld) did not start: %s", (unsigned)slots[i],
                    s->pid, inner);
            return -1;
        }
        if (init_over(em, s, msg, len) != 0)
            return -1;
        s->state = SLOT_IDLE;
    }
    /* Provisioned instances are ready before t = 0. */
    em->t0 = worker_mono_s();
    return 0;
}

static int em_start(void *ctx, const struct engine_invocation *inv, char *msg, size_t len)
{
    struct emulate *em = ctx;
    struct em_slot *s = slot_at(em, inv->instance);
    if (inv->n < 0 || (uint32_t)inv->n > WORKER_PROTO_MAX_BATCH) {
        worker_set_msg(msg, len, "a batch of %d images: the worker takes 0 to %u", inv->n, WORKER_PROTO_MAX_BATCH);
        return -1;
    }
    if (s->state == SLOT_SPAWNING || s->state == SLOT_STARTING || s->state == SLOT_WAITING || s->state == SLOT_BUSY
        || s->state == SLOT_DEAD) {
        worker_set_msg(msg, len,
                       "internal error: instance %" PRId64 " got an invocation while busy", inv->instance_uid);
        return -1;
    }
    if (inv->cold && s->state != SLOT_NONE) {
        worker_set_msg(msg, len,
                       "internal error: new instance %" PRId64 " found a worker in its slot", inv->instance_uid);
        return -1;
    }
    s->job = inv->job;
    s->n = (uint32_t)inv->n;
    s->first = inv->first_request;
    s->deadline_s = inv->deadline_s;
    s->init_s = 0;
    s->init_want_s = inv->cold ? inv->model_init_s + inv->extra_init_s : 0;
    s->uid = inv->instance_uid;
    if (s->state == SLOT_NONE) {
        /* A cold start; or a provisioned instance whose worker was killed
         * at a function timeout, re-initialised in place. */
        return spawn_async(em, s, inv->instance_uid, inv->cold ? inv->extra_init_s : 0, msg, len);
    }
    send_job(em, s);
    return 0;
}

static void em_retire(void *ctx, uint32_t instance)
{
    struct emulate *em = ctx;
    if (instance >= em->n_slots)
        return;
    struct em_slot *s = &em->slot[instance];
    if (s->state != SLOT_NONE) {
        em->st.workers_stopped++;
        slot_kill(em, s, "stopped");
    }
}

/* The invocation on s reached its function timeout: the worker is killed
 * (Lambda resets the environment) and the invocation ends now. */
static void timed_out(struct emulate *em, struct em_slot *s, uint32_t index, double now,
                      struct engine_completion *done)
{
    bool starting = s->state == SLOT_STARTING || s->state == SLOT_WAITING;
    *done = (struct engine_completion){
        .instance = index,
        .job = s->job,
        .init_s = starting ? now - s->t_spawn : s->init_s,
        .inference_s = starting ? 0 : now - s->t_send,
        .overhead_s = 0,
        .timed_out = true,
    };
    em->st.workers_stopped++;
    slot_kill(em, s, "timed out");
}

/* How a worker that failed ended, when the client's message does not say
 * (a read can fail with ECONNRESET before the end of input is seen): waits
 * up to 0.5 s for the process to be reaped. */
static void how_it_ended(struct em_slot *s, char *inner, size_t len)
{
    if (strstr(inner, "killed by signal") != NULL || strstr(inner, "exited with status") != NULL)
        return;
    for (int i = 0; i < 500 && worker_client_alive(&s->w); i++) {
        struct timespec ts = { 0, 1000000 };
        nanosleep(&ts, NULL);
    }
    if (!s->w.exited)
        return;
    size_t n = strlen(inner);
    if (WIFSIGNALED(s->w.exit_status))
        snprintf(inner + n, len - n, " (worker %ld was killed by signal %d)", s->pid, WTERMSIG(s->w.exit_status));
    else if (WIFEXITED(s->w.exit_status))
        snprintf(inner + n, len - n, " (worker %ld exited with status %d)", s->pid, WEXITSTATUS(s->w.exit_status));
}

/* Reads what a readable worker has to say. Returns 1 with *done filled (an
 * answer), 0 (a READY line: the job was sent), or -1 with a message. */
static int on_readable(struct emulate *em, struct em_slot *s, uint32_t index, struct engine_completion *done,
                       char *msg, size_t len)
{
    char inner[WORKER_MSG_MAX];
    if (s->state == SLOT_STARTING) {
        long pid = 0;
        double init_ms = 0;
        if (worker_client_wait_ready(&s->w, LINE_TIMEOUT_S, &pid, &init_ms, inner, sizeof inner) != 0) {
            how_it_ended(s, inner, sizeof inner);
            warn_death(em, s, inner);
            report_death(em, s, index, done);
            return 1;
        }
        /* The cold start as `profile` measures it: start of the process
         * to its READY line read here; then, if the profile's is longer,
         * the rest of it is waited out before the invocation is sent. */
        s->init_s = em_now(em) - s->t_spawn;
        if (init_over(em, s, msg, len) != 0)
            return -1;
        if (s->init_want_s > s->init_s) {
            s->ready_at_s = s->t_spawn + s->init_want_s;
            s->state = SLOT_WAITING;
            return 0;
        }
        send_job(em, s);
        if (s->state == SLOT_DEAD) {
            report_death(em, s, index, done);
            return 1;
        }
        return 0;
    }
    if (s->state == SLOT_IDLE || s->state == SLOT_WAITING) {
        /* An idle (or waiting) worker has nothing to say: it died (or
         * misbehaves, and is stopped). */
        struct worker_reply r;
        int rc = worker_client_recv(&s->w, 0, &r, em->labels, sizeof em->labels, inner, sizeof inner);
        if (rc < 0)
            how_it_ended(s, inner, sizeof inner);
        warn_death(em, s, rc < 0 ? inner : "unexpected output");
        report_death(em, s, index, done);
        return 1;
    }
    struct worker_reply r;
    int rc = worker_client_recv(&s->w, LINE_TIMEOUT_S, &r, em->labels, sizeof em->labels, inner, sizeof inner);
    double now = em_now(em);
    if (rc != 0) {
        if (rc < 0)
            how_it_ended(s, inner, sizeof inner);
        warn_death(em, s, rc < 0 ? inner : "incomplete answer");
        report_death(em, s, index, done);
        return 1;
    }
    if (r.id != s->first || r.n != s->n) {
        worker_set_msg(msg, len, "instance %" PRId64 " (worker pid %ld): answer %" PRIu64 " with %u labels, expected %"
                PRIu64 " with %u", s->uid, s->pid, r.id, (unsigned)r.n, s->first, (unsigned)s->n);
        return -1;
    }
    for (uint32_t k = 0; k < r.n; k++) {
        size_t d = (size_t)((s->first + k) % em->digits.n);
        if (em->labels[k] != em->expect[d]) {
            worker_set_msg(msg, len,
                           "instance %" PRId64 " (worker pid %ld): request %" PRIu64 " labelled %u, in-process "
                    "inference says %u (a broken worker or weight file)", s->uid, s->pid, s->first + k,
                    (unsigned)em->labels[k], (unsigned)em->expect[d]);
            return -1;
        }
        em->st.correct += em->labels[k] == em->digits.labels[d];
    }
    em->st.images += r.n;
    em->st.pings += r.n == 0;
    const struct model_profile *m = em->o.model;
    if (r.n > 0 && isfinite(r.cpu_s) && m != NULL && (model_in_table(m, (int)r.n) || m->has_base)) {
        double factor = em->o.model_factor > 0 ? em->o.model_factor : 1;
        em->st.cpu_batches++;
        em->st.cpu_s += r.cpu_s;
        em->st.profile_s += model_mean_inference_s(m, (int)r.n) / factor;
    }
    double round_trip = now - s->t_send;
    double overhead = round_trip - r.infer_s;
    *done = (struct engine_completion){
        .instance = index,
        .job = s->job,
        .init_s = s->init_s,
        .inference_s = r.infer_s,
        .overhead_s = overhead > 0 ? overhead : 0,
        .timed_out = false,
    };
    s->state = SLOT_IDLE;
    s->job = JOB_NONE;
    return 1;
}

static int em_wait(void *ctx, double until_s, struct engine_completion *done, char *msg, size_t len)
{
    struct emulate *em = ctx;
    for (;;) {
        double now = em_now(em);
        /* Function timeouts first: the earliest overdue invocation ends. */
        double first_deadline = INFINITY;
        size_t n = 0;
        bool function_running = false; /* a worker starting or busy: see the spin below */
        if (em->n_slots + 1 > em->cap_pfd) {
            size_t cap = em->cap_pfd;
            em->pfd = xgrow(em->pfd, &cap, em->n_slots + 1, sizeof *em->pfd);
            em->pfd_slot = xgrow(em->pfd_slot, &em->cap_pfd, em->n_slots + 1, sizeof *em->pfd_slot);
        }
        for (size_t k = 0; k < em->n_slots; k++) {
            size_t i = (em->rr + k) % em->n_slots;
            struct em_slot *s = &em->slot[i];
            if (s->state == SLOT_NONE)
                continue;
            if (s->state == SLOT_DEAD) {
                report_death(em, s, (uint32_t)i, done);
                return 1;
            }
            if (s->state == SLOT_WAITING && s->ready_at_s <= now && s->deadline_s > now) {
                /* The profile's cold start is over: the invocation goes. */
                s->init_s = now - s->t_spawn;
                send_job(em, s);
                if (s->state == SLOT_DEAD) {
                    report_death(em, s, (uint32_t)i, done);
                    return 1;
                }
            }
            if (s->state == SLOT_SPAWNING || s->state == SLOT_STARTING || s->state == SLOT_BUSY)
                function_running = true;
            if (s->state == SLOT_WAITING && s->ready_at_s < first_deadline)
                first_deadline = s->ready_at_s;
            if (s->state == SLOT_SPAWNING && s->deadline_s <= now && finish_spawn(em, s, msg, len) != 0)
                return -1; /* a timeout before the worker even ran: it must run to be killed */
            if (s->state == SLOT_SPAWNING) {
                if (s->deadline_s < first_deadline)
                    first_deadline = s->deadline_s;
                continue; /* nothing to read yet: the spawner's descriptor says when */
            }
            if (s->state == SLOT_STARTING || s->state == SLOT_WAITING || s->state == SLOT_BUSY) {
                if (s->deadline_s <= now) {
                    timed_out(em, s, (uint32_t)i, now, done);
                    return 1;
                }
                if (s->deadline_s < first_deadline)
                    first_deadline = s->deadline_s;
            }
            em->pfd[n] = (struct pollfd){ .fd = s->w.fd, .events = POLLIN, .revents = 0 };
            em->pfd_slot[n] = (uint32_t)i;
            n++;
        }
        em->pfd[n] = (struct pollfd){ .fd = spawner_fd(em->spawner), .events = POLLIN, .revents = 0 };
        em->pfd_slot[n] = UINT32_MAX;
        n++;
        double wake = until_s < first_deadline ? until_s : first_deadline;
        double left = wake - now;
        if (left < 0)
            left = 0;
        /* Sleep until WORKER_WAKE_SPIN_S before the due time, then poll without
         * sleeping: a wake-up from ppoll comes ~0.1-0.2 ms late on this
         * kind of machine (a VM), and that lateness is inside every
         * request's latency. The spin costs at most WORKER_WAKE_SPIN_S of CPU per
         * timer. A long sleep is cut short by WORKER_WAKE_EARLY_PER_S of its length
         * (its lateness grows with it) and resumed on the next pass.
         * No spin while a function runs (a worker starting or busy): on
         * this VM a spinning loop slowed the forward pass running beside it
         * x2.5 (pairs of requests 0.4 ms apart: the first's 0.22 ms pass
         * took 0.55 ms, so it was still busy when the second came, which
         * then cold-started; Poisson 60 rps with 50 ms keep-alive: 111 cold
         * starts against 97 predicted, 96 without the spin). On Lambda the
         * client runs elsewhere and takes no CPU from the function; asleep,
         * the loop is up to ~0.1 ms late instead (lag p99 0.07 ms there). */
        if (!function_running)
            left = left > WORKER_WAKE_SPIN_S ? left - WORKER_WAKE_SPIN_S : 0;
        left -= left * WORKER_WAKE_EARLY_PER_S;
        struct timespec ts = { 0, 0 };
        struct timespec *tp = NULL;
        if (isfinite(left)) {
            ts.tv_sec = (time_t)left;
            ts.tv_nsec = (long)((left - (double)ts.tv_sec) * 1e9);
            tp = &ts;
        }
        int pr = ppoll(em->pfd, (nfds_t)n, tp, NULL);
        if (pr < 0 && errno == EINTR)
            return 0; /* a signal: let the engine look at its stop flag */
        if (pr < 0) {
            worker_set_msg(msg, len, "poll: %s", strerror(errno));
            return -1;
        }
        if (pr == 0) {
            if (em_now(em) >= until_s)
                return 0;
            continue;
        }
        for (size_t k = 0; k < n; k++) {
            if (em->pfd[k].revents == 0)
                continue;
            uint32_t i = em->pfd_slot[k];
            if (i == UINT32_MAX) {
                /* Started workers: their READY lines are polled next pass. */
                struct spawn_result r;
                while (spawner_take(em->spawner, &r))
                    if (spawned(em, &r, msg, len) != 0)
                        return -1;
                continue;
            }
            int rc = on_readable(em, &em->slot[i], i, done, msg, len);
            if (rc != 0) {
                /* The next scan starts after this worker, so none starves. */
                em->rr = (size_t)i + 1;
                return rc;
            }
        }
        if (em_now(em) >= until_s)
            return 0;
    }
}

/* ---- lifetime ------------------------------------------------------------------------ */

/* The workers' CPU share: refused when it exceeds the host's cores; when no
 * cgroup can enforce it, a warning (or EMULATE_ERR_CAP when required); why
 * is kept in em->cap_why for the report. */
static enum emulate_status setup_cap(struct emulate *em, char *msg, size_t msg_len)
{
    const char *where = em->o.scenario_path != NULL ? em->o.scenario_path : "scenario";
    if (em->o.memory_mb > 0) {
        em->vcpus = cpucap_vcpus(em->o.memory_mb);
        long cores = sysconf(_SC_NPROCESSORS_ONLN);
        if (cores > 0 && em->vcpus > (double)cores) {
            worker_set_msg(msg, msg_len, "%s: function.memory_mb: %g MB is %.2f vCPUs on Lambda (1769 MB per "
                           "vCPU), more than this machine's %ld cores: it cannot be emulated here", where,
                           em->o.memory_mb, em->vcpus, cores);
            return EMULATE_ERR_INPUT;
        }
    }
    if (em->vcpus <= 0 && !em->o.isolate)
        return EMULATE_OK;
    char why[512];
    if (cpucap_open(&em->cap, why, sizeof why) != 0) {
        snprintf(em->cap_why, sizeof em->cap_why, "%s", why);
        if (em->o.require_cpu_cap && em->vcpus > 0) {
            worker_set_msg(msg, msg_len, "--require-cpu-cap: function.memory_mb (%g MB = %.3f vCPU) cannot be "
                           "enforced: %s", em->o.memory_mb, em->vcpus, why);
            return EMULATE_ERR_CAP;
        }
        if (em->vcpus > 0 && em->o.on_warning != NULL) {
            char line[800];
            snprintf(line, sizeof line, "the CPU share of function.memory_mb (%g MB = %.3f vCPU) is NOT enforced: "
                     "%s; each worker may use a whole core", em->o.memory_mb, em->vcpus, why);
            em->o.on_warning(em->o.ctx, line);
        }
        return EMULATE_OK;
    }
    if (em->o.isolate) {
        if (cpucap_isolate(&em->cap, why, sizeof why) == 0)
            em->isolated = true;
        else if (em->o.on_warning != NULL)
            em->o.on_warning(em->o.ctx, why);
    }
    return EMULATE_OK;
}

/* inference_ms is not emulated (the real CNN does the work under the cap):
 * compares the profile's time for a typical batch with this machine's
 * estimate (in-process time per image, stretched by the cap) and warns by
 * name when they differ by more than 2x. */
static void check_inference(struct emulate *em)
{
    const struct model_profile *m = em->o.model;
    int n = em->o.typical_batch > 0 ? em->o.typical_batch : 1;
    if (m == NULL || !model_covers(m, n, NULL))
        return;
    double share = em->vcpus > 0 && em->vcpus < 1 ? em->vcpus : 1;
    em->profile_infer_ms = model_mean_inference_s(m, n) * 1e3;
    em->local_infer_ms = em->local_ms_per_image * n / share;
    double r = em->local_infer_ms > 0 ? em->profile_infer_ms / em->local_infer_ms : 1;
    em->profile_foreign = r > 2 || r < 0.5;
    if (em->profile_foreign && em->o.on_warning != NULL) {
        char line[600];
        snprintf(line, sizeof line, "function.model inference_ms is not emulated: the profile (%s) gives %.3f ms for "
                 "a batch of %d, this machine's CNN about %.3f ms at %.3f vCPU; the workers' real times are used, "
                 "so the simulator's inference will differ", m->name[0] != '\0' ? m->name : "inline", em->profile_infer_ms,
                 n, em->local_infer_ms, share);
        em->o.on_warning(em->o.ctx, line);
    }
}

enum emulate_status emulate_create(const struct emulate_options *o, struct emulate **out, char *msg,
                                   size_t msg_len)
{
    *out = NULL;
    if (access(o->worker_path, X_OK) != 0) {
        worker_set_msg(msg, msg_len, "%s: not an executable worker (build it with `make`, or pass --worker)",
                o->worker_path);
        return EMULATE_ERR_INPUT;
    }
    struct mnist_net *net = NULL;
    if (mnist_load(o->weights_path, &net, msg, msg_len) != MNIST_OK)
        return EMULATE_ERR_INPUT;
    struct emulate *em = xcalloc(1, sizeof *em);
    if (mnist_digits_load(o->digits_path, &em->digits, msg, msg_len) != MNIST_OK || em->digits.n == 0) {
        if (em->digits.n == 0 && em->digits.pixels != NULL)
            worker_set_msg(msg, msg_len, "%s: holds no digits", o->digits_path);
        mnist_destroy(net);
        mnist_digits_fini(&em->digits);
        free(em);
        return EMULATE_ERR_INPUT;
    }
    em->expect = xmalloc(em->digits.n);
    double t_inf = worker_mono_s();
    mnist_infer_batch(net, em->digits.pixels, em->digits.n, em->expect, NULL);
    em->local_ms_per_image = (worker_mono_s() - t_inf) * 1e3 / (double)em->digits.n;
    mnist_destroy(net);
    em->o = *o;
    if (!(em->o.ready_timeout_s > 0))
        em->o.ready_timeout_s = 30;
    enum emulate_status cap_st = setup_cap(em, msg, msg_len);
    if (cap_st != EMULATE_OK) {
        emulate_destroy(em);
        return cap_st;
    }
    check_inference(em);
    if (spawner_create(&em->spawner, msg, msg_len) != 0) {
        emulate_destroy(em);
        return EMULATE_ERR_RUN;
    }
    em->exec = (struct engine_executor){
        .ctx = em,
        .prepare = em_prepare,
        .now = em_now,
        .start = em_start,
        .retire = em_retire,
        .wait = em_wait,
    };
    em->t0 = worker_mono_s();
    /* Wake-ups on time to the microsecond, not the default 50 us slack. */
    (void)prctl(PR_SET_TIMERSLACK, 1UL, 0UL, 0UL, 0UL);
    *out = em;
    return EMULATE_OK;
}

const struct engine_executor *emulate_executor(struct emulate *em)
{
    return &em->exec;
}

void emulate_stop_all(struct emulate *em, double grace_s)
{
    if (em == NULL)
        return;
    if (em->load_begun && !em->load_ended) {
        hostload_end(&em->load);
        em->load_ended = true;
    }
    /* Starts under way finish first: they are stopped with the rest. */
    for (size_t i = 0; i < em->n_slots; i++) {
        char ignored[WORKER_MSG_MAX];
        if (em->slot[i].state == SLOT_SPAWNING)
            (void)finish_spawn(em, &em->slot[i], ignored, sizeof ignored);
    }
    /* End of input for all first, so they exit side by side. */
    for (size_t i = 0; i < em->n_slots; i++) {
        struct worker_client *w = &em->slot[i].w;
        if (em->slot[i].state != SLOT_NONE && w->fd >= 0) {
            close(w->fd);
            w->fd = -1;
        }
    }
    double deadline = worker_mono_s() + grace_s;
    for (size_t i = 0; i < em->n_slots; i++) {
        struct em_slot *s = &em->slot[i];
        if (s->state == SLOT_NONE)
            continue;
        double left = deadline - worker_mono_s();
        worker_client_stop(&s->w, left > 0 ? left : 0);
        note(em, "stopped", s);
        s->state = SLOT_NONE;
    }
}

bool emulate_isolated(const struct emulate *em)
{
    return em->isolated;
}

void emulate_destroy(struct emulate *em)
{
    if (em == NULL)
        return;
    emulate_stop_all(em, 1.0);
    spawner_destroy(em->spawner);
    cpucap_close(&em->cap);
    mnist_digits_fini(&em->digits);
    free(em->expect);
    free(em->slot);
    free(em->pfd);
    free(em->pfd_slot);
    free(em->pixels);
    free(em);
}

/* ---- report ---------------------------------------------------------------------------- */

static void json_ms(FILE *f, const char *key, double v, const char *sep)
{
    if (isfinite(v))
        fprintf(f, "\"%s\": %.3f%s", key, v, sep);
    else
        fprintf(f, "\"%s\": null%s", key, sep);
}

void emulate_report_json(FILE *f, const struct emulate *em, const struct engine_result *res)
{
    const struct emulate_stats *st = &em->st;
    fprintf(f, "  \"emulated\": {\"workers_started\": %llu, \"workers_stopped\": %llu, \"workers_died\": %llu, "
            "\"images\": %llu, \"correct\": %llu, \"pings\": %llu},\n",
            (unsigned long long)st->workers_started, (unsigned long long)st->workers_stopped,
            (unsigned long long)st->workers_died, (unsigned long long)st->images, (unsigned long long)st->correct,
            (unsigned long long)st->pings);
    if (em->o.memory_mb > 0) {
        fprintf(f, "  \"cpu_cap\": {\"memory_mb\": %g, \"vcpus\": %.4f, \"enforced\": %s, \"how\": ",
                em->o.memory_mb, em->vcpus, em->cap.kind != CPUCAP_NONE ? "true" : "false");
        jsonout_string(f, em->cap.kind != CPUCAP_NONE ? cpucap_kind_name(em->cap.kind) : em->cap_why);
        fprintf(f, ", \"period_us\": %ld},\n", cpucap_period_us(em->vcpus));
    }
    if (em->o.model != NULL) {
        fprintf(f, "  \"profile_costs\": {\"injected\": %s, \"host_own\": %s, \"overhead_ms_mean\": %.3f, \"cold_start_ms_mean\": %.3f, "
                "\"inference\": {\"emulated\": false, \"batch\": %d, \"profile_ms\": %.3f, \"local_ms\": %.3f}},\n",
                em->o.inject ? "true" : "false", em->o.costs_own ? "true" : "false",
                dist_mean(&em->o.model->overhead_s) * 1e3,
                dist_mean(&em->o.model->cold_start_s) * 1e3, em->o.typical_batch > 0 ? em->o.typical_batch : 1,
                em->profile_infer_ms, em->local_infer_ms);
    }
    if (st->cpu_batches > 0)
        fprintf(f, "  \"function_cpu\": {\"batches\": %llu, \"cpu_ms_mean\": %.4f, \"profile_ms_mean\": %.4f, "
                "\"ratio\": %.4f},\n", (unsigned long long)st->cpu_batches, st->cpu_s * 1e3 / (double)st->cpu_batches,
                st->profile_s * 1e3 / (double)st->cpu_batches, emulate_function_speed(em));
    fprintf(f, "  \"lag_ms\": {\"n\": %llu, ", (unsigned long long)res->lag_ms.n);
    json_ms(f, "p50", res->lag_ms.p50, ", ");
    json_ms(f, "p99", res->lag_ms.p99, ", ");
    json_ms(f, "max", res->lag_ms.max, "},\n");
    if (em->load_ended) {
        fputs("  \"host_cpu\": ", f);
        hostload_json(f, &em->load);
        fputs(",\n", f);
    }
}

void emulate_report_table(FILE *f, const struct emulate *em, const struct engine_result *res)
{
    const struct emulate_stats *st = &em->st;
    fprintf(f, "\nEmulation\n");
    fprintf(f, "  %-34s %12llu\n", "workers started", (unsigned long long)st->workers_started);
    fprintf(f, "  %-34s %12llu\n", "workers stopped (expiry, timeout)", (unsigned long long)st->workers_stopped);
    if (st->workers_died > 0)
        fprintf(f, "  %-34s %12llu\n", "workers died (requests failed)", (unsigned long long)st->workers_died);
    fprintf(f, "  %-34s %12llu\n", "images classified", (unsigned long long)st->images);
    if (st->images > 0)
        fprintf(f, "  %-34s %11.2f%%\n", "  labelled correctly", 100.0 * (double)st->correct / (double)st->images);
    fprintf(f, "  %-34s %12llu\n", "pings answered", (unsigned long long)st->pings);
    if (em->o.memory_mb > 0)
        fprintf(f, "  %-34s %.3f vCPU (%g MB), %s\n", "CPU cap per worker", em->vcpus, em->o.memory_mb,
                em->cap.kind != CPUCAP_NONE ? cpucap_kind_name(em->cap.kind) : "NOT enforced");
    if (em->o.model != NULL)
        fprintf(f, "  %-34s %s\n", "profile overhead, cold start",
                em->o.inject      ? "injected (waited out beyond the host's own)"
                : em->o.costs_own ? "the host's own (the profile measured them here: not injected)"
                                  : "not injected (host's own only)");
    if (em->o.model != NULL && em->profile_infer_ms > 0)
        fprintf(f, "  %-34s real CNN: about %.3f ms here, profile %.3f ms (batch %d)\n", "inference (not emulated)",
                em->local_infer_ms, em->profile_infer_ms, em->o.typical_batch > 0 ? em->o.typical_batch : 1);
    if (emulate_function_speed(em) > 0)
        fprintf(f, "  %-34s %.3f ms a batch, the profile's %.3f ms (x%.2f)\n", "function CPU time",
                st->cpu_s * 1e3 / (double)st->cpu_batches, st->profile_s * 1e3 / (double)st->cpu_batches,
                emulate_function_speed(em));
    if (res->lag_ms.n > 0)
        fprintf(f, "  %-34s %.3f / %.3f / %.3f\n", "send lag p50 / p99 / max (ms)", res->lag_ms.p50,
                res->lag_ms.p99, res->lag_ms.max);
    if (em->load_ended) {
        char line[256];
        hostload_describe(&em->load, line, sizeof line);
        fprintf(f, "  %-34s %s\n", "host", line);
    }
}

bool emulate_profile_foreign(const struct emulate *em)
{
    return em->profile_foreign;
}

double emulate_function_speed(const struct emulate *em)
{
    const struct emulate_stats *st = &em->st;
    return st->cpu_batches > 0 && st->profile_s > 0 ? st->cpu_s / st->profile_s : 0;
}

bool emulate_host_busy(const struct emulate *em, char *why, size_t len)
{
    if (!em->load_ended || !em->load.busy)
        return false;
    snprintf(why, len, "%s", em->load.why);
    return true;
}
