/**
 * Support-desk reset (issue 13 item 2): `auth.api.resetTwoFactor({ body: { userId, revokeSessions? } })`.
 * What it removes, that no HTTP request reaches it, its input rules, all-or-nothing under a store fault
 * at every step (both failure modes), and a burst of sign-ins racing it.
 */
import assert from "node:assert/strict";
import { afterEach, beforeEach, describe, test } from "node:test";
import type { Row, Store } from "../../src/adapters/types.js";
import { memoryAdapter } from "../../src/adapters/memory.js";
import { APIError } from "../../src/auth/errors.js";
import { init, type Kernia } from "../../src/index.js";
import { twoFactor } from "../../src/plugins/two-factor/index.js";
import { MODELS } from "../../src/plugins/two-factor/schema.js";
import { fastPasswords } from "../helpers/fast-passwords.js";
import { FaultController, faultyAdapter, type FaultMode } from "../helpers/faulty-store.js";
import { challenge, Client, type Clock, enrolledUser, makeAuth, PASSWORD, SECRET, signUp, totpAt } from "../helpers/two-factor.js";

const realError = console.error;
beforeEach(() => {
  console.error = () => {}; // the core logs every injected fault
});
afterEach(() => {
  console.error = realError;
});

const FACTOR_MODELS = Object.values(MODELS);

/**
 * A user with everything the reset removes: a confirmed TOTP secret, backup codes (one spent), a
 * trusted browser, a pending challenge in a second browser with an OTP sent to it (so an OTP row and a
 * send counter), and two sessions.
 */
async function loadedUser(auth: Kernia, clock: Clock) {
  const { client, email, userId, uri, backupCodes } = await enrolledUser(auth, clock);
  await challenge(client, email);
  const trusted = await client.post("/two-factor/verify-totp", { code: totpAt(uri, clock), trustDevice: true });
  assert.equal(trusted.status, 200, trusted.text);
  clock.advance(30);
  const other = new Client(auth);
  assert.equal((await other.post("/sign-in/email", { email, password: PASSWORD })).body.twoFactorRedirect, true);
  assert.equal((await other.post("/two-factor/verify-backup-code", { code: backupCodes[0] })).status, 200);
  const pending = new Client(auth);
  assert.equal((await pending.post("/sign-in/email", { email, password: PASSWORD })).body.twoFactorRedirect, true);
  assert.equal((await pending.post("/two-factor/send-otp", {})).status, 200);
  return { client, other, pending, email, userId, uri, backupCodes };
}

/** Every row the reset may touch, per model, sorted by id; and the user's two-factor fields. */
async function twoFactorState(store: Store, userId: string) {
  const rows: Record<string, Row[]> = {};
  for (const model of [...FACTOR_MODELS, "session"]) {
    const found = await store.findMany<Row>(model, [{ field: "userId", value: userId }]);
    rows[model] = found.sort((a, b) => String(a.id).localeCompare(String(b.id)));
  }
  const user = await store.findOne<Row>("user", [{ field: "id", value: userId }]);
  assert.ok(user);
  return {
    rows,
    user: { twoFactorEnabled: user.twoFactorEnabled, twoFactorGeneration: user.twoFactorGeneration ?? null, updatedAt: user.updatedAt },
  };
}

async function rejection(promise: Promise<unknown>): Promise<APIError> {
  try {
    await promise;
  } catch (e) {
    assert.ok(e instanceof APIError, `expected an APIError, got ${e}`);
    return e;
  }
  assert.fail("expected the call to reject");
}

