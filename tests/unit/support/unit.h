/* What every unit test shares: running its suite, finding files of the
 * source tree, and socket addresses from literals.  Compiled into the
 * kpjd_testsupport library that each test_*.c links (tests/unit/CMakeLists.txt). */
#ifndef KP_TEST_UNIT_H
#define KP_TEST_UNIT_H

#include <check.h>
#include <stddef.h>
#include <sys/socket.h>

/* Runs every test of `s` (CK_NORMAL output) and frees it; EXIT_SUCCESS
 * when none failed, else EXIT_FAILURE: main's return value. */
int kp_test_run(Suite *s);

/* The path of `rel` (e.g. "migrations/0002_accounts.sql") in the source
 * tree this file was compiled from, in out[size]; fails the test when it
 * does not fit. */
void kp_test_source_path(const char *rel, char *out, size_t size);

/* A socket address for a literal IP, IPv6 when it holds a colon; fails the
 * test when it is not one. */
struct sockaddr_storage kp_test_sockaddr(const char *literal);

#endif
