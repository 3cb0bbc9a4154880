-- Naming (认定命名), bases and their certificates (issue 11).  A base is a
-- named application's unit for a term; its certificate number is
-- KPJD-<term start year>-<6 digits>, consecutive per term start year across
-- batches: certificate_counters holds the last number given, and naming
-- takes its numbers with one UPDATE of that row, so two namings at once
-- queue on it and never collide (the UNIQUE below is the proof).
CREATE TABLE certificate_counters (
    term_start_year integer PRIMARY KEY CHECK (term_start_year BETWEEN 2000 AND 2100),
    last_no         integer NOT NULL CHECK (last_no BETWEEN 0 AND 999999)
);

-- The public keys that have signed (or sign) certificates and checkpoints,
-- recorded the first time kpjdd serves with them: GET /public/keys lists
-- them with that date, and a signature made with a retired key still
-- verifies.  Never changed or removed.
CREATE TABLE signing_keys (
    key_id     text PRIMARY KEY CHECK (key_id ~ '^[0-9a-f]{16}$'),
    public_key bytea NOT NULL CHECK (octet_length(public_key) = 32),
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE TRIGGER signing_keys_no_change BEFORE UPDATE OR DELETE ON signing_keys
    FOR EACH ROW EXECUTE FUNCTION append_only();

-- status holds what the admin decided; `expired` is not stored: it is read
-- from the database clock (the current year after term_end_year) wherever a
-- base is shown.  The certificate is signed once, at naming: the payload
-- exactly as signed (API.md, "Naming"), its signature and the key's id.
CREATE TABLE bases (
    id                bigserial PRIMARY KEY,
    certificate_no    text NOT NULL UNIQUE CHECK (certificate_no ~ '^KPJD-[0-9]{4}-[0-9]{6}$'),
    batch_id          bigint NOT NULL REFERENCES batches,
    application_id    bigint NOT NULL UNIQUE REFERENCES applications,
    applicant_id      bigint NOT NULL REFERENCES applicant_units,
    name              text NOT NULL,
    unit_name         text NOT NULL,
    credit_code       text NOT NULL,
    region_code       integer NOT NULL REFERENCES regions,
    category          text NOT NULL,
    recommender_id    bigint NOT NULL REFERENCES recommenders,
    term_start_year   integer NOT NULL,
    term_end_year     integer NOT NULL,
    named_on          date NOT NULL,
    decision_no       text CHECK (char_length(decision_no) <= 100),
    status            text NOT NULL DEFAULT 'valid' CHECK (status IN ('valid', 'suspended', 'revoked')),
    status_reason     text CHECK (char_length(status_reason) <= 2000),
    payload_canonical text NOT NULL,
    signature         text NOT NULL,
    key_id            text NOT NULL REFERENCES signing_keys,
    created_at        timestamptz NOT NULL DEFAULT now(),
    updated_at        timestamptz NOT NULL DEFAULT now(),
    CHECK (term_end_year >= term_start_year)
);
CREATE INDEX bases_batch ON bases (batch_id, id);
CREATE INDEX bases_applicant ON bases (applicant_id);
CREATE INDEX bases_credit_code ON bases (credit_code);
CREATE INDEX bases_region_category ON bases (region_code, category, id);

-- The signed facts never change once named.
CREATE FUNCTION bases_certificate_sealed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.certificate_no IS DISTINCT FROM OLD.certificate_no
       OR NEW.payload_canonical IS DISTINCT FROM OLD.payload_canonical
       OR NEW.signature IS DISTINCT FROM OLD.signature
       OR NEW.key_id IS DISTINCT FROM OLD.key_id THEN
        RAISE EXCEPTION 'base %: the certificate is sealed', OLD.id USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF OLD.status = 'revoked' AND NEW.status <> 'revoked' THEN
        RAISE EXCEPTION 'base %: revoked is final', OLD.id USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN NEW;
END
$$;
CREATE TRIGGER bases_certificate_sealed BEFORE UPDATE ON bases
    FOR EACH ROW EXECUTE FUNCTION bases_certificate_sealed();
CREATE TRIGGER bases_no_delete BEFORE DELETE ON bases
    FOR EACH ROW EXECUTE FUNCTION append_only();

-- Plaque (牌匾) handovers: a record, one row per handover.
CREATE TABLE plaques (
    id          bigserial PRIMARY KEY,
    base_id     bigint NOT NULL REFERENCES bases,
    issued_on   date NOT NULL,
    recipient   text NOT NULL CHECK (char_length(recipient) BETWEEN 1 AND 100),
    recorded_by bigint NOT NULL REFERENCES users,
    created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX plaques_base ON plaques (base_id, id);
