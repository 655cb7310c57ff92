// The professional's journeys: home and portfolio, search, a notebook's parts, the plan d'action
// from the référentiel, one-step status changes, rendez-vous, inviting a colleague, asking for a
// re-orientation, the timeline; the same with the keyboard alone; a save retried after a lost
// answer writing once; the restricted card of a notebook one is not a member of, and joining it.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { launch, newPage, signIn, signOut, checkA11y, tabTo, assertNoHorizontalScroll, deliverEmails, emailsTo, BASE_URL } from "../lib.mjs";

let browser;
before(async () => (browser = await launch()));
after(async () => browser && (await browser.close()));

const account = (name) => `${name}@demo.carnet.test`;
const main = (page) => page.locator("#contenu");

/** The API as the signed-in page sees it (same cookie). */
async function apiGet(page, path) {
  return page.evaluate(async (url) => {
    const response = await fetch(url, { headers: { accept: "application/json" } });
    if (!response.ok) throw new Error(`${url}: ${response.status}`);
    return response.json();
  }, path);
}

/** A notebook of the portfolio the signed-in professional is the referent of, with no pending request. */
async function referentNotebook(page) {
  const me = (await apiGet(page, "/api/auth/me")).account.id;
  const portfolio = await apiGet(page, "/api/carnets/portfolio?per_page=100");
  for (const item of portfolio.items) {
    const notebook = await apiGet(page, `/api/carnets/${item.notebook_id}`);
    const referent = notebook.members.find((m) => m.member_type === "referent");
    if (referent && referent.account_id === me && !notebook.orientation.pending_request) return { item, notebook };
  }
  throw new Error("no notebook where the professional is the referent");
}

/** Local date and time, `days` from now, as a datetime-local value (Paris time). */
function localInput(days, hour = "14:30") {
  const date = new Date(Date.now() + days * 86400000);
  const text = new Intl.DateTimeFormat("en-CA", { timeZone: "Europe/Paris", year: "numeric", month: "2-digit", day: "2-digit" }).format(date);
  return { value: `${text}T${hour}`, shown: `${text.slice(8, 10)}/${text.slice(5, 7)}/${text.slice(0, 4)} à ${hour.replace(":", "h")}` };
}

async function openTab(page, name) {
  await page.getByRole("navigation", { name: "Parties du carnet" }).getByRole("link", { name, exact: true }).click();
  await page.waitForFunction((label) => {
    const current = document.querySelector("nav[aria-label='Parties du carnet'] a[aria-current='page']");
    return current && current.textContent === label && document.activeElement && document.activeElement.id === "partie-titre";
  }, name);
}

