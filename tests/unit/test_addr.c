/* lib/addr: listen addresses (literals only) and the /metrics allow lists. */
#include <arpa/inet.h>
#include <check.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "addr.h"
#include "support/unit.h"

static bool match(const struct kp_addr_list *list, const char *text)
{
    struct sockaddr_storage ss = kp_test_sockaddr(text);
    return kp_addr_list_match(list, (const struct sockaddr *)&ss);
}

static struct kp_addr_list parse_ok(const char *text)
{
    struct kp_addr_list list;
    ck_assert_msg(kp_addr_list_parse(text, &list) == KP_OK, "'%s' refused", text);
    return list;
}

START_TEST(listen_v4)
{
    struct sockaddr_storage ss;
    socklen_t len = 0;
    ck_assert_int_eq(kp_addr_parse_listen("127.0.0.1:8080", &ss, &len), KP_OK);
    ck_assert_uint_eq(len, sizeof(struct sockaddr_in));
    const struct sockaddr_in *a = (const struct sockaddr_in *)&ss;
    ck_assert_int_eq(a->sin_family, AF_INET);
    ck_assert_uint_eq(ntohs(a->sin_port), 8080);
    ck_assert_uint_eq(ntohl(a->sin_addr.s_addr), 0x7f000001);

    ck_assert_int_eq(kp_addr_parse_listen("0.0.0.0:0", &ss, &len), KP_OK);
    ck_assert_uint_eq(ntohs(a->sin_port), 0);
    ck_assert_int_eq(kp_addr_parse_listen("10.1.2.3:65535", &ss, &len), KP_OK);
    ck_assert_uint_eq(ntohs(a->sin_port), 65535);
}
END_TEST

START_TEST(listen_v6)
{
    struct sockaddr_storage ss;
    socklen_t len = 0;
    ck_assert_int_eq(kp_addr_parse_listen("[::1]:8443", &ss, &len), KP_OK);
    ck_assert_uint_eq(len, sizeof(struct sockaddr_in6));
    const struct sockaddr_in6 *a = (const struct sockaddr_in6 *)&ss;
    ck_assert_int_eq(a->sin6_family, AF_INET6);
    ck_assert_uint_eq(ntohs(a->sin6_port), 8443);
    ck_assert(IN6_IS_ADDR_LOOPBACK(&a->sin6_addr));

    ck_assert_int_eq(kp_addr_parse_listen("[::]:80", &ss, &len), KP_OK);
    ck_assert(IN6_IS_ADDR_UNSPECIFIED(&a->sin6_addr));
    ck_assert_int_eq(kp_addr_parse_listen("[2001:db8::5]:1", &ss, &len), KP_OK);
    ck_assert_uint_eq(ntohs(a->sin6_port), 1);
}
END_TEST

START_TEST(listen_refused)
{
    const char *bad[] = {
        "127.0.0.1:65536",      /* port out of range */
        "127.0.0.1:99999",
        "127.0.0.1:100000",
        "127.0.0.1",            /* no port */
        "127.0.0.1:",
        "[::1]",
        "[::1]:",
        "[::1]8080",
        "::1:8080",             /* IPv6 without brackets */
        "localhost:8080",       /* host names are not resolved */
        "example.com:80",
        "[localhost]:80",
        "[127.0.0.1]:80",       /* brackets hold IPv6 only */
        "1.2.3:80",
        "256.0.0.1:80",
        "1.2.3.4:8o",
        "1.2.3.4:-1",
        "1.2.3.4:+80",
        "1.2.3.4: 80",
        ":80",
        "",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        struct sockaddr_storage ss;
        socklen_t len = 0;
        ck_assert_msg(kp_addr_parse_listen(bad[i], &ss, &len) == KP_E_INVAL,
                      "'%s' accepted", bad[i]);
    }
}
END_TEST

