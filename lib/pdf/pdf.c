#include <assert.h>
#include <cairo-pdf.h>
#include <cairo.h>
#include <errno.h>
#include <pango/pangocairo.h>
#include <qrencode.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "pdf.h"
#include "utf8.h"

#define A4_SHORT KP_PDF_MM(210.0)
#define A4_LONG  KP_PDF_MM(297.0)
#define QR_QUIET 4                     /* modules of white around the code (ISO/IEC 18004) */

struct stamp {
    kp_pdf_draw draw;
    cairo_surface_t *recording;
};

struct kp_pdf {
    kp_pdf_sink sink;
    void *cls;
    cairo_surface_t *surface;
    cairo_t *cr;
    PangoFontMap *fonts;               /* the document's own: nothing shared between threads */
    PangoContext *pango;
    struct stamp *stamps;              /* drawn once a document (kp_pdf_stamp) */
    size_t nstamps;
    enum kp_err err;                   /* the first error; sticks */
    unsigned pages;
    bool in_page, finished, abandoned;
};

static cairo_status_t write_out(void *closure, const unsigned char *data, unsigned int len)
{
    struct kp_pdf *d = closure;
    if (d->abandoned)                  /* kp_pdf_free of an unfinished document */
        return CAIRO_STATUS_WRITE_ERROR;
    if (d->err == KP_OK)
        d->err = d->sink(d->cls, data, len);
    return d->err ? CAIRO_STATUS_WRITE_ERROR : CAIRO_STATUS_SUCCESS;
}

/* The document's error, taking cairo's into account. */
static enum kp_err status(struct kp_pdf *d)
{
    cairo_status_t s = cairo_status(d->cr);
    if (s == CAIRO_STATUS_SUCCESS)
        s = cairo_surface_status(d->surface);
    if (d->err == KP_OK && s != CAIRO_STATUS_SUCCESS)
        d->err = s == CAIRO_STATUS_NO_MEMORY ? KP_E_NOMEM : KP_E_IO;
    return d->err;
}

static PangoFontDescription *font_of(enum kp_pdf_face face, bool bold, double size)
{
    PangoFontDescription *f = pango_font_description_new();
    pango_font_description_set_family_static(f, face == KP_PDF_SERIF ? KP_PDF_SERIF_FAMILY
                                                                      : KP_PDF_SANS_FAMILY);
    pango_font_description_set_weight(f, bold ? PANGO_WEIGHT_BOLD : PANGO_WEIGHT_NORMAL);
    pango_font_description_set_absolute_size(f, size * PANGO_SCALE);   /* points: 1 unit */
    return f;
}

/* Whether fontconfig gives the face itself, not a stand-in. */
static bool face_found(struct kp_pdf *d, enum kp_pdf_face face, bool bold)
{
    PangoFontDescription *want = font_of(face, bold, 12);
    PangoFont *font = pango_font_map_load_font(d->fonts, d->pango, want);
    bool found = false;
    if (font != NULL) {
        PangoFontDescription *got = pango_font_describe(font);
        const char *family = pango_font_description_get_family(got);
        found = family != NULL && strcmp(family, pango_font_description_get_family(want)) == 0
                && (pango_font_description_get_weight(got) >= PANGO_WEIGHT_BOLD) == bold;
        pango_font_description_free(got);
        g_object_unref(font);
    }
    pango_font_description_free(want);
    return found;
}

enum kp_err kp_pdf_buf_sink(void *cls, const unsigned char *data, size_t len)
{
    struct kp_buf *b = cls;
    kp_buf_append(b, data, len);
    return b->failed ? KP_E_NOMEM : KP_OK;
}

