//! The `carnet-server` command line, run as built: help, version, usage errors and `migrate`.

use std::path::PathBuf;
use std::process::{Command, Output};

const SUBCOMMANDS: [&str; 5] = ["serve", "migrate", "bootstrap", "demo", "openapi"];

fn carnet_server(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_carnet-server"))
        .args(args)
        // A failure must read the same whatever the caller's environment asks of Rust.
        .env("RUST_BACKTRACE", "1")
        .env("RUST_LIB_BACKTRACE", "1")
        .output()
        .expect("carnet-server runs")
}

fn stdout(output: &Output) -> String {
    String::from_utf8(output.stdout.clone()).expect("UTF-8 stdout")
}

fn stderr(output: &Output) -> String {
    String::from_utf8(output.stderr.clone()).expect("UTF-8 stderr")
}

/// A usage error: exit code 2, a French message on stderr, nothing on stdout, and none of what a
/// panic or `main() -> Result` would print.
fn assert_usage_error(args: &[&str], expected: &str) {
    let output = carnet_server(args);
    let message = stderr(&output);
    assert_eq!(output.status.code(), Some(2), "{args:?}: {message}");
    assert!(message.contains(expected), "{args:?}: {message}");
    assert_clean_failure(&output);
}

fn assert_clean_failure(output: &Output) {
    let message = stderr(output);
    assert!(
        message.starts_with("carnet-server : erreur : "),
        "{message}"
    );
    for debug_output in [
        "backtrace",
        "panicked",
        "Error {",
        "Error:",
        "stack backtrace",
    ] {
        assert!(
            !message.contains(debug_output),
            "{debug_output:?} in {message}"
        );
    }
    assert_eq!(stdout(output), "");
}

/// A fresh folder under the system's temporary directory, removed when dropped.
struct TempDir(PathBuf);

impl TempDir {
    fn new(name: &str) -> Self {
        let path = std::env::temp_dir().join(format!(
            "carnet-cli-{name}-{}-{}",
            std::process::id(),
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .as_nanos()
        ));
        TempDir(path)
    }

    fn file(&self, relative: &str) -> String {
        self.0.join(relative).to_str().unwrap().to_string()
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

#[test]
fn help_describes_every_subcommand() {
    for flag in ["--help", "-h"] {
        let output = carnet_server(&[flag]);
        assert!(output.status.success(), "{}", stderr(&output));
        let help = stdout(&output);
        assert!(
            help.contains("Utilisation : carnet-server [COMMANDE]"),
            "{help}"
        );
        for subcommand in SUBCOMMANDS {
            assert!(
                help.lines()
                    .any(|line| line.trim_start().starts_with(subcommand)),
                "{subcommand} missing from:\n{help}"
            );
        }
    }
}

#[test]
fn each_subcommand_has_its_help() {
    let arguments: [(&str, &[&str]); 5] = [
        ("serve", &["DATABASE_URL", "LISTEN"]),
        ("migrate", &["<BASE>"]),
        (
            "bootstrap",
            &[
                "<BASE>",
                "<COURRIEL_ADMINISTRATEUR>",
                "<COURRIEL_GESTIONNAIRE>",
            ],
        ),
        ("demo", &["<BASE>", "[BÉNÉFICIAIRES]", "[GRAINE]"]),
        ("openapi", &["static/openapi.json"]),
    ];
    for (subcommand, mentions) in arguments {
        let output = carnet_server(&[subcommand, "--help"]);
        assert!(output.status.success(), "{subcommand}: {}", stderr(&output));
        let help = stdout(&output);
        assert!(
            help.contains(&format!("Utilisation : carnet-server {subcommand}")),
            "{help}"
        );
        for mention in mentions {
            assert!(help.contains(mention), "{mention} missing from:\n{help}");
        }
    }
}

#[test]
fn version_is_the_crate_version() {
    let output = carnet_server(&["--version"]);
    assert!(output.status.success());
    assert_eq!(
        stdout(&output).trim(),
        format!("carnet-server {}", env!("CARGO_PKG_VERSION"))
    );
}

#[test]
fn openapi_prints_the_served_document() {
    let output = carnet_server(&["openapi"]);
    assert!(output.status.success(), "{}", stderr(&output));
    let printed = stdout(&output);
    let served = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../static/openapi.json"
    ))
    .expect("static/openapi.json");
    assert_eq!(
        printed, served,
        "static/openapi.json is stale: regenerate it"
    );
    let document: serde_json::Value = serde_json::from_str(&printed).expect("JSON");
    assert_eq!(document["openapi"], "3.1.0");
}

