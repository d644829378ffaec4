/* cli: the command-line front end: main.c dispatches to one function per
 * command (src/cli_<command>.c); src/cli.c holds what they share. The only
 * code that prints to stderr and chooses exit codes. */
#ifndef LAMBDASIM_CLI_H
#define LAMBDASIM_CLI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum { CLI_OK = 0, CLI_FAILED = 1, CLI_USAGE = 2 };

/* A command: `lambdasim NAME ARGS...` calls fn(argc, argv) with the words
 * after NAME; `usage` is its --help text. */
struct cli_command {
    const char *name;
    const char *summary;    /* one line for the main help */
    const char *usage;
    int (*fn)(int argc, char **argv);
};

/* Prints "lambdasim: <message>" and "Try 'lambdasim <cmd> --help'." to
 * stderr; returns CLI_USAGE. cmd may be "" for the top level. */
int cli_usage_error(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Prints "lambdasim: <message>" to stderr. */
void cli_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* A whole decimal number 0..2^64-1 with nothing after it. */
bool cli_parse_u64(const char *s, uint64_t *out);

/* Parses a time window "T0:T1" (seconds; either side may be left out:
 * 0 and infinity). Times are finite and >= 0, and T0 <= T1. */
bool cli_parse_window(const char *s, double *from_s, double *to_s);

/* True when both paths exist and name the same file. */
bool cli_same_file(const char *a, const char *b);

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

/* The commands (src/cli_<name>.c). */
extern const char cli_run_usage[];
int cli_run(int argc, char **argv);
extern const char cli_sweep_usage[];
int cli_sweep(int argc, char **argv);
extern const char cli_merge_usage[];
int cli_merge(int argc, char **argv);
extern const char cli_explain_usage[];
int cli_explain(int argc, char **argv);
extern const char cli_plot_usage[];
int cli_plot(int argc, char **argv);
extern const char cli_calibrate_usage[];
int cli_calibrate(int argc, char **argv);
extern const char cli_validate_usage[];
int cli_validate(int argc, char **argv);

extern const char cli_profile_usage[];
int cli_profile(int argc, char **argv);
extern const char cli_emulate_usage[];
int cli_emulate(int argc, char **argv);

#endif
