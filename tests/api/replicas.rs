//! Several replicas of one instance: two native servers with the same settings on one database
//! (`TestApp::spawn_replica`), as a département runs several replicas of the Spin app on one
//! PostgreSQL. Nothing that must hold across requests lives in a server's memory: a session, an
//! idempotency key, a sign-in rate limit, the delivery leases and the one-referent rule all hold
//! across both servers.
//!
//! Run in both passes of the suite: on PostgreSQL (the deployment with several replicas), and on
//! SQLite with both servers on one file (two processes of one host sharing the file: each server
//! has its own pool of connections, so SQLite's own locking is what they share).
//!
//! Both servers run in this one test process, each with its own platform, store and pool: what
//! one server keeps in memory the other does not see, so state kept per server would fail these
//! checks; a process-wide `static` would be shared by both and escape them (the components hold
//! none, and under Spin no memory outlives a request).

use crate::fixtures::{department, post, unique};
use carnet_tests::{client, spawn_app, TestApp, User};
use serde_json::{json, Value};

/// Two servers of one instance, or `None` against `CARNET_BASE_URL` (counted as skipped).
async fn two_replicas(test: &str) -> Option<(TestApp, TestApp)> {
    let a = spawn_app().await;
    let b = a.spawn_replica(test)?;
    Some((a, b))
}

