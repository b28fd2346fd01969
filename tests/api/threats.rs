//! Issue 17, a threat picture staff and police can act on: conversations as
//! records (M2), risk factors beside the assessment (M5), the digital
//! checklist (M6), a child's legal situation, the incident log and the
//! perpetrators — each through HTTP with its failure paths.

use trygg::accounts::Role;

use crate::cases::{add_child, new_case, person_ids};
use crate::helpers::{Browser, Response, TestApp, form_fields, spawn_app};

struct Case {
    app: TestApp,
    centre: trygg::accounts::Centre,
    browser: Browser,
    id: String,
    resident: String,
    child: String,
}

async fn case() -> Case {
    let app = spawn_app().await;
    let centre = app.centre("A").await;
    let staff = app.user(&centre, Role::Staff).await;
    let mut browser = app.signed_in(&staff).await;
    let id = new_case(&mut browser, &staff, "Kari Eksempelsen").await;
    add_child(&mut browser, &id, "Emil Eksempelsen", "01.05.2016").await;
    let page = browser.get(&format!("/cases/{id}")).await;
    let ids = person_ids(&page.body, &id);
    Case {
        app,
        centre,
        browser,
        id,
        resident: ids[0].clone(),
        child: ids[1].clone(),
    }
}

impl Case {
    fn mapping(&self, person: &str) -> String {
        format!("/cases/{}/people/{person}/mapping", self.id)
    }

    async fn mapping_form(&mut self, person: &str) -> Response {
        let base = self.mapping(person);
        self.browser.post(&format!("{base}/draft"), &[]).await;
        let form = self.browser.get(&format!("{base}/edit")).await;
        assert_eq!(form.status, 200);
        form
    }

    async fn post_mapping(&mut self, person: &str, fields: &[(String, String)]) -> Response {
        let path = format!("{}/edit", self.mapping(person));
        self.browser.post_fields(&path, fields).await
    }
}

/// A conversation with the child alone, through a child interpreter, and
/// what "Fullfør" needs.
const CHILD_MAPPING: [(&str, &str); 19] = [
    ("conversation_0_date", "12.11.2026"),
    ("conversation_0_present", "child"),
    ("conversation_0_interpreter", "child"),
    ("conversation_0_language", "somali"),
    (
        "conversation_0_own_words",
        "Jeg gjemmer meg under dyna når de krangler.",
    ),
    (
        "conversation_0_strategies",
        "Går inn på rommet og ringer mormor.",
    ),
    ("factor_strangulation_answer", "yes"),
    ("factor_threats_to_kill_answer", "unknown"),
    ("factor_child_conflict_answer", "yes"),
    ("factor_child_conflict_note", "Krangel om samvær i retten."),
    ("check_location_sharing_status", "checked"),
    ("check_trackers_status", "to_do"),
    ("check_trackers_note", "Sjekk sekken for AirTag."),
    ("legal_contact", "supervised"),
    ("risk_0_answer", "yes"),
    ("risk_1_answer", "no"),
    ("risk_2_answer", "unknown"),
    ("assessment", "moderate"),
    ("relocation", "no"),
];

