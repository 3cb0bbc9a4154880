#include <stdint.h>
#include <stdlib.h>
#include <zlib.h>

#include "gzip.h"

enum kp_err kp_gzip(const void *in, size_t len, char **out, size_t *out_len)
{
    if (len > (size_t)1 << 30)
        return KP_E_INVAL;
    z_stream z = { 0 };
    /* windowBits 15 + 16: a gzip header and trailer rather than zlib's */
    if (deflateInit2(&z, Z_BEST_COMPRESSION, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
        return KP_E_NOMEM;
    uLong cap = deflateBound(&z, (uLong)len);   /* room enough for one Z_FINISH */
    char *buf = malloc(cap);
    if (buf == NULL) {
        deflateEnd(&z);
        return KP_E_NOMEM;
    }
    z.next_in = (Bytef *)(uintptr_t)in;         /* zlib's API is not const, but reads only */
    z.avail_in = (uInt)len;
    z.next_out = (Bytef *)buf;
    z.avail_out = (uInt)cap;
    int rc = deflate(&z, Z_FINISH);
    deflateEnd(&z);
    if (rc != Z_STREAM_END) {
        free(buf);
        return KP_E_NOMEM;
    }
    *out = buf;
    *out_len = (size_t)z.total_out;
    return KP_OK;
}
