/* sweep_spec: the sweep file format's data (see sweep_spec.h): the headline
 * metrics' names, objectives and constraints, and freeing a spec; read by
 * config_sweep.c, used by analysis/sweep_*.c. Writes nothing. */
#include "formats/sweep_spec.h"

#include <assert.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/common.h"
#include "base/textline.h"
#include "base/suggest.h"

void sweep_msgf(char *msg, size_t len, const char *fmt, ...)
{
    if (msg == NULL || len == 0)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, len, fmt, ap);
    va_end(ap);
    for (char *s = msg; *s != '\0'; s++)
        if (*s == '\n' || *s == '\r')
            *s = ' ';
}

/* ---- headline metrics ------------------------------------------------------------- */

static const char *const metric_names[] = {
#define SWEEP_METRIC_NAME(id, name, value) name,
    SWEEP_METRICS(SWEEP_METRIC_NAME)
#undef SWEEP_METRIC_NAME
};

size_t sweep_metric_count(void)
{
    return SWEEP_METRIC_COUNT;
}

const char *sweep_metric_name(size_t m)
{
    assert(m < COUNT(metric_names));
    return metric_names[m];
}

int sweep_metric_find(const char *name)
{
    for (size_t m = 0; m < COUNT(metric_names); m++)
        if (strcmp(name, metric_names[m]) == 0)
            return (int)m;
    return -1;
}

const char *sweep_metric_suggest(const char *name)
{
    return suggest_name(name, metric_names, COUNT(metric_names));
}

/* ---- numbers ----------------------------------------------------------------------- */

/* Shortest text that reads back as exactly v ("" for NAN): a merge parses
 * these and must rank exactly as the run did. */
const char *sweep_num_text(char *buf, double v)
{
    if (!isfinite(v)) {
        buf[0] = '\0';
        return buf;
    }
    /* Whole numbers (counts) without an exponent: 3000, not 3e+03. */
    if (v == floor(v) && fabs(v) < 1e15) {
        snprintf(buf, SWEEP_NUM_MAX, "%.0f", v);
        return buf;
    }
    for (int prec = 1; prec <= 17; prec++) {
        snprintf(buf, SWEEP_NUM_MAX, "%.*g", prec, v);
        if (strtod(buf, NULL) == v)
            break;
    }
    return buf;
}

/* A whole decimal number, nothing else. */

/* A number cell: empty = NAN. */
bool sweep_parse_num(const char *s, double *out)
{
    if (*s == '\0') {
        *out = (double)NAN;
        return true;
    }
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (*end != '\0' || !isfinite(v))
        return false;
    *out = v;
    return true;
}

/* ---- objective --------------------------------------------------------------------- */

static const char *const op_text[] = { "<=", "<", ">=", ">" };

/* "'TEXT': unknown metric 'NAME'", with the nearest metric's name when one
 * is near, else where the names are. */
static void unknown_metric(char *msg, size_t msg_len, const char *text, const char *name)
{
    const char *hint = sweep_metric_suggest(name);
    if (hint != NULL)
        sweep_msgf(msg, msg_len, "'%s': unknown metric '%s' (did you mean '%s'?)", text, name, hint);
    else
        sweep_msgf(msg, msg_len, "'%s': unknown metric '%s' (the metrics are the CSV's: "
                   "latency_ms.p99, cost_usd.total, ... see docs/reference/sweep.md)", text, name);
}

int sweep_parse_constraint(const char *text, struct sweep_constraint *out, char *msg,
                           size_t msg_len)
{
    const char *s = text;
    while (*s == ' ')
        s++;
    size_t n = 0;
    while (s[n] != '\0' && s[n] != ' ' && s[n] != '<' && s[n] != '>' && s[n] != '=')
        n++;
    char name[128];
    if (n == 0 || n >= sizeof name) {
        sweep_msgf(msg, msg_len, "'%s': expected \"METRIC OP NUMBER\" with OP one of <=, <, >=, > "
             "(e.g. \"cost_usd.total <= 0.05\")", text);
        return -1;
    }
    memcpy(name, s, n);
    name[n] = '\0';
    s += n;
    while (*s == ' ')
        s++;
    enum sweep_op op;
    if (s[0] == '<' && s[1] == '=') {
        op = SWEEP_OP_LE;
        s += 2;
    } else if (s[0] == '>' && s[1] == '=') {
        op = SWEEP_OP_GE;
        s += 2;
    } else if (s[0] == '<' && s[1] != '=' && s[1] != '<') {
        op = SWEEP_OP_LT;
        s += 1;
    } else if (s[0] == '>' && s[1] != '=' && s[1] != '>') {
        op = SWEEP_OP_GT;
        s += 1;
    } else {
        sweep_msgf(msg, msg_len, "'%s': expected an operator <=, <, >= or > after '%s' "
             "(e.g. \"cost_usd.total <= 0.05\")", text, name);
        return -1;
    }
    int m = sweep_metric_find(name);
    if (m < 0) {
        unknown_metric(msg, msg_len, text, name);
        return -1;
    }
    while (*s == ' ')
        s++;
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    while (end != s && *end == ' ')
        end++;
    if (end == s || *end != '\0' || errno == ERANGE || !isfinite(v)) {
        sweep_msgf(msg, msg_len, "'%s': expected a number after '%s' (e.g. \"cost_usd.total <= 0.05\")",
             text, op_text[op]);
        return -1;
    }
    out->metric = (size_t)m;
    out->op = op;
    out->bound = v;
    return 0;
}

