//! Beneficiaries come in: a manager or an orientation manager creates a beneficiary and their
//! notebook. A possible duplicate (same NIR, same département identifier, or same names and
//! birth date, accents and case aside) gets 409 pointing to the existing notebook, unless
//! confirmed as a different person. With an email, their account can be opened at once.

use axum::http::StatusCode;
use axum::response::Response;
use carnet_domain::access::{may_create_beneficiary, Actor};
use carnet_domain::roles::{Assignment, Role, Scope};
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
use serde::Deserialize;
use serde_json::json;

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct BeneficiaryBody {
    first_name: Option<String>,
    last_name: Option<String>,
    birth_date: Option<String>,
    birth_place: Option<String>,
    nir: Option<String>,
    department_identifier: Option<String>,
    caf_number: Option<String>,
    ft_identifier: Option<String>,
    email: Option<String>,
    phone: Option<String>,
    address: Option<String>,
    postal_code: Option<String>,
    city: Option<String>,
    rsa_right: Option<String>,
    rsa_closure_reason: Option<String>,
    rsa_suspension_reason: Option<String>,
    #[serde(default)]
    are_right: bool,
    #[serde(default)]
    ass_right: bool,
    #[serde(default)]
    prime_activite: bool,
    /// Set after a 409: "this is a different person".
    #[serde(default)]
    confirm_different_person: bool,
    /// Open the beneficiary's account now (needs an email).
    #[serde(default)]
    create_account: bool,
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

/// `POST /api/write/beneficiaries` → 201 {beneficiary_id, notebook_id, account_id?}.
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
            account_id = Some(id.to_string());
        }
        let response = json!({
            "beneficiary_id": beneficiary_id.to_string(),
            "notebook_id": notebook_id.to_string(),
            "account_id": account_id,
        });
        Ok(response)
    }).await
}
