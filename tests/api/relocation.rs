//! Relocation (§ 4 c, R1–R9, U5): opened from a mapping, decided only with
//! both written justifications and a destination, recorded as moved only
//! with the police at both ends, the consent decision, the children's part
//! and the digital checklist; what was consented, and nothing else, reaches
//! the destination, and no other centre.

use trygg::accounts::{Centre, Role};
use uuid::Uuid;

use crate::cases::{add_child, new_case, person_ids};
use crate::helpers::{Browser, Response, TestApp, TestUser, form_fields, spawn_app};

const NOTE: &str = "Kom med to barn.";

struct Setup {
    app: TestApp,
    a: Centre,
    b: Centre,
    c: Centre,
    staff: TestUser,
    browser: Browser,
    case_id: String,
    resident: String,
    child: String,
}

fn today() -> String {
    trygg::locale::date(trygg::locale::today())
}

/// Completes a mapping of `person`, answering whether relocation must be
/// considered with `relocation`.
async fn complete_mapping(
    browser: &mut Browser,
    case_id: &str,
    person: &str,
    child: bool,
    relocation: &str,
) {
    let base = format!("/cases/{case_id}/people/{person}/mapping");
    browser.post(&format!("{base}/draft"), &[]).await;
    let form = browser.get(&format!("{base}/edit")).await;
    let mut changes = vec![
        ("participants", if child { "child" } else { "resident" }),
        ("fear_0_text", "At han finner oss."),
        ("risk_0_answer", "yes"),
        ("risk_1_answer", "no"),
        ("assessment", "severe"),
        ("relocation", relocation),
        ("action", "complete"),
    ];
    if child {
        changes.push(("risk_2_answer", "no"));
    }
    let fields = form_fields(&form, "mapping-form", &changes);
    let done = browser.post_fields(&format!("{base}/edit"), &fields).await;
    assert_eq!(done.status, 303, "{}", done.body);
}

/// Centre A with a resident and a child, both mapped (the resident's
/// mapping says relocation must be considered); centres B and C in Trygg.
async fn setup() -> Setup {
    let app = spawn_app().await;
    let a = app.centre("Krisesenteret A").await;
    let b = app.centre("Krisesenteret B").await;
    let c = app.centre("Krisesenteret C").await;
    sqlx::query("UPDATE centres SET municipality = 'Bergen', region = 'Vest' WHERE id = $1")
        .bind(b.id)
        .execute(&app.db)
        .await
        .unwrap();
    let staff = app.user(&a, Role::Staff).await;
    let mut browser = app.signed_in(&staff).await;
    let case_id = new_case(&mut browser, &staff, "Kari Eksempelsen").await;
    add_child(&mut browser, &case_id, "Emil Eksempelsen", "01.02.2016").await;
    let page = browser.get(&format!("/cases/{case_id}")).await;
    let ids = person_ids(&page.body, &case_id);
    let (resident, child) = (ids[0].clone(), ids[1].clone());
    complete_mapping(&mut browser, &case_id, &resident, false, "yes").await;
    complete_mapping(&mut browser, &case_id, &child, true, "no").await;
    Setup {
        app,
        a,
        b,
        c,
        staff,
        browser,
        case_id,
        resident,
        child,
    }
}

impl Setup {
    /// Opens a relocation from the case page; returns its address.
    async fn open(&mut self) -> String {
        self.browser.get(&format!("/cases/{}", self.case_id)).await;
        let opened = self
            .browser
            .post(&format!("/cases/{}/relocations", self.case_id), &[])
            .await;
        assert_eq!(opened.status, 303, "{}", opened.body);
        opened.location().to_owned()
    }

    /// Posts the relocation form as shown, with `changes`, and `extra`
    /// fields added (a second value of a checkbox group).
    async fn send(
        &mut self,
        url: &str,
        changes: &[(&str, &str)],
        extra: &[(&str, &str)],
    ) -> Response {
        let form = self.browser.get(url).await;
        assert_eq!(form.status, 200, "{}", form.body);
        send_form(&mut self.browser, url, &form, changes, extra).await
    }

    async fn state(&self, url: &str) -> String {
        let id = url.rsplit('/').next().unwrap();
        sqlx::query_scalar("SELECT state FROM relocations WHERE id = $1::uuid")
            .bind(id)
            .fetch_one(&self.app.db)
            .await
            .unwrap()
    }

