-- The compliance figures, kept rather than recomputed at each view: at
-- 100 000 cases they take a second to compute. The review scan refreshes
-- them (every quarter of an hour by default); a centre's first view
-- computes them. Counts only, as the page shows them.
CREATE TABLE compliance_refreshed (
    centre_id uuid PRIMARY KEY REFERENCES centres (id) ON DELETE CASCADE,
    refreshed_at timestamptz NOT NULL
);

CREATE TABLE compliance_figures (
    centre_id uuid NOT NULL REFERENCES compliance_refreshed (centre_id) ON DELETE CASCADE,
    month date NOT NULL,
    kind text NOT NULL,
    arrived bigint NOT NULL,
    mapped_in_time bigint NOT NULL,
    planned_in_time bigint NOT NULL,
    school_age bigint NOT NULL,
    with_child_part bigint NOT NULL,
    overdue bigint NOT NULL,
    with_plan bigint NOT NULL,
    median_days double precision,
    PRIMARY KEY (centre_id, month, kind)
);
