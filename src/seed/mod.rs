//! `trygg seed`: realistic, obviously fictitious Norwegian cases (names,
//! children of several ages, mappings with versions), for a newcomer to see a
//! living system and for benchmarks at 100 000 cases. Deterministic: the same
//! call makes the same data. Rows go in a thousand at a time.

use sqlx::PgPool;
use time::{Date, Duration, OffsetDateTime};
use uuid::Uuid;

use crate::accounts::{self, EmailAddress, NewAccount, Role};
use crate::cases::{PersonKind, ViolenceKind};
use crate::plans::content as plan;

mod records;
mod relocations;
mod threats;
use records::{PlanSeed, add_mappings, add_plans};

pub struct Options {
    /// Make this many new centres…
    pub centres: Option<u32>,
    /// …or fill this existing one.
    pub centre: Option<String>,
    pub cases: u32,
    pub force: bool,
}

type SeedError = Box<dyn std::error::Error>;

const BATCH: usize = 1000;

const WOMEN: [&str; 24] = [
    "Kari",
    "Ingrid",
    "Anne",
    "Marit",
    "Nora",
    "Sara",
    "Fatima",
    "Aisha",
    "Olga",
    "Maja",
    "Ida",
    "Hanne",
    "Silje",
    "Amina",
    "Elif",
    "Agnieszka",
    "Linh",
    "Tone",
    "Hilde",
    "Camilla",
    "Zainab",
    "Mona",
    "Randi",
    "Lise",
];
const CHILDREN: [&str; 24] = [
    "Emil", "Noah", "Oskar", "Lukas", "Filip", "Jakob", "Ella", "Sofie", "Olivia", "Nora", "Leah",
    "Ali", "Yusuf", "Mia", "Aksel", "Selma", "Iben", "Tiril", "Adam", "Liam", "Hedda", "Omar",
    "Vilde", "Isak",
];
/// Surnames nobody has: the data is plainly made up.
const SURNAMES: [&str; 12] = [
    "Eksempelsen",
    "Fiktivdal",
    "Prøvestad",
    "Testrud",
    "Demoberg",
    "Diktesen",
    "Tenkeli",
    "Påfunnset",
    "Oppdiktvik",
    "Liksomsen",
    "Skissebakk",
    "Utkastmo",
];
/// SplitMix64: small, fast, and the same numbers every run.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
    fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }
    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }
    fn uuid(&mut self) -> Uuid {
        Uuid::from_u64_pair(self.next(), self.next())
    }
}

/// For the benchmark and the tests: a child in an open case of centre `$1`
/// with a mapping and a plan, as (case, child, the resident's surname: a
/// name search that matches).
pub const SAMPLE_CHILD: &str = "SELECT p.case_id, p.id, split_part(r.name, ' ', 2)
     FROM persons p
     JOIN persons r ON r.case_id = p.case_id AND r.kind = 'resident'
     JOIN cases c ON c.id = p.case_id
     WHERE c.centre_id = $1 AND c.closed_on IS NULL AND p.kind = 'child'
       AND EXISTS (SELECT 1 FROM plans WHERE person_id = p.id)
       AND EXISTS (SELECT 1 FROM mappings WHERE person_id = p.id)
     ORDER BY p.id LIMIT 1";

pub async fn run(db: &PgPool, options: Options) -> Result<String, SeedError> {
    let real: bool = sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM cases WHERE NOT seeded)")
        .fetch_one(db)
        .await?;
    if real && !options.force {
        return Err(
            "the database holds real cases; seeding would mix made-up ones in. \
                    Use --force if that is what you want."
                .into(),
        );
    }
    let mut report = String::new();
    let targets: Vec<(Uuid, String, Vec<Uuid>)> = match (&options.centre, options.centres) {
        (Some(name), _) => {
            let centre = accounts::centre_by_name(db, name).await?.ok_or_else(|| {
                format!("no centre is named \"{name}\"; `trygg centre list` shows them")
            })?;
            let staff: Vec<Uuid> =
                sqlx::query_scalar("SELECT id FROM accounts WHERE centre_id = $1 AND active")
                    .bind(centre.id)
                    .fetch_all(db)
                    .await?;
            if staff.is_empty() {
                return Err(
                    format!("\"{name}\" has no active accounts to be contact persons").into(),
                );
            }
            vec![(centre.id, centre.name, staff)]
        }
        (None, n) => new_centres(db, n.unwrap_or(1), &mut report).await?,
    };
    for (index, (centre_id, name, staff)) in targets.iter().enumerate() {
        let mut rng = Rng(0x7EA5_0000 + index as u64 + u64::from(options.cases));
        let mut made = 0;
        while made < options.cases {
            let batch = (options.cases - made).min(BATCH as u32);
            insert_batch(db, *centre_id, staff, batch, made == 0, &mut rng).await?;
            made += batch;
        }
        report.push_str(&format!("Seeded {made} fictitious cases at \"{name}\".\n"));
    }
    if options.centre.is_none() {
        relocations::add(db, &targets, &mut report).await?;
    }
    Ok(report)
}

