/* worker_proto: encoding of the worker protocol and the parent side's
 * client (start, ready, request, answer, stop); see worker_proto.h. */
#define _GNU_SOURCE /* SOCK_CLOEXEC, MSG_NOSIGNAL */
#include "real/worker_proto.h"

#include <errno.h>
#include <math.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <pthread.h>
#include <sched.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "base/xalloc.h"
#include "real/mnist.h"

void worker_set_msg(char *msg, size_t len, const char *fmt, ...)
{
    if (msg == NULL || len == 0)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, len, fmt, ap);
    va_end(ap);
}

double worker_mono_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void put_u32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)((v >> (8 * i)) & 0xFFu);
}

static uint32_t get_u32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

void worker_proto_encode(uint8_t hdr[WORKER_PROTO_HEADER], uint64_t id, uint32_t n)
{
    put_u32(hdr, WORKER_PROTO_MAGIC);
    put_u32(hdr + 4, n);
    put_u32(hdr + 8, (uint32_t)(id & 0xFFFFFFFFu));
    put_u32(hdr + 12, (uint32_t)(id >> 32));
}

int worker_proto_decode(const uint8_t hdr[WORKER_PROTO_HEADER], uint64_t *id, uint32_t *n,
                        char *msg, size_t msg_len)
{
    uint32_t magic = get_u32(hdr);
    if (magic != WORKER_PROTO_MAGIC) {
        worker_set_msg(msg, msg_len, "request: wrong magic 0x%08x (expected 0x%08x, \"LSWQ\")",
                (unsigned)magic, WORKER_PROTO_MAGIC);
        return -1;
    }
    *n = get_u32(hdr + 4);
    if (*n > WORKER_PROTO_MAX_BATCH) {
        worker_set_msg(msg, msg_len, "request: n = %u images, at most %u", (unsigned)*n,
                WORKER_PROTO_MAX_BATCH);
        return -1;
    }
    *id = (uint64_t)get_u32(hdr + 8) | (uint64_t)get_u32(hdr + 12) << 32;
    return 0;
}

/* A whole decimal number at *p, then one space or the end. */
static int parse_uint(const char **p, uint64_t *out)
{
    const char *s = *p;
    uint64_t v = 0;
    if (*s < '0' || *s > '9')
        return -1;
    for (; *s >= '0' && *s <= '9'; s++) {
        if (v > (UINT64_MAX - 9) / 10)
            return -1;
        v = v * 10 + (uint64_t)(*s - '0');
    }
    if (*s == ' ')
        s++;
    else if (*s != '\0')
        return -1;
    *p = s;
    *out = v;
    return 0;
}

int worker_proto_parse_reply(const char *line, struct worker_reply *reply, uint8_t *labels,
                             size_t labels_cap, char *msg, size_t msg_len)
{
    if (strncmp(line, "ERR ", 4) == 0) {
        worker_set_msg(msg, msg_len, "worker: %s", line + 4);
        return -1;
    }
    const char *p = line + 3;
    uint64_t id = 0, n = 0, ns = 0;
    if (strncmp(line, "OK ", 3) != 0 || parse_uint(&p, &id) != 0 || parse_uint(&p, &n) != 0
        || parse_uint(&p, &ns) != 0 || n > WORKER_PROTO_MAX_BATCH) {
        worker_set_msg(msg, msg_len, "worker: malformed answer '%.60s'", line);
        return -1;
    }
    /* The labels run to the next space or the end; an optional CPU time
     * may follow. */
    size_t len = strcspn(p, " ");
    double cpu_s = (double)NAN;
    if (p[len] == ' ') {
        const char *q = p + len + 1;
        uint64_t cpu_ns = 0;
        if (parse_uint(&q, &cpu_ns) != 0 || *q != '\0') {
            worker_set_msg(msg, msg_len, "worker: malformed answer '%.60s'", line);
            return -1;
        }
        cpu_s = (double)cpu_ns * 1e-9;
    }
    if (n == 0 ? (len != 1 || p[0] != '-') : len != n) {
        worker_set_msg(msg, msg_len, "worker: answer %" PRIu64 " has %zu labels for %" PRIu64
                " images", id, n == 0 ? 0 : len, n);
        return -1;
    }
    if (n > labels_cap) {
        worker_set_msg(msg, msg_len, "worker: answer %" PRIu64 " has %" PRIu64 " labels, room for %zu",
                id, n, labels_cap);
        return -1;
    }
    for (size_t i = 0; i < n; i++) {
        if (p[i] < '0' || p[i] > '9') {
            worker_set_msg(msg, msg_len, "worker: answer %" PRIu64 ": label '%c' is not a digit", id,
                    p[i]);
            return -1;
        }
        labels[i] = (uint8_t)(p[i] - '0');
    }
    reply->id = id;
    reply->n = (uint32_t)n;
    reply->infer_s = (double)ns * 1e-9;
    reply->cpu_s = cpu_s;
    return 0;
}

