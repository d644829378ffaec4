/* invoker: each engine invocation is one Invoke API call (invoker.h). One
 * libcurl multi handle carries every call in flight; the engine's wait()
 * drives it, so the engine's loop stays single-threaded. */
#define _GNU_SOURCE /* strcasestr */
#include "real/invoker.h"
#include <assert.h>
#include <ctype.h>
#include <curl/curl.h>
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "base/base64.h"
#include "base/common.h"
#include "base/interrupt.h"
#include "base/xalloc.h"
#include "formats/lambdalog.h"
#include "real/serve.h"

/* The longest a wait() blocks in one poll: the engine checks for signals
 * between waits (libcurl's poll restarts after EINTR). */
#define POLL_SLICE_MS 50
/* Below this much time to a timer, wait() sleeps instead of polling
 * (poll's timeout is in whole milliseconds). */
#define SPIN_BELOW_S 0.002
/* A call still unanswered this long after the function's deadline is a
 * platform that stopped answering. */
#define DEADLINE_GRACE_S 60.0
/* How many function errors are named on stderr (the rest are counted). */
#define WARN_MAX 5

struct growbuf {
    char *data;
    size_t len, cap;
};

struct call {
    CURL *h;
    struct engine_invocation inv;
    double t_start;
    char *body;
    struct growbuf resp;
    char *log_b64;              /* X-Amz-Log-Result */
    char error_kind[64];        /* X-Amz-Function-Error */
    char error_type[96];        /* x-amzn-ErrorType */
    int gateway_threshold;      /* SERVE_BATCHING_HEADER of a DryRun answer */
    struct call *next_free;
};

struct invoker {
    struct invoker_options o;
    char *invoke_url;
    CURLM *multi;
    struct curl_slist *headers;
    struct engine_executor exec;
    struct timespec t0;
    struct call *free_calls;
    struct call **all;          /* every call made, for invoker_destroy */
    size_t n_all;
    size_t in_flight;
    struct invoker_stats st;
    unsigned warned;
};

static void growbuf_add(struct growbuf *b, const char *p, size_t n)
{
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap > 0 ? b->cap : 256;
        while (cap < b->len + n + 1)
            cap *= 2;
        b->data = xrealloc(b->data, cap);
        b->cap = cap;
    }
    memcpy(b->data + b->len, p, n);
    b->len += n;
    b->data[b->len] = '\0';
}

static size_t on_body(char *p, size_t size, size_t n, void *ctx)
{
    growbuf_add(&((struct call *)ctx)->resp, p, size * n);
    return size * n;
}

/* Copies a header's value (trimmed) when the line is `name: value`. */
static bool header_value(const char *line, size_t len, const char *name, char *out, size_t out_len)
{
    size_t nl = strlen(name);
    if (len <= nl || strncasecmp(line, name, nl) != 0 || line[nl] != ':')
        return false;
    const char *v = line + nl + 1, *end = line + len;
    while (v < end && isspace((unsigned char)*v))
        v++;
    while (end > v && isspace((unsigned char)end[-1]))
        end--;
    snprintf(out, out_len, "%.*s", (int)(end - v), v);
    return true;
}

static size_t on_header(char *p, size_t size, size_t n, void *ctx)
{
    struct call *c = ctx;
    size_t len = size * n;
    if (len > 18 && strncasecmp(p, "X-Amz-Log-Result:", 17) == 0) {
        free(c->log_b64);
        c->log_b64 = xmalloc(len + 1);
        if (!header_value(p, len, "X-Amz-Log-Result", c->log_b64, len + 1))
            c->log_b64[0] = '\0';
        return len;
    }
    char thr[32];
    if (header_value(p, len, SERVE_BATCHING_HEADER, thr, sizeof thr))
        c->gateway_threshold = (int)strtol(thr, NULL, 10);
    else if (!header_value(p, len, "X-Amz-Function-Error", c->error_kind, sizeof c->error_kind))
        header_value(p, len, "x-amzn-ErrorType", c->error_type, sizeof c->error_type);
    return len;
}

static void warn(struct invoker *iv, const char *fmt, ...) PRINTF_LIKE(2, 3);
static void warn(struct invoker *iv, const char *fmt, ...)
{
    if (iv->o.on_warning == NULL)
        return;
    char line[600];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    iv->o.on_warning(iv->o.ctx, line);
}

static double since_t0(const struct invoker *iv)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)(t.tv_sec - iv->t0.tv_sec) + (double)(t.tv_nsec - iv->t0.tv_nsec) * 1e-9;
}

static double ex_now(void *ctx)
{
    return since_t0(ctx);
}

