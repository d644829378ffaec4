/* rng: one master seed, many independent streams (see rng.h). */
#include "core/rng.h"

#include <stdio.h>
#include <stdlib.h>

static uint64_t splitmix64(uint64_t x)
{
    x += 0x9e3779b97f4a7c15ULL;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
    return x ^ (x >> 31);
}

uint64_t rng_derive_seed(uint64_t seed, uint64_t id)
{
    /* Two rounds so that neighbouring (seed, id) pairs land far apart. */
    return splitmix64(splitmix64(seed) ^ splitmix64(id + 0x632be59bd9b4e019ULL));
}

gsl_rng *rng_stream_create(uint64_t seed, uint64_t stream_id)
{
    gsl_rng *r = gsl_rng_alloc(&rng_mt19937_type);
    if (r == NULL) {
        fprintf(stderr, "lambdasim: out of memory (random generator)\n");
        abort();
    }
    /* MT19937 takes a 32-bit seed; 0 would select the default seed, so
     * fold the 64-bit value and avoid 0. */
    uint64_t s = rng_derive_seed(seed, stream_id);
    unsigned long s32 = (unsigned long)((s ^ (s >> 32)) & 0xffffffffULL);
    gsl_rng_set(r, s32 == 0 ? 1UL : s32);
    return r;
}

/* MT19937 (Matsumoto & Nishimura 1998) with the 2002 seeding, exactly as
 * GSL's rng/mt.c does it, so that every existing seed keeps its numbers. */
#define MT_M 397
#define MT_UPPER 0x80000000u
#define MT_LOWER 0x7fffffffu

static uint32_t mt_twist(uint32_t hi, uint32_t lo, uint32_t far)
{
    uint32_t y = (hi & MT_UPPER) | (lo & MT_LOWER);
    return far ^ (y >> 1) ^ ((y & 1u) ? 0x9908b0dfu : 0u);
}

/* The seeding proper, deferred to the first draw: a run creates a stream
 * per source of randomness and most scenarios draw from only a few, and in
 * a sweep of short runs the 624-step seeding of every stream was a tenth
 * of the time. */
static void mt_seed(struct rng_mt_state *s)
{
    s->mt[0] = s->seed;
    for (uint32_t i = 1; i < RNG_MT_N; i++)
        s->mt[i] = 1812433253u * (s->mt[i - 1] ^ (s->mt[i - 1] >> 30)) + i; /* Knuth's multiplier */
    s->seeded = true;
}

void rng_mt_refill(struct rng_mt_state *s)
{
    if (!s->seeded)
        mt_seed(s);
    uint32_t *mt = s->mt;
    int k;
    for (k = 0; k < RNG_MT_N - MT_M; k++)
        mt[k] = mt_twist(mt[k], mt[k + 1], mt[k + MT_M]);
    for (; k < RNG_MT_N - 1; k++)
        mt[k] = mt_twist(mt[k], mt[k + 1], mt[k + MT_M - RNG_MT_N]);
    mt[RNG_MT_N - 1] = mt_twist(mt[RNG_MT_N - 1], mt[0], mt[MT_M - 1]);
    for (k = 0; k < RNG_MT_N; k++) {
        uint32_t y = mt[k];
        y ^= y >> 11;
        y ^= (y << 7) & 0x9d2c5680u;
        y ^= (y << 15) & 0xefc60000u;
        y ^= y >> 18;
        s->out[k] = y;
    }
    s->mti = 0;
}

static void mt_set(void *state, unsigned long seed)
{
    struct rng_mt_state *s = state;
    /* GSL maps seed 0 to 4357 before truncating to 32 bits. */
    if (seed == 0)
        seed = 4357;
    s->seed = (uint32_t)(seed & 0xffffffffUL);
    s->seeded = false;
    s->mti = RNG_MT_N; /* the first draw refills, which seeds first */
}

static unsigned long mt_get(void *state)
{
    return rng_mt_next(state);
}

static double mt_get_double(void *state)
{
    return rng_mt_next(state) / 4294967296.0;
}

const gsl_rng_type rng_mt19937_type = {
    .name = "lambdasim-mt19937",
    .max = 0xffffffffUL,
    .min = 0,
    .size = sizeof(struct rng_mt_state),
    .set = mt_set,
    .get = mt_get,
    .get_double = mt_get_double,
};
