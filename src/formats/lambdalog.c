/* lambdalog: reads Lambda's START/END/REPORT text lines and JSON platform
 * records, and the client-side CSV log. Strict: a malformed line is an error
 * naming file and line, never skipped or fixed. */
#include "formats/lambdalog.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/types.h>
#include "formats/config.h"
#include "base/infile.h"
#include "base/suggest.h"
#include "base/textline.h"
#include "base/xalloc.h"

#define QUOTE_MAX 40        /* bytes of offending text quoted back */
#define PENDING_SCAN 4096   /* open invocations searched for a RequestId */

static void io_error(char *msg, size_t len, const char *path, int err)
{
    char buf[128];
    if (strerror_r(err, buf, sizeof buf) != 0)
        snprintf(buf, sizeof buf, "error %d", err);
    textline_fail(msg, len, "%s: cannot read: %s", path, buf);
}

static bool is_blank(char ch)
{
    return ch == ' ' || ch == '\t';
}

static int quote_len(size_t len)
{
    return (int)(len > QUOTE_MAX ? QUOTE_MAX : len);
}

static const char *ellipsis(size_t len)
{
    return len > QUOTE_MAX ? "..." : "";
}

/* The offset of `kw` in s[0..len) at the start or after a blank; -1 if none. */
static long find_word(const char *s, size_t len, const char *kw)
{
    size_t kl = strlen(kw);
    for (size_t i = 0; i + kl <= len; i++) {
        if ((i == 0 || is_blank(s[i - 1])) && memcmp(s + i, kw, kl) == 0)
            return (long)i;
    }
    return -1;
}

static bool contains(const char *s, size_t len, const char *frag)
{
    size_t fl = strlen(frag);
    for (size_t i = 0; i + fl <= len; i++) {
        if (memcmp(s + i, frag, fl) == 0)
            return true;
    }
    return false;
}

static const char *register_file(char ***files, size_t *n_files, const char *path)
{
    *files = xrealloc(*files, (*n_files + 1) * sizeof **files);
    (*files)[*n_files] = xstrdup(path);
    return (*files)[(*n_files)++];
}

/* ---- REPORT lines ------------------------------------------------------------ */

enum field_id { F_ID = 0, F_DURATION, F_BILLED, F_MEMORY, F_MAX_MEMORY, F_INIT, F_RESTORE,
                F_BILLED_RESTORE, F_STATUS, F_ERROR_TYPE, F_COUNT };

struct field_def {
    const char *label;      /* without the colon */
    const char *unit;       /* NULL: a single token value */
    bool integer;
    bool required;
};

/* No label is a prefix of another, so the first match is the only one. */
static const struct field_def fields[F_COUNT] = {
    [F_ID] = { "RequestId", NULL, false, true },
    [F_DURATION] = { "Duration", "ms", false, true },
    [F_BILLED] = { "Billed Duration", "ms", false, true },
    [F_MEMORY] = { "Memory Size", "MB", true, true },
    [F_MAX_MEMORY] = { "Max Memory Used", "MB", true, true },
    [F_INIT] = { "Init Duration", "ms", false, false },
    [F_RESTORE] = { "Restore Duration", "ms", false, false },
    [F_BILLED_RESTORE] = { "Billed Restore Duration", "ms", false, false },
    [F_STATUS] = { "Status", NULL, false, false },
    [F_ERROR_TYPE] = { "Error Type", NULL, false, false },
};

/* Next blank-separated token from *pos; its length (0 at the end). */
static size_t next_token(const char *s, size_t len, size_t *pos, const char **tok)
{
    while (*pos < len && is_blank(s[*pos]))
        (*pos)++;
    size_t start = *pos;
    while (*pos < len && !is_blank(s[*pos]))
        (*pos)++;
    *tok = s + start;
    return *pos - start;
}

