/* worker_proto: the protocol between lambdasim and `lambdasim-worker`, the
 * process that plays one function instance (a real cold start: it loads the
 * MNIST weights when it starts), and the parent side's client for it.
 *
 * The worker is started as
 *     lambdasim-worker [--weights FILE] [--extra-init-ms N] [--cpu-share F]
 * It loads the weights, sleeps N ms more (to mimic a container image's init)
 * and writes one line to stdout:
 *     READY <pid> <init_ms>\n          (init_ms: its own time from start to ready)
 * Then it answers requests on stdin, one at a time, in order. A request is a
 * 16-byte header, all little-endian,
 *     u32 magic WORKER_PROTO_MAGIC ("LSWQ")   u32 n (0..WORKER_PROTO_MAX_BATCH)
 *     u64 id (chosen by the parent, echoed back)
 * followed by n images of 784 bytes (28x28, row-major, 0 = background).
 * n = 0 is a ping (a warm-up request): answered at once, no inference. The
 * answer is one line,
 *     OK <id> <n> <infer_ns> <labels> [<cpu_ns>]\n
 * where infer_ns is the wall time of the forward pass of the n images, in
 * nanoseconds (CLOCK_MONOTONIC), labels is n characters '0'..'9' (the
 * predicted digits in request order; "-" when n = 0), and cpu_ns the CPU
 * time the worker's thread spent on it (CLOCK_THREAD_CPUTIME_ID; optional
 * for the parser, always written by this worker): wall time says how long
 * a batch took, CPU time how much work it was, which shows a host whose
 * speed changed since the profile. On a bad request or
 * weight file the worker writes "ERR <message>\n" and exits with status 2.
 *
 * The worker exits 0 at end of input, dies on SIGTERM, and asks the kernel
 * for SIGTERM when its parent dies (PR_SET_PDEATHSIG), so it never outlives
 * the program that started it. Note that the kernel sends that signal when
 * the *thread* that forked the worker exits: start workers from a thread
 * that lives as long as they should. */
#ifndef LAMBDASIM_WORKER_PROTO_H
#define LAMBDASIM_WORKER_PROTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include "base/common.h"

#define WORKER_PROTO_MAGIC 0x5157534Cu   /* bytes "LSWQ" */
#define WORKER_PROTO_HEADER 16u
#define WORKER_PROTO_MAX_BATCH 4096u
#define WORKER_PROTO_LINE_MAX (WORKER_PROTO_MAX_BATCH + 128u)
#define WORKER_MSG_MAX 512

/* Fills a request header. */
void worker_proto_encode(uint8_t hdr[WORKER_PROTO_HEADER], uint64_t id, uint32_t n);

/* Reads a request header; returns 0, or -1 with a message for a bad magic
 * or n > WORKER_PROTO_MAX_BATCH. */
int worker_proto_decode(const uint8_t hdr[WORKER_PROTO_HEADER], uint64_t *id, uint32_t *n,
                        char *msg, size_t msg_len);

/* A parsed answer. */
struct worker_reply {
    uint64_t id;
    uint32_t n;
    double infer_s;     /* the worker's own measure of the forward pass */
    double cpu_s;       /* its CPU time; NAN when the line does not say */
};

/* Parses an "OK ..." line (without its newline). labels gets reply->n
 * digits (0..9) and must hold labels_cap >= n. Returns 0, or -1 with a
 * message (an "ERR ..." line gives the worker's message). */
int worker_proto_parse_reply(const char *line, struct worker_reply *reply, uint8_t *labels,
                             size_t labels_cap, char *msg, size_t msg_len);

/* Parses a "READY <pid> <init_ms>" line. */
int worker_proto_parse_ready(const char *line, long *pid, double *init_ms, char *msg,
                             size_t msg_len);

/* ---- the parent side ------------------------------------------------------------ */

/* One running worker, owned by whoever started it. `fd` is the parent's
 * end of a socket pair that is the worker's stdin and stdout (poll it for
 * readability in an event loop). */
struct worker_client {
    pid_t pid;              /* -1 when not running */
    int fd;
    char buf[WORKER_PROTO_LINE_MAX + 1];
    size_t len;             /* bytes of buf holding unread output */
    bool exited;            /* reaped; status in exit_status */
    int exit_status;        /* as from waitpid */
};

