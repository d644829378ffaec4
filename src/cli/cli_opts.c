/* cli_opts: the option tables' parser, --help and bash completion (see
 * cli_opts.h). */
#define _GNU_SOURCE /* getopt_long */
#include "cli/cli_opts.h"

#include <assert.h>
#include <stdarg.h>
#include <getopt.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "cli/cli.h"
#include "base/interrupt.h"
#include "base/textline.h"
#include "base/suggest.h"
#include "base/xalloc.h"

/* Long options without a short name get val = LONG_VAL + row index, above
 * every char. */
#define LONG_VAL 256

/* --help: options from column HELP_COL, text wrapped before HELP_WIDTH. */
#define HELP_COL 28
#define HELP_WIDTH 79

static size_t n_rows(const struct cli_opt *opts)
{
    size_t n = 0;
    while (opts[n].id != 0)
        n++;
    return n;
}

void cli_parser_init(struct cli_parser *p, const struct cli_spec *spec, int argc, char **argv)
{
    memset(p, 0, sizeof *p);
    p->spec = spec;
    p->argc = argc + 1;
    p->argv = xcalloc((size_t)argc + 2, sizeof *p->argv);
    /* getopt skips argv[0]; it is never written through. */
    p->argv[0] = (char *)(uintptr_t)spec->name;
    for (int i = 0; i < argc; i++)
        p->argv[i + 1] = argv[i];
    size_t n = n_rows(spec->opts);
    struct option *lo = xcalloc(n + 1, sizeof *lo);
    /* "-": options and arguments in command-line order (whatever
     * POSIXLY_CORRECT says); ":": a missing value returns ':'. */
    char *so = xcalloc(2 * n + 3, 1), *s = so;
    *s++ = '-';
    *s++ = ':';
    for (size_t i = 0; i < n; i++) {
        const struct cli_opt *o = &spec->opts[i];
        lo[i].name = o->name;
        lo[i].has_arg = o->metavar != NULL ? required_argument : no_argument;
        lo[i].val = o->short_name != '\0' ? (unsigned char)o->short_name : LONG_VAL + (int)i;
        if (o->short_name != '\0') {
            *s++ = o->short_name;
            if (o->metavar != NULL)
                *s++ = ':';
        }
    }
    p->longopts = lo;
    p->shortopts = so;
    opterr = 0;
    optind = 0; /* glibc: start afresh (a new command line) */
}

void cli_parser_fini(struct cli_parser *p)
{
    free(p->argv);
    free(p->longopts);
    free(p->shortopts);
    memset(p, 0, sizeof *p);
}

static const struct cli_opt *row_of(const struct cli_spec *spec, int c)
{
    if (c >= LONG_VAL)
        return &spec->opts[c - LONG_VAL];
    for (const struct cli_opt *o = spec->opts; o->id != 0; o++)
        if (o->short_name != '\0' && (unsigned char)o->short_name == c)
            return o;
    return NULL;
}

/* A usage error of the command line being parsed: printed, and
 * CLI_PARSE_ERROR for cli_parser_next to return. */
__attribute__((format(printf, 2, 3))) static int parse_error(const struct cli_spec *spec, const char *fmt, ...)
{
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    cli_usage_error(spec->name, "%s", msg);
    return CLI_PARSE_ERROR;
}

static bool looks_like_option(const char *v)
{
    return (v[0] == '-' && v[1] == '-') ||
           (v[0] == '-' && ((v[1] >= 'a' && v[1] <= 'z') || (v[1] >= 'A' && v[1] <= 'Z')));
}

