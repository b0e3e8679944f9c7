/**
 * Security events (issue 13 item 3): every flow, in order, with the exact events it reports; no event
 * carries a secret, code, hash, token or cookie; a throwing, rejecting or never-settling handler
 * changes no response; a write that a failure undoes reports nothing.
 */
import assert from "node:assert/strict";
import { afterEach, beforeEach, describe, test } from "node:test";
import type { Row } from "../../src/adapters/types.js";
import { memoryAdapter } from "../../src/adapters/memory.js";
import type { Kernia, Plugin } from "../../src/index.js";
import type { TwoFactorEvent } from "../../src/plugins/two-factor/index.js";
import { MODELS } from "../../src/plugins/two-factor/schema.js";
import { targetedFaultAdapter, type FaultPlan } from "../helpers/faulty-store.js";
import { Client, Clock, makeAuth, PASSWORD, secretFromUri, totpAt, uniqueEmail, wrongTotp, type Reply } from "../helpers/two-factor.js";

const realError = console.error;
let logged: string[] = [];
beforeEach(() => {
  logged = [];
  console.error = (...args: unknown[]) => void logged.push(args.map(String).join(" "));
});
afterEach(() => {
  console.error = realError;
});

const UA = "Mozilla/5.0 (X11; Linux x86_64) KerniaEventsTest";
const CLIENT_IP = "203.0.113.7";

/** A browser behind one trusted proxy: every request carries the User-Agent and X-Forwarded-For. */
class Browser extends Client {
  override request(method: string, path: string, body?: unknown, extra: Record<string, string> = {}): Promise<Reply> {
    return super.request(method, path, body, { "user-agent": UA, "x-forwarded-for": CLIENT_IP, ...extra });
  }
  override clone(): Browser {
    const c = new Browser(this.auth, this.origin, this.prefix);
    for (const [k, v] of this.jar) c.jar.set(k, v);
    return c;
  }
}

/** Wait for the deliveries queued so far (each is one setImmediate, queued before this one). */
const delivered = () => new Promise<void>((resolve) => setImmediate(resolve));

function eventsAuth(onEvent: ((e: TwoFactorEvent) => void | Promise<void>) | undefined, clock?: Clock) {
  return makeAuth({
    clock,
    twoFactor: { ...(onEvent ? { onEvent } : {}), accountLockout: { maxFailedAttempts: 3, durationSeconds: 60 }, maxChallengeAttempts: 10 },
    options: { advanced: { ipAddress: { trustedProxies: 1 } } },
  });
}

/** The fields of an event a test compares: its type and the per-type ones (not userId/at/ip/UA). */
function key(e: TwoFactorEvent): Record<string, unknown> {
  const { userId: _u, at: _a, ipAddress: _i, userAgent: _ua, ...rest } = e;
  return rest;
}

/**
 * Every flow once, recording what each step must report. Returns the secrets seen on the way (codes
 * sent and entered, the TOTP secret, backup codes, password, tokens and cookie values).
 */
