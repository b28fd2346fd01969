//! Issue 18: a coordinator restricts a case to named staff. Everyone else at
//! the centre meets «Begrenset tilgang» on every route about it, finds it by no
//! name, sees no name in any list, and every attempt is audited — isolation
//! as between centres, within one.

use trygg::accounts::Role;
use uuid::Uuid;

use crate::helpers::{Browser, TestApp, TestUser, spawn_app};
use crate::permissions::{fixture, router_routes};

/// The routes the guard stands in front of: each names a case, or what
/// leads to one.
const GUARDED: [&str; 3] = ["/cases/{}", "/reviews/{}", "/shared/{}"];

/// Routes with an id that is no case's, nor leads to one.
const NOT_ABOUT_A_CASE: [&str; 3] = ["/admin/users/{}", "/account/sessions/{}", "/static/{}"];

#[test]
fn every_route_with_an_id_is_guarded_or_named_as_not_about_a_case() {
    for (method, route) in router_routes() {
        if !route.contains("{}") {
            continue;
        }
        assert!(
            GUARDED
                .iter()
                .chain(&NOT_ABOUT_A_CASE)
                .any(|area| route.starts_with(area)),
            "{method} {route}: is it about a case? Add it to GUARDED (and to \
             cases::restriction::subject) or to NOT_ABOUT_A_CASE"
        );
    }
}

/// The contact people a restricted case's list must hold: the case's and
/// its children's.
async fn contacts(app: &TestApp, case: &str) -> Vec<Uuid> {
    sqlx::query_scalar(
        "SELECT contact_person_id FROM cases WHERE id::text = $1 AND contact_person_id IS NOT NULL
         UNION SELECT contact_person_id FROM persons
         WHERE case_id::text = $1 AND removed_at IS NULL AND contact_person_id IS NOT NULL",
    )
    .bind(case)
    .fetch_all(&app.db)
    .await
    .unwrap()
}

/// Restricts `case` to `staff` (and its contact people) through the form.
async fn restrict(
    app: &TestApp,
    coordinator: &mut Browser,
    case: &str,
    staff: &[Uuid],
) -> crate::helpers::Response {
    let form = coordinator.get(&format!("/cases/{case}/restriction")).await;
    assert_eq!(form.status, 200, "{}", form.body);
    let mut fields = vec![
        ("scope".to_owned(), "named".to_owned()),
        (
            "lock_version".to_owned(),
            form.input_value("lock_version").unwrap(),
        ),
    ];
    let mut ids = contacts(app, case).await;
    ids.extend_from_slice(staff);
    for id in ids {
        fields.push(("staff".to_owned(), id.to_string()));
    }
    coordinator
        .post_fields(&format!("/cases/{case}/restriction"), &fields)
        .await
}

async fn refusals(app: &TestApp, who: &TestUser) -> i64 {
    sqlx::query_scalar(
        "SELECT count(*) FROM audit_events WHERE actor_id = $1 AND kind = 'restricted_case_refused'",
    )
    .bind(who.id)
    .fetch_one(&app.db)
    .await
    .unwrap()
}

