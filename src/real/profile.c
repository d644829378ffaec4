/* profile: times the real MNIST function through lambdasim-worker processes
 * and writes a model profile (see profile.h). */
#define _GNU_SOURCE /* gmtime_r, pthread_setaffinity_np */
#include "real/profile.h"

/* The lowest sharing efficiency written (measure_share). */
#define PROFILE_SHARE_EFFICIENCY_MIN 0.05

#include <assert.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "core/model.h"
#include "formats/jsonout.h"
#include "real/cpucap.h"
#include "real/mnist.h"
#include "real/spawner.h"
#include "base/version.h"
#include "real/worker_proto.h"
#include "base/xalloc.h"

#define READY_TIMEOUT_S 60.0
#define ANSWER_TIMEOUT_S 60.0
#define STOP_GRACE_S 5.0


static void progress(const struct profile_options *o, const char *stage, size_t done,
                     size_t total)
{
    if (o->progress != NULL)
        o->progress(o->progress_ctx, stage, done, total);
}

/* "Linux 6.1.0-18-amd64 x86_64, Intel(R) Xeon(R) ..., 2 CPUs" */
static void describe_machine(char *out, size_t len)
{
    struct utsname u;
    char cpu[256] = "unknown CPU";
    if (uname(&u) != 0)
        memset(&u, 0, sizeof u);
    FILE *f = fopen("/proc/cpuinfo", "r");
    if (f != NULL) {
        char line[512];
        while (fgets(line, sizeof line, f) != NULL) {
            if (strncmp(line, "model name", 10) != 0)
                continue;
            const char *c = strchr(line, ':');
            if (c == NULL)
                continue;
            c++;
            while (*c == ' ' || *c == '\t')
                c++;
            snprintf(cpu, sizeof cpu, "%s", c);
            cpu[strcspn(cpu, "\n")] = '\0';
            break;
        }
        fclose(f);
    }
    long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
    snprintf(out, len, "%s %s %s, %s, %ld CPUs", u.sysname, u.release, u.machine, cpu, ncpu);
}

/* Peak resident set of a process (VmHWM in /proc), MB; 0 when unknown. */
static double peak_rss_mb(long pid)
{
    char path[64], line[256];
    snprintf(path, sizeof path, "/proc/%ld/status", pid);
    FILE *f = fopen(path, "r");
    double kb = 0;
    if (f == NULL)
        return 0;
    while (fgets(line, sizeof line, f) != NULL) {
        if (strncmp(line, "VmHWM:", 6) == 0) {
            kb = strtod(line + 6, NULL);
            break;
        }
    }
    fclose(f);
    return kb / 1024.0;
}

static int check_options(const struct profile_options *o, char *msg, size_t msg_len)
{
    if (o->max_batch < 1 || o->max_batch > (int)WORKER_PROTO_MAX_BATCH) {
        worker_set_msg(msg, msg_len, "--max-batch: must be 1..%u (got %d)", WORKER_PROTO_MAX_BATCH,
                o->max_batch);
        return -1;
    }
    if (o->repetitions < 1 || o->repetitions > 1000000) {
        worker_set_msg(msg, msg_len, "--repetitions: must be 1..1000000 (got %d)", o->repetitions);
        return -1;
    }
    if (o->cold_starts < 1 || o->cold_starts > 1000000) {
        worker_set_msg(msg, msg_len, "--cold-starts: must be 1..1000000 (got %d)", o->cold_starts);
        return -1;
    }
    if (o->warmup < 0) {
        worker_set_msg(msg, msg_len, "warm-up: must be >= 0 (got %d)", o->warmup);
        return -1;
    }
    if (o->long_gap_ms < 0 || o->long_gap_ms > 10000 || (o->long_gap_ms > 0 && o->long_gap_ms <= o->gap_ms)) {
        worker_set_msg(msg, msg_len, "--long-gap-ms: must be 0 (not measured) or more than --gap-ms (%d) "
                       "and at most 10000 (got %d)", o->gap_ms, o->long_gap_ms);
        return -1;
    }
    if (o->burst_starts != 0 && (o->burst_starts < 2 || o->burst_starts > 1024)) {
        worker_set_msg(msg, msg_len, "--burst-starts: must be 0 (not measured) or 2..1024 (got %d)",
                       o->burst_starts);
        return -1;
    }
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    if (o->share_jobs != 0 && (o->share_jobs <= cpus || o->share_jobs > 1024)) {
        worker_set_msg(msg, msg_len, "--share-jobs: must be 0 (not measured) or more than the %ld CPUs and at "
                       "most 1024 (got %d): with no more jobs than CPUs nothing is shared", cpus, o->share_jobs);
        return -1;
    }
    if (o->speed_probe_s < 0 || o->speed_probe_s > 3600) {
        worker_set_msg(msg, msg_len, "--speed-probe-s: must be 0 (not measured) to 3600 (got %d)",
                       o->speed_probe_s);
        return -1;
    }
    if (o->wake_probe_s < 0 || o->wake_probe_s > 3600) {
        worker_set_msg(msg, msg_len, "--wake-probe-s: must be 0 (not measured) to 3600 (got %d)",
                       o->wake_probe_s);
        return -1;
    }
    if (o->gap_ms < 0 || o->gap_ms > 10000) {
        worker_set_msg(msg, msg_len, "--gap-ms: must be 0..10000 (got %d)", o->gap_ms);
        return -1;
    }
    return 0;
}

/* host.stall's rule, also host.idle's: a round trip that exceeds the
 * median of its kind by more than PROFILE_STALL_MIN_MS and
 * PROFILE_STALL_SHARE of that median met a stall of the host. */
static bool is_stall(double excess_ms, double median_ms)
{
    return excess_ms > PROFILE_STALL_MIN_MS && excess_ms > PROFILE_STALL_SHARE * median_ms;
}

static void sleep_ms(int ms)
{
    if (ms > 0) {
        struct timespec gap = { ms / 1000, (long)(ms % 1000) * 1000000L };
        nanosleep(&gap, NULL);
    }
}

/* Sleeps until due_s (worker_mono_s) as the emulator's loop waits for a
 * request: woken early by WORKER_WAKE_EARLY_PER_S of the sleep (a long
 * sleep comes back late in proportion to its length on a VM), then
 * spinning to the instant. Returns how late it is then (s): about 0, unless the
 * machine stalled meanwhile. */
static double sleep_until(double due_s)
{
    double left = due_s - worker_mono_s();
    left -= left * WORKER_WAKE_EARLY_PER_S + WORKER_WAKE_SPIN_S;
    if (left > 0) {
        struct timespec ts = { (time_t)left, (long)((left - (double)(time_t)left) * 1e9) };
        nanosleep(&ts, NULL);
    }
    double now;
    while ((now = worker_mono_s()) < due_s)
        ;
    return now - due_s;
}

/* /proc/PID/schedstat: time on a CPU and time waiting on a run queue
 * (ready but not running), ms; NAN when the kernel does not keep them (no
 * CONFIG_SCHED_INFO). */
static void schedstat_ms(long pid, double *on_cpu_ms, double *waited_ms)
{
    char path[64];
    snprintf(path, sizeof path, "/proc/%ld/schedstat", pid);
    FILE *f = fopen(path, "r");
    char line[128] = "";
    bool ok = f != NULL && fgets(line, sizeof line, f) != NULL;
    if (f != NULL)
        fclose(f);
    char *end = line, *end2 = line;
    unsigned long long on_cpu = ok ? strtoull(line, &end, 10) : 0;
    unsigned long long waited = ok && end != line ? strtoull(end, &end2, 10) : 0;
    ok = ok && end != line && end2 != end;
    *on_cpu_ms = ok ? (double)on_cpu * 1e-6 : (double)NAN;
    *waited_ms = ok ? (double)waited * 1e-6 : (double)NAN;
}

static double run_delay_ms(long pid)
{
    double cpu, waited;
    schedstat_ms(pid, &cpu, &waited);
    return waited;
}