#[test]
fn an_unknown_subcommand_is_refused_in_french() {
    assert_usage_error(
        &["frobnicate"],
        "commande inconnue : frobnicate (serve, migrate, bootstrap, demo, openapi)",
    );
    assert_usage_error(&["migrat"], "vouliez-vous dire « migrate » ?");
    assert_usage_error(&["--frobnicate"], "argument inattendu : --frobnicate");
}

#[test]
fn a_missing_or_invalid_argument_is_refused_with_the_usage() {
    assert_usage_error(&["migrate"], "argument manquant : <BASE>");
    assert_usage_error(&["migrate"], "Utilisation : carnet-server migrate <BASE>");
    assert_usage_error(&["migrate"], "Aide : carnet-server migrate --help");
    assert_usage_error(
        &["bootstrap", "base.sqlite", "admin@departement.fr"],
        "argument manquant : <COURRIEL_GESTIONNAIRE>",
    );
    assert_usage_error(
        &["bootstrap", "base.sqlite", "pas-un-courriel", "gestion@departement.fr"],
        "valeur « pas-un-courriel » invalide pour <COURRIEL_ADMINISTRATEUR> : adresse électronique invalide",
    );
    assert_usage_error(
        &["demo", "base.sqlite", "mille"],
        "valeur « mille » invalide pour [BÉNÉFICIAIRES] : nombre entier positif attendu",
    );
    assert_usage_error(
        &["migrate", "base.sqlite", "--force"],
        "argument inattendu : --force",
    );
}

#[test]
fn migrate_creates_the_schema_and_says_its_version() {
    let dir = TempDir::new("migrate");
    // The folder does not exist yet: migrate creates it.
    let database = dir.file("data/carnet.sqlite");

    let first = carnet_server(&["migrate", &database]);
    let said = stderr(&first);
    assert!(first.status.success(), "{said}");
    assert!(said.contains("migrations appliquées : [1, "), "{said}");
    let version = said
        .rsplit_once("schéma en version ")
        .map(|(_, version)| version.trim().to_string())
        .expect("the version is said");
    assert!(version.parse::<u32>().unwrap() >= 1, "{said}");
    assert!(std::path::Path::new(&database).is_file());

    let again = carnet_server(&["migrate", &database]);
    assert!(again.status.success(), "{}", stderr(&again));
    assert_eq!(
        stderr(&again).trim(),
        format!("schéma à jour (version {version})")
    );
}

#[test]
fn a_failing_command_exits_1_with_its_causes() {
    let dir = TempDir::new("failing");
    // A regular file where the database's folder should be.
    std::fs::create_dir_all(&dir.0).unwrap();
    std::fs::write(dir.0.join("occupied"), "").unwrap();
    let output = carnet_server(&["migrate", &dir.file("occupied/carnet.sqlite")]);
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    assert!(
        stderr(&output).contains("création du dossier"),
        "{}",
        stderr(&output)
    );
    assert_clean_failure(&output);

    let database = dir.file("carnet.sqlite");
    let first = carnet_server(&[
        "bootstrap",
        &database,
        "admin@departement.fr",
        "gestion@departement.fr",
    ]);
    assert!(first.status.success(), "{}", stderr(&first));
    let second = carnet_server(&[
        "bootstrap",
        &database,
        "admin@departement.fr",
        "gestion@departement.fr",
    ]);
    assert_eq!(second.status.code(), Some(1));
    // The migration line comes first; the error is the last line.
    let message = stderr(&second);
    let last_line = message.lines().last().unwrap_or_default();
    assert_eq!(
        last_line,
        "carnet-server : erreur : instance déjà initialisée : un administrateur de la plateforme existe"
    );
}
