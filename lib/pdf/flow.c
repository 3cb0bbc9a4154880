#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "flow.h"

#define MARGIN      KP_PDF_MM(20)
#define TOP         KP_PDF_MM(22)      /* the content's top, under the header */
#define BOTTOM      KP_PDF_MM(20)      /* the content's bottom margin, above the footer */
#define PAD         KP_PDF_MM(1.6)     /* inside a cell */
#define ORPHAN      40.0               /* a row starts on a page only with this much room */

static const struct kp_pdf_color INK   = { 0.10, 0.10, 0.10 };
static const struct kp_pdf_color GREY  = { 0.40, 0.40, 0.40 };
static const struct kp_pdf_color RULE  = { 0.25, 0.25, 0.25 };
static const struct kp_pdf_color SHADE = { 0.93, 0.93, 0.93 };
static const struct kp_pdf_color MARKED = { 0.45, 0.45, 0.45 };

static const struct kp_pdf_style TITLE = { .face = KP_PDF_SERIF, .size = 20, .bold = true,
                                           .align = KP_PDF_CENTER, .letter_spacing = 2,
                                           .color = INK };
static const struct kp_pdf_style HEADING = { .face = KP_PDF_SANS, .size = 12, .bold = true,
                                             .color = INK };
static const struct kp_pdf_style BODY = { .face = KP_PDF_SERIF, .size = 10.5,
                                          .line_spacing = 1.25, .color = INK };
static const struct kp_pdf_style LABEL = { .face = KP_PDF_SANS, .size = 10, .bold = true,
                                           .color = INK };
static const struct kp_pdf_style CELL = { .face = KP_PDF_SERIF, .size = 10,
                                          .line_spacing = 1.15, .color = INK };
static const struct kp_pdf_style SMALL = { .face = KP_PDF_SANS, .size = 8, .color = GREY };
static const struct kp_pdf_style MARK = { .face = KP_PDF_SANS, .size = 110, .bold = true,
                                          .color = MARKED };

enum kind { TITLE_, HEADING_, PARAGRAPH, HEAD, ROW, GAP, PART };

struct block {
    enum kind kind;
    size_t ncells;
    char *text[KP_FLOW_MAX_CELLS];     /* TITLE_, HEADING_, PARAGRAPH: text[0] */
    double share[KP_FLOW_MAX_CELLS];
    bool label[KP_FLOW_MAX_CELLS];
    enum kp_pdf_align align[KP_FLOW_MAX_CELLS];
    long head;                         /* ROW: its table's head block, or -1 */
    double height;                     /* GAP, PART */
    kp_flow_draw draw;                 /* PART, with its copy of the data */
    void *data;
};

/* Where the content is: the next block, and for a row or paragraph split
 * over pages, the first line of each cell not yet set. */
struct pos {
    size_t block;
    int line[KP_FLOW_MAX_CELLS];
};

struct kp_flow {
    enum kp_pdf_paper paper;
    char *header, *watermark;
    struct block *blocks;
    size_t n, cap;
    long head;                         /* the head rows now belong to, or -1 */
    bool failed;
    unsigned pages, drawn;             /* counted by kp_flow_paginate; drawn so far */
    struct pos at;                     /* where the next page starts */
};

struct kp_flow *kp_flow_new(enum kp_pdf_paper paper, const char *header, const char *watermark)
{
    struct kp_flow *f = calloc(1, sizeof *f);
    if (f == NULL)
        return NULL;
    f->paper = paper;
    f->header = strdup(header);
    f->watermark = watermark ? strdup(watermark) : NULL;
    f->head = -1;
    if (f->header == NULL || (watermark && f->watermark == NULL)) {
        kp_flow_free(f);
        return NULL;
    }
    return f;
}

void kp_flow_free(struct kp_flow *f)
{
    if (f == NULL)
        return;
    for (size_t i = 0; i < f->n; i++)
        for (size_t c = 0; c < f->blocks[i].ncells; c++)
            free(f->blocks[i].text[c]);
    for (size_t i = 0; i < f->n; i++)
        free(f->blocks[i].data);
    free(f->blocks);
    free(f->header);
    free(f->watermark);
    free(f);
}

/* A new block at the end, zeroed but for its kind; NULL when out of memory. */
static struct block *add(struct kp_flow *f, enum kind kind)
{
    if (f->failed)
        return NULL;
    if (f->n == f->cap) {
        size_t cap = f->cap ? f->cap * 2 : 32;
        struct block *more = realloc(f->blocks, cap * sizeof *more);
        if (more == NULL) {
            f->failed = true;
            return NULL;
        }
        f->blocks = more;
        f->cap = cap;
    }
    struct block *b = &f->blocks[f->n++];
    memset(b, 0, sizeof *b);
    b->kind = kind;
    b->head = -1;
    if (kind != ROW && kind != GAP)
        f->head = kind == HEAD ? (long)(f->n - 1) : -1;
    return b;
}

