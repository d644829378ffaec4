/* rng: independent random streams derived from one master seed.
 * Every consumer of randomness owns its own gsl_rng, so adding draws in one
 * part of the model never shifts the numbers another part sees. */
#ifndef LAMBDASIM_RNG_H
#define LAMBDASIM_RNG_H

#include <assert.h>
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

/* A new generator (rng_mt19937_type) for stream `stream_id` of master seed
 * `seed`. Caller frees with gsl_rng_free. Aborts on out of memory. */
gsl_rng *rng_stream_create(uint64_t seed, uint64_t stream_id);

/* MT19937 as a gsl_rng_type ("lambdasim-mt19937"): for every seed, the same
 * outputs as GSL's gsl_rng_mt19937 through every gsl_rng_* and gsl_ran_*
 * call. Ours so that the hot path can draw with rng_u32, inlined, instead
 * of an indirect call per draw. */
extern const gsl_rng_type rng_mt19937_type;

#define RNG_MT_N 624

/* Its state, public only for rng_u32. mti is the next word to temper;
 * RNG_MT_N means the whole block must be regenerated first. */
struct rng_mt_state {
    uint32_t mt[RNG_MT_N];
    int mti;
};

/* Regenerates all RNG_MT_N words and sets mti to 0 (out of line: once per
 * 624 draws). */
void rng_mt_refill(struct rng_mt_state *s);

/* The next output of the state (tempering of the next word). */
static inline uint32_t rng_mt_next(struct rng_mt_state *s)
{
    if (s->mti >= RNG_MT_N)
        rng_mt_refill(s);
    uint32_t y = s->mt[s->mti++];
    y ^= y >> 11;
    y ^= (y << 7) & 0x9d2c5680u;
    y ^= (y << 15) & 0xefc60000u;
    y ^= y >> 18;
    return y;
}

/* The same value as gsl_rng_get(r), without the call. r must be of
 * rng_mt19937_type (any generator from rng_stream_create is). */
static inline uint32_t rng_u32(const gsl_rng *r)
{
    assert(r->type == &rng_mt19937_type);
    return rng_mt_next(r->state);
}

#endif
