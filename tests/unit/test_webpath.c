/* lib/webpath: no URL path may reach a file outside the web root, however
 * it is spelled and whatever symlinks lie in the way. */
#include <check.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "webpath.h"
#include "support/unit.h"

static char root[PATH_MAX];      /* realpath of the web root */
static char outside[PATH_MAX];   /* another temp dir, with a secret */
static char sibling[PATH_MAX];   /* root's name plus "-evil": shares its prefix */

/* snprintf that must not truncate */
#define FMT(buf, ...) ck_assert_int_lt(snprintf((buf), sizeof(buf), __VA_ARGS__), (int)sizeof(buf))

static void put(const char *dir, const char *name, const char *text)
{
    char path[PATH_MAX];
    FMT(path, "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    ck_assert_msg(f != NULL, "cannot create %s", path);
    fputs(text, f);
    fclose(f);
}

static void link_to(const char *target, const char *name)
{
    char path[PATH_MAX];
    FMT(path, "%s/%s", root, name);
    ck_assert_msg(symlink(target, path) == 0, "symlink %s", path);
}

static void make_tree(void)
{
    char tmpl[] = "/tmp/kpjd-web-XXXXXX", tmpl2[] = "/tmp/kpjd-out-XXXXXX";
    ck_assert_ptr_nonnull(mkdtemp(tmpl));
    ck_assert_ptr_nonnull(realpath(tmpl, root));
    ck_assert_ptr_nonnull(mkdtemp(tmpl2));
    ck_assert_ptr_nonnull(realpath(tmpl2, outside));
    FMT(sibling, "%s-evil", root);
    ck_assert_int_eq(mkdir(sibling, 0700), 0);

    put(outside, "secret.txt", "secret\n");
    put(sibling, "secret.txt", "secret\n");
    put(root, "index.html", "<!doctype html>\n");
    put(root, "app.js", "export {};\n");
    char sub[PATH_MAX];
    FMT(sub, "%s/sub", root);
    ck_assert_int_eq(mkdir(sub, 0700), 0);
    put(sub, "page.css", "body {}\n");
    put(sub, "index.html", "<p>sub</p>\n");
    put(sub, "中文.txt", "文\n");

    char target[PATH_MAX + 32];
    FMT(target, "%s/secret.txt", outside);
    link_to(target, "out.txt");                 /* absolute, outward */
    link_to(outside, "outdir");                 /* a directory outward */
    link_to("../../../../../../../../etc/passwd", "rel-out.txt");
    FMT(target, "%s/secret.txt", sibling);
    link_to(target, "evil.txt");
    link_to("app.js", "in.js");                 /* inward */
    link_to("sub", "subdir-link");              /* an inward directory */
    link_to("nowhere.js", "dangling.js");
}

static void rm(const char *dir, const char *name)
{
    char path[PATH_MAX + 64];
    FMT(path, "%s/%s", dir, name);
    unlink(path);
}

static void remove_tree(void)
{
    const char *links[] = { "out.txt", "outdir", "rel-out.txt", "evil.txt", "in.js",
                            "subdir-link", "dangling.js", "index.html", "app.js" };
    for (size_t i = 0; i < sizeof links / sizeof links[0]; i++)
        rm(root, links[i]);
    char sub[PATH_MAX];
    FMT(sub, "%s/sub", root);
    rm(sub, "page.css");
    rm(sub, "index.html");
    rm(sub, "中文.txt");
    rmdir(sub);
    rmdir(root);
    rm(outside, "secret.txt");
    rmdir(outside);
    rm(sibling, "secret.txt");
    rmdir(sibling);
}

static void found(const char *path, const char *relative)
{
    char out[PATH_MAX], want[PATH_MAX + 64];
    enum kp_err err = kp_webpath_resolve(root, path, out, sizeof out);
    ck_assert_msg(err == KP_OK, "'%s' not found: %s", path, kp_err_str(err));
    FMT(want, "%s/%s", root, relative);
    ck_assert_str_eq(out, want);
}

static void expect(const char *path, enum kp_err want)
{
    char out[PATH_MAX] = "untouched";
    enum kp_err err = kp_webpath_resolve(root, path, out, sizeof out);
    ck_assert_msg(err == want, "'%s': %s, want %s (out %s)", path, kp_err_str(err),
                  kp_err_str(want), out);
    ck_assert_str_eq(out, "untouched");
}

/* Missing, or not a regular file: the UI may answer with its index.html. */
static void not_found(const char *path)
{
    expect(path, KP_E_NOT_FOUND);
}

/* Tries to leave the root: refused, never answered with the UI. */
static void refused(const char *path)
{
    expect(path, KP_E_INVAL);
}

START_TEST(index_and_files)
{
    found("/", "index.html");
    found("/index.html", "index.html");
    found("/app.js", "app.js");
    found("/sub/page.css", "sub/page.css");
    found("/sub/", "sub/index.html");
    found("/sub/中文.txt", "sub/中文.txt");
}
END_TEST

START_TEST(dot_segments)
{
    refused("/../x");
    refused("/..");
    refused("/a/../../x");
    refused("/sub/../app.js");        /* inside, but spelled with ".." */
    refused("/sub/..");
    refused("/./x");
    refused("/./app.js");
    refused("/sub/.");
    refused("/sub/./page.css");
    refused("/../../../../etc/passwd");
}
END_TEST

START_TEST(odd_spellings)
{
    refused("//x");
    refused("//app.js");
    refused("/sub//page.css");
    refused("/a\\b");
    refused("/..\\app.js");
    refused("app.js");                 /* not absolute */
    refused("");
    refused("/app.js\x01");
    refused("/app\n.js");
    refused("/app.js\r");
    refused("/\x7f");
    refused("/\tapp.js");
}
END_TEST

START_TEST(symlinks_outward)
{
    refused("/out.txt");
    refused("/outdir/secret.txt");
    refused("/rel-out.txt");
    refused("/evil.txt");              /* "<root>-evil" starts with root */
    refused("/outdir");                /* a directory, but outside first */
    not_found("/outdir/nothing.txt");  /* nothing there to leak */
}
END_TEST

START_TEST(symlinks_inward)
{
    found("/in.js", "app.js");           /* the real path is given */
    found("/subdir-link/page.css", "sub/page.css");
}
END_TEST

START_TEST(not_regular_or_missing)
{
    not_found("/sub");                   /* a directory */
    not_found("/subdir-link");
    not_found("/nope.js");
    not_found("/nope/");
    not_found("/dangling.js");
    not_found("/app.js/");               /* a file is not a directory */
}
END_TEST

START_TEST(limits)
{
    char out[PATH_MAX];
    /* the answer must fit `out` */
    size_t need = strlen(root) + strlen("/app.js") + 1;
    ck_assert_int_eq(kp_webpath_resolve(root, "/app.js", out, need), KP_OK);
    ck_assert_int_eq(kp_webpath_resolve(root, "/app.js", out, need - 1), KP_E_NOT_FOUND);
    /* a path longer than PATH_MAX */
    char *longp = malloc(PATH_MAX + 10);
    ck_assert_ptr_nonnull(longp);
    longp[0] = '/';
    memset(longp + 1, 'a', PATH_MAX + 8);
    longp[PATH_MAX + 9] = '\0';
    ck_assert_int_eq(kp_webpath_resolve(root, longp, out, sizeof out), KP_E_NOT_FOUND);
    longp[1] = '.';
    longp[2] = '.';
    longp[3] = '/';
    ck_assert_int_eq(kp_webpath_resolve(root, longp, out, sizeof out), KP_E_INVAL);
    free(longp);
}
END_TEST

START_TEST(has_extension)
{
    ck_assert(kp_webpath_has_extension("/app.js"));
    ck_assert(kp_webpath_has_extension("/views/batch.js"));
    ck_assert(kp_webpath_has_extension("/favicon.ico"));
    ck_assert(!kp_webpath_has_extension("/batches/3"));
    ck_assert(!kp_webpath_has_extension("/v1.2/batches"));
    ck_assert(!kp_webpath_has_extension("/"));
    ck_assert(!kp_webpath_has_extension("/x.y/"));
    ck_assert(!kp_webpath_has_extension(""));
}
END_TEST

START_TEST(mime_types)
{
    ck_assert_str_eq(kp_mime_type("index.html"), "text/html; charset=utf-8");
    ck_assert_str_eq(kp_mime_type("/srv/web/app.js"), "text/javascript; charset=utf-8");
    ck_assert_str_eq(kp_mime_type("mod.mjs"), "text/javascript; charset=utf-8");
    ck_assert_str_eq(kp_mime_type("style.css"), "text/css; charset=utf-8");
    ck_assert_str_eq(kp_mime_type("logo.svg"), "image/svg+xml");
    ck_assert_str_eq(kp_mime_type("logo.png"), "image/png");
    ck_assert_str_eq(kp_mime_type("photo.jpeg"), "image/jpeg");
    ck_assert_str_eq(kp_mime_type("openapi.json"), "application/json; charset=utf-8");
    ck_assert_str_eq(kp_mime_type("font.woff2"), "font/woff2");
    ck_assert_str_eq(kp_mime_type("INDEX.HTML"), "text/html; charset=utf-8");
    ck_assert_str_eq(kp_mime_type("App.Js"), "text/javascript; charset=utf-8");
    ck_assert_str_eq(kp_mime_type("data.unknown"), "application/octet-stream");
    ck_assert_str_eq(kp_mime_type("README"), "application/octet-stream");
    ck_assert_str_eq(kp_mime_type("/srv/web.d/README"), "application/octet-stream");
    ck_assert_str_eq(kp_mime_type("archive.html.gz"), "application/octet-stream");
    ck_assert_str_eq(kp_mime_type("trailing."), "application/octet-stream");
    ck_assert_str_eq(kp_mime_type("x.htm"), "application/octet-stream");
    ck_assert_str_eq(kp_mime_type("x.htmlx"), "application/octet-stream");
}
END_TEST

START_TEST(mime_compressible)
{
    const char *text[] = { "index.html", "/srv/web/app.js", "mod.mjs", "style.css", "openapi.json",
                           "favicon.svg", "favicon.ico", "notes.txt", "App.JS", "site.webmanifest" };
    for (size_t i = 0; i < sizeof text / sizeof text[0]; i++)
        ck_assert_msg(kp_mime_compressible(text[i]), "%s", text[i]);
    const char *packed[] = { "logo.png", "photo.jpg", "photo.jpeg", "font.woff2", "form.pdf",
                             "archive.html.gz", "README", "data.unknown", "trailing." };
    for (size_t i = 0; i < sizeof packed / sizeof packed[0]; i++)
        ck_assert_msg(!kp_mime_compressible(packed[i]), "%s", packed[i]);
}
END_TEST

static Suite *webpath_suite(void)
{
    Suite *s = suite_create("webpath");
    TCase *tc = tcase_create("webpath");
    tcase_add_unchecked_fixture(tc, make_tree, remove_tree);
    tcase_add_test(tc, index_and_files);
    tcase_add_test(tc, dot_segments);
    tcase_add_test(tc, odd_spellings);
    tcase_add_test(tc, symlinks_outward);
    tcase_add_test(tc, symlinks_inward);
    tcase_add_test(tc, not_regular_or_missing);
    tcase_add_test(tc, limits);
    tcase_add_test(tc, has_extension);
    tcase_add_test(tc, mime_types);
    tcase_add_test(tc, mime_compressible);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return kp_test_run(webpath_suite());
}
