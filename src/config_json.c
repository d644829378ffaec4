/* config_json: one JSON file read, checked and parsed (see config_json.h). */
#include "config_json.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "infile.h"
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

/* "PATH:LINE:COL: malformed JSON ..." for the byte at pos. */
static enum config_status fail_parse(const char *path, const char *text, size_t len, size_t pos,
                                     const char *why, char *msg, size_t msg_len)
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
    char near[SNIPPET + 1];
    size_t n = 0;
    while (n < SNIPPET && pos + n < len && text[pos + n] != '\n' && text[pos + n] != '\r') {
        unsigned char ch = (unsigned char)text[pos + n];
        near[n] = ch < 0x20 || ch == 0x7f ? '?' : (char)ch;
        n++;
    }
    /* Do not cut a UTF-8 sequence in half. */
    if (n == SNIPPET) {
        size_t k = n;
        while (k > 0 && ((unsigned char)near[k - 1] & 0xC0) == 0x80)
            k--;
        if (k > 0 && ((unsigned char)near[k - 1] & 0x80) != 0) {
            unsigned char lead = (unsigned char)near[k - 1];
            size_t need = lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : lead >= 0xC0 ? 2 : 1;
            if (n - (k - 1) < need)
                n = k - 1;
        }
    }
    near[n] = '\0';
    if (why != NULL)
        snprintf(msg, msg_len, "%s:%zu:%zu: malformed JSON: %s", path, line, col, why);
    else if (n == 0)
        snprintf(msg, msg_len, "%s:%zu:%zu: malformed JSON near the end of the file", path, line, col);
    else
        snprintf(msg, msg_len, "%s:%zu:%zu: malformed JSON near '%s'", path, line, col, near);
    /* One line, whatever the path holds. */
    for (char *p = msg; *p != '\0'; p++)
        if ((unsigned char)*p < 0x20 || *p == 0x7f)
            *p = '?';
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
    if (i == len) {
        st = fail_parse(path, text, len, 0, "the file is empty", msg, msg_len);
    } else if (nul != NULL) {
        st = fail_parse(path, text, len, (size_t)(nul - text), "NUL byte in the file", msg, msg_len);
    } else {
        const char *end = NULL;
        cJSON *j = cJSON_ParseWithLengthOpts(text + start, len - start, &end, 0);
        if (j == NULL) {
            st = fail_parse(path, text, len, end == NULL ? start : (size_t)(end - text), NULL, msg,
                            msg_len);
        } else {
            size_t pos = (size_t)(end - text);
            while (pos < len && (unsigned char)text[pos] <= ' ')
                pos++;
            if (pos < len) {
                cJSON_Delete(j);
                st = fail_parse(path, text, len, pos, NULL, msg, msg_len);
            } else {
                *root = j;
            }
        }
    }
    free(text);
    return st;
}
