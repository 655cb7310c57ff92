//! Beneficiaries come in: a manager or an orientation manager creates a beneficiary and their
//! notebook. A possible duplicate (same NIR, same département identifier, or same names and
//! birth date, accents and case aside) gets 409 pointing to the existing notebook, unless
//! confirmed as a different person. With an email, their account can be opened at once.

use axum::http::StatusCode;
use axum::response::Response;
use carnet_domain::access::{may_create_beneficiary, Actor};
use carnet_domain::roles::{Assignment, Role, Scope};
use carnet_domain::Id;
use carnet_domain::{emails, parse_birth_date, parse_phone, Email, Nir};
use carnet_http::auth::Authenticated;
use carnet_http::idempotency::IdempotentJson;
use carnet_http::validate::Validator;
use carnet_http::AppError;
use carnet_store::repo::accounts;
use carnet_store::repo::carnets::{self, NewBeneficiary};
use carnet_store::repo::outbox::enqueue_content;
use carnet_store::repo::referentiel;
use carnet_store::repo::timeline::{self, NewEvent};
use carnet_store::Db;
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::ToSchema;

/// Un nouveau bénéficiaire, et son carnet.
#[derive(Deserialize, Default, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = NouveauBeneficiaire)]
pub struct BeneficiaryBody {
    /// Obligatoire, 100 caractères au plus.
    #[schema(example = "Éloïse")]
    first_name: Option<String>,
    /// Obligatoire, 100 caractères au plus.
    #[schema(example = "Dupont")]
    last_name: Option<String>,
    /// `AAAA-MM-JJ`.
    #[schema(example = "1984-12-07")]
    birth_date: Option<String>,
    birth_place: Option<String>,
    /// Numéro de sécurité sociale (13 chiffres et la clé).
    nir: Option<String>,
    /// Identifiant du bénéficiaire au département.
    department_identifier: Option<String>,
    /// Numéro d'allocataire CAF ou MSA.
    caf_number: Option<String>,
    /// Identifiant France Travail.
    ft_identifier: Option<String>,
    /// Adresse électronique (obligatoire avec `create_account`).
    #[schema(example = "eloise.dupont@example.org")]
    email: Option<String>,
    #[schema(example = "07 11 22 33 44")]
    phone: Option<String>,
    address: Option<String>,
    /// Cinq chiffres.
    #[schema(example = "93500")]
    postal_code: Option<String>,
    city: Option<String>,
    /// Droit RSA (liste `rsa_right`).
    rsa_right: Option<String>,
    /// Motif de clôture du RSA (liste `rsa_closure_reason`).
    rsa_closure_reason: Option<String>,
    /// Motif de suspension du RSA (liste `rsa_suspension_reason`).
    rsa_suspension_reason: Option<String>,
    #[serde(default)]
    are_right: bool,
    #[serde(default)]
    ass_right: bool,
    #[serde(default)]
    prime_activite: bool,
    // Set after a 409: "this is a different person".
    /// Après un 409 `possible_duplicate` : c'est une autre personne, créer quand même.
    #[serde(default)]
    confirm_different_person: bool,
    // Open the beneficiary's account now (needs an email).
    /// Ouvrir tout de suite le compte du bénéficiaire (il reçoit un courriel).
    #[serde(default)]
    create_account: bool,
}

/// Le bénéficiaire créé, son carnet, et son compte s'il a été ouvert.
#[derive(Serialize, ToSchema)]
#[schema(as = BeneficiaireCree)]
pub struct BeneficiaryCreated {
    beneficiary_id: Id,
    notebook_id: Id,
    /// Le compte ouvert (avec `create_account`), sinon `null`.
    account_id: Option<Id>,
}

pub(crate) fn identifier(
    check: &mut Validator,
    field: &str,
    value: Option<&str>,
    max: usize,
) -> Option<String> {
    let value = check.text(field, value, max)?;
    if value
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || c == ' ' || c == '-')
    {
        Some(value)
    } else {
        check.error(field, "invalid", "Lettres et chiffres seulement.");
        None
    }
}

