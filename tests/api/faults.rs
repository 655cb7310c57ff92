//! Faults: PostgreSQL stopped in the middle of a load then restarted (503 with Retry-After at
//! once, never a 500 nor a hang, no write half-applied, served again without a restart), and an
//! email provider that hangs or fails (requests stay fast; only the delivery job waits, gives up
//! on the email after its timeout and sends it later).
//!
//! The PostgreSQL test brings its own throw-away server (Debian's binaries, as
//! `scripts/postgres-test-server.sh` uses them), so it runs in either pass of the suite whenever
//! those binaries are installed, and is skipped (and counted) otherwise or against
//! `CARNET_BASE_URL`.

use crate::fixtures::{account, create_beneficiary, unique};
use carnet_store::params;
use carnet_tests::{native_store, require_native, skip, spawn_app, spawn_app_with, TestApp};
use serde_json::{json, Value};
use std::path::PathBuf;
use std::process::Command;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// A PostgreSQL server of the test's own: its data directory under the temporary directory, a
/// free port, run as `postgres` when the test runs as root (PostgreSQL refuses root).
struct ThrowAwayPostgres {
    bin: PathBuf,
    dir: PathBuf,
    port: u16,
    as_postgres: bool,
}

impl ThrowAwayPostgres {
    /// Creates and starts it; `None` when PostgreSQL's binaries are not installed.
    fn start() -> Option<Self> {
        let mut bins: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
            .ok()?
            .filter_map(|entry| Some(entry.ok()?.path().join("bin")))
            .filter(|bin| bin.join("pg_ctl").exists() && bin.join("initdb").exists())
            .collect();
        bins.sort_by_key(|bin| {
            let version = bin
                .parent()
                .and_then(|v| v.file_name())
                .map(|v| v.to_owned());
            version.and_then(|v| v.to_str()?.parse::<u32>().ok())
        });
        let bin = bins.pop()?;
        let as_postgres = Command::new("id")
            .arg("-u")
            .output()
            .map(|out| String::from_utf8_lossy(&out.stdout).trim() == "0")
            .unwrap_or(false);
        if as_postgres
            && !Command::new("id")
                .arg("postgres")
                .output()
                .is_ok_and(|out| out.status.success())
        {
            run(Command::new("useradd").args(["--system", "--no-create-home", "postgres"]));
        }
        let dir = std::env::temp_dir().join(format!("carnet-faults-pg-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(&dir).expect("data directory");
        if as_postgres {
            run(Command::new("chown").arg("postgres").arg(&dir));
        }
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|listener| listener.local_addr())
            .expect("free port")
            .port();
        let server = ThrowAwayPostgres {
            bin,
            dir,
            port,
            as_postgres,
        };
        let dir = server.dir.to_string_lossy().into_owned();
        run(&mut server.command(
            "initdb",
            &[
                "-D",
                &dir,
                "-U",
                "postgres",
                "--auth=trust",
                "-E",
                "UTF8",
                "--locale=C.UTF-8",
            ],
        ));
        server.resume();
        Some(server)
    }

    /// One of PostgreSQL's programs, as the user that owns the data.
    fn command(&self, program: &str, args: &[&str]) -> Command {
        let program = self.bin.join(program);
        let mut command = if self.as_postgres {
            let mut command = Command::new("runuser");
            command.args(["-u", "postgres", "--"]).arg(program);
            command
        } else {
            Command::new(program)
        };
        command.args(args);
        command
    }

    fn url(&self) -> String {
        format!("postgres://postgres@127.0.0.1:{}/postgres", self.port)
    }

    /// Starts the server (again), waiting until it accepts connections.
    fn resume(&self) {
        let dir = self.dir.to_string_lossy().into_owned();
        let log = self.dir.join("server.log").to_string_lossy().into_owned();
        let options = format!(
            "-p {} -k {dir} -c listen_addresses=127.0.0.1 -c fsync=off",
            self.port
        );
        run(&mut self.command(
            "pg_ctl",
            &["-D", &dir, "-l", &log, "-w", "-o", &options, "start"],
        ));
    }

    /// Stops the server as an operator does (`-m fast`: sessions are ended, open transactions
    /// rolled back), waiting until it is down.
    fn stop(&self) {
        let dir = self.dir.to_string_lossy().into_owned();
        run(&mut self.command("pg_ctl", &["-D", &dir, "-m", "fast", "-w", "stop"]));
    }
}

impl Drop for ThrowAwayPostgres {
    fn drop(&mut self) {
        let dir = self.dir.to_string_lossy().into_owned();
        let _ = self
            .command("pg_ctl", &["-D", &dir, "-m", "immediate", "-w", "stop"])
            .output();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn run(command: &mut Command) {
    let out = command.output().expect("run a PostgreSQL program");
    assert!(
        out.status.success(),
        "{command:?}: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// One answer of the load.
struct Answer {
    kind: &'static str,
    sent: Instant,
    answered: Instant,
    /// None: no answer within the client's timeout, or the connection failed.
    status: Option<u16>,
    retry_after: bool,
    code: Option<String>,
    /// The last name of the beneficiary a write tried to create.
    created: Option<String>,
}

/// No request may wait longer than this for an answer, outage or not.
const CLIENT_TIMEOUT: Duration = Duration::from_secs(8);
/// An answer during the outage comes within this.
const OUTAGE_ANSWER_WITHIN: Duration = Duration::from_secs(3);

/// One client of the load: requests one after the other, each recorded, until `stop`.
async fn load(
    app_url: String,
    token: String,
    kind: &'static str,
    notebook: String,
    stop: Arc<AtomicBool>,
    answers: Arc<Mutex<Vec<Answer>>>,
) {
    let client = reqwest::Client::builder()
        .timeout(CLIENT_TIMEOUT)
        .build()
        .unwrap();
    while !stop.load(Ordering::SeqCst) {
        let mut created = None;
        let request = match kind {
            "write" => {
                let last_name = format!("Panne{}", uuid::Uuid::new_v4().simple());
                let body = json!({
                    "first_name": "Inès", "last_name": last_name, "birth_date": "1990-05-06",
                    "email": unique("panne"), "create_account": true,
                    "confirm_different_person": true,
                });
                created = Some(last_name);
                client
                    .post(format!("{app_url}/api/write/beneficiaries"))
                    .json(&body)
            }
            "open" => client.get(format!("{app_url}/api/carnets/{notebook}")),
            _ => client.get(format!("{app_url}/api/health")),
        };
        let sent = Instant::now();
        let response = request.bearer_auth(&token).send().await;
        let (status, retry_after, code) = match response {
            Ok(response) => {
                let status = response.status().as_u16();
                let retry_after = response.headers().contains_key("retry-after");
                let body: Value = response.json().await.unwrap_or(Value::Null);
                let code = body["error"]["code"].as_str().map(str::to_string);
                (Some(status), retry_after, code)
            }
            Err(_) => (None, false, None),
        };
        answers.lock().unwrap().push(Answer {
            kind,
            sent,
            answered: Instant::now(),
            status,
            retry_after,
            code,
            created,
        });
        tokio::time::sleep(Duration::from_millis(40)).await;
    }
}

/// How many rows a query counts.
async fn count(db: &carnet_store::Db, sql: &str, value: &str) -> i64 {
    db.query_one(sql, params![value])
        .await
        .unwrap()
        .get::<i64>("n")
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn postgres_stopped_mid_load_answers_503_at_once_then_serves_again_without_half_writes() {
    let test =
        "postgres_stopped_mid_load_answers_503_at_once_then_serves_again_without_half_writes";
    if !require_native(test) {
        return;
    }
    let Some(postgres) = tokio::task::spawn_blocking(ThrowAwayPostgres::start)
        .await
        .unwrap()
    else {
        skip(
            test,
            "PostgreSQL's binaries are not installed (/usr/lib/postgresql/*/bin)",
        );
        return;
    };
    let postgres = Arc::new(postgres);
    let url = postgres.url();
    carnet_store::migrations::apply_all(
        &native_store(&url).connect().await.unwrap(),
        "2026-01-01T00:00:00.000000Z",
    )
    .await
    .unwrap();
    let app = spawn_app_with(&[("database_kind", "postgres"), ("database_url", &url)]).await;
    let (manager, _) = account(&app, "manager", None).await;
    let response = create_beneficiary(
        &manager,
        &app,
        json!({ "first_name": "Jean", "last_name": "Avant", "birth_date": "1970-01-02" }),
    )
    .await;
    assert_eq!(response.status(), 201);
    let notebook = response.json::<Value>().await.unwrap()["notebook_id"]
        .as_str()
        .unwrap()
        .to_string();

    // The load: two writers, two readers of a notebook, one health check.
    let stop = Arc::new(AtomicBool::new(false));
    let answers = Arc::new(Mutex::new(Vec::new()));
    let clients: Vec<_> = ["write", "write", "open", "open", "health"]
        .into_iter()
        .map(|kind| {
            tokio::spawn(load(
                app.base_url.clone(),
                manager.token.clone(),
                kind,
                notebook.clone(),
                stop.clone(),
                answers.clone(),
            ))
        })
        .collect();
    tokio::time::sleep(Duration::from_millis(1_000)).await;
    let stopping = Instant::now();
    let server = postgres.clone();
    tokio::task::spawn_blocking(move || server.stop())
        .await
        .unwrap();
    let down = Instant::now();
    tokio::time::sleep(Duration::from_millis(2_500)).await;
    let restarting = Instant::now();
    let server = postgres.clone();
    tokio::task::spawn_blocking(move || server.resume())
        .await
        .unwrap();
    let up = Instant::now();
    // Served again by the same process: every kind of request succeeds again, soon.
    let deadline = up + Duration::from_secs(15);
    loop {
        let served_again = {
            let answers = answers.lock().unwrap();
            ["write", "open", "health"].iter().all(|kind| {
                answers.iter().any(|a| {
                    a.kind == *kind && a.sent > up && matches!(a.status, Some(200) | Some(201))
                })
            })
        };
        if served_again {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "not served again 15 s after the restart"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    stop.store(true, Ordering::SeqCst);
    for client in clients {
        client.await.unwrap();
    }
    let answers = std::mem::take(&mut *answers.lock().unwrap());

    // Never a 500, never a hang, never an unexpected answer.
    for answer in &answers {
        let status = answer.status.unwrap_or_else(|| {
            panic!(
                "{}: no answer within {CLIENT_TIMEOUT:?} (sent {:?} after the stop began)",
                answer.kind,
                answer.sent.saturating_duration_since(stopping)
            )
        });
        assert!(
            matches!(status, 200 | 201 | 503),
            "{}: {status} {:?}",
            answer.kind,
            answer.code
        );
        if status == 503 {
            assert!(answer.retry_after, "503 carries Retry-After");
            assert_eq!(
                answer.code.as_deref(),
                Some("store_unavailable"),
                "{}",
                answer.kind
            );
        }
    }
    // While the server was down: 503 JSON with Retry-After, within seconds, for every kind.
    let during: Vec<&Answer> = answers
        .iter()
        .filter(|a| a.sent >= down && a.answered <= restarting)
        .collect();
    for kind in ["write", "open", "health"] {
        assert!(
            during.iter().filter(|a| a.kind == kind).count() >= 3,
            "{kind}: several requests during the outage"
        );
    }
    for answer in &during {
        assert_eq!(
            answer.status,
            Some(503),
            "{} during the outage",
            answer.kind
        );
        assert!(
            answer.answered - answer.sent < OUTAGE_ANSWER_WITHIN,
            "{} answered in {:?}",
            answer.kind,
            answer.answered - answer.sent
        );
    }
    // Once it is back, no request fails: no connection to the stopped server is handed out
    // again.
    for answer in answers.iter().filter(|a| a.sent >= up) {
        assert!(
            matches!(answer.status, Some(200) | Some(201)),
            "{} after the restart: {:?} {:?}",
            answer.kind,
            answer.status,
            answer.code
        );
    }
    let slowest = during
        .iter()
        .map(|a| a.answered - a.sent)
        .max()
        .unwrap_or_default();
    eprintln!(
        "{} answers, {} during the outage (slowest {slowest:?}); stop took {:?}, restart {:?}",
        answers.len(),
        during.len(),
        down - stopping,
        up - restarting
    );

    // No write half-applied: each notebook the writers tried to create is there with all it
    // comes with (beneficiary, timeline event, audit rows, account, email), or nothing is.
    let db = native_store(&url).connect().await.unwrap();
    let (mut whole, mut absent) = (0, 0);
    for answer in answers.iter().filter(|a| a.created.is_some()) {
        let last_name = answer.created.as_deref().unwrap();
        let parts = [
            count(&db, "SELECT COUNT(*) AS n FROM beneficiaries WHERE last_name = $1", last_name)
                .await,
            count(
                &db,
                "SELECT COUNT(*) AS n FROM notebooks n JOIN beneficiaries b ON b.id = n.beneficiary_id \
                 WHERE b.last_name = $1",
                last_name,
            )
            .await,
            count(
                &db,
                "SELECT COUNT(*) AS n FROM timeline_events t JOIN notebooks n ON n.id = t.notebook_id \
                 JOIN beneficiaries b ON b.id = n.beneficiary_id \
                 WHERE b.last_name = $1 AND t.event_type = 'notebook_created'",
                last_name,
            )
            .await,
            count(
                &db,
                "SELECT COUNT(*) AS n FROM audit_log a JOIN notebooks n ON n.id = a.target_id \
                 JOIN beneficiaries b ON b.id = n.beneficiary_id \
                 WHERE b.last_name = $1 AND a.action = 'beneficiary_created'",
                last_name,
            )
            .await,
            count(&db, "SELECT COUNT(*) AS n FROM accounts WHERE last_name = $1", last_name).await,
            count(
                &db,
                "SELECT COUNT(*) AS n FROM outbox o JOIN accounts c ON c.email_key = lower(o.recipient) \
                 WHERE c.last_name = $1",
                last_name,
            )
            .await,
        ];
        match parts {
            [1, 1, 1, 1, 1, 1] => whole += 1,
            [0, 0, 0, 0, 0, 0] => absent += 1,
            other => panic!(
                "{last_name}: half-applied write {other:?} (answer {:?})",
                answer.status
            ),
        }
        if answer.status == Some(201) {
            assert_eq!(parts[0], 1, "{last_name}: answered 201 but absent");
        }
    }
    eprintln!("writes: {whole} whole, {absent} absent, none half-applied");
    assert!(
        whole > 0 && absent > 0,
        "writes both before and during the outage"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_provider_that_hangs_or_fails_delays_only_the_delivery_job() {
    if !require_native("a_provider_that_hangs_or_fails_delays_only_the_delivery_job") {
        return;
    }
    let app = spawn_app().await;
    let receiver = app.receiver.clone().unwrap();
    app.set_clock("2027-01-04T08:00:00Z").await;
    let email = unique("lien");
    app.create_account(&email, "professional", Some("CCAS"))
        .await;
    let timed_request_link = |app: &TestApp| {
        let client = app.client.clone();
        let url = app.url("/api/auth/magic-link");
        let email = email.clone();
        async move {
            let started = Instant::now();
            let response = client
                .post(url)
                .json(&json!({ "email": email }))
                .send()
                .await
                .unwrap();
            assert_eq!(response.status(), 202);
            started.elapsed()
        }
    };
    for _ in 0..2 {
        assert!(timed_request_link(&app).await < Duration::from_secs(1));
    }

    // The provider hangs (30 s): the job gives up on the first email after its timeout (8 s),
    // and ends the run, leaving the second leased until its lease ends.
    receiver
        .hang_next
        .store(1_000, std::sync::atomic::Ordering::SeqCst);
    let job = {
        let client = app.client.clone();
        let url = app.url("/api/notifications/jobs/deliver");
        tokio::spawn(async move {
            let started = Instant::now();
            let response = client
                .post(url)
                .bearer_auth(carnet_tests::JOBS_SECRET)
                .send()
                .await
                .unwrap();
            assert_eq!(response.status(), 200);
            (response.json::<Value>().await.unwrap(), started.elapsed())
        })
    };
    tokio::time::sleep(Duration::from_millis(500)).await;
    // Meanwhile, requests that queue an email answer at once.
    for _ in 0..2 {
        let took = timed_request_link(&app).await;
        assert!(
            took < Duration::from_secs(1),
            "a link request took {took:?}"
        );
    }
    let (report, took) = job.await.unwrap();
    assert!(
        took >= Duration::from_secs(7) && took < Duration::from_secs(12),
        "the job waited {took:?} (one timeout of 8 s; the provider hangs {:?})",
        carnet_tests::RECEIVER_HANG
    );
    assert_eq!(
        (report["sent"].as_i64(), report["retried"].as_i64()),
        (Some(0), Some(1)),
        "{report}"
    );
    let db = native_store(app.database_url.as_ref().unwrap())
        .connect()
        .await
        .unwrap();
    let emails = db
        .query(
            "SELECT attempts, last_error FROM outbox WHERE recipient = $1",
            params![email.as_str()],
        )
        .await
        .unwrap();
    let tried: Vec<Option<String>> = emails
        .iter()
        .filter(|row| row.get::<i64>("attempts").unwrap() > 0)
        .map(|row| row.get("last_error").unwrap())
        .collect();
    assert_eq!(
        (emails.len(), tried.len()),
        (4, 1),
        "one attempt, then the run stopped"
    );
    assert!(
        tried[0].as_deref().unwrap().starts_with("pas de réponse"),
        "{tried:?}"
    );

    // The provider now answers 500 once: at once, the email retried later, the run goes on
    // with the emails queued meanwhile (the second is still leased).
    receiver
        .hang_next
        .store(0, std::sync::atomic::Ordering::SeqCst);
    receiver
        .fail_next
        .store(1, std::sync::atomic::Ordering::SeqCst);
    app.set_clock("2027-01-04T08:01:30Z").await;
    let started = Instant::now();
    let report = app.deliver().await;
    assert!(started.elapsed() < Duration::from_secs(2));
    assert_eq!(
        (report["sent"].as_i64(), report["retried"].as_i64()),
        (Some(2), Some(1)),
        "{report}"
    );
    // After the first email's backoff and the second's lease, both go.
    app.set_clock("2027-01-04T08:05:00Z").await;
    let report = app.deliver().await;
    assert_eq!(
        (report["sent"].as_i64(), report["pending"].as_i64()),
        (Some(2), Some(0)),
        "{report}"
    );
    let received = receiver.emails.lock().unwrap().clone();
    let mut ids: Vec<&str> = received.iter().filter_map(|e| e["id"].as_str()).collect();
    ids.sort();
    ids.dedup();
    assert_eq!((received.len(), ids.len()), (4, 4), "each email once");
}

#[tokio::test]
async fn a_database_server_that_never_answers_gets_503_after_the_connect_timeout() {
    if !require_native("a_database_server_that_never_answers_gets_503_after_the_connect_timeout") {
        return;
    }
    // Accepts connections and holds them without a word, as a stuck server (or a proxy in front
    // of a vanished one) does.
    let silent = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = silent.local_addr().unwrap().port();
    std::thread::spawn(move || {
        let mut held = Vec::new();
        for stream in silent.incoming() {
            held.push(stream);
        }
    });
    let url = format!("postgres://postgres@127.0.0.1:{port}/carnet");
    let app = spawn_app_with(&[("database_kind", "postgres"), ("database_url", &url)]).await;
    let client = reqwest::Client::builder()
        .timeout(CLIENT_TIMEOUT)
        .build()
        .unwrap();
    let started = Instant::now();
    let response = client
        .get(app.url("/api/health"))
        .send()
        .await
        .expect("an answer before the client gives up");
    let took = started.elapsed();
    assert_eq!(response.status(), 503);
    assert!(response.headers().contains_key("retry-after"));
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["error"]["code"], "store_unavailable");
    assert!(
        took >= Duration::from_secs(4) && took < Duration::from_secs(7),
        "answered after {took:?} (connect timeout: 5 s)"
    );
}

/// A database that wants TLS (a managed PostgreSQL): with `sslmode=require` the native store
/// encrypts, and checks the server's certificate against the public authorities and the URL's
/// `sslrootcert`; a certificate no trusted authority signed is refused (503), never used.
#[tokio::test]
async fn the_native_store_speaks_tls_when_the_url_requires_it() {
    if !require_native("the_native_store_speaks_tls_when_the_url_requires_it") {
        return;
    }
    let Some(server) = ThrowAwayPostgres::start() else {
        skip(
            "the_native_store_speaks_tls_when_the_url_requires_it",
            "PostgreSQL's programs are not installed",
        );
        return;
    };
    if Command::new("openssl").arg("version").output().is_err() {
        skip(
            "the_native_store_speaks_tls_when_the_url_requires_it",
            "openssl is not installed",
        );
        return;
    }
    // A private authority, and the server's certificate it signs (for 127.0.0.1).
    let keys = std::env::temp_dir().join(format!("carnet-tls-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&keys).unwrap();
    let path = |name: &str| keys.join(name).to_string_lossy().into_owned();
    std::fs::write(keys.join("san.ext"), "subjectAltName=IP:127.0.0.1\n").unwrap();
    for args in [
        vec![
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "2",
            "-subj",
            "/CN=Carnet test CA",
            "-keyout",
            &path("ca.key"),
            "-out",
            &path("ca.pem"),
        ],
        vec![
            "req",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-subj",
            "/CN=127.0.0.1",
            "-keyout",
            &path("server.key"),
            "-out",
            &path("server.csr"),
        ],
        vec![
            "x509",
            "-req",
            "-days",
            "2",
            "-in",
            &path("server.csr"),
            "-CA",
            &path("ca.pem"),
            "-CAkey",
            &path("ca.key"),
            "-CAcreateserial",
            "-extfile",
            &path("san.ext"),
            "-out",
            &path("server.crt"),
        ],
    ] {
        run(Command::new("openssl").args(&args));
    }
    server.stop();
    for file in ["server.crt", "server.key"] {
        std::fs::copy(keys.join(file), server.dir.join(file)).unwrap();
    }
    let key = server.dir.join("server.key").to_string_lossy().into_owned();
    run(Command::new("chmod").args(["600", &key]));
    if server.as_postgres {
        let crt = server.dir.join("server.crt").to_string_lossy().into_owned();
        run(Command::new("chown").args(["postgres", &key, &crt]));
    }
    let mut conf = std::fs::OpenOptions::new()
        .append(true)
        .open(server.dir.join("postgresql.conf"))
        .unwrap();
    std::io::Write::write_all(
        &mut conf,
        b"\nssl = on\nssl_cert_file = 'server.crt'\nssl_key_file = 'server.key'\n",
    )
    .unwrap();
    server.resume();

    let encrypted = |url: String| async move {
        let db = native_store(&url).connect().await?;
        let row = db
            .query_one(
                "SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()",
                params![],
            )
            .await?;
        row.get::<bool>("ssl")
    };
    let base = server.url();
    let trusted = format!("{base}?sslmode=require&sslrootcert={}", path("ca.pem"));
    assert!(
        encrypted(trusted.clone()).await.unwrap(),
        "TLS with the private authority"
    );
    assert!(
        !encrypted(format!("{base}?sslmode=disable")).await.unwrap(),
        "no TLS when the URL says so"
    );
    match encrypted(format!("{base}?sslmode=require")).await {
        Err(carnet_store::StoreError::Unavailable(message)) => {
            assert!(message.contains("TLS"), "{message}")
        }
        other => panic!("a certificate no trusted authority signed must be refused: {other:?}"),
    }
    // The application itself on that URL: it migrates and answers.
    let db = native_store(&trusted).connect().await.unwrap();
    carnet_store::migrations::apply_all(&db, "2026-01-01T00:00:00.000000Z")
        .await
        .unwrap();
    let app = spawn_app_with(&[("database_kind", "postgres"), ("database_url", &trusted)]).await;
    let (status, health) = app.get_json("/api/health").await;
    assert_eq!(
        (status, health["store"].as_str()),
        (200, Some("postgres")),
        "{health}"
    );
    let _ = std::fs::remove_dir_all(&keys);
}
