/* rng: independent random streams derived from one master seed.
 * Every consumer of randomness owns its own gsl_rng, so adding draws in one
 * part of the model never shifts the numbers another part sees. */
#ifndef LAMBDASIM_RNG_H
#define LAMBDASIM_RNG_H

#include <assert.h>
#include <stdbool.h>
#include <stddef.h>
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
    RNG_PREWARM,        /* init times of pre-warms (histogram keep-alive policy) */
    RNG_FIRST_INVOCATION, /* model first_invocation_ms draws */
    RNG_HOST_SPEED,     /* the host's speed factor and how long it holds (host.speed) */
    RNG_HOST_STALL,     /* whether a batch meets a stall of the host, and its length (host.stall) */
    RNG_IDLE_STALL,     /* whether a batch after an idle meets a stall, and its length (host.idle) */
    RNG_HOST_WAKE,      /* the run's share of stalled wake-ups, which ones stall, how long (host.wake) */
    RNG_STREAM_COUNT
};

/* A well-mixed 64-bit value from (seed, id) (SplitMix64 finaliser over both).
 * Used for stream seeds and, by sweeps, for per-point/replication seeds. */
uint64_t rng_derive_seed(uint64_t seed, uint64_t id);

/* A new generator (rng_mt19937_type) for stream `stream_id` of master seed
 * `seed`, seeded with all 64 bits of rng_derive_seed(seed, stream_id)
 * (rng_mt_set64). Caller frees with gsl_rng_free. Aborts on out of memory. */
gsl_rng *rng_stream_create(uint64_t seed, uint64_t stream_id);

/* Seeds r (of rng_mt19937_type) with a 64-bit seed: MT19937's
 * init_by_array with the key {seed & 0xffffffff, seed >> 32}, as the
 * reference mt19937ar.c does; distinct seeds give distinct streams.
 * (gsl_rng_set keeps GSL's 32-bit seeding.) */
void rng_mt_set64(gsl_rng *r, uint64_t seed);
/* Seeds r with init_by_array(key, key_len) now (1 <= key_len <= 624):
 * rng_mt_set64(s) is the key {s & 0xffffffff, s >> 32}. */
void rng_mt_set_key(gsl_rng *r, const uint32_t *key, size_t key_len);

/* MT19937 as a gsl_rng_type ("lambdasim-mt19937"): for every seed, the same
 * outputs as GSL's gsl_rng_mt19937 through every gsl_rng_* and gsl_ran_*
 * call. Ours so that the hot path can draw with rng_u32, inlined, instead
 * of an indirect call per draw. */
extern const gsl_rng_type rng_mt19937_type;

#define RNG_MT_N 624

/* Its state, public only for rng_u32. mti is the next output to return;
 * RNG_MT_N means the whole block must be regenerated first. */
struct rng_mt_state {
    uint32_t mt[RNG_MT_N];
    uint32_t out[RNG_MT_N];    /* the block's outputs, tempered by the refill */
    int mti;
    uint32_t seed;              /* set by gsl_rng_set (or the low half of a */
    uint32_t seed_hi;           /* rng_mt_set64 seed); mt[] follows at the */
    bool seed64;                /* first draw (see rng.c) */
    bool seeded;
};

/* Regenerates all RNG_MT_N words, tempers them into out[] and sets mti to
 * 0 (out of line: once per 624 draws). */
void rng_mt_refill(struct rng_mt_state *s);

/* The next output of the state. The refill tempers the whole block at
 * once (a loop the compiler vectorises), so a draw is a load. */
static inline uint32_t rng_mt_next(struct rng_mt_state *s)
{
    if (s->mti >= RNG_MT_N)
        rng_mt_refill(s);
    return s->out[s->mti++];
}

/* The same value as gsl_rng_get(r), without the call. r must be of
 * rng_mt19937_type (any generator from rng_stream_create is). */
static inline uint32_t rng_u32(const gsl_rng *r)
{
    assert(r->type == &rng_mt19937_type);
    return rng_mt_next(r->state);
}

#endif
