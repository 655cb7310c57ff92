// The notebook page, part « Situation et droits »: identity and rights, the contract, the orientation, restoring an archived notebook.
// Methods of NotebookView (pages/carnet.js), which mixes them in; `this` is the view.
import * as api from "../../api.js";
import {
  h, field, bindSave, formValues, alertBox, formatDate, fullName, dispositifList as dispositifs,
  structureList as structures, phoneLink, problemMessage, duplicateCheck,
} from "../../ui.js";
import { labelOf, options, facts, yesNo, changedValues, disclosure } from "./outils.js";
import { orientationFields, orientationBody } from "../orientation-form.js";

export const situationPart = {
  /** The dispositifs and structures of the orientation form (or the problem that kept them away). */
  async orientationLists() {
    if (!this.mayOrient) return null;
    try {
      return await Promise.all([dispositifs(), structures()]);
    } catch (problem) {
      return problem;
    }
  },

  situation(orientationLists) {
    const { nb, ref } = this;
    const b = nb.beneficiary;
    const r = nb.rights;
    const c = nb.contract;
    const address = [b.address, [b.postal_code, b.city].filter(Boolean).join(" ")].filter(Boolean).join(", ");
    const section = h("section", { "aria-labelledby": "partie-titre" },
      h("h2", { id: "partie-titre" }, "Situation et droits"),
      h("h3", {}, "Identité"),
      facts([
        ["Nom", b.last_name],
        ["Prénom", b.first_name],
        ["Date de naissance", formatDate(b.birth_date)],
        ["Lieu de naissance", b.birth_place],
        "nir" in b ? ["NIR", b.nir] : null,
        ["Identifiant départemental", b.department_identifier],
        ["N° CAF/MSA", b.caf_number],
        ["Identifiant France Travail", b.ft_identifier],
      ]),
      h("h3", {}, "Coordonnées"),
      facts([
        ["Téléphone", b.phone ? phoneLink(b.phone) : null],
        ["Adresse électronique", b.email ? h("a", { href: `mailto:${b.email}` }, b.email) : null],
        ["Adresse", address],
      ]),
      h("h3", {}, "Droits"),
      facts([
        ["Droit RSA", labelOf(ref, "rsa_right", r.rsa_right)],
        r.rsa_closure_reason ? ["Motif de clôture", labelOf(ref, "rsa_closure_reason", r.rsa_closure_reason)] : null,
        r.rsa_suspension_reason ? ["Motif de suspension", labelOf(ref, "rsa_suspension_reason", r.rsa_suspension_reason)] : null,
        ["ARE", yesNo(r.are)],
        ["ASS", yesNo(r.ass)],
        ["Prime d'activité", yesNo(r.prime_activite)],
      ]),
      h("h3", { id: "contrat-titre", tabindex: "-1" }, "Contrat"),
      facts([
        ["Type de contrat", labelOf(ref, "notebook_contract_type", c.type)],
        ["Signé le", formatDate(c.sign_date)],
        ["Début", formatDate(c.start_date)],
        ["Fin", formatDate(c.end_date)],
      ]),
      this.canWrite ? this.contractForm() : null,
      h("h3", { id: "accompagnement-titre", tabindex: "-1" }, "Accompagnement"),
      facts([
        ["Dispositif", nb.orientation.dispositif ? nb.orientation.dispositif.name : null],
        ["Référent", this.referent ? `${fullName(this.referent)}${this.referent.structure ? ` (${this.referent.structure.name})` : ""}` : "Aucun référent"],
        ["Dernier contact individuel", formatDate(nb.last_contact_at)],
        ["Dernière activité", formatDate(nb.last_activity_at)],
        ["Carnet créé le", formatDate(nb.created_at)],
      ]),
      this.orientationBlock(orientationLists));
    if (this.isManager && !this.archived) section.insertBefore(this.identityForm(), section.querySelector("#contrat-titre"));
    if (this.archived && this.isManager) section.appendChild(this.restoreForm());
    return section;
  },

  /** Managers correct the identity and rights: only what changed is sent, with the version. */
  identityForm() {
    const { ref } = this;
    const b = this.nb.beneficiary;
    const r = this.nb.rights;
    const current = {
      first_name: b.first_name, last_name: b.last_name, birth_date: b.birth_date, birth_place: b.birth_place,
      nir: b.nir, department_identifier: b.department_identifier, caf_number: b.caf_number, ft_identifier: b.ft_identifier,
      rsa_right: r.rsa_right, rsa_closure_reason: r.rsa_closure_reason, rsa_suspension_reason: r.rsa_suspension_reason,
      are_right: r.are, ass_right: r.ass, prime_activite: r.prime_activite,
    };
    const form = h("form", { id: "form-identite" },
      h("div", { class: "grid grid--2" },
        field({ label: "Prénom", name: "first_name", value: b.first_name, required: true }),
        field({ label: "Nom", name: "last_name", value: b.last_name, required: true })),
      h("div", { class: "grid grid--2" },
        field({ label: "Date de naissance", name: "birth_date", type: "date", value: b.birth_date || "" }),
        field({ label: "Lieu de naissance", name: "birth_place", value: b.birth_place || "" })),
      field({ label: "NIR", name: "nir", value: b.nir || "" }),
      h("div", { class: "grid grid--3" },
        field({ label: "Identifiant départemental", name: "department_identifier", value: b.department_identifier || "" }),
        field({ label: "N° CAF/MSA", name: "caf_number", value: b.caf_number || "" }),
        field({ label: "Identifiant France Travail", name: "ft_identifier", value: b.ft_identifier || "" })),
      field({ label: "Droit RSA", name: "rsa_right", value: r.rsa_right || "", options: options(ref, "rsa_right") }),
      field({ label: "Motif de clôture", name: "rsa_closure_reason", value: r.rsa_closure_reason || "", options: options(ref, "rsa_closure_reason") }),
      field({ label: "Motif de suspension", name: "rsa_suspension_reason", value: r.rsa_suspension_reason || "", options: options(ref, "rsa_suspension_reason") }),
      field({ label: "ARE", name: "are_right", type: "checkbox", value: r.are }),
      field({ label: "ASS", name: "ass_right", type: "checkbox", value: r.ass }),
      field({ label: "Prime d'activité", name: "prime_activite", type: "checkbox", value: r.prime_activite }),
      h("div", { class: "actions-bar" }, h("button", { type: "submit" }, "Enregistrer l'identité et les droits")));
    // A new NIR, département identifier, names or birth date may make the person look like
    // another one: the API answers with those notebooks, as at creation.
    const duplicates = duplicateCheck(form, { id: "doublons-identite", confirmText: "C'est une autre personne : enregistrer" });
    form.insertBefore(duplicates.zone, form.lastElementChild);
    // Emptied, these are cleared by the API (names: it answers that they are required).
    const clearable = new Set(["first_name", "last_name", "birth_place", "department_identifier", "caf_number", "ft_identifier"]);
    bindSave(form, {
      body: (f) => duplicates.mark({ version: this.nb.version, ...changedValues(formValues(f), current, clearable) }),
      send: (body) => duplicates.send(() => api.patch(this.url("/identity"), body)),
      onSuccess: (saved) => {
        if (duplicates.stopped(saved)) return;
        return this.reload("#partie-titre", "Identité et droits enregistrés.");
      },
    });
    return disclosure("Modifier l'identité et les droits", form);
  },

  contractForm() {
    const { nb, ref } = this;
    const c = nb.contract;
    const form = h("form", { id: "form-contrat" },
      field({ label: "Type de contrat", name: "contract_type", value: c.type || "", options: options(ref, "notebook_contract_type", { empty: "— Choisir —" }) }),
      h("div", { class: "grid grid--3" },
        field({ label: "Date de signature", name: "contract_sign_date", type: "date", value: c.sign_date || "" }),
        field({ label: "Date de début", name: "contract_start_date", type: "date", value: c.start_date || "" }),
        field({ label: "Date de fin", name: "contract_end_date", type: "date", value: c.end_date || "" })),
      h("div", { class: "actions-bar" }, h("button", { type: "submit" }, "Enregistrer le contrat")));
    const before = { contract_type: c.type, contract_sign_date: c.sign_date, contract_start_date: c.start_date, contract_end_date: c.end_date };
    bindSave(form, {
      body: (f) => ({ version: this.nb.version, ...changedValues(formValues(f), before, new Set(Object.keys(before))) }),
      send: (body) => api.patch(this.url("/diagnostic"), body),
      onSuccess: () => this.reload("#contrat-titre", "Contrat enregistré."),
    });
    return disclosure("Modifier le contrat", form);
  },

  orientationBlock(orientationLists) {
    const pending = this.nb.orientation.pending_request;
    const block = h("div", {});
    if (this.mayOrient) block.appendChild(this.orientForm(orientationLists));
    if (pending) {
      block.prepend(alertBox(`Une demande de réorientation est en attente depuis le ${formatDate(pending.created_at)}.`, "info"));
      return block;
    }
    if (!this.isReferent) return block;
    const form = h("form", { id: "form-reorientation" },
      field({ label: "Motif de la demande", name: "reason", type: "textarea", required: true, hint: "Ce motif est lu par les chargés d'orientation ; il n'est envoyé par aucun courriel." }),
      field({ label: "Dispositif suggéré (facultatif)", name: "suggested_dispositif_id", options: [["", "— Aucune suggestion —"]] }),
      h("div", { class: "actions-bar" }, h("button", { type: "submit" }, "Envoyer la demande")));
    dispositifs().then((list) => {
      const select = form.elements.namedItem("suggested_dispositif_id");
      list.forEach((d) => select.appendChild(h("option", { value: d.id }, d.name)));
    }).catch(() => {});
    bindSave(form, {
      send: (body, key) => api.post(this.url("/orientation-requests"), body, { idempotencyKey: key }),
      onSuccess: () => this.reload("#accompagnement-titre", "Demande de réorientation envoyée aux chargés d'orientation."),
    });
    block.appendChild(disclosure("Demander une réorientation", form));
    return block;
  },

  /** An orientation manager orients the notebook: dispositif, structure, then the referent. */
  orientForm(lists) {
    const title = this.referent ? "Réorienter ce carnet" : "Orienter ce carnet";
    if (!lists || lists instanceof Error) {
      return alertBox(`${title} : les listes de dispositifs et de structures ne sont pas disponibles (${problemMessage(lists)}). Rechargez la page pour réessayer.`, "error");
    }
    const [dispositifList, structureList] = lists;
    const form = h("form", { id: "form-orientation" },
      h("p", {}, this.referent
        ? `Le référent actuel, ${fullName(this.referent)}, restera membre du carnet. Le nouveau référent et la personne accompagnée sont prévenus par courriel.`
        : "Ce carnet n'a pas de référent : choisissez le dispositif d'accompagnement et le professionnel qui suivra la personne. Il est prévenu par courriel."),
      orientationFields({
        dispositifs: dispositifList,
        structures: structureList,
        dispositifId: this.nb.orientation.dispositif ? this.nb.orientation.dispositif.id : "",
        labels: { dispositif: "Dispositif d'accompagnement", structure: "Structure du référent", referent: "Référent" },
      }),
      h("div", { class: "actions-bar" }, h("button", { type: "submit" }, "Enregistrer l'orientation")));
    bindSave(form, {
      body: (f) => orientationBody(formValues(f)),
      send: (body, key) => api.post(this.url("/orientation"), body, { idempotencyKey: key }),
      onSuccess: () => {
        const select = (name) => form.elements.namedItem(name);
        const chosen = (name) => select(name).selectedOptions[0].textContent.split(" — ")[0];
        return this.reload("#accompagnement-titre",
          `Orientation enregistrée : ${chosen("referent_account_id")} est le référent du carnet (${chosen("dispositif_id")}).`);
      },
    });
    return disclosure(title, form);
  },

  restoreForm() {
    const form = h("form", { id: "form-restauration", class: "card" },
      h("h3", {}, "Restaurer ce carnet"),
      field({ label: "Motif de la restauration", name: "reason", type: "textarea", required: true }),
      h("div", { class: "actions-bar" }, h("button", { type: "submit" }, "Restaurer le carnet")));
    bindSave(form, {
      send: (body) => api.post(this.url("/restore"), body),
      onSuccess: () => this.reload(null, "Le carnet est restauré."),
    });
    return form;
  },
};
