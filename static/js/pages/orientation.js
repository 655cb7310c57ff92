// The orientation managers' pages (managers see them too, read-only for decisions):
// - /orientation: the queue of re-orientation requests (pending ones first, oldest first), who
//   asked, when, why, what they suggest, and the decision (keep the current support, or
//   re-orient: dispositif, structure, new referent) — POST /api/write/orientation-requests/{id}/decision;
// - /departement: the département's notebooks, filtered (without referent, re-orientation
//   pending, RSA right), paged, each row opening the notebook.
import * as api from "../api.js";
import {
  h, replace, field, bindSave, formValues, alertBox, loading, pagination, formatDate, fullName, announce,
  dispositifList, structureList, professionalsOf, referentiel, tableRegion, fieldError, problemMessage,
} from "../ui.js";
import { orientationFields, orientationBody } from "./orientation-form.js";

export async function render(ctx) {
  if (ctx.path === "/departement") return department(ctx);
  return queue(ctx);
}

/** The dispositifs and structures a decision chooses among. */
async function lists() {
  const [dispositifs, structures] = await Promise.all([dispositifList(), structureList()]);
  return { dispositifs, structures };
}

function plural(count, one, many) {
  return `${count} ${count > 1 ? many : one}`;
}

// ---------------------------------------------------------------------------------------------
// The queue

async function queue(ctx) {
  // Fresh lists each time the queue is shown (structures and professionals change).
  dispositifList.reset();
  structureList.reset();
  professionalsOf.reset();
  const decided = ctx.query.get("statut") === "decidees";
  const page = Math.max(1, Number(ctx.query.get("page")) || 1);
  const title = decided ? "Demandes d'orientation décidées" : "Demandes d'orientation en attente";
  ctx.setTitle(title);
  const mayDecide = ctx.role === "orientation_manager";
  const message = h("div", { id: "message-orientation", tabindex: "-1" });
  const results = h("div", {}, loading("Chargement des demandes…"));
  const tab = (href, label, current) => h("li", {}, h("a", { href, "aria-current": current ? "page" : null }, label));
  replace(ctx.main,
    h("h1", {}, "Demandes d'orientation"),
    h("p", {}, "Les demandes de réorientation envoyées par les référents, les plus anciennes d'abord."),
    mayDecide ? null : alertBox("Seuls les chargés d'orientation prennent les décisions : vous les consultez.", "info"),
    h("nav", { "aria-label": "Demandes à afficher" },
      h("ul", { class: "tabs" },
        tab("/orientation", "En attente", !decided),
        tab("/orientation?statut=decidees", "Décidées", decided))),
    message,
    results);
  let context = null;
  if (mayDecide && !decided) {
    try {
      context = await lists();
    } catch (problem) {
      replace(message, alertBox(`Les listes de dispositifs et de structures ne sont pas disponibles : ${problemMessage(problem)}`, "error"));
    }
  }
  const load = async (pageWanted) => {
    const list = await api.get(`/api/carnets/orientation-requests${api.query({ status: decided ? "decided" : "pending", page: pageWanted })}`);
    if (!ctx.isCurrent()) return null;
    if (list.items.length === 0 && pageWanted > 1) return load(pageWanted - 1);
    const count = decided
      ? plural(list.total, "demande décidée", "demandes décidées")
      : plural(list.total, "demande en attente", "demandes en attente");
    replace(results,
      h("p", { id: "nombre-demandes" }, list.total === 0 ? (decided ? "Aucune demande décidée." : "Aucune demande en attente.") : count + "."),
      list.items.length ? h("ul", { class: "plain", "aria-labelledby": "nombre-demandes" }, list.items.map((request) =>
        h("li", {}, requestCard(request, mayDecide && !decided ? context : null, async (answer, summary) => {
          await load(list.page);
          replace(message, alertBox(summary, "success"));
          message.focus();
          announce(summary);
        })))) : null,
      pagination(list, (to) => ctx.navigate(`/orientation${api.query({ statut: decided ? "decidees" : null, page: to })}`)));
    return list;
  };
  await load(page);
}

