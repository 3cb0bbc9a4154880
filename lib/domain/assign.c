#include <assert.h>
#include <limits.h>
#include <sodium.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "assign.h"

/* ---- the seed-derived order ------------------------------------------- */

struct keyed {
    unsigned char key[crypto_auth_hmacsha256_BYTES];
    long long id;
};

static void key_of(const unsigned char *seed, long long id, unsigned char *key)
{
    char msg[24];
    int len = snprintf(msg, sizeof msg, "%lld", id);
    crypto_auth_hmacsha256(key, (const unsigned char *)msg, (unsigned long long)len, seed);
}

static int by_key(const void *a, const void *b)
{
    const struct keyed *x = a, *y = b;
    int c = memcmp(x->key, y->key, sizeof x->key);
    return c ? c : (x->id > y->id) - (x->id < y->id);
}

static int by_id(const void *a, const void *b)
{
    long long x = *(const long long *)a, y = *(const long long *)b;
    return (x > y) - (x < y);
}

/* ids in the order of their keys, or NULL (out of memory) */
static struct keyed *ordered(const unsigned char *seed, const long long *ids, size_t n)
{
    struct keyed *k = malloc((n ? n : 1) * sizeof *k);
    if (k == NULL)
        return NULL;
    for (size_t i = 0; i < n; i++) {
        k[i].id = ids[i];
        key_of(seed, ids[i], k[i].key);
    }
    qsort(k, n, sizeof *k, by_key);
    return k;
}

/* An id's position in the key order, found through a copy sorted by id. */
struct slot {
    long long id;
    int pos;
};

static int slot_by_id(const void *a, const void *b)
{
    return by_id(&((const struct slot *)a)->id, &((const struct slot *)b)->id);
}

/* slots sorted by id, or NULL; *dup set when an id repeats */
static struct slot *slots_of(const struct keyed *k, size_t n, bool *dup)
{
    struct slot *s = malloc((n ? n : 1) * sizeof *s);
    if (s == NULL)
        return NULL;
    for (size_t i = 0; i < n; i++)
        s[i] = (struct slot){ k[i].id, (int)i };
    qsort(s, n, sizeof *s, slot_by_id);
    for (size_t i = 1; i < n; i++)
        if (s[i - 1].id == s[i].id)
            *dup = true;
    return s;
}

static int pos_of(const struct slot *s, size_t n, long long id)
{
    const struct slot key = { id, 0 };
    const struct slot *hit = bsearch(&key, s, n, sizeof *s, slot_by_id);
    return hit ? hit->pos : -1;
}

/* ---- the flow network ---------------------------------------------------
 * Nodes: source 0, candidates 1..m, eligible experts m+1..m+n, pool, sink.
 * Arcs in one array, each node's together (start[v] .. start[v+1]-1), each
 * with its reverse.  An arc's capacity follows from its kind and the (U, L)
 * under test, so a test starts by resetting every arc from its kind. */

enum kind { K_REVERSE, K_SOURCE, K_PAIR, K_MUST, K_MAY, K_POOL };

struct arc {
    int to, rev, cap;
};

struct net {
    int m, n, per, total;        /* candidates, eligible experts, N, m·N */
    int nodes, pool, sink;
    int *start, *fill;           /* nodes + 1; fill: next free arc per node while building */
    struct arc *arcs;
    unsigned char *kind;
    int *level, *queue, *iter, *path;
};

#define SOURCE 0

static void net_free(struct net *g)
{
    free(g->start);
    free(g->fill);
    free(g->arcs);
    free(g->kind);
    free(g->level);
    free(g->queue);
    free(g->iter);
    free(g->path);
}

