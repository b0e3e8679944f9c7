/**
 * Fault injection: every multi-step flow is run once per store operation it performs, with that
 * operation failing, in both failure modes of test/helpers/faulty-store.ts ("before": nothing written;
 * "after": written, then the error). After each run:
 * - the request answered (no hang: a timeout guards it) a 4xx or 5xx with a well-formed JSON body,
 *   or a well-formed 2xx when the failure was absorbed;
 * - the store invariants hold (twoFactorEnabled implies a verified factor; nothing points at a missing
 *   user), plus the flow's own: no session without a passed second factor, no session left behind by a
 *   failed request, a backup code is either spent together with a session or not spent, a user row
 *   always has its credential account, a challenged sign-in never delivers a session cookie;
 * - a retry without the fault reaches the flow's goal (from the same client when its cookies still
 *   work, else by signing in again, as a user would).
 *
 * Exhaustive over steps: the number of operations comes from a clean run of the same flow.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { memoryAdapter } from "../../src/adapters/memory.js";
import { Client, type Reply } from "../helpers/client.js";
import { Clock } from "../helpers/clock.js";
import { secretFromUri, totpOfKey } from "../helpers/two-factor.js";
import { createHarness, PASSWORD, snapshot, START, violations, type Harness } from "../fuzz/harness.js";
import { FaultController, faultyAdapter, type FaultMode, faultAnswerProblem, withTimeout } from "../helpers/faulty-store.js";

const EMAIL = "user@faults.test";

interface World {
  h: Harness;
  ctl: FaultController;
  client: Client;
  userId: string;
  key: Uint8Array | null;
  backupCodes: string[];
  /** Anything set-up wants to hand to check/retry. */
  memo: Record<string, number>;
}

interface Flow {
  name: string;
  /** Run with otpOptions.sendOtp configured (the OTP method on). */
  otp?: boolean;
  setup(w: World): Promise<void>;
  act(w: World): Promise<Reply>;
  /** Flow-specific violations after the faulty request. */
  check(w: World, answer: Reply): Promise<string[]>;
  /** Reach the flow's goal without faults; throws when it cannot. */
  retry(w: World): Promise<void>;
}

const logs: string[] = [];
const consoleError = console.error;
before(() => {
  console.error = (...args: unknown[]) => void logs.push(args.map(String).join(" ").slice(0, 200));
});
after(() => {
  console.error = consoleError;
});

function newWorld(otp = false): World {
  const ctl = new FaultController();
  const h = createHarness({ otp, adapter: faultyAdapter(memoryAdapter(), ctl), clock: new Clock(START) });
  ctl.enabled = false;
  return { h, ctl, client: new Client(h.auth.handler), userId: "", key: null, backupCodes: [], memo: {} };
}

// ---- helpers (always run with faults off) ----

async function signUp(w: World): Promise<void> {
  const json = await w.client.expect(200, {
    method: "POST",
    path: "/sign-up/email",
    body: { name: "F", email: EMAIL, password: PASSWORD },
  });
  w.userId = json.user.id;
}

async function enrol(w: World): Promise<void> {
  const enabled = await w.client.expect(200, { method: "POST", path: "/two-factor/enable", body: { password: PASSWORD } });
  w.key = secretFromUri(enabled.totpURI);
  w.backupCodes = enabled.backupCodes;
  w.h.clock.advance(30);
  await w.client.expect(200, { method: "POST", path: "/two-factor/verify-totp", body: { code: totpOfKey(w.key, w.h.clock.ms) } });
}

async function signInChallenged(w: World, client = w.client): Promise<void> {
  client.jar.clear();
  const json = await client.expect(200, { method: "POST", path: "/sign-in/email", body: { email: EMAIL, password: PASSWORD } });
  assert.equal(json.twoFactorRedirect, true, "a 2FA user's sign-in is challenged");
}

/** Signs in (passing TOTP when challenged) and returns a client with a live session. */
async function freshSession(w: World): Promise<Client> {
  const c = new Client(w.h.auth.handler);
  const json = await c.expect(200, { method: "POST", path: "/sign-in/email", body: { email: EMAIL, password: PASSWORD } });
  if (json.twoFactorRedirect === true) {
    assert.ok(w.key, "challenged without a known key");
    w.h.clock.advance(30);
    await c.expect(200, { method: "POST", path: "/two-factor/verify-totp", body: { code: totpOfKey(w.key, w.h.clock.ms) } });
  }
  return c;
}

