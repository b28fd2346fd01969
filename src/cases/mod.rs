//! Cases: one stay of one resident at one centre, with the children who came
//! along. Every case route loads its case with `load_for`, which filters by
//! the user's centre in SQL: another centre's case does not exist (U5).

pub mod access;
pub mod form;
pub mod restriction;
pub mod routes;

use std::sync::LazyLock;

use sqlx::postgres::PgRow;
use sqlx::{FromRow, PgExecutor, PgPool, Postgres, QueryBuilder, Row as _};
use time::{Date, OffsetDateTime};
use uuid::Uuid;

use crate::error::AppError;

crate::code_enum! {
    /// The kinds of violence a case can name. R8: none of them is a reason
    /// to refuse a resident.
    pub enum ViolenceKind {
        Physical = "physical" "Fysisk vold",
        Psychological = "psychological" "Psykisk vold",
        Sexual = "sexual" "Seksuell vold",
        Economic = "economic" "Økonomisk eller materiell vold",
        Digital = "digital" "Digital vold",
        Threats = "threats" "Trusler",
        SocialControl = "social_control" "Negativ sosial kontroll eller æresrelatert vold",
        Trafficking = "trafficking" "Menneskehandel",
        Witnessing = "witnessing" "Barn i saken har opplevd vold i familien",
        Other = "other" "Annen vold",
    }
}

crate::code_enum! {
    /// Whether the resident still lives at the centre.
    pub enum CaseState {
        Open = "open" "Åpen",
        Closed = "closed" "Avsluttet (utflyttet)",
    }
}

impl CaseState {
    /// As the case list's filter names it.
    pub fn plural(self) -> &'static str {
        match self {
            CaseState::Open => "Åpne",
            CaseState::Closed => "Avsluttede",
        }
    }
}

crate::code_enum! {
    /// Who a person of a case is: the resident, or a child who came along.
    pub enum PersonKind {
        Resident = "resident" "Beboer",
        Child = "child" "Barn",
    }
}

#[derive(Clone, Debug, FromRow)]
pub struct Case {
    pub id: Uuid,
    pub centre_id: Uuid,
    pub arrival_date: Date,
    pub planned_departure_date: Option<Date>,
    pub contact_person_id: Option<Uuid>,
    pub violence_kinds: Vec<ViolenceKind>,
    pub note: String,
    pub closed_on: Option<Date>,
    /// Why it closed, when a relocation closed it ("Relokalisert til …").
    pub departure_reason: String,
    /// Started from what another centre shared at a relocation (R5, R6).
    pub arrived_with_share: Option<Uuid>,
    /// Restricted to these accounts; `None`: every staff member of the
    /// centre may open it (see `restriction`).
    pub restricted_to: Option<Vec<Uuid>>,
    pub lock_version: i32,
}

impl Case {
    /// Who may be the case's or a child's contact person, of the centre's
    /// active `accounts`: on a restricted case, only those on its list.
    pub fn possible_contacts(&self, accounts: &[(Uuid, String)]) -> Vec<(Uuid, String)> {
        accounts
            .iter()
            .filter(|(id, _)| self.may_open(*id))
            .cloned()
            .collect()
    }

    /// Whether `account` may open the case (`restriction::may_open`, of a
    /// loaded case).
    pub fn may_open(&self, account: Uuid) -> bool {
        self.restricted_to
            .as_ref()
            .is_none_or(|ids| ids.contains(&account))
    }
}

const CASE_COLUMNS: &str = "id, centre_id, arrival_date, planned_departure_date, contact_person_id, \
                            violence_kinds, note, closed_on, departure_reason, arrived_with_share, \
                            restricted_to, lock_version";

#[derive(Clone, Debug)]
pub struct Person {
    pub id: Uuid,
    pub case_id: Uuid,
    pub kind: PersonKind,
    pub name: String,
    pub birth_date: Date,
    pub phone: String,
    pub school: String,
    pub contact_person_id: Option<Uuid>,
    pub removed_at: Option<OffsetDateTime>,
}

