/** Account deletion: everything of the user goes (two-factor state included), and only with proof. */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import type { AccountMail, Kernia, KerniaOptions } from "../../src/auth/types.js";
import { rowsOf } from "./helpers.js";
import { MODELS } from "../../src/plugins/two-factor/schema.js";
import { Client, Clock, enrolledUser, makeAuth, PASSWORD, signUp, totpAt } from "../helpers/two-factor.js";

function setup(options: Partial<KerniaOptions> = {}, clock = new Clock()) {
  const mails: AccountMail[] = [];
  const made = makeAuth({
    clock,
    options: { ...options, user: { deleteUser: { enabled: true, ...options.user?.deleteUser } } },
  });
  return { ...made, mails };
}

/** A two-factor user with every kind of row: secret, backup codes, trusted device, challenge, OTP. */
async function fullUser(auth: Kernia, clock: Clock) {
  const u = await enrolledUser(auth, clock);
  const trusted = new Client(auth);
  await trusted.post("/sign-in/email", { email: u.email, password: PASSWORD });
  assert.equal((await trusted.post("/two-factor/verify-totp", { code: totpAt(u.uri, clock), trustDevice: true })).status, 200);
  clock.advance(30);
  const pending = new Client(auth);
  await pending.post("/sign-in/email", { email: u.email, password: PASSWORD });
  assert.equal((await pending.post("/two-factor/send-otp")).status, 200);
  const rows = await rowsOf(auth, u.userId);
  for (const model of [
    MODELS.twoFactor,
    MODELS.backupCode,
    MODELS.trustedDevice,
    MODELS.challenge,
    MODELS.otp,
    "session",
    "account",
    "user",
  ]) {
    assert.ok(rows[model] > 0, `set-up made a ${model} row`);
  }
  return { ...u, trusted, pending };
}

describe("delete-user", () => {
  test("removes the user's two-factor rows, backup codes, OTPs, challenges, trusted devices, sessions and account", async () => {
    const { auth, clock } = setup();
    const u = await fullUser(auth, clock);
    const r = await u.client.post("/delete-user", { password: PASSWORD });
    assert.equal(r.status, 200);
    assert.deepEqual(r.body, { success: true, message: "User deleted" });
    for (const [model, n] of Object.entries(await rowsOf(auth, u.userId))) assert.equal(n, 0, model);
    assert.equal((await u.trusted.get("/get-session")).body, null);
    const challenge = await u.pending.post("/two-factor/verify-totp", { code: totpAt(u.uri, clock) });
    assert.equal(challenge.status, 401);
  });

  test("a stale session needs the password: 400 SESSION_EXPIRED", async () => {
    const { auth, clock } = setup();
    const c = new Client(auth);
    const { userId } = await signUp(c);
    clock.advance(86400);
    const r = await c.post("/delete-user", {});
    assert.equal(r.status, 400);
    assert.deepEqual(r.body, { message: "Session expired. Re-authenticate to perform this action.", code: "SESSION_EXPIRED" });
    assert.equal((await rowsOf(auth, userId)).user, 1);
  });

  test("someone else's delete token is refused and stays unspent for its owner", async () => {
    const mails: AccountMail[] = [];
    const { auth } = setup({ user: { deleteUser: { sendDeleteAccountVerification: (m) => void mails.push(m) } } });
    const owner = new Client(auth);
    const { userId } = await signUp(owner);
    await owner.post("/delete-user", {});
    const token = mails.at(-1)!.token;
    assert.match(token, /^[A-Za-z0-9]{32}$/);
    const intruder = new Client(auth);
    await signUp(intruder);
    const r = await intruder.get(`/delete-user/callback?token=${token}`);
    assert.equal(r.status, 404);
    assert.equal(r.body.code, "INVALID_TOKEN");
    const ok = await owner.get(`/delete-user/callback?token=${token}`);
    assert.deepEqual(ok.body, { success: true, message: "User deleted" });
    assert.equal((await rowsOf(auth, userId)).user, 0);
  });

  test("disabled (the default): a bare 404, nothing deleted", async () => {
    const { auth } = makeAuth();
    const c = new Client(auth);
    const { userId } = await signUp(c);
    const r = await c.post("/delete-user", { password: PASSWORD });
    assert.equal(r.status, 404);
    assert.equal(r.text, "");
    assert.equal((await rowsOf(auth, userId)).user, 1);
  });
});
