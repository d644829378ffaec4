/* test_ps: processor sharing among busy instances (platform.host_cores),
 * with and without per-instance CPU caps below 1769 MB, and the cores taken
 * in turns (host.share quantum): hand-computed cases with exact times, then
 * the closed forms M/M/1-PS (E[T] = E[S] / (1 - rho)), by Little's law
 * M/M/2 for the limited sharing min(1, H/k) on H = 2 cores, and M/D/1 first
 * come first served (Pollaczek-Khinchine) and processor sharing at the two
 * ends of the turn's length, each with replications and a 99.9 % Student-t
 * interval as in test_queueing. */
#include <math.h>
#include <stdio.h>
#include <gsl/gsl_cdf.h>
#include <gsl/gsl_statistics_double.h>
#include "engine_fixture.h"
#include "testutil.h"

#define EPS 1e-9
#define REPS 10
#define N(a) (sizeof(a) / sizeof((a)[0]))

/* The fixture's scenario at 1769 MB: each instance may use a whole core,
 * so sharing H cores among k busy ones gives each min(1, H/k). */
static void whole_core_scenario(struct scenario *sc, const double *t, size_t n, double cold_s, double work_s)
{
    fixture_scenario(sc, t, n, cold_s, work_s);
    sc->function.memory_mb = 1769;
    sc->function.model.memory_mb = 1769;
}

/* Arrivals at t[], `work_s` of inference each, no cold start, H cores. */
static void ps_scenario(struct scenario *sc, const double *t, size_t n, double work_s, double cores)
{
    whole_core_scenario(sc, t, n, 0.0, work_s);
    sc->platform.host_cores = cores;
}

/* Two invocations of 1 s of work on 1 core, starting together: each gets
 * half the core, so both end at 2 s (not 1 s). */
static void test_two_together(void)
{
    const double t[] = { 0.0, 0.0 };
    struct scenario sc;
    ps_scenario(&sc, t, N(t), 1.0, 1);
    struct fixture_log log;
    struct engine_result res;
    fixture_run(&sc, &log, &res);
    CU_ASSERT_DOUBLE_EQUAL(fixture_rec(&log, 0)->end_s, 2.0, EPS);
    CU_ASSERT_DOUBLE_EQUAL(fixture_rec(&log, 1)->end_s, 2.0, EPS);
    /* The stretch shows where the time went: inference took 2 s. */
    CU_ASSERT_DOUBLE_EQUAL(fixture_rec(&log, 0)->inference_ms, 2000.0, 1e-6);
    CU_ASSERT_DOUBLE_EQUAL(res.latency_ms.mean, 2000.0, 1e-6);
    CU_ASSERT_EQUAL(res.cold_starts.count, 2);
    fixture_free(&sc, &log);
}

/* Staggered, by hand: A (1 s) at 0, B (1 s) at 0.5, one core. A runs alone
 * until 0.5 (0.5 s done), then both at rate 1/2: A's last 0.5 s takes 1 s,
 * so A ends at 1.5 with B half done; B's last 0.5 s alone: B ends at 2.0. */
static void test_staggered(void)
{
    const double t[] = { 0.0, 0.5 };
    struct scenario sc;
    ps_scenario(&sc, t, N(t), 1.0, 1);
    struct fixture_log log;
    struct engine_result res;
    fixture_run(&sc, &log, &res);
    CU_ASSERT_DOUBLE_EQUAL(fixture_rec(&log, 0)->end_s, 1.5, EPS);
    CU_ASSERT_DOUBLE_EQUAL(fixture_rec(&log, 1)->end_s, 2.0, EPS);
    CU_ASSERT_DOUBLE_EQUAL(fixture_rec(&log, 1)->latency_ms, 1500.0, 1e-6);
    fixture_free(&sc, &log);
}

/* Two cores, by hand: three jobs of 1 s at 0, 0 and 0.9. Until 0.9 two
 * jobs run at rate 1 (0.9 s done each); then three share two cores at rate
 * 2/3: the first two need 0.1 s more, which takes 0.15 s (end at 1.05), by
 * when the third has 0.1 s done; alone at rate 1 it needs 0.9 s: ends at
 * 1.95. */
static void test_two_cores(void)
{
    const double t[] = { 0.0, 0.0, 0.9 };
    struct scenario sc;
    ps_scenario(&sc, t, N(t), 1.0, 2);
    struct fixture_log log;
    struct engine_result res;
    fixture_run(&sc, &log, &res);
    CU_ASSERT_DOUBLE_EQUAL(fixture_rec(&log, 0)->end_s, 1.05, EPS);
    CU_ASSERT_DOUBLE_EQUAL(fixture_rec(&log, 1)->end_s, 1.05, EPS);
    CU_ASSERT_DOUBLE_EQUAL(fixture_rec(&log, 2)->end_s, 1.95, EPS);
    fixture_free(&sc, &log);
}

/* A fractional host (a cgroup limit of 1.5 CPUs): three jobs of 1 s
 * together progress at 1.5/3 = 1/2 each, so all end at 2 s; two together
 * at 1.5/2 = 3/4 each, so both end at 4/3 s. */
static void test_fractional_cores(void)
{
    const double t3[] = { 0.0, 0.0, 0.0 };
    struct scenario sc;
    ps_scenario(&sc, t3, N(t3), 1.0, 1.5);
    struct fixture_log log;
    struct engine_result res;
    fixture_run(&sc, &log, &res);
    for (uint64_t id = 0; id < N(t3); id++)
        CU_ASSERT_DOUBLE_EQUAL(fixture_rec(&log, id)->end_s, 2.0, EPS);
    fixture_free(&sc, &log);

    const double t2[] = { 0.0, 0.0 };
    ps_scenario(&sc, t2, N(t2), 1.0, 1.5);
    fixture_run(&sc, &log, &res);
    CU_ASSERT_DOUBLE_EQUAL(fixture_rec(&log, 0)->end_s, 4.0 / 3.0, EPS);
    CU_ASSERT_DOUBLE_EQUAL(fixture_rec(&log, 1)->end_s, 4.0 / 3.0, EPS);
    fixture_free(&sc, &log);
}

/* Arrivals at t[], `work_s` each (already stretched to memory_mb), H
 * cores, instances capped at their CPU share s = min(memory, 1769)/1769. */
static void capped_scenario(struct scenario *sc, const double *t, size_t n, double work_s, double cores,
                            double memory_mb)
{
    ps_scenario(sc, t, n, work_s, cores);
    sc->function.memory_mb = memory_mb;
    sc->function.model.memory_mb = memory_mb;
}

/* 4 instances at 512 MB (s = 512/1769 = 0.289) busy on 2 cores use
 * k s = 1.158 <= 2 cores: each gets its whole share, no slowdown, all end
 * at 1 s. 8 of them would use 2.316 > 2: each runs at 2/(8 s) =
 * 1769/2048 of its own speed, so 1 s of work ends at 2048/1769 s. */
