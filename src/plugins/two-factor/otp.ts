/**
 * One-time codes delivered by the app (otpOptions.sendOtp), stored hashed.
 *
 * One live code per key: the challenge id on the sign-in path, "<userId>!<sessionId>" on a session
 * (as Better Auth keys them). Sending replaces the code and its attempt counter, so sends are capped
 * per user per fixed window (twoFactorOtpSend): without that cap, re-sending resets the per-code
 * guess budget forever (better-auth issue #11162). Guesses reserve a slot with one atomic increment
 * before the code is compared, so a concurrent burst gets at most allowedAttempts comparisons (the
 * order of the checks is attempt.ts's).
 *
 * A right code is consumed with one deleteOne; if the request then fails (no session issued), the row is
 * put back as it was, so the user can retry with the code already delivered instead of spending a send
 * from the capped window. Only once deleteOne returned the row: with a lost reply, the retry asks for
 * a new code.
 */
import { UniqueConstraintError, type Row } from "../../adapters/types.js";
import type { AuthContext, EndpointContext, User } from "../../auth/types.js";
import type { Target } from "./challenge.js";
import { twoFactorError } from "./errors.js";
import { assertNotLocked } from "./lockout.js";
import type { ResolvedOptions } from "./options.js";
import { MODELS } from "./schema.js";
import type { PluginKeys } from "./secret-box.js";
import { fromHex, toHex, utf8 } from "./bytes.js";

export interface OtpRow extends Row {
  userId: string;
  codeHash: string;
  attempts: number;
  expiresAt: Date;
}

export function otpKey(target: Target): string {
  return target.kind === "challenge" ? target.challengeId : `${target.user.id}!${target.session.session.id}`;
}

function hashOtp(auth: AuthContext, keys: PluginKeys, key: string, code: string): Uint8Array {
  return auth.crypto.hmac("SHA-256", keys.otp, utf8(`${key}:${code}`));
}

/** The stored hash is the code's under one of the keys (current first: a code sent before a rotation). */
function matchesAnyKey(auth: AuthContext, keyring: readonly PluginKeys[], key: string, code: string, stored: Uint8Array): boolean {
  for (const keys of keyring) if (auth.crypto.timingSafeEqual(hashOtp(auth, keys, key, code), stored)) return true;
  return false;
}

async function assertSendAllowed(auth: AuthContext, options: ResolvedOptions, userId: string): Promise<void> {
  const windowMs = options.otp.sendWindowSeconds * 1000;
  const index = Math.floor(auth.now() / windowMs);
  // Create-or-count in one atomic operation.
  const row = await auth.store.upsert(MODELS.otpSend, [{ field: "id", value: `${userId}:${index}` }], {
    create: { userId, expiresAt: new Date((index + 1) * windowMs) },
    increment: { count: 1 },
  });
  if (row === null || (row.count as number) > options.otp.maxSendsPerWindow) throw twoFactorError(429, "TOO_MANY_OTP_REQUESTS");
}

/** Refused while the account is locked (429 with X-Retry-After): a code it could not use is not sent. */
export async function sendOtp(ctx: EndpointContext, options: ResolvedOptions, keys: PluginKeys, target: Target): Promise<void> {
  const auth = ctx.auth;
  const send = options.otp.sendOtp;
  if (!send) throw new Error("two-factor: sendOtp called without otpOptions.sendOtp");
  await assertNotLocked(auth, options, target.user.id);
  await assertSendAllowed(auth, options, target.user.id);
  const key = otpKey(target);
  const code = auth.randomString(options.otp.digits, "0123456789");
  // One upsert replaces the code (and its attempt counter) under this key, or creates it.
  await auth.store.upsert(MODELS.otp, [{ field: "id", value: key }], {
    create: {},
    set: {
      userId: target.user.id,
      codeHash: toHex(hashOtp(auth, keys, key, code)),
      attempts: 0,
      expiresAt: new Date(auth.now() + options.otp.period * 60_000),
    },
  });
  await send({ user: target.user as User, otp: code }, ctx);
}

/** The live code under this target's key, or null (none sent, or expired: an expired row is removed). */
export async function findLiveOtp(auth: AuthContext, target: Target): Promise<OtpRow | null> {
  const byId = { field: "id", value: otpKey(target) };
  const row = await auth.store.findOne<OtpRow>(MODELS.otp, [byId]);
  if (row !== null && row.expiresAt.getTime() > auth.now()) return row;
  if (row) await auth.store.deleteOne(MODELS.otp, [byId, { field: "codeHash", value: row.codeHash }]);
  return null;
}

/**
 * Reserve one of the code's allowedAttempts with one atomic increment (guarded on the code read, so a
 * code re-sent meanwhile is not charged). Throws OTP_HAS_EXPIRED (gone meanwhile) or
 * TOO_MANY_ATTEMPTS_REQUEST_NEW_CODE (budget spent: the code is ended).
 */
export async function reserveOtpAttempt(auth: AuthContext, options: ResolvedOptions, row: OtpRow): Promise<void> {
  const where = [
    { field: "id", value: row.id },
    { field: "codeHash", value: row.codeHash },
  ];
  const reserved = await auth.store.increment<OtpRow>(MODELS.otp, where, "attempts", 1);
  if (!reserved) throw twoFactorError(400, "OTP_HAS_EXPIRED");
  if (reserved.attempts > options.otp.allowedAttempts) {
    await auth.store.deleteOne(MODELS.otp, where);
    throw twoFactorError(400, "TOO_MANY_ATTEMPTS_REQUEST_NEW_CODE");
  }
}

/** Does `code` match the stored code? (Constant-time compare under each key of the keyring.) */
export function otpMatches(auth: AuthContext, keyring: readonly PluginKeys[], row: OtpRow, code: string): boolean {
  return code.length <= 64 && matchesAnyKey(auth, keyring, row.id, code, fromHex(row.codeHash));
}

/**
 * Take the right code: true when this request consumed it (one deleteOne, one winner); put back as it
 * was if the request fails later. False when a concurrent request took it first.
 */
export async function consumeOtp(ctx: EndpointContext, row: OtpRow): Promise<boolean> {
  const auth = ctx.auth;
  const consumed = await auth.store.deleteOne<OtpRow>(MODELS.otp, [
    { field: "id", value: row.id },
    { field: "codeHash", value: row.codeHash },
  ]);
  if (!consumed) return false;
  ctx.onFailure(async () => {
    try {
      await auth.store.create<OtpRow>(MODELS.otp, { ...consumed });
    } catch (error) {
      // A row under this key already: a newer code was sent meanwhile (it wins), or an earlier try applied.
      if (!(error instanceof UniqueConstraintError)) throw error;
    }
  }, "restore the one-time code it consumed");
  return true;
}
