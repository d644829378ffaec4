/* test_docs: the documentation cannot rot.
 *
 * Links: every relative link `](path)` or `](path#anchor)` of README.md,
 * CONTRIBUTING.md and every .md file under docs/ names an existing file (or directory),
 * and every anchor a heading of the linked Markdown file (GitHub's slugs:
 * lower case, a space becomes '-', punctuation other than '-' and '_' goes,
 * the k-th repeat of a heading gets "-k").
 *
 * Drift: every long option that `lambdasim CMD --help` prints (for every
 * command that `lambdasim --help` lists) is in that command's section of
 * man/lambdasim.1 (`.SH "LAMBDASIM CMD"`) and in its reference page,
 * docs/reference/CMD.md (merge: sweep.md); every field of the scenario
 * reference's field tables (docs/reference/scenario.md, by section) is in
 * the same section of man/lambdasim-scenario.5, and so are the fields of the
 * model profile and sweep file tables (models.md, sweep.md).
 *
 * Run from the repository root, as `make test` does. */
#define _XOPEN_SOURCE 700 /* strtok_r, lstat */
#include <ctype.h>
#include <dirent.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "testutil.h"

/* --- small helpers ----------------------------------------------------- */

static void *grow(void *p, size_t n)
{
    void *q = realloc(p, n);
    if (q == NULL) {
        fputs("test_docs: out of memory\n", stderr);
        abort();
    }
    return q;
}

static char *dup(const char *s, size_t n)
{
    char *d = grow(NULL, n + 1);
    memcpy(d, s, n);
    d[n] = '\0';
    return d;
}

/* Problems found, one per line, for the failure message. */
struct problems {
    char *text;
    size_t len;
    int count;
};

