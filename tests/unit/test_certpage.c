/* lib/pdf/certpage: dates in Chinese numerals against vectors made
 * apart from this code, and certificate pages read back with poppler and
 * zbar: every fact is real Chinese text, the page is A4 landscape, the QR
 * code decodes to exactly the verification URL; long names still fit; a
 * date that is not one is refused. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "certpage.h"
#include "support/render.h"
#include "support/unit.h"

/* Computed with python3 3.11, apart from this code: the year digit by digit
 * from '〇一二三四五六七八九', month and day looked up in a table of the
 * spoken numbers 一 … 三十一:
 *   D = '〇一二三四五六七八九'; d = datetime.date.fromisoformat(s)
 *   ''.join(D[int(c)] for c in str(d.year)) + '年' + words[d.month] + '月' + words[d.day] + '日' */
static const struct { const char *iso, *zh; } DATES[] = {
    { "2021-11-10", "二〇二一年十一月十日" },
    { "2000-01-01", "二〇〇〇年一月一日" },
    { "1999-12-31", "一九九九年十二月三十一日" },
    { "2021-10-20", "二〇二一年十月二十日" },
    { "2024-02-29", "二〇二四年二月二十九日" },
    { "2016-05-30", "二〇一六年五月三十日" },
};

START_TEST(dates_in_chinese)
{
    for (size_t i = 0; i < sizeof DATES / sizeof DATES[0]; i++) {
        char out[80];
        ck_assert_msg(kp_certpage_date(DATES[i].iso, out, sizeof out), "%s", DATES[i].iso);
        ck_assert_str_eq(out, DATES[i].zh);
        /* exactly large enough, and one byte short */
        size_t need = strlen(DATES[i].zh) + 1;
        ck_assert(kp_certpage_date(DATES[i].iso, out, need));
        ck_assert(!kp_certpage_date(DATES[i].iso, out, need - 1));
    }
}
END_TEST

START_TEST(not_dates)
{
    static const char *const bad[] = {
        "", "2021-1-10", "2021-11-1", "21-11-10", "2021/11/10", "2021-11-10T00:00:00Z",
        "2021-13-01", "2021-00-10", "2021-11-00", "2021-11-31", "2021-02-29", "1900-02-29",
        "0999-12-31", "２０２１-11-10", "2021-1a-10", " 2021-11-10", "+021-11-10",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char out[80];
        ck_assert_msg(!kp_certpage_date(bad[i], out, sizeof out), "'%s' taken", bad[i]);
    }
}
END_TEST

static const struct kp_certpage FIRST = {
    .certificate_no = "KPJD-2021-000001",
    .base_name = "中国科学技术馆",
    .unit_name = "中国科学技术馆（中国科学技术协会直属事业单位）",
    .term_start_year = 2021, .term_end_year = 2025,
    .named_on = "2021-11-10",
    .verify_url = "https://kpjd.example.cn/verify/KPJD-2021-000001",
};

/* Renders the certificates into <tmpdir>/<name>; path into path[512]. */
static void render(const char *name, const struct kp_certpage *c, size_t n, char path[512])
{
    snprintf(path, 512, "%s/%s", kp_test_tmpdir(), name);
    FILE *f = fopen(path, "wb");
    ck_assert_ptr_nonnull(f);
    struct kp_pdf *d;
    const char *why;
    ck_assert_int_eq(kp_pdf_new(kp_test_file_sink, f, "全国科普教育基地证书", &d, &why), KP_OK);
    for (size_t i = 0; i < n; i++)
        ck_assert_int_eq(kp_certpage_draw(d, &c[i]), KP_OK);
    ck_assert_int_eq(kp_pdf_finish(d), KP_OK);
    kp_pdf_free(d);
    ck_assert_int_eq(fclose(f), 0);
}

START_TEST(the_facts_are_text)
{
    char path[512];
    render("certificate.pdf", &FIRST, 1, path);
    char *info = kp_test_tool("pdfinfo '%s'", path);
    ck_assert_msg(strstr(info, "Pages:           1\n"), "%s", info);
    ck_assert_msg(strstr(info, "Page size:       841.89 x 595.276 pts (A4)"), "%s", info);
    free(info);
    char *text = kp_test_tool("pdftotext -enc UTF-8 '%s' -", path);
    static const char *const facts[] = {
        "全国科普教育基地", "中国科学技术馆", "中国科学技术馆（中国科学技术协会直属事业单位）",
        "2021—2025年", "KPJD-2021-000001", "中国科学技术协会", "二〇二一年十一月十日",
        "申报单位", "命名期限", "证书编号",
    };
    for (size_t i = 0; i < sizeof facts / sizeof facts[0]; i++)
        ck_assert_msg(strstr(text, facts[i]), "'%s' not in:\n%s", facts[i], text);
    free(text);
}
END_TEST

