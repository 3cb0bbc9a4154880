#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "filename.h"
#include "json.h"

static int hexval(char c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

static bool valid_utf8(const unsigned char *s)
{
    while (*s) {
        unsigned c = *s, len;
        if (c < 0x80) len = 1;
        else if (c >= 0xc2 && c <= 0xdf) len = 2;
        else if ((c & 0xf0) == 0xe0) len = 3;
        else if (c >= 0xf0 && c <= 0xf4) len = 4;
        else return false;
        for (unsigned k = 1; k < len; k++)
            if ((s[k] & 0xc0) != 0x80)
                return false;
        s += len;
    }
    return true;
}

/* Cleans raw (NUL-terminated, ours to modify) into out. */
static bool sanitize(char *raw, char *out, size_t n)
{
    if (!valid_utf8((const unsigned char *)raw))
        return false;
    char *base = raw;
    for (char *p = raw; *p; p++)            /* no directory part, either kind of slash */
        if (*p == '/' || *p == '\\')
            base = p + 1;
    char clean[1024];
    size_t j = 0;
    for (const unsigned char *p = (const unsigned char *)base; *p && j < sizeof clean - 1; p++)
        if (*p >= 0x20 && *p != 0x7f && *p != '"')
            clean[j++] = (char)*p;
    clean[j] = '\0';
    char *start = clean;
    while (*start == ' ' || *start == '.')  /* no hidden or empty-looking names */
        start++;
    size_t len = strlen(start);
    while (len && start[len - 1] == ' ')
        start[--len] = '\0';
    if (len == 0)
        return false;
    size_t max = n - 1 < KP_FILENAME_MAX ? n - 1 : KP_FILENAME_MAX;
    if (len > max) {                        /* keep the extension, cut the stem */
        const char *dot = strrchr(start, '.');
        size_t ext = dot && strlen(dot) <= 16 ? strlen(dot) : 0;
        size_t stem = kp_utf8_prefix(start, max - ext);
        memmove(start + stem, start + len - ext, ext + 1);
        len = stem + ext;
    }
    memcpy(out, start, len + 1);
    return true;
}

bool kp_filename_from_disposition(const char *header, char *out, size_t n)
{
    if (header == NULL)
        return false;
    char raw[1024];
    const char *star = strcasestr(header, "filename*=");
    if (star != NULL) {
        const char *v = star + 10;
        if (strncasecmp(v, "UTF-8''", 7) != 0)
            return false;
        v += 7;
        size_t j = 0;
        for (; *v && *v != ';' && *v != ' ' && j < sizeof raw - 1; v++) {
            if (*v == '%') {
                int hi = hexval(v[1]), lo = hi < 0 ? -1 : hexval(v[2]);
                if (lo < 0)
                    return false;
                char c = (char)(hi * 16 + lo);
                if (c == '\0')
                    return false;
                raw[j++] = c;
                v += 2;
            } else {
                raw[j++] = *v;
            }
        }
        raw[j] = '\0';
        return sanitize(raw, out, n);
    }
    const char *plain = strcasestr(header, "filename=");
    if (plain == NULL)
        return false;
    const char *v = plain + 9;
    size_t j = 0;
    if (*v == '"') {
        for (v++; *v && *v != '"' && j < sizeof raw - 1; v++)
            raw[j++] = *v == '\\' && v[1] ? *++v : *v;
    } else {
        for (; *v && *v != ';' && *v != ' ' && j < sizeof raw - 1; v++)
            raw[j++] = *v;
    }
    raw[j] = '\0';
    return sanitize(raw, out, n);
}

void kp_filename_encode(const char *name, char *out, size_t n)
{
    static const char keep[] = "!#$&+-.^_`|~";
    size_t j = 0;
    for (const unsigned char *p = (const unsigned char *)name; *p && j + 4 < n; p++) {
        if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
            strchr(keep, *p))
            out[j++] = (char)*p;
        else
            j += (size_t)snprintf(out + j, n - j, "%%%02X", *p);
    }
    out[j] = '\0';
}