static void problem(struct problems *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void problem(struct problems *p, const char *fmt, ...)
{
    char line[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    size_t n = strlen(line);
    p->text = grow(p->text, p->len + n + 4);
    snprintf(p->text + p->len, n + 4, "  %s\n", line);
    p->len += n + 3;
    p->count++;
}

static void report(struct problems *p, const char *what)
{
    if (p->count > 0)
        fprintf(stderr, "\n%d %s:\n%s", p->count, what, p->text);
    free(p->text);
}

/* A whole file relative to `root` ("" for the current directory); NULL if
 * unreadable. */
static char *read_at(const char *root, const char *path)
{
    char full[4096];
    snprintf(full, sizeof full, "%s%s%s", root, root[0] != '\0' ? "/" : "", path);
    return testutil_read_file(full);
}

static bool exists_at(const char *root, const char *path)
{
    char full[4096];
    snprintf(full, sizeof full, "%s%s%s", root, root[0] != '\0' ? "/" : "", path);
    return testutil_exists(full);
}

/* The line [s, e) opens or closes a fenced code block. */
static bool fence(const char *s, const char *e)
{
    size_t i = 0, n = (size_t)(e - s);
    while (i < n && (s[i] == ' ' || s[i] == '\t'))
        i++;
    return i + 3 <= n && (strncmp(s + i, "```", 3) == 0 || strncmp(s + i, "~~~", 3) == 0);
}

/* --- anchors ----------------------------------------------------------- */

/* GitHub's anchor for a heading's text [h, h + len). */
static void slug(const char *h, size_t len, char *out, size_t cap)
{
    size_t n = 0;
    for (size_t i = 0; i < len && n + 1 < cap; i++) {
        unsigned char c = (unsigned char)h[i];
        if (c < 128 && isalnum(c))
            out[n++] = (char)tolower(c);
        else if (c == ' ' || c == '-')
            out[n++] = '-';
        else if (c == '_')
            out[n++] = '_';
    }
    out[n] = '\0';
}

/* Whether Markdown text `md` has a heading (or an HTML id/name) whose
 * anchor is `anchor`. */
static bool has_anchor(const char *md, const char *anchor)
{
    char html[512];
    snprintf(html, sizeof html, "id=\"%s\"", anchor);
    if (strstr(md, html) != NULL)
        return true;
    snprintf(html, sizeof html, "name=\"%s\"", anchor);
    if (strstr(md, html) != NULL)
        return true;
    char (*seen)[160] = NULL;
    size_t n_seen = 0;
    bool found = false, in_fence = false;
    for (const char *s = md; *s != '\0' && !found;) {
        const char *e = strchr(s, '\n');
        if (e == NULL)
            e = s + strlen(s);
        const char *h = s;
        while (h < e && *h == '#')
            h++;
        if (fence(s, e)) {
            in_fence = !in_fence;
        } else if (!in_fence && h > s && h - s <= 6 && h < e && *h == ' ') {
            const char *t = e;
            while (t > h && (t[-1] == ' ' || t[-1] == '\r' || t[-1] == '#'))
                t--;
            char sl[160], final[200];
            slug(h + 1, (size_t)(t - h - 1), sl, sizeof sl);
            int repeats = 0;
            for (size_t i = 0; i < n_seen; i++)
                repeats += strcmp(seen[i], sl) == 0;
            if (repeats == 0)
                snprintf(final, sizeof final, "%s", sl);
            else
                snprintf(final, sizeof final, "%s-%d", sl, repeats);
            found = strcmp(final, anchor) == 0;
            seen = grow(seen, (n_seen + 1) * sizeof *seen);
            memcpy(seen[n_seen++], sl, sizeof sl);
        }
        s = *e != '\0' ? e + 1 : e;
    }
    free(seen);
    return found;
}

/* --- links ------------------------------------------------------------- */

/* Resolves `rel` against directory `dir` (both relative to the root; ""
 * is the root), lexically, into `out`. False if it climbs above the root. */
static bool resolve(const char *dir, const char *rel, char *out, size_t cap)
{
    char buf[4096];
    snprintf(buf, sizeof buf, "%s%s%s", dir, dir[0] != '\0' ? "/" : "", rel);
    size_t n = 0;
    out[0] = '\0';
    char *save = NULL;
    for (char *c = strtok_r(buf, "/", &save); c != NULL; c = strtok_r(NULL, "/", &save)) {
        if (strcmp(c, ".") == 0)
            continue;
        if (strcmp(c, "..") == 0) {
            if (n == 0)
                return false;
            char *slash = strrchr(out, '/');
            n = slash != NULL ? (size_t)(slash - out) : 0;
            out[n] = '\0';
            continue;
        }
        int w = snprintf(out + n, cap - n, "%s%s", n > 0 ? "/" : "", c);
        if (w < 0 || (size_t)w >= cap - n)
            return false;
        n += (size_t)w;
    }
    return true;
}

/* Files that a make target writes and git ignores (.gitignore), which a
 * page may link to before they exist: `make plots` draws plots/out/ (the
 * tutorial's figures; test_tutorial checks that each one is drawn). */
static bool generated(const char *path)
{
    return strncmp(path, "plots/out/", 10) == 0;
}

/* Checks every relative link of Markdown file `path` (relative to `root`,
 * content `md`). Links in fenced code blocks and code spans are text. */
static void check_links(struct problems *p, const char *root, const char *path, const char *md)
{
    char dir[1024];
    snprintf(dir, sizeof dir, "%s", path);
    char *slash = strrchr(dir, '/');
    if (slash != NULL)
        *slash = '\0';
    else
        dir[0] = '\0';
    bool in_fence = false;
    int line = 1;
    for (const char *s = md; *s != '\0'; line++) {
        const char *e = strchr(s, '\n');
        if (e == NULL)
            e = s + strlen(s);
        if (fence(s, e)) {
            in_fence = !in_fence;
        } else if (!in_fence) {
            bool in_code = false;
            for (const char *q = s; q < e; q++) {
                if (*q == '`') {
                    in_code = !in_code;
                    continue;
                }
                if (in_code || q[0] != ']' || q + 1 >= e || q[1] != '(')
                    continue;
                const char *t = q + 2;
                size_t k = 0;
                while (t + k < e && t[k] != ')' && t[k] != ' ')
                    k++;
                char target[1024];
                snprintf(target, sizeof target, "%.*s", (int)k, t);
                if (target[0] == '\0' || strstr(target, "://") != NULL
                    || strncmp(target, "mailto:", 7) == 0)
                    continue;
                if (target[0] == '/') {
                    problem(p, "%s:%d: link '%s' is absolute (links are relative to the file)", path,
                            line, target);
                    continue;
                }
                char *hash = strchr(target, '#');
                const char *anchor = "";
                bool here = hash == target; /* #anchor in this file */
                if (hash != NULL) {
                    *hash = '\0';
                    anchor = hash + 1;
                }
                char out[1024];
                if (here) {
                    snprintf(out, sizeof out, "%s", path);
                } else if (!resolve(dir, target, out, sizeof out)) {
                    problem(p, "%s:%d: link '%s' leaves the repository", path, line, target);
                    continue;
                }
                if (!exists_at(root, out) && !generated(out)) {
                    problem(p, "%s:%d: link '%s': %s does not exist", path, line, target, out);
                    continue;
                }
                if (anchor[0] == '\0')
                    continue;
                size_t ol = strlen(out);
                if (ol < 3 || strcmp(out + ol - 3, ".md") != 0) {
                    problem(p, "%s:%d: link '%s#%s': an anchor needs a Markdown file", path, line,
                            target, anchor);
                    continue;
                }
                char *linked = read_at(root, out);
                if (linked == NULL || !has_anchor(linked, anchor))
                    problem(p, "%s:%d: link '%s#%s': %s has no heading with anchor '#%s'", path, line,
                            target, anchor, out, anchor);
                free(linked);
            }
        }
        s = *e != '\0' ? e + 1 : e;
    }
}

struct file_list {
    char **path;
    size_t n;
};

/* Every *.md file under `dir` (relative to root), recursively. */
static void walk_md(struct file_list *l, const char *root, const char *dir)
{
    char full[4096];
    snprintf(full, sizeof full, "%s%s%s", root, root[0] != '\0' ? "/" : "", dir);
    DIR *d = opendir(full);
    if (d == NULL)
        return;
    struct dirent *de;
    while ((de = readdir(d)) != NULL) {
        if (de->d_name[0] == '.')
            continue;
        char rel[4096], abs[8192];
        snprintf(rel, sizeof rel, "%s/%s", dir, de->d_name);
        snprintf(abs, sizeof abs, "%s/%s", full, de->d_name);
        struct stat st;
        if (lstat(abs, &st) != 0)
            continue;
        size_t n = strlen(rel);
        if (S_ISDIR(st.st_mode)) {
            walk_md(l, root, rel);
        } else if (S_ISREG(st.st_mode) && n > 3 && strcmp(rel + n - 3, ".md") == 0) {
            l->path = grow(l->path, (l->n + 1) * sizeof *l->path);
            l->path[l->n++] = dup(rel, n);
        }
    }
    closedir(d);
}

/* Checks the documentation under `root`: README.md, CONTRIBUTING.md and
 * every .md file under docs/. Returns the number of Markdown files read. */
static size_t check_docs(struct problems *p, const char *root)
{
    struct file_list l = { NULL, 0 };
    const char *top[] = { "README.md", "CONTRIBUTING.md" };
    for (size_t i = 0; i < sizeof top / sizeof top[0]; i++) {
        l.path = grow(l.path, (l.n + 1) * sizeof *l.path);
        l.path[l.n++] = dup(top[i], strlen(top[i]));
    }
    walk_md(&l, root, "docs");
    size_t read = 0;
    for (size_t i = 0; i < l.n; i++) {
        char *md = read_at(root, l.path[i]);
        if (md == NULL) {
            problem(p, "%s: missing", l.path[i]);
        } else {
            check_links(p, root, l.path[i], md);
            read++;
        }
        free(md);
        free(l.path[i]);
    }
    free(l.path);
    return read;
}

/* --- tests: links ------------------------------------------------------ */

static void put(const char *dir, const char *name, const char *content)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    CU_ASSERT_FATAL(f != NULL);
    fputs(content, f);
    fclose(f);
}

/* Problems in a tiny tree whose README.md is `readme`. */
static int problems_in_tree(const char *readme)
{
    char *root = testutil_temp_dir();
    char sub[4096];
    snprintf(sub, sizeof sub, "%s/docs", root);
    CU_ASSERT_FATAL(mkdir(sub, 0755) == 0);
    snprintf(sub, sizeof sub, "%s/docs/reference", root);
    CU_ASSERT_FATAL(mkdir(sub, 0755) == 0);
    put(root, "README.md", readme);
    put(root, "CONTRIBUTING.md", "# Contributing\n\nSee [the README](README.md#two-commands).\n");
    put(root, "docs/reference/run.md",
        "# `lambdasim run`: running a scenario\n\n## Exit codes\n\n## Notes\n\n### Notes\n\n"
        "Back to [the top](../../README.md) and [exit codes](#exit-codes).\n");
    put(root, "docs/a.txt", "not Markdown\n");
    struct problems p = { NULL, 0, 0 };
    size_t n = check_docs(&p, root);
    CU_ASSERT_EQUAL(n, 3);
    free(p.text);
    testutil_remove_dir(root);
    return p.count;
}

static void test_slugs(void)
{
    char s[200];
    const char *h1 = "Host contention: `platform.host_cores`";
    slug(h1, strlen(h1), s, sizeof s);
    CU_ASSERT_STRING_EQUAL(s, "host-contention-platformhost_cores");
    const char *h2 = "JSON (`--json`)";
    slug(h2, strlen(h2), s, sizeof s);
    CU_ASSERT_STRING_EQUAL(s, "json---json");
    const char *h3 = "Not modelled (yet)";
    slug(h3, strlen(h3), s, sizeof s);
    CU_ASSERT_STRING_EQUAL(s, "not-modelled-yet");
    const char *md = "# A\n## Notes\n```\n## Fake\n```\n### Notes ##\n<a id=\"here\"></a>\n";
    CU_ASSERT(has_anchor(md, "a"));
    CU_ASSERT(has_anchor(md, "notes"));
    CU_ASSERT(has_anchor(md, "notes-1"));
    CU_ASSERT(!has_anchor(md, "notes-2"));
    CU_ASSERT(!has_anchor(md, "fake"));
    CU_ASSERT(has_anchor(md, "here"));
}

static void test_links_checked(void)
{
    const char *head = "# lambdasim\n\n## Two commands\n\n";
    char buf[2048];
#define TREE(body) (snprintf(buf, sizeof buf, "%s%s", head, body), problems_in_tree(buf))
    /* Good links: a file, a directory, a heading there, here, a repeat. */
    CU_ASSERT_EQUAL(TREE("[run](docs/reference/run.md) [ref](docs/reference/) [txt](docs/a.txt)\n"
                         "[codes](docs/reference/run.md#exit-codes) [top](#two-commands)\n"
                         "[n](docs/reference/run.md#notes-1) [web](https://example.org/x#y)\n"),
                    0);
    /* Broken: a missing file, a missing anchor, here and there, a repeat
     * too many, an anchor in a file that is not Markdown, an absolute
     * path, a path above the root. */
    CU_ASSERT_EQUAL(TREE("[x](docs/reference/walk.md)\n"), 1);
    CU_ASSERT_EQUAL(TREE("[x](docs/reference/run.md#exit-code)\n"), 1);
    CU_ASSERT_EQUAL(TREE("[x](#three-commands)\n"), 1);
    CU_ASSERT_EQUAL(TREE("[x](docs/reference/run.md#notes-2)\n"), 1);
    CU_ASSERT_EQUAL(TREE("[x](docs/a.txt#top)\n"), 1);
    CU_ASSERT_EQUAL(TREE("[x](/etc/passwd)\n"), 1);
    CU_ASSERT_EQUAL(TREE("[x](../elsewhere.md)\n"), 1);
    CU_ASSERT_EQUAL(TREE("[a](nope.md) and [b](docs/nope.md#x)\n"), 2);
    /* What `make plots` draws may be linked before it exists; nothing else. */
    CU_ASSERT_EQUAL(TREE("![f](plots/out/tutorial/1.png) [p](plots/x.png)\n"), 1);
    /* Text, not links: code blocks and code spans. */
    CU_ASSERT_EQUAL(TREE("```\n[x](nope.md)\n```\n`[x](nope.md)` and ``a `[x](nope.md)` b``\n"), 0);
#undef TREE
    /* A broken link in a page under docs/ is found too. */
    char *root = testutil_temp_dir();
    char sub[4096];
    snprintf(sub, sizeof sub, "%s/docs", root);
    CU_ASSERT_FATAL(mkdir(sub, 0755) == 0);
    put(root, "README.md", "# R\n");
    put(root, "CONTRIBUTING.md", "# C\n");
    put(root, "docs/t.md", "# T\n\n[back](../README.md#r) [gone](../README.md#s)\n");
    struct problems p = { NULL, 0, 0 };
    CU_ASSERT_EQUAL(check_docs(&p, root), 3);
    CU_ASSERT_EQUAL(p.count, 1);
    CU_ASSERT(testutil_contains(p.text, "docs/t.md:3: link '../README.md#s'"));
    free(p.text);
    testutil_remove_dir(root);
}

static void test_repository_links(void)
{
    struct problems p = { NULL, 0, 0 };
    size_t n = check_docs(&p, "");
    CU_ASSERT(n >= 20); /* README, CONTRIBUTING, docs/, docs/reference/ */
    CU_ASSERT_EQUAL(p.count, 0);
    report(&p, "broken link(s) in the documentation");
}

/* --- drift: options ---------------------------------------------------- */

/* Man source as text: "\-" is '-', font escapes (\fB, \fI, \fR, \fP, \f(..)
 * go, "\e" is '\'. */
static char *man_text(const char *src)
{
    size_t n = strlen(src);
    char *t = grow(NULL, n + 1);
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        if (src[i] == '\\' && src[i + 1] == '-') {
            t[k++] = '-';
            i++;
        } else if (src[i] == '\\' && src[i + 1] == 'e') {
            t[k++] = '\\';
            i++;
        } else if (src[i] == '\\' && src[i + 1] == 'f' && src[i + 2] != '\0') {
            i += src[i + 2] == '(' && src[i + 3] != '\0' && src[i + 4] != '\0' ? 4 : 2;
        } else {
            t[k++] = src[i];
        }
    }
    t[k] = '\0';
    return t;
}

