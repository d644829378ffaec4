/* test_calibrate: the round trip through the real command line: simulate
 * with known parameters, write the Lambda and client logs, calibrate, and
 * find the known cold-start median, per-item inference time and overhead
 * inside the confidence intervals calibrate reports (widened to 99.9 %). Plus its refusals:
 * too few samples, unknown batch sizes, every catalogued bad log. */
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "core/model.h"
#include "formats/config.h"
#include "formats/lambdalog.h"
#include "testutil.h"

/* The known parameters of tests/data/log-scenario.json. */
#define COLD_MEDIAN_MS 800.0
#define PER_ITEM_MS 2.0
#define OVERHEAD_MEDIAN_MS 30.0
#define BASE_MEAN_MS (10.0 * 1.0113135) /* lognormal median 10, sigma 0.15: 10 exp(0.15^2 / 2) */

/* Reads "<key>": [lo, hi] that follows `section` in the text. */
static bool find_ci(const char *text, const char *section, const char *key, double *lo, double *hi)
{
    const char *s = strstr(text, section);
    if (s == NULL)
        return false;
    char pat[128];
    snprintf(pat, sizeof pat, "\"%s\": [", key);
    s = strstr(s, pat);
    return s != NULL && sscanf(s + strlen(pat), "%lf, %lf", lo, hi) == 2;
}

/* The reported interval is 95 %. A test pinned to one seed would fail for
 * one seed in twenty (per check) once anyone changes how random numbers are
 * drawn, so each side is widened from the interval's centre to the 99.9 %
 * level: z(0.9995) / z(0.975) = 3.2905 / 1.9600. A wrong estimate (a unit
 * slip, a bias of a few standard errors) still falls outside. */
static void expect_in(const char *what, double lo, double want, double hi)
{
    const double widen = 3.2905 / 1.9600;
    double mid = (lo + hi) / 2;
    double wlo = mid - widen * (mid - lo), whi = mid + widen * (hi - mid);
    bool ok = wlo <= want && want <= whi;
    if (!ok)
        fprintf(stderr, "\n  %s: %g not in [%g, %g] (95%% interval [%g, %g])\n", what, want, wlo, whi, lo,
                hi);
    CU_ASSERT(ok);
}

static char *dir;

static void make_logs(void)
{
    if (dir != NULL)
        return;
    dir = testutil_temp_dir();
    char *out = NULL, *err = NULL;
    int rc = testutil_runf(&out, &err, "run tests/data/log-scenario.json --lambda-log %s/l.log --client-log %s/c.csv",
                 dir, dir);
    if (rc != 0)
        fprintf(stderr, "\n  run: %s\n", err);
    CU_ASSERT_EQUAL_FATAL(rc, 0);
    free(out);
    free(err);
}

