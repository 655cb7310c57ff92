//! The signed-in person: who-am-I, switching the active role, logout (here or everywhere), the
//! terms of use, and changing one's own sign-in email (confirmed from the new address).

use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use carnet_domain::access::may_set_work_contact;
use carnet_domain::roles::Role;
use carnet_domain::{parse_phone, Email, Id, Instant, CGU_VERSION};
use carnet_http::auth::{hash_token, random_token, session_cookie, Authenticated, SignedIn};
use carnet_http::error::email_field;
use carnet_http::extract::JsonBody;
use carnet_http::idempotency::IdempotentJson;
use carnet_http::validate::Validator;
use carnet_http::{AppError, Ctx};
use carnet_store::repo::accounts::{self, WorkContact};
use carnet_store::repo::audit::{self, AuditEntry};
use carnet_store::repo::sessions;
use carnet_store::StoreError;
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::ToSchema;

/// Un rôle détenu par la personne connectée.
#[derive(Serialize, ToSchema)]
#[schema(as = RoleDetenu)]
pub(crate) struct HeldRoleView {
    /// Identifiant de l'attribution du rôle (pour agir dans ce rôle).
    id: Id,
    role: Role,
    /// Libellé du rôle, en français.
    #[schema(example = "Professionnel")]
    label: &'static str,
    /// La structure du rôle (administrateur de structure, professionnel), sinon `null`.
    structure: Option<RoleStructure>,
    /// Le bénéficiaire du rôle `beneficiary`, sinon `null`.
    beneficiary_id: Option<Id>,
}

/// La structure où s'exerce un rôle.
#[derive(Serialize, ToSchema)]
#[schema(as = StructureDuRole)]
pub(crate) struct RoleStructure {
    pub(crate) id: Id,
    #[schema(example = "Mission locale de Cayenne")]
    pub(crate) name: String,
}

/// The structure a held role is exercised in, if any, with its name.
pub(crate) fn role_structure(held: &accounts::HeldRole) -> Option<RoleStructure> {
    held.assignment
        .scope
        .structure_id()
        .map(|id| RoleStructure {
            id,
            name: held.structure_name.clone().unwrap_or_default(),
        })
}

impl HeldRoleView {
    pub(crate) fn of(held: &accounts::HeldRole) -> Self {
        HeldRoleView {
            id: held.id,
            role: held.assignment.role,
            label: held.assignment.role.label(),
            structure: role_structure(held),
            beneficiary_id: held.assignment.scope.beneficiary_id(),
        }
    }
}

/// Le compte de la personne connectée.
#[derive(Serialize, ToSchema)]
#[schema(as = CompteConnecte)]
struct OwnAccount {
    id: Id,
    /// Adresse électronique de connexion.
    email: String,
    first_name: String,
    last_name: String,
}

/// Le département de l'instance.
#[derive(Serialize, ToSchema)]
#[schema(as = DepartementDeLInstance)]
struct Department {
    #[schema(example = "973")]
    code: String,
    #[schema(example = "Guyane")]
    name: String,
}

/// Les conditions générales d'utilisation : la version en vigueur et celle acceptée.
#[derive(Serialize, ToSchema)]
#[schema(as = EtatDesCgu)]
struct CguState {
    /// Version en vigueur (sa date).
    #[schema(example = "2026-11-28")]
    current_version: &'static str,
    /// Dernière version acceptée par la personne, `null` si aucune.
    accepted_version: Option<String>,
    accepted_at: Option<Instant>,
    /// Vrai quand la personne (personnel) doit accepter la version en vigueur avant de continuer.
    required: bool,
}

/// La personne connectée : son compte, ses rôles, le rôle actif, le département, l'état des CGU ;
/// et ses coordonnées professionnelles quand son rôle actif en a (professionnel, chargé
/// d'orientation, administrateur de structure).
#[derive(Serialize, ToSchema)]
#[serde(untagged)]
#[schema(as = Moi)]
pub enum WhoAmI {
    WithWorkContact(MeWithWorkContact),
    WithoutWorkContact(Me),
}

/// La personne connectée, dans un rôle sans coordonnées professionnelles (gestionnaire,
/// administrateur de la plateforme, bénéficiaire).
#[derive(Serialize, ToSchema)]
#[schema(as = MoiSansCoordonnees)]
pub struct Me {
    account: OwnAccount,
    /// Tous ses rôles actifs.
    roles: Vec<HeldRoleView>,
    /// Le rôle dans lequel elle agit.
    active_role: Option<HeldRoleView>,
    department: Department,
    cgu: CguState,
}