static int ex_prepare(void *ctx, const uint32_t *slots, size_t n, char *msg, size_t msg_len)
{
    (void)slots;
    if (msg_len > 0)
        msg[0] = '\0'; /* nothing can fail here */
    /* The platform starts its own provisioned instances (emulate takes
     * them out of the engine's platform). */
    assert(n == 0);
    struct invoker *iv = ctx;
    clock_gettime(CLOCK_MONOTONIC, &iv->t0);
    return 0;
}

static void ex_retire(void *ctx, uint32_t instance)
{
    /* The engine's instances are the client's bookkeeping only: the
     * platform reclaims its own. */
    (void)ctx;
    (void)instance;
}

/* One POST of body to url whose answer (body and the headers read by
 * on_header) goes into c: what an Invoke call and the DryRun share. */
static void setup_call(CURL *h, const char *url, struct curl_slist *headers, const char *body, struct call *c)
{
    curl_easy_setopt(h, CURLOPT_URL, url);
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(h, CURLOPT_POSTFIELDS, body);
    curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)strlen(body));
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, c);
    curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(h, CURLOPT_HEADERDATA, c);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
}

/* The event of an invocation: its images, one item, a ping or the fixed
 * payload. */
static char *make_body(const struct invoker *iv, const struct engine_invocation *inv)
{
    if (inv->n == 0)
        return xstrdup("{\"source\":\"lambdasim.warmup\"}");
    if (iv->o.payload == INVOKER_FIXED)
        return xstrdup(iv->o.fixed_json);
    const struct mnist_digits *d = iv->o.digits;
    size_t one = BASE64_ENCODED_SIZE(MNIST_PIXELS) + 3;
    char *body = xmalloc((size_t)inv->n * one + 3), *p = body;
    if (iv->o.payload == INVOKER_IMAGES)
        *p++ = '[';
    for (int k = 0; k < inv->n; k++) {
        size_t img = (size_t)((inv->first_request + (uint64_t)k) % d->n);
        if (k > 0)
            *p++ = ',';
        *p++ = '"';
        base64_encode(d->pixels + img * MNIST_PIXELS, MNIST_PIXELS, p);
        p += strlen(p);
        *p++ = '"';
    }
    if (iv->o.payload == INVOKER_IMAGES)
        *p++ = ']';
    *p = '\0';
    return body;
}

static int ex_start(void *ctx, const struct engine_invocation *inv, char *msg, size_t msg_len)
{
    struct invoker *iv = ctx;
    if (iv->o.payload == INVOKER_ITEM && inv->n > 1) {
        snprintf(msg, msg_len, "a batch of %d requests cannot be one item of the platform's batching gateway",
                 inv->n);
        return -1;
    }
    struct call *c = iv->free_calls;
    if (c != NULL) {
        iv->free_calls = c->next_free;
    } else {
        c = xcalloc(1, sizeof *c);
        c->h = curl_easy_init();
        if (c->h == NULL) {
            free(c);
            snprintf(msg, msg_len, "libcurl could not make a handle for an Invoke call");
            return -1;
        }
        iv->all = xrealloc(iv->all, (iv->n_all + 1) * sizeof *iv->all);
        iv->all[iv->n_all++] = c;
    }
    c->inv = *inv;
    c->body = make_body(iv, inv);
    c->resp.len = 0;
    if (c->resp.data != NULL)
        c->resp.data[0] = '\0'; /* an empty answer must not show the last call's body */
    free(c->log_b64);
    c->log_b64 = NULL;
    c->error_kind[0] = c->error_type[0] = '\0';
    curl_easy_reset(c->h);
    setup_call(c->h, iv->invoke_url, iv->headers, c->body, c);
    curl_easy_setopt(c->h, CURLOPT_PRIVATE, c);
    double now = since_t0(iv);
    double limit_s = (isfinite(inv->deadline_s) ? inv->deadline_s - now : 900.0) + DEADLINE_GRACE_S;
    curl_easy_setopt(c->h, CURLOPT_TIMEOUT_MS, (long)(limit_s * 1000.0));
    c->t_start = now;
    CURLMcode mc = curl_multi_add_handle(iv->multi, c->h);
    if (mc != CURLM_OK) {
        snprintf(msg, msg_len, "libcurl could not start an Invoke call: %s", curl_multi_strerror(mc));
        return -1;
    }
    iv->in_flight++;
    /* Sends the request now, not at the next wait. */
    int running;
    curl_multi_perform(iv->multi, &running);
    return 0;
}

/* The last REPORT line of the decoded log tail, parsed; false when there is
 * none. */
