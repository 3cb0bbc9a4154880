#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "filename.h"
#include "json.h"
#include "utf8.h"

/* Longest name read from the header, in bytes once decoded; a longer one
 * is cut there first (and then to KP_FILENAME_MAX). */
#define KP_FILENAME_RAW 4096

static int hexval(char c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

/* Whether a character of a name is dropped: it hides or reorders what a
 * person reads ("abc<U+202E>fdp.exe" shows as "abcexe.pdf"), or it is a
 * quote, which the Content-Disposition of a download would have to escape. */
static bool dropped(uint32_t cp)
{
    return kp_utf8_is_control(cp) || kp_utf8_is_bidi_control(cp) || cp == '"';
}

/* Cleans raw (NUL-terminated, ours to modify) into out. */
static enum kp_filename_status sanitize(char *raw, char *out, size_t n)
{
    size_t raw_len = strlen(raw);
    if (!kp_utf8_valid(raw, raw_len))
        return KP_FILENAME_MALFORMED;
    char *base = raw;
    for (char *p = raw; *p; p++)            /* no directory part, either kind of slash */
        if (*p == '/' || *p == '\\')
            base = p + 1;
    size_t j = 0, left = raw_len - (size_t)(base - raw);
    for (size_t i = 0, step; i < left; i += step) {   /* in place: j never passes i */
        uint32_t cp;
        step = kp_utf8_next(base + i, left - i, &cp);  /* > 0: raw is valid */
        if (!dropped(cp)) {
            memmove(base + j, base + i, step);
            j += step;
        }
    }
    base[j] = '\0';
    char *start = base;
    while (*start == ' ' || *start == '.')  /* no hidden or empty-looking names */
        start++;
    size_t len = strlen(start);
    while (len && start[len - 1] == ' ')
        start[--len] = '\0';
    if (len == 0)
        return KP_FILENAME_MISSING;
    size_t max = n - 1 < KP_FILENAME_MAX ? n - 1 : KP_FILENAME_MAX;
    if (len > max) {                        /* keep the extension, cut the stem */
        const char *dot = strrchr(start, '.');
        size_t ext = dot && strlen(dot) <= 16 ? strlen(dot) : 0;
        size_t stem = kp_utf8_prefix(start, max - ext);
        memmove(start + stem, start + len - ext, ext + 1);
        len = stem + ext;
    }
    memcpy(out, start, len + 1);
    return KP_FILENAME_OK;
}

/* raw (len bytes) filled its buffer, maybe before the name ended: ends it
 * before a character the cut split, so that the cut is not taken for bad
 * UTF-8 (anything else stays for sanitize to judge). */
static void end_at_character(char *raw, size_t len)
{
    size_t lead = len;
    while (lead > 0 && len - lead < 3 && ((unsigned char)raw[lead - 1] & 0xc0) == 0x80)
        lead--;
    unsigned char c = lead > 0 ? (unsigned char)raw[lead - 1] : 0;
    size_t want = c >= 0xc2 && c <= 0xdf ? 2 : (c & 0xf0) == 0xe0 ? 3 : c >= 0xf0 && c <= 0xf4 ? 4 : 1;
    if (want > len - lead + 1)
        len = lead - 1;
    raw[len] = '\0';
}

/* The value of filename*= (RFC 8187: charset'language'percent-encoded),
 * decoded into raw (n bytes). */
static enum kp_filename_status decode_ext_value(const char *v, char *raw, size_t n)
{
    if (strncasecmp(v, "UTF-8'", 6) != 0)
        return KP_FILENAME_MALFORMED;       /* another charset: we take UTF-8 only */
    const char *lang_end = strchr(v + 6, '\'');
    if (lang_end == NULL)
        return KP_FILENAME_MALFORMED;
    v = lang_end + 1;
    size_t j = 0;
    for (; *v && *v != ';' && *v != ' ' && j < n - 1; v++) {
        if (*v == '%') {
            int hi = hexval(v[1]), lo = hi < 0 ? -1 : hexval(v[2]);
            if (lo < 0)
                return KP_FILENAME_MALFORMED;
            char c = (char)(hi * 16 + lo);
            if (c == '\0')
                return KP_FILENAME_MALFORMED;
            raw[j++] = c;
            v += 2;
        } else {
            raw[j++] = *v;
        }
    }
    raw[j] = '\0';
    if (j == n - 1)
        end_at_character(raw, j);
    return KP_FILENAME_OK;
}

enum kp_filename_status kp_filename_from_disposition(const char *header, char *out, size_t n)
{
    if (header == NULL)
        return KP_FILENAME_MISSING;
    char raw[KP_FILENAME_RAW];
    const char *star = strcasestr(header, "filename*=");
    if (star != NULL) {
        enum kp_filename_status st = decode_ext_value(star + 10, raw, sizeof raw);
        return st == KP_FILENAME_OK ? sanitize(raw, out, n) : st;
    }
    const char *plain = strcasestr(header, "filename=");
    if (plain == NULL)
        return KP_FILENAME_MISSING;
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
    if (j == sizeof raw - 1)
        end_at_character(raw, j);
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

void kp_filename_attachment(const char *name, char out[KP_FILENAME_DISPOSITION_MAX])
{
    char raw[KP_FILENAME_RAW], clean[KP_FILENAME_MAX + 1], encoded[3 * KP_FILENAME_MAX + 1];
    if ((size_t)snprintf(raw, sizeof raw, "%s", name) >= sizeof raw)
        end_at_character(raw, sizeof raw - 1);
    for (char *p = raw; *p; p++)
        if (*p == '/' || *p == '\\')
            *p = '-';
    if (sanitize(raw, clean, sizeof clean) != KP_FILENAME_OK)
        snprintf(clean, sizeof clean, "download");
    kp_filename_encode(clean, encoded, sizeof encoded);
    snprintf(out, KP_FILENAME_DISPOSITION_MAX, "attachment; filename*=UTF-8''%s", encoded);
}
