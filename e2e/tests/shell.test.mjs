// The shell and the pages around it: the département's logo, the skip link for keyboard users, a
// page whose script cannot load; then, with people of its own (the platform admin creates a
// manager, who creates a structure, a professional who is also its admin, and a beneficiary with
// an account): a save whose reload fails (said so; sent again, written once), the reminder email
// and its opt-out link, a failed role switch (one error, focused), a change of address confirmed
// from the emailed link, and a sign-out that did not go through. axe on every page and state.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import {
  launch, newPage, signIn, checkA11y, focusedText, apiGet, apiSession, runJob, deliverEmails, emailsTo,
  linkFromLastEmail, freshEmail, BASE_URL, DEMO,
} from "../lib.mjs";

let browser;
/** The people of this file, created in `before`. */
const people = {};
before(async () => {
  browser = await launch();
  const stamp = Date.now().toString(36);
  const admin = await apiSession(DEMO.platformAdmin);
  people.managerEmail = freshEmail("gestionnaire-shell");
  await admin.call("POST", "/api/auth/accounts", { email: people.managerEmail, first_name: "Gaëlle", last_name: `Coquille-${stamp}`, role: "manager" });
  const manager = await apiSession(people.managerEmail);
  people.structure = await manager.call("POST", "/api/auth/structures", { name: `Structure coquille ${stamp}` });
  people.proEmail = freshEmail("pro-shell");
  people.proName = `Paul Coquille-${stamp}`;
  const pro = await manager.call("POST", "/api/auth/accounts", {
    email: people.proEmail, first_name: "Paul", last_name: `Coquille-${stamp}`, role: "professional", structure_id: people.structure.id,
  });
  people.beneficiaryEmail = freshEmail("beneficiaire-shell");
  const beneficiary = await manager.call("POST", "/api/write/beneficiaries", {
    first_name: "Bérénice", last_name: `Coquille-${stamp}`, birth_date: "1991-05-17", email: people.beneficiaryEmail, create_account: true,
  });
  assert.ok(beneficiary.account_id, "the beneficiary's account is opened");
  people.notebookId = beneficiary.notebook_id;
  // The professional joins the notebook (through the API), then also becomes the structure's admin.
  const asPro = await apiSession(people.proEmail);
  await asPro.call("POST", `/api/write/carnets/${people.notebookId}/members/self`, { member_type: "member" });
  await manager.call("POST", `/api/auth/accounts/${pro.id}/roles`, { role: "structure_admin", structure_id: people.structure.id });
});
after(async () => browser && (await browser.close()));

/** Tomorrow (in Paris) at `time`, as a datetime-local value. */
function tomorrowAt(time) {
  const today = new Intl.DateTimeFormat("en-CA", { timeZone: "Europe/Paris", year: "numeric", month: "2-digit", day: "2-digit" }).format(new Date());
  const [year, month, day] = today.split("-").map(Number);
  return `${new Date(Date.UTC(year, month - 1, day + 1)).toISOString().slice(0, 10)}T${time}`;
}

/** The reminder emails an address received (delivered now). */
async function remindersTo(address) {
  await deliverEmails();
  return (await emailsTo(address)).filter((email) => email.subject === "Rappel : un rendez-vous demain");
}

test("the header shows the département's logo; the first Tab reaches « Aller au contenu », which moves the focus to the content", async () => {
  const page = await newPage(browser);
  await page.goto(`${BASE_URL}/connexion`);
  await page.getByRole("heading", { level: 1, name: "Connexion à Carnet de bord" }).waitFor();
  const logo = page.locator("header img#logo");
  await logo.waitFor({ state: "visible" });
  assert.equal(await logo.getAttribute("src"), "/departement/logo-exemple.svg");
  assert.equal(await logo.getAttribute("alt"), "", "the link already names the département");
  assert.ok(await logo.evaluate((img) => img.complete && img.naturalWidth > 0), "the logo is served");
  await page.getByRole("banner").getByRole("link", { name: "Seine-Saint-Denis Carnet de bord", exact: true }).waitFor();
  await checkA11y(page, "en-tête avec logo");

  // A fresh page keeps the focus at its top: the first Tab is the skip link, shown when focused.
  assert.equal(await focusedText(page), "(nothing focused)");
  await page.keyboard.press("Tab");
  assert.equal(await focusedText(page), "Aller au contenu");
  assert.ok(await page.getByRole("link", { name: "Aller au contenu" }).isVisible(), "visible once focused");
  await checkA11y(page, "lien d'évitement");
  await page.evaluate(() => (document.querySelector("main h1").dataset.avant = "oui"));
  await page.keyboard.press("Enter");
  await page.waitForFunction(() => document.activeElement && document.activeElement.id === "contenu");
  assert.equal(await page.locator("main h1").getAttribute("data-avant"), "oui", "the page is not drawn again");
  // The next Tab goes on inside the content: the address field.
  await page.keyboard.press("Tab");
  assert.equal(await page.evaluate(() => document.activeElement.name), "email");
  await checkA11y(page, "contenu atteint au clavier");
});

