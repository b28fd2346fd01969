//! Structured risk factors: the questions police risk tools (SARA:SV, DASH,
//! Patriark) ask about the one who uses violence, in our own words. Each is
//! answered yes / no / unknown with a note. They are summed up beside the
//! overall assessment so staff and police compare like with like, but never
//! scored: the assessment stays a professional judgement.

use serde::{Deserialize, Serialize};

use super::content::Answer;
use crate::code_enum;

code_enum! {
    pub enum RiskFactor {
        Strangulation = "strangulation" "Kvelning eller forsøk på kvelning (tak rundt halsen, holdt for munn og nese)",
        ThreatsToKill = "threats_to_kill" "Trusler om å drepe den voldsutsatte, barna eller andre",
        Weapons = "weapons" "Har tilgang til våpen, også jaktvåpen og kniv, eller har truet med eller brukt våpen",
        Escalation = "escalation" "Volden eller truslene har blitt hyppigere eller grovere",
        Separation = "separation" "Nylig samlivsbrudd, eller bruddet står for døren",
        Stalking = "stalking" "Forfølgelse, overvåking eller gjentatt uønsket kontakt",
        BreachedOrders = "breached_orders" "Har brutt besøksforbud, kontaktforbud eller andre forbud og vilkår",
        Substances = "substances" "Har problemer med alkohol, narkotika eller legemidler",
        Suicide = "suicide" "Har truet med eller forsøkt selvmord",
        MentalHealth = "mental_health" "Alvorlige psykiske problemer hos voldsutøveren",
        Pregnancy = "pregnancy" "Den voldsutsatte er gravid eller har nylig født",
        ChildConflict = "child_conflict" "Konflikt om barna: omsorg, bosted eller samvær",
        ViolenceAgainstChildren = "violence_against_children" "Vold eller trusler mot barna",
        SexualViolence = "sexual_violence" "Seksuell vold eller tvang",
        Control = "control" "Sjalusi og kontroll: isolering, penger, telefon, bevegelser",
        EarlierViolence = "earlier_violence" "Tidligere vold mot andre, eller dømt for vold",
        Network = "network" "Flere utøvere, eller familie og nettverk som støtter volden",
        AbductionAbroad = "abduction_abroad" "Trusler om å ta barna ut av landet eller etterlate dem i utlandet",
        HonourControl = "honour_control" "Trusler om tvangsekteskap, kjønnslemlestelse eller annen æresrelatert kontroll",
        Fear = "fear" "Den voldsutsatte er svært redd for hva voldsutøveren kan gjøre",
    }
}

impl RiskFactor {
    /// The factors the police treat as acute — and a breached order (a
    /// crime) and a threat to take the children abroad (a travel ban, a
    /// passport): with one of them present and no police contact recorded,
    /// the plan raises the police flag (P4).
    pub fn is_acute(self) -> bool {
        matches!(
            self,
            RiskFactor::Strangulation
                | RiskFactor::ThreatsToKill
                | RiskFactor::Weapons
                | RiskFactor::BreachedOrders
                | RiskFactor::AbductionAbroad
        )
    }
}

/// One factor's answer, as stored; a factor never answered has none.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FactorAnswer {
    pub factor: RiskFactor,
    pub answer: Option<Answer>,
    pub note: String,
}

/// How many factors are present, unknown or not yet answered.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct FactorSummary {
    pub present: usize,
    pub unknown: usize,
    pub unanswered: usize,
}

impl FactorSummary {
    pub fn of(answers: &[FactorAnswer]) -> Self {
        let answer = |factor: RiskFactor| {
            answers
                .iter()
                .find(|a| a.factor == factor)
                .and_then(|a| a.answer)
        };
        let mut summary = FactorSummary::default();
        for factor in RiskFactor::ALL {
            match answer(*factor) {
                Some(Answer::Yes) => summary.present += 1,
                Some(Answer::Unknown) => summary.unknown += 1,
                Some(Answer::No) => {}
                None => summary.unanswered += 1,
            }
        }
        summary
    }
}

impl std::fmt::Display for FactorSummary {
    /// «7 av 18 risikofaktorer til stede, 3 ukjent, 2 ikke besvart».
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} av {} risikofaktorer til stede",
            self.present,
            RiskFactor::ALL.len()
        )?;
        if self.unknown > 0 {
            write!(f, ", {} ukjent", self.unknown)?;
        }
        if self.unanswered > 0 {
            write!(f, ", {} ikke besvart", self.unanswered)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_summary_counts_present_unknown_and_unanswered_and_scores_nothing() {
        let answers = [
            (RiskFactor::Strangulation, Answer::Yes),
            (RiskFactor::Weapons, Answer::Yes),
            (RiskFactor::Stalking, Answer::Unknown),
            (RiskFactor::Suicide, Answer::No),
        ]
        .map(|(factor, answer)| FactorAnswer {
            factor,
            answer: Some(answer),
            note: String::new(),
        });
        let summary = FactorSummary::of(&answers);
        assert_eq!(
            summary.to_string(),
            "2 av 20 risikofaktorer til stede, 1 ukjent, 16 ikke besvart"
        );
        assert_eq!(RiskFactor::ALL.iter().filter(|f| f.is_acute()).count(), 5);
    }
}
