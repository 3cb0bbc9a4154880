/* Invitation codes (申报邀请码): 12 characters from an alphabet without
 * look-alikes (no 0/O, 1/I/L), the last a check character (Luhn mod 31)
 * over the first 11, so that a mistyped character or two swapped neighbours
 * are caught before any lookup.  Shown as XXXX-XXXX-XXXX; read
 * case-insensitively with hyphens and spaces ignored.  The same alphabet
 * and check make the receipts of objections. */
#ifndef KP_INVITECODE_H
#define KP_INVITECODE_H

#include <stdbool.h>

#define KP_INVITECODE_LEN 12
#define KP_INVITECODE_SHOWN 14   /* with two hyphens */

/* A fresh random code (12 characters and a NUL). */
void kp_invitecode_new(char out[KP_INVITECODE_LEN + 1]);

/* Reads what a user typed into the canonical 12 characters.  false when it
 * is not 12 characters of the alphabet or the check character is wrong. */
bool kp_invitecode_parse(const char *typed, char out[KP_INVITECODE_LEN + 1]);

/* The check character for 11 characters of the alphabet ('\0' otherwise). */
char kp_invitecode_check_char(const char *code11);

/* Objection receipts (异议回执, API.md): 16 characters of the same
 * alphabet, the last the same kind of check character over the first 15,
 * read the same way as codes. */
#define KP_RECEIPT_LEN 16
void kp_invitecode_receipt_new(char out[KP_RECEIPT_LEN + 1]);
bool kp_invitecode_receipt_parse(const char *typed, char out[KP_RECEIPT_LEN + 1]);

/* "ABCD-EFGH-JKMN" for display. */
void kp_invitecode_show(const char *code, char out[KP_INVITECODE_SHOWN + 1]);

#endif
