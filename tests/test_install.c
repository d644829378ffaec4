/* test_install: `make install` gives a lambdasim that works from anywhere.
 * The real `make install PREFIX=/usr DESTDIR=<tmp>` of the binaries under
 * test, then, from another temporary directory, the INSTALLED program:
 * run and sweep shipped scenarios, plot, profile and emulate with their
 * default weights, digits, scripts and worker (found from the executable:
 * datadir.h), the man pages when there are some; then `make uninstall`
 * leaves no file behind. Also datadir's lookups in-process. Run from the
 * repository root, as `make test` does. */
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "base/datadir.h"
#include "testutil.h"

/* The installed tree: stage = DESTDIR, prefix = stage/usr. */
static char *stage, *work;
static char prefix[PATH_MAX], data[PATH_MAX + 32], lsim[PATH_MAX + 32];
static bool installed;

/* The tiny emulation of test_emulate: an inline model, no other file. */
static const char tiny_scenario[] =
    "{\"duration_s\": 0.6, \"workload\": {\"type\": \"bursty\", \"burst_size\": 3, \"burst_pause_s\": 0.25}, "
    "\"function\": {\"model\": {\"memory_mb\": 1769, \"cold_start_ms\": 2, \"overhead_ms\": 0.1, "
    "\"inference_ms\": {\"base\": 0.05, \"per_item_ms\": 0.2}}}}\n";

/* `make TARGET` of the binaries under test into the staged /usr, run from
 * here (the repository root). The make that runs `make test` must not lend
 * its jobserver or flags; -o: install these binaries as they are, never
 * rebuild them (under `make asan` they are the sanitized ones). */
/* The directory of the binary under test: the Makefile's BUILD. */
static void build_dir(char *dir, size_t len)
{
    snprintf(dir, len, "%s", testutil_bin());
    char *slash = strrchr(dir, '/');
    if (slash != NULL)
        *slash = '\0';
    else
        snprintf(dir, len, ".");
}

static int make_target(const char *target, char **out, char **err)
{
    const char *bin = testutil_bin(), *worker = testutil_worker_bin();
    char build[PATH_MAX];
    build_dir(build, sizeof build);
    char cmd[4 * PATH_MAX];
    snprintf(cmd, sizeof cmd,
             "env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make -s --no-print-directory -o '%s' -o '%s' "
             "BUILD='%s' BIN='%s' WORKER='%s' PREFIX=/usr DESTDIR='%s' %s",
             bin, worker, build, bin, worker, stage, target);
    return testutil_run(cmd, out, err);
}

/* Runs `cd work && CMD` (printf-style); returns its exit code, prints the
 * run when it is not `expect`. */
static int in_work(int expect, char **out, char **err, const char *fmt, ...) __attribute__((format(printf, 4, 5)));
static int in_work(int expect, char **out, char **err, const char *fmt, ...)
{
    char tail[4096], cmd[8192];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(tail, sizeof tail, fmt, ap);
    va_end(ap);
    snprintf(cmd, sizeof cmd, "cd '%s' && %s", work, tail);
    char *o = NULL, *e = NULL;
    int rc = testutil_run(cmd, &o, &e);
    if (rc != expect)
        fprintf(stderr, "\n  %s\n  exit %d (expected %d)\n  stdout: %s\n  stderr: %s\n", cmd, rc, expect,
                o != NULL ? o : "", e != NULL ? e : "");
    if (out != NULL)
        *out = o;
    else
        free(o);
    if (err != NULL)
        *err = e;
    else
        free(e);
    return rc;
}

static mode_t mode_of(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 ? st.st_mode & 07777 : 0;
}

/* Every file of the repository's `globs` has an identical copy under
 * `root`/<its path>. */
