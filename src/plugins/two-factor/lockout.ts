/**
 * Account lockout: one per-user budget of guesses over every path that compares a second-factor code,
 * the sign-in challenge and a signed-in session (step-up checks) alike. Better Auth 1.7.25 counts only
 * challenge-path failures; a budget the session path does not share lets whoever holds a session (or
 * steals one) try every code (issue 11).
 *
 * The counter lives on the user's twoFactor row (row.ts). OTP-only users have no TOTP row, so their
 * first guess creates one with `secret: null` (a "counter row"): the rule covers them too (Better Auth
 * 1.7.25 never locks them). Every step is one atomic store operation, so the budget holds across
 * processes:
 *
 * - reserve: before a code is compared, one atomic increment of `failedVerificationCount` guarded by
 *   `count < maxFailedAttempts` and "not locked", stamping `lastGuessAt`. So a concurrent burst compares
 *   at most maxFailedAttempts codes, and the count covers guesses in flight as well as finished ones.
 *   The caller reserves only once it has something to compare the code against (a live OTP, a stored
 *   secret, backup codes); a check that then finds nothing after all releases the slot again.
 * - a wrong code keeps its slot; the guess that took the last slot sets the lock. Only a wrong code
 *   locks: a full budget of reservations still in flight answers 429 without locking, and they give
 *   their slots back (release) or reset the count (success) as they finish.
 * - success resets the count and clears the lock (the user proved the factor).
 * - staleness: a full budget with no lock whose latest reservation is older than STALE_MS was left by a
 *   process that died mid-request (or by a lock write that failed). It is settled as if that guess had
 *   locked: the lock ends durationSeconds after `lastGuessAt` (or the count is cleared if that is past).
 *
 * One at a time this is Better Auth's rule: the tenth wrong code locks, a success resets.
 */
import type { Where } from "../../adapters/types.js";
import type { APIError } from "../../auth/errors.js";
import type { AuthContext, EndpointContext, User } from "../../auth/types.js";
import { twoFactorError } from "./errors.js";
import { emit } from "./events.js";
import type { ResolvedOptions } from "./options.js";
import { findTwoFactor, generationOf, type TwoFactorRow } from "./row.js";
import { MODELS } from "./schema.js";

/**
 * A reservation older than this belongs to a request that can no longer be running: every store call
 * and the request as a whole end well within it (the MongoDB adapter's timeouts are seconds).
 */
export const STALE_MS = 120_000;

/** 429 ACCOUNT_TEMPORARILY_LOCKED with `X-Retry-After`: whole seconds until the lock ends (at least 1). */
export function lockedError(auth: AuthContext, until: number): APIError {
  const seconds = Math.max(1, Math.ceil((until - auth.now()) / 1000));
  const error = twoFactorError(429, "ACCOUNT_TEMPORARILY_LOCKED");
  error.headers["X-Retry-After"] = String(seconds);
  return error;
}

/** A reserved guess: `count` is the counter value this reservation produced. */
export interface Reservation {
  row: TwoFactorRow;
  count: number;
}

/**
 * What a row must satisfy to have something to compare against: TOTP needs a secret (verified on the
 * challenge path), backup codes a current set. Written both as store conditions (the reservation's
 * guard) and as a predicate over a row read back (to tell "nothing to compare" from "locked").
 */
export interface Requirement {
  where: Where[];
  holds(row: TwoFactorRow): boolean;
}

export function requirement(user: User, kind: "totp" | "totp-verified" | "backup" | "any"): Requirement {
  const generation = generationOf(user);
  const where: Where[] = [];
  if (kind !== "any") where.push({ field: "factorGeneration", value: generation });
  if (kind === "totp" || kind === "totp-verified") where.push({ field: "secret", operator: "ne", value: null });
  if (kind === "totp-verified") where.push({ field: "verified", value: true });
  if (kind === "backup") where.push({ field: "backupCodes", operator: "ne", value: null });
  return {
    where,
    holds: (row) =>
      kind === "any" ||
      ((row.factorGeneration ?? null) === generation &&
        (kind === "backup" ? row.backupCodes != null : row.secret != null && (kind === "totp" || row.verified === true))),
  };
}

