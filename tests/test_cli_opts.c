/* test_cli_opts: the option-table machinery (cli_opts.h) on a table of its
 * own: getopt conventions, the safety checks on values, the messages, and
 * the --help generated from the table. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cli.h"
#include "cli_opts.h"
#include "testutil.h"

enum { O_OUT = CLI_O_OWN, O_RESUME, O_REQUESTS, O_MODE };

static const struct cli_opt test_opts[] = {
    CLI_ROW_SEED("master seed"),
    CLI_ROW_SET(CLI_SET_HELP),
    CLI_ROW_FORCE("replace files"),
    CLI_ROW_JSON("print JSON"),
    { .id = O_OUT, .short_name = 'o', .name = "output", .metavar = "FILE", .complete = CLI_C_FILE,
      .help = "the file to write" },
    { .id = O_RESUME, .name = "resume", .help = "go on" },
    { .id = O_REQUESTS, .name = "requests-csv", .metavar = "FILE", .complete = CLI_C_FILE,
      .help = "one row per request, a help text long enough to be wrapped onto a second line of the help" },
    { .id = O_MODE, .name = "mode", .metavar = "MODE", .complete = CLI_C_WORDS, .words = "exact streaming",
      .help = "exact or streaming" },
    CLI_ROW_HELP,
    CLI_ROW_END,
};

static const struct cli_spec test_spec = {
    .name = "test", .summary = "a test", .synopsis = "FILE... [OPTIONS]",
    .about = "About the test.\n", .opts = test_opts, .notes = "Notes.\n", .args = CLI_C_JSON,
};

/* Parses the words of line (split at spaces) into a readable trace:
 * "id=value" per option, "arg=value" per argument, "error" on an error;
 * the error message, if any, goes to *err (caller frees). */
static char *parse(const char *line, char **err)
{
    char *copy = strdup(line), *words[32];
    int n = 0;
    for (char *w = strtok(copy, " "); w != NULL && n < 32; w = strtok(NULL, " "))
        words[n++] = w;
    static char trace[2048];
    trace[0] = '\0';
    struct testutil_stderr cap;
    testutil_stderr_begin(&cap);
    struct cli_parser p;
    cli_parser_init(&p, &test_spec, n, words);
    for (;;) {
        const char *v;
        int id = cli_parser_next(&p, &v);
        size_t at = strlen(trace);
        if (id == CLI_PARSE_END)
            break;
        if (id == CLI_PARSE_ERROR) {
            snprintf(trace + at, sizeof trace - at, "error");
            break;
        }
        if (id == CLI_PARSE_ARG)
            snprintf(trace + at, sizeof trace - at, "arg=%s ", v);
        else
            snprintf(trace + at, sizeof trace - at, "%d=%s ", id, v != NULL ? v : "");
    }
    cli_parser_fini(&p);
    char *e = testutil_stderr_end(&cap);
    if (err != NULL)
        *err = e;
    else
        free(e);
    free(copy);
    return strdup(trace);
}

static void expect(const char *line, const char *want)
{
    char *got = parse(line, NULL);
    if (strcmp(got, want) != 0)
        printf("\n    '%s': want '%s', got '%s'", line, want, got);
    CU_ASSERT_STRING_EQUAL(got, want);
    free(got);
}

static void expect_error(const char *line, const char *message)
{
    char *err = NULL;
    char *got = parse(line, &err);
    CU_ASSERT(strlen(got) >= 5 && strcmp(got + strlen(got) - 5, "error") == 0);
    if (strcmp(err, message) != 0)
        printf("\n    '%s': want\n%s    got\n%s", line, message, err);
    CU_ASSERT_STRING_EQUAL(err, message);
    free(err);
    free(got);
}