static void test_capped_512(void)
{
    const double t4[] = { 0, 0, 0, 0 };
    const double t8[] = { 0, 0, 0, 0, 0, 0, 0, 0 };
    struct scenario sc;
    struct fixture_log log;
    struct engine_result res;
    capped_scenario(&sc, t4, N(t4), 1.0, 2, 512);
    fixture_run(&sc, &log, &res);
    for (uint64_t id = 0; id < N(t4); id++) {
        CU_ASSERT_DOUBLE_EQUAL(fixture_rec(&log, id)->end_s, 1.0, EPS);
        CU_ASSERT_DOUBLE_EQUAL(fixture_rec(&log, id)->inference_ms, 1000.0, 1e-6);
    }
    fixture_free(&sc, &log);

    capped_scenario(&sc, t8, N(t8), 1.0, 2, 512);
    fixture_run(&sc, &log, &res);
    for (uint64_t id = 0; id < N(t8); id++) {
        CU_ASSERT_DOUBLE_EQUAL(fixture_rec(&log, id)->end_s, 2048.0 / 1769.0, EPS);
        CU_ASSERT_DOUBLE_EQUAL(fixture_rec(&log, id)->inference_ms, 2048000.0 / 1769.0, 1e-6);
    }
    fixture_free(&sc, &log);
}

/* Staggered under a cap, by hand: half a core each (884.5 MB, s = 1/2) on
 * one core; jobs of 1 s at 0, 0 and 0.5. Until 0.5 two use k s = 1 core:
 * rate 1, 0.5 s done each. Then three: rate 1/(3/2) = 2/3; the first two
 * need 0.5 s more, which takes 0.75 s (end 1.25), by when the third has
 * 0.5 s done; alone at rate 1 it ends at 1.75. */
static void test_capped_staggered(void)
{
    const double t[] = { 0.0, 0.0, 0.5 };
    struct scenario sc;
    struct fixture_log log;
    struct engine_result res;
    capped_scenario(&sc, t, N(t), 1.0, 1, 884.5);
    fixture_run(&sc, &log, &res);
    CU_ASSERT_DOUBLE_EQUAL(fixture_rec(&log, 0)->end_s, 1.25, EPS);
    CU_ASSERT_DOUBLE_EQUAL(fixture_rec(&log, 1)->end_s, 1.25, EPS);
    CU_ASSERT_DOUBLE_EQUAL(fixture_rec(&log, 2)->end_s, 1.75, EPS);
    fixture_free(&sc, &log);
}

/* Above 1769 MB the share is still one core (one thread): 3008 MB gives
 * exactly the times of 1769 MB, which are min(1, H/k)'s (test_two_cores). */
static void test_capped_above_1769(void)
{
    const double t[] = { 0.0, 0.0, 0.9 };
    struct scenario sc;
    struct fixture_log a, b;
    struct engine_result ra, rb;
    capped_scenario(&sc, t, N(t), 1.0, 2, 1769);
    fixture_run(&sc, &a, &ra);
    sc.function.memory_mb = 3008;
    sc.function.model.memory_mb = 3008;
    fixture_run(&sc, &b, &rb);
    CU_ASSERT_EQUAL(a.n, b.n);
    for (uint64_t id = 0; id < N(t); id++)
        CU_ASSERT_EQUAL(fixture_rec(&a, id)->end_s, fixture_rec(&b, id)->end_s);
    CU_ASSERT_DOUBLE_EQUAL(fixture_rec(&a, 0)->end_s, 1.05, EPS);
    CU_ASSERT_DOUBLE_EQUAL(fixture_rec(&b, 2)->end_s, 1.95, EPS);
    free(b.rec);
    fixture_free(&sc, &a);
}

/* A request's end and cold start as expected, and its breakdown an exact
 * sum of its latency. */
static void check_request(const struct request_record *r, double end_s, double cold_ms)
{
    CU_ASSERT_DOUBLE_EQUAL(r->end_s, end_s, EPS);
    CU_ASSERT_DOUBLE_EQUAL(r->cold_start_ms, cold_ms, 1e-6);
    CU_ASSERT_DOUBLE_EQUAL(r->cold_start_ms + r->inference_ms + r->overhead_ms, r->latency_ms, 1e-6);
}

/* Init is work too, and the breakdown stays an exact sum: two cold
 * invocations of 0.5 s init + 1 s inference on one core end at 3 s; each
 * part is stretched by 2. The container's extra init is a wait: it does not
 * count as a busy instance and is not stretched. */
static void test_init_and_extra(void)
{
    const double t[] = { 0.0, 0.0 };
    struct scenario sc;
    whole_core_scenario(&sc, t, N(t), 0.5, 1.0);
    sc.platform.host_cores = 1;
    struct fixture_log log;
    struct engine_result res;
    fixture_run(&sc, &log, &res);
    const struct request_record *r = fixture_rec(&log, 0);
    check_request(r, 3.0, 1000.0);
    CU_ASSERT_DOUBLE_EQUAL(r->inference_ms, 2000.0, 1e-6);
    fixture_free(&sc, &log);

    /* Extra init 1 s (a wait) on top: the work still shares the core (both
     * done at 3 s), then each waits 1 s: responses at 4 s, cold start 2 s. */
    whole_core_scenario(&sc, t, N(t), 0.5, 1.0);
    sc.platform.host_cores = 1;
    sc.function.extra_init_s = dist_constant(1.0);
    fixture_run(&sc, &log, &res);
    r = fixture_rec(&log, 1);
    CU_ASSERT_DOUBLE_EQUAL(r->end_s, 4.0, EPS);
    CU_ASSERT_DOUBLE_EQUAL(r->cold_start_ms, 2000.0, 1e-6);
    CU_ASSERT_DOUBLE_EQUAL(r->inference_ms, 2000.0, 1e-6);
    fixture_free(&sc, &log);

    /* Without sharing, the extra init simply adds to the cold start. */
    whole_core_scenario(&sc, t, N(t), 0.5, 1.0);
    sc.function.extra_init_s = dist_constant(1.0);
    fixture_run(&sc, &log, &res);
    CU_ASSERT_DOUBLE_EQUAL(fixture_rec(&log, 0)->end_s, 2.5, EPS);
    CU_ASSERT_DOUBLE_EQUAL(fixture_rec(&log, 0)->cold_start_ms, 1500.0, 1e-6);
    fixture_free(&sc, &log);
}

/* With as many cores as there are ever busy instances, sharing changes
 * nothing: the same times as without it. */
static void test_enough_cores_is_off(void)
{
    const double t[] = { 0.0, 0.1, 0.2, 0.25, 3.0 };
    struct scenario sc;
    whole_core_scenario(&sc, t, N(t), 0.3, 0.4);
    struct fixture_log a, b;
    struct engine_result ra, rb;
    fixture_run(&sc, &a, &ra);
    sc.platform.host_cores = 8;
    fixture_run(&sc, &b, &rb);
    CU_ASSERT_EQUAL(a.n, b.n);
    for (uint64_t id = 0; id < N(t); id++)
        CU_ASSERT_DOUBLE_EQUAL(fixture_rec(&a, id)->end_s, fixture_rec(&b, id)->end_s, EPS);
    CU_ASSERT_DOUBLE_EQUAL(ra.cost_usd.total, rb.cost_usd.total, 1e-15);
    free(b.rec);
    fixture_free(&sc, &a);
}

/* A warm-up ping's hold is a wait; its cold init is work. One core, a ping
 * at 0 (cold: 1 s init + hold 0.5 s) and a request at 0 (cold: 1 s init +
 * 1 s inference): both inits share the core (done at 2 s); the ping then
 * holds until 2.5 s; the request's 1 s of inference runs alone: ends at 3 s. */
