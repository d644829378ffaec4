/* lambdasim-worker: one function instance for the emulator and `profile`.
 * Loads the MNIST weights (a real cold start), says READY, then classifies
 * batches read from stdin; protocol in src/real/worker_proto.h. */
#define _GNU_SOURCE /* prctl flags on older libcs */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <time.h>
#include <unistd.h>

#include "real/mnist.h"
#include "real/worker_proto.h"
#include "base/xalloc.h"
#include "base/datadir.h"

static const char usage_text[] =
    "Usage: lambdasim-worker [--weights FILE] [--extra-init-ms N] [--cpu-share F]\n"
    "\n"
    "Plays one function instance: loads the MNIST weights (default\n"
    "models/mnist-cnn.bin of lambdasim's data directory), waits N more ms (a container's extra init), prints\n"
    "'READY <pid> <init_ms>', then answers batches of images on stdin with\n"
    "'OK <id> <n> <infer_ns> <labels>' lines on stdout (see worker_proto.h).\n"
    "--cpu-share F (0 < F < 1) paces each batch so it uses at most F of a CPU,\n"
    "image by image (Lambda's share below 1769 MB; see worker_proto.h).\n"
    "Exits at end of input, on SIGTERM, or when its parent dies.\n";

static double mono_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static double cpu_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* Sleeps until the batch that started at wall0_s (CPU clock cpu0_s) has
 * taken as long as its CPU time at `share` of a CPU would, when that is at
 * least min_s away. Why not leave it to the cgroup quota alone: the kernel
 * checks the quota at scheduler ticks (4 ms at HZ=250), so a batch of a few
 * ms overran a 0.29 quota by up to a tick and ran at 0.34-0.39 of a CPU;
 * pacing from the CPU clock holds the batch to its share. Between images
 * the worker sleeps only once it is PACE_CHUNK_S ahead, in pieces like the
 * quota's period (each sleep costs cache warmth: per-image sleeps made a
 * batch take 9 % more CPU time at share 0.25, against 0-4 % this way); after
 * the last image it sleeps whatever is left. The deadline is absolute, so a
 * late wake-up is caught up, not added. */
#define PACE_CHUNK_S 0.002
static void pace(double wall0_s, double cpu0_s, double share, double min_s)
{
    double due = wall0_s + (cpu_s() - cpu0_s) / share;
    if (due - mono_s() < min_s)
        return;
    struct timespec ts = { (time_t)due, (long)((due - (double)(time_t)due) * 1e9) };
    while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR) {
    }
}

