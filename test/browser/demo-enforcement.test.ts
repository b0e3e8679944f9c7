/**
 * Issue 13 item 4: the demo shows the policy. With KERNIA_DEMO_ENFORCE on, a new account is asked to
 * enrol before it gets a session (the official client on the page, headless Debian Chromium, TOTP read
 * from the setup key as an authenticator app would, then the emailed-code variant through the outbox);
 * the "security activity" list shows that flow's events for the signed-in user only; the support-desk
 * screen (KERNIA_DEMO_ADMIN) resets the user, whose next sign-in asks to enrol again.
 * Around the story: the activity log's bounds, the activity route's session rule, the admin screen's
 * gates (off, remote, cross-site), and the KERNIA_DEMO_ENFORCE values.
 * Screenshots of the new screens go to test-artifacts/demo-enforcement/.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { request as httpRequest } from "node:http";
import { spawn } from "node:child_process";
import { once } from "node:events";
import type { Browser, Page } from "playwright-core";
import { CHROMIUM, launchChromium } from "../helpers/chromium.js";
import { CookieJar } from "../helpers/cookie-jar.js";
import { createDemoApp, parseEnforcement, type DemoApp } from "../../example/app.js";
import { ActivityLog, MAX_USER_AGENT, type ActivityEntry } from "../../example/activity.js";
import { memoryAdapter } from "../../src/adapters/memory.js";
import { nodeCrypto } from "../../src/crypto/node.js";
import type { User } from "../../src/auth/types.js";

const missingBrowser = !existsSync(CHROMIUM);
if (missingBrowser && !process.env.CI) console.log(`# demo enforcement browser test skipped: ${CHROMIUM} is not installed`);
const skipBrowser = missingBrowser && !process.env.CI ? `${CHROMIUM} is not installed` : false;

const quiet = () => undefined;

/** A user agent the activity list must echo (the browser's own would do, but this one is unmistakable). */
const USER_AGENT = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/140.0 Safari/537.36 kernia-demo-test";

// ---- the activity log on its own: bounded whatever one client does ----

describe("demo activity log", () => {
  const event = (userId: string, type: string, extra: Partial<Record<string, unknown>> = {}) => ({
    type,
    userId,
    at: new Date(),
    ipAddress: "127.0.0.1",
    userAgent: "UA",
    ...extra,
  });

  test("keeps at most maxEventsPerUser per user, newest first, dropping the oldest", () => {
    const log = new ActivityLog({ maxUsers: 3, maxEventsPerUser: 4 });
    for (let i = 0; i < 10; i++) log.record(event("u1", `e${i}`));
    assert.deepEqual(
      log.list("u1").map((e) => e.type),
      ["e9", "e8", "e7", "e6"],
    );
  });

  test("keeps at most maxUsers users, dropping the one whose list changed least recently", () => {
    const log = new ActivityLog({ maxUsers: 3, maxEventsPerUser: 4 });
    log.record(event("a", "x"));
    log.record(event("b", "x"));
    log.record(event("c", "x"));
    log.record(event("a", "y")); // a is now the freshest; b the stalest
    log.record(event("d", "x"));
    assert.equal(log.users, 3);
    assert.deepEqual(log.list("b"), []);
    assert.equal(log.list("a").length, 2);
    for (let i = 0; i < 1000; i++) log.record(event(`sign-up-${i}`, "x"));
    assert.equal(log.users, 3, "a burst of new accounts cannot grow the log");
  });

  test("copies only the shown fields, clips client-chosen strings, and ignores malformed events", () => {
    const log = new ActivityLog();
    log.record(event("u", "two-factor.failed", { userAgent: "A".repeat(10_000), method: "totp", otp: "123456", secret: "S" }));
    const [entry] = log.list("u");
    assert.deepEqual(Object.keys(entry).sort(), ["at", "ipAddress", "method", "type", "userAgent"]);
    assert.equal(entry.userAgent?.length, MAX_USER_AGENT);
    assert.equal(entry.method, "totp");
    assert.doesNotThrow(() => log.record(undefined as never));
    assert.doesNotThrow(() => log.record({ type: 1, userId: null } as never));
    assert.equal(log.users, 1);
  });
});

