/**
 * Password reset and change: single-use hashed tokens, expiry, no account enumeration, and the
 * two-factor rules (a reset never turns two-factor off nor signs anyone in past it; it revokes
 * sessions, trusted devices and pending challenges by default; a change with revokeOtherSessions
 * revokes those of the other browsers).
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import type { Row } from "../../src/adapters/types.js";
import type { AccountMail, KerniaOptions } from "../../src/auth/types.js";
import { nodeCrypto } from "../../src/crypto/node.js";
import { Client, Clock, enrolledUser, makeAuth, PASSWORD, signUp, totpAt } from "../helpers/two-factor.js";

const NEW_PASSWORD = "a-new-password-1";

function setup(options: Partial<KerniaOptions> = {}, clock = new Clock()) {
  const mails: AccountMail[] = [];
  const made = makeAuth({
    clock,
    options: {
      ...options,
      emailAndPassword: {
        sendResetPassword: (m) => void mails.push(m),
        ...options.emailAndPassword,
      },
    },
  });
  return { ...made, mails };
}

async function requestReset(client: Client, email: string, mails: AccountMail[]): Promise<string> {
  const r = await client.post("/request-password-reset", { email, redirectTo: "/reset" });
  assert.equal(r.status, 200, r.text);
  const mail = mails.at(-1);
  assert.ok(mail);
  return mail.token;
}

describe("password reset tokens", () => {
  test("the link has Better Auth's shape; the token is stored only as a hash, with the configured expiry", async () => {
    const { auth, mails, clock } = setup({ emailAndPassword: { resetPasswordTokenExpiresIn: 600 } });
    const c = new Client(auth);
    const { email, userId } = await signUp(c);
    const token = await requestReset(c, email, mails);
    assert.match(token, /^[A-Za-z0-9]{24}$/);
    assert.equal(mails[0].url, `http://localhost:3000/api/auth/reset-password/${token}?callbackURL=%2Freset`);
    assert.equal(mails[0].user.id, userId);
    const rows = await auth.context.store.findMany<Row>("verification", []);
    assert.equal(rows.length, 1);
    const hash = Buffer.from(nodeCrypto.sha256(new TextEncoder().encode(token))).toString("hex");
    assert.equal(rows[0].identifier, `reset-password:${hash}`);
    assert.equal(rows[0].value, `reset-password:${userId}`);
    assert.equal((rows[0].expiresAt as Date).getTime(), clock.now() + 600_000);
    assert.ok(!JSON.stringify(rows).includes(token), "the token itself is never stored");
  });

  test("bounded: each new link replaces the previous one, so 50 requests leave one live token", async () => {
    const { auth, mails } = setup();
    const c = new Client(auth);
    const { email } = await signUp(c);
    const first = await requestReset(c, email, mails);
    for (let i = 0; i < 49; i++) await c.post("/request-password-reset", { email });
    assert.equal(await auth.context.store.count("verification", []), 1);
    assert.equal((await c.post("/reset-password", { token: first, newPassword: NEW_PASSWORD })).body.code, "INVALID_TOKEN");
    assert.equal((await c.post("/reset-password", { token: mails.at(-1)!.token, newPassword: NEW_PASSWORD })).status, 200);
  });

  test("an expired token is refused by the link and by the reset", async () => {
    const { auth, mails, clock } = setup({ emailAndPassword: { resetPasswordTokenExpiresIn: 60 } });
    const c = new Client(auth);
    const { email } = await signUp(c);
    const token = await requestReset(c, email, mails);
    clock.advance(61);
    const link = await c.get(`/reset-password/${token}?callbackURL=%2Freset`);
    assert.equal(link.status, 302);
    assert.equal(link.headers.get("location"), "http://localhost:3000/reset?error=INVALID_TOKEN");
    const r = await c.post("/reset-password", { token, newPassword: NEW_PASSWORD });
    assert.equal(r.status, 400);
    assert.deepEqual(r.body, { message: "Invalid token", code: "INVALID_TOKEN" });
  });

  test("a burst of 100 resets with one token: exactly one succeeds", async () => {
    const { auth, mails } = setup();
    const c = new Client(auth);
    const { email } = await signUp(c);
    const token = await requestReset(c, email, mails);
    const answers = await Promise.all(
      Array.from({ length: 100 }, (_, i) => new Client(auth).post("/reset-password", { token, newPassword: `${NEW_PASSWORD}-${i}` })),
    );
    const won = answers.filter((a) => a.status === 200);
    assert.equal(won.length, 1);
    for (const a of answers.filter((x) => x.status !== 200)) assert.deepEqual(a.body, { message: "Invalid token", code: "INVALID_TOKEN" });
    const winner = answers.indexOf(won[0]);
    const signIn = await new Client(auth).post("/sign-in/email", { email, password: `${NEW_PASSWORD}-${winner}` });
    assert.equal(signIn.status, 200);
    assert.equal(await auth.context.store.count("verification", []), 0);
  });

  test("no account enumeration: the same answer and the same work whether or not the email exists", async () => {
    let hashes = 0;
    const counting = { ...nodeCrypto, sha256: (d: Uint8Array) => (hashes++, nodeCrypto.sha256(d)) };
    const mails: AccountMail[] = [];
    const { auth } = makeAuth({ crypto: counting, options: { emailAndPassword: { sendResetPassword: (m) => void mails.push(m) } } });
    const c = new Client(auth);
    const { email } = await signUp(c);
    hashes = 0;
    const known = await c.post("/request-password-reset", { email });
    const knownHashes = hashes;
    hashes = 0;
    const unknown = await c.post("/request-password-reset", { email: "nobody@example.com" });
    assert.equal(known.status, unknown.status);
    assert.equal(known.text, unknown.text);
    assert.deepEqual(known.setCookies, unknown.setCookies);
    assert.equal(knownHashes, 1);
    assert.equal(hashes, 1);
    assert.equal(mails.length, 1);
  });

  test("a mail callback that never settles, or throws, does not hold up or change the answer", async () => {
    for (const send of [
      () => new Promise(() => {}),
      () => {
        throw new Error("smtp down");
      },
    ]) {
      const errors: string[] = [];
      const consoleError = console.error;
      console.error = (...a: unknown[]) => void errors.push(a.join(" "));
      try {
        const { auth } = makeAuth({ options: { emailAndPassword: { sendResetPassword: send } } });
        const c = new Client(auth);
        const { email } = await signUp(c);
        const r = await c.post("/request-password-reset", { email });
        assert.equal(r.status, 200);
        assert.equal(r.body.status, true);
      } finally {
        console.error = consoleError;
      }
    }
  });

  test("callbackURL and redirectTo must be trusted (no open redirect carrying the token)", async () => {
    const prev = process.env.NODE_ENV;
    process.env.NODE_ENV = "development"; // the origin checks are skipped under NODE_ENV=test
    try {
      const { auth, mails } = setup();
      const c = new Client(auth);
      const { email } = await signUp(c);
      const bad = await c.post("/request-password-reset", { email, redirectTo: "https://evil.example/steal" });
      assert.equal(bad.status, 403);
      assert.equal(bad.body.code, "INVALID_REDIRECT_URL");
      const token = await requestReset(c, email, mails);
      const link = await c.get(`/reset-password/${token}?callbackURL=${encodeURIComponent("https://evil.example/steal")}`);
      assert.equal(link.status, 403);
      assert.equal(link.body.code, "INVALID_CALLBACK_URL");
    } finally {
      process.env.NODE_ENV = prev;
    }
  });

  test("onPasswordReset gets the user; the old password stops working", async () => {
    const seen: string[] = [];
    const { auth, mails } = setup({ emailAndPassword: { onPasswordReset: ({ user }) => void seen.push(user.email) } });
    const c = new Client(auth);
    const { email } = await signUp(c);
    const token = await requestReset(c, email, mails);
    assert.equal((await c.post("/reset-password", { token, newPassword: NEW_PASSWORD })).status, 200);
    assert.deepEqual(seen, [email]);
    assert.equal((await new Client(auth).post("/sign-in/email", { email, password: PASSWORD })).status, 401);
    assert.equal((await new Client(auth).post("/sign-in/email", { email, password: NEW_PASSWORD })).status, 200);
  });
});

/** A user with TOTP on, a browser with a trusted device, and a browser halfway through sign-in. */
async function twoFactorWorld(options: Partial<KerniaOptions> = {}) {
  const world = setup(options);
  const { auth, clock } = world;
  const { client: owner, email, userId, uri } = await enrolledUser(auth, clock);
  // A trusted browser: signed in through the challenge with trustDevice.
  const trusted = new Client(auth);
  const first = await trusted.post("/sign-in/email", { email, password: PASSWORD });
  assert.equal(first.body.twoFactorRedirect, true);
  const passed = await trusted.post("/two-factor/verify-totp", { code: totpAt(uri, clock), trustDevice: true });
  assert.equal(passed.status, 200, passed.text);
  assert.ok(trusted.cookie("trust_device"));
  clock.advance(30);
  // A browser that knows the (old) password and holds a pending challenge.
  const pending = new Client(auth);
  const challenged = await pending.post("/sign-in/email", { email, password: PASSWORD });
  assert.equal(challenged.body.twoFactorRedirect, true);
  return { ...world, owner, trusted, pending, email, userId, uri };
}

