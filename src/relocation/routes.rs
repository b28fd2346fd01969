//! `/cases/{id}/relocations/…`: opening a relocation, the page that
//! assesses, decides and records it (one form, so nothing typed is lost
//! between its steps), and the police summary. `/shared` is in `incoming`.

use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use uuid::Uuid;

use super::content::{ConsentDecision, Content, DigitalCheck, Factor, MappingRef, OfferAnswer};
use super::form::{self, CandidateRow, Context, EXTERNAL, MAX_CANDIDATES, RelocationForm};
use super::rows::Names;
use super::{CentreOption, Change, Move, Relocation, RelocationState};
use crate::AppState;
use crate::audit::{AuditKind, Event};
use crate::auth::Permission;
use crate::auth::permission::{
    Can,
    grant::{ReadCases, WriteCases},
};
use crate::auth::session::CurrentUser;
use crate::cases::{Case, Person};
use crate::error::AppError;
use crate::forms::{Choice, FieldErrors, FormFields};
use crate::http::page::{Page, render, render_with_status};
use crate::http::{ClientIp, PathIds, RecordId};
use crate::mapping::content::Relocation as Consider;
use crate::versioned::{Sections, sections};
use crate::{locale, mapping};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/cases/{id}/relocations", post(view_relocation_open_post))
        .route(
            "/cases/{id}/relocations/{relocation_id}",
            get(view_relocation_get).post(view_relocation_post),
        )
        .route(
            "/cases/{id}/relocations/{relocation_id}/police",
            get(view_police_summary_get),
        )
}

fn url(case_id: Uuid, id: Uuid) -> String {
    format!("/cases/{case_id}/relocations/{id}")
}

/// Everything a relocation page is read against, loaded for the caller's
/// centre only.
struct Loaded {
    case: Case,
    relocation: Relocation,
    people: Vec<Person>,
    centres: Vec<CentreOption>,
    centre_names: Vec<(Uuid, String)>,
    own_centre: String,
    history: Vec<Move>,
    newest: Vec<Newest>,
    /// What consent can name: the newest finished versions, and those the
    /// saved consent names already.
    shareable: Vec<(Uuid, bool, i32)>,
}

impl Loaded {
    async fn load(state: &AppState, user: &CurrentUser, path: &PathIds) -> Result<Self, AppError> {
        let case = crate::cases::load_for(&state.db, user.centre_id, path.id("id")?).await?;
        let relocation = super::load(
            &state.db,
            user.centre_id,
            case.id,
            path.id("relocation_id")?,
        )
        .await?;
        let people = crate::cases::people(&state.db, case.id).await?;
        let centres = super::other_centres(&state.db, user.centre_id).await?;
        let own_centre = crate::accounts::centre(&state.db, user.centre_id)
            .await?
            .name;
        let history = super::history(&state.db, &case, &own_centre).await?;
        let newest = newest_records(state, user.centre_id, &people).await?;
        let mut shareable: Vec<(Uuid, bool, i32)> = newest
            .iter()
            .flat_map(|n| {
                let mapping = n.mapping.as_ref().map(|m| (n.person_id, false, m.version));
                let plan = n.plan.map(|v| (n.person_id, true, v));
                mapping.into_iter().chain(plan)
            })
            .collect();
        for scope in &relocation.content.consent.scope {
            shareable.extend(scope.mapping.map(|v| (scope.person_id, false, v)));
            shareable.extend(scope.plan.map(|v| (scope.person_id, true, v)));
        }
        Ok(Loaded {
            newest,
            shareable,
            centre_names: centres.iter().map(|c| (c.id, c.name.clone())).collect(),
            case,
            relocation,
            people,
            centres,
            own_centre,
            history,
        })
    }

    fn context(&self) -> Context<'_> {
        Context {
            people: &self.people,
            centres: &self.centre_names,
            earlier_moves: self.earlier_moves(),
            arrived: self.case.arrival_date,
            shareable: &self.shareable,
            today: locale::today(),
        }
    }

    /// R5: moves before this relocation (a done one is not its own "earlier").
    fn earlier_moves(&self) -> usize {
        let own = usize::from(self.relocation.state == RelocationState::Moved);
        self.history.len().saturating_sub(own)
    }

    fn names(&self) -> Names<'_> {
        Names {
            people: &self.people,
            centres: &self.centre_names,
        }
    }
}

