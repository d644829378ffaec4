/* sweep_output: writing a sweep's table (see sweep.h): CSV, JSON, the
 * readable summary and the command line that reproduces a point. Writes
 * only to the FILE it is handed. */
#include "analysis/sweep_internal.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <stdint.h>
#include <string.h>

#include "base/common.h"
#include "formats/jsonout.h"
#include "base/version.h"
#include "base/xalloc.h"

/* ---- CSV ---------------------------------------------------------------------------------- */

void sweep_csv_cell(FILE *f, const char *s)
{
    if (strpbrk(s, ",\"\n\r") == NULL && s[0] != '#' && s[0] != ' ' &&
        (s[0] == '\0' || s[strlen(s) - 1] != ' ')) {
        fputs(s, f);
        return;
    }
    fputc('"', f);
    for (; *s != '\0'; s++) {
        if (*s == '"')
            fputc('"', f);
        fputc(*s, f);
    }
    fputc('"', f);
}

static const char *feasible_on(const struct sweep_objective *o)
{
    return o->feasible_on_mean ? "mean" : "bound";
}

static const char *objective_verb(const struct sweep_objective *o)
{
    return o->maximize ? "maximize" : "minimize";
}

/* The objective as the shard header's "# objective:" line says it (and
 * merge reads it back): "minimize METRIC", "maximize METRIC" or "balanced
 * WEIGHT TIME COST". */
static void objective_line(const struct sweep_objective *o, char *buf, size_t len)
{
    char num[SWEEP_NUM_MAX];
    if (o->balanced)
        snprintf(buf, len, "balanced %s %s %s", sweep_num_text(num, o->weight), sweep_metric_name(o->metric),
                 sweep_metric_name(o->cost_metric));
    else
        snprintf(buf, len, "%s %s", objective_verb(o), sweep_metric_name(o->metric));
}

void sweep_write_csv(FILE *f, const struct sweep_table *t)
{
    size_t nm = sweep_metric_count();
    char num[SWEEP_NUM_MAX], con[256];
    if (t->shard_n != 0) {
        /* What merge needs to check the shards and to print the summary. */
        fprintf(f, SHARD_MAGIC "%zu/%zu\n", t->shard_k, t->shard_n);
        fprintf(f, "# version: %s\n", LAMBDASIM_VERSION);
        fprintf(f, "# sweep: %s\n", t->file);
        fprintf(f, "# id: %016llx\n", (unsigned long long)t->id);
        fprintf(f, "# points: %zu\n", t->n_points_total);
        fprintf(f, "# replications: %d\n", t->replications);
        fprintf(f, "# scenario: %s\n", t->scenario);
        fprintf(f, "# seed: %llu\n", (unsigned long long)t->seed);
        fprintf(f, "# common_random_numbers: %s\n", t->common_random_numbers ? "true" : "false");
        fprintf(f, "# per_run_level: %s\n", sweep_num_text(num, t->per_run_level));
        /* What the points read, by content: merge names the one that
         * differs between shards (the path is for the reader). */
        for (size_t i = 0; i < t->n_inputs; i++) {
            fprintf(f, "# input: %016llx %s ", (unsigned long long)t->inputs[i].hash, t->inputs[i].role);
            for (const char *c = t->inputs[i].path; *c != '\0'; c++)
                fputc(*c == '\n' || *c == '\r' ? '?' : *c, f);
            fputc('\n', f);
        }
        objective_line(&t->objective, con, sizeof con);
        fprintf(f, "# objective: %s\n", con);
        fprintf(f, "# feasible_on: %s\n", feasible_on(&t->objective));
        sweep_format_pareto(&t->objective, con, sizeof con);
        fprintf(f, "# pareto: %s\n", con);
        for (size_t i = 0; i < t->objective.n_constraints; i++) {
            sweep_format_constraint(&t->objective.constraints[i], con, sizeof con);
            fprintf(f, "# subject_to: %s\n", con);
        }
        for (size_t i = 0; i < t->n_overrides; i++)
            fprintf(f, "# override: %s=%s\n", t->override_paths[i], t->override_values[i]);
    }
    fputs("point", f);
    for (size_t a = 0; a < t->n_columns; a++) {
        fputc(',', f);
        sweep_csv_cell(f, t->columns[a]);
    }
    fputs(",replications", f);
    for (size_t m = 0; m < nm; m++)
        fprintf(f, ",%s_mean,%s_ci95,%s_run_lo,%s_run_hi", sweep_metric_name(m), sweep_metric_name(m),
                sweep_metric_name(m), sweep_metric_name(m));
    fputs(",feasible,pareto,rank,tied\n", f);
    for (size_t i = 0; i < t->n_rows; i++) {
        const struct sweep_row *r = &t->rows[i];
        fprintf(f, "%zu", r->point);
        for (size_t a = 0; a < t->n_columns; a++) {
            fputc(',', f);
            sweep_csv_cell(f, r->cells[a]);
        }
        fprintf(f, ",%d", t->replications);
        for (size_t m = 0; m < nm; m++) {
            fprintf(f, ",%s", sweep_num_text(num, r->mean[m]));
            fprintf(f, ",%s", sweep_num_text(num, r->ci95[m]));
            fprintf(f, ",%s", sweep_num_text(num, r->run_lo[m]));
            fprintf(f, ",%s", sweep_num_text(num, r->run_hi[m]));
        }
        if (t->shard_n != 0)
            fprintf(f, ",%d,,,\n", r->feasible ? 1 : 0);
        else
            fprintf(f, ",%d,%d,%zu,%d\n", r->feasible ? 1 : 0, r->pareto ? 1 : 0, r->rank, r->tied ? 1 : 0);
    }
}

