/* config_result: reads a result lambdasim wrote as JSON (resultdoc.h) for
 * `lambdasim report`. Part of the config module (a cJSON user); the tree
 * never leaves this file. Problems become "FILE: FIELD: problem": a result
 * edited by hand, cut short or from another program is refused by name,
 * never half read. */
#include "formats/resultdoc.h"

#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cjson/cJSON.h>

#include "formats/config_json.h"
#include "formats/sweep_spec.h"
#include "base/common.h"
#include "base/xalloc.h"

#define RD_POINTS_MAX 10000000      /* more points than a JSON file under CONFIG_FILE_MAX holds */
#define RD_FIELD_MAX 256

struct rdc {
    const char *file;
    char *msg;
    size_t msg_len;
};

static void fail_msg(struct rdc *c, const char *field, const char *fmt, ...) PRINTF_LIKE(3, 4);
static void fail_msg(struct rdc *c, const char *field, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    config_json_vmsg(c->msg, c->msg_len, c->file, field, fmt, ap);
    va_end(ap);
}

static int failed(void)
{
    return -1;
}

#define fail(c, field, ...) (fail_msg((c), (field), __VA_ARGS__), failed())

static const cJSON *get(const cJSON *obj, const char *key)
{
    return cJSON_GetObjectItemCaseSensitive(obj, key);
}

static int want_string(struct rdc *c, const cJSON *obj, const char *key, const char *field, char **out)
{
    const cJSON *it = get(obj, key);
    if (!cJSON_IsString(it))
        return fail(c, field, "expected a string, got %s", it == NULL ? "nothing" : config_json_type_name(it));
    *out = xstrdup(it->valuestring);
    return 0;
}

static int want_bool(struct rdc *c, const cJSON *obj, const char *key, const char *field, bool *out)
{
    const cJSON *it = get(obj, key);
    if (!cJSON_IsBool(it))
        return fail(c, field, "expected true or false, got %s", it == NULL ? "nothing" : config_json_type_name(it));
    *out = cJSON_IsTrue(it);
    return 0;
}

/* A whole number in [0, max]; JSON numbers are doubles, so max <= 2^53. */
static int want_count(struct rdc *c, const cJSON *it, const char *field, double max, size_t *out)
{
    if (!cJSON_IsNumber(it))
        return fail(c, field, "expected a whole number, got %s", it == NULL ? "nothing" : config_json_type_name(it));
    double v = it->valuedouble;
    if (!(v >= 0 && v <= max) || v != floor(v))
        return fail(c, field, "expected a whole number from 0 to %.0f, got %.17g", max, v);
    *out = (size_t)v;
    return 0;
}

/* A number or null (NAN). */
static int want_num_or_null(struct rdc *c, const cJSON *it, const char *field, double *out)
{
    if (cJSON_IsNull(it)) {
        *out = (double)NAN;
        return 0;
    }
    if (!cJSON_IsNumber(it) || !isfinite(it->valuedouble))
        return fail(c, field, "expected a number or null, got %s", it == NULL ? "nothing" : config_json_type_name(it));
    *out = it->valuedouble;
    return 0;
}

/* The seed: written as a bare 64-bit integer, which a double cannot hold
 * exactly; re-read from the number's text when cJSON kept it. */
static int want_u64(struct rdc *c, const cJSON *obj, const char *key, const char *field, uint64_t *out)
{
    const cJSON *it = get(obj, key);
    if (!cJSON_IsNumber(it) || !(it->valuedouble >= 0) || it->valuedouble >= 18446744073709551616.0)
        return fail(c, field, "expected a whole number from 0 to 2^64-1, got %s",
                    it == NULL ? "nothing" : config_json_type_name(it));
    *out = (uint64_t)it->valuedouble;
    return 0;
}

static int metric_of(struct rdc *c, const char *name, const char *field, size_t *out)
{
    int m = sweep_metric_find(name);
    if (m < 0) {
        const char *s = sweep_metric_suggest(name);
        return fail(c, field, "unknown metric '%s'%s%s%s", name, s != NULL ? " (did you mean '" : "",
                    s != NULL ? s : "", s != NULL ? "'?)" : "");
    }
    *out = (size_t)m;
    return 0;
}

