/* fuzz_log: the log readers on arbitrary bytes: a Lambda log file (text
 * START/END/REPORT lines and JSON platform.* records) with the consistency
 * check, a client-side CSV log, and the two in-memory parsers (one REPORT
 * line, one JSON record) on a buffer of exactly `size` bytes, so that a
 * read past its end is caught. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "formats/config.h"
#include "fuzz_util.h"
#include "formats/lambdalog.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char msg[CONFIG_MSG_MAX];
    const char *path = fuzz_write("function.log", data, size);

    struct lambdalog log;
    lambdalog_init(&log);
    if (lambdalog_read(&log, path, msg, sizeof msg) == 0) {
        if (lambdalog_check(&log, msg, sizeof msg) != 0)
            fuzz_check_msg("lambdalog_check", msg, sizeof msg);
        if (log.n > 0)
            (void)lambdalog_keep_memory(&log, log.inv[0].memory_mb);
    } else {
        fuzz_check_msg("lambdalog_read", msg, sizeof msg);
    }
    lambdalog_fini(&log);

    (void)lambdalog_is_client_log(path);
    struct lambdalog_client cl;
    lambdalog_client_init(&cl);
    if (lambdalog_client_read(&cl, path, msg, sizeof msg) != 0)
        fuzz_check_msg("lambdalog_client_read", msg, sizeof msg);
    lambdalog_client_fini(&cl);

    /* Exactly size bytes, no terminator: the parsers take a length. */
    char *exact = malloc(size > 0 ? size : 1);
    if (exact == NULL)
        abort();
    if (size > 0)
        memcpy(exact, data, size);
    struct lambdalog_invocation inv;
    memset(&inv, 0, sizeof inv);
    char why[512];
    if (lambdalog_parse_report(exact, size, &inv, why, sizeof why) != 0)
        fuzz_check_msg("lambdalog_parse_report", why, sizeof why);
    struct lambdalog_record rec;
    size_t off = 0;
    if (config_log_json_record(exact, size, &rec, &off, why, sizeof why) != 0) {
        fuzz_check_msg("config_log_json_record", why, sizeof why);
        if (off > size)
            abort();
    }
    free(exact);
    return 0;
}
