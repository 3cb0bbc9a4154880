#include "err.h"

const char *kp_err_str(enum kp_err err)
{
    switch (err) {
    case KP_OK:          return "ok";
    case KP_E_NOMEM:     return "out of memory";
    case KP_E_INVAL:     return "invalid input";
    case KP_E_IO:        return "i/o error";
    case KP_E_NOT_FOUND: return "not found";
    case KP_E_DB:        return "database error";
    case KP_E_DB_GONE:   return "database unreachable";
    case KP_E_DB_RETRY:  return "serialization failure";
    case KP_E_DB_SLOW:   return "statement timeout";
    case KP_E_DB_UNIQUE: return "unique violation";
    case KP_E_DB_CHECK:  return "check violation";
    case KP_E_SCHEMA:    return "schema mismatch";
    }
    return "unknown error";
}
