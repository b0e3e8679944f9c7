/**
 * POST /request-password-reset, GET /reset-password/:token, POST /reset-password (Better Auth 1.7.25).
 *
 * No account enumeration: an unknown address gets the same answer after the same work (one token
 * made and hashed, one store round trip), and the mail goes out without delaying the answer.
 * Two-factor: a reset changes the password and nothing else about the account. It never signs anyone
 * in and never touches twoFactorEnabled, so the next sign-in still meets the second factor; by default
 * (revokeSessionsOnPasswordReset) it also ends every session, trusted device and pending challenge.
 */
import { defineEndpoint } from "../../plugin-api.js";
import { APIError, BASE_ERROR_CODES } from "../../errors.js";
import type { User } from "../../types.js";
import { accountError } from "./errors.js";
import { apiRoot, checkQueryCallback, redirect, withParams } from "./links.js";
import { accountSettings } from "./options.js";
import { deliver, revokeAccess, setPassword } from "./state.js";
import { consumeToken, issueToken, newToken, peekToken, probe } from "./tokens.js";

const SENT = { status: true, message: "If this email exists in our system, check your email for the reset link" };

/** Better Auth's password length rules (assertPasswordNotTooShort / TooLong). */
export function checkNewPassword(ctx: { auth: { passwordLength: { min: number; max: number } } }, password: string): void {
  if (password.length < ctx.auth.passwordLength.min) throw APIError.from(400, BASE_ERROR_CODES, "PASSWORD_TOO_SHORT");
  if (password.length > ctx.auth.passwordLength.max) throw APIError.from(400, BASE_ERROR_CODES, "PASSWORD_TOO_LONG");
}

export function requestPasswordReset() {
  return defineEndpoint({
    method: "POST",
    path: "/request-password-reset",
    body: { email: { type: "string", email: true }, redirectTo: { type: "string", optional: true } },
    async handler(ctx) {
      const auth = ctx.auth;
      const settings = accountSettings(auth);
      const send = settings.sendResetPassword;
      if (send === null) throw accountError(400, "RESET_PASSWORD_DISABLED");
      const { email, redirectTo } = ctx.body as { email: string; redirectTo?: string };
      const user = await auth.users.findByEmail(email);
      if (user === null) {
        // The same work as the found path: a token made and hashed, one store round trip.
        await probe(auth, newToken(auth, "reset-password", 24).identifier);
        return SENT;
      }
      const token = await issueToken(ctx, "reset-password", user.id, settings.resetTokenTtl);
      const url = `${apiRoot(ctx)}/reset-password/${token}?callbackURL=${redirectTo ? encodeURIComponent(redirectTo) : ""}`;
      deliver(ctx, "sendResetPassword", send, { user, url, token });
      return SENT;
    },
  });
}

export function resetPasswordCallback() {
  return defineEndpoint({
    method: "GET",
    path: "/reset-password/:token",
    query: { callbackURL: { type: "string" } },
    async handler(ctx) {
      await checkQueryCallback(ctx);
      const callbackURL = ctx.query.callbackURL as string;
      const token = decodeSegment(ctx.path.slice(ctx.path.lastIndexOf("/") + 1));
      const valid = token !== "" && callbackURL !== "" && (await peekToken(ctx.auth, "reset-password", token)) !== null;
      if (!valid) return redirect(ctx, withParams(ctx, callbackURL || `${apiRoot(ctx)}/error`, { error: "INVALID_TOKEN" }));
      return redirect(ctx, withParams(ctx, callbackURL, { token }));
    },
  });
}

function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return "";
  }
}

export function resetPassword() {
  return defineEndpoint({
    method: "POST",
    path: "/reset-password",
    query: { token: { type: "string", optional: true } },
    body: { newPassword: { type: "string" }, token: { type: "string", optional: true } },
    async handler(ctx) {
      const auth = ctx.auth;
      const settings = accountSettings(auth);
      const token = (ctx.body.token as string | undefined) || (ctx.query.token as string | undefined);
      if (!token) throw accountError(400, "INVALID_TOKEN");
      const newPassword = ctx.body.newPassword as string;
      checkNewPassword(ctx, newPassword);
      // Spend the token first, in one atomic step: of any number of concurrent resets with it, one
      // goes on (and a failure later in this request puts it back).
      const userId = await consumeToken(ctx, "reset-password", token);
      if (userId === null) throw accountError(400, "INVALID_TOKEN");
      const user: User | null = await auth.users.findById(userId);
      if (user === null) throw accountError(400, "USER_NOT_FOUND");
      const hash = await auth.passwords.hash(newPassword);
      // Revoke before the write: a failure in between keeps the old password with nobody signed in,
      // never the new password with old sessions alive.
      if (settings.revokeOnReset) await revokeAccess(ctx, user.id);
      await setPassword(ctx, user.id, hash);
      if (settings.onPasswordReset) await settings.onPasswordReset({ user }, ctx.request);
      return { status: true };
    },
  });
}
