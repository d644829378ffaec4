/* interrupt: see interrupt.h. */
#include "base/interrupt.h"

#include <assert.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/time.h>
#include "base/outfile.h"

volatile sig_atomic_t interrupt_signal = 0;
static volatile sig_atomic_t catching = 0;

static void on_signal(int signo)
{
    if ((signo == SIGINT || signo == SIGTERM || signo == SIGALRM) && catching && interrupt_signal == 0) {
        interrupt_signal = signo;
        return;
    }
    /* Only async-signal-safe calls from here: unlink, signal, raise. The
     * signal stays blocked until the handler returns, then kills. */
    outfile_remove_temps();
    signal(signo, SIG_DFL);
    raise(signo);
}

static int install(const int *signals, size_t n, bool keep_ignored)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    /* Every handled signal blocked in the handler: one clean-up at a time. */
    sigemptyset(&sa.sa_mask);
    sigaddset(&sa.sa_mask, SIGINT);
    sigaddset(&sa.sa_mask, SIGTERM);
    sigaddset(&sa.sa_mask, SIGHUP);
    sigaddset(&sa.sa_mask, SIGPIPE);
    sigaddset(&sa.sa_mask, SIGALRM);
    /* No SA_RESTART: a blocking call returns EINTR and the caller looks at
     * the flag. */
    sa.sa_flags = 0;
    for (size_t i = 0; i < n; i++) {
        struct sigaction was;
        if (sigaction(signals[i], NULL, &was) != 0)
            return -1;
        /* A signal ignored by whoever started us (nohup, a shell's
         * background job) stays ignored. */
        if (keep_ignored && was.sa_handler == SIG_IGN)
            continue;
        if (sigaction(signals[i], &sa, NULL) != 0)
            return -1;
    }
    return 0;
}

int interrupt_guard_temps(void)
{
    static const int signals[] = { SIGINT, SIGTERM, SIGHUP, SIGPIPE };
    return install(signals, sizeof signals / sizeof signals[0], true);
}

int interrupt_catch(void)
{
    static const int signals[] = { SIGINT, SIGTERM };
    catching = 1;
    return install(signals, sizeof signals / sizeof signals[0], false);
}

int interrupt_time_limit(double seconds, double grace_s)
{
    assert(seconds > 0 && seconds <= INTERRUPT_TIME_LIMIT_MAX_S && grace_s > 0);
    static const int signals[] = { SIGALRM };
    if (install(signals, 1, false) != 0)
        return -1;
    struct itimerval it;
    memset(&it, 0, sizeof it);
    it.it_value.tv_sec = (time_t)seconds;
    it.it_value.tv_usec = (suseconds_t)((seconds - (double)(time_t)seconds) * 1e6);
    if (it.it_value.tv_sec == 0 && it.it_value.tv_usec == 0)
        it.it_value.tv_usec = 1;
    /* The repeat is the grace period: the first expiry asks the command to
     * stop, the next one kills it (on_signal, interrupt_signal already set). */
    it.it_interval.tv_sec = (time_t)grace_s;
    it.it_interval.tv_usec = (suseconds_t)((grace_s - (double)(time_t)grace_s) * 1e6);
    return setitimer(ITIMER_REAL, &it, NULL);
}

int interrupt_exit_code(int signo)
{
    return signo == SIGALRM ? 124 : 128 + signo;
}

const char *interrupt_signal_name(int signo)
{
    static char buf[32];
    if (signo == SIGINT)
        return "SIGINT";
    if (signo == SIGTERM)
        return "SIGTERM";
    if (signo == SIGALRM)
        return "--time-limit";
    snprintf(buf, sizeof buf, "signal %d", signo);
    return buf;
}
