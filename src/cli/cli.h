/* cli: the command-line front end: main.c dispatches to one function per
 * command (src/cli/cli_<command>.c); src/cli/cli.c holds what they share. The only
 * code that prints to stderr and chooses exit codes. */
#ifndef LAMBDASIM_CLI_H
#define LAMBDASIM_CLI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include "base/common.h"
#include "base/outfile.h"
#include "cli/cli_opts.h"

struct config_override;
struct scenario;
struct sink_ops;

enum { CLI_OK = 0, CLI_FAILED = 1, CLI_USAGE = 2 };

/* Prints "lambdasim: <cmd>: <message>" and "Try 'lambdasim <cmd> --help'."
 * to stderr; returns CLI_USAGE. cmd may be "" for the top level (then
 * "lambdasim: <message>" and "Try 'lambdasim --help'."). */
int cli_usage_error(const char *cmd, const char *fmt, ...) PRINTF_LIKE(2, 3);

/* Prints "lambdasim: <message>" to stderr. */
void cli_error(const char *fmt, ...) PRINTF_LIKE(1, 2);

/* --time-limit's value: seconds of wall-clock time, > 0 and at most
 * INTERRUPT_TIME_LIMIT_MAX_S (a decimal number, e.g. 90 or 0.5). */
bool cli_parse_time_limit(const char *s, double *seconds);

/* From here on SIGINT/SIGTERM (and, when time_limit_s > 0, the end of the
 * time limit) set interrupt_signal instead of killing the process
 * (interrupt_catch, interrupt_time_limit). Returns 0, or -1 with the error
 * printed and *rc set to CLI_FAILED. */
int cli_catch_stop(double time_limit_s, int *rc);

/* A whole decimal number 0..2^64-1 with nothing after it. */
bool cli_parse_u64(const char *s, uint64_t *out);

/* A finite decimal number with nothing after it. */
bool cli_parse_double(const char *s, double *out);

/* --replications R and --interval-level L, as run and validate read them:
 * 0 with *out set, or the usage error printed (naming cmd) and its exit
 * code returned. R is a whole number 1..max; L is strictly between 0
 * and 1. */
int cli_opt_replications(const char *cmd, const char *v, uint64_t max, uint64_t *out);
int cli_opt_interval_level(const char *cmd, const char *v, double *out);

/* Parses a time window "T0:T1" (seconds; either side may be left out:
 * 0 and infinity). Times are finite and >= 0, and T0 <= T1. */
bool cli_parse_window(const char *s, double *from_s, double *to_s);

/* Standard output for a command whose output options (options[k], given
 * as paths[k], NULL when not given) may be "-": at most one may be, and
 * not with --json (json); then that output takes standard output and the
 * command's report goes to standard error (outfile_take_stdout). Returns 0,
 * or -1 with the error printed and *rc set (CLI_USAGE, or CLI_FAILED). */
int cli_claim_stdout(const char *const *options, const char *const *paths, size_t n, bool json, int *rc);

/* outfile_open for the option opt: prints "OPT MESSAGE" on failure and
 * returns the exit code (CLI_USAGE for a refused path, failed_rc when the
 * file exists without force or cannot be created), else CLI_OK. */
int cli_outfile_open(struct outfile *o, const char *opt, const char *path, bool force, int failed_rc);

/* outfile_check for the option opt, as cli_outfile_open. */
int cli_outfile_check(const char *opt, const char *path, bool force, int failed_rc);

/* What run, explain, emulate and validate read alike on their command
 * lines: SCENARIO.json, --seed N and --set KEY.PATH=VALUE (repeatable), so
 * that the four spell these options and their errors the same way. */
struct cli_scenario_args {
    const char *cmd;                /* the command, for usage errors */
    const char *one_only;           /* why a second SCENARIO.json is refused,
                                       e.g. "one scenario per run" */
    const char *path;               /* SCENARIO.json (borrowed from argv); NULL until given */
    struct config_override *sets;   /* owned; room for argc + 1, so a command
                                       may append overrides of its own */
    size_t n_sets;
    uint64_t seed;                  /* --seed, else the scenario's (after load) */
    bool have_seed;
    double time_limit_s;            /* --time-limit, wall-clock seconds; 0: none */
    bool real_function;             /* the command runs the function itself (emulate): the
                                       profile's memory scaling is not used, no warning */
};

/* Sets up *sa for a command line of argc words (aborts on out of memory);
 * cmd and one_only are borrowed. cli_scenario_args_fini frees the overrides. */
void cli_scenario_args_init(struct cli_scenario_args *sa, const char *cmd, const char *one_only, int argc);
void cli_scenario_args_fini(struct cli_scenario_args *sa);

/* Takes what the parser (cli_parser_next) returned, id and value, when it
 * is one of --seed N, --time-limit SECONDS, --set KEY.PATH=VALUE or an
 * argument (CLI_PARSE_ARG: SCENARIO.json). Returns 0, or -1 with the usage
 * error printed (a bad value, a second SCENARIO.json) and *rc set to
 * CLI_USAGE. Any other id is a bug. */
int cli_scenario_opt(struct cli_scenario_args *sa, int id, const char *value, int *rc);

/* After the command line: returns 0 when SCENARIO.json was given, else -1
 * with the usage error printed and *rc set to CLI_USAGE. */
int cli_scenario_args_check(const struct cli_scenario_args *sa, int *rc);