START_TEST(the_qr_code_is_the_verification_url)
{
    char path[512];
    render("certificate-qr.pdf", &FIRST, 1, path);
    char *decoded = kp_test_tool("pdftoppm -png -r 150 '%s' '%s/certificate-qr' && zbarimg -q --raw '%s/certificate-qr-1.png' 2>/dev/null",
                                 path, kp_test_tmpdir(), kp_test_tmpdir());
    ck_assert_str_eq(decoded, "https://kpjd.example.cn/verify/KPJD-2021-000001\n");   /* one code, exactly */
    free(decoded);
}
END_TEST

START_TEST(long_names_fit)
{
    struct kp_certpage c = FIRST;
    c.base_name = "某某省某某市某某区青少年科技创新实践教育中心暨自然科学博物馆与天文馆联合科普教育基地（含野外观测站）";
    c.unit_name = "某某省某某市某某区科学技术协会下属青少年科技教育服务中心有限责任公司（事业单位法人）";
    char path[512];
    render("certificate-long.pdf", &c, 1, path);
    char *text = kp_test_tool("pdftotext -enc UTF-8 '%s' -", path);
    char *flat = kp_test_squeeze(text);
    ck_assert_msg(strstr(flat, c.base_name), "%s", text);
    ck_assert_msg(strstr(flat, c.unit_name), "%s", text);
    free(flat);
    free(text);
    /* the name takes at most two lines, all above the sentence under it:
     * the words pdftotext finds before the sentence are the title's and
     * the name's */
    char *bbox = kp_test_tool("pdftotext -bbox '%s' -", path);
    double sentence_top = -1, bottom = 0, rows[8];
    int nrows = 0;
    for (const char *w = strstr(bbox, "<word "); w; w = strstr(w + 1, "<word ")) {
        double ymin, ymax;
        ck_assert_int_eq(sscanf(strstr(w, "yMin="), "yMin=\"%lf\"", &ymin), 1);
        ck_assert_int_eq(sscanf(strstr(w, "yMax="), "yMax=\"%lf\"", &ymax), 1);
        if (strncmp(strchr(w, '>') + 1, "经评审", strlen("经评审")) == 0) {
            sentence_top = ymin;
            break;
        }
        if (ymax > bottom)
            bottom = ymax;
        bool seen = false;
        for (int i = 0; i < nrows; i++)
            seen |= rows[i] == ymin;
        if (!seen && nrows < 8)
            rows[nrows++] = ymin;
    }
    ck_assert_msg(sentence_top > 0, "%s", bbox);
    ck_assert_msg(bottom < sentence_top, "the name (bottom %f) runs into the sentence (%f)", bottom, sentence_top);
    ck_assert_int_le(nrows, 3);        /* the title, and two lines of the name */
    free(bbox);
}
END_TEST

START_TEST(a_batch_is_one_page_each)
{
    char nos[12][24], urls[12][96];
    struct kp_certpage c[12];
    for (int i = 0; i < 12; i++) {
        c[i] = FIRST;
        snprintf(nos[i], sizeof nos[i], "KPJD-2021-%06d", (i + 1) % 1000000);
        snprintf(urls[i], sizeof urls[i], "http://127.0.0.1:8080/verify/KPJD-2021-%06d", (i + 1) % 1000000);
        c[i].certificate_no = nos[i];
        c[i].verify_url = urls[i];
    }
    char path[512];
    render("certificates.pdf", c, 12, path);
    char *info = kp_test_tool("pdfinfo '%s'", path);
    ck_assert_msg(strstr(info, "Pages:           12\n"), "%s", info);
    free(info);
    for (int i = 0; i < 12; i += 11) {
        char *text = kp_test_tool("pdftotext -enc UTF-8 -f %d -l %d '%s' -", i + 1, i + 1, path);
        ck_assert_msg(strstr(text, nos[i]), "page %d: %s", i + 1, text);
        free(text);
    }
}
END_TEST

START_TEST(a_bad_date_is_refused)
{
    struct kp_certpage c = FIRST;
    c.named_on = "2021-02-30";
    struct kp_pdf *d;
    const char *why;
    FILE *f = fopen("/dev/null", "wb");
    ck_assert_ptr_nonnull(f);
    ck_assert_int_eq(kp_pdf_new(kp_test_file_sink, f, "t", &d, &why), KP_OK);
    ck_assert_int_eq(kp_certpage_draw(d, &c), KP_E_INVAL);
    ck_assert_uint_eq(kp_pdf_pages(d), 0);
    ck_assert_int_eq(kp_certpage_draw(d, &FIRST), KP_OK);   /* no page was left open */
    ck_assert_int_eq(kp_pdf_finish(d), KP_OK);
    kp_pdf_free(d);
    fclose(f);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("certpage");
    TCase *tc = tcase_create("certpage");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, dates_in_chinese);
    tcase_add_test(tc, not_dates);
    tcase_add_test(tc, the_facts_are_text);
    tcase_add_test(tc, the_qr_code_is_the_verification_url);
    tcase_add_test(tc, long_names_fit);
    tcase_add_test(tc, a_batch_is_one_page_each);
    tcase_add_test(tc, a_bad_date_is_refused);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return kp_test_run(suite());
}