    /// What the move needs, for this setup's child.
    fn move_fields(&self) -> Vec<(String, String)> {
        let child = |name: &str| format!("child_{}_{name}", self.child);
        let mut fields: Vec<(String, String)> = [
            ("police_origin_on", today()),
            ("police_origin_district", "Oslo politidistrikt".into()),
            ("police_origin_whom", "Politibetjent Hansen".into()),
            ("police_origin_agreed", "Følger til toget.".into()),
            ("police_destination_on", today()),
            ("police_destination_district", "Vest politidistrikt".into()),
            (
                "police_destination_whom",
                "Familievoldskoordinator Berg".into(),
            ),
            (
                "police_destination_agreed",
                "Tar imot og vurderer voldsalarm.".into(),
            ),
            ("consent_decision", "given".into()),
            ("consent_informed_by", "Siri Prøvestad".into()),
            ("consent_informed_on", today()),
            ("consent_benefits", "on".into()),
            ("digital_on", today()),
            ("digital_note", "Ny telefon kjøpt.".into()),
            ("moved_on", today()),
            ("action", "move".into()),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v))
        .collect();
        fields.extend([
            (child("heard"), "on".to_owned()),
            (child("said"), "Vil ha med sykkelen.".to_owned()),
            (child("school"), "Ny skole; rektor kontaktes.".to_owned()),
        ]);
        fields
    }
}

/// A justified decision; the candidate's centre and the choice are added
/// by the caller.
fn decision() -> Vec<(&'static str, &'static str)> {
    vec![
        ("offer", "accepted"),
        ("police_origin_on", "01.11.2026"),
        ("police_origin_district", "Oslo politidistrikt"),
        ("police_origin_whom", "Politibetjent Hansen"),
        ("police_origin_agreed", "Vurderer stedet sammen med oss."),
        ("necessary", "Utøveren har funnet senteret."),
        (
            "appropriate",
            "Beboeren har familie i Bergen; barnet kan få skoleplass.",
        ),
        ("candidate_0_factor", "network"),
        ("candidate_0_for", "Langt fra utøverens nettverk."),
        ("action", "decide"),
    ]
}

const DIGITAL: [&str; 12] = [
    "location",
    "accounts",
    "logins",
    "phones",
    "trackers",
    "sim",
    "payments",
    "post",
    "social",
    "apps",
    "network",
    "children_devices",
];

/// Posts `form` as a browser would, with `changes`; a decision also picks
/// the first candidate row as the chosen one, for the centre named in it.
async fn send_form(
    browser: &mut Browser,
    url: &str,
    form: &Response,
    changes: &[(&str, &str)],
    extra: &[(&str, &str)],
) -> Response {
    let mut fields = form_fields(form, "relocation-form", changes);
    for (k, v) in extra {
        fields.push(((*k).to_owned(), (*v).to_owned()));
    }
    browser.post_fields(url, &fields).await
}

impl Setup {
    /// Decides for B: the first candidate is B, and it is chosen.
    async fn decide_for_b(&mut self, url: &str) {
        let form = self.browser.get(url).await;
        let candidate = form.input_value("candidate_0_id").unwrap();
        let b = self.b.id.to_string();
        let mut changes = decision();
        changes.push(("candidate_0_centre", &b));
        changes.push(("chosen", &candidate));
        let decided = send_form(&mut self.browser, url, &form, &changes, &[]).await;
        assert_eq!(decided.status, 303, "{}", decided.body);
        assert_eq!(self.state(url).await, "decided");
    }

    /// Records the move with `changes` to what the move needs.
    async fn record_move(
        &mut self,
        url: &str,
        changes: &[(&str, &str)],
        digital: &[&str],
    ) -> Response {
        let form = self.browser.get(url).await;
        let mut fields = form_fields(&form, "relocation-form", &[]);
        for (k, v) in self.move_fields() {
            fields.retain(|(name, _)| *name != k);
            fields.push((k, v));
        }
        for (k, v) in changes {
            fields.retain(|(name, _)| name != k);
            if !v.is_empty() {
                fields.push(((*k).to_owned(), (*v).to_owned()));
            }
        }
        fields.retain(|(name, _)| name != "digital");
        for d in digital {
            fields.push(("digital".to_owned(), (*d).to_owned()));
        }
        self.browser.post_fields(url, &fields).await
    }

    async fn share_id(&self) -> Option<String> {
        sqlx::query_scalar::<_, Uuid>(
            "SELECT s.id FROM relocation_shares s JOIN relocations r ON r.id = s.relocation_id
             WHERE r.case_id = $1::uuid",
        )
        .bind(&self.case_id)
        .fetch_optional(&self.app.db)
        .await
        .unwrap()
        .map(|id| id.to_string())
    }

    async fn browser_at(&self, centre: &Centre) -> Browser {
        let user = self.app.user(centre, Role::Staff).await;
        self.app.signed_in(&user).await
    }
}

