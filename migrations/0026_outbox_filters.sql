-- The admin's view of the outbox (GET /api/v1/mail/outbox) filters by kind
-- and by recipient address (whatever the case), newest first.
CREATE INDEX email_outbox_kind ON email_outbox (kind, id);
CREATE INDEX email_outbox_to ON email_outbox (lower(to_addr), id);