/// What someone else did while this form was filled in.
enum Conflict {
    /// Saved meanwhile: the form now carries their version's lock.
    Saved,
    /// Moved or called off meanwhile: nothing can be saved any more.
    Closed(RelocationState),
}

#[derive(Template)]
#[template(path = "relocation/page.html")]
struct RelocationPage {
    page: Page,
    case: Case,
    relocation: Relocation,
    resident_name: String,
    people: Vec<Person>,
    centres: Vec<CentreOption>,
    history: Vec<Move>,
    earlier_moves: usize,
    /// The form is shown (under way, and the user may write).
    editable: bool,
    form: RelocationForm,
    errors: FieldErrors,
    mapping_choices: Vec<Choice>,
    /// Fixed by the decision (decided), or everything (done, called off).
    fixed: Sections,
    conflict: Option<Conflict>,
    /// Per person: the newest completed mapping and approved plan, what
    /// consent can be given to.
    offers: Vec<(Uuid, Option<i32>, Option<i32>)>,
    /// For the origin, once the move is recorded with consent: when the
    /// destination opened what was shared.
    shared: Option<SharedStatus>,
}

struct SharedStatus {
    opened: Option<(String, String, i64)>,
}

impl RelocationPage {
    fn base(&self) -> String {
        url(self.case.id, self.relocation.id)
    }

    fn children(&self) -> Vec<&Person> {
        self.people
            .iter()
            .filter(|p| p.is_child() && p.removed_at.is_none())
            .collect()
    }

    fn active_people(&self) -> Vec<&Person> {
        self.people
            .iter()
            .filter(|p| p.removed_at.is_none())
            .collect()
    }

    fn child_choices(&self) -> Vec<Choice> {
        Choice::list(
            self.children()
                .into_iter()
                .map(|p| (p.id.to_string(), format!("{} ({} år)", p.name, p.age())))
                .collect::<Vec<_>>()
                .iter()
                .map(|(v, l)| (v.as_str(), l.as_str())),
            &self.form.children,
        )
    }

    fn centre_choices(&self, row: &CandidateRow) -> Vec<Choice> {
        let mut options = vec![(String::new(), "Velg krisesenter".to_owned())];
        options.extend(self.centres.iter().map(|c| (c.id.to_string(), c.label())));
        options.push((
            EXTERNAL.to_owned(),
            "Et krisesenter utenfor Trygg".to_owned(),
        ));
        Choice::list(
            options.iter().map(|(v, l)| (v.as_str(), l.as_str())),
            std::slice::from_ref(&row.centre),
        )
    }

    fn factor_choices(&self, row: &CandidateRow) -> Vec<Choice> {
        Choice::of(Factor::ALL, &row.factors)
    }

    fn chosen(&self, row: &CandidateRow) -> bool {
        !row.id.is_empty() && row.id == self.form.chosen
    }

    fn offer_choices(&self) -> Vec<Choice> {
        Choice::of(OfferAnswer::ALL, std::slice::from_ref(&self.form.offer))
    }

    fn consent_choices(&self) -> Vec<Choice> {
        Choice::of(
            ConsentDecision::ALL,
            std::slice::from_ref(&self.form.consent_decision),
        )
    }

    fn digital_choices(&self) -> Vec<Choice> {
        Choice::of(DigitalCheck::ALL, &self.form.digital)
    }

    fn moving(&self, person: &Person) -> bool {
        !person.is_child() || self.form.children.contains(&person.id.to_string())
    }

    /// The consent checkbox for `person`'s mapping or plan: the version
    /// consented to, or else the one there is to consent to now; and
    /// whether it is ticked. `None`: nothing to share.
    fn share_choice(&self, person: &Person, plan: bool) -> Option<(String, bool)> {
        let typed = self
            .form
            .scope
            .iter()
            .find(|s| s.person_id == person.id)
            .map(|s| if plan { &s.plan } else { &s.mapping })
            .filter(|v| !v.is_empty());
        if let Some(v) = typed {
            return Some((v.clone(), true));
        }
        let offer = self.offers.iter().find(|(id, _, _)| *id == person.id)?;
        let version = if plan { offer.2 } else { offer.1 };
        version.map(|v| (v.to_string(), false))
    }