/* The text of the man section that starts at the line `heading` (e.g.
 * `.SH "LAMBDASIM RUN"`), up to the next line starting with one of the
 * `.SH`/`.SS` marks in `stops` ("SH" or "SH SS"); NULL when absent. */
static char *man_section(const char *man, const char *heading, bool stop_at_ss)
{
    size_t hl = strlen(heading);
    const char *at = man;
    while ((at = strstr(at, heading)) != NULL) {
        if ((at == man || at[-1] == '\n') && (at[hl] == '\n' || at[hl] == '\0'))
            break;
        at += hl;
    }
    if (at == NULL)
        return NULL;
    const char *body = at + hl;
    const char *end = body;
    while ((end = strstr(end, "\n.S")) != NULL) {
        if (strncmp(end, "\n.SH", 4) == 0 || (stop_at_ss && strncmp(end, "\n.SS", 4) == 0))
            break;
        end += 3;
    }
    if (end == NULL)
        end = body + strlen(body);
    return dup(body, (size_t)(end - body));
}

static bool opt_char(char c)
{
    return isalnum((unsigned char)c) || c == '-';
}

/* `text` holds `word` as a whole token: not inside a longer option or
 * name (`chars` says what may continue a token). */
static bool has_token(const char *text, const char *word, bool (*chars)(char))
{
    size_t n = strlen(word);
    for (const char *at = strstr(text, word); at != NULL; at = strstr(at + 1, word)) {
        bool left = at == text || !chars(at[-1]);
        bool right = !chars(at[n]);
        if (left && right)
            return true;
    }
    return false;
}

