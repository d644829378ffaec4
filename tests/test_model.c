/* test_model: inference-time lookup (table vs base + per item), coverage,
 * sampling and means, memory scaling, deep copy and fini of a profile. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <gsl/gsl_rng.h>
#include "core/model.h"
#include "core/rng.h"
#include "testutil.h"

#define SEED 7UL
#define N_DRAWS 100000

static void *zalloc(size_t n, size_t size)
{
    void *p = calloc(n, size);
    CU_ASSERT_FATAL(p != NULL);
    return p;
}

static struct dist make(enum dist_kind kind, double a, double b)
{
    struct dist d = { .kind = kind, .a = a, .b = b, .samples = NULL, .n_samples = 0 };
    return d;
}

/* Sizes 1..3 in a table: constants 10 ms and 16 ms, an empirical for 3. */
static void make_table_model(struct model_profile *m)
{
    memset(m, 0, sizeof *m);
    m->memory_mb = 1024;
    m->cold_start_s = dist_constant(2.0);
    m->overhead_s = dist_constant(0.03);
    m->table_max = 3;
    m->by_size = zalloc(4, sizeof *m->by_size);
    m->has_size = zalloc(4, sizeof *m->has_size);
    m->by_size[1] = dist_constant(0.010);
    m->by_size[2] = dist_constant(0.016);
    m->by_size[3] = make(DIST_EMPIRICAL, 0, 0);
    m->by_size[3].samples = zalloc(3, sizeof(double));
    m->by_size[3].samples[0] = 0.020;
    m->by_size[3].samples[1] = 0.022;
    m->by_size[3].samples[2] = 0.030;
    m->by_size[3].n_samples = 3;
    m->has_size[1] = m->has_size[2] = m->has_size[3] = true;
}

/* base 10 ms + 2 ms per item. */
static void make_base_model(struct model_profile *m)
{
    memset(m, 0, sizeof *m);
    m->memory_mb = 1024;
    m->cold_start_s = dist_constant(1.0);
    m->overhead_s = dist_constant(0.02);
    m->has_base = true;
    m->base_s = dist_constant(0.010);
    m->per_item_s = 0.002;
}

static void test_cpu_share(void)
{
    CU_ASSERT_DOUBLE_EQUAL(model_cpu_share(1769), 1.0, 1e-15);
    CU_ASSERT_DOUBLE_EQUAL(model_cpu_share(3538), 1.0, 1e-15);
    CU_ASSERT_DOUBLE_EQUAL(model_cpu_share(10240), 1.0, 1e-15);
    CU_ASSERT_DOUBLE_EQUAL(model_cpu_share(884.5), 0.5, 1e-15);
    CU_ASSERT_DOUBLE_EQUAL(model_cpu_share(128), 128.0 / 1769.0, 1e-15);
    CU_ASSERT_DOUBLE_EQUAL(model_compute_factor(1024, 512), 2.0, 1e-12);
    CU_ASSERT_DOUBLE_EQUAL(model_compute_factor(1024, 1024), 1.0, 1e-15);
    CU_ASSERT_DOUBLE_EQUAL(model_compute_factor(1024, 2048), 1024.0 / 1769.0, 1e-12);
    CU_ASSERT_DOUBLE_EQUAL(model_compute_factor(1024, 2048), model_compute_factor(1024, 1769),
                           1e-15);
    CU_ASSERT_DOUBLE_EQUAL(model_compute_factor(4096, 1024), 1769.0 / 1024.0, 1e-12);
    /* Amdahl: only the CPU-bound fraction stretches; f = 1 is the compute
     * factor bit for bit (profiles without a fraction keep their results). */
    CU_ASSERT_EQUAL(model_memory_factor(1024, 333, 1), model_compute_factor(1024, 333));
    CU_ASSERT_DOUBLE_EQUAL(model_memory_factor(1024, 512, 0), 1.0, 1e-15);
    CU_ASSERT_DOUBLE_EQUAL(model_memory_factor(1024, 512, 0.5), 1.5, 1e-12);
    CU_ASSERT_DOUBLE_EQUAL(model_memory_factor(1024, 4096, 0.5), 0.5 + 0.5 * 1024.0 / 1769.0, 1e-12);
}

static void test_covers(void)
{
    struct model_profile m;
    int missing = -1;
    make_table_model(&m);
    CU_ASSERT(model_covers(&m, 1, &missing));
    CU_ASSERT(model_covers(&m, 3, &missing));
    CU_ASSERT_EQUAL(missing, -1);
    CU_ASSERT(!model_covers(&m, 4, &missing));
    CU_ASSERT_EQUAL(missing, 4);
    /* A hole in the table is found first. */
    m.has_size[2] = false;
    CU_ASSERT(!model_covers(&m, 3, &missing));
    CU_ASSERT_EQUAL(missing, 2);
    m.has_size[2] = true;
    model_fini(&m);

    make_base_model(&m);
    missing = -1;
    CU_ASSERT(model_covers(&m, 4096, &missing));
    CU_ASSERT_EQUAL(missing, -1);
    model_fini(&m);
}