static void test_round_trip(void)
{
    make_logs();
    char *out = NULL, *err = NULL, path[1024];
    int rc = testutil_runf(&out, &err, "calibrate %s/l.log %s/c.csv -o %s/m.json", dir, dir, dir);
    if (rc != 0)
        fprintf(stderr, "\n  calibrate: %s\n", err);
    CU_ASSERT_EQUAL_FATAL(rc, 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "cold_start_ms (Init Duration):"));
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "chosen by AIC: lognormal"));
    free(out);
    free(err);

    /* The profile loads as a model, at the logged memory size. */
    snprintf(path, sizeof path, "%s/m.json", dir);
    struct model_profile m;
    char msg[CONFIG_MSG_MAX];
    enum config_status st = config_load_model(path, &m, msg, sizeof msg);
    if (st != CONFIG_OK)
        fprintf(stderr, "\n  %s\n", msg);
    CU_ASSERT_EQUAL_FATAL(st, CONFIG_OK);
    CU_ASSERT_DOUBLE_EQUAL(m.memory_mb, 1024, 0);
    CU_ASSERT(m.has_base);
    CU_ASSERT_EQUAL(m.cold_start_s.kind, DIST_LOGNORMAL);
    model_fini(&m);

    /* The known values lie in the reported intervals (see expect_in). */
    char *text = testutil_read_file(path);
    CU_ASSERT_PTR_NOT_NULL_FATAL(text);
    const char *notes = strstr(text, "\"notes\"");
    CU_ASSERT_PTR_NOT_NULL_FATAL(notes);
    double lo = NAN, hi = NAN;
    CU_ASSERT_FATAL(find_ci(notes, "\"cold_start_ms\": {\"samples\"", "median_ci95", &lo, &hi));
    expect_in("cold-start median", lo, COLD_MEDIAN_MS, hi);
    CU_ASSERT(hi - lo < 0.15 * COLD_MEDIAN_MS);  /* a few hundred cold starts: a tight interval */
    CU_ASSERT_FATAL(find_ci(notes, "\"inference_ms\": {\"samples\"", "per_item_ms_ci95", &lo, &hi));
    expect_in("per-item inference", lo, PER_ITEM_MS, hi);
    CU_ASSERT(hi - lo < 0.2 * PER_ITEM_MS);
    CU_ASSERT_FATAL(find_ci(notes, "\"inference_ms\": {\"samples\"", "base_ms_ci95", &lo, &hi));
    expect_in("base inference mean", lo, BASE_MEAN_MS, hi);
    CU_ASSERT_FATAL(find_ci(notes, "\"overhead_ms\": {\"samples\"", "median_ci95", &lo, &hi));
    expect_in("overhead median", lo, OVERHEAD_MEDIAN_MS, hi);
    /* Sources say how many samples each number came from. */
    CU_ASSERT_PTR_NOT_NULL(strstr(text, "\"cold_start_ms\": \"calibrated: lognormal maximum-likelihood fit to "));
    free(text);

    /* The file exists now: no overwrite without --force. */
    rc = testutil_runf(&out, &err, "calibrate %s/l.log -o %s/m.json", dir, dir);
    CU_ASSERT_EQUAL(rc, 2);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "exists"));
    free(out);
    free(err);
}

/* The REPORT lines of the simulated Lambda log (make_logs): its invocations. */
static long report_lines(void)
{
    char cmd[1024], *out = NULL;
    snprintf(cmd, sizeof cmd, "grep -c '^REPORT' %s/l.log", dir);
    CU_ASSERT_EQUAL_FATAL(testutil_run(cmd, &out, NULL), 0);
    long n = out != NULL ? strtol(out, NULL, 10) : 0;
    free(out);
    CU_ASSERT(n > 100);
    return n;
}

/* Batch sizes joined from the client log when the function logged none;
 * without either, a clear refusal (or --batch-size). */
static void test_batch_sizes(void)
{
    make_logs();
    char *out = NULL, *err = NULL;
    char cmd[2048];
    snprintf(cmd, sizeof cmd, "grep -v batch_size= %s/l.log > %s/plain.log", dir, dir);
    CU_ASSERT_EQUAL_FATAL(testutil_run(cmd, NULL, NULL), 0);
    int rc = testutil_runf(&out, &err, "calibrate %s/plain.log %s/c.csv -o %s/j.json", dir, dir, dir);
    if (rc != 0)
        fprintf(stderr, "\n  %s\n", err);
    CU_ASSERT_EQUAL(rc, 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "Duration = "));
    free(out);
    free(err);

    rc = testutil_runf(&out, &err, "calibrate %s/plain.log -o %s/k.json", dir, dir);
    CU_ASSERT_EQUAL(rc, 2);
    char want[128];
    snprintf(want, sizeof want, "batch size unknown for all %ld invocations (first at ", report_lines());
    TESTUTIL_ASSERT_CONTAINS(err, want);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "plain.log:3): log a line batch_size=N"));
    CU_ASSERT_STRING_EQUAL(out, "");
    free(out);
    free(err);

    /* --batch-size says it: one size, so a table entry; no client log, no overhead. */
    rc = testutil_runf(&out, &err, "calibrate %s/plain.log -o %s/k.json --batch-size 4", dir, dir);
    CU_ASSERT_EQUAL(rc, 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "not measured (no client log): written as 0"));
    free(out);
    free(err);
    char path[1024];
    snprintf(path, sizeof path, "%s/k.json", dir);
    char *text = testutil_read_file(path);
    CU_ASSERT_PTR_NOT_NULL(text != NULL ? strstr(text, "\"by_batch_size\": {\"4\": ") : NULL);
    free(text);
}