const PERSON_COLUMNS: &str =
    "id, case_id, kind, name, birth_date, phone, school, contact_person_id, removed_at";

impl<'r> FromRow<'r, PgRow> for Person {
    fn from_row(row: &'r PgRow) -> sqlx::Result<Self> {
        Person::from_row_prefixed(row, "")
    }
}

/// A case's columns of `c` and a person's of `p`, prefixed `person_`: a
/// case and one of its people in one row.
fn case_and_person_columns() -> String {
    let case = CASE_COLUMNS.split(", ").map(|column| format!("c.{column}"));
    let person = PERSON_COLUMNS
        .split(", ")
        .map(|column| format!("p.{column} AS person_{column}"));
    case.chain(person).collect::<Vec<_>>().join(", ")
}

static CASE_AND_PERSON: LazyLock<String> = LazyLock::new(|| {
    format!(
        "SELECT {} FROM cases c JOIN persons p ON p.case_id = c.id
         WHERE c.id = $1 AND c.centre_id = $2 AND p.id = $3 AND p.centre_id = $2",
        case_and_person_columns()
    )
});

/// The case page's data (`$1` case, `$2` centre, `$3` completed, `$4`
/// draft, `$5` approved): one row per person, with the case's columns, the
/// person's mapping and plan at a glance and open flags, and, the same on
/// every row, the centre's name, its contact people, the case's own moves
/// and what arrived with it from another centre.
static OVERVIEW: LazyLock<String> = LazyLock::new(|| {
    format!(
        "SELECT {},
                centre.name AS centre_name, contacts.ids AS contact_ids,
                contacts.names AS contact_names, moves.*,
                ms.completed AS mapping_completed, coalesce(ms.has_draft, false) AS has_draft,
                ps.approved AS plan_approved, ps.open_state AS plan_open_state,
                ARRAY(SELECT f.kind FROM review_flags f
                      WHERE f.person_id = p.id AND f.centre_id = c.centre_id
                        AND f.resolved_at IS NULL) AS flags
         FROM cases c
         JOIN centres centre ON centre.id = c.centre_id
         CROSS JOIN LATERAL (
             SELECT coalesce(array_agg(a.id ORDER BY a.full_name), '{{}}') AS ids,
                    coalesce(array_agg(a.full_name ORDER BY a.full_name), '{{}}') AS names
             FROM accounts a WHERE a.centre_id = c.centre_id AND a.active
         ) contacts
         CROSS JOIN {}
         JOIN persons p ON p.case_id = c.id AND p.centre_id = c.centre_id
         LEFT JOIN LATERAL (
             SELECT max(m.version) FILTER (WHERE m.state = $3) AS completed,
                    bool_or(m.state = $4) AS has_draft
             FROM mappings m WHERE m.person_id = p.id AND m.centre_id = c.centre_id
         ) ms ON true
         LEFT JOIN LATERAL (
             SELECT max(pl.version) FILTER (WHERE pl.state = $5) AS approved,
                    max(pl.state) FILTER (WHERE pl.state <> $5) AS open_state
             FROM plans pl WHERE pl.person_id = p.id AND pl.centre_id = c.centre_id
         ) ps ON true
         WHERE c.id = $1 AND c.centre_id = $2
         ORDER BY p.removed_at IS NOT NULL, p.kind DESC, p.birth_date, p.name",
        case_and_person_columns(),
        crate::relocation::MOVES_OF_CASE
    )
});

/// A case as its page shows it (see `OVERVIEW`).
pub struct Overview {
    pub case: Case,
    /// The resident first, then the children, oldest first; removed
    /// children last.
    pub people: Vec<PersonOverview>,
    /// Who may be a contact person: the centre's active accounts.
    pub contact_people: Vec<(Uuid, String)>,
    /// R5: the moves between centres Trygg knows of for this resident.
    pub history: Vec<crate::relocation::Move>,
}