async function runEveryFlow(
  auth: Kernia,
  clock: Clock,
  box: { sent: { otp: string }[] },
  take: () => TwoFactorEvent[],
  email = uniqueEmail("events"),
) {
  const secrets = new Set<string>([PASSWORD]);
  const seen = (r: Reply) => {
    if (typeof r.body?.token === "string") secrets.add(r.body.token);
    for (const line of r.setCookies) {
      const value = line.split(";")[0].split("=").slice(1).join("=");
      if (value) {
        secrets.add(value);
        secrets.add(decodeURIComponent(value));
        secrets.add(decodeURIComponent(value).split(".")[0]); // the signed value without its signature
      }
    }
    return r;
  };
  const steps: { step: string; expect: Record<string, unknown>[]; got: TwoFactorEvent[] }[] = [];
  const step = async (name: string, expect: Record<string, unknown>[], run: () => Promise<unknown>) => {
    await run();
    await delivered();
    steps.push({ step: name, expect, got: take() });
  };

  const a = new Browser(auth);
  let userId = "";
  let uri = "";
  let backupCodes: string[] = [];
  await step("sign-up", [], async () => {
    const r = seen(await a.post("/sign-up/email", { name: "Eve", email, password: PASSWORD }));
    userId = r.body.user.id;
  });
  await step("enable (not yet confirmed)", [], async () => {
    const r = seen(await a.post("/two-factor/enable", { password: PASSWORD }));
    uri = r.body.totpURI;
    backupCodes = r.body.backupCodes;
    for (const c of backupCodes) {
      secrets.add(c);
      secrets.add(c.replace("-", ""));
    }
    secrets.add(new URL(uri).searchParams.get("secret") as string);
    secrets.add(Buffer.from(secretFromUri(uri)).toString("hex"));
    secrets.add(Buffer.from(secretFromUri(uri)).toString("base64"));
  });
  await step("verify-totp confirms enrolment", [{ type: "two-factor.enabled", method: "totp" }], async () => {
    const code = totpAt(uri, clock);
    secrets.add(code);
    assert.equal(seen(await a.post("/two-factor/verify-totp", { code })).status, 200);
  });
  clock.advance(30);

  await step("sign-out", [], async () => void (await a.post("/sign-out", {})));
  await step(
    "sign-in: challenge",
    [{ type: "two-factor.challenge-issued", methods: ["totp", "otp"], enrolmentRequired: false }],
    async () => {
      assert.equal(seen(await a.post("/sign-in/email", { email, password: PASSWORD })).body.twoFactorRedirect, true);
    },
  );
  await step(
    "verify-totp with trustDevice",
    [{ type: "trusted-device.added" }, { type: "two-factor.verified", method: "totp", trustDeviceAdded: true }],
    async () => {
      const code = totpAt(uri, clock);
      secrets.add(code);
      assert.equal(seen(await a.post("/two-factor/verify-totp", { code, trustDevice: true })).status, 200);
    },
  );
  clock.advance(30);
  await step("sign-out (trusted)", [], async () => void (await a.post("/sign-out", {})));
  await step("trusted sign-in", [{ type: "two-factor.verified", method: "trusted-device", trustDeviceAdded: false }], async () => {
    const r = seen(await a.post("/sign-in/email", { email, password: PASSWORD }));
    assert.equal(typeof r.body.token, "string");
  });

  // A second browser: wrong codes to the lockout (maxFailedAttempts 3).
  const b = new Browser(auth);
  await step("sign-in b", [{ type: "two-factor.challenge-issued", methods: ["totp", "otp"], enrolmentRequired: false }], async () => {
    seen(await b.post("/sign-in/email", { email, password: PASSWORD }));
  });
  const wrong = wrongTotp(uri, clock);
  secrets.add(wrong);
  await step("wrong totp 1", [{ type: "two-factor.failed", method: "totp", attemptsLeft: 2 }], async () => {
    assert.equal(seen(await b.post("/two-factor/verify-totp", { code: wrong })).status, 401);
  });
  const wrongBackup = "ZZZZZ-ZZZZZ";
  secrets.add(wrongBackup);
  await step("wrong backup code", [{ type: "two-factor.failed", method: "backup-code", attemptsLeft: 1 }], async () => {
    assert.equal(seen(await b.post("/two-factor/verify-backup-code", { code: wrongBackup })).status, 401);
  });
  await step(
    "wrong totp 3: locks",
    [
      { type: "two-factor.failed", method: "totp", attemptsLeft: 0 },
      { type: "two-factor.locked", until: new Date(clock.now() + 60_000) },
    ],
    async () => {
      assert.equal(seen(await b.post("/two-factor/verify-totp", { code: wrong })).status, 401);
    },
  );
  await step("while locked: 429, nothing to report", [], async () => {
    const code = totpAt(uri, clock);
    secrets.add(code);
    assert.equal(seen(await b.post("/two-factor/verify-totp", { code })).status, 429);
  });
  clock.advance(61);

  await step(
    "backup code on the challenge",
    [
      { type: "backup-code.used", codesLeft: 9 },
      { type: "two-factor.verified", method: "backup-code", trustDeviceAdded: false },
    ],
    async () => {
      assert.equal(seen(await b.post("/two-factor/verify-backup-code", { code: backupCodes[0] })).status, 200);
    },
  );
  await step("regenerate backup codes", [{ type: "backup-codes.regenerated", count: 10 }], async () => {
    const r = seen(await b.post("/two-factor/generate-backup-codes", { password: PASSWORD }));
    assert.equal(r.status, 200);
    for (const c of r.body.backupCodes as string[]) {
      secrets.add(c);
      secrets.add(c.replace("-", ""));
    }
  });

  // A third browser: the OTP method.
  const c = new Browser(auth);
  await step("sign-in c", [{ type: "two-factor.challenge-issued", methods: ["totp", "otp"], enrolmentRequired: false }], async () => {
    seen(await c.post("/sign-in/email", { email, password: PASSWORD }));
  });
  await step("send-otp", [{ type: "otp.sent" }], async () => {
    assert.equal(seen(await c.post("/two-factor/send-otp", {})).status, 200);
    secrets.add(box.sent.at(-1)!.otp);
  });
  const otp = box.sent.at(-1)!.otp;
  const wrongOtp = otp === "000000" ? "111111" : "000000";
  secrets.add(wrongOtp);
  await step("wrong otp", [{ type: "two-factor.failed", method: "otp", attemptsLeft: 2 }], async () => {
    assert.equal(seen(await c.post("/two-factor/verify-otp", { code: wrongOtp })).status, 401);
  });
  await step("right otp", [{ type: "two-factor.verified", method: "otp", trustDeviceAdded: false }], async () => {
    assert.equal(seen(await c.post("/two-factor/verify-otp", { code: otp })).status, 200);
  });

  await step("revoke all trusted devices", [{ type: "trusted-device.revoked", count: 1 }], async () => {
    assert.equal(seen(await c.post("/two-factor/trusted-devices/revoke", { all: true })).status, 200);
  });
  await step("disable", [{ type: "two-factor.disabled" }], async () => {
    assert.equal(seen(await c.post("/two-factor/disable", { password: PASSWORD })).status, 200);
  });
  await step("enable with the OTP method", [{ type: "two-factor.enabled", method: "otp" }], async () => {
    assert.equal(seen(await c.post("/two-factor/enable", { password: PASSWORD, method: "otp" })).status, 200);
  });
  await step("support reset", [{ type: "two-factor.reset", revokedSessions: true }], async () => {
    assert.deepEqual(await auth.api.resetTwoFactor({ body: { userId } }), { status: true });
  });
  return { steps, secrets, userId };
}

