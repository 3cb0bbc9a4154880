#include "render.h"

#include <check.h>
#include <ctype.h>
#include <ftw.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

/* See render.h: these suites' sanitizer settings.  Read by the sanitizer
 * runtimes at start; environment variables still override them. */
const char *__asan_default_options(void);
const char *__lsan_default_suppressions(void);

const char *__asan_default_options(void)
{
    return "fast_unwind_on_malloc=0";
}

const char *__lsan_default_suppressions(void)
{
    return "leak:cairo_surface_finish\n"
           "leak:FcInitLoadConfigAndFonts\n";
}

enum kp_err kp_test_file_sink(void *file, const unsigned char *data, size_t len)
{
    return fwrite(data, 1, len, file) == len ? KP_OK : KP_E_IO;
}

static char dir[] = "/tmp/kpjd-render-XXXXXX";

static int remove_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st, (void)flag, (void)ftw;
    return remove(path);
}

static void remove_tmpdir(void)
{
    nftw(dir, remove_one, 16, FTW_DEPTH | FTW_PHYS);
}

const char *kp_test_tmpdir(void)
{
    static bool made;
    if (!made) {
        ck_assert_ptr_nonnull(mkdtemp(dir));
        atexit(remove_tmpdir);
        made = true;
    }
    return dir;
}

char *kp_test_tool(const char *fmt, ...)
{
    char cmd[2048];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(cmd, sizeof cmd, fmt, ap);
    va_end(ap);
    ck_assert_msg(n > 0 && (size_t)n < sizeof cmd, "command too long");
    FILE *p = popen(cmd, "r");
    ck_assert_msg(p != NULL, "cannot run %s", cmd);
    char *out = NULL;
    size_t cap = 0;
    ssize_t got = getdelim(&out, &cap, '\0', p);     /* all of it */
    int rc = pclose(p);
    ck_assert_msg(rc == 0, "%s: exit status %d", cmd, rc);
    if (got < 0) {
        free(out);
        out = strdup("");
    }
    ck_assert_ptr_nonnull(out);
    return out;
}

char *kp_test_squeeze(const char *text)
{
    char *out = malloc(strlen(text) + 1), *o = out;
    ck_assert_ptr_nonnull(out);
    for (const char *s = text; *s; s++)
        if (!isspace((unsigned char)*s))
            *o++ = *s;
    *o = '\0';
    return out;
}
