// A beneficiary on a small phone (320 px): their next rendez-vous, their referent and how to reach
// them, their objectifs, what happened (paged), changing their phone number (a wrong one first),
// stopping reminder emails, signing out. Every page and state: axe, and nothing wider than the
// screen.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import {
  launch, newPage, signIn, signOut, checkA11y, assertNoHorizontalScroll, emailsTo, linkFromLastEmail,
  BASE_URL, DEMO,
} from "../lib.mjs";

let browser;
before(async () => (browser = await launch()));
after(async () => browser && (await browser.close()));

/** A session token for `email`, through the emailed link (as the API's own clients do). */
async function apiToken(email) {
  const before = (await emailsTo(email)).length;
  const asked = await fetch(`${BASE_URL}/api/auth/magic-link`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ email }),
  });
  assert.equal(asked.status, 202);
  const link = await linkFromLastEmail(email, "/connexion/confirmer#jeton=", before);
  const token = new URL(link).hash.replace(/^#jeton=/, "");
  const confirmed = await fetch(`${BASE_URL}/api/auth/confirm`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ token }),
  });
  assert.equal(confirmed.status, 200);
  return (await confirmed.json()).token;
}

async function asPro(token, method, path, body) {
  const response = await fetch(`${BASE_URL}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json", "idempotency-key": crypto.randomUUID() },
    body: JSON.stringify(body),
  });
  assert.ok(response.ok, `${method} ${path}: ${response.status} ${await response.clone().text()}`);
  return response.json();
}

/** Day of the week, dd/mm/yyyy and HHhMM of an instant in the instance's time zone. */
function paris(instant) {
  const parts = Object.fromEntries(new Intl.DateTimeFormat("fr-FR", {
    timeZone: "Europe/Paris", day: "2-digit", month: "2-digit", year: "numeric", hour: "2-digit", minute: "2-digit", hourCycle: "h23",
  }).formatToParts(instant).map((p) => [p.type, p.value]));
  const weekday = new Intl.DateTimeFormat("fr-FR", { timeZone: "Europe/Paris", weekday: "long" }).format(instant);
  return {
    weekday: weekday[0].toUpperCase() + weekday.slice(1),
    date: `${parts.day}/${parts.month}/${parts.year}`,
    time: `${parts.hour}h${parts.minute}`,
  };
}

async function checkPage(page, label) {
  await checkA11y(page, label);
  await assertNoHorizontalScroll(page, label);
}

test("a beneficiary follows their notebook on a 320 px phone", async () => {
  const page = await newPage(browser, { width: 320, height: 640 });
  await signIn(page, DEMO.beneficiary);
  await page.waitForURL(`${BASE_URL}/mon-carnet`);
  await page.getByRole("heading", { level: 1, name: "Mon carnet" }).waitFor();
  await checkPage(page, "mon carnet (avant)");

  // The referent plans three rendez-vous, the first within two hours (earlier than any the demo
  // data holds), through the API.
  const mine = await page.evaluate(async () => (await fetch("/api/carnets/mine")).json());
  const referent = mine.members.find((m) => m.member_type === "referent");
  assert.ok(referent && referent.phone, "the demo beneficiary has a referent with a phone");
  const token = await apiToken(referent.email);
  // The next full hour, plus one: between one and two hours from now, never seconds away.
  const next = new Date(Date.now());
  next.setUTCMinutes(0, 0, 0);
  next.setTime(next.getTime() + 2 * 3600 * 1000);
  for (const at of [next, new Date(next.getTime() + 20 * 86400 * 1000), new Date(next.getTime() + 40 * 86400 * 1000)]) {
    await asPro(token, "POST", `/api/write/carnets/${mine.id}/rendez-vous`, { starts_at: at.toISOString() });
  }
  await page.reload();
  await page.getByRole("heading", { level: 1, name: "Mon carnet" }).waitFor();
  await checkPage(page, "mon carnet");

  // First thing on the page: the next rendez-vous, when, with whom, where.
  const firstHeading = await page.locator("main h2").first().textContent();
  assert.equal(firstHeading, "Mon prochain rendez-vous");
  const rendezVous = page.getByRole("region", { name: "Mon prochain rendez-vous" });
  const expected = paris(next);
  await rendezVous.getByText(`${expected.weekday} ${expected.date}`, { exact: true }).waitFor();
  await rendezVous.getByText(`à ${expected.time}`, { exact: true }).waitFor();
  await rendezVous.getByText(`${referent.first_name} ${referent.last_name}`, { exact: true }).waitFor();
  await rendezVous.getByText(referent.structure.name, { exact: true }).waitFor();
  assert.equal(await rendezVous.getByRole("listitem").count(), 2 + mine.rendez_vous.filter((r) => !r.cancelled_at && r.starts_at >= mine.next_rendez_vous).length,
    "the other rendez-vous to come are listed");

  // The referent and how to reach them: tel: and mailto: links.
  const contact = page.getByRole("region", { name: "Ma personne référente" });
  const phone = contact.getByRole("link", { name: referent.phone });
  assert.equal(await phone.getAttribute("href"), "tel:" + referent.phone.replace(/[^\d+]/g, ""));
  assert.equal(await contact.getByRole("link", { name: referent.email }).getAttribute("href"), "mailto:" + referent.email);

  // Objectifs and their actions, in plain words.
  const objectifs = page.getByRole("region", { name: "Mes objectifs" });
  const firstObjectif = mine.plan.find((f) => f.objectifs.length).objectifs[0];
  await objectifs.getByText(firstObjectif.label, { exact: true }).first().waitFor();
  await objectifs.getByText(firstObjectif.actions[0].label, { exact: true }).first().waitFor();

  // What happened, five at a time, newest first: the three rendez-vous are on the first page.
  const history = page.getByRole("region", { name: "Ce qui s'est passé" });
  await history.getByRole("listitem").first().waitFor();
  assert.equal(await history.getByRole("listitem").count(), 5);
  const pager = history.getByRole("navigation", { name: "Pagination" });
  const pages = Number((await pager.getByText(/^Page 1 sur \d+$/).textContent()).match(/sur (\d+)/)[1]);
  assert.ok(pages >= 2, "at least two pages");
  await pager.getByRole("button", { name: "Page suivante" }).click();
  await history.getByText(`Page 2 sur ${pages}`).waitFor();
  assert.equal(await page.evaluate(() => document.activeElement.textContent), "Ce qui s'est passé", "focus back on the section's title");
  if (pages === 2) await history.getByText(/^Création du carnet/).waitFor();
  await checkPage(page, "historique, page 2");

  // A wrong phone number: the error is shown next to the field, and what was typed stays.
  const coordinates = page.getByRole("region", { name: "Mes coordonnées" });
  const phoneField = coordinates.getByLabel("Téléphone");
  await phoneField.fill("12");
  await coordinates.getByRole("button", { name: "Enregistrer mes coordonnées" }).click();
  await page.waitForFunction(() => document.activeElement && document.activeElement.getAttribute("aria-invalid") === "true");
  assert.equal(await phoneField.inputValue(), "12");
  const errorId = (await phoneField.getAttribute("aria-describedby")).split(" ").find((id) => id.endsWith("-erreur"));
  assert.ok(errorId, "the error is tied to the field");
  assert.notEqual((await page.locator(`#${errorId}`).textContent()).trim(), "");
  await checkPage(page, "coordonnées : erreur");

  await phoneField.fill("06 98 76 54 32");
  await coordinates.getByRole("button", { name: "Enregistrer mes coordonnées" }).click();
  const saved = coordinates.getByText("C'est enregistré : vos coordonnées sont à jour.");
  await saved.waitFor();
  assert.equal(await page.evaluate(() => document.activeElement.textContent), "C'est enregistré : vos coordonnées sont à jour.");
  await coordinates.locator("dd", { hasText: "06 98 76 54 32" }).waitFor();
  const stored = await page.evaluate(async () => (await fetch("/api/carnets/mine")).json());
  assert.equal(stored.beneficiary.phone.replace(/\D/g, ""), "0698765432");
  await history.getByText(/^Coordonnées mises à jour/).first().waitFor();
  await checkPage(page, "coordonnées enregistrées");
  // The phone emptied: no number any more.
  await phoneField.fill("");
  await coordinates.getByRole("button", { name: "Enregistrer mes coordonnées" }).click();
  const phoneFact = coordinates.locator("xpath=.//dt[normalize-space()='Téléphone']/following-sibling::dd[1]");
  await phoneFact.filter({ hasText: /^Non renseigné$/ }).waitFor();
  assert.equal((await page.evaluate(async () => (await fetch("/api/carnets/mine")).json())).beneficiary.phone, null);

  // No more reminder emails.
  const reminders = page.getByRole("region", { name: "Rappels par courriel" });
  await reminders.getByText("Vous recevez un courriel la veille de chaque rendez-vous.").waitFor();
  await reminders.getByRole("button", { name: "Ne plus recevoir les rappels" }).click();
  await reminders.getByText(/^C'est noté : vous ne recevrez plus de rappel/).waitFor();
  await reminders.getByRole("button", { name: "Recevoir à nouveau les rappels" }).waitFor();
  const preferences = await page.evaluate(async () => (await fetch("/api/notifications/preferences")).json());
  assert.equal(preferences.reminders, false);
  await checkPage(page, "rappels arrêtés");

  await signOut(page);
  await checkPage(page, "déconnexion");
});