test("a professional's journey: portfolio, search, plan d'action, rendez-vous, colleague, re-orientation, timeline", async () => {
  const page = await newPage(browser);
  await signIn(page, account("pro-02-1"));
  assert.equal(new URL(page.url()).pathname, "/accueil");
  await page.getByRole("heading", { level: 1, name: "Mes bénéficiaires" }).waitFor();
  const portfolio = await apiGet(page, "/api/carnets/portfolio?per_page=20");
  const table = page.getByRole("table", { name: /Mes bénéficiaires : \d+ carnets/ });
  assert.equal(await table.locator("tbody tr").count(), portfolio.items.length, "the portfolio is listed");
  for (const column of ["Bénéficiaire", "Date de naissance", "Dernière activité", "Prochain rendez-vous", "Référent"]) {
    await table.getByRole("columnheader", { name: column }).waitFor();
  }
  await checkA11y(page, "accueil");

  // Search: typo-tolerant, results are cards.
  await page.getByRole("searchbox", { name: "Rechercher un bénéficiaire" }).fill("dupon");
  await page.getByRole("button", { name: "Rechercher", exact: true }).click();
  await page.waitForURL((url) => url.pathname === "/recherche" && url.searchParams.get("q") === "dupon");
  const results = page.getByRole("table", { name: /résultats? pour « dupon »/ });
  await results.waitFor();
  assert.ok(await results.getByRole("link", { name: /^DUPONT / }).count() > 0, "a Dupont is found");
  assert.equal(await page.evaluate(() => document.activeElement.tagName), "CAPTION", "focus lands on the results");
  await checkA11y(page, "résultats de recherche");
  // A one-letter search is refused next to the field.
  await page.getByRole("searchbox", { name: "Rechercher un bénéficiaire" }).fill("d");
  await page.getByRole("button", { name: "Rechercher", exact: true }).click();
  await page.waitForFunction(() => document.activeElement && document.activeElement.getAttribute("aria-invalid") === "true");
  await checkA11y(page, "recherche trop courte");

  // A notebook of the portfolio, part by part.
  const { item, notebook } = await referentNotebook(page);
  await page.getByRole("link", { name: "Mes bénéficiaires" }).click();
  await page.getByRole("table").getByRole("link", { name: `${item.last_name.toUpperCase()} ${item.first_name}` }).click();
  await page.getByRole("heading", { level: 1, name: `${item.first_name} ${item.last_name.toUpperCase()}` }).waitFor();
  await checkA11y(page, "situation et droits");
  for (const part of ["Diagnostic", "Rendez-vous", "Historique", "Membres", "Plan d'action"]) {
    await openTab(page, part);
    await checkA11y(page, `partie ${part}`);
  }

  // A focus from the référentiel, then an objectif and an action from its lists.
  const themeSelect = page.getByLabel("Nouvel axe de travail");
  const theme = await themeSelect.locator("option").nth(1).textContent();
  await themeSelect.selectOption({ label: theme });
  await page.getByRole("button", { name: "Ajouter l'axe" }).click();
  const focus = page.locator("section.plan-focus", { has: page.getByRole("heading", { level: 3, name: theme, exact: true }) });
  await focus.waitFor();
  await page.waitForFunction((label) => document.activeElement.tagName === "H3" && document.activeElement.textContent === label, theme);
  await checkA11y(page, "axe ajouté");

  await focus.locator("summary", { hasText: "Ajouter un objectif" }).click();
  const objectifForm = focus.locator("form.form-objectif");
  await objectifForm.getByRole("button", { name: "Enregistrer l'objectif" }).click();
  await objectifForm.getByText("Indiquez l'objectif.").waitFor();
  await checkA11y(page, "objectif sans libellé");
  const objectifLabel = await objectifForm.locator("datalist option").first().getAttribute("value");
  await objectifForm.getByRole("combobox", { name: /^Objectif/ }).fill(objectifLabel);
  await objectifForm.getByRole("button", { name: "Enregistrer l'objectif" }).click();
  const objectif = focus.locator(".plan-objectif", { has: page.getByRole("heading", { level: 4, name: objectifLabel, exact: true }) });
  await objectif.waitFor();
  await main(page).getByText(`Objectif « ${objectifLabel} » ajouté.`).waitFor();

  await objectif.locator("summary", { hasText: "Ajouter une action" }).click();
  const actionForm = objectif.locator("form.form-action");
  const actionLabel = await actionForm.locator("datalist option").first().getAttribute("value");
  await actionForm.getByRole("combobox", { name: /^Action/ }).fill(actionLabel);
  await actionForm.getByRole("button", { name: "Enregistrer l'action" }).click();
  const action = objectif.locator(".plan-actions > li", { hasText: actionLabel });
  await action.waitFor();
  assert.equal(await page.evaluate(() => document.activeElement.id.startsWith("action-")), true, "focus on the new action");
  await checkA11y(page, "action ajoutée");

  // The action's status, in one step.
  const status = page.getByLabel(`Statut de l'action « ${actionLabel} »`);
  await status.selectOption({ label: "Réalisée" });
  await action.getByText("Statut enregistré : Réalisée.").waitFor();
  const saved = await apiGet(page, `/api/carnets/${notebook.id}`);
  const savedAction = saved.plan.flatMap((f) => f.objectifs).flatMap((o) => o.actions).find((a) => a.label === actionLabel);
  assert.equal(savedAction.status, "done", "the status is saved");
  assert.equal(savedAction.ref_code !== null, true, "the action comes from the référentiel");

  // A rendez-vous: an empty date is refused next to its field, then one is saved.
  await openTab(page, "Rendez-vous");
  await page.locator("summary", { hasText: "Prévoir un rendez-vous" }).click();
  await page.getByRole("button", { name: "Enregistrer le rendez-vous" }).click();
  await main(page).getByText("Indiquez la date et l'heure du rendez-vous.").waitFor();
  await checkA11y(page, "rendez-vous sans date");
  const when = localInput(9);
  await page.getByLabel("Date et heure").fill(when.value);
  await page.getByRole("button", { name: "Enregistrer le rendez-vous" }).click();
  await page.getByRole("rowheader", { name: when.shown }).waitFor();
  await main(page).getByText(`Rendez-vous prévu le ${when.shown}.`).waitFor();
  await checkA11y(page, "rendez-vous ajouté");

  // Inviting a colleague of one's structure.
  await openTab(page, "Membres");
  await page.locator("summary", { hasText: "Inviter un collègue" }).click();
  const structure = (await apiGet(page, "/api/auth/me")).active_role.structure;
  await page.getByLabel("Structure").selectOption({ value: structure.id });
  const person = page.getByRole("combobox", { name: /^Professionnel/ });
  await page.waitForFunction(() => {
    const select = document.querySelector("#form-invitation select[name=account_id]");
    return select && select.options.length > 1;
  });
  const colleague = (await person.locator("option").nth(1).textContent()).split(" — ")[0];
  await person.selectOption({ index: 1 });
  await page.getByRole("button", { name: "Inviter", exact: true }).click();
  await main(page).getByText("Invitation envoyée").waitFor();
  await page.locator("ul.membres li", { hasText: colleague }).waitFor();
  await checkA11y(page, "collègue invité");

  // Asking for a re-orientation (the referent): the reason is required.
  await openTab(page, "Situation et droits");
  await page.locator("summary", { hasText: "Demander une réorientation" }).click();
  await page.getByRole("button", { name: "Envoyer la demande" }).click();
  await page.waitForFunction(() => document.activeElement && document.activeElement.getAttribute("aria-invalid") === "true");
  await checkA11y(page, "réorientation sans motif");
  await page.getByLabel("Motif de la demande").fill("Le projet relève désormais d'un accompagnement professionnel.");
  await page.getByRole("button", { name: "Envoyer la demande" }).click();
  await main(page).getByText("Demande de réorientation envoyée").waitFor();
  await main(page).getByText(/Une demande de réorientation est en attente depuis le/).waitFor();
  await checkA11y(page, "réorientation demandée");

  // The timeline shows every write, and filters.
  await openTab(page, "Historique");
  const events = page.getByRole("table", { name: /événements?/ });
  for (const summary of [`Axe de travail ajouté : ${theme}`, `Objectif ajouté : ${objectifLabel}`, `Action ajoutée : ${actionLabel}`,
    `Statut de l'action « ${actionLabel} » : En cours → Réalisée`, "Rendez-vous prévu le", "Nouveau membre invité", "Demande de réorientation"]) {
    await events.getByRole("cell", { name: summary }).first().waitFor();
  }
  await page.getByLabel("Type d'événement").selectOption({ label: "Action ajoutée" });
  await page.getByRole("button", { name: "Filtrer" }).click();
  await page.waitForURL((url) => url.searchParams.get("type") === "action_added");
  const filtered = page.getByRole("table", { name: /correspondant aux filtres/ });
  await filtered.waitFor();
  assert.ok(await filtered.locator("tbody tr").count() >= 1);
  assert.equal(await filtered.getByRole("cell", { name: "Nouveau membre invité" }).count(), 0, "the filter applies");
  await checkA11y(page, "historique filtré");
  await page.getByLabel("Du", { exact: true }).fill("2030-01-02");
  await page.getByLabel("Au", { exact: true }).fill("2030-01-01");
  await page.getByRole("button", { name: "Filtrer" }).click();
  await main(page).getByText("Aucun événement ne correspond à ces filtres.").waitFor();
  await checkA11y(page, "historique vide");

  await signOut(page);
});

