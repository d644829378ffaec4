/* test_sweep: grid search. Confidence intervals (hand-computed data and a
 * case of known variance), grid order and seeds, byte-identical output for
 * any --jobs, shards + merge, resume after kill -9, MPI ranks, and one bad
 * sweep file per validation rule. */
#define _DEFAULT_SOURCE /* usleep, realpath */
#include <limits.h>
#include <math.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cjson/cJSON.h>
#include "core/rng.h"
#include "analysis/sweep.h"
#include "analysis/sweep_internal.h"
#include "testutil.h"

static char cmd[16384];

/* Runs and expects exit 0; returns stdout (caller frees). */
static char *run_ok(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static char *run_ok(const char *fmt, ...)
{
    char args[12000], *out, *err;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(args, sizeof args, fmt, ap);
    va_end(ap);
    snprintf(cmd, sizeof cmd, "%s %s", testutil_bin(), args);
    int rc = testutil_run(cmd, &out, &err);
    if (rc != 0)
        printf("\n    '%s' exited %d: %s", args, rc, err);
    CU_ASSERT_EQUAL(rc, 0);
    free(err);
    return out;
}

static void expect_exit2(const char *args, const char *fragment);

static size_t count_lines(const char *path);

static bool same_text(const char *a, const char *b)
{
    return a != NULL && b != NULL && strcmp(a, b) == 0;
}

/* ---- statistics ---------------------------------------------------------------- */

static void test_stats_fixed_data(void)
{
    /* mean 3, sd sqrt(2.5); t(0.975, 4) = 2.7764451052 (tables), so the
     * half-width is 2.7764451052 * sqrt(2.5) / sqrt(5) = 1.9632431615. */
    const double x[] = { 1, 2, 3, 4, 5 };
    double mean, ci;
    sweep_stats(x, 5, &mean, &ci);
    CU_ASSERT_DOUBLE_EQUAL(mean, 3.0, 1e-15);
    CU_ASSERT_DOUBLE_EQUAL(ci, 1.963243161477561, 1e-9);
    /* Two values: t(0.975, 1) = 12.7062047362, sd = sqrt(2), so the
     * half-width is 12.7062047362 exactly. */
    const double y[] = { 0, 2 };
    sweep_stats(y, 2, &mean, &ci);
    CU_ASSERT_DOUBLE_EQUAL(mean, 1.0, 1e-15);
    CU_ASSERT_DOUBLE_EQUAL(ci, 12.706204736174707, 1e-8);
    /* Constant data: zero width. One value: no width. */
    const double z[] = { 4, 4, 4 };
    sweep_stats(z, 3, &mean, &ci);
    CU_ASSERT_DOUBLE_EQUAL(mean, 4.0, 0);
    CU_ASSERT_DOUBLE_EQUAL(ci, 0.0, 0);
    sweep_stats(z, 1, &mean, &ci);
    CU_ASSERT_DOUBLE_EQUAL(mean, 4.0, 0);
    CU_ASSERT(isnan(ci));
    /* A value that could not be computed poisons the point's metric. */
    const double w[] = { 1, NAN, 3 };
    sweep_stats(w, 3, &mean, &ci);
    CU_ASSERT(isnan(mean) && isnan(ci));
}

/* A sweep's intervals against a known truth: tests/data/sweep-normal.json
 * has one request whose latency is 2 ms + normal(1000, 100). 200 points x
 * 10 replications: about 95 % of the intervals must cover 1002, and their
 * mean width must be t(0.975, 9) * 100 * c4(10) / sqrt(10) = 69.58. */
static void test_ci_known_variance(void)
{
    struct sweep_spec sp;
    struct sweep_results res;
    char msg[SWEEP_MSG_MAX];
    CU_ASSERT_EQUAL_FATAL(config_load_sweep("tests/data/sweep-coverage.json", &sp, msg, sizeof msg),
                          CONFIG_OK);
    CU_ASSERT_EQUAL_FATAL(sweep_prepare(&sp, msg, sizeof msg), CONFIG_OK);
    CU_ASSERT_EQUAL(sp.n_points, 200);
    CU_ASSERT_EQUAL(sp.replications, 10);
    size_t *pts = calloc(sp.n_points, sizeof *pts);
    for (size_t i = 0; i < sp.n_points; i++)
        pts[i] = i;
    sweep_results_init(&res, sp.n_points);
    struct sweep_run_opts o = { .points = pts, .n_points = sp.n_points, .jobs = 2 };
    CU_ASSERT_EQUAL_FATAL(sweep_run(&sp, &o, &res, msg, sizeof msg), 0);
    size_t m = (size_t)sweep_metric_find("latency_ms.mean"), covered = 0;
    double width = 0, grand = 0;
    for (size_t i = 0; i < sp.n_points; i++) {
        double mean = res.mean[i * res.n_metrics + m], ci = res.ci95[i * res.n_metrics + m];
        covered += fabs(mean - 1002.0) <= ci;
        width += ci;
        grand += mean;
    }
    double coverage = (double)covered / 200.0;
    width /= 200.0;
    grand /= 200.0;
    /* Binomial sd of the coverage: sqrt(0.95 * 0.05 / 200) = 0.0154; sd
     * of the mean width: 16.6 / sqrt(200) = 1.17; of the grand mean:
     * 100 / sqrt(2000) = 2.24. Four sd each. */
    printf("\n    coverage %.3f, mean half-width %.2f (expected 0.95, 69.58), grand mean %.2f ",
           coverage, width, grand);
    CU_ASSERT(fabs(coverage - 0.95) <= 4 * 0.0154);
    CU_ASSERT(fabs(width - 69.58) <= 4 * 1.17);
    CU_ASSERT(fabs(grand - 1002.0) <= 4 * 2.24);
    sweep_results_fini(&res);
    free(pts);
    sweep_spec_fini(&sp);
}

/* ---- the grid ------------------------------------------------------------------- */

static void test_grid_order_and_seeds(void)
{
    struct sweep_spec sp;
    char msg[SWEEP_MSG_MAX];
    CU_ASSERT_EQUAL_FATAL(config_load_sweep("tests/data/sweep-small.json", &sp, msg, sizeof msg),
                          CONFIG_OK);
    CU_ASSERT_EQUAL_FATAL(sweep_prepare(&sp, msg, sizeof msg), CONFIG_OK);
    /* axes first (file order), then zip groups; the first varies slowest. */
    CU_ASSERT_EQUAL(sp.n_points, 12);
    CU_ASSERT_EQUAL(sp.n_dims, 3);
    CU_ASSERT_EQUAL(sp.n_axes, 4);
    CU_ASSERT_STRING_EQUAL(sp.axes[0].path, "batching.threshold");
    CU_ASSERT_STRING_EQUAL(sp.axes[1].path, "platform.routing");
    CU_ASSERT_STRING_EQUAL(sp.axes[2].path, "workload.rate_rps");
    CU_ASSERT_STRING_EQUAL(sp.axes[3].path, "batching.timeout_s");
    CU_ASSERT_STRING_EQUAL(sp.axes[3].field, "zip[0].batching.timeout_s");
    const char *expect[][4] = {
        { "1", "mru", "2", "0.5" }, { "1", "mru", "6", "0.3" }, { "1", "mru", "12", "0.1" },
        { "1", "random", "2", "0.5" }, { "2", "mru", "2", "0.5" }, { "2", "random", "12", "0.1" },
    };
    const size_t at[] = { 0, 1, 2, 3, 6, 11 };
    for (size_t k = 0; k < 6; k++)
        for (size_t a = 0; a < 4; a++)
            CU_ASSERT_STRING_EQUAL(sweep_value(&sp, at[k], a), expect[k][a]);
    CU_ASSERT_EQUAL(sp.n_overrides, 1);
    CU_ASSERT_STRING_EQUAL(sp.override_values[0], "{\"dist\":\"uniform\",\"min\":300,\"max\":900}");
    /* The base seed is the scenario's (7); each replication its own. */
    CU_ASSERT_EQUAL(sp.seed, 7);
    CU_ASSERT_EQUAL(sweep_seed(&sp, 5, 2), rng_derive_seed(rng_derive_seed(7, 5), 2));
    CU_ASSERT_NOT_EQUAL(sweep_seed(&sp, 5, 2), sweep_seed(&sp, 6, 2));
    sp.common_random_numbers = true;
    CU_ASSERT_EQUAL(sweep_seed(&sp, 5, 2), rng_derive_seed(7, 2));
    CU_ASSERT_EQUAL(sweep_seed(&sp, 6, 2), sweep_seed(&sp, 5, 2));
    sweep_spec_fini(&sp);
}

static void test_range_values(void)
{
    char *path = testutil_temp_file(
        "{\"scenario\": \"x.json\", \"seed\": 5, \"common_random_numbers\": true,"
        " \"axes\": {\"a.b\": {\"from\": 0.1, \"to\": 1.0, \"step\": 0.1},"
        " \"c\": {\"from\": 0, \"to\": 8, \"step\": 1}, \"d\": {\"from\": 1, \"to\": 2.05, \"step\": 0.5},"
        " \"e\": [\"lru\", \"4\", true, null, {\"dist\": \"constant\", \"value\": 3}]}}",
        ".json");
    struct sweep_spec sp;
    char msg[SWEEP_MSG_MAX];
    CU_ASSERT_EQUAL_FATAL(config_load_sweep(path, &sp, msg, sizeof msg), CONFIG_OK);
    /* from + i*step, rounded: 0.1 + 2*0.1 reads 0.3; `to` included. */
    CU_ASSERT_EQUAL(sp.axes[0].n_values, 10);
    CU_ASSERT_STRING_EQUAL(sp.axes[0].values[2], "0.3");
    CU_ASSERT_STRING_EQUAL(sp.axes[0].values[6], "0.7");
    CU_ASSERT_STRING_EQUAL(sp.axes[0].values[9], "1");
    CU_ASSERT_EQUAL(sp.axes[1].n_values, 9);
    CU_ASSERT_STRING_EQUAL(sp.axes[1].values[8], "8");
    CU_ASSERT_EQUAL(sp.axes[2].n_values, 3);
    CU_ASSERT_STRING_EQUAL(sp.axes[2].values[2], "2");
    /* Values as --set reads them: a string is itself unless it would read
     * as JSON ("4" stays a string by being quoted). */
    CU_ASSERT_STRING_EQUAL(sp.axes[3].values[0], "lru");
    CU_ASSERT_STRING_EQUAL(sp.axes[3].values[1], "\"4\"");
    CU_ASSERT_STRING_EQUAL(sp.axes[3].values[2], "true");
    CU_ASSERT_STRING_EQUAL(sp.axes[3].values[3], "null");
    CU_ASSERT_STRING_EQUAL(sp.axes[3].values[4], "{\"dist\":\"constant\",\"value\":3}");
    CU_ASSERT_EQUAL(sp.n_points, 10 * 9 * 3 * 5);
    CU_ASSERT(sp.have_seed && sp.seed == 5 && sp.common_random_numbers);
    /* Relative to the sweep file's directory. */
    CU_ASSERT_PTR_NOT_NULL(strstr(sp.scenario, "/x.json"));
    sweep_spec_fini(&sp);
    unlink(path);
    free(path);
}

static void test_constraints(void)
{
    struct sweep_constraint c;
    char msg[256], buf[256];
    CU_ASSERT_EQUAL(sweep_parse_constraint("cost_usd.total<=0.05", &c, msg, sizeof msg), 0);
    CU_ASSERT_EQUAL(c.op, SWEEP_OP_LE);
    CU_ASSERT_DOUBLE_EQUAL(c.bound, 0.05, 0);
    sweep_format_constraint(&c, buf, sizeof buf);
    CU_ASSERT_STRING_EQUAL(buf, "cost_usd.total <= 0.05");
    CU_ASSERT_EQUAL(sweep_parse_constraint("  throughput_rps > 5e0 ", &c, msg, sizeof msg), 0);
    CU_ASSERT_EQUAL(c.op, SWEEP_OP_GT);
    CU_ASSERT_EQUAL(sweep_parse_constraint("latency_ms.p99 => 3", &c, msg, sizeof msg), -1);
    CU_ASSERT_EQUAL(sweep_parse_constraint("latency_ms.p99 <= ", &c, msg, sizeof msg), -1);
    CU_ASSERT_EQUAL(sweep_parse_constraint("latency_ms.p99 << 3", &c, msg, sizeof msg), -1);
    CU_ASSERT_EQUAL(sweep_parse_constraint("<= 3", &c, msg, sizeof msg), -1);
    struct sweep_constraint cs[2];
    struct sweep_objective o = { .constraints = cs, .n_constraints = 2 };
    sweep_parse_constraint("cost_usd.total <= 1", &cs[0], msg, sizeof msg);
    sweep_parse_constraint("cost_usd.total >= 1", &cs[1], msg, sizeof msg);
    CU_ASSERT_EQUAL(sweep_check_constraints(&o, msg, sizeof msg), 0);   /* exactly 1 is fine */
    sweep_parse_constraint("cost_usd.total > 1", &cs[1], msg, sizeof msg);
    CU_ASSERT_EQUAL(sweep_check_constraints(&o, msg, sizeof msg), -1);
}

/* ---- the command line: determinism, shards, resume, MPI ------------------------- */

static void test_jobs_determinism(void)
{
    char *dir = testutil_temp_dir(), p1[600], p2[600], p3[600];
    snprintf(p1, sizeof p1, "%s/j1.csv", dir);
    snprintf(p2, sizeof p2, "%s/j2.csv", dir);
    snprintf(p3, sizeof p3, "%s/j3.csv", dir);
    char *o1 = run_ok("sweep tests/data/sweep-small.json --jobs 1 --out %s", p1);
    char *o2 = run_ok("sweep tests/data/sweep-small.json --jobs 2 --out %s", p2);
    char *o3 = run_ok("sweep tests/data/sweep-small.json --jobs 3 --out %s", p3);
    char *c1 = testutil_read_file(p1), *c2 = testutil_read_file(p2), *c3 = testutil_read_file(p3);
    CU_ASSERT(same_text(c1, c2) && same_text(c1, c3));
    CU_ASSERT(same_text(o1, o2) && same_text(o1, o3));
    CU_ASSERT_PTR_NOT_NULL(strstr(o1, "best point: "));
    CU_ASSERT_PTR_NOT_NULL(strstr(o1, "Pareto front"));
    CU_ASSERT_PTR_NOT_NULL(strstr(o1, "lambdasim run tests/data/sweep-base.json --seed "));
    /* Header and one row per point, in point order. */
    static const char head[] = "point,batching.threshold,platform.routing,workload.rate_rps,"
                               "batching.timeout_s,replications,latency_ms.mean_mean,latency_ms.mean_ci95,";
    CU_ASSERT_EQUAL(strncmp(c1, head, strlen(head)), 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(c1, ",feasible,pareto,rank,tied\n0,1,mru,2,0.5,3,"));
    CU_ASSERT_PTR_NOT_NULL(strstr(c1, "\n11,2,random,12,0.1,3,"));
    /* No checkpoint is left behind after success. */
    char ck[700];
    snprintf(ck, sizeof ck, "%s.ckpt", p1);
    CU_ASSERT(!testutil_exists(ck));
    char *j1 = run_ok("sweep tests/data/sweep-small.json --jobs 1 --json");
    char *j2 = run_ok("sweep tests/data/sweep-small.json --jobs 2 --json");
    CU_ASSERT(same_text(j1, j2));
    cJSON *j = cJSON_Parse(j1);
    CU_ASSERT_PTR_NOT_NULL(j);
    CU_ASSERT_EQUAL(cJSON_GetArraySize(cJSON_GetObjectItem(j, "points")), 12);
    cJSON_Delete(j);
    free(j1);
    free(j2);
    free(c1);
    free(c2);
    free(c3);
    free(o1);
    free(o2);
    free(o3);
    testutil_remove_dir(dir);
}

/* A temporary sweep file of one replication over tests/data/sweep-base.json,
 * named by its absolute path since the file lies elsewhere; `rest` is the
 * rest of the object ("axes": ...). Caller unlinks and frees. */
static char *temp_sweep(const char *rest)
{
    char cwd[PATH_MAX], text[PATH_MAX + 600];
    CU_ASSERT_PTR_NOT_NULL_FATAL(getcwd(cwd, sizeof cwd));
    snprintf(text, sizeof text, "{\"scenario\": \"%s/tests/data/sweep-base.json\", \"replications\": 1, %s}", cwd,
             rest);
    return testutil_temp_file(text, ".json");
}

/* Index of a CSV header's column, -1 when absent. */
static int csv_column(const char *header, const char *name)
{
    int col = 0;
    size_t n = strlen(name);
    for (const char *p = header; *p != '\0' && *p != '\n'; col++) {
        size_t len = strcspn(p, ",\n");
        if (len == n && strncmp(p, name, n) == 0)
            return col;
        p += len;
        if (*p == ',')
            p++;
    }
    return -1;
}

/* Cell `col` of the CSV line at p, as a number (NAN when empty). */
static double csv_number(const char *p, int col)
{
    for (int c = 0; c < col; c++)
        p = strchr(p, ',') + 1;
    return *p == ',' || *p == '\n' ? (double)NAN : strtod(p, NULL);
}

/* Runs `sweep SW --out CSV --force` and reads the CSV back: returns its
 * text (caller frees) with row[0..n) at its first n data rows. */
static char *sweep_csv_rows(const char *sw, const char *csv, const char **row, int n)
{
    free(run_ok("sweep %s --out %s --force", sw, csv));
    char *t = testutil_read_file(csv);
    CU_ASSERT_PTR_NOT_NULL_FATAL(t);
    const char *line = strchr(t, '\n');
    for (int i = 0; i < n; i++) {
        CU_ASSERT_PTR_NOT_NULL_FATAL(line);
        row[i] = line + 1;
        line = strchr(line + 1, '\n');
    }
    return t;
}

/* The keep-alive policy is an axis like any other: fixed keep-alives of 60
 * and 600 s against the histogram policy, on one request every 300 s (20
 * requests, 1 s init). Fixed 60 s: every request is cold (20); fixed 600 s:
 * the first only, and the instance stays alive all along; histogram: the
 * first only (it keeps range_s while learning, then pre-warms), with less
 * instance time alive than 600 s (84 s of each later 300 s period). And an
 * object value reaches the scenario, written to the CSV as JSON. */
static void test_keep_alive_policy_axis(void)
{
    char cwd[PATH_MAX], text[PATH_MAX + 600];
    CU_ASSERT_PTR_NOT_NULL_FATAL(getcwd(cwd, sizeof cwd));
    snprintf(text, sizeof text, "{\"seed\": 1, \"duration_s\": 6000, \"workload\": {\"type\": \"uniform\", "
             "\"rate_rps\": 0.0033333333333333335}, \"function\": {\"model\": \"%s/tests/data/model-simple.json\"}}",
             cwd);
    char *scen = testutil_temp_file(text, ".json");
    snprintf(text, sizeof text, "{\"scenario\": \"%s\", \"axes\": {\"platform.keep_alive_policy\": "
             "[\"fixed\", \"histogram\"], \"platform.keep_alive_s\": [60, 600]}}", scen);
    char *sw = testutil_temp_file(text, ".json");
    char *dir = testutil_temp_dir(), csv[600];
    snprintf(csv, sizeof csv, "%s/k.csv", dir);
    const char *row[4];
    char *t = sweep_csv_rows(sw, csv, row, 4);
    int cold = csv_column(t, "cold_starts.count_mean"), alive = csv_column(t, "instances.mean_alive_mean");
    CU_ASSERT_FATAL(cold >= 0 && alive >= 0);
    CU_ASSERT_EQUAL(strncmp(row[0], "0,fixed,60,", 11), 0);
    CU_ASSERT_EQUAL(strncmp(row[2], "2,histogram,60,", 15), 0);
    CU_ASSERT_DOUBLE_EQUAL(csv_number(row[0], cold), 20, 0);
    CU_ASSERT_DOUBLE_EQUAL(csv_number(row[1], cold), 1, 0);
    CU_ASSERT_DOUBLE_EQUAL(csv_number(row[2], cold), 1, 0);
    CU_ASSERT_DOUBLE_EQUAL(csv_number(row[3], cold), 1, 0);
    CU_ASSERT(csv_number(row[2], alive) < csv_number(row[1], alive));
    CU_ASSERT_DOUBLE_EQUAL(csv_number(row[2], alive), csv_number(row[3], alive), 0); /* keep_alive_s unused */
    free(t);
    unlink(sw);
    free(sw);
    snprintf(text, sizeof text, "{\"scenario\": \"%s\", \"axes\": {\"platform.keep_alive_policy\": "
             "[{\"policy\": \"histogram\", \"min_samples\": 5}]}}", scen);
    sw = testutil_temp_file(text, ".json");
    t = sweep_csv_rows(sw, csv, row, 1);
    CU_ASSERT_PTR_NOT_NULL(strstr(t, "\n0,\"{\"\"policy\"\":\"\"histogram\"\",\"\"min_samples\"\":5}\",1,"));
    free(t);
    unlink(sw);
    free(sw);
    unlink(scen);
    free(scen);
    testutil_remove_dir(dir);
}

/* batching.policy and batching.slo_ms are axes like any other: aimd and
 * slo at SLOs of 60 and 300 ms on 200 requests/s (model-simple: a batch of
 * n takes about 30 + 2n ms with its overhead). A looser SLO lets both
 * policies batch more; at 60 ms the slo policy keeps the mean latency
 * within the SLO once instances are warm (the median says so). */
static void test_batching_policy_axis(void)
{
    char cwd[PATH_MAX], text[PATH_MAX + 600];
    CU_ASSERT_PTR_NOT_NULL_FATAL(getcwd(cwd, sizeof cwd));
    snprintf(text, sizeof text, "{\"seed\": 1, \"requests\": 3000, \"workload\": {\"type\": \"uniform\", "
             "\"rate_rps\": 200}, \"batching\": {\"max_batch\": 16, \"timeout_s\": 0.2}, "
             "\"function\": {\"model\": \"%s/tests/data/model-simple.json\"}}", cwd);
    char *scen = testutil_temp_file(text, ".json");
    snprintf(text, sizeof text, "{\"scenario\": \"%s\", \"axes\": {\"batching.policy\": [\"aimd\", \"slo\"], "
             "\"batching.slo_ms\": [60, 300]}}", scen);
    char *sw = testutil_temp_file(text, ".json");
    char *dir = testutil_temp_dir(), csv[600];
    snprintf(csv, sizeof csv, "%s/b.csv", dir);
    const char *row[4];
    char *t = sweep_csv_rows(sw, csv, row, 4);
    int size = csv_column(t, "batches.mean_size_mean"), p50 = csv_column(t, "latency_ms.p50_mean");
    CU_ASSERT_FATAL(size >= 0 && p50 >= 0);
    CU_ASSERT_EQUAL(strncmp(row[0], "0,aimd,60,", 10), 0);
    CU_ASSERT_EQUAL(strncmp(row[3], "3,slo,300,", 10), 0);
    CU_ASSERT(csv_number(row[1], size) > csv_number(row[0], size));
    CU_ASSERT(csv_number(row[3], size) > csv_number(row[2], size));
    CU_ASSERT(csv_number(row[2], size) > 1);
    CU_ASSERT(csv_number(row[2], p50) <= 60);
    free(t);
    unlink(sw);
    free(sw);
    unlink(scen);
    free(scen);
    testutil_remove_dir(dir);
}

/* The provisioned-concurrency policy and SnapStart are axes like any
 * other. Target tracking at 0.5 keeps more provisioned instances than at
 * 0.9 on the same load (20 requests/s of 50 ms for 30 minutes), so it
 * costs more; SnapStart (a model with restore_ms) adds its restores and
 * cache to the cost and shortens the cold starts' wait. */
static void test_pc_and_snapstart_axes(void)
{
    char text[1200];
    const char *model = "{\"memory_mb\": 1024, \"cold_start_ms\": 2000, \"restore_ms\": 300, \"overhead_ms\": 5, "
                        "\"inference_ms\": {\"base\": 50}}";
    snprintf(text, sizeof text, "{\"seed\": 1, \"duration_s\": 1800, \"workload\": {\"type\": \"poisson\", "
             "\"rate_rps\": 20}, \"function\": {\"model\": %s}, \"platform\": {\"provisioned_concurrency\": 1, "
             "\"provisioned\": {\"target_tracking\": {\"target_utilization\": 0.7}}}}", model);
    char *scen = testutil_temp_file(text, ".json");
    snprintf(text, sizeof text, "{\"scenario\": \"%s\", \"replications\": 2, \"axes\": "
             "{\"platform.provisioned.target_tracking.target_utilization\": [0.5, 0.9]}}", scen);
    char *sw = testutil_temp_file(text, ".json");
    char *dir = testutil_temp_dir(), csv[600];
    snprintf(csv, sizeof csv, "%s/p.csv", dir);
    const char *row[2];
    char *t = sweep_csv_rows(sw, csv, row, 2);
    int cost = csv_column(t, "cost_usd.total_mean");
    CU_ASSERT_FATAL(cost >= 0);
    CU_ASSERT_EQUAL(strncmp(row[0], "0,0.5,", 6), 0);
    CU_ASSERT(csv_number(row[0], cost) > csv_number(row[1], cost));
    free(t);
    unlink(sw);
    free(sw);
    unlink(scen);
    free(scen);
    /* SnapStart: no provisioned concurrency (AWS refuses both). */
    snprintf(text, sizeof text, "{\"seed\": 1, \"duration_s\": 600, \"workload\": {\"type\": \"bursty\", "
             "\"burst_size\": 3, \"burst_pause_s\": 120}, \"function\": {\"model\": %s}, "
             "\"platform\": {\"keep_alive_s\": 60}}", model);
    scen = testutil_temp_file(text, ".json");
    snprintf(text, sizeof text, "{\"scenario\": \"%s\", \"axes\": {\"function.snapstart\": [false, true]}}", scen);
    sw = testutil_temp_file(text, ".json");
    t = sweep_csv_rows(sw, csv, row, 2);
    int cold = csv_column(t, "cold_starts.count_mean"), mean = csv_column(t, "latency_ms.mean_mean");
    cost = csv_column(t, "cost_usd.total_mean");
    CU_ASSERT_FATAL(cold >= 0 && mean >= 0 && cost >= 0);
    CU_ASSERT_EQUAL(strncmp(row[1], "1,true,", 7), 0);
    CU_ASSERT_DOUBLE_EQUAL(csv_number(row[0], cold), csv_number(row[1], cold), 0);
    CU_ASSERT(csv_number(row[0], cold) >= 10);  /* every burst is cold (pause 120 s > keep-alive 60 s) */
    CU_ASSERT(csv_number(row[1], mean) < csv_number(row[0], mean) - 1000);  /* 300 ms restores, not 2 s inits */
    CU_ASSERT(csv_number(row[1], cost) > csv_number(row[0], cost));
    free(t);
    unlink(sw);
    free(sw);
    unlink(scen);
    free(scen);
    testutil_remove_dir(dir);
}

/* Common random numbers by default (issue 16): a one-axis memory sweep of
 * a CPU-bound model comes out monotone point for point (mean and p99
 * never rise with memory), and flat where the model is (1769 MB and above
 * get one vCPU: bit-identical results); the tied set, decided by paired
 * t tests, holds that whole flat region and none of the slower points. An
 * axis on the workload turns the default off; false in the file wins. */
static void test_crn_default(void)
{
    char cwd[PATH_MAX], text[PATH_MAX + 600];
    CU_ASSERT_PTR_NOT_NULL_FATAL(getcwd(cwd, sizeof cwd));
    snprintf(text, sizeof text, "{\"scenario\": \"%s/tests/data/sweep-base.json\", \"replications\": 8, \"axes\": "
             "{\"function.memory_mb\": [512, 768, 1024, 1536, 1769, 2048, 3008]}, \"objective\": {\"minimize\": "
             "\"latency_ms.mean\"}}", cwd);
    char *sw = testutil_temp_file(text, ".json");
    char *dir = testutil_temp_dir(), csv[600];
    snprintf(csv, sizeof csv, "%s/m.csv", dir);
    char *out = run_ok("sweep %s --out %s", sw, csv);
    CU_ASSERT_PTR_NOT_NULL(strstr(out, ", common random numbers)"));
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "paired t test"));
    free(out);
    out = run_ok("sweep %s --json", sw);
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "\"common_random_numbers\": true"));
    free(out);
    const char *row[7];
    char *t = sweep_csv_rows(sw, csv, row, 7);
    int mean = csv_column(t, "latency_ms.mean_mean"), p99 = csv_column(t, "latency_ms.p99_mean"),
        tied = csv_column(t, "tied");
    CU_ASSERT_FATAL(mean >= 0 && p99 >= 0 && tied >= 0);
    for (int i = 1; i < 7; i++) {
        CU_ASSERT(csv_number(row[i], mean) <= csv_number(row[i - 1], mean));
        CU_ASSERT(csv_number(row[i], p99) <= csv_number(row[i - 1], p99));
    }
    CU_ASSERT(csv_number(row[3], mean) > csv_number(row[4], mean));     /* 1536 MB is slower */
    for (int i = 5; i < 7; i++)
        CU_ASSERT_DOUBLE_EQUAL(csv_number(row[i], mean), csv_number(row[4], mean), 0);
    for (int i = 0; i < 7; i++)
        CU_ASSERT_DOUBLE_EQUAL(csv_number(row[i], tied), i >= 4 ? 1 : 0, 0);
    free(t);
    unlink(sw);
    free(sw);
    /* The workload varies: independent seeds. */
    sw = temp_sweep("\"axes\": {\"workload.rate_rps\": [2, 4]}");
    out = run_ok("sweep %s --json", sw);
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "\"common_random_numbers\": false"));
    free(out);
    unlink(sw);
    free(sw);
    sw = temp_sweep("\"common_random_numbers\": false, \"axes\": {\"function.memory_mb\": [512, 1024]}");
    out = run_ok("sweep %s --json", sw);
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "\"common_random_numbers\": false"));
    free(out);
    unlink(sw);
    free(sw);
    testutil_remove_dir(dir);
}

