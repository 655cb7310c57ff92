// The notebook page, part « Diagnostic »: the work situation, the situations by theme, the job projects.
// Methods of NotebookView (pages/carnet.js), which mixes them in; `this` is the view.
import * as api from "../../api.js";
import {
  h, replace, field, bindSave, formValues, formatDate, referentiel, fieldError,
} from "../../ui.js";
import {
  labelOf, options, facts, yesNo, nextId, WORK_SITUATION_CLEARABLE, changedValues, disclosure, matchReference,
} from "./outils.js";

export const diagnosticPart = {
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
  },

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
  },

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
  },

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
  },

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
  },

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
  },

  /** The themes whose objectifs and actions belong to a focus (its own and its sub-themes). */
  family(themeCode) {
    return this.ref.themes.filter((t) => t.code === themeCode || t.focus_code === themeCode);
  },
};