describe("KERNIA_DEMO_ENFORCE", () => {
  const user = (email: string) => ({ email }) as User;

  test("off, all, and @domain (the function form); anything else is refused", () => {
    for (const text of [undefined, "", "off", "0", " OFF "]) assert.equal(parseEnforcement(text), false, String(text));
    for (const text of ["all", "1", "ALL"]) assert.equal(parseEnforcement(text), true, text);
    const policy = parseEnforcement("@Corp.Example");
    assert.equal(typeof policy, "function");
    const covers = policy as (u: User) => boolean;
    assert.equal(covers(user("ada@corp.example")), true);
    assert.equal(covers(user("ADA@CORP.EXAMPLE")), true);
    assert.equal(covers(user("ada@notcorp.example.org")), false);
    assert.equal(covers(user("ada@evil.example")), false);
    for (const text of ["yes", "true", "@", "corp.example", "@corp"]) assert.throws(() => parseEnforcement(text), /KERNIA_DEMO_ENFORCE/);
  });
});

// ---- plain HTTP against a demo with enforcement and the admin screen on ----

/** A request over node:http, so Host and Origin are ours to choose. */
function raw(
  url: string,
  path: string,
  options: { method?: string; headers?: Record<string, string>; body?: string } = {},
): Promise<{ status: number; text: string }> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: hostname, port, path, method: options.method ?? "GET", headers: options.headers }, (res) => {
      let text = "";
      res.setEncoding("utf8");
      res.on("data", (chunk) => (text += chunk));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, text }));
    });
    req.once("error", reject);
    req.end(options.body);
  });
}

