/* test_config: scenario and model loading: every field, the defaults,
 * relative paths, --set overrides, memory scaling, and one bad file per
 * validation rule (tests/bad, listed in tests/bad_inputs/README.md) with its message. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include "formats/config.h"
#include "formats/lambdalog.h"
#include "core/scenario.h"
#include "testutil.h"
#include "formats/trace.h"

#define EPS 1e-12

static char msg[CONFIG_MSG_MAX];

static int near(double a, double b)
{
    return fabs(a - b) <= EPS * (1 + fabs(b));
}

/* The message holds `frag` (reported when not, so a failure says why). */
#define ASSERT_MSG(frag) TESTUTIL_ASSERT_CONTAINS(msg, frag)

static int all_zero(const void *p, size_t n)
{
    const unsigned char *b = p;
    for (size_t i = 0; i < n; i++) {
        if (b[i] != 0)
            return 0;
    }
    return 1;
}

static int one_line(const char *s)
{
    return strchr(s, '\n') == NULL && strchr(s, '\r') == NULL;
}

/* Loads path with "k=v" overrides parsed by config_parse_override. */
static enum config_status load_with(const char *path, const char *const *sets, size_t n,
                                    struct scenario *sc)
{
    struct config_override ov[8];
    CU_ASSERT_FATAL(n <= 8);
    for (size_t i = 0; i < n; i++) {
        char pmsg[256];
        int rc = config_parse_override(sets[i], &ov[i], pmsg, sizeof pmsg);
        CU_ASSERT_FATAL(rc == 0);
    }
    return config_load_scenario(path, ov, n, sc, msg, sizeof msg);
}

static int mkdir_ok(const char *path)
{
    return mkdir(path, 0700) == 0;
}

static void write_file(const char *path, const char *content)
{
    FILE *f = fopen(path, "w");
    CU_ASSERT_FATAL(f != NULL);
    fputs(content, f);
    fclose(f);
}

/* ---------------------------------------------------------------------- */

static void test_full_scenario(void)
{
    struct scenario sc;
    enum config_status st = config_load_scenario("tests/data/scenario-full.json", NULL, 0, &sc,
                                                 msg, sizeof msg);
    CU_ASSERT_EQUAL_FATAL(st, CONFIG_OK);
    CU_ASSERT_STRING_EQUAL(msg, "");
    CU_ASSERT_STRING_EQUAL(sc.path, "tests/data/scenario-full.json");
    CU_ASSERT_STRING_EQUAL(sc.name, "full");
    CU_ASSERT_EQUAL(sc.seed, 42);
    CU_ASSERT(near(sc.duration_s, 100));
    CU_ASSERT_EQUAL(sc.max_requests, 500);
    CU_ASSERT(near(sc.warmup_period_s, 10));

    CU_ASSERT_EQUAL(sc.workload.type, WORKLOAD_POISSON);
    CU_ASSERT(near(sc.workload.rate_rps, 6.5));
    CU_ASSERT(near(sc.workload.start_s, 1));
    CU_ASSERT_PTR_NULL(sc.workload.trace_s);

    CU_ASSERT_EQUAL(sc.batching.threshold, 2);
    CU_ASSERT_EQUAL(sc.batching.max_batch, 4);
    CU_ASSERT(near(sc.batching.timeout_s, 0.3));
    CU_ASSERT_EQUAL(sc.client.max_inflight, 3);

    CU_ASSERT_STRING_EQUAL(sc.function.model_path, "tests/data/model-simple.json");
    CU_ASSERT(near(sc.function.memory_mb, 512));
    CU_ASSERT(near(sc.function.timeout_s, 30));
    CU_ASSERT(near(sc.function.compute_factor, 2));
    const struct model_profile *m = &sc.function.model;
    CU_ASSERT_STRING_EQUAL(m->name, "simple");
    CU_ASSERT(near(m->memory_mb, 1024));
    /* Cold start and overhead are not compute: not scaled. */
    CU_ASSERT_EQUAL(m->cold_start_s.kind, DIST_CONSTANT);
    CU_ASSERT(near(m->cold_start_s.a, 1.0));
    CU_ASSERT(near(m->overhead_s.a, 0.020));
    CU_ASSERT(m->has_base);
    CU_ASSERT(near(m->base_s.a, 0.020));
    CU_ASSERT(near(m->per_item_s, 0.004));
    CU_ASSERT_EQUAL(m->table_max, 4);
    CU_ASSERT(m->has_size[1] && !m->has_size[2] && !m->has_size[3] && m->has_size[4]);
    CU_ASSERT(near(m->by_size[1].a, 0.024));
    CU_ASSERT_EQUAL(m->by_size[4].kind, DIST_UNIFORM);
    CU_ASSERT(near(m->by_size[4].a, 0.060));
    CU_ASSERT(near(m->by_size[4].b, 0.100));

    const struct platform_spec *p = &sc.platform;
    CU_ASSERT_EQUAL(p->provisioned_concurrency, 2);
    CU_ASSERT_EQUAL(p->keep_alive_s.kind, DIST_EXPONENTIAL);
    CU_ASSERT(near(p->keep_alive_s.a, 300));
    CU_ASSERT_EQUAL(p->routing, ROUTING_LRU);
    CU_ASSERT_EQUAL(p->reserved_concurrency, 50);
    CU_ASSERT_EQUAL(p->account_concurrency, 900);
    CU_ASSERT_EQUAL(p->concurrency_limit, 50);
    CU_ASSERT(near(p->scale_per_10s, 500));
    CU_ASSERT_EQUAL(p->on_throttle, THROTTLE_DROP);
    CU_ASSERT(near(p->backoff_s, 0.2));
    CU_ASSERT(near(p->backoff_max_s, 5));
    CU_ASSERT_EQUAL(p->max_retries, 4);

    CU_ASSERT_EQUAL(sc.warmup.concurrency, 3);
    CU_ASSERT(near(sc.warmup.interval_s, 120));
    CU_ASSERT(near(sc.warmup.first_at_s, 5));
    CU_ASSERT(near(sc.warmup.hold_s, 0.080));

    CU_ASSERT(near(sc.pricing.request_usd, 3e-7));
    CU_ASSERT(near(sc.pricing.duration_usd_per_gb_s, 0.00002));
    CU_ASSERT(near(sc.pricing.provisioned_usd_per_gb_s, 0.000005));
    CU_ASSERT(near(sc.pricing.provisioned_duration_usd_per_gb_s, 0.00001));
    CU_ASSERT(near(sc.pricing.provisioned_billing_period_s, 60));
    CU_ASSERT(near(sc.pricing.duration_granularity_ms, 100));
    CU_ASSERT_EQUAL(sc.stats, STATS_EXACT);

    scenario_fini(&sc);
    CU_ASSERT_PTR_NULL(sc.function.model.by_size);
    scenario_fini(&sc); /* idempotent */
}

static void test_defaults(void)
{
    struct scenario sc;
    enum config_status st = config_load_scenario("tests/data/scenario-minimal.json", NULL, 0,
                                                 &sc, msg, sizeof msg);
    CU_ASSERT_EQUAL_FATAL(st, CONFIG_OK);
    CU_ASSERT_STRING_EQUAL(sc.name, "scenario-minimal");
    CU_ASSERT_EQUAL(sc.seed, 1);
    CU_ASSERT(isinf(sc.duration_s) && sc.duration_s > 0);
    CU_ASSERT_EQUAL(sc.max_requests, 100);
    CU_ASSERT(near(sc.warmup_period_s, 0));
    CU_ASSERT_EQUAL(sc.workload.type, WORKLOAD_UNIFORM);
    CU_ASSERT(near(sc.workload.start_s, 0));
    CU_ASSERT_EQUAL(sc.batching.threshold, 1);
    CU_ASSERT_EQUAL(sc.batching.max_batch, 1);
    CU_ASSERT(near(sc.batching.timeout_s, 0));
    CU_ASSERT_EQUAL(sc.client.max_inflight, 0);
    CU_ASSERT(near(sc.function.memory_mb, 1024));
    CU_ASSERT(near(sc.function.timeout_s, 60));
    CU_ASSERT(near(sc.function.compute_factor, 1));
    CU_ASSERT(near(sc.function.model.base_s.a, 0.010));
    CU_ASSERT_EQUAL(sc.platform.provisioned_concurrency, 0);
    CU_ASSERT_EQUAL(sc.platform.keep_alive_s.kind, DIST_CONSTANT);
    CU_ASSERT(near(sc.platform.keep_alive_s.a, 600));
    CU_ASSERT_EQUAL(sc.platform.routing, ROUTING_MRU);
    CU_ASSERT_EQUAL(sc.platform.reserved_concurrency, 0);
    CU_ASSERT_EQUAL(sc.platform.account_concurrency, 1000);
    CU_ASSERT_EQUAL(sc.platform.concurrency_limit, 1000);
    CU_ASSERT(near(sc.platform.scale_per_10s, 1000));
    CU_ASSERT_EQUAL(sc.platform.on_throttle, THROTTLE_RETRY);
    CU_ASSERT(near(sc.platform.backoff_s, 0.1));
    CU_ASSERT(near(sc.platform.backoff_max_s, 20));
    CU_ASSERT_EQUAL(sc.platform.max_retries, 2);
    CU_ASSERT_EQUAL(sc.warmup.concurrency, 0);
    CU_ASSERT(near(sc.warmup.interval_s, 300));
    CU_ASSERT(near(sc.warmup.first_at_s, 0));
    CU_ASSERT(near(sc.warmup.hold_s, 0.050));
    CU_ASSERT(near(sc.pricing.request_usd, 2e-7));
    CU_ASSERT(near(sc.pricing.duration_usd_per_gb_s, 0.0000166667));
    CU_ASSERT(near(sc.pricing.provisioned_usd_per_gb_s, 0.0000041667));
    CU_ASSERT(near(sc.pricing.provisioned_duration_usd_per_gb_s, 0.0000097222));
    CU_ASSERT(near(sc.pricing.provisioned_billing_period_s, 300));
    CU_ASSERT(near(sc.pricing.duration_granularity_ms, 1));
    scenario_fini(&sc);
}

/* Only one of threshold / max_batch given: the other follows it. */
static void test_batching_defaults(void)
{
    struct scenario sc;
    const char *only_max[] = { "batching.max_batch=6", "batching.timeout_s=0.5" };
    CU_ASSERT_EQUAL_FATAL(load_with("tests/data/scenario-minimal.json", only_max, 2, &sc),
                          CONFIG_OK);
    CU_ASSERT_EQUAL(sc.batching.threshold, 6);
    CU_ASSERT_EQUAL(sc.batching.max_batch, 6);
    scenario_fini(&sc);

    const char *only_th[] = { "batching.threshold=3", "batching.timeout_s=0.5" };
    CU_ASSERT_EQUAL_FATAL(load_with("tests/data/scenario-minimal.json", only_th, 2, &sc),
                          CONFIG_OK);
    CU_ASSERT_EQUAL(sc.batching.threshold, 3);
    CU_ASSERT_EQUAL(sc.batching.max_batch, 3);
    scenario_fini(&sc);

    /* threshold 1 needs no timeout even with a larger max_batch. */
    const char *th1[] = { "batching.threshold=1", "batching.max_batch=8" };
    CU_ASSERT_EQUAL_FATAL(load_with("tests/data/scenario-minimal.json", th1, 2, &sc), CONFIG_OK);
    CU_ASSERT(near(sc.batching.timeout_s, 0));
    scenario_fini(&sc);

    /* A large first retry delay raises the default cap with it. */
    const char *backoff[] = { "platform.on_throttle.backoff_s=30" };
    CU_ASSERT_EQUAL_FATAL(load_with("tests/data/scenario-minimal.json", backoff, 1, &sc),
                          CONFIG_OK);
    CU_ASSERT(near(sc.platform.backoff_max_s, 30));
    scenario_fini(&sc);

    /* reserved_concurrency null reads as not set. */
    const char *reserved[] = { "platform.reserved_concurrency=null",
                               "platform.account_concurrency=7" };
    CU_ASSERT_EQUAL_FATAL(load_with("tests/data/scenario-minimal.json", reserved, 2, &sc),
                          CONFIG_OK);
    CU_ASSERT_EQUAL(sc.platform.reserved_concurrency, 0);
    CU_ASSERT_EQUAL(sc.platform.concurrency_limit, 7);
    scenario_fini(&sc);
}

