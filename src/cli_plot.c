/* cli_plot: `lambdasim plot`, figures from lambdasim's CSV outputs via
 * gnuplot (plot.h); the drawing scripts live in plots/. */
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "cli.h"
#include "infile.h"
#include "plot.h"

const char cli_plot_usage[] =
    "Usage: lambdasim plot KIND INPUT... -o FILE.png [OPTIONS]\n"
    "\n"
    "Draws a figure from lambdasim's own CSV outputs with gnuplot (Debian package\n"
    "gnuplot-nox). KIND and its inputs:\n"
    "  cdf        latency CDF; one curve per --requests-csv file\n"
    "  histogram  latency histogram; --requests-csv files overlaid\n"
    "  timeline   one row per instance, coloured by state; one --timeline-csv file\n"
    "  queue      batching queue length over time; --timeline-csv files\n"
    "  heatmap    a sweep metric over two axes; one sweep CSV\n"
    "  pareto     p99 latency vs cost of every sweep point; one sweep CSV\n"
    "  paper      the paper's baseline vs the simulator: a paper CSV, then one\n"
    "             --requests-csv file per paper row, in the same order\n"
    "Curves are named after their files (runs/no-batching.csv -> no-batching).\n"
    "\n"
    "Options:\n"
    "  -o, --output FILE     the PNG to write (required; - for standard output)\n"
    "  --title TEXT          the figure's title (default: one per kind)\n"
    "  --force               replace FILE if it exists\n"
    "  --window T0:T1        timeline, queue: show only simulated times T0..T1 (s)\n"
    "  --latency-from WHERE  cdf, histogram, paper: 'arrival' (default) or 'dispatch'\n"
    "                        (latency without the batching queue wait, as with the\n"
    "                        scenario field stats.latency_from)\n"
    "  --metric NAME         heatmap: the sweep metric (default latency_ms.p99)\n"
    "  --x AXIS, --y AXIS    heatmap: the two sweep axes (default: its first two)\n"
    "  --gnuplot-commands F  write gnuplot's command file (data inline) to F instead\n"
    "                        of drawing: run `gnuplot F` to draw FILE.png yourself\n"
    "  -h, --help            show this help\n"
    "\n"
    "gnuplot runs without a shell, on a temporary command file; the PNG is\n"
    "written whole or not at all. Text read from the inputs (and --title) reaches\n"
    "gnuplot as data only, never as a command; a --title or -o FILE holding a\n"
    "control character (such as a newline) is refused. Environment:\n"
    "LAMBDASIM_GNUPLOT names the gnuplot program (default gnuplot, found on\n"
    "PATH); LAMBDASIM_PLOTS_DIR the directory of the scripts (default: plots/\n"
    "beside the build directory, or share/lambdasim/plots beside the\n"
    "installed binary).\n"
    "Exit codes: 0 done; 1 gnuplot is missing or failed, or the PNG could not be\n"
    "written; 2 bad command line or input file.\n";

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
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
            fputs(cli_plot_usage, stdout);
            rc = CLI_OK;
            goto out;
        } else if (strcmp(a, "--force") == 0) {
            o.replace = true;
        } else if (strcmp(a, "-o") == 0 || strcmp(a, "--output") == 0 || strcmp(a, "--title") == 0 ||
                   strcmp(a, "--window") == 0 || strcmp(a, "--latency-from") == 0 ||
                   strcmp(a, "--metric") == 0 || strcmp(a, "--x") == 0 || strcmp(a, "--y") == 0 ||
                   strcmp(a, "--gnuplot-commands") == 0) {
            const char *v;
            if (cli_option_value("plot", argc, argv, &i, &v) != CLI_OK) {
                rc = CLI_USAGE;
                goto out;
            }
            if (strcmp(a, "-o") == 0 || strcmp(a, "--output") == 0) {
                o.output = v;
            } else if (strcmp(a, "--title") == 0) {
                o.title = v;
            } else if (strcmp(a, "--gnuplot-commands") == 0) {
                o.commands_out = v;
            } else if (strcmp(a, "--metric") == 0) {
                o.metric = v;
            } else if (strcmp(a, "--x") == 0) {
                o.x_axis = v;
            } else if (strcmp(a, "--y") == 0) {
                o.y_axis = v;
            } else if (strcmp(a, "--window") == 0) {
                if (!cli_parse_window(v, &o.t0_s, &o.t1_s)) {
                    rc = cli_usage_error("plot", "--window: expected T0:T1, seconds >= 0 with T0 <= T1 (got '%s')", v);
                    goto out;
                }
                o.have_window = true;
            } else if (strcmp(v, "arrival") == 0 || strcmp(v, "dispatch") == 0) {
                o.from_dispatch = strcmp(v, "dispatch") == 0;
            } else {
                rc = cli_usage_error("plot", "--latency-from: expected 'arrival' or 'dispatch' (got '%s')", v);
                goto out;
            }
        } else if (a[0] == '-' && a[1] != '\0') {
            rc = cli_usage_error("plot", "unknown option '%s'", a);
            goto out;
        } else if (!have_kind) {
            if (plot_kind_parse(a, &o.kind) != 0) {
                rc = cli_usage_error("plot", "unknown plot kind '%s' (cdf, histogram, timeline, queue, heatmap, "
                                     "pareto or paper)", a);
                goto out;
            }
            have_kind = true;
        } else {
            inputs[o.n_inputs++] = a;
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
    free(inputs);
    return rc;
}
