// The notebook page, part « Membres »: the members, the referent, inviting, leaving.
// Methods of NotebookView (pages/carnet.js), which mixes them in; `this` is the view.
import * as api from "../../api.js";
import {
  h, replace, field, bindSave, formValues, formatDate, fullName, dispositifList as dispositifs,
  structureList as structures, professionalsOf, phoneLink, fieldError, messageZone, problemMessage,
} from "../../ui.js";
import { options, disclosure } from "./outils.js";

export const membresPart = {
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
  },

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
  },

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
  },

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
  },

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
  },
};
