//! Load benchmark: many clients at once, each a task with its own connection and session.
//!
//! For each client count (1, 16, 64 by default), one line per kind of request: every client
//! sends that request over and over (the next once the previous answered) for a bounded time
//! (6 s by default). Each line prints its throughput, p50, p99 and errors (by status), and its
//! ratios to the trivial request (`GET /api/auth/me`) measured at the same client count in the
//! same run: on a shared machine the absolute figures move with the neighbours' load, the ratios
//! much less. With `CARNET_FLOOR_URL` (a route of the floor app, `bench/floor/`, under the same
//! Spin), a line of the floor's `SELECT 1` is measured before each line, and the line is also
//! given as a ratio to it: the runtime's own floor. Figures only: targets are printed next to
//! them, never asserted (`--strict` fails on errors only).
//!
//! `--soak-minutes M`: instead of the lines, a steady mixed load (`--rate` requests per second
//! over `--soak-clients` clients) for M minutes, reporting each minute's p99 and errors and the
//! server's memory (RSS) at start and end; it fails when any request failed.
//!
//! `carnet-load sqlite` and `carnet-load postgres <admin URL>`: a fresh database (a file in the
//! temporary directory, or a database `carnet_load` on that server) with the demo département
//! (`--notebooks`), served by the native server (`carnet-server serve`, the binary next to this
//! one) in a process of its own.
//! `CARNET_BASE_URL=http://… carnet-load <database>`: a running instance (e.g. `spin up`) whose
//! database, a SQLite file or a `postgres://` URL holding the demo département (`carnet-server
//! demo`), is read for the sign-in links (the instance stays in production mode).

mod bench_support;

use anyhow::{bail, Context, Result};
use bench_support::{
    demo_department, fresh_database, percentile, server_settings, sign_in, SEARCHES,
};
use carnet_store::native::NativeStore;
use carnet_store::Db;
use clap::Parser;
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

#[derive(Parser)]
#[command(
    name = "carnet-load",
    about = "Load benchmark: throughput, p50, p99 and errors per kind of request at 1, 16 and 64 clients, as ratios to GET /api/auth/me (and to the Spin floor with CARNET_FLOOR_URL)"
)]
struct Args {
    /// `sqlite`, or `postgres <admin URL>`; with CARNET_BASE_URL set, the instance's database
    /// (SQLite file or postgres:// URL), read for the sign-in links.
    #[arg(required = true, num_args = 1..=2)]
    target: Vec<String>,
    /// Size of the demo département generated (not with CARNET_BASE_URL).
    #[arg(long, default_value_t = 1000)]
    notebooks: usize,
    /// Duration of each line, in seconds.
    #[arg(long, default_value_t = 6.0)]
    seconds: f64,
    /// Client counts, one block of lines each.
    #[arg(long, value_delimiter = ',', default_values_t = [1, 16, 64])]
    clients: Vec<usize>,
    /// Only these kinds of request (comma-separated; `me` is always measured).
    #[arg(long, value_delimiter = ',')]
    kinds: Vec<String>,
    /// A request not answered after this many seconds counts as a timeout.
    #[arg(long, default_value_t = 30.0)]
    timeout: f64,
    /// Exit with an error when any request failed.
    #[arg(long)]
    strict: bool,
    /// Soak instead of the lines: a steady mixed load for this many minutes.
    #[arg(long)]
    soak_minutes: Option<f64>,
    /// Soak: requests per second, all clients together.
    #[arg(long, default_value_t = 100.0)]
    rate: f64,
    /// Soak: how many clients share that rate.
    #[arg(long, default_value_t = 16)]
    soak_clients: usize,
}

/// The kinds of request measured.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Kind {
    /// The trivial request every ratio is taken to: the session, nothing else.
    Me,
    Health,
    Open,
    Search,
    Portfolio,
    Write,
    SansReferent,
    Dashboard,
    /// The floor app's `SELECT 1` (`CARNET_FLOOR_URL`).
    Floor,
}

