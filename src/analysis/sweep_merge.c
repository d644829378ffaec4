/* sweep_merge: merging shard files (see sweep.h): reading each shard's
 * header and rows back, checking that they belong to one sweep and cover
 * every point once, and building the ranked table. */
#include "analysis/sweep_internal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/version.h"
#include "base/textline.h"
#include "base/xalloc.h"

bool sweep_parse_size(const char *s, size_t *out)
{
    if (*s < '0' || *s > '9')
        return false;
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno != 0 || *end != '\0' || v > SIZE_MAX)
        return false;
    *out = (size_t)v;
    return true;
}

bool sweep_parse_u64(const char *s, uint64_t *out)
{
    if (*s < '0' || *s > '9')
        return false;
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno != 0 || *end != '\0')
        return false;
    *out = (uint64_t)v;
    return true;
}

/* ---- merging shard files --------------------------------------------------------------- */


/* The '#' lines of one shard file. */
struct shard_head {
    size_t k, n;
    char *version, *sweep, *id, *points, *replications, *scenario, *seed, *crn, *objective, *feasible_on;
    char *per_run_level;
    char *pareto;           /* optional: absent means the default axes */
    char **subject_to;
    size_t n_subject_to;
    char **overrides;
    size_t n_overrides;
    char **inputs;          /* "HASH ROLE PATH" */
    size_t n_inputs;
};

static void shard_head_fini(struct shard_head *h)
{
    free(h->version);
    free(h->sweep);
    free(h->id);
    free(h->points);
    free(h->replications);
    free(h->scenario);
    free(h->seed);
    free(h->crn);
    free(h->per_run_level);
    free(h->objective);
    free(h->feasible_on);
    free(h->pareto);
    sweep_free_strings(h->subject_to, h->n_subject_to);
    sweep_free_strings(h->overrides, h->n_overrides);
    sweep_free_strings(h->inputs, h->n_inputs);
    memset(h, 0, sizeof *h);
}

static void push_string(char ***list, size_t *n, const char *s)
{
    *list = xrealloc(*list, (*n + 1) * sizeof **list);
    (*list)[(*n)++] = xstrdup(s);
}

/* "K/N" (two whole numbers, nothing after them): strtoull reports an
 * overflow, where sscanf's %zu would leave it undefined. */
static bool parse_k_of_n(const char *s, size_t *k, size_t *n)
{
    char *e;
    while (*s == ' ')
        s++;
    if (*s < '0' || *s > '9')
        return false;
    errno = 0;
    unsigned long long kv = strtoull(s, &e, 10);
    if (errno != 0 || *e != '/' || e[1] < '0' || e[1] > '9')
        return false;
    unsigned long long nv = strtoull(e + 1, &e, 10);
    if (errno != 0 || *e != '\0' || kv > SIZE_MAX || nv > SIZE_MAX)
        return false;
    *k = (size_t)kv;
    *n = (size_t)nv;
    return true;
}

