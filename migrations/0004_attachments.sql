-- Attachments of applications, stored in PostgreSQL (every kpjdd sees them,
-- backups hold them) as chunks, so that an upload streams in and a download
-- streams out without holding a whole file in memory.

CREATE TABLE attachments (
    id             bigserial PRIMARY KEY,
    application_id bigint NOT NULL REFERENCES applications,
    kind           text NOT NULL CHECK (kind IN ('application_form', 'evidence', 'video', 'other')),
    filename       text NOT NULL CHECK (char_length(filename) BETWEEN 1 AND 255),
    content_type   text NOT NULL CHECK (content_type IN ('application/pdf', 'image/png',
                                                         'image/jpeg', 'video/mp4')),
    size           bigint NOT NULL DEFAULT 0,
    sha256         text,                        -- set when the upload is complete
    complete       boolean NOT NULL DEFAULT false,
    created_at     timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX attachments_application ON attachments (application_id) WHERE complete;

CREATE TABLE attachment_chunks (
    attachment_id bigint NOT NULL REFERENCES attachments ON DELETE CASCADE,
    seq           integer NOT NULL,
    data          bytea NOT NULL,
    PRIMARY KEY (attachment_id, seq)
);

-- A notification that must not be made twice (a reminder made when a
-- recommender looks: one per batch and day) carries a key.
ALTER TABLE notifications ADD COLUMN once_key text;
CREATE UNIQUE INDEX notifications_once ON notifications (user_id, once_key) WHERE once_key IS NOT NULL;
