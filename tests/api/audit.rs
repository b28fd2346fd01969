//! The audit log: append-only, per centre, newest first, filterable, paged.

use trygg::accounts::Role;

use crate::helpers::spawn_app;

#[tokio::test]
async fn audit_log_records_who_did_what_to_whom_and_from_where() {
    let app = spawn_app().await;
    let centre = app.centre("A").await;
    let admin = app.user_named(&centre, Role::Admin, "Anne Admin").await;
    let staff = app.user_named(&centre, Role::Staff, "Sara Ansatt").await;
    app.browser().login(&staff.email, "feil passord her").await;
    app.browser()
        .login("finnes.ikke@test.example", "feil passord her")
        .await;
    let mut browser = app.signed_in(&admin).await;
    browser.get(&format!("/admin/users/{}", staff.id)).await;
    browser
        .post(
            &format!("/admin/users/{}/role", staff.id),
            &[("role", "coordinator")],
        )
        .await;

    let log = browser.get("/admin/audit").await;
    assert_eq!(log.status, 200);
    assert!(log.body.contains("Mislykket innlogging"));
    assert!(log.body.contains("Rolle endret"));
    assert!(log.body.contains("Ansatt → Koordinator"), "roles in words");
    assert!(
        log.body.contains("Sara Ansatt"),
        "the failed login names the account tried"
    );
    assert!(log.body.contains("127.0.0.1"));
    assert!(
        !log.body.contains("finnes.ikke@test.example"),
        "a login with an unknown e-mail belongs to no centre"
    );
    let rows = log.texts("tbody tr");
    let row_of = |kind: &str| {
        rows.iter()
            .position(|row| row.contains(kind))
            .unwrap_or_else(|| panic!("no {kind} row in {rows:?}"))
    };
    let newest = row_of("Rolle endret");
    let older = row_of("Mislykket innlogging");
    assert!(newest < older, "newest first");
}

#[tokio::test]
async fn audit_log_filters_by_account_and_kind() {
    let app = spawn_app().await;
    let centre = app.centre("A").await;
    let admin = app.user_named(&centre, Role::Admin, "Anne Admin").await;
    let one = app.user_named(&centre, Role::Staff, "Ola En").await;
    let two = app.user_named(&centre, Role::Staff, "Per To").await;
    app.signed_in(&one).await;
    app.signed_in(&two).await;
    app.browser().login(&two.email, "feil passord her").await;
    let mut browser = app.signed_in(&admin).await;

    let by_user = browser.get(&format!("/admin/audit?user={}", one.id)).await;
    assert!(by_user.body.contains("Ola En"));
    assert!(!by_user.texts("td").iter().any(|td| td == "Per To"));

    let by_kind = browser.get("/admin/audit?kind=login_failed").await;
    assert!(by_kind.body.contains("Per To"));
    assert!(!by_kind.texts("td").iter().any(|td| td == "Innlogging"));

    let nonsense = browser
        .get("/admin/audit?user=nope&kind=nope&before=x")
        .await;
    assert_eq!(nonsense.status, 200, "unknown filters are ignored");
}

