/* test_calibrate_lib: the calibrate library called directly (no binary).
 * Synthetic logs drawn with a fixed seed from known distributions are
 * written to temporary files; calibrate_run must count what was written
 * and recover the known parameters within tolerances derived from the
 * sample size, refuse too few cold starts with the exact message, and fit
 * the CPU-bound fraction used to make logs at three memory sizes. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>
#include "analysis/calibrate.h"
#include "core/model.h"
#include "core/rng.h"
#include "formats/config.h"
#include "testutil.h"

#define Z 4.0   /* standard errors allowed: a fixed seed, and a correct fit rarely strays this far */

/* The known parameters of the synthetic deployment. */
#define COLD_MEDIAN_MS 800.0
#define COLD_SIGMA 0.3
#define BASE_MEDIAN_MS 10.0
#define BASE_SIGMA 0.15
#define PER_ITEM_MS 2.0
#define BATCH_MAX 4
#define OVERHEAD_MEDIAN_MS 30.0
#define OVERHEAD_SIGMA 0.2
/* write_logs adds this to every cold invocation's Duration (an instance's
 * first invocation being slower); 0 in every test but one. */
static double first_extra_ms;

static char *dir;

static void check_near(const char *what, double got, double want, double tol)
{
    if (!(fabs(got - want) <= tol))
        fprintf(stderr, "\n  %s: got %g, want %g +- %g\n", what, got, want, tol);
    CU_ASSERT(fabs(got - want) <= tol);
}

static double lognormal(gsl_rng *r, double median, double sigma)
{
    return median * exp(gsl_ran_gaussian(r, sigma));
}

/* sd of a lognormal with this median and sigma. */
static double lognormal_sd(double median, double sigma)
{
    return median * exp(sigma * sigma / 2) * sqrt(exp(sigma * sigma) - 1);
}

static char *path_in_dir(const char *name)
{
    if (dir == NULL)
        dir = testutil_temp_dir();
    size_t len = strlen(dir) + strlen(name) + 2;
    char *p = malloc(len);
    snprintf(p, len, "%s/%s", dir, name);
    return p;
}

/* One invocation in CloudWatch text form: START, the function's
 * batch_size=N line (when batch > 0), END, REPORT (Init Duration when
 * init_ms > 0). id is unique across every log of a test. */
static void write_invocation(FILE *f, unsigned id, int batch, double duration_ms, double init_ms, int memory_mb)
{
    fprintf(f, "START RequestId: req-%06u Version: $LATEST\n", id);
    if (batch > 0)
        fprintf(f, "[INFO]\t1970-01-01T00:00:00.000Z\treq-%06u\tbatch_size=%d\n", id, batch);
    fprintf(f, "END RequestId: req-%06u\n", id);
    fprintf(f, "REPORT RequestId: req-%06u\tDuration: %.2f ms\tBilled Duration: %.0f ms\tMemory Size: %d MB\t"
            "Max Memory Used: 64 MB", id, duration_ms, ceil(duration_ms + (init_ms > 0 ? init_ms : 0)),
            memory_mb);
    if (init_ms > 0)
        fprintf(f, "\tInit Duration: %.2f ms", init_ms);
    fputc('\n', f);
}

/* n_cold cold invocations then n_warm warm ones at 1024 MB, batch sizes
 * cycling 1..BATCH_MAX, Duration = base + PER_ITEM_MS x batch; with
 * client_path, a client log with one row per invocation whose invoke_ms is
 * Duration + Init Duration + overhead. The first cold invocation's REPORT
 * is line 4. */
