-- The final evaluation's rubric (评分标准, issue 10): one per batch, its
-- criteria as lib/domain/rubric.c reads and writes them
-- ([{"key","name","weight"}], weights summing to 100), who set it and when.
CREATE TABLE rubrics (
    batch_id   bigint PRIMARY KEY REFERENCES batches,
    criteria   jsonb NOT NULL CHECK (jsonb_typeof(criteria) = 'array'),
    set_by     bigint NOT NULL REFERENCES users,
    updated_at timestamptz NOT NULL DEFAULT now()
);
