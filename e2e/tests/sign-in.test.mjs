// Sign-in, the CGU of a new account, the account page, signing out here and everywhere. Accounts
// of this file: structure 25's (its admin creates the new accounts).
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import {
  launch, newPage, signIn, signOut, checkA11y, focusedText, emailsTo, linkFromLastEmail, apiSession, freshEmail,
  BASE_URL,
} from "../lib.mjs";

const PRO = "pro-25-1@demo.carnet.test";
const PRO_TWO_SESSIONS = "pro-25-2@demo.carnet.test";
const STRUCTURE_ADMIN = "admin-structure-25@demo.carnet.test";

let browser;
before(async () => (browser = await launch()));
after(async () => browser && (await browser.close()));

const sessionStatus = (page) => page.evaluate(async () => (await fetch("/api/auth/me")).status);

test("a link opened but not used stays usable, once: signing in with it, out, and the same link refused", async () => {
  // Ask for a link; a mail scanner (or the person) opens the page without pressing « Continuer ».
  const scanner = await newPage(browser);
  const page = await newPage(browser);
  const previous = (await emailsTo(PRO)).length;
  await page.goto(`${BASE_URL}/connexion`);
  await page.getByLabel("Adresse électronique").fill(PRO);
  await page.getByRole("button", { name: "Recevoir un lien de connexion" }).click();
  await page.getByText("Consultez votre messagerie").waitFor();
  const link = await linkFromLastEmail(PRO, "/connexion/confirmer#jeton=", previous);
  await scanner.goto(link);
  await scanner.getByRole("button", { name: "Continuer" }).waitFor();
  assert.equal(await sessionStatus(scanner), 401, "opening the page signs nobody in");

  // The link still works.
  await page.goto(link);
  await page.getByRole("heading", { level: 1, name: "Terminer la connexion" }).waitFor();
  await checkA11y(page, "confirmer");
  await page.getByRole("button", { name: "Continuer" }).click();
  await page.waitForURL(`${BASE_URL}/accueil`);
  assert.equal(new URL(page.url()).hash, "", "the token is gone from the address bar");
  await page.getByRole("link", { name: "Mon compte" }).click();
  await page.getByRole("heading", { level: 1, name: "Mon compte" }).waitFor();
  assert.match(await page.locator("main dl").innerText(), new RegExp(PRO.replace(/\./g, "\\.")));
  await checkA11y(page, "compte");
  await signOut(page);
  await checkA11y(page, "connexion après déconnexion");

  // Used once: the same link now fails, and says what to do.
  await page.goto(link);
  await page.getByRole("button", { name: "Continuer" }).click();
  const refusal = page.getByRole("alert");
  await refusal.waitFor();
  assert.ok((await refusal.innerText()).trim().length > 0, "the refusal says why");
  assert.equal(new URL(page.url()).pathname, "/connexion/confirmer", "still on the confirmation page");
  assert.equal(await sessionStatus(page), 401, "a used link signs nobody in");
  await checkA11y(page, "lien déjà utilisé");
  // The scanner's page, pressed late, is refused too.
  await scanner.getByRole("button", { name: "Continuer" }).click();
  await scanner.getByRole("alert").waitFor();
  assert.equal(await sessionStatus(scanner), 401);

  // A signed-out person asking for a page is taken to the sign-in page.
  await page.goto(`${BASE_URL}/recherche`);
  await page.waitForURL(`${BASE_URL}/connexion`);
});

test("an unknown address gets the same answer, and a wrong link says what to do", async () => {
  const page = await newPage(browser);
  await page.goto(`${BASE_URL}/connexion`);
  await page.getByLabel("Adresse électronique").fill("personne@inconnu.test");
  await page.getByRole("button", { name: "Recevoir un lien de connexion" }).click();
  await page.getByText("Consultez votre messagerie").waitFor();
  await page.getByLabel("Adresse électronique").fill("pas une adresse");
  await page.getByRole("button", { name: "Recevoir un lien de connexion" }).click();
  const field = page.getByLabel("Adresse électronique");
  await page.waitForFunction(() => document.activeElement && document.activeElement.getAttribute("aria-invalid") === "true");
  assert.equal(await field.getAttribute("aria-invalid"), "true", "the error is tied to its field");
  await checkA11y(page, "connexion avec erreur");
  await page.goto(`${BASE_URL}/connexion/confirmer#jeton=inconnu`);
  await page.getByRole("button", { name: "Continuer" }).click();
  await page.getByRole("alert").waitFor();
  await checkA11y(page, "lien invalide");
});

test("a new account accepts the CGU at its first sign-in: refused without the box ticked, then home", async () => {
  // The structure's admin creates a professional's account (never signed in, CGU not accepted).
  const admin = await apiSession(STRUCTURE_ADMIN);
  const structure = admin.me.active_role.structure;
  const email = freshEmail("cgu");
  await admin.call("POST", "/api/auth/accounts", {
    email, first_name: "Maëlle", last_name: "Nouvelle", role: "professional", structure_id: structure.id,
  });

  const page = await newPage(browser);
  // signIn goes through the CGU page: « Valider » without the box (the error tied to the box,
  // which takes the focus; axe), then ticked.
  await signIn(page, email);
  await page.waitForURL(`${BASE_URL}/accueil`);
  await page.getByRole("heading", { level: 1 }).waitFor();
  const me = await page.evaluate(async () => (await fetch("/api/auth/me")).json());
  assert.equal(me.cgu.required, false, "accepted");
  assert.equal(me.cgu.accepted_version, me.cgu.current_version);
  await checkA11y(page, "accueil après les CGU");
  // The CGU page no longer asks.
  await page.getByRole("contentinfo").getByRole("link", { name: "Conditions d'utilisation" }).click();
  await page.getByRole("heading", { level: 1, name: "Conditions générales d'utilisation" }).waitFor();
  assert.equal(await page.getByRole("button", { name: "Valider" }).count(), 0);
  assert.equal(await focusedText(page), "Conditions générales d'utilisation", "in-app navigation focuses the title");
});

test("signing out everywhere closes the other sessions", async () => {
  const first = await newPage(browser);
  const second = await newPage(browser);
  await signIn(first, PRO_TWO_SESSIONS);
  await signIn(second, PRO_TWO_SESSIONS);
  await second.getByRole("link", { name: "Mon compte" }).click();
  await second.getByRole("button", { name: "Se déconnecter partout" }).click();
  await second.getByText("Vous êtes déconnecté de tous vos appareils.").waitFor();
  assert.equal(await sessionStatus(second), 401);
  assert.equal(await sessionStatus(first), 401, "the first session is closed too");
});
