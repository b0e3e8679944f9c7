/**
 * The demo server without a browser: the development outbox (escaping, order, JSON shape) and production
 * mode (no outbox route, and the sign-in code never reaches the log).
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { createDemoApp, type DemoApp } from "../../example/app.js";
import { Outbox, escapeHtml } from "../../example/outbox.js";
import { memoryAdapter } from "../../src/adapters/memory.js";

/** Minimal cookie jar for fetch: keeps the last value per cookie name, drops expired ones. */
function cookieJar() {
  const cookies = new Map<string, string>();
  return {
    header: () => [...cookies].map(([name, value]) => `${name}=${value}`).join("; "),
    take(response: Response) {
      for (const line of response.headers.getSetCookie()) {
        const [pair, ...attributes] = line.split(";");
        const at = pair.indexOf("=");
        const name = pair.slice(0, at).trim();
        if (attributes.some((a) => /^\s*max-age=0\s*$/i.test(a))) cookies.delete(name);
        else cookies.set(name, pair.slice(at + 1));
      }
    },
  };
}

async function signUpAndSendOtp(demo: DemoApp, email: string) {
  const jar = cookieJar();
  const post = async (path: string, body: unknown) => {
    const response = await fetch(`${demo.url}/api/auth${path}`, {
      method: "POST",
      headers: { "content-type": "application/json", origin: demo.url, cookie: jar.header() },
      body: JSON.stringify(body),
    });
    jar.take(response);
    return response;
  };
  const signUp = await post("/sign-up/email", { name: "Grace <b>Hopper</b>", email, password: "cobol-compiler-1959", username: "grace_h" });
  assert.equal(signUp.status, 200, await signUp.clone().text());
  const send = await post("/two-factor/send-otp", {});
  assert.equal(send.status, 200, await send.clone().text());
  assert.deepEqual(await send.json(), { status: true });
}

describe("development outbox", () => {
  test("lists messages newest first and escapes them in HTML", async () => {
    const outbox = new Outbox();
    outbox.record({ to: "a@example.com", subject: "first", otp: "111111", at: "2026-01-01T00:00:00.000Z" });
    outbox.record({ to: "<script>@example.com", subject: "second & last", otp: "222222", at: "2026-01-01T00:00:01.000Z" });
    assert.deepEqual(
      outbox.list().map((m) => m.subject),
      ["second & last", "first"],
    );
    assert.equal(escapeHtml(`<a href="x">'&'</a>`), "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;");
  });

  let demo: DemoApp;
  before(async () => {
    demo = await createDemoApp({ port: 0, host: "127.0.0.1", database: memoryAdapter(), log: () => undefined });
  });
  after(() => demo?.close());

  test("records the code sendOtp was given and serves it as JSON and as a page", async () => {
    await signUpAndSendOtp(demo, "grace@example.com");
    const json = await fetch(`${demo.url}/dev/outbox.json`);
    assert.equal(json.status, 200);
    const messages = (await json.json()) as { to: string; subject: string; otp: string; at: string }[];
    assert.equal(messages.length, 1);
    assert.deepEqual(Object.keys(messages[0]).sort(), ["at", "otp", "subject", "to"]);
    assert.equal(messages[0].to, "grace@example.com");
    assert.match(messages[0].otp, /^\d{6}$/);
    assert.ok(!Number.isNaN(Date.parse(messages[0].at)));

    const page = await fetch(`${demo.url}/dev/outbox`);
    assert.equal(page.status, 200);
    assert.match(page.headers.get("content-type") ?? "", /^text\/html/);
    const html = await page.text();
    assert.ok(html.includes(messages[0].otp));
    assert.ok(html.includes("grace@example.com"));
  });

  test("serves the page and its bundle from the same origin, with no third-party source allowed", async () => {
    const index = await fetch(`${demo.url}/`);
    assert.equal(index.status, 200);
    assert.match(index.headers.get("content-security-policy") ?? "", /default-src 'self'/);
    const html = await index.text();
    assert.ok(html.includes(`src="/assets/app.js"`));
    assert.ok(!/https?:\/\//.test(html), "the page loads nothing from another host");
    const bundle = await fetch(`${demo.url}/assets/app.js`);
    assert.equal(bundle.status, 200);
    assert.match(bundle.headers.get("content-type") ?? "", /javascript/);
  });
});

describe("production mode", () => {
  let demo: DemoApp;
  const logged: string[] = [];
  before(async () => {
    demo = await createDemoApp({
      port: 0,
      host: "127.0.0.1",
      production: true,
      secret: "demo-server-test-secret-0123456789abcdef",
      database: memoryAdapter(),
      log: (line) => logged.push(line),
    });
  });
  after(() => demo?.close());

  test("refuses to start without a secret", async () => {
    await assert.rejects(createDemoApp({ port: 0, host: "127.0.0.1", production: true, database: memoryAdapter() }), /KERNIA_SECRET/);
  });

  test("has no outbox, and logs that no mailer is configured without the code", async () => {
    assert.equal(demo.outbox, null);
    assert.equal((await fetch(`${demo.url}/dev/outbox.json`)).status, 404);
    assert.equal((await fetch(`${demo.url}/dev/outbox`)).status, 404);
    await signUpAndSendOtp(demo, "prod@example.com");
    assert.equal(logged.length, 1);
    assert.match(logged[0], /no mailer is configured/);
    assert.doesNotMatch(logged[0], /\d{6}/);
  });
});
