//! The `carnet-server` command: `serve` (the default) runs the application natively with its
//! settings from the environment; `migrate`, `bootstrap` and `demo` prepare a database and exit.
//! Its help and messages are in French, like the rest of the application's user-facing text.
//! Exit codes: 0 on success, 1 when a command fails, 2 when the command line itself is wrong.

use anyhow::Context;
use carnet_server::{settings, NativePlatform};
use carnet_store::native::NativeStore;
use clap::error::{ContextKind, ContextValue, ErrorKind};
use clap::{ArgAction, CommandFactory, FromArgMatches, Parser, Subcommand};
use std::process::ExitCode;
use std::sync::Arc;

const HELP_TEMPLATE: &str = "\
{before-help}{about-with-newline}
Utilisation : {usage}

{all-args}{after-help}";

const DATABASE_HELP: &str = "Fichier SQLite (créé au besoin, avec son dossier) ou URL postgres://…";

#[derive(Parser)]
#[command(
    name = "carnet-server",
    version,
    about = "Carnet de bord, serveur natif : sert l'application et prépare sa base de données.",
    after_help = "Sans commande, « serve » est lancée. Aide d'une commande : carnet-server <COMMANDE> --help",
    help_template = HELP_TEMPLATE,
    subcommand_value_name = "COMMANDE",
    subcommand_help_heading = "Commandes",
    disable_help_flag = true,
    disable_version_flag = true,
    disable_help_subcommand = true
)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
    #[arg(short = 'h', long, action = ArgAction::Help, global = true, help = "Affiche cette aide")]
    help: Option<bool>,
    #[arg(short = 'V', long, action = ArgAction::Version, help = "Affiche la version")]
    version: Option<bool>,
}

#[derive(Subcommand)]
enum Command {
    /// Serves the API and the front-end.
    #[command(
        about = "Sert l'API et l'interface (commande par défaut) ; applique d'abord les migrations",
        after_help = "\
Réglages lus dans l'environnement (voir la section « Settings » du README), entre autres :
  DEPARTMENT_CODE, DEPARTMENT_NAME, PUBLIC_URL   obligatoires
  DATABASE_KIND (sqlite | postgres), DATABASE_URL  défaut : data/carnet.sqlite
  LISTEN                                         défaut : 127.0.0.1:3000
  STATIC_DIR, SESSION_KEY, JOBS_SECRET (active les tâches planifiées)"
    )]
    Serve,
    /// Applies the migrations and exits.
    #[command(about = "Applique les migrations à une base de données et s'arrête")]
    Migrate {
        #[arg(value_name = "BASE", help = DATABASE_HELP)]
        database: String,
    },
    /// A fresh instance's first accounts.
    #[command(
        about = "Initialise une instance neuve : migrations, administrateur de la plateforme et premier gestionnaire",
        after_help = "Les deux comptes se connectent ensuite par lien magique. Refusé si un administrateur de la plateforme existe déjà."
    )]
    Bootstrap {
        #[arg(value_name = "BASE", help = DATABASE_HELP)]
        database: String,
        #[arg(
            value_name = "COURRIEL_ADMINISTRATEUR",
            value_parser = parse_email,
            help = "Courriel de l'administrateur de la plateforme"
        )]
        admin_email: carnet_domain::Email,
        #[arg(
            value_name = "COURRIEL_GESTIONNAIRE",
            value_parser = parse_email,
            help = "Courriel du premier gestionnaire du département"
        )]
        manager_email: carnet_domain::Email,
    },
    /// Loads the fictitious demo département.
    #[command(
        about = "Charge un département fictif de démonstration (déterministe) dans une base sans comptes",
        after_help = "Refusé si la base contient déjà des comptes."
    )]
    Demo {
        #[arg(value_name = "BASE", help = DATABASE_HELP)]
        database: String,
        #[arg(
            value_name = "BÉNÉFICIAIRES",
            default_value_t = 1_000,
            hide_default_value = true,
            value_parser = parse_count,
            help = "Nombre de bénéficiaires (défaut : 1000)"
        )]
        beneficiaries: usize,
        #[arg(
            value_name = "GRAINE",
            default_value_t = 93,
            hide_default_value = true,
            value_parser = parse_seed,
            help = "Graine du générateur : la même graine donne les mêmes données (défaut : 93)"
        )]
        seed: u64,
    },
    /// Prints the OpenAPI document.
    #[command(
        about = "Écrit le document OpenAPI 3.1 de l'API sur la sortie standard",
        after_help = "Le fichier servi est static/openapi.json : carnet-server openapi > static/openapi.json"
    )]
    Openapi,
}

fn parse_email(text: &str) -> Result<carnet_domain::Email, String> {
    carnet_domain::Email::parse(text).map_err(|error| error.to_string())
}

