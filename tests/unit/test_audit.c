/* lib/audit: the hash chain's serialisation is a contract with every row
 * already stored; a known vector pins it. */
#include <check.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "audit.h"
#include "support/unit.h"

static struct kp_audit_row sample(void)
{
    return (struct kp_audit_row){
        .id = "1", .at = "2021-11-10T16:00:00.000000Z", .actor_id = "7",
        .actor_role = "admin", .action = "batch.create", .entity = "batch",
        .entity_id = "3", .data = "{\"name\":\"2021年\"}", .request_id = "req-1",
        .ip = NULL, .prev_hash = "",
    };
}

static void hash(const struct kp_audit_row *row, char out[KP_AUDIT_HASH_LEN])
{
    memset(out, 'x', KP_AUDIT_HASH_LEN);
    kp_audit_hash(row, out);
    ck_assert_uint_eq(strlen(out), 64);
}

START_TEST(known_vector)
{
    ck_assert_int_ge(sodium_init(), 0);
    /* sha256 of 1:1,27:2021-11-10T16:00:00.000000Z,1:7,5:admin,12:batch.create,
     * 5:batch,1:3,18:{"name":"2021年"},5:req-1,-,0:, (lengths in bytes) */
    struct kp_audit_row row = sample();
    char h[KP_AUDIT_HASH_LEN];
    hash(&row, h);
    ck_assert_str_eq(h, "fdda56b0222ead5f79476c32b4e86f52119bc7815be8415dbdbaed3f559bb67d");
}
END_TEST

START_TEST(null_is_not_empty)
{
    struct kp_audit_row a = sample(), b = sample();
    b.ip = "";
    char ha[KP_AUDIT_HASH_LEN], hb[KP_AUDIT_HASH_LEN];
    hash(&a, ha);
    hash(&b, hb);
    ck_assert_str_ne(ha, hb);
    /* "-" as a value is not NULL either */
    b.ip = "-";
    hash(&b, hb);
    ck_assert_str_ne(ha, hb);
}
END_TEST

START_TEST(field_boundaries_count)
{
    struct kp_audit_row a = sample(), b = sample();
    a.entity = "ab";
    a.entity_id = "c";
    b.entity = "a";
    b.entity_id = "bc";
    char ha[KP_AUDIT_HASH_LEN], hb[KP_AUDIT_HASH_LEN];
    hash(&a, ha);
    hash(&b, hb);
    ck_assert_str_ne(ha, hb);
    /* a comma or colon inside a value cannot forge a boundary */
    a = sample();
    b = sample();
    a.action = "x,1:y";
    a.entity = "z";
    b.action = "x";
    b.entity = "y,1:z";
    hash(&a, ha);
    hash(&b, hb);
    ck_assert_str_ne(ha, hb);
}
END_TEST

START_TEST(every_field_counts)
{
    struct kp_audit_row base = sample();
    char h0[KP_AUDIT_HASH_LEN], h[KP_AUDIT_HASH_LEN];
    hash(&base, h0);
    const char **fields[] = { &base.id, &base.at, &base.actor_id, &base.actor_role, &base.action,
                              &base.entity, &base.entity_id, &base.data, &base.request_id,
                              &base.ip, &base.prev_hash };
    for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++) {
        const char *saved = *fields[i];
        *fields[i] = "changed";
        hash(&base, h);
        ck_assert_msg(strcmp(h, h0) != 0, "field %zu does not count", i);
        *fields[i] = saved;
    }
    hash(&base, h);
    ck_assert_str_eq(h, h0);                  /* deterministic */
}
END_TEST

START_TEST(chain)
{
    struct kp_audit_row first = sample();
    char h1[KP_AUDIT_HASH_LEN], h2[KP_AUDIT_HASH_LEN], h2b[KP_AUDIT_HASH_LEN];
    hash(&first, h1);
    struct kp_audit_row second = sample();
    second.id = "2";
    second.prev_hash = h1;
    hash(&second, h2);
    /* changing the first row changes what the second must say */
    first.data = "{\"name\":\"2022年\"}";
    hash(&first, h1);
    second.prev_hash = h1;
    hash(&second, h2b);
    ck_assert_str_ne(h2, h2b);
    for (const char *p = h2; *p; p++)
        ck_assert((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f'));
}
END_TEST

/* What a checkpoint's signature covers (API.md): keys sorted, no white
 * space, numbers as numbers. */
START_TEST(checkpoint_canonical_form)
{
    char *c = kp_checkpoint_canonical("2021-11-10T16:00:00Z", 42,
                                      "5f0c4a0f2ad5e2b7c1b1c1d8d9d8e0f1a2b3c4d5e6f708192a3b4c5d6e7f8091", 57);
    ck_assert_str_eq(c, "{\"at\":\"2021-11-10T16:00:00Z\",\"count\":42,"
                        "\"head_hash\":\"5f0c4a0f2ad5e2b7c1b1c1d8d9d8e0f1a2b3c4d5e6f708192a3b4c5d6e7f8091\","
                        "\"last_audit_id\":57}");
    free(c);
    c = kp_checkpoint_canonical("2021-11-10T16:00:00Z", 0, "", 0);   /* an empty log */
    ck_assert_str_eq(c, "{\"at\":\"2021-11-10T16:00:00Z\",\"count\":0,\"head_hash\":\"\",\"last_audit_id\":0}");
    free(c);
}
END_TEST

static Suite *audit_suite(void)
{
    Suite *s = suite_create("audit");
    TCase *tc = tcase_create("audit");
    tcase_add_test(tc, known_vector);
    tcase_add_test(tc, null_is_not_empty);
    tcase_add_test(tc, field_boundaries_count);
    tcase_add_test(tc, every_field_counts);
    tcase_add_test(tc, chain);
    tcase_add_test(tc, checkpoint_canonical_form);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return kp_test_run(audit_suite());
}