async fn validate(
    db: &Db,
    body: &BeneficiaryBody,
    today: carnet_domain::NaiveDate,
) -> Result<NewBeneficiary, AppError> {
    let mut check = Validator::new();
    let first_name = check.required("first_name", body.first_name.as_deref(), 100);
    let last_name = check.required("last_name", body.last_name.as_deref(), 100);
    let birth_date = check.parsed("birth_date", body.birth_date.as_deref(), |text| {
        parse_birth_date(text, today)
    });
    let nir = check.parsed("nir", body.nir.as_deref(), Nir::parse);
    let email = check.parsed("email", body.email.as_deref(), Email::parse);
    let phone = check.parsed("phone", body.phone.as_deref(), parse_phone);
    let postal_code = check.text("postal_code", body.postal_code.as_deref(), 5);
    if let Some(code) = &postal_code {
        if code.len() != 5 || !code.chars().all(|c| c.is_ascii_digit()) {
            check.error("postal_code", "invalid", "Code postal à 5 chiffres.");
        }
    }
    let coded = |field: &str, list: &'static str, value: &Option<String>| {
        (field.to_string(), list, value.clone())
    };
    let codes = [
        coded("rsa_right", "rsa_right", &body.rsa_right),
        coded(
            "rsa_closure_reason",
            "rsa_closure_reason",
            &body.rsa_closure_reason,
        ),
        coded(
            "rsa_suspension_reason",
            "rsa_suspension_reason",
            &body.rsa_suspension_reason,
        ),
    ];
    for (field, list, value) in &codes {
        if let Some(code) = value {
            if !referentiel::is_current_code(db, list, code).await? {
                check.error(
                    field,
                    "unknown_code",
                    "Valeur inconnue de la liste de référence.",
                );
            }
        }
    }
    if body.create_account && email.is_none() {
        check.error(
            "email",
            "required",
            "Une adresse électronique est nécessaire pour ouvrir un compte.",
        );
    }
    let new = NewBeneficiary {
        first_name,
        last_name,
        birth_date: birth_date.map(|d| d.format("%Y-%m-%d").to_string()),
        birth_place: check.text("birth_place", body.birth_place.as_deref(), 100),
        nir: nir.map(|n| n.as_str().to_string()),
        department_identifier: identifier(
            &mut check,
            "department_identifier",
            body.department_identifier.as_deref(),
            50,
        ),
        caf_number: identifier(&mut check, "caf_number", body.caf_number.as_deref(), 20),
        ft_identifier: identifier(
            &mut check,
            "ft_identifier",
            body.ft_identifier.as_deref(),
            20,
        )
        .map(|id| id.to_uppercase()),
        email: email.map(|e| e.as_str().to_string()),
        phone,
        address: check.text("address", body.address.as_deref(), 200),
        postal_code,
        city: check.text("city", body.city.as_deref(), 100),
        rsa_right: body.rsa_right.clone(),
        rsa_closure_reason: body.rsa_closure_reason.clone(),
        rsa_suspension_reason: body.rsa_suspension_reason.clone(),
        are_right: body.are_right,
        ass_right: body.ass_right,
        prime_activite: body.prime_activite,
    };
    check.finish()?;
    Ok(new)
}

