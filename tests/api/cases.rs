//! Cases and children (issue 5, U1, U5, R8): staff create and edit the cases
//! of their own centre; another centre's case does not exist for them.

use trygg::accounts::Role;

use crate::cli::{open_tempdir, run, text, trygg};
use scraper::Html;

use crate::helpers::{Browser, TestApp, TestUser, css_string, database_env, selector, spawn_app};

/// A case made through the form; returns its id.
pub async fn new_case(browser: &mut Browser, contact: &TestUser, resident: &str) -> String {
    browser.get("/cases/new").await;
    let response = browser
        .post(
            "/cases/new",
            &[
                ("resident_name", resident),
                ("resident_birth_date", "14.03.1988"),
                ("resident_phone", "+47 400 00 000"),
                ("arrival_date", "02.11.2026"),
                ("planned_departure_date", ""),
                ("contact_person_id", &contact.id.to_string()),
                ("violence", "physical"),
                ("violence", "trafficking"),
                ("note", "Kom med to barn."),
            ],
        )
        .await;
    assert_eq!(response.status, 303, "{}", response.body);
    response.location().trim_start_matches("/cases/").to_owned()
}

pub async fn add_child(browser: &mut Browser, case_id: &str, name: &str, birth: &str) {
    browser.get(&format!("/cases/{case_id}")).await;
    let response = browser
        .post(
            &format!("/cases/{case_id}/children"),
            &[
                ("child_name", name),
                ("child_birth_date", birth),
                ("child_school", "Eksempel skole"),
            ],
        )
        .await;
    assert_eq!(response.status, 303, "{}", response.body);
}

async fn seed_through_cli(app: &TestApp, centre: &str, cases: &str, force: bool) -> String {
    let cwd = open_tempdir();
    let mut seed = trygg(cwd.path());
    seed.envs(database_env(&app.db_name))
        .args(["seed", "--centre", centre, "--cases", cases]);
    if force {
        seed.arg("--force");
    }
    let out = run(seed, "").await;
    assert!(out.status.success(), "{}", text(&out.stderr));
    text(&out.stdout)
}

#[tokio::test]
async fn staff_creates_a_case_and_finds_it_in_the_list() {
    let app = spawn_app().await;
    let centre = app.centre("A").await;
    let staff = app.user(&centre, Role::Staff).await;
    let mut browser = app.signed_in(&staff).await;
    let id = new_case(&mut browser, &staff, "Kari Eksempelsen").await;

    let page = browser.get(&format!("/cases/{id}")).await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("Kari Eksempelsen"));
    assert!(
        page.body.contains("Menneskehandel"),
        "R8: any kind of violence is taken"
    );
    assert!(page.body.contains("Kom med to barn."));

    let list = browser.get("/cases").await;
    assert!(list.body.contains("Kari Eksempelsen"));
    assert!(list.body.contains("02.11.2026"));
    assert!(list.body.contains("Ikke kartlagt"));
}

