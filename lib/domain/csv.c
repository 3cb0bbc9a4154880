#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "csv.h"

/* The offset of the first byte that is not well-formed UTF-8 (Unicode
 * table 3-7: no overlong forms, no surrogates, nothing above U+10FFFF, as
 * PostgreSQL checks), or n.  NUL is refused too: fields are C strings. */
static size_t utf8_invalid_at(const unsigned char *s, size_t n)
{
    for (size_t i = 0; i < n;) {
        unsigned c = s[i], len, lo = 0x80, hi = 0xbf;    /* range of the second byte */
        if (c == 0) return i;
        if (c < 0x80) len = 1;
        else if (c >= 0xc2 && c <= 0xdf) len = 2;
        else if (c >= 0xe0 && c <= 0xef) {
            len = 3;
            if (c == 0xe0) lo = 0xa0;
            if (c == 0xed) hi = 0x9f;
        } else if (c >= 0xf0 && c <= 0xf4) {
            len = 4;
            if (c == 0xf0) lo = 0x90;
            if (c == 0xf4) hi = 0x8f;
        } else return i;
        if (i + len > n)
            return i;
        for (unsigned k = 1; k < len; k++)
            if (s[i + k] < (k == 1 ? lo : 0x80) || s[i + k] > (k == 1 ? hi : 0xbf))
                return i;
        i += len;
    }
    return n;
}

enum kp_err kp_csv_parse(const char *text, size_t len, kp_csv_record cb, void *arg,
                         char *why, size_t why_len)
{
    if (len >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0) {
        text += 3;
        len -= 3;
    }
    size_t bad = utf8_invalid_at((const unsigned char *)text, len);
    if (bad < len) {
        unsigned bad_line = 1;
        for (size_t k = 0; k < bad; k++)
            bad_line += text[k] == '\n';
        snprintf(why, why_len, "第 %u 行：文件不是有效的 UTF-8 文本", bad_line);
        return KP_E_INVAL;
    }
    struct kp_buf field = { 0 };
    size_t starts[KP_CSV_MAX_FIELDS];     /* offsets of fields in `record` */
    struct kp_buf record = { 0 };
    size_t nfields = 0;
    unsigned line = 1, record_line = 1;
    bool quoted = false, any = false;
    enum kp_err err = KP_OK;
    size_t i = 0;
    for (;;) {
        bool end = i == len;
        char c = end ? '\n' : text[i];
        if (quoted && !end) {
            if (c == '"' && i + 1 < len && text[i + 1] == '"') {
                kp_buf_append(&field, "\"", 1);
                i += 2;
                continue;
            }
            if (c == '"')
                quoted = false;
            else {
                if (c == '\n')
                    line++;
                kp_buf_append(&field, &c, 1);
            }
            i++;
            continue;
        }
        if (quoted && end) {
            snprintf(why, why_len, "第 %u 行：引号没有结束", record_line);
            err = KP_E_INVAL;
            break;
        }
        if (c == '"' && field.len == 0) {
            quoted = any = true;
            i++;
            continue;
        }
        if (c == ',' || c == '\n' || (c == '\r' && i + 1 < len && text[i + 1] == '\n')) {
            if (nfields == KP_CSV_MAX_FIELDS) {
                snprintf(why, why_len, "第 %u 行：列数过多", record_line);
                err = KP_E_INVAL;
                break;
            }
            starts[nfields++] = record.len;
            kp_buf_append(&record, field.data ? field.data : "", field.len);
            kp_buf_append(&record, "", 1);          /* NUL between fields */
            any = any || field.len > 0;
            field.len = 0;
            if (c == '\r')
                i++;
            if (c != ',') {
                if (record.failed || field.failed) {
                    err = KP_E_NOMEM;
                    break;
                }
                if (any) {                          /* a blank line is no record */
                    const char *fields[KP_CSV_MAX_FIELDS];
                    for (size_t f = 0; f < nfields; f++)
                        fields[f] = record.data + starts[f];
                    err = cb(arg, record_line, fields, nfields);
                    if (err)
                        break;
                }
                nfields = 0;
                record.len = 0;
                any = false;
                line++;
                record_line = line;
                if (end)
                    break;
            }
            i++;
            continue;
        }
        kp_buf_append(&field, &c, 1);
        i++;
    }
    kp_buf_free(&field);
    kp_buf_free(&record);
    return err;
}

/* A cell as Excel should show it: quoted, and text that would start a
 * formula (= + - @, or a tab or CR before one) made plain with a '. */
void kp_csv_cell(struct kp_buf *b, const char *text, bool last)
{
    kp_buf_append(b, "\"", 1);
    if (text[0] != '\0' && strchr("=+-@\t\r", text[0]))
        kp_buf_append(b, "'", 1);
    for (const char *p = text; *p != '\0';) {
        size_t plain = strcspn(p, "\"");
        kp_buf_append(b, p, plain);
        p += plain;
        if (*p == '"') {
            kp_buf_append(b, "\"\"", 2);
            p++;
        }
    }
    kp_buf_append(b, last ? "\"\r\n" : "\",", last ? 3 : 2);
}