/* ---- JSON ---------------------------------------------------------------------------------- */

static void json_num(FILE *f, double v)
{
    char num[SWEEP_NUM_MAX];
    fputs(isfinite(v) ? sweep_num_text(num, v) : "null", f);
}

/* A value as JSON: the `--set` rule (JSON when it parses as JSON, else a
 * string), so the value is the one the scenario received. */
static void json_value(FILE *f, const char *v)
{
    if (config_value_is_json(v))
        fputs(v, f);
    else
        jsonout_string(f, v);
}

static const struct sweep_row *best_row(const struct sweep_table *t)
{
    for (size_t i = 0; i < t->n_rows; i++)
        if (t->rows[i].rank == 1)
            return &t->rows[i];
    return NULL;
}

void sweep_write_replications_csv(FILE *f, const struct sweep_table *t, const struct sweep_spec *sp,
                                  const struct sweep_results *res)
{
    size_t nm = sweep_metric_count();
    char num[SWEEP_NUM_MAX];
    fputs("point", f);
    for (size_t a = 0; a < t->n_columns; a++) {
        fputc(',', f);
        sweep_csv_cell(f, t->columns[a]);
    }
    fputs(",replication,seed", f);
    for (size_t m = 0; m < nm; m++)
        fprintf(f, ",%s", sweep_metric_name(m));
    fputc('\n', f);
    for (size_t i = 0; i < t->n_rows; i++) {
        const struct sweep_row *r = &t->rows[i];
        for (size_t k = 0; k < res->reps; k++) {
            fprintf(f, "%zu", r->point);
            for (size_t a = 0; a < t->n_columns; a++) {
                fputc(',', f);
                sweep_csv_cell(f, r->cells[a]);
            }
            fprintf(f, ",%zu,%llu", k, (unsigned long long)sweep_seed(sp, r->point, (int)k));
            const double *v = res->raw + (r->point * res->reps + k) * nm;
            for (size_t m = 0; m < nm; m++)
                fprintf(f, ",%s", sweep_num_text(num, v[m]));
            fputc('\n', f);
        }
    }
}