/* The long options (--[a-z][a-z0-9-]*) of a help text, each once, into
 * opts (n_opts of at most cap). */
static size_t long_options(const char *help, char opts[][64], size_t cap)
{
    size_t n = 0;
    for (const char *q = help; (q = strstr(q, "--")) != NULL;) {
        bool start = q == help || !opt_char(q[-1]);
        if (!start || !islower((unsigned char)q[2])) {
            q += 2;
            continue;
        }
        size_t k = 2;
        while (islower((unsigned char)q[k]) || isdigit((unsigned char)q[k]) || q[k] == '-')
            k++;
        while (q[k - 1] == '-')
            k--;
        char o[64];
        snprintf(o, sizeof o, "%.*s", (int)k, q);
        bool seen = false;
        for (size_t i = 0; i < n; i++)
            seen = seen || strcmp(opts[i], o) == 0;
        if (!seen && n < cap)
            memcpy(opts[n++], o, sizeof o);
        q += k;
    }
    return n;
}

/* Every long option of `help` is a token of `text`; each one missing is a
 * problem naming `where`. Returns the number of options. */
static size_t expect_options(struct problems *p, const char *cmd, const char *help, const char *text,
                             const char *where)
{
    char opts[64][64];
    size_t n = long_options(help, opts, 64);
    for (size_t i = 0; i < n; i++)
        if (text == NULL || !has_token(text, opts[i], opt_char))
            problem(p, "lambdasim %s: %s is not in %s", cmd, opts[i], where);
    return n;
}