enum kp_err kp_pdf_new(kp_pdf_sink sink, void *cls, const char *title, struct kp_pdf **out,
                       const char **why)
{
    *out = NULL;
    *why = NULL;
    struct kp_pdf *d = calloc(1, sizeof *d);
    if (d == NULL)
        return KP_E_NOMEM;
    d->sink = sink;
    d->cls = cls;
    d->surface = cairo_pdf_surface_create_for_stream(write_out, d, A4_SHORT, A4_LONG);
    d->cr = cairo_create(d->surface);
    d->fonts = pango_cairo_font_map_new();
    d->pango = d->fonts ? pango_font_map_create_context(d->fonts) : NULL;
    if (d->pango == NULL || status(d) != KP_OK) {
        enum kp_err err = d->err ? d->err : KP_E_NOMEM;
        kp_pdf_free(d);
        return err;
    }
    /* Chinese rules for line breaks and the SC forms of the CJK fonts */
    pango_context_set_language(d->pango, pango_language_from_string("zh-cn"));
    pango_cairo_update_context(d->cr, d->pango);
    static const struct { enum kp_pdf_face face; bool bold; const char *name; } faces[] = {
        { KP_PDF_SERIF, false, KP_PDF_SERIF_FAMILY },
        { KP_PDF_SERIF, true,  KP_PDF_SERIF_FAMILY " Bold" },
        { KP_PDF_SANS,  false, KP_PDF_SANS_FAMILY },
        { KP_PDF_SANS,  true,  KP_PDF_SANS_FAMILY " Bold" },
    };
    for (size_t i = 0; i < sizeof faces / sizeof faces[0]; i++)
        if (!face_found(d, faces[i].face, faces[i].bold)) {
            *why = faces[i].name;
            kp_pdf_free(d);
            return KP_E_NOT_FOUND;
        }
    cairo_pdf_surface_set_metadata(d->surface, CAIRO_PDF_METADATA_TITLE, title);
    cairo_pdf_surface_set_metadata(d->surface, CAIRO_PDF_METADATA_CREATOR, "kpjd");
    *out = d;
    return KP_OK;
}

void kp_pdf_begin_page(struct kp_pdf *d, enum kp_pdf_paper paper, double *width, double *height)
{
    assert(!d->in_page && !d->finished);
    d->in_page = true;
    *width = paper == KP_PDF_A4_LANDSCAPE ? A4_LONG : A4_SHORT;
    *height = paper == KP_PDF_A4_LANDSCAPE ? A4_SHORT : A4_LONG;
    cairo_pdf_surface_set_size(d->surface, *width, *height);
}

enum kp_err kp_pdf_end_page(struct kp_pdf *d)
{
    assert(d->in_page);
    d->in_page = false;
    if (d->err == KP_OK) {
        cairo_show_page(d->cr);        /* the page goes out through write_out now */
        d->pages++;
    }
    return status(d);
}

unsigned kp_pdf_pages(const struct kp_pdf *d)
{
    return d->pages;
}

enum kp_err kp_pdf_finish(struct kp_pdf *d)
{
    assert(!d->in_page && !d->finished);
    d->finished = true;
    status(d);                         /* before finishing resets the context's */
    cairo_surface_finish(d->surface);
    return status(d);
}

void kp_pdf_free(struct kp_pdf *d)
{
    if (d == NULL)
        return;
    d->abandoned = !d->finished;       /* destroying finishes the surface: no bytes then */
    if (d->cr)
        cairo_destroy(d->cr);
    if (d->surface)
        cairo_surface_destroy(d->surface);
    for (size_t i = 0; i < d->nstamps; i++)
        cairo_surface_destroy(d->stamps[i].recording);
    free(d->stamps);
    if (d->pango)
        g_object_unref(d->pango);
    if (d->fonts)
        g_object_unref(d->fonts);
    free(d);
}

/* A layout of `text` in `s`, `width` points wide.  Caller unrefs. */
static PangoLayout *layout_of(struct kp_pdf *d, const struct kp_pdf_style *s, double width,
                              const char *text)
{
    PangoLayout *l = pango_layout_new(d->pango);
    PangoFontDescription *f = font_of(s->face, s->bold, s->size);
    pango_layout_set_font_description(l, f);
    pango_font_description_free(f);
    pango_layout_set_width(l, (int)(width * PANGO_SCALE));
    pango_layout_set_wrap(l, PANGO_WRAP_WORD_CHAR);
    pango_layout_set_alignment(l, s->align == KP_PDF_CENTER ? PANGO_ALIGN_CENTER
                                  : s->align == KP_PDF_RIGHT ? PANGO_ALIGN_RIGHT : PANGO_ALIGN_LEFT);
    if (s->line_spacing > 0)
        pango_layout_set_line_spacing(l, (float)s->line_spacing);
    if (s->letter_spacing != 0) {
        PangoAttrList *attrs = pango_attr_list_new();
        pango_attr_list_insert(attrs, pango_attr_letter_spacing_new((int)(s->letter_spacing * PANGO_SCALE)));
        pango_layout_set_attributes(l, attrs);
        pango_attr_list_unref(attrs);
    }
    if (kp_utf8_valid(text, strlen(text))) {
        pango_layout_set_text(l, text, -1);
    } else {                           /* Pango would complain on stderr */
        char *valid = g_utf8_make_valid(text, -1);
        pango_layout_set_text(l, valid, -1);
        g_free(valid);
    }
    return l;
}

