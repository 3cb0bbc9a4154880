-- On-site checks (实地核查, issue 10): the record of the visit to a sampled
-- application — who went, when, what they found, pass or fail — on the
-- application's row, as its initial review is (0010).  Evidence files are
-- attachments of kind onsite_evidence, uploaded by the programme office.
ALTER TABLE applications
    ADD COLUMN onsite_inspectors jsonb CHECK (jsonb_typeof(onsite_inspectors) = 'array'),
    ADD COLUMN onsite_visited_on date,
    ADD COLUMN onsite_findings   text,
    ADD COLUMN onsite_result     text CHECK (onsite_result IN ('pass', 'fail')),
    ADD COLUMN onsite_by         bigint REFERENCES users,
    ADD COLUMN onsite_by_name    text,
    ADD COLUMN onsite_at         timestamptz,
    ADD CONSTRAINT applications_onsite_check_whole
        CHECK ((onsite_result IS NULL) = (onsite_inspectors IS NULL)
               AND (onsite_result IS NULL) = (onsite_visited_on IS NULL)
               AND (onsite_result IS NULL) = (onsite_findings IS NULL)
               AND (onsite_result IS NULL) = (onsite_by IS NULL)
               AND (onsite_result IS NULL) = (onsite_by_name IS NULL)
               AND (onsite_result IS NULL) = (onsite_at IS NULL));
ALTER TABLE attachments DROP CONSTRAINT attachments_kind_check,
    ADD CONSTRAINT attachments_kind_check
        CHECK (kind IN ('application_form', 'evidence', 'video', 'other', 'onsite_evidence'));