    fn child_row(&self, person: &Person) -> form::ChildRow {
        self.form
            .child_parts
            .iter()
            .find(|r| r.person_id == person.id)
            .cloned()
            .unwrap_or_default()
    }

    fn error(&self, field: impl std::fmt::Display) -> Option<&str> {
        self.errors.get(&field.to_string())
    }

    fn child_field(&self, person: &Person, name: &str) -> String {
        format!("child_{}_{name}", person.id)
    }

    fn is_decided(&self) -> bool {
        self.relocation.is_decided()
    }

    fn is_assessing(&self) -> bool {
        self.relocation.state == RelocationState::Assessing
    }

    fn closed_meanwhile(&self) -> Option<&'static str> {
        match self.conflict {
            Some(Conflict::Closed(state)) => Some(state.label()),
            _ => None,
        }
    }

    fn saved_meanwhile(&self) -> bool {
        matches!(self.conflict, Some(Conflict::Saved))
    }
}

/// Per active person: the newest completed mapping and approved plan —
/// what a relocation can rest on, and what consent can be given to.
struct Newest {
    person_id: Uuid,
    person_name: String,
    mapping: Option<mapping::Version>,
    plan: Option<i32>,
}

async fn newest_records(
    state: &AppState,
    centre_id: Uuid,
    people: &[Person],
) -> Result<Vec<Newest>, AppError> {
    let mut out = Vec::new();
    for person in people.iter().filter(|p| p.removed_at.is_none()) {
        let plan = crate::versioned::newest_in::<crate::plans::model::Plan>(
            &state.db,
            centre_id,
            person.id,
            crate::plans::model::PlanState::Approved,
        )
        .await?;
        out.push(Newest {
            person_id: person.id,
            person_name: person.name.clone(),
            mapping: mapping::newest_completed(&state.db, centre_id, person.id).await?,
            plan: plan.map(|p| p.version),
        });
    }
    Ok(out)
}

/// The mapping versions to choose the basis from: each person's newest,
/// and those the relocation names already.
fn mapping_choices(newest: &[Newest], selected: &[String]) -> Vec<Choice> {
    let mut options: Vec<(String, String)> = newest
        .iter()
        .filter_map(|n| {
            let m = n.mapping.as_ref()?;
            let consider = match m.content.relocation {
                Some(Consider::Consider) => " – svarer at flytting må vurderes",
                _ => "",
            };
            Some((
                format!("{}:{}", n.person_id, m.version),
                format!("{}, versjon {}{consider}", n.person_name, m.version),
            ))
        })
        .collect();
    for raw in selected {
        if !options.iter().any(|(v, _)| v == raw) {
            options.push((raw.clone(), format!("Tidligere valgt versjon ({raw})")));
        }
    }
    Choice::list(
        options.iter().map(|(v, l)| (v.as_str(), l.as_str())),
        selected,
    )
}

