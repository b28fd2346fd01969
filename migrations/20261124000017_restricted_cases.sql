-- Issue 18: a case restricted to named staff of its centre (a resident whom
-- some staff know: a neighbour, a relative). NULL: every staff member of the
-- centre may open it. Never an empty list, and never a NULL in it: "may
-- open" must be true or false, never unknown.
ALTER TABLE cases ADD COLUMN restricted_to uuid[]
    CHECK (restricted_to IS NULL
           OR (cardinality(restricted_to) BETWEEN 1 AND 1000
               AND array_position(restricted_to, NULL) IS NULL));

-- The restricted cases an account is named on: when it is deactivated, or
-- loses the role that may change a restriction.
CREATE INDEX cases_restricted_to_idx ON cases USING gin (restricted_to)
    WHERE restricted_to IS NOT NULL;

-- A centre's restricted cases, few among many: what counts of open flags
-- leave out for those not on a case's list.
CREATE INDEX cases_restricted_centre_idx ON cases (centre_id) WHERE restricted_to IS NOT NULL;
