-- The chain's links are written by its trigger alone, with the rights of the
-- schema's owner: the web server's role gets no INSERT on audit_chain (a row
-- of its own, with the largest seq, would stop every later event), and a
-- temporary table of the same name is never searched before the real one.
ALTER FUNCTION audit_chain_link() SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp;
ALTER FUNCTION audit_row_text(audit_events, bigint) SET search_path = pg_catalog, public, pg_temp;
REVOKE EXECUTE ON FUNCTION audit_chain_link() FROM PUBLIC;
