//! Threat mapping (§ 4 a): one per person (M1), sections as in the guidance
//! (M2–M6), versions that stay readable and compare (M7, M8), no lost work.

use trygg::accounts::Role;

use crate::cases::{add_child, new_case, person_ids};
use crate::helpers::{Browser, Response, form_fields, spawn_app};

fn form_with(page: &Response, changes: &[(&str, &str)]) -> Vec<(String, String)> {
    form_fields(page, "mapping-form", changes)
}

/// Everything "Fullfør" needs, for a child's mapping.
const COMPLETE_CHILD: [(&str, &str); 6] = [
    ("participants", "child"),
    ("risk_0_answer", "yes"),
    ("risk_1_answer", "no"),
    ("risk_2_answer", "unknown"),
    ("assessment", "high"),
    ("relocation", "no"),
];

struct Setup {
    app: crate::helpers::TestApp,
    centre: trygg::accounts::Centre,
    browser: Browser,
    case_id: String,
    resident: String,
    child: String,
}

async fn case_with_a_child() -> Setup {
    let app = spawn_app().await;
    let centre = app.centre("A").await;
    let staff = app.user(&centre, Role::Staff).await;
    let mut browser = app.signed_in(&staff).await;
    let case_id = new_case(&mut browser, &staff, "Kari Eksempelsen").await;
    add_child(&mut browser, &case_id, "Emil Eksempelsen", "01.05.2016").await;
    let page = browser.get(&format!("/cases/{case_id}")).await;
    let ids = person_ids(&page.body, &case_id);
    Setup {
        app,
        centre,
        browser,
        case_id,
        resident: ids[0].clone(),
        child: ids[1].clone(),
    }
}

/// A staff member signed in on a new case, with the edit form of a draft of
/// the resident's mapping: the user, the browser, the mapping's path and the
/// form.
pub async fn resident_draft(
    app: &crate::helpers::TestApp,
) -> (crate::helpers::TestUser, Browser, String, Response) {
    let centre = app.centre("A").await;
    let staff = app.user(&centre, Role::Staff).await;
    let mut browser = app.signed_in(&staff).await;
    let case = new_case(&mut browser, &staff, "Kari Eksempel").await;
    let page = browser.get(&format!("/cases/{case}")).await;
    let resident = person_ids(&page.body, &case)[0].clone();
    let mapping = format!("/cases/{case}/people/{resident}/mapping");
    browser.post(&format!("{mapping}/draft"), &[]).await;
    let form = browser.get(&format!("{mapping}/edit")).await;
    assert_eq!(form.status, 200);
    (staff, browser, mapping, form)
}

async fn open_draft(s: &mut Setup, person: &str) -> (String, Response) {
    let base = format!("/cases/{}/people/{person}/mapping", s.case_id);
    s.browser.get(&base).await;
    let started = s.browser.post(&format!("{base}/draft"), &[]).await;
    assert_eq!(started.location(), format!("{base}/edit"));
    let form = s.browser.get(&format!("{base}/edit")).await;
    assert_eq!(form.status, 200);
    (base, form)
}

#[tokio::test]
async fn each_person_has_a_mapping_of_their_own() {
    // M1
    let mut s = case_with_a_child().await;
    let (child, resident) = (s.child.clone(), s.resident.clone());
    let (_, child_form) = open_draft(&mut s, &child).await;
    let (_, adult_form) = open_draft(&mut s, &resident).await;
    // M5/M6: only a child's mapping asks about abduction and the child's online life.
    assert!(
        child_form
            .body
            .contains("Risiko for at barnet blir bortført")
    );
    assert!(
        child_form
            .body
            .contains("Vi har snakket med barnet om risiko på nett")
    );
    assert!(child_form.body.contains("Barnet selv"));
    assert!(
        child_form
            .body
            .contains("Hva har Emil Eksempelsen opplevd av vold?")
    );
    assert!(
        !child_form.body.contains("{{"),
        "no template text leaks into the page"
    );
    assert!(!adult_form.body.contains("bortført"));
    assert!(
        child_form.body.contains("Hvem frykter dette?"),
        "the child's or the parent's fear"
    );
    assert!(
        !adult_form.body.contains("Hvem frykter dette?"),
        "an adult's fears are the adult's"
    );
    assert!(!adult_form.body.contains("snakket med barnet"));
    assert_eq!(s.app.count("mappings").await, 2);
}

