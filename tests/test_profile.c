/* test_profile: `lambdasim profile` with tiny settings writes a valid model
 * profile that `run` accepts; output safety (no overwrite without --force,
 * nothing left on failure); bad inputs; and the JSON writer directly. */
#define _GNU_SOURCE /* sched_setaffinity, CPU_SET */
#include <math.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include "engine_fixture.h"
#include "formats/config.h"
#include "core/model.h"
#include "real/cpucap.h"
#include "real/profile.h"
#include "testutil.h"

#define WEIGHTS "models/mnist-cnn.bin"
#define DIGITS "traces/mnist-digits-300.bin"
#define TINY_ANY_SPEED "--max-batch 4 --repetitions 3 --cold-starts 3 --warmup 1 --long-gap-ms 0 --wake-probe-s 0 --quiet"
#define TINY TINY_ANY_SPEED " --speed-probe-s 0"

/* Runs `lambdasim profile ARGS`; returns the exit code, stderr in *err. */
static int profile(const char *args, char **err)
{
    char cmd[4096];
    snprintf(cmd, sizeof cmd, "%s profile --worker %s %s", testutil_bin(), testutil_worker_bin(), args);
    return testutil_run(cmd, NULL, err);
}

/* Runs `profile ARGS`, which must succeed, and loads the profile it wrote
 * to `out` into *m. */
static void profile_and_load(const char *args, const char *out, struct model_profile *m)
{
    char *err = NULL;
    int rc = profile(args, &err);
    if (rc != 0)
        fprintf(stderr, "\n  %s", err);
    free(err);
    CU_ASSERT_EQUAL_FATAL(rc, 0);
    char msg[CONFIG_MSG_MAX];
    CU_ASSERT_FATAL(config_load_model(out, m, msg, sizeof msg) == CONFIG_OK);
}

static void test_profile_writes_valid_model(void)
{
    char *dir = testutil_temp_dir();
    char out[1024], args[2048], cmd[4096];
    snprintf(out, sizeof out, "%s/mnist-here.json", dir);
    /* The later --wake-probe-s wins over TINY's 0. */
    snprintf(args, sizeof args, "-o %s " TINY_ANY_SPEED " --speed-probe-s 2 --wake-probe-s 2", out);
    struct model_profile m;
    profile_and_load(args, out, &m);
    char *err = NULL;
    int rc;
    CU_ASSERT_STRING_EQUAL(m.name, "mnist-here");
    CU_ASSERT_EQUAL(m.memory_mb, PROFILE_MEMORY_MB);
    CU_ASSERT_EQUAL(m.cold_start_s.kind, DIST_EMPIRICAL);
    CU_ASSERT_EQUAL(m.cold_start_s.n_samples, 3);
    CU_ASSERT_EQUAL(m.overhead_s.kind, DIST_EMPIRICAL);
    CU_ASSERT_EQUAL(m.overhead_s.n_samples, 12);     /* one per timed batch */
    CU_ASSERT_EQUAL(m.table_max, 4);
    CU_ASSERT(!m.has_base);
    int missing = 0;
    CU_ASSERT(model_covers(&m, 4, &missing));
    for (int n = 1; n <= 4; n++) {
        CU_ASSERT_EQUAL(m.by_size[n].kind, DIST_EMPIRICAL);
        CU_ASSERT_EQUAL(m.by_size[n].n_samples, 3);
        /* Real times: more than nothing, less than a second. */
        for (size_t i = 0; i < m.by_size[n].n_samples; i++)
            CU_ASSERT(m.by_size[n].samples[i] > 0 && m.by_size[n].samples[i] < 1.0);
    }
    /* A worker start takes real time: at least the process creation. */
    for (size_t i = 0; i < m.cold_start_s.n_samples; i++)
        CU_ASSERT(m.cold_start_s.samples[i] > 1e-5 && m.cold_start_s.samples[i] < 10.0);
    /* The host's own costs: one ping per timed round, and the starts. A
     * ping's round trip is real but far below a second. */
    CU_ASSERT_FATAL(m.has_host);
    CU_ASSERT_EQUAL(m.host_dispatch_s.kind, DIST_EMPIRICAL);
    CU_ASSERT_EQUAL_FATAL(m.host_dispatch_s.n_samples, 3);
    for (size_t i = 0; i < m.host_dispatch_s.n_samples; i++)
        CU_ASSERT(m.host_dispatch_s.samples[i] > 0 && m.host_dispatch_s.samples[i] < 1.0);
    CU_ASSERT_EQUAL_FATAL(m.host_start_s.n_samples, m.cold_start_s.n_samples);
    CU_ASSERT_EQUAL(m.host_start_s.samples[0], m.cold_start_s.samples[0]);
    CU_ASSERT(!m.has_idle); /* --long-gap-ms 0 */
    /* The host's speed: the timed rounds' own factors (at least one
     * window), then a factor per 1 s window of the 2 s probe (each
     * window's median over the median of the profile's 3 batch-4 samples,
     * as written: divided by their rounds' factors; so the probe's
     * factors' mean x that median = the mean of the windows' medians, to
     * the digits written), a hold from one window to 10 x the probe. */
    CU_ASSERT_FATAL(m.has_speed);
    CU_ASSERT_EQUAL(m.speed_factor.kind, DIST_EMPIRICAL);
    size_t n_speed = m.speed_factor.n_samples;
    CU_ASSERT_FATAL(n_speed >= 3);
    double sum = 0, ref_ms = 0;
    for (size_t i = 0; i < n_speed; i++) {
        CU_ASSERT(m.speed_factor.samples[i] > 0);
        if (i >= n_speed - 2)
            sum += m.speed_factor.samples[i];
    }
    CU_ASSERT_EQUAL_FATAL(m.by_size[4].n_samples, 3);
    const double *b4 = m.by_size[4].samples;
    ref_ms = 1e3 * (b4[0] + b4[1] + b4[2] - fmin(b4[0], fmin(b4[1], b4[2])) - fmax(b4[0], fmax(b4[1], b4[2])));
    CU_ASSERT(m.speed_hold_s >= 1.0 && m.speed_hold_s <= 20.0);
    /* Stalls, if the probe met any: each more than 0.5 ms. */
    CU_ASSERT(m.stall_probability >= 0 && m.stall_probability <= 1);
    CU_ASSERT(m.has_stall == (m.stall_probability > 0));
    if (m.has_stall && m.stall_s.kind == DIST_EMPIRICAL) {
        for (size_t i = 0; i < m.stall_s.n_samples; i++)
            CU_ASSERT(m.stall_s.samples[i] > 0.5e-3);
    }
    CU_ASSERT_DOUBLE_EQUAL(m.speed_window_s, 1.0, 1e-12);
    /* The wake-up probe: one 2 s window, a share from 0 to 1, two
     * wake-ups an invocation; stalls, if any, more than 0.5 ms. */
    CU_ASSERT_EQUAL(m.wake_probability.kind, DIST_EMPIRICAL);
    CU_ASSERT_EQUAL_FATAL(m.wake_probability.n_samples, 1);
    CU_ASSERT(m.wake_probability.samples[0] >= 0 && m.wake_probability.samples[0] <= 1);
    CU_ASSERT(m.has_wake == (m.wake_probability.samples[0] > 0));
    CU_ASSERT_EQUAL(m.wake_per_invocation, PROFILE_WAKE_PER_INVOCATION);
    if (m.wake_s.kind == DIST_EMPIRICAL)
        for (size_t i = 0; i < m.wake_s.n_samples; i++)
            CU_ASSERT(m.wake_s.samples[i] > 0.5e-3);
    model_fini(&m);

    /* The machine is named in sources. */
    char *text = testutil_read_file(out);
    CU_ASSERT_FATAL(text != NULL);
    TESTUTIL_ASSERT_CONTAINS(text, "\"stall\": {\"probability\": ");
    const char *probe = strstr(text, "\"mean_ms\": ");
    CU_ASSERT_FATAL(probe != NULL);
    double probe_ms = strtod(probe + strlen("\"mean_ms\": "), NULL);
    CU_ASSERT_DOUBLE_EQUAL(sum / 2 * ref_ms, probe_ms, 1e-3 * probe_ms + 1e-4);
    CU_ASSERT(strstr(text, "\"machine\": \"measured on Linux") != NULL);
    CU_ASSERT(strstr(text, "\"dist\": \"empirical\"") != NULL);

    /* `run` accepts it. */
    snprintf(cmd, sizeof cmd, "%s run scenarios/paper-uniform.json --json "
             "--set function.model=%s --set batching.max_batch=4 "
             "--set function.memory_mb=1769", testutil_bin(), out);
    char *o = NULL;
    err = NULL;
    rc = testutil_run(cmd, &o, &err);
    if (rc != 0)
        fprintf(stderr, "\n  %s", err);
    CU_ASSERT_EQUAL(rc, 0);
    CU_ASSERT(o != NULL && strstr(o, "\"latency_ms\"") != NULL);
    free(o);
    free(err);

    /* No overwrite without --force; the file is untouched. */
    rc = profile(args, &err);
    CU_ASSERT_EQUAL(rc, 1);
    CU_ASSERT(err != NULL && strstr(err, "already exists; pass --force") != NULL);
    free(err);
    char *again = testutil_read_file(out);
    CU_ASSERT(again != NULL && strcmp(again, text) == 0);
    free(again);
    snprintf(args, sizeof args, "-o %s --force " TINY, out);
    CU_ASSERT_EQUAL(profile(args, NULL), 0);
    free(text);
    unlink(out);
    rmdir(dir);
    free(dir);
}

