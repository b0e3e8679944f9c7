/**
 * Enforcement (mandatory two-factor): the option's validation, the enrolment-required challenge at
 * sign-in and sign-up, enable / verify-totp / send-otp / verify-otp on that challenge, who the policy
 * covers (boolean, sync and async function, a throwing one), the budgets on the enrolment path, trusted
 * devices from before the policy, and concurrent bursts on one enrolment challenge.
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { memoryAdapter } from "../../src/adapters/memory.js";
import type { Adapter, Store } from "../../src/adapters/types.js";
import type { User } from "../../src/index.js";
import { twoFactor } from "../../src/plugins/two-factor/index.js";
import { init } from "../../src/index.js";
import { FaultController, faultyAdapter } from "../helpers/faulty-store.js";
import { BASE, Client, makeAuth, PASSWORD, SECRET, totpAt, uniqueEmail, wrongTotp, type Reply } from "../helpers/two-factor.js";

type Made = ReturnType<typeof makeAuth>;
const ENROL = (methods: string[]) => ({ twoFactorRedirect: true, twoFactorMethods: methods, twoFactorEnrolmentRequired: true });
const sessionsOf = (made: Made, userId: string) => made.auth.context.store.count("session", [{ field: "userId", value: userId }]);
const userOf = (made: Made, userId: string) => made.auth.context.store.findOne<User>("user", [{ field: "id", value: userId }]);
const idOf = async (made: Made, email: string) =>
  (await made.auth.context.store.findOne<User>("user", [{ field: "email", value: email }]))!.id;
const setsSession = (r: Reply) => r.setCookies.some((l) => /session_token=[^;]+/.test(l) && !/max-age=0/i.test(l));

/** The memory adapter with latency before every operation, so concurrent requests interleave. */
function slowAdapter(ms: number): Adapter {
  const inner = memoryAdapter();
  return {
    name: "slow(memory)",
    bind(schema) {
      const store = inner.bind(schema);
      return new Proxy(store, {
        get(target, prop: keyof Store) {
          const fn = target[prop] as (...args: unknown[]) => Promise<unknown>;
          if (typeof fn !== "function") return fn;
          return async (...args: unknown[]) => {
            await new Promise((r) => setTimeout(r, ms));
            return fn.apply(target, args);
          };
        },
      });
    },
  };
}

/** Sign up under the policy (answered with the enrolment challenge); returns the client holding it. */
async function signUpChallenged(made: Made, email = uniqueEmail("enf")): Promise<{ client: Client; email: string; userId: string }> {
  const client = new Client(made.auth);
  const r = await client.post("/sign-up/email", { name: "E", email, password: PASSWORD });
  assert.equal(r.status, 200, r.text);
  assert.equal(r.body.twoFactorEnrolmentRequired, true, r.text);
  return { client, email, userId: await idOf(made, email) };
}

describe("enforcement option", () => {
  test("enabled must be a boolean or a function; enforcement an object; unknown keys are named", () => {
    const make = (enforcement: unknown) => () => init({ secret: SECRET, baseURL: BASE, plugins: [twoFactor({ enforcement } as never)] });
    assert.throws(make({ enabled: "yes" }), /expected enforcement\.enabled to be a boolean or a function .* got string/);
    assert.throws(make({ enabled: 1 }), /enforcement\.enabled .* got number/);
    assert.throws(make(true), /expected enforcement to be an object \{ enabled \}, got boolean/);
    assert.throws(make(null), /expected enforcement to be an object \{ enabled \}, got null/);
    assert.throws(make({ enable: true }), /unknown option enforcement\.enable \(did you mean "enabled"\?\)/);
    assert.doesNotThrow(make({ enabled: () => true }));
    assert.doesNotThrow(make({}));
    assert.throws(() => twoFactor({ enforcment: { enabled: true } } as never), /did you mean "enforcement"/);
  });

  test("off by default: sign-up and sign-in issue sessions as before", async () => {
    const made = makeAuth();
    const client = new Client(made.auth);
    const email = uniqueEmail();
    const up = await client.post("/sign-up/email", { name: "A", email, password: PASSWORD });
    assert.equal(typeof up.body.token, "string");
    const signIn = await new Client(made.auth).post("/sign-in/email", { email, password: PASSWORD });
    assert.equal(signIn.body.redirect, false);
  });

  test("accepted under advanced['two-factor'], which wins over twoFactor(options)", async () => {
    const on = makeAuth({ advanced: { enforcement: { enabled: true } } });
    const up = await new Client(on.auth).post("/sign-up/email", { name: "A", email: uniqueEmail(), password: PASSWORD });
    assert.deepEqual(up.body, ENROL(["totp", "otp"]));
    const off = makeAuth({ twoFactor: { enforcement: { enabled: true } }, advanced: { enforcement: { enabled: false } } });
    const plain = await new Client(off.auth).post("/sign-up/email", { name: "A", email: uniqueEmail(), password: PASSWORD });
    assert.equal(typeof plain.body.token, "string");
  });
});

