/**
 * Fault injection on the enforcement paths: each request of enforced enrolment is run once per store
 * operation it performs, with that operation failing, in both modes of test/helpers/faulty-store.ts
 * ("before": nothing written; "after": written, then the error). After each run:
 * - the answer is well formed (a 2xx, or a 4xx/5xx with {message, code}) and came within a timeout;
 * - no session exists for a user whose two-factor is not on, and a failed request delivered no session
 *   cookie and left no session row; twoFactorEnabled implies a verified factor (TOTP flows);
 * - a retry without the fault completes the enrolment and yields a session, as a user would get it
 *   (same browser while its cookie works, else signing in again).
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { memoryAdapter } from "../../src/adapters/memory.js";
import { init } from "../../src/index.js";
import { twoFactor } from "../../src/plugins/two-factor/index.js";
import { Client, type Reply } from "../helpers/client.js";
import { Clock } from "../helpers/clock.js";
import { fastPasswords } from "../helpers/fast-passwords.js";
import { secretFromUri, totpOfKey } from "../helpers/two-factor.js";
import { ORIGIN, PASSWORD, SECRET, snapshot, START, violations } from "../fuzz/harness.js";
import { FaultController, faultyAdapter, type FaultMode, faultAnswerProblem, withTimeout } from "../helpers/faulty-store.js";

const EMAIL = "enrol@faults.test";

interface World {
  ctl: FaultController;
  clock: Clock;
  outbox: Map<string, string>;
  handler: (request: Request) => Promise<Response>;
  store: ReturnType<typeof init>["context"]["store"];
  client: Client;
  key: Uint8Array | null;
  otp: boolean;
  /** The OTP set-up sent (read before the faults are on). */
  code: string;
}

function newWorld(otp: boolean): World {
  const ctl = new FaultController();
  const clock = new Clock(START);
  const outbox = new Map<string, string>();
  const auth = init({
    secret: SECRET,
    baseURL: ORIGIN,
    database: faultyAdapter(memoryAdapter(), ctl),
    rateLimit: { enabled: false },
    advanced: { now: clock.now },
    plugins: [
      twoFactor({
        enforcement: { enabled: true },
        ...(otp ? { otpOptions: { sendOtp: ({ user, otp: code }) => void outbox.set(user.id, code) } } : {}),
      }),
    ],
  });
  fastPasswords(auth, PASSWORD);
  ctl.enabled = false;
  return {
    ctl,
    clock,
    outbox,
    handler: auth.handler,
    store: auth.context.store,
    client: new Client(auth.handler),
    key: null,
    otp,
    code: "",
  };
}

const setsSession = (a: Reply) => a.setCookies.some((l) => /session_token=[^;]+/.test(l) && !/max-age=0/i.test(l));

async function userRow(w: World) {
  return (await snapshot(w.store)).users.find((u) => u.email === EMAIL) ?? null;
}

async function sessionCount(w: World): Promise<number> {
  const snap = await snapshot(w.store);
  const user = snap.users.find((u) => u.email === EMAIL);
  return user ? snap.sessions.filter((s) => s.userId === user.id).length : 0;
}

async function signUp(w: World): Promise<void> {
  const json = await w.client.expect(200, {
    method: "POST",
    path: "/sign-up/email",
    body: { name: "F", email: EMAIL, password: PASSWORD },
  });
  assert.equal(json.twoFactorEnrolmentRequired, true);
}

async function enable(w: World, client = w.client): Promise<void> {
  const json = await client.expect(200, { method: "POST", path: "/two-factor/enable", body: { password: PASSWORD } });
  w.key = secretFromUri(json.totpURI);
}

/**
 * From a fresh browser, as the user would: sign in and answer whatever challenge comes (enrolment:
 * enable unless a secret was already confirmed, then the code; normal: the code). Ends with a session.
 */
async function finish(w: World, client = new Client(w.handler)): Promise<void> {
  const json = await client.expect(200, { method: "POST", path: "/sign-in/email", body: { email: EMAIL, password: PASSWORD } });
  assert.equal(json.twoFactorRedirect, true, "still challenged");
  w.clock.advance(30);
  if (w.otp) {
    await client.expect(200, { method: "POST", path: "/two-factor/send-otp", body: {} });
    const userId = (await userRow(w))!.id as string;
    await client.expect(200, { method: "POST", path: "/two-factor/verify-otp", body: { code: w.outbox.get(userId) } });
  } else {
    if (json.twoFactorEnrolmentRequired === true) {
      const a = await client.call({ method: "POST", path: "/two-factor/enable", body: { password: PASSWORD } });
      if (a.status === 200) w.key = secretFromUri(a.body.totpURI);
      else assert.equal(a.body?.code, "TOTP_ALREADY_ENABLED", `enable on retry: ${a.status} ${a.text}`);
    }
    await client.expect(200, { method: "POST", path: "/two-factor/verify-totp", body: { code: totpOfKey(w.key!, w.clock.ms) } });
  }
  const session = await client.expect(200, { method: "GET", path: "/get-session" });
  assert.equal(session?.user?.twoFactorEnabled, true, "a session after enrolment, with two-factor on");
}

