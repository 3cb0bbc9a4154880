/* File names from Content-Disposition, made safe to store and to send back. */
#ifndef KP_FILENAME_H
#define KP_FILENAME_H

#include <stdbool.h>
#include <stddef.h>

#define KP_FILENAME_MAX 255   /* bytes */

enum kp_filename_status {
    KP_FILENAME_OK,
    KP_FILENAME_MISSING,      /* no file name, or nothing left of it once cleaned */
    KP_FILENAME_MALFORMED,    /* not UTF-8 (lib/utf8.h), a NUL, a broken %-escape, another charset */
};

/* The file name of a Content-Disposition header into out (n bytes):
 * filename*=UTF-8'[language]'<percent-encoded> preferred, else
 * filename="..." (or a bare token).  A name that is not UTF-8 is refused,
 * not repaired.  Cleaned: no directory part; the characters that hide or
 * reorder what a person reads are dropped — C0 controls, DEL, C1 controls
 * (U+0080–U+009F), the bidirectional marks, embeddings, overrides and
 * isolates (U+200E, U+200F, U+061C, U+202A–U+202E, U+2066–U+2069) — and so
 * are quotes; leading dots and spaces and trailing spaces trimmed; at most
 * KP_FILENAME_MAX bytes without cutting a character (the extension kept). */
enum kp_filename_status kp_filename_from_disposition(const char *header, char *out, size_t n);

/* Percent-encodes a name for filename*=UTF-8''... (RFC 8187 attr-char kept). */
void kp_filename_encode(const char *name, char *out, size_t n);

/* The Content-Disposition of a download named `name` (an export:
 * "申报列表-2026-2030-1-20261207.csv"): "attachment; filename*=UTF-8''"
 * and the name percent-encoded, cleaned as a received name is, a slash or
 * backslash in it (a batch code may hold one) made '-' rather than cut
 * off as a directory.  A name of which nothing is left is "download". */
#define KP_FILENAME_DISPOSITION_MAX (32 + 3 * KP_FILENAME_MAX)
void kp_filename_attachment(const char *name, char out[KP_FILENAME_DISPOSITION_MAX]);

#endif
