/* The final evaluation's ranking (API.md "Ranking and the proposed list"):
 * the statistics of each application's submitted totals, and its rank
 * within its category.
 *
 * Totals and statistics are integer hundredths of a point (rubric.h).  Each
 * statistic is computed exactly, as a fraction of integers, and rounded once
 * to the nearest hundredth, halves away from zero (四舍五入; all values are
 * ≥ 0, so halves go up): the mean of 83.30 and 83.31 is 83.305, shown as
 * 83.31.  Halves arise from the mean and the trimmed mean (a sum over 2 or 4
 * totals) and from the median of an even count (the mean of the two middle
 * totals); other fractions, such as thirds, are never halfway.
 *
 * Bounds: an application's submitted totals come from its active
 * assignments, at most per_application (≤ 15) at a time — a replacement
 * takes over an unsubmitted assignment, and a submitted one is never
 * replaced — so n ≤ 15; KP_RANKING_MAX_N leaves room and keeps the work on
 * the stack.  Rows: any number (a batch's candidates); ordering them sorts
 * the caller's array in place, O(rows · log rows), and allocates nothing. */
#ifndef KP_RANKING_H
#define KP_RANKING_H

#include <stdbool.h>
#include <stddef.h>

#include "err.h"

#define KP_RANKING_MAX_N        64
#define KP_RANKING_OUTLIER_GAP  1500   /* hundredths: a total more than 15 points from the median */

struct kp_ranking_stats {
    int  n;                            /* submitted totals; 0: every statistic is null */
    /* Hundredths, rounded as above; 0 when n is 0. */
    int  mean;
    int  median;                       /* the middle total, or the mean of the two middle ones */
    int  trimmed_mean;                 /* n ≥ 5: without one highest and one lowest; else the mean */
    int  spread;                       /* highest − lowest, exact */
    /* outlier[i]: totals[i] is more than 15 points from the median, exact
     * (not the rounded one: with middle totals 80.00 and 80.01 the median is
     * 80.005, and 95.01, 15.005 from it, is an outlier though the median
     * shows as 80.01).  Exactly 15 points is not. */
    bool outlier[KP_RANKING_MAX_N];
};

/* The statistics of n totals (hundredths, each 0–10000, in any order; the
 * outlier flags follow that order, so the caller can name the experts).
 * KP_E_INVAL when n > KP_RANKING_MAX_N or a total is out of range, *out then
 * being unspecified. */
enum kp_err kp_ranking_stats(const int *totals, size_t n, struct kp_ranking_stats *out);

/* One application in the ranking. */
struct kp_ranking_row {
    long long application_id;
    int       category;                /* kp_app_category_index() of its category */
    struct kp_ranking_stats stats;
    int       rank;                    /* set by kp_ranking_order: 1, 2, …; 0 when unranked (null) */
    void     *data;                    /* the caller's, carried along */
};

/* Orders rows as the API lists them — by category in the API's order, then
 * rank, the unranked (n = 0) last, then by application id — and sets each
 * rank: within its category, by trimmed mean descending, as shown (two
 * trimmed means that show alike are a tie), equal ones sharing the better
 * rank and the next rank skipping as many (1, 2, 2, 4).  Rows of every
 * category may be mixed; a list of one category is ranked the same. */
void kp_ranking_order(struct kp_ranking_row *rows, size_t n);

#endif
