/* The bundled UI: files under web/ with their Content-Type and an ETag, and
 * index.html for the UI's own routes (paths without an extension).  Text
 * files go gzip-coded to clients that accept it: compressed at their first
 * request and kept in srv->gz, a cache of bounded size, so memory stays
 * bounded however many files the web root holds.  Each coding has its own
 * ETag, and every answer for a compressible file says Vary: Accept-Encoding
 * so that caches keep the two apart. */

#include <errno.h>
#include <fcntl.h>
#include <microhttpd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "gzcache.h"
#include "gzip.h"
#include "httputil.h"
#include "server.h"
#include "webpath.h"

/* Larger files go as they are: the UI's are tens of kilobytes. */
#define GZ_FILE_MAX (1u << 20)

/* The whole of fd (size bytes) into *out; caller frees.  KP_E_IO when the
 * file does not have that many bytes (it changed under us). */
static enum kp_err read_all(int fd, size_t size, char **out)
{
    char *buf = malloc(size ? size : 1);
    if (buf == NULL)
        return KP_E_NOMEM;
    for (size_t got = 0; got < size; ) {
        ssize_t n = pread(fd, buf + got, size - got, (off_t)got);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            free(buf);
            return KP_E_IO;
        }
        got += (size_t)n;
    }
    *out = buf;
    return KP_OK;
}

/* The gzip form of `file` (open as fd, tagged `tag`) into *gz, from the
 * cache or made now and cached; caller frees.  KP_E_NOT_FOUND when
 * compressing does not make it smaller (tiny files): send it as it is. */
static enum kp_err gzip_form(struct kp_gzcache *cache, const char *file, int fd, size_t size,
                             const char *tag, char **gz, size_t *gz_len)
{
    enum kp_err err = kp_gzcache_get(cache, file, tag, gz, gz_len);
    if (err != KP_E_NOT_FOUND)
        return err;
    char *plain;
    if ((err = read_all(fd, size, &plain)) != KP_OK)
        return err;
    err = kp_gzip(plain, size, gz, gz_len);
    free(plain);
    if (err)
        return err;
    if (*gz_len >= size) {
        free(*gz);
        return KP_E_NOT_FOUND;
    }
    if ((err = kp_gzcache_put(cache, file, tag, *gz, *gz_len)) != KP_OK)
        free(*gz);
    return err;
}

enum kp_err kp_static_serve(struct kp_req *r)
{
    struct kp_server *srv = kp_req_server(r);
    const char *path = kp_req_path(r);
    char file[4096];
    enum kp_err err = kp_webpath_resolve(srv->web_root, path, file, sizeof file);
    if (err) {
        if (err != KP_E_NOT_FOUND || kp_webpath_has_extension(path) ||
            kp_webpath_resolve(srv->web_root, "/index.html", file, sizeof file) != KP_OK)
            return kp_reply_problem(r, KP_P_NOT_FOUND, NULL);
    }
    int fd = open(file, O_RDONLY | O_CLOEXEC);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) != 0) {
        if (fd >= 0)
            close(fd);
        return kp_reply_problem(r, KP_P_NOT_FOUND, NULL);
    }
    size_t size = (size_t)st.st_size;
    char tag[64];
    snprintf(tag, sizeof tag, "%llx-%llx", (unsigned long long)st.st_size,
             (unsigned long long)st.st_mtim.tv_sec * 1000000000ull + (unsigned long long)st.st_mtim.tv_nsec);

    bool compressible = kp_mime_compressible(file);
    char *gz = NULL;
    size_t gz_len = 0;
    if (compressible && size <= GZ_FILE_MAX && kp_accepts_gzip(kp_req_header(r, "Accept-Encoding"))) {
        err = gzip_form(srv->gz, file, fd, size, tag, &gz, &gz_len);
        if (err == KP_E_NOMEM) {
            close(fd);
            return err;
        }
        if (err)                        /* not smaller, or changed while read: as it is */
            gz = NULL;
    }
    char etag[80];
    snprintf(etag, sizeof etag, gz ? "\"%s-gz\"" : "\"%s\"", tag);

    struct MHD_Response *resp;
    unsigned status;
    uint64_t bytes;
    if (kp_etag_matches(kp_req_header(r, "If-None-Match"), etag)) {
        close(fd);
        free(gz);
        resp = MHD_create_response_from_buffer(0, NULL, MHD_RESPMEM_PERSISTENT);
        status = MHD_HTTP_NOT_MODIFIED;
        bytes = 0;
    } else if (gz != NULL) {
        close(fd);
        resp = MHD_create_response_from_buffer(gz_len, gz, MHD_RESPMEM_MUST_FREE);
        if (resp == NULL)
            free(gz);
        status = MHD_HTTP_OK;
        bytes = gz_len;
    } else {
        resp = MHD_create_response_from_fd(size, fd);   /* MHD closes fd */
        if (resp == NULL)
            close(fd);
        status = MHD_HTTP_OK;
        bytes = size;
    }
    if (resp == NULL)
        return KP_E_NOMEM;
    MHD_add_response_header(resp, "ETag", etag);
    MHD_add_response_header(resp, "Cache-Control", "no-cache");
    if (compressible)
        MHD_add_response_header(resp, "Vary", "Accept-Encoding");
    if (status == MHD_HTTP_OK) {
        MHD_add_response_header(resp, "Content-Type", kp_mime_type(file));
        if (gz != NULL)
            MHD_add_response_header(resp, "Content-Encoding", "gzip");
    }
    return kp_reply_response(r, status, resp, bytes);
}