pub struct PersonOverview {
    pub person: Person,
    pub mapping: crate::mapping::Status,
    pub plan: crate::plans::model::Status,
    /// Open review flags (U4), most urgent first.
    pub flags: Vec<crate::flags::FlagKind>,
}

/// The case page's data, of the caller's centre: one statement.
pub async fn overview(db: &PgPool, centre_id: Uuid, case_id: Uuid) -> Result<Overview, AppError> {
    let rows = sqlx::query(&OVERVIEW)
        .bind(case_id)
        .bind(centre_id)
        .bind(crate::mapping::MappingState::Completed)
        .bind(crate::mapping::MappingState::Draft)
        .bind(crate::plans::PlanState::Approved)
        .fetch_all(db)
        .await?;
    let first = rows.first().ok_or(AppError::NotFound)?;
    let case = Case::from_row(first)?;
    let ids: Vec<Uuid> = first.try_get("contact_ids")?;
    let names: Vec<String> = first.try_get("contact_names")?;
    let history =
        crate::relocation::moves_of_case(first, &first.try_get::<String, _>("centre_name")?)?;
    let mut people = Vec::new();
    for row in &rows {
        let mut flags: Vec<crate::flags::FlagKind> = row.try_get("flags")?;
        flags.sort_by_key(|kind| crate::flags::view::urgency(*kind));
        people.push(PersonOverview {
            person: Person::from_row_prefixed(row, "person_")?,
            mapping: crate::mapping::Status {
                completed: row.try_get("mapping_completed")?,
                has_draft: row.try_get("has_draft")?,
            },
            plan: crate::plans::model::Status {
                approved: row.try_get("plan_approved")?,
                open_state: row.try_get("plan_open_state")?,
            },
            flags,
        });
    }
    Ok(Overview {
        case,
        people,
        contact_people: ids.into_iter().zip(names).collect(),
        history,
    })
}

impl Person {
    /// From columns named as `PERSON_COLUMNS`, after `prefix`.
    fn from_row_prefixed(row: &PgRow, prefix: &str) -> sqlx::Result<Self> {
        let column = |name: &str| format!("{prefix}{name}");
        Ok(Person {
            id: row.try_get(column("id").as_str())?,
            case_id: row.try_get(column("case_id").as_str())?,
            kind: row.try_get(column("kind").as_str())?,
            name: row.try_get(column("name").as_str())?,
            birth_date: row.try_get(column("birth_date").as_str())?,
            phone: row.try_get(column("phone").as_str())?,
            school: row.try_get(column("school").as_str())?,
            contact_person_id: row.try_get(column("contact_person_id").as_str())?,
            removed_at: row.try_get(column("removed_at").as_str())?,
        })
    }

    pub fn is_child(&self) -> bool {
        self.kind == PersonKind::Child
    }

    pub fn age(&self) -> i32 {
        crate::locale::age(self.birth_date, crate::locale::today())
    }
}

/// The one way to load a case: only within the caller's centre.
pub async fn load_for(
    db: impl PgExecutor<'_>,
    centre_id: Uuid,
    id: Uuid,
) -> Result<Case, AppError> {
    sqlx::query_as(&format!(
        "SELECT {CASE_COLUMNS} FROM cases WHERE id = $1 AND centre_id = $2"
    ))
    .bind(id)
    .bind(centre_id)
    .fetch_optional(db)
    .await?
    .ok_or(AppError::NotFound)
}

/// A case and one of its people, both of the caller's centre (removed
/// children included: their mappings stay readable), in one
/// statement.
pub async fn case_and_person(
    db: &PgPool,
    centre_id: Uuid,
    case_id: Uuid,
    person_id: Uuid,
) -> Result<(Case, Person), AppError> {
    let row = sqlx::query(&CASE_AND_PERSON)
        .bind(case_id)
        .bind(centre_id)
        .bind(person_id)
        .fetch_optional(db)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok((
        Case::from_row(&row)?,
        Person::from_row_prefixed(&row, "person_")?,
    ))
}