describe("resetTwoFactor: what it removes", () => {
  test("every factor row, pending challenge, OTP, send counter, trusted device and session goes; the flag is off", async () => {
    const { auth, clock } = makeAuth();
    const u = await loadedUser(auth, clock);
    const before = await twoFactorState(auth.context.store, u.userId);
    for (const model of [...FACTOR_MODELS, "session"]) assert.ok(before.rows[model].length > 0, `set-up has ${model} rows`);

    const result = await auth.api.resetTwoFactor({ body: { userId: u.userId } });
    assert.deepEqual(result, { status: true });

    const after = await twoFactorState(auth.context.store, u.userId);
    for (const model of [...FACTOR_MODELS, "session"]) assert.deepEqual(after.rows[model], [], `${model} rows left`);
    assert.equal(after.user.twoFactorEnabled, false);
    assert.notEqual(after.user.twoFactorGeneration, before.user.twoFactorGeneration, "a new factor generation");
    // The browsers' sessions are gone; the pending challenge can no longer be finished.
    assert.equal((await u.client.get("/get-session")).body, null);
    assert.equal((await u.other.get("/get-session")).body, null);
    const late = await u.pending.post("/two-factor/verify-totp", { code: totpAt(u.uri, clock) });
    assert.equal(late.status, 401);
    assert.equal(late.body.code, "INVALID_TWO_FACTOR_COOKIE");
  });

  test("afterwards the password alone signs in (no policy), the old trust cookie is not needed, and the user can enrol again", async () => {
    const { auth, clock } = makeAuth();
    const u = await loadedUser(auth, clock);
    await auth.api.resetTwoFactor({ body: { userId: u.userId } });

    const fresh = new Client(auth);
    const signIn = await fresh.post("/sign-in/email", { email: u.email, password: PASSWORD });
    assert.equal(signIn.status, 200);
    assert.equal(signIn.body.twoFactorRedirect, undefined);
    assert.equal(typeof signIn.body.token, "string");
    assert.equal(signIn.body.user.twoFactorEnabled, false);

    // The browser that was trusted: its cookie is ignored now (nothing to skip), and it does not come
    // back to life once 2FA is on again (its record is gone, and it was of the old factor generation).
    const enable = await fresh.post("/two-factor/enable", { password: PASSWORD });
    assert.equal(enable.status, 200, enable.text);
    assert.notEqual(enable.body.totpURI, u.uri, "a new secret");
    const confirm = await fresh.post("/two-factor/verify-totp", { code: totpAt(enable.body.totpURI, clock) });
    assert.equal(confirm.status, 200, confirm.text);
    clock.advance(30);
    const trustedBefore = u.client.clone();
    await trustedBefore.post("/sign-out", {});
    const again = await trustedBefore.post("/sign-in/email", { email: u.email, password: PASSWORD });
    assert.equal(again.body.twoFactorRedirect, true, "the pre-reset trusted device must not skip the new factor");
    // The old secret and old backup codes are dead; the new secret works.
    assert.equal((await trustedBefore.post("/two-factor/verify-totp", { code: totpAt(u.uri, clock) })).status, 401);
    assert.equal((await trustedBefore.post("/two-factor/verify-backup-code", { code: u.backupCodes[3] })).status, 401);
    assert.equal((await trustedBefore.post("/two-factor/verify-totp", { code: totpAt(enable.body.totpURI, clock) })).status, 200);
  });

  test("revokeSessions: false keeps the sessions; every factor still goes", async () => {
    const { auth, clock } = makeAuth();
    const u = await loadedUser(auth, clock);
    const before = await twoFactorState(auth.context.store, u.userId);
    assert.deepEqual(await auth.api.resetTwoFactor({ body: { userId: u.userId, revokeSessions: false } }), { status: true });
    const after = await twoFactorState(auth.context.store, u.userId);
    assert.deepEqual(after.rows.session, before.rows.session);
    for (const model of FACTOR_MODELS) assert.deepEqual(after.rows[model], [], `${model} rows left`);
    const session = await u.client.get("/get-session");
    assert.equal(session.body.user.twoFactorEnabled, false);
  });

  test("a user who never had two-factor: succeeds, changes nothing but the generation", async () => {
    const { auth } = makeAuth();
    const client = new Client(auth);
    const { userId } = await signUp(client);
    assert.deepEqual(await auth.api.resetTwoFactor({ body: { userId, revokeSessions: false } }), { status: true });
    assert.ok((await client.get("/get-session")).body.session);
  });
});

