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
 * A base without an assessment touches nothing: its unit applies again. */
#ifndef KP_TERM_H
#define KP_TERM_H

#include <stdbool.h>

enum kp_term_effect {
    KP_TERM_NONE,          /* the batch is not after the term, or no assessment */
    KP_TERM_BARRED,
    KP_TERM_CARRY_OVER,
    KP_TERM_FAST_TRACK,
};

/* Whether `result` is one of excellent, qualified, unqualified. */
bool kp_term_result_valid(const char *result);

/* Its Chinese label (优秀, 合格, 不合格); "" for anything else.  Static. */
const char *kp_term_result_label(const char *result);

/* Whether a term ending in `term_end_year` may be assessed in `year`. */
bool kp_term_assessable(int year, int term_end_year);

/* What an assessment `result` (NULL: none) of a term ending in
 * `term_end_year` does in a batch whose term starts in `batch_start_year`.
 * The statements that apply it say the same in SQL: KP_TERM_AFTER_SQL. */
enum kp_term_effect kp_term_effect(const char *result, int term_end_year, int batch_start_year);

/* The SQL of kp_term_effect's "after": base `b` (of `bases b`) assessed
 * `result` (a literal) and the term starting in `start` after its own. */
#define KP_TERM_AFTER_SQL(result, start) \
    "(b.term_result = '" result "' AND b.term_end_year < " start ")"

/* The current year in China by the database clock, as SQL. */
#define KP_TERM_YEAR_SQL "extract(year FROM now() AT TIME ZONE 'Asia/Shanghai')::int"

#endif
