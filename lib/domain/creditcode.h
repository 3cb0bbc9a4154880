/* The unified social credit code (统一社会信用代码, GB 32100-2015): 18
 * characters from 0-9 and the capitals without I O S V Z; the 18th is a
 * check character over the first 17 (weights 3^i mod 31, sum mod 31). */
#ifndef KP_CREDITCODE_H
#define KP_CREDITCODE_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#define KP_CREDITCODE_LEN 18

enum kp_creditcode_verdict {
    KP_CREDITCODE_OK,
    KP_CREDITCODE_LENGTH,     /* not 18 characters */
    KP_CREDITCODE_CHARSET,    /* a character outside the code's alphabet */
    KP_CREDITCODE_CHECK,      /* the 18th character does not match */
};

/* Checks an upper-case code.  Input is not normalised: callers upper-case
 * and trim what users type (kp_creditcode_normalize). */
enum kp_creditcode_verdict kp_creditcode_check(const char *code);

/* The check character for the first 17 characters of `code`, or '\0' when
 * one of them is outside the alphabet. */
char kp_creditcode_check_char(const char *code17);

/* Upper-cases ASCII letters and drops spaces, into out (n bytes).  false
 * when the result does not fit. */
bool kp_creditcode_normalize(const char *in, char *out, size_t n);

/* A code as someone typed it into form field `field`: normalised into out
 * and checked.  On false `errors` (an array) has the field's error: code
 * length, charset or check, with a Chinese message. */
bool kp_creditcode_take(const char *typed, char out[KP_CREDITCODE_LEN + 1], const char *field,
                        json_t *errors);

#endif
