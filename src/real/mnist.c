/* mnist: the digit classifier's weight and digits files and its batched
 * forward pass (see mnist.h for the formats). */
#include "real/mnist.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/common.h"
#include "base/infile.h"
#include "base/outfile.h"
#include "base/xalloc.h"

/* Bounds that keep a corrupt header from asking for absurd allocations; the
 * shipped network has about 6,000 parameters. */
#define MNIST_MAX_WIDTH 65536u           /* channels or dense units */
#define MNIST_MAX_PARAMS (1u << 24)       /* 64 MB of float32 */
#define MNIST_MAX_DIGITS 10000000u
#define MNIST_FILE_MAX ((size_t)1 << 28)  /* larger than any valid file here */

#define WEIGHTS_HEADER 16u
#define LAYER_DESC 16u
#define DIGITS_HEADER 24u
#define CRC_BYTES 4u

struct mnist_net {
    size_t n_layers;
    struct mnist_layer layers[MNIST_MAX_LAYERS];
    float *params;
    size_t n_params;
    /* Scratch for one image at a time: two activation buffers used in turn
     * and the pre-pooling maps of a convolution. Sized at creation, so
     * inference allocates nothing. */
    float *arena;
    float *act[2];
    float *conv;
};

PRINTF_LIKE(3, 4)
static void set_msg(char *msg, size_t len, const char *fmt, ...)
{
    if (msg == NULL || len == 0)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, len, fmt, ap);
    va_end(ap);
}

/* ---- little-endian helpers and CRC-32 ------------------------------------------- */

static void put_u32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v & 0xFFu);
    p[1] = (uint8_t)((v >> 8) & 0xFFu);
    p[2] = (uint8_t)((v >> 16) & 0xFFu);
    p[3] = (uint8_t)((v >> 24) & 0xFFu);
}

static uint32_t get_u32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static void put_f32(uint8_t *p, float v)
{
    uint32_t u;
    memcpy(&u, &v, sizeof u);
    put_u32(p, u);
}

static float get_f32(const uint8_t *p)
{
    uint32_t u = get_u32(p);
    float v;
    memcpy(&v, &u, sizeof v);
    return v;
}

uint32_t mnist_crc32(uint32_t crc, const void *data, size_t len)
{
    /* Bitwise: the files are small and read once, so no table is kept. */
    const uint8_t *p = data;
    crc = ~crc;
    for (size_t i = 0; i < len; i++) {
        crc ^= p[i];
        for (int b = 0; b < 8; b++)
            crc = (crc >> 1) ^ (0xEDB88320u & (0u - (crc & 1u)));
    }
    return ~crc;
}

/* Reads a whole file of at most MNIST_FILE_MAX bytes. */
static enum mnist_status read_all(const char *path, const char *role, uint8_t **out, size_t *len,
                                  char *msg, size_t msg_len)
{
    *out = NULL;
    *len = 0;
    FILE *f = infile_open(path, role, msg, msg_len);
    if (f == NULL)
        return MNIST_ERR_IO;
    size_t cap = 0, n = 0;
    uint8_t *buf = NULL;
    for (;;) {
        buf = xgrow(buf, &cap, n + 65536, 1);
        size_t got = fread(buf + n, 1, cap - n, f);
        n += got;
        if (got == 0 || n > MNIST_FILE_MAX)
            break;
    }
    bool err = ferror(f) != 0;
    int e = errno;
    fclose(f);
    if (err) {
        free(buf);
        set_msg(msg, msg_len, "%s: cannot read: %s", path, strerror(e));
        return MNIST_ERR_IO;
    }
    if (n > MNIST_FILE_MAX) {
        free(buf);
        set_msg(msg, msg_len, "%s: wrong size: larger than %zu bytes", path, MNIST_FILE_MAX);
        return MNIST_ERR_FORMAT;
    }
    *out = buf;
    *len = n;
    return MNIST_OK;
}

