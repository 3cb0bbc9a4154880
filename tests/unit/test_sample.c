/* lib/sample: kpjd-sample-v1, the on-site spot-check sample, against
 * samples drawn independently with python3's hmac and hashlib; rates read
 * exactly from their decimal text; seeds; and the candidates refused. */
#include <check.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "sample.h"
#include "support/unit.h"

/* ---- the fixed vectors -------------------------------------------------- */

/* seed = bytes 0x00..0x1f; candidates 1..20; region = REGIONS[(7 × id) % 4]
 * except 20 in 西藏自治区 alone; category = CATEGORIES[(5 × id) % 3]. */
static const char *const REGIONS[] = { "北京市", "上海市", "广东省", "新疆维吾尔自治区" };
static const char *const CATEGORIES[] = { "venue", "agriculture", "education_research" };

static uint8_t seed0[KP_SAMPLE_SEED_LEN];
static struct kp_sample_candidate by_none[20], by_region[20], by_category[20];

static void setup(void)
{
    for (int i = 0; i < KP_SAMPLE_SEED_LEN; i++)
        seed0[i] = (uint8_t)i;
    for (int64_t id = 1; id <= 20; id++) {
        by_none[id - 1] = (struct kp_sample_candidate){ id, NULL };
        by_region[id - 1] = (struct kp_sample_candidate){ id, id == 20 ? "西藏自治区" : REGIONS[(7 * id) % 4] };
        by_category[id - 1] = (struct kp_sample_candidate){ id, CATEGORIES[(5 * id) % 3] };
    }
}

/* Computed with python3 3.11 (hmac, hashlib, fractions), apart from this code:
 *   key = lambda i: hmac.new(seed, str(i).encode(), hashlib.sha256).hexdigest()
 *   per group: sorted(ids, key=lambda i: (key(i), i))[:math.ceil(Fraction(rate) * len(ids))]
 *   selected = sorted(union of the groups)
 * The whole order of 1..20 under seed0 (one group):
 *   8 18 3 11 4 19 7 10 17 20 13 9 1 2 16 14 15 6 12 5
 * and under seed 0x01..0x20:
 *   17 6 15 18 7 10 9 11 8 1 2 4 5 3 14 16 20 13 12 19 */
static const int64_t ORDER0[20] = { 8, 18, 3, 11, 4, 19, 7, 10, 17, 20, 13, 9, 1, 2, 16, 14, 15, 6, 12, 5 };
static const int64_t ORDER1[20] = { 17, 6, 15, 18, 7, 10, 9, 11, 8, 1, 2, 4, 5, 3, 14, 16, 20, 13, 12, 19 };

struct vector {
    const char *rate;
    const struct kp_sample_candidate *cands;
    size_t n;
    int64_t want[20];
};

static void draw(const uint8_t seed[KP_SAMPLE_SEED_LEN], const char *rate_text,
                 const struct kp_sample_candidate *c, size_t n, int64_t *out, size_t *m)
{
    struct kp_sample_rate rate;
    ck_assert_msg(kp_sample_rate_parse(rate_text, &rate), "%s", rate_text);
    struct kp_sample_fault fault;
    ck_assert_int_eq(kp_sample_draw(seed, &rate, c, n, out, m, &fault), KP_OK);
}

static void check_draw(const uint8_t seed[KP_SAMPLE_SEED_LEN], const char *rate,
                       const struct kp_sample_candidate *c, size_t n, const int64_t *want, size_t n_want)
{
    int64_t got[64];
    size_t m = 99;
    ck_assert_uint_le(n, 64);
    draw(seed, rate, c, n, got, &m);
    ck_assert_msg(m == n_want, "rate %s: %zu selected, want %zu", rate, m, n_want);
    for (size_t i = 0; i < m; i++)
        ck_assert_msg(got[i] == want[i], "rate %s: selected[%zu] = %lld, want %lld", rate, i,
                      (long long)got[i], (long long)want[i]);
}

static size_t count(const int64_t *ids)
{
    size_t n = 0;
    while (n < 20 && ids[n] != 0)
        n++;
    return n;
}

/* ---- tests ------------------------------------------------------------- */

