//! `spawn_app()` gives each test its own database (cloned from a migrated
//! template in one throwaway cluster per test run) and a server on a free
//! port. `Browser` speaks HTTP as a browser does: it keeps the session cookie
//! and sends the CSRF token of the last page it saw.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use reqwest::header::HeaderMap;
use scraper::{ElementRef, Html, Selector};
use sqlx::postgres::PgConnectOptions;
use sqlx::{Connection, Executor, PgConnection, PgPool};
use trygg::accounts::{self, Centre, EmailAddress, NewAccount, Role};
use trygg::db::embedded::{APP_ROLE, EmbeddedCluster, OWNER_ROLE};
use uuid::Uuid;

pub const PASSWORD: &str = "Lang og trygg setning 2026";
const TEMPLATE_DB: &str = "trygg_template";

struct TestCluster {
    superuser: PgConnectOptions,
    app: PgConnectOptions,
    owner: PgConnectOptions,
    /// `DATABASE_URL` and `DATABASE_OWNER_URL` of the template database.
    urls: (String, String),
}

static CLUSTER: OnceLock<TestCluster> = OnceLock::new();

/// One cluster for the whole test run, started by the same code as the
/// server's embedded cluster. It stops with the test process.
fn cluster() -> &'static TestCluster {
    CLUSTER.get_or_init(|| {
        remove_stale_clusters();
        let root = std::env::temp_dir().join(format!("trygg-test-{}", std::process::id()));
        // Tests run inside a runtime; this one-off set-up gets its own thread.
        std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("runtime");
            runtime.block_on(async {
                let cluster = EmbeddedCluster::start_throwaway(&root)
                    .await
                    .unwrap_or_else(|e| panic!("could not start the test PostgreSQL: {e}"));
                let mut conn = cluster.connect_superuser().await.expect("superuser");
                conn.execute(format!("CREATE DATABASE {TEMPLATE_DB} OWNER {OWNER_ROLE}").as_str())
                    .await
                    .expect("template database");
                conn.close().await.expect("close");
                revoke_public_create(&cluster.options("postgres", TEMPLATE_DB)).await;
                // As in production: the owner migrates, the server's role
                // gets its rights.
                trygg::db::prepare(&cluster.options(OWNER_ROLE, TEMPLATE_DB), APP_ROLE)
                    .await
                    .expect("migrations");
                let test_cluster = TestCluster {
                    superuser: cluster.options("postgres", "postgres"),
                    app: cluster.options(APP_ROLE, TEMPLATE_DB),
                    owner: cluster.options(OWNER_ROLE, TEMPLATE_DB),
                    urls: (
                        cluster.url(APP_ROLE, TEMPLATE_DB),
                        cluster.url(OWNER_ROLE, TEMPLATE_DB),
                    ),
                };
                // The cluster lives until the test process ends; PostgreSQL then
                // gets its parent-death signal and shuts down.
                std::mem::forget(cluster);
                test_cluster
            })
        })
        .join()
        .expect("test cluster set-up")
    })
}

/// Folders left by earlier test runs whose process is gone.
fn remove_stale_clusters() {
    let Ok(entries) = std::fs::read_dir(std::env::temp_dir()) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let Some(pid) = name
            .strip_prefix("trygg-test-")
            .and_then(|p| p.parse::<u32>().ok())
        else {
            continue;
        };
        if !PathBuf::from(format!("/proc/{pid}")).exists() {
            let _ = std::fs::remove_dir_all(entry.path());
        }
    }
}

/// A fresh, migrated database of the test cluster.
pub async fn fresh_database() -> (String, PgConnectOptions) {
    let cluster = cluster();
    let name = format!("test_{}", Uuid::new_v4().simple());
    let mut conn = PgConnection::connect_with(&cluster.superuser)
        .await
        .expect("superuser connection");
    conn.execute(
        format!("CREATE DATABASE {name} TEMPLATE {TEMPLATE_DB} OWNER {OWNER_ROLE}").as_str(),
    )
    .await
    .expect("create test database");
    conn.close().await.expect("close");
    let options = cluster.app.clone().database(&name);
    (name, options)
}

/// A connection to the test database `name` as PostgreSQL's superuser:
/// what someone with the machine could do.
pub async fn superuser_connection(name: &str) -> PgConnection {
    PgConnection::connect_with(&cluster().superuser.clone().database(name))
        .await
        .expect("superuser connection")
}

