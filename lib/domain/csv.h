/* CSV as spreadsheets write it (RFC 4180): UTF-8, an optional byte-order
 * mark, comma-separated, fields optionally in double quotes (a quote inside
 * doubled), CRLF or LF line ends. */
#ifndef KP_CSV_H
#define KP_CSV_H

#include <stddef.h>

#include <stdbool.h>

#include "buf.h"
#include "err.h"

#define KP_CSV_MAX_FIELDS 16

/* Called for each record with its first line number (1-based) and its
 * fields (valid until the callback returns).  Blank lines are skipped.
 * Return KP_OK to go on. */
typedef enum kp_err (*kp_csv_record)(void *arg, unsigned line, const char *const *fields,
                                     size_t nfields);

/* Parses `len` bytes.  KP_E_INVAL with `why` (naming the line) for an
 * unterminated quote, a record with more than KP_CSV_MAX_FIELDS fields, or
 * invalid UTF-8; whatever the callback returns otherwise. */
enum kp_err kp_csv_parse(const char *text, size_t len, kp_csv_record cb, void *arg,
                         char *why, size_t why_len);

/* Appends one cell as Excel should show it: quoted (a quote inside
 * doubled), and text that would start a formula (= + - @, or a tab or CR
 * before one) made plain with a leading '; then a comma, or CRLF after the
 * `last` cell of a row. */
void kp_csv_cell(struct kp_buf *b, const char *text, bool last);

#endif
