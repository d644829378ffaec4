/* fuzz_scenario: config_load_scenario on arbitrary bytes. The scenario sits
 * in a directory that also holds the test models and traces, so relative
 * references in the input resolve and get parsed too. */
#include <stdint.h>
#include <string.h>
#include "formats/config.h"
#include "fuzz_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void setup(void)
{
    static int done;
    if (done)
        return;
    done = 1;
    fuzz_fixture("tests/data/model-simple.json", "model-simple.json");
    fuzz_fixture("tests/data/model-table.json", "model-table.json");
    fuzz_fixture("tests/data/trace.csv", "trace.csv");
    fuzz_fixture("tests/data/trace-plain.txt", "trace-plain.txt");
    fuzz_fixture("traces/azure2019-sample.csv", "azure2019-sample.csv");
    fuzz_fixture("traces/azure2021-sample.csv", "azure2021-sample.csv");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    setup();
    const char *path = fuzz_write("scenario.json", data, size);
    struct scenario sc;
    char msg[CONFIG_MSG_MAX];
    if (config_load_scenario(path, NULL, 0, &sc, msg, sizeof msg) == CONFIG_OK)
        scenario_fini(&sc);
    else
        fuzz_check_msg("config_load_scenario", msg, sizeof msg);
    return 0;
}
