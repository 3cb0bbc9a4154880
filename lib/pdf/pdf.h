/* PDF documents drawn with cairo and set with Pango (the programme's
 * certificates now; application forms, receipts and reports later).  A
 * document streams: each finished page goes to the caller's sink at once,
 * so memory holds one page (and the fonts' subsets, written at the end)
 * however many pages there are.  Nothing here writes PDF or QR codes by
 * hand: cairo writes the file, Pango shapes the text with the Noto CJK
 * fonts (Debian's fonts-noto-cjk, found through fontconfig), libqrencode
 * makes the QR matrix.
 *
 * Units are points (1/72 inch) from the page's top left corner, y down.
 * Drawing never fails by itself: the first error (a sink that refused
 * bytes, cairo out of memory, a QR text too long) sticks to the document,
 * later drawing is skipped, and kp_pdf_end_page and kp_pdf_finish return
 * it.  A document is used by one thread at a time (any thread). */
#ifndef KP_PDF_H
#define KP_PDF_H

#include <stdbool.h>
#include <stddef.h>

#include "err.h"

#define KP_PDF_MM(mm) ((mm) * 72.0 / 25.4)

/* The two faces every document may use; kp_pdf_new refuses to start when
 * fontconfig does not resolve them to these families (a missing font would
 * otherwise be replaced silently, and Chinese set as empty boxes). */
#define KP_PDF_SERIF_FAMILY "Noto Serif CJK SC"
#define KP_PDF_SANS_FAMILY  "Noto Sans CJK SC"

enum kp_pdf_paper { KP_PDF_A4_PORTRAIT, KP_PDF_A4_LANDSCAPE };

/* Takes the document's next `len` bytes; anything but KP_OK stops the
 * document with that error. */
typedef enum kp_err (*kp_pdf_sink)(void *cls, const unsigned char *data, size_t len);

/* The sink of a document streamed from memory: appends to the struct
 * kp_buf `cls` (buf.h); KP_E_NOMEM once it failed. */
enum kp_err kp_pdf_buf_sink(void *cls, const unsigned char *data, size_t len);

struct kp_pdf;

/* A new document titled `title` (UTF-8, the PDF's metadata).  KP_E_NOMEM,
 * or KP_E_NOT_FOUND when a face is missing (*why then names it; static
 * storage).  Caller kp_pdf_frees. */
enum kp_err kp_pdf_new(kp_pdf_sink sink, void *cls, const char *title, struct kp_pdf **out,
                       const char **why);

/* Starts a page; its size in points comes back in *width and *height. */
void kp_pdf_begin_page(struct kp_pdf *d, enum kp_pdf_paper paper, double *width, double *height);

/* Ends the page and sends it to the sink.  The document's error, if any. */
enum kp_err kp_pdf_end_page(struct kp_pdf *d);

/* Pages ended so far. */
unsigned kp_pdf_pages(const struct kp_pdf *d);

/* Writes what is left (the fonts' subsets, the cross-reference table) to
 * the sink; the document takes no more pages.  The document's error. */
enum kp_err kp_pdf_finish(struct kp_pdf *d);

/* Frees the document (finished or not: an unfinished one is abandoned,
 * its sink gets no more bytes).  NULL is fine. */
void kp_pdf_free(struct kp_pdf *d);

struct kp_pdf_color { double r, g, b; };   /* 0 to 1 */

enum kp_pdf_face  { KP_PDF_SERIF, KP_PDF_SANS };
enum kp_pdf_align { KP_PDF_LEFT, KP_PDF_CENTER, KP_PDF_RIGHT };

struct kp_pdf_style {
    enum kp_pdf_face face;
    double size;                  /* points */
    bool bold;
    enum kp_pdf_align align;      /* within the box's width */
    double letter_spacing;        /* points added after each character */
    double line_spacing;          /* a multiple of the line height; 0: the font's */
    struct kp_pdf_color color;
};

/* Sets UTF-8 `text` in a box `width` points wide whose top left corner is
 * (x, y), wrapping between words (between any two Chinese characters);
 * returns the height it took.  Invalid UTF-8 is set as replacement marks. */
double kp_pdf_text(struct kp_pdf *d, const struct kp_pdf_style *s, double x, double y,
                   double width, const char *text);

/* The height kp_pdf_text would take, without drawing; *lines the number of
 * lines (NULL: not wanted). */
double kp_pdf_text_height(struct kp_pdf *d, const struct kp_pdf_style *s, double width,
                          const char *text, int *lines);

/* Lines of `text` set as kp_pdf_text sets them, from line `first` (0:
 * the first), as many as fit in max_height points below y: the way a long
 * text continues from page to page.  *count comes back with how many (0
 * when not even one fits), *more with whether lines are left after them.
 * Draws only when `draw` (then inside a page); returns their height. */
double kp_pdf_text_lines(struct kp_pdf *d, const struct kp_pdf_style *s, double x, double y,
                         double width, const char *text, int first, double max_height, bool draw,
                         int *count, bool *more);

/* One line of `text`, unwrapped, centred on (cx, cy), turned `degrees`
 * counter-clockwise and laid over what is drawn with `opacity` (0 to 1): a
 * watermark across a page, drawn last so that nothing hides it. */
void kp_pdf_text_turned(struct kp_pdf *d, const struct kp_pdf_style *s, double cx, double cy,
                        double degrees, double opacity, const char *text);

/* A straight line. */
void kp_pdf_line(struct kp_pdf *d, double x1, double y1, double x2, double y2, double line_width,
                 struct kp_pdf_color c);

/* A rectangle's outline (the line centred on its edges). */
void kp_pdf_rect(struct kp_pdf *d, double x, double y, double w, double h, double line_width,
                 struct kp_pdf_color c);

/* A filled rectangle. */
void kp_pdf_fill(struct kp_pdf *d, double x, double y, double w, double h, struct kp_pdf_color c);

/* A drawing that repeats on many pages (a certificate's border, a form's
 * letterhead): `draw` draws it on a w × h area from (0, 0) with the calls
 * above, once a document, the first time the document meets `draw`; the
 * PDF holds it once and every page that shows it refers to it.  Here it is
 * placed with its top left corner at (x, y). */
typedef void (*kp_pdf_draw)(struct kp_pdf *d, double w, double h);
void kp_pdf_stamp(struct kp_pdf *d, kp_pdf_draw draw, double x, double y, double w, double h);

/* A QR code of `text` (error correction level M, 8-bit mode) as black
 * squares on white in a `size`-point square at (x, y), its four-module
 * quiet zone included. */
void kp_pdf_qr(struct kp_pdf *d, double x, double y, double size, const char *text);

#endif
