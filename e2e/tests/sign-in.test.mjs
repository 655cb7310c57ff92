// Sign-in, CGU, account page, signing out here and everywhere.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { launch, newPage, signIn, signOut, checkA11y, BASE_URL, DEMO } from "../lib.mjs";

let browser;
before(async () => (browser = await launch()));
after(async () => browser && (await browser.close()));

test("signing in through the emailed link, then out; an unused link stays usable once", async () => {
  const page = await newPage(browser);
  await signIn(page, DEMO.platformAdmin);
  await page.getByRole("link", { name: "Mon compte" }).click();
  await page.getByRole("heading", { level: 1, name: "Mon compte" }).waitFor();
  await checkA11y(page, "compte");
  await signOut(page);
  await checkA11y(page, "connexion après déconnexion");
  // A signed-out person asking for a page is taken to the sign-in page.
  await page.goto(`${BASE_URL}/gestion/comptes`);
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

test("signing out everywhere closes the other sessions", async () => {
  const first = await newPage(browser);
  const second = await newPage(browser);
  await signIn(first, DEMO.manager);
  await signIn(second, DEMO.manager);
  await second.getByRole("link", { name: "Mon compte" }).click();
  await second.getByRole("button", { name: "Se déconnecter partout" }).click();
  await second.getByText("Vous êtes déconnecté de tous vos appareils.").waitFor();
  const status = await first.evaluate(async () => (await fetch("/api/auth/me")).status);
  assert.equal(status, 401, "the first session is closed too");
});