/// Creates a beneficiary and their notebook.
#[utoipa::path(
    post,
    path = "/api/write/beneficiaries",
    tag = "Bénéficiaires",
    summary = "Créer un bénéficiaire et son carnet",
    description = "**Rôles** : gestionnaires et chargés d'orientation. Un doublon possible (même \
        NIR, même identifiant départemental, ou mêmes noms et date de naissance, accents et casse \
        ignorés) reçoit un 409 `possible_duplicate` désignant les carnets existants, sauf \
        `confirm_different_person`. Avec une adresse électronique, le compte du bénéficiaire peut \
        être ouvert tout de suite. Accepte une `Idempotency-Key`.",
    params(
        ("Idempotency-Key" = Option<String>, Header, description = "Clé d'idempotence : une même demande répétée avec elle reçoit la même réponse."),
    ),
    request_body = BeneficiaryBody,
    security(("session" = []), ("jeton" = [])),
    responses(
        (status = 201, description = "Le bénéficiaire et son carnet sont créés.", body = BeneficiaryCreated, example = json!({
            "beneficiary_id": "9d8c7b6a-5f4e-4d3c-8b2a-1f0e9d8c7b6a",
            "notebook_id": "1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d",
            "account_id": null
        })),
        (status = 403, description = "`forbidden` : ni gestionnaire ni chargé d'orientation ; `cross_origin`, `cgu_required`.", body = carnet_http::openapi::ErrorBody),
        (status = 409, description = "`possible_duplicate` : un carnet existe peut-être déjà pour cette personne ; `details.duplicates` les désigne (`notebook_id`, `rule`).", body = carnet_http::openapi::ErrorBody),
        (status = 422, description = "`validation` ; `first_name`, `last_name` : `required`, `too_long` ; `birth_date` : `invalid`, `out_of_range` ; `nir`, `email`, `phone`, `postal_code` : `invalid` ; identifiants : `invalid`, `too_long` ; droits RSA : `unknown_code` ; `email` : `required` (pour ouvrir un compte), `email_taken` ; en-tête `Idempotency-Key` : `invalid`, `key_reused`.", body = carnet_http::openapi::ErrorBody),
    )
)]
pub async fn create(
    auth: Authenticated,
    request: IdempotentJson<BeneficiaryBody>,
) -> Result<Response, AppError> {
    let body = &request.body;
    let actor = Actor {
        account_id: auth.account_id,
        assignment: auth.assignment,
    };
    if !may_create_beneficiary(&actor) {
        return Err(AppError::forbidden(
            "forbidden",
            "Seuls les gestionnaires et les chargés d'orientation créent des bénéficiaires.",
        ));
    }
    if let Some(replay) = request.replay(&auth).await? {
        return Ok(replay);
    }
    let db = &auth.ctx.db;
    let today = auth.ctx.now.local_date(&auth.ctx.config.timezone);
    let new = validate(db, body, today).await?;
    request.write(&auth, StatusCode::CREATED, async || {
        if !body.confirm_different_person {
            let duplicates = carnets::find_duplicates(db, &new).await?;
            if !duplicates.is_empty() {
                return Err(AppError::Conflict {
                    code: "possible_duplicate",
                    message: "Un carnet existe peut-être déjà pour cette personne. Vérifiez-le, ou confirmez qu'il s'agit d'une autre personne.".into(),
                    details: Some(json!({ "duplicates": duplicates })),
                });
            }
        }
        let (beneficiary_id, notebook_id) = carnets::create(db, auth.ctx.now, &new, None).await?;
        timeline::record(
            db,
            auth.ctx.now,
            NewEvent {
                notebook_id,
                actor_account_id: Some(auth.account_id),
                event_type: "notebook_created",
                summary: "Création du carnet",
                before: None,
                after: None,
            },
        )
        .await?;
        auth.audit(
            "beneficiary_created",
            "notebook",
            notebook_id,
            Some(json!({ "confirmed_different_person": body.confirm_different_person })),
        )
        .await?;
        let mut account_id = None;
        if body.create_account {
            let email =
                Email::parse(new.email.as_deref().unwrap_or_default()).map_err(AppError::internal)?;
            if accounts::find_by_email(db, &email).await?.is_some() {
                return Err(AppError::Validation(vec![carnet_http::FieldError::new(
                    "email",
                    "email_taken",
                    "Cette adresse est déjà celle d'un autre compte.",
                )]));
            }
            let id = accounts::create(
                db,
                auth.ctx.now,
                accounts::NewAccount {
                    email: &email,
                    first_name: &new.first_name,
                    last_name: &new.last_name,
                    created_by: Some(auth.account_id),
                },
            )
            .await?;
            let assignment = Assignment::new(Role::Beneficiary, Scope::Beneficiary(beneficiary_id))
                .map_err(AppError::internal)?;
            accounts::grant(db, id, &assignment, auth.ctx.now, Some(auth.account_id)).await?;
            let page = format!("{}/connexion", auth.ctx.config.public_url);
            enqueue_content(
                db,
                auth.ctx.now,
                email.as_str(),
                &emails::account_created(&page, &auth.ctx.config.department_name),
            )
            .await?;
            auth.audit(
                "account_created",
                "account",
                id,
                Some(json!({ "role": "beneficiary" })),
            )
            .await?;
            account_id = Some(id);
        }
        Ok(BeneficiaryCreated {
            beneficiary_id,
            notebook_id,
            account_id,
        })
    }).await
}
