/* interrupt: SIGINT and SIGTERM turned into a stop flag, so that a long
 * command (run, sweep, emulate) ends cleanly instead of dying mid-write:
 * the engine and the sweep poll the flag (engine_hooks.stop,
 * sweep_run_opts.stop), the command discards or completes its outputs and
 * exits with interrupt_exit_code(). The flag is the one global the program
 * keeps: a signal handler can reach nothing else. */
#ifndef LAMBDASIM_INTERRUPT_H
#define LAMBDASIM_INTERRUPT_H

#include <signal.h>

/* 0 until a caught signal arrives; then its number. */
extern volatile sig_atomic_t interrupt_signal;

/* Makes SIGINT, SIGTERM, SIGHUP and SIGPIPE remove the temporary output
 * files (outfile_remove_temps) before they end the process as before (the
 * default action, so the exit status still tells the signal). main() calls
 * it first thing. Returns 0, or -1 when sigaction fails (errno set). */
int interrupt_guard_temps(void);

/* Catches SIGINT and SIGTERM (sigaction, without SA_RESTART, so a blocking
 * read returns EINTR): the first one sets interrupt_signal; a second one
 * (a second Ctrl-C, or a signal during the clean-up) removes the temporary
 * output files and ends the process at once. Returns 0, or -1 when
 * sigaction fails (errno set). */
int interrupt_catch(void);

/* Bounds the command by wall-clock time (--time-limit): after seconds
 * (> 0, at most INTERRUPT_TIME_LIMIT_MAX_S) a SIGALRM sets interrupt_signal
 * to SIGALRM, so the command stops as on SIGINT. A command that has not
 * ended grace_s later (INTERRUPT_GRACE_S for the commands) (a loop that does not look at the flag: a
 * bug) is killed by a second SIGALRM, which removes its temporary output
 * files first. Call after interrupt_catch. Returns 0, or -1 when
 * setitimer or sigaction fails (errno set). */
#define INTERRUPT_TIME_LIMIT_MAX_S 31536000.0 /* one year */
#define INTERRUPT_GRACE_S 10
int interrupt_time_limit(double seconds, double grace_s);

/* Exit code of a command stopped by signal signo: the shell's 128 + signo
 * (130 for SIGINT, 143 for SIGTERM), and 124 for the time limit (SIGALRM),
 * as timeout(1) has it. */
int interrupt_exit_code(int signo);

/* "SIGINT", "SIGTERM", "--time-limit" (SIGALRM), or "signal N" (static
 * storage). */
const char *interrupt_signal_name(int signo);

#endif
