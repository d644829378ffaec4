/* config_sweep: reads sweep files (see sweep_spec.h) into a struct sweep_spec.
 * Part of the config module: one of the only two files that use cJSON, and
 * the tree never leaves it. Problems become "FILE: FIELD: problem". */
#define _DEFAULT_SOURCE /* realpath */
#include "formats/config.h"
#include "formats/sweep_spec.h"

#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cjson/cJSON.h>

#include "formats/config_json.h"
#include "base/common.h"
#include "base/suggest.h"
#include "base/xalloc.h"

#define SW_FIELD_MAX 600            /* "zip[3].platform.keep_alive_s" and the like */
#define SW_AXIS_VALUES_MAX 1000000  /* values of one axis (a range can be long) */
#define SW_FIELDS_MAX 256           /* axes + overrides: each is checked against the others */
#define SW_SEED_MAX 9007199254740992.0  /* 2^53: larger integers are not exact in JSON */


struct swc {
    const char *file;
    char *msg;
    size_t msg_len;
};

static void fail_msg(struct swc *c, const char *field, const char *fmt, ...) PRINTF_LIKE(3, 4);
static void fail_msg(struct swc *c, const char *field, const char *fmt, ...)
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

/* Writes the message and yields -1. A macro, so that the static analyzer
 * (which does not follow variadic calls) sees that it always fails. */
#define fail(c, field, ...) (fail_msg((c), (field), __VA_ARGS__), failed())

static void cjson_oom(void)
{
    fputs("lambdasim: out of memory (cJSON)\n", stderr);
    abort();
}

static void list_names(char *buf, size_t len, const char *const *names, size_t n)
{
    size_t used = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < n && used < len; i++) {
        int k = snprintf(buf + used, len - used, "%s%s", i == 0 ? "" : i + 1 == n ? " or " : ", ",
                         names[i]);
        if (k < 0)
            break;
        used += (size_t)k;
    }
}

/* Unknown keys (with a hint) and duplicate keys are errors. */
static int check_keys(struct swc *c, const cJSON *obj, const char *where,
                      const char *const *known, size_t n)
{
    for (const cJSON *it = obj->child; it != NULL; it = it->next) {
        for (const cJSON *o = obj->child; o != it; o = o->next) {
            if (strcmp(o->string, it->string) == 0)
                return fail(c, where, "field '%s' appears twice", it->string);
        }
        bool ok = false;
        for (size_t i = 0; i < n && !ok; i++)
            ok = strcmp(it->string, known[i]) == 0;
        if (ok)
            continue;
        char field[SW_FIELD_MAX];
        snprintf(field, sizeof field, "%s%s%s", where, where[0] != '\0' ? "." : "", it->string);
        const char *hint = suggest_name(it->string, known, n);
        if (hint != NULL)
            return fail(c, field, "unknown field (did you mean '%s'?)", hint);
        char names[512];
        list_names(names, sizeof names, known, n);
        return fail(c, field, "unknown field (expected %s)", names);
    }
    return 0;
}

/* ---- the file ------------------------------------------------------------------ */



/* "a number", "a list", ...: the sweep messages' wording. */
static const char *type_name(const cJSON *it)
{
    if (cJSON_IsNumber(it))
        return "a number";
    if (cJSON_IsString(it))
        return "a string";
    if (cJSON_IsBool(it))
        return "a boolean";
    if (cJSON_IsNull(it))
        return "null";
    if (cJSON_IsArray(it))
        return "a list";
    if (cJSON_IsObject(it))
        return "an object";
    return "an invalid value";
}

static int parse_file(struct swc *c, const char *path, cJSON **root, enum config_status *st)
{
    *st = config_json_read_file(path, "sweep", "sweep file", root, c->msg, c->msg_len);
    if (*st != CONFIG_OK)
        return -1;
    *st = CONFIG_ERR_INVALID;
    if (!cJSON_IsObject(*root)) {
        fail(c, NULL, "the top level must be a JSON object {...} (got %s)", type_name(*root));
        cJSON_Delete(*root);
        *root = NULL;
        return -1;
    }
    return 0;
}

/* ---- values ---------------------------------------------------------------------- */

bool config_value_is_json(const char *text)
{
    const char *end = NULL;
    /* Too deep to be a value config.c would take as JSON either. */
    if (config_json_check(text, strlen(text), NULL, NULL, 0) != 0)
        return false;
    cJSON *v = cJSON_ParseWithOpts(text, &end, 1);
    if (v == NULL)
        return false;
    cJSON_Delete(v);
    return true;
}

