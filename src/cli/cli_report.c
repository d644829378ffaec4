/* cli_report: `lambdasim report`, one self-contained HTML page from a
 * sweep's or a run's JSON result (htmlreport.h). */
#include <assert.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cli/cli.h"
#include "base/infile.h"
#include "analysis/htmlreport.h"
#include "analysis/plot.h"

enum { O_OUTPUT = CLI_O_OWN, O_TITLE, O_TOP, O_NO_RERUN, O_REQUESTS_CSV };

static const struct cli_opt opt_table[] = {
    { .id = O_OUTPUT, .short_name = 'o', .name = "output", .metavar = "FILE.html", .complete = CLI_C_FILE,
      .help = "the page to write (required; written whole or not at all)" },
    CLI_ROW_FORCE("replace FILE.html if it exists"),
    { .id = O_TITLE, .name = "title", .metavar = "TEXT",
      .help = "the page's title (default: 'Sweep report: SWEEP' or 'Run report: SCENARIO')" },
    { .id = O_TOP, .name = "top", .metavar = "N",
      .help = "sweep: how many of the best points to list, re-run and draw CDFs of (1 to 8, default 5)" },
    { .id = O_NO_RERUN, .name = "no-rerun",
      .help = "sweep: do not simulate the top points again (no latency CDFs, no time breakdown; for a "
              "result whose sweep file or inputs are not at hand)" },
    { .id = O_REQUESTS_CSV, .name = "requests-csv", .metavar = "FILE", .complete = CLI_C_FILE,
      .help = "run: a requests CSV of the run (`run --requests-csv`), drawn as its latency CDF; repeatable "
              "(one curve each)" },
    CLI_ROW_HELP,
    CLI_ROW_END,
};

const struct cli_spec cli_report_spec = {
    .name = "report",
    .summary = "write one self-contained HTML page from a sweep's or a run's JSON result",
    .synopsis = "RESULT.json -o FILE.html [OPTIONS]",
    .about =
        "Turns a result into a page a team can read in a browser, mail or archive.\n"
        "RESULT.json is what `lambdasim sweep SWEEP.json --json` or `lambdasim run\n"
        "SCENARIO.json --json` printed. For a sweep the page gives the best\n"
        "configurations under the objective's constraints, the points tied with the\n"
        "best (and the test that decided it), the Pareto front, each key metric\n"
        "against each numeric axis with its 95% confidence band, the latency CDFs of\n"
        "the top points and where their time goes. The top points are simulated once\n"
        "more at the seed of their first replication; the sweep file is read again\n"
        "from the path the result names (relative to the directory the sweep ran\n"
        "in), and every input it reads must still have the content the sweep saw.\n"
        "For a run: its headline figures, warnings, the time breakdown, every\n"
        "section of the JSON, and a latency CDF from --requests-csv files.\n",
    .opts = opt_table,
    .notes =
        "The page loads nothing: no script, no font, no image file; figures are\n"
        "gnuplot's SVG (Debian package gnuplot-nox) inlined, and a Content-Security-\n"
        "Policy forbids any fetch. Environment: LAMBDASIM_GNUPLOT, LAMBDASIM_PLOTS_DIR\n"
        "(as for plot), TMPDIR (the figures are drawn in a private directory there,\n"
        "removed at the end).\n"
        "Exit codes: 0 done; 1 gnuplot is missing or failed, or the page could not be\n"
        "written; 2 bad command line or input (a result that is not lambdasim's, a\n"
        "shard's, or one whose inputs changed since: the message names the input).\n",
    .args = CLI_C_FILE,
    .fn = cli_report,
};

int cli_report(int argc, char **argv)
{
    struct htmlreport_opts o = { .top = HTMLREPORT_TOP_DEFAULT, .rerun = true };
    const char **requests = calloc((size_t)argc + 1, sizeof *requests);
    int rc = CLI_USAGE;
    if (requests == NULL) {
        fprintf(stderr, "lambdasim: out of memory\n");
        return CLI_FAILED;
    }
    struct cli_parser p;
    cli_parser_init(&p, &cli_report_spec, argc, argv);
    for (;;) {
        const char *v;
        int id = cli_parser_next(&p, &v);
        if (id == CLI_PARSE_END)
            break;
        switch (id) {
        case CLI_PARSE_ERROR:
            goto out;
        case CLI_O_HELP:
            cli_opts_print_help(&cli_report_spec, stdout);
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
        case O_TOP: {
            uint64_t n;
            if (!cli_parse_u64(v, &n) || n < 1 || n > HTMLREPORT_TOP_MAX) {
                rc = cli_usage_error("report", "--top: expected a whole number from 1 to %d (got '%s')",
                                     HTMLREPORT_TOP_MAX, v);
                goto out;
            }
            o.top = (size_t)n;
            break;
        }
        case O_NO_RERUN:
            o.rerun = false;
            break;
        case O_REQUESTS_CSV:
            requests[o.n_requests++] = v;
            break;
        default:
            assert(id == CLI_PARSE_ARG);
            if (o.input != NULL) {
                rc = cli_usage_error("report", "one RESULT.json only (got '%s' and '%s')", o.input, v);
                goto out;
            }
            o.input = v;
        }
    }
    if (o.input == NULL) {
        rc = cli_usage_error("report", "missing RESULT.json (from `lambdasim sweep ... --json` or `lambdasim run "
                             "... --json`)");
        goto out;
    }
    if (o.output == NULL) {
        rc = cli_usage_error("report", "missing -o FILE.html");
        goto out;
    }
    if (strcmp(o.output, "-") == 0) {
        rc = cli_usage_error("report", "-o: a file is needed (the page is written whole or not at all)");
        goto out;
    }
    infile_note(o.input, "result");
    for (size_t i = 0; i < o.n_requests; i++)
        infile_note(requests[i], "requests CSV");
    if ((rc = cli_outfile_check("-o", o.output, o.replace, CLI_USAGE)) != CLI_OK)
        goto out;
    char dir[PATH_MAX], why[PLOT_MSG_MAX];
    if (!plot_find_scripts(dir, sizeof dir, why, sizeof why)) {
        cli_error("the gnuplot scripts: %s, or LAMBDASIM_PLOTS_DIR to their directory", why);
        rc = CLI_FAILED;
        goto out;
    }
    o.script_dir = dir;
    o.requests = requests;
    const char *gp = getenv("LAMBDASIM_GNUPLOT");
    o.gnuplot = gp != NULL && gp[0] != '\0' ? gp : "gnuplot";
    char msg[PLOT_MSG_MAX + 1024];
    enum htmlreport_status st = htmlreport_write(&o, msg, sizeof msg);
    if (st != HTMLREPORT_OK) {
        cli_error("%s", msg);
        rc = st == HTMLREPORT_ERR_INPUT ? CLI_USAGE : CLI_FAILED;
        goto out;
    }
    rc = CLI_OK;
out:
    cli_parser_fini(&p);
    free(requests);
    return rc;
}