describe("password reset and two-factor", () => {
  test("a reset leaves two-factor on and signs nobody in: the next sign-in with the new password is challenged", async () => {
    const w = await twoFactorWorld();
    const token = await requestReset(new Client(w.auth), w.email, w.mails);
    const reset = await new Client(w.auth).post("/reset-password", { token, newPassword: NEW_PASSWORD });
    assert.equal(reset.status, 200);
    assert.deepEqual(reset.body, { status: true });
    assert.deepEqual(reset.setCookies, []);
    const user = await w.auth.context.users.findById(w.userId);
    assert.equal(user?.twoFactorEnabled, true);
    const next = await new Client(w.auth).post("/sign-in/email", { email: w.email, password: NEW_PASSWORD });
    assert.equal(next.status, 200);
    assert.equal(next.body.twoFactorRedirect, true);
  });

  test("by default a reset revokes every session, trusted device and pending challenge of the user", async () => {
    const w = await twoFactorWorld();
    const token = await requestReset(new Client(w.auth), w.email, w.mails);
    assert.equal((await new Client(w.auth).post("/reset-password", { token, newPassword: NEW_PASSWORD })).status, 200);
    // sessions
    assert.equal((await w.owner.get("/get-session")).body, null);
    assert.equal((await w.trusted.get("/get-session")).body, null);
    assert.equal(await w.auth.context.store.count("session", [{ field: "userId", value: w.userId }]), 0);
    // the trusted device no longer skips the second factor
    const again = await w.trusted.post("/sign-in/email", { email: w.email, password: NEW_PASSWORD });
    assert.equal(again.body.twoFactorRedirect, true);
    // the challenge begun with the old password cannot be finished
    const finish = await w.pending.post("/two-factor/verify-totp", { code: totpAt(w.uri, w.clock) });
    assert.equal(finish.status, 401);
    assert.equal(finish.body.code, "INVALID_TWO_FACTOR_COOKIE");
  });

  test("revokeSessionsOnPasswordReset:false keeps them all (Better Auth's behaviour)", async () => {
    const w = await twoFactorWorld({ emailAndPassword: { revokeSessionsOnPasswordReset: false } });
    const token = await requestReset(new Client(w.auth), w.email, w.mails);
    assert.equal((await new Client(w.auth).post("/reset-password", { token, newPassword: NEW_PASSWORD })).status, 200);
    assert.ok((await w.owner.get("/get-session")).body?.session);
    const again = await w.trusted.post("/sign-in/email", { email: w.email, password: NEW_PASSWORD });
    assert.equal(again.body.twoFactorRedirect, undefined);
    assert.ok(again.body.token);
    const finish = await w.pending.post("/two-factor/verify-totp", { code: totpAt(w.uri, w.clock) });
    assert.equal(finish.status, 200);
  });
});

