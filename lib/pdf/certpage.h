/* The certificate of a 全国科普教育基地 (API.md, "Naming, bases and
 * certificates"): one A4 landscape page, set in Chinese, with a decorative
 * border and a QR code of the base's public verification page. */
#ifndef KP_CERTPAGE_H
#define KP_CERTPAGE_H

#include <stdbool.h>
#include <stddef.h>

#include "err.h"
#include "pdf.h"

/* the issuer the signed payload names (API.md): render may not include
 * lib/domain, whose certificate module builds that payload */
#define KP_CERTPAGE_ISSUER "中国科学技术协会"

/* What a certificate says; strings borrowed for the call. */
struct kp_certpage {
    const char *certificate_no;   /* KPJD-2021-000001 */
    const char *base_name;
    const char *unit_name;
    int term_start_year, term_end_year;
    const char *named_on;         /* YYYY-MM-DD */
    const char *verify_url;       /* the QR code's text: <web.public_url>/verify/<certificate_no> */
};

/* Draws `c` as the next page of d.  KP_E_INVAL when named_on is not a date;
 * otherwise the document's error (kp_pdf_end_page). */
enum kp_err kp_certpage_draw(struct kp_pdf *d, const struct kp_certpage *c);

/* A date YYYY-MM-DD in Chinese numerals as certificates write it:
 * "2021-11-10" → "二〇二一年十一月十日", into out (n bytes).  false when
 * `iso` is not a real date of years 1000–9999 or out is too small. */
bool kp_certpage_date(const char *iso, char *out, size_t n);

#endif
