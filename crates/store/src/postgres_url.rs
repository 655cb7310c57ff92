//! The timeouts every PostgreSQL connection gets, natively and under Spin alike: added to the
//! connection URL (both tokio-postgres, natively, and Spin's host read them there), unless the
//! URL already sets them.
//!
//! - `connect_timeout`: opening a connection gives up after 5 s, so that with the server down or
//!   unreachable a request answers 503 instead of waiting for the system to give up (minutes).
//! - keepalives and `tcp_user_timeout`: an open connection whose server went silent (host down,
//!   network cut) is closed by the system after about 6 s: probes after 2 s of silence, every
//!   2 s, and at most 6 s for data or probes to be acknowledged. A statement that runs long on a
//!   live server is not cut (the server's system answers the probes): there is no statement
//!   timeout by default, since migrations and jobs go through the same connections; a URL may
//!   add one (`options=-c statement_timeout=30s`: a statement cut by it answers 503 `busy`).

/// `connect_timeout`'s default, in seconds.
pub(crate) const CONNECT_TIMEOUT_SECONDS: u64 = 5;

/// Each setting and its value in tokio-postgres' units (seconds, or a count).
const DEFAULTS: &[(&str, u64)] = &[
    ("connect_timeout", CONNECT_TIMEOUT_SECONDS),
    ("keepalives_idle", 2),
    ("keepalives_interval", 2),
    ("keepalives_retries", 2),
    ("tcp_user_timeout", 6),
];

/// The URL (`postgres://…` or `key=value …` form) with each default it does not set.
pub fn with_connection_timeouts(url: &str) -> String {
    let uri_form = url.starts_with("postgres://") || url.starts_with("postgresql://");
    let mut out = url.trim_end().to_string();
    for (key, value) in DEFAULTS {
        let given = if uri_form {
            url.split_once('?').is_some_and(|(_, query)| {
                query
                    .split('&')
                    .any(|pair| pair.split('=').next() == Some(*key))
            })
        } else {
            url.split_whitespace()
                .any(|pair| pair.split('=').next() == Some(*key))
        };
        if given {
            continue;
        }
        let separator = match (uri_form, out.contains('?')) {
            (true, true) => '&',
            (true, false) => '?',
            (false, _) => ' ',
        };
        out.push(separator);
        out.push_str(&format!("{key}={value}"));
    }
    out
}

/// The URL without its `sslrootcert` setting (libpq's name: a PEM file of the certificate
/// authorities to trust besides the public ones, for a database whose certificate a private
/// authority signed), and that file's path. tokio-postgres does not know the setting: the native
/// store reads it here. (Spin's host takes the URL as it is: give it `sslrootcert` only natively.)
#[cfg(any(feature = "native", test))]
pub fn take_root_certificate(url: &str) -> (String, Option<String>) {
    let is_root = |pair: &str| pair.split('=').next() == Some("sslrootcert");
    let value = |pair: &str| pair.split_once('=').map(|(_, v)| v.to_string());
    if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        let Some((base, query)) = url.split_once('?') else {
            return (url.to_string(), None);
        };
        let root = query.split('&').find(|p| is_root(p)).and_then(value);
        let kept: Vec<&str> = query.split('&').filter(|p| !is_root(p)).collect();
        let url = if kept.is_empty() {
            base.to_string()
        } else {
            format!("{base}?{}", kept.join("&"))
        };
        (url, root)
    } else {
        let root = url.split_whitespace().find(|p| is_root(p)).and_then(value);
        let kept: Vec<&str> = url.split_whitespace().filter(|p| !is_root(p)).collect();
        (kept.join(" "), root)
    }
}

#[cfg(test)]
mod tests {
    use super::{take_root_certificate, with_connection_timeouts};

    #[test]
    fn the_root_certificate_setting_is_taken_out_of_either_form() {
        assert_eq!(
            take_root_certificate("postgres://u@h/db?sslmode=require&sslrootcert=/etc/ca.pem&x=1"),
            (
                "postgres://u@h/db?sslmode=require&x=1".to_string(),
                Some("/etc/ca.pem".to_string())
            )
        );
        assert_eq!(
            take_root_certificate("postgres://u@h/db?sslrootcert=/ca.pem"),
            ("postgres://u@h/db".to_string(), Some("/ca.pem".to_string()))
        );
        assert_eq!(
            take_root_certificate("host=h sslrootcert=/ca.pem sslmode=require"),
            (
                "host=h sslmode=require".to_string(),
                Some("/ca.pem".to_string())
            )
        );
        assert_eq!(
            take_root_certificate("postgres://u@h/db?sslmode=disable"),
            ("postgres://u@h/db?sslmode=disable".to_string(), None)
        );
    }

    #[test]
    fn timeouts_are_added_where_the_url_sets_none() {
        assert_eq!(
            with_connection_timeouts("postgres://carnet@db:5432/carnet"),
            "postgres://carnet@db:5432/carnet?connect_timeout=5&keepalives_idle=2\
             &keepalives_interval=2&keepalives_retries=2&tcp_user_timeout=6"
        );
        assert_eq!(
            with_connection_timeouts(
                "postgresql://db/carnet?sslmode=disable&connect_timeout=20&tcp_user_timeout=0"
            ),
            "postgresql://db/carnet?sslmode=disable&connect_timeout=20&tcp_user_timeout=0\
             &keepalives_idle=2&keepalives_interval=2&keepalives_retries=2"
        );
        assert_eq!(
            with_connection_timeouts("host=db dbname=carnet keepalives_idle=30"),
            "host=db dbname=carnet keepalives_idle=30 connect_timeout=5 keepalives_interval=2 \
             keepalives_retries=2 tcp_user_timeout=6"
        );
    }
}
