//! Test harness for the black-box HTTP suite (zero2prod's `spawn_app`).
//!
//! Without `CARNET_BASE_URL`, every test gets its own native server on a free port with a fresh
//! database: SQLite (a copy of a migrated template file) or, with `CARNET_TEST_STORE=postgres`,
//! a PostgreSQL database created from a migrated template on the server at
//! `CARNET_TEST_POSTGRES_URL`. The server runs in test mode (clock and outbox endpoints).
//!
//! With `CARNET_BASE_URL`, tests run against that running instance (`spin up`, staging):
//! they create what they need through the API and assert only on it; tests that need test mode
//! call [`TestApp::require_test_mode`], which reports them as skipped when it is off.

pub mod contract;

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use tokio::sync::OnceCell;

/// The fake email provider: a JSON webhook receiver on a free port, recording what it got.
/// Set `fail_next` to make it answer 500 to the next N deliveries, `hang_next` to make it hold
/// the next N for [`RECEIVER_HANG`] before answering 503 (a provider that hangs).
#[derive(Clone, Default)]
pub struct Receiver {
    pub emails: std::sync::Arc<std::sync::Mutex<Vec<serde_json::Value>>>,
    pub fail_next: std::sync::Arc<AtomicUsize>,
    pub hang_next: std::sync::Arc<AtomicUsize>,
    pub url: String,
}

/// How long a hanging fake provider holds a delivery (longer than any sender should wait).
pub const RECEIVER_HANG: std::time::Duration = std::time::Duration::from_secs(30);

/// Takes one from a countdown; whether there was one.
fn take_one(countdown: &AtomicUsize) -> bool {
    countdown
        .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
        .is_ok()
}

async fn receive(
    axum::extract::State(receiver): axum::extract::State<Receiver>,
    headers: axum::http::HeaderMap,
    axum::Json(email): axum::Json<serde_json::Value>,
) -> axum::http::StatusCode {
    if headers.get("authorization").and_then(|v| v.to_str().ok()) != Some("Bearer webhook-secret") {
        return axum::http::StatusCode::UNAUTHORIZED;
    }
    if take_one(&receiver.hang_next) {
        tokio::time::sleep(RECEIVER_HANG).await;
        return axum::http::StatusCode::SERVICE_UNAVAILABLE;
    }
    if take_one(&receiver.fail_next) {
        return axum::http::StatusCode::INTERNAL_SERVER_ERROR;
    }
    receiver.emails.lock().unwrap().push(email);
    axum::http::StatusCode::ACCEPTED
}

/// Brevo's transactional API, as far as the tests need it.
async fn receive_brevo(
    axum::extract::State(receiver): axum::extract::State<Receiver>,
    headers: axum::http::HeaderMap,
    axum::Json(email): axum::Json<serde_json::Value>,
) -> axum::http::StatusCode {
    if headers.get("api-key").and_then(|v| v.to_str().ok()) != Some("brevo-test-key") {
        return axum::http::StatusCode::UNAUTHORIZED;
    }
    let to = email["to"][0]["email"].clone();
    if to.is_null() || email["sender"]["email"].is_null() {
        return axum::http::StatusCode::BAD_REQUEST;
    }
    receiver.emails.lock().unwrap().push(serde_json::json!({
        "id": email["headers"]["X-Carnet-Email-Id"],
        "to": to,
        "subject": email["subject"],
        "text": email["textContent"],
        "html": email["htmlContent"],
        "provider": "brevo",
    }));
    axum::http::StatusCode::CREATED
}

fn start_receiver() -> Receiver {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("free port");
    let port = listener.local_addr().unwrap().port();
    let receiver = Receiver {
        url: format!("http://127.0.0.1:{port}/emails"),
        ..Default::default()
    };
    let state = receiver.clone();
    std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        runtime.block_on(async move {
            listener.set_nonblocking(true).unwrap();
            let listener = tokio::net::TcpListener::from_std(listener).unwrap();
            // The fake email provider is outside the API: not one of its documented routes.
            #[allow(clippy::disallowed_methods)]
            let app = axum::Router::new()
                .route("/emails", axum::routing::post(receive))
                .route("/smtp/email", axum::routing::post(receive_brevo))
                .with_state(state);
            axum::serve(listener, app).await.unwrap();
        });
    });
    receiver
}