static void write_logs(const char *log_path, const char *client_path, size_t n_cold, size_t n_warm, uint64_t seed)
{
    gsl_rng *r = rng_stream_create(seed, 0);
    FILE *f = fopen(log_path, "w");
    FILE *c = client_path != NULL ? fopen(client_path, "w") : NULL;
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    if (c != NULL)
        fputs("send_s,latency_ms,status,request_id,batch_id,batch_size,invoke_ms,cold\n", c);
    for (size_t i = 0; i < n_cold + n_warm; i++) {
        int batch = 1 + (int)(i % BATCH_MAX);
        double d = lognormal(r, BASE_MEDIAN_MS, BASE_SIGMA) + PER_ITEM_MS * batch;
        double init = i < n_cold ? lognormal(r, COLD_MEDIAN_MS, COLD_SIGMA) : 0;
        if (i < n_cold)
            d += first_extra_ms;
        /* Rounded as the log prints it, so the client's round trip is
         * never shorter than what the log says the function spent. */
        d = round(d * 100) / 100;
        init = round(init * 100) / 100;
        write_invocation(f, (unsigned)i, batch, d, init, 1024);
        if (c != NULL) {
            double rt = d + init + lognormal(r, OVERHEAD_MEDIAN_MS, OVERHEAD_SIGMA);
            fprintf(c, "%.3f,%.3f,ok,req-%06u,%zu,%d,%.3f,%d\n", (double)i * 0.1, rt + 1, (unsigned)i, i, batch, rt,
                    i < n_cold);
        }
    }
    CU_ASSERT_EQUAL(fclose(f), 0);
    if (c != NULL)
        CU_ASSERT_EQUAL(fclose(c), 0);
    gsl_rng_free(r);
}

static void test_round_trip(void)
{
    const size_t n_cold = 200, n_warm = 400, n = n_cold + n_warm;
    char *log_path = path_in_dir("l.log"), *client = path_in_dir("c.csv"), *prof = path_in_dir("m.json");
    write_logs(log_path, client, n_cold, n_warm, 7);
    const char *logs[] = { log_path, client };
    struct calibrate_opts o = { .logs = logs, .n_logs = 2, .min_samples = CALIBRATE_MIN_SAMPLES_DEFAULT };
    struct calibrate_result r;
    char msg[CALIBRATE_MSG_MAX] = "";
    enum calibrate_status st = calibrate_run(&o, &r, msg, sizeof msg);
    if (st != CALIBRATE_OK)
        fprintf(stderr, "\n  calibrate_run: %s\n", msg);
    CU_ASSERT_EQUAL_FATAL(st, CALIBRATE_OK);

    /* The counts: exactly what was written. */
    CU_ASSERT_EQUAL(r.n_lambda_files, 1);
    CU_ASSERT_EQUAL(r.n_skipped, 0);
    CU_ASSERT_EQUAL(r.log.n, n);
    CU_ASSERT_EQUAL(r.cl.n, n);
    CU_ASSERT_EQUAL(r.joined, n);
    CU_ASSERT_EQUAL(r.unmatched, 0);
    CU_ASSERT(r.have_cold);
    CU_ASSERT_EQUAL(r.cold.n, n_cold);
    CU_ASSERT_EQUAL(r.n_restores, 0);
    CU_ASSERT_EQUAL(r.inf.n, n);
    /* Cold and warm Durations drawn alike: compared, not modelled apart. */
    CU_ASSERT_EQUAL(r.inf.n_first, n_cold);
    CU_ASSERT(!r.inf.first);
    CU_ASSERT_EQUAL(r.inf.pings + r.inf.timed_out + r.inf.errored + r.inf.unknown, 0);
    CU_ASSERT(r.inf.regression);
    CU_ASSERT_EQUAL(r.inf.min_size, 1);
    CU_ASSERT_EQUAL(r.inf.max_size, BATCH_MAX);
    CU_ASSERT(!r.inf.base_normal);
    CU_ASSERT(r.have_overhead);
    CU_ASSERT_EQUAL(r.overhead.n, n_warm);
    CU_ASSERT_EQUAL(r.n_cold_rt, n_cold);
    CU_ASSERT(!r.memory_fitted);

    /* Cold start: the median of a lognormal sample has log-scale standard
     * error sigma / sqrt(n) (the ML fit; the other families fit about as
     * closely). */
    check_near("cold_start_ms median", log(r.cold.median), log(COLD_MEDIAN_MS), Z * COLD_SIGMA / sqrt((double)n_cold));
    CU_ASSERT(r.cold.median_lo <= r.cold.median_hi);

    /* The slope: se = sd(base) / sqrt(n var(batch)), batch uniform on
     * 1..BATCH_MAX (variance (B^2 - 1) / 12). */
    double sd_base = lognormal_sd(BASE_MEDIAN_MS, BASE_SIGMA);
    double var_batch = (BATCH_MAX * BATCH_MAX - 1) / 12.0;
    double se_slope = sd_base / sqrt((double)n * var_batch);
    check_near("per_item_ms", r.inf.per_item_ms, PER_ITEM_MS, Z * se_slope);
    /* The base's median, on residuals that carry the slope's error times
     * the mean batch size. */
    double mean_batch = (1 + BATCH_MAX) / 2.0;
    check_near("inference base median", r.inf.base.median, BASE_MEDIAN_MS,
               Z * (BASE_MEDIAN_MS * BASE_SIGMA / sqrt((double)n) + se_slope * mean_batch));

    /* Overhead: warm round trips minus Duration; the print to 0.001 ms is
     * far below the tolerance. */
    check_near("overhead_ms median", log(r.overhead.median), log(OVERHEAD_MEDIAN_MS),
               Z * OVERHEAD_SIGMA / sqrt((double)n_warm));
    double over_mean = OVERHEAD_MEDIAN_MS * exp(OVERHEAD_SIGMA * OVERHEAD_SIGMA / 2);
    check_near("cold excess mean", r.cold_excess_ms / (double)r.n_cold_rt, over_mean,
               Z * lognormal_sd(OVERHEAD_MEDIAN_MS, OVERHEAD_SIGMA) / sqrt((double)n_cold) + 0.01);

    /* The profile the library writes loads as a model. */
    FILE *f = fopen(prof, "w");
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    calibrate_write_profile(f, "synthetic", &o, &r);
    CU_ASSERT_EQUAL(fclose(f), 0);
    struct model_profile m;
    char m_msg[512];
    CU_ASSERT_EQUAL_FATAL(config_load_model(prof, &m, m_msg, sizeof m_msg), CONFIG_OK);
    CU_ASSERT_EQUAL(m.memory_mb, 1024);
    model_fini(&m);
    /* The summary goes to the FILE given, nowhere else. */
    char *text = NULL;
    size_t len = 0;
    FILE *s = open_memstream(&text, &len);
    CU_ASSERT_PTR_NOT_NULL_FATAL(s);
    calibrate_print_summary(s, &o, &r);
    CU_ASSERT_EQUAL(fclose(s), 0);
    TESTUTIL_ASSERT_CONTAINS(text, "calibrate: 600 invocations from 1 Lambda log, Memory Size 1024 MB; 600 client "
                                   "requests (600 joined by request_id)");
    free(text);

    calibrate_result_fini(&r);
    calibrate_result_fini(&r); /* twice is harmless */
    free(log_path);
    free(client);
    free(prof);
}

