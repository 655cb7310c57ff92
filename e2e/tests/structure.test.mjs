// The structure admin's journey: the structure's notebooks, choosing a referent among the
// structure's professionals, creating a professional's account, finding it, disabling it.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { launch, newPage, signIn, signOut, checkA11y, assertNoHorizontalScroll, focusedText, BASE_URL, DEMO } from "../lib.mjs";

let browser;
before(async () => (browser = await launch()));
after(async () => browser && (await browser.close()));

test("a structure admin changes a referent, creates a professional's account, finds it, sets her work contact, disables it after a confirmation and re-enables it", async () => {
  const page = await newPage(browser);
  await signIn(page, DEMO.structureAdmin);
  await page.waitForURL(`${BASE_URL}/structure`);
  await page.getByRole("heading", { level: 1, name: "Carnets de la structure" }).waitFor();
  const table = page.getByRole("table", { name: /carnets? suivis? par la structure/ });
  await table.waitFor();
  await checkA11y(page, "carnets de la structure");

  // The referent of the first notebook becomes another professional of the structure.
  const firstRow = table.locator("tbody tr").first();
  const beneficiary = (await firstRow.locator("th").innerText()).trim();
  await firstRow.getByRole("button", { name: `Changer le référent du carnet de ${beneficiary}` }).click();
  const panelTitle = `Changer le référent du carnet de ${beneficiary}`;
  await page.getByRole("heading", { level: 2, name: panelTitle }).waitFor();
  const choice = page.getByLabel("Nouveau référent");
  await choice.waitFor();
  assert.equal(await focusedText(page), panelTitle, "the focus moves to the form's title");
  await checkA11y(page, "choix du référent");
  const options = await choice.locator("option").evaluateAll((all) => all.map((o) => ({ value: o.value, label: o.textContent })));
  assert.ok(options.length >= 3, "the structure's professionals are offered");
  const chosen = options.find((o) => o.value && !o.label.includes("référent actuel"));
  await choice.selectOption(chosen.value);
  const dispositif = page.getByLabel("Dispositif d'accompagnement");
  if (!(await dispositif.inputValue())) await dispositif.selectOption({ index: 1 });
  await page.getByRole("button", { name: "Désigner ce référent" }).click();
  const done = `${chosen.label} est maintenant référent du carnet de ${beneficiary}.`;
  await page.getByText(done).waitFor();
  assert.equal(await focusedText(page), done, "the focus moves to the outcome");
  assert.equal((await table.locator("tbody tr").first().locator("td").nth(3).innerText()).trim(), chosen.label, "the list shows the new referent");
  await checkA11y(page, "référent changé");
  // The notebook says so too.
  const notebookId = (await table.locator("tbody tr").first().locator("th a").getAttribute("href")).split("/").pop();
  const referent = await page.evaluate(async (id) => {
    const notebook = await (await fetch(`/api/carnets/${id}`)).json();
    const member = notebook.members.find((m) => m.member_type === "referent");
    return `${member.first_name} ${member.last_name}`;
  }, notebookId);
  assert.equal(referent, chosen.label);

  // The structure's professionals: create an account, find it, disable it.
  await page.getByRole("navigation", { name: "Menu principal" }).getByRole("link", { name: "Professionnels" }).click();
  await page.getByRole("heading", { level: 1, name: "Professionnels de la structure" }).waitFor();
  await page.getByRole("table").waitFor();
  await checkA11y(page, "professionnels de la structure");
  const stamp = Date.now().toString(36);
  const email = `pro-e2e-${stamp}@demo.carnet.test`;
  const form = page.getByRole("form", { name: "Ajouter un professionnel" });
  await form.getByRole("button", { name: "Créer le compte du professionnel" }).click();
  await form.getByRole("textbox", { name: /^Prénom/ }).and(page.locator("[aria-invalid=true]")).waitFor();
  await checkA11y(page, "création refusée, erreurs sur les champs");
  await form.getByRole("textbox", { name: /^Prénom/ }).fill("Inès");
  await form.getByRole("textbox", { name: /^Nom/ }).fill(`Essai-${stamp}`);
  await form.getByRole("textbox", { name: /^Adresse électronique/ }).fill(email);
  await form.getByRole("button", { name: "Créer le compte du professionnel" }).click();
  const created = `Compte créé pour Inès Essai-${stamp} (${email}). Un courriel l'invite à se connecter.`;
  await page.getByText(created).waitFor();
  assert.equal(await focusedText(page), created);
  await checkA11y(page, "compte créé");

  await page.getByRole("searchbox", { name: "Nom ou adresse électronique" }).fill(`essai-${stamp}`);
  await page.getByRole("search", { name: "Filtrer les comptes" }).getByRole("button", { name: "Rechercher" }).click();
  const results = page.getByRole("table", { name: "1 compte", exact: true });
  await results.waitFor();
  const row = results.locator("tbody tr");
  assert.equal((await row.locator("td").first().innerText()).trim(), email);
  assert.match(await row.innerText(), /Professionnel/);
  assert.match(await row.innerText(), /Actif/);
  await checkA11y(page, "recherche d'un professionnel");

  // Her work position and phone, as she would set them on « Mon compte »: a bad phone is said
  // next to its field, focused, and what was typed stays.
  await row.getByRole("button", { name: `Coordonnées professionnelles de Inès Essai-${stamp}` }).click();
  const contactForm = page.getByRole("form", { name: `Coordonnées professionnelles de Inès Essai-${stamp}` });
  await contactForm.getByRole("textbox", { name: /^Fonction/ }).fill("Conseillère emploi");
  await contactForm.getByRole("textbox", { name: /^Téléphone professionnel/ }).fill("12");
  await contactForm.getByRole("button", { name: "Enregistrer les coordonnées" }).click();
  await contactForm.getByRole("textbox", { name: /^Téléphone professionnel/ }).and(page.locator("[aria-invalid=true]")).waitFor();
  assert.equal(await page.evaluate(() => document.activeElement.name), "phone");
  assert.equal(await contactForm.getByRole("textbox", { name: /^Fonction/ }).inputValue(), "Conseillère emploi");
  await checkA11y(page, "coordonnées refusées");
  await contactForm.getByRole("textbox", { name: /^Téléphone professionnel/ }).fill("01 49 15 22 33");
  await contactForm.getByRole("button", { name: "Enregistrer les coordonnées" }).click();
  await page.getByText(`Les coordonnées professionnelles de Inès Essai-${stamp} sont enregistrées.`).waitFor();
  await results.locator("tbody tr").getByText("Conseillère emploi · 01 49 15 22 33").waitFor();

  // Disabling asks for a confirmation; « Annuler » leaves the account as it was.
  await results.locator("tbody tr").getByRole("button", { name: `Désactiver le compte de Inès Essai-${stamp}` }).click();
  await page.getByRole("button", { name: "Annuler" }).click();
  assert.equal(await focusedText(page), "Désactiver");
  await results.locator("tbody tr").getByText("Actif").waitFor();
  await results.locator("tbody tr").getByRole("button", { name: `Désactiver le compte de Inès Essai-${stamp}` }).click();
  assert.equal(await focusedText(page), "Confirmer la désactivation");
  await page.getByRole("button", { name: `Confirmer la désactivation du compte de Inès Essai-${stamp}` }).click();
  await page.getByText(`Le compte de Inès Essai-${stamp} est désactivé`).waitFor();
  assert.match(await focusedText(page), /est désactivé/);
  await results.locator("tbody tr").getByText(/Désactivé le \d\d\/\d\d\/\d{4}/).waitFor();
  await results.locator("tbody tr").getByRole("button", { name: `Réactiver le compte de Inès Essai-${stamp}` }).waitFor();
  await checkA11y(page, "compte désactivé");
  await results.locator("tbody tr").getByRole("button", { name: `Réactiver le compte de Inès Essai-${stamp}` }).click();
  await page.getByText(`Le compte de Inès Essai-${stamp} est réactivé.`).waitFor();
  await results.locator("tbody tr").getByText("Actif").waitFor();
  await results.locator("tbody tr").getByRole("button", { name: `Désactiver le compte de Inès Essai-${stamp}` }).click();
  await page.getByRole("button", { name: `Confirmer la désactivation du compte de Inès Essai-${stamp}` }).click();
  await page.getByText(`Le compte de Inès Essai-${stamp} est désactivé`).waitFor();
  await results.locator("tbody tr").getByText(/Désactivé le/).waitFor();

  // At 320 px, nothing is cut.
  await page.setViewportSize({ width: 320, height: 800 });
  await assertNoHorizontalScroll(page, "professionnels à 320 px");
  await page.setViewportSize({ width: 1280, height: 900 });

  await signOut(page);
});

test("a structure admin reaches neither the dashboard nor the structures", async () => {
  const page = await newPage(browser);
  await signIn(page, "admin-structure-02@demo.carnet.test");
  await page.waitForURL(`${BASE_URL}/structure`);
  for (const path of ["/tableau-de-bord", "/gestion/structures"]) {
    await page.goto(`${BASE_URL}${path}`);
    await page.getByRole("heading", { level: 1, name: "Accès refusé" }).waitFor();
  }
  const status = await page.evaluate(async () => (await fetch("/api/carnets/dashboard")).status);
  assert.equal(status, 403);
  await checkA11y(page, "accès refusé");
});
