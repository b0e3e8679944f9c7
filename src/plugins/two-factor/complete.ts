/**
 * What a verified second factor grants. The one place the plugin issues or rotates sessions
 * (through the core's ctx.issueSession / ctx.rotateSession).
 */
import type { EndpointContext, PublicUser, SessionWithUser, User } from "../../auth/types.js";
import { consumeChallenge, TWO_FACTOR_COOKIE, type Target } from "./challenge.js";
import { completeEnrolment } from "./enforcement.js";
import type { ResolvedOptions } from "./options.js";
import { twoFactorEnabled } from "./row.js";
import type { PluginState } from "./state.js";
import { trustThisDevice } from "./trusted-device.js";

export interface TokenAndUser {
  token: string;
  user: PublicUser;
}

/**
 * Challenge path (spec 4.2): consume the challenge, then issue the session the sign-in withheld.
 *
 * All or nothing through ctx.onFailure: if any later step fails, the trusted-device record is deleted,
 * the session row deleted (its cookie never left), the challenge put back (same two_factor cookie works
 * for the retry) and a spent backup code or OTP restored. Two writes made before stay on purpose:
 * - the TOTP step claim (RFC 6238 section 5.2 replay guard): the failed answer already told whoever sent
 *   the code that it was right, and the user's next code comes within one period at no cost, so
 *   reopening the step would only reopen a replay window;
 * - the lockout reset (attempt.ts): the user did prove the second factor.
 */
export async function completeChallenge(
  ctx: EndpointContext,
  state: PluginState,
  target: Extract<Target, { kind: "challenge" }>,
  trustDevice: boolean,
): Promise<TokenAndUser> {
  await consumeChallenge(ctx, target.challengeId);
  const dontRemember = (await ctx.getSignedCookie("dont_remember")) === "true";
  const issued = await ctx.issueSession(target.user, { dontRemember });
  ctx.expireCookie(TWO_FACTOR_COOKIE);
  if (trustDevice) {
    await trustThisDevice(ctx, state.options, target.user);
    // Better Auth drops dont_remember here (spec 10.5): trusting a device is asking to be remembered.
    ctx.expireCookie("dont_remember");
  }
  return { token: issued.session.token, user: ctx.auth.publicUser(issued.user) };
}

/**
 * The session answer after 2FA was turned on or off for this user: a new session replaces the current
 * one (privilege change, new token) and, unless `revokeOtherSessions` is false, every other session of
 * the user ends too (sessions opened before the change must not outlive it, issue 11).
 */
export async function replaceSessions(
  ctx: EndpointContext,
  options: ResolvedOptions,
  current: SessionWithUser,
  user: User,
): Promise<SessionWithUser> {
  if (!options.revokeOtherSessions) return ctx.rotateSession({ session: current.session, user });
  // issueSession registers the undo of its row; the delete below then also removes the current session.
  const fresh = await ctx.issueSession(user);
  await ctx.auth.store.deleteMany("session", [
    { field: "userId", value: user.id },
    { field: "id", operator: "ne", value: fresh.session.id },
  ]);
  return fresh;
}

/**
 * Turn 2FA on for a signed-in user (`changes` to the user row, twoFactorEnabled: true among them) and
 * replace their sessions. Sessions first: should the user write then fail, the request ends with every
 * session gone (issueSession's undo removes the new one) and 2FA maybe not on, which fails closed; the
 * other order could leave 2FA on with the other sessions alive, and a retry (2FA already on) would not
 * revoke them again.
 */
export async function turnOn(
  ctx: EndpointContext,
  options: ResolvedOptions,
  current: SessionWithUser,
  changes: Partial<User>,
): Promise<TokenAndUser> {
  const next = { ...current.user, ...changes } as User;
  const fresh = await replaceSessions(ctx, options, current, next);
  const updated = (await ctx.auth.users.update(current.user.id, changes)) ?? next;
  return { token: fresh.session.token, user: ctx.auth.publicUser(updated) };
}

/** Turn 2FA on for a signed-in user and replace their sessions. */
export function enableAndRotate(ctx: EndpointContext, options: ResolvedOptions, current: SessionWithUser): Promise<TokenAndUser> {
  return turnOn(ctx, options, current, { twoFactorEnabled: true } as Partial<User>);
}

/**
 * What a verified TOTP code or OTP grants: the withheld session (on an enrolment challenge, with the
 * factor turned on: enforcement.ts), or on a session 2FA turned on.
 */
export function grant(
  ctx: EndpointContext,
  state: PluginState,
  target: Target,
  method: "totp" | "otp",
): Promise<TokenAndUser> | TokenAndUser {
  const trustDevice = ctx.body.trustDevice === true;
  if (target.kind === "challenge") {
    return target.enrolment
      ? completeEnrolment(ctx, state, target, method, trustDevice)
      : completeChallenge(ctx, state, target, trustDevice);
  }
  return twoFactorEnabled(target.user) ? currentSession(ctx, target.session) : enableAndRotate(ctx, state.options, target.session);
}

/** Session path: the answer is the current session, untouched. */
export function currentSession(ctx: EndpointContext, current: SessionWithUser): TokenAndUser {
  return { token: current.session.token, user: ctx.auth.publicUser(current.user) };
}
