/* config_json: one JSON file read, checked and parsed (see config_json.h). */
#include "config_json.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "textline.h"
#include "xalloc.h"

#define SNIPPET 20 /* bytes of context quoted for malformed JSON */

const char *config_json_type_name(const cJSON *it)
{
    if (cJSON_IsNull(it))
        return "null";
    if (cJSON_IsBool(it))
        return "boolean";
    if (cJSON_IsNumber(it))
        return "number";
    if (cJSON_IsString(it))
        return "string";
    if (cJSON_IsArray(it))
        return "array";
    if (cJSON_IsObject(it))
        return "object";
    return "invalid value";
}

bool config_json_too_deep(const char *text, size_t len, size_t *pos)
{
    size_t depth = 0;
    bool in_str = false;
    for (size_t i = 0; i < len; i++) {
        char ch = text[i];
        if (in_str) {
            if (ch == '\\')
                i++;
            else if (ch == '"')
                in_str = false;
        } else if (ch == '"') {
            in_str = true;
        } else if (ch == '{' || ch == '[') {
            if (++depth > CONFIG_JSON_DEPTH_MAX) {
                if (pos != NULL)
                    *pos = i;
                return true;
            }
        } else if ((ch == '}' || ch == ']') && depth > 0) {
            depth--;
        }
    }
    return false;
}

static void strerror_safe(int err, char *buf, size_t len)
{
    if (strerror_r(err, buf, len) != 0)
        snprintf(buf, len, "error %d", err);
}

static enum config_status read_text(const char *path, const char *what, char **out, size_t *len,
                                    char *msg, size_t msg_len)
{
    char err[128];
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        strerror_safe(errno, err, sizeof err);
        snprintf(msg, msg_len, "%s: cannot read: %s", path, err);
        return CONFIG_ERR_IO;
    }
    size_t cap = 0, n = 0;
    char *buf = NULL;
    for (;;) {
        buf = xgrow(buf, &cap, n + 4096 + 1, 1);
        size_t got = fread(buf + n, 1, cap - n - 1, f);
        n += got;
        if (got == 0)
            break;
        /* A bound, so that /dev/zero or a huge wrong file cannot take all
         * memory. */
        if (n > CONFIG_FILE_MAX) {
            fclose(f);
            free(buf);
            snprintf(msg, msg_len, "%s: larger than %zu MB: not a %s file", path, CONFIG_FILE_MAX >> 20,
                     what);
            return CONFIG_ERR_IO;
        }
    }
    if (ferror(f)) {
        int e = errno;
        fclose(f);
        free(buf);
        strerror_safe(e, err, sizeof err);
        snprintf(msg, msg_len, "%s: cannot read: %s", path, err);
        return CONFIG_ERR_IO;
    }
    fclose(f);
    buf[n] = '\0';
    *out = buf;
    *len = n;
    return CONFIG_OK;
}

/* Bytes of context quoted for malformed JSON, and how far into the text
 * (or past its first line) an error must be for the file to count as
 * JSON: only then is anything of it quoted. A file that is not the
 * user's JSON (--set function.model=/etc/shadow) gets its position and
 * first byte, never its content. */
#define TRUST_AFTER 16

/* "PATH:LINE:COL: malformed JSON ..." for the byte at pos; `first` is the
 * offset of the first non-blank byte. */
static enum config_status fail_parse(const char *path, const char *text, size_t len, size_t first,
                                     size_t pos, const char *why, char *msg, size_t msg_len)
{
    size_t line = 1, col = 1;
    if (pos > len)
        pos = len;
    for (size_t i = 0; i < pos; i++) {
        if (text[i] == '\n') {
            line++;
            col = 1;
        } else {
            col++;
        }
    }
    size_t n = 0;
    while (n < SNIPPET && pos + n < len && text[pos + n] != '\n' && text[pos + n] != '\r')
        n++;
    /* Do not cut a UTF-8 sequence in half. */
    if (n == SNIPPET && pos + n < len) {
        size_t k = n;
        while (k > 0 && ((unsigned char)text[pos + k] & 0xC0) == 0x80)
            k--;
        n = k;
    }
    char near[4 * TEXTLINE_EXCERPT_MAX + 8];
    textline_excerpt(near, sizeof near, text + pos, n);
    bool looks_json = first < len && (text[first] == '{' || text[first] == '[');
    bool trusted = looks_json && (line > 1 || pos - first >= TRUST_AFTER);
    if (why != NULL)
        snprintf(msg, msg_len, "%s:%zu:%zu: malformed JSON: %s", path, line, col, why);
    else if (!looks_json)
        snprintf(msg, msg_len, "%s:%zu:%zu: malformed JSON: not a JSON file (it starts with byte 0x%02X, "
                 "not '{')", path, line, col, (unsigned char)text[first]);
    else if (n == 0 && pos >= len)
        snprintf(msg, msg_len, "%s:%zu:%zu: malformed JSON near the end of the file", path, line, col);
    else if (!trusted)
        snprintf(msg, msg_len, "%s:%zu:%zu: malformed JSON", path, line, col);
    else
        snprintf(msg, msg_len, "%s:%zu:%zu: malformed JSON near '%s'", path, line, col, near);
    /* One line of valid UTF-8, whatever the path holds. */
    textline_sanitize(msg);
    return CONFIG_ERR_PARSE;
}

enum config_status config_json_read_file(const char *path, const char *what, cJSON **root, char *msg,
                                         size_t msg_len)
{
    char *text = NULL;
    size_t len = 0;
    *root = NULL;
    enum config_status st = read_text(path, what, &text, &len, msg, msg_len);
    if (st != CONFIG_OK)
        return st;
    size_t start = len >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0 ? 3 : 0;
    size_t i = start;
    while (i < len && (unsigned char)text[i] <= ' ' && text[i] != '\0')
        i++;
    const char *nul = memchr(text, '\0', len);
    size_t deep = 0;
    if (i == len) {
        st = fail_parse(path, text, len, i, 0, "the file is empty", msg, msg_len);
    } else if (nul != NULL) {
        st = fail_parse(path, text, len, i, (size_t)(nul - text), "NUL byte in the file", msg, msg_len);
    } else if (config_json_too_deep(text + start, len - start, &deep)) {
        char why[80];
        snprintf(why, sizeof why, "objects and lists nested deeper than %d levels",
                 CONFIG_JSON_DEPTH_MAX);
        st = fail_parse(path, text, len, i, start + deep, why, msg, msg_len);
    } else {
        const char *end = NULL;
        cJSON *j = cJSON_ParseWithLengthOpts(text + start, len - start, &end, 0);
        if (j == NULL) {
            st = fail_parse(path, text, len, i, end == NULL ? start : (size_t)(end - text), NULL, msg,
                            msg_len);
        } else {
            size_t pos = (size_t)(end - text);
            while (pos < len && (unsigned char)text[pos] <= ' ')
                pos++;
            if (pos < len) {
                cJSON_Delete(j);
                st = fail_parse(path, text, len, i, pos, NULL, msg, msg_len);
            } else {
                *root = j;
            }
        }
    }
    free(text);
    return st;
}
