/* lib/mail: addresses, encoded words, the date, the whole message (headers
 * that cannot be injected, base64 lines, CRLF), backoff, outcomes and the
 * token bucket. */
#include <check.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "email.h"
#include "message.h"
#include "retry.h"
#include "support/unit.h"
#include "utf8.h"

START_TEST(addresses)
{
    ck_assert(kp_email_ok("a@example.cn"));
    ck_assert(kp_email_ok("first.last+tag@mail.kpjd.example.cn"));
    ck_assert(!kp_email_ok("a@b"));                         /* no dot in the domain */
    ck_assert(!kp_email_ok("@example.cn"));
    ck_assert(!kp_email_ok("a@@example.cn"));
    ck_assert(!kp_email_ok("a b@example.cn"));
    ck_assert(!kp_email_ok("a@example.cn\r\nBcc: x@evil.cn"));
    ck_assert(!kp_email_ok("a@example.cn>"));
    ck_assert(!kp_email_ok("<a@example.cn"));
    ck_assert(!kp_email_ok("a@exa_mple.cn"));
    ck_assert(!kp_email_ok("a@.example.cn"));
    ck_assert(!kp_email_ok("a@example..cn"));
    ck_assert(!kp_email_ok("用户@example.cn"));
    ck_assert_str_eq(kp_mail_addr_domain("a@kpjd.example.cn"), "kpjd.example.cn");

    struct kp_mail_from f;
    ck_assert(kp_mail_from_parse("noreply@kpjd.example.cn", &f));
    ck_assert_str_eq(f.name, "");
    ck_assert_str_eq(f.addr, "noreply@kpjd.example.cn");
    ck_assert(kp_mail_from_parse("全国科普教育基地管理平台 <noreply@kpjd.example.cn>", &f));
    ck_assert_str_eq(f.name, "全国科普教育基地管理平台");
    ck_assert_str_eq(f.addr, "noreply@kpjd.example.cn");
    ck_assert(!kp_mail_from_parse("名称 <noreply@kpjd.example.cn", &f));
    ck_assert(!kp_mail_from_parse("名\r\n称 <noreply@kpjd.example.cn>", &f));
    ck_assert(!kp_mail_from_parse("名称 <bad address@x.cn>", &f));
}
END_TEST

/* Decodes a header value made of encoded words (and folds) back to text. */
static char *decode_words(const char *v)
{
    char *out = calloc(1, strlen(v) + 1);
    size_t ol = 0;
    while ((v = strstr(v, "=?UTF-8?B?")) != NULL) {
        v += 10;
        const char *end = strstr(v, "?=");
        ck_assert_ptr_nonnull(end);
        size_t bin;
        ck_assert_int_eq(sodium_base642bin((unsigned char *)out + ol, strlen(v), v, (size_t)(end - v), NULL,
                                           &bin, NULL, sodium_base64_VARIANT_ORIGINAL), 0);
        ol += bin;
        v = end + 2;
    }
    return out;
}

START_TEST(encoded_words_split_between_characters)
{
    const char *text = "关于北京自然博物馆申报全国科普教育基地的审核结果通知（2021-2025年度第一批）😀";
    struct kp_buf b = { 0 };
    kp_mail_encode_words(&b, text);
    ck_assert(!b.failed);
    int words = 0;
    for (char *line = b.data; line != NULL; words++) {
        char *next = strstr(line, "\r\n");
        size_t len = next ? (size_t)(next - line) : strlen(line);
        if (words > 0)
            ck_assert_int_eq(line[0], ' ');                   /* a folded line */
        const char *w = line + (words > 0);
        ck_assert_uint_le(len - (words > 0), 75);             /* RFC 2047: a word ≤ 75 */
        ck_assert(strncmp(w, "=?UTF-8?B?", 10) == 0);
        ck_assert_uint_le(len, 76);
        /* each word alone is whole characters */
        char one[128];
        memcpy(one, w, len - (words > 0));
        one[len - (words > 0)] = '\0';
        char *part = decode_words(one);
        ck_assert(kp_utf8_valid(part, strlen(part)));
        free(part);
        line = next ? next + 2 : NULL;
    }
    ck_assert_int_gt(words, 2);
    char *back = decode_words(b.data);
    ck_assert_str_eq(back, text);
    free(back);
    kp_buf_free(&b);

    /* CR, LF and other controls become spaces: no header can follow */
    b = (struct kp_buf){ 0 };
    kp_mail_encode_words(&b, "通知\r\nBcc: x@evil.cn");
    ck_assert_ptr_null(strstr(b.data, "Bcc"));
    back = decode_words(b.data);
    ck_assert_str_eq(back, "通知  Bcc: x@evil.cn");
    free(back);
    kp_buf_free(&b);
}
END_TEST

