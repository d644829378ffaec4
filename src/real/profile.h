/* profile: measures the real MNIST function on this machine (inference time
 * per batch size, cold start of a worker process, invocation overhead) and
 * writes the result as a model profile (README "Model profiles"). Library
 * code: errors are a status and a message; progress goes to a callback. */
#ifndef LAMBDASIM_PROFILE_H
#define LAMBDASIM_PROFILE_H

#include <stddef.h>
#include <stdio.h>
#include "real/hostload.h"

struct model_profile;

/* What `profile` puts in memory_mb: the worker runs single-threaded on one
 * whole core, which is what Lambda gives a function at 1769 MB (model.h).
 * So the simulator scales the measured times only below 1769 MB. */
#define PROFILE_MEMORY_MB 1769

/* Pairs (after gap_ms, after long_gap_ms) per batch size in the idle
 * penalty's measurement. */
#define PROFILE_IDLE_REPETITIONS 8
/* A timed batch during which the worker waited more than PROFILE_PREEMPT_MS
 * + 2 % of its round trip for a CPU was preempted: it is measured again, up
 * to PROFILE_PREEMPT_TRIES times in all (profile.c). */
#define PROFILE_PREEMPT_MS 0.2
#define PROFILE_PREEMPT_TRIES 4
/* Bursts of simultaneous worker starts timed (burst_starts > 0). */
#define PROFILE_BURST_REPETITIONS 8
/* Rounds of the host's sharing efficiency (share_jobs > 0): each one
 * batch alone and the same batch on share_jobs workers at once. */
#define PROFILE_SHARE_REPETITIONS 32
/* The host's speed (speed_probe_s > 0): the largest batch's time is
 * averaged over windows this long; the windows' means, over their mean,
 * are the speed factors. */
#define PROFILE_SPEED_WINDOW_S 1.0
/* A probe batch whose round trip exceeds its window's median by more than
 * both of these met a stall of the host (host.stall): the host away at
 * least as long as the batch itself takes. Less (50 %) counted the 64-image
 * batches of a window where the host flipped between 9 and 15 ms, which
 * the speed factors already hold, as stalls too. */
#define PROFILE_STALL_MIN_MS 0.5
/* The probe's mean speed factor this many standard errors from 1 (the
 * rounds') means the host held another level throughout the probe
 * (profile.c fit_speed). */
#define PROFILE_SPEED_SHIFT_Z 3.0
#define PROFILE_STALL_SHARE 1.0
/* A lone start more than PROFILE_STALL_MIN_MS and this share of the
 * starts' median over that median met a stall of the host: it is timed
 * again (up to PROFILE_PREEMPT_TRIES times in all). A 7.5 % cluster of
 * such starts (5.7-15 ms against 3.0), met in one profile and not the
 * next, put every simulated start of a burst at that risk and its p99
 * 40 % over the emulated; the stalls are host.wake's to model. */
#define PROFILE_START_STALL_SHARE 0.5
/* The wake-up probe (wake_probe_s > 0, host.wake): one thread on each CPU
 * sleeps PROFILE_WAKE_SLEEP_MS again and again; a wake-up later than the
 * probe's median lateness by more than PROFILE_STALL_MIN_MS stalled. The
 * share of stalled wake-ups is counted per PROFILE_WAKE_WINDOW_S window. */
#define PROFILE_WAKE_SLEEP_MS 2.0
#define PROFILE_WAKE_WINDOW_S 2.0
/* The wake-ups an emulated invocation meets: the worker's, handed the
 * request, and the loop's, handed the answer (host.wake per_invocation). */
#define PROFILE_WAKE_PER_INVOCATION 2

/* Called between measurements: `stage` is "cold start" or "inference",
 * done of total steps finished. */
typedef void profile_progress_fn(void *ctx, const char *stage, size_t done, size_t total);

struct profile_options {
    const char *worker_path;    /* the lambdasim-worker executable */
    const char *weights_path;   /* models/mnist-cnn.bin */
    const char *digits_path;    /* traces/mnist-digits-300.bin */
    int max_batch;              /* batch sizes 1..max_batch (1..4096) */
    int repetitions;            /* timed batches per size (>= 1) */
    int cold_starts;            /* timed worker starts (>= 1) */
    int warmup;                 /* untimed batches of max_batch first (>= 0) */
    int gap_ms;                 /* idle pause before each timed batch (0..10000): the
                                   worker then waits for work as between invocations */
    int long_gap_ms;            /* the idle penalty: batches after this long an idle pause
                                   (more than gap_ms, at most 10000), 0: not measured */
    int burst_starts;           /* start this many workers at once to measure how much more
                                   CPU a start takes among others (2..1024), 0: not measured */
    int share_jobs;             /* send the largest batch to this many warm workers at once
                                   (more than the CPUs, at most 1024) to measure how much of
                                   the cores they get together; 0: not measured */
    int speed_probe_s;          /* run the largest batch on one warm worker for this many
                                   seconds (0..3600) to see how the host's speed varies
                                   over time; 0: not measured */
    int wake_probe_s;           /* time the host's wake-ups for this many seconds
                                   (0..3600, host.wake); 0: not measured */
    profile_progress_fn *progress;   /* may be NULL */
    void *progress_ctx;
};

