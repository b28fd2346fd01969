//! The relocation form: raw text in, a typed `Content` or field errors out;
//! everything typed goes back into the form on any error. What deciding
//! (R3, R5) and recording the move (R4, R6, R7, R9) need beyond a save is
//! checked by `check_decide` and `check_move`.

use std::borrow::Cow;

use time::Date;
use uuid::Uuid;

use super::content::{
    Candidate, ChildPart, Consent, ConsentDecision, Content, DigitalCheck, DigitalReview, Factor,
    MappingRef, OfferAnswer, PoliceContact, PoliceRequest, Scope,
};
use crate::cases::Person;
use crate::forms::{self, FieldErrors, FormFields, date_field, optional_text};
use crate::locale;

const LONG: usize = 4000;
const SHORT: usize = 200;
/// Candidates a form reads; more is not an assessment anyone makes.
pub const MAX_CANDIDATES: usize = 8;
/// The value of a candidate's centre choice for a centre outside Trygg.
pub const EXTERNAL: &str = "external";

/// What a form is read against: the case's people and the centres that
/// can be chosen.
pub struct Context<'a> {
    pub people: &'a [Person],
    /// Other centres in Trygg: (id, name).
    pub centres: &'a [(Uuid, String)],
    /// R5: moves the resident has made before this one.
    pub earlier_moves: usize,
    /// The case's arrival: no move before it.
    pub arrived: Date,
    /// What consent can name, as (person, plan rather than mapping,
    /// version): the versions the page shows.
    pub shareable: &'a [(Uuid, bool, i32)],
    pub today: Date,
}

impl Context<'_> {
    fn children(&self) -> impl Iterator<Item = &Person> {
        self.people
            .iter()
            .filter(|p| p.is_child() && p.removed_at.is_none())
    }

    fn active(&self) -> impl Iterator<Item = &Person> {
        self.people.iter().filter(|p| p.removed_at.is_none())
    }

    pub fn centre_name(&self, id: Uuid) -> Option<&str> {
        self.centres
            .iter()
            .find(|(c, _)| *c == id)
            .map(|(_, n)| n.as_str())
    }
}

#[derive(Debug, Default, Clone)]
pub struct CandidateRow {
    pub id: String,
    pub centre: String,
    pub external: String,
    pub factors: Vec<String>,
    pub speaks_for: String,
    pub speaks_against: String,
}

#[derive(Debug, Default, Clone)]
pub struct PoliceRow {
    pub on: String,
    pub district: String,
    pub whom: String,
    pub agreed: String,
}

#[derive(Debug, Default, Clone)]
pub struct ScopeRow {
    pub person_id: Uuid,
    /// The version ticked, as posted ("" when not ticked).
    pub mapping: String,
    pub plan: String,
}

#[derive(Debug, Default, Clone)]
pub struct ChildRow {
    pub person_id: Uuid,
    pub heard: bool,
    pub said: String,
    pub prepared: bool,
    pub goodbye: bool,
    pub contacts: String,
    pub school: String,
}

/// The relocation form as typed.
#[derive(Debug, Default, Clone)]
pub struct RelocationForm {
    pub offer: String,
    pub mappings: Vec<String>,
    pub children: Vec<String>,
    pub necessary: String,
    pub appropriate: String,
    pub will_hold: String,
    pub candidates: Vec<CandidateRow>,
    pub chosen: String,
    pub planned_on: String,
    pub police_origin: PoliceRow,
    pub police_destination: PoliceRow,
    pub consent_decision: String,
    pub consent_informed_by: String,
    pub consent_informed_on: String,
    pub consent_benefits: bool,
    pub scope: Vec<ScopeRow>,
    pub request_on: String,
    pub request_whom: String,
    pub request_asked: String,
    pub child_parts: Vec<ChildRow>,
    pub digital: Vec<String>,
    pub digital_on: String,
    pub digital_note: String,
    pub moved_on: String,
    pub cancel_reason: String,
    pub lock_version: String,
}

fn date_text(d: Option<Date>) -> String {
    d.map(locale::date).unwrap_or_default()
}

impl PoliceRow {
    fn read(f: &FormFields, prefix: &str) -> Self {
        PoliceRow {
            on: f.get(&format!("{prefix}_on")).to_owned(),
            district: f.get(&format!("{prefix}_district")).to_owned(),
            whom: f.get(&format!("{prefix}_whom")).to_owned(),
            agreed: f.get(&format!("{prefix}_agreed")).to_owned(),
        }
    }

