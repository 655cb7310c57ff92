//! A black-box request fuzzer. It reads every route of every component router from the
//! components' OpenAPI parts (the routers' own lists, so a new route is fuzzed the day it is
//! added), then sends a few thousand
//! random and mutated requests as every role: valid bodies mutated, random JSON, arrays, huge
//! numbers, control characters, wrong types and content types; random, overflowing and repeated
//! query parameters; malformed, unknown and traversing path parameters; every method. Seeded, so a
//! failure replays (`CARNET_FUZZ_SEED`, `CARNET_FUZZ_REQUESTS`, `CARNET_FUZZ_SECONDS`).
//!
//! It asserts: no 5xx, no dropped connection (a panic), every non-2xx answer under `/api/` is the
//! JSON error (`{"error": {"code", "message"}}`, `application/json`), and the instance still
//! answers `/api/health` at the end.

use crate::fixtures::{department, unique};
use carnet_tests::{spawn_app, TestApp};
use reqwest::Method;
use serde_json::{json, Value};
use std::collections::{BTreeMap, BTreeSet};
use std::time::{Duration, Instant};

/// SplitMix64: a small deterministic generator (no dependency, the same sequence everywhere).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    /// True with probability `percent` %.
    fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

/// A route as a component router declares it: its method and its path pattern (`{id}`).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Route {
    pub method: String,
    pub pattern: String,
}

