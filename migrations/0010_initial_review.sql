-- Initial review (初评, issue 10): the programme office's pass or fail of
-- each recommended application, with its comments, who decided and when.
-- On the application's row, as the names are (0009): a list page shows it
-- without a join.  The reviewer's display name is kept as it was then.
ALTER TABLE applications
    ADD COLUMN initial_result   text CHECK (initial_result IN ('pass', 'fail')),
    ADD COLUMN initial_comments text,
    ADD COLUMN initial_by       bigint REFERENCES users,
    ADD COLUMN initial_by_name  text,
    ADD COLUMN initial_at       timestamptz,
    ADD CONSTRAINT applications_initial_review_whole
        CHECK ((initial_result IS NULL) = (initial_at IS NULL)
               AND (initial_result IS NULL) = (initial_by IS NULL)
               AND (initial_result IS NULL) = (initial_by_name IS NULL)),
    ADD CONSTRAINT applications_initial_fail_says_why
        CHECK (initial_result IS DISTINCT FROM 'fail' OR coalesce(initial_comments, '') <> '');