static void test_workload_types(void)
{
    struct scenario sc;
    const char *bursty[] = { "workload={\"type\": \"bursty\", \"burst_size\": 10, "
                             "\"burst_pause_s\": 2}" };
    CU_ASSERT_EQUAL_FATAL(load_with("tests/data/scenario-minimal.json", bursty, 1, &sc),
                          CONFIG_OK);
    CU_ASSERT_EQUAL(sc.workload.type, WORKLOAD_BURSTY);
    CU_ASSERT_EQUAL(sc.workload.burst_size, 10);
    CU_ASSERT(near(sc.workload.burst_pause_s, 2));
    CU_ASSERT(near(sc.workload.gap_s, 0));
    CU_ASSERT(near(sc.workload.start_s, 0));
    scenario_fini(&sc);

    /* gap_s alone is enough to spread the arrivals. */
    const char *gap[] = { "workload={\"type\": \"bursty\", \"burst_size\": 3, "
                          "\"burst_pause_s\": 0, \"gap_s\": 0.25, \"start_s\": 4}" };
    CU_ASSERT_EQUAL_FATAL(load_with("tests/data/scenario-minimal.json", gap, 1, &sc), CONFIG_OK);
    CU_ASSERT(near(sc.workload.gap_s, 0.25));
    CU_ASSERT(near(sc.workload.start_s, 4));
    scenario_fini(&sc);

    const char *trace[] = { "workload={\"type\": \"trace\", \"file\": \"trace-plain.txt\"}" };
    CU_ASSERT_EQUAL_FATAL(load_with("tests/data/scenario-minimal.json", trace, 1, &sc),
                          CONFIG_OK);
    CU_ASSERT_EQUAL(sc.workload.type, WORKLOAD_TRACE);
    CU_ASSERT_STRING_EQUAL(sc.workload.trace_path, "tests/data/trace-plain.txt");
    CU_ASSERT_EQUAL_FATAL(sc.workload.trace_len, 5);
    CU_ASSERT(near(sc.workload.trace_s[3], 2.25));
    CU_ASSERT(near(sc.workload.trace_s[4], 10));
    scenario_fini(&sc);
    CU_ASSERT_PTR_NULL(sc.workload.trace_s);
    CU_ASSERT_EQUAL(sc.workload.trace_len, 0);
}

/* Model and trace paths are relative to the scenario file, not the cwd. */
static void test_relative_paths(void)
{
    char *dir = testutil_temp_dir();
    char model[512], trace[512], scen[512], sub[512];
    snprintf(model, sizeof model, "%s/m.json", dir);
    snprintf(trace, sizeof trace, "%s/t.csv", dir);
    snprintf(sub, sizeof sub, "%s/scenarios", dir);
    snprintf(scen, sizeof scen, "%s/scenarios/s.json", dir);
    CU_ASSERT_FATAL(mkdir_ok(sub));
    write_file(model, "{\"memory_mb\": 2048, \"cold_start_ms\": 5, \"overhead_ms\": 1,"
                      " \"inference_ms\": {\"base\": 3}}");
    write_file(trace, "time_s\n1\n2\n");
    write_file(scen, "{\"duration_s\": 5, \"workload\": {\"type\": \"trace\", \"file\": "
                     "\"../t.csv\"}, \"function\": {\"model\": \"../m.json\"}}");
    struct scenario sc;
    enum config_status st = config_load_scenario(scen, NULL, 0, &sc, msg, sizeof msg);
    if (st != CONFIG_OK)
        fprintf(stderr, "\n  %s\n", msg);
    CU_ASSERT_EQUAL_FATAL(st, CONFIG_OK);
    char want[600];
    snprintf(want, sizeof want, "%s/scenarios/../m.json", dir);
    CU_ASSERT_STRING_EQUAL(sc.function.model_path, want);
    CU_ASSERT_STRING_EQUAL(sc.function.model.name, "m");
    CU_ASSERT(near(sc.function.memory_mb, 2048));
    snprintf(want, sizeof want, "%s/scenarios/../t.csv", dir);
    CU_ASSERT_STRING_EQUAL(sc.workload.trace_path, want);
    CU_ASSERT_EQUAL(sc.workload.trace_len, 2);
    CU_ASSERT_STRING_EQUAL(sc.name, "s");
    scenario_fini(&sc);

    /* An absolute path is kept as written. */
    char abs_scen[512], body[1200];
    snprintf(abs_scen, sizeof abs_scen, "%s/scenarios/abs.json", dir);
    snprintf(body, sizeof body, "{\"requests\": 5, \"workload\": {\"type\": \"uniform\", "
             "\"rate_rps\": 1}, \"function\": {\"model\": \"%s\"}}", model);
    write_file(abs_scen, body);
    CU_ASSERT_EQUAL_FATAL(config_load_scenario(abs_scen, NULL, 0, &sc, msg, sizeof msg), CONFIG_OK);
    CU_ASSERT_STRING_EQUAL(sc.function.model_path, model);
    scenario_fini(&sc);

    unlink(abs_scen);
    unlink(scen);
    unlink(model);
    unlink(trace);
    rmdir(sub);
    rmdir(dir);
    free(dir);
}

static void test_inline_model(void)
{
    struct scenario sc;
    const char *inl[] = { "function.model={\"memory_mb\": 1769, \"cold_start_ms\": 100, "
                          "\"overhead_ms\": 10, \"inference_ms\": {\"by_batch_size\": "
                          "{\"1\": 4}}}" };
    CU_ASSERT_EQUAL_FATAL(load_with("tests/data/scenario-minimal.json", inl, 1, &sc), CONFIG_OK);
    CU_ASSERT_STRING_EQUAL(sc.function.model.name, "inline");
    CU_ASSERT_STRING_EQUAL(sc.function.model_path, "tests/data/scenario-minimal.json");
    CU_ASSERT(near(sc.function.memory_mb, 1769));
    CU_ASSERT(!sc.function.model.has_base);
    CU_ASSERT(near(sc.function.model.by_size[1].a, 0.004));
    scenario_fini(&sc);

    /* Errors inside it name function.model.FIELD in the scenario file. */
    const char *bad[] = { "function.model={\"memory_mb\": 1024, \"cold_start_ms\": 1, "
                          "\"overhead_ms\": 1, \"inference_ms\": {\"bsae\": 4}}" };
    CU_ASSERT_EQUAL(load_with("tests/data/scenario-minimal.json", bad, 1, &sc),
                    CONFIG_ERR_INVALID);
    ASSERT_MSG("tests/data/scenario-minimal.json (with --set function.model=");
    ASSERT_MSG(": function.model.inference_ms.bsae: unknown field (did you mean 'base'?)");
}

static void test_model_file(void)
{
    struct model_profile m;
    enum config_status st = config_load_model("tests/data/model-table.json", &m, msg, sizeof msg);
    CU_ASSERT_EQUAL_FATAL(st, CONFIG_OK);
    CU_ASSERT_STRING_EQUAL(m.name, "model-table");
    CU_ASSERT(near(m.memory_mb, 2048));
    /* lognormal median 2000 ms: mu = ln(2 s). */
    CU_ASSERT_EQUAL(m.cold_start_s.kind, DIST_LOGNORMAL);
    CU_ASSERT(near(m.cold_start_s.a, log(2.0)));
    CU_ASSERT(near(m.cold_start_s.b, 0.5));
    CU_ASSERT_EQUAL(m.overhead_s.kind, DIST_NORMAL);
    CU_ASSERT(near(m.overhead_s.a, 0.030));
    CU_ASSERT(near(m.overhead_s.b, 0.005));
    CU_ASSERT(!m.has_base);
    CU_ASSERT_EQUAL(m.table_max, 3);
    CU_ASSERT_EQUAL(m.by_size[3].kind, DIST_EMPIRICAL);
    CU_ASSERT_EQUAL_FATAL(m.by_size[3].n_samples, 3);
    CU_ASSERT(near(m.by_size[3].samples[2], 0.024));
    /* The measuring host's own costs, in seconds like the rest. */
    CU_ASSERT_FATAL(m.has_host);
    CU_ASSERT_EQUAL(m.host_dispatch_s.kind, DIST_CONSTANT);
    CU_ASSERT(near(m.host_dispatch_s.a, 0.00005));
    CU_ASSERT_EQUAL(m.host_start_s.kind, DIST_EMPIRICAL);
    CU_ASSERT_EQUAL_FATAL(m.host_start_s.n_samples, 2);
    CU_ASSERT(near(m.host_start_s.samples[1], 0.012));
    /* A copy owns its own samples. */
    struct model_profile copy;
    model_copy(&copy, &m);
    model_fini(&m);
    CU_ASSERT(copy.has_host);
    CU_ASSERT(near(copy.host_start_s.samples[0], 0.010));
    model_fini(&copy);

    /* Optional: a profile from elsewhere has none. */
    st = config_load_model("tests/data/model-simple.json", &m, msg, sizeof msg);
    CU_ASSERT_EQUAL_FATAL(st, CONFIG_OK);
    CU_ASSERT(!m.has_host);
    model_fini(&m);

    /* The shipped profile loads. */
    st = config_load_model("models/mnist-lambda-1024.json", &m, msg, sizeof msg);
    CU_ASSERT_EQUAL(st, CONFIG_OK);
    CU_ASSERT_STRING_EQUAL(m.name, "mnist-lambda-1024");
    model_fini(&m);
}

/* Each distribution form, through keep_alive_s (seconds, not scaled). */
static void test_dist_forms(void)
{
    static const struct {
        const char *set;
        enum dist_kind kind;
        double a, b;
    } cases[] = {
        { "platform.keep_alive_s=7", DIST_CONSTANT, 7, 0 },
        { "platform.keep_alive_s={\"dist\":\"constant\",\"value\":8}", DIST_CONSTANT, 8, 0 },
        { "platform.keep_alive_s={\"dist\":\"exponential\",\"mean\":9}", DIST_EXPONENTIAL, 9, 0 },
        { "platform.keep_alive_s={\"dist\":\"normal\",\"mean\":5,\"sd\":2}", DIST_NORMAL, 5, 2 },
        { "platform.keep_alive_s={\"dist\":\"lognormal\",\"mu\":1,\"sigma\":0.5}",
          DIST_LOGNORMAL, 1, 0.5 },
        { "platform.keep_alive_s={\"dist\":\"gamma\",\"shape\":2,\"scale\":3}", DIST_GAMMA, 2, 3 },
        { "platform.keep_alive_s={\"dist\":\"weibull\",\"shape\":1.5,\"scale\":4}",
          DIST_WEIBULL, 1.5, 4 },
        { "platform.keep_alive_s={\"dist\":\"uniform\",\"min\":1,\"max\":3}", DIST_UNIFORM, 1, 3 },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct scenario sc;
        const char *set[] = { cases[i].set };
        enum config_status st = load_with("tests/data/scenario-minimal.json", set, 1, &sc);
        CU_ASSERT_EQUAL(st, CONFIG_OK);
        if (st != CONFIG_OK) {
            fprintf(stderr, "\n  %s\n", msg);
            continue;
        }
        CU_ASSERT_EQUAL(sc.platform.keep_alive_s.kind, cases[i].kind);
        CU_ASSERT(near(sc.platform.keep_alive_s.a, cases[i].a));
        CU_ASSERT(near(sc.platform.keep_alive_s.b, cases[i].b));
        scenario_fini(&sc);
    }
}

/* platform.keep_alive_policy: absent = fixed; the string and object forms
 * with the paper's defaults; each rule's message. */
