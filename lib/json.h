/* JSON in: request bodies parsed strictly, and fields taken by a typed spec
 * that names every bad field in the answer.  Lengths count characters
 * (code points), not bytes: Chinese text is the normal case. */
#ifndef KP_JSON_H
#define KP_JSON_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "err.h"

/* Parses a request body: valid UTF-8, no duplicate keys, an object at the
 * top.  On KP_E_INVAL `why` says what is wrong (jansson's text with its
 * position).  Caller owns *out. */
enum kp_err kp_json_parse_body(const char *buf, size_t len, json_t **out,
                               char *why, size_t why_len);

/* Number of UTF-8 code points in a valid UTF-8 string. */
size_t kp_utf8_chars(const char *s);

/* The length in bytes of the longest prefix of s (valid UTF-8) that fits in
 * max bytes without cutting a character. */
size_t kp_utf8_prefix(const char *s, size_t max);

/* The shortest decimal text of x that reads back as x (strtod), as JSON
 * writes a number: 0.3 → "0.3", 1.0 → "1", 1e-9 → "1e-09", 0.1 + 0.2 →
 * "0.30000000000000004".  A number a client sent with at most 15
 * significant digits comes back as it was written, give or take trailing
 * zeros and the spelling of an exponent; this is the text to read when its
 * decimal value matters (kp_sample_rate_parse).  false for NaN and the
 * infinities, which JSON cannot hold. */
#define KP_JSON_NUMBER_TEXT 32
bool kp_json_number_text(double x, char out[KP_JSON_NUMBER_TEXT]);

enum kp_jtype { KP_J_STRING, KP_J_INT, KP_J_NUMBER, KP_J_BOOL, KP_J_OBJECT, KP_J_ARRAY };

/* One field of a spec.  `out` points to: const char * (STRING, borrowed from
 * the parsed document), long long (INT), double (NUMBER), bool (BOOL),
 * json_t * (OBJECT and ARRAY, borrowed; an array's min and max bound its
 * number of elements, which the caller takes one by one).  Outputs of absent optional fields are left as
 * they were, and `present` (when non-NULL) says whether the field was sent.
 * A null is a type error unless the field is `nullable`. */
struct kp_jfield {
    const char   *name;           /* NULL ends the spec */
    enum kp_jtype type;
    void         *out;
    bool          optional;
    long long     min, max;       /* INT and NUMBER: range; STRING: length in characters */
    bool         *present;
    bool          nullable;       /* null is taken: `out` is left as it was, `present` set */
};

#define KP_JSTRING(n, o, lo, hi)  { (n), KP_J_STRING, (o), false, (lo), (hi), NULL, false }
#define KP_JINT(n, o, lo, hi)     { (n), KP_J_INT, (o), false, (lo), (hi), NULL, false }
#define KP_JNUMBER(n, o, lo, hi)  { (n), KP_J_NUMBER, (o), false, (lo), (hi), NULL, false }
#define KP_JBOOL(n, o)            { (n), KP_J_BOOL, (o), false, 0, 0, NULL, false }
#define KP_JOBJECT(n, o)          { (n), KP_J_OBJECT, (o), false, 0, 0, NULL, false }
#define KP_JARRAY(n, o, lo, hi)   { (n), KP_J_ARRAY, (o), false, (lo), (hi), NULL, false }
/* An optional field of any type; `seen` (bool *, may be NULL) tells whether it was sent. */
#define KP_JOPTIONAL(n, type, o, lo, hi, seen) { (n), (type), (o), true, (lo), (hi), (seen), false }
/* An optional field that may be null, as a change that clears a value
 * sends it: start `o` at what no valid value is (NULL for a string, 0 for
 * an INT whose lo is 1), and after the take `seen` with `o` unchanged
 * means null. */
#define KP_JNULLABLE(n, type, o, lo, hi, seen) { (n), (type), (o), true, (lo), (hi), (seen), true }
#define KP_JEND                   { NULL, 0, NULL, false, 0, 0, NULL, false }

/* Takes the fields of `spec` from `obj`.  Every problem is appended to
 * `errors` (an array) as {"field","code","message"}, the field path being
 * `prefix` + name ("form.profile"); codes: required, type, range, too_short
 * (a string of only blanks counts as empty when min ≥ 1), too_long, unknown.  Fields not in the spec are errors unless
 * `allow_unknown`.  Returns KP_OK when nothing was appended. */
enum kp_err kp_json_take(const json_t *obj, const struct kp_jfield *spec,
                         const char *prefix, bool allow_unknown, json_t *errors);

#endif
