// The professional's journeys: home and portfolio, search, a notebook's parts, the diagnostic
// (work situation, situations, job projects), the plan d'action from the référentiel, one-step
// status changes, renaming and deleting objectifs and actions, rendez-vous (moved, honoured,
// missed, cancelled), a contact whose reload fails, inviting a colleague, asking for a
// re-orientation, the timeline, the notebooks opened lately; the same with the keyboard alone; a
// save retried after a lost answer writing once; the restricted card of a notebook one is not a
// member of, and joining it; becoming the referent of a notebook without one; leaving a notebook.
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

/** A notebook outside the portfolio, with or without a referent, found by searching common names. */
async function notebookOutside(page, { withReferent }) {
  const mine = new Set((await apiGet(page, "/api/carnets/portfolio?per_page=100")).items.map((i) => i.notebook_id));
  for (const name of ["martin", "bernard", "dubois", "thomas", "robert", "richard", "petit", "durand", "leroy", "moreau", "simon", "laurent"]) {
    const found = await apiGet(page, `/api/carnets/search?q=${name}&per_page=50`);
    const hit = found.items.find((i) => !mine.has(i.notebook_id) && (withReferent ? !!i.referent : !i.referent));
    if (hit) return hit;
  }
  throw new Error(`no notebook ${withReferent ? "with" : "without"} a referent outside the portfolio`);
}

/** A date `days` from today (Paris), as YYYY-MM-DD and dd/mm/yyyy. */
function localDate(days) {
  const text = new Intl.DateTimeFormat("en-CA", { timeZone: "Europe/Paris", year: "numeric", month: "2-digit", day: "2-digit" }).format(new Date(Date.now() + days * 86400000));
  return { value: text, shown: `${text.slice(8, 10)}/${text.slice(5, 7)}/${text.slice(0, 4)}` };
}

