-- The benchmark's data (tests/bench/run.sh), loaded after `kpjdd migrate`
-- by the role that owns the schema:
--   psql -v rows=100000 -f tests/bench/seed.sql
-- The shape of ../shared/bench/kpjdd-seed.sql, in the current schema:
--   1 open batch (deadlines a month and two away);
--   39 recommenders (32 provincial CASTs, 6 national societies, the outline
--   office), each with its login, one session and a quota of 10,000;
--   :rows applicant units, one application each (the schema keys an
--   application by credit code per batch), with a valid GB 32100 credit code,
--   a ~1 KB form, over 32 regions, 6 categories and the statuses an open
--   batch has (3 in 10 draft, 3 in 10 submitted, 2 in 10 recommended, 1
--   returned, 1 not recommended);
--   1,000 admins with one session each; and, for the first 1,000 draft
--   applications, their unit's applicant login with one session.
-- The password hashes are a placeholder no login accepts: these accounts
-- only own the sessions.  Nothing here is audited (the audit trail starts
-- empty, as after a fresh install).
--
-- Session tokens are derived from a name, so that the script can write them
-- out: a kpjdd token is 32 bytes sent as unpadded base64url (43 characters),
-- and the database keeps lowercase hex SHA-256 of those 43 characters
-- (lib/auth/token.c, kp_token_hash).  For a name n:
--   Bearer = base64url(sha256(n)) without '='   (pg_temp.bearer(n))
--   stored = hex(sha256(Bearer))
-- with n = 'kpjd-bench-session-' || i for admin i (1..1000, the tokens of
-- ../shared/bench), 'kpjd-bench-recommender-' || id, 'kpjd-bench-applicant-' || unit id.
\set ON_ERROR_STOP 1
\if :{?rows}
\else
\set rows 100000
\endif

-- GB 32100-2015 check character (lib/domain/creditcode.c) of 17 characters.
CREATE FUNCTION pg_temp.cc_check(code17 text) RETURNS text LANGUAGE sql IMMUTABLE AS $$
    SELECT substr('0123456789ABCDEFGHJKLMNPQRTUWXY',
                  (CASE WHEN 31 - s % 31 = 31 THEN 0 ELSE 31 - s % 31 END + 1)::int, 1)
    FROM (SELECT sum((strpos('0123456789ABCDEFGHJKLMNPQRTUWXY', substr(code17, k, 1)) - 1)
                     * (ARRAY[1,3,9,27,19,26,16,17,20,29,25,13,8,24,10,30,28])[k]) AS s
          FROM generate_series(1, 17) k) t
$$;
CREATE FUNCTION pg_temp.bearer(name text) RETURNS text LANGUAGE sql IMMUTABLE AS $$
    SELECT translate(rtrim(encode(sha256(convert_to(name, 'UTF8')), 'base64'), '='), '+/', '-_')
$$;
CREATE FUNCTION pg_temp.token_hash(name text) RETURNS text LANGUAGE sql IMMUTABLE AS $$
    SELECT encode(sha256(convert_to(pg_temp.bearer(name), 'UTF8')), 'hex')
$$;
-- A live session (30 days) for each user of `names`, from the token name beside it.
CREATE FUNCTION pg_temp.sessions_for(names text[], tokens text[]) RETURNS void LANGUAGE sql AS $$
    INSERT INTO sessions (user_id, token_hash, csrf_token, created_at, last_seen_at, expires_at, ip)
    SELECT u.id, pg_temp.token_hash(t.token), pg_temp.bearer('csrf-' || t.token),
           now(), now(), now() + interval '30 days', '127.0.0.1'
    FROM unnest(names, tokens) AS t(username, token)
    JOIN users u ON lower(u.username) = lower(t.username)
$$;

BEGIN;

INSERT INTO users (username, role, display_name, password_hash)
SELECT 'bench_admin_' || i, 'admin', '基准管理员' || i, '!bench-no-login'
FROM generate_series(1, 1000) AS i;
SELECT pg_temp.sessions_for(array_agg('bench_admin_' || i), array_agg('kpjd-bench-session-' || i))
FROM generate_series(1, 1000) AS i;

INSERT INTO batches (id, code, title, term_start_year, term_end_year, contact_deadline,
                     recommend_deadline, status, created_at)
VALUES (1, '2021-2025-1', '2021-2025年度第一批全国科普教育基地', 2021, 2025,
        now() + interval '30 days', now() + interval '60 days', 'open', '2021-02-20 09:00:00+08');
