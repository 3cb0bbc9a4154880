-- 120,000 audit rows for test_auditlist (the plans of the audit list
-- statements): two years of them, `at` rising with the id with a few
-- seconds' jitter (as concurrent transactions leave it); 500 accounts of
-- every role acting; common and rare actions and objects; data of about
-- 300 bytes.  The chain is not kept (the triggers are off while seeding):
-- the plans do not depend on it.
INSERT INTO users (id, username, role, org_id, display_name, password_hash)
SELECT k, 'user' || k, (ARRAY['admin', 'recommender', 'applicant', 'expert'])[1 + k % 4], k, '用户' || k, '!'
  FROM generate_series(1, 500) k;
INSERT INTO recommenders (id, name, kind, user_id)
SELECT k, '推荐单位' || k, 'national_society', k FROM generate_series(1, 500) k WHERE k % 4 = 1;

ALTER TABLE audit_log DISABLE TRIGGER audit_log_advance_head;
INSERT INTO audit_log (id, at, actor_id, actor_role, action, entity, entity_id, data, request_id, ip, prev_hash, hash)
SELECT i, timestamptz '2025-01-01 00:00:00+08' + (i * interval '525 seconds') + ((i * 7919) % 5) * interval '1 second',
       CASE WHEN i % 50 = 0 THEN NULL ELSE 1 + (i * 31) % 500 END,
       CASE WHEN i % 50 = 0 THEN 'anonymous' ELSE 'recommender' END,
       CASE WHEN i % 1000 = 0 THEN 'base.revoked'
            ELSE (ARRAY['session.login', 'session.login', 'session.logout', 'application.updated', 'application.updated',
                        'application.updated', 'application.submitted', 'attachment.uploaded', 'assignment.scored',
                        'application.recommended'])[1 + i % 10] END,
       CASE WHEN i % 1000 = 0 THEN 'base'
            ELSE (ARRAY['session', 'session', 'session', 'application', 'application', 'application', 'application',
                        'attachment', 'assignment', 'application'])[1 + i % 10] END,
       (1 + i % 20000)::text,
       json_build_object('username', 'u' || i, 'note', repeat('科普', 40))::json,
       md5(i::text), '10.0.' || (i % 250) || '.' || (i % 200), '', ''
  FROM generate_series(1, 120000) i;
ALTER TABLE audit_log ENABLE TRIGGER audit_log_advance_head;
ANALYZE users, recommenders, audit_log;
