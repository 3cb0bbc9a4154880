-- Why a recommendation was withdrawn (撤回推荐, issue 13 item 3): the
-- recommender may say why (POST /applications/{id}/withdraw-recommendation
-- {"reason"}); the unit reads it on its application and in its notice.
-- Set by each withdrawal (NULL when none was given), cleared when the unit
-- submits again, left as it is by every other move: while the application
-- waits in `submitted`, a reason there is the withdrawal's.
ALTER TABLE applications ADD COLUMN withdraw_reason text;
