/* test_repo: the repository is self-contained. No tracked file points at the
 * notes the project started from, kept beside it (the `outside` list), no
 * Markdown link or path and no path in a JSON file climbs above the root, and every
 * reference to a section of a Markdown file (docs/<page>.md#<anchor>, or a link)
 * finds its file and heading. Run from the repository root, as `make test`
 * does. */
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
#include "base/xalloc.h"

/* Fragments that name the project's private notes, with '^' for '/' so that
 * neither this file nor its binary contains them (see unhat). */
static const char *const outside[] = { "..^shared", "shared^reference", "shared^paper" };

/* `s` with every '^' made a '/', into buf (cap bytes); returns buf. */
static char *unhat(const char *s, char *buf, size_t cap)
{
    size_t i = 0;
    for (; s[i] != '\0' && i + 1 < cap; i++)
        buf[i] = s[i] == '^' ? '/' : s[i];
    buf[i] = '\0';
    return buf;
}

struct problems {
    char text[8192]; /* the first problems, one per line */
    int count;
};

static void problem(struct problems *p, const char *path, int line, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void problem(struct problems *p, const char *path, int line, const char *fmt, ...)
{
    size_t n = strlen(p->text);
    if (n + 1 < sizeof p->text) {
        int w = snprintf(p->text + n, sizeof p->text - n, "  %s:%d: ", path, line);
        n = w > 0 ? strlen(p->text) : n;
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(p->text + n, sizeof p->text - n, fmt, ap);
        va_end(ap);
        n = strlen(p->text);
        snprintf(p->text + n, sizeof p->text - n, "\n");
    }
    p->count++;
}

/* Characters of a path as the checks read it. */
static bool path_char(char c)
{
    return c != '\0' && (isalnum((unsigned char)c) || strchr("_.-/~", c) != NULL);
}

/* Resolves `rel` against `dir` (both relative to the root; "" is the root),
 * lexically, into `out`. False if the path climbs above the root. */
static bool resolve(const char *dir, const char *rel, char *out, size_t len)
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
        int w = snprintf(out + n, len - n, "%s%s", n > 0 ? "/" : "", c);
        if (w < 0 || (size_t)w >= len - n)
            return true; /* too long to follow; not an escape */
        n += (size_t)w;
    }
    return true;
}

/* GitHub's anchor for a heading: lower case; letters, digits, '_' and '-'
 * kept; a space becomes '-'; everything else (punctuation, non-ASCII) goes. */
static void slug(const char *heading, size_t len, char *out, size_t cap)
{
    size_t n = 0;
    for (size_t i = 0; i < len && n + 1 < cap; i++) {
        unsigned char c = (unsigned char)heading[i];
        if (c < 128 && isalnum(c))
            out[n++] = (char)tolower(c);
        else if (c == ' ' || c == '-')
            out[n++] = '-';
        else if (c == '_')
            out[n++] = '_';
    }
    out[n] = '\0';
}

/* The line [s, e) opens or closes a fenced code block. */
static bool fence(const char *s, const char *e)
{
    size_t i = 0, n = (size_t)(e - s);
    while (i < n && (s[i] == ' ' || s[i] == '\t'))
        i++;
    return i + 3 <= n && (strncmp(s + i, "```", 3) == 0 || strncmp(s + i, "~~~", 3) == 0);
}

/* Whether the Markdown text has a heading (or an <a id/name>) whose anchor
 * is `anchor`; the k-th repeat of a heading gets "-k", as on GitHub. */