#[tokio::test]
async fn r1_a_mapping_that_asks_for_relocation_opens_one_and_its_flag_resolves() {
    let mut s = setup().await;
    let flag = "SELECT count(*) FROM review_flags
                WHERE kind = 'relocation_to_consider' AND resolved_at IS NULL AND case_id = $1::uuid";
    let open_flags = |db: sqlx::PgPool, case: String| async move {
        sqlx::query_scalar::<_, i64>(flag)
            .bind(case)
            .fetch_one(&db)
            .await
            .unwrap()
    };
    assert_eq!(open_flags(s.app.db.clone(), s.case_id.clone()).await, 1);

    let mapping = s
        .browser
        .get(&format!(
            "/cases/{}/people/{}/mapping",
            s.case_id, s.resident
        ))
        .await;
    assert!(
        mapping
            .body
            .contains("flytting til et annet krisesenter må vurderes")
    );
    let basis = mapping
        .input_value("mapping")
        .expect("the mapping offers a relocation");
    assert_eq!(basis, format!("{}:1", s.resident));
    let opened = s
        .browser
        .post(
            &format!("/cases/{}/relocations", s.case_id),
            &[("mapping", &basis)],
        )
        .await;
    assert_eq!(opened.status, 303, "{}", opened.body);
    let url = opened.location().to_owned();
    let page = s.browser.get(&url).await;
    assert_eq!(page.status, 200);
    // It names the mapping, and the child moves along by default.
    assert!(page.is_checked("mapping", &basis));
    assert!(page.is_checked("child", &s.child));
    assert_eq!(open_flags(s.app.db.clone(), s.case_id.clone()).await, 0);

    // A second "open" shows the one under way instead of a second one.
    let again = s
        .browser
        .post(&format!("/cases/{}/relocations", s.case_id), &[])
        .await;
    assert_eq!(
        again.location(),
        format!("{url}?melding=relokalisering-pagar")
    );
    assert_eq!(s.app.count("relocations").await, 1);
    let case = s.browser.get(&format!("/cases/{}", s.case_id)).await;
    assert!(case.body.contains(&url), "the case page links to it");
}

#[tokio::test]
async fn r3_a_relocation_is_decided_only_with_both_justifications_and_a_destination() {
    let mut s = setup().await;
    let url = s.open().await;
    let refused = s
        .send(
            &url,
            &[
                ("necessary", "Utøveren har funnet senteret."),
                ("action", "decide"),
            ],
            &[],
        )
        .await;
    assert_eq!(refused.status, 422);
    assert!(
        refused
            .body
            .contains("Begrunn hvorfor flytting er hensiktsmessig"),
        "{}",
        refused.body
    );
    assert!(refused.body.contains("Vurder minst ett krisesenter"));
    // R1: an offer the resident accepted, with the police in the choice.
    assert!(refused.body.contains("beboeren må ha takket ja"));
    assert!(
        refused
            .body
            .contains("registrer kontakten med politiet der krisesenteret ligger")
    );
    // What was typed comes back.
    assert_eq!(
        refused.text("#necessary").unwrap(),
        "Utøveren har funnet senteret."
    );
    assert_eq!(s.state(&url).await, "assessing");

    // A candidate, but none chosen.
    let form = s.browser.get(&url).await;
    let b = s.b.id.to_string();
    let mut changes = decision();
    changes.push(("candidate_0_centre", &b));
    let refused = send_form(&mut s.browser, &url, &form, &changes, &[]).await;
    assert_eq!(refused.status, 422);
    assert!(
        refused
            .body
            .contains("Velg hvilket krisesenter beboeren skal flytte til")
    );
    assert_eq!(s.state(&url).await, "assessing");

    s.decide_for_b(&url).await;
    let (destination, name): (Option<Uuid>, String) = sqlx::query_as(
        "SELECT destination_centre_id, destination_name FROM relocations WHERE case_id = $1::uuid",
    )
    .bind(&s.case_id)
    .fetch_one(&s.app.db)
    .await
    .unwrap();
    assert_eq!(destination, Some(s.b.id));
    assert_eq!(name, "Krisesenteret B");
    // The decision is fixed: the justifications are no longer a form.
    let page = s.browser.get(&url).await;
    assert!(page.input_value("necessary").is_none() && page.text("#necessary").is_none());
    assert!(page.body.contains("Utøveren har funnet senteret."));
}

