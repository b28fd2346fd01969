//! The review scan (U4, P10): each kind of flag is raised by its cause and
//! resolved when the cause goes away; a change to a case re-scans it at
//! once; flags show in /reviews, on the dashboard and on the case; two scans
//! at once raise nothing twice.

use trygg::accounts::Role;
use trygg::flags::{Rules, scan};
use trygg::seed::{self, Options};

use super::{Setup, in_days, setup, submitted_plan};
use crate::helpers::{TestApp, form_fields, spawn_app};

/// The open flags, as (person, kind), sorted.
async fn open_flags(app: &TestApp) -> Vec<(String, String)> {
    sqlx::query_as(
        "SELECT person_id::text, kind FROM review_flags WHERE resolved_at IS NULL
         ORDER BY person_id, kind",
    )
    .fetch_all(&app.db)
    .await
    .unwrap()
}

fn has(flags: &[(String, String)], person: &str, kind: &str) -> bool {
    flags.iter().any(|(p, k)| p == person && k == kind)
}

async fn scan_now(app: &TestApp) -> trygg::flags::Scanned {
    scan(&app.db, &Rules::default(), trygg::locale::today(), None)
        .await
        .unwrap()
}

/// Approves the child's submitted plan as a coordinator of the centre.
async fn approve(s: &mut Setup, plan_id: &str) {
    let coordinator = s.app.user(&s.centre, Role::Coordinator).await;
    let mut reviewer = s.app.signed_in(&coordinator).await;
    let review = reviewer.get(&format!("/reviews/{plan_id}")).await;
    let lock = review.input_value("lock_version").unwrap();
    let next = review.input_value("next_review").unwrap();
    let approved = reviewer
        .post(
            &format!("/reviews/{plan_id}/approve"),
            &[("lock_version", &lock), ("next_review", &next)],
        )
        .await;
    assert_eq!(approved.status, 303, "{}", approved.body);
}

/// Sets the case's planned departure through its form ("" for none).
async fn set_departure(s: &mut Setup, day: &str) {
    let path = format!("/cases/{}/edit", s.case_id);
    let form = s.browser.get(&path).await;
    let fields = form_fields(&form, "case-form", &[("planned_departure_date", day)]);
    let saved = s.browser.post_fields(&path, &fields).await;
    assert_eq!(saved.status, 303, "{}", saved.body);
}

#[tokio::test]
async fn each_kind_of_flag_is_raised_by_its_cause_and_resolved_when_it_goes() {
    // The case arrived 02.11.2026; the child's mapping is completed, the
    // resident's not. Adding the child and completing its mapping re-scanned
    // the case already.
    let mut s = setup().await;
    let (resident, child) = (s.resident.clone(), s.child.clone());
    let flags = open_flags(&s.app).await;
    assert!(has(&flags, &resident, "no_mapping"), "{flags:?}");
    assert!(!has(&flags, &child, "no_mapping"), "{flags:?}");
    assert!(has(&flags, &child, "no_plan"), "{flags:?}");
    assert_eq!(
        scan_now(&s.app).await.raised,
        0,
        "one flag per cause, never two"
    );

    // A plan approved: no longer missing.
    let plan = submitted_plan(&mut s).await;
    approve(&mut s, &plan).await;
    assert!(!has(&open_flags(&s.app).await, &child, "no_plan"));

    // U4: its review date passes.
    // Three days ago in Norway, as Trygg counts days (not the database's
    // UTC date, a day behind around midnight).
    sqlx::query("UPDATE plans SET next_review_on = $1 WHERE state = 'approved'")
        .bind(trygg::locale::today() - time::Duration::days(3))
        .execute(&s.app.db)
        .await
        .unwrap();
    assert_eq!(scan_now(&s.app).await.raised, 1);
    assert!(has(&open_flags(&s.app).await, &child, "overdue_review"));
    let coordinator = s.app.user(&s.centre, Role::Coordinator).await;
    let mut reviewer = s.app.signed_in(&coordinator).await;
    let list = reviewer.get("/reviews").await;
    assert!(list.body.contains("Forsinket revisjon"));
    assert!(
        list.body.contains("Fristen gikk ut for 3 dager siden"),
        "{}",
        list.body
    );
    let dashboard = reviewer.get("/").await;
    assert!(
        dashboard
            .text("#centre-tasks + ul")
            .unwrap()
            .contains("Forsinket revisjon: 1")
    );
    let case = s.browser.get(&format!("/cases/{}", s.case_id)).await;
    assert!(
        case.texts(".flag-tag")
            .contains(&"Forsinket revisjon".to_owned())
    );

    // P10: a departure within 14 days; the child's plan was approved inside
    // that window, the resident has none. Saving the case re-scans it.
    set_departure(&mut s, &in_days(10)).await;
    let flags = open_flags(&s.app).await;
    assert!(
        has(&flags, &resident, "review_before_departure"),
        "{flags:?}"
    );
    assert!(!has(&flags, &child, "review_before_departure"), "{flags:?}");
    assert!(
        reviewer
            .get("/reviews")
            .await
            .body
            .contains("Flytter ut om 10 dager")
    );
    // A departure date that passed with nothing revised stays on the list.
    set_departure(&mut s, &in_days(-2)).await;
    assert!(has(
        &open_flags(&s.app).await,
        &resident,
        "review_before_departure"
    ));
    assert!(
        reviewer
            .get("/reviews")
            .await
            .body
            .contains("Utflyttingsdatoen er passert")
    );
    set_departure(&mut s, &in_days(60)).await;
    assert!(!has(
        &open_flags(&s.app).await,
        &resident,
        "review_before_departure"
    ));

    // A child who joins the case weeks after it was registered is due from
    // the day it joined, not from the resident's arrival.
    sqlx::query("UPDATE cases SET created_at = created_at - interval '30 days'")
        .execute(&s.app.db)
        .await
        .unwrap();
    crate::cases::add_child(&mut s.browser, &s.case_id, "Lise Eksempelsen", "01.02.2020").await;
    let page = s.browser.get(&format!("/cases/{}", s.case_id)).await;
    let ids = crate::cases::person_ids(&page.body, &s.case_id);
    let newcomer = ids
        .iter()
        .find(|id| **id != resident && **id != child)
        .unwrap();
    assert!(!has(&open_flags(&s.app).await, newcomer, "no_mapping"));

    // M7/M8 and § 4 c: a new mapping version that calls for a relocation.
    s.complete_mapping(&child, "At han finner oss.", "severe", "yes")
        .await;
    let flags = open_flags(&s.app).await;
    assert!(has(&flags, &child, "plan_behind_mapping"), "{flags:?}");
    assert!(has(&flags, &child, "relocation_to_consider"), "{flags:?}");

    // A child removed from the case: its flags go.
    let page = s.browser.get(&format!("/cases/{}", s.case_id)).await;
    let removed = s
        .browser
        .post(
            &format!("/cases/{}/children/{child}/remove", s.case_id),
            &[
                ("csrf_token", &page.input_value("csrf_token").unwrap()),
                ("confirm", "yes"),
            ],
        )
        .await;
    assert_eq!(removed.status, 303);
    let flags = open_flags(&s.app).await;
    assert!(!flags.iter().any(|(p, _)| *p == child), "{flags:?}");

    // Every raise and every resolve is in the case's access log.
    let (raised, resolved): (i64, i64) = sqlx::query_as(
        "SELECT count(*) FILTER (WHERE kind = 'flag_raised'),
                count(*) FILTER (WHERE kind = 'flag_resolved')
         FROM audit_events WHERE case_id::text = $1 AND actor_id IS NULL",
    )
    .bind(&s.case_id)
    .fetch_one(&s.app.db)
    .await
    .unwrap();
    let (flagged, closed): (i64, i64) =
        sqlx::query_as("SELECT count(*), count(resolved_at) FROM review_flags")
            .fetch_one(&s.app.db)
            .await
            .unwrap();
    assert_eq!((raised, resolved), (flagged, closed));
    assert!(resolved >= 5);
}

