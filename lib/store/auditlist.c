#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

#include "auditlist.h"
#include "buf.h"
#include "cursor.h"

enum { F_ENTITY, F_ENTITY_ID, F_ACTOR, F_ACTION, F_FROM, F_TO };

#define TIME_SHAPE ((1u << F_FROM) | (1u << F_TO))

static const char *filter_value(const struct kp_auditlist_filters *f, int i)
{
    const char *v[KP_AUDITLIST_FILTERS] = { f->entity, f->entity_id, f->actor_id, f->action, f->from, f->to };
    return v[i] != NULL && v[i][0] != '\0' ? v[i] : NULL;
}

unsigned kp_auditlist_shape(const struct kp_auditlist_filters *f)
{
    unsigned bits = 0;
    for (int i = 0; i < KP_AUDITLIST_FILTERS; i++)
        if (filter_value(f, i) != NULL)
            bits |= 1u << i;
    return bits;
}

int kp_auditlist_params(const struct kp_auditlist_filters *f, const char *after, const char *limit,
                        const char **out)
{
    int n = 0;
    out[n++] = after;
    for (int i = 0; i < KP_AUDITLIST_FILTERS; i++)
        if (filter_value(f, i) != NULL)
            out[n++] = filter_value(f, i);
    out[n++] = limit;
    return n;
}

/* Who acted, joined to the page's rows only (a few index lookups each). */
static const char ACTOR_JOIN[] =
    " LEFT JOIN users u ON u.id = l.actor_id"
    " LEFT JOIN recommenders r ON u.role = 'recommender' AND r.id = u.org_id"
    " LEFT JOIN applicant_units au ON u.role = 'applicant' AND au.id = u.org_id"
    " LEFT JOIN experts e ON u.role = 'expert' AND e.id = u.org_id";

static const char ACTOR_COLUMNS[] =
    ", CASE WHEN u.role = 'expert' THEN e.name ELSE u.display_name END,"
    " CASE u.role WHEN 'admin' THEN '平台管理员' WHEN 'recommender' THEN r.name"
    " WHEN 'applicant' THEN au.name WHEN 'expert' THEN e.organization END";

/* The conditions of a shape but time, ANDed, from parameter $2 on (after
 * `after`, $1, written by the caller); *next is the next free number. */
static void conditions(struct kp_buf *b, unsigned shape, int *next)
{
    int n = 2;
    if (shape & (1u << F_ENTITY))
        kp_buf_printf(b, " AND l.entity = (SELECT $%d::text)", n++);
    if (shape & (1u << F_ENTITY_ID))
        kp_buf_printf(b, " AND l.entity_id = (SELECT $%d::text)", n++);
    if (shape & (1u << F_ACTOR))
        kp_buf_printf(b, " AND l.actor_id = (SELECT $%d::bigint)", n++);
    if (shape & (1u << F_ACTION))
        kp_buf_printf(b, " AND l.action = (SELECT $%d::text)", n++);
    *next = n;
}

/* The time conditions, from parameter `n` on; *next as above. */
static void time_conditions(struct kp_buf *b, unsigned shape, int n, int *next)
{
    if (shape & (1u << F_FROM))
        kp_buf_printf(b, " AND l.at >= (SELECT $%d::timestamptz)", n++);
    if (shape & (1u << F_TO))
        kp_buf_printf(b, " AND l.at < (SELECT $%d::timestamptz)", n++);
    *next = n;
}

/* Every value is bound as "(SELECT $n)", which the planner cannot see
 * into, so that each shape keeps one plan made for no value in particular
 * (lib/store/applist.c says why).  The rows are read under a constant
 * limit (a page and one more, or a block), so the estimates are those of
 * a page; the outer limit stops the inner scan as it goes.
 *
 * A time range has no index in id order (`at` is the appending
 * transaction's start: nearly, not exactly, in id order), so a shape with
 * one asks two ways, as applist's search does, rather than let the
 * planner guess the range's size:
 *  - `win`: the rows of the range among the newest `window` rows below the
 *    cursor under the other filters, read in id order;
 *  - `win_full`: whether there were that many rows at all (else `win` has
 *    seen every row and is the answer);
 *  - only when `win` does not fill the page and there were more rows, the
 *    range through audit_log_at, sorted by id (l.id + 0: no index of id
 *    serves it, or the planner might walk the whole table backwards).
 * A recent or wide range is then a window's read; an old narrow one, its
 * rows; an old wide one, every row in it.  Returns the number of
 * parameters. */
