// An orientation manager: the queue of re-orientation requests, a request refused without a
// reason then decided (current support kept), another one re-oriented (dispositif, structure,
// new referent), both gone from the pending queue and shown among the decided ones; the
// département's notebooks filtered, one without referent opened and oriented from its page;
// signing out. A manager corrects a beneficiary's identity and rights. axe on every page and state.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { launch, newPage, signIn, signOut, checkA11y, BASE_URL, DEMO } from "../lib.mjs";

const ORIENTATION = "orientation-1@demo.carnet.test";

let browser;
before(async () => (browser = await launch()));
after(async () => browser && (await browser.close()));

async function pendingCount(page) {
  const text = await page.locator("#nombre-demandes").textContent();
  const match = text.match(/^(\d+) demandes? en attente\.$/);
  assert.ok(match, `count line: ${text}`);
  return Number(match[1]);
}

async function queueApi(page, status) {
  return page.evaluate(async (wanted) => (await fetch(`/api/carnets/orientation-requests?status=${wanted}&per_page=100`)).json(), status);
}

/** GET `path` of the API with the page's session; fails on an error status. */
async function apiJson(page, path) {
  return page.evaluate(async (url) => {
    const response = await fetch(url, { headers: { accept: "application/json" } });
    if (!response.ok) throw new Error(`${url}: ${response.status}`);
    return response.json();
  }, path);
}

const main = (page) => page.locator("#contenu");
const focusedId = (page) => page.evaluate(() => document.activeElement && document.activeElement.id);

