/**
 * Type-level checks of auth.api for the plugins' endpoints, compiled by `npm run typecheck` (tsc
 * --strict over test/), never run. Each endpoint's body comes from its schema and its result from its
 * handler; an untyped endpoint would make every call `any`, so each result is also held to `NotAny`,
 * and each `@ts-expect-error` line (a wrong key, a wrong type, a result read as the wrong type) must
 * fail to compile: if the types ever accept it, the directive itself becomes the error.
 */
import { init, type PublicUser } from "../../src/index.js";
import { twoFactor } from "../../src/plugins/two-factor/index.js";
import { username } from "../../src/plugins/username/index.js";
import { phoneNumber } from "../../src/plugins/phone-number/index.js";

/** true unless T is `any` (the only type that both 0 and 1 are assignable to as T's intersection). */
type NotAny<T> = 0 extends 1 & T ? false : true;
const notAny = <T>(_value: T, ok: NotAny<T>): boolean => ok;

const seen: unknown[] = [];

export async function twoFactorApi(headers: Headers) {
  const auth = init({ plugins: [twoFactor({ otpOptions: { sendOtp: async () => undefined } })] });

  const enabled = await auth.api.enableTwoFactor({ body: { password: "x" }, headers });
  notAny(enabled, true);
  // Better Auth's answer type: a union on `method` ("otp" enables without a URI or codes).
  if (enabled.method === "totp") {
    const uri: string = enabled.totpURI;
    const codes: string[] = [...enabled.backupCodes];
    seen.push(uri, codes);
    // @ts-expect-error totpURI is a string
    const wrong: number = enabled.totpURI;
    seen.push(wrong);
  } else {
    const method: "otp" = enabled.method;
    // @ts-expect-error no URI with method "otp"
    const uri: string = enabled.totpURI;
    seen.push(method, uri);
  }
  await auth.api.enableTwoFactor({ body: { password: "x", method: "otp", issuer: "Acme" }, headers });
  // The server-only support-desk reset (reset.ts) is typed from the same table.
  const reset = await auth.api.resetTwoFactor({ body: { userId: "u1", revokeSessions: false } });
  notAny(reset, true);
  const resetDone: true = reset.status;
  seen.push(resetDone);
  // @ts-expect-error userId is required
  await auth.api.resetTwoFactor({ body: { revokeSessions: true } });
  // @ts-expect-error revokeSessions is a boolean
  await auth.api.resetTwoFactor({ body: { userId: "u1", revokeSessions: "yes" } });
  // @ts-expect-error the body is required (password)
  await auth.api.enableTwoFactor({ headers });
  // @ts-expect-error password is a string
  await auth.api.enableTwoFactor({ body: { password: 1234 }, headers });
  // @ts-expect-error method is "otp" or "totp"
  await auth.api.enableTwoFactor({ body: { password: "x", method: "sms" }, headers });
  // @ts-expect-error "passwd" is not a body key
  await auth.api.enableTwoFactor({ body: { passwd: "x" }, headers });

  const disabled = await auth.api.disableTwoFactor({ body: { password: "x" }, headers });
  notAny(disabled, true);
  const status: boolean = disabled.status;
  // @ts-expect-error the body is required (password)
  await auth.api.disableTwoFactor({ body: {}, headers });

  const uri = await auth.api.getTOTPURI({ body: { password: "x" }, headers });
  notAny(uri, true);
  const totpURI: string = uri.totpURI;
  // @ts-expect-error password is a string
  await auth.api.getTOTPURI({ body: { password: true }, headers });

  // The second step answers the session: token and user.
  const verified = await auth.api.verifyTOTP({ body: { code: "123456", trustDevice: true }, headers });
  notAny(verified, true);
  const token: string = verified.token;
  const user: PublicUser = verified.user;
  // @ts-expect-error code is a string
  await auth.api.verifyTOTP({ body: { code: 123456 }, headers });
  // @ts-expect-error trustDevice is a boolean
  await auth.api.verifyTOTP({ body: { code: "123456", trustDevice: "yes" }, headers });
  // @ts-expect-error "otp" is not a body key (it is "code")
  await auth.api.verifyTOTP({ body: { otp: "123456" }, headers });

  const sent = await auth.api.sendTwoFactorOTP({ headers });
  notAny(sent, true);
  const sentStatus: boolean = sent.status;
  await auth.api.sendTwoFactorOTP({ body: { trustDevice: false }, headers });
  // @ts-expect-error trustDevice is a boolean
  await auth.api.sendTwoFactorOTP({ body: { trustDevice: 1 }, headers });

  const otp = await auth.api.verifyTwoFactorOTP({ body: { code: "123456" }, headers });
  notAny(otp, true);
  const otpToken: string = otp.token;
  // @ts-expect-error the body is required (code)
  await auth.api.verifyTwoFactorOTP({ headers });

  const backup = await auth.api.verifyBackupCode({ body: { code: "ABCDE-FGHIJ", disableSession: true }, headers });
  notAny(backup, true);
  // With disableSession the code is spent and no session is made (Better Auth 1.7.25): `user` only.
  const backupUser: PublicUser = backup.user;
  if ("token" in backup) seen.push(backup.token satisfies string);
  // @ts-expect-error disableSession is a boolean
  await auth.api.verifyBackupCode({ body: { code: "ABCDE-FGHIJ", disableSession: "true" }, headers });

  const regenerated = await auth.api.generateBackupCodes({ body: { password: "x" }, headers });
  notAny(regenerated, true);
  const fresh: string[] = [...regenerated.backupCodes];
  // @ts-expect-error backupCodes is a list of strings
  const one: string = regenerated.backupCodes;

  const remaining = await auth.api.getBackupCodeStatus({ headers });
  notAny(remaining, true);
  const counts: { total: number; remaining: number } = remaining;

  const devices = await auth.api.listTrustedDevices({ headers });
  notAny(devices, true);
  const expires: Date[] = devices.map((device) => device.expiresAt);
  const revoked = await auth.api.revokeTrustedDevice({ body: { all: true }, headers });
  notAny(revoked, true);
  const revokedCount: number = revoked.revoked;
  // @ts-expect-error id is a string
  await auth.api.revokeTrustedDevice({ body: { id: 7 }, headers });

  // asResponse gives the Response, whatever the endpoint answers.
  const response: Response = await auth.api.verifyTOTP({ body: { code: "123456" }, headers, asResponse: true });

  // @ts-expect-error not offered (backup codes are stored as one-way hashes)
  await auth.api.viewBackupCodes({ body: { userId: "u" } });
  // @ts-expect-error no such endpoint (a typed table has no index signature)
  await auth.api.verifyTotp({ body: { code: "123456" }, headers });

  seen.push(status, totpURI, token, user, sentStatus, otpToken, backupUser, fresh, one, counts, expires, revokedCount, response);
}

