/* Field formats shared by several forms.  Each answers whether a value is
 * acceptable; the handlers name the field and say why in Chinese. */
#ifndef KP_VALIDATE_H
#define KP_VALIDATE_H

#include <stdbool.h>

/* A mainland mobile number: 11 digits starting with 1. */
bool kp_valid_mobile(const char *s);

/* An office telephone: 7–20 characters of digits, spaces, + - ( ),
 * with at least 7 digits ("010-68571234", "+86 10 6857 1234"). */
bool kp_valid_phone(const char *s);

/* A mainland China telephone an objector can be called back on: a mobile
 * (11 digits, 1[3-9]…) or a landline with its area code — 010 or 02X and 8
 * digits, or 0XXX and 7 or 8 digits, the local number not starting with 0
 * or 1.  Spaces, hyphens and brackets between digits are ignored; +86 or
 * 0086 in front stands for the country (a landline then drops its 0:
 * "+86 10 6857 1234").  At most 32 characters; no extension. */
bool kp_valid_mainland_phone(const char *s);

/* An RFC 3339 time with a zone ("2021-10-25T16:00:00Z",
 * "2021-10-25T24:00:00+08:00" is refused: hours 00–23), real calendar dates,
 * an offset of at most 14 hours (the furthest any zone is from UTC). */
bool kp_valid_rfc3339(const char *s);

/* A recommender kind: outline_office, national_society, provincial_cast. */
bool kp_valid_recommender_kind(const char *s);
#define KP_RECOMMENDER_KIND_MESSAGE "应为 outline_office、national_society 或 provincial_cast"

/* What a region field that names no region is told (regions are looked up
 * by name in the database, table regions). */
#define KP_REGION_MESSAGE "应为 32 个省级行政区之一的全称，如 北京市"

/* A calendar date "YYYY-MM-DD" (API.md: dates), a real one. */
bool kp_valid_date(const char *s);

#endif