/* The error for the long option word w that getopt refused ('?'). */
static int long_option_error(const struct cli_spec *spec, const char *w)
{
    const char *name = w + 2, *eq = strchr(name, '=');
    size_t len = eq != NULL ? (size_t)(eq - name) : strlen(name);
    const struct cli_opt *match = NULL;
    size_t n_match = 0;
    char list[512] = "";
    for (const struct cli_opt *o = spec->opts; o->id != 0; o++) {
        if (strncmp(o->name, name, len) != 0)
            continue;
        if (strlen(o->name) == len) { /* exact: the only candidate */
            match = o;
            n_match = 1;
            break;
        }
        match = o;
        n_match++;
        size_t at = strlen(list);
        snprintf(list + at, sizeof list - at, "%s--%s", at > 0 ? ", " : "", o->name);
    }
    if (n_match > 1)
        return parse_error(spec, "option '--%.*s' is ambiguous: it could be %s", (int)len, name, list);
    if (n_match == 1 && eq != NULL && match->metavar == NULL)
        return parse_error(spec, "option '--%s' takes no value (got '%s')", match->name, w);
    /* Unknown: the closest name, if it is close. */
    struct suggest sg;
    suggest_begin(&sg, name, len);
    for (const struct cli_opt *o = spec->opts; o->id != 0; o++)
        suggest_consider(&sg, o->name);
    const char *meant = suggest_result(&sg);
    if (meant != NULL)
        return parse_error(spec, "unknown option '--%.*s' (did you mean '--%s'?)", (int)len, name, meant);
    return parse_error(spec, "unknown option '--%.*s'", (int)len, name);
}

int cli_parser_next(struct cli_parser *p, const char **value)
{
    const struct cli_spec *spec = p->spec;
    *value = NULL;
    if (p->rest > 0) {
        if (p->rest >= p->argc)
            return CLI_PARSE_END;
        *value = p->argv[p->rest++];
        return CLI_PARSE_ARG;
    }
    /* The word getopt is about to read (it stays put inside a bundle of
     * short options until the bundle's last letter). */
    int before = optind > 0 ? optind : 1;
    const char *word = before < p->argc ? p->argv[before] : "";
    bool is_long = word[0] == '-' && word[1] == '-';
    int c = getopt_long(p->argc, p->argv, p->shortopts, p->longopts, NULL);
    if (c == -1) {
        /* The end, or "--": every word after it is an argument. */
        p->rest = optind;
        if (p->rest >= p->argc)
            return CLI_PARSE_END;
        *value = p->argv[p->rest++];
        return CLI_PARSE_ARG;
    }
    if (c == 1) {
        *value = optarg;
        return CLI_PARSE_ARG;
    }
    if (c == ':') {
        const struct cli_opt *o = row_of(spec, optopt);
        if (is_long && o != NULL)
            return parse_error(spec, "option '--%s' needs a value", o->name);
        return parse_error(spec, "option '-%c' needs a value", optopt);
    }
    if (c == '?') {
        if (is_long)
            return long_option_error(spec, word);
        if (optopt >= 32 && optopt < 127)
            return parse_error(spec, "unknown option '-%c'", optopt);
        return parse_error(spec, "unknown option in '%s'", word);
    }
    const struct cli_opt *o = row_of(spec, c);
    assert(o != NULL);
    if (o->metavar != NULL) {
        /* A value in a word of its own (not --opt=VALUE or -oVALUE). */
        if (optarg == p->argv[optind - 1] && looks_like_option(optarg)) {
            char opt[80];
            if (is_long)
                snprintf(opt, sizeof opt, "--%s", o->name);
            else
                snprintf(opt, sizeof opt, "-%c", o->short_name);
            return parse_error(spec, "option '%s' needs a value, not the option '%s' (a file named "
                                   "so: ./%s)", opt, optarg, optarg);
        }
        *value = optarg;
    }
    return o->id;
}

/* ---- --help ---------------------------------------------------------------- */

/* Writes text from column col (the first line's start already written at
 * column at), wrapped at spaces before HELP_WIDTH; '\n' breaks a line. */
static void write_wrapped(FILE *f, const char *text, int col, int at)
{
    const char *s = text;
    int x = at;
    bool line_empty = true;
    while (*s != '\0') {
        if (*s == '\n') {
            fprintf(f, "\n%*s", col, "");
            x = col;
            line_empty = true;
            s++;
            continue;
        }
        if (*s == ' ') {
            s++;
            continue;
        }
        size_t len = strcspn(s, " \n");
        if (!line_empty && x + 1 + (int)len > HELP_WIDTH) {
            fprintf(f, "\n%*s", col, "");
            x = col;
            line_empty = true;
        }
        if (!line_empty) {
            fputc(' ', f);
            x++;
        }
        fwrite(s, 1, len, f);
        x += (int)len;
        line_empty = false;
        s += len;
    }
    fputc('\n', f);
}