int lambdalog_parse_report(const char *s, size_t len, struct lambdalog_invocation *out, char *why,
                           size_t why_len)
{
    long at = find_word(s, len, "REPORT RequestId:");
    if (at < 0)
        return textline_fail(why, why_len, "not a REPORT line");
    bool seen[F_COUNT] = { false };
    double val[F_COUNT] = { 0 };
    size_t pos = (size_t)at + strlen("REPORT ");
    out->init_ms = NAN;
    out->restore_ms = NAN;
    out->timed_out = false;
    out->errored = false;
    for (;;) {
        while (pos < len && is_blank(s[pos]))
            pos++;
        if (pos >= len)
            break;
        int f = -1;
        for (int i = 0; i < F_COUNT; i++) {
            size_t ll = strlen(fields[i].label);
            if (pos + ll < len && memcmp(s + pos, fields[i].label, ll) == 0 && s[pos + ll] == ':') {
                f = i;
                break;
            }
        }
        /* X-Ray's trailer ("XRAY TraceId: ... SegmentId: ... Sampled: true")
         * is part of the REPORT event when tracing is on; the console and
         * Logs Insights show it on the same line. Nothing after it is ours. */
        if (f < 0 && len - pos >= 13 && memcmp(s + pos, "XRAY TraceId:", 13) == 0)
            break;
        if (f < 0) {
            size_t rest = len - pos;
            for (int i = 0; i < F_COUNT; i++) {
                size_t ll = strlen(fields[i].label);
                if (rest <= ll && memcmp(s + pos, fields[i].label, rest) == 0)
                    return textline_fail(why, why_len, "truncated line: ends in '%.*s' (expected '%s: ...')",
                                (int)rest, s + pos, fields[i].label);
            }
            return textline_fail(why, why_len, "unexpected text '%.*s%s' (known fields: RequestId, Duration, "
                        "Billed Duration, Memory Size, Max Memory Used, Init Duration, Restore "
                        "Duration, Billed Restore Duration, Status, Error Type)",
                        quote_len(rest), s + pos, ellipsis(rest));
        }
        const struct field_def *fd = &fields[f];
        if (seen[f])
            return textline_fail(why, why_len, "%s: appears twice", fd->label);
        seen[f] = true;
        pos += strlen(fd->label) + 1;
        const char *tok;
        size_t tl = next_token(s, len, &pos, &tok);
        if (tl == 0)
            return textline_fail(why, why_len, "%s: no value (truncated line?)", fd->label);
        if (f == F_ID) {
            if (tl >= LAMBDALOG_ID_MAX)
                return textline_fail(why, why_len, "RequestId: longer than %d characters", LAMBDALOG_ID_MAX - 1);
            memcpy(out->request_id, tok, tl);
            out->request_id[tl] = '\0';
            continue;
        }
        if (fd->unit == NULL) {
            if (f == F_STATUS && tl == 7 && memcmp(tok, "timeout", 7) == 0)
                out->timed_out = true;
            if (f == F_STATUS && ((tl == 5 && memcmp(tok, "error", 5) == 0)
                                  || (tl == 7 && memcmp(tok, "failure", 7) == 0)))
                out->errored = true;
            continue;
        }
        const char *unit;
        size_t save = pos;
        size_t ul = next_token(s, len, &pos, &unit);
        double v = 0;
        if (!textline_parse_number(tok, tl, &v)) {
            /* Quote the value with its unit, as written. */
            size_t ql = ul > 0 ? (size_t)(unit + ul - tok) : tl;
            return textline_fail(why, why_len, "%s: not a number ('%.*s%s')", fd->label, quote_len(ql), tok,
                        ellipsis(ql));
        }
        if (ul == 0)
            return textline_fail(why, why_len, "%s: no unit after %.*s (truncated line? expected '%s')",
                        fd->label, quote_len(tl), tok, fd->unit);
        (void)save;
        if (ul != strlen(fd->unit) || memcmp(unit, fd->unit, ul) != 0)
            return textline_fail(why, why_len, "%s: unit must be '%s' (got '%.*s')", fd->label, fd->unit,
                        quote_len(ul), unit);
        if (!isfinite(v))
            return textline_fail(why, why_len, "%s: not a finite number ('%.*s')", fd->label, quote_len(tl), tok);
        if (v < 0)
            return textline_fail(why, why_len, "%s: must be >= 0 (got %.*s)", fd->label, quote_len(tl), tok);
        if (fd->integer && (floor(v) != v || v > 1e6))
            return textline_fail(why, why_len, "%s: must be a whole number of %s (got %.*s)", fd->label,
                        fd->unit, quote_len(tl), tok);
        val[f] = v;
    }
    for (int i = 0; i < F_COUNT; i++) {
        if (fields[i].required && !seen[i])
            return textline_fail(why, why_len, "no '%s' field (truncated line?)", fields[i].label);
    }
    out->duration_ms = val[F_DURATION];
    out->billed_ms = val[F_BILLED];
    out->memory_mb = (int)val[F_MEMORY];
    out->max_memory_mb = (int)val[F_MAX_MEMORY];
    if (seen[F_INIT])
        out->init_ms = val[F_INIT];
    if (seen[F_RESTORE])
        out->restore_ms = val[F_RESTORE];
    return 0;
}

/* ---- Lambda log files ----------------------------------------------------------- */

/* An invocation seen START (or function output) but not yet REPORT. */
struct pending {
    char request_id[LAMBDALOG_ID_MAX];
    char version[LAMBDALOG_VERSION_MAX];
    int batch_size;
    size_t batch_line;      /* where batch_size came from (0: not given) */
    bool ended;             /* END seen */
    bool timed_out;
    bool init_failed;       /* an INIT_REPORT of its own init (Phase: invoke) failed */
};

struct reader {
    struct lambdalog *log;
    const char *path;
    char *msg;
    size_t msg_len;
    struct pending *pend;
    size_t n_pend, cap_pend;
    size_t n_added;         /* invocations this file added (dropped on error) */
    /* An "INIT_REPORT ... Phase: invoke Status: error|timeout" line was read:
     * Lambda re-ran a failed init inside the next invocation of this stream
     * (the START that follows), and that invocation failed with it. */
    bool init_failed_next;
};

/* Version from a log stream name in the line's prefix: "2024/05/01/[$LATEST]abc". */
static void stream_version(const char *s, size_t prefix_len, char *out, size_t cap)
{
    for (size_t i = 0; i + 1 < prefix_len; i++) {
        if (s[i] == '/' && s[i + 1] == '[') {
            size_t j = i + 2;
            while (j < prefix_len && s[j] != ']' && !is_blank(s[j]))
                j++;
            if (j < prefix_len && s[j] == ']' && j - (i + 2) < cap) {
                memcpy(out, s + i + 2, j - (i + 2));
                out[j - (i + 2)] = '\0';
            }
            return;
        }
    }
}

static struct pending *pending_find(struct reader *r, const char *id, size_t id_len)
{
    size_t stop = r->n_pend > PENDING_SCAN ? r->n_pend - PENDING_SCAN : 0;
    for (size_t i = r->n_pend; i > stop; i--) {
        struct pending *p = &r->pend[i - 1];
        if (strlen(p->request_id) == id_len && memcmp(p->request_id, id, id_len) == 0)
            return p;
    }
    return NULL;
}

/* The open invocation a function-output line belongs to: the one whose
 * RequestId it names, else the most recent one without END. */
static struct pending *pending_for_line(struct reader *r, const char *s, size_t len)
{
    size_t stop = r->n_pend > PENDING_SCAN ? r->n_pend - PENDING_SCAN : 0;
    for (size_t i = r->n_pend; i > stop; i--) {
        struct pending *p = &r->pend[i - 1];
        if (p->request_id[0] != '\0' && contains(s, len, p->request_id))
            return p;
    }
    for (size_t i = r->n_pend; i > stop; i--) {
        if (!r->pend[i - 1].ended)
            return &r->pend[i - 1];
    }
    return NULL;
}

static struct pending *pending_add(struct reader *r, const char *id, size_t id_len)
{
    r->pend = xgrow(r->pend, &r->cap_pend, r->n_pend + 1, sizeof *r->pend);
    struct pending *p = &r->pend[r->n_pend++];
    memset(p, 0, sizeof *p);
    p->batch_size = -1;
    if (id_len >= LAMBDALOG_ID_MAX)
        id_len = LAMBDALOG_ID_MAX - 1;
    memcpy(p->request_id, id, id_len);
    p->request_id[id_len] = '\0';
    return p;
}