/* Reads the '#' lines; leaves *pos at the CSV header. */
static int shard_head_read(const char *file, const char *text, size_t len, size_t *pos,
                           struct shard_head *h, char *msg, size_t msg_len)
{
    size_t p = 0, line = 0;
    while (p < len && text[p] == '#') {
        const char *end = memchr(text + p, '\n', len - p);
        size_t l = end != NULL ? (size_t)(end - (text + p)) : len - p;
        char *s = xmalloc(l + 1);
        memcpy(s, text + p, l);
        s[l] = '\0';
        if (l > 0 && s[l - 1] == '\r')
            s[l - 1] = '\0';
        line++;
        if (line == 1) {
            if (strncmp(s, SHARD_MAGIC, strlen(SHARD_MAGIC)) != 0 ||
                !parse_k_of_n(s + strlen(SHARD_MAGIC), &h->k, &h->n) || h->n == 0 || h->k < 1 ||
                h->k > h->n || h->n > SWEEP_POINTS_MAX) {
                sweep_msgf(msg, msg_len, "%s:1: not a shard file (written by 'lambdasim sweep --shard K/N')",
                     file);
                free(s);
                return -1;
            }
        } else {
            const char *colon = strstr(s, ": ");
            char *v = colon != NULL ? xstrdup(colon + 2) : NULL;
            size_t kl = colon != NULL ? (size_t)(colon - s) : 0;
            char **slot = NULL;
#define KEY(name, field) else if (kl == strlen("# " name) && strncmp(s, "# " name, kl) == 0) slot = &h->field
            if (colon == NULL)
                slot = NULL;
            KEY("version", version);
            KEY("sweep", sweep);
            KEY("id", id);
            KEY("points", points);
            KEY("replications", replications);
            KEY("scenario", scenario);
            KEY("seed", seed);
            KEY("common_random_numbers", crn);
            KEY("per_run_level", per_run_level);
            KEY("objective", objective);
            KEY("feasible_on", feasible_on);
            KEY("pareto", pareto);
#undef KEY
            if (slot != NULL) {
                free(*slot);
                *slot = v;
            } else if (colon != NULL && kl == strlen("# subject_to") &&
                       strncmp(s, "# subject_to", kl) == 0) {
                push_string(&h->subject_to, &h->n_subject_to, v);
                free(v);
            } else if (colon != NULL && kl == strlen("# override") && strncmp(s, "# override", kl) == 0) {
                push_string(&h->overrides, &h->n_overrides, v);
                free(v);
            } else if (colon != NULL && kl == strlen("# input") && strncmp(s, "# input", kl) == 0) {
                push_string(&h->inputs, &h->n_inputs, v);
                free(v);
            } else {
                sweep_msgf(msg, msg_len, "%s:%zu: unexpected line '%.80s' in the shard header", file, line, s);
                free(v);
                free(s);
                return -1;
            }
        }
        free(s);
        p += l + (end != NULL ? 1 : 0);
    }
    if (line == 0) {
        sweep_msgf(msg, msg_len, "%s:1: not a shard file (written by 'lambdasim sweep --shard K/N'; "
             "a whole sweep's CSV needs no merging)", file);
        return -1;
    }
    const char *missing = h->version == NULL ? "version" : h->sweep == NULL ? "sweep"
                          : h->id == NULL ? "id" : h->points == NULL ? "points"
                          : h->replications == NULL ? "replications" : h->scenario == NULL ? "scenario"
                          : h->seed == NULL ? "seed" : h->crn == NULL ? "common_random_numbers"
                          : h->per_run_level == NULL ? "per_run_level"
                          : h->objective == NULL ? "objective" : h->feasible_on == NULL ? "feasible_on" : NULL;
    if (missing != NULL) {
        sweep_msgf(msg, msg_len, "%s: the shard header has no '# %s:' line", file, missing);
        return -1;
    }
    *pos = p;
    return 0;
}

static bool same_list(char **a, size_t na, char **b, size_t nb)
{
    if (na != nb)
        return false;
    for (size_t i = 0; i < na; i++)
        if (strcmp(a[i], b[i]) != 0)
            return false;
    return true;
}

/* Length of an "# input:" value's "HASH ROLE" (what is compared). */
static size_t input_key_len(const char *s)
{
    const char *sp = strchr(s, ' ');
    const char *sp2 = sp != NULL ? strchr(sp + 1, ' ') : NULL;
    return sp2 != NULL ? (size_t)(sp2 - s) : strlen(s);
}

/* True when list holds s up to its path ("HASH ROLE"). */
static bool in_list_str(char *const *list, size_t n, const char *s)
{
    size_t k = input_key_len(s);
    for (size_t i = 0; i < n; i++)
        if (input_key_len(list[i]) == k && memcmp(list[i], s, k) == 0)
            return true;
    return false;
}

/* The first input whose content differs between two shards' headers, as
 * "ROLE (PATH)" in why; false when their inputs agree. */
static bool inputs_differ(const struct shard_head *a, const struct shard_head *b, char *why, size_t len)
{
    /* Another sweep file is another sweep (shard_head_diff says so), not a
     * changed input. */
    for (size_t i = 0; i < a->n_inputs; i++)
        if (strstr(a->inputs[i], " " SWEEP_FILE_ROLE " ") != NULL && !in_list_str(b->inputs, b->n_inputs, a->inputs[i]))
            return false;
    for (size_t i = 0; i < a->n_inputs || i < b->n_inputs; i++) {
        const char *x = i < a->n_inputs ? a->inputs[i] : NULL, *y = i < b->n_inputs ? b->inputs[i] : NULL;
        size_t kx = x != NULL ? input_key_len(x) : 0, ky = y != NULL ? input_key_len(y) : 0;
        if (x != NULL && y != NULL && kx == ky && memcmp(x, y, kx) == 0)
            continue;
        /* Role and path of the one that differs (the later shard's, if any). */
        const char *s = y != NULL ? y : x;
        if (s == NULL)
            break; /* both lists ended (the loop's condition) */
        const char *role = strchr(s, ' ');
        role = role != NULL ? role + 1 : s;
        const char *path = strchr(role, ' ');
        snprintf(why, len, "the content of %.*s (%s) differs: shards must be computed from the same inputs",
                 (int)(path != NULL ? (size_t)(path - role) : strlen(role)), role, path != NULL ? path + 1 : "?");
        return true;
    }
    return false;
}

