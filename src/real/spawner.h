/* spawner: starts worker processes from a thread of its own.
 *
 * Starting a process (clone, then exec of the worker) holds the thread that
 * asks for it: 0.4-3 ms on the development VM, where page-table work is
 * slow. In the emulator that thread is the run's loop, which meanwhile reads
 * no answer and sends no request: an emulated warm request that met a cold
 * start at the same instant took 1-3 ms instead of 0.4, an artefact of the
 * emulator that Lambda, whose front end does not start environments, does
 * not have. The spawner does the starts one after another on its thread and
 * hands each started worker back through a queue whose descriptor becomes
 * readable, so the loop polls it with its workers.
 *
 * The workers get SIGTERM when the spawner's thread ends
 * (worker_client_start_in's PR_SET_PDEATHSIG): stop them before
 * spawner_destroy. Library code: errors are a status and a message. */
#ifndef LAMBDASIM_SPAWNER_H
#define LAMBDASIM_SPAWNER_H

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include "real/worker_proto.h"

/* A start asked for, as worker_client_start_in takes it. The strings are
 * borrowed until the start is taken, except cgroup_procs, which is copied
 * (empty: stay in the caller's cgroup). */
struct spawn_request {
    uint64_t key;                       /* the caller's: handed back with the result */
    const char *worker_path, *weights_path;
    double extra_init_ms;
    char cgroup_procs[PATH_MAX + 64];
    double cpu_share;
};

/* A start done: rc 0 and the running worker in w (READY not yet read), or
 * rc -1 and msg. */
struct spawn_result {
    uint64_t key;
    int rc;
    struct worker_client w;
    char msg[WORKER_MSG_MAX];
};

struct spawner;

/* Starts the thread. Returns 0, or -1 with a message (*out NULL). */
int spawner_create(struct spawner **out, char *msg, size_t msg_len);

/* Readable (POLLIN) while a result waits to be taken. */
int spawner_fd(const struct spawner *sp);

/* Queues a start; never blocks on it. */
void spawner_submit(struct spawner *sp, const struct spawn_request *req);

/* Takes a finished start without waiting: 1 with *out filled, 0 when none
 * is ready. */
int spawner_take(struct spawner *sp, struct spawn_result *out);

/* Waits for the start submitted with `key` and takes it; the others stay
 * queued. The key must have been submitted and not taken. */
void spawner_wait(struct spawner *sp, uint64_t key, struct spawn_result *out);

/* Finishes the starts asked for, stops every worker not taken, ends the
 * thread. NULL is a no-op. */
void spawner_destroy(struct spawner *sp);

#endif
