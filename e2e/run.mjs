// Runs the end-to-end suite: a fresh SQLite database with the demo département, the native server
// (already built by scripts/e2e.sh), a fake email provider standing in for Brevo's HTTP API (the
// only thing faked: it is outside the project), then every tests/*.test.mjs in headless Chromium.
// With CARNET_E2E_INSTANCE=<url> the suite runs against that running instance instead (loaded with
// the demo data, sending its emails through Brevo's API to 127.0.0.1:CARNET_E2E_MAIL_PORT, jobs
// secret CARNET_E2E_JOBS_SECRET): a real `spin up`, for example.
//
//   node run.mjs [test-file-filter]
//
// Environment: CARNET_SERVER (the server binary), CHROMIUM (default /usr/bin/chromium).
import { spawn, spawnSync } from "node:child_process";
import { createServer } from "node:http";
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, "..");
const binary = process.env.CARNET_SERVER || join(root, "target/debug/carnet-server");
const work = mkdtempSync(join(tmpdir(), "carnet-e2e-"));
const database = join(work, "carnet.sqlite");

// The fake provider: Brevo's POST /v3/smtp/email, and GET /emails?to=… for the tests.
const emails = [];
const provider = createServer((request, response) => {
  let body = "";
  request.on("data", (chunk) => (body += chunk));
  request.on("end", () => {
    const url = new URL(request.url, "http://localhost");
    if (request.method === "POST" && url.pathname === "/v3/smtp/email") {
      if (request.headers["api-key"] !== "e2e-brevo-key") {
        response.writeHead(401).end();
        return;
      }
      const message = JSON.parse(body);
      emails.push(message);
      response.writeHead(201, { "content-type": "application/json" });
      response.end(JSON.stringify({ messageId: `<${emails.length}@e2e>` }));
    } else if (request.method === "GET" && url.pathname === "/emails") {
      const to = (url.searchParams.get("to") || "").toLowerCase();
      const found = emails.filter((m) => m.to.some((r) => r.email.toLowerCase() === to));
      response.writeHead(200, { "content-type": "application/json" });
      response.end(JSON.stringify(found));
    } else {
      response.writeHead(404).end();
    }
  });
});
// Against a running instance (CARNET_E2E_INSTANCE, e.g. a real `spin up` on a database loaded by
// `carnet-server demo`), the provider listens where that instance sends its emails.
const instance = process.env.CARNET_E2E_INSTANCE;
const mailPort = instance ? Number(process.env.CARNET_E2E_MAIL_PORT || 0) : 0;
await new Promise((resolve) => provider.listen(mailPort, "127.0.0.1", resolve));
const providerUrl = `http://127.0.0.1:${provider.address().port}`;

function run(args) {
  const result = spawnSync(binary, args, { stdio: "inherit", env: { ...process.env, DATABASE_KIND: "sqlite" } });
  if (result.status !== 0) throw new Error(`${binary} ${args.join(" ")} failed`);
}
let baseUrl;
let jobsSecret;
let server = null;
const stop = () => {
  server?.kill("SIGTERM");
  provider.close();
};
process.on("exit", () => {
  server?.kill("SIGTERM");
  rmSync(work, { recursive: true, force: true });
});
if (instance) {
  baseUrl = instance.replace(/\/$/, "");
  jobsSecret = process.env.CARNET_E2E_JOBS_SECRET || "";
} else {
  run(["demo", database, "1000", "93"]);

  const port = 20000 + Math.floor(Math.random() * 20000);
  baseUrl = `http://127.0.0.1:${port}`;
  jobsSecret = "e2e-jobs-secret-" + Math.random().toString(36).slice(2);
  server = spawn(binary, ["serve"], {
    stdio: ["ignore", "inherit", "inherit"],
    env: {
      ...process.env,
      DEPARTMENT_CODE: "93",
      DEPARTMENT_NAME: "Seine-Saint-Denis",
      PUBLIC_URL: baseUrl,
      DATABASE_KIND: "sqlite",
      DATABASE_URL: database,
      STATIC_DIR: join(root, "static"),
      LISTEN: `127.0.0.1:${port}`,
      SESSION_KEY: "e2e-session-key-0123456789abcdefghijklmnop",
      JOBS_SECRET: jobsSecret,
      EMAIL_PROVIDER: "brevo",
      BREVO_API_KEY: "e2e-brevo-key",
      BREVO_API_URL: `${providerUrl}/v3/smtp/email`,
      TIMEZONE: "Europe/Paris",
      // An example logo served by the instance (tests/shell checks the header shows it).
      DEPARTMENT_LOGO_URL: "/departement/logo-exemple.svg",
    },
  });
  for (let attempt = 0; ; attempt++) {
    try {
      const response = await fetch(`${baseUrl}/api/health`);
      if (response.ok) break;
    } catch (_) {
      // not listening yet
    }
    if (attempt > 100) {
      stop();
      throw new Error("the server did not start");
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

const filter = process.argv[2] || "";
const files = readdirSync(join(here, "tests"))
  .filter((name) => name.endsWith(".test.mjs") && name.includes(filter))
  .sort()
  .map((name) => join(here, "tests", name));
const tests = spawn(process.execPath, ["--test", "--test-concurrency=1", "--test-reporter=spec", ...files], {
  stdio: "inherit",
  env: { ...process.env, CARNET_BASE_URL: baseUrl, CARNET_MAIL_URL: providerUrl, CARNET_JOBS_SECRET: jobsSecret },
});
const code = await new Promise((resolve) => tests.on("exit", (status) => resolve(status ?? 1)));
stop();
process.exit(code);
