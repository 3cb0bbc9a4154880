/* Certificates as PDF (API.md, "Naming, bases and certificates"): a base's
 * own, for the admin and the base's applicant; a batch's print file, one
 * page per base in certificate-number order, for the admin.  Rendering is
 * slow work: both routes run on the pool, and the document streams
 * (kp_req_pooled_blocks): each block of the answer renders the next pages,
 * reading the bases BLOCK at a time by keyset, so memory holds one block of
 * rows and one page however large the batch (lib/pdf/pdf.h). */
#include <libpq-fe.h>
#include <microhttpd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "buf.h"
#include "certpage.h"
#include "log.h"
#include "pdf.h"

#define BLOCK 100                /* bases one statement reads */
#define TEXT_(x) #x
#define TEXT(x) TEXT_(x)

#define BASE_COLUMNS "b.certificate_no, b.name, b.unit_name, b.term_start_year, b.term_end_year, " \
                     "to_char(b.named_on, 'YYYY-MM-DD')"

/* One base, if the caller may see it: the admin any, an applicant its own
 * (bases.applicant_id is the applicant unit, the applicant user's org). */
static const struct kp_stmt SQL_BASE = {
    "certificates_base",
    "SELECT " BASE_COLUMNS " FROM bases b "
    "WHERE b.id = $3 AND ($1::boolean OR b.applicant_id = $2::bigint)", 3
};

/* The next BLOCK bases of a batch after certificate number $2. */
static const struct kp_stmt SQL_BATCH_BLOCK = {
    "certificates_batch_block",
    "SELECT " BASE_COLUMNS " FROM bases b "
    "WHERE b.batch_id = $1 AND b.certificate_no > $2 "
    "ORDER BY b.certificate_no LIMIT " TEXT(BLOCK), 2
};

static const struct kp_stmt SQL_BATCH_EXISTS = {
    "certificates_batch_exists", "SELECT 1 FROM batches WHERE id = $1", 1
};

/* ---- the stream ------------------------------------------------------- */

struct print {
    char batch_id[24];           /* "": one base, whose row is the only block */
    PGresult *rows;              /* the block being rendered */
    int row;                     /* its next row */
    const char *public_url;      /* the configuration's: outlives the request */
    struct kp_pdf *doc;
    struct kp_buf out;           /* the document's bytes since the last block was sent */
};

static void free_print(void *cls)
{
    struct print *p = cls;
    kp_pdf_free(p->doc);
    PQclear(p->rows);
    kp_buf_free(&p->out);
    free(p);
}

static enum kp_err render_row(struct print *p)
{
    PGresult *res = p->rows;
    int i = p->row++;
    char url[sizeof ((struct kp_config *)0)->web.public_url + 64];
    snprintf(url, sizeof url, "%s/verify/%s", p->public_url, PQgetvalue(res, i, 0));
    struct kp_certpage c = {
        .certificate_no = PQgetvalue(res, i, 0),
        .base_name = PQgetvalue(res, i, 1),
        .unit_name = PQgetvalue(res, i, 2),
        .term_start_year = atoi(PQgetvalue(res, i, 3)),
        .term_end_year = atoi(PQgetvalue(res, i, 4)),
        .named_on = PQgetvalue(res, i, 5),
        .verify_url = url,
    };
    return kp_certpage_draw(p->doc, &c);
}

/* On the pool: the next page into p->out, or the document's end once
 * there is none. */
static enum kp_err next_page(void *cls, struct kp_db *db, bool *end)
{
    struct print *p = cls;
    int n = PQntuples(p->rows);
    if (p->row == n && p->batch_id[0] != '\0' && n == BLOCK) {
        char after[32];
        snprintf(after, sizeof after, "%s", PQgetvalue(p->rows, n - 1, 0));
        PQclear(p->rows);
        p->rows = NULL;
        const char *params[] = { p->batch_id, after };
        enum kp_err err = kp_db_read(db, &SQL_BATCH_BLOCK, params, &p->rows);
        if (err)
            return err;
        p->row = 0;
    }
    enum kp_err err;
    if (p->row < PQntuples(p->rows)) {
        err = render_row(p);
    } else {
        *end = true;
        err = kp_pdf_finish(p->doc);
    }
    if (err)
        kp_error("certificates: the PDF stopped after %u pages: %s", kp_pdf_pages(p->doc), kp_err_str(err));
    return err;
}