#[tokio::test]
async fn r2_a_candidate_must_be_a_centre_in_trygg_or_one_named_outside_it() {
    let mut s = setup().await;
    let url = s.open().await;
    for (bad, expected) in [
        (s.a.id.to_string(), "Velg et senter fra listen."),
        (Uuid::new_v4().to_string(), "Velg et senter fra listen."),
        ("ikke-en-id".to_owned(), "Velg et senter fra listen."),
        (
            "external".to_owned(),
            "Skriv navnet på senteret utenfor Trygg.",
        ),
    ] {
        let refused = s
            .send(
                &url,
                &[
                    ("candidate_0_centre", bad.as_str()),
                    ("candidate_0_for", "Nært familie."),
                    ("action", "save"),
                ],
                &[],
            )
            .await;
        assert_eq!(refused.status, 422, "{bad}");
        assert!(refused.body.contains(expected), "{bad}");
        assert_eq!(refused.text("#candidate_0_for").unwrap(), "Nært familie.");
    }
    let saved = s
        .send(
            &url,
            &[
                ("candidate_0_centre", "external"),
                ("candidate_0_external", "Krisesenteret i Tromsø"),
                ("action", "save"),
            ],
            &[],
        )
        .await;
    assert_eq!(saved.status, 303, "{}", saved.body);
    let page = s.browser.get(&url).await;
    assert_eq!(
        page.input_value("candidate_0_external").unwrap(),
        "Krisesenteret i Tromsø"
    );
    // The centre offered shows where it lies.
    assert!(page.body.contains("Krisesenteret B (Bergen, Vest)"));
}

#[tokio::test]
async fn r4_r7_r9_the_move_is_refused_without_police_at_both_ends_the_children_or_the_checklist() {
    let mut s = setup().await;
    let url = s.open().await;
    s.decide_for_b(&url).await;

    let refused = s
        .record_move(
            &url,
            &[
                ("police_destination_whom", ""),
                ("police_destination_on", ""),
                (&format!("share_{}_mapping", s.child), "1"),
            ],
            &DIGITAL,
        )
        .await;
    assert_eq!(refused.status, 422);
    assert!(
        refused
            .body
            .contains("Registrer kontakten med lokalt politi der det nye senteret ligger")
    );
    // What was typed stays.
    assert_eq!(
        refused.input_value("police_origin_whom").unwrap(),
        "Politibetjent Hansen"
    );

    // The children's part and the consent come back too, though who moves
    // is fixed by the decision and not in the form.
    let said = refused.text(&format!("#child_{}_said", s.child));
    assert_eq!(said.as_deref(), Some("Vil ha med sykkelen."));
    assert!(refused.is_checked(&format!("share_{}_mapping", s.child), "1"));

    // Consent names only a version the page shows: not an older one, not
    // a draft, not one that does not exist.
    sqlx::query(
        "INSERT INTO mappings (id, person_id, centre_id, version, state, content, created_by, updated_by)
         SELECT gen_random_uuid(), person_id, centre_id, 2, 'draft', content, created_by, updated_by
         FROM mappings WHERE person_id = $1::uuid AND version = 1",
    )
    .bind(&s.child)
    .execute(&s.app.db)
    .await
    .unwrap();
    for version in ["2", "7", "-1", "99999999999"] {
        let share = format!("share_{}_mapping", s.child);
        let refused = s.record_move(&url, &[(&share, version)], &DIGITAL).await;
        assert_eq!(refused.status, 422, "{version}");
        assert!(
            refused.body.contains("Kryss av blant det som vises."),
            "{version}"
        );
    }

    let refused = s.record_move(&url, &[], &DIGITAL[..6]).await;
    assert_eq!(refused.status, 422);
    assert!(refused.body.contains("sjekklisten for digital sikkerhet"));

    let refused = s.record_move(&url, &[("digital_on", "")], &DIGITAL).await;
    assert_eq!(refused.status, 422);
    assert!(refused.body.contains("sjekklisten for digital sikkerhet"));

    let said = format!("child_{}_said", s.child);
    let school = format!("child_{}_school", s.child);
    let heard = format!("child_{}_heard", s.child);
    let refused = s
        .record_move(&url, &[(&said, ""), (&school, ""), (&heard, "")], &DIGITAL)
        .await;
    assert_eq!(refused.status, 422);
    assert!(
        refused
            .body
            .contains("Fyll ut barnets del for Emil Eksempelsen")
    );

    let refused = s
        .record_move(&url, &[("consent_decision", "")], &DIGITAL)
        .await;
    assert_eq!(refused.status, 422);
    assert!(refused.body.contains("Registrer beboerens svar"));

    let tomorrow = trygg::locale::date(trygg::locale::today() + time::Duration::days(1));
    let refused = s
        .record_move(&url, &[("moved_on", &tomorrow)], &DIGITAL)
        .await;
    assert_eq!(refused.status, 422);
    assert!(refused.body.contains("kan ikke være fram i tid"));

    // What comes before the move is not dated after it.
    let yesterday = trygg::locale::date(trygg::locale::today() - time::Duration::days(1));
    let refused = s
        .record_move(&url, &[("moved_on", &yesterday)], &DIGITAL)
        .await;
    assert_eq!(refused.status, 422);
    assert!(
        refused
            .body
            .contains("Beboeren skal informeres før flyttingen")
    );
    assert!(
        refused
            .body
            .contains("Den digitale sikkerheten skal gås gjennom før flyttingen")
    );
    assert_eq!(s.state(&url).await, "decided");
    assert_eq!(s.app.count("relocation_shares").await, 0);

    let moved = s.record_move(&url, &[], &DIGITAL).await;
    assert_eq!(moved.status, 303, "{}", moved.body);
    assert_eq!(s.state(&url).await, "moved");
    // R10: the origin's case closes, says why, and stays readable.
    let case = s.browser.get(&format!("/cases/{}", s.case_id)).await;
    assert_eq!(case.status, 200);
    assert!(
        case.body.contains("Relokalisert til Krisesenteret B"),
        "{}",
        case.body
    );
    let open_flags: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM review_flags WHERE case_id = $1::uuid AND resolved_at IS NULL",
    )
    .bind(&s.case_id)
    .fetch_one(&s.app.db)
    .await
    .unwrap();
    assert_eq!(open_flags, 0);
}