/* The commands that `lambdasim --help` lists ("  NAME   summary" lines
 * under "Commands:"; not `help`). */
static size_t commands_of(const char *help, char cmds[][32], size_t cap)
{
    const char *at = strstr(help, "\nCommands:\n");
    size_t n = 0;
    if (at == NULL)
        return 0;
    at += strlen("\nCommands:\n");
    while (strncmp(at, "  ", 2) == 0 && n < cap) {
        size_t k = strcspn(at + 2, " \n");
        if (k > 0 && k < 32 && strncmp(at + 2, "help", k) != 0)
            snprintf(cmds[n++], 32, "%.*s", (int)k, at + 2);
        at = strchr(at, '\n');
        if (at == NULL)
            break;
        at++;
    }
    return n;
}

/* The reference page of a command. */
static void reference_page(const char *cmd, char *buf, size_t cap)
{
    snprintf(buf, cap, "docs/reference/%s.md", strcmp(cmd, "merge") == 0 ? "sweep" : cmd);
}

/* Checks command `cmd`, its help `help`, against the man page text `man`
 * and reference page text `ref`. Returns the number of options. */
static size_t check_command(struct problems *p, const char *cmd, const char *help, const char *man,
                            const char *ref, const char *ref_path)
{
    char heading[64], upper[32];
    size_t i = 0;
    for (; cmd[i] != '\0' && i + 1 < sizeof upper; i++)
        upper[i] = (char)toupper((unsigned char)cmd[i]);
    upper[i] = '\0';
    snprintf(heading, sizeof heading, ".SH \"LAMBDASIM %s\"", upper);
    char *section = man_section(man, heading, false);
    char where[128];
    snprintf(where, sizeof where, "man/lambdasim.1 (section %s)", heading + 4);
    if (section == NULL)
        problem(p, "lambdasim %s: man/lambdasim.1 has no section %s", cmd, heading + 4);
    size_t n = expect_options(p, cmd, help, section, where);
    if (ref == NULL)
        problem(p, "lambdasim %s: %s is missing", cmd, ref_path);
    else
        expect_options(p, cmd, help, ref, ref_path);
    free(section);
    return n;
}

