/* Documents that flow over as many A4 pages as they need (an
 * application form, a receipt, a summary sheet): a title, headings,
 * paragraphs and table rows, one after the other; a text longer than what
 * is left of a page goes on on the next one, line by line, and a table's
 * head row comes again at the top of each page the table continues on.
 * Every page shows a header, "第 n 页 / 共 m 页" at its foot, and, when
 * asked, a diagonal watermark laid over it (drawn last: pdftotext -raw
 * reads it at the page's end).
 *
 * The content is held here (its texts copied) and set twice: once without
 * drawing to count the pages (kp_flow_paginate), then page by page
 * (kp_flow_next_page), each page going to the document's sink as it is
 * drawn (lib/pdf/pdf.h).  Memory holds the content and one page. */
#ifndef KP_FLOW_H
#define KP_FLOW_H

#include <stdbool.h>
#include <stddef.h>

#include "err.h"
#include "pdf.h"

#define KP_FLOW_MAX_CELLS 8

/* One cell of a table row; text borrowed for the call (copied). */
struct kp_flow_cell {
    const char *text;
    double share;              /* of the row's width; a row's shares sum to 1 */
    bool label;                /* shaded and bold: it names the cell beside it */
    enum kp_pdf_align align;
};

/* Draws a fixed-height part (a QR code with the number beside it, the
 * space for a signature and a seal) at (x, y), `width` points wide, within
 * a page of d; `data` is the part's copy of what kp_flow_part was given. */
typedef void (*kp_flow_draw)(struct kp_pdf *d, double x, double y, double width, const void *data);

struct kp_flow;

/* A new empty document on `paper` whose pages show `header` at the top
 * and, unless NULL, `watermark` across them.  NULL when out of memory. */
struct kp_flow *kp_flow_new(enum kp_pdf_paper paper, const char *header, const char *watermark);

/* NULL is fine. */
void kp_flow_free(struct kp_flow *f);

/* The content, in order.  Out of memory sticks to the flow: kp_flow_paginate
 * then says KP_E_NOMEM. */
void kp_flow_title(struct kp_flow *f, const char *text);
void kp_flow_heading(struct kp_flow *f, const char *text);
void kp_flow_paragraph(struct kp_flow *f, const char *text);
/* A table's head row: repeated on each page the rows after it (up to the
 * next head, heading, title, paragraph or part) continue on. */
void kp_flow_head(struct kp_flow *f, const struct kp_flow_cell *cells, size_t n);
void kp_flow_row(struct kp_flow *f, const struct kp_flow_cell *cells, size_t n);
void kp_flow_gap(struct kp_flow *f, double height);
/* A part `height` points high, kept on one page, drawn by `draw` with a
 * copy of the `size` bytes at `data` (a struct without pointers). */
void kp_flow_part(struct kp_flow *f, double height, kp_flow_draw draw, const void *data, size_t size);

/* Sets the content without drawing, with d's fonts: the number of pages.
 * KP_E_NOMEM when the content could not be held. */
enum kp_err kp_flow_paginate(struct kp_flow *f, struct kp_pdf *d, unsigned *pages);

/* Draws the next page into d and ends it (kp_flow_paginate first); *done
 * comes back true after the last one.  The document's error. */
enum kp_err kp_flow_next_page(struct kp_flow *f, struct kp_pdf *d, bool *done);

#endif