test("an orientation manager decides requests and browses the département's notebooks", async () => {
  const page = await newPage(browser);
  await signIn(page, ORIENTATION);
  await page.waitForURL(`${BASE_URL}/orientation`);
  await page.getByRole("heading", { level: 1, name: "Demandes d'orientation" }).waitFor();
  await page.locator("#nombre-demandes").waitFor();
  await checkA11y(page, "file d'attente");
  const before = await pendingCount(page);
  assert.ok(before >= 2, `the demo data holds pending requests (${before})`);
  const pending = await queueApi(page, "pending");
  const [first, second] = pending.items;
  const nameOf = (request) => `${request.beneficiary.first_name} ${request.beneficiary.last_name}`;
  // The oldest request comes first, with who asked, when and why.
  const firstCard = page.getByRole("article", { name: new RegExp(`^${nameOf(first)}`) }).first();
  assert.equal(await page.getByRole("article").first().getAttribute("aria-labelledby"), `demande-${first.id}`);
  await firstCard.getByText(first.reason, { exact: true }).waitFor();
  if (first.requested_by.name) await firstCard.getByText(first.requested_by.name, { exact: false }).first().waitFor();

  // Keeping the current support: without a reason, the error is on the reason field.
  await firstCard.getByText(`Décider de la demande pour ${nameOf(first)}`).click();
  await firstCard.getByLabel(/^Décision/).selectOption("keep");
  assert.equal(await firstCard.getByLabel("Nouveau dispositif").isVisible(), false, "no re-orientation fields when keeping");
  await firstCard.getByRole("button", { name: "Enregistrer la décision" }).click();
  const reason = firstCard.getByLabel("Motif de la décision");
  await page.waitForFunction(() => document.activeElement && document.activeElement.getAttribute("aria-invalid") === "true");
  assert.equal(await reason.getAttribute("aria-invalid"), "true");
  await checkA11y(page, "décision sans motif");
  await reason.fill("L'accompagnement actuel reste adapté.");
  await firstCard.getByRole("button", { name: "Enregistrer la décision" }).click();
  const done = page.locator("#message-orientation");
  await done.getByText(`Décision enregistrée pour ${nameOf(first)} : accompagnement maintenu.`, { exact: false }).waitFor();
  assert.equal(await page.evaluate(() => document.activeElement.id), "message-orientation", "focus on the confirmation");
  assert.equal(await pendingCount(page), before - 1);
  assert.equal(await page.locator(`#demande-${first.id}`).count(), 0, "the request left the pending queue");
  await checkA11y(page, "après la décision");

  // Re-orienting: dispositif, structure, then one of its professionals.
  const secondCard = page.getByRole("article", { name: new RegExp(`^${nameOf(second)}`) }).first();
  await secondCard.getByText(`Décider de la demande pour ${nameOf(second)}`).click();
  await secondCard.getByLabel(/^Décision/).selectOption("reorient");
  const dispositifs = secondCard.getByLabel("Nouveau dispositif");
  await dispositifs.selectOption({ index: 1 });
  const structures = secondCard.getByLabel("Structure du nouveau référent");
  await structures.selectOption({ index: 1 });
  const referent = secondCard.getByLabel(/^Nouveau référent/);
  await page.waitForFunction((id) => {
    const select = document.querySelector(`[aria-labelledby="demande-${id}"] select[name=referent_account_id]`);
    return select && select.options.length > 1;
  }, second.id);
  await referent.selectOption({ index: 1 });
  const chosen = await referent.inputValue();
  await secondCard.getByLabel("Motif de la décision").fill("Le projet relève d'un autre accompagnement.");
  await checkA11y(page, "formulaire de réorientation");
  await secondCard.getByRole("button", { name: "Enregistrer la décision" }).click();
  await done.getByText(`Décision enregistrée pour ${nameOf(second)} : réorientation acceptée.`, { exact: false }).waitFor();
  assert.equal(await pendingCount(page), before - 2);
  const notebook = await page.evaluate(async (id) => (await fetch(`/api/carnets/${id}`)).json(), second.notebook_id);
  assert.equal(notebook.members.find((m) => m.member_type === "referent").account_id, chosen, "the chosen professional is the referent");

  // Both are among the decided requests.
  await page.getByRole("link", { name: "Décidées" }).click();
  await page.waitForURL(`${BASE_URL}/orientation?statut=decidees`);
  await page.locator(`#demande-${first.id}`).waitFor();
  await page.locator(`#demande-${second.id}`).waitFor();
  await page.getByRole("article", { name: new RegExp(`^${nameOf(first)}`) }).first().getByText("Accompagnement maintenu").waitFor();
  const decided = await queueApi(page, "decided");
  assert.deepEqual(new Set(decided.items.slice(0, 2).map((r) => r.id)), new Set([first.id, second.id]));
  await checkA11y(page, "demandes décidées");

  // The département's notebooks without referent.
  await page.getByRole("navigation", { name: "Menu principal" }).getByRole("link", { name: "Carnets du département" }).click();
  await page.getByRole("heading", { level: 1, name: "Carnets du département" }).waitFor();
  await page.locator("table").waitFor();
  const all = Number((await page.locator("#resultats").textContent()).match(/^(\d+)/)[1]);
  await checkA11y(page, "carnets du département");
  await page.getByLabel("Sans référent").check();
  await page.getByRole("button", { name: "Filtrer" }).click();
  await page.waitForURL(`${BASE_URL}/departement?sans_referent=true`);
  await page.locator("#resultats", { hasText: "(sans référent)" }).waitFor();
  assert.equal(await page.evaluate(() => document.activeElement.id), "resultats", "focus on the results");
  const withoutReferent = Number((await page.locator("#resultats").textContent()).match(/^(\d+)/)[1]);
  assert.ok(withoutReferent > 0 && withoutReferent < all, `${withoutReferent} of ${all}`);
  const rows = page.locator("tbody tr");
  assert.ok((await rows.count()) > 0);
  for (const cell of await page.locator("tbody tr td:nth-child(3)").allTextContents()) assert.equal(cell, "Aucun");
  await checkA11y(page, "carnets sans référent");
  // Page 2 of the filtered list, then a notebook.
  if (withoutReferent > 20) {
    await page.getByRole("button", { name: "Page suivante" }).click();
    await page.waitForURL(`${BASE_URL}/departement?sans_referent=true&page=2`);
    await page.getByText(/^Carnets du département, page 2 sur/).waitFor();
  }
  const link = page.locator("tbody tr th a").first();
  const name = await link.textContent();
  const href = await link.getAttribute("href");
  await link.click();
  await page.waitForURL(`${BASE_URL}${href}`);
  await page.getByRole("heading", { level: 1, name }).waitFor();
  await checkA11y(page, "un carnet");

  // Orienting it from its page: each choice is required; then a dispositif, a structure (one
  // with professionals) and one of its professionals as the referent.
  const notebookId = href.split("/").pop();
  await main(page).getByText("Référent : aucun").waitFor();
  await page.locator("summary", { hasText: "Orienter ce carnet" }).click();
  const orient = page.locator("#form-orientation");
  await orient.getByRole("button", { name: "Enregistrer l'orientation" }).click();
  await orient.getByText("Choisissez un dispositif.").waitFor();
  assert.equal(await page.evaluate(() => document.activeElement.name), "dispositif_id", "focus on the first field to correct");
  assert.equal(await orient.getByLabel("Dispositif d'accompagnement").getAttribute("aria-invalid"), "true");
  await checkA11y(page, "orientation incomplète");
  const dispositif = orient.getByLabel("Dispositif d'accompagnement");
  await dispositif.selectOption({ index: 1 });
  const dispositifName = await dispositif.locator("option:checked").textContent();
  await orient.getByRole("button", { name: "Enregistrer l'orientation" }).click();
  await orient.getByText("Choisissez la structure du référent.").waitFor();
  let structure = null;
  for (const candidate of (await apiJson(page, "/api/carnets/structures")).items) {
    if ((await apiJson(page, `/api/carnets/structures/${candidate.id}/professionals`)).items.length) {
      structure = candidate;
      break;
    }
  }
  assert.ok(structure, "a structure with professionals");
  await orient.getByLabel("Structure du référent").selectOption(structure.id);
  const referentSelect = orient.getByLabel(/^Référent/);
  await page.waitForFunction(() => document.querySelector("#form-orientation select[name=referent_account_id]").options.length > 1);
  await orient.getByText(/\d+ professionnels? dans la liste des référents\./).waitFor();
  await referentSelect.selectOption({ index: 1 });
  const referentId = await referentSelect.inputValue();
  const referentName = (await referentSelect.locator("option:checked").textContent()).split(" — ")[0];
  await checkA11y(page, "formulaire d'orientation rempli");
  await orient.getByRole("button", { name: "Enregistrer l'orientation" }).click();
  await main(page).getByText(`Orientation enregistrée : ${referentName} est le référent du carnet (${dispositifName}).`).waitFor();
  assert.equal(await focusedId(page), "accompagnement-titre", "focus on the orientation's facts");
  await main(page).getByText(`Référent : ${referentName}`).waitFor();
  const oriented = await apiJson(page, `/api/carnets/${notebookId}`);
  assert.equal(oriented.members.find((m) => m.member_type === "referent").account_id, referentId, "the chosen professional is the referent");
  assert.equal(oriented.orientation.dispositif.name, dispositifName, "with the chosen dispositif");
  const traced = await apiJson(page, `/api/carnets/${notebookId}/timeline?type=oriented`);
  assert.equal(traced.total, 1, "the orientation is in the timeline");
  // Now it has a referent, the form offers a re-orientation.
  await page.locator("summary", { hasText: "Réorienter ce carnet" }).waitFor();
  await checkA11y(page, "carnet orienté");

  await signOut(page);
});