/// As `case_and_person`, for what writes: a child removed from the case
/// keeps its mappings and plans readable, but they no longer change.
pub async fn case_and_person_to_change(
    db: &PgPool,
    centre_id: Uuid,
    case_id: Uuid,
    person_id: Uuid,
) -> Result<(Case, Person), AppError> {
    let (case, person) = case_and_person(db, centre_id, case_id, person_id).await?;
    if person.removed_at.is_some() {
        return Err(AppError::NotFound);
    }
    Ok((case, person))
}

/// The resident first, then the children, oldest first; removed children last.
pub async fn people(db: impl PgExecutor<'_>, case_id: Uuid) -> sqlx::Result<Vec<Person>> {
    sqlx::query_as(&format!(
        "SELECT {PERSON_COLUMNS} FROM persons WHERE case_id = $1
         ORDER BY removed_at IS NOT NULL, kind DESC, birth_date, name"
    ))
    .bind(case_id)
    .fetch_all(db)
    .await
}

/// The resident of a case: every case has one.
pub async fn resident_of(db: impl PgExecutor<'_>, case_id: Uuid) -> Result<Person, AppError> {
    people(db, case_id)
        .await?
        .into_iter()
        .find(|p| !p.is_child())
        .ok_or_else(|| AppError::Internal("a case without its resident".into()))
}

/// Staff who may be a contact person: the centre's active accounts.
pub async fn contact_people(
    db: impl PgExecutor<'_>,
    centre_id: Uuid,
) -> sqlx::Result<Vec<(Uuid, String)>> {
    sqlx::query_as(
        "SELECT id, full_name FROM accounts WHERE centre_id = $1 AND active ORDER BY full_name",
    )
    .bind(centre_id)
    .fetch_all(db)
    .await
}

/// What a case form sets.
pub struct CaseFields {
    pub resident_name: String,
    pub resident_birth_date: Date,
    pub resident_phone: String,
    pub arrival_date: Date,
    pub planned_departure_date: Option<Date>,
    pub contact_person_id: Uuid,
    pub violence_kinds: Vec<ViolenceKind>,
    pub note: String,
    pub closed_on: Option<Date>,
}

pub async fn create(
    tx: &mut sqlx::PgConnection,
    centre_id: Uuid,
    fields: &CaseFields,
    seeded: bool,
) -> sqlx::Result<Uuid> {
    let id = Uuid::new_v4();
    sqlx::query(
        "INSERT INTO cases (id, centre_id, arrival_date, planned_departure_date, contact_person_id,
                            violence_kinds, note, closed_on, seeded)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(id)
    .bind(centre_id)
    .bind(fields.arrival_date)
    .bind(fields.planned_departure_date)
    .bind(fields.contact_person_id)
    .bind(&fields.violence_kinds)
    .bind(&fields.note)
    .bind(fields.closed_on)
    .bind(seeded)
    .execute(&mut *tx)
    .await?;
    insert_person(
        &mut *tx,
        NewPerson {
            case_id: id,
            centre_id,
            kind: PersonKind::Resident,
            name: &fields.resident_name,
            birth_date: fields.resident_birth_date,
            phone: &fields.resident_phone,
            school: "",
            contact_person_id: Some(fields.contact_person_id),
        },
    )
    .await?;
    Ok(id)
}

