/* lib/http/gzip: a gzip member that any gunzip reads back, and that shrinks
 * the text the UI is made of. */
#include <check.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "gzip.h"
#include "support/unit.h"

/* 40 times this line: 2240 bytes whose CRC-32 is 0x4faa5ca2, computed with
 *   python3 -c "import zlib; print(hex(zlib.crc32(
 *     ('<!doctype html>\n<title>全国科普教育基地</title>\n' * 40).encode())))" */
static const char LINE[] = "<!doctype html>\n<title>全国科普教育基地</title>\n";
#define TEXT_CRC 0x4faa5ca2u
#define TEXT_LEN 2240u

static char *text(void)
{
    size_t n = strlen(LINE);
    char *t = malloc(40 * n);
    ck_assert_ptr_nonnull(t);
    for (int i = 0; i < 40; i++)
        memcpy(t + i * n, LINE, n);
    ck_assert_uint_eq(40 * n, TEXT_LEN);
    return t;
}

static uint32_t le32(const char *p)
{
    const unsigned char *u = (const unsigned char *)p;
    return u[0] | (uint32_t)u[1] << 8 | (uint32_t)u[2] << 16 | (uint32_t)u[3] << 24;
}

/* gunzip with zlib's inflate (windowBits 15 + 16: gzip only, no zlib or raw). */
static size_t gunzip(const char *in, size_t len, char *out, size_t cap)
{
    z_stream z = { 0 };
    ck_assert_int_eq(inflateInit2(&z, 15 + 16), Z_OK);
    z.next_in = (Bytef *)(uintptr_t)in;
    z.avail_in = (uInt)len;
    z.next_out = (Bytef *)out;
    z.avail_out = (uInt)cap;
    ck_assert_int_eq(inflate(&z, Z_FINISH), Z_STREAM_END);
    ck_assert_uint_eq(z.avail_in, 0);                 /* one member, nothing after it */
    size_t n = z.total_out;
    inflateEnd(&z);
    return n;
}

START_TEST(round_trip)
{
    char *t = text();
    char *gz;
    size_t gz_len;
    ck_assert_int_eq(kp_gzip(t, TEXT_LEN, &gz, &gz_len), KP_OK);
    ck_assert_uint_gt(gz_len, 18);
    ck_assert_uint_lt(gz_len, TEXT_LEN / 10);         /* repetitive text shrinks a lot */
    /* RFC 1952: magic 1f 8b, method 8 (deflate); the trailer is the CRC-32
     * and the length of the input, little-endian */
    ck_assert_uint_eq((unsigned char)gz[0], 0x1f);
    ck_assert_uint_eq((unsigned char)gz[1], 0x8b);
    ck_assert_uint_eq((unsigned char)gz[2], 8);
    ck_assert_uint_eq(le32(gz + gz_len - 8), TEXT_CRC);
    ck_assert_uint_eq(le32(gz + gz_len - 4), TEXT_LEN);
    char back[TEXT_LEN + 16];
    ck_assert_uint_eq(gunzip(gz, gz_len, back, sizeof back), TEXT_LEN);
    ck_assert_mem_eq(back, t, TEXT_LEN);
    free(gz);
    free(t);
}
END_TEST

START_TEST(empty)
{
    char *gz;
    size_t gz_len;
    ck_assert_int_eq(kp_gzip("", 0, &gz, &gz_len), KP_OK);
    ck_assert_uint_eq(le32(gz + gz_len - 8), 0);
    ck_assert_uint_eq(le32(gz + gz_len - 4), 0);
    char back[1];
    ck_assert_uint_eq(gunzip(gz, gz_len, back, sizeof back), 0);
    free(gz);
}
END_TEST

/* Bytes that do not compress still come back whole (deflateBound's room). */
START_TEST(incompressible)
{
    size_t n = 100000;
    char *noise = malloc(n), *back = malloc(n + 16);
    ck_assert(noise && back);
    uint32_t x = 2463534242u;                         /* xorshift32 */
    for (size_t i = 0; i < n; i++) {
        x ^= x << 13, x ^= x >> 17, x ^= x << 5;
        noise[i] = (char)x;
    }
    char *gz;
    size_t gz_len;
    ck_assert_int_eq(kp_gzip(noise, n, &gz, &gz_len), KP_OK);
    ck_assert_uint_ge(gz_len, n);
    ck_assert_uint_eq(gunzip(gz, gz_len, back, n + 16), n);
    ck_assert_mem_eq(back, noise, n);
    free(gz);
    free(noise);
    free(back);
}
END_TEST

static Suite *gzip_suite(void)
{
    Suite *s = suite_create("gzip");
    TCase *tc = tcase_create("gzip");
    tcase_add_test(tc, round_trip);
    tcase_add_test(tc, empty);
    tcase_add_test(tc, incompressible);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return kp_test_run(gzip_suite());
}