/* Loads SCENARIO.json with the overrides into *sc (the caller finis it),
 * and takes the scenario's seed unless --seed was given. Returns 0, or -1
 * with config's message printed and *rc set to CLI_USAGE. */
int cli_scenario_args_load(struct cli_scenario_args *sa, struct scenario *sc, int *rc);

/* Warns on stderr, once per process, that a run at run_mb scales a profile
 * measured at profile_mb as purely CPU-bound because the profile has no
 * cpu_bound_fraction (callers check model_memory_is_guess); `points` > 1
 * says how many sweep points do, 0 warns nothing. */
void cli_warn_memory_guess(const char *cmd, const char *model, double profile_mb, double run_mb,
                           size_t points);

/* An output file a command can write besides its report (--requests-csv
 * FILE, ...), written by a sink (sink.h). */
struct cli_output {
    const char *option;
    const struct sink_ops *ops;
};

/* One output of a run: path is NULL when the file was not asked for. */
struct cli_open_output {
    const char *path;
    struct outfile file;
    void *state;            /* the sink's, between start and finish */
};

/* Opens (outfile_open, replacing a file only when force) every output[k]
 * that has a path, in order, refusing a file named by two options and any
 * input of the run (infile.h). Does not start the sinks. Returns 0, or -1
 * with the message printed and *rc set: CLI_USAGE for a refused path,
 * open_failed_rc when outfile_open fails. Whatever was opened is left for
 * cli_outputs_abort. */
int cli_outputs_open(const struct cli_output *spec, struct cli_open_output *output, size_t n, bool force,
                     int open_failed_rc, int *rc);

/* cli_claim_stdout for the outputs of spec (output[k].path). */
int cli_outputs_claim_stdout(const struct cli_output *spec, const struct cli_open_output *output, size_t n,
                             bool json, int *rc);

/* Frees every sink still started (finish with no results) and discards
 * every file not committed. Safe on zeroed entries and after commit. */
void cli_outputs_abort(const struct cli_output *spec, struct cli_open_output *output, size_t n);

/* Monotonic clock in seconds (for --timing and progress lines). */
double cli_now_s(void);

/* Peak resident memory of this process so far, in MB. */
double cli_peak_rss_mb(void);

/* --isolate (profile, emulate): puts this process and the workers it starts
 * ahead of other jobs on the machine for the CPU, so that they disturb a
 * measurement less: the nice value of its scheduling autogroup (the whole
 * session, when the kernel groups by session: plain nice values then only
 * count inside the group) and its own nice value. Needs root or
 * CAP_SYS_NICE. Returns 0, or -1 with a message; cli_isolate_end() puts the
 * old values back. */
#define CLI_ISOLATE_NICE (-15)
int cli_isolate(int nice_value, char *msg, size_t msg_len);
void cli_isolate_end(void);

/* The commands (src/cli/cli_<name>.c), each with its option table and help
 * (cli_opts.h); cli_commands[0..cli_n_commands) lists them in the order of
 * the main help (src/cli/cli_commands.c), `help` and `completion` included. */
extern const struct cli_spec cli_run_spec;
int cli_run(int argc, char **argv);
extern const struct cli_spec cli_sweep_spec;
int cli_sweep(int argc, char **argv);
extern const struct cli_spec cli_merge_spec;
int cli_merge(int argc, char **argv);
extern const struct cli_spec cli_explain_spec;
int cli_explain(int argc, char **argv);
extern const struct cli_spec cli_plot_spec;
int cli_plot(int argc, char **argv);
extern const struct cli_spec cli_report_spec;
int cli_report(int argc, char **argv);
extern const struct cli_spec cli_calibrate_spec;
int cli_calibrate(int argc, char **argv);
extern const struct cli_spec cli_validate_spec;
int cli_validate(int argc, char **argv);
extern const struct cli_spec cli_profile_spec;
int cli_profile(int argc, char **argv);
extern const struct cli_spec cli_emulate_spec;
int cli_emulate(int argc, char **argv);
extern const struct cli_spec cli_serve_spec;
int cli_serve(int argc, char **argv);
extern const struct cli_spec *const cli_commands[];
extern const size_t cli_n_commands;

/* The command named name, or NULL. */
const struct cli_spec *cli_find_command(const char *name);

/* The usage error for a name that is no command: "<what> '<name>'", and
 * the closest command's name when one is close. Returns CLI_USAGE. */
int cli_unknown_command(const char *cmd, const char *what, const char *name);

/* The top-level help (`lambdasim --help`, `lambdasim help`). */
void cli_print_usage(FILE *f);

/* The default worker for emulate and profile (datadir_worker: the
 * installed libexec/lambdasim/lambdasim-worker, or the one beside this
 * executable in its build directory) into buf[len], and *path = buf.
 * Returns 0, or -1 with the error printed and *rc = CLI_USAGE. */
int cli_default_worker(const char **path, char *buf, size_t len, int *rc);

/* When *path is NULL (`option`, e.g. "--weights", not given), the file
 * `rel` of lambdasim's data directory (datadir_path, e.g. DATADIR_WEIGHTS)
 * into buf[len], and *path = buf; a path given stays as it is (relative
 * to the current directory). Returns 0, or -1 with the error printed and
 * *rc = CLI_USAGE. */
int cli_default_data(const char **path, const char *option, const char *rel, char *buf, size_t len, int *rc);

#endif