static void test_profile_bad_inputs(void)
{
    char *dir = testutil_temp_dir();
    char out[1024], args[2048];
    snprintf(out, sizeof out, "%s/p.json", dir);
    char *err = NULL;

    char *bad = testutil_temp_file("garbage", ".bin");
    snprintf(args, sizeof args, "-o %s --weights %s " TINY, out, bad);
    CU_ASSERT_EQUAL(profile(args, &err), 2);
    CU_ASSERT(err != NULL && strstr(err, "wrong magic") != NULL);
    CU_ASSERT(!testutil_exists(out));                  /* whole or nothing */
    free(err);

    snprintf(args, sizeof args, "-o %s --digits %s " TINY, out, bad);
    CU_ASSERT_EQUAL(profile(args, &err), 2);
    CU_ASSERT(err != NULL && strstr(err, "not a lambdasim digits file") != NULL);
    CU_ASSERT(!testutil_exists(out));
    free(err);

    snprintf(args, sizeof args, "-o %s --worker /nonexistent/w " TINY, out);
    CU_ASSERT_EQUAL(profile(args, &err), 2);
    CU_ASSERT(err != NULL && strstr(err, "/nonexistent/w: not an executable worker") != NULL);
    CU_ASSERT(!testutil_exists(out));
    free(err);

    /* A worker that fails at run time (here: not a worker at all). */
    snprintf(args, sizeof args, "-o %s --worker /bin/true " TINY, out);
    CU_ASSERT_EQUAL(profile(args, &err), 1);
    CU_ASSERT(err != NULL && strstr(err, "exited with status 0") != NULL);
    CU_ASSERT(!testutil_exists(out));
    free(err);

    CU_ASSERT_EQUAL(profile("--max-batch 0", &err), 2);
    CU_ASSERT(err != NULL && strstr(err, "--max-batch: expected a whole number from 1 to 4096") != NULL);
    free(err);
    CU_ASSERT_EQUAL(profile("--repetitions", &err), 2);
    CU_ASSERT(err != NULL && strstr(err, "needs a value") != NULL);
    free(err);
    CU_ASSERT_EQUAL(profile("--gap-ms 20000", &err), 2);
    CU_ASSERT(err != NULL && strstr(err, "--gap-ms: expected a whole number from 0 to 10000") != NULL);
    free(err);
    CU_ASSERT_EQUAL(profile("--speed-probe-s 4000", &err), 2);
    CU_ASSERT(err != NULL && strstr(err, "--speed-probe-s: expected a whole number from 0 to 3600") != NULL);
    free(err);
    CU_ASSERT_EQUAL(profile("--wake-probe-s -1", &err), 2);
    CU_ASSERT(err != NULL && strstr(err, "--wake-probe-s: expected a whole number from 0 to 3600") != NULL);
    free(err);
    CU_ASSERT_EQUAL(profile("--bogus", &err), 2);
    CU_ASSERT(err != NULL && strstr(err, "unknown option '--bogus'") != NULL);
    free(err);
    CU_ASSERT_EQUAL(profile("stray", &err), 2);
    CU_ASSERT(err != NULL && strstr(err, "unexpected argument 'stray'") != NULL);
    free(err);
    snprintf(args, sizeof args, "-o %s " TINY, WEIGHTS);
    CU_ASSERT_EQUAL(profile(args, &err), 2);
    CU_ASSERT(err != NULL && strstr(err, "refusing to overwrite") != NULL);
    free(err);

    char cmd[1024];
    snprintf(cmd, sizeof cmd, "%s profile --help", testutil_bin());
    char *o = NULL;
    CU_ASSERT_EQUAL(testutil_run(cmd, &o, NULL), 0);
    CU_ASSERT(o != NULL && strstr(o, "Usage: lambdasim profile") != NULL);
    free(o);
    unlink(bad);
    free(bad);
    rmdir(dir);
    free(dir);
}