    fn of(c: &PoliceContact) -> Self {
        PoliceRow {
            on: date_text(c.on),
            district: c.district.clone(),
            whom: c.whom.clone(),
            agreed: c.agreed.clone(),
        }
    }

    fn parse(&self, errors: &mut FieldErrors, prefix: &'static str) -> PoliceContact {
        let field = |name: &str| Cow::Owned(format!("{prefix}_{name}"));
        PoliceContact {
            on: date_field(errors, field("on"), &self.on, false),
            district: optional_text(errors, field("district"), &self.district, SHORT),
            whom: optional_text(errors, field("whom"), &self.whom, SHORT),
            agreed: optional_text(errors, field("agreed"), &self.agreed, LONG),
        }
    }
}

impl RelocationForm {
    /// An empty candidate row for the form to offer, with its id made now
    /// so that the decision can name it before it is saved.
    pub fn blank_candidate() -> CandidateRow {
        CandidateRow {
            id: Uuid::new_v4().to_string(),
            ..CandidateRow::default()
        }
    }

    pub fn read(f: &FormFields, ctx: &Context<'_>) -> Self {
        let candidates = (0..f.rows("candidate", MAX_CANDIDATES))
            .map(|i| {
                let get = |name: &str| f.get(&format!("candidate_{i}_{name}")).to_owned();
                CandidateRow {
                    id: get("id"),
                    centre: get("centre"),
                    external: get("external"),
                    factors: f.all(&format!("candidate_{i}_factor")),
                    speaks_for: get("for"),
                    speaks_against: get("against"),
                }
            })
            .collect();
        RelocationForm {
            offer: f.get("offer").to_owned(),
            mappings: f.all("mapping"),
            children: f.all("child"),
            necessary: f.get("necessary").to_owned(),
            appropriate: f.get("appropriate").to_owned(),
            will_hold: f.get("will_hold").to_owned(),
            candidates,
            chosen: f.get("chosen").to_owned(),
            planned_on: f.get("planned_on").to_owned(),
            police_origin: PoliceRow::read(f, "police_origin"),
            police_destination: PoliceRow::read(f, "police_destination"),
            consent_decision: f.get("consent_decision").to_owned(),
            consent_informed_by: f.get("consent_informed_by").to_owned(),
            consent_informed_on: f.get("consent_informed_on").to_owned(),
            consent_benefits: f.checked("consent_benefits"),
            scope: ctx
                .active()
                .map(|p| ScopeRow {
                    person_id: p.id,
                    mapping: f.get(&format!("share_{}_mapping", p.id)).to_owned(),
                    plan: f.get(&format!("share_{}_plan", p.id)).to_owned(),
                })
                .collect(),
            request_on: f.get("request_on").to_owned(),
            request_whom: f.get("request_whom").to_owned(),
            request_asked: f.get("request_asked").to_owned(),
            child_parts: ctx
                .children()
                .map(|p| {
                    let get = |name: &str| f.get(&format!("child_{}_{name}", p.id)).to_owned();
                    ChildRow {
                        person_id: p.id,
                        heard: !get("heard").is_empty(),
                        said: get("said"),
                        prepared: !get("prepared").is_empty(),
                        goodbye: !get("goodbye").is_empty(),
                        contacts: get("contacts"),
                        school: get("school"),
                    }
                })
                .collect(),
            digital: f.all("digital"),
            digital_on: f.get("digital_on").to_owned(),
            digital_note: f.get("digital_note").to_owned(),
            moved_on: f.get("moved_on").to_owned(),
            cancel_reason: f.get("cancel_reason").to_owned(),
            lock_version: f.get("lock_version").to_owned(),
        }
    }