/** A JSON client with its own cookies, as a browser tab would be. */
function client(demo: DemoApp) {
  const jar = new CookieJar();
  return {
    jar,
    async call(method: string, path: string, body?: unknown): Promise<{ status: number; json: any }> {
      const response = await fetch(`${demo.url}${path}`, {
        method,
        headers: {
          origin: demo.url,
          cookie: jar.header(),
          "user-agent": USER_AGENT,
          ...(body === undefined ? {} : { "content-type": "application/json" }),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      jar.store(response);
      const text = await response.text();
      return { status: response.status, json: text ? JSON.parse(text) : null };
    },
  };
}

function newestCodeFor(demo: DemoApp, email: string): string {
  const message = demo.outbox?.list().find((m) => m.to === email && m.otp);
  assert.ok(message, `a code was sent to ${email}`);
  return message.otp;
}

/**
 * Signs up under enforcement and enrols with an emailed code: the session cookie ends up in the jar.
 * `typo`: a wrong code first (a two-factor.failed event).
 */
async function enrolByEmail(demo: DemoApp, email: string, typo = false) {
  const tab = client(demo);
  const signUp = await tab.call("POST", "/api/auth/sign-up/email", { name: "N", email, password: "demo-password-123" });
  assert.equal(signUp.status, 200);
  assert.equal(signUp.json.twoFactorEnrolmentRequired, true, "enforcement: no session at sign-up");
  assert.equal((await tab.call("POST", "/api/auth/two-factor/send-otp", {})).status, 200);
  const code = newestCodeFor(demo, email);
  if (typo) {
    const wrong = String((Number(code) + 1) % 1_000_000).padStart(6, "0");
    assert.equal((await tab.call("POST", "/api/auth/two-factor/verify-otp", { code: wrong })).status, 401);
  }
  const verified = await tab.call("POST", "/api/auth/two-factor/verify-otp", { code });
  assert.equal(verified.status, 200);
  return { tab, userId: verified.json.user.id as string };
}

describe("demo routes under enforcement", () => {
  let demo: DemoApp;
  before(async () => {
    demo = await createDemoApp({ port: 0, host: "127.0.0.1", database: memoryAdapter(), log: quiet, enforcement: true, admin: true });
  });
  after(() => demo?.close());

  test("GET /demo/activity needs a session and shows only that user's events", async () => {
    const anonymous = await raw(demo.url, "/demo/activity");
    assert.equal(anonymous.status, 401);
    assert.deepEqual(JSON.parse(anonymous.text), { message: "Unauthorized", code: "UNAUTHORIZED" });

    // Ann mistypes her first code: an event Bob must never see.
    const ann = await enrolByEmail(demo, "ann@example.com", true);
    const bob = await enrolByEmail(demo, "bob@example.com");

    const annList = await ann.tab.call("GET", "/demo/activity");
    const bobList = await bob.tab.call("GET", "/demo/activity");
    assert.equal(annList.status, 200);
    assert.deepEqual(annList.json.events, demo.activity.list(ann.userId));
    assert.deepEqual(bobList.json.events, demo.activity.list(bob.userId));
    const types = (list: ActivityEntry[]) => list.map((e) => e.type);
    assert.ok(types(annList.json.events).includes("two-factor.failed"));
    assert.ok(bobList.json.events.length > 0);
    assert.ok(!types(bobList.json.events).includes("two-factor.failed"), "Bob's list has none of Ann's events");
    for (const entry of bobList.json.events as ActivityEntry[]) assert.equal(entry.userAgent, USER_AGENT);
    // A query naming another user changes nothing: the user is the session's.
    assert.deepEqual((await bob.tab.call("GET", `/demo/activity?userId=${ann.userId}`)).json.events, bobList.json.events);
  });

  test("the admin screen: loopback host only, same-origin POSTs only, unknown email is a 404", async () => {
    const port = new URL(demo.url).port;
    assert.equal((await raw(demo.url, "/demo/admin")).status, 200);
    assert.equal((await raw(demo.url, "/demo/admin", { headers: { host: "attacker.example" } })).status, 404, "DNS rebinding");
    const form = (body: string, origin?: string) =>
      raw(demo.url, "/demo/admin/reset-two-factor", {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded", host: `127.0.0.1:${port}`, ...(origin ? { origin } : {}) },
        body,
      });
    assert.equal((await form("email=ann%40example.com")).status, 403, "no Origin: refused");
    assert.equal((await form("email=ann%40example.com", "https://attacker.example")).status, 403, "another site's form");
    assert.equal((await form("email=ann%40example.com", "null")).status, 403);
    assert.equal((await form("email=nobody%40example.com", demo.url)).status, 404);
    assert.equal((await form("email=", demo.url)).status, 400);
    assert.equal((await form(`email=${"a".repeat(5000)}`, demo.url)).status, 413, "the form body is capped");
  });
});

test("without KERNIA_DEMO_ADMIN the admin screen does not exist (404), even on this machine", async () => {
  const demo = await createDemoApp({ port: 0, host: "127.0.0.1", database: memoryAdapter(), log: quiet });
  try {
    assert.equal((await raw(demo.url, "/demo/admin")).status, 404);
    const post = await raw(demo.url, "/demo/admin/reset-two-factor", {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded", origin: demo.url },
      body: "email=a%40example.com",
    });
    assert.equal(post.status, 404);
  } finally {
    await demo.close();
  }
});

test("enforcement for @domain only: a user outside it signs up straight into a session", async () => {
  const demo = await createDemoApp({
    port: 0,
    host: "127.0.0.1",
    database: memoryAdapter(),
    log: quiet,
    enforcement: parseEnforcement("@corp.example"),
  });
  try {
    const outside = await client(demo).call("POST", "/api/auth/sign-up/email", {
      name: "O",
      email: "o@elsewhere.example",
      password: "demo-password-123",
    });
    assert.equal(outside.status, 200);
    assert.ok(outside.json.token, "a session");
    const inside = await client(demo).call("POST", "/api/auth/sign-up/email", {
      name: "I",
      email: "i@corp.example",
      password: "demo-password-123",
    });
    assert.equal(inside.json.twoFactorEnrolmentRequired, true);
    assert.equal(inside.json.token, undefined);
  } finally {
    await demo.close();
  }
});

// ---- npm start reads the two settings ----

/** Runs example/server.ts (what `npm start` runs) with `env`; resolves with its URL and output once it listens. */
async function startServer(env: Record<string, string>) {
  const child = spawn(process.execPath, ["--import", "tsx", "example/server.ts"], {
    env: { ...process.env, PORT: "0", HOST: "127.0.0.1", NODE_ENV: "development", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout.setEncoding("utf8").on("data", (chunk) => (stdout += chunk));
  child.stderr.setEncoding("utf8").on("data", (chunk) => (stderr += chunk));
  const exited = once(child, "exit").then(([code]) => code as number | null);
  const url = await Promise.race([
    (async () => {
      // The last line it prints at start; a child that exits ends the wait through `exited`.
      while (!/Development outbox/.test(stdout) && child.exitCode === null) await new Promise((resolve) => setTimeout(resolve, 50));
      return /running at (\S+)/.exec(stdout)![1];
    })(),
    exited.then(() => null),
  ]);
  return {
    url,
    output: () => stdout,
    errors: () => stderr,
    exited,
    stop: async () => {
      if (child.exitCode === null) child.kill("SIGTERM");
      await exited;
    },
  };
}

test("npm start: KERNIA_DEMO_ENFORCE=@domain and KERNIA_DEMO_ADMIN=1 reach the app; a bad value stops the start", {
  timeout: 60_000,
}, async () => {
  const server = await startServer({ KERNIA_DEMO_ENFORCE: "@corp.example", KERNIA_DEMO_ADMIN: "1" });
  try {
    assert.ok(server.url, server.errors());
    assert.match(server.output(), /Two-factor enforcement: users with an email at @corp\.example/);
    assert.match(server.output(), /Support desk .*\/demo\/admin/);
    assert.equal((await raw(server.url, "/demo/admin")).status, 200);
    const signUp = await fetch(`${server.url}/api/auth/sign-up/email`, {
      method: "POST",
      headers: { "content-type": "application/json", origin: server.url },
      body: JSON.stringify({ name: "C", email: "c@corp.example", password: "demo-password-123" }),
    });
    assert.equal((await signUp.json()).twoFactorEnrolmentRequired, true);
  } finally {
    await server.stop();
  }

  const bad = await startServer({ KERNIA_DEMO_ENFORCE: "yes" });
  assert.equal(bad.url, null);
  assert.equal(await bad.exited, 1);
  assert.match(bad.errors(), /Could not start the Kernia demo: KERNIA_DEMO_ENFORCE: expected off, all or @domain/);
});

// ---- the story in a browser ----

describe("demo enforcement in the browser", { skip: skipBrowser }, () => {
  const person = { name: "Grace Hopper", email: "grace@example.com", username: "grace_h", password: "compiler-a0-1952" };
  let demo: DemoApp;
  let browser: Browser;
  let page: Page;

  before(async () => {
    demo = await createDemoApp({ port: 0, host: "127.0.0.1", database: memoryAdapter(), log: quiet, enforcement: true, admin: true });
    mkdirSync(ARTIFACTS, { recursive: true });
    browser = await launchChromium();
    const context = await browser.newContext({ viewport: { width: 900, height: 900 }, userAgent: USER_AGENT });
    page = await context.newPage();
    page.setDefaultTimeout(10_000);
  });
  after(async () => {
    await browser?.close();
    await demo?.close();
  });

  const ARTIFACTS = join("test-artifacts", "demo-enforcement");
  const screenshot = (name: string) => page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true });
  const visible = (selector: string) => page.locator(selector).waitFor({ state: "visible" });
  const sees = (text: string) => page.getByText(text, { exact: false }).first().waitFor({ state: "visible" });
  const activityTypes = async () =>
    page.locator("[data-testid=activity-event]").evaluateAll((items) => items.map((i) => i.getAttribute("data-type")));

  async function signIn(): Promise<void> {
    await page.fill("#sign-in-identifier", person.email);
    await page.fill("#sign-in-password", person.password);
    await page.click("#sign-in-submit");
  }

  test("sign-up asks to enrol (TOTP), the activity list shows it, support resets, and the next sign-in enrols by email", async () => {
    await page.goto(demo.url);
    await page.fill("#sign-up-name", person.name);
    await page.fill("#sign-up-email", person.email);
    await page.fill("#sign-up-username", person.username);
    await page.fill("#sign-up-password", person.password);
    await page.click("#sign-up-submit");
    await visible("#view-enrol");
    assert.equal(await page.locator("#view-account").isVisible(), false, "no session before a factor is verified");
    assert.equal(
      await fetch(`${demo.url}/api/auth/get-session`, {
        headers: { cookie: (await page.context().cookies()).map((c) => `${c.name}=${c.value}`).join("; ") },
      }).then((r) => r.json()),
      null,
    );

    // A reload keeps the enrolment step (its cookie is still there).
    await page.reload();
    await visible("#view-enrol");
    assert.equal(await page.locator("#enrol-totp").isVisible(), true);
    assert.equal(await page.locator("#enrol-otp").isVisible(), true, "the demo sends email codes, so OTP is offered too");

    await page.fill("#enrol-password", person.password);
    await page.click("#enrol-start");
    await visible("#enrol-setup");
    await screenshot("1-enrol-authenticator");
    const secret = (await page.locator("#enrol-secret").innerText()).replace(/\s/g, "");
    assert.match(secret, /^[A-Z2-7]+$/);
    assert.equal(await page.locator("#enrol-backup-codes li").count(), 10);
    const code = nodeCrypto.totp(nodeCrypto.base32Decode(secret), { time: Date.now(), period: 30, digits: 6 });
    await page.fill("#enrol-verify-code", code);
    await page.click("#enrol-verify");
    await sees(`Welcome, ${person.name}`);
    await sees("Two-factor authentication is on, and you're signed in.");
    assert.equal((await page.locator("#tf-status").innerText()).trim(), "on");

    // The security activity of that flow, newest first, with where it came from.
    await page.locator("[data-testid=activity-event]").first().waitFor();
    const types = await activityTypes();
    for (const type of ["two-factor.challenge-issued", "two-factor.enabled"]) assert.ok(types.includes(type), `${type} in ${types}`);
    const first = await page.locator("[data-testid=activity-event] .where").first().innerText();
    assert.match(first, /127\.0\.0\.1/);
    assert.match(first, /Chrome on Linux/);
    assert.equal(await page.locator("[data-testid=activity-event] .where").first().getAttribute("title"), USER_AGENT);
    await screenshot("2-signed-in-activity");

    // Enrolled: the next sign-in is the normal two-factor step, not enrolment.
    await page.click("#sign-out");
    await visible("#view-signed-out");
    await signIn();
    await visible("#view-two-factor");
    await page.click("#tf-cancel");

    // Support resets the account from the admin screen (linked from the page on this machine).
    await visible("footer .admin-only");
    await page.click("footer .admin-only");
    await page.fill("#admin-email", person.email);
    await page.click("#admin-reset");
    assert.match(await page.locator("#admin-result").innerText(), /Two-factor was reset for grace@example\.com/);
    await screenshot("3-support-desk-reset");

    // The next sign-in asks to enrol again; this time by emailed code.
    await page.goto(demo.url);
    await signIn();
    await visible("#view-enrol");
    await page.click("#enrol-otp-send");
    await sees("We sent you a code.");
    await page.fill("#enrol-otp-code", newestCodeFor(demo, person.email));
    await page.click("#enrol-otp-verify");
    await sees(`Welcome, ${person.name}`);
    await page.locator("[data-testid=activity-event][data-type='two-factor.reset']").waitFor();
    const after = await activityTypes();
    for (const type of ["two-factor.reset", "otp.sent"]) assert.ok(after.includes(type), `${type} in ${after}`);
  });
});
