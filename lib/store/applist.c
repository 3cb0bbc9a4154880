#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "applist.h"
#include "buf.h"
#include "cursor.h"

/* A list item: the application without form and attachments, from the
 * rows of `a` (a page's, already chosen), and nothing else: the names it
 * shows are on the row (migrations/0009_list_names.sql; looking them up
 * was half of a page's time).  Timestamps as PostgreSQL writes them,
 * converted by the writer (lib/store/pgtime.h). */
static const char PAGE_COLUMNS[] =
    "SELECT a.id, a.batch_id, a.recommender_id, a.recommender_name, a.applicant_id, a.unit_name,"
    " a.region_name, a.base_name, a.category, a.status, a.version, a.submitted_at, a.recommended_at,"
    " a.recommend_opinion, a.return_reason, a.decline_reason, a.created_at, a.updated_at,"
    " a.batch_code, a.batch_title, a.initial_result, a.initial_comments, a.initial_by_name, a.initial_at,"
    " a.onsite_result, a.onsite_inspectors::text, a.onsite_visited_on, a.onsite_findings, a.onsite_by_name,"
    " a.onsite_at, a.fast_track, a.withdraw_reason";

/* The grams of both names, as migrations/0008_search_trigrams.sql indexes
 * them, contain q's; strpos decides. */
#define NAMES_HAVE(q)                                                                   \
    "search_grams(a.unit_name || E'\\n' || coalesce(a.base_name, ''))"                 \
    " @> search_query_grams(" q ")"                                                     \
    " AND (strpos(a.unit_name, " q ") > 0 OR strpos(a.base_name, " q ") > 0)"

/* How many of the first rows in the page's order (under the other filters)
 * a search reads before it turns to the gram index. */
#define SEARCH_WINDOW "500"

const struct kp_stmt KP_APPLIST_EXPORT_ROWS = {
    "applications_export_rows",
    "SELECT a.region_name, a.unit_name, coalesce(a.base_name, ''), a.recommender_name, coalesce(a.category, ''),"
    " a.status, a.batch_title, a.credit_code, u.contact_name, u.contact_phone,"
    " coalesce(to_char(a.submitted_at AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM-DD HH24:MI'), ''),"
    " coalesce(to_char(a.recommended_at AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM-DD HH24:MI'), ''),"
    " coalesce(a.recommend_opinion, '')"
    " FROM unnest($1::bigint[]) WITH ORDINALITY AS k(id, n) JOIN applications a ON a.id = k.id"
    " JOIN applicant_units u ON u.id = a.applicant_id"
    " ORDER BY k.n",
    1,
};

enum { F_BATCH, F_STATUS, F_CATEGORY, F_REGION, F_Q };

static bool present(const char *v)
{
    return v != NULL && v[0] != '\0';
}

static const char *filter_value(const struct kp_applist_filters *f, int i)
{
    const char *v[KP_APPLIST_FILTERS] = { f->batch, f->status, f->category, f->region, f->q };
    return v[i];
}

unsigned kp_applist_shape(enum kp_applist_scope scope, const struct kp_applist_filters *f)
{
    unsigned bits = f->oldest ? KP_APPLIST_ORDER_BIT : 0;
    for (int i = 0; i < KP_APPLIST_FILTERS; i++)
        if (present(filter_value(f, i)))
            bits |= 1u << i;
    return ((unsigned)scope << (KP_APPLIST_FILTERS + 1)) | bits;
}

enum kp_applist_scope kp_applist_scope_of(const char *role)
{
    if (strcmp(role, "admin") == 0)
        return KP_APPLIST_ALL;
    if (strcmp(role, "applicant") == 0)
        return KP_APPLIST_APPLICANT;
    if (strcmp(role, "recommender") == 0)
        return KP_APPLIST_RECOMMENDER;
    if (strcmp(role, "expert") == 0)
        return KP_APPLIST_EXPERT;
    return KP_APPLIST_NONE;
}

static bool has_org(enum kp_applist_scope scope)
{
    return scope == KP_APPLIST_APPLICANT || scope == KP_APPLIST_RECOMMENDER || scope == KP_APPLIST_EXPERT;
}

int kp_applist_params(enum kp_applist_scope scope, const char *org,
                      const struct kp_applist_filters *f, const char *after, const char *limit,
                      const char **out)
{
    int n = 0;
    if (has_org(scope))
        out[n++] = org;
    if (after != NULL)
        out[n++] = after;
    for (int i = 0; i < KP_APPLIST_FILTERS; i++)
        if (present(filter_value(f, i)))
            out[n++] = filter_value(f, i);
    if (limit != NULL)
        out[n++] = limit;
    return n;
}

