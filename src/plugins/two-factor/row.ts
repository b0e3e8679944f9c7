/**
 * The user's `twoFactor` row (one per user, `userId` unique; fields in schema.ts), its reader, and the
 * factor generation every factor is bound to.
 *
 * Factor generation: an opaque id on the user (`twoFactorGeneration`, null until the first disable).
 * Disable replaces it in the same single-row write that turns `twoFactorEnabled` off, before anything else;
 * a TOTP secret, backup-code set or trusted device counts only while it carries the user's current
 * generation. So a disable that fails part way leaves rows behind that nothing accepts any more, and a
 * later enable (which binds its new factors to the current generation) cannot bring them back.
 */
import type { Row } from "../../adapters/types.js";
import type { AuthContext, User } from "../../auth/types.js";
import { MODELS } from "./schema.js";

export interface TwoFactorRow extends Row {
  userId: string;
  secret: string | null;
  backupCodes: string | null;
  verified: boolean;
  lastUsedStep: number | null;
  /** Guesses since the last success: finished wrong ones plus reservations in flight (lockout.ts). Null in imported rows. */
  failedVerificationCount: number | null;
  lockedUntil: Date | null;
  /** When the latest guess was reserved (lockout.ts staleness rule). */
  lastGuessAt: Date | null;
  factorGeneration: string | null;
}

export function findTwoFactor(auth: AuthContext, userId: string): Promise<TwoFactorRow | null> {
  return auth.store.findOne<TwoFactorRow>(MODELS.twoFactor, [{ field: "userId", value: userId }]);
}

/** The user's current factor generation (null: never disabled since the field exists). */
export function generationOf(user: User): string | null {
  const value = (user as User & { twoFactorGeneration?: unknown }).twoFactorGeneration;
  return typeof value === "string" ? value : null;
}

/** Does a row's stored generation (missing: null) match the user's current one? */
export function isCurrent(stored: unknown, user: User): boolean {
  return (typeof stored === "string" ? stored : null) === generationOf(user);
}

export function twoFactorEnabled(user: User): boolean {
  return (user as User & { twoFactorEnabled?: boolean }).twoFactorEnabled === true;
}

/**
 * Can this row's TOTP secret answer a sign-in challenge? (A secret of an old factor generation cannot,
 * so a challenge must not offer it: the sign-in gate's `twoFactorMethods`.)
 */
export function totpUsable(row: TwoFactorRow | null, user: User): boolean {
  return row != null && row.secret != null && row.verified === true && isCurrent(row.factorGeneration, user);
}
