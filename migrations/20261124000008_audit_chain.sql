-- A chain through the audit log: each event gets a link, made as its
-- transaction commits, holding a hash of the event and of the link before
-- it. An event changed, added or removed afterwards behind the triggers
-- breaks the chain, and `trygg audit verify` names the first such event,
-- unless every link after it was recomputed too: so `verify` prints the
-- last link, to be noted somewhere else, and `--expect` checks such a note.
--
-- The links live in their own table and are made at commit, by a deferred
-- trigger: the lock that gives the chain one order is taken last in every
-- transaction, after every row lock, so it never forms a cycle with them.

-- No foreign key to the events: its check would lock their rows, which
-- needs the UPDATE right that nobody has on them. Verification matches them.
CREATE TABLE audit_chain (
    event_id bigint PRIMARY KEY,
    seq      bigint NOT NULL UNIQUE,
    row_hash bytea NOT NULL
);

-- An event and its place as text, always the same way: no session setting
-- (time zone, date style) changes it, and no value can pass for another.
CREATE FUNCTION audit_row_text(e audit_events, seq bigint) RETURNS text
LANGUAGE sql STABLE SET search_path = pg_catalog, public AS $$
    SELECT jsonb_build_array(
        seq, e.id, (extract(epoch FROM e.at) * 1000000)::bigint,
        e.centre_id, e.actor_id, e.subject_account_id, e.kind, e.detail,
        e.attempted_login_key, host(e.ip), e.case_id)::text
$$;

-- The events written so far, linked in the order of their ids.
INSERT INTO audit_chain (event_id, seq, row_hash)
WITH RECURSIVE ordered AS (
    SELECT e, row_number() OVER (ORDER BY e.id) AS seq FROM audit_events e
), linked AS (
    SELECT (o.e).id AS event_id, o.seq,
           sha256(convert_to(audit_row_text(o.e, o.seq), 'UTF8')) AS row_hash
    FROM ordered o WHERE o.seq = 1
    UNION ALL
    SELECT (o.e).id, o.seq,
           sha256(l.row_hash || convert_to(audit_row_text(o.e, o.seq), 'UTF8'))
    FROM linked l JOIN ordered o ON o.seq = l.seq + 1
)
SELECT event_id, seq, row_hash FROM linked;

CREATE FUNCTION audit_chain_link() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, public AS $$
DECLARE
    last audit_chain%ROWTYPE;
    next_seq bigint;
BEGIN
    PERFORM pg_advisory_xact_lock(hashtext('trygg-audit-chain'));
    SELECT * INTO last FROM audit_chain ORDER BY seq DESC LIMIT 1;
    next_seq := coalesce(last.seq, 0) + 1;
    INSERT INTO audit_chain (event_id, seq, row_hash)
    VALUES (NEW.id, next_seq,
            sha256(coalesce(last.row_hash, ''::bytea)
                   || convert_to(audit_row_text(NEW, next_seq), 'UTF8')));
    RETURN NULL;
END
$$;
CREATE CONSTRAINT TRIGGER audit_events_chain AFTER INSERT ON audit_events
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION audit_chain_link();

-- Append-only, like the events.
CREATE TRIGGER audit_chain_no_change BEFORE UPDATE OR DELETE ON audit_chain
    FOR EACH ROW EXECUTE FUNCTION audit_events_append_only();
CREATE TRIGGER audit_chain_no_truncate BEFORE TRUNCATE ON audit_chain
    FOR EACH STATEMENT EXECUTE FUNCTION audit_events_append_only();
REVOKE UPDATE, DELETE, TRUNCATE ON audit_chain FROM PUBLIC;
REVOKE UPDATE, DELETE, TRUNCATE ON audit_chain FROM CURRENT_USER;
