/* openapi.json, compiled in by cmake/embed.cmake. */
#ifndef KP_OPENAPI_H
#define KP_OPENAPI_H

#include <stddef.h>

extern const char kp_openapi_json[];
extern const size_t kp_openapi_json_len;

#endif