describe("security events: every flow", () => {
  test("the exact sequence, each with userId, the auth clock, the client address and the User-Agent", async () => {
    const events: TwoFactorEvent[] = [];
    const { auth, clock, box } = eventsAuth((e) => void events.push(e));
    const take = () => events.splice(0);
    const { steps, userId } = await runEveryFlow(auth, clock, box, take);
    for (const s of steps) {
      assert.deepEqual(s.got.map(key), s.expect, s.step);
      for (const e of s.got) {
        assert.equal(e.userId, userId, s.step);
        assert.ok(e.at instanceof Date);
        if (e.type === "two-factor.reset") {
          // A server call: no client address and no User-Agent unless the caller passes headers.
          assert.equal(e.ipAddress, null);
          assert.equal(e.userAgent, null);
        } else {
          assert.equal(e.ipAddress, CLIENT_IP, s.step);
          assert.equal(e.userAgent, UA, s.step);
        }
      }
    }
    // `at` is the auth clock's time at the event (the test clock, not the wall clock).
    const locked = steps.find((s) => s.step === "wrong totp 3: locks")!.got[1];
    assert.equal(locked.at.getTime() + 60_000, locked.type === "two-factor.locked" ? locked.until.getTime() : -1);
  });

  test("no event carries a secret, code, hash, token or cookie value (deep scan, JSON and Date)", async () => {
    const all: TwoFactorEvent[] = [];
    const { auth, clock, box } = eventsAuth((e) => void all.push(e));
    // Read every stored value that is a secret or a hash, as the flows go (rows come and go).
    const stored = new Set<string>();
    const harvest = async () => {
      for (const model of [...Object.values(MODELS), "session", "account"]) {
        for (const row of await auth.context.store.findMany<Row>(model, [])) {
          for (const field of ["secret", "codeHash", "trustIdHash", "token", "password", "spentBy", "backupCodes"]) {
            const v = row[field];
            if (typeof v === "string" && v.length >= 6) stored.add(v);
          }
        }
      }
    };
    const take = () => [];
    const original = auth.context.store.deleteMany.bind(auth.context.store);
    // Harvest before each delete too, so the values of rows a flow removes are scanned for as well.
    (auth.context.store as { deleteMany: typeof original }).deleteMany = async (model, where) => {
      await harvest();
      return original(model, where);
    };
    const { secrets } = await runEveryFlow(auth, clock, box, take);
    await harvest();
    await delivered();
    assert.ok(all.length >= 20, `${all.length} events`);
    assert.ok(stored.size > 10 && secrets.size > 20);
    const needles = [...secrets, ...stored].filter((s) => s.length >= 6);
    const strings: string[] = [];
    const walk = (v: unknown): void => {
      if (typeof v === "string") strings.push(v);
      else if (v instanceof Date) strings.push(v.toISOString());
      else if (Array.isArray(v)) v.forEach(walk);
      else if (v !== null && typeof v === "object") for (const [k, x] of Object.entries(v)) strings.push(k), walk(x);
    };
    for (const e of all) {
      walk(e);
      strings.push(JSON.stringify(e));
    }
    for (const s of strings)
      for (const needle of needles) assert.ok(!s.includes(needle), `an event carries a secret value (${needle.length} chars)`);
  });

  test("ipAddress is null with disableIpTracking; the User-Agent is cut to 512 characters", async () => {
    const events: TwoFactorEvent[] = [];
    const { auth } = makeAuth({
      twoFactor: { onEvent: (e) => void events.push(e) },
      options: { advanced: { ipAddress: { disableIpTracking: true } } },
    });
    const a = new Client(auth);
    const long = "A".repeat(5000);
    await a.post(
      "/sign-up/email",
      { name: "U", email: uniqueEmail(), password: PASSWORD },
      { "user-agent": long, "x-forwarded-for": CLIENT_IP },
    );
    await a.post("/two-factor/enable", { password: PASSWORD, method: "otp" }, { "user-agent": long, "x-forwarded-for": CLIENT_IP });
    await delivered();
    assert.equal(events.length, 1);
    assert.equal(events[0].ipAddress, null);
    assert.equal(events[0].userAgent, long.slice(0, 512));
  });
});

