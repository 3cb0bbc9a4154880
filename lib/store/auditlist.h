/* The SQL of GET /audit and its CSV export: one prepared statement per
 * filter shape, as lib/store/applist.h explains, so that each plan follows
 * an index of its filters (migrations/0002_accounts.sql, 0025) in keyset
 * order: newest first, id < the cursor.
 *
 * A row comes with who acted as people know them: the account's name (an
 * expert's own name) and its organisation — the recommender's or the
 * unit's name, the expert's organisation, 平台管理员 for the admin; NULL
 * for rows without an account (the system, a failed login).
 *
 * Columns: id, at, actor_id, actor_role, action, entity, entity_id,
 * data (JSON text as stored), request_id, ip, actor_name, actor_org.
 * `at` is RFC 3339 UTC with microseconds in a page
 * ("2026-12-07T12:14:28.123456Z"), Beijing wall-clock time in a block
 * ("2026-12-07 20:14:28"), which people read. */
#ifndef KP_AUDITLIST_H
#define KP_AUDITLIST_H

#include "db.h"

/* The query's filters (NULL or "": absent).  from/to are instants as
 * PostgreSQL reads a timestamptz: from inclusive, to exclusive. */
struct kp_auditlist_filters {
    const char *entity, *entity_id, *actor_id, *action, *from, *to;
};

#define KP_AUDITLIST_FILTERS 6
#define KP_AUDITLIST_SHAPES (1u << KP_AUDITLIST_FILTERS)
#define KP_AUDITLIST_MAX_PARAMS (KP_AUDITLIST_FILTERS + 2)

/* Rows a block statement reads at most (the export's unit of work). */
#define KP_AUDITLIST_BLOCK 2000

/* The shape's index in [0, KP_AUDITLIST_SHAPES). */
unsigned kp_auditlist_shape(const struct kp_auditlist_filters *f);

/* Parameters: after (the id to start below), the present filters in the
 * order entity, entity_id, actor_id, action, from, to, then the row limit
 * (at most KP_PAGE_MAX + 1 for a page, KP_AUDITLIST_BLOCK for a block). */
const struct kp_stmt *kp_auditlist_page_stmt(unsigned shape);
const struct kp_stmt *kp_auditlist_block_stmt(unsigned shape);

/* Lays out a shape's parameters in `out` (KP_AUDITLIST_MAX_PARAMS).
 * Returns how many.  The strings are borrowed. */
int kp_auditlist_params(const struct kp_auditlist_filters *f, const char *after, const char *limit,
                        const char **out);

#endif