/* The text `--set` takes for a JSON value: a string as itself unless that
 * would read as JSON (then quoted), anything else as compact JSON. */
static char *value_text(const cJSON *it)
{
    if (cJSON_IsString(it) && !config_value_is_json(it->valuestring))
        return xstrdup(it->valuestring);
    char *p = cJSON_PrintUnformatted(it);
    if (p == NULL)
        cjson_oom();
    char *s = xstrdup(p);
    cJSON_free(p);
    return s;
}

/* Shortest decimal text that reads back as exactly v. */
static char *number_text(double v)
{
    char buf[40];
    if (v == floor(v) && fabs(v) < 1e15) {
        snprintf(buf, sizeof buf, "%.0f", v);
        return xstrdup(buf);
    }
    for (int prec = 1; prec <= 17; prec++) {
        snprintf(buf, sizeof buf, "%.*g", prec, v);
        if (strtod(buf, NULL) == v)
            break;
    }
    return xstrdup(buf);
}

/* "prefix.key" for messages, the key cut (with "...") past the longest
 * field path there may be, so that a hostile key does not fill the message. */
static void field_name(char *buf, size_t cap, const char *prefix, const char *key)
{
    size_t n = strlen(key);
    snprintf(buf, cap, "%s.%.*s%s", prefix, (int)(n > CONFIG_PATH_LEN_MAX ? 48 : n), key,
             n > CONFIG_PATH_LEN_MAX ? "..." : "");
}

static int check_path(struct swc *c, const char *field, const char *path)
{
    char why[CONFIG_MSG_MAX];
    if (config_check_field_path(path, strlen(path), why, sizeof why) != 0)
        return fail(c, field, "%s", why);
    if (strcmp(path, "seed") == 0)
        return fail(c, field, "the scenario's seed is not swept: each replication gets its "
                    "own seed (set \"replications\", or the sweep's \"seed\")");
    return 0;
}

static bool get_int_in(const cJSON *it, double lo, double hi, double *out)
{
    if (!cJSON_IsNumber(it))
        return false;
    double v = it->valuedouble;
    if (!isfinite(v) || v != floor(v) || v < lo || v > hi)
        return false;
    *out = v;
    return true;
}

/* ---- axes ------------------------------------------------------------------------ */

static const char *const range_keys[] = { "from", "to", "step" };

static int range_values(struct swc *c, const char *field, const cJSON *obj, char ***values,
                        size_t *n_values)
{
    double v[3];
    if (check_keys(c, obj, field, range_keys, COUNT(range_keys)) < 0)
        return -1;
    for (size_t k = 0; k < 3; k++) {
        const cJSON *it = cJSON_GetObjectItemCaseSensitive(obj, range_keys[k]);
        char f[SW_FIELD_MAX];
        snprintf(f, sizeof f, "%s.%s", field, range_keys[k]);
        if (it == NULL)
            return fail(c, f, "missing (a range is {\"from\": A, \"to\": B, \"step\": S})");
        if (!cJSON_IsNumber(it) || !isfinite(it->valuedouble))
            return fail(c, f, "must be a number (got %s)", type_name(it));
        v[k] = it->valuedouble;
    }
    double from = v[0], to = v[1], step = v[2];
    if (step <= 0)
        return fail(c, field, "step must be > 0 (got %g)", step);
    if (to < from)
        return fail(c, field, "'to' must be >= 'from' (got from %g, to %g)", from, to);
    /* `to` is included when it is within rounding of a step. */
    double span = (to - from) / step;
    if (span > SW_AXIS_VALUES_MAX)
        return fail(c, field, "too many values (at most %d per axis)", SW_AXIS_VALUES_MAX);
    size_t n = (size_t)floor(span + 1e-9) + 1;
    char **vals = xcalloc(n, sizeof *vals);
    for (size_t i = 0; i < n; i++) {
        /* from + i*step (no accumulated drift), rounded to 12 significant
         * digits so that 0.1 + 2*0.1 reads 0.3. */
        char buf[40];
        snprintf(buf, sizeof buf, "%.12g", from + (double)i * step);
        vals[i] = number_text(strtod(buf, NULL));
    }
    *values = vals;
    *n_values = n;
    return 0;
}

