/* test_catalogue: every row of tests/bad_inputs/README.md through the real
 * binary: the command must exit with the row's code, print nothing on
 * stdout and one message on stderr that holds the row's fragment. The
 * table is the documentation, so it cannot drift from the program. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "testutil.h"

#define CATALOGUE "tests/bad_inputs/README.md"

/* The text between the first pair of backticks in [s, end), copied to out. */
static int between_ticks(const char *s, const char *end, char *out, size_t cap)
{
    const char *a = memchr(s, '`', (size_t)(end - s));
    if (a == NULL)
        return -1;
    const char *b = memchr(a + 1, '`', (size_t)(end - a - 1));
    if (b == NULL || (size_t)(b - a - 1) >= cap)
        return -1;
    memcpy(out, a + 1, (size_t)(b - a - 1));
    out[b - a - 1] = '\0';
    return 0;
}

/* "| input | `command` | exit | `fragment` |": 0 and the parts, or -1. */
static int parse_row(const char *line, char *cmd, size_t cmd_cap, int *code, char *frag, size_t frag_cap)
{
    if (strncmp(line, "| ", 2) != 0 || strstr(line, "| `lambdasim") == NULL)
        return -1;
    const char *c1 = strstr(line, " | `lambdasim");
    const char *c2 = c1 != NULL ? strstr(c1 + 3, "` | ") : NULL;
    if (c2 == NULL)
        return -1;
    if (between_ticks(c1, c2 + 1, cmd, cmd_cap) != 0)
        return -1;
    char *end = NULL;
    long v = strtol(c2 + 4, &end, 10);
    if (end == c2 + 4 || strncmp(end, " | `", 4) != 0)
        return -1;
    *code = (int)v;
    return between_ticks(end + 3, end + strlen(end), frag, frag_cap);
}

static void test_catalogue(void)
{
    char *table = testutil_read_file(CATALOGUE);
    CU_ASSERT_PTR_NOT_NULL_FATAL(table);
    int rows = 0, bad = 0;
    for (char *line = strtok(table, "\n"); line != NULL; line = strtok(NULL, "\n")) {
        char cmd[2048], frag[1024], full[4096];
        int code = 0;
        if (parse_row(line, cmd, sizeof cmd, &code, frag, sizeof frag) != 0) {
            /* A table row we cannot read is an error in the catalogue. */
            if (strncmp(line, "| ", 2) == 0 && strstr(line, "`lambdasim") != NULL) {
                printf("\n    unreadable row: %s", line);
                bad++;
            }
            continue;
        }
        rows++;
        snprintf(full, sizeof full, "%s%s", testutil_bin(), cmd + strlen("lambdasim"));
        char *out = NULL, *err = NULL;
        int rc = testutil_run(full, &out, &err);
        bool ok = rc == code && out != NULL && out[0] == '\0' && err != NULL &&
                  strstr(err, frag) != NULL;
        if (!ok) {
            printf("\n    %s\n      want exit %d and '%s'\n      got exit %d, stdout %zu bytes, stderr: %s", cmd,
                   code, frag, rc, out != NULL ? strlen(out) : 0, err != NULL ? err : "(none)");
            bad++;
        }
        free(out);
        free(err);
    }
    printf("\n    %d catalogued bad inputs checked", rows);
    CU_ASSERT_EQUAL(bad, 0);
    CU_ASSERT(rows >= 40);
    free(table);
}

/* Each kind the issue names has rows: scenario, model, trace, log, sweep
 * and the command line of every command. */
static void test_catalogue_coverage(void)
{
    char *table = testutil_read_file(CATALOGUE);
    CU_ASSERT_PTR_NOT_NULL_FATAL(table);
    static const char *const kinds[] = { "| scenario |", "| model |", "| trace |", "| log |", "| sweep |",
                                         "| command line |" };
    for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++) {
        if (strstr(table, kinds[i]) == NULL)
            printf("\n    no row of kind %s", kinds[i]);
        CU_ASSERT(strstr(table, kinds[i]) != NULL);
    }
    static const char *const commands[] = { "run", "sweep", "merge", "explain", "plot", "report", "calibrate",
                                            "validate", "profile", "emulate" };
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++) {
        char pat[64];
        snprintf(pat, sizeof pat, "| command line | `lambdasim %s", commands[i]);
        if (strstr(table, pat) == NULL)
            printf("\n    no command-line row for '%s'", commands[i]);
        CU_ASSERT(strstr(table, pat) != NULL);
    }
    free(table);
}

static void add_tests(CU_pSuite s)
{
    CU_add_test(s, "every catalogued bad input, through the CLI", test_catalogue);
    CU_add_test(s, "every kind of input and every command has rows", test_catalogue_coverage);
}

int main(void)
{
    return testutil_main("bad-input catalogue", add_tests);
}