static void test_measure_options(void)
{
    struct profile_options o = {
        .worker_path = testutil_worker_bin(), .weights_path = WEIGHTS, .digits_path = DIGITS,
        .max_batch = 0, .repetitions = 1, .cold_starts = 1, .warmup = 0,
    };
    struct profile_result r;
    char msg[512];
    CU_ASSERT_EQUAL(profile_measure(&o, &r, msg, sizeof msg), PROFILE_ERR_INPUT);
    CU_ASSERT(strstr(msg, "--max-batch: must be 1..4096 (got 0)") != NULL);
    CU_ASSERT(r.inference_ms == NULL && r.cold_start_ms == NULL);
    o.max_batch = 1;
    o.repetitions = 0;
    CU_ASSERT_EQUAL(profile_measure(&o, &r, msg, sizeof msg), PROFILE_ERR_INPUT);
    CU_ASSERT(strstr(msg, "--repetitions") != NULL);
    o.repetitions = 2;
    o.gap_ms = -1;
    CU_ASSERT_EQUAL(profile_measure(&o, &r, msg, sizeof msg), PROFILE_ERR_INPUT);
    CU_ASSERT(strstr(msg, "--gap-ms: must be 0..10000 (got -1)") != NULL);
    /* Each timed batch waits for an idle worker: 2 batches, >= 2 x 25 ms. */
    o.gap_ms = 25;
    o.cold_starts = 2;
    double t0 = testutil_now_s();
    CU_ASSERT_EQUAL(profile_measure(&o, &r, msg, sizeof msg), PROFILE_OK);
    CU_ASSERT(testutil_now_s() - t0 >= 0.05);
    CU_ASSERT_EQUAL(r.n_cold, 2);
    CU_ASSERT_EQUAL(r.n_overhead, 2);
    CU_ASSERT(r.accuracy > 0.9);
    CU_ASSERT(r.worker_rss_mb > 0);
    CU_ASSERT(strstr(r.machine, "Linux") != NULL);
    /* The writer's output loads as a model. */
    char *path = testutil_temp_file("", ".json");
    FILE *f = fopen(path, "w");
    CU_ASSERT_FATAL(f != NULL);
    profile_write_json(f, "direct \"quoted\"", &o, &r);
    fclose(f);
    char *text = testutil_read_file(path);
    CU_ASSERT(text != NULL && strstr(text, "sent after the worker had been idle 25 ms") != NULL);
    free(text);
    struct model_profile m;
    CU_ASSERT_EQUAL(config_load_model(path, &m, msg, sizeof msg), CONFIG_OK);
    CU_ASSERT_STRING_EQUAL(m.name, "direct \"quoted\"");
    CU_ASSERT_EQUAL(m.table_max, 1);
    CU_ASSERT_DOUBLE_EQUAL(m.by_size[1].samples[1], r.inference_ms[1] * 1e-3, 1e-6);
    model_fini(&m);
    profile_result_fini(&r);
    CU_ASSERT(r.inference_ms == NULL);
    unlink(path);
    free(path);
}

/* A batch during which the worker waited for a CPU is measured again: with
 * this process (and so its workers) and a busy loop pinned to one CPU, the
 * loop takes that CPU from the worker in the middle of batches. */