START_TEST(date)
{
    char d[64];
    kp_mail_date(0, d);
    ck_assert_str_eq(d, "Thu, 01 Jan 1970 00:00:00 +0000");
    kp_mail_date(1709625600, d);                              /* 2024-03-05 08:00 UTC */
    ck_assert_str_eq(d, "Tue, 05 Mar 2024 08:00:00 +0000");
}
END_TEST

static char *build(const char *to, const char *subject, const char *body, const char *id, enum kp_err *err)
{
    struct kp_mail_from from;
    ck_assert(kp_mail_from_parse("全国科普教育基地管理平台 <noreply@kpjd.example.cn>", &from));
    struct kp_mail_msg m = { &from, to, subject, body, id, 1709625600 };
    struct kp_buf b = { 0 };
    *err = kp_mail_build(&b, &m);
    return kp_buf_take(&b, NULL);
}

START_TEST(message)
{
    enum kp_err err;
    char body[400] = "您的申报已被退回。\n退回原因：请补充近三年活动照片。\n";
    for (int i = 0; i < 10; i++)
        strcat(body, "请登录平台查看详情。");
    char *text = build("unit@example.cn", "申报被退回修改\r\nBcc: x@evil.cn", body, "42.0123456789abcdef@kpjd.example.cn", &err);
    ck_assert_int_eq(err, KP_OK);
    ck_assert(strncmp(text, "Date: Tue, 05 Mar 2024 08:00:00 +0000\r\n", 39) == 0);
    ck_assert_ptr_nonnull(strstr(text, "\r\nFrom: =?UTF-8?B?"));
    ck_assert_ptr_nonnull(strstr(text, "?=\r\n <noreply@kpjd.example.cn>\r\n"));
    ck_assert_ptr_nonnull(strstr(text, "\r\nTo: unit@example.cn\r\n"));
    ck_assert_ptr_nonnull(strstr(text, "\r\nMessage-ID: <42.0123456789abcdef@kpjd.example.cn>\r\n"));
    ck_assert_ptr_nonnull(strstr(text, "\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=UTF-8\r\n"
                                       "Content-Transfer-Encoding: base64\r\nAuto-Submitted: auto-generated\r\n\r\n"));
    ck_assert_ptr_null(strstr(text, "Bcc"));                  /* the subject is encoded, CR LF gone */
    /* every line ends CRLF and is at most 76 characters; the body in lines of 76 */
    char *head_end = strstr(text, "\r\n\r\n");
    size_t body_lines = 0, decoded_len = 0;
    unsigned char decoded[1024];
    for (char *p = text; *p; ) {
        char *eol = strstr(p, "\r\n");
        ck_assert_ptr_nonnull(eol);
        ck_assert_ptr_null(memchr(p, '\n', (size_t)(eol - p)));
        ck_assert_uint_le((size_t)(eol - p), 76);
        if (p > head_end + 2) {
            size_t bin;
            ck_assert_int_eq(sodium_base642bin(decoded + decoded_len, sizeof decoded - decoded_len, p,
                                               (size_t)(eol - p), NULL, &bin, NULL,
                                               sodium_base64_VARIANT_ORIGINAL), 0);
            decoded_len += bin;
            if (eol[2] != '\0')
                ck_assert_uint_eq((size_t)(eol - p), 76);
            body_lines++;
        }
        p = eol + 2;
    }
    ck_assert_uint_gt(body_lines, 3);
    decoded[decoded_len] = '\0';
    ck_assert(strncmp((char *)decoded, "您的申报已被退回。\r\n退回原因：", strlen("您的申报已被退回。\r\n退回原因：")) == 0);
    free(text);

    /* an address or a Message-ID that could carry a header is refused */
    free(build("unit@example.cn\r\nBcc: x@evil.cn", "s", "b", "1.a@kpjd.example.cn", &err));
    ck_assert_int_eq(err, KP_E_INVAL);
    free(build("unit@example.cn", "s", "b", "1.a@kpjd.example.cn>\r\nBcc: x@evil.cn", &err));
    ck_assert_int_eq(err, KP_E_INVAL);
    free(build("unit@example.cn", "s", "b\xff", "1.a@kpjd.example.cn", &err));
    ck_assert_int_eq(err, KP_E_INVAL);
}
END_TEST