static void expect_copies(const char *globs, const char *root)
{
    char cmd[8192];
    snprintf(cmd, sizeof cmd,
             "n=0; for f in %s; do [ -f \"$f\" ] || continue; n=$((n+1)); "
             "cmp -s \"$f\" '%s'/\"$f\" || { echo \"missing or different: $f\"; exit 1; }; done; "
             "[ $n -gt 0 ] || { echo 'no file matched'; exit 1; }",
             globs, root);
    char *out = NULL;
    int rc = testutil_run(cmd, &out, NULL);
    if (rc != 0)
        fprintf(stderr, "\n  %s under %s: %s\n", globs, root, out);
    CU_ASSERT_EQUAL(rc, 0);
    free(out);
}

static void test_make_install(void)
{
    stage = testutil_temp_dir();
    work = testutil_temp_dir();
    snprintf(prefix, sizeof prefix, "%s/usr", stage);
    snprintf(data, sizeof data, "%s/share/lambdasim", prefix);
    snprintf(lsim, sizeof lsim, "%s/bin/lambdasim", prefix);
    char *out = NULL, *err = NULL;
    int rc = make_target("install", &out, &err);
    if (rc != 0)
        fprintf(stderr, "\n  make install: exit %d\n%s%s\n", rc, out, err);
    CU_ASSERT_EQUAL_FATAL(rc, 0);
    free(out);
    free(err);
    installed = true;

    char path[PATH_MAX + 128];
    CU_ASSERT_EQUAL(mode_of(lsim), 0755);
    snprintf(path, sizeof path, "%s/libexec/lambdasim/lambdasim-worker", prefix);
    CU_ASSERT_EQUAL(mode_of(path), 0755);
    /* The worker is not a command: not on PATH. */
    snprintf(path, sizeof path, "%s/bin/lambdasim-worker", prefix);
    CU_ASSERT_FALSE(testutil_exists(path));
    snprintf(path, sizeof path, "%s/models/mnist-cnn.bin", data);
    CU_ASSERT_EQUAL(mode_of(path), 0644);
    expect_copies("models/mnist-cnn.bin models/mnist-lambda-1024.json traces/*.bin traces/*.csv "
                  "traces/validation/* plots/*.gp plots/*.csv scenarios/*.json scenarios/*/*.json", data);
    snprintf(path, sizeof path, "%s/share/doc/lambdasim", prefix);
    expect_copies("README.md CONTRIBUTING.md LICENSE docs/*.md docs/*/*.md docs/*/*.png", path);
    snprintf(path, sizeof path, "%s/share/man", prefix);
    {
        /* man/x.1 -> share/man/man1/x.1, man/y.5 -> share/man/man5/y.5 */
        char cmd[2 * PATH_MAX + 256];
        snprintf(cmd, sizeof cmd, "for f in man/*.1 man/*.5; do [ -f \"$f\" ] || continue; s=${f##*.}; "
                 "cmp -s \"$f\" '%s'/man$s/\"${f#man/}\" || exit 1; done", path);
        CU_ASSERT_EQUAL(testutil_run(cmd, NULL, NULL), 0);
    }
    char build[PATH_MAX], bash[PATH_MAX + 32];
    build_dir(build, sizeof build);
    snprintf(bash, sizeof bash, "%s/lambdasim.bash", build);
    snprintf(path, sizeof path, "%s/share/bash-completion/completions/lambdasim", prefix);
    CU_ASSERT_EQUAL(testutil_exists(bash), testutil_exists(path));
}

/* run and sweep shipped scenarios, from a directory that is not the
 * repository: their model, scenario and trace paths resolve relative to
 * the installed files; a path given on the command line, relative to the
 * current directory. */
static void test_installed_run_and_sweep(void)
{
    CU_ASSERT_FATAL(installed);
    char *out = NULL;
    CU_ASSERT_EQUAL(in_work(0, &out, NULL, "'%s' run '%s/scenarios/paper-uniform.json' --requests-csv r.csv", lsim,
                            data), 0);
    TESTUTIL_ASSERT_CONTAINS(out, "scenario paper-uniform  seed 1\n");
    TESTUTIL_ASSERT_CONTAINS(out, "  completed                            50\n");
    free(out);
    char path[PATH_MAX + 32];
    snprintf(path, sizeof path, "%s/r.csv", work);
    CU_ASSERT(testutil_exists(path));
    /* A sweep in scenarios/sweeps/ names ../paper-uniform.json. */
    CU_ASSERT_EQUAL(in_work(0, NULL, NULL, "'%s' sweep '%s/scenarios/sweeps/paper-uniform-baseline.json'", lsim,
                            data), 0);
}