/* The sweep-wide header fields must agree between shards. */
static const char *shard_head_diff(const struct shard_head *a, const struct shard_head *b)
{
    if (a->n != b->n)
        return "the number of shards N";
    if (strcmp(a->id, b->id) != 0)
        return "the sweep id (a different sweep file, scenario, model, trace or version)";
    if (strcmp(a->version, b->version) != 0)
        return "version";
    /* The sweep file and base scenario are compared by content (the id
     * hashes them), not by path: `par.json` and `./par.json`, or a shard
     * run from another directory, are the same sweep. */
    if (strcmp(a->points, b->points) != 0)
        return "points";
    if (strcmp(a->replications, b->replications) != 0)
        return "replications";
    if (strcmp(a->seed, b->seed) != 0)
        return "seed";
    if (strcmp(a->crn, b->crn) != 0)
        return "common_random_numbers";
    if (strcmp(a->per_run_level, b->per_run_level) != 0)
        return "per_run_level";
    if (strcmp(a->objective, b->objective) != 0)
        return "objective";
    if (strcmp(a->feasible_on, b->feasible_on) != 0)
        return "feasible_on";
    if ((a->pareto == NULL) != (b->pareto == NULL) || (a->pareto != NULL && strcmp(a->pareto, b->pareto) != 0))
        return "pareto";
    if (!same_list(a->subject_to, a->n_subject_to, b->subject_to, b->n_subject_to))
        return "subject_to";
    if (!same_list(a->overrides, a->n_overrides, b->overrides, b->n_overrides))
        return "overrides";
    return NULL;
}

