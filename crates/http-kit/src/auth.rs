//! Authentication of every protected request, in every component: one function,
//! [`authenticate`], behind the [`Authenticated`] (CGU accepted) and [`SignedIn`] extractors.
//!
//! A session token is an HS256 JWT carrying only the session id and its expiry; the role, scope,
//! enabled state and the session itself are read from the database on every request, so ending a
//! session, disabling an account or revoking a role takes effect at once. The token travels in
//! the `__Host-` cookie (HttpOnly, Secure, SameSite=Strict) or as `Authorization: Bearer`.
//! Cookie-authenticated writes must be same-origin (`Sec-Fetch-Site` or `Origin`).

use crate::{AppError, Config, Ctx};
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{header, HeaderValue, Method};
use base64::Engine;
use carnet_domain::roles::Assignment;
use carnet_domain::{Id, Instant, CGU_VERSION};
use carnet_store::repo::sessions;
use carnet_store::{Row, Value};
use jwt_simple::prelude::*;
use sha2::Digest;

pub const SESSION_COOKIE: &str = "__Host-carnet_session";

#[derive(Serialize, Deserialize)]
struct SessionClaims {
    sid: String,
}

/// A random token of 256 bits, URL-safe.
pub fn random_token() -> String {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).expect("system randomness");
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// What is stored of a token: its SHA-256, hex.
pub fn hash_token(token: &str) -> String {
    sha2::Sha256::digest(token.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn key(secret: &str) -> HS256Key {
    HS256Key::from_bytes(secret.as_bytes())
}

/// Signs a session token with the current key.
pub fn sign_session(
    config: &Config,
    session_id: Id,
    expires_at: Instant,
    now: Instant,
) -> Result<String, AppError> {
    let mut claims = Claims::with_custom_claims(
        SessionClaims {
            sid: session_id.to_string(),
        },
        Duration::from_secs(60),
    );
    claims.issued_at = Some(UnixTimeStamp::from_secs(now.unix_seconds().max(0) as u64));
    claims.expires_at = Some(UnixTimeStamp::from_secs(
        expires_at.unix_seconds().max(0) as u64
    ));
    claims.invalid_before = None;
    key(&config.session_key)
        .authenticate(claims)
        .map_err(|e| AppError::internal(format!("jwt: {e}")))
}

/// The session id of a valid token (current or previous key, not expired at `now`).
pub fn verify_session_token(config: &Config, token: &str, now: Instant) -> Option<Id> {
    let options = VerificationOptions {
        artificial_time: Some(UnixTimeStamp::from_secs(now.unix_seconds().max(0) as u64)),
        time_tolerance: Some(Duration::from_secs(0)),
        ..Default::default()
    };
    let keys =
        std::iter::once(config.session_key.as_str()).chain(config.session_key_previous.as_deref());
    for secret in keys {
        if let Ok(claims) = key(secret).verify_token::<SessionClaims>(token, Some(options.clone()))
        {
            return Id::parse(&claims.custom.sid).ok();
        }
    }
    None
}

/// The `Set-Cookie` value that opens (or, with `max_age` 0, clears) the session cookie.
pub fn session_cookie(token: &str, max_age_seconds: i64) -> HeaderValue {
    HeaderValue::from_str(&format!(
        "{SESSION_COOKIE}={token}; Path=/; HttpOnly; Secure; SameSite=Strict; Max-Age={max_age_seconds}"
    ))
    .expect("cookie characters")
}

fn cookie_token(parts: &Parts) -> Option<String> {
    parts
        .headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(';'))
        .find_map(|pair| {
            let (name, value) = pair.trim().split_once('=')?;
            (name == SESSION_COOKIE).then(|| value.to_string())
        })
}

fn bearer_token(parts: &Parts) -> Option<String> {
    parts
        .headers
        .get(header::AUTHORIZATION)?
        .to_str()
        .ok()?
        .strip_prefix("Bearer ")
        .map(str::to_string)
}

/// The origin (`scheme://host[:port]`) of a URL.
fn origin_of(url: &str) -> &str {
    let after_scheme = url.find("://").map(|i| i + 3).unwrap_or(0);
    match url[after_scheme..].find('/') {
        Some(slash) => &url[..after_scheme + slash],
        None => url,
    }
}

/// Whether a request comes from the instance's own pages.
pub fn is_same_origin(parts: &Parts, config: &Config) -> bool {
    if let Some(site) = parts
        .headers
        .get("sec-fetch-site")
        .and_then(|v| v.to_str().ok())
    {
        return site == "same-origin";
    }
    parts
        .headers
        .get(header::ORIGIN)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|origin| origin == origin_of(&config.public_url))
}

/// A signed-in request: the context and who is acting, in which role.
pub struct Authenticated {
    pub ctx: Ctx,
    pub session_id: Id,
    pub account_id: Id,
    pub assignment_id: Id,
    pub assignment: Assignment,
    pub cgu_accepted: bool,
}

impl Authenticated {
    pub fn client_addr(&self) -> Option<&str> {
        self.ctx.client_addr.as_ref().map(|c| c.0.as_str())
    }

    /// Who is asking, for the policies of `carnet_domain::access`.
    pub fn actor(&self) -> carnet_domain::access::Actor {
        carnet_domain::access::Actor {
            account_id: self.account_id,
            assignment: self.assignment,
        }
    }

