/* test_rng: stream derivation from (seed, stream id): determinism,
 * independence of streams and seeds, mixing, uniformity of the output;
 * our MT19937 type against GSL's, output for output. */
#include <inttypes.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <gsl/gsl_cdf.h>
#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>
#include <gsl/gsl_sort.h>
#include "core/rng.h"
#include "testutil.h"

#define N_IDS 100000
#define N_DRAWS 100000

static int cmp_u64(const void *x, const void *y)
{
    uint64_t a = *(const uint64_t *)x, b = *(const uint64_t *)y;
    return (a > b) - (a < b);
}

/* Number of equal adjacent values after sorting (0 = all distinct). */
static size_t count_duplicates(uint64_t *v, size_t n)
{
    qsort(v, n, sizeof *v, cmp_u64);
    size_t dup = 0;
    for (size_t i = 1; i < n; i++)
        dup += v[i] == v[i - 1];
    return dup;
}

static int popcount64(uint64_t x)
{
    int c = 0;
    while (x) {
        x &= x - 1;
        c++;
    }
    return c;
}

/* ---------------------------------------------------------------------- */

static void test_same_seed_same_sequence(void)
{
    gsl_rng *a = rng_stream_create(42, RNG_ARRIVALS);
    gsl_rng *b = rng_stream_create(42, RNG_ARRIVALS);
    CU_ASSERT_STRING_EQUAL(gsl_rng_name(a), "lambdasim-mt19937");
    int differ = 0;
    for (int i = 0; i < 10000; i++)
        differ += gsl_rng_get(a) != gsl_rng_get(b);
    CU_ASSERT_EQUAL(differ, 0);
    gsl_rng_free(a);
    gsl_rng_free(b);

    /* Creating other streams in between does not disturb a stream. */
    gsl_rng *c = rng_stream_create(7, RNG_INFERENCE);
    unsigned long first[16];
    for (int i = 0; i < 16; i++)
        first[i] = gsl_rng_get(c);
    gsl_rng_free(c);
    gsl_rng *noise = rng_stream_create(7, RNG_COLD_START);
    for (int i = 0; i < 100; i++)
        (void)gsl_rng_get(noise);
    gsl_rng *d = rng_stream_create(7, RNG_INFERENCE);
    for (int i = 0; i < 16; i++)
        CU_ASSERT_EQUAL(gsl_rng_get(d), first[i]);
    gsl_rng_free(noise);
    gsl_rng_free(d);
}

/* Golden values recorded from the implementation: every scenario's numbers
 * depend on them, so a change here must be deliberate (and the golden
 * outputs regenerated). */
static void test_golden_values(void)
{
    CU_ASSERT_EQUAL(rng_derive_seed(0, 0), UINT64_C(0xf2253e3606a0bf0f));
    CU_ASSERT_EQUAL(rng_derive_seed(42, 1), UINT64_C(0x89ad1bdbb209c529));
    CU_ASSERT_EQUAL(rng_derive_seed(1, 42), UINT64_C(0x910b02edf0f98029));
    gsl_rng *r = rng_stream_create(42, RNG_ARRIVALS);
    unsigned long first = gsl_rng_get(r), second = gsl_rng_get(r);
    CU_ASSERT_EQUAL(first, 4222259858UL);
    CU_ASSERT_EQUAL(second, 2493261748UL);
    gsl_rng_free(r);
}

/* Two sequences of 1000 32-bit outputs from independent streams agree at a
 * given position with probability 2^-32; any agreement at all (expected
 * 2.3e-7 per pair) means the streams are not distinct. */
static int sequences_overlap(gsl_rng *a, gsl_rng *b)
{
    int same = 0;
    for (int i = 0; i < 1000; i++)
        same += gsl_rng_get(a) == gsl_rng_get(b);
    return same;
}

static void test_streams_differ(void)
{
    uint64_t ids[RNG_STREAM_COUNT + 3];
    size_t n = 0;
    for (uint64_t s = 0; s < RNG_STREAM_COUNT; s++)
        ids[n++] = s;
    ids[n++] = 1000;
    ids[n++] = UINT64_C(1) << 32; /* differs from stream 0 only above bit 31 */
    ids[n++] = UINT64_MAX;
    for (size_t i = 0; i < n; i++) {
        for (size_t j = i + 1; j < n; j++) {
            gsl_rng *a = rng_stream_create(42, ids[i]), *b = rng_stream_create(42, ids[j]);
            int same = sequences_overlap(a, b);
            CU_ASSERT_EQUAL(same, 0);
            if (same)
                printf("\n  streams %" PRIu64 " and %" PRIu64 " agree %d times\n", ids[i], ids[j], same);
            gsl_rng_free(a);
            gsl_rng_free(b);
        }
    }
}

