/* fuzz_trace: the three trace readers (plain times / time_s CSV, Azure 2019
 * per-minute counts, Azure 2021 invocations) on the same arbitrary bytes. */
#include <stdint.h>
#include <stdlib.h>
#include "formats/config.h"
#include "fuzz_util.h"
#include "formats/trace.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *path = fuzz_write("trace.csv", data, size);
    char msg[CONFIG_MSG_MAX];
    double *times = NULL;
    size_t n = 0;
    if (trace_read_times(path, &times, &n, msg, sizeof msg) == 0)
        free(times);
    else
        fuzz_check_msg("trace_read_times", msg, sizeof msg);

    uint64_t *counts = NULL, total = 0;
    size_t minutes = 0;
    if (trace_read_azure2019(path, NULL, &counts, &minutes, &total, msg, sizeof msg) == 0)
        free(counts);
    else
        fuzz_check_msg("trace_read_azure2019", msg, sizeof msg);
    if (trace_read_azure2019(path, "fn-http-diurnal", &counts, &minutes, &total, msg, sizeof msg) == 0)
        free(counts);
    else
        fuzz_check_msg("trace_read_azure2019 function", msg, sizeof msg);

    double *start = NULL;
    if (trace_read_azure2021(path, NULL, NULL, &start, &n, msg, sizeof msg) == 0)
        free(start);
    else
        fuzz_check_msg("trace_read_azure2021", msg, sizeof msg);
    if (trace_read_azure2021(path, "app-synthetic-a", "fn-api", &start, &n, msg, sizeof msg) == 0)
        free(start);
    else
        fuzz_check_msg("trace_read_azure2021 app function", msg, sizeof msg);
    return 0;
}
