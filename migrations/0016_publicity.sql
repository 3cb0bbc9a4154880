-- The public notice (公示) of a batch's proposed list and the objections
-- (异议) filed against it (issue 11).  A batch has one notice; its rows are
-- fixed when it is published (序号 in GB/T 2260 order, API.md), so the
-- notice reads the same afterwards whatever happens to an application, and
-- naming numbers the certificates in that order.
CREATE TABLE notices (
    id         bigserial PRIMARY KEY,
    batch_id   bigint NOT NULL UNIQUE REFERENCES batches,
    title      text NOT NULL CHECK (char_length(title) BETWEEN 1 AND 200),
    body       text NOT NULL CHECK (char_length(body) <= 20000),
    starts_at  timestamptz NOT NULL,
    ends_at    timestamptz NOT NULL,
    created_by bigint NOT NULL REFERENCES users,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    CHECK (ends_at > starts_at)
);
CREATE INDEX notices_starts ON notices (starts_at, id);

CREATE TABLE notice_rows (
    notice_id      bigint NOT NULL REFERENCES notices,
    no             integer NOT NULL CHECK (no >= 1),
    application_id bigint NOT NULL UNIQUE REFERENCES applications,
    PRIMARY KEY (notice_id, no),
    UNIQUE (notice_id, application_id)
);
CREATE TRIGGER notice_rows_no_change BEFORE UPDATE OR DELETE ON notice_rows
    FOR EACH ROW EXECUTE FUNCTION append_only();
CREATE TRIGGER notice_rows_no_truncate BEFORE TRUNCATE ON notice_rows
    FOR EACH STATEMENT EXECUTE FUNCTION append_only();

-- An objection names a row of the notice (the foreign key says so).  The
-- objector's name, phone, email and organisation are personal data: only
-- the admin's objection desk reads them; the receipt is all the objector
-- holds (16 characters of the invitation-code alphabet).
CREATE TABLE objections (
    id             bigserial PRIMARY KEY,
    notice_id      bigint NOT NULL,
    application_id bigint NOT NULL,
    receipt        text NOT NULL UNIQUE CHECK (receipt ~ '^[2-9A-HJKMNP-Z]{16}$'),
    name           text NOT NULL CHECK (char_length(name) BETWEEN 2 AND 50),
    phone          text NOT NULL CHECK (char_length(phone) BETWEEN 3 AND 32),
    email          text CHECK (char_length(email) <= 254),
    organization   text CHECK (char_length(organization) <= 200),
    content        text NOT NULL CHECK (char_length(content) BETWEEN 10 AND 5000),
    status         text NOT NULL DEFAULT 'received' CHECK (status IN ('received', 'upheld', 'dismissed')),
    reply          text CHECK (char_length(reply) BETWEEN 1 AND 5000),
    decided_by     bigint REFERENCES users,
    decided_at     timestamptz,
    created_at     timestamptz NOT NULL DEFAULT now(),
    FOREIGN KEY (notice_id, application_id) REFERENCES notice_rows (notice_id, application_id),
    CHECK ((status = 'received') = (decided_at IS NULL)),
    CHECK ((status = 'received') = (reply IS NULL)),
    CHECK ((status = 'received') = (decided_by IS NULL))
);
CREATE INDEX objections_notice ON objections (notice_id, id);
CREATE INDEX objections_application ON objections (application_id);
