/* What the printable documents of an application say about it (API.md,
 * "Unit profiles and printable documents"): its 申报编号, whether it counts
 * as submitted, and times as a reader in China reads them. */
#ifndef KP_APPDOC_H
#define KP_APPDOC_H

#include <stdbool.h>
#include <stddef.h>

/* Big enough for any 申报编号 (a batch code is at most 64 characters). */
#define KP_APPDOC_NUMBER_MAX (64 * 4 + 1 + 20 + 1)
/* Big enough for any kp_appdoc_beijing text. */
#define KP_APPDOC_TIME_MAX 64

/* The 申报编号: the batch code, a hyphen, and the application id padded
 * with zeros to six digits ("2026-000042"; a seventh digit when the id
 * needs it).  Into out (n bytes); false when it does not fit or id < 1. */
bool kp_appdoc_number(const char *batch_code, long long id, char *out, size_t n);

/* Whether the application counts as submitted for its documents: it was
 * submitted (submitted_at is set) and is not back in the unit's hands
 * (draft, returned).  Until then the form is a draft (watermarked) and has
 * no receipt. */
bool kp_appdoc_submitted(const char *status, bool has_submitted_at);

/* An RFC 3339 UTC time ("2026-12-07T10:05:00Z", as the API writes times)
 * in Beijing time, UTC+8 (China has kept no summer time since 1991):
 * "2026年12月7日 18:05（北京时间）", into out (n bytes).  false when `utc`
 * is not such a time or out is too small. */
bool kp_appdoc_beijing(const char *utc, char *out, size_t n);

#endif
