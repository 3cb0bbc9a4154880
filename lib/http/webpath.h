/* Mapping a URL path onto a file under the web root, so that no request can
 * read outside it: no "." or ".." segments (however they were encoded), no
 * backslashes or control bytes, and the resolved file, symlinks followed,
 * must still lie under the root. */
#ifndef KP_WEBPATH_H
#define KP_WEBPATH_H

#include <stdbool.h>
#include <stddef.h>

#include "err.h"

/* `root` is the web root as realpath(3) gives it.  `path` is the decoded URL
 * path ("/", "/app.js"); a path ending in "/" means its index.html.  On
 * KP_OK `out` holds the real path of a regular file under root.  A path that
 * tries to leave the root, by its segments or through a symlink, is
 * KP_E_INVAL; a missing file (or a directory) is KP_E_NOT_FOUND.  Callers
 * answer both 404, but serve the UI's index.html only for the latter. */
enum kp_err kp_webpath_resolve(const char *root, const char *path, char *out, size_t n);

/* Whether the last segment of `path` has an extension ("/app.js" yes,
 * "/batches/3" no): paths without one are the UI's own routes. */
bool kp_webpath_has_extension(const char *path);

/* The Content-Type for a file name, by extension; static storage. */
const char *kp_mime_type(const char *filename);

/* Whether a file of that name is text worth sending gzip-coded (HTML,
 * scripts, CSS, JSON, SVG...), by extension; unknown extensions are not. */
bool kp_mime_compressible(const char *filename);

#endif
