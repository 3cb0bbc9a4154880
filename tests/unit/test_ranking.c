/* lib/domain/ranking: the statistics of an application's submitted totals
 * (n, mean, median, trimmed mean, spread, outliers), exact and rounded once
 * to hundredths with halves up; ranks within a category with ties sharing
 * the better rank; and the API's order across categories.
 *
 * Expected statistics were computed with python3's fractions.Fraction:
 * mean = Fraction(sum(t), n); median = the middle one or Fraction(a + b, 2);
 * trimmed = Fraction(sum(sorted(t)[1:-1]), n - 2) when n >= 5; each rounded
 * as math.floor(x + Fraction(1, 2)); outliers = [i for i, x in enumerate(t)
 * if abs(x - median) > 1500] on the exact median. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "appstate.h"
#include "ranking.h"
#include "support/unit.h"

#define N(a) (sizeof (a) / sizeof (a)[0])

struct want {
    int mean, median, trimmed_mean, spread;
    const char *outliers;          /* the outliers' indices as "0 5", "" for none */
};

static void stats_are(const int *totals, size_t n, struct want w)
{
    struct kp_ranking_stats st;
    memset(&st, 0x5a, sizeof st);
    ck_assert_int_eq(kp_ranking_stats(totals, n, &st), KP_OK);
    ck_assert_int_eq(st.n, (int)n);
    ck_assert_int_eq(st.mean, w.mean);
    ck_assert_int_eq(st.median, w.median);
    ck_assert_int_eq(st.trimmed_mean, w.trimmed_mean);
    ck_assert_int_eq(st.spread, w.spread);
    char got[256] = "";
    for (size_t i = 0; i < n; i++)
        if (st.outlier[i])
            snprintf(got + strlen(got), sizeof got - strlen(got), "%s%zu", got[0] ? " " : "", i);
    for (size_t i = n; i < KP_RANKING_MAX_N; i++)
        ck_assert_msg(!st.outlier[i], "outlier flag %zu past n = %zu", i, n);
    ck_assert_str_eq(got, w.outliers);
}

/* ---- statistics --------------------------------------------------------- */

START_TEST(no_totals)
{
    struct kp_ranking_stats st;
    memset(&st, 0x5a, sizeof st);
    ck_assert_int_eq(kp_ranking_stats(NULL, 0, &st), KP_OK);
    ck_assert_int_eq(st.n, 0);
    ck_assert_int_eq(st.mean, 0);
    ck_assert_int_eq(st.median, 0);
    ck_assert_int_eq(st.trimmed_mean, 0);
    ck_assert_int_eq(st.spread, 0);
    for (size_t i = 0; i < KP_RANKING_MAX_N; i++)
        ck_assert(!st.outlier[i]);
}
END_TEST

START_TEST(one_and_two)
{
    stats_are((int[]){ 8330 }, 1, (struct want){ 8330, 8330, 8330, 0, "" });
    /* 83.30 and 83.31: every mean is 83.305, shown 83.31 */
    stats_are((int[]){ 8330, 8331 }, 2, (struct want){ 8331, 8331, 8331, 1, "" });
    stats_are((int[]){ 8331, 8330 }, 2, (struct want){ 8331, 8331, 8331, 1, "" });
    /* 0.01 and 0.02: 0.015 → 0.02 */
    stats_are((int[]){ 1, 2 }, 2, (struct want){ 2, 2, 2, 1, "" });
    stats_are((int[]){ 0, 10000 }, 2, (struct want){ 5000, 5000, 5000, 10000, "0 1" });
}
END_TEST

START_TEST(four_without_trimming)
{
    /* mean 15775/2 → 7888; median (8000 + 8500) / 2; 60.00 is 22.50 from it */
    stats_are((int[]){ 6000, 8000, 8500, 9050 }, 4, (struct want){ 7888, 8250, 7888, 3050, "0" });
    stats_are((int[]){ 9050, 8500, 6000, 8000 }, 4, (struct want){ 7888, 8250, 7888, 3050, "2" });
}
END_TEST

START_TEST(five_trimmed)
{
    /* sorted 2000 7000 8000 9000 10000: mean 7200; trimmed (7000+8000+9000)/3 */
    stats_are((int[]){ 9000, 8000, 7000, 10000, 2000 }, 5, (struct want){ 7200, 8000, 8000, 8000, "3 4" });
    /* six: trimmed over the middle four, 32002/4 = 8000.5 → 8001; median 16001/2 → 8001 */
    stats_are((int[]){ 5000, 8000, 8000, 8001, 8001, 9900 }, 6,
              (struct want){ 7817, 8001, 8001, 4900, "0 5" });
}
END_TEST

