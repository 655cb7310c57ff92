//! The emails this component queues. Plain French, nothing sensitive: no reason, no detail, the
//! link only (its token sits in the URL fragment, which browsers never send to a server).

use carnet_domain::Instant;
use carnet_store::repo::outbox::{self, NewEmail};
use carnet_store::{Db, StoreError};

fn html_escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

async fn queue(
    db: &Db,
    now: Instant,
    template: &str,
    recipient: &str,
    subject: &str,
    paragraphs: &[String],
    link: Option<(&str, &str)>,
) -> Result<(), StoreError> {
    let mut text = paragraphs.join("\n\n");
    let mut html = paragraphs
        .iter()
        .map(|p| format!("<p>{}</p>", html_escape(p)))
        .collect::<String>();
    if let Some((label, url)) = link {
        text.push_str(&format!("\n\n{label} : {url}"));
        html.push_str(&format!(
            "<p><a href=\"{}\">{}</a></p>",
            html_escape(url),
            html_escape(label)
        ));
    }
    text.push_str("\n\n— Carnet de bord");
    html.push_str("<p>— Carnet de bord</p>");
    outbox::enqueue(
        db,
        now,
        NewEmail {
            template,
            recipient,
            subject,
            body_text: &text,
            body_html: &html,
        },
    )
    .await
    .map(|_| ())
}

pub async fn sign_in_link(
    db: &Db,
    now: Instant,
    recipient: &str,
    link: &str,
    minutes: i64,
) -> Result<(), StoreError> {
    queue(
        db,
        now,
        "sign_in",
        recipient,
        "Votre lien de connexion à Carnet de bord",
        &[
            "Bonjour,".to_string(),
            format!("Voici votre lien de connexion à Carnet de bord. Il est valable {minutes} minutes et ne sert qu'une fois."),
            "Si vous n'avez pas demandé à vous connecter, ignorez ce message.".to_string(),
        ],
        Some(("Se connecter", link)),
    )
    .await
}

pub async fn account_created(
    db: &Db,
    now: Instant,
    recipient: &str,
    sign_in_page: &str,
    department: &str,
) -> Result<(), StoreError> {
    queue(
        db,
        now,
        "account_created",
        recipient,
        "Votre compte Carnet de bord",
        &[
            "Bonjour,".to_string(),
            format!("Un compte Carnet de bord ({department}) a été ouvert à votre nom. Pour vous connecter, saisissez votre adresse électronique sur la page de connexion : vous recevrez un lien."),
        ],
        Some(("Page de connexion", sign_in_page)),
    )
    .await
}

pub async fn confirm_new_email(
    db: &Db,
    now: Instant,
    recipient: &str,
    link: &str,
) -> Result<(), StoreError> {
    queue(
        db,
        now,
        "email_change",
        recipient,
        "Confirmez votre nouvelle adresse",
        &[
            "Bonjour,".to_string(),
            "Pour utiliser cette adresse pour vous connecter à Carnet de bord, confirmez-la avec le lien ci-dessous (valable 24 heures).".to_string(),
        ],
        Some(("Confirmer cette adresse", link)),
    )
    .await
}

pub async fn email_changed(db: &Db, now: Instant, recipient: &str) -> Result<(), StoreError> {
    queue(
        db,
        now,
        "email_changed",
        recipient,
        "Votre adresse de connexion a changé",
        &[
            "Bonjour,".to_string(),
            "L'adresse de connexion de votre compte Carnet de bord vient d'être remplacée. Si vous n'en êtes pas à l'origine, prévenez votre référent ou le gestionnaire de votre département.".to_string(),
        ],
        None,
    )
    .await
}
