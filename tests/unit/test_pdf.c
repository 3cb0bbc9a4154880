/* lib/pdf/pdf: documents checked from the outside, with poppler's tools
 * (pdfinfo, pdftotext, pdffonts, pdftoppm) and zbar's zbarimg on what the
 * sink received: page count and sizes, Chinese text that is text (not
 * shapes), the Noto CJK faces embedded, a QR code that decodes to exactly
 * its text, wrapping, stamps drawn once and shown on every page; a sink
 * that refuses stops the document, an abandoned document sends nothing
 * more, a text too long for a QR code is an error. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "pdf.h"
#include "support/render.h"
#include "support/unit.h"

static const struct kp_pdf_color BLACK = { 0, 0, 0 };

/* A new document writing to <tmpdir>/<name>; path into path[size]. */
static struct kp_pdf *open_doc(const char *name, FILE **f, char *path, size_t size)
{
    snprintf(path, size, "%s/%s", kp_test_tmpdir(), name);
    *f = fopen(path, "wb");
    ck_assert_ptr_nonnull(*f);
    struct kp_pdf *d;
    const char *why;
    ck_assert_int_eq(kp_pdf_new(kp_test_file_sink, *f, "测试文档", &d, &why), KP_OK);
    return d;
}

static void close_doc(struct kp_pdf *d, FILE *f)
{
    ck_assert_int_eq(kp_pdf_finish(d), KP_OK);
    kp_pdf_free(d);
    ck_assert_int_eq(fclose(f), 0);
}

START_TEST(pages_sizes_and_text)
{
    FILE *f;
    char path[512];
    struct kp_pdf *d = open_doc("pages.pdf", &f, path, sizeof path);
    struct kp_pdf_style s = { .face = KP_PDF_SERIF, .size = 14, .color = BLACK };
    static const char *const pages[] = { "第一页：科普基地", "第二页：横向", "第三页：结束" };
    for (int i = 0; i < 3; i++) {
        double w, h;
        kp_pdf_begin_page(d, i == 1 ? KP_PDF_A4_LANDSCAPE : KP_PDF_A4_PORTRAIT, &w, &h);
        ck_assert(i == 1 ? w > h : w < h);
        kp_pdf_text(d, &s, 72, 72, w - 144, pages[i]);
        ck_assert_int_eq(kp_pdf_end_page(d), KP_OK);
        ck_assert_uint_eq(kp_pdf_pages(d), (unsigned)i + 1);
    }
    close_doc(d, f);

    char *info = kp_test_tool("pdfinfo -f 1 -l 3 '%s'", path);
    ck_assert_msg(strstr(info, "Pages:           3\n"), "%s", info);
    ck_assert_msg(strstr(info, "Page    1 size:  595.276 x 841.89 pts (A4)"), "%s", info);
    ck_assert_msg(strstr(info, "Page    2 size:  841.89 x 595.276 pts (A4)"), "%s", info);
    ck_assert_msg(strstr(info, "Title:           测试文档\n"), "%s", info);
    free(info);
    for (int i = 0; i < 3; i++) {      /* each page holds its own text, as text */
        char *text = kp_test_tool("pdftotext -enc UTF-8 -f %d -l %d '%s' -", i + 1, i + 1, path);
        ck_assert_msg(strstr(text, pages[i]), "page %d: %s", i + 1, text);
        free(text);
    }
}
END_TEST

START_TEST(faces_embedded)
{
    FILE *f;
    char path[512];
    struct kp_pdf *d = open_doc("faces.pdf", &f, path, sizeof path);
    double w, h;
    kp_pdf_begin_page(d, KP_PDF_A4_PORTRAIT, &w, &h);
    struct kp_pdf_style s = { .size = 12, .color = BLACK };
    double y = 72;
    for (int face = 0; face < 2; face++)
        for (int bold = 0; bold < 2; bold++) {
            s.face = face ? KP_PDF_SANS : KP_PDF_SERIF;
            s.bold = bold;
            y += kp_pdf_text(d, &s, 72, y, 400, "全国科普教育基地");
        }
    ck_assert_int_eq(kp_pdf_end_page(d), KP_OK);
    close_doc(d, f);
    char *fonts = kp_test_tool("pdffonts '%s'", path);
    static const char *const names[] = { "NotoSerifCJKsc-Regular", "NotoSerifCJKsc-Bold",
                                         "NotoSansCJKsc-Regular", "NotoSansCJKsc-Bold" };
    for (size_t i = 0; i < 4; i++)
        ck_assert_msg(strstr(fonts, names[i]), "%s missing:\n%s", names[i], fonts);
    free(fonts);
}
END_TEST

