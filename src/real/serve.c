/* serve: a local Lambda over HTTP (serve.h). Threads: libmicrohttpd runs
 * one thread per connection, both for the Invoke API and for each
 * instance's Runtime API, so a handler may block (an Invoke waits for its
 * result, a /next for work); the caller of serve_run does the housekeeping
 * (reaping, timeouts, keep-alive). One mutex guards all state and one
 * condition variable wakes every waiter: the scale is a laptop's. */
#define _GNU_SOURCE /* pipe2 */
#include "real/serve.h"
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <math.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/random.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "base/base64.h"
#include "base/common.h"
#include "base/xalloc.h"
#include "core/batcher.h"
#include "core/platform.h"
#include "formats/jsonarray.h"
#include "formats/simlog.h"
#include "real/cpucap.h"

#define REGION "us-east-1"
#define ACCOUNT "000000000000"
#define TICK_NS 10000000L   /* housekeeping every 10 ms */
#define LINE_MAX_BYTES 8192 /* longer output lines are split */

/* An inv is one invocation of the function, or (batching gateway) one
 * caller's item: INV_BATCHING while it waits in the batcher, then carried
 * by the batch inv that holds it in items[] until that one ends. */
enum inv_state { INV_BATCHING, INV_QUEUED, INV_RUNNING, INV_RETRY_WAIT, INV_DONE };

struct inv {
    char id[40];
    char *payload;
    size_t payload_len;
    bool event, tail;
    bool ping;                  /* a warm-up ping: no caller, bypasses the batcher */
    enum inv_state state;
    char *body;                 /* the function's response or error */
    size_t body_len;
    bool func_error;            /* X-Amz-Function-Error: Unhandled */
    const char *report_status;  /* NULL, "error" or "timeout" (REPORT's Status) */
    char *log;                  /* this invocation's log, for X-Amz-Log-Result */
    size_t log_len, log_cap;
    double t_arrive, t_start, t_end; /* monotonic s */
    double deadline_epoch_ms;
    bool cold;
    double init_ms;
    uint64_t serial;
    struct inst *bound;         /* the instance started for it: it waits for that one,
                                   as a Lambda invoke waits for its cold start */
    int refs;                   /* the caller (sync) + the platform */
    struct inv *next;           /* queue link */
    const char *throttled;      /* refused with 429 after it was accepted: the Reason
                                   (an item whose batch left over the concurrency limit,
                                   an invocation over the scaling rate) */
    uint64_t batch_serial;      /* item: its batch's number (client log) */
    int attempt;                /* Event: retries made so far */
    double retry_at;            /* INV_RETRY_WAIT: when it is queued again (monotonic s) */
    struct inv *retry_next;     /* the waiting retries' list */
    struct inv **items;         /* batch: its callers' items, oldest first (a reference each) */
    int n_items;
};

enum inst_state { I_STARTING, I_IDLE, I_BUSY };

struct inst {
    struct serve *s;
    enum inst_state state;
    pid_t pid;
    bool exited;
    int out_fd;
    struct MHD_Daemon *rt;
    int port;
    int slot;
    uint64_t serial;
    double t_spawn, t_idle;     /* t_spawn: the platform began to create it (Init Duration's start) */
    double init_ms;
    bool init_pending;          /* the next invocation is this instance's cold one */
    bool provisioned;
    bool doomed;                /* to be removed by the housekeeping */
    bool stopping;              /* removed: wakes its /next */
    double hold_until;          /* a warm-up ping holds it until then after answering */
    struct inv *cur;
    char line[LINE_MAX_BYTES];
    size_t line_len;
};

struct serve {
    struct serve_options o;
    char dir[PATH_MAX];
    char bootstrap[PATH_MAX + 16];
    char arn[512];
    pthread_mutex_t mu;
    pthread_cond_t cv;
    struct MHD_Daemon *api;
    int port;
    struct inst **inst;         /* [concurrency_limit], NULL: free slot */
    int n_inst;
    struct inv *q_head, *q_tail;
    size_t queued, running;
    struct inv *retry_head;     /* failed Event invocations waiting to run again */
    /* The batching gateway (batch_threshold > 1): the simulator's batcher
     * decides when the items in pending[] (same order, same count) leave. */
    bool batching;
    struct batcher batcher;
    struct inv **pending;       /* [batch_max] */
    double *taken_s;            /* [batch_max], batcher_take's arrival times */
    uint64_t next_batch;
    struct platform_bucket bucket; /* the scaling rate (scale_per_10s > 0), as the simulator's */
    double next_round_at;       /* the next warm-up round (monotonic s) */
    size_t spawn_wanted;        /* instances dispatch wants started */
    double prov_retry_at;       /* a lost provisioned instance is replaced from then on */
    uint64_t next_serial, next_inst;
    bool refusing, closing, stopped;
    double t0;
    struct cpucap cap;
    double vcpus;
    struct serve_stats st;
    uint64_t rng;               /* random routing's state */
};

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static double epoch_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec * 1e-6;
}

static void set_msg(char *msg, size_t len, const char *fmt, ...) PRINTF_LIKE(3, 4);
static void set_msg(char *msg, size_t len, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, len, fmt, ap);
    va_end(ap);
}