static void test_mean_and_sample(void)
{
    gsl_rng *r = gsl_rng_alloc(&rng_mt19937_type);
    CU_ASSERT_FATAL(r != NULL);
    gsl_rng_set(r, SEED);
    struct model_profile m;

    make_base_model(&m);
    for (int n = 1; n <= 10; n++) {
        CU_ASSERT_DOUBLE_EQUAL(model_mean_inference_s(&m, n), 0.010 + 0.002 * n, 1e-15);
        CU_ASSERT_DOUBLE_EQUAL(model_sample_inference_s(&m, n, r), 0.010 + 0.002 * n, 1e-15);
    }
    /* A table entry wins over base + per item for its size only. */
    m.table_max = 2;
    m.by_size = zalloc(3, sizeof *m.by_size);
    m.has_size = zalloc(3, sizeof *m.has_size);
    m.by_size[2] = dist_constant(0.005);
    m.has_size[2] = true;
    CU_ASSERT_DOUBLE_EQUAL(model_mean_inference_s(&m, 1), 0.012, 1e-15);
    CU_ASSERT_DOUBLE_EQUAL(model_mean_inference_s(&m, 2), 0.005, 1e-15);
    CU_ASSERT_DOUBLE_EQUAL(model_sample_inference_s(&m, 2, r), 0.005, 1e-15);
    CU_ASSERT_DOUBLE_EQUAL(model_mean_inference_s(&m, 3), 0.016, 1e-15);
    model_fini(&m);

    /* A random base: the sample mean is within 5 standard errors. For an
     * exponential, sd = mean, so SE = mean / sqrt(N). */
    make_base_model(&m);
    m.base_s = make(DIST_EXPONENTIAL, 0.010, 0);
    double sum = 0;
    for (int i = 0; i < N_DRAWS; i++)
        sum += model_sample_inference_s(&m, 4, r);
    double se = 0.010 / sqrt((double)N_DRAWS);
    CU_ASSERT_DOUBLE_EQUAL(sum / N_DRAWS, 0.018, 5 * se);
    CU_ASSERT_DOUBLE_EQUAL(model_mean_inference_s(&m, 4), 0.018, 1e-15);
    model_fini(&m);

    /* The empirical entry only returns its samples. */
    make_table_model(&m);
    CU_ASSERT_DOUBLE_EQUAL(model_mean_inference_s(&m, 3), 0.024, 1e-15);
    int seen[3] = { 0, 0, 0 };
    for (int i = 0; i < 300; i++) {
        double x = model_sample_inference_s(&m, 3, r);
        int hit = fabs(x - 0.020) < 1e-15 ? 0 : fabs(x - 0.022) < 1e-15 ? 1
                  : fabs(x - 0.030) < 1e-15 ? 2 : -1;
        CU_ASSERT(hit >= 0);
        if (hit >= 0)
            seen[hit]++;
    }
    CU_ASSERT(seen[0] > 0 && seen[1] > 0 && seen[2] > 0);
    model_fini(&m);
    gsl_rng_free(r);
}

static void test_scale(void)
{
    struct model_profile m;
    make_base_model(&m);
    m.base_s = make(DIST_LOGNORMAL, log(0.010), 0.2);
    double before = model_mean_inference_s(&m, 3);
    model_scale_compute(&m, 2.0);
    CU_ASSERT_DOUBLE_EQUAL(model_mean_inference_s(&m, 3), 2 * before, 1e-14);
    CU_ASSERT_DOUBLE_EQUAL(m.per_item_s, 0.004, 1e-15);
    /* Cold start and overhead are not compute. */
    CU_ASSERT_DOUBLE_EQUAL(m.cold_start_s.a, 1.0, 1e-15);
    CU_ASSERT_DOUBLE_EQUAL(m.overhead_s.a, 0.02, 1e-15);
    model_fini(&m);

    make_table_model(&m);
    model_scale_compute(&m, 0.5);
    CU_ASSERT_DOUBLE_EQUAL(model_mean_inference_s(&m, 1), 0.005, 1e-15);
    CU_ASSERT_DOUBLE_EQUAL(model_mean_inference_s(&m, 2), 0.008, 1e-15);
    CU_ASSERT_DOUBLE_EQUAL(m.by_size[3].samples[2], 0.015, 1e-15);
    CU_ASSERT_DOUBLE_EQUAL(m.cold_start_s.a, 2.0, 1e-15);
    model_fini(&m);
}