/// Two servers, or a server and `trygg reviews scan`, scanning at the same
/// moment raise each flag once.
#[tokio::test]
async fn concurrent_scans_raise_each_flag_once() {
    let app = spawn_app().await;
    let centre = app.centre("Senteret").await;
    app.user(&centre, Role::Staff).await;
    app.user(&centre, Role::Coordinator).await;
    let options = Options {
        centres: None,
        centre: Some("Senteret".into()),
        cases: 40,
        force: false,
    };
    seed::run(&app.db, options).await.unwrap();
    let today = trygg::locale::today();
    let rules = Rules::default();
    let scans: Vec<_> = (0..4)
        .map(|_| {
            let db = app.db.clone();
            tokio::spawn(async move { scan(&db, &rules, today, None).await.unwrap() })
        })
        .collect();
    let mut raised = 0;
    for scan in scans {
        raised += scan.await.unwrap().raised;
    }
    let flags = open_flags(&app).await;
    assert!(!flags.is_empty(), "the seed has people in every flag state");
    assert_eq!(raised as usize, flags.len());
    let mut distinct = flags.clone();
    distinct.dedup();
    assert_eq!(distinct.len(), flags.len());
    let events: i64 =
        sqlx::query_scalar("SELECT count(*) FROM audit_events WHERE kind = 'flag_raised'")
            .fetch_one(&app.db)
            .await
            .unwrap();
    assert_eq!(events as usize, flags.len());
}

/// A demo shows every work list full: the seed has people in every flag state.
#[tokio::test]
async fn the_seed_has_people_in_every_flag_state() {
    let app = spawn_app().await;
    let centre = app.centre("Senteret").await;
    app.user(&centre, Role::Staff).await;
    app.user(&centre, Role::Coordinator).await;
    let options = Options {
        centres: None,
        centre: Some("Senteret".into()),
        cases: 40,
        force: false,
    };
    seed::run(&app.db, options).await.unwrap();
    scan_now(&app).await;
    let kinds: Vec<String> =
        sqlx::query_scalar("SELECT DISTINCT kind FROM review_flags ORDER BY kind")
            .fetch_all(&app.db)
            .await
            .unwrap();
    let mut all: Vec<String> = trygg::flags::FlagKind::ALL
        .iter()
        .map(|k| k.code().to_owned())
        .collect();
    all.sort();
    assert_eq!(kinds, all);
}