static void pending_remove(struct reader *r, const struct pending *p)
{
    size_t i = (size_t)(p - r->pend);
    memmove(&r->pend[i], &r->pend[i + 1], (r->n_pend - i - 1) * sizeof *r->pend);
    r->n_pend--;
}

/* A "Task timed out after N seconds" line: marks the invocation whose
 * RequestId it names, still open (pending) or already reported by this
 * file (Lambda may write the line after the REPORT); else it is counted as
 * unattributed. Never pinned by position. */
static void timeout_line(struct reader *r, const char *s, size_t len)
{
    for (size_t i = r->n_pend; i > 0; i--) {
        struct pending *p = &r->pend[i - 1];
        if (p->request_id[0] != '\0' && contains(s, len, p->request_id)) {
            p->timed_out = true;
            return;
        }
    }
    struct lambdalog *log = r->log;
    for (size_t i = log->n; i > log->n - r->n_added; i--) {
        struct lambdalog_invocation *v = &log->inv[i - 1];
        if (v->request_id[0] != '\0' && contains(s, len, v->request_id)) {
            v->timed_out = true;
            return;
        }
    }
    log->timeouts_unattributed++;
}

/* A function-output line: batch_size=N, a warm-up marker, or a timeout. */
static int function_line(struct reader *r, const char *s, size_t len, size_t lineno)
{
    long at = -1;
    for (size_t i = 0; i + 11 <= len; i++) {
        bool start = i == 0 || !((s[i - 1] >= 'a' && s[i - 1] <= 'z') || (s[i - 1] >= 'A' && s[i - 1] <= 'Z')
                                 || (s[i - 1] >= '0' && s[i - 1] <= '9') || s[i - 1] == '_');
        if (start && memcmp(s + i, "batch_size=", 11) == 0) {
            at = (long)i;
            break;
        }
    }
    bool warm = contains(s, len, "WarmUp - Lambda is warm!");
    if (contains(s, len, "Task timed out after")) {
        timeout_line(r, s, len);
        return 0;
    }
    if (at < 0 && !warm)
        return 0;
    struct pending *p = pending_for_line(r, s, len);
    if (p == NULL)
        return 0;   /* outside any invocation (a cut-off start of a log): nothing to attach */
    int n = 0;
    if (at >= 0) {
        size_t i = (size_t)at + 11, j = i;
        while (j < len && s[j] >= '0' && s[j] <= '9')
            j++;
        double v = 0;
        if (j == i || !textline_parse_number(s + i, j - i, &v) || v > 1e6 || (j < len && !is_blank(s[j])
                                                                     && s[j] != ',' && s[j] != '"'))
            return textline_fail(r->msg, r->msg_len, "%s:%zu: batch_size: not a whole number ('%.*s%s')", r->path,
                        lineno, quote_len(len - i), s + i, ellipsis(len - i));
        n = (int)v;
    }
    if (p->batch_line != 0 && p->batch_size != n)
        return textline_fail(r->msg, r->msg_len, "%s:%zu: batch_size: %d, but line %zu gave %d for the same "
                    "invocation", r->path, lineno, n, p->batch_line, p->batch_size);
    p->batch_size = n;
    p->batch_line = lineno;
    return 0;
}

static void add_invocation(struct reader *r, struct lambdalog_invocation *inv, size_t lineno)
{
    struct pending *p = pending_find(r, inv->request_id, strlen(inv->request_id));
    inv->batch_size = -1;
    if (p != NULL) {
        inv->batch_size = p->batch_size;
        inv->timed_out = inv->timed_out || p->timed_out;
        inv->errored = inv->errored || p->init_failed;
        memcpy(inv->version, p->version, sizeof inv->version);
        pending_remove(r, p);
    }
    inv->line = lineno;
    inv->file = r->path;
    struct lambdalog *log = r->log;
    log->inv = xgrow(log->inv, &log->cap, log->n + 1, sizeof *log->inv);
    log->inv[log->n++] = *inv;
    r->n_added++;
}

static int text_line(struct reader *r, const char *s, size_t len, size_t lineno)
{
    char why[512];
    long at;
    if ((at = find_word(s, len, "REPORT RequestId:")) >= 0) {
        struct lambdalog_invocation inv;
        memset(&inv, 0, sizeof inv);
        if (lambdalog_parse_report(s, len, &inv, why, sizeof why) != 0)
            return textline_fail(r->msg, r->msg_len, "%s:%zu: %s", r->path, lineno, why);
        char ver[LAMBDALOG_VERSION_MAX] = "";
        stream_version(s, (size_t)at, ver, sizeof ver);
        add_invocation(r, &inv, lineno);
        struct lambdalog_invocation *added = &r->log->inv[r->log->n - 1];
        if (added->version[0] == '\0')
            memcpy(added->version, ver, sizeof ver);
        return 0;
    }
    if (find_word(s, len, "INIT_REPORT") >= 0) {
        /* Not a REPORT: its Init Duration is not an invocation's. A failed
         * init in the invoke phase fails the invocation that follows. */
        if (contains(s, len, "Phase: invoke") && (contains(s, len, "Status: error") || contains(s, len, "Status: timeout")))
            r->init_failed_next = true;
        return 0;
    }
    bool start = (at = find_word(s, len, "START RequestId:")) >= 0;
    if (start || (at = find_word(s, len, "END RequestId:")) >= 0) {
        size_t pos = (size_t)at + strlen(start ? "START RequestId:" : "END RequestId:");
        const char *id;
        size_t il = next_token(s, len, &pos, &id);
        if (il == 0)
            return textline_fail(r->msg, r->msg_len, "%s:%zu: %s: no RequestId (truncated line?)", r->path, lineno,
                        start ? "START" : "END");
        if (il >= LAMBDALOG_ID_MAX)
            return textline_fail(r->msg, r->msg_len, "%s:%zu: RequestId: longer than %d characters", r->path, lineno,
                        LAMBDALOG_ID_MAX - 1);
        struct pending *p = pending_find(r, id, il);
        if (!start) {
            if (p != NULL)
                p->ended = true;
            return 0;
        }
        if (p == NULL)
            p = pending_add(r, id, il);
        p->init_failed = p->init_failed || r->init_failed_next;
        r->init_failed_next = false;
        stream_version(s, (size_t)at, p->version, sizeof p->version);
        const char *tok;
        size_t tl = next_token(s, len, &pos, &tok);
        if (tl == 8 && memcmp(tok, "Version:", 8) == 0) {
            const char *v;
            size_t vl = next_token(s, len, &pos, &v);
            if (vl == 0)
                return textline_fail(r->msg, r->msg_len, "%s:%zu: START: Version: no value (truncated line?)",
                            r->path, lineno);
            if (vl >= LAMBDALOG_VERSION_MAX)
                vl = LAMBDALOG_VERSION_MAX - 1;
            memcpy(p->version, v, vl);
            p->version[vl] = '\0';
        }
        return 0;
    }
    return function_line(r, s, len, lineno);
}

