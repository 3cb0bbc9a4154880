-- Batches, recommenders and their quotas and contact forms, invitation
-- codes, applicant units and their applications (DOMAIN.md steps 1–5).

CREATE TABLE batches (
    id                 bigserial PRIMARY KEY,
    code               text NOT NULL UNIQUE CHECK (char_length(code) BETWEEN 1 AND 64),
    title              text NOT NULL CHECK (char_length(title) BETWEEN 1 AND 200),
    term_start_year    integer NOT NULL CHECK (term_start_year BETWEEN 2000 AND 2100),
    term_end_year      integer NOT NULL,
    contact_deadline   timestamptz NOT NULL,
    recommend_deadline timestamptz NOT NULL,
    status             text NOT NULL DEFAULT 'draft'
                       CHECK (status IN ('draft', 'open', 'evaluating', 'publicity', 'closed')),
    created_at         timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT batches_term CHECK (term_end_year BETWEEN term_start_year AND term_start_year + 10),
    CONSTRAINT batches_deadlines CHECK (contact_deadline <= recommend_deadline)
);

CREATE TABLE recommenders (
    id          bigserial PRIMARY KEY,
    name        text NOT NULL CHECK (char_length(name) BETWEEN 1 AND 100),
    kind        text NOT NULL CHECK (kind IN ('outline_office', 'national_society', 'provincial_cast')),
    region_code integer REFERENCES regions,
    user_id     bigint NOT NULL UNIQUE REFERENCES users,   -- its login; disabled with it
    created_at  timestamptz NOT NULL DEFAULT now(),
    CHECK ((kind = 'provincial_cast') = (region_code IS NOT NULL))
);
CREATE UNIQUE INDEX recommenders_name_key ON recommenders (name);

CREATE TABLE quotas (
    batch_id       bigint NOT NULL REFERENCES batches,
    recommender_id bigint NOT NULL REFERENCES recommenders,
    quota          integer NOT NULL CHECK (quota BETWEEN 0 AND 10000),
    PRIMARY KEY (batch_id, recommender_id)
);

-- 附件2: one contact person per recommender and batch.
CREATE TABLE contacts (
    batch_id       bigint NOT NULL REFERENCES batches,
    recommender_id bigint NOT NULL REFERENCES recommenders,
    name           text NOT NULL,
    department     text NOT NULL,
    position       text NOT NULL,
    office_phone   text NOT NULL,
    mobile         text NOT NULL,
    email          text NOT NULL,
    address        text NOT NULL,
    submitted_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (batch_id, recommender_id)
);

CREATE TABLE applicant_units (
    id                   bigserial PRIMARY KEY,
    name                 text NOT NULL,
    credit_code          text NOT NULL CHECK (credit_code ~ '^[0-9A-HJ-NPQRTUWXY]{18}$'),
    region_code          integer NOT NULL REFERENCES regions,
    address              text NOT NULL,
    legal_representative text NOT NULL,
    supervising_body     text NOT NULL,
    contact_name         text NOT NULL,
    contact_phone        text NOT NULL,
    contact_email        text NOT NULL,
    created_at           timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX applicant_units_credit_code ON applicant_units (credit_code);

CREATE TABLE invitations (
    code           text PRIMARY KEY CHECK (code ~ '^[2-9A-HJKMNP-Z]{12}$'),
    batch_id       bigint NOT NULL REFERENCES batches,
    recommender_id bigint NOT NULL REFERENCES recommenders,
    created_at     timestamptz NOT NULL DEFAULT now(),
    used_at        timestamptz,
    used_by        bigint REFERENCES applicant_units,
    revoked_at     timestamptz,
    CHECK (used_at IS NULL OR revoked_at IS NULL)
);
CREATE INDEX invitations_recommender ON invitations (recommender_id, batch_id, created_at);

CREATE TABLE applications (
    id                bigserial PRIMARY KEY,
    batch_id          bigint NOT NULL REFERENCES batches,
    recommender_id    bigint NOT NULL REFERENCES recommenders,
    applicant_id      bigint NOT NULL REFERENCES applicant_units,
    credit_code       text NOT NULL,
    base_name         text,
    category          text CHECK (category IN ('venue', 'education_research', 'agriculture',
                                               'enterprise', 'natural_resources', 'other')),
    form              jsonb NOT NULL DEFAULT '{}',
    status            text NOT NULL DEFAULT 'draft'
                      CHECK (status IN ('draft', 'submitted', 'returned', 'recommended',
                                        'not_recommended', 'expired', 'initial_passed',
                                        'initial_failed', 'onsite_failed', 'proposed',
                                        'final_rejected', 'named', 'withdrawn_after_objection')),
    version           integer NOT NULL DEFAULT 1,
    submitted_at      timestamptz,
    recommended_at    timestamptz,
    recommend_opinion text,
    return_reason     text,
    decline_reason    text,
    created_at        timestamptz NOT NULL DEFAULT now(),
    updated_at        timestamptz NOT NULL DEFAULT now(),
    UNIQUE (batch_id, credit_code)       -- one application per unit and batch
);
CREATE INDEX applications_batch_recommender ON applications (batch_id, recommender_id, status);

-- Rate limits of public endpoints (invitation lookups): requests per key and
-- fixed window, in PostgreSQL so that they hold across kpjdd processes.
CREATE TABLE rate_limits (
    key          text PRIMARY KEY,
    window_start timestamptz NOT NULL,
    hits         integer NOT NULL
);