static void test_seeds_differ(void)
{
    const uint64_t seeds[] = { 0, 1, 2, 42, 43, UINT64_C(1) << 32, UINT64_MAX };
    size_t n = sizeof seeds / sizeof seeds[0];
    for (size_t i = 0; i < n; i++) {
        for (size_t j = i + 1; j < n; j++) {
            gsl_rng *a = rng_stream_create(seeds[i], RNG_ARRIVALS);
            gsl_rng *b = rng_stream_create(seeds[j], RNG_ARRIVALS);
            CU_ASSERT_EQUAL(sequences_overlap(a, b), 0);
            gsl_rng_free(a);
            gsl_rng_free(b);
        }
    }
    /* (seed, stream) is ordered: (1, 2) and (2, 1) are different streams. */
    gsl_rng *a = rng_stream_create(1, 2), *b = rng_stream_create(2, 1);
    CU_ASSERT_EQUAL(sequences_overlap(a, b), 0);
    gsl_rng_free(a);
    gsl_rng_free(b);
    CU_ASSERT_NOT_EQUAL(rng_derive_seed(1, 2), rng_derive_seed(2, 1));
    CU_ASSERT_NOT_EQUAL(rng_derive_seed(0, 0), rng_derive_seed(0, 1));
    CU_ASSERT_NOT_EQUAL(rng_derive_seed(0, 0), rng_derive_seed(1, 0));
}

static void test_derive_deterministic(void)
{
    for (uint64_t i = 0; i < 1000; i++) {
        uint64_t s = i * UINT64_C(0x9e3779b97f4a7c15);
        CU_ASSERT_EQUAL(rng_derive_seed(s, i), rng_derive_seed(s, i));
    }
}

/* 1e5 neighbouring ids (and 1e5 neighbouring seeds) give 2e5 distinct
 * 64-bit values: for a well-mixed function the expected number of
 * collisions is C(2e5, 2) / 2^64 ~ 1e-9. The seeds start at 1e6 so the two
 * sets of (seed, id) pairs are disjoint. */
static void test_derive_no_collisions(void)
{
    uint64_t *v = malloc(2 * N_IDS * sizeof *v);
    CU_ASSERT_FATAL(v != NULL);
    for (uint64_t i = 0; i < N_IDS; i++) {
        v[i] = rng_derive_seed(42, i);
        v[N_IDS + i] = rng_derive_seed(1000000 + i, 7);
    }
    CU_ASSERT_EQUAL(count_duplicates(v, 2 * N_IDS), 0u);
    free(v);
}

/* Neighbouring inputs land far apart: if every output bit flips with
 * probability 1/2, the Hamming distance between f(i) and f(i+1) is
 * Binomial(64, 1/2): mean 32, sd 4. Averaged over m = 1e4 pairs its sd is
 * 4/sqrt(1e4) = 0.04, so the mean must be within 5 * 0.04 = 0.2 of 32.
 * Each output bit must also be set in half of 1e5 outputs, within
 * 5 * sqrt(1e5 / 4) = 790.6. */
static void test_derive_spreads_neighbours(void)
{
    const int m = 10000;
    double sum_id = 0, sum_seed = 0;
    for (int i = 0; i < m; i++) {
        uint64_t u = (uint64_t)i;
        sum_id += popcount64(rng_derive_seed(42, u) ^ rng_derive_seed(42, u + 1));
        sum_seed += popcount64(rng_derive_seed(u, 3) ^ rng_derive_seed(u + 1, 3));
    }
    double tol = 5.0 * 4.0 / sqrt((double)m);
    CU_ASSERT(fabs(sum_id / m - 32.0) <= tol);
    CU_ASSERT(fabs(sum_seed / m - 32.0) <= tol);

    long ones[64] = { 0 };
    for (uint64_t i = 0; i < N_IDS; i++) {
        uint64_t x = rng_derive_seed(42, i);
        for (int b = 0; b < 64; b++)
            ones[b] += (long)((x >> b) & 1u);
    }
    double bit_tol = 5.0 * sqrt(N_IDS / 4.0);
    int bad = 0;
    for (int b = 0; b < 64; b++)
        bad += fabs((double)ones[b] - N_IDS / 2.0) > bit_tol;
    CU_ASSERT_EQUAL(bad, 0);
}