pub const JOBS_SECRET: &str = "jobs-secret-for-tests";

pub struct TestApp {
    /// The native server's database (None against CARNET_BASE_URL).
    pub database_url: Option<String>,
    pub receiver: Option<Receiver>,
    pub base_url: String,
    /// The instance's public URL, the `Origin` of its pages: `base_url`, but a replica's is its
    /// first server's (replicas share every setting, behind one address).
    pub public_url: String,
    pub client: reqwest::Client,
    pub store: &'static str,
    test_mode: bool,
    /// The native server's settings (None against CARNET_BASE_URL), for [`TestApp::spawn_replica`].
    settings: Option<HashMap<String, String>>,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    _thread: Option<std::thread::JoinHandle<()>>,
    /// The contract check of the native server's responses (None against CARNET_BASE_URL).
    contract: Option<Arc<contract::ContractLog>>,
}

impl Drop for TestApp {
    fn drop(&mut self) {
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
        if let Some(log) = self.contract.take() {
            let validated = log.validated.load(Ordering::Relaxed);
            if let Ok(file) = std::env::var("CARNET_VALIDATED_FILE") {
                use std::io::Write;
                if let Ok(mut file) = std::fs::OpenOptions::new()
                    .append(true)
                    .create(true)
                    .open(file)
                {
                    let _ = writeln!(file, "{validated}");
                }
            }
            let violations = log.violations.lock().unwrap().clone();
            if !violations.is_empty() && !std::thread::panicking() {
                panic!(
                    "{} réponse(s) hors du contrat OpenAPI :\n{}",
                    violations.len(),
                    violations.join("\n")
                );
            }
        }
    }
}

static SKIPPED: AtomicUsize = AtomicUsize::new(0);

fn test_store() -> &'static str {
    match std::env::var("CARNET_TEST_STORE").as_deref() {
        Ok("postgres") => "postgres",
        _ => "sqlite",
    }
}