static void test_keep_alive_policy(void)
{
    const char *p = "tests/data/scenario-minimal.json";
    struct scenario sc;
    CU_ASSERT_EQUAL_FATAL(load_with(p, NULL, 0, &sc), CONFIG_OK);
    CU_ASSERT_EQUAL(sc.platform.keep_alive_policy.policy, KEEPALIVE_FIXED);
    scenario_fini(&sc);
    const char *word[] = { "platform.keep_alive_policy=histogram" };
    CU_ASSERT_EQUAL_FATAL(load_with(p, word, 1, &sc), CONFIG_OK);
    const struct keepalive_spec *k = &sc.platform.keep_alive_policy;
    CU_ASSERT_EQUAL(k->policy, KEEPALIVE_HISTOGRAM);
    CU_ASSERT(near(k->range_s, 14400) && near(k->bin_s, 60) && near(k->head_percentile, 5)
              && near(k->tail_percentile, 99) && near(k->margin, 0.1) && near(k->cv_threshold, 2)
              && near(k->oob_threshold, 0.5));
    CU_ASSERT_EQUAL(k->min_samples, 10);
    scenario_fini(&sc);
    const char *obj[] = { "platform.keep_alive_policy={\"policy\":\"histogram\",\"bin_s\":30,\"range_s\":600,"
                          "\"margin\":0,\"min_samples\":3,\"head_percentile\":1,\"tail_percentile\":100}" };
    CU_ASSERT_EQUAL_FATAL(load_with(p, obj, 1, &sc), CONFIG_OK);
    CU_ASSERT(near(k->bin_s, 30) && near(k->range_s, 600) && near(k->margin, 0) && near(k->head_percentile, 1)
              && near(k->tail_percentile, 100));
    CU_ASSERT_EQUAL(k->min_samples, 3);
    scenario_fini(&sc);
    /* A sweep axis sets the policy alone: the other fields keep their defaults. */
    const char *sub[] = { "platform.keep_alive_policy.policy=histogram" };
    CU_ASSERT_EQUAL_FATAL(load_with(p, sub, 1, &sc), CONFIG_OK);
    CU_ASSERT_EQUAL(k->policy, KEEPALIVE_HISTOGRAM);
    scenario_fini(&sc);
    static const struct {
        const char *set, *frag;
    } bad[] = {
        { "platform.keep_alive_policy=lru", "platform.keep_alive_policy: must be fixed or histogram (got 'lru')" },
        { "platform.keep_alive_policy=5", "platform.keep_alive_policy: must be \"fixed\", \"histogram\" or an object" },
        { "platform.keep_alive_policy={\"bin_s\":60}", "platform.keep_alive_policy.policy: required field is missing" },
        { "platform.keep_alive_policy={\"policy\":\"fixed\",\"bin_s\":60}",
          "platform.keep_alive_policy.bin_s: applies to policy \"histogram\" only" },
        { "platform.keep_alive_policy={\"policy\":\"histogram\",\"bins\":60}",
          "platform.keep_alive_policy.bins: unknown field (did you mean 'bin_s'?)" },
        { "platform.keep_alive_policy={\"policy\":\"histogram\",\"range_s\":100}",
          "platform.keep_alive_policy.range_s: must be at least two bins, 2 x bin_s = 120 s (got 100)" },
        { "platform.keep_alive_policy={\"policy\":\"histogram\",\"bin_s\":0.001}",
          "range_s / bin_s must be at most 1000000 bins (got 14400000)" },
        { "platform.keep_alive_policy={\"policy\":\"histogram\",\"head_percentile\":0}",
          "platform.keep_alive_policy.head_percentile: must be > 0 (got 0)" },
        { "platform.keep_alive_policy={\"policy\":\"histogram\",\"head_percentile\":50,\"tail_percentile\":40}",
          "platform.keep_alive_policy.head_percentile: must be <= tail_percentile (got 50 > 40)" },
        { "platform.keep_alive_policy={\"policy\":\"histogram\",\"margin\":1}",
          "platform.keep_alive_policy.margin: must be < 1" },
        { "platform.keep_alive_policy={\"policy\":\"histogram\",\"min_samples\":0}",
          "platform.keep_alive_policy.min_samples: must be >= 1 (got 0)" },
        { "platform.keep_alive_policy={\"policy\":\"histogram\",\"oob_threshold\":0}",
          "platform.keep_alive_policy.oob_threshold: must be > 0 (got 0)" },
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        const char *set[] = { bad[i].set };
        CU_ASSERT_EQUAL(load_with(p, set, 1, &sc), CONFIG_ERR_INVALID);
        ASSERT_MSG(bad[i].frag);
    }
}

/* batching.policy: absent = fixed; aimd and slo with their defaults (aimd
 * step 1, back-off 0.9; slo needs no timeout); each rule's message. */
static void test_batching_policy(void)
{
    const char *p = "tests/data/scenario-minimal.json";
    struct scenario sc;
    CU_ASSERT_EQUAL_FATAL(load_with(p, NULL, 0, &sc), CONFIG_OK);
    CU_ASSERT_EQUAL(sc.batching.policy, BATCH_POLICY_FIXED);
    scenario_fini(&sc);
    const char *aimd[] = { "batching.policy=aimd", "batching.slo_ms=250", "batching.max_batch=16",
                           "batching.threshold=2", "batching.timeout_s=0.1" };
    CU_ASSERT_EQUAL_FATAL(load_with(p, aimd, 5, &sc), CONFIG_OK);
    CU_ASSERT_EQUAL(sc.batching.policy, BATCH_POLICY_AIMD);
    CU_ASSERT(near(sc.batching.slo_s, 0.25) && near(sc.batching.aimd_decrease, 0.9));
    CU_ASSERT_EQUAL(sc.batching.aimd_increase, 1);
    CU_ASSERT_EQUAL(sc.batching.threshold, 2);
    scenario_fini(&sc);
    const char *slo[] = { "batching.policy=slo", "batching.slo_ms=80", "batching.max_batch=16" };
    CU_ASSERT_EQUAL_FATAL(load_with(p, slo, 3, &sc), CONFIG_OK);
    CU_ASSERT_EQUAL(sc.batching.policy, BATCH_POLICY_SLO);
    CU_ASSERT(near(sc.batching.slo_s, 0.08) && sc.batching.timeout_s == 0);
    CU_ASSERT_EQUAL(sc.batching.threshold, 16);
    scenario_fini(&sc);
    static const struct {
        const char *set[3];
        const char *frag;
    } bad[] = {
        { { "batching.policy=lifo" }, "batching.policy: must be fixed, aimd or slo (got 'lifo')" },
        { { "batching.slo_ms=100" }, "batching.slo_ms: applies to batching.policy \"aimd\" and \"slo\" only "
                                     "(the policy is \"fixed\")" },
        { { "batching.policy=slo", "batching.slo_ms=100", "batching.aimd_increase=2" },
          "batching.aimd_increase: applies to batching.policy \"aimd\" only (the policy is \"slo\")" },
        { { "batching.policy=aimd" }, "batching.slo_ms: required field is missing" },
        { { "batching.policy=slo", "batching.slo_ms=0" }, "batching.slo_ms: must be > 0 (got 0)" },
        { { "batching.policy=aimd", "batching.slo_ms=100", "batching.aimd_decrease=1" },
          "batching.aimd_decrease: must be < 1" },
        { { "batching.policy=aimd", "batching.slo_ms=100", "batching.aimd_increase=0" },
          "batching.aimd_increase: must be >= 1 (got 0)" },
        { { "batching.policy=aimd", "batching.slo_ms=100", "batching.max_batch=4" },
          "batching.timeout_s: required with policy \"aimd\" when max_batch > 1" },
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        size_t n = 0;
        while (n < 3 && bad[i].set[n] != NULL)
            n++;
        CU_ASSERT_EQUAL(load_with(p, bad[i].set, n, &sc), CONFIG_ERR_INVALID);
        ASSERT_MSG(bad[i].frag);
    }
}

/* ---------------------------------------------------------------------- */
/* Overrides                                                                */

static void test_overrides(void)
{
    struct scenario sc;
    const char *sets[] = {
        "batching.threshold=3",                                         /* number */
        "platform.routing=random",                                      /* bare string */
        "name=\"quoted\"",                                              /* JSON string */
        "platform.keep_alive_s={\"dist\":\"empirical\",\"samples\":[1,2,3]}", /* object */
        "platform.keep_alive_s.samples.1=7",                            /* array index */
        "platform.on_throttle.max_retries=9",                           /* existing object */
    };
    enum config_status st = load_with("tests/data/scenario-full.json", sets, 6, &sc);
    if (st != CONFIG_OK)
        fprintf(stderr, "\n  %s\n", msg);
    CU_ASSERT_EQUAL_FATAL(st, CONFIG_OK);
    CU_ASSERT_EQUAL(sc.batching.threshold, 3);
    CU_ASSERT_EQUAL(sc.batching.max_batch, 4);
    CU_ASSERT_EQUAL(sc.platform.routing, ROUTING_RANDOM);
    CU_ASSERT_STRING_EQUAL(sc.name, "quoted");
    CU_ASSERT_EQUAL(sc.platform.keep_alive_s.kind, DIST_EMPIRICAL);
    CU_ASSERT_EQUAL_FATAL(sc.platform.keep_alive_s.n_samples, 3);
    CU_ASSERT(near(sc.platform.keep_alive_s.samples[0], 1));
    CU_ASSERT(near(sc.platform.keep_alive_s.samples[1], 7));
    CU_ASSERT(near(sc.platform.keep_alive_s.samples[2], 3));
    CU_ASSERT_EQUAL(sc.platform.max_retries, 9);
    CU_ASSERT_EQUAL(sc.platform.on_throttle, THROTTLE_DROP);
    scenario_fini(&sc);

    /* A missing intermediate object is created. */
    const char *create[] = { "client.max_inflight=2", "warmup.concurrency=4" };
    CU_ASSERT_EQUAL_FATAL(load_with("tests/data/scenario-minimal.json", create, 2, &sc),
                          CONFIG_OK);
    CU_ASSERT_EQUAL(sc.client.max_inflight, 2);
    CU_ASSERT_EQUAL(sc.warmup.concurrency, 4);
    scenario_fini(&sc);

    /* Later overrides win; overrides may set by_batch_size keys. */
    const char *later[] = { "seed=5", "seed=6" };
    CU_ASSERT_EQUAL_FATAL(load_with("tests/data/scenario-minimal.json", later, 2, &sc),
                          CONFIG_OK);
    CU_ASSERT_EQUAL(sc.seed, 6);
    scenario_fini(&sc);
}

static void test_override_parse(void)
{
    struct config_override o;
    char m[256];
    CU_ASSERT_EQUAL(config_parse_override("batching.threshold=4", &o, m, sizeof m), 0);
    CU_ASSERT_EQUAL(strncmp(o.path, "batching.threshold", 18), 0);
    CU_ASSERT_EQUAL(o.path[18], '=');
    CU_ASSERT_STRING_EQUAL(o.value, "4");
    CU_ASSERT_EQUAL(config_parse_override("name=a=b", &o, m, sizeof m), 0);
    CU_ASSERT_STRING_EQUAL(o.value, "a=b");
    CU_ASSERT_EQUAL(config_parse_override("x_1.Y2=", &o, m, sizeof m), 0);
    CU_ASSERT_STRING_EQUAL(o.value, "");

    static const struct {
        const char *arg, *frag;
    } bad[] = {
        { "foo", "--set 'foo': expected KEY=VALUE" },
        { "=5", "--set '=5': empty key" },
        { "a..b=1", "empty segment in field path 'a..b'" },
        { ".a=1", "empty segment" },
        { "a.=1", "empty segment" },
        { "a-b=1", "bad character '-' in field path 'a-b'" },
        { "a b=1", "bad character ' ' in field path 'a b'" },
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        m[0] = 'x';
        CU_ASSERT_EQUAL(config_parse_override(bad[i].arg, &o, m, sizeof m), -1);
        if (!testutil_contains(m, bad[i].frag))
            fprintf(stderr, "\n  expected '%s' in: %s\n", bad[i].frag, m);
        CU_ASSERT(testutil_contains(m, bad[i].frag));
    }
    /* Newlines in the argument do not make the message two lines. */
    CU_ASSERT_EQUAL(config_parse_override("a\nb", &o, m, sizeof m), -1);
    CU_ASSERT(one_line(m));
}