static int read_objective(struct rdc *c, const cJSON *root, struct resultdoc *d)
{
    const cJSON *o = get(root, "objective");
    if (!cJSON_IsObject(o))
        return fail(c, "objective", "expected an object");
    const cJSON *ba = get(o, "balanced"), *mn = get(o, "minimize"), *mx = get(o, "maximize");
    if (ba != NULL) {
        d->balanced = true;
        const cJSON *w = get(ba, "weight"), *tm = get(ba, "time"), *cm = get(ba, "cost");
        if (!cJSON_IsNumber(w) || !(w->valuedouble >= 0 && w->valuedouble <= 1))
            return fail(c, "objective.balanced.weight", "expected a number from 0 to 1");
        d->weight = w->valuedouble;
        if (!cJSON_IsString(tm) || !cJSON_IsString(cm))
            return fail(c, "objective.balanced", "expected 'time' and 'cost' metric names");
        if (metric_of(c, tm->valuestring, "objective.balanced.time", &d->objective_metric) != 0 ||
            metric_of(c, cm->valuestring, "objective.balanced.cost", &d->cost_metric) != 0)
            return -1;
    } else {
        const cJSON *m = mn != NULL ? mn : mx;
        if (!cJSON_IsString(m))
            return fail(c, "objective", "expected 'minimize', 'maximize' or 'balanced'");
        d->maximize = mn == NULL;
        if (metric_of(c, m->valuestring, mn != NULL ? "objective.minimize" : "objective.maximize",
                      &d->objective_metric) != 0)
            return -1;
    }
    const cJSON *st = get(o, "subject_to");
    if (!cJSON_IsArray(st))
        return fail(c, "objective.subject_to", "expected an array of constraints");
    size_t n = (size_t)cJSON_GetArraySize(st);
    d->constraints = xcalloc(n + 1, sizeof *d->constraints);
    const cJSON *it;
    cJSON_ArrayForEach(it, st) {
        if (!cJSON_IsString(it))
            return fail(c, "objective.subject_to", "expected strings such as \"cost_usd.total <= 0.004\"");
        d->constraints[d->n_constraints++] = xstrdup(it->valuestring);
    }
    char *on = NULL;
    if (want_string(c, o, "feasible_on", "objective.feasible_on", &on) != 0)
        return -1;
    d->feasible_on_mean = strcmp(on, "mean") == 0;
    bool ok = d->feasible_on_mean || strcmp(on, "bound") == 0;
    free(on);
    if (!ok)
        return fail(c, "objective.feasible_on", "expected \"bound\" or \"mean\"");
    const cJSON *pa = get(o, "pareto");
    if (!cJSON_IsArray(pa) || cJSON_GetArraySize(pa) != 2)
        return fail(c, "objective.pareto", "expected two metrics");
    for (int i = 0; i < 2; i++) {
        const cJSON *a = cJSON_GetArrayItem(pa, i);
        char why[CONFIG_MSG_MAX];
        if (!cJSON_IsString(a) ||
            sweep_parse_pareto_axis(a->valuestring, &d->pareto[i], &d->pareto_max[i], why, sizeof why) != 0)
            return fail(c, "objective.pareto", "expected \"METRIC\" or \"max METRIC\"");
    }
    return 0;
}

/* A value as `--set` takes it and the sweep CSV writes it: a string
 * plain, anything else as JSON. Caller frees; NULL when out of memory. */
static char *value_text(const cJSON *v)
{
    return cJSON_IsString(v) ? xstrdup(v->valuestring) : cJSON_PrintUnformatted(v);
}