static void test_option_check_fails(void)
{
    /* A made-up command whose help names --alpha and --beta-two. */
    const char *help = "Usage: lambdasim demo [OPTIONS]\n  --alpha N   a\n  --beta-two  b (not --alpha-x)\n"
                       "  -h, --help  help\n";
    char opts[8][64];
    CU_ASSERT_EQUAL(long_options(help, opts, 8), 4);
    CU_ASSERT_STRING_EQUAL(opts[0], "--alpha");
    CU_ASSERT_STRING_EQUAL(opts[1], "--beta-two");
    CU_ASSERT_STRING_EQUAL(opts[2], "--alpha-x");
    CU_ASSERT_STRING_EQUAL(opts[3], "--help");
    const char *full = ".SH \"LAMBDASIM DEMO\"\n.TP\n.BI \\-\\-alpha \" N\"\n.B \\-\\-beta\\-two\n"
                       ".BR \\-\\-alpha\\-x\n.BR \\-h \", \" \\-\\-help\n.SH \"LAMBDASIM NEXT\"\n.B \\-\\-gamma\n";
    const char *ref = "`--alpha N`, `--beta-two`, `--alpha-x`, `-h`, `--help`";
    char *man = man_text(full);
    struct problems p = { NULL, 0, 0 };
    CU_ASSERT_EQUAL(check_command(&p, "demo", help, man, ref, "demo.md"), 4);
    CU_ASSERT_EQUAL(p.count, 0);
    free(p.text);

    /* --beta-two taken out of the man section: one problem; --alpha
     * present only inside --alpha-x does not count. */
    const char *less = ".SH \"LAMBDASIM DEMO\"\n.B \\-\\-alpha\\-x\n.BR \\-\\-help\n"
                       ".SH \"LAMBDASIM NEXT\"\n.B \\-\\-alpha \\-\\-beta\\-two\n";
    char *man2 = man_text(less);
    struct problems q = { NULL, 0, 0 };
    check_command(&q, "demo", help, man2, ref, "demo.md");
    CU_ASSERT_EQUAL(q.count, 2);
    CU_ASSERT(testutil_contains(q.text, "--alpha is not in man/lambdasim.1"));
    CU_ASSERT(testutil_contains(q.text, "--beta-two is not in man/lambdasim.1"));
    free(q.text);

    /* And out of the reference page; no section at all. */
    struct problems r = { NULL, 0, 0 };
    check_command(&r, "demo", help, man, "`--alpha` `--alpha-x` `--help`", "demo.md");
    CU_ASSERT_EQUAL(r.count, 1);
    CU_ASSERT(testutil_contains(r.text, "--beta-two is not in demo.md"));
    free(r.text);
    struct problems s = { NULL, 0, 0 };
    check_command(&s, "other", help, man, ref, "other.md");
    CU_ASSERT_EQUAL(s.count, 5); /* no section, and so none of the 4 options */
    free(s.text);
    free(man);
    free(man2);

    char cmds[4][32];
    CU_ASSERT_EQUAL(commands_of("x\n\nCommands:\n  run   a\n  help [C] b\n  plot  c\n\nOptions:\n", cmds, 4),
                    2);
    CU_ASSERT_STRING_EQUAL(cmds[0], "run");
    CU_ASSERT_STRING_EQUAL(cmds[1], "plot");
}