static void test_override_errors(void)
{
    struct scenario sc;
    const char *p = "tests/data/scenario-full.json";

    const char *th0[] = { "seed=3", "batching.threshold=0" };
    CU_ASSERT_EQUAL(load_with(p, th0, 2, &sc), CONFIG_ERR_INVALID);
    /* Names the override that caused it, not the unrelated one. */
    ASSERT_MSG("tests/data/scenario-full.json (with --set batching.threshold=0): "
               "batching.threshold: must be >= 1 (got 0)");
    CU_ASSERT(all_zero(&sc, sizeof sc));

    /* A rule over two fields names the override of either. */
    const char *mb[] = { "batching.max_batch=1" };
    CU_ASSERT_EQUAL(load_with(p, mb, 1, &sc), CONFIG_ERR_INVALID);
    ASSERT_MSG("(with --set batching.max_batch=1): batching.threshold: must be <= "
               "batching.max_batch (got 2 > 1)");

    const char *into_num[] = { "seed.x=1" };
    CU_ASSERT_EQUAL(load_with(p, into_num, 1, &sc), CONFIG_ERR_INVALID);
    ASSERT_MSG("(with --set seed.x=1): seed: is a number, so it has no field 'x'");

    const char *into_str[] = { "function.model.memory_mb=512" };
    CU_ASSERT_EQUAL(load_with(p, into_str, 1, &sc), CONFIG_ERR_INVALID);
    ASSERT_MSG("function.model: is a string, so it has no field 'memory_mb'");

    const char *idx[] = { "platform.keep_alive_s={\"dist\":\"empirical\",\"samples\":[1]}",
                          "platform.keep_alive_s.samples.3=2" };
    CU_ASSERT_EQUAL(load_with(p, idx, 2, &sc), CONFIG_ERR_INVALID);
    ASSERT_MSG("platform.keep_alive_s.samples: index 3 out of range (the array has 1 items)");
    ASSERT_MSG("--set platform.keep_alive_s.samples.3=2");

    const char *notidx[] = { "platform.keep_alive_s={\"dist\":\"empirical\",\"samples\":[1]}",
                             "platform.keep_alive_s.samples.first=2" };
    CU_ASSERT_EQUAL(load_with(p, notidx, 2, &sc), CONFIG_ERR_INVALID);
    ASSERT_MSG("platform.keep_alive_s.samples: is an array; 'first' is not an index");

    /* A value that is not JSON is a string, then checked like the file. */
    const char *str[] = { "batching.threshold=two" };
    CU_ASSERT_EQUAL(load_with(p, str, 1, &sc), CONFIG_ERR_INVALID);
    ASSERT_MSG("batching.threshold: must be an integer (got string)");

    /* An override can introduce an unknown field. */
    const char *typo[] = { "platform.keep_alive=5" };
    CU_ASSERT_EQUAL(load_with(p, typo, 1, &sc), CONFIG_ERR_INVALID);
    ASSERT_MSG("(with --set platform.keep_alive=5): platform.keep_alive: unknown field "
               "(did you mean 'keep_alive_s'?)");

    /* Changing the model path: the model file's error, then the reference. */
    const char *model[] = { "function.model=../bad/model-memory-low.json" };
    CU_ASSERT_EQUAL(load_with(p, model, 1, &sc), CONFIG_ERR_INVALID);
    ASSERT_MSG("tests/data/../bad/model-memory-low.json: memory_mb: must be >= 128 (got 64) "
               "(referenced from tests/data/scenario-full.json (with --set "
               "function.model=../bad/model-memory-low.json): function.model)");

    /* Overrides built by hand (path NUL-terminated) work the same. */
    struct config_override o = { "client.max_inflight", "-2" };
    CU_ASSERT_EQUAL(config_load_scenario(p, &o, 1, &sc, msg, sizeof msg), CONFIG_ERR_INVALID);
    ASSERT_MSG("(with --set client.max_inflight=-2): client.max_inflight: must be >= 0 (got -2)");
}

/* ---------------------------------------------------------------------- */
/* Bad files: one per rule                                                  */

enum bad_kind { SCENARIO, MODEL, TRACE, AZURE2019, AZURE2019_DURATIONS, AZURE2019_MEMORY, AZURE2021, LAMBDA_LOG,
                CLIENT_LOG };

