/* lib/filename: names from Content-Disposition as browsers and attackers
 * send them — refused when not UTF-8, cleaned of directories and of the
 * characters that hide or reorder what a person reads. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "filename.h"
#include "support/unit.h"

static char got[KP_FILENAME_MAX + 1];

static enum kp_filename_status take(const char *header)
{
    memset(got, 0, sizeof got);
    return kp_filename_from_disposition(header, got, sizeof got);
}

/* Asserts that `header` gives `want`. */
static void gives(const char *header, const char *want)
{
    ck_assert_msg(take(header) == KP_FILENAME_OK, "refused: %s", header);
    ck_assert_str_eq(got, want);
}

START_TEST(plain_names)
{
    gives("attachment; filename*=UTF-8''%E7%94%B3%E6%8A%A5%E8%A1%A8.pdf", "申报表.pdf");
    gives("attachment; filename*=utf-8''a%20b.pdf", "a b.pdf");
    gives("attachment; filename*=UTF-8'zh-CN'%E8%A1%A8.pdf", "表.pdf");       /* a language tag */
    gives("attachment; filename=\"plain name.pdf\"", "plain name.pdf");
    gives("attachment; filename=bare.pdf", "bare.pdf");
    gives("attachment; filename=\"fallback.pdf\"; filename*=UTF-8''first.pdf", "first.pdf");
    gives("attachment; filename*=UTF-8''..%2F..%2Fetc%2Fx.pdf", "x.pdf");
    gives("attachment; filename=\"C:\\\\Users\\\\y.pdf\"", "y.pdf");
    gives("attachment; filename*=UTF-8''..hidden.pdf", "hidden.pdf");
    gives("attachment; filename*=UTF-8''%F0%9F%98%80.png", "😀.png");         /* four bytes, U+1F600 */
}
END_TEST

START_TEST(missing)
{
    ck_assert_int_eq(kp_filename_from_disposition(NULL, got, sizeof got), KP_FILENAME_MISSING);
    const char *none[] = { "attachment", "inline", "attachment; filename=\"\"",
                           "attachment; filename*=UTF-8''..%2F..", "attachment; filename*=UTF-8''%20.%20",
                           "attachment; filename*=UTF-8''%E2%80%AE%01" };   /* nothing left once cleaned */
    for (size_t i = 0; i < sizeof none / sizeof none[0]; i++)
        ck_assert_msg(take(none[i]) == KP_FILENAME_MISSING, "%s", none[i]);
}
END_TEST