static void cells(struct kp_flow *f, struct block *b, const struct kp_flow_cell *c, size_t n)
{
    assert(n >= 1 && n <= KP_FLOW_MAX_CELLS);
    for (size_t i = 0; b && i < n; i++) {
        b->text[i] = strdup(c[i].text);
        b->ncells = i + 1;
        b->share[i] = c[i].share;
        b->label[i] = c[i].label;
        b->align[i] = c[i].align;
        if (b->text[i] == NULL)
            f->failed = true;
    }
}

static void text_block(struct kp_flow *f, enum kind kind, const char *text)
{
    struct kp_flow_cell c = { .text = text, .share = 1 };
    struct block *b = add(f, kind);
    cells(f, b, &c, 1);
}

void kp_flow_title(struct kp_flow *f, const char *text) { text_block(f, TITLE_, text); }
void kp_flow_heading(struct kp_flow *f, const char *text) { text_block(f, HEADING_, text); }
void kp_flow_paragraph(struct kp_flow *f, const char *text) { text_block(f, PARAGRAPH, text); }

void kp_flow_head(struct kp_flow *f, const struct kp_flow_cell *c, size_t n)
{
    cells(f, add(f, HEAD), c, n);
}

void kp_flow_row(struct kp_flow *f, const struct kp_flow_cell *c, size_t n)
{
    struct block *b = add(f, ROW);
    if (b)
        b->head = f->head;
    cells(f, b, c, n);
}

void kp_flow_gap(struct kp_flow *f, double height)
{
    struct block *b = add(f, GAP);
    if (b)
        b->height = height;
}

void kp_flow_part(struct kp_flow *f, double height, kp_flow_draw draw, const void *data, size_t size)
{
    struct block *b = add(f, PART);
    if (b == NULL)
        return;
    b->height = height;
    b->draw = draw;
    if ((b->data = malloc(size ? size : 1)) == NULL)
        f->failed = true;
    else if (size > 0)
        memcpy(b->data, data, size);
}

/* ---- setting a page ---------------------------------------------------- */

struct page {
    struct kp_flow *f;
    struct kp_pdf *d;
    bool draw;
    double width, y, bottom;           /* the content's width; where the next block goes; its limit */
    bool empty;                        /* nothing set on it yet */
};

/* Sets the lines of a row's cells from line[] on, as many as fit: the
 * row's height (0 when it should wait for the next page); line[] moves on,
 * *rest says whether lines are left. */
static double set_row(struct page *p, const struct block *b, int line[], bool *rest)
{
    const struct kp_pdf_style *plain = b->kind == PARAGRAPH ? &BODY : &CELL;
    double room = p->bottom - p->y - 2 * PAD;
    if (b->kind == PARAGRAPH)
        room = p->bottom - p->y;
    int count[KP_FLOW_MAX_CELLS];
    bool more[KP_FLOW_MAX_CELLS];
    double tall = 0, x = MARGIN;
    double pad = b->kind == PARAGRAPH ? 0 : PAD;
    bool any_left = false, none = true;
    for (size_t c = 0; c < b->ncells; c++) {
        double w = p->width * b->share[c] - 2 * pad;
        const struct kp_pdf_style *s = b->label[c] || b->kind == HEAD ? &LABEL : plain;
        double h = kp_pdf_text_lines(p->d, s, 0, 0, w, b->text[c], line[c], room, false,
                                     &count[c], &more[c]);
        if (count[c] > 0)
            none = false;
        any_left |= more[c];
        tall = h > tall ? h : tall;
    }
    /* a row that does not fit starts on the next page, unless the page is
     * new or enough of it fits to be worth splitting */
    if (!p->empty && (none || (any_left && (b->kind == HEAD || room < ORPHAN))))
        return 0;
    double height = tall + 2 * pad;
    if (p->draw) {
        for (size_t c = 0; c < b->ncells; c++) {
            double w = p->width * b->share[c];
            const struct kp_pdf_style *s = b->label[c] || b->kind == HEAD ? &LABEL : plain;
            struct kp_pdf_style aligned = *s;
            aligned.align = b->align[c];
            if (b->kind != PARAGRAPH) {
                if (b->label[c] || b->kind == HEAD)
                    kp_pdf_fill(p->d, x, p->y, w, height, SHADE);
                kp_pdf_rect(p->d, x, p->y, w, height, 0.6, RULE);
            }
            int n;
            bool m;
            kp_pdf_text_lines(p->d, &aligned, x + pad, p->y + pad, w - 2 * pad, b->text[c],
                              line[c], room, true, &n, &m);
            x += w;
        }
    }
    for (size_t c = 0; c < b->ncells; c++)
        line[c] += count[c];
    *rest = any_left;
    return height;
}