/**
 * A retry's password-confirmed call: on the flow's client, or on a fresh sign-in when the failed
 * request cost that client its session (401).
 */
async function withPassword(w: World, path: string): Promise<{ client: Client; reply: Reply }> {
  const reply = await w.client.call({ method: "POST", path, body: { password: PASSWORD } });
  if (reply.status !== 401) return { client: w.client, reply };
  const client = await freshSession(w);
  return { client, reply: await client.call({ method: "POST", path, body: { password: PASSWORD } }) };
}

/** A TOTP user holding a session of its own (a fresh sign-in, second factor passed). */
async function signedInUser(w: World): Promise<void> {
  await signUp(w);
  await enrol(w);
  w.client = await freshSession(w);
}

/** A user with a second factor (TOTP enrolled, or the OTP method enabled) in the middle of a challenged sign-in. */
async function challengedUser(w: World, method: "totp" | "otp" = "totp"): Promise<void> {
  await signUp(w);
  if (method === "totp") await enrol(w);
  else await w.client.expect(200, { method: "POST", path: "/two-factor/enable", body: { password: PASSWORD, method: "otp" } });
  await w.client.expect(200, { method: "POST", path: "/sign-out", body: {} });
  await signInChallenged(w);
}

async function sessionsOf(w: World): Promise<number> {
  return (await snapshot(w.h.store)).sessions.filter((s) => s.userId === w.userId).length;
}

async function unusedBackupCodes(w: World): Promise<number> {
  const snap = await snapshot(w.h.store);
  const row = snap.twoFactor.find((r) => r.userId === w.userId);
  if (!row) return 0;
  return snap.backupCodes.filter(
    (c) => c.userId === w.userId && c.generation === row.backupCodes && (c.usedAt === null || c.usedAt === undefined),
  ).length;
}

async function userRow(w: World) {
  return (await snapshot(w.h.store)).users.find((u) => u.email === EMAIL) ?? null;
}

/** A session_token Set-Cookie line that sets (not expires) the cookie. */
const setsSession = (a: Reply) => a.setCookies.some((l) => /session_token=[^;]+/.test(l) && !/max-age=0/i.test(l));

// ---- the flows ----

