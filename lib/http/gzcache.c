#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "gzcache.h"

/* One cached form in one allocation: this header, then the data, the path
 * and the tag. */
struct entry {
    struct entry *prev, *next;      /* most recently used first */
    const char *path, *tag;         /* inside this allocation */
    size_t len;                     /* of data */
    size_t cost;                    /* of the whole allocation */
    char data[];
};

/* A web root holds tens of files, so a list searched from the front (where
 * the busy ones are) does; it doubles as the order of eviction. */
struct kp_gzcache {
    pthread_mutex_t lock;
    struct entry *head, *tail;
    size_t bytes, max;
};

struct kp_gzcache *kp_gzcache_new(size_t max_bytes)
{
    struct kp_gzcache *c = calloc(1, sizeof *c);
    if (c == NULL)
        return NULL;
    pthread_mutex_init(&c->lock, NULL);
    c->max = max_bytes;
    return c;
}

void kp_gzcache_free(struct kp_gzcache *c)
{
    if (c == NULL)
        return;
    for (struct entry *e = c->head, *next; e != NULL; e = next) {
        next = e->next;
        free(e);
    }
    pthread_mutex_destroy(&c->lock);
    free(c);
}

static void unlink_entry(struct kp_gzcache *c, struct entry *e)
{
    *(e->prev ? &e->prev->next : &c->head) = e->next;
    *(e->next ? &e->next->prev : &c->tail) = e->prev;
    e->prev = e->next = NULL;
}

static void push_front(struct kp_gzcache *c, struct entry *e)
{
    e->prev = NULL;
    e->next = c->head;
    *(c->head ? &c->head->prev : &c->tail) = e;
    c->head = e;
}

static struct entry *find(struct kp_gzcache *c, const char *path)
{
    for (struct entry *e = c->head; e != NULL; e = e->next)
        if (strcmp(e->path, path) == 0)
            return e;
    return NULL;
}

static void drop(struct kp_gzcache *c, struct entry *e)
{
    unlink_entry(c, e);
    c->bytes -= e->cost;
    free(e);
}

enum kp_err kp_gzcache_get(struct kp_gzcache *c, const char *path, const char *tag,
                           char **out, size_t *len)
{
    enum kp_err err = KP_E_NOT_FOUND;
    pthread_mutex_lock(&c->lock);
    struct entry *e = find(c, path);
    if (e != NULL && strcmp(e->tag, tag) == 0) {
        char *copy = malloc(e->len ? e->len : 1);
        if (copy == NULL) {
            err = KP_E_NOMEM;
        } else {
            memcpy(copy, e->data, e->len);
            *out = copy;
            *len = e->len;
            unlink_entry(c, e);
            push_front(c, e);
            err = KP_OK;
        }
    }
    pthread_mutex_unlock(&c->lock);
    return err;
}

enum kp_err kp_gzcache_put(struct kp_gzcache *c, const char *path, const char *tag,
                           const char *data, size_t len)
{
    size_t path_len = strlen(path) + 1, tag_len = strlen(tag) + 1;
    size_t cost = sizeof(struct entry) + len + path_len + tag_len;
    struct entry *e = NULL;
    if (cost <= c->max) {
        if ((e = malloc(cost)) == NULL)
            return KP_E_NOMEM;
        memcpy(e->data, data, len);
        e->path = memcpy(e->data + len, path, path_len);
        e->tag = memcpy(e->data + len + path_len, tag, tag_len);
        e->len = len;
        e->cost = cost;
    }
    pthread_mutex_lock(&c->lock);
    struct entry *old = find(c, path);
    if (old != NULL)                            /* stale, or the same put twice */
        drop(c, old);
    if (e != NULL) {
        while (c->bytes + cost > c->max)
            drop(c, c->tail);                   /* cost <= max: the list empties first */
        push_front(c, e);
        c->bytes += cost;
    }
    pthread_mutex_unlock(&c->lock);
    return KP_OK;
}

size_t kp_gzcache_bytes(struct kp_gzcache *c)
{
    pthread_mutex_lock(&c->lock);
    size_t bytes = c->bytes;
    pthread_mutex_unlock(&c->lock);
    return bytes;
}
