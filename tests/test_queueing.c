/* test_queueing: the simulator against queueing theory where theory has an
 * answer. Each check runs R independent replications (seeds 1..R) and
 * accepts when the closed form lies inside the 99.9% Student-t confidence
 * interval of the replication means: the tolerance comes from the observed
 * spread and R, not from tuning. The early part of each run is excluded
 * (warmup_period_s) so the empty-system start does not bias the means. */
#include <math.h>
#include <stdio.h>
#include <gsl/gsl_cdf.h>
#include <gsl/gsl_statistics_double.h>
#include "engine_fixture.h"
#include "analysis/sweep.h"
#include "core/rng.h"
#include "testutil.h"

#define REPS 10

/* Erlang B by the stable recursion B(k) = a B(k-1) / (k + a B(k-1)). */
static double erlang_b(int c, double a)
{
    double b = 1.0;
    for (int k = 1; k <= c; k++)
        b = a * b / (k + a * b);
    return b;
}

/* Erlang C from Erlang B: C = B / (1 - rho (1 - B)), rho = a / c. */
static double erlang_c(int c, double a)
{
    double b = erlang_b(c, a), rho = a / c;
    return b / (1.0 - rho * (1.0 - b));
}

struct ci {
    double mean, half;
};

static struct ci interval(const double *x, size_t n)
{
    struct ci r;
    r.mean = gsl_stats_mean(x, 1, n);
    double sd = gsl_stats_sd(x, 1, n);
    r.half = gsl_cdf_tdist_Pinv(0.9995, (double)(n - 1)) * sd / sqrt((double)n);
    return r;
}

static void check(const char *what, struct ci got, double theory)
{
    printf("\n    %s: theory %.5f, simulated %.5f +- %.5f", what, theory, got.mean, got.half);
    CU_ASSERT(fabs(got.mean - theory) <= got.half);
    /* A CI so wide that anything passes would make the test worthless. */
    CU_ASSERT(got.half <= 0.05 * fabs(theory));
}

static void poisson_scenario(struct scenario *sc, double lambda, uint64_t n)
{
    const double none[] = { 0 };
    fixture_scenario(sc, none, 0, 0, 0);
    fixture_poisson(sc, lambda, n);
    sc->warmup_period_s = 0.1 * (double)n / lambda;
}

/* M/M/c through client.max_inflight = c on c provisioned instances:
 * W = 1/mu + C(c, a) / (c mu - lambda). */
static void test_mmc(void)
{
    const int c = 3;
    const double lambda = 2.4, mu = 1.0;
    struct scenario sc;
    /* At rho = 0.8 the mean wait of a run is slow to settle: 60,000
     * requests gave a 99.9 % half-width of 4-6 % of the mean depending on
     * the seeds, too near the 5 % that makes the test worth anything;
     * 4 x as many halve it. */
    poisson_scenario(&sc, lambda, 240000);
    sc.client.max_inflight = c;
    sc.platform.provisioned_concurrency = c;
    sc.function.model.base_s = (struct dist){ .kind = DIST_EXPONENTIAL, .a = 1.0 / mu };
    double w[REPS];
    for (int i = 0; i < REPS; i++) {
        struct engine_result r;
        engine_run(&sc, (uint64_t)i + 1, NULL, &r);
        CU_ASSERT_EQUAL(r.cold_starts.count, 0);
        w[i] = r.latency_ms.mean / 1000.0;
    }
    double a = lambda / mu;
    check("M/M/3 mean latency (s)", interval(w, REPS), 1.0 / mu + erlang_c(c, a) / (c * mu - lambda));
    struct fixture_log log = { 0 };
    fixture_free(&sc, &log);
}

/* M/M/c/c (Erlang loss) through reserved_concurrency = c with drop: the
 * fraction of requests throttled is B(c, a) (insensitive to the service
 * distribution, so a gamma service time is used to show it). */
static void test_erlang_b(void)
{
    const int c = 5;
    const double lambda = 4.0, mean_s = 1.0;
    struct scenario sc;
    poisson_scenario(&sc, lambda, 60000);
    sc.platform.reserved_concurrency = c;
    sc.platform.concurrency_limit = c;
    sc.platform.on_throttle = THROTTLE_DROP;
    sc.platform.keep_alive_s = dist_constant(1e9);
    sc.function.model.base_s = (struct dist){ .kind = DIST_GAMMA, .a = 2.0, .b = mean_s / 2.0 };
    double loss[REPS];
    for (int i = 0; i < REPS; i++) {
        struct engine_result r;
        engine_run(&sc, (uint64_t)i + 1, NULL, &r);
        loss[i] = (double)r.requests.failed / (double)r.requests.arrived;
    }
    check("Erlang B loss, c=5, a=4", interval(loss, REPS), erlang_b(c, lambda * mean_s));
    struct fixture_log log = { 0 };
    fixture_free(&sc, &log);
}

/* M/D/1 through client.max_inflight = 1 and a constant service time:
 * Pollaczek-Khinchine W = D + rho D / (2 (1 - rho)). */
static void test_md1(void)
{
    const double lambda = 0.7, d = 1.0;
    struct scenario sc;
    poisson_scenario(&sc, lambda, 60000);
    sc.client.max_inflight = 1;
    sc.function.model.base_s = dist_constant(d);
    sc.function.model.cold_start_s = dist_constant(0);
    sc.platform.keep_alive_s = dist_constant(1e9);
    double w[REPS];
    for (int i = 0; i < REPS; i++) {
        struct engine_result r;
        engine_run(&sc, (uint64_t)i + 1, NULL, &r);
        w[i] = r.latency_ms.mean / 1000.0;
    }
    double rho = lambda * d;
    check("M/D/1 mean latency (s)", interval(w, REPS), d + rho * d / (2 * (1 - rho)));
    struct fixture_log log = { 0 };
    fixture_free(&sc, &log);
}

