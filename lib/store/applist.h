/* The SQL of GET /applications and its CSV export: one prepared statement
 * per filter shape.  A single statement with "($n IS NULL OR ...)" for every
 * filter gets, after five executions, a generic plan that fits no filter (a
 * full scan and a sort of every row); a statement per shape holds only the
 * conditions it uses, so even its generic plan can follow an index in
 * keyset order (migrations/0006_list_indexes.sql).
 *
 * A shape is who asks (the scope) and which filters are present.  The
 * statements are built once per process, named per shape, and kp_db
 * prepares each on a connection the first time it runs there.  Parameters
 * are numbered in the order kp_applist_params lays them out. */
#ifndef KP_APPLIST_H
#define KP_APPLIST_H

#include <stdbool.h>

#include "db.h"

enum kp_applist_scope {
    KP_APPLIST_ALL,              /* the admin */
    KP_APPLIST_APPLICANT,        /* a.applicant_id = the organisation */
    KP_APPLIST_RECOMMENDER,      /* a.recommender_id = the organisation */
    KP_APPLIST_EXPERT,           /* assigned to the expert (the organisation), and still its work */
    KP_APPLIST_NONE,             /* everyone else: no rows */
    KP_APPLIST_SCOPES
};

/* The query's filters (NULL: absent).  An empty q matches every name, so
 * it counts as absent.  `oldest`: the page order, oldest first (ascending
 * id, the keyset going up) instead of newest first. */
struct kp_applist_filters {
    const char *batch, *status, *category, *region, *q;
    bool oldest;
};

#define KP_APPLIST_FILTERS 5
#define KP_APPLIST_ORDER_BIT (1u << KP_APPLIST_FILTERS)   /* in a shape: oldest first */
#define KP_APPLIST_SHAPES (KP_APPLIST_SCOPES << (KP_APPLIST_FILTERS + 1))
#define KP_APPLIST_MAX_PARAMS 8

/* The shape's index in [0, KP_APPLIST_SHAPES). */
unsigned kp_applist_shape(enum kp_applist_scope scope, const struct kp_applist_filters *f);

/* The scope for a role name as kp_appscope_for writes it. */
enum kp_applist_scope kp_applist_scope_of(const char *role);

/* One page, newest first (or oldest first): the summary of each application (its columns
 * without form; server/api/applications.c reads them).
 * Parameters: [org], after (the id to start below, or above for oldest first), the present filters
 * in the order batch, status, category, region, q, then the row limit. */
const struct kp_stmt *kp_applist_page_stmt(unsigned shape);

/* The export's ids, in its order (region code, unit name, id).
 * Parameters: [org], the present filters. */
const struct kp_stmt *kp_applist_export_ids_stmt(unsigned shape);

/* Lays out the parameters of a shape's statement in `out`
 * (KP_APPLIST_MAX_PARAMS); `after`/`limit` NULL for the export.  Returns
 * how many. */
int kp_applist_params(enum kp_applist_scope scope, const char *org,
                      const struct kp_applist_filters *f, const char *after, const char *limit,
                      const char **out);

/* The export's rows for a set of ids, in the order of the array:
 * $1 = '{id,...}' (bigint[]); columns in enum kp_applist_export_column's
 * order; text that is absent is ''.  Times are Beijing time
 * ("2026-12-07 09:30"). */
enum kp_applist_export_column {
    KP_EXPORT_REGION, KP_EXPORT_UNIT, KP_EXPORT_BASE, KP_EXPORT_RECOMMENDER, KP_EXPORT_CATEGORY,
    KP_EXPORT_STATUS, KP_EXPORT_BATCH, KP_EXPORT_CREDIT_CODE, KP_EXPORT_CONTACT, KP_EXPORT_PHONE,
    KP_EXPORT_SUBMITTED, KP_EXPORT_RECOMMENDED, KP_EXPORT_OPINION,
    KP_EXPORT_COLUMNS
};
extern const struct kp_stmt KP_APPLIST_EXPORT_ROWS;

#endif