double kp_pdf_text_height(struct kp_pdf *d, const struct kp_pdf_style *s, double width,
                          const char *text, int *lines)
{
    PangoLayout *l = layout_of(d, s, width, text);
    int w, h;
    pango_layout_get_size(l, &w, &h);
    if (lines)
        *lines = pango_layout_get_line_count(l);
    g_object_unref(l);
    return (double)h / PANGO_SCALE;
}

double kp_pdf_text(struct kp_pdf *d, const struct kp_pdf_style *s, double x, double y,
                   double width, const char *text)
{
    assert(d->in_page);
    if (d->err)
        return 0;
    PangoLayout *l = layout_of(d, s, width, text);
    cairo_set_source_rgb(d->cr, s->color.r, s->color.g, s->color.b);
    cairo_move_to(d->cr, x, y);
    pango_cairo_show_layout(d->cr, l);
    int w, h;
    pango_layout_get_size(l, &w, &h);
    g_object_unref(l);
    return (double)h / PANGO_SCALE;
}

double kp_pdf_text_lines(struct kp_pdf *d, const struct kp_pdf_style *s, double x, double y,
                         double width, const char *text, int first, double max_height, bool draw,
                         int *count, bool *more)
{
    assert(!draw || d->in_page);
    assert(first >= 0);
    PangoLayout *l = layout_of(d, s, width, text);
    PangoLayoutIter *it = pango_layout_get_iter(l);
    if (draw && d->err == KP_OK)
        cairo_set_source_rgb(d->cr, s->color.r, s->color.g, s->color.b);
    int line = 0, top = 0, bottom = 0, taken = 0;
    bool left = false;
    do {
        if (line++ < first)
            continue;
        int y0, y1;
        pango_layout_iter_get_line_yrange(it, &y0, &y1);
        if (taken == 0)
            top = y0;
        if ((double)(y1 - top) / PANGO_SCALE > max_height) {
            left = true;
            break;
        }
        if (draw && d->err == KP_OK) {
            PangoRectangle logical;
            pango_layout_iter_get_line_extents(it, NULL, &logical);
            cairo_move_to(d->cr, x + (double)logical.x / PANGO_SCALE,
                          y + (double)(pango_layout_iter_get_baseline(it) - top) / PANGO_SCALE);
            pango_cairo_show_layout_line(d->cr, pango_layout_iter_get_line_readonly(it));
        }
        bottom = y1;
        taken++;
    } while (pango_layout_iter_next_line(it));
    pango_layout_iter_free(it);
    g_object_unref(l);
    *count = taken;
    *more = left;
    return (double)(bottom - top) / PANGO_SCALE;
}

void kp_pdf_text_turned(struct kp_pdf *d, const struct kp_pdf_style *s, double cx, double cy,
                        double degrees, double opacity, const char *text)
{
    assert(d->in_page);
    if (d->err)
        return;
    PangoLayout *l = layout_of(d, s, 0, text);
    pango_layout_set_width(l, -1);     /* one line, however long */
    int w, h;
    pango_layout_get_size(l, &w, &h);
    cairo_save(d->cr);
    cairo_translate(d->cr, cx, cy);
    cairo_rotate(d->cr, -degrees * G_PI / 180.0);
    cairo_push_group(d->cr);           /* drawn opaque, then laid over at `opacity` */
    cairo_set_source_rgb(d->cr, s->color.r, s->color.g, s->color.b);
    cairo_move_to(d->cr, -(double)w / PANGO_SCALE / 2, -(double)h / PANGO_SCALE / 2);
    pango_cairo_show_layout(d->cr, l);
    cairo_pop_group_to_source(d->cr);
    cairo_paint_with_alpha(d->cr, opacity);
    cairo_restore(d->cr);
    g_object_unref(l);
}