/// La personne connectée, dans un rôle qui a des coordonnées professionnelles.
#[derive(Serialize, ToSchema)]
#[schema(as = MoiAvecCoordonnees)]
pub struct MeWithWorkContact {
    account: OwnAccount,
    /// Tous ses rôles actifs.
    roles: Vec<HeldRoleView>,
    /// Le rôle dans lequel elle agit.
    active_role: Option<HeldRoleView>,
    department: Department,
    cgu: CguState,
    /// Ses coordonnées professionnelles (qu'elle modifie par `PUT /api/auth/me/work-contact`).
    work_contact: WorkContact,
}

/// Who is signed in, in which role.
#[utoipa::path(
    get,
    path = "/api/auth/me",
    tag = "Authentification",
    summary = "Qui suis-je",
    description = "**Rôles** : toute personne connectée, CGU acceptées ou non. Le compte, les rôles \
        actifs, le rôle dans lequel la session agit, le département de l'instance et l'état des CGU \
        (`cgu.required` : à accepter avant toute autre action). `work_contact` n'est présent que \
        pour les rôles qui ont des coordonnées professionnelles (professionnel, chargé \
        d'orientation, administrateur de structure).",
    security(("session" = []), ("jeton" = [])),
    responses(
        (status = 200, description = "La personne connectée.", body = WhoAmI, example = json!({
            "account": {"id": "0b9c2a4e-6a7d-4f3e-9c1b-2d3e4f5a6b7c", "email": "camille.martin@ml-cayenne.fr",
                "first_name": "Camille", "last_name": "Martin"},
            "roles": [{"id": "7d6c5b4a-3e2f-4a1b-8c9d-0e1f2a3b4c5d", "role": "professional", "label": "Professionnel",
                "structure": {"id": "8f1d2c3b-4a5e-4f60-8a7b-9c0d1e2f3a4b", "name": "Mission locale de Cayenne"},
                "beneficiary_id": null}],
            "active_role": {"id": "7d6c5b4a-3e2f-4a1b-8c9d-0e1f2a3b4c5d", "role": "professional", "label": "Professionnel",
                "structure": {"id": "8f1d2c3b-4a5e-4f60-8a7b-9c0d1e2f3a4b", "name": "Mission locale de Cayenne"},
                "beneficiary_id": null},
            "department": {"code": "973", "name": "Guyane"},
            "cgu": {"current_version": "2026-11-28", "accepted_version": "2026-11-28",
                "accepted_at": "2026-12-01T08:30:00.000000Z", "required": false},
            "work_contact": {"position": "Conseillère en insertion", "phone": "05 94 12 34 56"}
        })),
    )
)]
pub async fn who_am_i(SignedIn(auth): SignedIn) -> Result<Json<WhoAmI>, AppError> {
    let db = &auth.ctx.db;
    let account = accounts::find(db, auth.account_id)
        .await?
        .ok_or(AppError::Unauthenticated)?;
    let roles = accounts::active_roles(db, auth.account_id).await?;
    let active_role = roles
        .iter()
        .find(|held| held.id == auth.assignment_id)
        .map(HeldRoleView::of);
    let roles = roles.iter().map(HeldRoleView::of).collect();
    let department = Department {
        code: auth.ctx.config.department_code.clone(),
        name: auth.ctx.config.department_name.clone(),
    };
    let cgu = CguState {
        current_version: CGU_VERSION,
        accepted_version: account.cgu_version,
        accepted_at: account.cgu_accepted_at,
        required: !auth.cgu_accepted,
    };
    let account = OwnAccount {
        id: account.id,
        email: account.email,
        first_name: account.first_name,
        last_name: account.last_name,
    };
    Ok(Json(if may_set_work_contact(&auth.actor()) {
        WhoAmI::WithWorkContact(MeWithWorkContact {
            work_contact: accounts::work_contact(db, auth.account_id).await?,
            account,
            roles,
            active_role,
            department,
            cgu,
        })
    } else {
        WhoAmI::WithoutWorkContact(Me {
            account,
            roles,
            active_role,
            department,
            cgu,
        })
    }))
}

/// Les coordonnées professionnelles à enregistrer ; une valeur absente ou vide efface.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = CoordonneesProfessionnellesSaisies)]
pub struct WorkContactBody {
    /// Fonction, 100 caractères au plus.
    #[schema(example = "Conseillère en insertion")]
    position: Option<String>,
    /// Téléphone (format national ou international).
    #[schema(example = "05 94 12 34 56")]
    phone: Option<String>,
}

