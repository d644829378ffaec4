/* suggest: the one "did you mean" rule of the readers and the command
 * line. Given a name the user typed and the names that are known, it picks
 * the known name the user most likely meant, or none:
 *
 *   1. the known name at the smallest edit distance from the typed one
 *      (inserting, deleting or changing a character, or swapping two
 *      adjacent ones, each count 1; ASCII case is ignored; the first listed
 *      wins a tie), when that distance is at most 2 and at most half the
 *      typed length ("tiemout" -> "timeout", "rnu" -> "run", but "xy" is
 *      no "id");
 *   2. otherwise the first known name that begins with the typed one or
 *      that the typed one begins with, when the shorter of the two has at
 *      least 3 characters ("rate" -> "rate_rps", "timeout" ->
 *      "timeout_s": units live in the names).
 *
 * The candidates are fed one at a time (suggest_begin, suggest_consider,
 * suggest_result), so that names kept in tables of structures need no
 * copy; suggest_name does it for an array of names. */
#ifndef LAMBDASIM_SUGGEST_H
#define LAMBDASIM_SUGGEST_H

#include <stddef.h>

/* Longest name compared; longer ones are never suggested nor matched. */
#define SUGGEST_NAME_MAX 64

struct suggest {
    const char *typed;
    size_t len;
    const char *best;       /* rule 1: smallest distance so far */
    size_t best_d;
    const char *prefix;     /* rule 2: first prefix match */
};

/* typed[0..len) need not end with a NUL. */
void suggest_begin(struct suggest *s, const char *typed, size_t len);
void suggest_consider(struct suggest *s, const char *known);
/* The known name to suggest, or NULL. */
const char *suggest_result(const struct suggest *s);

/* The rule over known[0..n) for the NUL-terminated typed name. */
const char *suggest_name(const char *typed, const char *const *known, size_t n);

/* The edit distance of rule 1 between a[0..la) and b[0..lb); SIZE_MAX when
 * either is longer than SUGGEST_NAME_MAX. */
size_t suggest_distance(const char *a, size_t la, const char *b, size_t lb);

#endif
