/* test_paper: pins the calibrated baseline. The two paper scenarios, run
 * with 200 replications, must stay within the acceptance bands of the
 * study's measured baseline (docs/paper-study.md): 10% on mean and p50,
 * 20% on p99, 5% on throughput. A model or engine change that drifts away
 * from the study fails here. */
#include <math.h>
#include <stdio.h>
#include <gsl/gsl_cdf.h>
#include <gsl/gsl_statistics_double.h>
#include "formats/config.h"
#include "core/engine.h"
#include "core/rng.h"
#include "testutil.h"

#define REPS 200

/* The study's measured baseline (docs/study.md, "What was measured";
 * also plots/paper-baseline.csv): mean, p50, p99 in ms, images/s. */
struct paper_row {
    const char *scenario;
    double mean_ms, p50_ms, p99_ms, throughput;
};

static const struct paper_row rows[] = {
    { "scenarios/paper-uniform.json", 126.9, 122.5, 185.2, 6.11 },
    { "scenarios/paper-bursty.json", 125.1, 121.1, 167.5, 6.15 },
};

static void check_band(const char *scen, const char *what, const double *x, double paper, double band)
{
    double mean = gsl_stats_mean(x, 1, REPS);
    double half = gsl_cdf_tdist_Pinv(0.975, REPS - 1) * gsl_stats_sd(x, 1, REPS) / sqrt(REPS);
    double rel = (mean - paper) / paper;
    printf("\n    %s %s: simulated %.2f +- %.2f, paper %.2f (%+.1f%%, band %.0f%%)", scen, what, mean, half,
           paper, 100 * rel, 100 * band);
    /* The whole 95% interval must sit inside the band, so the check cannot
     * pass by replication luck. */
    CU_ASSERT(fabs(mean - paper) + half <= band * paper);
}

static void test_baseline(void)
{
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        struct scenario sc;
        char msg[CONFIG_MSG_MAX];
        if (config_load_scenario(rows[i].scenario, NULL, 0, &sc, msg, sizeof msg) != CONFIG_OK) {
            printf("\n    %s", msg);
            CU_FAIL("scenario does not load");
            continue;
        }
        static double mean[REPS], p50[REPS], p99[REPS], thr[REPS];
        for (int r = 0; r < REPS; r++) {
            struct engine_result res;
            CU_ASSERT_EQUAL(engine_run(&sc, rng_derive_seed(sc.seed, (uint64_t)r), NULL, &res), ENGINE_OK);
            CU_ASSERT_EQUAL(res.requests.completed, 50);
            CU_ASSERT_EQUAL(res.cold_starts.count, 0);
            mean[r] = res.latency_ms.mean;
            p50[r] = res.latency_ms.p50;
            p99[r] = res.latency_ms.p99;
            thr[r] = res.throughput_rps;
        }
        check_band(rows[i].scenario, "mean ms", mean, rows[i].mean_ms, 0.10);
        check_band(rows[i].scenario, "p50 ms", p50, rows[i].p50_ms, 0.10);
        check_band(rows[i].scenario, "p99 ms", p99, rows[i].p99_ms, 0.20);
        check_band(rows[i].scenario, "images/s", thr, rows[i].throughput, 0.05);
        scenario_fini(&sc);
    }
}

static void add_tests(CU_pSuite s)
{
    CU_add_test(s, "calibrated baseline within the acceptance bands", test_baseline);
}

int main(void)
{
    return testutil_main("paper", add_tests);
}