fn parse_count(text: &str) -> Result<usize, String> {
    text.parse()
        .map_err(|_| "nombre entier positif attendu".to_string())
}

fn parse_seed(text: &str) -> Result<u64, String> {
    text.parse()
        .map_err(|_| "nombre entier positif attendu".to_string())
}

/// The command line, read with the French help template on every subcommand too.
fn parse_command_line() -> Result<Cli, clap::Error> {
    let matches = Cli::command()
        .mut_subcommands(|subcommand| subcommand.help_template(HELP_TEMPLATE))
        .try_get_matches()?;
    Cli::from_arg_matches(&matches)
}

fn main() -> ExitCode {
    let cli = match parse_command_line() {
        Ok(cli) => cli,
        Err(error) => return usage_error(error),
    };
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(runtime) => runtime,
        Err(error) => return failure(anyhow::Error::new(error).context("démarrage du runtime")),
    };
    match runtime.block_on(run(cli.command.unwrap_or(Command::Serve))) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => failure(error),
    }
}

/// A failed command: its message and its causes on one line (anyhow's `{:#}`, with French
/// spacing), exit code 1.
fn failure(error: anyhow::Error) -> ExitCode {
    let chain: Vec<String> = error.chain().map(ToString::to_string).collect();
    eprintln!("carnet-server : erreur : {}", chain.join(" : "));
    ExitCode::from(1)
}

/// The command line could not be read: `--help` and `--version` print as asked (exit 0); any
/// other error is told in French with the usage line, exit code 2.
fn usage_error(error: clap::Error) -> ExitCode {
    if matches!(
        error.kind(),
        ErrorKind::DisplayHelp
            | ErrorKind::DisplayVersion
            | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand
    ) {
        let _ = error.print();
        return if error.exit_code() == 0 {
            ExitCode::SUCCESS
        } else {
            ExitCode::from(2)
        };
    }
    let context = |kind| match error.get(kind) {
        Some(ContextValue::String(value)) => value.clone(),
        Some(ContextValue::Strings(values)) => values.join(", "),
        _ => String::new(),
    };
    let mut message = match error.kind() {
        ErrorKind::InvalidSubcommand => {
            let known: Vec<String> = Cli::command()
                .get_subcommands()
                .map(|subcommand| subcommand.get_name().to_string())
                .collect();
            format!(
                "commande inconnue : {} ({})",
                context(ContextKind::InvalidSubcommand),
                known.join(", ")
            )
        }
        ErrorKind::UnknownArgument => {
            format!("argument inattendu : {}", context(ContextKind::InvalidArg))
        }
        ErrorKind::MissingRequiredArgument => {
            format!("argument manquant : {}", context(ContextKind::InvalidArg))
        }
        ErrorKind::InvalidValue | ErrorKind::ValueValidation => {
            let reason = std::error::Error::source(&error)
                .map(|source| format!(" : {source}"))
                .unwrap_or_default();
            format!(
                "valeur « {} » invalide pour {}{reason}",
                context(ContextKind::InvalidValue),
                context(ContextKind::InvalidArg)
            )
        }
        _ => clap_message(&error),
    };
    if let Some(suggestion) = [ContextKind::SuggestedSubcommand, ContextKind::SuggestedArg]
        .into_iter()
        .map(context)
        .find(|suggestion| !suggestion.is_empty())
    {
        message.push_str(&format!(" ; vouliez-vous dire « {suggestion} » ?"));
    }
    eprintln!("carnet-server : erreur : {message}");
    let rendered = error.to_string();
    let usage = rendered
        .lines()
        .find_map(|line| line.strip_prefix("Usage: "));
    if let Some(usage) = usage {
        eprintln!("Utilisation : {usage}");
    }
    // The help of the (sub)command the usage line names.
    let command_path: Vec<&str> = usage
        .unwrap_or("carnet-server")
        .split_whitespace()
        .take_while(|word| !word.starts_with(['<', '[']))
        .collect();
    eprintln!("Aide : {} --help", command_path.join(" "));
    ExitCode::from(2)
}

/// clap's own first line, for the rare kinds not told in French above.
fn clap_message(error: &clap::Error) -> String {
    let rendered = error.to_string();
    let first = rendered.lines().next().unwrap_or_default();
    first.strip_prefix("error: ").unwrap_or(first).to_string()
}

fn store_for(target: &str) -> anyhow::Result<NativeStore> {
    if target.starts_with("postgres://") || target.starts_with("postgresql://") {
        return Ok(NativeStore::postgres(target));
    }
    create_parent_dir(target)?;
    Ok(NativeStore::sqlite(target))
}