static bool has_anchor(const char *md, const char *anchor)
{
    char html[300];
    snprintf(html, sizeof html, "id=\"%s\"", anchor);
    if (strstr(md, html) != NULL)
        return true;
    snprintf(html, sizeof html, "name=\"%s\"", anchor);
    if (strstr(md, html) != NULL)
        return true;
    char seen[512][128]; /* the headings' slugs so far */
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
            while (t > h && (t[-1] == ' ' || t[-1] == '\r'))
                t--;
            char sl[128], final[160];
            slug(h + 1, (size_t)(t - h - 1), sl, sizeof sl);
            int repeats = 0;
            for (size_t i = 0; i < n_seen; i++)
                repeats += strcmp(seen[i], sl) == 0;
            if (repeats == 0)
                snprintf(final, sizeof final, "%s", sl);
            else
                snprintf(final, sizeof final, "%s-%d", sl, repeats);
            found = strcmp(final, anchor) == 0;
            if (n_seen < sizeof seen / sizeof seen[0])
                memcpy(seen[n_seen++], sl, sizeof sl);
        }
        s = *e != '\0' ? e + 1 : e;
    }
    return found;
}

/* A whole file; NULL if unreadable. *len gets its size. */
static char *read_all(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return NULL;
    size_t cap = 65536, n = 0, got;
    char *buf = xmalloc(cap + 1);
    while ((got = fread(buf + n, 1, cap - n, f)) > 0) {
        n += got;
        if (n == cap) {
            cap *= 2;
            buf = xrealloc(buf, cap + 1);
        }
    }
    fclose(f);
    buf[n] = '\0';
    *len = n;
    return buf;
}

/* A reference to root-relative Markdown file `md` (and section `anchor`,
 * may be empty) must find them. */
static void check_section(struct problems *p, const char *path, int line, const char *md,
                          const char *anchor)
{
    size_t len;
    char *text = read_all(md, &len);
    if (text == NULL) {
        problem(p, path, line, "'%s' does not exist", md);
        return;
    }
    if (anchor[0] != '\0' && !has_anchor(text, anchor))
        problem(p, path, line, "'%s' has no section '#%s'", md, anchor);
    free(text);
}

