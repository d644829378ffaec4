/* cli_commands: the list of commands (in the order of the main help), and
 * the two that are about the others: `help` and `completion`. */
#include <stdio.h>
#include <stdint.h>
#include <string.h>
#include "cli/cli.h"
#include "base/textline.h"
#include "base/suggest.h"

static int cli_help(int argc, char **argv);
static int cli_completion(int argc, char **argv);

static const struct cli_opt help_opts[] = {
    CLI_ROW_HELP,
    CLI_ROW_END,
};

static const struct cli_spec help_spec = {
    .name = "help",
    .summary = "show the help of a command (the same as COMMAND --help)",
    .synopsis = "[COMMAND]",
    .about = "Shows the help of COMMAND (as 'lambdasim COMMAND --help'), or without one\n"
             "the list of commands (as 'lambdasim --help').\n",
    .opts = help_opts,
    .first_args = CLI_C_COMMANDS,
    .fn = cli_help,
};

static const struct cli_opt completion_opts[] = {
    CLI_ROW_HELP,
    CLI_ROW_END,
};

static const struct cli_spec completion_spec = {
    .name = "completion",
    .summary = "print the shell completion script (bash)",
    .synopsis = "bash",
    .about = "Prints a bash completion script for lambdasim: its commands, each command's\n"
             "options, file names for the options that take a file, *.json for SCENARIO\n"
             "and SWEEP arguments, and the words an option accepts (exact or streaming for\n"
             "the statistics mode, plot kinds). Load it with\n"
             "  source <(lambdasim completion bash)\n"
             "or install it as share/bash-completion/completions/lambdasim (`make install`\n"
             "does; the build writes it to build/lambdasim.bash).\n",
    .opts = completion_opts,
    .first_args = CLI_C_WORDS,
    .first_words = "bash",
    .fn = cli_completion,
};

/* Add a command here and in cli.h; its file is src/cli/cli_<name>.c. */
const struct cli_spec *const cli_commands[] = {
    &cli_run_spec, &cli_sweep_spec, &cli_merge_spec, &cli_explain_spec, &cli_plot_spec, &cli_report_spec,
    &cli_calibrate_spec, &cli_validate_spec, &cli_profile_spec, &cli_emulate_spec, &cli_serve_spec,
    &help_spec, &completion_spec,
};
const size_t cli_n_commands = sizeof cli_commands / sizeof cli_commands[0];

const struct cli_spec *cli_find_command(const char *name)
{
    for (size_t i = 0; i < cli_n_commands; i++)
        if (strcmp(cli_commands[i]->name, name) == 0)
            return cli_commands[i];
    return NULL;
}

int cli_unknown_command(const char *cmd, const char *what, const char *name)
{
    struct suggest sg;
    suggest_begin(&sg, name, strlen(name));
    for (size_t i = 0; i < cli_n_commands; i++)
        suggest_consider(&sg, cli_commands[i]->name);
    const char *best = suggest_result(&sg);
    if (best != NULL)
        return cli_usage_error(cmd, "%s '%s' (did you mean '%s'?)", what, name, best);
    return cli_usage_error(cmd, "%s '%s'", what, name);
}

void cli_print_usage(FILE *f)
{
    fputs("Usage: lambdasim COMMAND [ARGS]\n"
          "\n"
          "Predicts how serverless (AWS Lambda style) ML inference behaves behind a\n"
          "dynamic batching queue: latency percentiles, throughput, cold starts, cost.\n"
          "\n"
          "Commands:\n",
          f);
    for (size_t i = 0; i < cli_n_commands; i++)
        fprintf(f, "  %-16s %s\n", cli_commands[i]->name, cli_commands[i]->summary);
    fputs("\n"
          "Options:\n"
          "  -h, --help        show this help\n"
          "  -V, --version     show the version\n"
          "\n"
          "Every command takes --help. Options follow the GNU conventions: --NAME VALUE\n"
          "or --NAME=VALUE, a unique abbreviation of a long name, short options bundled\n"
          "(-fo FILE), '--' before an argument that starts with '-'; '-' as a file is\n"
          "standard input or output.\n"
          "Exit codes: 0 success, 1 the run failed, 2 bad command line or input file.\n"
          "The manual: man lambdasim; scenario fields: man 5 lambdasim-scenario\n"
          "(docs/reference/ in the source tree).\n",
          f);
}

/* The command line of help or completion: at most one argument, in *arg.
 * Returns -1 to go on, else the exit code. */
static int parse_one_arg(const struct cli_spec *spec, int argc, char **argv, const char **arg)
{
    int rc = -1;
    struct cli_parser p;
    cli_parser_init(&p, spec, argc, argv);
    *arg = NULL;
    while (rc < 0) {
        const char *v;
        int id = cli_parser_next(&p, &v);
        if (id == CLI_PARSE_END)
            break;
        if (id == CLI_PARSE_ERROR) {
            rc = CLI_USAGE;
        } else if (id == CLI_O_HELP) {
            cli_opts_print_help(spec, stdout);
            rc = CLI_OK;
        } else if (*arg != NULL) {
            rc = cli_usage_error(spec->name, "unexpected argument '%s' (one at most)", v);
        } else {
            *arg = v;
        }
    }
    cli_parser_fini(&p);
    return rc;
}

static int cli_help(int argc, char **argv)
{
    const char *name;
    int rc = parse_one_arg(&help_spec, argc, argv, &name);
    if (rc >= 0)
        return rc;
    if (name == NULL) {
        cli_print_usage(stdout);
        return CLI_OK;
    }
    const struct cli_spec *c = cli_find_command(name);
    if (c == NULL)
        return cli_unknown_command("help", "no help for unknown command", name);
    cli_opts_print_help(c, stdout);
    return CLI_OK;
}

static int cli_completion(int argc, char **argv)
{
    const char *shell;
    int rc = parse_one_arg(&completion_spec, argc, argv, &shell);
    if (rc >= 0)
        return rc;
    if (shell == NULL)
        return cli_usage_error("completion", "missing the shell (bash)");
    if (strcmp(shell, "bash") != 0)
        return cli_usage_error("completion", "no completion for the shell '%s' (only bash)", shell);
    cli_opts_print_bash(stdout, cli_commands, cli_n_commands);
    return CLI_OK;
}