START_TEST(seven)
{
    /* mean 56393/7 → 8056; trimmed 40972/5 = 8194.4 → 8194; median 8100 */
    stats_are((int[]){ 8333, 7912, 8850, 9001, 6420, 8100, 7777 }, 7,
              (struct want){ 8056, 8100, 8194, 2581, "4" });
}
END_TEST

START_TEST(rounding)
{
    /* thirds: 24001/3 → 8000, 24002/3 → 8001 */
    stats_are((int[]){ 8000, 8000, 8001 }, 3, (struct want){ 8000, 8000, 8000, 1, "" });
    stats_are((int[]){ 8000, 8001, 8001 }, 3, (struct want){ 8001, 8001, 8001, 1, "" });
    /* quarters: 32001/4 → 8000, 32002/4 (a half) → 8001, 32003/4 → 8001 */
    stats_are((int[]){ 8000, 8000, 8000, 8001 }, 4, (struct want){ 8000, 8000, 8000, 1, "" });
    stats_are((int[]){ 8000, 8000, 8001, 8001 }, 4, (struct want){ 8001, 8001, 8001, 1, "" });
    stats_are((int[]){ 8000, 8001, 8001, 8001 }, 4, (struct want){ 8001, 8001, 8001, 1, "" });
    /* halves at the ends of the range */
    stats_are((int[]){ 0, 1 }, 2, (struct want){ 1, 1, 1, 1, "" });
    stats_are((int[]){ 9999, 10000 }, 2, (struct want){ 10000, 10000, 10000, 1, "" });
}
END_TEST

START_TEST(outliers_strictly_past_15_points)
{
    /* exactly 15.00 from the median: not outliers */
    stats_are((int[]){ 8000, 6500, 9500 }, 3, (struct want){ 8000, 8000, 8000, 3000, "" });
    /* 15.01: outliers */
    stats_are((int[]){ 8000, 6499, 9501 }, 3, (struct want){ 8000, 8000, 8000, 3002, "1 2" });
    stats_are((int[]){ 8000, 6499, 9500 }, 3, (struct want){ 8000, 8000, 8000, 3001, "1" });
    /* the median 80.005 (shown 80.01): 65.00 and 95.01 are both 15.005 from
     * it, so both are outliers, though 95.01 is 15.00 from the shown median */
    stats_are((int[]){ 8000, 8001, 6500, 9501 }, 4, (struct want){ 8001, 8001, 8001, 3001, "2 3" });
    /* and 65.01, 14.995 from it, is not */
    stats_are((int[]){ 8000, 8001, 6501, 9500 }, 4, (struct want){ 8001, 8001, 8001, 2999, "" });
    /* all alike: no outliers */
    stats_are((int[]){ 7000, 7000, 7000, 7000, 7000 }, 5, (struct want){ 7000, 7000, 7000, 0, "" });
}
END_TEST

START_TEST(bounds)
{
    int t[KP_RANKING_MAX_N + 1];
    for (size_t i = 0; i < N(t); i++)
        t[i] = 10000;
    struct kp_ranking_stats st;
    ck_assert_int_eq(kp_ranking_stats(t, KP_RANKING_MAX_N + 1, &st), KP_E_INVAL);
    t[0] = 0;                                    /* 63 × 100.00 and one 0 */
    stats_are(t, KP_RANKING_MAX_N, (struct want){ 9844, 10000, 10000, 10000, "0" });
    ck_assert_int_eq(kp_ranking_stats((int[]){ 8000, -1 }, 2, &st), KP_E_INVAL);
    ck_assert_int_eq(kp_ranking_stats((int[]){ 10001, 8000 }, 2, &st), KP_E_INVAL);
}
END_TEST

/* ---- ranks and order ----------------------------------------------------- */

/* A row of `category` whose totals are `totals` (n of them). */
static struct kp_ranking_row row(long long id, const char *category, const int *totals, size_t n)
{
    struct kp_ranking_row r;
    memset(&r, 0, sizeof r);
    r.application_id = id;
    r.category = kp_app_category_index(category);
    ck_assert_msg(r.category >= 0, "test bug: %s", category);
    ck_assert_int_eq(kp_ranking_stats(totals, n, &r.stats), KP_OK);
    r.rank = -7;                                 /* to be overwritten */
    return r;
}