async fn page_for(
    state: &AppState,
    page: Page,
    user: &CurrentUser,
    loaded: Loaded,
    form: Option<RelocationForm>,
    errors: FieldErrors,
    conflict: Option<Conflict>,
) -> Result<RelocationPage, AppError> {
    let ctx = loaded.context();
    let earlier_moves = ctx.earlier_moves;
    let relocation = &loaded.relocation;
    let editable = relocation.is_active()
        && user.may(Permission::WriteCases)
        && !matches!(conflict, Some(Conflict::Closed(_)));
    let mut form = form.unwrap_or_else(|| {
        RelocationForm::from_content(&relocation.content, &ctx, relocation.lock_version)
    });
    if relocation.state != RelocationState::Assessing {
        // Fixed by the decision, and not in the form: who moves is what
        // the consent and the children's part are asked for.
        form.children = relocation
            .content
            .children
            .iter()
            .map(Uuid::to_string)
            .collect();
    }
    if editable && !relocation.is_decided() && form.candidates.len() < MAX_CANDIDATES {
        // Room for one more candidate, with its id made now; never a row
        // past the limit, which would not be read.
        form.candidates.push(RelocationForm::blank_candidate());
    }
    let fixed = match relocation.state {
        RelocationState::Assessing => Vec::new(),
        RelocationState::Decided => sections(relocation.content.decision_rows(&loaded.names())),
        _ => sections(relocation.content.rows(&loaded.names())),
    };
    let mapping_choices = mapping_choices(&loaded.newest, &form.mappings);
    let offers = loaded
        .newest
        .iter()
        .map(|n| (n.person_id, n.mapping.as_ref().map(|m| m.version), n.plan))
        .collect();
    let shared = match relocation.state {
        RelocationState::Moved => {
            let delivered: bool = sqlx::query_scalar(
                "SELECT EXISTS (SELECT 1 FROM relocation_shares
                                WHERE relocation_id = $1 AND origin_centre_id = $2)",
            )
            .bind(relocation.id)
            .bind(user.centre_id)
            .fetch_one(&state.db)
            .await?;
            match delivered {
                true => Some(SharedStatus {
                    opened: super::share::opened_by_destination(
                        &state.db,
                        user.centre_id,
                        loaded.case.id,
                    )
                    .await?
                    .map(|(first, last, n)| (locale::date_time(first), locale::date_time(last), n)),
                }),
                false => None,
            }
        }
        _ => None,
    };
    let resident_name = loaded
        .people
        .iter()
        .find(|p| !p.is_child())
        .map(|p| p.name.clone())
        .unwrap_or_default();
    Ok(RelocationPage {
        page,
        earlier_moves,
        editable,
        form,
        errors,
        mapping_choices,
        offers,
        fixed,
        conflict,
        shared,
        resident_name,
        case: loaded.case,
        relocation: loaded.relocation,
        people: loaded.people,
        centres: loaded.centres,
        history: loaded.history,
    })
}

/// R1: opens a relocation on a case: from the case page, or from a
/// mapping that answers that relocation must be considered.
pub(super) async fn view_relocation_open_post(
    State(state): State<AppState>,
    user: Can<WriteCases>,
    ClientIp(ip): ClientIp,
    RecordId(id): RecordId,
    posted: FormFields,
) -> Result<Response, AppError> {
    let case = crate::cases::load_for(&state.db, user.centre_id, id).await?;
    if case.closed_on.is_some() {
        return Ok(
            Redirect::to(&format!("/cases/{id}?melding=relokalisering-lukket")).into_response(),
        );
    }
    if let Some(active) = super::active(&state.db, user.centre_id, case.id).await? {
        return Ok(Redirect::to(&format!(
            "{}?melding=relokalisering-pagar",
            url(case.id, active)
        ))
        .into_response());
    }
    let people = crate::cases::people(&state.db, case.id).await?;
    let active: Vec<&Person> = people.iter().filter(|p| p.removed_at.is_none()).collect();
    // The basis: the mapping it was opened from, or every newest mapping
    // that says relocation must be considered.
    let from: Option<MappingRef> = posted.get("mapping").split_once(':').and_then(|(p, v)| {
        Some(MappingRef {
            person_id: Uuid::parse_str(p).ok()?,
            version: v.parse().ok()?,
        })
    });
    let mut mappings = Vec::new();
    for person in &active {
        if let Some(m) = mapping::newest_completed(&state.db, user.centre_id, person.id).await? {
            let named = from
                .as_ref()
                .is_some_and(|f| f.person_id == person.id && f.version == m.version);
            // A version received at a relocation answered for the centre before.
            let considers =
                m.content.relocation == Some(Consider::Consider) && m.received_from.is_none();
            if named || considers {
                mappings.push(MappingRef {
                    person_id: person.id,
                    version: m.version,
                });
            }
        }
    }
    let content = Content {
        mappings,
        // Children move with their parent unless staff say otherwise.
        children: active
            .iter()
            .filter(|p| p.is_child())
            .map(|p| p.id)
            .collect(),
        ..Content::default()
    };
    let mut tx = state.db.begin().await?;
    let Some(relocation_id) = super::open(&mut tx, &case, &content, user.id).await? else {
        // Opened by someone else a moment ago.
        tx.rollback().await?;
        let active = super::active(&state.db, user.centre_id, case.id)
            .await?
            .ok_or(AppError::NotFound)?;
        return Ok(Redirect::to(&format!(
            "{}?melding=relokalisering-pagar",
            url(case.id, active)
        ))
        .into_response());
    };
    Event::on_case(AuditKind::RelocationOpened, &user, ip, case.id)
        .record(&mut *tx)
        .await?;
    tx.commit().await?;
    crate::flags::rescan_case(&state.db, &state.rules, case.id).await;
    Ok(Redirect::to(&url(case.id, relocation_id)).into_response())
}