/* Too few cold starts: BAD_INPUT, and the message names the first. */
static void test_too_few_cold_starts(void)
{
    char *log_path = path_in_dir("few.log");
    write_logs(log_path, NULL, 5, 100, 8);
    const char *logs[] = { log_path };
    struct calibrate_opts o = { .logs = logs, .n_logs = 1, .min_samples = CALIBRATE_MIN_SAMPLES_DEFAULT };
    struct calibrate_result r;
    char msg[CALIBRATE_MSG_MAX] = "", want[CALIBRATE_MSG_MAX];
    CU_ASSERT_EQUAL(calibrate_run(&o, &r, msg, sizeof msg), CALIBRATE_BAD_INPUT);
    snprintf(want, sizeof want, "too few cold starts: 5 REPORT lines with Init Duration (first at %s:4); need at "
             "least 30 (--min-samples)", log_path);
    CU_ASSERT_STRING_EQUAL(msg, want);
    calibrate_result_fini(&r);

    /* Enough once the floor is lowered to what the log has. */
    o.min_samples = 5;
    CU_ASSERT_EQUAL(calibrate_run(&o, &r, msg, sizeof msg), CALIBRATE_OK);
    CU_ASSERT_EQUAL(r.cold.n, 5);
    CU_ASSERT(!r.have_overhead);
    calibrate_result_fini(&r);
    free(log_path);
}