/// Tries to connect to the test cluster as `role` with no password.
pub async fn connect_without_password(role: &str, name: &str) -> sqlx::Result<PgConnection> {
    let socket = cluster().superuser.get_socket().expect("a socket").clone();
    let options = PgConnectOptions::new_without_pgpass()
        .socket(socket)
        .username(role)
        .database(name);
    PgConnection::connect_with(&options).await
}

/// As the deployment guide says (PostgreSQL 15 does it by itself): nobody
/// but the owner creates in the schema.
async fn revoke_public_create(superuser: &PgConnectOptions) {
    let mut conn = PgConnection::connect_with(superuser)
        .await
        .expect("superuser");
    conn.execute("REVOKE CREATE ON SCHEMA public FROM PUBLIC")
        .await
        .expect("revoke");
    conn.close().await.expect("close");
}

/// A database of the test cluster with no migration run yet, as its owner.
pub async fn empty_database() -> PgConnectOptions {
    let cluster = cluster();
    let name = format!("test_{}", Uuid::new_v4().simple());
    let mut conn = PgConnection::connect_with(&cluster.superuser)
        .await
        .expect("superuser connection");
    conn.execute(format!("CREATE DATABASE {name} OWNER {OWNER_ROLE}").as_str())
        .await
        .expect("create empty database");
    conn.close().await.expect("close");
    revoke_public_create(&cluster.superuser.clone().database(&name)).await;
    cluster.owner.clone().database(&name)
}

/// The server's role's options on the test database `name`.
pub fn app_options(name: &str) -> PgConnectOptions {
    cluster().app.clone().database(name)
}

