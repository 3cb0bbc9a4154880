-- An audit trail the serving role cannot rewrite.  kpjdd serves as an
-- application role that owns nothing (lib/migrate.c grants it what it needs
-- after every migration): it may INSERT and SELECT audit rows, never change
-- them.  The head of the chain moves only here, in a function that runs as
-- the owner, and only forward: a new row must extend the head.  Signed
-- checkpoints (lib/audit.c) record the head now and then, so that even the
-- owner cannot rewrite history before the newest one undetected.

ALTER TABLE audit_head
    ADD COLUMN last_id bigint NOT NULL DEFAULT 0,   -- the newest row's id (0: none)
    ADD COLUMN count   bigint NOT NULL DEFAULT 0;   -- rows in the chain
UPDATE audit_head SET last_id = coalesce((SELECT max(id) FROM audit_log), 0),
                      count = (SELECT count(*) FROM audit_log);

CREATE FUNCTION audit_log_advance_head() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
    UPDATE audit_head SET last_hash = NEW.hash, last_id = NEW.id, count = count + 1
     WHERE last_hash = NEW.prev_hash AND last_id < NEW.id;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'audit_log: row % does not extend the head of the chain', NEW.id
            USING ERRCODE = 'check_violation';
    END IF;
    RETURN NEW;
END
$$;
CREATE TRIGGER audit_log_advance_head BEFORE INSERT ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_advance_head();

-- Signed statements of the chain's state: Ed25519 over the canonical JSON of
-- {"at","count","head_hash","last_audit_id"}.  Public, so outsiders keep
-- copies; append-only like the log.
CREATE TABLE audit_checkpoints (
    id            bigserial PRIMARY KEY,
    last_audit_id bigint NOT NULL,        -- the newest row covered (0: an empty log)
    count         bigint NOT NULL,        -- rows up to and including it
    head_hash     text NOT NULL,          -- its hash ("" for an empty log)
    at            timestamptz NOT NULL,   -- whole seconds: signed as RFC 3339 text
    key_id        text NOT NULL,
    signature     text NOT NULL           -- base64url, no padding
);
CREATE INDEX audit_checkpoints_last ON audit_checkpoints (last_audit_id, id);

CREATE FUNCTION append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '% is append-only', TG_TABLE_NAME USING ERRCODE = 'insufficient_privilege';
END
$$;
CREATE TRIGGER audit_checkpoints_no_change BEFORE UPDATE OR DELETE ON audit_checkpoints
    FOR EACH ROW EXECUTE FUNCTION append_only();
CREATE TRIGGER audit_checkpoints_no_truncate BEFORE TRUNCATE ON audit_checkpoints
    FOR EACH STATEMENT EXECUTE FUNCTION append_only();
