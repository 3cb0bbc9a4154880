/* What a file is, by its first bytes: an upload is accepted only when its
 * content is what its Content-Type says. */
#ifndef KP_MAGIC_H
#define KP_MAGIC_H

#include <stdbool.h>
#include <stddef.h>

/* Bytes needed to decide (fewer are enough for a shorter file). */
#define KP_MAGIC_PREFIX 12

/* Whether the first bytes of a file (`n` of them, at most KP_MAGIC_PREFIX
 * looked at) match `content_type`: application/pdf (%PDF-), image/png,
 * image/jpeg (FF D8 FF), video/mp4 ("ftyp" at offset 4).  Other types: false. */
bool kp_magic_matches(const char *content_type, const unsigned char *head, size_t n);

#endif
