/* UTF-8 as RFC 3629 defines it — no overlong forms, no surrogates
 * (U+D800–U+DFFF), nothing above U+10FFFF — and the characters that change
 * how text looks rather than what it says.  Query strings, file names and
 * log lines are all judged by this one decoder. */
#ifndef KP_UTF8_H
#define KP_UTF8_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The length (1–4) of the character that starts `s` (n bytes available),
 * its code point in *cp; 0 when the bytes there are not one, or n is 0. */
size_t kp_utf8_next(const char *s, size_t n, uint32_t *cp);

/* Whether n bytes of s are UTF-8 in whole characters.  A NUL is valid
 * UTF-8: callers that want none check for it. */
bool kp_utf8_valid(const char *s, size_t n);

/* C0 controls, DEL and the C1 controls (U+0080–U+009F). */
bool kp_utf8_is_control(uint32_t cp);

/* The invisible characters that reorder text around them: the marks
 * U+200E, U+200F, U+061C, the embeddings and overrides U+202A–U+202E and
 * the isolates U+2066–U+2069.  "abc<U+202E>fdp.exe" displays as
 * "abcexe.pdf". */
bool kp_utf8_is_bidi_control(uint32_t cp);

#endif