static int axis_values(struct swc *c, const char *field, const cJSON *it, char ***values,
                       size_t *n_values)
{
    if (cJSON_IsObject(it))
        return range_values(c, field, it, values, n_values);
    if (!cJSON_IsArray(it))
        return fail(c, field, "must be a list of values or a range {\"from\", \"to\", \"step\"} "
                    "(got %s)", type_name(it));
    int n = cJSON_GetArraySize(it);
    if (n == 0)
        return fail(c, field, "empty list: give at least one value");
    if (n > SW_AXIS_VALUES_MAX)
        return fail(c, field, "too many values (at most %d per axis)", SW_AXIS_VALUES_MAX);
    char **vals = xcalloc((size_t)n, sizeof *vals);
    size_t i = 0;
    for (const cJSON *v = it->child; v != NULL; v = v->next)
        vals[i++] = value_text(v);
    *values = vals;
    *n_values = (size_t)n;
    return 0;
}

static bool path_used(const struct sweep_spec *sp, const char *path)
{
    for (size_t i = 0; i < sp->n_axes; i++)
        if (strcmp(sp->axes[i].path, path) == 0)
            return true;
    for (size_t i = 0; i < sp->n_overrides; i++)
        if (strcmp(sp->override_paths[i], path) == 0)
            return true;
    return false;
}

/* A cap on axes + overrides, so that checking each against the others
 * stays cheap (a real sweep varies a handful). */
static int check_count(struct swc *c, const struct sweep_spec *sp, const char *field)
{
    if (sp->n_axes + sp->n_overrides >= SW_FIELDS_MAX)
        return fail(c, field, "more than %d axes and overrides in one sweep", SW_FIELDS_MAX);
    return 0;
}

static void add_axis(struct sweep_spec *sp, const char *path, const char *field, char **values,
                     size_t n_values)
{
    sp->axes = xrealloc(sp->axes, (sp->n_axes + 1) * sizeof *sp->axes);
    struct sweep_axis *a = &sp->axes[sp->n_axes++];
    a->path = xstrdup(path);
    a->field = xstrdup(field);
    a->values = values;
    a->n_values = n_values;
}

static void add_dim(struct sweep_spec *sp, size_t first, size_t n_axes, size_t n_values)
{
    sp->dims = xrealloc(sp->dims, (sp->n_dims + 1) * sizeof *sp->dims);
    sp->dims[sp->n_dims].first = first;
    sp->dims[sp->n_dims].n_axes = n_axes;
    sp->dims[sp->n_dims].n_values = n_values;
    sp->n_dims++;
}

static void free_values(char **values, size_t n)
{
    for (size_t i = 0; values != NULL && i < n; i++)
        free(values[i]);
    free(values);
}

static int parse_axes(struct swc *c, const cJSON *axes, struct sweep_spec *sp)
{
    if (!cJSON_IsObject(axes))
        return fail(c, "axes", "must be an object {\"field.path\": [values], ...} (got %s)",
                    type_name(axes));
    for (const cJSON *it = axes->child; it != NULL; it = it->next) {
        char field[SW_FIELD_MAX];
        field_name(field, sizeof field, "axes", it->string);
        if (check_path(c, field, it->string) < 0 || check_count(c, sp, field) < 0)
            return -1;
        if (path_used(sp, it->string))
            return fail(c, field, "this field is already varied (each field may appear once)");
        char **values = NULL;
        size_t n = 0;
        if (axis_values(c, field, it, &values, &n) < 0)
            return -1;
        add_dim(sp, sp->n_axes, 1, n);
        add_axis(sp, it->string, field, values, n);
    }
    return 0;
}