/* Uniform output: 1e5 draws in 100 equal bins, chi-square with df = 99 must
 * have p-value > 1e-4; KS against U(0,1) must be under the Kolmogorov
 * critical value at alpha = 1e-4. Checked on two streams. */
static void uniform_check(uint64_t seed, uint64_t stream)
{
    enum { BINS = 100 };
    gsl_rng *r = rng_stream_create(seed, stream);
    double *u = malloc(N_DRAWS * sizeof *u);
    CU_ASSERT_FATAL(u != NULL);
    long counts[BINS] = { 0 };
    int out_of_range = 0;
    for (size_t i = 0; i < N_DRAWS; i++) {
        u[i] = gsl_rng_uniform(r);
        if (!(u[i] >= 0.0 && u[i] < 1.0)) {
            out_of_range++;
            continue;
        }
        counts[(size_t)(u[i] * BINS)]++;
    }
    CU_ASSERT_EQUAL(out_of_range, 0);
    double expect = (double)N_DRAWS / BINS, chi2 = 0;
    for (int b = 0; b < BINS; b++) {
        double dev = (double)counts[b] - expect;
        chi2 += dev * dev / expect;
    }
    CU_ASSERT(gsl_cdf_chisq_Q(chi2, BINS - 1) > 1e-4);

    gsl_sort(u, 1, N_DRAWS);
    double dn = 0;
    for (size_t i = 0; i < N_DRAWS; i++) {
        double lo = u[i] - (double)i / N_DRAWS, hi = (double)(i + 1) / N_DRAWS - u[i];
        dn = fmax(dn, fmax(lo, hi));
    }
    CU_ASSERT(dn <= testutil_ks_critical(N_DRAWS, 1e-4));
    free(u);
    gsl_rng_free(r);
}

static void test_uniform_output(void)
{
    uniform_check(42, RNG_ARRIVALS);
    uniform_check(20240611, RNG_INFERENCE);
}

/* Streams of one seed are uncorrelated: the sample correlation of n
 * independent pairs is approximately N(0, 1/n), so |r| <= 5/sqrt(n). */
static void test_streams_uncorrelated(void)
{
    for (uint64_t s = 0; s + 1 < RNG_STREAM_COUNT; s++) {
        gsl_rng *a = rng_stream_create(42, s), *b = rng_stream_create(42, s + 1);
        double sx = 0, sy = 0, sxx = 0, syy = 0, sxy = 0;
        for (int i = 0; i < N_DRAWS; i++) {
            double x = gsl_rng_uniform(a), y = gsl_rng_uniform(b);
            sx += x;
            sy += y;
            sxx += x * x;
            syy += y * y;
            sxy += x * y;
        }
        double n = N_DRAWS;
        double cov = sxy / n - (sx / n) * (sy / n);
        double r = cov / sqrt((sxx / n - (sx / n) * (sx / n)) * (syy / n - (sy / n) * (sy / n)));
        CU_ASSERT(fabs(r) <= 5.0 / sqrt(n));
        gsl_rng_free(a);
        gsl_rng_free(b);
    }
}

/* ---------------------------------------------------------------------- */
/* rng_mt19937_type against GSL's gsl_rng_mt19937                          */

#define N_SAME_GET 2000000 /* 3,205 refills of the 624-word block */
#define N_SAME 200000

/* 0 (GSL's default seed 4357), 1, large ones, and 2^32 + 5, which GSL
 * truncates to 5 (on a 64-bit unsigned long). */
static const unsigned long mt_seeds[] = {
    0, 1, 4357, 20240611, 2147483648UL, 4294967295UL,
#if ULONG_MAX > 0xffffffffUL
    4294967301UL,
#endif
};
#define N_MT_SEEDS (sizeof mt_seeds / sizeof mt_seeds[0])

static void new_pair(unsigned long seed, gsl_rng **ours, gsl_rng **theirs)
{
    *ours = gsl_rng_alloc(&rng_mt19937_type);
    *theirs = gsl_rng_alloc(gsl_rng_mt19937);
    CU_ASSERT_FATAL(*ours != NULL && *theirs != NULL);
    gsl_rng_set(*ours, seed);
    gsl_rng_set(*theirs, seed);
}

