-- Workbenches (issue 13 item 4): the dashboard of a batch counts, per
-- recommender, its applications by stage and its codes in one statement
-- (lib/domain/dashboard.c), and the header counts a user's unread
-- notifications on every page.  Each count reads an index alone
-- (tests/unit/test_dashboard.c plans them on 100,000 applications).

-- A batch's applications by recommender and status, with what the quota
-- counts as used: without recommended_at in the index, a batch of 10,000
-- applications read about 7,800 heap pages; with it, 71 index pages.  The
-- key is the one of 0003's index, which it replaces.
CREATE INDEX applications_batch_progress ON applications (batch_id, recommender_id, status)
    INCLUDE (recommended_at);
DROP INDEX applications_batch_recommender;

-- A batch's codes by recommender, with what says used or revoked: the
-- existing index leads with the recommender, which suits its own list only.
CREATE INDEX invitations_batch ON invitations (batch_id, recommender_id) INCLUDE (used_at, revoked_at);

-- A user's unread notifications: as many entries as there are unread ones,
-- however many were read before.
CREATE INDEX notifications_unread ON notifications (user_id) WHERE read_at IS NULL;
