/* The end-of-term assessment (终期考核) of a base and what it does to a
 * later batch (API.md, "Term management").  The admin assesses a base in
 * its term's last year or later (by the database clock, in China); the
 * result then touches every batch whose term starts after the base's term
 * ends, for the unit of the base's credit code:
 *   unqualified → the unit may not register (409 barred);
 *   excellent   → carried over into the batch as proposed, outside quotas;
 *   qualified   → its recommended application goes straight to final
 *                 evaluation when the batch enters evaluating, never to the
 *                 on-site sample.
 * A base without an assessment touches nothing: its unit applies again.
 * Of a unit with several assessed terms before the batch, the latest
 * decides. */
#ifndef KP_TERM_H
#define KP_TERM_H

#include <stdbool.h>

/* Whether `result` is one of excellent, qualified, unqualified. */
bool kp_term_result_valid(const char *result);

/* Its Chinese label (优秀, 合格, 不合格); "" for anything else.  Static. */
const char *kp_term_result_label(const char *result);

/* Whether a term ending in `term_end_year` may be assessed in `year`. */
bool kp_term_assessable(int year, int term_end_year);

/* The rule above as SQL, for the statements that apply it: base `b` (of
 * `bases b`) assessed `result` (a literal), the batch's term, starting in
 * `start`, after the base's, and no later assessed term of the same unit
 * before the batch: a unit's latest assessment decides (excellent in
 * 2011–2015 carries nothing over once 2016–2020 was unqualified). */
#define KP_TERM_AFTER_SQL(result, start)                                                  \
    "(b.term_result = '" result "' AND b.term_end_year < " start                           \
    " AND NOT EXISTS (SELECT 1 FROM bases l WHERE l.credit_code = b.credit_code"           \
    "                   AND l.term_result IS NOT NULL AND l.term_end_year < " start        \
    "                   AND (l.term_end_year, l.id) > (b.term_end_year, b.id)))"

/* The current year in China by the database clock, as SQL. */
#define KP_TERM_YEAR_SQL "extract(year FROM now() AT TIME ZONE 'Asia/Shanghai')::int"

#endif
