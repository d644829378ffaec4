/* test_plot: every plot kind draws a real PNG from a small run; the data
 * handed to gnuplot is right; errors (missing gnuplot, a failing script, bad
 * inputs, an existing output) leave the output as it was; text from the
 * inputs, file names, --title and -o never run anything in gnuplot (the
 * payloads would create the file `pwned`), and the one quoting function
 * for gnuplot commands holds against every metacharacter, in real gnuplot. */
#define _DEFAULT_SOURCE /* realpath */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <dirent.h>
#include <unistd.h>
#include <CUnit/Basic.h>
#include "analysis/plot.h"
#include "testutil.h"

static char *dir;           /* one temporary directory for the suite */
static char root[4096];     /* the source tree (the working directory) */
static char bin[4096];      /* the binary under test, absolute */
static char cmd[16384];

/* `[ENV] lambdasim ARGS` run in the suite's directory; returns the exit
 * code and, when err is not NULL, stderr. */
static int lsim_env(const char *env, const char *args, char **err)
{
    snprintf(cmd, sizeof cmd, "cd %s && %s %s %s", dir, env, bin, args);
    return testutil_run(cmd, NULL, err);
}

static int lsim(const char *args)
{
    char *err = NULL;
    int rc = lsim_env("", args, &err);
    if (rc != 0)
        printf("\n    lambdasim %s: exit %d: %s", args, rc, err);
    free(err);
    return rc;
}

static char *path_in(const char *name)
{
    size_t n = strlen(dir) + strlen(name) + 2;
    char *p = malloc(n);
    snprintf(p, n, "%s/%s", dir, name);
    return p;
}

/* The whole of the suite directory's file `name` (caller frees; NULL if unreadable). */
static char *read_in(const char *name)
{
    char *p = path_in(name);
    char *text = testutil_read_file(p);
    free(p);
    return text;
}

static unsigned be32(const unsigned char *p)
{
    return (unsigned)p[0] << 24 | (unsigned)p[1] << 16 | (unsigned)p[2] << 8 | (unsigned)p[3];
}

/* A PNG: the signature, an IHDR of the size common.gp sets, and more than
 * a trivial amount of drawing. */
static void expect_png(const char *name)
{
    char *p = path_in(name);
    FILE *f = fopen(p, "rb");
    if (f == NULL)
        printf("\n    %s: missing", p);
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    unsigned char head[24];
    CU_ASSERT_EQUAL(fread(head, 1, sizeof head, f), sizeof head);
    static const unsigned char sig[8] = { 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n' };
    CU_ASSERT_EQUAL(memcmp(head, sig, 8), 0);
    CU_ASSERT_EQUAL(memcmp(head + 12, "IHDR", 4), 0);
    CU_ASSERT_EQUAL(be32(head + 16), 1200);
    CU_ASSERT_EQUAL(be32(head + 20), 700);
    fseek(f, 0, SEEK_END);
    long size = ftell(f);
    fclose(f);
    if (size < 15000)
        printf("\n    %s: only %ld bytes", name, size);
    CU_ASSERT(size >= 15000);
    free(p);
}

static bool exists(const char *name)
{
    char *p = path_in(name);
    struct stat st;
    bool e = stat(p, &st) == 0;
    free(p);
    return e;
}

/* No temporary file of ours is left in the directory. */
static void expect_no_temp(void)
{
    DIR *d = opendir(dir);
    CU_ASSERT_PTR_NOT_NULL_FATAL(d);
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (strstr(e->d_name, ".tmp") != NULL)
            printf("\n    left behind: %s", e->d_name);
        CU_ASSERT_PTR_NULL(strstr(e->d_name, ".tmp"));
    }
    closedir(d);
}

/* Usable in the suite's setup too, so it reports instead of asserting. */
static bool write_file(const char *name, const char *content)
{
    char *p = path_in(name);
    FILE *f = fopen(p, "w");
    free(p);
    if (f == NULL)
        return false;
    bool ok = fputs(content, f) >= 0;
    return fclose(f) == 0 && ok;
}

/* Small runs shared by the tests: tiny trace scenarios with exact times. */
static int setup(void)
{
    dir = testutil_temp_dir();
    if (getcwd(root, sizeof root) == NULL || realpath(testutil_bin(), bin) == NULL)
        return 1;
    snprintf(cmd, sizeof cmd,
             "cp %s/tests/data/explain-*.json %s/tests/data/explain-*.txt %s/ && cp %s/plots/paper-baseline.csv %s/",
             root, root, dir, root, dir);
    if (testutil_run(cmd, NULL, NULL) != 0)
        return 1;
    if (lsim("run explain-threshold.json --requests-csv threshold.csv --timeline-csv threshold-tl.csv") != 0 ||
        lsim("run explain-size.json --requests-csv size.csv --timeline-csv size-tl.csv") != 0 ||
        lsim("run explain-ping.json --requests-csv ping.csv --timeline-csv ping-tl.csv") != 0)
        return 1;
    /* A 2 x 2 sweep of the threshold scenario, from the sweep command. */
    if (!write_file("sweep.json",
               "{\"scenario\": \"explain-timeout.json\",\n"
               " \"axes\": {\"batching.threshold\": [1, 3], \"batching.timeout_s\": [0.1, 0.5]},\n"
               " \"replications\": 2,\n"
               " \"objective\": {\"minimize\": \"latency_ms.p99\", \"subject_to\": [\"cost_usd.total <= 0.00002\"]}}\n"))
        return 1;
    return lsim("sweep sweep.json --out sweep.csv") != 0;
}

