//! `trygg seed`: realistic, obviously fictitious Norwegian cases (names,
//! children of several ages, mappings with versions), for a newcomer to see a
//! living system and for benchmarks at 100 000 cases. Deterministic: the same
//! call makes the same data. Rows go in a thousand at a time.

use sqlx::PgPool;
use time::{Date, Duration, OffsetDateTime};
use uuid::Uuid;

use crate::accounts::{self, EmailAddress, NewAccount, Role};
use crate::cases::{PersonKind, VIOLENCE_KINDS};
use crate::codes::Code;
use crate::mapping::MappingState;
use crate::mapping::content::{
    Answer, Assessment, Channel, Content, Fear, Participant, Relocation, Whose,
};
use crate::plans::PlanState;
use crate::plans::content::{self as plan, Measure, Party};

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
const CHILD_FEARS: [&str; 6] = [
    "At pappa står utenfor skolen.",
    "At noen finner ut hvor vi bor.",
    "At mamma blir skadet igjen.",
    "At jeg må flytte fra vennene mine.",
    "At han ringer meg på telefonen.",
    "At noen tar meg med fra barnehagen.",
];
const PARENT_FEARS: [&str; 5] = [
    "At han oppsøker barna på skolen.",
    "At han finner adressen gjennom sosiale medier.",
    "Ny vold hvis han finner oss.",
    "At familien hans tar barna ut av landet.",
    "At han bruker barnas telefoner til å spore oss.",
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
            report.push_str(&format!("  {:<32} {}\n", email.as_str(), role.label()));
            staff.push(account.id);
        }
        out.push((centre.id, name, staff));
    }
    report.insert_str(
        0,
        &format!("Made {n} centre(s); every account below has the password {password}\n"),
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
        b.departures.push(
            rng.chance(40)
                .then(|| arrival + Duration::days(30 + rng.below(120) as i64)),
        );
        b.contacts.push(contact);
        let kinds: Vec<&str> = VIOLENCE_KINDS
            .iter()
            .filter(|_| rng.chance(25))
            .map(|(code, _)| *code)
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
        for (person_number, (child, name, birth)) in people.into_iter().enumerate() {
            let show_all = showcase && case_number == 0 && person_number == 0;
            let person_id = rng.uuid();
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
                let mapping = add_mappings(&mut b, person_id, child, contact, show_all, rng)?;
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
        "INSERT INTO persons (id, case_id, centre_id, kind, name, birth_date, school, contact_person_id)
         SELECT t.id, t.case_id, $1, t.kind, t.name, t.birth, t.school, t.contact
         FROM UNNEST($2::uuid[], $3::uuid[], $4::text[], $5::text[], $6::date[], $7::text[], $8::uuid[])
              AS t(id, case_id, kind, name, birth, school, contact)",
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
    tx.commit().await?;
    Ok(())
}

/// Version 1, often a revised version 2 (one fear changed, one added, the
/// risk of contact re-answered), sometimes a draft after them.
fn add_mappings(
    b: &mut Batch,
    person_id: Uuid,
    child: bool,
    author: Uuid,
    every_kind: bool,
    rng: &mut Rng,
) -> Result<Content, SeedError> {
    let mut content = Content::empty(child);
    content.participants = if child {
        vec![
            Participant::Child,
            Participant::Parent,
            Participant::ParentContact,
        ]
    } else {
        vec![Participant::Resident, Participant::Contact]
    };
    content.violence = if child {
        "Har vært vitne til vold mot mor over lengre tid.".into()
    } else {
        "Fysisk og psykisk vold fra tidligere partner gjennom flere år.".into()
    };
    for _ in 0..1 + rng.below(2) {
        let (whose, text) = if child && rng.chance(60) {
            (Whose::Child, *rng.pick(&CHILD_FEARS))
        } else {
            (
                if child {
                    Whose::Parent
                } else {
                    Whose::Resident
                },
                *rng.pick(&PARENT_FEARS),
            )
        };
        content.fears.push(Fear {
            id: rng.uuid(),
            whose,
            text: text.into(),
        });
    }
    for risk in &mut content.risks {
        risk.answer = Some(*rng.pick(Answer::ALL));
        if risk.answer == Some(Answer::Yes) {
            risk.channels = vec![*rng.pick(Channel::ALL)];
        }
    }
    content.assessment = Some(*rng.pick(Assessment::ALL));
    content.reasoning = "Vurdert ut fra kartleggingssamtalen.".into();
    content.relocation = Some(if content.assessment == Some(Assessment::Severe) {
        Relocation::Consider
    } else {
        Relocation::NotNeeded
    });

    let first = content.clone();
    let mut versions = vec![(MappingState::Completed, content.clone())];
    if every_kind || rng.chance(40) {
        let mut next = content.clone();
        if let Some(fear) = next.fears.first_mut() {
            fear.text.push_str(" Frykten er sterkere nå.");
        }
        next.fears.push(Fear {
            id: rng.uuid(),
            whose: if child { Whose::Child } else { Whose::Resident },
            text: "At det skal skje igjen.".into(),
        });
        if let Some(risk) = next.risks.first_mut() {
            risk.answer = Some(Answer::Yes);
        }
        versions.push((MappingState::Completed, next));
    }
    if every_kind || rng.chance(20) {
        let last = versions.last().map(|(_, c)| c.clone()).unwrap_or_default();
        versions.push((MappingState::Draft, last));
    }
    for (i, (state, content)) in versions.into_iter().enumerate() {
        b.mapping_ids.push(rng.uuid());
        b.mapping_persons.push(person_id);
        b.versions.push(i as i32 + 1);
        b.states.push(state.code().into());
        b.contents.push(serde_json::to_string(&content)?);
        b.authors.push(author);
    }
    Ok(first)
}

struct PlanSeed {
    person_id: Uuid,
    child: bool,
    school_age: bool,
    author: Uuid,
    /// Another account of the centre, to approve or return; none, no decisions.
    approver: Option<Uuid>,
    /// Which history to make (see `add_plans`); random when `None`.
    history: Option<u64>,
}

/// A plan on mapping version 1, in one of every state (approved and then
/// changed again included); some answer nothing in the mapping (P7), put
/// too much on the child (P6) or lack the police (P4).
fn add_plans(
    b: &mut PlanBatch,
    seed: &PlanSeed,
    mapping: &Content,
    rng: &mut Rng,
) -> Result<(), SeedError> {
    let content = seeded_plan(seed, mapping, rng);
    let mut history: Vec<(PlanState, plan::Content)> = Vec::new();
    let pick = seed.history.unwrap_or_else(|| rng.below(5));
    let approver = seed.approver;
    match (pick, approver) {
        (0, _) | (_, None) => history.push((PlanState::Draft, content)),
        (1, _) => history.push((PlanState::Submitted, content)),
        (2, _) => history.push((PlanState::Returned, content)),
        (3, _) => history.push((PlanState::Approved, content)),
        (4, _) => {
            history.push((PlanState::Approved, content.clone()));
            history.push((PlanState::Draft, content));
        }
        _ => {
            let mut next = content.clone();
            next.measures.push(Measure {
                id: rng.uuid(),
                party: if seed.child {
                    Party::Child
                } else {
                    Party::Resident
                },
                party_name: String::new(),
                text: "Holder seg inne etter skoletid.".into(),
                from: None,
                until: None,
                answers: Vec::new(),
                restricts: true,
            });
            history.push((PlanState::Approved, content));
            history.push((PlanState::Submitted, next));
        }
    }
    for (i, (state, content)) in history.into_iter().enumerate() {
        let id = rng.uuid();
        b.ids.push(id);
        b.persons.push(seed.person_id);
        b.versions.push(i as i32 + 1);
        b.states.push(state.code().into());
        b.mapping_versions.push(1);
        b.contents.push(serde_json::to_string(&content)?);
        b.authors.push(seed.author);
        let approved = state == PlanState::Approved;
        b.approvers.push(approver.filter(|_| approved));
        // Some reviews are already overdue.
        b.next_reviews.push(
            approved.then(|| crate::locale::today() + Duration::days(28 - rng.below(40) as i64)),
        );
        if let (Some(by), PlanState::Returned | PlanState::Approved) = (approver, state) {
            b.decision_ids.push(rng.uuid());
            b.decision_plans.push(id);
            b.decision_kinds.push(state.code().into());
            b.decision_comments.push(if state == PlanState::Returned {
                "Tiltakene for barnet er for mange. Flytt ansvaret over på de voksne.".into()
            } else {
                String::new()
            });
            b.decision_by.push(by);
        }
    }
    Ok(())
}

fn seeded_plan(seed: &PlanSeed, mapping: &Content, rng: &mut Rng) -> plan::Content {
    let links = plan::links_of(mapping);
    let fear = links.iter().find(|l| !l.is_threat).map(|l| l.id);
    let threat = links.iter().find(|l| l.is_threat).map(|l| l.id).or(fear);
    let from = Some(crate::locale::today());
    let police_measure = mapping.assessment == Some(Assessment::Severe) || rng.chance(30);
    let police_recorded = rng.chance(60);
    let unlinked = rng.chance(20);
    let mut measure = |party: Party, text: &str, answers: Option<Uuid>, restricts: bool| Measure {
        id: rng.uuid(),
        party,
        party_name: String::new(),
        text: text.into(),
        from,
        until: None,
        answers: answers.into_iter().collect(),
        restricts,
    };
    let mut c = plan::Content::empty(seed.child);
    if seed.child {
        c.measures = vec![
            measure(
                Party::Parent,
                "Følger barnet til og fra skolen hver dag.",
                threat,
                false,
            ),
            measure(
                Party::Centre,
                "Kontaktpersonen snakker med barnet to ganger i uka om hvordan det går.",
                fear,
                false,
            ),
            measure(
                Party::School,
                "Lar ikke barnet gå med andre enn mor eller kontaktpersonen.",
                threat,
                false,
            ),
            measure(
                Party::Child,
                "Sier fra til en voksen hvis noen ukjente tar kontakt på nett.",
                threat,
                false,
            ),
        ];
        c.school = plan::School {
            safe_to_start: Some(plan::SchoolStart::AfterMeasures),
            required_first: "Skolen kjenner planen og vet hvem som kan hente.".into(),
            contributes: "Fast voksen i friminuttene.".into(),
            if_perpetrator_comes: "Tar barnet inn, ringer politiet og deretter mor.".into(),
            safest_places: "Klasserommet og biblioteket.".into(),
            riskiest_places: "Porten mot parkeringsplassen.".into(),
            outside_centre: "Mor følger til og fra; barnet går ikke alene.".into(),
        };
        if seed.school_age {
            c.child_part = plan::ChildPart {
                can_do: "Gå sammen med mamma til skolen. Være med vennene mine i friminuttet."
                    .into(),
                avoid: "Ikke legge ut bilder som viser hvor jeg er.".into(),
                if_frightening: "Gå inn til en lærer og si fra med en gang.".into(),
                shielded_address: "Si at jeg bor hos familie, hvis noen spør.".into(),
                online: "Chatte med vennene jeg kjenner. Ikke svare ukjente.".into(),
            };
        }
    } else {
        c.measures = vec![
            measure(
                Party::Resident,
                "Bytter telefonnummer og slår av posisjonsdeling.",
                threat,
                false,
            ),
            measure(
                Party::Centre,
                "Følger beboeren til møter utenfor senteret.",
                fear,
                false,
            ),
        ];
    }
    if police_measure {
        c.measures.push(measure(
            Party::Police,
            "Vurderer besøksforbud.",
            threat,
            false,
        ));
        if police_recorded {
            c.police = plan::Police {
                contacted_on: from,
                district: "Eksempel politidistrikt".into(),
                contact: "Familievoldskoordinator".into(),
                agreed: "Politiet vurderer besøksforbud og gir beskjed innen en uke.".into(),
            };
        }
    }
    if unlinked {
        c.measures.push(measure(
            if seed.child {
                Party::Child
            } else {
                Party::Resident
            },
            "Holder seg inne etter skoletid.",
            None,
            seed.child,
        ));
    }
    c.shielded_address =
        "Vi snakker ikke om hvor vi bor. Post sendes til kontaktpersonens adresse.".into();
    c
}
