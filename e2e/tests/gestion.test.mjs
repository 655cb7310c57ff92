// The manager's journey (dashboard and its charts, accounts, structures, dispositifs) and the
// platform admin's (accounts and structures, no dashboard).
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { launch, newPage, signIn, signOut, checkA11y, assertNoHorizontalScroll, focusedText, BASE_URL, DEMO } from "../lib.mjs";

let browser;
before(async () => (browser = await launch()));
after(async () => browser && (await browser.close()));

const menu = (page) => page.getByRole("navigation", { name: "Menu principal" });

test("a manager reads the dashboard, finds accounts, creates a structure, a dispositif and an account, and grants a role", async () => {
  const page = await newPage(browser);
  await signIn(page, DEMO.manager);
  await page.waitForURL(`${BASE_URL}/tableau-de-bord`);
  await page.getByRole("heading", { level: 1, name: "Tableau de bord du département" }).waitFor();

  // Three charts, each with a title, its values on the bars, and its data table.
  const charts = page.locator("svg.chart[role=img]");
  await charts.first().waitFor();
  assert.equal(await charts.count(), 3);
  for (const name of ["Demandes d'orientation en attente, par ancienneté", /^Actions par mois de début et par statut/, /^Carnets suivis par structure/]) {
    const chart = page.getByRole("img", { name });
    assert.ok(await chart.isVisible(), `chart ${name}`);
    assert.ok((await chart.locator("rect.bar").count()) > 0, `bars in ${name}`);
  }
  const figures = await page.evaluate(async () => (await fetch("/api/carnets/dashboard")).json());
  assert.ok(figures.notebooks.active > 0 && figures.notebooks.without_referent > 0, "the demo has notebooks without referent");
  const kpis = await page.locator(".kpi").allInnerTexts();
  const digits = (text) => Number(text.replace(/\D/g, ""));
  assert.deepEqual(kpis.map(digits), [figures.notebooks.active, figures.notebooks.without_referent, figures.pending_orientations.total]);
  const ageTable = page.getByRole("table", { name: "Détail des demandes d'orientation en attente, par ancienneté" });
  assert.ok(await ageTable.isVisible());
  assert.equal(digits(await ageTable.locator("tbody tr").last().locator("td").innerText()), figures.pending_orientations.total);
  const actionsTable = page.getByRole("table", { name: "Détail des actions par mois de début et par statut" });
  assert.ok(await actionsTable.isVisible());
  assert.equal(await actionsTable.locator("tbody tr").count(), 12);
  const lastMonth = figures.actions_by_month[11];
  assert.equal(digits(await actionsTable.locator("tbody tr").last().locator("td").last().innerText()), lastMonth.total);
  const structuresTable = page.getByRole("table", { name: "Activité de chaque structure" });
  assert.equal(await structuresTable.locator("tbody tr").count(), figures.structures.length);
  // The bars carry their values as text.
  const columnValues = await page.getByRole("img", { name: "Demandes d'orientation en attente, par ancienneté" }).locator("text").allTextContents();
  assert.ok(columnValues.includes(String(figures.pending_orientations.under_7_days)), "values written on the chart");
  await checkA11y(page, "tableau de bord");
  await page.setViewportSize({ width: 320, height: 800 });
  await assertNoHorizontalScroll(page, "tableau de bord à 320 px");
  await page.setViewportSize({ width: 1280, height: 900 });

  // Accounts: search.
  await menu(page).getByRole("link", { name: "Comptes" }).click();
  await page.getByRole("heading", { level: 1, name: "Comptes" }).waitFor();
  await page.getByRole("table", { name: /comptes/ }).waitFor();
  await checkA11y(page, "comptes");
  await page.getByRole("searchbox", { name: "Nom ou adresse électronique" }).fill("pro-02-3@");
  await page.getByRole("search", { name: "Filtrer les comptes" }).getByRole("button", { name: "Rechercher" }).click();
  const found = page.getByRole("table", { name: "1 compte", exact: true });
  await found.waitFor();
  assert.equal((await found.locator("tbody td").first().innerText()).trim(), "pro-02-3@demo.carnet.test");
  assert.match(await found.innerText(), /Professionnel — /);
  await checkA11y(page, "comptes : recherche");

  // A structure, then its details.
  const stamp = Date.now().toString(36);
  const structureName = `Structure essai ${stamp}`;
  await menu(page).getByRole("link", { name: "Structures" }).click();
  await page.getByRole("heading", { level: 1, name: "Structures" }).waitFor();
  await checkA11y(page, "structures");
  await page.getByLabel("Nom de la structure").fill(structureName);
  await page.getByRole("button", { name: "Créer la structure" }).click();
  await page.getByText(`La structure ${structureName} est créée.`).waitFor();
  assert.match(await focusedText(page), /est créée/);
  await page.getByRole("row", { name: new RegExp(structureName) }).waitFor();
  await page.getByRole("button", { name: `Modifier ${structureName}` }).click();
  await page.getByRole("heading", { level: 2, name: `Modifier ${structureName}` }).waitFor();
  assert.equal(await focusedText(page), `Modifier ${structureName}`);
  await page.getByLabel("SIRET").fill("123");
  await page.getByRole("button", { name: "Enregistrer" }).click();
  await page.locator("[aria-invalid=true]").first().waitFor();
  await checkA11y(page, "structure : SIRET refusé");
  await page.getByLabel("SIRET").fill("12345678901234");
  await page.getByLabel("Ville").fill("Pantin");
  await page.getByRole("button", { name: "Enregistrer" }).click();
  await page.getByText(`La structure ${structureName} est enregistrée.`).waitFor();
  const structureRow = page.getByRole("row", { name: new RegExp(structureName) });
  assert.match(await structureRow.innerText(), /12345678901234/);
  assert.match(await structureRow.innerText(), /Pantin/);
  await checkA11y(page, "structure enregistrée");

  // A dispositif.
  const dispositifName = `Dispositif essai ${stamp}`;
  await menu(page).getByRole("link", { name: "Dispositifs" }).click();
  await page.getByRole("heading", { level: 1, name: "Dispositifs d'accompagnement" }).waitFor();
  await checkA11y(page, "dispositifs");
  await page.getByLabel("Nom du dispositif").fill(dispositifName);
  await page.getByLabel("Type d'orientation").selectOption("sociopro");
  await page.getByRole("button", { name: "Créer le dispositif" }).click();
  await page.getByText(`Le dispositif ${dispositifName} est créé.`).waitFor();
  assert.match(await page.getByRole("row", { name: new RegExp(dispositifName) }).innerText(), /Socio-professionnel/);
  await checkA11y(page, "dispositif créé");

  // An account for the new structure's admin, then a second role for them.
  await menu(page).getByRole("link", { name: "Comptes" }).click();
  await page.getByRole("heading", { level: 1, name: "Comptes" }).waitFor();
  const email = `admin-e2e-${stamp}@demo.carnet.test`;
  const form = page.getByRole("form", { name: "Créer un compte" });
  await form.getByRole("textbox", { name: /^Prénom/ }).fill("Camille");
  await form.getByRole("textbox", { name: /^Nom/ }).fill(`Essai-${stamp}`);
  await form.getByRole("textbox", { name: /^Adresse électronique/ }).fill(email);
  const structureField = form.getByLabel(/^Structure du rôle/);
  assert.equal(await structureField.isVisible(), false, "no structure until the role needs one");
  await form.getByLabel(/^Rôle à donner/).selectOption("structure_admin");
  await structureField.selectOption({ label: structureName });
  await checkA11y(page, "création de compte");
  await form.getByRole("button", { name: "Créer le compte" }).click();
  const created = `Compte créé pour Camille Essai-${stamp} (${email}). Un courriel l'invite à se connecter.`;
  await page.getByText(created).waitFor();
  assert.equal(await focusedText(page), created);

  await page.getByRole("searchbox", { name: "Nom ou adresse électronique" }).fill(`camille essai-${stamp}`);
  await page.getByRole("search", { name: "Filtrer les comptes" }).getByRole("button", { name: "Rechercher" }).click();
  const row = page.getByRole("table", { name: "1 compte", exact: true }).locator("tbody tr");
  await row.waitFor();
  assert.match(await row.innerText(), new RegExp(`Administrateur de structure — ${structureName}`));
  await row.getByRole("button", { name: `Ajouter un rôle à Camille Essai-${stamp}` }).click();
  const grantTitle = `Ajouter un rôle à Camille Essai-${stamp}`;
  await page.getByRole("heading", { level: 2, name: grantTitle }).waitFor();
  assert.equal(await focusedText(page), grantTitle);
  const grant = page.getByRole("form", { name: grantTitle });
  await grant.getByLabel(/^Rôle à donner/).selectOption("professional");
  await grant.getByLabel(/^Structure du rôle/).selectOption({ label: structureName });
  await checkA11y(page, "ajout d'un rôle");
  await grant.getByRole("button", { name: "Ajouter le rôle" }).click();
  const granted = `Camille Essai-${stamp} a maintenant le rôle Professionnel.`;
  await page.getByText(granted).waitFor();
  assert.equal(await focusedText(page), granted);
  const roles = await page.getByRole("table", { name: "1 compte", exact: true }).locator("tbody tr td").nth(1).innerText();
  assert.match(roles, new RegExp(`Administrateur de structure — ${structureName}`));
  assert.match(roles, new RegExp(`Professionnel — ${structureName}`));
  await checkA11y(page, "rôle ajouté");

  // Revoking the second role asks for a confirmation first.
  await page.getByRole("button", { name: `Retirer le rôle Professionnel — ${structureName} de Camille Essai-${stamp}` }).click();
  await page.getByRole("button", { name: `Confirmer le retrait du rôle Professionnel — ${structureName} de Camille Essai-${stamp}` }).click();
  await page.getByText(`Le rôle Professionnel — ${structureName} a été retiré à Camille Essai-${stamp}.`).waitFor();
  assert.doesNotMatch(await page.getByRole("table", { name: "1 compte", exact: true }).innerText(), /Professionnel — /);
  await checkA11y(page, "rôle retiré");

  await signOut(page);
});