/**
 * Reserve one guess before comparing a TOTP or backup code, or throw 429 (locked, or every slot taken
 * by guesses in flight). Returns the row as it is after the reservation (the caller's only read of it),
 * or null when the row does not satisfy `need` (nothing to compare against: the caller answers "not
 * enabled"). With lockout off: a plain read.
 */
export async function reserveGuess(
  auth: AuthContext,
  options: ResolvedOptions,
  user: User,
  need: Requirement,
): Promise<Reservation | null> {
  if (!options.lockout.enabled) {
    const row = await findTwoFactor(auth, user.id);
    return row !== null && need.holds(row) ? { row, count: 0 } : null;
  }
  const row = await reserve(auth, options, user, need, false);
  return row === null ? null : { row, count: row.failedVerificationCount ?? 0 };
}

/**
 * Reserve one guess before comparing an OTP (which needs no TOTP row): creates the counter row of a
 * user who has none. Returns the count this reservation produced (0 with lockout off).
 */
export async function reserveOtpGuess(auth: AuthContext, options: ResolvedOptions, user: User): Promise<number> {
  if (!options.lockout.enabled) return 0;
  const row = await reserve(auth, options, user, requirement(user, "any"), true);
  return row?.failedVerificationCount ?? 0;
}

async function reserve(
  auth: AuthContext,
  options: ResolvedOptions,
  user: User,
  need: Requirement,
  createCounterRow: boolean,
): Promise<TwoFactorRow | null> {
  const max = options.lockout.maxFailedAttempts;
  const where: Where[] = [
    { field: "userId", value: user.id },
    ...need.where,
    { field: "failedVerificationCount", operator: "lt", value: max },
    { field: "lockedUntil", value: null },
  ];
  for (let tries = 0; tries < 4; tries++) {
    const now = new Date(auth.now());
    const row = createCounterRow
      ? await auth.store.upsert<TwoFactorRow>(MODELS.twoFactor, where, {
          create: {
            id: auth.generateId(),
            secret: null,
            backupCodes: null,
            verified: false,
            lastUsedStep: null,
            factorGeneration: generationOf(user),
          },
          set: { lastGuessAt: now },
          increment: { failedVerificationCount: 1 },
        })
      : await auth.store.increment<TwoFactorRow>(MODELS.twoFactor, where, "failedVerificationCount", 1, { lastGuessAt: now });
    if (row) return row;
    const existing = await findTwoFactor(auth, user.id);
    if (existing === null) {
      if (createCounterRow) continue; // deleted between the two calls (a concurrent disable): try again
      return null;
    }
    if (!need.holds(existing)) return null;
    if (!(await settle(auth, options, existing))) continue;
    const until = existing.lockedUntil?.getTime();
    // Locked: until the lock ends. Slots held by guesses in flight: they end within a request's time.
    throw until !== undefined && until > auth.now() ? lockedError(auth, until) : lockedError(auth, auth.now() + 1000);
  }
  throw lockedError(auth, auth.now() + 1000);
}

/**
 * The reservation's guard failed on an existing row that has something to compare: find out why.
 * false: the row was repaired (expired lock cleared, null count set to 0, stale reservations settled
 * with a lock already over), so reserving again may succeed. true: refuse (locked, or slots in flight);
 * a stale full budget is turned into its lock first and then throws from here with its end.
 */