describe("change password", () => {
  test("revokeOtherSessions: a new session here; other browsers lose their sessions, trusted devices and challenges", async () => {
    const w = await twoFactorWorld();
    // The owner trusts its own browser too, so we can see that this browser's device is kept.
    await w.owner.post("/sign-out");
    const own = await w.owner.post("/sign-in/email", { email: w.email, password: PASSWORD });
    assert.equal(own.body.twoFactorRedirect, true);
    assert.equal((await w.owner.post("/two-factor/verify-totp", { code: totpAt(w.uri, w.clock), trustDevice: true })).status, 200);
    w.clock.advance(30);
    const before = w.owner.cookie("session_token");
    const changed = await w.owner.post("/change-password", {
      currentPassword: PASSWORD,
      newPassword: NEW_PASSWORD,
      revokeOtherSessions: true,
    });
    assert.equal(changed.status, 200, changed.text);
    assert.match(changed.body.token, /^[A-Za-z0-9]{32}$/);
    assert.notEqual(w.owner.cookie("session_token"), before);
    assert.equal((await w.owner.get("/get-session")).body?.session.token, changed.body.token);
    assert.equal(await w.auth.context.store.count("session", [{ field: "userId", value: w.userId }]), 1);
    assert.equal((await w.trusted.get("/get-session")).body, null);
    const trustedAgain = await w.trusted.post("/sign-in/email", { email: w.email, password: NEW_PASSWORD });
    assert.equal(trustedAgain.body.twoFactorRedirect, true, "the other browser's trusted device is revoked");
    const finish = await w.pending.post("/two-factor/verify-totp", { code: totpAt(w.uri, w.clock) });
    assert.equal(finish.body.code, "INVALID_TWO_FACTOR_COOKIE");
    await w.owner.post("/sign-out");
    const ownAgain = await w.owner.post("/sign-in/email", { email: w.email, password: NEW_PASSWORD });
    assert.ok(ownAgain.body.token, "this browser's trusted device is kept");
  });

  test("without revokeOtherSessions: token null, other sessions and devices untouched", async () => {
    const w = await twoFactorWorld();
    const changed = await w.owner.post("/change-password", { currentPassword: PASSWORD, newPassword: NEW_PASSWORD });
    assert.equal(changed.status, 200);
    assert.equal(changed.body.token, null);
    assert.ok((await w.trusted.get("/get-session")).body?.session);
    assert.equal((await w.pending.post("/two-factor/verify-totp", { code: totpAt(w.uri, w.clock) })).status, 200);
  });

  test("a user without a credential password: 400 CREDENTIAL_ACCOUNT_NOT_FOUND", async () => {
    const { auth } = setup();
    const c = new Client(auth);
    const { userId } = await signUp(c);
    await auth.context.store.deleteMany("account", [{ field: "userId", value: userId }]);
    const r = await c.post("/change-password", { currentPassword: PASSWORD, newPassword: NEW_PASSWORD });
    assert.equal(r.status, 400);
    assert.deepEqual(r.body, { message: "Credential account not found", code: "CREDENTIAL_ACCOUNT_NOT_FOUND" });
  });
});
