-- Safety plans (§ 4 b), versioned like mappings, and the coordinators'
-- decisions on them (U2).

-- One row per version of a person's plan. A version is written as a draft,
-- submitted, maybe returned (and edited again), and finally approved; an
-- approved version never changes, and changing the plan starts the next one.
CREATE TABLE plans (
    id              uuid PRIMARY KEY,
    person_id       uuid NOT NULL REFERENCES persons (id),
    centre_id       uuid NOT NULL REFERENCES centres (id),
    version         integer NOT NULL CHECK (version > 0),
    state           text NOT NULL CHECK (state IN ('draft', 'submitted', 'returned', 'approved')),
    -- M7: the completed mapping version the plan builds on.
    mapping_version integer NOT NULL,
    content         jsonb NOT NULL,
    -- Everyone who saved or submitted this version: none of them may approve it.
    authors         uuid[] NOT NULL DEFAULT '{}',
    -- Optimistic locking: every change of the row bumps it.
    lock_version    integer NOT NULL DEFAULT 1,
    created_by      uuid NOT NULL REFERENCES accounts (id),
    updated_by      uuid NOT NULL REFERENCES accounts (id),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    submitted_by    uuid REFERENCES accounts (id),
    submitted_at    timestamptz,
    approved_by     uuid REFERENCES accounts (id),
    approved_at     timestamptz,
    -- P10: set by the coordinator who approves.
    next_review_on  date,
    UNIQUE (person_id, version),
    FOREIGN KEY (person_id, mapping_version) REFERENCES mappings (person_id, version),
    CHECK ((state = 'approved') = (approved_at IS NOT NULL AND next_review_on IS NOT NULL))
);
-- At most one version being worked on per person.
CREATE UNIQUE INDEX plans_one_open_idx ON plans (person_id) WHERE state <> 'approved';
-- /reviews: the centre's submitted plans, oldest first.
CREATE INDEX plans_centre_submitted_idx ON plans (centre_id, submitted_at, id) WHERE state = 'submitted';
-- The review job (U4): approved plans by their next review date.
CREATE INDEX plans_centre_review_idx ON plans (centre_id, next_review_on) WHERE state = 'approved';

-- What a coordinator decided about a submitted version, and why. Kept for
-- good: a returned plan's comment stays readable after it is resubmitted.
CREATE TABLE plan_decisions (
    id         uuid PRIMARY KEY,
    plan_id    uuid NOT NULL REFERENCES plans (id),
    decision   text NOT NULL CHECK (decision IN ('returned', 'approved')),
    -- A return's comment, or an approval's reason for measures that answer
    -- no fear or threat (P7).
    comment    text NOT NULL DEFAULT '',
    decided_by uuid NOT NULL REFERENCES accounts (id),
    decided_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX plan_decisions_plan_idx ON plan_decisions (plan_id, decided_at);
