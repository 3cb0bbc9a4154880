/* Errors as values.  Every function that can fail returns an enum kp_err;
 * KP_OK is zero so `if (err)` reads naturally. */
#ifndef KP_ERR_H
#define KP_ERR_H

enum kp_err {
    KP_OK = 0,
    KP_E_NOMEM,        /* allocation failed */
    KP_E_INVAL,        /* bad input; the caller has the details */
    KP_E_IO,           /* file or socket error; errno is meaningful */
    KP_E_NOT_FOUND,    /* no such thing */
    KP_E_DB,           /* the database refused a statement (a bug or a constraint) */
    KP_E_DB_GONE,      /* the database is unreachable: answer 503 */
    KP_E_DB_RETRY,     /* serialization failure or deadlock: run the transaction again */
    KP_E_DB_SLOW,      /* a statement or lock wait outran its time limit: answer 503 */
    KP_E_DB_UNIQUE,    /* a unique constraint was violated */
    KP_E_DB_CHECK,     /* a check constraint was violated (kp_db_last_constraint names it) */
    KP_E_SCHEMA,       /* the database schema is not the one this build speaks */
};

/* A short English name of the error, for logs.  Static storage. */
const char *kp_err_str(enum kp_err err);

#endif
