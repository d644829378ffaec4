/* lambdasim: command-line entry point. Dispatches to one function per
 * command (cli.h); exit codes: 0 ok, 1 the run failed, 2 bad usage or input. */
#include <stdio.h>
#include <gsl/gsl_errno.h>
#ifdef LAMBDASIM_MPI
#include <mpi.h>
#endif
#include "cli/cli.h"
#include "base/interrupt.h"
#include "base/version.h"

static const struct cli_opt top_opts[] = {
    CLI_ROW_HELP,
    { .id = CLI_O_OWN, .short_name = 'V', .name = "version", .help = "show the version" },
    CLI_ROW_END,
};

/* The options before the command; its name is read as an argument. */
static const struct cli_spec top_spec = { .name = "", .opts = top_opts };

static int dispatch(int argc, char **argv)
{
    if (argc < 2) {
        cli_print_usage(stderr);
        return CLI_USAGE;
    }
    const char *name = argv[1];
    if (name[0] == '-' && name[1] != '\0') {
        /* lambdasim -h, --help, -V, --version; --help=x and the like are refused. */
        struct cli_parser p;
        cli_parser_init(&p, &top_spec, 1, argv + 1);
        const char *v;
        int id = cli_parser_next(&p, &v);
        cli_parser_fini(&p);
        if (id == CLI_O_HELP) {
            cli_print_usage(stdout);
            return CLI_OK;
        }
        if (id == CLI_O_OWN) {
            printf("lambdasim %s\n", LAMBDASIM_VERSION);
            return CLI_OK;
        }
        if (id != CLI_PARSE_ERROR)
            return cli_usage_error("", "'%s' comes before the command: lambdasim COMMAND [ARGS]", name);
        return CLI_USAGE;
    }
    const struct cli_spec *c = cli_find_command(name);
    if (c == NULL)
        return cli_unknown_command("", "unknown command", name);
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
