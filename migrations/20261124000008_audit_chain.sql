-- A chain through the audit log: each row carries a hash of itself and of
-- the row before it, in the order they were written. A row changed, added
-- or removed afterwards, even by a superuser who can get past the
-- append-only triggers, breaks the chain, and `trygg audit verify` names
-- the first broken row.

ALTER TABLE audit_events
    ADD COLUMN chain_seq bigint,
    ADD COLUMN row_hash  bytea;

-- A row as text, always the same way: no session setting (time zone, date
-- style) changes it. Verification recomputes it exactly like this.
CREATE FUNCTION audit_row_text(e audit_events) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
    SELECT concat_ws(E'\x1f',
        e.chain_seq::text,
        e.id::text,
        (extract(epoch FROM e.at) * 1000000)::bigint::text,
        coalesce(e.centre_id::text, ''),
        coalesce(e.actor_id::text, ''),
        coalesce(e.subject_account_id::text, ''),
        e.kind,
        e.detail,
        coalesce(e.attempted_login_key, ''),
        coalesce(host(e.ip), ''),
        coalesce(e.case_id::text, ''))
$$;

-- The rows written so far, chained in the order of their ids.
GRANT UPDATE ON audit_events TO CURRENT_USER;
ALTER TABLE audit_events DISABLE TRIGGER audit_events_no_change;
DO $$
DECLARE
    e audit_events%ROWTYPE;
    seq bigint := 0;
    previous bytea := ''::bytea;
BEGIN
    FOR e IN SELECT * FROM audit_events ORDER BY id LOOP
        seq := seq + 1;
        e.chain_seq := seq;
        previous := sha256(previous || convert_to(audit_row_text(e), 'UTF8'));
        UPDATE audit_events SET chain_seq = seq, row_hash = previous WHERE id = e.id;
    END LOOP;
END
$$;
ALTER TABLE audit_events ENABLE TRIGGER audit_events_no_change;
REVOKE UPDATE ON audit_events FROM CURRENT_USER;

ALTER TABLE audit_events
    ALTER COLUMN chain_seq SET NOT NULL,
    ALTER COLUMN row_hash SET NOT NULL;
CREATE UNIQUE INDEX audit_events_chain_idx ON audit_events (chain_seq);

-- Each new row links to the last one. One writer at a time, until its
-- transaction ends, so the chain has one order; the rows of one statement
-- see each other.
CREATE FUNCTION audit_events_chain() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    last audit_events%ROWTYPE;
BEGIN
    PERFORM pg_advisory_xact_lock(hashtext('trygg-audit-chain'));
    SELECT * INTO last FROM audit_events ORDER BY chain_seq DESC LIMIT 1;
    NEW.chain_seq := coalesce(last.chain_seq, 0) + 1;
    NEW.row_hash := sha256(coalesce(last.row_hash, ''::bytea)
                           || convert_to(audit_row_text(NEW), 'UTF8'));
    RETURN NEW;
END
$$;
CREATE TRIGGER audit_events_chain BEFORE INSERT ON audit_events
    FOR EACH ROW EXECUTE FUNCTION audit_events_chain();
