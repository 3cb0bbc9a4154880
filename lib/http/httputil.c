#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "httputil.h"
#include "utf8.h"

static const char *skip_space(const char *s)
{
    while (*s == ' ' || *s == '\t')
        s++;
    return s;
}

/* Checks the parameters after the media type: only a utf-8 charset is fine. */
static bool params_ok(const char *p)
{
    while (*p == ';') {
        p = skip_space(p + 1);
        size_t nl = strcspn(p, "=;");
        const char *value = p[nl] == '=' ? p + nl + 1 : NULL;
        size_t vl = value ? strcspn(value, ";") : 0;
        if (nl == 7 && strncasecmp(p, "charset", 7) == 0) {
            if (value == NULL)                  /* "; charset" without a value */
                return false;
            while (vl && (value[vl - 1] == ' ' || value[vl - 1] == '\t'))
                vl--;
            if (value[0] == '"' && vl >= 2 && value[vl - 1] == '"')
                value++, vl -= 2;
            if (!(vl == 5 && strncasecmp(value, "utf-8", 5) == 0))
                return false;
        }
        p = value ? value + strcspn(value, ";") : p + nl;
    }
    return *p == '\0';
}

bool kp_media_accepts(const char *content_type, const char *accepted)
{
    if (content_type == NULL)
        return false;
    const char *ct = skip_space(content_type);
    size_t tl = strcspn(ct, "; \t");
    if (tl == 0 || !params_ok(skip_space(ct + tl)))
        return false;
    for (const char *a = accepted; *a; ) {
        a = skip_space(a);
        size_t al = strcspn(a, " ");
        if (al == tl && strncasecmp(a, ct, tl) == 0)
            return true;
        a += al;
    }
    return false;
}

bool kp_etag_matches(const char *if_none_match, const char *etag)
{
    if (if_none_match == NULL)
        return false;
    size_t el = strlen(etag);
    const char *p = if_none_match;
    for (;;) {
        p = skip_space(p);
        if (*p == '\0')
            return false;
        if (*p == '*')
            return true;
        if (strncmp(p, "W/", 2) == 0)        /* weak comparison for If-None-Match */
            p += 2;
        size_t tl = strcspn(p, ",");
        size_t trimmed = tl;
        while (trimmed && (p[trimmed - 1] == ' ' || p[trimmed - 1] == '\t'))
            trimmed--;
        if (trimmed == el && strncmp(p, etag, el) == 0)
            return true;
        p += tl;
        if (*p == ',')
            p++;
    }
}

/* A qvalue in thousandths: "0" ["." 0-3 digits] or "1" ["." 0-3 "0"];
 * -1 when it is anything else. */
static int qvalue(const char *s, size_t n)
{
    if (n == 0 || (s[0] != '0' && s[0] != '1') || (n > 1 && s[1] != '.') || n > 5)
        return -1;
    int q = (s[0] - '0') * 1000;
    for (size_t i = 2, scale = 100; i < n; i++, scale /= 10) {
        if (!isdigit((unsigned char)s[i]))
            return -1;
        q += (s[i] - '0') * (int)scale;
    }
    return q <= 1000 ? q : -1;
}

/* One element of Accept-Encoding, `coding *( OWS ";" OWS name "=" value )`,
 * n bytes at e: the coding's length and its q (1000 when not given).  False
 * for an empty element or a bad q. */
static bool coding_element(const char *e, size_t n, size_t *coding, int *q)
{
    const char *end = e + n;
    const char *p = e;
    while (p < end && *p != ';' && *p != ' ' && *p != '\t')
        p++;
    *coding = (size_t)(p - e);
    *q = 1000;
    while (p < end) {
        while (p < end && (*p == ' ' || *p == '\t'))
            p++;
        if (p == end)
            break;
        if (*p++ != ';')
            return false;
        while (p < end && (*p == ' ' || *p == '\t'))
            p++;
        const char *name = p;
        while (p < end && *p != '=' && *p != ';')
            p++;
        if (p == end || *p != '=')
            return false;
        size_t name_len = (size_t)(p - name);
        const char *value = ++p;
        while (p < end && *p != ';' && *p != ' ' && *p != '\t')
            p++;
        if (name_len == 1 && (*name == 'q' || *name == 'Q') &&
            (*q = qvalue(value, (size_t)(p - value))) < 0)
            return false;
    }
    return *coding > 0;
}

