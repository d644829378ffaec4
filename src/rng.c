/* rng: one master seed, many independent streams (see rng.h). */
#include "rng.h"

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
    gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
    if (r == NULL) {
        fprintf(stderr, "lambdasim: out of memory (random generator)\n");
        abort();
    }
    /* MT19937 takes a 32-bit seed; 0 would select GSL's default seed, so
     * fold the 64-bit value and avoid 0. */
    uint64_t s = rng_derive_seed(seed, stream_id);
    unsigned long s32 = (unsigned long)((s ^ (s >> 32)) & 0xffffffffULL);
    gsl_rng_set(r, s32 == 0 ? 1UL : s32);
    return r;
}
