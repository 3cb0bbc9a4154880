#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "webpath.h"

static bool safe_path(const char *path)
{
    if (path[0] != '/')
        return false;
    for (const char *p = path; *p; p++)
        if ((unsigned char)*p < 0x20 || *p == 0x7f || *p == '\\')
            return false;
    for (const char *seg = path + 1; *seg; ) {
        size_t len = strcspn(seg, "/");
        if ((len == 1 && seg[0] == '.') || (len == 2 && seg[0] == '.' && seg[1] == '.'))
            return false;
        if (len == 0 && seg[0] == '/')          /* "//": no empty segments */
            return false;
        seg += len + (seg[len] == '/');
    }
    return true;
}

enum kp_err kp_webpath_resolve(const char *root, const char *path, char *out, size_t n)
{
    char joined[PATH_MAX];
    if (!safe_path(path))
        return KP_E_INVAL;
    size_t pl = strlen(path);
    int w = snprintf(joined, sizeof joined, "%s%s%s", root, path,
                     path[pl - 1] == '/' ? "index.html" : "");
    if (w < 0 || (size_t)w >= sizeof joined)
        return KP_E_NOT_FOUND;
    char real[PATH_MAX];
    if (realpath(joined, real) == NULL)
        return KP_E_NOT_FOUND;
    size_t rl = strlen(root);
    if (strncmp(real, root, rl) != 0 || real[rl] != '/')   /* a symlink led out */
        return KP_E_INVAL;
    struct stat st;
    if (stat(real, &st) != 0 || !S_ISREG(st.st_mode) || strlen(real) >= n)
        return KP_E_NOT_FOUND;
    memcpy(out, real, strlen(real) + 1);
    return KP_OK;
}

bool kp_webpath_has_extension(const char *path)
{
    const char *last = strrchr(path, '/');
    last = last ? last + 1 : path;
    return strchr(last, '.') != NULL;
}

/* gzip: worth compressing (text); images, fonts and PDFs are compressed
 * already. */
static const struct { const char *ext, *type; bool gzip; } types[] = {
    { "html",  "text/html; charset=utf-8",        true },
    { "js",    "text/javascript; charset=utf-8",  true },
    { "mjs",   "text/javascript; charset=utf-8",  true },
    { "css",   "text/css; charset=utf-8",         true },
    { "json",  "application/json; charset=utf-8", true },
    { "svg",   "image/svg+xml",                   true },
    { "png",   "image/png",                       false },
    { "jpg",   "image/jpeg",                      false },
    { "jpeg",  "image/jpeg",                      false },
    { "ico",   "image/x-icon",                    true },
    { "woff2", "font/woff2",                      false },
    { "txt",   "text/plain; charset=utf-8",       true },
    { "pdf",   "application/pdf",                 false },
    { "webmanifest", "application/manifest+json", true },
};

static int type_of(const char *filename)
{
    const char *dot = strrchr(filename, '.');
    if (dot != NULL && strchr(dot, '/') == NULL)
        for (size_t i = 0; i < sizeof types / sizeof types[0]; i++)
            if (strcasecmp(dot + 1, types[i].ext) == 0)
                return (int)i;
    return -1;
}

const char *kp_mime_type(const char *filename)
{
    int t = type_of(filename);
    return t >= 0 ? types[t].type : "application/octet-stream";
}

bool kp_mime_compressible(const char *filename)
{
    int t = type_of(filename);
    return t >= 0 && types[t].gzip;
}
