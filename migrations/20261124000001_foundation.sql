-- Foundation: centres, accounts, sessions, login throttling, first-run setup,
-- and the append-only audit log.

-- Names sort as Norwegians expect (… X Y Z Æ Ø Å).
CREATE COLLATION IF NOT EXISTS norwegian (provider = icu, locale = 'nb-NO');

CREATE TABLE centres (
    id                   uuid PRIMARY KEY,
    name                 text COLLATE norwegian NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    has_shielded_address boolean NOT NULL DEFAULT false,
    created_at           timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX centres_name_key ON centres (lower(name));

CREATE TABLE accounts (
    id                   uuid PRIMARY KEY,
    centre_id            uuid NOT NULL REFERENCES centres (id),
    -- Stored in lower case; login is by e-mail, so it is unique across centres.
    email                text NOT NULL CHECK (email = lower(email)),
    full_name            text COLLATE norwegian NOT NULL CHECK (length(full_name) BETWEEN 1 AND 200),
    role                 text NOT NULL CHECK (role IN ('staff', 'coordinator', 'admin')),
    password_hash        text NOT NULL,
    must_change_password boolean NOT NULL DEFAULT false,
    active               boolean NOT NULL DEFAULT true,
    created_at           timestamptz NOT NULL DEFAULT now(),
    last_login_at        timestamptz
);
CREATE UNIQUE INDEX accounts_email_key ON accounts (email);
CREATE INDEX accounts_centre_name_idx ON accounts (centre_id, full_name);

-- The cookie holds a random token; only its SHA-256 is stored, so a copy of
-- the database cannot be used to take over a session.
CREATE TABLE sessions (
    id_hash       bytea PRIMARY KEY,
    account_id    uuid REFERENCES accounts (id),
    csrf_token    text NOT NULL,
    -- Set once the one-time setup link was opened in this session.
    setup_allowed boolean NOT NULL DEFAULT false,
    created_at    timestamptz NOT NULL DEFAULT now(),
    last_seen_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX sessions_account_idx ON sessions (account_id);
CREATE INDEX sessions_last_seen_idx ON sessions (last_seen_at);

-- A form posted after its session expired, kept until its author logs in again.
CREATE TABLE pending_submissions (
    session_id_hash bytea PRIMARY KEY REFERENCES sessions (id_hash) ON DELETE CASCADE,
    account_id      uuid NOT NULL REFERENCES accounts (id),
    path            text NOT NULL,
    body            text NOT NULL,
    created_at      timestamptz NOT NULL DEFAULT now()
);

-- Failed logins by the e-mail tried, known account or not, so a lockout
-- does not tell whether an account exists.
CREATE TABLE login_failures (
    email text NOT NULL,
    at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX login_failures_email_at_idx ON login_failures (email, at);

CREATE TABLE login_lockouts (
    email text PRIMARY KEY,
    until timestamptz NOT NULL
);

CREATE TABLE setup_tokens (
    token_hash bytea PRIMARY KEY,
    created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE audit_events (
    id                 bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at                 timestamptz NOT NULL DEFAULT now(),
    -- NULL for events that belong to no centre (a login tried with an unknown e-mail).
    centre_id          uuid REFERENCES centres (id),
    actor_id           uuid REFERENCES accounts (id),
    subject_account_id uuid REFERENCES accounts (id),
    kind               text NOT NULL,
    detail             text NOT NULL DEFAULT '',
    attempted_email    text,
    ip                 inet
);
CREATE INDEX audit_events_centre_idx ON audit_events (centre_id, id DESC);
CREATE INDEX audit_events_centre_kind_idx ON audit_events (centre_id, kind, id DESC);
CREATE INDEX audit_events_actor_idx ON audit_events (actor_id, id DESC);
CREATE INDEX audit_events_subject_idx ON audit_events (subject_account_id, id DESC);

-- Append-only, for every role: the owner gives up its own rights, and a
-- trigger stops even a superuser who has them.
CREATE FUNCTION audit_events_append_only() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_events is append-only';
END
$$;
CREATE TRIGGER audit_events_no_change BEFORE UPDATE OR DELETE ON audit_events
    FOR EACH ROW EXECUTE FUNCTION audit_events_append_only();
CREATE TRIGGER audit_events_no_truncate BEFORE TRUNCATE ON audit_events
    FOR EACH STATEMENT EXECUTE FUNCTION audit_events_append_only();
REVOKE UPDATE, DELETE, TRUNCATE ON audit_events FROM PUBLIC;
REVOKE UPDATE, DELETE, TRUNCATE ON audit_events FROM CURRENT_USER;
