/* config_json: one JSON file read, checked and parsed (see config_json.h). */
#include "formats/config_json.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "base/infile.h"
#include "base/textline.h"
#include "base/xalloc.h"

#define SNIPPET 20 /* bytes of context quoted for malformed JSON */

void config_json_vmsg(char *msg, size_t len, const char *file, const char *field, const char *fmt, va_list ap)
{
    if (msg == NULL || len == 0)
        return;
    int n = field != NULL && field[0] != '\0' ? snprintf(msg, len, "%s: %s: ", file, field)
                                              : snprintf(msg, len, "%s: ", file);
    if (n >= 0 && (size_t)n < len)
        vsnprintf(msg + n, len - (size_t)n, fmt, ap);
    textline_sanitize(msg);
}

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

static int check_fail(size_t at, size_t *pos, char *why, size_t why_len, const char *what)
{
    if (pos != NULL)
        *pos = at;
    if (why != NULL && why_len > 0)
        snprintf(why, why_len, "%s", what);
    return -1;
}

int config_json_check(const char *text, size_t len, size_t *pos, char *why, size_t why_len)
{
    size_t depth = 0, bad_at = 0;
    bool in_str = false, bad_utf8 = false;
    char deep[80];
    snprintf(deep, sizeof deep, "objects and lists nested deeper than %d levels", CONFIG_JSON_DEPTH_MAX);
    for (size_t i = 0; i < len;) {
        unsigned char ch = (unsigned char)text[i];
        if (ch >= 0x80) {
            size_t n = textline_utf8_seq(text + i, len - i, NULL);
            if (n == 0 && !bad_utf8) {
                bad_utf8 = true;
                bad_at = i;
            }
            i += n == 0 ? 1 : n;
            continue;
        }
        if (in_str) {
            if (ch == '\\') {
                if (i + 5 < len && text[i + 1] == 'u' && memcmp(text + i + 2, "0000", 4) == 0)
                    return check_fail(i, pos, why, why_len,
                                      "\\u0000 (a NUL character) in a string");
                i += 2;
                continue;
            }
            if (ch == '"')
                in_str = false;
        } else if (ch == '"') {
            in_str = true;
        } else if (ch == '{' || ch == '[') {
            if (++depth > CONFIG_JSON_DEPTH_MAX)
                return check_fail(i, pos, why, why_len, deep);
        } else if ((ch == '}' || ch == ']') && depth > 0) {
            depth--;
        }
        i++;
    }
    if (bad_utf8) {
        check_fail(bad_at, pos, why, why_len, "not UTF-8 text (JSON files must be UTF-8)");
        return 1;
    }
    return 0;
}

/* Appends ".key" or "[i]" to path[cap] at *used (bounded). */
static void path_push(char *path, size_t cap, size_t *used, const cJSON *parent, const cJSON *it,
                      size_t index)
{
    if (*used >= cap)
        return;
    int n = cJSON_IsArray(parent) ? snprintf(path + *used, cap - *used, "[%zu]", index)
                                  : snprintf(path + *used, cap - *used, "%s%s", *used > 0 ? "." : "",
                                             it->string != NULL ? it->string : "");
    if (n > 0)
        *used = (size_t)n >= cap - *used ? cap - 1 : *used + (size_t)n;
}

/* Depth-first: the path of the first key or string value that is not
 * UTF-8. The tree is at most CONFIG_JSON_DEPTH_MAX deep (checked). */
static bool find_bad_string(const cJSON *node, char *path, size_t cap, size_t used)
{
    size_t index = 0;
    for (const cJSON *it = node->child; it != NULL; it = it->next, index++) {
        size_t u = used;
        path[used] = '\0';
        path_push(path, cap, &u, node, it, index);
        if (it->string != NULL && textline_utf8_check(it->string, strlen(it->string), false)
                                      != strlen(it->string))
            return true;
        if (cJSON_IsString(it) && textline_utf8_check(it->valuestring, strlen(it->valuestring), false)
                                      != strlen(it->valuestring))
            return true;
        if ((cJSON_IsObject(it) || cJSON_IsArray(it)) && find_bad_string(it, path, cap, u))
            return true;
    }
    path[used] = '\0';
    return false;
}

static void strerror_safe(int err, char *buf, size_t len)
{
    if (strerror_r(err, buf, len) != 0)
        snprintf(buf, len, "error %d", err);
}

static enum config_status read_text(const char *path, const char *what, const char *role, char **out,
                                    size_t *len, char *msg, size_t msg_len)
{
    char err[128];
    FILE *f = infile_open(path, role, msg, msg_len);
    if (f == NULL)
        return CONFIG_ERR_IO;
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

enum config_status config_json_read_file(const char *path, const char *what, const char *role, cJSON **root,
                                         char *msg, size_t msg_len)
{
    char *text = NULL;
    size_t len = 0;
    *root = NULL;
    enum config_status st = read_text(path, what, role, &text, &len, msg, msg_len);
    if (st != CONFIG_OK)
        return st;
    size_t start = len >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0 ? 3 : 0;
    size_t i = start;
    while (i < len && (unsigned char)text[i] <= ' ' && text[i] != '\0')
        i++;
    const char *nul = memchr(text, '\0', len);
    size_t bad = 0;
    char why[96];
    /* Run only on text worth scanning (not empty, no NUL byte). */
    int chk = i == len || memchr(text, '\0', len) != NULL
                  ? 0 : config_json_check(text + start, len - start, &bad, why, sizeof why);
    if (i == len) {
        st = fail_parse(path, text, len, i, 0, "the file is empty", msg, msg_len);
    } else if (nul != NULL) {
        st = fail_parse(path, text, len, i, (size_t)(nul - text), "NUL byte in the file", msg, msg_len);
    } else if (chk < 0) {
        st = fail_parse(path, text, len, i, start + bad, why, msg, msg_len);
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
            char field[256];
            if (pos < len) {
                cJSON_Delete(j);
                st = fail_parse(path, text, len, i, pos, NULL, msg, msg_len);
            } else if (chk > 0 && find_bad_string(j, field, sizeof field, 0)) {
                /* Strings are echoed (names in reports, --json): refused,
                 * with the field that holds the bad bytes. */
                cJSON_Delete(j);
                snprintf(msg, msg_len, "%s: %s: not UTF-8 text (JSON files must be UTF-8)", path, field);
                textline_sanitize(msg);
                st = CONFIG_ERR_INVALID;
            } else if (chk > 0) {
                cJSON_Delete(j);
                st = fail_parse(path, text, len, i, start + bad, why, msg, msg_len);
            } else {
                *root = j;
            }
        }
    }
    free(text);
    return st;
}