static const struct bad_case {
    const char *file;
    enum bad_kind kind;
    enum config_status status; /* for TRACE: CONFIG_ERR_INVALID means -1 */
    const char *frag;
} bad_cases[] = {
    { "tests/bad/no-such-file.json", SCENARIO, CONFIG_ERR_IO,
      "tests/bad/no-such-file.json: cannot read: No such file or directory" },
    { "tests/bad/scenario-malformed.json", SCENARIO, CONFIG_ERR_PARSE,
      "scenario-malformed.json:3:34: malformed JSON near '\"rate_rps\": 1}'" },
    { "tests/bad/scenario-empty.json", SCENARIO, CONFIG_ERR_PARSE,
      "scenario-empty.json:1:1: malformed JSON: the file is empty" },
    { "tests/bad/scenario-trailing.json", SCENARIO, CONFIG_ERR_PARSE,
      "scenario-trailing.json:2:1: malformed JSON near '}'" },
    { "tests/bad/scenario-not-object.json", SCENARIO, CONFIG_ERR_INVALID,
      "scenario-not-object.json: the top level must be a JSON object {...} (got array)" },
    { "tests/bad/scenario-unknown-top.json", SCENARIO, CONFIG_ERR_INVALID,
      "scenario-unknown-top.json: worklaod: unknown field (did you mean 'workload'?)" },
    { "tests/bad/scenario-duplicate.json", SCENARIO, CONFIG_ERR_INVALID,
      ": duration_s: duplicate field" },
    { "tests/bad/scenario-no-workload.json", SCENARIO, CONFIG_ERR_INVALID,
      ": workload: required field is missing" },
    { "tests/bad/scenario-no-function.json", SCENARIO, CONFIG_ERR_INVALID,
      ": function: required field is missing" },
    { "tests/bad/scenario-no-duration.json", SCENARIO, CONFIG_ERR_INVALID,
      "scenario-no-duration.json: either duration_s or requests is required" },
    { "tests/bad/scenario-duration-negative.json", SCENARIO, CONFIG_ERR_INVALID,
      ": duration_s: must be > 0 (got -5)" },
    { "tests/bad/scenario-number-overflow.json", SCENARIO, CONFIG_ERR_INVALID,
      ": duration_s: must be a finite number (got inf)" },
    { "tests/bad/scenario-requests-fraction.json", SCENARIO, CONFIG_ERR_INVALID,
      ": requests: must be an integer (got 2.5)" },
    { "tests/bad/scenario-seed-string.json", SCENARIO, CONFIG_ERR_INVALID,
      ": seed: must be an integer (got string)" },
    { "tests/bad/scenario-name-number.json", SCENARIO, CONFIG_ERR_INVALID,
      ": name: must be a string (got number)" },
    { "tests/bad/scenario-warmup-period.json", SCENARIO, CONFIG_ERR_INVALID,
      ": warmup_period_s: must be < duration_s" },
    { "tests/bad/scenario-workload-no-type.json", SCENARIO, CONFIG_ERR_INVALID,
      ": workload.type: required field is missing (uniform, poisson, bursty or trace)" },
    { "tests/bad/scenario-workload-bad-type.json", SCENARIO, CONFIG_ERR_INVALID,
      ": workload.type: must be uniform, poisson, bursty or trace (got 'unifrom'; did you mean "
      "'uniform'?)" },
    { "tests/bad/scenario-workload-rate-zero.json", SCENARIO, CONFIG_ERR_INVALID,
      ": workload.rate_rps: must be > 0 (got 0)" },
    { "tests/bad/scenario-workload-rate-huge.json", SCENARIO, CONFIG_ERR_INVALID,
      ": workload.rate_rps: must be <= 1000000000 (got 2000000000)" },
    { "tests/bad/scenario-workload-rate-on-bursty.json", SCENARIO, CONFIG_ERR_INVALID,
      ": workload.rate_rps: not used by workload type 'bursty'" },
    { "tests/bad/scenario-workload-bursty-no-pause.json", SCENARIO, CONFIG_ERR_INVALID,
      ": workload.burst_pause_s: required field is missing" },
    { "tests/bad/scenario-workload-bursty-zero.json", SCENARIO, CONFIG_ERR_INVALID,
      ": workload.burst_pause_s: burst_pause_s and gap_s are both 0" },
    { "tests/bad/scenario-workload-bursty-size.json", SCENARIO, CONFIG_ERR_INVALID,
      ": workload.burst_size: must be >= 1 (got 0)" },
    { "tests/bad/scenario-workload-start-negative.json", SCENARIO, CONFIG_ERR_INVALID,
      ": workload.start_s: must be >= 0 (got -1)" },
    { "tests/bad/scenario-workload-trace-no-file.json", SCENARIO, CONFIG_ERR_INVALID,
      ": workload.file: required field is missing" },
    { "tests/bad/scenario-workload-trace-missing.json", SCENARIO, CONFIG_ERR_IO,
      "tests/bad/no-such-trace.csv: cannot read: No such file or directory (referenced from "
      "tests/bad/scenario-workload-trace-missing.json: workload.file)" },
    { "tests/bad/scenario-workload-trace-bad.json", SCENARIO, CONFIG_ERR_INVALID,
      "tests/bad/trace-not-number.csv:3: time_s: not a number ('abc') (referenced from "
      "tests/bad/scenario-workload-trace-bad.json: workload.file)" },
    { "tests/bad/scenario-batching-typo.json", SCENARIO, CONFIG_ERR_INVALID,
      ": batching.treshold: unknown field (did you mean 'threshold'?)" },
    { "tests/bad/scenario-batching-threshold-zero.json", SCENARIO, CONFIG_ERR_INVALID,
      ": batching.threshold: must be >= 1 (got 0)" },
    { "tests/bad/scenario-batching-threshold-over-max.json", SCENARIO, CONFIG_ERR_INVALID,
      ": batching.threshold: must be <= batching.max_batch (got 5 > 4)" },
    { "tests/bad/scenario-batching-no-timeout.json", SCENARIO, CONFIG_ERR_INVALID,
      ": batching.timeout_s: required when threshold > 1: a partial batch would otherwise "
      "wait forever" },
    { "tests/bad/scenario-batching-policy-no-slo.json", SCENARIO, CONFIG_ERR_INVALID,
      ": batching.slo_ms: required field is missing" },
    { "tests/bad/scenario-batching-slo-fixed.json", SCENARIO, CONFIG_ERR_INVALID,
      ": batching.slo_ms: applies to batching.policy \"aimd\" and \"slo\" only (the policy is \"fixed\")" },
    { "tests/bad/scenario-pc-empty.json", SCENARIO, CONFIG_ERR_INVALID,
      ": platform.provisioned: needs a schedule, target_tracking or both (for a fixed number of provisioned instances, set platform.provisioned_concurrency alone)" },
    { "tests/bad/scenario-pc-schedule-order.json", SCENARIO, CONFIG_ERR_INVALID,
      ": platform.provisioned.schedule[1].at_s: must not be earlier than the action before it (got 100 < 200): list the actions in time order" },
    { "tests/bad/scenario-pc-start-below-min.json", SCENARIO, CONFIG_ERR_INVALID,
      ": platform.provisioned_concurrency: must be within the target tracking's min_capacity..max_capacity, 2..1000, at t = 0 (got 0)" },
    { "tests/bad/scenario-pc-statistic.json", SCENARIO, CONFIG_ERR_INVALID,
      ": platform.provisioned.target_tracking.statistic: must be average or maximum (got 'p99')" },
    { "tests/bad/scenario-pc-target-percent.json", SCENARIO, CONFIG_ERR_INVALID,
      ": platform.provisioned.target_tracking.target_utilization: must be a fraction of the provisioned instances busy, at most 1 (0.7 = 70 %) (got 70)" },
    { "tests/bad/scenario-pc-value-and-min.json", SCENARIO, CONFIG_ERR_INVALID,
      ": platform.provisioned.schedule[0].value: sets min_capacity and max_capacity both: give either value or min_capacity/max_capacity" },
    { "tests/bad/scenario-pc-value-over-limit.json", SCENARIO, CONFIG_ERR_INVALID,
      ": platform.provisioned.schedule[0].value: must be <= the concurrency limit, 10 from platform.reserved_concurrency (got 20)" },
    { "tests/bad/scenario-batching-timeout-negative.json", SCENARIO, CONFIG_ERR_INVALID,
      ": batching.timeout_s: must be >= 0 (got -1)" },
    { "tests/bad/scenario-batching-max-too-big.json", SCENARIO, CONFIG_ERR_INVALID,
      ": batching.max_batch: must be <= 4096 (got 5000)" },
    { "tests/bad/scenario-batching-not-object.json", SCENARIO, CONFIG_ERR_INVALID,
      ": batching: must be an object (got number)" },
    { "tests/bad/scenario-client-negative.json", SCENARIO, CONFIG_ERR_INVALID,
      ": client.max_inflight: must be >= 0 (got -1)" },
    { "tests/bad/scenario-function-no-model.json", SCENARIO, CONFIG_ERR_INVALID,
      ": function.model: required field is missing" },
    { "tests/bad/scenario-function-model-missing.json", SCENARIO, CONFIG_ERR_IO,
      "tests/bad/no-such-model.json: cannot read: No such file or directory (referenced from "
      "tests/bad/scenario-function-model-missing.json: function.model)" },
    { "tests/bad/scenario-function-snapstart-not-bool.json", SCENARIO, CONFIG_ERR_INVALID,
      "function.snapstart: must be true or false (got string)" },
    { "tests/bad/scenario-function-snapstart-no-restore.json", SCENARIO, CONFIG_ERR_INVALID,
      "function.snapstart: model 'simple' has no restore_ms (the time to restore a SnapStart snapshot" },
    { "tests/bad/scenario-function-snapstart-provisioned.json", SCENARIO, CONFIG_ERR_INVALID,
      "function.snapstart: SnapStart and provisioned concurrency cannot both be set on a function version" },
    { "tests/bad/scenario-function-snapstart-image.json", SCENARIO, CONFIG_ERR_INVALID,
      "function.snapstart: SnapStart does not apply to container images" },
    { "tests/bad/scenario-function-restore-without-snapstart.json", SCENARIO, CONFIG_ERR_INVALID,
      "function.model: model 'inline' has restore_ms but no cold_start_ms: it describes a SnapStart function" },
    { "tests/bad/scenario-warmup-first-at-word.json", SCENARIO, CONFIG_ERR_INVALID,
      "warmup.first_at_s: must be a time in seconds or \"random\" (got \"soon\")" },
    { "tests/bad/scenario-function-model-bad.json", SCENARIO, CONFIG_ERR_INVALID,
      "tests/bad/model-memory-low.json: memory_mb: must be >= 128 (got 64) (referenced from "
      "tests/bad/scenario-function-model-bad.json: function.model)" },
    { "tests/bad/scenario-function-model-number.json", SCENARIO, CONFIG_ERR_INVALID,
      ": function.model: must be a model file path (string) or an inline model object "
      "(got number)" },
    { "tests/bad/scenario-function-inline-bad.json", SCENARIO, CONFIG_ERR_INVALID,
      "scenario-function-inline-bad.json: function.model.inference_ms.base: must be >= 0 "
      "(got -1)" },
    { "tests/bad/scenario-function-memory-low.json", SCENARIO, CONFIG_ERR_INVALID,
      ": function.memory_mb: must be >= 128 (got 64)" },
    { "tests/bad/scenario-function-memory-fraction.json", SCENARIO, CONFIG_ERR_INVALID,
      ": function.memory_mb: must be an integer (got 1024.5)" },
    { "tests/bad/scenario-function-extra-init.json", SCENARIO, CONFIG_ERR_INVALID,
      ": function.extra_init_ms.max: must be >= min (got 100)" },
    { "tests/bad/scenario-function-timeout-high.json", SCENARIO, CONFIG_ERR_INVALID,
      ": function.timeout_s: must be <= 900 (got 1000)" },
    { "tests/bad/scenario-function-not-covered.json", SCENARIO, CONFIG_ERR_INVALID,
      ": function.model: model 'model-table' has no inference time for batch size 4, but "
      "batching.max_batch is 4" },
    { "tests/bad/scenario-stats-mode.json", SCENARIO, CONFIG_ERR_INVALID,
      ": stats.mode: must be exact or streaming (got 'stream'; did you mean 'streaming'?)" },
    { "tests/bad/scenario-requests-too-many.json", SCENARIO, CONFIG_ERR_INVALID,
      ": requests: the run would simulate about 100000000000 requests; the limit is 1e10" },
    { "tests/bad/scenario-exact-too-big.json", SCENARIO, CONFIG_ERR_INVALID,
      ": duration_s: the run would simulate about 1000000000 requests, and exact percentiles keep 8 bytes per request (8.0 GB): use --stats streaming" },
    { "tests/bad/scenario-client-max-queue.json", SCENARIO, CONFIG_ERR_INVALID,
      ": client.max_queue: must be >= 1 (got 0)" },
    { "tests/bad/scenario-platform-routing.json", SCENARIO, CONFIG_ERR_INVALID,
      ": platform.routing: must be mru, lru or random (got 'fifo')" },
    { "tests/bad/scenario-platform-reserved-over-account.json", SCENARIO, CONFIG_ERR_INVALID,
      ": platform.reserved_concurrency: must be <= platform.account_concurrency "
      "(got 2000 > 1000)" },
    { "tests/bad/scenario-platform-pc-over-limit.json", SCENARIO, CONFIG_ERR_INVALID,
      ": platform.provisioned_concurrency: must be <= the concurrency limit, 5 from "
      "platform.reserved_concurrency (got 6)" },
    { "tests/bad/scenario-platform-reserved-zero.json", SCENARIO, CONFIG_ERR_INVALID,
      ": platform.reserved_concurrency: must be >= 1 (got 0)" },
    { "tests/bad/scenario-platform-host-cores.json", SCENARIO, CONFIG_ERR_INVALID,
      ": platform.host_cores: must be >= 0 (got -2)" },
    { "tests/bad/scenario-platform-host-cores-tiny.json", SCENARIO, CONFIG_ERR_INVALID,
      ": platform.host_cores: must be 0 (off) or at least 0.001, a millicore (got 0.0001)" },
    { "tests/bad/scenario-platform-host-cores-string.json", SCENARIO, CONFIG_ERR_INVALID,
      ": platform.host_cores: must be a number (got string)" },
    { "tests/bad/scenario-platform-scale-zero.json", SCENARIO, CONFIG_ERR_INVALID,
      ": platform.scale_per_10s: must be > 0 (got 0)" },
    { "tests/bad/scenario-platform-keep-alive-dist.json", SCENARIO, CONFIG_ERR_INVALID,
      ": platform.keep_alive_s.dist: unknown distribution 'poisson'" },
    { "tests/bad/scenario-platform-keep-alive-param.json", SCENARIO, CONFIG_ERR_INVALID,
      ": platform.keep_alive_s.sd: not a parameter of dist 'exponential' (it takes mean)" },
    { "tests/bad/scenario-platform-keep-alive-string.json", SCENARIO, CONFIG_ERR_INVALID,
      ": platform.keep_alive_s: must be a number or a distribution object" },
    { "tests/bad/scenario-platform-throttle-action.json", SCENARIO, CONFIG_ERR_INVALID,
      ": platform.on_throttle.action: must be drop or retry (got 'queue')" },
    { "tests/bad/scenario-platform-backoff-max.json", SCENARIO, CONFIG_ERR_INVALID,
      ": platform.on_throttle.backoff_max_s: must be >= backoff_s (got 1 < 2)" },
    { "tests/bad/scenario-platform-backoff-zero.json", SCENARIO, CONFIG_ERR_INVALID,
      ": platform.on_throttle.backoff_s: must be > 0 (got 0)" },
    { "tests/bad/scenario-platform-max-retries.json", SCENARIO, CONFIG_ERR_INVALID,
      ": platform.on_throttle.max_retries: must be <= 100 (got 101)" },
    { "tests/bad/scenario-warmup-interval-zero.json", SCENARIO, CONFIG_ERR_INVALID,
      ": warmup.interval_s: must be > 0 (got 0)" },
    { "tests/bad/scenario-warmup-hold-s.json", SCENARIO, CONFIG_ERR_INVALID,
      ": warmup.hold_s: unknown field (did you mean 'hold_ms'?)" },
    { "tests/bad/scenario-pricing-negative.json", SCENARIO, CONFIG_ERR_INVALID,
      ": pricing.request_usd: must be >= 0 (got -1)" },
    { "tests/bad/scenario-pricing-granularity-zero.json", SCENARIO, CONFIG_ERR_INVALID,
      ": pricing.duration_granularity_ms: must be > 0 (got 0)" },

    { "tests/bad/scenario-name-not-utf8.json", SCENARIO, CONFIG_ERR_INVALID,
      "scenario-name-not-utf8.json: name: not UTF-8 text (JSON files must be UTF-8)" },
    { "tests/bad/scenario-name-nul.json", SCENARIO, CONFIG_ERR_PARSE,
      "scenario-name-nul.json:2:13: malformed JSON: \\u0000 (a NUL character) in a string" },
    { "tests/bad/scenario-rate-tiny.json", SCENARIO, CONFIG_ERR_INVALID,
      ": workload.rate_rps: must be at least 1e-09 per second" },
    { "tests/bad/scenario-warmup-interval-tiny.json", SCENARIO, CONFIG_ERR_INVALID,
      ": warmup.interval_s: must be at least 1e-09 s: a shorter time is lost in the rounding of the simulated clock (got 1e-300)" },
    { "tests/bad/scenario-keep-alive-tail.json", SCENARIO, CONFIG_ERR_INVALID,
      ": platform.keep_alive_s: its mean, 2.68812e+43 s, must be at most 4.29497e+09 s" },
    { "tests/bad/scenario-nested-deep.json", SCENARIO, CONFIG_ERR_PARSE,
      "scenario-nested-deep.json:2:75: malformed JSON: objects and lists nested deeper than 64 levels" },

    { "tests/bad/model-cold-start-overflow.json", MODEL, CONFIG_ERR_INVALID,
      "model-cold-start-overflow.json: cold_start_ms: its mean, 1e+305 s, must be at most 4.29497e+09 s" },
    { "tests/bad/not-json-secret.txt", MODEL, CONFIG_ERR_PARSE,
      "not-json-secret.txt:1:1: malformed JSON: not a JSON file (it starts with byte 0x72, not '{')" },
    { "tests/bad/model-malformed.json", MODEL, CONFIG_ERR_PARSE,
      "model-malformed.json:2:19: malformed JSON near 'tru}'" },
    { "tests/bad/model-no-memory.json", MODEL, CONFIG_ERR_INVALID,
      "model-no-memory.json: memory_mb: required field is missing" },
    { "tests/bad/model-memory-low.json", MODEL, CONFIG_ERR_INVALID,
      ": memory_mb: must be >= 128 (got 64)" },
    { "tests/bad/model-host-no-start.json", MODEL, CONFIG_ERR_INVALID,
      ": host.start_ms: required field is missing" },
    { "tests/bad/model-host-number.json", MODEL, CONFIG_ERR_INVALID,
      ": host: must be an object (got number)" },
    { "tests/bad/model-no-inference.json", MODEL, CONFIG_ERR_INVALID,
      ": inference_ms: required field is missing" },
    { "tests/bad/model-inference-empty.json", MODEL, CONFIG_ERR_INVALID,
      ": inference_ms: needs 'base' or a non-empty 'by_batch_size'" },
    { "tests/bad/model-per-item-without-base.json", MODEL, CONFIG_ERR_INVALID,
      ": inference_ms.per_item_ms: only used together with 'base'" },
    { "tests/bad/model-cpu-fraction-above.json", MODEL, CONFIG_ERR_INVALID,
      ": cpu_bound_fraction: must be <= 1 (got 1.5)" },
    { "tests/bad/model-host-idle-gaps.json", MODEL, CONFIG_ERR_INVALID,
      ": host.idle.long_gap_ms: must be more than short_gap_ms (1000; got 20)" },
    { "tests/bad/model-host-idle-start.json", MODEL, CONFIG_ERR_INVALID,
      ": host.idle.start_ms: must be >= 0 (got -1)" },
    { "tests/bad/model-host-start-burst-fraction.json", MODEL, CONFIG_ERR_INVALID,
      ": host.start_burst.starts: must be a whole number of starts (got 4.5)" },
    { "tests/bad/model-host-start-burst-spawn.json", MODEL, CONFIG_ERR_INVALID,
      ": host.start_burst.spawn_ms: must be >= 0 (got -0.5)" },
    { "tests/bad/model-host-share-jobs.json", MODEL, CONFIG_ERR_INVALID,
      ": host.share.jobs: must be more than cores (2): with no more jobs than cores nothing is shared (got 2)" },
    { "tests/bad/model-host-share-efficiency.json", MODEL, CONFIG_ERR_INVALID,
      ": host.share.efficiency: must be <= 1 (got 1.2)" },
    { "tests/bad/model-host-speed-normal.json", MODEL, CONFIG_ERR_INVALID,
      ": host.speed.factor: every factor it can draw must be above 0: it multiplies the time work takes (a normal "
      "distribution is truncated at 0 and can draw 0: use a lognormal or the measured samples)" },
    { "tests/bad/model-host-speed-zero.json", MODEL, CONFIG_ERR_INVALID,
      ": host.speed.factor: every factor it can draw must be above 0: it multiplies the time work takes "
      "(samples[1] is 0)" },
    { "tests/bad/model-host-speed-hold.json", MODEL, CONFIG_ERR_INVALID, ": host.speed.hold_s: must be >= 0.001 (got 0)" },
    { "tests/bad/model-host-stall-probability.json", MODEL, CONFIG_ERR_INVALID,
      ": host.stall.probability: must be <= 1 (got 1.5)" },
    { "tests/bad/model-host-wake-probability.json", MODEL, CONFIG_ERR_INVALID,
      ": host.wake.probability: must be a share from 0 to 1 (samples[1] is 1.5)" },
    { "tests/bad/model-host-wake-ms-normal.json", MODEL, CONFIG_ERR_INVALID,
      ": host.wake.ms: every length it can draw must be above 0, or the whole of it 0 (a normal distribution "
      "is truncated at 0 and can draw 0: use a lognormal or the measured samples)" },
    { "tests/bad/model-host-idle-stall-probability.json", MODEL, CONFIG_ERR_INVALID,
      ": host.idle.stall_probability: must be <= 1 (got 1.25)" },
    { "tests/bad/model-host-idle-stall-no-ms.json", MODEL, CONFIG_ERR_INVALID,
      ": host.idle.stall_ms: required field is missing" },
    { "tests/bad/model-host-share-quantum.json", MODEL, CONFIG_ERR_INVALID,
      ": host.share.quantum_ms: must be >= 0 (got -1)" },
    { "tests/bad/model-cpu-fraction-negative.json", MODEL, CONFIG_ERR_INVALID,
      ": cpu_bound_fraction: must be >= 0 (got -0.1)" },
    { "tests/bad/model-cpu-fraction-string.json", MODEL, CONFIG_ERR_INVALID,
      ": cpu_bound_fraction: must be a number (got string)" },
    { "tests/bad/model-batch-key-zero.json", MODEL, CONFIG_ERR_INVALID,
      ": inference_ms.by_batch_size.0: batch size must be an integer from 1 to 4096" },
    { "tests/bad/model-batch-key-text.json", MODEL, CONFIG_ERR_INVALID,
      ": inference_ms.by_batch_size.two: batch size must be an integer from 1 to 4096" },
    { "tests/bad/model-cold-start-string.json", MODEL, CONFIG_ERR_INVALID,
      ": cold_start_ms: must be a number or a distribution object" },
    { "tests/bad/model-cold-start-negative.json", MODEL, CONFIG_ERR_INVALID,
      ": cold_start_ms: must be >= 0 (got -1)" },
    { "tests/bad/model-first-invocation-negative.json", MODEL, CONFIG_ERR_INVALID,
      ": first_invocation_ms.mean: must be >= 0: the normal is truncated at 0 (got -3)" },
    { "tests/bad/model-unknown-key.json", MODEL, CONFIG_ERR_INVALID,
      ": overhead: unknown field (did you mean 'overhead_ms'?)" },
    { "tests/bad/model-dist-no-name.json", MODEL, CONFIG_ERR_INVALID,
      ": overhead_ms.dist: required field is missing" },
    { "tests/bad/model-dist-missing-param.json", MODEL, CONFIG_ERR_INVALID,
      ": overhead_ms.sd: required by dist 'normal'" },
    { "tests/bad/model-dist-normal-negative.json", MODEL, CONFIG_ERR_INVALID,
      ": overhead_ms.mean: must be >= 0: the normal is truncated at 0 (got -5)" },
    { "tests/bad/model-dist-gamma-shape.json", MODEL, CONFIG_ERR_INVALID,
      ": overhead_ms.shape: must be > 0 (got 0)" },
    { "tests/bad/model-dist-uniform-order.json", MODEL, CONFIG_ERR_INVALID,
      ": overhead_ms.max: must be >= min (got 1)" },
    { "tests/bad/model-dist-lognormal-both.json", MODEL, CONFIG_ERR_INVALID,
      ": overhead_ms: give either 'mu' or 'median' for a lognormal, not both" },
    { "tests/bad/model-dist-lognormal-median.json", MODEL, CONFIG_ERR_INVALID,
      ": overhead_ms.median: must be > 0 (got 0)" },
    { "tests/bad/model-dist-empirical-empty.json", MODEL, CONFIG_ERR_INVALID,
      ": overhead_ms.samples: must hold at least one value" },
    { "tests/bad/model-dist-empirical-negative.json", MODEL, CONFIG_ERR_INVALID,
      ": overhead_ms.samples[1]: must be a finite number >= 0 (got -2)" },

    { "tests/bad/trace-not-number.csv", TRACE, CONFIG_ERR_INVALID,
      "tests/bad/trace-not-number.csv:3: time_s: not a number ('abc')" },
    { "tests/bad/trace-junk-plain.txt", TRACE, CONFIG_ERR_INVALID,
      "trace-junk-plain.txt:2: not a number ('1.5s')" },
    { "tests/bad/trace-not-finite.txt", TRACE, CONFIG_ERR_INVALID,
      "trace-not-finite.txt:2: not a finite number ('1e999')" },
    { "tests/bad/trace-decreasing.txt", TRACE, CONFIG_ERR_INVALID,
      "trace-decreasing.txt:4: times must not decrease (3.5 after 4)" },
    { "tests/bad/trace-negative.txt", TRACE, CONFIG_ERR_INVALID,
      "trace-negative.txt:2: negative time (-1)" },
    { "tests/bad/trace-empty.csv", TRACE, CONFIG_ERR_INVALID,
      "tests/bad/trace-empty.csv: no arrival times" },
    { "tests/bad/trace-no-column.csv", TRACE, CONFIG_ERR_INVALID,
      "trace-no-column.csv:1: no column named 'time_s' in header" },
    { "tests/bad/trace-missing-field.csv", TRACE, CONFIG_ERR_INVALID,
      "trace-missing-field.csv:3: time_s: missing (the row has 2 columns" },

    { "tests/bad/scenario-workload-trace-format.json", SCENARIO, CONFIG_ERR_INVALID,
      ": workload.format: must be times, azure2019 or azure2021 (got 'azure2020'; did you mean 'azure2021'?)" },
    { "tests/bad/scenario-workload-trace-app.json", SCENARIO, CONFIG_ERR_INVALID,
      ": workload.app: not used by trace format 'azure2019'" },
    { "tests/bad/scenario-workload-trace-scale.json", SCENARIO, CONFIG_ERR_INVALID,
      ": workload.time_scale: must be > 0 (got 0)" },
    { "tests/bad/scenario-workload-trace-within-minute.json", SCENARIO, CONFIG_ERR_INVALID,
      ": workload.within_minute: must be even or random (got 'poisson')" },
    { "tests/bad/scenario-workload-azure2019-function.json", SCENARIO, CONFIG_ERR_INVALID,
      "azure2019-sample.csv: no function 'fn-nope' (the file has 3, e.g. 'fn-http-diurnal' at line 2) (referenced from tests/bad/scenario-workload-azure2019-function.json: workload.file)" },
    { "tests/bad/scenario-workload-azure2019-bad.json", SCENARIO, CONFIG_ERR_INVALID,
      "tests/bad/trace-azure2019-count.csv:2: minute 3: not a whole number >= 0 ('x') (referenced from tests/bad/scenario-workload-azure2019-bad.json: workload.file)" },
    { "tests/bad/trace-azure2019-header.csv", AZURE2019, CONFIG_ERR_INVALID,
      "trace-azure2019-header.csv:1: column 3 must be 'HashFunction' (got 'Function')" },
    { "tests/bad/trace-azure2019-count.csv", AZURE2019, CONFIG_ERR_INVALID,
      "trace-azure2019-count.csv:2: minute 3: not a whole number >= 0 ('x')" },
    { "tests/bad/trace-azure2019-truncated.csv", AZURE2019, CONFIG_ERR_INVALID,
      "trace-azure2019-truncated.csv:2: the row has 704 columns, the header 1444 (truncated line?)" },
    { "tests/bad/trace-azure2019-gap.csv", AZURE2019, CONFIG_ERR_INVALID,
      "trace-azure2019-gap.csv:1: column 7 must be minute '542' (got '543'): minute columns must be "
      "consecutive (a window such as 540..689 is fine; gaps and reordering are not)" },
    { "tests/bad/trace-azure2019-minute-range.csv", AZURE2019, CONFIG_ERR_INVALID,
      "trace-azure2019-minute-range.csv:1: column 6: a day has 1440 minutes (got '1441' after minute 1440)" },
    { "tests/bad/trace-azure2019-durations-decreasing.csv", AZURE2019_DURATIONS, CONFIG_ERR_INVALID,
      "trace-azure2019-durations-decreasing.csv:2: percentile_Average_75 (3) is below percentile_Average_50 "
      "(4): percentiles must not decrease" },
    { "tests/bad/trace-azure2019-memory-no-column.csv", AZURE2019_MEMORY, CONFIG_ERR_INVALID,
      "trace-azure2019-memory-no-column.csv:1: no column named 'AverageAllocatedMb_pct99' in header (not an "
      "Azure 2019 memory-percentile file)" },
    { "tests/bad/scenario-workload-durations-batching.json", SCENARIO, CONFIG_ERR_INVALID,
      ": workload.durations: the Azure durations are times of single invocations and cannot give a batch's "
      "time: set batching.max_batch to 1, or drop workload.durations" },
    { "tests/bad/scenario-workload-file-list-times.json", SCENARIO, CONFIG_ERR_INVALID,
      ": workload.file: a list of files is read only by format 'azure2019' (day files chained in time); give "
      "one file" },
    { "tests/bad/scenario-workload-chained-no-function.json", SCENARIO, CONFIG_ERR_INVALID,
      "invocations-m1-720.csv: 2 files are chained into one trace; name the function with workload.function" },
    { "tests/bad/trace-azure2021-negative.csv", AZURE2021, CONFIG_ERR_INVALID,
      "trace-azure2021-negative.csv:3: duration: must be >= 0 (got -0.2)" },
    { "tests/bad/trace-azure2021-no-column.csv", AZURE2021, CONFIG_ERR_INVALID,
      "trace-azure2021-no-column.csv:1: no column named 'func' in header" },
    { "tests/bad/log-report-not-number.log", LAMBDA_LOG, CONFIG_ERR_INVALID,
      "log-report-not-number.log:3: Duration: not a number ('12.3x ms')" },
    { "tests/bad/log-report-unit.log", LAMBDA_LOG, CONFIG_ERR_INVALID,
      "log-report-unit.log:2: Duration: unit must be 'ms' (got 's')" },
    { "tests/bad/log-report-memory-unit.log", LAMBDA_LOG, CONFIG_ERR_INVALID,
      "log-report-memory-unit.log:1: Memory Size: unit must be 'MB' (got 'GB')" },
    { "tests/bad/log-report-truncated.log", LAMBDA_LOG, CONFIG_ERR_INVALID,
      "log-report-truncated.log:2: truncated line: ends in 'Billed Dura' (expected 'Billed Duration: ...')" },
    { "tests/bad/log-report-missing-field.log", LAMBDA_LOG, CONFIG_ERR_INVALID,
      "log-report-missing-field.log:1: no 'Max Memory Used' field (truncated line?)" },
    { "tests/bad/log-json-truncated.log", LAMBDA_LOG, CONFIG_ERR_INVALID,
      "log-json-truncated.log:2: truncated JSON record (no closing '}' before the end of the file)" },
    { "tests/bad/log-json-bad-metric.log", LAMBDA_LOG, CONFIG_ERR_INVALID,
      "log-json-bad-metric.log:1: platform.report: record.metrics.durationMs: must be a number (got string)" },
    { "tests/bad/log-mixed-memory.log", LAMBDA_LOG, CONFIG_ERR_INVALID,
      "mixed memory sizes: 2 invocations at 1024 MB (first at tests/bad/log-mixed-memory.log:1) and 1 at 2048 MB (first at tests/bad/log-mixed-memory.log:3)" },
    { "tests/bad/log-mixed-functions.log", LAMBDA_LOG, CONFIG_ERR_INVALID,
      "mixed functions: 2 invocations of version '$LATEST' (first at tests/bad/log-mixed-functions.log:3) and 1 of version '3' (first at tests/bad/log-mixed-functions.log:6)" },
    { "tests/bad/log-duplicate-request.log", LAMBDA_LOG, CONFIG_ERR_INVALID,
      "log-duplicate-request.log:3: RequestId a1 was already reported at tests/bad/log-duplicate-request.log:1" },
    { "tests/bad/log-no-report.log", LAMBDA_LOG, CONFIG_ERR_INVALID,
      "tests/bad/log-no-report.log: no REPORT lines or platform.report records" },
    { "tests/bad/log-envelope-no-message.json", LAMBDA_LOG, CONFIG_ERR_INVALID,
      "tests/bad/log-envelope-no-message.json: events[1].message: required field is missing" },
    { "tests/bad/log-awslogs-not-base64.json", LAMBDA_LOG, CONFIG_ERR_INVALID,
      "tests/bad/log-awslogs-not-base64.json: awslogs.data: not base64" },
    { "tests/bad/log-client-no-latency.csv", CLIENT_LOG, CONFIG_ERR_INVALID,
      "log-client-no-latency.csv:1: unknown column 'latency' (did you mean 'latency_ms'?)" },
    { "tests/bad/log-client-typo.csv", CLIENT_LOG, CONFIG_ERR_INVALID,
      "log-client-typo.csv:1: unknown column 'batchsize' (did you mean 'batch_size'?)" },
    { "tests/bad/log-client-not-number.csv", CLIENT_LOG, CONFIG_ERR_INVALID,
      "log-client-not-number.csv:3: send_s: not a number ('1.0s')" },
    { "tests/bad/log-client-truncated.csv", CLIENT_LOG, CONFIG_ERR_INVALID,
      "log-client-truncated.csv:3: the row has 2 columns, the header 4 (truncated line?)" },
    { "tests/bad/log-client-cold.csv", CLIENT_LOG, CONFIG_ERR_INVALID,
      "log-client-cold.csv:3: cold: must be 0 or 1 (got 'yes')" },
    { "tests/bad/log-client-status.csv", CLIENT_LOG, CONFIG_ERR_INVALID,
      "log-client-status.csv:3: status: 'OK' reads as a success, but only 'ok' (or no status) marks one: any other "
      "value counts the request as failed (did you mean 'ok'?)" },
};