void sweep_write_json(FILE *f, const struct sweep_table *t)
{
    size_t nm = sweep_metric_count();
    char con[256], num[SWEEP_NUM_MAX];
    fputs("{\n  \"lambdasim_version\": ", f);
    jsonout_string(f, LAMBDASIM_VERSION);
    fputs(",\n  \"sweep\": ", f);
    jsonout_string(f, t->file);
    fprintf(f, ",\n  \"id\": \"%016llx\"", (unsigned long long)t->id);
    fputs(",\n  \"scenario\": ", f);
    jsonout_string(f, t->scenario);
    fputs(",\n  \"inputs\": [", f);
    for (size_t i = 0; i < t->n_inputs; i++) {
        fputs(i == 0 ? "{\"role\": " : ", {\"role\": ", f);
        jsonout_string(f, t->inputs[i].role);
        fputs(", \"path\": ", f);
        jsonout_string(f, t->inputs[i].path);
        fprintf(f, ", \"hash\": \"%016llx\"}", (unsigned long long)t->inputs[i].hash);
    }
    fputc(']', f);
    fprintf(f, ",\n  \"seed\": %llu", (unsigned long long)t->seed);
    fprintf(f, ",\n  \"common_random_numbers\": %s", t->common_random_numbers ? "true" : "false");
    fprintf(f, ",\n  \"replications\": %d", t->replications);
    fprintf(f, ",\n  \"per_run_interval\": {\"level\": %s, ", sweep_num_text(num, t->per_run_level));
    fprintf(f, "\"coverage\": %s, \"k\": %zu, \"enough\": %s}", sweep_num_text(num, t->per_run_coverage),
            t->per_run_k, t->per_run_enough ? "true" : "false");
    fprintf(f, ",\n  \"points_total\": %zu", t->n_points_total);
    /* How "tied" was decided (a reader such as `report` says so): paired
     * on the replications' differences, or unpaired on the intervals. */
    if (t->shard_n == 0)
        fprintf(f, ",\n  \"ties_test\": \"%s\"", t->paired_ties ? "paired" : "unpaired");
    if (t->shard_n != 0)
        fprintf(f, ",\n  \"shard\": \"%zu/%zu\"", t->shard_k, t->shard_n);
    if (t->objective.balanced)
        fprintf(f, ",\n  \"objective\": {\"balanced\": {\"weight\": %s, \"time\": \"%s\", \"cost\": \"%s\"}, "
                "\"subject_to\": [", sweep_num_text(num, t->objective.weight), sweep_metric_name(t->objective.metric),
                sweep_metric_name(t->objective.cost_metric));
    else
        fprintf(f, ",\n  \"objective\": {\"%s\": \"%s\", \"subject_to\": [", objective_verb(&t->objective),
                sweep_metric_name(t->objective.metric));
    for (size_t i = 0; i < t->objective.n_constraints; i++) {
        sweep_format_constraint(&t->objective.constraints[i], con, sizeof con);
        fputs(i == 0 ? "" : ", ", f);
        jsonout_string(f, con);
    }
    fprintf(f, "], \"feasible_on\": \"%s\", \"pareto\": [\"%s%s\", \"%s%s\"]},\n  \"overrides\": {",
            feasible_on(&t->objective), t->objective.pareto_max[0] ? "max " : "",
            sweep_metric_name(t->objective.pareto[0]), t->objective.pareto_max[1] ? "max " : "",
            sweep_metric_name(t->objective.pareto[1]));
    for (size_t i = 0; i < t->n_overrides; i++) {
        fputs(i == 0 ? "" : ", ", f);
        jsonout_string(f, t->override_paths[i]);
        fputs(": ", f);
        json_value(f, t->override_values[i]);
    }
    fputs("},\n  \"axes\": [", f);
    for (size_t a = 0; a < t->n_columns; a++) {
        fputs(a == 0 ? "" : ", ", f);
        jsonout_string(f, t->columns[a]);
    }
    fputs("],\n  \"points\": [", f);
    for (size_t i = 0; i < t->n_rows; i++) {
        const struct sweep_row *r = &t->rows[i];
        fprintf(f, "%s\n    {\"point\": %zu, \"values\": {", i == 0 ? "" : ",", r->point);
        for (size_t a = 0; a < t->n_columns; a++) {
            fputs(a == 0 ? "" : ", ", f);
            jsonout_string(f, t->columns[a]);
            fputs(": ", f);
            json_value(f, r->cells[a]);
        }
        fprintf(f, "}, \"replications\": %d, \"metrics\": {", t->replications);
        for (size_t m = 0; m < nm; m++) {
            fprintf(f, "%s\"%s\": {\"mean\": ", m == 0 ? "" : ", ", sweep_metric_name(m));
            json_num(f, r->mean[m]);
            fputs(", \"ci95\": ", f);
            json_num(f, r->ci95[m]);
            fputs(", \"per_run\": [", f);
            json_num(f, r->run_lo[m]);
            fputs(", ", f);
            json_num(f, r->run_hi[m]);
            fputs("]}", f);
        }
        fprintf(f, "}, \"feasible\": %s", r->feasible ? "true" : "false");
        if (t->shard_n == 0 && t->objective.balanced) {
            fputs(", \"score\": ", f);
            json_num(f, r->score);
        }
        if (t->shard_n == 0) {
            fprintf(f, ", \"pareto\": %s, \"rank\": %zu, \"tied\": %s, \"same_as\": ", r->pareto ? "true" : "false",
                    r->rank, r->tied ? "true" : "false");
            if (r->same_as == SIZE_MAX)
                fputs("null}", f);
            else
                fprintf(f, "%zu}", r->same_as);
        } else {
            fputs(", \"pareto\": null, \"rank\": null, \"tied\": null, \"same_as\": null}", f);
        }
    }
    fputs(t->n_rows > 0 ? "\n  ],\n  \"pareto_front\": [" : "],\n  \"pareto_front\": [", f);
    bool first = true;
    for (size_t i = 0; i < t->n_rows; i++) {
        if (t->rows[i].pareto) {
            fprintf(f, "%s%zu", first ? "" : ", ", t->rows[i].point);
            first = false;
        }
    }
    fputs("],\n  \"best\": ", f);
    const struct sweep_row *b = best_row(t);
    if (b == NULL) {
        fputs("null\n}\n", f);
        return;
    }
    char *cmd = sweep_command_line(t, b);
    fprintf(f, "{\"point\": %zu, \"feasible\": %s, \"seed\": %llu, \"command\": ", b->point,
            b->feasible ? "true" : "false",
            (unsigned long long)sweep_point_seed(t->seed, t->common_random_numbers, b->point, 0));
    jsonout_string(f, cmd);
    fputs("}\n}\n", f);
    free(cmd);
}