export async function usernameAndPhoneNumberApi(headers: Headers) {
  const auth = init({ plugins: [username(), phoneNumber(), twoFactor()] });

  const signedIn = await auth.api.signInUsername({ body: { username: "alice", password: "password1234", rememberMe: false } });
  notAny(signedIn, true);
  // A two-factor user gets the challenge instead: token undefined then.
  const usernameToken: string | undefined = signedIn.token;
  // @ts-expect-error the token may be missing (a challenge), so it is not a plain string
  const sureToken: string = signedIn.token;
  // @ts-expect-error rememberMe is a boolean
  await auth.api.signInUsername({ body: { username: "alice", password: "password1234", rememberMe: "no" } });
  // @ts-expect-error the body is required
  await auth.api.signInUsername({});

  const available = await auth.api.isUsernameAvailable({ body: { username: "bob" } });
  notAny(available, true);
  const free: boolean = available.available;
  // @ts-expect-error username is a string
  await auth.api.isUsernameAvailable({ body: { username: ["bob"] } });

  const byPhone = await auth.api.signInPhoneNumber({ body: { phoneNumber: "+14155550123", password: "password1234" }, headers });
  notAny(byPhone, true);
  const phoneToken: string | undefined = byPhone.token;
  if (byPhone.user !== undefined) {
    const number: string | undefined = byPhone.user.phoneNumber;
    const verified: boolean | undefined = byPhone.user.phoneNumberVerified;
    seen.push(number, verified);
  }
  // @ts-expect-error "phone" is not a body key (it is "phoneNumber")
  await auth.api.signInPhoneNumber({ body: { phone: "+14155550123", password: "password1234" } });
  // @ts-expect-error password is a string
  await auth.api.signInPhoneNumber({ body: { phoneNumber: "+14155550123", password: 1234 } });

  // The two-factor endpoints are on the same auth.api, next to the others' (one intersection).
  const both = await auth.api.verifyBackupCode({ body: { code: "ABCDE-FGHIJ" }, headers });
  notAny(both, true);

  seen.push(usernameToken, sureToken, free, phoneToken, both);
}

/**
 * With every plugin's table typed, auth.api has no index signature left: the core's account endpoints
 * (docs/account.md) must be named on it too, or an app with these plugins could not call them.
 */
export async function accountApiNextToTypedPlugins(headers: Headers) {
  const auth = init({ plugins: [username(), twoFactor(), phoneNumber()] });
  await auth.api.changePassword({ body: { currentPassword: "a-password-1", newPassword: "a-password-2" }, headers });
  await auth.api.listSessions({ headers });
  await auth.api.revokeOtherSessions({ headers });
  await auth.api.updateUser({ body: { name: "Ada" }, headers });
  await auth.api.requestPasswordReset({ body: { email: "ada@example.com" } });
  await auth.api.deleteUser({ body: { password: "a-password-1" }, headers });
  // @ts-expect-error no such endpoint (it is "changePassword")
  await auth.api.updatePassword({ body: {}, headers });
  // Typed from their definitions like the plugins' endpoints: bodies from the schemas, results from the handlers.
  const sessions = await auth.api.listSessions({ headers });
  notAny(sessions, true);
  // @ts-expect-error newPassword is required
  await auth.api.changePassword({ body: { currentPassword: "a-password-1" }, headers });
  // @ts-expect-error revokeOtherSessions is a boolean
  await auth.api.changePassword({ body: { currentPassword: "a", newPassword: "b", revokeOtherSessions: "yes" }, headers });
  // @ts-expect-error email is required
  await auth.api.requestPasswordReset({ body: {} });
  const reset = await auth.api.requestPasswordReset({ body: { email: "ada@example.com" } });
  notAny(reset, true);
}