static void test_bad_files(void)
{
    size_t n = sizeof bad_cases / sizeof bad_cases[0];
    CU_ASSERT(n >= 30);
    for (size_t i = 0; i < n; i++) {
        const struct bad_case *b = &bad_cases[i];
        enum config_status st;
        memset(msg, 'x', sizeof msg);
        msg[sizeof msg - 1] = '\0';
        if (b->kind == SCENARIO) {
            struct scenario sc;
            st = config_load_scenario(b->file, NULL, 0, &sc, msg, sizeof msg);
            CU_ASSERT(all_zero(&sc, sizeof sc));
        } else if (b->kind == MODEL) {
            struct model_profile m;
            st = config_load_model(b->file, &m, msg, sizeof msg);
            CU_ASSERT(all_zero(&m, sizeof m));
        } else if (b->kind == TRACE) {
            static double dummy;
            double *t = &dummy; /* must come back NULL */
            size_t len = 7;
            st = trace_read_times(b->file, &t, &len, msg, sizeof msg) == 0 ? CONFIG_OK
                                                                           : CONFIG_ERR_INVALID;
            CU_ASSERT_PTR_NULL(t);
            CU_ASSERT_EQUAL(len, 0);
        } else if (b->kind == AZURE2019) {
            uint64_t *counts = NULL, total = 7;
            size_t minutes = 7;
            st = trace_read_azure2019(b->file, NULL, &counts, &minutes, &total, msg, sizeof msg) == 0
                     ? CONFIG_OK : CONFIG_ERR_INVALID;
            CU_ASSERT_PTR_NULL(counts);
            CU_ASSERT_EQUAL(minutes + total, 0);
        } else if (b->kind == AZURE2019_DURATIONS) {
            struct trace_az19_durations d;
            st = trace_read_azure2019_durations(b->file, NULL, &d, msg, sizeof msg) == 0 ? CONFIG_OK
                                                                                      : CONFIG_ERR_INVALID;
        } else if (b->kind == AZURE2019_MEMORY) {
            struct trace_az19_memory m;
            st = trace_read_azure2019_memory(b->file, NULL, NULL, &m, msg, sizeof msg) == 0 ? CONFIG_OK
                                                                                         : CONFIG_ERR_INVALID;
        } else if (b->kind == AZURE2021) {
            double *t = NULL;
            size_t len = 7;
            st = trace_read_azure2021(b->file, NULL, NULL, &t, &len, msg, sizeof msg) == 0
                     ? CONFIG_OK : CONFIG_ERR_INVALID;
            CU_ASSERT_PTR_NULL(t);
            CU_ASSERT_EQUAL(len, 0);
        } else if (b->kind == LAMBDA_LOG) {
            struct lambdalog log;
            lambdalog_init(&log);
            st = lambdalog_read(&log, b->file, msg, sizeof msg) == 0
                         && lambdalog_check(&log, msg, sizeof msg) == 0
                     ? CONFIG_OK : CONFIG_ERR_INVALID;
            lambdalog_fini(&log);
        } else {
            struct lambdalog_client cl;
            lambdalog_client_init(&cl);
            st = lambdalog_client_read(&cl, b->file, msg, sizeof msg) == 0 ? CONFIG_OK
                                                                            : CONFIG_ERR_INVALID;
            CU_ASSERT_EQUAL(cl.n, 0);
            lambdalog_client_fini(&cl);
        }
        if (st != b->status || !testutil_contains(msg, b->frag))
            fprintf(stderr, "\n  %s: status %d (want %d), message: %s\n  want fragment: %s\n",
                    b->file, (int)st, (int)b->status, msg, b->frag);
        CU_ASSERT_EQUAL(st, b->status);
        CU_ASSERT(testutil_contains(msg, b->frag));
        CU_ASSERT(one_line(msg));
    }
}