/* The two from the review, and every other way UTF-8 can be malformed. */
START_TEST(malformed_refused)
{
    const char *bad[] = {
        "attachment; filename*=UTF-8''a%ED%A0%80b.pdf",      /* a surrogate, U+D800 */
        "attachment; filename*=UTF-8''a%ED%BF%BFb.pdf",      /* U+DFFF */
        "attachment; filename*=UTF-8''a%F4%90%80%80b.pdf",   /* above U+10FFFF */
        "attachment; filename*=UTF-8''a%C0%AFb.pdf",         /* overlong '/' */
        "attachment; filename*=UTF-8''a%E0%80%AFb.pdf",
        "attachment; filename*=UTF-8''a%F0%80%80%AFb.pdf",
        "attachment; filename*=UTF-8''%FF%FE.pdf",
        "attachment; filename*=UTF-8''a%E4%B8.pdf",          /* a character cut short */
        "attachment; filename*=UTF-8''a%80.pdf",             /* a stray continuation byte */
        "attachment; filename*=UTF-8''a%00.pdf",             /* NUL */
        "attachment; filename*=UTF-8''a%2",                  /* a broken escape */
        "attachment; filename*=UTF-8''a%zz.pdf",
        "attachment; filename*=ISO-8859-1''x.pdf",           /* UTF-8 only */
        "attachment; filename*=UTF-8'x.pdf",                 /* no language part */
        "attachment; filename=\"caf\xE9.pdf\"",              /* Latin-1 bytes in a quoted name */
        "attachment; filename=a\xED\xA0\x80" "b.pdf",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        ck_assert_msg(take(bad[i]) == KP_FILENAME_MALFORMED, "passed: %s", bad[i]);
}
END_TEST

START_TEST(c0_and_del_dropped)
{
    char header[96];
    for (unsigned c = 1; c < 0x20; c++) {
        snprintf(header, sizeof header, "attachment; filename*=UTF-8''a%%%02Xb.pdf", c);
        gives(header, "ab.pdf");
    }
    gives("attachment; filename*=UTF-8''a%7Fb.pdf", "ab.pdf");
    gives("attachment; filename*=UTF-8''say%20%22hi%22.pdf", "say hi.pdf");   /* quotes too */
}
END_TEST

START_TEST(c1_dropped)
{
    char header[96];
    for (unsigned c = 0x80; c <= 0x9f; c++) {                 /* U+0080–U+009F: C2 80 … C2 9F */
        snprintf(header, sizeof header, "attachment; filename*=UTF-8''a%%C2%%%02Xb.pdf", c);
        gives(header, "ab.pdf");
    }
    gives("attachment; filename*=UTF-8''a%C2%A0b.pdf", "a\xC2\xA0" "b.pdf");  /* U+00A0 is a space, kept */
}
END_TEST

START_TEST(bidi_dropped)
{
    const char *bidi[] = { "%E2%80%8E", "%E2%80%8F", "%D8%9C",                       /* LRM RLM ALM */
                           "%E2%80%AA", "%E2%80%AB", "%E2%80%AC", "%E2%80%AD", "%E2%80%AE",
                           "%E2%81%A6", "%E2%81%A7", "%E2%81%A8", "%E2%81%A9" };     /* LRI RLI FSI PDI */
    char header[128];
    for (size_t i = 0; i < sizeof bidi / sizeof bidi[0]; i++) {
        snprintf(header, sizeof header, "attachment; filename*=UTF-8''invoice%sfdp.exe", bidi[i]);
        gives(header, "invoicefdp.exe");                       /* shown as stored: an .exe */
    }
    gives("attachment; filename*=UTF-8''%E2%80%AE%E7%94%B3%E6%8A%A5.pdf", "申报.pdf");
    /* the same characters unencoded in a quoted name */
    gives("attachment; filename=\"a\xE2\x80\xAE" "b\xC2\x85" "c.pdf\"", "abc.pdf");
    /* neighbours of the ranges are ordinary text */
    gives("attachment; filename*=UTF-8''a%E2%80%8Bb%E2%81%AAc.pdf", "a\xE2\x80\x8B" "b\xE2\x81\xAA" "c.pdf");
}
END_TEST

START_TEST(long_names_cut)
{
    char *header = malloc(20000);
    ck_assert_ptr_nonnull(header);
    strcpy(header, "attachment; filename*=UTF-8''");
    for (int i = 0; i < 300; i++)
        strcat(header, "%E7%A7%91");                           /* 科 */
    strcat(header, ".pdf");
    ck_assert_int_eq(take(header), KP_FILENAME_OK);
    ck_assert_uint_le(strlen(got), KP_FILENAME_MAX);
    ck_assert_uint_eq(strlen(got) % 3, 4 % 3);                 /* whole characters, then ".pdf" */
    ck_assert_str_eq(got + strlen(got) - 4, ".pdf");

    /* longer than what is read of it: cut, but never refused for the cut */
    for (int shift = 0; shift < 3; shift++) {
        strcpy(header, "attachment; filename*=UTF-8''");
        for (int i = 0; i < shift; i++)
            strcat(header, "a");
        for (int i = 0; i < 1500; i++)
            strcat(header, "%E7%A7%91");
        ck_assert_msg(take(header) == KP_FILENAME_OK, "shift %d", shift);
        ck_assert_uint_le(strlen(got), KP_FILENAME_MAX);
    }
    strcpy(header, "attachment; filename=");
    for (int i = 0; i < 1500; i++)
        strcat(header, "\xE7\xA7\x91");
    ck_assert_int_eq(take(header), KP_FILENAME_OK);
    free(header);
}
END_TEST

START_TEST(encode)
{
    char out[64];
    kp_filename_encode("申报 表.pdf", out, sizeof out);
    ck_assert_str_eq(out, "%E7%94%B3%E6%8A%A5%20%E8%A1%A8.pdf");
    kp_filename_encode("a-b_c~d!#$&+^`|.x", out, sizeof out);
    ck_assert_str_eq(out, "a-b_c~d!#$&+^`|.x");
}
END_TEST

/* Expected values: python3 urllib.parse.quote(name, safe="!#$&+-.^_`|~")
 * of the name as cleaned. */
START_TEST(attachment)
{
    char out[KP_FILENAME_DISPOSITION_MAX];
    kp_filename_attachment("申报列表-2026-2030-1-20261207.csv", out);
    ck_assert_str_eq(out, "attachment; filename*=UTF-8''%E7%94%B3%E6%8A%A5%E5%88%97%E8%A1%A8-2026-2030-1-20261207.csv");
    kp_filename_attachment("排名-a/b\\c-20261207.csv", out);        /* slashes kept as hyphens */
    ck_assert_str_eq(out, "attachment; filename*=UTF-8''%E6%8E%92%E5%90%8D-a-b-c-20261207.csv");
    kp_filename_attachment("年度报告-\"x\"\r\n-20261207.csv", out);  /* quotes and controls dropped */
    ck_assert_str_eq(out, "attachment; filename*=UTF-8''%E5%B9%B4%E5%BA%A6%E6%8A%A5%E5%91%8A-x-20261207.csv");
    kp_filename_attachment("申报列表-\xE2\x80\xAEgpj.csv-20261207.csv", out);   /* U+202E dropped */
    ck_assert_str_eq(out, "attachment; filename*=UTF-8''%E7%94%B3%E6%8A%A5%E5%88%97%E8%A1%A8-gpj.csv-20261207.csv");
    kp_filename_attachment("\xff.csv", out);                      /* not UTF-8 */
    ck_assert_str_eq(out, "attachment; filename*=UTF-8''download");
    kp_filename_attachment("/", out);                              /* nothing left but a hyphen */
    ck_assert_str_eq(out, "attachment; filename*=UTF-8''-");
    char longer[2000];
    memset(longer, 'a', sizeof longer - 5);
    memcpy(longer + sizeof longer - 5, ".csv", 5);
    kp_filename_attachment(longer, out);                           /* cut to 255 bytes, extension kept */
    ck_assert_uint_eq(strlen(out), strlen("attachment; filename*=UTF-8''") + KP_FILENAME_MAX);
    ck_assert_str_eq(out + strlen(out) - 4, ".csv");
}
END_TEST

static Suite *filename_suite(void)
{
    Suite *s = suite_create("filename");
    TCase *tc = tcase_create("filename");
    tcase_add_test(tc, plain_names);
    tcase_add_test(tc, missing);
    tcase_add_test(tc, malformed_refused);
    tcase_add_test(tc, c0_and_del_dropped);
    tcase_add_test(tc, c1_dropped);
    tcase_add_test(tc, bidi_dropped);
    tcase_add_test(tc, long_names_cut);
    tcase_add_test(tc, encode);
    tcase_add_test(tc, attachment);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return kp_test_run(filename_suite());
}
