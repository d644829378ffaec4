/* model: the cost profile of one function (a JSON file under models/):
 * cold-start (init) time, invoke/network overhead, and inference time as a
 * function of batch size. Loaded by config (the only cJSON user); the engine
 * only samples from it. All durations are held in SECONDS after loading. */
#ifndef LAMBDASIM_MODEL_H
#define LAMBDASIM_MODEL_H

#include <assert.h>
#include <math.h>
#include <stdbool.h>
#include <gsl/gsl_rng.h>
#include "core/dist.h"

#define MODEL_NAME_MAX 128

/* Lambda gives one vCPU of credits per second at this memory size. */
#define MODEL_MB_PER_VCPU 1769.0

struct model_profile {
    char name[MODEL_NAME_MAX];
    double memory_mb;           /* memory the costs were measured at */
    /* Share of inference time that scales with the CPU share (Amdahl); the
     * rest (I/O, waiting on other services) does not. 1 when the profile
     * gives none (has_cpu_bound_fraction false): purely CPU-bound. */
    double cpu_bound_fraction;
    bool has_cpu_bound_fraction;
    struct dist cold_start_s;   /* init time of a new instance (has_cold_start) */
    bool has_cold_start;        /* false only in a SnapStart profile from logs without
                                   Init Duration (init ran when the version was published) */
    struct dist restore_s;      /* SnapStart: a new instance's snapshot restore (has_restore) */
    bool has_restore;
    struct dist overhead_s;     /* per invocation, outside the instance */
    /* The first invocation an instance runs takes this much longer than
     * the same batch later (lazy loading, cold caches and branch
     * predictors; has_first_invocation): optional "first_invocation_ms".
     * Scaled with memory as inference is. */
    bool has_first_invocation;
    struct dist first_invocation_s;
    /* inference time of a batch of n: by_size[n] when has_size[n], else
     * base_s + per_item_s * n (has_base). */
    bool has_base;
    struct dist base_s;
    double per_item_s;
    int table_max;              /* highest n in the table, 0 if none */
    struct dist *by_size;       /* owned, index 1..table_max */
    bool *has_size;             /* owned, index 1..table_max */
    /* What a local invocation costs the host that measured the profile,
     * beyond the function's own times (optional "host", `lambdasim
     * profile`): the round trip of an empty request to a warm worker, and a
     * worker process's start to READY. Not scaled with memory. */
    bool has_host;
    struct dist host_dispatch_s;
    struct dist host_start_s;
    /* The host's idle penalty (host.idle, `profile --long-gap-ms`): an
     * instance that sat idle for t before an invocation runs it slower by
     * wake + slowdown * inference (a sleeping CPU woken, caches refilled),
     * in full from idle_long_s, not at all up to idle_short_s (what the
     * inference samples were measured after), log-linear between. */
    bool has_idle;
    double idle_short_s, idle_long_s, idle_wake_s, idle_slowdown;
    /* A cold start on a host idle for t (no instance busy) waits
     * idle_start_s longer, weighted as the penalty (host.idle start_ms):
     * a start after 1 s idle took 0.1-1.2 ms more than one after 20 ms on
     * the development VM. */
    double idle_start_s;
    /* Stalls after an idle (host.idle stall_probability, stall_ms): a
     * warm batch after idle_long_s idle meets one with
     * idle_stall_probability (weighted as the penalty, by
     * model_idle_weight) and then takes a draw of idle_stall_s longer. A
     * virtual machine's idle CPUs are handed back to the hypervisor, and
     * getting them back now and then takes milliseconds: on the
     * development VM a quarter of the bursts after 2 s pauses waited
     * 15-18 ms, none after 0.2 s. */
    bool has_idle_stall;
    double idle_stall_probability;
    struct dist idle_stall_s;
    /* Simultaneous starts (host.start_burst, `profile --burst-starts`): a
     * worker start among start_burst_n started at once does
     * start_burst_factor times the work of a start alone, the multiplier
     * with which processor sharing (and host.share) ends such a burst at
     * its measured makespan (profile_fit_start_burst); see
     * model_start_factor. */
    bool has_start_burst;
    int start_burst_n;
    double start_burst_factor;
    /* The host's one start-up thread (host.start_burst spawn_ms; 0: not
     * modelled): each start first needs start_spawn_s of its work done by
     * that thread, one start after another, and only then does the rest
     * (loading) run alongside the others. The emulator's spawner forks
     * and execs the workers so (spawner.h): a burst's starts end one after
     * another, not together. Part of the cold start, not added to it. */
    double start_spawn_s;
    /* The host's sharing efficiency (host.share, `profile --share-jobs`):
     * share_jobs busy workers on share_cores cores got share_efficiency
     * of the cores' time (the emulator's own loop, migrations between the
     * cores, caches shared by the jobs of one core); see
     * model_share_efficiency. */
    bool has_share;
    int share_jobs, share_cores;
    double share_efficiency;
    /* How the cores are shared (host.share quantum_ms): 0, all busy jobs
     * at once (processor sharing); above 0, in turns of this much work
     * each, ceil(cores) jobs at a time, the rest waiting in a FIFO (round
     * robin: work shorter than a turn runs to its end, first come first
     * served). A real scheduler gives each task a slice of milliseconds
     * and keeps a task on its core: it ends a burst's short batches one
     * after another and a long batch's peers spread out, where processor
     * sharing ends equal jobs together. `profile` fits it to the spread of
     * the shared answers. */
    double share_quantum_s;
    /* The host's speed over time (host.speed, `profile --speed-probe-s`):
     * the same batch took speed_factor times its usual time for stretches
     * of the probe (a VM's neighbours, frequency changes, other jobs), a
     * stretch lasting about speed_hold_s. The simulator holds one factor
     * for an exponential time of mean speed_hold_s, then draws the next;
     * see engine.c host_speed. speed_window_s is the probe's window
     * (provenance: the factors are means over windows that long). */
    bool has_speed;
    struct dist speed_factor;
    double speed_hold_s, speed_window_s;
    /* Stalls of the host (host.stall, `profile --speed-probe-s`): a batch
     * met one with stall_probability and then took stall_s longer (the
     * hypervisor or another job took the CPU for milliseconds: the tail of
     * sub-millisecond work). */
    bool has_stall;
    double stall_probability;
    struct dist stall_s;
    /* Stalls of the host's wake-ups (host.wake, `profile --wake-probe-s`):
     * a thread woken on this host (a worker handed a request, the loop
     * handed the answer) now and then runs only milliseconds later (a
     * virtual CPU not running). Each run draws its share of stalled
     * wake-ups from wake_probability (the probe's windows: the share moves
     * between stretches of the host), and each invocation meets
     * wake_per_invocation wake-ups, each stalled with that share and then
     * wake_s longer. */
    bool has_wake;
    struct dist wake_probability;
    struct dist wake_s;
    int wake_per_invocation;
};