#[tokio::test]
async fn r6_the_destination_sees_exactly_what_was_consented_and_the_origin_sees_that_it_was_opened()
{
    let mut s = setup().await;
    sqlx::query("UPDATE persons SET school = 'Hemmelig skole' WHERE id = $1::uuid")
        .bind(&s.child)
        .execute(&s.app.db)
        .await
        .unwrap();
    let mut b = s.browser_at(&s.b).await;
    // Issue 17: the case's perpetrator travels with a consented mapping.
    let list = format!("/cases/{}/perpetrators", s.case_id);
    let new = s.browser.get(&format!("{list}/new")).await;
    let to_child = format!("relation_{}", s.child);
    let added = s
        .browser
        .post_fields(
            &list,
            &form_fields(
                &new,
                "perpetrator-form",
                &[
                    ("name", "Ola Utøversen"),
                    (&to_child, "Far"),
                    ("vehicle", "Grå Volvo V70"),
                ],
            ),
        )
        .await;
    assert_eq!(added.status, 303, "{}", added.body);
    let url = s.open().await;
    s.decide_for_b(&url).await;
    // Before the move there is nothing at B.
    let before = b.get("/shared").await;
    assert!(before.body.contains("Ingen andre sentre har delt noe"));

    let share = format!("share_{}_mapping", s.child);
    let moved = s.record_move(&url, &[(&share, "1")], &DIGITAL).await;
    assert_eq!(moved.status, 303, "{}", moved.body);
    let origin = s.browser.get(&url).await;
    assert!(
        origin
            .text("#shared-opened")
            .unwrap()
            .contains("Ikke åpnet")
    );

    let list = b.get("/shared").await;
    assert!(
        list.body.contains("Kari Eksempelsen og 1 barn"),
        "{}",
        list.body
    );
    assert!(list.body.contains("Krisesenteret A"));
    let id = s.share_id().await.unwrap();
    let shared = b.get(&format!("/shared/{id}")).await;
    assert_eq!(shared.status, 200);
    // The child's mapping, version 1, and nothing else.
    assert!(
        shared
            .body
            .contains("Kartlegging, versjon 1 hos Krisesenteret A")
    );
    assert_eq!(shared.body.matches("Kartlegging, versjon").count(), 1);
    for threat in ["Ola Utøversen", "Far til Emil Eksempelsen", "Grå Volvo V70"] {
        assert!(shared.body.contains(threat), "{threat}");
    }
    assert!(!shared.body.contains("Sikkerhetsplan, versjon"));
    for secret in [
        NOTE,
        "Hemmelig skole",
        "+47 400 00 000",
        "Politibetjent Hansen",
        "Vil ha med sykkelen",
    ] {
        assert!(!shared.body.contains(secret), "{secret} leaked to B");
    }
    // R8: nothing to refuse the resident on.
    assert!(!shared.body.to_lowercase().contains("avvis"));

    // The origin sees that and when, not who.
    let origin = s.browser.get(&url).await;
    assert!(origin.text("#shared-opened").unwrap().contains("én gang"));
    let (actor, ip): (Option<Uuid>, Option<String>) = sqlx::query_as(
        "SELECT actor_id, host(ip) FROM audit_events
         WHERE kind = 'share_opened_by_destination' AND centre_id = $1 AND case_id = $2::uuid",
    )
    .bind(s.a.id)
    .bind(&s.case_id)
    .fetch_one(&s.app.db)
    .await
    .unwrap();
    assert_eq!((actor, ip), (None, None));
    let at_b: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM audit_events WHERE kind = 'share_viewed' AND centre_id = $1",
    )
    .bind(s.b.id)
    .fetch_one(&s.app.db)
    .await
    .unwrap();
    assert_eq!(at_b, 1);

    // B starts its own case: the child's mapping becomes version 1 there.
    let started = b.post(&format!("/shared/{id}/case"), &[]).await;
    assert_eq!(started.status, 303, "{}", started.body);
    let case_b = started
        .location()
        .trim_start_matches("/cases/")
        .split('?')
        .next()
        .unwrap()
        .to_owned();
    let again = b.post(&format!("/shared/{id}/case"), &[]).await;
    assert_eq!(again.location(), format!("/cases/{case_b}"), "started once");
    let received: Vec<(String, Option<String>)> = sqlx::query_as(
        "SELECT p.name, m.received_from FROM mappings m JOIN persons p ON p.id = m.person_id
         WHERE p.case_id = $1::uuid",
    )
    .bind(&case_b)
    .fetch_all(&s.app.db)
    .await
    .unwrap();
    assert_eq!(
        received,
        vec![(
            "Emil Eksempelsen".to_owned(),
            Some("Krisesenteret A".to_owned())
        )]
    );
    let page = b.get(&format!("/cases/{case_b}")).await;
    assert!(
        page.body
            .contains("fra Krisesenteret A til Krisesenteret B"),
        "R5: the move arrived with them"
    );

    // A third centre sees nothing, ever.
    let mut c = s.browser_at(&s.c).await;
    assert_eq!(c.get(&format!("/shared/{id}")).await.status, 404);
    assert_eq!(c.post(&format!("/shared/{id}/case"), &[]).await.status, 404);
    assert!(
        c.get("/shared")
            .await
            .body
            .contains("Ingen andre sentre har delt noe")
    );
}