    /// The form filled from a saved relocation.
    pub fn from_content(c: &Content, ctx: &Context<'_>, lock_version: i32) -> Self {
        RelocationForm {
            offer: c.offer.map(|o| o.code().to_owned()).unwrap_or_default(),
            mappings: c
                .mappings
                .iter()
                .map(|m| format!("{}:{}", m.person_id, m.version))
                .collect(),
            children: c.children.iter().map(Uuid::to_string).collect(),
            necessary: c.necessary.clone(),
            appropriate: c.appropriate.clone(),
            will_hold: c.will_hold.clone(),
            candidates: c
                .candidates
                .iter()
                .map(|cand| CandidateRow {
                    id: cand.id.to_string(),
                    centre: match cand.centre_id {
                        Some(id) => id.to_string(),
                        None if !cand.external.is_empty() => EXTERNAL.to_owned(),
                        None => String::new(),
                    },
                    external: cand.external.clone(),
                    factors: cand
                        .considered
                        .iter()
                        .map(|f| f.code().to_owned())
                        .collect(),
                    speaks_for: cand.speaks_for.clone(),
                    speaks_against: cand.speaks_against.clone(),
                })
                .collect(),
            chosen: c.chosen.map(|id| id.to_string()).unwrap_or_default(),
            planned_on: date_text(c.planned_on),
            police_origin: PoliceRow::of(&c.police_origin),
            police_destination: PoliceRow::of(&c.police_destination),
            consent_decision: c
                .consent
                .decision
                .map(|d| d.code().to_owned())
                .unwrap_or_default(),
            consent_informed_by: c.consent.informed_by.clone(),
            consent_informed_on: date_text(c.consent.informed_on),
            consent_benefits: c.consent.benefits_explained,
            scope: ctx
                .active()
                .map(|p| {
                    let s = c.consent.scope_of(p.id);
                    let text = |v: Option<i32>| v.map(|v| v.to_string()).unwrap_or_default();
                    ScopeRow {
                        person_id: p.id,
                        mapping: text(s.mapping),
                        plan: text(s.plan),
                    }
                })
                .collect(),
            request_on: date_text(c.police_request.on),
            request_whom: c.police_request.whom.clone(),
            request_asked: c.police_request.asked.clone(),
            child_parts: ctx
                .children()
                .map(|p| {
                    let part = c.child_part(p.id);
                    ChildRow {
                        person_id: p.id,
                        heard: part.heard,
                        said: part.said,
                        prepared: part.prepared,
                        goodbye: part.goodbye,
                        contacts: part.contacts,
                        school: part.school,
                    }
                })
                .collect(),
            digital: c.digital.done.iter().map(|d| d.code().to_owned()).collect(),
            digital_on: date_text(c.digital.on),
            digital_note: c.digital.note.clone(),
            moved_on: locale::date(ctx.today),
            cancel_reason: c.cancel_reason.clone(),
            lock_version: lock_version.to_string(),
        }
    }

    /// The typed relocation, and the day of the move as typed. `decided`:
    /// the decision is made, and what it rests on (the basis, the
    /// justifications, the candidates and the choice) is kept from `saved`
    /// whatever the form says.
    pub fn parse(
        &self,
        ctx: &Context<'_>,
        saved: &Content,
        decided: bool,
    ) -> Result<Parsed, FieldErrors> {
        let mut e = FieldErrors::default();
        let mut content = if decided {
            Content {
                offer: saved.offer,
                mappings: saved.mappings.clone(),
                children: saved.children.clone(),
                necessary: saved.necessary.clone(),
                appropriate: saved.appropriate.clone(),
                will_hold: saved.will_hold.clone(),
                candidates: saved.candidates.clone(),
                chosen: saved.chosen,
                ..Content::default()
            }
        } else {
            self.parse_assessment(ctx, &mut e)
        };
        content.planned_on = date_field(&mut e, "planned_on", &self.planned_on, false);
        content.police_origin = self.police_origin.parse(&mut e, "police_origin");
        content.police_destination = self.police_destination.parse(&mut e, "police_destination");
        for (field, contact) in [
            ("police_origin_on", &content.police_origin),
            ("police_destination_on", &content.police_destination),
        ] {
            if contact.on.is_some_and(|d| d > ctx.today) {
                e.add(
                    field,
                    "Skriv datoen da kontakten var; den kan ikke være fram i tid.",
                );
            }
        }
        content.consent = self.parse_consent(ctx, &content.children, &mut e);
        content.police_request = PoliceRequest {
            on: date_field(&mut e, "request_on", &self.request_on, false),
            whom: optional_text(&mut e, "request_whom", &self.request_whom, SHORT),
            asked: optional_text(&mut e, "request_asked", &self.request_asked, LONG),
        };
        content.child_parts = self
            .child_parts
            .iter()
            .filter(|row| content.children.contains(&row.person_id))
            .map(|row| {
                let field = |name: &str| Cow::Owned(format!("child_{}_{name}", row.person_id));
                ChildPart {
                    person_id: row.person_id,
                    heard: row.heard,
                    said: optional_text(&mut e, field("said"), &row.said, LONG),
                    prepared: row.prepared,
                    goodbye: row.goodbye,
                    contacts: optional_text(&mut e, field("contacts"), &row.contacts, LONG),
                    school: optional_text(&mut e, field("school"), &row.school, LONG),
                }
            })
            .collect();
        let mut done = Vec::new();
        for raw in &self.digital {
            match DigitalCheck::parse(raw) {
                Some(check) if !done.contains(&check) => done.push(check),
                Some(_) => {}
                None => e.add("digital", "Velg blant punktene i listen."),
            }
        }
        content.digital = DigitalReview {
            done,
            on: date_field(&mut e, "digital_on", &self.digital_on, false),
            note: optional_text(&mut e, "digital_note", &self.digital_note, LONG),
        };
        if content.digital.on.is_some_and(|d| d > ctx.today) {
            e.add(
                "digital_on",
                "Skriv datoen da dere gikk gjennom listen; den kan ikke være fram i tid.",
            );
        }
        content.cancel_reason = optional_text(&mut e, "cancel_reason", &self.cancel_reason, LONG);
        let moved_on = date_field(&mut e, "moved_on", &self.moved_on, false);
        e.into_result(|| Parsed { content, moved_on })
    }

