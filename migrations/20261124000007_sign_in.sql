-- Sign-in that holds (ASVS 2 and 3 at level 3): a second factor, a lockout
-- decided atomically before any hashing, trusted devices, sessions a user
-- can see and end, and temporary passwords that expire.

-- One random key from which Trygg derives the keys it signs and hashes with
-- (the login form's CSRF token, device cookies, throttle and audit keys).
-- Made by the first process to start; every process on the database shares it.
CREATE TABLE server_keys (
    name text PRIMARY KEY,
    key  bytea NOT NULL CHECK (length(key) = 32)
);

ALTER TABLE accounts
    -- A temporary password expires 72 hours after it was set.
    ADD COLUMN password_set_at timestamptz NOT NULL DEFAULT now(),
    -- The TOTP secret (RFC 6238); NULL until the account has enrolled.
    ADD COLUMN totp_secret     bytea CHECK (length(totp_secret) >= 20),
    -- The last time step a code was accepted for: no code is accepted twice.
    ADD COLUMN totp_last_step  bigint,
    -- Wrong codes in a row, whatever the lock windows: past a limit only an
    -- administrator's reset opens the code step again (NIST 800-63B 5.2.2).
    ADD COLUMN second_factor_failures integer NOT NULL DEFAULT 0,
    -- Part of every device cookie's MAC: raised when the password or the
    -- second factor changes, or the account is signed out everywhere, so
    -- every browser trusted before is trusted no more.
    ADD COLUMN device_epoch    integer NOT NULL DEFAULT 0,
    ADD COLUMN last_login_ip   inet;

-- Administrators and coordinators always sign in with a second factor;
-- the centre's administrator decides for staff (default: yes).
ALTER TABLE centres ADD COLUMN staff_second_factor boolean NOT NULL DEFAULT true;

-- Ten one-time codes for when the phone is gone: salted SHA-256 of about
-- 80 random bits each (ASVS 2.6.2), shown once.
CREATE TABLE recovery_codes (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    account_id uuid NOT NULL REFERENCES accounts (id),
    salt       bytea NOT NULL,
    code_hash  bytea NOT NULL,
    used_at    timestamptz
);
CREATE INDEX recovery_codes_account_idx ON recovery_codes (account_id) WHERE used_at IS NULL;

ALTER TABLE sessions
    -- How the session list and its buttons name a session (never by its hash).
    ADD COLUMN public_id         uuid NOT NULL DEFAULT gen_random_uuid(),
    -- A password alone opens only the second-factor step, or enrolment.
    ADD COLUMN stage             text NOT NULL DEFAULT 'signed_in'
        CHECK (stage IN ('second_factor', 'enrol', 'signed_in')),
    -- The secret being enrolled, until its first code confirms it.
    ADD COLUMN enrol_secret      bytea,
    -- The trusted device (its cookie's nonce) the password was typed on.
    ADD COLUMN trusted_device    text,
    ADD COLUMN ip                inet,
    ADD COLUMN user_agent        text NOT NULL DEFAULT '' CHECK (length(user_agent) <= 300),
    -- "What happened while you were away", shown on the dashboard.
    ADD COLUMN previous_login_at timestamptz,
    ADD COLUMN previous_login_ip inet,
    ADD CHECK ((stage = 'signed_in') OR account_id IS NOT NULL);
CREATE UNIQUE INDEX sessions_public_id_key ON sessions (public_id);
-- Anonymous sessions are no longer made for the login form: the old ones go.
DELETE FROM sessions WHERE account_id IS NULL AND NOT setup_allowed
    AND NOT EXISTS (SELECT 1 FROM pending_submissions p WHERE p.session_id_hash = sessions.id_hash);

-- Attempts per key (an account's e-mail, a client address, a trusted
-- device), each counted in one atomic statement before any hashing.
-- Keys are keyed hashes: what was typed is never stored.
DROP TABLE login_failures;
DROP TABLE login_lockouts;
CREATE TABLE login_throttle (
    key          bytea PRIMARY KEY,
    attempts     integer NOT NULL,
    window_start timestamptz NOT NULL
);
CREATE INDEX login_throttle_window_idx ON login_throttle (window_start);

-- An unknown e-mail typed at login was stored as typed, and it is sometimes
-- a password typed into the wrong field. The column goes (its rows cannot
-- be changed), and a keyed hash groups repeated attempts instead.
ALTER TABLE audit_events DROP COLUMN attempted_email;
ALTER TABLE audit_events ADD COLUMN attempted_login_key text
    CHECK (attempted_login_key ~ '^[0-9a-f]{16}$');