fn scratch_dir() -> PathBuf {
    let dir = std::env::temp_dir().join(format!("carnet-tests-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("scratch dir");
    dir
}

static SQLITE_TEMPLATE: OnceCell<PathBuf> = OnceCell::const_new();
static POSTGRES_TEMPLATE: OnceCell<String> = OnceCell::const_new();

async fn migrate(store: &carnet_store::native::NativeStore) {
    let db = store.connect().await.expect("connect template");
    carnet_store::migrations::apply_all(&db, "2026-01-01T00:00:00.000000Z")
        .await
        .expect("migrate template");
}

async fn sqlite_database() -> String {
    let template = SQLITE_TEMPLATE
        .get_or_init(|| async {
            let path = scratch_dir().join("template.sqlite");
            let _ = std::fs::remove_file(&path);
            {
                let store = carnet_store::native::NativeStore::sqlite(&path);
                migrate(&store).await;
                let db = store.connect().await.expect("connect");
                db.query("PRAGMA wal_checkpoint(TRUNCATE)", &[])
                    .await
                    .expect("checkpoint");
            }
            path
        })
        .await;
    let path = scratch_dir().join(format!("{}.sqlite", uuid::Uuid::new_v4()));
    std::fs::copy(template, &path).expect("copy template");
    path.to_string_lossy().into_owned()
}

fn postgres_admin_url() -> String {
    std::env::var("CARNET_TEST_POSTGRES_URL").expect(
        "CARNET_TEST_POSTGRES_URL must name a PostgreSQL server for CARNET_TEST_STORE=postgres",
    )
}

fn with_database(url: &str, database: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((base, query)) => (base, format!("?{query}")),
        None => (url, String::new()),
    };
    let root = base.rsplit_once('/').map_or(base, |(root, _)| root);
    format!("{root}/{database}{query}")
}

async fn postgres_admin() -> carnet_store::Db {
    carnet_store::native::NativeStore::postgres(postgres_admin_url())
        .connect()
        .await
        .expect("connect to the PostgreSQL test server")
}

async fn postgres_database() -> String {
    let template = POSTGRES_TEMPLATE
        .get_or_init(|| async {
            let name = format!("carnet_template_{}", std::process::id());
            let admin = postgres_admin().await;
            admin
                .execute(&format!("DROP DATABASE IF EXISTS {name}"), &[])
                .await
                .expect("drop template");
            admin
                .execute(&format!("CREATE DATABASE {name}"), &[])
                .await
                .expect("create template");
            let store = carnet_store::native::NativeStore::postgres(with_database(
                &postgres_admin_url(),
                &name,
            ));
            migrate(&store).await;
            name
        })
        .await;
    let name = format!("carnet_test_{}", uuid::Uuid::new_v4().simple());
    // CREATE DATABASE … TEMPLATE needs the template to have no other session: retry briefly.
    let admin = postgres_admin().await;
    let mut attempts = 0;
    loop {
        match admin
            .execute(&format!("CREATE DATABASE {name} TEMPLATE {template}"), &[])
            .await
        {
            Ok(_) => break,
            Err(error) if attempts < 50 => {
                attempts += 1;
                let _ = error;
                tokio::time::sleep(std::time::Duration::from_millis(100)).await;
            }
            Err(error) => panic!("create test database: {error}"),
        }
    }
    with_database(&postgres_admin_url(), &name)
}

/// Settings for a fresh native server: test mode, a loopback public URL, a fresh database.
pub async fn test_settings(port: u16, extra: &[(&str, &str)]) -> HashMap<String, String> {
    let store = test_store();
    let database_url = match store {
        "postgres" => postgres_database().await,
        _ => sqlite_database().await,
    };
    let mut settings: HashMap<String, String> = [
        ("department_code", "93"),
        ("department_name", "Seine-Saint-Denis"),
        ("database_kind", store),
        ("timezone", "Europe/Paris"),
        ("test_mode", "true"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    settings.insert("public_url".into(), format!("http://127.0.0.1:{port}"));
    settings.insert(
        "session_key".into(),
        "test-session-key-0123456789-abcdefghijklmnop".into(),
    );
    settings.insert("jobs_secret".into(), JOBS_SECRET.into());
    settings.insert("email_webhook_secret".into(), "webhook-secret".into());
    settings.insert("database_url".into(), database_url);
    settings.insert(
        "static_dir".into(),
        concat!(env!("CARGO_MANIFEST_DIR"), "/../static").into(),
    );
    for (key, value) in extra {
        settings.insert(key.to_string(), value.to_string());
    }
    settings
}

pub fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client")
}

/// A native server on an empty database (schema version 0), or `None` against
/// `CARNET_BASE_URL` (the test is then counted as skipped).
pub async fn spawn_app_on_empty_database(test: &str) -> Option<(TestApp, String)> {
    if std::env::var("CARNET_BASE_URL").is_ok() {
        skip(test, "needs its own native server");
        return None;
    }
    let url = match test_store() {
        "postgres" => {
            let name = format!("carnet_empty_{}", uuid::Uuid::new_v4().simple());
            postgres_admin()
                .await
                .execute(&format!("CREATE DATABASE {name}"), &[])
                .await
                .expect("create empty database");
            with_database(&postgres_admin_url(), &name)
        }
        _ => scratch_dir()
            .join(format!("{}-empty.sqlite", uuid::Uuid::new_v4()))
            .to_string_lossy()
            .into_owned(),
    };
    let app = spawn_app_with(&[("database_url", &url)]).await;
    Some((app, url))
}

/// Opens the store a native test server uses, to act on it from outside the API.
pub fn native_store(url: &str) -> carnet_store::native::NativeStore {
    if url.starts_with("postgres") {
        carnet_store::native::NativeStore::postgres(url)
    } else {
        carnet_store::native::NativeStore::sqlite(url)
    }
}

/// Reports a test as skipped, and why (counted at the end of `scripts/test.sh`).
pub fn skip(test: &str, reason: &str) {
    let count = SKIPPED.fetch_add(1, Ordering::SeqCst) + 1;
    eprintln!("SKIPPED ({reason}): {test} [{count} skipped so far]");
    if let Ok(path) = std::env::var("CARNET_SKIPPED_FILE") {
        use std::io::Write;
        if let Ok(mut file) = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)
        {
            let _ = writeln!(file, "{test}");
        }
    }
}

/// Whether this run targets a native server of its own (not `CARNET_BASE_URL`); otherwise the
/// test is counted as skipped.
pub fn require_native(test: &str) -> bool {
    if std::env::var("CARNET_BASE_URL").is_ok() {
        skip(test, "needs its own native server");
        return false;
    }
    true
}

/// A fresh application for one test.
pub async fn spawn_app() -> TestApp {
    spawn_app_with(&[]).await
}

/// A fresh application with some settings overridden (ignored against `CARNET_BASE_URL`).
pub async fn spawn_app_with(extra: &[(&str, &str)]) -> TestApp {
    if let Ok(base_url) = std::env::var("CARNET_BASE_URL") {
        let client = client();
        let base_url = base_url.trim_end_matches('/').to_string();
        let test_mode = client
            .get(format!("{base_url}/api/test/outbox"))
            .send()
            .await
            .map(|r| r.status().is_success())
            .unwrap_or(false);
        if test_mode {
            // One instance for the whole suite: start each test on empty tables and the system
            // clock, as a fresh native server would (the clock, the outbox and the sign-in
            // quotas are instance-wide).
            let response = client
                .delete(format!("{base_url}/api/test/data"))
                .send()
                .await
                .expect("reset the instance");
            assert_eq!(response.status(), 204, "reset the instance");
        }
        return TestApp {
            database_url: None,
            receiver: None,
            public_url: base_url.clone(),
            base_url,
            client,
            store: "remote",
            test_mode,
            settings: None,
            shutdown: None,
            _thread: None,
            contract: None,
        };
    }
    let std_listener = std::net::TcpListener::bind("127.0.0.1:0").expect("free port");
    let port = std_listener.local_addr().expect("addr").port();
    let receiver = start_receiver();
    let mut with_receiver: Vec<(&str, &str)> = vec![("email_webhook_url", receiver.url.as_str())];
    with_receiver.extend_from_slice(extra);
    let settings = test_settings(port, &with_receiver).await;
    start_native_server(std_listener, settings, receiver)
}

/// Serves `settings` (test mode, a migrated database) on `std_listener`, in a thread of its own.
fn start_native_server(
    std_listener: std::net::TcpListener,
    settings: HashMap<String, String>,
    receiver: Receiver,
) -> TestApp {
    let port = std_listener.local_addr().expect("addr").port();
    let database_url = settings.get("database_url").cloned();
    let public_url = settings["public_url"].clone();
    let server_settings = settings.clone();
    let (shutdown, stopped) = tokio::sync::oneshot::channel::<()>();
    let (ready_tx, ready_rx) = std::sync::mpsc::channel();
    let contract_log = Arc::new(contract::ContractLog::default());
    let server_log = contract_log.clone();
    // The server gets its own multi-threaded runtime, as in production.
    let thread = std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("runtime");
        runtime.block_on(async move {
            std_listener.set_nonblocking(true).expect("nonblocking");
            let listener = tokio::net::TcpListener::from_std(std_listener).expect("listener");
            let platform =
                carnet_server::NativePlatform::from_settings(server_settings).expect("platform");
            let platform = std::sync::Arc::new(platform);
            ready_tx.send(()).expect("ready");
            let app = carnet_server::app(platform).layer(axum::middleware::from_fn(
                move |request, next| contract::layer(server_log.clone(), request, next),
            ));
            carnet_server::serve_app(listener, app, async {
                let _ = stopped.await;
            })
            .await
            .expect("serve");
        });
    });
    ready_rx.recv().expect("server started");
    TestApp {
        database_url,
        receiver: Some(receiver),
        base_url: format!("http://127.0.0.1:{port}"),
        public_url,
        client: client(),
        store: test_store(),
        test_mode: true,
        settings: Some(settings),
        shutdown: Some(shutdown),
        _thread: Some(thread),
        contract: Some(contract_log),
    }
}

