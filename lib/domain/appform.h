/* The application form (申报表, API.md "Applications"): which keys it has,
 * what each may hold, and what a submission needs.  Lengths count
 * characters, not bytes. */
#ifndef KP_APPFORM_H
#define KP_APPFORM_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#define KP_HONORS_MAX 50

/* Checks the `form` object of a PATCH: known keys only, each of its type
 * and within its range; null clears a key.  Field errors are appended to
 * `errors` as "form.<key>" ("form.honors.2.date").  Returns whether none
 * were. */
bool kp_appform_check(const json_t *patch, json_t *errors);

/* Merges a checked patch into a stored form: null removes the key.  The
 * stored form is modified. */
void kp_appform_merge(json_t *form, const json_t *patch);

/* Appends a "required" error for each part a submission lacks: base_name,
 * category, every form field but honors, and the application_form
 * attachment ("attachments.application_form"). */
void kp_appform_missing(const char *base_name, const char *category, const json_t *form,
                        bool has_application_form, json_t *errors);

/* The form's i-th key in the order of the printed form, with its Chinese
 * label (static) and whether it holds a long text; NULL past the last.
 * "honors" is one of them: an array of {title, issuer, date}. */
const char *kp_appform_key(size_t i, const char **label, bool *long_text);

#endif
