//! Benchmark: builds a département (100,000 beneficiaries, about 1M actions, by default) with the
//! demo generator, starts the native server on it, and prints p50/p99 for opening a notebook
//! (access-log write included, default durability), searching, listing a portfolio, a page of
//! the département's list and of its notebooks without referent (with their count), and the
//! dashboard.
//! Figures only: it never fails on timing. Each kind of request is first made [`WARM_UP`] times
//! on other data, not counted, as a long-running server has its connections and statements ready.
//!
//! `carnet-bench sqlite [beneficiaries] [samples]`
//! `carnet-bench postgres <admin URL> [beneficiaries] [samples]`

mod bench_support;

use anyhow::{bail, Context, Result};
use bench_support::{demo_department, fresh_database, percentile, sign_in, start_server, SEARCHES};
use carnet_store::native::NativeStore;
use std::time::{Duration, Instant};

/// Requests of each kind made before measuring, and not counted.
const WARM_UP: usize = 50;

/// Words searched during the warm-up: none of them is among the measured searches.
const WARM_UP_SEARCHES: [&str; 5] = ["durand", "petit", "bernard", "0601", "FT00000077"];

fn report(name: &str, mut times: Vec<Duration>) {
    times.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    println!(
        "{name:<28} n={:<5} p50={:>7.2} ms  p99={:>7.2} ms  max={:>7.2} ms",
        times.len(),
        ms(percentile(&times, 0.50)),
        ms(percentile(&times, 0.99)),
        ms(*times.last().unwrap())
    );
}

/// The disk's floor for a durable commit, to read the figures by: 500 appends of 4 KB, each
/// followed by `fdatasync`, in the temporary directory.
fn disk_sync_probe() -> Result<()> {
    use std::io::Write;
    let path = std::env::temp_dir().join(format!("carnet-bench-sync-{}", std::process::id()));
    let mut file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&path)?;
    let mut times = Vec::new();
    for _ in 0..500 {
        file.write_all(&[b'x'; 4096])?;
        let t = Instant::now();
        file.sync_data()?;
        times.push(t.elapsed());
    }
    drop(file);
    std::fs::remove_file(&path)?;
    report("disk fdatasync (4 KB)", times);
    Ok(())
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let reuse = std::env::var("CARNET_BENCH_REUSE").is_ok();
    let (database, rest) = match args.first().map(String::as_str) {
        Some("sqlite") => (
            fresh_database(None, "carnet_bench", reuse).await?,
            &args[1..],
        ),
        Some("postgres") => {
            let admin = args.get(1).context("carnet-bench postgres <admin URL>")?;
            (
                fresh_database(Some(admin), "carnet_bench", reuse).await?,
                &args[2..],
            )
        }
        _ => bail!("usage: carnet-bench sqlite|postgres [admin URL] [beneficiaries] [samples]"),
    };
    let (store, database_url, kind) = (database.store, database.url, database.kind);
    let beneficiaries: usize = rest
        .first()
        .map(|n| n.parse())
        .transpose()?
        .unwrap_or(100_000);
    let samples: usize = rest.get(1).map(|n| n.parse()).transpose()?.unwrap_or(1_000);

    let db = store.connect().await?;
    demo_department(&db, kind, beneficiaries).await?;
    let mut notebooks: Vec<String> = db
        .query(
            "SELECT id FROM notebooks ORDER BY id LIMIT $1",
            &[((samples + WARM_UP) as i64).into()],
        )
        .await?
        .iter()
        .map(|r| r.get("id"))
        .collect::<Result<_, _>>()?;
    let warm_up_notebooks = notebooks.split_off(samples.min(notebooks.len()));
    // A reused database remembers the sign-in links of earlier runs: forget them, so that the
    // per-address limit (a few links per quarter of an hour) does not refuse this run's.
    db.execute("DELETE FROM login_requests", &[]).await?;

    let base = start_server(kind, &database_url).await?;
    let client = reqwest::Client::new();
    let accounts = carnet_server::demo::demo_accounts();
    let manager = sign_in(&client, &base, &db, &accounts.manager).await?;
    let pro = sign_in(&client, &base, &db, &accounts.professional).await?;

    // On PostgreSQL, a diagnostic to read the open figure by: a second server on the same
    // database whose commits do not wait for the disk (a setting the figures never use). The two
    // take turns on each notebook, first one then the other, so that both meet the same caches.
    let mut servers = vec![base.clone()];
    if kind == "postgres" {
        servers.push(start_server(kind, &unflushed_url(&database_url).await?).await?);
    }
    let search = |words: &str| {
        let request = client
            .get(format!("{base}/api/carnets/search"))
            .query(&[("q", words)])
            .bearer_auth(&pro);
        timed(request, format!("search {words}"))
    };
    // A page of a list: the professional's portfolio, or the département's list (the manager's).
    let list_page = |list: &str, token: &str, page: usize| {
        let request = client
            .get(format!("{base}/api/carnets/{list}?page={page}"))
            .bearer_auth(token);
        timed(request, format!("{list} page {page}"))
    };
    let portfolio = |page: usize| list_page("portfolio", &pro, page);
    let department = |page: usize| list_page("departement", &manager, page);
    // The département's notebooks without referent (a page and their count), and the dashboard.
    let without_referent = |page: usize| {
        let request = client
            .get(format!(
                "{base}/api/carnets/departement?sans_referent=true&page={page}"
            ))
            .bearer_auth(&manager);
        timed(request, format!("sans référent page {page}"))
    };
    let dashboard = || {
        let request = client
            .get(format!("{base}/api/carnets/dashboard"))
            .bearer_auth(&manager);
        timed(request, "dashboard")
    };
    // The dashboard counts a year of actions (about 0.7M rows at 100,000 beneficiaries): fewer
    // samples of it.
    let dashboard_samples = (samples / 10).max(10);

    // Warm-up, not counted: a long-running server has its connections open and its statements
    // prepared; the first requests pay for both. Other notebooks, words and pages (6 to 10)
    // than the measured ones, so that the measured data is not cached by it.
    let warm_up = open_notebooks(&client, &servers, &manager, &warm_up_notebooks).await?;
    for i in 0..WARM_UP {
        search(WARM_UP_SEARCHES[i % WARM_UP_SEARCHES.len()]).await?;
        portfolio(6 + i % 5).await?;
        department(6 + i % 5).await?;
        without_referent(6 + i % 5).await?;
    }
    for _ in 0..(WARM_UP / 10) {
        dashboard().await?;
    }

    let before = cpu_ticks();
    let mut open = open_notebooks(&client, &servers, &manager, &notebooks).await?;
    let stolen = stolen_share(before, cpu_ticks());
    let unflushed_open = if servers.len() > 1 { open.pop() } else { None };
    let open = open.pop().context("no open figures")?;
    let mut department_pages = Vec::new();
    for i in 0..samples {
        department_pages.push(department(1 + i % 5).await?);
    }
    let mut without_referent_pages = Vec::new();
    for i in 0..samples {
        without_referent_pages.push(without_referent(1 + i % 5).await?);
    }
    let mut dashboards = Vec::new();
    for _ in 0..dashboard_samples {
        dashboards.push(dashboard().await?);
    }
    let mut searches = Vec::new();
    for i in 0..samples {
        searches.push(search(SEARCHES[i % SEARCHES.len()]).await?);
    }
    let mut portfolio_pages = Vec::new();
    for i in 0..samples {
        portfolio_pages.push(portfolio(1 + i % 5).await?);
    }
    println!("{kind}: {beneficiaries} beneficiaries, {samples} samples per operation, sequential requests over HTTP");
    println!(
        "{kind}: after {WARM_UP} warm-up requests of each kind on other notebooks, words and pages, not counted"
    );
    disk_sync_probe()?;
    if let Some(times) = warm_up.into_iter().next() {
        report("(warm-up) open notebook", times);
    }
    report(&format!("{kind} open notebook"), open);
    report(&format!("{kind} search"), searches);
    report(&format!("{kind} portfolio page"), portfolio_pages);
    report(&format!("{kind} département page"), department_pages);
    report(
        &format!("{kind} sans référent page"),
        without_referent_pages,
    );
    report(&format!("{kind} dashboard"), dashboards);
    if let Some(times) = unflushed_open {
        report("(diagnostic) open, no flush", times);
    }
    if let Some(share) = stolen {
        println!(
            "(diagnostic) during the openings, the host took {:.1} % of this machine's CPU time (steal)",
            share * 100.0
        );
    }
    Ok(())
}