static bool tail_report(const char *b64, struct lambdalog_invocation *rep)
{
    if (b64 == NULL || b64[0] == '\0')
        return false;
    size_t len = strlen(b64);
    unsigned char *log = xmalloc(len * 3 / 4 + 2);
    size_t n = base64_decode(b64, len, log);
    bool found = false;
    if (n != (size_t)-1) {
        log[n] = '\0';
        const char *last = NULL;
        for (const char *p = (const char *)log; (p = strstr(p, "REPORT RequestId:")) != NULL; p++)
            last = p;
        if (last != NULL) {
            const char *end = strchr(last, '\n');
            size_t ll = end != NULL ? (size_t)(end - last) : strlen(last);
            char why[200];
            memset(rep, 0, sizeof *rep);
            found = lambdalog_parse_report(last, ll, rep, why, sizeof why) == 0;
        }
    }
    free(log);
    return found;
}

/* Counts the labels that came back against the digits file's. */
static void check_labels(struct invoker *iv, const struct call *c)
{
    if (iv->o.payload == INVOKER_FIXED || c->inv.n == 0 || c->resp.data == NULL)
        return;
    const char *p = c->resp.data;
    while (isspace((unsigned char)*p))
        p++;
    bool array = *p == '[';
    if (array != (iv->o.payload == INVOKER_IMAGES))
        return;
    if (array)
        p++;
    for (int k = 0; k < c->inv.n; k++) {
        char *end;
        long label = strtol(p, &end, 10);
        if (end == p)
            return;
        size_t img = (size_t)((c->inv.first_request + (uint64_t)k) % iv->o.digits->n);
        iv->st.labels_checked++;
        iv->st.labels_correct += label == (long)iv->o.digits->labels[img];
        p = end;
        while (isspace((unsigned char)*p) || *p == ',')
            p++;
    }
}

/* A finished call as the engine's completion. Returns 1, or -1 with a
 * message when the platform failed in a way no scenario describes. */
static int finish_call(struct invoker *iv, struct call *c, CURLcode result, struct engine_completion *done,
                       char *msg, size_t msg_len)
{
    double rt_s = since_t0(iv) - c->t_start;
    long status = 0;
    curl_easy_getinfo(c->h, CURLINFO_RESPONSE_CODE, &status);
    curl_multi_remove_handle(iv->multi, c->h);
    iv->in_flight--;
    memset(done, 0, sizeof *done);
    done->instance = c->inv.instance;
    done->job = c->inv.job;
    int rc = 1;
    if (result != CURLE_OK) {
        snprintf(msg, msg_len, "the Invoke call to %s failed: %s (is `lambdasim serve` still running?)",
                 iv->invoke_url, curl_easy_strerror(result));
        rc = -1;
    } else if (status == 429) {
        iv->st.calls++;
        iv->st.throttled++;
        done->placed = ENGINE_PLACED_REFUSED;
    } else if (status != 200) {
        snprintf(msg, msg_len, "%s answered %ld %s: %.200s", iv->invoke_url, status,
                 c->error_type[0] != '\0' ? c->error_type : "", c->resp.data != NULL ? c->resp.data : "");
        rc = -1;
    } else {
        iv->st.calls++;
        struct lambdalog_invocation rep;
        double init_s = 0, run_s = rt_s;
        if (tail_report(c->log_b64, &rep)) {
            bool cold = !isnan(rep.init_ms);
            done->placed = cold ? ENGINE_PLACED_REPORTED_COLD : ENGINE_PLACED_REPORTED_WARM;
            iv->st.cold += cold;
            init_s = cold ? rep.init_ms / 1000.0 : 0;
            run_s = rep.duration_ms / 1000.0;
            done->timed_out = rep.timed_out;
        } else {
            iv->st.no_report++;
        }
        done->init_s = init_s;
        done->inference_s = run_s;
        done->overhead_s = rt_s - init_s - run_s > 0 ? rt_s - init_s - run_s : 0;
        if (done->timed_out) {
            iv->st.timeouts++;
        } else if (c->error_kind[0] != '\0') {
            /* The function failed: its requests fail, as a dead worker's. */
            done->died = true;
            iv->st.function_errors++;
            if (iv->warned++ < WARN_MAX)
                warn(iv, "function error (%s) on the invocation of requests %" PRIu64 "..%" PRIu64 ": %.200s",
                     c->error_kind, c->inv.first_request, c->inv.first_request + (uint64_t)c->inv.n - 1,
                     c->resp.data != NULL ? c->resp.data : "");
        } else {
            iv->st.ok++;
            check_labels(iv, c);
        }
    }
    free(c->body);
    c->body = NULL;
    c->next_free = iv->free_calls;
    iv->free_calls = c;
    return rc;
}