static int teardown(void)
{
    testutil_remove_dir(dir);
    return 0;
}

static void test_every_kind_draws_a_png(void)
{
    CU_ASSERT_EQUAL(lsim("plot cdf threshold.csv size.csv ping.csv -o cdf.png"), 0);
    expect_png("cdf.png");
    CU_ASSERT_EQUAL(lsim("plot histogram threshold.csv size.csv -o histogram.png"), 0);
    expect_png("histogram.png");
    CU_ASSERT_EQUAL(lsim("plot timeline ping-tl.csv -o timeline.png"), 0);
    expect_png("timeline.png");
    CU_ASSERT_EQUAL(lsim("plot queue size-tl.csv -o queue.png --window 0:2"), 0);
    expect_png("queue.png");
    CU_ASSERT_EQUAL(lsim("plot queue size-tl.csv threshold-tl.csv -o queue2.png"), 0);
    expect_png("queue2.png");
    CU_ASSERT_EQUAL(lsim("plot heatmap sweep.csv -o heatmap.png --metric cost_usd.total"), 0);
    expect_png("heatmap.png");
    CU_ASSERT_EQUAL(lsim("plot pareto sweep.csv -o pareto.png --title 'p99 vs cost'"), 0);
    expect_png("pareto.png");
    CU_ASSERT_EQUAL(lsim("plot paper paper-baseline.csv threshold.csv size.csv -o paper.png "
                         "--latency-from dispatch"), 0);
    expect_png("paper.png");
    CU_ASSERT_EQUAL(lsim("plot line sweep.csv -o line.png --y batching.timeout_s"), 0);
    expect_png("line.png");
    expect_no_temp();
}

/* The format follows -o's name: an SVG for .svg, a PDF for .pdf (before:
 * a PNG under either name), and another extension is refused with exit 2
 * and nothing written. */
static void test_formats_by_name(void)
{
    CU_ASSERT_EQUAL(lsim("plot cdf threshold.csv size.csv -o cdf.svg"), 0);
    CU_ASSERT_EQUAL(lsim("plot heatmap sweep.csv -o heatmap.PDF"), 0);
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s/cdf.svg", dir);
    char *svg = testutil_read_file(path);
    CU_ASSERT(svg != NULL && strstr(svg, "<svg") != NULL && strstr(svg, "</svg>") != NULL);
    free(svg);
    snprintf(path, sizeof path, "%s/heatmap.PDF", dir);
    char *pdf = testutil_read_file(path);
    CU_ASSERT(pdf != NULL && strncmp(pdf, "%PDF-", 5) == 0);
    free(pdf);
    CU_ASSERT_EQUAL(lsim("plot cdf threshold.csv -o cdf.jpg"), 2);
    snprintf(path, sizeof path, "%s/cdf.jpg", dir);
    CU_ASSERT_EQUAL(access(path, F_OK), -1);
    expect_no_temp();
}