static enum mnist_status write_all(const char *path, const uint8_t *buf, size_t len, char *msg,
                                   size_t msg_len)
{
    struct outfile o;
    char err[MNIST_MSG_MAX];
    if (outfile_open(&o, path, true, err, sizeof err) != 0) {
        set_msg(msg, msg_len, "%s", err);
        return MNIST_ERR_IO;
    }
    if (fwrite(buf, 1, len, o.f) != len) {
        set_msg(msg, msg_len, "%s: write failed: %s", path, strerror(errno));
        outfile_abort(&o);
        return MNIST_ERR_IO;
    }
    if (outfile_commit(&o, err, sizeof err) != 0) {
        set_msg(msg, msg_len, "%s", err);
        return MNIST_ERR_IO;
    }
    return MNIST_OK;
}

/* ---- layers ----------------------------------------------------------------------- */

static const char *kind_name(enum mnist_layer_kind k)
{
    return k == MNIST_LAYER_CONV ? "conv" : k == MNIST_LAYER_DENSE ? "dense" : "unknown";
}

static size_t layer_params(const struct mnist_layer_spec *s)
{
    if (s->kind == MNIST_LAYER_CONV)
        return (size_t)s->out * s->in * s->k * s->k + s->out;
    return (size_t)s->out * s->in + s->out;
}

/* Checks the chain and fills the derived sizes (layers may be NULL). */
static int check_layers(const struct mnist_layer_spec *specs, size_t n, struct mnist_layer *layers,
                        size_t *n_params, size_t *max_act, size_t *max_conv, char *msg,
                        size_t msg_len)
{
    if (n < 1 || n > MNIST_MAX_LAYERS) {
        set_msg(msg, msg_len, "layer count: must be 1..%d (got %zu)", MNIST_MAX_LAYERS, n);
        return -1;
    }
    uint32_t size = MNIST_ROWS, ch = 1;
    bool flat = false;
    size_t total = 0, act = MNIST_PIXELS, conv = 0;
    for (size_t i = 0; i < n; i++) {
        const struct mnist_layer_spec *s = &specs[i];
        size_t li = i + 1;
        struct mnist_layer l = { .spec = *s, .in_size = 1, .conv_size = 1, .out_size = 1 };
        if (s->kind != MNIST_LAYER_CONV && s->kind != MNIST_LAYER_DENSE) {
            set_msg(msg, msg_len, "layer %zu: unknown kind %u (1 = conv, 2 = dense)", li,
                    (unsigned)s->kind);
            return -1;
        }
        const char *kn = kind_name(s->kind);
        if (s->out < 1 || s->out > MNIST_MAX_WIDTH) {
            set_msg(msg, msg_len, "layer %zu (%s): out = %u, must be 1..%u", li, kn,
                    (unsigned)s->out, MNIST_MAX_WIDTH);
            return -1;
        }
        if (s->kind == MNIST_LAYER_CONV) {
            if (flat) {
                set_msg(msg, msg_len, "layer %zu (conv): a convolution cannot follow a dense "
                        "layer", li);
                return -1;
            }
            if (s->in != ch) {
                set_msg(msg, msg_len, "layer %zu (conv): in = %u, expected %u (the channels "
                        "of its input)", li, (unsigned)s->in, (unsigned)ch);
                return -1;
            }
            if (s->k < 1 || s->k >= size) {
                set_msg(msg, msg_len, "layer %zu (conv): k = %u, must be 1..%u for a %ux%u "
                        "input", li, (unsigned)s->k, (unsigned)(size - 1), (unsigned)size,
                        (unsigned)size);
                return -1;
            }
            l.in_size = size;
            l.conv_size = size - s->k + 1;
            l.out_size = l.conv_size / 2;
            size_t cv = (size_t)s->out * l.conv_size * l.conv_size;
            if (cv > conv)
                conv = cv;
            size = l.out_size;
            ch = s->out;
        } else {
            size_t expect = flat ? ch : (size_t)ch * size * size;
            if (s->k != 0) {
                set_msg(msg, msg_len, "layer %zu (dense): k = %u, must be 0", li, (unsigned)s->k);
                return -1;
            }
            if (s->in != expect) {
                set_msg(msg, msg_len, "layer %zu (dense): in = %u, expected %zu (the outputs "
                        "of the layer before)", li, (unsigned)s->in, expect);
                return -1;
            }
            flat = true;
            ch = s->out;
            size = 1;
        }
        size_t out_act = (size_t)ch * size * size;
        if (out_act > act)
            act = out_act;
        total += layer_params(s);
        if (total > MNIST_MAX_PARAMS) {
            set_msg(msg, msg_len, "layer %zu (%s): more than %u parameters in all", li, kn,
                    MNIST_MAX_PARAMS);
            return -1;
        }
        if (layers != NULL)
            layers[i] = l;
    }
    if (specs[n - 1].kind != MNIST_LAYER_DENSE || specs[n - 1].out != MNIST_CLASSES) {
        set_msg(msg, msg_len, "layer %zu: the last layer must be dense with %d outputs "
                "(got %s with %u)", n, MNIST_CLASSES, kind_name(specs[n - 1].kind),
                (unsigned)specs[n - 1].out);
        return -1;
    }
    if (n_params != NULL)
        *n_params = total;
    if (max_act != NULL)
        *max_act = act;
    if (max_conv != NULL)
        *max_conv = conv;
    return 0;
}

