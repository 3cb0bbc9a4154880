/* Request ids: echoed when the client sent a sane one, made up otherwise. */
#ifndef KP_REQID_H
#define KP_REQID_H

#include <stdbool.h>

#define KP_REQID_MAX 64

/* 1 to 64 characters of [A-Za-z0-9._:-]: safe to log and to echo. */
bool kp_reqid_is_sane(const char *id);

/* 32 random hex characters and a NUL. */
void kp_reqid_new(char out[33]);

#endif