static void test_ping_hold_is_wait(void)
{
    const double t[] = { 0.0 };
    struct scenario sc;
    whole_core_scenario(&sc, t, N(t), 1.0, 1.0);
    sc.platform.host_cores = 1;
    sc.warmup = (struct warmup_spec){ .concurrency = 1, .interval_s = 100, .first_at_s = 0, .hold_s = 0.5 };
    struct fixture_log log;
    struct engine_result res;
    fixture_run(&sc, &log, &res);
    CU_ASSERT_DOUBLE_EQUAL(fixture_rec(&log, 0)->end_s, 3.0, EPS);
    CU_ASSERT_EQUAL(res.warmup.pings, 1);
    fixture_free(&sc, &log);
}

struct ci {
    double mean, half;
};

static struct ci interval(const double *x, size_t n)
{
    struct ci r;
    r.mean = gsl_stats_mean(x, 1, n);
    r.half = gsl_cdf_tdist_Pinv(0.9995, (double)(n - 1)) * gsl_stats_sd(x, 1, n) / sqrt((double)n);
    return r;
}

static void check(const char *what, struct ci got, double theory)
{
    printf("\n    %s: theory %.5f, simulated %.5f +- %.5f", what, theory, got.mean, got.half);
    CU_ASSERT(fabs(got.mean - theory) <= got.half);
    CU_ASSERT(got.half <= 0.05 * fabs(theory));
}

/* Every request on its own instance (no limits, no cold-start time), all
 * sharing H cores: an M/M/1-PS queue for H = 1. */
static void poisson_ps(struct scenario *sc, double lambda, double mean_s, double cores)
{
    const double none[] = { 0 };
    whole_core_scenario(sc, none, 0, 0.0, 0.0);
    fixture_poisson(sc, lambda, 40000);
    sc->warmup_period_s = 0.1 * 40000 / lambda;
    sc->function.model.base_s = (struct dist){ .kind = DIST_EXPONENTIAL, .a = mean_s };
    sc->platform.keep_alive_s = dist_constant(1e9);
    sc->platform.host_cores = cores;
}

/* M/M/1-PS: E[T] = E[S] / (1 - rho). */
static void test_mm1_ps(void)
{
    const double lambda = 0.7, mean_s = 1.0;
    struct scenario sc;
    poisson_ps(&sc, lambda, mean_s, 1);
    double w[REPS];
    for (int i = 0; i < REPS; i++) {
        struct engine_result r;
        engine_run(&sc, (uint64_t)i + 1, NULL, &r);
        w[i] = r.latency_ms.mean / 1000.0;
    }
    check("M/M/1-PS mean response (s)", interval(w, REPS), mean_s / (1.0 - lambda * mean_s));
    struct fixture_log log = { 0 };
    fixture_free(&sc, &log);
}

/* M/M/2's mean response W = 1/mu + C(2, a) / (2 mu - lambda). */
static double mm2_response_s(double lambda, double mean_s)
{
    double a = lambda * mean_s, b = a / (1 + a);     /* Erlang B, c = 1 */
    b = a * b / (2 + a * b);                         /* c = 2 */
    double c = b / (1 - a / 2 * (1 - b));            /* Erlang C */
    return mean_s + c / (2 / mean_s - lambda);
}

/* min(1, H/k) sharing on H = 2 cores serves at total rate min(k, 2) mu, as
 * M/M/2 does: the same number-in-system process, so by Little's law the
 * same mean response time W = 1/mu + C(2, a) / (2 mu - lambda). */
static void test_mm2_limited_ps(void)
{
    const double lambda = 1.5, mean_s = 1.0;
    struct scenario sc;
    poisson_ps(&sc, lambda, mean_s, 2);
    double w[REPS];
    for (int i = 0; i < REPS; i++) {
        struct engine_result r;
        engine_run(&sc, (uint64_t)i + 1, NULL, &r);
        w[i] = r.latency_ms.mean / 1000.0;
    }
    check("M/M/2 via 2-core sharing, mean response (s)", interval(w, REPS), mm2_response_s(lambda, mean_s));
    struct fixture_log log = { 0 };
    fixture_free(&sc, &log);
}

/* Half-core instances (884.5 MB) on one core run at min(1, 1/(k/2)) =
 * min(1, 2/k), as whole-core instances on two cores do: the same run
 * (and so the M/M/2 mean response of test_mm2_limited_ps), to the bit. */
static void test_capped_is_more_cores(void)
{
    struct scenario sc;
    struct engine_result half, whole;
    poisson_ps(&sc, 1.5, 1.0, 1);
    sc.max_requests = 4000;
    sc.function.memory_mb = 884.5;
    sc.function.model.memory_mb = 884.5;
    engine_run(&sc, 7, NULL, &half);
    sc.platform.host_cores = 2;
    sc.function.memory_mb = 1769;
    sc.function.model.memory_mb = 1769;
    engine_run(&sc, 7, NULL, &whole);
    CU_ASSERT_EQUAL(half.latency_ms.mean, whole.latency_ms.mean);
    CU_ASSERT_EQUAL(half.latency_ms.p99, whole.latency_ms.p99);
    CU_ASSERT(half.latency_ms.mean > 1100.0); /* shared: slower than the 1 s of work alone */
    struct fixture_log log = { 0 };
    fixture_free(&sc, &log);
}

/* The host's idle penalty (model host.idle): short gap 0.1 s, long 1 s,
 * wake 0.05 s, slowdown 0.5, one core, 0.1 s of work each. Request 0 is a
 * cold start (no penalty): 0..0.1. Request 1 at 0.2 after 0.1 s idle (the
 * short gap): none, ends 0.3. Request 2 at 2.0 after 1.7 s idle (past the
 * long gap): 0.1 + 0.05 + 0.5 * 0.1 = 0.2 s, ends 2.2. Request 3 after
 * sqrt(0.1) s idle, halfway on the log scale: 0.1 + 0.5 * 0.1 = 0.15 s.
 * Without platform.host_cores the profile's host is not modelled: no
 * penalty anywhere. */
/* Arrivals t[], 0.1 s of inference each, on one core (host) or no host
 * model, with the idle penalty of test_idle_penalty: none up to 0.1 s idle,
 * in full from 1 s, wake 50 ms + half the inference. */
static void idle_scenario(struct scenario *sc, const double *t, size_t n, bool host)
{
    whole_core_scenario(sc, t, n, 0.0, 0.1);
    sc->platform.host_cores = host ? 1 : 0;
    struct model_profile *m = &sc->function.model;
    m->has_idle = true;
    m->idle_short_s = 0.1;
    m->idle_long_s = 1.0;
    m->idle_wake_s = 0.05;
    m->idle_slowdown = 0.5;
}