test("a manager corrects a beneficiary's identity and rights: emptied fields refused next to them, then saved and traced", async () => {
  const page = await newPage(browser);
  await signIn(page, DEMO.manager);
  await page.goto(`${BASE_URL}/departement`);
  await page.getByRole("heading", { level: 1, name: "Carnets du département" }).waitFor();
  const link = page.locator("tbody tr th a").nth(3);
  const href = await link.getAttribute("href");
  const notebookId = href.split("/").pop();
  await link.click();
  await page.getByRole("navigation", { name: "Parties du carnet" }).waitFor();
  const before = await apiJson(page, `/api/carnets/${notebookId}`);
  const b = before.beneficiary;
  await page.locator("summary", { hasText: "Modifier l'identité et les droits" }).click();
  const form = page.locator("#form-identite");
  await checkA11y(page, "formulaire d'identité");

  // An emptied first name: the API requires it, the error is next to the field.
  const firstName = form.getByLabel(/^Prénom/);
  await firstName.fill("");
  await form.getByRole("button", { name: "Enregistrer l'identité et les droits" }).click();
  await page.waitForFunction(() => document.activeElement && document.activeElement.name === "first_name" && document.activeElement.getAttribute("aria-invalid") === "true");
  await form.getByText("Ce champ est obligatoire.").waitFor();
  await checkA11y(page, "prénom effacé");
  await firstName.fill(b.first_name);
  // An emptied birth date cannot be cleared: refused next to it rather than silently kept.
  assert.ok(b.birth_date, "the demo beneficiary has a birth date");
  await form.getByLabel("Date de naissance").fill("");
  await form.getByRole("button", { name: "Enregistrer l'identité et les droits" }).click();
  await form.getByText(/ne peut pas être effacée, seulement corrigée/).waitFor();
  assert.equal(await page.evaluate(() => document.activeElement.name), "birth_date");
  await form.getByLabel("Date de naissance").fill(b.birth_date);

  // A birth place, the CAF number cleared, the ASS right.
  await form.getByLabel("Lieu de naissance").fill("Bobigny");
  await form.getByLabel("N° CAF/MSA").fill("");
  const ass = form.getByLabel("ASS", { exact: true });
  if (!before.rights.ass) await ass.check();
  else await ass.uncheck();
  await form.getByRole("button", { name: "Enregistrer l'identité et les droits" }).click();
  await main(page).getByText("Identité et droits enregistrés.").waitFor();
  assert.equal(await focusedId(page), "partie-titre");
  const after = await apiJson(page, `/api/carnets/${notebookId}`);
  assert.equal(after.beneficiary.birth_place, "Bobigny");
  assert.equal(after.beneficiary.caf_number, null, "the CAF number is cleared");
  assert.equal(after.beneficiary.first_name, b.first_name);
  assert.equal(after.beneficiary.birth_date, b.birth_date);
  assert.equal(after.rights.ass, !before.rights.ass);
  const facts = main(page).locator("dl.facts").first();
  await facts.getByText("Bobigny").waitFor();
  const traced = await apiJson(page, `/api/carnets/${notebookId}/timeline?type=identity_updated`);
  assert.equal(traced.total, 1, "the correction is in the timeline");
  await checkA11y(page, "identité corrigée");

  // Another notebook given this one's département identifier: the same warning as at creation,
  // with a link to this notebook; confirmed as another person, saved.
  const identifier = `E2E-${Date.now()}`;
  await page.locator("summary", { hasText: "Modifier l'identité et les droits" }).click();
  await form.getByLabel("Identifiant départemental").fill(identifier);
  await form.getByRole("button", { name: "Enregistrer l'identité et les droits" }).click();
  await main(page).getByText("Identité et droits enregistrés.").waitFor();
  await page.goto(`${BASE_URL}/departement`);
  const otherLink = page.locator("tbody tr th a").nth(4);
  const otherId = (await otherLink.getAttribute("href")).split("/").pop();
  await otherLink.click();
  await page.getByRole("navigation", { name: "Parties du carnet" }).waitFor();
  await page.locator("summary", { hasText: "Modifier l'identité et les droits" }).click();
  const otherForm = page.locator("#form-identite");
  await otherForm.getByLabel("Identifiant départemental").fill(identifier);
  await otherForm.getByRole("button", { name: "Enregistrer l'identité et les droits" }).click();
  const warning = page.locator("#doublons-identite");
  await warning.getByText(/ressemble à celle d'un autre carnet/).waitFor();
  assert.equal(await focusedId(page), "doublons-identite", "focus on the warning");
  assert.equal(await warning.getByRole("link").getAttribute("href"), `/carnets/${notebookId}`);
  await warning.getByText(/même identifiant départemental/).waitFor();
  assert.equal((await apiJson(page, `/api/carnets/${otherId}`)).beneficiary.department_identifier !== identifier, true, "nothing saved yet");
  await checkA11y(page, "doublon possible à la modification");
  await warning.getByRole("button", { name: "C'est une autre personne : enregistrer" }).click();
  await main(page).getByText("Identité et droits enregistrés.").waitFor();
  assert.equal((await apiJson(page, `/api/carnets/${otherId}`)).beneficiary.department_identifier, identifier);

  // The dashboard on a phone: the charts are drawn at the screen's width, so their 12 px text is
  // not shrunk (a chart scaled down to fit would make it unreadable).
  const chartScales = () => page.evaluate(() => [...document.querySelectorAll("svg.chart")]
    .map((svg) => Math.round((svg.getBoundingClientRect().width / svg.viewBox.baseVal.width) * 100) / 100));
  await page.setViewportSize({ width: 320, height: 800 });
  await page.goto(`${BASE_URL}/tableau-de-bord`);
  await page.locator("svg.chart").nth(2).waitFor();
  assert.deepEqual(await chartScales(), [1, 1, 1], "charts at their drawn size at 320 px");
  await checkA11y(page, "tableau de bord à 320 px");
  // Back to a wide window: drawn again at their full width.
  await page.setViewportSize({ width: 1280, height: 900 });
  await page.waitForFunction(() => document.querySelector("svg.chart").viewBox.baseVal.width > 400);
  assert.deepEqual(await chartScales(), [1, 1, 1], "and at 1280 px");
});
