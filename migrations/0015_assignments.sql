-- Expert assignments and scores (终评, issue 10).  A batch's assignment is
-- made in one go (lib/domain/assign.c) from a seed kept here, so that it
-- can be made again and a replacement drawn the same way; each assignment
-- is one expert's work on one application, from pending through a draft of
-- scores to a submitted, sealed total (in hundredths: lib/domain/rubric.h),
-- or recused (a declared conflict) or replaced (its work moved on).
CREATE TABLE assignment_rounds (
    batch_id        bigint PRIMARY KEY REFERENCES batches,
    seed            text NOT NULL CHECK (seed ~ '^[0-9a-f]{64}$'),
    per_application integer NOT NULL CHECK (per_application BETWEEN 1 AND 15),
    made_by         bigint NOT NULL REFERENCES users,
    made_at         timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE assignments (
    id             bigserial PRIMARY KEY,
    batch_id       bigint NOT NULL REFERENCES assignment_rounds,
    application_id bigint NOT NULL REFERENCES applications,
    expert_id      bigint NOT NULL REFERENCES experts,
    status         text NOT NULL DEFAULT 'pending'
                   CHECK (status IN ('pending', 'draft', 'submitted', 'recused', 'replaced')),
    scores         jsonb CHECK (jsonb_typeof(scores) = 'object'),   -- {"<key>": 0..100}
    comment        text CHECK (char_length(comment) <= 2000),
    total          integer CHECK (total BETWEEN 0 AND 10000),        -- hundredths
    submitted_at   timestamptz,
    recuse_reason  text,
    replaced_by    bigint REFERENCES assignments,
    created_at     timestamptz NOT NULL DEFAULT now(),
    updated_at     timestamptz NOT NULL DEFAULT now(),
    CHECK ((status = 'submitted') = (total IS NOT NULL AND submitted_at IS NOT NULL)),
    CHECK (status <> 'recused' OR recuse_reason IS NOT NULL)     -- a replaced one keeps its reason
);
-- An expert works on an application once: a replaced or recused pair is
-- never drawn again (both are conflicts or spent), so the pair is unique.
CREATE UNIQUE INDEX assignments_pair ON assignments (application_id, expert_id);
CREATE INDEX assignments_batch_expert ON assignments (batch_id, expert_id, id);
CREATE INDEX assignments_expert ON assignments (expert_id, id);

-- A submitted score is sealed: the database itself refuses to change or
-- remove it, whoever asks.
CREATE FUNCTION assignments_sealed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF OLD.status = 'submitted' THEN
        RAISE EXCEPTION 'assignment % is submitted and sealed', OLD.id USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN CASE TG_OP WHEN 'DELETE' THEN OLD ELSE NEW END;
END
$$;
CREATE TRIGGER assignments_sealed BEFORE UPDATE OR DELETE ON assignments
    FOR EACH ROW EXECUTE FUNCTION assignments_sealed();
CREATE TRIGGER assignments_no_truncate BEFORE TRUNCATE ON assignments
    FOR EACH STATEMENT EXECUTE FUNCTION append_only();
