// One notebook, as the API shows it to the caller: the full view (situation and rights,
// diagnostic, plan d'action, rendez-vous, historique, membres) or the restricted card. What can be
// changed follows the write policy (crates/domain/src/access.rs): an active member (professional
// or orientation manager) writes the content; the referent asks for a re-orientation; a
// structure admin manages the rendez-vous and the referent among their structure's
// professionals; a manager reads (and restores an archived notebook). The API decides in the
// end: a refused write shows its message next to the form.
import * as api from "../api.js";
import {
  h, replace, field, bindSave, alertBox, announce, formatDate, fullName, referentiel,
  dispositifList as dispositifs, structureList as structures, professionalsOf, fieldError,
  runAction, problemMessage,
} from "../ui.js";
import { options } from "./carnet/outils.js";
import { situationPart } from "./carnet/situation.js";
import { diagnosticPart } from "./carnet/diagnostic.js";
import { planPart } from "./carnet/plan.js";
import { rendezVousPart } from "./carnet/rendez-vous.js";
import { historiquePart } from "./carnet/historique.js";
import { membresPart } from "./carnet/membres.js";

const TABS = [
  ["situation", "Situation et droits"],
  ["diagnostic", "Diagnostic"],
  ["plan", "Plan d'action"],
  ["rendez-vous", "Rendez-vous"],
  ["historique", "Historique"],
  ["membres", "Membres"],
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

// The parts of the page, one file each under pages/carnet/, named after their tab.
Object.assign(NotebookView.prototype, situationPart, diagnosticPart, planPart, rendezVousPart, historiquePart, membresPart);