static int read_point(struct rdc *c, const cJSON *p, size_t i, struct resultdoc *d, struct resultdoc_point *pt)
{
    char field[RD_FIELD_MAX];
    size_t nm = sweep_metric_count();
    pt->same_as = SIZE_MAX;
    pt->values = xcalloc(d->n_axes + 1, sizeof *pt->values);
    pt->mean = xcalloc(nm, sizeof *pt->mean);
    pt->ci95 = xcalloc(nm, sizeof *pt->ci95);
    pt->run_lo = xcalloc(nm, sizeof *pt->run_lo);
    pt->run_hi = xcalloc(nm, sizeof *pt->run_hi);
    for (size_t m = 0; m < nm; m++)
        pt->mean[m] = pt->ci95[m] = pt->run_lo[m] = pt->run_hi[m] = (double)NAN;
    snprintf(field, sizeof field, "points[%zu]", i);
    if (!cJSON_IsObject(p))
        return fail(c, field, "expected an object");
    snprintf(field, sizeof field, "points[%zu].point", i);
    if (want_count(c, get(p, "point"), field, (double)RD_POINTS_MAX, &pt->point) != 0)
        return -1;
    const cJSON *vals = get(p, "values");
    snprintf(field, sizeof field, "points[%zu].values", i);
    if (!cJSON_IsObject(vals))
        return fail(c, field, "expected an object of axis values");
    for (size_t a = 0; a < d->n_axes; a++) {
        const cJSON *v = get(vals, d->axes[a]);
        if (v == NULL)
            return fail(c, field, "no value for the axis '%s'", d->axes[a]);
        pt->values[a] = value_text(v);
        if (pt->values[a] == NULL)
            return fail(c, field, "out of memory");
    }
    const cJSON *ms = get(p, "metrics");
    snprintf(field, sizeof field, "points[%zu].metrics", i);
    if (!cJSON_IsObject(ms))
        return fail(c, field, "expected an object of metrics");
    for (size_t m = 0; m < nm; m++) {
        const cJSON *mo = get(ms, sweep_metric_name(m));
        snprintf(field, sizeof field, "points[%zu].metrics.%s", i, sweep_metric_name(m));
        if (!cJSON_IsObject(mo))
            return fail(c, field, "expected an object {mean, ci95, per_run} (the file is from another "
                        "version of lambdasim, or was cut short)");
        const cJSON *pr = get(mo, "per_run");
        if (want_num_or_null(c, get(mo, "mean"), field, &pt->mean[m]) != 0 ||
            want_num_or_null(c, get(mo, "ci95"), field, &pt->ci95[m]) != 0)
            return -1;
        if (!cJSON_IsArray(pr) || cJSON_GetArraySize(pr) != 2)
            return fail(c, field, "per_run: expected [low, high]");
        if (want_num_or_null(c, cJSON_GetArrayItem(pr, 0), field, &pt->run_lo[m]) != 0 ||
            want_num_or_null(c, cJSON_GetArrayItem(pr, 1), field, &pt->run_hi[m]) != 0)
            return -1;
    }
    snprintf(field, sizeof field, "points[%zu].feasible", i);
    if (want_bool(c, p, "feasible", field, &pt->feasible) != 0)
        return -1;
    const cJSON *rank = get(p, "rank");
    if (cJSON_IsNull(rank))
        return fail(c, "points", "the points are not ranked: a shard's result; merge the shards first "
                    "(lambdasim merge)");
    snprintf(field, sizeof field, "points[%zu].rank", i);
    if (want_count(c, rank, field, (double)RD_POINTS_MAX, &pt->rank) != 0)
        return -1;
    snprintf(field, sizeof field, "points[%zu].pareto", i);
    if (want_bool(c, p, "pareto", field, &pt->pareto) != 0)
        return -1;
    snprintf(field, sizeof field, "points[%zu].tied", i);
    if (want_bool(c, p, "tied", field, &pt->tied) != 0)
        return -1;
    const cJSON *same = get(p, "same_as");
    snprintf(field, sizeof field, "points[%zu].same_as", i);
    if (!cJSON_IsNull(same) && want_count(c, same, field, (double)RD_POINTS_MAX, &pt->same_as) != 0)
        return -1;
    return 0;
}