const focusedId = (page) => page.evaluate(() => document.activeElement && document.activeElement.id);

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
  // Nothing opened yet.
  await page.getByRole("region", { name: "Carnets consultés récemment" }).getByText("Vous n'avez consulté aucun carnet récemment.").waitFor();
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

  // The objectif renamed.
  const objectifId = (await objectif.locator("h4").getAttribute("id")).replace("objectif-", "");
  const objectifBlock = page.locator(".plan-objectif", { has: page.locator(`#objectif-${objectifId}`) });
  await objectifBlock.locator("summary", { hasText: "Modifier le libellé" }).click();
  const renamed = `${objectifLabel} (précisé)`;
  await objectifBlock.locator("form.form-objectif-edit").getByLabel(/^Libellé de l'objectif/).fill(renamed);
  await objectifBlock.getByRole("button", { name: "Enregistrer le libellé" }).click();
  await main(page).getByText(`Objectif renommé : « ${renamed} ».`).waitFor();
  assert.equal(await focusedId(page), `objectif-${objectifId}`, "focus on the renamed objectif");
  await page.getByRole("heading", { level: 4, name: renamed, exact: true }).waitFor();
  await checkA11y(page, "objectif renommé");

  // The action: its label and due date changed; an emptied due date is refused, not ignored.
  const actionId = savedAction.id;
  const actionItem = page.locator(`#action-${actionId}`);
  await actionItem.locator("summary", { hasText: "Modifier" }).click();
  const actionEdit = actionItem.locator("form.form-action-edit");
  const newActionLabel = `${actionLabel} (relance)`;
  const due = localDate(30);
  await actionEdit.getByLabel(/^Libellé de l'action/).fill(newActionLabel);
  await actionEdit.getByLabel("Échéance").fill(due.value);
  await actionEdit.getByRole("button", { name: "Enregistrer l'action" }).click();
  await main(page).getByText(`Action « ${newActionLabel} » modifiée.`).waitFor();
  assert.equal(await focusedId(page), `action-${actionId}`, "focus on the changed action");
  await actionItem.getByText(`échéance : ${due.shown}`).waitFor();
  await actionItem.locator("summary", { hasText: "Modifier" }).click();
  await actionItem.locator("form.form-action-edit").getByLabel("Échéance").fill("");
  await actionItem.locator("form.form-action-edit").getByRole("button", { name: "Enregistrer l'action" }).click();
  await actionItem.getByText("L'échéance ne peut pas être retirée, seulement changée").waitFor();
  assert.equal(await page.evaluate(() => document.activeElement.name), "due_date");
  await checkA11y(page, "échéance effacée refusée");

  // The action deleted (asked first), then the objectif.
  await page.getByRole("button", { name: `Supprimer l'action « ${newActionLabel} »` }).click();
  await page.getByText(`Supprimer l'action « ${newActionLabel} » ? L'historique du carnet la gardera.`).waitFor();
  await checkA11y(page, "suppression de l'action à confirmer");
  await page.getByRole("button", { name: "Non, garder" }).click();
  assert.equal(await page.evaluate(() => document.activeElement.getAttribute("aria-label")), `Supprimer l'action « ${newActionLabel} »`);
  await page.getByRole("button", { name: `Supprimer l'action « ${newActionLabel} »` }).click();
  await page.getByRole("button", { name: "Oui, supprimer" }).click();
  await main(page).getByText(`Action « ${newActionLabel} » supprimée.`).waitFor();
  assert.equal(await actionItem.count(), 0, "the action is gone");
  assert.equal(await focusedId(page), `objectif-${objectifId}`);
  await page.getByRole("button", { name: `Supprimer l'objectif « ${renamed} »` }).click();
  await page.getByRole("button", { name: "Oui, supprimer" }).click();
  await main(page).getByText(`Objectif « ${renamed} » supprimé.`).waitFor();
  assert.equal(await page.locator(`#objectif-${objectifId}`).count(), 0, "the objectif is gone");
  assert.match(await focusedId(page), /^axe-/, "focus on its axe de travail");
  const afterDeletes = await apiGet(page, `/api/carnets/${notebook.id}`);
  assert.equal(afterDeletes.plan.flatMap((f) => f.objectifs).some((o) => o.id === objectifId), false, "deleted in the notebook");
  await checkA11y(page, "objectif supprimé");

  // A rendez-vous: an empty date is refused next to its field, then one is saved.
  await openTab(page, "Rendez-vous");
  await page.locator("summary", { hasText: "Prévoir un rendez-vous" }).click();
  await page.getByRole("button", { name: "Enregistrer le rendez-vous" }).click();
  await main(page).getByText("Indiquez la date et l'heure du rendez-vous.").waitFor();
  await checkA11y(page, "rendez-vous sans date");
  const when = localInput(9);
  await page.getByLabel(/^Date et heure/).fill(when.value);
  await page.getByRole("button", { name: "Enregistrer le rendez-vous" }).click();
  await page.getByRole("rowheader", { name: when.shown }).waitFor();
  await main(page).getByText(`Rendez-vous prévu le ${when.shown}.`).waitFor();
  await checkA11y(page, "rendez-vous ajouté");

  const existing = (await apiGet(page, `/api/carnets/${notebook.id}`)).rendez_vous;
  const tally = {
    cancelled: existing.filter((r) => r.cancelled_at).length,
    absent: existing.filter((r) => r.status === "absent").length,
    present: existing.filter((r) => r.status === "present").length,
  };

  // Moved one day later.
  const later = localInput(10, "15:00");
  const row = (shown) => page.getByRole("row").filter({ has: page.getByRole("rowheader", { name: shown, exact: true }) });
  await row(when.shown).locator("summary", { hasText: "Déplacer" }).click();
  await row(when.shown).getByLabel(/^Nouvelle date et heure/).fill(later.value);
  await row(when.shown).getByRole("button", { name: "Déplacer le rendez-vous" }).click();
  await main(page).getByText(`Rendez-vous déplacé au ${later.shown}.`).waitFor();
  assert.equal(await page.evaluate(() => document.activeElement.textContent), later.shown, "focus on the moved rendez-vous");
  assert.equal(await page.getByRole("rowheader", { name: when.shown, exact: true }).count(), 0);
  await checkA11y(page, "rendez-vous déplacé");

  // Two past rendez-vous: one honoured, one missed; then the coming one cancelled.
  const held = localInput(-2, "10:00");
  const missed = localInput(-3, "11:00");
  for (const past of [held, missed]) {
    await page.locator("summary", { hasText: "Prévoir un rendez-vous" }).click();
    await page.getByLabel(/^Date et heure/).fill(past.value);
    await page.getByRole("button", { name: "Enregistrer le rendez-vous" }).click();
    await main(page).getByText(`Rendez-vous prévu le ${past.shown}.`).waitFor();
    await row(past.shown).getByText("À renseigner").waitFor();
  }
  await page.getByRole("button", { name: `Marquer honoré le rendez-vous du ${held.shown}` }).click();
  await main(page).getByText("Rendez-vous marqué honoré.").waitFor();
  await row(held.shown).getByText("Honoré", { exact: true }).waitFor();
  assert.equal(await page.evaluate(() => document.activeElement.textContent), held.shown);
  await page.getByRole("button", { name: `Marquer absent au rendez-vous du ${missed.shown}` }).click();
  await main(page).getByText("Absence enregistrée.").waitFor();
  await row(missed.shown).getByText("Absent", { exact: true }).waitFor();
  await page.getByRole("button", { name: `Annuler le rendez-vous du ${later.shown}` }).click();
  await main(page).getByText("Rendez-vous annulé.").waitFor();
  await row(later.shown).getByText(/^Annulé le \d\d\/\d\d\/\d{4}$/).waitFor();
  const rendezVous = (await apiGet(page, `/api/carnets/${notebook.id}`)).rendez_vous;
  const count = (wanted) => rendezVous.filter(wanted).length;
  assert.equal(count((r) => r.cancelled_at), tally.cancelled + 1, "one more cancelled");
  assert.equal(count((r) => r.status === "absent"), tally.absent + 1, "one more missed");
  assert.equal(count((r) => r.status === "present"), tally.present + 1, "one more honoured");
  await checkA11y(page, "rendez-vous honoré, absent, annulé");

  // A contact recorded whose reload fails: the page says it is saved (not that it failed), the
  // button is usable again, and the contact is written once.
  const contactsBefore = (await apiGet(page, `/api/carnets/${notebook.id}/timeline?type=contact_recorded`)).total;
  let blocked = false;
  const notebookUrl = `**/api/carnets/${notebook.id}`;
  await page.route(notebookUrl, (route) => {
    if (!blocked && route.request().method() === "GET") {
      blocked = true;
      return route.abort("connectionfailed");
    }
    return route.continue();
  });
  const contact = page.getByRole("button", { name: "Enregistrer un contact aujourd'hui" });
  await contact.click();
  const notice = main(page).getByRole("alert").filter({ hasText: "Contact individuel enregistré. La page n'a pas pu être mise à jour" });
  await notice.waitFor();
  assert.equal(blocked, true);
  assert.equal(await contact.isDisabled(), false, "the button is usable again");
  assert.equal(await page.evaluate(() => document.activeElement.textContent.startsWith("Contact individuel enregistré.")), true, "focus on the notice");
  await page.unroute(notebookUrl);
  assert.equal((await apiGet(page, `/api/carnets/${notebook.id}/timeline?type=contact_recorded`)).total, contactsBefore + 1, "one contact written");
  await checkA11y(page, "contact enregistré, page non rechargée");

  // The diagnostic: the work situation, then an emptied date; a situation added and removed; a
  // job project added and deleted.
  await openTab(page, "Diagnostic");
  await page.locator("summary", { hasText: "Modifier la situation professionnelle" }).click();
  const workSelect = page.locator("#form-situation-pro").getByLabel("Situation professionnelle");
  const currentWork = await workSelect.inputValue();
  const workChoice = (await workSelect.locator("option").evaluateAll((all) => all.map((o) => ({ value: o.value, label: o.textContent }))))
    .find((o) => o.value && o.value !== currentWork);
  await workSelect.selectOption(workChoice.value);
  await page.locator("#form-situation-pro").getByLabel("Depuis le").fill("2024-03-01");
  await page.getByRole("button", { name: "Enregistrer la situation" }).click();
  await main(page).getByText("Situation professionnelle enregistrée.").waitFor();
  assert.equal(await focusedId(page), "situation-pro-titre");
  const workFacts = main(page).locator("dl.facts").first();
  await workFacts.getByText(workChoice.label, { exact: true }).waitFor();
  await workFacts.getByText("01/03/2024").waitFor();
  // A date entered by mistake is emptied: saved as « non renseignée », the rest unchanged.
  await page.locator("summary", { hasText: "Modifier la situation professionnelle" }).click();
  await page.locator("#form-situation-pro").getByLabel("Depuis le").fill("");
  await page.getByRole("button", { name: "Enregistrer la situation" }).click();
  // The first save's message may still be shown: wait for the date itself to go.
  await workFacts.getByText("01/03/2024").waitFor({ state: "detached" });
  await main(page).getByText("Situation professionnelle enregistrée.").waitFor();
  await workFacts.getByText(workChoice.label, { exact: true }).waitFor();
  await checkA11y(page, "date effacée");

  const situationSelect = page.getByLabel("Situation à ajouter");
  await situationSelect.selectOption({ index: 1 });
  const situationLabel = (await situationSelect.locator("option:checked").textContent()).trim();
  await page.getByRole("button", { name: "Ajouter la situation" }).click();
  await main(page).getByText("Situation ajoutée.").waitFor();
  assert.match(await focusedId(page), /^situation-/, "focus on the new situation");
  await checkA11y(page, "situation ajoutée");
  await page.getByRole("button", { name: `Retirer la situation « ${situationLabel} »` }).click();
  await main(page).getByText("Situation retirée.").waitFor();
  assert.equal(await page.getByRole("button", { name: `Retirer la situation « ${situationLabel} »` }).count(), 0);

  await page.locator("summary", { hasText: "Ajouter un projet professionnel" }).click();
  const job = page.locator("#form-projet").getByRole("combobox", { name: /^Métier recherché/ });
  await job.fill("boulang");
  await page.waitForFunction(() => document.querySelectorAll("#form-projet datalist option").length > 0);
  const jobLabel = await page.locator("#form-projet datalist option").first().getAttribute("value");
  await job.fill(jobLabel);
  await page.getByRole("button", { name: "Ajouter le projet" }).click();
  await main(page).getByText("Projet professionnel ajouté.").waitFor();
  assert.match(await focusedId(page), /^projet-/, "focus on the new job project");
  await checkA11y(page, "projet professionnel ajouté");
  await page.getByRole("button", { name: `Supprimer le projet « ${jobLabel} »` }).click();
  await main(page).getByText("Projet professionnel supprimé.").waitFor();
  const diagnostic = (await apiGet(page, `/api/carnets/${notebook.id}`)).diagnostic;
  assert.equal(diagnostic.work_situation, workChoice.value);
  assert.equal(diagnostic.work_situation_date, null, "the emptied date was cleared");
  assert.equal(diagnostic.job_projects.some((p) => p.rome_label === jobLabel), false);

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
  // Changing the referent with no one chosen: a French error next to the field, nothing sent.
  await page.locator("summary", { hasText: "Changer de référent" }).click();
  await page.getByRole("button", { name: "Changer de référent", exact: true }).click();
  await main(page).getByText("Choisissez le nouveau référent parmi les membres.").waitFor();
  assert.equal(await page.evaluate(() => document.activeElement.name), "account_id");
  await checkA11y(page, "changement de référent sans choix");

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

  // The timeline shows every write, newest first, 20 a page: the latest on the first page, the
  // first ones of this journey on the first or second.
  await openTab(page, "Historique");
  const events = page.getByRole("table", { name: /événements?/ });
  for (const summary of ["Demande de réorientation", "Nouveau membre invité", "Diagnostic mis à jour", "Contact individuel",
    "Absence au rendez-vous du", /^Rendez-vous du .* annulé$/, /^Rendez-vous du .* honoré$/, /^Rendez-vous déplacé au /, "Rendez-vous prévu le"]) {
    await events.getByRole("cell", { name: summary }).first().waitFor();
  }
  const summaries = (table) => table.locator("tbody tr td:nth-child(2)").allTextContents();
  const firstPage = await summaries(events);
  assert.equal(firstPage.length, 20, "20 events a page");
  await page.getByRole("button", { name: "Page suivante" }).click();
  const older = page.getByRole("table", { name: /événements?, page 2$/ });
  await older.waitFor();
  assert.equal(await focusedId(page), "historique-resultats", "paging lands on the results");
  const shown = [...firstPage, ...(await summaries(older))];
  for (const summary of [`Axe de travail ajouté : ${theme}`, `Objectif ajouté : ${objectifLabel}`, `Action ajoutée : ${actionLabel}`,
    `Statut de l'action « ${actionLabel} » : En cours → Réalisée`, `Action supprimée : ${newActionLabel}`, `Objectif supprimé : ${renamed}`]) {
    assert.ok(shown.includes(summary), `${summary} in the timeline`);
  }
  await checkA11y(page, "historique, page 2");
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

  // Home: the notebook just worked on comes first among the notebooks opened lately.
  await page.getByRole("navigation", { name: "Menu principal" }).getByRole("link", { name: "Mes bénéficiaires" }).click();
  const recents = page.getByRole("region", { name: "Carnets consultés récemment" });
  await recents.getByRole("link").first().waitFor();
  assert.equal(await recents.getByRole("link").first().getAttribute("href"), `/carnets/${notebook.id}`);
  assert.equal(await recents.getByRole("link").first().textContent(), `${item.last_name.toUpperCase()} ${item.first_name}`);
  await checkA11y(page, "carnets consultés récemment");

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

test("a professional becomes the referent of a notebook without one, and leaves a notebook they joined", async () => {
  const page = await newPage(browser);
  await signIn(page, account("pro-06-1"));
  const me = await apiGet(page, "/api/auth/me");

  // A notebook without referent: its card offers to become the referent; the dispositif is required.
  const orphan = await notebookOutside(page, { withReferent: false });
  await page.goto(`${BASE_URL}/carnets/${orphan.notebook_id}`);
  await page.getByRole("heading", { level: 1, name: `${orphan.first_name} ${orphan.last_name.toUpperCase()}` }).waitFor();
  await page.getByRole("heading", { level: 3, name: "Devenir son référent" }).waitFor();
  await page.getByRole("button", { name: "Devenir référent" }).click();
  await main(page).getByText("Choisissez le dispositif d'accompagnement.").waitFor();
  assert.equal(await page.evaluate(() => document.activeElement.name), "dispositif_id", "focus on the field to correct");
  await checkA11y(page, "devenir référent sans dispositif");
  const dispositif = page.getByLabel(/^Dispositif d'accompagnement/);
  await dispositif.selectOption({ index: 1 });
  const dispositifName = await dispositif.locator("option:checked").textContent();
  await page.getByRole("button", { name: "Devenir référent" }).click();
  await main(page).getByText("Vous êtes maintenant le référent de ce carnet.").waitFor();
  await page.getByRole("navigation", { name: "Parties du carnet" }).waitFor();
  await main(page).getByText(`Référent : ${me.account.first_name} ${me.account.last_name}`).waitFor();
  const oriented = await apiGet(page, `/api/carnets/${orphan.notebook_id}`);
  assert.equal(oriented.members.find((m) => m.member_type === "referent").account_id, me.account.id);
  assert.equal(oriented.orientation.dispositif.name, dispositifName);
  await checkA11y(page, "devenu référent");

  // A notebook with a referent: joined as a member, then left. A failed attempt says so once
  // (a retry replaces the message), with the focus on it.
  const other = await notebookOutside(page, { withReferent: true });
  await page.goto(`${BASE_URL}/carnets/${other.notebook_id}`);
  await page.getByRole("button", { name: "Rejoindre ce carnet" }).click();
  await main(page).getByText("Vous êtes maintenant membre de ce carnet.").waitFor();
  await openTab(page, "Membres");
  await page.getByRole("button", { name: "Quitter ce carnet" }).click();
  await page.getByText("Vous ne verrez plus que la fiche restreinte de ce carnet. Confirmez-vous ?").waitFor();
  assert.equal(await page.evaluate(() => document.activeElement.textContent), "Oui, quitter ce carnet");
  await checkA11y(page, "quitter le carnet, confirmation");
  const leaveUrl = `**/api/write/carnets/${other.notebook_id}/members/leave`;
  await page.route(leaveUrl, (route) => route.abort("connectionfailed"));
  for (let attempt = 0; attempt < 2; attempt++) {
    await page.getByRole("button", { name: "Oui, quitter ce carnet" }).click();
    await main(page).getByText(/^Vous êtes toujours membre de ce carnet : Le réseau ne répond pas/).waitFor();
  }
  assert.equal(await main(page).getByText(/^Vous êtes toujours membre de ce carnet/).count(), 1, "the failures do not pile up");
  assert.match(await page.evaluate(() => document.activeElement.textContent), /^Vous êtes toujours membre de ce carnet/, "focus on the failure");
  await checkA11y(page, "quitter le carnet, échec réseau");
  await page.unroute(leaveUrl);
  await page.getByRole("button", { name: "Oui, quitter ce carnet" }).click();
  await page.waitForURL((url) => url.pathname === "/accueil" && url.searchParams.get("depart") === "1");
  await main(page).getByText("Vous avez quitté le carnet : il n'est plus dans votre portefeuille.").waitFor();
  const portfolio = await apiGet(page, "/api/carnets/portfolio?per_page=100");
  assert.equal(portfolio.items.some((i) => i.notebook_id === other.notebook_id), false, "gone from the portfolio");
  assert.equal(portfolio.items.some((i) => i.notebook_id === orphan.notebook_id), true, "the notebook one is the referent of stays");
  await checkA11y(page, "carnet quitté");
});

test("a structure admin manages, in a notebook, the rendez-vous held in their structure only", async () => {
  const page = await newPage(browser);
  await signIn(page, "admin-structure-03@demo.carnet.test");
  const mine = (await apiGet(page, "/api/auth/me")).active_role.structure;
  const list = await apiGet(page, "/api/carnets/structure?per_page=100");
  let ours = null;
  let theirs = null;
  const now = Date.now();
  for (const item of list.items) {
    const coming = (await apiGet(page, `/api/carnets/${item.notebook_id}`)).rendez_vous
      .filter((r) => !r.cancelled_at && r.status === "pending" && new Date(r.starts_at).getTime() > now);
    ours = ours || (coming.find((r) => r.structure_id === mine.id) && { item, rendezVous: coming.find((r) => r.structure_id === mine.id) });
    theirs = theirs || (coming.find((r) => r.structure_id !== mine.id) && { item, rendezVous: coming.find((r) => r.structure_id !== mine.id) });
    if (ours && theirs) break;
  }
  assert.ok(ours && theirs, "the structure's notebooks hold rendez-vous of the structure and of others");
  for (const [found, manages] of [[ours, true], [theirs, false]]) {
    await page.goto(`${BASE_URL}/carnets/${found.item.notebook_id}?onglet=rendez-vous`);
    await page.getByRole("heading", { level: 2, name: "Rendez-vous" }).waitFor();
    const when = await page.locator(`#rdv-${found.rendezVous.id}`).textContent();
    assert.equal(await page.getByRole("button", { name: `Annuler le rendez-vous du ${when}` }).count(), manages ? 1 : 0,
      `${manages ? "may" : "may not"} cancel the rendez-vous held in ${found.rendezVous.structure}`);
  }
  await checkA11y(page, "rendez-vous d'une autre structure");
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

test("a professional sets their work position and phone on their account; their notebooks show them", async () => {
  const page = await newPage(browser);
  await signIn(page, account("pro-07-2"));
  await page.goto(`${BASE_URL}/compte`);
  await page.getByRole("heading", { level: 1, name: "Mon compte" }).waitFor();
  const form = page.locator("#coordonnees-pro");
  const phone = `01 49 ${String(Date.now() % 100).padStart(2, "0")} 12 34`;
  // An impossible number: refused next to the field, with the focus on it.
  await form.getByLabel("Téléphone professionnel").fill("12");
  await form.getByRole("button", { name: "Enregistrer mes coordonnées" }).click();
  await page.waitForFunction(() => document.activeElement && document.activeElement.name === "phone" && document.activeElement.getAttribute("aria-invalid") === "true");
  await checkA11y(page, "coordonnées professionnelles refusées");
  await form.getByLabel("Fonction").fill("Conseillère emploi");
  await form.getByLabel("Téléphone professionnel").fill(phone);
  await form.getByRole("button", { name: "Enregistrer mes coordonnées" }).click();
  await main(page).getByText("Vos coordonnées professionnelles sont enregistrées.").waitFor();
  await checkA11y(page, "coordonnées professionnelles enregistrées");

  const { item } = await referentNotebook(page);
  await page.goto(`${BASE_URL}/carnets/${item.notebook_id}`);
  await page.getByRole("navigation", { name: "Parties du carnet" }).waitFor();
  await openTab(page, "Membres");
  await main(page).getByText(/Conseillère emploi/).first().waitFor();
  await main(page).getByRole("link", { name: phone }).first().waitFor();
  await signOut(page);
});
