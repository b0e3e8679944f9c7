/**
 * Enforced enrolment through the official Better Auth client (better-auth/client with twoFactorClient),
 * in Node, against a Kernia server on 127.0.0.1: sign-in (and sign-up) answer the enrolment-required
 * challenge, onTwoFactorRedirect fires, and the client's own enable / verifyTotp (or sendOtp /
 * verifyOtp) calls finish the enrolment and yield the session. Codes come from the node:crypto
 * reference over the otpauth URI, on an injected clock.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import type { RequestListener } from "node:http";
import { createAuthClient } from "better-auth/client";
import { twoFactorClient } from "better-auth/client/plugins";
import { init } from "../../src/index.js";
import type { Kernia } from "../../src/index.js";
import { toNodeHandler } from "../../src/integrations/node.js";
import { twoFactor, type TwoFactorOptions } from "../../src/plugins/two-factor/index.js";
import { CookieJar } from "../helpers/cookie-jar.js";
import { startServer, type RunningServer } from "../helpers/server.js";
import { Clock, outbox, PASSWORD, totpAt } from "../helpers/two-factor.js";

let server: RunningServer;
let baseURL: string;
let handler: RequestListener = (_req, res) => res.end();
const clock = new Clock();
const box = outbox();

before(async () => {
  server = await startServer((req, res) => handler(req, res));
  baseURL = server.url;
});

after(async () => {
  await server.close();
});

/** A fresh server-side auth behind the one listener (each describe block gets its own policy). */
function serve(options: TwoFactorOptions): Kernia {
  const auth = init({
    secret: "two-factor-enforcement-client-secret-0123456789",
    baseURL,
    appName: "EnforceTest",
    plugins: [twoFactor({ issuer: "Kernia Test", ...options })],
    advanced: { now: clock.now },
  });
  handler = toNodeHandler(auth);
  return auth;
}

const sendOtp = ({ user, otp }: { user: { email: string }; otp: string }) => {
  box.sent.push({ email: user.email, otp });
};

function browser() {
  const jar = new CookieJar();
  const redirects: { twoFactorMethods?: string[] }[] = [];
  const client = createAuthClient({
    baseURL,
    plugins: [
      twoFactorClient({
        onTwoFactorRedirect(context) {
          redirects.push(context);
        },
      }),
    ],
    fetchOptions: {
      customFetchImpl: async (input, requestInit) => {
        const headers = new Headers(requestInit?.headers);
        const cookie = jar.header();
        if (cookie) headers.set("cookie", cookie);
        headers.set("origin", baseURL);
        const res = await fetch(input, { ...requestInit, headers });
        jar.store(res);
        return res;
      },
    },
  });
  return { client, jar, redirects };
}

type Challenge = { twoFactorRedirect?: boolean; twoFactorMethods?: string[]; twoFactorEnrolmentRequired?: boolean };