static void test_installed_plot(void)
{
    CU_ASSERT_FATAL(installed);
    if (testutil_run("command -v gnuplot >/dev/null", NULL, NULL) != 0) {
        testutil_skip("installed plot (gnuplot is not installed)");
        return;
    }
    if (in_work(0, NULL, NULL, "[ -f r.csv ] || '%s' run '%s/scenarios/paper-uniform.json' --requests-csv r.csv "
                "> /dev/null", lsim, data) != 0) {
        CU_FAIL("no requests CSV to plot");
        return;
    }
    /* The scripts come from share/lambdasim/plots, not from plots/ here. */
    CU_ASSERT_EQUAL(in_work(0, NULL, NULL, "env -u LAMBDASIM_PLOTS_DIR '%s' plot cdf r.csv -o r.png", lsim), 0);
    char path[PATH_MAX + 32];
    snprintf(path, sizeof path, "%s/r.png", work);
    FILE *f = fopen(path, "rb");
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    unsigned char sig[8] = { 0 };
    CU_ASSERT_EQUAL(fread(sig, 1, sizeof sig, f), sizeof sig);
    fclose(f);
    CU_ASSERT(memcmp(sig, "\x89PNG\r\n\x1a\n", 8) == 0);
}

/* profile and emulate with no --weights, --digits or --worker: the
 * installed weights and digits, and the worker in libexec/lambdasim. */
static void test_installed_profile_and_emulate(void)
{
    CU_ASSERT_FATAL(installed);
    char *err = NULL;
    CU_ASSERT_EQUAL(in_work(0, NULL, &err, "'%s' profile -o p.json --max-batch 1 --repetitions 1 --cold-starts 1 "
                            "--warmup 0 --long-gap-ms 0 --speed-probe-s 0 --wake-probe-s 0 --quiet", lsim), 0);
    /* Nothing on stderr but, when the rest of the suite loads the machine,
     * the documented busy-machine warning (one line). */
    const char *e = err != NULL ? err : "?";
    if (strncmp(e, "profile: warning: a busy machine:", 33) == 0 && strchr(e, '\n') == e + strlen(e) - 1)
        e = "";
    CU_ASSERT_STRING_EQUAL(e, "");
    free(err);
    char path[PATH_MAX + 32], weights[PATH_MAX + 64];
    snprintf(path, sizeof path, "%s/p.json", work);
    char *profile = testutil_read_file(path);
    snprintf(weights, sizeof weights, "%s/models/mnist-cnn.bin", data);
    TESTUTIL_ASSERT_CONTAINS(profile, weights);
    free(profile);

    char *sc = testutil_temp_file(tiny_scenario, ".json");
    char *out = NULL;
    CU_ASSERT_EQUAL(in_work(0, &out, NULL, "'%s' emulate '%s' --json", lsim, sc), 0);
    TESTUTIL_ASSERT_CONTAINS(out, "\"images\": 9, \"correct\": 9,");
    TESTUTIL_ASSERT_CONTAINS(out, "\"completed\": 9,");
    free(out);
    unlink(sc);
    free(sc);

    /* Through a symbolic link elsewhere: the link is resolved, the
     * installed tree found. */
    CU_ASSERT_EQUAL(in_work(0, NULL, NULL, "ln -sf '%s' ls-link && ./ls-link profile -o p2.json --max-batch 1 "
                            "--repetitions 1 --cold-starts 1 --warmup 0 --long-gap-ms 0 --speed-probe-s 0 --wake-probe-s 0 --quiet", lsim), 0);

    /* LAMBDASIM_DATA_DIR wins, and a file missing there is one line that
     * names it. */
    CU_ASSERT_EQUAL(in_work(2, NULL, &err, "LAMBDASIM_DATA_DIR=. '%s' profile -o p3.json --quiet", lsim), 2);
    CU_ASSERT_STRING_EQUAL(err != NULL ? err : "?", "lambdasim: default --weights: ./models/mnist-cnn.bin: not found "
                           "(LAMBDASIM_DATA_DIR is '.'), or give --weights FILE\n");
    free(err);
}