/* One JSON record. `lenient`: a one-line record that does not parse and
 * does not claim to be a platform record is function output instead. */
static int json_record(struct reader *r, const char *text, size_t len, size_t first_line, bool lenient)
{
    struct lambdalog_record rec;
    char why[512];
    size_t off = 0;
    memset(&rec, 0, sizeof rec);
    if (config_log_json_record(text, len, &rec, &off, why, sizeof why) != 0) {
        if (lenient && !contains(text, len, "\"platform."))
            return function_line(r, text, len, first_line);
        size_t line = first_line;
        for (size_t i = 0; i < off && i < len; i++)
            line += text[i] == '\n';
        return textline_fail(r->msg, r->msg_len, "%s:%zu: %s", r->path, line, why);
    }
    switch (rec.kind) {
    case LAMBDALOG_REC_START: {
        struct pending *p = pending_find(r, rec.request_id, strlen(rec.request_id));
        if (p == NULL)
            p = pending_add(r, rec.request_id, strlen(rec.request_id));
        memcpy(p->version, rec.version, sizeof p->version);
        return 0;
    }
    case LAMBDALOG_REC_REPORT:
        add_invocation(r, &rec.inv, first_line);
        return 0;
    case LAMBDALOG_REC_FUNCTION: {
        /* Attribute by the record's requestId when it names an open invocation. */
        size_t ml = strlen(rec.message);
        if (rec.request_id[0] != '\0') {
            char line[sizeof rec.message + LAMBDALOG_ID_MAX + 2];
            snprintf(line, sizeof line, "%s %s", rec.request_id, rec.message);
            return function_line(r, line, strlen(line), first_line);
        }
        return function_line(r, rec.message, ml, first_line);
    }
    case LAMBDALOG_REC_OTHER:
        break;
    }
    return 0;
}

/* Where a JSON object that opened with '{' stands after the bytes fed so
 * far: the brace depth outside strings, whether inside a string, and
 * whether the last byte was a backslash there. Fed each line once, so a
 * record spanning many lines costs time linear in its size. */
struct json_scan {
    size_t depth;
    bool in_str;
    bool escaped;
};

/* Feeds text[0..len) to the scan; returns the bytes up to and including
 * the brace that closes the object, or 0 if it is still open. */
static size_t json_scan_feed(struct json_scan *js, const char *text, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        char ch = text[i];
        if (js->in_str) {
            if (js->escaped)
                js->escaped = false;
            else if (ch == '\\')
                js->escaped = true;
            else if (ch == '"')
                js->in_str = false;
        } else if (ch == '"') {
            js->in_str = true;
        } else if (ch == '{') {
            js->depth++;
        } else if (ch == '}' && js->depth > 0 && --js->depth == 0) {
            return i + 1;
        }
    }
    return 0;
}

/* Bytes of a JSON object starting at text[0] == '{', or 0 if it does not
 * close within len. Braces inside strings do not count. */
static size_t json_extent(const char *text, size_t len)
{
    struct json_scan js = { 0, false, false };
    return json_scan_feed(&js, text, len);
}

void lambdalog_init(struct lambdalog *log)
{
    memset(log, 0, sizeof *log);
}

void lambdalog_fini(struct lambdalog *log)
{
    if (log == NULL)
        return;
    free(log->inv);
    for (size_t i = 0; i < log->n_files; i++)
        free(log->files[i]);
    free(log->files);
    memset(log, 0, sizeof *log);
}

/* One event of an envelope: its message is one or more log lines (a text
 * line, a JSON record), read as in a plain log; errors name the event
 * ("x.json: event 17: Duration: ...") instead of a line. */
static int envelope_event(void *ctx, const char *m, size_t len, size_t event)
{
    struct reader *r = ctx;
    while (len > 0) {
        const char *nl = memchr(m, '\n', len);
        size_t ll = nl != NULL ? (size_t)(nl - m) : len;
        const char *s = m;
        size_t sl = ll;
        while (sl > 0 && (s[sl - 1] == '\r' || is_blank(s[sl - 1])))
            sl--;
        while (sl > 0 && is_blank(*s)) {
            s++;
            sl--;
        }
        int rc = 0;
        if (sl > 0)
            rc = s[0] == '{' ? json_record(r, s, sl, event, true) : text_line(r, s, sl, event);
        if (rc != 0) {
            /* "path:N: why" -> "path: event N: why" */
            char prefix[64];
            size_t pl = strlen(r->path);
            int k = snprintf(prefix, sizeof prefix, ":%zu: ", event);
            if (k > 0 && strncmp(r->msg, r->path, pl) == 0 && strncmp(r->msg + pl, prefix, (size_t)k) == 0) {
                char *rest = xstrdup(r->msg + pl + (size_t)k);
                snprintf(r->msg, r->msg_len, "%s: event %zu: %s", r->path, event, rest);
                free(rest);
            }
            return -1;
        }
        if (nl == NULL)
            break;
        m += ll + 1;
        len -= ll + 1;
    }
    return 0;
}