static int parse_zip(struct swc *c, const cJSON *zip, struct sweep_spec *sp)
{
    if (!cJSON_IsArray(zip))
        return fail(c, "zip", "must be a list of groups [{\"field.a\": [...], \"field.b\": [...]}] "
                    "(got %s)", type_name(zip));
    size_t g = 0;
    for (const cJSON *grp = zip->child; grp != NULL; grp = grp->next, g++) {
        char gfield[64];
        snprintf(gfield, sizeof gfield, "zip[%zu]", g);
        if (!cJSON_IsObject(grp))
            return fail(c, gfield, "must be an object {\"field.path\": [values], ...} (got %s)",
                        type_name(grp));
        if (grp->child == NULL)
            return fail(c, gfield, "empty group: give at least one field and its values");
        size_t first = sp->n_axes, len = 0;
        const char *first_name = NULL;
        for (const cJSON *it = grp->child; it != NULL; it = it->next) {
            char field[SW_FIELD_MAX];
            field_name(field, sizeof field, gfield, it->string);
            if (check_path(c, field, it->string) < 0 || check_count(c, sp, field) < 0)
                return -1;
            if (path_used(sp, it->string))
                return fail(c, field, "this field is already varied (each field may appear once)");
            char **values = NULL;
            size_t n = 0;
            if (axis_values(c, field, it, &values, &n) < 0)
                return -1;
            if (first_name != NULL && n != len) {
                free_values(values, n);
                return fail(c, field, "has %zu values but %s has %zu: the fields of a zip group "
                            "vary together, so their lists must have the same length",
                            n, first_name, len);
            }
            if (first_name == NULL) {
                first_name = it->string;
                len = n;
            }
            add_axis(sp, it->string, field, values, n);
        }
        add_dim(sp, first, sp->n_axes - first, len);
    }
    return 0;
}

static int parse_overrides(struct swc *c, const cJSON *ov, struct sweep_spec *sp)
{
    if (!cJSON_IsObject(ov))
        return fail(c, "overrides", "must be an object {\"field.path\": value, ...} (got %s)",
                    type_name(ov));
    for (const cJSON *it = ov->child; it != NULL; it = it->next) {
        char field[SW_FIELD_MAX];
        field_name(field, sizeof field, "overrides", it->string);
        if (check_path(c, field, it->string) < 0 || check_count(c, sp, field) < 0)
            return -1;
        if (path_used(sp, it->string))
            return fail(c, field, "this field appears twice");
        size_t n = sp->n_overrides + 1;
        sp->override_paths = xrealloc(sp->override_paths, n * sizeof *sp->override_paths);
        sp->override_values = xrealloc(sp->override_values, n * sizeof *sp->override_values);
        sp->override_paths[n - 1] = xstrdup(it->string);
        sp->override_values[n - 1] = value_text(it);
        sp->n_overrides = n;
    }
    return 0;
}

/* ---- objective ------------------------------------------------------------------- */

static const char *const objective_keys[] = { "minimize", "maximize", "balanced", "subject_to", "feasible_on",
                                               "pareto" };
static const char *const balanced_keys[] = { "weight", "time", "cost" };

/* objective.pareto: two axes, ["METRIC" | "min METRIC" | "max METRIC", ...]. */
static int parse_pareto(struct swc *c, const cJSON *pa, struct sweep_objective *o)
{
    if (!cJSON_IsArray(pa) || cJSON_GetArraySize(pa) != 2)
        return fail(c, "objective.pareto", "must be a list of two metrics, each \"METRIC\" (minimised), "
                    "\"min METRIC\" or \"max METRIC\", e.g. [\"latency_ms.p99\", "
                    "\"cost_usd.per_million_requests\"]");
    size_t i = 0;
    for (const cJSON *it = pa->child; it != NULL; it = it->next, i++) {
        char field[64], why[512];
        snprintf(field, sizeof field, "objective.pareto[%zu]", i);
        if (!cJSON_IsString(it))
            return fail(c, field, "must be a string like \"latency_ms.p99\" or \"max throughput_rps\" (got %s)",
                        type_name(it));
        if (sweep_parse_pareto_axis(it->valuestring, &o->pareto[i], &o->pareto_max[i], why, sizeof why) < 0)
            return fail(c, field, "%s", why);
    }
    if (o->pareto[0] == o->pareto[1])
        return fail(c, "objective.pareto", "names %s twice: a front needs two different metrics",
                    sweep_metric_name(o->pareto[0]));
    return 0;
}

static int metric_field(struct swc *c, const char *field, const cJSON *it, size_t *out)
{
    if (!cJSON_IsString(it))
        return fail(c, field, "must be a metric name such as \"latency_ms.p99\" (got %s)",
                    type_name(it));
    int m = sweep_metric_find(it->valuestring);
    if (m >= 0) {
        *out = (size_t)m;
        return 0;
    }
    const char *hint = sweep_metric_suggest(it->valuestring);
    if (hint != NULL)
        return fail(c, field, "unknown metric '%s' (did you mean '%s'?)", it->valuestring, hint);
    char names[1024];
    size_t used = 0;
    names[0] = '\0';
    for (size_t i = 0; i < sweep_metric_count() && used < sizeof names; i++) {
        int k = snprintf(names + used, sizeof names - used, "%s%s", i == 0 ? "" : ", ",
                         sweep_metric_name(i));
        if (k < 0)
            break;
        used += (size_t)k;
    }
    return fail(c, field, "unknown metric '%s' (known: %s)", it->valuestring, names);
}

