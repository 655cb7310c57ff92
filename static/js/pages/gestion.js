// The département's management pages: the managers' dashboard (charts loaded on demand), the
// accounts (managers and the platform admin over the instance, a structure admin over their
// structure: search, create, grant and revoke roles, set work contacts, disable and enable), the
// structures and the dispositifs. What each person may do comes from the API (the grant matrix):
// buttons are shown only where the API says the action is allowed, and the API decides in the end.
import * as api from "../api.js";
import {
  h, replace, field, bindSave, formValues, alertBox, loading, pagination, formatDate, fullName,
  tableRegion as sharedTableRegion, messageZone, runAction, structureList, dispositifList,
  workContactFields, workContactBody,
} from "../ui.js";

export async function render(ctx) {
  switch (ctx.path) {
    case "/tableau-de-bord":
      return dashboard(ctx);
    case "/gestion/structures":
      return structures(ctx);
    case "/gestion/dispositifs":
      return dispositifs(ctx);
    default:
      return accountsPage(ctx, { title: "Comptes", path: "/gestion/comptes" });
  }
}

const STAFF_ROLES = [
  ["manager", "Gestionnaire du département"],
  ["orientation_manager", "Chargé d'orientation"],
  ["structure_admin", "Administrateur de structure"],
  ["professional", "Professionnel"],
  ["platform_admin", "Administrateur de la plateforme"],
];

const ORIENTATION_TYPES = [
  ["social", "Social"],
  ["pro", "Professionnel"],
  ["sociopro", "Socio-professionnel"],
  ["autre", "Autre"],
];

const plural = (count, word, many = word + "s") => `${count} ${count > 1 ? many : word}`;

/** A table in a scrollable region reachable with the keyboard (320 px screens). */
const tableRegion = (caption, headers, rows) => sharedTableRegion(caption, headers, rows, { focusableCaption: true });

/** A button that runs `action` once at a time and shows what went wrong next to it. */
function actionButton(label, attributes, action) {
  const button = h("button", { type: "button", class: "small", ...attributes, onclick: () => runAction(button, action) }, label);
  return button;
}

/**
 * A button whose action is confirmed first: it gives way to the confirmation (focused, with an
 * optional `note`) and « Annuler », which brings it back, focused.
 */
function confirmedAction({ label, attributes, confirmLabel, confirmAria, note }, action) {
  const zone = h("span", { class: "row" });
  const ask = h("button", {
    type: "button", ...attributes,
    onclick: () => {
      const confirm = actionButton(confirmLabel, { class: "small danger", "aria-label": confirmAria }, action);
      const cancel = h("button", { type: "button", class: "small secondary", onclick: () => {
        replace(zone, ask);
        ask.focus();
      } }, "Annuler");
      replace(zone, note ? h("span", { class: "muted" }, note) : null, confirm, cancel);
      confirm.focus();
    },
  }, label);
  zone.append(ask);
  return zone;
}

// ---------------------------------------------------------------------------------------------
// Accounts

/** The instance's structures (names only are used), kept while the application is open. */
const allStructures = structureList;

function roleText(role) {
  return role.structure ? `${role.label} — ${role.structure.name}` : role.label;
}

/**
 * The accounts page. `options.title`, `options.path` (where filters and pages navigate),
 * `options.intro` (a sentence under the title) and `options.createTitle`.
 */