/* Failed invocations are kept out of the fits and counted: every 20th
 * REPORT becomes a 60 s errored one (Status: error), every 20th (offset)
 * gets its timeout line after the REPORT, naming its RequestId. Included,
 * either would wreck the per-item fit; the known slope must still lie in
 * the reported interval. */
static void test_failed_excluded(void)
{
    make_logs();
    char cmd[2048];
    snprintf(cmd, sizeof cmd,
             "awk 'BEGIN { OFS = \"\" } /^REPORT/ { n++; if (n %% 20 == 0) { sub(/Duration: [0-9.]+ ms/, "
             "\"Duration: 60000.00 ms\"); print $0, \"Status: error\"; next } "
             "if (n %% 20 == 10) { sub(/Duration: [0-9.]+ ms/, \"Duration: 60000.00 ms\"); print; "
             "print \"2024-01-01T00:00:00.000Z \", $3, \" Task timed out after 60.00 seconds\"; next } } "
             "{ print }' %s/l.log > %s/failed.log", dir, dir);
    CU_ASSERT_EQUAL_FATAL(testutil_run(cmd, NULL, NULL), 0);
    char *out = NULL, *err = NULL;
    int rc = testutil_runf(&out, &err, "calibrate %s/failed.log %s/c.csv -o %s/f.json", dir, dir, dir);
    if (rc != 0)
        fprintf(stderr, "\n  calibrate: %s\n", err);
    CU_ASSERT_EQUAL_FATAL(rc, 0);
    /* n invocations: n / 20 errored (n = 20, 40, ...), (n + 10) / 20 timed
     * out (n = 10, 30, ...). */
    long n = report_lines(), errored = n / 20, timed_out = (n + 10) / 20;
    char want[128];
    snprintf(want, sizeof want, "%ld timed out, %ld errored", timed_out, errored);
    TESTUTIL_ASSERT_CONTAINS(out, want);
    char path[1024];
    snprintf(path, sizeof path, "%s/f.json", dir);
    char *text = testutil_read_file(path);
    CU_ASSERT_PTR_NOT_NULL_FATAL(text);
    snprintf(want, sizeof want, "\"timed_out\": %ld, \"errored\": %ld,", timed_out, errored);
    TESTUTIL_ASSERT_CONTAINS(text, want);
    TESTUTIL_ASSERT_CONTAINS(text, "\"timeouts_unattributed\": 0,");
    const char *notes = strstr(text, "\"notes\"");
    double lo = NAN, hi = NAN;
    CU_ASSERT_FATAL(notes != NULL && find_ci(notes, "\"inference_ms\": {\"samples\"", "per_item_ms_ci95", &lo, &hi));
    expect_in("per-item inference without failed invocations", lo, PER_ITEM_MS, hi);
    free(text);
    free(out);
    free(err);
}

/* A log without invocations among several is skipped with a warning; alone,
 * or with only other such logs, it is the error it was. */
static void test_empty_log_skipped(void)
{
    make_logs();
    char cmd[1024];
    snprintf(cmd, sizeof cmd, "printf 'START RequestId: x Version: 1\\nEXTENSION\\tName: agent\\n' > %s/empty.log",
             dir);
    CU_ASSERT_EQUAL_FATAL(testutil_run(cmd, NULL, NULL), 0);
    char *out = NULL, *err = NULL;
    int rc = testutil_runf(&out, &err, "calibrate %s/l.log %s/empty.log -o %s/e.json", dir, dir, dir);
    CU_ASSERT_EQUAL(rc, 0);
    TESTUTIL_ASSERT_CONTAINS(err, "calibrate: warning: ");
    TESTUTIL_ASSERT_CONTAINS(err, "empty.log: no REPORT lines or platform.report records: skipped\n");
    char want[128];
    snprintf(want, sizeof want, "%ld invocations from 1 Lambda log,", report_lines());
    TESTUTIL_ASSERT_CONTAINS(out, want);
    free(out);
    free(err);
    rc = testutil_runf(&out, &err, "calibrate %s/empty.log -o %s/e2.json", dir, dir);
    CU_ASSERT_EQUAL(rc, 2);
    TESTUTIL_ASSERT_CONTAINS(err, "empty.log: no REPORT lines or platform.report records\n");
    free(out);
    free(err);
    rc = testutil_runf(&out, &err, "calibrate %s/empty.log %s/empty.log -o %s/e3.json", dir, dir, dir);
    CU_ASSERT_EQUAL(rc, 2);
    TESTUTIL_ASSERT_CONTAINS(err, "none of the 2 Lambda logs has a REPORT line or platform.report record\n");
    free(out);
    free(err);
}

