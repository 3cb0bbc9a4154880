-- The unit submission deadline (单位提交截止, issue 13 item 5; API.md
-- "Batches"): optional; after it an applicant can no longer submit, while
-- its recommender still reviews, and an application returned to the unit
-- may be resubmitted until the recommend deadline.  The API answers a
-- violation of the order 422 naming submit_deadline (server/api/batches.c).
ALTER TABLE batches
    ADD COLUMN submit_deadline timestamptz,
    ADD CONSTRAINT batches_submit_deadline
        CHECK (submit_deadline IS NULL OR submit_deadline < recommend_deadline);