START_TEST(wrapping_and_alignment)
{
    FILE *f;
    char path[512];
    struct kp_pdf *d = open_doc("wrap.pdf", &f, path, sizeof path);
    double w, h;
    kp_pdf_begin_page(d, KP_PDF_A4_PORTRAIT, &w, &h);
    static const char long_text[] = "科普教育基地是面向社会公众开展科普活动的重要阵地，"
                                    "承担着普及科学知识、弘扬科学精神的任务。";
    struct kp_pdf_style s = { .face = KP_PDF_SERIF, .size = 12, .color = BLACK };
    int lines, one_line;
    double tall = kp_pdf_text_height(d, &s, 100, long_text, &lines);
    double flat = kp_pdf_text_height(d, &s, 1000, long_text, &one_line);
    ck_assert_int_eq(one_line, 1);
    ck_assert_int_gt(lines, 4);        /* 100 pt hold about eight characters of 12 pt */
    ck_assert(tall > 4 * flat);
    s.line_spacing = 2;
    ck_assert(kp_pdf_text_height(d, &s, 100, long_text, NULL) > 1.5 * tall);
    s.line_spacing = 0;
    ck_assert(kp_pdf_text(d, &s, 72, 72, 100, long_text) == tall);   /* drawn as measured */
    s.align = KP_PDF_RIGHT;
    kp_pdf_text(d, &s, 72, 300, 400, "右对齐");
    ck_assert_int_eq(kp_pdf_end_page(d), KP_OK);
    close_doc(d, f);

    char *text = kp_test_tool("pdftotext -enc UTF-8 '%s' -", path);
    char *flat_text = kp_test_squeeze(text);
    ck_assert_msg(strstr(flat_text, long_text), "%s", text);
    free(flat_text);
    free(text);
    /* the right-aligned word ends at the box's right edge, 472 pt */
    char *bbox = kp_test_tool("pdftotext -bbox '%s' - | grep '右对齐'", path);
    double xmax;
    const char *at = strstr(bbox, "xMax=\"");
    ck_assert_ptr_nonnull(at);
    ck_assert_int_eq(sscanf(at, "xMax=\"%lf\"", &xmax), 1);
    ck_assert_msg(xmax > 466 && xmax <= 472.5, "xMax %f", xmax);
    free(bbox);
}
END_TEST

START_TEST(qr_decodes_to_its_text)
{
    static const char *const texts[] = {
        "https://kpjd.example.cn/verify/KPJD-2021-000001",
        "http://127.0.0.1:8080/verify/KPJD-2026-999999",
        /* a larger version: 150 bytes (URLs are ASCII: zbar reads other
         * bytes without an ECI header as Shift JIS) */
        "https://kepu-jidi.provincial-science-association.example.org.cn/programme/national-bases"
        "/public-services/verify/KPJD-2021-001274?lang=zh-CN&view=full",
    };
    for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++) {
        FILE *f;
        char path[512], name[32];
        snprintf(name, sizeof name, "qr%zu.pdf", i);
        struct kp_pdf *d = open_doc(name, &f, path, sizeof path);
        double w, h;
        kp_pdf_begin_page(d, KP_PDF_A4_LANDSCAPE, &w, &h);
        kp_pdf_fill(d, 0, 0, w, h, (struct kp_pdf_color){ 0.9, 0.85, 0.7 });   /* the QR brings its white */
        kp_pdf_qr(d, 100, 100, KP_PDF_MM(30), texts[i]);
        ck_assert_int_eq(kp_pdf_end_page(d), KP_OK);
        close_doc(d, f);
        char *decoded = kp_test_tool("pdftoppm -png -r 150 '%s' '%s/qr%zu' && zbarimg -q --raw '%s/qr%zu-1.png' 2>/dev/null",
                                     path, kp_test_tmpdir(), i, kp_test_tmpdir(), i);
        size_t n = strlen(decoded);
        ck_assert(n > 0 && decoded[n - 1] == '\n');
        decoded[n - 1] = '\0';
        ck_assert_str_eq(decoded, texts[i]);
        free(decoded);
    }
}
END_TEST