/// Sets one's own work position and phone.
#[utoipa::path(
    put,
    path = "/api/auth/me/work-contact",
    tag = "Comptes",
    summary = "Modifier ses coordonnées professionnelles",
    description = "**Rôles** : professionnel, chargé d'orientation, administrateur de structure. \
        La fonction et le téléphone montrés avec son nom dans les carnets dont on est membre ; une \
        valeur absente ou vide l'efface. Journalisé avec les valeurs avant et après.",
    request_body = WorkContactBody,
    security(("session" = []), ("jeton" = [])),
    responses(
        (status = 200, description = "Les coordonnées enregistrées.", body = WorkContact,
            example = json!({"position": "Conseillère en insertion", "phone": "05 94 12 34 56"})),
        (status = 403, description = "`work_contact_forbidden` : rôle sans coordonnées professionnelles ; \
            `cgu_required` : CGU à accepter ; `cross_origin` : demande d'un autre site.", body = carnet_http::openapi::ErrorBody),
        (status = 422, description = "`validation` : champ `position` (`too_long`) ou `phone` (`invalid_phone`…).", body = carnet_http::openapi::ErrorBody),
    )
)]
pub async fn set_work_contact(
    auth: Authenticated,
    JsonBody(body): JsonBody<WorkContactBody>,
) -> Result<Json<WorkContact>, AppError> {
    if !may_set_work_contact(&auth.actor()) {
        return Err(AppError::forbidden(
            "work_contact_forbidden",
            "Seuls les professionnels, les chargés d'orientation et les administrateurs de structure renseignent des coordonnées professionnelles.",
        ));
    }
    save_work_contact(&auth, auth.account_id, &body).await
}

/// Validates and saves the work contact of `account` (one's own, or as an administrator of
/// it), audited with the values before and after; the saved values.
pub(crate) async fn save_work_contact(
    auth: &Authenticated,
    account: Id,
    body: &WorkContactBody,
) -> Result<Json<WorkContact>, AppError> {
    let mut check = Validator::new();
    let contact = WorkContact {
        position: check.text("position", body.position.as_deref(), 100),
        phone: check.parsed("phone", body.phone.as_deref(), parse_phone),
    };
    check.finish()?;
    let db = &auth.ctx.db;
    db.transaction(async || {
        let before = accounts::work_contact(db, account).await?;
        accounts::set_work_contact(db, account, &contact).await?;
        auth.audit(
            "work_contact_changed",
            "account",
            account,
            Some(json!({ "before": before, "after": contact })),
        )
        .await?;
        Ok(Json(contact.clone()))
    })
    .await
}

/// Le rôle dans lequel agir.
#[derive(Deserialize, ToSchema)]
#[schema(as = ChangementDeRole)]
pub struct SwitchRole {
    /// Identifiant de l'un de ses rôles (`roles[].id` de `GET /api/auth/me`).
    role_id: String,
}

/// La session agit désormais dans ce rôle.
#[derive(Serialize, ToSchema)]
#[schema(as = RoleActif)]
pub struct ActiveRole {
    active_role: HeldRoleView,
}

/// Acts in another of one's own roles.
#[utoipa::path(
    post,
    path = "/api/auth/role",
    tag = "Authentification",
    summary = "Changer de rôle actif",
    description = "**Rôles** : toute personne connectée ayant plusieurs rôles, CGU acceptées ou non. \
        La session agit ensuite dans le rôle choisi, parmi les siens.",
    request_body = SwitchRole,
    security(("session" = []), ("jeton" = [])),
    responses(
        (status = 200, description = "Le nouveau rôle actif.", body = ActiveRole, example = json!({
            "active_role": {"id": "7d6c5b4a-3e2f-4a1b-8c9d-0e1f2a3b4c5d", "role": "structure_admin",
                "label": "Administrateur de structure",
                "structure": {"id": "8f1d2c3b-4a5e-4f60-8a7b-9c0d1e2f3a4b", "name": "Mission locale de Cayenne"},
                "beneficiary_id": null}
        })),
        (status = 403, description = "`cross_origin` : demande d'un autre site.", body = carnet_http::openapi::ErrorBody),
        (status = 422, description = "`validation` ; champ `role_id` : `invalid_id` (pas un identifiant), \
            `not_your_role` (pas l'un de ses rôles actifs).", body = carnet_http::openapi::ErrorBody),
    )
)]
pub async fn switch_role(
    SignedIn(auth): SignedIn,
    JsonBody(body): JsonBody<SwitchRole>,
) -> Result<Json<ActiveRole>, AppError> {
    let wanted = Id::parse(&body.role_id)
        .map_err(|_| AppError::field("role_id", "invalid_id", "Rôle inconnu."))?;
    let db = &auth.ctx.db;
    let roles = accounts::active_roles(db, auth.account_id).await?;
    let Some(held) = roles.iter().find(|held| held.id == wanted) else {
        return Err(AppError::field(
            "role_id",
            "not_your_role",
            "Ce rôle n'est pas l'un des vôtres.",
        ));
    };
    db.transaction(async || {
        sessions::switch_role(db, auth.session_id, held.id).await?;
        auth.audit(
            "role_switched",
            "session",
            auth.session_id.to_string(),
            Some(json!({ "role": held.assignment.role.code() })),
        )
        .await?;
        Ok(Json(ActiveRole {
            active_role: HeldRoleView::of(held),
        }))
    })
    .await
}

