//! A child's legal situation: it decides what a school may refuse the other
//! parent and what a plan can promise. Parental responsibility, where the
//! child lives, contact with the other parent, and the orders and decisions
//! that protect the child, with their dates. An order that ends is flagged
//! by the review scan two weeks before (`flags`).

use serde::{Deserialize, Serialize};
use time::Date;
use uuid::Uuid;

use crate::code_enum;

code_enum! {
    /// Foreldreansvar.
    pub enum ParentalResponsibility {
        Shared = "shared" "Felles foreldreansvar",
        Resident = "resident" "Forelderen barnet bor hos, har foreldreansvaret alene",
        OtherParent = "other_parent" "Den andre forelderen har foreldreansvaret alene",
        Unsettled = "unsettled" "Uavklart eller annet",
    }
}

code_enum! {
    /// Fast bosted.
    pub enum Residence {
        Resident = "resident" "Fast bosted hos forelderen barnet bor hos",
        OtherParent = "other_parent" "Fast bosted hos den andre forelderen",
        Shared = "shared" "Delt fast bosted",
        Unsettled = "unsettled" "Uavklart",
    }
}

code_enum! {
    /// Samvær with the other parent.
    pub enum Contact {
        None = "none" "Ikke samvær",
        Agreed = "agreed" "Avtalt samvær",
        CourtOrdered = "court_ordered" "Samvær fastsatt av retten",
        Supervised = "supervised" "Samvær med støttet eller beskyttet tilsyn",
        Suspended = "suspended" "Fastsatt samvær gjennomføres ikke nå",
        Unsettled = "unsettled" "Uavklart",
    }
}

code_enum! {
    /// Orders, measures and decisions that protect the child.
    pub enum OrderKind {
        VisitBan = "visit_ban" "Besøksforbud",
        VisitBanHome = "visit_ban_home" "Besøksforbud i eget hjem",
        VisitBanElectronic = "visit_ban_electronic" "Besøksforbud med elektronisk kontroll (omvendt voldsalarm)",
        ContactBanByJudgment = "contact_ban_judgment" "Kontaktforbud ved dom",
        ViolenceAlarm = "violence_alarm" "Voldsalarm",
        TravelBan = "travel_ban" "Utreiseforbud",
        ConfidentialAddress = "confidential_address" "Fortrolig adresse i Folkeregisteret (kode 7)",
        StrictlyConfidentialAddress = "strictly_confidential_address" "Strengt fortrolig adresse i Folkeregisteret (kode 6)",
        ChildWelfare = "child_welfare" "Vedtak fra barnevernstjenesten (hjelpetiltak, midlertidig vedtak, omsorgsovertakelse)",
        CourtDecision = "court_decision" "Midlertidig avgjørelse fra retten (barneloven § 60)",
        Other = "other" "Annet",
    }
}

impl OrderKind {
    /// Whether the school's extract names it.
    pub fn for_school(self) -> bool {
        !matches!(
            self,
            OrderKind::ViolenceAlarm | OrderKind::ChildWelfare | OrderKind::Other
        )
    }

    /// Given for a time: its end date is asked for, and flagged before.
    pub fn expires(self) -> bool {
        matches!(
            self,
            OrderKind::VisitBan
                | OrderKind::VisitBanHome
                | OrderKind::VisitBanElectronic
                | OrderKind::ContactBanByJudgment
                | OrderKind::ViolenceAlarm
                | OrderKind::TravelBan
        )
    }
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Legal {
    pub responsibility: Option<ParentalResponsibility>,
    pub residence: Option<Residence>,
    pub contact: Option<Contact>,
    /// How handovers to the other parent happen, and where.
    pub handovers: String,
    pub orders: Vec<Order>,
    /// Who has the child's passport; travel concerns.
    pub passport: String,
    pub note: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Order {
    /// Stable across versions, so two versions compare order by order.
    pub id: Uuid,
    pub kind: OrderKind,
    pub from: Option<Date>,
    pub until: Option<Date>,
    pub note: String,
}

impl Order {
    pub fn in_force(&self, today: Date) -> bool {
        self.from.is_none_or(|from| from <= today) && self.until.is_none_or(|until| until >= today)
    }

    /// «Besøksforbud, fra 01.11.2026 til 01.05.2027».
    pub fn describe(&self) -> String {
        let mut when = Vec::new();
        if let Some(from) = self.from {
            when.push(format!("fra {}", crate::locale::date(from)));
        }
        if let Some(until) = self.until {
            when.push(format!("til og med {}", crate::locale::date(until)));
        }
        match when.is_empty() {
            true => self.kind.label().to_owned(),
            false => format!("{}, {}", self.kind.label(), when.join(" ")),
        }
    }
}

impl Legal {
    pub fn is_empty(&self) -> bool {
        *self == Legal::default()
    }

    /// What a school must know, and may cite, to refuse the other parent:
    /// the settled facts and the orders in force today, never the notes —
    /// nor the parent's own alarm or the child welfare service's decisions,
    /// which are theirs to tell.
    pub fn basis_for_school(&self, today: Date) -> Vec<String> {
        let mut out = Vec::new();
        if let Some(r) = self.responsibility {
            out.push(r.label().to_owned());
        }
        if let Some(r) = self.residence {
            out.push(r.label().to_owned());
        }
        if let Some(c) = self.contact {
            out.push(c.label().to_owned());
        }
        out.extend(
            self.orders
                .iter()
                .filter(|o| o.kind.for_school() && o.in_force(today))
                .map(Order::describe),
        );
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn the_schools_basis_has_the_orders_in_force_and_no_notes() {
        let order = |kind, from, until| Order {
            id: Uuid::new_v4(),
            kind,
            from,
            until,
            note: "Far har brutt forbudet to ganger.".into(),
        };
        let legal = Legal {
            responsibility: Some(ParentalResponsibility::Shared),
            contact: Some(Contact::None),
            orders: vec![
                order(
                    OrderKind::VisitBan,
                    Some(date!(2026 - 11 - 01)),
                    Some(date!(2027 - 05 - 01)),
                ),
                order(OrderKind::TravelBan, None, Some(date!(2026 - 11 - 20))),
                order(OrderKind::StrictlyConfidentialAddress, None, None),
                order(OrderKind::ViolenceAlarm, None, Some(date!(2027 - 05 - 01))),
            ],
            note: "Intern merknad".into(),
            ..Legal::default()
        };
        let basis = legal.basis_for_school(date!(2026 - 11 - 24));
        assert_eq!(
            basis,
            [
                "Felles foreldreansvar",
                "Ikke samvær",
                "Besøksforbud, fra 01.11.2026 til og med 01.05.2027",
                "Strengt fortrolig adresse i Folkeregisteret (kode 6)",
            ]
        );
        assert!(
            !basis
                .iter()
                .any(|b| b.contains("brutt") || b.contains("Intern"))
        );
    }
}
