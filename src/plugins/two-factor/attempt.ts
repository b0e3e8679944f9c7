/**
 * The order of the rules around one attempt at a second factor, for each kind of code. Every step is
 * one atomic store operation (lockout.ts, challenge.ts, otp.ts, totp.ts, backup-codes.ts).
 *
 * 1. Something to compare against, or the answer says so without spending anything: no TOTP secret
 *    (TOTP_NOT_ENABLED), no backup codes (BACKUP_CODES_NOT_ENABLED), no live OTP (OTP_HAS_EXPIRED).
 *    Factors of an old factor generation count as none (row.ts).
 * 2. The account's lockout budget, on the challenge path and on a signed-in session alike: a locked
 *    account is refused here (429), before the challenge budget is touched, as in Better Auth. For TOTP
 *    and backup codes the reservation is also the read of the twoFactor row (one round trip).
 * 3. The challenge's own budget (TOTP and backup codes on the challenge path) or the OTP's.
 * 4. The comparison. Wrong: the slots stay spent (the one that took the last lockout slot locks).
 *    Nothing compared after all (the OTP, the step or the backup code was taken by a concurrent
 *    request, no unused backup code left): the lockout slot is given back.
 * 5. Right: the single-use claim, which also resets the lockout count (for TOTP in the same write).
 *
 * Each function returns once the code is accepted and claimed; the caller grants (complete.ts).
 */
import type { EndpointContext } from "../../auth/types.js";
import { spendBackupCode } from "./backup-codes.js";
import { recordAttemptFailure, reserveAttempt, type Target } from "./challenge.js";
import { twoFactorError } from "./errors.js";
import { emit } from "./events.js";
import {
  assertNotLocked,
  recordSuccess,
  recordWrongGuess,
  releaseGuess,
  requirement,
  reserveGuess,
  reserveOtpGuess,
  RESET,
} from "./lockout.js";
import { consumeOtp, findLiveOtp, otpMatches, reserveOtpAttempt } from "./otp.js";
import type { TwoFactorRow } from "./row.js";
import type { PluginState } from "./state.js";
import { checkTotp, claimStep } from "./totp.js";

/** Run `steps` holding a lockout slot; a failure before any code was compared gives the slot back. */
async function holding<T>(ctx: EndpointContext, state: PluginState, target: Target, steps: () => Promise<T>): Promise<T> {
  try {
    return await steps();
  } catch (error) {
    await releaseGuess(ctx.auth, state.options, target.user.id);
    throw error;
  }
}

/** A TOTP code. Returns the row as read (with the reservation). */
export async function attemptTotp(ctx: EndpointContext, state: PluginState, target: Target, code: string): Promise<TwoFactorRow> {
  const auth = ctx.auth;
  const { options } = state;
  const userId = target.user.id;
  // An enrolment challenge (enforcement.ts) accepts the first code of the secret enable just wrote.
  const need = requirement(target.user, target.kind === "challenge" && !target.enrolment ? "totp-verified" : "totp");
  const reservation = await reserveGuess(auth, options, target.user, need);
  if (reservation === null) throw twoFactorError(400, "TOTP_NOT_ENABLED");
  const { row, count } = reservation;
  const check = await holding(ctx, state, target, async () => {
    if (target.kind === "challenge") await reserveAttempt(ctx, options, target.challengeId);
    const checked = await checkTotp(auth, state, row, code);
    if (checked.kind !== "right") return checked.kind;
    const also = { ...(options.lockout.enabled ? RESET : {}), ...(row.verified ? {} : { verified: true }) };
    // A first code verifies the secret it was checked against: guarded on that secret, so an enable
    // that replaced it meanwhile (a concurrent call) is not marked verified by a code for the old one.
    const guard = row.verified ? [] : [{ field: "secret", value: row.secret }];
    return (await claimStep(auth, row, checked.step, also, guard)) ? "right" : "used";
  });
  if (check === "right") return row;
  if (target.kind === "challenge") await recordAttemptFailure(ctx, target.challengeId);
  if (check === "used") {
    // A right code whose step is spent: no guess at the secret, and the person only has to wait.
    await releaseGuess(auth, options, userId);
    throw twoFactorError(401, "TOTP_CODE_ALREADY_USED");
  }
  await recordWrongGuess(ctx, options, userId, count, "totp");
  throw twoFactorError(401, "INVALID_CODE");
}

/** A backup code: spent by this request when this returns (restored if the request fails later). */
export async function attemptBackupCode(ctx: EndpointContext, state: PluginState, target: Target, code: string): Promise<void> {
  const auth = ctx.auth;
  const { options, keyring } = state;
  const userId = target.user.id;
  // The codes enable handed out on an enrolment challenge belong to a factor nobody has proved yet.
  if (target.kind === "challenge" && target.enrolment) throw twoFactorError(400, "BACKUP_CODES_NOT_ENABLED");
  const reservation = await reserveGuess(auth, options, target.user, requirement(target.user, "backup"));
  if (reservation === null) throw twoFactorError(400, "BACKUP_CODES_NOT_ENABLED");
  const { row, count } = reservation;
  const check = await holding(ctx, state, target, async () => {
    if (target.kind === "challenge") await reserveAttempt(ctx, options, target.challengeId);
    return spendBackupCode(ctx, keyring, row, code);
  });
  if (typeof check === "number") {
    await recordSuccess(auth, options, userId);
    emit(ctx, { type: "backup-code.used", userId, codesLeft: check });
    return;
  }
  if (target.kind === "challenge") await recordAttemptFailure(ctx, target.challengeId);
  if (check === "none") await releaseGuess(auth, options, userId);
  else await recordWrongGuess(ctx, options, userId, count, "backup-code");
  throw twoFactorError(401, "INVALID_BACKUP_CODE");
}

/** A one-time code (its own per-code budget; no challenge budget). Consumed when this returns. */
export async function attemptOtp(ctx: EndpointContext, state: PluginState, target: Target, code: string): Promise<void> {
  const auth = ctx.auth;
  const { options, keyring } = state;
  const userId = target.user.id;
  const row = await findLiveOtp(auth, target);
  if (row === null) {
    // Nothing to compare, nothing spent; a locked account still hears that it is locked first.
    await assertNotLocked(auth, options, userId);
    throw twoFactorError(400, "OTP_HAS_EXPIRED");
  }
  const count = await reserveOtpGuess(auth, options, target.user);
  const right = await holding(ctx, state, target, async () => {
    await reserveOtpAttempt(auth, options, row);
    if (!otpMatches(auth, keyring, row, code)) return false;
    // Taken by a concurrent request with the same code: nothing left to compare against.
    if (!(await consumeOtp(ctx, row))) throw twoFactorError(400, "OTP_HAS_EXPIRED");
    return true;
  });
  if (right) {
    await recordSuccess(auth, options, userId);
    return;
  }
  await recordWrongGuess(ctx, options, userId, count, "otp");
  throw twoFactorError(401, "INVALID_CODE");
}