/* ---- summary ----------------------------------------------------------------------------- */

/* Quoted for a POSIX shell when it holds anything but plain characters. */
static void shell_arg(char **buf, size_t *len, size_t *cap, const char *s)
{
    bool plain = s[0] != '\0';
    for (const char *p = s; *p != '\0' && plain; p++)
        plain = strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-./:=,+@%",
                       *p) != NULL;
    size_t need = *len + 4 * strlen(s) + 4;
    *buf = xgrow(*buf, cap, need, 1);
    char *o = *buf + *len;
    if (plain) {
        o += sprintf(o, "%s", s);
    } else {
        *o++ = '\'';
        for (const char *p = s; *p != '\0'; p++) {
            if (*p == '\'') {
                memcpy(o, "'\\''", 4);
                o += 4;
            } else {
                *o++ = *p;
            }
        }
        *o++ = '\'';
        *o = '\0';
    }
    *len = (size_t)(o - *buf);
}

static void cmd_append(char **buf, size_t *len, size_t *cap, const char *s)
{
    size_t n = strlen(s);
    *buf = xgrow(*buf, cap, *len + n + 1, 1);
    memcpy(*buf + *len, s, n + 1);
    *len += n;
}

char *sweep_command_line(const struct sweep_table *t, const struct sweep_row *row)
{
    char *buf = NULL, seed[32];
    size_t len = 0, cap = 0;
    cmd_append(&buf, &len, &cap, "lambdasim run ");
    shell_arg(&buf, &len, &cap, t->scenario);
    snprintf(seed, sizeof seed, " --seed %llu",
             (unsigned long long)sweep_point_seed(t->seed, t->common_random_numbers, row->point, 0));
    cmd_append(&buf, &len, &cap, seed);
    for (size_t i = 0; i < t->n_overrides + t->n_columns; i++) {
        const char *p = i < t->n_overrides ? t->override_paths[i] : t->columns[i - t->n_overrides];
        const char *v = i < t->n_overrides ? t->override_values[i] : row->cells[i - t->n_overrides];
        char *kv = xmalloc(strlen(p) + strlen(v) + 2);
        sprintf(kv, "%s=%s", p, v);
        cmd_append(&buf, &len, &cap, " --set ");
        shell_arg(&buf, &len, &cap, kv);
        free(kv);
    }
    return buf;
}

