/* test_layout: the source tree by layer (issue 19). tests/lint/layers.sh,
 * the include-direction check of `make lint`, passes on src/ and catches
 * each kind of violation in a tree made for the purpose: a layer that
 * includes a layer above it (a CLI header outside src/cli, an emulator
 * header outside src/real, formats from the core), an include without a
 * layer prefix, one naming no file, and a file outside the layer folders.
 * Run from the repository root, as `make test` does. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "testutil.h"
#include "base/xalloc.h"

/* Writes DIR/REL (making its folder) with `text`. */
static void put(const char *dir, const char *rel, const char *text)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", dir, rel);
    char *slash = strrchr(path, '/');
    for (char *p = path + strlen(dir) + 1; p < slash; p++) {
        if (*p == '/') {
            *p = '\0';
            mkdir(path, 0755);
            *p = '/';
        }
    }
    *slash = '\0';
    mkdir(path, 0755);
    *slash = '/';
    FILE *f = fopen(path, "w");
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    fputs(text, f);
    CU_ASSERT_EQUAL(fclose(f), 0);
}

/* Runs the checker on dir; returns its exit code, stdout in *out. */
static int check(const char *dir, char **out)
{
    char cmd[1200];
    snprintf(cmd, sizeof cmd, "sh tests/lint/layers.sh '%s'", dir);
    return testutil_run(cmd, out, NULL);
}

static size_t count_lines(const char *s)
{
    size_t n = 0;
    for (; s != NULL && *s != '\0'; s++)
        n += *s == '\n';
    return n;
}

static void test_repository_tree(void)
{
    char *out = NULL;
    CU_ASSERT_EQUAL(check("src", &out), 0);
    CU_ASSERT_EQUAL(count_lines(out), 1);
    CU_ASSERT_PTR_NOT_NULL_FATAL(out);
    CU_ASSERT_EQUAL(strncmp(out, "layers: no violations (", 23), 0);
    free(out);
    /* The public include directory is gone. */
    CU_ASSERT_FALSE(testutil_exists("include"));
}

/* A tree where every layer uses only what it may: no finding. */
static void test_clean_tree(void)
{
    char *dir = testutil_temp_dir();
    put(dir, "base/b.h", "int b(void);\n");
    put(dir, "core/c.h", "#include \"base/b.h\"\n");
    put(dir, "formats/f.h", "#include \"core/c.h\"\n");
    put(dir, "analysis/a.h", "#include \"formats/f.h\"\n");
    put(dir, "real/r.h", "#include \"analysis/a.h\"\n");
    put(dir, "real/worker/w.c", "#include \"real/r.h\"\n#include <stdio.h>\n");
    put(dir, "cli/cli.h", "#include \"real/r.h\"\n");
    put(dir, "cli/main.c", "#include \"cli/cli.h\"\n  #  include \"core/c.h\"\n");
    char *out = NULL;
    CU_ASSERT_EQUAL(check(dir, &out), 0);
    TESTUTIL_ASSERT_CONTAINS(out, "layers: no violations (8 files, 8 includes)\n");
    CU_ASSERT_EQUAL(count_lines(out), 1);
    free(out);
    testutil_remove_dir(dir);
}

/* Every kind of violation, each named by file, line and rule. */
static void test_violations(void)
{
    char *dir = testutil_temp_dir();
    put(dir, "base/b.h", "int b(void);\n");
    put(dir, "core/c.h", "#include \"base/b.h\"\n");
    put(dir, "core/engine.c", "#include \"core/c.h\"\n\n#include \"formats/f.h\"\n");
    put(dir, "formats/f.h", "#include \"core/c.h\"\n");
    put(dir, "analysis/a.c", "#include \"real/r.h\"\n");
    put(dir, "real/r.h", "#include \"cli/cli.h\"\n");
    put(dir, "cli/cli.h", "int cli(void);\n");
    put(dir, "base/x.c", "#include \"b.h\"\n");
    put(dir, "formats/g.c", "#include \"inc/g.h\"\n#include \"formats/gone.h\"\n");
    put(dir, "stray.c", "int stray;\n");
    char *out = NULL;
    CU_ASSERT_EQUAL(check(dir, &out), 1);
    char line[1400];
    snprintf(line, sizeof line, "%s/core/engine.c:3: #include \"formats/f.h\": core may not include "
             "formats (core may include: base core)\n", dir);
    TESTUTIL_ASSERT_CONTAINS(out, line);
    snprintf(line, sizeof line, "%s/analysis/a.c:1: #include \"real/r.h\": analysis may not include "
             "real (analysis may include: base core formats analysis)\n", dir);
    TESTUTIL_ASSERT_CONTAINS(out, line);
    snprintf(line, sizeof line, "%s/real/r.h:1: #include \"cli/cli.h\": real may not include cli "
             "(real may include: base core formats analysis real)\n", dir);
    TESTUTIL_ASSERT_CONTAINS(out, line);
    snprintf(line, sizeof line, "%s/base/x.c:1: #include \"b.h\" names no layer", dir);
    TESTUTIL_ASSERT_CONTAINS(out, line);
    snprintf(line, sizeof line, "%s/formats/g.c:1: #include \"inc/g.h\": inc is not a layer", dir);
    TESTUTIL_ASSERT_CONTAINS(out, line);
    snprintf(line, sizeof line, "%s/formats/g.c:2: #include \"formats/gone.h\": no such file", dir);
    TESTUTIL_ASSERT_CONTAINS(out, line);
    snprintf(line, sizeof line, "%s/stray.c:1: not in a layer folder", dir);
    TESTUTIL_ASSERT_CONTAINS(out, line);
    TESTUTIL_ASSERT_CONTAINS(out, "layers: 7 violations (10 files, 9 includes)\n");
    CU_ASSERT_EQUAL(count_lines(out), 8);
    free(out);
    testutil_remove_dir(dir);
}

/* One bad include in an otherwise clean tree is enough to fail. */
static void test_one_violation_fails(void)
{
    char *dir = testutil_temp_dir();
    put(dir, "base/b.h", "int b(void);\n");
    put(dir, "real/emulate.h", "#include \"base/b.h\"\n");
    put(dir, "formats/trace.c", "#include \"base/b.h\"\n#include \"real/emulate.h\"\n");
    char *out = NULL;
    CU_ASSERT_EQUAL(check(dir, &out), 1);
    TESTUTIL_ASSERT_CONTAINS(out, "/formats/trace.c:2: #include \"real/emulate.h\": formats may not "
                             "include real");
    TESTUTIL_ASSERT_CONTAINS(out, "layers: 1 violation (3 files, 3 includes)\n");
    free(out);
    testutil_remove_dir(dir);
}

static void add_tests(CU_pSuite s)
{
    CU_add_test(s, "src/ obeys the layer rules", test_repository_tree);
    CU_add_test(s, "a tree that obeys them passes", test_clean_tree);
    CU_add_test(s, "every kind of violation is named", test_violations);
    CU_add_test(s, "one bad include fails the check", test_one_violation_fails);
}

int main(void)
{
    return testutil_main("layout", add_tests);
}
