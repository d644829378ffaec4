/* mnist-bootstrap: the MNIST classifier as a Lambda custom runtime. The
 * same executable runs on `lambdasim serve` and on AWS Lambda
 * (provided.al2023): it loads the CNN at init (the cold start), then asks
 * the Runtime API (AWS_LAMBDA_RUNTIME_API, with libcurl) for events and
 * classifies a batch per invocation.
 *
 * Event: a JSON array of images, each the base64 of 784 bytes (28 x 28
 * grey levels, row by row, as traces/mnist-digits-300.bin holds them);
 * or an object {"images": [...]} with that array. Response: a JSON array
 * of the labels, in order. A warm-up ping, {"source": "...warmup"} (as
 * serve and the warmer plugins send), is answered "warm" at once. It logs "batch_size=N" per invocation, which
 * `lambdasim calibrate` reads as the batch size. A malformed event is a
 * function error (errorType InvalidEvent); weights that cannot be loaded
 * are an init error (Runtime.InitError).
 *
 * Weights: $MNIST_WEIGHTS, else $LAMBDA_TASK_ROOT/mnist-cnn.bin. */
#include <cjson/cJSON.h>
#include <curl/curl.h>
#include <strings.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "real/mnist.h"

/* Decodes base64 text into out (room for cap bytes); the number of bytes,
 * or cap + 1 when there are more, or 0 on a bad character. */
static size_t digits_b64_decode(const char *in, uint8_t *out, size_t cap)
{
    static const char t[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    size_t o = 0;
    unsigned v = 0, bits = 0;
    for (const char *p = in; *p != '\0' && *p != '='; p++) {
        const char *at = strchr(t, *p);
        if (at == NULL)
            return 0;
        v = ((v << 6) | (unsigned)(at - t)) & 0xffffu;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            if (o == cap)
                return cap + 1;
            out[o++] = (uint8_t)((v >> bits) & 0xffu);
        }
    }
    return o;
}

struct buf {
    char *data;
    size_t len, cap;
};

static size_t on_body(char *p, size_t size, size_t n, void *ctx)
{
    struct buf *b = ctx;
    size_t add = size * n;
    if (b->len + add + 1 > b->cap) {
        size_t cap = (b->len + add + 1) * 2;
        char *d = realloc(b->data, cap);
        if (d == NULL)
            return 0;
        b->data = d;
        b->cap = cap;
    }
    memcpy(b->data + b->len, p, add);
    b->len += add;
    b->data[b->len] = '\0';
    return add;
}

static size_t on_header(char *p, size_t size, size_t n, void *ctx)
{
    char *id = ctx;
    size_t len = size * n;
    static const char key[] = "lambda-runtime-aws-request-id:";
    size_t kl = sizeof key - 1;
    if (len > kl && strncasecmp(p, key, kl) == 0) {
        size_t i = kl, j = 0;
        while (i < len && (p[i] == ' ' || p[i] == '\t'))
            i++;
        while (i < len && p[i] != '\r' && p[i] != '\n' && j < 127)
            id[j++] = p[i++];
        id[j] = '\0';
    }
    return len;
}

static int post(CURL *c, const char *url, const char *body, const char *error_type)
{
    struct curl_slist *h = NULL;
    if (error_type != NULL) {
        char line[200];
        snprintf(line, sizeof line, "Lambda-Runtime-Function-Error-Type: %s", error_type);
        h = curl_slist_append(h, line);
    }
    struct buf ignored = { 0 };
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
    curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, (long)strlen(body));
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &ignored);
    /* No header callback, and no header data either: with a data pointer
     * and no callback, libcurl fwrite()s the headers to it as a FILE *. */
    curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, NULL);
    curl_easy_setopt(c, CURLOPT_HEADERDATA, NULL);
    CURLcode r = curl_easy_perform(c);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, NULL);
    curl_slist_free_all(h);
    free(ignored.data);
    return r == CURLE_OK ? 0 : -1;
}

/* A JSON error body {"errorMessage": m, "errorType": t}; caller frees. */
static char *error_json(const char *type, const char *message)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "errorMessage", message);
    cJSON_AddStringToObject(o, "errorType", type);
    char *s = cJSON_PrintUnformatted(o);
    cJSON_Delete(o);
    return s;
}

/* Classifies the event's images; the response JSON (caller frees), or
 * NULL with the problem in why. */
