#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include "appstate.h"
#include "ranking.h"
#include "rubric.h"

/* num / den to the nearest integer, halves up: num ≥ 0, den > 0. */
static int round_div(long long num, long long den)
{
    assert(num >= 0 && den > 0);
    return (int)((2 * num + den) / (2 * den));
}

static int by_value(const void *a, const void *b)
{
    int x = *(const int *)a, y = *(const int *)b;
    return (x > y) - (x < y);
}

enum kp_err kp_ranking_stats(const int *totals, size_t n, struct kp_ranking_stats *out)
{
    memset(out, 0, sizeof *out);
    if (n > KP_RANKING_MAX_N)
        return KP_E_INVAL;
    if (n == 0)
        return KP_OK;
    int sorted[KP_RANKING_MAX_N];
    long long sum = 0;
    for (size_t i = 0; i < n; i++) {
        if (totals[i] < 0 || totals[i] > KP_RUBRIC_TOTAL_MAX)
            return KP_E_INVAL;
        sorted[i] = totals[i];
        sum += totals[i];
    }
    qsort(sorted, n, sizeof sorted[0], by_value);
    int lo = sorted[0], hi = sorted[n - 1];
    /* Twice the median, an integer even when the median is a half. */
    long long median2 = n % 2 ? 2LL * sorted[n / 2] : (long long)sorted[n / 2 - 1] + sorted[n / 2];

    out->n = (int)n;
    out->mean = round_div(sum, (long long)n);
    out->median = round_div(median2, 2);
    out->trimmed_mean = n >= 5 ? round_div(sum - lo - hi, (long long)n - 2) : out->mean;
    out->spread = hi - lo;
    for (size_t i = 0; i < n; i++)
        out->outlier[i] = llabs(2LL * totals[i] - median2) > 2LL * KP_RANKING_OUTLIER_GAP;
    return KP_OK;
}

/* Category, then the ranked before the unranked, then trimmed mean
 * descending, then id: the API's order, in which ranks are dealt out. */
static int by_listing(const void *a, const void *b)
{
    const struct kp_ranking_row *x = a, *y = b;
    if (x->category != y->category)
        return x->category < y->category ? -1 : 1;
    bool xr = x->stats.n > 0, yr = y->stats.n > 0;
    if (xr != yr)
        return xr ? -1 : 1;
    if (xr && x->stats.trimmed_mean != y->stats.trimmed_mean)
        return x->stats.trimmed_mean > y->stats.trimmed_mean ? -1 : 1;
    return (x->application_id > y->application_id) - (x->application_id < y->application_id);
}

void kp_ranking_order(struct kp_ranking_row *rows, size_t n)
{
    for (size_t i = 0; i < n; i++)
        assert(rows[i].category >= 0 && rows[i].category < KP_APP_CATEGORIES);
    qsort(rows, n, sizeof rows[0], by_listing);
    int place = 0;                               /* within the current category, from 1 */
    for (size_t i = 0; i < n; i++) {
        struct kp_ranking_row *r = &rows[i];
        bool same_category = i > 0 && rows[i - 1].category == r->category;
        place = same_category ? place + 1 : 1;
        if (r->stats.n == 0)
            r->rank = 0;
        else if (same_category && rows[i - 1].stats.n > 0 &&
                 rows[i - 1].stats.trimmed_mean == r->stats.trimmed_mean)
            r->rank = rows[i - 1].rank;          /* a tie shares the better rank */
        else
            r->rank = place;
    }
}