/* SnapStart (issue 15, point 2): the same logs as a SnapStart function
 * writes them, Init Duration turned into Restore Duration. The profile
 * gets restore_ms (the known cold-start median inside its interval) and no
 * cold_start_ms; it runs with function.snapstart true and is refused
 * without it. */
static void test_snapstart(void)
{
    make_logs();
    char cmd[2048];
    snprintf(cmd, sizeof cmd, "sed 's/Init Duration: \\([0-9.]*\\) ms/Restore Duration: \\1 ms\\tBilled Restore "
             "Duration: 100 ms/' %s/l.log > %s/snap.log", dir, dir);
    CU_ASSERT_EQUAL_FATAL(testutil_run(cmd, NULL, NULL), 0);
    char *out = NULL, *err = NULL;
    int rc = testutil_runf(&out, &err, "calibrate %s/snap.log %s/c.csv -o %s/snap.json", dir, dir, dir);
    if (rc != 0)
        fprintf(stderr, "\n  calibrate: %s\n", err);
    CU_ASSERT_EQUAL_FATAL(rc, 0);
    TESTUTIL_ASSERT_CONTAINS(out, "cold_start_ms: not in the logs (a SnapStart function");
    TESTUTIL_ASSERT_CONTAINS(out, "restore_ms (Restore Duration, SnapStart), ");
    free(out);
    free(err);
    char path[1024];
    snprintf(path, sizeof path, "%s/snap.json", dir);
    char *text = testutil_read_file(path);
    CU_ASSERT_PTR_NOT_NULL_FATAL(text);
    CU_ASSERT(strstr(text, "\"cold_start_ms\"") == NULL);
    const char *notes = strstr(text, "\"notes\"");
    double lo = NAN, hi = NAN;
    CU_ASSERT_FATAL(notes != NULL && find_ci(notes, "\"restore_ms\": {\"samples\"", "median_ci95", &lo, &hi));
    expect_in("restore median", lo, COLD_MEDIAN_MS, hi);
    free(text);

    /* The profile in a scenario: SnapStart on, then off. */
    char *sc = NULL;
    snprintf(cmd, sizeof cmd, "{\"duration_s\": 60, \"workload\": {\"type\": \"uniform\", \"rate_rps\": 1}, "
             "\"function\": {\"model\": \"%s\", \"snapstart\": true}}", path);
    sc = testutil_temp_file(cmd, ".json");
    rc = testutil_runf(&out, &err, "run %s --json", sc);
    CU_ASSERT_EQUAL(rc, 0);
    TESTUTIL_ASSERT_CONTAINS(out, "\"snapstart\": ");
    free(out);
    free(err);
    rc = testutil_runf(&out, &err, "run %s --set function.snapstart=false", sc);
    CU_ASSERT_EQUAL(rc, 2);
    TESTUTIL_ASSERT_CONTAINS(err, "has restore_ms but no cold_start_ms: it describes a SnapStart function");
    free(out);
    free(err);
    unlink(sc);
    free(sc);
}

/* Memory scaling on real data (issue 15, point 1): the eight functions of
 * traces/lambda-memory (a public benchmark: four runtimes x two
 * architectures, 16 memory sizes from 128 to 2048 MB, ~10 invocations
 * each; provenance in its README). Calibrated on three sizes - the two
 * smallest, where the curve bends, and the largest as the reference - the
 * profile predicts the mean Duration at each of the 13 other sizes within
 * 15 %. Which three matters: traces/lambda-memory/README.md gives the
 * errors of other choices (up to 26 % when 128 MB is left out). */
#define MEM_FUNCTIONS 8
#define MEM_SIZES_MAX 32
static const char *const mem_logs[MEM_FUNCTIONS] = {
    "dotnet6-arm64", "dotnet6-x86-64", "nodejs18x-arm64", "nodejs18x-x86-64",
    "python311-arm64", "python311-x86-64", "rust-arm64", "rust-x86-64",
};