static void free_pair(gsl_rng *ours, gsl_rng *theirs)
{
    gsl_rng_free(ours);
    gsl_rng_free(theirs);
}

static void test_mt_type_fields(void)
{
    CU_ASSERT_STRING_EQUAL(rng_mt19937_type.name, "lambdasim-mt19937");
    CU_ASSERT_EQUAL(rng_mt19937_type.min, gsl_rng_mt19937->min);
    CU_ASSERT_EQUAL(rng_mt19937_type.max, gsl_rng_mt19937->max);
    gsl_rng *r = rng_stream_create(42, RNG_ARRIVALS);
    CU_ASSERT_PTR_EQUAL(r->type, &rng_mt19937_type);
    gsl_rng_free(r);
}

static void test_mt_get_matches_gsl(void)
{
    for (size_t k = 0; k < N_MT_SEEDS; k++) {
        gsl_rng *a, *b;
        new_pair(mt_seeds[k], &a, &b);
        long differ = 0;
        for (long i = 0; i < N_SAME_GET; i++)
            differ += gsl_rng_get(a) != gsl_rng_get(b);
        CU_ASSERT_EQUAL(differ, 0);
        if (differ)
            printf("\n  seed %lu: %ld of %d outputs differ\n", mt_seeds[k], differ, N_SAME_GET);
        free_pair(a, b);
    }
    /* gsl_rng_alloc seeds with the default seed; so do both types. */
    gsl_rng *a = gsl_rng_alloc(&rng_mt19937_type), *b = gsl_rng_alloc(gsl_rng_mt19937);
    CU_ASSERT_FATAL(a != NULL && b != NULL);
    long differ = 0;
    for (int i = 0; i < 10000; i++)
        differ += gsl_rng_get(a) != gsl_rng_get(b);
    CU_ASSERT_EQUAL(differ, 0);
    free_pair(a, b);
}

/* rng_u32 is gsl_rng_get without the call; the two can be mixed on one
 * generator. */
static void test_mt_u32_matches_gsl(void)
{
    for (size_t k = 0; k < N_MT_SEEDS; k++) {
        gsl_rng *a, *b;
        new_pair(mt_seeds[k], &a, &b);
        long differ = 0;
        for (long i = 0; i < N_SAME; i++) {
            unsigned long want = gsl_rng_get(b);
            unsigned long got = i % 3 == 2 ? gsl_rng_get(a) : rng_u32(a);
            differ += got != want;
        }
        CU_ASSERT_EQUAL(differ, 0);
        free_pair(a, b);
    }
}

/* What the rest of GSL builds on the generator: doubles, integers in a
 * range, the ziggurat normal (which reads min and max). */
static void test_mt_gsl_calls_match(void)
{
    for (size_t k = 0; k < N_MT_SEEDS; k++) {
        gsl_rng *a, *b;
        new_pair(mt_seeds[k], &a, &b);
        long differ[4] = { 0, 0, 0, 0 };
        for (long i = 0; i < N_SAME; i++) {
            double x = gsl_rng_uniform(a), y = gsl_rng_uniform(b);
            differ[0] += memcmp(&x, &y, sizeof x) != 0;
            x = gsl_rng_uniform_pos(a);
            y = gsl_rng_uniform_pos(b);
            differ[1] += memcmp(&x, &y, sizeof x) != 0;
            differ[2] += gsl_rng_uniform_int(a, 7) != gsl_rng_uniform_int(b, 7);
            x = gsl_ran_gaussian_ziggurat(a, 1.5);
            y = gsl_ran_gaussian_ziggurat(b, 1.5);
            differ[3] += memcmp(&x, &y, sizeof x) != 0;
        }
        for (int j = 0; j < 4; j++)
            CU_ASSERT_EQUAL(differ[j], 0);
        /* Still in step after all of that. */
        CU_ASSERT_EQUAL(gsl_rng_get(a), gsl_rng_get(b));
        free_pair(a, b);
    }
}

/* A clone (gsl_rng_clone copies type->size bytes of state) continues the
 * same sequence. */
static void test_mt_clone(void)
{
    gsl_rng *a = rng_stream_create(3, RNG_INFERENCE);
    for (int i = 0; i < 1000; i++)
        (void)rng_u32(a);
    gsl_rng *c = gsl_rng_clone(a);
    CU_ASSERT_FATAL(c != NULL);
    long differ = 0;
    for (int i = 0; i < 5000; i++)
        differ += rng_u32(a) != rng_u32(c);
    CU_ASSERT_EQUAL(differ, 0);
    gsl_rng_free(a);
    gsl_rng_free(c);
}

