/* Expert assignment for the final evaluation (终评): every candidate gets
 * `per_application` distinct experts it has no conflict with, and the
 * experts' loads are as even as the conflicts allow.  Pure: the caller reads
 * candidates, enabled experts and conflicts from the database and writes
 * the result back.
 *
 * What kp_assign_run guarantees, when every candidate has at least N
 * eligible experts (an expert is eligible for a candidate when it is passed
 * in `experts` and has no conflict with it):
 *  - no conflicting pair is assigned; each candidate has exactly N distinct
 *    experts;
 *  - among the experts eligible for at least one candidate, the largest
 *    load is the smallest any assignment can have, and the smallest load the
 *    largest any assignment can have, so max − min is the least possible:
 *    at most one unless conflicts force more (an expert eligible for a single
 *    candidate can have a load of at most one, whatever the others carry);
 *  - the result depends only on the seed and on the sets of candidates,
 *    experts and conflicts, never on the order they are passed in.
 *
 * How (kpjd-assign-v1):
 *  1. Candidates, and experts, are ordered by
 *     HMAC-SHA256(key = seed, message = id in ASCII decimal) ascending, as
 *     kpjd-sample-v1 orders its candidates.
 *  2. Each candidate's eligible experts, taken in that order, are shuffled
 *     by Fisher–Yates: candidates in their order, i from k−1 down to 1, j =
 *     (w × (i + 1)) >> 32 where w is the next little-endian 32-bit word of
 *     libsodium's randombytes_buf_deterministic(seed) (ChaCha20).  The
 *     shuffle only decides which of the many balanced assignments comes
 *     out: without it, runs of candidates would get identical panels.
 *  3. A flow network: source → candidate (capacity N), candidate → eligible
 *     expert (1), expert → sink (L, the load every expert must reach),
 *     expert → pool (U − L), pool → sink (m·N − L·n), for m candidates and n
 *     eligible experts.  A flow of m·N is an assignment with every load in
 *     [L, U].  U is the least value for which one exists with L = 0 (binary
 *     search from ⌈m·N/n⌉; U = m always works), then L the greatest for
 *     that U (binary search from min(U, ⌊m·N/n⌋, the fewest candidates an
 *     expert is eligible for)).  The load vectors of all assignments form an
 *     M-convex set, in which an element exists that minimises the maximum
 *     and maximises the minimum at once (Frank & Murota, "Discrete
 *     decreasing minimization", 2022), so this L is also the greatest
 *     minimum of any assignment and U − L is optimal.
 *  4. Maximum flows by Dinic's algorithm, arcs in the orders of 1 and 2.
 *
 * With every candidate having N eligible experts an assignment always
 * exists: loads are bounded by nothing but the number of candidates, so
 * each candidate may take any N of its own.  Infeasibility is therefore
 * exactly "some candidate has fewer than N eligible experts".
 *
 * Bounds: at most KP_ASSIGN_MAX_CANDIDATES candidates, KP_ASSIGN_MAX_EXPERTS
 * experts and KP_ASSIGN_MAX_PAIRS candidate × expert pairs; memory is about
 * 30 bytes a pair (1,274 × 300: 12 MB; at the bound 60 MB), all freed before
 * return except the result.  Time: 15–25 ms for 1,274 × 300, 0.1–0.3 s at the
 * bounds (tests/bench/assign.sh): run it off the event threads. */
#ifndef KP_ASSIGN_H
#define KP_ASSIGN_H

#include <stddef.h>

#include "err.h"

#define KP_ASSIGN_SEED_LEN 32
#define KP_ASSIGN_PER_APPLICATION_MAX 15
#define KP_ASSIGN_MAX_CANDIDATES 10000
#define KP_ASSIGN_MAX_EXPERTS 2000
#define KP_ASSIGN_MAX_PAIRS 2000000

/* An expert who must never be assigned an application. */
struct kp_assign_conflict {
    long long expert_id;
    long long application_id;
};

struct kp_assign_input {
    const long long *candidates;   /* application ids, distinct */
    size_t ncandidates;
    const long long *experts;      /* enabled expert ids, distinct */
    size_t nexperts;
    const struct kp_assign_conflict *conflicts;   /* any order; duplicates and
                                                     unknown ids are ignored */
    size_t nconflicts;
    int per_application;           /* N, 1..KP_ASSIGN_PER_APPLICATION_MAX */
    const unsigned char *seed;     /* KP_ASSIGN_SEED_LEN bytes */
};

struct kp_assign_pair {
    long long application_id;
    long long expert_id;
};

struct kp_assign_load {
    long long expert_id;
    int count;
};

struct kp_assign {
    /* Feasible: m·N pairs ascending by application then expert; the loads
     * of the experts eligible for at least one candidate, ascending by id;
     * the largest and smallest of those loads (0 and 0 when there are none). */
    struct kp_assign_pair *pairs;
    size_t npairs;
    struct kp_assign_load *loads;
    size_t nloads;
    int max_load, min_load;
    /* Infeasible: every candidate with fewer than N eligible experts,
     * ascending; then there are no pairs and no loads. */
    long long *short_of;
    size_t nshort;
};

/* Assigns experts to candidates into *out (kp_assign_free releases it, on
 * any return).  KP_OK with out->nshort > 0 when infeasible: check it first.
 * KP_E_INVAL for N out of range, a repeated id or inputs over the bounds;
 * KP_E_NOMEM. */
enum kp_err kp_assign_run(const struct kp_assign_input *in, struct kp_assign *out);

void kp_assign_free(struct kp_assign *a);

/* The replacement for POST /assignments/{id}/replace: among `experts` (the
 * enabled experts with their current loads in the batch), leaving out those
 * in `excluded` (the ones conflicting with the application and the ones
 * already assigned to it; any order, repeats allowed), the one with the
 * lowest load, ties broken by HMAC-SHA256(seed, id) ascending as in
 * kp_assign_run (pass the seed of the batch's assignment).  Sets *expert_id
 * on KP_OK; KP_E_NOT_FOUND when no one is left; KP_E_NOMEM. */
enum kp_err kp_assign_pick(const struct kp_assign_load *experts, size_t nexperts,
                           const long long *excluded, size_t nexcluded,
                           const unsigned char seed[KP_ASSIGN_SEED_LEN], long long *expert_id);

#endif
