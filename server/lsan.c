/* LeakSanitizer's suppressions for the sanitized kpjdd (./dev build test,
 * where every leak fails the test that caused it), read by the runtime at
 * start.  Two leaks inside Debian 12's libraries that no caller can avoid:
 *   - cairo 1.16.0 loses the FDArray index of every CID-keyed CFF font it
 *     subsets (the Noto CJK fonts are such fonts): 768 bytes a font a PDF,
 *     when the document is finished; fixed upstream after 1.16 (cairo
 *     commit fc1d6caa8, "Fix memory leak in cairo_cff_font_read_cid_fontdict");
 *   - fontconfig 2.14 loses 288 bytes once a process while it parses its
 *     configuration.
 * kpjdd's runtime unwinds malloc by frame pointers (the API tests need the
 * speed), which these libraries do not keep, so their leaks show no caller
 * and the suppressions can only name the libraries.  That would also hide
 * a cairo or fontconfig object kpjdd forgot to free, so the one file that
 * calls them, lib/pdf/pdf.c, is checked on its own by test_pdf and
 * test_certpage with full unwinding and suppressions that name the
 * leaking functions (tests/unit/support/render.h). */
#if defined(__SANITIZE_ADDRESS__)
const char *__lsan_default_suppressions(void);

const char *__lsan_default_suppressions(void)
{
    return "leak:libcairo.so.2\n"
           "leak:libfontconfig.so.1\n";
}
#endif