/* degree[v]: arcs at node v, reverses included */
static enum kp_err net_alloc(struct net *g, const int *degree)
{
    g->start = malloc(((size_t)g->nodes + 1) * sizeof *g->start);
    g->fill = malloc((size_t)g->nodes * sizeof *g->fill);
    g->level = malloc((size_t)g->nodes * sizeof *g->level);
    g->queue = malloc((size_t)g->nodes * sizeof *g->queue);
    g->iter = malloc((size_t)g->nodes * sizeof *g->iter);
    g->path = malloc((size_t)g->nodes * sizeof *g->path);
    if (!g->start || !g->fill || !g->level || !g->queue || !g->iter || !g->path)
        return KP_E_NOMEM;
    size_t narcs = 0;
    for (int v = 0; v < g->nodes; v++) {
        g->start[v] = g->fill[v] = (int)narcs;
        narcs += (size_t)degree[v];
    }
    g->start[g->nodes] = (int)narcs;
    g->arcs = malloc(narcs * sizeof *g->arcs);
    g->kind = malloc(narcs);
    return g->arcs && g->kind ? KP_OK : KP_E_NOMEM;
}

static void add_arc(struct net *g, int from, int to, enum kind kind)
{
    int a = g->fill[from]++, b = g->fill[to]++;
    assert(a < g->start[from + 1] && b < g->start[to + 1]);   /* degrees were counted right */
    g->arcs[a] = (struct arc){ to, b, 0 };
    g->arcs[b] = (struct arc){ from, a, 0 };
    g->kind[a] = (unsigned char)kind;
    g->kind[b] = K_REVERSE;
}

static bool levels(struct net *g)
{
    for (int v = 0; v < g->nodes; v++)
        g->level[v] = -1;
    int head = 0, tail = 0;
    g->level[SOURCE] = 0;
    g->queue[tail++] = SOURCE;
    while (head < tail) {
        int v = g->queue[head++];
        for (int a = g->start[v]; a < g->start[v + 1]; a++) {
            int w = g->arcs[a].to;
            if (g->arcs[a].cap > 0 && g->level[w] < 0) {
                g->level[w] = g->level[v] + 1;
                g->queue[tail++] = w;
            }
        }
    }
    return g->level[g->sink] >= 0;
}

/* A blocking flow in the level graph, by depth-first search without
 * recursion (paths can be as long as the network is wide): the path is a
 * stack of arcs, iter[v] the next arc to try at v. */
static int blocking_flow(struct net *g)
{
    for (int v = 0; v < g->nodes; v++)
        g->iter[v] = g->start[v];
    int pushed = 0, top = 0, v = SOURCE;
    for (;;) {
        if (v == g->sink) {
            int f = INT_MAX;
            for (int i = 0; i < top; i++)
                if (g->arcs[g->path[i]].cap < f)
                    f = g->arcs[g->path[i]].cap;
            for (int i = 0; i < top; i++) {
                struct arc *a = &g->arcs[g->path[i]];
                a->cap -= f;
                g->arcs[a->rev].cap += f;
            }
            pushed += f;
            top = 0;                              /* back to the first saturated arc */
            while (g->arcs[g->path[top]].cap > 0)
                top++;
            v = top ? g->arcs[g->path[top - 1]].to : SOURCE;
            continue;
        }
        int a = g->iter[v];
        for (; a < g->start[v + 1]; a++)
            if (g->arcs[a].cap > 0 && g->level[g->arcs[a].to] == g->level[v] + 1)
                break;
        g->iter[v] = a;
        if (a < g->start[v + 1]) {
            g->path[top++] = a;
            v = g->arcs[a].to;
        } else if (v == SOURCE) {
            return pushed;
        } else {                                  /* dead end: retreat past it */
            a = g->path[--top];
            v = g->arcs[g->arcs[a].rev].to;
            g->iter[v]++;
        }
    }
}

/* Whether an assignment exists with every eligible expert's load in
 * [lo, hi]; when it does, the arcs hold one. */
static bool feasible(struct net *g, int hi, int lo)
{
    assert(0 <= lo && lo <= hi);
    if ((long long)lo * g->n > g->total)
        return false;
    const int cap[] = {
        [K_REVERSE] = 0, [K_SOURCE] = g->per, [K_PAIR] = 1,
        [K_MUST] = lo, [K_MAY] = hi - lo, [K_POOL] = g->total - lo * g->n,
    };
    for (int a = 0; a < g->start[g->nodes]; a++)
        g->arcs[a].cap = cap[g->kind[a]];
    int flow = 0;
    while (levels(g))
        flow += blocking_flow(g);
    assert(flow <= g->total);
    return flow == g->total;
}