/* Answers the document of `rows` (stolen; more blocks follow for a batch)
 * as it renders. */
static enum kp_err stream(struct kp_req *r, PGresult *rows, const char *batch_id, const char *title,
                          const char *disposition)
{
    struct print *p = calloc(1, sizeof *p);
    if (p == NULL) {
        PQclear(rows);
        return KP_E_NOMEM;
    }
    p->rows = rows;
    p->public_url = kp_req_server(r)->cfg->web.public_url;
    snprintf(p->batch_id, sizeof p->batch_id, "%s", batch_id);
    const char *why;
    enum kp_err err = kp_pdf_new(kp_pdf_buf_sink, &p->out, title, &p->doc, &why);
    if (err == KP_E_NOT_FOUND)
        kp_error("req=%s certificates: font '%s' not found (Debian package fonts-noto-cjk)",
                 kp_req_id(r), why);
    if (err) {
        free_print(p);
        return err == KP_E_NOT_FOUND ? KP_E_IO : err;
    }
    struct MHD_Response *resp = kp_req_pooled_blocks(r, &p->out, next_page, p, free_print);
    if (resp == NULL)
        return KP_E_NOMEM;
    MHD_add_response_header(resp, "Content-Type", "application/pdf");
    MHD_add_response_header(resp, "Content-Disposition", disposition);
    return kp_reply_response(r, 200, resp, 0);
}

/* ---- the routes ------------------------------------------------------- */

/* GET /api/v1/bases/{id}/certificate.pdf  (the admin; the base's applicant) */
enum kp_err kp_api_bases_certificate(struct kp_req *r)
{
    long long id;
    if (!kp_req_param_id(r, "id", &id))
        return kp_reply_problem(r, KP_P_NOT_FOUND, NULL);
    struct kp_rowscope scope;
    kp_rowscope_own_org(kp_req_principal(r), &scope);
    char base[24];
    snprintf(base, sizeof base, "%lld", id);
    const char *params[] = { scope.all, scope.owner, base };
    struct kp_db *db = kp_req_db(r);
    PGresult *res;
    enum kp_err err = db ? kp_db_read(db, &SQL_BASE, params, &res) : KP_E_NOMEM;
    if (err)
        return err;
    if (PQntuples(res) != 1) {
        PQclear(res);
        return kp_reply_problem(r, KP_P_NOT_FOUND, NULL);
    }
    char title[96], disposition[96];
    snprintf(title, sizeof title, "全国科普教育基地证书 %s", PQgetvalue(res, 0, 0));
    snprintf(disposition, sizeof disposition, "inline; filename=\"%s.pdf\"", PQgetvalue(res, 0, 0));
    return stream(r, res, "", title, disposition);
}

/* GET /api/v1/batches/{id}/certificates.pdf  (the admin): the print file */
enum kp_err kp_api_batches_certificates(struct kp_req *r)
{
    long long id;
    if (!kp_req_param_id(r, "id", &id))
        return kp_reply_problem(r, KP_P_NOT_FOUND, NULL);
    char batch[24];
    snprintf(batch, sizeof batch, "%lld", id);
    const char *params[] = { batch, "" };
    struct kp_db *db = kp_req_db(r);
    PGresult *res;
    enum kp_err err = db ? kp_db_read(db, &SQL_BATCH_BLOCK, params, &res) : KP_E_NOMEM;
    if (err)
        return err;
    if (PQntuples(res) == 0) {
        PQclear(res);
        if ((err = kp_db_read(db, &SQL_BATCH_EXISTS, params, &res)))
            return err;
        bool exists = PQntuples(res) == 1;
        PQclear(res);
        return exists ? kp_reply_problem(r, KP_P_INVALID_STATE, "该批次尚未认定命名，没有证书")
                      : kp_reply_problem(r, KP_P_NOT_FOUND, NULL);
    }
    char title[96], disposition[96];
    snprintf(title, sizeof title, "全国科普教育基地证书（批次 %s）", batch);
    snprintf(disposition, sizeof disposition, "attachment; filename=\"batch-%s-certificates.pdf\"", batch);
    return stream(r, res, batch, title, disposition);
}
