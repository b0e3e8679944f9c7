/** GET /get-session (wire spec 5.4, 2.3) and POST /sign-out (5.5). */
import { type CoreContext, isLive } from "../context.js";
import { APIError, BASE_ERROR_CODES } from "../errors.js";
import { defineEndpoint } from "../plugin-api.js";
import type { Endpoint, Session } from "../types.js";

function noStore(ctx: { response: { headers: Headers } }): void {
  ctx.response.headers.set("cache-control", "no-store");
  ctx.response.headers.set("pragma", "no-cache");
}

export function getSession(auth: CoreContext) {
  return defineEndpoint({
    method: "GET",
    path: "/get-session",
    query: {
      disableCookieCache: { type: "boolean", optional: true },
      disableRefresh: { type: "boolean", optional: true },
    },
    async handler(ctx) {
      noStore(ctx);
      const token = await ctx.getSignedCookie("session_token");
      // No cookie cache here: a leftover session_data cookie is stale by definition.
      if (ctx.hasCookie("session_data")) ctx.expireCookie("session_data");
      if (token === null) return null;
      const dontRemember = await ctx.getSignedCookie("dont_remember");
      const row = await auth.findSessionRow(token);
      const now = auth.now();
      if (row === null || !isLive(row, now)) {
        ctx.clearSessionCookies();
        if (row !== null) await auth.sessions.delete(token);
        return null;
      }
      let session = row.session;
      const { expiresIn, updateAge } = auth.settings;
      // Spec 2.3: refresh once the session is older than updateAge, unless "don't remember" is in force.
      const due = session.expiresAt.getTime() - expiresIn * 1000 + updateAge * 1000 <= now;
      if (dontRemember === null && !ctx.query.disableRefresh && due) {
        const updated = await auth.store.update<Session>("session", [{ field: "id", value: session.id }], {
          expiresAt: new Date(now + expiresIn * 1000),
          updatedAt: new Date(now),
        });
        if (updated !== null) {
          session = updated;
          await ctx.setSignedCookie("session_token", session.token, expiresIn);
        }
      }
      return { session: auth.publicSession(session), user: auth.publicUser(row.user) };
    },
  });
}

/** POST /get-session: Better Auth answers 405 unless session.deferSessionRefresh (not supported here). */
export function getSessionPost(): Endpoint {
  return {
    method: "POST",
    path: "/get-session",
    async handler(ctx) {
      noStore(ctx);
      throw APIError.from(405, BASE_ERROR_CODES, "METHOD_NOT_ALLOWED_DEFER_SESSION_REQUIRED");
    },
  };
}

export function signOut(auth: CoreContext) {
  return defineEndpoint({
    method: "POST",
    path: "/sign-out",
    async handler(ctx) {
      const token = await ctx.getSignedCookie("session_token");
      if (token !== null) await auth.sessions.delete(token);
      ctx.clearSessionCookies();
      return { success: true as const };
    },
  });
}
