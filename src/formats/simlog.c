/* simlog: simulated Lambda (CloudWatch text) and client logs, written by
 * sinks that watch a run. Deterministic: same run, same bytes. */
#include "formats/simlog.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "formats/reorder.h"
#include "base/xalloc.h"

void simlog_request_id(char *buf, size_t len, bool ping, uint64_t id)
{
    snprintf(buf, len, "00000000-0000-4000-%s-%012" PRIx64, ping ? "9000" : "8000",
             (uint64_t)(id & UINT64_C(0xffffffffffff)));
}

double simlog_billed_ms(double init_ms, double duration_ms, double granularity_ms)
{
    /* A hair below the next step still rounds to it; a sum that lands on a
     * step through rounding error does not go one step further. */
    double steps = ceil((init_ms + duration_ms) / granularity_ms - 1e-9);
    return (steps < 1 ? 1 : steps) * granularity_ms;
}

/* Simulated seconds as an ISO 8601 UTC time from the epoch (t = 0 is
 * 1970-01-01T00:00:00.000Z), as Lambda's Python runtime prints them. */
static void iso_time(char *buf, size_t len, double t_s)
{
    long long ms = llround(t_s * 1000.0);
    time_t secs = (time_t)(ms / 1000);
    struct tm tm;
    gmtime_r(&secs, &tm);
    snprintf(buf, len, "%04d-%02d-%02dT%02d:%02d:%02d.%03lldZ", tm.tm_year + 1900, tm.tm_mon + 1,
             tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, ms % 1000);
}

/* ---- --lambda-log ---------------------------------------------------------- */

struct lambda_state {
    const struct scenario *sc;
    uint64_t pings;
};

static void *lambda_start(FILE *f, const struct scenario *sc)
{
    (void)f;
    struct lambda_state *st = xcalloc(1, sizeof *st);
    st->sc = sc;
    return st;
}

/* One START / function output / END / REPORT group, written when the
 * invocation starts (its init and handler times are known by then). */
static void lambda_on_event(void *state, FILE *f, const struct engine_event *ev)
{
    struct lambda_state *st = state;
    if (ev->kind != ENGINE_EV_INVOKE)
        return;
    const struct scenario *sc = st->sc;
    char id[48], ts[64];
    uint64_t n = ev->ping ? st->pings++ : ev->batch_id;
    simlog_request_id(id, sizeof id, ev->ping, n);
    bool cold = ev->placement == ENGINE_PLACED_COLD;
    double init_ms = ev->init_s * 1000.0, dur_ms = ev->run_s * 1000.0;
    /* Lambda bills a container image's init on on-demand cold starts. */
    double billed = simlog_billed_ms(cold ? init_ms : 0, dur_ms, sc->pricing.duration_granularity_ms);
    int mem = (int)sc->function.memory_mb;
    int used = mem < SIMLOG_MAX_MEMORY_USED_MB ? mem : SIMLOG_MAX_MEMORY_USED_MB;
    fprintf(f, "START RequestId: %s Version: $LATEST\n", id);
    iso_time(ts, sizeof ts, ev->time_s + ev->init_s);
    if (ev->ping)
        fprintf(f, "[INFO]\t%s\t%s\tbatch_size=0 warm-up ping\n", ts, id);
    else
        fprintf(f, "[INFO]\t%s\t%s\tbatch_size=%d\n", ts, id, ev->batch_size);
    if (ev->timed_out) {
        iso_time(ts, sizeof ts, ev->time_s + ev->init_s + ev->run_s);
        fprintf(f, "%s %s Task timed out after %.2f seconds\n", ts, id, sc->function.timeout_s);
    }
    fprintf(f, "END RequestId: %s\n", id);
    /* The raw CloudWatch message: tab-separated, with the stray space after
     * Billed Duration and a trailing tab (docs/lambda-facts.md#log-formats). */
    fprintf(f, "REPORT RequestId: %s\tDuration: %.2f ms\tBilled Duration: %.0f ms \tMemory Size: %d MB\t"
            "Max Memory Used: %d MB\t", id, dur_ms, billed, mem, used);
    if (cold)
        fprintf(f, "Init Duration: %.2f ms\t", init_ms);
    fputc('\n', f);
}

static void lambda_finish(void *state, FILE *f, const struct engine_result *res)
{
    (void)f;
    (void)res;
    free(state);
}

const struct sink_ops simlog_lambda_sink = {
    .start = lambda_start,
    .on_event = lambda_on_event,
    .finish = lambda_finish,
};

/* ---- --client-log ------------------------------------------------------------ */

struct client_row {
    double send_s, latency_ms, invoke_ms;
    uint64_t batch_id;
    int batch_size;
    enum request_status status;
    bool placed, cold;
};

/* Rows leave in send (arrival) order, as a client would log its requests.
 * Request ids are dense and in arrival order, and a row is known when its
 * request completes, so a row waits only for the requests sent before it
 * that are still in flight: the buffer holds about rate x the longest
 * latency rows, not the whole run (ids never seen, in an abandoned run,
 * only delay rows to the end). */
struct client_state {
    struct reorder buf;
};

static void *client_start(FILE *f, const struct scenario *sc)
{
    (void)sc;
    fputs("send_s,latency_ms,status,request_id,batch_id,batch_size,invoke_ms,cold\n", f);
    struct client_state *st = xcalloc(1, sizeof *st);
    reorder_init(&st->buf, sizeof(struct client_row));
    return st;
}

static void client_write_row(FILE *f, const struct client_row *r)
{
    const char *status = r->status == REQUEST_OK ? "ok" : engine_request_status_name(r->status);
    fprintf(f, "%.6f,%.3f,%s,", r->send_s, r->latency_ms, status);
    if (r->placed) {
        char id[40];
        simlog_request_id(id, sizeof id, false, r->batch_id);
        fprintf(f, "%s,%" PRIu64 ",%d,%.3f,%d\n", id, r->batch_id, r->batch_size, r->invoke_ms,
                r->cold ? 1 : 0);
    } else {
        fprintf(f, ",%" PRIu64 ",%d,,\n", r->batch_id, r->batch_size);
    }
}

static void client_on_request(void *state, FILE *f, const struct request_record *rec)
{
    struct client_state *st = state;
    bool placed = rec->instance_id >= 0;
    struct client_row row = {
        .send_s = rec->arrival_s,
        .latency_ms = rec->latency_ms,
        .invoke_ms = placed ? (rec->end_s - rec->start_s) * 1000.0 : 0,
        .batch_id = rec->batch_id,
        .batch_size = rec->batch_size,
        .status = rec->status,
        .placed = placed,
        .cold = rec->cold,
    };
    reorder_push(&st->buf, rec->id, &row);
    while (reorder_pop_ready(&st->buf, &row))
        client_write_row(f, &row);
}

static void client_finish(void *state, FILE *f, const struct engine_result *res)
{
    struct client_state *st = state;
    struct client_row row;
    if (res != NULL)
        while (reorder_pop_min(&st->buf, &row))
            client_write_row(f, &row);
    reorder_fini(&st->buf);
    free(st);
}

const struct sink_ops simlog_client_sink = {
    .start = client_start,
    .on_request = client_on_request,
    .finish = client_finish,
};