/* Mean Duration per Memory Size of a log; returns the number of sizes. */
static size_t mean_by_memory(const char *path, double *mb, double *mean)
{
    struct lambdalog log;
    char m[512];
    size_t count[MEM_SIZES_MAX] = { 0 }, n = 0;
    lambdalog_init(&log);
    CU_ASSERT_EQUAL_FATAL(lambdalog_read(&log, path, m, sizeof m), 0);
    for (size_t i = 0; i < log.n; i++) {
        size_t k = 0;
        while (k < n && mb[k] != log.inv[i].memory_mb)
            k++;
        if (k == n) {
            CU_ASSERT_FATAL(n < MEM_SIZES_MAX);
            mb[n] = log.inv[i].memory_mb;
            mean[n++] = 0;
        }
        mean[k] += log.inv[i].duration_ms;
        count[k]++;
    }
    for (size_t k = 0; k < n; k++)
        mean[k] /= (double)count[k];
    lambdalog_fini(&log);
    return n;
}

/* Calibrates each function of the data set in `sub` on three sizes and
 * compares the profile's prediction with the measured mean at every other
 * size; returns the worst relative error, counts those above 15 %, and
 * prints those above say_above. */
static double check_memory_set(const char *sub, size_t sizes, double say_above, int *over15)
{
    const double fit_mb[3] = { 128, 256, 2048 };
    double worst = 0;
    *over15 = 0;
    for (size_t fn = 0; fn < MEM_FUNCTIONS; fn++) {
        char log[256], cut[1024], prof[1024], cmd[2048];
        snprintf(log, sizeof log, "traces/lambda-memory/%s%s.log", sub, mem_logs[fn]);
        snprintf(cut, sizeof cut, "%s/%s-3.log", dir, mem_logs[fn]);
        snprintf(prof, sizeof prof, "%s/%s.json", dir, mem_logs[fn]);
        snprintf(cmd, sizeof cmd, "grep -E 'Memory Size: (%g|%g|%g) MB' %s > %s", fit_mb[0], fit_mb[1], fit_mb[2],
                 log, cut);
        CU_ASSERT_EQUAL_FATAL(testutil_run(cmd, NULL, NULL), 0);
        char *out = NULL, *err = NULL;
        int rc = testutil_runf(&out, &err, "calibrate %s --fit-memory --batch-size 1 --min-samples 9 --force -o %s",
                               cut, prof);
        if (rc != 0)
            fprintf(stderr, "\n  calibrate %s: %s\n", cut, err);
        CU_ASSERT_EQUAL_FATAL(rc, 0);
        TESTUTIL_ASSERT_CONTAINS(out, "at 3 sizes:");
        free(out);
        free(err);
        struct model_profile m;
        char m_msg[512];
        CU_ASSERT_EQUAL_FATAL(config_load_model(prof, &m, m_msg, sizeof m_msg), CONFIG_OK);
        CU_ASSERT(m.has_cpu_bound_fraction);
        CU_ASSERT_EQUAL(m.memory_mb, 2048);
        double mb[MEM_SIZES_MAX], mean[MEM_SIZES_MAX];
        size_t n = mean_by_memory(log, mb, mean);
        CU_ASSERT_EQUAL(n, sizes);
        for (size_t k = 0; k < n; k++) {
            if (mb[k] == fit_mb[0] || mb[k] == fit_mb[1] || mb[k] == fit_mb[2])
                continue;
            double pred = 1e3 * model_mean_inference_s(&m, 1)
                          * model_memory_factor(m.memory_mb, mb[k], m.cpu_bound_fraction);
            double e = fabs(pred / mean[k] - 1);
            worst = e > worst ? e : worst;
            *over15 += e > 0.15;
            if (e > say_above) {
                fprintf(stderr, "\n  %s%s at %g MB: predicted %.0f ms, measured %.0f ms (%+.1f %%), f = %.4f",
                        sub, mem_logs[fn], mb[k], pred, mean[k], 100 * (pred / mean[k] - 1), m.cpu_bound_fraction);
            }
        }
        model_fini(&m);
    }
    return worst;
}