/* objective.pareto chooses the front's axes: max throughput and min cost
 * per million requests, checked against a brute-force front of the CSV;
 * the summary, the JSON and a shard header name them, and merge keeps
 * them. */
static void test_pareto_axes(void)
{
    char *sw = temp_sweep("\"axes\": {\"batching.threshold\": {\"from\": 1, \"to\": 4, \"step\": 1}, "
                          "\"workload.rate_rps\": [2, 8, 20]}, \"objective\": {\"minimize\": \"latency_ms.mean\", "
                          "\"pareto\": [\"max throughput_rps\", \"cost_usd.per_million_requests\"]}");
    char *dir = testutil_temp_dir(), csv[600], s1[600], s2[600], merged[600];
    snprintf(csv, sizeof csv, "%s/p.csv", dir);
    snprintf(s1, sizeof s1, "%s/s1.csv", dir);
    snprintf(s2, sizeof s2, "%s/s2.csv", dir);
    snprintf(merged, sizeof merged, "%s/m.csv", dir);
    char *out = run_ok("sweep %s --out %s", sw, csv);
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "Pareto front of max throughput_rps and cost_usd.per_million_requests"));
    char *text = testutil_read_file(csv);
    CU_ASSERT_PTR_NOT_NULL_FATAL(text);
    int thr = csv_column(text, "throughput_rps_mean"), cost = csv_column(text, "cost_usd.per_million_requests_mean");
    int feas = csv_column(text, "feasible"), par = csv_column(text, "pareto");
    CU_ASSERT_FATAL(thr >= 0 && cost >= 0 && feas >= 0 && par >= 0);
    double x[12], y[12];
    bool ok[12], front[12];
    size_t n = 0, on_front = 0;
    for (const char *line = strchr(text, '\n'); line != NULL && line[1] != '\0' && n < 12; line = strchr(line + 1, '\n')) {
        x[n] = csv_number(line + 1, thr);
        y[n] = csv_number(line + 1, cost);
        ok[n] = csv_number(line + 1, feas) == 1;
        front[n] = csv_number(line + 1, par) == 1;
        on_front += front[n];
        n++;
    }
    CU_ASSERT_EQUAL(n, 12);
    for (size_t i = 0; i < n; i++) {
        bool dominated = false;
        for (size_t j = 0; j < n; j++)
            if (j != i && ok[j] && x[j] >= x[i] && y[j] <= y[i] && (x[j] > x[i] || y[j] < y[i]))
                dominated = true;
        CU_ASSERT_EQUAL(front[i], ok[i] && !dominated);
    }
    CU_ASSERT(on_front >= 2);   /* throughput and cost trade off across the rates */
    char *json = run_ok("sweep %s --json", sw);
    CU_ASSERT_PTR_NOT_NULL(strstr(json, "\"pareto\": [\"max throughput_rps\", \"cost_usd.per_million_requests\"]}"));
    free(run_ok("sweep %s --shard 1/2 --out %s", sw, s1));
    free(run_ok("sweep %s --shard 2/2 --out %s", sw, s2));
    char *shard = testutil_read_file(s1);
    CU_ASSERT_PTR_NOT_NULL(strstr(shard, "\n# pareto: max throughput_rps, min cost_usd.per_million_requests\n"));
    free(run_ok("merge %s %s -o %s", s2, s1, merged));
    char *m = testutil_read_file(merged);
    CU_ASSERT(same_text(text, m));
    free(m);
    free(shard);
    free(json);
    free(text);
    free(out);
    /* The parser and writer agree; a bad axis names the problem. */
    struct sweep_objective o = { 0 };
    char buf[256];
    CU_ASSERT_EQUAL(sweep_parse_pareto("min latency_ms.p99, max throughput_rps", &o, buf, sizeof buf), 0);
    CU_ASSERT(o.pareto_max[1] && !o.pareto_max[0]);
    sweep_format_pareto(&o, buf, sizeof buf);
    CU_ASSERT_STRING_EQUAL(buf, "min latency_ms.p99, max throughput_rps");
    CU_ASSERT_EQUAL(sweep_parse_pareto("max latency_ms.p9, min cost_usd.total", &o, buf, sizeof buf), -1);
    CU_ASSERT_PTR_NOT_NULL(strstr(buf, "did you mean"));
    CU_ASSERT_EQUAL(testutil_remove_dir(dir), 0);
    unlink(sw);
    free(sw);
}

