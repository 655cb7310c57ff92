// The structure admin's pages: the structure's portfolio (the notebooks where one of its
// professionals is an active member), where the referent is chosen among the structure's
// professionals, and the structure's professionals (the accounts page, limited by the API to the
// structure: create a professional's account, revoke the role, disable or enable the account).
import * as api from "../api.js";
import {
  h, replace, field, bindSave, alertBox, loading, pagination, formatDate, formatDateTime, fullName,
  tableRegion, messageZone, professionalsOf, dispositifList, fieldError, problemMessage,
} from "../ui.js";

const PER_PAGE = 20;

export async function render(ctx) {
  if (ctx.path === "/structure/professionnels") {
    const { accountsPage } = await import("./gestion.js");
    const structure = ctx.session.me.active_role.structure;
    return accountsPage(ctx, {
      title: "Professionnels de la structure",
      path: "/structure/professionnels",
      intro: `Les comptes de ${structure ? structure.name : "votre structure"} : vous pouvez créer le compte d'un professionnel, lui retirer son rôle, désactiver ou réactiver son compte.`,
      createTitle: "Ajouter un professionnel",
      createButton: "Créer le compte du professionnel",
    });
  }
  return portfolio(ctx);
}

const nameOf = (item) => `${item.last_name.toUpperCase()} ${item.first_name}`;

async function portfolio(ctx) {
  ctx.setTitle("Carnets de la structure");
  const structure = ctx.session.me.active_role.structure;
  const page = Math.max(1, Number.parseInt(ctx.query.get("page") || "1", 10) || 1);
  const message = messageZone();
  const listZone = h("div", {}, loading());
  const panel = h("div", {});
  // The structure's professionals (all of them: the list is not paged) and the dispositifs,
  // read afresh each time the page is shown.
  professionalsOf.reset();
  dispositifList.reset();

  async function load() {
    const list = await api.get("/api/carnets/structure" + api.query({ page, per_page: PER_PAGE }));
    if (!list.items.length) {
      replace(listZone, alertBox("Aucun professionnel de la structure n'est encore membre d'un carnet.", "info"));
      return;
    }
    const rows = list.items.map((item) => h("tr", {},
      h("th", { scope: "row" }, h("a", { href: `/carnets/${encodeURIComponent(item.notebook_id)}` }, nameOf(item))),
      h("td", {}, formatDate(item.birth_date) || "—"),
      h("td", {}, formatDate(item.last_activity_at) || "—"),
      h("td", {}, item.next_rendez_vous ? formatDateTime(item.next_rendez_vous) : "Aucun"),
      h("td", {}, item.referent || h("span", { class: "tag tag--warning" }, "Sans référent")),
      h("td", {}, h("button", {
        type: "button", class: "small secondary", "aria-label": `Changer le référent du carnet de ${nameOf(item)}`,
        onclick: () => openReferent(item),
      }, "Changer le référent"))));
    replace(listZone,
      tableRegion(`${list.total} carnet${list.total > 1 ? "s" : ""} suivi${list.total > 1 ? "s" : ""} par la structure` + (list.total > list.per_page ? `, page ${list.page}` : ""),
        ["Bénéficiaire", "Date de naissance", "Dernière activité", "Prochain rendez-vous", "Référent", "Actions"], rows,
        { captionId: "carnets-structure-legende", focusableCaption: true }),
      pagination(list, (target) => {
        ctx.main.dataset.keepFocus = "1";
        ctx.navigate("/structure" + api.query({ page: target > 1 ? target : null }));
      }));
  }

  async function openReferent(item) {
    const titleId = "referent-titre";
    const who = nameOf(item);
    const body = h("div", {}, loading());
    replace(panel, h("section", { class: "card", "aria-labelledby": titleId },
      h("h2", { id: titleId, tabindex: "-1" }, `Changer le référent du carnet de ${who}`), body));
    panel.querySelector("h2").focus();
    let notebook;
    let professionals;
    let dispositifs;
    try {
      [professionals, dispositifs, notebook] = await Promise.all([
        professionalsOf(structure.id),
        dispositifList(),
        api.get(`/api/carnets/${encodeURIComponent(item.notebook_id)}`),
      ]);
    } catch (problem) {
      replace(body, alertBox(problemMessage(problem), "error"));
      return;
    }
    const current = (notebook.members || []).find((member) => member.member_type === "referent");
    const currentDispositif = notebook.orientation && notebook.orientation.dispositif ? notebook.orientation.dispositif.id : "";
    const choices = professionals.map((pro) => [pro.account_id, `${fullName(pro)}${current && current.account_id === pro.account_id ? " (référent actuel)" : ""}`]);
    const form = h("form", { "aria-labelledby": titleId },
      h("p", {}, current
        ? `Référent actuel : ${fullName(current)}. Il restera membre du carnet.`
        : "Ce carnet n'a pas de référent."),
      field({ label: "Nouveau référent", name: "account_id", required: true, options: [["", "Choisir un professionnel de la structure"], ...choices], hint: `Parmi les professionnels de ${structure ? structure.name : "la structure"}.` }),
      field({ label: "Dispositif d'accompagnement", name: "dispositif_id", required: true, value: currentDispositif, options: [["", "Choisir un dispositif"], ...dispositifs.map((d) => [d.id, d.name])] }),
      h("div", { class: "actions-bar" },
        h("button", { type: "submit" }, "Désigner ce référent"),
        h("button", { type: "button", class: "secondary", onclick: () => { replace(panel); message.focus(); } }, "Annuler")));
    bindSave(form, {
      body: (f) => {
        const values = { account_id: f.elements.namedItem("account_id").value, dispositif_id: f.elements.namedItem("dispositif_id").value };
        if (!values.account_id) throw fieldError("account_id", "Choisissez le nouveau référent.");
        if (!values.dispositif_id) throw fieldError("dispositif_id", "Choisissez le dispositif d'accompagnement.");
        return values;
      },
      send: (values, key) => api.post(`/api/write/carnets/${encodeURIComponent(item.notebook_id)}/referent`, values, { idempotencyKey: key }),
      onSuccess: async (_, values) => {
        const chosen = professionals.find((pro) => pro.account_id === values.account_id);
        replace(panel);
        await load();
        message.say(`${chosen ? fullName(chosen) : "Le professionnel choisi"} est maintenant référent du carnet de ${who}.`);
      },
    });
    replace(body, form);
  }

  await load();
  if (!ctx.isCurrent()) return;
  replace(ctx.main,
    h("h1", {}, "Carnets de la structure"),
    h("p", {}, structure ? `Les carnets suivis par ${structure.name} : ceux dont un de ses professionnels est membre.` : ""),
    h("p", {}, h("a", { href: "/structure/professionnels" }, "Gérer les professionnels de la structure")),
    message,
    listZone,
    panel);
  if (ctx.query.get("page")) {
    ctx.main.dataset.keepFocus = "1";
    const caption = ctx.main.querySelector("caption");
    if (caption) caption.focus();
  }
}