static void test_idle_penalty(void)
{
    const double t[] = { 0.0, 0.2, 2.0, 2.2 + sqrt(0.1) };
    for (int host = 0; host < 2; host++) {
        struct scenario sc;
        idle_scenario(&sc, t, N(t), host);
        struct fixture_log log;
        struct engine_result res;
        fixture_run(&sc, &log, &res);
        CU_ASSERT_EQUAL(res.cold_starts.count, 1);
        CU_ASSERT_DOUBLE_EQUAL(fixture_rec(&log, 0)->inference_ms, 100.0, 1e-6);
        CU_ASSERT_DOUBLE_EQUAL(fixture_rec(&log, 1)->inference_ms, 100.0, 1e-6);
        CU_ASSERT_DOUBLE_EQUAL(fixture_rec(&log, 2)->inference_ms, host ? 200.0 : 100.0, 1e-6);
        CU_ASSERT_DOUBLE_EQUAL(fixture_rec(&log, 2)->end_s, host ? 2.2 : 2.1, EPS);
        CU_ASSERT_DOUBLE_EQUAL(fixture_rec(&log, 3)->inference_ms, host ? 150.0 : 100.0, 1e-6);
        fixture_free(&sc, &log);
    }
    struct model_profile m = { .has_idle = true, .idle_short_s = 0.02, .idle_long_s = 2.0 };
    CU_ASSERT_DOUBLE_EQUAL(model_idle_weight(&m, 0.01), 0.0, EPS);
    CU_ASSERT_DOUBLE_EQUAL(model_idle_weight(&m, 0.2), 0.5, EPS);
    CU_ASSERT_DOUBLE_EQUAL(model_idle_weight(&m, 20.0), 1.0, EPS);
    m.has_idle = false;
    CU_ASSERT_DOUBLE_EQUAL(model_idle_weight(&m, 20.0), 0.0, EPS);
}

/* Cold starts of 0.1 s and 0.1 s of inference at t[] on `cores` (0: no
 * host model), keep-alive 50 ms, host.idle start_ms 50 ms from 0.1 s to
 * 1 s of the host idle. */
static void idle_start_scenario(struct scenario *sc, const double *t, size_t n, double cores)
{
    whole_core_scenario(sc, t, n, 0.1, 0.1);
    sc->platform.host_cores = cores;
    sc->platform.keep_alive_s = dist_constant(0.05);
    struct model_profile *m = &sc->function.model;
    m->has_idle = true;
    m->idle_short_s = 0.1;
    m->idle_long_s = 1.0;
    m->idle_start_s = 0.05;
}

/* A start on an idle host (host.idle start_ms 50 ms, none up to 0.1 s of
 * the host idle, in full from 1 s), cold starts of 0.1 s, 0.1 s of
 * inference, keep-alive 50 ms so that every request starts cold, 2 cores:
 * at 0 the host has been idle 0 s (none: 0.1 s); at 2.2 it has been idle
 * since 0.2 (full: 0.15 s, ends 2.45); sqrt(0.1) s after that, halfway on
 * the log scale (0.125 s, ends 2.45 + sqrt(0.1) + 0.225); two together at
 * 5: the first meets the idle host (0.15 s), the second a busy one
 * (0.1 s). Without platform.host_cores: 0.1 s each. */
static void test_idle_start(void)
{
    double t3 = 2.45 + sqrt(0.1);
    const double t[] = { 0.0, 2.2, t3, 5.0, 5.0 };
    struct scenario sc;
    struct fixture_log log;
    struct engine_result res;
    for (int host = 0; host < 2; host++) {
        idle_start_scenario(&sc, t, N(t), host ? 2 : 0);
        fixture_run(&sc, &log, &res);
        CU_ASSERT_EQUAL(res.cold_starts.count, 5);
        const double cold_ms[] = { 100, host ? 150 : 100, host ? 125 : 100, host ? 150 : 100, 100 };
        for (size_t i = 0; i < N(t); i++)
            check_request(fixture_rec(&log, i), t[i] + cold_ms[i] / 1e3 + 0.1, cold_ms[i]);
        fixture_free(&sc, &log);
    }
    /* A wait, not work: on one core, two starts at 2.2 after 2 s idle
     * share it (each 0.1 s of init, 0.1 s of inference: both done at 2.6);
     * the first's 50 ms come after (ends 2.65, cold 0.2 + 0.05 s) and take
     * nothing from the second (cold 0.2 s, ends 2.6). As work, the first's
     * init would end at 2.5 (cold 0.3 s). */
    const double t2[] = { 0.0, 2.2, 2.2 };
    idle_start_scenario(&sc, t2, N(t2), 1);
    fixture_run(&sc, &log, &res);
    check_request(fixture_rec(&log, 1), 2.65, 250);
    check_request(fixture_rec(&log, 2), 2.6, 200);
    fixture_free(&sc, &log);
}

/* Simultaneous starts (model host.start_burst): factor 2 from 3 starts
 * under way, so m(1) = 1, m(2) = 1.5, m(3) = 2. Enough cores that nothing
 * shares a core: only the start work grows. Three cold starts of 0.5 s at
 * once all end up at 2 x 0.5 = 1 s, then 1 s of inference: 2.0 s, the
 * breakdown still the sum of its parts. Staggered on 2 cores: A starts at
 * 0 (m = 1); at 0.25, with 0.25 of its start left, B joins (m = 1.5): A's
 * rest becomes 0.375 (start 0.625, ends 0.625 + 1 = 1.625), B's start
 * 0.75 (ends 0.25 + 0.75 + 1 = 2.0). Without platform.host_cores nothing
 * changes: 0.5 s starts. */
/* A whole-core scenario of cold starts of 0.5 s and 1 s of inference on
 * `cores`, whose profile says: factor 2 from 3 starts under way. */
static void burst_scenario(struct scenario *sc, const double *t, size_t n, double cores)
{
    whole_core_scenario(sc, t, n, 0.5, 1.0);
    sc->platform.host_cores = cores;
    sc->function.model.has_start_burst = true;
    sc->function.model.start_burst_n = 3;
    sc->function.model.start_burst_factor = 2.0;
}

static void test_start_burst(void)
{
    const double together[] = { 0.0, 0.0, 0.0 };
    for (int host = 0; host < 2; host++) {
        struct scenario sc;
        burst_scenario(&sc, together, N(together), host ? 3 : 0);
        struct fixture_log log;
        struct engine_result res;
        fixture_run(&sc, &log, &res);
        CU_ASSERT_EQUAL(res.cold_starts.count, 3);
        for (size_t i = 0; i < 3; i++)
            check_request(fixture_rec(&log, i), host ? 2.0 : 1.5, host ? 1000.0 : 500.0);
        fixture_free(&sc, &log);
    }
    const double staggered[] = { 0.0, 0.25 };
    struct scenario sc;
    burst_scenario(&sc, staggered, N(staggered), 2);
    struct fixture_log log;
    struct engine_result res;
    fixture_run(&sc, &log, &res);
    CU_ASSERT_DOUBLE_EQUAL(fixture_rec(&log, 0)->cold_start_ms, 625.0, 1e-6);
    CU_ASSERT_DOUBLE_EQUAL(fixture_rec(&log, 0)->end_s, 1.625, EPS);
    CU_ASSERT_DOUBLE_EQUAL(fixture_rec(&log, 1)->cold_start_ms, 750.0, 1e-6);
    CU_ASSERT_DOUBLE_EQUAL(fixture_rec(&log, 1)->end_s, 2.0, EPS);
    fixture_free(&sc, &log);
    struct model_profile m = { .has_start_burst = true, .start_burst_n = 5, .start_burst_factor = 1.4 };
    CU_ASSERT_DOUBLE_EQUAL(model_start_factor(&m, 1), 1.0, EPS);
    CU_ASSERT_DOUBLE_EQUAL(model_start_factor(&m, 3), 1.2, EPS);
    CU_ASSERT_DOUBLE_EQUAL(model_start_factor(&m, 9), 1.4, EPS);
}