#define ROW(id, cat, ...) row((id), (cat), (int[]){ __VA_ARGS__ }, N(((int[]){ __VA_ARGS__ })))
#define UNSCORED(id, cat) row((id), (cat), NULL, 0)

/* The rows' "id:rank" in order, rank 0 shown as "-". */
static const char *order_text(const struct kp_ranking_row *rows, size_t n)
{
    static char buf[2048];
    size_t len = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < n; i++) {
        if (rows[i].rank == 0)
            len += (size_t)snprintf(buf + len, sizeof buf - len, "%s%lld:-", i ? " " : "",
                                    rows[i].application_id);
        else
            len += (size_t)snprintf(buf + len, sizeof buf - len, "%s%lld:%d", i ? " " : "",
                                    rows[i].application_id, rows[i].rank);
        ck_assert_uint_lt(len, sizeof buf);
    }
    return buf;
}

START_TEST(categories_in_the_api_order)
{
    const char *names[] = { "venue", "education_research", "agriculture", "enterprise",
                            "natural_resources", "other" };
    ck_assert_int_eq(KP_APP_CATEGORIES, N(names));
    for (int i = 0; i < (int)N(names); i++) {
        ck_assert_int_eq(kp_app_category_index(names[i]), i);
        ck_assert(kp_app_category_valid(names[i]));
    }
    ck_assert_int_eq(kp_app_category_index("Venue"), -1);
    ck_assert_int_eq(kp_app_category_index(""), -1);
    ck_assert_int_eq(kp_app_category_index("others"), -1);
}
END_TEST

START_TEST(ties_share_the_better_rank)
{
    struct kp_ranking_row rows[] = {
        ROW(4, "venue", 8000), ROW(2, "venue", 8500), ROW(1, "venue", 9000), ROW(3, "venue", 8500),
    };
    kp_ranking_order(rows, N(rows));
    ck_assert_str_eq(order_text(rows, N(rows)), "1:1 2:2 3:2 4:4");
    /* a tie at the top, and three alike */
    struct kp_ranking_row top[] = {
        ROW(5, "venue", 7000), ROW(9, "venue", 9000), ROW(7, "venue", 9000),
        ROW(6, "venue", 7000), ROW(8, "venue", 7000),
    };
    kp_ranking_order(top, N(top));
    ck_assert_str_eq(order_text(top, N(top)), "7:1 9:1 5:3 6:3 8:3");
}
END_TEST

START_TEST(ranked_by_trimmed_mean_as_shown)
{
    /* trimmed means: 1 → 80.00 (95.00 and 10.00 dropped), 2 → mean 85.00
     * (four totals, none dropped); 3: 83.305 and 4: 83.31 both show as 83.31 */
    struct kp_ranking_row rows[] = {
        ROW(1, "enterprise", 1000, 8000, 8000, 8000, 9500),
        ROW(2, "enterprise", 8000, 9000, 8000, 9000),
        ROW(3, "enterprise", 8330, 8331),
        ROW(4, "enterprise", 8331),
    };
    ck_assert_int_eq(rows[0].stats.trimmed_mean, 8000);
    ck_assert_int_eq(rows[0].stats.mean, 6900);
    kp_ranking_order(rows, N(rows));
    ck_assert_str_eq(order_text(rows, N(rows)), "2:1 3:2 4:2 1:4");
}
END_TEST

START_TEST(unranked_last)
{
    struct kp_ranking_row rows[] = {
        UNSCORED(30, "venue"), ROW(31, "venue", 0), UNSCORED(10, "venue"), ROW(32, "venue", 5000),
    };
    kp_ranking_order(rows, N(rows));
    ck_assert_str_eq(order_text(rows, N(rows)), "32:1 31:2 10:- 30:-");
    struct kp_ranking_row none[] = {
        UNSCORED(3, "other"), UNSCORED(1, "other"), UNSCORED(2, "other"),
    };
    kp_ranking_order(none, N(none));
    ck_assert_str_eq(order_text(none, N(none)), "1:- 2:- 3:-");
    kp_ranking_order(none, 0);                   /* nothing to do */
}
END_TEST

