/* test_worker_proto: the worker protocol's encoding, and real round trips
 * with build/lambdasim-worker: answers match in-process inference, pings,
 * pipelined requests, bad input, extra init time, SIGTERM, and that a worker
 * never outlives its parent. */
#define _DEFAULT_SOURCE /* kill, usleep-free sleeps */
#include <errno.h>
#include <signal.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include "real/mnist.h"
#include "testutil.h"
#include "real/worker_proto.h"

#define WEIGHTS "models/mnist-cnn.bin"
#define DIGITS "traces/mnist-digits-300.bin"

static char msg[WORKER_MSG_MAX];

static void start_ready(struct worker_client *w, const char *weights, double extra_ms)
{
    long pid = 0;
    double init_ms = 0;
    CU_ASSERT_FATAL(worker_client_start(w, testutil_worker_bin(), weights, extra_ms, msg, sizeof msg) == 0);
    int rc = worker_client_wait_ready(w, 30, &pid, &init_ms, msg, sizeof msg);
    if (rc != 0)
        fprintf(stderr, "\n  %s\n", msg);
    CU_ASSERT_FATAL(rc == 0);
    CU_ASSERT_EQUAL(pid, (long)w->pid);
    CU_ASSERT(init_ms >= extra_ms);
}

/* ---- encoding --------------------------------------------------------------------- */

static void test_header(void)
{
    uint8_t h[WORKER_PROTO_HEADER];
    uint64_t id = 0;
    uint32_t n = 0;
    worker_proto_encode(h, 0x0123456789ABCDEFull, 64);
    CU_ASSERT(memcmp(h, "LSWQ", 4) == 0);
    CU_ASSERT(h[4] == 64 && h[5] == 0 && h[8] == 0xEF && h[15] == 0x01);   /* little-endian */
    CU_ASSERT_EQUAL(worker_proto_decode(h, &id, &n, msg, sizeof msg), 0);
    CU_ASSERT_EQUAL(id, 0x0123456789ABCDEFull);
    CU_ASSERT_EQUAL(n, 64);
    h[0] = 'X';
    CU_ASSERT_EQUAL(worker_proto_decode(h, &id, &n, msg, sizeof msg), -1);
    CU_ASSERT(strstr(msg, "wrong magic") != NULL);
    worker_proto_encode(h, 1, WORKER_PROTO_MAX_BATCH + 1);
    CU_ASSERT_EQUAL(worker_proto_decode(h, &id, &n, msg, sizeof msg), -1);
    CU_ASSERT(strstr(msg, "at most 4096") != NULL);
}