const flows: Flow[] = [
  {
    name: "sign-up",
    async setup() {},
    act: (w) =>
      w.client.call({
        method: "POST",
        path: "/sign-up/email",
        body: { name: "F", email: EMAIL, password: PASSWORD, username: "faultuser", phoneNumber: "+15555550123" },
      }),
    async check(w, a) {
      const out: string[] = [];
      const snap = await snapshot(w.h.store);
      const user = snap.users.find((u) => u.email === EMAIL);
      if (user) {
        w.userId = user.id;
        // accounts are not in the snapshot: ask the store directly
        const account = await w.h.store.findOne("account", [{ field: "userId", value: user.id }]);
        if (!account) out.push("user row left without its credential account (cannot sign in, cannot sign up again)");
      }
      if (a.status === 200 && !user) out.push("200 but no user row");
      return out;
    },
    async retry(w) {
      const c = new Client(w.h.auth.handler);
      const a = await c.call({
        method: "POST",
        path: "/sign-up/email",
        body: { name: "F", email: EMAIL, password: PASSWORD, username: "faultuser", phoneNumber: "+15555550123" },
      });
      if (a.status === 200) return;
      // The account already exists (422 email, or 400 username taken, checked first): signing in must work.
      assert.ok(a.status === 422 || a.body?.code === "USERNAME_IS_ALREADY_TAKEN", `sign-up retry answered ${a.status} ${a.text}`);
      const s = await c.call({ method: "POST", path: "/sign-in/email", body: { email: EMAIL, password: PASSWORD } });
      assert.equal(s.status, 200, `user exists but sign-in answered ${s.status} ${s.text}`);
    },
  },
  {
    name: "enable",
    setup: signUp,
    act: (w) => w.client.call({ method: "POST", path: "/two-factor/enable", body: { password: PASSWORD } }),
    async check(w) {
      const user = await userRow(w);
      return user?.twoFactorEnabled === true ? ["enable (without verification) turned twoFactorEnabled on"] : [];
    },
    async retry(w) {
      const { client: c, reply: a } = await withPassword(w, "/two-factor/enable");
      assert.equal(a.status, 200, `enable retry: ${a.status} ${a.text}`);
      w.key = secretFromUri(a.body.totpURI);
      w.h.clock.advance(30);
      await c.expect(200, { method: "POST", path: "/two-factor/verify-totp", body: { code: totpOfKey(w.key, w.h.clock.ms) } });
      await signInChallenged(w, new Client(w.h.auth.handler));
    },
  },
  {
    name: "verify-totp (enrolment on a session)",
    async setup(w) {
      await signUp(w);
      const enabled = await w.client.expect(200, { method: "POST", path: "/two-factor/enable", body: { password: PASSWORD } });
      w.key = secretFromUri(enabled.totpURI);
      w.h.clock.advance(30);
    },
    act: (w) => w.client.call({ method: "POST", path: "/two-factor/verify-totp", body: { code: totpOfKey(w.key!, w.h.clock.ms) } }),
    async check(w, a) {
      const user = await userRow(w);
      if (a.status === 200 && user?.twoFactorEnabled !== true) return ["200 but twoFactorEnabled is still false"];
      return [];
    },
    async retry(w) {
      w.h.clock.advance(30);
      let a = await w.client.call({ method: "POST", path: "/two-factor/verify-totp", body: { code: totpOfKey(w.key!, w.h.clock.ms) } });
      if (a.status !== 200) {
        const c = await freshSession(w); // passes the challenge if enrolment already took effect
        w.h.clock.advance(30);
        a = await c.call({ method: "POST", path: "/two-factor/verify-totp", body: { code: totpOfKey(w.key!, w.h.clock.ms) } });
      }
      assert.equal(a.status, 200, `verify retry: ${a.status} ${a.text}`);
      assert.equal((await userRow(w))?.twoFactorEnabled, true);
      await signInChallenged(w, new Client(w.h.auth.handler));
    },
  },
  {
    name: "sign-in (challenge)",
    async setup(w) {
      await signUp(w);
      await enrol(w);
      await w.client.expect(200, { method: "POST", path: "/sign-out", body: {} });
      w.client.jar.clear();
    },
    act: (w) => w.client.call({ method: "POST", path: "/sign-in/email", body: { email: EMAIL, password: PASSWORD } }),
    async check(w, a) {
      const out: string[] = [];
      const n = await sessionsOf(w);
      if (n > 0) out.push(`a 2FA user's sign-in left ${n} session row(s) without a passed second factor (status ${a.status})`);
      if (setsSession(a)) out.push(`a 2FA user's sign-in delivered a session cookie (status ${a.status})`);
      if (a.status === 200 && a.body?.twoFactorRedirect !== true) out.push(`200 without twoFactorRedirect: ${a.text.slice(0, 120)}`);
      return out;
    },
    async retry(w) {
      await signInChallenged(w);
      w.h.clock.advance(30);
      const a = await w.client.call({ method: "POST", path: "/two-factor/verify-totp", body: { code: totpOfKey(w.key!, w.h.clock.ms) } });
      assert.ok(a.status === 200 && setsSession(a), `verify after the retried sign-in: ${a.status} ${a.text}`);
    },
  },
  {
    name: "verify-totp (challenge -> session)",
    async setup(w) {
      await challengedUser(w);
      w.h.clock.advance(30);
    },
    act: (w) => w.client.call({ method: "POST", path: "/two-factor/verify-totp", body: { code: totpOfKey(w.key!, w.h.clock.ms) } }),
    async check(w, a) {
      const n = await sessionsOf(w);
      if (a.status === 200) return n === 1 && setsSession(a) ? [] : [`200 but ${n} session(s), cookie set: ${setsSession(a)}`];
      const out = n === 0 ? [] : [`failed verification (status ${a.status}) left ${n} session row(s) behind`];
      if (setsSession(a)) out.push(`failed verification (status ${a.status}) delivered a session cookie`);
      return out;
    },
    async retry(w) {
      w.h.clock.advance(30);
      let a = await w.client.call({ method: "POST", path: "/two-factor/verify-totp", body: { code: totpOfKey(w.key!, w.h.clock.ms) } });
      if (a.status === 401 && a.body?.code === "INVALID_TWO_FACTOR_COOKIE") {
        await signInChallenged(w);
        w.h.clock.advance(30);
        a = await w.client.call({ method: "POST", path: "/two-factor/verify-totp", body: { code: totpOfKey(w.key!, w.h.clock.ms) } });
      }
      assert.equal(a.status, 200, `verify retry: ${a.status} ${a.text}`);
    },
  },
  {
    name: "verify-backup-code (challenge -> session)",
    async setup(w) {
      await challengedUser(w);
      w.memo.unused = await unusedBackupCodes(w);
    },
    act: (w) => w.client.call({ method: "POST", path: "/two-factor/verify-backup-code", body: { code: w.backupCodes[0] } }),
    async check(w, a) {
      const out: string[] = [];
      const spent = w.memo.unused - (await unusedBackupCodes(w));
      const n = await sessionsOf(w);
      if (spent > 1) out.push(`${spent} backup codes spent by one request`);
      if (spent === 1 && n === 0) out.push(`backup code spent without a session (status ${a.status}): the user lost a code`);
      if (spent === 1 && n > 0 && a.status !== 200)
        out.push(`backup code spent and a session row made, but the request failed (status ${a.status}): the cookie was never delivered`);
      if (spent === 0 && n > 0) out.push(`session created (status ${a.status}) without spending the backup code`);
      if (a.status === 200 && !(spent === 1 && n === 1 && setsSession(a))) out.push(`200 but spent=${spent} sessions=${n}`);
      return out;
    },
    async retry(w) {
      const codes = [...w.backupCodes];
      let a = await w.client.call({ method: "POST", path: "/two-factor/verify-backup-code", body: { code: codes[0] } });
      if (a.status === 401 && a.body?.code === "INVALID_BACKUP_CODE")
        a = await w.client.call({ method: "POST", path: "/two-factor/verify-backup-code", body: { code: codes[1] } });
      if (a.status === 401 && a.body?.code === "INVALID_TWO_FACTOR_COOKIE") {
        await signInChallenged(w);
        a = await w.client.call({ method: "POST", path: "/two-factor/verify-backup-code", body: { code: codes[1] } });
      }
      assert.equal(a.status, 200, `backup-code retry: ${a.status} ${a.text}`);
    },
  },
  {
    name: "verify-totp (challenge, trustDevice)",
    async setup(w) {
      await challengedUser(w);
      w.h.clock.advance(30);
    },
    act: (w) =>
      w.client.call({
        method: "POST",
        path: "/two-factor/verify-totp",
        body: { code: totpOfKey(w.key!, w.h.clock.ms), trustDevice: true },
      }),
    async check(w, a) {
      const n = await sessionsOf(w);
      const trusts = a.setCookies.some((l) => /trust_device=[^;]+/.test(l) && !/max-age=0/i.test(l));
      if (a.status === 200)
        return n === 1 && setsSession(a) && trusts ? [] : [`200 but sessions=${n} session cookie=${setsSession(a)} trust cookie=${trusts}`];
      const out = n === 0 ? [] : [`failed verification (status ${a.status}) left ${n} session row(s) behind`];
      if (setsSession(a) || trusts) out.push(`failed verification (status ${a.status}) delivered a session or trust cookie`);
      return out;
    },
    async retry(w) {
      w.h.clock.advance(30);
      let a = await w.client.call({
        method: "POST",
        path: "/two-factor/verify-totp",
        body: { code: totpOfKey(w.key!, w.h.clock.ms), trustDevice: true },
      });
      if (a.status === 401 && a.body?.code === "INVALID_TWO_FACTOR_COOKIE") {
        await signInChallenged(w);
        w.h.clock.advance(30);
        a = await w.client.call({
          method: "POST",
          path: "/two-factor/verify-totp",
          body: { code: totpOfKey(w.key!, w.h.clock.ms), trustDevice: true },
        });
      }
      assert.equal(a.status, 200, `verify retry: ${a.status} ${a.text}`);
      // The trusted device now skips the challenge.
      const trust = w.client.cookiePair("trust_device");
      assert.ok(trust, "trust_device cookie set");
      const c = new Client(w.h.auth.handler);
      const s = await c.expect(200, { method: "POST", path: "/sign-in/email", body: { email: EMAIL, password: PASSWORD }, cookie: trust });
      assert.notEqual(s.twoFactorRedirect, true, "a trusted device signs in without a challenge");
    },
  },
  {
    name: "send-otp (challenge)",
    otp: true,
    async setup(w) {
      await challengedUser(w, "otp");
    },
    act: (w) => w.client.call({ method: "POST", path: "/two-factor/send-otp", body: {} }),
    async check(w, a) {
      const n = await sessionsOf(w);
      return n === 0 ? [] : [`send-otp (status ${a.status}) left ${n} session(s)`];
    },
    async retry(w) {
      w.h.outbox.clear();
      await w.client.expect(200, { method: "POST", path: "/two-factor/send-otp", body: {} });
      const a = await w.client.call({ method: "POST", path: "/two-factor/verify-otp", body: { code: w.h.outbox.get(w.userId) } });
      assert.ok(a.status === 200 && setsSession(a), `verify-otp after a retried send: ${a.status} ${a.text}`);
    },
  },
  {
    name: "verify-otp (challenge -> session)",
    otp: true,
    async setup(w) {
      await challengedUser(w, "otp");
      await w.client.expect(200, { method: "POST", path: "/two-factor/send-otp", body: {} });
    },
    act: (w) => w.client.call({ method: "POST", path: "/two-factor/verify-otp", body: { code: w.h.outbox.get(w.userId) } }),
    async check(w, a) {
      const n = await sessionsOf(w);
      if (a.status === 200) return n === 1 && setsSession(a) ? [] : [`200 but ${n} session(s), cookie set: ${setsSession(a)}`];
      const out = n === 0 ? [] : [`failed verification (status ${a.status}) left ${n} session row(s) behind`];
      if (setsSession(a)) out.push(`failed verification (status ${a.status}) delivered a session cookie`);
      return out;
    },
    async retry(w) {
      let a = await w.client.call({ method: "POST", path: "/two-factor/verify-otp", body: { code: w.h.outbox.get(w.userId) } });
      if (a.status !== 200) {
        // The code may be gone with the failed request (consumed, or its budget spent): ask for a new one,
        // and if the challenge itself is gone, sign in again first.
        let send = await w.client.call({ method: "POST", path: "/two-factor/send-otp", body: {} });
        if (send.status === 401) {
          await signInChallenged(w);
          send = await w.client.call({ method: "POST", path: "/two-factor/send-otp", body: {} });
        }
        assert.equal(send.status, 200, `send-otp on retry: ${send.status} ${send.text}`);
        a = await w.client.call({ method: "POST", path: "/two-factor/verify-otp", body: { code: w.h.outbox.get(w.userId) } });
      }
      assert.ok(a.status === 200 && setsSession(a), `verify-otp retry: ${a.status} ${a.text}`);
    },
  },
  {
    name: "generate-backup-codes",
    setup: signedInUser,
    act: (w) => w.client.call({ method: "POST", path: "/two-factor/generate-backup-codes", body: { password: PASSWORD } }),
    async check(w, a) {
      const unused = await unusedBackupCodes(w);
      if (unused !== 10) return [`after generate (status ${a.status}) the current set holds ${unused} unused codes, not 10`];
      return [];
    },
    async retry(w) {
      const { reply: a } = await withPassword(w, "/two-factor/generate-backup-codes");
      assert.equal(a.status, 200, `generate retry: ${a.status} ${a.text}`);
      await signInChallenged(w);
      await w.client.expect(200, { method: "POST", path: "/two-factor/verify-backup-code", body: { code: a.body.backupCodes[0] } });
    },
  },
  {
    name: "disable",
    setup: signedInUser,
    act: (w) => w.client.call({ method: "POST", path: "/two-factor/disable", body: { password: PASSWORD } }),
    async check(w, a) {
      const user = await userRow(w);
      const snap = await snapshot(w.h.store);
      const row = snap.twoFactor.find((r) => r.userId === w.userId);
      if (a.status === 200 && (user?.twoFactorEnabled === true || row))
        return [`200 but twoFactorEnabled=${user?.twoFactorEnabled} row=${row ? "present" : "gone"}`];
      return [];
    },
    async retry(w) {
      const { reply: a } = await withPassword(w, "/two-factor/disable");
      assert.equal(a.status, 200, `disable retry: ${a.status} ${a.text}`);
      const c = new Client(w.h.auth.handler);
      const s = await c.expect(200, { method: "POST", path: "/sign-in/email", body: { email: EMAIL, password: PASSWORD } });
      assert.notEqual(s.twoFactorRedirect, true, "after disable, sign-in is not challenged");
    },
  },
];