static void test_memory_real(void)
{
    make_logs();
    /* The acceptance: every function, every other size within 15 %. The
     * figure traces/lambda-memory/README.md quotes is 14.0 %. */
    int over15 = 0;
    double worst = check_memory_set("", 16, 0.15, &over15);
    CU_ASSERT_EQUAL(over15, 0);
    CU_ASSERT(worst > 0.10 && worst < 0.15);
    if (!(worst > 0.10 && worst < 0.15))
        fprintf(stderr, "\n  worst error %.1f %% (README: 14.0 %%)\n", 100 * worst);
    /* The same benchmark's earlier, more CPU-bound run (50 S3 writes per
     * invocation, 12 sizes): the same method misses 15 % at 2 of 72
     * predictions (15.5 % and 15.0 %, .NET and Node.js on x86_64 at
     * 384 MB), as its README says. Held here so that the documented miss
     * cannot silently grow. */
    worst = check_memory_set("s3x50/", 12, 0.16, &over15);
    CU_ASSERT(over15 <= 2);
    CU_ASSERT(worst < 0.16);
    if (over15 > 2 || !(worst < 0.16))
        fprintf(stderr, "\n  s3x50: worst error %.1f %%, %d above 15 %% (README: 15.5 %%, 2)\n", 100 * worst,
                over15);

    /* The purely CPU-bound scaling of a profile without the fraction is
     * off several-fold on the same data (the 8x): .NET on arm64,
     * 1024 -> 128 MB, measured x2.91. */
    double mb[MEM_SIZES_MAX], mean[MEM_SIZES_MAX], at128 = 0, at1024 = 0;
    size_t n = mean_by_memory("traces/lambda-memory/dotnet6-arm64.log", mb, mean);
    for (size_t k = 0; k < n; k++) {
        at128 = mb[k] == 128 ? mean[k] : at128;
        at1024 = mb[k] == 1024 ? mean[k] : at1024;
    }
    CU_ASSERT(fabs(at128 / at1024 - 2.91) < 0.01);
    CU_ASSERT_DOUBLE_EQUAL(model_memory_factor(1024, 128, 1), 8.0, 1e-12);
}

/* --fit-memory's refusals: one memory size, sizes that all have a whole
 * vCPU, a reference memory absent from the logs, too few at one size. */
static void test_fit_memory_refusals(void)
{
    make_logs();
    char *out = NULL, *err = NULL;
    int rc = testutil_runf(&out, &err, "calibrate %s/l.log --fit-memory -o %s/fm.json", dir, dir);
    CU_ASSERT_EQUAL(rc, 2);
    TESTUTIL_ASSERT_CONTAINS(err, "--fit-memory: the logs have one memory size (1024 MB, first at ");
    free(out);
    free(err);
    char cmd[2048];
    snprintf(cmd, sizeof cmd, "grep -E 'Memory Size: (1792|2048) MB' traces/lambda-memory/rust-arm64.log > %s/big.log; "
             "grep -E 'Memory Size: (128|2048) MB' traces/lambda-memory/rust-arm64.log > %s/two.log; "
             "grep -E 'Memory Size: 2048 MB' traces/lambda-memory/rust-arm64.log > %s/few.log; "
             "grep -m 2 -E 'Memory Size: 128 MB' traces/lambda-memory/rust-arm64.log >> %s/few.log", dir, dir, dir, dir);
    CU_ASSERT_EQUAL_FATAL(testutil_run(cmd, NULL, NULL), 0);
    rc = testutil_runf(&out, &err, "calibrate %s/big.log --fit-memory --batch-size 1 --min-samples 5 -o %s/fm.json",
                       dir, dir);
    CU_ASSERT_EQUAL(rc, 2);
    TESTUTIL_ASSERT_CONTAINS(err, "has a whole vCPU or more (1769 MB): the CPU share does not vary");
    free(out);
    free(err);
    rc = testutil_runf(&out, &err, "calibrate %s/two.log --fit-memory --memory-mb 512 --batch-size 1 --min-samples 5 "
                       "-o %s/fm.json", dir, dir);
    CU_ASSERT_EQUAL(rc, 2);
    TESTUTIL_ASSERT_CONTAINS(err, "--memory-mb 512: no invocation has that Memory Size (the logs have 128 to 2048 MB)");
    free(out);
    free(err);
    rc = testutil_runf(&out, &err, "calibrate %s/few.log --fit-memory --batch-size 1 --min-samples 5 -o %s/fm.json",
                       dir, dir);
    CU_ASSERT_EQUAL(rc, 2);
    TESTUTIL_ASSERT_CONTAINS(err, "--fit-memory: only 2 invocations at 128 MB; each memory size needs at least 3");
    free(out);
    free(err);
    /* Two sizes: the curve is exact there, and the report says so. The
     * reference is the one --memory-mb names. */
    rc = testutil_runf(&out, &err, "calibrate %s/two.log --fit-memory --memory-mb 128 --batch-size 1 --min-samples 5 "
                       "-o %s/fm.json", dir, dir);
    CU_ASSERT_EQUAL(rc, 0);
    TESTUTIL_ASSERT_CONTAINS(out, "two memory sizes determine the curve exactly");
    TESTUTIL_ASSERT_CONTAINS(out, "(reference)");
    TESTUTIL_ASSERT_CONTAINS(out, "Memory Size 128 MB");
    free(out);
    free(err);
}

