// One notebook, as the API shows it to the caller: the full view (situation and rights,
// diagnostic, plan d'action, rendez-vous, historique, membres) or the restricted card. What can be
// changed follows the write policy (crates/domain/src/access.rs): an active member (professional
// or orientation manager) writes the content; the referent asks for a re-orientation; a
// structure admin manages the rendez-vous and the referent among their structure's
// professionals; a manager reads (and restores an archived notebook). The API decides in the
// end: a refused write shows its message next to the form.
import * as api from "../api.js";
import {
  h, replace, field, bindSave, formValues, alertBox, pagination, announce,
  formatDate, formatDateTime, toLocalInput, fullName, showFieldError, showFormMessage,
  referentiel, dispositifList as dispositifs, structureList as structures, professionalsOf,
  tableRegion, phoneLink, fieldError, runAction, messageZone, problemMessage, duplicateCheck,
} from "../ui.js";
import { orientationFields, orientationBody } from "./orientation-form.js";

const TABS = [
  ["situation", "Situation et droits"],
  ["diagnostic", "Diagnostic"],
  ["plan", "Plan d'action"],
  ["rendez-vous", "Rendez-vous"],
  ["historique", "Historique"],
  ["membres", "Membres"],
];

const EVENT_TYPES = [
  ["notebook_created", "Création du carnet"],
  ["focus_added", "Axe de travail ajouté"],
  ["focus_deleted", "Axe de travail supprimé"],
  ["objectif_added", "Objectif ajouté"],
  ["objectif_updated", "Objectif modifié"],
  ["objectif_deleted", "Objectif supprimé"],
  ["action_added", "Action ajoutée"],
  ["action_updated", "Action modifiée"],
  ["action_deleted", "Action supprimée"],
  ["rendez_vous_created", "Rendez-vous prévu"],
  ["rendez_vous_updated", "Rendez-vous mis à jour"],
  ["rendez_vous_cancelled", "Rendez-vous annulé"],
  ["contact_recorded", "Contact individuel"],
  ["diagnostic_updated", "Diagnostic mis à jour"],
  ["situation_added", "Situation ajoutée"],
  ["situation_removed", "Situation retirée"],
  ["job_project_added", "Projet professionnel ajouté"],
  ["job_project_updated", "Projet professionnel modifié"],
  ["job_project_deleted", "Projet professionnel supprimé"],
  ["member_joined", "Nouveau membre"],
  ["member_invited", "Membre invité"],
  ["member_left", "Départ d'un membre"],
  ["referent_changed", "Changement de référent"],
  ["oriented", "Orientation"],
  ["reorientation_requested", "Demande de réorientation"],
  ["reorientation_decided", "Décision de réorientation"],
  ["identity_updated", "Identité modifiée"],
  ["contact_details_updated", "Coordonnées modifiées"],
  ["notebook_archived", "Archivage"],
  ["restored", "Restauration"],
];

/** The notebook shown last: moving between its parts keeps the reader in the part. */
let lastNotebookId = null;

export async function render(ctx) {
  if (ctx.role === "beneficiary") {
    ctx.navigate("/mon-carnet", { replace: true });
    return;
  }
  const id = ctx.params.id;
  const [notebook, ref] = await Promise.all([api.get(`/api/carnets/${encodeURIComponent(id)}`), referentiel()]);
  if (!ctx.isCurrent()) return;
  const sameNotebook = lastNotebookId === id;
  lastNotebookId = id;
  // Another notebook: the structures' professionals (to invite one) are read afresh.
  if (!sameNotebook) professionalsOf.reset();
  const view = new NotebookView(ctx, notebook, ref);
  await view.draw();
  // Moving between parts (or filtering the history) keeps the reader where they act; opening
  // the notebook starts at its title (the router's default).
  const target = view.focusHandled ? null : view.focusAfterDraw
    ? ctx.main.querySelector(view.focusAfterDraw)
    : sameNotebook && ctx.query.get("onglet") ? view.partHeading : null;
  if (target) {
    ctx.main.dataset.keepFocus = "1";
    target.focus();
  }
}

// ---------------------------------------------------------------------------------------------
// Small helpers

function labelOf(ref, list, code) {
  if (!code) return null;
  const found = (ref.coded_values[list] || []).find((value) => value.code === code);
  return found ? found.label : code;
}

function options(ref, list, { empty = "— Non renseigné —" } = {}) {
  const values = (ref.coded_values[list] || []).map((value) => [value.code, value.label]);
  return empty === null ? values : [["", empty], ...values];
}

function facts(pairs) {
  return h("dl", { class: "facts" }, pairs.filter(Boolean).flatMap(([term, value]) =>
    [h("dt", {}, term), h("dd", {}, value === null || value === undefined || value === "" ? h("span", { class: "muted" }, "Non renseigné") : value)]));
}

function yesNo(value) {
  return value ? "Oui" : "Non";
}

/** Today in the instance's time zone, as YYYY-MM-DD. */
function today(zone) {
  const parts = Object.fromEntries(new Intl.DateTimeFormat("en-CA", { timeZone: zone || undefined, year: "numeric", month: "2-digit", day: "2-digit" })
    .formatToParts(new Date()).map((p) => [p.type, p.value]));
  return `${parts.year}-${parts.month}-${parts.day}`;
}

/** The offset (ms) of a time zone at an instant. */
function zoneOffset(zone, at) {
  const parts = Object.fromEntries(new Intl.DateTimeFormat("en-US", {
    timeZone: zone || undefined, hourCycle: "h23", year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit", second: "2-digit",
  }).formatToParts(new Date(at)).map((p) => [p.type, p.value]));
  const wall = Date.UTC(+parts.year, +parts.month - 1, +parts.day, +parts.hour % 24, +parts.minute, +parts.second);
  return wall - Math.floor(at / 1000) * 1000;
}

/**
 * The value of an <input type="datetime-local"> (wall-clock time in the instance's zone) → an
 * RFC 3339 instant in UTC, which the API accepts. Null when the value is not a date and time.
 */
export function localInputToInstant(value, zone) {
  const match = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})$/.exec(value || "");
  if (!match) return null;
  const wall = Date.UTC(+match[1], +match[2] - 1, +match[3], +match[4], +match[5]);
  let instant = wall - zoneOffset(zone, wall);
  instant = wall - zoneOffset(zone, instant);
  return new Date(instant).toISOString();
}

let uid = 0;
function nextId(prefix) {
  return `${prefix}-${++uid}`;
}

/** The work situation's fields that may be emptied (the RQTH is a yes or no). */
const WORK_SITUATION_CLEARABLE = new Set(["work_situation", "work_situation_date", "work_situation_end_date", "education_level"]);

/**
 * What a correction form changes: the values that differ from `before`. An emptied field is sent
 * as "" where the API clears it (`clearable`); elsewhere the API keeps the old value, so emptying
 * is refused next to the field rather than silently ignored.
 */
function changedValues(values, before, clearable = new Set()) {
  const body = {};
  for (const [key, value] of Object.entries(values)) {
    const old = before[key] ?? null;
    if (value === old || (typeof value === "boolean" && value === !!old)) continue;
    if (value === null) {
      if (!clearable.has(key)) throw fieldError(key, "Cette information ne peut pas être effacée, seulement corrigée : indiquez la bonne valeur.");
      body[key] = "";
    } else {
      body[key] = value;
    }
  }
  return body;
}

/** A disclosure holding a form ("Ajouter une action"). */
function disclosure(summary, ...content) {
  return h("details", { class: "disclosure" }, h("summary", {}, summary), h("div", { class: "disclosure__body" }, content));
}