/* The host's start-up thread (model host.start_burst spawn_ms): each cold
 * start's first 0.1 s of its 0.5 s is the thread's, one start after
 * another, and its work (0.4 s of init, 1 s of inference) joins the cores
 * when its spawn ends. The factor is 1 at any count: only the thread acts.
 * On 3 cores nothing shares: spawns end at 0.1, 0.2, 0.3, the starts at
 * 1.5, 1.6, 1.7, their cold starts 500, 600, 700 ms (the wait for the
 * thread is part of the start). On 2 cores: from 0.2 the thread and A and
 * B share 2 cores at 2/3 each, so C's spawn ends at 0.35; then A, B, C at
 * 2/3 (A has done 0.2 of its 1.4, B 0.1): A ends at 0.35 + 1.2 x 1.5 =
 * 2.15, then B and C at full rate with 0.1 and 0.2 left: 2.25, 2.35.
 * (A thread-less start would begin its work at 0: test_start_burst.)
 * On a host at speed x0.5 (host.speed fixed, as validate --host-speed
 * does) every part, the thread's spawns included, takes half as long, so
 * the 2-core case ends at half its times: the spawn is host work like the
 * rest of the start (unscaled, C's init after its spawn shrank to 0.15 s
 * of 0.25: simultaneous-cold predicted x0.37 of its latency at x0.6). */
static void test_start_spawner(void)
{
    const double together[] = { 0.0, 0.0, 0.0 };
    const double end_s[3][3] = { { 1.5, 1.6, 1.7 }, { 2.15, 2.25, 2.35 }, { 1.075, 1.125, 1.175 } };
    /* Shared, the thread's wait stays and the rest stretches as the
     * request's work did: A's 0.4 s of init by 2.05 / 1.4 (its work ran
     * from 0.1 to 2.15), B's also, C's by 2.0 / 1.4. */
    const double cold_ms[3][3] = { { 500, 600, 700 },
                                   { 100 + 400 * 2.05 / 1.4, 200 + 400 * 2.05 / 1.4, 350 + 400 * 2.0 / 1.4 },
                                   { 50 + 200 * 2.05 / 1.4, 100 + 200 * 2.05 / 1.4, 175 + 200 * 2.0 / 1.4 } };
    for (int c = 0; c < 3; c++) {
        struct scenario sc;
        whole_core_scenario(&sc, together, N(together), 0.5, 1.0);
        sc.platform.host_cores = c == 0 ? 3 : 2;
        if (c == 2)
            model_fix_speed(&sc.function.model, 0.5);
        sc.function.model.has_start_burst = true;
        sc.function.model.start_burst_n = 3;
        sc.function.model.start_burst_factor = 1.0;
        sc.function.model.start_spawn_s = 0.1;
        struct fixture_log log;
        struct engine_result res;
        fixture_run(&sc, &log, &res);
        CU_ASSERT_EQUAL(res.cold_starts.count, 3);
        for (size_t i = 0; i < 3; i++)
            check_request(fixture_rec(&log, i), end_s[c][i], cold_ms[c][i]);
        fixture_free(&sc, &log);
    }
}

/* An init weighs one vCPU (model host weights, engine.c PS_W_INIT): at
 * 884.5 MB (s = 0.5) on 1 core, two cold starts of 0.1 s init and 0.2 s
 * of inference at once. Their inits ask for 2 vCPUs of the one core: each
 * at 0.5, done at 0.2; then their inference, 0.5 of a core each, fits:
 * done at 0.4. Cold starts 200 ms. A warm pair (no init) never shares. */
static void test_init_weight(void)
{
    const double together[] = { 0.0, 0.0 };
    struct scenario sc;
    whole_core_scenario(&sc, together, N(together), 0.1, 0.2);
    sc.function.memory_mb = 884.5;
    sc.function.model.memory_mb = 884.5;
    sc.platform.host_cores = 1;
    struct fixture_log log;
    struct engine_result res;
    fixture_run(&sc, &log, &res);
    CU_ASSERT_EQUAL(res.cold_starts.count, 2);
    for (size_t i = 0; i < 2; i++) {
        const struct request_record *r = fixture_rec(&log, i);
        CU_ASSERT_DOUBLE_EQUAL(r->end_s, 0.4, EPS);
        CU_ASSERT_DOUBLE_EQUAL(r->cold_start_ms, 200.0, 1e-6);
        CU_ASSERT_DOUBLE_EQUAL(r->inference_ms, 200.0, 1e-6);
    }
    fixture_free(&sc, &log);
}

/* The host's sharing efficiency (host.share), by hand, on 2 cores with
 * efficiency 0.8 measured at 4 jobs: 4 jobs of 1 s at once get 0.8 x 2
 * cores, so all end at 4 / 1.6 = 2.5 s (2 s without it); 3 jobs ask for
 * 1.5 x the cores, halfway to the measured 2, so they get 0.9 x 2 and end
 * at 3 / 1.8 = 5/3 s; 2 jobs share nothing and end at 1 s; 8 jobs (beyond
 * the measurement) keep 0.8: 8 / 1.6 = 5 s. */
static void test_share_efficiency(void)
{
    const size_t jobs[] = { 4, 3, 2, 8 };
    const double end_s[] = { 2.5, 5.0 / 3.0, 1.0, 5.0 };
    const double zero[8] = { 0 };
    for (size_t c = 0; c < N(jobs); c++) {
        struct scenario sc;
        ps_scenario(&sc, zero, jobs[c], 1.0, 2);
        sc.function.model.has_share = true;
        sc.function.model.share_jobs = 4;
        sc.function.model.share_cores = 2;
        sc.function.model.share_efficiency = 0.8;
        struct fixture_log log;
        struct engine_result res;
        fixture_run(&sc, &log, &res);
        for (size_t i = 0; i < jobs[c]; i++)
            CU_ASSERT_DOUBLE_EQUAL(fixture_rec(&log, i)->end_s, end_s[c], EPS);
        fixture_free(&sc, &log);
    }
    struct model_profile m = { .has_share = true, .share_jobs = 6, .share_cores = 2, .share_efficiency = 0.6 };
    CU_ASSERT_DOUBLE_EQUAL(model_share_efficiency(&m, 0.5), 1.0, EPS);
    CU_ASSERT_DOUBLE_EQUAL(model_share_efficiency(&m, 1.0), 1.0, EPS);
    CU_ASSERT_DOUBLE_EQUAL(model_share_efficiency(&m, 2.0), 0.8, EPS);
    CU_ASSERT_DOUBLE_EQUAL(model_share_efficiency(&m, 3.0), 0.6, EPS);
    CU_ASSERT_DOUBLE_EQUAL(model_share_efficiency(&m, 30.0), 0.6, EPS);
    m.has_share = false;
    CU_ASSERT_DOUBLE_EQUAL(model_share_efficiency(&m, 30.0), 1.0, EPS);
}

/* ps_scenario with cores taken in turns of quantum_s (host.share quantum),
 * sharing at full efficiency. */
static void rr_scenario(struct scenario *sc, const double *t, size_t n, double work_s, double cores,
                        double quantum_s)
{
    ps_scenario(sc, t, n, work_s, cores);
    struct model_profile *m = &sc->function.model;
    m->has_share = true;
    m->share_jobs = 4;
    m->share_cores = 2;
    m->share_efficiency = 1;
    m->share_quantum_s = quantum_s;
}