void sweep_objective_default_pareto(struct sweep_objective *o)
{
    o->pareto[0] = SWEEP_M_LATENCY_P99;
    o->pareto[1] = SWEEP_M_COST;
    o->pareto_max[0] = o->pareto_max[1] = false;
}

int sweep_parse_pareto_axis(const char *text, size_t *metric, bool *maximize, char *msg, size_t msg_len)
{
    const char *s = text;
    bool max = false;
    if (strncmp(s, "max ", 4) == 0 || strncmp(s, "min ", 4) == 0) {
        max = s[1] == 'a';
        s += 4;
    }
    while (*s == ' ')
        s++;
    int m = sweep_metric_find(s);
    if (m < 0) {
        unknown_metric(msg, msg_len, text, s);
        return -1;
    }
    *metric = (size_t)m;
    *maximize = max;
    return 0;
}

void sweep_format_pareto(const struct sweep_objective *o, char *buf, size_t len)
{
    snprintf(buf, len, "%s %s, %s %s", o->pareto_max[0] ? "max" : "min", metric_names[o->pareto[0]],
             o->pareto_max[1] ? "max" : "min", metric_names[o->pareto[1]]);
}

int sweep_parse_pareto(const char *text, struct sweep_objective *o, char *msg, size_t msg_len)
{
    const char *comma = strchr(text, ',');
    char first[128];
    size_t n = comma != NULL ? (size_t)(comma - text) : 0;
    if (comma == NULL || n >= sizeof first) {
        sweep_msgf(msg, msg_len, "'%s': expected two axes \"min METRIC, max METRIC\"", text);
        return -1;
    }
    memcpy(first, text, n);
    first[n] = '\0';
    const char *second = comma + 1;
    while (*second == ' ')
        second++;
    if (sweep_parse_pareto_axis(first, &o->pareto[0], &o->pareto_max[0], msg, msg_len) < 0 ||
        sweep_parse_pareto_axis(second, &o->pareto[1], &o->pareto_max[1], msg, msg_len) < 0)
        return -1;
    return 0;
}

void sweep_format_constraint(const struct sweep_constraint *c, char *buf, size_t len)
{
    char num[SWEEP_NUM_MAX];
    snprintf(buf, len, "%s %s %s", metric_names[c->metric], op_text[c->op], sweep_num_text(num, c->bound));
}

int sweep_check_constraints(const struct sweep_objective *o, char *msg, size_t msg_len)
{
    for (size_t m = 0; m < COUNT(metric_names); m++) {
        double lo = -INFINITY, hi = INFINITY;
        bool lo_open = false, hi_open = false;
        for (size_t i = 0; i < o->n_constraints; i++) {
            const struct sweep_constraint *c = &o->constraints[i];
            if (c->metric != m)
                continue;
            bool open = c->op == SWEEP_OP_LT || c->op == SWEEP_OP_GT;
            if (c->op == SWEEP_OP_GE || c->op == SWEEP_OP_GT) {
                if (c->bound > lo || (c->bound == lo && open)) {
                    lo = c->bound;
                    lo_open = open;
                }
            } else if (c->bound < hi || (c->bound == hi && open)) {
                hi = c->bound;
                hi_open = open;
            }
        }
        if (lo > hi || (lo == hi && (lo_open || hi_open))) {
            sweep_msgf(msg, msg_len, "contradictory constraints on %s: no value satisfies them all",
                 metric_names[m]);
            return -1;
        }
    }
    return 0;
}

/* ---- the sweep --------------------------------------------------------------------- */

void sweep_free_strings(char **s, size_t n)
{
    for (size_t i = 0; s != NULL && i < n; i++)
        free(s[i]);
    free(s);
}

void sweep_spec_fini(struct sweep_spec *sp)
{
    if (sp == NULL)
        return;
    for (size_t a = 0; a < sp->n_axes; a++) {
        free(sp->axes[a].path);
        free(sp->axes[a].field);
        sweep_free_strings(sp->axes[a].values, sp->axes[a].n_values);
    }
    free(sp->axes);
    free(sp->dims);
    sweep_free_strings(sp->override_paths, sp->n_overrides);
    sweep_free_strings(sp->override_values, sp->n_overrides);
    free(sp->objective.constraints);
    for (size_t i = 0; i < sp->n_inputs; i++)
        free(sp->inputs[i].path);
    free(sp->inputs);
    free(sp->file);
    free(sp->scenario);
    memset(sp, 0, sizeof *sp);
}
