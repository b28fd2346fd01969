//! What the one who writes a plan, and the one who reviews it, must be
//! warned of (P4, P6, P7, P9), and what sending a plan for approval needs
//! (P5, P8). No warning stops a save; an unlinked measure stops an approval
//! without a written reason.

use super::content::{Content, Link, Party};
use crate::forms::FieldErrors;
use crate::mapping::content::{self as mapping, Assessment, Relocation};

/// What the plan is read against: the person, the centre, the mapping.
pub struct Context<'a> {
    pub child: bool,
    pub school_age: bool,
    pub shielded_centre: bool,
    pub mapping: &'a mapping::Content,
    pub links: &'a [Link],
}

#[derive(Clone, Debug, Default)]
pub struct Flags {
    /// P7: measures that answer no fear or threat.
    pub unlinked: Vec<String>,
    /// P6: why the plan may put too much on the child.
    pub child_burden: Vec<String>,
    /// P4, P9: why the police must be involved, when no contact is recorded.
    pub police_missing: Vec<String>,
}

impl Flags {
    pub fn is_empty(&self) -> bool {
        self.unlinked.is_empty() && self.child_burden.is_empty() && self.police_missing.is_empty()
    }

    pub fn of(plan: &Content, ctx: &Context) -> Flags {
        Flags {
            unlinked: unlinked(plan),
            child_burden: if ctx.child {
                child_burden(plan, ctx.links)
            } else {
                Vec::new()
            },
            police_missing: police_missing(plan, ctx.mapping),
        }
    }
}

/// P7: a measure answers a fear or threat of the mapping, or is flagged.
fn unlinked(plan: &Content) -> Vec<String> {
    plan.measures
        .iter()
        .filter(|m| m.answers.is_empty())
        .map(|m| m.text.clone())
        .collect()
}

/// P6: the adults carry more of the safety than the child, and nothing
/// restricts the child without a concrete threat.
fn child_burden(plan: &Content, links: &[Link]) -> Vec<String> {
    let mut out = Vec::new();
    let on_child = plan
        .measures
        .iter()
        .filter(|m| m.party == Party::Child)
        .count();
    let on_adults = plan.measures.len() - on_child;
    if on_child > on_adults {
        out.push(format!(
            "Barnet har ansvar for {on_child} tiltak, de voksne for {on_adults}. De voksne skal bære mer av sikkerheten enn barnet."
        ));
    }
    for m in plan.measures.iter().filter(|m| !m.justified(links)) {
        out.push(format!(
            "«{}» begrenser barnets hverdag, men svarer ikke på noen bekreftet trussel (besvart «Ja») og har ingen begrunnelse.",
            m.text
        ));
    }
    out
}

impl super::content::Measure {
    /// P6, P7: a restriction of the child's everyday life — whoever
    /// carries it out — answers a threat that is there, or says why it is
    /// needed. «Vet ikke» alone warrants none.
    pub fn justified(&self, links: &[super::content::Link]) -> bool {
        !self.restricts
            || !self.restriction_reason.is_empty()
            || self
                .answers
                .iter()
                .any(|id| links.iter().any(|l| l.id == *id && l.is_concrete))
    }
}

/// P4, P9: a high or very high threat picture, an acute risk factor, a
/// relocation to consider, or measures by the police, with no police
/// contact recorded.
fn police_missing(plan: &Content, mapping: &mapping::Content) -> Vec<String> {
    let mut out = Vec::new();
    if plan.police.is_recorded() {
        return out;
    }
    match mapping.assessment {
        Some(Assessment::High) => out.push("Kartleggingen vurderer trusselbildet som høyt.".into()),
        Some(Assessment::Severe) => {
            out.push("Kartleggingen vurderer trusselbildet som svært høyt.".into())
        }
        _ => {}
    }
    if mapping
        .risks
        .iter()
        .any(|r| r.kind == mapping::RiskKind::Abduction && r.answer == Some(mapping::Answer::Yes))
    {
        out.push("Kartleggingen sier at det er risiko for at barnet blir bortført.".into());
    }
    let acute: Vec<String> = mapping
        .acute_factors()
        .iter()
        .map(|f| f.label().to_lowercase())
        .collect();
    if !acute.is_empty() {
        out.push(format!(
            "Kartleggingen har risikofaktorer som bør føre til kontakt med politiet: {}.",
            acute.join("; ")
        ));
    }
    if mapping.relocation == Some(Relocation::Consider) {
        out.push(
            "Kartleggingen sier at flytting til et annet krisesenter må vurderes (§ 4 c).".into(),
        );
    }
    if plan.measures.iter().any(|m| m.party == Party::Police) {
        out.push("Planen har tiltak som politiet har ansvar for.".into());
    }
    out
}

