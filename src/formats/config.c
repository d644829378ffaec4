/* config: reads scenario and model JSON files into validated, fully defaulted
 * structs. The only user of cJSON: the tree never leaves this file. Every
 * problem becomes one line "FILE: FIELD.PATH: problem (got X)" and a status. */
#include "formats/config.h"
#include "formats/config_json.h"

#include <assert.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cjson/cJSON.h>

#include "core/dist.h"
#include "base/common.h"
#include "base/infile.h"
#include "core/model.h"
#include "formats/trace.h"
#include "formats/tracecache.h"
#include "base/textline.h"
#include "base/suggest.h"
#include "base/xalloc.h"

#define CFG_PATH_MAX 512        /* a field path such as platform.on_throttle.backoff_s */
#define CFG_BATCH_MAX 4096      /* largest batch size a file may name */
#define CFG_MEMORY_MIN 128      /* Lambda's memory range, MB */
#define CFG_MEMORY_MAX 10240

/* Where messages go and what they mention. `ov[0..n_ov)` are the overrides
 * applied so far: an error on a field one of them touched names it. */
struct cfg {
    const char *file;
    const struct config_override *ov;
    size_t n_ov;
    const struct config_override *cur_ov;   /* being applied: always named */
    char *msg;
    size_t msg_len;
    enum config_status status;
};

/* Numeric range: lo (open or closed) .. hi (closed). */
struct range {
    double lo;
    bool lo_open;
    double hi;
};

static const struct range ANY = { -INFINITY, false, INFINITY };

static struct range at_least(double lo)
{
    struct range r = { lo, false, INFINITY };
    return r;
}

static struct range above(double lo)
{
    struct range r = { lo, true, INFINITY };
    return r;
}

static struct range between(double lo, double hi)
{
    struct range r = { lo, false, hi };
    return r;
}

static struct range above_upto(double lo, double hi)
{
    struct range r = { lo, true, hi };
    return r;
}

/* ---- message building ---------------------------------------------------- */

/* Bounded string builder over a caller's buffer; silently truncates. */
struct sb {
    char *buf;
    size_t cap;
    size_t len;
};

static void sb_init(struct sb *b, char *buf, size_t cap)
{
    b->buf = buf;
    b->cap = buf == NULL ? 0 : cap;
    b->len = 0;
    if (b->cap > 0)
        buf[0] = '\0';
}

static void sb_vprintf(struct sb *b, const char *fmt, va_list ap)
{
    if (b->cap == 0 || b->len + 1 >= b->cap)
        return;
    size_t room = b->cap - b->len;
    int n = vsnprintf(b->buf + b->len, room, fmt, ap);
    if (n < 0)
        return;
    b->len = (size_t)n >= room ? b->cap - 1 : b->len + (size_t)n;
}

PRINTF_LIKE(2, 3)
static void sb_printf(struct sb *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    sb_vprintf(b, fmt, ap);
    va_end(ap);
}

/* Messages are one line of valid UTF-8: control characters and bytes that
 * are not UTF-8 (from keys, values, file content) become '?'. */
static void one_line(char *s)
{
    textline_sanitize(s);
}

/* An override's path ends at '=' or NUL: config_parse_override points into
 * the "key=value" argument, so the key is not NUL-terminated there. */
static size_t ov_path_len(const char *p)
{
    return strcspn(p, "=");
}

/* True when field path `a` (an error's) and override path `o` name the same
 * field or one contains the other. */
static bool path_related(const char *a, const char *o, size_t olen)
{
    if (a == NULL || a[0] == '\0' || olen == 0)
        return false;
    size_t alen = strlen(a);
    size_t n = alen < olen ? alen : olen;
    if (strncmp(a, o, n) != 0)
        return false;
    if (alen == olen)
        return true;
    char next = alen < olen ? o[alen] : a[olen];
    return next == '.' || next == '[';
}

/* " (with --set k=v, --set k2=v2)" for the overrides related to path/also. */
static void sb_tag(struct sb *b, const struct cfg *c, const char *path, const char *also)
{
    bool any = false;
    for (size_t i = 0; i < c->n_ov; i++) {
        const struct config_override *o = &c->ov[i];
        size_t olen = ov_path_len(o->path);
        if (o != c->cur_ov && !path_related(path, o->path, olen)
            && !path_related(also, o->path, olen))
            continue;
        char kx[4 * TEXTLINE_EXCERPT_MAX + 8], vx[4 * TEXTLINE_EXCERPT_MAX + 8];
        sb_printf(b, "%s--set %s=%s", any ? ", " : " (with ", textline_excerpt(kx, sizeof kx, o->path, olen),
                  textline_excerpt(vx, sizeof vx, o->value, strlen(o->value)));
        any = true;
    }
    if (any)
        sb_printf(b, ")");
}

static void vfail(struct cfg *c, enum config_status st, const char *path, const char *also,
                  const char *fmt, va_list ap)
{
    struct sb b;
    sb_init(&b, c->msg, c->msg_len);
    sb_printf(&b, "%s", c->file);
    sb_tag(&b, c, path, also);
    sb_printf(&b, ": ");
    if (path != NULL && path[0] != '\0')
        sb_printf(&b, "%s: ", path);
    sb_vprintf(&b, fmt, ap);
    one_line(c->msg);
    c->status = st;
}

PRINTF_LIKE(5, 6)
static void fail_msg(struct cfg *c, enum config_status st, const char *path, const char *also,
                     const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vfail(c, st, path, also, fmt, ap);
    va_end(ap);
}

static int failed(void)
{
    return -1;
}

/* Records an invalid-content error on field `path` (`also`: a second field
 * the rule involves, for naming overrides), or an error of status st.
 * Always -1. Macros, so that the static analyzer (which does not follow
 * variadic calls) sees that they fail. */
#define fail(c, path, also, ...) (fail_msg((c), CONFIG_ERR_INVALID, (path), (also), __VA_ARGS__), failed())
#define fail_status(c, st, path, also, ...) (fail_msg((c), (st), (path), (also), __VA_ARGS__), failed())

/* An error found in a file the scenario points to: that file's own message,
 * then where the scenario referenced it. */
static int fail_ref(struct cfg *c, enum config_status st, const char *inner, const char *path)
{
    /* inner may not live in c->msg: it is copied while c->msg is written. */
    struct sb b;
    sb_init(&b, c->msg, c->msg_len);
    sb_printf(&b, "%s (referenced from %s", inner, c->file);
    sb_tag(&b, c, path, NULL);
    sb_printf(&b, ": %s)", path);
    one_line(c->msg);
    c->status = st;
    return -1;
}

/* Shortest text that reads back as v ("0.1", not "0.10000000000000001"). */
static const char *fmt_num(char *buf, size_t len, double v)
{
    snprintf(buf, len, "%.15g", v);
    if (isfinite(v) && strtod(buf, NULL) != v)
        snprintf(buf, len, "%.17g", v);
    return buf;
}


/* "prefix.key", or just "key" at the top level. */
static const char *join(char *buf, const char *prefix, const char *key)
{
    struct sb b;
    sb_init(&b, buf, CFG_PATH_MAX);
    if (prefix != NULL && prefix[0] != '\0')
        sb_printf(&b, "%s.", prefix);
    sb_printf(&b, "%s", key);
    return buf;
}

/* ---- "did you mean" (base/suggest.h) ------------------------------------- */

static bool in_list(const char *s, const char *const *list, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (strcmp(s, list[i]) == 0)
            return true;
    }
    return false;
}

static void sb_list(struct sb *b, const char *const *list, size_t n, const char *last_sep)
{
    for (size_t i = 0; i < n; i++)
        sb_printf(b, "%s%s", i == 0 ? "" : (i + 1 == n ? last_sep : ", "), list[i]);
}

/* "unknown field (did you mean 'x'?)" or the list of known fields. */
static int fail_unknown(struct cfg *c, const char *path, const char *key, const char *what,
                        const char *const *known, size_t n)
{
    const char *s = suggest_name(key, known, n);
    if (s == NULL && strcmp(key, "notes") != 0) {
        const char *const notes[] = { "notes" };
        s = suggest_name(key, notes, 1);
    }
    if (s != NULL)
        return fail(c, path, NULL, "%s (did you mean '%s'?)", what, s);
    char list[CONFIG_MSG_MAX / 2];
    struct sb b;
    sb_init(&b, list, sizeof list);
    sb_list(&b, known, n, ", ");
    return fail(c, path, NULL, "%s (known fields: %s%snotes)", what, list, n > 0 ? ", " : "");
}

/* Every key of obj must be known (or "notes") and appear once. */
static int check_keys(struct cfg *c, const cJSON *obj, const char *opath,
                      const char *const *known, size_t n)
{
    if (obj == NULL)
        return 0;
    for (const cJSON *it = obj->child; it != NULL; it = it->next) {
        char p[CFG_PATH_MAX];
        join(p, opath, it->string);
        if (strcmp(it->string, "notes") != 0 && !in_list(it->string, known, n))
            return fail_unknown(c, p, it->string, "unknown field", known, n);
        for (const cJSON *jt = obj->child; jt != it; jt = jt->next) {
            if (strcmp(jt->string, it->string) == 0)
                return fail(c, p, NULL, "duplicate field");
        }
    }
    return 0;
}

/* ---- typed field access ------------------------------------------------------
 * Each get_* returns 1 when the field is present and valid (stored in *out),
 * 0 when absent and optional (*out untouched: the caller's default), -1 on
 * error. An absent parent object (NULL) reads as all fields absent. */

static const cJSON *get(const cJSON *obj, const char *key)
{
    return obj == NULL ? NULL : cJSON_GetObjectItemCaseSensitive(obj, key);
}

static int missing(struct cfg *c, const char *path, bool required)
{
    return required ? fail(c, path, NULL, "required field is missing") : 0;
}

static int check_range(struct cfg *c, const char *path, double v, struct range r)
{
    char g[40], l[40];
    if (!isfinite(v))
        return fail(c, path, NULL, "must be a finite number (got %s)", fmt_num(g, sizeof g, v));
    if (r.lo_open ? !(v > r.lo) : !(v >= r.lo))
        return fail(c, path, NULL, "must be %s %s (got %s)", r.lo_open ? ">" : ">=",
                    fmt_num(l, sizeof l, r.lo), fmt_num(g, sizeof g, v));
    if (v > r.hi)
        return fail(c, path, NULL, "must be <= %s (got %s)", fmt_num(l, sizeof l, r.hi),
                    fmt_num(g, sizeof g, v));
    return 0;
}

static int get_num(struct cfg *c, const cJSON *obj, const char *opath, const char *key,
                   bool required, struct range r, double *out)
{
    char p[CFG_PATH_MAX];
    const cJSON *it = get(obj, key);
    join(p, opath, key);
    if (it == NULL)
        return missing(c, p, required);
    if (!cJSON_IsNumber(it))
        return fail(c, p, NULL, "must be a number (got %s)", config_json_type_name(it));
    if (check_range(c, p, it->valuedouble, r) < 0)
        return -1;
    *out = it->valuedouble;
    return 1;
}

/* The one check of "a time in seconds that must be resolvable": 0 (when
 * zero_ok), or from CONFIG_TIME_MIN_S to CONFIG_TIME_MAX_S. A shorter
 * interval is lost when added to the clock (t + 1e-300 == t: a warm-up
 * schedule that never advances); a longer one leaves the clock too coarse
 * for a latency. `unit` scales the value as written to seconds. */
static int check_time(struct cfg *c, const char *path, double v_s, double unit, bool zero_ok)
{
    char g[40], l[40];
    if (v_s == 0 && zero_ok)
        return 0;
    if (v_s == 0)
        return fail(c, path, NULL, "must be > 0 (got 0)");
    if (!(v_s >= CONFIG_TIME_MIN_S))
        return fail(c, path, NULL, "must be %sat least %s%s: a shorter time is lost in the rounding of "
                    "the simulated clock (got %s)", zero_ok ? "0 or " : "",
                    fmt_num(l, sizeof l, CONFIG_TIME_MIN_S / unit), unit == 1 ? " s" : " ms",
                    fmt_num(g, sizeof g, v_s / unit));
    if (v_s > CONFIG_TIME_MAX_S)
        return fail(c, path, NULL, "must be at most %s%s (2^32 s, about 136 years): beyond it the "
                    "simulated clock no longer resolves a microsecond (got %s)",
                    fmt_num(l, sizeof l, CONFIG_TIME_MAX_S / unit), unit == 1 ? " s" : " ms",
                    fmt_num(g, sizeof g, v_s / unit));
    return 0;
}

/* get_num for a time in seconds (see check_time). */
static int get_time(struct cfg *c, const cJSON *obj, const char *opath, const char *key,
                    bool required, bool zero_ok, double *out)
{
    char p[CFG_PATH_MAX];
    double v = *out;
    int got = get_num(c, obj, opath, key, required, zero_ok ? at_least(0) : above(0), &v);
    if (got <= 0)
        return got;
    if (check_time(c, join(p, opath, key), v, 1, zero_ok) < 0)
        return -1;
    *out = v;
    return 1;
}

/* Integers travel as doubles (exact up to 2^53); callers cast after the
 * range check. */
static int get_int(struct cfg *c, const cJSON *obj, const char *opath, const char *key,
                   bool required, double lo, double hi, double *out)
{
    char p[CFG_PATH_MAX], g[40];
    const cJSON *it = get(obj, key);
    join(p, opath, key);
    if (it == NULL)
        return missing(c, p, required);
    if (!cJSON_IsNumber(it))
        return fail(c, p, NULL, "must be an integer (got %s)", config_json_type_name(it));
    double v = it->valuedouble;
    if (isfinite(v) && floor(v) != v)
        return fail(c, p, NULL, "must be an integer (got %s)", fmt_num(g, sizeof g, v));
    if (check_range(c, p, v, between(lo, hi)) < 0)
        return -1;
    *out = v;
    return 1;
}

static int get_int32(struct cfg *c, const cJSON *obj, const char *opath, const char *key,
                     bool required, int lo, int hi, int *out)
{
    double v = 0;
    int got = get_int(c, obj, opath, key, required, lo, hi, &v);
    if (got == 1)
        *out = (int)v;
    return got;
}

static int get_str(struct cfg *c, const cJSON *obj, const char *opath, const char *key,
                   bool required, const char **out)
{
    char p[CFG_PATH_MAX];
    const cJSON *it = get(obj, key);
    join(p, opath, key);
    if (it == NULL)
        return missing(c, p, required);
    if (!cJSON_IsString(it))
        return fail(c, p, NULL, "must be a string (got %s)", config_json_type_name(it));
    *out = it->valuestring;
    return 1;
}