void kp_pdf_line(struct kp_pdf *d, double x1, double y1, double x2, double y2, double line_width,
                 struct kp_pdf_color c)
{
    assert(d->in_page);
    if (d->err)
        return;
    cairo_move_to(d->cr, x1, y1);
    cairo_line_to(d->cr, x2, y2);
    cairo_set_line_width(d->cr, line_width);
    cairo_set_source_rgb(d->cr, c.r, c.g, c.b);
    cairo_stroke(d->cr);
}

void kp_pdf_rect(struct kp_pdf *d, double x, double y, double w, double h, double line_width,
                 struct kp_pdf_color c)
{
    assert(d->in_page);
    if (d->err)
        return;
    cairo_rectangle(d->cr, x, y, w, h);
    cairo_set_line_width(d->cr, line_width);
    cairo_set_source_rgb(d->cr, c.r, c.g, c.b);
    cairo_stroke(d->cr);
}

void kp_pdf_fill(struct kp_pdf *d, double x, double y, double w, double h, struct kp_pdf_color c)
{
    assert(d->in_page);
    if (d->err)
        return;
    cairo_rectangle(d->cr, x, y, w, h);
    cairo_set_source_rgb(d->cr, c.r, c.g, c.b);
    cairo_fill(d->cr);
}

/* The stamp `draw` draws, recorded the first time. */
static cairo_surface_t *recording_of(struct kp_pdf *d, kp_pdf_draw draw, double w, double h)
{
    for (size_t i = 0; i < d->nstamps; i++)
        if (d->stamps[i].draw == draw)
            return d->stamps[i].recording;
    struct stamp *more = realloc(d->stamps, (d->nstamps + 1) * sizeof *more);
    if (more == NULL) {
        d->err = KP_E_NOMEM;
        return NULL;
    }
    d->stamps = more;
    cairo_rectangle_t extents = { 0, 0, w, h };
    cairo_surface_t *rec = cairo_recording_surface_create(CAIRO_CONTENT_COLOR_ALPHA, &extents);
    cairo_t *page = d->cr;
    d->cr = cairo_create(rec);         /* the drawing calls record */
    draw(d, w, h);
    cairo_status_t s = cairo_status(d->cr);
    cairo_destroy(d->cr);
    d->cr = page;
    if (s == CAIRO_STATUS_SUCCESS)
        s = cairo_surface_status(rec);
    if (s != CAIRO_STATUS_SUCCESS) {
        cairo_surface_destroy(rec);
        if (d->err == KP_OK)
            d->err = s == CAIRO_STATUS_NO_MEMORY ? KP_E_NOMEM : KP_E_IO;
        return NULL;
    }
    d->stamps[d->nstamps++] = (struct stamp){ draw, rec };
    return rec;
}

void kp_pdf_stamp(struct kp_pdf *d, kp_pdf_draw draw, double x, double y, double w, double h)
{
    assert(d->in_page);
    if (d->err)
        return;
    cairo_surface_t *rec = recording_of(d, draw, w, h);
    if (rec == NULL)
        return;
    cairo_set_source_surface(d->cr, rec, x, y);
    cairo_rectangle(d->cr, x, y, w, h);
    cairo_fill(d->cr);
}

void kp_pdf_qr(struct kp_pdf *d, double x, double y, double size, const char *text)
{
    assert(d->in_page);
    if (d->err)
        return;
    QRcode *q = QRcode_encodeString(text, 0, QR_ECLEVEL_M, QR_MODE_8, 1);
    if (q == NULL) {                   /* ERANGE: too long for a QR code; EINVAL; ENOMEM */
        d->err = errno == ENOMEM ? KP_E_NOMEM : KP_E_INVAL;
        return;
    }
    kp_pdf_fill(d, x, y, size, size, (struct kp_pdf_color){ 1, 1, 1 });
    int n = q->width;
    double m = size / (n + 2 * QR_QUIET);
    /* one rectangle per run of dark modules in a row, one fill for all */
    for (int row = 0; row < n; row++)
        for (int col = 0; col < n;) {
            if (!(q->data[row * n + col] & 1)) {    /* bit 0: dark */
                col++;
                continue;
            }
            int end = col;
            while (end < n && (q->data[row * n + end] & 1))
                end++;
            cairo_rectangle(d->cr, x + (QR_QUIET + col) * m, y + (QR_QUIET + row) * m, (end - col) * m, m);
            col = end;
        }
    cairo_set_source_rgb(d->cr, 0, 0, 0);
    cairo_fill(d->cr);
    QRcode_free(q);
}