int worker_proto_parse_ready(const char *line, long *pid, double *init_ms, char *msg,
                             size_t msg_len)
{
    if (strncmp(line, "ERR ", 4) == 0) {
        worker_set_msg(msg, msg_len, "worker: %s", line + 4);
        return -1;
    }
    /* strtol/strtod rather than sscanf, which leaves an overflow undefined. */
    long p = 0;
    double ms = -1;
    char *e = NULL;
    bool ok = strncmp(line, "READY ", 6) == 0;
    if (ok) {
        errno = 0;
        p = strtol(line + 6, &e, 10);
        ok = e != line + 6 && errno == 0 && *e == ' ';
    }
    if (ok) {
        const char *v = e + 1;
        ms = strtod(v, &e);
        ok = e != v && *e == '\0';
    }
    if (!ok || p <= 0 || !(ms >= 0)) {
        worker_set_msg(msg, msg_len, "worker: expected 'READY <pid> <init_ms>', got '%.60s'", line);
        return -1;
    }
    *pid = p;
    *init_ms = ms;
    return 0;
}

/* ---- client ----------------------------------------------------------------------- */

/* The child runs on a stack the sanitizers do not know and never returns
 * from child_main: no shadow bookkeeping (fake frames, redzones) may be
 * left in the memory it shares with the parent. */
#if defined(__GNUC__)
#define CHILD_CODE __attribute__((no_sanitize_address))
#else
#define CHILD_CODE
#endif

/* Writes "ERR cannot execute <path> (errno N)\n" with async-signal-safe calls
 * only: it runs in the child between fork and exec. */
CHILD_CODE static void child_exec_failed(const char *prefix, size_t prefix_len, int err)
{
    char num[24];
    size_t k = sizeof num;
    num[--k] = '\n';
    num[--k] = ')';
    do {
        num[--k] = (char)('0' + err % 10);
        err /= 10;
    } while (err > 0 && k > 0);
    ssize_t w1 = write(STDOUT_FILENO, prefix, prefix_len);
    ssize_t w2 = write(STDOUT_FILENO, num + k, sizeof num - k);
    (void)w1;
    (void)w2;
}

int worker_client_start(struct worker_client *w, const char *worker_path,
                        const char *weights_path, double extra_init_ms, char *msg,
                        size_t msg_len)
{
    return worker_client_start_in(w, worker_path, weights_path, extra_init_ms, NULL, 1, msg, msg_len);
}

/* Writes the calling process's pid to the file at path with
 * async-signal-safe calls only (between fork and exec); 0 or -1. */
