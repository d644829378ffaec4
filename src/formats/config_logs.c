/* config_logs: parses one JSON log record (Lambda's platform.* events and
 * JSON function output) for lambdalog.c. Part of module config, the only
 * cJSON user: the tree never leaves this file. */
#include "formats/config_json.h"
#include "formats/config.h"
#include "formats/lambdalog.h"

#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cjson/cJSON.h>
#include <zlib.h>
#include "base/base64.h"
#include "base/infile.h"
#include "base/textline.h"
#include "base/xalloc.h"

/* AWS's documented platform.report sample ends its record object with a
 * trailing comma; JSON does not allow one. Copy the text without commas
 * that are followed (after blanks) by '}' or ']', outside strings. The
 * copy has the same length (the comma becomes a blank), so error offsets
 * still point into the original. */
static char *drop_trailing_commas(const char *text, size_t len)
{
    char *out = xmalloc(len + 1);
    memcpy(out, text, len);
    out[len] = '\0';
    bool in_str = false;
    for (size_t i = 0; i < len; i++) {
        char ch = out[i];
        if (in_str) {
            if (ch == '\\')
                i++;
            else if (ch == '"')
                in_str = false;
            continue;
        }
        if (ch == '"') {
            in_str = true;
        } else if (ch == ',') {
            size_t j = i + 1;
            while (j < len && (out[j] == ' ' || out[j] == '\t' || out[j] == '\n' || out[j] == '\r'))
                j++;
            if (j < len && (out[j] == '}' || out[j] == ']'))
                out[i] = ' ';
        }
    }
    return out;
}

static int get_string(const cJSON *obj, const char *key, const char *where, char *out, size_t cap,
                      bool required, char *why, size_t why_len)
{
    const cJSON *it = cJSON_GetObjectItemCaseSensitive(obj, key);
    if (it == NULL) {
        if (required)
            return textline_fail(why, why_len, "%s%s: required field is missing (truncated record?)", where, key);
        out[0] = '\0';
        return 0;
    }
    if (!cJSON_IsString(it))
        return textline_fail(why, why_len, "%s%s: must be a string (got %s)", where, key, config_json_type_name(it));
    if (strlen(it->valuestring) >= cap)
        return textline_fail(why, why_len, "%s%s: longer than %zu characters", where, key, cap - 1);
    memcpy(out, it->valuestring, strlen(it->valuestring) + 1);
    return 0;
}

/* A metric in metrics: a finite number >= 0 (whole when integer). Absent
 * optional metrics leave *out untouched and return 0. */
static int get_metric(const cJSON *m, const char *key, bool required, bool integer, double *out,
                      char *why, size_t why_len)
{
    const char *where = "platform.report: record.metrics.";
    const cJSON *it = cJSON_GetObjectItemCaseSensitive(m, key);
    if (it == NULL) {
        if (required)
            return textline_fail(why, why_len, "%s%s: required field is missing (truncated record?)", where, key);
        return 0;
    }
    if (!cJSON_IsNumber(it))
        return textline_fail(why, why_len, "%s%s: must be a number (got %s)", where, key, config_json_type_name(it));
    double v = it->valuedouble;
    if (!isfinite(v) || v < 0)
        return textline_fail(why, why_len, "%s%s: must be a finite number >= 0 (got %g)", where, key, v);
    if (integer && (floor(v) != v || v > 1e6))
        return textline_fail(why, why_len, "%s%s: must be a whole number (got %g)", where, key, v);
    *out = v;
    return 0;
}

