/* outfile: whole-or-nothing output files (temporary file + rename). */
#include "outfile.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "xalloc.h"

int outfile_open(struct outfile *o, const char *path, bool replace, char *msg, size_t len)
{
    memset(o, 0, sizeof *o);
    struct stat st;
    if (stat(path, &st) == 0) {
        if (S_ISDIR(st.st_mode)) {
            snprintf(msg, len, "%s: is a directory", path);
            return -1;
        }
        if (!replace) {
            snprintf(msg, len, "%s: already exists; pass --force to replace it", path);
            return -1;
        }
    }
    size_t n = strlen(path) + 16;
    o->tmp_path = xmalloc(n);
    snprintf(o->tmp_path, n, "%s.tmpXXXXXX", path);
    int fd = mkstemp(o->tmp_path);
    if (fd < 0) {
        snprintf(msg, len, "%s: cannot create: %s", path, strerror(errno));
        free(o->tmp_path);
        o->tmp_path = NULL;
        return -1;
    }
    /* mkstemp creates 0600; output files get the usual 0644 less umask. */
    mode_t mask = umask(0);
    umask(mask);
    (void)fchmod(fd, 0666 & ~mask);
    o->f = fdopen(fd, "w");
    if (o->f == NULL) {
        snprintf(msg, len, "%s: cannot open: %s", path, strerror(errno));
        close(fd);
        unlink(o->tmp_path);
        free(o->tmp_path);
        o->tmp_path = NULL;
        return -1;
    }
    o->path = xstrdup(path);
    return 0;
}

int outfile_commit(struct outfile *o, char *msg, size_t len)
{
    int rc = 0;
    if (o->f == NULL)
        return 0;
    bool bad = ferror(o->f) != 0;
    if (fflush(o->f) != 0 || bad) {
        snprintf(msg, len, "%s: write failed: %s", o->path, strerror(errno));
        rc = -1;
    }
    if (fclose(o->f) != 0 && rc == 0) {
        snprintf(msg, len, "%s: write failed: %s", o->path, strerror(errno));
        rc = -1;
    }
    o->f = NULL;
    if (rc == 0 && rename(o->tmp_path, o->path) != 0) {
        snprintf(msg, len, "%s: cannot rename into place: %s", o->path, strerror(errno));
        rc = -1;
    }
    if (rc != 0)
        unlink(o->tmp_path);
    free(o->tmp_path);
    free(o->path);
    o->tmp_path = o->path = NULL;
    return rc;
}

void outfile_abort(struct outfile *o)
{
    if (o->f != NULL) {
        fclose(o->f);
        o->f = NULL;
    }
    if (o->tmp_path != NULL)
        unlink(o->tmp_path);
    free(o->tmp_path);
    free(o->path);
    o->tmp_path = o->path = NULL;
}
