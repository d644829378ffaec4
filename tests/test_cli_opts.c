/* test_cli_opts: the option-table machinery (cli_opts.h) on a table of its
 * own: getopt conventions, the safety checks on values, the messages, and
 * the --help generated from the table. */
#define _DEFAULT_SOURCE /* realpath */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "cli/cli.h"
#include "cli/cli_opts.h"
#include "analysis/plot.h"
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

/* ---- the machinery, on the table above ------------------------------------ */

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
    TESTUTIL_ASSERT_CONTAINS(text, "\nNotes.\n\nThe manual: man lambdasim (docs/reference/ in the source tree).\n");
    for (char *line = text; *line != '\0';) {
        size_t l = strcspn(line, "\n");
        CU_ASSERT(l <= 79);
        line += l + (line[l] == '\n');
    }
    free(text);
}

/* ---- the commands, through the binary --------------------------------------- */

#define SCEN "tests/data/scenario-minimal.json"

/* stdout of `lambdasim ARGS`, which must exit with code want_rc. */
static char *out_of(int want_rc, const char *args)
{
    char *out = NULL, *err = NULL;
    int rc = testutil_runf(&out, &err, "%s", args);
    if (rc != want_rc)
        printf("\n    lambdasim %s: exit %d (want %d): %s", args, rc, want_rc, err);
    CU_ASSERT_EQUAL(rc, want_rc);
    free(err);
    return out;
}

/* `lambdasim A` and `lambdasim B` both succeed with the same stdout. */
static void expect_same(const char *a, const char *b)
{
    char *oa = out_of(0, a), *ob = out_of(0, b);
    if (oa == NULL || ob == NULL) {
        CU_FAIL("no output");
        free(oa);
        free(ob);
        return;
    }
    if (strcmp(oa, ob) != 0)
        printf("\n    'lambdasim %s' and 'lambdasim %s' differ", a, b);
    CU_ASSERT(oa[0] != '\0' && strcmp(oa, ob) == 0);
    free(oa);
    free(ob);
}

/* `lambdasim ARGS` exits 2, prints nothing on stdout and exactly want on stderr. */
static void expect_stderr(const char *args, const char *want)
{
    char *out = NULL, *err = NULL;
    int rc = testutil_runf(&out, &err, "%s", args);
    CU_ASSERT_EQUAL(rc, 2);
    CU_ASSERT(out != NULL && out[0] == '\0');
    if (err == NULL || strcmp(err, want) != 0)
        printf("\n    lambdasim %s: want\n%s    got\n%s", args, want, err);
    CU_ASSERT(err != NULL && strcmp(err, want) == 0);
    free(out);
    free(err);
}

static void test_binary_conventions(void)
{
    /* --opt=VALUE is --opt VALUE, byte for byte; and the seed matters. */
    expect_same("run " SCEN " --json --seed=5", "run " SCEN " --json --seed 5");
    expect_same("run " SCEN " --json -s5", "run " SCEN " --json -s 5");
    char *s5 = out_of(0, "run " SCEN " --json --seed 5"), *s6 = out_of(0, "run " SCEN " --json --seed 6");
    CU_ASSERT(s5 != NULL && s6 != NULL && strcmp(s5, s6) != 0);
    free(s5);
    free(s6);
    expect_same("run " SCEN " --json --set=batching.threshold=4 --set=batching.timeout_s=1",
                 "run " SCEN " --json --set batching.threshold=4 --set batching.timeout_s=1");
    /* Options before and after the argument; a unique abbreviation. */
    expect_same("run --json --stats streaming " SCEN, "run " SCEN " --json --stats streaming");
    expect_same("run " SCEN " --js --stat=streaming", "run " SCEN " --json --stats streaming");
    expect_same("help run", "run --help");
    expect_same("help sweep", "sweep -h");
    expect_same("help", "--help");
    /* help --help and help -h: help's own help, exit 0. */
    char *h = out_of(0, "help --help");
    TESTUTIL_ASSERT_CONTAINS(h, "Usage: lambdasim help [COMMAND]");
    free(h);
    h = out_of(0, "-V");
    CU_ASSERT(h != NULL && strncmp(h, "lambdasim ", 10) == 0);
    free(h);
}

