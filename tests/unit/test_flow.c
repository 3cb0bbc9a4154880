/* lib/pdf/flow: a document longer than a page, read back with pdftotext:
 * the page count the dry run gave is the file's, every page says
 * "第 n 页 / 共 m 页", a long paragraph and a long table go on from page to
 * page with no line lost or set twice, the table's head comes again on each
 * page it continues on, a cell longer than a page splits, the watermark is
 * on every page when asked and nowhere when not; a landscape flow's pages
 * are landscape. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "flow.h"
#include "support/render.h"
#include "support/unit.h"

/* Renders f to <tmpdir>/name (path into path); the page count. */
static unsigned render(struct kp_flow *f, const char *name, char *path, size_t size)
{
    snprintf(path, size, "%s/%s", kp_test_tmpdir(), name);
    FILE *file = fopen(path, "wb");
    ck_assert_ptr_nonnull(file);
    struct kp_pdf *d;
    const char *why;
    ck_assert_int_eq(kp_pdf_new(kp_test_file_sink, file, "流式文档", &d, &why), KP_OK);
    unsigned pages;
    ck_assert_int_eq(kp_flow_paginate(f, d, &pages), KP_OK);
    bool done = false;
    unsigned drawn = 0;
    while (!done) {
        ck_assert_int_eq(kp_flow_next_page(f, d, &done), KP_OK);
        drawn++;
    }
    ck_assert_uint_eq(drawn, pages);
    ck_assert_int_eq(kp_pdf_finish(d), KP_OK);
    kp_pdf_free(d);
    ck_assert_int_eq(fclose(file), 0);
    return pages;
}

static char *page_text(const char *path, unsigned page)
{
    char *raw = kp_test_tool("pdftotext -raw -enc UTF-8 -f %u -l %u '%s' -", page, page, path);
    char *s = kp_test_squeeze(raw);
    free(raw);
    return s;
}

/* how many times `needle` occurs in `hay` */
static int occurrences(const char *hay, const char *needle)
{
    int n = 0;
    for (const char *p = hay; (p = strstr(p, needle)) != NULL; p += strlen(needle))
        n++;
    return n;
}

START_TEST(long_document)
{
    struct kp_flow *f = kp_flow_new(KP_PDF_A4_PORTRAIT, "测试文档　编号 T-000001", "草稿");
    ck_assert_ptr_nonnull(f);
    kp_flow_title(f, "全国科普教育基地申报表");
    kp_flow_heading(f, "一、单位简介");
    /* 300 numbered sentences: each marker 【n】 must come out once */
    struct kp_buf b = { 0 };
    for (int i = 1; i <= 300; i++)
        kp_buf_printf(&b, "【%d】科普教育基地面向公众开放。", i);
    ck_assert(!b.failed);
    kp_flow_paragraph(f, b.data);
    kp_flow_heading(f, "二、已命名情况");
    const struct kp_flow_cell head[] = { { "序号", 0.15, false, KP_PDF_CENTER },
                                         { "名称", 0.85, false, KP_PDF_LEFT } };
    kp_flow_head(f, head, 2);
    for (int i = 1; i <= 80; i++) {
        char n[16], t[64];
        snprintf(n, sizeof n, "%d", i);
        snprintf(t, sizeof t, "〔行%d〕荣誉称号", i);
        const struct kp_flow_cell row[] = { { n, 0.15, false, KP_PDF_CENTER },
                                            { t, 0.85, false, KP_PDF_LEFT } };
        kp_flow_row(f, row, 2);
    }
    /* one cell longer than a page: it must split, not overflow */
    b.len = 0;
    for (int i = 1; i <= 400; i++)
        kp_buf_printf(&b, "《%d》很长的意见。", i);
    const struct kp_flow_cell tall[] = { { "意见", 0.15, true, KP_PDF_LEFT },
                                         { b.data, 0.85, false, KP_PDF_LEFT } };
    kp_flow_row(f, tall, 2);
    char path[512];
    unsigned pages = render(f, "long.pdf", path, sizeof path);
    kp_flow_free(f);
    ck_assert_uint_ge(pages, 4);

    char *info = kp_test_tool("pdfinfo '%s'", path);
    const char *at = strstr(info, "\nPages:");
    unsigned counted = 0;
    ck_assert_msg(at && sscanf(at, "\nPages: %u", &counted) == 1, "%s", info);
    free(info);
    ck_assert_uint_eq(counted, pages);
    char want[64];

    struct kp_buf all = { 0 };
    int heads = 0, table_pages = 0;
    for (unsigned p = 1; p <= pages; p++) {
        char *t = page_text(path, p);
        snprintf(want, sizeof want, "第%u页/共%u页", p, pages);
        ck_assert_msg(strstr(t, want), "page %u: %s", p, t);
        /* the watermark is drawn last, so read last */
        size_t len = strlen(t), mark = strlen("草稿");
        ck_assert_msg(len > mark && strcmp(t + len - mark, "草稿") == 0, "page %u has no watermark", p);
        ck_assert_msg(strstr(t, "测试文档编号T-000001"), "page %u has no header", p);
        heads += occurrences(t, "序号名称");
        table_pages += strstr(t, "〔行") != NULL;
        /* the content: between the chrome (header, foot) and the watermark */
        const char *content = strstr(t, want) + strlen(want);
        kp_buf_printf(&all, "%.*s", (int)(t + len - mark - content), content);
        free(t);
    }
    ck_assert(!all.failed);
    for (int i = 1; i <= 300; i++) {
        char m[16];
        snprintf(m, sizeof m, "【%d】", i);
        ck_assert_msg(occurrences(all.data, m) == 1, "%s %d times", m, occurrences(all.data, m));
    }
    for (int i = 1; i <= 80; i++) {
        char m[16];
        snprintf(m, sizeof m, "〔行%d〕", i);
        ck_assert_msg(occurrences(all.data, m) == 1, "%s %d times", m, occurrences(all.data, m));
    }
    for (int i = 1; i <= 400; i++) {
        char m[16];
        snprintf(m, sizeof m, "《%d》", i);
        ck_assert_msg(occurrences(all.data, m) == 1, "%s %d times", m, occurrences(all.data, m));
    }
    ck_assert_int_ge(table_pages, 2);          /* the table goes on over a page */
    ck_assert_int_ge(heads, table_pages);      /* and its head with it */
    kp_buf_free(&all);
    kp_buf_free(&b);
}
END_TEST

START_TEST(no_watermark)
{
    struct kp_flow *f = kp_flow_new(KP_PDF_A4_LANDSCAPE, "回执", NULL);
    kp_flow_title(f, "全国科普教育基地申报回执");
    kp_flow_paragraph(f, "已提交。");
    char path[512];
    ck_assert_uint_eq(render(f, "short.pdf", path, sizeof path), 1);
    kp_flow_free(f);
    char *info = kp_test_tool("pdfinfo '%s'", path);
    ck_assert_msg(strstr(info, "841.89 x 595.276 pts (A4)"), "landscape: %s", info);
    free(info);
    char *t = page_text(path, 1);
    ck_assert_msg(strstr(t, "第1页/共1页") && strstr(t, "已提交。"), "%s", t);
    ck_assert_msg(strstr(t, "草稿") == NULL, "%s", t);
    free(t);
}
END_TEST

static Suite *flow_suite(void)
{
    Suite *s = suite_create("flow");
    TCase *tc = tcase_create("flow");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, long_document);
    tcase_add_test(tc, no_watermark);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return kp_test_run(flow_suite());
}
