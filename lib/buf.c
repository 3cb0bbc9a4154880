#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"

static bool reserve(struct kp_buf *b, size_t extra)
{
    if (b->failed)
        return false;
    if (b->len + extra + 1 <= b->cap)
        return true;
    size_t cap = b->cap ? b->cap : 256;
    while (cap < b->len + extra + 1)
        cap *= 2;
    char *d = realloc(b->data, cap);
    if (d == NULL) {
        b->failed = true;
        return false;
    }
    b->data = d;
    b->cap = cap;
    return true;
}

void kp_buf_append(struct kp_buf *b, const void *data, size_t len)
{
    if (!reserve(b, len))
        return;
    memcpy(b->data + b->len, data, len);
    b->len += len;
    b->data[b->len] = '\0';
}

void kp_buf_json_string(struct kp_buf *b, const char *s)
{
    kp_buf_append(b, "\"", 1);
    const char *run = s;                 /* bytes that need no escape, not yet appended */
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c >= 0x20 && c != '"' && c != '\\')
            continue;
        kp_buf_append(b, run, (size_t)(s - run));
        run = s + 1;
        const char *short_form = c == '"' ? "\\\"" : c == '\\' ? "\\\\" : c == '\b' ? "\\b"
                               : c == '\f' ? "\\f" : c == '\n' ? "\\n" : c == '\r' ? "\\r"
                               : c == '\t' ? "\\t" : NULL;
        if (short_form)
            kp_buf_append(b, short_form, 2);
        else
            kp_buf_printf(b, "\\u%04X", c);
    }
    kp_buf_append(b, run, (size_t)(s - run));
    kp_buf_append(b, "\"", 1);
}

void kp_buf_printf(struct kp_buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0 || !reserve(b, (size_t)n))
        return;
    va_start(ap, fmt);
    vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
}

char *kp_buf_take(struct kp_buf *b, size_t *len)
{
    char *d = b->failed ? NULL : b->data;
    if (d == NULL && !b->failed)
        d = calloc(1, 1);              /* an empty buffer is an empty string */
    if (b->failed)
        free(b->data);
    if (len)
        *len = d ? b->len : 0;
    b->data = NULL;
    b->len = b->cap = 0;
    b->failed = false;
    return d;
}

void kp_buf_free(struct kp_buf *b)
{
    free(b->data);
    b->data = NULL;
    b->len = b->cap = 0;
    b->failed = false;
}
