/* A bounded cache of the gzip forms of static files, shared by the worker
 * threads, so each file is compressed once (at its first request) rather
 * than on every one.  Entries are keyed by file path and carry the tag of
 * the file they were made from (its size and modification time): a changed
 * file misses and its new form replaces the old.  Everything an entry holds
 * counts against the bound; the least recently used entries leave first,
 * and a form larger than the whole bound is never kept. */
#ifndef KP_GZCACHE_H
#define KP_GZCACHE_H

#include <stddef.h>

#include "err.h"

struct kp_gzcache;

/* A cache that holds at most max_bytes; NULL when out of memory. */
struct kp_gzcache *kp_gzcache_new(size_t max_bytes);
void kp_gzcache_free(struct kp_gzcache *c);

/* A copy of the form cached for path at tag into *out (*len bytes; caller
 * frees).  KP_E_NOT_FOUND when there is none (or only one of another tag),
 * KP_E_NOMEM. */
enum kp_err kp_gzcache_get(struct kp_gzcache *c, const char *path, const char *tag,
                           char **out, size_t *len);

/* Keeps a copy of data (len bytes) as path's form at tag, in place of any
 * older one, making room by dropping the least recently used.  KP_E_NOMEM;
 * a form that could never fit is not kept, and that is KP_OK. */
enum kp_err kp_gzcache_put(struct kp_gzcache *c, const char *path, const char *tag,
                           const char *data, size_t len);

/* Bytes held now (what counts against the bound). */
size_t kp_gzcache_bytes(struct kp_gzcache *c);

#endif
