/* common: the few macros every layer may use, defined once. */
#ifndef LAMBDASIM_COMMON_H
#define LAMBDASIM_COMMON_H

/* Number of elements of an array (not of a pointer). */
#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

/* Lets the compiler check a printf-style function's calls: argument f is
 * the format, the values start at argument a. */
#ifdef __GNUC__
#define PRINTF_LIKE(f, a) __attribute__((format(printf, f, a)))
#else
#define PRINTF_LIKE(f, a)
#endif

/* A static function to inline into its callers whatever the optimiser
 * thinks (the engine's per-event hot path). */
#ifdef __GNUC__
#define HOT static inline __attribute__((always_inline))
#else
#define HOT static inline
#endif

#endif