describe("enforced enrolment with the official client: TOTP", () => {
  before(() => {
    serve({ enforcement: { enabled: true }, otpOptions: { sendOtp } });
  });

  test("sign-up, then sign-in: enrolment challenge, enable, verifyTotp, session; later sign-ins are challenged normally", async () => {
    const email = "enforce-totp@example.com";
    const a = browser();
    const up = await a.client.signUp.email({ name: "Enforced", email, password: PASSWORD });
    assert.equal(up.error, null);
    assert.deepEqual(up.data as Challenge, {
      twoFactorRedirect: true,
      twoFactorMethods: ["totp", "otp"],
      twoFactorEnrolmentRequired: true,
    });
    assert.deepEqual(a.redirects, [{ twoFactorMethods: ["totp", "otp"] }]);
    assert.equal((await a.client.getSession()).data, null);
    assert.equal(a.jar.get("better-auth.session_token"), undefined);

    // A new browser signs in: the same enrolment challenge.
    const b = browser();
    const signIn = await b.client.signIn.email({ email, password: PASSWORD });
    assert.equal(signIn.error, null);
    assert.deepEqual(signIn.data as Challenge, {
      twoFactorRedirect: true,
      twoFactorMethods: ["totp", "otp"],
      twoFactorEnrolmentRequired: true,
    });
    assert.deepEqual(b.redirects, [{ twoFactorMethods: ["totp", "otp"] }]);
    assert.ok(b.jar.get("better-auth.two_factor"));

    const wrongPassword = await b.client.twoFactor.enable({ password: "not-the-password" });
    assert.equal(wrongPassword.error?.code, "INVALID_PASSWORD");
    const enabled = await b.client.twoFactor.enable({ password: PASSWORD });
    assert.equal(enabled.error, null);
    const { totpURI, backupCodes } = enabled.data as { totpURI: string; backupCodes: string[] };
    assert.match(totpURI, /^otpauth:\/\/totp\/Kernia%20Test:enforce-totp%40example\.com\?secret=[A-Z2-7]{52}&/);
    assert.equal(backupCodes.length, 10);
    assert.equal((await b.client.getSession()).data, null, "enable issues no session");

    // A backup code from this not-yet-proved enrolment does not finish it.
    const backup = await b.client.twoFactor.verifyBackupCode({ code: backupCodes[0] });
    assert.equal(backup.error?.code, "BACKUP_CODES_NOT_ENABLED");
    assert.equal((await b.client.getSession()).data, null);

    const verified = await b.client.twoFactor.verifyTotp({ code: totpAt(totpURI, clock) });
    assert.equal(verified.error, null);
    const session = await b.client.getSession();
    assert.equal(session.data?.user.email, email);
    assert.equal(session.data?.user.twoFactorEnabled, true);
    assert.equal(verified.data?.token, session.data?.session.token);
    assert.equal(b.jar.get("better-auth.two_factor"), undefined);

    // Next sign-in: the normal challenge (no enrolment signal); the backup codes now count.
    await b.client.signOut();
    clock.advance(30);
    const c = browser();
    const again = await c.client.signIn.email({ email, password: PASSWORD });
    assert.deepEqual(again.data as Challenge, { twoFactorRedirect: true, twoFactorMethods: ["totp", "otp"] });
    assert.equal((await c.client.twoFactor.verifyBackupCode({ code: backupCodes[0] })).error, null);
    assert.equal((await c.client.getSession()).data?.user.email, email);

    // The first browser's sign-up challenge is still pending: enrolling again with it is refused, and it
    // now acts as a normal challenge (the factor exists), finished by a code of that factor.
    const reenable = await a.client.twoFactor.enable({ password: PASSWORD });
    assert.equal(reenable.error?.status, 401);
    clock.advance(30);
    assert.equal((await a.client.twoFactor.verifyTotp({ code: totpAt(totpURI, clock) })).error, null);
    assert.equal((await a.client.getSession()).data?.user.email, email);
  });

  test("enrolment at sign-up with OTP through the client", async () => {
    const email = "enforce-signup-otp@example.com";
    const a = browser();
    const up = await a.client.signUp.email({ name: "Enforced", email, password: PASSWORD });
    assert.equal((up.data as Challenge).twoFactorEnrolmentRequired, true);
    assert.equal((await a.client.twoFactor.sendOtp()).error, null);
    assert.equal(box.sent.at(-1)?.email, email);
    const verified = await a.client.twoFactor.verifyOtp({ code: box.last() });
    assert.equal(verified.error, null);
    assert.equal((await a.client.getSession()).data?.user.twoFactorEnabled, true);
  });
});

describe("enforced enrolment with the official client: OTP only (TOTP off)", () => {
  before(() => {
    serve({ enforcement: { enabled: true }, totpOptions: { disable: true }, otpOptions: { sendOtp } });
  });

  test("sign-in: enrolment challenge offers otp only; enable and verifyTotp refused; sendOtp, verifyOtp, session; later sign-ins challenged with otp", async () => {
    const email = "enforce-otp@example.com";
    const a = browser();
    const up = await a.client.signUp.email({ name: "Otp", email, password: PASSWORD });
    assert.deepEqual(up.data as Challenge, { twoFactorRedirect: true, twoFactorMethods: ["otp"], twoFactorEnrolmentRequired: true });

    const b = browser();
    const signIn = await b.client.signIn.email({ email, password: PASSWORD });
    assert.deepEqual(signIn.data as Challenge, { twoFactorRedirect: true, twoFactorMethods: ["otp"], twoFactorEnrolmentRequired: true });
    assert.deepEqual(b.redirects, [{ twoFactorMethods: ["otp"] }]);

    assert.equal((await b.client.twoFactor.enable({ password: PASSWORD })).error?.code, "TOTP_NOT_CONFIGURED");
    assert.equal((await b.client.twoFactor.verifyTotp({ code: "123456" })).error?.code, "TOTP_NOT_CONFIGURED");
    // enable with method "otp" is accepted but turns nothing on: the verified code does.
    const otpEnable = await b.client.twoFactor.enable({ password: PASSWORD, method: "otp" } as never);
    assert.equal(otpEnable.error, null);
    assert.equal((await b.client.getSession()).data, null);

    assert.equal((await b.client.twoFactor.sendOtp()).error, null);
    const wrong = await b.client.twoFactor.verifyOtp({ code: box.last() === "000000" ? "111111" : "000000" });
    assert.equal(wrong.error?.code, "INVALID_CODE");
    assert.equal((await b.client.getSession()).data, null);
    const verified = await b.client.twoFactor.verifyOtp({ code: box.last() });
    assert.equal(verified.error, null);
    const session = await b.client.getSession();
    assert.equal(session.data?.user.twoFactorEnabled, true);
    assert.equal(verified.data?.token, session.data?.session.token);

    // Later: the normal challenge, with the method enrolled.
    await b.client.signOut();
    const c = browser();
    const again = await c.client.signIn.email({ email, password: PASSWORD });
    assert.deepEqual(again.data as Challenge, { twoFactorRedirect: true, twoFactorMethods: ["otp"] });
    assert.equal((await c.client.twoFactor.sendOtp()).error, null);
    assert.equal((await c.client.twoFactor.verifyOtp({ code: box.last() })).error, null);
    assert.equal((await c.client.getSession()).data?.user.email, email);
  });
});