START_TEST(backoff_and_outcomes)
{
    ck_assert_uint_eq(kp_mail_backoff(60, 21600, 1), 60);
    ck_assert_uint_eq(kp_mail_backoff(60, 21600, 2), 120);
    ck_assert_uint_eq(kp_mail_backoff(60, 21600, 4), 480);
    ck_assert_uint_eq(kp_mail_backoff(60, 21600, 9), 15360);
    ck_assert_uint_eq(kp_mail_backoff(60, 21600, 10), 21600);
    ck_assert_uint_eq(kp_mail_backoff(60, 21600, 4000000000u), 21600);
    ck_assert_uint_eq(kp_mail_backoff(86400, 60, 1), 60);

    ck_assert_int_eq(kp_mail_outcome_of(true, 250, true), KP_MAIL_SENT);
    ck_assert_int_eq(kp_mail_outcome_of(false, 550, false), KP_MAIL_PERMANENT);
    ck_assert_int_eq(kp_mail_outcome_of(false, 554, true), KP_MAIL_PERMANENT);
    ck_assert_int_eq(kp_mail_outcome_of(false, 451, false), KP_MAIL_TEMPORARY);
    ck_assert_int_eq(kp_mail_outcome_of(false, 0, false), KP_MAIL_TEMPORARY);     /* no connection */
    ck_assert_int_eq(kp_mail_outcome_of(false, 354, true), KP_MAIL_UNKNOWN);      /* cut after the data */
    ck_assert_int_eq(kp_mail_outcome_of(false, 354, false), KP_MAIL_TEMPORARY);
}
END_TEST

START_TEST(bucket)
{
    struct kp_mail_bucket b;
    kp_mail_bucket_init(&b, 60, 10, 100.0);                   /* one a second, ten at once */
    ck_assert_uint_eq(kp_mail_bucket_available(&b, 100.0), 10);
    kp_mail_bucket_take(&b, 10);
    ck_assert_uint_eq(kp_mail_bucket_available(&b, 100.0), 0);
    ck_assert(kp_mail_bucket_wait(&b) > 0.99 && kp_mail_bucket_wait(&b) < 1.01);
    ck_assert_uint_eq(kp_mail_bucket_available(&b, 102.5), 2);
    ck_assert_uint_eq(kp_mail_bucket_available(&b, 1000.0), 10);  /* never more than the burst */
    ck_assert(kp_mail_bucket_wait(&b) == 0);
}
END_TEST

static Suite *mail_suite(void)
{
    Suite *s = suite_create("mail");
    TCase *tc = tcase_create("mail");
    tcase_add_test(tc, addresses);
    tcase_add_test(tc, encoded_words_split_between_characters);
    tcase_add_test(tc, date);
    tcase_add_test(tc, message);
    tcase_add_test(tc, backoff_and_outcomes);
    tcase_add_test(tc, bucket);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return kp_test_run(mail_suite());
}
