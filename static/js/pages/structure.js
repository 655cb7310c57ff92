// The structure admin's pages: the structure's portfolio (the notebooks where one of its
// professionals is an active member), where the referent is chosen among the structure's
// professionals, and the structure's professionals (the accounts page, limited by the API to the
// structure: create a professional's account, revoke the role, disable or enable the account).
import * as api from "../api.js";
import { h, replace, field, bindSave, alertBox, loading, pagination, formatDate, formatDateTime, fullName } from "../ui.js";

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
  const message = h("div", { class: "message-zone", tabindex: "-1" });
  const listZone = h("div", {}, loading());
  const panel = h("div", {});
  let professionals = null;
  let dispositifs = null;

  async function load() {
    const list = await api.get("/api/carnets/structure" + api.query({ page, per_page: PER_PAGE }));
    if (!list.items.length) {
      replace(listZone, alertBox("Aucun professionnel de la structure n'est encore membre d'un carnet.", "info"));
      return;
    }
    const captionId = "carnets-structure-legende";
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
      h("div", { class: "table-wrap", role: "region", tabindex: "0", "aria-labelledby": captionId },
        h("table", {},
          h("caption", { id: captionId, tabindex: "-1" },
            `${list.total} carnet${list.total > 1 ? "s" : ""} suivi${list.total > 1 ? "s" : ""} par la structure` + (list.total > list.per_page ? `, page ${list.page}` : "")),
          h("thead", {}, h("tr", {}, ["Bénéficiaire", "Date de naissance", "Dernière activité", "Prochain rendez-vous", "Référent", "Actions"].map((label) => h("th", { scope: "col" }, label)))),
          h("tbody", {}, rows))),
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
    try {
      [professionals, dispositifs, notebook] = await Promise.all([
        professionals || api.get("/api/auth/accounts" + api.query({ role: "professional", disabled: "false", per_page: 100 })).then((list) => list.items),
        dispositifs || api.get("/api/carnets/dispositifs").then((list) => list.items),
        api.get(`/api/carnets/${encodeURIComponent(item.notebook_id)}`),
      ]);
    } catch (problem) {
      replace(body, alertBox(problem.message, "error"));
      return;
    }
    const current = (notebook.members || []).find((member) => member.member_type === "referent");
    const currentDispositif = notebook.orientation && notebook.orientation.dispositif ? notebook.orientation.dispositif.id : "";
    const choices = professionals.map((pro) => [pro.id, `${fullName(pro)}${current && current.account_id === pro.id ? " (référent actuel)" : ""}`]);
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
      send: (values) => api.post(`/api/write/carnets/${encodeURIComponent(item.notebook_id)}/referent`, { account_id: values.account_id || "", dispositif_id: values.dispositif_id }),
      onSuccess: async (_, values) => {
        const chosen = professionals.find((pro) => pro.id === values.account_id);
        replace(panel);
        await load();
        const text = `${chosen ? fullName(chosen) : "Le professionnel choisi"} est maintenant référent du carnet de ${who}.`;
        replace(message, alertBox(text, "success"));
        message.focus();
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