/** The label of a reference item typed in an <input list>: its code if it is one of the list. */
function matchReference(items, text) {
  const wanted = (text || "").trim().toLocaleLowerCase("fr");
  return items.find((item) => item.label.trim().toLocaleLowerCase("fr") === wanted) || null;
}

/** An <input list> field with its datalist (searchable list that still accepts free text). */
function listField({ label, name, items, hint, required }) {
  const listId = nextId("liste");
  const wrapper = field({ label, name, hint, required, attributes: { list: listId, autocomplete: "off" } });
  wrapper.appendChild(h("datalist", { id: listId }, items.map((item) => h("option", { value: item.label }))));
  return wrapper;
}

// ---------------------------------------------------------------------------------------------

class NotebookView {
  constructor(ctx, notebook, ref) {
    this.ctx = ctx;
    this.ref = ref;
    this.partHeading = null;
    this.setNotebook(notebook);
    const wanted = ctx.query.get("onglet");
    this.tab = TABS.some(([key]) => key === wanted) ? wanted : "situation";
  }

  setNotebook(notebook) {
    this.nb = notebook;
    const me = this.ctx.session.me;
    const role = this.ctx.role;
    const myId = me.account.id;
    this.myStructure = me.active_role && me.active_role.structure ? me.active_role.structure : null;
    this.member = notebook.members.find((m) => m.account_id === myId) || null;
    this.referent = notebook.members.find((m) => m.member_type === "referent") || null;
    const archived = !!notebook.archived_at;
    const full = notebook.view === "full";
    const worker = role === "professional" || role === "orientation_manager";
    this.archived = archived;
    this.full = full;
    /** Diagnostic, plan, contacts, members, rendez-vous. */
    this.canWrite = full && worker && !!this.member && !archived;
    this.isReferent = this.canWrite && this.member.member_type === "referent";
    this.mayJoin = worker && !this.member && !archived;
    this.isStructureAdmin = role === "structure_admin" && !archived && full;
    this.isManager = role === "manager";
    /** Orientation managers orient the notebook: dispositif and referent. */
    this.mayOrient = role === "orientation_manager" && full && !archived;
  }

  get id() {
    return this.nb.id;
  }

  url(path) {
    return `/api/write/carnets/${encodeURIComponent(this.id)}${path}`;
  }

  /** Reads the notebook again and redraws; `focus` then says where the reader goes. */
  async reload(focus, message) {
    const notebook = await api.get(`/api/carnets/${encodeURIComponent(this.id)}`);
    if (!this.ctx.isCurrent()) return;
    this.setNotebook(notebook);
    await this.draw();
    let target = null;
    if (typeof focus === "function") target = focus();
    else if (typeof focus === "string") target = this.ctx.main.querySelector(focus);
    if (message) {
      // Said once, by the live region; shown here for the eyes.
      const box = h("div", { class: "alert alert--success", tabindex: "-1" }, message);
      this.flash.replaceChildren(box);
      if (!target) target = box;
      announce(message);
    }
    (target || this.partHeading).focus();
  }

  async draw() {
    const nb = this.nb;
    const b = nb.beneficiary;
    const name = `${b.first_name} ${b.last_name.toUpperCase()}`;
    this.flash = h("div", { class: "flash" });
    if (nb.view !== "full") {
      this.ctx.setTitle(`Carnet de ${b.first_name} ${b.last_name} (fiche restreinte)`);
      replace(this.ctx.main, h("h1", {}, name), ...(await this.card()));
      return;
    }
    const tabLabel = TABS.find(([key]) => key === this.tab)[1];
    this.ctx.setTitle(`${tabLabel} – carnet de ${b.first_name} ${b.last_name}`);
    const header = [
      h("h1", {}, name),
      h("p", { class: "carnet-meta" },
        b.birth_date ? `Né(e) le ${formatDate(b.birth_date)}` : "Date de naissance non renseignée",
        " · Référent : ", this.referent ? fullName(this.referent) : "aucun",
        nb.orientation && nb.orientation.dispositif ? ` · ${nb.orientation.dispositif.name}` : ""),
    ];
    if (this.archived) {
      header.push(alertBox(`Ce carnet est archivé depuis le ${formatDate(nb.archived_at)} : il est en lecture seule.`, "warning"));
    } else if (!this.member && (this.ctx.role === "professional" || this.ctx.role === "orientation_manager")) {
      header.push(h("div", { class: "alert alert--info" },
        h("p", {}, "Vous n'êtes pas membre de ce carnet : vous pouvez le consulter, pas le modifier."),
        this.joinButtons()));
    }
    const tabs = h("nav", { "aria-label": "Parties du carnet" },
      h("ul", { class: "tabs" }, TABS.map(([key, label]) => h("li", {},
        h("a", { href: `/carnets/${encodeURIComponent(this.id)}?onglet=${key}`, "aria-current": key === this.tab ? "page" : null }, label)))));
    let part;
    switch (this.tab) {
      case "diagnostic": part = this.diagnostic(); break;
      case "plan": part = this.plan(); break;
      case "rendez-vous": part = this.rendezVous(); break;
      case "historique": part = await this.history(); break;
      case "membres": part = this.members(); break;
      default: part = this.situation(await this.orientationLists());
    }
    part.classList.add("carnet-part");
    this.partHeading = part.querySelector("h2");
    if (this.partHeading) this.partHeading.setAttribute("tabindex", "-1");
    replace(this.ctx.main, header, tabs, this.flash, part);
    const after = this.afterDraw || [];
    this.afterDraw = [];
    after.forEach((callback) => callback());
  }

  // -------------------------------------------------------------------------------------------
  // Restricted card, joining

  async card() {
    const nb = this.nb;
    const content = [
      h("p", {}, nb.beneficiary.birth_date ? `Né(e) le ${formatDate(nb.beneficiary.birth_date)}` : "Date de naissance non renseignée"),
      alertBox("Vous n'êtes pas membre de ce carnet : seule sa fiche restreinte est visible (identité et accompagnants). Rejoignez-le pour voir et compléter son diagnostic, son plan d'action et ses rendez-vous.", "info"),
      this.flash,
      h("h2", {}, "Accompagnants et comment les joindre"),
      this.memberList(false),
    ];
    if (this.mayJoin) {
      content.push(h("h2", {}, "Rejoindre ce carnet"), this.joinButtons());
      if (!this.referent && this.ctx.role === "professional") content.push(await this.becomeReferentForm());
    }
    return content;
  }

  joinButtons() {
    const join = async (key) => {
      try {
        await api.post(this.url("/members/self"), { member_type: "member" }, { idempotencyKey: key });
      } catch (problem) {
        if (!(problem instanceof api.ApiError && problem.code === "already_member")) throw problem;
      }
    };
    const button = h("button", {
      type: "button", onclick: () => this.act(button, join, null, "Vous êtes maintenant membre de ce carnet."),
    }, "Rejoindre ce carnet");
    return h("div", { class: "actions-bar" }, button);
  }

  async becomeReferentForm() {
    const list = await dispositifs().catch(() => []);
    const form = h("form", { class: "card" },
      h("h3", {}, "Devenir son référent"),
      h("p", {}, "Ce carnet n'a pas de référent. Vous pouvez le devenir en indiquant le dispositif d'accompagnement."),
      field({ label: "Dispositif d'accompagnement", name: "dispositif_id", required: true, options: [["", "— Choisir —"], ...list.map((d) => [d.id, d.name])] }),
      h("div", { class: "actions-bar" }, h("button", { type: "submit", class: "secondary" }, "Devenir référent")));
    bindSave(form, {
      body: (f) => {
        const dispositifId = f.elements.namedItem("dispositif_id").value;
        if (!dispositifId) throw fieldError("dispositif_id", "Choisissez le dispositif d'accompagnement.");
        return { member_type: "referent", dispositif_id: dispositifId };
      },
      send: (body, key) => api.post(this.url("/members/self"), body, { idempotencyKey: key }),
      onSuccess: () => this.reload(null, "Vous êtes maintenant le référent de ce carnet."),
    });
    return form;
  }

