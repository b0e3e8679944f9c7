/**
 * Enrolment (turning a TOTP secret and backup codes on) and removal (turning two-factor off), as rule
 * functions. Both keep "all or nothing for access" (issue 11): whatever step fails, no factor is left
 * that grants more than before, and none that a later enable would bring back (row.ts, factor
 * generation).
 */
import type { EndpointContext, SessionWithUser, User } from "../../auth/types.js";
import { createBackupCodes, pruneBackupCodes } from "./backup-codes.js";
import { replaceSessions, turnOn } from "./complete.js";
import { twoFactorError } from "./errors.js";
import { emit } from "./events.js";
import { encryptSecret } from "./secret-box.js";
import { findTwoFactor, generationOf, isCurrent, twoFactorEnabled, type TwoFactorRow } from "./row.js";
import { MODELS } from "./schema.js";
import type { PluginState } from "./state.js";
import { generateTotpSecret } from "./totp.js";
import { forgetAllDevices } from "./trusted-device.js";

/**
 * A new TOTP secret and backup-code set for the user, written over any row that is not a live verified
 * TOTP (TOTP_ALREADY_ENABLED then). Bound to the user's current factor generation. The row keeps its
 * lockout counter and replay guard: re-enrolling must not reset a budget.
 *
 * Order: the code rows first (one createMany), then one upsert of the twoFactor row makes them current
 * (atomic create-or-update in both adapters, no retry loop), then older sets are pruned. A failure
 * before the upsert leaves the previous state plus code rows nothing points at (the next enable or
 * regeneration prunes them; deleting them in an undo could delete the current set when the upsert's
 * reply was lost); after it, a complete new enrolment the user can redo (not verified unless
 * skipVerificationOnEnable).
 */
export async function enrolTotp(ctx: EndpointContext, state: PluginState, user: User): Promise<{ secret: string; codes: string[] }> {
  const auth = ctx.auth;
  const { options, keys } = state;
  const secret = generateTotpSecret(auth);
  const { codes, generation: set } = await createBackupCodes(auth, options, keys, user.id);
  const data = {
    secret: encryptSecret(keys.secretBox, user.id, secret),
    backupCodes: set,
    verified: options.skipVerificationOnEnable,
    factorGeneration: generationOf(user),
  };
  const byUser = { field: "userId", value: user.id };
  let row = await auth.store.upsert<TwoFactorRow>(MODELS.twoFactor, [byUser, { field: "verified", operator: "ne", value: true }], {
    create: { id: auth.generateId(), lastUsedStep: null, failedVerificationCount: 0, lockedUntil: null },
    set: data,
  });
  if (row === null) {
    // A verified row: refused while it is the user's live TOTP; one left by an earlier factor
    // generation (a disable that failed part way) is dead and is overwritten, guarded on that state.
    const existing = await findTwoFactor(auth, user.id);
    const live = existing?.verified === true && isCurrent(existing.factorGeneration, user) && existing.secret != null;
    row =
      existing === null || live
        ? null
        : await auth.store.update<TwoFactorRow>(
            MODELS.twoFactor,
            [
              byUser,
              { field: "factorGeneration", value: existing.factorGeneration ?? null },
              { field: "secret", value: existing.secret ?? null },
            ],
            data,
          );
    if (row === null) {
      // Refused (or a concurrent enrolment won): nothing points at the new set, so it goes again;
      // repeated refused calls must not pile up rows.
      await auth.store.deleteMany(MODELS.backupCode, [byUser, { field: "generation", value: set }]);
      throw twoFactorError(400, "TOTP_ALREADY_ENABLED");
    }
  }
  await pruneBackupCodes(auth, user.id, set);
  return { secret, codes };
}

/**
 * Turn two-factor off. First, in ONE write to the user row: the flag off and a new factor generation,
 * so from then on no secret, backup code or trusted device of the user counts (each is bound to the old
 * generation), even if every later step fails. Then the rows are deleted (housekeeping; a retry of
 * disable finishes it) and the sessions replaced.
 */
export async function removeTwoFactor(ctx: EndpointContext, state: PluginState, current: SessionWithUser): Promise<void> {
  const auth = ctx.auth;
  const user = current.user;
  const updated =
    (await auth.users.update(user.id, { twoFactorEnabled: false, twoFactorGeneration: auth.generateId() } as Partial<User>)) ?? user;
  emit(ctx, { type: "two-factor.disabled", userId: user.id });
  const byUser = [{ field: "userId", value: user.id }];
  await auth.store.deleteMany(MODELS.twoFactor, byUser);
  await pruneBackupCodes(auth, user.id, null);
  await auth.store.deleteMany(MODELS.otp, byUser);
  await auth.store.deleteMany(MODELS.challenge, byUser);
  // Sessions before devices: Better Auth's Set-Cookie order (session_token, then trust_device).
  await replaceSessions(ctx, state.options, current, updated);
  await forgetAllDevices(ctx, user.id);
}

/**
 * Turn two-factor on with the OTP method. From off, this starts a new factor generation in the same
 * write as the flag, so nothing from an earlier enrolment comes back with it.
 */
export async function enableOtp(ctx: EndpointContext, state: PluginState, current: SessionWithUser): Promise<void> {
  const fresh = twoFactorEnabled(current.user) ? {} : { twoFactorGeneration: ctx.auth.generateId() };
  await turnOn(ctx, state.options, current, { twoFactorEnabled: true, ...fresh } as Partial<User>);
}
