#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "appstate.h"
#include "buf.h"
#include "certificate.h"

bool kp_cert_no_format(int year, int seq, char out[KP_CERT_NO_LEN])
{
    out[0] = '\0';
    if (year < 2000 || year > 2100 || seq < 1 || seq > KP_CERT_SEQ_MAX)
        return false;
    int n = snprintf(out, KP_CERT_NO_LEN, "KPJD-%04d-%06d", year, seq);
    assert(n == KP_CERT_NO_LEN - 1);
    (void)n;
    return true;
}

static bool digits(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (s[i] < '0' || s[i] > '9')
            return false;
    return true;
}

bool kp_cert_no_parse(const char *no, int *year, int *seq)
{
    if (strlen(no) != KP_CERT_NO_LEN - 1 || memcmp(no, "KPJD-", 5) != 0 || no[9] != '-' ||
        !digits(no + 5, 4) || !digits(no + 10, 6))
        return false;
    int y = atoi(no + 5), s = atoi(no + 10);
    if (y < 2000 || y > 2100 || s < 1)
        return false;
    *year = y;
    *seq = s;
    return true;
}

bool kp_cert_range(int last, long long n, int *first)
{
    assert(last >= 0 && last <= KP_CERT_SEQ_MAX && n >= 1);
    if (n > KP_CERT_SEQ_MAX - last)
        return false;
    *first = last + 1;
    return true;
}

/* s as a JSON string the way Python writes it with ensure_ascii=False: "
 * and \ escaped, \b \f \n \r \t by name, other control characters as
 * \u00xx in lowercase hex, every other byte as it is.  (kp_buf_json_string
 * writes jansson's uppercase hex: not the same bytes.) */
static void string(struct kp_buf *b, const char *s)
{
    kp_buf_append(b, "\"", 1);
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        const char *named = c == '"' ? "\\\"" : c == '\\' ? "\\\\" : c == '\b' ? "\\b"
                          : c == '\f' ? "\\f" : c == '\n' ? "\\n" : c == '\r' ? "\\r"
                          : c == '\t' ? "\\t" : NULL;
        if (named)
            kp_buf_append(b, named, 2);
        else if (c < 0x20)
            kp_buf_printf(b, "\\u%04x", c);
        else
            kp_buf_append(b, s, 1);
    }
    kp_buf_append(b, "\"", 1);
}

char *kp_cert_payload(const struct kp_cert_facts *f, size_t *len)
{
    if (!kp_app_category_valid(f->category))
        return NULL;
    char term[24];
    snprintf(term, sizeof term, "%d-%d", f->term_start_year, f->term_end_year);
    /* The keys in sorted order, each once. */
    const char *const fields[][2] = {
        { "base", f->base },
        { "category", kp_app_category_label(f->category) },
        { "certificate_no", f->certificate_no },
        { "issuer", KP_CERT_ISSUER },
        { "named_on", f->named_on },
        { "region", f->region },
        { "term", term },
        { "unit", f->unit },
    };
    struct kp_buf b = { 0 };
    kp_buf_append(&b, "{", 1);
    for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++) {
        assert(i == 0 || strcmp(fields[i - 1][0], fields[i][0]) < 0);
        if (i > 0)
            kp_buf_append(&b, ",", 1);
        string(&b, fields[i][0]);
        kp_buf_append(&b, ":", 1);
        string(&b, fields[i][1]);
    }
    kp_buf_append(&b, "}", 1);
    size_t n;
    char *text = kp_buf_take(&b, &n);
    if (text != NULL && len != NULL)
        *len = n;
    return text;
}