/* objective.balanced, Power Tuning's formula: weight 0 ranks (and ties)
 * exactly as minimising the time metric, weight 1 as minimising the cost
 * metric (the score is that metric over its largest value), so the CSVs
 * are byte-identical; at 0.5 the ranks follow the score computed by hand
 * from the JSON's means; shards merge to the whole run. */
static void test_balanced_objective(void)
{
    static const char axes[] = "\"axes\": {\"function.memory_mb\": [512, 1024, 1769, 3008], "
                               "\"batching.threshold\": [1, 4]}, ";
    char rest[1024];
    char *dir = testutil_temp_dir(), a[600], b[600], s1[600], s2[600], m[600];
    snprintf(a, sizeof a, "%s/a.csv", dir);
    snprintf(b, sizeof b, "%s/b.csv", dir);
    snprintf(s1, sizeof s1, "%s/s1.csv", dir);
    snprintf(s2, sizeof s2, "%s/s2.csv", dir);
    snprintf(m, sizeof m, "%s/m.csv", dir);
    for (int w = 0; w <= 1; w++) {
        snprintf(rest, sizeof rest, "%s\"objective\": {\"balanced\": {\"weight\": %d}}", axes, w);
        char *bal = temp_sweep(rest);
        snprintf(rest, sizeof rest, "%s\"objective\": {\"minimize\": \"%s\"}", axes,
                 w == 0 ? "latency_ms.mean" : "cost_usd.per_million_requests");
        char *plain = temp_sweep(rest);
        unlink(a);
        unlink(b);
        free(run_ok("sweep %s --out %s 2>/dev/null", bal, a));
        free(run_ok("sweep %s --out %s 2>/dev/null", plain, b));
        char *ta = testutil_read_file(a), *tb = testutil_read_file(b);
        CU_ASSERT(same_text(ta, tb));
        free(ta);
        free(tb);
        unlink(bal);
        unlink(plain);
        free(bal);
        free(plain);
    }
    snprintf(rest, sizeof rest, "%s\"objective\": {\"balanced\": {\"weight\": 0.5}}", axes);
    char *bal = temp_sweep(rest);
    char *json = run_ok("sweep %s --json 2>/dev/null", bal);
    CU_ASSERT_PTR_NOT_NULL(strstr(json, "\"objective\": {\"balanced\": {\"weight\": 0.5, \"time\": "
                                        "\"latency_ms.mean\", \"cost\": \"cost_usd.per_million_requests\"}"));
    /* Each point's time and cost means, score and rank, in point order. */
    double t[8], c[8], score[8], max_t = 0, max_c = 0;
    size_t rank[8], n = 0;
    for (const char *p = strstr(json, "{\"point\": "); p != NULL && n < 8; p = strstr(p + 1, "{\"point\": ")) {
        t[n] = strtod(strstr(p, "\"latency_ms.mean\": {\"mean\": ") + 27, NULL);
        c[n] = strtod(strstr(p, "\"cost_usd.per_million_requests\": {\"mean\": ") + 42, NULL);
        score[n] = strtod(strstr(p, "\"score\": ") + 9, NULL);
        rank[n] = (size_t)strtoul(strstr(p, "\"rank\": ") + 8, NULL, 10);
        max_t = fmax(max_t, t[n]);
        max_c = fmax(max_c, c[n]);
        n++;
    }
    CU_ASSERT_EQUAL_FATAL(n, 8);
    for (size_t i = 0; i < n; i++) {
        CU_ASSERT_DOUBLE_EQUAL(score[i], 0.5 * c[i] / max_c + 0.5 * t[i] / max_t, 1e-9);
        for (size_t j = 0; j < n; j++)
            if (score[j] < score[i])
                CU_ASSERT(rank[j] < rank[i]);
    }
    free(json);
    unlink(a);
    char *out = run_ok("sweep %s --out %s 2>/dev/null", bal, a);
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "objective: balanced, lowest 0.5 x cost_usd.per_million_requests / its "
                                       "largest + 0.5 x latency_ms.mean / its largest"));
    free(out);
    free(run_ok("sweep %s --shard 1/2 --out %s 2>/dev/null", bal, s1));
    free(run_ok("sweep %s --shard 2/2 --out %s 2>/dev/null", bal, s2));
    char *shard = testutil_read_file(s1);
    CU_ASSERT_PTR_NOT_NULL(strstr(shard, "\n# objective: balanced 0.5 latency_ms.mean cost_usd.per_million_requests\n"));
    free(shard);
    free(run_ok("merge %s %s -o %s", s1, s2, m));
    char *ta = testutil_read_file(a), *tm = testutil_read_file(m);
    CU_ASSERT(same_text(ta, tm));
    free(ta);
    free(tm);
    unlink(bal);
    free(bal);
    CU_ASSERT_EQUAL(testutil_remove_dir(dir), 0);
}