static void note(struct serve *s, const char *fmt, ...) PRINTF_LIKE(2, 3);
static void note(struct serve *s, const char *fmt, ...)
{
    if (s->o.on_note == NULL)
        return;
    char line[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    s->o.on_note(s->o.ctx, line);
}

static void random_hex(char *out, size_t n_hex)
{
    unsigned char b[64];
    size_t nb = (n_hex + 1) / 2;
    if (nb > sizeof b)
        nb = sizeof b;
    if (getrandom(b, nb, 0) != (ssize_t)nb) {
        /* No kernel randomness: ids need only be unique, not secret. */
        static uint64_t counter;
        uint64_t x = (uint64_t)(now_s() * 1e9) ^ (++counter * 0x9e3779b97f4a7c15ULL);
        for (size_t i = 0; i < nb; i++) {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            b[i] = (unsigned char)(x & 0xff);
        }
    }
    static const char hex[] = "0123456789abcdef";
    for (size_t i = 0; i < n_hex && i / 2 < nb; i++)
        out[i] = hex[(i % 2 == 0 ? b[i / 2] >> 4 : b[i / 2]) & 0xf];
    out[n_hex] = '\0';
}

/* A version 4 UUID, as Lambda's request ids. */
static void new_uuid(char out[40])
{
    char h[33];
    random_hex(h, 32);
    h[12] = '4';
    h[16] = "89ab"[h[16] % 4];
    snprintf(out, 40, "%.8s-%.4s-%.4s-%.4s-%.12s", h, h + 8, h + 12, h + 16, h + 20);
}


/* ---- log ------------------------------------------------------------------ */

static void inv_log_append(struct inv *v, const char *text, size_t len)
{
    if (v == NULL)
        return;
    if (v->log_len + len + 1 > v->log_cap)
        v->log = xgrow(v->log, &v->log_cap, v->log_len + len + 1, 1);
    memcpy(v->log + v->log_len, text, len);
    v->log_len += len;
    v->log[v->log_len] = '\0';
}

/* One line (without its newline) to the log file and to v's own log.
 * Called with the lock held; flushed so that a reader of the file sees
 * each invocation whole as soon as it ends. */
static void log_line(struct serve *s, struct inv *v, const char *text, size_t len)
{
    if (s->o.log != NULL) {
        fwrite(text, 1, len, s->o.log);
        fputc('\n', s->o.log);
        fflush(s->o.log);
    }
    inv_log_append(v, text, len);
    inv_log_append(v, "\n", 1);
}

static void log_fmt(struct serve *s, struct inv *v, const char *fmt, ...) PRINTF_LIKE(3, 4);
static void log_fmt(struct serve *s, struct inv *v, const char *fmt, ...)
{
    char line[1024];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    log_line(s, v, line, (size_t)n < sizeof line ? (size_t)n : sizeof line - 1);
}

/* Reads what the instance wrote so far (stdout and stderr share a pipe)
 * and logs it line by line, each line in the log of the invocation it
 * runs. final: the process is gone; a last line without newline counts. */
static void drain_output(struct serve *s, struct inst *in, bool final)
{
    if (in->out_fd < 0)
        return;
    for (;;) {
        char buf[4096];
        ssize_t r = read(in->out_fd, buf, sizeof buf);
        if (r <= 0) {
            if (r == 0 || (errno != EINTR && errno != EAGAIN)) {
                close(in->out_fd);
                in->out_fd = -1;
            }
            if (r < 0 && errno == EINTR)
                continue;
            break;
        }
        for (ssize_t i = 0; i < r; i++) {
            if (buf[i] == '\n' || in->line_len == sizeof in->line) {
                log_line(s, in->cur, in->line, in->line_len);
                in->line_len = 0;
                if (buf[i] == '\n')
                    continue;
            }
            in->line[in->line_len++] = buf[i];
        }
    }
    if (final && in->line_len > 0) {
        log_line(s, in->cur, in->line, in->line_len);
        in->line_len = 0;
    }
}

/* Peak resident memory of the instance's process in MB (VmHWM, what
 * rusage's ru_maxrss reports once it has exited); 0 when unknown. */
static int max_memory_mb(pid_t pid)
{
    char path[64];
    snprintf(path, sizeof path, "/proc/%ld/status", (long)pid);
    FILE *f = fopen(path, "r");
    if (f == NULL)
        return 0;
    char line[256];
    long kb = 0;
    while (fgets(line, sizeof line, f) != NULL)
        if (strncmp(line, "VmHWM:", 6) == 0) {
            kb = strtol(line + 6, NULL, 10);
            break;
        }
    fclose(f);
    return (int)((kb + 1023) / 1024);
}

/* ---- invocations ------------------------------------------------------------ */

static void inv_unref(struct inv *v)
{
    if (v != NULL && --v->refs == 0) {
        free(v->payload);
        free(v->body);
        free(v->log);
        free(v->items);
        free(v);
    }
}

static void client_row(struct serve *s, const struct inv *v, const char *status)
{
    if (s->o.client_log == NULL || v->event)
        return;
    double end = v->t_end > 0 ? v->t_end : now_s();
    fprintf(s->o.client_log, "%.6f,%.3f,%s,", v->t_arrive - s->t0, (end - v->t_arrive) * 1e3, status);
    /* invoke_ms is the Invoke call's round trip as its client sees it
     * (cold start included), which without batching is the latency. */
    if (v->t_start > 0)
        fprintf(s->o.client_log, "%s,%" PRIu64 ",1,%.3f,%d\n", v->id, v->serial, (end - v->t_arrive) * 1e3,
                v->cold ? 1 : 0);
    else
        fprintf(s->o.client_log, ",%" PRIu64 ",1,,\n", v->serial);
    fflush(s->o.client_log);
}

/* One caller's row of a batch b (b NULL: the item was throttled with its
 * batch before it ran). latency_ms is the caller's whole wait (batching
 * included); invoke_ms the batch invocation's round trip, from leaving the
 * batcher to the function's reply, as a batching client would time its
 * Invoke call. request_id is the batch's RequestId, not the caller's own
 * x-amzn-RequestId: it is the one in the log's REPORT line, which is what
 * calibrate joins a row to. */
static void client_row_item(struct serve *s, const struct inv *it, const struct inv *b, int n, const char *status)
{
    if (s->o.client_log == NULL || it->event)
        return;
    fprintf(s->o.client_log, "%.6f,%.3f,%s,", it->t_arrive - s->t0, (it->t_end - it->t_arrive) * 1e3, status);
    if (b != NULL && b->t_start > 0)
        fprintf(s->o.client_log, "%s,%" PRIu64 ",%d,%.3f,%d\n", b->id, it->batch_serial, n,
                (b->t_end - b->t_arrive) * 1e3, b->cold ? 1 : 0);
    else
        fprintf(s->o.client_log, ",%" PRIu64 ",%d,,\n", it->batch_serial, n);
    fflush(s->o.client_log);
}

static void stats_count(struct serve *s, bool func_error, const char *report_status)
{
    if (report_status != NULL && strcmp(report_status, "timeout") == 0)
        s->st.timeouts++;
    else if (func_error)
        s->st.function_errors++;
    else
        s->st.ok++;
}

static const char *client_status(bool func_error, const char *report_status)
{
    return report_status != NULL && strcmp(report_status, "timeout") == 0 ? "timed_out"
           : func_error ? "error" : "ok";
}

static void set_body(struct inv *v, const char *body, size_t len)
{
    free(v->body);
    v->body = xmalloc(len + 1);
    memcpy(v->body, body, len);
    v->body[len] = '\0';
    v->body_len = len;
}

/* The batch reply, when it is not a JSON array of one result per item:
 * the error every caller gets (the function did run). 0 when it fits;
 * spans (room for b->n_items) then hold the elements. */
static size_t batch_mismatch(const struct inv *b, struct jsonarray_span *spans, char *err, size_t err_len)
{
    long n = jsonarray_split(b->body, b->body_len, spans, (size_t)b->n_items);
    if (n == b->n_items)
        return 0;
    int w;
    if (n < 0)
        w = snprintf(err, err_len, "{\"errorMessage\":\"lambdasim serve: the function's reply to a batch of %d "
                     "requests is not a JSON array (the batching gateway expects one result per request, "
                     "in order)\",\"errorType\":\"Lambdasim.BatchReplyMismatch\"}", b->n_items);
    else
        w = snprintf(err, err_len, "{\"errorMessage\":\"lambdasim serve: the function's reply to a batch of %d "
                     "requests is a JSON array of %ld results (the batching gateway expects one result per "
                     "request, in order)\",\"errorType\":\"Lambdasim.BatchReplyMismatch\"}", b->n_items, n);
    return w < 0 ? 0 : (size_t)w < err_len ? (size_t)w : err_len - 1;
}

/* The batch b has ended (its body, error and log are final): each caller
 * gets its own element of the reply, or the batch's error, and b's log
 * (for X-Amz-Log-Result), and is woken. */
static void finish_items(struct serve *s, struct inv *b, const struct jsonarray_span *spans, const char *mismatch,
                         size_t mismatch_len)
{
    for (int i = 0; i < b->n_items; i++) {
        struct inv *it = b->items[i];
        it->t_end = b->t_end;
        it->t_start = b->t_start;
        it->cold = b->cold;
        it->init_ms = b->init_ms;
        it->report_status = b->report_status;
        if (b->func_error || mismatch_len > 0 || spans == NULL) {
            it->func_error = true;
            if (b->func_error || spans == NULL)
                set_body(it, b->body, b->body_len);
            else
                set_body(it, mismatch, mismatch_len);
        } else {
            it->func_error = false;
            set_body(it, b->body + spans[i].off, spans[i].len);
        }
        if (it->tail && b->log_len > 0)
            inv_log_append(it, b->log, b->log_len);
        stats_count(s, it->func_error, it->report_status);
        client_row_item(s, it, b, b->n_items, client_status(it->func_error, it->report_status));
        it->state = INV_DONE;
        inv_unref(it);
    }
    b->n_items = 0;
}

/* Lambda's asynchronous retries: an Event invocation that failed (function
 * error, crash, timeout) runs again after 1 minute, then after 2 more, up to
 * MaximumRetryAttempts (2) times, with the same RequestId
 * (https://docs.aws.amazon.com/lambda/latest/dg/invocation-async-error-handling.html).
 * Here: event_retries times, retry k after k x event_retry_delay_s. Returns
 * true when v waits for its retry instead of ending (lock held; finish has
 * logged its REPORT and taken it off the running count). Not once serve is stopping: a failure then is
 * final. */
static bool retry_event(struct serve *s, struct inst *in, struct inv *v, bool func_error, const char *report_status)
{
    bool failed = func_error || report_status != NULL;
    if (!v->event || v->ping || !failed || v->attempt >= s->o.event_retries || s->refusing
        || v->state != INV_RUNNING)
        return false;
    v->attempt++;
    double wait_s = s->o.event_retry_delay_s * v->attempt;
    log_fmt(s, NULL, "lambdasim serve: RequestId: %s: the Event invocation failed (attempt %d of %d); it runs "
            "again in %g s", v->id, v->attempt, s->o.event_retries + 1, wait_s);
    s->st.event_retries++;
    v->state = INV_RETRY_WAIT;
    v->retry_at = v->t_end + wait_s;
    v->bound = NULL;
    v->cold = false;
    v->log_len = 0;
    v->retry_next = s->retry_head;
    s->retry_head = v;
    if (in != NULL && in->cur == v)
        in->cur = NULL;
    pthread_cond_broadcast(&s->cv);
    return true;
}

static void queue_append(struct serve *s, struct inv *v);

/* Queues the retries that are due; when stopping, all of them (they run
 * during the drain, or fail with the rest of the queue). Lock held. */
static void queue_due_retries(struct serve *s, double t)
{
    for (struct inv **p = &s->retry_head; *p != NULL;) {
        struct inv *v = *p;
        if (v->retry_at > t && !s->refusing) {
            p = &v->retry_next;
            continue;
        }
        *p = v->retry_next;
        v->retry_next = NULL;
        v->state = INV_QUEUED;
        queue_append(s, v);
    }
}

/* Ends the invocation running on in (or, in == NULL, one never placed):
 * END and REPORT lines, the caller woken, the platform's reference dropped. */
static void finish(struct serve *s, struct inst *in, struct inv *v, const char *body, size_t len, bool func_error,
                   const char *report_status)
{
    if (in != NULL)
        drain_output(s, in, false);
    v->t_end = now_s();
    set_body(v, body, len);
    v->func_error = func_error;
    v->report_status = report_status;
    struct jsonarray_span *spans = NULL;
    char mismatch[400];
    size_t mismatch_len = 0;
    if (v->n_items > 0 && !func_error) {
        spans = xcalloc((size_t)v->n_items, sizeof *spans);
        mismatch_len = batch_mismatch(v, spans, mismatch, sizeof mismatch);
        if (mismatch_len > 0 && v->state == INV_RUNNING)
            log_fmt(s, v, "lambdasim serve: RequestId: %s: the reply to a batch of %d is not a JSON array of %d "
                    "results: every request of the batch gets a function error", v->id, v->n_items, v->n_items);
    }
    if (v->state == INV_RUNNING) {
        s->running--;
        double dur_ms = (v->t_end - v->t_start) * 1e3;
        char init[64] = "", status[96] = "";
        if (v->cold)
            snprintf(init, sizeof init, "Init Duration: %.2f ms\t", v->init_ms);
        if (report_status != NULL)
            snprintf(status, sizeof status, "Status: %s\t", report_status);
        log_fmt(s, v, "END RequestId: %s", v->id);
        log_fmt(s, v,
                "REPORT RequestId: %s\tDuration: %.2f ms\tBilled Duration: %.0f ms\tMemory Size: %.0f MB\t"
                "Max Memory Used: %d MB\t%s%s",
                v->id, dur_ms, simlog_billed_ms(v->cold ? v->init_ms : 0, dur_ms, 1.0), s->o.memory_mb,
                in != NULL && !in->exited ? max_memory_mb(in->pid) : 0, init, status);
    } else if (v->state == INV_QUEUED) {
        s->queued--;
    }
    if (retry_event(s, in, v, func_error, report_status)) {
        free(spans);
        return;
    }
    if (v->ping) {
        /* As the simulator's ping, it holds its instance hold_s after
         * its answer (next_invocation waits it out). */
        if (in != NULL)
            in->hold_until = v->t_end + s->o.warmup_hold_s;
    } else if (v->n_items > 0) {
        finish_items(s, v, spans, mismatch, mismatch_len);
    } else {
        stats_count(s, func_error, report_status);
        client_row(s, v, client_status(func_error, report_status));
    }
    free(spans);
    v->state = INV_DONE;
    if (in != NULL && in->cur == v)
        in->cur = NULL;
    pthread_cond_broadcast(&s->cv);
    inv_unref(v);
}

static struct inv *dequeue(struct serve *s)
{
    struct inv *v = s->q_head;
    if (v != NULL) {
        s->q_head = v->next;
        if (s->q_head == NULL)
            s->q_tail = NULL;
        v->next = NULL;
    }
    return v;
}

/* Puts v at the tail of the queue (lock held). */
static void queue_append(struct serve *s, struct inv *v)
{
    if (s->q_tail != NULL)
        s->q_tail->next = v;
    else
        s->q_head = v;
    s->q_tail = v;
    s->queued++;
}

/* Takes v, which follows prev (NULL: v is the head), out of the queue (lock
 * held). */
static void queue_remove(struct serve *s, struct inv *prev, struct inv *v)
{
    if (prev != NULL)
        prev->next = v->next;
    else
        s->q_head = v->next;
    if (s->q_tail == v)
        s->q_tail = prev;
    v->next = NULL;
    s->queued--;
}

/* Takes from the queue the invocation in should run: the one bound to it,
 * else the oldest that waits for no instance in particular (with
 * only_bound, none). NULL when there is none. */
static struct inv *take(struct serve *s, const struct inst *in, bool only_bound)
{
    struct inv *prev = NULL, *pick = NULL, *pick_prev = NULL;
    for (struct inv *v = s->q_head; v != NULL; prev = v, v = v->next) {
        if (v->bound == in) {
            pick = v;
            pick_prev = prev;
            break;
        }
        if (v->bound == NULL && pick == NULL && !only_bound) {
            pick = v;
            pick_prev = prev;
        }
    }
    if (pick == NULL)
        return NULL;
    queue_remove(s, pick_prev, pick);
    return pick;
}

/* ---- instances -------------------------------------------------------------- */

static enum MHD_Result runtime_api(void *cls, struct MHD_Connection *c, const char *url, const char *method,
                                   const char *version, const char *upload, size_t *upload_size, void **ctx);
static void request_done(void *cls, struct MHD_Connection *c, void **ctx, enum MHD_RequestTerminationCode toe);

static struct MHD_Daemon *start_daemon(const char *host, int port, MHD_AccessHandlerCallback fn, void *cls,
                                       char *msg, size_t len)
{
    struct sockaddr_in sa;
    memset(&sa, 0, sizeof sa);
    sa.sin_family = AF_INET;
    sa.sin_port = htons((uint16_t)port);
    if (inet_pton(AF_INET, host, &sa.sin_addr) != 1) {
        set_msg(msg, len, "not a numeric IPv4 address: '%s'", host);
        return NULL;
    }
    struct MHD_Daemon *d = MHD_start_daemon(
        MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ITC, 0, NULL, NULL, fn, cls,
        MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sa, MHD_OPTION_NOTIFY_COMPLETED, request_done, NULL,
        MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)0, MHD_OPTION_LISTENING_ADDRESS_REUSE, (unsigned)1,
        MHD_OPTION_END);
    if (d == NULL)
        set_msg(msg, len, "cannot listen on %s:%d (in use, or not an address of this machine)", host, port);
    return d;
}

