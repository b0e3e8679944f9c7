/**
 * Account lockout across sign-in challenges (challenge path only, as in Better Auth).
 *
 * The counter lives on the user's twoFactor row. OTP-only users have no TOTP row, so the first failure
 * creates one with `secret: null` (a "counter row"): the rule then covers them too (Better Auth 1.7.25
 * never locks them). Each step is one atomic store operation, so concurrent failures from several
 * processes all count.
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

/** One failed verification on the challenge path: count it, and lock at the threshold. */
export async function recordFailure(auth: AuthContext, options: ResolvedOptions, userId: string): Promise<void> {
  if (!options.lockout.enabled) return;
  const where = [{ field: "userId", value: userId }];
  let row = await auth.store.increment<TwoFactorRow>(MODELS.twoFactor, where, "failedVerificationCount", 1);
  if (!row) {
    try {
      row = await auth.store.create<TwoFactorRow>(MODELS.twoFactor, {
        id: auth.generateId(),
        userId,
        secret: null,
        backupCodes: null,
        verified: false,
        lastUsedStep: null,
        failedVerificationCount: 1,
        lockedUntil: null,
      });
    } catch (error) {
      if (!(error instanceof UniqueConstraintError)) throw error;
      row = await auth.store.increment<TwoFactorRow>(MODELS.twoFactor, where, "failedVerificationCount", 1);
    }
  }
  if (row && row.failedVerificationCount >= options.lockout.maxFailedAttempts && !row.lockedUntil) {
    await auth.store.update(MODELS.twoFactor, where, {
      lockedUntil: new Date(auth.now() + options.lockout.durationSeconds * 1000),
    });
  }
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