/* Checks one file (`path` relative to the root, `text` its content). */
static void check_text(struct problems *p, const char *path, const char *text)
{
    char dir[1024];
    snprintf(dir, sizeof dir, "%s", path);
    char *slash = strrchr(dir, '/');
    if (slash != NULL)
        *slash = '\0';
    else
        dir[0] = '\0';
    size_t plen = strlen(path);
    bool md = plen > 3 && strcmp(path + plen - 3, ".md") == 0;
    bool json = plen > 5 && strcmp(path + plen - 5, ".json") == 0;
    bool in_fence = false;
    int line = 1;
    size_t cap = 0;
    char *buf = NULL; /* the current line, whatever its length */
    for (const char *s = text; *s != '\0'; line++) {
        const char *e = strchr(s, '\n');
        if (e == NULL)
            e = s + strlen(s);
        size_t n = (size_t)(e - s);
        buf = xgrow(buf, &cap, n + 1, 1);
        memcpy(buf, s, n);
        buf[n] = '\0';
        s = *e != '\0' ? e + 1 : e;
        bool is_fence = md && fence(buf, buf + n);
        if (is_fence)
            in_fence = !in_fence;

        for (size_t i = 0; i < sizeof outside / sizeof outside[0]; i++) {
            char frag[64];
            if (strstr(buf, unhat(outside[i], frag, sizeof frag)) != NULL) {
                problem(p, path, line, "refers to '%s', outside the repository", frag);
                break;
            }
        }

        /* Paths: in JSON anywhere, in Markdown outside code blocks (whose
         * commands run from elsewhere) and outside links (checked below).
         * A relative path with a ".." is resolved from the file's
         * directory. */
        if (json || (md && !in_fence && !is_fence)) {
            for (char *q = buf; *q != '\0';) {
                if (!path_char(*q)) {
                    q++;
                    continue;
                }
                char tok[1024], out[1024];
                size_t k = 0;
                bool link = md && q - buf >= 2 && q[-1] == '(' && q[-2] == ']';
                while (path_char(q[k]) && k + 1 < sizeof tok) {
                    tok[k] = q[k];
                    k++;
                }
                tok[k] = '\0';
                q += k;
                while (path_char(*q))
                    q++;
                if (!link && tok[0] != '/' && tok[0] != '~' && strstr(tok, "../") != NULL
                    && !resolve(dir, tok, out, sizeof out))
                    problem(p, path, line, "'%s' leaves the repository (from %s/)", tok,
                            dir[0] != '\0' ? dir : ".");
            }
        }
        /* Markdown links: inside the repository; a linked .md file exists,
         * with the linked section. */
        if (md && !in_fence && !is_fence) {
            for (char *q = strstr(buf, "]("); q != NULL; q = strstr(q + 1, "](")) {
                char target[1024], out[1024];
                size_t k = 0;
                const char *t = q + 2;
                while (t[k] != '\0' && t[k] != ')' && t[k] != ' ' && k + 1 < sizeof target) {
                    target[k] = t[k];
                    k++;
                }
                target[k] = '\0';
                if (target[0] == '\0' || target[0] == '#' || target[0] == '/'
                    || strstr(target, "://") != NULL || strncmp(target, "mailto:", 7) == 0)
                    continue;
                char *hash = strchr(target, '#');
                const char *anchor = "";
                if (hash != NULL) {
                    *hash = '\0';
                    anchor = hash + 1;
                }
                if (!resolve(dir, target, out, sizeof out))
                    problem(p, path, line, "link '%s' leaves the repository (from %s/)", target,
                            dir[0] != '\0' ? dir : ".");
                else if (strlen(out) > 3 && strcmp(out + strlen(out) - 3, ".md") == 0)
                    check_section(p, path, line, out, anchor);
            }
        }
        /* Citations in any file: "docs/<page>.md#<section>", from the root (not
         * part of a longer path, nor a Markdown link, checked above). */
        for (char *q = strstr(buf, "docs/"); q != NULL; q = strstr(q + 1, "docs/")) {
            if (q > buf && (path_char(q[-1]) || (q[-1] == '(' && q - 1 > buf && q[-2] == ']')))
                continue;
            char ref[1024];
            size_t k = 0;
            while ((path_char(q[k]) || q[k] == '#') && k + 1 < sizeof ref) {
                ref[k] = q[k];
                k++;
            }
            ref[k] = '\0';
            char *hash = strstr(ref, ".md#");
            if (hash == NULL)
                continue;
            hash[3] = '\0';
            /* a sentence may end right after the anchor */
            char *anchor = hash + 4;
            size_t alen = strlen(anchor);
            while (alen > 0 && (anchor[alen - 1] == '.' || anchor[alen - 1] == '-'))
                anchor[--alen] = '\0';
            if (alen > 0 && strchr(anchor, '#') == NULL)
                check_section(p, path, line, ref, anchor);
        }
    }
    free(buf);
}

/* --- the files to check ------------------------------------------------ */

struct file_list {
    char **path;
    size_t n, cap;
};

static void list_add(struct file_list *l, const char *path)
{
    l->path = xgrow(l->path, &l->cap, l->n + 1, sizeof *l->path);
    l->path[l->n++] = xstrdup(path);
}

/* Every file under `dir`, skipping .git and build/ (no git available). */
static void walk(struct file_list *l, const char *dir)
{
    DIR *d = opendir(dir[0] != '\0' ? dir : ".");
    if (d == NULL)
        return;
    struct dirent *de;
    while ((de = readdir(d)) != NULL) {
        if (de->d_name[0] == '.' && (de->d_name[1] == '\0' || strcmp(de->d_name, "..") == 0
                                     || strcmp(de->d_name, ".git") == 0))
            continue;
        if (dir[0] == '\0' && strcmp(de->d_name, "build") == 0)
            continue;
        char path[4096];
        snprintf(path, sizeof path, "%s%s%s", dir, dir[0] != '\0' ? "/" : "", de->d_name);
        struct stat st;
        if (lstat(path, &st) != 0)
            continue;
        if (S_ISDIR(st.st_mode))
            walk(l, path);
        else if (S_ISREG(st.st_mode))
            list_add(l, path);
    }
    closedir(d);
}