function requestCard(request, context, onDecided) {
  const person = fullName(request.beneficiary);
  const current = request.referent
    ? `${request.referent.name}${request.referent.structure ? ` — ${request.referent.structure}` : ""}`
    : "Pas de référent";
  const facts = h("dl", { class: "facts" },
    h("dt", {}, "Date de naissance"), h("dd", {}, request.beneficiary.birth_date ? formatDate(request.beneficiary.birth_date) : "Non renseignée"),
    h("dt", {}, "Demandée par"), h("dd", {}, [request.requested_by.name, request.requested_by.structure].filter(Boolean).join(" — ")),
    h("dt", {}, "Le"), h("dd", {}, formatDate(request.created_at)),
    h("dt", {}, "Motif"), h("dd", {}, request.reason),
    h("dt", {}, "Dispositif proposé"), h("dd", {}, request.suggested_dispositif ? request.suggested_dispositif.name : "Aucun"),
    h("dt", {}, "Référent actuel"), h("dd", {}, current),
    h("dt", {}, "Dispositif actuel"), h("dd", {}, request.current_dispositif ? request.current_dispositif.name : "Aucun"),
    request.status === "pending" ? null : [
      h("dt", {}, "Décision"), h("dd", {}, h("span", { class: `tag ${request.status === "accepted" ? "tag--success" : "tag--info"}` },
        request.status === "accepted" ? "Réorientation acceptée" : "Accompagnement maintenu")),
      h("dt", {}, "Décidée le"), h("dd", {}, `${formatDate(request.decided_at)}${request.decided_by ? ` par ${request.decided_by}` : ""}`),
      h("dt", {}, "Motif de la décision"), h("dd", {}, request.decision_reason || ""),
    ]);
  return h("article", { class: "card", "aria-labelledby": `demande-${request.id}` },
    h("h2", { id: `demande-${request.id}` }, h("a", { href: `/carnets/${request.notebook_id}` }, person),
      " ", h("span", { class: `tag ${request.status === "pending" ? "tag--warning" : ""}`.trim() }, request.status === "pending" ? "en attente" : "décidée")),
    facts,
    context ? decisionForm(request, context, onDecided) : null);
}

function decisionForm(request, context, onDecided) {
  const person = fullName(request.beneficiary);
  const decision = field({
    label: "Décision", name: "decision", required: true,
    options: [["", "Choisir une décision"], ["keep", "Maintenir l'accompagnement actuel"], ["reorient", "Réorienter"]],
  });
  const reorientFields = orientationFields({
    dispositifs: context.dispositifs,
    structures: context.structures,
    dispositifId: request.suggested_dispositif ? request.suggested_dispositif.id : "",
  });
  reorientFields.hidden = true;
  const form = h("form", { class: "stack" },
    decision,
    reorientFields,
    field({ label: "Motif de la décision", name: "reason", type: "textarea", required: true, hint: "Il reste dans l'outil : il n'est jamais envoyé par courriel." }),
    h("div", { class: "actions-bar" }, h("button", { type: "submit" }, "Enregistrer la décision")));
  const controls = form.elements;
  const syncDecision = () => {
    const reorient = controls.namedItem("decision").value === "reorient";
    reorientFields.hidden = !reorient;
    for (const name of ["dispositif_id", "structure_id", "referent_account_id"]) controls.namedItem(name).disabled = !reorient;
  };
  controls.namedItem("decision").addEventListener("change", syncDecision);
  syncDecision();
  bindSave(form, {
    body: (f) => {
      const values = formValues(f);
      if (!values.decision) throw fieldError("decision", "Choisissez une décision.");
      const body = { decision: values.decision, reason: values.reason };
      return values.decision === "reorient" ? { ...body, ...orientationBody(values) } : body;
    },
    send: (body, key) => api.post(`/api/write/orientation-requests/${request.id}/decision`, body, { idempotencyKey: key }),
    onSuccess: (answer) => onDecided(answer, answer.status === "accepted"
      ? `Décision enregistrée pour ${person} : réorientation acceptée. La demande a quitté la liste des demandes en attente.`
      : `Décision enregistrée pour ${person} : accompagnement maintenu. La demande a quitté la liste des demandes en attente.`),
  });
  return h("details", {},
    h("summary", {}, `Décider de la demande pour ${person}`),
    form);
}