static void test_preempted_batches_retried(void)
{
    cpu_set_t old, one;
    CU_ASSERT_FATAL(sched_getaffinity(0, sizeof old, &old) == 0);
    CPU_ZERO(&one);
    for (size_t c = 0; c < (size_t)CPU_SETSIZE; c++)
        if (CPU_ISSET(c, &old)) {
            CPU_SET(c, &one);
            break;
        }
    CU_ASSERT_FATAL(sched_setaffinity(0, sizeof one, &one) == 0);
    pid_t spin = fork();
    CU_ASSERT_FATAL(spin >= 0);
    if (spin == 0) {
        for (volatile unsigned long i = 0;; i++) {
        }
    }
    struct profile_options o = {
        .worker_path = testutil_worker_bin(), .weights_path = WEIGHTS, .digits_path = DIGITS,
        .max_batch = 32, .repetitions = 3, .cold_starts = 1, .warmup = 0,
    };
    struct profile_result r;
    char msg[512];
    int st = profile_measure(&o, &r, msg, sizeof msg);
    kill(spin, SIGKILL);
    waitpid(spin, NULL, 0);
    CU_ASSERT(sched_setaffinity(0, sizeof old, &old) == 0);
    CU_ASSERT_FATAL(st == PROFILE_OK);
    if (r.preempt_unknown)
        testutil_skip("this kernel keeps no run-queue times (/proc/PID/schedstat)");
    else
        CU_ASSERT(r.preempted_retried + r.preempted_kept > 0);
    profile_result_fini(&r);
}

/* --long-gap-ms: the idle penalty is measured and loads back: its two
 * gaps as asked, a non-negative fit, and the medians it came from
 * (batch 1 and the largest, after the short and the long gap). */