START_TEST(format)
{
    char buf[64];
    struct sockaddr_storage ss;
    socklen_t len;
    ck_assert_int_eq(kp_addr_parse_listen("192.168.0.1:8080", &ss, &len), KP_OK);
    kp_addr_format((const struct sockaddr *)&ss, buf, sizeof buf);
    ck_assert_str_eq(buf, "192.168.0.1:8080");
    ck_assert_int_eq(kp_addr_parse_listen("[2001:DB8:0:0::1]:443", &ss, &len), KP_OK);
    kp_addr_format((const struct sockaddr *)&ss, buf, sizeof buf);
    ck_assert_str_eq(buf, "[2001:db8::1]:443");
    ck_assert_int_eq(kp_addr_parse_listen("0.0.0.0:0", &ss, &len), KP_OK);
    kp_addr_format((const struct sockaddr *)&ss, buf, sizeof buf);
    ck_assert_str_eq(buf, "0.0.0.0:0");

    struct sockaddr un = { .sa_family = AF_UNIX };
    kp_addr_format(&un, buf, sizeof buf);
    ck_assert_str_eq(buf, "?");

    /* a short buffer is truncated, still terminated */
    ck_assert_int_eq(kp_addr_parse_listen("192.168.0.1:8080", &ss, &len), KP_OK);
    kp_addr_format((const struct sockaddr *)&ss, buf, 8);
    ck_assert_str_eq(buf, "192.168");
}
END_TEST

START_TEST(list_exact_hosts)
{
    struct kp_addr_list l = parse_ok("127.0.0.1 ::1");
    ck_assert_uint_eq(l.n, 2);
    ck_assert_int_eq(l.nets[0].family, AF_INET);
    ck_assert_uint_eq(l.nets[0].prefix, 32);
    ck_assert_int_eq(l.nets[1].family, AF_INET6);
    ck_assert_uint_eq(l.nets[1].prefix, 128);
    ck_assert(match(&l, "127.0.0.1"));
    ck_assert(match(&l, "::1"));
    ck_assert(!match(&l, "127.0.0.2"));
    ck_assert(!match(&l, "::2"));
    ck_assert(!match(&l, "10.0.0.1"));
}
END_TEST

START_TEST(list_cidr_v4)
{
    struct kp_addr_list l = parse_ok("10.0.0.0/8,192.168.1.5/32 , 172.16.0.0/12");
    ck_assert_uint_eq(l.n, 3);
    ck_assert(match(&l, "10.0.0.0"));
    ck_assert(match(&l, "10.255.255.255"));
    ck_assert(!match(&l, "11.0.0.0"));
    ck_assert(!match(&l, "9.255.255.255"));
    ck_assert(match(&l, "192.168.1.5"));
    ck_assert(!match(&l, "192.168.1.4"));
    ck_assert(match(&l, "172.16.0.1"));        /* /12: not on a byte boundary */
    ck_assert(match(&l, "172.31.255.255"));
    ck_assert(!match(&l, "172.32.0.0"));
    ck_assert(!match(&l, "172.15.255.255"));
    ck_assert(!match(&l, "::1"));
}
END_TEST

START_TEST(list_cidr_zero)
{
    struct kp_addr_list l = parse_ok("0.0.0.0/0");
    ck_assert(match(&l, "1.2.3.4"));
    ck_assert(match(&l, "255.255.255.255"));
    ck_assert(match(&l, "::ffff:8.8.8.8"));     /* mapped: an IPv4 address */
    ck_assert(!match(&l, "2001:db8::1"));        /* v4 /0 is not "everything" */
    l = parse_ok("::/0");
    ck_assert(match(&l, "2001:db8::1"));
    ck_assert(!match(&l, "1.2.3.4"));
}
END_TEST

START_TEST(list_cidr_v6)
{
    struct kp_addr_list l = parse_ok("2001:db8:1:2::/64");
    ck_assert(match(&l, "2001:db8:1:2::1"));
    ck_assert(match(&l, "2001:db8:1:2:ffff:ffff:ffff:ffff"));
    ck_assert(!match(&l, "2001:db8:1:3::1"));
    ck_assert(!match(&l, "2001:db8::1"));
    l = parse_ok("fe80::/10");
    ck_assert(match(&l, "febf::1"));
    ck_assert(!match(&l, "fec0::1"));
}
END_TEST

START_TEST(list_v4_mapped)
{
    struct kp_addr_list l = parse_ok("127.0.0.1 10.0.0.0/8");
    ck_assert(match(&l, "::ffff:127.0.0.1"));
    ck_assert(match(&l, "::ffff:10.9.8.7"));
    ck_assert(!match(&l, "::ffff:127.0.0.2"));
    ck_assert(!match(&l, "::ffff:11.0.0.1"));
    ck_assert(!match(&l, "::127.0.0.1"));        /* v4-compatible is not mapped */
}
END_TEST