#[tokio::test]
async fn a_restricted_case_refuses_everyone_not_named_on_every_route_and_audits_each_attempt() {
    let app = spawn_app().await;
    let (centre, ids) = fixture(&app).await;
    let coordinator = app.user(&centre, Role::Coordinator).await;
    let named = app.user(&centre, Role::Staff).await;
    let mut coordinators = app.signed_in(&coordinator).await;
    // The case of the routes, and the case of the plan under review.
    let review_case: String = sqlx::query_scalar(
        "SELECT pe.case_id::text FROM plans p JOIN persons pe ON pe.id = p.person_id
         WHERE p.id::text = $1",
    )
    .bind(&ids.review)
    .fetch_one(&app.db)
    .await
    .unwrap();
    sqlx::query(
        "UPDATE persons SET name = CASE WHEN kind = 'resident' THEN 'Skjult Hemmeligsen'
                                        ELSE 'Lille Hemmeligsen' END
         WHERE case_id::text = $1 OR case_id::text = $2",
    )
    .bind(&ids.case)
    .bind(&review_case)
    .execute(&app.db)
    .await
    .unwrap();
    // A share from another centre that started this case.
    sqlx::query("UPDATE relocation_shares SET case_id = $1::uuid WHERE id::text = $2")
        .bind(&ids.case)
        .bind(&ids.share)
        .execute(&app.db)
        .await
        .unwrap();
    for case in [&ids.case, &review_case] {
        let saved = restrict(&app, &mut coordinators, case, &[coordinator.id, named.id]).await;
        assert_eq!(
            saved.location(),
            format!("/cases/{case}?melding=sak-skjermet")
        );
    }
    // The review scan flags what the seed left undone, restricted or not.
    trygg::flags::scan(
        &app.db,
        &trygg::flags::Rules::default(),
        trygg::locale::today(),
        None,
    )
    .await
    .unwrap();
    let page = coordinators.get(&format!("/cases/{}", ids.case)).await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("Begrenset tilgang"));
    assert!(
        page.body.contains(&named.name),
        "the case page names who may open it"
    );
    let mut named_browser = app.signed_in(&named).await;
    assert_eq!(
        named_browser
            .get(&format!("/cases/{}", ids.case))
            .await
            .status,
        200
    );
    let case_version: i32 =
        sqlx::query_scalar("SELECT lock_version FROM cases WHERE id::text = $1")
            .bind(&ids.case)
            .fetch_one(&app.db)
            .await
            .unwrap();
    let rows_before = app.count("mappings").await + app.count("plans").await;

    let routes: Vec<_> = router_routes()
        .into_iter()
        .filter(|(_, route)| GUARDED.iter().any(|area| route.starts_with(area)))
        .collect();
    assert!(
        routes.len() > 40,
        "the route scan found too few: {routes:?}"
    );
    for role in [Role::Staff, Role::Coordinator, Role::Admin] {
        let outsider = app.user(&centre, role).await;
        let mut browser = app.signed_in(&outsider).await;
        let mut refused = 0;
        for (method, route) in &routes {
            let path = ids.path(route);
            let response = if *method == "GET" {
                browser.get(&path).await
            } else {
                browser
                    .post(&path, &[("confirm", "yes"), ("scope", "all")])
                    .await
            };
            assert!(
                !response.body.contains("Hemmeligsen"),
                "{role:?} {method} {path}"
            );
            if response.status == 403
                && response
                    .body
                    .contains("Du har ikke tilgang til denne saken")
            {
                refused += 1;
                continue;
            }
            // Only a route the role may not call at all is refused before
            // the guard, by the permission table.
            let need = crate::permissions::needs(method, route).unwrap();
            assert!(
                matches!(need, crate::permissions::Need::May(p) if !role.may(p))
                    && response.status == 403,
                "{role:?} {method} {path}: {} {}",
                response.status,
                response.location()
            );
        }
        assert_eq!(
            refusals(&app, &outsider).await,
            refused,
            "{role:?}: every attempt audited"
        );
        assert!(refused > 0);
        let shared = browser.get("/shared").await;
        assert!(
            !shared.body.contains(&ids.share),
            "{role:?}: the share that started it"
        );
        let list = browser.get("/cases").await;
        assert!(list.body.contains("Begrenset tilgang"));
        assert!(!list.body.contains("Hemmeligsen"));
        // No name finds it: not even the row «Begrenset tilgang».
        let search = browser.post("/cases", &[("name", "Hemmeligsen")]).await;
        assert!(search.body.contains("Ingen saker passer"), "{role:?}");
        let short = browser.post("/cases", &[("name", "Sk")]).await;
        assert!(
            !short.body.contains("Begrenset tilgang"),
            "{role:?}: a short name neither"
        );
        let dashboard = browser.get("/").await;
        assert!(!dashboard.body.contains("Hemmeligsen"));
        // Nor are the restricted cases' flags counted: their kinds tell.
        let shown: i64 = dashboard
            .texts(".flag-counts strong")
            .iter()
            .map(|n| n.parse::<i64>().unwrap())
            .sum();
        let open_elsewhere: i64 = sqlx::query_scalar(
            "SELECT count(*) FROM review_flags f JOIN cases c ON c.id = f.case_id
             WHERE f.resolved_at IS NULL AND c.restricted_to IS NULL",
        )
        .fetch_one(&app.db)
        .await
        .unwrap();
        assert!(open_elsewhere > 0);
        assert_eq!(shown, open_elsewhere, "{role:?}");
        if role == Role::Coordinator {
            let reviews = browser.get("/reviews").await;
            assert_eq!(reviews.status, 200);
            assert!(!reviews.body.contains("Hemmeligsen"));
            assert!(!reviews.body.contains(&format!("/reviews/{}", ids.review)));
        }
    }
    // Nothing the refused requests sent was saved.
    let after: i32 = sqlx::query_scalar("SELECT lock_version FROM cases WHERE id::text = $1")
        .bind(&ids.case)
        .fetch_one(&app.db)
        .await
        .unwrap();
    assert_eq!(after, case_version);
    assert_eq!(
        app.count("mappings").await + app.count("plans").await,
        rows_before
    );
    assert_eq!(
        app.count("cases WHERE restricted_to IS NOT NULL").await,
        2,
        "no outsider lifted the restriction"
    );
    let restricted_flags = app
        .count(
            "review_flags f JOIN cases c ON c.id = f.case_id
             WHERE f.resolved_at IS NULL AND c.restricted_to IS NOT NULL",
        )
        .await;
    assert!(
        restricted_flags > 0,
        "the seed flags the restricted cases too"
    );
    let named_dashboard = coordinators.get("/").await;
    let named_shown: i64 = named_dashboard
        .texts(".flag-counts strong")
        .iter()
        .map(|n| n.parse::<i64>().unwrap())
        .sum();
    assert_eq!(
        named_shown,
        app.count("review_flags WHERE resolved_at IS NULL").await
    );
    // The named coordinator still reviews the plan.
    let review = coordinators.get(&format!("/reviews/{}", ids.review)).await;
    assert_eq!(review.status, 200);
    assert!(review.body.contains("Hemmeligsen"));
}

