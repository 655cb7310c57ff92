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

/**
 * Demo accounts. An address may ask for 5 sign-in links per 15 minutes, and the whole suite (all
 * from 127.0.0.1) for 100: each test file signs in with accounts of its own (gestion: the manager
 * and the platform admin; structure: admin-structure-01 and -02; sign-in: structure 25's; shell:
 * the platform admin once, then accounts it creates). Other people are created through the API
 * (`apiSession(…).call("POST", "/api/auth/accounts", …)`).
 */
export const DEMO = {
  professional: "pro-01-1@demo.carnet.test",
  manager: "gestionnaire@demo.carnet.test",
  orientation: "orientation-1@demo.carnet.test",
  structureAdmin: "admin-structure-01@demo.carnet.test",
  platformAdmin: "admin@demo.carnet.test",
  beneficiary: "beneficiaire-1@demo.carnet.test",
};

/** A fresh address on the demo domain (`prefix-<time>-<random>@demo.carnet.test`). */
export function freshEmail(prefix) {
  return `${prefix}-${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}@demo.carnet.test`;
}

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
    // The browser logs every 4xx answer (expected: refused forms, 404 pages); 5xx are caught below.
    if (message.type() === "error" && !/Failed to load resource/.test(message.text())) page.problems.push(`console: ${message.text()}`);
  });
  page.on("response", (response) => {
    if (response.status() >= 500) page.problems.push(`HTTP ${response.status()}: ${response.request().method()} ${response.url()}`);
  });
  return page;
}

/** Runs a scheduled job now (`deliver`, `reminders`, …) and returns its report. */
export async function runJob(name) {
  const response = await fetch(`${BASE_URL}/api/notifications/jobs/${name}`, {
    method: "POST",
    headers: { authorization: `Bearer ${JOBS_SECRET}` },
  });
  assert.equal(response.status, 200, `job ${name}`);
  return response.json();
}

/** Runs the scheduled delivery job now (the native server would run it within a minute). */
export async function deliverEmails() {
  await runJob("deliver");
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
 * asked (first « Valider » without ticking the box: the error is tied to it). Checks each page
 * with axe. Ends on the person's home page. Returns the link used.
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
    await page.getByRole("heading", { level: 1, name: "Conditions générales d'utilisation" }).waitFor();
    await checkA11y(page, "cgu");
    const box = page.getByRole("checkbox", { name: /J'ai lu et j'accepte/ });
    const accept = page.getByRole("button", { name: "Valider" });
    if (keyboard) {
      await tabTo(page, accept);
      await page.keyboard.press("Enter");
    } else {
      await accept.click();
    }
    await page.waitForFunction(() => document.activeElement && document.activeElement.type === "checkbox");
    assert.equal(await box.getAttribute("aria-invalid"), "true", "the refusal is tied to the box");
    const errorId = (await box.getAttribute("aria-describedby")).split(" ").find((id) => id.endsWith("-erreur"));
    assert.equal(await page.locator(`[id="${errorId}"]`).innerText(), "Cochez la case pour accepter les conditions d'utilisation.");
    assert.equal(new URL(page.url()).pathname, "/cgu", "nothing accepted without the box");
    await checkA11y(page, "cgu : case non cochée");
    if (keyboard) {
      await page.keyboard.press("Space");
      await tabTo(page, accept);
      await page.keyboard.press("Enter");
    } else {
      await box.check();
      await accept.click();
    }
    await page.waitForURL((url) => url.pathname !== "/cgu");
    await page.locator("main h1").waitFor();
  }
  assert.equal(new URL(page.url()).hash, "", "the token is gone from the address bar");
  return link;
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

/** axe-core (WCAG 2.x A and AA rules) on the page as it is, once loaded: no violation allowed. */
export async function checkA11y(page, label) {
  try {
    await page.waitForFunction(() => !document.querySelector("main .progress"), null, { timeout: 10000 });
  } catch (error) {
    throw new Error(`${label}: still loading after 10 s (${page.url()})`, { cause: error });
  }
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

/** axe, and nothing wider than the screen. */
export async function checkPage(page, label) {
  await checkA11y(page, label);
  await assertNoHorizontalScroll(page, label);
}

/** The text of the focused element (its first 300 characters), or "(nothing focused)". */
export function focusedText(page) {
  return page.evaluate(() => {
    const element = document.activeElement;
    return !element || element === document.body ? "(nothing focused)" : element.textContent.trim().slice(0, 300);
  });
}

/** The API as the signed-in page sees it (same cookie): GET `path`, parsed; throws on an error. */
export async function apiGet(page, path) {
  return page.evaluate(async (url) => {
    const response = await fetch(url, { headers: { accept: "application/json" } });
    if (!response.ok) throw new Error(`${url}: ${response.status}`);
    return response.json();
  }, path);
}

/** A session token for `email`, through the emailed link (as the API's own clients do). */
export async function apiToken(email) {
  const previous = (await emailsTo(email)).length;
  const asked = await fetch(`${BASE_URL}/api/auth/magic-link`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ email }),
  });
  assert.equal(asked.status, 202, `sign-in link for ${email}`);
  const link = await linkFromLastEmail(email, "/connexion/confirmer#jeton=", previous);
  const confirmed = await fetch(`${BASE_URL}/api/auth/confirm`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ token: new URL(link).hash.replace(/^#jeton=/, "") }),
  });
  assert.equal(confirmed.status, 200, `sign-in of ${email}`);
  return (await confirmed.json()).token;
}

/**
 * Someone using the API directly (one sign-in link), the CGU accepted if they had not been:
 * `call(method, path, body)` sends JSON with a fresh idempotency key and returns the parsed answer
 * (null for 204), failing the test on any error status.
 */
export async function apiSession(email) {
  const token = await apiToken(email);
  const call = async (method, path, body) => {
    const response = await fetch(`${BASE_URL}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        accept: "application/json",
        ...(body === undefined ? {} : { "content-type": "application/json", "idempotency-key": crypto.randomUUID() }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    assert.ok(response.ok, `${method} ${path} as ${email}: ${response.status} ${text}`);
    return text ? JSON.parse(text) : null;
  };
  const me = await call("GET", "/api/auth/me");
  if (me.cgu && me.cgu.required) await call("POST", "/api/auth/cgu", { version: me.cgu.current_version });
  return { email, token, call, me };
}