#[tokio::test]
async fn seeded_cases_show_in_the_list() {
    let app = spawn_app().await;
    let centre = app.centre("Krisesenteret i Testby").await;
    let staff = app.user(&centre, Role::Staff).await;
    let report = seed_through_cli(&app, "Krisesenteret i Testby", "3", false).await;
    assert!(report.contains("Seeded 3 fictitious cases"), "{report}");
    assert_eq!(app.count("cases WHERE seeded").await, 3);
    let mut browser = app.signed_in(&staff).await;
    let list = browser.get("/cases").await;
    assert_eq!(
        list.count(r#"[href^="/cases/"]"#) - list.count(r#"[href^="/cases/new"]"#),
        3,
        "{}",
        list.body
    );
}

fn as_refs(fields: &[(String, String)]) -> Vec<(&str, &str)> {
    fields
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect()
}

/// The ids of the people on a case page, resident first: read from the
/// links to their pages.
pub fn person_ids(case_page: &str, case_id: &str) -> Vec<String> {
    let prefix = format!("/cases/{case_id}/people/");
    let css = format!("[href^={}]", css_string(&prefix));
    let mut ids: Vec<String> = Vec::new();
    for link in Html::parse_document(case_page).select(&selector(&css)) {
        let href = link.attr("href").unwrap_or_default();
        let id: String = href[prefix.len()..].chars().take(36).collect();
        if !ids.contains(&id) {
            ids.push(id);
        }
    }
    ids
}

#[tokio::test]
async fn children_are_added_with_their_age_and_removed_without_losing_history() {
    // M1: each child is a person of its own in the case.
    let app = spawn_app().await;
    let centre = app.centre("A").await;
    let staff = app.user(&centre, Role::Staff).await;
    let mut browser = app.signed_in(&staff).await;
    let id = new_case(&mut browser, &staff, "Kari Eksempelsen").await;
    let ten_years_ago = trygg::locale::today()
        .replace_year(trygg::locale::today().year() - 10)
        .unwrap();
    add_child(
        &mut browser,
        &id,
        "Emil Eksempelsen",
        &trygg::locale::date(ten_years_ago),
    )
    .await;
    add_child(&mut browser, &id, "Ella Eksempelsen", "01.06.2022").await;

    let page = browser.get(&format!("/cases/{id}")).await;
    assert!(page.body.contains("Emil Eksempelsen"));
    assert!(page.body.contains("10 år"));
    assert!(
        page.body.contains("Sensitivt"),
        "the school is marked sensitive"
    );
    assert_eq!(person_ids(&page.body, &id).len(), 3);

    let list = browser.get("/cases").await;
    assert!(list.body.contains("Emil Eksempelsen (10 år)"));

    let emil = person_ids(&page.body, &id)[1].clone();
    // Issue 18: «Fjern» asks first, on a page that needs no script.
    let remove = format!("/cases/{id}/children/{emil}/remove");
    assert!(page.body.contains(&format!("href=\"{remove}\"")));
    let asked = browser.get(&remove).await;
    assert_eq!(asked.status, 200);
    assert!(asked.body.contains("Fjerne Emil Eksempelsen fra saken?"));
    assert!(asked.body.contains("Nei, behold barnet i saken"));
    // A post that does not confirm (an old page, a forged form) only asks.
    let unconfirmed = browser.post(&remove, &[]).await;
    assert_eq!(unconfirmed.status, 200);
    assert!(
        unconfirmed
            .body
            .contains("Ja, fjern Emil Eksempelsen fra saken")
    );
    assert!(
        browser
            .get(&format!("/cases/{id}"))
            .await
            .body
            .contains(&remove),
        "still in the case"
    );
    let removed = browser.post(&remove, &[("confirm", "yes")]).await;
    assert_eq!(removed.status, 303);
    let page = browser.get(&format!("/cases/{id}")).await;
    assert!(page.body.contains("Fjernet fra saken"));
    assert!(
        !browser
            .get("/cases")
            .await
            .body
            .contains("Emil Eksempelsen")
    );
    // Removing again is a 404: there is no such child on the case any more.
    assert_eq!(
        browser
            .post(
                &format!("/cases/{id}/children/{emil}/remove"),
                &[("confirm", "yes")]
            )
            .await
            .status,
        404
    );
}

#[tokio::test]
async fn child_form_refuses_adults_future_births_and_missing_names_and_keeps_values() {
    let app = spawn_app().await;
    let centre = app.centre("A").await;
    let staff = app.user(&centre, Role::Staff).await;
    let mut browser = app.signed_in(&staff).await;
    let id = new_case(&mut browser, &staff, "Kari Eksempelsen").await;
    browser.get(&format!("/cases/{id}")).await;
    for (name, birth, error) in [
        ("", "01.01.2020", "child_name-error"),
        ("Voksen", "01.01.1990", "child_birth_date-error"),
        ("Fremtid", "01.01.2999", "child_birth_date-error"),
        ("Rart", "32.01.2020", "child_birth_date-error"),
    ] {
        let response = browser
            .post(
                &format!("/cases/{id}/children"),
                &[
                    ("child_name", name),
                    ("child_birth_date", birth),
                    ("child_school", "Skolen min"),
                ],
            )
            .await;
        assert_eq!(response.status, 422, "{name} {birth}");
        assert!(
            response.body.contains(&format!(r#"id="{error}""#)),
            "{name} {birth}"
        );
        assert_eq!(
            response.input_value("child_school").as_deref(),
            Some("Skolen min")
        );
    }
    assert_eq!(app.count("persons WHERE kind = 'child'").await, 0);
}

#[tokio::test]
async fn case_form_explains_errors_keeps_values_and_refuses_text_beyond_the_limit() {
    let app = spawn_app().await;
    let centre = app.centre("A").await;
    let other = app.centre("B").await;
    let staff = app.user(&centre, Role::Staff).await;
    let stranger = app.user(&other, Role::Staff).await;
    let mut browser = app.signed_in(&staff).await;
    browser.get("/cases/new").await;

    let long_note = "ø".repeat(10_001);
    let response = browser
        .post(
            "/cases/new",
            &[
                ("resident_name", ""),
                ("resident_birth_date", "31.02.1990"),
                ("resident_phone", "ring meg"),
                ("arrival_date", "10.11.2026"),
                ("planned_departure_date", "01.11.2026"),
                ("contact_person_id", &stranger.id.to_string()),
                ("violence", "physical"),
                ("violence", "bogus"),
                ("note", &long_note),
            ],
        )
        .await;
    assert_eq!(response.status, 422);
    for id in [
        "resident_name-error",
        "resident_birth_date-error",
        "resident_phone-error",
        "planned_departure_date-error",
        "contact_person_id-error",
        "violence-error",
        "note-error",
    ] {
        assert!(response.body.contains(&format!(r#"id="{id}""#)), "{id}");
    }
    assert!(response.body.contains("10001 tegn, høyst 10000"));
    assert!(
        response.body.contains(&long_note),
        "the text is kept whole, never cut"
    );
    assert_eq!(
        response.input_value("resident_phone").as_deref(),
        Some("ring meg")
    );
    assert!(response.is_checked("violence", "physical"));
    assert!(
        !response.body.contains(&stranger.name),
        "another centre's staff are no choice"
    );
    assert_eq!(app.count("cases").await, 0);
}

#[tokio::test]
async fn a_stale_edit_keeps_the_users_text_and_shows_what_the_other_saved() {
    let app = spawn_app().await;
    let centre = app.centre("A").await;
    let one = app.user(&centre, Role::Staff).await;
    let two = app.user(&centre, Role::Staff).await;
    let mut first = app.signed_in(&one).await;
    let id = new_case(&mut first, &one, "Kari Eksempelsen").await;
    let mut second = app.signed_in(&two).await;

    let form_one = first.get(&format!("/cases/{id}/edit")).await;
    let form_two = second.get(&format!("/cases/{id}/edit")).await;
    let fields = |r: &crate::helpers::Response, note: &str| -> Vec<(String, String)> {
        let mut f: Vec<(String, String)> = [
            "resident_name",
            "resident_birth_date",
            "resident_phone",
            "arrival_date",
            "planned_departure_date",
            "lock_version",
        ]
        .iter()
        .map(|n| (n.to_string(), r.input_value(n).unwrap_or_default()))
        .collect();
        f.push(("contact_person_id".into(), one.id.to_string()));
        f.push(("state".into(), "open".into()));
        f.push(("note".into(), note.into()));
        f
    };

    let saved = first
        .post(
            &format!("/cases/{id}/edit"),
            &as_refs(&fields(&form_one, "Notat fra første")),
        )
        .await;
    assert_eq!(saved.status, 303);
    let stale = second
        .post(
            &format!("/cases/{id}/edit"),
            &as_refs(&fields(&form_two, "Notat fra andre")),
        )
        .await;
    assert_eq!(stale.status, 409);
    assert!(stale.body.contains("Noen andre har lagret saken"));
    assert!(
        stale.body.contains("Notat fra første"),
        "shows what the other saved"
    );
    assert!(
        stale.body.contains("Notat fra andre"),
        "keeps this user's text"
    );
    let note: String = sqlx::query_scalar("SELECT note FROM cases")
        .fetch_one(&app.db)
        .await
        .unwrap();
    assert_eq!(
        note, "Notat fra første",
        "the second save did not overwrite the first"
    );

    // Saving again, knowingly, replaces it.
    let version = stale.input_value("lock_version").unwrap();
    let mut again = fields(&form_two, "Notat fra andre");
    again.retain(|(k, _)| k != "lock_version");
    again.push(("lock_version".into(), version));
    assert_eq!(
        second
            .post(&format!("/cases/{id}/edit"), &as_refs(&again))
            .await
            .status,
        303
    );
}

#[tokio::test]
async fn the_list_searches_names_without_putting_them_in_urls_and_filters_and_pages() {
    let app = spawn_app().await;
    let centre = app.centre("A").await;
    let staff = app.user(&centre, Role::Staff).await;
    let colleague = app.user(&centre, Role::Staff).await;
    let mut browser = app.signed_in(&staff).await;
    new_case(&mut browser, &staff, "Kari Eksempelsen").await;
    new_case(&mut browser, &colleague, "Ingrid Prøvestad").await;

    // Real cases exist now: seeding is refused unless forced.
    let cwd = open_tempdir();
    let mut refused = trygg(cwd.path());
    refused
        .envs(database_env(&app.db_name))
        .args(["seed", "--centre", "A", "--cases", "60"]);
    let out = run(refused, "").await;
    assert!(!out.status.success());
    assert!(text(&out.stderr).contains("--force"));
    assert_eq!(app.count("cases").await, 2);
    seed_through_cli(&app, "A", "60", true).await;

    let list = browser.get("/cases").await;
    assert_eq!(list.count("tr"), 51, "50 a page");
    assert!(list.body.contains("Neste side"));

    let search = browser
        .post(
            "/cases",
            &[("name", "prøvestad"), ("state", ""), ("contact", "")],
        )
        .await;
    assert_eq!(search.status, 200);
    assert!(search.body.contains("Ingrid Prøvestad"));
    assert!(!search.body.contains("Kari Eksempelsen"));
    assert!(!search.body.contains("?name="), "no name in any link");

    // Two letters are too few for the trigram index and take the other path.
    let short = browser
        .post("/cases", &[("name", "øv"), ("state", ""), ("contact", "")])
        .await;
    assert!(short.body.contains("Ingrid Prøvestad"));
    let none = browser
        .post("/cases", &[("name", "qz"), ("state", ""), ("contact", "")])
        .await;
    assert!(none.body.contains("Ingen saker passer"));

    let wildcard = browser
        .post("/cases", &[("name", "%"), ("state", ""), ("contact", "")])
        .await;
    assert!(
        wildcard.body.contains("Ingen saker passer"),
        "% is a character, not a wildcard"
    );

    let home = browser.get("/").await;
    let mine = format!("/cases?state=open&amp;contact={}", staff.id);
    assert!(
        home.body.contains(&mine),
        "the dashboard links to my open cases"
    );
    let my_cases = browser.get(&mine.replace("&amp;", "&")).await;
    assert!(my_cases.body.contains("Kari Eksempelsen"));
    assert!(!my_cases.body.contains("Ingrid Prøvestad"));

    let by_contact = browser
        .get(&format!("/cases?contact={}", colleague.id))
        .await;
    assert!(by_contact.body.contains("Ingrid Prøvestad"));
    assert!(!by_contact.body.contains("Kari Eksempelsen"));

    let closed = browser.get("/cases?state=closed").await;
    assert!(
        !closed.body.contains("Kari Eksempelsen"),
        "a new case is open"
    );
    assert!(!closed.body.contains("<td>Åpen</td>"));
}

#[tokio::test]
async fn reads_and_changes_are_in_the_cases_access_log_for_coordinators_and_admins_only() {
    let app = spawn_app().await;
    let centre = app.centre("A").await;
    let staff = app.user_named(&centre, Role::Staff, "Sara Ansatt").await;
    let coordinator = app
        .user_named(&centre, Role::Coordinator, "Kåre Koordinator")
        .await;
    let mut browser = app.signed_in(&staff).await;
    let id = new_case(&mut browser, &staff, "Kari Eksempelsen").await;
    browser.get(&format!("/cases/{id}")).await;

    assert_eq!(
        browser.get(&format!("/cases/{id}/access-log")).await.status,
        403
    );
    let page = browser.get(&format!("/cases/{id}")).await;
    assert!(!page.body.contains("Tilgangslogg"));

    let mut reviewer = app.signed_in(&coordinator).await;
    let log = reviewer.get(&format!("/cases/{id}/access-log")).await;
    assert_eq!(log.status, 200);
    assert!(log.body.contains("Sak opprettet"));
    assert!(log.body.contains("Sak lest"));
    assert!(log.body.contains("Sara Ansatt"));
    assert!(
        !log.body.contains("Kari Eksempelsen"),
        "the log names who looked, not what they saw"
    );
    let detail: Vec<String> =
        sqlx::query_scalar("SELECT detail FROM audit_events WHERE case_id IS NOT NULL")
            .fetch_all(&app.db)
            .await
            .unwrap();
    assert!(detail.iter().all(String::is_empty), "never the content");
}

#[tokio::test]
async fn another_centres_case_is_404_on_every_case_route_and_nothing_changes() {
    // U5
    let app = spawn_app().await;
    let a = app.centre("A").await;
    let b = app.centre("B").await;
    let owner = app.user(&b, Role::Staff).await;
    let intruder = app.user(&a, Role::Admin).await;
    let mut owners = app.signed_in(&owner).await;
    let id = new_case(&mut owners, &owner, "Hemmelig Beboer").await;
    add_child(&mut owners, &id, "Hemmelig Barn", "01.01.2018").await;
    let page = owners.get(&format!("/cases/{id}")).await;
    let child = person_ids(&page.body, &id)[1].clone();

    let mut browser = app.signed_in(&intruder).await;
    browser.get("/cases").await;
    let unknown = uuid::Uuid::new_v4().to_string();
    for case in [id.as_str(), unknown.as_str(), "not-an-id"] {
        for path in [
            format!("/cases/{case}"),
            format!("/cases/{case}/edit"),
            format!("/cases/{case}/access-log"),
            format!("/cases/{case}/children/{child}/remove"),
        ] {
            let response = browser.get(&path).await;
            assert_eq!(response.status, 404, "GET {path}");
            assert!(!response.body.contains("Hemmelig"));
        }
        for path in [
            format!("/cases/{case}/edit"),
            format!("/cases/{case}/children"),
            format!("/cases/{case}/children/{child}/remove"),
        ] {
            let response = browser
                .post(
                    &path,
                    &[
                        ("resident_name", "Endret"),
                        ("child_name", "Nytt"),
                        ("child_birth_date", "01.01.2020"),
                        ("confirm", "yes"),
                    ],
                )
                .await;
            assert_eq!(response.status, 404, "POST {path}");
        }
    }
    assert!(!browser.get("/cases").await.body.contains("Hemmelig"));
    let search = browser.post("/cases", &[("name", "Hemmelig")]).await;
    assert!(search.body.contains("Ingen saker passer"));
    assert_eq!(app.count("persons WHERE removed_at IS NULL").await, 2);
    assert_eq!(
        app.count("persons WHERE name = 'Endret' OR name = 'Nytt'")
            .await,
        0
    );
}

/// PostgreSQL stores no NUL character; one typed or sent in any field is
/// dropped, never a 500 (a web scanner sends them).
#[tokio::test]
async fn a_nul_character_in_a_form_is_dropped_not_a_server_error() {
    let app = spawn_app().await;
    let centre = app.centre("A").await;
    let staff = app.user(&centre, trygg::accounts::Role::Staff).await;
    let mut browser = app.signed_in(&staff).await;
    browser.get("/cases").await;
    let csrf = browser.csrf.clone().unwrap();
    let search = browser
        .post_raw("/cases", format!("name=Kari%00&csrf_token={csrf}"))
        .await;
    assert_eq!(search.status, 200);
    let id = new_case(&mut browser, &staff, "Kari\0 Nordmann").await;
    let name: String = sqlx::query_scalar("SELECT name FROM persons WHERE case_id::text = $1")
        .bind(&id)
        .fetch_one(&app.db)
        .await
        .unwrap();
    assert_eq!(name, "Kari Nordmann");
}

/// The list's rows: each case's link.
fn case_links(page: &crate::helpers::Response) -> Vec<String> {
    page.html()
        .select(&selector("tbody tr td:first-child a"))
        .filter_map(|a| a.attr("href").map(str::to_owned))
        .collect()
}

#[tokio::test]
async fn the_list_pages_by_keyset_forwards_and_back_within_the_filter() {
    let app = spawn_app().await;
    let mut centre = crate::statements::seeded_centre(&app, 120).await;
    let other = crate::statements::seeded_centre(&app, 3).await;
    let newest_first: Vec<String> = sqlx::query_scalar(
        "SELECT '/cases/' || id FROM cases WHERE centre_id = $1
         ORDER BY arrival_date DESC, id DESC",
    )
    .bind(centre.id)
    .fetch_all(&app.db)
    .await
    .unwrap();
    assert_eq!(newest_first.len(), 120);

    let first = centre.staff.get("/cases").await;
    assert_eq!(case_links(&first), newest_first[..50]);
    assert_eq!(first.text(".pagination p").as_deref(), Some("Side 1"));
    assert!(!first.body.contains("Forrige side"));
    let after = first.attr("input[name=after]", "value").unwrap();
    let second = centre
        .staff
        .post("/cases", &[("after", after.as_str()), ("page", "2")])
        .await;
    assert_eq!(case_links(&second), newest_first[50..100]);
    assert_eq!(second.text(".pagination p").as_deref(), Some("Side 2"));
    let after = second.attr("input[name=after]", "value").unwrap();
    let third = centre
        .staff
        .post("/cases", &[("after", after.as_str()), ("page", "3")])
        .await;
    assert_eq!(case_links(&third), newest_first[100..]);
    assert!(!third.body.contains("Neste side"), "the last page");
    let before = third.attr("input[name=before]", "value").unwrap();
    let back = centre
        .staff
        .post("/cases", &[("before", before.as_str()), ("page", "2")])
        .await;
    assert_eq!(case_links(&back), newest_first[50..100]);
    let before = back.attr("input[name=before]", "value").unwrap();
    let back = centre
        .staff
        .post("/cases", &[("before", before.as_str()), ("page", "2")])
        .await;
    assert_eq!(case_links(&back), newest_first[..50]);
    assert_eq!(
        back.text(".pagination p").as_deref(),
        Some("Side 1"),
        "back at the start, whatever page number was posted"
    );

    // The filter holds across pages: open cases only.
    let open: Vec<String> = sqlx::query_scalar(
        "SELECT '/cases/' || id FROM cases WHERE centre_id = $1 AND closed_on IS NULL
         ORDER BY arrival_date DESC, id DESC",
    )
    .bind(centre.id)
    .fetch_all(&app.db)
    .await
    .unwrap();
    let first_open = centre
        .staff
        .post("/cases", &[("state", "open"), ("page", "1")])
        .await;
    assert_eq!(case_links(&first_open), open[..open.len().min(50)]);
    if open.len() > 50 {
        let after = first_open.attr("input[name=after]", "value").unwrap();
        let next = centre
            .staff
            .post(
                "/cases",
                &[("state", "open"), ("after", after.as_str()), ("page", "2")],
            )
            .await;
        assert_eq!(case_links(&next), open[50..open.len().min(100)]);
    }

    // A page turned from garbage, or from another centre's case, starts at
    // the first: nothing of the other centre shows.
    let garbage = centre
        .staff
        .post("/cases", &[("after", "not-a-case"), ("page", "7")])
        .await;
    assert_eq!(garbage.status, 200);
    assert_eq!(case_links(&garbage), newest_first[..50]);
    let theirs = centre
        .staff
        .post(
            "/cases",
            &[("after", other.case.to_string().as_str()), ("page", "2")],
        )
        .await;
    assert_eq!(theirs.status, 200);
    assert_eq!(case_links(&theirs), newest_first[..50]);
    assert!(!theirs.body.contains(&other.case.to_string()));
}