/* Bundled short options: -fo FILE replaces FILE as --force --out FILE does. */
static void test_bundled(void)
{
    char *dir = testutil_temp_dir(), args[2048];
    snprintf(args, sizeof args, "sweep tests/data/sweep-small.json -j1 --out %s/a.csv", dir);
    free(out_of(0, args));
    snprintf(args, sizeof args, "sweep tests/data/sweep-small.json -j1 -o %s/a.csv", dir);
    free(out_of(2, args)); /* exists, no --force */
    snprintf(args, sizeof args, "sweep tests/data/sweep-small.json -j1 -fo %s/a.csv", dir);
    char *a = out_of(0, args);
    snprintf(args, sizeof args, "sweep tests/data/sweep-small.json --jobs=1 --force --out=%s/a.csv", dir);
    char *b = out_of(0, args);
    CU_ASSERT(a != NULL && b != NULL && a[0] != '\0' && strcmp(a, b) == 0);
    free(a);
    free(b);
    testutil_remove_dir(dir);
}

/* "--" ends the options: a scenario file named -x.json. */
static void test_double_dash(void)
{
    char *dir = testutil_temp_dir(), path[PATH_MAX + 64], cwd[PATH_MAX], bin[PATH_MAX], cmd[3 * PATH_MAX];
    CU_ASSERT_PTR_NOT_NULL_FATAL(getcwd(cwd, sizeof cwd));
    CU_ASSERT_PTR_NOT_NULL_FATAL(realpath(testutil_bin(), bin));
    snprintf(path, sizeof path, "%s/-x.json", dir);
    FILE *f = fopen(path, "w");
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    fprintf(f, "{\"requests\": 100, \"workload\": {\"type\": \"uniform\", \"rate_rps\": 2},\n"
               " \"function\": {\"model\": \"%s/tests/data/model-simple.json\"}}\n", cwd);
    fclose(f);
    char *out = NULL, *err = NULL, *want = out_of(0, "run " SCEN " --json");
    snprintf(cmd, sizeof cmd, "cd '%s' && '%s' run --json -- -x.json", dir, bin);
    CU_ASSERT_EQUAL(testutil_run(cmd, &out, &err), 0);
    /* The same run but for the scenario's name in the output. */
    CU_ASSERT(out != NULL && want != NULL && strstr(out, "\"-x\"") != NULL &&
              strlen(out) + strlen("scenario-minimal") - strlen("-x") == strlen(want));
    free(out);
    free(err);
    free(want);
    /* Without "--" it is an option. */
    snprintf(cmd, sizeof cmd, "cd '%s' && '%s' run --json -x.json", dir, bin);
    CU_ASSERT_EQUAL(testutil_run(cmd, &out, &err), 2);
    TESTUTIL_ASSERT_CONTAINS(err, "lambdasim: run: unknown option '-x'\n");
    free(out);
    free(err);
    testutil_remove_dir(dir);
}