/* The data gnuplot gets: exact ECDF points, bins, intervals, cells. */
static void test_commands(void)
{
    char *out;
    CU_ASSERT_EQUAL_FATAL(lsim("plot cdf threshold.csv -o x.png --gnuplot-commands cdf.gp"), 0);
    char *p = path_in("cdf.gp");
    out = testutil_read_file(p);
    free(p);
    CU_ASSERT_PTR_NOT_NULL_FATAL(out);
    /* latencies 550, 550, 650, 650 ms */
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "$cdf << EOD\n550 0.25\n550 0.5\n650 0.75\n650 1\nEOD\n"));
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "threshold (n = 4, p50 600.0 ms, p99 650.0 ms)"));
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "outfile = './x.png'\n"));
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "/plots/cdf.gp'\n"));
    CU_ASSERT_FALSE(exists("x.png"));   /* commands only: nothing drawn */
    free(out);

    /* From dispatch: the batch wait (100 ms for requests 0 and 2) is gone. */
    CU_ASSERT_EQUAL_FATAL(lsim("plot cdf threshold.csv -o x.png --latency-from dispatch --gnuplot-commands d.gp"), 0);
    out = read_in("d.gp");
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "$cdf << EOD\n550 0.25\n550 0.5\n550 0.75\n550 1\nEOD\n"));
    free(out);

    /* Without --latency-from a plot times latency as the run did: a run of
     * a scenario timed from dispatch is plotted from dispatch (its
     * requests file says so in latency_from); runs that differ need the
     * option. */
    CU_ASSERT_EQUAL_FATAL(lsim("run explain-threshold.json --set stats.latency_from=dispatch "
                               "--requests-csv thr-d.csv"), 0);
    CU_ASSERT_EQUAL_FATAL(lsim("plot cdf thr-d.csv -o x.png --gnuplot-commands dd.gp"), 0);
    out = read_in("dd.gp");
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "$cdf << EOD\n550 0.25\n550 0.5\n550 0.75\n550 1\nEOD\n"));
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "latency from batch dispatch"));
    free(out);
    CU_ASSERT_EQUAL(lsim("plot cdf thr-d.csv threshold.csv -o x.png --gnuplot-commands mix.gp"), 2);
    CU_ASSERT_EQUAL(lsim("plot cdf thr-d.csv threshold.csv -o x.png --latency-from arrival "
                         "--gnuplot-commands mix.gp"), 0);

    /* A line: the metric's mean and its band at each x; one series per
     * --y value; the other axis folded (best-ranked point per x). */
    CU_ASSERT_EQUAL_FATAL(lsim("plot line sweep.csv -o x.png --metric cost_usd.total --y batching.timeout_s "
                               "--gnuplot-commands line.gp"), 0);
    out = read_in("line.gp");
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "n_series = 2\nmore_axes = 0\n"));
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "batching.timeout_s = 0.1"));
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "$line << EOD\n1 "));
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "\n3 "));
    free(out);
    CU_ASSERT_EQUAL_FATAL(lsim("plot line sweep.csv -o x.png --gnuplot-commands line1.gp"), 0);
    out = read_in("line1.gp");
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "n_series = 1\nmore_axes = 1\n"));
    free(out);
    CU_ASSERT_EQUAL(lsim("plot line sweep.csv -o x.png --x nosuch --gnuplot-commands e.gp"), 2);

    /* Histograms of runs of different sizes compare shares: threshold.csv
     * holds 4 requests (two bars of 2: 50 % each), ping.csv another
     * number; the same run twice stays in counts. */
    CU_ASSERT_EQUAL_FATAL(lsim("plot histogram threshold.csv ping.csv -o x.png --gnuplot-commands h.gp"), 0);
    out = read_in("h.gp");
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "shares = 1\n"));
    CU_ASSERT_PTR_NOT_NULL(strstr(out, " 50\n"));
    free(out);
    CU_ASSERT_EQUAL_FATAL(lsim("plot histogram threshold.csv threshold.csv -o x.png --gnuplot-commands h2.gp"), 0);
    out = read_in("h2.gp");
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "shares = 0\n"));
    CU_ASSERT_PTR_NOT_NULL(strstr(out, " 2\n"));
    free(out);

    /* Timeline: provisioned instance 0 runs batches 0 and 2; instance 1 cold-starts. */
    CU_ASSERT_EQUAL_FATAL(lsim("plot timeline size-tl.csv -o x.png --gnuplot-commands tl.gp"), 0);
    out = read_in("tl.gp");
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "$init << EOD\n1 1 1.5\nEOD\n"));
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "has_row_labels = 1\n$rows << EOD\n0 \"0 (prov.)\"\n1 \"1\"\nEOD\n"));
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "$ping << EOD\nNaN NaN NaN\nEOD\n"));
    free(out);

    /* Paper bars: the paper's numbers and ours, side by side. */
    CU_ASSERT_EQUAL_FATAL(lsim("plot paper paper-baseline.csv threshold.csv size.csv -o x.png "
                               "--gnuplot-commands paper.gp"), 0);
    out = read_in("paper.gp");
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "$lat << EOD\n-0.2 126.9\n0.8 122.5\n1.8 185.2\n"));
    /* threshold.csv: latencies 550, 550, 650, 650 ms: mean 600, p50 600, p99 650 */
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "\n\n0.2 600\n1.2 600\n2.2 650\n"));
    free(out);
}

static void test_missing_gnuplot(void)
{
    char *err;
    CU_ASSERT_EQUAL(lsim_env("LAMBDASIM_GNUPLOT=/nonexistent/gnuplot", "plot cdf threshold.csv -o nogp.png", &err), 1);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "/nonexistent/gnuplot: not found"));
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "gnuplot-nox"));
    CU_ASSERT_FALSE(exists("nogp.png"));
    expect_no_temp();
    free(err);
}

/* A failing script: exit 1, gnuplot's message, the old PNG untouched. */
static void test_gnuplot_fails(void)
{
    snprintf(cmd, sizeof cmd, "mkdir -p %s/badplots && cp %s/plots/*.gp %s/badplots/ && "
             "echo 'plot $nosuchblock using 1:2' > %s/badplots/cdf.gp", dir, root, dir, dir);
    CU_ASSERT_EQUAL_FATAL(testutil_run(cmd, NULL, NULL), 0);
    CU_ASSERT_FATAL(write_file("old.png", "old contents"));
    char *err, env[4200];
    snprintf(env, sizeof env, "LAMBDASIM_PLOTS_DIR=%s/badplots", dir);
    CU_ASSERT_EQUAL(lsim_env(env, "plot cdf threshold.csv -o old.png --force", &err), 1);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "gnuplot failed"));
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "nosuchblock"));
    free(err);
    char *p = path_in("old.png");
    char *old = testutil_read_file(p);
    free(p);
    CU_ASSERT_STRING_EQUAL(old, "old contents");
    free(old);
    expect_no_temp();
}

static void expect_input_error(const char *args, const char *fragment)
{
    char *err, full[4096];
    snprintf(full, sizeof full, "plot %s", args);
    CU_ASSERT_EQUAL(lsim_env("", full, &err), 2);
    if (strstr(err, fragment) == NULL)
        printf("\n    plot %s: expected '%s' in: %s", args, fragment, err);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, fragment));
    free(err);
}