/* A text grid printed with columns padded to their widest cell. */
struct grid {
    size_t rows, cols;
    char **cell;            /* rows * cols, owned */
};

static void grid_init(struct grid *g, size_t rows, size_t cols)
{
    g->rows = rows;
    g->cols = cols;
    g->cell = xcalloc(rows * cols + 1, sizeof *g->cell);
}

static void grid_set(struct grid *g, size_t r, size_t c, const char *fmt, ...) PRINTF_LIKE(4, 5);
static void grid_set(struct grid *g, size_t r, size_t c, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    char *s = xmalloc((size_t)(n < 0 ? 0 : n) + 1);
    va_start(ap, fmt);
    vsnprintf(s, (size_t)(n < 0 ? 0 : n) + 1, fmt, ap);
    va_end(ap);
    free(g->cell[r * g->cols + c]);
    g->cell[r * g->cols + c] = s;
}

static void grid_print(FILE *f, struct grid *g)
{
    size_t *w = xcalloc(g->cols + 1, sizeof *w);
    for (size_t r = 0; r < g->rows; r++)
        for (size_t c = 0; c < g->cols; c++) {
            const char *s = g->cell[r * g->cols + c];
            size_t l = s != NULL ? strlen(s) : 0;
            if (l > w[c])
                w[c] = l;
        }
    for (size_t r = 0; r < g->rows; r++) {
        fputs(" ", f);
        for (size_t c = 0; c < g->cols; c++) {
            const char *s = g->cell[r * g->cols + c];
            fprintf(f, "%s%*s", c == 0 ? " " : "  ", (int)w[c], s != NULL ? s : "");
        }
        fputc('\n', f);
    }
    for (size_t i = 0; i < g->rows * g->cols; i++)
        free(g->cell[i]);
    free(g->cell);
    free(w);
}

static void fmt_mean_ci(char *buf, size_t len, double mean, double ci)
{
    if (!isfinite(mean))
        snprintf(buf, len, "-");
    else if (!isfinite(ci))
        snprintf(buf, len, "%.5g", mean);
    else if (ci >= 100)
        snprintf(buf, len, "%.5g ± %.0f", mean, ci);
    else
        snprintf(buf, len, "%.5g ± %.2g", mean, ci);
}

/* Metrics shown in the summary tables: the objective's (two when
 * balanced) and the Pareto axes, each once. */
static size_t summary_metrics(const struct sweep_table *t, size_t *ms)
{
    size_t n = 0;
    const size_t want[4] = { t->objective.metric, t->objective.cost_metric, t->objective.pareto[0],
                              t->objective.pareto[1] };
    for (size_t k = 0; k < 4; k++) {
        bool seen = k == 1 && !t->objective.balanced;
        for (size_t j = 0; j < n && !seen; j++)
            seen = ms[j] == want[k];
        if (!seen)
            ms[n++] = want[k];
    }
    return n;
}

