/* Bodies made a block at a time on the slow pool (kp_req_pooled_blocks):
 * the one copy of the loop that CSV exports and PDF documents share.  MHD
 * asks for bytes from a position that only grows; the block holding it is
 * made when the last one is used up, so however long the answer, memory
 * holds one block. */

#include <microhttpd.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "server.h"

struct blocks {
    struct kp_buf *out;          /* the last block made: bytes [out_pos, out_pos + out->len) */
    uint64_t out_pos;
    bool end;                    /* out holds the body's last bytes */
    kp_block_next next;
    void *cls;
    void (*free_cls)(void *cls);
};

static void free_blocks(void *cls)
{
    struct blocks *b = cls;
    b->free_cls(b->cls);         /* frees b->out with the rest of the caller's state */
    free(b);
}

static ssize_t fill(void *cls, struct kp_db *db, uint64_t pos, char *out, size_t max)
{
    struct blocks *b = cls;
    if (pos < b->out_pos)
        return -1;               /* MHD reads forward only */
    /* Ends: each call of next moves the body towards *end (its contract). */
    while (pos >= b->out_pos + b->out->len) {
        if (b->end)
            return 0;
        b->out_pos += b->out->len;
        b->out->len = 0;
        if (b->next(b->cls, db, &b->end) != KP_OK || b->out->failed)
            return -1;
    }
    size_t offset = (size_t)(pos - b->out_pos), n = b->out->len - offset;
    if (n > max)
        n = max;
    memcpy(out, b->out->data + offset, n);
    return (ssize_t)n;
}

struct MHD_Response *kp_req_pooled_blocks(struct kp_req *r, struct kp_buf *out, kp_block_next next,
                                          void *cls, void (*free_cls)(void *cls))
{
    struct blocks *b = malloc(sizeof *b);
    if (b == NULL) {
        free_cls(cls);
        return NULL;
    }
    *b = (struct blocks){ .out = out, .next = next, .cls = cls, .free_cls = free_cls };
    return kp_req_pooled_body(r, MHD_SIZE_UNKNOWN, fill, b, free_blocks);
}
