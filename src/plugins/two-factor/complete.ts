/**
 * What a verified second factor grants. The one place the plugin issues or rotates sessions
 * (through the core's ctx.issueSession / ctx.rotateSession).
 */
import type { EndpointContext, SessionWithUser, User } from "../../auth/types.js";
import { consumeChallenge, TWO_FACTOR_COOKIE, type Target } from "./challenge.js";
import { recordSuccess } from "./lockout.js";
import type { PluginState } from "./state.js";
import { trustThisDevice } from "./trusted-device.js";

export interface TokenAndUser {
  token: string;
  user: Record<string, unknown>;
}

/**
 * Challenge path (spec 4.2): consume the challenge, then issue the session the sign-in withheld.
 *
 * All or nothing through ctx.onFailure: if any later step fails, the trusted-device record is deleted,
 * the session row deleted (its cookie never left), the challenge put back (same two_factor cookie works
 * for the retry) and a spent backup code or OTP restored. Two writes stay on purpose:
 * - the TOTP step claim (RFC 6238 section 5.2 replay guard): the failed answer already told whoever sent
 *   the code that it was right, and the user's next code comes within one period at no cost, so
 *   reopening the step would only reopen a replay window;
 * - recordSuccess (lockout counter reset): the user did prove the second factor.
 */
export async function completeChallenge(
  ctx: EndpointContext,
  state: PluginState,
  target: Extract<Target, { kind: "challenge" }>,
  trustDevice: boolean,
): Promise<TokenAndUser> {
  await consumeChallenge(ctx, target.challengeId);
  await recordSuccess(ctx.auth, state.options, target.user.id);
  const dontRemember = (await ctx.getSignedCookie("dont_remember")) === "true";
  const issued = await ctx.issueSession(target.user, { dontRemember });
  ctx.expireCookie(TWO_FACTOR_COOKIE);
  if (trustDevice) {
    await trustThisDevice(ctx, state.options, target.user.id);
    // Better Auth drops dont_remember here (spec 10.5): trusting a device is asking to be remembered.
    ctx.expireCookie("dont_remember");
  }
  return { token: issued.session.token, user: ctx.auth.publicUser(issued.user) };
}

/** Turn 2FA on for a signed-in user and replace their session (privilege change, new token). */
export async function enableAndRotate(ctx: EndpointContext, current: SessionWithUser): Promise<TokenAndUser> {
  const updated = (await ctx.auth.users.update(current.user.id, { twoFactorEnabled: true } as Partial<User>)) ?? current.user;
  const fresh = await ctx.rotateSession({ session: current.session, user: updated });
  return { token: fresh.session.token, user: ctx.auth.publicUser(updated) };
}

/** Session path: the answer is the current session, untouched. */
export function currentSession(ctx: EndpointContext, current: SessionWithUser): TokenAndUser {
  return { token: current.session.token, user: ctx.auth.publicUser(current.user) };
}