START_TEST(order_across_categories)
{
    int tag[12];
    struct kp_ranking_row rows[] = {
        ROW(1, "other", 9000),              ROW(2, "venue", 7000),
        UNSCORED(3, "venue"),               ROW(4, "natural_resources", 8000),
        ROW(5, "agriculture", 6000),        ROW(6, "education_research", 9900),
        ROW(7, "venue", 7000),              ROW(8, "enterprise", 5000),
        UNSCORED(9, "agriculture"),         ROW(10, "venue", 9500),
        ROW(11, "agriculture", 6500),       ROW(12, "other", 9000),
    };
    for (size_t i = 0; i < N(rows); i++) {
        tag[i] = (int)rows[i].application_id;
        rows[i].data = &tag[i];
    }
    kp_ranking_order(rows, N(rows));
    ck_assert_str_eq(order_text(rows, N(rows)),
                     "10:1 2:2 7:2 3:- 6:1 11:1 5:2 9:- 8:1 4:1 1:1 12:1");
    for (size_t i = 0; i < N(rows); i++)          /* the caller's data came along */
        ck_assert_int_eq(*(int *)rows[i].data, (int)rows[i].application_id);
    /* one category alone ranks as it does among the others */
    struct kp_ranking_row venue[] = {
        ROW(7, "venue", 7000), UNSCORED(3, "venue"), ROW(10, "venue", 9500), ROW(2, "venue", 7000),
    };
    kp_ranking_order(venue, N(venue));
    ck_assert_str_eq(order_text(venue, N(venue)), "10:1 2:2 7:2 3:-");
}
END_TEST

/* Many random rows against the definitions: the order is by (category,
 * ranked first, trimmed mean descending, id), and each rank is 1 + the
 * number of rows of its category with a greater trimmed mean. */
START_TEST(random_rows_against_the_definition)
{
    enum { ROWS = 2000 };
    static struct kp_ranking_row rows[ROWS], copy[ROWS];
    unsigned long long seed = 0x9E3779B97F4A7C15ULL;
    for (int round = 0; round < 20; round++) {
        for (int i = 0; i < ROWS; i++) {
            seed ^= seed << 13, seed ^= seed >> 7, seed ^= seed << 17;
            memset(&rows[i], 0, sizeof rows[i]);
            rows[i].application_id = i + 1;
            rows[i].category = (int)(seed % KP_APP_CATEGORIES);
            rows[i].stats.n = (int)((seed >> 8) % 4);                  /* some unranked */
            rows[i].stats.trimmed_mean = rows[i].stats.n ? 9000 + (int)((seed >> 16) % 50) : 0;
        }
        memcpy(copy, rows, sizeof rows);
        kp_ranking_order(rows, ROWS);
        for (int i = 0; i < ROWS; i++) {
            const struct kp_ranking_row *r = &rows[i];
            ck_assert_int_eq(r->stats.trimmed_mean, copy[r->application_id - 1].stats.trimmed_mean);
            if (i > 0) {
                const struct kp_ranking_row *p = &rows[i - 1];
                bool before = p->category < r->category ||
                    (p->category == r->category &&
                     ((p->stats.n > 0 && r->stats.n == 0) ||
                      ((p->stats.n > 0) == (r->stats.n > 0) &&
                       (p->stats.trimmed_mean > r->stats.trimmed_mean ||
                        (p->stats.trimmed_mean == r->stats.trimmed_mean &&
                         p->application_id < r->application_id)))));
                ck_assert_msg(before, "rows %d and %d out of order", i - 1, i);
            }
            int want = 0;
            if (r->stats.n > 0) {
                want = 1;
                for (int j = 0; j < ROWS; j++)
                    want += copy[j].category == r->category && copy[j].stats.n > 0 &&
                            copy[j].stats.trimmed_mean > r->stats.trimmed_mean;
            }
            ck_assert_int_eq(r->rank, want);
        }
    }
}
END_TEST

static Suite *ranking_suite(void)
{
    Suite *s = suite_create("ranking");
    TCase *tc = tcase_create("ranking");
    tcase_add_test(tc, no_totals);
    tcase_add_test(tc, one_and_two);
    tcase_add_test(tc, four_without_trimming);
    tcase_add_test(tc, five_trimmed);
    tcase_add_test(tc, seven);
    tcase_add_test(tc, rounding);
    tcase_add_test(tc, outliers_strictly_past_15_points);
    tcase_add_test(tc, bounds);
    tcase_add_test(tc, categories_in_the_api_order);
    tcase_add_test(tc, ties_share_the_better_rank);
    tcase_add_test(tc, ranked_by_trimmed_mean_as_shown);
    tcase_add_test(tc, unranked_last);
    tcase_add_test(tc, order_across_categories);
    tcase_add_test(tc, random_rows_against_the_definition);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return kp_test_run(ranking_suite());
}
