/**
 * The store-backed rate limiter (wire spec section 7) on an injected clock: Better Auth's rules, the
 * 429 body and X-Retry-After, per IP+path keys in fixed windows, custom rules, and a concurrent burst
 * that must not overshoot the budget. The client address is passed as auth.handler's remoteAddress
 * (test/edge/client-address.test.ts covers headers and proxies).
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { testAuth, BASE_URL, ORIGIN } from "../helpers/auth.js";
import { CAPTURED_AT, Clock } from "../helpers/clock.js";
import type { Kernia, KerniaOptions } from "../../src/auth/types.js";

/** A clock at the start of a minute, so every window (10 s, 60 s) starts with the test. */
function windowStart(): Clock {
  const clock = new Clock(CAPTURED_AT);
  clock.ms = Math.ceil(clock.ms / 60_000) * 60_000;
  return clock;
}

function limited(clock: Clock, extra: KerniaOptions = {}) {
  return testAuth({ rateLimit: { enabled: true, ...extra.rateLimit }, ...extra, plugins: extra.plugins }, clock);
}

function signIn(auth: Kernia, ip = "203.0.113.7") {
  return auth.handler(
    new Request(`${BASE_URL}/api/auth/sign-in/email`, {
      method: "POST",
      headers: { "content-type": "application/json", origin: ORIGIN },
      body: JSON.stringify({ email: "nobody@example.com", password: "password1234" }),
    }),
    { remoteAddress: ip },
  );
}

function getSession(auth: Kernia, ip = "203.0.113.7") {
  return auth.handler(new Request(`${BASE_URL}/api/auth/get-session`), { remoteAddress: ip });
}

describe("rate limiter", () => {
  test("sign-in: 3 per 10 s, the 4th gets T#100's 429 with X-Retry-After; the window reopens", async () => {
    const clock = windowStart();
    const auth = limited(clock);
    for (let i = 0; i < 3; i++) assert.equal((await signIn(auth)).status, 401);
    clock.advance(4);
    const blocked = await signIn(auth);
    assert.equal(blocked.status, 429);
    assert.equal(blocked.headers.get("x-retry-after"), "6"); // the window ends 10 s after it started
    assert.equal(blocked.headers.get("content-type"), "application/json");
    assert.equal(await blocked.text(), '{"message":"Too many requests. Please try again later."}');
    clock.advance(5);
    assert.equal((await signIn(auth)).headers.get("x-retry-after"), "1", "a refused request does not extend the window");
    clock.advance(1);
    assert.equal((await signIn(auth)).status, 401, "window over: counted afresh");
  });

  test("fixed windows: the budget is per window, whenever in the window it is spent", async () => {
    const clock = windowStart();
    const auth = limited(clock);
    clock.advance(9);
    for (let i = 0; i < 3; i++) assert.equal((await signIn(auth)).status, 401);
    const r = await signIn(auth);
    assert.equal(r.status, 429);
    assert.equal(r.headers.get("x-retry-after"), "1");
    clock.advance(1);
    for (let i = 0; i < 3; i++) assert.equal((await signIn(auth)).status, 401, "the next window has its own budget");
    assert.equal((await signIn(auth)).status, 429);
  });

  test("keys are per IP and per path; other paths get 100 per 10 s", async () => {
    const clock = windowStart();
    const auth = limited(clock);
    for (let i = 0; i < 3; i++) await signIn(auth, "198.51.100.1");
    assert.equal((await signIn(auth, "198.51.100.1")).status, 429);
    assert.equal((await signIn(auth, "198.51.100.2")).status, 401);
    for (let i = 0; i < 100; i++) assert.equal((await getSession(auth, "198.51.100.1")).status, 200);
    assert.equal((await getSession(auth, "198.51.100.1")).status, 429);
  });

  test("checked before the handler: a blocked request does no work", async () => {
    const clock = windowStart();
    const auth = limited(clock);
    const body = (email: string) => JSON.stringify({ name: "n", email, password: "password1234" });
    const up = (email: string) =>
      auth.handler(
        new Request(`${BASE_URL}/api/auth/sign-up/email`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: body(email),
        }),
        { remoteAddress: "192.0.2.1" },
      );
    for (let i = 0; i < 3; i++) assert.equal((await up(`u${i}@example.com`)).status, 200);
    assert.equal((await up("u3@example.com")).status, 429);
    assert.equal(await auth.context.store.count("user", []), 3);
  });

  test("custom rules (prefix -> rule, false exempts), plugin rules, global window/max", async () => {
    const clock = windowStart();
    const auth = limited(clock, {
      rateLimit: { enabled: true, window: 60, max: 2, customRules: { "/sign-in": { window: 5, max: 1 }, "/get-session": false } },
      plugins: [{ id: "p", rateLimit: [{ matches: (p) => p === "/sign-out", window: 30, max: 1 }] }],
    });
    assert.equal((await signIn(auth)).status, 401);
    const r = await signIn(auth);
    assert.equal(r.status, 429);
    assert.equal(r.headers.get("x-retry-after"), "5");
    for (let i = 0; i < 10; i++) assert.equal((await getSession(auth)).status, 200);
    const out = () => auth.handler(new Request(`${BASE_URL}/api/auth/sign-out`, { method: "POST" }), { remoteAddress: "1.2.3.4" });
    assert.equal((await out()).status, 200);
    assert.equal((await out()).status, 429);
  });

  test("off by default outside production; auth.api calls are never limited", async () => {
    const clock = new Clock(CAPTURED_AT);
    const off = testAuth({}, clock);
    for (let i = 0; i < 10; i++) assert.equal((await signIn(off)).status, 401);
    const on = limited(clock);
    for (let i = 0; i < 10; i++) {
      await assert.rejects(on.api.signInEmail({ body: { email: "nobody@example.com", password: "password1234" } }), { statusCode: 401 });
    }
  });

  test("concurrent burst: 20 parallel sign-ins under 3/10s give exactly 3 non-429 answers", async () => {
    const clock = windowStart();
    const auth = limited(clock);
    const results = await Promise.all(Array.from({ length: 20 }, () => signIn(auth)));
    const statuses = results.map((r) => r.status);
    assert.equal(statuses.filter((s) => s !== 429).length, 3, statuses.join(","));
    assert.equal(await auth.context.store.count("rateLimit", []), 1);
  });

  test("two instances sharing one store share the budget (several processes, one database)", async () => {
    const clock = windowStart();
    const a = limited(clock);
    // A second instance bound to the first one's store, as two processes share one MongoDB.
    const b = limited(clock, { database: { name: "shared", bind: () => a.context.store } });
    const results = await Promise.all([...Array.from({ length: 5 }, () => signIn(a)), ...Array.from({ length: 5 }, () => signIn(b))]);
    assert.equal(results.filter((r) => r.status !== 429).length, 3);
  });
});