/* A file whose first JSON value holds "events", "logEvents" or "awslogs"
 * may be an envelope (formats/config.h, config_log_envelope): read whole
 * and tried as one. Returns 1 read as an envelope, 0 not one (f rewound),
 * -1 error. */
static int try_envelope(struct reader *r, FILE *f)
{
    char head[65536];
    size_t n = fread(head, 1, sizeof head, f);
    size_t i = 0;
    if (n >= 3 && memcmp(head, "\xEF\xBB\xBF", 3) == 0)
        i = 3;
    while (i < n && (is_blank(head[i]) || head[i] == '\n' || head[i] == '\r'))
        i++;
    bool candidate = i < n && head[i] == '{'
                     && (contains(head, n, "\"events\"") || contains(head, n, "\"logEvents\"")
                         || contains(head, n, "\"awslogs\""));
    if (!candidate || ferror(f)) {
        rewind(f);
        return 0;
    }
    size_t cap = n + 65536, len = n;
    char *text = xmalloc(cap + 1);
    memcpy(text, head, n);
    size_t got;
    while ((got = fread(text + len, 1, cap - len, f)) > 0) {
        len += got;
        if (len == cap) {
            if (cap >= INFILE_STREAM_MAX) {
                free(text);
                textline_fail(r->msg, r->msg_len, "%s: log envelope larger than %zu MB", r->path,
                              (size_t)INFILE_STREAM_MAX >> 20);
                return -1;
            }
            cap *= 2;
            text = xrealloc(text, cap + 1);
        }
    }
    text[len] = '\0';
    char why[512] = "";
    int rc = config_log_envelope(text + i, len - i, envelope_event, r, why, sizeof why);
    free(text);
    if (rc < 0 && why[0] != '\0' && r->msg[0] == '\0')
        textline_fail(r->msg, r->msg_len, "%s: %s", r->path, why);
    if (rc == 0)
        rewind(f);
    return rc;
}

int lambdalog_read(struct lambdalog *log, const char *path, char *msg, size_t msg_len)
{
    struct reader r = { .log = log, .path = path, .msg = msg, .msg_len = msg_len };
    char *line = NULL, *rec = NULL;
    size_t line_cap = 0, lineno = 0, rec_len = 0, rec_cap = 0, rec_line = 0;
    struct json_scan scan = { 0, false, false };
    size_t start_n = log->n, start_unattributed = log->timeouts_unattributed;
    ssize_t got = 0;
    int rc = -1;
    FILE *f = infile_open(path, "log", msg, msg_len);
    if (f == NULL)
        return -1;
    const char *file = register_file(&log->files, &log->n_files, path);
    r.path = file;
    msg[0] = '\0';
    int env = try_envelope(&r, f);
    if (env < 0)
        goto out;
    while (env == 0 && (got = textline_read(&line, &line_cap, f)) >= 0) {
        const char *s = line;
        size_t sl = (size_t)got;
        lineno++;
        if (memchr(s, '\0', sl) != NULL) {
            textline_fail(msg, msg_len, "%s:%zu: NUL byte in the line (not a text file?)", file, lineno);
            goto out;
        }
        if (rec_line != 0) {
            /* Inside a JSON record spanning lines: only the new line is
             * scanned, and the record is parsed once, when it closes. */
            if (rec_len + sl > LAMBDALOG_RECORD_MAX) {
                textline_fail(msg, msg_len, "%s:%zu: JSON record longer than %zu KB (no closing '}' by line "
                              "%zu; not a log file?)", file, rec_line, LAMBDALOG_RECORD_MAX >> 10, lineno);
                goto out;
            }
            rec = xgrow(rec, &rec_cap, rec_len + sl + 1, 1);
            memcpy(rec + rec_len, s, sl);
            size_t ext = json_scan_feed(&scan, rec + rec_len, sl);
            rec_len += sl;
            rec[rec_len] = '\0';
            if (ext == 0)
                continue;
            if (json_record(&r, rec, rec_len - sl + ext, rec_line, false) != 0)
                goto out;
            rec_line = 0;
            continue;
        }
        while (sl > 0 && (s[sl - 1] == '\n' || s[sl - 1] == '\r'))
            sl--;
        if (lineno == 1 && sl >= 3 && memcmp(s, "\xEF\xBB\xBF", 3) == 0) {
            s += 3;
            sl -= 3;
        }
        while (sl > 0 && is_blank(*s)) {
            s++;
            sl--;
        }
        if (sl == 0)
            continue;
        if (s[0] == '{') {
            /* A JSON record spans lines when it opens with a lone brace (as
             * pretty-printed) or is a platform record left open; any other
             * line starting with '{' is one line, perhaps function output
             * that only looks like JSON (a Python dict). */
            size_t ext = json_extent(s, sl);
            if (ext == 0 && (sl == 1 || contains(s, sl, "\"platform."))) {
                if (sl + 1 > LAMBDALOG_RECORD_MAX) {
                    textline_fail(msg, msg_len, "%s:%zu: JSON record longer than %zu KB (not a log file?)", file,
                                  lineno, LAMBDALOG_RECORD_MAX >> 10);
                    goto out;
                }
                memset(&scan, 0, sizeof scan);
                json_scan_feed(&scan, s, sl);
                json_scan_feed(&scan, "\n", 1);
                rec = xgrow(rec, &rec_cap, sl + 2, 1);
                memcpy(rec, s, sl);
                rec[sl] = '\n';
                rec_len = sl + 1;
                rec[rec_len] = '\0';
                rec_line = lineno;
                continue;
            }
            if (json_record(&r, s, sl, lineno, true) != 0)
                goto out;
            continue;
        }
        if (text_line(&r, s, sl, lineno) != 0)
            goto out;
    }
    if (got == TEXTLINE_TOO_LONG) {
        textline_fail(msg, msg_len, "%s:%zu: line longer than %zu MB (not a log file?)", file, lineno + 1,
             TEXTLINE_MAX >> 20);
        goto out;
    }
    if (ferror(f)) {
        io_error(msg, msg_len, file, errno);
        goto out;
    }
    if (rec_line != 0) {
        textline_fail(msg, msg_len, "%s:%zu: truncated JSON record (no closing '}' before the end of the file)",
             file, rec_line);
        goto out;
    }
    if (log->n == start_n) {
        textline_fail(msg, msg_len, "%s: no REPORT lines or platform.report records", file);
        rc = LAMBDALOG_NO_REPORTS;
        goto out;
    }
    rc = 0;
out:
    if (rc != 0) {
        log->n = start_n;
        log->timeouts_unattributed = start_unattributed;
    }
    free(r.pend);
    free(rec);
    free(line);
    fclose(f);
    return rc;
}