SELECT setval('batches_id_seq', 1);

-- Recommenders 1..32: each region's 科学技术协会 (in the order of the region
-- codes); 33..38 national societies; 39 the outline office.
CREATE TEMP TABLE rec_seed AS
SELECT (row_number() OVER (ORDER BY code))::int AS id, name || '科学技术协会' AS name,
       'provincial_cast' AS kind, code AS region_code, 'rec_' || code AS username
FROM regions
UNION ALL
SELECT 32 + k, (ARRAY['中国地质学会','中国动物学会','中国农学会','中国机械工程学会','中国化学会','中国天文学会'])[k],
       'national_society', NULL, 'soc_' || k
FROM generate_series(1, 6) k
UNION ALL
SELECT 39, '全民科学素质行动规划纲要实施工作办公室', 'outline_office', NULL, 'outline_office';

INSERT INTO users (username, role, org_id, display_name, password_hash)
SELECT username, 'recommender', id, name, '!bench-no-login' FROM rec_seed;
INSERT INTO recommenders (id, name, kind, region_code, user_id, created_at)
SELECT s.id, s.name, s.kind, s.region_code, u.id, '2021-02-21 10:00:00+08'
FROM rec_seed s JOIN users u ON u.username = s.username;
SELECT setval('recommenders_id_seq', 39);
INSERT INTO quotas (batch_id, recommender_id, quota) SELECT 1, id, 10000 FROM rec_seed;
SELECT pg_temp.sessions_for(array_agg(username), array_agg('kpjd-bench-recommender-' || id)) FROM rec_seed;

-- Units and applications: i = 1..rows, region index i % 32.
CREATE TEMP TABLE app_seed AS
SELECT i,
       r.code AS region_code, r.name AS region, r.capital,
       (ARRAY['venue','education_research','agriculture','enterprise',
              'natural_resources','other'])[1 + i % 6]                                AS category,
       (ARRAY['draft','submitted','submitted','recommended','returned',
              'draft','submitted','recommended','not_recommended','draft'])[1 + i % 10] AS status,
       timestamptz '2021-03-01 08:00:00+08' + i * interval '10 seconds'              AS created_at,
       -- 91 + the region's code + a 9-digit organisation code, then the check character
       '91' || r.code || lpad(i::text, 9, '0')                                      AS code17
FROM generate_series(1, :rows) AS i
JOIN (SELECT code, name, row_number() OVER (ORDER BY code) - 1 AS k,
             (ARRAY['海淀区','南开区','石家庄市','太原市','呼和浩特市','沈阳市','长春市','哈尔滨市',
                    '浦东新区','南京市','杭州市','合肥市','福州市','南昌市','济南市','郑州市',
                    '武汉市','长沙市','广州市','南宁市','海口市','渝中区','成都市','贵阳市',
                    '昆明市','拉萨市','西安市','兰州市','西宁市','银川市','乌鲁木齐市','石河子市'])
                 [row_number() OVER (ORDER BY code)] AS capital
      FROM regions) r ON r.k = i % 32;

INSERT INTO applicant_units (id, name, credit_code, region_code, address, legal_representative,
                             supervising_body, contact_name, contact_phone, contact_email, created_at)
SELECT i,
       s.region || s.capital || '第' || i || (ARRAY['科技馆','大学','农业科学院','科技有限公司',
                                                    '自然保护区管理局','青少年活动中心'])[1 + i % 6],
       s.code17 || pg_temp.cc_check(s.code17),
       s.region_code,
       s.region || s.capital || '科普路' || (1 + i % 999) || '号',
       (ARRAY['王','李','张','刘','陈','杨','赵','黄'])[1 + i % 8] || (ARRAY['建国','秀英','志强','丽','伟','静'])[1 + i % 6],
       s.region || (ARRAY['科学技术协会','教育厅','农业农村厅','工业和信息化厅','自然资源厅','团委'])[1 + i % 6],
       (ARRAY['周','吴','徐','孙','马','朱'])[1 + i % 6] || (ARRAY['明','华','芳','军','敏','磊'])[1 + (i / 7) % 6],
       '1' || (30 + i % 60) || lpad((i * 7919 % 100000000)::text, 8, '0'),
       'contact' || i || '@example.cn',
       s.created_at - interval '1 day'
FROM app_seed s;
SELECT setval('applicant_units_id_seq', :rows);

