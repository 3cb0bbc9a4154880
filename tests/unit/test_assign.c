/* lib/assign: every candidate gets exactly N distinct experts, none it
 * conflicts with; the loads of the eligible experts have the least maximum
 * and the greatest minimum any assignment has (checked against every
 * assignment of tiny instances, and against an independent max-flow with
 * lower bounds on small ones); a candidate short of eligible experts is
 * named and nothing is assigned; the result depends on the seed and not on
 * the input order; the replacement pick takes the lowest load, ties by the
 * seed's HMAC order. */
#include <check.h>
#include <sodium.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "assign.h"
#include "support/unit.h"

/* ---- instances ---------------------------------------------------------- */

static uint64_t rng_state;

static uint64_t rnd(void)                        /* splitmix64 */
{
    uint64_t z = (rng_state += 0x9e3779b97f4a7c15u);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
    return z ^ (z >> 31);
}

static int rnd_below(int n)
{
    return (int)(rnd() % (uint64_t)n);
}

enum { MAXC = 1300, MAXE = 320 };

/* Candidates and experts get ids far apart and out of order, so that a
 * position is never mistaken for an id. */
struct pool {
    int m, n, per;
    long long cand[MAXC], exp[MAXE];
    bool conflict[MAXC][MAXE];           /* by position in cand and exp */
    unsigned char seed[KP_ASSIGN_SEED_LEN];
};

static struct pool *pool_new(int m, int n, int per, int conflict_percent)
{
    ck_assert(m <= MAXC && n <= MAXE);
    struct pool *p = calloc(1, sizeof *p);
    ck_assert_ptr_nonnull(p);
    p->m = m;
    p->n = n;
    p->per = per;
    for (int c = 0; c < m; c++)
        p->cand[c] = 100000 + 7919LL * c % 100003;     /* distinct: 100003 is prime */
    for (int e = 0; e < n; e++)
        p->exp[e] = 5000 - 13LL * e;
    for (int c = 0; c < m; c++)
        for (int e = 0; e < n; e++)
            p->conflict[c][e] = rnd_below(100) < conflict_percent;
    for (int i = 0; i < KP_ASSIGN_SEED_LEN; i++)
        p->seed[i] = (unsigned char)rnd();
    return p;
}

static int pos_in(const long long *ids, int n, long long id)
{
    for (int i = 0; i < n; i++)
        if (ids[i] == id)
            return i;
    return -1;
}

/* Runs the assignment on p; with `shuffle`, every input list in a random
 * order (conflicts also repeated and mixed with pairs of unknown ids). */
static enum kp_err run(const struct pool *p, bool shuffle, struct kp_assign *out)
{
    long long *cand = malloc(sizeof(long long) * (size_t)(p->m + 1));
    long long *exp = malloc(sizeof(long long) * (size_t)(p->n + 1));
    size_t cap = (size_t)p->m * (size_t)p->n * 2 + 8, k = 0;
    struct kp_assign_conflict *conf = malloc(cap * sizeof *conf);
    ck_assert(cand && exp && conf);
    memcpy(cand, p->cand, sizeof(long long) * (size_t)p->m);
    memcpy(exp, p->exp, sizeof(long long) * (size_t)p->n);
    for (int c = 0; c < p->m; c++)
        for (int e = 0; e < p->n; e++)
            if (p->conflict[c][e]) {
                conf[k++] = (struct kp_assign_conflict){ p->exp[e], p->cand[c] };
                if (shuffle && rnd_below(4) == 0)
                    conf[k++] = (struct kp_assign_conflict){ p->exp[e], p->cand[c] };
            }
    if (shuffle) {
        conf[k++] = (struct kp_assign_conflict){ 1, p->m ? p->cand[0] : 1 };  /* no such expert */
        conf[k++] = (struct kp_assign_conflict){ p->n ? p->exp[0] : 1, 2 };   /* no such candidate */
        for (int i = p->m - 1; i > 0; i--) {
            int j = rnd_below(i + 1);
            long long t = cand[i]; cand[i] = cand[j]; cand[j] = t;
        }
        for (int i = p->n - 1; i > 0; i--) {
            int j = rnd_below(i + 1);
            long long t = exp[i]; exp[i] = exp[j]; exp[j] = t;
        }
        for (size_t i = k - 1; i > 0; i--) {
            size_t j = (size_t)rnd_below((int)i + 1);
            struct kp_assign_conflict t = conf[i]; conf[i] = conf[j]; conf[j] = t;
        }
    }
    struct kp_assign_input in = {
        .candidates = cand, .ncandidates = (size_t)p->m,
        .experts = exp, .nexperts = (size_t)p->n,
        .conflicts = conf, .nconflicts = k,
        .per_application = p->per, .seed = p->seed,
    };
    enum kp_err err = kp_assign_run(&in, out);
    free(cand);
    free(exp);
    free(conf);
    return err;
}