struct profile_result {
    int max_batch;
    int repetitions;
    double *inference_ms;       /* [(n - 1) * repetitions + r]: size n, repetition r */
    double *cold_start_ms;      /* n_cold: fork of the worker to its READY line */
    size_t n_cold;
    double *overhead_ms;        /* n_overhead: request round trip minus inference */
    size_t n_overhead;
    double *dispatch_ms;        /* n_dispatch: round trip of an empty request (a ping) to
                                   the warm worker, one per timed round */
    size_t n_dispatch;
    /* The idle penalty (long_gap_ms > 0): round trips of batches of 1 and
     * max_batch ([size][pair]), after gap_ms and after long_gap_ms, and
     * the fit extra = wake + slowdown * short-gap time. idle_sizes 0: not
     * measured. */
    size_t idle_sizes;
    double idle_short_ms[2 * PROFILE_IDLE_REPETITIONS];
    double idle_long_ms[2 * PROFILE_IDLE_REPETITIONS];
    double idle_wake_ms, idle_slowdown;
    double idle_small_short_ms, idle_small_long_ms, idle_large_short_ms, idle_large_long_ms;
    /* Stalls after the long gap: round trips that exceeded their size's
     * long-gap median by more than PROFILE_STALL_MIN_MS and
     * PROFILE_STALL_SHARE of it (the rule of host.stall), the excess of
     * each, out of idle_sizes x PROFILE_IDLE_REPETITIONS. */
    double idle_stall_ms[2 * PROFILE_IDLE_REPETITIONS];
    size_t n_idle_stall;
    double idle_stall_probability;
    /* The starts' idle penalty (long_gap_ms > 0): starts after the long
     * gap; idle_start_ms = their median over the median of cold_start_ms
     * (each after gap_ms), at least 0. */
    double idle_start_long_ms[PROFILE_IDLE_REPETITIONS];
    size_t n_idle_start;
    double idle_start_short_ms, idle_start_long_median_ms, idle_start_ms;
    /* Lone starts timed again because they stalled, and those still
     * stalled after PROFILE_PREEMPT_TRIES tries and kept. */
    size_t starts_retimed, starts_stalled_kept;
    /* Timed batches measured again because the worker waited for a CPU
     * meanwhile (preempted by another job), and those still preempted at
     * the last try and kept; preempt_unknown: the kernel gave no run-queue
     * times (/proc/PID/schedstat), so nothing was checked. */
    size_t preempted_retried, preempted_kept;
    bool preempt_unknown;
    /* Simultaneous starts (burst_starts > 0), PROFILE_BURST_REPETITIONS
     * bursts of burst_starts: burst_makespan_ms, the median over the bursts
     * of the time from the first fork to the last READY line; the CPU time
     * each worker had used by its READY line (/proc/PID/schedstat), mean
     * over the single starts of cold_start_ms (start_cpu_single_ms) and
     * over the burst's workers (start_cpu_burst_ms), kept as provenance.
     * start_burst_factor: see profile_fit_start_burst. burst_spawn_ms:
     * the spawner's time per start (the median over the bursts of the time
     * its last start was forked, over burst_starts): the starts of a burst
     * are forked one after another, so the k-th begins about k of these
     * after the first; provenance. burst_measured false: not measured. */
    bool burst_measured;
    double burst_makespan_ms, start_burst_factor, burst_spawn_ms;
    /* The starter's part of a start alone: the median over the cold
     * starts of the time worker_client_start took (fork, cgroup join and
     * exec, as the spawner does them); provenance. start_spawn_ms: the
     * start-up thread's work per start that the fit gives (model.h
     * start_spawn_s; see profile_fit_start_burst). */
    double spawn_alone_ms, start_spawn_ms;
    /* The cold and burst starts joined a cgroup each, as emulate's do
     * (cpucap): false where the host has none usable. */
    bool starts_in_cgroup;
    int burst_cores;            /* the cores the fit shares */
    double start_cpu_single_ms, start_cpu_burst_ms;
    /* The host's sharing efficiency (share_jobs > 0): the largest batch
     * alone (the worker's inference and the rest of the round trip,
     * medians) and on share_jobs workers at once on share_cores CPUs (the
     * median of the rounds' mean time from the first send to an answer, and
     * to the last answer); efficiency = the median over the rounds of what
     * processor sharing predicts, jobs x the round's inference alone /
     * cores, over what the work took on average, the round's mean answer
     * time - its overhead alone (at most 1). */
    bool share_measured;
    int share_jobs, share_cores;
    double share_inference_ms, share_overhead_ms, share_mean_ms, share_makespan_ms, share_efficiency;
    /* How the host takes turns (model.h host.share quantum): the turn,
     * in ms of the batch's work (0: processor sharing), and the medians
     * over the rounds of the first, second, ... answer (ms from the first
     * send; share_jobs of them, owned): see profile_fit_share. */
    double share_quantum_ms;
    double *share_answers_ms;
    /* The host's speed over time (speed_probe_s > 0): the largest batch
     * after gap_ms idle, again and again, on the warm worker; the median
     * of its inference time in each PROFILE_SPEED_WINDOW_S window over the
     * median of the profile's own samples of that batch, speed_reference_ms
     * (speed_factor, n_speed of them: the simulator multiplies those
     * samples by them, so a host slower during the probe than during the
     * timed rounds, or batches the rounds measured again because another
     * job preempted them, show as factors above 1), the lag-1
     * autocorrelation of the window means, and what it says of how long a
     * speed holds: hold = -window / ln(autocorrelation), from one window
     * (no correlation) to 10 x the probe (a speed that held throughout).
     * Every batch kept, preempted or not: this is the host as it is. */
    double *speed_factor;
    size_t n_speed;             /* speed_reference_windows ones, then the probe's windows */
    size_t speed_probe_windows, speed_reference_windows;
    double rounds_s;            /* how long the timed rounds took */
    /* With a speed probe: the rounds' own speed factors (profile.c
     * dedrift_rounds), one per window of at least PROFILE_SPEED_WINDOW_S
     * of rounds; the samples in inference_ms are then divided by their
     * round's factor. */
    double *round_windows;
    size_t n_round_windows;
    /* Stalls of the host seen by the probe: the round trips that exceeded
     * their window's median by more than PROFILE_STALL_MIN_MS and
     * PROFILE_STALL_SHARE of it, the excess of each (n_stall), and the
     * share of the probe's batches that met one. */
    double *stall_ms;
    size_t n_stall;
    double stall_probability;
    /* The wake-up probe (wake_probe_s > 0): wake_wakes wake-ups on
     * wake_cpus CPUs, their median lateness, the excess of each stalled one
     * over it (n_wake_stall), and the share stalled in each window
     * (n_wake_windows); see profile_fit_wake. */
    size_t wake_wakes;
    int wake_cpus;
    double wake_median_ms;
    double *wake_stall_ms;
    size_t n_wake_stall;
    double *wake_windows;
    size_t n_wake_windows;
    size_t speed_batches;
    double speed_mean_ms, speed_reference_ms, speed_autocorrelation, speed_hold_s;
    double speed_level_z;       /* (probe's mean factor - 1) / its standard error */
    bool speed_shifted;         /* |speed_level_z| > PROFILE_SPEED_SHIFT_Z: hold_s >= the probe */
    double worker_init_ms_mean; /* the worker's own load time, mean over cold starts */
    double worker_rss_mb;       /* peak resident memory of the timed worker; 0 if unknown */
    double accuracy;            /* of the worker's answers on the digits */
    size_t n_digits;
    char machine[512];          /* "Linux 6.1.0 x86_64, <CPU model>, 2 CPUs" */
    struct hostload host;       /* the host's CPU pressure around the measurement */
    char date[32];              /* UTC, ISO 8601 */
};

