-- A name search reads only its own centre's matching people: the trigram
-- index leads with the centre (btree_gin lets a GIN index hold it), where
-- it used to read every centre's matches and then drop the others'.
CREATE EXTENSION IF NOT EXISTS btree_gin;
DROP INDEX persons_name_trgm_idx;
CREATE INDEX persons_centre_name_trgm_idx ON persons USING gin (centre_id, lower(name) gin_trgm_ops);