describe("the enrolment-required challenge", () => {
  test("sign-in: exact body, status 200, Set-Cookie order, no session row, a marked challenge row", async () => {
    let on = false;
    const made = makeAuth({ twoFactor: { enforcement: { enabled: () => on } } });
    const a = new Client(made.auth);
    const email = uniqueEmail();
    await a.post("/sign-up/email", { name: "A", email, password: PASSWORD, rememberMe: false });
    const userId = await idOf(made, email);
    on = true;
    const r = await a.post("/sign-in/email", { email, password: PASSWORD, rememberMe: false });
    assert.equal(r.status, 200);
    assert.equal(r.text, JSON.stringify(ENROL(["totp", "otp"])));
    assert.deepEqual(
      r.setCookies.map((l) => l.split("=")[0] + (/max-age=0/i.test(l) ? " (expired)" : "")),
      ["better-auth.dont_remember", "better-auth.session_token (expired)", "better-auth.session_data (expired)", "better-auth.two_factor"],
    );
    // Only the sign-up's session (which the sign-in's expired cookie line ends for this browser).
    assert.equal(await sessionsOf(made, userId), 1);
    const rows = await made.auth.context.store.findMany("twoFactorConfirmation", [{ field: "userId", value: userId }]);
    assert.equal(rows.length, 1);
    assert.equal(rows[0].enrolment, true);
  });

  test("methods offered: totp and otp, totp only without sendOtp, otp only with TOTP off", async () => {
    const both = makeAuth({ twoFactor: { enforcement: { enabled: true } } });
    assert.deepEqual((await signUpChallenged(both).then((x) => x.client.log[0])).body, ENROL(["totp", "otp"]));
    const totpOnly = makeAuth({ box: null, twoFactor: { enforcement: { enabled: true } } });
    assert.deepEqual((await signUpChallenged(totpOnly).then((x) => x.client.log[0])).body, ENROL(["totp"]));
    const otpOnly = makeAuth({ twoFactor: { enforcement: { enabled: true }, totpOptions: { disable: true } } });
    assert.deepEqual((await signUpChallenged(otpOnly).then((x) => x.client.log[0])).body, ENROL(["otp"]));
  });

  test("sign-up is covered: no session row; enable + verify-totp on the sign-up challenge yield the session", async () => {
    const made = makeAuth({ twoFactor: { enforcement: { enabled: true } } });
    const { client, userId } = await signUpChallenged(made);
    assert.equal(await sessionsOf(made, userId), 0);
    assert.equal((await client.get("/get-session")).body, null);
    const enabled = await client.post("/two-factor/enable", { password: PASSWORD });
    assert.equal(enabled.status, 200, enabled.text);
    assert.equal(await sessionsOf(made, userId), 0);
    const verified = await client.post("/two-factor/verify-totp", { code: totpAt(enabled.body.totpURI, made.clock) });
    assert.equal(verified.status, 200, verified.text);
    assert.deepEqual(Object.keys(verified.body), ["token", "user"]);
    assert.equal(verified.body.user.twoFactorEnabled, true);
    assert.equal(await sessionsOf(made, userId), 1);
    assert.equal((await client.get("/get-session")).body.session.token, verified.body.token);
    // single use: the challenge is gone
    made.clock.advance(30);
    const again = await new Client(made.auth).post("/two-factor/verify-totp", { code: totpAt(enabled.body.totpURI, made.clock) });
    assert.equal(again.status, 401);
    assert.equal(await made.auth.context.store.count("twoFactorConfirmation", [{ field: "userId", value: userId }]), 0);
  });

  test("enable and verify-totp with trustDevice: the device is trusted afterwards; skipVerificationOnEnable grants nothing on enable", async () => {
    const made = makeAuth({ twoFactor: { enforcement: { enabled: true }, skipVerificationOnEnable: true } });
    const { client, email, userId } = await signUpChallenged(made);
    const enabled = await client.post("/two-factor/enable", { password: PASSWORD });
    assert.equal(enabled.status, 200);
    assert.equal(setsSession(enabled), false);
    assert.equal((await userOf(made, userId))?.twoFactorEnabled, false);
    assert.equal(await sessionsOf(made, userId), 0);
    const verified = await client.post("/two-factor/verify-totp", { code: totpAt(enabled.body.totpURI, made.clock), trustDevice: true });
    assert.equal(verified.status, 200, verified.text);
    await client.post("/sign-out", {});
    const trusted = await client.post("/sign-in/email", { email, password: PASSWORD });
    assert.equal(trusted.body.redirect, false, "the trusted device skips the now normal challenge");
  });

  test("users the policy does not cover are untouched; the policy sees the user; an async policy works", async () => {
    const seen: string[] = [];
    const made = makeAuth({
      twoFactor: {
        enforcement: {
          enabled: async (user) => {
            seen.push(user.email);
            await new Promise((r) => setTimeout(r, 1));
            return user.email.endsWith("@corp.example");
          },
        },
      },
    });
    const outsider = new Client(made.auth);
    const up = await outsider.post("/sign-up/email", { name: "O", email: "out@example.com", password: PASSWORD });
    assert.equal(typeof up.body.token, "string");
    const signIn = await new Client(made.auth).post("/sign-in/email", { email: "out@example.com", password: PASSWORD });
    assert.equal(signIn.body.redirect, false);
    // An outsider's enable still needs a session (no challenge exists for them).
    const insider = await signUpChallenged(made, "in@corp.example");
    assert.deepEqual(insider.client.log[0].body, ENROL(["totp", "otp"]));
    assert.deepEqual(seen, ["out@example.com", "out@example.com", "in@corp.example"]);

    // A covered user who has a factor is challenged normally; the policy is not asked.
    const enabled = await insider.client.post("/two-factor/enable", { password: PASSWORD });
    await insider.client.post("/two-factor/verify-totp", { code: totpAt(enabled.body.totpURI, made.clock) });
    const normal = await new Client(made.auth).post("/sign-in/email", { email: "in@corp.example", password: PASSWORD });
    assert.deepEqual(normal.body, { twoFactorRedirect: true, twoFactorMethods: ["totp", "otp"] });
    assert.equal(seen.length, 4, "asked once more: at enable");
  });

  test("a user the policy does not cover costs no extra store operation at sign-up or sign-in", async () => {
    const count = async (enforcement: { enabled: boolean | ((u: User) => boolean) } | undefined) => {
      const ctl = new FaultController();
      const made = makeAuth({ twoFactor: enforcement ? { enforcement } : {}, options: { database: faultyAdapter(memoryAdapter(), ctl) } });
      const email = uniqueEmail();
      ctl.reset(0);
      await new Client(made.auth).post("/sign-up/email", { name: "N", email, password: PASSWORD });
      const signUpOps = ctl.trace.join(" ");
      ctl.reset(0);
      const r = await new Client(made.auth).post("/sign-in/email", { email, password: PASSWORD });
      assert.equal(r.body.redirect, false);
      return [signUpOps, ctl.trace.join(" ")];
    };
    const off = await count(undefined);
    assert.deepEqual(await count({ enabled: false }), off);
    assert.deepEqual(await count({ enabled: () => false }), off);
  });

  test("a throwing policy, or one answering a non-boolean, fails closed: 500, no session, no challenge", async () => {
    for (const enabled of [
      () => {
        throw new Error("policy backend down");
      },
      async () => "yes" as unknown as boolean,
    ]) {
      const logged: string[] = [];
      const original = console.error;
      console.error = (...args: unknown[]) => void logged.push(args.join(" "));
      try {
        const made = makeAuth({ twoFactor: { enforcement: { enabled } } });
        const client = new Client(made.auth);
        const email = uniqueEmail();
        const r = await client.post("/sign-up/email", { name: "T", email, password: PASSWORD });
        assert.equal(r.status, 500);
        assert.deepEqual(r.body, { message: "Internal server error", code: "INTERNAL_SERVER_ERROR" });
        assert.equal(setsSession(r), false);
        assert.equal(await made.auth.context.store.count("session", []), 0);
        assert.equal(await made.auth.context.store.count("twoFactorConfirmation", []), 0);
        assert.equal(client.cookie("two_factor"), undefined);
        assert.ok(logged.length > 0, "the app's error is logged");
      } finally {
        console.error = original;
      }
    }
  });
});