test("a page whose script cannot be loaded says so in French, and « Réessayer » loads it", async () => {
  const page = await newPage(browser);
  const script = "**/js/pages/connexion.js";
  await page.route(script, (route) => route.abort("internetdisconnected"));
  await page.goto(`${BASE_URL}/accessibilite`);
  await page.getByRole("heading", { level: 1, name: "Impossible d'afficher la page" }).waitFor();
  const message = (await page.getByRole("alert").innerText()).trim();
  assert.equal(message, "La page n'a pas pu être chargée : le réseau ne répond pas. Vérifiez votre connexion puis réessayez.");
  await checkA11y(page, "script de page introuvable");
  await page.unroute(script);
  await page.getByRole("button", { name: "Réessayer" }).click();
  await page.getByRole("heading", { level: 1, name: "Déclaration d'accessibilité" }).waitFor();
  await checkA11y(page, "accessibilité après nouvel essai");
});

let page;

test("a role switch that fails says so once, focused; then it works", async () => {
  page = await newPage(browser);
  await signIn(page, people.proEmail); // a new account: through the CGU
  await page.waitForURL(`${BASE_URL}/structure`);
  await page.getByRole("navigation", { name: "Menu principal" }).getByRole("link", { name: "Mon compte" }).click();
  await page.getByRole("heading", { level: 1, name: "Mon compte" }).waitFor();
  const switchButton = page.getByRole("button", { name: "Agir en tant que professionnel" });
  await page.route("**/api/auth/role", (route) => route.abort("internetdisconnected"));
  for (let attempt = 0; attempt < 2; attempt++) {
    await switchButton.click();
    await page.waitForFunction(() => document.activeElement && document.activeElement.id === "erreur-role" && document.activeElement.textContent);
    assert.match(await focusedText(page), /^Le réseau ne répond pas/);
    assert.equal(await page.locator("main .alert--error").count(), 1, "one message, not a pile");
    assert.equal(await switchButton.isEnabled(), true, "the button can be pressed again");
  }
  await checkA11y(page, "changement de rôle refusé");
  await page.unroute("**/api/auth/role");
  await switchButton.click();
  await page.waitForURL(`${BASE_URL}/accueil`);
  await page.getByRole("heading", { level: 1 }).waitFor();
  assert.equal((await apiGet(page, "/api/auth/me")).active_role.role, "professional");
});

