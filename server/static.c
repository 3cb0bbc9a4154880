/* The bundled UI: files under web/ with their Content-Type and an ETag, and
 * index.html for the UI's own routes (paths without an extension). */

#include <fcntl.h>
#include <microhttpd.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "server.h"
#include "webpath.h"
#include "httputil.h"

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
    char etag[64];
    snprintf(etag, sizeof etag, "\"%llx-%llx\"", (unsigned long long)st.st_size,
             (unsigned long long)st.st_mtim.tv_sec * 1000000000ull + (unsigned long long)st.st_mtim.tv_nsec);
    struct MHD_Response *resp;
    unsigned status;
    uint64_t bytes;
    if (kp_etag_matches(kp_req_header(r, "If-None-Match"), etag)) {
        close(fd);
        resp = MHD_create_response_from_buffer(0, NULL, MHD_RESPMEM_PERSISTENT);
        status = MHD_HTTP_NOT_MODIFIED;
        bytes = 0;
    } else {
        resp = MHD_create_response_from_fd((size_t)st.st_size, fd);   /* MHD closes fd */
        if (resp == NULL)
            close(fd);
        status = MHD_HTTP_OK;
        bytes = (uint64_t)st.st_size;
    }
    if (resp == NULL)
        return KP_E_NOMEM;
    MHD_add_response_header(resp, "ETag", etag);
    MHD_add_response_header(resp, "Cache-Control", "no-cache");
    if (status == MHD_HTTP_OK)
        MHD_add_response_header(resp, "Content-Type", kp_mime_type(file));
    return kp_reply_response(r, status, resp, bytes);
}
