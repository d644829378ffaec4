/* cli_plot: `lambdasim plot`, figures from lambdasim's CSV outputs via
 * gnuplot (plot.h); the drawing scripts live in plots/. */
#include <assert.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "cli/cli.h"
#include "base/infile.h"
#include "analysis/plot.h"

enum { O_OUTPUT = CLI_O_OWN, O_TITLE, O_WINDOW, O_LATENCY_FROM, O_METRIC, O_X, O_Y, O_GNUPLOT_COMMANDS };

static const struct cli_opt opt_table[] = {
    { .id = O_OUTPUT, .short_name = 'o', .name = "output", .metavar = "FILE", .complete = CLI_C_FILE,
      .help = "the image to write, PNG, SVG or PDF by its name (.png, .svg, .pdf; "
              "required; - for a PNG on standard output)" },
    { .id = O_TITLE, .name = "title", .metavar = "TEXT", .help = "the figure's title (default: one per kind)" },
    CLI_ROW_FORCE("replace FILE if it exists"),
    { .id = O_WINDOW, .name = "window", .metavar = "T0:T1",
      .help = "timeline, queue: show only simulated times T0..T1 (s)" },
    { .id = O_LATENCY_FROM, .name = "latency-from", .metavar = "WHERE", .complete = CLI_C_WORDS,
      .words = "arrival dispatch",
      .help = "cdf, histogram, paper: 'arrival' or 'dispatch' (latency without the batching "
              "queue wait, as with the scenario field stats.latency_from). Default: as the runs "
              "timed it (the requests files' latency_from column; arrival for files without one)" },
    { .id = O_METRIC, .name = "metric", .metavar = "NAME",
      .help = "heatmap, line: the sweep metric (default latency_ms.p99)" },
    { .id = O_X, .name = "x", .metavar = "AXIS", .help = "heatmap, line: the sweep axis across (default: its "
      "first; line: a numeric one); pareto: the metric across, 'max METRIC' when higher is better (default "
      "cost_usd.total)" },
    { .id = O_Y, .name = "y", .metavar = "AXIS", .help = "heatmap: the sweep axis up (default: its second); "
      "line: one line per value of this axis (at most 8); pareto: the metric up (default latency_ms.p99)" },
    { .id = O_GNUPLOT_COMMANDS, .name = "gnuplot-commands", .metavar = "F", .complete = CLI_C_FILE,
      .help = "write gnuplot's command file (data inline) to F instead of drawing: run `gnuplot F` to "
              "draw FILE.png yourself" },
    CLI_ROW_HELP,
    CLI_ROW_END,
};

const struct cli_spec cli_plot_spec = {
    .name = "plot",
    .summary = "draw a figure (PNG, SVG or PDF) from our CSV outputs with gnuplot",
    .synopsis = "KIND INPUT... -o FILE.png [OPTIONS]",
    .about =
        "Draws a figure from lambdasim's own CSV outputs with gnuplot (Debian package\n"
        "gnuplot-nox). KIND and its inputs:\n"
        "  cdf        latency CDF; one curve per --requests-csv file\n"
        "  histogram  latency histogram; --requests-csv files overlaid\n"
        "  timeline   one row per instance, coloured by state; one --timeline-csv file\n"
        "  queue      batching queue length over time; --timeline-csv files\n"
        "  heatmap    a sweep metric over two axes; one sweep CSV\n"
        "  pareto     p99 latency vs cost of every sweep point; one sweep CSV\n"
        "  line       a sweep metric against a numeric axis, with its 95% confidence\n"
        "             band; one sweep CSV\n"
        "  paper      the paper's baseline vs the simulator: a paper CSV, then one\n"
        "             --requests-csv file per paper row, in the same order\n"
        "Curves are named after their files (runs/no-batching.csv -> no-batching).\n",
    .opts = opt_table,
    .notes =
        "gnuplot runs without a shell, on a temporary command file; the PNG is\n"
        "written whole or not at all. Text read from the inputs (and --title) reaches\n"
        "gnuplot as data only, never as a command; a --title or -o FILE holding a\n"
        "control character (such as a newline) is refused. Environment:\n"
        "LAMBDASIM_GNUPLOT names the gnuplot program (default gnuplot, found on\n"
        "PATH); LAMBDASIM_PLOTS_DIR the directory of the scripts (default: plots/\n"
        "beside the build directory, or share/lambdasim/plots beside the\n"
        "installed binary).\n"
        "Exit codes: 0 done; 1 gnuplot is missing or failed, or the PNG could not be\n"
        "written; 2 bad command line or input file.\n",
    .args = CLI_C_FILE,
    .first_args = CLI_C_WORDS,
    .first_words = "cdf histogram timeline queue heatmap pareto paper line",
    .fn = cli_plot,
};

