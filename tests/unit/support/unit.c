#include "unit.h"

#include <arpa/inet.h>
#include <libgen.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int kp_test_run(Suite *s)
{
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

void kp_test_source_path(const char *rel, char *out, size_t size)
{
    /* this file is <root>/tests/unit/support/unit.c */
    char src[] = __FILE__;
    int n = snprintf(out, size, "%s/../../../%s", dirname(src), rel);
    ck_assert_msg(n > 0 && (size_t)n < size, "path of %s too long", rel);
}

struct sockaddr_storage kp_test_sockaddr(const char *literal)
{
    struct sockaddr_storage ss;
    memset(&ss, 0, sizeof ss);
    if (strchr(literal, ':')) {
        struct sockaddr_in6 *a = (struct sockaddr_in6 *)&ss;
        a->sin6_family = AF_INET6;
        ck_assert_int_eq(inet_pton(AF_INET6, literal, &a->sin6_addr), 1);
    } else {
        struct sockaddr_in *a = (struct sockaddr_in *)&ss;
        a->sin_family = AF_INET;
        ck_assert_int_eq(inet_pton(AF_INET, literal, &a->sin_addr), 1);
    }
    return ss;
}