export async function accountsPage(ctx, options) {
  const structureAdmin = ctx.role === "structure_admin";
  const ownStructure = structureAdmin && ctx.session.me.active_role.structure;
  const params = {
    q: (ctx.query.get("q") || "").trim(),
    structure_id: structureAdmin ? "" : ctx.query.get("structure") || "",
    role: ctx.query.get("role") || "",
    etat: ctx.query.get("etat") || "",
    page: Math.max(1, Number.parseInt(ctx.query.get("page") || "1", 10) || 1),
  };
  ctx.setTitle(options.title);
  const structures = structureAdmin ? [] : await allStructures();
  if (!ctx.isCurrent()) return;

  const message = messageZone();
  const listZone = h("div", {}, loading());
  const panel = h("div", {});

  const apiQuery = () => api.query({
    q: params.q,
    structure_id: params.structure_id,
    role: params.role,
    disabled: params.etat === "desactives" ? "true" : params.etat === "actifs" ? "false" : "",
    page: params.page,
    per_page: 20,
  });

  let grantable = [];
  async function load() {
    const list = await api.get("/api/auth/accounts" + apiQuery());
    grantable = list.grantable_roles;
    drawList(list);
    return list;
  }

  function drawList(list) {
    if (!list.items.length) {
      replace(listZone, h("p", { id: "aucun-compte", tabindex: "-1" },
        params.q || params.role || params.structure_id || params.etat ? "Aucun compte ne correspond à ces critères." : "Aucun compte pour le moment."));
      return;
    }
    const caption = `${plural(list.total, "compte")}` + (list.total > list.per_page ? `, page ${list.page}` : "");
    const rows = list.items.map((account) => accountRow(account));
    replace(listZone, tableRegion(caption, ["Nom", "Adresse électronique", "Rôles", "État", "Actions"], rows),
      pagination(list, (target) => {
        ctx.main.dataset.keepFocus = "1";
        ctx.navigate(options.path + api.query({ ...filterQuery(), page: target > 1 ? target : null }));
      }));
  }

  function filterQuery() {
    return { q: params.q, structure: params.structure_id, role: params.role, etat: params.etat };
  }

  async function afterAction(text) {
    await load();
    message.say(text);
  }

  function accountRow(account) {
    const name = fullName(account) || account.email;
    const roleItems = account.roles.map((role) => h("li", {}, h("span", {}, roleText(role)), role.may_revoke ? [" ", confirmedAction({
      label: "Retirer", attributes: { class: "link", "aria-label": `Retirer le rôle ${roleText(role)} de ${name}` },
      confirmLabel: "Confirmer le retrait", confirmAria: `Confirmer le retrait du rôle ${roleText(role)} de ${name}`,
    }, async () => {
      await api.del(`/api/auth/accounts/${encodeURIComponent(account.id)}/roles/${encodeURIComponent(role.id)}`);
      await afterAction(`Le rôle ${roleText(role)} a été retiré à ${name}.`);
    })] : null));
    const actions = [];
    if (account.may_disable) {
      actions.push(account.disabled
        ? actionButton("Réactiver", { class: "small secondary", "aria-label": `Réactiver le compte de ${name}` }, async () => {
          await api.post(`/api/auth/accounts/${encodeURIComponent(account.id)}/enable`, {});
          await afterAction(`Le compte de ${name} est réactivé.`);
        })
        : disableButton(account, name));
    }
    if (!account.is_self && grantable.length && !account.disabled) {
      actions.push(h("button", { type: "button", class: "small secondary", "aria-label": `Ajouter un rôle à ${name}`, onclick: () => openGrant(account) }, "Ajouter un rôle"));
    }
    if (account.may_set_work_contact) {
      actions.push(h("button", { type: "button", class: "small secondary", "aria-label": `Coordonnées professionnelles de ${name}`, onclick: () => openWorkContact(account) }, "Coordonnées"));
    }
    const contact = account.work_contact ? [account.work_contact.position, account.work_contact.phone].filter(Boolean).join(" · ") : "";
    return h("tr", {},
      h("th", { scope: "row" }, name, account.is_self ? h("span", { class: "muted" }, " (vous)") : null,
        contact ? h("span", { class: "muted block" }, contact) : null),
      h("td", { class: "break" }, account.email),
      h("td", {}, roleItems.length ? h("ul", { class: "plain compact" }, roleItems) : h("span", { class: "muted" }, "Aucun rôle actif")),
      h("td", {}, account.disabled
        ? h("span", { class: "tag tag--warning" }, `Désactivé le ${formatDate(account.disabled_at)}`)
        : h("span", { class: "tag tag--success" }, "Actif")),
      h("td", {}, actions.length ? h("div", { class: "row" }, actions) : h("span", { class: "muted" }, "—")));
  }

  /** The fields choosing a role (and its structure when the role needs one). */
  function roleFields() {
    const roleField = field({
      label: "Rôle à donner", name: "role", required: true,
      options: grantable.length > 1 ? [["", "Choisir un rôle"], ...grantable.map((r) => [r.role, r.label])] : grantable.map((r) => [r.role, r.label]),
    });
    const needsStructure = (code) => {
      const chosen = grantable.find((r) => r.role === code);
      return chosen && chosen.needs_structure && !chosen.structure_id;
    };
    const structureField = field({
      label: "Structure du rôle", name: "structure_id", required: true,
      hint: "Pour les rôles d'administrateur de structure et de professionnel.",
      options: [["", "Choisir une structure"], ...structures.map((s) => [s.id, s.name])],
    });
    const select = roleField.querySelector("select");
    const sync = () => {
      const shown = needsStructure(select.value);
      structureField.hidden = !shown;
      structureField.querySelector("select").disabled = !shown;
    };
    select.addEventListener("change", sync);
    sync();
    const fixed = grantable.length === 1 && grantable[0].structure_id && ownStructure
      ? h("p", { class: "muted" }, `Structure : ${ownStructure.name}`)
      : null;
    return [roleField, structureField, fixed];
  }

  function roleBody(values) {
    const chosen = grantable.find((r) => r.role === values.role);
    const body = { role: values.role || "" };
    if (chosen && chosen.structure_id) body.structure_id = chosen.structure_id;
    else if (values.structure_id) body.structure_id = values.structure_id;
    return body;
  }

  function openGrant(account) {
    const name = fullName(account) || account.email;
    const titleId = "ajout-role-titre";
    const form = h("form", { "aria-labelledby": titleId },
      roleFields(),
      h("div", { class: "actions-bar" },
        h("button", { type: "submit" }, "Ajouter le rôle"),
        h("button", { type: "button", class: "secondary", onclick: () => { replace(panel); message.focus(); } }, "Annuler")));
    bindSave(form, {
      send: (values) => api.post(`/api/auth/accounts/${encodeURIComponent(account.id)}/roles`, roleBody(values)),
      onSuccess: async (_, values) => {
        replace(panel);
        const chosen = grantable.find((r) => r.role === values.role);
        await afterAction(`${name} a maintenant le rôle ${chosen ? chosen.label : values.role}.`);
      },
    });
    replace(panel, h("section", { class: "card", "aria-labelledby": titleId },
      h("h2", { id: titleId, tabindex: "-1" }, `Ajouter un rôle à ${name}`),
      form));
    panel.querySelector("h2").focus();
  }

  /** « Désactiver », then a confirmation (every session of the account ends at once). */
  function disableButton(account, name) {
    return confirmedAction({
      label: "Désactiver", attributes: { class: "small danger", "aria-label": `Désactiver le compte de ${name}` },
      confirmLabel: "Confirmer la désactivation", confirmAria: `Confirmer la désactivation du compte de ${name}`,
      note: "Ses sessions seront fermées.",
    }, async () => {
      const result = await api.post(`/api/auth/accounts/${encodeURIComponent(account.id)}/disable`, {});
      const ended = result && result.ended_sessions ? ` ${plural(result.ended_sessions, "session ouverte a été fermée", "sessions ouvertes ont été fermées")}.` : "";
      await afterAction(`Le compte de ${name} est désactivé : cette personne ne peut plus se connecter.${ended}`);
    });
  }

  /** The work position and phone of someone whose roles the caller grants, as on « Mon compte ». */
  function openWorkContact(account) {
    const name = fullName(account) || account.email;
    const titleId = "coordonnees-titre";
    const form = h("form", { "aria-labelledby": titleId },
      workContactFields(account.work_contact),
      h("div", { class: "actions-bar" },
        h("button", { type: "submit" }, "Enregistrer les coordonnées"),
        h("button", { type: "button", class: "secondary", onclick: () => { replace(panel); message.focus(); } }, "Annuler")));
    bindSave(form, {
      send: (values) => api.put(`/api/auth/accounts/${encodeURIComponent(account.id)}/work-contact`, workContactBody(values)),
      onSuccess: async () => {
        replace(panel);
        await afterAction(`Les coordonnées professionnelles de ${name} sont enregistrées.`);
      },
    });
    replace(panel, h("section", { class: "card", "aria-labelledby": titleId },
      h("h2", { id: titleId, tabindex: "-1" }, `Coordonnées professionnelles de ${name}`),
      h("p", {}, "Elles figurent avec son nom dans les carnets dont cette personne est membre."),
      form));
    panel.querySelector("h2").focus();
  }

  // The filters.
  const filters = h("form", { class: "inline-form", role: "search", "aria-label": "Filtrer les comptes" },
    field({ label: "Nom ou adresse électronique", name: "q", type: "search", value: params.q }),
    structureAdmin ? null : field({ label: "Structure", name: "structure", value: params.structure_id, options: [["", "Toutes les structures"], ...structures.map((s) => [s.id, s.name])] }),
    field({ label: "Rôle", name: "role", value: params.role, options: [["", "Tous les rôles"], ...STAFF_ROLES.filter(([code]) => !structureAdmin || code === "professional" || code === "structure_admin")] }),
    field({ label: "État", name: "etat", value: params.etat, options: [["", "Tous"], ["actifs", "Actifs"], ["desactives", "Désactivés"]] }),
    h("div", {}, h("button", { type: "submit" }, "Rechercher")));
  filters.addEventListener("submit", (event) => {
    event.preventDefault();
    const values = formValues(filters);
    ctx.navigate(options.path + api.query({ q: values.q, structure: values.structure, role: values.role, etat: values.etat }));
  });

  try {
    await load();
  } catch (problem) {
    if (problem instanceof api.ApiError && problem.status === 422) {
      replace(listZone, alertBox(problem.message, "error"));
    } else {
      throw problem;
    }
  }
  if (!ctx.isCurrent()) return;

  // Creating an account.
  const createTitleId = "creer-compte-titre";
  const createDone = messageZone();
  const existing = h("div", {});
  let createSection = null;
  if (grantable.length) {
    const form = h("form", { "aria-labelledby": createTitleId },
      h("div", { class: "grid grid--2" },
        field({ label: "Prénom", name: "first_name", required: true, autocomplete: "off" }),
        field({ label: "Nom", name: "last_name", required: true, autocomplete: "off" })),
      field({ label: "Adresse électronique", name: "email", type: "email", required: true, autocomplete: "off", hint: "La personne recevra un courriel l'invitant à se connecter." }),
      roleFields(),
      h("div", { class: "actions-bar" }, h("button", { type: "submit" }, options.createButton || "Créer le compte")));
    bindSave(form, {
      send: async (values, key) => {
        replace(existing);
        const body = { first_name: values.first_name || "", last_name: values.last_name || "", email: values.email || "", ...roleBody(values) };
        try {
          return await api.post("/api/auth/accounts", body, { idempotencyKey: key });
        } catch (problem) {
          if (problem instanceof api.ApiError && problem.code === "account_exists" && problem.details && problem.details.account_id) {
            offerExisting(problem.details.account_id, body);
          }
          throw problem;
        }
      },
      onSuccess: async (_, values) => {
        const name = [values.first_name, values.last_name].filter(Boolean).join(" ");
        form.reset();
        form.querySelector("select[name=role]").dispatchEvent(new Event("change"));
        await load();
        createDone.say(`Compte créé pour ${name} (${values.email}). Un courriel l'invite à se connecter.`);
      },
    });
    createSection = h("section", { "aria-labelledby": createTitleId },
      h("h2", { id: createTitleId }, options.createTitle || "Créer un compte"),
      form, existing, createDone);
  }

  /** The address already has an account: offer to give it the role instead. */
  function offerExisting(accountId, body) {
    const button = actionButton("Ajouter ce rôle au compte existant", { class: "secondary" }, async () => {
      await api.post(`/api/auth/accounts/${encodeURIComponent(accountId)}/roles`, { role: body.role, structure_id: body.structure_id });
      replace(existing);
      await load();
      createDone.say(`Le rôle a été ajouté au compte existant de ${body.email}.`);
    });
    replace(existing, h("div", { class: "alert alert--warning" },
      h("p", {}, `Un compte existe déjà pour ${body.email}.`), button));
  }

  replace(ctx.main,
    h("h1", {}, options.title),
    options.intro ? h("p", {}, options.intro) : null,
    filters,
    message,
    h("section", { "aria-labelledby": "liste-comptes-titre" },
      h("h2", { id: "liste-comptes-titre", class: "sr-only" }, "Liste des comptes"),
      listZone),
    panel,
    createSection);
  if (ctx.query.get("page") || params.q || params.role || params.etat || params.structure_id) {
    // After a search or a page change, the reader lands on the results.
    ctx.main.dataset.keepFocus = "1";
    (ctx.main.querySelector("caption") || ctx.main.querySelector("#aucun-compte") || ctx.main.querySelector("h1")).focus();
  }
}

