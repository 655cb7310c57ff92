/// What can go wrong in the store, in the terms the HTTP layer needs to answer.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The database is busy (locked, serialization failure): retry shortly → 503 + Retry-After.
    #[error("base de données occupée : {0}")]
    Busy(String),
    /// The database cannot be reached, or the connection to it was lost (server stopped,
    /// restarting, unreachable) → 503 + Retry-After. A transaction cut off this way was not
    /// committed, unless the loss came after the server's commit (then it was applied whole).
    #[error("base de données injoignable : {0}")]
    Unavailable(String),
    /// A UNIQUE constraint refused the write → 409. Carries the constraint or column named by
    /// the engine, never the values.
    #[error("conflit d'unicité : {0}")]
    UniqueViolation(String),
    /// Another integrity rule (foreign key, check, not null) refused the write → 422.
    #[error("contrainte d'intégrité : {0}")]
    ConstraintViolation(String),
    /// A value read back did not have the expected type: a programming error → 500.
    #[error("valeur inattendue : {0}")]
    Decode(String),
    #[error("erreur de la base de données : {0}")]
    Other(String),
}

impl StoreError {
    /// Classifies an SQLite error message (Spin's SQLite host only gives text).
    pub fn from_sqlite_message(message: &str) -> StoreError {
        let lower = message.to_lowercase();
        if lower.contains("database is locked")
            || lower.contains("database is busy")
            || lower.contains("database table is locked")
        {
            StoreError::Busy(message.to_string())
        } else if lower.contains("unique constraint failed") {
            StoreError::UniqueViolation(message.to_string())
        } else if lower.contains("constraint failed") {
            StoreError::ConstraintViolation(message.to_string())
        } else {
            StoreError::Other(message.to_string())
        }
    }

    /// Classifies a PostgreSQL SQLSTATE.
    pub fn from_postgres_state(code: &str, message: &str) -> StoreError {
        match code {
            "23505" => StoreError::UniqueViolation(message.to_string()),
            c if c.starts_with("23") => StoreError::ConstraintViolation(message.to_string()),
            "40001" | "40P01" | "55P03" | "53300" | "57014" => {
                StoreError::Busy(message.to_string())
            }
            // 08: connection exception; 57P01–57P05: the server is shutting down, crashed,
            // is starting up, or ended the session (`pg_ctl stop`, failover, restart).
            c if c.starts_with("08") || c.starts_with("57P") => {
                StoreError::Unavailable(message.to_string())
            }
            _ => StoreError::Other(format!("{code}: {message}")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::StoreError;

    #[test]
    fn a_server_shutting_down_or_starting_is_unavailable_not_an_internal_error() {
        for code in ["57P01", "57P02", "57P03", "08006", "08001"] {
            assert!(
                matches!(
                    StoreError::from_postgres_state(code, "terminating connection"),
                    StoreError::Unavailable(_)
                ),
                "{code}"
            );
        }
        assert!(matches!(
            StoreError::from_postgres_state(
                "57014",
                "canceling statement due to statement timeout"
            ),
            StoreError::Busy(_)
        ));
        assert!(matches!(
            StoreError::from_postgres_state("42P01", "relation does not exist"),
            StoreError::Other(_)
        ));
    }
}