static int parse_report(const cJSON *rec, struct lambdalog_record *out, char *why, size_t why_len)
{
    struct lambdalog_invocation *inv = &out->inv;
    if (!cJSON_IsObject(rec))
        return textline_fail(why, why_len, "platform.report: record: must be an object (got %s)",
                    rec == NULL ? "nothing" : config_json_type_name(rec));
    if (get_string(rec, "requestId", "platform.report: record.", inv->request_id,
                   sizeof inv->request_id, true, why, why_len) != 0)
        return -1;
    const cJSON *m = cJSON_GetObjectItemCaseSensitive(rec, "metrics");
    if (m == NULL)
        return textline_fail(why, why_len, "platform.report: record.metrics: required field is missing "
                    "(truncated record?)");
    if (!cJSON_IsObject(m))
        return textline_fail(why, why_len, "platform.report: record.metrics: must be an object (got %s)",
                    config_json_type_name(m));
    double mem = 0, maxmem = 0;
    inv->init_ms = NAN;
    inv->restore_ms = NAN;
    inv->billed_ms = NAN;
    /* A Lambda Managed Instances report has durationMs alone: billing is
     * per instance and many invocations share an environment's memory, so
     * none of billedDurationMs, memorySizeMB, maxMemoryUsedMB is written.
     * Only when all three are absent is that the form; one or two missing
     * is still a truncated record. Memory Size is then 0 (not reported). */
    bool managed = cJSON_GetObjectItemCaseSensitive(m, "billedDurationMs") == NULL
                   && cJSON_GetObjectItemCaseSensitive(m, "memorySizeMB") == NULL
                   && cJSON_GetObjectItemCaseSensitive(m, "maxMemoryUsedMB") == NULL;
    if (get_metric(m, "durationMs", true, false, &inv->duration_ms, why, why_len) != 0
        || get_metric(m, "billedDurationMs", !managed, false, &inv->billed_ms, why, why_len) != 0
        || get_metric(m, "memorySizeMB", !managed, true, &mem, why, why_len) != 0
        || get_metric(m, "maxMemoryUsedMB", !managed, true, &maxmem, why, why_len) != 0
        || get_metric(m, "initDurationMs", false, false, &inv->init_ms, why, why_len) != 0
        || get_metric(m, "restoreDurationMs", false, false, &inv->restore_ms, why, why_len) != 0)
        return -1;
    inv->memory_mb = (int)mem;
    inv->max_memory_mb = (int)maxmem;
    char status[32];
    if (get_string(rec, "status", "platform.report: record.", status, sizeof status, false, why,
                   why_len) != 0)
        return -1;
    inv->timed_out = strcmp(status, "timeout") == 0;
    inv->errored = strcmp(status, "error") == 0 || strcmp(status, "failure") == 0;
    out->kind = LAMBDALOG_REC_REPORT;
    return 0;
}

int config_log_json_record(const char *text, size_t len, struct lambdalog_record *out,
                           size_t *err_offset, char *why, size_t why_len)
{
    char *copy = drop_trailing_commas(text, len);
    const char *end = NULL;
    cJSON *j = NULL;
    int rc = -1;
    memset(out, 0, sizeof *out);
    *err_offset = 0;
    size_t bad = 0;
    char what[96];
    if (config_json_check(copy, len, &bad, what, sizeof what) < 0) {
        *err_offset = bad;
        textline_fail(why, why_len, "malformed JSON record: %s", what);
        goto out;
    }
    j = cJSON_ParseWithLengthOpts(copy, len, &end, 0);
    if (j == NULL) {
        size_t pos = end == NULL ? 0 : (size_t)(end - copy);
        *err_offset = pos;
        size_t n = 0;
        while (n < 20 && pos + n < len && copy[pos + n] != '\n' && copy[pos + n] != '\r')
            n++;
        char ex[4 * TEXTLINE_EXCERPT_MAX + 8];
        if (n == 0)
            textline_fail(why, why_len, "malformed JSON record (truncated?)");
        else
            textline_fail(why, why_len, "malformed JSON record near '%s'", textline_excerpt(ex, sizeof ex, copy + pos, n));
        goto out;
    }
    if (!cJSON_IsObject(j)) {
        textline_fail(why, why_len, "a JSON record must be an object {...} (got %s)", config_json_type_name(j));
        goto out;
    }
    const cJSON *type = cJSON_GetObjectItemCaseSensitive(j, "type");
    const cJSON *rec = cJSON_GetObjectItemCaseSensitive(j, "record");
    if (type != NULL && !cJSON_IsString(type)) {
        textline_fail(why, why_len, "type: must be a string (got %s)", config_json_type_name(type));
        goto out;
    }
    const char *t = type != NULL ? type->valuestring : NULL;
    if (t != NULL && strcmp(t, "platform.report") == 0) {
        rc = parse_report(rec, out, why, why_len);
        goto out;
    }
    if (t != NULL && strcmp(t, "platform.start") == 0) {
        if (!cJSON_IsObject(rec)) {
            textline_fail(why, why_len, "platform.start: record: must be an object (got %s)",
                 rec == NULL ? "nothing" : config_json_type_name(rec));
            goto out;
        }
        if (get_string(rec, "requestId", "platform.start: record.", out->request_id,
                       sizeof out->request_id, true, why, why_len) != 0
            || get_string(rec, "version", "platform.start: record.", out->version,
                          sizeof out->version, false, why, why_len) != 0)
            goto out;
        out->kind = LAMBDALOG_REC_START;
        rc = 0;
        goto out;
    }
    if (t != NULL && strncmp(t, "platform.", 9) == 0) {
        out->kind = LAMBDALOG_REC_OTHER;
        rc = 0;
        goto out;
    }
    /* Function output: a Telemetry API "function" event (record is the
     * text), or a JSON application log line (message, requestId). */
    const cJSON *message = cJSON_GetObjectItemCaseSensitive(j, "message");
    const cJSON *text_item = cJSON_IsString(rec) ? rec : cJSON_IsString(message) ? message : NULL;
    out->kind = LAMBDALOG_REC_FUNCTION;
    if (text_item != NULL)
        snprintf(out->message, sizeof out->message, "%s", text_item->valuestring);
    const cJSON *rid = cJSON_GetObjectItemCaseSensitive(j, "requestId");
    if (cJSON_IsString(rid) && strlen(rid->valuestring) < sizeof out->request_id)
        memcpy(out->request_id, rid->valuestring, strlen(rid->valuestring) + 1);
    rc = 0;
out:
    cJSON_Delete(j);
    free(copy);
    return rc;
}