/// Saves the case if nobody else saved it since `lock_version` was read; `false`
/// when they did (nothing is written then).
pub async fn update(
    tx: &mut sqlx::PgConnection,
    case: &Case,
    lock_version: i32,
    fields: &CaseFields,
) -> sqlx::Result<bool> {
    let updated = sqlx::query(
        "UPDATE cases SET arrival_date = $3, planned_departure_date = $4, contact_person_id = $5,
                          violence_kinds = $6, note = $7, closed_on = $8,
                          departure_reason = CASE WHEN $8::date IS NULL THEN ''
                                                  ELSE departure_reason END,
                          lock_version = lock_version + 1, updated_at = now()
         WHERE id = $1 AND lock_version = $2",
    )
    .bind(case.id)
    .bind(lock_version)
    .bind(fields.arrival_date)
    .bind(fields.planned_departure_date)
    .bind(fields.contact_person_id)
    .bind(&fields.violence_kinds)
    .bind(&fields.note)
    .bind(fields.closed_on)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    if updated == 0 {
        return Ok(false);
    }
    sqlx::query(
        "UPDATE persons SET name = $2, birth_date = $3, phone = $4, contact_person_id = $5
         WHERE case_id = $1 AND kind = $6",
    )
    .bind(case.id)
    .bind(&fields.resident_name)
    .bind(fields.resident_birth_date)
    .bind(&fields.resident_phone)
    .bind(fields.contact_person_id)
    .bind(PersonKind::Resident)
    .execute(&mut *tx)
    .await?;
    Ok(true)
}

/// What the child form sets.
pub struct ChildFields {
    pub name: String,
    pub birth_date: Date,
    pub school: String,
    pub contact_person_id: Option<Uuid>,
}

pub async fn add_child(
    db: impl PgExecutor<'_>,
    case: &Case,
    child: &ChildFields,
) -> sqlx::Result<Uuid> {
    insert_person(
        db,
        NewPerson {
            case_id: case.id,
            centre_id: case.centre_id,
            kind: PersonKind::Child,
            name: &child.name,
            birth_date: child.birth_date,
            phone: "",
            school: &child.school,
            contact_person_id: child.contact_person_id,
        },
    )
    .await
}

/// A person of a case: the resident, or a child.
struct NewPerson<'a> {
    case_id: Uuid,
    centre_id: Uuid,
    kind: PersonKind,
    name: &'a str,
    birth_date: Date,
    phone: &'a str,
    school: &'a str,
    contact_person_id: Option<Uuid>,
}

async fn insert_person(db: impl PgExecutor<'_>, person: NewPerson<'_>) -> sqlx::Result<Uuid> {
    let id = Uuid::new_v4();
    sqlx::query(
        "INSERT INTO persons (id, case_id, centre_id, kind, name, birth_date, phone, school,
                              contact_person_id)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(id)
    .bind(person.case_id)
    .bind(person.centre_id)
    .bind(person.kind)
    .bind(person.name)
    .bind(person.birth_date)
    .bind(person.phone)
    .bind(person.school)
    .bind(person.contact_person_id)
    .execute(db)
    .await?;
    Ok(id)
}

pub async fn remove_child(
    db: impl PgExecutor<'_>,
    case: &Case,
    person_id: Uuid,
) -> sqlx::Result<bool> {
    Ok(sqlx::query(
        "UPDATE persons SET removed_at = now()
         WHERE id = $1 AND case_id = $2 AND kind = $3 AND removed_at IS NULL",
    )
    .bind(person_id)
    .bind(case.id)
    .bind(PersonKind::Child)
    .execute(db)
    .await?
    .rows_affected()
        > 0)
}

/// Which cases the list shows.
#[derive(Debug, Default, Clone)]
pub struct ListFilter {
    /// Only open, or only closed, cases; all when `None`.
    pub state: Option<CaseState>,
    pub contact_person_id: Option<Uuid>,
    /// Part of the name of anyone in the case.
    pub name: String,
    /// Where the page starts: the first page when `None`.
    pub from: Option<PageStart>,
}

/// A page of the list starts next to a case of the page before or after it
/// (keyset paging: a deep page costs what the first does, where an OFFSET
/// would read every case before it).
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum PageStart {
    /// The cases that come after this one, newest first.
    After(Uuid),
    /// The cases that come before this one, the page just before it.
    Before(Uuid),
}

pub const PAGE_SIZE: i64 = 50;