describe("security events: account lifecycle", () => {
  test("change-password signing other devices out reports the trusted devices it revoked (this browser's kept)", async () => {
    const events: TwoFactorEvent[] = [];
    const { auth, clock } = eventsAuth((e) => void events.push(e));
    const a = new Browser(auth);
    const email = uniqueEmail("life");
    const up = await a.post("/sign-up/email", { name: "L", email, password: PASSWORD });
    const en = await a.post("/two-factor/enable", { password: PASSWORD });
    await a.post("/two-factor/verify-totp", { code: totpAt(en.body.totpURI, clock) });
    const browsers = [a, new Browser(auth), new Browser(auth)];
    for (const b of browsers) {
      clock.advance(30);
      await b.post("/sign-out", {});
      await b.post("/sign-in/email", { email, password: PASSWORD });
      assert.equal((await b.post("/two-factor/verify-totp", { code: totpAt(en.body.totpURI, clock), trustDevice: true })).status, 200);
    }
    await delivered();
    events.length = 0;
    const changed = await a.post("/change-password", {
      currentPassword: PASSWORD,
      newPassword: "another-password-9",
      revokeOtherSessions: true,
    });
    assert.equal(changed.status, 200, changed.text);
    await delivered();
    assert.deepEqual(events.map(key), [{ type: "trusted-device.revoked", count: 2 }]);
    assert.equal(events[0].userId, up.body.user.id);
  });
});

