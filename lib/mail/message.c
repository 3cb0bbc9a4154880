#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include "email.h"
#include "message.h"
#include "utf8.h"

/* Bytes of text in one encoded word: 39 bytes are 52 base64 characters,
 * 64 with "=?UTF-8?B?" and "?=" — a folded line " =?...?=" stays under 76. */
#define WORD_BYTES 39

const char *kp_mail_addr_domain(const char *addr)
{
    return strchr(addr, '@') + 1;
}

/* Whether s is UTF-8 without control characters. */
static bool clean_text(const char *s)
{
    size_t n = strlen(s);
    while (n > 0) {
        uint32_t cp;
        size_t k = kp_utf8_next(s, n, &cp);
        if (k == 0 || kp_utf8_is_control(cp))
            return false;
        s += k;
        n -= k;
    }
    return true;
}

bool kp_mail_from_parse(const char *text, struct kp_mail_from *from)
{
    memset(from, 0, sizeof *from);
    const char *lt = strrchr(text, '<');
    if (lt == NULL) {
        if (strlen(text) >= sizeof from->addr || !kp_email_ok(text))
            return false;
        strcpy(from->addr, text);
        return true;
    }
    size_t al = strlen(lt + 1);
    if (al < 2 || lt[al] != '>' || al - 1 >= sizeof from->addr)
        return false;
    memcpy(from->addr, lt + 1, al - 1);
    from->addr[al - 1] = '\0';
    const char *name = text, *end = lt;
    while (*name == ' ')
        name++;
    while (end > name && end[-1] == ' ')
        end--;
    if ((size_t)(end - name) >= sizeof from->name)
        return false;
    memcpy(from->name, name, (size_t)(end - name));
    from->name[end - name] = '\0';
    return kp_email_ok(from->addr) && clean_text(from->name);
}

static void base64(struct kp_buf *out, const unsigned char *bytes, size_t n)
{
    char text[sodium_base64_ENCODED_LEN(57, sodium_base64_VARIANT_ORIGINAL)];
    for (size_t i = 0; i < n; i += 57) {
        size_t k = n - i < 57 ? n - i : 57;
        sodium_bin2base64(text, sizeof text, bytes + i, k, sodium_base64_VARIANT_ORIGINAL);
        kp_buf_append(out, text, strlen(text));
    }
}

void kp_mail_encode_words(struct kp_buf *out, const char *text)
{
    unsigned char word[WORD_BYTES];
    size_t wl = 0, n = strlen(text);
    bool first = true;
    for (;;) {
        uint32_t cp = 0;
        size_t k = n > 0 ? kp_utf8_next(text, n, &cp) : 0;
        bool ok = k > 0 && !kp_utf8_is_control(cp);
        size_t cl = ok ? k : 1;              /* a space for a control or a stray byte */
        if (n == 0 || wl + cl > WORD_BYTES) {
            kp_buf_printf(out, "%s=?UTF-8?B?", first ? "" : "\r\n ");
            base64(out, word, wl);
            kp_buf_append(out, "?=", 2);
            first = false;
            wl = 0;
            if (n == 0)
                return;
        }
        if (ok)
            memcpy(word + wl, text, k);
        else
            word[wl] = ' ';
        wl += cl;
        k = k > 0 ? k : 1;
        text += k;
        n -= k;
    }
}

void kp_mail_date(time_t t, char out[64])
{
    static const char days[7][4] = { "Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat" };
    static const char months[12][4] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                        "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
    struct tm tm;
    gmtime_r(&t, &tm);
    snprintf(out, 64, "%s, %02d %s %04d %02d:%02d:%02d +0000", days[tm.tm_wday], tm.tm_mday,
             months[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

/* The body with CRLF line ends, in base64 lines of 76 characters. */
static void body_base64(struct kp_buf *out, const char *body)
{
    struct kp_buf crlf = { 0 };
    for (const char *p = body; *p; p++) {
        if (*p == '\n' && (p == body || p[-1] != '\r'))
            kp_buf_append(&crlf, "\r", 1);
        kp_buf_append(&crlf, p, 1);
    }
    if (crlf.len == 0 || crlf.data[crlf.len - 1] != '\n')
        kp_buf_append(&crlf, "\r\n", 2);
    if (crlf.failed) {
        out->failed = true;
    } else {
        for (size_t i = 0; i < crlf.len; i += 57) {
            base64(out, (const unsigned char *)crlf.data + i, crlf.len - i < 57 ? crlf.len - i : 57);
            kp_buf_append(out, "\r\n", 2);
        }
    }
    kp_buf_free(&crlf);
}

static bool message_id_ok(const char *id)
{
    size_t n = strlen(id);
    if (n < 3 || n > 250 || strchr(id, '@') == NULL)
        return false;
    for (const char *p = id; *p; p++)
        if (*p <= ' ' || *p > '~' || *p == '<' || *p == '>')
            return false;
    return true;
}

enum kp_err kp_mail_build(struct kp_buf *out, const struct kp_mail_msg *m)
{
    if (!kp_email_ok(m->from->addr) || !kp_email_ok(m->to) || !message_id_ok(m->message_id) ||
        !kp_utf8_valid(m->subject, strlen(m->subject)) || !kp_utf8_valid(m->body, strlen(m->body)))
        return KP_E_INVAL;
    char date[64];
    kp_mail_date(m->date, date);
    kp_buf_printf(out, "Date: %s\r\nFrom: ", date);
    if (m->from->name[0] != '\0') {
        kp_mail_encode_words(out, m->from->name);
        kp_buf_printf(out, "\r\n <%s>\r\n", m->from->addr);          /* folded: short lines */
    } else {
        kp_buf_printf(out, "%s\r\n", m->from->addr);
    }
    kp_buf_printf(out, "To: %s\r\nSubject: ", m->to);
    kp_mail_encode_words(out, m->subject);
    kp_buf_printf(out, "\r\nMessage-ID: <%s>\r\n"
                  "MIME-Version: 1.0\r\n"
                  "Content-Type: text/plain; charset=UTF-8\r\n"
                  "Content-Transfer-Encoding: base64\r\n"
                  "Auto-Submitted: auto-generated\r\n"
                  "\r\n", m->message_id);
    body_base64(out, m->body);
    return out->failed ? KP_E_NOMEM : KP_OK;
}