/* Round robin, by hand. Four jobs of 1 s at 0 on two cores with turns
 * longer than the work: first come first served, two at a time, ending at
 * 1, 1, 2, 2 (processor sharing: all four at 2). Three on two cores in
 * turns of 0.5 s: A and B run to 0.5, C and A to 1.0 (A done), B and C to
 * 1.5 (both done): 1.0, 1.5, 1.5 (processor sharing: all three at 1.5).
 * Forty on one core in turns of 0.5 s: a first round of 20 s, then each
 * ends in the second, in arrival order, at 20 + 0.5 (i + 1); the waiting
 * ring wraps and grows on the way. */
static void test_round_robin(void)
{
    const double zero[40] = { 0 };
    struct fixture_log log;
    struct engine_result res;
    struct scenario sc;
    rr_scenario(&sc, zero, 4, 1.0, 2, 10.0);
    fixture_run(&sc, &log, &res);
    const double fifo_end_s[] = { 1, 1, 2, 2 };
    for (size_t i = 0; i < 4; i++)
        CU_ASSERT_DOUBLE_EQUAL(fixture_rec(&log, i)->end_s, fifo_end_s[i], EPS);
    fixture_free(&sc, &log);

    rr_scenario(&sc, zero, 3, 1.0, 2, 0.5);
    fixture_run(&sc, &log, &res);
    const double rr_end_s[] = { 1.0, 1.5, 1.5 };
    for (size_t i = 0; i < 3; i++)
        CU_ASSERT_DOUBLE_EQUAL(fixture_rec(&log, i)->end_s, rr_end_s[i], EPS);
    fixture_free(&sc, &log);

    /* 1.5 cores (a cgroup limit): two jobs on them at 1.5 / 2 = 3/4 each
     * end at 4/3 s; the third then runs alone at 1 (one job cannot use
     * more than a core): 7/3 s. */
    rr_scenario(&sc, zero, 3, 1.0, 1.5, 10.0);
    fixture_run(&sc, &log, &res);
    const double frac_end_s[] = { 4.0 / 3.0, 4.0 / 3.0, 7.0 / 3.0 };
    for (size_t i = 0; i < 3; i++)
        CU_ASSERT_DOUBLE_EQUAL(fixture_rec(&log, i)->end_s, frac_end_s[i], EPS);
    fixture_free(&sc, &log);

    rr_scenario(&sc, zero, 40, 1.0, 1, 0.5);
    fixture_run(&sc, &log, &res);
    for (size_t i = 0; i < 40; i++)
        CU_ASSERT_DOUBLE_EQUAL(fixture_rec(&log, i)->end_s, 20.0 + 0.5 * (double)(i + 1), EPS);
    fixture_free(&sc, &log);
}

/* M/D/1 both ways: turns longer than the service make the core first
 * come first served, Pollaczek-Khinchine's W = S + rho S / (2 (1 - rho));
 * turns far shorter than it approach processor sharing, whose mean
 * response S / (1 - rho) holds for any service distribution. With rho =
 * 0.7 the two are 2.17 s and 3.33 s, so a model that ignored the turns
 * would fail one of them. Round robin tends to processor sharing as the
 * turn shrinks (Kleinrock, Queueing Systems vol. 2, 1976, ch. 4); turns of
 * S / 50 are taken as short enough, which the 5 % interval then checks. */
static void test_md1_fcfs_and_ps(void)
{
    const double lambda = 0.7, service_s = 1.0, rho = lambda * service_s;
    const double quantum_s[] = { 2.0, service_s / 50 };
    const double theory_s[] = { service_s + rho * service_s / (2 * (1 - rho)), service_s / (1 - rho) };
    for (size_t c = 0; c < N(quantum_s); c++) {
        struct scenario sc;
        poisson_ps(&sc, lambda, service_s, 1);
        sc.function.model.base_s = dist_constant(service_s);
        sc.function.model.has_share = true;
        sc.function.model.share_jobs = 2;
        sc.function.model.share_cores = 1;
        sc.function.model.share_efficiency = 1;
        sc.function.model.share_quantum_s = quantum_s[c];
        double w[REPS];
        for (int i = 0; i < REPS; i++) {
            struct engine_result r;
            engine_run(&sc, (uint64_t)i + 1, NULL, &r);
            w[i] = r.latency_ms.mean / 1000.0;
        }
        check(c == 0 ? "M/D/1 first come first served (turns > S), mean response (s)"
                     : "M/D/1 round robin in turns of S/50 ~ processor sharing, mean response (s)",
              interval(w, REPS), theory_s[c]);
        struct fixture_log log = { 0 };
        fixture_free(&sc, &log);
    }
}

/* n requests one a second (at 0, 1, ... s), 0.1 s of work each, no cold
 * start, on one whole core of a host with `cores` cores. */
static void every_second_scenario(struct scenario *sc, size_t n, double cores)
{
    double *t = malloc(n * sizeof *t);
    CU_ASSERT_PTR_NOT_NULL_FATAL(t);
    for (size_t i = 0; i < n; i++)
        t[i] = (double)i;
    whole_core_scenario(sc, t, n, 0.0, 0.1);
    free(t);
    sc->platform.host_cores = cores;
}

/* every_second_scenario with stalled wake-ups (model host.wake): a share
 * `share` of them, 5 ms each, two an invocation. */
static void wake_scenario(struct scenario *sc, size_t n, double cores, double share)
{
    every_second_scenario(sc, n, cores);
    struct model_profile *m = &sc->function.model;
    m->has_wake = true;
    m->wake_probability = dist_constant(share);
    m->wake_s = dist_constant(0.005);
    m->wake_per_invocation = 2;
}

/* The host's stalled wake-ups (host.wake), against their definition:
 * - a share of 1 and 5 ms each: every invocation meets per_invocation of
 *   them, 0.1 s + 2 x 5 ms of work; only where the host is modelled;
 * - a share drawn per run from {0, 0.5}: within one run every batch takes
 *   0.1 s (share 0) or some take longer (0.5), never a mix of a run at 0
 *   with a stalled batch; over 400 seeded runs about half draw 0
 *   (binomial: 200 +- 4 sd of 10);
 * - share 0.5, 2 wake-ups, 20,000 batches: a batch meets none with
 *   probability 0.25, one 0.5, two 0.25; the share with none within 4 sd
 *   (4 sqrt(0.25 x 0.75 / n) = 0.012). */