/// The binary's `DATABASE_URL` (the server's role) and `DATABASE_OWNER_URL`
/// for a test database, as a deployment sets them.
pub fn database_env(name: &str) -> [(&'static str, String); 2] {
    let (app, owner) = &cluster().urls;
    let on = |url: &str| url.replace(&format!("/{TEMPLATE_DB}?"), &format!("/{name}?"));
    [("DATABASE_URL", on(app)), ("DATABASE_OWNER_URL", on(owner))]
}

pub struct TestApp {
    pub address: String,
    pub db: PgPool,
    pub db_name: String,
}

pub async fn spawn_app() -> TestApp {
    spawn_app_with(|_| {}).await
}

/// An app whose state `configure` changes first (trusted proxies, HSTS).
pub async fn spawn_app_with(configure: impl FnOnce(&mut trygg::AppState)) -> TestApp {
    spawn_server(configure, trygg::http::server::Limits::default()).await
}

/// An app served within `limits` (a short header timeout, say).
pub async fn spawn_server(
    configure: impl FnOnce(&mut trygg::AppState),
    limits: trygg::http::server::Limits,
) -> TestApp {
    let (db_name, options) = fresh_database().await;
    serve_database(db_name, options, configure, limits).await
}

/// A server on the test cluster's database `db_name`.
pub async fn serve_database(
    db_name: String,
    options: PgConnectOptions,
    configure: impl FnOnce(&mut trygg::AppState),
    limits: trygg::http::server::Limits,
) -> TestApp {
    let db = trygg::db::connect_server_pool(options, 5)
        .await
        .expect("test pool");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let address = format!("http://{}", listener.local_addr().expect("address"));
    let mut state = trygg::AppState::new(db.clone()).await.expect("state");
    // Every page says how many statements it took (see `statements.rs`).
    trygg::db::statements::install_counter();
    state.count_statements = true;
    configure(&mut state);
    let app = trygg::router(state);
    // The server's own loop, with its limits, as in production.
    tokio::spawn(trygg::http::server::serve(
        listener,
        app,
        limits,
        std::future::pending(),
    ));
    TestApp {
        address,
        db,
        db_name,
    }
}

pub struct TestUser {
    pub id: Uuid,
    pub email: String,
    pub password: String,
    pub name: String,
    /// The TOTP secret of the authenticator app the user enrolled.
    pub secret: Vec<u8>,
}

impl TestApp {
    pub fn browser(&self) -> Browser {
        Browser {
            client: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                // A request the server never answers fails the test, not CI.
                .timeout(std::time::Duration::from_secs(60))
                // The proxy test's nginx has a certificate made for the test.
                .danger_accept_invalid_certs(true)
                .build()
                .expect("client"),
            base: self.address.clone(),
            cookie: None,
            other_cookies: std::collections::BTreeMap::new(),
            headers: Vec::new(),
            csrf: None,
        }
    }

    pub async fn centre(&self, name: &str) -> Centre {
        accounts::create_centre(&self.db, name, false)
            .await
            .expect("centre")
    }

    pub async fn user(&self, centre: &Centre, role: Role) -> TestUser {
        self.user_named(
            centre,
            role,
            &format!(
                "{} {}",
                role.label(),
                &Uuid::new_v4().simple().to_string()[..6]
            ),
        )
        .await
    }

    pub async fn user_named(&self, centre: &Centre, role: Role, name: &str) -> TestUser {
        let email = format!("{}@test.example", Uuid::new_v4().simple());
        let parsed = EmailAddress::parse(&email).expect("email");
        let hash = trygg::auth::password::hash(PASSWORD.to_owned())
            .await
            .expect("hash");
        let account = accounts::create_account(
            &self.db,
            NewAccount {
                centre_id: centre.id,
                email: &parsed,
                full_name: name,
                role,
                password_hash: &hash,
                must_change_password: false,
            },
        )
        .await
        .expect("account");
        // Enrolled, as every account is before it can do anything.
        let secret = trygg::auth::second_factor::new_secret();
        sqlx::query("UPDATE accounts SET totp_secret = $2 WHERE id = $1")
            .bind(account.id)
            .bind(&secret)
            .execute(&self.db)
            .await
            .expect("enrol");
        TestUser {
            id: account.id,
            email,
            password: PASSWORD.to_owned(),
            name: name.to_owned(),
            secret,
        }
    }

    /// A browser in which `user` has logged in, with password and app code.
    pub async fn signed_in(&self, user: &TestUser) -> Browser {
        let mut browser = self.browser();
        let response = browser.login(&user.email, &user.password).await;
        assert_eq!(response.status, 303, "login failed: {}", response.body);
        assert_eq!(response.location(), "/login/code");
        let response = self.enter_code(&mut browser, user).await;
        assert_eq!(response.status, 303, "code refused: {}", response.body);
        browser
    }

    /// Enrols an authenticator app on the enrolment page as a user would:
    /// types the key shown into the "app", then the code it shows. Returns
    /// the secret and the page with the recovery codes.
    pub async fn enrol(&self, browser: &mut Browser, path: &str) -> (Vec<u8>, Response) {
        let page = browser.get(path).await;
        assert_eq!(page.status, 200, "no enrolment page: {}", page.body);
        assert!(
            page.count("figure svg[role=img]") == 1,
            "a QR code drawn in the page"
        );
        let key: String = page
            .text("#secret")
            .expect("the key as text")
            .split_whitespace()
            .collect();
        let secret = totp_rs::Secret::Encoded(key).to_bytes().expect("base32");
        let code = trygg::auth::second_factor::code_at(
            &secret,
            trygg::auth::second_factor::current_step(),
        );
        let next = page.input_value("next").unwrap_or_default();
        let done = browser
            .post("/login/enrol", &[("code", &code), ("next", &next)])
            .await;
        (secret, done)
    }

    /// Types the app's code on the code page, as the user would.
    pub async fn enter_code(&self, browser: &mut Browser, user: &TestUser) -> Response {
        let page = browser.get("/login/code").await;
        assert_eq!(page.status, 200, "no code page: {}", page.body);
        let code = self.fresh_code(user.id, &user.secret).await;
        browser.post("/login/code", &[("code", &code)]).await
    }

    /// The app's code for a time step the account has not used yet: the
    /// server accepts each step once, so a second login within the same
    /// 30 seconds uses the next step's code (the app would show it soon).
    pub async fn fresh_code(&self, account: Uuid, secret: &[u8]) -> String {
        use trygg::auth::second_factor::{code_at, current_step};
        loop {
            let last: Option<i64> =
                sqlx::query_scalar("SELECT totp_last_step FROM accounts WHERE id = $1")
                    .bind(account)
                    .fetch_one(&self.db)
                    .await
                    .expect("last step");
            let now = current_step();
            let step = last.map_or(now, |last| now.max(last + 1));
            if step <= now + 1 {
                return code_at(secret, step);
            }
            tokio::time::sleep(std::time::Duration::from_secs(1)).await;
        }
    }

    /// The kinds of audit events that concern `account`, oldest first.
    pub async fn audit_kinds_for(&self, account: Uuid) -> Vec<String> {
        sqlx::query_scalar(
            "SELECT kind FROM audit_events WHERE subject_account_id = $1 OR actor_id = $1 ORDER BY id",
        )
        .bind(account)
        .fetch_all(&self.db)
        .await
        .expect("audit")
    }

    /// An account's role, whether it is active, and whether it must change password.
    pub async fn account_state(&self, account: Uuid) -> (String, bool, bool) {
        sqlx::query_as("SELECT role, active, must_change_password FROM accounts WHERE id = $1")
            .bind(account)
            .fetch_one(&self.db)
            .await
            .expect("account state")
    }

    /// How many rows `from` holds: a FROM clause written in a test, never input.
    pub async fn count(&self, from: &str) -> i64 {
        sqlx::query_scalar(&format!("SELECT count(*) FROM {from}"))
            .fetch_one(&self.db)
            .await
            .expect("count")
    }

    /// A browser whose session expired while it filled the new-account form,
    /// and then posted it.
    pub async fn post_after_session_expired(
        &self,
        admin: &TestUser,
        full_name: &str,
    ) -> (Browser, Response) {
        let mut browser = self.signed_in(admin).await;
        browser.get("/admin/users/new").await;
        self.age_session(&browser, 45, 60).await;
        let response = browser
            .post(
                "/admin/users/new",
                &[
                    ("full_name", full_name),
                    ("email", "ny.ansatt@test.example"),
                    ("role", "coordinator"),
                ],
            )
            .await;
        (browser, response)
    }

    /// Moves a browser's session back in time, as if the user had been away.
    pub async fn age_session(&self, browser: &Browser, idle_minutes: i64, age_minutes: i64) {
        let token = browser.cookie.as_deref().expect("no session cookie");
        let changed = sqlx::query(
            "UPDATE sessions SET last_seen_at = now() - make_interval(mins => $2::int),
                                 created_at = now() - make_interval(mins => $3::int)
             WHERE id_hash = $1",
        )
        .bind(trygg::auth::token::hash_token(token))
        .bind(idle_minutes as i32)
        .bind(age_minutes as i32)
        .execute(&self.db)
        .await
        .expect("age session")
        .rows_affected();
        assert_eq!(changed, 1, "the session is not in the database");
    }
}

#[derive(Debug)]
pub struct Response {
    pub status: u16,
    pub headers: HeaderMap,
    pub body: String,
}

impl Response {
    pub fn location(&self) -> &str {
        self.headers
            .get("location")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
    }

    /// The header `name`, or "" when the response has none: for asserting
    /// that a header is absent or equal to a value. A test that looks inside
    /// a header's value uses `header_required`, so an absent header fails.
    pub fn header(&self, name: &str) -> &str {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
    }

    /// The header `name`, which must be there and not be empty.
    pub fn header_required(&self, name: &str) -> &str {
        let value = self
            .headers
            .get(name)
            .unwrap_or_else(|| panic!("no {name} header in {:?}", self.headers))
            .to_str()
            .unwrap_or_else(|_| panic!("the {name} header is not text"));
        assert!(!value.is_empty(), "the {name} header is empty");
        value
    }

    /// The page as a browser reads it.
    pub fn html(&self) -> Html {
        Html::parse_document(&self.body)
    }

    /// The value of the first input named `name` in the page.
    pub fn input_value(&self, name: &str) -> Option<String> {
        let css = format!("input[name={}]", css_string(name));
        self.attr(&css, "value")
    }

    /// The attribute `attr` of the first element matching `css`.
    pub fn attr(&self, css: &str, attr: &str) -> Option<String> {
        let html = self.html();
        let element = html.select(&selector(css)).next()?;
        element.attr(attr).map(str::to_owned)
    }

    /// The text of the first element matching `css`.
    pub fn text(&self, css: &str) -> Option<String> {
        let html = self.html();
        let element = html.select(&selector(css)).next()?;
        Some(element.text().collect())
    }

    /// The text of every element matching `css`, trimmed, in page order.
    pub fn texts(&self, css: &str) -> Vec<String> {
        self.html()
            .select(&selector(css))
            .map(|e| e.text().collect::<String>().trim().to_owned())
            .collect()
    }

    /// How many elements match `css`.
    pub fn count(&self, css: &str) -> usize {
        self.html().select(&selector(css)).count()
    }

    /// Whether the radio or checkbox `name` with `value` is checked.
    pub fn is_checked(&self, name: &str, value: &str) -> bool {
        let css = format!(
            "input[name={}][value={}]",
            css_string(name),
            css_string(value)
        );
        let html = self.html();
        let inputs = selector(&css);
        let mut inputs = html.select(&inputs).peekable();
        assert!(inputs.peek().is_some(), "no input {css} in the page");
        inputs.any(|input| input.attr("checked").is_some())
    }
}

/// A CSS selector written in a test; one that does not parse is a bug in the test.
pub fn selector(css: &str) -> Selector {
    Selector::parse(css).unwrap_or_else(|e| panic!("bad selector {css:?}: {e:?}"))
}

/// `text` as a quoted CSS string, for attribute selectors.
pub fn css_string(text: &str) -> String {
    format!("\"{}\"", text.replace('\\', "\\\\").replace('"', "\\\""))
}

pub struct Browser {
    client: reqwest::Client,
    base: String,
    /// The session cookie's token.
    pub cookie: Option<String>,
    /// The other cookies the server set (the login form's, the device's).
    pub other_cookies: std::collections::BTreeMap<String, String>,
    /// Sent with every request (`X-Forwarded-For`, `User-Agent`).
    pub headers: Vec<(&'static str, String)>,
    pub csrf: Option<String>,
}

pub const SESSION_COOKIE: &str = "__Host-trygg_session";

impl Browser {
    /// Another tab of this browser: the same session, asking at the same
    /// time.
    pub fn same_session(&self) -> Browser {
        Browser {
            client: self.client.clone(),
            base: self.base.clone(),
            cookie: self.cookie.clone(),
            other_cookies: self.other_cookies.clone(),
            headers: self.headers.clone(),
            csrf: self.csrf.clone(),
        }
    }

    pub async fn get(&mut self, path: &str) -> Response {
        let request = self.client.get(format!("{}{path}", self.base));
        self.send(request).await
    }

    /// Posts a form with the CSRF token of the last page seen.
    pub async fn post(&mut self, path: &str, fields: &[(&str, &str)]) -> Response {
        let mut all: Vec<(&str, &str)> = fields.to_vec();
        let csrf = self.csrf.clone().unwrap_or_default();
        if !fields.iter().any(|(k, _)| *k == "csrf_token") {
            all.push(("csrf_token", &csrf));
        }
        let body = serde_urlencoded::to_string(&all).expect("form");
        self.post_raw(path, body).await
    }

    /// Posts a form's fields as `form_fields` reads them, with the CSRF
    /// token of the last page seen.
    pub async fn post_fields(&mut self, path: &str, fields: &[(String, String)]) -> Response {
        let refs: Vec<(&str, &str)> = fields
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        self.post(path, &refs).await
    }

    /// Posts exactly `body`, token or not.
    pub async fn post_raw(&mut self, path: &str, body: String) -> Response {
        self.post_typed(path, body, "application/x-www-form-urlencoded")
            .await
    }

    pub async fn post_typed(&mut self, path: &str, body: String, content_type: &str) -> Response {
        let request = self
            .client
            .post(format!("{}{path}", self.base))
            .header("content-type", content_type)
            .body(body);
        self.send(request).await
    }

    /// Posts `fields` as a page's script does (`fetch`), not as a navigation,
    /// with the CSRF token of the last page seen.
    pub async fn fetch(&mut self, path: &str, fields: &[(String, String)]) -> Response {
        let mut all = fields.to_vec();
        all.push(("csrf_token".into(), self.csrf.clone().unwrap_or_default()));
        let request = self
            .client
            .post(format!("{}{path}", self.base))
            .header("content-type", "application/x-www-form-urlencoded")
            .header("sec-fetch-mode", "cors")
            .header("sec-fetch-site", "same-origin")
            .body(serde_urlencoded::to_string(&all).expect("form"));
        self.send(request).await
    }

    pub async fn login(&mut self, email: &str, password: &str) -> Response {
        let page = self.get("/login").await;
        assert_eq!(page.status, 200);
        self.post("/login", &[("email", email), ("password", password)])
            .await
    }

    /// The `Cookie` header this browser sends.
    pub fn cookie_header(&self) -> String {
        let mut pairs: Vec<String> = self
            .other_cookies
            .iter()
            .map(|(name, value)| format!("{name}={value}"))
            .collect();
        if let Some(token) = &self.cookie {
            pairs.push(format!("{SESSION_COOKIE}={token}"));
        }
        pairs.join("; ")
    }

    async fn send(&mut self, mut request: reqwest::RequestBuilder) -> Response {
        let cookies = self.cookie_header();
        if !cookies.is_empty() {
            request = request.header("cookie", cookies);
        }
        for (name, value) in &self.headers {
            request = request.header(*name, value);
        }
        let response = request.send().await.expect("request");
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        for set_cookie in headers.get_all("set-cookie") {
            let text = set_cookie.to_str().expect("cookie");
            let (name, rest) = text.split_once('=').expect("a cookie has a name");
            let value = rest.split(';').next().unwrap_or_default();
            let removed = value.is_empty() || text.contains("Max-Age=0");
            if name == SESSION_COOKIE {
                self.cookie = (!removed).then(|| value.to_owned());
            } else if removed {
                self.other_cookies.remove(name);
            } else {
                self.other_cookies.insert(name.to_owned(), value.to_owned());
            }
        }
        let body = response.text().await.expect("body");
        let response = Response {
            status,
            headers,
            body,
        };
        if let Some(token) = response.input_value("csrf_token") {
            self.csrf = Some(token);
        }
        response
    }
}

/// The current fields of the form with class `form_class`, as a browser would send them back, with
/// `changes` applied (a value of "" removes the field). Like a browser, it sends the inputs and
/// textareas that have a name, only the checked radios and checkboxes, the selected options of a
/// select, and neither disabled fields nor buttons: the test says which button it presses. The CSRF
/// token is left out; `Browser::post` adds the current one.
pub fn form_fields(
    page: &Response,
    form_class: &str,
    changes: &[(&str, &str)],
) -> Vec<(String, String)> {
    let html = page.html();
    let form = html
        .select(&selector(&format!(
            "form[class~={}]",
            css_string(form_class)
        )))
        .next()
        .unwrap_or_else(|| panic!("no form with class {form_class:?}"));
    let mut fields: Vec<(String, String)> = Vec::new();
    for field in form.select(&selector("input[name], textarea[name], select[name]")) {
        let Some(name) = field.attr("name") else {
            continue;
        };
        if name == "csrf_token" || field.attr("disabled").is_some() {
            continue;
        }
        match field.value().name() {
            "input" => {
                let kind = field.attr("type").unwrap_or("text").to_ascii_lowercase();
                match kind.as_str() {
                    "submit" | "image" | "button" | "reset" | "file" => continue,
                    "radio" | "checkbox" => {
                        if field.attr("checked").is_some() {
                            let value = field.attr("value").unwrap_or("on");
                            fields.push((name.to_owned(), value.to_owned()));
                        }
                    }
                    _ => {
                        let value = field.attr("value").unwrap_or_default();
                        fields.push((name.to_owned(), value.to_owned()));
                    }
                }
            }
            "textarea" => fields.push((name.to_owned(), field.text().collect())),
            _ => {
                for value in selected_options(field) {
                    fields.push((name.to_owned(), value));
                }
            }
        }
    }
    for (name, value) in changes {
        let name = (*name).to_owned();
        fields.retain(|(k, _)| *k != name);
        if !value.is_empty() {
            fields.push((name, (*value).to_owned()));
        }
    }
    fields
}

/// The values a select sends: its selected options, or else the first option
/// of a single choice.
fn selected_options(select: ElementRef<'_>) -> Vec<String> {
    let options: Vec<ElementRef<'_>> = select.select(&selector("option")).collect();
    let value = |option: &ElementRef<'_>| {
        option
            .attr("value")
            .map(str::to_owned)
            .unwrap_or_else(|| option.text().collect::<String>().trim().to_owned())
    };
    let selected: Vec<String> = options
        .iter()
        .filter(|o| o.attr("selected").is_some() && o.attr("disabled").is_none())
        .map(value)
        .collect();
    if !selected.is_empty() || select.attr("multiple").is_some() {
        return selected;
    }
    options.first().map(value).into_iter().collect()
}

/// A Debian package's program: installed with apt when we may (as root, as
/// CI is), else the exact command to run.
pub async fn ensure_installed(package: &str, program: &str, for_what: &str) -> String {
    if Path::new(program).exists() {
        return program.to_owned();
    }
    assert!(
        nix::unistd::geteuid().is_root(),
        "{package} is needed for {for_what}. Install it with:\n    sudo apt-get install -y {package}"
    );
    eprintln!("Installing {package} for {for_what} (apt-get install {package})…");
    let status = tokio::process::Command::new("sh")
        .arg("-c")
        .arg(format!(
            "apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq {package}"
        ))
        .status()
        .await
        .expect("apt-get");
    assert!(
        status.success() && Path::new(program).exists(),
        "could not install {package}; run: apt-get install -y {package}"
    );
    program.to_owned()
}