// ---------------------------------------------------------------------------------------------
// The département's lists

let focusResults = false;

async function department(ctx) {
  ctx.setTitle("Carnets du département");
  const filters = {
    sans_referent: ctx.query.get("sans_referent") === "true",
    orientation_en_attente: ctx.query.get("orientation_en_attente") === "true",
    rsa: ctx.query.get("rsa") || "",
  };
  const page = Math.max(1, Number(ctx.query.get("page")) || 1);
  const results = h("div", {}, loading("Chargement des carnets…"));
  let rsaRights = [];
  try {
    rsaRights = (await referentiel()).coded_values.rsa_right || [];
  } catch (_) {
    // The filter still works without labels: only the "all" choice is offered.
  }
  if (!ctx.isCurrent()) return;
  const form = h("form", { class: "filters", role: "search", "aria-label": "Filtrer les carnets" },
    h("fieldset", {},
      h("legend", {}, "Filtres"),
      field({ label: "Sans référent", name: "sans_referent", type: "checkbox", value: filters.sans_referent }),
      field({ label: "Demande de réorientation en attente", name: "orientation_en_attente", type: "checkbox", value: filters.orientation_en_attente }),
      field({ label: "Droit RSA", name: "rsa", value: filters.rsa, options: [["", "Tous"], ...rsaRights.map((r) => [r.code, r.label])] })),
    h("div", { class: "actions-bar" }, h("button", { type: "submit" }, "Filtrer")));
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const values = formValues(form);
    focusResults = true;
    ctx.navigate("/departement" + api.query({
      sans_referent: values.sans_referent ? "true" : null,
      orientation_en_attente: values.orientation_en_attente ? "true" : null,
      rsa: values.rsa,
    }));
  });
  replace(ctx.main,
    h("h1", {}, "Carnets du département"),
    form,
    results);
  let list;
  try {
    list = await api.get("/api/carnets/departement" + api.query({
      sans_referent: filters.sans_referent ? "true" : null,
      orientation_en_attente: filters.orientation_en_attente ? "true" : null,
      rsa: filters.rsa,
      page,
    }));
  } catch (problem) {
    if (!(problem instanceof api.ApiError) || problem.status !== 422) throw problem;
    replace(results, alertBox(problem.message, "error"));
    return;
  }
  if (!ctx.isCurrent()) return;
  const active = [
    filters.sans_referent ? "sans référent" : null,
    filters.orientation_en_attente ? "demande de réorientation en attente" : null,
    filters.rsa ? `droit RSA : ${(rsaRights.find((r) => r.code === filters.rsa) || { label: filters.rsa }).label}` : null,
  ].filter(Boolean);
  const summary = h("p", { id: "resultats", tabindex: "-1" },
    `${plural(list.total, "carnet", "carnets")}${active.length ? ` (${active.join(", ")})` : ""}.`);
  replace(results,
    h("h2", {}, "Résultats"),
    summary,
    list.items.length ? tableRegion(
      `Carnets du département, page ${list.page} sur ${Math.max(1, Math.ceil(list.total / list.per_page))}`,
      ["Personne", "Date de naissance", "Référent", "Prochain rendez-vous", "Dernière activité"],
      list.items.map((item) => h("tr", {},
        h("th", { scope: "row" }, h("a", { href: `/carnets/${item.notebook_id}` }, fullName(item))),
        h("td", {}, formatDate(item.birth_date) || "—"),
        h("td", {}, item.referent || "Aucun"),
        h("td", {}, formatDate(item.next_rendez_vous) || "—"),
        h("td", {}, formatDate(item.last_activity_at))))) : null,
    pagination(list, (to) => {
      focusResults = true;
      ctx.navigate("/departement" + api.query({
        sans_referent: filters.sans_referent ? "true" : null,
        orientation_en_attente: filters.orientation_en_attente ? "true" : null,
        rsa: filters.rsa,
        page: to,
      }));
    }));
  if (focusResults) {
    focusResults = false;
    ctx.main.dataset.keepFocus = "1";
    summary.focus();
  }
}