/* How often frag occurs in s (0 for NULL). */
static int count_of(const char *s, const char *frag)
{
    int n = 0;
    for (const char *p = s; p != NULL && (p = strstr(p, frag)) != NULL; p++)
        n++;
    return n;
}

/* A run that scales a profile without cpu_bound_fraction to another
 * memory size warns once on stderr; the same memory, or a profile with a
 * fraction, does not; emulate (the real function) does not. */
static void test_memory_warning(void)
{
    char *out = NULL, *err = NULL;
    int rc = testutil_runf(&out, &err, "run tests/data/scenario-minimal.json --set function.memory_mb=512");
    CU_ASSERT_EQUAL(rc, 0);
    TESTUTIL_ASSERT_CONTAINS(err, "run: warning: function.memory_mb is 512 MB but model ");
    TESTUTIL_ASSERT_CONTAINS(err, "has no cpu_bound_fraction: its inference time is scaled as purely CPU-bound (x2)");
    CU_ASSERT_EQUAL(count_of(err, "warning:"), 1);
    free(out);
    free(err);
    rc = testutil_runf(&out, &err, "run tests/data/scenario-minimal.json");
    CU_ASSERT_EQUAL(rc, 0);
    CU_ASSERT(err != NULL && strstr(err, "warning") == NULL);
    free(out);
    free(err);
    /* 1769 -> 2048 MB: one vCPU either way, nothing is scaled. */
    rc = testutil_runf(&out, &err, "run tests/data/scenario-minimal.json --set function.memory_mb=2048 --set "
                       "'function.model={\"memory_mb\":1769,\"cold_start_ms\":1000,\"overhead_ms\":0,"
                       "\"inference_ms\":{\"base\":10}}'");
    CU_ASSERT_EQUAL(rc, 0);
    CU_ASSERT_EQUAL(count_of(err, "warning:"), 0);
    free(out);
    free(err);
    /* A sweep over memory sizes: one warning, counting the points. */
    char cwd[1024], spec[2048];
    CU_ASSERT_PTR_NOT_NULL_FATAL(getcwd(cwd, sizeof cwd));
    snprintf(spec, sizeof spec, "{\"scenario\": \"%s/tests/data/sweep-base.json\", \"axes\": "
             "{\"function.memory_mb\": [512, 1024, 2048]}, \"replications\": 1}", cwd);
    char *sweep = testutil_temp_file(spec, ".json");
    char *sdir = testutil_temp_dir();
    rc = testutil_runf(&out, &err, "sweep %s --out %s/s.csv", sweep, sdir);
    CU_ASSERT_EQUAL(rc, 0);
    TESTUTIL_ASSERT_CONTAINS(err, "sweep: warning: function.memory_mb is 512 MB (the first of 2 sweep points like "
                                  "this) but model 'mnist-lambda-1024'");
    CU_ASSERT_EQUAL(count_of(err, "warning:"), 1);
    free(out);
    free(err);
    unlink(sweep);
    free(sweep);
    testutil_remove_dir(sdir);
    rc = testutil_runf(&out, &err, "run tests/data/scenario-minimal.json --set function.memory_mb=512 --set "
                       "'function.model={\"memory_mb\":1024,\"cpu_bound_fraction\":0.3,\"cold_start_ms\":1000,"
                       "\"overhead_ms\":0,\"inference_ms\":{\"base\":10}}'");
    CU_ASSERT_EQUAL(rc, 0);
    CU_ASSERT(err != NULL && strstr(err, "warning") == NULL);
    free(out);
    free(err);
}