    /// The basis, the justifications and the candidates: what the decision
    /// rests on.
    fn parse_assessment(&self, ctx: &Context<'_>, e: &mut FieldErrors) -> Content {
        let mut mappings = Vec::new();
        if self.mappings.len() > ctx.people.len() {
            e.add("mapping", "Velg én kartlegging per person.");
        }
        for raw in self.mappings.iter().take(ctx.people.len()) {
            let parsed = raw.split_once(':').and_then(|(person, version)| {
                Some(MappingRef {
                    person_id: Uuid::parse_str(person).ok()?,
                    version: version.parse().ok().filter(|v: &i32| *v > 0)?,
                })
            });
            match parsed {
                Some(m) if ctx.active().any(|p| p.id == m.person_id) => {
                    if !mappings.contains(&m) {
                        mappings.push(m);
                    }
                }
                _ => e.add("mapping", "Velg blant kartleggingene i listen."),
            }
        }
        let mut children = Vec::new();
        for raw in &self.children {
            match Uuid::parse_str(raw)
                .ok()
                .filter(|id| ctx.children().any(|c| c.id == *id))
            {
                Some(id) if !children.contains(&id) => children.push(id),
                Some(_) => {}
                None => e.add("child", "Velg blant barna i saken."),
            }
        }
        let mut candidates: Vec<Candidate> = Vec::new();
        for (i, row) in self.candidates.iter().enumerate() {
            let field = |name: &str| Cow::Owned(format!("candidate_{i}_{name}"));
            let centre_id = match row.centre.as_str() {
                "" | EXTERNAL => None,
                raw => match Uuid::parse_str(raw)
                    .ok()
                    .filter(|id| ctx.centre_name(*id).is_some())
                {
                    Some(id) => Some(id),
                    None => {
                        e.add(field("centre"), "Velg et senter fra listen.");
                        None
                    }
                },
            };
            let external = if row.centre == EXTERNAL {
                optional_text(e, field("external"), &row.external, SHORT)
            } else {
                String::new()
            };
            let mut considered = Vec::new();
            for raw in &row.factors {
                match Factor::parse(raw) {
                    Some(f) if !considered.contains(&f) => considered.push(f),
                    Some(_) => {}
                    None => e.add(field("factor"), "Velg blant punktene i listen."),
                }
            }
            let candidate = Candidate {
                id: Uuid::parse_str(&row.id).unwrap_or_else(|_| Uuid::new_v4()),
                centre_id,
                external,
                considered,
                speaks_for: optional_text(e, field("for"), &row.speaks_for, LONG),
                speaks_against: optional_text(e, field("against"), &row.speaks_against, LONG),
            };
            let named = candidate.centre_id.is_some() || !candidate.external.is_empty();
            let written = !candidate.considered.is_empty()
                || !candidate.speaks_for.is_empty()
                || !candidate.speaks_against.is_empty();
            if row.centre == EXTERNAL && candidate.external.is_empty() {
                e.add(field("external"), "Skriv navnet på senteret utenfor Trygg.");
            } else if !named && written {
                e.add(field("centre"), "Velg hvilket senter vurderingen gjelder.");
            }
            if named || written {
                if candidates.iter().any(|c| c.id == candidate.id) {
                    e.add(field("centre"), "Denne raden er sendt to ganger.");
                } else {
                    candidates.push(candidate);
                }
            }
        }
        let chosen = match self.chosen.as_str() {
            "" => None,
            raw => {
                let id = Uuid::parse_str(raw)
                    .ok()
                    .filter(|id| candidates.iter().any(|c| c.id == *id));
                if id.is_none() {
                    e.add(
                        "chosen",
                        "Senteret du valgte er ikke blant kandidatene. Velg på nytt.",
                    );
                }
                id
            }
        };
        Content {
            offer: forms::optional_code::<OfferAnswer>(
                e,
                "offer",
                &self.offer,
                "Velg et av svarene.",
            ),
            mappings,
            children,
            necessary: optional_text(e, "necessary", &self.necessary, LONG),
            appropriate: optional_text(e, "appropriate", &self.appropriate, LONG),
            will_hold: optional_text(e, "will_hold", &self.will_hold, LONG),
            candidates,
            chosen,
            ..Content::default()
        }
    }