describe("resetTwoFactor: input", () => {
  test("an unknown user: 404 USER_NOT_FOUND", async () => {
    const { auth } = makeAuth();
    const e = await rejection(auth.api.resetTwoFactor({ body: { userId: "no-such-user" } }));
    assert.equal(e.statusCode, 404);
    assert.deepEqual(e.body, { message: "User not found", code: "USER_NOT_FOUND" });
  });

  test("a bad body: 400 VALIDATION_ERROR with Better Auth's {message, code}, nothing changed", async () => {
    const { auth } = makeAuth();
    const client = new Client(auth);
    const { userId } = await signUp(client);
    const bad: unknown[] = [
      undefined,
      {},
      { userId: "" },
      { userId: 42 },
      { userId: null },
      { userId: ["a"] },
      { userId: "x".repeat(256) },
      { userId, revokeSessions: "no" },
      { userId, revokeSessions: 0 },
      "userId",
    ];
    const untyped = auth.api as unknown as { resetTwoFactor(input: unknown): Promise<unknown> };
    for (const body of bad) {
      const e = await rejection(untyped.resetTwoFactor({ body }));
      assert.equal(e.statusCode, 400, JSON.stringify(body));
      assert.equal(e.code, "VALIDATION_ERROR");
      assert.match(e.body.message, /^\[body(\.\w+)?\] /);
    }
    assert.ok((await client.get("/get-session")).body.session, "the session is untouched");
  });

  test("server-only: no HTTP path reaches it, with any method", async () => {
    const { auth } = makeAuth();
    const client = new Client(auth);
    const { userId } = await signUp(client);
    const candidates = [
      "/resetTwoFactor",
      "/reset-two-factor",
      "/two-factor/reset",
      "/two-factor/reset-two-factor",
      "/two-factor/resetTwoFactor",
      "/two-factor/reset-totp",
      "/admin/reset-two-factor",
      "/",
      "",
    ];
    for (const path of candidates) {
      for (const method of ["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "HEAD"]) {
        const body = method === "GET" || method === "HEAD" ? undefined : JSON.stringify({ userId });
        const res = await auth.handler(
          new Request(`http://localhost:3000/api/auth${path}`, {
            method,
            headers: { origin: "http://localhost:3000", "content-type": "application/json", cookie: client.cookieHeader() },
            body,
          }),
        );
        assert.equal(res.status, 404, `${method} ${path}`);
      }
    }
    const endpoint = auth.context.plugins.find((p) => p.id === "two-factor")?.endpoints?.resetTwoFactor;
    assert.ok(endpoint);
    assert.equal(endpoint.path, undefined, "no path: init() routes only endpoints with one");
    assert.ok((await client.get("/get-session")).body.session, "nothing was reset");
  });

  test("typed: body and result", async () => {
    const auth = init({ secret: SECRET, baseURL: "http://localhost:3000", plugins: [twoFactor()] });
    const { userId } = await signUp(new Client(auth));
    const result: { status: true } = await auth.api.resetTwoFactor({ body: { userId, revokeSessions: true } });
    assert.equal(result.status, true);
    // @ts-expect-error userId is required
    await rejection(auth.api.resetTwoFactor({ body: { revokeSessions: true } }));
    // @ts-expect-error revokeSessions is a boolean
    await rejection(auth.api.resetTwoFactor({ body: { userId, revokeSessions: "yes" } }));
  });
});

describe("resetTwoFactor: all or nothing under a store fault at every step", () => {
  test("each step failing (before and after applying): the state is exactly as before, the second factor still required", async () => {
    const ctl = new FaultController();
    ctl.enabled = false;
    const { auth, clock } = makeAuth({ options: { database: faultyAdapter(memoryAdapter(), ctl) } });
    const u = await loadedUser(auth, clock);
    const inner = () => ctl.inner as Store;
    const before = await twoFactorState(inner(), u.userId);

    // A clean run on a copy of the same set-up gives the number of store operations.
    const probeCtl = new FaultController();
    probeCtl.enabled = false;
    const probe = makeAuth({
      clock: new (clock.constructor as typeof Clock)(clock.t),
      options: { database: faultyAdapter(memoryAdapter(), probeCtl) },
    });
    const pu = await loadedUser(probe.auth, probe.clock);
    probeCtl.reset();
    await probe.auth.api.resetTwoFactor({ body: { userId: pu.userId } });
    const steps = probeCtl.ops;
    const trace = [...probeCtl.trace];
    assert.ok(steps >= 16, `a reset is ${steps} store operations: ${trace.join(", ")}`);

    for (let step = 1; step <= steps; step++) {
      for (const mode of ["before", "after"] as FaultMode[]) {
        const label = `step ${step} ${trace[step - 1]} ${mode}`;
        ctl.reset(step, mode);
        await assert.rejects(auth.api.resetTwoFactor({ body: { userId: u.userId } }), label);
        ctl.enabled = false;
        assert.deepEqual(await twoFactorState(inner(), u.userId), before, label);
      }
    }

    // Still two-factor: a password sign-in is challenged, the trusted browser still skips it, the
    // old TOTP secret and backup codes still pass it, and the sessions still work.
    ctl.enabled = false;
    assert.ok((await u.other.get("/get-session")).body.session);
    const browser = new Client(auth);
    assert.equal((await browser.post("/sign-in/email", { email: u.email, password: PASSWORD })).body.twoFactorRedirect, true);
    assert.equal((await browser.post("/two-factor/verify-backup-code", { code: u.backupCodes[1] })).status, 200);
    const trusted = u.client.clone();
    await trusted.post("/sign-out", {});
    const skip = await trusted.post("/sign-in/email", { email: u.email, password: PASSWORD });
    assert.equal(typeof skip.body.token, "string", "the trusted device still skips the challenge");

    // And the reset, retried without a fault, completes.
    assert.deepEqual(await auth.api.resetTwoFactor({ body: { userId: u.userId } }), { status: true });
    const after = await twoFactorState(inner(), u.userId);
    assert.equal(after.user.twoFactorEnabled, false);
  });
});

describe("resetTwoFactor: a burst of sign-ins racing it", () => {
  /**
   * Every kind of sign-in that could carry a pre-reset factor through: password then the current TOTP
   * code, password then a backup code, a pending challenge (password passed before) then TOTP or a
   * backup code, and trusted browsers. Passwords are checked without scrypt (fastPasswords), so the
   * flows are all store work; the reset starts after `delay` event-loop turns, so across the rounds it
   * lands at every point of the sign-ins' progress (from before the first to after the last).
   */
  async function round(delay: number): Promise<{ granted: number; refused: number; resetLast: boolean }> {
    {
      const { auth, clock } = makeAuth();
      fastPasswords(auth, PASSWORD);
      const u = await loadedUser(auth, clock);
      // Three more trusted browsers (each cookie trusts once: one winner per cookie).
      const trustedClients: Client[] = [];
      for (let i = 0; i < 3; i++) {
        clock.advance(30);
        const c = new Client(auth);
        await c.post("/sign-in/email", { email: u.email, password: PASSWORD });
        assert.equal((await c.post("/two-factor/verify-backup-code", { code: u.backupCodes[2 + i], trustDevice: true })).status, 200);
        await c.post("/sign-out", {});
        trustedClients.push(c);
      }
      clock.advance(30);
      const pendingClients: Client[] = [];
      for (let i = 0; i < 2; i++) {
        const c = new Client(auth);
        assert.equal((await c.post("/sign-in/email", { email: u.email, password: PASSWORD })).body.twoFactorRedirect, true);
        pendingClients.push(c);
      }
      const code = totpAt(u.uri, clock);
      const nextCode = totpAt(u.uri, clock, 1); // the window's next step: both TOTP flows can pass

      let resetDone = false;
      /** Tokens of sessions handed out through a second factor or a trust cookie, and when. */
      const viaFactor: { token: string; afterReset: boolean; how: string }[] = [];
      /** Tokens of password-only sessions (the gate saw two-factor off: after the reset's user write). */
      const passwordOnly = new Set<string>();

      const record = (how: string, reply: { status: number; body: { token?: string } }) => {
        if (reply.status === 200 && typeof reply.body?.token === "string")
          viaFactor.push({ token: reply.body.token, afterReset: resetDone, how });
      };
      const passwordThen = async (how: string, path: string, body: Record<string, unknown>) => {
        const c = new Client(auth);
        const first = await c.post("/sign-in/email", { email: u.email, password: PASSWORD });
        if (first.status === 200 && typeof first.body.token === "string") {
          passwordOnly.add(first.body.token);
          return;
        }
        record(how, await c.post(path, body));
      };
      const flows: Promise<void>[] = [
        passwordThen("password + totp", "/two-factor/verify-totp", { code: nextCode }),
        passwordThen("password + backup code", "/two-factor/verify-backup-code", { code: u.backupCodes[6] }),
        passwordThen("password + backup code", "/two-factor/verify-backup-code", { code: u.backupCodes[7] }),
        (async () => record("pending + totp", await pendingClients[0].post("/two-factor/verify-totp", { code })))(),
        (async () =>
          record("pending + backup code", await pendingClients[1].post("/two-factor/verify-backup-code", { code: u.backupCodes[8] })))(),
        ...trustedClients.map(async (c) => {
          const r = await c.post("/sign-in/email", { email: u.email, password: PASSWORD });
          if (r.status !== 200 || typeof r.body.token !== "string") return;
          // A trust cookie rotated in this answer: the gate allowed on it; otherwise two-factor was off.
          if (r.setCookies.some((l) => l.includes("trust_device=") && !/max-age=0/i.test(l))) record("trusted device", r);
          else passwordOnly.add(r.body.token);
        }),
      ];
      let finished = 0;
      for (const f of flows) void f.then(() => (finished += 1));
      let resetLast = false;
      const reset = (async () => {
        for (let i = 0; i < delay; i++) await Promise.resolve();
        resetLast = finished === flows.length;
        await auth.api.resetTwoFactor({ body: { userId: u.userId } });
        resetDone = true;
      })();
      await Promise.all([reset, ...flows]);

      for (const v of viaFactor) assert.equal(v.afterReset, false, `${v.how} answered with a session after the reset completed`);
      const sessions = await auth.context.store.findMany<Row>("session", [{ field: "userId", value: u.userId }]);
      for (const s of sessions) {
        assert.ok(
          passwordOnly.has(s.token as string),
          `a session survived the reset that no password-only sign-in made (${viaFactor.find((v) => v.token === s.token)?.how ?? "unknown"})`,
        );
      }
      const user = await auth.context.store.findOne<Row>("user", [{ field: "id", value: u.userId }]);
      assert.equal(user?.twoFactorEnabled, false);
      return { granted: viaFactor.length, refused: flows.length - viaFactor.length - passwordOnly.size, resetLast };
    }
  }

  test("the reset landing at every point of the sign-ins: no pre-reset factor yields a session that outlives it", async () => {
    // The delay is counted in microtask turns (the memory store answers on the microtask queue): from
    // a reset that runs before any sign-in has read anything to one that starts after they all ended.
    let mixed = 0;
    let delay = 0;
    for (; delay < 5000; delay += 2) {
      const { granted, refused, resetLast } = await round(delay);
      if (granted > 0 && refused > 0) mixed += 1;
      if (resetLast) break; // every sign-in finished before the reset began
    }
    assert.ok(delay < 5000, "some delay lets every sign-in finish first");
    assert.ok(mixed >= 3, `the reset raced the sign-ins part way in ${mixed} rounds`);
  });
});
