/* lib/invitecode: invitation codes are 12 characters of an alphabet without
 * look-alikes, the last a check character; fresh codes are random and
 * valid; what users type is read case-insensitively with hyphens and spaces
 * ignored; every mistyped character and nearly every swap of neighbours is
 * caught; codes are shown as XXXX-XXXX-XXXX. */
#include <check.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "invitecode.h"
#include "support/unit.h"

static const char ALPHABET[] = "23456789ABCDEFGHJKMNPQRSTUVWXYZ";   /* 31: no 0 O 1 I L */
#define NA 31

static bool in_alphabet(char c)
{
    return c != '\0' && strchr(ALPHABET, c) != NULL;
}

/* Codes made by hand from the library's own check character. */
static void with_check(const char *code11, char out[KP_INVITECODE_LEN + 1])
{
    memcpy(out, code11, 11);
    out[11] = kp_invitecode_check_char(code11);
    out[12] = '\0';
    ck_assert_msg(in_alphabet(out[11]), "no check character for %s", code11);
}

static bool parses(const char *typed)
{
    char out[KP_INVITECODE_LEN + 1];
    return kp_invitecode_parse(typed, out);
}

static int cmp_codes(const void *a, const void *b)
{
    return memcmp(a, b, KP_INVITECODE_LEN + 1);
}

/* ---- tests ------------------------------------------------------------ */

START_TEST(new_codes)
{
    enum { COUNT = 10000 };
    char (*codes)[KP_INVITECODE_LEN + 1] = calloc(COUNT, sizeof *codes);
    ck_assert_ptr_nonnull(codes);
    int per_position[KP_INVITECODE_LEN][NA] = { { 0 } };
    for (int n = 0; n < COUNT; n++) {
        char *c = codes[n];
        memset(c, '#', KP_INVITECODE_LEN + 1);
        kp_invitecode_new(c);
        ck_assert_msg(strlen(c) == KP_INVITECODE_LEN, "%s", c);
        for (int i = 0; i < KP_INVITECODE_LEN; i++) {
            ck_assert_msg(in_alphabet(c[i]), "%s: %c at %d", c, c[i], i);
            per_position[i][strchr(ALPHABET, c[i]) - ALPHABET]++;
        }
        ck_assert_msg(strpbrk(c, "0O1IL") == NULL, "%s", c);
        ck_assert_int_eq(kp_invitecode_check_char(c), c[11]);
        char out[KP_INVITECODE_LEN + 1];
        ck_assert_msg(kp_invitecode_parse(c, out), "%s does not parse", c);
        ck_assert_str_eq(out, c);
    }
    /* none equal */
    qsort(codes, COUNT, sizeof *codes, cmp_codes);
    for (int n = 1; n < COUNT; n++)
        ck_assert_msg(strcmp(codes[n - 1], codes[n]) != 0, "%s twice", codes[n]);
    /* every character comes up at every random position, none dominates
     * (10000/31 ≈ 323 expected each) */
    for (int i = 0; i < KP_INVITECODE_LEN - 1; i++)
        for (int v = 0; v < NA; v++)
            ck_assert_msg(per_position[i][v] > 200 && per_position[i][v] < 450,
                          "position %d, %c: %d times in %d codes", i, ALPHABET[v],
                          per_position[i][v], COUNT);
    free(codes);
}
END_TEST

START_TEST(parse_spellings)
{
    char code[KP_INVITECODE_LEN + 1], out[KP_INVITECODE_LEN + 1], typed[64];
    with_check("ABCDEFGHJKM", code);
    ck_assert(kp_invitecode_parse(code, out));
    ck_assert_str_eq(out, code);

    /* lower case */
    for (int i = 0; i < 13; i++)
        typed[i] = (char)(code[i] >= 'A' && code[i] <= 'Z' ? code[i] + 32 : code[i]);
    ck_assert(kp_invitecode_parse(typed, out));
    ck_assert_str_eq(out, code);

    /* as shown, in either case, with spaces and stray hyphens */
    char shown[KP_INVITECODE_SHOWN + 1];
    kp_invitecode_show(code, shown);
    ck_assert(kp_invitecode_parse(shown, out));
    ck_assert_str_eq(out, code);
    snprintf(typed, sizeof typed, "%.4s-%.4s-%.4s", "abcd", "efgh", "jkm");
    typed[13] = (char)(code[11] >= 'A' ? code[11] + 32 : code[11]);
    typed[14] = '\0';
    ck_assert_msg(kp_invitecode_parse(typed, out), "%s", typed);       /* abcd-efgh-jkm? */
    ck_assert_str_eq(out, code);
    const char *variants[] = { "%.4s %.4s %.4s", " %.4s-%.4s-%.4s ", "%.4s--%.4s - %.4s",
                               "-%.4s%.4s%.4s-", "%.4s%.4s%.4s   " };
    for (size_t k = 0; k < sizeof variants / sizeof variants[0]; k++) {
        snprintf(typed, sizeof typed, variants[k], code, code + 4, code + 8);
        ck_assert_msg(kp_invitecode_parse(typed, out), "\"%s\"", typed);
        ck_assert_str_eq(out, code);
    }
    /* spread out: hyphens and spaces anywhere */
    char *p = typed;
    for (int i = 0; i < 12; i++) {
        *p++ = code[i];
        *p++ = i % 2 ? ' ' : '-';
    }
    *p = '\0';
    ck_assert_msg(kp_invitecode_parse(typed, out), "\"%s\"", typed);
    ck_assert_str_eq(out, code);
}
END_TEST