/* The conditions of a shape but q, ANDed, its parameters numbered from 1
 * in kp_applist_params' order; *next is the next free number.  Not
 * `indexed`: each column in an expression (a.id + 0), so that no index of
 * it serves the condition (see page_search). */
static void conditions(struct kp_buf *b, unsigned shape, bool paged, bool indexed, int *next)
{
    enum kp_applist_scope scope = shape >> (KP_APPLIST_FILTERS + 1);
    const char *num = indexed ? "" : " + 0", *text = indexed ? "" : " || ''";
    int n = 1;
    kp_buf_printf(b, "true");
    if (scope == KP_APPLIST_APPLICANT)
        kp_buf_printf(b, " AND a.applicant_id%s = (SELECT $%d::bigint)", num, n++);
    else if (scope == KP_APPLIST_RECOMMENDER)
        kp_buf_printf(b, " AND a.recommender_id%s = (SELECT $%d::bigint)", num, n++);
    else if (scope == KP_APPLIST_EXPERT)
        kp_buf_printf(b, " AND a.id%s IN (SELECT x.application_id FROM assignments x WHERE x.expert_id = (SELECT $%d::bigint)"
                         " AND x.status IN ('pending', 'draft', 'submitted'))", num, n++);
    else if (scope == KP_APPLIST_NONE)
        kp_buf_printf(b, " AND false");
    if (paged)
        kp_buf_printf(b, " AND a.id%s %s (SELECT $%d::bigint)", num, shape & KP_APPLIST_ORDER_BIT ? ">" : "<", n++);
    if (shape & (1u << F_BATCH))
        kp_buf_printf(b, " AND a.batch_id%s = (SELECT $%d::bigint)", num, n++);
    if (shape & (1u << F_STATUS))
        kp_buf_printf(b, " AND a.status%s = (SELECT $%d::text)", text, n++);
    if (shape & (1u << F_CATEGORY))
        kp_buf_printf(b, " AND a.category%s = (SELECT $%d::text)", text, n++);
    if (shape & (1u << F_REGION))
        kp_buf_printf(b, " AND a.region_code%s = (SELECT code FROM regions WHERE name = $%d::text)", num, n++);
    *next = n;
}

/* Plans.  Planning a page statement costs more than running it (0.2-0.5
 * ms against 0.1-0.3), so each must keep one plan for all its executions
 * (PostgreSQL's generic plan).  PostgreSQL plans afresh whenever a plan
 * made for the values at hand looks cheaper than the kept one, and which
 * does depends on the values and on the sampled statistics, so that a
 * shape kept its plan in one run and not in the next.  Hence every value
 * is bound as "(SELECT $n)", which the planner cannot see into: every
 * execution's plan is then the kept one, and is kept.  The plans are made
 * for no value in particular (tests/unit/test_applist.c checks them at
 * 100,000 rows).  The rows are read under the constant PAGE_ROWS (a page
 * and one more, to tell whether there is a next), so the plan's estimates
 * are those of a page; the outer limit stops the inner scan as it goes. */
#define PAGE_ROWS (KP_PAGE_MAX + 1)

/* The keyset order of a shape's pages. */
static const char *direction(unsigned shape)
{
    return shape & KP_APPLIST_ORDER_BIT ? "ASC" : "DESC";
}

/* A page without q: the rows in keyset order under the conditions. */
static void page_plain(struct kp_buf *b, unsigned shape, int *next)
{
    const char *dir = direction(shape);
    kp_buf_printf(b, "%s FROM (SELECT * FROM applications a WHERE ", PAGE_COLUMNS);
    conditions(b, shape, true, true, next);
    kp_buf_printf(b, " ORDER BY a.id %s LIMIT %d) a ORDER BY a.id %s LIMIT (SELECT $%d::bigint)", dir, PAGE_ROWS,
                  dir, *next);
}

/* A page with q.  A common q (a sixth of the names) fills the page from
 * the first few hundred rows in order, where the gram index would
 * fetch and sort thousands of candidates; a rare q is the other way round.
 * The planner's guess between them rests on per-gram frequencies and
 * can be off a hundredfold (every name has 第 and digits, few "第1008"), so
 * the statement does not ask it:
 *  - `hits`: the matches among the first SEARCH_WINDOW rows (newest or
 *    oldest, as the page is ordered) under the
 *    other conditions, read in order, stopping when the page is full;
 *  - `window_full`: whether there are that many rows at all (else `hits`
 *    has seen every row and is the answer, however short);
 *  - only when the page is not full and there were more rows does the
 *    second branch of `found` run (a one-time filter: not run otherwise):
 *    every match from the gram index, filtered by the other
 *    conditions and sorted.  There the conditions name no index (`indexed`
 *    false): with one, PostgreSQL would intersect the grams' few
 *    candidates with, say, every id below the cursor (a bitmap of 100,000
 *    entries, 10 ms). */