static int ex_wait(void *ctx, double until_s, struct engine_completion *done, char *msg, size_t msg_len)
{
    struct invoker *iv = ctx;
    for (;;) {
        int running = 0;
        curl_multi_perform(iv->multi, &running);
        int left;
        CURLMsg *m;
        while ((m = curl_multi_info_read(iv->multi, &left)) != NULL) {
            if (m->msg != CURLMSG_DONE)
                continue;
            struct call *c = NULL;
            curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, (char **)&c);
            return finish_call(iv, c, m->data.result, done, msg, msg_len);
        }
        if (interrupt_signal != 0)
            return 0;
        double now = since_t0(iv);
        if (now >= until_s)
            return 0;
        double wait_s = until_s - now;
        if (wait_s < SPIN_BELOW_S) {
            /* poll's whole milliseconds would be late: sleep to the timer,
             * in short steps while calls are in flight. */
            double step = running > 0 && wait_s > 2e-4 ? 2e-4 : wait_s;
            struct timespec ts = { 0, (long)(step * 1e9) };
            nanosleep(&ts, NULL);
            continue;
        }
        double ms = (wait_s - SPIN_BELOW_S / 2) * 1000.0;
        curl_multi_poll(iv->multi, NULL, 0, ms > POLL_SLICE_MS ? POLL_SLICE_MS : (int)ms, NULL);
    }
}

/* Splits http://HOST:PORT into the invocation URL of the function. */
static int make_url(struct invoker *iv, char *msg, size_t msg_len)
{
    const char *u = iv->o.url;
    if (strncmp(u, "http://", 7) != 0) {
        snprintf(msg, msg_len, "--invoke-url %s: give the platform's address as http://HOST:PORT "
                 "(`lambdasim serve` prints it)", u);
        return -1;
    }
    size_t len = strlen(u);
    while (len > 7 && u[len - 1] == '/')
        len--;
    if (len == 7 || memchr(u + 7, '/', len - 7) != NULL) {
        snprintf(msg, msg_len, "--invoke-url %s: give the address only, http://HOST:PORT, without a path "
                 "(the function is --function-name)", u);
        return -1;
    }
    size_t n = len + strlen(iv->o.function_name) + 64;
    iv->invoke_url = xmalloc(n);
    snprintf(iv->invoke_url, n, "%.*s/2015-03-31/functions/%s/invocations", (int)len, u, iv->o.function_name);
    return 0;
}

/* The DryRun call: the platform is there, the function exists, and whether
 * it batches. */
static int dry_run(struct invoker *iv, int *gateway_threshold, char *msg, size_t msg_len)
{
    CURL *h = curl_easy_init();
    if (h == NULL) {
        snprintf(msg, msg_len, "libcurl could not make a handle");
        return -1;
    }
    struct call c;
    memset(&c, 0, sizeof c);
    struct curl_slist *hs = curl_slist_append(NULL, "X-Amz-Invocation-Type: DryRun");
    hs = curl_slist_append(hs, "Expect:");
    setup_call(h, iv->invoke_url, hs, "{}", &c);
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, 10000L);
    CURLcode r = curl_easy_perform(h);
    long status = 0;
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
    int rc = 0;
    if (gateway_threshold != NULL)
        *gateway_threshold = c.gateway_threshold;
    if (r != CURLE_OK) {
        snprintf(msg, msg_len, "cannot reach %s: %s; is `lambdasim serve` running there?", iv->o.url,
                 curl_easy_strerror(r));
        rc = -1;
    } else if (status == 404) {
        snprintf(msg, msg_len, "function '%s' not found at %s (404 %s); `lambdasim serve` prints the name it "
                 "serves", iv->o.function_name, iv->o.url, c.error_type);
        rc = -1;
    } else if (status != 204) {
        snprintf(msg, msg_len, "%s answered a DryRun Invoke of '%s' with %ld %s, not 204: is it a Lambda "
                 "Invoke API?", iv->o.url, iv->o.function_name, status, c.error_type);
        rc = -1;
    }
    free(c.resp.data);
    free(c.log_b64);
    curl_slist_free_all(hs);
    curl_easy_cleanup(h);
    return rc;
}

