#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "buf.h"
#include "certpage.h"

static const char *const DIGITS[] = { "〇", "一", "二", "三", "四", "五", "六", "七", "八", "九" };

/* 1 to 31 as read aloud: 十, 十一, 二十, 三十一 */
static void number_zh(struct kp_buf *b, int v)
{
    int tens = v / 10, ones = v % 10;
    if (tens > 1)
        kp_buf_printf(b, "%s", DIGITS[tens]);
    if (tens > 0)
        kp_buf_printf(b, "十");
    if (ones > 0)
        kp_buf_printf(b, "%s", DIGITS[ones]);
}

static int days_in(int year, int month)
{
    static const int days[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
    bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    return month == 2 && leap ? 29 : days[month - 1];
}

bool kp_certpage_date(const char *iso, char *out, size_t n)
{
    static const char shape[] = "dddd-dd-dd";
    if (strlen(iso) != sizeof shape - 1)
        return false;
    for (size_t i = 0; shape[i]; i++)
        if (shape[i] == 'd' ? !isdigit((unsigned char)iso[i]) : iso[i] != shape[i])
            return false;
    int year, month, day;
    if (sscanf(iso, "%4d-%2d-%2d", &year, &month, &day) != 3 || year < 1000
        || month < 1 || month > 12 || day < 1 || day > days_in(year, month))
        return false;
    struct kp_buf b = { 0 };
    for (int i = 0; i < 4; i++)
        kp_buf_printf(&b, "%s", DIGITS[iso[i] - '0']);
    kp_buf_printf(&b, "年");
    number_zh(&b, month);
    kp_buf_printf(&b, "月");
    number_zh(&b, day);
    kp_buf_printf(&b, "日");
    bool fits = !b.failed && b.len < n;
    if (fits)
        memcpy(out, b.data, b.len + 1);
    kp_buf_free(&b);
    return fits;
}

/* ---- the page ---------------------------------------------------------- */

static const struct kp_pdf_color RED  = { 0.62, 0.09, 0.10 };   /* the programme's 中国红 */
static const struct kp_pdf_color GOLD = { 0.72, 0.55, 0.22 };
static const struct kp_pdf_color INK  = { 0.10, 0.10, 0.10 };
static const struct kp_pdf_color GREY = { 0.35, 0.35, 0.35 };

/* A 回 ornament (a square spiral of two turns) of side s at (x, y). */
static void hui(struct kp_pdf *d, double x, double y, double s, double lw, struct kp_pdf_color c)
{
    kp_pdf_rect(d, x, y, s, s, lw, c);
    kp_pdf_rect(d, x + s * 0.3, y + s * 0.3, s * 0.4, s * 0.4, lw, c);
}

/* A red frame, a gold band of diamonds between two gold rules, a thin red
 * inner rule, and 回 ornaments in the four corners. */
static void border(struct kp_pdf *d, double w, double h)
{
    double m = KP_PDF_MM(9), band = KP_PDF_MM(5);
    kp_pdf_rect(d, m, m, w - 2 * m, h - 2 * m, 3.0, RED);
    double a = m + KP_PDF_MM(2.2);                   /* the band's outer edge */
    kp_pdf_rect(d, a, a, w - 2 * a, h - 2 * a, 0.8, GOLD);
    kp_pdf_rect(d, a + band, a + band, w - 2 * (a + band), h - 2 * (a + band), 0.8, GOLD);
    double in = a + band + KP_PDF_MM(1.8);
    kp_pdf_rect(d, in, in, w - 2 * in, h - 2 * in, 1.2, RED);

    /* diamonds along the band, an equal number per edge, clear of the corners */
    double mid = a + band / 2, r = band * 0.28;
    double edges[2] = { w - 2 * (a + band), h - 2 * (a + band) };
    for (int e = 0; e < 2; e++) {
        int count = (int)(edges[e] / KP_PDF_MM(6));
        double step = edges[e] / count;
        for (int i = 1; i < count; i++) {
            double t = a + band + i * step;
            double cx[2] = { e == 0 ? t : mid, e == 0 ? t : w - mid };
            double cy[2] = { e == 0 ? mid : t, e == 0 ? h - mid : t };
            for (int k = 0; k < 2; k++) {
                kp_pdf_line(d, cx[k] - r, cy[k], cx[k], cy[k] - r, 0.7, GOLD);
                kp_pdf_line(d, cx[k], cy[k] - r, cx[k] + r, cy[k], 0.7, GOLD);
                kp_pdf_line(d, cx[k] + r, cy[k], cx[k], cy[k] + r, 0.7, GOLD);
                kp_pdf_line(d, cx[k], cy[k] + r, cx[k] - r, cy[k], 0.7, GOLD);
            }
        }
    }
    /* the corners: a red square over the band with a 回 inside */
    double c = band + KP_PDF_MM(1.2);
    double xs[2] = { a - KP_PDF_MM(0.6), w - a - c + KP_PDF_MM(0.6) };
    double ys[2] = { a - KP_PDF_MM(0.6), h - a - c + KP_PDF_MM(0.6) };
    for (int i = 0; i < 2; i++)
        for (int j = 0; j < 2; j++) {
            kp_pdf_fill(d, xs[i], ys[j], c, c, RED);
            hui(d, xs[i] + c * 0.18, ys[j] + c * 0.18, c * 0.64, 0.8, GOLD);
        }
}

/* What every certificate shows: the border, the title with a gold rule
 * under it, the sentence under the base's name.  A stamp: drawn once a
 * document, every page refers to it. */
static void constant_parts(struct kp_pdf *d, double w, double h)
{
    border(d, w, h);
    double inner = KP_PDF_MM(24), text_w = w - 2 * inner;
    static const struct kp_pdf_style title = { .face = KP_PDF_SERIF, .size = 44, .bold = true,
                                               .align = KP_PDF_CENTER, .letter_spacing = 10,
                                               .color = RED };
    double y = KP_PDF_MM(30);
    y += kp_pdf_text(d, &title, inner, y, text_w, "全国科普教育基地");
    /* a gold rule under the title, with a diamond at its middle */
    double rule_y = y + KP_PDF_MM(3), half = KP_PDF_MM(45);
    kp_pdf_line(d, w / 2 - half, rule_y, w / 2 - KP_PDF_MM(3), rule_y, 1.0, GOLD);
    kp_pdf_line(d, w / 2 + KP_PDF_MM(3), rule_y, w / 2 + half, rule_y, 1.0, GOLD);
    kp_pdf_fill(d, w / 2 - KP_PDF_MM(1.2), rule_y - KP_PDF_MM(1.2), KP_PDF_MM(2.4), KP_PDF_MM(2.4), GOLD);

    static const struct kp_pdf_style praise = { .face = KP_PDF_SERIF, .size = 18,
                                                .align = KP_PDF_CENTER, .color = INK };
    kp_pdf_text(d, &praise, inner, KP_PDF_MM(89), text_w,
                "经评审，被认定为全国科普教育基地。特发此证。");
}

/* The base's name, as large as fits (30 points down to 14) in a box of
 * `height` points from y, centred in it. */
static void base_name(struct kp_pdf *d, double x, double y, double width, double height,
                      const char *name)
{
    struct kp_pdf_style s = { .face = KP_PDF_SERIF, .size = 30, .bold = true,
                              .align = KP_PDF_CENTER, .letter_spacing = 2, .color = INK };
    double h;
    while ((h = kp_pdf_text_height(d, &s, width, name, NULL)) > height && s.size > 14)
        s.size -= 2;
    kp_pdf_text(d, &s, x, y + (height - h) / 2, width, name);
}

/* One line of the facts: the label at x, the value beside it. */
static double fact(struct kp_pdf *d, double x, double y, double width, const char *label,
                   const char *value)
{
    static const struct kp_pdf_style L = { .face = KP_PDF_SERIF, .size = 17, .bold = true,
                                           .letter_spacing = 0, .color = RED };
    static const struct kp_pdf_style V = { .face = KP_PDF_SERIF, .size = 17, .color = INK };
    double label_w = KP_PDF_MM(30);
    kp_pdf_text(d, &L, x, y, label_w, label);
    double h = kp_pdf_text(d, &V, x + label_w, y, width - label_w, value);
    return h + KP_PDF_MM(3);
}

enum kp_err kp_certpage_draw(struct kp_pdf *d, const struct kp_certpage *c)
{
    char date[80], term[64];
    if (!kp_certpage_date(c->named_on, date, sizeof date))
        return KP_E_INVAL;
    snprintf(term, sizeof term, "%d—%d年", c->term_start_year, c->term_end_year);

    double w, h;
    kp_pdf_begin_page(d, KP_PDF_A4_LANDSCAPE, &w, &h);
    kp_pdf_stamp(d, constant_parts, 0, 0, w, h);

    double inner = KP_PDF_MM(24), text_w = w - 2 * inner;
    base_name(d, inner + KP_PDF_MM(10), KP_PDF_MM(59), text_w - KP_PDF_MM(20), KP_PDF_MM(27), c->base_name);

    double fx = KP_PDF_MM(62), fy = KP_PDF_MM(108), fw = w - 2 * fx;
    fy += fact(d, fx, fy, fw, "申报单位", c->unit_name);
    fy += fact(d, fx, fy, fw, "命名期限", term);
    fact(d, fx, fy, fw, "证书编号", c->certificate_no);

    /* bottom left: the QR code of the verification page */
    double qr = KP_PDF_MM(30), qx = KP_PDF_MM(30), qy = h - KP_PDF_MM(30) - qr - KP_PDF_MM(6);
    kp_pdf_qr(d, qx, qy, qr, c->verify_url);
    static const struct kp_pdf_style caption = { .face = KP_PDF_SANS, .size = 8,
                                                 .align = KP_PDF_CENTER, .color = GREY };
    kp_pdf_text(d, &caption, qx - KP_PDF_MM(5), qy + qr + KP_PDF_MM(0.5), qr + KP_PDF_MM(10),
                "扫码核验证书真伪");

    /* bottom right: the issuer and the date of naming */
    static const struct kp_pdf_style issuer = { .face = KP_PDF_SERIF, .size = 20, .bold = true,
                                                .align = KP_PDF_CENTER, .letter_spacing = 2,
                                                .color = INK };
    static const struct kp_pdf_style when = { .face = KP_PDF_SERIF, .size = 16,
                                              .align = KP_PDF_CENTER, .color = INK };
    double ix = w - KP_PDF_MM(118), iw = KP_PDF_MM(88), iy = h - KP_PDF_MM(58);
    iy += kp_pdf_text(d, &issuer, ix, iy, iw, KP_CERTPAGE_ISSUER) + KP_PDF_MM(2);
    kp_pdf_text(d, &when, ix, iy, iw, date);
    return kp_pdf_end_page(d);
}
