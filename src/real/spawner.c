/* spawner: worker starts on a thread of their own; see spawner.h. */
#define _GNU_SOURCE /* EFD_CLOEXEC */
#include "real/spawner.h"

#include <assert.h>
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "base/xalloc.h"

struct spawn_node {
    struct spawn_request req;
    struct spawn_result res;
    struct spawn_node *next;
};

/* A FIFO of nodes. */
struct spawn_list {
    struct spawn_node *head, *tail;
};

struct spawner {
    pthread_t thread;
    pthread_mutex_t lock;
    pthread_cond_t work;        /* todo gained a node, or quit */
    pthread_cond_t finished;    /* done gained a node */
    struct spawn_list todo, done;
    bool quit;
    int efd;                    /* counts done's nodes: readable while done is not empty */
};

static void list_push(struct spawn_list *l, struct spawn_node *n)
{
    n->next = NULL;
    if (l->tail != NULL)
        l->tail->next = n;
    else
        l->head = n;
    l->tail = n;
}

/* Unlinks n, which follows prev (NULL: n is the head). */
static void list_unlink(struct spawn_list *l, struct spawn_node *prev, struct spawn_node *n)
{
    if (prev != NULL)
        prev->next = n->next;
    else
        l->head = n->next;
    if (l->tail == n)
        l->tail = prev;
    n->next = NULL;
}

static void *spawner_main(void *arg)
{
    struct spawner *sp = arg;
    pthread_mutex_lock(&sp->lock);
    for (;;) {
        while (sp->todo.head == NULL && !sp->quit)
            pthread_cond_wait(&sp->work, &sp->lock);
        if (sp->todo.head == NULL)
            break; /* quit, and nothing left to start */
        struct spawn_node *n = sp->todo.head;
        list_unlink(&sp->todo, NULL, n);
        pthread_mutex_unlock(&sp->lock);
        const struct spawn_request *q = &n->req;
        n->res.key = q->key;
        n->res.rc = worker_client_start_in(&n->res.w, q->worker_path, q->weights_path, q->extra_init_ms,
                                           q->cgroup_procs[0] != '\0' ? q->cgroup_procs : NULL, q->cpu_share,
                                           n->res.msg, sizeof n->res.msg);
        pthread_mutex_lock(&sp->lock);
        list_push(&sp->done, n);
        /* Under the lock, as take's reset is: the count and the list agree. */
        uint64_t one = 1;
        ssize_t w = write(sp->efd, &one, sizeof one);
        (void)w; /* cannot fail short of a counter at 2^64 - 1 */
        pthread_cond_broadcast(&sp->finished);
    }
    pthread_mutex_unlock(&sp->lock);
    return NULL;
}

int spawner_create(struct spawner **out, char *msg, size_t msg_len)
{
    *out = NULL;
    struct spawner *sp = xcalloc(1, sizeof *sp);
    sp->efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    if (sp->efd < 0) {
        worker_set_msg(msg, msg_len, "eventfd: %s", strerror(errno));
        free(sp);
        return -1;
    }
    pthread_mutex_init(&sp->lock, NULL);
    pthread_cond_init(&sp->work, NULL);
    pthread_cond_init(&sp->finished, NULL);
    /* The thread takes no signals: SIGINT and SIGTERM are the loop's. */
    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_BLOCK, &all, &old);
    int rc = pthread_create(&sp->thread, NULL, spawner_main, sp);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (rc != 0) {
        worker_set_msg(msg, msg_len, "cannot start the worker-starting thread: %s", strerror(rc));
        pthread_cond_destroy(&sp->finished);
        pthread_cond_destroy(&sp->work);
        pthread_mutex_destroy(&sp->lock);
        close(sp->efd);
        free(sp);
        return -1;
    }
    *out = sp;
    return 0;
}

int spawner_fd(const struct spawner *sp)
{
    return sp->efd;
}

void spawner_submit(struct spawner *sp, const struct spawn_request *req)
{
    struct spawn_node *n = xcalloc(1, sizeof *n);
    n->req = *req;
    n->res.w.pid = -1;
    n->res.w.fd = -1;
    pthread_mutex_lock(&sp->lock);
    assert(!sp->quit);
    list_push(&sp->todo, n);
    pthread_cond_signal(&sp->work);
    pthread_mutex_unlock(&sp->lock);
}

/* Moves node n (after prev in done) to *out and frees it; the lock held. */
static void take_node(struct spawner *sp, struct spawn_node *prev, struct spawn_node *n, struct spawn_result *out)
{
    list_unlink(&sp->done, prev, n);
    *out = n->res;
    free(n);
    if (sp->done.head == NULL) {
        uint64_t count;
        ssize_t r = read(sp->efd, &count, sizeof count);
        (void)r; /* EAGAIN when already 0 */
    }
}

int spawner_take(struct spawner *sp, struct spawn_result *out)
{
    pthread_mutex_lock(&sp->lock);
    int got = sp->done.head != NULL;
    if (got)
        take_node(sp, NULL, sp->done.head, out);
    pthread_mutex_unlock(&sp->lock);
    return got;
}

void spawner_wait(struct spawner *sp, uint64_t key, struct spawn_result *out)
{
    pthread_mutex_lock(&sp->lock);
    for (;;) {
        struct spawn_node *prev = NULL;
        for (struct spawn_node *n = sp->done.head; n != NULL; prev = n, n = n->next)
            if (n->res.key == key) {
                take_node(sp, prev, n, out);
                pthread_mutex_unlock(&sp->lock);
                return;
            }
        pthread_cond_wait(&sp->finished, &sp->lock);
    }
}

void spawner_destroy(struct spawner *sp)
{
    if (sp == NULL)
        return;
    pthread_mutex_lock(&sp->lock);
    sp->quit = true;
    pthread_cond_signal(&sp->work);
    pthread_mutex_unlock(&sp->lock);
    pthread_join(sp->thread, NULL);
    /* Started but never taken: nobody else will stop them. */
    struct spawn_result r;
    while (spawner_take(sp, &r))
        if (r.rc == 0)
            (void)worker_client_stop(&r.w, 0);
    pthread_cond_destroy(&sp->finished);
    pthread_cond_destroy(&sp->work);
    pthread_mutex_destroy(&sp->lock);
    close(sp->efd);
    free(sp);
}