static void test_parse_lines(void)
{
    struct worker_reply r;
    uint8_t labels[8];
    CU_ASSERT_EQUAL(worker_proto_parse_reply("OK 7 3 125000 905", &r, labels, 8, msg, sizeof msg), 0);
    CU_ASSERT(r.id == 7 && r.n == 3);
    CU_ASSERT_DOUBLE_EQUAL(r.infer_s, 125e-6, 1e-12);
    CU_ASSERT(labels[0] == 9 && labels[1] == 0 && labels[2] == 5);
    CU_ASSERT(isnan(r.cpu_s));   /* an answer without its CPU time */
    CU_ASSERT_EQUAL(worker_proto_parse_reply("OK 8 0 0 -", &r, labels, 8, msg, sizeof msg), 0);
    CU_ASSERT_EQUAL(r.n, 0);
    /* With the worker's CPU time after the labels. */
    CU_ASSERT_EQUAL(worker_proto_parse_reply("OK 7 3 125000 905 98000", &r, labels, 8, msg, sizeof msg), 0);
    CU_ASSERT(r.n == 3 && labels[2] == 5);
    CU_ASSERT_DOUBLE_EQUAL(r.cpu_s, 98e-6, 1e-12);
    CU_ASSERT_EQUAL(worker_proto_parse_reply("OK 8 0 0 - 0", &r, labels, 8, msg, sizeof msg), 0);
    CU_ASSERT(r.n == 0 && r.cpu_s == 0);
    CU_ASSERT_EQUAL(worker_proto_parse_reply("OK 7 3 1 905 9x", &r, labels, 8, msg, sizeof msg), -1);
    CU_ASSERT(strstr(msg, "malformed answer") != NULL);
    CU_ASSERT_EQUAL(worker_proto_parse_reply("OK 7 3 1 905 ", &r, labels, 8, msg, sizeof msg), -1);
    CU_ASSERT_EQUAL(worker_proto_parse_reply("OK 8 0 0 -- 1", &r, labels, 8, msg, sizeof msg), -1);
    CU_ASSERT_EQUAL(worker_proto_parse_reply("OK 7 3 1 90", &r, labels, 8, msg, sizeof msg), -1);
    CU_ASSERT(strstr(msg, "2 labels for 3 images") != NULL);
    CU_ASSERT_EQUAL(worker_proto_parse_reply("OK 7 3 1 9x0", &r, labels, 8, msg, sizeof msg), -1);
    CU_ASSERT(strstr(msg, "not a digit") != NULL);
    CU_ASSERT_EQUAL(worker_proto_parse_reply("OK 7 9 1 123456789", &r, labels, 8, msg, sizeof msg), -1);
    CU_ASSERT(strstr(msg, "room for 8") != NULL);
    CU_ASSERT_EQUAL(worker_proto_parse_reply("OK x", &r, labels, 8, msg, sizeof msg), -1);
    CU_ASSERT(strstr(msg, "malformed answer") != NULL);
    CU_ASSERT_EQUAL(worker_proto_parse_reply("ERR boom", &r, labels, 8, msg, sizeof msg), -1);
    CU_ASSERT_STRING_EQUAL(msg, "worker: boom");
    long pid = 0;
    double ms = 0;
    CU_ASSERT_EQUAL(worker_proto_parse_ready("READY 42 3.5", &pid, &ms, msg, sizeof msg), 0);
    CU_ASSERT(pid == 42 && ms == 3.5);
    CU_ASSERT_EQUAL(worker_proto_parse_ready("READY 42", &pid, &ms, msg, sizeof msg), -1);
    CU_ASSERT_EQUAL(worker_proto_parse_ready("READY 42 1 x", &pid, &ms, msg, sizeof msg), -1);
}

/* ---- real workers ----------------------------------------------------------------- */