static void test_binary_errors(void)
{
    expect_stderr("run " SCEN " --bogus", "lambdasim: run: unknown option '--bogus'\nTry 'lambdasim run --help'.\n");
    expect_stderr("run " SCEN " --tim 5",
                  "lambdasim: run: option '--tim' is ambiguous: it could be --timeline-csv, --timing, --time-limit\n"
                  "Try 'lambdasim run --help'.\n");
    expect_stderr("run " SCEN " --sede 1",
                  "lambdasim: run: unknown option '--sede' (did you mean '--seed'?)\nTry 'lambdasim run --help'.\n");
    expect_stderr("run " SCEN " --json=1",
                  "lambdasim: run: option '--json' takes no value (got '--json=1')\nTry 'lambdasim run --help'.\n");
    expect_stderr("run " SCEN " --requests-csv --seed 1",
                  "lambdasim: run: option '--requests-csv' needs a value, not the option '--seed' (a file named "
                  "so: ./--seed)\nTry 'lambdasim run --help'.\n");
    expect_stderr("run " SCEN " -s", "lambdasim: run: option '-s' needs a value\nTry 'lambdasim run --help'.\n");
    expect_stderr("rnu", "lambdasim: unknown command 'rnu' (did you mean 'run'?)\nTry 'lambdasim --help'.\n");
    expect_stderr("help swep", "lambdasim: help: no help for unknown command 'swep' (did you mean 'sweep'?)\n"
                               "Try 'lambdasim help --help'.\n");
    expect_stderr("--bogus", "lambdasim: unknown option '--bogus'\nTry 'lambdasim --help'.\n");
}

/* Every command's --help names every option of its table, and nothing
 * goes past 79 columns. */
static void test_every_help(void)
{
    for (size_t i = 0; i < cli_n_commands; i++) {
        const struct cli_spec *c = cli_commands[i];
        char args[128];
        snprintf(args, sizeof args, "%s --help", c->name);
        char *out = out_of(0, args);
        if (out == NULL) {
            CU_FAIL("no output");
            continue;
        }
        char head[128];
        snprintf(head, sizeof head, "Usage: lambdasim %s ", c->name);
        CU_ASSERT_EQUAL(strncmp(out, head, strlen(head)), 0);
        for (const struct cli_opt *o = c->opts; o->id != 0; o++) {
            char want[128];
            snprintf(want, sizeof want, "--%s%s%s", o->name, o->metavar ? " " : "", o->metavar ? o->metavar : "");
            TESTUTIL_ASSERT_CONTAINS(out, want);
            if (o->short_name != '\0') {
                snprintf(want, sizeof want, "  -%c, --%s", o->short_name, o->name);
                TESTUTIL_ASSERT_CONTAINS(out, want);
            }
        }
        TESTUTIL_ASSERT_CONTAINS(out, "man lambdasim");
        CU_ASSERT_PTR_NULL(strstr(out, "README"));
        for (char *line = out; *line != '\0';) {
            size_t l = strcspn(line, "\n");
            if (l > 79)
                printf("\n    %s --help: a line of %zu columns: %.*s", c->name, l, (int)l, line);
            CU_ASSERT(l <= 79);
            line += l + (line[l] == '\n');
        }
        free(out);
        /* The main help lists the command. */
    }
    char *top = out_of(0, "--help");
    for (size_t i = 0; i < cli_n_commands; i++) {
        char want[64];
        snprintf(want, sizeof want, "\n  %s ", cli_commands[i]->name);
        TESTUTIL_ASSERT_CONTAINS(top, want);
    }
    free(top);
}

/* plot's kinds for completion are plot's own list. */
static void test_plot_kinds(void)
{
    char kinds[256] = "";
    for (int k = 0; k < PLOT_N_KINDS; k++) {
        size_t at = strlen(kinds);
        snprintf(kinds + at, sizeof kinds - at, "%s%s", k > 0 ? " " : "", plot_kind_name((enum plot_kind)k));
    }
    CU_ASSERT_EQUAL(cli_plot_spec.first_args, CLI_C_WORDS);
    CU_ASSERT_STRING_EQUAL(cli_plot_spec.first_words, kinds);
}

/* The bash completion script: loaded by bash, it completes commands,
 * options, option values and arguments (COMPREPLY after calling the
 * function as bash would, with COMP_WORDS and COMP_CWORD set). */