/* Under common random numbers, points that simulate the same thing are
 * found: at batching.threshold 1 no request waits, so batching.timeout_s
 * changes nothing; the summary names the groups and the axis, the JSON
 * gives same_as, and a merge of shards finds the same groups. */
static void test_same_results(void)
{
    char *sw = temp_sweep("\"common_random_numbers\": true, \"axes\": {\"batching.threshold\": [1, 2], "
                          "\"batching.timeout_s\": [0.1, 0.3, 0.5], \"workload.rate_rps\": [4, 8]}");
    char *out = run_ok("sweep %s", sw);
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "gave bit-identical results in every metric (common random numbers"));
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "\n  points 0, 2, 4: batching.timeout_s\n  points 1, 3, 5: batching.timeout_s\n"));
    char *json = run_ok("sweep %s --json", sw);
    CU_ASSERT_PTR_NOT_NULL(strstr(json, "\"point\": 4, "));
    const char *p4 = strstr(json, "{\"point\": 4, ");
    CU_ASSERT(p4 != NULL && strstr(p4, "\"same_as\": 0}") != NULL);
    const char *p0 = strstr(json, "{\"point\": 0, ");
    CU_ASSERT(p0 != NULL && strstr(p0, "\"same_as\": null}") != NULL && strstr(p0, "\"same_as\": null}") < p4);
    char *dir = testutil_temp_dir(), s1[600], s2[600];
    snprintf(s1, sizeof s1, "%s/s1.csv", dir);
    snprintf(s2, sizeof s2, "%s/s2.csv", dir);
    free(run_ok("sweep %s --shard 1/2 --out %s", sw, s1));
    free(run_ok("sweep %s --shard 2/2 --out %s", sw, s2));
    char *merged = run_ok("merge %s %s", s1, s2);
    CU_ASSERT(same_text(out, merged));
    free(merged);
    free(json);
    free(out);
    CU_ASSERT_EQUAL(testutil_remove_dir(dir), 0);
    unlink(sw);
    free(sw);
}

/* --replications-csv: one row per point and replication; each point's
 * rows average to the --out CSV's mean, and a row's seed reproduces it
 * with `run --seed`. Checked before running: "-" and an existing file
 * (without --force) are usage errors. */
static void test_replications_csv(void)
{
    char *sw = temp_sweep("\"axes\": {\"batching.threshold\": [1, 2], \"workload.rate_rps\": [4, 8]}");
    char *dir = testutil_temp_dir(), reps[600], out[600];
    snprintf(reps, sizeof reps, "%s/reps.csv", dir);
    snprintf(out, sizeof out, "%s/out.csv", dir);
    /* temp_sweep asks for 1 replication; 3 through an override of the file is not possible, so
     * the sweep file is rewritten with 3. */
    char *text = testutil_read_file(sw);
    CU_ASSERT_PTR_NOT_NULL_FATAL(text);
    char *r1 = strstr(text, "\"replications\": 1");
    CU_ASSERT_PTR_NOT_NULL_FATAL(r1);
    r1[16] = '3';
    FILE *f = fopen(sw, "w");
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    fputs(text, f);
    fclose(f);
    free(text);
    free(run_ok("sweep %s --out %s --replications-csv %s", sw, out, reps));
    char *rt = testutil_read_file(reps), *ot = testutil_read_file(out);
    CU_ASSERT_PTR_NOT_NULL_FATAL(rt);
    CU_ASSERT_PTR_NOT_NULL_FATAL(ot);
    CU_ASSERT_EQUAL(strncmp(rt, "point,batching.threshold,workload.rate_rps,replication,seed,latency_ms.mean,", 76), 0);
    CU_ASSERT_EQUAL(count_lines(reps), 1 + 4 * 3);
    int rcol = csv_column(rt, "latency_ms.mean"), ocol = csv_column(ot, "latency_ms.mean_mean");
    double sum[4] = { 0 }, mean[4] = { 0 };
    unsigned long long seed0 = 0;
    size_t row = 0;
    for (const char *line = strchr(rt, '\n'); line != NULL && line[1] != '\0'; line = strchr(line + 1, '\n'), row++) {
        size_t point = (size_t)strtoul(line + 1, NULL, 10);
        CU_ASSERT_EQUAL(point, row / 3);
        if (point < 4)
            sum[point] += csv_number(line + 1, rcol);
        if (row == 0)
            seed0 = strtoull(strchr(strchr(strchr(strchr(line + 1, ',') + 1, ',') + 1, ',') + 1, ',') + 1, NULL, 10);
    }
    row = 0;
    for (const char *line = strchr(ot, '\n'); line != NULL && line[1] != '\0' && row < 4; line = strchr(line + 1, '\n'))
        mean[row++] = csv_number(line + 1, ocol);
    for (size_t p = 0; p < 4; p++)
        CU_ASSERT_DOUBLE_EQUAL(sum[p] / 3, mean[p], 1e-9 * fabs(mean[p]));
    /* Point 0, replication 0, by hand: its seed and settings. */
    char *run = run_ok("run tests/data/sweep-base.json --seed %llu --set batching.threshold=1 "
                       "--set workload.rate_rps=4 --json", seed0);
    const char *lat = strstr(run, "\"latency_ms\": {");
    const char *first = strchr(rt, '\n') + 1;
    CU_ASSERT(lat != NULL && fabs(strtod(strstr(lat, "\"mean\": ") + 8, NULL) - csv_number(first, rcol)) < 1e-4);
    free(run);
    free(rt);
    free(ot);
    char args[1400];
    snprintf(args, sizeof args, "sweep %s --replications-csv -", sw);
    expect_exit2(args, "--replications-csv needs a file name");
    snprintf(args, sizeof args, "sweep %s --replications-csv %s", sw, reps);
    expect_exit2(args, "--replications-csv ");
    CU_ASSERT_EQUAL(testutil_remove_dir(dir), 0);
    unlink(sw);
    free(sw);
}

/* Sorts v[0..n) (ascending). */
static int dbl_cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* The per-run interval of every point and metric is the pair of order
 * statistics k and R+1-k of the point's replications (--replications-csv
 * holds them all), k from --interval-level; the JSON and the summary say
 * which k and coverage; shards made at different levels do not merge. */