/* ---- envelopes: the CloudWatch Logs API's and subscriptions' wrappers ---- */


/* Inflates gzip data (a subscription payload is gzip-compressed) into a
 * new NUL-terminated buffer of at most max bytes. NULL with why on error. */
static char *gunzip(const unsigned char *in, size_t len, size_t max, size_t *out_len, char *why, size_t why_len)
{
    z_stream z;
    memset(&z, 0, sizeof z);
    if (inflateInit2(&z, 16 + MAX_WBITS) != Z_OK) {
        snprintf(why, why_len, "awslogs.data: cannot start gzip decompression");
        return NULL;
    }
    size_t cap = len * 4 + 1024, n = 0;
    char *out = xmalloc(cap + 1);
    z.next_in = (unsigned char *)(uintptr_t)in;
    z.avail_in = (uInt)len;
    int rc;
    do {
        if (n == cap) {
            if (cap >= max) {
                inflateEnd(&z);
                free(out);
                snprintf(why, why_len, "awslogs.data: decompresses to more than %zu MB", max >> 20);
                return NULL;
            }
            cap = cap * 2 > max ? max : cap * 2;
            out = xrealloc(out, cap + 1);
        }
        z.next_out = (unsigned char *)out + n;
        z.avail_out = (uInt)(cap - n);
        rc = inflate(&z, Z_NO_FLUSH);
        n = cap - z.avail_out;
    } while (rc == Z_OK);
    inflateEnd(&z);
    if (rc != Z_STREAM_END) {
        free(out);
        snprintf(why, why_len, "awslogs.data: not valid gzip data (%s)", rc == Z_BUF_ERROR ? "truncated" : "corrupt");
        return NULL;
    }
    out[n] = '\0';
    *out_len = n;
    return out;
}

static int envelope_value(const cJSON *root, config_log_event_fn *fn, void *ctx, size_t *event, int depth,
                          char *why, size_t why_len);