static int read_sweep(struct rdc *c, const cJSON *root, struct resultdoc *d)
{
    d->kind = RESULTDOC_SWEEP;
    if (get(root, "shard") != NULL)
        return fail(c, "shard", "a shard's result: merge the shards first (lambdasim merge), then report on "
                    "the merged JSON");
    if (want_string(c, root, "sweep", "sweep", &d->sweep_file) != 0 ||
        want_string(c, root, "id", "id", &d->id) != 0 ||
        want_string(c, root, "scenario", "scenario", &d->scenario) != 0 ||
        want_u64(c, root, "seed", "seed", &d->seed) != 0 ||
        want_bool(c, root, "common_random_numbers", "common_random_numbers", &d->common_random_numbers) != 0)
        return -1;
    size_t reps = 0;
    if (want_count(c, get(root, "replications"), "replications", 1e9, &reps) != 0)
        return -1;
    if (reps < 1)
        return fail(c, "replications", "expected at least 1");
    d->replications = (int)reps;
    const cJSON *pri = get(root, "per_run_interval");
    if (!cJSON_IsObject(pri) || !cJSON_IsNumber(get(pri, "level")) || !cJSON_IsNumber(get(pri, "coverage")) ||
        want_bool(c, pri, "enough", "per_run_interval.enough", &d->per_run_enough) != 0)
        return fail(c, "per_run_interval", "expected {level, coverage, k, enough}");
    d->per_run_level = get(pri, "level")->valuedouble;
    d->per_run_coverage = get(pri, "coverage")->valuedouble;
    const cJSON *tt = get(root, "ties_test");
    if (tt != NULL && (!cJSON_IsString(tt) || (strcmp(tt->valuestring, "paired") != 0 &&
                                              strcmp(tt->valuestring, "unpaired") != 0)))
        return fail(c, "ties_test", "expected \"paired\" or \"unpaired\"");
    if (tt != NULL)
        d->ties_test = xstrdup(tt->valuestring);
    if (want_count(c, get(root, "points_total"), "points_total", (double)RD_POINTS_MAX, &d->points_total) != 0 ||
        read_objective(c, root, d) != 0)
        return -1;

    const cJSON *in = get(root, "inputs"), *it;
    if (!cJSON_IsArray(in))
        return fail(c, "inputs", "expected an array of {role, path, hash}");
    d->inputs = xcalloc((size_t)cJSON_GetArraySize(in) + 1, sizeof *d->inputs);
    cJSON_ArrayForEach(it, in) {
        struct resultdoc_input *x = &d->inputs[d->n_inputs++];
        if (want_string(c, it, "role", "inputs[].role", &x->role) != 0 ||
            want_string(c, it, "path", "inputs[].path", &x->path) != 0 ||
            want_string(c, it, "hash", "inputs[].hash", &x->hash) != 0)
            return -1;
    }
    const cJSON *ov = get(root, "overrides");
    if (!cJSON_IsObject(ov))
        return fail(c, "overrides", "expected an object");
    size_t nov = (size_t)cJSON_GetArraySize(ov);
    d->override_paths = xcalloc(nov + 1, sizeof *d->override_paths);
    d->override_values = xcalloc(nov + 1, sizeof *d->override_values);
    cJSON_ArrayForEach(it, ov) {
        d->override_paths[d->n_overrides] = xstrdup(it->string);
        d->override_values[d->n_overrides] = value_text(it);
        if (d->override_values[d->n_overrides++] == NULL)
            return fail(c, "overrides", "out of memory");
    }
    const cJSON *ax = get(root, "axes");
    if (!cJSON_IsArray(ax))
        return fail(c, "axes", "expected an array of field names");
    d->axes = xcalloc((size_t)cJSON_GetArraySize(ax) + 1, sizeof *d->axes);
    cJSON_ArrayForEach(it, ax) {
        if (!cJSON_IsString(it))
            return fail(c, "axes", "expected field names (strings)");
        d->axes[d->n_axes++] = xstrdup(it->valuestring);
    }
    const cJSON *pts = get(root, "points");
    if (!cJSON_IsArray(pts))
        return fail(c, "points", "expected an array");
    size_t np = (size_t)cJSON_GetArraySize(pts);
    if (np == 0)
        return fail(c, "points", "no points");
    if (np != d->points_total)
        return fail(c, "points", "%zu points, but points_total says %zu (the file was cut short?)", np,
                    d->points_total);
    d->points = xcalloc(np, sizeof *d->points);
    size_t i = 0;
    cJSON_ArrayForEach(it, pts) {
        d->n_points = i + 1;
        if (read_point(c, it, i, d, &d->points[i]) != 0)
            return -1;
        if (i > 0 && d->points[i].point <= d->points[i - 1].point)
            return fail(c, "points", "point %zu comes after point %zu: expected point order",
                        d->points[i].point, d->points[i - 1].point);
        i++;
    }
    const cJSON *fr = get(root, "pareto_front");
    if (!cJSON_IsArray(fr))
        return fail(c, "pareto_front", "expected an array of point numbers");
    d->front = xcalloc((size_t)cJSON_GetArraySize(fr) + 1, sizeof *d->front);
    cJSON_ArrayForEach(it, fr) {
        size_t p = 0;
        if (want_count(c, it, "pareto_front[]", (double)RD_POINTS_MAX, &p) != 0)
            return -1;
        if (resultdoc_find_point(d, p) == NULL)
            return fail(c, "pareto_front", "point %zu is not among the points", p);
        d->front[d->n_front++] = p;
    }
    const cJSON *best = get(root, "best");
    if (best != NULL && !cJSON_IsNull(best)) {
        if (want_count(c, get(best, "point"), "best.point", (double)RD_POINTS_MAX, &d->best) != 0 ||
            want_u64(c, best, "seed", "best.seed", &d->best_seed) != 0 ||
            want_string(c, best, "command", "best.command", &d->best_command) != 0)
            return -1;
        if (resultdoc_find_point(d, d->best) == NULL)
            return fail(c, "best.point", "point %zu is not among the points", d->best);
        d->have_best = true;
    }
    return 0;
}