CHILD_CODE static int child_join(const char *path)
{
    char num[24];
    size_t k = sizeof num;
    long pid = (long)getpid();
    do {
        num[--k] = (char)('0' + pid % 10);
        pid /= 10;
    } while (pid > 0 && k > 0);
    int fd = open(path, O_WRONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    ssize_t n = write(fd, num + k, sizeof num - k);
    close(fd);
    return n == (ssize_t)(sizeof num - k) ? 0 : -1;
}

/* What the child of worker_client_start_in needs, prepared before the
 * clone (the child may only make async-signal-safe calls). */
struct child_args {
    const char *worker_path;
    char **argv;
    int sock;                   /* the worker's end of the socket pair */
    const char *cgroup_procs;   /* NULL: stay in this cgroup */
    pid_t parent;
    sigset_t mask;              /* the parent's signal mask, restored before exec */
    char fail[600], join_fail[600];
    int fail_len, join_len;
};

#define CHILD_STACK_BYTES ((size_t)64 * 1024)

/* The child between clone and exec: async-signal-safe calls only, on its
 * own stack, sharing the parent's memory (which it must not change). */
CHILD_CODE static int child_main(void *arg)
{
    const struct child_args *a = arg;
    /* If the parent died before prctl took effect, getppid() has already
     * changed. */
    if (prctl(PR_SET_PDEATHSIG, SIGTERM) != 0 || getppid() != a->parent)
        _exit(3);
    /* The parent's handlers must not run here (shared memory): back to
     * the default before any signal is let through. */
    struct sigaction dfl;
    memset(&dfl, 0, sizeof dfl);
    dfl.sa_handler = SIG_DFL;
    for (int sig = 1; sig < NSIG; sig++) {
        struct sigaction cur;
        if (sig != SIGKILL && sig != SIGSTOP && sigaction(sig, NULL, &cur) == 0 && cur.sa_handler != SIG_DFL
            && cur.sa_handler != SIG_IGN)
            (void)sigaction(sig, &dfl, NULL);
    }
    /* Ctrl-C in a terminal signals the whole process group: the parent
     * ends the run and stops its workers, which must not die first (a
     * worker's death would be a failed invocation). Kept across exec. */
    struct sigaction ign;
    memset(&ign, 0, sizeof ign);
    ign.sa_handler = SIG_IGN;
    if (sigaction(SIGINT, &ign, NULL) != 0)
        _exit(3);
    if (sigprocmask(SIG_SETMASK, &a->mask, NULL) != 0)
        _exit(3);
    if (dup2(a->sock, STDIN_FILENO) < 0 || dup2(a->sock, STDOUT_FILENO) < 0)
        _exit(3);
    if (a->cgroup_procs != NULL && child_join(a->cgroup_procs) != 0) {
        child_exec_failed(a->join_fail, a->join_len > 0 ? (size_t)a->join_len : 0, errno);
        _exit(3);
    }
    execv(a->worker_path, a->argv);
    child_exec_failed(a->fail, a->fail_len > 0 ? (size_t)a->fail_len : 0, errno);
    _exit(127);
}

int worker_client_start_in(struct worker_client *w, const char *worker_path,
                           const char *weights_path, double extra_init_ms, const char *cgroup_procs,
                           double cpu_share, char *msg, size_t msg_len)
{
    memset(w, 0, sizeof *w);
    w->pid = -1;
    w->fd = -1;
    int sv[2];
    /* A socket pair rather than pipes: one descriptor each way, and
     * MSG_NOSIGNAL keeps a dead worker from killing us with SIGPIPE.
     * CLOEXEC so one worker never holds another's end open. */
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0) {
        worker_set_msg(msg, msg_len, "cannot start %s: socketpair: %s", worker_path, strerror(errno));
        return -1;
    }
    char extra[32];
    snprintf(extra, sizeof extra, "%.3f", extra_init_ms);
    char share[32];
    snprintf(share, sizeof share, "%.6f", cpu_share);
    char *argv[8] = { (char *)(uintptr_t)worker_path, (char *)(uintptr_t)"--weights",
                      (char *)(uintptr_t)weights_path, NULL };
    int argc = 3;
    if (extra_init_ms > 0) {
        argv[argc++] = (char *)(uintptr_t)"--extra-init-ms";
        argv[argc++] = extra;
    }
    if (cpu_share > 0 && cpu_share < 1) {
        argv[argc++] = (char *)(uintptr_t)"--cpu-share";
        argv[argc++] = share;
    }
    argv[argc] = NULL;
    struct child_args a = { .worker_path = worker_path, .argv = argv, .sock = sv[1],
                            .cgroup_procs = cgroup_procs, .parent = getpid() };
    a.fail_len = snprintf(a.fail, sizeof a.fail, "ERR cannot execute %.500s (errno ", worker_path);
    a.join_len = snprintf(a.join_fail, sizeof a.join_fail, "ERR cannot join the cgroup %.500s (errno ",
                          cgroup_procs != NULL ? cgroup_procs : "");
    /* The child shares this process's memory until its exec (vfork's
     * semantics, on a stack of its own, as posix_spawn does): fork() copied
     * the page tables, 0.6-2.1 ms on the development VM, during which the
     * run's loop read no answer; an emulated warm request that met a cold
     * start at the same instant took 1.4-2.8 ms instead of 0.4. No signal
     * handler may run in the child while it shares memory: all are blocked
     * across the clone (the child resets them before unblocking). */
    size_t stack_len = CHILD_STACK_BYTES;
    char *stack = xmalloc(stack_len);
    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_BLOCK, &all, &old);
    a.mask = old;
    int saved_errno = errno;
    pid_t pid = clone(child_main, stack + stack_len, CLONE_VM | CLONE_VFORK | SIGCHLD, &a);
    int clone_errno = errno;
    errno = saved_errno; /* the child wrote this thread's errno */
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    free(stack);
    if (pid < 0) {
        worker_set_msg(msg, msg_len, "cannot start %s: clone: %s", worker_path, strerror(clone_errno));
        close(sv[0]);
        close(sv[1]);
        return -1;
    }
    close(sv[1]);
    w->pid = pid;
    w->fd = sv[0];
    return 0;
}

