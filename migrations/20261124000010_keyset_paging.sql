-- The case list pages by (arrival_date, id), newest first, from a case of
-- the page before (keyset paging): both columns in one direction, so that
-- a row comparison bounds an index scan (read backwards) and a deep page
-- costs what the first does.
DROP INDEX cases_centre_arrival_idx;
DROP INDEX cases_centre_contact_idx;
DROP INDEX cases_centre_open_idx;
CREATE INDEX cases_centre_arrival_idx ON cases (centre_id, arrival_date, id);
CREATE INDEX cases_centre_contact_idx ON cases (centre_id, contact_person_id, arrival_date, id);
CREATE INDEX cases_centre_open_idx ON cases (centre_id, arrival_date, id) WHERE closed_on IS NULL;