static void test_host_wake(void)
{
    for (int host = 0; host < 2; host++) {
        struct scenario sc;
        wake_scenario(&sc, 3, host ? 1 : 0, 1);
        struct fixture_log log;
        struct engine_result res;
        fixture_run(&sc, &log, &res);
        for (uint64_t i = 0; i < 3; i++)
            CU_ASSERT_DOUBLE_EQUAL(fixture_rec(&log, i)->inference_ms, host ? 110.0 : 100.0, 1e-6);
        fixture_free(&sc, &log);
    }

    int quiet_runs = 0;
    for (uint64_t seed = 1; seed <= 400; seed++) {
        struct scenario sc;
        wake_scenario(&sc, 20, 1, 0);
        sc.seed = seed;
        struct model_profile *m = &sc.function.model;
        m->wake_probability.kind = DIST_EMPIRICAL;
        m->wake_probability.samples = malloc(2 * sizeof(double));
        CU_ASSERT_PTR_NOT_NULL_FATAL(m->wake_probability.samples);
        m->wake_probability.samples[0] = 0;
        m->wake_probability.samples[1] = 0.5;
        m->wake_probability.n_samples = 2;
        struct fixture_log log;
        struct engine_result res;
        fixture_run(&sc, &log, &res);
        size_t stalled = 0;
        for (uint64_t i = 0; i < 20; i++)
            stalled += fixture_rec(&log, i)->inference_ms > 100.0 + 1e-6;
        quiet_runs += stalled == 0;
        dist_fini(&m->wake_probability);
        fixture_free(&sc, &log);
    }
    /* A run at 0.5 with no stalled batch in 20 has probability 0.25^20. */
    CU_ASSERT(quiet_runs >= 160 && quiet_runs <= 240);

    const size_t n = 20000;
    struct scenario sc;
    wake_scenario(&sc, n, 1, 0.5);
    struct fixture_log log;
    struct engine_result res;
    fixture_run(&sc, &log, &res);
    size_t by_count[3] = { 0, 0, 0 };
    for (uint64_t i = 0; i < n; i++) {
        double k = (fixture_rec(&log, i)->inference_ms - 100.0) / 5.0;
        CU_ASSERT(fabs(k - round(k)) < 1e-6 && k >= -1e-6 && k <= 2 + 1e-6);
        by_count[(size_t)lround(k)]++;
    }
    CU_ASSERT_DOUBLE_EQUAL((double)by_count[0] / (double)n, 0.25, 0.012);
    CU_ASSERT_DOUBLE_EQUAL((double)by_count[2] / (double)n, 0.25, 0.012);
    fixture_free(&sc, &log);
}

/* every_second_scenario with a speed factor drawn from {1, 3} (model
 * host.speed), held an exponential time of mean hold_s. */
static void speed_scenario(struct scenario *sc, size_t n, double hold_s, double cores)
{
    every_second_scenario(sc, n, cores);
    struct model_profile *m = &sc->function.model;
    m->has_speed = true;
    m->speed_hold_s = hold_s;
    m->speed_factor.kind = DIST_EMPIRICAL;
    m->speed_factor.samples = malloc(2 * sizeof(double));
    CU_ASSERT_PTR_NOT_NULL_FATAL(m->speed_factor.samples);
    m->speed_factor.samples[0] = 1;
    m->speed_factor.samples[1] = 3;
    m->speed_factor.n_samples = 2;
}

/* The host's speed (host.speed), against its definition:
 * - a constant factor 2 doubles every batch's work, cold start and
 *   response overhead included, and only where the host is modelled
 *   (platform.host_cores);
 * - a factor held far longer than the run: every batch of a run at the
 *   same speed, 1 or 3, each in about half of 400 seeded runs (binomial:
 *   200 +- 4 sd of 10);
 * - a hold of 10 s, one batch a second: two batches in a row share the
 *   factor with probability e^-0.1 + (1 - e^-0.1) / 2 = 0.9524 (no change
 *   in 1 s, or a change to the same value); after a change the factor is
 *   a fresh draw, independent of all before, and changes in disjoint
 *   seconds are independent, so the 19,999 pairs are independent
 *   Bernoulli trials: within 4 sd = 4 sqrt(p (1 - p) / n) = 0.006;
 * - a hold far shorter than the gaps: a fresh draw per batch, mean work
 *   0.2 s within 4 standard errors (0.1 / sqrt(n) x 4). */
static void test_host_speed(void)
{
    for (int host = 0; host < 2; host++) {
        const double t[] = { 0.0, 2.0, 4.0 };
        struct scenario sc;
        whole_core_scenario(&sc, t, N(t), 0.5, 0.1);
        sc.platform.host_cores = host ? 1 : 0;
        sc.function.model.has_speed = true;
        sc.function.model.speed_hold_s = 5;
        sc.function.model.speed_factor = dist_constant(2);
        sc.function.model.overhead_s = dist_constant(0.05);
        struct fixture_log log;
        struct engine_result res;
        fixture_run(&sc, &log, &res);
        CU_ASSERT_DOUBLE_EQUAL(fixture_rec(&log, 0)->cold_start_ms, host ? 1000.0 : 500.0, 1e-6);
        for (uint64_t i = 0; i < N(t); i++) {
            CU_ASSERT_DOUBLE_EQUAL(fixture_rec(&log, i)->inference_ms, host ? 200.0 : 100.0, 1e-6);
            /* The overhead is the host's round trip: slowed as the work. */
            CU_ASSERT_DOUBLE_EQUAL(fixture_rec(&log, i)->overhead_ms, host ? 100.0 : 50.0, 1e-6);
        }
        fixture_free(&sc, &log);
    }

    int slow_runs = 0;
    for (uint64_t seed = 1; seed <= 400; seed++) {
        struct scenario sc;
        speed_scenario(&sc, 20, 1e6, 1);
        sc.seed = seed;
        struct fixture_log log;
        struct engine_result res;
        fixture_run(&sc, &log, &res);
        double first = fixture_rec(&log, 0)->inference_ms;
        CU_ASSERT(fabs(first - 100.0) < 1e-6 || fabs(first - 300.0) < 1e-6);
        for (uint64_t i = 1; i < 20; i++)
            CU_ASSERT_DOUBLE_EQUAL(fixture_rec(&log, i)->inference_ms, first, 1e-6);
        slow_runs += first > 200;
        dist_fini(&sc.function.model.speed_factor);
        fixture_free(&sc, &log);
    }
    CU_ASSERT(slow_runs >= 160 && slow_runs <= 240);

    const size_t n = 20000;
    struct scenario sc;
    speed_scenario(&sc, n, 10.0, 1);
    struct fixture_log log;
    struct engine_result res;
    fixture_run(&sc, &log, &res);
    size_t same = 0;
    for (uint64_t i = 1; i < n; i++)
        same += fabs(fixture_rec(&log, i)->inference_ms - fixture_rec(&log, i - 1)->inference_ms) < 1e-6;
    double p_same = (double)same / (double)(n - 1);
    double p = exp(-0.1) + (1 - exp(-0.1)) / 2;
    CU_ASSERT_DOUBLE_EQUAL(p_same, p, 4 * sqrt(p * (1 - p) / (double)(n - 1)));
    dist_fini(&sc.function.model.speed_factor);
    fixture_free(&sc, &log);

    speed_scenario(&sc, n, 1e-4, 1);
    fixture_run(&sc, &log, &res);
    double sum_ms = 0;
    for (size_t i = 0; i < log.n; i++)
        sum_ms += log.rec[i].inference_ms;
    CU_ASSERT_EQUAL(log.n, n);
    CU_ASSERT_DOUBLE_EQUAL(sum_ms / (double)n, 200.0, 4 * 100.0 / sqrt((double)n));
    dist_fini(&sc.function.model.speed_factor);
    fixture_free(&sc, &log);
}

/* Stalls of the host (host.stall): with probability 1 and a constant
 * 5 ms, every batch takes 5 ms more, cold or warm, and only where the host
 * is modelled; with probability 0.25, the share of 10,000 batches that met
 * one is 0.25 within 4 sd (4 sqrt(0.25 x 0.75 / 10,000) = 0.0173). */