static int get_obj(struct cfg *c, const cJSON *obj, const char *opath, const char *key,
                   bool required, const cJSON **out)
{
    char p[CFG_PATH_MAX];
    const cJSON *it = get(obj, key);
    join(p, opath, key);
    if (it == NULL)
        return missing(c, p, required);
    if (!cJSON_IsObject(it))
        return fail(c, p, NULL, "must be an object (got %s)", config_json_type_name(it));
    *out = it;
    return 1;
}

/* A string field that must be one of names; *out is its index. */
static int get_choice(struct cfg *c, const cJSON *obj, const char *opath, const char *key,
                      const char *const *names, size_t n, int *out)
{
    const char *s = NULL;
    int got = get_str(c, obj, opath, key, false, &s);
    if (got != 1)
        return got;
    assert(s != NULL);
    for (size_t i = 0; i < n; i++) {
        if (strcmp(s, names[i]) == 0) {
            *out = (int)i;
            return 1;
        }
    }
    char p[CFG_PATH_MAX], list[256];
    struct sb b;
    sb_init(&b, list, sizeof list);
    sb_list(&b, names, n, " or ");
    join(p, opath, key);
    const char *hint = suggest_name(s, names, n);
    if (hint != NULL)
        return fail(c, p, NULL, "must be %s (got '%s'; did you mean '%s'?)", list, s, hint);
    return fail(c, p, NULL, "must be %s (got '%s')", list, s);
}

/* Names are labels in reports: non-empty, one line, bounded. */
static int check_name(struct cfg *c, const char *path, const char *name, size_t cap)
{
    if (name[0] == '\0')
        return fail(c, path, NULL, "must not be empty");
    if (strlen(name) >= cap)
        return fail(c, path, NULL, "must be at most %zu characters (got %zu)", cap - 1,
                    strlen(name));
    /* Strings reach here as UTF-8 (config_json_check); names are echoed
     * in reports and messages, so no control character either (C1 ones
     * included: U+009B starts a terminal escape). */
    if (textline_utf8_check(name, strlen(name), true) != strlen(name))
        return fail(c, path, NULL, "must not contain control characters");
    return 0;
}

/* Default name: the file's basename without its extension, truncated. */
static void base_name(const char *path, char *out, size_t cap)
{
    const char *slash = strrchr(path, '/');
    const char *base = slash == NULL ? path : slash + 1;
    const char *dot = strrchr(base, '.');
    size_t len = (dot == NULL || dot == base) ? strlen(base) : (size_t)(dot - base);
    if (len >= cap)
        len = cap - 1;
    memcpy(out, base, len);
    out[len] = '\0';
}

/* A path written in the scenario, made relative to the scenario's directory. */
static int resolve_path(struct cfg *c, const char *field, const char *rel, char *out, size_t cap)
{
    if (rel[0] == '\0')
        return fail(c, field, NULL, "must not be empty");
    const char *slash = strrchr(c->file, '/');
    size_t dir_len = (rel[0] == '/' || slash == NULL) ? 0 : (size_t)(slash - c->file) + 1;
    size_t rel_len = strlen(rel);
    if (dir_len + rel_len >= cap)
        return fail(c, field, NULL, "path too long once resolved against the scenario's directory "
                    "(at most %zu bytes)", cap - 1);
    memcpy(out, c->file, dir_len);
    memcpy(out + dir_len, rel, rel_len + 1);
    return 0;
}

/* ---- distributions ------------------------------------------------------------ */

struct dist_form {
    enum dist_kind kind;
    const char *name;
    size_t n_params;
    const char *params[3];
};

static const struct dist_form dist_forms[] = {
#define DIST_FORM(id, name, n, p0, p1, p2) { DIST_##id, name, n, { p0, p1, p2 } },
    DIST_KINDS(DIST_FORM)
#undef DIST_FORM
};

static const char *const dist_names[] = {
#define DIST_NAME(id, name, n, p0, p1, p2) name,
    DIST_KINDS(DIST_NAME)
#undef DIST_NAME
};

/* "constant, exponential, ... or empirical" into text. */
static const char *dist_names_text(char *text, size_t len)
{
    struct sb b;
    sb_init(&b, text, len);
    sb_list(&b, dist_names, COUNT(dist_names), " or ");
    return text;
}

/* Keys of a {"dist": ...} object: each a parameter of that kind, "dist" or
 * "notes", and each once. */
static int check_dist_keys(struct cfg *c, const cJSON *obj, const char *path,
                           const struct dist_form *f)
{
    for (const cJSON *it = obj->child; it != NULL; it = it->next) {
        char p[CFG_PATH_MAX];
        join(p, path, it->string);
        if (strcmp(it->string, "dist") != 0 && strcmp(it->string, "notes") != 0
            && !in_list(it->string, f->params, f->n_params)) {
            char list[96];
            struct sb b;
            sb_init(&b, list, sizeof list);
            sb_list(&b, f->params, f->n_params, ", ");
            const char *s = suggest_name(it->string, f->params, f->n_params);
            if (s != NULL)
                return fail(c, p, NULL, "not a parameter of dist '%s' (it takes %s; did you "
                            "mean '%s'?)", f->name, list, s);
            return fail(c, p, NULL, "not a parameter of dist '%s' (it takes %s)", f->name, list);
        }
        for (const cJSON *jt = obj->child; jt != it; jt = jt->next) {
            if (strcmp(jt->string, it->string) == 0)
                return fail(c, p, NULL, "duplicate field");
        }
    }
    return 0;
}

static int dist_param(struct cfg *c, const cJSON *obj, const char *path, const char *name,
                      const struct dist_form *f, double *out)
{
    char p[CFG_PATH_MAX];
    if (get(obj, name) == NULL)
        return fail(c, join(p, path, name), NULL, "required by dist '%s'", f->name);
    return get_num(c, obj, path, name, true, ANY, out);
}

static int parse_empirical(struct cfg *c, const cJSON *obj, const char *path, struct dist *d)
{
    char p[CFG_PATH_MAX], ip[CFG_PATH_MAX + 24], g[40];
    const cJSON *arr = get(obj, "samples");
    join(p, path, "samples");
    if (arr == NULL)
        return fail(c, p, NULL, "required by dist 'empirical'");
    if (!cJSON_IsArray(arr))
        return fail(c, p, NULL, "must be an array of numbers (got %s)", config_json_type_name(arr));
    int n = cJSON_GetArraySize(arr);
    if (n <= 0)
        return fail(c, p, NULL, "must hold at least one value");
    d->samples = xmalloc((size_t)n * sizeof *d->samples);
    d->n_samples = 0;
    size_t i = 0;
    for (const cJSON *it = arr->child; it != NULL; it = it->next, i++) {
        snprintf(ip, sizeof ip, "%s[%zu]", p, i);
        if (!cJSON_IsNumber(it))
            return fail(c, ip, NULL, "must be a number (got %s)", config_json_type_name(it));
        if (!isfinite(it->valuedouble) || it->valuedouble < 0)
            return fail(c, ip, NULL, "must be a finite number >= 0 (got %s)",
                        fmt_num(g, sizeof g, it->valuedouble));
        d->samples[i] = it->valuedouble;
        d->n_samples = i + 1;
    }
    return 0;
}

/* A distribution value: a bare number (constant) or {"dist": NAME, ...}.
 * Checked in the unit written, then multiplied by scale (1e-3 for _ms).
 * On error *out is left zeroed. */
static int parse_dist(struct cfg *c, const cJSON *it, const char *path, double scale,
                      struct dist *out)
{
    char p[CFG_PATH_MAX], g[40], names[128];
    struct dist d;
    memset(&d, 0, sizeof d);
    memset(out, 0, sizeof *out);
    if (cJSON_IsNumber(it)) {
        if (check_range(c, path, it->valuedouble, at_least(0)) < 0)
            return -1;
        d = dist_constant(it->valuedouble);
    } else if (cJSON_IsObject(it)) {
        const char *name = NULL;
        if (get(it, "dist") == NULL)
            return fail(c, join(p, path, "dist"), NULL,
                        "required field is missing (a distribution object names its "
                        "distribution: %s)", dist_names_text(names, sizeof names));
        if (get_str(c, it, path, "dist", true, &name) < 0)
            return -1;
        const struct dist_form *f = NULL;
        for (size_t i = 0; i < COUNT(dist_forms); i++) {
            if (strcmp(name, dist_forms[i].name) == 0)
                f = &dist_forms[i];
        }
        if (f == NULL) {
            const char *s = suggest_name(name, dist_names, COUNT(dist_names));
            join(p, path, "dist");
            if (s != NULL)
                return fail(c, p, NULL, "unknown distribution '%s' (did you mean '%s'?)", name, s);
            return fail(c, p, NULL, "unknown distribution '%s' (expected %s)", name,
                        dist_names_text(names, sizeof names));
        }
        if (check_dist_keys(c, it, path, f) < 0)
            return -1;
        d.kind = f->kind;
        int rc = 0;
        switch (f->kind) {
        case DIST_CONSTANT:
        case DIST_EXPONENTIAL:
            rc = dist_param(c, it, path, f->params[0], f, &d.a);
            break;
        case DIST_NORMAL:
            rc = dist_param(c, it, path, "mean", f, &d.a);
            if (rc >= 0 && d.a < 0)
                rc = fail(c, join(p, path, "mean"), NULL,
                          "must be >= 0: the normal is truncated at 0 (got %s)",
                          fmt_num(g, sizeof g, d.a));
            if (rc >= 0)
                rc = dist_param(c, it, path, "sd", f, &d.b);
            break;
        case DIST_LOGNORMAL: {
            bool has_mu = get(it, "mu") != NULL, has_median = get(it, "median") != NULL;
            if (has_mu && has_median) {
                rc = fail(c, path, NULL, "give either 'mu' or 'median' for a lognormal, not both");
            } else if (has_median) {
                double median = 0;
                rc = get_num(c, it, path, "median", true, above(0), &median);
                d.a = log(median);
            } else if (has_mu) {
                rc = get_num(c, it, path, "mu", true, ANY, &d.a);
            } else {
                rc = fail(c, join(p, path, "mu"), NULL,
                          "required by dist 'lognormal' (or give 'median')");
            }
            if (rc >= 0)
                rc = dist_param(c, it, path, "sigma", f, &d.b);
            break;
        }
        case DIST_GAMMA:
        case DIST_WEIBULL:
        case DIST_UNIFORM:
            rc = dist_param(c, it, path, f->params[0], f, &d.a);
            if (rc >= 0)
                rc = dist_param(c, it, path, f->params[1], f, &d.b);
            break;
        case DIST_EMPIRICAL:
            rc = parse_empirical(c, it, path, &d);
            break;
        }
        if (rc < 0) {
            dist_fini(&d);
            return -1;
        }
    } else {
        return fail(c, path, NULL, "must be a number or a distribution object like "
                    "{\"dist\": \"exponential\", \"mean\": 1} (got %s)", config_json_type_name(it));
    }
    char why[256];
    if (dist_check(&d, why, sizeof why) != 0) {
        dist_fini(&d);
        /* dist_check names the parameter first ("sd: ..."): make it part of
         * the field path. */
        size_t id = strspn(why, "abcdefghijklmnopqrstuvwxyz_");
        if (id > 0 && (why[id] == ':' || why[id] == '[')) {
            size_t end = id + strcspn(why + id, ":");
            const char *rest = why + end;
            while (*rest == ':' || *rest == ' ')
                rest++;
            snprintf(p, sizeof p, "%s.%.*s", path, (int)end, why);
            return fail(c, p, NULL, "%s", rest);
        }
        return fail(c, path, NULL, "%s", why);
    }
    if (scale != 1)
        dist_scale(&d, scale);
    if (dist_check_bound(&d, CONFIG_TIME_MAX_S, why, sizeof why) != 0) {
        dist_fini(&d);
        return fail(c, path, NULL, "%s", why);
    }
    *out = d;
    return 0;
}

static int get_dist(struct cfg *c, const cJSON *obj, const char *opath, const char *key,
                    bool required, double scale, struct dist *out)
{
    char p[CFG_PATH_MAX];
    const cJSON *it = get(obj, key);
    join(p, opath, key);
    if (it == NULL)
        return missing(c, p, required);
    return parse_dist(c, it, p, scale, out) < 0 ? -1 : 1;
}

/* ---- JSON text ---------------------------------------------------------------- */

static void cjson_oom(void)
{
    fputs("lambdasim: out of memory (cJSON)\n", stderr);
    abort();
}

/* "FILE:LINE:COL: malformed JSON near '...'" for an error at byte pos. */


/* Reads and parses path; the root must be an object. */
static int load_json(struct cfg *c, const char *path, const char *role, cJSON **root)
{
    enum config_status st = config_json_read_file(path, "scenario or model", role, root, c->msg, c->msg_len);
    if (st != CONFIG_OK) {
        c->status = st;
        return -1;
    }
    if (!cJSON_IsObject(*root)) {
        fail(c, NULL, NULL, "the top level must be a JSON object {...} (got %s)",
             config_json_type_name(*root));
        cJSON_Delete(*root);
        *root = NULL;
        return -1;
    }
    return 0;
}

/* ---- overrides ------------------------------------------------------------------ */

static bool key_char_ok(char ch)
{
    return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9')
           || ch == '_' || ch == '.';
}

int config_check_field_path(const char *path, size_t len, char *why, size_t why_len)
{
    char ex[4 * TEXTLINE_EXCERPT_MAX + 8];
    size_t segs = 1;
    for (size_t i = 0; i < len; i++)
        segs += path[i] == '.';
    if (len == 0)
        return textline_fail(why, why_len, "empty field path (use dotted names like batching.threshold)");
    /* The caps first: they bound the work of everything after. */
    if (segs > CONFIG_PATH_DEPTH_MAX)
        return textline_fail(why, why_len, "field path '%s' has %zu segments; at most %d are allowed",
                             textline_excerpt(ex, sizeof ex, path, len), segs, CONFIG_PATH_DEPTH_MAX);
    if (len > CONFIG_PATH_LEN_MAX)
        return textline_fail(why, why_len, "field path '%s' has %zu characters; at most %d are allowed",
                             textline_excerpt(ex, sizeof ex, path, len), len, CONFIG_PATH_LEN_MAX);
    for (size_t i = 0; i < len; i++) {
        if (!key_char_ok(path[i])) {
            char bad[16];
            return textline_fail(why, why_len, "bad character '%s' in field path '%s' (use letters, "
                                 "digits, '_' and '.', e.g. batching.threshold)",
                                 textline_excerpt(bad, sizeof bad, path + i, 1),
                                 textline_excerpt(ex, sizeof ex, path, len));
        }
        if (path[i] == '.' && (i == 0 || i + 1 == len || path[i + 1] == '.'))
            return textline_fail(why, why_len, "empty segment in field path '%s' (use dotted names "
                                 "like batching.threshold)", textline_excerpt(ex, sizeof ex, path, len));
    }
    return 0;
}

