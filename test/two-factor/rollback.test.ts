/**
 * The two-factor plugin's compensations (ctx.onFailure): a sign-in that passes its second factor either
 * ends with a delivered session or leaves nothing behind but what the user can retry with. A store
 * write chosen by name fails before it is applied, or after (applied, reply lost); then the state is
 * checked and a retry must succeed, with the same two_factor cookie where this request could put the
 * challenge back.
 */
import { afterEach, beforeEach, describe, test } from "node:test";
import assert from "node:assert/strict";
import { memoryAdapter } from "../../src/adapters/memory.js";
import { targetedFaultAdapter, type FaultPlan, type TargetedFault } from "../helpers/faulty-store.js";
import type { Plugin } from "../../src/index.js";
import { challenge, Client, enrolledUser, makeAuth, PASSWORD, signUp, totpAt, type Reply } from "../helpers/two-factor.js";

const realError = console.error;
beforeEach(() => {
  console.error = () => {}; // the core logs every injected 500; nothing here asserts on it
});
afterEach(() => {
  console.error = realError;
});

type Plan = FaultPlan;

function setup(extra: { otp?: boolean; plugins?: Plugin[] } = {}) {
  const plan: Plan = { fault: null, hits: 0 };
  const made = makeAuth({
    box: extra.otp ? undefined : null,
    plugins: extra.plugins,
    database: targetedFaultAdapter(memoryAdapter(), plan),
  });
  const store = made.auth.context.store;
  const count = (model: string, userId: string, more: { field: string; value: null }[] = []) =>
    store.count(model, [{ field: "userId", value: userId }, ...more]);
  return { ...made, plan, store, count };
}

/** Arm the fault for the next request only, and check it was hit. */
async function failing(plan: Plan, fault: TargetedFault, send: () => Promise<Reply>): Promise<Reply> {
  plan.fault = fault;
  plan.hits = 0;
  const reply = await send();
  assert.equal(plan.hits, 1, `the fault ${fault.op}(${fault.model}) was reached`);
  plan.fault = null;
  return reply;
}

const setsCookie = (r: Reply, short: string) => r.setCookies.some((l) => l.startsWith(`better-auth.${short}=`) && !/Max-Age=0/.test(l));

describe("verify-backup-code on a challenge: the code is spent together with the session or not at all", () => {
  for (const fault of [
    { op: "create", model: "session", mode: "before" },
    { op: "create", model: "session", mode: "after" },
    { op: "update", model: "twoFactor", mode: "after" }, // recordSuccess, after the challenge was consumed
  ] as TargetedFault[]) {
    test(`${fault.op}(${fault.model}) fails ${fault.mode}: code unspent, no session, challenge back; same cookie + code succeed`, async () => {
      const t = setup();
      const { client, email, userId, backupCodes } = await enrolledUser(t.auth, t.clock);
      // The enrolment session is still in the store until sign-out; challenge() signs out first.
      await challenge(client, email);
      // lockout counter > 0 so that recordSuccess writes
      assert.equal((await client.post("/two-factor/verify-backup-code", { code: "wrong-code0" })).status, 401);
      const unused = () => t.count("twoFactorBackupCode", userId, [{ field: "usedAt", value: null }]);
      assert.equal(await unused(), 10);

      const r = await failing(t.plan, fault, () => client.post("/two-factor/verify-backup-code", { code: backupCodes[0] }));
      assert.equal(r.status, 500);
      assert.equal(await unused(), 10, "the backup code is unspent again");
      assert.equal(await t.count("session", userId), 0, "no undelivered session row");
      assert.equal(await t.count("twoFactorConfirmation", userId), 1, "the challenge is back");

      const retry = await client.post("/two-factor/verify-backup-code", { code: backupCodes[0] });
      assert.equal(retry.status, 200, retry.text);
      assert.ok(setsCookie(retry, "session_token"));
      assert.equal(await unused(), 9);
      assert.equal(await t.count("session", userId), 1);
    });
  }

  test("deleteOne(challenge) fails after (taken, reply lost): code unspent; the retry signs in again and the same code works", async () => {
    const t = setup();
    const { client, email, userId, backupCodes } = await enrolledUser(t.auth, t.clock);
    await challenge(client, email);
    const r = await failing(t.plan, { op: "deleteOne", model: "twoFactorConfirmation", mode: "after" }, () =>
      client.post("/two-factor/verify-backup-code", { code: backupCodes[0] }),
    );
    assert.equal(r.status, 500);
    assert.equal(await t.count("twoFactorBackupCode", userId, [{ field: "usedAt", value: null }]), 10);
    // Not put back: this request cannot know it was the one that took the challenge.
    assert.equal(await t.count("twoFactorConfirmation", userId), 0);
    const stale = await client.post("/two-factor/verify-backup-code", { code: backupCodes[0] });
    assert.equal(stale.status, 401);
    assert.equal(stale.body.code, "INVALID_TWO_FACTOR_COOKIE");
    await client.post("/sign-in/email", { email, password: PASSWORD });
    assert.equal((await client.post("/two-factor/verify-backup-code", { code: backupCodes[0] })).status, 200);
  });

  test("a concurrent burst of one code: one session, and the losers' failures do not unspend the winner's code", async () => {
    const t = setup();
    const { client, email, userId, backupCodes } = await enrolledUser(t.auth, t.clock);
    await challenge(client, email);
    // Same cookie, same code, same (injected, frozen) clock: every spend would write the same usedAt.
    const replies = await Promise.all(
      Array.from({ length: 4 }, () => client.clone().post("/two-factor/verify-backup-code", { code: backupCodes[0] })),
    );
    assert.equal(replies.filter((r) => r.status === 200).length, 1, replies.map((r) => `${r.status} ${r.text}`).join("\n"));
    assert.equal(await t.count("session", userId), 1);
    assert.equal(await t.count("twoFactorBackupCode", userId, [{ field: "usedAt", value: null }]), 9, "the code stays spent");
  });
});