static void test_conventions(void)
{
    char want[256];
    /* --opt=value and --opt value; -o value, -ovalue; a bundle. */
    snprintf(want, sizeof want, "%d=5 %d=5 ", CLI_O_SEED, CLI_O_SEED);
    expect("--seed=5 --seed 5", want);
    snprintf(want, sizeof want, "%d=5 %d=x.png %d=y.png ", CLI_O_SEED, O_OUT, O_OUT);
    expect("-s5 -o x.png -oy.png", want);
    snprintf(want, sizeof want, "%d= %d=x.png ", CLI_O_FORCE, O_OUT);
    expect("-fo x.png", want);
    /* --set=KEY=VALUE: the first '=' ends the name. */
    snprintf(want, sizeof want, "%d=batching.threshold=4 ", CLI_O_SET);
    expect("--set=batching.threshold=4", want);
    /* Options and arguments in command-line order; "-" is an argument. */
    snprintf(want, sizeof want, "arg=a.json %d= arg=- arg=b ", CLI_O_JSON);
    expect("a.json --json - b", want);
    /* "--" ends the options. */
    snprintf(want, sizeof want, "%d= arg=-x.json arg=--json ", CLI_O_FORCE);
    expect("--force -- -x.json --json", want);
    /* Unique abbreviations, as GNU tools; an exact name wins. */
    snprintf(want, sizeof want, "%d=a.csv %d= %d=exact ", O_REQUESTS, O_RESUME, O_MODE);
    expect("--req a.csv --res --mo=exact", want);
    /* A value that looks like an option is fine when attached. */
    snprintf(want, sizeof want, "%d=--seed %d=-f ", O_OUT, O_OUT);
    expect("--output=--seed -o-f", want);
    /* Negative numbers and "-" are values. */
    snprintf(want, sizeof want, "%d=-1 %d=- ", CLI_O_SEED, O_OUT);
    expect("--seed -1 -o -", want);
    /* The parser starts afresh each time (one process, many command lines). */
    snprintf(want, sizeof want, "arg=x %d= ", CLI_O_FORCE);
    expect("x -f", want);
    expect("", "");
}

static void test_errors(void)
{
    const char *try = "Try 'lambdasim test --help'.\n";
    char want[512];
#define WANT(msg) (snprintf(want, sizeof want, "lambdasim: test: %s\n%s", (msg), try), want)
    expect_error("--bogus", WANT("unknown option '--bogus'"));
    expect_error("--bogus=1", WANT("unknown option '--bogus'"));
    expect_error("--sed 1", WANT("unknown option '--sed' (did you mean '--seed'?)"));
    expect_error("-x", WANT("unknown option '-x'"));
    expect_error("-fx", WANT("unknown option '-x'"));
    expect_error("--seed", WANT("option '--seed' needs a value"));
    expect_error("--se 1", WANT("option '--se' is ambiguous: it could be --seed, --set"));
    expect_error("--re", WANT("option '--re' is ambiguous: it could be --resume, --requests-csv"));
    expect_error("-s", WANT("option '-s' needs a value"));
    expect_error("--json=yes", WANT("option '--json' takes no value (got '--json=yes')"));
    expect_error("--requests-csv --seed 1",
                 WANT("option '--requests-csv' needs a value, not the option '--seed' (a file named so: ./--seed)"));
    expect_error("--req --seed 1",
                 WANT("option '--requests-csv' needs a value, not the option '--seed' (a file named so: ./--seed)"));
    expect_error("-o -f", WANT("option '-o' needs a value, not the option '-f' (a file named so: ./-f)"));
    expect_error("-fo --json", WANT("option '-o' needs a value, not the option '--json' (a file named so: ./--json)"));
#undef WANT
}

/* The help lists every option of the table, each once, with its value's
 * name, wrapped to 79 columns. */
static void test_help(void)
{
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    cli_opts_print_help(&test_spec, f);
    fclose(f);
    CU_ASSERT_EQUAL(strncmp(text, "Usage: lambdasim test FILE... [OPTIONS]\n\nAbout the test.\n\nOptions:\n", 67), 0);
    for (const struct cli_opt *o = test_opts; o->id != 0; o++) {
        char want[128];
        if (o->short_name != '\0')
            snprintf(want, sizeof want, "\n  -%c, --%s%s%s", o->short_name, o->name, o->metavar ? " " : "",
                     o->metavar ? o->metavar : "");
        else
            snprintf(want, sizeof want, "\n      --%s%s%s", o->name, o->metavar ? " " : "", o->metavar ? o->metavar : "");
        TESTUTIL_ASSERT_CONTAINS(text, want);
    }
    TESTUTIL_ASSERT_CONTAINS(text, "\n      --requests-csv FILE   one row per request, a help text long enough to be\n"
                                   "                            wrapped onto a second line of the help\n");
    TESTUTIL_ASSERT_CONTAINS(text, "\n      --set KEY.PATH=VALUE  change a scenario field");
    TESTUTIL_ASSERT_CONTAINS(text, "\nNotes.\n\nThe manual: man lambdasim (docs/reference/test.md");
    for (char *line = text; *line != '\0';) {
        size_t l = strcspn(line, "\n");
        CU_ASSERT(l <= 79);
        line += l + (line[l] == '\n');
    }
    free(text);
}

static void add_tests(CU_pSuite s)
{
    CU_add_test(s, "getopt conventions", test_conventions);
    CU_add_test(s, "usage errors", test_errors);
    CU_add_test(s, "help from the table", test_help);
}

int main(void)
{
    return testutil_main("cli_opts", add_tests);
}