static void test_idle_penalty_measured(void)
{
    char *dir = testutil_temp_dir();
    char out[1024], args[2048];
    snprintf(out, sizeof out, "%s/idle.json", dir);
    snprintf(args, sizeof args, "-o %s --max-batch 4 --repetitions 3 --cold-starts 2 --warmup 1 --gap-ms 5 "
             "--long-gap-ms 60 --burst-starts 3 --share-jobs %ld --quiet", out, sysconf(_SC_NPROCESSORS_ONLN) + 1);
    struct model_profile m;
    profile_and_load(args, out, &m);
    CU_ASSERT_FATAL(m.has_idle);
    /* Simultaneous starts, as asked. */
    CU_ASSERT_FATAL(m.has_start_burst);
    CU_ASSERT_EQUAL(m.start_burst_n, 3);
    CU_ASSERT(m.start_burst_factor >= 0.1 && m.start_burst_factor <= 100);
    /* The sharing efficiency, as asked: one job more than the CPUs. */
    CU_ASSERT_FATAL(m.has_share);
    CU_ASSERT_EQUAL(m.share_jobs, sysconf(_SC_NPROCESSORS_ONLN) + 1);
    CU_ASSERT_EQUAL(m.share_cores, sysconf(_SC_NPROCESSORS_ONLN));
    CU_ASSERT(m.share_efficiency >= 0.05 && m.share_efficiency <= 1);
    CU_ASSERT_DOUBLE_EQUAL(m.idle_short_s, 0.005, 1e-12);
    CU_ASSERT_DOUBLE_EQUAL(m.idle_long_s, 0.060, 1e-12);
    CU_ASSERT(m.idle_wake_s >= 0 && m.idle_wake_s < 1.0);
    CU_ASSERT(m.idle_slowdown >= 0 && m.idle_slowdown < 100);
    /* What the fit below needs (model_fini zeroes the profile). */
    struct model_profile shared = { .has_share = true, .share_jobs = m.share_jobs, .share_cores = m.share_cores,
                                    .share_efficiency = m.share_efficiency, .share_quantum_s = m.share_quantum_s };
    CU_ASSERT(m.share_quantum_s >= 0);
    double factor = m.start_burst_factor, spawn_s = m.start_spawn_s, idle_start_s = m.idle_start_s;
    /* Measured here: its costs are the host's own (emulate runs them, and
     * does not wait out draws of them). */
    CU_ASSERT(model_costs_are_host(&m));
    model_fini(&m);
    char *text = testutil_read_file(out);
    CU_ASSERT(text != NULL && strstr(text, "\"measured\": {\"batch_1_ms\": [") != NULL
              && strstr(text, "\"batch_4_ms\": [") != NULL);
    /* Stalls after the long gap: counted out of 2 sizes x 8 samples, the
     * probability their share. */
    const char *after = text != NULL ? strstr(text, "\"after_long_gap\": ") : NULL;
    const char *prob_at = text != NULL ? strstr(text, "\"stall_probability\": ") : NULL;
    size_t n_after = 0, n_stalled = 0;
    double prob = NAN;
    CU_ASSERT_FATAL(after != NULL && prob_at != NULL
                    && sscanf(after, "\"after_long_gap\": %zu, \"stalled\": %zu", &n_after, &n_stalled) == 2
                    && sscanf(prob_at, "\"stall_probability\": %lf", &prob) == 1);
    CU_ASSERT_EQUAL(n_after, 16);
    CU_ASSERT(n_stalled <= n_after);
    CU_ASSERT_DOUBLE_EQUAL(prob, (double)n_stalled / 16.0, 1e-4);
    /* The starts' idle penalty: 8 starts after the long gap, whose median
     * over the lone starts' median (after the short gap) is start_ms, at
     * least 0, as read back. */
    const char *st = text != NULL ? strstr(text, "\"start_ms\": [") : NULL;
    const char *st_fit = text != NULL ? strstr(text, "\"slowdown\": ") : NULL;
    double st_short = NAN, st_long = NAN, st_extra = NAN;
    size_t n_starts = 0;
    CU_ASSERT_FATAL(st != NULL && st_fit != NULL
                    && sscanf(st, "\"start_ms\": [%lf, %lf], \"starts_after_long_gap\": %zu", &st_short, &st_long,
                              &n_starts) == 3
                    && (st_fit = strstr(st_fit, "\"start_ms\": ")) != NULL
                    && sscanf(st_fit, "\"start_ms\": %lf", &st_extra) == 1);
    CU_ASSERT_EQUAL(n_starts, PROFILE_IDLE_REPETITIONS);
    CU_ASSERT(st_short > 0 && st_long > 0);
    CU_ASSERT_DOUBLE_EQUAL(st_extra, st_long > st_short ? st_long - st_short : 0, 2e-4);
    CU_ASSERT_DOUBLE_EQUAL(idle_start_s * 1e3, st_extra, 1e-4);
    /* Stalled lone starts were timed again, and the count is given. */
    TESTUTIL_ASSERT_CONTAINS(text, " lone starts timed again because they stalled (more than 0.5 ms and 50 % over");
    /* The written factor is the fit of the written burst: its makespan,
     * the lone start, the share's cores and efficiency (4 digits each). */
    const char *mk = text != NULL ? strstr(text, "\"makespan_ms\": ") : NULL;
    const char *one = text != NULL ? strstr(text, "\"single_ms\": ") : NULL;
    double makespan = NAN, single = NAN;
    CU_ASSERT_FATAL(mk != NULL && one != NULL && sscanf(mk, "\"makespan_ms\": %lf", &makespan) == 1
                    && sscanf(one, "\"single_ms\": %lf", &single) == 1);
    /* The spawner's time per start: forked one after another, the last
     * fork returns before the last READY line, so it is above 0 and below
     * the makespan's share of each start. */
    const char *sp = text != NULL ? strstr(text, "\"spawn_in_burst_ms\": ") : NULL;
    double spawn = NAN;
    CU_ASSERT_FATAL(sp != NULL && sscanf(sp, "\"spawn_in_burst_ms\": %lf", &spawn) == 1);
    CU_ASSERT(spawn > 0 && spawn * 3 <= makespan);
    /* The starts were timed in cgroups exactly when this host has a usable
     * cpu controller, as emulate's run in them then. */
    struct cpucap cap;
    char why[256];
    bool has_cgroup = cpucap_open(&cap, why, sizeof why) == 0;
    cpucap_close(&cap);
    TESTUTIL_ASSERT_CONTAINS(text, has_cgroup ? "\"cgroup\": true" : "\"cgroup\": false");
    double fit_spawn_ms = NAN;
    double fit = profile_fit_start_burst(&shared, 3, shared.share_cores, single, makespan, spawn, &fit_spawn_ms);
    CU_ASSERT_DOUBLE_EQUAL(factor, fit, 2e-4 * fit + 1e-4);
    /* The start-up thread's part, as read back: within the lone start. */
    CU_ASSERT_DOUBLE_EQUAL(spawn_s * 1e3, fit_spawn_ms, 2e-4 * fit_spawn_ms + 1e-4);
    CU_ASSERT(fit_spawn_ms > 0 && fit_spawn_ms <= single);
    /* The share's answers were each timed as they came: their mean is at
     * most the last one's time (medians over the rounds of each, so the
     * order holds round by round and so for the medians). */
    const char *share = text != NULL ? strstr(text, "\"share\": {") : NULL;
    const char *mean_at = share != NULL ? strstr(share, "\"mean_answer_ms\": ") : NULL;
    const char *last_at = share != NULL ? strstr(share, "\"makespan_ms\": ") : NULL;
    double mean_answer = NAN, last_answer = NAN;
    CU_ASSERT_FATAL(mean_at != NULL && last_at != NULL
                    && sscanf(mean_at, "\"mean_answer_ms\": %lf", &mean_answer) == 1
                    && sscanf(last_at, "\"makespan_ms\": %lf", &last_answer) == 1);
    CU_ASSERT(mean_answer > 0 && mean_answer <= last_answer);
    /* Every answer's median, one per job, in order (the i-th answer of a
     * round is no later than its (i+1)-th, so their medians are too), the
     * last no later than the makespan (read after it). */
    const char *ans = share != NULL ? strstr(share, "\"answers_ms\": [") : NULL;
    CU_ASSERT_FATAL(ans != NULL);
    ans += strlen("\"answers_ms\": [");
    double prev = 0, a = NAN;
    long n_ans = 0;
    int used = 0;
    while (sscanf(ans, "%lf%n", &a, &used) == 1) {
        CU_ASSERT(a >= prev);
        prev = a;
        n_ans++;
        ans += used;
        if (*ans == ',')
            ans++;
    }
    CU_ASSERT_EQUAL(n_ans, sysconf(_SC_NPROCESSORS_ONLN) + 1);
    CU_ASSERT(prev > 0 && prev <= last_answer + 1e-4);
    free(text);
    /* The long gap must be longer than the short one. */
    snprintf(args, sizeof args, "-o %s/x.json --gap-ms 50 --long-gap-ms 50 --quiet", dir);
    char *err = NULL;
    CU_ASSERT_EQUAL(profile(args, &err), 2);
    CU_ASSERT(err != NULL && strstr(err, "--long-gap-ms: must be 0 (not measured) or more than --gap-ms (50)") != NULL);
    free(err);
    snprintf(args, sizeof args, "-o %s/x.json --burst-starts 1 --quiet", dir);
    err = NULL;
    CU_ASSERT_EQUAL(profile(args, &err), 2);
    CU_ASSERT(err != NULL && strstr(err, "--burst-starts: must be 0 (not measured) or 2..1024 (got 1)") != NULL);
    free(err);
    testutil_remove_dir(dir);
}

/* profile_fit_start_burst, by hand, then through the simulator. On 2
 * cores with efficiency 0.6 measured at 4 jobs: 5 starts of 5 ms alone
 * that took 20 ms together did 20 x 2 x 0.6 / (5 x 5) = 0.96 of a lone
 * start's work each; 2 starts on 2 cores share nothing, so 7.5 ms is a
 * factor of 1.5; no share measured counts as efficiency 1. Then the fitted
 * factor, given to the simulator with the same cores and efficiency, ends
 * the 5 simultaneous starts (no inference) at the measured makespan:
 * the factor is what the simulator needs to reproduce the burst, not a
 * CPU-time ratio that sharing would compound. */