pub(super) async fn view_relocation_get(
    State(state): State<AppState>,
    page: Page,
    user: Can<ReadCases>,
    ClientIp(ip): ClientIp,
    path: PathIds,
) -> Result<Response, AppError> {
    let loaded = Loaded::load(&state, &user, &path).await?;
    Event::on_case(AuditKind::RelocationViewed, &user, ip, loaded.case.id)
        .record_read(&state.reads)
        .await?;
    render(
        &page_for(
            &state,
            page,
            &user,
            loaded,
            None,
            FieldErrors::default(),
            None,
        )
        .await?,
    )
}

/// The button pressed, as far as the relocation's state allows it: a
/// decision only while assessing, a move only once decided; anything else
/// saves.
#[derive(Clone, Copy)]
enum Step {
    Save,
    Decide,
    Move,
    Cancel,
}

impl Step {
    fn of(action: &str, state: RelocationState) -> Step {
        match (action, state) {
            ("decide", RelocationState::Assessing) => Step::Decide,
            ("move", RelocationState::Decided) => Step::Move,
            ("cancel", _) => Step::Cancel,
            _ => Step::Save,
        }
    }
}

/// One form, four buttons: save, decide (R3), record the move (R4, R6, R7,
/// R9), call off. Whatever is refused comes back with everything typed.
pub(super) async fn view_relocation_post(
    State(state): State<AppState>,
    page: Page,
    user: Can<WriteCases>,
    ClientIp(ip): ClientIp,
    path: PathIds,
    posted: FormFields,
) -> Result<Response, AppError> {
    let loaded = Loaded::load(&state, &user, &path).await?;
    let ctx = loaded.context();
    let form = RelocationForm::read(&posted, &ctx);
    let relocation = &loaded.relocation;
    if !relocation.is_active() {
        // Moved or called off (by someone else, or in another tab): it
        // never changes again. What was typed is shown, not saved.
        let closed = Conflict::Closed(relocation.state);
        let page = page_for(
            &state,
            page,
            &user,
            loaded,
            Some(form),
            FieldErrors::default(),
            Some(closed),
        )
        .await?;
        return render_with_status(StatusCode::CONFLICT, &page);
    }
    let step = Step::of(posted.get("action"), relocation.state);
    let read_at: i32 = form.lock_version.parse().unwrap_or(0);
    let parsed = form
        .parse(&ctx, &relocation.content, relocation.is_decided())
        .and_then(|parsed| {
            let errors = match step {
                Step::Decide => form::check_decide(&parsed.content, &ctx),
                Step::Move => form::check_move(&parsed.content, &ctx, parsed.moved_on),
                Step::Cancel if parsed.content.cancel_reason.is_empty() => {
                    let mut e = FieldErrors::default();
                    e.add("cancel_reason", "Skriv hvorfor relokaliseringen avbrytes.");
                    e
                }
                Step::Cancel | Step::Save => FieldErrors::default(),
            };
            errors.into_result(|| parsed)
        });
    let parsed = match parsed {
        Ok(parsed) => parsed,
        Err(errors) => {
            let page = page_for(&state, page, &user, loaded, Some(form), errors, None).await?;
            return render_with_status(StatusCode::UNPROCESSABLE_ENTITY, &page);
        }
    };
    let (change, kind, notice) = match step {
        Step::Decide => {
            let chosen = parsed
                .content
                .chosen_candidate()
                .ok_or_else(|| AppError::Internal("decided without a destination".into()))?;
            let name = match chosen.centre_id {
                Some(id) => ctx.centre_name(id).map(str::to_owned).unwrap_or_default(),
                None => chosen.external.clone(),
            };
            (
                Change::Decide {
                    destination_centre_id: chosen.centre_id,
                    destination_name: name,
                },
                AuditKind::RelocationDecided,
                "relokalisering-besluttet",
            )
        }
        Step::Move => (
            Change::Move(parsed.moved_on.unwrap_or_else(locale::today)),
            AuditKind::RelocationMoved,
            "relokalisering-flyttet",
        ),
        Step::Cancel => (
            Change::Cancel,
            AuditKind::RelocationCancelled,
            "relokalisering-avbrutt",
        ),
        Step::Save => (
            Change::Save,
            AuditKind::RelocationSaved,
            "relokalisering-lagret",
        ),
    };
    let mut tx = state.db.begin().await?;
    // The lock the form was read at must be the one this request checked the
    // state against: a posted lock ahead of it is someone else's save.
    let saved = read_at == relocation.lock_version
        && super::save(
            &mut tx,
            relocation,
            read_at,
            &parsed.content,
            &change,
            user.id,
        )
        .await?;
    if !saved {
        tx.rollback().await?;
        // Someone else saved first: their version is the one to build on,
        // and the form keeps what this user typed.
        let loaded = Loaded::load(&state, &user, &path).await?;
        let conflict = match loaded.relocation.is_active() {
            true => Conflict::Saved,
            false => Conflict::Closed(loaded.relocation.state),
        };
        let mut form = form;
        form.lock_version = loaded.relocation.lock_version.to_string();
        let page = page_for(
            &state,
            page,
            &user,
            loaded,
            Some(form),
            FieldErrors::default(),
            Some(conflict),
        )
        .await?;
        return render_with_status(StatusCode::CONFLICT, &page);
    }
    Event::on_case(kind, &user, ip, loaded.case.id)
        .record(&mut *tx)
        .await?;
    if let Change::Move(_) = change {
        let shared = super::complete_move(
            &mut tx,
            &loaded.case,
            relocation.id,
            &loaded.people,
            &loaded.own_centre,
            loaded.history.clone(),
        )
        .await?;
        if shared {
            Event::on_case(AuditKind::ShareDelivered, &user, ip, loaded.case.id)
                .record(&mut *tx)
                .await?;
        }
    }
    tx.commit().await?;
    crate::flags::rescan_case(&state.db, &state.rules, loaded.case.id).await;
    Ok(Redirect::to(&format!(
        "{}?melding={notice}",
        url(loaded.case.id, relocation.id)
    ))
    .into_response())
}