impl TestApp {
    /// A second native server of the same instance: the same settings (database, keys, public
    /// URL, email provider: the same fake receiver) on another port, as a second replica behind
    /// one load balancer. `None` against `CARNET_BASE_URL` (the test is counted as skipped).
    pub fn spawn_replica(&self, test: &str) -> Option<TestApp> {
        let Some(settings) = self.settings.clone() else {
            skip(test, "needs its own native servers");
            return None;
        };
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("free port");
        let receiver = self.receiver.clone().expect("a native server's receiver");
        Some(start_native_server(listener, settings, receiver))
    }
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base_url, path)
    }

    /// False (and the test counted as skipped) when the instance is not in test mode.
    pub fn require_test_mode(&self, test: &str) -> bool {
        if !self.test_mode {
            skip(test, "needs test mode");
        }
        self.test_mode
    }

    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.client.get(self.url(path)).send().await.expect("GET")
    }

    pub async fn get_json(&self, path: &str) -> (u16, serde_json::Value) {
        let response = self.get(path).await;
        let status = response.status().as_u16();
        (
            status,
            response.json().await.unwrap_or(serde_json::Value::Null),
        )
    }

    /// Sends a JSON body with the method given, same-origin like the front-end.
    pub async fn send_json(
        &self,
        method: reqwest::Method,
        path: &str,
        body: &serde_json::Value,
    ) -> reqwest::Response {
        self.client
            .request(method, self.url(path))
            .header("origin", &self.public_url)
            .json(body)
            .send()
            .await
            .expect("request")
    }

    /// Sets the instance's clock (test mode).
    pub async fn set_clock(&self, now: &str) {
        let response = self
            .send_json(
                reqwest::Method::PUT,
                "/api/test/clock",
                &serde_json::json!({ "now": now }),
            )
            .await;
        assert_eq!(response.status(), 200, "set clock");
    }

    /// What the instance queued or sent (test mode).
    pub async fn outbox(&self) -> Vec<serde_json::Value> {
        let (status, body) = self.get_json("/api/test/outbox").await;
        assert_eq!(status, 200, "outbox");
        body.as_array().cloned().unwrap_or_default()
    }
}

