-- Issue 18: a case restricted to named staff of its centre (a resident whom
-- some staff know: a neighbour, a relative). NULL: every staff member of the
-- centre may open it. Accounts are never deleted, only deactivated, so the
-- ids stay meaningful.
ALTER TABLE cases ADD COLUMN restricted_to uuid[]
    CHECK (restricted_to IS NULL OR cardinality(restricted_to) BETWEEN 1 AND 1000);