/* ---- checks across files --------------------------------------------------------- */

static int cmp_inv_id(const void *a, const void *b)
{
    const struct lambdalog_invocation *const *x = a, *const *y = b;
    int c = strcmp((*x)->request_id, (*y)->request_id);
    if (c != 0)
        return c;
    return *x < *y ? -1 : *x > *y;
}

int lambdalog_check(const struct lambdalog *log, char *msg, size_t msg_len)
{
    if (log->n == 0)
        return textline_fail(msg, msg_len, "no invocations");
    /* Memory sizes and versions: count each distinct value with its first line. */
    const struct lambdalog_invocation *first = &log->inv[0], *other = NULL;
    size_t n_first = 0, n_other = 0, kinds = 1;
    for (size_t i = 0; i < log->n; i++) {
        const struct lambdalog_invocation *v = &log->inv[i];
        if (v->memory_mb == first->memory_mb) {
            n_first++;
        } else if (other == NULL || v->memory_mb == other->memory_mb) {
            if (other == NULL) {
                other = v;
                kinds++;
            }
            n_other++;
        } else {
            kinds++;
        }
    }
    if (other != NULL)
        return textline_fail(msg, msg_len, "mixed memory sizes: %zu invocations at %d MB (first at %s:%zu) and "
                    "%zu at %d MB (first at %s:%zu)%s; give the logs of one configuration, choose "
                    "one with --memory-mb, or fit how Duration scales across them with --fit-memory", n_first, first->memory_mb, first->file, first->line, n_other,
                    other->memory_mb, other->file, other->line, kinds > 2 ? ", and more" : "");
    const struct lambdalog_invocation *fv = NULL, *ov = NULL;
    n_first = n_other = 0;
    for (size_t i = 0; i < log->n; i++) {
        const struct lambdalog_invocation *v = &log->inv[i];
        if (v->version[0] == '\0')
            continue;
        if (fv == NULL || strcmp(v->version, fv->version) == 0) {
            fv = fv == NULL ? v : fv;
            n_first++;
        } else if (ov == NULL || strcmp(v->version, ov->version) == 0) {
            ov = ov == NULL ? v : ov;
            n_other++;
        }
    }
    if (ov != NULL)
        return textline_fail(msg, msg_len, "mixed functions: %zu invocations of version '%s' (first at %s:%zu) "
                    "and %zu of version '%s' (first at %s:%zu); give the logs of one function "
                    "version", n_first, fv->version, fv->file, fv->line, n_other, ov->version, ov->file,
                    ov->line);
    const struct lambdalog_invocation **by_id = xmalloc(log->n * sizeof *by_id);
    for (size_t i = 0; i < log->n; i++)
        by_id[i] = &log->inv[i];
    qsort(by_id, log->n, sizeof *by_id, cmp_inv_id);
    int rc = 0;
    for (size_t i = 1; i < log->n; i++) {
        if (strcmp(by_id[i]->request_id, by_id[i - 1]->request_id) == 0) {
            rc = textline_fail(msg, msg_len, "%s:%zu: RequestId %s was already reported at %s:%zu (the same "
                      "log given twice?)", by_id[i]->file, by_id[i]->line, by_id[i]->request_id,
                      by_id[i - 1]->file, by_id[i - 1]->line);
            break;
        }
    }
    free(by_id);
    return rc;
}

size_t lambdalog_keep_memory(struct lambdalog *log, int memory_mb)
{
    size_t k = 0;
    for (size_t i = 0; i < log->n; i++) {
        if (log->inv[i].memory_mb == memory_mb)
            log->inv[k++] = log->inv[i];
    }
    log->n = k;
    return k;
}

/* ---- client log ------------------------------------------------------------------ */

enum col { C_SEND = 0, C_LATENCY, C_STATUS, C_REQUEST_ID, C_BATCH_ID, C_BATCH_SIZE, C_INVOKE, C_COLD,
           C_COUNT };

static const char *const col_names[C_COUNT] = {
    "send_s", "latency_ms", "status", "request_id", "batch_id", "batch_size", "invoke_ms", "cold",
};

/* Splits a CSV row into at most max fields (textline_csv_next); returns
 * the number of fields in the row. */
static size_t csv_split(const char *s, size_t len, const char **fs, size_t *fl, size_t max)
{
    size_t pos = 0, field = 0, l;
    const char *f;
    bool done = false;
    while (textline_csv_next(s, len, &pos, &done, &f, &l)) {
        if (field < max) {
            fs[field] = f;
            fl[field] = l;
        }
        field++;
    }
    return field;
}

#define CLIENT_MAX_COLS 256

struct client_header {
    long col[C_COUNT];      /* column index, -1 when absent */
    size_t n_cols;
};

