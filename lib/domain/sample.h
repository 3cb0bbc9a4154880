/* The on-site spot-check sample (实地抽检), algorithm kpjd-sample-v1 (API.md,
 * "On-site spot checks"), so that anyone holding the seed and the candidate
 * list can draw the same sample again:
 *
 *   group the candidates by stratum (one group when not stratified); in each
 *   group order them by lowercase hex(HMAC-SHA256(key = the 32 seed bytes,
 *   message = the id in ASCII decimal)) ascending, ties by id; take the first
 *   ceil(rate × group size), computed exactly on the decimal rate; the sample
 *   is the union, ascending by id.
 *
 * The rate is read from its decimal text, never through a double, so that
 * 0.3 × 10 is 3 and 0.07 × 100 is 7 (a double makes it 7.000000000000001). */
#ifndef KP_SAMPLE_H
#define KP_SAMPLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "err.h"

#define KP_SAMPLE_ALGORITHM   "kpjd-sample-v1"
#define KP_SAMPLE_SEED_LEN    32
#define KP_SAMPLE_SEED_HEX    64        /* characters, without the NUL */
#define KP_SAMPLE_RATE_DIGITS 9         /* a rate is a multiple of 10^-9 */
#define KP_SAMPLE_RATE_TEXT   32        /* longest rate text read, in bytes */
#define KP_SAMPLE_MAX         100000    /* candidates in one draw */
#define KP_SAMPLE_STRATUM_MAX 256       /* bytes of one stratum */

/* A rate in (0, 1] as num / den, den = 10^k with k ≤ KP_SAMPLE_RATE_DIGITS,
 * reduced: "0.30" and "0.3" both read as 3/10, "1.0" as 1/1. */
struct kp_sample_rate {
    uint64_t num;   /* 1 ≤ num ≤ den */
    uint64_t den;
};

/* Reads a rate written as a JSON number (RFC 8259: "0.3", "1", "1.0",
 * "5e-2", "1E-9"), so that whatever a JSON encoder writes is read, exactly.
 * false for anything else (a sign, ".3", "3.", "00.3", blanks, more than
 * KP_SAMPLE_RATE_TEXT bytes), for a value outside (0, 1], and for one that
 * is not a multiple of 10^-9 ("0.0000000001", "0.30000000000000004"). */
bool kp_sample_rate_parse(const char *text, struct kp_sample_rate *out);

/* ceil(rate × size), exactly; at least 1 for a group that is not empty.
 * size ≤ KP_SAMPLE_MAX. */
size_t kp_sample_take(const struct kp_sample_rate *rate, size_t size);

/* Reads 64 hex digits (either case, nothing else) into the seed's bytes. */
bool kp_sample_seed_parse(const char *hex, uint8_t seed[KP_SAMPLE_SEED_LEN]);

/* The seed as 64 lowercase hex digits and a NUL, as the API writes it. */
void kp_sample_seed_hex(const uint8_t seed[KP_SAMPLE_SEED_LEN], char out[KP_SAMPLE_SEED_HEX + 1]);

/* What the candidates are grouped by: API.md's `stratify_by`. */
enum kp_sample_stratify { KP_SAMPLE_NONE, KP_SAMPLE_REGION, KP_SAMPLE_CATEGORY };

bool kp_sample_stratify_parse(const char *name, enum kp_sample_stratify *out);
const char *kp_sample_stratify_name(enum kp_sample_stratify s);

struct kp_sample_candidate {
    int64_t     id;        /* an application id, > 0, unique among the candidates */
    const char *stratum;   /* borrowed; UTF-8, ≤ KP_SAMPLE_STRATUM_MAX bytes, compared
                            * byte for byte; NULL is the same as "" (one group for
                            * KP_SAMPLE_NONE: give every candidate NULL) */
};

/* Why kp_sample_draw refused its candidates. */
enum kp_sample_fault_kind {
    KP_SAMPLE_FAULT_COUNT,       /* more than KP_SAMPLE_MAX candidates */
    KP_SAMPLE_FAULT_ID,          /* an id ≤ 0 */
    KP_SAMPLE_FAULT_DUPLICATE,   /* an id that an earlier candidate has */
    KP_SAMPLE_FAULT_STRATUM,     /* longer than KP_SAMPLE_STRATUM_MAX bytes, or not UTF-8 */
};

struct kp_sample_fault {
    enum kp_sample_fault_kind kind;
    size_t index;                /* the earliest candidate at fault (0 for COUNT) */
};

/* Draws the sample of the n candidates c[] (any order): the selected ids,
 * ascending, into selected[] (the caller's, room for n; NULL when n is 0),
 * their number into *n_selected.  KP_E_INVAL when the candidates break a
 * rule above (*fault says which, when fault is not NULL); KP_E_NOMEM.
 * Pure: the same arguments give the same sample. */
enum kp_err kp_sample_draw(const uint8_t seed[KP_SAMPLE_SEED_LEN], const struct kp_sample_rate *rate,
                           const struct kp_sample_candidate *c, size_t n,
                           int64_t *selected, size_t *n_selected, struct kp_sample_fault *fault);

#endif