static int eligible_count(const struct pool *p, int c)
{
    int k = 0;
    for (int e = 0; e < p->n; e++)
        k += !p->conflict[c][e];
    return k;
}

static bool eligible_expert(const struct pool *p, int e)
{
    for (int c = 0; c < p->m; c++)
        if (!p->conflict[c][e])
            return true;
    return false;
}

static int cmp_ll(const void *a, const void *b)
{
    long long x = *(const long long *)a, y = *(const long long *)b;
    return (x > y) - (x < y);
}

/* ck_assert marks every check that passes with a system call; in loops over
 * thousands of pairs only a failure needs one. */
#define EXPECT(cond, ...) do { if (!(cond)) ck_abort_msg(__VA_ARGS__); } while (0)

/* Everything the header promises of a result, but optimality.  Returns
 * whether the instance was feasible. */
static bool check_result(const struct pool *p, const struct kp_assign *r)
{
    long long shortlist[MAXC];
    int nshort = 0;
    for (int c = 0; c < p->m; c++)
        if (eligible_count(p, c) < p->per)
            shortlist[nshort++] = p->cand[c];
    qsort(shortlist, (size_t)nshort, sizeof *shortlist, cmp_ll);
    EXPECT(r->nshort == (size_t)nshort, "%zu short, not %d", r->nshort, nshort);
    for (int i = 0; i < nshort; i++)
        EXPECT(r->short_of[i] == shortlist[i], "short %d: %lld, not %lld", i, r->short_of[i],
               shortlist[i]);
    if (nshort) {
        EXPECT(r->npairs == 0 && r->nloads == 0, "infeasible, yet %zu pairs", r->npairs);
        return false;
    }

    EXPECT(r->npairs == (size_t)p->m * (size_t)p->per, "%zu pairs", r->npairs);
    int per_cand[MAXC] = { 0 }, load[MAXE] = { 0 };
    for (size_t i = 0; i < r->npairs; i++) {
        const struct kp_assign_pair *x = &r->pairs[i];
        int c = pos_in(p->cand, p->m, x->application_id);
        int e = pos_in(p->exp, p->n, x->expert_id);
        EXPECT(c >= 0 && e >= 0, "pair %lld/%lld of unknown ids", x->application_id,
               x->expert_id);
        EXPECT(!p->conflict[c][e], "conflicting pair %lld/%lld assigned", x->application_id,
               x->expert_id);
        per_cand[c]++;
        load[e]++;
        if (i > 0) {                         /* ascending, hence no pair twice */
            const struct kp_assign_pair *y = &r->pairs[i - 1];
            EXPECT(y->application_id < x->application_id ||
                       (y->application_id == x->application_id && y->expert_id < x->expert_id),
                   "pairs %zu and %zu out of order or repeated", i - 1, i);
        }
    }
    for (int c = 0; c < p->m; c++)
        EXPECT(per_cand[c] == p->per, "%lld has %d experts", p->cand[c], per_cand[c]);

    /* loads: exactly the experts eligible for some candidate, ascending */
    size_t k = 0;
    int max = 0, min = 0;
    for (size_t i = 0; i < r->nloads; i++) {
        int e = pos_in(p->exp, p->n, r->loads[i].expert_id);
        EXPECT(e >= 0 && eligible_expert(p, e), "load of %lld", r->loads[i].expert_id);
        EXPECT(r->loads[i].count == load[e], "%lld: load %d, not %d", p->exp[e],
               r->loads[i].count, load[e]);
        if (i > 0)
            EXPECT(r->loads[i - 1].expert_id < r->loads[i].expert_id, "loads %zu out of order", i);
        if (i == 0 || load[e] > max)
            max = load[e];
        if (i == 0 || load[e] < min)
            min = load[e];
    }
    for (int e = 0; e < p->n; e++)
        if (eligible_expert(p, e))
            k++;
        else
            EXPECT(load[e] == 0, "%lld eligible for none but loaded", p->exp[e]);
    ck_assert_int_eq(r->nloads, k);
    ck_assert_int_eq(r->max_load, max);
    ck_assert_int_eq(r->min_load, min);
    return true;
}

