/* rng: independent random streams derived from one master seed.
 * Every consumer of randomness owns its own gsl_rng, so adding draws in one
 * part of the model never shifts the numbers another part sees. */
#ifndef LAMBDASIM_RNG_H
#define LAMBDASIM_RNG_H

#include <stdint.h>
#include <gsl/gsl_rng.h>

/* Stream ids used by the engine. New streams go at the end so existing
 * scenarios keep their numbers. */
enum rng_stream {
    RNG_ARRIVALS = 0,
    RNG_COLD_START,
    RNG_INFERENCE,
    RNG_OVERHEAD,
    RNG_KEEP_ALIVE,
    RNG_ROUTING,
    RNG_BACKOFF,
    RNG_WARMUP,
    RNG_EXTRA_INIT,     /* function.extra_init_ms draws */
    RNG_STREAM_COUNT
};

/* A well-mixed 64-bit value from (seed, id) (SplitMix64 finaliser over both).
 * Used for stream seeds and, by sweeps, for per-point/replication seeds. */
uint64_t rng_derive_seed(uint64_t seed, uint64_t id);

/* A new generator (MT19937) for stream `stream_id` of master seed `seed`.
 * Caller frees with gsl_rng_free. Aborts on out of memory. */
gsl_rng *rng_stream_create(uint64_t seed, uint64_t stream_id);

#endif