// ---------------------------------------------------------------------------------------------
// Structures

async function structures(ctx) {
  ctx.setTitle("Structures");
  const manager = ctx.role === "manager";
  const message = messageZone();
  const listZone = h("div", {}, loading());
  const panel = h("div", {});

  async function load() {
    structureList.reset();
    const items = await allStructures();
    if (!items.length) {
      replace(listZone, h("p", {}, "Aucune structure pour le moment."));
      return items;
    }
    const headers = ["Nom", "SIRET", "Adresse", "Téléphone", "Adresse électronique", "Nom sensible"];
    if (manager) headers.push("Actions");
    const rows = items.map((structure) => h("tr", { id: `structure-${structure.id}` },
      h("th", { scope: "row" }, structure.name),
      h("td", {}, structure.siret || "—"),
      h("td", {}, [structure.address, [structure.postal_code, structure.city].filter(Boolean).join(" ")].filter(Boolean).join(", ") || "—"),
      h("td", {}, structure.phone || "—"),
      h("td", { class: "break" }, structure.email || "—"),
      h("td", {}, structure.sensitive ? h("span", { class: "tag tag--warning" }, "Oui, masqué hors membres") : "Non"),
      manager ? h("td", {}, h("button", { type: "button", class: "small secondary", "aria-label": `Modifier ${structure.name}`, onclick: () => openEdit(structure) }, "Modifier")) : null));
    replace(listZone, tableRegion(plural(items.length, "structure"), headers, rows));
    return items;
  }

  function openEdit(structure) {
    const titleId = "modifier-structure-titre";
    const form = h("form", { "aria-labelledby": titleId },
      h("p", { class: "muted" }, "Un champ laissé vide garde la valeur enregistrée."),
      h("div", { class: "grid grid--2" },
        field({ label: "SIRET", name: "siret", value: structure.siret, hint: "14 chiffres.", attributes: { inputmode: "numeric" } }),
        field({ label: "Téléphone", name: "phone", type: "tel", value: structure.phone })),
      field({ label: "Adresse", name: "address", value: structure.address }),
      h("div", { class: "grid grid--2" },
        field({ label: "Code postal", name: "postal_code", value: structure.postal_code, attributes: { inputmode: "numeric" } }),
        field({ label: "Ville", name: "city", value: structure.city })),
      field({ label: "Adresse électronique", name: "email", type: "email", value: structure.email }),
      field({ label: "Nom sensible", name: "sensitive", type: "checkbox", value: structure.sensitive, hint: "Le nom révèle la santé, la justice ou la religion : il est remplacé par « structure d'accompagnement » pour qui n'est pas membre du carnet." }),
      h("div", { class: "actions-bar" },
        h("button", { type: "submit" }, "Enregistrer"),
        h("button", { type: "button", class: "secondary", onclick: () => { replace(panel); message.focus(); } }, "Annuler")));
    bindSave(form, {
      send: (values) => api.patch(`/api/write/structures/${encodeURIComponent(structure.id)}`, values),
      onSuccess: async () => {
        replace(panel);
        await load();
        message.say(`La structure ${structure.name} est enregistrée.`);
      },
    });
    replace(panel, h("section", { class: "card", "aria-labelledby": titleId },
      h("h2", { id: titleId, tabindex: "-1" }, `Modifier ${structure.name}`), form));
    panel.querySelector("h2").focus();
  }

  await load();
  if (!ctx.isCurrent()) return;
  let createSection = null;
  if (manager) {
    const done = messageZone();
    const form = h("form", { "aria-labelledby": "creer-structure-titre", class: "inline-form" },
      field({ label: "Nom de la structure", name: "name", required: true, autocomplete: "off" }),
      h("div", {}, h("button", { type: "submit" }, "Créer la structure")));
    bindSave(form, {
      send: (values) => api.post("/api/auth/structures", { name: values.name || "" }),
      onSuccess: async (created) => {
        form.reset();
        await load();
        done.say(`La structure ${created.name} est créée. Vous pouvez compléter ses coordonnées avec « Modifier ».`);
      },
    });
    createSection = h("section", { "aria-labelledby": "creer-structure-titre" },
      h("h2", { id: "creer-structure-titre" }, "Créer une structure"), form, done);
  }
  replace(ctx.main,
    h("h1", {}, "Structures"),
    manager ? null : h("p", {}, "Les structures du département. Seuls les gestionnaires du département les créent et les modifient."),
    message,
    listZone,
    panel,
    createSection);
}

