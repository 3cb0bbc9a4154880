-- Password reset: a single-use link sent by mail (server/api/password_reset.c).
-- The token itself is never stored, only its SHA-256, as for sessions.  A
-- token opens the reset while it is unused, unexpired, its account is
-- enabled and its password has not changed since the token was made: any
-- change (this reset, the user's own, the admin's) ends every older token.
CREATE TABLE password_resets (
    id         bigserial PRIMARY KEY,
    user_id    bigint NOT NULL REFERENCES users,
    token_hash text NOT NULL UNIQUE,
    created_at timestamptz NOT NULL DEFAULT now(),
    expires_at timestamptz NOT NULL,
    used_at    timestamptz,
    ip         text                    -- the requesting client's address
);
-- The per-account cap counts an account's recent requests.
CREATE INDEX password_resets_user ON password_resets (user_id, created_at);
