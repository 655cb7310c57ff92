// The first load's weight (budget: 150 KB gzipped) and the public pages' accessibility.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { gzipSync } from "node:zlib";
import { launch, newPage, checkA11y, assertNoHorizontalScroll, BASE_URL } from "../lib.mjs";

let browser;
before(async () => (browser = await launch()));
after(async () => browser && (await browser.close()));

test("the first page load weighs at most 150 KB gzipped", async () => {
  const page = await newPage(browser);
  const sizes = [];
  page.on("response", async (response) => {
    try {
      const body = await response.body();
      sizes.push({ url: response.url(), raw: body.length, gzipped: gzipSync(body, { level: 9 }).length });
    } catch (_) {
      // redirects have no body
    }
  });
  await page.goto(`${BASE_URL}/connexion`, { waitUntil: "networkidle" });
  await page.getByRole("heading", { level: 1, name: "Connexion à Carnet de bord" }).waitFor();
  const raw = sizes.reduce((sum, s) => sum + s.raw, 0);
  const gzipped = sizes.reduce((sum, s) => sum + s.gzipped, 0);
  console.log(`first load: ${sizes.length} responses, ${(raw / 1024).toFixed(1)} KB, ${(gzipped / 1024).toFixed(1)} KB gzipped`);
  for (const s of sizes) console.log(`  ${(s.gzipped / 1024).toFixed(1)} KB gz  ${new URL(s.url).pathname}`);
  assert.ok(gzipped <= 150 * 1024, `${gzipped} bytes gzipped`);
});

test("public pages pass axe: accessibility statement, terms of use, API reference, unknown page", async () => {
  const page = await newPage(browser);
  for (const [path, title] of [["/accessibilite", "Déclaration d'accessibilité"], ["/cgu", "Conditions générales d'utilisation"], ["/documentation-api", "Documentation de l'API"], ["/nulle-part", "Page introuvable"]]) {
    await page.goto(`${BASE_URL}${path}`);
    await page.getByRole("heading", { level: 1, name: title }).waitFor();
    await checkA11y(page, path);
  }
  // The API reference reads the served document: every operation is listed with its roles.
  await page.goto(`${BASE_URL}/documentation-api`);
  await page.getByRole("heading", { level: 1, name: "Documentation de l'API" }).waitFor();
  const document = await (await page.request.get(`${BASE_URL}/api/openapi.json`)).json();
  const count = Object.values(document.paths).reduce((n, item) => n + ["get", "post", "put", "patch", "delete"].filter((m) => item[m]).length, 0);
  assert.ok(count >= 5, `${count} operations`);
  assert.equal(await page.locator("article h3").count(), count);
  await page.getByRole("heading", { level: 3, name: /GET \/api\/referentiel\/rome/ }).waitFor();
  assert.ok(await page.getByText("Rôles").count() >= count);
  await page.setViewportSize({ width: 320, height: 640 });
  await assertNoHorizontalScroll(page, "documentation de l'API à 320 px");
});
