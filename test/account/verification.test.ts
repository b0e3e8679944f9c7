/**
 * Email verification, profile and email change: single-use expiring tokens, the two-factor rule for
 * autoSignInAfterVerification, and what update-user may not touch.
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import type { AccountMail, KerniaOptions } from "../../src/auth/types.js";
import { Client, Clock, enrolledUser, makeAuth, PASSWORD, signUp } from "../helpers/two-factor.js";

function setup(options: Partial<KerniaOptions> = {}, clock = new Clock()) {
  const mails: AccountMail[] = [];
  const made = makeAuth({
    clock,
    options: {
      ...options,
      emailVerification: { sendVerificationEmail: (m) => void mails.push(m), ...options.emailVerification },
    },
  });
  return { ...made, mails };
}

async function mailFor(c: Client, email: string, mails: AccountMail[]): Promise<AccountMail> {
  const r = await c.post("/send-verification-email", { email });
  assert.equal(r.status, 200, r.text);
  const m = mails.at(-1);
  assert.ok(m && m.user.email === email);
  return m;
}

describe("verify-email", () => {
  test("the link has Better Auth's shape; the token works once (a second use is INVALID_TOKEN)", async () => {
    const { auth, mails } = setup();
    const c = new Client(auth);
    const { email } = await signUp(c);
    const m = await mailFor(c, email, mails);
    assert.match(m.token, /^[A-Za-z0-9]{24}$/);
    assert.equal(m.url, `http://localhost:3000/api/auth/verify-email?token=${m.token}&callbackURL=%2F`);
    const first = await c.get(`/verify-email?token=${m.token}`);
    assert.deepEqual(first.body, { status: true, user: null });
    assert.equal((await c.get("/get-session")).body.user.emailVerified, true);
    const second = await c.get(`/verify-email?token=${m.token}`);
    assert.equal(second.status, 401);
    assert.deepEqual(second.body, { message: "Invalid token", code: "INVALID_TOKEN" });
    assert.equal(await auth.context.store.count("verification", []), 0);
  });

  test("an expired token: TOKEN_EXPIRED (401, or ?error= on the callback)", async () => {
    const { auth, mails, clock } = setup({ emailVerification: { expiresIn: 60 } });
    const c = new Client(auth);
    const { email } = await signUp(c);
    const m = await mailFor(c, email, mails);
    clock.advance(61);
    // An expired row answers TOKEN_EXPIRED until the store sweeps it (the memory store a few rows per
    // operation, MongoDB's TTL monitor once a minute); after that it is simply unknown: INVALID_TOKEN.
    const r = await c.get(`/verify-email?token=${m.token}`);
    assert.equal(r.status, 401);
    assert.match(r.body.code, /^(TOKEN_EXPIRED|INVALID_TOKEN)$/);
    const m2 = await mailFor(c, email, mails);
    clock.advance(61);
    const redirected = await c.get(`/verify-email?token=${m2.token}&callbackURL=%2Fdone%3Fx%3D1`);
    assert.equal(redirected.status, 302);
    assert.match(redirected.headers.get("location") ?? "", /^\/done\?x=1&error=(TOKEN_EXPIRED|INVALID_TOKEN)$/);
  });

  test("a burst of 100 verifications with one token (autoSignIn on): one succeeds, one session", async () => {
    const { auth, mails } = setup({
      emailVerification: { autoSignInAfterVerification: true },
      emailAndPassword: { requireEmailVerification: true },
    });
    const c = new Client(auth);
    const { email, userId } = await signUp(c);
    const m = mails.at(-1)!; // sendOnSignUp defaults to requireEmailVerification
    assert.equal(m.user.email, email);
    const answers = await Promise.all(Array.from({ length: 100 }, () => new Client(auth).get(`/verify-email?token=${m.token}`)));
    assert.equal(answers.filter((a) => a.status === 200).length, 1);
    assert.equal(answers.filter((a) => a.body?.code === "INVALID_TOKEN").length, 99);
    assert.equal(await auth.context.store.count("session", [{ field: "userId", value: userId }]), 1);
  });

  test("autoSignInAfterVerification never creates a session for a user with two-factor on", async () => {
    const { auth, mails, clock } = setup({ emailVerification: { autoSignInAfterVerification: true } });
    const { client, email, userId } = await enrolledUser(auth, clock);
    const m = await mailFor(client, email, mails);
    await client.post("/sign-out");
    const before = await auth.context.store.count("session", [{ field: "userId", value: userId }]);
    const fresh = new Client(auth);
    const r = await fresh.get(`/verify-email?token=${m.token}&callbackURL=%2Fwelcome`);
    assert.equal(r.status, 302);
    assert.equal(r.headers.get("location"), "/welcome");
    assert.equal(fresh.cookie("session_token"), undefined);
    assert.equal(await auth.context.store.count("session", [{ field: "userId", value: userId }]), before);
    assert.equal((await auth.context.users.findById(userId))?.emailVerified, true);
    const signIn = await fresh.post("/sign-in/email", { email, password: PASSWORD });
    assert.equal(signIn.body.twoFactorRedirect, true);
  });

  test("a token made for an address the user no longer has proves nothing", async () => {
    const { auth, mails } = setup({ user: { changeEmail: { enabled: true, updateEmailWithoutVerification: true } } });
    const c = new Client(auth);
    const { email, userId } = await signUp(c);
    const old = await mailFor(c, email, mails);
    assert.equal((await c.post("/change-email", { newEmail: "moved@example.com" })).status, 200);
    const r = await c.get(`/verify-email?token=${old.token}`);
    assert.equal(r.body.code, "INVALID_TOKEN");
    assert.equal((await auth.context.users.findById(userId))?.emailVerified, false);
    // the mail sent to the new address does verify it
    const fresh = mails.at(-1)!;
    assert.equal(fresh.user.email, "moved@example.com");
    assert.deepEqual((await c.get(`/verify-email?token=${fresh.token}`)).body, { status: true, user: null });
    assert.equal((await auth.context.users.findById(userId))?.emailVerified, true);
  });

  test("send-verification-email: the same answer for unknown, verified and unverified addresses", async () => {
    const { auth, mails } = setup();
    const c = new Client(auth);
    const { email } = await signUp(c);
    await c.post("/sign-out");
    const known = await c.post("/send-verification-email", { email });
    const unknown = await c.post("/send-verification-email", { email: "nobody@example.com" });
    assert.equal(known.text, unknown.text);
    assert.equal(mails.length, 1);
    assert.equal(mails[0].user.email, email);
  });

  test("without sendVerificationEmail: 400 VERIFICATION_EMAIL_NOT_ENABLED", async () => {
    const { auth } = makeAuth();
    const r = await new Client(auth).post("/send-verification-email", { email: "a@example.com" });
    assert.equal(r.status, 400);
    assert.deepEqual(r.body, { message: "Verification email isn't enabled", code: "VERIFICATION_EMAIL_NOT_ENABLED" });
  });
});

describe("update-user and change-email", () => {
  test("update-user takes name and image only: never twoFactorEnabled, emailVerified or other fields", async () => {
    const { auth, clock } = setup();
    const { client, userId } = await enrolledUser(auth, clock);
    const r = await client.post("/update-user", { twoFactorEnabled: false, emailVerified: true, id: "x", createdAt: "2020-01-01" });
    assert.equal(r.status, 400);
    assert.deepEqual(r.body, { message: "No fields to update" });
    const ok = await client.post("/update-user", { name: "New Name", twoFactorEnabled: false });
    assert.equal(ok.status, 200);
    const user = await auth.context.users.findById(userId);
    assert.equal(user?.name, "New Name");
    assert.equal(user?.twoFactorEnabled, true);
    assert.equal(user?.emailVerified, false);
  });

  test("change-email: a link to the new address; the email changes only when it is opened", async () => {
    const { auth, mails } = setup({ user: { changeEmail: { enabled: true } } });
    const c = new Client(auth);
    const { email, userId } = await signUp(c);
    assert.equal((await c.post("/change-email", { newEmail: "New@Example.com", callbackURL: "/changed" })).status, 200);
    const m = mails.at(-1)!;
    assert.equal(m.user.email, "new@example.com");
    assert.equal((await auth.context.users.findById(userId))?.email, email);
    // Another signed-in user cannot use the link.
    const other = new Client(auth);
    await signUp(other, "other@example.com");
    const stolen = await other.get(`/verify-email?token=${m.token}`);
    assert.equal(stolen.body.code, "INVALID_USER");
    // The token was put back by the failed request: the owner can still use it.
    const r = await c.get(`/verify-email?token=${m.token}&callbackURL=%2Fchanged`);
    assert.equal(r.status, 302);
    assert.equal((await auth.context.users.findById(userId))?.email, "new@example.com");
    assert.equal((await new Client(auth).post("/sign-in/email", { email: "new@example.com", password: PASSWORD })).status, 200);
  });

  test("change-email when the new address was taken meanwhile: 422, nothing changed", async () => {
    const { auth, mails } = setup({ user: { changeEmail: { enabled: true } } });
    const c = new Client(auth);
    const { email, userId } = await signUp(c);
    await c.post("/change-email", { newEmail: "race@example.com" });
    const m = mails.at(-1)!;
    await signUp(new Client(auth), "race@example.com");
    const r = await c.get(`/verify-email?token=${m.token}`);
    assert.equal(r.status, 422);
    assert.equal(r.body.code, "USER_ALREADY_EXISTS_USE_ANOTHER_EMAIL");
    assert.equal((await auth.context.users.findById(userId))?.email, email);
  });
});