#[tokio::test]
async fn a_draft_saves_as_often_as_wanted_and_completes_as_version_one() {
    // M2–M6, M8
    let mut s = case_with_a_child().await;
    let child = s.child.clone();
    let (base, form) = open_draft(&mut s, &child).await;
    let mut fields = form_with(
        &form,
        &[
            ("participants_other", "Helsesykepleier"),
            ("violence", "Har sett pappa slå mamma."),
            ("fear_0_whose", "child"),
            ("fear_0_text", "At pappa står utenfor skolen."),
            ("fear_1_whose", "parent"),
            ("fear_1_text", "At han finner adressen."),
            ("risk_0_place", "Ved skolen"),
            ("risk_0_channel", "physical"),
            ("spoke_with_child", "on"),
            ("action", "save"),
        ],
    );
    let saved = s
        .browser
        .post_fields(&format!("{base}/edit"), &fields)
        .await;
    assert_eq!(
        saved.location(),
        format!("{base}/edit?melding=kartlegging-lagret")
    );
    let form = s.browser.get(&format!("{base}/edit")).await;
    assert!(form.body.contains("At pappa står utenfor skolen."));
    assert!(form.body.contains("Helsesykepleier"));

    // Completing needs the risks answered, an assessment, and the relocation question.
    fields = form_with(&form, &[("action", "complete")]);
    let refused = s
        .browser
        .post_fields(&format!("{base}/edit"), &fields)
        .await;
    assert_eq!(refused.status, 422);
    for id in [
        "Skriv inn minst én samtale, eller kryss av for andre kilder",
        "risks",
        "assessment-error",
        "relocation-error",
    ] {
        assert!(refused.body.contains(id), "{id}");
    }
    assert!(
        refused.body.contains("At pappa står utenfor skolen."),
        "nothing typed is lost"
    );

    let mut changes = COMPLETE_CHILD.to_vec();
    changes.push(("action", "complete"));
    let done = s
        .browser
        .post_fields(&format!("{base}/edit"), &form_with(&form, &changes))
        .await;
    assert_eq!(
        done.location(),
        format!("{base}?melding=kartlegging-fullfort")
    );
    let overview = s
        .browser
        .get(&format!("{base}?melding=kartlegging-fullfort"))
        .await;
    assert!(overview.body.contains("Gjeldende kartlegging: versjon 1"));
    assert!(overview.body.contains("Barnet frykter"));
    assert!(
        overview
            .body
            .contains("Ja. Hvor: Ved skolen. Kanal: Fysisk")
    );
    assert!(overview.body.contains("Høy"));
    // A completed version cannot be edited: there is no draft to post to.
    assert_eq!(
        s.browser.get(&format!("{base}/edit")).await.location(),
        base
    );
    let case_page = s.browser.get(&format!("/cases/{}", s.case_id)).await;
    assert!(case_page.body.contains("Versjon 1"));
}

/// Completes a first version with two fears; returns the mapping's base path.
async fn completed_version_one(s: &mut Setup) -> String {
    let child = s.child.clone();
    let (base, form) = open_draft(s, &child).await;
    let mut changes = COMPLETE_CHILD.to_vec();
    changes.extend([
        ("fear_0_text", "At pappa står utenfor skolen."),
        ("fear_1_text", "At noen finner ut hvor vi bor."),
        ("action", "complete"),
    ]);
    let done = s
        .browser
        .post_fields(&format!("{base}/edit"), &form_with(&form, &changes))
        .await;
    assert_eq!(done.status, 303);
    base
}