static char *complete(const char *words)
{
    char cmd[4096], *out = NULL, *err = NULL;
    snprintf(cmd, sizeof cmd,
             "bash --norc --noprofile -c 'source <(\"$0\" completion bash) || exit 9; complete -p lambdasim || exit 8; "
             "COMP_WORDS=(%s); COMP_CWORD=$((${#COMP_WORDS[@]} - 1)); _lambdasim; echo \"${COMPREPLY[*]}\"' '%s'",
             words, testutil_bin());
    int rc = testutil_run(cmd, &out, &err);
    if (rc != 0)
        printf("\n    completion of (%s): exit %d: %s", words, rc, err);
    CU_ASSERT_EQUAL(rc, 0);
    free(err);
    /* The last line is COMPREPLY (complete -p prints a line first). */
    char *nl = out != NULL ? strrchr(out, '\n') : NULL;
    if (nl != NULL)
        *nl = '\0';
    char *last = out != NULL ? strrchr(out, '\n') : NULL;
    char *r = strdup(last != NULL ? last + 1 : out != NULL ? out : "");
    free(out);
    return r;
}

static void expect_completion(const char *words, const char *want)
{
    char *got = complete(words);
    if (strcmp(got, want) != 0)
        printf("\n    completion of (%s): want '%s', got '%s'", words, want, got);
    CU_ASSERT_STRING_EQUAL(got, want);
    free(got);
}

static void test_completion(void)
{
    if (testutil_run("command -v bash >/dev/null", NULL, NULL) != 0) {
        testutil_skip("bash completion (no bash)");
        return;
    }
    expect_completion("lambdasim ru", "run");
    expect_completion("lambdasim run --ti", "--timeline-csv --timing --time-limit");
    expect_completion("lambdasim run x.json --stats \"\"", "exact streaming");
    expect_completion("lambdasim run x.json --stats = st", "streaming");
    expect_completion("lambdasim sweep -", "--out -o --replications-csv --json --interval-level --jobs -j --resume --shard --force -f --timing "
                                           "--time-limit --help -h");
    expect_completion("lambdasim plot \"\"", "cdf histogram timeline queue heatmap pareto paper line");
    expect_completion("lambdasim plot cdf tests/data/log-cl", "tests/data/log-client.csv");
    expect_completion("lambdasim plot --latency-from d", "dispatch");
    expect_completion("lambdasim help sw", "sweep");
    expect_completion("lambdasim completion \"\"", "bash");
    /* SCENARIO: *.json only; an option's FILE: any file; a number: nothing. */
    expect_completion("lambdasim run tests/data/scenario-mi", "tests/data/scenario-minimal.json");
    expect_completion("lambdasim run tests/data/trace-p", "");
    expect_completion("lambdasim run x.json --requests-csv tests/data/trace-p", "tests/data/trace-plain.txt");
    /* bash splits --opt=VALUE at the "=" (COMP_WORDBREAKS). */
    expect_completion("lambdasim run x.json --requests-csv = tests/data/trace-p", "tests/data/trace-plain.txt");
    expect_completion("lambdasim run x.json --seed \"\"", "");
    /* After "--", arguments only. */
    expect_completion("lambdasim run -- --j", "");
    /* Every command is offered, from the list of commands. */
    char *all = complete("lambdasim \"\"");
    for (size_t i = 0; i < cli_n_commands; i++)
        TESTUTIL_ASSERT_CONTAINS(all, cli_commands[i]->name);
    free(all);
}

static void add_tests(CU_pSuite s)
{
    CU_add_test(s, "getopt conventions", test_conventions);
    CU_add_test(s, "usage errors", test_errors);
    CU_add_test(s, "help from the table", test_help);
    CU_add_test(s, "the commands: --opt=value, order, abbreviations, help", test_binary_conventions);
    CU_add_test(s, "the commands: bundled short options", test_bundled);
    CU_add_test(s, "the commands: -- before a file named -x.json", test_double_dash);
    CU_add_test(s, "the commands: usage errors", test_binary_errors);
    CU_add_test(s, "every command's --help lists its table", test_every_help);
    CU_add_test(s, "plot kinds", test_plot_kinds);
    CU_add_test(s, "bash completion", test_completion);
}

int main(void)
{
    return testutil_main("cli_opts", add_tests);
}