START_TEST(parse_refuses)
{
    char code[KP_INVITECODE_LEN + 1], typed[64];
    kp_invitecode_new(code);
    ck_assert(parses(code));
    /* 11 and 13 characters */
    snprintf(typed, sizeof typed, "%.11s", code);
    ck_assert(!parses(typed));
    snprintf(typed, sizeof typed, "%s%c", code, code[0]);
    ck_assert(!parses(typed));
    snprintf(typed, sizeof typed, "%s%s", code, code);
    ck_assert(!parses(typed));
    ck_assert(!parses(""));
    ck_assert(!parses("----"));
    ck_assert(!parses("            "));
    /* look-alikes and other characters, anywhere, in either case */
    const char bad[] = { '0', 'O', '1', 'I', 'L', 'o', 'i', 'l', '_', '.', '/', '\t', '\n', '+' };
    for (size_t k = 0; k < sizeof bad; k++)
        for (int i = 0; i < 12; i++) {
            memcpy(typed, code, 13);
            typed[i] = bad[k];
            ck_assert_msg(!parses(typed), "%s with 0x%02x at %d", code, bad[k], i);
        }
    /* non-ASCII */
    snprintf(typed, sizeof typed, "%.11s\xE2\x80\x94", code);
    ck_assert(!parses(typed));
    snprintf(typed, sizeof typed, "%.4s\xE2\x80\x94%.8s", code, code + 4);  /* an em dash */
    ck_assert(!parses(typed));

    /* check_char refuses what is not 11 characters of the alphabet */
    ck_assert_int_eq(kp_invitecode_check_char("ABCDEFGHJK0"), '\0');
    ck_assert_int_eq(kp_invitecode_check_char("abcdefghjkm"), '\0');
    ck_assert_int_eq(kp_invitecode_check_char("ABCDEFGHJK"), '\0');       /* 10 */
    ck_assert_int_eq(kp_invitecode_check_char(""), '\0');
}
END_TEST

/* Every code of `codes`, every position, every other character of the
 * alphabet (12 × 30 each): none parses. */
START_TEST(every_substitution_refused)
{
    char codes[40][KP_INVITECODE_LEN + 1];
    int n = 0;
    with_check("22222222222", codes[n++]);
    with_check("ZZZZZZZZZZZ", codes[n++]);
    with_check("ABCDEFGHJKM", codes[n++]);
    with_check("3J3J3J3J3J3", codes[n++]);      /* values 1 and 16: 2·16 = 32 = 1·31 + 1 */
    with_check("J3J3J3J3J3J", codes[n++]);
    with_check("2Z2Z2Z2Z2Z2", codes[n++]);
    while (n < 40)
        kp_invitecode_new(codes[n++]);
    long tried = 0;
    for (int k = 0; k < n; k++) {
        ck_assert_msg(parses(codes[k]), "%s", codes[k]);
        for (int i = 0; i < KP_INVITECODE_LEN; i++)
            for (int v = 0; v < NA; v++) {
                if (ALPHABET[v] == codes[k][i])
                    continue;
                char typo[KP_INVITECODE_LEN + 1];
                memcpy(typo, codes[k], sizeof typo);
                typo[i] = ALPHABET[v];
                tried++;
                ck_assert_msg(!parses(typo), "%s typed as %s (position %d) is accepted",
                              codes[k], typo, i);
            }
    }
    ck_assert_int_eq(tried, 40L * 12 * 30);
}
END_TEST

/* Swaps of neighbouring distinct characters, position 0..10 with the next
 * (the last swap involves the check character): exhaustively over all pairs
 * of characters at every position, with random surroundings. */
START_TEST(adjacent_transpositions)
{
    long tried = 0, caught = 0;
    for (int round = 0; round < 4; round++) {
        char code[KP_INVITECODE_LEN + 1];
        kp_invitecode_new(code);
        for (int i = 0; i < KP_INVITECODE_LEN - 1; i++)
            for (int a = 0; a < NA; a++)
                for (int b = 0; b < NA; b++) {
                    if (a == b)
                        continue;
                    char good[KP_INVITECODE_LEN + 1];
                    memcpy(good, code, sizeof good);
                    good[i] = ALPHABET[a];
                    good[i + 1] = ALPHABET[b];
                    if (i + 1 < 11)                    /* fix the check character up */
                        good[11] = kp_invitecode_check_char(good);
                    else if (!parses(good))            /* b is the check: only if it fits */
                        continue;
                    ck_assert_msg(parses(good), "%s", good);
                    char swapped[KP_INVITECODE_LEN + 1];
                    memcpy(swapped, good, sizeof swapped);
                    swapped[i] = good[i + 1];
                    swapped[i + 1] = good[i];
                    tried++;
                    if (!parses(swapped))
                        caught++;
                }
    }
    fprintf(stderr, "invitecode: %ld of %ld adjacent transpositions caught (%.3f%%)\n", caught,
            tried, 100.0 * (double)caught / (double)tried);
    ck_assert_int_ge(tried, 4L * 10 * 31 * 30);
    ck_assert_msg(caught * 100 > tried * 95, "only %ld of %ld adjacent transpositions caught",
                  caught, tried);
}
END_TEST