static void test_copy_and_fini(void)
{
    struct model_profile a, b;
    make_table_model(&a);
    snprintf(a.name, sizeof a.name, "orig");
    a.cold_start_s = make(DIST_EMPIRICAL, 0, 0);
    a.cold_start_s.samples = zalloc(2, sizeof(double));
    a.cold_start_s.samples[0] = 1;
    a.cold_start_s.samples[1] = 3;
    a.cold_start_s.n_samples = 2;

    model_copy(&b, &a);
    CU_ASSERT_STRING_EQUAL(b.name, "orig");
    CU_ASSERT_EQUAL(b.table_max, 3);
    CU_ASSERT_PTR_NOT_EQUAL(b.by_size, a.by_size);
    CU_ASSERT_PTR_NOT_EQUAL(b.has_size, a.has_size);
    CU_ASSERT_PTR_NOT_EQUAL(b.by_size[3].samples, a.by_size[3].samples);
    CU_ASSERT_PTR_NOT_EQUAL(b.cold_start_s.samples, a.cold_start_s.samples);
    CU_ASSERT(b.has_size[1] && b.has_size[2] && b.has_size[3]);
    /* Changing the copy leaves the original alone. */
    model_scale_compute(&b, 3.0);
    b.cold_start_s.samples[0] = 99;
    CU_ASSERT_DOUBLE_EQUAL(model_mean_inference_s(&a, 3), 0.024, 1e-15);
    CU_ASSERT_DOUBLE_EQUAL(model_mean_inference_s(&b, 3), 0.072, 1e-15);
    CU_ASSERT_DOUBLE_EQUAL(a.cold_start_s.samples[0], 1, 1e-15);

    model_fini(&a);
    CU_ASSERT_PTR_NULL(a.by_size);
    CU_ASSERT_PTR_NULL(a.has_size);
    CU_ASSERT_EQUAL(a.table_max, 0);
    CU_ASSERT_PTR_NULL(a.cold_start_s.samples);
    model_fini(&a); /* idempotent */
    model_fini(NULL);
    /* The copy survives the original. */
    CU_ASSERT_DOUBLE_EQUAL(model_mean_inference_s(&b, 1), 0.030, 1e-15);
    model_fini(&b);

    /* A base-only model copies without a table. */
    make_base_model(&a);
    model_copy(&b, &a);
    CU_ASSERT_PTR_NULL(b.by_size);
    CU_ASSERT(b.has_base);
    CU_ASSERT_DOUBLE_EQUAL(model_mean_inference_s(&b, 2), 0.014, 1e-15);
    model_fini(&a);
    model_fini(&b);
}

/* The host's own costs: a profile whose cold start is its host.start_ms
 * (as `profile` writes it) and none whose cold start came from elsewhere
 * (a Lambda profile's merged in), or that has no host section. */
static void test_costs_are_host(void)
{
    struct model_profile a;
    make_base_model(&a);
    CU_ASSERT(!model_costs_are_host(&a)); /* no host section */
    double v[] = { 0.003, 0.0031, 0.0029 };
    a.cold_start_s = make(DIST_EMPIRICAL, 0, 0);
    a.cold_start_s.samples = v;
    a.cold_start_s.n_samples = 3;
    a.has_host = true;
    a.host_start_s = a.cold_start_s;
    CU_ASSERT(model_costs_are_host(&a));
    double w[] = { 0.003, 0.0031, 0.25 };
    a.cold_start_s.samples = w; /* one sample differs */
    CU_ASSERT(!model_costs_are_host(&a));
    a.cold_start_s.n_samples = 2; /* fewer samples */
    CU_ASSERT(!model_costs_are_host(&a));
    a.cold_start_s = dist_constant(0.003); /* another kind */
    CU_ASSERT(!model_costs_are_host(&a));
    a.host_start_s = dist_constant(0.003);
    CU_ASSERT(model_costs_are_host(&a));
    a.host_start_s.a = 0.004;
    CU_ASSERT(!model_costs_are_host(&a));
}

static void add_tests(CU_pSuite s)
{
    CU_add_test(s, "the profile's costs are the host's own: cold start is host.start_ms", test_costs_are_host);
    CU_add_test(s, "cpu share and compute factor", test_cpu_share);
    CU_add_test(s, "covers: table holes, base", test_covers);
    CU_add_test(s, "mean and sample: table vs base + per item", test_mean_and_sample);
    CU_add_test(s, "memory scaling of compute only", test_scale);
    CU_add_test(s, "deep copy and fini", test_copy_and_fini);
}

int main(void)
{
    return testutil_main("model", add_tests);
}