describe("verify-totp on a challenge", () => {
  test("create(session) fails after: no session, challenge back; the same code stays spent (replay guard), the next one succeeds", async () => {
    const t = setup();
    const { client, email, userId, uri } = await enrolledUser(t.auth, t.clock);
    await challenge(client, email);
    const code = totpAt(uri, t.clock);
    const r = await failing(t.plan, { op: "create", model: "session", mode: "after" }, () =>
      client.post("/two-factor/verify-totp", { code }),
    );
    assert.equal(r.status, 500);
    assert.equal(await t.count("session", userId), 0);
    assert.equal(await t.count("twoFactorConfirmation", userId), 1);
    // RFC 6238 section 5.2: the step was accepted once; the 500 told the sender the code was right.
    const replay = await client.post("/two-factor/verify-totp", { code });
    assert.equal(replay.status, 401);
    // issue 16 item 8: a right code reused within its step says so (was INVALID_CODE)
    assert.equal(replay.body.code, "TOTP_CODE_ALREADY_USED");
    t.clock.advance(30);
    const next = await client.post("/two-factor/verify-totp", { code: totpAt(uri, t.clock) });
    assert.equal(next.status, 200, next.text);
    assert.equal(await t.count("session", userId), 1);
  });

  for (const mode of ["before", "after"] as const) {
    test(`trustDevice: create(trusted device) fails ${mode}: no session, no device record, challenge back; the retry trusts the device`, async () => {
      const t = setup();
      const { client, email, userId, uri } = await enrolledUser(t.auth, t.clock);
      await challenge(client, email);
      const r = await failing(t.plan, { op: "create", model: "twoFactorTrustedDevice", mode }, () =>
        client.post("/two-factor/verify-totp", { code: totpAt(uri, t.clock), trustDevice: true }),
      );
      assert.equal(r.status, 500);
      assert.deepEqual(r.setCookies, []);
      assert.equal(await t.count("session", userId), 0);
      assert.equal(await t.count("twoFactorTrustedDevice", userId), 0);
      assert.equal(await t.count("twoFactorConfirmation", userId), 1);

      t.clock.advance(30);
      const retry = await client.post("/two-factor/verify-totp", { code: totpAt(uri, t.clock), trustDevice: true });
      assert.equal(retry.status, 200, retry.text);
      assert.ok(setsCookie(retry, "trust_device"));
      assert.equal(await t.count("twoFactorTrustedDevice", userId), 1);
      await client.post("/sign-out", {});
      const again = await client.post("/sign-in/email", { email, password: PASSWORD });
      assert.notEqual(again.body.twoFactorRedirect, true, "the trusted device skips the challenge");
    });
  }
});

describe("verify-otp on a challenge", () => {
  test("create(session) fails after: no session; the delivered code and the challenge are back, so the same code succeeds", async () => {
    const t = setup({ otp: true });
    const client = new Client(t.auth);
    const { email, userId } = await signUp(client);
    assert.equal((await client.post("/two-factor/enable", { password: PASSWORD, method: "otp" })).status, 200);
    await challenge(client, email);
    assert.equal((await client.post("/two-factor/send-otp", {})).status, 200);
    const code = t.box.last();
    const r = await failing(t.plan, { op: "create", model: "session", mode: "after" }, () =>
      client.post("/two-factor/verify-otp", { code }),
    );
    assert.equal(r.status, 500);
    assert.equal(await t.count("session", userId), 0);
    assert.equal(await t.count("twoFactorOtp", userId), 1, "the code is back");
    const retry = await client.post("/two-factor/verify-otp", { code });
    assert.equal(retry.status, 200, retry.text);
    assert.equal(t.box.sent.length, 1, "no second send needed");
    assert.equal(await t.count("twoFactorOtp", userId), 0, "and now it is consumed");
  });
});