/// A SQLite file's folder is created when missing.
fn create_parent_dir(path: &str) -> anyhow::Result<()> {
    match std::path::Path::new(path).parent() {
        Some(parent) if !path.contains("://") && !parent.as_os_str().is_empty() => {
            std::fs::create_dir_all(parent)
                .with_context(|| format!("création du dossier {}", parent.display()))
        }
        _ => Ok(()),
    }
}

async fn migrate(store: &NativeStore) -> anyhow::Result<()> {
    let db = store.connect().await.context("ouverture de la base")?;
    let now = carnet_http::context::system_now().to_db();
    let applied = carnet_store::migrations::apply_all(&db, &now)
        .await
        .context("migrations")?;
    let version = carnet_store::migrations::current_version(&db)
        .await
        .context("lecture de la version du schéma")?;
    if applied.is_empty() {
        eprintln!("schéma à jour (version {version})");
    } else {
        eprintln!("migrations appliquées : {applied:?} ; schéma en version {version}");
    }
    Ok(())
}

async fn run(command: Command) -> anyhow::Result<()> {
    match command {
        Command::Openapi => {
            print!(
                "{}",
                carnet_http::openapi::to_pretty_json(&carnet_server::openapi_document())
            );
            Ok(())
        }
        Command::Migrate { database } => migrate(&store_for(&database)?).await,
        Command::Bootstrap {
            database,
            admin_email,
            manager_email,
        } => {
            let store = store_for(&database)?;
            migrate(&store).await?;
            let db = store.connect().await.context("ouverture de la base")?;
            let created = carnet_store::repo::accounts::bootstrap(
                &db,
                carnet_http::context::system_now(),
                (&admin_email, "Administrateur", "Plateforme"),
                (&manager_email, "Gestionnaire", "Département"),
            )
            .await
            .context("création des premiers comptes")?;
            anyhow::ensure!(
                created.is_some(),
                "instance déjà initialisée : un administrateur de la plateforme existe"
            );
            eprintln!("instance initialisée : administrateur de la plateforme et premier gestionnaire créés ; ils se connectent par lien magique");
            Ok(())
        }
        Command::Demo {
            database,
            beneficiaries,
            seed,
        } => {
            let store = store_for(&database)?;
            migrate(&store).await?;
            let db = store.connect().await.context("ouverture de la base")?;
            let started = std::time::Instant::now();
            carnet_server::demo::load(&db, beneficiaries, seed)
                .await
                .context("chargement des données de démonstration")?;
            eprintln!(
                "données de démonstration chargées en {:.1} s ; comptes : {}",
                started.elapsed().as_secs_f64(),
                carnet_server::demo::demo_accounts().manager
            );
            Ok(())
        }
        Command::Serve => serve().await,
    }
}

async fn serve() -> anyhow::Result<()> {
    let platform = NativePlatform::from_settings(settings::from_env())?;
    if platform.store().dialect() == carnet_store::Dialect::Sqlite {
        create_parent_dir(
            &std::env::var("DATABASE_URL").unwrap_or_else(|_| "data/carnet.sqlite".into()),
        )?;
    }
    let platform = Arc::new(platform);
    carnet_http::Config::load(platform.as_ref())
        .await
        .map_err(setting_error)?;
    migrate(platform.store()).await?;
    let listen = std::env::var("LISTEN").unwrap_or_else(|_| "127.0.0.1:3000".into());
    let listener = tokio::net::TcpListener::bind(&listen)
        .await
        .with_context(|| format!("écoute sur {listen}"))?;
    eprintln!("Carnet de bord écoute sur http://{listen}");
    match std::env::var("JOBS_SECRET") {
        Ok(secret) if !secret.is_empty() => {
            carnet_server::scheduler::spawn(carnet_server::app(platform.clone()), secret);
            eprintln!(
                "tâches planifiées : envoi des courriels chaque minute, rappels, synthèses, conservation"
            );
        }
        _ => eprintln!("tâches planifiées désactivées (JOBS_SECRET absent)"),
    }
    carnet_server::serve(listener, platform, async {
        let _ = tokio::signal::ctrl_c().await;
    })
    .await
    .context("serveur HTTP")?;
    Ok(())
}

/// A setting refused at start-up, named as in the environment.
fn setting_error(error: carnet_http::AppError) -> anyhow::Error {
    match error {
        carnet_http::AppError::Config { setting, reason } => anyhow::anyhow!(
            "réglage « {setting} » (variable {}) : {reason}",
            setting.to_uppercase()
        ),
        carnet_http::AppError::Internal(detail) => anyhow::anyhow!("configuration : {detail}"),
        other => anyhow::anyhow!("configuration : {other:?}"),
    }
}