START_TEST(show)
{
    char shown[KP_INVITECODE_SHOWN + 1 + 4];
    memset(shown, '#', sizeof shown);
    kp_invitecode_show("ABCDEFGHJKMN", shown);
    ck_assert_str_eq(shown, "ABCD-EFGH-JKMN");
    ck_assert_int_eq(strlen(shown), KP_INVITECODE_SHOWN);
    ck_assert_int_eq(shown[KP_INVITECODE_SHOWN + 1], '#');
    for (int n = 0; n < 100; n++) {
        char code[KP_INVITECODE_LEN + 1], out[KP_INVITECODE_LEN + 1];
        kp_invitecode_new(code);
        kp_invitecode_show(code, shown);
        ck_assert_int_eq(strlen(shown), KP_INVITECODE_SHOWN);
        ck_assert_int_eq(shown[4], '-');
        ck_assert_int_eq(shown[9], '-');
        ck_assert(memcmp(shown, code, 4) == 0);
        ck_assert(memcmp(shown + 5, code + 4, 4) == 0);
        ck_assert(memcmp(shown + 10, code + 8, 4) == 0);
        ck_assert(kp_invitecode_parse(shown, out));         /* round trip */
        ck_assert_str_eq(out, code);
    }
}
END_TEST

/* Objection receipts: 16 characters, the last the check over 15.  The
 * vectors' check characters were computed with python3 from the rule as
 * the header states it (Luhn mod 31, from the right every second value
 * doubled mod 31):
 *   A = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
 *   t, f = 0, 2
 *   for c in reversed(s): t += f * A.index(c) % 31; f = 3 - f
 *   A[(31 - t % 31) % 31]
 */
START_TEST(receipts)
{
    char out[KP_RECEIPT_LEN + 1];
    ck_assert(kp_invitecode_receipt_parse("23456789ABCDEFGU", out));
    ck_assert_str_eq(out, "23456789ABCDEFGU");
    ck_assert(kp_invitecode_receipt_parse("zzzz-zzzz-zzzz-zzzs", out));
    ck_assert_str_eq(out, "ZZZZZZZZZZZZZZZS");
    ck_assert(kp_invitecode_receipt_parse("2222 2222 2222 2222", out));
    ck_assert(!kp_invitecode_receipt_parse("23456789ABCDEFGV", out));   /* wrong check */
    ck_assert(!kp_invitecode_receipt_parse("23456789ABCDEFG", out));    /* 15 */
    ck_assert(!kp_invitecode_receipt_parse("23456789ABCDEFGU2", out));  /* 17 */
    ck_assert(!kp_invitecode_receipt_parse("O3456789ABCDEFGU", out));   /* look-alike */
    ck_assert(!kp_invitecode_receipt_parse("", out));
    char code[KP_INVITECODE_LEN + 1];
    kp_invitecode_new(code);
    ck_assert(!kp_invitecode_receipt_parse(code, out));                /* a code is no receipt */
    char prev[KP_RECEIPT_LEN + 1] = "";
    for (int n = 0; n < 1000; n++) {
        char r[KP_RECEIPT_LEN + 1], again[KP_RECEIPT_LEN + 1];
        kp_invitecode_receipt_new(r);
        ck_assert_int_eq(strlen(r), KP_RECEIPT_LEN);
        for (int i = 0; i < KP_RECEIPT_LEN; i++)
            ck_assert_msg(in_alphabet(r[i]), "%s", r);
        ck_assert_msg(kp_invitecode_receipt_parse(r, again), "%s does not parse", r);
        ck_assert_str_eq(again, r);
        ck_assert(!kp_invitecode_parse(r, code));                      /* nor a receipt a code */
        ck_assert_str_ne(r, prev);
        memcpy(prev, r, sizeof prev);
    }
}
END_TEST

static Suite *invitecode_suite(void)
{
    Suite *s = suite_create("invitecode");
    TCase *tc = tcase_create("invitecode");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, new_codes);
    tcase_add_test(tc, parse_spellings);
    tcase_add_test(tc, parse_refuses);
    tcase_add_test(tc, every_substitution_refused);
    tcase_add_test(tc, adjacent_transpositions);
    tcase_add_test(tc, show);
    tcase_add_test(tc, receipts);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    if (sodium_init() < 0)
        return EXIT_FAILURE;
    return kp_test_run(invitecode_suite());
}
