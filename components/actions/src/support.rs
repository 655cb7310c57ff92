//! What every write shares: the notebook and the write policy, the trace of a change (timeline
//! event + audit row, in the caller's transaction), and the answers to version conflicts.

use carnet_domain::access::{notebook_read, notebook_write, NotebookFacts, ReadAccess, WriteScope};
use carnet_domain::Id;
use carnet_http::auth::Authenticated;
use carnet_http::AppError;
use carnet_store::repo::carnets;
use carnet_store::repo::plan::Outcome;
use carnet_store::repo::timeline::{self, NewEvent};
use serde_json::Value;

/// The notebook, if the caller may make this kind of write to it (else 404 or 403).
pub async fn writable(
    auth: &Authenticated,
    id: &str,
    scope: WriteScope,
) -> Result<(Id, NotebookFacts), AppError> {
    let (id, facts) = known(auth, id).await?;
    may_write(auth, &facts, scope)?;
    Ok((id, facts))
}

/// The notebook, if the caller may know of it (else 404): for a write whose scope depends on
/// its body, checked between this and [`may_write`], so that an unknown notebook is 404 before
/// any complaint about the body.
pub async fn known(auth: &Authenticated, id: &str) -> Result<(Id, NotebookFacts), AppError> {
    let id = Id::parse(id).map_err(|_| AppError::NotFound)?;
    let facts = carnets::facts(&auth.ctx.db, id)
        .await?
        .ok_or(AppError::NotFound)?;
    match notebook_read(&auth.actor(), &facts) {
        ReadAccess::Hidden => Err(AppError::NotFound),
        _ => Ok((id, facts)),
    }
}

/// The notebook, if the caller may know of it (else 404) and it is not archived (else 403):
/// for the writes whose rule is not one of the policy's scopes (joining, orientation).
pub async fn known_and_open(
    auth: &Authenticated,
    id: &str,
) -> Result<(Id, NotebookFacts), AppError> {
    let (id, facts) = known(auth, id).await?;
    if facts.archived {
        return Err(archived());
    }
    Ok((id, facts))
}

/// 403 `archived`: archived notebooks are read-only for everyone.
fn archived() -> AppError {
    AppError::forbidden(
        "archived",
        "Ce carnet est archivé : il ne peut plus être modifié.",
    )
}

/// The write policy's answer on a notebook the caller knows of: `Ok`, or 403 (404 if hidden).
pub fn may_write(
    auth: &Authenticated,
    facts: &NotebookFacts,
    scope: WriteScope,
) -> Result<(), AppError> {
    match notebook_write(&auth.actor(), facts, scope) {
        ReadAccess::Hidden => Err(AppError::NotFound),
        ReadAccess::Forbidden if facts.archived => Err(archived()),
        ReadAccess::Forbidden | ReadAccess::Card => Err(AppError::forbidden(
            "forbidden",
            "Votre rôle ne vous permet pas cette modification dans ce carnet.",
        )),
        ReadAccess::Full { .. } => Ok(()),
    }
}

/// The professional an account id sent in `field` names, and the structure they join a notebook
/// in (as referent or member): `chosen`, the structure picked with them, when they work there;
/// else the caller's own structure when they work there too; else their oldest. 422 on `field`
/// when the text is no enabled professional's account, or they do not work in the chosen
/// structure.
pub async fn professional_structure(
    auth: &Authenticated,
    field: &str,
    account: &str,
    chosen: Option<&str>,
) -> Result<(Id, Id), AppError> {
    let unknown = || AppError::field(field, "unknown", "Professionnel inconnu.");
    let account = Id::parse(account).map_err(|_| unknown())?;
    let works_in =
        carnet_store::repo::orientation::professional_structures(&auth.ctx.db, account).await?;
    let Some(oldest) = works_in.first().copied() else {
        return Err(unknown());
    };
    if let Some(chosen) = chosen.map(str::trim).filter(|c| !c.is_empty()) {
        return match Id::parse(chosen) {
            Ok(id) if works_in.contains(&id) => Ok((account, id)),
            Ok(_) => Err(AppError::field(
                field,
                "not_in_structure",
                "Ce professionnel ne travaille pas dans la structure choisie.",
            )),
            Err(_) => Err(AppError::field(
                "structure_id",
                "unknown_structure",
                "Cette structure n'existe pas.",
            )),
        };
    }
    let structure = auth
        .assignment
        .scope
        .structure_id()
        .filter(|own| works_in.contains(own))
        .unwrap_or(oldest);
    Ok((account, structure))
}

/// An id from the path; a malformed one is simply not found.
pub fn path_id(text: &str) -> Result<Id, AppError> {
    Id::parse(text).map_err(|_| AppError::NotFound)
}

/// The traces of a change: a timeline event a person can read, and an audit row.
pub async fn trace(
    auth: &Authenticated,
    notebook_id: Id,
    event_type: &str,
    summary: &str,
    before: Option<Value>,
    after: Option<Value>,
) -> Result<(), AppError> {
    timeline::record(
        &auth.ctx.db,
        auth.ctx.now,
        NewEvent {
            notebook_id,
            actor_account_id: Some(auth.account_id),
            event_type,
            summary,
            before: before.clone(),
            after: after.clone(),
        },
    )
    .await?;
    auth.audit(
        event_type,
        "notebook",
        notebook_id,
        Some(serde_json::json!({ "before": before, "after": after })),
    )
    .await?;
    Ok(())
}

/// A versioned write's outcome: the new version, or 409 with the current state, or 404.
pub fn updated<T: serde::Serialize>(outcome: Outcome<T>) -> Result<i64, AppError> {
    match outcome {
        Outcome::Updated(version) => Ok(version),
        Outcome::Stale(current) => Err(AppError::Conflict {
            code: "stale_version",
            message: "Cet élément a été modifié entre-temps : voici son état actuel. Rechargez puis refaites votre modification.".into(),
            details: Some(serde_json::json!({ "current": current })),
        }),
        Outcome::Missing => Err(AppError::NotFound),
    }
}

/// A required version number in a body.
pub fn version(value: Option<i64>) -> Result<i64, AppError> {
    value.filter(|v| *v >= 1).ok_or_else(|| {
        AppError::field(
            "version",
            "required",
            "La version de l'élément modifié est obligatoire.",
        )
    })
}