/* The tracked files (git ls-files), or every file when git cannot say
 * (an unpacked release tarball). Unusual names, which git quotes, are
 * skipped; the repository has none. */
static void list_files(struct file_list *l)
{
    char *out = NULL;
    if (testutil_run("git ls-files 2>/dev/null", &out, NULL) == 0 && out != NULL) {
        char *save = NULL;
        for (char *path = strtok_r(out, "\n", &save); path != NULL; path = strtok_r(NULL, "\n", &save))
            if (testutil_exists(path))
                list_add(l, path);
    }
    free(out);
    if (l->n == 0)
        walk(l, "");
}

/* --- tests ------------------------------------------------------------- */

static int problems_in(const char *path, const char *text)
{
    struct problems p = { "", 0 };
    check_text(&p, path, text);
    return p.count;
}

/* problems_in with '^' read as '/' in the text (see outside). */
static int problems_in_hat(const char *path, const char *text)
{
    char buf[256];
    return problems_in(path, unhat(text, buf, sizeof buf));
}

static void test_shared_notes(void)
{
    CU_ASSERT_EQUAL(problems_in_hat("README.md", "summarised in `..^shared^paper.md`"), 2);
    CU_ASSERT_EQUAL(problems_in_hat("plots/x.csv", "# source: ..^shared^paper.md"), 1);
    CU_ASSERT_EQUAL(problems_in_hat("src/core/x.c", "/* lambda facts: shared^reference^x.md */"), 1);
    /* Inside a code block too: the notes are never the project's. */
    CU_ASSERT_EQUAL(problems_in_hat("docs/a.md", "```\ncat ..^shared^x\n```\n"), 1);
    CU_ASSERT_EQUAL(problems_in("docs/a.md", "shared objects, a shared/other path\n"), 0);
}

static void test_markdown_paths(void)
{
    /* From docs/, one ../ reaches the root; two leave it. */
    CU_ASSERT_EQUAL(problems_in("docs/a.md", "see [x](../../elsewhere/y.png)\n"), 1);
    CU_ASSERT_EQUAL(problems_in("docs/a.md", "see [x](../plots/out/y.png)\n"), 0);
    CU_ASSERT_EQUAL(problems_in("docs/a.md", "see `../../notes/x.txt`\n"), 1);
    CU_ASSERT_EQUAL(problems_in("README.md", "see (`../notes/x.txt`)\n"), 1);
    CU_ASSERT_EQUAL(problems_in("README.md", "[x](docs/../../y.md)\n"), 1);
    /* Examples in code blocks run from elsewhere (a scenario's directory). */
    CU_ASSERT_EQUAL(problems_in("README.md", "```json\n\"file\": \"../traces/a.csv\"\n```\n"), 0);
    CU_ASSERT_EQUAL(problems_in("README.md", "  ~~~\n../../x\n  ~~~\nand ../x\n"), 1);
    /* Relative to tests/bad_inputs/, ../bad is inside. */
    CU_ASSERT_EQUAL(problems_in("tests/bad_inputs/README.md", "`--set function.model=../bad/m.json`"), 0);
    CU_ASSERT_EQUAL(problems_in("README.md", "[site](https://example.org/../x) [top](#two)"), 0);
    /* Each line is read on its own: no leftovers of a longer line before it. */
    CU_ASSERT_EQUAL(problems_in("README.md", "a long line with `../notes/x.txt` in it\n4).\n"), 1);
}

static void test_json_paths(void)
{
    CU_ASSERT_EQUAL(problems_in("tests/bad/s.json", "{\"model\": \"../data/m.json\"}"), 0);
    CU_ASSERT_EQUAL(problems_in("scenarios/emulate/s.json", "{\"model\": \"../../models/m.json\"}"), 0);
    CU_ASSERT_EQUAL(problems_in("scenarios/s.json", "{\"model\": \"../../models/m.json\"}"), 1);
    CU_ASSERT_EQUAL(problems_in("m.json", "{\"model\": \"./../m.json\"}"), 1);
    char long_line[6000];
    memset(long_line, 'x', 5000);
    snprintf(long_line + 5000, sizeof long_line - 5000, " \"../../m.json\"");
    CU_ASSERT_EQUAL(problems_in("models/m.json", long_line), 1);
    /* C sources are not checked for ../: their paths are relative to
     * wherever the program runs. */
    CU_ASSERT_EQUAL(problems_in("src/analysis/plot.c", "\"/../plots\", \"../../traces/a.csv\""), 0);
}