int config_parse_override(const char *arg, struct config_override *out, char *msg, size_t msg_len)
{
    char ex[4 * TEXTLINE_EXCERPT_MAX + 8], why[CONFIG_MSG_MAX];
    const char *eq = strchr(arg, '=');
    textline_excerpt(ex, sizeof ex, arg, strlen(arg));
    if (eq == NULL)
        return textline_fail(msg, msg_len, "--set '%s': expected KEY=VALUE (e.g. batching.threshold=4)", ex);
    if (eq == arg)
        return textline_fail(msg, msg_len, "--set '%s': empty key (expected KEY=VALUE)", ex);
    if (config_check_field_path(arg, (size_t)(eq - arg), why, sizeof why) != 0)
        return textline_fail(msg, msg_len, "--set '%s': %s", ex, why);
    out->path = arg;
    out->value = eq + 1;
    return 0;
}

/* A --set value: JSON when it parses completely as JSON, else a string.
 * NULL (no tree built, the reason in why) when it is not UTF-8, holds a
 * control character, or nests deeper than CONFIG_JSON_DEPTH_MAX. */
static cJSON *override_value(const char *s, char *why, size_t why_len)
{
    const char *end = NULL;
    size_t len = strlen(s);
    if (textline_utf8_check(s, len, true) != len) {
        snprintf(why, why_len, "the value is not UTF-8 text or holds a control character");
        return NULL;
    }
    if (config_json_check(s, len, NULL, why, why_len) != 0)
        return NULL;
    cJSON *v = cJSON_ParseWithOpts(s, &end, 1);
    if (v != NULL)
        return v;
    v = cJSON_CreateString(s);
    if (v == NULL)
        cjson_oom();
    return v;
}

static bool parse_index(const char *s, int *out)
{
    long v = 0;
    if (*s == '\0')
        return false;
    for (; *s != '\0'; s++) {
        if (*s < '0' || *s > '9' || v > INT_MAX / 10)
            return false;
        v = v * 10 + (*s - '0');
    }
    if (v > INT_MAX)
        return false;
    *out = (int)v;
    return true;
}

/* Sets root.<path> = value, creating missing objects on the way. */
static int apply_override(struct cfg *c, cJSON *root, const struct config_override *o)
{
    size_t plen = ov_path_len(o->path);
    char *segs = xmalloc(plen + 1);
    char walked[CFG_PATH_MAX] = "";
    cJSON *val = NULL;
    int rc = -1;
    char why[CONFIG_MSG_MAX];
    memcpy(segs, o->path, plen);
    segs[plen] = '\0';
    if (config_check_field_path(segs, plen, why, sizeof why) != 0) {
        fail(c, NULL, NULL, "%s", why);
        goto out;
    }
    val = override_value(o->value, why, sizeof why);
    if (val == NULL) {
        fail(c, segs, NULL, "%s", why);
        goto out;
    }
    cJSON *node = root;
    char *seg = segs;
    for (;;) {
        char *dot = strchr(seg, '.');
        if (dot != NULL)
            *dot = '\0';
        cJSON *child;
        if (cJSON_IsArray(node)) {
            int idx = 0, size = cJSON_GetArraySize(node);
            if (!parse_index(seg, &idx)) {
                fail(c, walked, NULL, "is an array; '%s' is not an index", seg);
                goto out;
            }
            if (idx >= size) {
                fail(c, walked, NULL, "index %d out of range (the array has %d items)", idx, size);
                goto out;
            }
            if (dot == NULL) {
                if (!cJSON_ReplaceItemInArray(node, idx, val))
                    cjson_oom();
                val = NULL;
                break;
            }
            child = cJSON_GetArrayItem(node, idx);
        } else {
            child = cJSON_GetObjectItemCaseSensitive(node, seg);
            if (dot == NULL) {
                cJSON_bool done = child != NULL
                                      ? cJSON_ReplaceItemInObjectCaseSensitive(node, seg, val)
                                      : cJSON_AddItemToObject(node, seg, val);
                if (!done)
                    cjson_oom();
                val = NULL;
                break;
            }
            if (child == NULL) {
                child = cJSON_CreateObject();
                if (child == NULL || !cJSON_AddItemToObject(node, seg, child))
                    cjson_oom();
            }
        }
        size_t wl = strlen(walked);
        snprintf(walked + wl, sizeof walked - wl, "%s%s", wl > 0 ? "." : "", seg);
        if (!cJSON_IsObject(child) && !cJSON_IsArray(child)) {
            fail(c, walked, NULL, "is a %s, so it has no field '%.*s' to set", config_json_type_name(child),
                 (int)strcspn(dot + 1, "."), dot + 1);
            goto out;
        }
        node = child;
        seg = dot + 1;
    }
    rc = 0;
out:
    cJSON_Delete(val);
    free(segs);
    return rc;
}

/* ---- model ----------------------------------------------------------------------- */

static const char *const model_keys[] = {
    "name", "description", "memory_mb", "cpu_bound_fraction", "cold_start_ms", "restore_ms", "overhead_ms",
    "first_invocation_ms", "inference_ms", "host", "sources",
};
static const char *const inference_keys[] = { "base", "per_item_ms", "by_batch_size" };
static const char *const host_keys[] = { "dispatch_ms", "start_ms", "idle", "start_burst", "share", "speed",
                                         "stall", "wake" };
static const char *const stall_keys[] = { "probability", "ms", "measured" };
static const char *const wake_keys[] = { "probability", "ms", "per_invocation", "measured" };
static const char *const speed_keys[] = { "factor", "hold_s", "window_s", "measured" };
static const char *const burst_keys[] = { "starts", "factor", "spawn_ms", "measured" };
static const char *const share_keys[] = { "jobs", "cores", "efficiency", "quantum_ms", "measured" };

/* A whole number at p.key (already read into v and checked for range). */
static int whole(struct cfg *c, const char *p, const char *key, double v)
{
    if (v == floor(v))
        return 0;
    char q[CFG_PATH_MAX], g[40];
    join(q, p, key);
    return fail(c, q, NULL, "must be a whole number (got %s)", fmt_num(g, sizeof g, v));
}

/* host.share: how much of the cores jobs more than the cores got, as
 * `profile --share-jobs` measured it ("measured" is provenance). */
static int get_host_share(struct cfg *c, const cJSON *host, const char *hpath, struct model_profile *m)
{
    const cJSON *s = NULL;
    char p[CFG_PATH_MAX];
    int got = get_obj(c, host, hpath, "share", false, &s);
    if (got <= 0)
        return got;
    join(p, hpath, "share");
    double jobs = 0, cores = 0, eff = 0, quantum_ms = 0; /* none: processor sharing */
    if (check_keys(c, s, p, share_keys, COUNT(share_keys)) < 0
        || get_num(c, s, p, "jobs", true, between(2, 1024), &jobs) < 0 || whole(c, p, "jobs", jobs) < 0
        || get_num(c, s, p, "cores", true, between(1, 1023), &cores) < 0 || whole(c, p, "cores", cores) < 0
        || get_num(c, s, p, "efficiency", true, between(0.05, 1), &eff) < 0
        || get_num(c, s, p, "quantum_ms", false, between(0, 1e6), &quantum_ms) < 0)
        return -1;
    if (jobs <= cores) {
        char q[CFG_PATH_MAX];
        join(q, p, "jobs");
        return fail(c, q, NULL, "must be more than cores (%.0f): with no more jobs than cores nothing is "
                    "shared (got %.0f)", cores, jobs);
    }
    m->has_share = true;
    m->share_jobs = (int)jobs;
    m->share_cores = (int)cores;
    m->share_efficiency = eff;
    m->share_quantum_s = quantum_ms / 1000.0;
    return 1;
}

/* Whether every value d can draw is above 0 (a speed factor of 0 would
 * make work take no time); if not, why, in *why. A normal is truncated at
 * 0, so it can draw 0. */
static bool draws_positive(const struct dist *d, char *why, size_t why_len)
{
    char g[40];
    switch (d->kind) {
    case DIST_CONSTANT:
    case DIST_UNIFORM:
        if (d->a > 0)
            return true;
        snprintf(why, why_len, "its %s is %s", d->kind == DIST_CONSTANT ? "value" : "min",
                 fmt_num(g, sizeof g, d->a));
        return false;
    case DIST_EMPIRICAL:
        for (size_t i = 0; i < d->n_samples; i++) {
            if (!(d->samples[i] > 0)) {
                snprintf(why, why_len, "samples[%zu] is %s", i, fmt_num(g, sizeof g, d->samples[i]));
                return false;
            }
        }
        return true;
    case DIST_NORMAL:
        snprintf(why, why_len, "a normal distribution is truncated at 0 and can draw 0: use a lognormal "
                 "or the measured samples");
        return false;
    default:
        return true;
    }
}

/* host.speed: the host's speed over time, as `profile --speed-probe-s`
 * measured it ("measured" is provenance). */
static int get_host_speed(struct cfg *c, const cJSON *host, const char *hpath, struct model_profile *m)
{
    const cJSON *s = NULL;
    char p[CFG_PATH_MAX], q[CFG_PATH_MAX];
    int got = get_obj(c, host, hpath, "speed", false, &s);
    if (got <= 0)
        return got;
    join(p, hpath, "speed");
    double hold = 0, window = 0;
    if (check_keys(c, s, p, speed_keys, COUNT(speed_keys)) < 0
        || get_dist(c, s, p, "factor", true, 1, &m->speed_factor) < 0
        || get_num(c, s, p, "hold_s", true, between(1e-3, 1e7), &hold) < 0
        || get_num(c, s, p, "window_s", false, between(1e-3, 1e7), &window) < 0)
        return -1;
    char why[160];
    if (!draws_positive(&m->speed_factor, why, sizeof why))
        return fail(c, join(q, p, "factor"), NULL, "every factor it can draw must be above 0: it "
                    "multiplies the time work takes (%s)", why);
    m->has_speed = true;
    m->speed_hold_s = hold;
    m->speed_window_s = window;
    return 1;
}

/* host.stall: how often a batch met a stall of the host and how long it
 * was, as `profile --speed-probe-s` measured it ("measured" is
 * provenance). */
static int get_host_stall(struct cfg *c, const cJSON *host, const char *hpath, struct model_profile *m)
{
    const cJSON *s = NULL;
    char p[CFG_PATH_MAX];
    int got = get_obj(c, host, hpath, "stall", false, &s);
    if (got <= 0)
        return got;
    join(p, hpath, "stall");
    double prob = 0;
    if (check_keys(c, s, p, stall_keys, COUNT(stall_keys)) < 0
        || get_num(c, s, p, "probability", true, between(0, 1), &prob) < 0
        || get_dist(c, s, p, "ms", true, 1e-3, &m->stall_s) < 0)
        return -1;
    m->has_stall = prob > 0;
    m->stall_probability = prob;
    return 1;
}

/* True when every value d can draw is a share, 0..1: a constant, a
 * uniform or the samples of an empirical distribution (other kinds reach
 * beyond 1 or below 0). */
static bool draws_share(const struct dist *d, char *why, size_t why_len)
{
    char g[40];
    switch (d->kind) {
    case DIST_CONSTANT:
    case DIST_UNIFORM: {
        double hi = d->kind == DIST_CONSTANT ? d->a : d->b;
        if (d->a >= 0 && hi <= 1)
            return true;
        snprintf(why, why_len, "it draws %s", fmt_num(g, sizeof g, d->a < 0 ? d->a : hi));
        return false;
    }
    case DIST_EMPIRICAL:
        for (size_t i = 0; i < d->n_samples; i++) {
            if (!(d->samples[i] >= 0 && d->samples[i] <= 1)) {
                snprintf(why, why_len, "samples[%zu] is %s", i, fmt_num(g, sizeof g, d->samples[i]));
                return false;
            }
        }
        return true;
    default:
        snprintf(why, why_len, "a %s distribution is not bounded by 0 and 1: give a number or the "
                 "measured samples", dist_kind_name(d->kind));
        return false;
    }
}

/* host.wake: the share of the host's wake-ups that stalled (a number, or
 * the probe's windows as an empirical distribution: each run draws one),
 * how long (ms) and how many wake-ups an invocation meets, as `profile
 * --wake-probe-s` measured them ("measured" is provenance). */
static int get_host_wake(struct cfg *c, const cJSON *host, const char *hpath, struct model_profile *m)
{
    const cJSON *w = NULL;
    char p[CFG_PATH_MAX], q[CFG_PATH_MAX];
    int got = get_obj(c, host, hpath, "wake", false, &w);
    if (got <= 0)
        return got;
    join(p, hpath, "wake");
    int per = 0;
    if (check_keys(c, w, p, wake_keys, COUNT(wake_keys)) < 0
        || get_dist(c, w, p, "probability", true, 1, &m->wake_probability) < 0
        || get_dist(c, w, p, "ms", true, 1e-3, &m->wake_s) < 0
        || get_int32(c, w, p, "per_invocation", true, 1, 16, &per) < 0)
        return -1;
    char why[160];
    if (!draws_share(&m->wake_probability, why, sizeof why))
        return fail(c, join(q, p, "probability"), NULL, "must be a share from 0 to 1 (%s)", why);
    /* A stall adds time: 0 (none measured) or lengths above 0. */
    bool none = m->wake_s.kind == DIST_CONSTANT && m->wake_s.a == 0;
    if (!none && !draws_positive(&m->wake_s, why, sizeof why))
        return fail(c, join(q, p, "ms"), NULL, "every length it can draw must be above 0, or the "
                    "whole of it 0 (%s)", why);
    m->has_wake = dist_mean(&m->wake_probability) > 0;
    m->wake_per_invocation = per;
    return 1;
}

/* host.start_burst: how much more CPU a start takes among others, and
 * the start-up thread's part of a start (spawn_ms, optional: profiles
 * before it have none), as `profile --burst-starts` measured them
 * ("measured" is provenance). */
