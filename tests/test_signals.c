/* test_signals: SIGINT, SIGTERM and --time-limit end `run` and `sweep` cleanly. Each
 * test starts the real binary on a long job, waits until it is under way
 * (a temporary output file exists, or the sweep's checkpoint holds a few
 * points), sends the signal, and checks the exit code (128 + signal), that
 * no output or temporary file is left, that what is printed is marked
 * partial, and for a sweep that --resume then completes to the file an
 * uninterrupted sweep writes. */
#define _DEFAULT_SOURCE /* kill */
#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "base/interrupt.h"
#include "base/outfile.h"
#include "testutil.h"

/* Starts BIN with args (NULL-terminated), stdout and stderr to files. */
static pid_t spawn(const char *const *args, const char *out_path, const char *err_path)
{
    pid_t pid = fork();
    CU_ASSERT_FATAL(pid >= 0);
    if (pid == 0) {
        int o = open(out_path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
        int e = open(err_path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
        if (o < 0 || e < 0 || dup2(o, 1) < 0 || dup2(e, 2) < 0)
            _exit(126);
        const char *argv[32];
        size_t n = 0;
        argv[n++] = testutil_bin();
        for (; args[n - 1] != NULL && n < 31; n++)
            argv[n] = args[n - 1];
        argv[n] = NULL;
        execv(argv[0], (char *const *)(void *)argv);
        _exit(127);
    }
    return pid;
}

/* Files in dir (. and .. apart). */
static int count_files(const char *dir, char *names, size_t len)
{
    DIR *d = opendir(dir);
    int n = 0;
    if (names != NULL && len > 0)
        names[0] = '\0';
    if (d == NULL)
        return -1;
    const struct dirent *de;
    while ((de = readdir(d)) != NULL) {
        if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
            continue;
        n++;
        if (names != NULL)
            snprintf(names + strlen(names), len - strlen(names), " %s", de->d_name);
    }
    closedir(d);
    return n;
}

static int lines_in(const char *path)
{
    char *s = testutil_read_file(path);
    int n = 0;
    for (const char *p = s; p != NULL && *p != '\0'; p++)
        n += *p == '\n';
    free(s);
    return n;
}

/* Exit code of pid (128 + signal when it was killed by one). */
static int wait_exit(pid_t pid)
{
    int st = 0;
    CU_ASSERT_FATAL(waitpid(pid, &st, 0) == pid);
    return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

/* run: a long simulation writing a per-request CSV, stopped by signo. */
static void check_run(int signo, bool json)
{
    char *dir = testutil_temp_dir();
    char out[512], err[512], csv[512], names[1024];
    snprintf(out, sizeof out, "%s.out", dir);
    snprintf(err, sizeof err, "%s.err", dir);
    snprintf(csv, sizeof csv, "%s/requests.csv", dir);
    const char *args[] = { "run", "tests/data/scenario-minimal.json", "--set", "requests=100000000",
                           "--set", "workload.rate_rps=1000", "--stats", "streaming",
                           "--requests-csv", csv, json ? "--json" : "--force", NULL };
    pid_t pid = spawn(args, out, err);
    /* Under way once the temporary output file exists and has grown. */
    int waited = 0;
    while (waited < 20000 && count_files(dir, NULL, 0) < 1) {
        testutil_sleep_ms(10);
        waited += 10;
    }
    testutil_sleep_ms(200);
    CU_ASSERT(kill(pid, signo) == 0);
    int rc = wait_exit(pid);
    char *o = testutil_read_file(out), *e = testutil_read_file(err);
    CU_ASSERT_EQUAL(rc, 128 + signo);
    int left = count_files(dir, names, sizeof names);
    if (rc != 128 + signo || left != 0)
        printf("\n    exit %d, files left:%s, stderr: %s", rc, names, e);
    CU_ASSERT_EQUAL(left, 0);
    const char *name = signo == SIGINT ? "SIGINT" : "SIGTERM";
    CU_ASSERT(e != NULL && strstr(e, "interrupted by") != NULL && strstr(e, name) != NULL &&
              strstr(e, "no output file was written") != NULL);
    if (json) {
        CU_ASSERT(o != NULL && strncmp(o, "{\n  \"partial\": true,\n  \"interrupted_by\": \"", 41) == 0 &&
                  strstr(o, name) != NULL && strstr(o, "\"interrupted_at_s\": ") != NULL &&
                  strstr(o, "\"latency_ms\"") != NULL);
    } else {
        CU_ASSERT(o != NULL && strncmp(o, "PARTIAL RESULTS: the run was interrupted by ", 44) == 0 &&
                  strstr(o, "scenario scenario-minimal") != NULL);
    }
    free(o);
    free(e);
    unlink(out);
    unlink(err);
    rmdir(dir);
    free(dir);
}

static void test_run_sigint(void)
{
    check_run(SIGINT, false);
}

static void test_run_sigterm_json(void)
{
    check_run(SIGTERM, true);
}

/* sweep: interrupted part-way, resumed, compared with a whole run. */
static void check_sweep(int signo)
{
    char *dir = testutil_temp_dir();
    char sweep[512], out[512], err[512], csv[512], ckpt[600], whole[512], names[1024];
    snprintf(sweep, sizeof sweep, "%s/sweep.json", dir);
    snprintf(out, sizeof out, "%s.out", dir);
    snprintf(err, sizeof err, "%s.err", dir);
    snprintf(csv, sizeof csv, "%s/grid.csv", dir);
    snprintf(ckpt, sizeof ckpt, "%s.ckpt", csv);
    snprintf(whole, sizeof whole, "%s/whole.csv", dir);
    char cwd[400];
    CU_ASSERT_FATAL(getcwd(cwd, sizeof cwd) != NULL);
    /* sweep-long.json's grid (800 points), more replications: seconds. */
    FILE *f = fopen(sweep, "w");
    CU_ASSERT_FATAL(f != NULL);
    fprintf(f, "{\"scenario\": \"%s/tests/data/sweep-base.json\", \"axes\": {\"batching.threshold\": "
               "{\"from\": 1, \"to\": 4, \"step\": 1}, \"batching.timeout_s\": {\"from\": 0.005, "
               "\"to\": 1.0, \"step\": 0.005}}, \"replications\": 12}\n", cwd);
    fclose(f);
    const char *args[] = { "sweep", sweep, "--jobs", "2", "--out", csv, NULL };
    pid_t pid = spawn(args, out, err);
    int waited = 0;
    while (waited < 20000 && lines_in(ckpt) < 4) {
        testutil_sleep_ms(5);
        waited += 5;
    }
    CU_ASSERT(kill(pid, signo) == 0);
    int rc = wait_exit(pid);
    char *o = testutil_read_file(out), *e = testutil_read_file(err);
    CU_ASSERT_EQUAL(rc, 128 + signo);
    CU_ASSERT(o != NULL && o[0] == '\0');
    CU_ASSERT(e != NULL && strstr(e, "points done and kept in") != NULL && strstr(e, "--resume") != NULL);
    if (rc != 128 + signo)
        printf("\n    exit %d, stderr: %s", rc, e);
    /* No output file (nor a temporary one): the sweep file and checkpoint only. */
    int left = count_files(dir, names, sizeof names);
    if (left != 2)
        printf("\n    files left:%s", names);
    CU_ASSERT_EQUAL(left, 2);
    int kept = lines_in(ckpt);
    printf("\n    stopped with %d points in the checkpoint", kept - 1);
    CU_ASSERT(kept >= 4 && kept < 801);
    free(o);
    free(e);

    char cmd[2048];
    snprintf(cmd, sizeof cmd, "%s sweep %s --jobs 2 --out %s --resume", testutil_bin(), sweep, csv);
    CU_ASSERT_EQUAL(testutil_run(cmd, NULL, NULL), 0);
    snprintf(cmd, sizeof cmd, "%s sweep %s --jobs 2 --out %s", testutil_bin(), sweep, whole);
    CU_ASSERT_EQUAL(testutil_run(cmd, NULL, NULL), 0);
    char *a = testutil_read_file(csv), *b = testutil_read_file(whole);
    CU_ASSERT(a != NULL && b != NULL && strcmp(a, b) == 0);
    CU_ASSERT(access(ckpt, F_OK) != 0);
    free(a);
    free(b);
    unlink(csv);
    unlink(whole);
    unlink(sweep);
    unlink(out);
    unlink(err);
    rmdir(dir);
    free(dir);
}

static void test_sweep_sigint(void)
{
    check_sweep(SIGINT);
}

static void test_sweep_sigterm(void)
{
    check_sweep(SIGTERM);
}

/* A second signal right after the first (during the clean-up) ends the
 * run at once, and still leaves no temporary file: the handler unlinks
 * them (outfile_remove_temps) before the process dies. Both signals are
 * sent back to back, several times over, so that most land while the
 * first is being handled. */
static void check_second_signal(int first, int second)
{
    for (int round = 0; round < 3; round++) {
        char *dir = testutil_temp_dir();
        char out[512], err[512], csv[512], tl[512], names[1024];
        snprintf(out, sizeof out, "%s.out", dir);
        snprintf(err, sizeof err, "%s.err", dir);
        snprintf(csv, sizeof csv, "%s/requests.csv", dir);
        snprintf(tl, sizeof tl, "%s/timeline.csv", dir);
        const char *args[] = { "run", "tests/data/scenario-minimal.json", "--set", "requests=100000000",
                               "--set", "workload.rate_rps=1000", "--stats", "streaming",
                               "--requests-csv", csv, "--timeline-csv", tl, NULL };
        pid_t pid = spawn(args, out, err);
        int waited = 0;
        while (waited < 20000 && count_files(dir, NULL, 0) < 2) {
            testutil_sleep_ms(10);
            waited += 10;
        }
        testutil_sleep_ms(100 + 50 * round);
        CU_ASSERT(kill(pid, first) == 0);
        /* Two equal signals sent at once merge into one: let the first be
         * taken (0, 1, 2 ms) before the second. */
        if (first == second)
            testutil_sleep_ms(round);
        (void)kill(pid, second);
        int rc = wait_exit(pid);
        /* Killed by the second signal, or done with the first one's clean-up. */
        CU_ASSERT(rc == 128 + second || rc == 128 + first);
        int left = count_files(dir, names, sizeof names);
        if (left != 0)
            printf("\n    exit %d, files left:%s", rc, names);
        CU_ASSERT_EQUAL(left, 0);
        unlink(out);
        unlink(err);
        testutil_remove_dir(dir);
    }
}

static void test_second_sigint(void)
{
    check_second_signal(SIGINT, SIGINT);
}

static void test_sigterm_then_sigint(void)
{
    check_second_signal(SIGTERM, SIGINT);
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* --time-limit: a run that would take minutes stops after the limit, as on
 * SIGINT (partial results, no output file), with exit code 124. */
static void test_run_time_limit(void)
{
    char *dir = testutil_temp_dir();
    char out[512], err[512], csv[512], log[512], names[1024];
    snprintf(out, sizeof out, "%s.out", dir);
    snprintf(err, sizeof err, "%s.err", dir);
    snprintf(csv, sizeof csv, "%s/requests.csv", dir);
    snprintf(log, sizeof log, "%s/client.csv", dir);
    const char *args[] = { "run", "tests/data/scenario-minimal.json", "--set", "requests=1000000000",
                           "--set", "workload.rate_rps=1000", "--stats", "streaming", "--requests-csv", csv,
                           "--client-log", log, "--json", "--time-limit", "0.5", NULL };
    double t0 = now_s();
    pid_t pid = spawn(args, out, err);
    int rc = wait_exit(pid);
    double took_s = now_s() - t0;
    char *o = testutil_read_file(out), *e = testutil_read_file(err);
    printf("\n    stopped after %.2f s (limit 0.5 s)", took_s);
    CU_ASSERT_EQUAL(rc, 124);
    /* Generous: a loaded CI machine; the point is minutes versus seconds. */
    CU_ASSERT(took_s >= 0.5 && took_s < 10);
    CU_ASSERT_EQUAL(count_files(dir, names, sizeof names), 0);
    CU_ASSERT(e != NULL && strstr(e, "interrupted by --time-limit after") != NULL &&
              strstr(e, "no output file was written") != NULL);
    CU_ASSERT(o != NULL && strstr(o, "\"interrupted_by\": \"--time-limit\"") != NULL);
    free(o);
    free(e);
    unlink(out);
    unlink(err);
    testutil_remove_dir(dir);
}

/* sweep --time-limit keeps the finished points for --resume. */
static void test_sweep_time_limit(void)
{
    char *dir = testutil_temp_dir();
    char sweep[512], csv[512], ckpt[600], cmd[2048], cwd[400];
    snprintf(sweep, sizeof sweep, "%s/sweep.json", dir);
    snprintf(csv, sizeof csv, "%s/grid.csv", dir);
    snprintf(ckpt, sizeof ckpt, "%s.ckpt", csv);
    CU_ASSERT_FATAL(getcwd(cwd, sizeof cwd) != NULL);
    FILE *f = fopen(sweep, "w");
    CU_ASSERT_FATAL(f != NULL);
    fprintf(f, "{\"scenario\": \"%s/tests/data/sweep-base.json\", \"axes\": {\"batching.threshold\": "
               "{\"from\": 1, \"to\": 4, \"step\": 1}, \"batching.timeout_s\": {\"from\": 0.005, "
               "\"to\": 1.0, \"step\": 0.005}}, \"replications\": 200}\n", cwd);
    fclose(f);
    snprintf(cmd, sizeof cmd, "%s sweep %s --jobs 2 --out %s --time-limit 0.3", testutil_bin(), sweep, csv);
    char *o = NULL, *e = NULL;
    CU_ASSERT_EQUAL(testutil_run(cmd, &o, &e), 124);
    CU_ASSERT(e != NULL && strstr(e, "interrupted by --time-limit") != NULL && strstr(e, "--resume") != NULL);
    CU_ASSERT(access(csv, F_OK) != 0);
    CU_ASSERT(access(ckpt, F_OK) == 0);
    free(o);
    free(e);
    testutil_remove_dir(dir);
}

/* The backstop: a process that never looks at the flag (a loop that
 * forgets to) is killed by the second SIGALRM, grace_s after the limit,
 * and its temporary output file is removed first. */
static void test_time_limit_backstop(void)
{
    char *dir = testutil_temp_dir();
    char path[512], names[1024];
    snprintf(path, sizeof path, "%s/out.csv", dir);
    double t0 = now_s();
    pid_t pid = fork();
    CU_ASSERT_FATAL(pid >= 0);
    if (pid == 0) {
        struct outfile o;
        char msg[256];
        if (interrupt_guard_temps() != 0 || interrupt_catch() != 0
            || outfile_open(&o, path, false, msg, sizeof msg) != OUTFILE_OK
            || interrupt_time_limit(0.1, 0.2) != 0)
            _exit(3);
        /* First expiry: the flag is set; then this loop ignores it. */
        while (interrupt_signal == 0)
            ;
        if (interrupt_signal != SIGALRM)
            _exit(4);
        for (;;)
            pause();
    }
    int rc = wait_exit(pid);
    double took_s = now_s() - t0;
    printf("\n    killed after %.2f s (limit 0.1 s + grace 0.2 s)", took_s);
    CU_ASSERT_EQUAL(rc, 128 + SIGALRM);
    CU_ASSERT(took_s >= 0.29 && took_s < 5);
    int left = count_files(dir, names, sizeof names);
    if (left != 0)
        printf("\n    files left:%s", names);
    CU_ASSERT_EQUAL(left, 0);
    testutil_remove_dir(dir);
}

static void add_tests(CU_pSuite s)
{
    CU_add_test(s, "run: SIGINT prints partial results, leaves no file", test_run_sigint);
    CU_add_test(s, "run --json: SIGTERM labels the JSON partial", test_run_sigterm_json);
    CU_add_test(s, "sweep: SIGINT keeps the checkpoint; --resume completes it", test_sweep_sigint);
    CU_add_test(s, "sweep: SIGTERM likewise", test_sweep_sigterm);
    CU_add_test(s, "run: a second SIGINT during clean-up leaves no temporary file", test_second_sigint);
    CU_add_test(s, "run: SIGTERM then SIGINT likewise", test_sigterm_then_sigint);
    CU_add_test(s, "run --time-limit: stops, partial, exit 124, no file", test_run_time_limit);
    CU_add_test(s, "sweep --time-limit: stops, keeps the checkpoint", test_sweep_time_limit);
    CU_add_test(s, "time limit backstop: a loop that ignores the flag is killed", test_time_limit_backstop);
}

int main(void)
{
    return testutil_main("signals", add_tests);
}