static void chrome(struct page *p, double page_w, double page_h, unsigned n, unsigned of)
{
    struct kp_flow *f = p->f;
    kp_pdf_text(p->d, &SMALL, MARGIN, KP_PDF_MM(12), p->width, f->header);
    kp_pdf_line(p->d, MARGIN, KP_PDF_MM(17), page_w - MARGIN, KP_PDF_MM(17), 0.5, GREY);
    char foot[64];
    snprintf(foot, sizeof foot, "第 %u 页 / 共 %u 页", n, of);
    struct kp_pdf_style s = SMALL;
    s.align = KP_PDF_CENTER;
    kp_pdf_text(p->d, &s, MARGIN, page_h - KP_PDF_MM(13), p->width, foot);
}

/* Sets one page from *at, drawing it when p->draw; *at moves on. */
static void set_page(struct page *p, struct pos *at)
{
    struct kp_flow *f = p->f;
    p->y = TOP;
    p->empty = true;
    while (at->block < f->n) {
        const struct block *b = &f->blocks[at->block];
        bool rest = false;
        double h = 0;
        switch (b->kind) {
        case TITLE_:
        case HEADING_: {
            const struct kp_pdf_style *s = b->kind == TITLE_ ? &TITLE : &HEADING;
            h = kp_pdf_text_height(p->d, s, p->width, b->text[0], NULL);
            double after = b->kind == TITLE_ ? KP_PDF_MM(6) : KP_PDF_MM(2);
            double before = b->kind == HEADING_ && !p->empty ? KP_PDF_MM(3) : 0;
            /* a heading keeps some of what it heads with it */
            if (!p->empty && p->y + before + h + after + ORPHAN > p->bottom)
                return;
            p->y += before;
            if (p->draw)
                kp_pdf_text(p->d, s, MARGIN, p->y, p->width, b->text[0]);
            h += after;
            break;
        }
        case GAP:
            if (p->empty)                          /* no gap at a page's top */
                break;
            if (p->y + b->height > p->bottom)
                return;
            h = b->height;
            break;
        case PART:
            if (!p->empty && p->y + b->height > p->bottom)
                return;
            if (p->draw)
                b->draw(p->d, MARGIN, p->y, p->width, b->data);
            h = b->height;
            break;
        case ROW:
            /* a table going on from the last page: its head first */
            if (p->empty && b->head >= 0) {
                int zero[KP_FLOW_MAX_CELLS] = { 0 };
                bool r;
                p->y += set_row(p, &f->blocks[b->head], zero, &r);
                p->empty = false;
            }
            /* fall through */
        case PARAGRAPH:
        case HEAD:
            h = set_row(p, b, at->line, &rest);
            if (h == 0 && !p->empty)
                return;
            if (b->kind == PARAGRAPH)
                h += KP_PDF_MM(2);
            break;
        }
        p->y += h;
        p->empty = false;
        if (rest)
            return;                                /* the page is full: the row goes on */
        at->block++;
        memset(at->line, 0, sizeof at->line);
    }
}

enum kp_err kp_flow_paginate(struct kp_flow *f, struct kp_pdf *d, unsigned *pages)
{
    if (f->failed)
        return KP_E_NOMEM;
    struct pos at = { 0 };
    bool landscape = f->paper == KP_PDF_A4_LANDSCAPE;
    struct page p = { .f = f, .d = d, .width = KP_PDF_MM(landscape ? 297 : 210) - 2 * MARGIN,
                      .bottom = KP_PDF_MM(landscape ? 210 : 297) - BOTTOM };
    unsigned n = 0;
    do {
        set_page(&p, &at);
        n++;
    } while (at.block < f->n);
    f->pages = *pages = n;
    f->drawn = 0;
    memset(&f->at, 0, sizeof f->at);
    return KP_OK;
}

enum kp_err kp_flow_next_page(struct kp_flow *f, struct kp_pdf *d, bool *done)
{
    assert(f->pages > 0 && f->drawn < f->pages);
    double w, h;
    kp_pdf_begin_page(d, f->paper, &w, &h);
    struct page p = { .f = f, .d = d, .draw = true, .width = w - 2 * MARGIN, .bottom = h - BOTTOM };
    chrome(&p, w, h, f->drawn + 1, f->pages);
    set_page(&p, &f->at);
    if (f->watermark)                  /* last: over the content, the shaded cells included */
        kp_pdf_text_turned(d, &MARK, w / 2, h / 2, 45, 0.22, f->watermark);
    f->drawn++;
    /* the drawing sets what the count set: the same pages */
    assert(f->drawn < f->pages ? f->at.block < f->n : f->at.block == f->n);
    *done = f->drawn == f->pages;
    return kp_pdf_end_page(d);
}
