/* scenario: the validated, fully defaulted description of one experiment.
 * Produced by config_load (config.h), read by the engine; plain data.
 * Units are in the names; every duration is in seconds once loaded. */
#ifndef LAMBDASIM_SCENARIO_H
#define LAMBDASIM_SCENARIO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "core/dist.h"
#include "core/model.h"

#define SCENARIO_PATH_MAX 4096
#define SCENARIO_NAME_MAX 128

enum workload_type { WORKLOAD_UNIFORM = 0, WORKLOAD_POISSON, WORKLOAD_BURSTY, WORKLOAD_TRACE };

/* How a trace file is read (trace.h). */
enum trace_format { TRACE_FORMAT_TIMES = 0, TRACE_FORMAT_AZURE2019, TRACE_FORMAT_AZURE2021 };

/* Where a per-minute count's arrivals fall inside the minute (azure2019). */
enum minute_placement {
    MINUTE_EVEN = 0,    /* c arrivals at (j + 0.5) / c of the minute, j = 0..c-1 */
    MINUTE_RANDOM       /* c uniform random points, sorted (arrivals stream) */
};

struct workload_spec {
    enum workload_type type;
    double rate_rps;        /* uniform, poisson */
    int burst_size;         /* bursty: requests per burst */
    double gap_s;           /* bursty: spacing inside a burst (0 = simultaneous) */
    double burst_pause_s;   /* bursty: after the last request of a burst */
    double start_s;         /* time of the first arrival (poisson: first gap starts here) */
    double *trace_s;        /* trace: sorted arrival times, owned */
    size_t trace_len;
    char trace_path[SCENARIO_PATH_MAX]; /* trace: resolved path, for messages */
    enum trace_format trace_format;
    double time_scale;      /* trace: simulated seconds per trace second (1 = as recorded) */
    /* trace azure2019: invocations per minute (owned), trace_s is NULL and
     * trace_len is the total; minute m starts at m * 60 * time_scale. */
    uint64_t *minute_counts;
    size_t n_minutes;
    enum minute_placement within_minute;
    /* azure2019: how many files were chained (trace_path is the first) and
     * the minute, counted from minute 1 of the first file's day, where
     * minute_counts[0] falls (leading idle minutes are dropped). */
    size_t n_trace_files;
    size_t first_minute;
    /* azure2019 workload.durations: the function's execution-time
     * percentiles in ms (0, 1, 25, 50, 75, 99, 100th), which replace the
     * profile's inference time; workload.memory: its app's allocated-memory
     * percentiles in MB (1, 5, 25, 50, 75, 95, 99, 100th), read and reported
     * only. */
    bool has_durations;
    double duration_average_ms;
    double duration_pct_ms[7];
    bool has_memory;
    double memory_average_mb;
    double memory_pct_mb[8];
};

/* batching.policy (batchpolicy.h, docs/batching-policies.md): fixed
 * (threshold, max_batch, timeout_s as given), aimd (the threshold moves
 * with each completed batch's latency against slo_s: Crankshaw et al.,
 * Clipper, NSDI 2017) or slo (the queue also leaves when its oldest
 * request's slack falls to the predicted latency). Zeroed = fixed. */
#define BATCH_POLICIES(X)     \
    X(FIXED, "fixed")         \
    X(AIMD, "aimd")           \
    X(SLO, "slo")

enum batch_policy {
#define BATCH_POLICY_ENUM(id, name) BATCH_POLICY_##id,
    BATCH_POLICIES(BATCH_POLICY_ENUM)
#undef BATCH_POLICY_ENUM
};

struct batching_spec {
    int threshold;          /* dispatch when this many are queued (1 = no batching);
                               aimd: the cap's starting value */
    int max_batch;          /* a batch never holds more */
    double timeout_s;       /* dispatch when the oldest queued request waited this long;
                               slo: 0 = no timeout (the slack bounds the wait) */
    enum batch_policy policy;
    double slo_s;           /* aimd, slo: the latency objective (arrival to response) */
    int aimd_increase;      /* aimd: the cap grows by this after a batch within slo_s */
    double aimd_decrease;   /* aimd: the cap is multiplied by this (0..1) after one beyond */
};

