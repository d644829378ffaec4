/* plot: figures from lambdasim's own CSV outputs, drawn by gnuplot. Reads
 * and checks the inputs (--requests-csv, --timeline-csv, the sweep CSV, the
 * paper's baseline), writes one gnuplot command file with the data inline
 * and the variables the scripts in plots/ expect, runs gnuplot on it
 * without a shell, and installs the PNG whole or not at all. Text from the
 * inputs reaches gnuplot as data only, never as a command. */
#ifndef LAMBDASIM_PLOT_H
#define LAMBDASIM_PLOT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#define PLOT_MSG_MAX 2048

enum plot_kind {
    PLOT_CDF = 0,       /* latency CDF, one curve per requests CSV */
    PLOT_HISTOGRAM,     /* latency histogram, requests CSVs overlaid */
    PLOT_TIMELINE,      /* one row per instance, coloured by state (one timeline CSV) */
    PLOT_QUEUE,         /* queue length over time (timeline CSVs) */
    PLOT_HEATMAP,       /* a sweep metric over two axes (one sweep CSV) */
    PLOT_PARETO,        /* p99 vs cost of every sweep point, the front joined */
    PLOT_PAPER,         /* the paper's baseline vs the simulator (paper CSV + requests CSVs) */
    PLOT_LINE,          /* a sweep metric against one numeric axis, with its 95 % CI band */
    PLOT_N_KINDS
};

enum plot_status {
    PLOT_OK = 0,
    PLOT_ERR_INPUT,     /* bad options or input files (exit 2) */
    PLOT_ERR_NO_GNUPLOT,/* gnuplot could not be started (exit 1) */
    PLOT_ERR_FAILED     /* gnuplot failed, or the PNG could not be written (exit 1) */
};

struct plot_opts {
    enum plot_kind kind;
    const char *const *inputs;  /* borrowed */
    size_t n_inputs;
    const char *output;         /* the PNG */
    bool replace;               /* replace an existing output (--force) */
    const char *title;          /* NULL: the kind's default title */
    const char *metric;         /* heatmap: NULL = "latency_ms.p99" */
    const char *x_axis;         /* heatmap, line: NULL = the sweep's first axis */
    const char *y_axis;         /* heatmap: NULL = the sweep's second axis; line: one
                                   line per value of this axis (NULL: one line) */
    bool have_window;           /* timeline, queue: show only [t0_s, t1_s] */
    double t0_s, t1_s;
    bool from_dispatch;         /* cdf, histogram, paper: latency from batch dispatch */
    bool latency_from_set;      /* from_dispatch was asked for; otherwise the requests
                                   files' latency_from column decides (the run's own
                                   stats.latency_from), arrival when they have none */
    const char *script_dir;     /* directory holding common.gp and <kind>.gp */
    const char *gnuplot;        /* program to run; NULL = "gnuplot" (found on PATH) */
    const char *commands_out;   /* non-NULL: write the command file here (drawing
                                   into `output`) instead of running gnuplot */
};

/* The one way a string enters gnuplot's command text (the output path and
 * the scripts' paths; every text that comes from an input file or from
 * --title is passed as data instead). Returns a new string (caller frees):
 * a gnuplot string expression for s, single-quoted runs joined with "'" for
 * each quote ('it'."'".'s'), because gnuplot 5.4 substitutes nothing inside
 * single quotes (no backquote, macro or backslash) but cannot read every
 * doubled quote (''''  is a syntax error). NULL when s holds a control
 * character (bytes 1-31 and 127: a newline would end the command); bytes
 * from 128 up pass as they are. */
char *plot_gnuplot_quote(const char *s);

/* s as one line of text data for gnuplot (a line of a data block when
 * quoted is false, the inside of a "..." data column when true). Returns a
 * new string (caller frees) with control characters and, when quoted, the
 * double quote replaced ('\t' -> ' ', '"' -> '\''), invalid UTF-8 replaced by
 * '?', and at most max_bytes bytes (cut at a character, "..." marking the
 * cut; max_bytes >= 8). */
char *plot_gnuplot_text(const char *s, bool quoted, size_t max_bytes);

/* Kind names as given on the command line ("cdf", "histogram", ...). */
const char *plot_kind_name(enum plot_kind k);
/* Returns 0 and sets *out, or -1 for an unknown name. */
int plot_kind_parse(const char *name, enum plot_kind *out);

/* Reads the inputs and writes the complete gnuplot command file for them to
 * f (numbers, inline data, the texts as the lines of the data block $text,
 * then `load` of the kind's script), drawing into png_path. No byte of an
 * input file or of o->title reaches a command: they are data only, and
 * paths go through plot_gnuplot_quote. PLOT_ERR_INPUT with a message naming
 * the file and the problem (also for a path or --title holding a control
 * character). */
enum plot_status plot_write_commands(FILE *f, const struct plot_opts *o, const char *png_path,
                                     char *msg, size_t msg_len);

/* The whole job: checks the output path, writes the commands to a temporary
 * file, runs gnuplot (fork/execvp, no shell) on it, checks that a PNG came
 * out and renames it over o->output. On any failure the output is left as
 * it was and nothing temporary remains. With o->commands_out, only writes
 * the command file there (whole or not at all; gnuplot is not run). */
enum plot_status plot_render(const struct plot_opts *o, char *msg, size_t msg_len);

/* The directory of the gnuplot scripts into dir[len]: $LAMBDASIM_PLOTS_DIR,
 * else plots/ of lambdasim's data directory (datadir.h: the installed
 * share/lambdasim, or the source tree the binary was built in). False,
 * with a one-line message, when the scripts cannot be found. Used by
 * `plot` and `validate --plot`. */
bool plot_find_scripts(char *dir, size_t len, char *msg, size_t msg_len);

#endif
