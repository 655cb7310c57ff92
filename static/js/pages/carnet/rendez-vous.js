// The notebook page, part « Rendez-vous »: the list, booking, moving and cancelling, presence.
// Methods of NotebookView (pages/carnet.js), which mixes them in; `this` is the view.
import * as api from "../../api.js";
import {
  h, field, bindSave, formValues, formatDate, formatDateTime, toLocalInput, fullName, tableRegion,
  fieldError,
} from "../../ui.js";
import { options, localInputToInstant, disclosure } from "./outils.js";

export const rendezVousPart = {
  /** May the caller manage this rendez-vous (members; a structure admin, their structure's)? */
  mayManage(rendezVous) {
    if (this.canWrite) return true;
    return this.isStructureAdmin && !!this.myStructure && rendezVous.structure_id === this.myStructure.id;
  },

  /** The professionals who may hold a rendez-vous the caller creates. */
  holders() {
    const pros = this.nb.members.filter((m) => m.structure && m.member_type !== "orientation_manager");
    if (this.isStructureAdmin) return pros.filter((m) => m.structure.id === this.myStructure.id);
    return pros;
  },

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
  },

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
  },

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
  },
};