/* Little's law on instances: with no limits every invocation gets an
 * instance at once (M/G/inf), so the time-averaged number of busy
 * instances is lambda x E[busy time] = lambda x E[S] with no cold starts. */
static void test_little_busy(void)
{
    const double lambda = 3.0, mean_s = 0.5;
    struct scenario sc;
    poisson_scenario(&sc, lambda, 60000);
    sc.function.model.base_s = (struct dist){ .kind = DIST_LOGNORMAL, .a = log(mean_s) - 0.5 * 0.25, .b = 0.5 };
    sc.function.model.cold_start_s = dist_constant(0);
    double busy[REPS];
    for (int i = 0; i < REPS; i++) {
        struct engine_result r;
        engine_run(&sc, (uint64_t)i + 1, NULL, &r);
        busy[i] = r.instances.mean_busy;
    }
    check("mean busy instances (Little)", interval(busy, REPS), lambda * mean_s);
    struct fixture_log log = { 0 };
    fixture_free(&sc, &log);
}

/* Little's law with cold starts: busy = invocation rate x E[init + inference],
 * both sides measured by the simulator (the cold-start share is emergent). */
static void test_little_cold(void)
{
    const double lambda = 2.0;
    struct scenario sc;
    poisson_scenario(&sc, lambda, 60000);
    sc.function.model.base_s = (struct dist){ .kind = DIST_EXPONENTIAL, .a = 0.4 };
    sc.function.model.cold_start_s = dist_constant(1.0);
    sc.platform.keep_alive_s = (struct dist){ .kind = DIST_EXPONENTIAL, .a = 2.0 };
    double diff[REPS], edge = 0;
    for (int i = 0; i < REPS; i++) {
        struct engine_result r;
        engine_run(&sc, (uint64_t)i + 1, NULL, &r);
        double span = r.end_s - r.window_start_s;
        double rate = (double)r.invocations.total / span;
        double per_inv = (r.breakdown_ms.cold_start + r.breakdown_ms.inference) / 1000.0;
        diff[i] = r.instances.mean_busy - rate * per_inv;
        /* Invocations straddling the window edges are counted on one side
         * only: at most ~2 x mean_busy of them, each busy for at most about
         * init + 10 mean inference times. */
        edge = fmax(edge, 2.0 * (r.instances.mean_busy + 1.0) * (1.0 + 10 * 0.4) / span);
        CU_ASSERT(r.cold_starts.count > 100);
    }
    struct ci ci = interval(diff, REPS);
    printf("\n    Little with cold starts: busy - rate x E[busy] = %.5f +- %.5f", ci.mean, ci.half);
    CU_ASSERT(fabs(ci.mean) <= ci.half + edge);
    struct fixture_log log = { 0 };
    fixture_free(&sc, &log);
}

/* The sweep's confidence intervals on M/M/c: 1000 points of M/M/2
 * (lambda 1, mu 1, rho 0.5), each 10 replications of 3000 requests, each
 * point's 95 % Student-t interval (sweep_stats, what sweep writes as
 * _ci95) of the mean latency against W = 1/mu + C(2, 1)/(2 mu - lambda) =
 * 4/3 s. An interval that is right covers W 95 % of the time; over 1000
 * the binomial sd is sqrt(0.95 x 0.05 / 1000) = 0.69 %, so 93 % to 97 % is
 * about three sd either side. What could push it out: the empty start's
 * bias (the first 10 % of each run is excluded), or run means too skewed
 * for a t interval at 10 replications. */
static void test_mmc_ci_coverage(void)
{
    const int c = 2, points = 1000;
    const double lambda = 1.0, mu = 1.0, w_s = 1.0 / mu + erlang_c(c, lambda / mu) / (c * mu - lambda);
    struct scenario sc;
    poisson_scenario(&sc, lambda, 3000);
    sc.client.max_inflight = c;
    sc.platform.provisioned_concurrency = c;
    sc.function.model.base_s = (struct dist){ .kind = DIST_EXPONENTIAL, .a = 1.0 / mu };
    int covered = 0;
    double width = 0;
    for (int i = 0; i < points; i++) {
        double w[REPS];
        for (int r = 0; r < REPS; r++) {
            struct engine_result res;
            engine_run(&sc, rng_derive_seed((uint64_t)i + 1000, (uint64_t)r), NULL, &res);
            w[r] = res.latency_ms.mean / 1000.0;
        }
        double mean, ci95;
        sweep_stats(w, REPS, &mean, &ci95);
        covered += fabs(mean - w_s) <= ci95;
        width += ci95;
    }
    double coverage = (double)covered / points;
    printf("\n    M/M/2 (rho 0.5): W %.4f s; %d intervals of 10 runs, coverage %.3f (0.93 to 0.97), mean "
           "half-width %.4f s ", w_s, points, coverage, width / points);
    CU_ASSERT(coverage >= 0.93 && coverage <= 0.97);
    struct fixture_log log = { 0 };
    fixture_free(&sc, &log);
}

static void add_tests(CU_pSuite s)
{
    CU_add_test(s, "M/M/c mean latency (Erlang C)", test_mmc);
    CU_add_test(s, "Erlang B loss with reserved concurrency", test_erlang_b);
    CU_add_test(s, "M/D/1 mean latency (Pollaczek-Khinchine)", test_md1);
    CU_add_test(s, "Little's law on busy instances", test_little_busy);
    CU_add_test(s, "Little's law with cold starts", test_little_cold);
    CU_add_test(s, "the sweep's 95% intervals cover M/M/2's W 93-97% of 1000 times", test_mmc_ci_coverage);
}

int main(void)
{
    return testutil_main("queueing", add_tests);
}