#[tokio::test]
async fn a_mapping_keeps_conversations_risk_factors_the_checklist_and_the_legal_situation() {
    // M2, M5, M6, M8
    let mut c = case().await;
    let child = c.child.clone();
    let form = c.mapping_form(&child).await;
    for asked in [
        "Kvelning eller forsøk på kvelning",
        "Hva barnet pleier å gjøre for å føle seg trygg",
        "Posisjonsdeling: Hvor er? (iPhone)",
        "Barnets rettslige situasjon",
        "Besøksforbud",
    ] {
        assert!(form.body.contains(asked), "{asked}");
    }
    let mut changes = CHILD_MAPPING.to_vec();
    changes.push(("action", "save"));
    let saved = c
        .post_mapping(&child, &form_fields(&form, "mapping-form", &changes))
        .await;
    assert_eq!(saved.status, 303, "{}", saved.body);
    let form = c.browser.get(&format!("{}/edit", c.mapping(&child))).await;
    assert!(
        form.body
            .contains("Barn skal aldri være tolk: ta samtalen på nytt med kvalifisert tolk."),
        "a child named as interpreter is warned of"
    );
    assert!(
        form.body
            .contains("2 av 20 risikofaktorer til stede, 1 ukjent")
    );

    let done = c
        .post_mapping(
            &child,
            &form_fields(&form, "mapping-form", &[("action", "complete")]),
        )
        .await;
    assert_eq!(done.status, 303, "{}", done.body);
    let overview = c.browser.get(&c.mapping(&child)).await;
    for shown in [
        // A child who interpreted was there too: the child was not alone.
        "Til stede: Barnet selv",
        "Tolk: Et barn tolket (somali)",
        "Barnets egne ord: Jeg gjemmer meg under dyna når de krangler.",
        "Dette gjør barnet for å føle seg trygg: Går inn på rommet og ringer mormor.",
        "2 av 20 risikofaktorer til stede, 1 ukjent, 17 ikke besvart",
        "Ja. Krangel om samvær i retten.",
        "Må gjøres. Sjekk sekken for AirTag.",
        "Samvær med støttet eller beskyttet tilsyn",
        "Barnet selv",
    ] {
        assert!(overview.body.contains(shown), "{shown}");
    }

    // Version 2 answers a factor differently; the versions compare by factor.
    let form = c.mapping_form(&child).await;
    let done = c
        .post_mapping(
            &child,
            &form_fields(
                &form,
                "mapping-form",
                &[
                    ("factor_threats_to_kill_answer", "yes"),
                    ("action", "complete"),
                ],
            ),
        )
        .await;
    assert_eq!(done.status, 303, "{}", done.body);
    let compared = c
        .browser
        .get(&format!("{}/compare?from=1&to=2", c.mapping(&child)))
        .await;
    let changed = compared.texts("tr.changed th");
    assert_eq!(
        changed,
        [
            "Risikofaktorer: Trusler om å drepe den voldsutsatte, barna eller andre",
            "Samlet vurdering: Risikofaktorer"
        ]
    );
}

#[tokio::test]
async fn bad_threat_picture_input_is_named_by_its_field_and_kept() {
    let mut c = case().await;
    let child = c.child.clone();
    let form = c.mapping_form(&child).await;
    let refused = c
        .post_mapping(
            &child,
            &form_fields(
                &form,
                "mapping-form",
                &[
                    ("conversation_0_date", "i forrige uke"),
                    ("conversation_0_interpreter", "remote"),
                    ("conversation_0_topics", "Skolen og fars bil."),
                    ("factor_weapons_answer", "kanskje"),
                    ("check_gifts_status", "ferdig"),
                    ("order_0_kind", "visit_ban"),
                    (
                        "order_0_note",
                        "Ilagt av politiet etter hendelsen i oktober.",
                    ),
                    ("order_1_kind", "atomvåpen"),
                    // PostgreSQL has no year 0: refused here, never stored.
                    ("order_2_kind", "travel_ban"),
                    ("order_2_until", "01.01.0000"),
                    ("action", "save"),
                ],
            ),
        )
        .await;
    assert_eq!(refused.status, 422);
    for field in [
        "conversation_0_date-error",
        "conversation_0_language-error",
        "factor_weapons_answer-error",
        "check_gifts_status-error",
        "order_0_until-error",
        "order_1_kind-error",
        "order_2_until-error",
    ] {
        assert!(refused.body.contains(field), "{field}");
    }
    for kept in [
        "i forrige uke",
        "Skolen og fars bil.",
        "Ilagt av politiet etter hendelsen i oktober.",
    ] {
        assert!(refused.body.contains(kept), "{kept}");
    }
    let stored: serde_json::Value = sqlx::query_scalar("SELECT content FROM mappings")
        .fetch_one(&c.app.db)
        .await
        .unwrap();
    assert_eq!(stored["conversations"], serde_json::json!([]));

    // "Fullfør" needs a conversation or another source (M2).
    let refused = c
        .post_mapping(
            &child,
            &form_fields(
                &form,
                "mapping-form",
                &[
                    ("risk_0_answer", "no"),
                    ("risk_1_answer", "no"),
                    ("risk_2_answer", "no"),
                    ("assessment", "low"),
                    ("relocation", "no"),
                    ("action", "complete"),
                ],
            ),
        )
        .await;
    assert_eq!(refused.status, 422);
    assert!(refused.body.contains("Skriv inn minst én samtale"));

    // A colleague saves first: what this one typed comes back, with theirs.
    let adult = c.resident.clone();
    let form = c.mapping_form(&adult).await;
    let mut colleague = c.browser.same_session();
    let first = colleague
        .post_fields(
            &format!("{}/edit", c.mapping(&adult)),
            &form_fields(
                &form,
                "mapping-form",
                &[
                    ("conversation_0_date", "10.11.2026"),
                    ("conversation_0_present", "resident"),
                    ("action", "save"),
                ],
            ),
        )
        .await;
    assert_eq!(first.status, 303);
    let late = c
        .post_mapping(
            &adult,
            &form_fields(
                &form,
                "mapping-form",
                &[
                    ("conversation_0_date", "11.11.2026"),
                    ("conversation_0_own_words", "Han sa han skulle finne meg."),
                    ("action", "save"),
                ],
            ),
        )
        .await;
    assert_eq!(late.status, 409);
    assert!(late.body.contains("Han sa han skulle finne meg."));
    assert!(late.body.contains("Samtale 10.11.2026"));
}