static int daemon_port(struct MHD_Daemon *d)
{
    const union MHD_DaemonInfo *di = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
    return di != NULL ? (int)di->port : 0;
}

static char *env_pair(const char *key, const char *value)
{
    size_t n = strlen(key) + strlen(value) + 2;
    char *p = xmalloc(n);
    snprintf(p, n, "%s=%s", key, value);
    return p;
}

/* Starts an instance in a free slot (the lock is held). NULL when the
 * process cannot be started (a note says why). */
static struct inst *spawn(struct serve *s, bool provisioned)
{
    int slot = -1;
    for (int i = 0; i < s->o.concurrency_limit; i++)
        if (s->inst[i] == NULL) {
            slot = i;
            break;
        }
    if (slot < 0)
        return NULL;
    struct inst *in = xcalloc(1, sizeof *in);
    in->s = s;
    in->slot = slot;
    in->out_fd = -1;
    in->provisioned = provisioned;
    in->serial = ++s->next_inst;
    /* Init Duration counts from here, as Lambda's init phase covers
     * starting the runtime: the Runtime API, the cgroup and fork + exec
     * (about 2 ms here) are the instance's init, not time the platform
     * leaves out of it. */
    in->t_spawn = now_s();
    char why[512];
    in->rt = start_daemon("127.0.0.1", 0, runtime_api, in, why, sizeof why);
    if (in->rt == NULL) {
        note(s, "warning: cannot start an instance: its Runtime API: %s", why);
        free(in);
        return NULL;
    }
    in->port = daemon_port(in->rt);
    char procs[PATH_MAX + 64];
    const char *cg = NULL;
    if (s->cap.kind != CPUCAP_NONE) {
        /* Init at one vCPU at least, as emulate (and the simulator, which
         * does not stretch init by memory): the share applies from the
         * instance's first `next` on (next_invocation). */
        if (cpucap_slot(&s->cap, (uint32_t)slot, cpucap_init_vcpus(s->vcpus), procs, sizeof procs, why,
                        sizeof why) == 0)
            cg = procs;
        else
            note(s, "warning: instance %" PRIu64 " runs without its CPU share: %s", in->serial, why);
    }

    /* Everything the child needs is made before fork: after it, in a
     * threaded process, only async-signal-safe calls. */
    char api[64], mem[32], stream[128], day[16], hex[33];
    snprintf(api, sizeof api, "127.0.0.1:%d", in->port);
    snprintf(mem, sizeof mem, "%.0f", s->o.memory_mb);
    time_t t = time(NULL);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(day, sizeof day, "%Y/%m/%d", &tm);
    random_hex(hex, 32);
    snprintf(stream, sizeof stream, "%s/[$LATEST]%s", day, hex);
    char group[300];
    snprintf(group, sizeof group, "/aws/lambda/%s", s->o.function_name);
    const char *ours[][2] = {
        { "AWS_LAMBDA_RUNTIME_API", api },
        { "_HANDLER", s->o.handler },
        { "LAMBDA_TASK_ROOT", s->dir },
        { "AWS_LAMBDA_FUNCTION_NAME", s->o.function_name },
        { "AWS_LAMBDA_FUNCTION_MEMORY_SIZE", mem },
        { "AWS_LAMBDA_FUNCTION_VERSION", "$LATEST" },
        { "AWS_LAMBDA_LOG_GROUP_NAME", group },
        { "AWS_LAMBDA_LOG_STREAM_NAME", stream },
        { "AWS_LAMBDA_INITIALIZATION_TYPE", provisioned ? "provisioned-concurrency" : "on-demand" },
        { "AWS_REGION", REGION },
        { "AWS_DEFAULT_REGION", REGION },
        { "TZ", ":UTC" },
    };
    size_t n_ours = sizeof ours / sizeof ours[0], n_env = 0;
    while (environ[n_env] != NULL)
        n_env++;
    char **env = xcalloc(n_env + n_ours + 1, sizeof *env);
    size_t k = 0;
    for (size_t i = 0; i < n_env; i++) {
        bool replaced = false;
        for (size_t j = 0; j < n_ours && !replaced; j++) {
            size_t kl = strlen(ours[j][0]);
            replaced = strncmp(environ[i], ours[j][0], kl) == 0 && environ[i][kl] == '=';
        }
        if (!replaced)
            env[k++] = xstrdup(environ[i]);
    }
    for (size_t j = 0; j < n_ours; j++)
        env[k++] = env_pair(ours[j][0], ours[j][1]);
    env[k] = NULL;
    char *argv[] = { s->bootstrap, NULL };