static void row_values(char *buf, size_t len, const struct sweep_table *t, const struct sweep_row *r)
{
    size_t used = 0;
    buf[0] = '\0';
    for (size_t a = 0; a < t->n_columns && used < len; a++) {
        int k = snprintf(buf + used, len - used, "%s%s=%s", a == 0 ? "" : ", ", t->columns[a],
                         r->cells[a]);
        if (k < 0)
            break;
        used += (size_t)k;
    }
}

#define SAME_GROUPS_SHOWN 5

/* Groups of points with the same results (sweep_row.same_as): how many,
 * and the first few with the axes that differ inside them, which change
 * nothing there. Rows are in point order. */
static void write_same_groups(FILE *f, const struct sweep_table *t)
{
    size_t groups = 0, points = 0;
    bool *leader = xcalloc(t->n_rows + 1, sizeof *leader);
    for (size_t i = 0; i < t->n_rows; i++) {
        size_t p = t->rows[i].same_as;
        if (p == SIZE_MAX)
            continue;
        points++;
        /* Rows are in point order: the leader's row by bisection. */
        size_t lo = 0, hi = i;
        while (lo < hi) {
            size_t mid = lo + (hi - lo) / 2;
            if (t->rows[mid].point < p)
                lo = mid + 1;
            else
                hi = mid;
        }
        if (lo < i && t->rows[lo].point == p && !leader[lo]) {
            groups++;
            points++;
            leader[lo] = true;
        }
    }
    if (groups > 0) {
        fprintf(f, "same results: %zu group%s of points (%zu points) gave bit-identical results in every "
                "metric%s; what differs inside a group changes nothing there:\n", groups, groups == 1 ? "" : "s",
                points, t->common_random_numbers ? " (common random numbers: the same simulation)" : "");
        size_t shown = 0;
        for (size_t i = 0; i < t->n_rows && shown < SAME_GROUPS_SHOWN; i++) {
            if (!leader[i])
                continue;
            shown++;
            fprintf(f, "  points %zu", t->rows[i].point);
            for (size_t j = i + 1; j < t->n_rows; j++)
                if (t->rows[j].same_as == t->rows[i].point)
                    fprintf(f, ", %zu", t->rows[j].point);
            const char *sep = ": ";
            for (size_t a = 0; a < t->n_columns; a++) {
                bool differs = false;
                for (size_t j = i + 1; j < t->n_rows && !differs; j++)
                    differs = t->rows[j].same_as == t->rows[i].point && strcmp(t->rows[j].cells[a], t->rows[i].cells[a]) != 0;
                if (differs) {
                    fprintf(f, "%s%s", sep, t->columns[a]);
                    sep = ", ";
                }
            }
            fputc('\n', f);
        }
        if (groups > shown)
            fprintf(f, "  ... and %zu more (same_as in --json)\n", groups - shown);
    }
    free(leader);
}