impl Kind {
    const MEASURED: [Kind; 8] = [
        Kind::Me,
        Kind::Health,
        Kind::Open,
        Kind::Search,
        Kind::Portfolio,
        Kind::Write,
        Kind::SansReferent,
        Kind::Dashboard,
    ];

    fn name(self) -> &'static str {
        match self {
            Kind::Me => "me",
            Kind::Health => "health",
            Kind::Open => "open",
            Kind::Search => "search",
            Kind::Portfolio => "portfolio",
            Kind::Write => "write",
            Kind::SansReferent => "sans-referent",
            Kind::Dashboard => "dashboard",
            Kind::Floor => "floor",
        }
    }

    fn request(self) -> &'static str {
        match self {
            Kind::Me => "GET /api/auth/me",
            Kind::Health => "GET /api/health",
            Kind::Open => "GET /api/carnets/{own notebook}",
            Kind::Search => "GET /api/carnets/search?q=",
            Kind::Portfolio => "GET /api/carnets/portfolio",
            Kind::Write => "POST /api/write/carnets/{own notebook}/contacts",
            Kind::SansReferent => "GET /api/carnets/departement?sans_referent=true (manager)",
            Kind::Dashboard => "GET /api/carnets/dashboard (manager)",
            Kind::Floor => "GET $CARNET_FLOOR_URL (SELECT 1 under Spin)",
        }
    }
}

/// The soak's mix, cycled through by each client from its own offset: 35 % openings, 15 %
/// searches, 15 % portfolios, 10 % `me`, 10 % writes, 5 % each of health, « sans référent »
/// and dashboard.
const SOAK_MIX: [Kind; 20] = [
    Kind::Open,
    Kind::Search,
    Kind::Portfolio,
    Kind::Me,
    Kind::Open,
    Kind::Write,
    Kind::Search,
    Kind::Open,
    Kind::Portfolio,
    Kind::Health,
    Kind::Open,
    Kind::Me,
    Kind::Search,
    Kind::Open,
    Kind::Write,
    Kind::Portfolio,
    Kind::SansReferent,
    Kind::Open,
    Kind::Dashboard,
    Kind::Open,
];

/// One simulated person: a connection of its own, a professional's session (and a manager's
/// for the manager lists), the notebooks of that professional's portfolio.
struct Client {
    http: reqwest::Client,
    base: Arc<str>,
    floor: Option<Arc<str>>,
    professional: String,
    manager: Arc<str>,
    notebooks: Vec<String>,
    turn: usize,
}

impl Client {
    fn request(&mut self, kind: Kind) -> reqwest::RequestBuilder {
        self.turn += 1;
        let base = &self.base;
        let notebook = &self.notebooks[self.turn % self.notebooks.len()];
        match kind {
            Kind::Me => self.http.get(format!("{base}/api/auth/me")),
            Kind::Health => return self.http.get(format!("{base}/api/health")),
            Kind::Open => self.http.get(format!("{base}/api/carnets/{notebook}")),
            Kind::Search => self
                .http
                .get(format!("{base}/api/carnets/search"))
                .query(&[("q", SEARCHES[self.turn % SEARCHES.len()])]),
            Kind::Portfolio => self.http.get(format!("{base}/api/carnets/portfolio")),
            Kind::Write => self
                .http
                .post(format!("{base}/api/write/carnets/{notebook}/contacts"))
                .json(&serde_json::json!({})),
            Kind::SansReferent => {
                return self
                    .http
                    .get(format!(
                        "{base}/api/carnets/departement?sans_referent=true&page={}",
                        1 + self.turn % 3
                    ))
                    .bearer_auth(&self.manager)
            }
            Kind::Dashboard => {
                return self
                    .http
                    .get(format!("{base}/api/carnets/dashboard"))
                    .bearer_auth(&self.manager)
            }
            Kind::Floor => {
                return self
                    .http
                    .get(self.floor.as_deref().expect("CARNET_FLOOR_URL"))
            }
        }
        .bearer_auth(&self.professional)
    }