static void test_bad_inputs(void)
{
    expect_input_error("", "missing KIND");
    expect_input_error("pie threshold.csv -o a.png", "unknown plot kind 'pie'");
    expect_input_error("cdf -o a.png", "missing INPUT files");
    expect_input_error("cdf threshold.csv", "missing -o FILE.png");
    expect_input_error("cdf nosuch.csv -o a.png", "nosuch.csv: cannot read");
    expect_input_error("cdf threshold-tl.csv -o a.png", "threshold-tl.csv: no column 'latency_ms' "
                                                         "(expected a --requests-csv file)");
    expect_input_error("timeline threshold.csv -o a.png", "threshold.csv: no column 'kind'");
    expect_input_error("timeline threshold-tl.csv size-tl.csv -o a.png", "plot timeline takes 1 input file (got 2)");
    expect_input_error("heatmap sweep.csv -o a.png --x batching.treshold", "--x and --y must name two different "
                                                                           "axes of the sweep");
    expect_input_error("heatmap sweep.csv -o a.png --metric latency_ms.p42", "no column 'latency_ms.p42_mean'");
    expect_input_error("pareto threshold.csv -o a.png", "expected a sweep CSV");
    expect_input_error("paper paper-baseline.csv threshold.csv -o a.png", "has 2 rows: give one --requests-csv "
                                                                          "file per row");
    expect_input_error("queue size-tl.csv -o a.png --window 3:1", "--window: expected T0:T1");
    expect_input_error("cdf threshold.csv -o a.png --latency-from queue", "--latency-from: expected");
    expect_input_error("cdf threshold.csv -o threshold.csv", "threshold.csv: that is an input of this run (input)");
    CU_ASSERT_FALSE(exists("a.png"));
    /* An existing output needs --force, and is left alone without it. */
    CU_ASSERT_FATAL(write_file("keep.png", "keep"));
    expect_input_error("cdf threshold.csv -o keep.png", "keep.png: already exists; pass --force");
    char *p = path_in("keep.png");
    char *kept = testutil_read_file(p);
    free(p);
    CU_ASSERT_STRING_EQUAL(kept, "keep");
    free(kept);
    expect_no_temp();
}

/* A shard of a sweep has no Pareto column: the front is computed here. */
static void test_shard_front(void)
{
    CU_ASSERT_FATAL(write_file("shard.csv",
               "# lambdasim sweep shard 1/2\n"
               "point,batching.threshold,platform.routing,replications,latency_ms.p99_mean,latency_ms.p99_ci95,"
               "cost_usd.total_mean,cost_usd.total_ci95,feasible,pareto,rank\n"
               "0,1,\"\"\"mru\"\"\",2,100,1,0.3,0.01,1,,\n"
               "1,2,\"\"\"mru\"\"\",2,150,1,0.2,0.01,1,,\n"
               "2,1,\"\"\"lru\"\"\",2,160,1,0.3,0.01,1,,\n"
               "3,2,\"\"\"lru\"\"\",2,90,1,0.5,0.01,0,,\n"));
    CU_ASSERT_EQUAL_FATAL(lsim("plot pareto shard.csv -o x.png --gnuplot-commands shard.gp"), 0);
    char *p = path_in("shard.gp");
    char *out = testutil_read_file(p);
    free(p);
    /* points 0 and 1 are the front (by cost); 2 is beaten by 0; 3 is infeasible */
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "$front << EOD\n0.2 150 0.01 1 \"2 / mru\"\n0.3 100 0.01 1 \"1 / mru\"\nEOD\n"));
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "$other << EOD\n0.3 160\nEOD\n"));
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "$infeasible << EOD\n0.5 90\nEOD\n"));
    /* The axis names are data: a line of $text that label_axes reads. */
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "\n threshold / routing\n"));
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "\nlabel_axes = text_line("));
    free(out);
    CU_ASSERT_EQUAL(lsim("plot heatmap shard.csv -o shard-heat.png"), 0);
    expect_png("shard-heat.png");
    CU_ASSERT_EQUAL(lsim("plot pareto shard.csv -o shard-pareto.png"), 0);
    expect_png("shard-pareto.png");
}

/* --x and --y choose the front's metrics, "max" when higher is better:
 * throughput (max) across, cost per million up. Point 0 (10 rps, 2.0) and
 * point 1 (20 rps, 3.0) are the front; point 2 (15 rps, 3.5) is beaten by
 * point 1 on both; a whole sweep's `pareto` column (here p99/cost's) is not
 * what is drawn. Two equal metrics are refused. */
static void test_front_axes(void)
{
    CU_ASSERT_FATAL(write_file("axes.csv",
               "point,batching.threshold,replications,throughput_rps_mean,throughput_rps_ci95,"
               "cost_usd.per_million_requests_mean,cost_usd.per_million_requests_ci95,feasible,pareto,rank\n"
               "0,1,2,10,0.5,2.0,0.1,1,0,3\n"
               "1,2,2,20,0.5,3.0,0.1,1,0,1\n"
               "2,3,2,15,0.5,3.5,0.1,1,1,2\n"));
    CU_ASSERT_EQUAL_FATAL(lsim("plot pareto axes.csv -o x.png --x 'max throughput_rps' --y cost_usd.per_million_requests "
                               "--gnuplot-commands axes.gp"), 0);
    char *p = path_in("axes.gp");
    char *out = testutil_read_file(p);
    free(p);
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "$front << EOD\n10 2 0.5 0.1 \"1\"\n20 3 0.5 0.1 \"2\"\nEOD\n"));
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "$other << EOD\n15 3.5\nEOD\n"));
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "\n throughput_rps (higher is better)\n"));   /* labels as $text data */
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "\n cost_usd.per_million_requests\n"));
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "\nxlab = text_line("));
    free(out);
    CU_ASSERT_EQUAL(lsim("plot pareto axes.csv -o axes.png --x throughput_rps --y 'max throughput_rps'"), 2);
    CU_ASSERT_EQUAL(lsim("plot pareto axes.csv -o axes.png --x 'max throughput_rps' --y cost_usd.per_million_requests"), 0);
    expect_png("axes.png");
}

