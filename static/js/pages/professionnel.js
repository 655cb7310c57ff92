// A professional's home ("Mes bénéficiaires": the portfolio, paged, and the notebooks opened
// lately) and the search of the département's notebooks (every staff role reaches it): names
// typo-tolerant, CAF/MSA number, France Travail identifier, phone.
import * as api from "../api.js";
import { h, replace, field, alertBox, loading, pagination, formatDate, formatDateTime, showFieldError, tableRegion } from "../ui.js";

const PER_PAGE = 20;

export async function render(ctx) {
  if (ctx.path === "/recherche") return search(ctx);
  return home(ctx);
}

function pageNumber(ctx) {
  const page = Number.parseInt(ctx.query.get("page") || "1", 10);
  return Number.isFinite(page) && page >= 1 ? page : 1;
}

/** "Nom Prénom" linked to the notebook. */
function nameLink(item) {
  return h("a", { href: `/carnets/${encodeURIComponent(item.notebook_id)}` },
    `${item.last_name.toUpperCase()} ${item.first_name}`);
}

/**
 * A table of notebooks, in a scrollable region (keyboard-reachable at 320 px). The search results
 * are cards: no rendez-vous.
 */
function notebookTable(caption, items, { nextRendezVous = true } = {}) {
  const head = ["Bénéficiaire", "Date de naissance", "Dernière activité"];
  if (nextRendezVous) head.push("Prochain rendez-vous");
  head.push("Référent");
  const rows = items.map((item) => h("tr", {},
    h("th", { scope: "row" }, nameLink(item)),
    h("td", {}, formatDate(item.birth_date) || "—"),
    h("td", {}, formatDate(item.last_activity_at) || "—"),
    nextRendezVous ? h("td", {}, item.next_rendez_vous ? formatDateTime(item.next_rendez_vous) : "Aucun") : null,
    h("td", {}, item.referent || h("span", { class: "muted" }, "Sans référent"))));
  return tableRegion(caption, head, rows, { focusableCaption: true });
}

/** The search box, on the home page and the search page. */
function searchForm(ctx, value = "") {
  const form = h("form", { role: "search", class: "inline-form", "aria-label": "Recherche de carnets" },
    field({
      label: "Rechercher un bénéficiaire",
      name: "q",
      type: "search",
      value,
      hint: "Nom et prénom (les fautes de frappe sont tolérées), n° CAF/MSA, identifiant France Travail ou téléphone.",
    }),
    h("div", {}, h("button", { type: "submit" }, "Rechercher")));
  form.noValidate = true;
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const q = form.elements.namedItem("q").value.trim();
    ctx.navigate("/recherche" + api.query({ q }));
  });
  return form;
}

/** The notebooks opened lately (only those one may still open). */
async function recentSection() {
  const section = h("section", { "aria-labelledby": "recents-titre" },
    h("h2", { id: "recents-titre" }, "Carnets consultés récemment"), loading());
  api.get("/api/carnets/recent").then((items) => {
    const title = section.firstChild;
    if (!items.length) {
      replace(section, title, h("p", { class: "muted" }, "Vous n'avez consulté aucun carnet récemment."));
      return;
    }
    replace(section, title, h("ul", {}, items.map((item) => h("li", {},
      nameLink(item), item.birth_date ? ` — né(e) le ${formatDate(item.birth_date)}` : ""))));
  }).catch((problem) => replace(section, section.firstChild, alertBox(problem.message, "error")));
  return section;
}

async function home(ctx) {
  ctx.setTitle("Mes bénéficiaires");
  const page = pageNumber(ctx);
  const list = await api.get("/api/carnets/portfolio" + api.query({ page, per_page: PER_PAGE }));
  if (!ctx.isCurrent()) return;
  const goTo = (target) => {
    ctx.main.dataset.keepFocus = "1";
    ctx.navigate("/accueil" + api.query({ page: target > 1 ? target : null }));
  };
  const portfolio = list.items.length
    ? [notebookTable(`Mes bénéficiaires : ${list.total} carnet${list.total > 1 ? "s" : ""}` + (list.total > list.per_page ? `, page ${list.page}` : ""), list.items),
      pagination(list, goTo)]
    : [alertBox("Vous n'êtes encore membre d'aucun carnet. Recherchez un bénéficiaire pour rejoindre son carnet.", "info")];
  replace(ctx.main,
    h("h1", {}, "Mes bénéficiaires"),
    ctx.query.get("depart") ? alertBox("Vous avez quitté le carnet : il n'est plus dans votre portefeuille.", "success") : null,
    searchForm(ctx),
    h("section", { "aria-labelledby": "portefeuille-titre" },
      h("h2", { id: "portefeuille-titre" }, "Mon portefeuille"),
      portfolio),
    await recentSection());
  if (ctx.query.get("page")) {
    // Paging keeps the reader in the table rather than at the top of the page.
    const caption = ctx.main.querySelector("caption");
    if (caption) caption.focus();
  }
}

async function search(ctx) {
  const q = (ctx.query.get("q") || "").trim();
  const page = pageNumber(ctx);
  const form = searchForm(ctx, q);
  const heading = h("h1", {}, "Rechercher un bénéficiaire");
  if (!q) {
    ctx.setTitle("Rechercher un bénéficiaire");
    replace(ctx.main, heading, form, await recentSection());
    return;
  }
  let found;
  try {
    found = await api.get("/api/carnets/search" + api.query({ q, page, per_page: PER_PAGE }));
  } catch (problem) {
    if (!(problem instanceof api.ApiError) || problem.status !== 422) throw problem;
    if (!ctx.isCurrent()) return;
    ctx.setTitle("Rechercher un bénéficiaire : saisie à corriger");
    replace(ctx.main, heading, form);
    const message = (problem.fields[0] && problem.fields[0].message) || problem.message;
    const control = showFieldError(form, "q", message);
    ctx.main.dataset.keepFocus = "1";
    control.focus();
    return;
  }
  if (!ctx.isCurrent()) return;
  const count = `${found.total} résultat${found.total > 1 ? "s" : ""}`;
  ctx.setTitle(`Recherche « ${q} » : ${count}`);
  const goTo = (target) => {
    ctx.main.dataset.keepFocus = "1";
    ctx.navigate("/recherche" + api.query({ q, page: target > 1 ? target : null }));
  };
  const results = found.items.length
    ? [notebookTable(`${count} pour « ${q} »` + (found.total > found.per_page ? `, page ${found.page}` : ""), found.items, { nextRendezVous: false }),
      pagination(found, goTo)]
    : [h("p", { id: "aucun-resultat", tabindex: "-1" }, `Aucun carnet ne correspond à « ${q} ». Vérifiez l'orthographe, ou cherchez par n° CAF/MSA, identifiant France Travail ou téléphone.`)];
  replace(ctx.main, heading, form,
    h("section", { "aria-labelledby": "resultats-titre" },
      h("h2", { id: "resultats-titre" }, "Résultats"),
      h("p", { class: "muted" }, "Ouvrir un carnet dont vous n'êtes pas membre affiche sa fiche restreinte ; vous pourrez alors le rejoindre."),
      results));
  // The reader lands on the results, which the title announced.
  ctx.main.dataset.keepFocus = "1";
  (ctx.main.querySelector("caption") || ctx.main.querySelector("#aucun-resultat")).focus();
}
