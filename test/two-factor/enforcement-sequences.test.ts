/**
 * Property: under enforcement, no sequence of requests yields a session before a code has proved a
 * factor. fast-check draws sequences of sign-in, enable, verify-totp (right and wrong codes, with and
 * without trustDevice), send-otp, verify-otp (right, wrong), verify-backup-code (codes enable handed
 * out), get-session, the replay of trust_device cookies (one from before the policy, and any issued
 * since), and clock moves, over three browsers of one user. After every request:
 * - no 5xx;
 * - until a verify answered 200 with a token, the store holds no session of the user, no answer carried
 *   a token or set a session cookie, and get-session answers null;
 * - a session only ever exists for a user whose two-factor is on, and only a verify endpoint issues one.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { memoryAdapter } from "../../src/adapters/memory.js";
import { init } from "../../src/index.js";
import { twoFactor } from "../../src/plugins/two-factor/index.js";
import { Client, type Reply } from "../helpers/client.js";
import { Clock } from "../helpers/clock.js";
import { fastPasswords } from "../helpers/fast-passwords.js";
import { secretFromUri, totpOfKey } from "../helpers/two-factor.js";
import { ORIGIN, PASSWORD, SECRET, snapshot, START } from "../fuzz/harness.js";

const EMAIL = "seq@enforce.test";
const VERIFY = new Set(["/two-factor/verify-totp", "/two-factor/verify-otp", "/two-factor/verify-backup-code"]);

type Action =
  | { kind: "sign-in"; b: number }
  | { kind: "enable"; b: number }
  | { kind: "verify-totp"; b: number; right: boolean; trust: boolean }
  | { kind: "send-otp"; b: number }
  | { kind: "verify-otp"; b: number; right: boolean }
  | { kind: "verify-backup-code"; b: number; i: number }
  | { kind: "get-session"; b: number }
  | { kind: "trust-replay"; b: number; i: number }
  | { kind: "advance"; seconds: number };

/** Mostly one browser (whose requests build on each other), sometimes the other two. */
const browser = fc.constantFrom(0, 0, 0, 0, 1, 2);
/** Right codes more often than wrong ones, so that many sequences reach a completed enrolment. */
const mostlyRight = fc.integer({ min: 0, max: 3 }).map((n) => n > 0);
const action: fc.Arbitrary<Action> = fc.oneof(
  { weight: 3, arbitrary: fc.record({ kind: fc.constant("sign-in" as const), b: browser }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant("enable" as const), b: browser }) },
  { weight: 4, arbitrary: fc.record({ kind: fc.constant("verify-totp" as const), b: browser, right: mostlyRight, trust: fc.boolean() }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant("send-otp" as const), b: browser }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant("verify-otp" as const), b: browser, right: mostlyRight }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant("verify-backup-code" as const), b: browser, i: fc.nat(9) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("get-session" as const), b: browser }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant("trust-replay" as const), b: browser, i: fc.nat(3) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("advance" as const), seconds: fc.constantFrom(1, 30, 90, 700) }) },
);

const setsCookie = (a: Reply, name: string) => a.setCookies.some((l) => new RegExp(`${name}=[^;]+`).test(l) && !/max-age=0/i.test(l));
const cookieValue = (a: Reply, name: string) => {
  const line = a.setCookies.find((l) => new RegExp(`${name}=[^;]+`).test(l) && !/max-age=0/i.test(l));
  return line?.split(";", 1)[0];
};

async function world() {
  const clock = new Clock(START);
  const outbox = new Map<string, string>();
  let on = false;
  const auth = init({
    secret: SECRET,
    baseURL: ORIGIN,
    database: memoryAdapter(),
    rateLimit: { enabled: false },
    advanced: { now: clock.now },
    plugins: [twoFactor({ enforcement: { enabled: () => on }, otpOptions: { sendOtp: ({ user, otp }) => void outbox.set(user.id, otp) } })],
  });
  fastPasswords(auth, PASSWORD);
  const store = auth.context.store;

  // Before the policy: the user had TOTP and trusted a browser, then turned two-factor off.
  const setup = new Client(auth.handler);
  const up = await setup.expect(200, { method: "POST", path: "/sign-up/email", body: { name: "S", email: EMAIL, password: PASSWORD } });
  const userId = up.user.id as string;
  const key = secretFromUri(
    (await setup.expect(200, { method: "POST", path: "/two-factor/enable", body: { password: PASSWORD } })).totpURI,
  );
  await setup.expect(200, { method: "POST", path: "/two-factor/verify-totp", body: { code: totpOfKey(key, clock.ms) } });
  await setup.expect(200, { method: "POST", path: "/sign-out", body: {} });
  clock.advance(30);
  await setup.expect(200, { method: "POST", path: "/sign-in/email", body: { email: EMAIL, password: PASSWORD } });
  const trusted = await setup.call({
    method: "POST",
    path: "/two-factor/verify-totp",
    body: { code: totpOfKey(key, clock.ms), trustDevice: true },
  });
  const trustCookies = [cookieValue(trusted, "trust_device")!];
  assert.ok(trustCookies[0]);
  await setup.expect(200, { method: "POST", path: "/two-factor/disable", body: { password: PASSWORD } });
  await store.deleteMany("session", []);
  on = true;
  return { auth, clock, outbox, store, userId, trustCookies };
}