/* profile_fit_wake against its definition, on made-up wake-ups: 5 s of
 * probe, 1000 wake-ups (200 a second) 0.1 ms late; in the first 2 s
 * window 4 of them 2.1 ms late (2 ms stalls), in the second none, in the
 * third (the last 1 s, half a window or more: a window of its own) one
 * 10.1 ms late, and one 0.55 ms late (0.45 ms over the median: not a
 * stall). Shares 4/400, 0/400, 1/200; excesses 2, 2, 2, 2, 10 ms. */
static void test_fit_wake(void)
{
    const size_t n = 1000;
    double late[1000], at[1000];
    for (size_t i = 0; i < n; i++) {
        at[i] = (double)i / 200.0;
        late[i] = 0.1;
    }
    late[10] = late[20] = late[30] = late[399] = 2.1;
    late[900] = 10.1;
    late[500] = 0.55;
    struct profile_result r;
    memset(&r, 0, sizeof r);
    profile_fit_wake(late, at, n, 5.0, &r);
    CU_ASSERT_EQUAL(r.wake_wakes, n);
    CU_ASSERT_DOUBLE_EQUAL(r.wake_median_ms, 0.1, 1e-12);
    CU_ASSERT_EQUAL_FATAL(r.n_wake_windows, 3);
    CU_ASSERT_DOUBLE_EQUAL(r.wake_windows[0], 4.0 / 400.0, 1e-12);
    CU_ASSERT_DOUBLE_EQUAL(r.wake_windows[1], 0.0, 1e-12);
    CU_ASSERT_DOUBLE_EQUAL(r.wake_windows[2], 1.0 / 200.0, 1e-12);
    CU_ASSERT_EQUAL_FATAL(r.n_wake_stall, 5);
    double sum = 0;
    for (size_t i = 0; i < r.n_wake_stall; i++)
        sum += r.wake_stall_ms[i];
    CU_ASSERT_DOUBLE_EQUAL(sum, 18.0, 1e-9);
    profile_result_fini(&r);

    /* 4.9 s: the last 0.9 s joins the window before (two windows). */
    memset(&r, 0, sizeof r);
    profile_fit_wake(late, at, 980, 4.9, &r);
    CU_ASSERT_EQUAL_FATAL(r.n_wake_windows, 2);
    CU_ASSERT_DOUBLE_EQUAL(r.wake_windows[1], 1.0 / 580.0, 1e-12);
    profile_result_fini(&r);
}