static int read_run(struct rdc *c, const cJSON *root, struct resultdoc *d)
{
    d->kind = RESULTDOC_RUN;
    if (want_string(c, root, "scenario", "scenario", &d->scenario) != 0 ||
        want_u64(c, root, "seed", "seed", &d->seed) != 0)
        return -1;
    if (!cJSON_IsObject(get(root, "latency_ms")))
        return fail(c, "latency_ms", "expected an object of latency statistics");
    size_t n = (size_t)cJSON_GetArraySize(root);
    d->sections = xcalloc(n + 2, sizeof *d->sections);
    /* Section "run" first: the top-level numbers (throughput_rps, ...). */
    struct resultdoc_section *top = &d->sections[d->n_sections++];
    top->name = xstrdup("run");
    top->fields = xcalloc(n + 1, sizeof *top->fields);
    const cJSON *sec;
    cJSON_ArrayForEach(sec, root) {
        if (cJSON_IsNumber(sec) && strcmp(sec->string, "seed") != 0) {
            struct resultdoc_field *x = &top->fields[top->n_fields++];
            x->name = xstrdup(sec->string);
            x->value = sec->valuedouble;
            continue;
        }
        if (strcmp(sec->string, "warnings") == 0) {
            if (!cJSON_IsArray(sec))
                return fail(c, "warnings", "expected an array of strings");
            d->warnings = xcalloc((size_t)cJSON_GetArraySize(sec) + 1, sizeof *d->warnings);
            const cJSON *w;
            cJSON_ArrayForEach(w, sec) {
                if (!cJSON_IsString(w))
                    return fail(c, "warnings", "expected strings");
                d->warnings[d->n_warnings++] = xstrdup(w->valuestring);
            }
            continue;
        }
        if (!cJSON_IsObject(sec))
            continue;   /* a top-level number or text: shown in the header when known */
        struct resultdoc_section *s = &d->sections[d->n_sections++];
        s->name = xstrdup(sec->string);
        s->fields = xcalloc((size_t)cJSON_GetArraySize(sec) + 1, sizeof *s->fields);
        const cJSON *f;
        cJSON_ArrayForEach(f, sec) {
            if (cJSON_IsObject(f) || cJSON_IsArray(f))
                continue;   /* nested detail (per-state tables): not a headline */
            struct resultdoc_field *x = &s->fields[s->n_fields++];
            x->name = xstrdup(f->string);
            x->value = (double)NAN;
            if (cJSON_IsNumber(f))
                x->value = f->valuedouble;
            else if (cJSON_IsString(f))
                x->text = xstrdup(f->valuestring);
            else if (cJSON_IsBool(f))
                x->text = xstrdup(cJSON_IsTrue(f) ? "true" : "false");
            else
                x->text = xstrdup("null");
        }
    }
    return 0;
}

