/**
 * Mandatory two-factor (`enforcement.enabled`): a user the policy covers who has no confirmed factor
 * gets no session from a credential sign-in or sign-up. The gate answers the enrolment-required
 * challenge instead (a normal pending challenge, its row marked `enrolment`), and with that challenge
 * the official client's own calls enrol and finish the sign-in:
 *
 * - `enable {password}` (TOTP): the password is checked against the challenged user; the answer is the
 *   totpURI and backup codes, as with a session. Nothing is confirmed and no session exists yet.
 * - `verify-totp {code}`: the first right code marks the secret verified (the step claim, attempt.ts),
 *   then completeEnrolment consumes the challenge, issues the session and turns two-factor on.
 * - `send-otp`, `verify-otp {code}` (OTP): the right code turns two-factor on with the OTP method
 *   (a new factor generation, as enable with method "otp" from off does) and issues the session.
 *
 * Every budget of the normal challenge holds on these paths: the challenge's maxChallengeAttempts for
 * TOTP, each OTP's allowedAttempts, and the account lockout. A backup code never completes an
 * enrolment challenge: the codes enable returned belong to a factor nobody has proved yet.
 *
 * A policy function that throws (or answers something other than a boolean) fails the request: the
 * core answers 500 INTERNAL_SERVER_ERROR, logs the error and undoes the request's writes, so no
 * session is issued (fail closed).
 */
import { APIError, BASE_ERROR_CODES } from "../../auth/errors.js";
import type { EndpointContext, SessionWithUser, User } from "../../auth/types.js";
import { consumeChallenge, findChallenge, TWO_FACTOR_COOKIE, type Target } from "./challenge.js";
import type { TokenAndUser } from "./complete.js";
import type { ResolvedOptions } from "./options.js";
import type { PluginState } from "./state.js";
import { forgetAllDevices, trustThisDevice } from "./trusted-device.js";

type ChallengeTarget = Extract<Target, { kind: "challenge" }>;

/** Does the policy cover this user? (Asked only for users without a confirmed factor.) */
export async function policyCovers(options: ResolvedOptions, user: User): Promise<boolean> {
  const { enabled } = options.enforcement;
  if (typeof enabled === "boolean") return enabled;
  const answer = await enabled(user);
  if (typeof answer !== "boolean") {
    throw new TypeError(`two-factor: enforcement.enabled(user) must return a boolean, got ${typeof answer}`);
  }
  return answer;
}

/** The methods a user can enrol with: "totp" unless TOTP is off, "otp" when codes can be sent. */
export function enrolmentMethods(options: ResolvedOptions): ("totp" | "otp")[] {
  const methods: ("totp" | "otp")[] = [];
  if (!options.totp.disable) methods.push("totp");
  if (options.otp.sendOtp) methods.push("otp");
  return methods;
}

/**
 * Who `enable` acts for: the signed-in user, or the user of a pending enrolment challenge the policy
 * still covers. A normal challenge (the user has a factor and must prove it, not replace it) and a
 * challenge of a user the policy no longer covers are refused exactly as a request without a session is.
 */
export async function enableTarget(
  ctx: EndpointContext,
  options: ResolvedOptions,
): Promise<{ kind: "session"; session: SessionWithUser; user: User } | ChallengeTarget> {
  const session = await ctx.getSession();
  if (session) return { kind: "session", session, user: session.user };
  const challenge = options.enforcement.enabled === false ? null : await findChallenge(ctx);
  if (challenge === null || !challenge.enrolment || !(await policyCovers(options, challenge.user))) {
    throw APIError.from(401, BASE_ERROR_CODES, "UNAUTHORIZED");
  }
  return challenge;
}

/**
 * A verified first code on an enrolment challenge: the sign-in the challenge withheld, with the factor
 * turned on. Order, each write's undo registered before it (ctx.onFailure):
 *
 * 1. consume the challenge (one deleteOne: one winner among concurrent verifies; put back on failure);
 * 2. issue the session (its row deleted on failure, its cookie never leaves);
 * 3. with revokeOtherSessions, end the user's other sessions (from before the policy: a change of
 *    factors ends them, as enable does on a session);
 * 4. turn two-factor on, in one write to the user row (OTP: with a new factor generation, so nothing
 *    left from an earlier enrolment comes back with it);
 * 5. forget every trusted device of the user: a record can only be left from a factor that is gone
 *    (a disable rotates the generation, so those are dead anyway; this also covers a flag cleared by
 *    other means), and none must come back to life with the new factor;
 * 6. trust this device when asked (bound to the generation just written).
 *
 * The session comes before the flag for the reason turnOn gives (complete.ts): if the flag write fails,
 * the session goes again and the user is left without a session, never with a session and no factor.
 * If a later step fails, the flag may stay on: the factor was proved with a code, so that is the
 * state the next sign-in challenges normally, and the restored challenge lets the retry finish.
 */
export async function completeEnrolment(
  ctx: EndpointContext,
  state: PluginState,
  target: ChallengeTarget,
  method: "totp" | "otp",
  trustDevice: boolean,
): Promise<TokenAndUser> {
  const auth = ctx.auth;
  const { options } = state;
  await consumeChallenge(ctx, target.challengeId);
  const changes = (
    method === "otp" ? { twoFactorEnabled: true, twoFactorGeneration: auth.generateId() } : { twoFactorEnabled: true }
  ) as Partial<User>;
  const next = { ...target.user, ...changes } as User;
  const dontRemember = (await ctx.getSignedCookie("dont_remember")) === "true";
  const issued = await ctx.issueSession(next, { dontRemember });
  if (options.revokeOtherSessions) {
    await auth.store.deleteMany("session", [
      { field: "userId", value: next.id },
      { field: "id", operator: "ne", value: issued.session.id },
    ]);
  }
  const updated = (await auth.users.update(next.id, changes)) ?? next;
  ctx.expireCookie(TWO_FACTOR_COOKIE);
  await forgetAllDevices(ctx, next.id);
  if (trustDevice) {
    await trustThisDevice(ctx, options, updated);
    // As on the normal challenge (complete.ts): trusting a device is asking to be remembered.
    ctx.expireCookie("dont_remember");
  }
  return { token: issued.session.token, user: auth.publicUser(updated) };
}