    /// Sends one request of that kind and reads its answer whole: its time, or what failed
    /// (the status, `timeout`, or `connection`).
    async fn send(&mut self, kind: Kind) -> (Duration, Result<(), String>) {
        let request = self.request(kind);
        let started = Instant::now();
        let outcome = match request.send().await {
            Ok(response) => {
                let status = response.status();
                match response.bytes().await {
                    Ok(_) if status.is_success() => Ok(()),
                    Ok(_) => Err(status.as_u16().to_string()),
                    Err(error) => Err(transport_failure(&error)),
                }
            }
            Err(error) => Err(transport_failure(&error)),
        };
        (started.elapsed(), outcome)
    }
}

fn transport_failure(error: &reqwest::Error) -> String {
    if error.is_timeout() {
        "timeout".into()
    } else {
        "connection".into()
    }
}

/// What one line measured.
#[derive(Default)]
struct Line {
    /// Times of the successful requests, sorted.
    times: Vec<Duration>,
    /// Failed requests by status (or `timeout`, `connection`).
    errors: BTreeMap<String, usize>,
    /// From the start of the line to the last answer.
    elapsed: Duration,
}

impl Line {
    fn throughput(&self) -> f64 {
        self.times.len() as f64 / self.elapsed.as_secs_f64().max(1e-9)
    }
    fn p50(&self) -> Option<Duration> {
        (!self.times.is_empty()).then(|| percentile(&self.times, 0.50))
    }
    fn p99(&self) -> Option<Duration> {
        (!self.times.is_empty()).then(|| percentile(&self.times, 0.99))
    }
    fn error_count(&self) -> usize {
        self.errors.values().sum()
    }
    fn errors_text(&self) -> String {
        if self.errors.is_empty() {
            return "0".into();
        }
        self.errors
            .iter()
            .map(|(what, n)| format!("{what}×{n}"))
            .collect::<Vec<_>>()
            .join(" ")
    }
}

/// Runs one line: the first `count` clients send `kind` over and over until `duration` has
/// passed (answers still awaited then are waited for and counted).
async fn run_line(clients: &mut Vec<Client>, count: usize, kind: Kind, duration: Duration) -> Line {
    let started = Instant::now();
    let deadline = started + duration;
    let mut tasks = Vec::new();
    for mut client in clients.drain(..count) {
        tasks.push(tokio::spawn(async move {
            let mut line = Line::default();
            while Instant::now() < deadline {
                match client.send(kind).await {
                    (time, Ok(())) => line.times.push(time),
                    (_, Err(what)) => *line.errors.entry(what).or_default() += 1,
                }
            }
            line.elapsed = started.elapsed();
            (client, line)
        }));
    }
    let mut line = Line::default();
    let mut returned = Vec::new();
    for task in tasks {
        let (client, part) = task.await.expect("client task");
        returned.push(client);
        line.times.extend(part.times);
        for (what, n) in part.errors {
            *line.errors.entry(what).or_default() += n;
        }
        line.elapsed = line.elapsed.max(part.elapsed);
    }
    returned.append(clients);
    *clients = returned;
    line.times.sort();
    line
}

fn ms(d: Option<Duration>) -> String {
    d.map_or("—".into(), |d| format!("{:.2}", d.as_secs_f64() * 1000.0))
}

fn ratio(a: f64, b: f64) -> String {
    if b > 0.0 && a.is_finite() {
        format!("{:.2}", a / b)
    } else {
        "—".into()
    }
}

fn secs(d: Option<Duration>) -> f64 {
    d.map_or(f64::NAN, |d| d.as_secs_f64())
}