START_TEST(list_empty_and_other_families)
{
    struct kp_addr_list l = parse_ok("");
    ck_assert_uint_eq(l.n, 0);
    ck_assert(!match(&l, "127.0.0.1"));
    l = parse_ok("  , ,\t");
    ck_assert_uint_eq(l.n, 0);
    l = parse_ok("0.0.0.0/0 ::/0");
    struct sockaddr un = { .sa_family = AF_UNIX };
    ck_assert(!kp_addr_list_match(&l, &un));
}
END_TEST

START_TEST(list_refused)
{
    const char *bad[] = {
        "localhost", "127.0.0.1 example.com", "10.0.0.0/33", "::/129", "10.0.0.0/",
        "10.0.0.0/x", "10.0.0.0/8x", "10.0.0.0/-1", "/8", "1.2.3.4.5", "10.0.0.0/8/8",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        struct kp_addr_list l;
        ck_assert_msg(kp_addr_list_parse(bad[i], &l) == KP_E_INVAL, "'%s' accepted", bad[i]);
    }
}
END_TEST

START_TEST(list_capacity)
{
    char text[1024] = "";
    for (int i = 0; i < KP_ADDR_LIST_MAX; i++) {
        char one[24];
        snprintf(one, sizeof one, "10.0.0.%d ", i);
        strcat(text, one);
    }
    struct kp_addr_list l = parse_ok(text);
    ck_assert_uint_eq(l.n, KP_ADDR_LIST_MAX);
    ck_assert(match(&l, "10.0.0.31"));
    strcat(text, "10.0.0.99");
    ck_assert_int_eq(kp_addr_list_parse(text, &l), KP_E_INVAL);
}
END_TEST

/* X-Forwarded-For behind trusted proxies: the first untrusted address from
 * the right is the client; anything malformed keeps the peer. */
START_TEST(forwarded_client)
{
    struct kp_addr_list trusted;
    char out[64];
    ck_assert_int_eq(kp_addr_list_parse("10.0.0.0/8 ::1", &trusted), KP_OK);

    ck_assert(kp_addr_forwarded_client("203.0.113.7", &trusted, out, sizeof out));
    ck_assert_str_eq(out, "203.0.113.7");
    /* a client-forged left part is passed over: the proxy appended the real one */
    ck_assert(kp_addr_forwarded_client("1.2.3.4, 203.0.113.7, 10.1.1.1", &trusted, out, sizeof out));
    ck_assert_str_eq(out, "203.0.113.7");
    ck_assert(kp_addr_forwarded_client(" 2001:db8::5 ,::1", &trusted, out, sizeof out));
    ck_assert_str_eq(out, "2001:db8::5");

    strcpy(out, "untouched");
    ck_assert(!kp_addr_forwarded_client("10.0.0.1, 10.0.0.2", &trusted, out, sizeof out));
    ck_assert(!kp_addr_forwarded_client("not-an-ip", &trusted, out, sizeof out));
    ck_assert(!kp_addr_forwarded_client("203.0.113.7, evil", &trusted, out, sizeof out));
    ck_assert(!kp_addr_forwarded_client("203.0.113.7,,", &trusted, out, sizeof out));
    ck_assert(!kp_addr_forwarded_client("", &trusted, out, sizeof out));
    ck_assert(!kp_addr_forwarded_client(NULL, &trusted, out, sizeof out));
    ck_assert_str_eq(out, "untouched");
}
END_TEST

static Suite *addr_suite(void)
{
    Suite *s = suite_create("addr");
    TCase *tc = tcase_create("addr");
    tcase_add_test(tc, listen_v4);
    tcase_add_test(tc, listen_v6);
    tcase_add_test(tc, listen_refused);
    tcase_add_test(tc, format);
    tcase_add_test(tc, list_exact_hosts);
    tcase_add_test(tc, list_cidr_v4);
    tcase_add_test(tc, list_cidr_zero);
    tcase_add_test(tc, list_cidr_v6);
    tcase_add_test(tc, list_v4_mapped);
    tcase_add_test(tc, list_empty_and_other_families);
    tcase_add_test(tc, list_refused);
    tcase_add_test(tc, list_capacity);
    tcase_add_test(tc, forwarded_client);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return kp_test_run(addr_suite());
}