enum profile_status {
    PROFILE_OK = 0,
    PROFILE_ERR_INPUT,   /* bad option, weight file, digits file or worker path */
    PROFILE_ERR_RUN      /* a worker failed, timed out or answered wrongly */
};

/* Checks the options, loads the weights and digits in-process (so a bad
 * file gets its own message), then times cold starts and every batch size
 * through real worker processes. The worker's labels must match in-process
 * inference. On success *r is filled (profile_result_fini) and PROFILE_OK
 * is returned; otherwise a status with a message, and *r is zeroed. */
enum profile_status profile_measure(const struct profile_options *o, struct profile_result *r, char *msg,
                    size_t msg_len);

/* Writes the model profile JSON named `name` (the measured samples as
 * empirical distributions, plus sources naming the machine and the date). */
void profile_write_json(FILE *f, const char *name, const struct profile_options *opt,
                        const struct profile_result *r);

void profile_result_fini(struct profile_result *r);

/* The wake-up probe's stalls (what profile_measure does with it; public
 * for its tests): late_ms[i] is how late wake-up i came (ms) and at_s[i]
 * when it was due (s from the probe's start, 0 <= at_s < probe_s), n >= 1.
 * Fills r's wake_* fields: the median lateness, the wake-ups later than it
 * by more than PROFILE_STALL_MIN_MS (their excesses, owned), and the share
 * of the wake-ups in each PROFILE_WAKE_WINDOW_S window that stalled (a
 * last window shorter than half a window joins the one before). */