async function settle(auth: AuthContext, options: ResolvedOptions, row: TwoFactorRow): Promise<boolean> {
  const now = auth.now();
  const byUser = { field: "userId", value: row.userId };
  const lockedUntil = row.lockedUntil ?? null;
  if (lockedUntil !== null) {
    if (lockedUntil.getTime() > now) return true;
    await auth.store.update(MODELS.twoFactor, [byUser, { field: "lockedUntil", value: lockedUntil }], {
      lockedUntil: null,
      failedVerificationCount: 0,
    });
    return false;
  }
  if (typeof row.failedVerificationCount !== "number") {
    // A row from an import, a migration or an older schema: Better Auth reads a null count as 0.
    await auth.store.update(MODELS.twoFactor, [byUser, { field: "failedVerificationCount", value: null }], { failedVerificationCount: 0 });
    return false;
  }
  const last = row.lastGuessAt?.getTime() ?? null;
  if (row.failedVerificationCount < options.lockout.maxFailedAttempts) return false; // changed meanwhile
  if (last !== null && now - last <= STALE_MS) return true; // guesses in flight
  // Stale: settle it as the lock the last guess would have set (a row without lastGuessAt: from now).
  const end = (last ?? now) + options.lockout.durationSeconds * 1000;
  const guard = [
    byUser,
    { field: "lockedUntil", value: null },
    { field: "failedVerificationCount", operator: "gte" as const, value: options.lockout.maxFailedAttempts },
    { field: "lastGuessAt", value: row.lastGuessAt ?? null },
  ];
  if (end <= now) {
    await auth.store.update(MODELS.twoFactor, guard, { failedVerificationCount: 0 });
    return false;
  }
  await auth.store.update(MODELS.twoFactor, guard, { lockedUntil: new Date(end) });
  throw lockedError(auth, end);
}

/** Give a slot back: the check ended without comparing a code (the OTP or step was taken meanwhile). */
export async function releaseGuess(auth: AuthContext, options: ResolvedOptions, userId: string): Promise<void> {
  if (!options.lockout.enabled) return;
  await auth.store.increment(
    MODELS.twoFactor,
    [
      { field: "userId", value: userId },
      { field: "failedVerificationCount", operator: "gt", value: 0 },
    ],
    "failedVerificationCount",
    -1,
  );
}

/**
 * A reserved guess was wrong. The guess that took the last slot sets the lock; the others need not
 * write (a slot above theirs is someone else's, who locks when it fails, gives it back, or resets).
 * Events: `two-factor.failed` (guesses left before the lock, as this reservation counted them), and
 * `two-factor.locked` when this guess set the lock.
 */
export async function recordWrongGuess(
  ctx: EndpointContext,
  options: ResolvedOptions,
  userId: string,
  reserved: number,
  method: "totp" | "otp" | "backup-code",
): Promise<void> {
  const { enabled, maxFailedAttempts } = options.lockout;
  emit(ctx, { type: "two-factor.failed", userId, method, attemptsLeft: enabled ? Math.max(0, maxFailedAttempts - reserved) : null });
  if (!enabled || reserved < maxFailedAttempts) return;
  const auth = ctx.auth;
  const until = new Date(auth.now() + options.lockout.durationSeconds * 1000);
  const locked = await auth.store.update(
    MODELS.twoFactor,
    [
      { field: "userId", value: userId },
      { field: "failedVerificationCount", operator: "gte", value: options.lockout.maxFailedAttempts },
      { field: "lockedUntil", value: null },
    ],
    { lockedUntil: until },
  );
  if (locked !== null) emit(ctx, { type: "two-factor.locked", userId, until });
}

/** The fields a success writes (folded into the TOTP step claim; a separate update for the others). */
export const RESET = { failedVerificationCount: 0, lockedUntil: null } as const;

/** A verified code (OTP or backup code) resets the count and clears the lock. */
export async function recordSuccess(auth: AuthContext, options: ResolvedOptions, userId: string): Promise<void> {
  if (!options.lockout.enabled) return;
  await auth.store.update(
    MODELS.twoFactor,
    [
      { field: "userId", value: userId },
      { field: "failedVerificationCount", operator: "ne", value: 0 },
    ],
    { ...RESET },
  );
}

/** For send-otp: throws 429 (with X-Retry-After) while the account is locked. */
export async function assertNotLocked(auth: AuthContext, options: ResolvedOptions, userId: string): Promise<void> {
  if (!options.lockout.enabled) return;
  const row = await findTwoFactor(auth, userId);
  const until = row?.lockedUntil?.getTime();
  if (until !== undefined && until > auth.now()) throw lockedError(auth, until);
}
