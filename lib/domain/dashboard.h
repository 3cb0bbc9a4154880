/* The dashboard of a batch (工作台): per recommender, its quota, its
 * invitation codes and its applications by stage, and whether it filed its
 * contact form, with the totals — one statement, so that the admin's page
 * and its CSV cost one round trip, and tests/unit/test_dashboard.c can plan
 * it on 100,000 applications.  server/api/dashboard.c answers with it. */
#ifndef KP_DASHBOARD_H
#define KP_DASHBOARD_H

#include <stddef.h>

#include "db.h"

/* More recommenders than the programme has (about 400 in 2021; the quota
 * table takes at most 2000): the answer says when it is cut. */
#define KP_DASHBOARD_MAX_ROWS 2000

/* The counts of a row, in the order of the statement's columns from
 * KP_DASH_QUOTA on (and of the sums from KP_DASH_SUMS on). */
extern const char *const kp_dashboard_counts[];
#define KP_DASHBOARD_NCOUNTS 9

/* kp_dashboard_all: every recommender of the batch (the admin's);
 * kp_dashboard_own: one (a recommender's).  Parameters: $1 the batch id,
 * $2 kp_batchscope_for() (whether a draft batch is seen), and for
 * kp_dashboard_own $3 the recommender's id.  No rows: no such batch for
 * this caller.  Otherwise one row per
 * recommender (ordered by kind, then id), at most KP_DASHBOARD_MAX_ROWS,
 * or one row with a NULL KP_DASH_ID when the batch has none; every row
 * repeats the batch and the sums over all rows. */
extern const struct kp_stmt kp_dashboard_all, kp_dashboard_own;

enum kp_dashboard_column {
    KP_DASH_BATCH_ID, KP_DASH_BATCH_CODE, KP_DASH_BATCH_TITLE, KP_DASH_BATCH_STATUS,
    KP_DASH_CONTACT_DEADLINE, KP_DASH_SUBMIT_DEADLINE, KP_DASH_RECOMMEND_DEADLINE, /* RFC 3339; submit may be NULL */
    KP_DASH_TODAY,                     /* YYYYMMDD in China, by the database clock */
    KP_DASH_ID, KP_DASH_NAME, KP_DASH_KIND, KP_DASH_REGION,   /* region NULL but for provincial_cast */
    KP_DASH_QUOTA,                     /* NULL: no quota row; then the other counts */
    KP_DASH_FILED = KP_DASH_QUOTA + KP_DASHBOARD_NCOUNTS,     /* "t" or "f" */
    KP_DASH_ROWS,                      /* how many recommenders in all */
    KP_DASH_SUMS,                      /* the counts summed (quota: NULL when none has one) */
    KP_DASH_FILED_SUM = KP_DASH_SUMS + KP_DASHBOARD_NCOUNTS,
    KP_DASH_NCOLUMNS
};

/* The Chinese name of a recommender kind (全国学会, ...); static. */
const char *kp_dashboard_kind_label(const char *kind);

#endif