test("with the keyboard alone: from the portfolio to a new action, focus on what was saved", async () => {
  const page = await newPage(browser);
  await signIn(page, account("pro-03-1"), { keyboard: true });
  await page.getByRole("heading", { level: 1, name: "Mes bénéficiaires" }).waitFor();
  const first = page.getByRole("table").locator("tbody tr").first().getByRole("link");
  const name = await first.textContent();
  await tabTo(page, first);
  await page.keyboard.press("Enter");
  await page.getByRole("navigation", { name: "Parties du carnet" }).waitFor();
  assert.equal(await page.evaluate(() => document.activeElement.tagName), "H1", "the notebook starts at its title");
  const title = await page.getByRole("heading", { level: 1 }).textContent();
  assert.ok(name.split(" ").every((word) => title.includes(word)), `${title} is the notebook of ${name}`);

  await tabTo(page, page.getByRole("navigation", { name: "Parties du carnet" }).getByRole("link", { name: "Plan d'action" }));
  await page.keyboard.press("Enter");
  await page.waitForFunction(() => document.activeElement && document.activeElement.id === "partie-titre" && document.activeElement.textContent === "Plan d'action");

  const summary = page.locator("summary", { hasText: "Ajouter une action" }).first();
  await tabTo(page, summary);
  await page.keyboard.press("Enter");
  const form = page.locator("form.form-action").first();
  const label = `Appel à l'employeur (clavier ${Date.now()})`;
  await tabTo(page, form.getByRole("combobox", { name: /^Action/ }));
  await page.keyboard.type(label);
  await tabTo(page, form.getByRole("button", { name: "Enregistrer l'action" }));
  await page.keyboard.press("Enter");
  await page.waitForFunction((text) => document.activeElement && document.activeElement.id.startsWith("action-") && document.activeElement.textContent.includes(text), label);
  await main(page).getByText(`Action « ${label} » ajoutée.`).waitFor();
  await checkA11y(page, "action ajoutée au clavier");

  // Its status, with the arrow keys: one save, announced.
  const status = page.getByLabel(`Statut de l'action « ${label} »`);
  await tabTo(page, status);
  await page.keyboard.press("ArrowDown");
  await page.locator(".status-state--ok").first().waitFor();
  assert.match(await page.locator(".status-state--ok").first().textContent(), /^Statut enregistré : /);
});

