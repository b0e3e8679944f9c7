/**
 * The demo's account mail (example/account.ts) through the real demo server: reset and verification
 * links land in /dev/outbox.json with to, subject, url and token, and the links work; in production
 * nothing is kept and no link reaches the log.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { createDemoApp, type DemoApp } from "../../example/app.js";
import { memoryAdapter } from "../../src/adapters/memory.js";
import { CookieJar } from "../helpers/cookie-jar.js";

function client(demo: DemoApp) {
  const jar = new CookieJar();
  const call = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${demo.url}${path}`, {
      method,
      redirect: "manual",
      headers: { origin: demo.url, cookie: jar.header(), ...(body === undefined ? {} : { "content-type": "application/json" }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    jar.store(res);
    return res;
  };
  return { jar, call };
}

describe("demo account mail", () => {
  let demo: DemoApp;
  before(async () => {
    demo = await createDemoApp({ port: 0, host: "127.0.0.1", database: memoryAdapter(), log: () => undefined, production: false });
  });
  after(() => demo.close());

  test("forgot password and verify email: outbox entries with to, subject, url and token; the links work", async () => {
    const c = client(demo);
    const email = "demo-mail@example.com";
    assert.equal(
      (await c.call("POST", "/api/auth/sign-up/email", { name: "D", email, password: "demo-password-1", username: "demo_mail" })).status,
      200,
    );
    assert.equal((await c.call("POST", "/api/auth/request-password-reset", { email, redirectTo: "/" })).status, 200);
    let box = (await (await fetch(`${demo.url}/dev/outbox.json`)).json()) as Record<string, string>[];
    const reset = box[0];
    assert.equal(reset.to, email);
    assert.match(reset.subject, /reset/i);
    assert.equal(reset.url, `${demo.url}/api/auth/reset-password/${reset.token}?callbackURL=%2F`);
    const link = await c.call("GET", new URL(reset.url).pathname + new URL(reset.url).search);
    assert.equal(link.status, 302);
    assert.equal(link.headers.get("location"), `${demo.url}/?token=${reset.token}`);
    assert.equal((await c.call("POST", "/api/auth/send-verification-email", { email })).status, 200);
    box = (await (await fetch(`${demo.url}/dev/outbox.json`)).json()) as Record<string, string>[];
    const verify = box[0];
    assert.match(verify.subject, /verify/i);
    assert.equal(verify.url, `${demo.url}/api/auth/verify-email?token=${verify.token}&callbackURL=%2F`);
    assert.equal((await c.call("GET", `/api/auth/verify-email?token=${verify.token}`)).status, 200);
    const session = await (await c.call("GET", "/api/auth/get-session")).json();
    assert.equal(session.user.emailVerified, true);
  });

  test("production: no outbox, and the link never reaches the log", async () => {
    const lines: string[] = [];
    const prod = await createDemoApp({
      port: 0,
      host: "127.0.0.1",
      database: memoryAdapter(),
      production: true,
      secret: "demo-production-secret-0123456789abcdefXYZ",
      log: (l) => void lines.push(l),
    });
    try {
      const c = client(prod);
      const email = "prod-mail@example.com";
      assert.equal(
        (await c.call("POST", "/api/auth/sign-up/email", { name: "P", email, password: "demo-password-1", username: "prod_mail" })).status,
        200,
      );
      assert.equal((await c.call("POST", "/api/auth/request-password-reset", { email })).status, 200);
      assert.equal(prod.outbox, null);
      assert.ok(lines.some((l) => /reset your password link/i.test(l)));
      assert.ok(!lines.some((l) => l.includes("/reset-password/")), "no link in the log");
    } finally {
      await prod.close();
    }
  });
});