static int statement(struct kp_buf *b, unsigned shape, bool block)
{
    const char *at = block ? "to_char(l.at AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM-DD HH24:MI:SS')"
                           : "to_char(l.at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"')";
    int rows = block ? KP_AUDITLIST_BLOCK : KP_PAGE_MAX + 1, window = block ? 4 * KP_AUDITLIST_BLOCK : 2000;
    struct kp_buf cond = { 0 }, time = { 0 };
    int n, limit;
    conditions(&cond, shape, &n);
    time_conditions(&time, shape, n, &limit);
    const char *c = cond.failed ? "" : cond.len ? cond.data : "", *t = time.failed ? "" : time.len ? time.data : "";
    b->failed |= cond.failed || time.failed;     /* take() then stops */
    kp_buf_printf(b, "SELECT l.id, %s, l.actor_id, l.actor_role, l.action, l.entity, l.entity_id, l.data::text,"
                     " l.request_id, l.ip%s FROM ", at, ACTOR_COLUMNS);
    if (!(shape & TIME_SHAPE))
        kp_buf_printf(b, "(SELECT * FROM audit_log l WHERE l.id < (SELECT $1::bigint)%s ORDER BY l.id DESC LIMIT %d) l",
                      c, rows);
    else
        kp_buf_printf(b,
                      "(WITH win AS MATERIALIZED ("
                      "SELECT l.id FROM (SELECT l.id, l.at FROM audit_log l WHERE l.id < (SELECT $1::bigint)%s"
                      " ORDER BY l.id DESC LIMIT %d) l WHERE true%s LIMIT (SELECT $%d::bigint)),"
                      " win_full AS MATERIALIZED ("
                      "SELECT count(*) = %d AS yes FROM (SELECT 1 FROM audit_log l WHERE l.id < (SELECT $1::bigint)%s"
                      " ORDER BY l.id DESC LIMIT %d) w),"
                      " found AS ("
                      "SELECT id FROM win WHERE (SELECT count(*) FROM win) = (SELECT $%d::bigint)"
                      " OR NOT (SELECT yes FROM win_full)"
                      " UNION ALL"
                      " (SELECT l.id FROM audit_log l WHERE l.id + 0 < (SELECT $1::bigint)%s%s"
                      " AND (SELECT count(*) FROM win) < (SELECT $%d::bigint) AND (SELECT yes FROM win_full)"
                      " ORDER BY l.id + 0 DESC LIMIT %d))"
                      " SELECT l.* FROM found JOIN audit_log l ON l.id = found.id) l",
                      c, window, t, limit, window, c, window, limit, c, t, limit, rows);
    kp_buf_printf(b, "%s ORDER BY l.id DESC LIMIT (SELECT $%d::bigint)", ACTOR_JOIN, limit);
    kp_buf_free(&cond);
    kp_buf_free(&time);
    return limit;
}

static struct kp_stmt page_stmts[KP_AUDITLIST_SHAPES], block_stmts[KP_AUDITLIST_SHAPES];
static pthread_once_t built = PTHREAD_ONCE_INIT;

/* Out of memory here, once at the first list, is not worth limping on. */
static char *take(struct kp_buf *b)
{
    size_t len;
    char *s = b->failed ? NULL : kp_buf_take(b, &len);
    if (s == NULL) {
        fputs("kpjdd: out of memory building the audit list statements\n", stderr);
        abort();
    }
    return s;
}

static void build_one(struct kp_stmt *stmt, unsigned shape, bool block)
{
    struct kp_buf b = { 0 };
    stmt->nparams = statement(&b, shape, block);
    stmt->sql = take(&b);
    kp_buf_printf(&b, "audit_%s_%u", block ? "block" : "page", shape);
    stmt->name = take(&b);
}

static void build(void)
{
    for (unsigned shape = 0; shape < KP_AUDITLIST_SHAPES; shape++) {
        build_one(&page_stmts[shape], shape, false);
        build_one(&block_stmts[shape], shape, true);
    }
}

const struct kp_stmt *kp_auditlist_page_stmt(unsigned shape)
{
    pthread_once(&built, build);
    return &page_stmts[shape % KP_AUDITLIST_SHAPES];
}

const struct kp_stmt *kp_auditlist_block_stmt(unsigned shape)
{
    pthread_once(&built, build);
    return &block_stmts[shape % KP_AUDITLIST_SHAPES];
}