describe("what the pending challenge may and may not do", () => {
  test("a normal challenge cannot call enable (401), nor can a request with no cookie", async () => {
    const made = makeAuth({ twoFactor: { enforcement: { enabled: true } } });
    const { client, email } = await signUpChallenged(made);
    const enabled = await client.post("/two-factor/enable", { password: PASSWORD });
    await client.post("/two-factor/verify-totp", { code: totpAt(enabled.body.totpURI, made.clock) });
    const b = new Client(made.auth);
    const normal = await b.post("/sign-in/email", { email, password: PASSWORD });
    assert.deepEqual(normal.body, { twoFactorRedirect: true, twoFactorMethods: ["totp", "otp"] });
    const refused = await b.post("/two-factor/enable", { password: PASSWORD });
    assert.equal(refused.status, 401);
    assert.equal(refused.body.code, "UNAUTHORIZED");
    const none = await new Client(made.auth).post("/two-factor/enable", { password: PASSWORD });
    assert.equal(none.status, 401);
  });

  test("enable on a pending enrolment challenge of a user the policy no longer covers: 401", async () => {
    const covered = new Set<string>();
    const made = makeAuth({ twoFactor: { enforcement: { enabled: (u) => covered.has(u.email) } } });
    const email = uniqueEmail();
    covered.add(email);
    const { client } = await signUpChallenged(made, email);
    covered.delete(email);
    const r = await client.post("/two-factor/enable", { password: PASSWORD });
    assert.equal(r.status, 401);
    assert.equal(r.body.code, "UNAUTHORIZED");
  });

  test("enable checks the challenged user's password; a backup code from the enrolment does not finish it", async () => {
    const made = makeAuth({ twoFactor: { enforcement: { enabled: true } } });
    const { client, userId } = await signUpChallenged(made);
    assert.equal((await client.post("/two-factor/enable", { password: "wrong-password-1" })).body.code, "INVALID_PASSWORD");
    const enabled = await client.post("/two-factor/enable", { password: PASSWORD });
    const backup = await client.post("/two-factor/verify-backup-code", { code: enabled.body.backupCodes[0] });
    assert.equal(backup.status, 400);
    assert.equal(backup.body.code, "BACKUP_CODES_NOT_ENABLED");
    const disableSession = await client.post("/two-factor/verify-backup-code", { code: enabled.body.backupCodes[0], disableSession: true });
    assert.equal(disableSession.body.code, "BACKUP_CODES_NOT_ENABLED");
    assert.equal(await sessionsOf(made, userId), 0);
    assert.equal((await userOf(made, userId))?.twoFactorEnabled, false);
  });

  test("maxChallengeAttempts holds on the enrolment path: after 5 wrong codes the right one is refused", async () => {
    const made = makeAuth({ twoFactor: { enforcement: { enabled: true } } });
    const { client, userId } = await signUpChallenged(made);
    const { totpURI } = (await client.post("/two-factor/enable", { password: PASSWORD })).body;
    for (let i = 0; i < 5; i++) {
      const r = await client.post("/two-factor/verify-totp", { code: wrongTotp(totpURI, made.clock) });
      assert.equal(r.body.code, "INVALID_CODE");
    }
    const last = await client.post("/two-factor/verify-totp", { code: totpAt(totpURI, made.clock) });
    assert.equal(last.body.code, "TOO_MANY_ATTEMPTS_REQUEST_NEW_CODE");
    assert.equal(await sessionsOf(made, userId), 0);
    assert.equal((await userOf(made, userId))?.twoFactorEnabled, false);
  });

  test("the account lockout holds on the enrolment path (TOTP and OTP)", async () => {
    const made = makeAuth({
      twoFactor: { enforcement: { enabled: true }, maxChallengeAttempts: 50, accountLockout: { maxFailedAttempts: 3 } },
      advanced: { otpOptions: { allowedAttempts: 50 } },
    });
    const { client, email, userId } = await signUpChallenged(made);
    const { totpURI } = (await client.post("/two-factor/enable", { password: PASSWORD })).body;
    for (let i = 0; i < 3; i++) await client.post("/two-factor/verify-totp", { code: wrongTotp(totpURI, made.clock) });
    const locked = await client.post("/two-factor/verify-totp", { code: totpAt(totpURI, made.clock) });
    assert.equal(locked.status, 429);
    assert.equal(locked.body.code, "ACCOUNT_TEMPORARILY_LOCKED");
    // OTP on a fresh enrolment challenge: the same lock.
    const b = new Client(made.auth);
    await b.post("/sign-in/email", { email, password: PASSWORD });
    assert.equal((await b.post("/two-factor/send-otp", {})).status, 429);
    assert.equal(await sessionsOf(made, userId), 0);
  });

  test("OTP: send-otp then verify-otp confirms an OTP factor and issues the session; later sign-ins offer otp", async () => {
    const made = makeAuth({ twoFactor: { enforcement: { enabled: true }, totpOptions: { disable: true } } });
    const { client, email, userId } = await signUpChallenged(made);
    assert.equal((await client.post("/two-factor/send-otp", {})).status, 200);
    const wrong = made.box.last() === "000000" ? "111111" : "000000";
    assert.equal((await client.post("/two-factor/verify-otp", { code: wrong })).body.code, "INVALID_CODE");
    const verified = await client.post("/two-factor/verify-otp", { code: made.box.last() });
    assert.equal(verified.status, 200, verified.text);
    assert.equal(verified.body.user.twoFactorEnabled, true);
    const user = await userOf(made, userId);
    assert.equal(user?.twoFactorEnabled, true);
    assert.equal(typeof (user as User & { twoFactorGeneration?: unknown }).twoFactorGeneration, "string", "a new factor generation");
    const later = await new Client(made.auth).post("/sign-in/email", { email, password: PASSWORD });
    assert.deepEqual(later.body, { twoFactorRedirect: true, twoFactorMethods: ["otp"] });
  });

  test("enrolment ends the user's sessions from before the policy (revokeOtherSessions); false keeps them", async () => {
    for (const revoke of [true, false]) {
      let on = false;
      const made = makeAuth({ twoFactor: { enforcement: { enabled: () => on }, revokeOtherSessions: revoke } });
      const old = new Client(made.auth);
      const email = uniqueEmail();
      await old.post("/sign-up/email", { name: "O", email, password: PASSWORD });
      on = true;
      const b = new Client(made.auth);
      assert.equal((await b.post("/sign-in/email", { email, password: PASSWORD })).body.twoFactorEnrolmentRequired, true);
      const { totpURI } = (await b.post("/two-factor/enable", { password: PASSWORD })).body;
      assert.equal((await b.post("/two-factor/verify-totp", { code: totpAt(totpURI, made.clock) })).status, 200);
      const oldSession = (await old.get("/get-session")).body;
      if (revoke) assert.equal(oldSession, null);
      else assert.equal(oldSession.user.email, email);
    }
  });
});