START_TEST(qr_text_too_long)
{
    FILE *f;
    char path[512];
    struct kp_pdf *d = open_doc("qr-long.pdf", &f, path, sizeof path);
    char *text = malloc(8000);
    ck_assert_ptr_nonnull(text);
    memset(text, 'x', 7999);
    text[7999] = '\0';                 /* version 40-M holds 2,331 bytes */
    double w, h;
    kp_pdf_begin_page(d, KP_PDF_A4_PORTRAIT, &w, &h);
    kp_pdf_qr(d, 0, 0, 100, text);
    ck_assert_int_eq(kp_pdf_end_page(d), KP_E_INVAL);
    ck_assert_uint_eq(kp_pdf_pages(d), 0);
    ck_assert_int_eq(kp_pdf_finish(d), KP_E_INVAL);
    kp_pdf_free(d);
    fclose(f);
    free(text);
}
END_TEST

/* A sink that takes `budget` bytes, then refuses. */
struct meter {
    size_t budget, got;
    unsigned calls_after_free;
    bool freed;
};

static enum kp_err meter_sink(void *cls, const unsigned char *data, size_t len)
{
    (void)data;
    struct meter *m = cls;
    if (m->freed)
        m->calls_after_free++;
    if (m->got + len > m->budget)
        return KP_E_IO;
    m->got += len;
    return KP_OK;
}

static void draw_page(struct kp_pdf *d)
{
    double w, h;
    struct kp_pdf_style s = { .face = KP_PDF_SANS, .size = 20, .color = BLACK };
    kp_pdf_begin_page(d, KP_PDF_A4_PORTRAIT, &w, &h);
    kp_pdf_rect(d, 20, 20, w - 40, h - 40, 2, BLACK);
    kp_pdf_line(d, 20, 100, w - 20, 100, 1, BLACK);
    kp_pdf_text(d, &s, 40, 40, w - 80, "一页又一页");
}

START_TEST(refusing_sink_stops_the_document)
{
    struct meter m = { .budget = 4000 };
    struct kp_pdf *d;
    const char *why;
    ck_assert_int_eq(kp_pdf_new(meter_sink, &m, "t", &d, &why), KP_OK);
    enum kp_err err = KP_OK;
    int page = 0;
    while (err == KP_OK && page < 100) {      /* a page is well under a kilobyte: few fit */
        draw_page(d);
        err = kp_pdf_end_page(d);
        page++;
    }
    ck_assert_int_eq(err, KP_E_IO);
    ck_assert_int_lt(page, 100);
    size_t got = m.got;
    draw_page(d);                             /* skipped: the error sticks */
    ck_assert_int_eq(kp_pdf_end_page(d), KP_E_IO);
    ck_assert_int_eq(kp_pdf_finish(d), KP_E_IO);
    ck_assert_uint_eq(m.got, got);
    kp_pdf_free(d);
}
END_TEST

START_TEST(abandoned_document_sends_nothing_more)
{
    struct meter m = { .budget = (size_t)-1 / 2 };
    struct kp_pdf *d;
    const char *why;
    ck_assert_int_eq(kp_pdf_new(meter_sink, &m, "t", &d, &why), KP_OK);
    draw_page(d);
    ck_assert_int_eq(kp_pdf_end_page(d), KP_OK);
    draw_page(d);                             /* begun, never ended */
    ck_assert(m.got > 0);
    m.freed = true;
    kp_pdf_free(d);
    ck_assert_uint_eq(m.calls_after_free, 0);
    kp_pdf_free(NULL);
}
END_TEST

/* Memory holds a page, not the document: the bytes of page n are sent
 * before page n + 1 begins. */