/// A signed-in person: their own cookie jar, and the bearer token.
pub struct User {
    pub client: reqwest::Client,
    pub token: String,
    pub email: String,
}

impl TestApp {
    /// Runs the outbox delivery job (the scheduler's call).
    pub async fn deliver(&self) -> serde_json::Value {
        let response = self
            .client
            .post(self.url("/api/notifications/jobs/deliver"))
            .bearer_auth(JOBS_SECRET)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200, "deliver");
        response.json().await.unwrap()
    }

    /// The emails the fake provider received for this address (native), or the outbox's
    /// (remote instance in test mode).
    pub async fn emails_to(&self, recipient: &str) -> Vec<serde_json::Value> {
        match &self.receiver {
            Some(receiver) => {
                self.deliver().await;
                receiver
                    .emails
                    .lock()
                    .unwrap()
                    .iter()
                    .filter(|e| e["to"].as_str().unwrap_or("").eq_ignore_ascii_case(recipient))
                    .cloned()
                    .collect()
            }
            None => self
                .outbox()
                .await
                .into_iter()
                .filter(|e| e["recipient"].as_str().unwrap_or("").eq_ignore_ascii_case(recipient))
                .map(|e| serde_json::json!({ "to": e["recipient"], "subject": e["subject"], "text": e["body_text"] }))
                .collect(),
        }
    }

    /// The token of the newest link (`#jeton=…`) emailed to this address.
    pub async fn last_link_token(&self, recipient: &str) -> Option<String> {
        self.emails_to(recipient)
            .await
            .iter()
            .rev()
            .find_map(|email| {
                let text = email["text"].as_str()?;
                let start = text.find("#jeton=")? + "#jeton=".len();
                Some(text[start..].split_whitespace().next()?.to_string())
            })
    }

    /// Creates an account holding one role (test mode).
    pub async fn create_account(
        &self,
        email: &str,
        role: &str,
        structure: Option<&str>,
    ) -> serde_json::Value {
        let mut body = serde_json::json!({ "email": email, "role": role });
        if let Some(structure) = structure {
            if structure.len() == 36 {
                body["structure_id"] = structure.into();
            } else {
                body["structure_name"] = structure.into();
            }
        }
        let response = self
            .send_json(reqwest::Method::POST, "/api/test/accounts", &body)
            .await;
        assert_eq!(response.status(), 200, "create test account");
        response.json().await.unwrap()
    }

    pub async fn request_link(&self, client: &reqwest::Client, email: &str) -> reqwest::Response {
        client
            .post(self.url("/api/auth/magic-link"))
            .json(&serde_json::json!({ "email": email }))
            .send()
            .await
            .unwrap()
    }

    pub async fn confirm(&self, client: &reqwest::Client, token: &str) -> reqwest::Response {
        client
            .post(self.url("/api/auth/confirm"))
            .json(&serde_json::json!({ "token": token }))
            .send()
            .await
            .unwrap()
    }

    /// Signs in through the emailed link, without accepting the CGU.
    pub async fn sign_in_without_cgu(&self, email: &str) -> User {
        let client = client();
        assert_eq!(self.request_link(&client, email).await.status(), 202);
        let token = self.last_link_token(email).await.expect("sign-in email");
        let response = self.confirm(&client, &token).await;
        assert_eq!(response.status(), 200, "confirm");
        let body: serde_json::Value = response.json().await.unwrap();
        User {
            client,
            token: body["token"].as_str().unwrap().to_string(),
            email: email.to_string(),
        }
    }

    /// Signs in through the emailed link and accepts the CGU.
    pub async fn sign_in(&self, email: &str) -> User {
        let user = self.sign_in_without_cgu(email).await;
        let (_, me) = user.get_json(self, "/api/auth/me").await;
        let version = me["cgu"]["current_version"].as_str().unwrap().to_string();
        let response = user
            .post_json(
                self,
                "/api/auth/cgu",
                &serde_json::json!({ "version": version }),
            )
            .await;
        assert_eq!(response.status(), 200, "accept CGU");
        user
    }
}

impl User {
    pub async fn get_json(&self, app: &TestApp, path: &str) -> (u16, serde_json::Value) {
        let response = self.client.get(app.url(path)).send().await.unwrap();
        let status = response.status().as_u16();
        (
            status,
            response.json().await.unwrap_or(serde_json::Value::Null),
        )
    }

    /// A same-origin write with the session cookie, as the front-end sends it.
    pub async fn post_json(
        &self,
        app: &TestApp,
        path: &str,
        body: &serde_json::Value,
    ) -> reqwest::Response {
        self.client
            .post(app.url(path))
            .header("origin", &app.public_url)
            .json(body)
            .send()
            .await
            .unwrap()
    }

    pub async fn delete(&self, app: &TestApp, path: &str) -> reqwest::Response {
        self.client
            .delete(app.url(path))
            .header("origin", &app.public_url)
            .send()
            .await
            .unwrap()
    }
}