static int get_host_burst(struct cfg *c, const cJSON *host, const char *hpath, struct model_profile *m)
{
    const cJSON *b = NULL;
    char p[CFG_PATH_MAX];
    int got = get_obj(c, host, hpath, "start_burst", false, &b);
    if (got <= 0)
        return got;
    join(p, hpath, "start_burst");
    double starts = 0, factor = 0, spawn_ms = 0;
    if (check_keys(c, b, p, burst_keys, COUNT(burst_keys)) < 0
        || get_num(c, b, p, "starts", true, between(2, 1024), &starts) < 0
        || get_num(c, b, p, "factor", true, between(0.1, 100), &factor) < 0
        || get_num(c, b, p, "spawn_ms", false, between(0, 60000), &spawn_ms) < 0)
        return -1;
    if (starts != floor(starts)) {
        char q[CFG_PATH_MAX], g[40];
        join(q, p, "starts");
        return fail(c, q, NULL, "must be a whole number of starts (got %s)", fmt_num(g, sizeof g, starts));
    }
    m->has_start_burst = true;
    m->start_burst_n = (int)starts;
    m->start_burst_factor = factor;
    m->start_spawn_s = spawn_ms / 1e3;
    return 1;
}
static const char *const idle_keys[] = { "short_gap_ms", "long_gap_ms", "wake_ms", "slowdown",
                                         "stall_probability", "stall_ms", "start_ms", "measured" };

/* host.idle: the idle penalty `profile --long-gap-ms` measured ("measured"
 * is its provenance, not read). All four numbers or no "idle"; the stalls
 * after an idle (stall_probability, stall_ms) both or neither; start_ms
 * (a start's penalty) optional, 0 when absent (profiles before it). */
static int get_host_idle(struct cfg *c, const cJSON *host, const char *hpath, struct model_profile *m)
{
    const cJSON *idle = NULL;
    char p[CFG_PATH_MAX], q[CFG_PATH_MAX];
    int got = get_obj(c, host, hpath, "idle", false, &idle);
    if (got <= 0)
        return got;
    join(p, hpath, "idle");
    double short_ms = 0, long_ms = 0, wake_ms = 0, slowdown = 0, start_ms = 0;
    if (check_keys(c, idle, p, idle_keys, COUNT(idle_keys)) < 0
        || get_num(c, idle, p, "short_gap_ms", true, above(0), &short_ms) < 0
        || get_num(c, idle, p, "long_gap_ms", true, above(0), &long_ms) < 0
        || get_num(c, idle, p, "wake_ms", true, between(0, 60000), &wake_ms) < 0
        || get_num(c, idle, p, "slowdown", true, between(0, 100), &slowdown) < 0
        || get_num(c, idle, p, "start_ms", false, between(0, 60000), &start_ms) < 0)
        return -1;
    if (long_ms <= short_ms) {
        char g[40], l[40];
        join(q, p, "long_gap_ms");
        return fail(c, q, NULL, "must be more than short_gap_ms (%s; got %s)", fmt_num(l, sizeof l, short_ms),
                    fmt_num(g, sizeof g, long_ms));
    }
    bool has_prob = get(idle, "stall_probability") != NULL, has_ms = get(idle, "stall_ms") != NULL;
    if (has_prob || has_ms) {
        double prob = 0;
        if (get_num(c, idle, p, "stall_probability", true, between(0, 1), &prob) < 0
            || get_dist(c, idle, p, "stall_ms", true, 1e-3, &m->idle_stall_s) < 0)
            return -1;
        m->has_idle_stall = prob > 0;
        m->idle_stall_probability = prob;
    }
    m->has_idle = true;
    m->idle_short_s = short_ms * 1e-3;
    m->idle_long_s = long_ms * 1e-3;
    m->idle_wake_s = wake_ms * 1e-3;
    m->idle_slowdown = slowdown;
    m->idle_start_s = start_ms * 1e-3;
    return 1;
}

/* A batch-size key: canonical decimal 1..CFG_BATCH_MAX. */
static int batch_key(const char *s)
{
    int v = 0;
    if (s[0] < '1' || s[0] > '9')
        return 0;
    for (; *s != '\0'; s++) {
        if (*s < '0' || *s > '9')
            return 0;
        v = v * 10 + (*s - '0');
        if (v > CFG_BATCH_MAX)
            return 0;
    }
    return v;
}

static int parse_table(struct cfg *c, const cJSON *tab, const char *path, struct model_profile *m)
{
    char p[CFG_PATH_MAX];
    int max = 0;
    assert(tab != NULL);
    for (const cJSON *it = tab->child; it != NULL; it = it->next) {
        if (strcmp(it->string, "notes") == 0)
            continue;
        int n = batch_key(it->string);
        if (n == 0)
            return fail(c, join(p, path, it->string), NULL,
                        "batch size must be an integer from 1 to %d", CFG_BATCH_MAX);
        if (n > max)
            max = n;
    }
    if (max == 0)
        return 0;
    m->by_size = xcalloc((size_t)max + 1, sizeof *m->by_size);
    m->has_size = xcalloc((size_t)max + 1, sizeof *m->has_size);
    m->table_max = max;
    for (const cJSON *it = tab->child; it != NULL; it = it->next) {
        if (strcmp(it->string, "notes") == 0)
            continue;
        int n = batch_key(it->string);
        join(p, path, it->string);
        if (m->has_size[n])
            return fail(c, p, NULL, "duplicate field");
        if (parse_dist(c, it, p, 1e-3, &m->by_size[n]) < 0)
            return -1;
        m->has_size[n] = true;
    }
    return 0;
}

/* A model object (a file's root, or inline at opath); on error the caller
 * runs model_fini. */
static int parse_model(struct cfg *c, const cJSON *obj, const char *opath,
                       const char *default_name, struct model_profile *m)
{
    char p[CFG_PATH_MAX], ip[CFG_PATH_MAX];
    const char *name = default_name, *desc = NULL;
    const cJSON *inf = NULL, *tab = NULL;
    double mem = 0, per_item = 0;
    memset(m, 0, sizeof *m);
    if (check_keys(c, obj, opath, model_keys, COUNT(model_keys)) < 0)
        return -1;
    int got = get_str(c, obj, opath, "name", false, &name);
    if (got < 0 || (got == 1 && check_name(c, join(p, opath, "name"), name, sizeof m->name) < 0))
        return -1;
    snprintf(m->name, sizeof m->name, "%s", name);
    if (get_str(c, obj, opath, "description", false, &desc) < 0)
        return -1;
    if (get_int(c, obj, opath, "memory_mb", true, CFG_MEMORY_MIN, CFG_MEMORY_MAX, &mem) < 0)
        return -1;
    m->memory_mb = mem;
    /* Absent: purely CPU-bound, the scaling every profile had before the
     * fraction existed (the CLI warns when that guess is used). */
    m->cpu_bound_fraction = 1;
    got = get_num(c, obj, opath, "cpu_bound_fraction", false, between(0, 1), &m->cpu_bound_fraction);
    if (got < 0)
        return -1;
    m->has_cpu_bound_fraction = got == 1;
    /* cold_start_ms may be absent only where restore_ms stands in for it
     * (a SnapStart function's logs have no Init Duration). */
    got = get_dist(c, obj, opath, "restore_ms", false, 1e-3, &m->restore_s);
    if (got < 0)
        return -1;
    m->has_restore = got == 1;
    got = get_dist(c, obj, opath, "cold_start_ms", !m->has_restore, 1e-3, &m->cold_start_s);
    if (got < 0)
        return -1;
    m->has_cold_start = got == 1;
    if (get_dist(c, obj, opath, "overhead_ms", true, 1e-3, &m->overhead_s) < 0)
        return -1;
    got = get_dist(c, obj, opath, "first_invocation_ms", false, 1e-3, &m->first_invocation_s);
    if (got < 0)
        return -1;
    m->has_first_invocation = got == 1;
    if (get_obj(c, obj, opath, "inference_ms", true, &inf) < 0)
        return -1;
    join(ip, opath, "inference_ms");
    if (check_keys(c, inf, ip, inference_keys, COUNT(inference_keys)) < 0)
        return -1;
    got = get_dist(c, inf, ip, "base", false, 1e-3, &m->base_s);
    if (got < 0)
        return -1;
    m->has_base = got == 1;
    if (get(inf, "per_item_ms") != NULL && !m->has_base)
        return fail(c, join(p, ip, "per_item_ms"), NULL,
                    "only used together with 'base' (give 'base', or put the time of each "
                    "batch size in 'by_batch_size')");
    if (get_num(c, inf, ip, "per_item_ms", false, at_least(0), &per_item) < 0)
        return -1;
    m->per_item_s = per_item * 1e-3;
    got = get_obj(c, inf, ip, "by_batch_size", false, &tab);
    if (got < 0 || (got == 1 && parse_table(c, tab, join(p, ip, "by_batch_size"), m) < 0))
        return -1;
    if (!m->has_base && m->table_max == 0)
        return fail(c, ip, NULL, "needs 'base' or a non-empty 'by_batch_size' "
                    "(inference time per batch size)");
    /* The measuring host's own costs: both or neither, so that a reader
     * never mistakes a missing one for zero. */
    const cJSON *host = NULL;
    got = get_obj(c, obj, opath, "host", false, &host);
    if (got < 0)
        return -1;
    if (got == 1) {
        join(p, opath, "host");
        if (check_keys(c, host, p, host_keys, COUNT(host_keys)) < 0
            || get_dist(c, host, p, "dispatch_ms", true, 1e-3, &m->host_dispatch_s) < 0
            || get_dist(c, host, p, "start_ms", true, 1e-3, &m->host_start_s) < 0)
            return -1;
        m->has_host = true;
        if (get_host_idle(c, host, p, m) < 0 || get_host_burst(c, host, p, m) < 0
            || get_host_share(c, host, p, m) < 0 || get_host_speed(c, host, p, m) < 0
            || get_host_stall(c, host, p, m) < 0 || get_host_wake(c, host, p, m) < 0)
            return -1;
    }
    return 0;
}

enum config_status config_load_model(const char *path, struct model_profile *out,
                                     char *msg, size_t msg_len)
{
    struct cfg c = { .file = path, .msg = msg, .msg_len = msg_len, .status = CONFIG_OK };
    char def[MODEL_NAME_MAX];
    cJSON *root = NULL;
    memset(out, 0, sizeof *out);
    if (msg != NULL && msg_len > 0)
        msg[0] = '\0';
    if (load_json(&c, path, "function.model", &root) < 0)
        goto out;
    base_name(path, def, sizeof def);
    parse_model(&c, root, "", def, out);
out:
    cJSON_Delete(root);
    if (c.status != CONFIG_OK)
        model_fini(out);
    return c.status;
}

/* ---- scenario ---------------------------------------------------------------------- */

static const char *const scenario_keys[] = {
    "name", "description", "seed", "duration_s", "requests", "warmup_period_s", "workload",
    "batching", "client", "function", "platform", "warmup", "pricing", "stats",
};

static const char *const workload_keys[] = {
    "type", "rate_rps", "start_s", "burst_size", "burst_pause_s", "gap_s", "file", "format",
    "function", "app", "time_scale", "within_minute", "durations", "memory",
};
static const char *const workload_types[] = { "uniform", "poisson", "bursty", "trace" };
static const char *const rate_keys[] = { "type", "rate_rps", "start_s" };
static const char *const bursty_keys[] = {
    "type", "burst_size", "burst_pause_s", "gap_s", "start_s",
};
static const char *const trace_keys[] = {
    "type", "file", "format", "function", "app", "time_scale", "within_minute", "durations", "memory",
};
static const char *const trace_formats[] = { "times", "azure2019", "azure2021" };
static const char *const minute_placements[] = { "even", "random" };

/* The trace fields beyond file: format (default times), function and app
 * (Azure formats), within_minute, durations and memory (azure2019),
 * time_scale (all). */
static int parse_trace_fields(struct cfg *c, const cJSON *w, struct workload_spec *ws,
                              const char **function, const char **app)
{
    int fmt = 0, place = 0;
    if (get_choice(c, w, "workload", "format", trace_formats, COUNT(trace_formats), &fmt) < 0)
        return -1;
    ws->trace_format = fmt == 1 ? TRACE_FORMAT_AZURE2019
                       : fmt == 2 ? TRACE_FORMAT_AZURE2021 : TRACE_FORMAT_TIMES;
    /* Fields that only some formats read. */
    static const struct { const char *key; unsigned formats; } only[] = {
        { "function", 1u << TRACE_FORMAT_AZURE2019 | 1u << TRACE_FORMAT_AZURE2021 },
        { "app", 1u << TRACE_FORMAT_AZURE2021 },
        { "within_minute", 1u << TRACE_FORMAT_AZURE2019 },
        { "durations", 1u << TRACE_FORMAT_AZURE2019 },
        { "memory", 1u << TRACE_FORMAT_AZURE2019 },
    };
    for (size_t i = 0; i < COUNT(only); i++) {
        char p[CFG_PATH_MAX];
        if (get(w, only[i].key) != NULL && (only[i].formats & (1u << ws->trace_format)) == 0)
            return fail(c, join(p, "workload", only[i].key), "workload.format",
                        "not used by trace format '%s'", trace_formats[fmt]);
    }
    if (get_str(c, w, "workload", "function", false, function) < 0
        || get_str(c, w, "workload", "app", false, app) < 0)
        return -1;
    if (get_choice(c, w, "workload", "within_minute", minute_placements,
                   COUNT(minute_placements), &place) < 0)
        return -1;
    ws->within_minute = place == 1 ? MINUTE_RANDOM : MINUTE_EVEN;
    ws->time_scale = 1;
    return get_num(c, w, "workload", "time_scale", false, above_upto(0, 1e6), &ws->time_scale) < 0
               ? -1 : 0;
}

#define TRACE_FILES_MAX 64       /* chained day files: 14 days of 2019 data, with room */

/* The 2019 durations and memory percentile files of the trace's function. */
static int read_az19_extras(struct cfg *c, const cJSON *w, struct workload_spec *ws, const char *function,
                            const char *app)
{
    char inner[CONFIG_MSG_MAX], path[SCENARIO_PATH_MAX];
    const char *rel = NULL;
    int got = get_str(c, w, "workload", "durations", false, &rel);
    if (got < 0)
        return -1;
    if (got == 1) {
        struct trace_az19_durations d;
        if (resolve_path(c, "workload.durations", rel, path, sizeof path) < 0)
            return -1;
        FILE *f = infile_open(path, "workload.durations", inner, sizeof inner);
        if (f == NULL)
            return fail_ref(c, CONFIG_ERR_IO, inner, "workload.durations");
        fclose(f);
        if (trace_read_azure2019_durations(path, function, &d, inner, sizeof inner) != 0)
            return fail_ref(c, CONFIG_ERR_INVALID, inner, "workload.durations");
        ws->has_durations = true;
        ws->duration_average_ms = d.average_ms;
        memcpy(ws->duration_pct_ms, d.pct_ms, sizeof ws->duration_pct_ms);
    }
    got = get_str(c, w, "workload", "memory", false, &rel);
    if (got < 0)
        return -1;
    if (got == 1) {
        struct trace_az19_memory m;
        if (resolve_path(c, "workload.memory", rel, path, sizeof path) < 0)
            return -1;
        FILE *f = infile_open(path, "workload.memory", inner, sizeof inner);
        if (f == NULL)
            return fail_ref(c, CONFIG_ERR_IO, inner, "workload.memory");
        fclose(f);
        if (trace_read_azure2019_memory(path, app, function, &m, inner, sizeof inner) != 0)
            return fail_ref(c, CONFIG_ERR_INVALID, inner, "workload.memory");
        ws->has_memory = true;
        ws->memory_average_mb = m.average_mb;
        memcpy(ws->memory_pct_mb, m.pct_mb, sizeof ws->memory_pct_mb);
    }
    return 0;
}