/* Reaps the worker if it has exited. */
static void reap(struct worker_client *w, bool block)
{
    if (w->pid <= 0 || w->exited)
        return;
    int status = 0;
    pid_t r;
    do
        r = waitpid(w->pid, &status, block ? 0 : WNOHANG);
    while (r < 0 && errno == EINTR);
    if (r == w->pid) {
        w->exited = true;
        w->exit_status = status;
    }
}

static void describe_exit(struct worker_client *w, char *msg, size_t msg_len)
{
    /* Give the process a moment to finish dying so its status is known. */
    for (int i = 0; i < 100 && !w->exited; i++) {
        reap(w, false);
        if (!w->exited) {
            struct timespec ts = { 0, 1000000 };
            nanosleep(&ts, NULL);
        }
    }
    if (w->exited && WIFEXITED(w->exit_status))
        worker_set_msg(msg, msg_len, "worker %ld exited with status %d", (long)w->pid,
                WEXITSTATUS(w->exit_status));
    else if (w->exited && WIFSIGNALED(w->exit_status))
        worker_set_msg(msg, msg_len, "worker %ld was killed by signal %d", (long)w->pid,
                WTERMSIG(w->exit_status));
    else
        worker_set_msg(msg, msg_len, "worker %ld closed its output", (long)w->pid);
}

int worker_client_next_line(struct worker_client *w, char *line, char *msg, size_t msg_len)
{
    char *nl = memchr(w->buf, '\n', w->len);
    if (nl != NULL) {
        size_t n = (size_t)(nl - w->buf);
        memcpy(line, w->buf, n);
        line[n] = '\0';
        w->len -= n + 1;
        memmove(w->buf, nl + 1, w->len);
        return 0;
    }
    if (w->len >= WORKER_PROTO_LINE_MAX) {
        worker_set_msg(msg, msg_len, "worker %ld: output line longer than %u bytes", (long)w->pid,
                WORKER_PROTO_LINE_MAX);
        return -1;
    }
    return 1;
}