test("the platform admin sees accounts and structures, and cannot open the dashboard", async () => {
  const page = await newPage(browser);
  await signIn(page, DEMO.platformAdmin);
  await page.waitForURL(`${BASE_URL}/gestion/comptes`);
  await page.getByRole("heading", { level: 1, name: "Comptes" }).waitFor();
  await page.getByRole("table", { name: /comptes/ }).waitFor();
  const roleChoices = await page.getByRole("form", { name: "Créer un compte" }).getByLabel(/^Rôle à donner/).locator("option").allTextContents();
  assert.deepEqual(roleChoices, ["Gestionnaire du département"], "the platform admin creates managers only");
  await checkA11y(page, "comptes (administrateur)");
  assert.equal(await menu(page).getByRole("link", { name: "Tableau de bord" }).count(), 0);

  await menu(page).getByRole("link", { name: "Structures" }).click();
  await page.getByRole("heading", { level: 1, name: "Structures" }).waitFor();
  await page.getByRole("table", { name: /structures/ }).waitFor();
  assert.equal(await page.getByRole("button", { name: "Créer la structure" }).count(), 0, "no structure creation");
  assert.equal(await page.getByRole("button", { name: /^Modifier / }).count(), 0, "no structure edit");
  await checkA11y(page, "structures (administrateur)");

  await page.goto(`${BASE_URL}/tableau-de-bord`);
  await page.getByRole("heading", { level: 1, name: "Accès refusé" }).waitFor();
  const status = await page.evaluate(async () => (await fetch("/api/carnets/dashboard")).status);
  assert.equal(status, 403);
  await checkA11y(page, "tableau de bord refusé");
  await signOut(page);
});
