/* Timestamps as PostgreSQL writes them, as the API shows them.  A
 * connection of kp_db writes timestamptz in ISO style at UTC
 * ("2026-12-07 12:14:28.123456+00"); the API shows RFC 3339 to the second
 * ("2026-12-07T12:14:28Z").  Converting here instead of with to_char()
 * saves PostgreSQL a quarter of a list page's time (to_char reads its
 * format string for every value: 204 of them on a page of 51). */
#ifndef KP_PGTIME_H
#define KP_PGTIME_H

#include <stdbool.h>
#include <stddef.h>

#define KP_RFC3339_LEN 20          /* "YYYY-MM-DDTHH:MM:SSZ" */

/* Writes the `len` bytes of `pg` as RFC 3339 into out (KP_RFC3339_LEN + 1
 * bytes, NUL-terminated), the fraction of a second dropped as to_char
 * drops it.  False, out untouched, for anything but a four-digit year at
 * UTC in ISO style ("infinity", another zone, another DateStyle). */
bool kp_pgtime_rfc3339(const char *pg, size_t len, char *out);

#endif
