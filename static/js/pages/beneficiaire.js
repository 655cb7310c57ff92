// "Mon carnet": what a beneficiary sees of their own notebook, on a phone, in plain words. The
// next rendez-vous first, then the person who follows them and how to reach them, their
// objectifs and actions, what happened (paged), their contact details (which they may change) and
// the reminder emails (which they may stop or restart). Everything comes from
// GET /api/carnets/mine (the person never needs their notebook's id).
import * as api from "../api.js";
import { h, replace, field, bindSave, alertBox, loading, pagination, formatDate, formatDateTime, fullName, announce, phoneLink } from "../ui.js";

const OBJECTIF_STATUS = {
  in_progress: ["En cours", "tag--info"],
  done: ["Atteint", "tag--success"],
  abandonned: ["Abandonné", ""],
};
const ACTION_STATUS = {
  planned: ["À venir", "tag--info"],
  in_progress: ["En cours", "tag--info"],
  standby: ["En pause", "tag--warning"],
  done: ["Faite", "tag--success"],
  abandonned: ["Abandonnée", ""],
  canceled: ["Annulée", ""],
};
const TIMELINE_PER_PAGE = 5;

function tag([label, kind]) {
  return h("span", { class: `tag ${kind}`.trim() }, label);
}

export async function render(ctx) {
  ctx.setTitle("Mon carnet");
  replace(ctx.main, h("h1", {}, "Mon carnet"), loading("Chargement de votre carnet…"));
  const [notebook, preferences] = await Promise.all([
    api.get("/api/carnets/mine"),
    api.get("/api/notifications/preferences").catch(() => null),
  ]);
  if (!ctx.isCurrent()) return;
  const person = notebook.beneficiary;
  const state = { version: notebook.version };
  const timeline = h("div", { id: "historique-liste" });
  replace(ctx.main,
    h("div", { class: "beneficiary" },
      h("h1", {}, "Mon carnet"),
      h("p", {}, `Bonjour ${person.first_name}. Voici votre parcours d'accompagnement.`),
      notebook.archived_at ? alertBox("Votre carnet est archivé : il n'est plus modifié.", "warning") : null,
      nextRendezVous(ctx, notebook),
      referent(notebook),
      plan(notebook),
      h("section", { class: "card", "aria-labelledby": "titre-historique" },
        h("h2", { id: "titre-historique", tabindex: "-1" }, "Ce qui s'est passé"),
        timeline),
      contactDetails(notebook, state, () => showTimeline(ctx, notebook.id, timeline, 1, false)),
      reminders(preferences)));
  await showTimeline(ctx, notebook.id, timeline, 1, false);
}

/** "Vendredi" for an instant, in the instance's time zone. */
function weekday(ctx, instant) {
  const zone = ctx.session.instance && ctx.session.instance.timezone;
  const name = new Intl.DateTimeFormat("fr-FR", { weekday: "long", timeZone: zone || undefined }).format(new Date(instant));
  return name.charAt(0).toUpperCase() + name.slice(1);
}

function nextRendezVous(ctx, notebook) {
  const upcoming = (notebook.rendez_vous || [])
    .filter((r) => !r.cancelled_at && notebook.next_rendez_vous && r.starts_at >= notebook.next_rendez_vous)
    .sort((a, b) => (a.starts_at < b.starts_at ? -1 : 1));
  const next = upcoming[0];
  let body;
  if (!notebook.next_rendez_vous) {
    body = h("p", {}, "Vous n'avez pas de rendez-vous prévu pour le moment.");
  } else {
    const [day, time] = formatDateTime(notebook.next_rendez_vous).split(" à ");
    body = [
      h("p", { class: "rdv-when" }, h("span", {}, `${weekday(ctx, notebook.next_rendez_vous)} ${day}`), h("span", {}, `à ${time}`)),
      next ? h("dl", { class: "facts" },
        h("dt", {}, "Avec"), h("dd", {}, next.with),
        h("dt", {}, "Où"), h("dd", {}, next.structure || "Votre référent vous le dira.")) : null,
    ];
  }
  const later = upcoming.slice(1);
  return h("section", { class: "card", "aria-labelledby": "titre-rdv" },
    h("h2", { id: "titre-rdv" }, "Mon prochain rendez-vous"),
    body,
    later.length ? [
      h("h3", {}, "Mes autres rendez-vous"),
      h("ul", { class: "plain" }, later.map((r) =>
        h("li", {}, `Le ${formatDateTime(r.starts_at)}, avec ${r.with}${r.structure ? ` (${r.structure})` : ""}`))),
    ] : null);
}