test("a save whose answer is lost keeps the typed text and, retried, writes once", async () => {
  const page = await newPage(browser);
  await signIn(page, account("pro-04-1"));
  const { item, notebook } = await referentNotebook(page);
  await page.goto(`${BASE_URL}/carnets/${item.notebook_id}?onglet=plan`);
  await page.getByRole("heading", { level: 2, name: "Plan d'action" }).waitFor();
  const objectifId = notebook.plan[0].objectifs[0].id;
  const objectif = page.locator(".plan-objectif", { has: page.locator(`#objectif-${objectifId}`) });
  await objectif.locator("summary", { hasText: "Ajouter une action" }).click();
  const form = objectif.locator("form.form-action");
  const label = `Relance du dossier (essai ${Date.now()})`;
  await form.getByRole("combobox", { name: /^Action/ }).fill(label);

  // The first POST reaches the server, which writes; its answer never reaches the browser.
  let attempts = 0;
  await page.route("**/api/write/carnets/*/objectifs/*/actions", async (route) => {
    if (route.request().method() !== "POST") return route.continue();
    attempts += 1;
    if (attempts === 1) {
      await route.fetch();
      return route.abort("connectionfailed");
    }
    return route.continue();
  });
  await form.getByRole("button", { name: "Enregistrer l'action" }).click();
  await form.getByRole("alert").filter({ hasText: "Le réseau ne répond pas" }).waitFor();
  assert.equal(await form.getByRole("combobox", { name: /^Action/ }).inputValue(), label, "the typed text is kept");
  await checkA11y(page, "échec réseau");

  await form.getByRole("button", { name: "Enregistrer l'action" }).click();
  await main(page).getByText(`Action « ${label} » ajoutée.`).waitFor();
  assert.equal(attempts, 2);
  const after = await apiGet(page, `/api/carnets/${item.notebook_id}`);
  const copies = after.plan.flatMap((f) => f.objectifs).flatMap((o) => o.actions).filter((a) => a.label === label);
  assert.equal(copies.length, 1, "exactly one action was written");
  const timeline = await apiGet(page, `/api/carnets/${item.notebook_id}/timeline?type=action_added&q=${encodeURIComponent("essai")}`);
  assert.equal(timeline.items.filter((e) => e.summary === `Action ajoutée : ${label}`).length, 1, "and traced once");
});

