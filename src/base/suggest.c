/* suggest: "did you mean" (see suggest.h for the rule). */
#include "base/suggest.h"

#include <stdint.h>
#include <string.h>

static char lower(char c)
{
    return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

/* Optimal string alignment: Levenshtein plus the swap of two adjacent
 * characters, the commonest typing slip ("rnu"), as one edit. Three rows
 * of the dynamic programme are enough. */
size_t suggest_distance(const char *a, size_t la, const char *b, size_t lb)
{
    if (la > SUGGEST_NAME_MAX || lb > SUGGEST_NAME_MAX)
        return SIZE_MAX;
    size_t rows[3][SUGGEST_NAME_MAX + 1];
    size_t *two = rows[0], *prev = rows[1], *cur = rows[2];
    for (size_t j = 0; j <= lb; j++)
        prev[j] = j;
    for (size_t i = 1; i <= la; i++) {
        cur[0] = i;
        char ca = lower(a[i - 1]);
        for (size_t j = 1; j <= lb; j++) {
            char cb = lower(b[j - 1]);
            size_t d = prev[j - 1] + (ca == cb ? 0 : 1);
            if (prev[j] + 1 < d)
                d = prev[j] + 1;
            if (cur[j - 1] + 1 < d)
                d = cur[j - 1] + 1;
            if (i > 1 && j > 1 && ca == lower(b[j - 2]) && lower(a[i - 2]) == cb && two[j - 2] + 1 < d)
                d = two[j - 2] + 1;
            cur[j] = d;
        }
        size_t *t = two;
        two = prev;
        prev = cur;
        cur = t;
    }
    return prev[lb];
}

void suggest_begin(struct suggest *s, const char *typed, size_t len)
{
    s->typed = typed;
    s->len = len;
    s->best = NULL;
    s->best_d = SIZE_MAX;
    s->prefix = NULL;
}

void suggest_consider(struct suggest *s, const char *known)
{
    size_t kl = strlen(known);
    size_t d = suggest_distance(s->typed, s->len, known, kl);
    if (d < s->best_d) {
        s->best = known;
        s->best_d = d;
    }
    size_t shorter = kl < s->len ? kl : s->len;
    if (s->prefix == NULL && shorter >= 3 && kl != s->len && strncmp(s->typed, known, shorter) == 0)
        s->prefix = known;
}

const char *suggest_result(const struct suggest *s)
{
    if (s->best != NULL && s->best_d <= 2 && 2 * s->best_d <= s->len)
        return s->best;
    return s->prefix;
}

const char *suggest_name(const char *typed, const char *const *known, size_t n)
{
    struct suggest s;
    suggest_begin(&s, typed, strlen(typed));
    for (size_t i = 0; i < n; i++)
        suggest_consider(&s, known[i]);
    return suggest_result(&s);
}