    int fds[2] = { -1, -1 };
    pid_t parent = getpid();
    pid_t pid = -1;
    if (pipe2(fds, O_CLOEXEC) == 0)
        pid = fork();
    if (pid == 0) {
        /* Own process group: Ctrl-C in the terminal reaches serve only
         * (which stops the instances itself), and a kill of the group
         * takes the bootstrap's children (curl...) too. */
        setpgid(0, 0);
        if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0 || getppid() != parent)
            _exit(3);
        sigset_t none;
        sigemptyset(&none);
        sigprocmask(SIG_SETMASK, &none, NULL);
        int null = open("/dev/null", O_RDONLY);
        if (null < 0 || dup2(null, 0) < 0 || dup2(fds[1], 1) < 0 || dup2(fds[1], 2) < 0 || chdir(s->dir) != 0)
            _exit(3);
        if (cg != NULL) {
            int fd = open(cg, O_WRONLY);
            if (fd >= 0) {
                /* "0" moves the writing process itself. */
                ssize_t w = write(fd, "0", 1);
                (void)w;
                close(fd);
            }
        }
        execve(s->bootstrap, argv, env);
        static const char m[] = "lambdasim serve: cannot execute the bootstrap\n";
        ssize_t w = write(2, m, sizeof m - 1);
        (void)w;
        _exit(127);
    }
    for (size_t i = 0; i < k; i++)
        free(env[i]);
    free(env);
    if (fds[1] >= 0)
        close(fds[1]);
    if (pid < 0) {
        note(s, "warning: cannot start an instance: %s", strerror(errno));
        if (fds[0] >= 0)
            close(fds[0]);
        pthread_mutex_unlock(&s->mu);
        MHD_stop_daemon(in->rt);
        pthread_mutex_lock(&s->mu);
        free(in);
        return NULL;
    }
    setpgid(pid, pid); /* either side may win the race; both ask the same */
    in->pid = pid;
    in->out_fd = fds[0];
    fcntl(in->out_fd, F_SETFL, fcntl(in->out_fd, F_GETFL) | O_NONBLOCK);
    in->state = I_STARTING;
    s->inst[slot] = in;
    s->n_inst++;
    s->st.instances_started++;
    note(s, "instance %" PRIu64 " started (pid %ld, runtime API 127.0.0.1:%d%s)", in->serial, (long)pid, in->port,
         provisioned ? ", provisioned" : "");
    return in;
}

/* Gives the queue's work to idle instances and asks for instances for
 * what is left (lock held): one per invocation that waits for no instance
 * in particular, the new instance then bound to it. An instance that has
 * just answered and not yet asked for more (busy, nothing running) is
 * about to be idle: counted as coming, so a quick second request reuses
 * it. */
static void unlink_inv(struct serve *s, struct inv *v);
static void throttle_items(struct serve *s, struct inv **items, int n, const char *reason);
static void throttle_inv(struct serve *s, struct inv *v, const char *reason);

/* xorshift64* (Vigna): random routing's picks; no statistics depend on it. */
static uint64_t next_random(struct serve *s)
{
    s->rng ^= s->rng >> 12;
    s->rng ^= s->rng << 25;
    s->rng ^= s->rng >> 27;
    return s->rng * 0x2545F4914F6CDD1DULL;
}

/* The idle instances in the order the simulator's platform would use them
 * (core/platform.c, platform_acquire): provisioned ones first, then
 * on-demand ones, each by platform.routing: mru the most recently idle
 * first, lru the longest idle first, random any. Returns how many (lock
 * held). */
static size_t idle_order(struct serve *s, struct inst **out)
{
    size_t n = 0;
    double key[SERVE_ROUTE_MAX];
    for (int i = 0; i < s->o.concurrency_limit && n < SERVE_ROUTE_MAX; i++) {
        struct inst *in = s->inst[i];
        if (in == NULL || in->state != I_IDLE || in->cur != NULL || in->doomed)
            continue;
        double k = s->o.routing == ROUTING_LRU ? in->t_idle
                   : s->o.routing == ROUTING_RANDOM ? (double)(next_random(s) >> 11) * 0x1p-53 : -in->t_idle;
        k += in->provisioned ? 0 : 1e12; /* every provisioned one before any on-demand one */
        size_t j = n++;
        for (; j > 0 && key[j - 1] > k; j--) {
            key[j] = key[j - 1];
            out[j] = out[j - 1];
        }
        key[j] = k;
        out[j] = in;
    }
    return n;
}

static void dispatch(struct serve *s)
{
    if (s->closing)
        return;
    struct inst *order[SERVE_ROUTE_MAX];
    size_t n_idle = s->q_head != NULL ? idle_order(s, order) : 0;
    for (size_t i = 0; i < n_idle && s->q_head != NULL; i++) {
        struct inst *in = order[i];
        struct inv *v = take(s, in, false);
        if (v == NULL)
            continue;
        s->running++;
        in->cur = v;
        in->state = I_BUSY;
        v->state = INV_RUNNING;
        v->t_start = now_s();
        v->deadline_epoch_ms = epoch_ms() + s->o.timeout_s * 1e3;
        v->cold = in->init_pending;
        v->init_ms = in->init_ms;
        in->init_pending = false;
        if (v->cold)
            s->st.cold_starts++;
        log_fmt(s, v, "START RequestId: %s Version: $LATEST", v->id);
        pthread_cond_broadcast(&s->cv);
    }
    size_t coming = 0, unbound = 0;
    for (int i = 0; i < s->o.concurrency_limit; i++) {
        struct inst *in = s->inst[i];
        if (in != NULL && !in->doomed && in->state == I_BUSY && in->cur == NULL && in->hold_until <= now_s())
            coming++;
    }
    for (const struct inv *v = s->q_head; v != NULL; v = v->next)
        if (v->bound == NULL)
            unbound++;
    /* Started by the housekeeping thread (start_wanted), never here: a
     * connection thread ends with its connection, and the instance's
     * PR_SET_PDEATHSIG fires when the thread that forked it ends. */
    size_t room = (size_t)(s->o.concurrency_limit - s->n_inst);
    size_t want = unbound > coming ? unbound - coming : 0;
    s->spawn_wanted = want < room ? want : room;
    if (s->spawn_wanted > 0)
        pthread_cond_broadcast(&s->cv);
}

/* Removes a queued invocation from the queue (lock held). */
static void unlink_inv(struct serve *s, struct inv *v)
{
    struct inv *prev = NULL;
    for (struct inv *w = s->q_head; w != NULL && w != v; w = w->next)
        prev = w;
    queue_remove(s, prev, v);
}

/* Refuses items that were accepted (lock held): each caller gets a 429
 * with reason; the platform's reference to each is dropped. */
static void throttle_items(struct serve *s, struct inv **items, int n, const char *reason)
{
    double t = now_s();
    for (int i = 0; i < n; i++) {
        struct inv *it = items[i];
        it->throttled = reason;
        it->t_end = t;
        it->state = INV_DONE;
        if (it->ping)
            s->st.pings_throttled++;
        else
            s->st.throttled++;
        client_row_item(s, it, NULL, n, "throttled");
        inv_unref(it);
    }
    pthread_cond_broadcast(&s->cv);
}

/* Refuses an accepted invocation taken off the queue (a batch: all its
 * callers). */
static void throttle_inv(struct serve *s, struct inv *v, const char *reason)
{
    note(s, "%s throttled: no instance may start now (scaling rate platform.scale_per_10s %g)",
         v->n_items > 0 ? "a batch" : v->ping ? "a warm-up ping" : "an invocation", s->o.scale_per_10s);
    if (v->n_items > 0) {
        throttle_items(s, v->items, v->n_items, reason);
        v->n_items = 0;
        v->state = INV_DONE;
        inv_unref(v);
        return;
    }
    struct inv *one[1] = { v };
    v->batch_serial = v->serial;
    throttle_items(s, one, 1, reason);
}

/* Starts the instances dispatch asked for (lock held; the housekeeping
 * thread only). */
static void start_wanted(struct serve *s)
{
    while (s->spawn_wanted > 0 && !s->closing) {
        s->spawn_wanted--;
        struct inv *v = s->q_head;
        while (v != NULL && v->bound != NULL)
            v = v->next;
        if (v == NULL)
            break;
        /* A new on-demand instance takes a token of the scaling rate, as
         * in the simulator's platform_acquire; none left: the invocation
         * that wanted it is throttled. One with no caller waiting (Event
         * only) waits for the bucket to refill instead, as Lambda's
         * asynchronous queue retries throttles. */
        if (s->o.scale_per_10s > 0 && !platform_bucket_take(&s->bucket, now_s())) {
            if (v->event && !v->ping)
                break;
            unlink_inv(s, v);
            throttle_inv(s, v, SERVE_REASON_SCALING);
            continue;
        }
        struct inst *in = spawn(s, false);
        if (in == NULL)
            break;
        v->bound = in;
        dispatch(s);
    }
}

/* Takes the instance out of service (lock held): its process is killed
 * and its /next woken; release() frees it without the lock. */
static void retire(struct serve *s, struct inst *in, const char *why)
{
    if (in->stopping)
        return;
    in->stopping = true;
    s->inst[in->slot] = NULL;
    s->n_inst--;
    if (!in->exited)
        kill(-in->pid, SIGKILL);
    note(s, "instance %" PRIu64 " stopped (%s)", in->serial, why);
    pthread_cond_broadcast(&s->cv);
}