static char *classify(struct mnist_net *net, const char *event, char *why, size_t why_len)
{
    cJSON *root = cJSON_Parse(event);
    const cJSON *arr = root;
    /* A warm-up ping ({"source": "...warmup"}, as warmer plugins and
     * `lambdasim serve` send): answered at once, no batch. */
    const cJSON *src = cJSON_IsObject(root) ? cJSON_GetObjectItemCaseSensitive(root, "source") : NULL;
    if (src != NULL && cJSON_IsString(src) && src->valuestring != NULL && strlen(src->valuestring) >= 6
        && strcmp(src->valuestring + strlen(src->valuestring) - 6, "warmup") == 0) {
        cJSON_Delete(root);
        printf("warm-up ping\n");
        fflush(stdout);
        return strdup("\"warm\"");
    }
    if (cJSON_IsObject(root))
        arr = cJSON_GetObjectItemCaseSensitive(root, "images");
    if (!cJSON_IsArray(arr)) {
        snprintf(why, why_len, "the event must be a JSON array of base64 images, or {\"images\": [...]}");
        cJSON_Delete(root);
        return NULL;
    }
    size_t n = (size_t)cJSON_GetArraySize(arr);
    uint8_t *pixels = malloc(n * MNIST_PIXELS + 1);
    uint8_t *labels = malloc(n + 1);
    char *out = NULL;
    size_t i = 0;
    const cJSON *item;
    cJSON_ArrayForEach(item, arr) {
        if (!cJSON_IsString(item) || digits_b64_decode(item->valuestring, pixels + i * MNIST_PIXELS,
                                                       MNIST_PIXELS) != MNIST_PIXELS) {
            snprintf(why, why_len, "image %zu is not the base64 of %d bytes", i, MNIST_PIXELS);
            goto done;
        }
        i++;
    }
    if (n > 0)
        mnist_infer_batch(net, pixels, n, labels, NULL);
    cJSON *res = cJSON_CreateArray();
    for (size_t k = 0; k < n; k++)
        cJSON_AddItemToArray(res, cJSON_CreateNumber(labels[k]));
    out = cJSON_PrintUnformatted(res);
    cJSON_Delete(res);
    printf("batch_size=%zu\n", n);
    fflush(stdout);
done:
    free(pixels);
    free(labels);
    cJSON_Delete(root);
    return out;
}

int main(void)
{
    const char *api = getenv("AWS_LAMBDA_RUNTIME_API");
    if (api == NULL) {
        fprintf(stderr, "mnist-bootstrap: AWS_LAMBDA_RUNTIME_API is not set: run me as a Lambda custom runtime\n");
        return 2;
    }
    char base[512], weights[1024], url[768];
    snprintf(base, sizeof base, "http://%s/2018-06-01/runtime", api);
    const char *w = getenv("MNIST_WEIGHTS");
    const char *root = getenv("LAMBDA_TASK_ROOT");
    if (w != NULL)
        snprintf(weights, sizeof weights, "%s", w);
    else
        snprintf(weights, sizeof weights, "%s/mnist-cnn.bin", root != NULL ? root : ".");
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != 0)
        return 1;
    CURL *c = curl_easy_init();
    if (c == NULL)
        return 1;
    struct mnist_net *net = NULL;
    char msg[MNIST_MSG_MAX];
    if (mnist_load(weights, &net, msg, sizeof msg) != MNIST_OK) {
        fprintf(stderr, "mnist-bootstrap: %s\n", msg);
        char *e = error_json("Runtime.InitError", msg);
        snprintf(url, sizeof url, "%s/init/error", base);
        post(c, url, e, "Runtime.InitError");
        free(e);
        return 1;
    }
    fprintf(stderr, "mnist-bootstrap: loaded %s\n", weights);
    for (;;) {
        char id[128] = "";
        struct buf event = { 0 };
        snprintf(url, sizeof url, "%s/invocation/next", base);
        curl_easy_setopt(c, CURLOPT_URL, url);
        curl_easy_setopt(c, CURLOPT_HTTPGET, 1L);
        curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
        curl_easy_setopt(c, CURLOPT_WRITEDATA, &event);
        curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
        curl_easy_setopt(c, CURLOPT_HEADERDATA, id);
        if (curl_easy_perform(c) != CURLE_OK || id[0] == '\0') {
            fprintf(stderr, "mnist-bootstrap: the Runtime API at %s did not give an invocation\n", api);
            free(event.data);
            return 1;
        }
        char why[200];
        char *resp = classify(net, event.data != NULL ? event.data : "", why, sizeof why);
        free(event.data);
        if (resp != NULL) {
            snprintf(url, sizeof url, "%s/invocation/%s/response", base, id);
            post(c, url, resp, NULL);
        } else {
            char *e = error_json("InvalidEvent", why);
            snprintf(url, sizeof url, "%s/invocation/%s/error", base, id);
            post(c, url, e, "InvalidEvent");
            free(e);
        }
        free(resp);
    }
}
