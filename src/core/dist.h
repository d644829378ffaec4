/* dist: a duration or value distribution given in a scenario or model file.
 * The only module that calls gsl_ran_*. Values come out in whatever unit the
 * distribution was given in; callers convert once at load time (dist_scale). */
#ifndef LAMBDASIM_DIST_H
#define LAMBDASIM_DIST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <gsl/gsl_rng.h>
#include "core/rng.h"

/* The one list of distribution kinds: X(ID, "name as written in files",
 * number of parameters a file gives, their names (NULL past the number)).
 * What struct dist holds, per kind: constant a = value; exponential a =
 * mean; normal a = mean, b = sd, truncated at 0 by rejection; lognormal
 * a = mu, b = sigma of the underlying normal (a file gives mu or median,
 * and sigma); gamma and weibull a = shape, b = scale; uniform a = min,
 * b = max; empirical samples[0..n_samples), drawn uniformly (bootstrap). */
#define DIST_KINDS(X)                                             \
    X(CONSTANT, "constant", 1, "value", NULL, NULL)               \
    X(EXPONENTIAL, "exponential", 1, "mean", NULL, NULL)          \
    X(NORMAL, "normal", 2, "mean", "sd", NULL)                    \
    X(LOGNORMAL, "lognormal", 3, "mu", "median", "sigma")         \
    X(GAMMA, "gamma", 2, "shape", "scale", NULL)                  \
    X(WEIBULL, "weibull", 2, "shape", "scale", NULL)              \
    X(UNIFORM, "uniform", 2, "min", "max", NULL)                  \
    X(EMPIRICAL, "empirical", 1, "samples", NULL, NULL)

enum dist_kind {
#define DIST_KIND_ENUM(id, name, n, p0, p1, p2) DIST_##id,
    DIST_KINDS(DIST_KIND_ENUM)
#undef DIST_KIND_ENUM
};
/* Outside enum dist_kind, so that a switch over the kinds needs no case
 * for it: one counting enumerator per kind, then the count. */
enum dist_kind_count {
#define DIST_KIND_COUNTER(id, name, n, p0, p1, p2) DIST_COUNTING_##id,
    DIST_KINDS(DIST_KIND_COUNTER)
#undef DIST_KIND_COUNTER
    DIST_KIND_COUNT
};

struct dist {
    enum dist_kind kind;
    double a;
    double b;
    double *samples;   /* owned; only for DIST_EMPIRICAL */
    size_t n_samples;
};

/* Constant distribution with the given value (no allocation). */
struct dist dist_constant(double value);

/* Name as written in files ("constant", "exponential", ...); NULL if bad kind. */
const char *dist_kind_name(enum dist_kind kind);

/* Parse a kind name; returns 0 and sets *out, or -1 if unknown. */
int dist_kind_parse(const char *name, enum dist_kind *out);

/* Check parameters (finite, positive where needed, non-negative support).
 * Returns 0 if valid, else -1 and writes a short reason such as
 * "sd: must be >= 0 (got -1)" into msg (the caller prefixes the field path). */
int dist_check(const struct dist *d, char *msg, size_t msg_len);

/* For a checked distribution of times in seconds: refuses (-1, the reason
 * in msg) a mean or a 1 - 1e-12 quantile that is not finite or above max
 * seconds, e.g. a lognormal with mu 1000 or an exponential with mean
 * 1e308, whose draws would swamp the clock's precision. Returns 0 if
 * within. */
int dist_check_bound(const struct dist *d, double max, char *msg, size_t msg_len);

/* One draw (out of line; see dist_sample). */
double dist_sample_draw(const struct dist *d, gsl_rng *r);

/* The exponential ziggurat's acceptance bounds and widths (see
 * src/core/ziggurat_tables.c), public only for dist_sample's inlined fast path. */
extern const uint32_t dist_zig_exp_k[256];
extern const double dist_zig_exp_w[256];

/* A standard exponential that continues the ziggurat from a first 32-bit
 * draw u that failed the fast test (about 2% of draws; out of line). */
double dist_exp_slow(uint32_t u, gsl_rng *r);

/* One draw; never negative for a checked distribution. r must come from
 * rng_stream_create (or be of rng_mt19937_type). Constants, and most
 * exponential draws (the arrival gaps and inference times of every
 * request), return without a call: one inlined MT19937 output and a table
 * look-up, the same values as dist_sample_draw. */
static inline double dist_sample(const struct dist *d, gsl_rng *r)
{
    if (d->kind == DIST_CONSTANT)
        return d->a;
    if (d->kind == DIST_EXPONENTIAL) {
        /* Low 8 bits pick the layer, high 24 the position (as in dist.c). */
        uint32_t u = rng_u32(r);
        uint32_t iz = u & 255u, jz = u >> 8;
        if (jz < dist_zig_exp_k[iz])
            return d->a * (jz * dist_zig_exp_w[iz]);
        return d->a * dist_exp_slow(u, r);
    }
    return dist_sample_draw(d, r);
}

/* Analytic mean (for a truncated normal, the truncated mean). */
double dist_mean(const struct dist *d);

/* Multiply every value the distribution can produce by factor > 0
 * (unit conversion, CPU-share scaling). */
void dist_scale(struct dist *d, double factor);

/* Deep copy (allocates samples for empirical). Aborts on out of memory. */
void dist_copy(struct dist *dst, const struct dist *src);

/* The same distribution: kind, parameters and samples (in order) equal. */
bool dist_same(const struct dist *x, const struct dist *y);

/* Frees owned samples; safe on a zeroed or constant dist. */
void dist_fini(struct dist *d);

#endif