/* ---- injection ------------------------------------------------------------ */

/* What every payload below would create, in the directory gnuplot runs in. */
#define MARKER "pwned"

static const char *const payloads[] = {
    "`touch " MARKER "`",
    "' . system('touch " MARKER "') . '",
    "\"; system('touch " MARKER "'); \"",
    "@pwn $pwn \\ ; # `touch " MARKER "` '' '''",
    "EOD",
};
#define N_PAYLOADS (sizeof payloads / sizeof payloads[0])

/* s as one shell word (single quotes, ' as '\''), into a static buffer. */
static const char *shq(const char *s)
{
    static char buf[4][2048];
    static int k;
    char *b = buf[k++ % 4];
    size_t w = 0;
    b[w++] = '\'';
    for (; *s != '\0' && w < sizeof buf[0] - 6; s++) {
        if (*s == '\'') {
            memcpy(b + w, "'\\''", 4);
            w += 4;
        } else {
            b[w++] = *s;
        }
    }
    b[w++] = '\'';
    b[w] = '\0';
    return b;
}

/* s as one CSV cell (quoted, "" for "). */
static void csv_cell(FILE *f, const char *s)
{
    fputc('"', f);
    for (; *s != '\0'; s++) {
        if (*s == '"')
            fputc('"', f);
        fputc(*s, f);
    }
    fputc('"', f);
}

static void expect_no_marker(const char *what)
{
    if (exists(MARKER))
        printf("\n    %s: a payload ran: %s/%s exists", what, dir, MARKER);
    CU_ASSERT_FALSE(exists(MARKER));
    char *p = path_in(MARKER);
    unlink(p);
    free(p);
}

/* lambdasim ARGS must draw `png` (exit 0) and run nothing. */
static void expect_drawn_safely(const char *args, const char *png)
{
    char full[8192];
    snprintf(full, sizeof full, "%s -o %s --force", args, shq(png));
    CU_ASSERT_EQUAL(lsim(full), 0);
    expect_no_marker(args);
    expect_png(png);
}

/* A copy of the suite file `from` named `to` (any bytes but '/' and NUL). */
static void copy_as(const char *from, const char *to)
{
    char *a = path_in(from), *b = path_in(to);
    char *text = testutil_read_file(a);
    CU_ASSERT_PTR_NOT_NULL_FATAL(text);
    FILE *f = fopen(b, "w");
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    fputs(text, f);
    fclose(f);
    free(text);
    free(a);
    free(b);
}

/* Payloads as axis names (the header) and axis values of a sweep CSV:
 * heatmap (tick labels, axis labels, title) and pareto (point labels,
 * legend). */
static void test_payload_in_sweep(void)
{
    char *p = path_in("evil-sweep.csv");
    FILE *f = fopen(p, "w");
    free(p);
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    fputs("point,", f);
    csv_cell(f, payloads[0]);
    fputc(',', f);
    csv_cell(f, payloads[1]);
    fputs(",replications,latency_ms.p99_mean,latency_ms.p99_ci95,cost_usd.total_mean,cost_usd.total_ci95,"
          "feasible,pareto,rank\n", f);
    for (int i = 0; i < 4; i++) {
        fprintf(f, "%d,", i);
        csv_cell(f, payloads[i % 2 == 0 ? 2 : 3]);
        fputc(',', f);
        csv_cell(f, payloads[i < 2 ? 0 : 4]);
        fprintf(f, ",2,%d,1,%g,0.01,%d,%d,%d\n", 100 + 50 * i, 0.5 - 0.1 * i, i != 3, i == 1 || i == 2, i + 1);
    }
    CU_ASSERT_EQUAL_FATAL(fclose(f), 0);
    expect_drawn_safely("plot heatmap evil-sweep.csv", "evil-heat.png");
    expect_drawn_safely("plot pareto evil-sweep.csv", "evil-pareto.png");

    /* The values are data: "..." columns of $xcat (a JSON string's quotes
     * dropped, as for "mru"). */
    CU_ASSERT_EQUAL_FATAL(lsim("plot heatmap evil-sweep.csv -o x.png --gnuplot-commands evil-heat.gp --force"), 0);
    char *out = read_in("evil-heat.gp");
    CU_ASSERT_PTR_NOT_NULL_FATAL(out);
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "$xcat << EOD\n0 \"; system('touch " MARKER "'); \"\n"
                                       "1 \"@pwn $pwn \\ ; # `touch " MARKER "` '' '''\"\nEOD\n"));
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "$ycat << EOD\n0 \"`touch " MARKER "`\"\n1 \"EOD\"\nEOD\n"));
    /* and the axis names are lines of $text */
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "\n `touch " MARKER "`\n ' . system('touch " MARKER "') . '\n"));
    CU_ASSERT_PTR_NULL(strstr(out, "eval"));
    free(out);
}

