// The notebook page, part « Plan d'action »: axes de travail → objectifs → actions, their statuses and tools.
// Methods of NotebookView (pages/carnet.js), which mixes them in; `this` is the view.
import * as api from "../../api.js";
import {
  h, replace, field, bindSave, formValues, formatDate, fieldError, problemMessage,
} from "../../ui.js";
import { labelOf, options, today, nextId, changedValues, disclosure, matchReference, listField, statusClass } from "./outils.js";

export const planPart = {
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
  },

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
  },

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
  },

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
  },

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
  },

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
  },

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
  },

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
  },

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
  },
};
