/**
 * The official client (better-auth/client with twoFactorClient) against a Kernia server on a loopback
 * port, driving every account flow: reset, change, sessions, profile, email change and verification,
 * deletion; with the two-factor rules asserted along the way.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import type { RequestListener } from "node:http";
import { createAuthClient } from "better-auth/client";
import { twoFactorClient } from "better-auth/client/plugins";
import { init } from "../../src/index.js";
import type { Kernia } from "../../src/index.js";
import type { AccountMail } from "../../src/auth/types.js";
import { toNodeHandler } from "../../src/integrations/node.js";
import { twoFactor } from "../../src/plugins/two-factor/index.js";
import { CookieJar, jarFetch } from "../helpers/cookie-jar.js";
import { startServer, type RunningServer } from "../helpers/server.js";
import { Clock, PASSWORD, totpAt } from "../helpers/two-factor.js";

let server: RunningServer;
let baseURL: string;
let auth: Kernia;
const clock = new Clock();
const mails: AccountMail[] = [];

before(async () => {
  let handler: RequestListener = (_req, res) => res.end();
  server = await startServer((req, res) => handler(req, res));
  baseURL = server.url;
  const record = (m: AccountMail) => void mails.push(m);
  auth = init({
    secret: "account-client-test-secret-0123456789abcdef",
    baseURL,
    plugins: [twoFactor()],
    emailAndPassword: { sendResetPassword: record },
    emailVerification: { sendVerificationEmail: record },
    user: { changeEmail: { enabled: true }, deleteUser: { enabled: true } },
    advanced: { now: clock.now },
  });
  handler = toNodeHandler(auth);
});

after(async () => {
  await server.close();
});

function browser(userAgent = "ClientTest/1.0") {
  const jar = new CookieJar();
  const redirects: unknown[] = [];
  const client = createAuthClient({
    baseURL,
    plugins: [twoFactorClient({ onTwoFactorRedirect: (c) => void redirects.push(c) })],
    fetchOptions: {
      customFetchImpl: jarFetch(jar, baseURL, { "user-agent": userAgent }, { redirect: "manual" }),
    },
  });
  return { client, jar, redirects };
}

function lastMail(email: string): AccountMail {
  const m = mails.filter((x) => x.user.email === email).at(-1);
  assert.ok(m, `a mail to ${email}`);
  return m;
}

describe("official client: account lifecycle", () => {
  test("sessions: listSessions marks this one; revokeSession / revokeOtherSessions / revokeSessions end them at once", async () => {
    const email = "sessions-client@example.com";
    const a = browser("Laptop/1.0");
    assert.equal((await a.client.signUp.email({ name: "S", email, password: PASSWORD })).error, null);
    const b = browser("Phone/1.0");
    const c = browser("Tablet/1.0");
    await b.client.signIn.email({ email, password: PASSWORD });
    await c.client.signIn.email({ email, password: PASSWORD });
    const list = await a.client.listSessions();
    assert.equal(list.error, null);
    assert.equal(list.data?.length, 3);
    const mine = list.data!.find((s) => (s as { current?: boolean }).current);
    assert.equal(mine?.userAgent, "Laptop/1.0");
    assert.ok(list.data![0].expiresAt instanceof Date);
    const phone = list.data!.find((s) => s.userAgent === "Phone/1.0")!;
    assert.equal((await a.client.revokeSession({ token: phone.token })).data?.status, true);
    assert.equal((await b.client.getSession()).data, null);
    assert.equal((await a.client.revokeOtherSessions()).data?.status, true);
    assert.equal((await c.client.getSession()).data, null);
    assert.ok((await a.client.getSession()).data);
    assert.equal((await a.client.revokeSessions()).data?.status, true);
    assert.equal((await a.client.getSession()).data, null);
  });

  test("profile, email change with verification, changePassword with revokeOtherSessions", async () => {
    const email = "profile-client@example.com";
    const a = browser();
    await a.client.signUp.email({ name: "P", email, password: PASSWORD });
    assert.equal((await a.client.updateUser({ name: "Renamed", image: "https://example.com/p.png" })).data?.status, true);
    assert.equal((await a.client.getSession()).data?.user.name, "Renamed");
    assert.equal((await a.client.sendVerificationEmail({ email })).data?.status, true);
    assert.equal((await a.client.verifyEmail({ query: { token: lastMail(email).token } })).error, null);
    assert.equal((await a.client.getSession()).data?.user.emailVerified, true);
    assert.equal((await a.client.changeEmail({ newEmail: "profile-new@example.com" })).data?.status, true);
    const change = lastMail("profile-new@example.com");
    assert.equal((await a.client.verifyEmail({ query: { token: change.token } })).error, null);
    assert.equal((await a.client.getSession()).data?.user.email, "profile-new@example.com");
    const other = browser();
    await other.client.signIn.email({ email: "profile-new@example.com", password: PASSWORD });
    const changed = await a.client.changePassword({
      currentPassword: PASSWORD,
      newPassword: "client-new-pass-1",
      revokeOtherSessions: true,
    });
    assert.equal(changed.error, null);
    assert.ok(changed.data?.token);
    assert.equal((await other.client.getSession()).data, null);
    const wrong = await a.client.changePassword({ currentPassword: "not-it-at-all", newPassword: "client-new-pass-2" });
    assert.equal(wrong.error?.status, 400);
    assert.equal(wrong.error?.code, "INVALID_PASSWORD");
  });

  test("reset with two-factor on: the reset signs nobody in, two-factor stays on, the new password is challenged", async () => {
    const email = "reset-client@example.com";
    const a = browser();
    await a.client.signUp.email({ name: "R", email, password: PASSWORD });
    const enabled = await a.client.twoFactor.enable({ password: PASSWORD });
    const uri = (enabled.data as { totpURI: string }).totpURI;
    assert.equal((await a.client.twoFactor.verifyTotp({ code: totpAt(uri, clock) })).error, null);
    clock.advance(30);
    const stranger = browser();
    assert.equal((await stranger.client.requestPasswordReset({ email, redirectTo: "/reset" })).data?.status, true);
    const { token, url } = lastMail(email);
    assert.equal(url, `${baseURL}/api/auth/reset-password/${token}?callbackURL=%2Freset`);
    const reset = await stranger.client.resetPassword({ newPassword: "after-reset-pass-1", token });
    assert.equal(reset.error, null);
    assert.equal(stranger.jar.get("better-auth.session_token"), undefined);
    assert.equal((await a.client.getSession()).data, null, "the reset revoked the old session");
    const again = await stranger.client.signIn.email({ email, password: "after-reset-pass-1" });
    assert.equal(again.error, null);
    assert.equal(stranger.redirects.length, 1, "twoFactorRedirect after the reset");
    assert.equal((await stranger.client.twoFactor.verifyTotp({ code: totpAt(uri, clock) })).error, null);
    assert.equal((await stranger.client.getSession()).data?.user.twoFactorEnabled, true);
    const reused = await stranger.client.resetPassword({ newPassword: "after-reset-pass-2", token });
    assert.equal(reused.error?.code, "INVALID_TOKEN");
  });

  test("deleteUser with the password removes the account", async () => {
    const email = "delete-client@example.com";
    const a = browser();
    const up = await a.client.signUp.email({ name: "D", email, password: PASSWORD });
    const bad = await a.client.deleteUser({ password: "wrong-password-x" });
    assert.equal(bad.error?.code, "INVALID_PASSWORD");
    const del = await a.client.deleteUser({ password: PASSWORD });
    assert.deepEqual(del.data, { success: true, message: "User deleted" });
    assert.equal((await a.client.getSession()).data, null);
    assert.equal(await auth.context.users.findById(up.data!.user.id), null);
  });
});