static void release(struct serve *s, struct inst *in)
{
    if (!in->exited) {
        int st;
        while (waitpid(in->pid, &st, 0) < 0 && errno == EINTR)
            ;
        in->exited = true;
    }
    MHD_stop_daemon(in->rt);
    pthread_mutex_lock(&s->mu);
    drain_output(s, in, true);
    pthread_mutex_unlock(&s->mu);
    if (in->out_fd >= 0)
        close(in->out_fd);
    free(in);
}

/* An error body as a runtime's: {"errorMessage": ..., "errorType": ...}. */
static size_t error_body(char *buf, size_t len, const char *type, const char *fmt, ...) PRINTF_LIKE(4, 5);
static size_t error_body(char *buf, size_t len, const char *type, const char *fmt, ...)
{
    char m[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(m, sizeof m, fmt, ap);
    va_end(ap);
    int n = snprintf(buf, len, "{\"errorMessage\":\"%s\",\"errorType\":\"%s\"}", m, type);
    return n < 0 ? 0 : (size_t)n < len ? (size_t)n : len - 1;
}

/* An instance failed before it was ready (init error, exit, init time
 * limit): Lambda reports it to the invocation that waits for it. */
static void init_failed(struct serve *s, struct inst *in, const char *body, size_t len)
{
    s->st.init_errors++;
    double init_ms = (now_s() - in->t_spawn) * 1e3;
    log_fmt(s, NULL, "INIT_REPORT Init Duration: %.2f ms\tPhase: init\tStatus: error", init_ms);
    struct inv *v = take(s, in, true);
    if (v != NULL) {
        /* Placed on the instance for its log lines, then ended. */
        s->running++;
        v->state = INV_RUNNING;
        v->t_start = in->t_spawn;
        v->cold = true;
        v->init_ms = init_ms;
        log_fmt(s, v, "START RequestId: %s Version: $LATEST", v->id);
        finish(s, NULL, v, body, len, true, "error");
    }
}

/* The process of an instance has exited (lock held). */
static void died(struct serve *s, struct inst *in, int status)
{
    in->exited = true;
    drain_output(s, in, true);
    char how[64], body[600];
    if (WIFEXITED(status))
        snprintf(how, sizeof how, "exit status %d", WEXITSTATUS(status));
    else
        snprintf(how, sizeof how, "signal: %s", strsignal(WTERMSIG(status)));
    if (in->state == I_STARTING && !in->doomed) { /* doomed: its init error is reported */
        size_t n = error_body(body, sizeof body, "Runtime.ExitError", "Runtime exited with error: %s", how);
        init_failed(s, in, body, n);
    } else if (in->cur != NULL) {
        size_t n = error_body(body, sizeof body, "Runtime.ExitError", "RequestId: %s Error: Runtime exited with error: %s",
                              in->cur->id, how);
        log_fmt(s, in->cur, "RequestId: %s Error: Runtime exited with error: %s", in->cur->id, how);
        finish(s, in, in->cur, body, n, true, "error");
    }
    retire(s, in, how);
}

/* ---- the Runtime API ---------------------------------------------------------- */

struct body {
    char *data;
    size_t len, cap;
    bool too_big;
};

static void request_done(void *cls, struct MHD_Connection *c, void **ctx, enum MHD_RequestTerminationCode toe)
{
    (void)cls;
    (void)c;
    (void)toe;
    struct body *b = *ctx;
    if (b != NULL) {
        free(b->data);
        free(b);
        *ctx = NULL;
    }
}

/* Collects the request body; true once it is whole (then handle it). */
static bool collect(void **ctx, const char *upload, size_t *upload_size, enum MHD_Result *ret, size_t limit)
{
    if (*ctx == NULL) {
        *ctx = xcalloc(1, sizeof(struct body));
        *ret = MHD_YES;
        return false;
    }
    struct body *b = *ctx;
    if (*upload_size > 0) {
        if (b->len + *upload_size > limit) {
            b->too_big = true;
        } else {
            if (b->len + *upload_size + 1 > b->cap)
                b->data = xgrow(b->data, &b->cap, b->len + *upload_size + 1, 1);
            memcpy(b->data + b->len, upload, *upload_size);
            b->len += *upload_size;
            b->data[b->len] = '\0';
        }
        *upload_size = 0;
        *ret = MHD_YES;
        return false;
    }
    return true;
}

static enum MHD_Result reply(struct MHD_Connection *c, unsigned status, const char *body, size_t len,
                             const char *const *headers)
{
    struct MHD_Response *r = MHD_create_response_from_buffer(len, (void *)(uintptr_t)body, MHD_RESPMEM_MUST_COPY);
    if (r == NULL)
        return MHD_NO;
    for (size_t i = 0; headers != NULL && headers[i] != NULL; i += 2)
        MHD_add_response_header(r, headers[i], headers[i + 1]);
    enum MHD_Result ret = MHD_queue_response(c, status, r);
    MHD_destroy_response(r);
    return ret;
}

static enum MHD_Result reply_str(struct MHD_Connection *c, unsigned status, const char *body)
{
    static const char *const json[] = { "Content-Type", "application/json", NULL };
    return reply(c, status, body, strlen(body), json);
}

#define RT "/2018-06-01/runtime/"

static enum MHD_Result next_invocation(struct inst *in, struct MHD_Connection *c)
{
    struct serve *s = in->s;
    pthread_mutex_lock(&s->mu);
    if (in->state == I_STARTING) {
        in->init_ms = (now_s() - in->t_spawn) * 1e3;
        in->init_pending = !in->provisioned;
        note(s, "instance %" PRIu64 " ready (init %.1f ms)", in->serial, in->init_ms);
        char why[512];
        if (cpucap_slot_init_over(&s->cap, (uint32_t)in->slot, s->vcpus, why, sizeof why) != 0)
            note(s, "warning: instance %" PRIu64 " keeps its init's CPU (one vCPU): %s", in->serial, why);
    }
    /* Held by a warm-up ping: not available until the hold ends (a
     * request meanwhile goes elsewhere, as in the simulator). */
    while (in->cur == NULL && !in->stopping && !s->closing && in->hold_until > now_s()) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        double wait_s = in->hold_until - now_s();
        ts.tv_sec += (time_t)wait_s;
        ts.tv_nsec += (long)((wait_s - floor(wait_s)) * 1e9);
        if (ts.tv_nsec >= 1000000000L) {
            ts.tv_sec++;
            ts.tv_nsec -= 1000000000L;
        }
        pthread_cond_timedwait(&s->cv, &s->mu, &ts);
    }
    if (in->cur == NULL) {
        in->state = I_IDLE;
        in->t_idle = now_s();
        dispatch(s);
    }
    while (in->cur == NULL && !in->stopping && !s->closing)
        pthread_cond_wait(&s->cv, &s->mu);
    if (in->cur == NULL) {
        pthread_mutex_unlock(&s->mu);
        return reply_str(c, 500, "{\"errorMessage\":\"the instance is stopping\",\"errorType\":\"Runtime.Stopping\"}");
    }
    struct inv *v = in->cur;
    char deadline[32], arn[600], trace[128], tid[25], pid[17];
    snprintf(deadline, sizeof deadline, "%.0f", floor(v->deadline_epoch_ms));
    snprintf(arn, sizeof arn, "%s", s->arn);
    random_hex(tid, 24);
    random_hex(pid, 16);
    snprintf(trace, sizeof trace, "Root=1-%08lx-%s;Parent=%s;Sampled=0", (unsigned long)time(NULL), tid, pid);
    const char *headers[] = {
        "Lambda-Runtime-Aws-Request-Id", v->id,
        "Lambda-Runtime-Deadline-Ms", deadline,
        "Lambda-Runtime-Invoked-Function-Arn", arn,
        "Lambda-Runtime-Trace-Id", trace,
        "Content-Type", "application/json",
        NULL,
    };
    char *payload = xmalloc(v->payload_len + 1);
    memcpy(payload, v->payload, v->payload_len);
    size_t plen = v->payload_len;
    pthread_mutex_unlock(&s->mu);
    enum MHD_Result r = reply(c, 200, payload, plen, headers);
    free(payload);
    return r;
}