#[tokio::test]
async fn restricting_asks_for_the_contact_people_and_a_coordinator_and_keeps_the_choice() {
    let app = spawn_app().await;
    let centre = app.centre("Senteret").await;
    let other = app.centre("Et annet senter").await;
    let coordinator = app
        .user_named(&centre, Role::Coordinator, "Kari Koordinator")
        .await;
    let contact = app
        .user_named(&centre, Role::Staff, "Kontakt Kontaktsen")
        .await;
    let colleague = app
        .user_named(&centre, Role::Staff, "Kollega Kollegasen")
        .await;
    let stranger = app.user(&other, Role::Coordinator).await;
    let mut staff = app.signed_in(&contact).await;
    let case = crate::cases::new_case(&mut staff, &contact, "Beboer Beboersen").await;
    let path = format!("/cases/{case}/restriction");
    let mut browser = app.signed_in(&coordinator).await;

    let form = browser.get(&path).await;
    assert_eq!(form.status, 200);
    assert!(!form.body.contains("id=\"taking-over\""));
    // A new restriction starts from the one restricting and the contact.
    assert!(form.is_checked("scope", "all"));
    assert!(form.is_checked("staff", &coordinator.id.to_string()));
    assert!(form.is_checked("staff", &contact.id.to_string()));
    assert!(!form.is_checked("staff", &colleague.id.to_string()));
    let version = form.input_value("lock_version").unwrap();
    let post = |staff: &[Uuid], version: &str| {
        let mut fields = vec![
            ("scope".to_owned(), "named".to_owned()),
            ("lock_version".to_owned(), version.to_owned()),
        ];
        fields.extend(staff.iter().map(|id| ("staff".to_owned(), id.to_string())));
        fields
    };

    // Without the contact person: refused, named, and the ticks kept.
    let missing = browser
        .post_fields(&path, &post(&[coordinator.id, colleague.id], &version))
        .await;
    assert_eq!(missing.status, 422);
    assert!(
        missing
            .text("#staff-error")
            .unwrap()
            .contains("Kontakt Kontaktsen")
    );
    assert!(missing.is_checked("scope", "named"));
    assert!(missing.is_checked("staff", &colleague.id.to_string()));
    assert!(!missing.is_checked("staff", &contact.id.to_string()));
    // Without a coordinator, nobody could change it later.
    let no_coordinator = browser
        .post_fields(&path, &post(&[contact.id], &version))
        .await;
    assert_eq!(no_coordinator.status, 422);
    assert!(
        no_coordinator
            .text("#staff-error")
            .unwrap()
            .contains("koordinator")
    );
    // Another centre's account, or no account, is not kept.
    let hostile = browser
        .post_fields(
            &path,
            &post(
                &[coordinator.id, contact.id, stranger.id, Uuid::new_v4()],
                &version,
            ),
        )
        .await;
    assert_eq!(
        hostile.location(),
        format!("/cases/{case}?melding=sak-skjermet")
    );
    let stored: Vec<Uuid> = sqlx::query_scalar(
        "SELECT unnest(restricted_to) FROM cases WHERE id::text = $1 ORDER BY 1",
    )
    .bind(&case)
    .fetch_all(&app.db)
    .await
    .unwrap();
    let mut expected = vec![coordinator.id, contact.id];
    expected.sort();
    assert_eq!(stored, expected);
    let mut granted: Vec<Uuid> = sqlx::query_scalar(
        "SELECT subject_account_id FROM audit_events WHERE kind = 'case_access_granted'",
    )
    .fetch_all(&app.db)
    .await
    .unwrap();
    granted.sort();
    assert_eq!(granted, expected, "each one given access is audited");
    assert_eq!(
        app.count("audit_events WHERE kind = 'case_restricted'")
            .await,
        1
    );

    // A form of before: 409, the list as saved ticked, this user's choice
    // named beside it.
    let stale = browser
        .post_fields(
            &path,
            &post(&[coordinator.id, contact.id, colleague.id], &version),
        )
        .await;
    assert_eq!(stale.status, 409);
    assert!(stale.body.contains("Noen andre har lagret saken"));
    assert!(
        stale
            .body
            .contains("Nå kan disse åpne saken: Kari Koordinator og Kontakt Kontaktsen."),
        "who may open it now, as saved"
    );
    assert!(
        stale.body.contains(
            "Du hadde valgt: Kari Koordinator, Kollega Kollegasen og Kontakt Kontaktsen."
        )
    );
    assert!(!stale.is_checked("staff", &colleague.id.to_string()));
    assert!(stale.is_checked("staff", &contact.id.to_string()));
    // A scope the form never offers changes nothing.
    let unknown = browser
        .post_fields(
            &path,
            &[
                ("scope".to_owned(), "nobody".to_owned()),
                (
                    "lock_version".to_owned(),
                    stale.input_value("lock_version").unwrap(),
                ),
            ],
        )
        .await;
    assert_eq!(unknown.status, 422);
    assert!(unknown.text("#scope-error").is_some());
    assert_eq!(app.count("cases WHERE restricted_to IS NOT NULL").await, 1);

    // The contact person can be changed only to someone on the list.
    let mut contacts_browser = staff;
    let edit = contacts_browser.get(&format!("/cases/{case}/edit")).await;
    assert!(!edit.body.contains(&colleague.id.to_string()));
    let colleague_id = colleague.id.to_string();
    let fields =
        crate::helpers::form_fields(&edit, "case-form", &[("contact_person_id", &colleague_id)]);
    let refused = contacts_browser
        .post_fields(&format!("/cases/{case}/edit"), &fields)
        .await;
    assert_eq!(refused.status, 422);

    // Nor may a child added to it get a contact person off the list.
    contacts_browser.get(&format!("/cases/{case}")).await;
    let child = contacts_browser
        .post(
            &format!("/cases/{case}/children"),
            &[
                ("child_name", "Lille Beboersen"),
                ("child_birth_date", "01.01.2018"),
                ("child_contact_person_id", &colleague.id.to_string()),
            ],
        )
        .await;
    assert_eq!(child.status, 422);
    assert!(
        child.body.contains("Lille Beboersen"),
        "what was typed stays"
    );
    assert_eq!(app.count("persons WHERE name = 'Lille Beboersen'").await, 0);

    // Lifting it: everyone at the centre may open the case again.
    let form = browser.get(&path).await;
    assert!(form.is_checked("scope", "named"));
    let version = form.input_value("lock_version").unwrap();
    let lifted = browser
        .post(&path, &[("scope", "all"), ("lock_version", &version)])
        .await;
    assert_eq!(
        lifted.location(),
        format!("/cases/{case}?melding=skjerming-opphevet")
    );
    assert_eq!(app.count("cases WHERE restricted_to IS NOT NULL").await, 0);
    assert_eq!(
        app.count("audit_events WHERE kind = 'case_restriction_lifted'")
            .await,
        1
    );
    assert_eq!(
        app.count("audit_events WHERE kind = 'case_access_revoked'")
            .await,
        0,
        "lifting widens access: nobody lost it"
    );
    let mut colleagues = app.signed_in(&colleague).await;
    assert_eq!(colleagues.get(&format!("/cases/{case}")).await.status, 200);

    // A coordinator may leave themselves off the list: then they are out.
    let form = browser.get(&path).await;
    let version = form.input_value("lock_version").unwrap();
    let second = app.user(&centre, Role::Coordinator).await;
    let without_me = browser
        .post_fields(&path, &post(&[contact.id, second.id], &version))
        .await;
    assert_eq!(without_me.location(), "/cases?melding=skjermet-uten-deg");
    assert_eq!(browser.get(&format!("/cases/{case}")).await.status, 403);
}

