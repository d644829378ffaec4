/* interrupt: see interrupt.h. */
#include "interrupt.h"

#include <stdio.h>
#include <string.h>

volatile sig_atomic_t interrupt_signal = 0;

static void on_signal(int signo)
{
    interrupt_signal = signo;
}

int interrupt_catch(void)
{
    static const int signals[] = { SIGINT, SIGTERM };
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    /* No SA_RESTART: a blocking call returns EINTR and the caller looks at
     * the flag. SA_RESETHAND: a second signal gets the default action. */
    sa.sa_flags = (int)SA_RESETHAND;
    for (size_t i = 0; i < sizeof signals / sizeof signals[0]; i++)
        if (sigaction(signals[i], &sa, NULL) != 0)
            return -1;
    return 0;
}

int interrupt_exit_code(int signo)
{
    return 128 + signo;
}

const char *interrupt_signal_name(int signo)
{
    static char buf[32];
    if (signo == SIGINT)
        return "SIGINT";
    if (signo == SIGTERM)
        return "SIGTERM";
    snprintf(buf, sizeof buf, "signal %d", signo);
    return buf;
}
