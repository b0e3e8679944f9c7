/**
 * Turning two-factor off is all or nothing for access (issue 11 item 4): a store failure at any step of
 * `disable`, before or after the operation applies, followed by a re-enable (TOTP or OTP method),
 * leaves no old trusted device, backup code or TOTP secret that works again. And turning 2FA on or off
 * ends the user's other sessions unless `revokeOtherSessions: false`.
 */
import { afterEach, beforeEach, describe, test } from "node:test";
import assert from "node:assert/strict";
import { memoryAdapter } from "../../src/adapters/memory.js";
import { FaultController, faultyAdapter, targetedFaultAdapter, type FaultMode, type FaultPlan } from "../helpers/faulty-store.js";
import { challenge, Client, enrolledUser, makeAuth, PASSWORD, signUp, totpAt, type Reply } from "../helpers/two-factor.js";

const realError = console.error;
beforeEach(() => {
  console.error = () => {}; // the core logs every injected 500
});
afterEach(() => {
  console.error = realError;
});

/** A user with TOTP, backup codes and a trusted browser; the fault controller paused. */
async function prepared() {
  const ctl = new FaultController();
  ctl.enabled = false;
  const made = makeAuth({ database: faultyAdapter(memoryAdapter(), ctl) });
  const { client, email, userId, uri, backupCodes } = await enrolledUser(made.auth, made.clock);
  await challenge(client, email);
  const trusted = await client.post("/two-factor/verify-totp", { code: totpAt(uri, made.clock), trustDevice: true });
  assert.equal(trusted.status, 200);
  const trustCookie = client.cookie("trust_device");
  assert.ok(trustCookie);
  made.clock.advance(30);
  return { ...made, ctl, client, email, userId, uri, oldBackupCode: backupCodes[5], trustCookie };
}

type Prepared = Awaited<ReturnType<typeof prepared>>;

/** Signed in again if the failed request left this client without a session. */
async function ensureSession(t: Prepared): Promise<void> {
  if ((await t.client.get("/get-session")).body) return;
  const r = await t.client.post("/sign-in/email", { email: t.email, password: PASSWORD });
  assert.equal(r.status, 200);
  if (r.body.twoFactorRedirect === true) {
    t.clock.advance(30);
    assert.equal((await t.client.post("/two-factor/verify-totp", { code: totpAt(t.uri, t.clock) })).status, 200);
  }
}

async function reEnable(t: Prepared, method: "totp" | "otp"): Promise<void> {
  const en = await t.client.post("/two-factor/enable", { password: PASSWORD, method });
  assert.equal(en.status, 200, en.text);
  if (method === "totp") {
    assert.notEqual(en.body.totpURI, t.uri, "a new secret");
    const ok = await t.client.post("/two-factor/verify-totp", { code: totpAt(en.body.totpURI, t.clock) });
    assert.equal(ok.status, 200, ok.text);
  }
  const user = await t.ctl.inner!.findOne("user", [{ field: "id", value: t.userId }]);
  assert.equal(user?.twoFactorEnabled, true);
}

/** The old trust cookie, the old backup code and the old secret: each refused. */
async function assertOldFactorsDead(t: Prepared, label: string, method: "totp" | "otp"): Promise<void> {
  assert.deepEqual((await t.client.get("/two-factor/trusted-devices")).body, [], `${label}: an old trusted device is listed`);
  // only the new enrolment's codes count (none with the OTP method)
  const expected = method === "totp" ? { total: 10, remaining: 10 } : { total: 0, remaining: 0 };
  assert.deepEqual((await t.client.get("/two-factor/backup-codes/status")).body, expected, `${label}: backup-code status`);
  const browser = new Client(t.auth);
  browser.jar.set("better-auth.trust_device", t.trustCookie);
  const signIn = await browser.post("/sign-in/email", { email: t.email, password: PASSWORD });
  assert.equal(signIn.body.twoFactorRedirect, true, `${label}: the old trusted device skipped the second factor`);
  const backup = await browser.post("/two-factor/verify-backup-code", { code: t.oldBackupCode });
  assert.notEqual(backup.status, 200, `${label}: the old backup code was accepted`);
  t.clock.advance(30);
  const old = await browser.post("/two-factor/verify-totp", { code: totpAt(t.uri, t.clock) });
  assert.notEqual(old.status, 200, `${label}: the old TOTP secret was accepted`);
}

