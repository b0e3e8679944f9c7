/**
 * The one place the account endpoints decide whether an option that signs someone in
 * (emailVerification.autoSignInAfterVerification) may create a session: never for a user with a second
 * factor on, since these endpoints prove only a mailbox, not the second factor. Such a user signs in
 * the usual way and meets the two-factor challenge there.
 *
 * When the core gains its sign-in gate step (ctx.signIn, which runs every plugin's gate), this function
 * becomes a call to it, so a plugin can decide (e.g. answer with a challenge) instead of this rule.
 */
import type { EndpointContext, SessionWithUser, User } from "../../types.js";

export async function autoSignIn(ctx: EndpointContext, user: User): Promise<SessionWithUser | null> {
  if ((user as User & { twoFactorEnabled?: unknown }).twoFactorEnabled === true) return null;
  return ctx.issueSession(user);
}
