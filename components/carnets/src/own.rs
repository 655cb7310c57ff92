//! `GET /api/carnets/mine`: a beneficiary's own notebook, without knowing its id (their role is
//! scoped to the beneficiary, not to the notebook). Same view and same access-log row as
//! `GET /api/carnets/{id}`.

use axum::Json;
use carnet_domain::access::{notebook_read, own_notebook, ReadAccess};
use carnet_http::auth::Authenticated;
use carnet_http::AppError;
use carnet_store::repo::carnets::{self, FullView};

/// The beneficiary's own notebook.
#[utoipa::path(
    get,
    path = "/api/carnets/mine",
    tag = "Carnets",
    summary = "Mon carnet",
    description = "**Rôles** : personne accompagnée. Son propre carnet, en vue complète sans NIR, \
        sans en connaître l'identifiant. La lecture est journalisée.",
    security(("session" = []), ("jeton" = [])),
    responses(
        (status = 200, description = "La vue complète de son carnet.", body = FullView, example = json!({
            "id": "0b6f3c2e-5f7a-4c1d-9a3e-2f1d4b6c8e90", "view": "full", "version": 3,
            "beneficiary": {"first_name": "Camille", "last_name": "Martin", "birth_date": "1990-04-12",
                "birth_place": "Lyon", "department_identifier": null, "caf_number": "1234567", "ft_identifier": null,
                "email": "camille.martin@example.fr", "phone": "06 12 34 56 78", "address": "3 rue des Lilas",
                "postal_code": "93100", "city": "Montreuil"},
            "rights": {"rsa_right": "rsa_droit_ouvert_versable", "rsa_closure_reason": null, "rsa_suspension_reason": null,
                "are": false, "ass": false, "prime_activite": true},
            "diagnostic": {"work_situation": null, "work_situation_date": null, "work_situation_end_date": null,
                "rqth": false, "education_level": null, "situations": [], "job_projects": []},
            "contract": {"type": "cer", "sign_date": "2026-01-10", "start_date": "2026-01-10", "end_date": "2026-07-10"},
            "orientation": {"dispositif": {"id": "5d0c1e2a-8b3f-4c6d-9e7a-1b2c3d4e5f60", "name": "Accompagnement social"},
                "pending_request": null},
            "plan": [{"id": "1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d", "theme": "logement", "label": "Logement", "version": 1,
                "objectifs": [{"id": "2b3c4d5e-6f7a-4b8c-9d0e-1f2a3b4c5d6e", "ref_code": "OBJ-001",
                    "label": "Accéder à un logement", "status": "in_progress", "linked_to": "cer", "version": 1,
                    "actions": [{"id": "3c4d5e6f-7a8b-4c9d-8e1f-2a3b4c5d6e7f", "ref_code": null,
                        "label": "Demande de logement social", "status": "planned", "start_date": "2026-03-02",
                        "due_date": null, "version": 1}]}]}],
            "rendez_vous": [{"id": "4d5e6f7a-8b9c-4d0e-9f1a-2b3c4d5e6f7a", "starts_at": "2026-03-09T09:00:00.000000Z",
                "status": "pending", "cancelled_at": null, "with": "Sophie Tifour", "structure": "Mission locale Est",
                "structure_id": "7a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d", "version": 1}],
            "next_rendez_vous": "2026-03-09T09:00:00.000000Z",
            "members": [{"account_id": "3c2d1e0f-9a8b-4c7d-8e6f-5a4b3c2d1e0f", "member_type": "referent",
                "first_name": "Sophie", "last_name": "Tifour", "email": "sophie.tifour@ml-est.example.fr",
                "phone": "01 23 45 67 89", "position": "Conseillère",
                "structure": {"id": "7a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d", "name": "Mission locale Est"},
                "joined_at": "2026-01-05T10:00:00.000000Z"}],
            "latest_events": [{"id": "9f8e7d6c-5b4a-4392-8a1b-0c9d8e7f6a5b", "at": "2026-03-02T08:30:00.000000Z",
                "event_type": "action_added", "summary": "Action ajoutée : Demande de logement social",
                "actor": "Sophie Tifour", "before": null, "after": null}],
            "last_contact_at": "2026-02-20T14:00:00.000000Z", "last_activity_at": "2026-03-02T08:30:00.000000Z",
            "archived_at": null, "created_at": "2026-01-05T10:00:00.000000Z"
        })),
        (status = 403, description = "`forbidden` : seule la personne accompagnée a un carnet à elle.", body = carnet_http::openapi::ErrorBody),
        (status = 404, description = "`not_found` : la personne n'a pas (ou plus) de carnet.", body = carnet_http::openapi::ErrorBody),
    )
)]
pub async fn mine(auth: Authenticated) -> Result<Json<FullView>, AppError> {
    let who = auth.actor();
    let Some(beneficiary) = own_notebook(&who) else {
        return Err(AppError::forbidden(
            "forbidden",
            "Seule la personne accompagnée a un carnet à elle.",
        ));
    };
    let db = &auth.ctx.db;
    let id = carnets::notebook_of(db, beneficiary)
        .await?
        .ok_or(AppError::NotFound)?;
    let facts = carnets::facts(db, id).await?.ok_or(AppError::NotFound)?;
    let ReadAccess::Full { nir } = notebook_read(&who, &facts) else {
        return Err(AppError::NotFound);
    };
    let entry = auth.access_entry(id, "full");
    let body = carnets::full(db, id, nir, auth.ctx.now, &entry).await?;
    Ok(Json(body))
}