/* The number of option rows of a help text: lines starting "  -". */
static size_t option_rows(const char *help)
{
    size_t n = 0;
    for (const char *l = help; l != NULL && *l != '\0'; l = strchr(l, '\n'), l = l != NULL ? l + 1 : NULL)
        if (strncmp(l, "  -", 3) == 0)
            n++;
    return n;
}

static void test_options_documented(void)
{
    char *main_help = NULL;
    CU_ASSERT_EQUAL_FATAL(testutil_runf(&main_help, NULL, "--help"), 0);
    char cmds[32][32];
    size_t n_cmds = commands_of(main_help, cmds, 32);
    CU_ASSERT(n_cmds >= 9); /* run sweep merge explain plot calibrate validate profile emulate */
    char *src = testutil_read_file("man/lambdasim.1");
    CU_ASSERT_FATAL(src != NULL);
    if (src == NULL)
        return;
    char *man = man_text(src);
    struct problems p = { NULL, 0, 0 };
    /* The main options: in the man page and the reference index. */
    char *run_ref = testutil_read_file("docs/reference/run.md");
    expect_options(&p, "(main)", main_help, man, "man/lambdasim.1");
    expect_options(&p, "(main)", main_help, run_ref, "docs/reference/run.md");
    free(run_ref);
    for (size_t i = 0; i < n_cmds; i++) {
        char *help = NULL;
        int rc = testutil_runf(&help, NULL, "%s --help", cmds[i]);
        CU_ASSERT_EQUAL(rc, 0);
        char ref_path[256];
        reference_page(cmds[i], ref_path, sizeof ref_path);
        char *ref = testutil_read_file(ref_path);
        size_t n = check_command(&p, cmds[i], help != NULL ? help : "", man, ref, ref_path);
        /* The parser must find at least one long option per option row
         * of the help (a row starts "  -"), or it has stopped seeing them. */
        size_t rows = option_rows(help != NULL ? help : "");
        if (n == 0 || n < rows)
            problem(&p, "lambdasim %s --help: only %zu long options found in %zu option rows", cmds[i], n, rows);
        free(ref);
        free(help);
    }
    CU_ASSERT_EQUAL(p.count, 0);
    report(&p, "option(s) of --help missing from the documentation");
    free(man);
    free(src);
    free(main_help);
}

/* --- drift: scenario fields -------------------------------------------- */

static bool field_char(char c)
{
    return isalnum((unsigned char)c) || c == '_' || c == '.';
}

/* Calls fn(section, field) for every field of the Markdown tables whose
 * header starts "| field", section being the heading above (backticks
 * dropped: "workload", "Top level"). Returns the number of fields. */
static size_t md_fields(const char *md, void (*fn)(void *, const char *, const char *), void *ctx)
{
    char section[128] = "";
    bool in_table = false, in_fence = false;
    size_t n = 0;
    for (const char *s = md; *s != '\0';) {
        const char *e = strchr(s, '\n');
        if (e == NULL)
            e = s + strlen(s);
        if (fence(s, e)) {
            in_fence = !in_fence;
        } else if (!in_fence && *s == '#') {
            const char *h = s;
            while (h < e && *h == '#')
                h++;
            while (h < e && *h == ' ')
                h++;
            size_t k = 0;
            for (; h < e && k + 1 < sizeof section; h++)
                if (*h != '`')
                    section[k++] = *h;
            section[k] = '\0';
            in_table = false;
        } else if (!in_fence && strncmp(s, "| field", 7) == 0) {
            in_table = true;
        } else if (in_table && *s != '|') {
            in_table = false;
        } else if (in_table && strncmp(s, "|---", 4) != 0) {
            const char *cell_end = memchr(s + 1, '|', (size_t)(e - s - 1));
            for (const char *q = s + 1; cell_end != NULL && q < cell_end; q++) {
                if (*q != '`')
                    continue;
                const char *c = memchr(q + 1, '`', (size_t)(cell_end - q - 1));
                if (c == NULL)
                    break;
                char field[128];
                snprintf(field, sizeof field, "%.*s", (int)(c - q - 1), q + 1);
                fn(ctx, section, field);
                n++;
                q = c;
            }
        }
        s = *e != '\0' ? e + 1 : e;
    }
    return n;
}