static void page_search(struct kp_buf *b, unsigned shape, int *next)
{
    struct kp_buf cond = { 0 }, filter = { 0 };
    int q, limit;
    conditions(&cond, shape, true, true, &q);
    conditions(&filter, shape, true, false, &q);
    limit = q + 1;
    const char *c = cond.failed ? "false" : cond.data, *f = filter.failed ? "false" : filter.data;
    b->failed |= cond.failed || filter.failed;      /* take() then stops */
    const char *dir = direction(shape);
    kp_buf_printf(b,
                  "WITH hits AS MATERIALIZED ("
                  "SELECT w.id FROM (SELECT a.id, a.unit_name, a.base_name FROM applications a"
                  " WHERE %s ORDER BY a.id %s LIMIT " SEARCH_WINDOW ") w"
                  " WHERE strpos(w.unit_name, (SELECT $%d::text)) > 0 OR strpos(w.base_name, (SELECT $%d::text)) > 0"
                  " LIMIT (SELECT $%d::bigint)),"
                  " window_full AS MATERIALIZED ("
                  "SELECT count(*) = " SEARCH_WINDOW " AS yes FROM (SELECT 1 FROM applications a"
                  " WHERE %s ORDER BY a.id %s LIMIT " SEARCH_WINDOW ") w),"
                  " found AS ("
                  "SELECT id FROM hits WHERE (SELECT count(*) FROM hits) = (SELECT $%d::bigint)"
                  " OR NOT (SELECT yes FROM window_full)"
                  " UNION ALL"
                  " (SELECT a.id FROM applications a WHERE %s"
                  " AND (SELECT count(*) FROM hits) < (SELECT $%d::bigint) AND (SELECT yes FROM window_full)"
                  " AND " NAMES_HAVE("(SELECT $%d::text)") " ORDER BY a.id + 0 %s LIMIT %d))"
                  " %s FROM found JOIN applications a ON a.id = found.id ORDER BY a.id %s"
                  " LIMIT (SELECT $%d::bigint)",
                  c, dir, q, q, limit, c, dir, limit, f, limit, q, q, q, dir, PAGE_ROWS, PAGE_COLUMNS, dir, limit);
    kp_buf_free(&cond);
    kp_buf_free(&filter);
    *next = limit;
}

static struct kp_stmt page_stmts[KP_APPLIST_SHAPES], export_stmts[KP_APPLIST_SHAPES];
static pthread_once_t built = PTHREAD_ONCE_INIT;

/* Out of memory here, once at the first list, is not worth limping on. */
static char *take(struct kp_buf *b)
{
    size_t len;
    char *s = b->failed ? NULL : kp_buf_take(b, &len);
    if (s == NULL) {
        fputs("kpjdd: out of memory building the list statements\n", stderr);
        abort();
    }
    return s;
}

static void build(void)
{
    for (unsigned shape = 0; shape < KP_APPLIST_SHAPES; shape++) {
        struct kp_buf b = { 0 };
        int n;
        if (shape & (1u << F_Q))
            page_search(&b, shape, &n);
        else
            page_plain(&b, shape, &n);
        page_stmts[shape].sql = take(&b);
        page_stmts[shape].nparams = n;
        kp_buf_printf(&b, "applications_page_%u", shape);
        page_stmts[shape].name = take(&b);

        kp_buf_printf(&b, "SELECT a.id FROM applications a WHERE ");
        conditions(&b, shape, false, true, &n);
        if (shape & (1u << F_Q)) {
            kp_buf_printf(&b, " AND " NAMES_HAVE("$%d::text"), n, n, n);
            n++;
        }
        kp_buf_printf(&b, " ORDER BY a.region_code, a.unit_name, a.id");
        export_stmts[shape].sql = take(&b);
        export_stmts[shape].nparams = n - 1;
        kp_buf_printf(&b, "applications_export_ids_%u", shape);
        export_stmts[shape].name = take(&b);
    }
}

const struct kp_stmt *kp_applist_page_stmt(unsigned shape)
{
    pthread_once(&built, build);
    return &page_stmts[shape % KP_APPLIST_SHAPES];
}

const struct kp_stmt *kp_applist_export_ids_stmt(unsigned shape)
{
    pthread_once(&built, build);
    return &export_stmts[shape % KP_APPLIST_SHAPES];
}
