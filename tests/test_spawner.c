/* test_spawner: worker starts on the spawner's thread: results come back
 * by key through a descriptor that is readable exactly while one waits,
 * started workers answer as workers started directly do, a start that
 * cannot run comes back as an error naming the executable, and destroy
 * stops every worker never taken. */
#define _DEFAULT_SOURCE /* kill */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/wait.h>
#include "real/spawner.h"
#include "testutil.h"

#define WEIGHTS "models/mnist-cnn.bin"

static struct spawn_request request(uint64_t key, const char *worker)
{
    return (struct spawn_request){ .key = key, .worker_path = worker, .weights_path = WEIGHTS, .cpu_share = 1 };
}

static bool readable(int fd, int timeout_ms)
{
    struct pollfd p = { .fd = fd, .events = POLLIN };
    return poll(&p, 1, timeout_ms) == 1 && (p.revents & POLLIN);
}

static void test_starts_by_key(void)
{
    char msg[WORKER_MSG_MAX];
    struct spawner *sp = NULL;
    CU_ASSERT_FATAL(spawner_create(&sp, msg, sizeof msg) == 0);
    CU_ASSERT(!readable(spawner_fd(sp), 0));
    for (uint64_t k = 1; k <= 3; k++) {
        struct spawn_request q = request(k << 32 | 7, testutil_worker_bin());
        spawner_submit(sp, &q);
    }
    /* Waited for out of order: the others stay queued. */
    struct spawn_result r;
    spawner_wait(sp, 3ull << 32 | 7, &r);
    CU_ASSERT_EQUAL(r.key, 3ull << 32 | 7);
    CU_ASSERT_EQUAL_FATAL(r.rc, 0);
    long pid = 0;
    double init_ms = 0;
    CU_ASSERT(worker_client_wait_ready(&r.w, 30, &pid, &init_ms, msg, sizeof msg) == 0);
    CU_ASSERT_EQUAL(pid, (long)r.w.pid);
    /* A ping answered: the worker is a worker. */
    CU_ASSERT(worker_client_send(&r.w, 5, NULL, 0, msg, sizeof msg) == 0);
    struct worker_reply reply;
    uint8_t labels[1];
    CU_ASSERT(worker_client_recv(&r.w, 30, &reply, labels, sizeof labels, msg, sizeof msg) == 0);
    CU_ASSERT_EQUAL(reply.id, 5);
    CU_ASSERT_EQUAL(reply.n, 0);
    CU_ASSERT(worker_client_stop(&r.w, 5) == 0);
    /* The other two come through the descriptor, in the order asked. */
    uint64_t want = 1;
    for (int got = 0; got < 2;) {
        CU_ASSERT_FATAL(readable(spawner_fd(sp), 30000));
        while (spawner_take(sp, &r)) {
            CU_ASSERT_EQUAL(r.key, want << 32 | 7);
            CU_ASSERT_EQUAL(r.rc, 0);
            /* A process was there to stop (before its READY: any status). */
            CU_ASSERT(worker_client_stop(&r.w, 5) != -1);
            want++;
            got++;
        }
    }
    CU_ASSERT(!readable(spawner_fd(sp), 0));
    CU_ASSERT_EQUAL(spawner_take(sp, &r), 0);
    spawner_destroy(sp);
}

static void test_failed_start(void)
{
    char msg[WORKER_MSG_MAX];
    struct spawner *sp = NULL;
    CU_ASSERT_FATAL(spawner_create(&sp, msg, sizeof msg) == 0);
    struct spawn_request q = request(1, "/nonexistent/lambdasim-worker");
    spawner_submit(sp, &q);
    struct spawn_result r;
    spawner_wait(sp, 1, &r);
    /* The process exists until its exec fails: the failure is its ERR line. */
    if (r.rc == 0) {
        long pid = 0;
        double init_ms = 0;
        CU_ASSERT(worker_client_wait_ready(&r.w, 30, &pid, &init_ms, msg, sizeof msg) != 0);
        CU_ASSERT(strstr(msg, "cannot execute /nonexistent/lambdasim-worker") != NULL);
        worker_client_stop(&r.w, 0);
    } else {
        CU_ASSERT(strstr(r.msg, "/nonexistent/lambdasim-worker") != NULL);
    }
    spawner_destroy(sp);
}

static void test_destroy_stops_untaken(void)
{
    char msg[WORKER_MSG_MAX];
    struct spawner *sp = NULL;
    CU_ASSERT_FATAL(spawner_create(&sp, msg, sizeof msg) == 0);
    struct spawn_request q = request(1, testutil_worker_bin());
    spawner_submit(sp, &q);
    struct spawn_result r;
    spawner_wait(sp, 1, &r);
    CU_ASSERT_EQUAL_FATAL(r.rc, 0);
    pid_t taken = r.w.pid;
    /* Two more, never taken (one likely still starting): destroy finishes
     * the starts and stops both. */
    for (uint64_t k = 2; k <= 3; k++) {
        q.key = k;
        spawner_submit(sp, &q);
    }
    spawner_destroy(sp);
    /* A taken worker is the caller's to stop; the spawner's thread ended,
     * so it got SIGTERM already (spawner.h): any status, but a process. */
    CU_ASSERT(worker_client_stop(&r.w, 5) != -1);
    CU_ASSERT(testutil_wait_gone((long)taken, 5));
    /* No child left, running or unreaped. */
    int st = 0;
    CU_ASSERT_EQUAL(waitpid(-1, &st, WNOHANG), -1);
    CU_ASSERT_EQUAL(errno, ECHILD);
}

static void add_tests(CU_pSuite s)
{
    CU_add_test(s, "starts come back by key, through a readable descriptor", test_starts_by_key);
    CU_add_test(s, "a start that cannot run is an error naming the executable", test_failed_start);
    CU_add_test(s, "destroy stops the workers never taken", test_destroy_stops_untaken);
}

int main(void)
{
    return testutil_main("spawner", add_tests);
}