struct field_check {
    struct problems *p;
    const char *man;       /* the man page, as text */
    const char *heading;   /* NULL: per Markdown section, as .SS <section> */
    const char *page_name; /* for messages */
};

static void check_field(void *ctx, const char *section, const char *field)
{
    struct field_check *fc = ctx;
    char heading[160];
    if (fc->heading != NULL)
        snprintf(heading, sizeof heading, "%s", fc->heading);
    else
        snprintf(heading, sizeof heading, ".SS %s", section);
    char *text = man_section(fc->man, heading, fc->heading == NULL);
    if (text == NULL)
        problem(fc->p, "%s: section '%s' (of field %s) is not in man/lambdasim-scenario.5", fc->page_name,
                heading, field);
    else if (!has_token(text, field, field_char))
        problem(fc->p, "%s: field %s (%s) is not in man/lambdasim-scenario.5 under '%s'", fc->page_name,
                field, section, heading);
    free(text);
}

static void test_field_check_fails(void)
{
    const char *md = "# S\n\n## Top level\n\n| field | type |\n|---|---|\n| `name` | string |\n"
                     "| `stats.mode` | x |\n\nText `not_a_field`.\n\n## `batching`\n\n| field | default |\n"
                     "|---|---|\n| `threshold`, `max_batch` | 1 |\n\n| option | meaning |\n|---|---|\n"
                     "| `--not-a-field` | x |\n";
    char *man = man_text(".SH SCENARIO FILES\n.SS Top level\n.B name\n.B stats.mode\n.SS batching\n"
                         ".B threshold\n.B max_batch\n.SH OTHER\n");
    struct problems p = { NULL, 0, 0 };
    struct field_check fc = { &p, man, NULL, "s.md" };
    CU_ASSERT_EQUAL(md_fields(md, check_field, &fc), 4);
    CU_ASSERT_EQUAL(p.count, 0);
    free(p.text);
    free(man);
    /* max_batch missing, and stats.mode only in the wrong section;
     * "threshold_s" does not count as threshold. */
    man = man_text(".SS Top level\n.B name\n.SS batching\n.B threshold_s\n.B stats.mode\n.SH OTHER\n");
    struct problems q = { NULL, 0, 0 };
    fc = (struct field_check){ &q, man, NULL, "s.md" };
    md_fields(md, check_field, &fc);
    CU_ASSERT_EQUAL(q.count, 3);
    CU_ASSERT(testutil_contains(q.text, "field max_batch (batching)"));
    CU_ASSERT(testutil_contains(q.text, "field stats.mode (Top level)"));
    free(q.text);
    free(man);
}

static void test_fields_documented(void)
{
    char *src = testutil_read_file("man/lambdasim-scenario.5");
    CU_ASSERT_FATAL(src != NULL);
    if (src == NULL)
        return;
    char *man = man_text(src);
    struct problems p = { NULL, 0, 0 };
    const struct {
        const char *page, *heading; /* heading NULL: by section */
        size_t at_least;
    } pages[] = {
        { "docs/reference/scenario.md", NULL, 50 },
        { "docs/reference/models.md", ".SH MODEL PROFILES", 8 },
        { "docs/reference/sweep.md", ".SH SWEEP FILES", 10 },
    };
    for (size_t i = 0; i < sizeof pages / sizeof pages[0]; i++) {
        char *md = testutil_read_file(pages[i].page);
        CU_ASSERT(md != NULL);
        if (md == NULL)
            continue;
        struct field_check fc = { &p, man, pages[i].heading, pages[i].page };
        size_t n = md_fields(md, check_field, &fc);
        if (n < pages[i].at_least)
            problem(&p, "%s: only %zu fields found in its '| field' tables", pages[i].page, n);
        free(md);
    }
    CU_ASSERT_EQUAL(p.count, 0);
    report(&p, "field(s) of the reference missing from man/lambdasim-scenario.5");
    free(man);
    free(src);
}

static void add_tests(CU_pSuite s)
{
    CU_add_test(s, "GitHub heading slugs", test_slugs);
    CU_add_test(s, "a broken link or anchor is found", test_links_checked);
    CU_add_test(s, "every link of the documentation resolves", test_repository_links);
    CU_add_test(s, "a missing option is found", test_option_check_fails);
    CU_add_test(s, "every --help option is in the man page and the reference", test_options_documented);
    CU_add_test(s, "a missing field is found", test_field_check_fails);
    CU_add_test(s, "every scenario, model and sweep field is in the man page", test_fields_documented);
}

int main(void)
{
    return testutil_main("docs", add_tests);
}