/* workload.file: one path, or (azure2019) a list of day files chained in
 * time. Reads them into w; 0 or -1. */
static int read_trace_files(struct cfg *c, const cJSON *wj, struct workload_spec *w, const char *function,
                            const char *app, char (*paths)[SCENARIO_PATH_MAX])
{
    char inner[CONFIG_MSG_MAX];
    const cJSON *fj = get(wj, "file");
    const char *ptrs[TRACE_FILES_MAX];
    size_t n = 0;
    if (fj == NULL)
        return missing(c, "workload.file", true);
    if (cJSON_IsArray(fj)) {
        if (w->trace_format != TRACE_FORMAT_AZURE2019)
            return fail(c, "workload.file", "workload.format", "a list of files is read only by format "
                        "'azure2019' (day files chained in time); give one file");
        int count = cJSON_GetArraySize(fj);
        if (count < 1 || count > TRACE_FILES_MAX)
            return fail(c, "workload.file", NULL, "must list 1 to %d files (got %d)", TRACE_FILES_MAX, count);
        for (const cJSON *it = fj->child; it != NULL; it = it->next, n++) {
            char p[CFG_PATH_MAX];
            snprintf(p, sizeof p, "workload.file[%zu]", n);
            if (!cJSON_IsString(it))
                return fail(c, p, NULL, "must be a string (got %s)", config_json_type_name(it));
            if (resolve_path(c, p, it->valuestring, paths[n], sizeof paths[n]) < 0)
                return -1;
        }
    } else if (cJSON_IsString(fj)) {
        if (resolve_path(c, "workload.file", fj->valuestring, paths[0], sizeof paths[0]) < 0)
            return -1;
        n = 1;
    } else {
        return fail(c, "workload.file", NULL, "must be a string%s (got %s)",
                    w->trace_format == TRACE_FORMAT_AZURE2019 ? " or a list of strings" : "",
                    config_json_type_name(fj));
    }
    snprintf(w->trace_path, sizeof w->trace_path, "%s", paths[0]);
    /* Tell a missing file (an I/O error) from a bad one (invalid content). */
    for (size_t k = 0; k < n; k++) {
        FILE *f = infile_open(paths[k], "workload.file", inner, sizeof inner);
        if (f == NULL)
            return fail_ref(c, CONFIG_ERR_IO, inner, "workload.file");
        fclose(f);
        ptrs[k] = paths[k];
    }
    int rc = 0;
    struct trace_az19 az;
    memset(&az, 0, sizeof az);
    w->n_trace_files = n;
    /* A sweep's loads parse the same trace once (tracecache.h). */
    char *key = tracecache_key((int)w->trace_format, function, app, ptrs, n);
    struct tracecache_value hit;
    if (tracecache_get(key, &hit)) {
        w->trace_s = hit.times_s;
        w->trace_len = hit.times_s != NULL ? hit.n_times : (size_t)hit.total;
        w->minute_counts = hit.counts;
        w->n_minutes = hit.n_minutes;
        w->first_minute = hit.first_minute;
        snprintf(az.app, sizeof az.app, "%s", hit.app);
        snprintf(az.function, sizeof az.function, "%s", hit.function);
    } else {
        switch (w->trace_format) {
        case TRACE_FORMAT_TIMES:
            rc = trace_read_times(w->trace_path, &w->trace_s, &w->trace_len, inner, sizeof inner);
            break;
        case TRACE_FORMAT_AZURE2019:
            rc = trace_read_azure2019_files(ptrs, n, function, &az, inner, sizeof inner);
            if (rc == 0) {
                w->minute_counts = az.counts;
                w->n_minutes = az.n_minutes;
                w->trace_len = (size_t)az.total;
                w->first_minute = az.first_minute;
            }
            break;
        case TRACE_FORMAT_AZURE2021:
            rc = trace_read_azure2021(w->trace_path, app, function, &w->trace_s, &w->trace_len, inner,
                                      sizeof inner);
            break;
        }
        if (rc == 0) {
            struct tracecache_value v = { .times_s = w->trace_s, .n_times = w->trace_s != NULL ? w->trace_len : 0,
                                          .counts = w->minute_counts, .n_minutes = w->n_minutes,
                                          .total = w->trace_len, .first_minute = w->first_minute };
            snprintf(v.app, sizeof v.app, "%s", az.app);
            snprintf(v.function, sizeof v.function, "%s", az.function);
            tracecache_put(key, &v);
        }
    }
    free(key);
    if (rc != 0)
        return fail_ref(c, CONFIG_ERR_INVALID, inner, "workload.file");
    /* The percentile files are matched by the function found in the
     * counts (named or the file's only one) and its app. */
    if (w->trace_format == TRACE_FORMAT_AZURE2019 && read_az19_extras(c, wj, w, az.function, az.app) < 0)
        return -1;
    if (w->time_scale != 1 && w->trace_s != NULL) {
        for (size_t i = 0; i < w->trace_len; i++)
            w->trace_s[i] *= w->time_scale;
    }
    return 0;
}

static int read_trace(struct cfg *c, const cJSON *wj, struct workload_spec *w, const char *function,
                      const char *app)
{
    char (*paths)[SCENARIO_PATH_MAX] = xcalloc(TRACE_FILES_MAX, sizeof *paths);
    int rc = read_trace_files(c, wj, w, function, app, paths);
    free(paths);
    return rc;
}

static int parse_workload(struct cfg *c, const cJSON *w, struct workload_spec *ws)
{
    const char *type = NULL;
    int t = 0;
    if (check_keys(c, w, "workload", workload_keys, COUNT(workload_keys)) < 0)
        return -1;
    if (get(w, "type") == NULL)
        return fail(c, "workload.type", NULL, "required field is missing (uniform, poisson, "
                    "bursty or trace)");
    if (get_str(c, w, "workload", "type", true, &type) < 0)
        return -1;
    if (get_choice(c, w, "workload", "type", workload_types, COUNT(workload_types), &t) < 0)
        return -1;
    ws->type = (enum workload_type)t;
    const char *const *valid = t == WORKLOAD_BURSTY ? bursty_keys
                               : t == WORKLOAD_TRACE ? trace_keys : rate_keys;
    size_t n_valid = t == WORKLOAD_BURSTY ? COUNT(bursty_keys)
                     : t == WORKLOAD_TRACE ? COUNT(trace_keys) : COUNT(rate_keys);
    for (const cJSON *it = w->child; it != NULL; it = it->next) {
        char p[CFG_PATH_MAX];
        if (strcmp(it->string, "notes") != 0 && !in_list(it->string, valid, n_valid))
            return fail(c, join(p, "workload", it->string), "workload.type",
                        "not used by workload type '%s'", type);
    }
    ws->start_s = 0;
    switch (ws->type) {
    case WORKLOAD_UNIFORM:
    case WORKLOAD_POISSON:
        if (get_num(c, w, "workload", "rate_rps", true, above_upto(0, 1e9), &ws->rate_rps) < 0)
            return -1;
        if (ws->rate_rps < CONFIG_RATE_MIN) {
            char g1[40];
            return fail(c, "workload.rate_rps", NULL, "must be at least 1e-09 per second: the gaps "
                        "between arrivals would be too long for the simulated clock to resolve a "
                        "latency (got %s)", fmt_num(g1, sizeof g1, ws->rate_rps));
        }
        break;
    case WORKLOAD_BURSTY: {
        double size = 0;
        if (get_int(c, w, "workload", "burst_size", true, 1, 1e9, &size) < 0)
            return -1;
        ws->burst_size = (int)size;
        if (get_time(c, w, "workload", "burst_pause_s", true, true, &ws->burst_pause_s) < 0)
            return -1;
        ws->gap_s = 0;
        if (get_time(c, w, "workload", "gap_s", false, true, &ws->gap_s) < 0)
            return -1;
        if (ws->burst_pause_s == 0 && ws->gap_s == 0)
            return fail(c, "workload.burst_pause_s", "workload.gap_s",
                        "burst_pause_s and gap_s are both 0: every burst would arrive at the "
                        "same instant, without end (make one of them > 0)");
        break;
    }
    case WORKLOAD_TRACE: {
        const char *function = NULL, *app = NULL;
        if (parse_trace_fields(c, w, ws, &function, &app) < 0)
            return -1;
        return read_trace(c, w, ws, function, app);
    }
    }
    return get_time(c, w, "workload", "start_s", false, true, &ws->start_s) < 0 ? -1 : 0;
}

static const char *const batching_keys[] = {
    "threshold", "max_batch", "timeout_s", "policy", "slo_ms", "aimd_increase", "aimd_decrease",
};
static const char *const batch_policy_names[] = {
#define BATCH_POLICY_NAME(id, name) name,
    BATCH_POLICIES(BATCH_POLICY_NAME)
#undef BATCH_POLICY_NAME
};

/* batching.policy and its fields: slo_ms for aimd and slo, aimd_* for aimd
 * only (defaults: Clipper's additive step of one and 10 % back-off). */
static int parse_batch_policy(struct cfg *c, const cJSON *b, struct batching_spec *bs)
{
    int policy = BATCH_POLICY_FIXED;
    bs->policy = BATCH_POLICY_FIXED;
    bs->slo_s = 0;
    bs->aimd_increase = 1;
    bs->aimd_decrease = 0.9;
    if (get_choice(c, b, "batching", "policy", batch_policy_names, COUNT(batch_policy_names), &policy) < 0)
        return -1;
    bs->policy = (enum batch_policy)policy;
    static const char *const own[] = { "slo_ms", "aimd_increase", "aimd_decrease" };
    for (size_t i = 0; i < COUNT(own); i++) {
        bool applies = i == 0 ? bs->policy != BATCH_POLICY_FIXED : bs->policy == BATCH_POLICY_AIMD;
        if (!applies && get(b, own[i]) != NULL) {
            char fp[CFG_PATH_MAX];
            return fail(c, join(fp, "batching", own[i]), "batching.policy",
                        "applies to batching.policy %s only (the policy is \"%s\")",
                        i == 0 ? "\"aimd\" and \"slo\"" : "\"aimd\"", batch_policy_names[policy]);
        }
    }
    if (bs->policy == BATCH_POLICY_FIXED)
        return 0;
    double slo_ms = 0;
    if (get_num(c, b, "batching", "slo_ms", true, above(0), &slo_ms) < 0
        || check_time(c, "batching.slo_ms", slo_ms * 1e-3, 1e-3, false) < 0)
        return -1;
    bs->slo_s = slo_ms * 1e-3;
    if (bs->policy == BATCH_POLICY_AIMD) {
        if (get_int32(c, b, "batching", "aimd_increase", false, 1, CFG_BATCH_MAX, &bs->aimd_increase) < 0
            || get_num(c, b, "batching", "aimd_decrease", false, above_upto(0, 1),
                       &bs->aimd_decrease) < 0)
            return -1;
        if (bs->aimd_decrease >= 1) {
            char g[40];
            return fail(c, "batching.aimd_decrease", NULL,
                        "must be < 1: the factor the cap is multiplied by after a batch beyond slo_ms "
                        "(0.9 = back off by 10 %%) (got %s)", fmt_num(g, sizeof g, bs->aimd_decrease));
        }
    }
    return 0;
}

static int parse_batching(struct cfg *c, const cJSON *b, struct batching_spec *bs)
{
    char g1[40];
    if (check_keys(c, b, "batching", batching_keys, COUNT(batching_keys)) < 0)
        return -1;
    if (parse_batch_policy(c, b, bs) < 0)
        return -1;
    int got_th = get_int32(c, b, "batching", "threshold", false, 1, CFG_BATCH_MAX, &bs->threshold);
    if (got_th < 0)
        return -1;
    int got_mb = get_int32(c, b, "batching", "max_batch", false, 1, CFG_BATCH_MAX, &bs->max_batch);
    if (got_mb < 0)
        return -1;
    if (got_th == 0 && got_mb == 0)
        bs->threshold = bs->max_batch = 1;
    else if (got_mb == 0)
        bs->max_batch = bs->threshold;
    else if (got_th == 0)
        bs->threshold = bs->max_batch;
    if (bs->threshold > bs->max_batch)
        return fail(c, "batching.threshold", "batching.max_batch",
                    "must be <= batching.max_batch (got %d > %d)", bs->threshold, bs->max_batch);
    bs->timeout_s = 0;
    int got_to = get_time(c, b, "batching", "timeout_s", false, true, &bs->timeout_s);
    if (got_to < 0)
        return -1;
    if (got_to == 0 && bs->threshold > 1 && bs->policy == BATCH_POLICY_FIXED)
        return fail(c, "batching.timeout_s", "batching.threshold",
                    "required when threshold > 1: a partial batch would otherwise wait forever "
                    "(threshold is %s)", fmt_num(g1, sizeof g1, bs->threshold));
    if (got_to == 0 && bs->max_batch > 1 && bs->policy == BATCH_POLICY_AIMD)
        return fail(c, "batching.timeout_s", "batching.policy",
                    "required with policy \"aimd\" when max_batch > 1: the cap may grow past the "
                    "queue's length, and a partial batch would otherwise wait forever (max_batch is %s)",
                    fmt_num(g1, sizeof g1, bs->max_batch));
    return 0;
}

static const char *const client_keys[] = { "max_inflight", "max_queue" };

static int parse_client(struct cfg *c, const cJSON *cl, struct client_spec *cs)
{
    if (check_keys(c, cl, "client", client_keys, COUNT(client_keys)) < 0)
        return -1;
    cs->max_inflight = 0;
    cs->max_queue = 100000;
    return get_int32(c, cl, "client", "max_inflight", false, 0, INT_MAX, &cs->max_inflight) < 0
                   || get_int32(c, cl, "client", "max_queue", false, 1, 100000000, &cs->max_queue) < 0
               ? -1 : 0;
}

