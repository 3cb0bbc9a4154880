/* What the render suites (test_pdf, test_certpage) share: documents
 * written to files, poppler's and zbar's command-line tools run on them.
 *
 * render.c also holds the sanitizer settings of exactly these suites (a
 * static library's object is linked only into the programs that use it):
 * full stack unwinding on malloc, so that LeakSanitizer sees through the
 * libraries' frames, and two suppressions for leaks inside Debian 12's
 * libraries that no caller can avoid:
 *   - cairo 1.16.0 loses the FDArray index of every CID-keyed CFF font it
 *     subsets (the Noto CJK fonts are such fonts): 768 bytes a font a
 *     document, while the document is finished (cairo_surface_finish);
 *     fixed upstream after 1.16 (cairo commit fc1d6caa8, "Fix memory leak
 *     in cairo_cff_font_read_cid_fontdict");
 *   - fontconfig 2.14 loses 288 bytes once a process while it parses its
 *     configuration (FcInitLoadConfigAndFonts).
 * Matched by those two exported functions, they hide no leak of ours. */
#ifndef KP_TEST_RENDER_H
#define KP_TEST_RENDER_H

#include <stdio.h>

#include "err.h"

/* A kp_pdf_sink writing to the FILE * it is given. */
enum kp_err kp_test_file_sink(void *file, const unsigned char *data, size_t len);

/* A fresh directory under /tmp for this process's files, made on first use
 * and removed with them at exit. */
const char *kp_test_tmpdir(void);

/* Runs a shell command (printf-style) and returns its standard output
 * (caller frees); fails the test when it does not exit 0. */
char *kp_test_tool(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* `text` without white space (pdftotext breaks lines where the page does);
 * caller frees. */
char *kp_test_squeeze(const char *text);

#endif
