/**
 * The pending sign-in challenge (twoFactorConfirmation row, id = value of the signed two_factor cookie)
 * and how the verify endpoints find their user (spec section 4.1).
 *
 * Budget: every TOTP/backup-code attempt first reserves a slot with one atomic increment, and only a
 * request whose slot is within maxChallengeAttempts may check its code. So a burst of N concurrent
 * guesses gets at most maxChallengeAttempts checks, and the request after the last failure is refused
 * even with the right code (spec section 4.3). A second counter, `failures`, counts attempts that
 * finished wrong; the over-budget request consumes the challenge (deleteOne guarded on
 * failures >= cap) only once every reserved attempt has failed. So sequentially the challenge is gone
 * after the 6th request, as in Better Auth, while in a burst a right code that reserved a slot in time
 * can still finish: a burst of right codes yields one session, not zero. Until then the row is dead
 * anyway (its attempts counter is past the cap, so every later request is refused).
 * Success consumes the row with one deleteOne: one winner, one session.
 *
 * Failed requests (ctx.onFailure): a challenge this request created is deleted again; a challenge this
 * request consumed is put back as it was, so the user can retry with the same two_factor cookie. The
 * put-back is registered only once deleteOne has returned the row: with a lost reply we cannot know
 * whether this request or a concurrent one took it, and re-creating a challenge another request already
 * turned into a session would let one sign-in yield two. In that case the retry must sign in again
 * (the verify endpoint answers INVALID_TWO_FACTOR_COOKIE, which the client already handles).
 */
import { UniqueConstraintError, type Row } from "../../adapters/types.js";
import type { AuthContext, EndpointContext, SessionWithUser, User } from "../../auth/types.js";
import { twoFactorError } from "./errors.js";
import type { ResolvedOptions } from "./options.js";
import { MODELS } from "./schema.js";
import { ID_ALPHABET } from "./bytes.js";
import { twoFactorEnabled } from "./row.js";

export const TWO_FACTOR_COOKIE = "two_factor";

interface ChallengeRow extends Row {
  userId: string;
  expiresAt: Date;
  attempts: number;
  failures: number;
  /** The enrolment-required challenge of enforcement.ts (false, or missing in older rows: a normal one). */
  enrolment: boolean;
}

/**
 * `enrolment` (challenge kind): the challenge was opened because the user must enrol a factor and the
 * user still has none confirmed. An enrolment challenge whose user has meanwhile turned two-factor on
 * (through a session from before the policy) acts as a normal challenge: the factor exists, so the
 * code that proves it is what completes the sign-in.
 */
export type Target =
  | { kind: "session"; session: SessionWithUser; user: User }
  | { kind: "challenge"; challengeId: string; user: User; enrolment: boolean };

export async function createChallenge(ctx: EndpointContext, options: ResolvedOptions, userId: string, enrolment = false): Promise<void> {
  const auth = ctx.auth;
  const id = "2fa-" + auth.randomString(20, ID_ALPHABET);
  ctx.onFailure(() => auth.store.deleteMany(MODELS.challenge, [{ field: "id", value: id }]), "delete the challenge it created");
  await auth.store.create<ChallengeRow>(MODELS.challenge, {
    id,
    userId,
    expiresAt: new Date(auth.now() + options.twoFactorCookieMaxAge * 1000),
    attempts: 0,
    failures: 0,
    enrolment,
  });
  await ctx.setSignedCookie(TWO_FACTOR_COOKIE, id, options.twoFactorCookieMaxAge);
}

function invalidCookie(): Error {
  return twoFactorError(401, "INVALID_TWO_FACTOR_COOKIE");
}

const live = (auth: AuthContext, row: ChallengeRow): boolean => row.expiresAt.getTime() > auth.now();

/** A valid session wins (step-up / enrolment); otherwise the two_factor cookie must name a live challenge. */
export async function resolveTarget(ctx: EndpointContext): Promise<Target> {
  const session = await ctx.getSession();
  if (session) return { kind: "session", session, user: session.user };
  const target = await findChallenge(ctx);
  if (!target) throw invalidCookie();
  return target;
}

/** The live challenge the two_factor cookie names, with its user; null when there is none. */
export async function findChallenge(ctx: EndpointContext): Promise<Extract<Target, { kind: "challenge" }> | null> {
  const id = await ctx.getSignedCookie(TWO_FACTOR_COOKIE);
  if (!id) return null;
  const auth = ctx.auth;
  // The challenge and its user in one round trip.
  const found = await auth.store.findOneJoined<ChallengeRow, User>(MODELS.challenge, [{ field: "id", value: id }], {
    model: "user",
    field: "userId",
  });
  if (!found || !live(auth, found.row) || !found.joined) return null;
  const enrolment = found.row.enrolment === true && !twoFactorEnabled(found.joined);
  return { kind: "challenge", challengeId: id, user: found.joined, enrolment };
}

/** Reserve one attempt on the challenge; throws when the budget is spent (and ends the cookie). */
export async function reserveAttempt(ctx: EndpointContext, options: ResolvedOptions, challengeId: string): Promise<void> {
  const row = await ctx.auth.store.increment<ChallengeRow>(MODELS.challenge, [{ field: "id", value: challengeId }], "attempts", 1);
  if (!row || !live(ctx.auth, row)) {
    ctx.expireCookie(TWO_FACTOR_COOKIE);
    throw invalidCookie();
  }
  if (row.attempts > options.maxChallengeAttempts) {
    await ctx.auth.store.deleteOne(MODELS.challenge, [
      { field: "id", value: challengeId },
      { field: "failures", operator: "gte", value: options.maxChallengeAttempts },
    ]);
    ctx.expireCookie(TWO_FACTOR_COOKIE);
    throw twoFactorError(400, "TOO_MANY_ATTEMPTS_REQUEST_NEW_CODE");
  }
}

/** A reserved attempt finished with a wrong code. */
export async function recordAttemptFailure(ctx: EndpointContext, challengeId: string): Promise<void> {
  await ctx.auth.store.increment(MODELS.challenge, [{ field: "id", value: challengeId }], "failures", 1);
}

/** Take the challenge: exactly one caller gets it. If the request then fails, it is put back as it was. */
export async function consumeChallenge(ctx: EndpointContext, challengeId: string): Promise<void> {
  const store = ctx.auth.store;
  const row = await store.deleteOne<ChallengeRow>(MODELS.challenge, [{ field: "id", value: challengeId }]);
  if (!row || !live(ctx.auth, row)) {
    ctx.expireCookie(TWO_FACTOR_COOKIE);
    throw invalidCookie();
  }
  ctx.onFailure(async () => {
    // The challenge is back, so an error answer must not end the cookie that names it.
    const name = ctx.auth.cookieName(TWO_FACTOR_COOKIE);
    const lines = ctx.response.cookies;
    for (let i = lines.length - 1; i >= 0; i--) if (lines[i].name === name && lines[i].maxAge === 0) lines.splice(i, 1);
    try {
      await store.create<ChallengeRow>(MODELS.challenge, { ...row });
    } catch (error) {
      if (!(error instanceof UniqueConstraintError)) throw error; // already back (an earlier try applied)
    }
  }, "restore the challenge it consumed");
}
