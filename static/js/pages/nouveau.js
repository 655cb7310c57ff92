// "Nouveau carnet": a beneficiary and their notebook. A possible duplicate (same NIR, same
// département identifier, or same names and birth date) is answered 409 with the existing
// notebooks: the page shows them, and « C'est une autre personne » sends the same data again
// with `confirm_different_person`. With an email, the beneficiary's account can be opened at once.
import * as api from "../api.js";
import { h, replace, field, bindSave, formValues, alertBox, referentiel, duplicateCheck } from "../ui.js";

// The API's rule (crates/domain/src/access.rs, may_create_beneficiary): managers and
// orientation managers create notebooks; other roles are told how to proceed.
const CREATORS = ["manager", "orientation_manager"];

export async function render(ctx) {
  ctx.setTitle("Nouveau carnet");
  if (!CREATORS.includes(ctx.role)) {
    replace(ctx.main,
      h("h1", {}, "Nouveau carnet"),
      alertBox("Les carnets sont créés par les chargés d'orientation et les gestionnaires du département, qui vérifient qu'il n'en existe pas déjà un pour la personne.", "info"),
      h("p", {}, "Recherchez d'abord la personne : si son carnet existe, vous pourrez le rejoindre depuis sa fiche. Sinon, demandez sa création à un chargé d'orientation du département."),
      h("p", {}, h("a", { href: "/recherche" }, "Rechercher un bénéficiaire")));
    return;
  }
  const ref = await referentiel();
  if (!ctx.isCurrent()) return;
  const coded = (list, empty) => [["", empty], ...(ref.coded_values[list] || []).map((v) => [v.code, v.label])];

  const accountField = field({
    label: "Ouvrir dès maintenant son compte Carnet de bord",
    name: "create_account",
    type: "checkbox",
    hint: "La personne recevra un courriel l'invitant à se connecter pour consulter son carnet.",
  });
  accountField.hidden = true;
  const emailField = field({ label: "Adresse électronique", name: "email", type: "email", autocomplete: "off", hint: "Facultative. Avec une adresse, vous pouvez ouvrir le compte de la personne." });
  const emailInput = emailField.querySelector("input");
  emailInput.addEventListener("input", () => {
    accountField.hidden = emailInput.value.trim() === "";
    if (accountField.hidden) accountField.querySelector("input").checked = false;
  });

  const form = h("form", { id: "form-nouveau-carnet" },
    h("p", {}, "Les champs marqués d'un astérisque (*) sont obligatoires."),
    h("fieldset", {},
      h("legend", { class: "legend-title" }, "Identité"),
      h("div", { class: "grid grid--2" },
        field({ label: "Prénom *", name: "first_name", required: true, autocomplete: "off" }),
        field({ label: "Nom *", name: "last_name", required: true, autocomplete: "off" })),
      h("div", { class: "grid grid--2" },
        field({ label: "Date de naissance", name: "birth_date", type: "date" }),
        field({ label: "Lieu de naissance", name: "birth_place" })),
      field({ label: "NIR (numéro de sécurité sociale)", name: "nir", hint: "15 caractères, sans espace ; facultatif." }),
      h("div", { class: "grid grid--3" },
        field({ label: "Identifiant départemental", name: "department_identifier" }),
        field({ label: "N° CAF/MSA", name: "caf_number" }),
        field({ label: "Identifiant France Travail", name: "ft_identifier" }))),
    h("fieldset", {},
      h("legend", { class: "legend-title" }, "Coordonnées"),
      h("div", { class: "grid grid--2" },
        emailField,
        field({ label: "Téléphone", name: "phone", type: "tel", autocomplete: "off", hint: "Par exemple : 06 12 34 56 78" })),
      accountField,
      field({ label: "Adresse", name: "address" }),
      h("div", { class: "grid grid--2" },
        field({ label: "Code postal", name: "postal_code", attributes: { inputmode: "numeric" } }),
        field({ label: "Ville", name: "city" }))),
    h("fieldset", {},
      h("legend", { class: "legend-title" }, "Droits"),
      field({ label: "Droit RSA", name: "rsa_right", options: coded("rsa_right", "— Non renseigné —") }),
      field({ label: "ARE (allocation d'aide au retour à l'emploi)", name: "are_right", type: "checkbox" }),
      field({ label: "ASS (allocation de solidarité spécifique)", name: "ass_right", type: "checkbox" }),
      field({ label: "Prime d'activité", name: "prime_activite", type: "checkbox" })),
    h("div", { class: "actions-bar" }, h("button", { type: "submit" }, "Créer le carnet")));
  const duplicates = duplicateCheck(form, { id: "doublons", confirmText: "C'est une autre personne : créer le carnet" });
  form.insertBefore(duplicates.zone, form.lastElementChild);

  const done = h("div", { id: "carnet-cree", tabindex: "-1" });
  bindSave(form, {
    busyText: "Création en cours…",
    body: (f) => {
      const values = formValues(f);
      const body = {};
      for (const [key, value] of Object.entries(values)) {
        if (value === null || value === false) continue;
        body[key] = value;
      }
      if (body.create_account && !body.email) delete body.create_account;
      return duplicates.mark(body);
    },
    send: (body, key) => duplicates.send(() => api.post("/api/write/beneficiaries", body, { idempotencyKey: key })),
    onSuccess: (created, body) => {
      if (duplicates.stopped(created)) return;
      const name = `${body.first_name} ${body.last_name}`;
      replace(done, h("div", { class: "alert alert--success" },
        h("p", {}, `Le carnet de ${name} est créé.`,
          created.account_id ? " Son compte est ouvert : un courriel l'invite à se connecter." : ""),
        h("p", {}, h("a", { href: `/carnets/${encodeURIComponent(created.notebook_id)}` }, `Ouvrir le carnet de ${name}`)),
        h("p", {}, h("a", { href: "/gestion/beneficiaires/nouveau" }, "Créer un autre carnet"))));
      form.remove();
      done.focus();
    },
  });

  replace(ctx.main,
    h("h1", {}, "Nouveau carnet"),
    h("p", {}, "Avant de créer un carnet, vérifiez que la personne n'en a pas déjà un : le service vous le signalera s'il trouve un carnet semblable."),
    form,
    done);
}