#[tokio::test]
async fn r6_consent_withdrawn_before_the_move_shares_nothing_and_the_police_summary_prints() {
    let mut s = setup().await;
    let url = s.open().await;
    s.decide_for_b(&url).await;
    let share = format!("share_{}_mapping", s.child);
    let moved = s
        .record_move(
            &url,
            &[
                (&share, "1"),
                ("consent_decision", "withdrawn"),
                ("request_on", &today()),
                ("request_whom", "Politibetjent Hansen"),
                (
                    "request_asked",
                    "Informer Vest politidistrikt om trusselen.",
                ),
            ],
            &DIGITAL,
        )
        .await;
    assert_eq!(moved.status, 303, "{}", moved.body);
    assert_eq!(s.app.count("relocation_shares").await, 0);
    let mut b = s.browser_at(&s.b).await;
    assert!(
        b.get("/shared")
            .await
            .body
            .contains("Ingen andre sentre har delt noe")
    );

    let summary = s.browser.get(&format!("{url}/police")).await;
    assert_eq!(summary.status, 200);
    for needed in [
        "Kari Eksempelsen",
        "Emil Eksempelsen",
        "Krisesenteret B",
        "Vest politidistrikt",
        "Informer Vest politidistrikt",
        "Svært høy",
    ] {
        assert!(summary.body.contains(needed), "{needed} missing");
    }
    for secret in [
        NOTE,
        "Eksempel skole",
        "+47 400 00 000",
        "At han finner oss",
        "Vil ha med sykkelen",
    ] {
        assert!(
            !summary.body.contains(secret),
            "{secret} in the police summary"
        );
    }
    // Nor can B read the origin's relocation or its summary.
    assert_eq!(b.get(&url).await.status, 404);
    assert_eq!(b.get(&format!("{url}/police")).await.status, 404);
}

#[tokio::test]
async fn u5_other_centres_get_404_on_every_relocation_route_and_cannot_write_a_share() {
    let mut s = setup().await;
    let url = s.open().await;
    for centre in [s.b.clone(), s.c.clone()] {
        let mut other = s.browser_at(&centre).await;
        other.get("/").await;
        assert_eq!(other.get(&url).await.status, 404);
        assert_eq!(other.get(&format!("{url}/police")).await.status, 404);
        let posted = other
            .post(&url, &[("necessary", "x"), ("action", "save")])
            .await;
        assert_eq!(posted.status, 404);
        let opened = other
            .post(&format!("/cases/{}/relocations", s.case_id), &[])
            .await;
        assert_eq!(opened.status, 404);
    }
    // Garbage in the path is a record that does not exist.
    let garbage = s
        .browser
        .get(&format!("/cases/{}/relocations/ikke-en-id", s.case_id))
        .await;
    assert_eq!(garbage.status, 404);

    s.record_move_after_decision(&url).await;
    let id = s.share_id().await.unwrap();
    let mut b = s.browser_at(&s.b).await;
    b.get(&format!("/shared/{id}")).await;
    // No route writes a share, and the database refuses a change.
    let written = b.post(&format!("/shared/{id}"), &[("content", "{}")]).await;
    assert!(
        written.status == 405 || written.status == 404,
        "{}",
        written.status
    );
    let changed =
        sqlx::query("UPDATE relocation_shares SET content = '{}'::jsonb WHERE id = $1::uuid")
            .bind(&id)
            .execute(&s.app.db)
            .await;
    assert!(changed.is_err(), "a share is frozen");
    let deleted = sqlx::query("DELETE FROM relocation_shares WHERE id = $1::uuid")
        .bind(&id)
        .execute(&s.app.db)
        .await;
    assert!(deleted.is_err(), "a share is never deleted");
}

