/* config_json: reading one JSON file, for the config module's files
 * (config*.c) only. Every kind of file gets the same checks and messages:
 * a size cap, a UTF-8 byte-order mark skipped, empty files, NUL bytes,
 * data after the value, and FILE:LINE:COL for malformed JSON. */
#ifndef LAMBDASIM_CONFIG_JSON_H
#define LAMBDASIM_CONFIG_JSON_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <cjson/cJSON.h>
#include "base/common.h"
#include "formats/config.h"

/* Reads and parses `path` (also its name in messages). `what` names the
 * kind of file for the size message ("scenario or model", "sweep"); `role`
 * is the input's name for infile.h ("scenario", "function.model"). On
 * success returns CONFIG_OK and *root (any JSON value; the caller deletes
 * it). Otherwise *root is NULL, and the status is CONFIG_ERR_IO
 * ("PATH: cannot read: ...") or CONFIG_ERR_PARSE ("PATH:LINE:COL:
 * malformed JSON near '...'"), with the one-line message in msg. Only
 * cJSON's return_parse_end is used, never its global error pointer. */
enum config_status config_json_read_file(const char *path, const char *what, const char *role, cJSON **root,
                                         char *msg, size_t msg_len);

/* What cJSON would accept silently but lambdasim must not: objects/arrays
 * nested deeper than CONFIG_JSON_DEPTH_MAX (brackets inside strings do not
 * count), the escape \u0000 (cJSON would cut the string there), and bytes
 * that are not UTF-8 (JSON text is UTF-8; strings are echoed). Returns 0;
 * -1 for too deep or \u0000, 1 when the only problem is a byte that is not
 * UTF-8; then *pos (may be NULL) is the offset of the first problem and
 * why[why_len] (may be NULL) describes it. Linear, and run before every
 * cJSON parse, so no tree is ever built that deep. */
int config_json_check(const char *text, size_t len, size_t *pos, char *why, size_t why_len);

/* "FILE: FIELD: " (or "FILE: " without a field) then fmt, into msg[len]
 * (nothing when msg is NULL or len 0), as one line of valid UTF-8 whatever
 * the file held: the message of the sweep and result readers. */
void config_json_vmsg(char *msg, size_t len, const char *file, const char *field, const char *fmt, va_list ap)
    PRINTF_LIKE(5, 0);

/* "null", "boolean", "number", "string", "array", "object". */
const char *config_json_type_name(const cJSON *it);

#endif
