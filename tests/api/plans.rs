//! Safety plans (§ 4 b, P1–P10) and their review by a coordinator (U2):
//! built on a mapping version, a responsible party per measure, flags for
//! measures that answer nothing, for the child's burden and for missing
//! police; extracts for the school and the child; no lost work; isolation.

use trygg::accounts::{Centre, Role};

use crate::cases::{add_child, new_case, person_ids};
use crate::helpers::{
    Browser, Response, TestApp, TestUser, css_string, form_fields, selector, spawn_app,
};

/// The plan form's fields as shown, with `changes` (a value of "" removes).
fn plan_form(page: &Response, changes: &[(&str, &str)]) -> Vec<(String, String)> {
    form_fields(page, "plan-form", changes)
}

async fn post(browser: &mut Browser, path: &str, fields: &[(String, String)]) -> Response {
    let refs: Vec<(&str, &str)> = fields
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    browser.post(path, &refs).await
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
        let done = post(&mut self.browser, &format!("{base}/edit"), &fields).await;
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
        post(&mut self.browser, &path, &fields).await
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
    s.complete_mapping(&child, "At pappa står utenfor skolen.", "high", "no")
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

#[tokio::test]
async fn a_plan_is_built_on_a_completed_mapping_version() {
    // P1, M7, P10
    let mut s = setup().await;
    let resident = s.resident.clone();
    // The resident has no completed mapping: no plan yet.
    let refused = s
        .browser
        .post(&format!("{}/draft", s.plan(&resident)), &[])
        .await;
    assert_eq!(
        refused.location(),
        format!("{}?melding=plan-krever-kartlegging", s.plan(&resident))
    );
    assert_eq!(s.app.count("plans").await, 0);
    let overview = s.browser.get(&s.plan(&resident)).await;
    assert!(
        overview
            .body
            .contains("Fullfør kartleggingen av Kari Eksempelsen")
    );

    let child = s.child.clone();
    let form = s.open_plan(&child).await;
    assert!(form.body.contains("Bygger på kartlegging versjon 1"));
    assert!(
        form.body
            .contains("Barnet frykter: At pappa står utenfor skolen.")
    );
    assert!(
        form.body
            .contains("Trussel: Risiko for at utøver tar kontakt")
    );
    assert!(
        !form.body.contains("Risiko for ny vold"),
        "a risk answered no is no threat to answer"
    );
    let fear = link_to(&form, "Barnet frykter");
    let saved = s
        .save(
            &child,
            &form,
            &[
                ("measure_0_text", "Følger barnet til skolen."),
                ("measure_0_party", "parent"),
                ("measure_0_answers", &fear),
                ("action", "save"),
            ],
        )
        .await;
    assert_eq!(saved.status, 303, "{}", saved.body);

    // The mapping gets a newer version: the plan says so and moves onto it,
    // keeping the measure's link to the fear that is still there (M7).
    s.complete_mapping(&child, "At pappa står utenfor skolen.", "high", "no")
        .await;
    let overview = s.browser.get(&s.plan(&child)).await;
    assert!(
        overview
            .body
            .contains("Kartleggingen har fått en nyere versjon (2)")
    );
    let form = s.browser.get(&format!("{}/edit", s.plan(&child))).await;
    assert!(form.body.contains("Bygg på kartlegging versjon 2"));
    let moved = s.save(&child, &form, &[("action", "rebase")]).await;
    assert_eq!(
        moved.location(),
        format!("{}/edit?melding=plan-ny-kartlegging", s.plan(&child))
    );
    let (mapping_version, answers): (i32, serde_json::Value) = sqlx::query_as(
        "SELECT mapping_version, content->'measures'->0->'answers' FROM plans WHERE person_id = $1::uuid",
    )
    .bind(&child)
    .fetch_one(&s.app.db)
    .await
    .unwrap();
    assert_eq!(mapping_version, 2);
    assert_eq!(answers, serde_json::json!([fear]));
    let form = s.browser.get(&format!("{}/edit", s.plan(&child))).await;
    assert!(!form.body.contains("Bygg på kartlegging versjon"));
}

#[tokio::test]
async fn each_measure_has_one_party_and_the_plan_reads_party_by_party() {
    // P2
    let mut s = setup().await;
    let child = s.child.clone();
    let form = s.open_plan(&child).await;
    let fear = link_to(&form, "Barnet frykter");
    let threat = link_to(&form, "Trussel");

    // Bad input: a measure without a party, "other" without a name, a date
    // that is no date, an end before its start. Every value comes back.
    let refused = s
        .save(
            &child,
            &form,
            &[
                ("measure_0_text", "Henter barnet på skolen."),
                ("measure_0_answers", &threat),
                ("measure_1_text", "Følger opp familien."),
                ("measure_1_party", "other"),
                ("measure_1_answers", &fear),
                ("measure_2_text", "Snakker med barnet."),
                ("measure_2_party", "centre"),
                ("measure_2_from", "32.13.2026"),
                ("action", "save"),
            ],
        )
        .await;
    assert_eq!(refused.status, 422);
    for (field, message) in [
        (
            "measure_0_party-error",
            "Tiltak 1: velg hvem som har ansvaret.",
        ),
        (
            "measure_1_party_name-error",
            "Tiltak 2: skriv hvem den andre parten er.",
        ),
        (
            "measure_2_from-error",
            "Tiltak 3: skriv datoen som dd.mm.åååå",
        ),
    ] {
        assert!(refused.body.contains(field), "{field}");
        assert!(refused.body.contains(message), "{message}");
    }
    assert!(refused.body.contains("Henter barnet på skolen."));
    assert_eq!(
        refused.input_value("measure_2_from").as_deref(),
        Some("32.13.2026")
    );
    assert!(refused.is_checked("measure_0_answers", &threat));
    assert_eq!(
        s.app.count("plans WHERE content->'measures' <> '[]'").await,
        0
    );

    let mut changes = five_parties(&fear, &threat);
    changes.extend([
        ("measure_3_text", "Følger med i friminuttene."),
        ("measure_3_party", "school"),
        ("measure_3_answers", threat.as_str()),
        ("measure_4_text", "Vurderer besøksforbud."),
        ("measure_4_party", "police"),
        ("measure_4_answers", threat.as_str()),
        ("measure_4_from", "31.12.2026"),
        ("measure_4_until", "01.12.2026"),
    ]);
    let refused = s.save(&child, &form, &changes).await;
    assert_eq!(refused.status, 422);
    assert!(
        refused
            .body
            .contains("Tiltak 5: sluttdatoen kan ikke være før startdatoen.")
    );
    changes.push(("measure_4_until", ""));
    let saved = s.save(&child, &refused, &changes).await;
    assert_eq!(saved.status, 303, "{}", saved.body);
    let form = s.browser.get(&format!("{}/edit", s.plan(&child))).await;
    let more = s
        .save(
            &child,
            &form,
            &[
                ("measure_5_text", "Barnevernet har samtaler med familien."),
                ("measure_5_party", "other"),
                ("measure_5_party_name", "Barneverntjenesten"),
                ("measure_5_answers", &fear),
                ("action", "save"),
            ],
        )
        .await;
    assert_eq!(more.status, 303, "{}", more.body);

    let page = s
        .browser
        .get(&format!("{}/versions/1", s.plan(&child)))
        .await;
    assert_eq!(page.status, 200);
    // Each party's part under its own heading, in the order of the parties.
    let headings = page.texts("h3");
    let mut at = 0;
    for heading in [
        "Barnet",
        "Forelderen",
        "Krisesenteret",
        "Barnehagen eller skolen",
        "Politiet",
        "Andre",
    ] {
        let found = headings[at..]
            .iter()
            .position(|h| h == heading)
            .unwrap_or_else(|| panic!("{heading} after the previous party in {headings:?}"));
        at += found + 1;
    }
    assert!(page.body.contains("Barneverntjenesten"));
    assert!(page.body.contains("Fra 01.12.2026 til 31.12.2026"));
    assert!(
        page.body
            .contains("Svarer på: Barnet frykter: At pappa står utenfor skolen.")
    );
    let measures: i32 = sqlx::query_scalar(
        "SELECT jsonb_array_length(content->'measures') FROM plans WHERE person_id = $1::uuid",
    )
    .bind(&child)
    .fetch_one(&s.app.db)
    .await
    .unwrap();
    assert_eq!(measures, 6);
}

#[tokio::test]
async fn a_measure_that_answers_nothing_is_flagged_and_needs_a_reason_to_be_approved() {
    // P7, U2
    let mut s = setup().await;
    let child = s.child.clone();
    let form = s.open_plan(&child).await;
    let fear = link_to(&form, "Barnet frykter");
    let threat = link_to(&form, "Trussel");
    let mut changes = five_parties(&fear, &threat);
    changes.retain(|(k, _)| *k != "measure_2_answers");
    // A link to something not in the mapping is not a link.
    let stranger = uuid::Uuid::new_v4().to_string();
    changes.push(("measure_2_answers", &stranger));
    let saved = s.save(&child, &form, &changes).await;
    assert_eq!(saved.status, 303, "{}", saved.body);
    let form = s.browser.get(&format!("{}/edit", s.plan(&child))).await;
    assert!(form.body.contains("data-flag=\"unlinked\""));
    assert!(form.body.contains("<li>Snakker med barnet hver uke.</li>"));
    assert!(!form.body.contains(&stranger));

    // It can be saved and submitted …
    let submitted = s
        .save(
            &child,
            &form,
            &[
                ("child_if_frightening", "Gå inn til en lærer."),
                ("action", "submit"),
            ],
        )
        .await;
    assert_eq!(submitted.status, 303, "{}", submitted.body);
    // … and the reviewer sees the flag, but cannot approve without a reason.
    let coordinator = s.app.user(&s.centre, Role::Coordinator).await;
    let mut reviewer = s.app.signed_in(&coordinator).await;
    let list = reviewer.get("/reviews").await;
    assert!(list.body.contains("1 tiltak uten kobling"));
    let id = s.plan_id(&child, 1).await;
    let review = reviewer.get(&format!("/reviews/{id}")).await;
    assert!(review.body.contains("data-flag=\"unlinked\""));
    let lock = review.input_value("lock_version").unwrap();
    let refused = reviewer
        .post(
            &format!("/reviews/{id}/approve"),
            &[
                ("lock_version", &lock),
                ("next_review", &in_days(28)),
                ("reason", ""),
            ],
        )
        .await;
    assert_eq!(refused.status, 422);
    assert!(refused.body.contains("reason-error"));
    assert!(refused.body.contains("Begrunn hvorfor de likevel trengs"));
    assert_eq!(s.versions(&child).await, vec![(1, "submitted".into())]);

    let approved = reviewer
        .post(
            &format!("/reviews/{id}/approve"),
            &[
                ("lock_version", &lock),
                ("next_review", &in_days(28)),
                (
                    "reason",
                    "Ukentlige samtaler er et generelt tilbud til alle barn.",
                ),
            ],
        )
        .await;
    assert_eq!(approved.location(), "/reviews?melding=plan-godkjent");
    let reason: String =
        sqlx::query_scalar("SELECT comment FROM plan_decisions WHERE decision = 'approved'")
            .fetch_one(&s.app.db)
            .await
            .unwrap();
    assert!(reason.starts_with("Ukentlige samtaler"));
}

fn in_days(days: i64) -> String {
    trygg::locale::date(trygg::locale::today() + time::Duration::days(days))
}

#[tokio::test]
async fn too_much_on_the_child_is_flagged_while_the_plan_is_made() {
    // P6
    let mut s = setup().await;
    let child = s.child.clone();
    let form = s.open_plan(&child).await;
    let fear = link_to(&form, "Barnet frykter");
    let threat = link_to(&form, "Trussel");
    // Two measures on the child, one on the parent.
    let saved = s
        .save(
            &child,
            &form,
            &[
                ("measure_0_text", "Går aldri alene."),
                ("measure_0_party", "child"),
                ("measure_0_answers", &threat),
                ("measure_1_text", "Sier fra til en voksen."),
                ("measure_1_party", "child"),
                ("measure_1_answers", &threat),
                ("measure_2_text", "Følger barnet."),
                ("measure_2_party", "parent"),
                ("measure_2_answers", &threat),
                ("action", "save"),
            ],
        )
        .await;
    assert_eq!(saved.status, 303);
    let form = s.browser.get(&format!("{}/edit", s.plan(&child))).await;
    assert!(form.body.contains("data-flag=\"child-burden\""));
    assert!(
        form.body
            .contains("Barnet har ansvar for 2 tiltak, de voksne for 1.")
    );

    // More on the adults: the warning goes.
    s.save(
        &child,
        &form,
        &[
            ("measure_3_text", "Snakker med skolen."),
            ("measure_3_party", "centre"),
            ("measure_3_answers", &threat),
            ("measure_4_text", "Har en fast voksen i friminuttene."),
            ("measure_4_party", "school"),
            ("measure_4_answers", &threat),
            ("action", "save"),
        ],
    )
    .await;
    let form = s.browser.get(&format!("{}/edit", s.plan(&child))).await;
    assert!(!form.body.contains("data-flag=\"child-burden\""));

    // A restriction on the child that answers only a fear, not a threat.
    s.save(
        &child,
        &form,
        &[
            ("measure_0_answers", &fear),
            ("measure_0_restricts", "on"),
            ("action", "save"),
        ],
    )
    .await;
    let form = s.browser.get(&format!("{}/edit", s.plan(&child))).await;
    assert!(form.body.contains("data-flag=\"child-burden\""));
    assert!(
        form.body
            .contains("«Går aldri alene.» begrenser barnets hverdag")
    );
    // Answering the threat it restricts for: no warning.
    s.save(
        &child,
        &form,
        &[("measure_0_answers", &threat), ("action", "save")],
    )
    .await;
    let form = s.browser.get(&format!("{}/edit", s.plan(&child))).await;
    assert!(!form.body.contains("data-flag=\"child-burden\""));
}

#[tokio::test]
async fn the_warnings_follow_the_form_while_it_is_written_and_nothing_is_saved() {
    // P6, P7 as the page's script asks for them, before any save.
    let mut s = setup().await;
    let child = s.child.clone();
    let form = s.open_plan(&child).await;
    let threat = link_to(&form, "Trussel");
    let flags = format!("{}/flags", s.plan(&child));
    let typed = plan_form(
        &form,
        &[
            ("measure_0_text", "Går aldri alene."),
            ("measure_0_party", "child"),
            ("measure_0_answers", &threat),
            ("measure_1_text", "Holder seg inne."),
            ("measure_1_party", "child"),
        ],
    );
    let live = s.browser.fetch(&flags, &typed).await;
    assert_eq!(live.status, 200);
    assert!(live.body.contains("data-flag=\"child-burden\""));
    assert!(live.body.contains("data-flag=\"unlinked\""));
    assert!(live.body.contains("Holder seg inne."));
    assert!(!live.body.contains("<html"), "only the warnings");

    // The adults take their part and every measure answers the threat.
    let typed = plan_form(
        &form,
        &[
            ("measure_0_text", "Går aldri alene."),
            ("measure_0_party", "child"),
            ("measure_0_answers", &threat),
            ("measure_1_text", "Følger barnet."),
            ("measure_1_party", "parent"),
            ("measure_1_answers", &threat),
        ],
    );
    let live = s.browser.fetch(&flags, &typed).await;
    assert_eq!(live.status, 200);
    assert!(!live.body.contains("data-flag"), "{}", live.body);

    let saved = s.browser.get(&format!("{}/edit", s.plan(&child))).await;
    assert!(
        !saved.body.contains("Går aldri alene."),
        "nothing was saved"
    );
    assert_eq!(
        s.app.count("audit_events WHERE kind = 'plan_saved'").await,
        0
    );

    // No plan being written: nothing to warn of.
    let resident = s.resident.clone();
    let unplanned = format!("{}/flags", s.plan(&resident));
    assert_eq!(s.browser.fetch(&unplanned, &typed).await.status, 404);

    // A question in the background after the session ran out is refused,
    // and not kept as if the user had sent a form.
    s.app.age_session(&s.browser, 45, 60).await;
    let late = s.browser.fetch(&flags, &typed).await;
    assert_eq!(late.status, 403);
    assert_eq!(s.app.count("pending_submissions").await, 0);
}

#[tokio::test]
async fn the_police_must_be_recorded_when_the_threat_is_severe() {
    // P4, P9
    let mut s = setup().await;
    let child = s.child.clone();
    s.complete_mapping(&child, "At han tar meg med.", "severe", "yes")
        .await;
    let form = s.open_plan(&child).await;
    assert!(form.body.contains("data-flag=\"police\""));
    assert!(
        form.body
            .contains("Kartleggingen vurderer trusselbildet som alvorlig.")
    );
    assert!(
        form.body
            .contains("flytting til et annet krisesenter må vurderes")
    );

    // Half a record: when and what was agreed are needed; not in the future.
    let refused = s
        .save(
            &child,
            &form,
            &[
                ("police_district", "Øst politidistrikt"),
                ("police_contacted_on", &in_days(2)),
                ("action", "save"),
            ],
        )
        .await;
    assert_eq!(refused.status, 422);
    assert!(refused.body.contains("kan ikke være fram i tid"));
    assert!(
        refused
            .body
            .contains("Skriv hva som ble avtalt med politiet.")
    );
    assert!(refused.body.contains("Øst politidistrikt"));

    let saved = s
        .save(
            &child,
            &refused,
            &[
                ("police_contacted_on", &in_days(-1)),
                ("police_contact", "Familievoldskoordinator Hansen"),
                ("police_agreed", "Politiet vurderer besøksforbud."),
                ("action", "save"),
            ],
        )
        .await;
    assert_eq!(saved.status, 303, "{}", saved.body);
    let form = s.browser.get(&format!("{}/edit", s.plan(&child))).await;
    assert!(!form.body.contains("data-flag=\"police\""));
    let page = s
        .browser
        .get(&format!("{}/versions/1", s.plan(&child)))
        .await;
    assert!(page.body.contains("Familievoldskoordinator Hansen"));
    assert!(page.body.contains(&in_days(-1)));
}

#[tokio::test]
async fn the_school_extract_tells_the_school_only_what_it_needs() {
    // P3
    let mut s = setup().await;
    let child = s.child.clone();
    let form = s.open_plan(&child).await;
    let fear = link_to(&form, "Barnet frykter");
    let threat = link_to(&form, "Trussel");
    let mut changes = five_parties(&fear, &threat);
    changes.extend([
        ("measure_3_text", "Lar ikke barnet gå med andre enn mor."),
        ("measure_3_party", "school"),
        ("measure_3_answers", threat.as_str()),
        ("school_safe_to_start", "after_measures"),
        ("school_required_first", "Skolen kjenner planen."),
        ("school_contributes", "Fast voksen i friminuttene."),
        (
            "school_if_perpetrator_comes",
            "Tar barnet inn og ringer politiet.",
        ),
        ("school_safest_places", "Biblioteket."),
        ("school_riskiest_places", "Porten mot parkeringsplassen."),
        ("school_outside_centre", "Mor følger til og fra skolen."),
        ("police_contacted_on", "20.11.2026"),
        ("police_agreed", "Patruljering ved skolen."),
    ]);
    let saved = s.save(&child, &form, &changes).await;
    assert_eq!(saved.status, 303, "{}", saved.body);

    let extract = s
        .browser
        .get(&format!("{}/versions/1/school", s.plan(&child)))
        .await;
    assert_eq!(extract.status, 200);
    for wanted in [
        "Ja, når tiltakene under er på plass",
        "Skolen kjenner planen.",
        "Fast voksen i friminuttene.",
        "Tar barnet inn og ringer politiet.",
        "Biblioteket.",
        "Porten mot parkeringsplassen.",
        "Mor følger til og fra skolen.",
        "Lar ikke barnet gå med andre enn mor.",
    ] {
        assert!(extract.body.contains(wanted), "{wanted}");
    }
    // Never the mapping, the other parties' measures, the police record, or
    // where the centre is.
    for unwanted in [
        "At pappa står utenfor skolen.",
        "Trussel",
        "Går sammen med mamma til skolen.",
        "Snakker med barnet hver uke.",
        "Patruljering ved skolen.",
        "Skjermet adresse",
        "Kari Eksempelsen",
    ] {
        assert!(!extract.body.contains(unwanted), "{unwanted}");
    }
    // An adult's plan has no school extract.
    let resident = s.resident.clone();
    s.complete_mapping(&resident, "Ny vold.", "moderate", "no")
        .await;
    s.open_plan(&resident).await;
    let none = s
        .browser
        .get(&format!("{}/versions/1/school", s.plan(&resident)))
        .await;
    assert_eq!(none.status, 404);
}

#[tokio::test]
async fn a_child_of_school_age_has_a_short_part_of_its_own() {
    // P5
    let mut s = setup().await;
    let child = s.child.clone();
    let form = s.open_plan(&child).await;
    assert!(
        form.body
            .contains("Hva kan jeg gjøre? (på skoleveien, på skolen, med venner)")
    );
    assert!(
        !form
            .body
            .contains("Hva kan jeg gjøre fordi krisesenteret har skjermet adresse?"),
        "the shielded-address question is for centres with one (P8)"
    );
    let long = "Jeg går. ".repeat(40);
    let refused = s
        .save(
            &child,
            &form,
            &[("child_can_do", long.trim()), ("action", "save")],
        )
        .await;
    assert_eq!(refused.status, 422);
    assert!(refused.body.contains("child_can_do-error"));
    assert!(refused.body.contains("mest 250 er tillatt"));

    // Submitting needs what the child does if something frightening happens.
    let refused = s
        .save(
            &child,
            &refused,
            &[
                ("child_can_do", "Gå sammen med mamma."),
                ("measure_0_text", "Følger barnet."),
                ("measure_0_party", "parent"),
                ("action", "submit"),
            ],
        )
        .await;
    assert_eq!(refused.status, 422);
    assert!(refused.body.contains("child_if_frightening-error"));
    let sent = s
        .save(
            &child,
            &refused,
            &[
                ("child_if_frightening", "Gå inn til en lærer."),
                ("action", "submit"),
            ],
        )
        .await;
    assert_eq!(sent.status, 303, "{}", sent.body);
    let part = s
        .browser
        .get(&format!("{}/versions/1/child", s.plan(&child)))
        .await;
    assert_eq!(part.status, 200);
    assert!(part.body.contains("Min sikkerhetsplan"));
    assert!(part.body.contains("Emil"));
    assert!(part.body.contains("Gå inn til en lærer."));
    assert!(!part.body.contains("Eksempelsen"), "first name only");
    assert!(
        !part.body.contains("Følger barnet."),
        "no other party's measures"
    );

    // A child under school age has no part of its own.
    add_child(
        &mut s.browser,
        &s.case_id.clone(),
        "Lille Eksempelsen",
        &in_days(-400),
    )
    .await;
    let page = s.browser.get(&format!("/cases/{}", s.case_id)).await;
    let small = person_ids(&page.body, &s.case_id)[2].clone();
    s.complete_mapping_of(&small).await;
    let form = s.open_plan(&small).await;
    assert!(!form.body.contains("Barnets egen del"));
    let none = s
        .browser
        .get(&format!("{}/versions/1/child", s.plan(&small)))
        .await;
    assert_eq!(none.status, 404);
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
        let done = post(&mut self.browser, &format!("{base}/edit"), &fields).await;
        assert_eq!(done.status, 303, "{}", done.body);
    }
}