static enum MHD_Result runtime_api(void *cls, struct MHD_Connection *c, const char *url, const char *method,
                                   const char *version, const char *upload, size_t *upload_size, void **ctx)
{
    (void)version;
    struct inst *in = cls;
    struct serve *s = in->s;
    enum MHD_Result ret;
    if (!collect(ctx, upload, upload_size, &ret, SERVE_SYNC_PAYLOAD_MAX))
        return ret;
    struct body *b = *ctx;
    if (strcmp(url, RT "invocation/next") == 0) {
        if (strcmp(method, "GET") != 0)
            return reply_str(c, 405, "{\"errorMessage\":\"use GET\",\"errorType\":\"MethodNotAllowed\"}");
        return next_invocation(in, c);
    }
    if (strcmp(url, RT "init/error") == 0 && strcmp(method, "POST") == 0) {
        pthread_mutex_lock(&s->mu);
        if (in->state != I_STARTING) {
            pthread_mutex_unlock(&s->mu);
            return reply_str(c, 403, "{\"errorMessage\":\"init/error after init\",\"errorType\":\"InvalidStateTransition\"}");
        }
        char dflt[200];
        size_t n = error_body(dflt, sizeof dflt, "Runtime.Unknown", "Unknown application error occurred");
        init_failed(s, in, b->len > 0 ? b->data : dflt, b->len > 0 ? b->len : n);
        in->doomed = true;
        pthread_mutex_unlock(&s->mu);
        return reply_str(c, 202, "{\"status\":\"OK\"}");
    }
    const char *pre = RT "invocation/";
    if (strncmp(url, pre, strlen(pre)) == 0 && strcmp(method, "POST") == 0) {
        const char *id = url + strlen(pre);
        const char *slash = strchr(id, '/');
        bool is_resp = slash != NULL && strcmp(slash, "/response") == 0;
        bool is_err = slash != NULL && strcmp(slash, "/error") == 0;
        if (is_resp || is_err) {
            pthread_mutex_lock(&s->mu);
            struct inv *v = in->cur;
            if (v == NULL || strlen(v->id) != (size_t)(slash - id) || strncmp(v->id, id, (size_t)(slash - id)) != 0) {
                pthread_mutex_unlock(&s->mu);
                return reply_str(c, 400, "{\"errorMessage\":\"no invocation of that RequestId runs here\","
                                         "\"errorType\":\"InvalidRequestID\"}");
            }
            if (b->too_big) {
                char e[300];
                size_t n = error_body(e, sizeof e, "Function.ResponseSizeTooLarge",
                                      "Response payload size exceeded maximum allowed payload size (%zu bytes).",
                                      SERVE_SYNC_PAYLOAD_MAX);
                finish(s, in, v, e, n, true, "error");
                pthread_mutex_unlock(&s->mu);
                return reply_str(c, 413, "{\"errorMessage\":\"response too large\",\"errorType\":\"RequestEntityTooLarge\"}");
            }
            char dflt[200];
            size_t n = error_body(dflt, sizeof dflt, "Unknown", "Unknown");
            if (is_err && b->len == 0)
                finish(s, in, v, dflt, n, true, "error");
            else
                finish(s, in, v, b->len > 0 ? b->data : "", b->len, is_err, is_err ? "error" : NULL);
            pthread_mutex_unlock(&s->mu);
            return reply_str(c, 202, "{\"status\":\"OK\"}");
        }
    }
    return reply_str(c, 404, "{\"errorMessage\":\"unknown Runtime API path\",\"errorType\":\"NotFound\"}");
}

/* ---- the batching gateway ------------------------------------------------------ */

/* The batcher has said the waiting items leave (lock held): one invocation
 * whose event is the JSON array of their payloads, oldest first. Over the
 * concurrency limit (as many invocations queued or running as the limit),
 * the batch is throttled whole, as the simulator throttles a batch with
 * on_throttle "drop": its callers get 429. A batch of Event items only is
 * queued as Event invocations are. */
static void form_batch(struct serve *s)
{
    uint64_t first_id;
    int n = batcher_take(&s->batcher, s->taken_s, &first_id);
    if (n == 0)
        return;
    uint64_t serial = ++s->next_batch;
    bool any_sync = false;
    size_t len = 2;
    for (int i = 0; i < n; i++) {
        s->pending[i]->batch_serial = serial;
        any_sync = any_sync || !s->pending[i]->event;
        len += s->pending[i]->payload_len + 1;
    }
    size_t in_flight = s->queued + s->running;
    if (any_sync && in_flight >= (size_t)s->o.concurrency_limit) {
        /* The callers waiting get their 429. The Event items in the batch
         * have been answered 202 already: Lambda's asynchronous queue
         * retries a throttled event, so they stay, as a batch of their
         * own, queued as Event invocations are. */
        int n_event = 0, n_sync = 0;
        struct inv **sync = xmalloc((size_t)n * sizeof *sync);
        for (int i = 0; i < n; i++) {
            if (s->pending[i]->event)
                s->pending[n_event++] = s->pending[i];
            else
                sync[n_sync++] = s->pending[i];
        }
        note(s, "batch %" PRIu64 " of %d throttled (%zu invocations in flight, the limit)%s", serial, n, in_flight,
             n_event > 0 ? "; its Event items stay queued" : "");
        throttle_items(s, sync, n_sync, SERVE_REASON_CONCURRENCY);
        free(sync);
        if (n_event == 0)
            return;
        n = n_event;
        any_sync = false;
        len = 2;
        for (int i = 0; i < n; i++)
            len += s->pending[i]->payload_len + 1;
    }
    if (!any_sync && s->queued >= SERVE_EVENT_QUEUE_MAX) {
        note(s, "batch %" PRIu64 " of %d Event items refused: %d Event invocations are queued already", serial, n,
             SERVE_EVENT_QUEUE_MAX);
        throttle_items(s, s->pending, n, SERVE_REASON_CONCURRENCY);
        return;
    }
    struct inv *b = xcalloc(1, sizeof *b);
    new_uuid(b->id);
    b->payload = xmalloc(len + 1);
    size_t o = 0;
    b->payload[o++] = '[';
    for (int i = 0; i < n; i++) {
        if (i > 0)
            b->payload[o++] = ',';
        memcpy(b->payload + o, s->pending[i]->payload, s->pending[i]->payload_len);
        o += s->pending[i]->payload_len;
    }
    b->payload[o++] = ']';
    b->payload[o] = '\0';
    b->payload_len = o;
    b->event = !any_sync;
    b->state = INV_QUEUED;
    b->t_arrive = now_s();
    b->serial = serial;
    b->refs = 1;
    b->items = xmalloc((size_t)n * sizeof *b->items);
    memcpy(b->items, s->pending, (size_t)n * sizeof *b->items);
    b->n_items = n;
    for (int i = 0; i < n; i++)
        s->pending[i]->state = INV_QUEUED;
    queue_append(s, b);
    dispatch(s);
}

/* ---- warm-up pings ------------------------------------------------------------- */

/* The event of a warm-up ping, in the manner of the warmer plugins
 * (serverless-plugin-warmup sends {"source": "serverless-plugin-warmup"}):
 * a function may recognise it and answer at once. */
#define WARMUP_EVENT "{\"source\":\"lambdasim.warmup\"}"

/* One round of warmup_concurrency pings (lock held). Each is an
 * invocation with no caller that takes an instance as a request would (an
 * idle one, else a new one: a cold ping), bypassing the batcher, as the
 * simulator's pings go straight to the platform. Over the concurrency
 * limit a ping is dropped, as the simulator drops a throttled ping. */
static void warmup_round(struct serve *s)
{
    note(s, "warm-up round: %d pings", s->o.warmup_concurrency);
    for (int i = 0; i < s->o.warmup_concurrency; i++) {
        if (s->queued + s->running >= (size_t)s->o.concurrency_limit) {
            s->st.pings_throttled++;
            continue;
        }
        struct inv *v = xcalloc(1, sizeof *v);
        new_uuid(v->id);
        v->payload = xstrdup(WARMUP_EVENT);
        v->payload_len = strlen(WARMUP_EVENT);
        v->event = v->ping = true;
        v->state = INV_QUEUED;
        v->t_arrive = now_s();
        v->serial = ++s->next_serial;
        v->refs = 1;
        queue_append(s, v);
        s->st.pings++;
    }
    dispatch(s);
}

/* ---- the Invoke API ------------------------------------------------------------ */

/* Lambda's platform errors: status, x-amzn-ErrorType and {"Type","message"}. */
static enum MHD_Result platform_error(struct MHD_Connection *c, unsigned status, const char *type,
                                      const char *extra, const char *message)
{
    char body[1024], rid[40];
    new_uuid(rid);
    snprintf(body, sizeof body, "{%s\"Type\":\"User\",\"message\":\"%s\"}", extra, message);
    const char *headers[] = {
        "x-amzn-ErrorType", type,
        "x-amzn-RequestId", rid,
        "Content-Type", "application/json",
        NULL,
    };
    return reply(c, status, body, strlen(body), headers);
}

/* The function named in the path: NAME, NAME:$LATEST, or its ARN. */
static bool our_function(const struct serve *s, const char *name, size_t len)
{
    char buf[512];
    if (len >= sizeof buf)
        return false;
    memcpy(buf, name, len);
    buf[len] = '\0';
    char *n = buf;
    const char *arn_pre = "arn:aws:lambda:";
    if (strncmp(n, arn_pre, strlen(arn_pre)) == 0) {
        char *f = strstr(n, ":function:");
        if (f == NULL)
            return false;
        n = f + strlen(":function:");
    }
    char *colon = strchr(n, ':');
    if (colon != NULL) {
        if (strcmp(colon + 1, "$LATEST") != 0)
            return false;
        *colon = '\0';
    }
    return strcmp(n, s->o.function_name) == 0;
}