static int client_header(const char *path, size_t lineno, const char *s, size_t len,
                         struct client_header *h, char *msg, size_t msg_len)
{
    const char *fs[CLIENT_MAX_COLS];
    size_t fl[CLIENT_MAX_COLS];
    size_t n = csv_split(s, len, fs, fl, CLIENT_MAX_COLS);
    h->n_cols = n;
    for (int c = 0; c < C_COUNT; c++)
        h->col[c] = -1;
    if (n > CLIENT_MAX_COLS)
        return textline_fail(msg, msg_len, "%s:%zu: more than %d columns", path, lineno, CLIENT_MAX_COLS);
    for (size_t i = 0; i < n; i++) {
        int known = -1;
        for (int c = 0; c < C_COUNT; c++) {
            if (fl[i] == strlen(col_names[c]) && memcmp(fs[i], col_names[c], fl[i]) == 0)
                known = c;
        }
        if (known >= 0) {
            if (h->col[known] >= 0)
                return textline_fail(msg, msg_len, "%s:%zu: column '%s' appears twice", path, lineno,
                            col_names[known]);
            h->col[known] = (long)i;
        }
    }
    /* An unknown column whose name is close to a known one that is absent is
     * a typo, not extra data. */
    for (size_t i = 0; i < n; i++) {
        struct suggest sg;
        suggest_begin(&sg, fs[i], fl[i]);
        for (int c = 0; c < C_COUNT; c++) {
            if (h->col[c] < 0)
                suggest_consider(&sg, col_names[c]);
        }
        const char *meant = suggest_result(&sg);
        if (meant != NULL)
            return textline_fail(msg, msg_len, "%s:%zu: unknown column '%.*s' (did you mean '%s'?)", path,
                        lineno, quote_len(fl[i]), fs[i], meant);
    }
    for (int c = 0; c <= C_LATENCY; c++) {
        if (h->col[c] < 0)
            return textline_fail(msg, msg_len, "%s:%zu: no column '%s' in the header (a client log needs "
                        "send_s and latency_ms)", path, lineno, col_names[c]);
    }
    return 0;
}

static int client_number(const char *path, size_t lineno, int c, const char *s, size_t len,
                         double *out, char *msg, size_t msg_len)
{
    double v = 0;
    if (!textline_parse_number(s, len, &v))
        return textline_fail(msg, msg_len, "%s:%zu: %s: not a number ('%.*s%s')", path, lineno, col_names[c],
                    quote_len(len), s, ellipsis(len));
    if (!isfinite(v))
        return textline_fail(msg, msg_len, "%s:%zu: %s: not a finite number ('%.*s')", path, lineno,
                    col_names[c], quote_len(len), s);
    if (v < 0)
        return textline_fail(msg, msg_len, "%s:%zu: %s: must be >= 0 (got %.*s)", path, lineno, col_names[c],
                    quote_len(len), s);
    *out = v;
    return 0;
}

static int client_row(const char *path, size_t lineno, const char *s, size_t len,
                      const struct client_header *h, struct lambdalog_request *q, char *msg,
                      size_t msg_len)
{
    const char *fs[CLIENT_MAX_COLS];
    size_t fl[CLIENT_MAX_COLS];
    size_t n = csv_split(s, len, fs, fl, CLIENT_MAX_COLS);
    if (n != h->n_cols)
        return textline_fail(msg, msg_len, "%s:%zu: the row has %zu columns, the header %zu (truncated line?)",
                    path, lineno, n, h->n_cols);
    memset(q, 0, sizeof *q);
    q->ok = true;
    q->batch_id = -1;
    q->invoke_ms = NAN;
    q->cold = -1;
    q->line = lineno;
    double v = 0;
    for (int c = 0; c < C_COUNT; c++) {
        if (h->col[c] < 0)
            continue;
        const char *f = fs[h->col[c]];
        size_t l = fl[h->col[c]];
        if (c == C_STATUS) {
            q->ok = l == 0 || (l == 2 && memcmp(f, "ok", 2) == 0);
            /* Any other status is a failure, so a success spelled another
             * way would silently fail every request: refused by name. */
            static const char *const success[] = { "ok", "success", "succeeded", "successful", "200" };
            for (size_t k = 0; k < sizeof success / sizeof success[0] && !q->ok; k++)
                if (strlen(success[k]) == l && strncasecmp(f, success[k], l) == 0)
                    return textline_fail(msg, msg_len, "%s:%zu: status: '%.*s' reads as a success, but only 'ok' "
                                         "(or no status) marks one: any other value counts the request as failed "
                                         "(did you mean 'ok'?)", path, lineno, (int)l, f);
            continue;
        }
        if (c == C_REQUEST_ID) {
            if (l >= LAMBDALOG_ID_MAX)
                return textline_fail(msg, msg_len, "%s:%zu: request_id: longer than %d characters", path, lineno,
                            LAMBDALOG_ID_MAX - 1);
            memcpy(q->request_id, f, l);
            q->request_id[l] = '\0';
            continue;
        }
        if (l == 0) {
            if (c == C_SEND)
                return textline_fail(msg, msg_len, "%s:%zu: send_s: missing", path, lineno);
            continue;   /* optional, or a failed request's latency */
        }
        if (c == C_COLD) {
            if ((l == 1 && f[0] == '1') || (l == 4 && memcmp(f, "true", 4) == 0))
                q->cold = 1;
            else if ((l == 1 && f[0] == '0') || (l == 5 && memcmp(f, "false", 5) == 0))
                q->cold = 0;
            else
                return textline_fail(msg, msg_len, "%s:%zu: cold: must be 0 or 1 (got '%.*s%s')", path, lineno,
                            quote_len(l), f, ellipsis(l));
            continue;
        }
        if (client_number(path, lineno, c, f, l, &v, msg, msg_len) != 0)
            return -1;
        switch (c) {
        case C_SEND: q->send_s = v; break;
        case C_LATENCY: q->latency_ms = v; break;
        case C_INVOKE: q->invoke_ms = v; break;
        case C_BATCH_ID:
        case C_BATCH_SIZE:
            if (floor(v) != v || v > 9e15 || (c == C_BATCH_SIZE && (v < 1 || v > 1e6)))
                return textline_fail(msg, msg_len, "%s:%zu: %s: must be a whole number%s (got %.*s)", path,
                            lineno, col_names[c], c == C_BATCH_SIZE ? " >= 1" : "", quote_len(l), f);
            if (c == C_BATCH_ID)
                q->batch_id = (int64_t)v;
            else
                q->batch_size = (int)v;
            break;
        default: break;
        }
    }
    if (q->ok && h->col[C_LATENCY] >= 0 && fl[h->col[C_LATENCY]] == 0)
        return textline_fail(msg, msg_len, "%s:%zu: latency_ms: missing for a request with status ok", path, lineno);
    return 0;
}