static void test_host_stall(void)
{
    for (int host = 0; host < 2; host++) {
        const double t[] = { 0.0, 2.0, 4.0 };
        struct scenario sc;
        whole_core_scenario(&sc, t, N(t), 0.5, 0.1);
        sc.platform.host_cores = host ? 1 : 0;
        sc.function.model.has_stall = true;
        sc.function.model.stall_probability = 1;
        sc.function.model.stall_s = dist_constant(0.005);
        struct fixture_log log;
        struct engine_result res;
        fixture_run(&sc, &log, &res);
        for (uint64_t i = 0; i < N(t); i++)
            CU_ASSERT_DOUBLE_EQUAL(fixture_rec(&log, i)->inference_ms, host ? 105.0 : 100.0, 1e-6);
        fixture_free(&sc, &log);
    }
    const size_t n = 10000;
    struct scenario sc;
    every_second_scenario(&sc, n, 1);
    sc.function.model.has_stall = true;
    sc.function.model.stall_probability = 0.25;
    sc.function.model.stall_s = dist_constant(0.005);
    struct fixture_log log;
    struct engine_result res;
    fixture_run(&sc, &log, &res);
    CU_ASSERT_EQUAL_FATAL(log.n, n);
    size_t stalled = 0;
    for (size_t i = 0; i < log.n; i++) {
        double ms = log.rec[i].inference_ms;
        CU_ASSERT(fabs(ms - 100.0) < 1e-6 || fabs(ms - 105.0) < 1e-6);
        stalled += ms > 102.5;
    }
    CU_ASSERT_DOUBLE_EQUAL((double)stalled / (double)n, 0.25, 4 * sqrt(0.25 * 0.75 / (double)n));
    fixture_free(&sc, &log);
}

/* Stalls after an idle (host.idle stall_probability, stall_ms): with
 * probability 1 and a constant 20 ms, the arrivals of test_idle_penalty:
 * the cold first batch and the second (0.1 s after the first ended:
 * weight 0) meet none; the third (idle 1.8 s, weight 1) meets
 * one, on top of its penalty, only where the host is modelled (it ends at
 * 2.22 s); the fourth (idle sqrt(0.1) s then, weight 1/2) meets one or
 * not. Then one batch a second, idle 0.9 s
 * (weight 1, no penalty otherwise), probability 0.25: the share of 10,000
 * that met one is 0.25 within 4 sd. */
static void test_idle_stall(void)
{
    const double t[] = { 0.0, 0.2, 2.0, 2.22 + sqrt(0.1) };
    for (int host = 0; host < 2; host++) {
        struct scenario sc;
        idle_scenario(&sc, t, N(t), host);
        struct model_profile *m = &sc.function.model;
        m->has_idle_stall = true;
        m->idle_stall_probability = 1;
        m->idle_stall_s = dist_constant(0.020);
        struct fixture_log log;
        struct engine_result res;
        fixture_run(&sc, &log, &res);
        CU_ASSERT_DOUBLE_EQUAL(fixture_rec(&log, 0)->inference_ms, 100.0, 1e-6);
        CU_ASSERT_DOUBLE_EQUAL(fixture_rec(&log, 1)->inference_ms, 100.0, 1e-6);
        CU_ASSERT_DOUBLE_EQUAL(fixture_rec(&log, 2)->inference_ms, host ? 220.0 : 100.0, 1e-6);
        double last = fixture_rec(&log, 3)->inference_ms;
        if (host) {
            CU_ASSERT(fabs(last - 150.0) < 1e-6 || fabs(last - 170.0) < 1e-6);
        } else {
            CU_ASSERT_DOUBLE_EQUAL(last, 100.0, 1e-6);
        }
        fixture_free(&sc, &log);
    }
    const size_t n = 10000;
    struct scenario sc;
    every_second_scenario(&sc, n, 1);
    struct model_profile *m = &sc.function.model;
    m->has_idle = true;
    m->idle_short_s = 0.1;
    m->idle_long_s = 0.5;
    m->has_idle_stall = true;
    m->idle_stall_probability = 0.25;
    m->idle_stall_s = dist_constant(0.020);
    struct fixture_log log;
    struct engine_result res;
    fixture_run(&sc, &log, &res);
    CU_ASSERT_EQUAL_FATAL(log.n, n);
    size_t stalled = 0;
    for (size_t i = 1; i < log.n; i++) { /* the first is cold */
        double ms = log.rec[i].inference_ms;
        CU_ASSERT(fabs(ms - 100.0) < 1e-6 || fabs(ms - 120.0) < 1e-6);
        stalled += ms > 110.0;
    }
    CU_ASSERT_DOUBLE_EQUAL((double)stalled / (double)(n - 1), 0.25, 4 * sqrt(0.25 * 0.75 / (double)(n - 1)));
    fixture_free(&sc, &log);
}

static void add_tests(CU_pSuite s)
{
    CU_add_test(s, "two jobs on one core end together at 2 s", test_two_together);
    CU_add_test(s, "staggered starts, by hand", test_staggered);
    CU_add_test(s, "three jobs on two cores, by hand", test_two_cores);
    CU_add_test(s, "1.5 cores: three jobs at half speed, two at 3/4", test_fractional_cores);
    CU_add_test(s, "512 MB caps: 4 on 2 cores not slowed, 8 at 2/(8 s)", test_capped_512);
    CU_add_test(s, "half-core caps, staggered, by hand", test_capped_staggered);
    CU_add_test(s, "3008 MB: the times of 1769 MB", test_capped_above_1769);
    CU_add_test(s, "init is work, extra init is a wait", test_init_and_extra);
    CU_add_test(s, "enough cores: same as no sharing", test_enough_cores_is_off);
    CU_add_test(s, "ping hold is a wait", test_ping_hold_is_wait);
    CU_add_test(s, "idle penalty: none when cold or short, full when long, log-linear between", test_idle_penalty);
    CU_add_test(s, "a start on an idle host: the idle penalty's start_ms, weighted by the host's idle time", test_idle_start);
    CU_add_test(s, "simultaneous starts: more work each, the ones under way rescaled", test_start_burst);
    CU_add_test(s, "simultaneous starts: the start-up thread spawns them one after another", test_start_spawner);
    CU_add_test(s, "a cold start's init weighs one vCPU, its inference one share", test_init_weight);
    CU_add_test(s, "host sharing efficiency: oversubscribed cores give less, by hand", test_share_efficiency);
    CU_add_test(s, "host speed: a held factor scales the work, held as long as drawn", test_host_speed);
    CU_add_test(s, "host wake-ups: a share drawn per run, each invocation's wake-ups stalled with it", test_host_wake);
    CU_add_test(s, "host stalls: a batch meets one with its probability", test_host_stall);
    CU_add_test(s, "stalls after an idle: met as often as weighted, only where the host is modelled", test_idle_stall);
    CU_add_test(s, "round robin (host.share quantum), by hand", test_round_robin);
    CU_add_test(s, "M/M/1-PS mean response", test_mm1_ps);
    CU_add_test(s, "M/D/1: long turns are FCFS (Pollaczek-Khinchine), short ones PS", test_md1_fcfs_and_ps);
    CU_add_test(s, "M/M/2 by Little's law", test_mm2_limited_ps);
    CU_add_test(s, "half-core caps on one core = two whole cores", test_capped_is_more_cores);
}

int main(void)
{
    return testutil_main("ps", add_tests);
}