// ---- Incidents ----

fn incident<'a>(extra: &[(&'a str, &'a str)], concerns: &'a str) -> Vec<(&'a str, &'a str)> {
    let mut fields = vec![
        ("occurred_on", "20.11.2026"),
        ("occurred_time", "14.30"),
        ("kind", "sighting"),
        (
            "description",
            "Faren sto ved skoleporten da skolen sluttet.\nHan kjørte en grå bil.",
        ),
        ("reported", "no"),
        ("concerns", concerns),
    ];
    for (name, value) in extra {
        fields.retain(|(n, _)| n != name);
        fields.push((name, value));
    }
    fields
}

#[tokio::test]
async fn an_incident_is_logged_once_and_offers_a_new_mapping_version() {
    let mut c = case().await;
    let log_path = format!("/cases/{}/incidents", c.id);
    let log = c.browser.get(&log_path).await;
    assert_eq!(log.status, 200);
    assert!(log.body.contains("Ingen hendelser er registrert."));
    let child = c.child.clone();
    let fields = form_fields(&log, "incident-form", &incident(&[], &child));
    let recorded = c.browser.post_fields(&log_path, &fields).await;
    assert_eq!(recorded.status, 303, "{}", recorded.body);
    let page = c.browser.get(recorded.location()).await;
    assert!(page.body.contains("Hendelsen er registrert."));
    assert!(page.body.contains("20.11.2026 kl. 14.30"));
    assert!(page.body.contains("Emil Eksempelsen"));
    let offer = format!("/cases/{}/people/{child}/mapping/draft", c.id);
    assert!(page.body.contains(&offer), "offers a new mapping version");
    assert!(
        !page
            .body
            .contains(&format!("/people/{}/mapping/draft", c.resident)),
        "only for those it concerned"
    );
    // A second press of the same form records nothing twice.
    let again = c.browser.post_fields(&log_path, &fields).await;
    assert_eq!(again.location(), recorded.location());
    assert_eq!(c.app.count("incidents").await, 1);
    let started = c.browser.post(&offer, &[]).await;
    assert_eq!(
        started.location(),
        format!("/cases/{}/people/{child}/mapping/edit", c.id)
    );
    let kinds: Vec<String> =
        sqlx::query_scalar("SELECT kind FROM audit_events WHERE kind LIKE 'incident%' ORDER BY id")
            .fetch_all(&c.app.db)
            .await
            .unwrap();
    assert!(kinds.contains(&"incident_recorded".to_owned()));
    assert!(kinds.contains(&"incidents_viewed".to_owned()));

    // A breached order is serious whatever the box says.
    let log = c.browser.get(&log_path).await;
    let breach = incident(&[("kind", "breach")], &child);
    let recorded = c
        .browser
        .post_fields(&log_path, &form_fields(&log, "incident-form", &breach))
        .await;
    assert_eq!(recorded.status, 303);
    let serious: Vec<bool> =
        sqlx::query_scalar("SELECT serious FROM incidents ORDER BY recorded_at")
            .fetch_all(&c.app.db)
            .await
            .unwrap();
    assert_eq!(serious, [false, true]);
}

