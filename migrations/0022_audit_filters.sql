-- The audit log for people (issue 13 item 6): filtered by action, by object
-- type alone and by time.  GET /audit pages newest first by keyset
-- (id < cursor ORDER BY id DESC); lib/store/auditlist.c prepares one
-- statement per filter shape, and each filter has an index here or in
-- 0002_accounts.sql (actor_id, id and entity, entity_id, id) that yields its
-- rows in that order, except time: a time range is read through
-- audit_log_at and its rows sorted (ids follow the chain, and `at` is the
-- appending transaction's start, so the two orders may differ slightly).
CREATE INDEX audit_log_action      ON audit_log (action, id);
CREATE INDEX audit_log_entity_type ON audit_log (entity, id);
CREATE INDEX audit_log_at          ON audit_log (at);
-- API.md lets an object number be asked alone (every type's rows with that
-- number): in id order too.
CREATE INDEX audit_log_entity_id   ON audit_log (entity_id, id);