/// What the police need to know, and nothing more: who moves, from where to
/// where, the police contacts, and the threat picture's risks and overall
/// assessment. Printed whether or not the resident consented to sharing
/// with the new centre (R6): it goes to the police, not to the centre.
#[derive(Template)]
#[template(path = "relocation/police.html")]
struct PoliceSummary {
    page: Page,
    case: Case,
    relocation: Relocation,
    own_centre: String,
    moving: Vec<PoliceSummaryPerson>,
}

struct PoliceSummaryPerson {
    person: Person,
    mapping: Option<mapping::Version>,
}

impl PoliceSummary {
    fn date(&self, d: &Option<time::Date>) -> String {
        d.map(locale::date).unwrap_or_else(|| "–".into())
    }

    fn day(&self, d: &time::Date) -> String {
        locale::date(*d)
    }

    fn today(&self) -> String {
        locale::date(locale::today())
    }
}

pub(super) async fn view_police_summary_get(
    State(state): State<AppState>,
    page: Page,
    user: Can<ReadCases>,
    ClientIp(ip): ClientIp,
    path: PathIds,
) -> Result<Response, AppError> {
    let loaded = Loaded::load(&state, &user, &path).await?;
    let content = &loaded.relocation.content;
    let mut moving = Vec::new();
    for person in loaded
        .people
        .iter()
        .filter(|p| p.removed_at.is_none() && (!p.is_child() || content.children.contains(&p.id)))
    {
        moving.push(PoliceSummaryPerson {
            mapping: mapping::newest_completed(&state.db, user.centre_id, person.id).await?,
            person: person.clone(),
        });
    }
    Event::on_case(AuditKind::PoliceSummaryPrinted, &user, ip, loaded.case.id)
        .record_read(&state.reads)
        .await?;
    render(&PoliceSummary {
        page,
        case: loaded.case,
        relocation: loaded.relocation,
        own_centre: loaded.own_centre,
        moving,
    })
}
