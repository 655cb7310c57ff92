//! The native server runs the scheduled jobs itself, through the same HTTP endpoints any
//! scheduler calls (under Spin: a Kubernetes CronJob or a cron line, see the README).

use axum::body::Body;
use axum::Router;
use std::time::Duration;
use tower::ServiceExt;

/// Each job, its endpoint and its period.
pub const JOBS: &[(&str, u64)] = &[
    ("/api/notifications/jobs/deliver", 60),
    ("/api/notifications/jobs/reminders", 600),
    ("/api/notifications/jobs/unassigned-digest", 600),
    ("/api/notifications/jobs/weekly-digest", 6 * 3600),
    ("/api/notifications/jobs/retention", 6 * 3600),
];

/// Runs a job once, counting consecutive failures.
async fn call(app: &Router, path: &str, secret: &str, failures: &mut u64) {
    let request = http::Request::post(path)
        .header("authorization", format!("Bearer {secret}"))
        .body(Body::empty())
        .expect("request");
    match app.clone().oneshot(request).await {
        Ok(response) if response.status().is_success() => *failures = 0,
        Ok(response) => {
            // Said once, then once an hour-ish, not at every tick.
            if failures.is_multiple_of(60) {
                eprintln!(
                    "tâche {path} : statut {} (voir le message d'erreur ci-dessus)",
                    response.status()
                );
            }
            *failures += 1;
        }
        Err(never) => match never {},
    }
}

/// Starts one loop per job; they run until the process ends.
pub fn spawn(app: Router, secret: String) {
    for (path, period) in JOBS {
        let app = app.clone();
        let secret = secret.clone();
        tokio::spawn(async move {
            let mut ticker = tokio::time::interval(Duration::from_secs(*period));
            let mut failures = 0;
            loop {
                ticker.tick().await;
                call(&app, path, &secret, &mut failures).await;
            }
        });
    }
}