/// Les sessions terminées ; le cookie de session est effacé.
#[derive(Serialize, ToSchema)]
#[schema(as = SessionsTerminees, example = json!({"ended_sessions": 1}))]
pub struct EndedSessions {
    /// Nombre de sessions terminées.
    ended_sessions: u64,
}

fn cleared_cookie(body: EndedSessions) -> Response {
    let mut response = Json(body).into_response();
    response
        .headers_mut()
        .insert(header::SET_COOKIE, session_cookie("", 0));
    response
}

/// Ends this session.
#[utoipa::path(
    post,
    path = "/api/auth/logout",
    tag = "Authentification",
    summary = "Se déconnecter",
    description = "**Rôles** : toute personne connectée, CGU acceptées ou non. Termine cette session \
        et efface le cookie de session.",
    security(("session" = []), ("jeton" = [])),
    responses(
        (status = 200, description = "La session est terminée.", body = EndedSessions,
            headers(("Set-Cookie" = String, description = "Le cookie de session `__Host-carnet_session`, effacé.")), example = json!({"ended_sessions": 1})),
        (status = 403, description = "`cross_origin` : demande d'un autre site.", body = carnet_http::openapi::ErrorBody),
    )
)]
pub async fn logout(SignedIn(auth): SignedIn) -> Result<Response, AppError> {
    let db = &auth.ctx.db;
    db.transaction(async || {
        sessions::end(db, auth.session_id, auth.ctx.now, "logout").await?;
        auth.audit("logout", "session", auth.session_id.to_string(), None)
            .await?;
        Ok(cleared_cookie(EndedSessions { ended_sessions: 1 }))
    })
    .await
}

/// Ends every session of the account (a lost phone).
#[utoipa::path(
    post,
    path = "/api/auth/logout-all",
    tag = "Authentification",
    summary = "Se déconnecter partout",
    description = "**Rôles** : toute personne connectée, CGU acceptées ou non. Termine toutes les \
        sessions du compte, sur tous les appareils (un téléphone perdu), et efface le cookie de session.",
    security(("session" = []), ("jeton" = [])),
    responses(
        (status = 200, description = "Les sessions sont terminées.", body = EndedSessions,
            headers(("Set-Cookie" = String, description = "Le cookie de session `__Host-carnet_session`, effacé.")), example = json!({"ended_sessions": 3})),
        (status = 403, description = "`cross_origin` : demande d'un autre site.", body = carnet_http::openapi::ErrorBody),
    )
)]
pub async fn logout_everywhere(SignedIn(auth): SignedIn) -> Result<Response, AppError> {
    let db = &auth.ctx.db;
    db.transaction(async || {
        let ended =
            sessions::end_all(db, auth.account_id, auth.ctx.now, "logout_everywhere").await?;
        auth.audit(
            "logout_everywhere",
            "account",
            auth.account_id.to_string(),
            Some(json!({ "ended_sessions": ended })),
        )
        .await?;
        Ok(cleared_cookie(EndedSessions {
            ended_sessions: ended,
        }))
    })
    .await
}

/// L'acceptation des CGU en vigueur.
#[derive(Deserialize, ToSchema)]
#[schema(as = AcceptationDesCgu)]
pub struct AcceptCgu {
    /// La version acceptée : celle en vigueur (`cgu.current_version` de `GET /api/auth/me`).
    #[schema(example = "2026-11-28")]
    version: String,
}