/* A Lambda log without REPORT lines among several is skipped, with its
 * warning in the result (the library prints nothing); alone, it is the
 * error. */
static void test_empty_log(void)
{
    char *log_path = path_in_dir("e-ok.log"), *empty = path_in_dir("empty.log");
    write_logs(log_path, NULL, 40, 40, 9);
    FILE *f = fopen(empty, "w");
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    fclose(f);
    const char *logs[] = { log_path, empty };
    struct calibrate_opts o = { .logs = logs, .n_logs = 2, .min_samples = CALIBRATE_MIN_SAMPLES_DEFAULT };
    struct calibrate_result r;
    char msg[CALIBRATE_MSG_MAX] = "";
    CU_ASSERT_EQUAL(calibrate_run(&o, &r, msg, sizeof msg), CALIBRATE_OK);
    CU_ASSERT_EQUAL(r.n_skipped, 1);
    CU_ASSERT_EQUAL(r.n_lambda_files, 1);
    if (r.n_skipped == 1)
        TESTUTIL_ASSERT_CONTAINS(r.skipped[0], empty);
    calibrate_result_fini(&r);

    o.logs = logs + 1;
    o.n_logs = 1;
    CU_ASSERT_EQUAL(calibrate_run(&o, &r, msg, sizeof msg), CALIBRATE_BAD_INPUT);
    CU_ASSERT_EQUAL(r.n_skipped, 0);
    TESTUTIL_ASSERT_CONTAINS(msg, empty);
    calibrate_result_fini(&r);
    free(log_path);
    free(empty);
}

/* The memory fit: mean Duration at 512, 1024 and 1769 MB made from
 * Amdahl's law with a known f around the 1769 MB mean, with lognormal noise
 * of coefficient of variation CV; the fitted f within Z standard errors. */
static void test_memory_fit(void)
{
    const double f_true = 0.7, ref_ms = 100, sigma = 0.1;
    const int mb[3] = { 512, 1024, 1769 };
    const size_t per_size = 200, n_cold = 40;
    char *log_path = path_in_dir("mem.log");
    FILE *f = fopen(log_path, "w");
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    gsl_rng *g = rng_stream_create(10, 0);
    unsigned id = 0;
    for (size_t k = 0; k < 3; k++) {
        double share = (mb[k] < 1769 ? mb[k] : 1769) / 1769.0;
        double mean_ms = ref_ms * ((1 - f_true) + f_true / share);
        for (size_t i = 0; i < per_size; i++) {
            /* Mean one: exp(N(-s^2/2, s)). */
            double d = mean_ms * exp(gsl_ran_gaussian(g, sigma) - sigma * sigma / 2);
            double init = i < n_cold ? lognormal(g, COLD_MEDIAN_MS, COLD_SIGMA) : 0;
            write_invocation(f, id++, 0, d, init, mb[k]);
        }
    }
    gsl_rng_free(g);
    CU_ASSERT_EQUAL_FATAL(fclose(f), 0);

    const char *logs[] = { log_path };
    struct calibrate_opts o = {
        .logs = logs, .n_logs = 1, .fit_memory = true, .batch_size = 1, .min_samples = CALIBRATE_MIN_SAMPLES_DEFAULT,
    };
    struct calibrate_result r;
    char msg[CALIBRATE_MSG_MAX] = "";
    enum calibrate_status st = calibrate_run(&o, &r, msg, sizeof msg);
    if (st != CALIBRATE_OK)
        fprintf(stderr, "\n  calibrate_run: %s\n", msg);
    CU_ASSERT_EQUAL_FATAL(st, CALIBRATE_OK);
    CU_ASSERT(r.memory_fitted);
    CU_ASSERT_EQUAL(r.mf.n_sizes, 3);
    CU_ASSERT_EQUAL(r.mf.n_inv, 3 * per_size);
    CU_ASSERT_DOUBLE_EQUAL(r.mf.fit.ref_mb, 1769, 0);
    /* The other fields come from the reference (largest) memory only. */
    CU_ASSERT_EQUAL(r.log.n, per_size);
    CU_ASSERT_EQUAL(r.log.inv[0].memory_mb, 1769);
    CU_ASSERT_EQUAL(r.cold.n, n_cold);
    CU_ASSERT(!r.mf.fit.clamped);
    /* se(f) from the smallest size alone (the fit uses all three, so it is
     * tighter): the ratio of two means t(512) / t(1769) = 1 + f (1769/512 -
     * 1) has relative se CV sqrt(2 / per_size). */
    double slope = 1769.0 / 512 - 1, ratio = 1 + f_true * slope;
    double cv = sqrt(exp(sigma * sigma) - 1);
    double se_f = ratio * cv * sqrt(2.0 / (double)per_size) / slope;
    check_near("cpu_bound_fraction", r.mf.fit.fraction, f_true, Z * se_f);
    calibrate_result_fini(&r);

    /* A reference memory the logs do not have: refused with the exact message. */
    o.memory_mb = 2048;
    CU_ASSERT_EQUAL(calibrate_run(&o, &r, msg, sizeof msg), CALIBRATE_BAD_INPUT);
    CU_ASSERT_STRING_EQUAL(msg, "--memory-mb 2048: no invocation has that Memory Size (the logs have 512 to 1769 MB)");
    calibrate_result_fini(&r);
    free(log_path);
}

