-- Cases, the people in them (the resident and each child), and their threat
-- mappings (§ 4 a), versioned.

-- Trusted since PostgreSQL 13: the database owner may create it.
CREATE EXTENSION IF NOT EXISTS pg_trgm;

CREATE TABLE cases (
    id                     uuid PRIMARY KEY,
    centre_id              uuid NOT NULL REFERENCES centres (id),
    arrival_date           date NOT NULL,
    planned_departure_date date,
    contact_person_id      uuid REFERENCES accounts (id),
    violence_kinds         text[] NOT NULL DEFAULT '{}',
    note                   text NOT NULL DEFAULT '',
    -- Closed when set: the day the resident left.
    closed_on              date,
    -- Made by `trygg seed`: fictitious.
    seeded                 boolean NOT NULL DEFAULT false,
    version                integer NOT NULL DEFAULT 1,
    created_at             timestamptz NOT NULL DEFAULT now(),
    updated_at             timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX cases_centre_arrival_idx ON cases (centre_id, arrival_date DESC, id);
CREATE INDEX cases_centre_contact_idx ON cases (centre_id, contact_person_id, arrival_date DESC, id);
CREATE INDEX cases_centre_open_idx ON cases (centre_id, arrival_date DESC, id) WHERE closed_on IS NULL;

-- The resident (one per case) and the children who came along.
CREATE TABLE persons (
    id                uuid PRIMARY KEY,
    case_id           uuid NOT NULL REFERENCES cases (id),
    centre_id         uuid NOT NULL REFERENCES centres (id),
    kind              text NOT NULL CHECK (kind IN ('resident', 'child')),
    name              text COLLATE norwegian NOT NULL,
    birth_date        date NOT NULL,
    phone             text NOT NULL DEFAULT '',
    -- Children: kindergarten or school. Sensitive: it tells where a child is found.
    school            text NOT NULL DEFAULT '',
    contact_person_id uuid REFERENCES accounts (id),
    -- A removed child stays in the history its mappings belong to.
    removed_at        timestamptz,
    created_at        timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX persons_one_resident_idx ON persons (case_id) WHERE kind = 'resident';
CREATE INDEX persons_case_idx ON persons (case_id);
CREATE INDEX persons_name_trgm_idx ON persons USING gin (lower(name) gin_trgm_ops);

-- One row per version of a person's mapping. The newest may be a draft;
-- completed versions never change.
CREATE TABLE mappings (
    id           uuid PRIMARY KEY,
    person_id    uuid NOT NULL REFERENCES persons (id),
    centre_id    uuid NOT NULL REFERENCES centres (id),
    version      integer NOT NULL CHECK (version > 0),
    state        text NOT NULL CHECK (state IN ('draft', 'completed')),
    content      jsonb NOT NULL,
    -- Optimistic locking of the draft.
    lock_version integer NOT NULL DEFAULT 1,
    created_by   uuid NOT NULL REFERENCES accounts (id),
    updated_by   uuid NOT NULL REFERENCES accounts (id),
    updated_at   timestamptz NOT NULL DEFAULT now(),
    completed_by uuid REFERENCES accounts (id),
    completed_at timestamptz,
    UNIQUE (person_id, version)
);
CREATE UNIQUE INDEX mappings_one_draft_idx ON mappings (person_id) WHERE state = 'draft';

-- Reads and changes of a case are audited against it (the case's Tilgangslogg).
ALTER TABLE audit_events ADD COLUMN case_id uuid REFERENCES cases (id);
CREATE INDEX audit_events_case_idx ON audit_events (case_id, id DESC) WHERE case_id IS NOT NULL;