static void test_per_run_interval(void)
{
    char *sw = temp_sweep("\"axes\": {\"batching.threshold\": [1, 2]}");
    char *text = testutil_read_file(sw);
    CU_ASSERT_PTR_NOT_NULL_FATAL(text);
    char *r1 = strstr(text, "\"replications\": 1");
    CU_ASSERT_PTR_NOT_NULL_FATAL(r1);
    memcpy(r1, "\"replications\":20", 17); /* as long as the text it replaces */
    FILE *f = fopen(sw, "w");
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    fputs(text, f);
    fclose(f);
    free(text);
    char *dir = testutil_temp_dir(), reps[600], out[600];
    snprintf(reps, sizeof reps, "%s/reps.csv", dir);
    snprintf(out, sizeof out, "%s/out.csv", dir);
    /* R = 20 at 0.8: (21 - 2k)/21 >= 0.8 for k <= 2, so the 2nd smallest and 2nd largest. */
    char *sum = run_ok("sweep %s --interval-level 0.8 --out %s --replications-csv %s", sw, out, reps);
    CU_ASSERT_PTR_NOT_NULL(strstr(sum, "order statistics 2 and 19 of the 20 replications, 81% of runs)"));
    char *rt = testutil_read_file(reps), *ot = testutil_read_file(out);
    CU_ASSERT_PTR_NOT_NULL_FATAL(rt);
    CU_ASSERT_PTR_NOT_NULL_FATAL(ot);
    const char *metrics[] = { "latency_ms.mean", "latency_ms.p99", "cost_usd.total" };
    for (size_t m = 0; m < 3; m++) {
        char name[64];
        int rcol = csv_column(rt, metrics[m]);
        snprintf(name, sizeof name, "%s_run_lo", metrics[m]);
        int lo_col = csv_column(ot, name);
        snprintf(name, sizeof name, "%s_run_hi", metrics[m]);
        int hi_col = csv_column(ot, name);
        CU_ASSERT_FATAL(rcol >= 0 && lo_col >= 0 && hi_col == lo_col + 1);
        double v[2][20];
        size_t n[2] = { 0, 0 };
        for (const char *line = strchr(rt, '\n'); line != NULL && line[1] != '\0'; line = strchr(line + 1, '\n')) {
            size_t point = (size_t)strtoul(line + 1, NULL, 10);
            CU_ASSERT_FATAL(point < 2 && n[point] < 20);
            v[point][n[point]++] = csv_number(line + 1, rcol);
        }
        const char *line = strchr(ot, '\n');
        for (size_t p = 0; p < 2; p++, line = strchr(line + 1, '\n')) {
            CU_ASSERT_EQUAL_FATAL(n[p], 20);
            qsort(v[p], 20, sizeof v[p][0], dbl_cmp);
            CU_ASSERT(v[p][1] < v[p][18]); /* the runs differ: the check below can fail */
            CU_ASSERT_DOUBLE_EQUAL(csv_number(line + 1, lo_col), v[p][1], 1e-9 * fabs(v[p][1]));
            CU_ASSERT_DOUBLE_EQUAL(csv_number(line + 1, hi_col), v[p][18], 1e-9 * fabs(v[p][18]));
        }
    }
    free(rt);
    free(ot);
    free(sum);
    /* The default level, 0.95, needs 39 replications: with 20, [min, max] covers 19/21. */
    char *json = run_ok("sweep %s --json", sw);
    const char *pri = strstr(json, "\"per_run_interval\": {\"level\": 0.95, \"coverage\": ");
    CU_ASSERT_PTR_NOT_NULL_FATAL(pri);
    CU_ASSERT_DOUBLE_EQUAL(strtod(strstr(pri, "coverage") + 11, NULL), 19.0 / 21.0, 1e-12);
    CU_ASSERT_PTR_NOT_NULL(strstr(pri, "\"k\": 1, \"enough\": false}"));
    CU_ASSERT_PTR_NOT_NULL(strstr(json, "\"per_run\": ["));
    free(json);
    sum = run_ok("sweep %s", sw);
    CU_ASSERT_PTR_NOT_NULL(strstr(sum, "90% of runs: too few replications for the level asked)"));
    free(sum);
    /* Shards at two levels are two different outputs: refused, naming the line. */
    char s1[600], s2[600];
    snprintf(s1, sizeof s1, "%s/s1.csv", dir);
    snprintf(s2, sizeof s2, "%s/s2.csv", dir);
    free(run_ok("sweep %s --shard 1/2 --out %s", sw, s1));
    free(run_ok("sweep %s --shard 2/2 --interval-level 0.8 --out %s", sw, s2));
    char args[1400];
    snprintf(args, sizeof args, "merge %s %s", s1, s2);
    expect_exit2(args, "per_run_level");
    snprintf(args, sizeof args, "sweep %s --interval-level 1", sw);
    expect_exit2(args, "--interval-level: expected a number between 0 and 1");
    CU_ASSERT_EQUAL(testutil_remove_dir(dir), 0);
    unlink(sw);
    free(sw);
}

/* Writes text to dir/name. */
static void write_in(const char *dir, const char *name, const char *text)
{
    char path[700];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    fputs(text, f);
    fclose(f);
}

/* A trace the points read is part of the sweep's identity by content: a
 * shard computed after the trace changed does not merge, and a checkpoint
 * written before it changed is not resumed; both messages name the input.
 * The same trace under another path spelling is the same sweep. */
static void test_inputs_by_content(void)
{
    char *dir = testutil_temp_dir(), trace[2000] = "", args[2400], out[700], a[700], b[700];
    for (int i = 0; i < 200; i++)
        snprintf(trace + strlen(trace), sizeof trace - strlen(trace), "%.2f\n", 0.05 * i);
    write_in(dir, "t.txt", trace);
    write_in(dir, "s.json", "{\"name\": \"t\", \"requests\": 200, \"workload\": {\"type\": \"trace\", \"file\": \"t.txt\"}, "
                            "\"batching\": {\"timeout_s\": 0.1, \"max_batch\": 4}, \"function\": {\"model\": "
                            "{\"memory_mb\": 1024, \"cold_start_ms\": 500, \"overhead_ms\": 0, \"inference_ms\": {\"base\": 50}}}}\n");
    write_in(dir, "sw.json", "{\"scenario\": \"s.json\", \"replications\": 2, \"axes\": {\"batching.threshold\": [1, 2, 3, 4]}}\n");
    snprintf(out, sizeof out, "%s/o.csv", dir);
    snprintf(a, sizeof a, "%s/a.csv", dir);
    snprintf(b, sizeof b, "%s/b.csv", dir);
    char *json = run_ok("sweep %s/sw.json --json", dir);
    CU_ASSERT_PTR_NOT_NULL(strstr(json, "{\"role\": \"workload.file\", \"path\": \""));
    free(json);
    /* Shard 1 from the trace as it is, shard 2 (by another spelling of the
     * same path) too: they merge. */
    free(run_ok("sweep %s/sw.json --shard 1/2 --out %s", dir, a));
    free(run_ok("sweep %s/./sw.json --shard 2/2 --out %s", dir, b));
    free(run_ok("merge %s %s", a, b));
    /* A checkpoint, then the trace changes: no resume, no merge. */
    char *o = NULL, *e = NULL;
    CU_ASSERT_EQUAL(testutil_runf(&o, &e, "sweep %s/sw.json --out %s --time-limit 0.000001", dir, out), 124);
    free(o);
    free(e);
    write_in(dir, "t.txt", "0.0\n0.5\n");
    snprintf(args, sizeof args, "sweep %s/sw.json --out %s --resume", dir, out);
    expect_exit2(args, "o.csv.ckpt: the content of workload.file (");
    free(run_ok("sweep %s/sw.json --shard 2/2 --out %s --force", dir, b));
    snprintf(args, sizeof args, "merge %s %s", a, b);
    expect_exit2(args, "are not shards of the same sweep: the content of workload.file (");
    CU_ASSERT_EQUAL(testutil_remove_dir(dir), 0);
}


/* A trace sweep parses its trace once (tracecache.h) and copies it to
 * every load: each replication, on 2 threads, must be what `run` (which
 * parses the file itself) gives with its seed and settings. */
static void test_trace_sweep_matches_runs(void)
{
    char *dir = testutil_temp_dir(), path[700], cwd[4096];
    CU_ASSERT_PTR_NOT_NULL_FATAL(getcwd(cwd, sizeof cwd));
    snprintf(path, sizeof path, "%s/t.txt", dir);
    FILE *f = fopen(path, "w");
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    double t = 0;
    for (int i = 0; i < 3000; i++) {
        t += 0.05 + 0.1 * (double)((i * 7919) % 13) / 13.0;   /* irregular, no randomness needed */
        fprintf(f, "%.6f\n", t);
    }
    fclose(f);
    char sc[4096 + 400], sw[900], reps[700];
    snprintf(sc, sizeof sc, "{\"seed\": 3, \"workload\": {\"type\": \"trace\", \"file\": \"t.txt\"}, "
             "\"batching\": {\"threshold\": 2, \"timeout_s\": 0.3, \"max_batch\": 4}, "
             "\"function\": {\"model\": \"%s/models/mnist-lambda-1024.json\"}}", cwd);
    write_in(dir, "sc.json", sc);
    snprintf(sw, sizeof sw, "{\"scenario\": \"sc.json\", \"axes\": {\"batching.threshold\": [1, 2, 4], "
             "\"batching.timeout_s\": [0.1, 0.5]}, \"replications\": 2}");
    write_in(dir, "sw.json", sw);
    snprintf(reps, sizeof reps, "%s/reps.csv", dir);
    free(run_ok("sweep %s/sw.json --jobs 2 --replications-csv %s", dir, reps));
    char *rt = testutil_read_file(reps);
    CU_ASSERT_PTR_NOT_NULL_FATAL(rt);
    int mcol = csv_column(rt, "latency_ms.mean"), pcol = csv_column(rt, "latency_ms.p99");
    size_t rows = 0;
    for (const char *line = strchr(rt, '\n'); line != NULL && line[1] != '\0'; line = strchr(line + 1, '\n')) {
        /* point,threshold,timeout,replication,seed,... */
        const char *c = line + 1;
        char thr[32], to[32];
        c = strchr(c, ',') + 1;
        snprintf(thr, sizeof thr, "%.*s", (int)strcspn(c, ","), c);
        c = strchr(c, ',') + 1;
        snprintf(to, sizeof to, "%.*s", (int)strcspn(c, ","), c);
        c = strchr(strchr(c, ',') + 1, ',') + 1;
        unsigned long long seed = strtoull(c, NULL, 10);
        char *run = run_ok("run %s/sc.json --seed %llu --set batching.threshold=%s --set batching.timeout_s=%s --json",
                           dir, seed, thr, to);
        const char *lat = strstr(run, "\"latency_ms\": {");
        CU_ASSERT_PTR_NOT_NULL_FATAL(lat);
        double mean = strtod(strstr(lat, "\"mean\": ") + 8, NULL), p99 = strtod(strstr(lat, "\"p99\": ") + 7, NULL);
        CU_ASSERT_DOUBLE_EQUAL(mean, csv_number(line + 1, mcol), 1e-6 * mean);
        CU_ASSERT_DOUBLE_EQUAL(p99, csv_number(line + 1, pcol), 1e-6 * p99);
        free(run);
        rows++;
    }
    CU_ASSERT_EQUAL(rows, 6 * 2);
    free(rt);
    CU_ASSERT_EQUAL(testutil_remove_dir(dir), 0);
}

/* The printed command line reproduces the best point's first replication. */
static void test_best_command(void)
{
    char *path = temp_sweep(
        "\"axes\": {\"platform.routing\": [\"mru\", \"random\"], \"batching.timeout_s\": [0.1, 0.4]},"
        " \"overrides\": {\"platform.keep_alive_s\": {\"dist\": \"uniform\", \"min\": 60, \"max\": 90},"
        " \"workload.rate_rps\": 1.5},"
        " \"objective\": {\"minimize\": \"latency_ms.p99\"}");
    char *out = run_ok("sweep %s --json", path);
    cJSON *j = cJSON_Parse(out), *best = cJSON_GetObjectItem(j, "best");
    CU_ASSERT_PTR_NOT_NULL_FATAL(best);
    const char *line = cJSON_GetObjectItem(best, "command")->valuestring;
    int point = cJSON_GetObjectItem(best, "point")->valueint;
    CU_ASSERT_EQUAL(strncmp(line, "lambdasim run ", 14), 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(line, "--set 'platform.keep_alive_s={\"dist\":\"uniform\",\"min\":60,\"max\":90}'"));
    double p99 = cJSON_GetObjectItem(cJSON_GetObjectItem(cJSON_GetObjectItem(
                     cJSON_GetArrayItem(cJSON_GetObjectItem(j, "points"), point), "metrics"),
                     "latency_ms.p99"), "mean")->valuedouble;
    char *rout = NULL, *rerr = NULL;
    snprintf(cmd, sizeof cmd, "%s %s --json", testutil_bin(), line + strlen("lambdasim "));
    CU_ASSERT_EQUAL(testutil_run(cmd, &rout, &rerr), 0);
    cJSON *r = cJSON_Parse(rout);
    CU_ASSERT_PTR_NOT_NULL_FATAL(r);
    double got = cJSON_GetObjectItem(cJSON_GetObjectItem(r, "latency_ms"), "p99")->valuedouble;
    CU_ASSERT(fabs(got - p99) <= 1e-8 * fabs(p99));
    cJSON_Delete(r);
    cJSON_Delete(j);
    free(rout);
    free(rerr);
    free(out);
    unlink(path);
    free(path);
}