static bool same_result(const struct kp_assign *a, const struct kp_assign *b)
{
    if (a->npairs != b->npairs || a->nloads != b->nloads || a->nshort != b->nshort)
        return false;
    for (size_t i = 0; i < a->npairs; i++)
        if (a->pairs[i].application_id != b->pairs[i].application_id ||
            a->pairs[i].expert_id != b->pairs[i].expert_id)
            return false;
    for (size_t i = 0; i < a->nloads; i++)
        if (a->loads[i].expert_id != b->loads[i].expert_id || a->loads[i].count != b->loads[i].count)
            return false;
    for (size_t i = 0; i < a->nshort; i++)
        if (a->short_of[i] != b->short_of[i])
            return false;
    return true;
}

/* ---- an independent feasibility test ------------------------------------
 * Whether some assignment has every eligible expert's load in [lo, hi]: the
 * textbook circulation with lower bounds (s→c [N,N], c→e [0,1], e→t
 * [lo,hi], t→s [0,∞], a super source and sink for the lower bounds),
 * solved by plain augmenting paths on a capacity matrix. */

enum { MAXV = 64 };

static int cap[MAXV][MAXV];

static bool augment(int v, int t, bool *seen)
{
    if (v == t)
        return true;
    seen[v] = true;
    for (int w = 0; w < MAXV; w++)
        if (cap[v][w] > 0 && !seen[w] && augment(w, t, seen)) {
            cap[v][w]--;
            cap[w][v]++;
            return true;
        }
    return false;
}

static bool loads_possible(const struct pool *p, int lo, int hi)
{
    ck_assert(p->m + p->n + 4 <= MAXV);
    int s = 0, t = p->m + p->n + 1, ss = t + 1, tt = t + 2;
    int excess[MAXV] = { 0 };
    memset(cap, 0, sizeof cap);
#define EDGE(u, v, l, h) do { cap[u][v] += (h) - (l); excess[v] += (l); excess[u] -= (l); } while (0)
    for (int c = 0; c < p->m; c++) {
        EDGE(s, 1 + c, p->per, p->per);
        for (int e = 0; e < p->n; e++)
            if (!p->conflict[c][e])
                EDGE(1 + c, 1 + p->m + e, 0, 1);
    }
    for (int e = 0; e < p->n; e++)
        if (eligible_expert(p, e))
            EDGE(1 + p->m + e, t, lo, hi);
    EDGE(t, s, 0, 1 << 20);
#undef EDGE
    int need = 0;
    for (int v = 0; v < ss; v++) {
        if (excess[v] > 0) {
            cap[ss][v] = excess[v];
            need += excess[v];
        } else if (excess[v] < 0) {
            cap[v][tt] = -excess[v];
        }
    }
    int flow = 0;
    bool seen[MAXV];
    for (;;) {
        memset(seen, 0, sizeof seen);
        if (!augment(ss, tt, seen))
            break;
        flow++;
    }
    return flow == need;
}

/* The result is optimal: no assignment has a smaller maximum, none a
 * greater minimum. */
static void check_optimal(const struct pool *p, const struct kp_assign *r)
{
    ck_assert(loads_possible(p, r->min_load, r->max_load));
    if (r->max_load > 0)
        ck_assert_msg(!loads_possible(p, 0, r->max_load - 1), "a maximum of %d is possible",
                      r->max_load - 1);
    ck_assert_msg(!loads_possible(p, r->min_load + 1, p->m), "a minimum of %d is possible",
                  r->min_load + 1);
}

/* ---- every assignment of a tiny instance --------------------------------- */

struct brute {
    const struct pool *p;
    int load[MAXE];
    int best_max, best_min, best_spread;   /* least max, greatest min, least max − min */
};

