/* rng: one master seed, many independent streams (see rng.h). */
#include "core/rng.h"

#include <assert.h>
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
    rng_mt_set64(r, rng_derive_seed(seed, stream_id));
    return r;
}

void rng_mt_set64(gsl_rng *r, uint64_t seed)
{
    assert(r->type == &rng_mt19937_type);
    struct rng_mt_state *s = r->state;
    s->seed = (uint32_t)(seed & 0xffffffffu);
    s->seed_hi = (uint32_t)(seed >> 32);
    s->seed64 = true;
    s->seeded = false;
    s->mti = RNG_MT_N;
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
static void mt_init(uint32_t *mt, uint32_t seed)
{
    mt[0] = seed;
    for (uint32_t i = 1; i < RNG_MT_N; i++)
        mt[i] = 1812433253u * (mt[i - 1] ^ (mt[i - 1] >> 30)) + i; /* Knuth's multiplier */
}

/* A 64-bit seed: the reference implementation's init_by_array (mt19937ar.c,
 * Matsumoto & Nishimura 2002) with the key {low 32 bits, high 32 bits}, so
 * that 2^64 seeds give 2^64 different states (a 32-bit seed gives 2^32:
 * among the 10^8 streams of a large sweep, a million pairs would be the
 * same stream). */
static void mt_init_by_array(uint32_t *mt, const uint32_t *key, uint32_t key_len)
{
    mt_init(mt, 19650218u);
    uint32_t i = 1, j = 0;
    for (uint32_t k = RNG_MT_N > key_len ? RNG_MT_N : key_len; k > 0; k--) {
        mt[i] = (mt[i] ^ ((mt[i - 1] ^ (mt[i - 1] >> 30)) * 1664525u)) + key[j] + j;
        i++;
        j++;
        if (i >= RNG_MT_N) {
            mt[0] = mt[RNG_MT_N - 1];
            i = 1;
        }
        if (j >= key_len)
            j = 0;
    }
    for (uint32_t k = RNG_MT_N - 1; k > 0; k--) {
        mt[i] = (mt[i] ^ ((mt[i - 1] ^ (mt[i - 1] >> 30)) * 1566083941u)) - i;
        i++;
        if (i >= RNG_MT_N) {
            mt[0] = mt[RNG_MT_N - 1];
            i = 1;
        }
    }
    mt[0] = 0x80000000u; /* the MSB is 1: a non-zero initial state */
}

void rng_mt_set_key(gsl_rng *r, const uint32_t *key, size_t key_len)
{
    assert(r->type == &rng_mt19937_type && key_len >= 1 && key_len <= RNG_MT_N);
    struct rng_mt_state *s = r->state;
    mt_init_by_array(s->mt, key, (uint32_t)key_len);
    s->seeded = true;
    s->mti = RNG_MT_N;
}

static void mt_seed(struct rng_mt_state *s)
{
    if (s->seed64) {
        const uint32_t key[2] = { s->seed, s->seed_hi };
        mt_init_by_array(s->mt, key, 2);
    } else {
        mt_init(s->mt, s->seed);
    }
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
    s->seed64 = false;
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