START_TEST(python_vectors)
{
    const struct vector v[] = {
        { "0.3",  by_none,     20, { 3, 4, 8, 11, 18, 19 } },
        { "0.3",  by_region,   20, { 3, 4, 8, 10, 11, 13, 17, 18, 20 } },
        { "0.3",  by_category, 20, { 3, 4, 7, 8, 11, 17, 18, 19 } },
        { "0.25", by_none,     20, { 3, 4, 8, 11, 18 } },
        { "0.25", by_region,   20, { 3, 8, 10, 11, 13, 17, 18, 20 } },
        { "0.25", by_category, 20, { 3, 4, 8, 11, 18, 19 } },
        { "0.05", by_none,     20, { 8 } },
        { "0.05", by_region,   20, { 3, 8, 17, 18, 20 } },
        { "0.05", by_category, 20, { 4, 8, 18 } },
    };
    for (size_t i = 0; i < sizeof v / sizeof v[0]; i++)
        check_draw(seed0, v[i].rate, v[i].cands, v[i].n, v[i].want, count(v[i].want));
}
END_TEST

/* Rate 1 takes everyone, whatever the strata. */
START_TEST(rate_one_takes_all)
{
    int64_t all[20];
    for (int i = 0; i < 20; i++)
        all[i] = i + 1;
    check_draw(seed0, "1", by_none, 20, all, 20);
    check_draw(seed0, "1.0", by_region, 20, all, 20);
    check_draw(seed0, "1e0", by_category, 20, all, 20);
}
END_TEST

/* k/20 of one group of 20 takes the first k of python's order, for every
 * k: the whole order, position by position. */
START_TEST(the_whole_order)
{
    uint8_t seed1[KP_SAMPLE_SEED_LEN];
    for (int i = 0; i < KP_SAMPLE_SEED_LEN; i++)
        seed1[i] = (uint8_t)(i + 1);
    const uint8_t *seeds[2] = { seed0, seed1 };
    const int64_t *orders[2] = { ORDER0, ORDER1 };
    for (int s = 0; s < 2; s++)
        for (int k = 1; k <= 20; k++) {
            char rate[16];
            snprintf(rate, sizeof rate, "%d.%02d", k / 20, (k * 5) % 100);   /* 0.05, 0.10, ..., 1.00 */
            int64_t want[20];
            memcpy(want, orders[s], (size_t)k * sizeof want[0]);
            for (int a = 0; a < k; a++)                                          /* ascending */
                for (int b = a + 1; b < k; b++)
                    if (want[b] < want[a]) {
                        int64_t t = want[a];
                        want[a] = want[b];
                        want[b] = t;
                    }
            check_draw(seeds[s], rate, by_none, 20, want, (size_t)k);
        }
}
END_TEST

START_TEST(order_of_input_does_not_matter)
{
    struct kp_sample_candidate rev[20];
    for (int i = 0; i < 20; i++)
        rev[i] = by_region[19 - i];
    const int64_t want[] = { 3, 4, 8, 10, 11, 13, 17, 18, 20 };
    check_draw(seed0, "0.3", rev, 20, want, 9);
}
END_TEST

START_TEST(deterministic_and_seed_dependent)
{
    int64_t a[20], b[20];
    size_t na, nb;
    draw(seed0, "0.3", by_category, 20, a, &na);
    draw(seed0, "0.3", by_category, 20, b, &nb);
    ck_assert_uint_eq(na, nb);
    ck_assert(memcmp(a, b, na * sizeof a[0]) == 0);

    uint8_t other[KP_SAMPLE_SEED_LEN];
    memcpy(other, seed0, sizeof other);
    other[31] ^= 1;                                    /* one bit */
    draw(other, "0.3", by_none, 20, b, &nb);
    draw(seed0, "0.3", by_none, 20, a, &na);
    ck_assert_uint_eq(na, 6);
    ck_assert_uint_eq(nb, 6);
    ck_assert(memcmp(a, b, 6 * sizeof a[0]) != 0);
}
END_TEST