static void test_round_trip(void)
{
    struct mnist_net *net = NULL;
    struct mnist_digits d;
    char m2[MNIST_MSG_MAX];
    CU_ASSERT_FATAL(mnist_load(WEIGHTS, &net, m2, sizeof m2) == MNIST_OK);
    CU_ASSERT_FATAL(mnist_digits_load(DIGITS, &d, m2, sizeof m2) == MNIST_OK);
    uint8_t *expect = malloc(d.n), *got = malloc(d.n);
    CU_ASSERT_FATAL(expect != NULL && got != NULL);
    mnist_infer_batch(net, d.pixels, d.n, expect, NULL);

    struct worker_client w;
    start_ready(&w, WEIGHTS, 0);
    struct worker_reply r;
    /* One batch of 64. */
    CU_ASSERT_FATAL(worker_client_send(&w, 1000, d.pixels, 64, msg, sizeof msg) == 0);
    CU_ASSERT_FATAL(worker_client_recv(&w, 30, &r, got, d.n, msg, sizeof msg) == 0);
    CU_ASSERT(r.id == 1000 && r.n == 64);
    CU_ASSERT(r.infer_s > 0 && r.infer_s < 5);
    CU_ASSERT(r.cpu_s > 0 && r.cpu_s < 5);   /* the worker says how much CPU it took */
    CU_ASSERT(memcmp(got, expect, 64) == 0);
    /* A ping: no images, no inference. */
    CU_ASSERT_FATAL(worker_client_send(&w, 1001, NULL, 0, msg, sizeof msg) == 0);
    CU_ASSERT_FATAL(worker_client_recv(&w, 30, &r, got, d.n, msg, sizeof msg) == 0);
    CU_ASSERT(r.id == 1001 && r.n == 0 && r.infer_s == 0);
    /* Pipelined: every digit in batches of 1..7, answers in order. */
    uint64_t id = 0;
    for (size_t at = 0, n = 1; at < d.n; at += n, n = n % 7 + 1) {
        if (at + n > d.n)
            n = d.n - at;
        CU_ASSERT_FATAL(worker_client_send(&w, id++, d.pixels + at * MNIST_PIXELS, (uint32_t)n,
                                           msg, sizeof msg) == 0);
    }
    size_t at = 0;
    for (uint64_t k = 0; k < id; k++) {
        CU_ASSERT_FATAL(worker_client_recv(&w, 30, &r, got + at, d.n - at, msg, sizeof msg) == 0);
        CU_ASSERT_EQUAL(r.id, k);
        at += r.n;
    }
    CU_ASSERT_EQUAL(at, d.n);
    CU_ASSERT(memcmp(got, expect, d.n) == 0);
    /* Nothing more to read: a zero timeout says so at once. */
    CU_ASSERT_EQUAL(worker_client_recv(&w, 0, &r, got, d.n, msg, sizeof msg), 1);
    CU_ASSERT(worker_client_alive(&w));
    /* End of input: a clean exit. */
    int st = worker_client_stop(&w, 5);
    CU_ASSERT(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    CU_ASSERT(!worker_client_alive(&w));
    CU_ASSERT_EQUAL(worker_client_stop(&w, 5), st);   /* twice is fine */
    CU_ASSERT_EQUAL(worker_client_send(&w, 1, d.pixels, 1, msg, sizeof msg), -1);
    free(expect);
    free(got);
    mnist_digits_fini(&d);
    mnist_destroy(net);
}

/* --cpu-share paces a batch to that share of a CPU from its own CPU clock
 * (no cgroup needed): at 0.25 a 256-image batch takes 4x the CPU time it
 * used. Wall time over the CPU time the worker reports for the batch, so
 * that a CPU that runs slower for a while (a busy SMT sibling, another
 * guest) does not matter; the smallest of three batches, as other jobs can
 * only delay a wake-up (accepted 3.8 to 4.8; labels right throughout). An
 * unpaced batch is also timed: its wall time is not 4x its CPU time. */
static void test_cpu_share(void)
{
    struct mnist_net *net = NULL;
    struct mnist_digits d;
    char m2[MNIST_MSG_MAX];
    CU_ASSERT_FATAL(mnist_load(WEIGHTS, &net, m2, sizeof m2) == MNIST_OK);
    CU_ASSERT_FATAL(mnist_digits_load(DIGITS, &d, m2, sizeof m2) == MNIST_OK);
    CU_ASSERT_FATAL(d.n >= 256);
    uint8_t expect[256], got[256];
    mnist_infer_batch(net, d.pixels, 256, expect, NULL);
    struct worker_client w;
    long pid = 0;
    double ms = 0, ratio = INFINITY;
    CU_ASSERT_FATAL(worker_client_start_in(&w, testutil_worker_bin(), WEIGHTS, 0, NULL, 0.25, msg,
                                           sizeof msg) == 0);
    CU_ASSERT_FATAL(worker_client_wait_ready(&w, 30, &pid, &ms, msg, sizeof msg) == 0);
    for (int k = 0; k < 3; k++) {
        struct worker_reply r;
        CU_ASSERT_FATAL(worker_client_send(&w, (uint64_t)k, d.pixels, 256, msg, sizeof msg) == 0);
        CU_ASSERT_FATAL(worker_client_recv(&w, 30, &r, got, sizeof got, msg, sizeof msg) == 0);
        CU_ASSERT(memcmp(got, expect, sizeof got) == 0);
        CU_ASSERT_FATAL(r.cpu_s > 0);
        ratio = fmin(ratio, r.infer_s / r.cpu_s);
    }
    worker_client_stop(&w, 5);
    if (!(ratio >= 3.8 && ratio <= 4.8))
        fprintf(stderr, "\n  share 0.25: wall / CPU time %.2f\n", ratio);
    CU_ASSERT(ratio >= 3.8 && ratio <= 4.8);
    /* Unpaced, the same batch's wall time is about its CPU time. */
    start_ready(&w, WEIGHTS, 0);
    struct worker_reply one;
    CU_ASSERT_FATAL(worker_client_send(&w, 9, d.pixels, 256, msg, sizeof msg) == 0);
    CU_ASSERT_FATAL(worker_client_recv(&w, 30, &one, got, sizeof got, msg, sizeof msg) == 0);
    CU_ASSERT(one.cpu_s > 0 && one.infer_s / one.cpu_s < 3.0);
    worker_client_stop(&w, 5);
    mnist_digits_fini(&d);
    mnist_destroy(net);

    /* A share out of range is refused by name. */
    char *out = NULL, *err = NULL;
    char cmd[600];
    snprintf(cmd, sizeof cmd, "%s --weights %s --cpu-share 0 </dev/null", testutil_worker_bin(), WEIGHTS);
    CU_ASSERT_EQUAL(testutil_run(cmd, &out, &err), 2);
    TESTUTIL_ASSERT_CONTAINS(out, "ERR --cpu-share: expected a share of one CPU, above 0 and at most 1");
    free(out);
    free(err);
}

static void test_bad_weights_and_path(void)
{
    struct worker_client w;
    long pid = 0;
    double ms = 0;
    char *bad = testutil_temp_file("not weights", ".bin");
    /* The worker complains on its stderr: expected, so kept out of the log. */
    struct testutil_stderr cap;
    testutil_stderr_begin(&cap);
    CU_ASSERT_FATAL(worker_client_start(&w, testutil_worker_bin(), bad, 0, msg, sizeof msg) == 0);
    CU_ASSERT_EQUAL(worker_client_wait_ready(&w, 30, &pid, &ms, msg, sizeof msg), -1);
    CU_ASSERT(strstr(msg, "wrong magic") != NULL);
    int st = worker_client_stop(&w, 5);
    char *err = testutil_stderr_end(&cap);
    CU_ASSERT(WIFEXITED(st) && WEXITSTATUS(st) == 2);
    TESTUTIL_ASSERT_CONTAINS(err, "lambdasim-worker: ");
    TESTUTIL_ASSERT_CONTAINS(err, ": wrong magic: not a lambdasim MNIST weight file");
    free(err);
    unlink(bad);
    free(bad);

    CU_ASSERT_FATAL(worker_client_start(&w, "/nonexistent/lambdasim-worker", WEIGHTS, 0, msg,
                                        sizeof msg) == 0);
    CU_ASSERT_EQUAL(worker_client_wait_ready(&w, 30, &pid, &ms, msg, sizeof msg), -1);
    CU_ASSERT(strstr(msg, "cannot execute /nonexistent/lambdasim-worker (errno 2)") != NULL);
    st = worker_client_stop(&w, 5);
    CU_ASSERT(WIFEXITED(st) && WEXITSTATUS(st) == 127);
}

static void test_bad_request(void)
{
    struct worker_client w;
    struct testutil_stderr cap;
    testutil_stderr_begin(&cap);
    start_ready(&w, WEIGHTS, 0);
    uint8_t junk[WORKER_PROTO_HEADER];
    memset(junk, 'x', sizeof junk);
    CU_ASSERT(send(w.fd, junk, sizeof junk, MSG_NOSIGNAL) == (ssize_t)sizeof junk);
    struct worker_reply r;
    uint8_t labels[4];
    CU_ASSERT_EQUAL(worker_client_recv(&w, 30, &r, labels, 4, msg, sizeof msg), -1);
    CU_ASSERT(strstr(msg, "worker: request: wrong magic") != NULL);
    int st = worker_client_stop(&w, 5);
    char *err = testutil_stderr_end(&cap);
    CU_ASSERT(WIFEXITED(st) && WEXITSTATUS(st) == 2);
    TESTUTIL_ASSERT_CONTAINS(err, "lambdasim-worker: request: wrong magic 0x78787878 (expected 0x5157534c, \"LSWQ\")");
    free(err);
}

static void test_extra_init(void)
{
    struct worker_client w;
    double t0 = testutil_now_s();
    start_ready(&w, WEIGHTS, 150);
    CU_ASSERT(testutil_now_s() - t0 >= 0.150);
    worker_client_stop(&w, 5);
}

static void test_sigterm(void)
{
    struct worker_client w;
    start_ready(&w, WEIGHTS, 0);
    CU_ASSERT_EQUAL(kill(w.pid, SIGTERM), 0);
    uint8_t labels[1];
    struct worker_reply r;
    CU_ASSERT_EQUAL(worker_client_recv(&w, 30, &r, labels, 1, msg, sizeof msg), -1);
    CU_ASSERT(strstr(msg, "killed by signal 15") != NULL);
    int st = worker_client_stop(&w, 5);
    CU_ASSERT(WIFSIGNALED(st) && WTERMSIG(st) == SIGTERM);
}

/* A middle process starts a worker, reports its pid, and is killed with
 * SIGKILL (no chance to clean up): the worker must go too. A holder process
 * (forked by the middle one) keeps the worker's input open, so the worker
 * sees no end of input: only the parent-death signal can stop it. */
static void test_parent_death(void)
{
    int p[2];
    CU_ASSERT_FATAL(pipe(p) == 0);
    pid_t mid = fork();
    CU_ASSERT_FATAL(mid >= 0);
    if (mid == 0) {
        close(p[0]);
        struct worker_client w;
        long pids[2] = { 0, 0 };
        double ms = 0;
        if (worker_client_start(&w, testutil_worker_bin(), WEIGHTS, 0, msg, sizeof msg) != 0
            || worker_client_wait_ready(&w, 30, &pids[0], &ms, msg, sizeof msg) != 0)
            _exit(1);
        pid_t holder = fork();
        if (holder == 0)
            for (;;)
                pause();
        pids[1] = (long)holder;
        if (write(p[1], pids, sizeof pids) != (ssize_t)sizeof pids)
            _exit(1);
        for (;;)
            pause();
    }
    close(p[1]);
    long pids[2] = { 0, 0 };
    CU_ASSERT_FATAL(read(p[0], pids, sizeof pids) == (ssize_t)sizeof pids);
    close(p[0]);
    pid_t worker = (pid_t)pids[0], holder = (pid_t)pids[1];
    CU_ASSERT(!testutil_process_gone((long)worker));
    CU_ASSERT_EQUAL(kill(mid, SIGKILL), 0);
    int st = 0;
    CU_ASSERT_EQUAL(waitpid(mid, &st, 0), mid);
    CU_ASSERT(testutil_wait_gone((long)worker, 5));
    if (!testutil_process_gone((long)worker))
        kill(worker, SIGKILL);
    kill(holder, SIGKILL);
}

static void add_tests(CU_pSuite s)
{
    CU_add_test(s, "request header encoding", test_header);
    CU_add_test(s, "READY and answer lines", test_parse_lines);
    CU_add_test(s, "round trip: batch, ping, pipelined, matches in-process", test_round_trip);
    CU_add_test(s, "--cpu-share paces a batch to a share of a CPU", test_cpu_share);
    CU_add_test(s, "bad weight file and missing executable", test_bad_weights_and_path);
    CU_add_test(s, "a bad request: ERR and exit 2", test_bad_request);
    CU_add_test(s, "--extra-init-ms delays READY", test_extra_init);
    CU_add_test(s, "SIGTERM stops a worker", test_sigterm);
    CU_add_test(s, "a worker dies with its parent", test_parent_death);
}

int main(void)
{
    return testutil_main("worker_proto", add_tests);
}