int mnist_check_layers(const struct mnist_layer_spec *layers, size_t n, char *msg,
                       size_t msg_len)
{
    return check_layers(layers, n, NULL, NULL, NULL, NULL, msg, msg_len);
}

struct mnist_net *mnist_create(const struct mnist_layer_spec *specs, size_t n, char *msg,
                               size_t msg_len)
{
    struct mnist_layer layers[MNIST_MAX_LAYERS];
    size_t n_params = 0, max_act = 0, max_conv = 0;
    if (check_layers(specs, n, layers, &n_params, &max_act, &max_conv, msg, msg_len) != 0)
        return NULL;
    struct mnist_net *net = xcalloc(1, sizeof *net);
    net->n_layers = n;
    net->n_params = n_params;
    net->params = xcalloc(n_params, sizeof *net->params);
    net->arena = xcalloc(2 * max_act + max_conv, sizeof *net->arena);
    net->act[0] = net->arena;
    net->act[1] = net->arena + max_act;
    net->conv = net->arena + 2 * max_act;
    float *p = net->params;
    for (size_t i = 0; i < n; i++) {
        net->layers[i] = layers[i];
        size_t nw = layer_params(&specs[i]) - specs[i].out;
        net->layers[i].w = p;
        net->layers[i].b = p + nw;
        p += nw + specs[i].out;
    }
    return net;
}

void mnist_destroy(struct mnist_net *net)
{
    if (net == NULL)
        return;
    free(net->params);
    free(net->arena);
    free(net);
}

size_t mnist_layer_count(const struct mnist_net *net)
{
    return net->n_layers;
}

const struct mnist_layer *mnist_layer_at(const struct mnist_net *net, size_t i)
{
    return i < net->n_layers ? &net->layers[i] : NULL;
}

float *mnist_params(struct mnist_net *net, size_t *n)
{
    if (n != NULL)
        *n = net->n_params;
    return net->params;
}

/* ---- weight file ------------------------------------------------------------------ */

static size_t weights_size(size_t n_layers, size_t n_params)
{
    return WEIGHTS_HEADER + LAYER_DESC * n_layers + 4 * n_params + CRC_BYTES;
}

/* The whole file image, checksum included (caller frees). */
static uint8_t *serialise(const struct mnist_net *net, size_t *len)
{
    size_t size = weights_size(net->n_layers, net->n_params);
    uint8_t *buf = xmalloc(size), *p = buf;
    memcpy(p, MNIST_WEIGHTS_MAGIC, 8);
    put_u32(p + 8, MNIST_WEIGHTS_VERSION);
    put_u32(p + 12, (uint32_t)net->n_layers);
    p += WEIGHTS_HEADER;
    for (size_t i = 0; i < net->n_layers; i++, p += LAYER_DESC) {
        const struct mnist_layer_spec *s = &net->layers[i].spec;
        put_u32(p, (uint32_t)s->kind);
        put_u32(p + 4, s->out);
        put_u32(p + 8, s->in);
        put_u32(p + 12, s->k);
    }
    for (size_t i = 0; i < net->n_params; i++, p += 4)
        put_f32(p, net->params[i]);
    put_u32(p, mnist_crc32(0, buf, size - CRC_BYTES));
    *len = size;
    return buf;
}

uint32_t mnist_checksum(const struct mnist_net *net)
{
    size_t len = 0;
    uint8_t *buf = serialise(net, &len);
    uint32_t crc = get_u32(buf + len - CRC_BYTES);
    free(buf);
    return crc;
}

