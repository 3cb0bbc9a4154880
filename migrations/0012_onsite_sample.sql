-- The on-site spot-check sample (实地抽检, issue 10): drawn once per batch
-- with kpjd-sample-v1 (lib/domain/sample.h), and kept with everything needed
-- to draw it again: the rate as read, the seed, the strata, how many
-- candidates there were and who was drawn.  It is a record, so it is never
-- changed or removed (append_only, 0005).
CREATE TABLE onsite_samples (
    batch_id    bigint PRIMARY KEY REFERENCES batches,   -- once per batch
    algorithm   text NOT NULL CHECK (algorithm = 'kpjd-sample-v1'),
    rate        text NOT NULL CHECK (rate ~ '^(0\.[0-9]{1,9}|1)$'),  -- the decimal, as drawn
    seed        text NOT NULL CHECK (seed ~ '^[0-9a-f]{64}$'),
    stratify_by text NOT NULL CHECK (stratify_by IN ('none', 'region', 'category')),
    candidates  integer NOT NULL CHECK (candidates >= 0),
    selected    bigint[] NOT NULL,                       -- ascending
    drawn_by    bigint NOT NULL REFERENCES users,
    created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE TRIGGER onsite_samples_no_change BEFORE UPDATE OR DELETE ON onsite_samples
    FOR EACH ROW EXECUTE FUNCTION append_only();
CREATE TRIGGER onsite_samples_no_truncate BEFORE TRUNCATE ON onsite_samples
    FOR EACH STATEMENT EXECUTE FUNCTION append_only();