#[tokio::test]
async fn a_shielded_address_needs_its_own_section_and_the_childs_question() {
    // P8
    let mut s = setup().await;
    let child = s.child.clone();
    let form = s.open_plan(&child).await;
    assert!(
        !form.body.contains("Hva betyr den skjermede adressen"),
        "not at a centre without one"
    );
    // Its administrator says the centre has a shielded address.
    let admin = s.app.user(&s.centre, Role::Admin).await;
    let mut admin_browser = s.app.signed_in(&admin).await;
    admin_browser.get("/admin/centre").await;
    let set = admin_browser
        .post("/admin/centre", &[("shielded_address", "on")])
        .await;
    assert_eq!(set.status, 303);
    let form = s.browser.get(&format!("{}/edit", s.plan(&child))).await;
    assert!(
        form.body
            .contains("Hva betyr den skjermede adressen for planen?")
    );
    assert!(
        form.body
            .contains("Hva kan jeg gjøre fordi krisesenteret har skjermet adresse?")
    );
    let refused = s
        .save(
            &child,
            &form,
            &[
                ("measure_0_text", "Følger barnet."),
                ("measure_0_party", "parent"),
                ("child_if_frightening", "Gå inn til en lærer."),
                ("action", "submit"),
            ],
        )
        .await;
    assert_eq!(refused.status, 422);
    assert!(refused.body.contains("shielded_address-error"));
    assert!(refused.body.contains("child_shielded_address-error"));
    let sent = s
        .save(
            &child,
            &refused,
            &[
                ("shielded_address", "Vi forteller ikke hvor vi bor."),
                ("child_shielded_address", "Si at jeg bor hos familie."),
                ("action", "submit"),
            ],
        )
        .await;
    assert_eq!(sent.status, 303, "{}", sent.body);
    let part = s
        .browser
        .get(&format!("{}/versions/1/child", s.plan(&child)))
        .await;
    assert!(part.body.contains("Si at jeg bor hos familie."));
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

#[tokio::test]
async fn a_coordinator_returns_and_approves_and_nobody_else_may() {
    // U2, P10
    let mut s = setup().await;
    let child = s.child.clone();
    let id = submitted_plan(&mut s).await;
    // Submitted is read-only for its writers.
    let edit = s.browser.get(&format!("{}/edit", s.plan(&child))).await;
    assert_eq!(edit.location(), s.plan(&child));

    // Staff and administrators may not review; neither may the writer.
    let admin = s.app.user(&s.centre, Role::Admin).await;
    let writer_coordinator = s.app.user(&s.centre, Role::Coordinator).await;
    for user in [&s.staff, &admin] {
        let mut browser = s.app.signed_in(user).await;
        assert_eq!(browser.get("/reviews").await.status, 403);
        assert_eq!(browser.get(&format!("/reviews/{id}")).await.status, 403);
        browser.get("/").await;
        let approve = browser
            .post(
                &format!("/reviews/{id}/approve"),
                &[("lock_version", "2"), ("next_review", &in_days(28))],
            )
            .await;
        assert_eq!(approve.status, 403);
    }
    assert_eq!(s.versions(&child).await, vec![(1, "submitted".into())]);

    let coordinator = s.app.user(&s.centre, Role::Coordinator).await;
    let mut reviewer = s.app.signed_in(&coordinator).await;
    let list = reviewer.get("/reviews").await;
    assert!(list.body.contains("Emil Eksempelsen"));
    let review = reviewer.get(&format!("/reviews/{id}")).await;
    assert!(review.body.contains("Dette er den første versjonen"));
    assert!(review.body.contains("Går sammen med mamma til skolen."));
    let lock = review.input_value("lock_version").unwrap();
    assert_eq!(
        review.input_value("next_review").unwrap(),
        in_days(28),
        "four weeks"
    );

    // A return needs a comment, and keeps what was typed.
    let refused = reviewer
        .post(
            &format!("/reviews/{id}/return"),
            &[("lock_version", &lock), ("comment", " ")],
        )
        .await;
    assert_eq!(refused.status, 422);
    assert!(refused.body.contains("comment-error"));
    let returned = reviewer
        .post(
            &format!("/reviews/{id}/return"),
            &[
                ("lock_version", &lock),
                ("comment", "Flytt mer ansvar over på de voksne."),
            ],
        )
        .await;
    assert_eq!(returned.location(), "/reviews?melding=plan-returnert");
    assert_eq!(s.versions(&child).await, vec![(1, "returned".into())]);
    assert!(
        !reviewer
            .get("/reviews")
            .await
            .body
            .contains("Emil Eksempelsen")
    );

    // The writer sees the comment, revises and sends it again. A coordinator
    // who edits it becomes one of its writers and may not approve it.
    let form = s.browser.get(&format!("{}/edit", s.plan(&child))).await;
    assert!(form.body.contains("Flytt mer ansvar over på de voksne."));
    let mut coordinator_writer = s.app.signed_in(&writer_coordinator).await;
    let their_form = coordinator_writer
        .get(&format!("{}/edit", s.plan(&child)))
        .await;
    let saved = post(
        &mut coordinator_writer,
        &format!("{}/edit", s.plan(&child)),
        &plan_form(
            &their_form,
            &[
                (
                    "measure_0_text",
                    "Går sammen med mamma eller en voksen fra senteret.",
                ),
                ("action", "save"),
            ],
        ),
    )
    .await;
    assert_eq!(saved.status, 303, "{}", saved.body);
    let form = s.browser.get(&format!("{}/edit", s.plan(&child))).await;
    let resent = s.save(&child, &form, &[("action", "submit")]).await;
    assert_eq!(resent.status, 303, "{}", resent.body);

    let own = coordinator_writer.get(&format!("/reviews/{id}")).await;
    assert!(own.body.contains("Du har skrevet denne versjonen"));
    assert!(!own.body.contains("Godkjenn planen</button>"));
    assert!(
        !own.texts("button").iter().any(|b| b == "Godkjenn planen"),
        "no button to approve one's own version"
    );
    let lock = own
        .input_value("lock_version")
        .unwrap_or_else(|| "0".into());
    coordinator_writer.get("/reviews").await;
    let self_approval = coordinator_writer
        .post(
            &format!("/reviews/{id}/approve"),
            &[("lock_version", &lock), ("next_review", &in_days(28))],
        )
        .await;
    assert_eq!(self_approval.status, 403);
    assert_eq!(s.versions(&child).await, vec![(1, "submitted".into())]);

    // The other coordinator approves, with a review date in the future.
    let review = reviewer.get(&format!("/reviews/{id}")).await;
    let lock = review.input_value("lock_version").unwrap();
    let refused = reviewer
        .post(
            &format!("/reviews/{id}/approve"),
            &[("lock_version", &lock), ("next_review", &in_days(0))],
        )
        .await;
    assert_eq!(refused.status, 422);
    assert!(refused.body.contains("Neste revisjon må være etter i dag"));
    let approved = reviewer
        .post(
            &format!("/reviews/{id}/approve"),
            &[("lock_version", &lock), ("next_review", &in_days(14))],
        )
        .await;
    assert_eq!(approved.location(), "/reviews?melding=plan-godkjent");
    assert_eq!(s.versions(&child).await, vec![(1, "approved".into())]);
    let overview = s.browser.get(&s.plan(&child)).await;
    assert!(overview.body.contains("Gjeldende plan: versjon 1"));
    assert!(
        overview
            .body
            .contains(&format!("Neste revisjon: <strong>{}</strong>", in_days(14)))
    );

    // Changing an approved plan makes version 2 from it; version 1 stays.
    let form = s.open_plan(&child).await;
    assert!(
        form.body
            .contains("Går sammen med mamma eller en voksen fra senteret.")
    );
    let changed = s
        .save(
            &child,
            &form,
            &[
                ("measure_0_text", "Går sammen med vennene sine."),
                ("action", "submit"),
            ],
        )
        .await;
    assert_eq!(changed.status, 303, "{}", changed.body);
    assert_eq!(
        s.versions(&child).await,
        vec![(1, "approved".into()), (2, "submitted".into())]
    );
    let id2 = s.plan_id(&child, 2).await;
    let review = reviewer.get(&format!("/reviews/{id2}")).await;
    assert!(
        review
            .body
            .contains("Endringer siden sist godkjente versjon")
    );
    assert!(review.body.contains("Går sammen med vennene sine."));
    assert!(review.body.contains("Endret"));
    let compare = s
        .browser
        .get(&format!("{}/compare?from=1&to=2", s.plan(&child)))
        .await;
    assert!(compare.body.contains("class=\"changed\""));
    let old = s
        .browser
        .get(&format!("{}/versions/1", s.plan(&child)))
        .await;
    assert!(
        old.body
            .contains("Går sammen med mamma eller en voksen fra senteret.")
    );
}

#[tokio::test]
async fn a_stale_edit_or_decision_loses_nothing() {
    // No lost work: optimistic locking on the plan and on decisions.
    let mut s = setup().await;
    let child = s.child.clone();
    let form = s.open_plan(&child).await;
    let colleague = s.app.user(&s.centre, Role::Staff).await;
    let mut other = s.app.signed_in(&colleague).await;
    let their_form = other.get(&format!("{}/edit", s.plan(&child))).await;
    let first = post(
        &mut other,
        &format!("{}/edit", s.plan(&child)),
        &plan_form(
            &their_form,
            &[
                ("measure_0_text", "Kollegaens tiltak."),
                ("measure_0_party", "centre"),
                ("action", "save"),
            ],
        ),
    )
    .await;
    assert_eq!(first.status, 303);
    let late = s
        .save(
            &child,
            &form,
            &[
                ("measure_0_text", "Mitt tiltak."),
                ("measure_0_party", "parent"),
                ("action", "save"),
            ],
        )
        .await;
    assert_eq!(late.status, 409);
    assert!(
        late.body
            .contains("Noen andre har endret planen mens du skrev")
    );
    assert!(
        late.body.contains("Mitt tiltak."),
        "the late text is in the form"
    );
    assert!(
        late.body.contains("Kollegaens tiltak."),
        "what was saved is shown"
    );
    let again = s.save(&child, &late, &[("action", "save")]).await;
    assert_eq!(again.status, 303, "saving again uses the late text");
    let text: String = sqlx::query_scalar(
        "SELECT content->'measures'->0->>'text' FROM plans WHERE person_id = $1::uuid",
    )
    .bind(&child)
    .fetch_one(&s.app.db)
    .await
    .unwrap();
    assert_eq!(text, "Mitt tiltak.");

    // Sent for approval by someone else while I wrote: my text comes back.
    let form = s.browser.get(&format!("{}/edit", s.plan(&child))).await;
    let their_form = other.get(&format!("{}/edit", s.plan(&child))).await;
    post(
        &mut other,
        &format!("{}/edit", s.plan(&child)),
        &plan_form(
            &their_form,
            &[
                ("child_if_frightening", "Gå til læreren."),
                ("action", "submit"),
            ],
        ),
    )
    .await;
    let late = s
        .save(
            &child,
            &form,
            &[
                ("measure_1_text", "Et tiltak til."),
                ("measure_1_party", "centre"),
                ("action", "save"),
            ],
        )
        .await;
    assert_eq!(late.status, 409);
    assert!(
        late.body
            .contains("Planen ble sendt til godkjenning mens du skrev")
    );
    assert!(late.body.contains("Et tiltak til."));

    // A decision on a version that changed since the review was opened.
    let id = s.plan_id(&child, 1).await;
    let coordinator = s.app.user(&s.centre, Role::Coordinator).await;
    let mut reviewer = s.app.signed_in(&coordinator).await;
    let review = reviewer.get(&format!("/reviews/{id}")).await;
    let stale = (review
        .input_value("lock_version")
        .unwrap()
        .parse::<i32>()
        .unwrap()
        - 1)
    .to_string();
    let conflict = reviewer
        .post(
            &format!("/reviews/{id}/return"),
            &[("lock_version", &stale), ("comment", "Min kommentar.")],
        )
        .await;
    assert_eq!(conflict.status, 409);
    assert!(conflict.body.contains("Min kommentar."));
    assert_eq!(s.versions(&child).await, vec![(1, "submitted".into())]);
}

#[tokio::test]
async fn another_centres_plan_is_not_found_on_any_route() {
    // U5
    let mut s = setup().await;
    let id = submitted_plan(&mut s).await;
    let child = s.child.clone();
    let other_centre = s.app.centre("B").await;
    let stranger = s.app.user(&other_centre, Role::Coordinator).await;
    let mut browser = s.app.signed_in(&stranger).await;
    let base = s.plan(&child);
    for path in [
        base.clone(),
        format!("{base}/edit"),
        format!("{base}/versions/1"),
        format!("{base}/versions/1/school"),
        format!("{base}/versions/1/child"),
        format!("{base}/compare?from=1&to=1"),
        format!("/reviews/{id}"),
        format!("/reviews/{}", uuid::Uuid::new_v4()),
        "/reviews/not-an-id".to_owned(),
    ] {
        let page = browser.get(&path).await;
        assert_eq!(page.status, 404, "{path}");
        assert!(!page.body.contains("Emil"), "{path}");
    }
    browser.get("/").await;
    for (path, fields) in [
        (format!("{base}/draft"), vec![]),
        (
            format!("{base}/edit"),
            vec![("action", "save"), ("measure_0_text", "Inntrenger.")],
        ),
        (
            format!("{base}/flags"),
            vec![("measure_0_text", "Inntrenger.")],
        ),
        (
            format!("/reviews/{id}/approve"),
            vec![
                ("lock_version", "2"),
                ("next_review", "01.01.2027"),
                ("reason", "x"),
            ],
        ),
        (
            format!("/reviews/{id}/return"),
            vec![("lock_version", "2"), ("comment", "x")],
        ),
    ] {
        let response = browser.post(&path, &fields).await;
        assert_eq!(response.status, 404, "{path}");
    }
    assert_eq!(s.versions(&child).await, vec![(1, "submitted".into())]);
    assert!(!browser.get("/reviews").await.body.contains("Emil"));
    assert_eq!(s.app.count("plan_decisions").await, 0);
}

#[tokio::test]
async fn every_view_and_change_of_a_plan_is_audited() {
    let mut s = setup().await;
    let id = submitted_plan(&mut s).await;
    let child = s.child.clone();
    let coordinator = s.app.user(&s.centre, Role::Coordinator).await;
    let mut reviewer = s.app.signed_in(&coordinator).await;
    let review = reviewer.get(&format!("/reviews/{id}")).await;
    let lock = review.input_value("lock_version").unwrap();
    reviewer
        .post(
            &format!("/reviews/{id}/return"),
            &[("lock_version", &lock), ("comment", "Mer til de voksne.")],
        )
        .await;
    let form = s.browser.get(&format!("{}/edit", s.plan(&child))).await;
    assert_eq!(
        s.save(&child, &form, &[("action", "save")]).await.status,
        303
    );
    let form = s.browser.get(&format!("{}/edit", s.plan(&child))).await;
    assert_eq!(
        s.save(&child, &form, &[("action", "submit")]).await.status,
        303
    );
    s.browser
        .get(&format!("{}/versions/1/child", s.plan(&child)))
        .await;
    reviewer.get("/reviews").await;
    let review = reviewer.get(&format!("/reviews/{id}")).await;
    let lock = review.input_value("lock_version").unwrap();
    reviewer
        .post(
            &format!("/reviews/{id}/approve"),
            &[("lock_version", &lock), ("next_review", &in_days(28))],
        )
        .await;
    let staff_kinds = s.app.audit_kinds_for(s.staff.id).await;
    for kind in [
        "plan_viewed",
        "plan_saved",
        "plan_submitted",
        "plan_printed",
    ] {
        assert!(
            staff_kinds.iter().any(|k| k == kind),
            "{kind}: {staff_kinds:?}"
        );
    }
    let reviewer_kinds = s.app.audit_kinds_for(coordinator.id).await;
    for kind in [
        "plan_reviews_viewed",
        "plan_viewed",
        "plan_returned",
        "plan_approved",
    ] {
        assert!(
            reviewer_kinds.iter().any(|k| k == kind),
            "{kind}: {reviewer_kinds:?}"
        );
    }
    // Plan events are in the case's Tilgangslogg, with nothing of the plan in them.
    let details: Vec<String> = sqlx::query_scalar(
        "SELECT detail FROM audit_events WHERE case_id = $1::uuid AND kind LIKE 'plan_%'",
    )
    .bind(&s.case_id)
    .fetch_all(&s.app.db)
    .await
    .unwrap();
    assert!(details.len() >= 5);
    assert!(details.iter().all(String::is_empty));
}
