/* mnist: a small convolutional digit classifier (28x28 grey images, 10
 * classes): its weight file, its digits file and batched inference. Used by
 * the worker process (the real function), `profile` and the training tool.
 * Library code: bad files give a status and a one-line message naming the
 * file and the problem; nothing is printed here. */
#ifndef LAMBDASIM_MNIST_H
#define LAMBDASIM_MNIST_H

#include <stddef.h>
#include <stdint.h>
#include "formats/digits.h"

#define MNIST_MAX_LAYERS 16
#define MNIST_MSG_MAX 512

/* Weight file (all integers uint32 little-endian, floats IEEE-754 binary32
 * little-endian):
 *   0   8   magic "LSMNIST\0"
 *   8   4   version (MNIST_WEIGHTS_VERSION)
 *   12  4   L, the number of layers (1..MNIST_MAX_LAYERS)
 *   16  16L per layer: kind, out, in, k (k = 0 for dense)
 *   ..  4P  the P parameters, layer by layer: weights, then the out biases.
 *           conv weights are [out][in][k][k], dense weights [out][in]
 *   ..  4   CRC-32 (IEEE, as zlib's crc32) of every byte before it
 * The file's size must be exactly 16 + 16L + 4P + 4. */
#define MNIST_WEIGHTS_MAGIC "LSMNIST"          /* 7 characters + NUL = 8 bytes */
#define MNIST_WEIGHTS_VERSION 1u

/* Digits file (labelled images for tests, profiling and the emulator):
 *   0   8   magic "LSDIGIT\0"
 *   8   4   version (MNIST_DIGITS_VERSION)
 *   12  4   n, the number of images
 *   16  4   rows (28)    20  4  cols (28)
 *   24  n   labels, one byte each (0..9)
 *   ..  784n pixels, image by image, row-major, 0 = background, 255 = ink
 *   ..  4   CRC-32 of every byte before it */
#define MNIST_DIGITS_MAGIC "LSDIGIT"
#define MNIST_DIGITS_VERSION 1u

enum mnist_status {
    MNIST_OK = 0,
    MNIST_ERR_IO,        /* cannot open, read or write the file */
    MNIST_ERR_FORMAT,    /* wrong magic, version, size or layer shapes */
    MNIST_ERR_CHECKSUM   /* the CRC-32 does not match: the file is corrupt */
};

/* A layer as the file describes it. The input is one 28x28 channel, pixel
 * value / 255.
 *  - CONV: `out` filters of k x k over `in` channels, stride 1, no padding,
 *    plus bias, then ReLU, then 2x2 max pooling (stride 2, odd edge dropped).
 *  - DENSE: out x in matrix plus bias; ReLU unless it is the last layer.
 *    After convolutions, its input is the feature maps flattened channel by
 *    channel, row-major.
 * Every CONV comes before every DENSE; the last layer is DENSE with 10
 * outputs (the logits; the label is the first index of the largest). */
enum mnist_layer_kind { MNIST_LAYER_CONV = 1, MNIST_LAYER_DENSE = 2 };

struct mnist_layer_spec {
    enum mnist_layer_kind kind;
    uint32_t out, in, k;
};

/* A layer of a loaded or created network. For CONV, in_size is the side of
 * its input maps, conv_size = in_size - k + 1 and out_size = conv_size / 2
 * (the pooled side). For DENSE all three are 1. w and b point into the
 * network's parameter block. */
struct mnist_layer {
    struct mnist_layer_spec spec;
    uint32_t in_size, conv_size, out_size;
    float *w;
    float *b;
};

struct mnist_net;

/* Checks a layer list (shapes chain, order, 10 outputs). Returns 0, or -1
 * with a reason such as "layer 2 (dense): in = 100, expected 256". */
int mnist_check_layers(const struct mnist_layer_spec *layers, size_t n, char *msg,
                       size_t msg_len);

/* A network with the given layers and all parameters zero. Returns NULL
 * with a message when the layers do not check. Free with mnist_destroy. */
struct mnist_net *mnist_create(const struct mnist_layer_spec *specs, size_t n, char *msg,
                               size_t msg_len);

/* Loads a weight file. On success *out is a new network (mnist_destroy) and
 * MNIST_OK is returned; otherwise *out is NULL and msg reads like
 * "models/x.bin: checksum mismatch (stored 0x1234abcd, computed ...)". */
enum mnist_status mnist_load(const char *path, struct mnist_net **out, char *msg,
                             size_t msg_len);

/* Writes the network to `path`, whole or not at all (temporary file and
 * rename; an existing file is replaced). */
enum mnist_status mnist_save(const struct mnist_net *net, const char *path, char *msg,
                             size_t msg_len);

/* Safe on NULL. */
void mnist_destroy(struct mnist_net *net);

size_t mnist_layer_count(const struct mnist_net *net);
const struct mnist_layer *mnist_layer_at(const struct mnist_net *net, size_t i);

/* The parameter block, in file order (see above); *n gets its length. The
 * network keeps ownership; writing to it changes the network. */
float *mnist_params(struct mnist_net *net, size_t *n);

/* CRC-32 of the whole serialised network, as stored at the end of its file. */
uint32_t mnist_checksum(const struct mnist_net *net);

/* Classifies n images (pixels: n * MNIST_PIXELS bytes). Writes labels[0..n)
 * and, when logits is not NULL, logits[0..10n). Works in a scratch arena
 * sized when the network was made, so it allocates nothing; one network
 * must therefore not be used by two threads at once. */
void mnist_infer_batch(struct mnist_net *net, const uint8_t *pixels, size_t n,
                       uint8_t *labels, float *logits);

/* Reads a digits file (format above). On failure *out is zeroed. */
enum mnist_status mnist_digits_load(const char *path, struct mnist_digits *out, char *msg,
                                    size_t msg_len);

/* Writes digits[first .. first + n) to path, whole or not at all. */
enum mnist_status mnist_digits_save(const struct mnist_digits *d, size_t first, size_t n,
                                    const char *path, char *msg, size_t msg_len);

/* Frees owned arrays; safe on a zeroed struct. */
void mnist_digits_fini(struct mnist_digits *d);

/* CRC-32 (IEEE 802.3 polynomial, reflected, as zlib's crc32): start with
 * crc = 0 and feed the bytes in order, in one or several calls. */
uint32_t mnist_crc32(uint32_t crc, const void *data, size_t len);

#endif