/// New centres, each with an administrator, a coordinator and two staff who
/// share one printed password.
async fn new_centres(
    db: &PgPool,
    n: u32,
    report: &mut String,
) -> Result<Vec<(Uuid, String, Vec<Uuid>)>, SeedError> {
    let taken: i64 =
        sqlx::query_scalar("SELECT count(*) FROM centres WHERE name LIKE 'Eksempelsenteret %'")
            .fetch_one(db)
            .await?;
    let password = format!("eksempel-{}", &crate::auth::token::random_token()[..12]);
    let hash = crate::auth::password::hash(password.clone()).await?;
    let mut out = Vec::new();
    for i in 0..n {
        let number = taken + i64::from(i) + 1;
        let name = format!("Eksempelsenteret {number}");
        let centre = accounts::create_centre(db, &name, number % 2 == 1).await?;
        let (municipality, region) =
            relocations::PLACES[(number as usize - 1) % relocations::PLACES.len()];
        accounts::set_centre_location(db, centre.id, municipality, region).await?;
        let mut staff = Vec::new();
        for (role, who, full_name) in [
            (Role::Admin, "admin", "Astrid Eksempelsen"),
            (Role::Coordinator, "koordinator", "Kåre Fiktivdal"),
            (Role::Staff, "ansatt1", "Siri Prøvestad"),
            (Role::Staff, "ansatt2", "Jonas Testrud"),
        ] {
            let email = EmailAddress::parse(&format!("{who}.{number}@eksempel.test"))?;
            let account = accounts::create_account(
                db,
                NewAccount {
                    centre_id: centre.id,
                    email: &email,
                    full_name,
                    role,
                    password_hash: &hash,
                    must_change_password: false,
                },
            )
            .await?;
            // Enrolled already, so a demo signs in with any authenticator app.
            let secret = crate::auth::second_factor::new_secret();
            sqlx::query("UPDATE accounts SET totp_secret = $2 WHERE id = $1")
                .bind(account.id)
                .bind(&secret)
                .execute(db)
                .await?;
            report.push_str(&format!(
                "  {:<32} {:<14} {}\n",
                email.as_str(),
                role.label(),
                crate::auth::second_factor::base32(&secret)
            ));
            staff.push(account.id);
        }
        out.push((centre.id, name, staff));
    }
    report.insert_str(
        0,
        &format!(
            "Made {n} centre(s); every account below has the password {password}\n\
             and signs in with a code from an authenticator app set up with the key beside it\n\
             (type it in the app as a time-based key).\n"
        ),
    );
    Ok(out)
}

fn days_ago(days: u64) -> Date {
    (OffsetDateTime::now_utc() - Duration::days(days as i64)).date()
}

#[derive(Default)]
struct Batch {
    case_ids: Vec<Uuid>,
    arrivals: Vec<Date>,
    departures: Vec<Option<Date>>,
    contacts: Vec<Uuid>,
    violence: Vec<String>,
    notes: Vec<String>,
    closed: Vec<Option<Date>>,
    person_ids: Vec<Uuid>,
    person_cases: Vec<Uuid>,
    kinds: Vec<String>,
    names: Vec<String>,
    births: Vec<Date>,
    schools: Vec<String>,
    person_contacts: Vec<Uuid>,
    mapping_ids: Vec<Uuid>,
    mapping_persons: Vec<Uuid>,
    versions: Vec<i32>,
    states: Vec<String>,
    contents: Vec<String>,
    authors: Vec<Uuid>,
    plans: PlanBatch,
    threats: threats::ThreatBatch,
}

#[derive(Default)]
struct PlanBatch {
    ids: Vec<Uuid>,
    persons: Vec<Uuid>,
    versions: Vec<i32>,
    states: Vec<String>,
    mapping_versions: Vec<i32>,
    contents: Vec<String>,
    authors: Vec<Uuid>,
    approvers: Vec<Option<Uuid>>,
    next_reviews: Vec<Option<Date>>,
    decision_ids: Vec<Uuid>,
    decision_plans: Vec<Uuid>,
    decision_kinds: Vec<String>,
    decision_comments: Vec<String>,
    decision_by: Vec<Uuid>,
}