START_TEST(pages_stream_as_they_end)
{
    struct meter m = { .budget = (size_t)-1 / 2 };
    struct kp_pdf *d;
    const char *why;
    ck_assert_int_eq(kp_pdf_new(meter_sink, &m, "t", &d, &why), KP_OK);
    size_t before = m.got;
    for (int i = 0; i < 20; i++) {
        draw_page(d);
        ck_assert_int_eq(kp_pdf_end_page(d), KP_OK);
        ck_assert_msg(m.got > before, "page %d was not sent", i + 1);
        before = m.got;
    }
    ck_assert_int_eq(kp_pdf_finish(d), KP_OK);
    ck_assert(m.got > before);                /* fonts and trailer */
    kp_pdf_free(d);
}
END_TEST

/* A stamp heavy enough to weigh: a grid of 400 short lines and a word. */
static unsigned grid_drawn;
static void grid(struct kp_pdf *d, double w, double h)
{
    grid_drawn++;
    for (int i = 0; i < 200; i++) {
        kp_pdf_line(d, 10 + i * 2.5, 10, 10 + i * 2.5 + 1, h - 10, 0.3, BLACK);
        kp_pdf_line(d, 10, 10 + i * 4, w - 10, 10 + i * 4 + 1, 0.3, BLACK);
    }
    struct kp_pdf_style s = { .face = KP_PDF_SERIF, .size = 12, .color = BLACK };
    kp_pdf_text(d, &s, 20, h - 40, w - 40, "每页都有的抬头");
}

/* `pages` pages with the grid, stamped or drawn on each; the file's size. */
static long grid_document(const char *name, int pages, bool stamped, char *path, size_t size)
{
    FILE *f;
    struct kp_pdf *d = open_doc(name, &f, path, size);
    struct kp_pdf_style s = { .face = KP_PDF_SANS, .size = 12, .color = BLACK };
    for (int i = 0; i < pages; i++) {
        double w, h;
        kp_pdf_begin_page(d, KP_PDF_A4_PORTRAIT, &w, &h);
        if (stamped)
            kp_pdf_stamp(d, grid, 0, 0, w, h);
        else
            grid(d, w, h);
        char line[32];
        snprintf(line, sizeof line, "第%d页", i + 1);
        kp_pdf_text(d, &s, 300, 300, 200, line);
        ck_assert_int_eq(kp_pdf_end_page(d), KP_OK);
    }
    close_doc(d, f);
    struct stat st;
    ck_assert_int_eq(stat(path, &st), 0);
    return (long)st.st_size;
}

START_TEST(stamps_are_drawn_once)
{
    char path[512], plain_path[512];
    grid_drawn = 0;
    long stamped20 = grid_document("stamped.pdf", 20, true, path, sizeof path);
    ck_assert_uint_eq(grid_drawn, 1);          /* once a document */
    long stamped10 = grid_document("stamped10.pdf", 10, true, path, sizeof path);
    grid_drawn = 0;
    long plain20 = grid_document("plain.pdf", 20, false, plain_path, sizeof plain_path);
    ck_assert_uint_eq(grid_drawn, 20);
    long plain10 = grid_document("plain10.pdf", 10, false, plain_path, sizeof plain_path);
    /* ten pages more cost little stamped, ten grids drawn */
    ck_assert_msg((stamped20 - stamped10) * 3 < plain20 - plain10, "ten pages more: stamped %ld bytes, drawn %ld",
                  stamped20 - stamped10, plain20 - plain10);
    grid_document("stamped.pdf", 20, true, path, sizeof path);
    for (int page = 1; page <= 20; page += 19) {
        char *text = kp_test_tool("pdftotext -enc UTF-8 -f %d -l %d '%s' -", page, page, path);
        char want[32];
        snprintf(want, sizeof want, "第%d页", page);
        ck_assert_msg(strstr(text, "每页都有的抬头") && strstr(text, want), "page %d: %s", page, text);
        free(text);
    }
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("pdf");
    TCase *tc = tcase_create("pdf");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, pages_sizes_and_text);
    tcase_add_test(tc, faces_embedded);
    tcase_add_test(tc, wrapping_and_alignment);
    tcase_add_test(tc, stamps_are_drawn_once);
    tcase_add_test(tc, qr_decodes_to_its_text);
    tcase_add_test(tc, qr_text_too_long);
    tcase_add_test(tc, refusing_sink_stops_the_document);
    tcase_add_test(tc, abandoned_document_sends_nothing_more);
    tcase_add_test(tc, pages_stream_as_they_end);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return kp_test_run(suite());
}
