-- Mail: every account's address and whether it wants mail that is not
-- essential, and the outbox.  A message is written to email_outbox in the
-- transaction of the change it announces (lib/domain/notify.c), so it is
-- never lost and never sent for a change that rolled back; the sender
-- (server/mailer.c) delivers it later.

ALTER TABLE users
    ADD COLUMN email text CHECK (email IS NULL OR char_length(email) BETWEEN 3 AND 254),
    ADD COLUMN mail_opt_out boolean NOT NULL DEFAULT false;   -- true: essential mail only
-- Password reset finds an account by its address, whatever the case.
CREATE INDEX users_email ON users (lower(email)) WHERE email IS NOT NULL;

-- The addresses the platform already holds: a unit's account takes the
-- contact address of its registration, a recommender's account the one of
-- its newest contact form (附件2).
UPDATE users u SET email = a.contact_email
  FROM applicant_units a
 WHERE u.role = 'applicant' AND u.org_id = a.id;
UPDATE users u SET email = c.email
  FROM recommenders r
  JOIN LATERAL (SELECT email FROM contacts WHERE recommender_id = r.id
                 ORDER BY submitted_at DESC LIMIT 1) c ON true
 WHERE u.id = r.user_id;

-- One row per message and recipient.  status: pending (waiting for
-- next_attempt_at), sending (claimed by one sender since claimed_at), sent,
-- failed (permanently, or given up after the last retry; last_error holds
-- the server's answer).  A message is claimed before it is sent and the
-- claim committed, so two kpjdd processes never send it twice.
CREATE TABLE email_outbox (
    id              bigserial PRIMARY KEY,
    user_id         bigint REFERENCES users,          -- NULL: not to an account
    kind            text NOT NULL,                    -- the notification's kind
    essential       boolean NOT NULL,                 -- sent even to those who opted out
    to_addr         text NOT NULL CHECK (char_length(to_addr) BETWEEN 3 AND 254),
    subject         text NOT NULL,
    body            text NOT NULL,
    body_after      text,            -- the body once the message has left (sent or failed): a
                                     -- reset mail's without its link; NULL: the body stays
    expires_at      timestamptz,     -- not sent after this (a reset link's end): failed instead
    message_id      text NOT NULL UNIQUE,             -- Message-ID, without the angle brackets
    status          text NOT NULL DEFAULT 'pending'
                    CHECK (status IN ('pending', 'sending', 'sent', 'failed')),
    attempts        integer NOT NULL DEFAULT 0,
    next_attempt_at timestamptz NOT NULL DEFAULT now(),
    claimed_at      timestamptz,
    claimed_by      text,                             -- the claim's name (server/mailer.c)
    sent_at         timestamptz,
    last_error      text,
    created_at      timestamptz NOT NULL DEFAULT now()
);
-- The sender's query: what is due, essential mail first, then oldest first.
CREATE INDEX email_outbox_due ON email_outbox (essential DESC, next_attempt_at, id) WHERE status = 'pending';
-- The admin's view, by status, newest first.
CREATE INDEX email_outbox_status ON email_outbox (status, id);