void cli_opts_print_help(const struct cli_spec *spec, FILE *f)
{
    fprintf(f, "Usage: lambdasim %s %s\n", spec->name, spec->synopsis);
    if (spec->about != NULL)
        fprintf(f, "\n%s", spec->about);
    fputs("\nOptions:\n", f);
    for (const struct cli_opt *o = spec->opts; o->id != 0; o++) {
        char left[128];
        int n;
        if (o->short_name != '\0')
            n = snprintf(left, sizeof left, "  -%c, --%s", o->short_name, o->name);
        else
            n = snprintf(left, sizeof left, "      --%s", o->name);
        if (o->metavar != NULL && n >= 0 && (size_t)n < sizeof left)
            n += snprintf(left + n, sizeof left - (size_t)n, " %s", o->metavar);
        fputs(left, f);
        if (n + 2 > HELP_COL) {
            fprintf(f, "\n%*s", HELP_COL, "");
        } else {
            fprintf(f, "%*s", HELP_COL - n, "");
        }
        write_wrapped(f, o->help, HELP_COL, HELP_COL);
    }
    if (spec->notes != NULL)
        fprintf(f, "\n%s", spec->notes);
    fputs("\nThe manual: man lambdasim (docs/reference/ in the source tree).\n", f);
}

/* ---- bash completion ------------------------------------------------------- */

/* The options of spec as completion words: every --name, then every -x. */
static void bash_words(FILE *f, const struct cli_spec *spec, bool with_value_only)
{
    bool first = true;
    for (const struct cli_opt *o = spec->opts; o->id != 0; o++) {
        if (with_value_only && o->metavar == NULL)
            continue;
        fprintf(f, "%s--%s", first ? "" : " ", o->name);
        first = false;
        if (o->short_name != '\0')
            fprintf(f, " -%c", o->short_name);
    }
}

static const char *bash_complete_fn(enum cli_complete c)
{
    switch (c) {
    case CLI_C_FILE:
        return "_lambdasim_files";
    case CLI_C_JSON:
        return "_lambdasim_json";
    case CLI_C_NONE:
    case CLI_C_WORDS:
    case CLI_C_COMMANDS:
        break;
    }
    return "";
}

/* The case arm that completes the value of the option before the cursor. */
static void bash_values(FILE *f, const struct cli_spec *spec)
{
    fputs("            case $prev in\n", f);
    for (const struct cli_opt *o = spec->opts; o->id != 0; o++) {
        if (o->metavar == NULL)
            continue;
        fprintf(f, "            --%s", o->name);
        if (o->short_name != '\0')
            fprintf(f, "|-%c", o->short_name);
        if (o->complete == CLI_C_WORDS)
            fprintf(f, ") _lambdasim_words '%s'; return ;;\n", o->words);
        else if (o->complete == CLI_C_NONE)
            fputs(") return ;;\n", f);
        else
            fprintf(f, ") %s; return ;;\n", bash_complete_fn(o->complete));
    }
    fputs("            esac\n", f);
}