fn source(relative: &str) -> String {
    let path = format!("{}/../{relative}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

const METHODS: &[&str] = &["get", "post", "put", "patch", "delete"];

/// The documented routes of one component (its `operations!` list: the same as its router's).
fn component_routes(component: &carnet_server::Component) -> Vec<Route> {
    let document = serde_json::to_value((component.openapi)()).expect("document");
    let mut routes = Vec::new();
    for (pattern, item) in document["paths"].as_object().expect("paths") {
        for method in METHODS {
            if item.get(*method).is_some() {
                routes.push(Route {
                    method: method.to_uppercase(),
                    pattern: pattern.clone(),
                });
            }
        }
    }
    routes
}

/// Every route of every API component.
pub fn all_routes() -> Vec<Route> {
    let mut all = BTreeSet::new();
    for component in carnet_server::COMPONENTS {
        all.extend(component_routes(component));
    }
    all.into_iter().collect()
}

/// The prefixes `spin.toml` routes to each component.
fn spin_routes() -> Vec<(String, String)> {
    let manifest = source("spin.toml");
    let mut routes = Vec::new();
    let mut route = None;
    for line in manifest.lines().map(str::trim) {
        if let Some(value) = line.strip_prefix("route = ") {
            route = Some(value.trim_matches('"').to_string());
        } else if let (Some(value), Some(r)) = (line.strip_prefix("component = "), route.take()) {
            routes.push((r, value.trim_matches('"').to_string()));
        }
    }
    routes
}

#[test]
fn the_fuzzer_knows_every_route_and_spin_sends_each_to_its_component() {
    let spin = spin_routes();
    assert!(spin.len() >= 8, "{spin:?}");
    for component in carnet_server::COMPONENTS {
        let routes = component_routes(component);
        let prefixes: Vec<&str> = spin
            .iter()
            .filter(|(_, c)| c == component.name)
            .map(|(r, _)| r.as_str())
            .collect();
        assert!(!prefixes.is_empty(), "{} in spin.toml", component.name);
        // Spin gives each documented path to the component that documents (and serves) it:
        // its most specific route, as the native server's dispatch does.
        for route in &routes {
            let concrete = route.pattern.replace(['{', '}'], "");
            let best = spin
                .iter()
                .filter_map(|(r, c)| {
                    carnet_server::route_specificity(r, &concrete).map(|score| (score, c))
                })
                .max_by_key(|(score, _)| *score)
                .map(|(_, c)| c.as_str());
            assert_eq!(
                best,
                Some(component.name),
                "{} {} : Spin l'enverrait à un autre composant",
                route.method,
                route.pattern
            );
        }
        // Every spin.toml route of an API component has operations (its health at least).
        for prefix in prefixes.iter().filter(|p| **p != "/...") {
            let prefix = prefix.trim_end_matches("/...");
            assert!(
                routes.iter().any(|r| r.pattern.starts_with(prefix)),
                "{}: nothing under {prefix}",
                component.name
            );
        }
    }
    let routes = all_routes();
    assert!(routes.len() >= 60, "{} routes", routes.len());
    assert!(routes.contains(&Route {
        method: "DELETE".into(),
        pattern: "/api/write/carnets/{id}/objectifs/{item}".into()
    }));
}

/// Routes the fuzzer leaves alone: they would end its own sessions or reset the instance under it
/// (test-mode endpoints: the clock, the data).
fn excluded(route: &Route) -> bool {
    matches!(
        route.pattern.as_str(),
        "/api/auth/logout" | "/api/auth/logout-all" | "/api/test/clock" | "/api/test/data"
    )
}

/// The fields a valid body of this route has.
fn template_fields(route: &Route) -> &'static [&'static str] {
    let p = route.pattern.as_str();
    let m = route.method.as_str();
    let ends = |suffix: &str| p.ends_with(suffix);
    match () {
        _ if ends("/magic-link") || ends("/me/email") => &["email"],
        _ if ends("/confirm") || ends("/opt-out") => &["token"],
        _ if ends("/auth/role") => &["role_id"],
        _ if ends("/cgu") => &["version_text"],
        _ if ends("/work-contact") => &["position", "phone"],
        _ if ends("/auth/structures") => &["name"],
        _ if ends("/auth/accounts") || ends("/test/accounts") => {
            &["email", "first_name", "last_name", "role", "structure_id"]
        }
        _ if ends("/roles") => &["role", "structure_id"],
        _ if ends("/beneficiaries") => &[
            "first_name",
            "last_name",
            "birth_date",
            "email",
            "phone",
            "postal_code",
            "city",
        ],
        _ if ends("/structures/{id}") => &["siret", "address", "postal_code", "city", "sensitive"],
        _ if ends("/dispositifs") => &["name", "orientation_type"],
        _ if ends("/members/self") => &["member_type", "dispositif_id"],
        _ if ends("/focuses") => &["theme"],
        _ if ends("/objectifs") => &["label", "beneficiary_agreement"],
        _ if ends("/actions") => &["label", "start_date", "due_date"],
        _ if ends("/rendez-vous") => &["starts_at", "with_account_id"],
        _ if ends("/rendez-vous/{item}") => &["version", "starts_at", "status"],
        _ if ends("/cancel") => &["version"],
        _ if ends("/diagnostic") => &["version", "work_situation", "rqth"],
        _ if ends("/situations") => &["code"],
        _ if ends("/job-projects") || ends("/job-projects/{item}") => &[
            "version",
            "appellation",
            "mobility_radius_km",
            "hourly_wage_cents",
        ],
        _ if ends("/invite") => &["account_id"],
        _ if ends("/referent") => &["account_id", "structure_id", "dispositif_id"],
        _ if ends("/orientation") => &["dispositif_id", "structure_id", "referent_account_id"],
        _ if ends("/orientation-requests") => &["reason", "suggested_dispositif_id"],
        _ if ends("/decision") => &["decision", "reason", "dispositif_id"],
        _ if ends("/identity") => &["version", "first_name", "last_name", "birth_date"],
        _ if ends("/contact-details") => &["version", "phone", "postal_code", "city"],
        _ if ends("/restore") => &["reason"],
        _ if ends("/preferences") => &["reminders"],
        _ if m == "PATCH" => &["version", "status", "label", "due_date"],
        _ => &[],
    }
}

/// What the fuzzer knows: ids met so far (fixtures, then ids found in answers).
struct Pool {
    ids: Vec<String>,
    /// The notebooks of the fixtures: a notebook's routes mostly get one, to go past the 404.
    notebooks: Vec<String>,
    known: BTreeSet<String>,
    /// The fuzzing accounts: never a path or body id, so no request disables them.
    protected: BTreeSet<String>,
}

impl Pool {
    fn add(&mut self, id: &str) {
        if self.ids.len() < 400 && !self.protected.contains(id) && self.known.insert(id.into()) {
            self.ids.push(id.to_string());
        }
    }

    /// Keeps the ids of an answer (`id`, `…_id` keys holding a UUID).
    fn harvest(&mut self, value: &Value) {
        match value {
            Value::Object(map) => {
                for (key, value) in map {
                    match value.as_str() {
                        Some(text) if key.ends_with("id") && is_uuid(text) => self.add(text),
                        _ => self.harvest(value),
                    }
                }
            }
            Value::Array(items) => items.iter().for_each(|item| self.harvest(item)),
            _ => {}
        }
    }
}

fn is_uuid(text: &str) -> bool {
    text.len() == 36 && text.chars().all(|c| c.is_ascii_hexdigit() || c == '-')
}

fn random_uuid(rng: &mut Rng) -> String {
    let (a, b) = (rng.next(), rng.next());
    format!(
        "{:08x}-{:04x}-4{:03x}-8{:03x}-{:012x}",
        a >> 32,
        (a >> 16) & 0xffff,
        a & 0xfff,
        b >> 52,
        b & 0xffff_ffff_ffff
    )
}

/// Path segments that are not ids: malformed, traversing, percent-encoded junk.
const JUNK_SEGMENTS: &[&str] = &[
    "",
    "abc",
    "0",
    "-1",
    "99999999999999999999999",
    "00000000-0000-0000-0000-000000000000",
    "ZZZZZZZZ-ZZZZ-ZZZZ-ZZZZ-ZZZZZZZZZZZZ",
    "%2e%2e",
    "..%2F..%2Fauth%2Fme",
    "%FF%FE",
    "%00",
    "%C3%A9t%C3%A9",
    "%E2%80%AE",
    "a%2Fb",
    "%25",
    "%",
    "null",
    "undefined",
    "'%20OR%201=1--",
    "%3Cscript%3E",
    "{id}",
    "mine",
    "self",
];

/// JSON values of every kind that should never be accepted where something else is expected.
fn odd_value(rng: &mut Rng) -> String {
    let long = "x".repeat(10_000);
    let values: &[&str] = &[
        "null",
        "true",
        "0",
        "-1",
        "1.5",
        "1e400",
        "-1e400",
        "18446744073709551616",
        "-9223372036854775809",
        "9223372036854775807",
        "123456789012345678901234567890",
        "\"\"",
        "\"   \"",
        "\"\\u0000\"",
        "\"a\\u0000b\\u001f\\u007f\"",
        "\"\\ud800\"",
        "\"\u{202e}gnp.exe\"",
        "\"😀😀😀\"",
        "\"../../etc/passwd\"",
        "\"<script>alert(1)</script>\"",
        "\"'; DROP TABLE notebooks; --\"",
        "\"2026-02-30\"",
        "\"9999-12-31T99:99:99Z\"",
        "\"-0001-01-01\"",
        "\"00000000-0000-0000-0000-000000000000\"",
        "[]",
        "{}",
        "[1, \"a\", null]",
        "{\"a\": {\"b\": [1, {\"c\": null}]}}",
        "LONG",
    ];
    match *rng.pick(values) {
        "LONG" => format!("\"{long}\""),
        value => value.to_string(),
    }
}

/// A valid-looking value of a field.
fn valid_value(field: &str, rng: &mut Rng, pool: &Pool) -> Value {
    match field {
        "email" => json!(unique("fuzz")),
        "token" => json!("a".repeat(43)),
        "version_text" => json!("2025-01-01"),
        "position" => json!("Conseillère"),
        "phone" => json!("06 12 34 56 78"),
        "name" => json!(format!("Fuzz {}", rng.below(1000))),
        "first_name" => json!("Éloïse"),
        "last_name" => json!("Fuzz"),
        "role" => json!(rng.pick(&["professional", "structure_admin", "manager", "beneficiary"])),
        "birth_date" => json!("1980-02-29"),
        "postal_code" => json!("93000"),
        "city" => json!("Bobigny"),
        "address" => json!("1 rue de la Paix"),
        "siret" => json!("12345678901234"),
        "sensitive" | "rqth" | "beneficiary_agreement" | "reminders" => json!(rng.chance(50)),
        "orientation_type" => json!(rng.pick(&["social", "pro", "sociopro", "autre"])),
        "member_type" => json!(rng.pick(&["referent", "member"])),
        "theme" => json!(rng.pick(&["logement", "numerique", "sante", "emploi"])),
        "label" | "reason" => json!("Un libellé"),
        "start_date" => json!("2026-01-10"),
        "due_date" => json!("2026-03-01"),
        "starts_at" => json!("2026-12-01T10:00:00Z"),
        "version" => json!(rng.below(3) as i64),
        "status" => json!(rng.pick(&["in_progress", "done", "abandoned", "planned", "cancelled"])),
        "work_situation" => json!("recherche_emploi"),
        "code" => json!("SIT-001"),
        "appellation" => json!("APP-00001"),
        "mobility_radius_km" => json!(10),
        "hourly_wage_cents" => json!(1200),
        "decision" => json!(rng.pick(&["accepted", "refused"])),
        _ if pool.ids.is_empty() => Value::Null,
        _ => json!(pool.ids[rng.below(pool.ids.len())]),
    }
}

/// A request body: its bytes, or none.
fn body_for(route: &Route, rng: &mut Rng, pool: &Pool) -> Option<Vec<u8>> {
    let takes_body = matches!(route.method.as_str(), "POST" | "PUT" | "PATCH");
    if !takes_body && !rng.chance(10) {
        return None;
    }
    let fields = template_fields(route);
    let mut object = serde_json::Map::new();
    for field in fields {
        let name = field.trim_end_matches("_text");
        object.insert(name.to_string(), valid_value(field, rng, pool));
    }
    let as_text =
        |object: &serde_json::Map<String, Value>| Value::Object(object.clone()).to_string();
    let text = match rng.below(14) {
        // Valid, as a form would send it.
        0..=2 => as_text(&object),
        // One field of an odd value.
        3..=6 if !object.is_empty() => {
            let key = object.keys().nth(rng.below(object.len())).unwrap().clone();
            let mut text = String::from("{");
            for (name, value) in &object {
                if text.len() > 1 {
                    text.push(',');
                }
                let value = if *name == key {
                    odd_value(rng)
                } else {
                    value.to_string()
                };
                text.push_str(&format!("{}:{value}", json!(name)));
            }
            text + "}"
        }
        // A field missing, or an unknown one, or one given twice.
        7 => {
            if let Some(key) = object.keys().next().cloned() {
                object.remove(&key);
            }
            as_text(&object)
        }
        8 => {
            object.insert("champ_inconnu".into(), json!(1));
            as_text(&object)
        }
        9 if !object.is_empty() => {
            let text = as_text(&object);
            let (key, value) = object.iter().next().unwrap();
            format!("{},{}:{value}}}", &text[..text.len() - 1], json!(key))
        }
        // The fields in order as an array (serde reads a struct from it), a scalar.
        10 => Value::Array(object.values().cloned().collect()).to_string(),
        11 => odd_value(rng),
        // Random JSON.
        12 => random_json(rng, 3).to_string(),
        // Not JSON: truncated, invalid UTF-8, deep nesting, empty.
        _ => match rng.below(5) {
            0 => {
                let text = as_text(&object);
                text[..text.len() / 2].to_string()
            }
            1 => return Some(vec![b'{', b'"', 0xff, 0xfe, b'"', b':', b'1', b'}']),
            2 => "[".repeat(300) + &"]".repeat(300),
            3 => String::new(),
            _ => "email=x%40exemple.fr&role=manager".into(),
        },
    };
    Some(text.into_bytes())
}

fn random_json(rng: &mut Rng, depth: u32) -> Value {
    match rng.below(if depth == 0 { 4 } else { 6 }) {
        0 => Value::Null,
        1 => json!(rng.chance(50)),
        2 => json!(rng.next() as i64),
        3 => json!(JUNK_SEGMENTS[rng.below(JUNK_SEGMENTS.len())]),
        4 => Value::Array(
            (0..rng.below(4))
                .map(|_| random_json(rng, depth - 1))
                .collect(),
        ),
        _ => {
            let keys = [
                "id", "version", "label", "email", "role", "theme", "status", "a",
            ];
            Value::Object(
                (0..rng.below(5))
                    .map(|_| (rng.pick(&keys).to_string(), random_json(rng, depth - 1)))
                    .collect(),
            )
        }
    }
}

const QUERY_NAMES: &[&str] = &[
    "page",
    "per_page",
    "q",
    "status",
    "type",
    "version",
    "structure_id",
    "role",
    "disabled",
    "sans_referent",
    "orientation_en_attente",
    "from",
    "to",
    "recipient",
    "rsa",
    "limit",
];

const QUERY_VALUES: &[&str] = &[
    "1",
    "0",
    "-1",
    "2",
    "100000",
    "abc",
    "99999999999999999999999",
    "-99999999999999999999999",
    "1.5",
    "1e3",
    "",
    "true",
    "false",
    "peut-etre",
    "pending",
    "all",
    "%FF",
    "%00",
    "%E9t%E9",
    "%C3%A9t%C3%A9",
    "a%26b%3Dc",
    "%25%25",
    "2026-01-01",
    "00000000-0000-0000-0000-000000000000",
];

fn query_for(rng: &mut Rng) -> String {
    if rng.chance(45) {
        return String::new();
    }
    let mut pairs = Vec::new();
    for _ in 0..1 + rng.below(4) {
        let name = *rng.pick(QUERY_NAMES);
        let value = *rng.pick(QUERY_VALUES);
        pairs.push(format!("{name}={value}"));
        if rng.chance(20) {
            // The same parameter twice.
            pairs.push(format!("{name}={}", rng.pick(QUERY_VALUES)));
        }
    }
    if rng.chance(5) {
        pairs.push("q=".to_string() + &"x".repeat(5_000));
    }
    if rng.chance(5) {
        pairs.push("&&=&page&=1".into());
    }
    pairs.join("&")
}

/// Paths that no router declares: unknown, traversing, oddly encoded.
fn stray_path(rng: &mut Rng, routes: &[Route]) -> String {
    let known = &rng.pick(routes).pattern;
    let stem = known.split('{').next().unwrap_or("/api/");
    match rng.below(10) {
        0 => format!("/api/{}", rng.pick(JUNK_SEGMENTS)),
        1 => "/api/v2/carnets".into(),
        2 => format!(
            "{stem}{}/{}",
            rng.pick(JUNK_SEGMENTS),
            rng.pick(JUNK_SEGMENTS)
        ),
        3 => format!("{}/", known.replace("{id}", "x").replace("{item}", "y")),
        4 => format!("//{}", known.trim_start_matches('/')),
        5 => "/api/%2e%2e/auth/me".into(),
        6 => format!("{known}.json"),
        7 => "/api".into(),
        8 => format!("/API{}", &known[4..]),
        _ => format!(
            "/api/carnets/..%2F..%2F..%2Fetc%2Fpasswd/{}",
            rng.pick(JUNK_SEGMENTS)
        ),
    }
}

fn fill_path(pattern: &str, rng: &mut Rng, pool: &Pool) -> String {
    let mut path = String::new();
    for (index, part) in pattern.split('{').enumerate() {
        if index == 0 {
            path.push_str(part);
            continue;
        }
        let (_, rest) = part.split_once('}').expect("closing brace");
        let notebook = index == 1 && path.ends_with("/carnets/");
        let value = match rng.below(10) {
            0..=3 if notebook => pool.notebooks[rng.below(pool.notebooks.len())].clone(),
            0..=5 if !pool.ids.is_empty() => pool.ids[rng.below(pool.ids.len())].clone(),
            6 => random_uuid(rng),
            7 => random_uuid(rng).to_uppercase(),
            _ => rng.pick(JUNK_SEGMENTS).to_string(),
        };
        path.push_str(&value);
        path.push_str(rest);
    }
    path
}

const CONTENT_TYPES: &[&str] = &[
    "text/plain",
    "application/x-www-form-urlencoded",
    "multipart/form-data; boundary=x",
    "application/json; charset=latin1",
    "application/merge-patch+json",
    "application/jsonx",
    "json",
    "",
];

const ALL_METHODS: &[&str] = &["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"];

struct Outcome {
    requests: usize,
    statuses: BTreeMap<u16, usize>,
    failures: Vec<String>,
}

#[tokio::test]
async fn a_few_thousand_random_requests_never_break_the_api_contract() {
    let app = spawn_app().await;
    if !app.require_test_mode("a_few_thousand_random_requests_never_break_the_api_contract") {
        return;
    }
    let setting = |name: &str, default: u64| -> u64 {
        std::env::var(name)
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(default)
    };
    let seed = setting("CARNET_FUZZ_SEED", 0x5EED_CA7E);
    let budget = setting("CARNET_FUZZ_REQUESTS", 6_000) as usize;
    let deadline = Duration::from_secs(setting("CARNET_FUZZ_SECONDS", 40));
    let d = department(&app).await;
    let routes: Vec<Route> = all_routes().into_iter().filter(|r| !excluded(r)).collect();
    let anonymous = carnet_tests::client();
    let users: Vec<(&str, &reqwest::Client)> = vec![
        ("anonymous", &anonymous),
        ("beneficiary", &d.beneficiary.client),
        ("professional", &d.pro_a.client),
        ("orientation_manager", &d.orientation.client),
        ("structure_admin", &d.admin_a.client),
        ("manager", &d.manager.client),
        ("platform_admin", &d.platform_admin.client),
    ];
    let mut pool = Pool {
        ids: Vec::new(),
        notebooks: vec![d.eloise.clone(), d.martin.clone()],
        known: BTreeSet::new(),
        protected: BTreeSet::new(),
    };
    for (_, client) in &users[1..] {
        let me: Value = client
            .get(app.url("/api/auth/me"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        pool.protected
            .insert(me["account"]["id"].as_str().unwrap().to_string());
    }
    for id in [&d.eloise, &d.martin, &d.structure_a, &d.dispositif]
        .into_iter()
        .chain(d.archived.as_ref())
    {
        pool.add(id);
    }
    let outcome = fuzz(&app, &routes, &users, &mut pool, seed, budget, deadline).await;
    println!(
        "fuzzer ({} store, seed {seed:#x}): {} requests over {} routes, statuses {:?}, {} ids met",
        app.store,
        outcome.requests,
        routes.len(),
        outcome.statuses,
        pool.ids.len()
    );
    let (status, health) = app.get_json("/api/health").await;
    assert_eq!(status, 200, "the instance still answers: {health}");
    assert!(
        outcome.failures.is_empty(),
        "{} requests broke the contract, the first ones:\n{}",
        outcome.failures.len(),
        outcome.failures[..outcome.failures.len().min(15)].join("\n")
    );
    assert!(outcome.requests >= budget.min(500), "too few requests sent");
    // It went past the guards: some requests were accepted, some refused for their content.
    assert!(outcome.statuses.keys().any(|s| (200..300).contains(s)));
    assert!(outcome.statuses.contains_key(&422) && outcome.statuses.contains_key(&404));
}

async fn fuzz(
    app: &TestApp,
    routes: &[Route],
    users: &[(&str, &reqwest::Client)],
    pool: &mut Pool,
    seed: u64,
    budget: usize,
    deadline: Duration,
) -> Outcome {
    let mut rng = Rng(seed);
    let started = Instant::now();
    let mut outcome = Outcome {
        requests: 0,
        statuses: BTreeMap::new(),
        failures: Vec::new(),
    };
    while outcome.requests < budget && started.elapsed() < deadline {
        let route = rng.pick(routes).clone();
        // A notebook's writes mostly as its referent (the fixtures' professional), to reach the
        // handlers' logic past the access checks.
        let (role, client) = if route.pattern.starts_with("/api/write/carnets/") && rng.chance(40) {
            users[2]
        } else {
            *rng.pick(users)
        };
        let path = if rng.chance(7) {
            stray_path(&mut rng, routes)
        } else {
            fill_path(&route.pattern, &mut rng, pool)
        };
        let method = if rng.chance(80) {
            route.method.clone()
        } else {
            rng.pick(ALL_METHODS).to_string()
        };
        let query = query_for(&mut rng);
        let url = match query.is_empty() {
            true => app.url(&path),
            false => app.url(&format!("{path}?{query}")),
        };
        let Ok(url) = reqwest::Url::parse(&url) else {
            continue;
        };
        let method = Method::from_bytes(method.as_bytes()).unwrap();
        let mut request = client.request(method.clone(), url.clone());
        let body = body_for(&route, &mut rng, pool);
        let mut content_type = "-";
        if let Some(body) = &body {
            content_type = if rng.chance(80) {
                "application/json"
            } else {
                *rng.pick(CONTENT_TYPES)
            };
            if !content_type.is_empty() {
                request = request.header("content-type", content_type);
            }
            request = request.body(body.clone());
        }
        match rng.below(20) {
            0 => {}
            1 => request = request.header("origin", "https://ailleurs.example"),
            _ => request = request.header("origin", &app.base_url),
        }
        if rng.chance(15) {
            let keys = ["cle-fuzz-1", "", "é", &"k".repeat(150), "clé avec espaces"];
            let key = match rng.below(3) {
                0 => format!("fuzz-{}", rng.below(50)),
                _ => rng.pick(&keys).to_string(),
            };
            if let Ok(value) = reqwest::header::HeaderValue::from_bytes(key.as_bytes()) {
                request = request.header("idempotency-key", value);
            }
        }
        if rng.chance(3) {
            request = request.header("authorization", "Bearer pas.un.jeton");
        }
        let shown_body = body
            .as_ref()
            .map(|b| String::from_utf8_lossy(&b[..b.len().min(200)]).into_owned())
            .unwrap_or_default();
        let described = format!("{role}: {method} {url} [{content_type}] {shown_body}");
        outcome.requests += 1;
        let response = match request.timeout(Duration::from_secs(15)).send().await {
            Ok(response) => response,
            Err(error) => {
                outcome
                    .failures
                    .push(format!("{described}\n  → no answer: {error}"));
                continue;
            }
        };
        let status = response.status().as_u16();
        *outcome.statuses.entry(status).or_default() += 1;
        let final_path = response.url().path().to_string();
        let content_type_answered = response
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_string();
        let text = response.text().await.unwrap_or_default();
        if status >= 500 {
            outcome
                .failures
                .push(format!("{described}\n  → {status}: {text}"));
            continue;
        }
        let under_api = final_path == "/api" || final_path.starts_with("/api/");
        if (200..300).contains(&status) {
            if let Ok(value) = serde_json::from_str::<Value>(&text) {
                pool.harvest(&value);
            }
            continue;
        }
        if !under_api {
            continue;
        }
        if !content_type_answered.starts_with("application/json") {
            outcome.failures.push(format!(
                "{described}\n  → {status} as {content_type_answered:?}: {text}"
            ));
            continue;
        }
        if method == Method::HEAD {
            continue;
        }
        let error: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
        if !(error["error"]["code"].is_string() && error["error"]["message"].is_string()) {
            outcome.failures.push(format!(
                "{described}\n  → {status}, not the error shape: {text}"
            ));
        }
    }
    outcome
}