test("a rendez-vous saved while the page could not reload: said so, sent again, written once; its reminder's opt-out link works", async () => {
  const notebookPath = `/api/carnets/${people.notebookId}`;
  await page.goto(`${BASE_URL}/carnets/${people.notebookId}?onglet=rendez-vous`);
  await page.getByRole("heading", { level: 2, name: "Rendez-vous" }).waitFor();
  await page.locator("summary", { hasText: "Prévoir un rendez-vous" }).click();
  await page.locator("#form-rdv").getByLabel("Date et heure").fill(tomorrowAt("10:30"));
  // The write goes through; the reload of the notebook that follows it does not.
  let reloads = 0;
  const reload = (url) => url.pathname === notebookPath;
  await page.route(reload, (route) => (reloads++ === 0 ? route.abort("internetdisconnected") : route.continue()));
  await page.getByRole("button", { name: "Enregistrer le rendez-vous" }).click();
  const warning = page.locator("#form-rdv .form-message");
  await warning.waitFor();
  assert.equal((await warning.innerText()).trim(), "C'est enregistré, mais la page n'a pas pu être mise à jour. Rechargez la page pour voir les informations à jour.");
  assert.match(await focusedText(page), /^C'est enregistré/, "the message takes the focus");
  assert.equal(await page.locator("#form-rdv").getByLabel("Date et heure").inputValue(), tomorrowAt("10:30"), "what was typed is kept");
  await checkA11y(page, "enregistré, page non rechargée");
  // Sent again (the same thing): the saved answer is replayed, nothing is written twice.
  await page.getByRole("button", { name: "Enregistrer le rendez-vous" }).click();
  await page.locator("main .alert--success", { hasText: /^Rendez-vous prévu le / }).waitFor();
  await page.unroute(reload);
  const notebook = await apiGet(page, notebookPath);
  assert.equal(notebook.rendez_vous.length, 1, "one rendez-vous, not two");
  await checkA11y(page, "rendez-vous enregistré");

  // The day before: the reminder job emails the beneficiary, with a link to stop the reminders.
  // (The server's own scheduler may have run it first: what counts is the emails.)
  await runJob("reminders");
  const reminders = await remindersTo(people.beneficiaryEmail);
  assert.equal(reminders.length, 1, "one reminder for one rendez-vous");
  const optOut = await linkFromLastEmail(people.beneficiaryEmail, "/notifications/desabonnement#jeton=", 0);
  const reader = await newPage(browser, { width: 320, height: 640 });
  await reader.goto(optOut);
  await reader.getByRole("heading", { level: 1, name: "Ne plus recevoir les rappels de rendez-vous" }).waitFor();
  await checkA11y(reader, "désabonnement");
  await reader.getByRole("button", { name: "Ne plus recevoir les rappels par courriel" }).click();
  const done = reader.locator("main .alert--success");
  await done.waitFor();
  assert.equal(await focusedText(reader), (await done.innerText()).trim(), "the outcome takes the focus");
  assert.equal(new URL(reader.url()).hash, "", "the link's token is gone from the address bar");
  await checkA11y(reader, "désabonnement fait");

  // Another rendez-vous tomorrow: the professional is reminded, the beneficiary no more.
  const remindersBefore = (await remindersTo(people.proEmail)).length;
  await page.evaluate(async ({ id, startsAt }) => {
    const response = await fetch(`/api/write/carnets/${id}/rendez-vous`, {
      method: "POST",
      headers: { "content-type": "application/json", "idempotency-key": crypto.randomUUID() },
      body: JSON.stringify({ starts_at: startsAt }),
    });
    if (!response.ok) throw new Error(`rendez-vous: ${response.status}`);
  }, { id: people.notebookId, startsAt: `${tomorrowAt("14:00")}:00Z` }); // 15:00 or 16:00 in Paris
  await runJob("reminders");
  assert.equal((await remindersTo(people.proEmail)).length, remindersBefore + 1, "the professional is reminded");
  assert.equal((await remindersTo(people.beneficiaryEmail)).length, 1, "the beneficiary opted out");
});

test("a change of address is confirmed from the emailed link; a sign-out that does not go through keeps the session and says so", async () => {
  await page.getByRole("navigation", { name: "Menu principal" }).getByRole("link", { name: "Mon compte" }).click();
  await page.getByRole("heading", { level: 1, name: "Mon compte" }).waitFor();
  const newEmail = freshEmail("pro-shell-nouvelle");
  await page.getByLabel(/^Nouvelle adresse électronique/).fill(newEmail);
  await page.getByRole("button", { name: "Changer d'adresse" }).click();
  await page.getByText("Consultez la messagerie de la nouvelle adresse pour confirmer le changement.").waitFor();
  await checkA11y(page, "changement d'adresse demandé");
  const link = await linkFromLastEmail(newEmail, "/connexion/adresse#jeton=", 0);
  await page.goto(link);
  await page.getByRole("heading", { level: 1, name: "Confirmer votre nouvelle adresse électronique" }).waitFor();
  await checkA11y(page, "confirmer la nouvelle adresse");
  await page.getByRole("button", { name: "Confirmer cette adresse" }).click();
  const confirmed = page.getByText("Votre nouvelle adresse est enregistrée. Utilisez-la pour vous connecter.");
  await confirmed.waitFor();
  assert.equal(await focusedText(page), "Votre nouvelle adresse est enregistrée. Utilisez-la pour vous connecter.");
  assert.equal(new URL(page.url()).hash, "", "the link's token is gone from the address bar");
  await checkA11y(page, "nouvelle adresse confirmée");
  assert.equal((await apiGet(page, "/api/auth/me")).account.email, newEmail);

  // Signing out while the network is down: still signed in, and told so, with a retry.
  await page.goto(`${BASE_URL}/compte`);
  await page.getByRole("heading", { level: 1, name: "Mon compte" }).waitFor();
  await page.route("**/api/auth/logout", (route) => route.abort("internetdisconnected"));
  await page.getByRole("navigation", { name: "Menu principal" }).getByRole("button", { name: "Se déconnecter" }).click();
  const failure = page.locator("#erreur-deconnexion");
  await failure.waitFor();
  assert.match(await focusedText(page), /^La déconnexion n'a pas abouti : le réseau ne répond pas\. Vous êtes toujours connecté\./);
  assert.equal(await page.getByText("Vous êtes déconnecté").count(), 0);
  assert.equal(await page.evaluate(async () => (await fetch("/api/auth/me")).status), 200, "the session is still open");
  await checkA11y(page, "déconnexion impossible");
  await page.unroute("**/api/auth/logout");
  await failure.getByRole("button", { name: "Réessayer de se déconnecter" }).click();
  await page.getByText("Vous êtes déconnecté.").waitFor();
  assert.equal(await page.evaluate(async () => (await fetch("/api/auth/me")).status), 401, "the session is closed");
  assert.equal(await page.locator("#erreur-deconnexion").count(), 0);
  await checkA11y(page, "déconnecté après nouvel essai");
});
