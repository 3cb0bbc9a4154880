#include <stdio.h>
#include <stdlib.h>

#include "views.h"

json_t *kp_text_or_null(PGresult *res, int row, int col)
{
    return PQgetisnull(res, row, col) ? json_null() : json_string(PQgetvalue(res, row, col));
}

static json_int_t integer(PGresult *res, int row, int col)
{
    return (json_int_t)atoll(PQgetvalue(res, row, col));
}

json_t *kp_batch_json(PGresult *res, int row)
{
    return json_pack("{s:I, s:s, s:s, s:I, s:I, s:s, s:s, s:s, s:s}",
                     "id", integer(res, row, 0), "code", PQgetvalue(res, row, 1),
                     "title", PQgetvalue(res, row, 2),
                     "term_start_year", integer(res, row, 3), "term_end_year", integer(res, row, 4),
                     "contact_deadline", PQgetvalue(res, row, 5),
                     "recommend_deadline", PQgetvalue(res, row, 6),
                     "status", PQgetvalue(res, row, 7), "created_at", PQgetvalue(res, row, 8));
}

json_t *kp_recommender_json(PGresult *res, int row)
{
    return json_pack("{s:I, s:s, s:s, s:o, s:s, s:b, s:s}",
                     "id", integer(res, row, 0), "name", PQgetvalue(res, row, 1),
                     "kind", PQgetvalue(res, row, 2), "region", kp_text_or_null(res, row, 3),
                     "username", PQgetvalue(res, row, 4),
                     "disabled", PQgetvalue(res, row, 5)[0] == 't',
                     "created_at", PQgetvalue(res, row, 6));
}

const char *kp_json_id(const json_t *obj, char buf[24])
{
    snprintf(buf, 24, "%lld", (long long)json_integer_value(json_object_get(obj, "id")));
    return buf;
}

json_t *kp_application_json(PGresult *res, int row)
{
    json_t *form = json_loads(PQgetvalue(res, row, 9), 0, NULL);
    json_t *app = json_pack("{s:I, s:I, s:I, s:s, s:I, s:s, s:s, s:o, s:o, s:o, s:s, s:I,"
                     " s:o, s:o, s:o, s:o, s:o, s:[], s:s, s:s}",
                     "id", integer(res, row, 0), "batch_id", integer(res, row, 1),
                     "recommender_id", integer(res, row, 2), "recommender_name", PQgetvalue(res, row, 3),
                     "applicant_id", integer(res, row, 4), "unit_name", PQgetvalue(res, row, 5),
                     "region", PQgetvalue(res, row, 6),
                     "base_name", kp_text_or_null(res, row, 7), "category", kp_text_or_null(res, row, 8),
                     "form", form ? form : json_object(), "status", PQgetvalue(res, row, 10),
                     "version", integer(res, row, 11),
                     "submitted_at", kp_text_or_null(res, row, 12),
                     "recommended_at", kp_text_or_null(res, row, 13),
                     "recommend_opinion", kp_text_or_null(res, row, 14),
                     "return_reason", kp_text_or_null(res, row, 15),
                     "decline_reason", kp_text_or_null(res, row, 16),
                     "attachments", "created_at", PQgetvalue(res, row, 17),
                     "updated_at", PQgetvalue(res, row, 18));
    json_object_set_new(app, "batch_code", json_string(PQgetvalue(res, row, 19)));
    json_object_set_new(app, "batch_title", json_string(PQgetvalue(res, row, 20)));
    return app;
}

json_t *kp_applicant_json(PGresult *res, int row)
{
    return json_pack("{s:I, s:I, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s}",
                     "id", integer(res, row, 0), "user_id", integer(res, row, 1),
                     "username", PQgetvalue(res, row, 2), "name", PQgetvalue(res, row, 3),
                     "credit_code", PQgetvalue(res, row, 4), "region", PQgetvalue(res, row, 5),
                     "address", PQgetvalue(res, row, 6),
                     "legal_representative", PQgetvalue(res, row, 7),
                     "supervising_body", PQgetvalue(res, row, 8),
                     "contact_name", PQgetvalue(res, row, 9), "contact_phone", PQgetvalue(res, row, 10),
                     "contact_email", PQgetvalue(res, row, 11), "created_at", PQgetvalue(res, row, 12));
}
