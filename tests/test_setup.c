/* test_setup: the set-up tells the truth. README's install line names every
 * package the Makefile may install for `make run` and `make check`; the
 * Makefile installs Debian packages in one place only (tools/apt-install.sh,
 * without recommended packages); and tests/run-suites.sh, which prints
 * `make test`'s per-suite lines, shows a failing suite whole, ends with
 * "N passed, N failed" and keeps the exit code. Run from the repository
 * root, as `make test` does. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "testutil.h"

/* The words of the make variable `name := ...` (spaces before := allowed) in `text` (one line), into
 * buf; false when the variable is not there. */
static bool make_var(const char *text, const char *name, char *buf, size_t cap)
{
    char key[64];
    snprintf(key, sizeof key, "\n%s ", name);
    const char *at = text != NULL ? strstr(text, key) : NULL;
    if (at == NULL)
        return false;
    at += strlen(key);
    at += strspn(at, " ");
    if (strncmp(at, ":=", 2) != 0)
        return false;
    at += 2;
    at += strspn(at, " ");
    size_t n = strcspn(at, "\n");
    if (n >= cap)
        n = cap - 1;
    memcpy(buf, at, n);
    buf[n] = '\0';
    return true;
}

/* Every word of `words` is a whole word of `line`. */
static void expect_words_in(const char *line, const char *words, const char *what)
{
    char copy[512], *save = NULL;
    snprintf(copy, sizeof copy, "%s", words);
    for (char *w = strtok_r(copy, " ", &save); w != NULL; w = strtok_r(NULL, " ", &save)) {
        char padded[128];
        snprintf(padded, sizeof padded, " %s ", w);
        if (!testutil_contains(line, padded))
            printf("\n    README's install line lacks %s (from %s): %s", w, what, line);
        CU_ASSERT(testutil_contains(line, padded));
    }
}

static void test_readme_lists_every_package(void)
{
    char *readme = testutil_read_file("README.md");
    char *mk = testutil_read_file("Makefile");
    char *rel = testutil_read_file("reliability.mk");
    CU_ASSERT_FATAL(readme != NULL && mk != NULL && rel != NULL);
    const char *start = strstr(readme, "\nsudo apt-get install -y --no-install-recommends ");
    CU_ASSERT_FATAL(start != NULL);
    char line[1024];
    size_t n = strcspn(start + 1, "\n");
    CU_ASSERT_FATAL(n + 2 < sizeof line);
    snprintf(line, sizeof line, "%.*s ", (int)n, start + 1); /* a trailing space ends the last word */
    char pkgs[512];
    CU_ASSERT(make_var(mk, "APT_PKGS", pkgs, sizeof pkgs));
    expect_words_in(line, pkgs, "Makefile APT_PKGS");
    CU_ASSERT(make_var(rel, "LINT_APT", pkgs, sizeof pkgs));
    expect_words_in(line, pkgs, "reliability.mk LINT_APT");
    CU_ASSERT(make_var(mk, "CHECK_APT", pkgs, sizeof pkgs));
    expect_words_in(line, pkgs, "Makefile CHECK_APT");
    /* Before anything can be built: make and a C compiler with its libc headers. */
    expect_words_in(line, "make gcc libc6-dev", "the build itself");
    /* Not needed by the two commands: Open MPI, valgrind, clang. */
    CU_ASSERT(!testutil_contains(line, "openmpi"));
    CU_ASSERT(!testutil_contains(line, "valgrind"));
    CU_ASSERT(!testutil_contains(line, " clang "));
    free(readme);
    free(mk);
    free(rel);
}

/* apt-get is called in tools/apt-install.sh only, and there without
 * recommended packages. */
static void test_one_apt_recipe(void)
{
    static const char *const files[] = { "Makefile", "reliability.mk", ".ci/run" };
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
        char *text = testutil_read_file(files[i]);
        CU_ASSERT_PTR_NOT_NULL(text);
        if (testutil_contains(text, "apt-get install") || testutil_contains(text, "apt-get update"))
            printf("\n    %s runs apt-get itself; use tools/apt-install.sh", files[i]);
        CU_ASSERT(!testutil_contains(text, "apt-get install"));
        CU_ASSERT(!testutil_contains(text, "apt-get update"));
        free(text);
    }
    char *script = testutil_read_file("tools/apt-install.sh");
    TESTUTIL_ASSERT_CONTAINS(script, "install -y -qq --no-install-recommends $missing");
    TESTUTIL_ASSERT_CONTAINS(script, "echo \"installing: $missing (as root, with apt-get)\"");
    TESTUTIL_ASSERT_CONTAINS(script, "  sudo apt-get install -y --no-install-recommends $missing");
    free(script);
    /* Open MPI is installed by `make mpi` only: the test target's MPI step
     * builds when Open MPI is there and installs nothing. */
    char *mk = testutil_read_file("Makefile");
    const char *rule = strstr(mk, "\nmpi-if-possible:");
    CU_ASSERT_FATAL(rule != NULL);
    const char *end = strstr(rule + 1, "\n\n");
    CU_ASSERT_FATAL(end != NULL);
    char recipe[1024];
    snprintf(recipe, sizeof recipe, "%.*s", (int)(end - rule), rule);
    TESTUTIL_ASSERT_CONTAINS(recipe, "command -v $(MPICC)");
    CU_ASSERT(!testutil_contains(recipe, "APT_INSTALL"));
    free(mk);
}

