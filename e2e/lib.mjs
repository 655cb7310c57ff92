// What every end-to-end test uses: Debian's Chromium through playwright-core, signing in through
// the link of the email the fake provider received, and axe-core on every page.
import { chromium } from "playwright-core";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import assert from "node:assert/strict";

export const BASE_URL = process.env.CARNET_BASE_URL;
const MAIL_URL = process.env.CARNET_MAIL_URL;
const JOBS_SECRET = process.env.CARNET_JOBS_SECRET;
const require = createRequire(import.meta.url);
const AXE_SOURCE = readFileSync(require.resolve("axe-core/axe.min.js"), "utf8");

export const DEMO = {
  professional: "pro-01-1@demo.carnet.test",
  manager: "gestionnaire@demo.carnet.test",
  orientation: "orientation-1@demo.carnet.test",
  structureAdmin: "admin-structure-01@demo.carnet.test",
  platformAdmin: "admin@demo.carnet.test",
  beneficiary: "beneficiaire-1@demo.carnet.test",
};

/** Headless Chromium from Debian's package (never a downloaded browser). */
export async function launch() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
    headless: true,
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
}

/**
 * A new page in a fresh context (no cookie, no storage). `width` sets the viewport (320 for a
 * small phone). Every console error and failed request of the page is collected in `page.problems`.
 */
export async function newPage(browser, { width = 1280, height = 900 } = {}) {
  const context = await browser.newContext({ viewport: { width, height }, locale: "fr-FR", timezoneId: "Europe/Paris" });
  const page = await context.newPage();
  page.problems = [];
  page.on("pageerror", (error) => page.problems.push(`page error: ${error.message}`));
  page.on("console", (message) => {
    if (message.type() === "error" && !/Failed to load resource/.test(message.text())) page.problems.push(`console: ${message.text()}`);
  });
  return page;
}

/** Runs the scheduled delivery job now (the native server would run it within a minute). */
export async function deliverEmails() {
  const response = await fetch(`${BASE_URL}/api/notifications/jobs/deliver`, {
    method: "POST",
    headers: { authorization: `Bearer ${JOBS_SECRET}` },
  });
  assert.equal(response.status, 200, "delivery job");
}

/** The emails the fake provider received for an address, oldest first. */
export async function emailsTo(address) {
  const response = await fetch(`${MAIL_URL}/emails?to=${encodeURIComponent(address)}`);
  return response.json();
}

/** The first link of the last email to `address` whose href contains `fragment`. */
export async function linkFromLastEmail(address, fragment, previousCount = 0) {
  for (let attempt = 0; attempt < 50; attempt++) {
    await deliverEmails();
    const emails = await emailsTo(address);
    if (emails.length > previousCount) {
      const last = emails[emails.length - 1];
      const text = `${last.htmlContent || ""} ${last.textContent || ""}`;
      const match = text.match(new RegExp(`https?://[^\\s"'<>]*${fragment}[^\\s"'<>]*`));
      assert.ok(match, `a link containing ${fragment} in: ${text}`);
      return match[0].replace(/&amp;/g, "&");
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`no email to ${address}`);
}

/**
 * Signs in as a person would: the sign-in page, the email, the link, « Continuer », the CGU when
 * asked. Checks each page with axe. Ends on the person's home page.
 */
export async function signIn(page, email, { keyboard = false } = {}) {
  const before = (await emailsTo(email)).length;
  await page.goto(`${BASE_URL}/connexion`);
  await page.getByRole("heading", { level: 1, name: "Connexion à Carnet de bord" }).waitFor();
  await checkA11y(page, "connexion");
  const emailField = page.getByLabel("Adresse électronique");
  if (keyboard) {
    await tabTo(page, emailField);
    await page.keyboard.type(email);
    await page.keyboard.press("Enter");
  } else {
    await emailField.fill(email);
    await page.getByRole("button", { name: "Recevoir un lien de connexion" }).click();
  }
  await page.getByText("Consultez votre messagerie").waitFor();
  const link = await linkFromLastEmail(email, "/connexion/confirmer#jeton=", before);
  await page.goto(link);
  await page.getByRole("heading", { level: 1, name: "Terminer la connexion" }).waitFor();
  await checkA11y(page, "confirmer");
  const proceed = page.getByRole("button", { name: "Continuer" });
  if (keyboard) {
    await tabTo(page, proceed);
    await page.keyboard.press("Enter");
  } else {
    await proceed.click();
  }
  await page.waitForURL((url) => !url.pathname.startsWith("/connexion"));
  if (new URL(page.url()).pathname === "/cgu") {
    await checkA11y(page, "cgu");
    await page.getByLabel(/J'ai lu et j'accepte/).check();
    await page.getByRole("button", { name: "Valider" }).click();
    await page.waitForURL((url) => url.pathname !== "/cgu");
  }
  assert.equal(new URL(page.url()).hash, "", "the token is gone from the address bar");
}

/** Signs out from the menu and checks that the session is over. */
export async function signOut(page) {
  await page.getByRole("navigation", { name: "Menu principal" }).getByRole("button", { name: "Se déconnecter" }).click();
  await page.getByText("Vous êtes déconnecté.").waitFor();
  const status = await page.evaluate(async () => (await fetch("/api/auth/me")).status);
  assert.equal(status, 401, "the session is closed");
}

/** Presses Tab until `locator` has the focus (at most 80 times), as a keyboard user would. */
export async function tabTo(page, locator, { max = 80 } = {}) {
  const target = await locator.elementHandle();
  for (let i = 0; i < max; i++) {
    if (await page.evaluate((element) => document.activeElement === element, target)) return;
    await page.keyboard.press("Tab");
  }
  throw new Error(`could not reach ${locator} with the Tab key`);
}

/** axe-core (WCAG 2.x A and AA rules) on the page as it is: no violation allowed. */
export async function checkA11y(page, label) {
  await page.waitForFunction(() => !document.querySelector("main .progress"), null, { timeout: 10000 }).catch(() => {});
  const hasAxe = await page.evaluate(() => typeof window.axe !== "undefined");
  if (!hasAxe) await page.evaluate(AXE_SOURCE);
  const result = await page.evaluate(() =>
    window.axe.run(document, { runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"] } }));
  const violations = result.violations.map((v) => `${v.id} (${v.impact}): ${v.help} — ${v.nodes.map((n) => n.target.join(" ")).slice(0, 3).join(", ")}`);
  assert.deepEqual(violations, [], `axe on ${label} (${page.url()})`);
  assert.deepEqual(page.problems, [], `no script error on ${label}`);
}

/** Fails if the page is wider than its viewport (content cut at 320 px). */
export async function assertNoHorizontalScroll(page, label) {
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  assert.ok(overflow <= 0, `${label}: ${overflow}px wider than the screen`);
}
