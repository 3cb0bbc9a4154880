/* The certificate of a named base (认定命名, API.md "Naming, bases and
 * certificates"): its number and the payload its signature covers.
 *
 * Numbers are KPJD-<term start year>-<6 digits>, consecutive per term start
 * year from 000001 across the batches of that term: a naming of n bases
 * takes the n numbers after the term's counter (certificate_counters).
 *
 * The canonical payload is built here and nowhere else: the JSON object
 * {"base","category","certificate_no","issuer","named_on","region","term",
 * "unit"} with its keys in that (sorted) order, no white space, UTF-8 with
 * nothing but what JSON must escape escaped, as Python's
 * json.dumps(sort_keys=True, separators=(',', ':'), ensure_ascii=False)
 * writes it (control characters as lowercase \u00xx), so a third party can
 * rebuild the signed bytes from the facts.  The server signs those bytes
 * with Ed25519 (lib/auth/signing.h: kp_sign). */
#ifndef KP_CERTIFICATE_H
#define KP_CERTIFICATE_H

#include <stdbool.h>
#include <stddef.h>

#define KP_CERT_ISSUER  "中国科学技术协会"
#define KP_CERT_NO_LEN  17        /* "KPJD-2021-000001" and a NUL */
#define KP_CERT_SEQ_MAX 999999    /* numbers of one term start year */

/* "KPJD-<year>-<seq, 6 digits>" into out; false (out "") when year is
 * outside 2000–2100 or seq outside 1–KP_CERT_SEQ_MAX. */
bool kp_cert_no_format(int year, int seq, char out[KP_CERT_NO_LEN]);

/* The year and sequence of a well-formed number (exactly the format above,
 * nothing before or after); false otherwise. */
bool kp_cert_no_parse(const char *no, int *year, int *seq);

/* The numbers a naming of n bases (n ≥ 1) takes when the term's counter
 * stood at `last` (0: none given yet): *first = last + 1, up to last + n.
 * false when they would pass KP_CERT_SEQ_MAX (the term's numbers are used
 * up). */
bool kp_cert_range(int last, long long n, int *first);

/* What a certificate states.  Every string is valid UTF-8 and borrowed. */
struct kp_cert_facts {
    const char *base;             /* 基地名称 */
    const char *unit;             /* 申报单位 */
    const char *category;         /* the API's name: "venue", ... */
    const char *region;           /* the region's Chinese name: "北京市" */
    const char *certificate_no;
    const char *named_on;         /* YYYY-MM-DD */
    int term_start_year, term_end_year;
};

/* The canonical payload of `f` (issuer KP_CERT_ISSUER, term "2021-2025",
 * category its Chinese label, 科技场馆类), NUL-terminated, its length in
 * *len when len is not NULL.  Caller frees.  NULL when out of memory or
 * when the category is not one of the six. */
char *kp_cert_payload(const struct kp_cert_facts *f, size_t *len);

#endif
