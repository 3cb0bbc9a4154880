-- 100,000 applications for test_applist (the plans of the list statements):
-- 2 batches, 40 recommenders, one applicant unit per application in 32
-- regions, every category and a spread of statuses, one in eight rare
-- (not_recommended is 1 in 100), each with a form of about 1 KB, as real
-- ones are (wide rows make the planner's choices what they are in production).
INSERT INTO batches (code, title, term_start_year, term_end_year, contact_deadline, recommend_deadline, status)
SELECT 'b' || k, '第' || k || '批', 2021, 2025, now() + interval '30 days', now() + interval '60 days', 'open'
  FROM generate_series(1, 2) k;

INSERT INTO users (username, role, org_id, display_name, password_hash)
SELECT 'rec' || k, 'recommender', k, '推荐单位' || k, '!' FROM generate_series(1, 40) k;
INSERT INTO recommenders (id, name, kind, user_id)
SELECT k, '推荐单位' || k, 'national_society', u.id FROM generate_series(1, 40) k JOIN users u ON u.username = 'rec' || k;

INSERT INTO applicant_units (id, name, credit_code, region_code, address, legal_representative,
                             supervising_body, contact_name, contact_phone, contact_email)
SELECT i, g.name || '第' || i || (ARRAY['科技馆', '大学', '农业科学院', '科技有限公司', '自然保护区', '青少年活动中心'])[1 + i % 6],
       '91' || lpad(i::text, 16, '0'), g.code, '地址', '法人', '主管', '联系人', '13800000000', 'x@example.cn'
  FROM generate_series(1, 100000) i
  JOIN (SELECT code, name, row_number() OVER (ORDER BY code) - 1 AS k FROM regions) g ON g.k = i % 32;

INSERT INTO applications (id, batch_id, recommender_id, applicant_id, credit_code, base_name, category, status, form)
SELECT i, 1, CASE WHEN i % 5 <> 0 THEN 1 + i % 32 ELSE 33 + (i / 5) % 7 END, i, '91' || lpad(i::text, 16, '0'),
       CASE WHEN i % 5 <> 0 THEN '基地' || i || (ARRAY['天文', '地质', '农业', '工业', '海洋', '动物'])[1 + i % 6] || '科普教育基地' END,
       (ARRAY['venue', 'education_research', 'agriculture', 'enterprise', 'natural_resources', 'other'])[1 + i % 6],
       (ARRAY['draft', 'submitted', 'submitted', 'recommended', 'returned', 'draft', 'submitted', 'recommended', 'not_recommended', 'draft'])[1 + i % 10],
       jsonb_build_object('profile', i || repeat('科普教育', 80))
  FROM generate_series(1, 100000) i
 ORDER BY md5(i::text);   -- rows that have been edited lie anywhere: ids do not follow the heap

-- As in production, where batches and regions are too small for autovacuum
-- ever to analyze them.
ANALYZE recommenders, applicant_units, applications;
