//! Reviews that never slip (U4, P10): a scan raises a flag per person for
//! each thing that needs doing — a review that is overdue, a plan to revise
//! before the planned departure, a plan behind its mapping, a mapping or a
//! plan that is late, a relocation to consider (§ 4 c) — and resolves it
//! when its cause goes away. `scan` is the one writer of flags; the work
//! lists, the dashboard and the case pages read them.

mod scan;
pub mod view;

use std::time::Duration;

use sqlx::PgPool;
use uuid::Uuid;

use crate::code_enum;
pub use scan::{Scanned, causes, scan};

/// Scans one case right after a change to it (a departure date moved, a
/// mapping completed, a plan approved), so that its flags follow at once. A
/// failure is logged; the next scheduled scan catches up.
pub async fn rescan_case(db: &PgPool, rules: &Rules, case_id: Uuid) {
    if let Err(e) = scan(db, rules, crate::locale::today(), Some(case_id)).await {
        tracing::warn!(error = %e, "re-scanning a case failed");
    }
}

code_enum! {
    /// What a flag says needs doing, in words that say what to do.
    pub enum FlagKind {
        OverdueReview = "overdue_review" "Forsinket revisjon",
        ReviewBeforeDeparture = "review_before_departure" "Revisjon før utflytting",
        PlanBehindMapping = "plan_behind_mapping" "Ny kartlegging – revider planen",
        NoMapping = "no_mapping" "Kartlegging mangler",
        NoPlan = "no_plan" "Sikkerhetsplan mangler",
        RelocationToConsider = "relocation_to_consider" "§ 4 c: vurder relokalisering med politiet",
        OrderExpires = "order_expires" "Forbud eller voldsalarm går ut – vurder forlengelse med politiet",
        IncidentAfterPlan = "incident_after_plan" "Alvorlig hendelse etter at planen ble godkjent – revider planen",
        RestrictionEnded = "restriction_ended" "En begrensning for barnet har passert sluttdatoen – vurder den på nytt",
    }
}

/// How many days before an order ends the scan flags it.
pub const ORDER_NOTICE_DAYS: i32 = 14;

impl FlagKind {
    /// Most urgent first: the order of the work lists.
    pub const BY_URGENCY: [FlagKind; 9] = [
        FlagKind::IncidentAfterPlan,
        FlagKind::RestrictionEnded,
        FlagKind::OverdueReview,
        FlagKind::ReviewBeforeDeparture,
        FlagKind::RelocationToConsider,
        FlagKind::OrderExpires,
        FlagKind::NoMapping,
        FlagKind::NoPlan,
        FlagKind::PlanBehindMapping,
    ];

    /// What the work list says of a flag's day (`due_on`), `days` from today
    /// (negative: in the past).
    pub fn when(self, days: i32) -> String {
        let ago = |what: &str| match -days {
            0 => format!("{what} i dag"),
            1 => format!("{what} i går"),
            n => format!("{what} for {n} dager siden"),
        };
        match self {
            FlagKind::ReviewBeforeDeparture => match days {
                ..0 => {
                    "Utflyttingsdatoen er passert – fyll inn «Utflyttet» i saken eller endre datoen"
                        .into()
                }
                0 => "Flytter ut i dag".into(),
                1 => "Flytter ut i morgen".into(),
                n => format!("Flytter ut om {n} dager"),
            },
            FlagKind::OverdueReview | FlagKind::NoMapping | FlagKind::NoPlan => match days {
                0 => "Frist i dag".into(),
                _ => ago("Fristen gikk ut"),
            },
            FlagKind::PlanBehindMapping => ago("Ny kartlegging"),
            FlagKind::RelocationToConsider => ago("Kartlagt"),
            FlagKind::IncidentAfterPlan => ago("Hendelsen skjedde"),
            FlagKind::RestrictionEnded => ago("Sluttdatoen var"),
            FlagKind::OrderExpires => match days {
                ..0 => ago("Gikk ut"),
                0 => "Går ut i dag".into(),
                1 => "Går ut i morgen".into(),
                n => format!("Går ut om {n} dager"),
            },
        }
    }
}

/// A person's own day of arrival, in SQL over `persons pe` and `cases c`:
/// the case's, or — for someone added to the case more than a day after it
/// was registered (a child who came later) — the day they were added.
pub const ARRIVED: &str = "CASE WHEN pe.created_at > c.created_at + interval '1 day'
         THEN greatest(c.arrival_date, (pe.created_at AT TIME ZONE 'Europe/Oslo')::date)
         ELSE c.arrival_date END";

/// What the scan counts as late. From the configuration.
#[derive(Clone, Copy, Debug)]
pub struct Rules {
    /// P10: a plan is revised within this many days before a planned departure.
    pub departure_review_days: i32,
    /// A person's first mapping is due this many days after arrival.
    pub mapping_due_days: i32,
    /// A person's first approved plan is due this many days after arrival.
    pub plan_due_days: i32,
    /// How often the server scans.
    pub scan_interval: Duration,
}

impl Default for Rules {
    fn default() -> Self {
        Rules {
            departure_review_days: 14,
            mapping_due_days: 7,
            plan_due_days: 14,
            scan_interval: Duration::from_secs(15 * 60),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::FlagKind;

    #[test]
    fn the_work_list_says_when_in_plain_norwegian() {
        assert_eq!(FlagKind::OverdueReview.when(-1), "Fristen gikk ut i går");
        assert_eq!(
            FlagKind::OverdueReview.when(-3),
            "Fristen gikk ut for 3 dager siden"
        );
        assert_eq!(
            FlagKind::ReviewBeforeDeparture.when(5),
            "Flytter ut om 5 dager"
        );
        assert!(
            FlagKind::ReviewBeforeDeparture
                .when(-2)
                .starts_with("Utflyttingsdatoen er passert")
        );
        assert_eq!(FlagKind::PlanBehindMapping.when(0), "Ny kartlegging i dag");
        assert_eq!(FlagKind::RelocationToConsider.when(-1), "Kartlagt i går");
    }
}
