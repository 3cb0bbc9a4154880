/* gzip (RFC 1952) of a buffer in memory, for static files sent compressed. */
#ifndef KP_GZIP_H
#define KP_GZIP_H

#include <stddef.h>

#include "err.h"

/* The gzip member of `len` bytes at `in`, at zlib's best compression, into
 * *out (*out_len bytes; caller frees).  KP_E_INVAL past 1 GiB (zlib counts in
 * 32 bits in one call; static files are far smaller), KP_E_NOMEM when
 * memory runs out. */
enum kp_err kp_gzip(const void *in, size_t len, char **out, size_t *out_len);

#endif
