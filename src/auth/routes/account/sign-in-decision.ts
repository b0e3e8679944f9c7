/**
 * The one place the account endpoints decide whether an option that signs someone in
 * (emailVerification.autoSignInAfterVerification) may create a session: never for a user with a second
 * factor on, since these endpoints prove only a mailbox, not the second factor (not even from a trusted
 * device: a mail link is not a sign-in). Such a user signs in the usual way and meets the challenge
 * there. Everyone else goes through the core's sign-in gate step (ctx.signIn), so every plugin's gate
 * still decides; a gate that answers a challenge means no session here either.
 */
import type { EndpointContext, SessionWithUser, User } from "../../types.js";

export async function autoSignIn(ctx: EndpointContext, user: User): Promise<SessionWithUser | null> {
  if (user.twoFactorEnabled === true) return null;
  const result = await ctx.signIn(user, { kind: "sign-in", dontRemember: false });
  return "session" in result ? result.session : null;
}
