/* test_report: `lambdasim report`, the HTML page of a sweep's or a run's
 * result. The page has every section and figure, agrees with the sweep's
 * own numbers and with a run of the best point's command, is the same
 * bytes twice, fetches nothing and escapes what it quotes; a changed input
 * is named and refused; bad results and options exit 2. Then the page is
 * opened in headless Chromium (tests/report-check.sh): no console message,
 * no network request, every figure drawn; a screenshot is kept as
 * build/tests/artifacts/report.png. The checker itself is shown to fail on
 * a page that fetches and on an empty figure. */
#define _DEFAULT_SOURCE /* realpath */
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <CUnit/Basic.h>
#include "testutil.h"

static char *dir;               /* the suite's temporary directory */
static char root[PATH_MAX];     /* the source tree (the working directory) */
static char bin[PATH_MAX];      /* the binary under test, absolute */
static char cmd[16384];

/* `lambdasim ARGS` in the suite's directory; stdout to *out, stderr to *err. */
static int lsim(char **out, char **err, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int lsim(char **out, char **err, const char *fmt, ...)
{
    char args[8192];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(args, sizeof args, fmt, ap);
    va_end(ap);
    snprintf(cmd, sizeof cmd, "cd '%s' && '%s' %s", dir, bin, args);
    return testutil_run(cmd, out, err);
}

static char *in_dir(const char *name)
{
    static char p[PATH_MAX + 256];
    snprintf(p, sizeof p, "%s/%s", dir, name);
    return p;
}

static size_t count(const char *s, const char *frag)
{
    size_t n = 0;
    for (const char *p = s; p != NULL && (p = strstr(p, frag)) != NULL; p += strlen(frag))
        n++;
    return n;
}

/* The sweep of the tests (24 points, 4 axes: three numeric, one of
 * strings; an object override; a constraint), its JSON in the directory. */
static int setup(void)
{
    if (getcwd(root, sizeof root) == NULL || realpath(testutil_bin(), bin) == NULL)
        return 1;
    dir = testutil_temp_dir();
    snprintf(cmd, sizeof cmd, "cp -r '%s/tests/data' '%s/data' && mkdir -p '%s/models' && cp '%s/models/"
             "mnist-lambda-1024.json' '%s/models/'", root, dir, dir, root, dir);
    if (testutil_run(cmd, NULL, NULL) != 0)
        return 1;
    /* sweep-base.json names ../../models/: give it that path here. */
    snprintf(cmd, sizeof cmd, "mkdir -p '%s/w/d' && cp '%s/data/sweep-small.json' '%s/data/sweep-base.json' '%s/w/d/' && "
             "mkdir -p '%s/models' && cd '%s/w/d' && '%s' sweep sweep-small.json --json > ../../sweep.json 2>/dev/null",
             dir, dir, dir, dir, dir, dir, bin);
    return testutil_run(cmd, NULL, NULL) == 0 ? 0 : 1;
}

static int teardown(void)
{
    testutil_remove_dir(dir);
    return 0;
}

/* The report of the sweep, run from the directory the sweep ran in (its
 * paths are relative to it). */
static int report_sweep(const char *out, const char *extra, char **err)
{
    snprintf(cmd, sizeof cmd, "cd '%s/w/d' && '%s' report ../../sweep.json -o '%s' --force %s", dir, bin, out, extra);
    return testutil_run(cmd, NULL, err);
}

static void test_sweep_page(void)
{
    char *err = NULL;
    CU_ASSERT_EQUAL_FATAL(report_sweep(in_dir("s.html"), "", &err), 0);
    free(err);
    char *html = testutil_read_file(in_dir("s.html"));
    char *json = testutil_read_file(in_dir("sweep.json"));
    CU_ASSERT_PTR_NOT_NULL_FATAL(html);
    CU_ASSERT_PTR_NOT_NULL_FATAL(json);
    const char *sections[] = { "id=\"best\"", "id=\"tied\"", "id=\"pareto\"", "id=\"axes\"", "id=\"cdf\"",
                               "id=\"time\"", "id=\"inputs\"" };
    for (size_t i = 0; i < sizeof sections / sizeof sections[0]; i++)
        TESTUTIL_ASSERT_CONTAINS(html, sections[i]);
    /* Pareto + 3 numeric axes x 3 key metrics (p99, the constraint's
     * cost, cost per million) + the CDF; the string axis has no curve. */
    CU_ASSERT_EQUAL(count(html, "<figure "), 11);
    CU_ASSERT_EQUAL(count(html, "<svg"), 11);
    CU_ASSERT_EQUAL(count(html, "against platform.routing"), 0);
    TESTUTIL_ASSERT_CONTAINS(html, "latency_ms.p99 against workload.rate_rps");
    TESTUTIL_ASSERT_CONTAINS(html, "cost_usd.total against batching.threshold");
    /* Self-contained: no script, no fetch of any kind, and a CSP saying so. */
    CU_ASSERT_EQUAL(count(html, "<script"), 0);
    CU_ASSERT_EQUAL(count(html, "src="), 0);
    CU_ASSERT_EQUAL(count(html, "<link"), 0);
    CU_ASSERT_EQUAL(count(html, "url(http"), 0);
    CU_ASSERT_EQUAL(count(html, "href=\"http"), 0);
    CU_ASSERT_EQUAL(count(html, "href='http"), 0);
    TESTUTIL_ASSERT_CONTAINS(html, "Content-Security-Policy\" content=\"default-src 'none'");
    /* Figure ids are prefixed per figure: no two figures define one id. */
    CU_ASSERT_EQUAL(count(html, "id='f0-gpPt0'"), 1);
    CU_ASSERT_EQUAL(count(html, "id='f10-gpPt0'"), 1);
    CU_ASSERT_EQUAL(count(html, "id='gpPt0'"), 0);
    /* The sweep's own numbers: the tied count and the best point. */
    char frag[256];
    size_t tied = count(json, "\"tied\": true");
    snprintf(frag, sizeof frag, "<strong>%zu point%s</strong>", tied, tied == 1 ? "" : "s");
    TESTUTIL_ASSERT_CONTAINS(html, frag);
    const char *bp = strstr(json, "\"best\": {\"point\": ");
    CU_ASSERT_PTR_NOT_NULL_FATAL(bp);
    long best = strtol(bp + strlen("\"best\": {\"point\": "), NULL, 10);
    snprintf(frag, sizeof frag, "<strong>Best: point %ld (", best);
    TESTUTIL_ASSERT_CONTAINS(html, frag);
    snprintf(frag, sizeof frag, "<tr class=\"best\"><td>1</td><td>%ld</td>", best);
    TESTUTIL_ASSERT_CONTAINS(html, frag);
    /* The CDF runs are the best command's run: same p99 (5 digits). */
    const char *cp = strstr(json, "\"command\": \"lambdasim run ");
    CU_ASSERT_PTR_NOT_NULL_FATAL(cp);
    cp += strlen("\"command\": \"lambdasim run ");
    /* The JSON string, unescaped (the command quotes JSON values). */
    char run_args[2048];
    size_t n = 0;
    for (; *cp != '"' && *cp != '\0' && n + 1 < sizeof run_args; cp++)
        run_args[n++] = *cp == '\\' ? *++cp : *cp;
    run_args[n] = '\0';
    CU_ASSERT_FATAL(*cp == '"');
    char *out = NULL;
    snprintf(cmd, sizeof cmd, "cd '%s/w/d' && '%s' run %s --json", dir, bin, run_args);
    CU_ASSERT_EQUAL_FATAL(testutil_run(cmd, &out, NULL), 0);
    const char *p99 = strstr(out, "\"p99\": ");
    CU_ASSERT_PTR_NOT_NULL_FATAL(p99);
    snprintf(frag, sizeof frag, "<td>%.5g</td>", strtod(p99 + 7, NULL));
    const char *row = strstr(strstr(html, "id=\"cdf\""), "<td class=\"t\">rank 1 (point");
    CU_ASSERT_PTR_NOT_NULL_FATAL(row);
    char first_row[4096];
    snprintf(first_row, sizeof first_row, "%.*s", (int)strcspn(row, "\n"), row);
    TESTUTIL_ASSERT_CONTAINS(first_row, frag);
    free(out);
    free(html);
    free(json);
}

static void test_same_bytes_twice(void)
{
    CU_ASSERT_EQUAL_FATAL(report_sweep(in_dir("a.html"), "--top 3", NULL), 0);
    CU_ASSERT_EQUAL_FATAL(report_sweep(in_dir("b.html"), "--top 3", NULL), 0);
    char *a = testutil_read_file(in_dir("a.html")), *b = testutil_read_file(in_dir("b.html"));
    CU_ASSERT_FATAL(a != NULL && b != NULL);
    if (a == NULL || b == NULL) /* not reached; for the analysers */
        return;
    CU_ASSERT_STRING_EQUAL(a, b);
    CU_ASSERT_EQUAL(count(a, "<td class=\"t\">rank "), 6);   /* 3 re-runs, in two tables */
    free(a);
    free(b);
}

/* An input changed since the sweep: refused, naming it; --no-rerun writes
 * the page without the two sections that need the re-runs. */
static void test_changed_input(void)
{
    snprintf(cmd, sizeof cmd, "cp -r '%s/w' '%s/w2' && cp -r '%s/models' '%s/m2' && cd '%s/w2/d' && "
             "'%s' sweep sweep-small.json --json > ../../sweep2.json 2>/dev/null && "
             "sed -i 's/\"duration_s\": 120/\"duration_s\": 121/' sweep-base.json",
             dir, dir, dir, dir, dir, bin);
    CU_ASSERT_EQUAL_FATAL(testutil_run(cmd, NULL, NULL), 0);
    char *err = NULL;
    snprintf(cmd, sizeof cmd, "cd '%s/w2/d' && '%s' report ../../sweep2.json -o ../../c.html", dir, bin);
    CU_ASSERT_EQUAL(testutil_run(cmd, NULL, &err), 2);
    TESTUTIL_ASSERT_CONTAINS(err, "sweep-base.json (scenario) has changed: its content hash is");
    TESTUTIL_ASSERT_CONTAINS(err, "or pass --no-rerun");
    CU_ASSERT_FALSE(testutil_exists(in_dir("c.html")));
    free(err);
    snprintf(cmd, sizeof cmd, "cd '%s/w2/d' && '%s' report ../../sweep2.json -o ../../c.html --no-rerun", dir, bin);
    CU_ASSERT_EQUAL(testutil_run(cmd, NULL, NULL), 0);
    char *html = testutil_read_file(in_dir("c.html"));
    CU_ASSERT_EQUAL(count(html, "<figure "), 10);
    TESTUTIL_ASSERT_CONTAINS(html, "Not drawn: the report was asked not to re-run");
    free(html);
    /* Run from elsewhere, the sweep file is not found: named, with the way out. */
    err = NULL;
    CU_ASSERT_EQUAL(lsim(NULL, &err, "report sweep.json -o x.html"), 2);
    TESTUTIL_ASSERT_CONTAINS(err, "the sweep it comes from cannot be loaded again");
    CU_ASSERT_FALSE(testutil_exists(in_dir("x.html")));
    free(err);
}

static void test_run_page(void)
{
    CU_ASSERT_EQUAL_FATAL(lsim(NULL, NULL, "run data/scenario-minimal.json --requests-csv r.csv --json > run.json"), 0);
    CU_ASSERT_EQUAL_FATAL(lsim(NULL, NULL, "report run.json --requests-csv r.csv -o run.html"), 0);
    char *html = testutil_read_file(in_dir("run.html"));
    char *json = testutil_read_file(in_dir("run.json"));
    CU_ASSERT_EQUAL(count(html, "<figure "), 1);
    TESTUTIL_ASSERT_CONTAINS(html, "id=\"time\"");
    TESTUTIL_ASSERT_CONTAINS(html, "<h3>latency_ms</h3>");
    /* The headline p99 is the JSON's. */
    const char *p = strstr(strstr(json, "\"latency_ms\""), "\"p99\": ");
    char frag[128];
    snprintf(frag, sizeof frag, "p99 latency (ms)</th><td>%.5g</td>", strtod(p + 7, NULL));
    TESTUTIL_ASSERT_CONTAINS(html, frag);
    free(html);
    CU_ASSERT_EQUAL(lsim(NULL, NULL, "report run.json -o run2.html"), 0);
    html = testutil_read_file(in_dir("run2.html"));
    CU_ASSERT_EQUAL(count(html, "<figure "), 0);
    TESTUTIL_ASSERT_CONTAINS(html, "pass <code>--requests-csv R.csv</code>");
    free(html);
    free(json);
}

/* Text from the inputs and --title is escaped, never markup. */
static void test_escaping(void)
{
    CU_ASSERT_EQUAL_FATAL(lsim(NULL, NULL, "run data/scenario-minimal.json --json > e.json"), 0);
    snprintf(cmd, sizeof cmd, "cd '%s' && sed -i 's/\"scenario\": \"[^\"]*\"/\"scenario\": \"<img src=x "
             "onerror=alert(1)>\"/' e.json", dir);
    CU_ASSERT_EQUAL_FATAL(testutil_run(cmd, NULL, NULL), 0);
    CU_ASSERT_EQUAL(lsim(NULL, NULL, "report e.json -o e.html --title '<script>alert(2)</script> & \"q\"'"), 0);
    char *html = testutil_read_file(in_dir("e.html"));
    CU_ASSERT_EQUAL(count(html, "<script"), 0);
    CU_ASSERT_EQUAL(count(html, "<img"), 0);
    TESTUTIL_ASSERT_CONTAINS(html, "&lt;script&gt;alert(2)&lt;/script&gt; &amp; &quot;q&quot;");
    TESTUTIL_ASSERT_CONTAINS(html, "&lt;img src=x onerror=alert(1)&gt;");
    free(html);
}

static void expect_bad(const char *args, const char *frag)
{
    char *err = NULL;
    int rc = lsim(NULL, &err, "%s", args);
    if (rc != 2)
        printf("\n    lambdasim %s: exit %d (expected 2): %s", args, rc, err);
    CU_ASSERT_EQUAL(rc, 2);
    TESTUTIL_ASSERT_CONTAINS(err, frag);
    free(err);
}

static void test_bad_inputs(void)
{
    snprintf(cmd, sizeof cmd, "cd '%s' && printf '{}' > empty.json && head -c 2000 sweep.json > cut.json && "
             "sed 's/\"points_total\": /\"points_total\": 9/' sweep.json > total.json && "
             "sed 's/\"latency_ms.p99\": {\"mean\"/\"latency_ms.p99\": {\"avg\"/' sweep.json > field.json && "
             "sed 's/\"points_total\": /\"shard\": \"1\\/2\", \"points_total\": /' sweep.json > shard.json && "
             "printf x > exists.html", dir);
    CU_ASSERT_EQUAL_FATAL(testutil_run(cmd, NULL, NULL), 0);
    expect_bad("report empty.json -o o.html", "empty.json: lambdasim_version: missing: not a result written by lambdasim");
    expect_bad("report cut.json -o o.html", "cut.json:");
    expect_bad("report total.json -o o.html", "total.json: points: 12 points, but points_total says 912");
    expect_bad("report field.json -o o.html", "field.json: points[0].metrics.latency_ms.p99: expected a number or null");
    expect_bad("report shard.json -o o.html", "shard.json: shard: a shard's result: merge the shards first");
    expect_bad("report data/scenario-minimal.json -o o.html", "lambdasim_version: missing");
    expect_bad("report nothere.json -o o.html", "nothere.json: cannot read");
    expect_bad("report sweep.json -o exists.html", "exists.html: already exists; pass --force to replace it");
    expect_bad("report sweep.json -o sweep.json --force", "that is an input of this run (result)");
    expect_bad("report sweep.json -o o.html --requests-csv r.csv", "--requests-csv: for a run's result only");
    expect_bad("report sweep.json -o o.html --top 9", "--top: expected a whole number from 1 to 8");
    expect_bad("report sweep.json", "missing -o FILE.html");
    expect_bad("report -o o.html", "missing RESULT.json");
    expect_bad("report sweep.json -o -", "-o: a file is needed");
    CU_ASSERT_FALSE(testutil_exists(in_dir("o.html")));
    char *ex = testutil_read_file(in_dir("exists.html"));
    CU_ASSERT_STRING_EQUAL(ex, "x");
    free(ex);
}

/* The check in a real browser. Without Chromium the test is skipped,
 * except in CI, where `make check` installs it and a skip would hide a
 * lost check. */
static const char *artifacts(char *buf, size_t len)
{
    const char *slash = strrchr(bin, '/');
    int n = slash != NULL ? (int)(slash - bin) : 1;
    snprintf(buf, len, "%.*s/tests/artifacts", n, slash != NULL ? bin : ".");
    snprintf(cmd, sizeof cmd, "mkdir -p '%s'", buf);
    return testutil_run(cmd, NULL, NULL) == 0 ? buf : NULL;
}

static int check_page(const char *page, const char *shot, char **out)
{
    snprintf(cmd, sizeof cmd, "sh '%s/tests/report-check.sh' '%s' %s%s%s", root, page, shot != NULL ? "'" : "",
             shot != NULL ? shot : "", shot != NULL ? "'" : "");
    return testutil_run(cmd, out, NULL);
}

static void test_chromium(void)
{
    char *out = NULL;
    CU_ASSERT_EQUAL_FATAL(report_sweep(in_dir("c1.html"), "", NULL), 0);
    int rc = check_page(in_dir("c1.html"), NULL, &out);
    if (rc == 77) {
        const char *ci = getenv("CI");
        if (ci != NULL && ci[0] != '\0' && strcmp(ci, "false") != 0) {
            printf("\n    CI: Chromium is missing (`make check-deps` installs the Debian package chromium)");
            CU_FAIL("Chromium missing in CI");
        } else {
            testutil_skip("report in Chromium (no Chromium; `make check-deps` as root installs it)");
        }
        free(out);
        return;
    }
    char shots[PATH_MAX + 32], shot[PATH_MAX + 64];
    CU_ASSERT_PTR_NOT_NULL_FATAL(artifacts(shots, sizeof shots));
    snprintf(shot, sizeof shot, "%s/report.png", shots);
    free(out);
    out = NULL;
    rc = check_page(in_dir("c1.html"), shot, &out);
    if (rc != 0)
        printf("\n    report-check.sh: exit %d: %s", rc, out);
    CU_ASSERT_EQUAL(rc, 0);
    TESTUTIL_ASSERT_CONTAINS(out, "ok: 11 figures, 0 requests, 0 console messages");
    CU_ASSERT(testutil_exists(shot));
    free(out);
    /* A run's page too. */
    CU_ASSERT_EQUAL_FATAL(lsim(NULL, NULL, "run data/scenario-minimal.json --requests-csv r3.csv --json > run3.json"), 0);
    CU_ASSERT_EQUAL_FATAL(lsim(NULL, NULL, "report run3.json --requests-csv r3.csv -o run3.html"), 0);
    snprintf(shot, sizeof shot, "%s/report-run.png", shots);
    out = NULL;
    CU_ASSERT_EQUAL(check_page(in_dir("run3.html"), shot, &out), 0);
    TESTUTIL_ASSERT_CONTAINS(out, "ok: 1 figures, 0 requests, 0 console messages");
    free(out);
    /* The checker fails a page that fetches, and an empty figure. */
    snprintf(cmd, sizeof cmd, "cd '%s' && sed 's|<h1>|<img src=\"http://192.0.2.1/x.png\"><h1>|' c1.html > f1.html && "
             "sed 's|<figure id=\"fig-pareto\">|<figure id=\"hollow\"><svg width=\"10\" height=\"10\"></svg></figure>&|' "
             "c1.html > f2.html", dir);
    CU_ASSERT_EQUAL_FATAL(testutil_run(cmd, NULL, NULL), 0);
    out = NULL;
    CU_ASSERT_EQUAL(check_page(in_dir("f1.html"), NULL, &out), 1);
    TESTUTIL_ASSERT_CONTAINS(out, "FAIL request http://192.0.2.1/x.png");
    TESTUTIL_ASSERT_CONTAINS(out, "FAIL console:");
    free(out);
    out = NULL;
    CU_ASSERT_EQUAL(check_page(in_dir("f2.html"), NULL, &out), 1);
    TESTUTIL_ASSERT_CONTAINS(out, "FAIL figure hollow: empty");
    free(out);
}

static void test_help(void)
{
    char *out = NULL;
    CU_ASSERT_EQUAL(lsim(&out, NULL, "report --help"), 0);
    TESTUTIL_ASSERT_CONTAINS(out, "Usage: lambdasim report RESULT.json -o FILE.html");
    TESTUTIL_ASSERT_CONTAINS(out, "--no-rerun");
    free(out);
}

int main(void)
{
    if (CU_initialize_registry() != CUE_SUCCESS)
        return 1;
    CU_pSuite s = CU_add_suite("report", setup, teardown);
    CU_add_test(s, "a sweep's page: sections, figures, the sweep's numbers", test_sweep_page);
    CU_add_test(s, "same bytes twice", test_same_bytes_twice);
    CU_add_test(s, "a changed input is named; --no-rerun", test_changed_input);
    CU_add_test(s, "a run's page", test_run_page);
    CU_add_test(s, "escaping", test_escaping);
    CU_add_test(s, "bad inputs", test_bad_inputs);
    CU_add_test(s, "in headless Chromium", test_chromium);
    CU_add_test(s, "help", test_help);
    const char *only = getenv("LAMBDASIM_TEST");
    if (only != NULL && only[0] != '\0')
        for (CU_pTest t = s->pTest; t != NULL; t = t->pNext)
            if (strstr(t->pName, only) == NULL)
                CU_set_test_active(t, CU_FALSE);
    CU_basic_set_mode(CU_BRM_VERBOSE);
    CU_basic_run_tests();
    unsigned failed = CU_get_number_of_failures() + CU_get_number_of_tests_failed();
    CU_cleanup_registry();
    return failed == 0 ? 0 : 1;
}