static double start_cpu_ms(long pid)
{
    double cpu, waited;
    schedstat_ms(pid, &cpu, &waited);
    return cpu;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double mean_of(const double *v, size_t n)
{
    double s = 0;
    for (size_t i = 0; i < n; i++)
        s += v[i];
    return n > 0 ? s / (double)n : 0;
}

static double median_of(double *v, size_t n)
{
    qsort(v, n, sizeof *v, cmp_double);
    return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

/* The median of v[0..n) without reordering v (a copy is sorted). */
static double median_copy(const double *v, size_t n, double *scratch)
{
    memcpy(scratch, v, n * sizeof *v);
    return median_of(scratch, n);
}

/* out[i] = the median over rows r of rows[r * k + i], for i < k: the
 * medians of the first, second, ... value of `nr` rows of k. */
static void rank_medians(const double *rows, size_t nr, size_t k, double *out)
{
    double *col = xcalloc(nr, sizeof *col);
    for (size_t i = 0; i < k; i++) {
        for (size_t j = 0; j < nr; j++)
            col[j] = rows[j * k + i];
        out[i] = median_of(col, nr);
    }
    free(col);
}

/* A start's cgroup, as emulate gives one (emulate.c spawn_request): slot
 * `slot`'s, at one vCPU (a 1769 MB instance's init, cpucap_init_vcpus);
 * nothing (procs "") when the host has no usable cgroup. A start then
 * pays what emulate's pays between fork and exec (the cgroup join, a
 * kernel lock shared with every other start), so the profile times the
 * path the emulator runs. Returns 0, or -1 with a message. */
static int start_cgroup(struct cpucap *cap, uint32_t slot, char *procs, size_t procs_len, char *msg, size_t msg_len)
{
    procs[0] = '\0';
    if (cap->kind == CPUCAP_NONE)
        return 0;
    return cpucap_slot(cap, slot, cpucap_init_vcpus(1.0), procs, procs_len, msg, msg_len);
}

/* The starts' idle penalty (host.idle start_ms): the median start after
 * the long gap over the median after the profile's gap, kept
 * non-negative; 0 when not measured. */
static void fit_idle_start(struct profile_result *r)
{
    r->idle_start_ms = 0;
    if (r->n_idle_start == 0 || r->n_cold == 0)
        return;
    double *scratch = xmalloc(r->n_cold * sizeof *scratch);
    r->idle_start_short_ms = median_copy(r->cold_start_ms, r->n_cold, scratch);
    free(scratch);
    r->idle_start_long_median_ms = median_of(r->idle_start_long_ms, r->n_idle_start);
    double extra = r->idle_start_long_median_ms - r->idle_start_short_ms;
    r->idle_start_ms = extra > 0 ? extra : 0;
}

static bool start_stalled(double start_ms, double median_ms)
{
    double excess = start_ms - median_ms;
    return excess > PROFILE_STALL_MIN_MS && excess > PROFILE_START_STALL_SHARE * median_ms;
}

/* One timed start through the spawner, as emulate starts a cold instance
 * (spawner.h): its cgroup set up first (emulate does so before it starts
 * the clock), then from t0 (or from due_s when that is later: the instant
 * a gap ended, as emulate times a request from its scheduled send) to the
 * READY line; the worker stopped after. */
static int time_start(const struct profile_options *o, struct cpucap *cap, struct spawner *sp, uint64_t key,
                      double due_s, double *start_ms, double *spawn_ms, double *init_ms, double *cpu_ms, char *msg,
                      size_t msg_len)
{
    struct spawn_request q = { .key = key, .worker_path = o->worker_path, .weights_path = o->weights_path,
                               .cpu_share = 1 };
    if (start_cgroup(cap, 0, q.cgroup_procs, sizeof q.cgroup_procs, msg, msg_len) != 0)
        return -1;
    double t0 = worker_mono_s();
    if (due_s > 0 && due_s < t0)
        t0 = due_s;
    spawner_submit(sp, &q);
    struct spawn_result got;
    spawner_wait(sp, key, &got);
    if (got.rc != 0) {
        worker_set_msg(msg, msg_len, "%s", got.msg);
        return -1;
    }
    /* The starter's part: the spawner's fork and exec returned. */
    double t_spawned = worker_mono_s();
    long pid = 0;
    int rc = worker_client_wait_ready(&got.w, READY_TIMEOUT_S, &pid, init_ms, msg, msg_len);
    double t1 = worker_mono_s();
    *cpu_ms = rc == 0 ? start_cpu_ms((long)got.w.pid) : 0;
    worker_client_stop(&got.w, STOP_GRACE_S);
    *start_ms = (t1 - t0) * 1e3;
    *spawn_ms = (t_spawned - t0) * 1e3;
    return rc;
}

/* Times worker starts one after another, each after the profile's gap
 * idle, as a cold start meets the host between requests; then, with
 * --long-gap-ms, PROFILE_IDLE_REPETITIONS more after the long gap (the
 * starts' idle penalty). The gap matters: on the development VM a start
 * right after the previous one's stop took 2.7 ms, after 50 ms idle 3.2
 * and after 1 s 3.4 (a sleeping CPU woken, caches refilled); the emulator
 * meets starts after idle, never back to back. One untimed start first, so
 * that every timed one finds the executable and the weights in the page
 * cache, as a warm host would. */
static int measure_cold(const struct profile_options *o, struct cpucap *cap, struct profile_result *r, char *msg,
                        size_t msg_len)
{
    double init_sum = 0, cpu_sum = 0;
    double *spawn_ms = xcalloc((size_t)o->cold_starts, sizeof *spawn_ms);
    struct spawner *sp = NULL;
    if (spawner_create(&sp, msg, msg_len) != 0) {
        free(spawn_ms);
        return -1;
    }
    int rc = 0;
    uint64_t key = 0;
    for (int i = -1; i < o->cold_starts && rc == 0; i++) {
        double start_ms, spawned_ms, init_ms = 0, cpu_ms;
        if (i >= 0)
            sleep_ms(o->gap_ms);
        rc = time_start(o, cap, sp, key++, 0, &start_ms, &spawned_ms, &init_ms, &cpu_ms, msg, msg_len);
        if (rc != 0 || i < 0)
            continue;
        spawn_ms[i] = spawned_ms;
        r->cold_start_ms[r->n_cold++] = start_ms;
        init_sum += init_ms;
        cpu_sum += cpu_ms;
        progress(o, "cold start", (size_t)i + 1, (size_t)o->cold_starts);
    }
    /* Stalled starts timed again (PROFILE_START_STALL_SHARE). */
    double median_ms = 0;
    if (rc == 0 && r->n_cold > 0) {
        double *scratch = xmalloc(r->n_cold * sizeof *scratch);
        median_ms = median_copy(r->cold_start_ms, r->n_cold, scratch);
        free(scratch);
    }
    for (size_t i = 0; rc == 0 && i < r->n_cold; i++) {
        for (int k = 1; rc == 0 && start_stalled(r->cold_start_ms[i], median_ms); k++) {
            if (k == PROFILE_PREEMPT_TRIES) {
                r->starts_stalled_kept++;
                break;
            }
            double start_ms, spawned_ms, init_ms = 0, cpu_ms;
            sleep_ms(o->gap_ms);
            rc = time_start(o, cap, sp, key++, 0, &start_ms, &spawned_ms, &init_ms, &cpu_ms, msg, msg_len);
            if (rc != 0)
                break;
            r->cold_start_ms[i] = start_ms;
            spawn_ms[i] = spawned_ms;
            r->starts_retimed++;
        }
    }
    r->n_idle_start = 0;
    for (int k = 0; o->long_gap_ms > 0 && k < PROFILE_IDLE_REPETITIONS && rc == 0; k++) {
        double start_ms, spawned_ms, init_ms = 0, cpu_ms;
        double due_s = worker_mono_s() + o->long_gap_ms * 1e-3;
        (void)sleep_until(due_s);
        rc = time_start(o, cap, sp, key++, due_s, &start_ms, &spawned_ms, &init_ms, &cpu_ms, msg, msg_len);
        if (rc == 0)
            r->idle_start_long_ms[r->n_idle_start++] = start_ms;
        progress(o, "start after idle", (size_t)k + 1, PROFILE_IDLE_REPETITIONS);
    }
    spawner_destroy(sp);
    if (rc == 0) {
        r->worker_init_ms_mean = init_sum / (double)o->cold_starts;
        r->start_cpu_single_ms = cpu_sum / (double)o->cold_starts;
        r->spawn_alone_ms = median_of(spawn_ms, (size_t)o->cold_starts);
        fit_idle_start(r);
    }
    free(spawn_ms);
    return rc;
}

/* Bursts of burst_starts workers started at once, as the emulator starts
 * the instances of a burst (one after another from one loop, then all
 * loading together), each after the profile's gap. What the simulator
 * needs is the burst's makespan: a start among others took ~7 ms of CPU on
 * the development VM against ~4.5 ms alone (exec, page faults and the
 * loader contend in the kernel), but that CPU ratio times the sharing
 * efficiency measured on inference batches (host.share) predicted five
 * simultaneous starts on two cores at 1.45 x their real makespan; the
 * makespan itself fits the one multiplier that reproduces it
 * (profile_fit_start_burst). The spawner's time per start in the burst
 * (2-2.5 ms there, against 0.2 for a start alone: the forks, cgroup joins
 * and execs wait for the starts already loading) fits the start-up
 * thread's part of a start with it. The CPU times stay as provenance. */
static int measure_burst(const struct profile_options *o, struct cpucap *cap, struct profile_result *r, char *msg,
                         size_t msg_len)
{
    size_t k = (size_t)o->burst_starts;
    struct worker_client *w = xcalloc(k, sizeof *w);
    double cpu_sum = 0;
    double makespan_ms[PROFILE_BURST_REPETITIONS], spawn_ms[PROFILE_BURST_REPETITIONS];
    size_t n_cpu = 0;
    int rc = 0;
    /* Started as the emulator starts a run's cold starts: by a thread of
     * their own (spawner.h), one after another. */
    struct spawner *sp = NULL;
    if (spawner_create(&sp, msg, msg_len) != 0) {
        free(w);
        return -1;
    }
    for (int rep = 0; rep < PROFILE_BURST_REPETITIONS && rc == 0; rep++) {
        sleep_ms(o->gap_ms);
        double t0 = worker_mono_s();
        for (size_t i = 0; i < k && rc == 0; i++) {
            struct spawn_request q = { .key = i, .worker_path = o->worker_path, .weights_path = o->weights_path,
                                       .cpu_share = 1 };
            if (start_cgroup(cap, (uint32_t)i, q.cgroup_procs, sizeof q.cgroup_procs, msg, msg_len) != 0) {
                /* None submitted from here: wait only for those that were. */
                k = i;
                rc = -1;
                break;
            }
            spawner_submit(sp, &q);
        }
        size_t started = 0;
        for (size_t i = 0; i < k; i++) {
            struct spawn_result got;
            spawner_wait(sp, i, &got);
            if (got.rc != 0) {
                if (rc == 0)
                    worker_set_msg(msg, msg_len, "%s", got.msg);
                rc = -1;
                continue;
            }
            w[started++] = got.w;
        }
        /* The spawner forks in order: its last fork returned by now. */
        spawn_ms[rep] = (worker_mono_s() - t0) * 1e3 / (double)k;
        for (size_t i = 0; i < started && rc == 0; i++) {
            long pid = 0;
            double init_ms = 0;
            if (worker_client_wait_ready(&w[i], READY_TIMEOUT_S, &pid, &init_ms, msg, msg_len) != 0) {
                rc = -1;
                break;
            }
        }
        /* Read in start order: the last READY read is the last one sent
         * (a later worker ready sooner only waits in its pipe). */
        makespan_ms[rep] = (worker_mono_s() - t0) * 1e3;
        for (size_t i = 0; i < started; i++) {
            double cpu = rc == 0 ? start_cpu_ms((long)w[i].pid) : (double)NAN;
            if (isfinite(cpu)) {
                cpu_sum += cpu;
                n_cpu++;
            }
            worker_client_stop(&w[i], STOP_GRACE_S);
        }
        progress(o, "burst starts", (size_t)rep + 1, PROFILE_BURST_REPETITIONS);
    }
    spawner_destroy(sp);
    free(w);
    if (rc != 0)
        return -1;
    r->burst_measured = true;
    r->burst_makespan_ms = median_of(makespan_ms, PROFILE_BURST_REPETITIONS);
    r->burst_spawn_ms = median_of(spawn_ms, PROFILE_BURST_REPETITIONS);
    r->start_cpu_burst_ms = n_cpu == k * PROFILE_BURST_REPETITIONS ? cpu_sum / (double)n_cpu : (double)NAN;
    return 0;
}

/* The factor with which `starts` starts of alone_ms, the first spawn_ms of
 * each done by the start-up thread (0: none), end at makespan_ms; their
 * ends and the spawns' ends (when spawn_ms > 0) left in ends[] and
 * spawn_ends[]. */
static double fit_burst_factor(const struct model_profile *m, int starts, int cores, double alone_ms,
                               double makespan_ms, double spawn_ms, double *ends, double *spawn_ends)
{
    bool turns = m->has_share && m->share_quantum_s > 0 && starts > cores;
    if (spawn_ms > 0 || turns) {
        /* Starts spawned one after another, or cores taken in turns: the
         * burst ends when the last start ends (profile_burst_ends); more
         * work ends later, so bisect the factor (geometrically: it spans
         * 0.1..100). */
        double quantum_ms = m->has_share ? m->share_quantum_s * 1e3 : 0, lo = 0.1, hi = 100;
        double load_ms = alone_ms > spawn_ms ? alone_ms - spawn_ms : 0;
        for (int it = 0; it < 60; it++) {
            double mid = sqrt(lo * hi);
            profile_burst_ends(m, starts, cores, spawn_ms * mid, load_ms * mid, quantum_ms, ends, spawn_ends);
            if (ends[starts - 1] < makespan_ms)
                lo = mid;
            else
                hi = mid;
        }
        double factor = sqrt(lo * hi);
        profile_burst_ends(m, starts, cores, spawn_ms * factor, load_ms * factor, quantum_ms, ends, spawn_ends);
        return factor;
    }
    /* Processor sharing ends them together, in closed form. */
    double running = starts < cores ? starts : cores;
    double e = model_share_efficiency(m, (double)starts / (double)cores);
    return makespan_ms * running * e / ((double)starts * alone_ms);
}

double profile_fit_start_burst(const struct model_profile *m, int starts, int cores, double alone_ms,
                               double makespan_ms, double spawn_wall_ms, double *spawn_ms)
{
    *spawn_ms = 0;
    if (!(starts > 0 && cores > 0 && alone_ms > 0 && makespan_ms > 0))
        return (double)NAN;
    double *ends = xcalloc((size_t)starts, sizeof *ends), *spawn_ends = xcalloc((size_t)starts, sizeof *spawn_ends);
    double sp = 0;
    if (spawn_wall_ms > 0) {
        /* The thread's part of a start whose burst, refitted, spawns as
         * slowly as measured (the last spawn ended at starts x
         * spawn_wall_ms): a larger part spawns more slowly; bisect it
         * over 0..alone_ms (all of a start the thread's, at most). */
        double lo = 0, hi = alone_ms;
        for (int it = 0; it < 50; it++) {
            double mid = 0.5 * (lo + hi);
            fit_burst_factor(m, starts, cores, alone_ms, makespan_ms, mid, ends, spawn_ends);
            if (spawn_ends[starts - 1] < spawn_wall_ms * starts)
                lo = mid;
            else
                hi = mid;
        }
        sp = 0.5 * (lo + hi);
    }
    double factor = fit_burst_factor(m, starts, cores, alone_ms, makespan_ms, sp, ends, spawn_ends);
    free(ends);
    free(spawn_ends);
    *spawn_ms = sp;
    return factor < 0.1 ? 0.1 : factor > 100 ? 100 : factor;
}


/* Sleeps the idle gap before a timed request: the worker blocks for work,
 * as between real invocations (its caches go cold, the request has to
 * wake it). */
static void idle_gap(const struct profile_options *o)
{
    sleep_ms(o->gap_ms);
}

/* One timed ping (n = 0): what handing any request to a warm worker and
 * reading its answer costs this host, with no inference in it. */
static int time_ping(const struct profile_options *o, struct worker_client *w, long pid, uint64_t id,
                     struct profile_result *r, char *msg, size_t msg_len)
{
    struct worker_reply rep;
    uint8_t none[1];
    idle_gap(o);
    double t0 = worker_mono_s();
    if (worker_client_send(w, id, NULL, 0, msg, msg_len) != 0)
        return -1;
    int got = worker_client_recv(w, ANSWER_TIMEOUT_S, &rep, none, sizeof none, msg, msg_len);
    double t1 = worker_mono_s();
    if (got == 1)
        worker_set_msg(msg, msg_len, "worker %ld: no answer to a ping after %.0f s", pid, ANSWER_TIMEOUT_S);
    if (got != 0)
        return -1;
    if (rep.id != id || rep.n != 0) {
        worker_set_msg(msg, msg_len, "worker %ld: answered request %llu with %u labels, expected ping %llu",
                       pid, (unsigned long long)rep.id, (unsigned)rep.n, (unsigned long long)id);
        return -1;
    }
    r->dispatch_ms[r->n_dispatch++] = (t1 - t0) * 1e3;
    return 0;
}

/* One worker being timed: the buffers of a batch and the answers so far. */
struct timing {
    const struct profile_options *o;
    const struct mnist_digits *d;
    const uint8_t *expect;      /* in-process labels of the digits */
    struct worker_client w;
    long pid;
    uint8_t *batch, *labels;
    size_t *which;
    size_t next, correct, answered;
    uint64_t id;
};

/* Sends the next n digits, reads and checks the answer; *round_trip_ms is
 * the parent's send-to-answer time, *infer_ms the worker's own, *waited_ms
 * how long the worker was runnable but not running meanwhile (NAN when the
 * kernel does not say). */
static int time_batch(struct timing *t, size_t n, double *round_trip_ms, double *infer_ms,
                      double *waited_ms, char *msg, size_t msg_len)
{
    const struct mnist_digits *d = t->d;
    size_t maxb = (size_t)t->o->max_batch;
    /* The next n digits of the file, wrapping around. */
    for (size_t i = 0; i < n; i++) {
        t->which[i] = t->next;
        memcpy(t->batch + i * MNIST_PIXELS, d->pixels + t->next * MNIST_PIXELS, MNIST_PIXELS);
        t->next = (t->next + 1) % d->n;
    }
    struct worker_reply rep;
    double wait0 = run_delay_ms(t->pid);
    double t0 = worker_mono_s();
    if (worker_client_send(&t->w, t->id, t->batch, (uint32_t)n, msg, msg_len) != 0)
        return -1;
    int got = worker_client_recv(&t->w, ANSWER_TIMEOUT_S, &rep, t->labels, maxb, msg, msg_len);
    double t1 = worker_mono_s();
    *waited_ms = run_delay_ms(t->pid) - wait0;
    if (got == 1)
        worker_set_msg(msg, msg_len, "worker %ld: no answer after %.0f s", t->pid, ANSWER_TIMEOUT_S);
    if (got != 0)
        return -1;
    if (rep.id != t->id || rep.n != n) {
        worker_set_msg(msg, msg_len, "worker %ld: answered request %llu with %u labels, "
                "expected request %llu with %zu", t->pid, (unsigned long long)rep.id,
                (unsigned)rep.n, (unsigned long long)t->id, n);
        return -1;
    }
    t->id++;
    for (size_t i = 0; i < n; i++) {
        if (t->labels[i] != t->expect[t->which[i]]) {
            worker_set_msg(msg, msg_len, "worker %ld: digit %zu classified as %u, in-process "
                    "inference says %u", t->pid, t->which[i], (unsigned)t->labels[i],
                    (unsigned)t->expect[t->which[i]]);
            return -1;
        }
        t->correct += t->labels[i] == d->labels[t->which[i]];
    }
    t->answered += n;
    *round_trip_ms = (t1 - t0) * 1e3;
    *infer_ms = rep.infer_s * 1e3;
    return 0;
}

/* Reads the answers to batches id .. id + k - 1 sent to w[0..k) in the
 * order they come (poll), so that each one's time is its own, not the
 * time the one before it in w was read; done_ms[0..k) gets the answers'
 * times since t0 (ms) in the order they came. Returns 0, or -1 with a
 * message. */
static int recv_as_answered(struct worker_client *w, size_t k, uint64_t id, size_t n, struct worker_reply *rep,
                            uint8_t *labels, double t0, double *done_ms, char *msg, size_t msg_len)
{
    struct pollfd *pfd = xcalloc(k, sizeof *pfd);
    bool *done = xcalloc(k, sizeof *done);
    size_t left = k;
    int rc = 0;
    while (left > 0 && rc == 0) {
        for (size_t i = 0; i < k; i++)
            pfd[i] = (struct pollfd){ .fd = done[i] ? -1 : w[i].fd, .events = POLLIN };
        int ready = poll(pfd, (nfds_t)k, (int)(ANSWER_TIMEOUT_S * 1e3));
        if (ready <= 0) {
            if (ready == 0 || errno != EINTR) {
                worker_set_msg(msg, msg_len, "no answer to a shared batch of %zu within %g s", n,
                               (double)ANSWER_TIMEOUT_S);
                rc = -1;
            }
            continue;
        }
        for (size_t i = 0; i < k && rc == 0; i++) {
            if (done[i] || pfd[i].revents == 0)
                continue;
            int got = worker_client_recv(&w[i], ANSWER_TIMEOUT_S, rep, labels, n, msg, msg_len);
            if (got != 0 || rep->id != id + i || rep->n != n) {
                if (got >= 0)
                    worker_set_msg(msg, msg_len, "worker %ld: no answer or a wrong one to a batch of %zu",
                                   (long)w[i].pid, n);
                rc = -1;
                break;
            }
            done_ms[k - left] = (worker_mono_s() - t0) * 1e3;
            done[i] = true;
            left--;
        }
    }
    free(pfd);
    free(done);
    return rc;
}

/* The host's sharing efficiency, as the emulator meets it: a burst's
 * batches handed one after another from one loop to warm workers, more
 * of them than there are CPUs, then their answers read. Processor sharing
 * predicts the last answer at jobs x inference / cores after the first
 * send (plus one round trip's overhead); on the development VM four
 * 64-image batches on two cores took ~25 ms against ~21 predicted: the
 * loop's own sends and reads, migrations between the cores and caches
 * shared by two jobs per core, none of which sharing a core's time
 * describes. The ratio is kept as host.share and the simulator scales
 * the cores by it when they are oversubscribed (model.h). Each round
 * times the batch alone on one worker, then on all at once, after the
 * profile's gap each, so that drifts of the machine fall on both.
 *
 * The ratio is taken at the batches' mean answer time, not at the last
 * answer: processor sharing ends equal jobs together, where a real host
 * ends them spread out (one of four 64-image batches on two cores often
 * kept a core to itself and ended at 14 ms, the others at 24-32 ms); fitted
 * to the last answer, the simulator put every batch at the last one's time
 * and overstated the mean latency of docs/validation.md's bursty-contention
 * by 29 % given the run's speed. Fitted to the mean, it gets the mean
 * right and ends the last batch too early. */
static int measure_share(const struct profile_options *o, const struct mnist_digits *d, struct profile_result *r,
                         char *msg, size_t msg_len)
{
    size_t k = (size_t)o->share_jobs, n = (size_t)o->max_batch;
    struct worker_client *w = xcalloc(k, sizeof *w);
    uint8_t *pixels = xmalloc(n * MNIST_PIXELS), *labels = xmalloc(n);
    double alone_inf[PROFILE_SHARE_REPETITIONS], alone_over[PROFILE_SHARE_REPETITIONS];
    double makespan[PROFILE_SHARE_REPETITIONS], mean_done[PROFILE_SHARE_REPETITIONS];
    double *done_ms = xcalloc((size_t)PROFILE_SHARE_REPETITIONS * k, sizeof *done_ms);
    for (size_t i = 0; i < n; i++)
        memcpy(pixels + i * MNIST_PIXELS, d->pixels + (i % d->n) * MNIST_PIXELS, MNIST_PIXELS);
    uint64_t id = 1;
    size_t started = 0;
    int rc = 0;
    for (; started < k && rc == 0; started++)
        rc = worker_client_start(&w[started], o->worker_path, o->weights_path, 0, msg, msg_len);
    if (rc != 0)
        started--; /* the one that failed has no process */
    for (size_t i = 0; i < started && rc == 0; i++) {
        long pid = 0;
        double init_ms = 0;
        rc = worker_client_wait_ready(&w[i], READY_TIMEOUT_S, &pid, &init_ms, msg, msg_len);
    }
    struct worker_reply rep;
    /* Warm every worker (its first batches are slower), then the rounds:
     * round -2 and -1 untimed. */
    for (int round = -2; round < PROFILE_SHARE_REPETITIONS && rc == 0; round++) {
        size_t one = (size_t)(round < 0 ? 0 : round) % k;
        sleep_ms(o->gap_ms);
        double t0 = worker_mono_s();
        rc = worker_client_send(&w[one], id, pixels, (uint32_t)n, msg, msg_len);
        int got = rc == 0 ? worker_client_recv(&w[one], ANSWER_TIMEOUT_S, &rep, labels, n, msg, msg_len) : -1;
        double t1 = worker_mono_s();
        if (got != 0 || rep.id != id || rep.n != n) {
            if (got >= 0)
                worker_set_msg(msg, msg_len, "worker %ld: no answer or a wrong one to a batch of %zu",
                               (long)w[one].pid, n);
            rc = -1;
            break;
        }
        id++;
        if (round >= 0) {
            alone_inf[round] = rep.infer_s * 1e3;
            alone_over[round] = (t1 - t0) * 1e3 - alone_inf[round];
        }
        sleep_ms(o->gap_ms);
        t0 = worker_mono_s();
        for (size_t i = 0; i < k && rc == 0; i++)
            rc = worker_client_send(&w[i], id + i, pixels, (uint32_t)n, msg, msg_len);
        double *row = done_ms + (size_t)(round < 0 ? 0 : round) * k;
        if (rc == 0)
            rc = recv_as_answered(w, k, id, n, &rep, labels, t0, row, msg, msg_len);
        t1 = worker_mono_s();
        id += k;
        if (round >= 0) {
            makespan[round] = (t1 - t0) * 1e3;
            mean_done[round] = mean_of(row, k);
            progress(o, "sharing", (size_t)round + 1, PROFILE_SHARE_REPETITIONS);
        }
    }
    for (size_t i = 0; i < started; i++)
        worker_client_stop(&w[i], STOP_GRACE_S);
    free(w);
    free(pixels);
    free(labels);
    if (rc != 0) {
        free(done_ms);
        return -1;
    }
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    r->share_jobs = (int)k;
    r->share_cores = (int)(cpus > 0 ? cpus : 1);
    /* The per-rank medians of the answers, as measured (provenance). */
    r->share_answers_ms = xcalloc(k, sizeof *r->share_answers_ms);
    rank_medians(done_ms, PROFILE_SHARE_REPETITIONS, k, r->share_answers_ms);
    /* Each round in units of its own batch alone, less its overhead: the
     * alone batch and the shared ones are 20 ms apart, so a host that
     * drifts (the same batch 1.5 x slower for seconds on the development
     * VM) cancels within a round; medians taken apart over the rounds
     * compared a slow stretch's batches with a fast one's. */
    for (size_t j = 0; j < PROFILE_SHARE_REPETITIONS; j++) {
        double over = alone_over[j] > 0 ? alone_over[j] : 0;
        double unit = alone_inf[j] > 0 ? alone_inf[j] : 1e-9;
        for (size_t i = 0; i < k; i++)
            done_ms[j * k + i] = (done_ms[j * k + i] - over) / unit;
    }
    double quantum = 0;
    double e = profile_fit_share(done_ms, PROFILE_SHARE_REPETITIONS, (int)k, r->share_cores,
                                 PROFILE_SHARE_EFFICIENCY_MIN, &quantum);
    free(done_ms);
    r->share_inference_ms = median_of(alone_inf, PROFILE_SHARE_REPETITIONS);
    r->share_overhead_ms = median_of(alone_over, PROFILE_SHARE_REPETITIONS);
    r->share_makespan_ms = median_of(makespan, PROFILE_SHARE_REPETITIONS);
    r->share_mean_ms = median_of(mean_done, PROFILE_SHARE_REPETITIONS);
    r->share_efficiency = e;
    r->share_quantum_ms = quantum * r->share_inference_ms;
    r->share_measured = true;
    return 0;
}

/* The burst's queues (profile_burst_ends): the jobs on a core, in the
 * order they got it (the engine's order among stops at the same instant),
 * and a FIFO of the jobs waiting for one. */
struct burst_cores {
    double *rem, *turn;
    size_t *run, *next, *wait;
    size_t cap, nr, run_max, wh, wn;
    double q;
};

/* Job j, with its work in rem[j], takes a core or waits for one. */
static void burst_enter(struct burst_cores *c, size_t j)
{
    c->turn[j] = c->q;
    if (c->nr < c->run_max)
        c->run[c->nr++] = j;
    else
        c->wait[(c->wh + c->wn++) % c->cap] = j;
}

void profile_burst_ends(const struct model_profile *m, int starts, int cores, double spawn, double work,
                        double quantum, double *ends, double *spawn_ends)
{
    assert(starts > 0 && cores > 0 && spawn >= 0 && work >= 0);
    size_t k = (size_t)starts;
    struct burst_cores c = { .rem = xcalloc(k, sizeof *c.rem), .turn = xcalloc(k, sizeof *c.turn),
                             .run = xcalloc(k, sizeof *c.run), .next = xcalloc(k, sizeof *c.next),
                             .wait = xcalloc(k, sizeof *c.wait), .cap = k,
                             .run_max = quantum > 0 ? (size_t)cores : k,
                             .q = quantum > 0 ? quantum : (double)INFINITY };
    /* The start-up thread's work left on the current spawn (engine.c
     * ps_enter: always on a core, no turns); below 0: no spawn left. */
    double spawner = -1;
    size_t spawned = 0, n_end = 0;
    const double tiny = 1e-12;
    double t = 0;
    if (spawn > 0) {
        spawner = spawn;
    } else {
        for (spawned = 0; spawned < k; spawned++) {
            c.rem[spawned] = work;
            burst_enter(&c, spawned);
        }
    }
    while (n_end < k) {
        size_t busy = spawner >= 0 ? 1 : 0, running = c.nr + busy, present = running + c.wn;
        double rate = (double)present <= (double)cores ? 1
                    : model_share_efficiency(m, (double)present / (double)cores) * (double)cores / (double)running;
        double step = spawner >= 0 ? spawner : (double)INFINITY;
        for (size_t i = 0; i < c.nr; i++) {
            double s = c.rem[c.run[i]] < c.turn[c.run[i]] ? c.rem[c.run[i]] : c.turn[c.run[i]];
            step = s < step ? s : step;
        }
        t += step / rate;
        size_t nn = 0;
        for (size_t i = 0; i < c.nr; i++) {
            size_t j = c.run[i];
            c.rem[j] -= step;
            c.turn[j] -= step;
            if (c.rem[j] <= tiny) {
                ends[n_end++] = t;
            } else if (c.turn[j] <= tiny && c.wn > 0) {
                c.wait[(c.wh + c.wn++) % k] = j;
            } else {
                if (c.turn[j] <= tiny)
                    c.turn[j] = c.q;
                c.next[nn++] = j;
                continue;
            }
            /* A core came free: the longest waiting job takes it. */
            if (c.wn > 0) {
                size_t w = c.wait[c.wh];
                c.wh = (c.wh + 1) % k;
                c.wn--;
                c.turn[w] = c.q;
                c.next[nn++] = w;
            }
        }
        memcpy(c.run, c.next, nn * sizeof *c.run);
        c.nr = nn;
        if (spawner >= 0 && (spawner -= step) <= tiny) {
            /* As the engine: the spawned start joins, then the thread goes
             * on with the next (ps_spawn_done). */
            if (spawn_ends != NULL)
                spawn_ends[spawned] = t;
            size_t j = spawned++;
            c.rem[j] = work;
            if (work > tiny)
                burst_enter(&c, j);
            else
                ends[n_end++] = t;
            spawner = spawned < k ? spawn : -1;
        }
    }
    qsort(ends, k, sizeof *ends, cmp_double);
    free(c.rem);
    free(c.turn);
    free(c.run);
    free(c.next);
    free(c.wait);
}

void profile_share_ends(const struct model_profile *m, int jobs, int cores, double quantum, double *ends)
{
    profile_burst_ends(m, jobs, cores, 0, 1, quantum, ends, NULL);
}

double profile_fit_share(const double *answers, int rounds, int jobs, int cores, double min_efficiency,
                         double *quantum)
{
    assert(rounds > 0 && jobs > cores && cores > 0);
    size_t k = (size_t)jobs, nr = (size_t)rounds;
    double *col = xcalloc(nr, sizeof *col), *rank = xcalloc(k, sizeof *rank), *ends = xcalloc(k, sizeof *ends);
    rank_medians(answers, nr, k, rank);
    for (size_t j = 0; j < nr; j++)
        col[j] = mean_of(answers + j * k, k);
    double mean = median_of(col, nr);
    /* Processor sharing first, then longer turns before shorter: a tie
     * keeps the simpler model. */
    double best_e = 1, best_q = 0, best_sse = INFINITY;
    for (int c = 0; c <= 25; c++) {
        double q = c == 0 ? 0 : pow(2, -(double)(c - 1) / 4);
        struct model_profile m = { .has_share = true, .share_jobs = jobs, .share_cores = cores };
        /* The efficiency whose mean end is the measured mean: the ends
         * fall as it rises, so bisect; beyond the range, its bound. */
        double lo = min_efficiency, hi = 1;
        m.share_efficiency = hi;
        profile_share_ends(&m, jobs, cores, q, ends);
        if (mean_of(ends, k) < mean) {
            for (int it = 0; it < 50; it++) {
                m.share_efficiency = (lo + hi) / 2;
                profile_share_ends(&m, jobs, cores, q, ends);
                if (mean_of(ends, k) > mean)
                    lo = m.share_efficiency;
                else
                    hi = m.share_efficiency;
            }
            m.share_efficiency = (lo + hi) / 2;
            profile_share_ends(&m, jobs, cores, q, ends);
        }
        double sse = 0;
        for (size_t i = 0; i < k; i++)
            sse += (ends[i] - rank[i]) * (ends[i] - rank[i]);
        if (sse < best_sse * (1 - 1e-9)) {
            best_sse = sse;
            best_e = m.share_efficiency;
            best_q = q;
        }
    }
    free(col);
    free(rank);
    free(ends);
    *quantum = best_q;
    return best_e;
}

/* The idle penalty's two parameters from the medians of the round trips of
 * the smallest and the largest batch after the short and the long gap:
 * extra = wake + slowdown * short-gap time, solved through both sizes and
 * kept non-negative (with one size, or when one comes out negative, the
 * other carries the whole difference). */
static void fit_idle(struct profile_result *r)
{
    size_t reps = PROFILE_IDLE_REPETITIONS;
    double t_small = median_of(r->idle_short_ms, reps), t_large = median_of(r->idle_short_ms + reps, reps);
    double d_small = median_of(r->idle_long_ms, reps) - t_small;
    double d_large = median_of(r->idle_long_ms + reps, reps) - t_large;
    double wake = d_small, slowdown = 0;
    if (r->idle_sizes == 2 && t_large > t_small) {
        slowdown = (d_large - d_small) / (t_large - t_small);
        wake = d_small - slowdown * t_small;
        if (slowdown < 0) {
            slowdown = 0;
            wake = 0.5 * (d_small + d_large);
        } else if (wake < 0) {
            wake = 0;
            slowdown = d_large > 0 ? d_large / t_large : 0;
        }
    }
    r->idle_wake_ms = wake > 0 ? wake : 0;
    r->idle_slowdown = slowdown;
    /* Stalls after the long gap: the tail the medians leave out. A VM's
     * idle CPUs go back to the hypervisor, and getting one back now and
     * then takes milliseconds (15-18 ms in a quarter of the bursts after
     * 2 s pauses on the development VM, none after 0.2 s). */
    r->n_idle_stall = 0;
    for (size_t j = 0; j < r->idle_sizes; j++) {
        double *rt = r->idle_long_ms + j * reps; /* median_of sorts it: order is not needed */
        double median = median_of(rt, reps);
        for (size_t k = 0; k < reps; k++) {
            double excess = rt[k] - median;
            if (is_stall(excess, median))
                r->idle_stall_ms[r->n_idle_stall++] = excess;
        }
    }
    r->idle_stall_probability = (double)r->n_idle_stall / (double)(r->idle_sizes * reps);
    r->idle_small_short_ms = t_small;
    r->idle_small_long_ms = t_small + d_small;
    r->idle_large_short_ms = t_large;
    r->idle_large_long_ms = t_large + d_large;
}

/* A sample during which the worker waited this long for a CPU, though it
 * had work, measures the machine's other jobs, not the function: the
 * memory-1769 validation profile held 6 of 40 batch-64 samples at 19-21 ms
 * against 12.7-14, and a whole-core profile is at the mercy of each such
 * preemption. A wake-up on an idle machine waits tens of microseconds;
 * a preemption takes a scheduler slice (milliseconds). */
static bool preempted(double waited_ms, double round_trip_ms)
{
    return isfinite(waited_ms) && waited_ms > PROFILE_PREEMPT_MS + 0.02 * round_trip_ms;
}

/* time_batch after gap_ms idle, measured again (up to PROFILE_PREEMPT_TRIES
 * times in all) while the worker was preempted; the last try is kept
 * whatever it saw, and counted. With from_gap_end the round trip is timed
 * from the instant the gap ends, as the emulator times a request from its
 * scheduled send: a machine that stalls while idle (a VM whose idle CPUs
 * went back to the hypervisor) makes this process wake late, and that
 * lateness is part of the round trip, as it is part of an emulated
 * request's latency (the long gap's samples: host.idle's stalls). */
static int time_clean_batch(struct timing *t, struct profile_result *r, int gap_ms, bool from_gap_end, size_t n,
                            double *round_trip_ms, double *infer_ms, char *msg, size_t msg_len)
{
    for (int k = 0;; k++) {
        double waited, late_s = 0;
        if (from_gap_end)
            late_s = sleep_until(worker_mono_s() + gap_ms * 1e-3);
        else
            sleep_ms(gap_ms);
        if (time_batch(t, n, round_trip_ms, infer_ms, &waited, msg, msg_len) != 0)
            return -1;
        *round_trip_ms += late_s * 1e3;
        if (!isfinite(waited))
            r->preempt_unknown = true;
        if (!preempted(waited, *round_trip_ms))
            return 0;
        if (k + 1 == PROFILE_PREEMPT_TRIES) {
            r->preempted_kept++;
            return 0;
        }
        r->preempted_retried++;
    }
}

/* After the timed rounds, on the same warm worker: the smallest and the
 * largest batch, each after the profile's gap and after the long gap, in
 * pairs so that a slow drift of the machine cancels. */
static int measure_idle(struct timing *t, struct profile_result *r, char *msg, size_t msg_len)
{
    const struct profile_options *o = t->o;
    size_t sizes[2] = { 1, (size_t)o->max_batch };
    size_t n_sizes = o->max_batch > 1 ? 2 : 1;
    r->idle_sizes = n_sizes;
    for (size_t k = 0; k < PROFILE_IDLE_REPETITIONS; k++) {
        for (size_t j = 0; j < n_sizes; j++) {
            double rt, inf;
            if (time_clean_batch(t, r, o->gap_ms, false, sizes[j], &rt, &inf, msg, msg_len) != 0)
                return -1;
            r->idle_short_ms[j * PROFILE_IDLE_REPETITIONS + k] = rt;
            if (time_clean_batch(t, r, o->long_gap_ms, true, sizes[j], &rt, &inf, msg, msg_len) != 0)
                return -1;
            r->idle_long_ms[j * PROFILE_IDLE_REPETITIONS + k] = rt;
        }
        progress(o, "idle penalty", k + 1, PROFILE_IDLE_REPETITIONS);
    }
    if (r->idle_sizes == 1) {
        /* One size (max_batch 1): it is both the smallest and the largest. */
        for (size_t k = 0; k < PROFILE_IDLE_REPETITIONS; k++) {
            r->idle_short_ms[PROFILE_IDLE_REPETITIONS + k] = r->idle_short_ms[k];
            r->idle_long_ms[PROFILE_IDLE_REPETITIONS + k] = r->idle_long_ms[k];
        }
    }
    fit_idle(r);
    return 0;
}

/* Adds series x[0..n) to the sums of a pooled lag-1 autocorrelation
 * around `mean`: var over every value, cov over neighbours in the series. */
static void lag1_sums(const double *x, size_t n, double mean, double *var, double *cov)
{
    for (size_t i = 0; i < n; i++) {
        *var += (x[i] - mean) * (x[i] - mean);
        if (i + 1 < n)
            *cov += (x[i] - mean) * (x[i + 1] - mean);
    }
}

void profile_fit_speed(struct profile_result *r, const double *w, size_t n, double probe_s, double reference_ms,
                       const double *round_w, size_t n_round)
{
    assert(n >= 2 && reference_ms > 0);
    size_t total = n_round + n;
    r->speed_factor = xcalloc(total, sizeof *r->speed_factor);
    r->speed_reference_ms = reference_ms;
    r->speed_reference_windows = n_round;
    r->speed_probe_windows = n;
    r->n_speed = total;
    if (n_round > 0)
        memcpy(r->speed_factor, round_w, n_round * sizeof *round_w);
    double *probe = r->speed_factor + n_round;
    for (size_t i = 0; i < n; i++)
        probe[i] = w[i] / reference_ms;
    r->speed_mean_ms = mean_of(w, n);
    /* How long a speed holds: the lag-1 autocorrelation of the windows,
     * pooled over the rounds' series and the probe's (each contiguous;
     * the idle penalty's measurement lies between them). */
    double mean = mean_of(r->speed_factor, total), var = 0, cov = 0;
    lag1_sums(round_w, n_round, mean, &var, &cov);
    lag1_sums(probe, n, mean, &var, &cov);
    double rho = var > 0 ? cov / var : 0;
    r->speed_autocorrelation = rho;
    double longest = 10 * probe_s;
    if (rho <= 0)
        r->speed_hold_s = PROFILE_SPEED_WINDOW_S;
    else if (rho >= exp(-PROFILE_SPEED_WINDOW_S / longest))
        r->speed_hold_s = longest;
    else
        r->speed_hold_s = fmax(PROFILE_SPEED_WINDOW_S, -PROFILE_SPEED_WINDOW_S / log(rho));
    /* A level the probe held apart from the rounds': the probe's mean
     * factor further from the rounds' (1 with no rounds) than
     * PROFILE_SPEED_SHIFT_Z standard errors, counting the windows'
     * autocorrelation (n (1 - rho) / (1 + rho) independent ones). Then the
     * host kept a speed for the whole probe at least, whatever its
     * second-to-second correlation says (the rounds at 9.5 ms and the
     * probe a minute later at 13.5 ms for a 64-image batch on the
     * development VM, each steady): the hold is then the probe's length,
     * so that a simulated run meets one level or the other, as a real run
     * does. */
    double pmean = mean_of(probe, n), pvar = 0;
    for (size_t i = 0; i < n; i++)
        pvar += (probe[i] - pmean) * (probe[i] - pmean);
    double base = n_round > 0 ? mean_of(round_w, n_round) : 1;
    double r1 = rho > 0 ? rho : 0;
    double n_eff = (double)n * (1 - r1) / (1 + r1);
    /* A floor, so that a probe of identical windows (no spread at all)
     * away from the rounds' level still counts as a shift. */
    double se = fmax(sqrt(pvar / (double)(n - 1)) / sqrt(n_eff), 1e-9);
    r->speed_level_z = (pmean - base) / se;
    r->speed_shifted = fabs(r->speed_level_z) > PROFILE_SPEED_SHIFT_Z;
    if (r->speed_shifted && r->speed_hold_s < probe_s)
        r->speed_hold_s = probe_s;
}

bool profile_speed_shift_note(const struct profile_result *r, char *buf, size_t len)
{
    if (!r->speed_shifted)
        return false;
    size_t n_ref = r->speed_reference_windows, n_probe = r->speed_probe_windows;
    assert(n_ref > 0 && n_probe > 0 && n_ref + n_probe == r->n_speed);
    double ref = 0, probe = 0;
    for (size_t i = 0; i < n_ref; i++)
        ref += r->speed_factor[i];
    for (size_t i = n_ref; i < r->n_speed; i++)
        probe += r->speed_factor[i];
    snprintf(buf, len, "the host changed speed during the profile: the speed probe's batches of %d took x%.2f "
             "the timed rounds' time (%.1f standard errors apart), so host.speed holds each speed for %.0f s and "
             "a prediction spreads over both; profile again when the host is steady for a sharper profile",
             r->max_batch, (probe / (double)n_probe) / (ref / (double)n_ref), fabs(r->speed_level_z),
             r->speed_hold_s);
    return true;
}

/* The host's drift out of the timed rounds (with a speed probe): all sizes
 * of one round met the host at one speed, so round k's factor is the
 * median over sizes of its time over that size's median; the rounds'
 * factors are scaled to median 1, every sample is divided by its round's
 * factor (the samples then hold the function's own spread at the host's
 * usual speed), and the factors, grouped into windows of at least
 * PROFILE_SPEED_WINDOW_S (the median of each), go to host.speed beside the
 * probe's. Without this a host that flipped between 9.5 and 15 ms during
 * the rounds gave i.i.d. samples of both, and every simulated run averaged
 * them where a real run meets one speed for seconds to minutes. */
static void dedrift_rounds(struct profile_result *r, const double *round_end_s, double **windows, size_t *n_windows)
{
    const size_t reps = (size_t)r->repetitions, maxb = (size_t)r->max_batch;
    double *size_median = xmalloc(maxb * sizeof *size_median);
    double *scratch = xmalloc((reps > maxb ? reps : maxb) * sizeof *scratch);
    double *factor = xmalloc(reps * sizeof *factor);
    for (size_t n = 0; n < maxb; n++)
        size_median[n] = median_copy(r->inference_ms + n * reps, reps, scratch);
    for (size_t k = 0; k < reps; k++) {
        for (size_t n = 0; n < maxb; n++)
            scratch[n] = size_median[n] > 0 ? r->inference_ms[n * reps + k] / size_median[n] : 1;
        factor[k] = median_of(scratch, maxb);
    }
    double mid = median_copy(factor, reps, scratch);
    for (size_t k = 0; k < reps; k++) {
        factor[k] = mid > 0 && factor[k] > 0 ? factor[k] / mid : 1;
        for (size_t n = 0; n < maxb; n++)
            r->inference_ms[n * reps + k] /= factor[k];
    }
    double *w = xmalloc(reps * sizeof *w);
    size_t nw = 0, first = 0;
    double start = 0;
    for (size_t k = 0; k < reps; k++) {
        if (round_end_s[k] - start >= PROFILE_SPEED_WINDOW_S || k + 1 == reps) {
            w[nw++] = median_copy(factor + first, k + 1 - first, scratch);
            first = k + 1;
            start = round_end_s[k];
        }
    }
    *windows = w;
    *n_windows = nw;
    free(size_median);
    free(scratch);
    free(factor);
}


/* After the timed rounds, on the same warm worker: the largest batch after
 * gap_ms idle, for speed_probe_s seconds, every batch kept. Each window's
 * median inference time gives its speed factor (profile_fit_speed); a batch whose
 * round trip exceeds its window's median by more than PROFILE_STALL_MIN_MS
 * and PROFILE_STALL_SHARE of it met a stall of the host (host.stall): the
 * excess is kept as the stall's length. Medians, so that the few stalled
 * batches do not move a window's speed and are counted once. */
static int measure_speed(struct timing *t, struct profile_result *r, char *msg, size_t msg_len)
{
    const struct profile_options *o = t->o;
    size_t windows = (size_t)lround(o->speed_probe_s / PROFILE_SPEED_WINDOW_S);
    if (windows < 2)
        windows = 2;
    double *w = xcalloc(windows, sizeof *w);
    size_t *first = xcalloc(windows + 1, sizeof *first);
    double *inf_ms = NULL, *rt_ms = NULL, *scratch = NULL;
    size_t cap_inf = 0, cap_rt = 0, n = 0;
    double t0 = worker_mono_s();
    int rc = -1;
    for (size_t k = 0; k < windows; k++) {
        double end = t0 + (double)(k + 1) * PROFILE_SPEED_WINDOW_S;
        first[k] = n;
        /* At least one batch per window, however slow the batch. */
        do {
            double rt, inf, waited;
            idle_gap(o);
            if (time_batch(t, (size_t)o->max_batch, &rt, &inf, &waited, msg, msg_len) != 0)
                goto out;
            inf_ms = xgrow(inf_ms, &cap_inf, n + 1, sizeof *inf_ms);
            rt_ms = xgrow(rt_ms, &cap_rt, n + 1, sizeof *rt_ms);
            inf_ms[n] = inf;
            rt_ms[n] = rt;
            n++;
        } while (worker_mono_s() < end);
        progress(o, "host speed", k + 1, windows);
    }
    first[windows] = n;
    r->speed_batches = n;
    scratch = xmalloc(n * sizeof *scratch);
    r->stall_ms = xmalloc(n * sizeof *r->stall_ms);
    for (size_t k = 0; k < windows; k++) {
        size_t m = first[k + 1] - first[k];
        w[k] = median_copy(inf_ms + first[k], m, scratch);
        double rt_median = median_copy(rt_ms + first[k], m, scratch);
        for (size_t i = first[k]; i < first[k + 1]; i++) {
            double excess = rt_ms[i] - rt_median;
            if (is_stall(excess, rt_median))
                r->stall_ms[r->n_stall++] = excess;
        }
    }
    r->stall_probability = (double)r->n_stall / (double)n;
    const size_t reps = (size_t)r->repetitions;
    double *samples = r->inference_ms + (size_t)(r->max_batch - 1) * reps;
    double *sorted = xmalloc(reps * sizeof *sorted);
    double reference_ms = median_copy(samples, reps, sorted);
    free(sorted);
    profile_fit_speed(r, w, windows, (double)windows * PROFILE_SPEED_WINDOW_S, reference_ms, r->round_windows,
                      r->n_round_windows);
    rc = 0;
out:
    free(w);
    free(first);
    free(inf_ms);
    free(rt_ms);
    free(scratch);
    return rc;
}

/* Batch sizes in rounds (1..max, 1..max, ...) so that slow drifts of the
 * machine spread over all sizes instead of biasing the last ones. */
static int measure_inference(const struct profile_options *o, const struct mnist_digits *d,
                             const uint8_t *expect, struct profile_result *r, char *msg,
                             size_t msg_len)
{
    const size_t maxb = (size_t)o->max_batch;
    struct timing t = { .o = o, .d = d, .expect = expect };
    t.batch = xmalloc(maxb * MNIST_PIXELS);
    t.labels = xmalloc(maxb);
    t.which = xmalloc(maxb * sizeof *t.which);
    double *round_end_s = xmalloc((size_t)o->repetitions * sizeof *round_end_s);
    double init_ms = 0;
    int rc = -1;
    if (worker_client_start(&t.w, o->worker_path, o->weights_path, 0, msg, msg_len) != 0)
        goto out_nostop;
    if (worker_client_wait_ready(&t.w, READY_TIMEOUT_S, &t.pid, &init_ms, msg, msg_len) != 0)
        goto out;
    double rounds_t0 = 0;
    for (int round = -o->warmup; round < o->repetitions; round++) {
        bool timed = round >= 0;
        if (round == 0)
            rounds_t0 = worker_mono_s();
        if (timed && time_ping(o, &t.w, t.pid, t.id++, r, msg, msg_len) != 0)
            goto out;
        for (size_t n = timed ? 1 : maxb; n <= maxb; n++) {
            double rt_ms, infer_ms, waited;
            if (!timed) {
                if (time_batch(&t, n, &rt_ms, &infer_ms, &waited, msg, msg_len) != 0)
                    goto out;
                continue;
            }
            if (time_clean_batch(&t, r, o->gap_ms, false, n, &rt_ms, &infer_ms, msg, msg_len) != 0)
                goto out;
            double over_ms = rt_ms - infer_ms;
            r->inference_ms[(n - 1) * (size_t)o->repetitions + (size_t)round] = infer_ms;
            r->overhead_ms[r->n_overhead++] = over_ms > 0 ? over_ms : 0;
        }
        if (timed) {
            round_end_s[round] = worker_mono_s() - rounds_t0;
            progress(o, "inference", (size_t)round + 1, (size_t)o->repetitions);
        }
    }
    r->rounds_s = worker_mono_s() - rounds_t0;
    if (o->speed_probe_s > 0)
        dedrift_rounds(r, round_end_s, &r->round_windows, &r->n_round_windows);
    if (o->long_gap_ms > 0 && measure_idle(&t, r, msg, msg_len) != 0)
        goto out;
    if (o->speed_probe_s > 0 && measure_speed(&t, r, msg, msg_len) != 0)
        goto out;
    r->worker_rss_mb = peak_rss_mb(t.pid);
    r->accuracy = t.answered > 0 ? (double)t.correct / (double)t.answered : 0;
    rc = 0;
out:
    worker_client_stop(&t.w, STOP_GRACE_S);
out_nostop:
    free(round_end_s);
    free(t.batch);
    free(t.labels);
    free(t.which);
    return rc;
}

/* ---- the host's wake-ups -------------------------------------------------------- */

/* One thread of the wake-up probe, on one CPU: sleeps to absolute due
 * times PROFILE_WAKE_SLEEP_MS apart and notes how late each wake-up came. */
struct wake_thread {
    pthread_t id;
    int cpu;                    /* -1: not pinned */
    double t0_s, probe_s;
    double *late_ms, *at_s;     /* cap entries each */
    size_t n, cap;
};

static void *wake_thread_run(void *arg)
{
    struct wake_thread *w = arg;
    if (w->cpu >= 0) {
        cpu_set_t set;
        CPU_ZERO(&set);
        CPU_SET((size_t)w->cpu, &set);
        /* Unpinned when refused (a CPU set that excludes it): still a
         * sample of the host's wake-ups, only not one per CPU. */
        (void)pthread_setaffinity_np(pthread_self(), sizeof set, &set);
    }
    double due = worker_mono_s();
    while (w->n < w->cap) {
        due += PROFILE_WAKE_SLEEP_MS * 1e-3;
        if (due - w->t0_s >= w->probe_s)
            break;
        struct timespec ts = { (time_t)due, (long)((due - floor(due)) * 1e9) };
        while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR) {
        }
        double now = worker_mono_s();
        w->late_ms[w->n] = (now - due) * 1e3;
        w->at_s[w->n] = due - w->t0_s;
        w->n++;
        /* After a stall the next due time is from now, so that one stall
         * is one late wake-up, not a run of them catching up. */
        if (now > due)
            due = now;
    }
    return NULL;
}

void profile_fit_wake(const double *late_ms, const double *at_s, size_t n, double probe_s, struct profile_result *r)
{
    assert(n >= 1 && probe_s > 0);
    size_t windows = (size_t)floor(probe_s / PROFILE_WAKE_WINDOW_S);
    if (probe_s - (double)windows * PROFILE_WAKE_WINDOW_S >= PROFILE_WAKE_WINDOW_S / 2 || windows == 0)
        windows++;
    size_t *wakes = xcalloc(windows, sizeof *wakes), *stalled = xcalloc(windows, sizeof *stalled);
    double *sorted = xmalloc(n * sizeof *sorted);
    memcpy(sorted, late_ms, n * sizeof *sorted);
    double median = median_of(sorted, n);
    free(sorted);
    r->wake_median_ms = median;
    r->wake_wakes = n;
    r->wake_stall_ms = xmalloc(n * sizeof *r->wake_stall_ms);
    r->n_wake_stall = 0;
    for (size_t i = 0; i < n; i++) {
        size_t k = (size_t)(at_s[i] / PROFILE_WAKE_WINDOW_S);
        if (k >= windows)
            k = windows - 1;
        wakes[k]++;
        double excess = late_ms[i] - median;
        if (excess > PROFILE_STALL_MIN_MS) {
            stalled[k]++;
            r->wake_stall_ms[r->n_wake_stall++] = excess;
        }
    }
    r->wake_windows = xmalloc(windows * sizeof *r->wake_windows);
    r->n_wake_windows = 0;
    for (size_t k = 0; k < windows; k++)
        if (wakes[k] > 0)
            r->wake_windows[r->n_wake_windows++] = (double)stalled[k] / (double)wakes[k];
    free(wakes);
    free(stalled);
}

/* The wake-up probe's samples over its parts: late_ms and at_s (the due
 * time, from the first part's start, parts laid end to end), n of cap. */
struct wake_samples {
    double *late_ms, *at_s;
    size_t n, cap;
    double done_s;              /* probing time of the parts so far */
    int cpus;
};

/* One part of the wake-up probe: a thread per CPU for probe_s seconds,
 * the machine otherwise as idle as between the emulator's invocations;
 * the samples are appended to ws. */
static int measure_wake(const struct profile_options *o, double probe_s, struct wake_samples *ws, char *msg,
                        size_t msg_len)
{
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    size_t nt = cpus > 0 ? (size_t)cpus : 1;
    struct wake_thread *w = xcalloc(nt, sizeof *w);
    size_t cap = (size_t)(probe_s * 1e3 / PROFILE_WAKE_SLEEP_MS) + 2;
    double t0 = worker_mono_s();
    size_t started = 0;
    int rc = 0;
    for (size_t i = 0; i < nt; i++) {
        w[i] = (struct wake_thread){ .cpu = cpus > 0 ? (int)i : -1, .t0_s = t0, .probe_s = probe_s,
                                     .late_ms = xmalloc(cap * sizeof(double)),
                                     .at_s = xmalloc(cap * sizeof(double)), .cap = cap };
        if (pthread_create(&w[i].id, NULL, wake_thread_run, &w[i]) != 0) {
            worker_set_msg(msg, msg_len, "wake-up probe: cannot start a thread: %s", strerror(errno));
            rc = -1;
            break;
        }
        started++;
    }
    for (size_t i = 0; i < started; i++) {
        pthread_join(w[i].id, NULL);
        if (ws->n + w[i].n > ws->cap) {
            ws->cap = 2 * (ws->n + w[i].n);
            ws->late_ms = xrealloc(ws->late_ms, ws->cap * sizeof *ws->late_ms);
            ws->at_s = xrealloc(ws->at_s, ws->cap * sizeof *ws->at_s);
        }
        for (size_t k = 0; k < w[i].n; k++) {
            ws->late_ms[ws->n] = w[i].late_ms[k];
            ws->at_s[ws->n++] = ws->done_s + w[i].at_s[k];
        }
    }
    ws->done_s += probe_s;
    ws->cpus = (int)started;
    for (size_t i = 0; i < nt; i++) {
        free(w[i].late_ms);
        free(w[i].at_s);
    }
    free(w);
    progress(o, "wake-ups", ws->done_s >= o->wake_probe_s ? 2 : 1, 2);
    return rc;
}

enum profile_status profile_measure(const struct profile_options *o, struct profile_result *r,
                                    char *msg, size_t msg_len)
{
    struct mnist_net *net = NULL;
    struct mnist_digits d = { 0 };
    uint8_t *expect = NULL;
    struct wake_samples wake = { 0 };
    memset(r, 0, sizeof *r);
    enum profile_status st = PROFILE_ERR_INPUT;
    if (check_options(o, msg, msg_len) != 0)
        return st;
    if (access(o->worker_path, X_OK) != 0) {
        worker_set_msg(msg, msg_len, "%s: not an executable worker (build it with `make`, or pass "
                "--worker)", o->worker_path);
        return st;
    }
    if (mnist_load(o->weights_path, &net, msg, msg_len) != MNIST_OK)
        return st;
    if (mnist_digits_load(o->digits_path, &d, msg, msg_len) != MNIST_OK)
        goto out;
    expect = xmalloc(d.n);
    mnist_infer_batch(net, d.pixels, d.n, expect, NULL);

    st = PROFILE_ERR_RUN;
    r->max_batch = o->max_batch;
    r->repetitions = o->repetitions;
    r->n_digits = d.n;
    r->inference_ms = xcalloc((size_t)o->max_batch * (size_t)o->repetitions, sizeof(double));
    r->overhead_ms = xcalloc((size_t)o->max_batch * (size_t)o->repetitions, sizeof(double));
    r->cold_start_ms = xcalloc((size_t)o->cold_starts, sizeof(double));
    r->dispatch_ms = xcalloc((size_t)o->repetitions, sizeof(double));
    describe_machine(r->machine, sizeof r->machine);
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(r->date, sizeof r->date, "%Y-%m-%dT%H:%M:%SZ", &tm);

    hostload_begin(&r->host);
    /* The wake-up probe in two halves, first and last, with no worker
     * running: the host has quiet and stalled stretches minutes long, and
     * two samples minutes apart are likelier to meet both than one. */
    if (o->wake_probe_s > 0 && measure_wake(o, o->wake_probe_s / 2.0, &wake, msg, msg_len) != 0)
        goto out;
    /* The starts in cgroups as emulate's are, where the host has them. */
    struct cpucap cap;
    char cap_why[256];
    r->starts_in_cgroup = cpucap_open(&cap, cap_why, sizeof cap_why) == 0;
    if (measure_cold(o, &cap, r, msg, msg_len) != 0
        || (o->burst_starts > 0 && measure_burst(o, &cap, r, msg, msg_len) != 0)) {
        cpucap_close(&cap);
        goto out;
    }
    cpucap_close(&cap);
    /* Sharing before the rounds and the speed probe: measured after a
     * minute of one worker's probe, four 4-image batches on two CPUs took
     * 2.5 to 5 times what sharing predicts (efficiency 0.16-0.43 in four
     * profiles of one day), and 0.61-0.66 with no probe or a short one. */
    if (o->share_jobs > 0 && measure_share(o, &d, r, msg, msg_len) != 0)
        goto out;
    if (r->burst_measured) {
        /* After the share: the fit is the simulator's sharing of a burst. */
        struct model_profile shared = { .has_share = r->share_measured, .share_jobs = r->share_jobs,
                                        .share_cores = r->share_cores, .share_efficiency = r->share_efficiency,
                                        .share_quantum_s = r->share_quantum_ms / 1e3 };
        long cpus = sysconf(_SC_NPROCESSORS_ONLN);
        r->burst_cores = r->share_measured ? r->share_cores : (int)(cpus > 0 ? cpus : 1);
        r->start_burst_factor = profile_fit_start_burst(&shared, o->burst_starts, r->burst_cores,
                                                        mean_of(r->cold_start_ms, r->n_cold),
                                                        r->burst_makespan_ms, r->burst_spawn_ms,
                                                        &r->start_spawn_ms);
        r->burst_measured = isfinite(r->start_burst_factor);
    }
    if (measure_inference(o, &d, expect, r, msg, msg_len) != 0)
        goto out;
    if (o->wake_probe_s > 0) {
        if (measure_wake(o, o->wake_probe_s / 2.0, &wake, msg, msg_len) != 0)
            goto out;
        if (wake.n > 0) {
            profile_fit_wake(wake.late_ms, wake.at_s, wake.n, wake.done_s, r);
            r->wake_cpus = wake.cpus;
        }
    }
    hostload_end(&r->host);
    st = PROFILE_OK;
out:
    if (st != PROFILE_OK)
        profile_result_fini(r);
    free(wake.late_ms);
    free(wake.at_s);
    free(expect);
    mnist_digits_fini(&d);
    mnist_destroy(net);
    return st;
}

void profile_result_fini(struct profile_result *r)
{
    free(r->inference_ms);
    free(r->cold_start_ms);
    free(r->overhead_ms);
    free(r->dispatch_ms);
    free(r->speed_factor);
    free(r->stall_ms);
    free(r->wake_stall_ms);
    free(r->wake_windows);
    free(r->share_answers_ms);
    free(r->round_windows);
    memset(r, 0, sizeof *r);
}

/* ---- output ----------------------------------------------------------------------- */

/* {"dist": "empirical", "samples": [...]} with `digits` decimals. */
static void json_empirical_digits(FILE *f, const double *v, size_t n, size_t stride, int digits)
{
    fputs("{\"dist\": \"empirical\", \"samples\": [", f);
    for (size_t i = 0; i < n; i++)
        fprintf(f, "%s%.*f", i > 0 ? ", " : "", digits, v[i * stride]);
    fputs("]}", f);
}

/* The same in ms with microsecond digits. */
static void json_empirical(FILE *f, const double *v, size_t n, size_t stride)
{
    json_empirical_digits(f, v, n, stride, 4);
}

/* Appends to the text already in buf (size bytes), cut at its end. */
static void appendf(char *buf, size_t size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void appendf(char *buf, size_t size, const char *fmt, ...)
{
    size_t used = strlen(buf);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf + used, size - used, fmt, ap);
    va_end(ap);
}

void profile_write_json(FILE *f, const char *name, const struct profile_options *o,
                        const struct profile_result *r)
{
    char buf[8192];
    const size_t reps = (size_t)r->repetitions;
    fputs("{\n  \"name\": ", f);
    jsonout_string(f, name);
    snprintf(buf, sizeof buf, "The project's MNIST CNN (%s) run by lambdasim-worker on this "
             "machine, measured by `lambdasim profile` (lambdasim %s) on %s. Per-invocation "
             "costs of one batch of n images, as the emulator's workers pay them.",
             o->weights_path, LAMBDASIM_VERSION, r->date);
    fputs(",\n  \"description\": ", f);
    jsonout_string(f, buf);
    fprintf(f, ",\n  \"memory_mb\": %d,\n  \"cold_start_ms\": ", PROFILE_MEMORY_MB);
    json_empirical(f, r->cold_start_ms, r->n_cold, 1);
    fputs(",\n  \"overhead_ms\": ", f);
    json_empirical(f, r->overhead_ms, r->n_overhead, 1);
    fputs(",\n  \"inference_ms\": {\n    \"by_batch_size\": {\n", f);
    for (size_t n = 1; n <= (size_t)r->max_batch; n++) {
        fprintf(f, "      \"%zu\": ", n);
        json_empirical(f, r->inference_ms + (n - 1) * reps, reps, 1);
        fputs(n < (size_t)r->max_batch ? ",\n" : "\n", f);
    }
    /* This host's own costs, kept apart from cold_start_ms and overhead_ms,
     * which a profile may take from elsewhere (a real Lambda). */
    fputs("    }\n  },\n  \"host\": {\n    \"dispatch_ms\": ", f);
    json_empirical(f, r->dispatch_ms, r->n_dispatch, 1);
    fputs(",\n    \"start_ms\": ", f);
    json_empirical(f, r->cold_start_ms, r->n_cold, 1);
    if (r->idle_sizes > 0) {
        int small_gap = o->gap_ms > 0 ? o->gap_ms : 1;
        fprintf(f, ",\n    \"idle\": {\"short_gap_ms\": %d, \"long_gap_ms\": %d, \"wake_ms\": %.4f, "
                "\"slowdown\": %.4f,\n      \"stall_probability\": %.4f, \"stall_ms\": ", small_gap, o->long_gap_ms,
                r->idle_wake_ms, r->idle_slowdown, r->idle_stall_probability);
        if (r->n_idle_stall > 0)
            json_empirical(f, r->idle_stall_ms, r->n_idle_stall, 1);
        else
            fputs("0", f);
        if (r->n_idle_start > 0)
            fprintf(f, ", \"start_ms\": %.4f", r->idle_start_ms);
        fprintf(f, ",\n      \"measured\": {\"batch_%d_ms\": [%.4f, %.4f], \"batch_%d_ms\": [%.4f, %.4f], "
                "\"after_long_gap\": %zu, \"stalled\": %zu", 1, r->idle_small_short_ms, r->idle_small_long_ms,
                r->max_batch, r->idle_large_short_ms, r->idle_large_long_ms, r->idle_sizes * PROFILE_IDLE_REPETITIONS,
                r->n_idle_stall);
        if (r->n_idle_start > 0)
            fprintf(f, ", \"start_ms\": [%.4f, %.4f], \"starts_after_long_gap\": %zu", r->idle_start_short_ms,
                    r->idle_start_long_median_ms, r->n_idle_start);
        fputs("}}", f);
    }
    if (r->burst_measured) {
        fprintf(f, ",\n    \"start_burst\": {\"starts\": %d, \"factor\": %.4f, \"spawn_ms\": %.4f,\n      "
                "\"measured\": {\"makespan_ms\": %.4f, \"single_ms\": %.4f, \"cores\": %d, \"spawn_in_burst_ms\": %.4f, "
                "\"spawn_alone_ms\": %.4f, \"cgroup\": %s",
                o->burst_starts, r->start_burst_factor, r->start_spawn_ms, r->burst_makespan_ms,
                mean_of(r->cold_start_ms, r->n_cold), r->burst_cores, r->burst_spawn_ms, r->spawn_alone_ms,
                r->starts_in_cgroup ? "true" : "false");
        if (isfinite(r->start_cpu_single_ms) && isfinite(r->start_cpu_burst_ms))
            fprintf(f, ", \"single_cpu_ms\": %.4f, \"burst_cpu_ms\": %.4f", r->start_cpu_single_ms,
                    r->start_cpu_burst_ms);
        fputs("}}", f);
    }
    if (r->share_measured)
    {
        fprintf(f, ",\n    \"share\": {\"jobs\": %d, \"cores\": %d, \"efficiency\": %.4f, \"quantum_ms\": %.4f,"
                "\n      \"measured\": {\"batch\": %d, \"inference_ms\": %.4f, \"overhead_ms\": %.4f, "
                "\"mean_answer_ms\": %.4f, \"makespan_ms\": %.4f, \"answers_ms\": [",
                r->share_jobs, r->share_cores, r->share_efficiency, r->share_quantum_ms, r->max_batch,
                r->share_inference_ms, r->share_overhead_ms, r->share_mean_ms, r->share_makespan_ms);
        for (int i = 0; i < r->share_jobs; i++)
            fprintf(f, "%s%.4f", i > 0 ? ", " : "", r->share_answers_ms[i]);
        fputs("]}}", f);
    }
    if (r->n_speed > 0) {
        fputs(",\n    \"speed\": {\"factor\": ", f);
        json_empirical(f, r->speed_factor, r->n_speed, 1);
        fprintf(f, ",\n      \"hold_s\": %.4g, \"window_s\": %g,\n      \"measured\": {\"batch\": %d, "
                "\"batches\": %zu, \"mean_ms\": %.4f, \"reference_ms\": %.4f, \"lag1_autocorrelation\": "
                "%.4f, \"probe_windows\": %zu, \"reference_windows\": %zu, \"level_z\": %.2f}}", r->speed_hold_s,
                PROFILE_SPEED_WINDOW_S, r->max_batch, r->speed_batches, r->speed_mean_ms, r->speed_reference_ms,
                r->speed_autocorrelation, r->speed_probe_windows, r->speed_reference_windows, r->speed_level_z);
        fprintf(f, ",\n    \"stall\": {\"probability\": %.6f, \"ms\": ", r->stall_probability);
        if (r->n_stall > 0)
            json_empirical(f, r->stall_ms, r->n_stall, 1);
        else
            fputs("0", f);
        fprintf(f, ",\n      \"measured\": {\"batches\": %zu, \"stalled\": %zu, \"min_ms\": %g, \"min_share\": %g}}",
                r->speed_batches, r->n_stall, PROFILE_STALL_MIN_MS, PROFILE_STALL_SHARE);
    }
    if (r->wake_wakes > 0) {
        fputs(",\n    \"wake\": {\"probability\": ", f);
        json_empirical_digits(f, r->wake_windows, r->n_wake_windows, 1, 6);
        fputs(", \"ms\": ", f);
        if (r->n_wake_stall > 0)
            json_empirical(f, r->wake_stall_ms, r->n_wake_stall, 1);
        else
            fputs("0", f);
        fprintf(f, ", \"per_invocation\": %d,\n      \"measured\": {\"wakes\": %zu, \"stalled\": %zu, \"cpus\": %d, "
                "\"sleep_ms\": %g, \"window_s\": %g, \"median_late_ms\": %.4f, \"min_ms\": %g}}",
                PROFILE_WAKE_PER_INVOCATION, r->wake_wakes, r->n_wake_stall, r->wake_cpus, PROFILE_WAKE_SLEEP_MS,
                PROFILE_WAKE_WINDOW_S, r->wake_median_ms, PROFILE_STALL_MIN_MS);
    }
    fputs("\n  },\n  \"sources\": {\n    \"machine\": ", f);
    snprintf(buf, sizeof buf, "measured on %s, %s", r->machine, r->date);
    jsonout_string(f, buf);
    /* How busy the machine was: a profile made on a busy one is flagged. */
    fputs(",\n    \"host_cpu\": ", f);
    hostload_json(f, &r->host);
    fputs(",\n    \"memory_mb\": ", f);
    snprintf(buf, sizeof buf, "assumed: %d, Lambda's one full vCPU, because the worker runs "
             "single-threaded on one whole core of this machine; the simulator then stretches "
             "inference only below %d MB. The worker's real peak resident memory was %.1f MB.",
             PROFILE_MEMORY_MB, PROFILE_MEMORY_MB, r->worker_rss_mb);
    jsonout_string(f, buf);
    fputs(",\n    \"cold_start_ms\": ", f);
    snprintf(buf, sizeof buf, "measured: %zu starts of %s (fork and exec, load and check the "
             "weights, READY line), timed by the parent from fork to reading READY, after one "
             "untimed start; mean %.3f ms, of which the worker's own load took %.3f ms.",
             r->n_cold, o->worker_path, mean_of(r->cold_start_ms, r->n_cold),
             r->worker_init_ms_mean);
    jsonout_string(f, buf);
    char gap[96] = "";
    if (o->gap_ms > 0)
        snprintf(gap, sizeof gap, "; each timed batch sent after the worker had been idle %d ms", o->gap_ms);
    fputs(",\n    \"overhead_ms\": ", f);
    snprintf(buf, sizeof buf, "measured: for every timed batch, the parent's round trip (send "
             "the request, read the answer) minus the worker's inference time: the cost of "
             "invoking a warm local worker, mean %.4f ms%s. A real Lambda invoke adds the "
             "Invoke API and the network (tens of ms).",
             mean_of(r->overhead_ms, r->n_overhead), gap);
    jsonout_string(f, buf);
    fputs(",\n    \"host\": ", f);
    snprintf(buf, sizeof buf, "measured on this machine: dispatch_ms, %zu pings (empty requests) "
             "to the warm worker, one before each timed round%s, timed by the parent from sending "
             "to reading the answer, mean %.4f ms; start_ms, the cold starts' samples (fork of "
             "the worker to its READY line), mean %.3f ms. What a local invocation costs this host "
             "beyond the function's own times.",
             r->n_dispatch, gap, mean_of(r->dispatch_ms, r->n_dispatch),
             mean_of(r->cold_start_ms, r->n_cold));
    if (r->idle_sizes > 0) {
        appendf(buf, sizeof buf, " idle: the round trip of batches of 1 and %d, %d pairs each, "
                 "one after %d ms idle and one after %d ms; median round trips [short, long] in "
                 "`measured`; wake_ms and slowdown solve extra = wake_ms + slowdown x short-gap time "
                 "through both sizes; a long-gap round trip over its size's long-gap median by more than "
                 "%g ms and %g %% is a stall after an idle (stall_probability their share, stall_ms their "
                 "excesses).", r->max_batch, PROFILE_IDLE_REPETITIONS, o->gap_ms, o->long_gap_ms,
                 PROFILE_STALL_MIN_MS, 100 * PROFILE_STALL_SHARE);
    }
    if (r->burst_measured) {
        appendf(buf, sizeof buf, " start_burst: %d bursts of %d workers started at once (one "
                 "after another by one spawner thread, then loading together), after %d ms idle; median "
                 "time from the first fork to the last READY %.3f ms, against %.3f ms for a start alone "
                 "(mean of start_ms), and %.3f ms of the spawner's time per start: spawn_ms = the part of "
                 "a start the host's one start-up thread does, one start after another, and factor = the "
                 "multiplier of a start's work, fitted together so that %d cores shared as host.share "
                 "says spawn and end the burst at those times. measured.*_cpu_ms: the CPU time each "
                 "worker had used by its READY line (/proc/PID/schedstat), provenance only.",
                 PROFILE_BURST_REPETITIONS, o->burst_starts, o->gap_ms, r->burst_makespan_ms,
                 mean_of(r->cold_start_ms, r->n_cold), r->burst_spawn_ms, r->burst_cores);
    }
    if (r->share_measured) {
        appendf(buf, sizeof buf, " share: %d rounds, each a batch of %d on one warm worker, then "
                 "on %d at once (sent one after another, each answer timed as it came), after %d ms idle each; "
                 "median inference alone %.3f ms and overhead %.3f ms, median of the rounds' mean time from the "
                 "first send to an answer %.3f ms (to the last answer %.3f ms; measured.answers_ms: the medians "
                 "of the first, second, ... answer) on %d CPUs. Each round's answers less its overhead alone, "
                 "in units of its inference alone; for processor sharing and for turns of 1, 2^-1/4, ... 2^-6 "
                 "of the batch (round robin), the efficiency that gives the simulator's %d equal jobs on %d "
                 "cores the rounds' median mean answer; kept: the turn (quantum_ms, 0 for processor sharing) "
                 "whose sorted ends are nearest, in least squares, the per-rank medians, and its efficiency "
                 "(at most 1).",
                 PROFILE_SHARE_REPETITIONS, r->max_batch, r->share_jobs, o->gap_ms, r->share_inference_ms,
                 r->share_overhead_ms, r->share_mean_ms, r->share_makespan_ms, r->share_cores, r->share_jobs,
                 r->share_cores);
    }
    if (r->n_speed > 0) {
        appendf(buf, sizeof buf, " speed: the batch of %d on the warm worker after %d ms idle, again "
                 "and again for %zu s (%zu batches, every one kept, preempted or not; windows' medians %.4f ms on "
                 "average); the median inference time of each %g s window over the median of this profile's "
                 "samples of batch %d "
                 "(%.4f ms, which the simulator multiplies by it) is a factor. Before them, the timed rounds' "
                 "own factors (%.1f s of rounds, %zu windows): each round's median over sizes of its time over "
                 "that size's median, scaled to median 1, and every inference sample divided by its round's "
                 "factor, so that the samples hold the function's spread and the factors the host's drift. "
                 "The lag-1 autocorrelation of the windows (both series) %.3f gives hold_s = -window / "
                 "ln(autocorrelation), from one window to 10 x the probe, and at least the probe's length when "
                 "the probe's mean factor is more than %g standard errors from the rounds' (level_z: the host "
                 "held another speed throughout the probe).", r->max_batch, o->gap_ms, r->speed_probe_windows,
                 r->speed_batches, r->speed_mean_ms,
                 PROFILE_SPEED_WINDOW_S, r->max_batch, r->speed_reference_ms, r->rounds_s,
                 r->speed_reference_windows, r->speed_autocorrelation, PROFILE_SPEED_SHIFT_Z);
        appendf(buf, sizeof buf, " stall: %zu of the probe's %zu batches (probability %.4f) took a round "
                 "trip more than %.1f ms and %.0f %% over their window's median; ms are those excesses.",
                 r->n_stall, r->speed_batches, r->stall_probability, PROFILE_STALL_MIN_MS, 100 * PROFILE_STALL_SHARE);
    }
    if (r->wake_wakes > 0) {
        appendf(buf, sizeof buf, " wake: one thread on each of the %d CPUs slept to due times %g ms apart "
                 "for %d s, half before the cold starts and half after the rest, no worker running (%zu wake-ups, median %.4f ms late); a wake-up more than "
                 "%.1f ms later than that median stalled (%zu of them; ms are their excesses), and probability "
                 "holds the share stalled in each %g s window (a run draws one). An invocation meets %d "
                 "wake-ups: the worker's, handed the request, and the loop's, handed the answer.",
                 r->wake_cpus, PROFILE_WAKE_SLEEP_MS, o->wake_probe_s, r->wake_wakes, r->wake_median_ms,
                 PROFILE_STALL_MIN_MS, r->n_wake_stall, PROFILE_WAKE_WINDOW_S, PROFILE_WAKE_PER_INVOCATION);
    }
    jsonout_string(f, buf);
    fputs(",\n    \"inference_ms\": ", f);
    snprintf(buf, sizeof buf, "measured: the worker's own wall time of mnist_infer_batch, "
             "%d repetitions of each batch size 1..%d, sizes interleaved in rounds, after %d "
             "untimed warm-up batches of %d%s, on the %zu digits of %s (accuracy of the answers "
             "%.2f%%); batch %d took %.4f ms on average, batch 1 took %.4f ms.",
             r->repetitions, r->max_batch, o->warmup, r->max_batch, gap, r->n_digits, o->digits_path,
             100.0 * r->accuracy, r->max_batch,
             mean_of(r->inference_ms + (size_t)(r->max_batch - 1) * reps, reps),
             mean_of(r->inference_ms, reps));
    if (r->preempt_unknown)
        appendf(buf, sizeof buf, " Preemption not checked: this kernel gives no run-queue "
                 "times (/proc/PID/schedstat).");
    else
        appendf(buf, sizeof buf, " %zu timed batches (idle penalty's included) measured again "
                 "because the worker waited more than %.1f ms + 2 %% of the round trip for a CPU (preempted "
                 "by another job); %zu still preempted after %d tries and kept.", r->preempted_retried,
                 PROFILE_PREEMPT_MS, r->preempted_kept, PROFILE_PREEMPT_TRIES);
    appendf(buf, sizeof buf, " %zu lone starts timed again because they stalled (more than %.1f ms and %.0f %% "
            "over the starts' median: the host's stalls are host.wake's); %zu still stalled after %d tries and kept.",
            r->starts_retimed, PROFILE_STALL_MIN_MS, 100.0 * PROFILE_START_STALL_SHARE, r->starts_stalled_kept,
            PROFILE_PREEMPT_TRIES);
    if (r->n_round_windows > 0) {
        appendf(buf, sizeof buf, " Each sample divided by its round's speed factor (host.speed): the "
                 "samples are the function at the host's usual speed, the host's drift is in host.speed.");
    }
    jsonout_string(f, buf);
    fputs("\n  }\n}\n", f);
}
