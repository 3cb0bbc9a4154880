/* File names from Content-Disposition, made safe to store and to send back. */
#ifndef KP_FILENAME_H
#define KP_FILENAME_H

#include <stdbool.h>
#include <stddef.h>

#define KP_FILENAME_MAX 255   /* bytes */

/* The file name of a Content-Disposition header: filename*=UTF-8''<percent-
 * encoded> preferred, else filename="..." (or a bare token).  Sanitised:
 * valid UTF-8 only, no directory part, no control characters, no quotes or
 * backslashes, trimmed, at most KP_FILENAME_MAX bytes without cutting a
 * character (the extension kept).  false when the header has none or
 * nothing is left. */
bool kp_filename_from_disposition(const char *header, char *out, size_t n);

/* Percent-encodes a name for filename*=UTF-8''... (RFC 8187 attr-char kept). */
void kp_filename_encode(const char *name, char *out, size_t n);

#endif
