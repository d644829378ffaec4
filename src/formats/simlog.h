/* simlog: what a simulated run's invocations would have logged, as sinks
 * (sink.h) for `lambdasim run`: --lambda-log writes Lambda's CloudWatch text
 * records (START, a function-output line, END, REPORT per invocation, pings
 * included) and --client-log the client-side CSV (one row per request, pings
 * excluded). Both read back with lambdalog.h; formats in README.md. */
#ifndef LAMBDASIM_SIMLOG_H
#define LAMBDASIM_SIMLOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "core/sink.h"

/* "Max Memory Used" written in every simulated REPORT (capped at the
 * configured memory): the simulator does not model memory use. */
#define SIMLOG_MAX_MEMORY_USED_MB 256

/* The deterministic fake RequestId of request batch `id` (ping false) or
 * of the id-th warm-up ping (from 0): a UUID-shaped string,
 * 00000000-0000-4000-8000-<id as 12 hex digits> for batches and
 * 00000000-0000-4000-9000-<...> for pings. buf needs 37 bytes. */
void simlog_request_id(char *buf, size_t len, bool ping, uint64_t id);

/* Billed Duration in ms: init (when billed) + duration, rounded up to
 * granularity_ms. */
double simlog_billed_ms(double init_ms, double duration_ms, double granularity_ms);

extern const struct sink_ops simlog_lambda_sink;   /* --lambda-log */
extern const struct sink_ops simlog_client_sink;   /* --client-log */

#endif
