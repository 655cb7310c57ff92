// An orientation manager: the queue of re-orientation requests, a request refused without a
// reason then decided (current support kept), another one re-oriented (dispositif, structure,
// new referent), both gone from the pending queue and shown among the decided ones; the
// département's notebooks filtered, one opened; signing out. axe on every page and state.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { launch, newPage, signIn, signOut, checkA11y, BASE_URL } from "../lib.mjs";

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

  await signOut(page);
});