static enum MHD_Result invoke_api(void *cls, struct MHD_Connection *c, const char *url, const char *method,
                                  const char *version, const char *upload, size_t *upload_size, void **ctx)
{
    (void)version;
    struct serve *s = cls;
    enum MHD_Result ret;
    if (!collect(ctx, upload, upload_size, &ret, SERVE_SYNC_PAYLOAD_MAX))
        return ret;
    struct body *b = *ctx;
    const char *pre = "/2015-03-31/functions/", *suf = "/invocations";
    size_t lp = strlen(pre), ls = strlen(suf), lu = strlen(url);
    if (strcmp(method, "POST") != 0 || lu <= lp + ls || strncmp(url, pre, lp) != 0 || strcmp(url + lu - ls, suf) != 0)
        return platform_error(c, 404, "UnknownOperationException", "", "Unknown operation");
    const char *name = url + lp;
    size_t name_len = lu - lp - ls;
    const char *qual = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "Qualifier");
    if (!our_function(s, name, name_len) || (qual != NULL && strcmp(qual, "$LATEST") != 0)) {
        char m[700];
        snprintf(m, sizeof m, "Function not found: arn:aws:lambda:" REGION ":" ACCOUNT ":function:%.*s",
                 (int)(name_len < 300 ? name_len : 300), name);
        pthread_mutex_lock(&s->mu);
        s->st.not_found++;
        pthread_mutex_unlock(&s->mu);
        return platform_error(c, 404, "ResourceNotFoundException", "", m);
    }
    const char *type = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "X-Amz-Invocation-Type");
    if (type == NULL)
        type = "RequestResponse";
    bool event = strcmp(type, "Event") == 0;
    if (!event && strcmp(type, "DryRun") != 0 && strcmp(type, "RequestResponse") != 0)
        return platform_error(c, 400, "InvalidParameterValueException", "",
                              "X-Amz-Invocation-Type must be RequestResponse, Event or DryRun");
    size_t limit = event ? SERVE_EVENT_PAYLOAD_MAX : SERVE_SYNC_PAYLOAD_MAX;
    if (b->too_big || b->len > limit) {
        char m[200];
        snprintf(m, sizeof m, "Request must be smaller than %zu bytes for the InvokeFunction operation", limit);
        return platform_error(c, 413, "RequestTooLargeException", "", m);
    }
    if (strcmp(type, "DryRun") == 0) {
        pthread_mutex_lock(&s->mu);
        s->st.dry_runs++;
        pthread_mutex_unlock(&s->mu);
        /* Not Lambda's: tells a client (emulate --invoke-url) that this
         * function batches its callers, so it must send one item per call. */
        char thr[16];
        snprintf(thr, sizeof thr, "%d", s->o.batch_threshold);
        const char *const h[] = { "X-Amz-Executed-Version", "$LATEST", s->batching ? SERVE_BATCHING_HEADER : NULL,
                                  thr, NULL };
        return reply(c, 204, "", 0, h);
    }
    const char *lt = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "X-Amz-Log-Type");
    /* The batching gateway puts the payload into a JSON array as it is:
     * it must be one JSON value (Lambda refuses invalid JSON the same
     * way). An empty payload is the empty object, as the AWS CLI's
     * invoke without --payload gets. */
    if (s->batching && b->len > 0 && !jsonarray_is_value(b->data, b->len))
        return platform_error(c, 400, "InvalidRequestContentException", "",
                              "Could not parse request body into json: the payload must be one JSON value (the "
                              "batching gateway puts it into the JSON array event of a batch)");

    pthread_mutex_lock(&s->mu);
    s->st.invokes++;
    size_t in_flight = s->queued + s->running;
    if (s->refusing || s->closing) {
        pthread_mutex_unlock(&s->mu);
        return platform_error(c, 503, "ServiceException", "", "The server is shutting down");
    }
    if ((!event && !s->batching && in_flight >= (size_t)s->o.concurrency_limit)
        || (event && s->queued >= SERVE_EVENT_QUEUE_MAX)) {
        s->st.throttled++;
        if (s->o.client_log != NULL && !event)
            fprintf(s->o.client_log, "%.6f,0.000,throttled,,%" PRIu64 ",1,,\n", now_s() - s->t0, ++s->next_serial);
        pthread_mutex_unlock(&s->mu);
        return platform_error(c, 429, "TooManyRequestsException", "\"Reason\":\"" SERVE_REASON_CONCURRENCY "\",",
                              "Rate Exceeded.");
    }
    struct inv *v = xcalloc(1, sizeof *v);
    new_uuid(v->id);
    if (s->batching && b->len == 0) {
        v->payload = xstrdup("{}");
        v->payload_len = 2;
    } else {
        v->payload = xmalloc(b->len + 1);
        if (b->len > 0)
            memcpy(v->payload, b->data, b->len);
        v->payload_len = b->len;
    }
    v->event = event;
    v->tail = lt != NULL && strcmp(lt, "Tail") == 0 && !event;
    v->t_arrive = now_s();
    v->serial = ++s->next_serial;
    v->refs = event ? 1 : 2;
    if (event)
        s->st.events++;
    if (s->batching) {
        v->state = INV_BATCHING;
        uint64_t id;
        enum batch_reason why;
        bool send = batcher_arrive(&s->batcher, v->t_arrive, &id, &why);
        s->pending[s->batcher.len - 1] = v;
        if (send)
            form_batch(s);
    } else {
        v->state = INV_QUEUED;
        queue_append(s, v);
        dispatch(s);
    }
    if (event) {
        char rid[40];
        memcpy(rid, v->id, sizeof rid);
        pthread_mutex_unlock(&s->mu);
        const char *h[] = { "x-amzn-RequestId", rid, NULL };
        return reply(c, 202, "", 0, h);
    }
    while (v->state != INV_DONE)
        pthread_cond_wait(&s->cv, &s->mu);
    if (v->throttled != NULL) {
        char reason[160];
        snprintf(reason, sizeof reason, "\"Reason\":\"%s\",", v->throttled);
        inv_unref(v);
        pthread_mutex_unlock(&s->mu);
        return platform_error(c, 429, "TooManyRequestsException", reason, "Rate Exceeded.");
    }
    pthread_mutex_unlock(&s->mu);

    /* Done: the platform no longer touches v. */
    char *tail = NULL;
    const char *headers[12];
    size_t h = 0;
    headers[h++] = "x-amzn-RequestId";
    headers[h++] = v->id;
    headers[h++] = "X-Amz-Executed-Version";
    headers[h++] = "$LATEST";
    headers[h++] = "Content-Type";
    headers[h++] = "application/json";
    if (v->func_error) {
        headers[h++] = "X-Amz-Function-Error";
        headers[h++] = "Unhandled";
    }
    if (v->tail) {
        size_t n = v->log_len > SERVE_TAIL_BYTES ? SERVE_TAIL_BYTES : v->log_len;
        tail = xmalloc(4 * ((n + 2) / 3) + 1);
        base64_encode((const unsigned char *)(v->log != NULL ? v->log + v->log_len - n : ""), n, tail);
        headers[h++] = "X-Amz-Log-Result";
        headers[h++] = tail;
    }
    headers[h] = NULL;
    ret = reply(c, 200, v->body != NULL ? v->body : "", v->body_len, headers);
    free(tail);
    pthread_mutex_lock(&s->mu);
    inv_unref(v);
    pthread_mutex_unlock(&s->mu);
    return ret;
}

/* ---- life cycle -------------------------------------------------------------------- */

/* One round of housekeeping (lock held); instances to release are put in
 * gone[] (room for the concurrency limit), returns how many. */
static size_t housekeeping(struct serve *s, struct inst **gone)
{
    size_t n_gone = 0;
    double t = now_s();
    for (int i = 0; i < s->o.concurrency_limit; i++) {
        struct inst *in = s->inst[i];
        if (in == NULL)
            continue;
        drain_output(s, in, false);
        int status;
        struct rusage ru;
        if (!in->exited && wait4(in->pid, &status, WNOHANG, &ru) == in->pid) {
            died(s, in, status);
        } else if (in->doomed) {
            retire(s, in, "init error");
        } else if (in->cur != NULL && epoch_ms() > in->cur->deadline_epoch_ms) {
            struct inv *v = in->cur;
            char body[300];
            size_t n = error_body(body, sizeof body, "Sandbox.Timedout",
                                  "RequestId: %s Error: Task timed out after %.2f seconds", v->id, s->o.timeout_s);
            char stamp[40];
            time_t now = time(NULL);
            struct tm tm;
            gmtime_r(&now, &tm);
            strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%SZ", &tm);
            log_fmt(s, v, "%s %s Task timed out after %.2f seconds", stamp, v->id, s->o.timeout_s);
            finish(s, in, v, body, n, true, "timeout");
            retire(s, in, "invocation timed out");
        } else if (in->state == I_STARTING && t - in->t_spawn > SERVE_INIT_LIMIT_S) {
            char body[300];
            size_t n = error_body(body, sizeof body, "Runtime.Unknown",
                                  "init did not finish within %.0f seconds", SERVE_INIT_LIMIT_S);
            init_failed(s, in, body, n);
            retire(s, in, "init time limit");
        } else if (in->state == I_IDLE && in->cur == NULL && !in->provisioned && t - in->t_idle > s->o.keep_alive_s) {
            retire(s, in, "keep-alive expired");
        }
        if (in->stopping)
            gone[n_gone++] = in;
    }
    /* A provisioned instance that is lost (a crash, a timeout) is
     * replaced, as Lambda keeps its provisioned environments; at most one
     * start a second, so a function that cannot start does not spin. */
    int prov = 0;
    for (int i = 0; i < s->o.concurrency_limit; i++)
        if (s->inst[i] != NULL && s->inst[i]->provisioned && !s->inst[i]->stopping)
            prov++;
    if (prov < s->o.provisioned && !s->closing && !s->refusing && t >= s->prov_retry_at
        && s->n_inst < s->o.concurrency_limit) {
        s->prov_retry_at = t + 1.0;
        spawn(s, true);
    }
    if (s->o.warmup_concurrency > 0 && !s->refusing && !s->closing && t >= s->next_round_at) {
        /* A fixed rate, as the simulator's (and a scheduler's): the next
         * round is due one interval after this one was due. */
        s->next_round_at += s->o.warmup_interval_s;
        warmup_round(s);
    }
    /* The batcher's timeout, anchored at the oldest waiting item. */
    if (s->batching && batcher_timer(&s->batcher, t))
        form_batch(s);
    queue_due_retries(s, t);
    /* A retired instance may leave queued work without a taker. */
    dispatch(s);
    start_wanted(s);
    return n_gone;
}