/* Every file under tests/bad is in the table (and the catalogue). */
static void test_bad_dir_listed(void)
{
    char *out = NULL;
    int rc = testutil_run("ls tests/bad", &out, NULL);
    CU_ASSERT_EQUAL_FATAL(rc, 0);
    char *readme = testutil_read_file("tests/bad_inputs/README.md");
    CU_ASSERT_PTR_NOT_NULL_FATAL(readme);
    size_t files = 0;
    for (char *line = strtok(out, "\n"); line != NULL; line = strtok(NULL, "\n")) {
        files++;
        char path[256];
        snprintf(path, sizeof path, "tests/bad/%s", line);
        int found = 0;
        for (size_t i = 0; i < sizeof bad_cases / sizeof bad_cases[0]; i++)
            found |= strcmp(bad_cases[i].file, path) == 0;
        /* trace-not-number.csv and model-memory-low.json also serve as
         * targets of scenario files; they are in the table themselves. */
        if (!found)
            fprintf(stderr, "\n  %s is not in the bad-case table\n", path);
        CU_ASSERT(found);
        /* A row of its own (the catalogue's commands name bad files too). */
        char row[300];
        snprintf(row, sizeof row, "\n| `%s` |", line);
        if (!testutil_contains(readme, row))
            fprintf(stderr, "\n  %s has no row in tests/bad_inputs/README.md\n", line);
        CU_ASSERT(testutil_contains(readme, row));
    }
    CU_ASSERT(files >= 30);
    free(out);
    free(readme);
}

/* ---------------------------------------------------------------------- */

static void test_parse_position(void)
{
    char *p = testutil_temp_file("{\r\n  \"a\": [1, 2,\r\n        ]\r\n}\r\n", ".json");
    struct scenario sc;
    CU_ASSERT_EQUAL(config_load_scenario(p, NULL, 0, &sc, msg, sizeof msg), CONFIG_ERR_PARSE);
    char want[600];
    snprintf(want, sizeof want, "%s:3:9: malformed JSON near ']'", p);
    ASSERT_MSG(want);
    CU_ASSERT(one_line(msg));
    unlink(p);
    free(p);

    /* The quoted context stops at 20 bytes and at the end of the line. */
    p = testutil_temp_file("{\"seed\": 1, \"name\": nope_this_is_a_long_token_here\n}", ".json");
    CU_ASSERT_EQUAL(config_load_scenario(p, NULL, 0, &sc, msg, sizeof msg), CONFIG_ERR_PARSE);
    snprintf(want, sizeof want, "%s:1:21: malformed JSON near 'nope_this_is_a_long_'", p);
    ASSERT_MSG(want);
    unlink(p);
    free(p);

    /* Truncated file. */
    p = testutil_temp_file("{\"seed\": ", ".json");
    CU_ASSERT_EQUAL(config_load_scenario(p, NULL, 0, &sc, msg, sizeof msg), CONFIG_ERR_PARSE);
    ASSERT_MSG(":1:");
    ASSERT_MSG("malformed JSON");
    unlink(p);
    free(p);

    /* A directory is not readable as a file. */
    CU_ASSERT_EQUAL(config_load_scenario("tests", NULL, 0, &sc, msg, sizeof msg), CONFIG_ERR_IO);
    ASSERT_MSG("tests: cannot read: Is a directory");
}

/* Trace formats: times (default, with time_scale), azure2019 (minute
 * counts; placement even by default) and azure2021 (per invocation). */