impl Setup {
    async fn record_move_after_decision(&mut self, url: &str) {
        self.decide_for_b(url).await;
        let share = format!("share_{}_mapping", self.child);
        let moved = self.record_move(url, &[(&share, "1")], &DIGITAL).await;
        assert_eq!(moved.status, 303, "{}", moved.body);
    }
}

#[tokio::test]
async fn after_the_move_the_origin_cannot_change_it_and_a_stale_edit_keeps_what_was_typed() {
    let mut s = setup().await;
    let url = s.open().await;
    // Two tabs read the form; the first saves, the second is stale.
    let first = s.browser.get(&url).await;
    let second = s.browser.get(&url).await;
    let saved = send_form(
        &mut s.browser,
        &url,
        &first,
        &[("necessary", "Første tekst."), ("action", "save")],
        &[],
    )
    .await;
    assert_eq!(saved.status, 303);
    let stale = send_form(
        &mut s.browser,
        &url,
        &second,
        &[("necessary", "Andre tekst."), ("action", "save")],
        &[],
    )
    .await;
    assert_eq!(stale.status, 409);
    assert!(
        stale
            .body
            .contains("Noen andre har endret relokaliseringen")
    );
    assert_eq!(stale.text("#necessary").unwrap(), "Andre tekst.");
    // Saving again from the page shown now works: it carries the new lock.
    let resent = send_form(&mut s.browser, &url, &stale, &[("action", "save")], &[]).await;
    assert_eq!(resent.status, 303, "{}", resent.body);

    let before_move = s.browser.get(&url).await;
    s.record_move_after_decision(&url).await;
    let content: serde_json::Value =
        sqlx::query_scalar("SELECT content FROM relocations WHERE case_id = $1::uuid")
            .bind(&s.case_id)
            .fetch_one(&s.app.db)
            .await
            .unwrap();
    let late = send_form(
        &mut s.browser,
        &url,
        &before_move,
        &[
            ("police_origin_agreed", "Endret etterpå."),
            ("action", "save"),
        ],
        &[],
    )
    .await;
    assert_eq!(late.status, 409);
    assert!(late.body.contains("kan ikke endres"));
    assert!(
        late.body.contains("Endret etterpå."),
        "what was typed is shown"
    );
    let after: serde_json::Value =
        sqlx::query_scalar("SELECT content FROM relocations WHERE case_id = $1::uuid")
            .bind(&s.case_id)
            .fetch_one(&s.app.db)
            .await
            .unwrap();
    assert_eq!(content, after);
    // And the closed case opens no new relocation.
    let reopened = s
        .browser
        .post(&format!("/cases/{}/relocations", s.case_id), &[])
        .await;
    assert!(
        reopened
            .location()
            .ends_with("melding=relokalisering-lukket")
    );
}

#[tokio::test]
async fn a_relocation_is_called_off_only_with_a_reason_and_then_a_new_one_can_start() {
    let mut s = setup().await;
    let url = s.open().await;
    let refused = s.send(&url, &[("action", "cancel")], &[]).await;
    assert_eq!(refused.status, 422);
    assert!(
        refused
            .body
            .contains("Skriv hvorfor relokaliseringen avbrytes.")
    );
    let cancelled = s
        .send(
            &url,
            &[
                (
                    "cancel_reason",
                    "Beboeren vil bli, utøveren er varetektsfengslet.",
                ),
                ("action", "cancel"),
            ],
            &[],
        )
        .await;
    assert_eq!(cancelled.status, 303);
    assert_eq!(s.state(&url).await, "cancelled");
    let page = s.browser.get(&url).await;
    assert!(page.body.contains("varetektsfengslet"));
    assert!(
        page.input_value("lock_version").is_none(),
        "read-only once called off"
    );
    let second = s.open().await;
    assert_ne!(second, url);
    let kinds = s.app.audit_kinds_for(s.staff.id).await;
    for kind in [
        "relocation_opened",
        "relocation_viewed",
        "relocation_cancelled",
    ] {
        assert!(kinds.iter().any(|k| k == kind), "{kind} not audited");
    }
}