START_TEST(small_groups)
{
    int64_t out[4] = { -1, -1, -1, -1 };
    size_t m = 99;
    draw(seed0, "0.3", NULL, 0, NULL, &m);             /* no candidates, no sample */
    ck_assert_uint_eq(m, 0);

    struct kp_sample_candidate one = { 42, "青海省" };
    draw(seed0, "0.000000001", &one, 1, out, &m);      /* one is always taken */
    ck_assert_uint_eq(m, 1);
    ck_assert_int_eq(out[0], 42);
    ck_assert_int_eq(out[1], -1);

    /* three groups of one, told apart by Chinese names sharing bytes */
    struct kp_sample_candidate three[] = { { 7, "内蒙古自治区" }, { 5, "内蒙古" }, { 6, "" } };
    draw(seed0, "0.5", three, 3, out, &m);
    ck_assert_uint_eq(m, 3);
    ck_assert_int_eq(out[0], 5);
    ck_assert_int_eq(out[1], 6);
    ck_assert_int_eq(out[2], 7);
    /* NULL and "" are one group: 6 and 8 under seed0 (python: 8 comes first) */
    struct kp_sample_candidate pair[] = { { 6, "" }, { 8, NULL } };
    draw(seed0, "0.5", pair, 2, out, &m);
    ck_assert_uint_eq(m, 1);
    ck_assert_int_eq(out[0], 8);
}
END_TEST

/* Ids of many digits are hashed as their decimal text.  python3:
 * sorted([9223372036854775807, 1000000000000, 10], key=key) under seed0
 * is [9223372036854775807, 1000000000000, 10]. */
START_TEST(large_ids)
{
    struct kp_sample_candidate c[] = { { 10, NULL }, { 1000000000000, NULL }, { INT64_MAX, NULL } };
    const int64_t first[] = { INT64_MAX }, two[] = { 1000000000000, INT64_MAX };
    check_draw(seed0, "0.2", c, 3, first, 1);
    check_draw(seed0, "0.5", c, 3, two, 2);
}
END_TEST

START_TEST(refused_candidates)
{
    struct kp_sample_rate rate = { 1, 2 };
    int64_t out[4];
    size_t m = 99;
    struct kp_sample_fault f = { KP_SAMPLE_FAULT_COUNT, 99 };

    struct kp_sample_candidate bad_id[] = { { 1, NULL }, { 0, NULL }, { -3, NULL } };
    ck_assert_int_eq(kp_sample_draw(seed0, &rate, bad_id, 3, out, &m, &f), KP_E_INVAL);
    ck_assert_int_eq(f.kind, KP_SAMPLE_FAULT_ID);
    ck_assert_uint_eq(f.index, 1);
    ck_assert_uint_eq(m, 0);

    struct kp_sample_candidate dup[] = { { 9, "a" }, { 4, "b" }, { 7, "c" }, { 7, "d" }, { 4, "a" } };
    ck_assert_int_eq(kp_sample_draw(seed0, &rate, dup, 5, out, &m, &f), KP_E_INVAL);
    ck_assert_int_eq(f.kind, KP_SAMPLE_FAULT_DUPLICATE);
    ck_assert_uint_eq(f.index, 3);                     /* the first repeat, not the smallest id */

    char longest[KP_SAMPLE_STRATUM_MAX + 2];
    memset(longest, 'x', sizeof longest);
    longest[KP_SAMPLE_STRATUM_MAX] = '\0';
    struct kp_sample_candidate strata[] = { { 1, longest }, { 2, "\xE4\xB8" }, { 3, NULL } };
    ck_assert_int_eq(kp_sample_draw(seed0, &rate, strata, 3, out, &m, &f), KP_E_INVAL);
    ck_assert_int_eq(f.kind, KP_SAMPLE_FAULT_STRATUM);
    ck_assert_uint_eq(f.index, 1);                     /* 256 bytes fit; a cut character does not */
    longest[KP_SAMPLE_STRATUM_MAX] = 'x';
    longest[KP_SAMPLE_STRATUM_MAX + 1] = '\0';
    ck_assert_int_eq(kp_sample_draw(seed0, &rate, strata, 1, out, &m, NULL), KP_E_INVAL);

    ck_assert_int_eq(kp_sample_draw(seed0, &rate, NULL, KP_SAMPLE_MAX + 1, NULL, &m, &f), KP_E_INVAL);
    ck_assert_int_eq(f.kind, KP_SAMPLE_FAULT_COUNT);
}
END_TEST

/* The most candidates a draw takes, all in one stratum and in many. */
START_TEST(largest_draw)
{
    struct kp_sample_candidate *c = malloc(KP_SAMPLE_MAX * sizeof *c);
    int64_t *out = malloc(KP_SAMPLE_MAX * sizeof *out);
    ck_assert(c != NULL && out != NULL);
    for (size_t i = 0; i < KP_SAMPLE_MAX; i++)
        c[i] = (struct kp_sample_candidate){ (int64_t)(KP_SAMPLE_MAX - i), CATEGORIES[i % 3] };
    size_t m;
    draw(seed0, "0.3", c, KP_SAMPLE_MAX, out, &m);
    ck_assert_uint_eq(m, 10001 + 10000 + 10000);       /* ceil(0.3 × 33,334) + 2 × ceil(0.3 × 33,333) */
    for (size_t i = 1; i < m; i++)
        ck_assert(out[i - 1] < out[i]);
    free(c);
    free(out);
}
END_TEST