/* The share of the host's cores that busy jobs get when they ask for
 * `demand` times the cores (jobs x CPU share / cores): 1 up to 1 (no core
 * is shared), share_efficiency from the measured oversubscription
 * share_jobs / share_cores on, linear in between (two measured points; no
 * more is claimed). */
static inline double model_share_efficiency(const struct model_profile *m, double demand)
{
    if (!m->has_share || demand <= 1)
        return 1;
    double measured = (double)m->share_jobs / (double)m->share_cores;
    assert(measured > 1);
    if (demand >= measured)
        return m->share_efficiency;
    return 1 - (1 - m->share_efficiency) * (demand - 1) / (measured - 1);
}

/* The work of a cold start on the measuring host when `starting` starts
 * (this one included) are under way: 1 alone, start_burst_factor from
 * start_burst_n on, linear in between (two measured points; no more is
 * claimed). */
static inline double model_start_factor(const struct model_profile *m, int starting)
{
    if (!m->has_start_burst || starting <= 1)
        return 1;
    if (starting >= m->start_burst_n)
        return m->start_burst_factor;
    return 1 + (m->start_burst_factor - 1) * (double)(starting - 1) / (double)(m->start_burst_n - 1);
}

/* The share (0..1) of the idle penalty after idle_s of idleness. */
static inline double model_idle_weight(const struct model_profile *m, double idle_s)
{
    if (!m->has_idle || idle_s <= m->idle_short_s)
        return 0;
    if (idle_s >= m->idle_long_s)
        return 1;
    return log(idle_s / m->idle_short_s) / log(m->idle_long_s / m->idle_short_s);
}

/* Fixes the host's speed at `factor` for the whole run (validate
 * --host-speed: a prediction given the speed the host ran at), in place of
 * host.speed's draws; has_speed becomes true. factor > 0. */
void model_fix_speed(struct model_profile *m, double factor);

/* The profile's invocation costs are the host's own: `profile` measured
 * them here (its cold_start_ms is its host.start_ms). emulate then runs the
 * host's real costs, not waits drawn from them: a real start held until a
 * second draw of the same distribution ends at the larger of two, which
 * the simulator's one draw does not predict. */
bool model_costs_are_host(const struct model_profile *m);

/* CPU share of a single-threaded function at memory_mb:
 * min(memory_mb, 1769) / 1769 (above 1769 MB a second vCPU does not help one
 * thread). */
double model_cpu_share(double memory_mb);

/* Factor by which compute time measured at profile_mb stretches at run_mb:
 * cpu_share(profile_mb) / cpu_share(run_mb). */
double model_compute_factor(double profile_mb, double run_mb);

/* Factor by which inference time measured at profile_mb stretches at run_mb
 * when a fraction f (0..1) of it is CPU-bound (Amdahl):
 * (1 - f) + f * model_compute_factor(profile_mb, run_mb). f = 1 gives the
 * compute factor itself, f = 0 gives 1. */
double model_memory_factor(double profile_mb, double run_mb, double cpu_bound_fraction);

/* True when running m at run_mb changes its CPU share and m has no
 * cpu_bound_fraction: its inference is then scaled on the guess that it is
 * purely CPU-bound (callers warn). */
bool model_memory_is_guess(const struct model_profile *m, double run_mb);

/* True when the profile can give an inference time for every batch size
 * 1..max_batch; otherwise writes the first missing size to *missing. */
bool model_covers(const struct model_profile *m, int max_batch, int *missing);

/* Scale inference (base, per-item, table) by factor (memory scaling). */
void model_scale_compute(struct model_profile *m, double factor);

/* True when the table holds a measured time for batch size n. */
static inline bool model_in_table(const struct model_profile *m, int n)
{
    return n >= 1 && n <= m->table_max && m->has_size[n];
}

/* One inference-time draw in seconds for a batch of n (1 <= n, covered).
 * A table entry, when present, is the measured time of exactly that batch
 * size and wins over the base + per-item line. Inline: one per invocation. */
static inline double model_sample_inference_s(const struct model_profile *m, int n, gsl_rng *r)
{
    assert(n >= 1);
    if (model_in_table(m, n))
        return dist_sample(&m->by_size[n], r);
    assert(m->has_base);
    return dist_sample(&m->base_s, r) + m->per_item_s * n;
}

/* Mean inference time in seconds for a batch of n. */
double model_mean_inference_s(const struct model_profile *m, int n);

void model_copy(struct model_profile *dst, const struct model_profile *src);
void model_fini(struct model_profile *m);

#endif
