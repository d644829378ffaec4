/* validate: the comparison behind `lambdasim validate`. The observed send
 * times of a client log replace a scenario's workload; the scenario is run
 * R times and, per metric, the observed value is judged against the mean
 * prediction (relative tolerance) and against the spread of single
 * simulated runs (a distribution-free per-run prediction interval), so that
 * a difference one run varies by is not taken for model error. Nothing is
 * printed: the command line prints the result and chooses the exit code. */
#ifndef LAMBDASIM_VALIDATE_H
#define LAMBDASIM_VALIDATE_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "core/scenario.h"
#include "formats/lambdalog.h"

enum validate_metric {
    VALIDATE_MEAN = 0, VALIDATE_P50, VALIDATE_P90, VALIDATE_P99, VALIDATE_THROUGHPUT, VALIDATE_COLD_RATE,
    VALIDATE_COLD_COUNT, VALIDATE_FAILED_RATE, VALIDATE_METRIC_COUNT
};

/* "latency_mean_ms", ..., "failed_rate": the keys of --json and of
 * --tolerance-for. */
extern const char *const validate_metric_key[VALIDATE_METRIC_COUNT];

/* within: inside the tolerance; noise: outside it but the observed value is
 * inside the per-run interval; miss: outside both. NONE: the metric is not
 * in the log. */
enum validate_verdict { VALIDATE_NONE = 0, VALIDATE_WITHIN, VALIDATE_NOISE, VALIDATE_MISS };

/* "within", "noise", "miss" ("-" for NONE). */
const char *validate_verdict_name(enum validate_verdict v);

/* The level L is the family's: a correct model's metrics are all inside
 * their per-run intervals together with probability at least L. Each
 * metric's interval is at validate_metric_level(L) = 1 - (1 - L) / m, m =
 * VALIDATE_METRIC_COUNT (Bonferroni: valid whatever the metrics'
 * dependence). At 95 % per metric a correct model failed 6 of 20 noisy
 * logs on one metric or another. */
#define VALIDATE_LEVEL_DEFAULT 0.95
/* The smallest R whose [min, max] reaches the default per-metric level
 * (1 - 0.05 / 8 = 0.99375): 2 / (1 - 0.99375) - 1 = 319. */
#define VALIDATE_REPLICATIONS_DEFAULT 319

/* The per-metric level of a family level L over VALIDATE_METRIC_COUNT
 * metrics. */
double validate_metric_level(double family_level);

struct validate_opts {
    /* Borrowed; its workload is replaced by the observed sends and its
     * duration_s and requests limits lifted (the caller still finis it). */
    struct scenario *sc;
    const char *scenario_path;                      /* for messages */
    const struct lambdalog_client *log;             /* the observed client log */
    const char *log_path;                           /* for messages */
    uint64_t seed;                                  /* replication r runs rng_derive_seed(seed, r) */
    size_t replications;                            /* R >= 1 */
    double tolerance[VALIDATE_METRIC_COUNT];        /* relative, > 0 */
    double interval_level;                          /* L of the per-run interval, 0 < L < 1 */
    bool tolerance_only;                            /* pass on the tolerance alone (the old rule) */
    const volatile sig_atomic_t *stop;              /* engine_hooks.stop; may be NULL */
};

/* Under this many observed cold starts, a prediction within one of the
 * count (the rate: within one cold batch's share of the requests) is
 * within the tolerance: 10 % of 4 is less than the one cold start a count
 * can move by. */
#define VALIDATE_FEW_COLD 10

/* Likewise under this many observed failed requests: the failed rate is
 * within when the prediction is within one request's share of it. */
#define VALIDATE_FEW_FAILED 10

struct validate_row {
    bool available;         /* observed (the cold columns are optional; the latency
                               metrics need an ok request) */
    double tol;             /* this metric's tolerance */
    double abs_tol;         /* and an absolute one beside it (0: none): one cold start
                               when fewer than VALIDATE_FEW_COLD were observed, one
                               request's share when fewer than VALIDATE_FEW_FAILED failed */
    double observed;
    double predicted, half; /* mean over the replications, half-width of its 95 % Student-t interval */
    double rel;             /* (predicted - observed) / observed; NAN when observed is 0 */
    double run_lo, run_hi;  /* per-run interval: order statistics k and R+1-k of single runs */
    bool within;            /* |rel| <= tol or |predicted - observed| <= abs_tol
                               (observed 0: predicted exactly 0, or within abs_tol) */
    bool within_interval;   /* run_lo <= observed <= run_hi */
    enum validate_verdict verdict;
};

/* The per-run interval's order statistic k and the coverage of a new run
 * it guarantees, (R+1-2k)/(R+1). */
struct validate_interval {
    double level;           /* asked for: the family's */
    double metric_level;    /* each metric's: validate_metric_level(level) */
    double coverage;        /* achieved, per metric */
    double family_coverage; /* and for all metrics together, at least (Bonferroni; 0 at worst) */
    size_t replications, k;
    bool enough;            /* false: R < 2/(1-l) - 1 (l the metric level), so [min, max]
                               with coverage below it */
};

struct validate_result {
    size_t rows, counted, ok;   /* observed: log rows, in the statistics window, ok among them;
                                   ok 0: only the failed rate is compared (every request failed) */
    struct validate_row m[VALIDATE_METRIC_COUNT];
    struct validate_interval interval;
    double ks, ks_p_value, w1;  /* observed against all replications' latencies pooled (NAN
                                   when either side has none) */
    bool pass;                  /* no miss (tolerance_only: every metric within) */
    double *observed_ms, *predicted_ms; /* sorted latencies (owned; for plots) */
    size_t n_observed, n_predicted;
    int stop_signal;            /* VALIDATE_INTERRUPTED: the value *stop had */
};

enum validate_status {
    VALIDATE_OK = 0,
    VALIDATE_BAD_INPUT,     /* nothing to compare in the log */
    VALIDATE_FAILED,        /* no simulated request completed, where some observed ones did */
    VALIDATE_INTERRUPTED,   /* *stop became non-zero; stop_signal says which */
};

/* Runs the comparison. Returns VALIDATE_OK with *out filled, or another
 * status with a one-line message (naming the file) in msg. Free *out with
 * validate_result_fini in every case. */
enum validate_status validate_run(const struct validate_opts *o, struct validate_result *out, char *msg,
                                  size_t len);
void validate_result_fini(struct validate_result *r);

/* The largest k >= 1 with (r+1-2k)/(r+1) >= level: the order statistics
 * [X_(k), X_(r+1-k)] of r runs then contain a new run's value with
 * probability (r+1-2k)/(r+1), whatever its distribution. When no k works
 * (r < 2/(1-level) - 1) it is 1 ([min, max]) and *enough is false.
 * *coverage is (r+1-2k)/(r+1). r >= 1. */
size_t validate_order_k(size_t r, double level, double *coverage, bool *enough);

/* Sorts v[0..r) and sets [lo, hi] = [v_(k), v_(r+1-k)] (1-based; k <= (r+1)/2). */
void validate_per_run_interval(double *v, size_t r, size_t k, double *lo, double *hi);

/* Judges one metric from its reps single-run values vals (sorted in
 * place): from m->available, m->observed and m->tol, sets the prediction
 * (mean and its 95 % half-width), the per-run interval with order
 * statistic k, the relative error and the verdict. */
void validate_judge(struct validate_row *m, double *vals, size_t reps, size_t k);

/* The verdict of an available metric. */
enum validate_verdict validate_classify(bool within_tolerance, bool within_interval);

#endif
