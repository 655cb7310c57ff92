//! Settings, read per request (Spin keeps nothing between requests): Spin variables under Spin,
//! environment variables of the same name in upper case natively. A missing or invalid setting
//! is an error naming it.

use crate::{AppError, Platform};
use carnet_domain::TimeZoneSetting;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DatabaseKind {
    Sqlite,
    Postgres,
}

#[derive(Clone, Debug)]
pub struct Config {
    /// The département's code (`93`, `2A`, `974`).
    pub department_code: String,
    pub department_name: String,
    /// The département's logo in the header: a path on the instance or a `data:image/` URL.
    pub department_logo_url: Option<String>,
    /// The instance's public URL, without trailing slash; links in emails start with it.
    pub public_url: String,
    pub database_kind: DatabaseKind,
    /// PostgreSQL: its URL. SQLite: natively the file path, under Spin the database label.
    pub database_url: String,
    pub timezone: TimeZoneSetting,
    /// Test mode: the clock can be set and the outbox read through `/api/test/…`. Refused unless
    /// the public URL is on loopback.
    pub test_mode: bool,
    /// Signs session tokens (HS256). At least 32 characters.
    pub session_key: String,
    /// The previous key, still accepted while sessions signed with it may live (rotation).
    pub session_key_previous: Option<String>,
    pub session_hours_staff: i64,
    pub session_hours_beneficiary: i64,
    pub login_link_minutes: i64,
    /// Behind a trusted reverse proxy: take the client address from `X-Forwarded-For`.
    pub trust_forwarded_for: bool,
    /// Protects the scheduled-job endpoints (`Authorization: Bearer …`).
    pub jobs_secret: Option<String>,
    /// The JSON webhook that receives outgoing emails, and its shared secret.
    pub email_webhook_url: Option<String>,
    pub email_webhook_secret: Option<String>,
    /// `webhook` (a JSON POST per email) or `brevo` (Brevo's transactional API).
    pub email_provider: EmailProvider,
    pub brevo_api_key: Option<String>,
    pub brevo_api_url: String,
    /// The sender address of every email.
    pub email_sender: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EmailProvider {
    Webhook,
    Brevo,
}

pub const SETTINGS: &[&str] = &[
    "department_code",
    "department_name",
    "public_url",
    "database_kind",
    "database_url",
    "timezone",
    "test_mode",
    "session_key",
    "session_key_previous",
    "session_hours_staff",
    "session_hours_beneficiary",
    "login_link_minutes",
    "trust_forwarded_for",
    "jobs_secret",
    "email_webhook_url",
    "email_webhook_secret",
    "email_provider",
    "brevo_api_key",
    "brevo_api_url",
    "email_sender",
    "department_logo_url",
];

fn invalid(setting: &'static str, reason: &str) -> AppError {
    AppError::Config {
        setting,
        reason: reason.to_string(),
    }
}

async fn required(platform: &dyn Platform, name: &'static str) -> Result<String, AppError> {
    match platform.setting(name).await {
        Some(value) if !value.trim().is_empty() => Ok(value.trim().to_string()),
        _ => Err(invalid(name, "réglage manquant")),
    }
}

async fn optional(platform: &dyn Platform, name: &'static str) -> Option<String> {
    platform
        .setting(name)
        .await
        .map(|value| value.trim().to_string())
        .filter(|value| !value.is_empty())
}

/// Whether a URL's host is a loopback address.
pub fn is_loopback_url(url: &str) -> bool {
    let Some(rest) = url
        .strip_prefix("http://")
        .or_else(|| url.strip_prefix("https://"))
    else {
        return false;
    };
    let authority = rest.split('/').next().unwrap_or("");
    let host = if let Some(bracketed) = authority.strip_prefix('[') {
        bracketed.split(']').next().unwrap_or("")
    } else {
        authority.rsplit_once(':').map_or(authority, |(h, _)| h)
    };
    host == "localhost"
        || host == "::1"
        || host
            .parse::<std::net::Ipv4Addr>()
            .is_ok_and(|ip| ip.is_loopback())
}

async fn number(
    platform: &dyn Platform,
    name: &'static str,
    default: i64,
    max: i64,
) -> Result<i64, AppError> {
    match optional(platform, name).await {
        None => Ok(default),
        Some(text) => match text.parse::<i64>() {
            Ok(value) if (1..=max).contains(&value) => Ok(value),
            _ => Err(invalid(
                name,
                &format!("nombre entier entre 1 et {max} attendu"),
            )),
        },
    }
}

async fn flag(platform: &dyn Platform, name: &'static str) -> Result<bool, AppError> {
    match optional(platform, name).await.as_deref() {
        None | Some("false") | Some("0") => Ok(false),
        Some("true") | Some("1") => Ok(true),
        Some(_) => Err(invalid(name, "« true » ou « false » attendu")),
    }
}

fn valid_department_code(code: &str) -> bool {
    let digits = code.chars().all(|c| c.is_ascii_digit());
    matches!(code, "2A" | "2B") || (digits && (code.len() == 2 || code.len() == 3))
}

impl Config {
    pub async fn load(platform: &dyn Platform) -> Result<Config, AppError> {
        let department_code = required(platform, "department_code").await?;
        if !valid_department_code(&department_code) {
            return Err(invalid(
                "department_code",
                "code de département attendu (deux ou trois chiffres, 2A ou 2B)",
            ));
        }
        let department_name = required(platform, "department_name").await?;
        let public_url = required(platform, "public_url")
            .await?
            .trim_end_matches('/')
            .to_string();
        if !(public_url.starts_with("https://") || public_url.starts_with("http://")) {
            return Err(invalid("public_url", "URL http(s) attendue"));
        }
        let database_kind = match optional(platform, "database_kind").await.as_deref() {
            None | Some("sqlite") => DatabaseKind::Sqlite,
            Some("postgres") => DatabaseKind::Postgres,
            Some(_) => {
                return Err(invalid(
                    "database_kind",
                    "« sqlite » ou « postgres » attendu",
                ))
            }
        };
        let database_url = match (database_kind, optional(platform, "database_url").await) {
            (_, Some(url)) => url,
            (DatabaseKind::Sqlite, None) => "default".to_string(),
            (DatabaseKind::Postgres, None) => {
                return Err(invalid("database_url", "adresse PostgreSQL manquante"))
            }
        };
        if database_kind == DatabaseKind::Postgres
            && !(database_url.starts_with("postgres://")
                || database_url.starts_with("postgresql://"))
        {
            return Err(invalid("database_url", "URL postgres:// attendue"));
        }
        let timezone = match optional(platform, "timezone").await {
            None => TimeZoneSetting::parse("Europe/Paris").expect("known zone"),
            Some(name) => TimeZoneSetting::parse(&name).map_err(|_| {
                invalid("timezone", "fuseau IANA attendu, par exemple Europe/Paris")
            })?,
        };
        let test_mode = flag(platform, "test_mode").await?;
        if test_mode && !is_loopback_url(&public_url) {
            return Err(invalid(
                "test_mode",
                "le mode test est refusé hors boucle locale (public_url doit être localhost ou 127.0.0.1)",
            ));
        }
        let session_key = required(platform, "session_key").await?;
        if session_key.len() < 32 {
            return Err(invalid("session_key", "au moins 32 caractères aléatoires"));
        }
        let email_webhook_url = optional(platform, "email_webhook_url").await;
        if let Some(url) = &email_webhook_url {
            if !(url.starts_with("https://")
                || (url.starts_with("http://") && is_loopback_url(url)))
            {
                return Err(invalid(
                    "email_webhook_url",
                    "URL https:// attendue (http:// seulement en boucle locale)",
                ));
            }
        }
        let email_provider = match optional(platform, "email_provider").await.as_deref() {
            None | Some("webhook") => EmailProvider::Webhook,
            Some("brevo") => EmailProvider::Brevo,
            Some(_) => {
                return Err(invalid(
                    "email_provider",
                    "« webhook » ou « brevo » attendu",
                ))
            }
        };
        let brevo_api_url = optional(platform, "brevo_api_url")
            .await
            .unwrap_or_else(|| "https://api.brevo.com/v3/smtp/email".to_string());
        let host = public_url
            .split("://")
            .nth(1)
            .unwrap_or("")
            .split([':', '/'])
            .next()
            .unwrap_or("")
            .to_string();
        let email_sender = optional(platform, "email_sender")
            .await
            .unwrap_or_else(|| format!("ne-pas-repondre@{host}"));
        let department_logo_url = optional(platform, "department_logo_url").await;
        if let Some(url) = &department_logo_url {
            // The pages' Content-Security-Policy allows images from the instance and data: URLs.
            if !((url.starts_with('/') && !url.starts_with("//")) || url.starts_with("data:image/"))
            {
                return Err(invalid(
                    "department_logo_url",
                    "un chemin servi par l'instance (/…) ou une URL data:image/ attendu",
                ));
            }
        }
        Ok(Config {
            department_logo_url,
            email_provider,
            brevo_api_key: optional(platform, "brevo_api_key").await,
            brevo_api_url,
            email_sender,
            session_key,
            session_key_previous: optional(platform, "session_key_previous").await,
            session_hours_staff: number(platform, "session_hours_staff", 12, 24 * 7).await?,
            session_hours_beneficiary: number(platform, "session_hours_beneficiary", 12, 24 * 7)
                .await?,
            login_link_minutes: number(platform, "login_link_minutes", 15, 60 * 24).await?,
            trust_forwarded_for: flag(platform, "trust_forwarded_for").await?,
            jobs_secret: optional(platform, "jobs_secret").await,
            email_webhook_url,
            email_webhook_secret: optional(platform, "email_webhook_secret").await,
            department_code,
            department_name,
            public_url,
            database_kind,
            database_url,
            timezone,
            test_mode,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loopback_detection() {
        for url in [
            "http://127.0.0.1:3000",
            "http://localhost",
            "https://[::1]:8443/x",
            "http://127.5.0.1",
        ] {
            assert!(is_loopback_url(url), "{url}");
        }
        for url in [
            "https://carnet.departement.fr",
            "http://10.0.0.1:3000",
            "http://localhost.evil.fr",
            "ftp://127.0.0.1",
        ] {
            assert!(!is_loopback_url(url), "{url}");
        }
    }

    #[test]
    fn department_codes() {
        for ok in ["93", "2A", "2B", "974", "01"] {
            assert!(valid_department_code(ok), "{ok}");
        }
        for bad in ["", "9", "2C", "9744", "AB"] {
            assert!(!valid_department_code(bad), "{bad}");
        }
    }
}