describe("security events: a handler can neither fail nor delay a request", () => {
  /** A deterministic random source, so two runs of the same flows give byte-identical answers. */
  function seeded<T>(run: () => Promise<T>): Promise<T> {
    const original = crypto.getRandomValues;
    let x = 0x9e3779b9;
    crypto.getRandomValues = (<A extends ArrayBufferView | null>(array: A): A => {
      const bytes = new Uint8Array(
        (array as ArrayBufferView).buffer,
        (array as ArrayBufferView).byteOffset,
        (array as ArrayBufferView).byteLength,
      );
      for (let i = 0; i < bytes.length; i++) {
        x ^= x << 13;
        x ^= x >>> 17;
        x ^= x << 5;
        bytes[i] = x & 0xff;
      }
      return array;
    }) as typeof crypto.getRandomValues;
    return run().finally(() => {
      crypto.getRandomValues = original;
    });
  }

  /** Every answer of the flows (status, body text, Set-Cookie lines), in order. */
  async function transcript(onEvent: ((e: TwoFactorEvent) => void | Promise<void>) | undefined) {
    return seeded(async () => {
      const clock = new Clock();
      const { auth, box } = eventsAuth(onEvent, clock);
      const replies: Reply[] = [];
      const originalRequest = Browser.prototype.request;
      Browser.prototype.request = async function (this: Browser, ...args: Parameters<Browser["request"]>) {
        const r = await originalRequest.apply(this, args);
        replies.push(r);
        return r;
      };
      try {
        await runEveryFlow(auth, clock, box, () => [], "same@example.com");
      } finally {
        Browser.prototype.request = originalRequest;
      }
      return replies.map((r) => ({ status: r.status, text: r.text, cookies: r.setCookies }));
    });
  }

  test("throwing, rejecting and never-settling handlers: every answer equals the run without onEvent", async () => {
    const baseline = await transcript(undefined);
    assert.ok(baseline.length >= 20, `${baseline.length} answers`);
    let calls = 0;
    const handlers: Record<string, (e: TwoFactorEvent) => void | Promise<void>> = {
      throws: () => {
        calls += 1;
        throw new Error("handler bug with a secret in its text");
      },
      rejects: async () => {
        calls += 1;
        throw new Error("async handler bug");
      },
      "never settles": () => {
        calls += 1;
        return new Promise<void>(() => {});
      },
    };
    for (const [name, handler] of Object.entries(handlers)) {
      calls = 0;
      logged = [];
      const got = await transcript(handler);
      await delivered();
      assert.equal(got.length, baseline.length, name);
      for (let i = 0; i < got.length; i++) assert.deepEqual(got[i], baseline[i], `${name}: answer ${i}`);
      assert.ok(calls >= 20, `${name}: the handler was called (${calls})`);
      if (name !== "never settles") {
        const lines = logged.filter((l) => l.includes("onEvent failed"));
        assert.equal(lines.length, calls, `${name}: each failure logged`);
        for (const l of lines) {
          assert.match(l, /^kernia: two-factor onEvent failed for [a-z.-]+ \(Error\)$/);
          assert.ok(!l.includes("secret in its text"), "the error text is not logged");
        }
      }
    }
  });

  test("the handler runs after the response: a handler that blocks on the request's answer does not deadlock it", async () => {
    let release: () => void = () => {};
    const answered = new Promise<void>((r) => (release = r));
    let ranBeforeAnswer = false;
    let answeredYet = false;
    const { auth } = eventsAuth(async () => {
      ranBeforeAnswer ||= !answeredYet;
      await answered;
    });
    const a = new Browser(auth);
    await a.post("/sign-up/email", { name: "U", email: uniqueEmail(), password: PASSWORD });
    const r = await a.post("/two-factor/enable", { password: PASSWORD, method: "otp" });
    answeredYet = true;
    assert.equal(r.status, 200);
    release();
    await delivered();
    assert.equal(ranBeforeAnswer, false, "the handler was called only after the answer was back");
  });
});