/* ---- the assignment ---------------------------------------------------- */

struct work {
    struct keyed *cand, *exp;        /* in key order */
    struct slot *cand_slots, *exp_slots;
    unsigned char *conflict;         /* bit c·nexp + e, key-order positions */
    int *node_of;                    /* expert position → node, or -1 when eligible for none */
    int *degree;
    int *list;                       /* one candidate's eligible expert nodes */
    unsigned char *stream;           /* the shuffle's random words, 4 bytes each */
    struct net g;
};

static void work_free(struct work *w)
{
    free(w->cand);
    free(w->exp);
    free(w->cand_slots);
    free(w->exp_slots);
    free(w->conflict);
    free(w->node_of);
    free(w->degree);
    free(w->list);
    free(w->stream);
    net_free(&w->g);
}

static bool conflicts(const struct work *w, size_t nexp, size_t c, size_t e)
{
    size_t bit = c * nexp + e;
    return w->conflict[bit / 8] >> (bit % 8) & 1;
}

static int cmp_pair(const void *a, const void *b)
{
    const struct kp_assign_pair *x = a, *y = b;
    int c = by_id(&x->application_id, &y->application_id);
    return c ? c : by_id(&x->expert_id, &y->expert_id);
}

static int cmp_load(const void *a, const void *b)
{
    return by_id(&((const struct kp_assign_load *)a)->expert_id,
                 &((const struct kp_assign_load *)b)->expert_id);
}

/* Every candidate with fewer than N eligible experts into out->short_of;
 * the number of eligible pairs into *pairs. */
static enum kp_err find_short(const struct work *w, const struct kp_assign_input *in,
                              struct kp_assign *out, size_t *pairs)
{
    size_t m = in->ncandidates, nexp = in->nexperts;
    *pairs = 0;
    for (size_t c = 0; c < m; c++) {
        size_t eligible = 0;
        for (size_t e = 0; e < nexp; e++)
            eligible += !conflicts(w, nexp, c, e);
        *pairs += eligible;
        if (eligible < (size_t)in->per_application) {
            if (out->short_of == NULL && (out->short_of = malloc(m * sizeof *out->short_of)) == NULL)
                return KP_E_NOMEM;
            out->short_of[out->nshort++] = w->cand[c].id;
        }
    }
    if (out->nshort)
        qsort(out->short_of, out->nshort, sizeof *out->short_of, by_id);
    return KP_OK;
}

/* The network of an instance in which every candidate has N eligible
 * experts, with each candidate's experts in shuffled order. */
static enum kp_err build(struct work *w, const struct kp_assign_input *in, size_t pairs)
{
    size_t m = in->ncandidates, nexp = in->nexperts;
    struct net *g = &w->g;
    w->node_of = malloc(nexp * sizeof *w->node_of);
    w->list = malloc(nexp * sizeof *w->list);
    w->stream = malloc(4 * pairs);
    if (!w->node_of || !w->list || !w->stream)
        return KP_E_NOMEM;
    g->m = (int)m;
    g->n = 0;
    for (size_t e = 0; e < nexp; e++) {
        bool any = false;
        for (size_t c = 0; c < m && !any; c++)
            any = !conflicts(w, nexp, c, e);
        w->node_of[e] = any ? 1 + (int)m + g->n++ : -1;
    }
    g->per = in->per_application;
    g->total = (int)m * g->per;
    g->nodes = (int)m + g->n + 3;
    g->pool = g->nodes - 2;
    g->sink = g->nodes - 1;

    if ((w->degree = calloc((size_t)g->nodes, sizeof *w->degree)) == NULL)
        return KP_E_NOMEM;
    int *deg = w->degree;
    deg[SOURCE] = (int)m;
    for (size_t c = 0; c < m; c++)
        for (size_t e = 0; e < nexp; e++)
            if (!conflicts(w, nexp, c, e)) {
                deg[1 + c]++;
                deg[w->node_of[e]]++;
            }
    for (int c = 1; c <= g->m; c++)
        deg[c]++;                                   /* from the source */
    for (int e = g->m + 1; e <= g->m + g->n; e++)
        deg[e] += 2;                                /* to the sink and to the pool */
    deg[g->pool] = g->n + 1;
    deg[g->sink] = g->n + 1;
    enum kp_err err = net_alloc(g, deg);
    if (err)
        return err;

