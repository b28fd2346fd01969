//! An administrator manages the accounts of their own centre, and only those
//! (U3, U5); other roles get 403 there.

use trygg::accounts::Role;

use crate::helpers::{PASSWORD, spawn_app};

#[tokio::test]
async fn admin_lists_only_the_accounts_of_their_own_centre() {
    let app = spawn_app().await;
    let a = app.centre("Senter A").await;
    let b = app.centre("Senter B").await;
    let admin = app.user_named(&a, Role::Admin, "Anne Admin").await;
    let colleague = app
        .user_named(&a, Role::Coordinator, "Kåre Koordinator")
        .await;
    let stranger = app.user_named(&b, Role::Staff, "Berit Fremmed").await;

    let mut browser = app.signed_in(&admin).await;
    let list = browser.get("/admin/users").await;
    assert_eq!(list.status, 200);
    assert!(list.body.contains("Kåre Koordinator"));
    assert!(list.body.contains(&colleague.email));
    assert!(list.body.contains("Koordinator"));
    assert!(list.body.contains("Aktiv"));
    assert!(
        list.body
            .contains(&format!("/admin/users/{}", colleague.id))
    );
    assert!(!list.body.contains("Berit Fremmed"));
    assert!(!list.body.contains(&stranger.email));
}

#[tokio::test]
async fn admin_creates_an_account_with_a_temporary_password_shown_once() {
    let app = spawn_app().await;
    let centre = app.centre("A").await;
    let admin = app.user(&centre, Role::Admin).await;
    let mut browser = app.signed_in(&admin).await;
    browser.get("/admin/users/new").await;

    let created = browser
        .post(
            "/admin/users/new",
            &[
                ("full_name", "Nina Ny"),
                ("email", "Nina.Ny@Test.Example"),
                ("role", "coordinator"),
            ],
        )
        .await;
    assert_eq!(created.status, 201);
    let temporary = created
        .text("#temporary-password code")
        .expect("the temporary password");
    assert_eq!(temporary.len(), 19, "four groups of four: {temporary}");

    let mut newcomer = app.browser();
    let login = newcomer.login("nina.ny@test.example", &temporary).await;
    assert_eq!(
        login.location(),
        "/login/enrol",
        "a coordinator sets up the second factor first"
    );
    let (_, enrolled) = app.enrol(&mut newcomer, "/login/enrol").await;
    assert_eq!(enrolled.status, 200);
    assert_eq!(enrolled.count("ol.recovery-codes li"), 10);
    assert_eq!(
        enrolled.attr("a.ds-button", "href").as_deref(),
        Some("/account/password"),
        "then chooses own password"
    );
    assert_eq!(newcomer.get("/").await.location(), "/account/password");
    let (role, centre_id): (String, uuid::Uuid) =
        sqlx::query_as("SELECT role, centre_id FROM accounts WHERE email = 'nina.ny@test.example'")
            .fetch_one(&app.db)
            .await
            .unwrap();
    assert_eq!((role.as_str(), centre_id), ("coordinator", centre.id));
}