    pub fn role_code(&self) -> &'static str {
        self.assignment.role.code()
    }

    /// Writes the access-log row of a notebook read by this person (`view`: full, card,
    /// timeline…), in the current transaction.
    pub async fn log_read(
        &self,
        notebook: carnet_domain::Id,
        view: &str,
    ) -> Result<(), carnet_store::StoreError> {
        carnet_store::repo::carnets::log_access(&self.ctx.db, self.access_entry(notebook, view))
            .await
    }

    /// The access-log row of a notebook read by this person, for the reads that write it with
    /// their own transaction (`carnets::full`, `carnets::card`, `timeline::page`).
    pub fn access_entry<'a>(
        &'a self,
        notebook_id: carnet_domain::Id,
        view: &'a str,
    ) -> carnet_store::repo::carnets::AccessLogEntry<'a> {
        carnet_store::repo::carnets::AccessLogEntry {
            at: self.ctx.now,
            account_id: self.account_id,
            role: self.role_code(),
            notebook_id,
            view,
        }
    }

    /// Writes the audit row of an action by this person, in the current transaction.
    pub async fn audit(
        &self,
        action: &str,
        target_type: &str,
        target_id: impl std::fmt::Display,
        details: Option<serde_json::Value>,
    ) -> Result<(), carnet_store::StoreError> {
        carnet_store::repo::audit::record(
            &self.ctx.db,
            self.ctx.now,
            carnet_store::repo::audit::AuditEntry {
                actor_account_id: Some(self.account_id),
                actor_role: Some(self.role_code()),
                action,
                target_type: Some(target_type),
                target_id: Some(target_id.to_string()),
                client_addr: self.client_addr(),
                details,
            },
        )
        .await
    }
}

/// Authenticates a request: token (cookie or bearer) → session row → account and role, all
/// current. Staff must have accepted the current CGU when `require_cgu`.
pub async fn authenticate(
    parts: &Parts,
    ctx: Ctx,
    require_cgu: bool,
) -> Result<Authenticated, AppError> {
    let session_id = session_id_of(parts, &ctx)?;
    let state = sessions::load(&ctx.db, session_id).await?;
    admit(ctx, session_id, state, require_cgu)
}

/// The same, with the CGU accepted, and in the same round trip as the session's read (native
/// PostgreSQL sends them together) a read that does not depend on who asks, such as the facts
/// of the notebook a path names. Its rows are dropped unread when the request is refused.
pub async fn authenticate_and_read(
    parts: &Parts,
    ctx: Ctx,
    read: (&str, &[Value]),
) -> Result<(Authenticated, Vec<Row>), AppError> {
    let session_id = session_id_of(parts, &ctx)?;
    let [session, rows] = ctx
        .db
        .query_many(&[(sessions::SESSION_SQL, &[session_id.into()]), read])
        .await?;
    let state = sessions::session_from_rows(&session)?;
    Ok((admit(ctx, session_id, state, true)?, rows))
}

/// The session a request's token names (cookie or bearer; a cookie-authenticated write must be
/// same-origin); nothing is read from the database.
fn session_id_of(parts: &Parts, ctx: &Ctx) -> Result<Id, AppError> {
    let (token, via_cookie) = match (bearer_token(parts), cookie_token(parts)) {
        (Some(token), _) => (token, false),
        (None, Some(token)) => (token, true),
        (None, None) => return Err(AppError::Unauthenticated),
    };
    let unsafe_method = !matches!(parts.method, Method::GET | Method::HEAD | Method::OPTIONS);
    if via_cookie && unsafe_method && !is_same_origin(parts, &ctx.config) {
        return Err(AppError::forbidden(
            "cross_origin",
            "Demande refusée : elle ne vient pas du site Carnet de bord.",
        ));
    }
    verify_session_token(&ctx.config, &token, ctx.now).ok_or(AppError::Unauthenticated)
}

/// Admits the request when its session, account and role are all current (and, when
/// `require_cgu`, the staff's CGU accepted).
fn admit(
    ctx: Ctx,
    session_id: Id,
    state: Option<sessions::SessionState>,
    require_cgu: bool,
) -> Result<Authenticated, AppError> {
    let state = state.ok_or(AppError::Unauthenticated)?;
    if state.ended
        || state.account_disabled
        || state.assignment_revoked
        || state.expires_at <= ctx.now
    {
        return Err(AppError::Unauthenticated);
    }
    let cgu_accepted =
        !state.assignment.role.is_staff() || state.cgu_version.as_deref() == Some(CGU_VERSION);
    if require_cgu && !cgu_accepted {
        return Err(AppError::forbidden(
            "cgu_required",
            "Vous devez accepter les conditions générales d'utilisation pour continuer.",
        ));
    }
    Ok(Authenticated {
        ctx,
        session_id,
        account_id: state.account_id,
        assignment_id: state.assignment_id,
        assignment: state.assignment,
        cgu_accepted,
    })
}

impl FromRequestParts<crate::AppState> for Authenticated {
    type Rejection = AppError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &crate::AppState,
    ) -> Result<Self, AppError> {
        let ctx = Ctx::from_request_parts(parts, state).await?;
        authenticate(parts, ctx, true).await
    }
}

/// Signed in, CGU accepted or not: for who-am-I, accepting the CGU, and logging out.
pub struct SignedIn(pub Authenticated);

impl FromRequestParts<crate::AppState> for SignedIn {
    type Rejection = AppError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &crate::AppState,
    ) -> Result<Self, AppError> {
        let ctx = Ctx::from_request_parts(parts, state).await?;
        authenticate(parts, ctx, false).await.map(SignedIn)
    }
}