/* {"awslogs": {"data": "..."}}: decode, inflate, and read what is inside. */
static int envelope_awslogs(const cJSON *aws, config_log_event_fn *fn, void *ctx, size_t *event, int depth,
                            char *why, size_t why_len)
{
    const cJSON *data = cJSON_IsObject(aws) ? cJSON_GetObjectItemCaseSensitive(aws, "data") : NULL;
    const char *b64 = cJSON_GetStringValue(data);
    if (b64 == NULL) {
        snprintf(why, why_len, "awslogs.data: %s", data == NULL ? "required field is missing" : "must be a string");
        return -1;
    }
    size_t len = strlen(b64);
    unsigned char *raw = xmalloc(len / 4 * 3 + 3);
    size_t n = base64_decode(b64, len, raw);
    if (n == (size_t)-1) {
        free(raw);
        snprintf(why, why_len, "awslogs.data: not base64");
        return -1;
    }
    size_t text_len = 0;
    char *text = gunzip(raw, n, INFILE_STREAM_MAX, &text_len, why, why_len);
    free(raw);
    if (text == NULL)
        return -1;
    cJSON *inner = cJSON_ParseWithLength(text, text_len);
    int rc;
    if (inner == NULL) {
        snprintf(why, why_len, "awslogs.data: the decompressed payload is not JSON");
        rc = -1;
    } else {
        rc = envelope_value(inner, fn, ctx, event, depth + 1, why, why_len);
        if (rc == 0) {
            snprintf(why, why_len, "awslogs.data: the decompressed payload has no logEvents");
            rc = -1;
        }
    }
    cJSON_Delete(inner);
    free(text);
    return rc;
}

/* One envelope object: 1 read, 0 not an envelope, -1 error. */
static int envelope_value(const cJSON *root, config_log_event_fn *fn, void *ctx, size_t *event, int depth,
                          char *why, size_t why_len)
{
    if (!cJSON_IsObject(root) || depth > 2)
        return 0;
    const cJSON *aws = cJSON_GetObjectItemCaseSensitive(root, "awslogs");
    if (aws != NULL)
        return envelope_awslogs(aws, fn, ctx, event, depth, why, why_len) < 0 ? -1 : 1;
    const char *key = "logEvents";
    const cJSON *events = cJSON_GetObjectItemCaseSensitive(root, key);
    if (events == NULL) {
        key = "events";
        events = cJSON_GetObjectItemCaseSensitive(root, key);
    }
    if (events == NULL) {
        /* A subscription's CONTROL_MESSAGE carries no events. */
        const cJSON *type = cJSON_GetObjectItemCaseSensitive(root, "messageType");
        return cJSON_IsString(type) && strcmp(type->valuestring, "CONTROL_MESSAGE") == 0 ? 1 : 0;
    }
    if (!cJSON_IsArray(events)) {
        snprintf(why, why_len, "%s: must be an array (got %s)", key, config_json_type_name(events));
        return -1;
    }
    size_t i = 0;
    for (const cJSON *e = events->child; e != NULL; e = e->next, i++) {
        const cJSON *m = cJSON_IsObject(e) ? cJSON_GetObjectItemCaseSensitive(e, "message") : NULL;
        if (!cJSON_IsObject(e)) {
            snprintf(why, why_len, "%s[%zu]: must be an object (got %s)", key, i, config_json_type_name(e));
            return -1;
        }
        const char *text = cJSON_GetStringValue(m);
        if (text == NULL) {
            snprintf(why, why_len, "%s[%zu].message: %s", key, i,
                     m == NULL ? "required field is missing" : "must be a string");
            return -1;
        }
        (*event)++;
        if (fn(ctx, text, strlen(text), *event) != 0)
            return -1;
    }
    return 1;
}

int config_log_envelope(const char *text, size_t len, config_log_event_fn *fn, void *ctx, char *why,
                        size_t why_len)
{
    size_t pos = 0, event = 0;
    bool any = false;
    for (;;) {
        while (pos < len && (text[pos] == ' ' || text[pos] == '\t' || text[pos] == '\n' || text[pos] == '\r'))
            pos++;
        if (pos >= len)
            return any ? 1 : 0;
        const char *end = NULL;
        cJSON *root = cJSON_ParseWithLengthOpts(text + pos, len - pos, &end, false);
        if (root == NULL) {
            if (!any)
                return 0;
            snprintf(why, why_len, "byte %zu: not valid JSON after the envelope that ends at byte %zu",
                     (size_t)(end != NULL && end >= text ? end - text : (ptrdiff_t)pos) + 1, pos);
            return -1;
        }
        int rc = envelope_value(root, fn, ctx, &event, 0, why, why_len);
        cJSON_Delete(root);
        if (rc <= 0) {
            if (rc == 0 && any) {
                snprintf(why, why_len, "byte %zu: a JSON value that is not a log envelope after one that is",
                         pos + 1);
                return -1;
            }
            return rc;
        }
        any = true;
        pos = (size_t)(end - text);
    }
}