/// The machine's CPU time so far, in ticks, on Linux: (all, stolen by the host).
fn cpu_ticks() -> Option<(u64, u64)> {
    let stat = std::fs::read_to_string("/proc/stat").ok()?;
    let ticks: Vec<u64> = stat
        .lines()
        .next()?
        .split_whitespace()
        .skip(1)
        .take(8)
        .map(|field| field.parse().ok())
        .collect::<Option<_>>()?;
    // user nice system idle iowait irq softirq steal
    Some((ticks.iter().sum(), *ticks.get(7)?))
}

/// The share of CPU time the host (hypervisor) took from this machine between two readings: a
/// virtual machine waits for the host that long, whatever it runs.
fn stolen_share(before: Option<(u64, u64)>, after: Option<(u64, u64)>) -> Option<f64> {
    let ((total_before, steal_before), (total_after, steal_after)) = (before?, after?);
    let total = total_after.checked_sub(total_before).filter(|t| *t > 0)?;
    Some(steal_after.saturating_sub(steal_before) as f64 / total as f64)
}

/// The database URL with `synchronous_commit=off` for every connection (diagnostic only),
/// checked on a connection of its own.
async fn unflushed_url(database_url: &str) -> Result<String> {
    let options = "options=-c%20synchronous_commit%3Doff";
    let separator = if database_url.contains('?') { '&' } else { '?' };
    let url = format!("{database_url}{separator}{options}");
    let rows = NativeStore::postgres(url.clone())
        .connect()
        .await?
        .query("SHOW synchronous_commit", &[])
        .await?;
    let setting: String = carnet_store::one_row(&rows)?.get("synchronous_commit")?;
    if setting != "off" {
        bail!("the diagnostic server's commits would wait for the disk ({setting})");
    }
    Ok(url)
}

/// Opens each notebook once on each server, the servers taking turns in a rotating order, as
/// the signed-in `token`: the times of each server's requests.
async fn open_notebooks(
    client: &reqwest::Client,
    servers: &[String],
    token: &str,
    notebooks: &[String],
) -> Result<Vec<Vec<Duration>>> {
    let mut times = vec![Vec::with_capacity(notebooks.len()); servers.len()];
    for (i, id) in notebooks.iter().enumerate() {
        for turn in 0..servers.len() {
            let server = (i + turn) % servers.len();
            let request = client
                .get(format!("{}/api/carnets/{id}", servers[server]))
                .bearer_auth(token);
            times[server].push(timed(request, format!("open {id}")).await?);
        }
    }
    Ok(times)
}

/// The time of one request, its answer read whole; an error unless it succeeded.
async fn timed(request: reqwest::RequestBuilder, what: impl std::fmt::Display) -> Result<Duration> {
    let t = Instant::now();
    let response = request.send().await?;
    let status = response.status();
    response.bytes().await?;
    let elapsed = t.elapsed();
    if !status.is_success() {
        bail!("{what}: {status}");
    }
    Ok(elapsed)
}