describe("trusted devices and the policy", () => {
  test("a trust_device cookie from before the policy (2FA since disabled) does not let the user through", async () => {
    let on = false;
    const made = makeAuth({ twoFactor: { enforcement: { enabled: () => on } } });
    const a = new Client(made.auth);
    const email = uniqueEmail();
    await a.post("/sign-up/email", { name: "T", email, password: PASSWORD });
    const userId = await idOf(made, email);
    const { totpURI } = (await a.post("/two-factor/enable", { password: PASSWORD })).body;
    await a.post("/two-factor/verify-totp", { code: totpAt(totpURI, made.clock) });
    await a.post("/sign-out", {});
    made.clock.advance(30);
    await a.post("/sign-in/email", { email, password: PASSWORD });
    assert.equal((await a.post("/two-factor/verify-totp", { code: totpAt(totpURI, made.clock), trustDevice: true })).status, 200);
    const trust = a.cookie("trust_device");
    assert.ok(trust);
    assert.equal((await a.post("/two-factor/disable", { password: PASSWORD })).status, 200);
    await a.post("/sign-out", {});

    on = true;
    const replay = new Client(made.auth);
    replay.jar.set("better-auth.trust_device", trust);
    const r = await replay.post("/sign-in/email", { email, password: PASSWORD });
    assert.deepEqual(r.body, ENROL(["totp", "otp"]));
    assert.equal(setsSession(r), false);
    assert.equal(await sessionsOf(made, userId), 0);
  });

  test("a factor removed without a new generation: the old trusted device neither skips enrolment nor survives it", async () => {
    let on = false;
    const made = makeAuth({ twoFactor: { enforcement: { enabled: () => on } } });
    const a = new Client(made.auth);
    const email = uniqueEmail();
    await a.post("/sign-up/email", { name: "T", email, password: PASSWORD });
    const userId = await idOf(made, email);
    const first = (await a.post("/two-factor/enable", { password: PASSWORD })).body.totpURI;
    await a.post("/two-factor/verify-totp", { code: totpAt(first, made.clock) });
    await a.post("/sign-out", {});
    made.clock.advance(30);
    await a.post("/sign-in/email", { email, password: PASSWORD });
    await a.post("/two-factor/verify-totp", { code: totpAt(first, made.clock), trustDevice: true });
    const trust = a.cookie("trust_device")!;
    await a.post("/sign-out", {});
    // The flag cleared and the factor deleted behind the plugin's back (an operator's script).
    await made.auth.context.store.update("user", [{ field: "id", value: userId }], { twoFactorEnabled: false });
    await made.auth.context.store.deleteMany("twoFactor", [{ field: "userId", value: userId }]);

    on = true;
    const b = new Client(made.auth);
    b.jar.set("better-auth.trust_device", trust);
    const r = await b.post("/sign-in/email", { email, password: PASSWORD });
    assert.deepEqual(r.body, ENROL(["totp", "otp"]));
    const { totpURI } = (await b.post("/two-factor/enable", { password: PASSWORD })).body;
    made.clock.advance(30);
    assert.equal((await b.post("/two-factor/verify-totp", { code: totpAt(totpURI, made.clock) })).status, 200);
    assert.equal(await made.auth.context.store.count("twoFactorTrustedDevice", [{ field: "userId", value: userId }]), 0);
    const c = new Client(made.auth);
    c.jar.set("better-auth.trust_device", trust);
    const later = await c.post("/sign-in/email", { email, password: PASSWORD });
    assert.deepEqual(later.body, { twoFactorRedirect: true, twoFactorMethods: ["totp", "otp"] }, "the old device is not trusted");
  });
});

