-- The expert committee (认定专家, issue 10) and its conflicts of interest.
-- An expert is a login of role 'expert' (users.org_id = experts.id), made
-- by the programme office with a one-time password, as a recommender is;
-- disabling it is disabling that login.

CREATE TABLE experts (
    id                       bigserial PRIMARY KEY,
    name                     text NOT NULL CHECK (char_length(name) BETWEEN 1 AND 50),
    organization             text NOT NULL CHECK (char_length(organization) BETWEEN 1 AND 100),
    organization_credit_code text CHECK (organization_credit_code ~ '^[0-9A-HJ-NPQRTUWXY]{18}$'),
    recommender_id           bigint REFERENCES recommenders,   -- who put the expert forward
    field                    text NOT NULL CHECK (char_length(field) BETWEEN 1 AND 100),
    region_code              integer REFERENCES regions,
    user_id                  bigint NOT NULL UNIQUE REFERENCES users,
    created_at               timestamptz NOT NULL DEFAULT now()
);
-- The three automatic rules below look experts up by these.
CREATE INDEX experts_organization_credit_code ON experts (organization_credit_code);
CREATE INDEX experts_organization ON experts (organization);
CREATE INDEX experts_recommender ON experts (recommender_id);

-- Conflicts someone declared: the programme office (POST
-- /experts/{id}/conflicts), or the expert recusing from an assignment.
-- One a pair: a pair either conflicts or not.
CREATE TABLE declared_conflicts (
    expert_id      bigint NOT NULL REFERENCES experts,
    application_id bigint NOT NULL REFERENCES applications,
    reason         text NOT NULL CHECK (char_length(reason) BETWEEN 1 AND 1000),
    declared_by    bigint NOT NULL REFERENCES users,       -- the admin, or the expert itself
    declared_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (expert_id, application_id)
);
CREATE INDEX declared_conflicts_application ON declared_conflicts (application_id);

-- THE definition of "expert E conflicts with application A": there is a
-- row (E, A) here, of one kind or several.  Everything that needs it — the
-- conflicts list, and the assignment of experts, which never gives an
-- expert an application it conflicts with — reads this view, so the rules
-- live in one place.  Automatic rules: the expert's organisation has the
-- applicant unit's credit code; its organisation is the unit, by name, or
-- the unit's supervising body; the recommender that put the expert forward
-- is the application's.  batch_id is a column so that a query for one batch
-- (WHERE batch_id = $1) is pushed into each branch and reads only that
-- batch's applications (applications_batch_id), each joined to the few
-- experts it matches by the indexes above.
CREATE VIEW expert_conflicts AS
    SELECT e.id AS expert_id, a.id AS application_id, a.batch_id, 'credit_code'::text AS kind,
           '专家所在单位的统一社会信用代码与申报单位相同（' || a.credit_code || '）' AS reason
      FROM applications a JOIN experts e ON e.organization_credit_code = a.credit_code
    UNION ALL
    SELECT e.id, a.id, a.batch_id, 'organization', '专家所在单位即申报单位（' || a.unit_name || '）'
      FROM applications a JOIN experts e ON e.organization = a.unit_name
    UNION ALL
    SELECT e.id, a.id, a.batch_id, 'organization', '专家所在单位是申报单位的主管单位（' || u.supervising_body || '）'
      FROM applications a JOIN applicant_units u ON u.id = a.applicant_id
      JOIN experts e ON e.organization = u.supervising_body AND u.supervising_body <> u.name
    UNION ALL
    SELECT e.id, a.id, a.batch_id, 'recommender',
           '专家由本申报的推荐单位推荐（' || a.recommender_name || '）'
      FROM applications a JOIN experts e ON e.recommender_id = a.recommender_id
    UNION ALL
    SELECT d.expert_id, d.application_id, a.batch_id, 'declared', d.reason
      FROM declared_conflicts d JOIN applications a ON a.id = d.application_id;