describe("the sign-in gate", () => {
  // A challenged sign-in writes no session (the core's gate step decides first): its steps are the
  // gate's read of the twoFactor row and the challenge's create.
  for (const fault of [
    { op: "create", model: "twoFactorConfirmation", mode: "before" },
    { op: "create", model: "twoFactorConfirmation", mode: "after" },
    { op: "findOne", model: "twoFactor", mode: "before" },
    { op: "findOne", model: "twoFactor", mode: "after" },
  ] as TargetedFault[]) {
    test(`${fault.op}(${fault.model}) fails ${fault.mode}: no provisional session and no challenge survive; a retry is challenged`, async () => {
      const t = setup();
      const { client, email, userId, uri } = await enrolledUser(t.auth, t.clock);
      await client.post("/sign-out", {});
      // findOne(twoFactor) is the gate's read (the first read of that model in a sign-in).
      const r = await failing(t.plan, fault, () => client.post("/sign-in/email", { email, password: PASSWORD }));
      assert.equal(r.status, 500);
      assert.deepEqual(r.setCookies, []);
      assert.equal(await t.count("session", userId), 0);
      assert.equal(await t.count("twoFactorConfirmation", userId), 0);
      const again = await client.post("/sign-in/email", { email, password: PASSWORD });
      assert.equal(again.body.twoFactorRedirect, true);
      assert.equal((await client.post("/two-factor/verify-totp", { code: totpAt(uri, t.clock) })).status, 200);
    });
  }

  test("a later failure in the same sign-in reverts the trusted-device rotation, so the device's cookie still works", async () => {
    let failNext = false;
    const late: Plugin = {
      id: "late-failure",
      hooks: {
        after: [
          {
            matches: (ctx) => ctx.path === "/sign-in/email",
            async handler() {
              if (failNext) throw new Error("late failure");
            },
          },
        ],
      },
    };
    const t = setup({ plugins: [late] });
    const { client, email, userId, uri } = await enrolledUser(t.auth, t.clock);
    await challenge(client, email);
    assert.equal((await client.post("/two-factor/verify-totp", { code: totpAt(uri, t.clock), trustDevice: true })).status, 200);
    await client.post("/sign-out", {});
    const trust = client.cookie("trust_device");
    assert.ok(trust);

    failNext = true;
    const r = await client.post("/sign-in/email", { email, password: PASSWORD });
    failNext = false;
    assert.equal(r.status, 500);
    assert.equal(await t.count("session", userId), 0);
    assert.equal(client.cookie("trust_device"), trust, "the rotated cookie never arrived");
    const ok = await client.post("/sign-in/email", { email, password: PASSWORD });
    assert.equal(ok.status, 200);
    assert.notEqual(ok.body.twoFactorRedirect, true, "the old trust cookie is valid again");
  });
});

describe("write order on disable: a failure part way never leaves 2FA on without a factor", () => {
  for (const fault of [
    { op: "deleteMany", model: "twoFactor", mode: "before" },
    { op: "deleteMany", model: "twoFactorBackupCode", mode: "after" },
  ] as TargetedFault[]) {
    test(`${fault.op}(${fault.model}) fails ${fault.mode}: twoFactorEnabled is already off`, async () => {
      const t = setup();
      const { email, userId, uri } = await enrolledUser(t.auth, t.clock);
      const c = new Client(t.auth);
      await c.post("/sign-in/email", { email, password: PASSWORD });
      assert.equal((await c.post("/two-factor/verify-totp", { code: totpAt(uri, t.clock) })).status, 200);
      const r = await failing(t.plan, fault, () => c.post("/two-factor/disable", { password: PASSWORD }));
      assert.equal(r.status, 500);
      const user = await t.store.findOne("user", [{ field: "id", value: userId }]);
      assert.equal(user?.twoFactorEnabled, false);
      const fresh = new Client(t.auth);
      const s = await fresh.post("/sign-in/email", { email, password: PASSWORD });
      assert.notEqual(s.body.twoFactorRedirect, true);
      assert.equal((await fresh.post("/two-factor/disable", { password: PASSWORD })).status, 200, "a retry finishes the job");
      assert.equal(await t.count("twoFactor", userId), 0);
    });
  }
});
