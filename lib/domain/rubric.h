/* The final evaluation's rubric (评分标准, API.md "Evaluation"): weighted
 * criteria, an expert's score sheet, and the expert's total.
 *
 * Points are integer hundredths.  Weights are integers summing to 100 and
 * scores integers 0–100, so Σ weight × score is the total
 * Σ weight × score / 100 written in hundredths, exactly: 30/30/40 scored
 * 85/90/77 is 2550 + 2700 + 3080 = 8330, that is 83.30.  No floating point
 * until a number is printed. */
#ifndef KP_RUBRIC_H
#define KP_RUBRIC_H

#include <jansson.h>
#include <stdbool.h>

#define KP_RUBRIC_MAX        20      /* criteria */
#define KP_RUBRIC_KEY_MAX    32      /* [a-z0-9_], so bytes = characters */
#define KP_RUBRIC_NAME_MAX   50      /* characters: a column heading, not a paragraph */
#define KP_RUBRIC_SCORE_MAX  100
#define KP_RUBRIC_TOTAL_MAX  10000   /* hundredths: 100.00 */

struct kp_rubric_criterion {
    char key[KP_RUBRIC_KEY_MAX + 1];
    char name[KP_RUBRIC_NAME_MAX * 4 + 1];     /* UTF-8 */
    int  weight;                                /* 1–100 */
};

/* Fixed size, nothing to free: 5 KB. */
struct kp_rubric {
    int n;                                      /* 1–KP_RUBRIC_MAX */
    struct kp_rubric_criterion c[KP_RUBRIC_MAX];
};

/* Reads a rubric's `criteria` (the body's value; NULL when absent) into
 * *out.  Every problem is appended to `errors` as {"field","code","message"}:
 * "criteria" (required, type; too_short for none, too_long past 20; sum when
 * the weights, each valid, do not add up to 100), "criteria.N" (type), and
 * "criteria.N.<field>" — key (required, type, too_short, too_long, format:
 * not [a-z0-9_], duplicate: a key already used by an earlier criterion),
 * name (required, type, too_short, too_long, format: control or bidi
 * characters), weight (required, type, range 1–100), unknown keys.  Returns
 * whether none were appended; *out is whole only then. */
bool kp_rubric_read(const json_t *criteria, struct kp_rubric *out, json_t *errors);

/* The criteria as the API shows them, [{"key","name","weight"}] in order:
 * what GET answers and what is stored.  Caller owns; NULL when out of
 * memory. */
json_t *kp_rubric_json(const struct kp_rubric *r);

#define KP_RUBRIC_UNSCORED (-1)

/* An expert's scores, by criterion in the rubric's order. */
struct kp_rubric_sheet {
    int score[KP_RUBRIC_MAX];                   /* 0–100, or KP_RUBRIC_UNSCORED */
};

enum kp_rubric_mode {
    KP_RUBRIC_DRAFT,     /* any criteria may be unscored */
    KP_RUBRIC_SUBMIT,    /* every criterion must be scored */
};

/* Reads a `scores` object {"<key>": integer 0–100} (NULL: none) against the
 * rubric into *out.  Appended to `errors`: "scores" (type) when it is not an
 * object, and "scores.<key>" for a key the rubric does not have (unknown), a
 * score that is not an integer (type) or outside 0–100 (range), and, when
 * submitting, each criterion without a score (required), in the rubric's
 * order.  An unknown key longer than 200 bytes is named by its first 200
 * (whole characters).  Returns whether none were appended. */
bool kp_rubric_scores_read(const struct kp_rubric *r, const json_t *scores,
                           enum kp_rubric_mode mode, struct kp_rubric_sheet *out,
                           json_t *errors);

/* An expert's total in hundredths, 0–KP_RUBRIC_TOTAL_MAX: Σ weight × score.
 * Every criterion must be scored (a sheet read with KP_RUBRIC_SUBMIT). */
int kp_rubric_total(const struct kp_rubric *r, const struct kp_rubric_sheet *s);

/* Hundredths as a decimal, for totals and the ranking's statistics (all
 * ≥ 0).  kp_rubric_points: the shortest exact form, "83.3", "87.25", "90",
 * "0.07" — a JSON number, and what people read.  kp_rubric_points_fixed: two
 * decimals always, "83.30", "90.00" — for CSV, so a column lines up in a
 * text viewer (Excel shows a number by the cell's format either way). */
#define KP_RUBRIC_POINTS_LEN 16
void kp_rubric_points(int hundredths, char out[KP_RUBRIC_POINTS_LEN]);
void kp_rubric_points_fixed(int hundredths, char out[KP_RUBRIC_POINTS_LEN]);

/* Hundredths as a JSON number: an integer when whole (90, which a real
 * would print as 90.0), else a real.  jansson prints a real with 17
 * significant digits unless told fewer (83.3 → 83.299999999999997, the
 * same double): dumped with JSON_REAL_PRECISION(15), every value 0–100.00
 * prints as kp_rubric_points does.  Caller owns; NULL when out of memory. */
json_t *kp_rubric_points_json(int hundredths);

#endif