#[tokio::test]
async fn a_deactivated_account_leaves_every_list_and_a_coordinator_takes_over_a_list_left_without_one()
 {
    let app = spawn_app().await;
    let centre = app.centre("Senteret").await;
    let admin = app.user(&centre, Role::Admin).await;
    let first = app
        .user_named(&centre, Role::Coordinator, "Første Koordinator")
        .await;
    let second = app
        .user_named(&centre, Role::Coordinator, "Andre Koordinator")
        .await;
    let contact = app.user(&centre, Role::Staff).await;
    let outsider = app.user(&centre, Role::Staff).await;
    let mut staff = app.signed_in(&contact).await;
    let case = crate::cases::new_case(&mut staff, &contact, "Beboer Beboersen").await;
    let mut coordinator = app.signed_in(&first).await;
    restrict(&app, &mut coordinator, &case, &[first.id]).await;

    // The only coordinator on the list leaves: deactivated at once, off
    // the list, audited on the case.
    let mut admins = app.signed_in(&admin).await;
    admins.get(&format!("/admin/users/{}", first.id)).await;
    let deactivated = admins
        .post(&format!("/admin/users/{}/deactivate", first.id), &[])
        .await;
    assert_eq!(deactivated.status, 303, "{}", deactivated.body);
    let on_list: bool =
        sqlx::query_scalar("SELECT $1 = ANY(restricted_to) FROM cases WHERE id::text = $2")
            .bind(first.id)
            .bind(&case)
            .fetch_one(&app.db)
            .await
            .unwrap();
    assert!(!on_list);
    let revoked: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM audit_events WHERE kind = 'case_access_revoked'
           AND subject_account_id = $1 AND case_id::text = $2 AND detail = 'deactivated'",
    )
    .bind(first.id)
    .bind(&case)
    .fetch_one(&app.db)
    .await
    .unwrap();
    assert_eq!(revoked, 1);

    // The case stays restricted. Nobody on the list may change it, so a
    // coordinator of the centre is offered its form, and only that.
    let mut seconds = app.signed_in(&second).await;
    let refused = seconds.get(&format!("/cases/{case}")).await;
    assert_eq!(refused.status, 403);
    assert!(!refused.body.contains("Beboersen"));
    assert!(refused.body.contains(&format!("/cases/{case}/restriction")));
    assert_eq!(
        seconds.get(&format!("/cases/{case}/edit")).await.status,
        403
    );
    let mut outsiders = app.signed_in(&outsider).await;
    let staff_refused = outsiders.get(&format!("/cases/{case}")).await;
    assert!(
        !staff_refused.body.contains("/restriction"),
        "staff take nothing over"
    );
    // Everyone refused is told; the coordinator's form says what is happening.
    assert!(
        staff_refused
            .body
            .contains("Ingen koordinator har tilgang til saken nå")
    );
    assert!(
        staff_refused
            .body
            .contains("Be en koordinator prøve å åpne saken")
    );
    let form = seconds.get(&format!("/cases/{case}/restriction")).await;
    assert!(form.body.contains("id=\"taking-over\""));
    // `restrict` reads the form (asserting 200) and ticks the contact too.
    let taken = restrict(&app, &mut seconds, &case, &[second.id]).await;
    assert_eq!(
        taken.location(),
        format!("/cases/{case}?melding=sak-skjermet")
    );
    assert_eq!(
        app.count("audit_events WHERE kind = 'case_restriction_taken_over'")
            .await,
        1
    );
    assert_eq!(seconds.get(&format!("/cases/{case}")).await.status, 200);
    // With a coordinator on the list again, no other may take it over.
    let third = app.user(&centre, Role::Coordinator).await;
    let mut thirds = app.signed_in(&third).await;
    assert_eq!(
        thirds
            .get(&format!("/cases/{case}/restriction"))
            .await
            .status,
        403
    );

    // Reactivated, the first gets no access back by itself.
    admins.get(&format!("/admin/users/{}", first.id)).await;
    admins
        .post(&format!("/admin/users/{}/reactivate", first.id), &[])
        .await;
    let mut again = app.signed_in(&first).await;
    assert_eq!(again.get(&format!("/cases/{case}")).await.status, 403);
}

