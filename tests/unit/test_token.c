/* lib/token: session and CSRF tokens; the server keeps only their hash. */
#include <check.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "token.h"
#include "support/unit.h"

static void token_of(char c, char last, char out[KP_TOKEN_TEXT])
{
    memset(out, c, KP_TOKEN_TEXT - 2);
    out[KP_TOKEN_TEXT - 2] = last;
    out[KP_TOKEN_TEXT - 1] = '\0';
}

START_TEST(new_tokens)
{
    ck_assert_int_ge(sodium_init(), 0);
    char a[KP_TOKEN_TEXT], b[KP_TOKEN_TEXT], h[KP_TOKEN_HASH];
    kp_token_new(a);
    kp_token_new(b);
    ck_assert_uint_eq(strlen(a), 43);
    for (const char *p = a; *p; p++)
        ck_assert_msg((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') ||
                      (*p >= '0' && *p <= '9') || *p == '-' || *p == '_', "%s", a);
    ck_assert_str_ne(a, b);
    ck_assert(kp_token_hash(a, h));            /* what we hand out we accept */
    ck_assert_uint_eq(strlen(h), 64);
}
END_TEST

START_TEST(hash_of_text)
{
    char t[KP_TOKEN_TEXT], h[KP_TOKEN_HASH];
    token_of('A', 'A', t);
    ck_assert(kp_token_hash(t, h));
    /* sha256("A" x 43): the hash of the text as sent */
    ck_assert_str_eq(h, "0f007385b6f9d4b7eeb2748605afe1a984a0a3bfa3f014d09e2a784ce9e5cd1a");
    token_of('A', 'E', t);                     /* canonical: low bits of the last char zero */
    ck_assert(kp_token_hash(t, h));
}
END_TEST

START_TEST(hash_refuses_malformed)
{
    char t[KP_TOKEN_TEXT + 8], h[KP_TOKEN_HASH] = "untouched";
    const char *bad[] = { "", "short", "AAAA" };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        ck_assert(!kp_token_hash(bad[i], h));
    token_of('A', 'B', t);                     /* non-canonical last character */
    ck_assert(!kp_token_hash(t, h));
    token_of('A', '+', t);                     /* standard base64, not base64url */
    ck_assert(!kp_token_hash(t, h));
    token_of('A', '=', t);
    ck_assert(!kp_token_hash(t, h));
    token_of('A', 'A', t);
    t[10] = '.';
    ck_assert(!kp_token_hash(t, h));
    token_of('A', 'A', t);
    strcat(t, "A");                            /* 44 characters */
    ck_assert(!kp_token_hash(t, h));
    ck_assert_str_eq(h, "untouched");
}
END_TEST

START_TEST(equal)
{
    ck_assert(kp_token_equal("", ""));
    ck_assert(kp_token_equal("abc", "abc"));
    ck_assert(!kp_token_equal("abc", "abd"));
    ck_assert(!kp_token_equal("abc", "ab"));
    ck_assert(!kp_token_equal("ab", "abc"));
    ck_assert(!kp_token_equal("", "a"));
    ck_assert(!kp_token_equal("abc", "ABC"));
}
END_TEST

static Suite *token_suite(void)
{
    Suite *s = suite_create("token");
    TCase *tc = tcase_create("token");
    tcase_add_test(tc, new_tokens);
    tcase_add_test(tc, hash_of_text);
    tcase_add_test(tc, hash_refuses_malformed);
    tcase_add_test(tc, equal);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return kp_test_run(token_suite());
}