/* Writes all of buf to stdout; exits when the reader is gone. */
static void put_out(const char *buf, size_t len)
{
    while (len > 0) {
        ssize_t n = write(STDOUT_FILENO, buf, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            exit(1);
        buf += n;
        len -= (size_t)n;
    }
}

/* ERR line on stdout (for the parent) and the message on stderr; exit 2. */
static void die(const char *what)
{
    char line[WORKER_MSG_MAX + 8];
    int n = snprintf(line, sizeof line, "ERR %s\n", what);
    if (n > 0)
        put_out(line, (size_t)n < sizeof line ? (size_t)n : sizeof line - 1);
    fprintf(stderr, "lambdasim-worker: %s\n", what);
    exit(2);
}

/* Reads exactly len bytes: 1 when done, 0 at end of input before any byte. */
static int read_exact(uint8_t *p, size_t len)
{
    size_t got = 0;
    while (got < len) {
        ssize_t n = read(STDIN_FILENO, p + got, len - got);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            die("read: input error");
        if (n == 0) {
            if (got == 0)
                return 0;
            die("request: input ended in the middle of a request");
        }
        got += (size_t)n;
    }
    return 1;
}

int main(int argc, char **argv)
{
    double t0 = mono_s();
    /* Never outlive the parent (see worker_proto.h). */
    (void)prctl(PR_SET_PDEATHSIG, SIGTERM);
    /* Sleeps end when asked, not up to 50 us later (pacing, extra init). */
    (void)prctl(PR_SET_TIMERSLACK, 1UL);
    const char *weights = NULL; /* default: the data directory's (datadir.h) */
    double extra_ms = 0;
    double share = 1; /* of one CPU; 1 = no pacing */
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
            fputs(usage_text, stdout);
            return 0;
        }
        if ((strcmp(argv[i], "--weights") == 0 || strcmp(argv[i], "--extra-init-ms") == 0
             || strcmp(argv[i], "--cpu-share") == 0)
            && i + 1 < argc) {
            const char *v = argv[++i];
            if (strcmp(argv[i - 1], "--weights") == 0) {
                weights = v;
            } else if (strcmp(argv[i - 1], "--cpu-share") == 0) {
                char *end = NULL;
                share = strtod(v, &end);
                if (end == v || *end != '\0' || !(share > 0 && share <= 1))
                    die("--cpu-share: expected a share of one CPU, above 0 and at most 1");
            } else {
                char *end = NULL;
                extra_ms = strtod(v, &end);
                if (end == v || *end != '\0' || !(extra_ms >= 0 && extra_ms <= 3.6e6))
                    die("--extra-init-ms: expected milliseconds from 0 to 3600000");
            }
        } else {
            char m[WORKER_MSG_MAX];
            snprintf(m, sizeof m, "bad argument '%.100s' (try --help)", argv[i]);
            die(m);
        }
    }

    char msg[MNIST_MSG_MAX];
    char default_weights[PATH_MAX + 32];
    if (weights == NULL) {
        if (datadir_path(DATADIR_WEIGHTS, default_weights, sizeof default_weights, msg, sizeof msg) != 0)
            die(msg);
        weights = default_weights;
    }
    struct mnist_net *net = NULL;
    if (mnist_load(weights, &net, msg, sizeof msg) != MNIST_OK)
        die(msg);
    if (extra_ms > 0) {
        /* Extra init after the load; sleeping to a deadline, so an interrupted
         * sleep still waits it out. */
        double until = mono_s() + extra_ms * 1e-3;
        for (;;) {
            double left = until - mono_s();
            if (!(left > 0))
                break;
            struct timespec ts = { (time_t)left, (long)((left - (double)(time_t)left) * 1e9) };
            nanosleep(&ts, NULL);
        }
    }
    char line[WORKER_PROTO_LINE_MAX + 64];
    int n = snprintf(line, sizeof line, "READY %ld %.3f\n", (long)getpid(),
                     (mono_s() - t0) * 1e3);
    put_out(line, (size_t)n);

    /* The image buffer grows to the largest batch seen and is kept, so a
     * warm worker allocates nothing per request. */
    uint8_t *pixels = NULL;
    size_t cap = 0;
    uint8_t labels[WORKER_PROTO_MAX_BATCH];
    uint8_t hdr[WORKER_PROTO_HEADER];
    while (read_exact(hdr, sizeof hdr)) {
        uint64_t id = 0;
        uint32_t count = 0;
        if (worker_proto_decode(hdr, &id, &count, msg, sizeof msg) != 0)
            die(msg);
        pixels = xgrow(pixels, &cap, (size_t)count * MNIST_PIXELS, 1);
        if (count > 0 && read_exact(pixels, (size_t)count * MNIST_PIXELS) == 0)
            die("request: input ended in the middle of a request");
        double s = mono_s();
        double c0 = cpu_s();
        if (share < 1) {
            for (uint32_t i = 0; i < count; i++) {
                mnist_infer_batch(net, pixels + (size_t)i * MNIST_PIXELS, 1, labels + i, NULL);
                pace(s, c0, share, i + 1 < count ? PACE_CHUNK_S : 20e-6);
            }
        } else {
            mnist_infer_batch(net, pixels, count, labels, NULL);
        }
        double infer_s = mono_s() - s;
        double used_s = cpu_s() - c0;
        if (count == 0)
            infer_s = used_s = 0;
        int k = snprintf(line, sizeof line, "OK %" PRIu64 " %u %.0f ", id, (unsigned)count,
                         infer_s * 1e9);
        size_t len = (size_t)k;
        for (uint32_t i = 0; i < count; i++)
            line[len++] = (char)('0' + labels[i]);
        if (count == 0)
            line[len++] = '-';
        len += (size_t)snprintf(line + len, sizeof line - len, " %.0f\n", used_s * 1e9);
        put_out(line, len);
    }
    free(pixels);
    mnist_destroy(net);
    return 0;
}