/* Fills the table's sweep-wide fields from the first shard's header. */
static int table_from_head(struct sweep_table *t, const char *file, const struct shard_head *h,
                           char *msg, size_t msg_len)
{
    uint64_t id = 0;
    size_t points = 0, reps = 0;
    char *end;
    errno = 0;
    unsigned long long idv = strtoull(h->id, &end, 16);
    bool ok = strlen(h->id) == 16 && *end == '\0' && errno == 0;
    id = (uint64_t)idv;
    ok = ok && sweep_parse_size(h->points, &points) && points >= 1 && points <= SWEEP_POINTS_MAX &&
         sweep_parse_size(h->replications, &reps) && reps >= 1 && reps <= SWEEP_REPLICATIONS_MAX &&
         sweep_parse_u64(h->seed, &t->seed) &&
         sweep_parse_num(h->per_run_level, &t->per_run_level) && t->per_run_level > 0 && t->per_run_level < 1 &&
         (strcmp(h->crn, "true") == 0 || strcmp(h->crn, "false") == 0) &&
         (strcmp(h->feasible_on, "bound") == 0 || strcmp(h->feasible_on, "mean") == 0);
    if (!ok || strcmp(h->version, LAMBDASIM_VERSION) != 0) {
        sweep_msgf(msg, msg_len, "%s: the shard header is damaged or from another version (%s; this is "
             "%s)", file, h->version, LAMBDASIM_VERSION);
        return -1;
    }
    t->file = xstrdup(h->sweep);
    t->scenario = xstrdup(h->scenario);
    t->id = id;
    t->n_points_total = points;
    t->replications = (int)reps;
    sweep_table_interval(t);
    t->common_random_numbers = strcmp(h->crn, "true") == 0;
    const char *o = h->objective;
    bool max = strncmp(o, "maximize ", 9) == 0;
    int m = (max || strncmp(o, "minimize ", 9) == 0) ? sweep_metric_find(o + 9) : -1;
    if (strncmp(o, "balanced ", 9) == 0) {
        /* "balanced WEIGHT TIME COST" */
        char tm[128], cm[128];
        char *wend = NULL;
        double w = strtod(o + 9, &wend);
        int ti = -1, ci = -1;
        if (wend != o + 9 && *wend == ' ' && sscanf(wend + 1, "%127s %127s", tm, cm) == 2) {
            ti = sweep_metric_find(tm);
            ci = sweep_metric_find(cm);
        }
        if (!(w >= 0 && w <= 1) || ti < 0 || ci < 0) {
            sweep_msgf(msg, msg_len, "%s: bad '# objective: %s' line", file, o);
            return -1;
        }
        t->objective.balanced = true;
        t->objective.weight = w;
        t->objective.cost_metric = (size_t)ci;
        m = ti;
    }
    if (m < 0) {
        sweep_msgf(msg, msg_len, "%s: bad '# objective: %s' line", file, o);
        return -1;
    }
    t->objective.metric = (size_t)m;
    t->objective.maximize = max;
    t->objective.feasible_on_mean = strcmp(h->feasible_on, "mean") == 0;
    sweep_objective_default_pareto(&t->objective);
    char why_pareto[512];
    if (h->pareto != NULL && sweep_parse_pareto(h->pareto, &t->objective, why_pareto, sizeof why_pareto) < 0) {
        sweep_msgf(msg, msg_len, "%s: bad '# pareto: %s' line: %s", file, h->pareto, why_pareto);
        return -1;
    }
    t->objective.constraints = xcalloc(h->n_subject_to + 1, sizeof *t->objective.constraints);
    for (size_t i = 0; i < h->n_subject_to; i++) {
        char why[512];
        if (sweep_parse_constraint(h->subject_to[i], &t->objective.constraints[i], why, sizeof why) < 0) {
            sweep_msgf(msg, msg_len, "%s: subject_to: %s", file, why);
            return -1;
        }
        t->objective.n_constraints = i + 1;
    }
    t->override_paths = xcalloc(h->n_overrides + 1, sizeof *t->override_paths);
    t->override_values = xcalloc(h->n_overrides + 1, sizeof *t->override_values);
    for (size_t i = 0; i < h->n_overrides; i++) {
        const char *eq = strchr(h->overrides[i], '=');
        if (eq == NULL) {
            sweep_msgf(msg, msg_len, "%s: bad '# override: %s' line", file, h->overrides[i]);
            return -1;
        }
        t->override_paths[i] = xmalloc((size_t)(eq - h->overrides[i]) + 1);
        memcpy(t->override_paths[i], h->overrides[i], (size_t)(eq - h->overrides[i]));
        t->override_paths[i][eq - h->overrides[i]] = '\0';
        t->override_values[i] = xstrdup(eq + 1);
        t->n_overrides = i + 1;
    }
    t->inputs = xcalloc(h->n_inputs + 1, sizeof *t->inputs);
    for (size_t i = 0; i < h->n_inputs; i++) {
        /* "HASH ROLE PATH" */
        const char *s = h->inputs[i];
        char *hend = NULL;
        errno = 0;
        unsigned long long hash = strtoull(s, &hend, 16);
        const char *role = hend != NULL && *hend == ' ' ? hend + 1 : NULL;
        const char *path = role != NULL ? strchr(role, ' ') : NULL;
        if (hend != s + 16 || errno != 0 || path == NULL || path == role || (size_t)(path - role) >= sizeof t->inputs[i].role) {
            sweep_msgf(msg, msg_len, "%s: bad '# input: %.200s' line", file, s);
            return -1;
        }
        struct sweep_input *in = &t->inputs[t->n_inputs++];
        in->hash = (uint64_t)hash;
        memcpy(in->role, role, (size_t)(path - role));
        in->role[path - role] = '\0';
        in->path = xstrdup(path + 1);
    }
    return 0;
}

/* The columns of each metric, in the order sweep_write_csv writes them. */
#define SWEEP_STATS 4
static const char *const stat_suffix[SWEEP_STATS] = { "mean", "ci95", "run_lo", "run_hi" };

/* Checks the CSV header: point, the axis columns, replications, the metric
 * columns, feasible, pareto, rank, tied. Sets or checks the table's columns. */
