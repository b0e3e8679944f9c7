/**
 * POST /delete-user and GET /delete-user/callback (Better Auth 1.7.25), with user.deleteUser.enabled.
 *
 * The deletion is all or nothing: every row of the user (sessions, the user, credential accounts, and
 * every plugin's rows: two-factor secret, backup codes, OTPs, challenges, trusted devices) is read
 * and its re-creation registered before it is deleted (removeRows, in the plugin API), so a failure at any step
 * puts everything back. Sessions go first and the user row second: if even the undo failed, what is
 * left can no longer sign anyone in. Pending reset and verification tokens of the user are left to
 * expire: they name a user id that no longer exists, so they open nothing.
 */
import { defineEndpoint } from "../../plugin-api.js";
import { APIError, BASE_ERROR_CODES } from "../../errors.js";
import type { EndpointContext, User } from "../../types.js";
import { accountError } from "./errors.js";
import { apiRoot, checkQueryCallback, redirect } from "./links.js";
import { accountSettings } from "./options.js";
import { requireFresh } from "./sessions.js";
import { removeRows } from "../../plugin-api.js";
import { deliver, findCredential } from "./state.js";
import { consumeToken, issueToken } from "./tokens.js";

const DELETED = { success: true, message: "User deleted" };

export async function deleteAccount(ctx: EndpointContext, user: User): Promise<void> {
  const settings = accountSettings(ctx.auth);
  if (settings.beforeDelete) await settings.beforeDelete(user, ctx.request);
  const byUser = [{ field: "userId", value: user.id }];
  await removeRows(ctx, "session", byUser);
  await removeRows(ctx, "user", [{ field: "id", value: user.id }]);
  await removeRows(ctx, "account", byUser);
  for (const plugin of ctx.auth.plugins) await plugin.deleteUserData?.(ctx, user.id);
  ctx.clearSessionCookies();
  if (settings.afterDelete) await settings.afterDelete(user, ctx.request);
}

async function deleteWithToken(ctx: EndpointContext, user: User, token: string): Promise<void> {
  if ((await consumeToken(ctx, "delete-account", token, user.id)) === null) throw accountError(404, "INVALID_TOKEN");
  await deleteAccount(ctx, user);
}

export function deleteUser() {
  return defineEndpoint({
    method: "POST",
    path: "/delete-user",
    body: {
      callbackURL: { type: "string", optional: true },
      password: { type: "string", optional: true },
      token: { type: "string", optional: true },
    },
    async handler(ctx) {
      const auth = ctx.auth;
      const current = await ctx.requireSession();
      const settings = accountSettings(auth);
      // Better Auth: a bare 404 (no body) while the feature is off.
      if (!settings.deleteUser) {
        ctx.response.status = 404;
        return undefined;
      }
      const { password, token, callbackURL } = ctx.body as { password?: string; token?: string; callbackURL?: string };
      if (password) {
        if (password.length > auth.passwordLength.max) throw APIError.from(400, BASE_ERROR_CODES, "PASSWORD_TOO_LONG");
        const account = await findCredential(ctx, current.user.id);
        if (account === null || typeof account.password !== "string" || account.password === "") {
          throw accountError(400, "CREDENTIAL_ACCOUNT_NOT_FOUND");
        }
        if (!(await auth.passwords.verify(account.password, password))) throw APIError.from(400, BASE_ERROR_CODES, "INVALID_PASSWORD");
      }
      if (token) {
        await deleteWithToken(ctx, current.user, token);
        return DELETED;
      }
      const send = settings.sendDeleteAccountVerification;
      if (send !== null) {
        const mailed = await issueToken(ctx, "delete-account", current.user.id, settings.deleteTokenTtl, 32);
        const url = `${apiRoot(ctx)}/delete-user/callback?token=${mailed}&callbackURL=${encodeURIComponent(callbackURL || "/")}`;
        deliver(ctx, "sendDeleteAccountVerification", send, { user: current.user, url, token: mailed });
        return { success: true, message: "Verification email sent" };
      }
      if (!password) requireFresh(ctx, current, 400);
      await deleteAccount(ctx, current.user);
      return DELETED;
    },
  });
}

export function deleteUserCallback() {
  return defineEndpoint({
    method: "GET",
    path: "/delete-user/callback",
    query: { token: { type: "string" }, callbackURL: { type: "string", optional: true } },
    async handler(ctx) {
      if (!accountSettings(ctx.auth).deleteUser) throw accountError(404, "NOT_FOUND");
      await checkQueryCallback(ctx);
      const session = await ctx.getSession();
      if (session === null) throw accountError(404, "FAILED_TO_GET_USER_INFO");
      await deleteWithToken(ctx, session.user, ctx.query.token as string);
      const callbackURL = ctx.query.callbackURL as string | undefined;
      if (callbackURL) return redirect(ctx, callbackURL);
      return DELETED;
    },
  });
}