/** Problems common to every flow: sessions only for users with two-factor on; a failure delivers none. */
async function common(w: World, a: Reply): Promise<string[]> {
  const out: string[] = [];
  const snap = await snapshot(w.store);
  for (const s of snap.sessions) {
    const u = snap.users.find((x) => x.id === s.userId);
    if (u?.twoFactorEnabled !== true) out.push(`session ${s.id} for a user without a confirmed factor`);
  }
  if (a.status !== 200 && setsSession(a)) out.push(`failed request (status ${a.status}) delivered a session cookie`);
  if (a.status !== 200 && (await sessionCount(w)) > 0) out.push(`failed request (status ${a.status}) left a session row`);
  return out;
}

interface Flow {
  name: string;
  otp?: boolean;
  setup(w: World): Promise<void>;
  act(w: World): Promise<Reply>;
  /** Flow-specific problems after the faulty request. */
  check?(w: World, a: Reply): Promise<string[]>;
  /** Reach the goal (a session with two-factor on) without faults. */
  retry(w: World): Promise<void>;
}

const verifyOk = async (w: World, a: Reply) => {
  if (a.status !== 200) return [];
  const user = await userRow(w);
  return setsSession(a) && user?.twoFactorEnabled === true && (await sessionCount(w)) === 1
    ? []
    : [`200 but session cookie=${setsSession(a)} flag=${user?.twoFactorEnabled} sessions=${await sessionCount(w)}`];
};

const flows: Flow[] = [
  {
    name: "sign-up (enrolment challenge)",
    async setup() {},
    act: (w) => w.client.call({ method: "POST", path: "/sign-up/email", body: { name: "F", email: EMAIL, password: PASSWORD } }),
    async check(w, a) {
      if (a.status === 200 && (a.body?.twoFactorEnrolmentRequired !== true || setsSession(a))) return [`200 but ${a.text}`];
      return (await sessionCount(w)) > 0 ? ["sign-up under enforcement left a session"] : [];
    },
    async retry(w) {
      const a = await new Client(w.handler).call({
        method: "POST",
        path: "/sign-up/email",
        body: { name: "F", email: EMAIL, password: PASSWORD },
      });
      assert.ok(a.status === 200 || a.status === 422, `sign-up retry: ${a.status} ${a.text}`);
      await finish(w);
    },
  },
  {
    name: "sign-in (enrolment challenge)",
    async setup(w) {
      await signUp(w);
      w.client = new Client(w.handler);
    },
    act: (w) => w.client.call({ method: "POST", path: "/sign-in/email", body: { email: EMAIL, password: PASSWORD } }),
    async check(w, a) {
      if (a.status === 200 && (a.body?.twoFactorEnrolmentRequired !== true || setsSession(a))) return [`200 but ${a.text}`];
      return (await sessionCount(w)) > 0 ? ["an enrolment sign-in left a session"] : [];
    },
    retry: (w) => finish(w),
  },
  {
    name: "enable (on the enrolment challenge)",
    setup: signUp,
    act: (w) => w.client.call({ method: "POST", path: "/two-factor/enable", body: { password: PASSWORD } }),
    async check(w) {
      const user = await userRow(w);
      return user?.twoFactorEnabled === true ? ["enable on the enrolment challenge turned two-factor on"] : [];
    },
    async retry(w) {
      const a = await w.client.call({ method: "POST", path: "/two-factor/enable", body: { password: PASSWORD } });
      if (a.status !== 200) return finish(w);
      w.key = secretFromUri(a.body.totpURI);
      await w.client.expect(200, { method: "POST", path: "/two-factor/verify-totp", body: { code: totpOfKey(w.key, w.clock.ms) } });
    },
  },
  {
    name: "verify-totp (enrolment challenge -> session)",
    async setup(w) {
      await signUp(w);
      await enable(w);
    },
    act: (w) => w.client.call({ method: "POST", path: "/two-factor/verify-totp", body: { code: totpOfKey(w.key!, w.clock.ms) } }),
    check: verifyOk,
    async retry(w) {
      w.clock.advance(30);
      const a = await w.client.call({ method: "POST", path: "/two-factor/verify-totp", body: { code: totpOfKey(w.key!, w.clock.ms) } });
      if (a.status !== 200) await finish(w);
    },
  },
  {
    name: "verify-totp with trustDevice (enrolment challenge -> session)",
    async setup(w) {
      await signUp(w);
      await enable(w);
    },
    act: (w) =>
      w.client.call({ method: "POST", path: "/two-factor/verify-totp", body: { code: totpOfKey(w.key!, w.clock.ms), trustDevice: true } }),
    async check(w, a) {
      const trusts = a.setCookies.some((l) => /trust_device=[^;]+/.test(l) && !/max-age=0/i.test(l));
      if (a.status !== 200 && trusts) return [`failed request (status ${a.status}) delivered a trust_device cookie`];
      return verifyOk(w, a);
    },
    async retry(w) {
      w.clock.advance(30);
      const a = await w.client.call({ method: "POST", path: "/two-factor/verify-totp", body: { code: totpOfKey(w.key!, w.clock.ms) } });
      if (a.status !== 200) await finish(w);
    },
  },
  {
    name: "send-otp (enrolment challenge)",
    otp: true,
    setup: signUp,
    act: (w) => w.client.call({ method: "POST", path: "/two-factor/send-otp", body: {} }),
    retry: (w) => finish(w),
  },
  {
    name: "verify-otp (enrolment challenge -> session)",
    otp: true,
    async setup(w) {
      await signUp(w);
      await w.client.expect(200, { method: "POST", path: "/two-factor/send-otp", body: {} });
      w.code = w.outbox.get((await userRow(w))!.id as string)!;
    },
    act: (w) => w.client.call({ method: "POST", path: "/two-factor/verify-otp", body: { code: w.code } }),
    check: verifyOk,
    async retry(w) {
      const code = w.outbox.get((await userRow(w))!.id as string);
      const a = await w.client.call({ method: "POST", path: "/two-factor/verify-otp", body: { code } });
      if (a.status !== 200) await finish(w);
    },
  },
];