/* ---- rates ------------------------------------------------------------- */

static void rate_is(const char *text, uint64_t num, uint64_t den)
{
    struct kp_sample_rate r = { 0, 0 };
    ck_assert_msg(kp_sample_rate_parse(text, &r), "'%s' refused", text);
    ck_assert_msg(r.num == num && r.den == den, "'%s' = %llu/%llu, want %llu/%llu", text,
                  (unsigned long long)r.num, (unsigned long long)r.den,
                  (unsigned long long)num, (unsigned long long)den);
}

START_TEST(rates_read)
{
    rate_is("0.3", 3, 10);
    rate_is("0.30", 3, 10);
    rate_is("0.300000000", 3, 10);
    rate_is("1", 1, 1);
    rate_is("1.0", 1, 1);
    rate_is("1.000000000000", 1, 1);
    rate_is("0.25", 25, 100);
    rate_is("0.05", 5, 100);
    rate_is("0.000000001", 1, 1000000000);
    rate_is("0.999999999", 999999999, 1000000000);
    rate_is("0.123456789", 123456789, 1000000000);
    rate_is("1e-1", 1, 10);
    rate_is("1E-09", 1, 1000000000);
    rate_is("5e-2", 5, 100);
    rate_is("25E-2", 25, 100);
    rate_is("0.1e1", 1, 1);
    rate_is("100e-2", 1, 1);
    rate_is("0.0003e+3", 3, 10);
    rate_is("3000000000e-10", 3, 10);
}
END_TEST

START_TEST(rates_refused)
{
    const char *bad[] = {
        "0", "0.0", "0e5", "-0.1", "-0", "+0.3", "1.01", "1.000000001", "2", "10e-1x", "1e1",
        "0.0000000001", "1e-10", "0.30000000000000004", "0.1234567891",
        "abc", "", " 0.3", "0.3 ", "0.3\n", ".3", "3.", "0.", "00.3", "01", "0x1", "0,3",
        "1e", "1e+", "1e-", "e-1", "0.3e", "0.3.1", "1/3", "nan", "inf", "３",
        "0.00000000000000000000000000001",      /* 31 bytes, too fine */
        "0.300000000000000000000000000000",     /* 32 bytes: read, but... */
    };
    struct kp_sample_rate r;
    for (size_t i = 0; i < sizeof bad / sizeof bad[0] - 1; i++)
        ck_assert_msg(!kp_sample_rate_parse(bad[i], &r), "'%s' read", bad[i]);
    /* ... the bound is on the text: 32 bytes are read, 33 are not */
    ck_assert(kp_sample_rate_parse(bad[sizeof bad / sizeof bad[0] - 1], &r));
    ck_assert(!kp_sample_rate_parse("0.3000000000000000000000000000000", &r));
    ck_assert(!kp_sample_rate_parse("1e-99999999999999999999999999999", &r));
    ck_assert(!kp_sample_rate_parse("1e99999999999999999999999999999", &r));
}
END_TEST

/* ceil on the exact product.  A double gets the ones marked wrong (python3:
 * math.ceil(0.07 * 100) == 8). */
START_TEST(take_is_exact)
{
    const struct { const char *rate; size_t size, want; } t[] = {
        { "0.3", 10, 3 },  { "0.1", 3, 1 },   { "0.3", 3, 1 },    { "0.3", 4, 2 },
        { "0.07", 100, 7 },                                       /* a double: 8 */
        { "0.14", 50, 7 }, { "0.28", 25, 7 }, { "0.55", 100, 55 }, { "0.56", 25, 14 },
        { "0.68", 75, 51 },                                       /* a double: one more each */
        { "1", 1, 1 },     { "1", KP_SAMPLE_MAX, KP_SAMPLE_MAX },
        { "0.000000001", 1, 1 }, { "0.000000001", KP_SAMPLE_MAX, 1 },
        { "0.999999999", KP_SAMPLE_MAX, KP_SAMPLE_MAX },
        { "0.5", 0, 0 },
    };
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
        struct kp_sample_rate r;
        ck_assert(kp_sample_rate_parse(t[i].rate, &r));
        ck_assert_msg(kp_sample_take(&r, t[i].size) == t[i].want, "%s × %zu = %zu, want %zu",
                      t[i].rate, t[i].size, kp_sample_take(&r, t[i].size), t[i].want);
    }
}
END_TEST

