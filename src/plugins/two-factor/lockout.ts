/**
 * Account lockout across sign-in challenges (challenge path only, as in Better Auth).
 *
 * The counter lives on the user's twoFactor row. OTP-only users have no TOTP row, so their first guess
 * creates one with `secret: null` (a "counter row"): the rule then covers them too (Better Auth 1.7.25
 * never locks them). Each step is one atomic store operation, so the budget holds across processes.
 */
import { UniqueConstraintError, type Row } from "../../adapters/types.js";
import type { AuthContext } from "../../auth/types.js";
import { twoFactorError } from "./errors.js";
import type { ResolvedOptions } from "./options.js";
import { MODELS } from "./schema.js";

export interface TwoFactorRow extends Row {
  userId: string;
  secret: string | null;
  backupCodes: string | null;
  verified: boolean;
  lastUsedStep: number | null;
  failedVerificationCount: number;
  lockedUntil: Date | null;
}

export function findTwoFactor(auth: AuthContext, userId: string): Promise<TwoFactorRow | null> {
  return auth.store.findOne<TwoFactorRow>(MODELS.twoFactor, [{ field: "userId", value: userId }]);
}

/** Throws 429 while the account is locked; clears an expired lock (and its count) lazily. */
export async function assertNotLocked(auth: AuthContext, options: ResolvedOptions, userId: string): Promise<void> {
  if (!options.lockout.enabled) return;
  const row = await findTwoFactor(auth, userId);
  if (!row?.lockedUntil) return;
  const now = new Date(auth.now());
  if (row.lockedUntil.getTime() > now.getTime()) throw twoFactorError(429, "ACCOUNT_TEMPORARILY_LOCKED");
  await auth.store.update(
    MODELS.twoFactor,
    [
      { field: "userId", value: userId },
      { field: "lockedUntil", operator: "lte", value: now },
    ],
    { lockedUntil: null, failedVerificationCount: 0 },
  );
}

/**
 * Reserve one guess against the lockout budget before a code is compared (challenge path), or throw 429.
 *
 * `failedVerificationCount` counts guesses since the last success; a reservation is one atomic increment
 * guarded by `count < maxFailedAttempts`, so a concurrent burst across many challenges compares at most
 * maxFailedAttempts codes before the lock (counting failures after the fact would let every request that
 * passed the lock check in time make its guess). One at a time this is Better Auth's rule exactly: the
 * tenth wrong code locks, a success resets. Returns the undo for a check that ended before comparing
 * anything (no OTP to compare against, say), so such requests do not use up the budget.
 */
export async function reserveGuess(
  auth: AuthContext,
  options: ResolvedOptions,
  userId: string,
): Promise<() => Promise<void>> {
  const none = async () => {};
  if (!options.lockout.enabled) return none;
  const max = options.lockout.maxFailedAttempts;
  const byUser = { field: "userId", value: userId };
  const release = async () => {
    await auth.store.increment(MODELS.twoFactor, [byUser, { field: "failedVerificationCount", operator: "gt", value: 0 }], "failedVerificationCount", -1);
  };
  for (let tries = 0; tries < 2; tries++) {
    const row = await auth.store.increment<TwoFactorRow>(
      MODELS.twoFactor,
      [byUser, { field: "failedVerificationCount", operator: "lt", value: max }, { field: "lockedUntil", value: null }],
      "failedVerificationCount",
      1,
    );
    if (row) return release;
    const existing = await findTwoFactor(auth, userId);
    if (existing) {
      // Budget spent. If the guess that spent it never finished (its process died before locking), lock
      // now, so the account is not held at the cap with no expiry.
      if (existing.lockedUntil === null) {
        await auth.store.update(MODELS.twoFactor, [byUser, { field: "lockedUntil", value: null }], { lockedUntil: lockEnd(auth, options) });
      }
      throw twoFactorError(429, "ACCOUNT_TEMPORARILY_LOCKED");
    }
    // An OTP-only user's first guess: the counter row is created holding this reservation.
    try {
      await auth.store.create<TwoFactorRow>(MODELS.twoFactor, {
        id: auth.generateId(),
        userId,
        secret: null,
        backupCodes: null,
        verified: false,
        lastUsedStep: null,
        failedVerificationCount: 1,
        lockedUntil: null,
      });
      return release;
    } catch (error) {
      if (!(error instanceof UniqueConstraintError)) throw error; // a concurrent first guess made it: reserve on it
    }
  }
  throw twoFactorError(429, "ACCOUNT_TEMPORARILY_LOCKED");
}

/** A reserved guess was wrong: lock once the budget is spent. */
export async function lockIfSpent(auth: AuthContext, options: ResolvedOptions, userId: string): Promise<void> {
  if (!options.lockout.enabled) return;
  await auth.store.update(
    MODELS.twoFactor,
    [
      { field: "userId", value: userId },
      { field: "failedVerificationCount", operator: "gte", value: options.lockout.maxFailedAttempts },
      { field: "lockedUntil", value: null },
    ],
    { lockedUntil: lockEnd(auth, options) },
  );
}

function lockEnd(auth: AuthContext, options: ResolvedOptions): Date {
  return new Date(auth.now() + options.lockout.durationSeconds * 1000);
}

/** A successful verification on the challenge path resets the count. */
export async function recordSuccess(auth: AuthContext, options: ResolvedOptions, userId: string): Promise<void> {
  if (!options.lockout.enabled) return;
  await auth.store.update(
    MODELS.twoFactor,
    [
      { field: "userId", value: userId },
      { field: "failedVerificationCount", operator: "gt", value: 0 },
    ],
    { failedVerificationCount: 0, lockedUntil: null },
  );
}
