#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "cursor.h"
#include "problem.h"

#define CURSOR_MAX 512   /* encoded characters; a key is a few values */

char *kp_cursor_encode(const json_t *key)
{
    char *text = json_dumps(key, JSON_COMPACT);
    if (text == NULL)
        return NULL;
    size_t len = strlen(text);
    size_t cap = sodium_base64_ENCODED_LEN(len, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    char *out = malloc(cap);
    if (out != NULL)
        sodium_bin2base64(out, cap, (const unsigned char *)text, len,
                          sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    free(text);
    return out;
}

static json_t *decode(const char *cursor)
{
    size_t len = strlen(cursor);
    if (len == 0 || len > CURSOR_MAX)
        return NULL;
    unsigned char bin[CURSOR_MAX];
    size_t bin_len;
    if (sodium_base642bin(bin, sizeof bin, cursor, len, NULL, &bin_len, NULL,
                          sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0)
        return NULL;
    json_t *key = json_loadb((const char *)bin, bin_len, JSON_REJECT_DUPLICATES, NULL);
    if (key != NULL && (!json_is_array(key) || json_array_size(key) == 0)) {
        json_decref(key);
        return NULL;
    }
    return key;
}

enum kp_err kp_page_parse(const char *limit, const char *cursor, struct kp_page *page,
                          json_t *errors)
{
    enum kp_err err = KP_OK;
    page->limit = KP_PAGE_DEFAULT;
    page->after = NULL;
    if (limit != NULL) {
        char *end;
        long v = strtol(limit, &end, 10);
        if (*limit < '0' || *limit > '9' || *end != '\0' || v < 1 || v > KP_PAGE_MAX) {
            kp_problem_field(errors, "limit", "range", "应为 1 到 200 之间的整数");
            err = KP_E_INVAL;
        } else {
            page->limit = (int)v;
        }
    }
    if (cursor != NULL) {
        page->after = decode(cursor);
        if (page->after == NULL) {
            kp_problem_field(errors, "cursor", "invalid", "无效的分页游标");
            err = KP_E_INVAL;
        }
    }
    return err;
}

enum kp_err kp_page_parse_id(const char *limit, const char *cursor, struct kp_page *page,
                             json_t *errors)
{
    enum kp_err err = kp_page_parse(limit, cursor, page, errors);
    if (page->after != NULL && (json_array_size(page->after) != 1 ||
                                !json_is_integer(json_array_get(page->after, 0)))) {
        kp_problem_field(errors, "cursor", "invalid", "无效的分页游标");
        json_decref(page->after);
        page->after = NULL;
        err = KP_E_INVAL;
    }
    return err;
}

long long kp_page_after_id(const struct kp_page *page, long long first)
{
    return page->after ? (long long)json_integer_value(json_array_get(page->after, 0)) : first;
}

json_t *kp_page_next_id(bool more, long long last_id)
{
    if (!more)
        return json_null();
    json_t *key = json_pack("[I]", (json_int_t)last_id);
    char *cursor = key ? kp_cursor_encode(key) : NULL;
    json_decref(key);
    json_t *next = cursor ? json_string(cursor) : NULL;
    free(cursor);
    return next ? next : json_null();
}

void kp_page_free(struct kp_page *page)
{
    json_decref(page->after);
    page->after = NULL;
}