function referent(notebook) {
  const members = notebook.members || [];
  const main = members.find((m) => m.member_type === "referent");
  const others = members.filter((m) => m !== main);
  const contact = (member) => h("dl", { class: "facts" },
    member.position ? [h("dt", {}, "Métier"), h("dd", {}, member.position)] : null,
    member.structure ? [h("dt", {}, "Structure"), h("dd", {}, member.structure.name)] : null,
    member.phone ? [h("dt", {}, "Téléphone"), h("dd", {}, phoneLink(member.phone))] : null,
    h("dt", {}, "Courriel"), h("dd", {}, h("a", { href: "mailto:" + member.email }, member.email)));
  return h("section", { class: "card", "aria-labelledby": "titre-referent" },
    h("h2", { id: "titre-referent" }, "Ma personne référente"),
    main
      ? [h("p", {}, h("strong", {}, fullName(main)), " vous accompagne. Vous pouvez la contacter :"), contact(main)]
      : h("p", {}, "Vous n'avez pas encore de personne référente. Le département vous en proposera une."),
    others.length ? [
      h("h3", {}, "Les autres personnes qui vous accompagnent"),
      h("ul", { class: "plain" }, others.map((m) => h("li", {}, h("p", {}, h("strong", {}, fullName(m))), contact(m)))),
    ] : null);
}

function plan(notebook) {
  const focuses = (notebook.plan || []).filter((f) => f.objectifs.length);
  return h("section", { class: "card", "aria-labelledby": "titre-plan" },
    h("h2", { id: "titre-plan" }, "Mes objectifs"),
    focuses.length === 0
      ? h("p", {}, "Vous n'avez pas encore d'objectif. Vous les choisirez avec votre référent.")
      : focuses.map((focus) => h("div", { class: "plan-focus" },
        h("h3", {}, focus.label),
        focus.objectifs.map((objectif) => h("div", { class: "plan-objectif" },
          h("p", {}, h("strong", {}, objectif.label), " ", tag(OBJECTIF_STATUS[objectif.status] || [objectif.status, ""])),
          objectif.actions.length
            ? [h("p", { class: "muted" }, "Ce qui est prévu :"),
              h("ul", { class: "plain" }, objectif.actions.map((action) => h("li", {},
                h("p", {}, h("span", {}, action.label), " ", tag(ACTION_STATUS[action.status] || [action.status, ""])),
                action.due_date && !["done", "abandonned", "canceled"].includes(action.status)
                  ? h("p", { class: "muted" }, `À faire avant le ${formatDate(action.due_date)}`) : null)))]
            : null)))));
}

async function showTimeline(ctx, id, container, page, moveFocus) {
  replace(container, loading("Chargement…"));
  let list;
  try {
    list = await api.get(`/api/carnets/${id}/timeline${api.query({ page, per_page: TIMELINE_PER_PAGE })}`);
  } catch (problem) {
    replace(container, alertBox(problem.message, "error"));
    return;
  }
  if (!ctx.isCurrent()) return;
  replace(container,
    list.items.length === 0
      ? h("p", {}, "Rien pour le moment.")
      : h("ul", { class: "plain" }, list.items.map((event) => h("li", {},
        h("p", { class: "muted" }, formatDateTime(event.at)),
        h("p", {}, event.summary, event.actor ? ` (${event.actor})` : "")))),
    pagination(list, (to) => showTimeline(ctx, id, container, to, true)));
  if (moveFocus) {
    document.getElementById("titre-historique").focus();
    announce(`Page ${list.page} de l'historique`);
  }
}