/* objective.balanced: {"weight": W, "time": METRIC, "cost": METRIC}, all
 * optional (0.5, latency_ms.mean, cost_usd.per_million_requests). */
static int parse_balanced(struct swc *c, const cJSON *ba, struct sweep_objective *o)
{
    if (!cJSON_IsObject(ba))
        return fail(c, "objective.balanced", "must be an object {\"weight\": 0.5, \"time\": \"latency_ms.mean\", "
                    "\"cost\": \"cost_usd.per_million_requests\"} (got %s)", type_name(ba));
    if (check_keys(c, ba, "objective.balanced", balanced_keys, COUNT(balanced_keys)) < 0)
        return -1;
    o->balanced = true;
    o->weight = 0.5;
    o->metric = SWEEP_M_LATENCY_MEAN;
    o->cost_metric = SWEEP_M_COST_PER_MILLION;
    const cJSON *w = cJSON_GetObjectItemCaseSensitive(ba, "weight");
    if (w != NULL) {
        if (!cJSON_IsNumber(w) || !(w->valuedouble >= 0 && w->valuedouble <= 1))
            return fail(c, "objective.balanced.weight", "must be a number from 0 (time only) to 1 (cost only)");
        o->weight = w->valuedouble;
    }
    const cJSON *tm = cJSON_GetObjectItemCaseSensitive(ba, "time");
    if (tm != NULL && metric_field(c, "objective.balanced.time", tm, &o->metric) < 0)
        return -1;
    const cJSON *cm = cJSON_GetObjectItemCaseSensitive(ba, "cost");
    if (cm != NULL && metric_field(c, "objective.balanced.cost", cm, &o->cost_metric) < 0)
        return -1;
    if (o->metric == o->cost_metric)
        return fail(c, "objective.balanced", "time and cost are both %s: a balance needs two metrics",
                    sweep_metric_name(o->metric));
    return 0;
}

static int parse_objective(struct swc *c, const cJSON *obj, struct sweep_objective *o)
{
    if (!cJSON_IsObject(obj))
        return fail(c, "objective", "must be an object {\"minimize\": METRIC, \"subject_to\": "
                    "[...]} (got %s)", type_name(obj));
    if (check_keys(c, obj, "objective", objective_keys, COUNT(objective_keys)) < 0)
        return -1;
    const cJSON *mn = cJSON_GetObjectItemCaseSensitive(obj, "minimize");
    const cJSON *mx = cJSON_GetObjectItemCaseSensitive(obj, "maximize");
    const cJSON *ba = cJSON_GetObjectItemCaseSensitive(obj, "balanced");
    if ((mn != NULL) + (mx != NULL) + (ba != NULL) > 1)
        return fail(c, "objective", "contradictory: give one of 'minimize', 'maximize' and 'balanced'");
    if (mn == NULL && mx == NULL && ba == NULL)
        return fail(c, "objective", "needs 'minimize' or 'maximize' and a metric name, or 'balanced'");
    if (ba != NULL) {
        if (parse_balanced(c, ba, o) < 0)
            return -1;
    } else if (metric_field(c, mn != NULL ? "objective.minimize" : "objective.maximize", mn != NULL ? mn : mx,
                            &o->metric) < 0) {
        return -1;
    }
    o->maximize = mx != NULL;
    const cJSON *pa = cJSON_GetObjectItemCaseSensitive(obj, "pareto");
    if (pa != NULL && parse_pareto(c, pa, o) < 0)
        return -1;
    const cJSON *fo = cJSON_GetObjectItemCaseSensitive(obj, "feasible_on");
    if (fo != NULL) {
        if (!cJSON_IsString(fo) || (strcmp(fo->valuestring, "bound") != 0 && strcmp(fo->valuestring, "mean") != 0))
            return fail(c, "objective.feasible_on", "must be \"bound\" (the constraint holds for the side of "
                        "the 95 %% confidence interval it is about, the default) or \"mean\" (it holds for "
                        "the mean)");
        o->feasible_on_mean = strcmp(fo->valuestring, "mean") == 0;
    }
    const cJSON *st = cJSON_GetObjectItemCaseSensitive(obj, "subject_to");
    if (st == NULL)
        return 0;
    if (!cJSON_IsArray(st))
        return fail(c, "objective.subject_to", "must be a list of strings like "
                    "\"cost_usd.total <= 0.05\" (got %s)", type_name(st));
    size_t n = (size_t)cJSON_GetArraySize(st), i = 0;
    o->constraints = xcalloc(n > 0 ? n : 1, sizeof *o->constraints);
    for (const cJSON *it = st->child; it != NULL; it = it->next, i++) {
        char field[64], why[512];
        snprintf(field, sizeof field, "objective.subject_to[%zu]", i);
        if (!cJSON_IsString(it))
            return fail(c, field, "must be a string like \"cost_usd.total <= 0.05\" (got %s)",
                        type_name(it));
        if (sweep_parse_constraint(it->valuestring, &o->constraints[i], why, sizeof why) < 0)
            return fail(c, field, "%s", why);
        o->n_constraints = i + 1;
    }
    char why[512];
    if (sweep_check_constraints(o, why, sizeof why) < 0)
        return fail(c, "objective.subject_to", "%s", why);
    return 0;
}