    fn parse_consent(
        &self,
        ctx: &Context<'_>,
        moving_children: &[Uuid],
        e: &mut FieldErrors,
    ) -> Consent {
        let decision = forms::optional_code::<ConsentDecision>(
            e,
            "consent_decision",
            &self.consent_decision,
            "Velg et av svarene.",
        );
        let informed_on = date_field(e, "consent_informed_on", &self.consent_informed_on, false);
        if informed_on.is_some_and(|d| d > ctx.today) {
            e.add(
                "consent_informed_on",
                "Skriv datoen da beboeren ble informert; den kan ikke være fram i tid.",
            );
        }
        // Only the resident and the children moving along can be shared.
        let scope = self
            .scope
            .iter()
            .filter(|s| {
                ctx.people.iter().any(|p| {
                    p.id == s.person_id && (!p.is_child() || moving_children.contains(&p.id))
                })
            })
            .filter_map(|s| {
                let mut version = |raw: &str, what: &str| match raw {
                    "" => None,
                    raw => {
                        let plan = what == "plan";
                        let v = raw
                            .parse::<i32>()
                            .ok()
                            .filter(|v| ctx.shareable.contains(&(s.person_id, plan, *v)));
                        if v.is_none() {
                            e.add(
                                format!("share_{}_{what}", s.person_id),
                                "Kryss av blant det som vises.",
                            );
                        }
                        v
                    }
                };
                let scope = Scope {
                    person_id: s.person_id,
                    mapping: version(&s.mapping, "mapping"),
                    plan: version(&s.plan, "plan"),
                };
                (scope.mapping.is_some() || scope.plan.is_some()).then_some(scope)
            })
            .collect();
        Consent {
            decision,
            informed_by: optional_text(e, "consent_informed_by", &self.consent_informed_by, SHORT),
            informed_on,
            benefits_explained: self.consent_benefits,
            scope,
        }
    }
}

/// A posted form, read.
pub struct Parsed {
    pub content: Content,
    pub moved_on: Option<Date>,
}

/// R3, R5: what a decision needs beyond a save.
pub fn check_decide(c: &Content, ctx: &Context<'_>) -> FieldErrors {
    let mut e = FieldErrors::default();
    if c.offer != Some(OfferAnswer::Accepted) {
        e.add(
            "offer",
            "Flytting er et tilbud: beboeren må ha takket ja før flyttingen besluttes.",
        );
    }
    if !c.police_origin.is_recorded() {
        e.add(
            "police_origin_on",
            "Politiet skal være med på å vurdere hvor beboeren kan flytte: registrer kontakten med politiet der krisesenteret ligger før flyttingen besluttes.",
        );
    }
    if c.mappings.is_empty() {
        e.add(
            "mapping",
            "Velg hvilken kartlegging som gjør at flytting vurderes.",
        );
    }
    if c.necessary.is_empty() {
        e.add(
            "necessary",
            "Begrunn hvorfor flytting er nødvendig for sikkerheten før flyttingen besluttes.",
        );
    }
    if c.appropriate.is_empty() {
        e.add(
            "appropriate",
            "Begrunn hvorfor flytting er hensiktsmessig for beboeren og barna før flyttingen besluttes.",
        );
    }
    if ctx.earlier_moves > 0 && c.will_hold.is_empty() {
        e.add(
            "will_hold",
            "Beboeren har flyttet før. Skriv hva som er annerledes nå, slik at beboeren ikke må flytte igjen.",
        );
    }
    if c.candidates.is_empty() {
        e.add(
            "candidate_0_centre",
            "Vurder minst ett krisesenter før flyttingen besluttes.",
        );
    } else if c.chosen_candidate().is_none() {
        e.add(
            "chosen",
            "Velg hvilket krisesenter beboeren skal flytte til.",
        );
    }
    e
}