#[tokio::test]
async fn changing_a_completed_mapping_makes_version_two_and_version_one_stays() {
    // M8: fears keep their identity; earlier versions stay readable; versions compare.
    let mut s = case_with_a_child().await;
    let base = completed_version_one(&mut s).await;
    let fear_ids_v1: Vec<String> = sqlx::query_scalar(
        "SELECT f->>'id' FROM mappings, jsonb_array_elements(content->'fears') f WHERE version = 1",
    )
    .fetch_all(&s.app.db)
    .await
    .unwrap();

    s.browser.get(&base).await;
    s.browser.post(&format!("{base}/draft"), &[]).await;
    let form = s.browser.get(&format!("{base}/edit")).await;
    assert!(form.body.contains("Versjon 2, utkast"));
    assert!(
        form.body.contains("At pappa står utenfor skolen."),
        "version 2 starts from version 1"
    );
    let changes = [
        (
            "fear_0_text",
            "At pappa står utenfor skolen, også om kvelden.",
        ),
        ("fear_1_remove", "on"),
        ("fear_2_text", "At jeg må bytte skole."),
        ("action", "complete"),
    ];
    let done = s
        .browser
        .post_fields(&format!("{base}/edit"), &form_with(&form, &changes))
        .await;
    assert_eq!(done.status, 303);

    let fear_ids_v2: Vec<String> = sqlx::query_scalar(
        "SELECT f->>'id' FROM mappings, jsonb_array_elements(content->'fears') f WHERE version = 2",
    )
    .fetch_all(&s.app.db)
    .await
    .unwrap();
    assert_eq!(
        fear_ids_v2[0], fear_ids_v1[0],
        "the changed fear is the same fear"
    );
    assert!(
        !fear_ids_v2.contains(&fear_ids_v1[1]),
        "the removed fear is gone from v2"
    );

    let v1 = s.browser.get(&format!("{base}/versions/1")).await;
    assert!(
        v1.body.contains("At noen finner ut hvor vi bor."),
        "v1 is unchanged"
    );
    assert!(!v1.body.contains("også om kvelden"));

    let compare = s.browser.get(&format!("{base}/compare?from=1&to=2")).await;
    assert_eq!(compare.status, 200);
    assert!(compare.body.contains("Endret"));
    assert!(compare.body.contains("Fjernet"));
    assert!(compare.body.contains("Ny"));
    assert!(compare.body.contains("også om kvelden"));
    assert!(compare.body.contains("At noen finner ut hvor vi bor."));
    assert_eq!(
        s.browser
            .get(&format!("{base}/compare?from=1&to=9"))
            .await
            .status,
        404
    );
    assert_eq!(
        s.browser.get(&format!("{base}/versions/0")).await.status,
        404
    );
}

#[tokio::test]
async fn a_stale_draft_save_keeps_both_texts() {
    let mut s = case_with_a_child().await;
    let child = s.child.clone();
    let (base, form) = open_draft(&mut s, &child).await;
    let colleague = s.app.user(&s.centre, Role::Staff).await;
    let mut other = s.app.signed_in(&colleague).await;
    let other_form = other.get(&format!("{base}/edit")).await;

    let first = s
        .browser
        .post_fields(
            &format!("{base}/edit"),
            &form_with(
                &form,
                &[("violence", "Tekst fra den første."), ("action", "save")],
            ),
        )
        .await;
    assert_eq!(first.status, 303);
    let second = other
        .post_fields(
            &format!("{base}/edit"),
            &form_with(
                &other_form,
                &[("violence", "Tekst fra den andre."), ("action", "save")],
            ),
        )
        .await;
    assert_eq!(second.status, 409);
    assert!(second.body.contains("Noen andre har lagret kartleggingen"));
    assert!(second.body.contains("Tekst fra den første."));
    assert!(second.body.contains("Tekst fra den andre."));
    let stored: String = sqlx::query_scalar("SELECT content->>'violence' FROM mappings")
        .fetch_one(&s.app.db)
        .await
        .unwrap();
    assert_eq!(stored, "Tekst fra den første.");

    // Saving again, knowingly, replaces it.
    let again = other
        .post_fields(
            &format!("{base}/edit"),
            &form_with(&second, &[("action", "save")]),
        )
        .await;
    assert_eq!(again.status, 303);
}

#[tokio::test]
async fn a_text_beyond_the_limit_is_refused_whole_and_bad_dates_are_named() {
    let mut s = case_with_a_child().await;
    let child = s.child.clone();
    let (base, form) = open_draft(&mut s, &child).await;
    let long = "å".repeat(10_001);
    let response = s
        .browser
        .post_fields(
            &format!("{base}/edit"),
            &form_with(
                &form,
                &[
                    ("violence", &long),
                    ("conversation_0_date", "i går"),
                    ("action", "save"),
                ],
            ),
        )
        .await;
    assert_eq!(response.status, 422);
    assert!(response.body.contains("10001 tegn, høyst 10000"));
    assert!(response.body.contains(&long));
    assert!(response.body.contains("conversation_0_date-error"));
    assert!(response.body.contains("value=\"i går\""), "kept as typed");
    let stored: String = sqlx::query_scalar("SELECT content->>'violence' FROM mappings")
        .fetch_one(&s.app.db)
        .await
        .unwrap();
    assert_eq!(stored, "");
}

