//! `carnet-server [serve]`: runs the application natively (settings from the environment).
//! `carnet-server migrate <sqlite file | postgres URL>`: applies the migrations and exits.
//! `carnet-server bootstrap <db> <admin email> <manager email>`: a fresh instance's first accounts.

use anyhow::Context;
use carnet_server::{settings, NativePlatform};
use carnet_store::native::NativeStore;
use std::sync::Arc;

fn store_for(target: &str) -> NativeStore {
    if target.starts_with("postgres://") || target.starts_with("postgresql://") {
        NativeStore::postgres(target)
    } else {
        NativeStore::sqlite(target)
    }
}

async fn migrate(store: &NativeStore) -> anyhow::Result<()> {
    let db = store.connect().await.context("ouverture de la base")?;
    let now = carnet_http::context::system_now().to_db();
    let applied = carnet_store::migrations::apply_all(&db, &now)
        .await
        .context("migrations")?;
    let version = carnet_store::migrations::current_version(&db).await?;
    if applied.is_empty() {
        eprintln!("schéma à jour (version {version})");
    } else {
        eprintln!("migrations appliquées : {applied:?} ; schéma en version {version}");
    }
    Ok(())
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("migrate") => {
            let target = args
                .get(1)
                .context("usage : carnet-server migrate <fichier sqlite | URL postgres>")?;
            if let Some(parent) = std::path::Path::new(target).parent() {
                if !target.contains("://") && !parent.as_os_str().is_empty() {
                    std::fs::create_dir_all(parent)?;
                }
            }
            migrate(&store_for(target)).await
        }
        Some("bootstrap") => {
            // carnet-server bootstrap <db> <admin email> <manager email>
            let usage = "usage : carnet-server bootstrap <fichier sqlite | URL postgres> <courriel de l'administrateur> <courriel du gestionnaire>";
            let (Some(target), Some(admin), Some(manager)) =
                (args.get(1), args.get(2), args.get(3))
            else {
                anyhow::bail!(usage);
            };
            let admin =
                carnet_domain::Email::parse(admin).map_err(|e| anyhow::anyhow!("{admin}: {e}"))?;
            let manager = carnet_domain::Email::parse(manager)
                .map_err(|e| anyhow::anyhow!("{manager}: {e}"))?;
            let store = store_for(target);
            migrate(&store).await?;
            let db = store.connect().await?;
            let now = carnet_http::context::system_now();
            match carnet_store::repo::accounts::bootstrap(
                &db,
                now,
                (&admin, "Administrateur", "Plateforme"),
                (&manager, "Gestionnaire", "Département"),
            )
            .await?
            {
                Some(_) => {
                    eprintln!("instance initialisée : administrateur de la plateforme et premier gestionnaire créés ; ils se connectent par lien magique");
                    Ok(())
                }
                None => anyhow::bail!(
                    "instance déjà initialisée : un administrateur de la plateforme existe"
                ),
            }
        }
        Some("demo") => {
            // carnet-server demo <db> [beneficiaries] [seed]
            let target = args
                .get(1)
                .context("usage : carnet-server demo <fichier sqlite | URL postgres> [bénéficiaires] [graine]")?;
            let count: usize = args.get(2).map(|n| n.parse()).transpose()?.unwrap_or(1_000);
            let seed: u64 = args.get(3).map(|n| n.parse()).transpose()?.unwrap_or(93);
            let store = store_for(target);
            migrate(&store).await?;
            let db = store.connect().await?;
            let started = std::time::Instant::now();
            carnet_server::demo::load(&db, count, seed).await?;
            eprintln!(
                "données de démonstration chargées en {:.1} s ; comptes : {}",
                started.elapsed().as_secs_f64(),
                carnet_server::demo::demo_accounts().manager
            );
            Ok(())
        }
        None | Some("serve") => {
            let settings = settings::from_env();
            let platform = NativePlatform::from_settings(settings)?;
            if let Some(parent) = std::path::Path::new(
                &std::env::var("DATABASE_URL").unwrap_or_else(|_| "data/carnet.sqlite".into()),
            )
            .parent()
            {
                if platform.store().dialect() == carnet_store::Dialect::Sqlite
                    && !parent.as_os_str().is_empty()
                {
                    std::fs::create_dir_all(parent)?;
                }
            }
            let platform = Arc::new(platform);
            carnet_http::Config::load(platform.as_ref())
                .await
                .map_err(|error| anyhow::anyhow!("{error:?}"))?;
            migrate(platform.store()).await?;
            let listen = std::env::var("LISTEN").unwrap_or_else(|_| "127.0.0.1:3000".into());
            let listener = tokio::net::TcpListener::bind(&listen)
                .await
                .with_context(|| format!("écoute sur {listen}"))?;
            eprintln!("Carnet de bord écoute sur http://{listen}");
            match std::env::var("JOBS_SECRET") {
                Ok(secret) if !secret.is_empty() => {
                    carnet_server::scheduler::spawn(carnet_server::app(platform.clone()), secret);
                    eprintln!("tâches planifiées : envoi des courriels chaque minute, rappels, synthèses, conservation");
                }
                _ => eprintln!("tâches planifiées désactivées (JOBS_SECRET absent)"),
            }
            carnet_server::serve(listener, platform, async {
                let _ = tokio::signal::ctrl_c().await;
            })
            .await?;
            Ok(())
        }
        Some(other) => {
            anyhow::bail!("commande inconnue : {other} (serve, migrate, bootstrap, demo)")
        }
    }
}