static const char *const function_keys[] = { "model", "memory_mb", "timeout_s", "extra_init_ms", "snapstart" };

static int parse_function(struct cfg *c, const cJSON *f, const struct scenario *sc,
                          struct function_spec *fs, int max_batch)
{
    double mem = 0;
    int missing_n = 0;
    if (check_keys(c, f, "function", function_keys, COUNT(function_keys)) < 0)
        return -1;
    const cJSON *mj = get(f, "model");
    if (mj == NULL)
        return fail(c, "function.model", NULL, "required field is missing (a model file path, "
                    "e.g. \"../models/mnist-lambda-1024.json\", or an inline model object)");
    if (cJSON_IsString(mj)) {
        char inner[CONFIG_MSG_MAX];
        if (resolve_path(c, "function.model", mj->valuestring, fs->model_path,
                         sizeof fs->model_path) < 0)
            return -1;
        enum config_status st = config_load_model(fs->model_path, &fs->model, inner, sizeof inner);
        if (st != CONFIG_OK)
            return fail_ref(c, st, inner, "function.model");
    } else if (cJSON_IsObject(mj)) {
        /* Inline: the model lives in the scenario file itself. */
        snprintf(fs->model_path, sizeof fs->model_path, "%s", sc->path);
        if (parse_model(c, mj, "function.model", "inline", &fs->model) < 0)
            return -1;
    } else {
        return fail(c, "function.model", NULL, "must be a model file path (string) or an inline "
                    "model object (got %s)", config_json_type_name(mj));
    }
    mem = fs->model.memory_mb;
    if (get_int(c, f, "function", "memory_mb", false, CFG_MEMORY_MIN, CFG_MEMORY_MAX, &mem) < 0)
        return -1;
    fs->memory_mb = mem;
    fs->timeout_s = 60;
    if (get_num(c, f, "function", "timeout_s", false, above_upto(0, 900), &fs->timeout_s) < 0
        || check_time(c, "function.timeout_s", fs->timeout_s, 1, false) < 0)
        return -1;
    /* A container image's extra init (ms in the file, seconds once loaded);
     * not scaled with memory, like the model's cold start. */
    fs->extra_init_s = dist_constant(0);
    if (get_dist(c, f, "function", "extra_init_ms", false, 1e-3, &fs->extra_init_s) < 0)
        return -1;
    const cJSON *ss = get(f, "snapstart");
    if (ss != NULL && !cJSON_IsBool(ss))
        return fail(c, "function.snapstart", NULL, "must be true or false (got %s)", config_json_type_name(ss));
    fs->snapstart = ss != NULL && cJSON_IsTrue(ss);
    if (fs->snapstart) {
        /* AWS: SnapStart restores a snapshot instead of running Init; it is
         * not available for container images (docs/lambda-facts.md). */
        if (!fs->model.has_restore)
            return fail(c, "function.snapstart", "function.model",
                        "model '%s' has no restore_ms (the time to restore a SnapStart snapshot: "
                        "calibrate it from the logs of a SnapStart function, whose REPORT lines carry "
                        "Restore Duration)", fs->model.name);
        if (fs->extra_init_s.kind != DIST_CONSTANT || dist_mean(&fs->extra_init_s) != 0)
            return fail(c, "function.snapstart", "function.extra_init_ms",
                        "SnapStart does not apply to container images, whose init extra_init_ms models");
        dist_fini(&fs->model.cold_start_s);
        dist_copy(&fs->model.cold_start_s, &fs->model.restore_s);
    } else if (!fs->model.has_cold_start) {
        return fail(c, "function.model", "function.snapstart",
                    "model '%s' has restore_ms but no cold_start_ms: it describes a SnapStart function "
                    "(set function.snapstart to true, or add cold_start_ms)", fs->model.name);
    }
    fs->compute_factor = model_memory_factor(fs->model.memory_mb, fs->memory_mb, fs->model.cpu_bound_fraction);
    model_scale_compute(&fs->model, fs->compute_factor);
    if (!model_covers(&fs->model, max_batch, &missing_n))
        return fail(c, "function.model", "batching.max_batch",
                    "model '%s' has no inference time for batch size %d, but batching.max_batch "
                    "is %d (add \"%d\" to inference_ms.by_batch_size, or give inference_ms.base)",
                    fs->model.name, missing_n, max_batch, missing_n);
    return 0;
}

static const char *const platform_keys[] = {
    "provisioned_concurrency", "provisioned", "keep_alive_s", "keep_alive_policy", "routing",
    "reserved_concurrency", "account_concurrency", "scale_per_10s", "on_throttle", "host_cores",
};
static const char *const keep_alive_policy_keys[] = {
    "policy", "range_s", "bin_s", "head_percentile", "tail_percentile", "margin",
    "min_samples", "cv_threshold", "oob_threshold",
};
static const char *const keep_alive_policy_names[] = { "fixed", "histogram" };

/* The histogram's bins are allocated once per run: bounded so that a typo
 * (bin_s = 0.001 over 4 hours) is an input error, not 100 MB per run. */
#define CONFIG_KEEPALIVE_BINS_MAX 1000000

/* platform.keep_alive_policy: "fixed", "histogram", or an object with
 * "policy" and the histogram's parameters. The defaults are the paper's
 * (Shahrad et al., ATC 2020: 4 h range, 1-minute bins, 5th and 99th
 * percentiles, 10 % margin); min_samples, cv_threshold and oob_threshold
 * are ours (docs/keepalive.md says where they come from). */
static int parse_keep_alive_policy(struct cfg *c, const cJSON *p, struct keepalive_spec *ks)
{
    const char *kp = "platform.keep_alive_policy";
    char g1[40], g2[40];
    *ks = (struct keepalive_spec){
        .policy = KEEPALIVE_FIXED, .range_s = 14400, .bin_s = 60, .head_percentile = 5,
        .tail_percentile = 99, .margin = 0.1, .min_samples = 10, .cv_threshold = 2, .oob_threshold = 0.5,
    };
    const cJSON *it = get(p, "keep_alive_policy");
    int policy = 0;
    if (it == NULL || cJSON_IsNull(it))
        return 0;
    if (cJSON_IsString(it)) {
        if (get_choice(c, p, "platform", "keep_alive_policy", keep_alive_policy_names,
                       COUNT(keep_alive_policy_names), &policy) < 0)
            return -1;
        ks->policy = policy == 0 ? KEEPALIVE_FIXED : KEEPALIVE_HISTOGRAM;
        return 0;
    }
    if (!cJSON_IsObject(it))
        return fail(c, kp, NULL, "must be \"fixed\", \"histogram\" or an object with \"policy\" (got %s)",
                    config_json_type_name(it));
    if (check_keys(c, it, kp, keep_alive_policy_keys, COUNT(keep_alive_policy_keys)) < 0)
        return -1;
    if (get(it, "policy") == NULL)
        return fail(c, "platform.keep_alive_policy.policy", NULL,
                    "required field is missing (\"fixed\" or \"histogram\")");
    if (get_choice(c, it, kp, "policy", keep_alive_policy_names, COUNT(keep_alive_policy_names), &policy) < 0)
        return -1;
    ks->policy = policy == 0 ? KEEPALIVE_FIXED : KEEPALIVE_HISTOGRAM;
    if (ks->policy == KEEPALIVE_FIXED) {
        for (const cJSON *f = it->child; f != NULL; f = f->next) {
            char fp[CFG_PATH_MAX];
            if (strcmp(f->string, "policy") != 0 && strcmp(f->string, "notes") != 0)
                return fail(c, join(fp, kp, f->string), NULL,
                            "applies to policy \"histogram\" only (the fixed policy keeps "
                            "instances for platform.keep_alive_s)");
        }
        return 0;
    }
    if (get_time(c, it, kp, "bin_s", false, false, &ks->bin_s) < 0
        || get_time(c, it, kp, "range_s", false, false, &ks->range_s) < 0)
        return -1;
    if (ks->range_s < 2 * ks->bin_s)
        return fail(c, "platform.keep_alive_policy.range_s", NULL,
                    "must be at least two bins, 2 x bin_s = %s s (got %s)",
                    fmt_num(g1, sizeof g1, 2 * ks->bin_s), fmt_num(g2, sizeof g2, ks->range_s));
    if (ceil(ks->range_s / ks->bin_s) > CONFIG_KEEPALIVE_BINS_MAX)
        return fail(c, "platform.keep_alive_policy.bin_s", "platform.keep_alive_policy.range_s",
                    "range_s / bin_s must be at most %d bins (got %s)", CONFIG_KEEPALIVE_BINS_MAX,
                    fmt_num(g1, sizeof g1, ceil(ks->range_s / ks->bin_s)));
    if (get_num(c, it, kp, "head_percentile", false, above_upto(0, 100), &ks->head_percentile) < 0
        || get_num(c, it, kp, "tail_percentile", false, above_upto(0, 100), &ks->tail_percentile) < 0)
        return -1;
    if (ks->head_percentile > ks->tail_percentile)
        return fail(c, "platform.keep_alive_policy.head_percentile", "platform.keep_alive_policy.tail_percentile",
                    "must be <= tail_percentile (got %s > %s)", fmt_num(g1, sizeof g1, ks->head_percentile),
                    fmt_num(g2, sizeof g2, ks->tail_percentile));
    struct range below_one = { 0, false, 1 };
    if (get_num(c, it, kp, "margin", false, below_one, &ks->margin) < 0)
        return -1;
    if (ks->margin >= 1)
        return fail(c, "platform.keep_alive_policy.margin", NULL,
                    "must be < 1: a fraction of the windows (0.1 = 10 %%) (got %s)",
                    fmt_num(g1, sizeof g1, ks->margin));
    if (get_int32(c, it, kp, "min_samples", false, 1, INT_MAX, &ks->min_samples) < 0
        || get_num(c, it, kp, "cv_threshold", false, at_least(0), &ks->cv_threshold) < 0
        || get_num(c, it, kp, "oob_threshold", false, above_upto(0, 1), &ks->oob_threshold) < 0)
        return -1;
    return 0;
}
static const char *const pc_keys[] = { "ready_delay_s", "schedule", "target_tracking" };
static const char *const pc_entry_keys[] = { "at_s", "value", "min_capacity", "max_capacity" };
static const char *const pc_tracking_keys[] = {
    "target_utilization", "min_capacity", "max_capacity", "statistic", "period_s",
    "scale_out_datapoints", "scale_in_datapoints", "scale_in_ratio", "scale_out_cooldown_s",
    "scale_in_cooldown_s", "disable_scale_in",
};
static const char *const pc_statistic_names[] = { "average", "maximum" };

/* Most scheduled actions and target trackings per scenario: a day in
 * minutes, with room. */
#define CONFIG_PC_SCHEDULE_MAX 100000

/* A provisioned capacity: an integer from 0 to the concurrency limit
 * (provisioned instances count against it). */
static int get_capacity(struct cfg *c, const cJSON *obj, const char *opath, const char *key, int limit,
                        const char *limit_path, int *out)
{
    char p[CFG_PATH_MAX];
    int v = 0;
    int got = get_int32(c, obj, opath, key, false, 0, INT_MAX, &v);
    if (got == 1 && v > limit)
        return fail(c, join(p, opath, key), limit_path, "must be <= the concurrency limit, %d from %s (got %d)",
                    limit, limit_path, v);
    if (got == 1)
        *out = v;
    return got;
}

/* Entries of platform.provisioned.schedule: a scheduled action sets the
 * scalable target's min and max capacity from at_s on ("value" sets both).
 * Kept in time order; equal times apply in file order. */
static int parse_pc_schedule(struct cfg *c, const cJSON *arr, struct pc_scaling_spec *pc, int limit,
                             const char *limit_path)
{
    const char *sp = "platform.provisioned.schedule";
    char ep[CFG_PATH_MAX], fp[CFG_PATH_MAX], g1[40], g2[40];
    if (!cJSON_IsArray(arr))
        return fail(c, sp, NULL, "must be an array of {\"at_s\", \"value\"} or {\"at_s\", \"min_capacity\", "
                    "\"max_capacity\"} objects (got %s)", config_json_type_name(arr));
    int n = cJSON_GetArraySize(arr);
    if (n <= 0)
        return fail(c, sp, NULL, "must hold at least one scheduled action");
    if (n > CONFIG_PC_SCHEDULE_MAX)
        return fail(c, sp, NULL, "must hold at most %d scheduled actions (got %d)", CONFIG_PC_SCHEDULE_MAX, n);
    pc->schedule = xmalloc((size_t)n * sizeof *pc->schedule);
    pc->n_schedule = 0;
    size_t i = 0;
    for (const cJSON *it = arr->child; it != NULL; it = it->next, i++) {
        snprintf(ep, sizeof ep, "%s[%zu]", sp, i);
        if (!cJSON_IsObject(it))
            return fail(c, ep, NULL, "must be an object with \"at_s\" and \"value\" (or \"min_capacity\" "
                        "and \"max_capacity\") (got %s)", config_json_type_name(it));
        if (check_keys(c, it, ep, pc_entry_keys, COUNT(pc_entry_keys)) < 0)
            return -1;
        struct pc_schedule_entry *en = &pc->schedule[i];
        en->at_s = 0;
        en->min_capacity = 0;
        en->max_capacity = limit;
        if (get_time(c, it, ep, "at_s", true, true, &en->at_s) < 0)
            return -1;
        int value = -1;
        int got_v = get_capacity(c, it, ep, "value", limit, limit_path, &value);
        int got_lo = get_capacity(c, it, ep, "min_capacity", limit, limit_path, &en->min_capacity);
        int got_hi = get_capacity(c, it, ep, "max_capacity", limit, limit_path, &en->max_capacity);
        if (got_v < 0 || got_lo < 0 || got_hi < 0)
            return -1;
        if (got_v == 1 && (got_lo == 1 || got_hi == 1))
            return fail(c, join(fp, ep, "value"), NULL,
                        "sets min_capacity and max_capacity both: give either value or min_capacity/max_capacity");
        if (got_v == 0 && got_lo == 0 && got_hi == 0)
            return fail(c, join(fp, ep, "value"), NULL,
                        "required field is missing (the capacity from at_s on; or min_capacity and/or "
                        "max_capacity, as a scheduled action sets them)");
        if (got_v == 1)
            en->min_capacity = en->max_capacity = value;
        if (en->min_capacity > en->max_capacity)
            return fail(c, join(fp, ep, "min_capacity"), NULL, "must be <= max_capacity (got %s > %s)",
                        fmt_num(g1, sizeof g1, en->min_capacity), fmt_num(g2, sizeof g2, en->max_capacity));
        if (i > 0 && en->at_s < pc->schedule[i - 1].at_s)
            return fail(c, join(fp, ep, "at_s"), NULL,
                        "must not be earlier than the action before it (got %s < %s): list the actions in time order",
                        fmt_num(g1, sizeof g1, en->at_s), fmt_num(g2, sizeof g2, pc->schedule[i - 1].at_s));
        pc->n_schedule = i + 1;
    }
    return 0;
}