/// Les CGU acceptées.
#[derive(Serialize, ToSchema)]
#[schema(as = CguAcceptees)]
pub struct AcceptedCgu {
    #[schema(example = "2026-11-28")]
    accepted_version: &'static str,
    accepted_at: Instant,
}

/// Accepts the current terms of use.
#[utoipa::path(
    post,
    path = "/api/auth/cgu",
    tag = "Authentification",
    summary = "Accepter les conditions générales d'utilisation",
    description = "**Rôles** : toute personne connectée. Le personnel doit accepter la version en \
        vigueur avant toute autre action (sinon `403 cgu_required`).",
    request_body = AcceptCgu,
    security(("session" = []), ("jeton" = [])),
    responses(
        (status = 200, description = "Les CGU sont acceptées.", body = AcceptedCgu,
            example = json!({"accepted_version": "2026-11-28", "accepted_at": "2026-12-01T08:30:00.000000Z"})),
        (status = 403, description = "`cross_origin` : demande d'un autre site.", body = carnet_http::openapi::ErrorBody),
        (status = 422, description = "`validation` ; champ `version`, code `outdated_cgu` : ce n'est pas la version en vigueur.",
            body = carnet_http::openapi::ErrorBody),
    )
)]
pub async fn accept_cgu(
    SignedIn(auth): SignedIn,
    JsonBody(body): JsonBody<AcceptCgu>,
) -> Result<Json<AcceptedCgu>, AppError> {
    if body.version != CGU_VERSION {
        return Err(AppError::field(
            "version",
            "outdated_cgu",
            "Ces conditions ne sont plus en vigueur : rechargez la page.",
        ));
    }
    let db = &auth.ctx.db;
    db.transaction(async || {
        accounts::accept_cgu(db, auth.account_id, CGU_VERSION, auth.ctx.now).await?;
        auth.audit(
            "cgu_accepted",
            "account",
            auth.account_id.to_string(),
            Some(json!({ "version": CGU_VERSION })),
        )
        .await?;
        Ok(Json(AcceptedCgu {
            accepted_version: CGU_VERSION,
            accepted_at: auth.ctx.now,
        }))
    })
    .await
}

/// La nouvelle adresse de connexion demandée.
#[derive(Deserialize, ToSchema)]
#[schema(as = NouvelleAdresse)]
pub struct EmailChange {
    #[schema(example = "camille.martin@ml-cayenne.fr")]
    email: String,
}

/// Un accusé de réception : un courriel est (ou serait) parti ; la même réponse que l'adresse
/// soit connue ou non.
#[derive(Serialize, ToSchema)]
#[schema(as = AccuseDEnvoi)]
pub struct Acknowledgement {
    /// Message à montrer, en français.
    pub(crate) message: &'static str,
}

const EMAIL_CHANGE_HOURS: i64 = 24;

/// Asks to change one's sign-in email: a confirmation link goes to the new address.
#[utoipa::path(
    post,
    path = "/api/auth/me/email",
    tag = "Comptes",
    summary = "Demander à changer son adresse de connexion",
    description = "**Rôles** : toute personne connectée. Un lien de confirmation, valable 24 heures, \
        part vers la nouvelle adresse ; rien ne change avant qu'il soit utilisé. Même réponse que \
        l'adresse soit libre ou non. Accepte une `Idempotency-Key` (une reprise n'envoie pas de second lien).",
    request_body = EmailChange,
    security(("session" = []), ("jeton" = [])),
    responses(
        (status = 202, description = "Demande reçue.", body = Acknowledgement, example = json!({
            "message": "Un lien de confirmation a été envoyé à la nouvelle adresse, si elle n'est pas déjà utilisée."
        })),
        (status = 403, description = "`cgu_required` : CGU à accepter ; `cross_origin` : demande d'un autre site.",
            body = carnet_http::openapi::ErrorBody),
        (status = 422, description = "`validation` ; champ `email` (`invalid_email`), ou `Idempotency-Key` \
            (`invalid`, `key_reused`).", body = carnet_http::openapi::ErrorBody),
    )
)]
pub async fn request_email_change(
    auth: Authenticated,
    request: IdempotentJson<EmailChange>,
) -> Result<Response, AppError> {
    let email = email_field("email", &request.body.email)
        .map_err(|error| AppError::Validation(vec![error]))?;
    if let Some(replay) = request.replay(&auth).await? {
        return Ok(replay);
    }
    let db = &auth.ctx.db;
    request.write(&auth, StatusCode::ACCEPTED, async || {
        if accounts::find_by_email(db, &email).await?.is_none() {
            let token = random_token();
            accounts::insert_token(
                db,
                auth.account_id,
                &hash_token(&token),
                "email_change",
                Some(email.as_str()),
                auth.ctx.now,
                auth.ctx.now.plus_seconds(EMAIL_CHANGE_HOURS * 3600),
            )
            .await?;
            let link = format!(
                "{}/connexion/adresse#jeton={token}",
                auth.ctx.config.public_url
            );
            crate::emails::confirm_new_email(db, auth.ctx.now, email.as_str(), &link).await?;
        }
        auth.audit(
            "email_change_requested",
            "account",
            auth.account_id.to_string(),
            None,
        )
        .await?;
        Ok(Acknowledgement {
            message: "Un lien de confirmation a été envoyé à la nouvelle adresse, si elle n'est pas déjà utilisée.",
        })
    }).await
}