/* One line into line (NUL-terminated, no newline): 0, 1 on timeout, -1. */
static int read_line(struct worker_client *w, double timeout_s, char *line, char *msg,
                     size_t msg_len)
{
    if (w->fd < 0) {
        worker_set_msg(msg, msg_len, "worker is not running");
        return -1;
    }
    double deadline = worker_mono_s() + timeout_s;
    for (;;) {
        int got_line = worker_client_next_line(w, line, msg, msg_len);
        if (got_line <= 0)
            return got_line;
        double left = deadline - worker_mono_s();
        int ms = left <= 0 ? 0 : left > 1e6 ? 1000000000 : (int)(left * 1000.0) + 1;
        struct pollfd pfd = { .fd = w->fd, .events = POLLIN, .revents = 0 };
        int pr = poll(&pfd, 1, ms);
        if (pr < 0 && errno == EINTR)
            continue;
        if (pr < 0) {
            worker_set_msg(msg, msg_len, "worker %ld: poll: %s", (long)w->pid, strerror(errno));
            return -1;
        }
        if (pr == 0) {
            if (worker_mono_s() < deadline)
                continue;
            return 1;
        }
        ssize_t got = read(w->fd, w->buf + w->len, WORKER_PROTO_LINE_MAX - w->len);
        if (got < 0 && (errno == EINTR || errno == EAGAIN))
            continue;
        if (got < 0) {
            worker_set_msg(msg, msg_len, "worker %ld: read: %s", (long)w->pid, strerror(errno));
            return -1;
        }
        if (got == 0) {
            describe_exit(w, msg, msg_len);
            return -1;
        }
        w->len += (size_t)got;
    }
}

int worker_client_wait_ready(struct worker_client *w, double timeout_s, long *pid,
                             double *init_ms, char *msg, size_t msg_len)
{
    char line[WORKER_PROTO_LINE_MAX + 1];
    int rc = read_line(w, timeout_s, line, msg, msg_len);
    if (rc == 1) {
        worker_set_msg(msg, msg_len, "worker %ld: not ready after %.1f s", (long)w->pid, timeout_s);
        return -1;
    }
    if (rc != 0)
        return -1;
    return worker_proto_parse_ready(line, pid, init_ms, msg, msg_len);
}

static int send_all(struct worker_client *w, const uint8_t *p, size_t len, char *msg,
                    size_t msg_len)
{
    while (len > 0) {
        ssize_t n = send(w->fd, p, len, MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            if (errno == EPIPE || errno == ECONNRESET)
                describe_exit(w, msg, msg_len);
            else
                worker_set_msg(msg, msg_len, "worker %ld: send: %s", (long)w->pid, strerror(errno));
            return -1;
        }
        p += n;
        len -= (size_t)n;
    }
    return 0;
}

int worker_client_send(struct worker_client *w, uint64_t id, const uint8_t *pixels, uint32_t n,
                       char *msg, size_t msg_len)
{
    if (w->fd < 0) {
        worker_set_msg(msg, msg_len, "worker is not running");
        return -1;
    }
    if (n > WORKER_PROTO_MAX_BATCH) {
        worker_set_msg(msg, msg_len, "request %" PRIu64 ": %u images, at most %u", id, (unsigned)n,
                WORKER_PROTO_MAX_BATCH);
        return -1;
    }
    uint8_t hdr[WORKER_PROTO_HEADER];
    worker_proto_encode(hdr, id, n);
    if (send_all(w, hdr, sizeof hdr, msg, msg_len) != 0)
        return -1;
    return send_all(w, pixels, (size_t)n * MNIST_PIXELS, msg, msg_len);
}

int worker_client_recv(struct worker_client *w, double timeout_s, struct worker_reply *reply,
                       uint8_t *labels, size_t labels_cap, char *msg, size_t msg_len)
{
    char line[WORKER_PROTO_LINE_MAX + 1];
    int rc = read_line(w, timeout_s, line, msg, msg_len);
    if (rc != 0)
        return rc;
    return worker_proto_parse_reply(line, reply, labels, labels_cap, msg, msg_len) == 0 ? 0 : -1;
}

bool worker_client_alive(struct worker_client *w)
{
    reap(w, false);
    return w->pid > 0 && !w->exited;
}

int worker_client_stop(struct worker_client *w, double grace_s)
{
    if (w->pid <= 0)
        return -1;
    if (w->fd >= 0) {
        close(w->fd);
        w->fd = -1;
    }
    double deadline = worker_mono_s() + grace_s;
    reap(w, false);
    while (!w->exited && worker_mono_s() < deadline) {
        struct timespec ts = { 0, 1000000 };
        nanosleep(&ts, NULL);
        reap(w, false);
    }
    if (!w->exited) {
        kill(w->pid, SIGKILL);
        reap(w, true);
    }
    return w->exit_status;
}
