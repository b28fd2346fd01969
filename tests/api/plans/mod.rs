//! Safety plans (§ 4 b, P1–P10) and their review by a coordinator (U2):
//! built on a mapping version, a responsible party per measure, flags for
//! measures that answer nothing, for the child's burden and for missing
//! police; extracts for the school and the child; no lost work; isolation.
//!
//! This module holds what the tests share: a case with a mapped child, the
//! plan form, and a submitted plan. The tests live in one module per theme.

mod conflicts;
mod drafts;
mod extracts;
mod flags;
mod isolation;
mod review;
mod review_flags;
mod threats;

use trygg::accounts::{Centre, Role};

use crate::cases::{add_child, new_case, person_ids};
use crate::helpers::{
    Browser, Response, TestApp, TestUser, css_string, form_fields, selector, spawn_app,
};

/// The plan form's fields as shown, with `changes` (a value of "" removes).
fn plan_form(page: &Response, changes: &[(&str, &str)]) -> Vec<(String, String)> {
    form_fields(page, "plan-form", changes)
}

/// The fears and threats a measure can answer, as (id, label) in the form:
/// the labels of the first measure's checkboxes.
fn links(form: &Response) -> Vec<(String, String)> {
    let prefix = "measure_0_answers-";
    form.html()
        .select(&selector(&format!("label[for^={}]", css_string(prefix))))
        .map(|label| {
            let target = label.attr("for").unwrap_or_default();
            let id = target[prefix.len()..].chars().take(36).collect();
            (id, label.text().collect())
        })
        .collect()
}

fn link_to(form: &Response, label_part: &str) -> String {
    links(form)
        .into_iter()
        .find(|(_, label)| label.contains(label_part))
        .unwrap_or_else(|| panic!("no link {label_part:?} in {:?}", links(form)))
        .0
}

struct Setup {
    app: TestApp,
    centre: Centre,
    staff: TestUser,
    browser: Browser,
    case_id: String,
    resident: String,
    child: String,
}

impl Setup {
    fn mapping(&self, person: &str) -> String {
        format!("/cases/{}/people/{person}/mapping", self.case_id)
    }
    fn plan(&self, person: &str) -> String {
        format!("/cases/{}/people/{person}/plan", self.case_id)
    }

    /// Completes a mapping version of `person`: a fear, the risk of contact
    /// "yes", the other risks "no", with `assessment` and `relocation`.
    async fn complete_mapping(
        &mut self,
        person: &str,
        fear: &str,
        assessment: &str,
        relocation: &str,
    ) {
        let base = self.mapping(person);
        self.browser.post(&format!("{base}/draft"), &[]).await;
        let form = self.browser.get(&format!("{base}/edit")).await;
        let child = person == self.child;
        let mut changes = vec![
            ("participants", if child { "child" } else { "resident" }),
            ("fear_0_text", fear),
            ("risk_0_answer", "yes"),
            ("risk_1_answer", "no"),
            ("assessment", assessment),
            ("relocation", relocation),
            ("action", "complete"),
        ];
        if child {
            changes.push(("risk_2_answer", "no"));
        }
        let fields = form_fields(&form, "mapping-form", &changes);
        let done = self
            .browser
            .post_fields(&format!("{base}/edit"), &fields)
            .await;
        assert_eq!(done.status, 303, "{}", done.body);
    }

    /// Opens the plan's open version for editing and returns its form.
    async fn open_plan(&mut self, person: &str) -> Response {
        let base = self.plan(person);
        let started = self.browser.post(&format!("{base}/draft"), &[]).await;
        assert_eq!(started.location(), format!("{base}/edit"));
        let form = self.browser.get(&format!("{base}/edit")).await;
        assert_eq!(form.status, 200);
        form
    }

    async fn save(&mut self, person: &str, form: &Response, changes: &[(&str, &str)]) -> Response {
        let fields = plan_form(form, changes);
        let path = format!("{}/edit", self.plan(person));
        self.browser.post_fields(&path, &fields).await
    }

    /// The plan's state and version rows, oldest first.
    async fn versions(&self, person: &str) -> Vec<(i32, String)> {
        sqlx::query_as(
            "SELECT version, state FROM plans WHERE person_id = $1::uuid ORDER BY version",
        )
        .bind(person)
        .fetch_all(&self.app.db)
        .await
        .unwrap()
    }

    async fn plan_id(&self, person: &str, version: i32) -> String {
        let id: uuid::Uuid =
            sqlx::query_scalar("SELECT id FROM plans WHERE person_id = $1::uuid AND version = $2")
                .bind(person)
                .bind(version)
                .fetch_one(&self.app.db)
                .await
                .unwrap();
        id.to_string()
    }
}