#[tokio::test]
async fn a_form_kept_across_an_expired_session_is_not_shown_to_one_taken_off_the_list() {
    let app = spawn_app().await;
    let centre = app.centre("Senteret").await;
    let coordinator = app.user(&centre, Role::Coordinator).await;
    let writer = app.user(&centre, Role::Staff).await;
    let mut staff = app.signed_in(&writer).await;
    let case = crate::cases::new_case(&mut staff, &writer, "Beboer Beboersen").await;
    let mut coordinators = app.signed_in(&coordinator).await;
    restrict(&app, &mut coordinators, &case, &[coordinator.id]).await;

    // The writer edits the case; the session runs out before the save.
    let edit = staff.get(&format!("/cases/{case}/edit")).await;
    let fields = crate::helpers::form_fields(&edit, "case-form", &[("note", "Skrevet i økta")]);
    app.age_session(&staff, 45, 60).await;
    let post = staff
        .post_fields(&format!("/cases/{case}/edit"), &fields)
        .await;
    assert_eq!(post.location(), "/login");
    assert_eq!(app.count("pending_submissions").await, 1);

    // Meanwhile the writer becomes the contact person no longer, and is
    // taken off the list.
    sqlx::query("UPDATE cases SET contact_person_id = $1 WHERE id::text = $2")
        .bind(coordinator.id)
        .bind(&case)
        .execute(&app.db)
        .await
        .unwrap();
    sqlx::query("UPDATE persons SET contact_person_id = $1 WHERE case_id::text = $2")
        .bind(coordinator.id)
        .bind(&case)
        .execute(&app.db)
        .await
        .unwrap();
    // The contact people are the coordinator now: the list is theirs alone.
    let narrowed = restrict(&app, &mut coordinators, &case, &[coordinator.id]).await;
    assert_eq!(narrowed.status, 303, "{}", narrowed.body);

    staff.get("/login").await;
    staff
        .post(
            "/login",
            &[("email", &writer.email), ("password", &writer.password)],
        )
        .await;
    let login = app.enter_code(&mut staff, &writer).await;
    assert_eq!(login.location(), "/resume");
    let resume = staff.get("/resume").await;
    assert_eq!(resume.location(), "/?melding=skjema-skjermet");
    assert_eq!(app.count("pending_submissions").await, 0);
    let home = staff.get(resume.location()).await;
    assert!(
        home.body
            .contains("ikke lenger tilgang til saken du skrev i")
    );
    assert!(!home.body.contains("Skrevet i økta"));
}