static void enumerate(struct brute *b, int c, int e, int chosen)
{
    const struct pool *p = b->p;
    if (c == p->m) {
        int max = -1, min = -1;
        for (int x = 0; x < p->n; x++)
            if (eligible_expert(p, x)) {
                if (max < 0 || b->load[x] > max)
                    max = b->load[x];
                if (min < 0 || b->load[x] < min)
                    min = b->load[x];
            }
        if (b->best_max < 0 || max < b->best_max)
            b->best_max = max;
        if (min > b->best_min)
            b->best_min = min;
        if (b->best_spread < 0 || max - min < b->best_spread)
            b->best_spread = max - min;
        return;
    }
    if (chosen == p->per) {
        enumerate(b, c + 1, 0, 0);
        return;
    }
    for (int x = e; x < p->n; x++)
        if (!p->conflict[c][x]) {
            b->load[x]++;
            enumerate(b, c, x + 1, chosen + 1);
            b->load[x]--;
        }
}

/* ---- tests ------------------------------------------------------------- */

START_TEST(no_conflicts_even_loads)
{
    rng_state = 1;
    /* m·N divisible by n: every load equal; otherwise they differ by one */
    const int cases[][3] = { { 60, 12, 5 }, { 61, 12, 5 }, { 7, 7, 7 }, { 1, 15, 15 },
                             { 100, 3, 2 }, { 13, 40, 3 }, { 1, 1, 1 } };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        struct pool *p = pool_new(cases[i][0], cases[i][1], cases[i][2], 0);
        struct kp_assign r;
        ck_assert_int_eq(run(p, false, &r), KP_OK);
        ck_assert(check_result(p, &r));
        int total = p->m * p->per;
        ck_assert_int_eq(r.max_load, (total + p->n - 1) / p->n);
        ck_assert_int_eq(r.min_load, total / p->n);
        kp_assign_free(&r);
        free(p);
    }
}
END_TEST

START_TEST(national_scale)
{
    /* the case: 1,274 candidates, 5 experts each, 300 in the pool,
     * 2% conflicts: 6,370 assignments, loads 21 and 22 */
    rng_state = 2;
    struct pool *p = pool_new(1274, 300, 5, 2);
    struct kp_assign r;
    ck_assert_int_eq(run(p, false, &r), KP_OK);
    ck_assert(check_result(p, &r));
    ck_assert_int_eq(r.max_load, 22);
    ck_assert_int_eq(r.min_load, 21);
    kp_assign_free(&r);
    free(p);
}
END_TEST

START_TEST(conflicts_force_imbalance)
{
    rng_state = 3;
    /* expert 0 is eligible for candidate 0 alone, so it carries at most one
     * while the other three share the remaining 19 of 20: U 7, L 1 */
    struct pool *p = pool_new(10, 4, 2, 0);
    for (int c = 1; c < p->m; c++)
        p->conflict[c][0] = true;
    struct kp_assign r;
    ck_assert_int_eq(run(p, false, &r), KP_OK);
    ck_assert(check_result(p, &r));
    ck_assert_int_eq(r.max_load, 7);
    ck_assert_int_eq(r.min_load, 1);
    check_optimal(p, &r);
    kp_assign_free(&r);

    /* every candidate eligible for the same three experts only: each of
     * them reviews all 20; the other seven are eligible for none and have
     * no load to balance */
    free(p);
    p = pool_new(20, 10, 3, 0);
    for (int c = 0; c < p->m; c++)
        for (int e = 3; e < p->n; e++)
            p->conflict[c][e] = true;
    ck_assert_int_eq(run(p, false, &r), KP_OK);
    ck_assert(check_result(p, &r));
    ck_assert_int_eq(r.nloads, 3);
    ck_assert_int_eq(r.max_load, 20);
    ck_assert_int_eq(r.min_load, 20);
    kp_assign_free(&r);

    /* two groups, each eligible only within itself: 9 candidates on 3
     * experts, 1 candidate on 3 others; with N = 2 the loads are 6, 6, 6
     * and 1, 1, 0, and no assignment does better */
    free(p);
    p = pool_new(10, 6, 2, 0);
    for (int c = 0; c < p->m; c++)
        for (int e = 0; e < p->n; e++)
            p->conflict[c][e] = (c < 9) != (e < 3);
    ck_assert_int_eq(run(p, false, &r), KP_OK);
    ck_assert(check_result(p, &r));
    ck_assert_int_eq(r.max_load, 6);
    ck_assert_int_eq(r.min_load, 0);
    check_optimal(p, &r);
    kp_assign_free(&r);
    free(p);
}
END_TEST

