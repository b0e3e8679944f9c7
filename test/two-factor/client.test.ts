/**
 * The official Better Auth client (better-auth/client with twoFactorClient and usernameClient), in Node,
 * against a Kernia server on 127.0.0.1 through toNodeHandler: the whole two-factor life cycle as an app
 * drives it. A cookie jar plays the browser (Cookie + Origin). TOTP codes come from the node:crypto
 * reference over the otpauth URI, on an injected clock so steps are deterministic.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import type { RequestListener } from "node:http";
import { createAuthClient } from "better-auth/client";
import { twoFactorClient, usernameClient } from "better-auth/client/plugins";
import { init } from "../../src/index.js";
import type { Kernia } from "../../src/index.js";
import { toNodeHandler } from "../../src/integrations/node.js";
import { twoFactor } from "../../src/plugins/two-factor/index.js";
import { username } from "../../src/plugins/username/index.js";
import { CookieJar, jarFetch } from "../helpers/cookie-jar.js";
import { startServer, type RunningServer } from "../helpers/server.js";
import { Clock, outbox, PASSWORD, totpAt } from "../helpers/two-factor.js";

let server: RunningServer;
let baseURL: string;
let auth: Kernia;
const clock = new Clock();
const box = outbox();

before(async () => {
  let handler: RequestListener = (_req, res) => res.end();
  server = await startServer((req, res) => handler(req, res));
  baseURL = server.url;
  auth = init({
    secret: "two-factor-client-test-secret-0123456789",
    baseURL,
    appName: "ClientTest",
    plugins: [twoFactor({ issuer: "Kernia Test" }), username()],
    advanced: {
      // no `crypto`: the default WASM core serves; the test's codes come from the node:crypto reference
      now: clock.now,
      "two-factor": {
        otpOptions: {
          sendOtp: ({ user, otp }: { user: { email: string }; otp: string }) => {
            box.sent.push({ email: user.email, otp });
          },
        },
      },
    },
  });
  handler = toNodeHandler(auth);
});

after(async () => {
  await server.close();
});

function browser() {
  const jar = new CookieJar();
  const redirects: { twoFactorMethods?: string[] }[] = [];
  const client = createAuthClient({
    baseURL,
    plugins: [
      usernameClient(),
      twoFactorClient({
        onTwoFactorRedirect(context) {
          redirects.push(context);
        },
      }),
    ],
    fetchOptions: {
      customFetchImpl: jarFetch(jar, baseURL),
    },
  });
  return { client, jar, redirects };
}

describe("official twoFactorClient against Kernia", () => {
  test("enable, verify during setup, challenge with redirect, trustDevice, OTP, backup codes, disable", async () => {
    const email = "client-2fa@example.com";
    const a = browser();
    const up = await a.client.signUp.email({ name: "Client", email, password: PASSWORD, username: "client_2fa" });
    assert.equal(up.error, null);

    // enable -> URI + backup codes, 2FA still off until verified
    const enabled = await a.client.twoFactor.enable({ password: PASSWORD });
    assert.equal(enabled.error, null);
    assert.equal(enabled.data?.method, "totp");
    const totpEnabled = enabled.data as { totpURI: string; backupCodes: string[] };
    const uri = totpEnabled.totpURI;
    assert.match(
      uri,
      /^otpauth:\/\/totp\/Kernia%20Test:client-2fa%40example\.com\?secret=[A-Z2-7]{52}&issuer=Kernia\+Test&digits=6&period=30$/,
    );
    const backupCodes = totpEnabled.backupCodes;
    assert.equal(backupCodes.length, 10);
    assert.equal((await a.client.getSession()).data?.user.twoFactorEnabled, false);
    const wrongPassword = await a.client.twoFactor.enable({ password: "not-the-password" });
    assert.equal(wrongPassword.error?.status, 400);
    assert.equal(wrongPassword.error?.code, "INVALID_PASSWORD");

    const sameUri = await a.client.twoFactor.getTotpUri({ password: PASSWORD });
    assert.equal(sameUri.data?.totpURI, uri);

    // verify during setup: session rotated, 2FA on
    const before = a.jar.get("better-auth.session_token");
    const setup = await a.client.twoFactor.verifyTotp({ code: totpAt(uri, clock) });
    assert.equal(setup.error, null);
    assert.notEqual(a.jar.get("better-auth.session_token"), before);
    const afterSetup = await a.client.getSession();
    assert.equal(afterSetup.data?.user.twoFactorEnabled, true);
    assert.equal(setup.data?.token, afterSetup.data?.session.token);
    assert.equal(a.redirects.length, 0);

    // sign out, sign in: redirect with both methods
    await a.client.signOut();
    clock.advance(30);
    const signIn = await a.client.signIn.email({ email, password: PASSWORD });
    assert.equal(signIn.error, null);
    assert.equal((signIn.data as { twoFactorRedirect?: boolean }).twoFactorRedirect, true);
    assert.deepEqual(a.redirects, [{ twoFactorMethods: ["totp", "otp"] }]);
    assert.equal((await a.client.getSession()).data, null);
    assert.ok(a.jar.get("better-auth.two_factor"));

    // a wrong code is an error the client surfaces with Better Auth's code
    const wrong = await a.client.twoFactor.verifyTotp({ code: totpAt(uri, clock) === "000000" ? "111111" : "000000" });
    assert.equal(wrong.error?.status, 401);
    assert.equal(wrong.error?.code, "INVALID_CODE");

    // verify with trustDevice
    const verified = await a.client.twoFactor.verifyTotp({ code: totpAt(uri, clock), trustDevice: true });
    assert.equal(verified.error, null);
    assert.ok(a.jar.get("better-auth.trust_device"));
    assert.equal(a.jar.get("better-auth.two_factor"), undefined);
    assert.equal((await a.client.getSession()).data?.user.email, email);

    // the trusted browser skips the challenge, by username too
    await a.client.signOut();
    const trusted = await a.client.signIn.username({ username: "client_2fa", password: PASSWORD });
    assert.equal(trusted.error, null);
    assert.equal((trusted.data as { redirect?: boolean }).redirect, false);
    assert.equal(a.redirects.length, 1);
    assert.equal((await a.client.getSession()).data?.user.email, email);

    // another browser: username sign-in is challenged; OTP send + verify
    const b = browser();
    const challenged = await b.client.signIn.username({ username: "client_2fa", password: PASSWORD });
    assert.equal(challenged.error, null);
    assert.deepEqual(b.redirects, [{ twoFactorMethods: ["totp", "otp"] }]);
    const sent = await b.client.twoFactor.sendOtp();
    assert.equal(sent.error, null);
    assert.equal(box.sent.at(-1)?.email, email);
    const otp = await b.client.twoFactor.verifyOtp({ code: box.last() });
    assert.equal(otp.error, null);
    assert.equal((await b.client.getSession()).data?.user.email, email);
    const reused = await b.client.twoFactor.verifyOtp({ code: box.last() });
    assert.equal(reused.error?.code, "OTP_HAS_EXPIRED");

    // backup codes: regenerate, use one on a challenge, reuse fails
    const generated = await b.client.twoFactor.generateBackupCodes({ password: PASSWORD });
    assert.equal(generated.error, null);
    const codes = generated.data!.backupCodes;
    assert.equal(codes.length, 10);
    assert.notDeepEqual(codes, backupCodes);
    await b.client.signOut();
    const c = browser();
    await c.client.signIn.email({ email, password: PASSWORD });
    assert.equal(c.redirects.length, 1);
    const old = await c.client.twoFactor.verifyBackupCode({ code: backupCodes[0] });
    assert.equal(old.error?.code, "INVALID_BACKUP_CODE");
    const used = await c.client.twoFactor.verifyBackupCode({ code: codes[0] });
    assert.equal(used.error, null);
    assert.equal((await c.client.getSession()).data?.user.email, email);
    await c.client.signOut();
    await c.client.signIn.email({ email, password: PASSWORD });
    const again = await c.client.twoFactor.verifyBackupCode({ code: codes[0] });
    assert.equal(again.error?.status, 401);
    assert.equal(again.error?.code, "INVALID_BACKUP_CODE");
    assert.equal((await c.client.twoFactor.verifyBackupCode({ code: codes[1] })).error, null);

    // disable: no more challenges, even in an untrusted browser
    const wrongDisable = await c.client.twoFactor.disable({ password: "not-the-password" });
    assert.equal(wrongDisable.error?.code, "INVALID_PASSWORD");
    const disabled = await c.client.twoFactor.disable({ password: PASSWORD });
    assert.equal(disabled.error, null);
    assert.equal(disabled.data?.status, true);
    assert.equal((await c.client.getSession()).data?.user.twoFactorEnabled, false);
    await c.client.signOut();
    const d = browser();
    const plain = await d.client.signIn.email({ email, password: PASSWORD });
    assert.equal((plain.data as { redirect?: boolean }).redirect, false);
    assert.equal(d.redirects.length, 0);
  });
});