static void test_fit_start_burst(void)
{
    struct model_profile m = { .has_share = true, .share_jobs = 4, .share_cores = 2, .share_efficiency = 0.6 };
    double sp = -1;
    CU_ASSERT_DOUBLE_EQUAL(profile_fit_start_burst(&m, 5, 2, 5.0, 20.0, 0, &sp), 0.96, 1e-12);
    CU_ASSERT_EQUAL(sp, 0);
    CU_ASSERT_DOUBLE_EQUAL(profile_fit_start_burst(&m, 2, 2, 5.0, 7.5, 0, &sp), 1.5, 1e-12);
    struct model_profile none = { 0 };
    CU_ASSERT_DOUBLE_EQUAL(profile_fit_start_burst(&none, 5, 2, 5.0, 20.0, 0, &sp), 1.6, 1e-12);
    CU_ASSERT_DOUBLE_EQUAL(profile_fit_start_burst(&m, 5, 2, 5.0, 1e-6, 0, &sp), 0.1, 0);
    CU_ASSERT_DOUBLE_EQUAL(profile_fit_start_burst(&m, 5, 2, 5.0, 1e9, 0, &sp), 100, 0);
    CU_ASSERT(isnan(profile_fit_start_burst(&m, 5, 2, 0.0, 20.0, 0, &sp)));
    CU_ASSERT(isnan(profile_fit_start_burst(&m, 0, 2, 5.0, 20.0, 0, &sp)));
    /* Spawned: on 3 cores that nothing shares, starts of 5 ms spawned 1 ms
     * each end at 5, 6, 7 ms with factor 1, the last spawn at 3 ms; a
     * burst that ended at 7 ms with spawns of 1 ms each fits both back. */
    double ends[3], spawn_ends[3];
    profile_burst_ends(&none, 3, 3, 1.0, 4.0, 0, ends, spawn_ends);
    for (size_t i = 0; i < 3; i++) {
        CU_ASSERT_DOUBLE_EQUAL(ends[i], 5.0 + (double)i, 1e-9);
        CU_ASSERT_DOUBLE_EQUAL(spawn_ends[i], 1.0 + (double)i, 1e-9);
    }
    CU_ASSERT_DOUBLE_EQUAL(profile_fit_start_burst(&none, 3, 3, 5.0, 7.0, 1.0, &sp), 1.0, 1e-9);
    CU_ASSERT_DOUBLE_EQUAL(sp, 1.0, 1e-9);

    /* The same through the simulator, under processor sharing and in turns
     * of 2 ms (less than a start: the starts take the cores in turns) and
     * of 40 ms (more: first come first served, two at a time). */
    const double makespan_ms[] = { 12.0, 20.0, 31.0, 12.0, 20.0, 31.0, 12.0, 20.0, 31.0 };
    const double quantum_s[] = { 0, 0, 0, 0.002, 0.002, 0.002, 0.040, 0.040, 0.040 };
    const double together[] = { 0, 0, 0, 0, 0 };
    for (size_t c = 0; c < 2 * sizeof makespan_ms / sizeof makespan_ms[0]; c++) {
        /* The second round with a start-up thread, whose spawns took 1.5
         * ms a start in the burst (profile_burst_ends). */
        size_t mc = c % (sizeof makespan_ms / sizeof makespan_ms[0]);
        bool spawner = c >= sizeof makespan_ms / sizeof makespan_ms[0];
        struct scenario sc;
        fixture_scenario(&sc, together, 5, 0.005, 0.0);
        sc.function.memory_mb = 1769;
        sc.function.model.memory_mb = 1769;
        sc.platform.host_cores = 2;
        struct model_profile *mp = &sc.function.model;
        mp->has_share = true;
        mp->share_jobs = 4;
        mp->share_cores = 2;
        mp->share_efficiency = 0.6;
        mp->share_quantum_s = quantum_s[mc];
        mp->has_start_burst = true;
        mp->start_burst_n = 5;
        double spawn_ms = 0;
        mp->start_burst_factor = profile_fit_start_burst(mp, 5, 2, 5.0, makespan_ms[mc], spawner ? 1.5 : 0, &spawn_ms);
        mp->start_spawn_s = spawn_ms / 1e3;
        CU_ASSERT(spawner ? spawn_ms > 0 && spawn_ms <= 5.0 : spawn_ms == 0);
        struct fixture_log log;
        struct engine_result res;
        fixture_run(&sc, &log, &res);
        CU_ASSERT_EQUAL(res.cold_starts.count, 5);
        double last_ms = 0, first_ms = INFINITY;
        for (size_t i = 0; i < 5; i++) {
            double end_ms = fixture_rec(&log, i)->end_s * 1e3;
            last_ms = end_ms > last_ms ? end_ms : last_ms;
            first_ms = end_ms < first_ms ? end_ms : first_ms;
            /* Processor sharing ends them together; turns, at the last. */
            if (quantum_s[mc] == 0 && !spawner)
                CU_ASSERT_DOUBLE_EQUAL(end_ms, makespan_ms[mc], 1e-6);
        }
        CU_ASSERT_DOUBLE_EQUAL(last_ms, makespan_ms[mc], 1e-6);
        /* Spawned one after another, they end one after another: the
         * first at least four spawns (the fitted part x factor, or longer
         * shared) before the last. */
        if (spawner)
            CU_ASSERT(last_ms - first_ms >= 4 * spawn_ms * mp->start_burst_factor - 1e-6);
        fixture_free(&sc, &log);
    }
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* profile_share_ends by hand (the cases of test_ps's round robin): four
 * unit jobs on two cores at full efficiency end at 2 under processor
 * sharing, at 1, 1, 2, 2 in turns of the whole work; three in turns of
 * half of it end at 1, 1.5, 1.5. Then it is the simulator's sharing: five
 * unit jobs started together on two cores at efficiency 0.7 (measured at
 * five), for processor sharing and three turns, end in the simulator
 * exactly when profile_share_ends says, so the efficiency and turn the
 * profile fits with it are the ones the simulator needs. */
static void test_share_ends(void)
{
    struct model_profile full = { .has_share = true, .share_jobs = 4, .share_cores = 2, .share_efficiency = 1 };
    double ends[5];
    profile_share_ends(&full, 4, 2, 0, ends);
    for (size_t i = 0; i < 4; i++)
        CU_ASSERT_DOUBLE_EQUAL(ends[i], 2.0, 1e-12);
    profile_share_ends(&full, 4, 2, 1, ends);
    const double fifo[] = { 1, 1, 2, 2 };
    for (size_t i = 0; i < 4; i++)
        CU_ASSERT_DOUBLE_EQUAL(ends[i], fifo[i], 1e-12);
    profile_share_ends(&full, 3, 2, 0.5, ends);
    const double rr[] = { 1, 1.5, 1.5 };
    for (size_t i = 0; i < 3; i++)
        CU_ASSERT_DOUBLE_EQUAL(ends[i], rr[i], 1e-12);

    const double quantum[] = { 0, 0.3, 0.5, 1 };
    const double together[] = { 0, 0, 0, 0, 0 };
    for (size_t c = 0; c < sizeof quantum / sizeof quantum[0]; c++) {
        struct scenario sc;
        fixture_scenario(&sc, together, 5, 0.0, 1.0);
        sc.function.memory_mb = 1769;
        sc.function.model.memory_mb = 1769;
        sc.platform.host_cores = 2;
        struct model_profile *mp = &sc.function.model;
        mp->has_share = true;
        mp->share_jobs = 5;
        mp->share_cores = 2;
        mp->share_efficiency = 0.7;
        mp->share_quantum_s = quantum[c];
        struct fixture_log log;
        struct engine_result res;
        fixture_run(&sc, &log, &res);
        double sim[5];
        for (size_t i = 0; i < 5; i++)
            sim[i] = fixture_rec(&log, i)->end_s;
        qsort(sim, 5, sizeof sim[0], cmp_double);
        profile_share_ends(mp, 5, 2, quantum[c], ends);
        for (size_t i = 0; i < 5; i++)
            CU_ASSERT_DOUBLE_EQUAL(sim[i], ends[i], 1e-9);
        fixture_free(&sc, &log);
    }
}

/* profile_fit_share on made-up rounds: 32 rounds of five jobs on two
 * cores, each the simulator's ends for a known turn and efficiency 0.8,
 * every round off by a drift of up to +-2 %. The fit finds the turn
 * (processor sharing, first come first served, half the work) and the
 * efficiency within 0.01, because the ends differ in shape between turns
 * far more than the drift moves them. */
static void test_fit_share(void)
{
    const double quantum[] = { 0, 1, 0.5 };
    enum { ROUNDS = 32, JOBS = 5 };
    for (size_t c = 0; c < sizeof quantum / sizeof quantum[0]; c++) {
        struct model_profile m = { .has_share = true, .share_jobs = JOBS, .share_cores = 2,
                                   .share_efficiency = 0.8 };
        double ends[JOBS], answers[ROUNDS * JOBS];
        profile_share_ends(&m, JOBS, 2, quantum[c], ends);
        for (size_t r = 0; r < ROUNDS; r++)
            for (size_t i = 0; i < JOBS; i++)
                answers[r * JOBS + i] = ends[i] * (1 + 0.01 * (double)((int)(r % 5) - 2));
        double q = -1;
        double e = profile_fit_share(answers, ROUNDS, JOBS, 2, 0.05, &q);
        printf("\n    turn %g: fitted turn %g, efficiency %.4f", quantum[c], q, e);
        CU_ASSERT_DOUBLE_EQUAL(q, quantum[c], 1e-12);
        CU_ASSERT_DOUBLE_EQUAL(e, 0.8, 0.01);
    }
}

/* profile_fit_speed on made-up windows (medians, ms) with reference 10 ms,
 * after 12 windows of rounds at factor 1:
 * - the probe steady at 10 ms, alternating +-0.1: factors about 1, the
 *   pooled lag-1 autocorrelation negative, so a hold of one window, no
 *   level shift;
 * - the probe steady at 14 ms, the same +-0.1: the two levels, each held,
 *   make the pooled autocorrelation high (0.926: a hold of 13 s, and the
 *   20 windows worth 0.77 independent ones), yet the level is 34 standard
 *   errors off the rounds': a shift, so the hold is the probe's 20 s;
 * - a slow drift from 10 to 11.9 ms: autocorrelated, so the 20 windows
 *   are worth few independent ones and the mean factor 1.095 is no shift
 *   (under 3 standard errors from the rounds'); the hold is what the
 *   autocorrelation says, -1 / ln rho. */
static void test_fit_speed(void)
{
    double w[20];
    struct profile_result r;
    for (int kind = 0; kind < 3; kind++) {
        for (size_t i = 0; i < 20; i++) {
            double wiggle = i % 2 ? 0.1 : -0.1;
            w[i] = kind == 0 ? 10 + wiggle : kind == 1 ? 14 + wiggle : 10 + 0.1 * (double)i;
        }
        memset(&r, 0, sizeof r);
        const double ones[12] = { 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1 };
        profile_fit_speed(&r, w, 20, 20.0, 10.0, ones, 12);
        CU_ASSERT_EQUAL_FATAL(r.n_speed, 32);
        CU_ASSERT_EQUAL(r.speed_reference_windows, 12);
        CU_ASSERT_EQUAL(r.speed_probe_windows, 20);
        for (size_t i = 0; i < 12; i++)
            CU_ASSERT_DOUBLE_EQUAL(r.speed_factor[i], 1.0, 0);
        CU_ASSERT_DOUBLE_EQUAL(r.speed_factor[12], w[0] / 10.0, 1e-12);
        CU_ASSERT_DOUBLE_EQUAL(r.speed_factor[31], w[19] / 10.0, 1e-12);
        char note[512];
        r.max_batch = 4;
        CU_ASSERT_EQUAL(profile_speed_shift_note(&r, note, sizeof note), kind == 1);
        if (kind == 1)
            CU_ASSERT_PTR_NOT_NULL(strstr(note, "batches of 4 took x1.40 the timed rounds' time"));
        if (kind == 0) {
            CU_ASSERT(r.speed_autocorrelation < 0);
            CU_ASSERT(!r.speed_shifted);
            CU_ASSERT_DOUBLE_EQUAL(r.speed_hold_s, 1.0, 1e-12);
        } else if (kind == 1) {
            CU_ASSERT(r.speed_autocorrelation > 0.9 && r.speed_autocorrelation < 0.95);
            CU_ASSERT(r.speed_shifted);
            CU_ASSERT(r.speed_level_z > 30 && r.speed_level_z < 40);
            CU_ASSERT_DOUBLE_EQUAL(r.speed_hold_s, 20.0, 1e-12);
        } else {
            CU_ASSERT(r.speed_autocorrelation > 0.8 && r.speed_autocorrelation < 0.99);
            CU_ASSERT(!r.speed_shifted);
            CU_ASSERT(r.speed_level_z > 0 && r.speed_level_z < 3);
            CU_ASSERT_DOUBLE_EQUAL(r.speed_hold_s, -1.0 / log(r.speed_autocorrelation), 1e-9);
        }
        free(r.speed_factor);
    }
    /* Identical windows at 14 ms: no spread, still a level apart. */
    for (size_t i = 0; i < 20; i++)
        w[i] = 14;
    memset(&r, 0, sizeof r);
    const double ones[3] = { 1, 1, 1 };
    profile_fit_speed(&r, w, 20, 20.0, 10.0, ones, 3);
    CU_ASSERT(r.speed_shifted);
    CU_ASSERT_DOUBLE_EQUAL(r.speed_hold_s, 20.0, 1e-12);
    free(r.speed_factor);
}

static void add_tests(CU_pSuite s)
{
    CU_add_test(s, "--long-gap-ms measures the idle penalty", test_idle_penalty_measured);
    CU_add_test(s, "a batch preempted by another job is measured again", test_preempted_batches_retried);
    CU_add_test(s, "profile writes a model that run accepts; no overwrite without --force",
                test_profile_writes_valid_model);
    CU_add_test(s, "profile: bad weights, digits, worker, options", test_profile_bad_inputs);
    CU_add_test(s, "profile_measure: options, results, JSON writer", test_measure_options);
    CU_add_test(s, "the host's speed: factors, hold, a level held apart", test_fit_speed);
    CU_add_test(s, "simultaneous starts: the factor that reproduces the measured burst", test_fit_start_burst);
    CU_add_test(s, "the host's wake-ups: stalls and their share per window", test_fit_wake);
    CU_add_test(s, "shared jobs: the simulator's ends, by hand and through it", test_share_ends);
    CU_add_test(s, "shared jobs: the turn and efficiency of made-up rounds", test_fit_share);
}

int main(void)
{
    return testutil_main("profile", add_tests);
}