/* ---- paths ------------------------------------------------------------------------ */

/* "a/b/../c/./d" -> "a/c/d", lexically ("../x" at the start is kept). */
static char *clean_path(const char *path)
{
    size_t n = strlen(path);
    char *out = xmalloc(n + 2);
    size_t *starts = xmalloc((n + 1) * sizeof *starts);
    size_t depth = 0, len = 0;
    bool abs_path = path[0] == '/';
    if (abs_path)
        out[len++] = '/';
    const char *s = path;
    while (*s != '\0') {
        while (*s == '/')
            s++;
        size_t seg = strcspn(s, "/");
        if (seg == 0)
            break;
        if (seg == 1 && s[0] == '.') {
            /* nothing */
        } else if (seg == 2 && s[0] == '.' && s[1] == '.' && depth > 0 &&
                   !(len - starts[depth - 1] == 2 && out[starts[depth - 1]] == '.' &&
                     out[starts[depth - 1] + 1] == '.')) {
            depth--;
            len = starts[depth];
            if (len > (abs_path ? 1u : 0u))
                len--; /* the '/' before the dropped segment */
        } else if (!(seg == 2 && s[0] == '.' && s[1] == '.' && abs_path && depth == 0)) {
            if (len > (abs_path ? 1u : 0u))
                out[len++] = '/';
            starts[depth++] = len;
            memcpy(out + len, s, seg);
            len += seg;
        }
        s += seg;
    }
    if (len == 0)
        out[len++] = '.';
    out[len] = '\0';
    free(starts);
    return out;
}

/* The base scenario relative to the working directory: joined to the sweep
 * file's directory, and cleaned when the cleaned path names the same file
 * (a symlinked directory would make ".." mean something else). */
static char *resolve_scenario(const char *sweep_file, const char *rel)
{
    char *joined;
    const char *slash = strrchr(sweep_file, '/');
    if (rel[0] == '/' || slash == NULL) {
        joined = xstrdup(rel);
    } else {
        size_t dlen = (size_t)(slash - sweep_file);
        joined = xmalloc(dlen + strlen(rel) + 2);
        memcpy(joined, sweep_file, dlen);
        joined[dlen] = '/';
        memcpy(joined + dlen + 1, rel, strlen(rel) + 1);
    }
    char *clean = clean_path(joined);
    char *a = realpath(joined, NULL), *b = realpath(clean, NULL);
    bool same = a != NULL && b != NULL && strcmp(a, b) == 0;
    free(a);
    free(b);
    if (same) {
        free(joined);
        return clean;
    }
    free(clean);
    return joined;
}

/* ---- top level ------------------------------------------------------------------ */

static const char *const sweep_keys[] = {
    "name", "description", "notes", "scenario", "axes", "zip", "replications", "seed",
    "overrides", "common_random_numbers", "objective",
};