/// R1, R4, R6, R7, R9: what recording the move needs.
pub fn check_move(c: &Content, ctx: &Context<'_>, moved_on: Option<Date>) -> FieldErrors {
    let mut e = FieldErrors::default();
    for (prefix, contact, whose) in [
        (
            "police_origin",
            &c.police_origin,
            "politiet der krisesenteret ligger",
        ),
        (
            "police_destination",
            &c.police_destination,
            "lokalt politi der det nye senteret ligger",
        ),
    ] {
        if !contact.is_recorded() {
            let field = [
                ("on", contact.on.is_none()),
                ("district", contact.district.is_empty()),
                ("whom", contact.whom.is_empty()),
                ("agreed", contact.agreed.is_empty()),
            ]
            .into_iter()
            .find(|(_, missing)| *missing)
            .map_or("on", |(name, _)| name);
            e.add(
                format!("{prefix}_{field}"),
                format!(
                    "Registrer kontakten med {whose} (dato, politidistrikt, hvem og hva som er avtalt) før flyttingen."
                ),
            );
        }
    }
    match moved_on {
        None => e.add("moved_on", "Skriv inn datoen for flyttingen."),
        Some(day) if day > ctx.today => e.add(
            "moved_on",
            "Flyttingen registreres når den har skjedd: datoen kan ikke være fram i tid.",
        ),
        Some(day) if day < ctx.arrived => e.add(
            "moved_on",
            "Flyttedatoen kan ikke være før beboeren kom til senteret.",
        ),
        Some(day) => {
            // What is done before the move is dated no later than it.
            let after = |on: Option<Date>| on.is_some_and(|d| d > day);
            if after(c.police_destination.on) {
                e.add(
                    "police_destination_on",
                    "Lokalt politi skal være involvert før flyttingen: datoen er etter flyttedagen.",
                );
            }
            if after(c.consent.informed_on) {
                e.add(
                    "consent_informed_on",
                    "Beboeren skal informeres før flyttingen: datoen er etter flyttedagen.",
                );
            }
            if after(c.digital.on) {
                e.add(
                    "digital_on",
                    "Den digitale sikkerheten skal gås gjennom før flyttingen, men datoen er etter flyttedagen.",
                );
            }
        }
    }
    let consent = &c.consent;
    if consent.decision.is_none() {
        e.add(
            "consent_decision",
            "Registrer beboerens svar på om kartlegging og plan skal følge med, før flyttingen.",
        );
    } else {
        if consent.informed_by.is_empty() {
            e.add("consent_informed_by", "Skriv hvem som informerte beboeren.");
        }
        if consent.informed_on.is_none() {
            e.add("consent_informed_on", "Skriv når beboeren ble informert.");
        }
        if !consent.benefits_explained {
            e.add(
                "consent_benefits",
                "Beboeren skal ha fått vite fordelene ved at det nye senteret kjenner trusselbildet.",
            );
        }
    }
    if !c.police_request.is_empty()
        && (c.police_request.on.is_none()
            || c.police_request.whom.is_empty()
            || c.police_request.asked.is_empty())
    {
        e.add(
            "request_on",
            "Fyll ut dato, hvem og hva politiet ble bedt om, eller tøm feltene.",
        );
    }
    for child in ctx.children().filter(|p| c.children.contains(&p.id)) {
        if !c.child_part(child.id).is_done() {
            e.add(
                format!("child_{}_said", child.id),
                format!(
                    "Fyll ut barnets del for {}: hva barnet sa, og hva flyttingen betyr for skole eller barnehage, før flyttingen.",
                    child.name
                ),
            );
        }
    }
    if !c.digital.is_complete() {
        let field = if c.digital.on.is_none()
            && DigitalCheck::ALL.iter().all(|d| c.digital.done.contains(d))
        {
            "digital_on"
        } else {
            "digital"
        };
        e.add(
            field,
            "Gå gjennom hele sjekklisten for digital sikkerhet sammen med beboeren, og skriv datoen, før flyttingen.",
        );
    }
    e
}
