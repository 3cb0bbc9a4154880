/* lib/http/gzcache: hits and misses by path and tag, and the bound on its
 * memory, kept by dropping the least recently used. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "gzcache.h"
#include "support/unit.h"

/* The form cached for path at tag as a string ("" when missing). */
static char got[256];
static const char *get(struct kp_gzcache *c, const char *path, const char *tag)
{
    char *out;
    size_t len;
    enum kp_err err = kp_gzcache_get(c, path, tag, &out, &len);
    if (err == KP_E_NOT_FOUND)
        return "";
    ck_assert_int_eq(err, KP_OK);
    ck_assert_uint_lt(len, sizeof got);
    memcpy(got, out, len);
    got[len] = '\0';
    free(out);
    return got;
}

static void put(struct kp_gzcache *c, const char *path, const char *tag, const char *data)
{
    ck_assert_int_eq(kp_gzcache_put(c, path, tag, data, strlen(data)), KP_OK);
}

START_TEST(hit_and_miss)
{
    struct kp_gzcache *c = kp_gzcache_new(1 << 20);
    ck_assert_str_eq(get(c, "/web/app.js", "\"1-2\""), "");
    put(c, "/web/app.js", "\"1-2\"", "APP");
    put(c, "/web/style.css", "\"3-4\"", "CSS");
    ck_assert_str_eq(get(c, "/web/app.js", "\"1-2\""), "APP");
    ck_assert_str_eq(get(c, "/web/style.css", "\"3-4\""), "CSS");
    ck_assert_str_eq(get(c, "/web/app.js", "\"1-3\""), "");          /* the file changed */
    ck_assert_str_eq(get(c, "/web/app", "\"1-2\""), "");              /* whole paths only */
    ck_assert_str_eq(get(c, "/web/app.js.", "\"1-2\""), "");
    kp_gzcache_free(c);
}
END_TEST

/* A new tag replaces the old form, and the old one's bytes are given back. */
START_TEST(replace)
{
    struct kp_gzcache *c = kp_gzcache_new(1 << 20);
    put(c, "/web/app.js", "\"1-2\"", "OLD");
    size_t one = kp_gzcache_bytes(c);
    ck_assert_uint_gt(one, strlen("OLD") + strlen("/web/app.js") + strlen("\"1-2\""));
    put(c, "/web/app.js", "\"1-3\"", "NEW");
    ck_assert_uint_eq(kp_gzcache_bytes(c), one);
    ck_assert_str_eq(get(c, "/web/app.js", "\"1-2\""), "");
    ck_assert_str_eq(get(c, "/web/app.js", "\"1-3\""), "NEW");
    put(c, "/web/app.js", "\"1-3\"", "NEW");                          /* the same put twice */
    ck_assert_uint_eq(kp_gzcache_bytes(c), one);
    kp_gzcache_free(c);
}
END_TEST

/* Room for exactly three entries of one size: a fourth drops the least
 * recently used, where a get counts as a use. */
START_TEST(bound_drops_least_recently_used)
{
    struct kp_gzcache *probe = kp_gzcache_new(1 << 20);
    put(probe, "/a", "t", "1234");
    size_t cost = kp_gzcache_bytes(probe);
    kp_gzcache_free(probe);

    struct kp_gzcache *c = kp_gzcache_new(3 * cost);
    put(c, "/a", "t", "AAAA");
    put(c, "/b", "t", "BBBB");
    put(c, "/c", "t", "CCCC");
    ck_assert_uint_eq(kp_gzcache_bytes(c), 3 * cost);
    ck_assert_str_eq(get(c, "/a", "t"), "AAAA");                      /* /b is now the oldest */
    put(c, "/d", "t", "DDDD");
    ck_assert_uint_eq(kp_gzcache_bytes(c), 3 * cost);
    ck_assert_str_eq(get(c, "/b", "t"), "");
    ck_assert_str_eq(get(c, "/a", "t"), "AAAA");
    ck_assert_str_eq(get(c, "/c", "t"), "CCCC");
    ck_assert_str_eq(get(c, "/d", "t"), "DDDD");
    /* a bigger form pushes out as many as it needs: two here */
    put(c, "/e", "t", "EEEEEEEEEEEEEEEEEEEE");
    ck_assert_uint_le(kp_gzcache_bytes(c), 3 * cost);
    ck_assert_str_eq(get(c, "/e", "t"), "EEEEEEEEEEEEEEEEEEEE");
    ck_assert_str_eq(get(c, "/a", "t"), "");
    kp_gzcache_free(c);
}
END_TEST

/* A form larger than the whole bound is not kept, and its stale
 * predecessor does not stay either. */
START_TEST(too_big_for_the_bound)
{
    struct kp_gzcache *c = kp_gzcache_new(200);
    put(c, "/a", "t1", "small");
    ck_assert_uint_gt(kp_gzcache_bytes(c), 0);
    char big[300];
    memset(big, 'x', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    put(c, "/a", "t2", big);
    ck_assert_uint_eq(kp_gzcache_bytes(c), 0);
    ck_assert_str_eq(get(c, "/a", "t2"), "");
    ck_assert_str_eq(get(c, "/a", "t1"), "");
    kp_gzcache_free(c);
}
END_TEST

static Suite *gzcache_suite(void)
{
    Suite *s = suite_create("gzcache");
    TCase *tc = tcase_create("gzcache");
    tcase_add_test(tc, hit_and_miss);
    tcase_add_test(tc, replace);
    tcase_add_test(tc, bound_drops_least_recently_used);
    tcase_add_test(tc, too_big_for_the_bound);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return kp_test_run(gzcache_suite());
}