static int check_columns(struct sweep_table *t, const char *file, const struct textline_csv_record *rec,
                         char *msg, size_t msg_len)
{
    size_t nm = sweep_metric_count(), fixed = 1 + 1 + SWEEP_STATS * nm + 4;
    if (rec->n < fixed || strcmp(rec->cells[0], "point") != 0) {
        sweep_msgf(msg, msg_len, "%s: the column header is not a sweep's", file);
        return -1;
    }
    size_t na = rec->n - fixed;
    bool ok = strcmp(rec->cells[1 + na], "replications") == 0;
    for (size_t m = 0; ok && m < nm; m++) {
        char want[128];
        for (size_t j = 0; ok && j < SWEEP_STATS; j++) {
            snprintf(want, sizeof want, "%s_%s", sweep_metric_name(m), stat_suffix[j]);
            ok = strcmp(rec->cells[2 + na + SWEEP_STATS * m + j], want) == 0;
        }
    }
    ok = ok && strcmp(rec->cells[rec->n - 4], "feasible") == 0 && strcmp(rec->cells[rec->n - 3], "pareto") == 0
         && strcmp(rec->cells[rec->n - 2], "rank") == 0 && strcmp(rec->cells[rec->n - 1], "tied") == 0;
    if (!ok) {
        sweep_msgf(msg, msg_len, "%s: the column header does not match this version's sweep columns", file);
        return -1;
    }
    if (t->columns == NULL) {
        t->columns = xcalloc(na + 1, sizeof *t->columns);
        for (size_t a = 0; a < na; a++)
            t->columns[a] = xstrdup(rec->cells[1 + a]);
        t->n_columns = na;
        return 0;
    }
    ok = na == t->n_columns;
    for (size_t a = 0; ok && a < na; a++)
        ok = strcmp(t->columns[a], rec->cells[1 + a]) == 0;
    if (!ok) {
        sweep_msgf(msg, msg_len, "%s: its axis columns differ from the other shards'", file);
        return -1;
    }
    return 0;
}