/* Starts `worker_path --weights weights_path [--extra-init-ms N]` with
 * stdin and stdout connected to w->fd and stderr inherited. Returns as soon
 * as the process exists; call worker_client_wait_ready next. The child is
 * set to get SIGTERM when the calling thread dies. Returns 0, or -1 with a
 * message (w->pid is then -1). */
int worker_client_start(struct worker_client *w, const char *worker_path,
                        const char *weights_path, double extra_init_ms, char *msg,
                        size_t msg_len);

/* The same, with the child moved into a cgroup before exec: it writes its
 * pid to cgroup_procs (a cgroup.procs file; NULL: stay), so its whole life,
 * the cold start included, is under that cgroup's CPU quota. A child that
 * cannot join says "ERR cannot join the cgroup <path> (errno N)".
 * cpu_share in (0, 1) also passes --cpu-share: the worker paces each batch
 * to that share of a CPU itself, finer than the quota (worker_main.c). */
int worker_client_start_in(struct worker_client *w, const char *worker_path,
                           const char *weights_path, double extra_init_ms, const char *cgroup_procs,
                           double cpu_share, char *msg, size_t msg_len);

/* Waits up to timeout_s for the READY line. Returns 0, or -1 with a message
 * (timeout, the worker's ERR line, or its exit). */
int worker_client_wait_ready(struct worker_client *w, double timeout_s, long *pid,
                             double *init_ms, char *msg, size_t msg_len);

/* Sends one request (n images at pixels). Never raises SIGPIPE. */
int worker_client_send(struct worker_client *w, uint64_t id, const uint8_t *pixels, uint32_t n,
                       char *msg, size_t msg_len);

/* Waits up to timeout_s (0: only what is already there) for one answer.
 * Returns 0 with *reply and labels filled, 1 when nothing complete arrived
 * in time, or -1 with a message (bad line, ERR, or the worker is gone). */
int worker_client_recv(struct worker_client *w, double timeout_s, struct worker_reply *reply,
                       uint8_t *labels, size_t labels_cap, char *msg, size_t msg_len);

/* The framing of the worker's output (what worker_client_recv reads with):
 * takes the first complete line out of w->buf (w->len bytes) into line
 * (room for WORKER_PROTO_LINE_MAX + 1 bytes; NUL-terminated, without the
 * newline). Returns 0, 1 when no complete line is buffered yet, or -1 with
 * a message when the buffer is full without a newline. */
int worker_client_next_line(struct worker_client *w, char *line, char *msg, size_t msg_len);

/* Closes the parent's end (the worker sees end of input and exits), waits
 * up to grace_s, then sends SIGKILL and reaps it. Returns the wait status,
 * or -1 if there was no process. Safe to call twice. */
int worker_client_stop(struct worker_client *w, double grace_s);

/* True while the process has not exited (reaps it if it has). */
bool worker_client_alive(struct worker_client *w);

/* Shared by the worker's clients (emulate, profile): a formatted message
 * into msg[len] (nothing when msg is NULL), and the monotonic clock in
 * seconds. */
void worker_set_msg(char *msg, size_t len, const char *fmt, ...) PRINTF_LIKE(3, 4);
double worker_mono_s(void);

/* How the worker's clients wait for an instant (emulate's loop for a
 * request's send, profile for the end of its long gap). A long sleep comes
 * back late in proportion to its length: on the development VM
 * (Firecracker, kvm-clock) ppoll woke 0.66 ms late after 0.5 s, 1.16 ms
 * after 1 s and 2.2 ms after 2 s, ~1.1 ms per second slept, while a sleep
 * of a few ms comes back within 0.1 ms. So a waiter wakes this fraction of
 * the time left early (3 ms per second, with room), sleeps again for the
 * rest, which is short and so punctual, and spins the last
 * WORKER_WAKE_SPIN_S (s) when no worker is running (emulate.c em_wait: a
 * spin beside a running worker slowed it x2.5). The pause before a burst is where it mattered:
 * every request of `bursty-simultaneous` (2 s pauses) was sent 1.5-2 ms
 * late. */
#define WORKER_WAKE_EARLY_PER_S 0.003
#define WORKER_WAKE_SPIN_S 0.0003

#endif
