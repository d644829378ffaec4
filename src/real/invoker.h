/* invoker: the executor of the engine's real-time loop (engine.h) that runs
 * each invocation as a call of Lambda's Invoke API on a local platform
 * (`lambdasim serve`), over HTTP with libcurl's multi interface: `emulate
 * --invoke-url`. The engine is then the client (workload, batching queue,
 * in-flight cap, retries after a 429); the platform decides where each
 * invocation runs. Every call asks for the log tail (X-Amz-Log-Type: Tail),
 * and the REPORT line in it says what ran: an Init Duration is a cold
 * start, Duration the function's own time, the rest of the round trip is
 * overhead. Library code: errors are a status and a message. */
#ifndef LAMBDASIM_INVOKER_H
#define LAMBDASIM_INVOKER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include "core/engine.h"
#include "formats/digits.h"

/* What each call carries. */
enum invoker_payload {
    INVOKER_IMAGES = 0,     /* the batch's images, a JSON array of base64 strings (request i
                               is digit i mod n of the digits): mnist-bootstrap's event */
    INVOKER_ITEM,           /* one request per call, its image as one base64 string: an item
                               for serve's batching gateway (batches of one only) */
    INVOKER_FIXED           /* the same JSON payload on every call (any function) */
};

/* Something the run goes on despite: one line, without a newline. */
typedef void invoker_warn_fn(void *ctx, const char *line);

struct invoker_options {
    const char *url;            /* http://HOST:PORT of the platform (nothing after the port) */
    const char *function_name;
    enum invoker_payload payload;
    const struct mnist_digits *digits; /* borrowed; INVOKER_IMAGES and INVOKER_ITEM */
    const char *fixed_json;     /* INVOKER_FIXED's payload (one JSON value) */
    invoker_warn_fn *on_warning; /* may be NULL */
    void *ctx;
};

struct invoker_stats {
    uint64_t calls;             /* Invoke calls answered */
    uint64_t ok;                /* 200 without X-Amz-Function-Error */
    uint64_t function_errors;   /* X-Amz-Function-Error: the requests failed */
    uint64_t timeouts;          /* the REPORT said Status: timeout */
    uint64_t throttled;         /* 429 TooManyRequestsException */
    uint64_t cold;              /* REPORT lines with an Init Duration */
    uint64_t no_report;         /* answers whose log tail had no REPORT line */
    uint64_t labels_checked;    /* images whose label came back (image payloads) */
    uint64_t labels_correct;    /* of those, the digits file's label */
};

struct invoker;

enum invoker_status {
    INVOKER_OK = 0,
    INVOKER_ERR_INPUT,      /* the URL is not http://HOST:PORT */
    INVOKER_ERR_PLATFORM    /* nothing answers there, or not with the function */
};

/* Checks the URL and asks the platform, with a DryRun call, whether the
 * function exists and whether it batches its callers (*gateway_threshold:
 * serve's batching threshold, 0 when it does not batch; may be NULL). A
 * function that batches gets INVOKER_IMAGES payloads as INVOKER_ITEM ones.
 * On success *out is a new invoker (free with invoker_destroy). Otherwise
 * a message naming the URL ("cannot reach http://...: ...; is `lambdasim
 * serve` running there?", "function 'x' not found at ... (404
 * ResourceNotFoundException)"). */
enum invoker_status invoker_create(const struct invoker_options *o, int *gateway_threshold, struct invoker **out,
                                   char *msg, size_t msg_len);

/* The executor to hand to engine_run_real (owned by iv). Its completions
 * carry the platform's placement (engine_completion.placed). */
const struct engine_executor *invoker_executor(struct invoker *iv);

void invoker_get_stats(const struct invoker *iv, struct invoker_stats *st);

/* For the report: the "invoked" JSON member (indented two spaces, ending
 * with ",\n") and the table's "Invoke API" section. */
void invoker_report_json(FILE *f, const struct invoker *iv);
void invoker_report_table(FILE *f, const struct invoker *iv);

/* Abandons the calls still in flight and frees iv. Safe on NULL. */
void invoker_destroy(struct invoker *iv);

#endif