bool kp_accepts_gzip(const char *accept_encoding)
{
    if (accept_encoding == NULL)
        return false;
    /* -1: not named.  A coding named twice keeps its lower q, so that a
     * refusal is never outvoted. */
    int gzip = -1, star = -1, identity = -1;
    for (const char *p = accept_encoding; *p; ) {
        p = skip_space(p);
        size_t n = strcspn(p, ",");
        size_t trimmed = n;
        while (trimmed && (p[trimmed - 1] == ' ' || p[trimmed - 1] == '\t'))
            trimmed--;
        size_t cl;
        int q;
        if (coding_element(p, trimmed, &cl, &q)) {
            int *slot = (cl == 4 && strncasecmp(p, "gzip", 4) == 0) ||
                        (cl == 6 && strncasecmp(p, "x-gzip", 6) == 0)   ? &gzip
                        : cl == 1 && *p == '*'                          ? &star
                        : cl == 8 && strncasecmp(p, "identity", 8) == 0 ? &identity
                                                                        : NULL;
            if (slot != NULL && (*slot < 0 || q < *slot))
                *slot = q;
        }
        p += n;
        if (*p == ',')
            p++;
    }
    int g = gzip >= 0 ? gzip : star >= 0 ? star : 0;
    int id = identity >= 0 ? identity : star >= 0 ? star : 0;   /* unnamed: no preference said */
    return g > 0 && g >= id;
}

bool kp_parse_content_length(const char *text, uint64_t *out)
{
    uint64_t v = 0;
    if (text == NULL || *text == '\0')
        return false;
    for (const char *p = text; *p; p++) {
        if (!isdigit((unsigned char)*p) || v > (UINT64_MAX - 9) / 10)
            return false;
        v = v * 10 + (uint64_t)(*p - '0');
    }
    *out = v;
    return true;
}

bool kp_cookie_get(const char *header, const char *name, char *out, size_t n)
{
    if (header == NULL)
        return false;
    size_t nl = strlen(name);
    const char *p = header;
    while (*p) {
        p = skip_space(p);
        size_t pair = strcspn(p, ";");
        if (pair > nl && strncmp(p, name, nl) == 0 && p[nl] == '=') {
            size_t vl = pair - nl - 1;
            while (vl && (p[nl + 1 + vl - 1] == ' ' || p[nl + 1 + vl - 1] == '\t'))
                vl--;
            if (vl >= n)
                return false;
            memcpy(out, p + nl + 1, vl);
            out[vl] = '\0';
            return true;
        }
        p += pair;
        if (*p == ';')
            p++;
    }
    return false;
}

const char *kp_bearer_token(const char *header)
{
    if (header == NULL)
        return NULL;
    const char *p = skip_space(header);
    if (strncasecmp(p, "Bearer", 6) != 0 || (p[6] != ' ' && p[6] != '\t'))
        return NULL;
    p = skip_space(p + 6);
    return *p ? p : NULL;       /* a token with trailing junk fails its own check later */
}

bool kp_origin_matches_host(const char *origin, const char *host)
{
    if (origin == NULL || host == NULL)
        return false;
    const char *sep = strstr(origin, "://");
    if (sep == NULL)
        return false;
    size_t scheme = (size_t)(sep - origin);
    if (!((scheme == 4 && strncasecmp(origin, "http", 4) == 0) ||
          (scheme == 5 && strncasecmp(origin, "https", 5) == 0)))
        return false;
    const char *authority = sep + 3;
    if (*authority == '\0' || strchr(authority, '/') != NULL)
        return false;
    return strcasecmp(authority, host) == 0;
}

static bool clean_text(const char *s, size_t len)
{
    return s == NULL || (memchr(s, '\0', len) == NULL && kp_utf8_valid(s, len));
}

/* name into out (n ≥ 1 bytes) as a field path: printable characters as
 * they are, every other byte as %XX; cut at a whole piece when out is full. */
static void field_name(const char *name, size_t len, char *out, size_t n)
{
    size_t j = 0;
    for (size_t i = 0; i < len; ) {
        uint32_t cp;
        size_t step = kp_utf8_next(name + i, len - i, &cp);
        bool shown = step > 0 && !kp_utf8_is_control(cp) && !kp_utf8_is_bidi_control(cp);
        size_t piece = shown ? step : 3;
        if (j + piece >= n)
            break;
        if (shown) {
            memcpy(out + j, name + i, step);
            i += step;
        } else {
            snprintf(out + j, 4, "%%%02X", (unsigned char)name[i]);
            i++;                    /* the bytes after it are judged on their own */
        }
        j += piece;
    }
    out[j] = '\0';
}

bool kp_query_arg_ok(const char *name, size_t name_len, const char *value, size_t value_len,
                     char *field, size_t n)
{
    if (clean_text(name, name_len) && clean_text(value, value_len))
        return true;
    field_name(name, name_len, field, n);
    return false;
}

bool kp_if_match_version(const char *if_match, long long *out)
{
    *out = -1;
    if (if_match == NULL || strcmp(if_match, "*") == 0)
        return true;
    size_t digits = strspn(if_match + (if_match[0] == '"'), "0123456789");
    if (if_match[0] != '"' || digits == 0 || digits > 18 || strcmp(if_match + 1 + digits, "\"") != 0)
        return false;
    *out = strtoll(if_match + 1, NULL, 10);
    return true;
}