#[tokio::test]
async fn r5_a_second_move_warns_and_needs_a_reason_why_the_place_will_hold() {
    let mut s = setup().await;
    let url = s.open().await;
    s.record_move_after_decision(&url).await;
    let id = s.share_id().await.unwrap();
    // At B, a case from the share, and a new relocation from it.
    let staff_b = s.app.user(&s.b, Role::Staff).await;
    let mut b = s.app.signed_in(&staff_b).await;
    b.get(&format!("/shared/{id}")).await;
    let started = b.post(&format!("/shared/{id}/case"), &[]).await;
    let case_b = started
        .location()
        .trim_start_matches("/cases/")
        .split('?')
        .next()
        .unwrap()
        .to_owned();
    b.get(&format!("/cases/{case_b}")).await;
    let opened = b.post(&format!("/cases/{case_b}/relocations"), &[]).await;
    let url_b = opened.location().to_owned();
    let page = b.get(&url_b).await;
    assert!(page.body.contains("flytting nummer 2"), "{}", page.body);
    assert!(
        page.body
            .contains("fra Krisesenteret A til Krisesenteret B")
    );
    let c = s.c.id.to_string();
    let candidate = page.input_value("candidate_0_id").unwrap();
    let basis = page.attr("input[name=mapping]", "value").unwrap();
    let mut changes = decision();
    changes.push(("mapping", &basis));
    changes.push(("candidate_0_centre", &c));
    changes.push(("chosen", &candidate));
    let refused = send_form(&mut b, &url_b, &page, &changes, &[]).await;
    assert_eq!(refused.status, 422);
    assert!(refused.body.contains("Skriv hva som er annerledes nå"));
    changes.push(("will_hold", "Ingen kjent tilknytning til Nord-Norge."));
    let decided = send_form(&mut b, &url_b, &refused, &changes, &[]).await;
    assert_eq!(decided.status, 303, "{}", decided.body);
}

/// Issue 18: a case restricted at the origin says so at the destination,
/// and a case started from it starts restricted to the one who starts it.
#[tokio::test]
async fn a_share_from_a_restricted_case_says_so_and_starts_a_case_only_its_starter_opens() {
    let mut s = setup().await;
    sqlx::query("UPDATE cases SET restricted_to = ARRAY[$1::uuid] WHERE id = $2::uuid")
        .bind(s.staff.id)
        .bind(&s.case_id)
        .execute(&s.app.db)
        .await
        .unwrap();
    let url = s.open().await;
    s.decide_for_b(&url).await;
    let share = format!("share_{}_mapping", s.child);
    let moved = s.record_move(&url, &[(&share, "1")], &DIGITAL).await;
    assert_eq!(moved.status, 303, "{}", moved.body);
    let id = s.share_id().await.unwrap();

    // Until a case is made of it, only a coordinator at B sees it.
    let mut staff = s.browser_at(&s.b).await;
    assert!(!staff.get("/shared").await.body.contains(&id));
    let held_back = staff.get(&format!("/shared/{id}")).await;
    assert_eq!(held_back.status, 403);
    let named: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM audit_events WHERE kind = 'restricted_case_refused' AND detail = $1",
    )
    .bind(&id)
    .fetch_one(&s.app.db)
    .await
    .unwrap();
    assert_eq!(named, 1, "the refusal names the share");
    assert!(!held_back.body.contains("Eksempelsen"));
    assert_eq!(
        staff.post(&format!("/shared/{id}/case"), &[]).await.status,
        403
    );
    let coordinator = s.app.user(&s.b, Role::Coordinator).await;
    let mut b = s.app.signed_in(&coordinator).await;
    let list = b.get("/shared").await;
    assert!(
        list.body
            .contains("Begrenset tilgang ved senteret beboeren kom fra")
    );
    let shared = b.get(&format!("/shared/{id}")).await;
    assert!(shared.body.contains("id=\"restricted-at-origin\""));
    let started = b.post(&format!("/shared/{id}/case"), &[]).await;
    assert!(
        started.location().ends_with("?melding=sak-fra-begrenset"),
        "{}",
        started.location()
    );
    let case = started.location().split('?').next().unwrap().to_owned();
    assert_eq!(b.get(&case).await.status, 200);
    let refused = staff.get(&case).await;
    assert_eq!(refused.status, 403);
    assert!(!refused.body.contains("Eksempelsen"));
    let restricted: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM audit_events WHERE kind = 'case_restricted' AND detail = 'from_share'",
    )
    .fetch_one(&s.app.db)
    .await
    .unwrap();
    assert_eq!(restricted, 1);
}