function contactDetails(notebook, state, onSaved) {
  const person = notebook.beneficiary;
  const summary = h("dl", { class: "facts" });
  const drawSummary = () => replace(summary,
    h("dt", {}, "Téléphone"), h("dd", {}, person.phone || "Non renseigné"),
    h("dt", {}, "Adresse"), h("dd", {}, [person.address, [person.postal_code, person.city].filter(Boolean).join(" ")].filter(Boolean).join(", ") || "Non renseignée"),
    h("dt", {}, "Courriel"), h("dd", {}, person.email || "Non renseigné"));
  drawSummary();
  const names = ["phone", "address", "postal_code", "city"];
  const form = h("form", { id: "mes-coordonnees" },
    field({ label: "Téléphone", name: "phone", type: "tel", value: person.phone, autocomplete: "tel", hint: "Par exemple : 06 12 34 56 78" }),
    field({ label: "Adresse", name: "address", value: person.address, autocomplete: "street-address", hint: "Numéro et rue" }),
    field({ label: "Code postal", name: "postal_code", value: person.postal_code, autocomplete: "postal-code", hint: "5 chiffres", attributes: { inputmode: "numeric" } }),
    field({ label: "Ville", name: "city", value: person.city, autocomplete: "address-level2" }),
    h("div", { class: "actions-bar" }, h("button", { type: "submit" }, "Enregistrer mes coordonnées")));
  const done = h("div", { tabindex: "-1" });
  bindSave(form, {
    // Only what changed is sent; an emptied field is sent empty (the API clears it or explains).
    body: (f) => {
      const body = { version: state.version };
      for (const name of names) {
        const value = f.elements.namedItem(name).value.trim();
        if (value !== (person[name] || "")) body[name] = value;
      }
      return body;
    },
    send: (body) => api.patch(`/api/write/carnets/${notebook.id}/contact-details`, body),
    onSuccess: (after) => {
      state.version += 1;
      for (const name of names) if (name in after) person[name] = after[name];
      drawSummary();
      for (const name of names) form.elements.namedItem(name).value = person[name] || "";
      replace(done, alertBox("C'est enregistré : vos coordonnées sont à jour.", "success"));
      done.focus();
      onSaved();
    },
  });
  form.addEventListener("input", () => replace(done));
  return h("section", { class: "card", "aria-labelledby": "titre-coordonnees" },
    h("h2", { id: "titre-coordonnees" }, "Mes coordonnées"),
    h("p", {}, "Votre référent s'en sert pour vous joindre. Vérifiez qu'elles sont justes."),
    summary,
    h("p", { class: "muted" }, "Pour changer votre adresse électronique, allez sur ", h("a", { href: "/compte" }, "Mon compte"), "."),
    h("h3", {}, "Modifier mes coordonnées"),
    done,
    form);
}

function reminders(preferences) {
  const section = h("section", { class: "card", "aria-labelledby": "titre-rappels" },
    h("h2", { id: "titre-rappels" }, "Rappels par courriel"));
  if (!preferences) {
    section.append(alertBox("Vos choix de rappels ne peuvent pas être affichés pour le moment.", "warning"));
    return section;
  }
  let current = preferences.reminders;
  const status = h("p", {});
  const done = h("div", { tabindex: "-1" });
  const button = h("button", { type: "submit", class: "secondary" });
  const form = h("form", { id: "rappels" }, h("div", { class: "actions-bar" }, button));
  const draw = () => {
    replace(status, current
      ? "Vous recevez un courriel la veille de chaque rendez-vous."
      : `Vous ne recevez plus de rappel par courriel${preferences.reminders_opted_out_at ? ` depuis le ${formatDate(preferences.reminders_opted_out_at)}` : ""}.`);
    button.textContent = current ? "Ne plus recevoir les rappels" : "Recevoir à nouveau les rappels";
  };
  draw();
  bindSave(form, {
    body: () => ({ reminders: !current }),
    send: (body) => api.request("PUT", "/api/notifications/preferences", { body }),
    onSuccess: (answer) => {
      preferences = answer;
      current = answer.reminders;
      draw();
      replace(done, alertBox(current
        ? "C'est noté : vous recevrez de nouveau un rappel la veille de vos rendez-vous."
        : "C'est noté : vous ne recevrez plus de rappel par courriel. Pensez à noter vos rendez-vous.", "success"));
      done.focus();
    },
  });
  section.append(status, done, form);
  return section;
}
