/* The dashboard statement of a batch (dashboard.h). */

#include "dashboard.h"

#include <string.h>

#include "principal.h"

#define STRINGIFY(x) #x
#define TEXT(x) STRINGIFY(x)
#define UTC(col) "to_char(" col " AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')"

const char *const kp_dashboard_counts[KP_DASHBOARD_NCOUNTS] = {
    "quota", "recommended", "codes_issued", "codes_used", "codes_unused",
    "drafts", "submitted", "returned", "not_recommended",
};

/* A recommender is a row when the batch gives it a quota or it has codes or
 * applications there.  `recommended` counts what the quota counts
 * (recommended_at stays through the later stages and is cleared when a
 * recommendation is withdrawn); a code is issued until revoked, unused
 * until used.  Each count reads one index that leads with the batch:
 * applications (batch_id, recommender_id, status) INCLUDE
 * (recommended_at), invitations (batch_id, recommender_id) INCLUDE
 * (used_at, revoked_at): migrations/0024_workbench.sql.  The window sums run
 * before LIMIT, so the totals cover every row even when the rows are cut. */
#define DASHBOARD_SQL(OWN)                                                               \
    "WITH bt AS (SELECT b.id, b.code, b.title, b.status, " UTC("b.contact_deadline") "," \
    "                   " UTC("b.submit_deadline") ", " UTC("b.recommend_deadline") \
    "              FROM batches b WHERE b.id = $1 AND " KP_BATCHSCOPE_SQL("$2") ")," \
    " q AS (SELECT recommender_id, quota FROM quotas" \
    "        WHERE batch_id = $1" OWN ")," \
    " a AS (SELECT recommender_id, count(*) FILTER (WHERE recommended_at IS NOT NULL) AS recommended," \
    "              count(*) FILTER (WHERE status = 'draft') AS drafts," \
    "              count(*) FILTER (WHERE status = 'submitted') AS submitted," \
    "              count(*) FILTER (WHERE status = 'returned') AS returned," \
    "              count(*) FILTER (WHERE status = 'not_recommended') AS declined" \
    "         FROM applications WHERE batch_id = $1" OWN \
    "        GROUP BY recommender_id)," \
    " i AS (SELECT recommender_id, count(*) FILTER (WHERE revoked_at IS NULL) AS issued," \
    "              count(*) FILTER (WHERE used_at IS NOT NULL) AS used," \
    "              count(*) FILTER (WHERE used_at IS NULL AND revoked_at IS NULL) AS unused" \
    "         FROM invitations WHERE batch_id = $1" OWN \
    "        GROUP BY recommender_id)," \
    " rows AS (SELECT r.id, r.name, r.kind, g.name AS region, q.quota," \
    "                 coalesce(a.recommended, 0) AS recommended, coalesce(i.issued, 0) AS issued," \
    "                 coalesce(i.used, 0) AS used, coalesce(i.unused, 0) AS unused," \
    "                 coalesce(a.drafts, 0) AS drafts, coalesce(a.submitted, 0) AS submitted," \
    "                 coalesce(a.returned, 0) AS returned, coalesce(a.declined, 0) AS declined," \
    "                 c.recommender_id IS NOT NULL AS filed" \
    "            FROM (SELECT recommender_id FROM q UNION SELECT recommender_id FROM a" \
    "                  UNION SELECT recommender_id FROM i) ids" \
    "            JOIN recommenders r ON r.id = ids.recommender_id" \
    "            LEFT JOIN regions g ON g.code = r.region_code" \
    "            LEFT JOIN q ON q.recommender_id = r.id" \
    "            LEFT JOIN a ON a.recommender_id = r.id" \
    "            LEFT JOIN i ON i.recommender_id = r.id" \
    "            LEFT JOIN contacts c ON c.batch_id = $1 AND c.recommender_id = r.id)" \
    " SELECT bt.*, to_char(now() AT TIME ZONE 'Asia/Shanghai', 'YYYYMMDD')," \
    "        rows.id, rows.name, rows.kind, rows.region, rows.quota, rows.recommended, rows.issued," \
    "        rows.used, rows.unused, rows.drafts, rows.submitted, rows.returned, rows.declined, rows.filed," \
    "        count(rows.id) OVER (), sum(rows.quota) OVER (), coalesce(sum(rows.recommended) OVER (), 0)," \
    "        coalesce(sum(rows.issued) OVER (), 0), coalesce(sum(rows.used) OVER (), 0), coalesce(sum(rows.unused) OVER (), 0)," \
    "        coalesce(sum(rows.drafts) OVER (), 0), coalesce(sum(rows.submitted) OVER (), 0), coalesce(sum(rows.returned) OVER (), 0)," \
    "        coalesce(sum(rows.declined) OVER (), 0), count(*) FILTER (WHERE rows.filed) OVER ()" \
    "   FROM bt LEFT JOIN rows ON true" \
    "  ORDER BY rows.kind, rows.id LIMIT " TEXT(KP_DASHBOARD_MAX_ROWS)

/* Two statements, not one with "($2 OR recommender_id = $3)": a plan
 * PostgreSQL keeps for both would read the whole batch for one recommender. */
const struct kp_stmt kp_dashboard_all = { "dashboard_all", DASHBOARD_SQL(""), 2 };
const struct kp_stmt kp_dashboard_own = { "dashboard_own", DASHBOARD_SQL(" AND recommender_id = $3::bigint"), 3 };

const char *kp_dashboard_kind_label(const char *kind)
{
    if (strcmp(kind, "outline_office") == 0)
        return "全民科学素质纲要实施工作办公室成员单位";
    if (strcmp(kind, "national_society") == 0)
        return "全国学会";
    if (strcmp(kind, "provincial_cast") == 0)
        return "省级科协";
    return kind;
}