/* platform.provisioned.target_tracking: Application Auto Scaling's target
 * tracking of LambdaProvisionedConcurrencyUtilization. Defaults are AWS's
 * (docs/pc-autoscaling.md gives the sources): target 0.7 as in the Lambda
 * guide's example, 1-minute datapoints, 3 above the target to scale out and
 * 15 below 90 % of it to scale in, no cooldown for Lambda. */
static int parse_pc_tracking(struct cfg *c, const cJSON *t, struct pc_scaling_spec *pc, int limit,
                             const char *limit_path)
{
    const char *tp = "platform.provisioned.target_tracking";
    char g1[40], g2[40];
    int stat = 0;
    if (check_keys(c, t, tp, pc_tracking_keys, COUNT(pc_tracking_keys)) < 0)
        return -1;
    pc->tracking = true;
    pc->target_utilization = 0.7;
    pc->min_capacity = 1;
    pc->max_capacity = limit;
    pc->statistic = PC_STAT_AVERAGE;
    pc->period_s = 60;
    pc->scale_out_datapoints = 3;
    pc->scale_in_datapoints = 15;
    pc->scale_in_ratio = 0.9;
    pc->scale_out_cooldown_s = pc->scale_in_cooldown_s = 0;
    pc->disable_scale_in = false;
    if (get_num(c, t, tp, "target_utilization", true, above(0), &pc->target_utilization) < 0)
        return -1;
    if (pc->target_utilization > 1)
        return fail(c, "platform.provisioned.target_tracking.target_utilization", NULL,
                    "must be a fraction of the provisioned instances busy, at most 1 (0.7 = 70 %%) (got %s)",
                    fmt_num(g1, sizeof g1, pc->target_utilization));
    if (get_capacity(c, t, tp, "min_capacity", limit, limit_path, &pc->min_capacity) < 0
        || get_capacity(c, t, tp, "max_capacity", limit, limit_path, &pc->max_capacity) < 0)
        return -1;
    if (pc->max_capacity < 1)
        return fail(c, "platform.provisioned.target_tracking.max_capacity", NULL, "must be >= 1 (got 0)");
    if (pc->min_capacity > pc->max_capacity)
        return fail(c, "platform.provisioned.target_tracking.min_capacity",
                    "platform.provisioned.target_tracking.max_capacity", "must be <= max_capacity (got %s > %s)",
                    fmt_num(g1, sizeof g1, pc->min_capacity), fmt_num(g2, sizeof g2, pc->max_capacity));
    if (get_choice(c, t, tp, "statistic", pc_statistic_names, COUNT(pc_statistic_names), &stat) < 0)
        return -1;
    pc->statistic = stat == 0 ? PC_STAT_AVERAGE : PC_STAT_MAXIMUM;
    if (get_time(c, t, tp, "period_s", false, false, &pc->period_s) < 0
        || get_int32(c, t, tp, "scale_out_datapoints", false, 1, 1000, &pc->scale_out_datapoints) < 0
        || get_int32(c, t, tp, "scale_in_datapoints", false, 1, 1000, &pc->scale_in_datapoints) < 0
        || get_num(c, t, tp, "scale_in_ratio", false, above_upto(0, 1), &pc->scale_in_ratio) < 0
        || get_time(c, t, tp, "scale_out_cooldown_s", false, true, &pc->scale_out_cooldown_s) < 0
        || get_time(c, t, tp, "scale_in_cooldown_s", false, true, &pc->scale_in_cooldown_s) < 0)
        return -1;
    const cJSON *d = get(t, "disable_scale_in");
    if (d != NULL) {
        if (!cJSON_IsBool(d))
            return fail(c, "platform.provisioned.target_tracking.disable_scale_in", NULL,
                        "must be true or false (got %s)", config_json_type_name(d));
        pc->disable_scale_in = cJSON_IsTrue(d);
    }
    return 0;
}

/* platform.provisioned (after the concurrency limit is known). */
static int parse_pc_scaling(struct cfg *c, const cJSON *p, struct platform_spec *ps, const char *limit_path)
{
    const char *pp = "platform.provisioned";
    struct pc_scaling_spec *pc = &ps->provisioned;
    const cJSON *o = NULL, *t = NULL;
    *pc = (struct pc_scaling_spec){ .ready_delay_s = 60 };
    if (get_obj(c, p, "platform", "provisioned", false, &o) < 0)
        return -1;
    if (o == NULL)
        return 0;
    if (check_keys(c, o, pp, pc_keys, COUNT(pc_keys)) < 0)
        return -1;
    if (get_time(c, o, pp, "ready_delay_s", false, true, &pc->ready_delay_s) < 0)
        return -1;
    const cJSON *sched = get(o, "schedule");
    if (sched != NULL && parse_pc_schedule(c, sched, pc, ps->concurrency_limit, limit_path) < 0)
        return -1;
    if (get_obj(c, o, pp, "target_tracking", false, &t) < 0)
        return -1;
    if (t != NULL && parse_pc_tracking(c, t, pc, ps->concurrency_limit, limit_path) < 0)
        return -1;
    if (pc->n_schedule == 0 && !pc->tracking)
        return fail(c, pp, NULL, "needs a schedule, target_tracking or both (for a fixed number of provisioned "
                    "instances, set platform.provisioned_concurrency alone)");
    pc->enabled = true;
    if (pc->tracking && (ps->provisioned_concurrency < pc->min_capacity
                         || ps->provisioned_concurrency > pc->max_capacity))
        return fail(c, "platform.provisioned_concurrency", "platform.provisioned.target_tracking.min_capacity",
                    "must be within the target tracking's min_capacity..max_capacity, %d..%d, at t = 0 "
                    "(got %d)", pc->min_capacity, pc->max_capacity, ps->provisioned_concurrency);
    return 0;
}

static const char *const throttle_keys[] = {
    "action", "backoff_s", "backoff_max_s", "max_retries",
};
static const char *const routing_names[] = { "mru", "lru", "random" };
static const char *const throttle_names[] = { "drop", "retry" };

static int parse_throttle(struct cfg *c, const cJSON *t, struct platform_spec *ps)
{
    const char *tp = "platform.on_throttle";
    char g1[40], g2[40];
    int action = 1;
    if (check_keys(c, t, tp, throttle_keys, COUNT(throttle_keys)) < 0)
        return -1;
    if (get_choice(c, t, tp, "action", throttle_names, COUNT(throttle_names), &action) < 0)
        return -1;
    /* Matches enum throttle_action's order. */
    ps->on_throttle = action == 0 ? THROTTLE_DROP : THROTTLE_RETRY;
    ps->backoff_s = 0.1;
    if (get_time(c, t, tp, "backoff_s", false, false, &ps->backoff_s) < 0)
        return -1;
    /* The default cap never undercuts an explicit first delay. */
    ps->backoff_max_s = ps->backoff_s > 20 ? ps->backoff_s : 20;
    int got = get_time(c, t, tp, "backoff_max_s", false, false, &ps->backoff_max_s);
    if (got < 0)
        return -1;
    if (got == 1 && ps->backoff_max_s < ps->backoff_s)
        return fail(c, "platform.on_throttle.backoff_max_s", "platform.on_throttle.backoff_s",
                    "must be >= backoff_s (got %s < %s)", fmt_num(g1, sizeof g1, ps->backoff_max_s),
                    fmt_num(g2, sizeof g2, ps->backoff_s));
    ps->max_retries = 2;
    return get_int32(c, t, tp, "max_retries", false, 0, 100, &ps->max_retries) < 0 ? -1 : 0;
}

static int parse_platform(struct cfg *c, const cJSON *p, struct platform_spec *ps)
{
    const char *pp = "platform";
    const cJSON *t = NULL;
    int routing = 0;
    if (check_keys(c, p, pp, platform_keys, COUNT(platform_keys)) < 0)
        return -1;
    ps->provisioned_concurrency = 0;
    if (get_int32(c, p, pp, "provisioned_concurrency", false, 0, INT_MAX,
                  &ps->provisioned_concurrency) < 0)
        return -1;
    ps->keep_alive_s = dist_constant(600);
    if (get_dist(c, p, pp, "keep_alive_s", false, 1, &ps->keep_alive_s) < 0)
        return -1;
    if (parse_keep_alive_policy(c, p, &ps->keep_alive_policy) < 0)
        return -1;
    if (get_choice(c, p, pp, "routing", routing_names, COUNT(routing_names), &routing) < 0)
        return -1;
    ps->routing = routing == 0 ? ROUTING_MRU : routing == 1 ? ROUTING_LRU : ROUTING_RANDOM;
    ps->reserved_concurrency = 0;
    const cJSON *rc = get(p, "reserved_concurrency");
    if (rc != NULL && !cJSON_IsNull(rc)
        && get_int32(c, p, pp, "reserved_concurrency", false, 1, INT_MAX,
                     &ps->reserved_concurrency) < 0)
        return -1;
    ps->account_concurrency = 1000;
    if (get_int32(c, p, pp, "account_concurrency", false, 1, INT_MAX,
                  &ps->account_concurrency) < 0)
        return -1;
    if (ps->reserved_concurrency > ps->account_concurrency)
        return fail(c, "platform.reserved_concurrency", "platform.account_concurrency",
                    "must be <= platform.account_concurrency (got %d > %d)",
                    ps->reserved_concurrency, ps->account_concurrency);
    bool reserved = ps->reserved_concurrency > 0;
    ps->concurrency_limit = reserved ? ps->reserved_concurrency : ps->account_concurrency;
    const char *limit_path = reserved ? "platform.reserved_concurrency"
                                      : "platform.account_concurrency";
    if (ps->provisioned_concurrency > ps->concurrency_limit)
        return fail(c, "platform.provisioned_concurrency", limit_path,
                    "must be <= the concurrency limit, %d from %s (got %d)",
                    ps->concurrency_limit, limit_path, ps->provisioned_concurrency);
    ps->scale_per_10s = 1000;
    if (get_num(c, p, pp, "scale_per_10s", false, above(0), &ps->scale_per_10s) < 0)
        return -1;
    /* Processor sharing among busy instances (emulator hosts); 0 = off.
     * Real, not whole: a cgroup-limited host has e.g. 1.5 cores. Below a
     * millicore (cgroup v2's smallest quota, 1 ms per 1 s period) no host
     * exists, and a tiny rate would push completions past the clock. */
    ps->host_cores = 0;
    if (get_num(c, p, pp, "host_cores", false, between(0, 1000000), &ps->host_cores) < 0)
        return -1;
    if (ps->host_cores > 0 && ps->host_cores < CONFIG_HOST_CORES_MIN) {
        char g[40];
        return fail(c, "platform.host_cores", NULL, "must be 0 (off) or at least 0.001, a millicore (got %s)",
                    fmt_num(g, sizeof g, ps->host_cores));
    }
    if (parse_pc_scaling(c, p, ps, limit_path) < 0)
        return -1;
    if (get_obj(c, p, pp, "on_throttle", false, &t) < 0)
        return -1;
    return parse_throttle(c, t, ps);
}

static const char *const warmup_keys[] = {
    "concurrency", "interval_s", "first_at_s", "hold_ms",
};

static int parse_warmup(struct cfg *c, const cJSON *w, struct warmup_spec *ws)
{
    double hold_ms = 50;
    if (check_keys(c, w, "warmup", warmup_keys, COUNT(warmup_keys)) < 0)
        return -1;
    ws->concurrency = 0;
    ws->interval_s = 300;
    ws->first_at_s = 0;
    ws->first_at_random = false;
    const cJSON *fa = get(w, "first_at_s");
    if (fa != NULL && cJSON_IsString(fa)) {
        if (strcmp(fa->valuestring, "random") != 0)
            return fail(c, "warmup.first_at_s", NULL, "must be a time in seconds or \"random\" (got \"%s\")",
                        fa->valuestring);
        ws->first_at_random = true;
    }
    if (get_int32(c, w, "warmup", "concurrency", false, 0, INT_MAX, &ws->concurrency) < 0
        || get_time(c, w, "warmup", "interval_s", false, false, &ws->interval_s) < 0
        || (!ws->first_at_random && get_time(c, w, "warmup", "first_at_s", false, true, &ws->first_at_s) < 0)
        || get_num(c, w, "warmup", "hold_ms", false, at_least(0), &hold_ms) < 0
        || check_time(c, "warmup.hold_ms", hold_ms * 1e-3, 1e-3, true) < 0)
        return -1;
    ws->hold_s = hold_ms * 1e-3;
    return 0;
}

static const char *const pricing_keys[] = {
    "request_usd", "duration_usd_per_gb_s", "provisioned_usd_per_gb_s",
    "provisioned_duration_usd_per_gb_s", "provisioned_billing_period_s", "duration_granularity_ms",
    "snapstart_restore_usd_per_gb", "snapstart_cache_usd_per_gb_s",
};

static int parse_pricing(struct cfg *c, const cJSON *p, struct pricing_spec *ps)
{
    const char *pp = "pricing";
    if (check_keys(c, p, pp, pricing_keys, COUNT(pricing_keys)) < 0)
        return -1;
    /* us-east-1, x86. */
    ps->request_usd = 2e-7;
    ps->duration_usd_per_gb_s = 0.0000166667;
    ps->provisioned_usd_per_gb_s = 0.0000041667;
    ps->provisioned_duration_usd_per_gb_s = 0.0000097222;
    ps->provisioned_billing_period_s = 300;
    ps->duration_granularity_ms = 1;
    /* SnapStart for Python and .NET (Java pays neither: set both to 0). */
    ps->snapstart_restore_usd_per_gb = 0.0001397998;
    ps->snapstart_cache_usd_per_gb_s = 0.0000015046;
    ps->snapstart_cache_min_s = 3 * 3600;
    if (get_num(c, p, pp, "request_usd", false, at_least(0), &ps->request_usd) < 0
        || get_num(c, p, pp, "duration_usd_per_gb_s", false, at_least(0),
                   &ps->duration_usd_per_gb_s) < 0
        || get_num(c, p, pp, "provisioned_usd_per_gb_s", false, at_least(0),
                   &ps->provisioned_usd_per_gb_s) < 0
        || get_num(c, p, pp, "provisioned_duration_usd_per_gb_s", false, at_least(0),
                   &ps->provisioned_duration_usd_per_gb_s) < 0
        || get_time(c, p, pp, "provisioned_billing_period_s", false, false,
                    &ps->provisioned_billing_period_s) < 0
        || get_num(c, p, pp, "duration_granularity_ms", false, above(0),
                   &ps->duration_granularity_ms) < 0
        || get_num(c, p, pp, "snapstart_restore_usd_per_gb", false, at_least(0),
                   &ps->snapstart_restore_usd_per_gb) < 0
        || get_num(c, p, pp, "snapstart_cache_usd_per_gb_s", false, at_least(0),
                   &ps->snapstart_cache_usd_per_gb_s) < 0)
        return -1;
    return 0;
}

