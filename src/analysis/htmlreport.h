/* htmlreport: `lambdasim report`, one self-contained HTML page from a
 * sweep's or a run's JSON result, for a team choosing a configuration.
 * Figures are gnuplot's SVG (plot.h) inlined in the page; the page loads
 * nothing (no script, no font, no image file, and a Content-Security-
 * Policy that forbids any fetch), so it can be mailed or archived as one
 * file. For a sweep the top points are simulated again (replication 0,
 * the seed `best.command` gives) for their latency CDFs and where their
 * time goes, after checking that every input still has the content the
 * sweep read. */
#ifndef LAMBDASIM_HTMLREPORT_H
#define LAMBDASIM_HTMLREPORT_H

#include <stdbool.h>
#include <stddef.h>

/* Configurations listed as the best, and re-run for CDFs (at most: a CDF
 * of more curves is not read). */
#define HTMLREPORT_TOP_DEFAULT 5
#define HTMLREPORT_TOP_MAX 8
/* Points listed in the tied and Pareto tables before "and N more". */
#define HTMLREPORT_LIST_MAX 50

enum htmlreport_status {
    HTMLREPORT_OK = 0,
    HTMLREPORT_ERR_INPUT,   /* bad options or input (exit 2) */
    HTMLREPORT_ERR_FAILED   /* gnuplot failed, or the page could not be written (exit 1) */
};

struct htmlreport_opts {
    const char *input;              /* the RESULT.json */
    const char *output;             /* the page */
    bool replace;                   /* replace an existing output */
    const char *title;              /* NULL: from the result */
    size_t top;                     /* 1..HTMLREPORT_TOP_MAX */
    bool rerun;                     /* sweep: simulate the top points again */
    const char *const *requests;    /* run: --requests-csv files for the CDF (borrowed) */
    size_t n_requests;
    const char *script_dir;         /* the gnuplot scripts (plot_find_scripts) */
    const char *gnuplot;            /* NULL: "gnuplot" */
};

/* Writes the page whole or not at all. On failure the message names the
 * file and the problem. */
enum htmlreport_status htmlreport_write(const struct htmlreport_opts *o, char *msg, size_t msg_len);

#endif
