-- Relocation to another centre (§ 4 c, R1–R9): the one place where data
-- crosses from one centre to another, and then only what the resident
-- consented to (R6, U5).

-- Where a centre lies: what candidates for a relocation are assessed by (R2).
ALTER TABLE centres
    ADD COLUMN municipality text NOT NULL DEFAULT '' CHECK (length(municipality) <= 100),
    ADD COLUMN region       text NOT NULL DEFAULT '' CHECK (length(region) <= 100);

-- Why a closed case closed ("Relokalisert til …").
ALTER TABLE cases ADD COLUMN departure_reason text NOT NULL DEFAULT '';

-- One relocation of one case, from its centre. The assessment, the
-- decision, police contacts, consent, the children's part and the digital
-- checklist are its typed content; the state and destination are columns
-- because queries and constraints need them.
CREATE TABLE relocations (
    id                    uuid PRIMARY KEY,
    centre_id             uuid NOT NULL REFERENCES centres (id),
    case_id               uuid NOT NULL REFERENCES cases (id),
    state                 text NOT NULL CHECK (state IN ('assessing', 'decided', 'moved', 'cancelled')),
    content               jsonb NOT NULL,
    -- Set by the decision: a centre in Trygg, or one outside named in text.
    destination_centre_id uuid REFERENCES centres (id),
    destination_name      text NOT NULL DEFAULT '',
    moved_on              date,
    lock_version          integer NOT NULL DEFAULT 1,
    opened_by             uuid NOT NULL REFERENCES accounts (id),
    opened_at             timestamptz NOT NULL DEFAULT now(),
    updated_by            uuid NOT NULL REFERENCES accounts (id),
    updated_at            timestamptz NOT NULL DEFAULT now(),
    decided_by            uuid REFERENCES accounts (id),
    decided_at            timestamptz,
    moved_by              uuid REFERENCES accounts (id),
    moved_at              timestamptz,
    cancelled_by          uuid REFERENCES accounts (id),
    cancelled_at          timestamptz,
    CHECK (destination_centre_id IS DISTINCT FROM centre_id),
    CHECK (state NOT IN ('decided', 'moved') OR destination_name <> ''),
    CHECK (state <> 'moved' OR moved_on IS NOT NULL)
);
-- At most one relocation under way per case.
CREATE UNIQUE INDEX relocations_one_active_idx ON relocations (case_id)
    WHERE state IN ('assessing', 'decided');
CREATE INDEX relocations_case_idx ON relocations (case_id, opened_at);

-- What the destination centre receives when the move is recorded with the
-- resident's consent: a copy of exactly what was consented, as it was at the
-- move. Nobody changes it; the destination may only link the case it
-- started from it.
CREATE TABLE relocation_shares (
    id                    uuid PRIMARY KEY,
    relocation_id         uuid NOT NULL UNIQUE REFERENCES relocations (id),
    origin_centre_id      uuid NOT NULL REFERENCES centres (id),
    origin_case_id        uuid NOT NULL REFERENCES cases (id),
    destination_centre_id uuid NOT NULL REFERENCES centres (id),
    content               jsonb NOT NULL,
    shared_at             timestamptz NOT NULL DEFAULT now(),
    -- The destination's own case, once started from the share.
    case_id               uuid REFERENCES cases (id),
    CHECK (origin_centre_id <> destination_centre_id)
);
CREATE INDEX relocation_shares_destination_idx
    ON relocation_shares (destination_centre_id, shared_at DESC);

CREATE FUNCTION relocation_shares_frozen() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        RAISE EXCEPTION 'a relocation share is never deleted';
    END IF;
    IF NEW.id <> OLD.id OR NEW.relocation_id <> OLD.relocation_id
       OR NEW.origin_centre_id <> OLD.origin_centre_id OR NEW.origin_case_id <> OLD.origin_case_id
       OR NEW.destination_centre_id <> OLD.destination_centre_id
       OR NEW.content <> OLD.content OR NEW.shared_at <> OLD.shared_at
       OR OLD.case_id IS NOT NULL THEN
        RAISE EXCEPTION 'a relocation share does not change';
    END IF;
    RETURN NEW;
END
$$;
CREATE TRIGGER relocation_shares_no_change BEFORE UPDATE OR DELETE ON relocation_shares
    FOR EACH ROW EXECUTE FUNCTION relocation_shares_frozen();

-- A case the destination started from a share, and the mapping versions it
-- received: "fra <senter>".
ALTER TABLE cases ADD COLUMN arrived_with_share uuid REFERENCES relocation_shares (id);
CREATE UNIQUE INDEX cases_arrived_with_share_idx ON cases (arrived_with_share)
    WHERE arrived_with_share IS NOT NULL;
ALTER TABLE mappings ADD COLUMN received_from text;