describe("security events: undone writes report nothing", () => {
  /** Arms the failingAfter plugins (set-up runs with them idle). */
  const armed = { on: false };
  beforeEach(() => {
    armed.on = false;
  });
  /** A plugin whose after-hook fails the request on `path` (after the handler's writes and emits). */
  const failingAfter = (path: string): Plugin => ({
    id: "fails-after",
    hooks: {
      after: [
        {
          matches: (ctx) => armed.on && ctx.path === path,
          handler: async () => {
            throw new Error("a later step failed");
          },
        },
      ],
    },
  });

  async function world(options: { plugins?: Plugin[]; plan?: FaultPlan } = {}) {
    const events: TwoFactorEvent[] = [];
    const clock = new Clock();
    const { auth } = makeAuth({
      clock,
      plugins: options.plugins,
      twoFactor: { onEvent: (e) => void events.push(e) },
      options: options.plan ? { database: targetedFaultAdapter(memoryAdapter(), options.plan) } : {},
    });
    const a = new Browser(auth);
    const email = uniqueEmail("undo");
    const up = await a.post("/sign-up/email", { name: "U", email, password: PASSWORD });
    const en = await a.post("/two-factor/enable", { password: PASSWORD });
    assert.equal((await a.post("/two-factor/verify-totp", { code: totpAt(en.body.totpURI, clock) })).status, 200);
    clock.advance(30);
    await a.post("/sign-out", {});
    assert.equal((await a.post("/sign-in/email", { email, password: PASSWORD })).body.twoFactorRedirect, true);
    await delivered();
    events.length = 0;
    armed.on = true;
    return {
      auth,
      clock,
      a,
      email,
      events,
      userId: up.body.user.id as string,
      uri: en.body.totpURI as string,
      codes: en.body.backupCodes as string[],
    };
  }

  test("verify-totp with trustDevice, then a later step fails: no trusted-device.added, no verified", async () => {
    const w = await world({ plugins: [failingAfter("/two-factor/verify-totp")] });
    const r = await w.a.post("/two-factor/verify-totp", { code: totpAt(w.uri, w.clock), trustDevice: true });
    await delivered();
    assert.equal(r.status, 500);
    assert.deepEqual(w.events, []);
    const devices = await w.auth.context.store.findMany<Row>(MODELS.trustedDevice, [{ field: "userId", value: w.userId }]);
    assert.deepEqual(devices, [], "the device record was undone too");
  });

  test("a backup code spent, then the challenge cannot be consumed: no backup-code.used, no verified", async () => {
    const plan: FaultPlan = { fault: null, hits: 0 };
    const w = await world({ plan });
    plan.fault = { op: "deleteOne", model: MODELS.challenge, mode: "before" };
    const r = await w.a.post("/two-factor/verify-backup-code", { code: w.codes[0] });
    await delivered();
    assert.equal(plan.hits, 1);
    assert.equal(r.status, 500);
    assert.deepEqual(w.events, []);
    // The code is back (the write the event would have reported was undone): it works on the retry.
    const retry = await w.a.post("/two-factor/verify-backup-code", { code: w.codes[0] });
    assert.equal(retry.status, 200);
    await delivered();
    assert.deepEqual(w.events.map(key), [
      { type: "backup-code.used", codesLeft: 9 },
      { type: "two-factor.verified", method: "backup-code", trustDeviceAdded: false },
    ]);
  });

  test("a trusted-device sign-in whose session write fails: no verified (trusted-device)", async () => {
    const plan: FaultPlan = { fault: null, hits: 0 };
    const w = await world({ plan });
    assert.equal((await w.a.post("/two-factor/verify-totp", { code: totpAt(w.uri, w.clock), trustDevice: true })).status, 200);
    await w.a.post("/sign-out", {});
    await delivered();
    w.events.length = 0;
    plan.fault = { op: "create", model: "session", mode: "after" };
    const r = await w.a.post("/sign-in/email", { email: w.email, password: PASSWORD });
    await delivered();
    assert.equal(plan.hits, 1);
    assert.equal(r.status, 500);
    assert.deepEqual(w.events, []);
  });

  test("a wrong code on a request that then fails is still reported (its count is never undone)", async () => {
    const w = await world({ plugins: [failingAfter("/two-factor/verify-totp")] });
    const r = await w.a.post("/two-factor/verify-totp", { code: wrongTotp(w.uri, w.clock) });
    await delivered();
    assert.equal(r.status, 500);
    assert.deepEqual(w.events.map(key), [{ type: "two-factor.failed", method: "totp", attemptsLeft: 9 }]);
  });

  test("a reset whose request fails after its writes: everything is restored, no two-factor.reset", async () => {
    const w = await world({ plugins: [failingAfter("")] });
    await assert.rejects(w.auth.api.resetTwoFactor({ body: { userId: w.userId } }));
    await delivered();
    assert.deepEqual(w.events, []);
    const user = await w.auth.context.store.findOne<Row>("user", [{ field: "id", value: w.userId }]);
    assert.equal(user?.twoFactorEnabled, true);
    assert.equal((await w.a.post("/two-factor/verify-totp", { code: totpAt(w.uri, w.clock) })).status, 200, "the challenge is back");
  });
});