/* A point whose runs overload the engine (more than 2 million requests in
 * the system) does not stop the sweep: its cells are empty, it ranks last,
 * and stderr says so. */
static void test_overloaded_point(void)
{
    char *path = temp_sweep("\"axes\": {\"workload.rate_rps\": [40000, 6]},"
                            " \"overrides\": {\"duration_s\": 60, \"client.max_inflight\": 1,"
                            " \"client.max_queue\": 100000000}");
    char *dir = testutil_temp_dir(), csv[600];
    snprintf(csv, sizeof csv, "%s/o.csv", dir);
    char *out, *err;
    CU_ASSERT_EQUAL(testutil_runf(&out, &err, "sweep %s --out %s", path, csv), 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "warning: 1 point could not be simulated to the end"));
    char *t = testutil_read_file(csv);
    CU_ASSERT_PTR_NOT_NULL(t);
    CU_ASSERT_PTR_NOT_NULL(t != NULL ? strstr(t, "\n0,40000,1,,,") : NULL);
    CU_ASSERT_PTR_NOT_NULL(t != NULL ? strstr(t, ",0,0,2,0\n1,6,1,") : NULL);
    free(t);
    free(out);
    free(err);
    testutil_remove_dir(dir);
    unlink(path);
    free(path);
}

static void test_shards_merge(void)
{
    char *dir = testutil_temp_dir(), full[600], merged[600], s[3][600];
    snprintf(full, sizeof full, "%s/full.csv", dir);
    snprintf(merged, sizeof merged, "%s/merged.csv", dir);
    char *summary = run_ok("sweep tests/data/sweep-small.json --out %s", full);
    char *json = run_ok("sweep tests/data/sweep-small.json --json");
    for (int k = 0; k < 3; k++) {
        snprintf(s[k], sizeof s[k], "%s/shard-%d.csv", dir, k + 1);
        free(run_ok("sweep tests/data/sweep-small.json --shard %d/3 --jobs 2 --out %s", k + 1, s[k]));
    }
    char *shard = testutil_read_file(s[1]);
    CU_ASSERT_EQUAL(strncmp(shard, "# lambdasim sweep shard 2/3\n", 28), 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(shard, "\n# objective: minimize latency_ms.p99\n"));
    CU_ASSERT_PTR_NOT_NULL(strstr(shard, "\n# subject_to: cost_usd.total <= 0.0005\n"));
    CU_ASSERT_PTR_NOT_NULL(strstr(shard, ",,\n"));              /* pareto and rank empty */
    CU_ASSERT_PTR_NOT_NULL(strstr(shard, "\n1,1,mru,6,0.3,3,")); /* point 1 = 1 % 3 */
    /* Any order of the shards gives the single run's file and summary. */
    char *msum = run_ok("merge %s %s %s -o %s", s[2], s[0], s[1], merged);
    char *a = testutil_read_file(full), *b = testutil_read_file(merged);
    CU_ASSERT(same_text(a, b));
    CU_ASSERT(same_text(summary, msum));
    char *mjson = run_ok("merge %s %s %s --json", s[0], s[1], s[2]);
    CU_ASSERT(same_text(json, mjson));
    /* The same sweep file named by another path is the same sweep: shards
     * are compared by the content hash, not the path text. */
    char dotted[600];
    snprintf(dotted, sizeof dotted, "%s/shard-dot-1.csv", dir);
    free(run_ok("sweep ./tests/data/sweep-small.json --shard 1/3 --out %s", dotted));
    free(run_ok("merge %s %s %s", s[1], dotted, s[2]));

    char *out, *err;
    /* A missing shard, a shard given twice, a whole sweep's file, another sweep's shard. */
    CU_ASSERT_EQUAL(testutil_runf(&out, &err, "merge %s %s", s[0], s[1]), 2);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "4 of 12 points are missing (2, 5, 8, 11); shards not given: 3/3"));
    free(out);
    free(err);
    CU_ASSERT_EQUAL(testutil_runf(&out, &err, "merge %s %s %s %s", s[0], s[1], s[2], s[1]), 2);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "shard 2/3 is given twice"));
    free(out);
    free(err);
    CU_ASSERT_EQUAL(testutil_runf(&out, &err, "merge %s %s", s[0], full), 2);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "not a shard file"));
    free(out);
    free(err);
    char other[600];
    snprintf(other, sizeof other, "%s/other.csv", dir);
    free(run_ok("sweep tests/data/sweep-coverage.json --shard 3/3 --out %s", other));
    CU_ASSERT_EQUAL(testutil_runf(&out, &err, "merge %s %s %s", s[0], s[1], other), 2);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "are not shards of the same sweep"));
    free(out);
    free(err);
    /* The merged file is not overwritten without --force. */
    CU_ASSERT_EQUAL(testutil_runf(&out, &err, "merge %s %s %s -o %s", s[0], s[1], s[2], merged), 2);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "already exists"));
    free(out);
    free(err);
    free(a);
    free(b);
    free(shard);
    free(summary);
    free(msum);
    free(json);
    free(mjson);
    testutil_remove_dir(dir);
}

static size_t count_lines(const char *path)
{
    char *t = testutil_read_file(path);
    size_t n = 0;
    for (const char *c = t; c != NULL && *c != '\0'; c++)
        n += *c == '\n';
    free(t);
    return n;
}

/* Kill -9 mid-sweep, then --resume: the same file as an uninterrupted run. */
static void test_resume_after_kill(void)
{
    char *dir = testutil_temp_dir(), ref[600], out_path[600], ck[700];
    snprintf(ref, sizeof ref, "%s/ref.csv", dir);
    snprintf(out_path, sizeof out_path, "%s/out.csv", dir);
    snprintf(ck, sizeof ck, "%s.ckpt", out_path);
    char *ref_sum = run_ok("sweep tests/data/sweep-long.json --jobs 2 --out %s", ref);

    char *pid_text = NULL;
    snprintf(cmd, sizeof cmd, "%s sweep tests/data/sweep-long.json --jobs 1 --out %s >/dev/null 2>&1 & echo $!",
             testutil_bin(), out_path);
    CU_ASSERT_EQUAL_FATAL(testutil_run(cmd, &pid_text, NULL), 0);
    pid_t pid = (pid_t)atol(pid_text);
    free(pid_text);
    CU_ASSERT_FATAL(pid > 0);
    /* Header + a few finished points, then kill. */
    size_t lines = 0;
    for (int i = 0; i < 30000 && lines < 6; i++) {
        usleep(1000);
        lines = testutil_exists(ck) ? count_lines(ck) : 0;
    }
    kill(pid, SIGKILL);
    usleep(100000);
    lines = count_lines(ck);
    printf("\n    killed with %zu checkpoint lines ", lines);
    CU_ASSERT(lines >= 6 && lines < 801);
    CU_ASSERT(!testutil_exists(out_path));
    /* A torn last line (as a kill during a write leaves) is ignored. */
    FILE *f = fopen(ck, "a");
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    fputs("799 12.5 3", f);
    fclose(f);

    char *out, *err;
    /* Without --resume the checkpoint is not silently discarded. */
    CU_ASSERT_EQUAL(testutil_runf(&out, &err, "sweep tests/data/sweep-long.json --out %s", out_path), 2);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "pass --resume to continue it"));
    free(out);
    free(err);
    /* Another sweep's checkpoint is refused. */
    char other[600], other_ck[700];
    snprintf(other, sizeof other, "%s/other.csv", dir);
    snprintf(other_ck, sizeof other_ck, "%s.ckpt", other);
    snprintf(cmd, sizeof cmd, "cp %s %s", ck, other_ck);
    testutil_run(cmd, NULL, NULL);
    CU_ASSERT_EQUAL(testutil_runf(&out, &err, "sweep tests/data/sweep-small.json --out %s --resume", other), 2);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "belongs to another sweep"));
    free(out);
    free(err);

    char *sum = run_ok("sweep tests/data/sweep-long.json --jobs 2 --out %s --resume --timing", out_path);
    char *a = testutil_read_file(ref), *b = testutil_read_file(out_path);
    CU_ASSERT(same_text(a, b));
    CU_ASSERT(same_text(ref_sum, sum));
    CU_ASSERT(!testutil_exists(ck));
    free(a);
    free(b);
    free(sum);
    free(ref_sum);
    testutil_remove_dir(dir);
}

/* The MPI binary under test, or NULL after saying why `what` is skipped:
 * Open MPI is installed only by `make mpi` (CI does it); `make test` builds
 * the MPI binary when Open MPI is there. */
static const char *mpi_bin_or_skip(const char *what)
{
    const char *bin = getenv("LAMBDASIM_MPI_BIN");
    if (testutil_run("command -v mpicc >/dev/null && command -v mpirun >/dev/null", NULL, NULL) != 0) {
        testutil_skip("%s (Open MPI not installed; `make mpi` installs it)", what);
        return NULL;
    }
    if (bin == NULL || bin[0] == '\0' || access(bin, X_OK) != 0) {
        testutil_skip("%s (no MPI build at LAMBDASIM_MPI_BIN='%s'; `make mpi` builds it)", what,
                      bin != NULL ? bin : "");
        return NULL;
    }
    return bin;
}

static void test_mpi(void)
{
    const char *bin = mpi_bin_or_skip("MPI sweep test");
    if (bin == NULL)
        return;
    char *dir = testutil_temp_dir(), ref[600], got[600];
    snprintf(ref, sizeof ref, "%s/ref.csv", dir);
    snprintf(got, sizeof got, "%s/mpi.csv", dir);
    char *ref_sum = run_ok("sweep tests/data/sweep-small.json --out %s", ref);
    char *out = NULL, *err = NULL;
    snprintf(cmd, sizeof cmd, "mpirun %s--oversubscribe -np 2 %s sweep tests/data/sweep-small.json "
             "--jobs 1 --out %s", getuid() == 0 ? "--allow-run-as-root " : "", bin, got);
    int rc = testutil_run(cmd, &out, &err);
    if (rc != 0)
        printf("\n    mpirun exited %d: %s", rc, err);
    CU_ASSERT_EQUAL(rc, 0);
    char *a = testutil_read_file(ref), *b = testutil_read_file(got);
    CU_ASSERT(same_text(a, b));
    CU_ASSERT(same_text(ref_sum, out));
    free(a);
    free(b);
    free(out);
    free(err);
    free(ref_sum);
    testutil_remove_dir(dir);
}

/* Issue 16's balance: the study's bursty grid (1280 points, 5 runs each)
 * on 4 ranks. Rank 0 hands the points out in chunks as ranks ask, so the
 * measure is time, not work: every rank finishes its last point within
 * 10 % of the job's time of the others (no rank idles while another works;
 * a rank that gets less CPU, as here where 4 ranks share 2 cores, takes
 * fewer points, so the ranks' shares of the events differ). That the
 * result is the one-process run's, byte for byte, test_mpi and
 * test_mpi_resume check. */