/* Payloads in the paper CSV's workload column and its "# source:" line. */
static void test_payload_in_paper(void)
{
    char *p = path_in("evil-paper.csv");
    FILE *f = fopen(p, "w");
    free(p);
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    fprintf(f, "# source: %s %s\nworkload,mean_ms,p50_ms,p99_ms,throughput_rps\n", payloads[0], payloads[1]);
    csv_cell(f, payloads[1]);
    fputs(",126.9,122.5,185.2,6.11\n", f);
    csv_cell(f, payloads[2]);
    fputs(",125.1,121.1,167.5,6.15\n", f);
    CU_ASSERT_EQUAL_FATAL(fclose(f), 0);
    expect_drawn_safely("plot paper evil-paper.csv threshold.csv size.csv", "evil-paper.png");
    CU_ASSERT_EQUAL_FATAL(lsim("plot paper evil-paper.csv threshold.csv size.csv -o x.png "
                               "--gnuplot-commands evil-paper.gp --force"), 0);
    char *out = read_in("evil-paper.gp");
    CU_ASSERT_PTR_NOT_NULL_FATAL(out);
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "$thr_tics << EOD\n0 \"' . system('touch " MARKER "') . '\"\n"
                                       "1 \"'; system('touch " MARKER "'); '\"\nEOD\n"));
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "\n `touch " MARKER "` ' . system('touch " MARKER "') . '\n"));
    free(out);
}

/* Payloads in the names of the input files (the legend entries), and in
 * the data columns no figure shows. */
static void test_payload_in_file_names(void)
{
    static const char *const names[] = {
        "x';system('touch " MARKER "');'.csv",
        "`touch " MARKER "`.csv",
        "EOD\nsystem('touch " MARKER "')\n.csv",
        "\" . system(\"touch " MARKER "\") . \"\r.csv",
    };
    char req[4096] = "", tl[4096] = "";
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        copy_as("threshold.csv", names[i]);
        char tl_name[256];
        snprintf(tl_name, sizeof tl_name, "tl-%s", names[i]);
        copy_as("size-tl.csv", tl_name);
        snprintf(req + strlen(req), sizeof req - strlen(req), " %s", shq(names[i]));
        snprintf(tl + strlen(tl), sizeof tl - strlen(tl), " %s", shq(tl_name));
    }
    char args[8192];
    snprintf(args, sizeof args, "plot cdf%s", req);
    expect_drawn_safely(args, "evil-cdf.png");
    snprintf(args, sizeof args, "plot histogram%s", req);
    expect_drawn_safely(args, "evil-hist.png");
    snprintf(args, sizeof args, "plot queue%s", tl);
    expect_drawn_safely(args, "evil-queue.png");
    snprintf(args, sizeof args, "plot queue %s", shq("tl-`touch " MARKER "`.csv"));
    expect_drawn_safely(args, "evil-queue1.png");
    snprintf(args, sizeof args, "plot timeline %s", shq("tl-x';system('touch " MARKER "');'.csv"));
    expect_drawn_safely(args, "evil-timeline.png");

    /* The newline and CR of a name become spaces in its legend entry. */
    snprintf(args, sizeof args, "plot cdf %s -o x.png --gnuplot-commands evil-cdf.gp --force", shq(names[2]));
    CU_ASSERT_EQUAL_FATAL(lsim(args), 0);
    char *out = read_in("evil-cdf.gp");
    CU_ASSERT_PTR_NOT_NULL_FATAL(out);
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "\n EOD system('touch " MARKER "')  (n = 4, p50 600.0 ms, p99 650.0 ms)\n"));
    free(out);

    /* A timeline whose free-text column carries payloads: still only data. */
    CU_ASSERT_FATAL(write_file("evil-tl.csv", "kind,instance_id,provisioned,state,start_s,end_s,activity,batch_id,"
                                              "queue_len\n"
                                              "instance,0,1,idle,0,1,`touch " MARKER "`,,\n"
                                              "instance,0,1,busy,1,2,\"' . system('touch " MARKER "') . '\",0,\n"
                                              "queue,,,,0,2,@x,,0\n"));
    expect_drawn_safely("plot timeline evil-tl.csv", "evil-tl.png");
    expect_drawn_safely("plot queue evil-tl.csv", "evil-tl-queue.png");
}

/* Payloads in --title and in the output's name: drawn, nothing run; a
 * title or name on two lines is refused. */