enum mnist_status mnist_save(const struct mnist_net *net, const char *path, char *msg,
                             size_t msg_len)
{
    size_t len = 0;
    uint8_t *buf = serialise(net, &len);
    enum mnist_status st = write_all(path, buf, len, msg, msg_len);
    free(buf);
    return st;
}

/* The start shared by weight and digits files: the magic (kind names the
 * file in the message), room for the header and the CRC, the version. */
static enum mnist_status check_head(const char *path, const uint8_t *buf, size_t len, const char *magic,
                                    const char *kind, size_t header, uint32_t version, char *msg,
                                    size_t msg_len)
{
    if (len < 8 || memcmp(buf, magic, 8) != 0) {
        set_msg(msg, msg_len, "%s: wrong magic: not a lambdasim %s (expected \"%s\" at the start)", path,
                kind, magic);
        return MNIST_ERR_FORMAT;
    }
    if (len < header + CRC_BYTES) {
        set_msg(msg, msg_len, "%s: wrong size: %zu bytes is too short for the header", path, len);
        return MNIST_ERR_FORMAT;
    }
    uint32_t got = get_u32(buf + 8);
    if (got != version) {
        set_msg(msg, msg_len, "%s: unsupported version %u (this program reads version %u)", path,
                (unsigned)got, (unsigned)version);
        return MNIST_ERR_FORMAT;
    }
    return MNIST_OK;
}

/* The CRC-32 in a file's last four bytes against the rest. */
static enum mnist_status check_crc(const char *path, const uint8_t *buf, size_t len, char *msg,
                                   size_t msg_len)
{
    uint32_t stored = get_u32(buf + len - CRC_BYTES);
    uint32_t computed = mnist_crc32(0, buf, len - CRC_BYTES);
    if (stored != computed) {
        set_msg(msg, msg_len, "%s: checksum mismatch (stored 0x%08x, computed 0x%08x): the "
                "file is corrupt", path, (unsigned)stored, (unsigned)computed);
        return MNIST_ERR_CHECKSUM;
    }
    return MNIST_OK;
}

enum mnist_status mnist_load(const char *path, struct mnist_net **out, char *msg,
                             size_t msg_len)
{
    uint8_t *buf = NULL;
    size_t len = 0;
    struct mnist_net *net = NULL;
    char why[MNIST_MSG_MAX];
    *out = NULL;
    enum mnist_status st = read_all(path, "weights", &buf, &len, msg, msg_len);
    if (st != MNIST_OK)
        return st;
    st = check_head(path, buf, len, MNIST_WEIGHTS_MAGIC, "MNIST weight file", WEIGHTS_HEADER,
                    MNIST_WEIGHTS_VERSION, msg, msg_len);
    if (st != MNIST_OK)
        goto out;
    st = MNIST_ERR_FORMAT;
    uint32_t n_layers = get_u32(buf + 12);
    if (n_layers < 1 || n_layers > MNIST_MAX_LAYERS) {
        set_msg(msg, msg_len, "%s: layer count %u, must be 1..%d", path, (unsigned)n_layers,
                MNIST_MAX_LAYERS);
        goto out;
    }
    if (len < weights_size(n_layers, 0)) {
        set_msg(msg, msg_len, "%s: wrong size: %zu bytes is too short for %u layer "
                "descriptions", path, len, (unsigned)n_layers);
        goto out;
    }
    struct mnist_layer_spec specs[MNIST_MAX_LAYERS];
    for (size_t i = 0; i < n_layers; i++) {
        const uint8_t *d = buf + WEIGHTS_HEADER + LAYER_DESC * i;
        specs[i].kind = (enum mnist_layer_kind)get_u32(d);
        specs[i].out = get_u32(d + 4);
        specs[i].in = get_u32(d + 8);
        specs[i].k = get_u32(d + 12);
    }
    net = mnist_create(specs, n_layers, why, sizeof why);
    if (net == NULL) {
        set_msg(msg, msg_len, "%s: %s", path, why);
        goto out;
    }
    size_t expect = weights_size(n_layers, net->n_params);
    if (len != expect) {
        set_msg(msg, msg_len, "%s: wrong size: %zu bytes, expected %zu for these layers "
                "(%zu parameters)", path, len, expect, net->n_params);
        goto out;
    }
    if ((st = check_crc(path, buf, len, msg, msg_len)) != MNIST_OK)
        goto out;
    st = MNIST_ERR_FORMAT;
    const uint8_t *p = buf + WEIGHTS_HEADER + LAYER_DESC * n_layers;
    for (size_t i = 0; i < net->n_params; i++, p += 4) {
        net->params[i] = get_f32(p);
        if (!isfinite(net->params[i])) {
            set_msg(msg, msg_len, "%s: parameter %zu is not a finite number", path, i);
            goto out;
        }
    }
    *out = net;
    net = NULL;
    st = MNIST_OK;
out:
    mnist_destroy(net);
    free(buf);
    return st;
}

