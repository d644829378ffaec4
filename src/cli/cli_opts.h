/* cli_opts: one option table per command, from which its command-line
 * parser (getopt_long), the option part of its --help and its bash
 * completion are all made, so that the three cannot drift apart. Also the
 * parsers of the options several commands share (--seed, --time-limit). */
#ifndef LAMBDASIM_CLI_OPTS_H
#define LAMBDASIM_CLI_OPTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* Option ids. The ones several commands share come first; a command
 * numbers its own from CLI_O_OWN. */
enum cli_opt_id {
    CLI_O_HELP = 1,
    CLI_O_SEED,
    CLI_O_SET,
    CLI_O_TIME_LIMIT,
    CLI_O_FORCE,
    CLI_O_JSON,
    CLI_O_OWN = 100
};

/* What the completion offers for an option's value (or the arguments). */
enum cli_complete {
    CLI_C_NONE = 0,     /* nothing (a number, a key, free text) */
    CLI_C_FILE,         /* any file name */
    CLI_C_JSON,         /* *.json files (and directories) */
    CLI_C_WORDS,        /* the words of cli_opt.words */
    CLI_C_COMMANDS      /* the names of the commands */
};

/* One row of a command's option table. */
struct cli_opt {
    int id;                     /* > 0; what cli_parser_next returns */
    char short_name;            /* '\0': none */
    const char *name;           /* the long name, without "--" */
    const char *metavar;        /* the value's name in --help; NULL: no value */
    enum cli_complete complete; /* for the value */
    const char *words;          /* CLI_C_WORDS: the values, space-separated */
    const char *help;           /* wrapped to the width of --help; '\n' breaks a line */
};

/* The rows several commands share; the help text is the command's. */
#define CLI_ROW_HELP \
    { .id = CLI_O_HELP, .short_name = 'h', .name = "help", .help = "show this help" }
#define CLI_ROW_SEED(text) \
    { .id = CLI_O_SEED, .short_name = 's', .name = "seed", .metavar = "N", .help = (text) }
#define CLI_ROW_SET(text) \
    { .id = CLI_O_SET, .name = "set", .metavar = "KEY.PATH=VALUE", .help = (text) }
#define CLI_ROW_TIME_LIMIT(text) \
    { .id = CLI_O_TIME_LIMIT, .name = "time-limit", .metavar = "SECONDS", .help = (text) }
#define CLI_ROW_FORCE(text) \
    { .id = CLI_O_FORCE, .short_name = 'f', .name = "force", .help = (text) }
#define CLI_ROW_JSON(text) \
    { .id = CLI_O_JSON, .name = "json", .help = (text) }
#define CLI_ROW_END { .id = 0 }

/* The help of --set and of --time-limit where a run can be stopped so. */
#define CLI_SET_HELP "change a scenario field before validation (e.g. batching.threshold=4); " \
    "repeatable. VALUE is read as JSON when it parses as JSON, else as a string"
#define CLI_TIME_LIMIT_TEXT "stop after this much wall-clock time, as on Ctrl-C: partial results, " \
    "no output file, exit code 124"

/* A command: `lambdasim NAME ARGS...` calls fn(argc, argv) with the words
 * after NAME. Its --help is "Usage: lambdasim NAME SYNOPSIS", the about
 * text, the options of the table, the notes and where the manual is. */
struct cli_spec {
    const char *name;
    const char *summary;            /* one line for the main help */
    const char *synopsis;           /* e.g. "SCENARIO.json [OPTIONS]" */
    const char *about;              /* before the options; may be NULL */
    const struct cli_opt *opts;     /* ends with CLI_ROW_END */
    const char *notes;              /* after the options; may be NULL */
    enum cli_complete args;         /* what the arguments are, for completion */
    enum cli_complete first_args;   /* the first argument, when not as the others */
    const char *first_words;        /* first_args CLI_C_WORDS: its words */
    int (*fn)(int argc, char **argv);
};

/* What cli_parser_next returns besides an option id. */
enum {
    CLI_PARSE_END = 0,      /* no more words */
    CLI_PARSE_ERROR = -1,   /* a usage error, printed: exit with CLI_USAGE */
    CLI_PARSE_ARG = -2      /* a word that is not an option (an argument) */
};

/* Reads a command line with getopt_long: --opt=VALUE and --opt VALUE,
 * -o VALUE and -oVALUE, bundled short options (-fo FILE), unique
 * abbreviations of long names, "--" ending the options; "-" is an
 * argument (standard input or output). Options and arguments come back in
 * command-line order. A value given as a word of its own that looks like
 * an option ("--x", or "-" and a letter) is refused: a forgotten value
 * must not swallow the next option; "./--x" and --opt=--x give such a name.
 * Uses getopt's global state: one parser at a time. */
struct cli_parser {
    const struct cli_spec *spec;
    int argc;
    char **argv;                /* owned copy; argv[0] is the command's name */
    void *longopts;             /* struct option[], owned */
    char *shortopts;            /* owned */
    int rest;                   /* > 0: the arguments after "--" start here */
};

/* argv[0..argc) are the words after the command's name (borrowed: the
 * values returned point into them). Aborts on out of memory. */
void cli_parser_init(struct cli_parser *p, const struct cli_spec *spec, int argc, char **argv);
void cli_parser_fini(struct cli_parser *p);

/* The next option's id (its value, or NULL, in *value), CLI_PARSE_ARG with
 * the argument in *value, CLI_PARSE_END, or CLI_PARSE_ERROR once the error
 * is printed ("lambdasim: CMD: ..." and "Try 'lambdasim CMD --help'."). */
int cli_parser_next(struct cli_parser *p, const char **value);

/* Writes spec's --help. */
void cli_opts_print_help(const struct cli_spec *spec, FILE *f);

/* Writes the bash completion script for the commands specs[0..n). */
void cli_opts_print_bash(FILE *f, const struct cli_spec *const *specs, size_t n);

/* --seed's value: a whole number 0..2^64-1. CLI_OK (0), or CLI_USAGE with
 * the usage error printed. */
int cli_opt_seed(const char *cmd, const char *value, uint64_t *seed);

/* --time-limit's value (opt as spelled, for the message): seconds > 0 and
 * at most INTERRUPT_TIME_LIMIT_MAX_S. CLI_OK, or CLI_USAGE with the error
 * printed. */
int cli_opt_time_limit(const char *cmd, const char *opt, const char *value, double *seconds);

#endif
