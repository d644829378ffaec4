/* lambdasim: command-line entry point. Dispatches to one function per
 * command (cli.h); exit codes: 0 ok, 1 the run failed, 2 bad usage or input. */
#include <stdio.h>
#include <string.h>
#include <gsl/gsl_errno.h>
#ifdef LAMBDASIM_MPI
#include <mpi.h>
#endif
#include "cli/cli.h"
#include "base/interrupt.h"
#include "base/version.h"

/* Add a command here and in cli.h; its file is src/cli/cli_<name>.c. */
static const struct cli_command commands[] = {
    { "run", "simulate one scenario and report what a user measures", cli_run_usage, cli_run },
    { "sweep", "grid search: many settings x seeds, ranked, with a Pareto front",
      cli_sweep_usage, cli_sweep },
    { "merge", "combine the shard files of a sweep into its result", cli_merge_usage, cli_merge },
    { "explain", "narrate a run event by event and diagnose its latency tail",
      cli_explain_usage, cli_explain },
    { "plot", "draw a figure (PNG) from our CSV outputs with gnuplot", cli_plot_usage, cli_plot },
    { "calibrate", "fit a model profile to real Lambda and client logs",
      cli_calibrate_usage, cli_calibrate },
    { "validate", "replay observed arrivals and compare predicted with measured latency",
      cli_validate_usage, cli_validate },
    { "profile", "measure the real MNIST function on this machine into a model profile",
      cli_profile_usage, cli_profile },
    { "emulate", "run a scenario for real: real clock, real worker processes, measured times",
      cli_emulate_usage, cli_emulate },
};
#define N_COMMANDS (sizeof commands / sizeof commands[0])

static void print_usage(FILE *f)
{
    fputs("Usage: lambdasim COMMAND [ARGS]\n"
          "\n"
          "Predicts how serverless (AWS Lambda style) ML inference behaves behind a\n"
          "dynamic batching queue: latency percentiles, throughput, cold starts, cost.\n"
          "\n"
          "Commands:\n",
          f);
    for (size_t i = 0; i < N_COMMANDS; i++)
        fprintf(f, "  %-16s %s\n", commands[i].name, commands[i].summary);
    fputs("  help [COMMAND]   show help for a command\n"
          "\n"
          "Options:\n"
          "  -h, --help        show this help\n"
          "  -V, --version     show the version\n"
          "\n"
          "Exit codes: 0 success, 1 the run failed, 2 bad command line or input file.\n"
          "Scenario and output fields are documented in README.md.\n",
          f);
}

static const struct cli_command *find(const char *name)
{
    for (size_t i = 0; i < N_COMMANDS; i++)
        if (strcmp(commands[i].name, name) == 0)
            return &commands[i];
    return NULL;
}

static int dispatch(int argc, char **argv)
{
    if (argc < 2) {
        print_usage(stderr);
        return CLI_USAGE;
    }
    const char *name = argv[1];
    if (strcmp(name, "-h") == 0 || strcmp(name, "--help") == 0) {
        print_usage(stdout);
        return CLI_OK;
    }
    if (strcmp(name, "-V") == 0 || strcmp(name, "--version") == 0) {
        printf("lambdasim %s\n", LAMBDASIM_VERSION);
        return CLI_OK;
    }
    if (strcmp(name, "help") == 0) {
        if (argc < 3) {
            print_usage(stdout);
            return CLI_OK;
        }
        const struct cli_command *c = find(argv[2]);
        if (c == NULL)
            return cli_usage_error("", "no help for unknown command '%s'", argv[2]);
        fputs(c->usage, stdout);
        return CLI_OK;
    }
    const struct cli_command *c = find(name);
    if (c == NULL)
        return cli_usage_error("", "unknown command '%s'", name);
    return c->fn(argc - 2, argv + 2);
}

int main(int argc, char **argv)
{
    /* Every GSL parameter is validated at load time, so a GSL error at run
     * time is a bug: let it abort loudly rather than print and go on. Set
     * here, before any command starts threads. */
    gsl_set_error_handler(NULL);
    /* A signal that ends the process must not leave half-written output
     * files behind; set before any command starts threads. */
    (void)interrupt_guard_temps();
#ifdef LAMBDASIM_MPI
    /* Only the main thread of each rank calls MPI (sweep workers do not). */
    int provided = 0;
    MPI_Init_thread(&argc, &argv, MPI_THREAD_FUNNELED, &provided);
    int rc = dispatch(argc, argv);
    MPI_Finalize();
    return rc;
#else
    return dispatch(argc, argv);
#endif
}
