/* lambdalog: readers for what a real (or simulated) deployment logged: AWS
 * Lambda's own records (CloudWatch text START/END/REPORT lines and JSON
 * platform.* records, docs/lambda-facts.md#log-formats) and a client-side CSV log.
 * Library code: returns a status and a one-line message naming file and line,
 * e.g. "logs/x.log:17: Duration: not a number ('12.3x ms')". Formats are
 * documented in README.md ("Log formats"). */
#ifndef LAMBDASIM_LAMBDALOG_H
#define LAMBDASIM_LAMBDALOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define LAMBDALOG_ID_MAX 128        /* longest RequestId kept */
#define LAMBDALOG_VERSION_MAX 64    /* longest function version kept */
/* Longest JSON record spanning lines, in bytes: CloudWatch caps an event
 * at 256 KB; a record still open past this is refused with its line. */
#define LAMBDALOG_RECORD_MAX ((size_t)1 << 20)

/* One invocation, from its REPORT (text) or platform.report (JSON) record. */
struct lambdalog_invocation {
    char request_id[LAMBDALOG_ID_MAX];
    double duration_ms;         /* handler time */
    double billed_ms;           /* NAN when not reported (Managed Instances) */
    double init_ms;             /* Init Duration; NAN when absent (not a cold start) */
    double restore_ms;          /* Restore Duration (SnapStart: a new environment restored
                                   from the snapshot, a cold start); NAN when absent */
    int memory_mb;              /* Memory Size (configured); 0 when not reported
                                   (a Managed Instances platform.report) */
    int max_memory_mb;          /* Max Memory Used */
    int batch_size;             /* requests carried: -1 unknown, 0 a warm-up ping */
    bool timed_out;             /* "Task timed out" line naming its RequestId, or status "timeout" */
    bool errored;               /* Status: error / failure (text), status "error" / "failure" (JSON):
                                   the handler failed; like a timeout, kept out of every fit */
    char version[LAMBDALOG_VERSION_MAX]; /* from START (Version: ...) or the log
                                            stream "[...]"; "" when unknown */
    const char *file;           /* borrowed from the log's file list */
    size_t line;                /* line of the REPORT record */
};

/* Invocations read from one or more Lambda log files, in file order. */
struct lambdalog {
    struct lambdalog_invocation *inv;
    size_t n, cap;
    char **files;               /* owned copies of the paths read */
    size_t n_files;
    /* "Task timed out" lines that name no RequestId of the file (a log cut
     * before the invocation's START and after its REPORT): counted, pinned
     * on no invocation. */
    size_t timeouts_unattributed;
};

void lambdalog_init(struct lambdalog *log);
/* Frees what the log owns; safe on an initialised or zeroed struct. */
void lambdalog_fini(struct lambdalog *log);

/* Reads a Lambda log file and appends its invocations. Text lines and JSON
 * records (one per line, or pretty-printed from a line holding only '{')
 * may be mixed; a line starting with '{' that is not valid JSON and does
 * not mention "platform." is function output (a printed dict), not an
 * error. Lines that are neither START, END, REPORT nor platform.* records
 * are function output: a token batch_size=N there gives the batch size of
 * the invocation it belongs to (the one whose RequestId the line names,
 * else the most recent START without END); batch_size=0 marks a warm-up
 * ping. A "Task timed out after" line marks the invocation whose RequestId
 * it names, before or after that invocation's REPORT, and no other (Lambda
 * writes it with the RequestId; a guess by position would pin a timeout on
 * an interleaved neighbour). A file that is one or more envelopes (the
 * JSON of `aws logs get-log-events` / `filter-log-events`, or a CloudWatch
 * Logs subscription payload, decoded or base64+gzip; formats/config.h,
 * config_log_envelope) is read event by event, and its messages are read
 * as above, with "event N" in place of a line number. Returns 0;
 * LAMBDALOG_NO_REPORTS, with a message, when the file is readable but holds
 * no REPORT line or platform.report record (a caller with several files
 * may skip it); or -1 with a message. The log keeps what earlier files
 * added; a file that fails adds nothing. */
#define LAMBDALOG_NO_REPORTS 1  /* lambdalog_read: a well-formed file with no invocation */
int lambdalog_read(struct lambdalog *log, const char *path, char *msg, size_t msg_len);