static const char *const stats_keys[] = { "mode", "latency_from", "window" };
static const char *const stats_window_names[] = { "completions", "arrivals" };
static const char *const stats_mode_names[] = { "exact", "streaming" };
static const char *const latency_from_names[] = { "arrival", "dispatch" };

/* stats.mode: exact percentiles (8 bytes per request) or streaming ones
 * (fixed memory, within 0.05% relative). stats.latency_from: where a
 * request's latency starts. */
static int parse_stats(struct cfg *c, const cJSON *st, struct scenario *sc)
{
    int m = 0, from = 0, win = 0;
    if (check_keys(c, st, "stats", stats_keys, COUNT(stats_keys)) < 0
        || get_choice(c, st, "stats", "window", stats_window_names, COUNT(stats_window_names), &win) < 0
        || get_choice(c, st, "stats", "mode", stats_mode_names, COUNT(stats_mode_names), &m) < 0
        || get_choice(c, st, "stats", "latency_from", latency_from_names, COUNT(latency_from_names),
                      &from) < 0)
        return -1;
    sc->stats = m == 0 ? STATS_EXACT : STATS_STREAMING;
    sc->latency_from = from == 0 ? LATENCY_FROM_ARRIVAL : LATENCY_FROM_DISPATCH;
    sc->window = win == 0 ? STATS_WINDOW_COMPLETIONS : STATS_WINDOW_ARRIVALS;
    return 0;
}

/* About how many requests the scenario will simulate. */
static double expected_requests(const struct scenario *sc)
{
    const struct workload_spec *w = &sc->workload;
    double by_time = INFINITY;
    if (isfinite(sc->duration_s)) {
        double span = sc->duration_s - w->start_s;
        switch (w->type) {
        case WORKLOAD_UNIFORM:
        case WORKLOAD_POISSON:
            by_time = span > 0 ? span * w->rate_rps : 0;
            break;
        case WORKLOAD_BURSTY: {
            double period = (w->burst_size - 1) * w->gap_s + w->burst_pause_s;
            by_time = span > 0 ? (floor(span / period) + 1) * w->burst_size : 0;
            break;
        }
        case WORKLOAD_TRACE:
            break;
        }
    }
    if (w->type == WORKLOAD_TRACE)
        by_time = (double)w->trace_len;
    double n = sc->max_requests != 0 ? (double)sc->max_requests : (double)INFINITY;
    return by_time < n ? by_time : n;
}

/* Runs that cannot finish in reasonable time or memory are refused up
 * front, with the way out, instead of running for days or dying of OOM. */
#define MAX_REQUESTS 1e10           /* ~half an hour at ~6 million requests/s */
#define MAX_EXACT_REQUESTS 2.5e8    /* 8 bytes each: 2 GB of latencies */

/* About when the arrivals end, in simulated seconds: duration_s, or when
 * the requests have arrived at the workload's rate (a Poisson stream's
 * expected end plus 10 standard deviations), or the trace's end. */
static double arrival_horizon(const struct scenario *sc)
{
    const struct workload_spec *w = &sc->workload;
    double n = sc->max_requests != 0 ? (double)sc->max_requests : (double)INFINITY;
    double by_count = INFINITY;
    switch (w->type) {
    case WORKLOAD_UNIFORM:
        by_count = w->start_s + n / w->rate_rps;
        break;
    case WORKLOAD_POISSON:
        by_count = w->start_s + (n + 10 * sqrt(n)) / w->rate_rps;
        break;
    case WORKLOAD_BURSTY: {
        double period = (w->burst_size - 1) * w->gap_s + w->burst_pause_s;
        by_count = w->start_s + ceil(n / w->burst_size) * period;
        break;
    }
    case WORKLOAD_TRACE:
        if (w->trace_s != NULL && w->trace_len > 0)
            by_count = w->trace_s[w->trace_len - 1];
        else
            by_count = (double)w->n_minutes * 60 * w->time_scale;
        break;
    }
    return by_count < sc->duration_s ? by_count : sc->duration_s;
}

/* Warm-up pings sent while the arrivals last (they go on until the last
 * request is answered: a little more). */
static double expected_pings(const struct scenario *sc, double horizon_s)
{
    const struct warmup_spec *wu = &sc->warmup;
    if (wu->concurrency <= 0 || !(wu->first_at_s <= horizon_s))
        return 0;
    return (floor((horizon_s - wu->first_at_s) / wu->interval_s) + 1) * wu->concurrency;
}

static int check_size(struct cfg *c, struct scenario *sc, bool by_count)
{
    char g[40], g2[40];
    double n = expected_requests(sc);
    sc->expected_requests = n;
    const char *field = by_count ? "requests" : "duration_s";
    /* Every simulated time must stay where the clock resolves a
     * microsecond: the end of the arrivals first. */
    double horizon = arrival_horizon(sc);
    if (!(horizon <= CONFIG_TIME_MAX_S)) {
        const struct workload_spec *w = &sc->workload;
        if (w->type == WORKLOAD_TRACE)
            return fail(c, "workload.file", "workload.time_scale", "the trace ends at %s s (with "
                        "time_scale); times must stay below 2^32 s (about 136 years), where the "
                        "simulated clock still resolves a microsecond", fmt_num(g, sizeof g, horizon));
        return fail(c, "requests", w->type == WORKLOAD_BURSTY ? "workload.burst_pause_s" : "workload.rate_rps",
                    "the arrivals would end at about %s s; times must stay below 2^32 s (about 136 "
                    "years), where the simulated clock still resolves a microsecond (a 1 ms latency "
                    "would be lost in rounding): raise the rate, lower requests or set duration_s",
                    fmt_num(g, sizeof g, horizon));
    }
    /* The work budget counts warm-up pings too: 1e9 pings every
     * microsecond is as much work as that many requests. */
    double pings = expected_pings(sc, horizon);
    if (pings > 0 && n + pings > MAX_REQUESTS)
        return fail(c, pings > n ? "warmup.interval_s" : field, pings > n ? "warmup.concurrency" : NULL,
                    "the run would simulate about %s requests and %s warm-up pings; the limit is 1e10 "
                    "(about half an hour of CPU): ping less often or fewer at a time, or shorten the run",
                    fmt_num(g, sizeof g, n), fmt_num(g2, sizeof g2, pings));
    if (n > MAX_REQUESTS)
        return fail(c, field, NULL, "the run would simulate about %s requests; the limit is 1e10 "
                    "(about half an hour of CPU): shorten it, or split it into replications",
                    fmt_num(g, sizeof g, n));
    if (sc->stats == STATS_EXACT && n > MAX_EXACT_REQUESTS)
        return fail(c, field, "stats.mode", "the run would simulate about %s requests, and exact "
                    "percentiles keep 8 bytes per request (%.1f GB): use --stats streaming "
                    "(stats.mode), or a shorter run", fmt_num(g, sizeof g, n), n * 8 / 1e9);
    return 0;
}

/* workload.durations: the trace's own execution times replace the
 * profile's inference time (cold start, overhead and the rest of the
 * profile stay). They are times of single invocations measured on Azure,
 * so they are used as given: not scaled with function.memory_mb, and not
 * for batches. */
static int apply_trace_durations(struct cfg *c, struct scenario *sc)
{
    const struct workload_spec *w = &sc->workload;
    if (sc->batching.max_batch > 1)
        return fail(c, "workload.durations", "batching.max_batch", "the Azure durations are times of "
                    "single invocations and cannot give a batch's time: set batching.max_batch to 1, "
                    "or drop workload.durations");
    struct trace_az19_durations d = { .average_ms = w->duration_average_ms };
    memcpy(d.pct_ms, w->duration_pct_ms, sizeof d.pct_ms);
    struct dist ds;
    char why[256];
    trace_az19_duration_dist(&d, &ds);
    if (dist_check_bound(&ds, CONFIG_TIME_MAX_S, why, sizeof why) != 0) {
        dist_fini(&ds);
        return fail(c, "workload.durations", NULL, "%s", why);
    }
    struct model_profile *m = &sc->function.model;
    dist_fini(&m->base_s);
    m->base_s = ds;
    m->has_base = true;
    m->per_item_s = 0;
    for (int k = 1; k <= m->table_max; k++)
        m->has_size[k] = false;
    sc->function.compute_factor = 1; /* the inference time is no longer scaled */
    return 0;
}

static int parse_scenario(struct cfg *c, const cJSON *root, struct scenario *sc)
{
    const char *name = NULL, *desc = NULL;
    const cJSON *w = NULL, *b = NULL, *cl = NULL, *f = NULL, *p = NULL, *wu = NULL, *pr = NULL,
                *st = NULL;
    double seed = 1, requests = 0;
    char g1[40], g2[40];
    if (check_keys(c, root, "", scenario_keys, COUNT(scenario_keys)) < 0)
        return -1;
    int got = get_str(c, root, "", "name", false, &name);
    if (got < 0 || (got == 1 && check_name(c, "name", name, sizeof sc->name) < 0))
        return -1;
    if (got == 1)
        snprintf(sc->name, sizeof sc->name, "%s", name);
    else
        base_name(sc->path, sc->name, sizeof sc->name);
    if (get_str(c, root, "", "description", false, &desc) < 0)
        return -1;
    if (get_int(c, root, "", "seed", false, 0, 9007199254740992.0, &seed) < 0)
        return -1;
    sc->seed = (uint64_t)seed;
    int got_d = get_time(c, root, "", "duration_s", false, false, &sc->duration_s);
    if (got_d < 0)
        return -1;
    int got_r = get_int(c, root, "", "requests", false, 1, 1e12, &requests);
    if (got_r < 0)
        return -1;
    /* A trace ends by itself: neither is then needed. */
    const cJSON *wt = get(root, "workload");
    const cJSON *wtype = cJSON_IsObject(wt) ? get(wt, "type") : NULL;
    bool is_trace = wtype != NULL && cJSON_IsString(wtype) && wtype->valuestring != NULL
                    && strcmp(wtype->valuestring, "trace") == 0;
    if (got_d == 0 && got_r == 0 && !is_trace)
        return fail(c, NULL, NULL, "either duration_s or requests is required (when arrivals "
                    "stop; give both to stop at whichever comes first; a trace workload stops "
                    "at its end without either)");
    if (got_d == 0)
        sc->duration_s = INFINITY;
    sc->max_requests = (uint64_t)requests;
    sc->warmup_period_s = 0;
    if (get_time(c, root, "", "warmup_period_s", false, true, &sc->warmup_period_s) < 0)
        return -1;
    if (got_d == 1 && sc->warmup_period_s >= sc->duration_s)
        return fail(c, "warmup_period_s", "duration_s",
                    "must be < duration_s, or no request would be measured (got %s >= %s)",
                    fmt_num(g1, sizeof g1, sc->warmup_period_s),
                    fmt_num(g2, sizeof g2, sc->duration_s));

    if (get_obj(c, root, "", "workload", true, &w) < 0 || parse_workload(c, w, &sc->workload) < 0)
        return -1;
    if (get_obj(c, root, "", "batching", false, &b) < 0
        || parse_batching(c, b, &sc->batching) < 0)
        return -1;
    if (get_obj(c, root, "", "client", false, &cl) < 0 || parse_client(c, cl, &sc->client) < 0)
        return -1;
    if (get_obj(c, root, "", "function", true, &f) < 0
        || parse_function(c, f, sc, &sc->function, sc->batching.max_batch) < 0)
        return -1;
    if (sc->workload.has_durations && apply_trace_durations(c, sc) < 0)
        return -1;
    if (get_obj(c, root, "", "platform", false, &p) < 0
        || parse_platform(c, p, &sc->platform) < 0)
        return -1;
    if (sc->function.snapstart && sc->platform.provisioned_concurrency > 0)
        return fail(c, "function.snapstart", "platform.provisioned_concurrency",
                    "SnapStart and provisioned concurrency cannot both be set on a function version (AWS "
                    "refuses the combination)");
    if (sc->function.snapstart && sc->platform.provisioned.enabled)
        return fail(c, "function.snapstart", "platform.provisioned",
                    "SnapStart and provisioned concurrency cannot both be set on a function version (AWS "
                    "refuses the combination)");
    if (get_obj(c, root, "", "warmup", false, &wu) < 0 || parse_warmup(c, wu, &sc->warmup) < 0)
        return -1;
    if (get_obj(c, root, "", "pricing", false, &pr) < 0 || parse_pricing(c, pr, &sc->pricing) < 0)
        return -1;
    sc->stats = STATS_EXACT;
    if (get_obj(c, root, "", "stats", false, &st) < 0 || parse_stats(c, st, sc) < 0)
        return -1;
    return check_size(c, sc, got_r == 1);
}

enum config_status config_load_scenario(const char *path, const struct config_override *overrides,
                                        size_t n_overrides, struct scenario *out,
                                        char *msg, size_t msg_len)
{
    struct cfg c = { .file = path, .msg = msg, .msg_len = msg_len, .status = CONFIG_OK };
    cJSON *root = NULL;
    memset(out, 0, sizeof *out);
    if (msg != NULL && msg_len > 0)
        msg[0] = '\0';
    if (strlen(path) >= sizeof out->path) {
        fail_status(&c, CONFIG_ERR_IO, NULL, NULL, "path too long (at most %zu bytes)",
                    sizeof out->path - 1);
        goto out;
    }
    memcpy(out->path, path, strlen(path) + 1);
    if (load_json(&c, path, "scenario", &root) < 0)
        goto out;
    c.ov = overrides;
    for (size_t i = 0; i < n_overrides; i++) {
        c.n_ov = i + 1;
        c.cur_ov = &overrides[i];
        if (apply_override(&c, root, &overrides[i]) < 0)
            goto out;
    }
    c.cur_ov = NULL;
    parse_scenario(&c, root, out);
out:
    cJSON_Delete(root);
    if (c.status != CONFIG_OK) {
        scenario_fini(out);
        memset(out, 0, sizeof *out);
    }
    return c.status;
}