static void tick(struct serve *s)
{
    struct inst **gone = xcalloc((size_t)s->o.concurrency_limit, sizeof *gone);
    pthread_mutex_lock(&s->mu);
    size_t n = housekeeping(s, gone);
    pthread_mutex_unlock(&s->mu);
    for (size_t i = 0; i < n; i++)
        release(s, gone[i]);
    free(gone);
}

static void sleep_tick(void)
{
    struct timespec ts = { 0, TICK_NS };
    nanosleep(&ts, NULL);
}

int serve_start(const struct serve_options *o, struct serve **out, char *msg, size_t msg_len)
{
    *out = NULL;
    if (o->concurrency_limit < 1 || o->provisioned > o->concurrency_limit) {
        set_msg(msg, msg_len, "the concurrency limit (%d) must be at least 1 and at least the provisioned "
                "concurrency (%d)", o->concurrency_limit, o->provisioned);
        return -1;
    }
    if (o->batch_threshold > 1 && (o->batch_max < o->batch_threshold || !(o->batch_timeout_s >= 0))) {
        set_msg(msg, msg_len, "batching: max_batch (%d) must be at least the threshold (%d) and timeout_s (%g) "
                "at least 0", o->batch_max, o->batch_threshold, o->batch_timeout_s);
        return -1;
    }
    struct serve *s = xcalloc(1, sizeof *s);
    s->o = *o;
    if (getrandom(&s->rng, sizeof s->rng, 0) != (ssize_t)sizeof s->rng || s->rng == 0)
        s->rng = (uint64_t)0x9E3779B97F4A7C15ULL ^ (uint64_t)(unsigned long)getpid();
    if (o->batch_threshold > 1) {
        s->batching = true;
        batcher_init(&s->batcher, o->batch_threshold, o->batch_max, o->batch_timeout_s);
        s->pending = xcalloc((size_t)o->batch_max, sizeof *s->pending);
        s->taken_s = xcalloc((size_t)o->batch_max, sizeof *s->taken_s);
    }
    if (realpath(o->function_dir, s->dir) == NULL) {
        set_msg(msg, msg_len, "%s: cannot open the function directory: %s", o->function_dir, strerror(errno));
        free(s);
        return -1;
    }
    snprintf(s->bootstrap, sizeof s->bootstrap, "%s/bootstrap", s->dir);
    struct stat sb;
    if (stat(s->bootstrap, &sb) != 0 || !S_ISREG(sb.st_mode) || access(s->bootstrap, X_OK) != 0) {
        set_msg(msg, msg_len, "%s: no executable file 'bootstrap' in the function directory (Lambda's custom "
                "runtime contract)", o->function_dir);
        free(s);
        return -1;
    }
    snprintf(s->arn, sizeof s->arn, "arn:aws:lambda:" REGION ":" ACCOUNT ":function:%s", o->function_name);
    pthread_mutex_init(&s->mu, NULL);
    pthread_cond_init(&s->cv, NULL);
    s->inst = xcalloc((size_t)o->concurrency_limit, sizeof *s->inst);
    s->t0 = now_s();
    platform_bucket_init(&s->bucket, o->scale_per_10s, s->t0);
    s->next_round_at = INFINITY; /* from when serve listens */
    if (o->cpu_cap) {
        char why[512];
        if (cpucap_open(&s->cap, why, sizeof why) == 0)
            s->vcpus = cpucap_vcpus(o->memory_mb);
        else
            note(s, "warning: the CPU share of %.0f MB is not enforced: %s", o->memory_mb, why);
    }
    if (s->o.client_log != NULL)
        fputs("send_s,latency_ms,status,request_id,batch_id,batch_size,invoke_ms,cold\n", s->o.client_log);
    /* Provisioned instances are ready before the first request. */
    pthread_mutex_lock(&s->mu);
    for (int i = 0; i < o->provisioned; i++)
        if (spawn(s, true) == NULL) {
            pthread_mutex_unlock(&s->mu);
            set_msg(msg, msg_len, "cannot start the provisioned instances");
            serve_destroy(s);
            return -1;
        }
    pthread_mutex_unlock(&s->mu);
    double t_end = now_s() + SERVE_INIT_LIMIT_S;
    for (;;) {
        tick(s);
        pthread_mutex_lock(&s->mu);
        int ready = 0;
        for (int i = 0; i < o->concurrency_limit; i++)
            if (s->inst[i] != NULL && s->inst[i]->state == I_IDLE)
                ready++;
        uint64_t failed = s->st.init_errors;
        pthread_mutex_unlock(&s->mu);
        if (failed > 0 || (ready < o->provisioned && now_s() > t_end)) {
            set_msg(msg, msg_len, "%s: a provisioned instance failed to start (init error, exit, or not ready within "
                    "%.0f s; see the log)", o->function_dir, SERVE_INIT_LIMIT_S);
            serve_destroy(s);
            return -1;
        }
        if (ready >= o->provisioned)
            break;
        sleep_tick();
    }
    s->api = start_daemon(o->host, o->port, invoke_api, s, msg, msg_len);
    if (s->api == NULL) {
        serve_destroy(s);
        return -1;
    }
    s->port = daemon_port(s->api);
    pthread_mutex_lock(&s->mu);
    s->next_round_at = now_s() + o->warmup_first_at_s;
    pthread_mutex_unlock(&s->mu);
    *out = s;
    return 0;
}

int serve_port(const struct serve *s)
{
    return s->port;
}

void serve_run(struct serve *s, const volatile sig_atomic_t *stop)
{
    while (!*stop) {
        tick(s);
        /* Woken early when an invocation wants an instance started. */
        pthread_mutex_lock(&s->mu);
        if (s->spawn_wanted == 0) {
            struct timespec ts;
            clock_gettime(CLOCK_REALTIME, &ts);
            ts.tv_nsec += TICK_NS;
            if (ts.tv_nsec >= 1000000000L) {
                ts.tv_sec++;
                ts.tv_nsec -= 1000000000L;
            }
            pthread_cond_timedwait(&s->cv, &s->mu, &ts);
        }
        pthread_mutex_unlock(&s->mu);
    }
}

size_t serve_stop(struct serve *s, double drain_s)
{
    if (s->stopped)
        return 0;
    pthread_mutex_lock(&s->mu);
    s->refusing = true;
    /* Items still in the batcher leave now, to run during the drain, and
     * so do the Event invocations waiting for a retry. */
    if (s->batching)
        form_batch(s);
    queue_due_retries(s, now_s());
    pthread_mutex_unlock(&s->mu);
    if (s->api != NULL) {
        MHD_socket fd = MHD_quiesce_daemon(s->api);
        if (fd != MHD_INVALID_SOCKET)
            close(fd);
    }
    double t_end = now_s() + drain_s;
    for (;;) {
        pthread_mutex_lock(&s->mu);
        size_t left = s->queued + s->running;
        pthread_mutex_unlock(&s->mu);
        if (left == 0 || now_s() >= t_end)
            break;
        tick(s);
        sleep_tick();
    }
    struct inst **gone = xcalloc((size_t)s->o.concurrency_limit, sizeof *gone);
    size_t n = 0;
    pthread_mutex_lock(&s->mu);
    size_t failed = s->queued + s->running;
    char body[200];
    size_t bl = error_body(body, sizeof body, "ServiceException", "lambdasim serve stopped before the invocation ended");
    struct inv *v;
    while ((v = dequeue(s)) != NULL)
        finish(s, NULL, v, body, bl, true, "error");
    for (int i = 0; i < s->o.concurrency_limit; i++) {
        struct inst *in = s->inst[i];
        if (in == NULL)
            continue;
        if (in->cur != NULL)
            finish(s, in, in->cur, body, bl, true, "error");
        retire(s, in, "serve stopped");
        gone[n++] = in;
    }
    s->closing = true;
    pthread_cond_broadcast(&s->cv);
    pthread_mutex_unlock(&s->mu);
    for (size_t i = 0; i < n; i++)
        release(s, gone[i]);
    free(gone);
    if (s->api != NULL) {
        MHD_stop_daemon(s->api);
        s->api = NULL;
    }
    cpucap_close(&s->cap);
    s->stopped = true;
    return failed;
}

void serve_get_stats(struct serve *s, struct serve_stats *st)
{
    pthread_mutex_lock(&s->mu);
    *st = s->st;
    pthread_mutex_unlock(&s->mu);
}

void serve_destroy(struct serve *s)
{
    if (s == NULL)
        return;
    serve_stop(s, 0);
    if (s->batching)
        batcher_fini(&s->batcher);
    free(s->pending);
    free(s->taken_s);
    free(s->inst);
    pthread_mutex_destroy(&s->mu);
    pthread_cond_destroy(&s->cv);
    free(s);
}