/// A running native server in a process of its own, killed when dropped.
struct ServerProcess {
    child: std::process::Child,
    base: String,
    log: PathBuf,
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts `carnet-server serve` (the binary next to this one) in production mode on the
/// database, its log in the temporary directory; with `jobs`, its scheduled jobs run too.
async fn spawn_server(kind: &str, database_url: &str, jobs: bool) -> Result<ServerProcess> {
    let exe = std::env::current_exe()?.with_file_name("carnet-server");
    if !exe.exists() {
        bail!(
            "{} is missing: build it with `cargo build --profile native -p carnet-server --bins`",
            exe.display()
        );
    }
    let port = std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port();
    let log = std::env::temp_dir().join(format!("carnet-load-server-{port}.log"));
    let mut command = std::process::Command::new(&exe);
    command.arg("serve");
    // Only the benchmark's settings: none inherited from the shell.
    for name in carnet_http::config::SETTINGS
        .iter()
        .chain(carnet_server::settings::NATIVE_SETTINGS)
    {
        command.env_remove(name.to_uppercase());
    }
    for (name, value) in server_settings(kind, database_url, port) {
        command.env(name.to_uppercase(), value);
    }
    if jobs {
        command.env("JOBS_SECRET", "carnet-load-jobs-secret-0123456789");
    }
    command
        .env("LISTEN", format!("127.0.0.1:{port}"))
        .stdin(std::process::Stdio::null())
        .stdout(std::fs::File::create(&log)?)
        .stderr(std::fs::File::create(&log)?.try_clone()?);
    let server = ServerProcess {
        child: command.spawn().with_context(|| exe.display().to_string())?,
        base: format!("http://127.0.0.1:{port}"),
        log,
    };
    let health = reqwest::Client::new();
    let started = Instant::now();
    loop {
        let answer = health
            .get(format!("{}/api/health", server.base))
            .send()
            .await;
        if matches!(&answer, Ok(response) if response.status().is_success()) {
            return Ok(server);
        }
        if started.elapsed() > Duration::from_secs(60) {
            bail!(
                "the server did not answer /api/health within 60 s (log: {})",
                server.log.display()
            );
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// The resident memory of a process, in KiB (Linux).
fn rss_kib(pid: u32) -> Option<u64> {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()?
        .lines()
        .find_map(|line| line.strip_prefix("VmRSS:"))?
        .trim()
        .trim_end_matches("kB")
        .trim()
        .parse()
        .ok()
}

/// Signs in `count` clients, each as a professional of its own who is a member of at least one
/// notebook (fewer such professionals than clients: they are shared in turn), and the
/// département's manager once, whose session the clients share for the manager lists.
async fn sign_in_clients(
    base: &str,
    db: &Db,
    count: usize,
    timeout: Duration,
) -> Result<Vec<Client>> {
    // Earlier runs' sign-in links would count against the per-address sign-in limit.
    db.execute("DELETE FROM login_requests", &[]).await?;
    let professionals: Vec<String> = db
        .query(
            "SELECT a.email FROM accounts a WHERE a.email LIKE 'pro-%' AND a.disabled_at IS NULL \
             AND EXISTS (SELECT 1 FROM notebook_members m WHERE m.account_id = a.id AND m.active = TRUE) \
             ORDER BY a.email LIMIT $1",
            &[(count as i64).into()],
        )
        .await?
        .iter()
        .map(|row| row.get("email"))
        .collect::<Result<_, _>>()?;
    if professionals.is_empty() {
        bail!("no professional with a notebook: load the demo département (carnet-server demo)");
    }
    let setup = reqwest::Client::new();
    let manager: Arc<str> = sign_in(
        &setup,
        base,
        db,
        &carnet_server::demo::demo_accounts().manager,
    )
    .await?
    .into();
    let mut sessions = Vec::new();
    for email in &professionals {
        let session = sign_in(&setup, base, db, email).await?;
        let portfolio: serde_json::Value = setup
            .get(format!("{base}/api/carnets/portfolio?per_page=50"))
            .bearer_auth(&session)
            .send()
            .await?
            .error_for_status()?
            .json()
            .await?;
        let notebooks: Vec<String> = portfolio["items"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|item| item["notebook_id"].as_str().map(String::from))
            .collect();
        if notebooks.is_empty() {
            bail!("{email}: empty portfolio");
        }
        sessions.push((session, notebooks));
    }
    let floor: Option<Arc<str>> = std::env::var("CARNET_FLOOR_URL").ok().map(Into::into);
    let base: Arc<str> = base.into();
    (0..count)
        .map(|i| {
            let (session, notebooks) = &sessions[i % sessions.len()];
            Ok(Client {
                http: reqwest::Client::builder().timeout(timeout).build()?,
                base: base.clone(),
                floor: floor.clone(),
                professional: session.clone(),
                manager: manager.clone(),
                notebooks: notebooks.clone(),
                turn: i * 7,
            })
        })
        .collect()
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> Result<()> {
    let args = Args::parse();
    let timeout = Duration::from_secs_f64(args.timeout);
    let remote = std::env::var("CARNET_BASE_URL").ok();
    let store_arg = args.target[0].as_str();
    let max_clients = if args.soak_minutes.is_some() {
        args.soak_clients
    } else {
        args.clients.iter().copied().max().unwrap_or(1)
    };
    // The instance (a server of our own, or CARNET_BASE_URL) and its database.
    let (label, db, server) = match (&remote, store_arg, args.target.get(1)) {
        (Some(base), database, None) => {
            let store = if database.starts_with("postgres") {
                NativeStore::postgres(database)
            } else {
                NativeStore::sqlite(database)
            };
            (base.trim_end_matches('/').to_string(), store.connect().await?, None)
        }
        (None, "sqlite", None) | (None, "postgres", Some(_)) => {
            let database =
                fresh_database(args.target.get(1).map(String::as_str), "carnet_load", false)
                    .await?;
            let db = database.store.connect().await?;
            demo_department(&db, database.kind, args.notebooks).await?;
            let jobs = args.soak_minutes.is_some();
            let server = spawn_server(database.kind, &database.url, jobs).await?;
            (database.kind.to_string(), db, Some(server))
        }
        _ => bail!(
            "usage: carnet-load sqlite | carnet-load postgres <admin URL> | CARNET_BASE_URL=… carnet-load <database>"
        ),
    };
    let base = match (&server, &remote) {
        (Some(server), _) => server.base.clone(),
        (None, Some(base)) => base.trim_end_matches('/').to_string(),
        (None, None) => unreachable!("a server or CARNET_BASE_URL"),
    };
    let mut clients = sign_in_clients(&base, &db, max_clients, timeout).await?;
    let server_pid = server.as_ref().map(|s| s.child.id()).or_else(|| {
        std::env::var("CARNET_SERVER_PID")
            .ok()
            .and_then(|pid| pid.parse().ok())
    });

    let failed = if let Some(minutes) = args.soak_minutes {
        soak(
            &label,
            clients,
            Duration::from_secs_f64(minutes * 60.0),
            args.rate,
            server_pid,
        )
        .await?
    } else {
        let kinds: Vec<Kind> = Kind::MEASURED
            .into_iter()
            .filter(|kind| {
                *kind == Kind::Me
                    || args.kinds.is_empty()
                    || args.kinds.iter().any(|k| k == kind.name())
            })
            .collect();
        lines(
            &label,
            &mut clients,
            &args.clients,
            &kinds,
            Duration::from_secs_f64(args.seconds),
        )
        .await?
    };
    if let Some(server) = &server {
        println!("(server log: {})", server.log.display());
    }
    if failed > 0 && (args.strict || args.soak_minutes.is_some()) {
        bail!("{failed} request(s) failed");
    }
    Ok(())
}

/// Warm-up, not counted: every kind a few times by every client (connections opened,
/// statements prepared, pages cached).
async fn warm_up(clients: &mut [Client], kinds: &[Kind]) {
    for client in clients.iter_mut() {
        for kind in kinds {
            for _ in 0..3 {
                let _ = client.send(*kind).await;
            }
        }
    }
}

/// The lines: for each client count, each kind (and the floor before each, when set). The
/// number of failed requests.
async fn lines(
    label: &str,
    clients: &mut Vec<Client>,
    counts: &[usize],
    kinds: &[Kind],
    duration: Duration,
) -> Result<usize> {
    let with_floor = clients.first().is_some_and(|c| c.floor.is_some());
    let measured: Vec<Kind> = kinds
        .iter()
        .copied()
        .chain(with_floor.then_some(Kind::Floor))
        .collect();
    warm_up(clients, &measured).await;
    println!();
    println!(
        "{label}: {} s per line; each client sends its next request once the previous answered",
        duration.as_secs_f64()
    );
    println!(
        "ratios: ×me = this line ÷ `me` (GET /api/auth/me) at the same client count, same run"
    );
    if with_floor {
        println!(
            "        ×floor = this line ÷ the floor line measured just before it (SELECT 1 under Spin)"
        );
    }
    for kind in kinds {
        println!("  {:<14} {}", kind.name(), kind.request());
    }
    let mut failed = 0;
    for &count in counts {
        println!();
        println!("{label}, {count} client(s)");
        print!(
            "  {:<14} {:>9} {:>9} {:>9}  {:>6} {:>6} {:>6}",
            "request", "req/s", "p50 ms", "p99 ms", "thr×me", "p50×me", "p99×me"
        );
        if with_floor {
            print!("  {:>9} {:>9}", "thr×floor", "p50×floor");
        }
        println!("  errors");
        let mut me: Option<Line> = None;
        let mut floors: Vec<Line> = Vec::new();
        let mut measured: Vec<(Kind, Line)> = Vec::new();
        for &kind in kinds {
            let floor = if with_floor {
                let floor = run_line(clients, count, Kind::Floor, duration).await;
                failed += floor.error_count();
                Some(floor)
            } else {
                None
            };
            let line = run_line(clients, count, kind, duration).await;
            failed += line.error_count();
            let trivial = me.as_ref().unwrap_or(&line);
            print!(
                "  {:<14} {:>9.0} {:>9} {:>9}  {:>6} {:>6} {:>6}",
                kind.name(),
                line.throughput(),
                ms(line.p50()),
                ms(line.p99()),
                ratio(line.throughput(), trivial.throughput()),
                ratio(secs(line.p50()), secs(trivial.p50())),
                ratio(secs(line.p99()), secs(trivial.p99())),
            );
            if let Some(floor) = &floor {
                print!(
                    "  {:>9} {:>9}",
                    ratio(line.throughput(), floor.throughput()),
                    ratio(secs(line.p50()), secs(floor.p50())),
                );
            }
            println!("  {}", line.errors_text());
            if kind == Kind::Me {
                me = Some(line);
            } else {
                measured.push((kind, line));
            }
            floors.extend(floor);
        }
        if !floors.is_empty() {
            // Lines without any answer (p50 unknown) are left out.
            let range = |values: Vec<f64>, unit: &str, scale: f64| {
                let known: Vec<f64> = values.into_iter().filter(|v| v.is_finite()).collect();
                if known.is_empty() {
                    return "—".to_string();
                }
                let min = known.iter().copied().fold(f64::INFINITY, f64::min) * scale;
                let max = known.iter().copied().fold(0.0, f64::max) * scale;
                format!("{min:.1}–{max:.1} {unit}")
            };
            println!(
                "  floor, {} lines: {}, p50 {}, p99 {}, errors {}",
                floors.len(),
                range(floors.iter().map(Line::throughput).collect(), "req/s", 1.0),
                range(floors.iter().map(|l| secs(l.p50())).collect(), "ms", 1000.0),
                range(floors.iter().map(|l| secs(l.p99())).collect(), "ms", 1000.0),
                floors.iter().map(Line::error_count).sum::<usize>()
            );
        }
        print_targets(count, me.as_ref(), &measured, &floors);
    }
    Ok(failed)
}

/// The targets next to the figures (never asserted): natively at 16 clients, and
/// under Spin (ratios to the floor) at 1 and 16 clients.
fn print_targets(count: usize, me: Option<&Line>, measured: &[(Kind, Line)], floors: &[Line]) {
    let verdict = |met: bool| if met { "met" } else { "NOT met" };
    let find = |kind: Kind| measured.iter().find(|(k, _)| *k == kind).map(|(_, l)| l);
    let open = find(Kind::Open);
    if let (16, Some(me), Some(open)) = (count, me, open) {
        let throughput = open.throughput() / me.throughput().max(1e-9);
        let spread = secs(open.p99()) / secs(open.p50());
        let all = std::iter::once(me).chain(measured.iter().map(|(_, l)| l));
        let errors: usize = all.clone().map(Line::error_count).sum();
        let unavailable: usize = all.map(|l| l.errors.get("503").copied().unwrap_or(0)).sum();
        println!("  targets, natively at 16 clients (printed, not asserted):");
        println!(
            "    open ≥ 0.3 × me's throughput: {throughput:.2} × ({})",
            verdict(throughput >= 0.3)
        );
        println!(
            "    open p99 ≤ 5 × its own p50: {spread:.1} × ({})",
            verdict(spread <= 5.0)
        );
        println!(
            "    no error, no 503: {errors} error(s), {unavailable} 503 ({})",
            verdict(errors == 0)
        );
    }
    if floors.is_empty() {
        return;
    }
    let floor_p50 = floors.iter().map(|l| secs(l.p50())).sum::<f64>() / floors.len() as f64;
    let health = find(Kind::Health);
    if count == 1 {
        println!("  targets under Spin at 1 client, against the floor's mean p50 (printed, not asserted):");
        for (kind, line, limit) in [("health", health, 2.0), ("open", open, 5.0)] {
            if let Some(line) = line {
                let times = secs(line.p50()) / floor_p50;
                println!(
                    "    {kind} p50 ≤ {limit} × the floor's: {times:.1} × ({})",
                    verdict(times <= limit)
                );
            }
        }
    }
    if count == 16 {
        let timeouts: usize = measured
            .iter()
            .map(|(_, l)| l.errors.get("timeout").copied().unwrap_or(0))
            .sum();
        println!("  targets under Spin at 16 clients (printed, not asserted):");
        println!("    no timeout: {timeouts} ({})", verdict(timeouts == 0));
        if let Some(open) = open {
            let spread = secs(open.p99()) / secs(open.p50());
            println!(
                "    open p99 ≤ 5 × its p50: {spread:.1} × ({})",
                verdict(spread <= 5.0)
            );
        }
    }
}

/// One minute of the soak.
#[derive(Default)]
struct Minute {
    times: Vec<Duration>,
    errors: BTreeMap<String, usize>,
}

/// The soak: every client sends the mix at its share of `rate`, for `duration`; each minute's
/// requests, errors, p50, p99 and the server's memory are printed as the minute ends. The number
/// of failed requests.
async fn soak(
    label: &str,
    mut clients: Vec<Client>,
    duration: Duration,
    rate: f64,
    server_pid: Option<u32>,
) -> Result<usize> {
    let minutes = (duration.as_secs_f64() / 60.0).ceil().max(1.0) as usize;
    let record: Arc<Mutex<Vec<Minute>>> = Arc::new(Mutex::new(
        (0..minutes).map(|_| Minute::default()).collect(),
    ));
    let by_kind: Arc<Mutex<BTreeMap<&'static str, Line>>> = Arc::default();
    let period = Duration::from_secs_f64(clients.len() as f64 / rate);
    // The memory at start is read once the server has served every kind of request (its
    // connections open, its caches filled), so that the soak's own growth shows.
    warm_up(&mut clients, &SOAK_MIX).await;
    let rss_start = server_pid.and_then(rss_kib);
    println!();
    println!(
        "{label}: soak of {:.1} min at {rate} requests/s over {} clients (mixed: 35 % open, 15 % search, 15 % portfolio, 10 % me, 10 % write, 5 % health, 5 % sans référent, 5 % dashboard)",
        duration.as_secs_f64() / 60.0,
        clients.len()
    );
    match rss_start {
        Some(kib) => println!(
            "server memory at start (after a warm-up of every kind): RSS {:.1} MiB",
            kib as f64 / 1024.0
        ),
        None => println!(
            "server memory: unknown (set CARNET_SERVER_PID for an instance not started here)"
        ),
    }
    println!(
        "  {:>6} {:>9} {:>9} {:>9} {:>9} {:>9}  errors",
        "minute", "requests", "p50 ms", "p99 ms", "max ms", "RSS MiB"
    );
    let started = Instant::now();
    let deadline = started + duration;
    let mut tasks = Vec::new();
    let count = clients.len();
    for (i, mut client) in clients.into_iter().enumerate() {
        let record = record.clone();
        let by_kind = by_kind.clone();
        tasks.push(tokio::spawn(async move {
            // Clients start spread over one period, so the rate is steady from the start.
            tokio::time::sleep(period.mul_f64(i as f64 / count as f64)).await;
            let mut ticker = tokio::time::interval(period);
            ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            let mut step = i * 7;
            loop {
                ticker.tick().await;
                if Instant::now() >= deadline {
                    break;
                }
                let kind = SOAK_MIX[step % SOAK_MIX.len()];
                step += 1;
                let sent = started.elapsed();
                let (time, outcome) = client.send(kind).await;
                let minute = ((sent.as_secs() / 60) as usize).min(minutes - 1);
                let mut record = record.lock().expect("record");
                let mut by_kind = by_kind.lock().expect("by kind");
                let line = by_kind.entry(kind.name()).or_default();
                match outcome {
                    Ok(()) => {
                        record[minute].times.push(time);
                        line.times.push(time);
                    }
                    Err(what) => {
                        *record[minute].errors.entry(what.clone()).or_default() += 1;
                        *line.errors.entry(what).or_default() += 1;
                    }
                }
            }
        }));
    }
    // Each minute's figures as it ends (the answers still awaited then are left to the next
    // reading: a minute's figures are printed a second after it ends).
    let mut rss_end = rss_start;
    for minute in 0..minutes {
        let end = started + Duration::from_secs(60 * (minute as u64 + 1)).min(duration);
        tokio::time::sleep_until((end + Duration::from_secs(1)).into()).await;
        let rss = server_pid.and_then(rss_kib);
        rss_end = rss.or(rss_end);
        let mut record = record.lock().expect("record");
        let figures = &mut record[minute];
        figures.times.sort();
        let line = Line {
            times: std::mem::take(&mut figures.times),
            errors: figures.errors.clone(),
            elapsed: Duration::ZERO,
        };
        println!(
            "  {:>6} {:>9} {:>9} {:>9} {:>9} {:>9}  {}",
            minute + 1,
            line.times.len() + line.error_count(),
            ms(line.p50()),
            ms(line.p99()),
            ms(line.times.last().copied()),
            rss.map_or("—".into(), |kib| format!("{:.1}", kib as f64 / 1024.0)),
            line.errors_text()
        );
    }
    for task in tasks {
        task.await.expect("soak client");
    }
    let elapsed = started.elapsed();
    let by_kind = by_kind.lock().expect("by kind");
    let total: usize = by_kind
        .values()
        .map(|l| l.times.len() + l.error_count())
        .sum();
    let failed: usize = by_kind.values().map(Line::error_count).sum();
    println!(
        "whole soak: {total} requests in {:.0} s ({:.1}/s, asked {rate}/s), {failed} failed",
        elapsed.as_secs_f64(),
        total as f64 / elapsed.as_secs_f64()
    );
    println!(
        "  {:<14} {:>9} {:>9} {:>9}  errors",
        "request", "requests", "p50 ms", "p99 ms"
    );
    for (name, line) in by_kind.iter() {
        let mut times = line.times.clone();
        times.sort();
        let sorted = Line {
            times,
            errors: line.errors.clone(),
            elapsed: Duration::ZERO,
        };
        println!(
            "  {:<14} {:>9} {:>9} {:>9}  {}",
            name,
            sorted.times.len() + sorted.error_count(),
            ms(sorted.p50()),
            ms(sorted.p99()),
            sorted.errors_text()
        );
    }
    if let (Some(start), Some(end)) = (rss_start, rss_end) {
        println!(
            "server memory: RSS {:.1} MiB at start, {:.1} MiB at end ({:+.1} MiB)",
            start as f64 / 1024.0,
            end as f64 / 1024.0,
            (end as f64 - start as f64) / 1024.0
        );
    }
    println!("errors: {failed} (must be 0)");
    Ok(failed)
}