static void test_payload_in_title_and_output(void)
{
    for (size_t i = 0; i < N_PAYLOADS; i++) {
        char args[4096];
        snprintf(args, sizeof args, "plot cdf threshold.csv --title %s", shq(payloads[i]));
        expect_drawn_safely(args, "evil-title.png");
        snprintf(args, sizeof args, "plot heatmap sweep.csv --title %s", shq(payloads[i]));
        expect_drawn_safely(args, "evil-title2.png");
    }
    /* gnuplot's 'set output "|cmd"' would run cmd: this is a file name. */
    expect_drawn_safely("plot cdf threshold.csv", "|touch " MARKER ";:");
    expect_drawn_safely("plot cdf threshold.csv", "'; system('touch " MARKER "'); '.png");
    expect_drawn_safely("plot cdf threshold.csv", "<touch " MARKER ".png");
    expect_input_error("cdf threshold.csv -o t.png --title 'two\nlines'", "--title: contains a control character");
    expect_input_error("cdf threshold.csv -o t.png --title \"$(printf 'a\\rb')\"",
                       "--title: contains a control character");
    expect_input_error("cdf threshold.csv -o 'new\nline.png'", "-o new?line.png: the file name holds a control "
                                                             "character");
    CU_ASSERT_FALSE(exists("t.png"));
    expect_no_temp();
    expect_no_marker("refused inputs");
}

/* A scripts directory and TMPDIR with payloads in their names (the paths
 * reach gnuplot: `load`, and its command-line argument). */
static void test_payload_in_paths(void)
{
    const char *evil = "plots' . system('touch " MARKER "') . '`touch " MARKER "`";
    char *d = path_in(evil);
    CU_ASSERT_EQUAL_FATAL(mkdir(d, 0700), 0);
    snprintf(cmd, sizeof cmd, "cp %s/plots/*.gp %s/", root, shq(d));
    CU_ASSERT_EQUAL_FATAL(testutil_run(cmd, NULL, NULL), 0);
    char env[4096];
    snprintf(env, sizeof env, "LAMBDASIM_PLOTS_DIR=%s", shq(evil));
    char *err = NULL;
    CU_ASSERT_EQUAL(lsim_env(env, "plot cdf threshold.csv -o evil-dir.png --force", &err), 0);
    free(err);
    expect_png("evil-dir.png");
    expect_no_marker("LAMBDASIM_PLOTS_DIR");
    /* A relative TMPDIR named like an option of gnuplot's. */
    char *e = path_in("-e");
    CU_ASSERT_EQUAL_FATAL(mkdir(e, 0700), 0);
    err = NULL;
    CU_ASSERT_EQUAL(lsim_env("TMPDIR=-e", "plot cdf threshold.csv -o evil-tmp.png --force", &err), 0);
    free(err);
    expect_png("evil-tmp.png");
    snprintf(cmd, sizeof cmd, "rm -rf %s %s", shq(d), shq(e));
    testutil_run(cmd, NULL, NULL);
    free(e);
    free(d);
}

/* ---- the quoting function ------------------------------------------------------- */

static void expect_quote(const char *in, const char *want)
{
    char *q = plot_gnuplot_quote(in);
    if (want == NULL) {
        CU_ASSERT_PTR_NULL(q);
    } else {
        CU_ASSERT_PTR_NOT_NULL_FATAL(q);
        if (strcmp(q, want) != 0)
            printf("\n    quote(%s): got %s, want %s", in, q, want);
        CU_ASSERT_STRING_EQUAL(q, want);
    }
    free(q);
}

static void test_quote(void)
{
    expect_quote("", "''");
    expect_quote("plain", "'plain'");
    expect_quote("it's", "'it'.\"'\".'s'");
    expect_quote("'", "\"'\"");
    expect_quote("''", "\"'\".\"'\"");
    expect_quote("'a", "\"'\".'a'");
    expect_quote("a'", "'a'.\"'\"");
    /* Nothing but the quote is special inside gnuplot's single quotes. */
    expect_quote("` $ @ \\ ; # \" ! | <", "'` $ @ \\ ; # \" ! | <'");
    expect_quote("\xff\xfe\xc3 not UTF-8", "'\xff\xfe\xc3 not UTF-8'");
    /* Control characters (a newline would end the command) are refused. */
    expect_quote("a\nb", NULL);
    expect_quote("a\rb", NULL);
    expect_quote("\t", NULL);
    expect_quote("\x01", NULL);
    expect_quote("\x1b[31m", NULL);
    expect_quote("x\x7f", NULL);
    /* Long: "xx'" repeated: 'xx'."'".'xx'."'". ... ."'" */
    size_t n = 300000, k = n / 3;
    char *big = malloc(n + 1);
    for (size_t i = 0; i < n; i++)
        big[i] = i % 3 == 2 ? '\'' : 'x';
    big[n] = '\0';
    char *q = plot_gnuplot_quote(big);
    CU_ASSERT_PTR_NOT_NULL_FATAL(q);
    /* per "xx'": 'xx' (4) . (1) "'" (3), and a . between two of them */
    CU_ASSERT_EQUAL(strlen(q), k * 8 + (k - 1));
    CU_ASSERT_EQUAL(strncmp(q, "'xx'.\"'\".'xx'.\"'\"", 17), 0);
    free(q);
    free(big);
}

/* Quoted strings given to the real gnuplot come back exactly, and none
 * of them runs anything. */