void profile_fit_wake(const double *late_ms, const double *at_s, size_t n, double probe_s, struct profile_result *r);

/* The work multiplier of a start among `starts` started at once
 * (model.h host.start_burst) that makes the simulator's processor sharing
 * of `cores` cores, with the host's sharing efficiency `m` (its host.share
 * fields; none: 1), end such a burst at the measured makespan_ms, when a
 * start alone takes alone_ms: equal starts of alone_ms x factor shared by
 * min(starts, cores) cores at efficiency e(starts / cores) all end at
 * starts x alone_ms x factor / (min(starts, cores) x e).
 * With spawn_wall_ms > 0 (the measured time per start of the one thread
 * that starts them, which forks them one after another), the starts are
 * spawned (model.h start_spawn_s): *spawn_ms, the thread's part of a
 * start, and the factor are fitted together, so that in the burst of
 * profile_burst_ends the last start ends at makespan_ms and the last
 * spawn at starts x spawn_wall_ms (bisected, the part within 0..alone_ms);
 * else *spawn_ms is 0. Spawned, or with turns (m's share_quantum_s > 0)
 * and more starts than cores, the factor is bisected on
 * profile_burst_ends. Clamped to the loader's 0.1..100; NAN when an input
 * is not positive. */
double profile_fit_start_burst(const struct model_profile *m, int starts, int cores, double alone_ms,
                               double makespan_ms, double spawn_wall_ms, double *spawn_ms);

/* The end times of `starts` equal starts on `cores` cores as the
 * simulator shares them (engine.c: round robin in turns of `quantum`,
 * ceil(cores) jobs at a time, or processor sharing when quantum is 0), each
 * running job at rate 1 while the jobs fit the cores, else the cores' time
 * times model_share_efficiency(m, jobs present / cores) among the running
 * ones. With spawn > 0 a start-up job does `spawn` of work for each start
 * in turn, sharing the cores with the rest, and a start's `work` begins
 * when its spawn ends; with spawn 0 every start's work is there at 0.
 * ends[] (starts entries) comes back sorted; spawn_ends[] (starts entries,
 * when not NULL and spawn > 0) gets the spawns' ends, in order. */
void profile_burst_ends(const struct model_profile *m, int starts, int cores, double spawn, double work,
                        double quantum, double *ends, double *spawn_ends);

/* profile_burst_ends of `jobs` jobs of unit work started together. */
void profile_share_ends(const struct model_profile *m, int jobs, int cores, double quantum, double *ends);

/* The host's sharing fitted to `rounds` measured rounds of `jobs` equal
 * batches on `cores` cores: answers[r * jobs + i] is round r's (i+1)-th
 * answer, as a multiple of its batch's time alone, from the first send
 * and less the round trip's overhead alone (each row sorted). For each
 * candidate turn (processor sharing, then turns of 1, 2^-1/4, ... 2^-6 of
 * the work), the efficiency whose mean end time (profile_share_ends) is
 * the median over the rounds of their mean answer, and the candidate
 * whose sorted ends are nearest (least squares) the per-rank medians of
 * the answers. Returns that efficiency (clamped to [min_efficiency, 1])
 * and its turn in *quantum (units of the work; 0: processor sharing). */
double profile_fit_share(const double *answers, int rounds, int jobs, int cores, double min_efficiency,
                         double *quantum);

/* The host's speed from a probe (what profile_measure does with it; public
 * for its tests): w[0..n) (n >= 2) the median inference time of each of
 * the n windows (PROFILE_SPEED_WINDOW_S) of a probe of probe_s seconds,
 * reference_ms (> 0) the median of the profile's samples of that batch,
 * round_w[0..n_round) the timed rounds' own speed factors by window.
 * Fills speed_factor (allocated: the rounds' windows, then the probe's,
 * w / reference_ms), n_speed, speed_probe_windows,
 * speed_reference_windows, speed_mean_ms, speed_reference_ms,
 * speed_autocorrelation (pooled over both series), speed_level_z (the
 * probe's mean against the rounds'), speed_shifted and speed_hold_s. */
void profile_fit_speed(struct profile_result *r, const double *w, size_t n, double probe_s, double reference_ms,
                       const double *round_w, size_t n_round);

/* When the host changed speed during the profile (speed_shifted): writes
 * into buf a sentence saying by how much (the probe's windows' mean factor
 * over the rounds') and what it does to predictions, and returns true;
 * else false and buf is untouched. */
bool profile_speed_shift_note(const struct profile_result *r, char *buf, size_t len);

#endif