static void test_installed_man(void)
{
    CU_ASSERT_FATAL(installed);
    static const char *const pages[] = { "man1/lambdasim.1", "man5/lambdasim-scenario.5" };
    for (size_t i = 0; i < sizeof pages / sizeof pages[0]; i++) {
        char path[PATH_MAX + 64];
        snprintf(path, sizeof path, "%s/share/man/%s", prefix, pages[i]);
        if (!testutil_exists(path)) {
            testutil_skip("man -l %s (no such man page in man/ yet)", pages[i]);
            continue;
        }
        if (testutil_run("command -v man >/dev/null", NULL, NULL) != 0) {
            testutil_skip("man -l %s (man is not installed)", pages[i]);
            continue;
        }
        char *out = NULL;
        CU_ASSERT_EQUAL(in_work(0, &out, NULL, "MANWIDTH=80 MANPAGER=cat PAGER=cat man -l '%s'", path), 0);
        TESTUTIL_ASSERT_CONTAINS(out, "lambdasim");
        free(out);
    }
}

static void test_make_uninstall(void)
{
    if (!installed) {
        CU_FAIL("make install failed");
        testutil_remove_dir(stage);
        testutil_remove_dir(work);
        stage = work = NULL;
        return;
    }
    char *out = NULL, *err = NULL;
    int rc = make_target("uninstall", &out, &err);
    if (rc != 0)
        fprintf(stderr, "\n  make uninstall: exit %d\n%s%s\n", rc, out, err);
    CU_ASSERT_EQUAL(rc, 0);
    free(out);
    free(err);
    char cmd[PATH_MAX + 64];
    snprintf(cmd, sizeof cmd, "find '%s' ! -type d", stage);
    CU_ASSERT_EQUAL(testutil_run(cmd, &out, NULL), 0);
    if (out != NULL && out[0] != '\0')
        fprintf(stderr, "\n  left behind by make uninstall:\n%s", out);
    CU_ASSERT_STRING_EQUAL(out != NULL ? out : "?", "");
    free(out);
    CU_ASSERT_EQUAL(testutil_remove_dir(stage), 0);
    CU_ASSERT_EQUAL(testutil_remove_dir(work), 0);
    stage = work = NULL;
    installed = false;
}

/* ---- datadir, in-process ------------------------------------------------------------ */

/* From build/tests/ (or build/asan/tests/): the source tree, the current
 * directory of `make test`. */
static void test_datadir_source_tree(void)
{
    unsetenv(DATADIR_ENV);
    char cwd[PATH_MAX], want[PATH_MAX + 256], got[PATH_MAX + 64], msg[1024] = "";
    CU_ASSERT_PTR_NOT_NULL_FATAL(getcwd(cwd, sizeof cwd));
    CU_ASSERT_EQUAL(datadir_find(got, sizeof got, msg, sizeof msg), 0);
    CU_ASSERT_STRING_EQUAL(got, cwd);
    CU_ASSERT_EQUAL(datadir_path(DATADIR_DIGITS, got, sizeof got, msg, sizeof msg), 0);
    snprintf(want, sizeof want, "%s/traces/mnist-digits-300.bin", cwd);
    CU_ASSERT_STRING_EQUAL(got, want);
    CU_ASSERT_EQUAL(datadir_path("plots/no-such.gp", got, sizeof got, msg, sizeof msg), -1);
    snprintf(want, sizeof want, "%s/plots/no-such.gp: not found in lambdasim's data directory "
             "(LAMBDASIM_DATA_DIR overrides it)", cwd);
    CU_ASSERT_STRING_EQUAL(msg, want);
    /* No lambdasim-worker in build/tests/ nor in build/libexec/lambdasim/. */
    CU_ASSERT_EQUAL(datadir_worker(got, sizeof got, msg, sizeof msg), -1);
    CU_ASSERT(strncmp(msg, "cannot find lambdasim-worker: neither /", 39) == 0);
    TESTUTIL_ASSERT_CONTAINS(msg, "/libexec/lambdasim/lambdasim-worker nor /");
    TESTUTIL_ASSERT_CONTAINS(msg, "/tests/lambdasim-worker is an executable file (build it with `make`, or pass "
                             "--worker)");
}