int sweep_merge(struct sweep_table *t, const char *const *files, size_t n_files,
                char *msg, size_t msg_len)
{
    size_t nm = sweep_metric_count();
    struct shard_head first, h;
    struct textline_csv_record rec = { 0 };
    struct sweep_row *rows = NULL;          /* by point */
    size_t *from = NULL;                    /* file index + 1 of each point */
    bool *shard_seen = NULL;
    char *text = NULL;
    int rc = -1;
    memset(t, 0, sizeof *t);
    memset(&first, 0, sizeof first);
    memset(&h, 0, sizeof h);
    if (msg != NULL && msg_len > 0)
        msg[0] = '\0';
    for (size_t fi = 0; fi < n_files; fi++) {
        const char *file = files[fi];
        size_t len = 0, pos = 0;
        free(text);
        text = sweep_read_text(file, "shard file", &len, msg, msg_len);
        if (text == NULL)
            goto out;
        struct shard_head *hp = fi == 0 ? &first : &h;
        shard_head_fini(&h);
        if (shard_head_read(file, text, len, &pos, hp, msg, msg_len) < 0)
            goto out;
        if (fi == 0) {
            if (table_from_head(t, file, &first, msg, msg_len) < 0)
                goto out;
            rows = xcalloc(t->n_points_total, sizeof *rows);
            from = xcalloc(t->n_points_total, sizeof *from);
            shard_seen = xcalloc(first.n + 1, sizeof *shard_seen);
        } else {
            char why[SWEEP_MSG_MAX / 2];
            if (inputs_differ(&first, &h, why, sizeof why)) {
                sweep_msgf(msg, msg_len, "%s and %s are not shards of the same sweep: %s", files[0], file, why);
                goto out;
            }
            const char *diff = shard_head_diff(&first, &h);
            if (diff != NULL) {
                sweep_msgf(msg, msg_len, "%s and %s are not shards of the same sweep: %s differs",
                     files[0], file, diff);
                goto out;
            }
        }
        if (shard_seen[hp->k]) {
            sweep_msgf(msg, msg_len, "%s: shard %zu/%zu is given twice", file, hp->k, hp->n);
            goto out;
        }
        shard_seen[hp->k] = true;
        bool bad;
        if (textline_csv_record_next(text, len, &pos, &rec, &bad) < 0) {
            sweep_msgf(msg, msg_len, "%s: no column header", file);
            goto out;
        }
        if (check_columns(t, file, &rec, msg, msg_len) < 0)
            goto out;
        size_t cols = rec.n, na = t->n_columns;
        /* Data lines: the header comments, then the column header, then rows. */
        size_t line = 1;
        for (const char *c = text; c < text + pos; c++)
            line += *c == '\n';
        while (textline_csv_record_next(text, len, &pos, &rec, &bad) >= 0) {
            size_t point = 0, reps = 0;
            if (rec.n == 1 && rec.cells[0][0] == '\0') {
                line++;
                continue; /* blank line */
            }
            if (rec.n != cols || !sweep_parse_size(rec.cells[0], &point) ||
                !sweep_parse_size(rec.cells[1 + na], &reps)) {
                sweep_msgf(msg, msg_len, "%s:%zu: malformed row (expected %zu cells)", file, line, cols);
                goto out;
            }
            if (point >= t->n_points_total || point % hp->n != hp->k - 1) {
                sweep_msgf(msg, msg_len, "%s:%zu: point %zu does not belong to shard %zu/%zu of %zu points",
                     file, line, point, hp->k, hp->n, t->n_points_total);
                goto out;
            }
            if (from[point] != 0) {
                sweep_msgf(msg, msg_len, "%s:%zu: point %zu is also in %s", file, line, point,
                     files[from[point] - 1]);
                goto out;
            }
            if (reps != (size_t)t->replications) {
                sweep_msgf(msg, msg_len, "%s:%zu: %zu replications, the header says %d", file, line, reps,
                     t->replications);
                goto out;
            }
            struct sweep_row *r = &rows[point];
            r->point = point;
            r->cells = xcalloc(na + 1, sizeof *r->cells);
            r->mean = xmalloc(nm * sizeof *r->mean);
            r->ci95 = xmalloc(nm * sizeof *r->ci95);
            r->run_lo = xmalloc(nm * sizeof *r->run_lo);
            r->run_hi = xmalloc(nm * sizeof *r->run_hi);
            from[point] = fi + 1;
            for (size_t a = 0; a < na; a++)
                r->cells[a] = xstrdup(rec.cells[1 + a]);
            for (size_t m = 0; m < nm; m++) {
                const char *const *c = (const char *const *)rec.cells + 2 + na + SWEEP_STATS * m;
                if (!sweep_parse_num(c[0], &r->mean[m]) || !sweep_parse_num(c[1], &r->ci95[m]) ||
                    !sweep_parse_num(c[2], &r->run_lo[m]) || !sweep_parse_num(c[3], &r->run_hi[m])) {
                    sweep_msgf(msg, msg_len, "%s:%zu: %s: not a number", file, line, sweep_metric_name(m));
                    goto out;
                }
            }
            line++;
        }
        if (bad) {
            sweep_msgf(msg, msg_len, "%s:%zu: unterminated quoted cell", file, line);
            goto out;
        }
    }
    if (n_files == 0) {
        sweep_msgf(msg, msg_len, "no shard files given");
        goto out;
    }
    size_t missing = 0;
    char list[256] = "";
    for (size_t p = 0; p < t->n_points_total; p++) {
        if (from[p] != 0)
            continue;
        if (missing < 10) {
            size_t l = strlen(list);
            snprintf(list + l, sizeof list - l, "%s%zu", missing == 0 ? "" : ", ", p);
        }
        missing++;
    }
    if (missing > 0) {
        char shards[256] = "";
        for (size_t k = 1; k <= first.n; k++) {
            if (!shard_seen[k]) {
                size_t l = strlen(shards);
                snprintf(shards + l, sizeof shards - l, "%s%zu/%zu", shards[0] == '\0' ? "" : ", ",
                         k, first.n);
            }
        }
        sweep_msgf(msg, msg_len, "%zu of %zu points are missing (%s%s)%s%s", missing, t->n_points_total,
             list, missing > 10 ? ", ..." : "", shards[0] != '\0' ? "; shards not given: " : "",
             shards);
        goto out;
    }
    t->rows = rows;
    t->n_rows = t->n_points_total;
    rows = NULL;
    sweep_table_finish(t);
    rc = 0;
out:
    if (rows != NULL) {
        for (size_t p = 0; p < t->n_points_total; p++)
            sweep_row_fini(&rows[p], t->n_columns);
        free(rows);
    }
    if (rc != 0)
        sweep_table_fini(t);
    free(from);
    free(shard_seen);
    free(text);
    textline_csv_record_fini(&rec);
    shard_head_fini(&first);
    shard_head_fini(&h);
    return rc;
}