enum config_status config_load_result(const char *path, struct resultdoc *out, char *msg, size_t msg_len)
{
    memset(out, 0, sizeof *out);
    out->path = xstrdup(path);
    struct rdc c = { .file = path, .msg = msg, .msg_len = msg_len };
    cJSON *root = NULL;
    enum config_status st = config_json_read_file(path, "result", "result", &root, msg, msg_len);
    if (st != CONFIG_OK) {
        resultdoc_fini(out);
        return st;
    }
    int rc;
    if (!cJSON_IsObject(root))
        rc = fail(&c, "", "expected a JSON object written by `lambdasim sweep --json` or `lambdasim run --json`");
    else if (!cJSON_IsString(get(root, "lambdasim_version")))
        rc = fail(&c, "lambdasim_version", "missing: not a result written by lambdasim (`sweep --json` or "
                  "`run --json`)");
    else {
        out->version = xstrdup(get(root, "lambdasim_version")->valuestring);
        rc = get(root, "points") != NULL || get(root, "sweep") != NULL ? read_sweep(&c, root, out)
                                                                       : read_run(&c, root, out);
    }
    cJSON_Delete(root);
    if (rc != 0) {
        resultdoc_fini(out);
        return CONFIG_ERR_INVALID;
    }
    return CONFIG_OK;
}

static void free_strs(char **s, size_t n)
{
    if (s == NULL)
        return;
    for (size_t i = 0; i < n; i++)
        free(s[i]);
    free(s);
}

void resultdoc_fini(struct resultdoc *d)
{
    free(d->path);
    free(d->version);
    free(d->scenario);
    free(d->sweep_file);
    free(d->id);
    free(d->ties_test);
    free_strs(d->constraints, d->n_constraints);
    for (size_t i = 0; i < d->n_inputs; i++) {
        free(d->inputs[i].role);
        free(d->inputs[i].path);
        free(d->inputs[i].hash);
    }
    free(d->inputs);
    /* cJSON_PrintUnformatted allocates with cJSON's allocator: malloc. */
    free_strs(d->override_paths, d->n_overrides);
    free_strs(d->override_values, d->n_overrides);
    for (size_t i = 0; i < d->n_points; i++) {
        free_strs(d->points[i].values, d->n_axes);
        free(d->points[i].mean);
        free(d->points[i].ci95);
        free(d->points[i].run_lo);
        free(d->points[i].run_hi);
    }
    free(d->points);
    free_strs(d->axes, d->n_axes);
    free(d->front);
    free(d->best_command);
    for (size_t i = 0; i < d->n_sections; i++) {
        for (size_t j = 0; j < d->sections[i].n_fields; j++) {
            free(d->sections[i].fields[j].name);
            free(d->sections[i].fields[j].text);
        }
        free(d->sections[i].fields);
        free(d->sections[i].name);
    }
    free(d->sections);
    free_strs(d->warnings, d->n_warnings);
    memset(d, 0, sizeof *d);
}

const struct resultdoc_point *resultdoc_find_point(const struct resultdoc *d, size_t point)
{
    size_t lo = 0, hi = d->n_points;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (d->points[mid].point < point)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < d->n_points && d->points[lo].point == point ? &d->points[lo] : NULL;
}

double resultdoc_run_value(const struct resultdoc *d, const char *section, const char *field)
{
    for (size_t i = 0; i < d->n_sections; i++) {
        if (strcmp(d->sections[i].name, section) != 0)
            continue;
        for (size_t j = 0; j < d->sections[i].n_fields; j++)
            if (strcmp(d->sections[i].fields[j].name, field) == 0)
                return d->sections[i].fields[j].value;
    }
    return (double)NAN;
}