START_TEST(infeasible_named)
{
    rng_state = 4;
    struct pool *p = pool_new(30, 8, 5, 0);
    /* candidate 7 conflicts with 4 of 8: 4 eligible < 5 */
    for (int e = 0; e < 4; e++)
        p->conflict[7][e] = true;
    struct kp_assign r;
    ck_assert_int_eq(run(p, true, &r), KP_OK);
    ck_assert_int_eq(r.nshort, 1);
    ck_assert_int_eq(r.short_of[0], p->cand[7]);
    ck_assert(!check_result(p, &r));
    kp_assign_free(&r);
    ck_assert_ptr_null(r.pairs);
    ck_assert_int_eq(r.nshort, 0);

    /* several: 3 eligible, none, exactly 5 (fine), 4 */
    for (int e = 0; e < 5; e++)
        p->conflict[2][e] = true;
    for (int e = 0; e < 8; e++)
        p->conflict[20][e] = true;
    for (int e = 0; e < 3; e++)
        p->conflict[11][e] = true;
    ck_assert_int_eq(run(p, true, &r), KP_OK);
    ck_assert_int_eq(r.nshort, 3);
    ck_assert(!check_result(p, &r));     /* 2, 7 and 20, by id ascending */
    kp_assign_free(&r);

    /* no experts at all: every candidate short */
    free(p);
    p = pool_new(5, 0, 1, 0);
    ck_assert_int_eq(run(p, true, &r), KP_OK);
    ck_assert_int_eq(r.nshort, 5);
    ck_assert(!check_result(p, &r));
    kp_assign_free(&r);
    free(p);
}
END_TEST

START_TEST(refused_input)
{
    unsigned char seed[KP_ASSIGN_SEED_LEN] = { 0 };
    long long cand[] = { 1, 2, 3 }, exp[] = { 10, 11, 12, 10 };
    struct kp_assign_input in = {
        .candidates = cand, .ncandidates = 3, .experts = exp, .nexperts = 3,
        .per_application = 1, .seed = seed,
    };
    struct kp_assign r;
    ck_assert_int_eq(kp_assign_run(&in, &r), KP_OK);
    ck_assert_int_eq(r.npairs, 3);
    kp_assign_free(&r);

    in.per_application = 0;
    ck_assert_int_eq(kp_assign_run(&in, &r), KP_E_INVAL);
    kp_assign_free(&r);
    in.per_application = KP_ASSIGN_PER_APPLICATION_MAX + 1;
    ck_assert_int_eq(kp_assign_run(&in, &r), KP_E_INVAL);
    kp_assign_free(&r);
    in.per_application = 1;
    in.nexperts = 4;                                   /* 10 twice */
    ck_assert_int_eq(kp_assign_run(&in, &r), KP_E_INVAL);
    kp_assign_free(&r);
    in.nexperts = 3;
    cand[2] = 1;
    ck_assert_int_eq(kp_assign_run(&in, &r), KP_E_INVAL);
    kp_assign_free(&r);

    /* over the bounds: refused before anything is read */
    in.ncandidates = KP_ASSIGN_MAX_CANDIDATES + 1;
    ck_assert_int_eq(kp_assign_run(&in, &r), KP_E_INVAL);
    in.ncandidates = 3;
    in.nexperts = KP_ASSIGN_MAX_EXPERTS + 1;
    ck_assert_int_eq(kp_assign_run(&in, &r), KP_E_INVAL);
    in.ncandidates = KP_ASSIGN_MAX_PAIRS / KP_ASSIGN_MAX_EXPERTS + 1;
    in.nexperts = KP_ASSIGN_MAX_EXPERTS;
    ck_assert_int_eq(kp_assign_run(&in, &r), KP_E_INVAL);

    /* no candidates: nothing to do */
    in.ncandidates = 0;
    in.nexperts = 3;
    ck_assert_int_eq(kp_assign_run(&in, &r), KP_OK);
    ck_assert_int_eq(r.npairs + r.nloads + r.nshort, 0);
    kp_assign_free(&r);
}
END_TEST

