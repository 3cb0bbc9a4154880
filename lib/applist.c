#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "applist.h"
#include "buf.h"

#define TIME(col) "to_char(" col " AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')"

static const char PAGE_COLUMNS[] =
    "SELECT a.id, a.batch_id, a.recommender_id, r.name, a.applicant_id, u.name, g.name,"
    " a.base_name, a.category, a.status, a.version, " TIME("a.submitted_at") ", "
    TIME("a.recommended_at") ", a.recommend_opinion, a.return_reason, a.decline_reason, "
    TIME("a.created_at") ", " TIME("a.updated_at") ", bt.code, bt.title"
    " FROM applications a JOIN recommenders r ON r.id = a.recommender_id"
    " JOIN applicant_units u ON u.id = a.applicant_id JOIN regions g ON g.code = u.region_code"
    " JOIN batches bt ON bt.id = a.batch_id";

static const char EXPORT_IDS_FROM[] =
    "SELECT a.id FROM applications a JOIN applicant_units u ON u.id = a.applicant_id"
    " JOIN regions g ON g.code = u.region_code";

/* q: a substring of the unit name or of the base name, found through the
 * gram indexes of migrations/0006_list_indexes.sql and checked by strpos. */
static const char SEARCH[] =
    " AND a.id IN (SELECT s.id FROM applications s JOIN applicant_units su ON su.id = s.applicant_id"
    "  WHERE search_grams(su.name) @> search_query_grams($%1$d::text) AND strpos(su.name, $%1$d::text) > 0"
    " UNION SELECT s.id FROM applications s"
    "  WHERE search_grams(s.base_name) @> search_query_grams($%1$d::text)"
    "    AND strpos(s.base_name, $%1$d::text) > 0)";

const struct kp_stmt KP_APPLIST_EXPORT_ROWS = {
    "applications_export_rows",
    "SELECT g.name, u.name, coalesce(a.base_name, ''), r.name, coalesce(a.category, ''), a.status"
    "  FROM unnest($1::bigint[]) WITH ORDINALITY AS k(id, n) JOIN applications a ON a.id = k.id"
    "  JOIN recommenders r ON r.id = a.recommender_id"
    "  JOIN applicant_units u ON u.id = a.applicant_id JOIN regions g ON g.code = u.region_code"
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
    unsigned bits = 0;
    for (int i = 0; i < KP_APPLIST_FILTERS; i++)
        if (present(filter_value(f, i)))
            bits |= 1u << i;
    return ((unsigned)scope << KP_APPLIST_FILTERS) | bits;
}

enum kp_applist_scope kp_applist_scope_of(const char *role)
{
    if (strcmp(role, "admin") == 0)
        return KP_APPLIST_ALL;
    if (strcmp(role, "applicant") == 0)
        return KP_APPLIST_APPLICANT;
    if (strcmp(role, "recommender") == 0)
        return KP_APPLIST_RECOMMENDER;
    return KP_APPLIST_NONE;
}

static bool has_org(enum kp_applist_scope scope)
{
    return scope == KP_APPLIST_APPLICANT || scope == KP_APPLIST_RECOMMENDER;
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

/* The WHERE clause of a shape, its parameters numbered from 1 in
 * kp_applist_params' order; *next is the next free number. */
static void where(struct kp_buf *b, unsigned shape, bool paged, int *next)
{
    enum kp_applist_scope scope = shape >> KP_APPLIST_FILTERS;
    int n = 1;
    kp_buf_printf(b, " WHERE true");
    if (scope == KP_APPLIST_APPLICANT)
        kp_buf_printf(b, " AND a.applicant_id = $%d::bigint", n++);
    else if (scope == KP_APPLIST_RECOMMENDER)
        kp_buf_printf(b, " AND a.recommender_id = $%d::bigint", n++);
    else if (scope == KP_APPLIST_NONE)
        kp_buf_printf(b, " AND false");
    if (paged)
        kp_buf_printf(b, " AND a.id < $%d::bigint", n++);
    if (shape & (1u << F_BATCH))
        kp_buf_printf(b, " AND a.batch_id = $%d::bigint", n++);
    if (shape & (1u << F_STATUS))
        kp_buf_printf(b, " AND a.status = $%d::text", n++);
    if (shape & (1u << F_CATEGORY))
        kp_buf_printf(b, " AND a.category = $%d::text", n++);
    if (shape & (1u << F_REGION))
        kp_buf_printf(b, " AND g.name = $%d::text", n++);
    if (shape & (1u << F_Q))
        kp_buf_printf(b, SEARCH, n++);
    *next = n;
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
        kp_buf_printf(&b, "%s", PAGE_COLUMNS);
        where(&b, shape, true, &n);
        kp_buf_printf(&b, " ORDER BY a.id DESC LIMIT $%d::bigint", n);
        page_stmts[shape].sql = take(&b);
        page_stmts[shape].nparams = n;
        kp_buf_printf(&b, "applications_page_%u", shape);
        page_stmts[shape].name = take(&b);

        kp_buf_printf(&b, "%s", EXPORT_IDS_FROM);
        where(&b, shape, false, &n);
        kp_buf_printf(&b, " ORDER BY u.region_code, u.name, a.id");
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
