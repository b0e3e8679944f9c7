/**
 * GET /list-sessions, POST /revoke-session, /revoke-sessions, /revoke-other-sessions (Better Auth
 * 1.7.25). Sessions live only in the store (no cookie cache), so a revoked session is refused on that
 * browser's very next request.
 */
import { defineEndpoint } from "../../plugin-api.js";
import type { Session } from "../../types.js";
import type { EndpointContext, SessionWithUser } from "../../types.js";
import { accountError } from "./errors.js";
import { accountSettings } from "./options.js";

/** freshSessionMiddleware: the session must be younger than session.freshAge (0: no limit). */
export function requireFresh(ctx: EndpointContext, current: SessionWithUser, status: 400 | 403): void {
  const freshAge = accountSettings(ctx.auth).freshAge;
  if (freshAge === 0) return;
  if (ctx.auth.now() - current.session.createdAt.getTime() >= freshAge * 1000) {
    throw status === 403 ? accountError(403, "SESSION_NOT_FRESH") : accountError(400, "SESSION_EXPIRED");
  }
}

export function listSessions() {
  return defineEndpoint({
    method: "GET",
    path: "/list-sessions",
    async handler(ctx) {
      const auth = ctx.auth;
      const current = await ctx.requireSession();
      requireFresh(ctx, current, 403);
      const rows = await auth.store.findMany<Session>(
        "session",
        [
          { field: "userId", value: current.user.id },
          { field: "expiresAt", operator: "gt", value: new Date(auth.now()) },
        ],
        { sortBy: { field: "createdAt", direction: "asc" } },
      );
      // `current` is ours (Better Auth leaves it to the client to compare tokens).
      return rows.map((s) => ({ ...auth.publicSession(s), current: s.id === current.session.id }));
    },
  });
}

export function revokeSession() {
  return defineEndpoint({
    method: "POST",
    path: "/revoke-session",
    body: { token: { type: "string" } },
    async handler(ctx) {
      const current = await ctx.requireSession();
      const token = ctx.body.token as string;
      // Only the caller's own sessions: another user's token is ignored with the same answer.
      await ctx.auth.store.deleteMany("session", [
        { field: "token", value: token },
        { field: "userId", value: current.user.id },
      ]);
      if (token === current.session.token) ctx.clearSessionCookies();
      return { status: true };
    },
  });
}

export function revokeSessions() {
  return defineEndpoint({
    method: "POST",
    path: "/revoke-sessions",
    async handler(ctx) {
      const current = await ctx.requireSession();
      await ctx.auth.sessions.deleteForUser(current.user.id);
      ctx.clearSessionCookies();
      return { status: true };
    },
  });
}

export function revokeOtherSessions() {
  return defineEndpoint({
    method: "POST",
    path: "/revoke-other-sessions",
    async handler(ctx) {
      const current = await ctx.requireSession();
      await ctx.auth.store.deleteMany("session", [
        { field: "userId", value: current.user.id },
        { field: "id", operator: "ne", value: current.session.id },
      ]);
      return { status: true };
    },
  });
}
