/* fuzz_mnist: mnist_load on arbitrary bytes as a weight file, twice: as
 * they come, and with the last four bytes replaced by the CRC-32 of the
 * rest, so that mutations get past the checksum to the header and layer
 * checks. A network that loads classifies one image (inference must cope
 * with every shape the loader accepts). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "fuzz_util.h"
#include "real/mnist.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void load(const char *path)
{
    char msg[MNIST_MSG_MAX];
    struct mnist_net *net = NULL;
    if (mnist_load(path, &net, msg, sizeof msg) != MNIST_OK) {
        fuzz_check_msg("mnist_load", msg, sizeof msg);
        if (net != NULL)
            abort();
        return;
    }
    uint8_t pixels[MNIST_PIXELS], label = 0;
    for (size_t i = 0; i < MNIST_PIXELS; i++)
        pixels[i] = (uint8_t)(i * 7);
    float logits[MNIST_CLASSES];
    mnist_infer_batch(net, pixels, 1, &label, logits);
    if (label >= MNIST_CLASSES)
        abort();
    (void)mnist_checksum(net);
    mnist_destroy(net);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    load(fuzz_write("weights.bin", data, size));
    if (size >= 4) {
        uint8_t *fixed = malloc(size);
        if (fixed == NULL)
            abort();
        memcpy(fixed, data, size);
        uint32_t crc = mnist_crc32(0, fixed, size - 4);
        for (int i = 0; i < 4; i++)
            fixed[size - 4 + (size_t)i] = (uint8_t)(crc >> (8 * i));
        load(fuzz_write("weights-crc.bin", fixed, size));
        free(fixed);
    }
    return 0;
}