void cli_opts_print_bash(FILE *f, const struct cli_spec *const *specs, size_t n)
{
    fputs("# bash completion for lambdasim; generated by `lambdasim completion bash`\n"
          "# from the option tables of the commands (do not edit).\n"
          "_lambdasim_words() { COMPREPLY=($(compgen -W \"$1\" -- \"$cur\")); }\n"
          "_lambdasim_files() { compopt -o filenames 2>/dev/null; COMPREPLY=($(compgen -f -- \"$cur\")); }\n"
          "_lambdasim_json() {\n"
          "    compopt -o filenames 2>/dev/null\n"
          "    COMPREPLY=($(compgen -f -X '!*.json' -- \"$cur\") $(compgen -d -- \"$cur\"))\n"
          "}\n"
          "_lambdasim() {\n"
          "    local cur=${COMP_WORDS[COMP_CWORD]} prev= cmd=${COMP_WORDS[1]} opts= vopts= args= first=\n"
          "    [ \"$COMP_CWORD\" -gt 0 ] && prev=${COMP_WORDS[COMP_CWORD-1]}\n"
          "    # --opt=VALUE: bash splits the word at '='.\n"
          "    if [ \"$cur\" = = ]; then cur=; elif [ \"$prev\" = = ] && [ \"$COMP_CWORD\" -gt 1 ]; then\n"
          "        prev=${COMP_WORDS[COMP_CWORD-2]}; fi\n"
          "    COMPREPLY=()\n"
          "    if [ \"$COMP_CWORD\" -le 1 ]; then\n",
          f);
    fputs("        _lambdasim_words '", f);
    for (size_t i = 0; i < n; i++)
        fprintf(f, "%s ", specs[i]->name);
    fputs("-h --help -V --version'\n"
          "        return\n"
          "    fi\n"
          "    case $cmd in\n",
          f);
    for (size_t i = 0; i < n; i++) {
        const struct cli_spec *s = specs[i];
        fprintf(f, "        %s)\n", s->name);
        bash_values(f, s);
        fputs("            opts='", f);
        bash_words(f, s, false);
        fputs("'\n            vopts=' ", f);
        bash_words(f, s, true);
        fprintf(f, " '\n            args=%s", bash_complete_fn(s->args));
        if (s->first_args == CLI_C_COMMANDS) {
            fputs(" first='", f);
            for (size_t k = 0; k < n; k++)
                fprintf(f, "%s%s", k > 0 ? " " : "", specs[k]->name);
            fputc('\'', f);
        } else if (s->first_args == CLI_C_WORDS) {
            fprintf(f, " first='%s'", s->first_words);
        }
        fputs(" ;;\n", f);
    }
    fputs("        *) return ;;\n"
          "    esac\n"
          "    # Arguments so far (words that are neither options nor their values), and\n"
          "    # whether \"--\" ended the options.\n"
          "    local i=2 w n_args=0 ended=\n"
          "    while [ $i -lt \"$COMP_CWORD\" ]; do\n"
          "        w=${COMP_WORDS[i]}\n"
          "        if [ -n \"$ended\" ] || [ \"$w\" = - ] || [ \"${w#-}\" = \"$w\" ]; then\n"
          "            [ \"$w\" != = ] && [ \"${COMP_WORDS[i-1]}\" != = ] && n_args=$((n_args + 1))\n"
          "        elif [ \"$w\" = -- ]; then ended=1\n"
          "        elif [ \"${vopts#* $w }\" != \"$vopts\" ]; then i=$((i + 1))\n"
          "        fi\n"
          "        i=$((i + 1))\n"
          "    done\n"
          "    if [ -z \"$ended\" ] && [ \"${cur#-}\" != \"$cur\" ]; then\n"
          "        _lambdasim_words \"$opts\"\n"
          "    elif [ -n \"$first\" ] && [ $n_args -eq 0 ]; then\n"
          "        _lambdasim_words \"$first\"\n"
          "    elif [ -n \"$args\" ]; then\n"
          "        $args\n"
          "    fi\n"
          "}\n"
          "complete -F _lambdasim lambdasim\n",
          f);
}

/* ---- the options several commands share ------------------------------------ */

int cli_opt_seed(const char *cmd, const char *value, uint64_t *seed)
{
    if (!cli_parse_u64(value, seed))
        return cli_usage_error(cmd, "--seed: expected a whole number from 0 to 18446744073709551615 (got '%s')",
                               value);
    return CLI_OK;
}

int cli_opt_time_limit(const char *cmd, const char *opt, const char *value, double *seconds)
{
    if (!cli_parse_time_limit(value, seconds))
        return cli_usage_error(cmd, "%s: expected seconds > 0 and at most %.0f (got '%s')", opt,
                               INTERRUPT_TIME_LIMIT_MAX_S, value);
    return CLI_OK;
}