static void test_refusals(void)
{
    make_logs();
    char *out = NULL, *err = NULL;
    int rc = testutil_runf(&out, &err, "calibrate %s/l.log -o %s/x.json --min-samples 5000", dir, dir);
    CU_ASSERT_EQUAL(rc, 2);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "too few cold starts: "));
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "need at least 5000 (--min-samples)"));
    free(out);
    free(err);

    rc = testutil_runf(&out, &err, "calibrate %s/c.csv -o %s/x.json", dir, dir);
    CU_ASSERT_EQUAL(rc, 2);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "no Lambda log among the inputs"));
    free(out);
    free(err);

    rc = testutil_runf(&out, &err, "calibrate %s/l.log -o %s/x.json --memory-mb 2048", dir, dir);
    CU_ASSERT_EQUAL(rc, 2);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "--memory-mb 2048: no invocation has that Memory Size (the logs have "
                                       "1024 MB"));
    free(out);
    free(err);

    rc = testutil_runf(&out, &err, "calibrate %s/l.log", dir);
    CU_ASSERT_EQUAL(rc, 2);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "missing -o MODEL.json"));
    free(out);
    free(err);
    rc = testutil_runf(&out, &err, "calibrate -o x.json");
    CU_ASSERT_EQUAL(rc, 2);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "missing LOG files"));
    free(out);
    free(err);
    rc = testutil_runf(&out, &err, "calibrate %s/l.log -o %s/x.json --min-samples two", dir, dir);
    CU_ASSERT_EQUAL(rc, 2);
    free(out);
    free(err);
    rc = testutil_runf(&out, &err, "calibrate --help");
    CU_ASSERT_EQUAL(rc, 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "Usage: lambdasim calibrate"));
    free(out);
    free(err);
}

/* Every bad log of the catalogue (tests/bad_inputs/README.md, kinds lambda-log
 * and client-log) through calibrate: exit 2, one line naming the file. */
static void test_bad_logs(void)
{
    struct testutil_bad_rows row;
    testutil_bad_open(&row);
    int cases = 0;
    while (testutil_bad_next(&row)) {
        if (strcmp(row.kind, "lambda-log") != 0 && strcmp(row.kind, "client-log") != 0)
            continue;
        char args[512];
        snprintf(args, sizeof args, "calibrate tests/bad/%s -o /nonexistent/never.json", row.file);
        testutil_expect_bad_run(args, row.file, row.frag, TESTUTIL_BAD_ONE_LINE);
        cases++;
    }
    printf("\n    %d catalogued bad logs checked", cases);
    CU_ASSERT(cases >= 15);
}

static void cleanup(void)
{
    testutil_remove_dir(dir);
    dir = NULL;
}

static void add_tests(CU_pSuite s)
{
    CU_add_test(s, "round trip: known parameters inside the reported intervals", test_round_trip);
    CU_add_test(s, "batch sizes from the client log, or refused", test_batch_sizes);
    CU_add_test(s, "timed-out and errored invocations: counted, not fitted", test_failed_excluded);
    CU_add_test(s, "a log without invocations among several: skipped", test_empty_log_skipped);
    CU_add_test(s, "SnapStart logs: restore_ms fitted, the profile needs snapstart", test_snapstart);
    CU_add_test(s, "memory scaling: three sizes of real logs predict the others within 15 %", test_memory_real);
    CU_add_test(s, "--fit-memory refusals", test_fit_memory_refusals);
    CU_add_test(s, "a run at another memory without a fraction warns once", test_memory_warning);
    CU_add_test(s, "too few samples and usage errors", test_refusals);
    CU_add_test(s, "catalogued bad logs through the CLI", test_bad_logs);
    CU_add_test(s, "clean up", cleanup);
}

int main(void)
{
    return testutil_main("calibrate", add_tests);
}
