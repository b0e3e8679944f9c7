/**
 * POST /change-password (Better Auth 1.7.25). With revokeOtherSessions the caller gets a fresh session
 * (new token and cookie) and every other session of the user ends, together with the trusted devices
 * and pending two-factor challenges of other browsers (this browser keeps its trusted device).
 */
import { defineEndpoint } from "../../plugin-api.js";
import { APIError, BASE_ERROR_CODES } from "../../errors.js";
import { accountError } from "./errors.js";
import { checkNewPassword } from "./password-reset.js";
import { findCredential, revokeAccess, setPassword } from "./state.js";

export function changePassword() {
  return defineEndpoint({
    method: "POST",
    path: "/change-password",
    body: {
      newPassword: { type: "string" },
      currentPassword: { type: "string" },
      revokeOtherSessions: { type: "boolean", optional: true },
    },
    async handler(ctx) {
      const auth = ctx.auth;
      const current = await ctx.requireSession();
      const { newPassword, currentPassword, revokeOtherSessions } = ctx.body as {
        newPassword: string;
        currentPassword: string;
        revokeOtherSessions?: boolean;
      };
      checkNewPassword(ctx, newPassword);
      if (currentPassword.length > auth.passwordLength.max) throw APIError.from(400, BASE_ERROR_CODES, "PASSWORD_TOO_LONG");
      const account = await findCredential(ctx, current.user.id);
      if (account === null || typeof account.password !== "string" || account.password === "") {
        throw accountError(400, "CREDENTIAL_ACCOUNT_NOT_FOUND");
      }
      const hash = await auth.passwords.hash(newPassword);
      if (!(await auth.passwords.verify(account.password, currentPassword))) throw APIError.from(400, BASE_ERROR_CODES, "INVALID_PASSWORD");
      await setPassword(ctx, current.user.id, hash, account);
      if (!revokeOtherSessions) return { token: null, user: auth.publicUser(current.user) };
      // New session first (its undo deletes it again), then the others, then the old one last: a
      // failure before the end leaves this browser signed in on its old session.
      const fresh = await ctx.issueSession(current.user);
      await revokeAccess(ctx, current.user.id, {
        keepSessionIds: [current.session.id, fresh.session.id],
        keepCurrentDevice: true,
      });
      await auth.sessions.delete(current.session.token);
      return { token: fresh.session.token, user: auth.publicUser(current.user) };
    },
  });
}
