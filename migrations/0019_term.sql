-- End-of-term assessment (终期考核) and its effect on the next batch
-- (issue 12; API.md "Term management").  A base has at most one
-- assessment, so it lives on the base: one row to lock, one row to show,
-- and the bar check at registration reads bases alone by credit code
-- (bases_credit_code, 0017).  term_assessed_at says whether there is one;
-- the four columns are set together.
ALTER TABLE bases
    ADD COLUMN term_result      text CHECK (term_result IN ('excellent', 'qualified', 'unqualified')),
    ADD COLUMN term_comments    text CHECK (char_length(term_comments) <= 2000),
    ADD COLUMN term_assessed_by bigint REFERENCES users,
    ADD COLUMN term_assessed_at timestamptz,
    ADD CONSTRAINT bases_term_assessment_whole
        CHECK ((term_result IS NULL) = (term_assessed_at IS NULL)
               AND (term_result IS NULL) = (term_assessed_by IS NULL));

-- How an application entered its batch on the strength of an assessment:
-- carried over as proposed (excellent), or moved straight to final
-- evaluation when the batch entered evaluating (qualified).  NULL: the
-- ordinary way.  Never changed once set.
ALTER TABLE applications
    ADD COLUMN fast_track text CHECK (fast_track IN ('excellent', 'qualified'));