START_TEST(deterministic)
{
    rng_state = 5;
    struct pool *p = pool_new(200, 40, 5, 10);
    struct kp_assign first, again;
    ck_assert_int_eq(run(p, false, &first), KP_OK);
    ck_assert(check_result(p, &first));
    for (int i = 0; i < 5; i++) {           /* any input order, same seed */
        ck_assert_int_eq(run(p, true, &again), KP_OK);
        ck_assert_msg(same_result(&first, &again), "order %d changed the assignment", i);
        kp_assign_free(&again);
    }
    for (int i = 0; i < 5; i++) {           /* another seed, another assignment */
        p->seed[i] ^= 1;
        ck_assert_int_eq(run(p, true, &again), KP_OK);
        ck_assert(check_result(p, &again));
        ck_assert_msg(!same_result(&first, &again), "seed %d gave the same assignment", i);
        ck_assert_int_eq(again.max_load, first.max_load);   /* equally balanced */
        ck_assert_int_eq(again.min_load, first.min_load);
        kp_assign_free(&again);
        p->seed[i] ^= 1;
    }
    kp_assign_free(&first);
    free(p);
}
END_TEST

START_TEST(panels_vary)
{
    /* without conflicts the flow alone would hand runs of candidates one
     * panel (here 12 panels of 25 candidates each: 3,600 equal pairs); the
     * seeded shuffle makes nearly every panel different (0 to 3 equal pairs
     * over 20 random seeds, a few where the last candidates share the last
     * free places) */
    rng_state = 6;
    struct pool *p = pool_new(300, 60, 5, 0);
    struct kp_assign r;
    ck_assert_int_eq(run(p, false, &r), KP_OK);
    ck_assert(check_result(p, &r));
    int same = 0;
    for (size_t a = 0; a < r.npairs; a += 5)
        for (size_t b = a + 5; b < r.npairs; b += 5) {
            bool eq = true;
            for (size_t i = 0; i < 5; i++)
                eq = eq && r.pairs[a + i].expert_id == r.pairs[b + i].expert_id;
            same += eq;
        }
    ck_assert_int_le(same, 10);
    kp_assign_free(&r);
    free(p);
}
END_TEST

START_TEST(tiny_exhaustive)
{
    /* every assignment of 4,000 tiny instances: the result's maximum is the
     * least, its minimum the greatest, its spread the least of any */
    rng_state = 7;
    int feasible = 0, forced = 0;
    for (int i = 0; i < 4000; i++) {
        int m = 1 + rnd_below(4), n = 1 + rnd_below(5), per = 1 + rnd_below(3);
        struct pool *p = pool_new(m, n, per, rnd_below(45));
        struct kp_assign r;
        ck_assert_int_eq(run(p, true, &r), KP_OK);
        if (check_result(p, &r)) {
            struct brute b = { .p = p, .best_max = -1, .best_min = -1, .best_spread = -1 };
            enumerate(&b, 0, 0, 0);
            ck_assert_int_eq(r.max_load, b.best_max);
            ck_assert_int_eq(r.min_load, b.best_min);
            ck_assert_int_eq(r.max_load - r.min_load, b.best_spread);
            feasible++;
            forced += b.best_spread > 1;
        }
        kp_assign_free(&r);
        free(p);
    }
    ck_assert_int_gt(feasible, 1000);
    ck_assert_int_gt(forced, 20);               /* the instances do reach forced imbalance */
}
END_TEST