describe("disable fails part way, then 2FA is enabled again: nothing old comes back", () => {
  for (const method of ["totp", "otp"] as const) {
    test(`every store step of disable, before and after, re-enabled with ${method}`, async () => {
      // How many store operations a disable takes here (every step gets a fault below).
      const probe = await prepared();
      probe.ctl.reset();
      assert.equal((await probe.client.post("/two-factor/disable", { password: PASSWORD })).status, 200);
      const steps = probe.ctl.trace.slice();
      assert.ok(steps.length >= 8, steps.join(" "));
      const seen: string[] = [];
      for (let step = 1; step <= steps.length; step++) {
        for (const mode of ["before", "after"] as FaultMode[]) {
          const t = await prepared();
          t.ctl.reset(step, mode);
          const r: Reply = await t.client.post("/two-factor/disable", { password: PASSWORD });
          t.ctl.enabled = false;
          const label = `step ${step}/${steps.length} ${t.ctl.trace[step - 1]} ${mode}`;
          assert.equal(t.ctl.injected.length, 1, `${label}: the fault was reached`);
          assert.notEqual(r.status, 200, label);
          seen.push(`${label} -> ${r.status}`);
          await ensureSession(t);
          const user = await t.ctl.inner!.findOne("user", [{ field: "id", value: t.userId }]);
          if (user?.twoFactorEnabled === true) {
            // Failed before anything changed: 2FA is simply still on. The retry completes it.
            assert.equal((await t.client.post("/two-factor/disable", { password: PASSWORD })).status, 200, label);
          }
          await reEnable(t, method);
          await assertOldFactorsDead(t, label, method);
        }
      }
      assert.equal(seen.length, steps.length * 2);
    });
  }
});

describe("turning 2FA on or off ends the user's other sessions (revokeOtherSessions)", () => {
  async function twoBrowsers(options: Parameters<typeof makeAuth>[0] = {}) {
    const made = makeAuth(options);
    const a = new Client(made.auth);
    const { email } = await signUp(a);
    const b = new Client(made.auth);
    assert.equal((await b.post("/sign-in/email", { email, password: PASSWORD })).status, 200);
    return { ...made, a, b, email };
  }
  const signedIn = async (c: Client) => (await c.get("/get-session")).body !== null;

  test("enable (TOTP, on verification) and disable end the other sessions; the acting one is replaced", async () => {
    const t = await twoBrowsers();
    const en = await t.a.post("/two-factor/enable", { password: PASSWORD });
    assert.ok(await signedIn(t.b), "a pending enrolment changes nothing yet");
    assert.equal((await t.a.post("/two-factor/verify-totp", { code: totpAt(en.body.totpURI, t.clock) })).status, 200);
    assert.equal(await signedIn(t.b), false, "the other session ended when 2FA went on");
    assert.ok(await signedIn(t.a));
    // a second browser again, through the challenge
    t.clock.advance(30);
    await challenge(t.b, t.email);
    assert.equal((await t.b.post("/two-factor/verify-totp", { code: totpAt(en.body.totpURI, t.clock) })).status, 200);
    assert.ok(await signedIn(t.b));
    assert.equal((await t.a.post("/two-factor/disable", { password: PASSWORD })).status, 200);
    assert.equal(await signedIn(t.b), false, "the other session ended when 2FA went off");
    assert.ok(await signedIn(t.a));
  });

  test("enable with the OTP method ends the other sessions", async () => {
    const t = await twoBrowsers();
    assert.equal((await t.a.post("/two-factor/enable", { password: PASSWORD, method: "otp" })).status, 200);
    assert.equal(await signedIn(t.b), false);
    assert.ok(await signedIn(t.a));
  });

  test("a failing user write while turning 2FA on leaves no other session alive (sessions are replaced first)", async () => {
    for (const mode of ["before", "after"] as FaultMode[]) {
      const plan: FaultPlan = { fault: null, hits: 0 };
      const t = await twoBrowsers({ database: targetedFaultAdapter(memoryAdapter(), plan) });
      const en = await t.a.post("/two-factor/enable", { password: PASSWORD });
      plan.fault = { op: "update", model: "user", mode };
      const r = await t.a.post("/two-factor/verify-totp", { code: totpAt(en.body.totpURI, t.clock) });
      assert.equal(plan.hits, 1);
      assert.equal(r.status, 500);
      assert.equal(await signedIn(t.b), false, `${mode}: the other session survived`);
      assert.equal(await signedIn(t.a), false, `${mode}: the request failed, so its new session is gone too`);
    }
  });

  test("revokeOtherSessions: false keeps them (the acting session is still replaced)", async () => {
    const t = await twoBrowsers({ twoFactor: { revokeOtherSessions: false } });
    const before = t.a.cookie("session_token");
    const en = await t.a.post("/two-factor/enable", { password: PASSWORD });
    assert.equal((await t.a.post("/two-factor/verify-totp", { code: totpAt(en.body.totpURI, t.clock) })).status, 200);
    assert.notEqual(t.a.cookie("session_token"), before);
    assert.ok(await signedIn(t.b));
    assert.equal((await t.a.post("/two-factor/disable", { password: PASSWORD })).status, 200);
    assert.ok(await signedIn(t.b));
  });
});