let injectedTotal = 0;
const summary: string[] = [];

describe("fault injection: one failing store operation per step, every flow", () => {
  after(() => {
    consoleError(`faults: injected ${injectedTotal} faults across ${flows.length} flows (core logged ${logs.length} errors)`);
    for (const line of summary) consoleError(`  ${line}`);
  });

  for (const flow of flows) {
    test(flow.name, { timeout: 120_000 }, async () => {
      // Clean run: how many store operations the request performs, and that the flow works at all.
      const clean = newWorld(flow.otp === true);
      await flow.setup(clean);
      clean.ctl.reset(0);
      const ok = await withTimeout(flow.act(clean), `${flow.name} (clean)`);
      const steps = clean.ctl.ops;
      const trace = [...clean.ctl.trace];
      clean.ctl.enabled = false;
      assert.equal(ok.status, 200, `${flow.name} without faults: ${ok.status} ${ok.text}`);
      assert.deepEqual(await flow.check(clean, ok), [], "flow checks hold without faults");
      assert.ok(steps > 0, "the flow touches the store");

      const problems: string[] = [];
      const statuses = new Map<number, number>();
      for (let step = 1; step <= steps; step++) {
        for (const mode of ["before", "after"] as FaultMode[]) {
          const w = newWorld(flow.otp === true);
          await flow.setup(w);
          w.ctl.reset(step, mode);
          const where = `step ${step}/${steps} ${trace[step - 1]} fails ${mode}`;
          let answer: Reply;
          try {
            answer = await withTimeout(flow.act(w), where);
          } catch (e) {
            problems.push(`${where}: request threw or hung: ${(e as Error).message}`);
            continue;
          } finally {
            w.ctl.enabled = false;
          }
          injectedTotal += w.ctl.injected.length;
          statuses.set(answer.status, (statuses.get(answer.status) ?? 0) + 1);
          if (w.ctl.injected.length !== 1) problems.push(`${where}: expected one injected fault, got ${w.ctl.injected.length}`);
          const bad = faultAnswerProblem(answer);
          if (bad) problems.push(`${where}: malformed answer: ${bad}`);
          for (const v of violations(await snapshot(w.h.store), { otp: flow.otp === true })) problems.push(`${where}: invariant: ${v}`);
          for (const v of await flow.check(w, answer)) problems.push(`${where} -> ${answer.status}: ${v}`);
          try {
            await withTimeout(flow.retry(w), `${where} retry`);
          } catch (e) {
            problems.push(`${where} -> ${answer.status}: retry without the fault failed: ${(e as Error).message.slice(0, 200)}`);
          }
          for (const v of violations(await snapshot(w.h.store), { otp: flow.otp === true }))
            problems.push(`${where}: after retry, invariant: ${v}`);
        }
      }
      const hist = [...statuses]
        .sort((a, b) => a[0] - b[0])
        .map(([k, v]) => `${k}:${v}`)
        .join(" ");
      summary.push(`${flow.name}: ${steps} steps x 2 modes = ${2 * steps} faults; statuses ${hist}; ${problems.length} problem(s)`);
      for (const p of problems) summary.push(`    ${flow.name}: ${p}`);
      assert.deepEqual(problems, [], `${flow.name}: every fault handled (trace: ${trace.join(" ")})`);
    });
  }
});