// ---------------------------------------------------------------------------------------------
// Dispositifs

async function dispositifs(ctx) {
  ctx.setTitle("Dispositifs d'accompagnement");
  const listZone = h("div", {}, loading());
  const typeLabel = (code) => (ORIENTATION_TYPES.find(([value]) => value === code) || [code, code])[1];
  async function load() {
    // Read afresh (and shared with the other pages: a dispositif created here is offered there).
    dispositifList.reset();
    const items = await dispositifList();
    replace(listZone, items.length
      ? tableRegion(plural(items.length, "dispositif"), ["Nom", "Type d'orientation"],
        items.map((item) => h("tr", {}, h("th", { scope: "row" }, item.name), h("td", {}, typeLabel(item.orientation_type)))))
      : h("p", {}, "Aucun dispositif pour le moment."));
  }
  await load();
  if (!ctx.isCurrent()) return;
  const done = messageZone();
  const form = h("form", { "aria-labelledby": "creer-dispositif-titre" },
    h("div", { class: "grid grid--2" },
      field({ label: "Nom du dispositif", name: "name", required: true, autocomplete: "off" }),
      field({ label: "Type d'orientation", name: "orientation_type", required: true, options: [["", "Choisir un type"], ...ORIENTATION_TYPES] })),
    h("div", { class: "actions-bar" }, h("button", { type: "submit" }, "Créer le dispositif")));
  bindSave(form, {
    send: (values, key) => api.post("/api/write/dispositifs", { name: values.name, orientation_type: values.orientation_type }, { idempotencyKey: key }),
    onSuccess: async (created) => {
      form.reset();
      await load();
      done.say(`Le dispositif ${created.name} est créé.`);
    },
  });
  replace(ctx.main,
    h("h1", {}, "Dispositifs d'accompagnement"),
    h("p", {}, "Les dispositifs que les référents indiquent en rejoignant un carnet et que l'orientation choisit."),
    listZone,
    h("section", { "aria-labelledby": "creer-dispositif-titre" },
      h("h2", { id: "creer-dispositif-titre" }, "Créer un dispositif"), form, done));
}