#[tokio::test]
async fn account_form_errors_keep_every_value() {
    let app = spawn_app().await;
    let centre = app.centre("A").await;
    let admin = app.user(&centre, Role::Admin).await;
    let taken = app.user(&centre, Role::Staff).await;
    let mut browser = app.signed_in(&admin).await;
    browser.get("/admin/users/new").await;

    let bad = browser
        .post(
            "/admin/users/new",
            &[
                ("full_name", "  "),
                ("email", "ikke epost"),
                ("role", "sjef"),
            ],
        )
        .await;
    assert_eq!(bad.status, 422);
    assert!(bad.body.contains("Skjemaet har feil"));
    for id in ["full_name-error", "email-error", "role-error"] {
        assert!(bad.body.contains(&format!(r#"id="{id}""#)), "{id}");
    }
    assert_eq!(bad.input_value("email").as_deref(), Some("ikke epost"));

    let long_name = "Å".repeat(201);
    let too_long = browser
        .post(
            "/admin/users/new",
            &[
                ("full_name", &long_name),
                ("email", "ok@test.example"),
                ("role", "staff"),
            ],
        )
        .await;
    assert_eq!(too_long.status, 422);
    assert!(
        too_long
            .body
            .contains("Teksten er for lang: 201 tegn, høyst 200 er tillatt.")
    );
    assert!(too_long.body.contains(&long_name), "never cut silently");

    let duplicate = browser
        .post(
            "/admin/users/new",
            &[
                ("full_name", "Dobbel"),
                ("email", &taken.email),
                ("role", "admin"),
            ],
        )
        .await;
    assert_eq!(duplicate.status, 422);
    assert!(duplicate.body.contains("finnes allerede en konto"));
    assert_eq!(
        duplicate.input_value("full_name").as_deref(),
        Some("Dobbel")
    );
    assert!(
        duplicate.is_checked("role", "admin"),
        "the chosen role is kept"
    );
}

#[tokio::test]
async fn admin_changes_role_and_it_is_audited() {
    let app = spawn_app().await;
    let centre = app.centre("A").await;
    let admin = app.user(&centre, Role::Admin).await;
    let staff = app.user(&centre, Role::Staff).await;
    let mut browser = app.signed_in(&admin).await;
    browser.get(&format!("/admin/users/{}", staff.id)).await;
    let response = browser
        .post(
            &format!("/admin/users/{}/role", staff.id),
            &[("role", "coordinator")],
        )
        .await;
    assert_eq!(
        response.location(),
        format!("/admin/users/{}?melding=rolle-endret", staff.id)
    );
    let page = browser.get(response.location()).await;
    assert!(page.body.contains("Rollen er endret."));
    assert!(page.is_checked("role", "coordinator"));

    let detail: String =
        sqlx::query_scalar("SELECT detail FROM audit_events WHERE kind = 'role_changed'")
            .fetch_one(&app.db)
            .await
            .unwrap();
    assert_eq!(detail, "staff → coordinator");

    let invalid = browser
        .post(
            &format!("/admin/users/{}/role", staff.id),
            &[("role", "superuser")],
        )
        .await;
    assert_eq!(invalid.status, 422);
}

#[tokio::test]
async fn deactivation_ends_the_accounts_sessions_at_once() {
    let app = spawn_app().await;
    let centre = app.centre("A").await;
    let admin = app.user(&centre, Role::Admin).await;
    let staff = app.user(&centre, Role::Staff).await;
    let mut staff_browser = app.signed_in(&staff).await;
    assert_eq!(staff_browser.get("/").await.status, 200);

    let mut browser = app.signed_in(&admin).await;
    browser.get(&format!("/admin/users/{}", staff.id)).await;
    let response = browser
        .post(&format!("/admin/users/{}/deactivate", staff.id), &[])
        .await;
    assert_eq!(response.status, 303);

    assert_eq!(
        staff_browser.get("/").await.location(),
        "/login",
        "signed out at once"
    );
    assert_eq!(
        app.browser().login(&staff.email, PASSWORD).await.status,
        401
    );

    browser.get(&format!("/admin/users/{}", staff.id)).await;
    let reactivated = browser
        .post(&format!("/admin/users/{}/reactivate", staff.id), &[])
        .await;
    assert_eq!(reactivated.status, 303);
    assert_eq!(
        app.browser().login(&staff.email, PASSWORD).await.status,
        303
    );
    let kinds = app.audit_kinds_for(staff.id).await;
    assert!(kinds.contains(&"account_deactivated".to_owned()));
    assert!(kinds.contains(&"account_reactivated".to_owned()));
}

#[tokio::test]
async fn password_reset_gives_a_temporary_password_and_signs_the_user_out() {
    let app = spawn_app().await;
    let centre = app.centre("A").await;
    let admin = app.user(&centre, Role::Admin).await;
    let staff = app.user(&centre, Role::Staff).await;
    let mut staff_browser = app.signed_in(&staff).await;

    let mut browser = app.signed_in(&admin).await;
    browser.get(&format!("/admin/users/{}", staff.id)).await;
    let reset = browser
        .post(&format!("/admin/users/{}/password", staff.id), &[])
        .await;
    assert_eq!(reset.status, 200);
    let temporary = reset
        .text("#temporary-password code")
        .expect("the temporary password");

    assert_eq!(staff_browser.get("/").await.location(), "/login");
    assert_eq!(
        app.browser().login(&staff.email, PASSWORD).await.status,
        401,
        "old password gone"
    );
    let mut again = app.browser();
    assert_eq!(
        again.login(&staff.email, &temporary).await.location(),
        "/login/code",
        "the second factor still holds"
    );
    assert_eq!(
        app.enter_code(&mut again, &staff).await.location(),
        "/account/password"
    );
}

#[tokio::test]
async fn admin_cannot_demote_or_deactivate_themselves() {
    let app = spawn_app().await;
    let centre = app.centre("A").await;
    let admin = app.user(&centre, Role::Admin).await;
    let mut browser = app.signed_in(&admin).await;
    let own = browser.get(&format!("/admin/users/{}", admin.id)).await;
    assert!(own.body.contains("Dette er din egen konto"));
    let demote = browser
        .post(
            &format!("/admin/users/{}/role", admin.id),
            &[("role", "staff")],
        )
        .await;
    assert_eq!(demote.status, 422);
    let deactivate = browser
        .post(&format!("/admin/users/{}/deactivate", admin.id), &[])
        .await;
    assert_eq!(deactivate.status, 422);
    assert!(
        deactivate
            .body
            .contains("Du kan ikke endre rollen din, deaktivere deg selv")
    );
    let reset = browser
        .post(&format!("/admin/users/{}/password", admin.id), &[])
        .await;
    assert_eq!(
        reset.status, 422,
        "own password is changed under Bytt passord"
    );
    let (role, active, must_change) = app.account_state(admin.id).await;
    assert_eq!((role.as_str(), active, must_change), ("admin", true, false));
}

#[tokio::test]
async fn staff_and_coordinators_get_403_on_every_admin_route() {
    let app = spawn_app().await;
    let centre = app.centre("A").await;
    let admin = app.user(&centre, Role::Admin).await;
    for role in [Role::Staff, Role::Coordinator] {
        let user = app.user(&centre, role).await;
        let mut browser = app.signed_in(&user).await;
        browser.get("/").await;
        for path in [
            "/admin/users".to_owned(),
            "/admin/users/new".to_owned(),
            format!("/admin/users/{}", admin.id),
            "/admin/audit".to_owned(),
            "/admin/centre".to_owned(),
        ] {
            assert_eq!(browser.get(&path).await.status, 403, "{role:?} GET {path}");
        }
        for path in [
            "/admin/users/new".to_owned(),
            format!("/admin/users/{}/role", admin.id),
            format!("/admin/users/{}/deactivate", admin.id),
            format!("/admin/users/{}/reactivate", admin.id),
            format!("/admin/users/{}/password", admin.id),
            "/admin/centre".to_owned(),
        ] {
            let response = browser
                .post(
                    &path,
                    &[
                        ("role", "staff"),
                        ("full_name", "X"),
                        ("email", "x@test.example"),
                        ("shielded_address", "on"),
                    ],
                )
                .await;
            assert_eq!(response.status, 403, "{role:?} POST {path}");
        }
    }
    let accounts = app.count("accounts").await;
    assert_eq!(accounts, 3);
    assert_eq!(app.count("centres WHERE has_shielded_address").await, 0);
}

#[tokio::test]
async fn admin_sets_whether_the_centre_has_a_shielded_address_and_it_is_audited() {
    // P8: "set on the centre", by its administrator, for that centre only.
    let app = spawn_app().await;
    let centre = app.centre("A").await;
    let other = app.centre("B").await;
    let admin = app.user(&centre, Role::Admin).await;
    let mut browser = app.signed_in(&admin).await;
    let page = browser.get("/admin/centre").await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("Senteret har skjermet adresse"));
    assert!(!page.is_checked("shielded_address", "on"));

    let saved = browser
        .post(
            "/admin/centre",
            &[("shielded_address", "on"), ("staff_second_factor", "on")],
        )
        .await;
    assert_eq!(saved.location(), "/admin/centre?melding=senter-lagret");
    let page = browser.get(saved.location()).await;
    assert!(page.body.contains("Innstillingene for senteret er lagret."));
    assert!(page.is_checked("shielded_address", "on"));
    let shielded = |id| {
        sqlx::query_scalar::<_, bool>("SELECT has_shielded_address FROM centres WHERE id = $1")
            .bind(id)
            .fetch_one(&app.db)
    };
    assert!(shielded(centre.id).await.unwrap());
    assert!(!shielded(other.id).await.unwrap(), "only one's own centre");

    // Saved again unchanged: nothing to log. Unticked: off again.
    browser
        .post(
            "/admin/centre",
            &[("shielded_address", "on"), ("staff_second_factor", "on")],
        )
        .await;
    browser
        .post("/admin/centre", &[("staff_second_factor", "on")])
        .await;
    assert!(!shielded(centre.id).await.unwrap());
    let details: Vec<String> = sqlx::query_scalar(
        "SELECT detail FROM audit_events WHERE kind = 'centre_updated' AND centre_id = $1
         ORDER BY id",
    )
    .bind(centre.id)
    .fetch_all(&app.db)
    .await
    .unwrap();
    assert_eq!(
        details,
        ["skjermet adresse: nei → ja", "skjermet adresse: ja → nei"]
    );

    // Without the form's token nothing changes.
    let forged = browser
        .post_raw("/admin/centre", "shielded_address=on".into())
        .await;
    assert_eq!(forged.status, 403);
    assert!(!shielded(centre.id).await.unwrap());
}

#[tokio::test]
async fn admin_of_one_centre_gets_404_for_every_route_on_another_centres_account() {
    // U5: centres never see each other's records; a foreign id does not exist.
    let app = spawn_app().await;
    let a = app.centre("Senter A").await;
    let b = app.centre("Senter B").await;
    let admin_a = app.user(&a, Role::Admin).await;
    let staff_b = app.user_named(&b, Role::Staff, "Berit i B").await;
    let staff_b_browser_before = app.signed_in(&staff_b).await;

    let mut browser = app.signed_in(&admin_a).await;
    browser.get("/admin/users").await;
    let detail = browser.get(&format!("/admin/users/{}", staff_b.id)).await;
    assert_eq!(detail.status, 404);
    assert!(!detail.body.contains("Berit i B"));
    for action in [
        "role",
        "deactivate",
        "reactivate",
        "password",
        "second-factor/reset",
        "sessions/end",
    ] {
        let response = browser
            .post(
                &format!("/admin/users/{}/{action}", staff_b.id),
                &[("role", "admin")],
            )
            .await;
        assert_eq!(response.status, 404, "{action}");
        assert!(!response.body.contains("Berit i B"));
    }
    // Not a word of B in A's audit log, filtering by B's id included.
    let audit = browser
        .get(&format!("/admin/audit?user={}", staff_b.id))
        .await;
    assert!(!audit.body.contains("Berit i B"));

    let (role, active, must_change) = app.account_state(staff_b.id).await;
    assert_eq!((role.as_str(), active, must_change), ("staff", true, false));
    let mut still = staff_b_browser_before;
    assert_eq!(
        still.get("/").await.status,
        200,
        "B's session was not touched"
    );
}

#[tokio::test]
async fn ids_that_are_not_ids_get_404() {
    let app = spawn_app().await;
    let centre = app.centre("A").await;
    let admin = app.user(&centre, Role::Admin).await;
    let mut browser = app.signed_in(&admin).await;
    for path in [
        "/admin/users/123",
        "/admin/users/' OR 1=1 --",
        "/admin/users/00000000-0000-0000-0000-000000000000",
    ] {
        let encoded = path.replace(' ', "%20").replace('\'', "%27");
        assert_eq!(browser.get(&encoded).await.status, 404, "{path}");
    }
    browser.get("/admin/users").await;
    assert_eq!(
        browser
            .post("/admin/users/nope/role", &[("role", "admin")])
            .await
            .status,
        404
    );
}
