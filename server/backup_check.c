/* kpjdd backup-check: what an operator runs on a restored database before
 * serving from it.  It recomputes the audit chain against every checkpoint
 * (the same kp_audit_verify as GET /audit/verify) and hashes every complete
 * attachment's chunks, in order, against the size and SHA-256 recorded at
 * upload.  Read-only; connects as db.conninfo, which the application role
 * suffices for.  Prints what it checked and every mismatch; exit status 0
 * when everything holds, 1 otherwise. */

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "audit.h"
#include "cli.h"
#include "db.h"
#include "migrate.h"
#include "signing.h"

#define PAGE 500   /* attachments listed per transaction */
#define STR_(x) #x
#define STR(x) STR_(x)

static const struct kp_stmt SQL_LIST = {
    "backup_check_list",
    "SELECT id, size, sha256 FROM attachments"
    " WHERE complete AND id > $1 ORDER BY id LIMIT " STR(PAGE),
    1,
};

static const struct kp_stmt SQL_CHUNK = {
    "backup_check_chunk",
    "SELECT data FROM attachment_chunks WHERE attachment_id = $1 AND seq = $2",
    2,
};

struct verify {
    const struct kp_keyring *keys;
    struct kp_audit_verdict v;
};

static enum kp_err verify_tx(struct kp_db *db, void *arg)
{
    struct verify *x = arg;
    return kp_audit_verify(db, x->keys, &x->v);
}

struct page {
    char after[24];
    PGresult *rows;
};

static enum kp_err list_tx(struct kp_db *db, void *arg)
{
    struct page *p = arg;
    const char *params[] = { p->after };
    PQclear(p->rows);
    p->rows = NULL;
    return kp_db_exec(db, &SQL_LIST, params, &p->rows);
}

/* One attachment, hashed chunk by chunk (one in memory at a time). */
struct file {
    const char *id;
    long long size;
    long long seen;                  /* bytes hashed */
    long long missing;               /* the first chunk not found, -1: none */
    char hex[crypto_hash_sha256_BYTES * 2 + 1];
};

static enum kp_err hash_tx(struct kp_db *db, void *arg)
{
    struct file *f = arg;
    crypto_hash_sha256_state st;
    crypto_hash_sha256_init(&st);
    f->seen = 0;
    f->missing = -1;
    /* Every chunk holds at least a byte, so `size` bytes take at most `size`
     * chunks; a zero-length file has none. */
    for (long long seq = 0; f->seen < f->size && seq < f->size && seq < INT_MAX; seq++) {
        char s[24];
        snprintf(s, sizeof s, "%lld", seq);
        const char *params[] = { f->id, s };
        PGresult *res;
        enum kp_err err = kp_db_exec_binary(db, &SQL_CHUNK, params, NULL, NULL, true, &res);
        if (err)
            return err;
        if (PQntuples(res) != 1 || PQgetlength(res, 0, 0) == 0) {
            PQclear(res);
            f->missing = seq;
            break;
        }
        int n = PQgetlength(res, 0, 0);
        crypto_hash_sha256_update(&st, (const unsigned char *)PQgetvalue(res, 0, 0),
                                  (unsigned long long)n);
        f->seen += n;
        PQclear(res);
    }
    unsigned char digest[crypto_hash_sha256_BYTES];
    crypto_hash_sha256_final(&st, digest);
    sodium_bin2hex(f->hex, sizeof f->hex, digest, sizeof digest);
    return KP_OK;
}

enum verdict { MATCH, MISMATCH, UNREADABLE };

/* Whether one attachment's bytes match its row; prints why not. */
static enum verdict check_file(struct kp_db *db, const char *id, const char *size,
                               const char *sha256)
{
    struct file f = { .id = id, .size = strtoll(size, NULL, 10) };
    if (kp_db_tx(db, KP_TX_READ_ONLY, hash_tx, &f) != KP_OK) {
        printf("backup-check: attachment %s: cannot read its chunks\n", id);
        return UNREADABLE;
    }
    if (f.missing >= 0)
        printf("backup-check: attachment %s: chunk %lld missing or empty (%lld of %lld bytes)\n",
               id, f.missing, f.seen, f.size);
    else if (f.seen != f.size)
        printf("backup-check: attachment %s: chunks hold %lld bytes, recorded size %lld\n",
               id, f.seen, f.size);
    else if (strcmp(f.hex, sha256) != 0)
        printf("backup-check: attachment %s: bytes hash to %s, recorded sha256 %s\n",
               id, f.hex, sha256);
    else
        return MATCH;
    return MISMATCH;
}