/// With `showcase`, the first case's resident has every kind of version
/// (two completed and a draft), so that every mapping page has something to show.
async fn insert_batch(
    db: &PgPool,
    centre_id: Uuid,
    staff: &[Uuid],
    n: u32,
    showcase: bool,
    rng: &mut Rng,
) -> Result<(), SeedError> {
    let mut b = Batch::default();
    // The threat picture draws from its own numbers, so the cases, people,
    // mappings and plans stay what they were before it was seeded.
    let mut threat_rng = Rng(rng.0 ^ 0x5EED_7412_EA75_0017);
    for case_number in 0..n {
        let case_id = rng.uuid();
        // The showcase arrives today, so it heads the list.
        let stay = if showcase && case_number == 0 {
            0
        } else {
            rng.below(3 * 365)
        };
        let arrival = days_ago(stay);
        let contact = *rng.pick(staff);
        b.case_ids.push(case_id);
        b.arrivals.push(arrival);
        // Some leave within the next two weeks (P10: their plans must be
        // revised first), the others some months after arriving.
        b.departures
            .push(rng.chance(40).then(|| match rng.below(120) as i64 {
                soon @ 0..24 => crate::locale::today() + Duration::days(2 + soon / 2),
                later => arrival + Duration::days(30 + later),
            }));
        b.contacts.push(contact);
        let kinds: Vec<&str> = ViolenceKind::ALL
            .iter()
            .filter(|_| rng.chance(25))
            .map(|kind| kind.code())
            .collect();
        b.violence.push(kinds.join(","));
        b.notes.push("Fiktiv sak, laget av trygg seed.".into());
        b.closed.push(
            (stay > 90 && rng.chance(60))
                .then(|| arrival + Duration::days(14 + rng.below(76) as i64)),
        );

        let surname = *rng.pick(&SURNAMES);
        let resident_birth = days_ago(365 * (20 + rng.below(40)) + rng.below(365));
        let mut people = vec![(
            false,
            format!("{} {surname}", rng.pick(&WOMEN)),
            resident_birth,
        )];
        for _ in 0..rng.below(4) {
            people.push((
                true,
                format!("{} {surname}", rng.pick(&CHILDREN)),
                days_ago(rng.below(17 * 365)),
            ));
        }
        if showcase && case_number == 0 {
            // A child of school age: every part of a child's plan has something to show.
            people.push((
                true,
                format!("{} {surname}", rng.pick(&CHILDREN)),
                days_ago(10 * 365 + 100),
            ));
        }
        let mut case_people = Vec::new();
        for (person_number, (child, name, birth)) in people.into_iter().enumerate() {
            let show_all = showcase && case_number == 0 && person_number == 0;
            let person_id = rng.uuid();
            case_people.push((person_id, child));
            let age = crate::locale::age(birth, crate::locale::today());
            b.person_ids.push(person_id);
            b.person_cases.push(case_id);
            let kind = if child {
                PersonKind::Child
            } else {
                PersonKind::Resident
            };
            b.kinds.push(kind.code().into());
            b.names.push(name);
            b.births.push(birth);
            b.schools.push(match (child, age) {
                (true, 1..=5) => "Eksempel barnehage".into(),
                (true, 6..) => "Eksempel skole".into(),
                _ => String::new(),
            });
            b.person_contacts.push(contact);
            let showcase_child = showcase && case_number == 0 && child && age >= 10;
            if show_all || showcase_child || rng.chance(65) {
                let mapping = add_mappings(
                    &mut b,
                    person_id,
                    child,
                    contact,
                    show_all,
                    rng,
                    &mut threat_rng,
                )?;
                if show_all || showcase_child || rng.chance(70) {
                    let other = staff.iter().copied().find(|s| *s != contact);
                    let seed = PlanSeed {
                        person_id,
                        child,
                        school_age: child && age >= plan::SCHOOL_AGE,
                        author: contact,
                        approver: other,
                        // The showcase child's plan awaits review of its
                        // second version; the resident's is being changed.
                        history: if showcase_child {
                            Some(5)
                        } else if show_all {
                            Some(4)
                        } else {
                            None
                        },
                    };
                    add_plans(&mut b.plans, &seed, &mapping, rng)?;
                }
            }
        }
        threats::add_case(
            &mut b.threats,
            case_id,
            &case_people,
            contact,
            showcase && case_number == 0,
            &mut threat_rng,
        );
    }

    let mut tx = db.begin().await?;
    sqlx::query(
        "INSERT INTO cases (id, centre_id, arrival_date, planned_departure_date, contact_person_id,
                            violence_kinds, note, closed_on, seeded)
         SELECT t.id, $1, t.arrival, t.departure, t.contact, string_to_array(t.violence, ','),
                t.note, t.closed, true
         FROM UNNEST($2::uuid[], $3::date[], $4::date[], $5::uuid[], $6::text[], $7::text[], $8::date[])
              AS t(id, arrival, departure, contact, violence, note, closed)",
    )
    .bind(centre_id)
    .bind(&b.case_ids)
    .bind(&b.arrivals)
    .bind(&b.departures)
    .bind(&b.contacts)
    .bind(&b.violence)
    .bind(&b.notes)
    .bind(&b.closed)
    .execute(&mut *tx)
    .await?;
    sqlx::query(
        "INSERT INTO persons (id, case_id, centre_id, kind, name, birth_date, school, contact_person_id,
                              created_at)
         SELECT t.id, t.case_id, $1, t.kind, t.name, t.birth, t.school, t.contact,
                c.arrival_date + time '12:00'
         FROM UNNEST($2::uuid[], $3::uuid[], $4::text[], $5::text[], $6::date[], $7::text[], $8::uuid[])
              AS t(id, case_id, kind, name, birth, school, contact)
         JOIN cases c ON c.id = t.case_id",
    )
    .bind(centre_id)
    .bind(&b.person_ids)
    .bind(&b.person_cases)
    .bind(&b.kinds)
    .bind(&b.names)
    .bind(&b.births)
    .bind(&b.schools)
    .bind(&b.person_contacts)
    .execute(&mut *tx)
    .await?;
    sqlx::query(
        "INSERT INTO mappings (id, person_id, centre_id, version, state, content, created_by, updated_by,
                               completed_by, completed_at)
         SELECT t.id, t.person_id, $1, t.version, t.state, t.content::jsonb, t.author, t.author,
                CASE WHEN t.state = 'completed' THEN t.author END,
                CASE WHEN t.state = 'completed' THEN now() END
         FROM UNNEST($2::uuid[], $3::uuid[], $4::int[], $5::text[], $6::text[], $7::uuid[])
              AS t(id, person_id, version, state, content, author)",
    )
    .bind(centre_id)
    .bind(&b.mapping_ids)
    .bind(&b.mapping_persons)
    .bind(&b.versions)
    .bind(&b.states)
    .bind(&b.contents)
    .bind(&b.authors)
    .execute(&mut *tx)
    .await?;
    let p = &b.plans;
    sqlx::query(
        "INSERT INTO plans (id, person_id, centre_id, version, state, mapping_version, content,
                            authors, created_by, updated_by, submitted_by, submitted_at,
                            approved_by, approved_at, next_review_on)
         SELECT t.id, t.person_id, $1, t.version, t.state, t.mapping_version, t.content::jsonb,
                ARRAY[t.author], t.author, t.author,
                CASE WHEN t.state <> 'draft' THEN t.author END,
                CASE WHEN t.state <> 'draft' THEN now() - interval '1 day' * t.version END,
                t.approver, CASE WHEN t.state = 'approved' THEN now() END, t.next_review
         FROM UNNEST($2::uuid[], $3::uuid[], $4::int[], $5::text[], $6::int[], $7::text[],
                     $8::uuid[], $9::uuid[], $10::date[])
              AS t(id, person_id, version, state, mapping_version, content, author, approver, next_review)",
    )
    .bind(centre_id)
    .bind(&p.ids)
    .bind(&p.persons)
    .bind(&p.versions)
    .bind(&p.states)
    .bind(&p.mapping_versions)
    .bind(&p.contents)
    .bind(&p.authors)
    .bind(&p.approvers)
    .bind(&p.next_reviews)
    .execute(&mut *tx)
    .await?;
    sqlx::query(
        "INSERT INTO plan_decisions (id, plan_id, decision, comment, decided_by)
         SELECT * FROM UNNEST($1::uuid[], $2::uuid[], $3::text[], $4::text[], $5::uuid[])",
    )
    .bind(&p.decision_ids)
    .bind(&p.decision_plans)
    .bind(&p.decision_kinds)
    .bind(&p.decision_comments)
    .bind(&p.decision_by)
    .execute(&mut *tx)
    .await?;
    threats::insert(&mut tx, centre_id, &b.threats).await?;
    tx.commit().await?;
    Ok(())
}