static void test_trace_formats(void)
{
    struct scenario sc;
    const char *plain[] = { "workload={\"type\":\"trace\",\"file\":\"trace-plain.txt\",\"time_scale\":2}" };
    CU_ASSERT_EQUAL_FATAL(load_with("tests/data/scenario-minimal.json", plain, 1, &sc), CONFIG_OK);
    CU_ASSERT_EQUAL(sc.workload.trace_format, TRACE_FORMAT_TIMES);
    CU_ASSERT_DOUBLE_EQUAL(sc.workload.time_scale, 2, 0);
    CU_ASSERT_EQUAL_FATAL(sc.workload.trace_len, 5);
    CU_ASSERT_DOUBLE_EQUAL(sc.workload.trace_s[3], 4.5, 1e-12);   /* 2.25 s recorded */
    CU_ASSERT_PTR_NULL(sc.workload.minute_counts);
    scenario_fini(&sc);

    const char *a19[] = { "workload={\"type\":\"trace\",\"file\":\"../../traces/azure2019-sample.csv\","
                          "\"format\":\"azure2019\",\"function\":\"fn-timer-5min\",\"time_scale\":0.1}" };
    CU_ASSERT_EQUAL_FATAL(load_with("tests/data/scenario-minimal.json", a19, 1, &sc), CONFIG_OK);
    CU_ASSERT_EQUAL(sc.workload.trace_format, TRACE_FORMAT_AZURE2019);
    CU_ASSERT_EQUAL(sc.workload.within_minute, MINUTE_EVEN);
    CU_ASSERT_EQUAL(sc.workload.n_minutes, 1436);
    CU_ASSERT_EQUAL(sc.workload.trace_len, 288);
    CU_ASSERT_PTR_NULL(sc.workload.trace_s);
    CU_ASSERT_PTR_NOT_NULL(sc.workload.minute_counts);
    scenario_fini(&sc);
    CU_ASSERT_PTR_NULL(sc.workload.minute_counts);

    const char *rnd[] = { "workload={\"type\":\"trace\",\"file\":\"../../traces/azure2019-sample.csv\","
                          "\"format\":\"azure2019\",\"function\":\"fn-timer-5min\",\"within_minute\":\"random\"}" };
    CU_ASSERT_EQUAL_FATAL(load_with("tests/data/scenario-minimal.json", rnd, 1, &sc), CONFIG_OK);
    CU_ASSERT_EQUAL(sc.workload.within_minute, MINUTE_RANDOM);
    CU_ASSERT_DOUBLE_EQUAL(sc.workload.time_scale, 1, 0);
    scenario_fini(&sc);

    const char *a21[] = { "workload={\"type\":\"trace\",\"file\":\"../../traces/azure2021-sample.csv\","
                          "\"format\":\"azure2021\",\"function\":\"fn-api\",\"app\":\"app-synthetic-a\","
                          "\"time_scale\":0.5}" };
    CU_ASSERT_EQUAL_FATAL(load_with("tests/data/scenario-minimal.json", a21, 1, &sc), CONFIG_OK);
    CU_ASSERT_EQUAL(sc.workload.trace_format, TRACE_FORMAT_AZURE2021);
    CU_ASSERT(sc.workload.trace_len > 1000);
    CU_ASSERT_DOUBLE_EQUAL(sc.workload.trace_s[0], 0, 0);
    /* An hour of trace at half speed: about 30 minutes. */
    CU_ASSERT(sc.workload.trace_s[sc.workload.trace_len - 1] < 1800);
    CU_ASSERT(sc.workload.trace_s[sc.workload.trace_len - 1] > 1700);
    scenario_fini(&sc);

    /* Fields of other formats and types are refused. */
    const char *fn_times[] = { "workload={\"type\":\"trace\",\"file\":\"trace-plain.txt\",\"function\":\"f\"}" };
    CU_ASSERT_EQUAL(load_with("tests/data/scenario-minimal.json", fn_times, 1, &sc), CONFIG_ERR_INVALID);
    ASSERT_MSG("workload.function: not used by trace format 'times'");
    const char *wm21[] = { "workload={\"type\":\"trace\",\"file\":\"../../traces/azure2021-sample.csv\","
                           "\"format\":\"azure2021\",\"within_minute\":\"even\"}" };
    CU_ASSERT_EQUAL(load_with("tests/data/scenario-minimal.json", wm21, 1, &sc), CONFIG_ERR_INVALID);
    ASSERT_MSG("workload.within_minute: not used by trace format 'azure2021'");
    const char *fmt_poisson[] = { "workload.format=azure2019" };
    CU_ASSERT_EQUAL(load_with("tests/data/scenario-minimal.json", fmt_poisson, 1, &sc), CONFIG_ERR_INVALID);
    ASSERT_MSG("workload.format: not used by workload type 'uniform'");
    const char *typo[] = { "workload={\"type\":\"trace\",\"file\":\"trace-plain.txt\",\"timescale\":2}" };
    CU_ASSERT_EQUAL(load_with("tests/data/scenario-minimal.json", typo, 1, &sc), CONFIG_ERR_INVALID);
    ASSERT_MSG("workload.timescale: unknown field (did you mean 'time_scale'?)");
}

static void test_did_you_mean(void)
{
    struct scenario sc;
    const char *near_typo[] = { "platform.Routing=lru" };
    CU_ASSERT_EQUAL(load_with("tests/data/scenario-minimal.json", near_typo, 1, &sc),
                    CONFIG_ERR_INVALID);
    ASSERT_MSG("platform.Routing: unknown field (did you mean 'routing'?)");

    /* Units live in names: a bare "timeout" points at timeout_s. */
    const char *unit[] = { "function.timeout=5" };
    CU_ASSERT_EQUAL(load_with("tests/data/scenario-minimal.json", unit, 1, &sc),
                    CONFIG_ERR_INVALID);
    ASSERT_MSG("function.timeout: unknown field (did you mean 'timeout_s'?)");

    /* Nothing close: list what is known instead. */
    const char *far[] = { "client.zzzzzz=1" };
    CU_ASSERT_EQUAL(load_with("tests/data/scenario-minimal.json", far, 1, &sc),
                    CONFIG_ERR_INVALID);
    ASSERT_MSG("client.zzzzzz: unknown field (known fields: max_inflight, max_queue, notes)");

    const char *dist[] = { "platform.keep_alive_s={\"dist\":\"exponental\",\"mean\":1}" };
    CU_ASSERT_EQUAL(load_with("tests/data/scenario-minimal.json", dist, 1, &sc),
                    CONFIG_ERR_INVALID);
    ASSERT_MSG("platform.keep_alive_s.dist: unknown distribution 'exponental' (did you mean "
               "'exponential'?)");

    /* "notes" is allowed everywhere, with any value. */
    const char *notes[] = { "batching.notes={\"a\":[1,2]}", "platform.on_throttle.notes=x",
                            "platform.keep_alive_s={\"dist\":\"constant\",\"value\":3,"
                            "\"notes\":null}" };
    CU_ASSERT_EQUAL(load_with("tests/data/scenario-minimal.json", notes, 3, &sc), CONFIG_OK);
    scenario_fini(&sc);
}

/* Compute time follows the CPU share, which stops growing at 1769 MB. */
static void test_memory_scaling(void)
{
    struct scenario at1024, at512, at2048, at1769;
    const char *m512[] = { "function.memory_mb=512" };
    const char *m2048[] = { "function.memory_mb=2048" };
    const char *m1769[] = { "function.memory_mb=1769" };
    const char *p = "tests/data/scenario-minimal.json";
    CU_ASSERT_EQUAL_FATAL(load_with(p, NULL, 0, &at1024), CONFIG_OK);
    CU_ASSERT_EQUAL_FATAL(load_with(p, m512, 1, &at512), CONFIG_OK);
    CU_ASSERT_EQUAL_FATAL(load_with(p, m2048, 1, &at2048), CONFIG_OK);
    CU_ASSERT_EQUAL_FATAL(load_with(p, m1769, 1, &at1769), CONFIG_OK);

    for (int n = 1; n <= 4; n++) {
        double base = model_mean_inference_s(&at1024.function.model, n);
        CU_ASSERT(near(model_mean_inference_s(&at512.function.model, n), 2 * base));
        CU_ASSERT(near(model_mean_inference_s(&at2048.function.model, n),
                       model_mean_inference_s(&at1769.function.model, n)));
        CU_ASSERT(near(model_mean_inference_s(&at1769.function.model, n), base * 1024 / 1769));
    }
    /* n = 2 uses base + per-item: (10 + 2 * 2) ms at 1024 MB. */
    CU_ASSERT(near(model_mean_inference_s(&at1024.function.model, 2), 0.014));
    CU_ASSERT(near(model_mean_inference_s(&at512.function.model, 2), 0.028));
    CU_ASSERT(near(at2048.function.compute_factor, 1024.0 / 1769.0));
    /* Cold start is not compute-scaled. */
    CU_ASSERT(near(at512.function.model.cold_start_s.a, 1.0));
    scenario_fini(&at1024);
    scenario_fini(&at512);
    scenario_fini(&at2048);
    scenario_fini(&at1769);
}

/* A profile's cpu_bound_fraction f scales only that part (Amdahl):
 * t(m) = t(m0) ((1 - f) + f share(m0) / share(m)); absent means f = 1. */
static void test_cpu_bound_fraction(void)
{
    struct scenario half, none, zero;
    const char *p = "tests/data/scenario-minimal.json";
    const char *s_half[] = { "function.model={\"memory_mb\":1024,\"cpu_bound_fraction\":0.25,"
                             "\"cold_start_ms\":1000,\"overhead_ms\":0,\"inference_ms\":{\"base\":100}}",
                             "function.memory_mb=256" };
    const char *s_none[] = { "function.model={\"memory_mb\":1024,"
                             "\"cold_start_ms\":1000,\"overhead_ms\":0,\"inference_ms\":{\"base\":100}}",
                             "function.memory_mb=256" };
    const char *s_zero[] = { "function.model={\"memory_mb\":1024,\"cpu_bound_fraction\":0,"
                             "\"cold_start_ms\":1000,\"overhead_ms\":0,\"inference_ms\":{\"base\":100}}",
                             "function.memory_mb=128" };
    CU_ASSERT_EQUAL_FATAL(load_with(p, s_half, 2, &half), CONFIG_OK);
    CU_ASSERT_EQUAL_FATAL(load_with(p, s_none, 2, &none), CONFIG_OK);
    CU_ASSERT_EQUAL_FATAL(load_with(p, s_zero, 2, &zero), CONFIG_OK);
    /* 1024 -> 256 MB: 4x the CPU-bound quarter, the rest unchanged. */
    CU_ASSERT(half.function.model.has_cpu_bound_fraction);
    CU_ASSERT(near(half.function.compute_factor, 0.75 + 0.25 * 4));
    CU_ASSERT(near(model_mean_inference_s(&half.function.model, 1), 0.1 * 1.75));
    CU_ASSERT(!none.function.model.has_cpu_bound_fraction);
    CU_ASSERT_EQUAL(none.function.model.cpu_bound_fraction, 1);
    CU_ASSERT(near(none.function.compute_factor, 4));
    CU_ASSERT(near(zero.function.compute_factor, 1));
    /* Cold start stays unscaled whatever the fraction. */
    CU_ASSERT(near(dist_mean(&half.function.model.cold_start_s), 1.0));
    scenario_fini(&half);
    scenario_fini(&none);
    scenario_fini(&zero);
}

/* Messages are NUL-terminated however small the buffer. */
static void test_small_message_buffer(void)
{
    struct scenario sc;
    char small[16];
    memset(small, 'x', sizeof small);
    CU_ASSERT_EQUAL(config_load_scenario("tests/bad/scenario-batching-typo.json", NULL, 0, &sc,
                                         small, sizeof small), CONFIG_ERR_INVALID);
    CU_ASSERT_EQUAL(strlen(small), sizeof small - 1);
    CU_ASSERT_EQUAL(strncmp(small, "tests/bad/scena", 15), 0);
    CU_ASSERT_EQUAL(config_load_scenario("tests/bad/scenario-batching-typo.json", NULL, 0, &sc,
                                         NULL, 0), CONFIG_ERR_INVALID);
}

static void add_tests(CU_pSuite s)
{
    CU_add_test(s, "full scenario: every field", test_full_scenario);
    CU_add_test(s, "defaults when objects are omitted", test_defaults);
    CU_add_test(s, "batching and platform defaults that follow other fields",
                test_batching_defaults);
    CU_add_test(s, "workload types: bursty, trace", test_workload_types);
    CU_add_test(s, "relative paths resolve against the scenario's directory",
                test_relative_paths);
    CU_add_test(s, "inline model", test_inline_model);
    CU_add_test(s, "model file: units and defaults", test_model_file);
    CU_add_test(s, "distribution forms", test_dist_forms);
    CU_add_test(s, "batching.policy", test_batching_policy);
    CU_add_test(s, "platform.keep_alive_policy", test_keep_alive_policy);
    CU_add_test(s, "overrides: number, string, object, new object, array index", test_overrides);
    CU_add_test(s, "override argument parsing", test_override_parse);
    CU_add_test(s, "override errors name the override", test_override_errors);
    CU_add_test(s, "bad files: status and message per rule", test_bad_files);
    CU_add_test(s, "every bad file is in the table and the catalogue", test_bad_dir_listed);
    CU_add_test(s, "malformed JSON: line and column", test_parse_position);
    CU_add_test(s, "unknown fields: did you mean", test_did_you_mean);
    CU_add_test(s, "trace formats: times, azure2019, azure2021", test_trace_formats);
    CU_add_test(s, "memory scaling of compute", test_memory_scaling);
    CU_add_test(s, "cpu_bound_fraction: Amdahl scaling", test_cpu_bound_fraction);
    CU_add_test(s, "message buffer too small", test_small_message_buffer);
}

int main(void)
{
    return testutil_main("config", add_tests);
}