#[tokio::test]
async fn a_bad_incident_is_refused_field_by_field_and_nothing_typed_is_lost() {
    let mut c = case().await;
    let log_path = format!("/cases/{}/incidents", c.id);
    let log = c.browser.get(&log_path).await;
    // A person of another case of the same centre is no one of this case.
    let staff = c.app.user(&c.centre, Role::Staff).await;
    let other = new_case(&mut c.browser, &staff, "Ingrid Prøvestad").await;
    let other_page = c.browser.get(&format!("/cases/{other}")).await;
    let stranger = person_ids(&other_page.body, &other)[0].clone();
    let tomorrow = trygg::locale::date(trygg::locale::today() + time::Duration::days(1));
    for (extra, field) in [
        (
            vec![("occurred_on", tomorrow.as_str())],
            "occurred_on-error",
        ),
        (vec![("occurred_on", "")], "occurred_on-error"),
        (vec![("occurred_time", "25.99")], "occurred_time-error"),
        (vec![("kind", "")], "kind-error"),
        (vec![("kind", "meteor")], "kind-error"),
        (vec![("reported", "")], "reported-error"),
        (vec![("description", "")], "description-error"),
    ] {
        let fields = form_fields(&log, "incident-form", &incident(&extra, &c.child));
        let refused = c.browser.post_fields(&log_path, &fields).await;
        assert_eq!(refused.status, 422, "{field}");
        assert!(refused.body.contains(field), "{field}");
        if field != "description-error" {
            assert!(
                refused
                    .body
                    .contains("Faren sto ved skoleporten da skolen sluttet.")
            );
        }
    }
    let fields = form_fields(&log, "incident-form", &incident(&[], &stranger));
    let refused = c.browser.post_fields(&log_path, &fields).await;
    assert_eq!(refused.status, 422);
    assert!(refused.body.contains("concerns-error"));
    let no_one: Vec<(String, String)> = form_fields(&log, "incident-form", &incident(&[], ""))
        .into_iter()
        .filter(|(name, _)| name != "concerns")
        .collect();
    let refused = c.browser.post_fields(&log_path, &no_one).await;
    assert!(refused.body.contains("Kryss av for hvem hendelsen gjaldt."));
    assert_eq!(c.app.count("incidents").await, 0);
}

// ---- Perpetrators ----

#[tokio::test]
async fn a_perpetrator_is_added_changed_in_versions_and_never_overwritten() {
    let mut c = case().await;
    let list = format!("/cases/{}/perpetrators", c.id);
    let read_before = c.app.count("audit_events WHERE kind = 'case_viewed'").await;
    let form = c.browser.get(&format!("{list}/new")).await;
    assert_eq!(form.status, 200);
    // The form names the case's people: its read is audited.
    assert_eq!(
        c.app.count("audit_events WHERE kind = 'case_viewed'").await,
        read_before + 1
    );
    let child_relation = format!("relation_{}", c.child);
    let resident_relation = format!("relation_{}", c.resident);
    let refused = c
        .browser
        .post_fields(
            &list,
            &form_fields(
                &form,
                "perpetrator-form",
                &[("vehicle", "Grå Volvo V70"), ("weapons", "kanskje")],
            ),
        )
        .await;
    assert_eq!(refused.status, 422);
    assert!(refused.body.contains("name-error"));
    assert!(refused.body.contains("weapons-error"));
    assert!(refused.body.contains("Grå Volvo V70"));

    let fields = form_fields(
        &refused,
        "perpetrator-form",
        &[
            ("name", "Ola Eksempelsen"),
            (&resident_relation, "Tidligere samboer"),
            (&child_relation, "Far"),
            ("description", "Høy, mørkt skjegg, grønn jakke."),
            ("network", "Brødrene hans i Drammen."),
            ("weapons", "yes"),
            ("weapons_note", "Jaktgevær hjemme."),
        ],
    );
    let added = c.browser.post_fields(&list, &fields).await;
    assert_eq!(added.status, 303, "{}", added.body);
    let again = c.browser.post_fields(&list, &fields).await;
    assert_eq!(
        again.location(),
        added.location(),
        "a second press adds nobody"
    );
    assert_eq!(c.app.count("perpetrators").await, 1);
    let page_path = added.location().split('?').next().unwrap().to_owned();
    let shown = c.browser.get(&list).await;
    assert!(
        shown
            .body
            .contains("Tidligere samboer til Kari Eksempelsen, Far til Emil Eksempelsen")
    );

    // Two write at once: the second save comes back with both texts.
    let edit = c.browser.get(&format!("{page_path}/edit")).await;
    let mut colleague = c.browser.same_session();
    let first = colleague
        .post_fields(
            &format!("{page_path}/edit"),
            &form_fields(&edit, "perpetrator-form", &[("vehicle", "Svart Tesla")]),
        )
        .await;
    assert_eq!(first.status, 303);
    let late = c
        .browser
        .post_fields(
            &format!("{page_path}/edit"),
            &form_fields(
                &edit,
                "perpetrator-form",
                &[("network", "Brødrene og en fetter i Drammen.")],
            ),
        )
        .await;
    assert_eq!(late.status, 409);
    assert!(late.body.contains("Svart Tesla"), "what was saved");
    assert!(
        late.body.contains("Brødrene og en fetter i Drammen."),
        "what was typed"
    );
    let resaved = c
        .browser
        .post_fields(
            &format!("{page_path}/edit"),
            &form_fields(&late, "perpetrator-form", &[]),
        )
        .await;
    assert_eq!(resaved.status, 303);
    assert_eq!(c.app.count("perpetrator_versions").await, 3);
    let v1 = c.browser.get(&format!("{page_path}/versions/1")).await;
    assert!(v1.body.contains("Brødrene hans i Drammen."));
    // Saved again knowingly, the form's own text wins: the colleague's
    // car is gone again, and both versions stay readable.
    let compared = c
        .browser
        .get(&format!("{page_path}/compare?from=2&to=3"))
        .await;
    assert_eq!(
        compared.texts("tr.changed th"),
        [
            "Kjennetegn: Kjøretøy",
            "Sensitivt: Nettverk som kan handle på vegne av voldsutøveren"
        ]
    );
    assert_eq!(
        c.browser
            .get(&format!("{page_path}/versions/9"))
            .await
            .status,
        404
    );
}