struct client_spec {
    int max_inflight;       /* outstanding invocations; 0 = unlimited */
    int max_queue;          /* dispatched batches that may wait for a slot;
                               beyond it a batch is rejected */
};

enum routing_policy { ROUTING_MRU = 0, ROUTING_LRU, ROUTING_RANDOM };

/* platform.keep_alive_policy: fixed (platform.keep_alive_s after every
 * invocation) or the hybrid histogram policy of Shahrad et al., "Serverless
 * in the Wild", USENIX ATC 2020, which learns the function's idle times
 * (keepalive.h). Zeroed = fixed. */
enum keepalive_policy { KEEPALIVE_FIXED = 0, KEEPALIVE_HISTOGRAM };

struct keepalive_spec {
    enum keepalive_policy policy;
    double range_s;                 /* idle times up to this are binned; beyond: out of bounds */
    double bin_s;                   /* bin width */
    double head_percentile;         /* of the idle times, in percent: the pre-warm window */
    double tail_percentile;         /* in percent: the end of the keep-alive window */
    double margin;                  /* fraction: pre-warm earlier, keep alive longer */
    int min_samples;                /* idle times needed before the histogram is trusted */
    double cv_threshold;            /* bin counts' coefficient of variation needed */
    double oob_threshold;           /* fraction of idle times beyond range_s that makes it fall back */
};
enum throttle_action { THROTTLE_DROP = 0, THROTTLE_RETRY };

/* platform.provisioned: provisioned concurrency that changes during the
 * run, as Application Auto Scaling changes it for a Lambda alias: scheduled
 * actions (min and max capacity from a time on) and target tracking of
 * ProvisionedConcurrencyUtilization (pcscaling.h). The capacity at t = 0 is
 * platform.provisioned_concurrency. Zeroed = fixed. */
struct pc_schedule_entry {
    double at_s;
    int min_capacity, max_capacity;
};

enum pc_statistic { PC_STAT_AVERAGE = 0, PC_STAT_MAXIMUM };

struct pc_scaling_spec {
    bool enabled;                   /* a schedule or target tracking is set */
    double ready_delay_s;           /* configured at t, available at t + this */
    struct pc_schedule_entry *schedule;  /* owned, by at_s (ties: file order) */
    size_t n_schedule;
    bool tracking;                  /* target tracking is set */
    double target_utilization;      /* TargetValue, a fraction (0.7) */
    int min_capacity, max_capacity; /* the scalable target's (until a schedule moves them) */
    enum pc_statistic statistic;    /* of the 1-minute datapoint */
    double period_s;                /* one datapoint per period (60) */
    int scale_out_datapoints;       /* consecutive datapoints above the target (3) */
    int scale_in_datapoints;        /* consecutive datapoints below scale_in_ratio x target (15) */
    double scale_in_ratio;          /* 0.9: the low alarm's threshold over the target */
    double scale_out_cooldown_s, scale_in_cooldown_s;   /* 0 for Lambda */
    bool disable_scale_in;
};

struct platform_spec {
    int provisioned_concurrency;    /* at t = 0 (initialised before the run) */
    struct pc_scaling_spec provisioned;
    struct dist keep_alive_s;       /* idle time before an on-demand instance is reclaimed */
    struct keepalive_spec keep_alive_policy; /* fixed: keep_alive_s; histogram: learned */
    enum routing_policy routing;
    int reserved_concurrency;       /* 0 = not set */
    int account_concurrency;        /* default 1000 */
    int concurrency_limit;          /* derived: reserved if set, else account */
    double scale_per_10s;           /* new on-demand instances per 10 s (token bucket, capacity = this) */
    enum throttle_action on_throttle;
    double backoff_s;               /* first retry delay (retry only) */
    double backoff_max_s;           /* cap on the delay */
    int max_retries;                /* then the requests fail */
    double host_cores;              /* processor sharing among busy instances on this
                                       many cores (real: 1.5 for a cgroup-limited
                                       host); 0 = off (each has its own CPU) */
};