static void test_quote_in_gnuplot(void)
{
    size_t nbig = 100000;
    char *big = malloc(nbig + 1);
    for (size_t i = 0; i < nbig; i++)
        big[i] = "ab'`$@\\;#\""[i % 10];
    big[nbig] = '\0';
    const char *const s[] = {
        "plain", "", "it's", "'", "''", "'''x", "x''''y", "a'", "ends with \\",
        "`touch " MARKER "`", "' . system('touch " MARKER "') . '", "\"; system('touch " MARKER "'); \"",
        "x'`touch " MARKER "`'y", "@mac $var \\ ; # \\\\ !", "\xff\xfe\xc3 bytes", "EOD", big,
    };
    size_t n = sizeof s / sizeof s[0];
    char *script = path_in("quote.gp"), *printed = path_in("quote-out.txt");
    FILE *f = fopen(script, "w");
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    char *q = plot_gnuplot_quote(printed);
    fprintf(f, "set print %s\n", q);
    free(q);
    size_t want_len = 0;
    for (size_t i = 0; i < n; i++) {
        q = plot_gnuplot_quote(s[i]);
        CU_ASSERT_PTR_NOT_NULL_FATAL(q);
        fprintf(f, "v = %s\nprint v\n", q);
        free(q);
        want_len += strlen(s[i]) + 1;
    }
    fclose(f);
    char *want = malloc(want_len + 1), *w = want;
    for (size_t i = 0; i < n; i++)
        w += sprintf(w, "%s\n", s[i]);
    snprintf(cmd, sizeof cmd, "cd %s && gnuplot quote.gp", dir);
    char *err = NULL;
    CU_ASSERT_EQUAL(testutil_run(cmd, NULL, &err), 0);
    if (err != NULL && err[0] != '\0')
        printf("\n    gnuplot: %.300s", err);
    free(err);
    char *got = testutil_read_file(printed);
    CU_ASSERT_PTR_NOT_NULL_FATAL(got);
    CU_ASSERT_STRING_EQUAL(got, want);
    expect_no_marker("quoted strings in gnuplot");
    free(got);
    free(want);
    free(script);
    free(printed);
    free(big);
}

static void expect_text(const char *in, bool quoted, size_t max, const char *want)
{
    char *t = plot_gnuplot_text(in, quoted, max);
    if (strcmp(t, want) != 0)
        printf("\n    text(%s): got '%s', want '%s'", in, t, want);
    CU_ASSERT_STRING_EQUAL(t, want);
    free(t);
}

static void test_text(void)
{
    expect_text("plain", false, 100, "plain");
    expect_text("a\nb\rc\td\x01" "e\x7f", false, 100, "a b c d e ");
    expect_text("say \"hi\"", false, 100, "say \"hi\"");
    expect_text("say \"hi\"", true, 100, "say 'hi'");
    expect_text("`touch x` $y @z ' \\", true, 100, "`touch x` $y @z ' \\");
    expect_text("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80", false, 100, "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80");
    /* Invalid UTF-8: stray, truncated, overlong, surrogate, too large; C1 controls. */
    expect_text("\xff|\xc3|\xc0\xaf|\xed\xa0\x80|\xf4\x90\x80\x80|\xc2\x85", false, 100, "?|?|??|???|????|?");
    /* Cut at a character, "..." marking the cut; what fits is kept whole. */
    expect_text("0123456789", false, 10, "0123456789");
    expect_text("0123456789a", false, 10, "0123456...");
    expect_text("\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9", false, 9, "\xc3\xa9\xc3\xa9\xc3\xa9...");
}

static void test_help(void)
{
    char *out;
    snprintf(cmd, sizeof cmd, "%s plot --help", testutil_bin());
    CU_ASSERT_EQUAL(testutil_run(cmd, &out, NULL), 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "Usage: lambdasim plot KIND INPUT... -o FILE.png"));
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "gnuplot-nox"));
    free(out);
}

int main(void)
{
    if (CU_initialize_registry() != CUE_SUCCESS)
        return 1;
    CU_pSuite s = CU_add_suite("plot", setup, teardown);
    CU_add_test(s, "pareto --x/--y: the front of two chosen metrics", test_front_axes);
    CU_add_test(s, "every kind draws a PNG", test_every_kind_draws_a_png);
    CU_add_test(s, "SVG and PDF by the output's name, other extensions refused", test_formats_by_name);
    CU_add_test(s, "data handed to gnuplot", test_commands);
    CU_add_test(s, "gnuplot missing", test_missing_gnuplot);
    CU_add_test(s, "gnuplot fails: output untouched", test_gnuplot_fails);
    CU_add_test(s, "bad inputs", test_bad_inputs);
    CU_add_test(s, "sweep shard: front computed", test_shard_front);
    CU_add_test(s, "help", test_help);
    CU_add_test(s, "payloads in a sweep CSV run nothing", test_payload_in_sweep);
    CU_add_test(s, "payloads in a paper CSV run nothing", test_payload_in_paper);
    CU_add_test(s, "payloads in file names run nothing", test_payload_in_file_names);
    CU_add_test(s, "payloads in --title and -o run nothing", test_payload_in_title_and_output);
    CU_add_test(s, "payloads in the scripts' and temporary paths", test_payload_in_paths);
    CU_add_test(s, "plot_gnuplot_quote", test_quote);
    CU_add_test(s, "plot_gnuplot_quote in real gnuplot", test_quote_in_gnuplot);
    CU_add_test(s, "plot_gnuplot_text", test_text);
    CU_basic_set_mode(CU_BRM_VERBOSE);
    CU_basic_run_tests();
    unsigned failed = CU_get_number_of_failures() + CU_get_number_of_tests_failed() +
                      CU_get_number_of_suites_failed();
    CU_cleanup_registry();
    return failed == 0 ? 0 : 1;
}
