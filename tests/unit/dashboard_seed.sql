-- The programme at scale for test_dashboard (the dashboard statement's plan):
-- 400 recommenders of the three kinds, ten open batches, 100,000
-- applications (10,000 a batch: eight times a real one) in every status of the application
-- stage, 130,000 invitation codes (seven in ten used, one in twenty
-- revoked), quotas, contact forms from half the recommenders, and 200,000
-- notifications of which one in ten is unread.  Forms of about 1 KB, as
-- real ones are: wide rows make the planner's choices what they are in
-- production.
INSERT INTO batches (code, title, term_start_year, term_end_year, contact_deadline, recommend_deadline, status)
SELECT 'b' || k, '第' || k || '批', 2021, 2025, now() + interval '30 days', now() + interval '60 days', 'open'
  FROM generate_series(1, 10) k;

INSERT INTO users (username, role, org_id, display_name, password_hash)
SELECT 'rec' || k, 'recommender', k, '推荐单位' || k, '!' FROM generate_series(1, 400) k;
INSERT INTO recommenders (id, name, kind, region_code, user_id)
SELECT k, '推荐单位' || k, (ARRAY['national_society', 'outline_office', 'provincial_cast'])[1 + k % 3],
       CASE WHEN k % 3 = 2 THEN (SELECT code FROM regions ORDER BY code LIMIT 1 OFFSET k % 32) END, u.id
  FROM generate_series(1, 400) k JOIN users u ON u.username = 'rec' || k;

INSERT INTO quotas (batch_id, recommender_id, quota)
SELECT b, k, 10 + k % 20 FROM generate_series(1, 10) b, generate_series(1, 400) k WHERE b = 1 OR k % 2 = 0;

INSERT INTO contacts (batch_id, recommender_id, name, department, position, office_phone, mobile, email, address)
SELECT 1, k, '联系人', '科普部', '干事', '010-12345678', '13800000000', 'c@example.cn', '地址'
  FROM generate_series(1, 400) k WHERE k % 2 = 1;

INSERT INTO applicant_units (id, name, credit_code, region_code, address, legal_representative,
                             supervising_body, contact_name, contact_phone, contact_email)
SELECT i, '单位' || i, '91' || lpad(i::text, 16, '0'), 110000, '地址', '法人', '主管', '联系人', '13800000000', 'x@example.cn'
  FROM generate_series(1, 100000) i;

INSERT INTO applications (id, batch_id, recommender_id, applicant_id, credit_code, base_name, category, status,
                          recommended_at, form)
SELECT i, 1 + i % 10, 1 + (i / 10) % 400, i, '91' || lpad(i::text, 16, '0'), '基地' || i, 'venue',
       s, CASE WHEN s = 'recommended' THEN now() END, jsonb_build_object('profile', i || repeat('科普教育', 80))
  FROM generate_series(1, 100000) i,
       LATERAL (SELECT (ARRAY['draft', 'submitted', 'submitted', 'recommended', 'returned', 'draft', 'submitted',
                              'recommended', 'not_recommended', 'draft'])[1 + (i + i / 10) % 10] AS s) x
 ORDER BY md5(i::text);   -- rows that have been edited lie anywhere: ids do not follow the heap

-- Codes: 'A' and the id's digits with 0 → A, 1 → B, padded with C (all of
-- the code alphabet, distinct per id).
INSERT INTO invitations (code, batch_id, recommender_id, created_at, used_at, revoked_at)
SELECT 'A' || lpad(translate(i::text, '01', 'AB'), 11, 'C'), 1 + i % 10, 1 + (i / 10) % 400,
       now(), CASE WHEN (i / 10) % 10 < 7 THEN now() END, CASE WHEN (i / 10) % 20 = 19 THEN now() END
  FROM generate_series(1, 130000) i
 ORDER BY md5(i::text);

INSERT INTO notifications (user_id, kind, title, read_at)
SELECT u.id, 'test', '通知' || i, CASE WHEN (i / 400) % 10 <> 0 THEN now() END
  FROM generate_series(1, 200000) i JOIN users u ON u.username = 'rec' || (1 + i % 400);
