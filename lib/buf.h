/* A growable byte buffer for building text (metrics, CSV, ...). */
#ifndef KP_BUF_H
#define KP_BUF_H

#include <stdbool.h>
#include <stddef.h>

struct kp_buf {
    char  *data;     /* NUL-terminated while not failed; owned */
    size_t len, cap;
    bool   failed;   /* an allocation failed: the content is incomplete */
};

void kp_buf_printf(struct kp_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void kp_buf_append(struct kp_buf *b, const void *data, size_t len);

/* Appends s (valid UTF-8) as a JSON string literal, quoted and escaped as
 * jansson writes it: \" \\ \b \f \n \r \t, other control characters as
 * \u00XX, everything else as it is. */
void kp_buf_json_string(struct kp_buf *b, const char *s);

/* Hands the data to the caller (who frees it) and resets the buffer; NULL if
 * an allocation failed along the way. */
char *kp_buf_take(struct kp_buf *b, size_t *len);

void kp_buf_free(struct kp_buf *b);

#endif