/* What the API layer does with a JSON number: its shortest text, read. */
START_TEST(rates_from_json_numbers)
{
    const struct { double x; uint64_t num, den; } t[] = {
        { 0.3, 3, 10 }, { 0.25, 25, 100 }, { 1.0, 1, 1 }, { 0.05, 5, 100 },
        { 1e-9, 1, 1000000000 }, { 0.00001, 1, 100000 }, { 0.123456789, 123456789, 1000000000 },
    };
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
        char text[KP_JSON_NUMBER_TEXT];
        ck_assert(kp_json_number_text(t[i].x, text));
        rate_is(text, t[i].num, t[i].den);
    }
    char text[KP_JSON_NUMBER_TEXT];
    struct kp_sample_rate r;
    ck_assert(kp_json_number_text(0.1 + 0.2, text));   /* 0.30000000000000004 */
    ck_assert(!kp_sample_rate_parse(text, &r));
}
END_TEST

/* ---- seeds and strata names -------------------------------------------- */

START_TEST(seeds)
{
    const char *lower = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";
    uint8_t s[KP_SAMPLE_SEED_LEN];
    char hex[KP_SAMPLE_SEED_HEX + 1];
    ck_assert(kp_sample_seed_parse(lower, s));
    ck_assert(memcmp(s, seed0, sizeof s) == 0);
    kp_sample_seed_hex(s, hex);
    ck_assert_str_eq(hex, lower);

    memset(s, 0, sizeof s);
    ck_assert(kp_sample_seed_parse("000102030405060708090A0B0C0D0E0F101112131415161718191A1B1C1D1E1F", s));
    ck_assert(memcmp(s, seed0, sizeof s) == 0);
    kp_sample_seed_hex(s, hex);
    ck_assert_str_eq(hex, lower);                      /* written lowercase */

    const char *bad[] = {
        "", "00",
        "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1",     /* 63 */
        "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f0",   /* 65 */
        "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1g",    /* g */
        "000102030405060708090a0b0c0d0e0f 101112131415161718191a1b1c1d1e1",
        "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1\n",
        "0x0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        ck_assert_msg(!kp_sample_seed_parse(bad[i], s), "'%s' read", bad[i]);
}
END_TEST

START_TEST(stratify_names)
{
    const char *names[] = { "none", "region", "category" };
    for (int i = 0; i < 3; i++) {
        enum kp_sample_stratify s;
        ck_assert(kp_sample_stratify_parse(names[i], &s));
        ck_assert_int_eq(s, i);
        ck_assert_str_eq(kp_sample_stratify_name(s), names[i]);
    }
    enum kp_sample_stratify s;
    ck_assert(!kp_sample_stratify_parse("Region", &s));
    ck_assert(!kp_sample_stratify_parse("", &s));
    ck_assert(!kp_sample_stratify_parse("regions", &s));
}
END_TEST

static Suite *sample_suite(void)
{
    Suite *s = suite_create("sample");
    TCase *tc = tcase_create("sample");
    tcase_add_checked_fixture(tc, setup, NULL);
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, python_vectors);
    tcase_add_test(tc, rate_one_takes_all);
    tcase_add_test(tc, the_whole_order);
    tcase_add_test(tc, order_of_input_does_not_matter);
    tcase_add_test(tc, deterministic_and_seed_dependent);
    tcase_add_test(tc, small_groups);
    tcase_add_test(tc, large_ids);
    tcase_add_test(tc, refused_candidates);
    tcase_add_test(tc, largest_draw);
    tcase_add_test(tc, rates_read);
    tcase_add_test(tc, rates_refused);
    tcase_add_test(tc, take_is_exact);
    tcase_add_test(tc, rates_from_json_numbers);
    tcase_add_test(tc, seeds);
    tcase_add_test(tc, stratify_names);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    if (sodium_init() < 0)
        return EXIT_FAILURE;
    return kp_test_run(sample_suite());
}
