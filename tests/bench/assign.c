/* How long kp_assign_run takes on pools of the programme's size and at the
 * module's bounds: each case generated from a fixed seed, run ROUNDS times,
 * the median, fastest and slowest printed with the loads it reached.
 * tests/bench/assign.sh builds it (Release) and runs it. */
#include <sodium.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "assign.h"

static uint64_t rng_state = 20211110;

static uint64_t rnd(void)                        /* splitmix64 */
{
    uint64_t z = (rng_state += 0x9e3779b97f4a7c15u);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
    return z ^ (z >> 31);
}

struct scenario {
    const char *name;
    int candidates, experts, per;
    int conflict_permille;     /* random pairs */
    int regions;               /* > 0: conflict when candidate and expert share a region */
    int narrow;                /* the first `narrow` candidates may take only the first 10 experts */
};

static const struct scenario scenarios[] = {
    { "issue: 1,274 x 5 of 300, 2%", 1274, 300, 5, 20, 0, 0 },
    { "N 15 of 300, 2%", 1274, 300, 15, 20, 0, 0 },
    { "N 5 of 300, 30%", 1274, 300, 5, 300, 0, 0 },
    { "N 5 of 300, own region (31)", 1274, 300, 5, 0, 31, 0 },
    { "N 15 of 20, 2%", 1274, 20, 15, 20, 0, 0 },
    { "N 5 of 300, 200 on 10 experts", 1274, 300, 5, 20, 0, 200 },
    { "bound: 10,000 x 5 of 200, 2%", 10000, 200, 5, 20, 0, 0 },
    { "bound: 1,000 x 15 of 2,000, 2%", 1000, 2000, 15, 20, 0, 0 },
};

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static int run(const struct scenario *s, int rounds)
{
    int m = s->candidates, n = s->experts;
    long long *cand = malloc((size_t)m * sizeof *cand), *exp = malloc((size_t)n * sizeof *exp);
    struct kp_assign_conflict *conf = malloc((size_t)m * (size_t)n * sizeof *conf);
    int *cand_region = malloc((size_t)m * sizeof *cand_region);
    int *exp_region = malloc((size_t)n * sizeof *exp_region);
    double *ms = malloc((size_t)rounds * sizeof *ms);
    if (!cand || !exp || !conf || !cand_region || !exp_region || !ms)
        return -1;
    for (int c = 0; c < m; c++) {
        cand[c] = 1000 + c;
        cand_region[c] = s->regions ? (int)(rnd() % (uint64_t)s->regions) : 0;
    }
    for (int e = 0; e < n; e++) {
        exp[e] = 1 + e;
        exp_region[e] = s->regions ? (int)(rnd() % (uint64_t)s->regions) : -1;
    }
    size_t k = 0;
    for (int c = 0; c < m; c++)
        for (int e = 0; e < n; e++)
            if ((int)(rnd() % 1000) < s->conflict_permille || cand_region[c] == exp_region[e] ||
                (c < s->narrow && e >= 10))
                conf[k++] = (struct kp_assign_conflict){ exp[e], cand[c] };
    unsigned char seed[KP_ASSIGN_SEED_LEN];
    randombytes_buf(seed, sizeof seed);
    struct kp_assign_input in = {
        .candidates = cand, .ncandidates = (size_t)m, .experts = exp, .nexperts = (size_t)n,
        .conflicts = conf, .nconflicts = k, .per_application = s->per, .seed = seed,
    };
    struct kp_assign r = { 0 };
    int rc = 0;
    for (int i = 0; i < rounds; i++) {
        kp_assign_free(&r);
        seed[0] = (unsigned char)i;            /* a new assignment each round */
        double t0 = now();
        enum kp_err err = kp_assign_run(&in, &r);
        ms[i] = (now() - t0) * 1e3;
        if (err || r.nshort || r.npairs != (size_t)m * (size_t)s->per) {
            fprintf(stderr, "%s: %s, %zu short, %zu pairs\n", s->name, kp_err_str(err),
                    r.nshort, r.npairs);
            rc = -1;
            break;
        }
    }
    if (rc == 0) {
        qsort(ms, (size_t)rounds, sizeof *ms, cmp_double);
        printf("%-34s %9zu %7.1f %7.1f %7.1f %5d %5d\n", s->name, k, ms[rounds / 2], ms[0],
               ms[rounds - 1], r.max_load, r.min_load);
    }
    kp_assign_free(&r);
    free(cand);
    free(exp);
    free(conf);
    free(cand_region);
    free(exp_region);
    free(ms);
    return rc;
}

int main(int argc, char **argv)
{
    int rounds = argc > 1 ? atoi(argv[1]) : 9;
    if (sodium_init() < 0 || rounds < 1) {
        fprintf(stderr, "usage: bench_assign [rounds]\n");
        return EXIT_FAILURE;
    }
    printf("%-34s %9s %7s %7s %7s %5s %5s\n", "case", "conflicts", "ms med", "min", "max", "max",
           "min");
    printf("%-34s %9s %7s %7s %7s %5s %5s\n", "", "", "", "", "", "load", "load");
    int rc = 0;
    for (size_t i = 0; i < sizeof scenarios / sizeof *scenarios; i++)
        rc |= run(&scenarios[i], rounds);
    return rc ? EXIT_FAILURE : EXIT_SUCCESS;
}