static void test_mpi_balance(void)
{
    const char *bin = mpi_bin_or_skip("MPI balance test");
    if (bin == NULL)
        return;
    char *out = NULL, *err = NULL;
    snprintf(cmd, sizeof cmd, "mpirun %s--oversubscribe -np 4 %s sweep scenarios/sweeps/paper-bursty-grid.json "
             "--jobs 1 --timing", getuid() == 0 ? "--allow-run-as-root " : "", bin);
    int rc = testutil_run(cmd, &out, &err);
    CU_ASSERT_EQUAL(rc, 0);
    const char *p = err != NULL ? strstr(err, "(a spread of ") : NULL;
    double spread = p != NULL ? strtod(p + strlen("(a spread of "), NULL) : (double)NAN;
    printf("\n    4 ranks: last points within %.1f %% of the slowest rank's time ", spread);
    if (!(spread <= 10.0))
        printf("\n    %s", err != NULL ? err : "(no timing)");
    CU_ASSERT(spread >= 0.0 && spread <= 10.0);
    free(out);
    free(err);
}

/* Per-rank checkpoints: an MPI sweep stopped part-way (--time-limit, as a
 * lost rank stops the job) leaves one checkpoint per rank; --resume with
 * another number of ranks, or without MPI, reads them all and finishes
 * with the output of an uninterrupted one-process run; the checkpoints are
 * gone after. */
static void test_mpi_resume(void)
{
    const char *bin = mpi_bin_or_skip("MPI resume test");
    if (bin == NULL)
        return;
    const char *root = getuid() == 0 ? "--allow-run-as-root " : "";
    char *dir = testutil_temp_dir(), ref[600], got[600], ck[700];
    snprintf(ref, sizeof ref, "%s/ref.csv", dir);
    snprintf(got, sizeof got, "%s/mpi.csv", dir);
    free(run_ok("sweep scenarios/sweeps/paper-bursty-grid.json --out %s", ref));
    for (int round = 0; round < 2; round++) {
        char *out = NULL, *err = NULL;
        unlink(got); /* the first round's result */
        snprintf(cmd, sizeof cmd, "mpirun %s--oversubscribe -np 2 %s sweep scenarios/sweeps/paper-bursty-grid.json "
                 "--jobs 1 --out %s --force --time-limit 0.2", root, bin, got);
        int rc = testutil_run(cmd, &out, &err);
        free(out);
        free(err);
        if (rc == 0) {
            testutil_skip("MPI resume test (the sweep finished within its time limit)");
            break;
        }
        CU_ASSERT_NOT_EQUAL(rc, 0);
        snprintf(ck, sizeof ck, "%s.ckpt.0", got);
        CU_ASSERT_EQUAL(access(ck, F_OK), 0);
        if (round == 0)
            snprintf(cmd, sizeof cmd, "mpirun %s--oversubscribe -np 3 %s sweep scenarios/sweeps/paper-bursty-grid.json "
                     "--jobs 1 --out %s --resume", root, bin, got);
        else
            snprintf(cmd, sizeof cmd, "%s sweep scenarios/sweeps/paper-bursty-grid.json --out %s --resume",
                     testutil_bin(), got);
        rc = testutil_run(cmd, &out, &err);
        if (rc != 0)
            printf("\n    resume exited %d: %s", rc, err);
        CU_ASSERT_EQUAL(rc, 0);
        free(out);
        free(err);
        char *a = testutil_read_file(ref), *b = testutil_read_file(got);
        CU_ASSERT(same_text(a, b));
        free(a);
        free(b);
        CU_ASSERT_EQUAL(access(ck, F_OK), -1);
    }
    testutil_remove_dir(dir);
}

/* ---- bad input ------------------------------------------------------------------ */

static void expect_exit2(const char *args, const char *fragment)
{
    char *out, *err;
    int rc = testutil_runf(&out, &err, "%s", args);
    CU_ASSERT_EQUAL(rc, 2);
    if (rc != 2 || strstr(err, fragment) == NULL)
        printf("\n    '%s' (exit %d): expected '%s' in: %s", args, rc, fragment, err);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, fragment));
    CU_ASSERT_EQUAL(out[0], '\0');
    free(out);
    free(err);
}

/* One file per rule: tests/data/sweep-bad-<name>.json and the message it
 * must give, "FILE: FIELD: problem". */
static const struct {
    const char *name;
    const char *fragment;
} bad_files[] = {
    { "malformed", "sweep-bad-malformed.json:1:70: malformed JSON near ']}}'" },
    { "balanced-weight", "sweep-bad-balanced-weight.json: objective.balanced.weight: must be a number from 0 "
                         "(time only) to 1 (cost only)" },
    { "balanced-same", "sweep-bad-balanced-same.json: objective.balanced: time and cost are both cost_usd.total: "
                       "a balance needs two metrics" },
    { "objective-two", "sweep-bad-objective-two.json: objective: contradictory: give one of 'minimize', "
                       "'maximize' and 'balanced'" },
    { "pareto-twice", "sweep-bad-pareto-twice.json: objective.pareto: names cost_usd.total twice: a front needs two "
                      "different metrics" },
    { "pareto-metric", "sweep-bad-pareto-metric.json: objective.pareto[0]: 'max throughput': unknown metric "
                       "'throughput' (did you mean 'throughput_rps'?)" },
    { "not-object", "sweep-bad-not-object.json: the top level must be a JSON object" },
    { "unknown-key", "sweep-bad-unknown-key.json: replicatons: unknown field (did you mean 'replications'?)" },
    { "duplicate-key", "sweep-bad-duplicate-key.json: field 'replications' appears twice" },
    { "no-scenario", "sweep-bad-no-scenario.json: scenario: missing" },
    { "scenario-type", "sweep-bad-scenario-type.json: scenario: must be a file name (got a number)" },
    { "scenario-missing", "sweep-bad-scenario-missing.json: scenario: tests/data/no-such-scenario.json: cannot read" },
    { "field-path", "sweep-bad-field-path.json: axes.batching.treshold: point 0 of 2 (batching.treshold=1): "
                    "tests/data/sweep-base.json (with --set batching.treshold=1): batching.treshold: unknown field "
                    "(did you mean 'threshold'?)" },
    { "point-invalid", "sweep-bad-point-invalid.json: axes.batching.threshold: point 6 of 8 "
                       "(batching.threshold=8, batching.timeout_s=0.1): " },
    { "override-invalid", "sweep-bad-override-invalid.json: overrides.platform.routing: point 0 of 1" },
    { "path-syntax", "sweep-bad-path-syntax.json: axes.batching..threshold: empty segment in field path 'batching..threshold'" },
    { "seed-axis", "sweep-bad-seed-axis.json: axes.seed: the scenario's seed is not swept" },
    { "empty-axis", "sweep-bad-empty-axis.json: axes.batching.threshold: empty list" },
    { "axis-type", "sweep-bad-axis-type.json: axes.batching.threshold: must be a list of values or a range" },
    { "axes-type", "sweep-bad-axes-type.json: axes: must be an object" },
    { "range-step", "sweep-bad-range-step.json: axes.batching.timeout_s: step must be > 0 (got 0)" },
    { "range-order", "sweep-bad-range-order.json: axes.batching.timeout_s: 'to' must be >= 'from' (got from 1, to 0.1)" },
    { "range-key", "sweep-bad-range-key.json: axes.batching.timeout_s.stpe: unknown field (did you mean 'step'?)" },
    { "range-missing", "sweep-bad-range-missing.json: axes.batching.timeout_s.step: missing" },
    { "range-type", "sweep-bad-range-type.json: axes.batching.timeout_s.from: must be a number (got a string)" },
    { "zip-lengths", "sweep-bad-zip-lengths.json: zip[0].batching.timeout_s: has 2 values but workload.rate_rps has 3" },
    { "zip-type", "sweep-bad-zip-type.json: zip: must be a list of groups" },
    { "zip-empty", "sweep-bad-zip-empty.json: zip[0]: empty group" },
    { "duplicate-axis", "sweep-bad-duplicate-axis.json: zip[0].batching.threshold: this field is already varied" },
    { "replications-zero", "sweep-bad-replications-zero.json: replications: must be a whole number from 1 to 10000 (got 0)" },
    { "replications-huge", "sweep-bad-replications-huge.json: replications: must be a whole number from 1 to 10000 (got 10001)" },
    { "replications-type", "sweep-bad-replications-type.json: replications: must be a whole number from 1 to 10000 (got a string)" },
    { "seed", "sweep-bad-seed.json: seed: must be a whole number from 0 to 2^53 (got -1)" },
    { "crn-type", "sweep-bad-crn-type.json: common_random_numbers: must be true or false" },
    { "overrides-type", "sweep-bad-overrides-type.json: overrides: must be an object" },
    { "objective-both", "sweep-bad-objective-both.json: objective: contradictory: give one of 'minimize', "
                        "'maximize' and 'balanced'" },
    { "objective-none", "sweep-bad-objective-none.json: objective: needs 'minimize' or 'maximize'" },
    { "objective-metric", "sweep-bad-objective-metric.json: objective.minimize: unknown metric 'latency_ms.p98' (did you mean" },
    { "objective-key", "sweep-bad-objective-key.json: objective.minimise: unknown field (did you mean 'minimize'?)" },
    { "constraint-syntax", "sweep-bad-constraint-syntax.json: objective.subject_to[0]: 'cost_usd.total = 0.05': expected an operator" },
    { "constraint-number", "sweep-bad-constraint-number.json: objective.subject_to[0]: 'cost_usd.total <= cheap': expected a number" },
    { "constraint-metric", "sweep-bad-constraint-metric.json: objective.subject_to[0]: 'cost.total <= 0.05': unknown metric 'cost.total'" },
    { "constraint-type", "sweep-bad-constraint-type.json: objective.subject_to: must be a list of strings" },
    { "memory-points", "sweep-bad-memory-points.json: about 13.9 GB of memory needed for 10000000 points "
                       "x 10 replications" },
    { "feasible-on", "sweep-bad-feasible-on.json: objective.feasible_on: must be \"bound\"" },
    { "constraints-contradict", "sweep-bad-constraints-contradict.json: objective.subject_to: contradictory constraints on cost_usd.total" },
};

static void test_bad_files(void)
{
    char args[600];
    for (size_t i = 0; i < sizeof bad_files / sizeof bad_files[0]; i++) {
        snprintf(args, sizeof args, "sweep tests/data/sweep-bad-%s.json", bad_files[i].name);
        expect_exit2(args, bad_files[i].fragment);
    }
    expect_exit2("sweep tests/data/no-such-sweep.json", "tests/data/no-such-sweep.json: cannot read");
}

static void test_usage(void)
{
    char *out, *err;
    CU_ASSERT_EQUAL(testutil_runf(&out, &err, "sweep --help"), 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "--shard K/N"));
    free(out);
    free(err);
    CU_ASSERT_EQUAL(testutil_runf(&out, &err, "help merge"), 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "Usage: lambdasim merge"));
    free(out);
    free(err);
    expect_exit2("sweep", "missing SWEEP.json");
    expect_exit2("sweep tests/data/sweep-small.json --resume", "--resume needs --out");
    expect_exit2("sweep tests/data/sweep-small.json --shard 1/2", "--shard needs --out");
    expect_exit2("sweep tests/data/sweep-small.json --shard 0/2 --out x.csv", "--shard: expected K/N");
    expect_exit2("sweep tests/data/sweep-small.json --shard 3/2 --out x.csv", "--shard: expected K/N");
    expect_exit2("sweep tests/data/sweep-small.json --shard 1 --out x.csv", "--shard: expected K/N");
    expect_exit2("sweep tests/data/sweep-small.json --shard 1/2 --out x.csv --json", "do not mix");
    expect_exit2("sweep tests/data/sweep-small.json --jobs 0", "--jobs: expected a whole number");
    expect_exit2("sweep tests/data/sweep-small.json --jobs", "needs a value");
    expect_exit2("sweep tests/data/sweep-small.json --bogus", "unknown option '--bogus'");
    expect_exit2("sweep tests/data/sweep-small.json other.json", "unexpected argument");
    expect_exit2("sweep tests/data/sweep-small.json --out tests/data/sweep-small.json",
                 "that is an input of this run (sweep file); refusing to overwrite it");
    expect_exit2("merge", "missing shard files");
    /* An existing output is left alone without --force. */
    char *path = testutil_temp_file("keep me\n", ".csv");
    char args[700];
    snprintf(args, sizeof args, "sweep tests/data/sweep-small.json --out %s", path);
    expect_exit2(args, "already exists; pass --force");
    char *t = testutil_read_file(path);
    CU_ASSERT_STRING_EQUAL(t, "keep me\n");
    free(t);
    free(run_ok("sweep tests/data/sweep-small.json --out %s --force", path));
    t = testutil_read_file(path);
    CU_ASSERT_EQUAL(strncmp(t, "point,", 6), 0);
    free(t);
    unlink(path);
    free(path);
}