static void test_datadir_env(void)
{
    char *dir = testutil_temp_dir();
    char got[PATH_MAX + 64], want[PATH_MAX + 256], msg[1024] = "", cmd[2 * PATH_MAX + 64];
    CU_ASSERT_EQUAL_FATAL(setenv(DATADIR_ENV, dir, 1), 0);
    CU_ASSERT_EQUAL(datadir_path(DATADIR_WEIGHTS, got, sizeof got, msg, sizeof msg), -1);
    snprintf(want, sizeof want, "%s/models/mnist-cnn.bin: not found (LAMBDASIM_DATA_DIR is '%s')", dir, dir);
    CU_ASSERT_STRING_EQUAL(msg, want);
    snprintf(cmd, sizeof cmd, "mkdir '%s/models' && : > '%s/models/mnist-cnn.bin'", dir, dir);
    CU_ASSERT_EQUAL_FATAL(testutil_run(cmd, NULL, NULL), 0);
    CU_ASSERT_EQUAL(datadir_path(DATADIR_WEIGHTS, got, sizeof got, msg, sizeof msg), 0);
    snprintf(want, sizeof want, "%s/models/mnist-cnn.bin", dir);
    CU_ASSERT_STRING_EQUAL(got, want);
    snprintf(want, sizeof want, "%s/models/mnist-cnn.bin/x", dir);
    CU_ASSERT_EQUAL_FATAL(setenv(DATADIR_ENV, want, 1), 0);
    CU_ASSERT_EQUAL(datadir_find(got, sizeof got, msg, sizeof msg), -1);
    char want_msg[PATH_MAX + 512];
    snprintf(want_msg, sizeof want_msg, "cannot find lambdasim's data directory: LAMBDASIM_DATA_DIR is '%s', "
             "not a directory", want);
    CU_ASSERT_STRING_EQUAL(msg, want_msg);
    /* Empty means unset. */
    CU_ASSERT_EQUAL_FATAL(setenv(DATADIR_ENV, "", 1), 0);
    CU_ASSERT_EQUAL(datadir_path(DATADIR_WEIGHTS, got, sizeof got, msg, sizeof msg), 0);
    CU_ASSERT_PTR_NULL(strstr(got, dir));
    unsetenv(DATADIR_ENV);
    CU_ASSERT_EQUAL(testutil_remove_dir(dir), 0);
}

static void add_tests(CU_pSuite s)
{
    CU_add_test(s, "make install: every file, the worker in libexec", test_make_install);
    CU_add_test(s, "installed: run and sweep shipped scenarios from elsewhere", test_installed_run_and_sweep);
    CU_add_test(s, "installed: plot with the installed scripts", test_installed_plot);
    CU_add_test(s, "installed: profile and emulate with the default data", test_installed_profile_and_emulate);
    CU_add_test(s, "installed: man -l on the man pages", test_installed_man);
    CU_add_test(s, "make uninstall leaves no file", test_make_uninstall);
    CU_add_test(s, "datadir: the source tree from build/", test_datadir_source_tree);
    CU_add_test(s, "datadir: LAMBDASIM_DATA_DIR", test_datadir_env);
}

int main(void)
{
    /* The installed program must find its files by itself. */
    unsetenv(DATADIR_ENV);
    unsetenv("LAMBDASIM_PLOTS_DIR");
    return testutil_main("install", add_tests);
}
