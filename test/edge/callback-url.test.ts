/**
 * Issue 11 item 8 / deliver 6: callbackURL and the other redirect fields are checked before any work
 * is done. Values a header cannot carry, or that are not a relative path or a trusted http(s) URL,
 * get Better Auth's 403 INVALID_CALLBACK_URL (never a 500 after the password check), and no request
 * text reaches the log raw.
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { BASE_URL, ORIGIN, post, signUp, testAuth } from "../helpers/auth.js";
import { isTrustedRedirect } from "../../src/auth/origin.js";
import { loggableError } from "../../src/auth/limits.js";
import type { Kernia, KerniaOptions } from "../../src/auth/types.js";

const HOSTILE = [
  "/dashboard\r\nSet-Cookie: x=1",
  "/a\nb",
  "/nul\u0000",
  "/line\u2028sep",
  "/para\u2029",
  "/emoji-\u{1F600}",
  "/cjk-\u4e2d",
  "/tab\there",
  " /leading-space",
  "/trailing-space ",
  "javascript://x.example.com/%0aalert(1)",
  "javascript:alert(1)",
  "data:text/html,<script>alert(1)</script>",
  "//evil.example/",
  "https://evil.example/",
  "/\\evil.example",
];

async function setup(options: KerniaOptions = {}): Promise<Kernia> {
  const auth = testAuth({ trustedOrigins: ["*.example.com"], ...options });
  assert.equal((await signUp(auth, { name: "A", email: "a@example.com", password: "password1234" })).status, 200);
  return auth;
}

async function capturingConsole<T>(fn: () => Promise<T>): Promise<{ result: T; lines: string[] }> {
  const lines: string[] = [];
  const saved = { error: console.error, warn: console.warn, log: console.log };
  const keep = (...args: unknown[]) => lines.push(args.map((a) => (a instanceof Error ? `${a.message}\n${a.stack}` : String(a))).join(" "));
  console.error = console.warn = console.log = keep;
  try {
    return { result: await fn(), lines };
  } finally {
    Object.assign(console, saved);
  }
}

describe("callbackURL", () => {
  test("hostile values on sign-in: 403 INVALID_CALLBACK_URL, no session made, nothing logged", async () => {
    const auth = await setup();
    const sessionsBefore = await auth.context.store.count("session", []);
    const { result, lines } = await capturingConsole(async () => {
      const out: [string, number, unknown][] = [];
      for (const callbackURL of HOSTILE) {
        const res = await post(auth, "/sign-in/email", { email: "a@example.com", password: "password1234", callbackURL });
        out.push([callbackURL, res.status, await res.json()]);
      }
      return out;
    });
    for (const [value, status, body] of result) {
      assert.equal(status, 403, JSON.stringify(value));
      assert.deepEqual(body, { message: "Invalid callbackURL", code: "INVALID_CALLBACK_URL" }, JSON.stringify(value));
    }
    assert.equal(await auth.context.store.count("session", []), sessionsBefore, "refused before the password check made a session");
    assert.deepEqual(lines, []);
  });

  test("the same on sign-up and through the query string; other redirect fields use their own codes", async () => {
    const auth = await setup();
    const up = await post(auth, "/sign-up/email", { name: "B", email: "b@example.com", password: "password1234", callbackURL: "/x\r\n" });
    assert.equal(up.status, 403);
    assert.equal(await auth.context.store.count("user", [{ field: "email", value: "b@example.com" }]), 0);
    const q = await auth.handler(
      new Request(`${BASE_URL}/api/auth/sign-in/email?callbackURL=${encodeURIComponent("/\u2028")}`, {
        method: "POST",
        headers: { "content-type": "application/json", origin: ORIGIN },
        body: JSON.stringify({ email: "a@example.com", password: "password1234" }),
      }),
    );
    assert.equal(q.status, 403);
  });

  test("good values still redirect: relative paths, trusted http(s) origins, Latin-1 text", async () => {
    const auth = await setup();
    for (const callbackURL of ["/dashboard?tab=security#top", "https://app.example.com/after", "http://localhost:3000/ok", "/caf\u00e9"]) {
      const res = await post(auth, "/sign-in/email", { email: "a@example.com", password: "password1234", callbackURL });
      assert.equal(res.status, 200, callbackURL);
      const body = await res.json();
      assert.equal(body.redirect, true);
      assert.equal(body.url, callbackURL);
      assert.equal(res.headers.get("location"), callbackURL);
    }
  });

  test("disableOriginCheck and auth.api still refuse text no header can carry (4xx, not a 500)", async () => {
    const loose = await setup({ advanced: { disableOriginCheck: true } });
    const res = await post(loose, "/sign-in/email", { email: "a@example.com", password: "password1234", callbackURL: "/x\u4e2d" });
    assert.equal(res.status, 403);
    const open = await post(loose, "/sign-in/email", {
      email: "a@example.com",
      password: "password1234",
      callbackURL: "https://elsewhere.test/",
    });
    assert.equal(open.status, 200, "the origin check itself is what disableOriginCheck turns off");
    const auth = await setup();
    await assert.rejects(
      auth.api.signInEmail({ body: { email: "a@example.com", password: "password1234", callbackURL: "/a\r\nb" } }),
      (e: { statusCode?: number; body?: { code?: string } }) => e.statusCode === 403 && e.body?.code === "INVALID_CALLBACK_URL",
    );
  });

  test("schemes: http(s) under wildcards; an app's deep link only where its scheme is listed; never javascript:", () => {
    const trusted = ["*.example.com", "myapp://", "https://*.wild.test"];
    assert.ok(isTrustedRedirect("https://x.example.com/a", trusted));
    assert.ok(!isTrustedRedirect("javascript://x.example.com/%0aalert(1)", trusted));
    assert.ok(!isTrustedRedirect("ftp://x.example.com/", trusted));
    assert.ok(isTrustedRedirect("myapp://callback", trusted));
    assert.ok(!isTrustedRedirect("otherapp://callback", trusted));
    assert.ok(!isTrustedRedirect("javascript://x.example.com/", ["javascript://*"]));
  });

  test("unexpected errors are logged without raw request text", () => {
    const text = loggableError(new TypeError("Invalid header value: '/a\r\nSet-Cookie: evil=1\u2028'"));
    assert.doesNotMatch(text.split("\n")[0], /[\r\u2028]/);
    assert.match(text, /^TypeError: "Invalid header value: '\/a\\r\\nSet-Cookie: evil=1\\u2028'"/);
    assert.ok(loggableError(new Error("x".repeat(10_000))).length < 2000);
  });
});