let provedRuns = 0;

test("no request sequence yields a session before a factor is verified (enforcement on)", { timeout: 600_000 }, async () => {
  await fc.assert(
    fc.asyncProperty(fc.array(action, { minLength: 5, maxLength: 40, size: "max" }), async (actions) => {
      const w = await world();
      const browsers = [0, 1, 2].map(() => new Client(w.auth.handler));
      let key: Uint8Array | null = null;
      let backupCodes: string[] = [];
      let proved = false;
      const log: string[] = [];
      for (const a of actions) {
        let answer: Reply | null = null;
        let path = "";
        const c = a.kind === "advance" ? null : browsers[a.b];
        const post = (p: string, body: unknown) => {
          path = p;
          return c!.call({ method: "POST", path: p, body });
        };
        switch (a.kind) {
          case "sign-in": {
            const trust = c!.jar.get("better-auth.trust_device");
            c!.jar.clear();
            if (trust) c!.jar.set("better-auth.trust_device", trust);
            answer = await post("/sign-in/email", { email: EMAIL, password: PASSWORD });
            break;
          }
          case "enable":
            answer = await post("/two-factor/enable", { password: PASSWORD });
            if (answer.status === 200 && answer.body.totpURI) {
              key = secretFromUri(answer.body.totpURI);
              backupCodes = answer.body.backupCodes;
            }
            break;
          case "verify-totp": {
            const code = a.right && key ? totpOfKey(key, w.clock.ms) : "000000";
            answer = await post("/two-factor/verify-totp", { code, trustDevice: a.trust });
            break;
          }
          case "send-otp":
            answer = await post("/two-factor/send-otp", {});
            break;
          case "verify-otp": {
            const sent = w.outbox.get(w.userId) ?? "123456";
            answer = await post("/two-factor/verify-otp", { code: a.right ? sent : sent === "000000" ? "111111" : "000000" });
            break;
          }
          case "verify-backup-code":
            answer = await post("/two-factor/verify-backup-code", { code: backupCodes[a.i] ?? "AAAAA-BBBBB" });
            break;
          case "get-session":
            path = "/get-session";
            answer = await c!.call({ method: "GET", path });
            if (!proved) assert.equal(answer.body, null, `get-session before a factor was proved: ${log.join(" ")}`);
            break;
          case "trust-replay": {
            const cookie = w.trustCookies[a.i % w.trustCookies.length];
            const [name, value] = [cookie.slice(0, cookie.indexOf("=")), cookie.slice(cookie.indexOf("=") + 1)];
            c!.jar.clear();
            c!.jar.set(name, value);
            path = "/sign-in/email";
            answer = await c!.call({ method: "POST", path, body: { email: EMAIL, password: PASSWORD } });
            break;
          }
          case "advance":
            w.clock.advance(a.seconds);
            break;
        }
        log.push(
          `${a.kind}${"b" in a ? `@${a.b}` : ""}${answer ? `=${answer.status}${answer.body?.code ? `:${answer.body.code}` : ""}` : ""}`,
        );
        if (answer) {
          assert.ok(answer.status < 500, `5xx: ${log.join(" ")} ${answer.text}`);
          const trust = cookieValue(answer, "trust_device");
          if (trust) w.trustCookies.push(trust);
          const issued = setsCookie(answer, "session_token") || typeof answer.body?.token === "string";
          if (issued && !proved) {
            assert.ok(VERIFY.has(path) && answer.status === 200, `a session from ${path} before any factor was proved: ${log.join(" ")}`);
            proved = true;
          }
        }
        const snap = await snapshot(w.store);
        const user = snap.users.find((u) => u.id === w.userId)!;
        const sessions = snap.sessions.filter((s) => s.userId === w.userId).length;
        if (!proved) assert.equal(sessions, 0, `session row before a factor was proved: ${log.join(" ")}`);
        if (sessions > 0) assert.equal(user.twoFactorEnabled, true, `a session while two-factor is off: ${log.join(" ")}`);
        if (proved) assert.equal(user.twoFactorEnabled, true, `proved, yet two-factor is off: ${log.join(" ")}`);
      }
      if (proved) provedRuns += 1;
    }),
    { numRuns: 150 },
  );
  // The sequences do reach enrolment (and so the checks after it), not only refusals.
  assert.ok(provedRuns >= 30, `only ${provedRuns} of 150 sequences completed an enrolment`);
});