const consoleError = console.error;
before(() => {
  console.error = () => {};
});
after(() => {
  console.error = consoleError;
});

describe("fault injection on the enforced-enrolment paths: one failing store operation per step", () => {
  for (const flow of flows) {
    test(flow.name, { timeout: 120_000 }, async () => {
      const otp = flow.otp === true;
      const clean = newWorld(otp);
      await flow.setup(clean);
      clean.ctl.reset(0);
      const ok = await withTimeout(flow.act(clean), `${flow.name} (clean)`);
      const steps = clean.ctl.ops;
      const trace = [...clean.ctl.trace];
      clean.ctl.enabled = false;
      assert.equal(ok.status, 200, `${flow.name} without faults: ${ok.status} ${ok.text}`);
      assert.deepEqual([...(await common(clean, ok)), ...((await flow.check?.(clean, ok)) ?? [])], [], "checks hold without faults");
      assert.ok(steps > 0);

      const problems: string[] = [];
      for (let step = 1; step <= steps; step++) {
        for (const mode of ["before", "after"] as FaultMode[]) {
          const w = newWorld(otp);
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
          if (w.ctl.injected.length !== 1) problems.push(`${where}: expected one injected fault, got ${w.ctl.injected.length}`);
          const bad = faultAnswerProblem(answer);
          if (bad) problems.push(`${where}: malformed answer: ${bad}`);
          for (const v of violations(await snapshot(w.store), { otp })) problems.push(`${where}: invariant: ${v}`);
          for (const v of [...(await common(w, answer)), ...((await flow.check?.(w, answer)) ?? [])])
            problems.push(`${where} -> ${answer.status}: ${v}`);
          try {
            await withTimeout(flow.retry(w), `${where} retry`);
          } catch (e) {
            problems.push(`${where} -> ${answer.status}: retry without the fault failed: ${(e as Error).message.slice(0, 200)}`);
          }
          for (const v of [
            ...violations(await snapshot(w.store), { otp }),
            ...(await common(w, { ...answer, status: 200, setCookies: [] })),
          ])
            problems.push(`${where}: after retry: ${v}`);
        }
      }
      assert.deepEqual(problems, [], `${flow.name}: every fault handled (trace: ${trace.join(" ")})`);
    });
  }
});