/// Le jeton du lien de confirmation reçu à la nouvelle adresse.
#[derive(Deserialize, ToSchema)]
#[schema(as = JetonDeNouvelleAdresse)]
pub struct ConfirmEmail {
    /// Le jeton qui suit `#jeton=` dans le lien.
    token: String,
}

/// La nouvelle adresse de connexion, désormais en vigueur.
#[derive(Serialize, ToSchema)]
#[schema(as = AdresseConfirmee)]
pub struct ConfirmedEmail {
    #[schema(example = "camille.martin@ml-cayenne.fr")]
    email: String,
}

/// Confirms a new sign-in email from the link sent to it; the old address is told.
#[utoipa::path(
    post,
    path = "/api/auth/me/email/confirm",
    tag = "Comptes",
    summary = "Confirmer sa nouvelle adresse de connexion",
    description = "**Rôles** : public (le lien peut être ouvert sur un autre appareil, sans session). \
        Le jeton prouve la nouvelle adresse, qui remplace l'ancienne ; l'ancienne adresse est prévenue.",
    request_body = ConfirmEmail,
    responses(
        (status = 200, description = "L'adresse est changée.", body = ConfirmedEmail,
            example = json!({"email": "camille.martin@ml-cayenne.fr"})),
        (status = 400, description = "`invalid_link` : lien déjà utilisé, expiré ou inconnu.", body = carnet_http::openapi::ErrorBody),
        (status = 404, description = "`not_found` : le compte du lien n'existe plus.", body = carnet_http::openapi::ErrorBody),
        (status = 409, description = "`email_taken` : l'adresse est entre-temps devenue celle d'un autre compte.",
            body = carnet_http::openapi::ErrorBody),
        (status = 422, description = "`validation` : champ `token` absent ou mal formé.", body = carnet_http::openapi::ErrorBody),
    )
)]
pub async fn confirm_email_change(
    ctx: Ctx,
    JsonBody(body): JsonBody<ConfirmEmail>,
) -> Result<Json<ConfirmedEmail>, AppError> {
    let db = &ctx.db;
    db.transaction(async || {
        let consumed =
            accounts::consume_token(db, &hash_token(body.token.trim()), "email_change", ctx.now)
                .await?;
        let Some(consumed) = consumed else {
            return Err(AppError::bad_request(
                "invalid_link",
                "Ce lien de confirmation n'est plus valable. Refaites la demande depuis votre compte.",
            ));
        };
        let account = accounts::find(db, consumed.account_id)
            .await?
            .ok_or(AppError::NotFound)?;
        let new_email =
            Email::parse(consumed.new_email.as_deref().unwrap_or("")).map_err(AppError::internal)?;
        match accounts::set_email(db, account.id, &new_email).await {
            Err(StoreError::UniqueViolation(_)) => {
                return Err(AppError::conflict(
                    "email_taken",
                    "Cette adresse est déjà utilisée par un autre compte.",
                ));
            }
            other => other?,
        }
        crate::emails::email_changed(db, ctx.now, &account.email).await?;
        audit::record(
            db,
            ctx.now,
            AuditEntry {
                actor_account_id: Some(account.id),
                actor_role: None,
                action: "email_changed",
                target_type: Some("account"),
                target_id: Some(account.id.to_string()),
                client_addr: ctx.client_addr.as_ref().map(|c| c.0.as_str()),
                details: None,
            },
        )
        .await?;
        Ok(Json(ConfirmedEmail {
            email: new_email.as_str().to_string(),
        }))
    }).await
}