/* 64-bit stream seeds: MT19937's init_by_array as the reference
 * mt19937ar.c (its published test output for the key {0x123, 0x234, 0x345,
 * 0x456}); rng_mt_set64 is the key {low, high}; rng_stream_create uses all
 * 64 bits of the derived seed, so two seeds that the former 32-bit fold
 * (low ^ high) mapped to one stream now give two. */
static void test_stream_seeding_64(void)
{
    static const uint32_t key[4] = { 0x123, 0x234, 0x345, 0x456 };
    static const unsigned long ref[5] = { 1067595299UL, 955945823UL, 477289528UL, 4107218783UL, 4228976476UL };
    gsl_rng *a = gsl_rng_alloc(&rng_mt19937_type), *b = gsl_rng_alloc(&rng_mt19937_type);
    CU_ASSERT_FATAL(a != NULL && b != NULL);
    rng_mt_set_key(a, key, 4);
    for (int i = 0; i < 5; i++)
        CU_ASSERT_EQUAL(gsl_rng_get(a), ref[i]);
    const uint64_t s = UINT64_C(0x0123456789abcdef);
    const uint32_t k2[2] = { 0x89abcdefu, 0x01234567u };
    rng_mt_set64(a, s);
    rng_mt_set_key(b, k2, 2);
    long differ = 0;
    for (int i = 0; i < 2000; i++)
        differ += rng_u32(a) != rng_u32(b);
    CU_ASSERT_EQUAL(differ, 0);
    /* (lo, hi) and (lo ^ d, hi ^ d) folded to the same 32 bits. */
    const uint64_t d = 0x5a5a5a5aU, t = s ^ (d << 32 | d);
    CU_ASSERT_EQUAL((uint32_t)(s ^ (s >> 32)), (uint32_t)(t ^ (t >> 32)));
    rng_mt_set64(a, s);
    rng_mt_set64(b, t);
    CU_ASSERT_EQUAL(sequences_overlap(a, b), 0);
    free_pair(a, b);
    /* The engine's streams are seeded so. */
    for (uint64_t id = 0; id < RNG_STREAM_COUNT; id++) {
        gsl_rng *x = rng_stream_create(42, id), *y = gsl_rng_alloc(&rng_mt19937_type);
        CU_ASSERT_FATAL(y != NULL);
        rng_mt_set64(y, rng_derive_seed(42, id));
        differ = 0;
        for (int i = 0; i < 2000; i++)
            differ += rng_u32(x) != rng_u32(y);
        CU_ASSERT_EQUAL(differ, 0);
        free_pair(x, y);
    }
}

static void add_tests(CU_pSuite s)
{
    CU_add_test(s, "same (seed, stream) -> same sequence", test_same_seed_same_sequence);
    CU_add_test(s, "golden seeds and first draws", test_golden_values);
    CU_add_test(s, "different streams -> different sequences", test_streams_differ);
    CU_add_test(s, "different seeds -> different sequences", test_seeds_differ);
    CU_add_test(s, "derive_seed deterministic", test_derive_deterministic);
    CU_add_test(s, "derive_seed: no collisions over 1e5 ids", test_derive_no_collisions);
    CU_add_test(s, "derive_seed spreads neighbours", test_derive_spreads_neighbours);
    CU_add_test(s, "uniform output (chi-square, KS)", test_uniform_output);
    CU_add_test(s, "neighbouring streams uncorrelated", test_streams_uncorrelated);
    CU_add_test(s, "our MT19937 type: name, min, max", test_mt_type_fields);
    CU_add_test(s, "our MT19937 = GSL's: 2e6 gsl_rng_get per seed", test_mt_get_matches_gsl);
    CU_add_test(s, "rng_u32 = gsl_rng_get of GSL's MT19937", test_mt_u32_matches_gsl);
    CU_add_test(s, "uniform, uniform_pos, uniform_int, gaussian_ziggurat match", test_mt_gsl_calls_match);
    CU_add_test(s, "a clone continues the sequence", test_mt_clone);
    CU_add_test(s, "64-bit stream seeds (init_by_array, reference output)", test_stream_seeding_64);
}

int main(void)
{
    return testutil_main("rng", add_tests);
}