// ---------------------------------------------------------------------------------------------
// Dashboard

const ACTION_STATUSES = {
  planned: ["Prévues", 1],
  in_progress: ["En cours", 1],
  standby: ["En attente", 4],
  done: ["Réalisées", 2],
  abandonned: ["Abandonnées", 3],
  canceled: ["Annulées", 3],
};

function monthLabels(month) {
  const [year, number] = month.split("-").map(Number);
  const date = new Date(Date.UTC(year, number - 1, 15));
  const short = new Intl.DateTimeFormat("fr-FR", { month: "short", timeZone: "UTC" }).format(date);
  const long = new Intl.DateTimeFormat("fr-FR", { month: "long", year: "numeric", timeZone: "UTC" }).format(date);
  return { short, year: String(year), long };
}

async function dashboard(ctx) {
  ctx.setTitle("Tableau de bord");
  const [figures, charts] = await Promise.all([api.get("/api/carnets/dashboard"), import("./graphiques.js")]);
  if (!ctx.isCurrent()) return;
  const { columnChart, barChart, smallMultiples, dataTable, formatNumber } = charts;
  const n = figures.notebooks;
  const pending = figures.pending_orientations;

  const kpi = (label, value, link) => h("div", { class: "card" },
    h("p", {}, h("span", { class: "kpi" }, formatNumber(value)), label),
    link ? h("p", {}, h("a", { href: link[0] }, link[1])) : null);

  // Pending orientation requests, by how long they have waited.
  const ages = [
    { label: "Moins de 7 jours", value: pending.under_7_days, tone: 1 },
    { label: "7 à 30 jours", value: pending.from_7_to_30_days, tone: 4 },
    { label: "Plus de 30 jours", value: pending.over_30_days, tone: 3 },
  ];
  const orientationSection = h("section", { "aria-labelledby": "graphique-orientation-titre" },
    h("h2", { id: "graphique-orientation-titre" }, "Demandes d'orientation en attente, par ancienneté"),
    columnChart({
      title: "Demandes d'orientation en attente, par ancienneté",
      description: ages.map((a) => `${a.label} : ${a.value}`).join(", ") + ". Détail dans le tableau qui suit.",
      items: ages,
    }),
    dataTable("Détail des demandes d'orientation en attente, par ancienneté", ["Ancienneté", "Demandes"],
      [...ages.map((a) => [a.label, a.value]), ["Total", pending.total]]));

  // Actions by month of start and current status.
  const months = figures.actions_by_month;
  const statuses = Object.keys(ACTION_STATUSES);
  const columns = months.map((m, index) => {
    const labels = monthLabels(m.month);
    return { label: labels.short, sublabel: index === 0 || m.month.endsWith("-01") ? labels.year : null };
  });
  const rows = statuses.map((status) => ({
    label: ACTION_STATUSES[status][0],
    tone: ACTION_STATUSES[status][1],
    values: months.map((m) => (m.by_status.find((s) => s.status === status) || { count: 0 }).count),
  }));
  const first = months.length ? monthLabels(months[0].month).long : "";
  const last = months.length ? monthLabels(months[months.length - 1].month).long : "";
  const totalActions = months.reduce((sum, m) => sum + m.total, 0);
  const actionsSection = h("section", { "aria-labelledby": "graphique-actions-titre" },
    h("h2", { id: "graphique-actions-titre" }, "Actions par mois de début et par statut"),
    h("p", { class: "muted" }, `De ${first} à ${last} : ${formatNumber(totalActions)} action${totalActions > 1 ? "s" : ""}, classées selon leur statut actuel.`),
    smallMultiples({
      title: "Actions par mois de début et par statut, sur les 12 derniers mois",
      description: `Une ligne de barres par statut, une barre par mois, de ${first} à ${last}. Détail dans le tableau qui suit.`,
      columns,
      rows,
    }),
    dataTable("Détail des actions par mois de début et par statut", ["Mois", ...statuses.map((s) => ACTION_STATUSES[s][0]), "Total"],
      months.map((m) => [monthLabels(m.month).long, ...statuses.map((status) => (m.by_status.find((s) => s.status === status) || { count: 0 }).count), m.total])));

  // Activity by structure.
  const byStructure = [...figures.structures].sort((a, b) => b.notebooks - a.notebooks || a.name.localeCompare(b.name, "fr"));
  const top = byStructure.slice(0, 10);
  const structureSection = h("section", { "aria-labelledby": "graphique-structures-titre" },
    h("h2", { id: "graphique-structures-titre" }, "Activité par structure"),
    top.length ? barChart({
      title: `Carnets suivis par structure (les ${top.length} plus actives)`,
      description: top.map((s) => `${s.name} : ${s.notebooks}`).join(", ") + ". Toutes les structures dans le tableau qui suit.",
      items: top.map((s) => ({ label: s.name, value: s.notebooks })),
    }) : h("p", {}, "Aucune structure pour le moment."),
    dataTable("Activité de chaque structure", ["Structure", "Carnets suivis", "Carnets dont elle a le référent", "Professionnels actifs", "Rendez-vous sur 30 jours"],
      byStructure.map((s) => [s.name, s.notebooks, s.referent_of, s.professionals, s.rendez_vous_30_days])));

  replace(ctx.main,
    h("h1", {}, "Tableau de bord du département"),
    h("p", { class: "muted" }, "Des chiffres, sans aucune donnée personnelle. Les carnets archivés sont comptés à part."),
    h("section", { "aria-labelledby": "chiffres-titre" },
      h("h2", { id: "chiffres-titre" }, "Chiffres clés"),
      h("div", { class: "grid grid--3" },
        kpi("carnets actifs", n.active, null),
        kpi("carnets sans référent", n.without_referent, ["/departement", "Voir les carnets du département"]),
        kpi("demandes d'orientation en attente", pending.total, ["/orientation", "Voir les demandes d'orientation"])),
      h("p", { class: "muted" }, `${plural(n.archived, "carnet archivé", "carnets archivés")}.`)),
    orientationSection,
    actionsSection,
    structureSection);
}
