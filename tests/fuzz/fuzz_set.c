/* fuzz_set: `--set` arguments. Each input line is one argument: parsed with
 * config_parse_override and, when every line parses, applied in order to a
 * fixed valid scenario (tests/data/scenario-full.json) as `run` would. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "formats/config.h"
#include "fuzz_util.h"

#define MAX_SETS 8

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *scenario_path(void)
{
    static char path[512];
    if (path[0] == '\0') {
        fuzz_fixture("tests/data/scenario-full.json", "scenario.json");
        fuzz_fixture("tests/data/model-simple.json", "model-simple.json");
        fuzz_fixture("tests/data/model-table.json", "model-table.json");
        fuzz_fixture("tests/data/trace.csv", "trace.csv");
        snprintf(path, sizeof path, "%s/scenario.json", fuzz_dir());
    }
    return path;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *path = scenario_path();
    char *text = fuzz_strdup(data, size);
    struct config_override sets[MAX_SETS];
    size_t n = 0;
    char msg[CONFIG_MSG_MAX];
    char *save = NULL;
    int ok = 1;
    for (char *arg = strtok_r(text, "\n", &save); arg != NULL && n < MAX_SETS;
         arg = strtok_r(NULL, "\n", &save)) {
        if (config_parse_override(arg, &sets[n], msg, sizeof msg) != 0) {
            fuzz_check_msg("config_parse_override", msg, sizeof msg);
            ok = 0;
            continue;
        }
        n++;
    }
    if (ok && n > 0) {
        struct scenario sc;
        if (config_load_scenario(path, sets, n, &sc, msg, sizeof msg) == CONFIG_OK)
            scenario_fini(&sc);
        else
            fuzz_check_msg("config_load_scenario --set", msg, sizeof msg);
    }
    free(text);
    return 0;
}