enum invoker_status invoker_create(const struct invoker_options *o, int *gateway_threshold, struct invoker **out,
                                   char *msg, size_t msg_len)
{
    *out = NULL;
    if (o->payload != INVOKER_FIXED && (o->digits == NULL || o->digits->n == 0)) {
        snprintf(msg, msg_len, "no digits to send");
        return INVOKER_ERR_INPUT;
    }
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
        snprintf(msg, msg_len, "libcurl could not be initialised");
        return INVOKER_ERR_PLATFORM;
    }
    struct invoker *iv = xcalloc(1, sizeof *iv);
    iv->o = *o;
    int gateway = 0;
    if (make_url(iv, msg, msg_len) != 0) {
        invoker_destroy(iv);
        return INVOKER_ERR_INPUT;
    }
    if (dry_run(iv, &gateway, msg, msg_len) != 0) {
        invoker_destroy(iv);
        return INVOKER_ERR_PLATFORM;
    }
    if (gateway > 0 && iv->o.payload == INVOKER_IMAGES)
        iv->o.payload = INVOKER_ITEM;
    if (gateway_threshold != NULL)
        *gateway_threshold = gateway;
    iv->multi = curl_multi_init();
    if (iv->multi == NULL) {
        snprintf(msg, msg_len, "libcurl could not make a multi handle");
        invoker_destroy(iv);
        return INVOKER_ERR_PLATFORM;
    }
    /* Expect: off, or libcurl would wait for a 100 Continue on large
     * bodies (up to a second per call). */
    iv->headers = curl_slist_append(NULL, "Content-Type: application/json");
    iv->headers = curl_slist_append(iv->headers, "X-Amz-Invocation-Type: RequestResponse");
    iv->headers = curl_slist_append(iv->headers, "X-Amz-Log-Type: Tail");
    iv->headers = curl_slist_append(iv->headers, "Expect:");
    iv->exec = (struct engine_executor){ .ctx = iv, .prepare = ex_prepare, .now = ex_now, .start = ex_start,
                                         .retire = ex_retire, .wait = ex_wait };
    clock_gettime(CLOCK_MONOTONIC, &iv->t0);
    *out = iv;
    return INVOKER_OK;
}

const struct engine_executor *invoker_executor(struct invoker *iv)
{
    return &iv->exec;
}

void invoker_get_stats(const struct invoker *iv, struct invoker_stats *st)
{
    *st = iv->st;
}

void invoker_report_json(FILE *f, const struct invoker *iv)
{
    const struct invoker_stats *s = &iv->st;
    fprintf(f, "  \"invoked\": {\"url\": \"%s\", \"calls\": %" PRIu64 ", \"ok\": %" PRIu64
            ", \"function_errors\": %" PRIu64 ", \"timeouts\": %" PRIu64 ", \"throttled_429\": %" PRIu64
            ", \"calls_on_cold_start\": %" PRIu64 ", \"without_report\": %" PRIu64 ", \"labels_checked\": %" PRIu64
            ", \"labels_correct\": %" PRIu64 "},\n",
            iv->invoke_url, s->calls, s->ok, s->function_errors, s->timeouts, s->throttled, s->cold, s->no_report,
            s->labels_checked, s->labels_correct);
}

void invoker_report_table(FILE *f, const struct invoker *iv)
{
    const struct invoker_stats *s = &iv->st;
    fprintf(f, "\nInvoke API (%s)\n", iv->invoke_url);
    fprintf(f, "  calls answered          %" PRIu64 " (%" PRIu64 " ok, %" PRIu64 " function errors, %" PRIu64
            " timed out, %" PRIu64 " throttled with 429)\n", s->calls, s->ok, s->function_errors, s->timeouts,
            s->throttled);
    fprintf(f, "  calls on a cold start   %" PRIu64 " (their REPORT had an Init Duration)\n", s->cold);
    if (s->no_report > 0)
        fprintf(f, "  without a REPORT line   %" PRIu64 " (their whole round trip counted as the function's)\n",
                s->no_report);
    if (s->labels_checked > 0)
        fprintf(f, "  labels correct          %" PRIu64 " of %" PRIu64 "\n", s->labels_correct, s->labels_checked);
}

void invoker_destroy(struct invoker *iv)
{
    if (iv == NULL)
        return;
    /* Calls still in flight (a run that ended early) are abandoned. */
    for (size_t i = 0; i < iv->n_all; i++) {
        struct call *c = iv->all[i];
        if (iv->multi != NULL)
            curl_multi_remove_handle(iv->multi, c->h);
        curl_easy_cleanup(c->h);
        free(c->body);
        free(c->resp.data);
        free(c->log_b64);
        free(c);
    }
    free(iv->all);
    if (iv->multi != NULL)
        curl_multi_cleanup(iv->multi);
    curl_slist_free_all(iv->headers);
    free(iv->invoke_url);
    free(iv);
    curl_global_cleanup();
}