void sweep_write_summary(FILE *f, const struct sweep_table *t)
{
    char buf[256];
    size_t ms[4] = { 0 }, nms = summary_metrics(t, ms), feasible = 0, front = 0, tied = 0;
    for (size_t i = 0; i < t->n_rows; i++) {
        feasible += t->rows[i].feasible;
        front += t->rows[i].pareto;
        tied += t->rows[i].tied;
    }
    fprintf(f, "sweep %s: %zu points x %d replications of %s (base seed %llu%s)\n", t->file,
            t->n_points_total, t->replications, t->scenario, (unsigned long long)t->seed,
            t->common_random_numbers ? ", common random numbers" : "");
    if (t->objective.balanced) {
        char num[SWEEP_NUM_MAX], rest[SWEEP_NUM_MAX];
        fprintf(f, "objective: balanced, lowest %s x %s / its largest + %s x %s / its largest (AWS Lambda Power "
                "Tuning's balanced strategy)", sweep_num_text(num, t->objective.weight),
                sweep_metric_name(t->objective.cost_metric), sweep_num_text(rest, 1 - t->objective.weight),
                sweep_metric_name(t->objective.metric));
    } else {
        fprintf(f, "objective: %s %s", objective_verb(&t->objective), sweep_metric_name(t->objective.metric));
    }
    for (size_t i = 0; i < t->objective.n_constraints; i++) {
        sweep_format_constraint(&t->objective.constraints[i], buf, sizeof buf);
        fprintf(f, "%s%s", i == 0 ? " subject to " : " and ", buf);
    }
    if (t->objective.n_constraints > 0)
        fputs(t->objective.feasible_on_mean ? " (on the means)"
                                            : " (on the 95% CI bound: mean + ci95 below, mean - ci95 above)", f);
    fprintf(f, "\nfeasible points: %zu of %zu\n", feasible, t->n_rows);
    if (t->n_rows == 0)
        return;
    if (tied > 0 && t->paired_ties)
        fprintf(f, "tied with the best (not significantly worse: paired t test on the replications' differences, "
                "common random numbers, 2.5%% one-sided): %zu point%s\n", tied, tied == 1 ? "" : "s");
    else if (tied > 0)
        fprintf(f, "tied with the best (not significantly worse at about 5%%, unpaired): %zu point%s\n", tied,
                tied == 1 ? "" : "s");
    write_same_groups(f, t);

    /* Top points by rank. */
    size_t top = t->n_rows < SUMMARY_TOP ? t->n_rows : SUMMARY_TOP;
    const struct sweep_row **by_rank = xcalloc(t->n_rows, sizeof *by_rank);
    for (size_t i = 0; i < t->n_rows; i++)
        by_rank[t->rows[i].rank - 1] = &t->rows[i];
    struct grid g;
    size_t score_col = 2 + t->n_columns + nms, cols = score_col + (t->objective.balanced ? 1 : 0) + 2;
    grid_init(&g, top + 1, cols);
    if (t->objective.balanced)
        grid_set(&g, 0, score_col, "score");
    grid_set(&g, 0, 0, "rank");
    grid_set(&g, 0, 1, "point");
    for (size_t a = 0; a < t->n_columns; a++)
        grid_set(&g, 0, 2 + a, "%s", t->columns[a]);
    for (size_t k = 0; k < nms; k++)
        grid_set(&g, 0, 2 + t->n_columns + k, "%s", sweep_metric_name(ms[k]));
    grid_set(&g, 0, cols - 2, "feasible");
    grid_set(&g, 0, cols - 1, "tied");
    /* cppcheck-suppress knownConditionTrueFalse ; false positive: top >= 1 (n_rows > 0 here) */
    for (size_t i = 0; i < top; i++) {
        const struct sweep_row *r = by_rank[i];
        grid_set(&g, i + 1, 0, "%zu", r->rank);
        grid_set(&g, i + 1, 1, "%zu", r->point);
        for (size_t a = 0; a < t->n_columns; a++)
            grid_set(&g, i + 1, 2 + a, "%s", r->cells[a]);
        for (size_t k = 0; k < nms; k++) {
            fmt_mean_ci(buf, sizeof buf, r->mean[ms[k]], r->ci95[ms[k]]);
            grid_set(&g, i + 1, 2 + t->n_columns + k, "%s", buf);
        }
        if (t->objective.balanced)
            grid_set(&g, i + 1, score_col, "%.4f", r->score);
        grid_set(&g, i + 1, cols - 2, "%s", r->feasible ? "yes" : "no");
        grid_set(&g, i + 1, cols - 1, "%s", r->tied ? "yes" : "no");
    }
    fprintf(f, "\ntop %zu points by rank (mean ± 95%% CI half-width over replications):\n", top);
    grid_print(f, &g);

    /* The Pareto front, in order of its first axis. */
    const size_t *pa = t->objective.pareto;
    const bool *px = t->objective.pareto_max;
    fprintf(f, "\nPareto front of %s%s and %s%s (feasible points): %zu point%s\n", px[0] ? "max " : "",
            sweep_metric_name(pa[0]), px[1] ? "max " : "", sweep_metric_name(pa[1]), front, front == 1 ? "" : "s");
    if (front > 0) {
        const struct sweep_row **fr = xcalloc(t->n_rows, sizeof *fr);
        /* A sort in n log n: the front of a grid the input sizes may hold
         * every point. */
        size_t n = sweep_front_rows(t, fr);
        grid_init(&g, n + 1, 3 + t->n_columns + 1);
        grid_set(&g, 0, 0, "point");
        for (size_t a = 0; a < t->n_columns; a++)
            grid_set(&g, 0, 1 + a, "%s", t->columns[a]);
        grid_set(&g, 0, 1 + t->n_columns, "%s", sweep_metric_name(pa[0]));
        grid_set(&g, 0, 2 + t->n_columns, "%s", sweep_metric_name(pa[1]));
        grid_set(&g, 0, 3 + t->n_columns, "rank");
        for (size_t i = 0; i < n; i++) {
            grid_set(&g, i + 1, 0, "%zu", fr[i]->point);
            for (size_t a = 0; a < t->n_columns; a++)
                grid_set(&g, i + 1, 1 + a, "%s", fr[i]->cells[a]);
            fmt_mean_ci(buf, sizeof buf, fr[i]->mean[pa[0]], fr[i]->ci95[pa[0]]);
            grid_set(&g, i + 1, 1 + t->n_columns, "%s", buf);
            fmt_mean_ci(buf, sizeof buf, fr[i]->mean[pa[1]], fr[i]->ci95[pa[1]]);
            grid_set(&g, i + 1, 2 + t->n_columns, "%s", buf);
            grid_set(&g, i + 1, 3 + t->n_columns, "%zu", fr[i]->rank);
        }
        grid_print(f, &g);
        free(fr);
    }

    const struct sweep_row *b = by_rank[0];
    char values[2048];
    row_values(values, sizeof values, t, b);
    fprintf(f, "\n%s point: %zu%s%s%s\n", b->feasible ? "best" : "no feasible point; best by the objective",
            b->point, values[0] != '\0' ? " (" : "", values, values[0] != '\0' ? ")" : "");
    int width = 0;
    for (size_t k = 0; k < nms; k++) {
        fmt_mean_ci(buf, sizeof buf, b->mean[ms[k]], b->ci95[ms[k]]);
        int w = (int)strlen(buf);
        width = w > width ? w : width;
    }
    for (size_t k = 0; k < nms; k++) {
        fmt_mean_ci(buf, sizeof buf, b->mean[ms[k]], b->ci95[ms[k]]);
        /* "±" is two bytes and one column. */
        fprintf(f, "  %-16s %-*s", sweep_metric_name(ms[k]), width + (strstr(buf, "±") != NULL ? 1 : 0), buf);
        if (isfinite(b->run_lo[ms[k]]))
            fprintf(f, " one run: %.5g to %.5g", b->run_lo[ms[k]], b->run_hi[ms[k]]);
        fputc('\n', f);
    }
    fprintf(f, "  (mean ± 95%% CI half-width; one run: where a single run falls, order statistics %zu and %d "
            "of the %d replications, %.0f%% of runs%s)\n", t->per_run_k,
            t->replications + 1 - (int)t->per_run_k, t->replications, 100 * t->per_run_coverage,
            t->per_run_enough ? "" : ": too few replications for the level asked");
    char *cmd = sweep_command_line(t, b);
    fprintf(f, "reproduce its first replication:\n  %s\n", cmd);
    free(cmd);
    free(by_rank);
}
