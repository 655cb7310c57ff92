// The notebook page, part « Historique »: the notebook's timeline, filtered and paged.
// Methods of NotebookView (pages/carnet.js), which mixes them in; `this` is the view.
import * as api from "../../api.js";
import {
  h, field, formValues, alertBox, pagination, formatDateTime, showFieldError, showFormMessage,
  tableRegion, problemMessage,
} from "../../ui.js";
import { options } from "./outils.js";

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

export const historiquePart = {
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
  },
};
