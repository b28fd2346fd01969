//! Mappings and plans stored before their content was typed (dates as the
//! text staff typed, "" for a choice not made) load as typed values after
//! the migration that converts them (M5, P2–P4) — also where the text had
//! spaces Rust's trim took away but SQL's btrim would not.

use std::borrow::Cow;
use std::path::PathBuf;

use sqlx::PgPool;
use sqlx::migrate::Migrator;
use time::{Date, Month};
use trygg::mapping::content::{Answer, Assessment, Relocation};
use trygg::plans::content::{Party, SchoolStart};

use crate::helpers::empty_database;

/// The first migration that stores typed content.
const TYPED: i64 = 20261124000004;

#[tokio::test]
async fn content_stored_before_it_was_typed_loads_as_typed_values() {
    let db = PgPool::connect_with(empty_database().await).await.unwrap();
    let mut before = Migrator::new(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("migrations"))
        .await
        .unwrap();
    before.migrations = Cow::Owned(
        before
            .migrations
            .iter()
            .filter(|m| m.version < TYPED)
            .cloned()
            .collect(),
    );
    before.run(&db).await.unwrap();

    // As the code before the typed content wrote them.
    let statements = [
        "INSERT INTO centres (id, name) VALUES ('00000000-0000-0000-0000-00000000000c', 'A')",
        "INSERT INTO accounts (id, centre_id, email, full_name, role, password_hash)
         VALUES ('00000000-0000-0000-0000-00000000000a', '00000000-0000-0000-0000-00000000000c',
                 'a@test.example', 'A', 'staff', 'x')",
        "INSERT INTO cases (id, centre_id, arrival_date, version)
         VALUES ('00000000-0000-0000-0000-0000000000ca', '00000000-0000-0000-0000-00000000000c',
                 '2026-11-01', 3)",
        "INSERT INTO persons (id, case_id, centre_id, kind, name, birth_date)
         VALUES ('00000000-0000-0000-0000-0000000000b0', '00000000-0000-0000-0000-0000000000ca',
                 '00000000-0000-0000-0000-00000000000c', 'child', 'Ola', '2016-05-01')",
        r#"INSERT INTO mappings (id, person_id, centre_id, version, state, content, created_by, updated_by)
         VALUES ('00000000-0000-0000-0000-0000000000e1', '00000000-0000-0000-0000-0000000000b0',
                 '00000000-0000-0000-0000-00000000000c', 1, 'completed', '{
            "child": true, "participants": ["child", "parent"], "participants_other": "",
            "conversation_dates": "12.11.2026, 1.2.2026,\u00a02026-02-08 ,\t", "violence": "",
            "fears": [{"id": "00000000-0000-0000-0000-0000000000f1", "whose": "child", "text": "At pappa kommer"}],
            "risks": [
              {"id": "00000000-0000-0000-0000-0000000000d1", "kind": "contact", "label": "Risiko for at utøver tar kontakt",
               "answer": "unknown", "place": "", "channels": ["phone"]},
              {"id": "00000000-0000-0000-0000-0000000000d2", "kind": "other", "label": "Onkel",
               "answer": "", "place": "", "channels": []}],
            "digital": {"devices": "", "apps": "", "contacts_to_keep": "", "risk_of_being_found": "",
                        "spoke_with_child": true, "spoke_with_parent": false, "parent_follows": false},
            "assessment": "", "reasoning": "", "relocation": "yes"}',
            '00000000-0000-0000-0000-00000000000a', '00000000-0000-0000-0000-00000000000a')"#,
        r#"INSERT INTO plans (id, person_id, centre_id, version, state, mapping_version, content, created_by, updated_by)
         VALUES ('00000000-0000-0000-0000-0000000000a1', '00000000-0000-0000-0000-0000000000b0',
                 '00000000-0000-0000-0000-00000000000c', 1, 'draft', 1, '{
            "child": true,
            "measures": [{"id": "00000000-0000-0000-0000-0000000000c1", "party": "parent", "party_name": "",
                          "text": "Følger Ola", "from": "\u202f01.12.2026", "until": "", "answers": [], "restricts": false}],
            "school": {"safe_to_start": "", "required_first": "", "contributes": "", "if_perpetrator_comes": "",
                       "safest_places": "", "riskiest_places": "", "outside_centre": ""},
            "police": {"contacted_on": "20.11.2026", "district": "Øst", "contact": "", "agreed": "Patrulje"},
            "shielded_address": "",
            "child_part": {"can_do": "", "avoid": "", "if_frightening": "", "shielded_address": "", "online": ""}}',
            '00000000-0000-0000-0000-00000000000a', '00000000-0000-0000-0000-00000000000a')"#,
    ];
    for statement in statements {
        sqlx::query(statement).execute(&db).await.unwrap();
    }

    trygg::db::MIGRATOR.run(&db).await.unwrap();

    let person = uuid::Uuid::parse_str("00000000-0000-0000-0000-0000000000b0").unwrap();
    let centre = uuid::Uuid::parse_str("00000000-0000-0000-0000-00000000000c").unwrap();
    let day = |y, m, d| Date::from_calendar_date(y, m, d).unwrap();
    let mapping = trygg::versioned::number::<trygg::mapping::Version>(&db, centre, person, 1)
        .await
        .unwrap()
        .unwrap()
        .content;
    assert_eq!(
        mapping.conversation_dates,
        [
            day(2026, Month::November, 12),
            day(2026, Month::February, 1),
            day(2026, Month::February, 8)
        ]
    );
    assert_eq!(mapping.assessment, None::<Assessment>);
    assert_eq!(mapping.relocation, Some(Relocation::Consider));
    assert_eq!(mapping.risks[0].answer, Some(Answer::Unknown));
    assert_eq!(mapping.risks[1].answer, None);
    assert_eq!(mapping.fears[0].text, "At pappa kommer");

    let plan = trygg::versioned::number::<trygg::plans::Plan>(&db, centre, person, 1)
        .await
        .unwrap()
        .unwrap()
        .content;
    let measure = &plan.measures[0];
    assert_eq!(measure.party, Party::Parent);
    assert_eq!(measure.from, Some(day(2026, Month::December, 1)));
    assert_eq!(measure.until, None);
    assert_eq!(
        plan.police.contacted_on,
        Some(day(2026, Month::November, 20))
    );
    assert_eq!(plan.school.safe_to_start, None::<SchoolStart>);

    // The case's lock counter kept its value under its new name.
    let lock: i32 = sqlx::query_scalar("SELECT lock_version FROM cases")
        .fetch_one(&db)
        .await
        .unwrap();
    assert_eq!(lock, 3);
}