impl Content {
    /// What "Send til godkjenning" needs beyond what a draft needs.
    pub fn check_submit(&self, ctx: &Context) -> FieldErrors {
        let mut errors = FieldErrors::default();
        if self.measures.is_empty() {
            errors.add(
                "measures",
                "Planen må ha minst ett tiltak før den sendes til godkjenning.",
            );
        }
        for (i, m) in self.measures.iter().enumerate() {
            let n = i + 1;
            if m.restricts && m.until.is_none() {
                errors.add(
                    format!("measure_{i}_until"),
                    format!(
                        "Tiltak {n} begrenser barnets hverdag: skriv til når det gjelder, eller når det skal vurderes på nytt."
                    ),
                );
            }
            if !m.justified(ctx.links) {
                errors.add(
                    format!("measure_{i}_restriction_reason"),
                    format!(
                        "Tiltak {n} begrenser barnets hverdag: kryss av for en bekreftet trussel, eller skriv hvorfor tiltaket trengs."
                    ),
                );
            }
        }
        if ctx.shielded_centre && self.shielded_address.is_empty() {
            errors.add(
                "shielded_address",
                "Krisesenteret har skjermet adresse: skriv hva det betyr for planen.",
            );
        }
        if ctx.child && ctx.school_age {
            for q in self.child_part.questions(ctx.shielded_centre) {
                if let (Some(missing), "") = (q.required, q.answer) {
                    errors.add(q.field, missing);
                }
            }
        }
        errors
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plans::content::{Link, Measure};
    use uuid::Uuid;

    fn measure(party: Party, answers: &[Uuid], restricts: bool) -> Measure {
        Measure {
            id: Uuid::new_v4(),
            party,
            party_name: String::new(),
            text: format!("{party:?}"),
            from: None,
            until: None,
            answers: answers.to_vec(),
            restricts,
            restriction_reason: String::new(),
        }
    }

    fn flags(plan: &Content, mapping: &mapping::Content, links: &[Link]) -> Flags {
        Flags::of(
            plan,
            &Context {
                child: plan.child,
                school_age: true,
                shielded_centre: false,
                mapping,
                links,
            },
        )
    }

    fn link(is_threat: bool) -> Link {
        Link {
            id: Uuid::new_v4(),
            label: String::new(),
            is_threat,
            is_concrete: is_threat,
        }
    }

    #[test]
    fn p7_a_measure_that_answers_nothing_is_flagged() {
        let fear = link(false);
        let mut plan = Content::empty(true);
        plan.measures = vec![measure(Party::Parent, &[fear.id], false)];
        let mapping = mapping::Content::empty(true);
        assert!(
            flags(&plan, &mapping, std::slice::from_ref(&fear))
                .unlinked
                .is_empty()
        );
        plan.measures.push(measure(Party::Centre, &[], false));
        assert_eq!(flags(&plan, &mapping, &[fear]).unlinked, ["Centre"]);
    }

    #[test]
    fn p6_more_on_the_child_than_on_the_adults_is_flagged() {
        let threat = link(true);
        let mapping = mapping::Content::empty(true);
        let mut plan = Content::empty(true);
        plan.measures = vec![
            measure(Party::Child, &[threat.id], false),
            measure(Party::Parent, &[threat.id], false),
        ];
        assert!(
            flags(&plan, &mapping, std::slice::from_ref(&threat))
                .child_burden
                .is_empty()
        );
        plan.measures
            .push(measure(Party::Child, &[threat.id], false));
        assert_eq!(flags(&plan, &mapping, &[threat]).child_burden.len(), 1);
    }

    #[test]
    fn p6_restricting_the_child_needs_a_threat_not_only_a_fear() {
        let (fear, threat) = (link(false), link(true));
        let links = [fear.clone(), threat.clone()];
        let mapping = mapping::Content::empty(true);
        let mut plan = Content::empty(true);
        plan.measures = vec![
            measure(Party::Parent, &[fear.id], false),
            measure(Party::Child, &[threat.id], true),
        ];
        assert!(flags(&plan, &mapping, &links).child_burden.is_empty());
        plan.measures[1].answers = vec![fear.id];
        assert_eq!(flags(&plan, &mapping, &links).child_burden.len(), 1);
        // An adult's plan has no child to burden.
        plan.child = false;
        assert!(flags(&plan, &mapping, &links).child_burden.is_empty());
    }

    #[test]
    fn p6_p7_every_restriction_whoever_carries_it_out_needs_a_real_threat_or_a_reason_and_an_end() {
        // Issue 18: the school keeping the child in at breaks restricts too.
        let unknown = Link {
            is_concrete: false,
            ..link(true)
        };
        let concrete = link(true);
        let links = [unknown.clone(), concrete.clone()];
        let mapping = mapping::Content::empty(true);
        let mut plan = Content::empty(true);
        plan.measures = vec![
            measure(Party::Parent, &[], false),
            measure(Party::School, &[unknown.id], true),
        ];
        let ctx = Context {
            child: true,
            school_age: false,
            shielded_centre: false,
            mapping: &mapping,
            links: &links,
        };
        assert_eq!(
            flags(&plan, &mapping, &links).child_burden.len(),
            1,
            "«Vet ikke» alone warrants no restriction"
        );
        let errors = plan.check_submit(&ctx);
        assert!(errors.get("measure_1_until").is_some());
        assert!(errors.get("measure_1_restriction_reason").is_some());
        plan.measures[1].restriction_reason = "Far har vært ved skolen to ganger.".into();
        plan.measures[1].until = Some(crate::locale::today());
        assert!(flags(&plan, &mapping, &links).child_burden.is_empty());
        assert!(plan.check_submit(&ctx).is_empty());
        plan.measures[1].restriction_reason.clear();
        plan.measures[1].answers = vec![concrete.id];
        assert!(plan.check_submit(&ctx).is_empty(), "a threat answered «Ja»");
        assert_eq!(plan.restrictions().len(), 1);
    }

    #[test]
    fn p4_p9_police_missing_until_contact_is_recorded() {
        let mut mapping = mapping::Content::empty(false);
        let mut plan = Content::empty(false);
        mapping.assessment = Some(Assessment::Moderate);
        mapping.relocation = Some(Relocation::NotNeeded);
        assert!(flags(&plan, &mapping, &[]).police_missing.is_empty());
        mapping.assessment = Some(Assessment::High);
        assert_eq!(flags(&plan, &mapping, &[]).police_missing.len(), 1);
        mapping.assessment = Some(Assessment::Moderate);
        mapping.factors = vec![crate::mapping::factors::FactorAnswer {
            factor: crate::mapping::factors::RiskFactor::ThreatsToKill,
            answer: Some(mapping::Answer::Yes),
            note: String::new(),
        }];
        assert_eq!(
            flags(&plan, &mapping, &[]).police_missing,
            [
                "Kartleggingen har risikofaktorer som bør føre til kontakt med politiet: trusler om å drepe den voldsutsatte, barna eller andre."
            ]
        );
        mapping.factors.clear();
        // Issue 18: a risk of abduction answered «Ja».
        let mut child_mapping = mapping::Content::empty(true);
        child_mapping.assessment = Some(Assessment::Low);
        assert!(flags(&plan, &child_mapping, &[]).police_missing.is_empty());
        child_mapping.risks[2].answer = Some(mapping::Answer::Yes);
        assert_eq!(
            flags(&plan, &child_mapping, &[]).police_missing,
            ["Kartleggingen sier at det er risiko for at barnet blir bortført."]
        );
        mapping.assessment = Some(Assessment::Severe);
        mapping.relocation = Some(Relocation::Consider);
        plan.measures = vec![measure(Party::Police, &[], false)];
        assert_eq!(flags(&plan, &mapping, &[]).police_missing.len(), 3);
        plan.police.contacted_on = Some(crate::locale::today());
        assert_eq!(
            flags(&plan, &mapping, &[]).police_missing.len(),
            3,
            "P4: and what was agreed"
        );
        plan.police.agreed = "Patruljering ved skolen".into();
        assert!(flags(&plan, &mapping, &[]).police_missing.is_empty());
    }

    #[test]
    fn p5_p8_sending_needs_a_measure_the_shielded_address_and_the_childs_answers() {
        let mapping = mapping::Content::empty(true);
        let ctx = |shielded_centre, school_age| Context {
            child: true,
            school_age,
            shielded_centre,
            mapping: &mapping,
            links: &[],
        };
        let mut plan = Content::empty(true);
        let missing = plan.check_submit(&ctx(true, true));
        for field in [
            "measures",
            "shielded_address",
            "child_if_frightening",
            "child_shielded_address",
        ] {
            assert!(missing.get(field).is_some(), "{field}");
        }
        // A child under school age has no part of its own to write.
        assert!(
            plan.check_submit(&ctx(false, false))
                .get("child_if_frightening")
                .is_none()
        );
        plan.measures = vec![measure(Party::Parent, &[], false)];
        plan.shielded_address = "Vi sier ikke hvor vi bor.".into();
        plan.child_part.if_frightening = "Går til en lærer.".into();
        plan.child_part.shielded_address = "Sier at jeg bor hos tante.".into();
        assert!(plan.check_submit(&ctx(true, true)).is_empty());
    }
}
