-- Issue 17: the one or more who use violence, on the case, with every saved
-- version kept; the case's incident log; and the flags they raise.

CREATE TABLE perpetrators (
    id           uuid PRIMARY KEY,
    case_id      uuid NOT NULL REFERENCES cases (id),
    centre_id    uuid NOT NULL REFERENCES centres (id),
    -- The newest version, as in perpetrator_versions.
    version      integer NOT NULL CHECK (version > 0),
    content      jsonb NOT NULL,
    created_by   uuid NOT NULL REFERENCES accounts (id),
    created_at   timestamptz NOT NULL DEFAULT now(),
    updated_by   uuid NOT NULL REFERENCES accounts (id),
    updated_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX perpetrators_case_idx ON perpetrators (case_id, created_at);

-- Every saved version; none ever changes.
CREATE TABLE perpetrator_versions (
    perpetrator_id uuid NOT NULL REFERENCES perpetrators (id),
    version        integer NOT NULL CHECK (version > 0),
    centre_id      uuid NOT NULL REFERENCES centres (id),
    content        jsonb NOT NULL,
    saved_by       uuid NOT NULL REFERENCES accounts (id),
    saved_at       timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (perpetrator_id, version)
);

-- What happened: a call, a sighting at school, a breached order. Recorded
-- once and never changed; a correction is a new entry.
CREATE TABLE incidents (
    id            uuid PRIMARY KEY,
    case_id       uuid NOT NULL REFERENCES cases (id),
    centre_id     uuid NOT NULL REFERENCES centres (id),
    occurred_on   date NOT NULL,
    occurred_time time,
    kind          text NOT NULL CHECK (kind IN ('contact', 'sighting', 'breach', 'threat',
                                                'violence', 'abduction_attempt', 'address_known',
                                                'tracking_found', 'after_contact', 'other')),
    serious       boolean NOT NULL,
    reported      text NOT NULL CHECK (reported IN ('yes', 'no', 'unknown')),
    description   text NOT NULL,
    -- The people of the case it concerned.
    concerns      uuid[] NOT NULL CHECK (cardinality(concerns) > 0),
    recorded_by   uuid NOT NULL REFERENCES accounts (id),
    recorded_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX incidents_case_idx ON incidents (case_id, occurred_on DESC, recorded_at DESC);
-- The scan: serious incidents by case.
CREATE INDEX incidents_serious_idx ON incidents (case_id, occurred_on) WHERE serious;

ALTER TABLE review_flags DROP CONSTRAINT review_flags_kind_check;
ALTER TABLE review_flags ADD CONSTRAINT review_flags_kind_check
    CHECK (kind IN ('overdue_review', 'review_before_departure', 'plan_behind_mapping',
                    'no_mapping', 'no_plan', 'relocation_to_consider', 'order_expires',
                    'incident_after_plan'));

-- An incident and a saved version are never changed by the server.
CREATE FUNCTION written_once() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '% is written once and never changed', TG_TABLE_NAME;
END
$$;
CREATE TRIGGER incidents_written_once BEFORE UPDATE OR DELETE ON incidents
    FOR EACH ROW EXECUTE FUNCTION written_once();
CREATE TRIGGER perpetrator_versions_written_once BEFORE UPDATE OR DELETE ON perpetrator_versions
    FOR EACH ROW EXECUTE FUNCTION written_once();