/* Cold invocations 3 ms slower than warm ones of the same batch size: the
 * warm ones alone make the inference fit, and the excess is found as
 * first_invocation_ms (its mean within Z standard errors of 3 ms; the
 * excess is Duration minus a fitted mean, so its spread is the base's, sd
 * about BASE_MEDIAN_MS x BASE_SIGMA). Without the excess (test_round_trip's
 * log) the same test keeps every invocation in the inference fit. */
static void test_first_invocation(void)
{
    const size_t n_cold = 200, n_warm = 400;
    char *log_path = path_in_dir("first.log");
    first_extra_ms = 3.0;
    write_logs(log_path, NULL, n_cold, n_warm, 11);
    first_extra_ms = 0;
    const char *logs[] = { log_path };
    struct calibrate_opts o = { .logs = logs, .n_logs = 1, .min_samples = CALIBRATE_MIN_SAMPLES_DEFAULT };
    struct calibrate_result r;
    char msg[CALIBRATE_MSG_MAX] = "";
    CU_ASSERT_EQUAL_FATAL(calibrate_run(&o, &r, msg, sizeof msg), CALIBRATE_OK);
    CU_ASSERT(r.inf.first);
    CU_ASSERT_EQUAL(r.inf.n, n_warm);
    CU_ASSERT_EQUAL(r.inf.n_first, n_cold);
    CU_ASSERT(r.inf.first_z > CALIBRATE_FIRST_Z);
    double se = BASE_MEDIAN_MS * BASE_SIGMA / sqrt((double)n_cold);
    check_near("first invocation mean excess", r.inf.first_mean_ms, 3.0, Z * se);
    check_near("per_item_ms", r.inf.per_item_ms, PER_ITEM_MS, 0.2);
    char *prof = path_in_dir("first.json");
    FILE *f = fopen(prof, "w");
    CU_ASSERT_FATAL(f != NULL);
    calibrate_write_profile(f, "first", &o, &r);
    fclose(f);
    char *text = testutil_read_file(prof);
    TESTUTIL_ASSERT_CONTAINS(text, "\"first_invocation_ms\": {");
    TESTUTIL_ASSERT_CONTAINS(text, "\"first_invocation\": {\"samples\": 200, \"modelled\": true");
    free(text);
    calibrate_result_fini(&r);
    free(prof);
    free(log_path);
}

static void add_tests(CU_pSuite s)
{
    CU_add_test(s, "counts and fits of a synthetic log", test_round_trip);
    CU_add_test(s, "first invocations slower: fitted apart", test_first_invocation);
    CU_add_test(s, "too few cold starts refused", test_too_few_cold_starts);
    CU_add_test(s, "a log without REPORT lines", test_empty_log);
    CU_add_test(s, "cpu_bound_fraction across memory sizes", test_memory_fit);
}

int main(void)
{
    int rc = testutil_main("calibrate_lib", add_tests);
    testutil_remove_dir(dir);
    return rc;
}