#[tokio::test]
async fn another_centres_mapping_is_404_on_every_mapping_route() {
    // U5
    let mut s = case_with_a_child().await;
    let base = completed_version_one(&mut s).await;
    let b = s.app.centre("B").await;
    let intruder = s.app.user(&b, Role::Admin).await;
    let mut browser = s.app.signed_in(&intruder).await;
    browser.get("/").await;
    let unknown = uuid::Uuid::new_v4();
    let other_case_base = base.replace(&s.case_id, &unknown.to_string());
    for base in [
        base.clone(),
        other_case_base,
        format!("/cases/{}/people/{unknown}/mapping", s.case_id),
    ] {
        for path in [
            base.clone(),
            format!("{base}/edit"),
            format!("{base}/versions/1"),
            format!("{base}/compare?from=1&to=1"),
        ] {
            let response = browser.get(&path).await;
            assert_eq!(response.status, 404, "GET {path}");
            assert!(!response.body.contains("pappa"));
        }
        for path in [format!("{base}/draft"), format!("{base}/edit")] {
            assert_eq!(
                browser
                    .post(&path, &[("violence", "x"), ("action", "save")])
                    .await
                    .status,
                404,
                "POST {path}"
            );
        }
    }
    assert_eq!(s.app.count("mappings").await, 1, "no draft was started");
}

#[tokio::test]
async fn a_person_of_another_case_is_404_under_this_case() {
    let mut s = case_with_a_child().await;
    let staff = s.app.user(&s.centre, Role::Staff).await;
    let other_case = new_case(&mut s.browser, &staff, "Ingrid Prøvestad").await;
    let path = format!("/cases/{other_case}/people/{}/mapping", s.child);
    assert_eq!(s.browser.get(&path).await.status, 404);
}

#[tokio::test]
async fn text_saved_after_a_colleague_completed_the_draft_is_kept_in_the_next_version() {
    let mut s = case_with_a_child().await;
    let child = s.child.clone();
    let (base, form) = open_draft(&mut s, &child).await;
    let colleague = s.app.user(&s.centre, Role::Staff).await;
    let mut other = s.app.signed_in(&colleague).await;
    let late_form = other.get(&format!("{base}/edit")).await;

    let mut changes = COMPLETE_CHILD.to_vec();
    changes.push(("action", "complete"));
    let done = s
        .browser
        .post_fields(&format!("{base}/edit"), &form_with(&form, &changes))
        .await;
    assert_eq!(done.status, 303);

    let late = other
        .post_fields(
            &format!("{base}/edit"),
            &form_with(
                &late_form,
                &[
                    ("violence", "Skrevet mens den andre fullførte."),
                    ("action", "save"),
                ],
            ),
        )
        .await;
    assert_eq!(late.status, 409);
    assert!(
        late.body.contains("Skrevet mens den andre fullførte."),
        "nothing typed is lost"
    );
    assert!(
        late.body.contains("Versjon 2, utkast"),
        "it goes into the next version"
    );
    let again = other
        .post_fields(
            &format!("{base}/edit"),
            &form_with(&late, &[("action", "save")]),
        )
        .await;
    assert_eq!(again.status, 303);
    let (v1, v2): (String, String) = sqlx::query_as(
        "SELECT (SELECT content->>'violence' FROM mappings WHERE version = 1),
                (SELECT content->>'violence' FROM mappings WHERE version = 2)",
    )
    .fetch_one(&s.app.db)
    .await
    .unwrap();
    assert_eq!(
        (v1.as_str(), v2.as_str()),
        ("", "Skrevet mens den andre fullførte."),
        "version 1 stays as completed"
    );
}

#[tokio::test]
async fn a_removed_childs_mapping_stays_readable_but_no_longer_changes() {
    let mut s = case_with_a_child().await;
    let base = completed_version_one(&mut s).await;
    s.browser.get(&base).await;
    s.browser.post(&format!("{base}/draft"), &[]).await;
    let form = s.browser.get(&format!("{base}/edit")).await;
    let remove = format!("/cases/{}/children/{}/remove", s.case_id, s.child);
    s.browser.get(&format!("/cases/{}", s.case_id)).await;
    assert_eq!(
        s.browser.post(&remove, &[("confirm", "yes")]).await.status,
        303
    );

    assert_eq!(s.browser.get(&base).await.status, 200, "still readable");
    assert_eq!(
        s.browser.get(&format!("{base}/versions/1")).await.status,
        200
    );
    assert_eq!(s.browser.get(&format!("{base}/edit")).await.status, 404);
    let late = s
        .browser
        .post_fields(
            &format!("{base}/edit"),
            &form_with(
                &form,
                &[
                    ("violence", "Etter at barnet er fjernet."),
                    ("action", "save"),
                ],
            ),
        )
        .await;
    assert_eq!(late.status, 404);
    assert_eq!(
        s.browser.post(&format!("{base}/draft"), &[]).await.status,
        404
    );
    assert_eq!(
        s.app
            .count("mappings WHERE content->>'violence' = 'Etter at barnet er fjernet.'")
            .await,
        0
    );
}
