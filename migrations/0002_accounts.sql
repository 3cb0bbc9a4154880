-- Accounts, sessions, login throttling, the audit trail and notifications.

CREATE TABLE users (
    id                   bigserial PRIMARY KEY,
    username             text NOT NULL CHECK (username ~ '^[A-Za-z0-9][A-Za-z0-9_.@-]{2,31}$'),
    role                 text NOT NULL CHECK (role IN ('admin', 'recommender', 'applicant', 'expert')),
    org_id               bigint,               -- the recommender, applicant unit, ... it acts for
    display_name         text NOT NULL CHECK (char_length(display_name) BETWEEN 1 AND 100),
    password_hash        text NOT NULL,        -- argon2id, crypto_pwhash_str
    must_change_password boolean NOT NULL DEFAULT false,
    disabled             boolean NOT NULL DEFAULT false,
    created_at           timestamptz NOT NULL DEFAULT now(),
    password_changed_at  timestamptz NOT NULL DEFAULT now()
);
-- Usernames are unique whatever their case.
CREATE UNIQUE INDEX users_username_key ON users (lower(username));

-- The token itself is never stored: only its SHA-256.
CREATE TABLE sessions (
    id           bigserial PRIMARY KEY,
    user_id      bigint NOT NULL REFERENCES users,
    token_hash   text NOT NULL UNIQUE,
    csrf_token   text NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now(),
    last_seen_at timestamptz NOT NULL DEFAULT now(),
    expires_at   timestamptz NOT NULL,         -- the absolute end
    ended_at     timestamptz,                  -- logout, password change, admin action
    ip           text
);
CREATE INDEX sessions_user_live ON sessions (user_id) WHERE ended_at IS NULL;

-- Failed logins per key: 'user:<lower(username)>' and 'addr:<client address>'.
CREATE TABLE login_throttle (
    key             text PRIMARY KEY,
    failures        integer NOT NULL,
    last_failure_at timestamptz NOT NULL,
    locked_until    timestamptz
);

-- Append-only: every state change, in the transaction that made it.  Each
-- row carries the SHA-256 of its content and of the previous row's hash
-- (lib/audit.c); audit_head holds the last hash, and its row lock orders
-- concurrent appends.
CREATE TABLE audit_log (
    id         bigint PRIMARY KEY,
    at         timestamptz NOT NULL,
    actor_id   bigint,
    actor_role text NOT NULL,
    action     text NOT NULL,
    entity     text NOT NULL,
    entity_id  text,
    data       json NOT NULL,       -- json, not jsonb: the text is hashed byte for byte
    request_id text,
    ip         text,
    prev_hash  text NOT NULL,
    hash       text NOT NULL
);
CREATE SEQUENCE audit_log_id_seq OWNED BY audit_log.id;
CREATE INDEX audit_log_entity ON audit_log (entity, entity_id, id);
CREATE INDEX audit_log_actor ON audit_log (actor_id, id);

CREATE TABLE audit_head (
    one       boolean PRIMARY KEY DEFAULT true CHECK (one),
    last_hash text NOT NULL
);
INSERT INTO audit_head (last_hash) VALUES ('');

CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_log is append-only' USING ERRCODE = 'insufficient_privilege';
END
$$;
CREATE TRIGGER audit_log_no_change BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only();

CREATE TABLE notifications (
    id         bigserial PRIMARY KEY,
    user_id    bigint NOT NULL REFERENCES users,
    kind       text NOT NULL,
    title      text NOT NULL,
    body       text NOT NULL DEFAULT '',
    data       json NOT NULL DEFAULT '{}',
    created_at timestamptz NOT NULL DEFAULT now(),
    read_at    timestamptz
);
CREATE INDEX notifications_user ON notifications (user_id, id);
