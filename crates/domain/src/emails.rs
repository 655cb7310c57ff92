//! Email contents, in plain French, carrying nothing sensitive: no reason, no health or social
//! detail, no address — a link at most (its token in the URL fragment, which browsers never send
//! to a server).

pub struct EmailContent {
    pub template: &'static str,
    pub subject: String,
    pub text: String,
    pub html: String,
}

fn html_escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

fn compose(
    template: &'static str,
    subject: &str,
    paragraphs: &[String],
    link: Option<(&str, &str)>,
) -> EmailContent {
    let mut text = paragraphs.join("\n\n");
    let mut html: String = paragraphs
        .iter()
        .map(|p| format!("<p>{}</p>", html_escape(p)))
        .collect();
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
    EmailContent {
        template,
        subject: subject.to_string(),
        text,
        html,
    }
}

pub fn sign_in_link(link: &str, minutes: i64) -> EmailContent {
    compose(
        "sign_in",
        "Votre lien de connexion à Carnet de bord",
        &[
            "Bonjour,".to_string(),
            format!("Voici votre lien de connexion à Carnet de bord. Il est valable {minutes} minutes et ne sert qu'une fois."),
            "Si vous n'avez pas demandé à vous connecter, ignorez ce message.".to_string(),
        ],
        Some(("Se connecter", link)),
    )
}

pub fn account_created(sign_in_page: &str, department: &str) -> EmailContent {
    compose(
        "account_created",
        "Votre compte Carnet de bord",
        &[
            "Bonjour,".to_string(),
            format!("Un compte Carnet de bord ({department}) a été ouvert à votre nom. Pour vous connecter, saisissez votre adresse électronique sur la page de connexion : vous recevrez un lien."),
        ],
        Some(("Page de connexion", sign_in_page)),
    )
}

pub fn confirm_new_email(link: &str) -> EmailContent {
    compose(
        "email_change",
        "Confirmez votre nouvelle adresse",
        &[
            "Bonjour,".to_string(),
            "Pour utiliser cette adresse pour vous connecter à Carnet de bord, confirmez-la avec le lien ci-dessous (valable 24 heures).".to_string(),
        ],
        Some(("Confirmer cette adresse", link)),
    )
}

pub fn email_changed() -> EmailContent {
    compose(
        "email_changed",
        "Votre adresse de connexion a changé",
        &[
            "Bonjour,".to_string(),
            "L'adresse de connexion de votre compte Carnet de bord vient d'être remplacée. Si vous n'en êtes pas à l'origine, prévenez votre référent ou le gestionnaire de votre département.".to_string(),
        ],
        None,
    )
}

pub fn invited_to_notebook(link: &str) -> EmailContent {
    compose(
        "notebook_invitation",
        "Vous avez été ajouté·e à un carnet",
        &[
            "Bonjour,".to_string(),
            "Un collègue vous a ajouté·e comme membre d'un carnet de bord. Connectez-vous pour le consulter.".to_string(),
        ],
        Some(("Ouvrir Carnet de bord", link)),
    )
}

/// Orientation decided or kept: no reason, no detail — "connectez-vous pour le voir".
pub fn orientation_update(link: &str) -> EmailContent {
    compose(
        "orientation",
        "Du nouveau sur un accompagnement",
        &[
            "Bonjour,".to_string(),
            "Une décision d'orientation a été enregistrée. Connectez-vous pour la consulter."
                .to_string(),
        ],
        Some(("Ouvrir Carnet de bord", link)),
    )
}

/// The day-before reminder: when, and a link; for a beneficiary also the opt-out link.
pub fn rendez_vous_reminder(when: &str, link: &str, opt_out: Option<&str>) -> EmailContent {
    let mut paragraphs = vec![
        "Bonjour,".to_string(),
        format!("Vous avez un rendez-vous le {when}, connectez-vous pour le voir."),
    ];
    if let Some(opt_out) = opt_out {
        paragraphs.push(format!("Pour ne plus recevoir ces rappels : {opt_out}"));
    }
    compose(
        "rendez_vous_reminder",
        "Rappel : un rendez-vous demain",
        &paragraphs,
        Some(("Ouvrir Carnet de bord", link)),
    )
}

pub fn overdue_digest(count: i64, link: &str) -> EmailContent {
    let what = if count == 1 {
        "1 action a dépassé son échéance".to_string()
    } else {
        format!("{count} actions ont dépassé leur échéance")
    };
    compose(
        "overdue_digest",
        "Votre point de la semaine",
        &[
            "Bonjour,".to_string(),
            format!(
                "Dans les carnets dont vous êtes référent, {what}. Connectez-vous pour les voir."
            ),
        ],
        Some(("Ouvrir Carnet de bord", link)),
    )
}

pub fn unassigned_digest(count: i64, link: &str) -> EmailContent {
    let what = if count == 1 {
        "1 nouveau bénéficiaire n'a".to_string()
    } else {
        format!("{count} nouveaux bénéficiaires n'ont")
    };
    compose(
        "unassigned_digest",
        "Nouveaux bénéficiaires sans référent",
        &[
            "Bonjour,".to_string(),
            format!("Aujourd'hui, {what} pas encore de référent. Connectez-vous pour les voir."),
        ],
        Some(("Ouvrir Carnet de bord", link)),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails_escape_html_and_carry_the_link() {
        let email = sign_in_link("https://x.fr/connexion/confirmer#jeton=a&b", 15);
        assert!(email
            .text
            .contains("https://x.fr/connexion/confirmer#jeton=a&b"));
        assert!(email.html.contains("jeton=a&amp;b"));
        assert!(email.text.contains("15 minutes"));
    }
}
