/**
 * One-time codes delivered by the app (otpOptions.sendOtp), stored hashed.
 *
 * One live code per key: the challenge id on the sign-in path, "<userId>!<sessionId>" on a session
 * (as Better Auth keys them). Sending replaces the code and its attempt counter, so sends are capped
 * per user per fixed window (twoFactorOtpSend): without that cap, re-sending resets the per-code
 * guess budget forever (better-auth issue #11162). Guesses reserve a slot with one atomic increment
 * before the code is compared, so a concurrent burst gets at most allowedAttempts comparisons.
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
import type { ResolvedOptions } from "./options.js";
import { MODELS } from "./schema.js";
import type { PluginKeys } from "./secret-box.js";
import { fromHex, toHex, utf8 } from "./state.js";

interface OtpRow extends Row {
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

/** Insert-or-count: one atomic increment, creating the row on first use. */
async function bump<T extends Row>(auth: AuthContext, model: string, id: string, field: string, fresh: () => T): Promise<T> {
  const where = [{ field: "id", value: id }];
  const row = await auth.store.increment<T>(model, where, field, 1);
  if (row) return row;
  try {
    return await auth.store.create<T>(model, fresh());
  } catch (error) {
    if (!(error instanceof UniqueConstraintError)) throw error;
    const again = await auth.store.increment<T>(model, where, field, 1);
    if (!again) throw error;
    return again;
  }
}

async function assertSendAllowed(auth: AuthContext, options: ResolvedOptions, userId: string): Promise<void> {
  const windowMs = options.otp.sendWindowSeconds * 1000;
  const index = Math.floor(auth.now() / windowMs);
  const row = await bump(auth, MODELS.otpSend, `${userId}:${index}`, "count", () => ({
    id: `${userId}:${index}`,
    userId,
    count: 1,
    expiresAt: new Date((index + 1) * windowMs),
  }));
  if ((row.count as number) > options.otp.maxSendsPerWindow) throw twoFactorError(429, "TOO_MANY_OTP_REQUESTS");
}

export async function sendOtp(ctx: EndpointContext, options: ResolvedOptions, keys: PluginKeys, target: Target): Promise<void> {
  const auth = ctx.auth;
  const send = options.otp.sendOtp;
  if (!send) throw new Error("two-factor: sendOtp called without otpOptions.sendOtp");
  await assertSendAllowed(auth, options, target.user.id);
  const key = otpKey(target);
  const code = auth.randomString(options.otp.digits, "0123456789");
  const data = {
    userId: target.user.id,
    codeHash: toHex(hashOtp(auth, keys, key, code)),
    attempts: 0,
    expiresAt: new Date(auth.now() + options.otp.period * 60_000),
  };
  const where = [{ field: "id", value: key }];
  if (!(await auth.store.update(MODELS.otp, where, data))) {
    try {
      await auth.store.create<OtpRow>(MODELS.otp, { id: key, ...data });
    } catch (error) {
      if (!(error instanceof UniqueConstraintError)) throw error;
      await auth.store.update(MODELS.otp, where, data);
    }
  }
  await send({ user: target.user as User, otp: code }, ctx);
}

/**
 * true: right code, and this request consumed it. false: wrong code (the caller counts the failure).
 * Throws OTP_HAS_EXPIRED (none live) or TOO_MANY_ATTEMPTS_REQUEST_NEW_CODE (budget spent; code ended).
 */
export async function checkOtp(
  ctx: EndpointContext,
  options: ResolvedOptions,
  keyring: readonly PluginKeys[],
  target: Target,
  code: string,
): Promise<boolean> {
  const auth = ctx.auth;
  const key = otpKey(target);
  const byId = { field: "id", value: key };
  const row = await auth.store.findOne<OtpRow>(MODELS.otp, [byId]);
  if (!row || row.expiresAt.getTime() <= auth.now()) {
    if (row) await auth.store.deleteOne(MODELS.otp, [byId, { field: "codeHash", value: row.codeHash }]);
    throw twoFactorError(400, "OTP_HAS_EXPIRED");
  }
  const sameCode = { field: "codeHash", value: row.codeHash };
  const reserved = await auth.store.increment<OtpRow>(MODELS.otp, [byId, sameCode], "attempts", 1);
  if (!reserved) throw twoFactorError(400, "OTP_HAS_EXPIRED");
  if (reserved.attempts > options.otp.allowedAttempts) {
    await auth.store.deleteOne(MODELS.otp, [byId, sameCode]);
    throw twoFactorError(400, "TOO_MANY_ATTEMPTS_REQUEST_NEW_CODE");
  }
  if (code.length > 64 || !matchesAnyKey(auth, keyring, key, code, fromHex(row.codeHash))) return false;
  const consumed = await auth.store.deleteOne<OtpRow>(MODELS.otp, [byId, sameCode]);
  if (!consumed) throw twoFactorError(400, "OTP_HAS_EXPIRED");
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