#[derive(Debug)]
pub struct CaseRow {
    pub id: Uuid,
    /// Restricted to others than the one who asks: shown as «Skjermet sak»,
    /// with no people.
    pub hidden: bool,
    pub arrival_date: Date,
    pub closed_on: Option<Date>,
    pub contact_name: Option<String>,
    /// The resident first, then the children, oldest first.
    pub people: Vec<PersonRow>,
}

#[derive(Debug)]
pub struct PersonRow {
    pub id: Uuid,
    pub kind: PersonKind,
    pub name: String,
    pub birth_date: Date,
    pub has_mapping: bool,
    /// Open review flags (U4), most urgent first.
    pub flags: Vec<crate::flags::FlagKind>,
}

/// A page of the list as the query returns it: one row per person, with
/// their case's columns.
#[derive(FromRow)]
struct ListedPerson {
    case_id: Uuid,
    hidden: bool,
    arrival_date: Date,
    closed_on: Option<Date>,
    contact_name: Option<String>,
    person_id: Option<Uuid>,
    kind: Option<PersonKind>,
    name: Option<String>,
    birth_date: Option<Date>,
    has_mapping: bool,
    flags: Vec<crate::flags::FlagKind>,
}

/// The query behind a page of the list: the cases of the page, sorted the
/// way `cases_centre_arrival_idx` is built, each with its people, whether
/// they are mapped, and their open flags, in one statement. `prefix` is ""
/// here, and `EXPLAIN …` in the benchmark, so that it measures exactly this
/// SQL. A case restricted to others than `account_id` keeps its row, but
/// not its people, and no name finds it.
pub fn list_query(
    centre_id: Uuid,
    account_id: Uuid,
    filter: &ListFilter,
    prefix: &str,
) -> QueryBuilder<'static, Postgres> {
    let mut q: QueryBuilder<Postgres> = QueryBuilder::new(prefix.to_owned());
    let name = filter.name.trim().to_lowercase();
    let pattern = format!(
        "%{}%",
        name.replace('\\', "\\\\")
            .replace('%', "\\%")
            .replace('_', "\\_")
    );
    // A name of three letters or more can use the trigram index: find the
    // matching people first (few), then their cases. Left to itself the
    // planner walks the cases newest first and probes each one's people,
    // which reads the whole centre when the name is rare. A shorter name
    // matches nearly everyone, and that walk is then the quick way.
    let by_trigrams = name.chars().count() >= 3;
    q.push("WITH ");
    if by_trigrams {
        q.push(
            "matching AS MATERIALIZED (
                 SELECT DISTINCT p.case_id FROM persons p WHERE p.centre_id = ",
        )
        .push_bind(centre_id)
        .push(" AND p.removed_at IS NULL AND lower(p.name) LIKE ")
        .push_bind(pattern.clone())
        .push("), ");
    }
    q.push(
        "page AS (
         SELECT c.id, c.arrival_date, c.closed_on, a.full_name AS contact_name,
                NOT (c.restricted_to IS NULL OR ",
    );
    q.push_bind(account_id).push(
        " = ANY(c.restricted_to)) AS hidden
         FROM cases c LEFT JOIN accounts a ON a.id = c.contact_person_id
         WHERE c.centre_id = ",
    );
    q.push_bind(centre_id);
    match filter.state {
        Some(CaseState::Open) => {
            q.push(" AND c.closed_on IS NULL");
        }
        Some(CaseState::Closed) => {
            q.push(" AND c.closed_on IS NOT NULL");
        }
        None => {}
    }
    if let Some(contact) = filter.contact_person_id {
        q.push(" AND c.contact_person_id = ").push_bind(contact);
    }
    if !name.is_empty() {
        // restriction::may_open, bound as a parameter of this builder.
        q.push(" AND (c.restricted_to IS NULL OR ")
            .push_bind(account_id)
            .push(" = ANY(c.restricted_to))");
    }
    if by_trigrams {
        q.push(" AND c.id IN (SELECT case_id FROM matching)");
    } else if !name.is_empty() {
        q.push(
            " AND c.id IN (SELECT p.case_id FROM persons p
                           WHERE p.centre_id = ",
        )
        .push_bind(centre_id)
        .push(" AND p.removed_at IS NULL AND lower(p.name) LIKE ")
        .push_bind(pattern)
        .push(")");
    }
    // Newest first; a page before another is read the other way and sorted
    // back below. A case from another centre starts nothing (no rows).
    let (compare, order) = match filter.from {
        None => ("", "DESC"),
        Some(PageStart::After(_)) => ("<", "DESC"),
        Some(PageStart::Before(_)) => (">", "ASC"),
    };
    if let Some(PageStart::After(id) | PageStart::Before(id)) = filter.from {
        q.push(format_args!(
            " AND (c.arrival_date, c.id) {compare} \
             (SELECT k.arrival_date, k.id FROM cases k WHERE k.id = "
        ))
        .push_bind(id)
        .push(" AND k.centre_id = ")
        .push_bind(centre_id)
        .push(")");
    }
    q.push(format_args!(
        " ORDER BY c.arrival_date {order}, c.id {order} LIMIT "
    ))
    .push_bind(PAGE_SIZE + 1);
    q.push(
        ")
         SELECT page.id AS case_id, page.hidden, page.arrival_date, page.closed_on,
                page.contact_name,
                p.id AS person_id, p.kind, p.name, p.birth_date,
                EXISTS (SELECT 1 FROM mappings m WHERE m.person_id = p.id AND m.state = ",
    )
    .push_bind(crate::mapping::MappingState::Completed)
    .push(
        ") AS has_mapping,
                ARRAY(SELECT f.kind FROM review_flags f
                      WHERE f.person_id = p.id AND f.centre_id = p.centre_id
                        AND f.resolved_at IS NULL) AS flags
         FROM page LEFT JOIN persons p ON p.case_id = page.id AND p.removed_at IS NULL
                                      AND NOT page.hidden AND p.centre_id = ",
    )
    .push_bind(centre_id)
    .push(" ORDER BY page.arrival_date DESC, page.id DESC, p.kind DESC, p.birth_date");
    q
}

/// A page of the centre's cases, newest arrival first, with their people:
/// one statement whatever the page's size or depth. The booleans say
/// whether pages come before and after it.
pub async fn list(
    db: &sqlx::PgPool,
    (centre_id, account_id): (Uuid, Uuid),
    filter: &ListFilter,
) -> sqlx::Result<(Vec<CaseRow>, bool, bool)> {
    let rows: Vec<ListedPerson> = list_query(centre_id, account_id, filter, "")
        .build_query_as()
        .fetch_all(db)
        .await?;
    let mut cases: Vec<CaseRow> = Vec::new();
    for row in rows {
        if cases.last().is_none_or(|case| case.id != row.case_id) {
            cases.push(CaseRow {
                id: row.case_id,
                hidden: row.hidden,
                arrival_date: row.arrival_date,
                closed_on: row.closed_on,
                contact_name: row.contact_name,
                people: Vec::new(),
            });
        }
        let (Some(id), Some(kind), Some(name), Some(birth_date)) =
            (row.person_id, row.kind, row.name, row.birth_date)
        else {
            continue;
        };
        let mut flags = row.flags;
        flags.sort_by_key(|kind| crate::flags::view::urgency(*kind));
        if let Some(case) = cases.last_mut() {
            case.people.push(PersonRow {
                id,
                kind,
                name,
                birth_date,
                has_mapping: row.has_mapping,
                flags,
            });
        }
    }
    let full = cases.len() as i64 > PAGE_SIZE;
    let (before, after) = match filter.from {
        None => (false, full),
        Some(PageStart::After(_)) => (true, full),
        Some(PageStart::Before(_)) => (full, true),
    };
    if full {
        // The row that only said another page follows, at the far end.
        match filter.from {
            Some(PageStart::Before(_)) => drop(cases.remove(0)),
            _ => drop(cases.pop()),
        }
    }
    Ok((cases, before, after))
}