  // -------------------------------------------------------------------------------------------
  // Situation et droits

  /** The dispositifs and structures of the orientation form (or the problem that kept them away). */
  async orientationLists() {
    if (!this.mayOrient) return null;
    try {
      return await Promise.all([dispositifs(), structures()]);
    } catch (problem) {
      return problem;
    }
  }

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
  }

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
  }

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
  }

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
  }

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
  }

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
  }

  // -------------------------------------------------------------------------------------------
  // Diagnostic

  diagnostic() {
    const { nb, ref } = this;
    const d = nb.diagnostic;
    const section = h("section", { "aria-labelledby": "partie-titre" },
      h("h2", { id: "partie-titre" }, "Diagnostic socio-professionnel"),
      h("h3", { id: "situation-pro-titre", tabindex: "-1" }, "Situation professionnelle"),
      facts([
        ["Situation", labelOf(ref, "work_situation", d.work_situation)],
        ["Depuis le", formatDate(d.work_situation_date)],
        ["Jusqu'au", formatDate(d.work_situation_end_date)],
        ["RQTH", yesNo(d.rqth)],
        ["Niveau de formation", labelOf(ref, "education_level", d.education_level)],
      ]),
      this.canWrite ? this.workSituationForm() : null,
      h("h3", { id: "situations-titre", tabindex: "-1" }, "Situations par thème"),
      this.situationsByTheme(),
      this.canWrite ? this.addSituationForm() : null,
      h("h3", { id: "projets-titre", tabindex: "-1" }, "Projets professionnels"),
      this.jobProjects(),
      this.canWrite ? this.addJobProjectForm() : null);
    return section;
  }

  workSituationForm() {
    const { nb, ref } = this;
    const d = nb.diagnostic;
    const form = h("form", { id: "form-situation-pro" },
      field({ label: "Situation professionnelle", name: "work_situation", value: d.work_situation || "", options: options(ref, "work_situation", { empty: "— Choisir —" }) }),
      h("div", { class: "grid grid--2" },
        field({ label: "Depuis le", name: "work_situation_date", type: "date", value: d.work_situation_date || "" }),
        field({ label: "Jusqu'au", name: "work_situation_end_date", type: "date", value: d.work_situation_end_date || "" })),
      field({ label: "Niveau de formation", name: "education_level", value: d.education_level || "", options: options(ref, "education_level", { empty: "— Choisir —" }) }),
      field({ label: "Reconnaissance de la qualité de travailleur handicapé (RQTH)", name: "rqth", type: "checkbox", value: d.rqth }),
      h("div", { class: "actions-bar" }, h("button", { type: "submit" }, "Enregistrer la situation")));
    bindSave(form, {
      body: (f) => ({ version: this.nb.version, ...changedValues(formValues(f), d, WORK_SITUATION_CLEARABLE) }),
      send: (body) => api.patch(this.url("/diagnostic"), body),
      onSuccess: () => this.reload("#situation-pro-titre", "Situation professionnelle enregistrée."),
    });
    return disclosure("Modifier la situation professionnelle", form);
  }

  situationsByTheme() {
    const { nb, ref } = this;
    const situations = nb.diagnostic.situations;
    if (!situations.length) return h("p", { class: "muted" }, "Aucune situation renseignée.");
    const blocks = [];
    for (const theme of ref.themes) {
      const mine = situations.filter((s) => s.theme === theme.code);
      if (!mine.length) continue;
      blocks.push(h("h4", {}, theme.label), h("ul", { class: "plain" }, mine.map((s) => h("li", { id: `situation-${s.code}`, tabindex: "-1" },
        h("span", {}, s.label),
        h("span", { class: "muted" }, ` — ajoutée le ${formatDate(s.added_at)}${s.added_by ? ` par ${s.added_by}` : ""}`),
        this.canWrite ? [" ", h("button", {
          type: "button", class: "secondary small", "aria-label": `Retirer la situation « ${s.label} »`,
          onclick: (event) => this.act(event.currentTarget, () => api.del(this.url(`/situations/${encodeURIComponent(s.code)}`)), "#situations-titre", "Situation retirée."),
        }, "Retirer")] : null))));
    }
    return h("div", {}, blocks);
  }

  addSituationForm() {
    const { nb, ref } = this;
    const active = new Set(nb.diagnostic.situations.map((s) => s.code));
    const select = h("select", { id: nextId("champ-situation"), name: "code", "data-error-id": nextId("erreur-situation") });
    select.appendChild(h("option", { value: "" }, "— Choisir une situation —"));
    for (const theme of ref.themes) {
      const free = theme.situations.filter((s) => !active.has(s.code));
      if (free.length) select.appendChild(h("optgroup", { label: theme.label }, free.map((s) => h("option", { value: s.code }, s.label))));
    }
    const form = h("form", { id: "form-situation", class: "inline-form" },
      h("div", { class: "field" },
        h("label", { for: select.id }, "Situation à ajouter"),
        select,
        h("p", { class: "field__error", id: select.dataset.errorId, hidden: true })),
      h("div", {}, h("button", { type: "submit", class: "secondary" }, "Ajouter la situation")));
    bindSave(form, {
      body: (f) => {
        const code = f.elements.namedItem("code").value;
        if (!code) throw fieldError("code", "Choisissez une situation dans la liste.");
        return { code };
      },
      send: (body, key) => api.post(this.url("/situations"), body, { idempotencyKey: key }),
      onSuccess: (_, body) => this.reload(`#situation-${body.code}`, "Situation ajoutée."),
    });
    return form;
  }

  jobProjects() {
    const { nb, ref } = this;
    const projects = nb.diagnostic.job_projects;
    if (!projects.length) return h("p", { class: "muted" }, "Aucun projet professionnel.");
    return h("ul", { class: "plain" }, projects.map((p) => h("li", { id: `projet-${p.id}`, tabindex: "-1" },
      h("strong", {}, p.rome_label), h("span", { class: "muted" }, ` (ROME ${p.rome_code})`),
      facts([
        ["Contrat souhaité", labelOf(ref, "job_contract_type", p.contract_type)],
        ["Temps de travail", labelOf(ref, "working_time", p.working_time)],
        ["Mobilité", p.mobility_radius_km === null ? null : `${p.mobility_radius_km} km`],
        ["Salaire horaire souhaité", p.hourly_wage_cents === null ? null : `${(p.hourly_wage_cents / 100).toFixed(2).replace(".", ",")} €`],
      ]),
      this.canWrite ? h("button", {
        type: "button", class: "danger small", "aria-label": `Supprimer le projet « ${p.rome_label} »`,
        onclick: (event) => this.act(event.currentTarget, () => api.del(this.url(`/job-projects/${p.id}`) + api.query({ version: p.version })), "#projets-titre", "Projet professionnel supprimé."),
      }, "Supprimer") : null)));
  }

  addJobProjectForm() {
    const { ref } = this;
    let results = [];
    const jobField = field({ label: "Métier recherché", name: "metier", required: true, hint: "Tapez au moins deux lettres puis choisissez un métier du répertoire ROME dans la liste proposée." });
    const input = jobField.querySelector("input");
    const listId = nextId("metiers");
    input.setAttribute("list", listId);
    input.setAttribute("autocomplete", "off");
    const datalist = h("datalist", { id: listId });
    jobField.appendChild(datalist);
    let timer = null;
    let asked = "";
    // The chosen job title: a typed text that is exactly one of the suggestions.
    let chosen = null;
    const lookup = async (text) => {
      if (text.trim().length < 2 || text === asked) return;
      asked = text;
      try {
        const found = await api.get("/api/referentiel/rome" + api.query({ q: text }));
        if (found.results.length || !matchReference(results, input.value)) results = found.results;
        replace(datalist, results.map((r) => h("option", { value: r.label })));
      } catch (_) {
        // A failed suggestion is not an error: the save says what is missing.
      }
      chosen = matchReference(results, input.value);
    };
    input.addEventListener("input", () => {
      chosen = matchReference(results, input.value);
      clearTimeout(timer);
      if (!chosen) timer = setTimeout(() => lookup(input.value), 250);
    });
    const form = h("form", { id: "form-projet" },
      jobField,
      h("div", { class: "grid grid--2" },
        field({ label: "Type de contrat souhaité", name: "contract_type", options: options(ref, "job_contract_type", { empty: "— Indifférent —" }) }),
        field({ label: "Temps de travail", name: "working_time", options: options(ref, "working_time", { empty: "— Indifférent —" }) })),
      field({ label: "Rayon de mobilité (km)", name: "mobility_radius_km", type: "number", attributes: { min: "0", max: "500", inputmode: "numeric" } }),
      h("div", { class: "actions-bar" }, h("button", { type: "submit", class: "secondary" }, "Ajouter le projet")));
    bindSave(form, {
      body: (f) => {
        const values = formValues(f);
        if (!values.metier) throw fieldError("metier", "Indiquez un métier.");
        if (!chosen) throw fieldError("metier", "Choisissez un métier dans la liste proposée.");
        const body = { appellation: chosen.code };
        if (values.contract_type) body.contract_type = values.contract_type;
        if (values.working_time) body.working_time = values.working_time;
        if (values.mobility_radius_km !== null) {
          const km = Number(values.mobility_radius_km);
          if (!Number.isInteger(km)) throw fieldError("mobility_radius_km", "Un nombre entier de kilomètres.");
          body.mobility_radius_km = km;
        }
        return body;
      },
      fieldFor: (name) => (name === "appellation" ? "metier" : name),
      send: (body, key) => api.post(this.url("/job-projects"), body, { idempotencyKey: key }),
      onSuccess: (created) => this.reload(`#projet-${created.id}`, "Projet professionnel ajouté."),
    });
    return disclosure("Ajouter un projet professionnel", form);
  }

  // -------------------------------------------------------------------------------------------
  // Plan d'action

  /** The themes whose objectifs and actions belong to a focus (its own and its sub-themes). */
  family(themeCode) {
    return this.ref.themes.filter((t) => t.code === themeCode || t.focus_code === themeCode);
  }

  plan() {
    const { nb } = this;
    const section = h("section", { "aria-labelledby": "partie-titre" },
      h("h2", { id: "partie-titre" }, "Plan d'action"));
    if (this.canWrite) section.appendChild(this.addFocusForm());
    if (!nb.plan.length) {
      section.appendChild(h("p", { class: "muted" }, "Aucun axe de travail pour l'instant."));
      return section;
    }
    for (const focus of nb.plan) {
      const focusId = `axe-${focus.id}`;
      const block = h("section", { class: "plan-focus", "aria-labelledby": focusId },
        h("h3", { id: focusId, tabindex: "-1" }, focus.label));
      if (!focus.objectifs.length) {
        block.appendChild(h("p", { class: "muted" }, "Aucun objectif dans cet axe de travail."));
        if (this.canWrite) {
          block.appendChild(h("button", {
            type: "button", class: "danger small", "aria-label": `Supprimer l'axe de travail « ${focus.label} »`,
            onclick: (event) => this.act(event.currentTarget, () => api.del(this.url(`/focuses/${focus.id}`) + api.query({ version: focus.version })), "#partie-titre", "Axe de travail supprimé."),
          }, "Supprimer l'axe"));
        }
      }
      for (const objectif of focus.objectifs) block.appendChild(this.objectif(focus, objectif));
      if (this.canWrite) block.appendChild(this.addObjectifForm(focus));
      section.appendChild(block);
    }
    return section;
  }

  addFocusForm() {
    const present = new Set(this.nb.plan.map((f) => f.theme));
    const free = this.ref.themes.filter((t) => t.is_focus && !present.has(t.code));
    if (!free.length) return h("p", { class: "muted" }, "Tous les axes de travail sont déjà ouverts.");
    const form = h("form", { id: "form-axe", class: "inline-form" },
      field({ label: "Nouvel axe de travail", name: "theme", options: [["", "— Choisir un thème —"], ...free.map((t) => [t.code, t.label])] }),
      h("div", {}, h("button", { type: "submit", class: "secondary" }, "Ajouter l'axe")));
    bindSave(form, {
      body: (f) => {
        const theme = f.elements.namedItem("theme").value;
        if (!theme) throw fieldError("theme", "Choisissez un axe de travail dans la liste.");
        return { theme };
      },
      send: (body, key) => api.post(this.url("/focuses"), body, { idempotencyKey: key }),
      onSuccess: (created) => this.reload(`#axe-${created.id}`, `Axe de travail « ${created.label} » ajouté.`),
    });
    return form;
  }

  objectif(focus, objectif) {
    const headingId = `objectif-${objectif.id}`;
    const block = h("div", { class: "plan-objectif" },
      h("h4", { id: headingId, tabindex: "-1" }, objectif.label),
      h("div", { class: "row" },
        this.statusControl("objectif", objectif),
        objectif.linked_to ? h("span", { class: "tag tag--info" }, `Lié au contrat ${objectif.linked_to.toUpperCase()}`) : null),
      this.canWrite ? this.objectifTools(focus, objectif) : null);
    if (objectif.actions.length) {
      block.appendChild(h("ul", { class: "plain plan-actions", "aria-label": `Actions de l'objectif « ${objectif.label} »` },
        objectif.actions.map((action) => h("li", { id: `action-${action.id}`, tabindex: "-1" },
          h("div", { class: "plan-action__text" },
            h("p", { class: "plan-action__label" }, h("strong", {}, action.label)),
            h("p", { class: "muted" }, `Début : ${formatDate(action.start_date)}`, action.due_date ? ` · échéance : ${formatDate(action.due_date)}` : ""),
            this.canWrite ? this.actionTools(objectif, action) : null),
          this.statusControl("action", action)))));
    } else {
      block.appendChild(h("p", { class: "muted" }, "Aucune action pour cet objectif."));
    }
    if (this.canWrite) block.appendChild(this.addActionForm(focus, objectif));
    return block;
  }

  /**
   * A delete button that first asks, next to itself; "Oui" runs `remove` (then the notebook is
   * read again and the reader lands on `focus`), "Non" puts the button back.
   */
  deleteButton({ text, label, question, remove, focus, message }) {
    const zone = h("div", { class: "confirm-zone" });
    const button = h("button", {
      type: "button", class: "danger small", "aria-label": label, onclick: () => {
        const questionId = nextId("question");
        const yes = h("button", { type: "button", class: "danger small", "aria-describedby": questionId, onclick: () => this.act(yes, remove, focus, message) }, "Oui, supprimer");
        const no = h("button", { type: "button", class: "secondary small", onclick: () => { replace(zone, button); button.focus(); } }, "Non, garder");
        replace(zone, h("div", { class: "alert alert--warning", role: "alert" }, h("p", { id: questionId }, question), h("div", { class: "row" }, yes, no)));
        yes.focus();
      },
    }, text);
    zone.appendChild(button);
    return zone;
  }

  /** Renaming and deleting an objectif (its actions go with it). */
  objectifTools(focus, objectif) {
    const form = h("form", { class: "form-objectif-edit" },
      field({ label: "Libellé de l'objectif", name: "label", value: objectif.label, required: true }),
      h("div", { class: "actions-bar" }, h("button", { type: "submit" }, "Enregistrer le libellé")));
    bindSave(form, {
      body: (f) => {
        const label = formValues(f).label;
        if (!label) throw fieldError("label", "Indiquez le libellé de l'objectif.");
        if (label === objectif.label) throw fieldError("label", "Le libellé n'a pas changé.");
        return { version: objectif.version, label };
      },
      send: (body) => api.patch(this.url(`/objectifs/${objectif.id}`), body),
      onSuccess: (saved) => this.reload(`#objectif-${objectif.id}`, `Objectif renommé : « ${saved.label} ».`),
    });
    const count = objectif.actions.length;
    return h("div", { class: "plan-tools" },
      disclosure(h("span", {}, "Modifier le libellé", h("span", { class: "sr-only" }, ` de l'objectif « ${objectif.label} »`)), form),
      this.deleteButton({
        text: "Supprimer l'objectif",
        label: `Supprimer l'objectif « ${objectif.label} »`,
        question: count
          ? `Supprimer l'objectif « ${objectif.label} » et ${count > 1 ? `ses ${count} actions` : "son action"} ? L'historique du carnet le gardera.`
          : `Supprimer l'objectif « ${objectif.label} » ? L'historique du carnet le gardera.`,
        remove: () => api.del(this.url(`/objectifs/${objectif.id}`) + api.query({ version: objectif.version })),
        focus: `#axe-${focus.id}`,
        message: `Objectif « ${objectif.label} » supprimé.`,
      }));
  }

  /** Changing an action's label and dates, and deleting it. */
  actionTools(objectif, action) {
    const form = h("form", { class: "form-action-edit" },
      field({ label: "Libellé de l'action", name: "label", value: action.label, required: true }),
      h("div", { class: "grid grid--2" },
        field({ label: "Date de début", name: "start_date", type: "date", value: action.start_date || "", required: true }),
        field({ label: "Échéance", name: "due_date", type: "date", value: action.due_date || "" })),
      h("div", { class: "actions-bar" }, h("button", { type: "submit" }, "Enregistrer l'action")));
    bindSave(form, {
      body: (f) => {
        const values = formValues(f);
        if (!values.label) throw fieldError("label", "Indiquez le libellé de l'action.");
        if (!values.start_date) throw fieldError("start_date", "Indiquez la date de début.");
        if (!values.due_date && action.due_date) throw fieldError("due_date", "L'échéance ne peut pas être retirée, seulement changée : indiquez une autre date.");
        const changes = changedValues(values, action);
        if (!Object.keys(changes).length) throw new Error("Rien n'a changé : modifiez le libellé ou une date.");
        return { version: action.version, ...changes };
      },
      send: (body) => api.patch(this.url(`/actions/${action.id}`), body),
      onSuccess: (saved) => this.reload(`#action-${action.id}`, `Action « ${saved.label} » modifiée.`),
    });
    return h("div", { class: "plan-tools" },
      disclosure(h("span", {}, "Modifier", h("span", { class: "sr-only" }, ` l'action « ${action.label} »`)), form),
      this.deleteButton({
        text: "Supprimer",
        label: `Supprimer l'action « ${action.label} »`,
        question: `Supprimer l'action « ${action.label} » ? L'historique du carnet la gardera.`,
        remove: () => api.del(this.url(`/actions/${action.id}`) + api.query({ version: action.version })),
        focus: `#objectif-${objectif.id}`,
        message: `Action « ${action.label} » supprimée.`,
      }));
  }

  /**
   * The status of an objectif or action: a tag for readers; for writers a select that saves on
   * change (one step), based on the item's version. Quick changes (arrow keys) are gathered
   * and sent once; a refusal puts the saved status back and says why.
   */
  statusControl(kind, item) {
    const list = kind === "action" ? "action_status" : "target_status";
    const noun = kind === "action" ? "l'action" : "l'objectif";
    const label = labelOf(this.ref, list, item.status);
    if (!this.canWrite) {
      return h("p", {}, "Statut : ", h("span", { class: `tag ${statusClass(item.status)}` }, label));
    }
    const id = nextId(`statut-${kind}`);
    const stateId = `${id}-etat`;
    const select = h("select", { id, name: "status", "aria-describedby": stateId, class: "status-select" },
      options(this.ref, list, { empty: null }).map(([code, text]) => h("option", { value: code, selected: code === item.status }, text)));
    const state = h("span", { id: stateId, class: "status-state", role: "status" });
    let saved = item.status;
    let version = item.version;
    let timer = null;
    let running = Promise.resolve();
    const save = async () => {
      const wanted = select.value;
      if (wanted === saved) return;
      state.textContent = "Enregistrement…";
      state.className = "status-state muted";
      try {
        const result = await api.patch(this.url(`/${kind}s/${item.id}`), { version, status: wanted });
        version = result.version;
        saved = result.status;
        item.version = version;
        item.status = saved;
        state.textContent = `Statut enregistré : ${labelOf(this.ref, list, saved)}.`;
        state.className = "status-state status-state--ok";
      } catch (problem) {
        const current = problem instanceof api.ApiError && problem.details && problem.details.current;
        if (current && current.version) {
          version = current.version;
          saved = current.status || saved;
        }
        select.value = saved;
        state.textContent = `Statut non enregistré : ${problemMessage(problem)}`;
        state.className = "status-state status-state--error";
      }
    };
    const flush = () => {
      clearTimeout(timer);
      timer = null;
      running = running.then(save);
    };
    select.addEventListener("change", () => {
      clearTimeout(timer);
      timer = setTimeout(flush, 400);
    });
    // Leaving the control saves at once what the arrow keys chose.
    select.addEventListener("blur", () => {
      if (timer) flush();
    });
    return h("div", { class: "field status-field" },
      h("label", { for: id }, "Statut", h("span", { class: "sr-only" }, ` de ${noun} « ${item.label} »`)),
      select, state);
  }

  addObjectifForm(focus) {
    const items = this.family(focus.theme).flatMap((t) => t.objectifs);
    const form = h("form", { class: "form-objectif" },
      listField({ label: "Objectif", name: "objectif", items, required: true, hint: "Choisissez dans la liste de référence ou saisissez un objectif libre." }),
      field({ label: "Lié à un contrat", name: "linked_to", options: [["", "Non"], ["cer", "CER"], ["ppae", "PPAE"], ["pacea", "PACEA"], ["cej", "CEJ"]] }),
      field({ label: "Le bénéficiaire a donné son accord pour cet objectif", name: "beneficiary_agreement", type: "checkbox", hint: "Obligatoire pour un objectif lié à un contrat." }),
      h("div", { class: "actions-bar" }, h("button", { type: "submit" }, "Enregistrer l'objectif")));
    bindSave(form, {
      body: (f) => {
        const values = formValues(f);
        if (!values.objectif) throw fieldError("objectif", "Indiquez l'objectif.");
        const known = matchReference(items, values.objectif);
        const body = known ? { ref_code: known.code } : { label: values.objectif };
        if (values.linked_to) {
          body.linked_to = values.linked_to;
          body.beneficiary_agreement = values.beneficiary_agreement;
        }
        return body;
      },
      fieldFor: (name) => (name === "ref_code" || name === "label" ? "objectif" : name),
      send: (body, key) => api.post(this.url(`/focuses/${focus.id}/objectifs`), body, { idempotencyKey: key }),
      onSuccess: (created) => this.reload(`#objectif-${created.id}`, `Objectif « ${created.label} » ajouté.`),
    });
    return disclosure(h("span", {}, "Ajouter un objectif", h("span", { class: "sr-only" }, ` à l'axe « ${focus.label} »`)), form);
  }

  addActionForm(focus, objectif) {
    let items = this.family(focus.theme).flatMap((t) => t.actions);
    if (!items.length) items = this.ref.themes.flatMap((t) => t.actions);
    const zone = this.ctx.session.instance && this.ctx.session.instance.timezone;
    const form = h("form", { class: "form-action" },
      listField({ label: "Action", name: "action", items, required: true, hint: "Choisissez dans la liste de référence ou saisissez une action libre." }),
      h("div", { class: "grid grid--2" },
        field({ label: "Date de début", name: "start_date", type: "date", value: today(zone), required: true }),
        field({ label: "Échéance (facultatif)", name: "due_date", type: "date" })),
      h("div", { class: "actions-bar" }, h("button", { type: "submit" }, "Enregistrer l'action")));
    bindSave(form, {
      body: (f) => {
        const values = formValues(f);
        if (!values.action) throw fieldError("action", "Indiquez l'action.");
        const known = matchReference(items, values.action);
        const body = known ? { ref_code: known.code } : { label: values.action };
        body.start_date = values.start_date;
        if (values.due_date) body.due_date = values.due_date;
        return body;
      },
      fieldFor: (name) => (name === "ref_code" || name === "label" ? "action" : name),
      send: (body, key) => api.post(this.url(`/objectifs/${objectif.id}/actions`), body, { idempotencyKey: key }),
      onSuccess: (created) => this.reload(`#action-${created.id}`, `Action « ${created.label} » ajoutée.`),
    });
    return disclosure(h("span", {}, "Ajouter une action", h("span", { class: "sr-only" }, ` à l'objectif « ${objectif.label} »`)), form);
  }

  // -------------------------------------------------------------------------------------------
  // Rendez-vous

  /** May the caller manage this rendez-vous (members; a structure admin, their structure's)? */
  mayManage(rendezVous) {
    if (this.canWrite) return true;
    return this.isStructureAdmin && !!this.myStructure && rendezVous.structure_id === this.myStructure.id;
  }

  /** The professionals who may hold a rendez-vous the caller creates. */
  holders() {
    const pros = this.nb.members.filter((m) => m.structure && m.member_type !== "orientation_manager");
    if (this.isStructureAdmin) return pros.filter((m) => m.structure.id === this.myStructure.id);
    return pros;
  }

  rendezVous() {
    const { nb } = this;
    const now = Date.now();
    const section = h("section", { "aria-labelledby": "partie-titre" },
      h("h2", { id: "partie-titre" }, "Rendez-vous"),
      h("p", {}, "Prochain rendez-vous : ", nb.next_rendez_vous ? h("strong", {}, formatDateTime(nb.next_rendez_vous)) : "aucun"));
    const canCreate = this.canWrite || (this.isStructureAdmin && this.holders().length > 0);
    if (canCreate) section.appendChild(this.rendezVousForm());
    if (!nb.rendez_vous.length) {
      section.appendChild(h("p", { class: "muted" }, "Aucun rendez-vous."));
    } else {
      const rows = nb.rendez_vous.map((r) => {
        const at = new Date(r.starts_at).getTime();
        let status;
        if (r.cancelled_at) status = h("span", { class: "tag" }, `Annulé le ${formatDate(r.cancelled_at)}`);
        else if (r.status === "present") status = h("span", { class: "tag tag--success" }, "Honoré");
        else if (r.status === "absent") status = h("span", { class: "tag tag--warning" }, "Absent");
        else if (at > now) status = h("span", { class: "tag tag--info" }, "À venir");
        else status = h("span", { class: "tag tag--warning" }, "À renseigner");
        const when = formatDateTime(r.starts_at);
        const buttons = [];
        if (!r.cancelled_at && this.mayManage(r)) {
          const patch = (body, message) => (event) => this.act(event.currentTarget,
            () => api.patch(this.url(`/rendez-vous/${r.id}`), { version: r.version, ...body }), `#rdv-${r.id}`, message);
          if (at <= now && r.status !== "present") buttons.push(h("button", { type: "button", class: "secondary small", "aria-label": `Marquer honoré le rendez-vous du ${when}`, onclick: patch({ status: "present" }, "Rendez-vous marqué honoré.") }, "Honoré"));
          if (at <= now && r.status !== "absent") buttons.push(h("button", { type: "button", class: "secondary small", "aria-label": `Marquer absent au rendez-vous du ${when}`, onclick: patch({ status: "absent" }, "Absence enregistrée.") }, "Absent"));
          if (at > now && r.status === "pending") {
            buttons.push(h("button", {
              type: "button", class: "danger small", "aria-label": `Annuler le rendez-vous du ${when}`,
              onclick: (event) => this.act(event.currentTarget, () => api.post(this.url(`/rendez-vous/${r.id}/cancel`), { version: r.version }), `#rdv-${r.id}`, "Rendez-vous annulé."),
            }, "Annuler"));
          }
        }
        const move = !r.cancelled_at && r.status === "pending" && this.mayManage(r) ? this.rescheduleForm(r) : null;
        return h("tr", {},
          h("th", { scope: "row", id: `rdv-${r.id}`, tabindex: "-1" }, when),
          h("td", {}, r.with, r.structure ? h("span", { class: "muted" }, ` (${r.structure})`) : null),
          h("td", {}, status),
          h("td", {}, buttons.length ? h("div", { class: "row" }, buttons) : null, move, buttons.length || move ? null : h("span", { class: "muted" }, "—")));
      });
      section.appendChild(tableRegion("Rendez-vous du carnet, du plus récent au plus ancien", ["Date et heure", "Avec", "Statut", "Actions"], rows));
    }
    section.appendChild(h("h3", { id: "contact-titre", tabindex: "-1" }, "Contact individuel"));
    section.appendChild(h("p", {}, `Dernier contact individuel : ${formatDate(nb.last_contact_at) || "aucun"}.`,
      " Un rendez-vous honoré compte comme un contact ; sans contact pendant deux ans, le carnet est archivé."));
    if (this.canWrite) {
      section.appendChild(h("div", { class: "actions-bar" }, h("button", {
        type: "button", class: "secondary",
        onclick: (event) => this.act(event.currentTarget, (key) => api.post(this.url("/contacts"), {}, { idempotencyKey: key }), "#contact-titre", "Contact individuel enregistré."),
      }, "Enregistrer un contact aujourd'hui")));
    }
    return section;
  }

  /** Moving a rendez-vous to another date and time (PATCH with its version). */
  rescheduleForm(r) {
    const zone = this.ctx.session.instance && this.ctx.session.instance.timezone;
    const when = formatDateTime(r.starts_at);
    const form = h("form", { class: "form-rdv-move" },
      field({ label: "Nouvelle date et heure", name: "starts_at", type: "datetime-local", required: true, value: toLocalInput(r.starts_at) }),
      h("div", { class: "actions-bar" }, h("button", { type: "submit", class: "secondary small" }, "Déplacer le rendez-vous")));
    bindSave(form, {
      body: (f) => {
        const value = formValues(f).starts_at;
        if (!value) throw fieldError("starts_at", "Indiquez la nouvelle date et l'heure.");
        const instant = localInputToInstant(value, zone);
        if (!instant) throw fieldError("starts_at", "Date et heure attendues, par exemple 14/12/2026 14:30.");
        if (new Date(instant).getTime() === new Date(r.starts_at).getTime()) throw fieldError("starts_at", "C'est la date actuelle du rendez-vous : choisissez-en une autre.");
        return { version: r.version, starts_at: instant };
      },
      send: (body) => api.patch(this.url(`/rendez-vous/${r.id}`), body),
      onSuccess: (saved) => this.reload(`#rdv-${r.id}`, `Rendez-vous déplacé au ${formatDateTime(saved.starts_at)}.`),
    });
    return disclosure(h("span", {}, "Déplacer", h("span", { class: "sr-only" }, ` le rendez-vous du ${when}`)), form);
  }

  rendezVousForm() {
    const zone = this.ctx.session.instance && this.ctx.session.instance.timezone;
    const holders = this.holders();
    const myId = this.ctx.session.me.account.id;
    let holderField = null;
    if (this.isStructureAdmin) {
      holderField = field({ label: "Avec le professionnel", name: "with_account_id", required: true, options: holders.map((m) => [m.account_id, fullName(m)]) });
    } else if (holders.some((m) => m.account_id !== myId)) {
      const others = holders.filter((m) => m.account_id !== myId);
      holderField = field({ label: "Avec", name: "with_account_id", options: [["", "Moi-même"], ...others.map((m) => [m.account_id, fullName(m)])] });
    }
    const form = h("form", { id: "form-rdv" },
      field({ label: "Date et heure", name: "starts_at", type: "datetime-local", required: true, hint: `Heure de ${this.ctx.session.instance ? this.ctx.session.instance.department_name : "l'instance"}. Par exemple : 14/12/2026 14:30.` }),
      holderField,
      h("div", { class: "actions-bar" }, h("button", { type: "submit" }, "Enregistrer le rendez-vous")));
    bindSave(form, {
      body: (f) => {
        const values = formValues(f);
        if (!values.starts_at) throw fieldError("starts_at", "Indiquez la date et l'heure du rendez-vous.");
        const instant = localInputToInstant(values.starts_at, zone);
        if (!instant) throw fieldError("starts_at", "Date et heure attendues, par exemple 14/12/2026 14:30.");
        const body = { starts_at: instant };
        if (values.with_account_id) body.with_account_id = values.with_account_id;
        return body;
      },
      send: (body, key) => api.post(this.url("/rendez-vous"), body, { idempotencyKey: key }),
      onSuccess: (created) => this.reload(`#rdv-${created.id}`, `Rendez-vous prévu le ${formatDateTime(created.starts_at)}.`),
    });
    return disclosure("Prévoir un rendez-vous", form);
  }

  // -------------------------------------------------------------------------------------------
  // Historique

  async history() {
    const q = this.ctx.query;
    const filters = { from: q.get("du") || "", to: q.get("au") || "", type: q.get("type") || "", q: q.get("texte") || "" };
    const page = Math.max(1, Number.parseInt(q.get("page") || "1", 10) || 1);
    const form = h("form", { id: "form-historique", role: "search", "aria-label": "Filtrer l'historique" },
      h("div", { class: "grid grid--2" },
        field({ label: "Du", name: "from", type: "date", value: filters.from }),
        field({ label: "Au", name: "to", type: "date", value: filters.to })),
      h("div", { class: "grid grid--2" },
        field({ label: "Type d'événement", name: "type", value: filters.type, options: [["", "Tous les événements"], ...EVENT_TYPES] }),
        field({ label: "Texte", name: "q", type: "search", value: filters.q, hint: "Un mot de la description de l'événement." })),
      h("div", { class: "actions-bar" },
        h("button", { type: "submit" }, "Filtrer"),
        h("a", { href: `/carnets/${encodeURIComponent(this.id)}?onglet=historique`, class: "button button--secondary" }, "Effacer les filtres")));
    form.noValidate = true;
    const go = (values, target) => {
      this.ctx.main.dataset.keepFocus = "1";
      this.ctx.navigate(`/carnets/${encodeURIComponent(this.id)}` + api.query({
        onglet: "historique", du: values.from, au: values.to, type: values.type, texte: values.q, page: target > 1 ? target : null,
      }));
    };
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      const values = formValues(form);
      go({ from: values.from || "", to: values.to || "", type: values.type || "", q: values.q || "" }, 1);
    });
    const section = h("section", { "aria-labelledby": "partie-titre" },
      h("h2", { id: "partie-titre" }, "Historique"), form);
    let list;
    try {
      list = await api.get(`/api/carnets/${encodeURIComponent(this.id)}/timeline` + api.query({ page, per_page: 20, ...filters }));
    } catch (problem) {
      if (!(problem instanceof api.ApiError) || !problem.fields.length) {
        section.appendChild(alertBox(problemMessage(problem), "error"));
        return section;
      }
      // Wrong dates: shown next to their fields once the form is in the page.
      this.afterDraw = [() => {
        let first = null;
        for (const { field: name, message } of problem.fields) first = first || showFieldError(form, name, message);
        if (!first) showFormMessage(form, problem.message);
        else first.focus();
        this.ctx.main.dataset.keepFocus = "1";
        this.focusHandled = true;
      }];
      return section;
    }
    const filtered = filters.from || filters.to || filters.type || filters.q;
    const caption = `${list.total} événement${list.total > 1 ? "s" : ""}${filtered ? " correspondant aux filtres" : ""}` +
      (list.total > list.per_page ? `, page ${list.page}` : "");
    if (!list.items.length) {
      section.appendChild(h("p", { id: "historique-resultats", tabindex: "-1" }, filtered ? "Aucun événement ne correspond à ces filtres." : "Aucun événement."));
    } else {
      section.appendChild(tableRegion(caption, ["Date", "Événement", "Par"], list.items.map((event) => h("tr", {},
        h("td", {}, formatDateTime(event.at)),
        h("td", {}, event.summary),
        h("td", {}, event.actor || "Le système"))), { captionId: "historique-resultats", focusableCaption: true }));
      section.appendChild(pagination(list, (target) => go(filters, target)) || h("span", {}));
    }
    if (q.has("du") || q.has("au") || q.has("type") || q.has("texte") || q.has("page")) {
      // After filtering or paging, the reader lands on the results.
      this.focusAfterDraw = "#historique-resultats";
    }
    return section;
  }

  // -------------------------------------------------------------------------------------------
  // Membres

  memberList(withActions) {
    const members = this.nb.members;
    if (!members.length) return h("p", { class: "muted" }, "Aucun accompagnant.");
    return h("ul", { class: "plain membres" }, members.map((m) => h("li", { id: `membre-${m.account_id}`, tabindex: "-1" },
      h("p", {}, h("strong", {}, fullName(m)),
        m.member_type === "referent" ? [" ", h("span", { class: "tag tag--info" }, "Référent")] : null,
        m.member_type === "orientation_manager" ? [" ", h("span", { class: "tag" }, "Chargé d'orientation")] : null),
      h("p", {}, [m.position, m.structure ? m.structure.name : null].filter(Boolean).join(" — ") || null),
      h("p", {},
        m.email ? h("a", { href: `mailto:${m.email}` }, m.email) : null,
        m.phone ? [" · ", phoneLink(m.phone)] : null),
      withActions && m.joined_at ? h("p", { class: "muted" }, `Membre depuis le ${formatDate(m.joined_at)}`) : null)));
  }

  members() {
    const section = h("section", { "aria-labelledby": "partie-titre" },
      h("h2", { id: "partie-titre" }, "Membres du carnet"),
      this.memberList(true));
    const canReferent = this.canWrite || this.isStructureAdmin;
    if (canReferent) section.appendChild(this.referentForm());
    if (this.canWrite) {
      section.appendChild(this.inviteForm());
      if (!this.isReferent) section.appendChild(this.leaveBlock());
    }
    return section;
  }

  referentForm() {
    let candidates = this.nb.members.filter((m) => m.structure && m.member_type === "member");
    if (this.isStructureAdmin && !this.canWrite) candidates = candidates.filter((m) => m.structure.id === this.myStructure.id);
    if (!candidates.length) return h("span", {});
    const form = h("form", { id: "form-referent" },
      field({ label: "Nouveau référent", name: "account_id", required: true, options: [["", "— Choisir parmi les membres —"], ...candidates.map((m) => [m.account_id, `${fullName(m)} (${m.structure.name})`])] }),
      field({ label: "Dispositif d'accompagnement", name: "dispositif_id", required: true, value: this.nb.orientation.dispositif ? this.nb.orientation.dispositif.id : "", options: [["", "— Choisir —"]] }),
      h("div", { class: "actions-bar" }, h("button", { type: "submit", class: "secondary" }, "Changer de référent")));
    dispositifs().then((list) => {
      const select = form.elements.namedItem("dispositif_id");
      const current = this.nb.orientation.dispositif ? this.nb.orientation.dispositif.id : "";
      list.forEach((d) => select.appendChild(h("option", { value: d.id, selected: d.id === current }, d.name)));
    }).catch(() => {});
    bindSave(form, {
      body: (f) => {
        const values = formValues(f);
        if (!values.account_id) throw fieldError("account_id", "Choisissez le nouveau référent parmi les membres.");
        if (!values.dispositif_id) throw fieldError("dispositif_id", "Choisissez le dispositif d'accompagnement.");
        // The structure they are a member in (a professional may work in several).
        const chosen = candidates.find((m) => m.account_id === values.account_id);
        return { account_id: values.account_id, structure_id: chosen && chosen.structure.id, dispositif_id: values.dispositif_id };
      },
      send: (body, key) => api.post(this.url("/referent"), body, { idempotencyKey: key }),
      onSuccess: (_, body) => this.reload(`#membre-${body.account_id}`, "Le référent a changé ; l'ancien référent reste membre."),
    });
    return h("div", {}, h("h3", {}, "Référent"), disclosure("Changer de référent", form));
  }

  inviteForm() {
    const structureField = field({ label: "Structure", name: "structure", options: [["", "— Choisir une structure —"]] });
    const personField = field({ label: "Professionnel", name: "account_id", required: true, options: [["", "— Choisissez d'abord la structure —"]] });
    const structureSelect = structureField.querySelector("select");
    const personSelect = personField.querySelector("select");
    const status = h("p", { class: "muted", role: "status" });
    structures().then((list) => list.forEach((s) => structureSelect.appendChild(h("option", { value: s.id }, s.name + (s.city ? ` (${s.city})` : ""))))).catch((problem) => {
      status.textContent = problemMessage(problem);
    });
    const memberIds = new Set(this.nb.members.map((m) => m.account_id));
    structureSelect.addEventListener("change", async () => {
      const structure = structureSelect.value;
      replace(personSelect, h("option", { value: "" }, structure ? "Chargement…" : "— Choisissez d'abord la structure —"));
      if (!structure) return;
      try {
        const people = await professionalsOf(structure);
        if (structureSelect.value !== structure) return;
        const free = people.filter((p) => !memberIds.has(p.account_id));
        replace(personSelect, h("option", { value: "" }, free.length ? "— Choisir un professionnel —" : "Aucun professionnel à inviter dans cette structure"),
          free.map((p) => h("option", { value: p.account_id }, fullName(p) + (p.position ? ` — ${p.position}` : ""))));
        status.textContent = `${free.length} professionnel${free.length > 1 ? "s" : ""} dans la liste.`;
      } catch (problem) {
        replace(personSelect, h("option", { value: "" }, "— Liste indisponible —"));
        status.textContent = problemMessage(problem);
      }
    });
    const form = h("form", { id: "form-invitation" },
      structureField, personField, status,
      h("div", { class: "actions-bar" }, h("button", { type: "submit" }, "Inviter")));
    bindSave(form, {
      body: (f) => {
        const accountId = f.elements.namedItem("account_id").value;
        if (!accountId) throw fieldError("account_id", "Choisissez le professionnel à inviter.");
        return { account_id: accountId };
      },
      send: (body, key) => api.post(this.url("/members/invite"), body, { idempotencyKey: key }),
      onSuccess: (created) => this.reload(`#membre-${created.account_id}`, "Invitation envoyée : le professionnel est membre du carnet et a été prévenu par courriel."),
    });
    return h("div", {}, h("h3", {}, "Inviter un professionnel"), disclosure("Inviter un collègue à rejoindre ce carnet", form));
  }

  leaveBlock() {
    const area = h("div", {});
    // One place for a failure: a retry replaces the previous message, and the focus goes there.
    const failure = messageZone();
    const leave = h("button", {
      type: "button", class: "danger", onclick: () => {
        const confirmButton = h("button", {
          type: "button", class: "danger", onclick: async () => {
            if (confirmButton.disabled) return;
            confirmButton.disabled = true;
            confirmButton.setAttribute("aria-busy", "true");
            failure.clear();
            try {
              await api.post(this.url("/members/leave"), {});
            } catch (problem) {
              confirmButton.disabled = false;
              confirmButton.removeAttribute("aria-busy");
              failure.say(`Vous êtes toujours membre de ce carnet : ${problemMessage(problem)}`, "error");
              return;
            }
            this.ctx.navigate(this.ctx.role === "professional" ? "/accueil?depart=1" : this.ctx.homePath());
          },
        }, "Oui, quitter ce carnet");
        replace(area, h("div", { class: "alert alert--warning", role: "alert" },
          h("p", {}, "Vous ne verrez plus que la fiche restreinte de ce carnet. Confirmez-vous ?"),
          h("div", { class: "actions-bar" }, confirmButton,
            h("button", { type: "button", class: "secondary", onclick: () => { replace(area); failure.clear(); leave.focus(); } }, "Non, rester membre"))),
        failure);
        confirmButton.focus();
      },
    }, "Quitter ce carnet");
    return h("div", {}, h("h3", {}, "Quitter le carnet"), h("div", { class: "actions-bar" }, leave), area);
  }

  // -------------------------------------------------------------------------------------------

  /**
   * A one-click write: busy button, error next to it; on success the notebook is read again and
   * the reader lands on `focus`. The button stays busy until then, so a second click cannot
   * write twice. `request(key)` receives an idempotency key.
   */
  act(button, request, focus, message) {
    // The same idempotency key until the write succeeds: a click again after a lost answer
    // replays the first request instead of writing twice (where the API takes a key).
    button.dataset.key = button.dataset.key || api.newKey();
    return runAction(button, async () => {
      await request(button.dataset.key);
      delete button.dataset.key;
      await this.afterWrite(focus, message);
    });
  }

  /**
   * Reads the notebook again after a write that succeeded. If only that read fails, the page says
   * the change is saved (never that it failed: retrying would write twice) and asks to reload.
   */
  async afterWrite(focus, message) {
    try {
      await this.reload(focus, message);
    } catch (problem) {
      if (!this.ctx.isCurrent()) return;
      const box = h("div", { class: "alert alert--warning", role: "alert", tabindex: "-1" },
        h("p", {}, `${message || "Modification enregistrée."} La page n'a pas pu être mise à jour (${problem instanceof api.NetworkError ? "le réseau ne répond pas" : problemMessage(problem)}) : rechargez-la pour voir le carnet à jour.`),
        h("p", {}, h("button", { type: "button", class: "secondary small", onclick: () => location.reload() }, "Recharger la page")));
      this.flash.replaceChildren(box);
      box.focus();
    }
  }
}

function statusClass(status) {
  switch (status) {
    case "done": return "tag--success";
    case "in_progress": return "tag--info";
    case "abandonned":
    case "canceled":
    case "standby": return "tag--warning";
    default: return "";
  }
}