struct warmup_spec {
    int concurrency;                /* pings per round; 0 = no warm-up */
    double interval_s;
    double first_at_s;
    /* "random": the first round at a uniform phase in [0, interval_s),
     * drawn from the run's seed (so each replication of a study whose
     * schedule is unknown gets its own phase); first_at_s is then 0. */
    bool first_at_random;
    double hold_s;                  /* how long a ping holds its instance */
};

struct pricing_spec {
    double request_usd;                         /* per invocation */
    double duration_usd_per_gb_s;               /* on-demand */
    double provisioned_usd_per_gb_s;            /* standby, while configured */
    double provisioned_duration_usd_per_gb_s;   /* running on a provisioned instance */
    double provisioned_billing_period_s;        /* standby billed in whole periods (300) */
    double duration_granularity_ms;             /* billed duration rounded up to this (1) */
    double snapstart_restore_usd_per_gb;        /* SnapStart: per restore, per GB of memory */
    double snapstart_cache_usd_per_gb_s;        /* SnapStart: snapshot cache, per GB-s */
    double snapstart_cache_min_s;               /* the cache is billed for at least this (3 h) */
};

struct function_spec {
    double memory_mb;
    double timeout_s;               /* invocation limit; over it the batch fails */
    char model_path[SCENARIO_PATH_MAX]; /* resolved */
    struct model_profile model;     /* owned; inference already scaled to memory_mb */
    double compute_factor;          /* the scaling applied (1 = same memory as profile) */
    struct dist extra_init_s;       /* a container image's init on top of the model's
                                       cold start (a wait, not work); constant 0 = none */
    /* Lambda SnapStart: a new instance is restored from the version's
     * snapshot (model.restore_s, copied into model.cold_start_s at load, so
     * the engine draws it where it draws a cold start) instead of being
     * initialised; priced per restore and for the cached snapshot. */
    bool snapstart;
};

enum stats_mode { STATS_EXACT = 0, STATS_STREAMING };

/* Where a request's latency starts: at its arrival (what a client of the
 * batcher sees; the default) or when its batch was dispatched (what the
 * invocation of the batch costs; the batching wait excluded). */
enum latency_origin { LATENCY_FROM_ARRIVAL = 0, LATENCY_FROM_DISPATCH };

/* Where the time averages of instance counts (mean alive/busy/idle) end:
 * at the last completion (the default: the drain after the last arrival,
 * when fewer and fewer instances are busy, is included) or at the last
 * arrival (the stationary part only, what queueing theory's rho x c is). */
enum stats_window { STATS_WINDOW_COMPLETIONS = 0, STATS_WINDOW_ARRIVALS };

struct scenario {
    char path[SCENARIO_PATH_MAX];   /* file it came from, for messages */
    char name[SCENARIO_NAME_MAX];
    uint64_t seed;
    double duration_s;              /* arrivals stop at this time; INFINITY = no limit */
    uint64_t max_requests;          /* arrivals stop after this many; 0 = no limit */
    double warmup_period_s;         /* requests arriving earlier are not in the statistics */
    struct workload_spec workload;
    struct batching_spec batching;
    struct client_spec client;
    struct function_spec function;
    struct platform_spec platform;
    struct warmup_spec warmup;
    struct pricing_spec pricing;
    enum stats_mode stats;
    enum latency_origin latency_from;
    enum stats_window window;
    double expected_requests;       /* derived: about how many arrive (for limits) */
};

/* Frees what the workload owns (trace times, minute counts) and zeroes
 * them; idempotent. */
void scenario_workload_fini(struct workload_spec *w);

/* Frees what the scenario owns (trace, model, distributions); idempotent. */
void scenario_fini(struct scenario *sc);

#endif