/* The memory estimate: exact figures for the files that are refused, and
 * the same sweep accepted with fewer runs at once. */
static void test_memory_limit(void)
{
    struct sweep_spec sp;
    char msg[SWEEP_MSG_MAX];
    CU_ASSERT_EQUAL_FATAL(config_load_sweep("tests/data/sweep-bad-memory-runs.json", &sp, msg, sizeof msg),
                          CONFIG_OK);
    CU_ASSERT_EQUAL(sp.run_bytes, 0);
    CU_ASSERT_EQUAL(sweep_check_memory(&sp, sp.n_points, 4, msg, sizeof msg), 0); /* not known yet */
    CU_ASSERT_EQUAL_FATAL(sweep_prepare(&sp, msg, sizeof msg), CONFIG_OK);
    CU_ASSERT_DOUBLE_EQUAL(sp.run_requests, 2e8, 0);
    CU_ASSERT_DOUBLE_EQUAL(sp.run_bytes, 1.6e9, 0);
    double two = sweep_memory_bytes(&sp, sp.n_points, 2), four = sweep_memory_bytes(&sp, sp.n_points, 4);
    CU_ASSERT(two > 3.2e9 && two < 3.21e9);
    CU_ASSERT_DOUBLE_EQUAL(four - two, 2 * (1.6e9 + 2 * 16 * 8), 1e-3);
    /* More jobs than points: only as many runs as points at once. */
    CU_ASSERT_DOUBLE_EQUAL(sweep_memory_bytes(&sp, sp.n_points, 64), four, 1e-3);
    CU_ASSERT_EQUAL(sweep_check_memory(&sp, sp.n_points, 2, msg, sizeof msg), 0);
    CU_ASSERT_EQUAL(sweep_check_memory(&sp, sp.n_points, 4, msg, sizeof msg), -1);
    CU_ASSERT_PTR_NOT_NULL(strstr(msg, "sweep-bad-memory-runs.json: about 6.4 GB of memory needed for 4 "
                                       "points x 2 replications (1 MB for the points' results, 4 runs at "
                                       "once x 1.6 GB: exact latencies of about 2e+08 requests); the limit "
                                       "is 4 GB"));
    sweep_spec_fini(&sp);

    /* 10^7 points: refused from the file alone, before any point is loaded. */
    CU_ASSERT_EQUAL_FATAL(config_load_sweep("tests/data/sweep-bad-memory-points.json", &sp, msg, sizeof msg),
                          CONFIG_OK);
    CU_ASSERT_EQUAL(sp.n_points, 10000000);
    double b = sweep_memory_bytes(&sp, sp.n_points, 1);
    CU_ASSERT(b > 12e9 && b < 15e9); /* ~1370 bytes a point, measured ~1310 at 3 * 10^5 points */
    CU_ASSERT_EQUAL(sweep_check_memory(&sp, sp.n_points, 1, msg, sizeof msg), -1);
    CU_ASSERT_PTR_NOT_NULL(strstr(msg, "10000000 points x 10 replications"));
    /* A tenth of the grid fits. */
    sp.n_points /= 10;
    CU_ASSERT_EQUAL(sweep_check_memory(&sp, sp.n_points, 2, msg, sizeof msg), 0);
    sp.n_points *= 10;
    sweep_spec_fini(&sp);

    expect_exit2("sweep tests/data/sweep-bad-memory-runs.json --jobs 4",
                 "sweep-bad-memory-runs.json: about 6.4 GB of memory needed");
}

/* Feasibility on the confidence bound (the default) and on the mean, and
 * the tied set, on a hand-made table: minimise p99 subject to cost <= 1.
 * Point 0: p99 100 +- 5, cost 0.9 +- 0.2 (mean fits, bound 1.1 does not).
 * Point 1: p99 104 +- 5, cost 0.5 +- 0.1 (fits both ways).
 * Point 2: p99 108 +- 1, cost 0.5 +- 0.1.  Point 3: p99 130 +- 1, cost 0.1.
 * On the bound the best is 1 (104 +- 5): 2 is worse by 4 <= sqrt(25 + 1)
 * = 5.10, tied; 3 is worse by 26, not. On the means the best is 0 (100 +-
 * 5): 1 is worse by 4 <= sqrt(50), tied; 2 by 8 > sqrt(26), not. */
static void test_feasible_on_bound_and_tied(void)
{
    for (int on_mean = 0; on_mean < 2; on_mean++) {
        struct sweep_table t;
        memset(&t, 0, sizeof t);
        struct sweep_constraint c = { .metric = SWEEP_M_COST, .op = SWEEP_OP_LE, .bound = 1.0 };
        t.objective.metric = SWEEP_M_LATENCY_P99;
        t.objective.constraints = &c;
        t.objective.n_constraints = 1;
        t.objective.feasible_on_mean = on_mean;
        const double p99[4][2] = { { 100, 5 }, { 104, 5 }, { 108, 1 }, { 130, 1 } };
        const double cost[4][2] = { { 0.9, 0.2 }, { 0.5, 0.1 }, { 0.5, 0.1 }, { 0.1, 0.01 } };
        struct sweep_row rows[4];
        size_t nm = sweep_metric_count();
        double mean[4][64], ci[4][64];
        CU_ASSERT_FATAL(nm <= 64);
        for (size_t i = 0; i < 4; i++) {
            for (size_t m = 0; m < nm; m++)
                mean[i][m] = ci[i][m] = 1;
            mean[i][SWEEP_M_LATENCY_P99] = p99[i][0];
            ci[i][SWEEP_M_LATENCY_P99] = p99[i][1];
            mean[i][SWEEP_M_COST] = cost[i][0];
            ci[i][SWEEP_M_COST] = cost[i][1];
            rows[i] = (struct sweep_row){ .point = i, .mean = mean[i], .ci95 = ci[i] };
        }
        t.rows = rows;
        t.n_rows = 4;
        sweep_table_finish(&t);
        CU_ASSERT_EQUAL(rows[0].feasible, on_mean ? true : false);
        CU_ASSERT(rows[1].feasible && rows[2].feasible && rows[3].feasible);
        CU_ASSERT_EQUAL(rows[on_mean ? 0 : 1].rank, 1);
        CU_ASSERT(rows[on_mean ? 0 : 1].tied);
        CU_ASSERT_EQUAL(rows[on_mean ? 1 : 2].tied, true);
        CU_ASSERT_EQUAL(rows[2].tied, on_mean ? false : true);
        CU_ASSERT_FALSE(rows[3].tied);
        if (!on_mean)
            CU_ASSERT_FALSE(rows[0].tied); /* infeasible points are never tied */
    }
}

/* A p99 objective read from 300 completed requests per replication rests
 * on 3 above it: warned, naming the worst point and the requests needed
 * (10 / 0.01 = 1000); from 5000 (50 above it) it is not. */
static void test_tail_warning(void)
{
    size_t nm = sweep_metric_count(), completed = (size_t)sweep_metric_find("requests.completed");
    double mean[2][64], ci[2][64];
    CU_ASSERT_FATAL(nm <= 64);
    struct sweep_row rows[2];
    for (size_t i = 0; i < 2; i++) {
        for (size_t m = 0; m < nm; m++)
            mean[i][m] = ci[i][m] = 1;
        rows[i] = (struct sweep_row){ .point = i, .mean = mean[i], .ci95 = ci[i] };
    }
    mean[0][completed] = 5000;
    mean[1][completed] = 300;
    struct sweep_table t;
    memset(&t, 0, sizeof t);
    t.rows = rows;
    t.n_rows = 2;
    t.objective.metric = SWEEP_M_LATENCY_P99;
    char buf[512] = "";
    CU_ASSERT_EQUAL(sweep_tail_warning(&t, buf, sizeof buf), 1);
    CU_ASSERT_PTR_NOT_NULL(strstr(buf, "latency_ms.p99 rests on about 3.0 requests above it per replication at "
                                       "point 1 (300 completed)"));
    CU_ASSERT_PTR_NOT_NULL(strstr(buf, "about 1000 requests complete"));
    mean[1][completed] = 5000;
    CU_ASSERT_EQUAL(sweep_tail_warning(&t, buf, sizeof buf), 0);
    t.objective.metric = SWEEP_M_COST; /* not a percentile */
    mean[1][completed] = 10;
    CU_ASSERT_EQUAL(sweep_tail_warning(&t, buf, sizeof buf), 0);
}

static void add_tests(CU_pSuite s)
{
    CU_add_test(s, "keep-alive policy as an axis", test_keep_alive_policy_axis);
    CU_add_test(s, "batching policy and SLO as axes", test_batching_policy_axis);
    CU_add_test(s, "provisioned-concurrency tracking and SnapStart as axes", test_pc_and_snapstart_axes);
    CU_add_test(s, "a tail percentile from too few requests is warned about", test_tail_warning);
    CU_add_test(s, "feasible on the 95% bound by default, on the mean if asked; the tied set",
                test_feasible_on_bound_and_tied);
    CU_add_test(s, "CI half-width on hand-computed data", test_stats_fixed_data);
    CU_add_test(s, "CI coverage and width on a known variance", test_ci_known_variance);
    CU_add_test(s, "grid order, values and seeds", test_grid_order_and_seeds);
    CU_add_test(s, "range and value texts", test_range_values);
    CU_add_test(s, "objective constraints", test_constraints);
    CU_add_test(s, "common random numbers by default: monotone, flat region tied (paired)", test_crn_default);
    CU_add_test(s, "objective.pareto chooses the front's axes", test_pareto_axes);
    CU_add_test(s, "points with the same results are found (an inert axis)", test_same_results);
    CU_add_test(s, "--replications-csv: every replication, with its seed", test_replications_csv);
    CU_add_test(s, "a trace sweep: parsed once, every replication as run gives it", test_trace_sweep_matches_runs);
    CU_add_test(s, "per-run interval: order statistics of the replications", test_per_run_interval);
    CU_add_test(s, "inputs by content: a changed trace refuses merge and resume", test_inputs_by_content);
    CU_add_test(s, "objective.balanced: Power Tuning's weighted cost and time", test_balanced_objective);
    CU_add_test(s, "memory estimate and limit", test_memory_limit);
    CU_add_test(s, "byte-identical output for --jobs 1, 2, 3", test_jobs_determinism);
    CU_add_test(s, "best point command line reproduces it", test_best_command);
    CU_add_test(s, "an overloaded point ranks last, the sweep goes on", test_overloaded_point);
    CU_add_test(s, "shards + merge = one run", test_shards_merge);
    CU_add_test(s, "resume after kill -9 = uninterrupted run", test_resume_after_kill);
    CU_add_test(s, "MPI with mpirun -np 2 = one run", test_mpi);
    CU_add_test(s, "MPI: 4 ranks finish the bursty grid within 10 % of each other", test_mpi_balance);
    CU_add_test(s, "MPI: per-rank checkpoints resume with any number of ranks", test_mpi_resume);
    CU_add_test(s, "bad sweep files: exit 2 and a message", test_bad_files);
    CU_add_test(s, "usage errors and output safety", test_usage);
}

int main(void)
{
    return testutil_main("sweep", add_tests);
}
