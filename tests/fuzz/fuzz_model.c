/* fuzz_model: config_load_model on arbitrary bytes. */
#include <stdint.h>
#include "formats/config.h"
#include "fuzz_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *path = fuzz_write("model.json", data, size);
    struct model_profile m;
    char msg[CONFIG_MSG_MAX];
    if (config_load_model(path, &m, msg, sizeof msg) == CONFIG_OK)
        model_fini(&m);
    else
        fuzz_check_msg("config_load_model", msg, sizeof msg);
    return 0;
}