static void test_sections(void)
{
    /* The sections exist (checked against the real docs/lambda-facts.md). */
    CU_ASSERT_EQUAL(problems_in("README.md", "[f](docs/lambda-facts.md#keep-alive)"), 0);
    CU_ASSERT_EQUAL(problems_in("docs/a.md", "[f](lambda-facts.md#memory-and-cpu)"), 0);
    CU_ASSERT_EQUAL(problems_in("README.md", "[f](docs/lambda-facts.md#no-such-section)"), 1);
    CU_ASSERT_EQUAL(problems_in("README.md", "[f](docs/no-such-page.md)"), 1);
    CU_ASSERT_EQUAL(problems_in("src/core/x.c", "/* (docs/" "lambda-facts.md#keep-alive). */"), 0);
    CU_ASSERT_EQUAL(problems_in("src/core/x.c", "/* (docs/" "lambda-facts.md#keep-alive-s) */"), 1);
    CU_ASSERT_EQUAL(problems_in("m.json", "\"see docs/" "lambda-facts.md#pricing.\""), 0);
    CU_ASSERT_EQUAL(problems_in("m.json", "\"see docs/" "no-such-page.md#pricing\""), 1);

    char s[300];
    const char *h1 = "Host contention: `platform.host_cores`";
    slug(h1, strlen(h1), s, sizeof s);
    CU_ASSERT_STRING_EQUAL(s, "host-contention-platformhost_cores");
    const char *h2 = "3. Provisioned concurrency \xc3\x97 warm-up";
    slug(h2, strlen(h2), s, sizeof s);
    CU_ASSERT_STRING_EQUAL(s, "3-provisioned-concurrency--warm-up");
    const char *md = "# A\n## Notes\n```\n## Fake\n```\n### Notes\n";
    CU_ASSERT(has_anchor(md, "a"));
    CU_ASSERT(has_anchor(md, "notes"));
    CU_ASSERT(has_anchor(md, "notes-1"));
    CU_ASSERT(!has_anchor(md, "notes-2"));
    CU_ASSERT(!has_anchor(md, "fake"));
}

/* The real thing: every tracked file. */
static void test_repository(void)
{
    struct file_list l = { NULL, 0, 0 };
    list_files(&l);
    struct problems p = { "", 0 };
    size_t text_files = 0;
    bool readme = false;
    for (size_t i = 0; i < l.n; i++) {
        size_t len;
        char *text = read_all(l.path[i], &len);
        if (text != NULL && memchr(text, '\0', len) == NULL) { /* skip binary files */
            check_text(&p, l.path[i], text);
            text_files++;
            readme = readme || strcmp(l.path[i], "README.md") == 0;
        }
        free(text);
        free(l.path[i]);
    }
    free(l.path);
    if (p.count > 0)
        fprintf(stderr, "\n%d reference(s) outside the repository or to missing sections:\n%s", p.count,
                p.text);
    CU_ASSERT_EQUAL(p.count, 0);
    CU_ASSERT(readme);
    CU_ASSERT(text_files > 100);
}

static void add_tests(CU_pSuite s)
{
    CU_add_test(s, "the project's private notes are never cited", test_shared_notes);
    CU_add_test(s, "Markdown paths and links stay inside the root", test_markdown_paths);
    CU_add_test(s, "JSON paths stay inside the root", test_json_paths);
    CU_add_test(s, "cited Markdown sections exist", test_sections);
    CU_add_test(s, "no tracked file refers outside the repository", test_repository);
}

int main(void)
{
    return testutil_main("repo", add_tests);
}