/* ---- inference -------------------------------------------------------------------- */

/* Convolution + bias + ReLU + 2x2 max pool of one image's maps. */
static void forward_conv(const struct mnist_layer *l, const float *in, float *conv, float *out)
{
    const uint32_t k = l->spec.k, is = l->in_size, cs = l->conv_size, os = l->out_size;
    const size_t cmap = (size_t)cs * cs, imap = (size_t)is * is;
    for (uint32_t o = 0; o < l->spec.out; o++) {
        float *cv = conv + o * cmap;
        for (size_t j = 0; j < cmap; j++)
            cv[j] = l->b[o];
        /* Innermost loop runs along a row, so it reads and writes
         * contiguously and the compiler can vectorise it. */
        for (uint32_t c = 0; c < l->spec.in; c++) {
            const float *im = in + c * imap;
            const float *wk = l->w + ((size_t)o * l->spec.in + c) * k * k;
            for (uint32_t ky = 0; ky < k; ky++)
                for (uint32_t kx = 0; kx < k; kx++) {
                    const float w = wk[ky * k + kx];
                    for (uint32_t y = 0; y < cs; y++) {
                        const float *row = im + (size_t)(y + ky) * is + kx;
                        float *dst = cv + (size_t)y * cs;
                        for (uint32_t x = 0; x < cs; x++)
                            dst[x] += w * row[x];
                    }
                }
        }
        float *om = out + o * (size_t)os * os;
        for (uint32_t y = 0; y < os; y++)
            for (uint32_t x = 0; x < os; x++) {
                const float *a = cv + (size_t)(2 * y) * cs + 2 * x;
                float m = 0.0f; /* ReLU folded into the max */
                if (a[0] > m) m = a[0];
                if (a[1] > m) m = a[1];
                if (a[cs] > m) m = a[cs];
                if (a[cs + 1] > m) m = a[cs + 1];
                om[(size_t)y * os + x] = m;
            }
    }
}

static void forward_dense(const struct mnist_layer *l, const float *in, float *out, bool relu)
{
    const uint32_t ni = l->spec.in;
    for (uint32_t j = 0; j < l->spec.out; j++) {
        const float *w = l->w + (size_t)j * ni;
        float s = l->b[j];
        for (uint32_t i = 0; i < ni; i++)
            s += w[i] * in[i];
        out[j] = relu && s < 0.0f ? 0.0f : s;
    }
}

void mnist_infer_batch(struct mnist_net *net, const uint8_t *pixels, size_t n,
                       uint8_t *labels, float *logits)
{
    for (size_t img = 0; img < n; img++) {
        const uint8_t *px = pixels + img * MNIST_PIXELS;
        float *cur = net->act[0], *next = net->act[1];
        for (size_t i = 0; i < MNIST_PIXELS; i++)
            cur[i] = (float)px[i] * (1.0f / 255.0f);
        for (size_t li = 0; li < net->n_layers; li++) {
            const struct mnist_layer *l = &net->layers[li];
            if (l->spec.kind == MNIST_LAYER_CONV)
                forward_conv(l, cur, net->conv, next);
            else
                forward_dense(l, cur, next, li + 1 < net->n_layers);
            float *t = cur;
            cur = next;
            next = t;
        }
        uint8_t best = 0;
        for (uint8_t c = 1; c < MNIST_CLASSES; c++)
            if (cur[c] > cur[best])
                best = c;
        labels[img] = best;
        if (logits != NULL)
            memcpy(logits + img * MNIST_CLASSES, cur, MNIST_CLASSES * sizeof *logits);
    }
}