describe("concurrent bursts on one enrolment challenge", () => {
  const burstAuth = () => makeAuth({ twoFactor: { enforcement: { enabled: true } }, options: { database: slowAdapter(2) } });

  test("20 concurrent verify-totp with the right code: one session", async () => {
    const made = burstAuth();
    const { client, userId } = await signUpChallenged(made);
    const { totpURI } = (await client.post("/two-factor/enable", { password: PASSWORD })).body;
    const code = totpAt(totpURI, made.clock);
    const replies = await Promise.all(Array.from({ length: 20 }, () => client.clone().post("/two-factor/verify-totp", { code })));
    assert.equal(replies.filter((r) => r.status === 200).length, 1);
    assert.ok(
      replies.every((r) => r.status < 500),
      replies.map((r) => r.status).join(),
    );
    assert.equal(await sessionsOf(made, userId), 1);
    assert.equal((await userOf(made, userId))?.twoFactorEnabled, true);
  });

  test("enable and verify-totp interleaved: at most one session, one confirmed factor, and the factor is the one a code proved", async () => {
    for (let round = 0; round < 4; round++) {
      const made = burstAuth();
      const { client, email, userId } = await signUpChallenged(made);
      const { totpURI } = (await client.post("/two-factor/enable", { password: PASSWORD })).body;
      const code = totpAt(totpURI, made.clock);
      const calls = Array.from({ length: 12 }, (_, i) =>
        i % 2 === round % 2
          ? client.clone().post("/two-factor/enable", { password: PASSWORD })
          : client.clone().post("/two-factor/verify-totp", { code }),
      );
      const replies = await Promise.all(calls);
      assert.ok(
        replies.every((r) => r.status < 500),
        replies.map((r) => `${r.status} ${r.body?.code ?? ""}`).join(),
      );
      const sessions = replies.filter((r) => r.status === 200 && typeof r.body.token === "string");
      assert.ok(sessions.length <= 1, `${sessions.length} sessions`);
      assert.equal(await sessionsOf(made, userId), sessions.length);
      const rows = await made.auth.context.store.findMany("twoFactor", [{ field: "userId", value: userId }]);
      assert.equal(rows.length, 1);
      const user = await userOf(made, userId);
      if (sessions.length === 1) {
        assert.equal(user?.twoFactorEnabled, true);
        assert.equal(rows[0].verified, true);
        // The confirmed secret is the one the winning code was computed from.
        made.clock.advance(30);
        const c = new Client(made.auth);
        await c.post("/sign-in/email", { email, password: PASSWORD });
        assert.equal((await c.post("/two-factor/verify-totp", { code: totpAt(totpURI, made.clock) })).status, 200);
      } else {
        assert.equal(user?.twoFactorEnabled, false);
      }
    }
  });

  test("verify-totp and verify-otp racing on one enrolment challenge: one session", async () => {
    const made = burstAuth();
    const { client, userId } = await signUpChallenged(made);
    const { totpURI } = (await client.post("/two-factor/enable", { password: PASSWORD })).body;
    await client.post("/two-factor/send-otp", {});
    const otp = made.box.last();
    const code = totpAt(totpURI, made.clock);
    const replies = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        i % 2 ? client.clone().post("/two-factor/verify-otp", { code: otp }) : client.clone().post("/two-factor/verify-totp", { code }),
      ),
    );
    assert.equal(replies.filter((r) => r.status === 200).length, 1, replies.map((r) => `${r.status} ${r.body?.code ?? ""}`).join());
    assert.equal(await sessionsOf(made, userId), 1);
    assert.equal((await userOf(made, userId))?.twoFactorEnabled, true);
  });

  test("a burst of wrong codes on the enrolment challenge gets at most maxChallengeAttempts comparisons", async () => {
    const made = burstAuth();
    const { client, userId } = await signUpChallenged(made);
    const { totpURI } = (await client.post("/two-factor/enable", { password: PASSWORD })).body;
    const wrong = wrongTotp(totpURI, made.clock);
    const replies = await Promise.all(Array.from({ length: 15 }, () => client.clone().post("/two-factor/verify-totp", { code: wrong })));
    assert.ok(replies.filter((r) => r.body?.code === "INVALID_CODE").length <= 5);
    assert.equal(await sessionsOf(made, userId), 0);
  });
});