static int parse_sweep(struct swc *c, const cJSON *root, struct sweep_spec *sp)
{
    if (check_keys(c, root, "", sweep_keys, COUNT(sweep_keys)) < 0)
        return -1;
    const cJSON *it = cJSON_GetObjectItemCaseSensitive(root, "scenario");
    if (it == NULL)
        return fail(c, "scenario", "missing: name the base scenario file (relative to this file)");
    if (!cJSON_IsString(it) || it->valuestring[0] == '\0')
        return fail(c, "scenario", "must be a file name (got %s)",
                    cJSON_IsString(it) ? "an empty string" : type_name(it));
    sp->scenario = resolve_scenario(c->file, it->valuestring);

    sp->replications = 1;
    it = cJSON_GetObjectItemCaseSensitive(root, "replications");
    if (it != NULL) {
        double v;
        if (!get_int_in(it, 1, SWEEP_REPLICATIONS_MAX, &v)) {
            if (cJSON_IsNumber(it))
                return fail(c, "replications", "must be a whole number from 1 to %d (got %g)",
                            SWEEP_REPLICATIONS_MAX, it->valuedouble);
            return fail(c, "replications", "must be a whole number from 1 to %d (got %s)",
                        SWEEP_REPLICATIONS_MAX, type_name(it));
        }
        sp->replications = (int)v;
    }
    it = cJSON_GetObjectItemCaseSensitive(root, "seed");
    if (it != NULL) {
        double v;
        if (!get_int_in(it, 0, SW_SEED_MAX, &v)) {
            if (cJSON_IsNumber(it))
                return fail(c, "seed", "must be a whole number from 0 to 2^53 (got %g)",
                            it->valuedouble);
            return fail(c, "seed", "must be a whole number from 0 to 2^53 (got %s)", type_name(it));
        }
        sp->seed = (uint64_t)v;
        sp->have_seed = true;
    }
    const cJSON *crn = cJSON_GetObjectItemCaseSensitive(root, "common_random_numbers");
    if (crn != NULL && !cJSON_IsBool(crn))
        return fail(c, "common_random_numbers", "must be true or false (got %s)", type_name(crn));
    it = cJSON_GetObjectItemCaseSensitive(root, "overrides");
    if (it != NULL && parse_overrides(c, it, sp) < 0)
        return -1;
    it = cJSON_GetObjectItemCaseSensitive(root, "axes");
    if (it != NULL && parse_axes(c, it, sp) < 0)
        return -1;
    it = cJSON_GetObjectItemCaseSensitive(root, "zip");
    if (it != NULL && parse_zip(c, it, sp) < 0)
        return -1;
    if (crn != NULL) {
        sp->common_random_numbers = cJSON_IsTrue(crn);
    } else {
        /* By default the points share their random numbers (a paired
         * design: differences between points are the settings', not the
         * seeds'), unless what varies is the workload itself. */
        sp->crn_by_default = true;
        sp->common_random_numbers = true;
        for (size_t a = 0; a < sp->n_axes; a++)
            if (strncmp(sp->axes[a].path, "workload", 8) == 0
                && (sp->axes[a].path[8] == '\0' || sp->axes[a].path[8] == '.'))
                sp->common_random_numbers = false;
    }
    sweep_objective_default_pareto(&sp->objective);
    it = cJSON_GetObjectItemCaseSensitive(root, "objective");
    if (it != NULL) {
        if (parse_objective(c, it, &sp->objective) < 0)
            return -1;
    } else {
        /* The study picked its best settings by mean latency. */
        sp->objective.metric = SWEEP_M_LATENCY_MEAN;
    }
    size_t n = 1;
    for (size_t d = 0; d < sp->n_dims; d++) {
        if (sp->dims[d].n_values > SWEEP_POINTS_MAX / n)
            return fail(c, "axes", "the grid has too many points (at most %d)", SWEEP_POINTS_MAX);
        n *= sp->dims[d].n_values;
    }
    sp->n_points = n;
    return 0;
}

enum config_status config_load_sweep(const char *path, struct sweep_spec *out,
                                     char *msg, size_t msg_len)
{
    struct swc c = { .file = path, .msg = msg, .msg_len = msg_len };
    enum config_status st = CONFIG_OK;
    cJSON *root = NULL;
    memset(out, 0, sizeof *out);
    if (msg != NULL && msg_len > 0)
        msg[0] = '\0';
    if (parse_file(&c, path, &root, &st) < 0)
        goto out;
    out->file = xstrdup(path);
    st = parse_sweep(&c, root, out) < 0 ? CONFIG_ERR_INVALID : CONFIG_OK;
out:
    cJSON_Delete(root);
    if (st != CONFIG_OK) {
        sweep_spec_fini(out);
        memset(out, 0, sizeof *out);
    }
    return st;
}