/* ---- digits file ------------------------------------------------------------------ */

enum mnist_status mnist_digits_load(const char *path, struct mnist_digits *out, char *msg,
                                    size_t msg_len)
{
    uint8_t *buf = NULL;
    size_t len = 0;
    memset(out, 0, sizeof *out);
    enum mnist_status st = read_all(path, "digits", &buf, &len, msg, msg_len);
    if (st != MNIST_OK)
        return st;
    st = check_head(path, buf, len, MNIST_DIGITS_MAGIC, "digits file", DIGITS_HEADER,
                    MNIST_DIGITS_VERSION, msg, msg_len);
    if (st != MNIST_OK)
        goto out;
    st = MNIST_ERR_FORMAT;
    uint32_t n = get_u32(buf + 12), rows = get_u32(buf + 16), cols = get_u32(buf + 20);
    if (rows != MNIST_ROWS || cols != MNIST_COLS) {
        set_msg(msg, msg_len, "%s: images are %ux%u, expected %dx%d", path, (unsigned)rows,
                (unsigned)cols, MNIST_ROWS, MNIST_COLS);
        goto out;
    }
    if (n < 1 || n > MNIST_MAX_DIGITS) {
        set_msg(msg, msg_len, "%s: image count %u, must be 1..%u", path, (unsigned)n,
                MNIST_MAX_DIGITS);
        goto out;
    }
    size_t expect = DIGITS_HEADER + (size_t)n * (1 + MNIST_PIXELS) + CRC_BYTES;
    if (len != expect) {
        set_msg(msg, msg_len, "%s: wrong size: %zu bytes, expected %zu for %u images", path,
                len, expect, (unsigned)n);
        goto out;
    }
    if ((st = check_crc(path, buf, len, msg, msg_len)) != MNIST_OK)
        goto out;
    st = MNIST_ERR_FORMAT;
    for (size_t i = 0; i < n; i++)
        if (buf[DIGITS_HEADER + i] >= MNIST_CLASSES) {
            set_msg(msg, msg_len, "%s: image %zu: label %u, must be 0..9", path, i,
                    (unsigned)buf[DIGITS_HEADER + i]);
            goto out;
        }
    out->n = n;
    out->labels = xmalloc(n);
    memcpy(out->labels, buf + DIGITS_HEADER, n);
    out->pixels = xmalloc((size_t)n * MNIST_PIXELS);
    memcpy(out->pixels, buf + DIGITS_HEADER + n, (size_t)n * MNIST_PIXELS);
    st = MNIST_OK;
out:
    free(buf);
    return st;
}

enum mnist_status mnist_digits_save(const struct mnist_digits *d, size_t first, size_t n,
                                    const char *path, char *msg, size_t msg_len)
{
    if (n < 1 || first > d->n || n > d->n - first || n > MNIST_MAX_DIGITS) {
        set_msg(msg, msg_len, "%s: cannot write images %zu..%zu of %zu", path, first,
                first + n, d->n);
        return MNIST_ERR_FORMAT;
    }
    size_t len = DIGITS_HEADER + n * (1 + MNIST_PIXELS) + CRC_BYTES;
    uint8_t *buf = xmalloc(len);
    memcpy(buf, MNIST_DIGITS_MAGIC, 8);
    put_u32(buf + 8, MNIST_DIGITS_VERSION);
    put_u32(buf + 12, (uint32_t)n);
    put_u32(buf + 16, MNIST_ROWS);
    put_u32(buf + 20, MNIST_COLS);
    memcpy(buf + DIGITS_HEADER, d->labels + first, n);
    memcpy(buf + DIGITS_HEADER + n, d->pixels + first * MNIST_PIXELS, n * MNIST_PIXELS);
    put_u32(buf + len - CRC_BYTES, mnist_crc32(0, buf, len - CRC_BYTES));
    enum mnist_status st = write_all(path, buf, len, msg, msg_len);
    free(buf);
    return st;
}

void mnist_digits_fini(struct mnist_digits *d)
{
    free(d->labels);
    free(d->pixels);
    memset(d, 0, sizeof *d);
}