START_TEST(random_pools)
{
    /* random sizes, conflict densities 0–30%, N 1–15: every invariant, and
     * on those small enough for the matrix, optimality by the independent
     * flow; with a dense enough pool the spread is at most one */
    rng_state = 8;
    int checked = 0, feasible = 0;
    for (int i = 0; i < 400; i++) {
        bool small = i % 2 == 0;
        int m = small ? 1 + rnd_below(30) : 1 + rnd_below(400);
        int n = small ? 1 + rnd_below(30) : 1 + rnd_below(80);
        int per = 1 + rnd_below(15), density = rnd_below(31);
        struct pool *p = pool_new(m, n, per, density);
        struct kp_assign r, again;
        ck_assert_int_eq(run(p, false, &r), KP_OK);
        if (check_result(p, &r)) {
            feasible++;
            if (small) {
                check_optimal(p, &r);
                checked++;
            }
            if (n >= 3 * per && density <= 10 && m >= n)
                ck_assert_int_le(r.max_load - r.min_load, 1);
        }
        ck_assert_int_eq(run(p, true, &again), KP_OK);
        ck_assert(same_result(&r, &again));
        kp_assign_free(&r);
        kp_assign_free(&again);
        free(p);
    }
    ck_assert_int_gt(checked, 50);
    ck_assert_int_gt(feasible, 150);
}
END_TEST

/* HMAC order of ids 1..10 under the seed 00 01 .. 1f, from
 *   python3 -c "import hmac,hashlib; s=bytes(range(32)); print(sorted(range(1,11),
 *     key=lambda i: hmac.new(s,str(i).encode(),hashlib.sha256).hexdigest()))"
 * → [8, 3, 4, 7, 10, 9, 1, 2, 6, 5] */
static const long long HMAC_ORDER[] = { 8, 3, 4, 7, 10, 9, 1, 2, 6, 5 };

START_TEST(pick)
{
    unsigned char seed[KP_ASSIGN_SEED_LEN];
    for (int i = 0; i < KP_ASSIGN_SEED_LEN; i++)
        seed[i] = (unsigned char)i;
    struct kp_assign_load experts[10];
    for (int i = 0; i < 10; i++)
        experts[i] = (struct kp_assign_load){ 10 - i, 4 };   /* ids 10..1, all load 4 */
    long long got = 0;

    /* equal loads: the HMAC order, whatever is excluded */
    long long excluded[10];
    for (int k = 0; k < 10; k++) {
        memcpy(excluded, HMAC_ORDER, (size_t)k * sizeof *excluded);
        ck_assert_int_eq(kp_assign_pick(experts, 10, excluded, (size_t)k, seed, &got), KP_OK);
        ck_assert_int_eq(got, HMAC_ORDER[k]);
    }
    ck_assert_int_eq(kp_assign_pick(experts, 10, HMAC_ORDER, 10, seed, &got), KP_E_NOT_FOUND);
    ck_assert_int_eq(kp_assign_pick(experts, 0, NULL, 0, seed, &got), KP_E_NOT_FOUND);

    /* the lowest load first: 5 (last in HMAC order) at 3 beats all at 4 */
    experts[5].count = 3;                                     /* id 5 */
    ck_assert_int_eq(kp_assign_pick(experts, 10, NULL, 0, seed, &got), KP_OK);
    ck_assert_int_eq(got, 5);
    /* ... unless it is excluded (repeats and unknown ids are fine) */
    const long long out[] = { 99, 5, 5, 8 };
    ck_assert_int_eq(kp_assign_pick(experts, 10, out, 4, seed, &got), KP_OK);
    ck_assert_int_eq(got, 3);
    /* two at the lowest load: the earlier in HMAC order */
    experts[2].count = 3;                                     /* id 8 */
    experts[9].count = 3;                                     /* id 1 */
    ck_assert_int_eq(kp_assign_pick(experts, 10, NULL, 0, seed, &got), KP_OK);
    ck_assert_int_eq(got, 8);
    ck_assert_int_eq(kp_assign_pick(experts, 10, out, 4, seed, &got), KP_OK);
    ck_assert_int_eq(got, 1);
}
END_TEST

static Suite *assign_suite(void)
{
    Suite *s = suite_create("assign");
    TCase *tc = tcase_create("assign");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, no_conflicts_even_loads);
    tcase_add_test(tc, national_scale);
    tcase_add_test(tc, conflicts_force_imbalance);
    tcase_add_test(tc, infeasible_named);
    tcase_add_test(tc, refused_input);
    tcase_add_test(tc, deterministic);
    tcase_add_test(tc, panels_vary);
    tcase_add_test(tc, tiny_exhaustive);
    tcase_add_test(tc, random_pools);
    tcase_add_test(tc, pick);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    if (sodium_init() < 0)
        return EXIT_FAILURE;
    return kp_test_run(assign_suite());
}