    /* Arcs in the order a search should meet them: at an expert, the sink
     * and the pool before the candidates it could hand work back to. */
    for (int c = 1; c <= g->m; c++)
        add_arc(g, SOURCE, c, K_SOURCE);
    for (int e = g->m + 1; e <= g->m + g->n; e++) {
        add_arc(g, e, g->sink, K_MUST);
        add_arc(g, e, g->pool, K_MAY);
    }
    add_arc(g, g->pool, g->sink, K_POOL);
    randombytes_buf_deterministic(w->stream, 4 * pairs, in->seed);
    size_t next = 0;
    for (size_t c = 0; c < m; c++) {
        size_t k = 0;
        for (size_t e = 0; e < nexp; e++)
            if (!conflicts(w, nexp, c, e))
                w->list[k++] = w->node_of[e];
        for (size_t i = k - 1; i > 0; i--) {        /* k ≥ N ≥ 1 */
            const unsigned char *b = &w->stream[4 * next++];
            uint32_t word = (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 |
                            (uint32_t)b[3] << 24;
            size_t j = (size_t)(((uint64_t)word * (i + 1)) >> 32);
            int t = w->list[i];
            w->list[i] = w->list[j];
            w->list[j] = t;
        }
        for (size_t i = 0; i < k; i++)
            add_arc(g, 1 + (int)c, w->list[i], K_PAIR);
    }
    return KP_OK;
}

/* U, then L (header, step 3); the network is left holding the flow of (U, L). */
static void balance(struct work *w, int *max_load, int *min_load)
{
    struct net *g = &w->g;
    int hi = (g->total + g->n - 1) / g->n;
    if (!feasible(g, hi, 0)) {
        int lo = hi;                                /* infeasible */
        hi = g->m;                                  /* always feasible (header) */
        while (hi - lo > 1) {
            int mid = lo + (hi - lo) / 2;
            if (feasible(g, mid, 0))
                hi = mid;
            else
                lo = mid;
        }
    }
    int top = g->total / g->n < hi ? g->total / g->n : hi;
    for (int e = g->m + 1; e <= g->m + g->n; e++) {
        int candidates = w->degree[e] - 2;
        if (candidates < top)
            top = candidates;
    }
    int lo = 0;                                     /* feasible */
    bool held = feasible(g, hi, top);               /* whether the arcs hold (hi, lo) */
    if (held) {
        lo = top;
    } else {
        while (top - lo > 1) {
            int mid = lo + (top - lo) / 2;
            if ((held = feasible(g, hi, mid)))
                lo = mid;
            else
                top = mid;
        }
    }
    if (!held) {
        held = feasible(g, hi, lo);
        assert(held);
    }
    *max_load = hi;
    *min_load = lo;
}

/* The flow's pairs and loads into out, sorted as the header says. */
static enum kp_err extract(const struct work *w, size_t nexp, struct kp_assign *out)
{
    const struct net *g = &w->g;
    out->pairs = malloc((size_t)g->total * sizeof *out->pairs);
    out->loads = calloc((size_t)g->n, sizeof *out->loads);
    if (!out->pairs || !out->loads)
        return KP_E_NOMEM;
    out->nloads = (size_t)g->n;
    for (size_t e = 0; e < nexp; e++)
        if (w->node_of[e] >= 0)
            out->loads[w->node_of[e] - g->m - 1].expert_id = w->exp[e].id;
    for (int c = 1; c <= g->m; c++)
        for (int a = g->start[c]; a < g->start[c + 1]; a++)
            if (g->kind[a] == K_PAIR && g->arcs[a].cap == 0) {
                struct kp_assign_load *load = &out->loads[g->arcs[a].to - g->m - 1];
                load->count++;
                out->pairs[out->npairs++] = (struct kp_assign_pair){ w->cand[c - 1].id,
                                                                     load->expert_id };
            }
    assert(out->npairs == (size_t)g->total);        /* every candidate has N */
    out->max_load = out->min_load = out->loads[0].count;
    for (size_t i = 1; i < out->nloads; i++) {
        if (out->loads[i].count > out->max_load)
            out->max_load = out->loads[i].count;
        if (out->loads[i].count < out->min_load)
            out->min_load = out->loads[i].count;
    }
    qsort(out->pairs, out->npairs, sizeof *out->pairs, cmp_pair);
    qsort(out->loads, out->nloads, sizeof *out->loads, cmp_load);
    return KP_OK;
}

enum kp_err kp_assign_run(const struct kp_assign_input *in, struct kp_assign *out)
{
    memset(out, 0, sizeof *out);
    size_t m = in->ncandidates, nexp = in->nexperts;
    if (in->per_application < 1 || in->per_application > KP_ASSIGN_PER_APPLICATION_MAX ||
        m > KP_ASSIGN_MAX_CANDIDATES || nexp > KP_ASSIGN_MAX_EXPERTS ||
        m * nexp > KP_ASSIGN_MAX_PAIRS)
        return KP_E_INVAL;
    struct work w = { 0 };
    enum kp_err err = KP_E_NOMEM;
    bool dup = false;
    if ((w.cand = ordered(in->seed, in->candidates, m)) == NULL ||
        (w.exp = ordered(in->seed, in->experts, nexp)) == NULL ||
        (w.cand_slots = slots_of(w.cand, m, &dup)) == NULL ||
        (w.exp_slots = slots_of(w.exp, nexp, &dup)) == NULL ||
        (w.conflict = calloc(m * nexp / 8 + 1, 1)) == NULL)
        goto done;
    err = KP_E_INVAL;
    if (dup)
        goto done;
    for (size_t i = 0; i < in->nconflicts; i++) {
        int c = pos_of(w.cand_slots, m, in->conflicts[i].application_id);
        int e = pos_of(w.exp_slots, nexp, in->conflicts[i].expert_id);
        if (c >= 0 && e >= 0) {
            size_t bit = (size_t)c * nexp + (size_t)e;
            w.conflict[bit / 8] |= (unsigned char)(1u << (bit % 8));
        }
    }
    size_t pairs;
    if ((err = find_short(&w, in, out, &pairs)) || out->nshort || m == 0)
        goto done;
    if ((err = build(&w, in, pairs)))
        goto done;
    int max, min;
    balance(&w, &max, &min);
    err = extract(&w, nexp, out);
    assert(err || (out->max_load == max && out->min_load == min));
done:
    work_free(&w);
    return err;
}

void kp_assign_free(struct kp_assign *a)
{
    free(a->pairs);
    free(a->loads);
    free(a->short_of);
    memset(a, 0, sizeof *a);
}

enum kp_err kp_assign_pick(const struct kp_assign_load *experts, size_t nexperts,
                           const long long *excluded, size_t nexcluded,
                           const unsigned char seed[KP_ASSIGN_SEED_LEN], long long *expert_id)
{
    long long *out = malloc((nexcluded ? nexcluded : 1) * sizeof *out);
    if (out == NULL)
        return KP_E_NOMEM;
    if (nexcluded) {
        memcpy(out, excluded, nexcluded * sizeof *out);
        qsort(out, nexcluded, sizeof *out, by_id);
    }
    const struct kp_assign_load *best = NULL;
    struct keyed best_key, key;
    for (size_t i = 0; i < nexperts; i++) {
        const struct kp_assign_load *x = &experts[i];
        if (bsearch(&x->expert_id, out, nexcluded, sizeof *out, by_id))
            continue;
        if (best && x->count > best->count)
            continue;
        key.id = x->expert_id;
        key_of(seed, x->expert_id, key.key);      /* only for the lowest load so far */
        if (best == NULL || x->count < best->count || by_key(&key, &best_key) < 0) {
            best = x;
            best_key = key;
        }
    }
    free(out);
    if (best == NULL)
        return KP_E_NOT_FOUND;
    *expert_id = best->expert_id;
    return KP_OK;
}