void lambdalog_client_init(struct lambdalog_client *c)
{
    memset(c, 0, sizeof *c);
}

void lambdalog_client_fini(struct lambdalog_client *c)
{
    if (c == NULL)
        return;
    free(c->req);
    for (size_t i = 0; i < c->n_files; i++)
        free(c->files[i]);
    free(c->files);
    memset(c, 0, sizeof *c);
}

/* The first line that is not blank or a comment, trimmed: 1; 0 if none;
 * TEXTLINE_TOO_LONG for a line too long to read. */
static int first_content_line(FILE *f, char **line, size_t *cap, size_t *lineno, const char **s,
                              size_t *sl)
{
    ssize_t got = 0;
    while ((got = textline_read(line, cap, f)) >= 0) {
        (*lineno)++;
        *s = *line;
        *sl = (size_t)got;
        while (*sl > 0 && ((*s)[*sl - 1] == '\n' || (*s)[*sl - 1] == '\r'))
            (*sl)--;
        if (*lineno == 1 && *sl >= 3 && memcmp(*s, "\xEF\xBB\xBF", 3) == 0) {
            *s += 3;
            *sl -= 3;
        }
        while (*sl > 0 && is_blank(**s)) {
            (*s)++;
            (*sl)--;
        }
        if (*sl > 0 && (*s)[0] != '#')
            return 1;
    }
    return got == TEXTLINE_TOO_LONG ? (int)TEXTLINE_TOO_LONG : 0;
}

bool lambdalog_is_client_log(const char *path)
{
    FILE *f = infile_open(path, "log", NULL, 0);
    if (f == NULL)
        return false;
    char *line = NULL;
    size_t cap = 0, lineno = 0, sl = 0;
    const char *s = NULL;
    bool yes = false;
    if (first_content_line(f, &line, &cap, &lineno, &s, &sl) == 1) {
        const char *fs[CLIENT_MAX_COLS];
        size_t fl[CLIENT_MAX_COLS];
        size_t n = csv_split(s, sl, fs, fl, CLIENT_MAX_COLS);
        for (size_t i = 0; i < n && i < CLIENT_MAX_COLS; i++)
            yes |= fl[i] == 6 && memcmp(fs[i], "send_s", 6) == 0;
    }
    free(line);
    fclose(f);
    return yes;
}

int lambdalog_client_read(struct lambdalog_client *c, const char *path, char *msg, size_t msg_len)
{
    char *line = NULL;
    size_t cap = 0, lineno = 0, sl = 0, start_n = c->n;
    const char *s = NULL;
    struct client_header h;
    int rc = -1;
    ssize_t got = 0;
    FILE *f = infile_open(path, "log", msg, msg_len);
    if (f == NULL)
        return -1;
    const char *file = register_file(&c->files, &c->n_files, path);
    int head = first_content_line(f, &line, &cap, &lineno, &s, &sl);
    if (head == (int)TEXTLINE_TOO_LONG) {
        textline_fail(msg, msg_len, "%s:%zu: line longer than %zu MB (not a client log?)", file, lineno + 1,
             TEXTLINE_MAX >> 20);
        goto out;
    }
    if (head != 1) {
        textline_fail(msg, msg_len, "%s: empty (a client log starts with a header: send_s,latency_ms,...)", file);
        goto out;
    }
    if (memchr(s, '\0', sl) != NULL) {
        textline_fail(msg, msg_len, "%s:%zu: NUL byte in the line (not a text file?)", file, lineno);
        goto out;
    }
    if (client_header(file, lineno, s, sl, &h, msg, msg_len) != 0)
        goto out;
    while ((got = textline_read(&line, &cap, f)) >= 0) {
        s = line;
        sl = (size_t)got;
        lineno++;
        if (memchr(s, '\0', sl) != NULL) {
            textline_fail(msg, msg_len, "%s:%zu: NUL byte in the line (not a text file?)", file, lineno);
            goto out;
        }
        while (sl > 0 && (s[sl - 1] == '\n' || s[sl - 1] == '\r'))
            sl--;
        while (sl > 0 && is_blank(*s)) {
            s++;
            sl--;
        }
        if (sl == 0 || s[0] == '#')
            continue;
        c->req = xgrow(c->req, &c->cap, c->n + 1, sizeof *c->req);
        if (client_row(file, lineno, s, sl, &h, &c->req[c->n], msg, msg_len) != 0)
            goto out;
        c->req[c->n].file = file;
        c->n++;
    }
    if (got == TEXTLINE_TOO_LONG) {
        textline_fail(msg, msg_len, "%s:%zu: line longer than %zu MB (not a client log?)", file, lineno + 1,
             TEXTLINE_MAX >> 20);
        goto out;
    }
    if (ferror(f)) {
        io_error(msg, msg_len, file, errno);
        goto out;
    }
    if (c->n == start_n) {
        textline_fail(msg, msg_len, "%s: no requests (only a header)", file);
        goto out;
    }
    /* A column counts as present only when every file read has it. */
    bool first = c->n_files == 1;
    c->has_cold = (first || c->has_cold) && h.col[C_COLD] >= 0;
    c->has_batch_size = (first || c->has_batch_size) && h.col[C_BATCH_SIZE] >= 0;
    c->has_request_id = (first || c->has_request_id) && h.col[C_REQUEST_ID] >= 0;
    c->has_invoke = (first || c->has_invoke) && h.col[C_INVOKE] >= 0;
    rc = 0;
out:
    if (rc != 0)
        c->n = start_n;
    free(line);
    fclose(f);
    return rc;
}

double lambdalog_replay_shift(const struct lambdalog_client *c, double start_s)
{
    double lo = INFINITY, hi = -INFINITY;
    for (size_t i = 0; i < c->n; i++) {
        double t = c->req[i].send_s;
        lo = t < lo ? t : lo;
        hi = t > hi ? t : hi;
    }
    if (c->n == 0 || (lo >= 0 && hi < LAMBDALOG_SCENARIO_CLOCK_MAX_S))
        return 0;
    return lo - start_s;
}