/// `GET /api/auth/me` with this bearer token only (no cookie): the status and the answer.
async fn me_by_bearer(app: &TestApp, token: &str) -> (u16, Value) {
    let response = client()
        .get(app.url("/api/auth/me"))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn a_session_opened_on_one_replica_works_and_ends_on_the_other() {
    let Some((a, b)) =
        two_replicas("a_session_opened_on_one_replica_works_and_ends_on_the_other").await
    else {
        return;
    };
    let email = unique("gestionnaire");
    let account = a.create_account(&email, "manager", None).await;
    let account_id = account["account_id"].as_str().unwrap();
    // The link is asked for on A and confirmed on B (its token is a row, not a memory).
    let user_client = client();
    assert_eq!(a.request_link(&user_client, &email).await.status(), 202);
    let link = a.last_link_token(&email).await.expect("sign-in email");
    let confirmed = b.confirm(&user_client, &link).await;
    assert_eq!(confirmed.status(), 200, "a link sent by A opens on B");
    let token = confirmed.json::<Value>().await.unwrap()["token"]
        .as_str()
        .unwrap()
        .to_string();
    let reused = a.confirm(&client(), &link).await;
    assert_eq!(reused.status(), 400, "used once on B, refused on A");
    let user = User {
        client: user_client,
        token: token.clone(),
        email,
    };
    // The session opened on B works on both, by cookie and by bearer; the CGU accepted on B
    // counts on A.
    for server in [&a, &b] {
        let (status, me) = user.get_json(server, "/api/auth/me").await;
        assert_eq!(status, 200, "{}", server.base_url);
        assert_eq!(me["account"]["id"], account_id);
        let (status, me) = me_by_bearer(server, &token).await;
        assert_eq!(status, 200, "{}", server.base_url);
        assert_eq!(me["account"]["id"], account_id);
    }
    let (_, me) = user.get_json(&a, "/api/auth/me").await;
    let version = me["cgu"]["current_version"].clone();
    let accepted = user
        .post_json(&b, "/api/auth/cgu", &json!({ "version": version }))
        .await;
    assert_eq!(accepted.status(), 200);
    let (_, me) = user.get_json(&a, "/api/auth/me").await;
    assert_eq!(me["cgu"]["required"], false, "accepted on B, seen on A");
    // Logout on A ends the session on B: the same token, by bearer and by cookie, is refused
    // there (the cookie is sent by hand: the jar dropped it on A's answer).
    let response = user.post_json(&a, "/api/auth/logout", &json!({})).await;
    assert_eq!(response.status(), 200);
    assert_eq!(me_by_bearer(&b, &token).await.0, 401, "ended on B");
    let by_cookie = client()
        .get(b.url("/api/auth/me"))
        .header("cookie", format!("__Host-carnet_session={token}"))
        .send()
        .await
        .unwrap();
    assert_eq!(by_cookie.status(), 401, "ended on B, by cookie too");
    assert_eq!(me_by_bearer(&a, &token).await.0, 401);
}

/// A create with an `Idempotency-Key`: status, body, whether it is a replay.
async fn create_with_key(
    user: &User,
    app: &TestApp,
    key: &str,
    body: &Value,
) -> (u16, Value, bool) {
    let response = user
        .client
        .post(app.url("/api/write/dispositifs"))
        .header("origin", &app.public_url)
        .header("idempotency-key", key)
        .json(body)
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    let replayed = response.headers().get("idempotent-replay").is_some();
    (
        status,
        response.json().await.unwrap_or(Value::Null),
        replayed,
    )
}

#[tokio::test]
async fn an_idempotency_key_used_on_one_replica_replays_on_the_other() {
    let Some((a, b)) =
        two_replicas("an_idempotency_key_used_on_one_replica_replays_on_the_other").await
    else {
        return;
    };
    let email = unique("gestionnaire");
    a.create_account(&email, "manager", None).await;
    let manager = a.sign_in(&email).await;
    let name = format!("Dispositif {}", uuid::Uuid::new_v4().simple());
    let body = json!({ "name": name, "orientation_type": "social" });
    let key = uuid::Uuid::new_v4().to_string();
    let (status, first, replayed) = create_with_key(&manager, &a, &key, &body).await;
    assert_eq!((status, replayed), (201, false), "{first}");
    // The retry lands on B: the stored answer, as a replay.
    let (status, again, replayed) = create_with_key(&manager, &b, &key, &body).await;
    assert_eq!((status, replayed), (201, true), "{again}");
    assert_eq!(again, first, "the answer A stored");
    // The same key with another body, on B.
    let other = json!({ "name": name, "orientation_type": "pro" });
    let (status, reused, _) = create_with_key(&manager, &b, &key, &other).await;
    assert_eq!(status, 422, "{reused}");
    assert_eq!(reused["error"]["fields"][0]["code"], "key_reused");
    // One write, seen from either server.
    for server in [&a, &b] {
        let (status, list) = manager.get_json(server, "/api/carnets/dispositifs").await;
        assert_eq!(status, 200, "{list}");
        let count = list["items"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|item| item["name"] == name.as_str())
            .count();
        assert_eq!(count, 1, "{}", server.base_url);
    }
}

#[tokio::test]
async fn a_sign_in_rate_limit_counted_on_one_replica_applies_on_the_other() {
    let Some((a, b)) =
        two_replicas("a_sign_in_rate_limit_counted_on_one_replica_applies_on_the_other").await
    else {
        return;
    };
    // The test clock is the database's too: set on A, B reads it.
    a.set_clock("2027-02-01T09:00:00Z").await;
    let (_, health) = b.get_json("/api/health").await;
    assert_eq!(health["now"], "2027-02-01T09:00:00.000000Z");
    let email = unique("limite");
    a.create_account(&email, "manager", None).await;
    let requester = client();
    // Five requests in 15 minutes, three on A and two on B: the sixth is refused on both.
    for server in [&a, &b, &a, &b, &a] {
        assert_eq!(server.request_link(&requester, &email).await.status(), 202);
    }
    for server in [&b, &a] {
        let refused = server.request_link(&requester, &email).await;
        assert_eq!(refused.status(), 429, "{}", server.base_url);
        let retry_after: u64 = refused.headers()["retry-after"]
            .to_str()
            .unwrap()
            .parse()
            .unwrap();
        assert!((1..=900).contains(&retry_after), "{retry_after}");
    }
    // The window slides, for both (the clock set on B).
    b.set_clock("2027-02-01T09:15:01Z").await;
    assert_eq!(a.request_link(&requester, &email).await.status(), 202);
    assert_eq!(b.request_link(&requester, &email).await.status(), 202);
}

#[tokio::test]
async fn the_delivery_job_run_on_both_replicas_at_once_sends_each_email_once() {
    let Some((a, b)) =
        two_replicas("the_delivery_job_run_on_both_replicas_at_once_sends_each_email_once").await
    else {
        return;
    };
    let receiver = a.receiver.clone().unwrap();
    // 80 emails queued through the API (sign-in links, on either server; a client address
    // may ask for 100 in 15 minutes): more than one lease batch (50), so that the runs below
    // take turns on the outbox.
    let requester = client();
    for i in 0..40 {
        let (server, other) = if i % 2 == 0 { (&a, &b) } else { (&b, &a) };
        let email = unique("destinataire");
        server.create_account(&email, "manager", None).await;
        for app in [server, other] {
            assert_eq!(app.request_link(&requester, &email).await.status(), 202);
        }
    }
    let queued = b.outbox().await.len();
    assert_eq!(queued, 80, "queued");
    assert!(
        receiver.emails.lock().unwrap().is_empty(),
        "nothing sent yet"
    );
    // Two runs on each server, all at once.
    let runs = tokio::join!(a.deliver(), b.deliver(), a.deliver(), b.deliver());
    let sent: i64 = [&runs.0, &runs.1, &runs.2, &runs.3]
        .iter()
        .map(|run| run["sent"].as_i64().unwrap())
        .sum();
    assert_eq!(sent, 80, "{runs:?}");
    let mut ids: Vec<String> = receiver
        .emails
        .lock()
        .unwrap()
        .iter()
        .map(|email| email["id"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(ids.len(), 80, "received");
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), 80, "each email once");
    assert_eq!(b.deliver().await["sent"], 0);
    assert_eq!(a.deliver().await["sent"], 0);
}

#[tokio::test]
async fn one_referent_under_become_referent_requests_sent_to_both_replicas_at_once() {
    let Some((a, b)) =
        two_replicas("one_referent_under_become_referent_requests_sent_to_both_replicas_at_once")
            .await
    else {
        return;
    };
    let d = department(&a).await;
    for round in 0..4 {
        let (status, created) = post(
            &d.manager,
            &a,
            "/api/write/beneficiaries",
            json!({ "first_name": "Paul", "last_name": "Simon", "confirm_different_person": true }),
        )
        .await;
        assert_eq!(status, 201, "{created}");
        let id = created["notebook_id"].as_str().unwrap().to_string();
        let attempt = |user: &User, server: &TestApp| {
            let request = user
                .client
                .post(server.url(&format!("/api/write/carnets/{id}/members/self")))
                .header("origin", &server.public_url)
                .json(&json!({ "member_type": "referent", "dispositif_id": d.dispositif }));
            async move { request.send().await.unwrap().status().as_u16() }
        };
        // Each professional on another server, swapped every round.
        let (server_a, server_b) = if round % 2 == 0 { (&a, &b) } else { (&b, &a) };
        let (first, second) =
            tokio::join!(attempt(&d.pro_a, server_a), attempt(&d.pro_b, server_b));
        let mut statuses = [first, second];
        statuses.sort();
        assert!(
            statuses == [201, 409] || statuses == [201, 503],
            "{statuses:?}"
        );
        for server in [&a, &b] {
            let (status, notebook) = d
                .manager
                .get_json(server, &format!("/api/carnets/{id}"))
                .await;
            assert_eq!(status, 200, "{notebook}");
            let referents = notebook["members"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|member| member["member_type"] == "referent")
                .count();
            assert_eq!(referents, 1, "{}", server.base_url);
        }
    }
}
