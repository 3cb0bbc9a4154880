-- The naming benchmark's data (tests/bench/naming.sh), loaded after
-- `kpjdd migrate` and `kpjdd create-admin admin` by the role that owns the
-- schema:  psql -v n=1274 -f tests/bench/naming.sql
-- One batch of the 2021–2025 term in publicity whose notice (window over)
-- lists :n proposed applications, as the real first round named 1,274
-- (800 and 474): 39 recommenders with a login each, :n applicant units
-- with a login each (told of their base), in 32 regions and 6 categories;
-- the rows in the notice's order (region code, unit name, id).  The
-- password hashes are a placeholder no login accepts.
\set ON_ERROR_STOP 1
\if :{?n}
\else
\set n 1274
\endif

INSERT INTO users (username, role, display_name, password_hash)
SELECT 'rec' || i, 'recommender', '推荐单位' || i, '$argon2id$placeholder' FROM generate_series(1, 39) i;
INSERT INTO recommenders (name, kind, user_id)
SELECT '全国学会' || i, 'national_society', u.id
  FROM generate_series(1, 39) i JOIN users u ON u.username = 'rec' || i;
UPDATE users u SET org_id = r.id FROM recommenders r WHERE r.user_id = u.id;

INSERT INTO batches (code, title, term_start_year, term_end_year, contact_deadline, recommend_deadline, status)
VALUES ('BENCH-2021-1', '2021-2025年度第一批', 2021, 2025, now() - interval '90 days', now() - interval '60 days',
        'publicity');

INSERT INTO applicant_units (name, credit_code, region_code, address, legal_representative, supervising_body,
                             contact_name, contact_phone, contact_email)
SELECT '某科普单位' || i, lpad(i::text, 18, '0'), r.code, '某地某路' || i || '号', '张三', '某主管部门',
       '李四', '010-68571234', 'unit' || i || '@example.cn'
  FROM generate_series(1, :n) i
  JOIN (SELECT code, row_number() OVER (ORDER BY code) - 1 AS k FROM regions) r ON r.k = i % 32;

INSERT INTO users (username, role, org_id, display_name, password_hash)
SELECT 'unit' || id, 'applicant', id, name, '$argon2id$placeholder' FROM applicant_units;

INSERT INTO applications (batch_id, recommender_id, applicant_id, credit_code, base_name, category, status)
SELECT b.id, (SELECT id FROM recommenders ORDER BY id OFFSET u.id % 39 LIMIT 1), u.id, u.credit_code,
       u.name || '科普教育基地',
       (ARRAY['venue', 'education_research', 'agriculture', 'enterprise', 'natural_resources', 'other'])[u.id % 6 + 1],
       'proposed'
  FROM applicant_units u, batches b WHERE b.code = 'BENCH-2021-1';

INSERT INTO notices (batch_id, title, body, starts_at, ends_at, created_by)
SELECT b.id, '拟认定名单公示', '公示正文', now() - interval '8 days', now() - interval '1 day',
       (SELECT id FROM users WHERE username = 'admin')
  FROM batches b WHERE b.code = 'BENCH-2021-1';
INSERT INTO notice_rows (notice_id, no, application_id)
SELECT n.id, row_number() OVER (ORDER BY a.region_code, a.unit_name COLLATE "C", a.id), a.id
  FROM applications a JOIN notices n ON n.batch_id = a.batch_id;
ANALYZE users, recommenders, applicant_units, applications, notices, notice_rows;