#[tokio::test]
async fn another_centres_perpetrators_and_incidents_are_404_everywhere() {
    // U5
    let mut c = case().await;
    let list = format!("/cases/{}/perpetrators", c.id);
    let form = c.browser.get(&format!("{list}/new")).await;
    let added = c
        .browser
        .post_fields(
            &list,
            &form_fields(&form, "perpetrator-form", &[("name", "Ola Eksempelsen")]),
        )
        .await;
    let perpetrator = added.location().split('?').next().unwrap().to_owned();
    let log_path = format!("/cases/{}/incidents", c.id);
    let log = c.browser.get(&log_path).await;
    let recorded = c
        .browser
        .post_fields(
            &log_path,
            &form_fields(&log, "incident-form", &incident(&[], &c.child)),
        )
        .await;
    let incident_path = recorded.location().split('?').next().unwrap().to_owned();

    let b = c.app.centre("B").await;
    let intruder = c.app.user(&b, Role::Admin).await;
    let mut other = c.app.signed_in(&intruder).await;
    other.get("/").await;
    for path in [
        list.clone(),
        format!("{list}/new"),
        perpetrator.clone(),
        format!("{perpetrator}/edit"),
        format!("{perpetrator}/versions/1"),
        format!("{perpetrator}/compare?from=1&to=1"),
        log_path.clone(),
        incident_path.clone(),
    ] {
        let response = other.get(&path).await;
        assert_eq!(response.status, 404, "GET {path}");
        assert!(!response.body.contains("Ola Eksempelsen"), "{path}");
        assert!(!response.body.contains("skoleporten"), "{path}");
    }
    for path in [
        list.clone(),
        format!("{perpetrator}/edit"),
        log_path.clone(),
    ] {
        let response = other
            .post(&path, &[("name", "Inntrenger"), ("version", "1")])
            .await;
        assert_eq!(response.status, 404, "POST {path}");
    }
    let name: String = sqlx::query_scalar("SELECT content->>'name' FROM perpetrators")
        .fetch_one(&c.app.db)
        .await
        .unwrap();
    assert_eq!(name, "Ola Eksempelsen");
    assert_eq!(c.app.count("incidents").await, 1);
    // Ids that are no ids, and ids of nothing, name nothing.
    for path in [
        format!("/cases/{}/perpetrators/not-an-id", c.id),
        format!("/cases/{}/incidents/{}", c.id, uuid::Uuid::new_v4()),
    ] {
        assert_eq!(c.browser.get(&path).await.status, 404, "{path}");
    }
}