/* Every complete attachment, PAGE at a time; counts those checked and those
 * not matching.  False when the database failed us before the end. */
static bool check_attachments(struct kp_db *db, long long *checked, long long *bad,
                              long long *bytes)
{
    struct page p = { .after = "0" };
    for (;;) {                              /* ends: ids only grow, the table is finite */
        if (kp_db_tx(db, KP_TX_READ_ONLY, list_tx, &p) != KP_OK) {
            printf("backup-check: cannot list the attachments\n");
            PQclear(p.rows);
            return false;
        }
        int n = PQntuples(p.rows);
        for (int i = 0; i < n; i++) {
            const char *id = PQgetvalue(p.rows, i, 0), *size = PQgetvalue(p.rows, i, 1);
            enum verdict v = check_file(db, id, size, PQgetvalue(p.rows, i, 2));
            if (v == UNREADABLE) {
                PQclear(p.rows);
                return false;
            }
            ++*checked;
            *bytes += strtoll(size, NULL, 10);
            *bad += v == MISMATCH;
        }
        if (n > 0)
            snprintf(p.after, sizeof p.after, "%s", PQgetvalue(p.rows, n - 1, 0));
        PQclear(p.rows);
        p.rows = NULL;
        if (n < PAGE)
            return true;
    }
}

int kp_cli_backup_check(const struct kp_config *cfg)
{
    char why[512];
    static struct kp_keyring keys;   /* static: a few KB of keys off the stack */
    if (kp_keyring_load(&keys, cfg->crypto.signing_key, cfg->crypto.retired_keys, why,
                        sizeof why) != KP_OK) {
        fprintf(stderr, "kpjdd: backup-check: crypto: %s\n", why);
        return 1;
    }
    const struct kp_db_options opt = { cfg->db.conninfo, cfg->db.connect_timeout,
                                       cfg->db.statement_timeout, cfg->db.tx_retries, NULL };
    struct kp_db *db = kp_db_new(&opt);
    if (db == NULL || kp_db_ensure(db) != KP_OK) {
        fprintf(stderr, "kpjdd: backup-check: cannot connect to the database (db.conninfo)\n");
        kp_db_free(db);
        kp_keyring_clear(&keys);
        return 1;
    }
    int status = 1;
    enum kp_schema_state state;
    enum kp_err err = kp_schema_check(kp_db_conn(db), kp_migrations, kp_migrations_count, &state,
                                      why, sizeof why);
    if (err || state != KP_SCHEMA_CURRENT) {
        printf("backup-check: schema not as this kpjdd knows it (%s)\n",
               err ? kp_err_str(err) : why);
        goto out;
    }
    struct verify x = { .keys = &keys };
    if (kp_db_tx(db, KP_TX_READ_ONLY, verify_tx, &x) != KP_OK) {
        printf("backup-check: cannot read the audit trail\n");
        goto out;
    }
    printf("backup-check: audit trail: %lld rows, %lld checkpoints: %s\n", x.v.count,
           x.v.checkpoints, x.v.ok ? "the chain and every checkpoint hold" : x.v.problem);
    long long checked = 0, bad = 0, bytes = 0;
    bool listed = check_attachments(db, &checked, &bad, &bytes);
    printf("backup-check: attachments: %lld checked (%lld bytes), %lld not matching their "
           "SHA-256%s\n", checked, bytes, bad, listed ? "" : " (stopped early)");
    if (x.v.ok && listed && bad == 0)
        status = 0;
    printf("backup-check: %s\n", status == 0 ? "ok" : "FAILED");
out:
    kp_db_free(db);
    kp_keyring_clear(&keys);
    return status;
}