test("a notebook one is not a member of shows its restricted card; joining it opens it, usable at 320 px", async () => {
  const page = await newPage(browser);
  await signIn(page, account("pro-05-1"));
  const portfolio = await apiGet(page, "/api/carnets/portfolio?per_page=100");
  const mine = new Set(portfolio.items.map((i) => i.notebook_id));
  const found = await apiGet(page, "/api/carnets/search?q=dupont&per_page=50");
  const other = found.items.find((i) => !mine.has(i.notebook_id));
  assert.ok(other, "a Dupont outside the portfolio");

  await page.goto(`${BASE_URL}/recherche?q=dupont`);
  await page.getByRole("table", { name: /pour « dupont »/ }).waitFor();
  await page.locator(`a[href="/carnets/${other.notebook_id}"]`).click();
  await page.getByRole("heading", { level: 1, name: `${other.first_name} ${other.last_name.toUpperCase()}` }).waitFor();
  await main(page).getByText("seule sa fiche restreinte est visible").waitFor();
  await page.getByRole("heading", { level: 2, name: "Accompagnants et comment les joindre" }).waitFor();
  assert.equal(await page.getByRole("navigation", { name: "Parties du carnet" }).count(), 0, "no parts on the card");
  assert.equal(await page.getByRole("link", { name: "Diagnostic" }).count(), 0, "no diagnostic on the card");
  assert.equal(await page.getByRole("heading", { name: /Diagnostic/ }).count(), 0, "no diagnostic on the card");
  await checkA11y(page, "fiche restreinte");

  await page.getByRole("button", { name: "Rejoindre ce carnet" }).click();
  await main(page).getByText("Vous êtes maintenant membre de ce carnet.").waitFor();
  await page.getByRole("navigation", { name: "Parties du carnet" }).waitFor();
  await checkA11y(page, "carnet rejoint");
  const after = await apiGet(page, "/api/carnets/portfolio?per_page=100");
  assert.ok(after.items.some((i) => i.notebook_id === other.notebook_id), "the notebook joins the portfolio");

  // At 320 px: no horizontal scroll on any part.
  await page.setViewportSize({ width: 320, height: 800 });
  for (const part of ["Situation et droits", "Diagnostic", "Plan d'action", "Rendez-vous", "Historique", "Membres"]) {
    await openTab(page, part);
    await assertNoHorizontalScroll(page, `carnet à 320 px, ${part}`);
    await checkA11y(page, `carnet à 320 px, ${part}`);
  }
  await page.goto(`${BASE_URL}/accueil`);
  await page.getByRole("heading", { level: 1, name: "Mes bénéficiaires" }).waitFor();
  await assertNoHorizontalScroll(page, "accueil à 320 px");

  // Professionals do not create notebooks (the API refuses them): no menu entry, and the page,
  // reached by its address, says who does.
  assert.equal(await page.getByRole("navigation", { name: "Menu principal" }).getByRole("link", { name: "Nouveau carnet" }).count(), 0);
  await page.goto(`${BASE_URL}/gestion/beneficiaires/nouveau`);
  await main(page).getByText("Les carnets sont créés par les chargés d'orientation").waitFor();
  assert.equal(await page.getByRole("button", { name: "Créer le carnet" }).count(), 0);
  await checkA11y(page, "nouveau carnet (professionnel)");
});

test("a new notebook: errors next to their fields, a possible duplicate, « c'est une autre personne », the account opened", async () => {
  const page = await newPage(browser);
  await signIn(page, account("orientation-2"));
  const existing = (await apiGet(page, "/api/carnets/search?q=dupont&per_page=1")).items[0];
  await page.goto(`${BASE_URL}/gestion/beneficiaires/nouveau`);
  await page.getByRole("heading", { level: 1, name: "Nouveau carnet" }).waitFor();
  await checkA11y(page, "nouveau carnet");
  await page.getByRole("button", { name: "Créer le carnet" }).click();
  await page.waitForFunction(() => document.activeElement && document.activeElement.name === "first_name" && document.activeElement.getAttribute("aria-invalid") === "true");
  await checkA11y(page, "nouveau carnet, champs manquants");

  const email = `nouveau.${Date.now()}@exemple.test`;
  await page.getByLabel(/^Prénom/).fill(existing.first_name);
  await page.getByLabel(/^Nom/).fill(existing.last_name.toUpperCase());
  await page.getByLabel("Date de naissance").fill(existing.birth_date);
  const accountBox = page.getByLabel(/Ouvrir dès maintenant son compte/);
  assert.equal(await accountBox.isVisible(), false, "no account without an email");
  await page.getByLabel(/^Adresse électronique/).fill(email);
  await accountBox.check();
  await page.getByRole("button", { name: "Créer le carnet" }).click();
  const duplicate = page.locator("#doublons");
  await duplicate.getByText("Un carnet existe peut-être déjà pour cette personne").waitFor();
  assert.equal(await duplicate.getByRole("link", { name: /Voir le carnet existant/ }).getAttribute("href"), `/carnets/${existing.notebook_id}`);
  assert.equal(await page.evaluate(() => document.activeElement.id), "doublons", "focus on the warning");
  await checkA11y(page, "doublon possible");

  await duplicate.getByRole("button", { name: "C'est une autre personne : créer le carnet" }).click();
  const done = page.locator("#carnet-cree");
  await done.getByText("Son compte est ouvert").waitFor();
  assert.equal(await page.evaluate(() => document.activeElement.id), "carnet-cree");
  await checkA11y(page, "carnet créé");
  await deliverEmails();
  assert.equal((await emailsTo(email)).length, 1, "the beneficiary is emailed");
  await done.getByRole("link", { name: /Ouvrir le carnet de/ }).click();
  await page.getByRole("navigation", { name: "Parties du carnet" }).waitFor();
  await main(page).getByText(email).waitFor();
});