/* tests/run-suites.sh on two fake suites, one passing with a skipped test
 * and one failing: one line each, the failing one's output, the total,
 * exit 1, the same when one runs alone after the other; --total adds up
 * summaries. */
static void test_suite_runner(void)
{
    char *dir = testutil_temp_dir();
    char cmd[4096];
    snprintf(cmd, sizeof cmd,
             "cd %s && printf '#!/bin/sh\\necho \"Suite: ok\"\\necho \"    skipped: X (no Y)\"\\n"
             "echo \"noise on stderr\" >&2\\n"
             "echo \"               tests      3      3      3      0        0\"\\n"
             "echo \"             asserts     12     12     12      0      n/a\"\\n' > test_ok && "
             "printf '#!/bin/sh\\necho \"  Test: t ...FAILED\"\\necho \"why it failed\" >&2\\n"
             "echo \"               tests      2      2      1      1        0\"\\n"
             "echo \"             asserts      5      5      4      1      n/a\"\\nexit 1\\n' > test_bad && "
             "chmod +x test_ok test_bad",
             dir);
    CU_ASSERT_EQUAL_FATAL(testutil_run(cmd, NULL, NULL), 0);
    char *out = NULL, *err = NULL;
    snprintf(cmd, sizeof cmd, "sh tests/run-suites.sh %s/logs %s/test_ok %s/test_bad", dir, dir, dir);
    int rc = testutil_run(cmd, &out, &err);
    CU_ASSERT_EQUAL(rc, 1);
    TESTUTIL_ASSERT_CONTAINS(out, "PASS test_ok  (3 tests, 12 asserts, ");
    TESTUTIL_ASSERT_CONTAINS(out, "\n     skipped: X (no Y)\n");
    CU_ASSERT(!testutil_contains(out, "noise on stderr")); /* a passing suite's output stays in its log */
    TESTUTIL_ASSERT_CONTAINS(out, "FAIL test_bad  (2 tests, 5 asserts, 1 tests failed, 1 asserts failed, ");
    TESTUTIL_ASSERT_CONTAINS(out, "; exit 1); its output");
    TESTUTIL_ASSERT_CONTAINS(out, "\n  | why it failed\n");
    size_t len = strlen(out);
    const char *last = "\n1 passed, 1 failed\n";
    CU_ASSERT(len > strlen(last) && strcmp(out + len - strlen(last), last) == 0);
    free(out);
    free(err);

    /* Side by side or alone, the report is the same, in the order given. */
    char *out2 = NULL;
    snprintf(cmd, sizeof cmd, "SUITE_JOBS=2 ALONE_SUITES='test_bad' sh tests/run-suites.sh %s/logs2 %s/test_ok %s/test_bad",
             dir, dir, dir);
    rc = testutil_run(cmd, &out2, NULL);
    CU_ASSERT_EQUAL(rc, 1);
    const char *ok2 = out2 ? strstr(out2, "PASS test_ok") : NULL, *bad2 = out2 ? strstr(out2, "FAIL test_bad") : NULL;
    CU_ASSERT(ok2 != NULL && bad2 != NULL && ok2 < bad2);
    TESTUTIL_ASSERT_CONTAINS(out2, "\n1 passed, 1 failed\n");
    free(out2);

    char path[1024];
    snprintf(path, sizeof path, "%s/logs/test_ok.log", dir);
    char *log = testutil_read_file(path);
    TESTUTIL_ASSERT_CONTAINS(log, "noise on stderr");
    free(log);

    snprintf(cmd, sizeof cmd, "sh tests/run-suites.sh --total %s/logs/summary %s/logs/summary %s/none", dir, dir,
             dir);
    rc = testutil_run(cmd, &out, NULL);
    CU_ASSERT_EQUAL(rc, 1);
    CU_ASSERT_STRING_EQUAL(out, "2 passed, 2 failed\n");
    free(out);
    testutil_remove_dir(dir);
}

static void add_tests(CU_pSuite s)
{
    CU_add_test(s, "README's install line names every package", test_readme_lists_every_package);
    CU_add_test(s, "one apt recipe, no recommends, MPI only on request", test_one_apt_recipe);
    CU_add_test(s, "the suite runner: a line per suite, failures whole", test_suite_runner);
}

int main(void)
{
    return testutil_main("setup", add_tests);
}
