-- Workbenches (issue 13 item 4): the admin's dashboard of a batch counts,
-- per recommender, its codes beside its applications in one statement
-- (server/api/dashboard.c), and the header counts a user's unread
-- notifications on every page.  Both read an index alone.

-- A batch's codes by recommender, with what says used or revoked: the
-- existing index leads with the recommender, which suits its own list only.
CREATE INDEX invitations_batch ON invitations (batch_id, recommender_id) INCLUDE (used_at, revoked_at);

-- A user's unread notifications: as many entries as there are unread ones,
-- however many were read before.
CREATE INDEX notifications_unread ON notifications (user_id) WHERE read_at IS NULL;
