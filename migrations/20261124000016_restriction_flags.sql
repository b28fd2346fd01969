-- Issue 18: a restriction of a child's everyday life past its end date is
-- flagged for a new look.
ALTER TABLE review_flags DROP CONSTRAINT review_flags_kind_check;
ALTER TABLE review_flags ADD CONSTRAINT review_flags_kind_check
    CHECK (kind IN ('overdue_review', 'review_before_departure', 'plan_behind_mapping',
                    'no_mapping', 'no_plan', 'relocation_to_consider', 'order_expires',
                    'incident_after_plan', 'restriction_ended'));