INSERT INTO applications (id, batch_id, recommender_id, applicant_id, credit_code, base_name, category,
                          form, status, version, submitted_at, recommended_at, recommend_opinion,
                          return_reason, decline_reason, created_at, updated_at)
SELECT s.i, 1,
       -- four in five through their region's CAST, the rest through a society or the outline office
       CASE WHEN s.i % 5 <> 0 THEN 1 + s.i % 32 ELSE 33 + (s.i / 5) % 7 END,
       s.i,
       s.code17 || pg_temp.cc_check(s.code17),
       s.region || s.capital || s.i || (ARRAY['科技馆','重点实验室','现代农业示范园','工业科普展示中心',
                                              '国家地质公园','青少年科学工作室'])[1 + s.i % 6] || '科普教育基地',
       s.category,
       jsonb_build_object(
           'staff_fulltime',     5 + s.i % 40,
           'staff_parttime',     s.i % 25,
           'volunteers',         20 + s.i % 300,
           'open_days_per_year', 200 + s.i % 166,
           'annual_visitors',    10000 + (s.i * 37) % 500000,
           'venue_area_m2',      1000 + s.i % 9000 + 0.5,
           'annual_funding_wan', 50 + s.i % 500 + 0.25,
           'activities_last3y',  10 + s.i % 90,
           'profile',            s.region || s.capital || '第' || s.i || '单位成立于' || (1980 + s.i % 40)
                                 || '年，是面向公众常年开放的科普场所，设有常设展厅、临时展厅和科学实验室，'
                                 || '年均接待青少年学生和社会公众约' || (1 + s.i % 50) || '万人次。',
           'work_summary',       '近三年累计举办科普讲座' || (20 + s.i % 80) || '场、科普展览' || (5 + s.i % 20)
                                 || '次，组织科学家进校园、科技周和全国科普日主题活动，开发原创科普课程'
                                 || (3 + s.i % 12) || '门，并通过网站和新媒体发布科普作品。',
           'conditions',         '场馆建筑面积' || (1000 + s.i % 9000) || '平方米，配备专职科普人员和志愿者队伍，'
                                 || '具备无障碍设施和安全应急预案。',
           'plan',               '今后三年将完善展教资源，扩大免费开放时间，加强与学校和社区的合作，'
                                 || '提升科普服务能力和覆盖面。',
           'honors',             jsonb_build_array(
                                     jsonb_build_object('title', s.region || '科普教育基地',
                                                        'issuer', s.region || '科学技术协会',
                                                        'date', (2015 + s.i % 6) || '-09-20'),
                                     jsonb_build_object('title', '全国科普日活动优秀组织单位',
                                                        'issuer', '中国科学技术协会',
                                                        'date', (2017 + s.i % 4) || '-12-15'))),
       s.status,
       1 + s.i % 4,
       CASE WHEN s.status <> 'draft' THEN s.created_at + interval '20 days' END,
       CASE WHEN s.status = 'recommended' THEN s.created_at + interval '40 days' END,
       CASE WHEN s.status = 'recommended' THEN '该单位科普工作成效显著，同意推荐。' END,
       CASE WHEN s.status = 'returned' THEN '请补充近三年科普活动的证明材料。' END,
       CASE WHEN s.status = 'not_recommended' THEN '科普场地面积和开放天数未达到申报条件。' END,
       s.created_at,
       s.created_at + (s.i % 1000) * interval '1 minute' + interval '41 days'
FROM app_seed s;
SELECT setval('applications_id_seq', :rows);

-- The units of the first 1,000 drafts sign in: they PATCH their own.
CREATE TEMP TABLE applicant_seed AS
SELECT applicant_id AS unit_id, 'bench_unit_' || applicant_id AS username
FROM applications WHERE status = 'draft' ORDER BY id LIMIT 1000;
INSERT INTO users (username, role, org_id, display_name, password_hash)
SELECT s.username, 'applicant', s.unit_id, u.name, '!bench-no-login'
FROM applicant_seed s JOIN applicant_units u ON u.id = s.unit_id;
SELECT pg_temp.sessions_for(array_agg(username), array_agg('kpjd-bench-applicant-' || unit_id))
FROM applicant_seed;

COMMIT;

VACUUM (ANALYZE) users;
VACUUM (ANALYZE) sessions;
VACUUM (ANALYZE) recommenders;
VACUUM (ANALYZE) applicant_units;
VACUUM (ANALYZE) applications;