#[tokio::test]
async fn audit_log_pages_fifty_at_a_time() {
    let app = spawn_app().await;
    let centre = app.centre("A").await;
    let admin = app.user(&centre, Role::Admin).await;
    for _ in 0..60 {
        let event = trygg::audit::Event::from_cli(
            trygg::audit::AuditKind::AccountReactivated,
            centre.id,
            Some(admin.id),
        );
        event.record(&app.db).await.unwrap();
    }
    let mut browser = app.signed_in(&admin).await;
    let first = browser.get("/admin/audit").await;
    assert_eq!(first.count("tr"), 51, "header and 50 rows");
    let older = first
        .attr(r#"a[href^="/admin/audit?before="]"#, "href")
        .expect("a link to older events");
    let second = browser.get(&older).await;
    // 60 events + the sign-in (password accepted, login) = 62: 12 on the second page.
    assert_eq!(second.count("tr"), 13);
    assert!(!second.body.contains("/admin/audit?before="));
}

/// Issue 15: the web server's role may only add to the audit log. It owns
/// nothing, so it can neither give itself a right, nor switch a trigger off,
/// nor become the owner or the superuser.
#[tokio::test]
async fn the_servers_role_cannot_rewrite_the_audit_log_nor_give_itself_the_right() {
    let app = spawn_app().await;
    let centre = app.centre("A").await;
    let admin = app.user(&centre, Role::Admin).await;
    app.signed_in(&admin).await;
    let rewrites = [
        "UPDATE audit_events SET kind = 'logout'",
        "DELETE FROM audit_events",
        "TRUNCATE audit_events",
        "UPDATE audit_chain SET row_hash = ''",
        "DELETE FROM audit_chain",
        "TRUNCATE audit_chain",
        "INSERT INTO audit_chain (event_id, seq, row_hash) VALUES (0, 9223372036854775807, '')",
        "UPDATE audit_chain_head SET seq = 0",
        "DELETE FROM audit_chain_head",
        // Issue 17: an incident, and a perpetrator's saved version, are
        // written once.
        "UPDATE incidents SET description = ''",
        "DELETE FROM incidents",
        "TRUNCATE incidents",
        "UPDATE perpetrator_versions SET content = '{}'",
        "DELETE FROM perpetrator_versions",
    ];
    let attempts = [
        // A GRANT without the grant option gives nothing (PostgreSQL only
        // warns): the rewrites after it must still fail.
        "GRANT UPDATE, DELETE, TRUNCATE ON audit_events, audit_chain TO CURRENT_USER",
        "ALTER TABLE audit_events DISABLE TRIGGER USER",
        "ALTER TABLE audit_chain DISABLE TRIGGER ALL",
        "DROP TRIGGER audit_events_no_change ON audit_events",
        "ALTER TABLE audit_events OWNER TO CURRENT_USER",
        "CREATE OR REPLACE FUNCTION audit_events_append_only() RETURNS trigger \
         LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$",
        "CREATE TABLE shadow (id int)",
        "SET ROLE trygg_owner",
        "SET ROLE postgres",
        "SET session_replication_role = replica",
        "ALTER ROLE CURRENT_USER SUPERUSER",
    ];
    let mut conn = app.db.acquire().await.unwrap();
    for statement in attempts.iter().chain(&rewrites) {
        let result = sqlx::query(statement).execute(&mut *conn).await;
        if statement.starts_with("GRANT") {
            continue;
        }
        let error = result.expect_err(statement).to_string();
        assert!(
            error.contains("permission denied")
                || error.contains("must be owner")
                || error.contains("append-only")
                || error.contains("must be superuser")
                || error.contains("must be member"),
            "{statement}: {error}"
        );
    }
    assert_eq!(
        app.count("audit_events").await,
        2,
        "the sign-in's two events, still there"
    );
    assert!(matches!(
        trygg::audit::verify_chain(&app.db, None).await.unwrap(),
        trygg::audit::ChainCheck::Holds { rows: 2, .. }
    ));
}

/// Issue 15: the embedded cluster asks every role for its password; no
/// `trust` lets a local process in as the superuser or the owner.
#[tokio::test]
async fn the_embedded_cluster_lets_no_role_in_without_its_password() {
    let app = spawn_app().await;
    for role in ["postgres", "trygg_owner", "trygg"] {
        let error = crate::helpers::connect_without_password(role, &app.db_name)
            .await
            .expect_err(role)
            .to_string();
        assert!(
            error.contains("password"),
            "{role} without a password: {error}"
        );
    }
}

/// Starting the next version of a mapping or a plan is a change like any
/// other: audited once, when it happens, and not again while it is open.
#[tokio::test]
async fn starting_a_new_mapping_or_plan_version_is_audited_once() {
    let app = spawn_app().await;
    let centre = app.centre("A").await;
    let staff = app.user(&centre, Role::Staff).await;
    let mut browser = app.signed_in(&staff).await;
    let case = crate::cases::new_case(&mut browser, &staff, "Kari Eksempel").await;
    let page = browser.get(&format!("/cases/{case}")).await;
    let resident = &crate::cases::person_ids(&page.body, &case)[0];
    let mapping = format!("/cases/{case}/people/{resident}/mapping");
    for _ in 0..2 {
        let started = browser.post(&format!("{mapping}/draft"), &[]).await;
        assert_eq!(started.status, 303);
    }
    let kinds = app.audit_kinds_for(staff.id).await;
    let count = |kind: &str| kinds.iter().filter(|k| *k == kind).count();
    assert_eq!(count("mapping_started"), 1, "{kinds:?}");

    // Completed, the next draft is a new version: audited again.
    let form = browser.get(&format!("{mapping}/edit")).await;
    let fields = crate::helpers::form_fields(
        &form,
        "mapping-form",
        &[
            ("participants", "resident"),
            ("risk_0_answer", "no"),
            ("risk_1_answer", "no"),
            ("assessment", "low"),
            ("relocation", "no"),
            ("action", "complete"),
        ],
    );
    assert_eq!(
        browser
            .post_fields(&format!("{mapping}/edit"), &fields)
            .await
            .status,
        303
    );
    browser.post(&format!("{mapping}/draft"), &[]).await;
    let plan = format!("/cases/{case}/people/{resident}/plan");
    browser.post(&format!("{plan}/draft"), &[]).await;
    browser.post(&format!("{plan}/draft"), &[]).await;
    let kinds = app.audit_kinds_for(staff.id).await;
    let count = |kind: &str| kinds.iter().filter(|k| *k == kind).count();
    assert_eq!(count("mapping_started"), 2, "{kinds:?}");
    assert_eq!(count("mapping_completed"), 1, "{kinds:?}");
    assert_eq!(count("plan_started"), 1, "{kinds:?}");
}

/// The audit event is written in the transaction of the change it records:
/// when it cannot be written, the change does not happen either.
#[tokio::test]
async fn a_change_whose_audit_event_cannot_be_written_does_not_happen() {
    let app = spawn_app().await;
    let (staff, mut browser, mapping, form) = crate::mapping::resident_draft(&app).await;
    let cases_before = app.count("cases").await;
    let sessions_before = app.count("sessions").await;

    // The owner takes the server's right to write the audit log away.
    let mut superuser = crate::helpers::superuser_connection(&app.db_name).await;
    sqlx::query("REVOKE INSERT ON audit_events FROM trygg")
        .execute(&mut superuser)
        .await
        .unwrap();

    let fields = crate::helpers::form_fields(
        &form,
        "mapping-form",
        &[("violence", "Skal ikke lagres."), ("action", "save")],
    );
    let saved = browser
        .post_fields(&format!("{mapping}/edit"), &fields)
        .await;
    assert_eq!(saved.status, 500);
    let violence: String = sqlx::query_scalar("SELECT content->>'violence' FROM mappings")
        .fetch_one(&app.db)
        .await
        .unwrap();
    assert_eq!(violence, "", "the draft is as it was");

    browser.get("/cases/new").await;
    let created = browser
        .post(
            "/cases/new",
            &[
                ("resident_name", "Ingen Sak"),
                ("resident_birth_date", "14.03.1988"),
                ("arrival_date", "02.11.2026"),
                ("contact_person_id", &staff.id.to_string()),
            ],
        )
        .await;
    assert_eq!(created.status, 500);
    assert_eq!(app.count("cases").await, cases_before);

    let login = app.browser().login(&staff.email, &staff.password).await;
    assert_eq!(login.status, 500);
    assert_eq!(
        app.count("sessions").await,
        sessions_before,
        "no session, not even for the code step, without its audit event"
    );
}

/// The log says what happened, and only that: a role set to what it was, or
/// an account deactivated twice, records nothing the second time; a wrong
/// current password when changing it is a failed login like any other.
#[tokio::test]
async fn the_audit_log_records_changes_that_happened_and_failed_password_checks() {
    let app = spawn_app().await;
    let centre = app.centre("A").await;
    let admin = app.user(&centre, Role::Admin).await;
    let staff = app.user(&centre, Role::Staff).await;
    let mut browser = app.signed_in(&admin).await;
    browser.get(&format!("/admin/users/{}", staff.id)).await;
    for _ in 0..2 {
        let same = browser
            .post(
                &format!("/admin/users/{}/role", staff.id),
                &[("role", "staff")],
            )
            .await;
        assert_eq!(same.status, 303);
        let off = browser
            .post(&format!("/admin/users/{}/deactivate", staff.id), &[])
            .await;
        assert_eq!(off.status, 303);
    }
    let kinds = app.audit_kinds_for(staff.id).await;
    let count = |kind: &str| kinds.iter().filter(|k| *k == kind).count();
    assert_eq!(count("role_changed"), 0, "{kinds:?}");
    assert_eq!(count("account_deactivated"), 1, "{kinds:?}");

    let mut own = app.signed_in(&admin).await;
    own.get("/account/password").await;
    let wrong = own
        .post(
            "/account/password",
            &[
                ("current_password", "ikke mitt passord i det hele tatt"),
                ("new_password", "en helt ny og lang setning"),
                ("new_password_confirm", "en helt ny og lang setning"),
            ],
        )
        .await;
    assert_eq!(wrong.status, 422);
    let kinds = app.audit_kinds_for(admin.id).await;
    assert!(kinds.iter().any(|k| k == "login_failed"), "{kinds:?}");
}

/// Each row links to the one before it; a row changed behind the triggers,
/// as a superuser can, breaks the chain, and `trygg audit verify` names it.
#[tokio::test]
async fn the_audit_chain_holds_under_parallel_writes_and_names_a_forged_row() {
    use sqlx::Executor;
    let app = spawn_app().await;
    let centre = app.centre("A").await;
    let admin = app.user(&centre, Role::Admin).await;
    app.signed_in(&admin).await;
    // Many writers at once: the chain still has one order.
    let writers: Vec<_> = (0..20)
        .map(|_| {
            let db = app.db.clone();
            let centre = centre.id;
            tokio::spawn(async move {
                trygg::audit::Event::from_cli(trygg::audit::AuditKind::CentreUpdated, centre, None)
                    .record(&db)
                    .await
                    .unwrap();
            })
        })
        .collect();
    for writer in writers {
        writer.await.unwrap();
    }
    let dir = crate::cli::open_tempdir();
    let verify = || {
        let mut cmd = crate::cli::trygg(dir.path());
        cmd.envs(crate::helpers::database_env(&app.db_name))
            .args(["audit", "verify"]);
        cmd
    };
    let out = crate::cli::run(verify(), "").await;
    assert!(out.status.success(), "{}", crate::cli::text(&out.stderr));
    let rows = app.count("audit_events").await;
    let said = crate::cli::text(&out.stdout);
    assert!(said.contains(&format!("holds: {rows} event(s)")), "{said}");
    let last_link = said
        .split("the last link is ")
        .nth(1)
        .map(|rest| rest.trim().trim_end_matches('.').to_owned())
        .unwrap();
    let expecting = |link: &str| {
        let mut cmd = verify();
        cmd.args(["--expect", link]);
        cmd
    };
    assert!(
        crate::cli::run(expecting(&last_link), "")
            .await
            .status
            .success()
    );
    let rewritten = crate::cli::run(expecting("3:00ff"), "").await;
    assert!(!rewritten.status.success());
    assert!(crate::cli::text(&rewritten.stderr).contains("no longer in"));

    let forged: i64 =
        sqlx::query_scalar("SELECT event_id FROM audit_chain ORDER BY seq OFFSET 5 LIMIT 1")
            .fetch_one(&app.db)
            .await
            .unwrap();
    let mut superuser = crate::helpers::superuser_connection(&app.db_name).await;
    superuser
        .execute(
            format!(
                "ALTER TABLE audit_events DISABLE TRIGGER USER;
                 UPDATE audit_events SET detail = 'ingenting skjedde' WHERE id = {forged};
                 ALTER TABLE audit_events ENABLE TRIGGER USER;"
            )
            .as_str(),
        )
        .await
        .unwrap();
    let out = crate::cli::run(verify(), "").await;
    assert!(!out.status.success());
    assert!(
        crate::cli::text(&out.stderr).contains(&format!("event id {forged}")),
        "{}",
        crate::cli::text(&out.stderr)
    );
}

/// Issue 16: read events are written in batches, yet a page whose event
/// cannot be written is still refused, and the others in its batch are not.
#[tokio::test]
async fn a_page_whose_read_event_cannot_be_written_is_not_shown() {
    let app = spawn_app().await;
    let centre = app.centre("A").await;
    let staff = app.user(&centre, Role::Staff).await;
    let mut browser = app.signed_in(&staff).await;
    let case = crate::cases::new_case(&mut browser, &staff, "Ukjent Skjult").await;
    let page = browser.get(&format!("/cases/{case}")).await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("Ukjent Skjult"));

    // The case's own reads can no longer be logged: a check constraint
    // refuses events about it (added as the superuser, as a fault would).
    let mut superuser = crate::helpers::superuser_connection(&app.db_name).await;
    sqlx::query(&format!(
        "ALTER TABLE audit_events ADD CONSTRAINT refuse_one_case
             CHECK (case_id IS DISTINCT FROM '{case}') NOT VALID"
    ))
    .execute(&mut superuser)
    .await
    .unwrap();
    let other = crate::cases::new_case(&mut browser, &staff, "Annen Beboer").await;
    let (mut first, mut second) = (browser.same_session(), browser.same_session());
    let (refused_path, shown_path) = (format!("/cases/{case}"), format!("/cases/{other}"));
    let (refused, shown) = tokio::join!(first.get(&refused_path), second.get(&shown_path));
    assert!(refused.status >= 500, "{}", refused.status);
    assert!(!refused.body.contains("Ukjent Skjult"));
    assert_eq!(shown.status, 200, "another page's event is written");
    assert!(shown.body.contains("Annen Beboer"));
}
