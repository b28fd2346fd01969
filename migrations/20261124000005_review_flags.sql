-- U4, P10: what the scheduled scan found to need doing, per person. A cause
-- gives one open flag; when the cause goes away, the scan resolves it.
CREATE TABLE review_flags (
    id          bigserial PRIMARY KEY,
    kind        text NOT NULL CHECK (kind IN ('overdue_review', 'review_before_departure',
                                              'plan_behind_mapping', 'no_mapping', 'no_plan',
                                              'relocation_to_consider')),
    person_id   uuid NOT NULL REFERENCES persons (id),
    case_id     uuid NOT NULL REFERENCES cases (id),
    centre_id   uuid NOT NULL REFERENCES centres (id),
    -- The day the flag is about: the review date passed, the departure, the
    -- day a mapping or plan was due. Sorts the work lists.
    due_on      date NOT NULL,
    raised_at   timestamptz NOT NULL DEFAULT now(),
    resolved_at timestamptz
);
-- Exactly once, even when two scans run at the same moment.
CREATE UNIQUE INDEX review_flags_one_open_idx ON review_flags (person_id, kind)
    WHERE resolved_at IS NULL;
-- The work lists and the dashboard: a centre's open flags by kind, most urgent first.
CREATE INDEX review_flags_centre_open_idx ON review_flags (centre_id, kind, due_on)
    WHERE resolved_at IS NULL;
CREATE INDEX review_flags_case_open_idx ON review_flags (case_id) WHERE resolved_at IS NULL;

-- The scan reads open cases by their planned departure, and plans by person.
CREATE INDEX cases_open_departure_idx ON cases (planned_departure_date)
    WHERE closed_on IS NULL AND planned_departure_date IS NOT NULL;
CREATE INDEX cases_open_arrival_idx ON cases (arrival_date) WHERE closed_on IS NULL;
CREATE INDEX plans_person_approved_idx ON plans (person_id, version DESC) WHERE state = 'approved';
CREATE INDEX mappings_person_completed_idx ON mappings (person_id, version DESC)
    WHERE state = 'completed';
CREATE INDEX plans_approved_review_idx ON plans (next_review_on) WHERE state = 'approved';
-- Mappings that call for a relocation (§ 4 c).
CREATE INDEX mappings_relocation_idx ON mappings (person_id, version DESC)
    WHERE state = 'completed' AND content->>'relocation' = 'yes';

-- The daily digest goes to each coordinator once a day, whichever process
-- sends it first.
CREATE TABLE digests_sent (
    account_id uuid NOT NULL REFERENCES accounts (id),
    sent_on    date NOT NULL,
    sent_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (account_id, sent_on)
);