/* Parses one text REPORT line (with or without a timestamp/stream prefix)
 * into *out (file/line/batch/version untouched). Returns 0, or -1 with the
 * problem in why, e.g. "Duration: unit must be 'ms' (got 's')". */
int lambdalog_parse_report(const char *s, size_t len, struct lambdalog_invocation *out, char *why,
                           size_t why_len);

/* Checks that the invocations come from one function configuration: one
 * Memory Size, one version, no RequestId twice. Returns 0, or -1 with a
 * message giving the counts and the first line of each, e.g.
 * "mixed memory sizes: 40 invocations at 1024 MB (first at a.log:4) and 12
 * at 2048 MB (first at b.log:7); ...". */
int lambdalog_check(const struct lambdalog *log, char *msg, size_t msg_len);

/* Keeps only invocations with Memory Size memory_mb; returns how many. */
size_t lambdalog_keep_memory(struct lambdalog *log, int memory_mb);

/* ---- JSON records (implemented in src/formats/config_logs.c, the cJSON user) ---- */

enum lambdalog_record_kind {
    LAMBDALOG_REC_OTHER = 0,    /* a platform.* record we do not use */
    LAMBDALOG_REC_START,        /* platform.start: request_id, version */
    LAMBDALOG_REC_REPORT,       /* platform.report: inv */
    LAMBDALOG_REC_FUNCTION      /* function output: message, request_id if given */
};

struct lambdalog_record {
    enum lambdalog_record_kind kind;
    struct lambdalog_invocation inv;    /* REPORT: request id and metrics */
    char request_id[LAMBDALOG_ID_MAX];  /* START, FUNCTION ("" if none) */
    char version[LAMBDALOG_VERSION_MAX];
    char message[256];                  /* FUNCTION: start of the message */
};

/* Parsed by config_log_json_record (formats/config.h). */

/* ---- client-side log ------------------------------------------------------- */

/* One request as the client saw it. */
struct lambdalog_request {
    double send_s;              /* when the request was issued */
    double latency_ms;          /* send to response (or to the failure) */
    bool ok;                    /* status column: "ok" (default) or a failure */
    char request_id[LAMBDALOG_ID_MAX]; /* "" when not given */
    int64_t batch_id;           /* -1 when not given */
    int batch_size;             /* 0 when not given */
    double invoke_ms;           /* round trip of the Invoke call; NAN when not given */
    int cold;                   /* 1, 0, or -1 when not given */
    const char *file;           /* borrowed from the log's file list */
    size_t line;
};

struct lambdalog_client {
    struct lambdalog_request *req;
    size_t n, cap;
    char **files;
    size_t n_files;
    bool has_cold, has_batch_size, has_request_id, has_invoke;  /* in every file read */
};

void lambdalog_client_init(struct lambdalog_client *c);
void lambdalog_client_fini(struct lambdalog_client *c);

/* Send times at or above this many seconds are not on a scenario's clock
 * (a run's own logs start near 0; epoch seconds are about 1.7e9). */
#define LAMBDALOG_SCENARIO_CLOCK_MAX_S 1e6

/* How far to shift a client log's send times to put them on a scenario's
 * clock: 0 when they already are (every send in [0, 1e6) s, as `run` and
 * `emulate` write them: the scenario's warm-up pings and statistics window
 * then line up); otherwise the shift that puts the first send at start_s
 * (the scenario's workload.start_s). Replay send_s - shift. */
double lambdalog_replay_shift(const struct lambdalog_client *c, double start_s);

/* True when path looks like a client log: its first line that is not blank
 * or a '#' comment is a CSV header with a column send_s. */
bool lambdalog_is_client_log(const char *path);

/* Reads a client log (CSV with a header; columns in any order; blank lines
 * and '#' lines skipped). Required: send_s, latency_ms. Optional: status,
 * request_id, batch_id, batch_size, invoke_ms, cold. Other columns are
 * ignored unless their name is close to a known one (then it is an error
 * with a "did you mean"). Appends; returns 0, or -1 with a message. */
int lambdalog_client_read(struct lambdalog_client *c, const char *path, char *msg, size_t msg_len);

#endif
