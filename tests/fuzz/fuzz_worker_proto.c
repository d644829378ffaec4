/* fuzz_worker_proto: both sides of the worker protocol on arbitrary bytes,
 * without a process. The first byte picks the side.
 *  - Worker side: the rest is the worker's standard input, a stream of
 *    16-byte request headers (worker_proto_decode) each followed by n
 *    images; batches are classified as the worker does, the first image
 *    of each of the first 8 requests only, to keep each run short.
 *  - Parent side: the rest is the worker's output, fed to the client's
 *    line framing (worker_client_next_line) in chunks whose sizes come from
 *    the input too, the first line parsed as READY and the others as
 *    answers (worker_proto_parse_reply); a reply must fit its buffer. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "fuzz_util.h"
#include "real/mnist.h"
#include "real/worker_proto.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct mnist_net *net;

/* The shipped model, loaded once (run from the repository root, as `make
 * fuzz` does). */
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    char msg[MNIST_MSG_MAX];
    if (mnist_load("models/mnist-cnn.bin", &net, msg, sizeof msg) != MNIST_OK)
        abort();
    return 0;
}

static void worker_side(const uint8_t *p, size_t n)
{
    char msg[WORKER_MSG_MAX];
    uint8_t labels[WORKER_PROTO_MAX_BATCH];
    size_t off = 0, requests = 0;
    while (n - off >= WORKER_PROTO_HEADER) {
        uint64_t id = 0;
        uint32_t count = 0;
        if (worker_proto_decode(p + off, &id, &count, msg, sizeof msg) != 0) {
            fuzz_check_msg("worker_proto_decode", msg, sizeof msg);
            return;
        }
        if (count > WORKER_PROTO_MAX_BATCH)
            abort();
        off += WORKER_PROTO_HEADER;
        size_t bytes = (size_t)count * MNIST_PIXELS;
        if (n - off < bytes)
            return; /* the worker: "input ended in the middle of a request" */
        uint32_t run = count > 0 && requests++ < 8 ? 1 : 0;
        mnist_infer_batch(net, p + off, run, labels, NULL);
        for (uint32_t i = 0; i < run; i++)
            if (labels[i] >= MNIST_CLASSES)
                abort();
        off += bytes;
    }
}

static void parent_side(const uint8_t *p, size_t n)
{
    static struct worker_client w;
    static char line[WORKER_PROTO_LINE_MAX + 1];
    static uint8_t labels[WORKER_PROTO_MAX_BATCH];
    char msg[WORKER_MSG_MAX];
    memset(&w, 0, sizeof w);
    w.pid = -1;
    w.fd = -1;
    size_t off = 0, lines = 0;
    uint8_t step = n > 0 ? p[0] : 1;
    while (off < n || w.len > 0) {
        /* One "read": up to 64 * step + 1 bytes, as much as fits. */
        size_t room = WORKER_PROTO_LINE_MAX - w.len, want = (size_t)step * 64 + 1;
        size_t take = n - off < want ? n - off : want;
        if (take > room)
            take = room;
        memcpy(w.buf + w.len, p + off, take);
        w.len += take;
        off += take;
        int rc;
        while ((rc = worker_client_next_line(&w, line, msg, sizeof msg)) == 0) {
            if (strlen(line) > WORKER_PROTO_LINE_MAX)
                abort();
            if (lines++ == 0) {
                long pid = 0;
                double init_ms = 0;
                if (worker_proto_parse_ready(line, &pid, &init_ms, msg, sizeof msg) != 0)
                    fuzz_check_msg("worker_proto_parse_ready", msg, sizeof msg);
                else if (pid <= 0 || !(init_ms >= 0))
                    abort();
                continue;
            }
            struct worker_reply r;
            size_t cap = lines % 2 == 0 ? WORKER_PROTO_MAX_BATCH : 8;
            if (worker_proto_parse_reply(line, &r, labels, cap, msg, sizeof msg) != 0) {
                fuzz_check_msg("worker_proto_parse_reply", msg, sizeof msg);
            } else {
                if (r.n > cap)
                    abort();
                for (uint32_t i = 0; i < r.n; i++)
                    if (labels[i] > 9)
                        abort();
            }
        }
        if (rc < 0) {
            fuzz_check_msg("worker_client_next_line", msg, sizeof msg);
            return; /* the client gives up on the worker */
        }
        if (take == 0)
            return; /* end of output with a partial line left */
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0;
    if (data[0] & 1)
        worker_side(data + 1, size - 1);
    else
        parent_side(data + 1, size - 1);
    return 0;
}
