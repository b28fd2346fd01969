-- The chain's last link, kept in one row. Each new link reads and moves it
-- under that row's lock, taken at commit as the advisory lock was (last in
-- every transaction, after every other row lock), at the same cost however
-- long the chain. The lookup of the highest seq that this replaces was
-- planned once per session by PL/pgSQL: a plan made while the chain was
-- short read the whole table at every link.
CREATE TABLE audit_chain_head (
    only_row boolean PRIMARY KEY DEFAULT true CHECK (only_row),
    seq      bigint NOT NULL,
    row_hash bytea NOT NULL
);
INSERT INTO audit_chain_head (seq, row_hash)
SELECT coalesce((SELECT seq FROM audit_chain ORDER BY seq DESC LIMIT 1), 0),
       coalesce((SELECT row_hash FROM audit_chain ORDER BY seq DESC LIMIT 1), ''::bytea);
REVOKE ALL ON audit_chain_head FROM PUBLIC;

CREATE OR REPLACE FUNCTION audit_chain_link() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE
    next_seq bigint;
    next_hash bytea;
BEGIN
    UPDATE audit_chain_head
       SET seq = seq + 1,
           row_hash = sha256(row_hash || convert_to(audit_row_text(NEW, seq + 1), 'UTF8'))
     RETURNING seq, row_hash INTO next_seq, next_hash;
    INSERT INTO audit_chain (event_id, seq, row_hash) VALUES (NEW.id, next_seq, next_hash);
    RETURN NULL;
END
$$;
REVOKE EXECUTE ON FUNCTION audit_chain_link() FROM PUBLIC;