int cli_plot(int argc, char **argv)
{
    struct plot_opts o = { 0 };
    const char **inputs = calloc((size_t)argc + 1, sizeof *inputs);
    bool have_kind = false;
    int rc = CLI_USAGE;
    if (inputs == NULL) {
        fprintf(stderr, "lambdasim: out of memory\n");
        return CLI_FAILED;
    }
    struct cli_parser p;
    cli_parser_init(&p, &cli_plot_spec, argc, argv);
    for (;;) {
        const char *v;
        int id = cli_parser_next(&p, &v);
        if (id == CLI_PARSE_END)
            break;
        switch (id) {
        case CLI_PARSE_ERROR:
            goto out;
        case CLI_O_HELP:
            cli_opts_print_help(&cli_plot_spec, stdout);
            rc = CLI_OK;
            goto out;
        case CLI_O_FORCE:
            o.replace = true;
            break;
        case O_OUTPUT:
            o.output = v;
            break;
        case O_TITLE:
            o.title = v;
            break;
        case O_GNUPLOT_COMMANDS:
            o.commands_out = v;
            break;
        case O_METRIC:
            o.metric = v;
            break;
        case O_X:
            o.x_axis = v;
            break;
        case O_Y:
            o.y_axis = v;
            break;
        case O_WINDOW:
            if (!cli_parse_window(v, &o.t0_s, &o.t1_s)) {
                rc = cli_usage_error("plot", "--window: expected T0:T1, seconds >= 0 with T0 <= T1 (got '%s')", v);
                goto out;
            }
            o.have_window = true;
            break;
        case O_LATENCY_FROM:
            if (strcmp(v, "arrival") != 0 && strcmp(v, "dispatch") != 0) {
                rc = cli_usage_error("plot", "--latency-from: expected 'arrival' or 'dispatch' (got '%s')", v);
                goto out;
            }
            o.from_dispatch = strcmp(v, "dispatch") == 0;
            o.latency_from_set = true;
            break;
        default:
            assert(id == CLI_PARSE_ARG);
            if (!have_kind) {
                if (plot_kind_parse(v, &o.kind) != 0) {
                    rc = cli_usage_error("plot", "unknown plot kind '%s' (cdf, histogram, timeline, queue, heatmap, "
                                         "pareto, paper or line)", v);
                    goto out;
                }
                have_kind = true;
            } else {
                inputs[o.n_inputs++] = v;
            }
        }
    }
    if (!have_kind) {
        rc = cli_usage_error("plot", "missing KIND");
        goto out;
    }
    if (o.n_inputs == 0) {
        rc = cli_usage_error("plot", "missing INPUT files");
        goto out;
    }
    if (o.output == NULL) {
        rc = cli_usage_error("plot", "missing -o FILE.png");
        goto out;
    }
    const char *out_opt[] = { "-o", "--gnuplot-commands" }, *out_path[] = { o.output, o.commands_out };
    if (cli_claim_stdout(out_opt, out_path, 2, false, &rc) != 0)
        goto out;
    /* The inputs are read later (and by gnuplot), but are inputs now. */
    for (size_t i = 0; i < o.n_inputs; i++)
        infile_note(inputs[i], "input");
    char why[PLOT_MSG_MAX];
    if (o.commands_out != NULL && infile_check_output(o.output, why, sizeof why) != 0) {
        cli_error("-o %s", why);
        rc = CLI_USAGE;
        goto out;
    }
    /* With --gnuplot-commands, that file is the one written (gnuplot writes -o later). */
    bool cmds = o.commands_out != NULL;
    if ((rc = cli_outfile_check(cmds ? "--gnuplot-commands" : "-o", cmds ? o.commands_out : o.output, o.replace,
                                CLI_USAGE)) != CLI_OK)
        goto out;
    char dir[PATH_MAX];
    if (!plot_find_scripts(dir, sizeof dir, why, sizeof why)) {
        cli_error("the gnuplot scripts: %s, or LAMBDASIM_PLOTS_DIR to their directory", why);
        rc = CLI_FAILED;
        goto out;
    }
    o.script_dir = dir;
    o.inputs = inputs;
    const char *gp = getenv("LAMBDASIM_GNUPLOT");
    o.gnuplot = gp != NULL && gp[0] != '\0' ? gp : "gnuplot";
    char msg[PLOT_MSG_MAX];
    enum plot_status st = plot_render(&o, msg, sizeof msg);
    if (st != PLOT_OK) {
        cli_error("%s", msg);
        rc = st == PLOT_ERR_INPUT ? CLI_USAGE : CLI_FAILED;
        goto out;
    }
    rc = CLI_OK;
out:
    cli_parser_fini(&p);
    free(inputs);
    return rc;
}