impl Setup {
    async fn complete_mapping_of(&mut self, person: &str) {
        let base = self.mapping(person);
        self.browser.post(&format!("{base}/draft"), &[]).await;
        let form = self.browser.get(&format!("{base}/edit")).await;
        let fields = form_fields(
            &form,
            "mapping-form",
            &[
                ("participants", "parent"),
                ("fear_0_text", "At noen tar henne med."),
                ("risk_0_answer", "yes"),
                ("risk_1_answer", "no"),
                ("risk_2_answer", "yes"),
                ("assessment", "moderate"),
                ("relocation", "no"),
                ("action", "complete"),
            ],
        );
        let done = self
            .browser
            .post_fields(&format!("{base}/edit"), &fields)
            .await;
        assert_eq!(done.status, 303, "{}", done.body);
    }
}

/// A case at `centre` with a resident and a child of ten, both mapped.
async fn mapped_case(app: TestApp, centre: Centre) -> Setup {
    let staff = app.user(&centre, Role::Staff).await;
    let mut browser = app.signed_in(&staff).await;
    let case_id = new_case(&mut browser, &staff, "Kari Eksempelsen").await;
    let ten = trygg::locale::date(
        trygg::locale::today()
            .replace_year(trygg::locale::today().year() - 10)
            .unwrap(),
    );
    add_child(&mut browser, &case_id, "Emil Eksempelsen", &ten).await;
    let page = browser.get(&format!("/cases/{case_id}")).await;
    let ids = person_ids(&page.body, &case_id);
    let mut s = Setup {
        app,
        centre,
        staff,
        browser,
        case_id,
        resident: ids[0].clone(),
        child: ids[1].clone(),
    };
    let child = s.child.clone();
    s.complete_mapping(&child, "At pappa står utenfor skolen.", "moderate", "no")
        .await;
    s
}

async fn setup() -> Setup {
    let app = spawn_app().await;
    let centre = app.centre("A").await;
    mapped_case(app, centre).await
}

/// The five parties' measures of a child's plan, each answering something.
fn five_parties<'a>(fear: &'a str, threat: &'a str) -> Vec<(&'static str, &'a str)> {
    vec![
        ("measure_0_text", "Går sammen med mamma til skolen."),
        ("measure_0_party", "child"),
        ("measure_0_answers", fear),
        ("measure_1_text", "Følger barnet til og fra skolen."),
        ("measure_1_party", "parent"),
        ("measure_1_answers", threat),
        ("measure_1_from", "01.12.2026"),
        ("measure_1_until", "31.12.2026"),
        ("measure_2_text", "Snakker med barnet hver uke."),
        ("measure_2_party", "centre"),
        ("measure_2_answers", fear),
        ("action", "save"),
    ]
}

fn in_days(days: i64) -> String {
    trygg::locale::date(trygg::locale::today() + time::Duration::days(days))
}

/// A coordinator approves the child's submitted version `version`, with
/// the next review in four weeks.
async fn approve(s: &mut Setup, version: i32) {
    let child = s.child.clone();
    let id = s.plan_id(&child, version).await;
    let coordinator = s.app.user(&s.centre, Role::Coordinator).await;
    let mut reviewer = s.app.signed_in(&coordinator).await;
    let review = reviewer.get(&format!("/reviews/{id}")).await;
    let lock = review.input_value("lock_version").unwrap();
    let approved = reviewer
        .post(
            &format!("/reviews/{id}/approve"),
            &[("lock_version", &lock), ("next_review", &in_days(28))],
        )
        .await;
    assert_eq!(approved.location(), "/reviews?melding=plan-godkjent");
}

/// A child's plan with five parties, submitted by the setup's staff member.
async fn submitted_plan(s: &mut Setup) -> String {
    let child = s.child.clone();
    let form = s.open_plan(&child).await;
    let fear = link_to(&form, "Barnet frykter");
    let threat = link_to(&form, "Trussel");
    let mut changes = five_parties(&fear, &threat);
    changes.retain(|(k, _)| *k != "action");
    changes.extend([
        ("child_if_frightening", "Gå inn til en lærer."),
        ("action", "submit"),
    ]);
    let sent = s.save(&child, &form, &changes).await;
    assert_eq!(
        sent.location(),
        format!("{}?melding=plan-sendt", s.plan(&child))
    );
    s.plan_id(&child, 1).await
}
