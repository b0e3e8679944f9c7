/**
 * The HTTP surface (spec section 5, plus the Kernia-only backup-code status and trusted-device
 * endpoints). Handlers are thin: parse, apply one rule module, shape the answer.
 */
import { APIError, BASE_ERROR_CODES } from "../../auth/errors.js";
import type { AuthContext, Endpoint, EndpointContext, User } from "../../auth/types.js";
import { backupCodeStatus, createBackupCodes, pruneBackupCodes, spendBackupCode } from "./backup-codes.js";
import { recordAttemptFailure, reserveAttempt, resolveTarget, type Target } from "./challenge.js";
import { completeChallenge, currentSession, enableAndRotate, type TokenAndUser } from "./complete.js";
import { notConfigured, twoFactorError } from "./errors.js";
import { assertNotLocked, findTwoFactor, lockIfSpent, reserveGuess, type TwoFactorRow } from "./lockout.js";
import { checkOtp, sendOtp } from "./otp.js";
import { MODELS } from "./schema.js";
import { encryptSecret } from "./secret-box.js";
import type { ResolvedOptions } from "./options.js";
import type { PluginState, StateRegistry } from "./state.js";
import { generateTotpSecret, openSecret, resealSecret, totpUri, verifyAndClaimTotp } from "./totp.js";
import { forgetAllDevices, listTrustedDevices, revokeTrustedDevices } from "./trusted-device.js";
import { UniqueConstraintError } from "../../adapters/types.js";

const str = { type: "string" } as const;
const optBool = { type: "boolean", optional: true } as const;

async function requirePassword(auth: AuthContext, userId: string, password: unknown): Promise<void> {
  if (typeof password !== "string" || !(await auth.passwords.check(userId, password))) {
    throw APIError.from(400, BASE_ERROR_CODES, "INVALID_PASSWORD");
  }
}

/** The session's user as stored now (enable/disable act on fresh state, not the cached session copy). */
async function sessionUser(ctx: EndpointContext) {
  const current = await ctx.requireSession();
  const user = (await ctx.auth.users.findById(current.user.id)) ?? current.user;
  return { current: { session: current.session, user }, user };
}

function twoFactorEnabled(user: User): boolean {
  return (user as User & { twoFactorEnabled?: boolean }).twoFactorEnabled === true;
}

/**
 * One attempt at a second factor. On the challenge path the rules apply (spec 4.3): a locked account is
 * refused first (429, before the challenge budget is touched, as in Better Auth); then, for TOTP and
 * backup codes, a slot of the per-challenge budget, and a guess of the account's lockout budget, are
 * reserved before the code is compared, so a concurrent burst cannot compare more codes than either
 * allows. The session path has none of them, as in Better Auth (the rate limiter still applies).
 * Throws 401 `failure` when `check` says no.
 */
async function attempt(
  ctx: EndpointContext,
  options: ResolvedOptions,
  target: Target,
  challengeBudget: boolean,
  failure: "INVALID_CODE" | "INVALID_BACKUP_CODE",
  check: () => Promise<boolean>,
): Promise<void> {
  if (target.kind === "session") {
    if (await check()) return;
    throw twoFactorError(401, failure);
  }
  const auth = ctx.auth;
  await assertNotLocked(auth, options, target.user.id);
  if (challengeBudget) await reserveAttempt(ctx, options, target.challengeId);
  const release = await reserveGuess(auth, options, target.user.id);
  let ok: boolean;
  try {
    ok = await check();
  } catch (error) {
    // The check ended before comparing a code (expired OTP, its own cap): not a guess.
    await release();
    throw error;
  }
  if (ok) return;
  if (challengeBudget) await recordAttemptFailure(ctx, target.challengeId);
  await lockIfSpent(auth, options, target.user.id);
  throw twoFactorError(401, failure);
}

/** What a verified TOTP code or OTP grants: the withheld session, or on a session 2FA turned on. */
function grant(ctx: EndpointContext, state: PluginState, target: Target): Promise<TokenAndUser> | TokenAndUser {
  if (target.kind === "challenge") return completeChallenge(ctx, state, target, ctx.body.trustDevice === true);
  return twoFactorEnabled(target.user) ? currentSession(ctx, target.session) : enableAndRotate(ctx, target.session);
}

export function createEndpoints(states: StateRegistry): Record<string, Endpoint> {
  const stateOf = (ctx: EndpointContext): PluginState => states.get(ctx.auth);

  return {
    enableTwoFactor: {
      method: "POST",
      path: "/two-factor/enable",
      body: { password: str, method: { type: "enum", values: ["otp", "totp"], optional: true }, issuer: { type: "string", optional: true } },
      async handler(ctx) {
        const { options, keys } = stateOf(ctx);
        const auth = ctx.auth;
        const { current, user } = await sessionUser(ctx);
        await requirePassword(auth, user.id, ctx.body.password);
        const method = (ctx.body.method as "otp" | "totp" | undefined) ?? "totp";
        if (method === "otp" && !options.otp.sendOtp) throw twoFactorError(400, "OTP_NOT_CONFIGURED");
        if (method === "totp" && options.totp.disable) throw twoFactorError(400, "TOTP_NOT_CONFIGURED");
        if (method === "otp") {
          await enableAndRotate(ctx, current);
          return { method: "otp" };
        }
        const existing = await findTwoFactor(auth, user.id);
        if (existing?.verified) throw twoFactorError(400, "TOTP_ALREADY_ENABLED");
        const secret = generateTotpSecret(auth);
        const { codes, generation } = await createBackupCodes(auth, options, keys, user.id);
        const data = {
          secret: encryptSecret(keys.secretBox, user.id, secret),
          backupCodes: generation,
          verified: options.skipVerificationOnEnable,
        };
        const byUser = [{ field: "userId", value: user.id }];
        // Re-enrolment over an unverified row keeps its lockout counter and replay guard.
        if (!(await auth.store.update(MODELS.twoFactor, byUser, data))) {
          try {
            await auth.store.create<TwoFactorRow>(MODELS.twoFactor, {
              id: auth.generateId(),
              userId: user.id,
              ...data,
              lastUsedStep: null,
              failedVerificationCount: 0,
              lockedUntil: null,
            });
          } catch (error) {
            if (!(error instanceof UniqueConstraintError)) throw error;
            await auth.store.update(MODELS.twoFactor, byUser, data);
          }
        }
        await pruneBackupCodes(auth, user.id, generation);
        if (options.skipVerificationOnEnable) await enableAndRotate(ctx, current);
        const issuer = (ctx.body.issuer as string | undefined) || options.issuer || auth.appName;
        return { method: "totp", totpURI: totpUri(auth, options, secret, issuer, user.email), backupCodes: codes };
      },
    },

    disableTwoFactor: {
      method: "POST",
      path: "/two-factor/disable",
      body: { password: str },
      async handler(ctx) {
        const auth = ctx.auth;
        const { current, user } = await sessionUser(ctx);
        await requirePassword(auth, user.id, ctx.body.password);
        const updated = (await auth.users.update(user.id, { twoFactorEnabled: false } as Partial<User>)) ?? user;
        const byUser = [{ field: "userId", value: user.id }];
        await auth.store.deleteMany(MODELS.twoFactor, byUser);
        await pruneBackupCodes(auth, user.id, null);
        await auth.store.deleteMany(MODELS.otp, byUser);
        await auth.store.deleteMany(MODELS.challenge, byUser);
        await ctx.rotateSession({ session: current.session, user: updated });
        await forgetAllDevices(ctx, user.id);
        return { status: true };
      },
    },

    getTOTPURI: {
      method: "POST",
      path: "/two-factor/get-totp-uri",
      body: { password: str },
      async handler(ctx) {
        const { options, keys, keyring } = stateOf(ctx);
        const { user } = await sessionUser(ctx);
        const row = await findTwoFactor(ctx.auth, user.id);
        if (!row || row.secret === null) throw twoFactorError(400, "TOTP_NOT_ENABLED");
        await requirePassword(ctx.auth, user.id, ctx.body.password);
        if (options.totp.disable) throw notConfigured.totp();
        const { secret, retired } = openSecret(keyring, row);
        if (retired) await resealSecret(ctx.auth, keys, row, secret);
        // Same issuer as enable's default (Better Auth ignores the plugin `issuer` here, spec 10.7).
        const issuer = options.issuer || ctx.auth.appName;
        return { totpURI: totpUri(ctx.auth, options, secret, issuer, user.email) };
      },
    },

    verifyTOTP: {
      method: "POST",
      path: "/two-factor/verify-totp",
      body: { code: str, trustDevice: optBool },
      async handler(ctx) {
        const state = stateOf(ctx);
        const { options } = state;
        const auth = ctx.auth;
        if (options.totp.disable) throw notConfigured.totp();
        const target = await resolveTarget(ctx);
        const row = await findTwoFactor(auth, target.user.id);
        if (!row || row.secret === null || (target.kind === "challenge" && !row.verified)) {
          throw twoFactorError(400, "TOTP_NOT_ENABLED");
        }
        await attempt(ctx, options, target, true, "INVALID_CODE", () => verifyAndClaimTotp(auth, state, row, ctx.body.code as string));
        if (target.kind === "session" && !row.verified) {
          await auth.store.update(MODELS.twoFactor, [{ field: "userId", value: row.userId }], { verified: true });
        }
        return grant(ctx, state, target);
      },
    },

    sendTwoFactorOTP: {
      method: "POST",
      path: "/two-factor/send-otp",
      body: { trustDevice: optBool },
      async handler(ctx) {
        const { options, keys } = stateOf(ctx);
        if (!options.otp.sendOtp) throw notConfigured.otp();
        const target = await resolveTarget(ctx);
        await sendOtp(ctx, options, keys, target);
        return { status: true };
      },
    },

    verifyTwoFactorOTP: {
      method: "POST",
      path: "/two-factor/verify-otp",
      body: { code: str, trustDevice: optBool },
      async handler(ctx) {
        const state = stateOf(ctx);
        const { options, keyring } = state;
        if (!options.otp.sendOtp) throw notConfigured.otp();
        const target = await resolveTarget(ctx);
        // The per-OTP budget lives in the OTP row (checkOtp), not in the challenge.
        await attempt(ctx, options, target, false, "INVALID_CODE", () => checkOtp(ctx, options, keyring, target, ctx.body.code as string));
        return grant(ctx, state, target);
      },
    },

    verifyBackupCode: {
      method: "POST",
      path: "/two-factor/verify-backup-code",
      body: { code: str, trustDevice: optBool, disableSession: optBool },
      async handler(ctx) {
        const state = stateOf(ctx);
        const { options, keyring } = state;
        const auth = ctx.auth;
        const target = await resolveTarget(ctx);
        const row = await findTwoFactor(auth, target.user.id);
        if (!row || row.backupCodes === null) throw twoFactorError(400, "BACKUP_CODES_NOT_ENABLED");
        await attempt(ctx, options, target, true, "INVALID_BACKUP_CODE", () => spendBackupCode(ctx, keyring, row, ctx.body.code as string));
        if (target.kind === "session") return currentSession(ctx, target.session);
        // Better Auth 1.7.25 (T#101): the code is spent, no session is made, the challenge stays open.
        if (ctx.body.disableSession === true) return { user: auth.publicUser(target.user) };
        return completeChallenge(ctx, state, target, ctx.body.trustDevice === true);
      },
    },

    generateBackupCodes: {
      method: "POST",
      path: "/two-factor/generate-backup-codes",
      body: { password: str },
      async handler(ctx) {
        const { options, keys } = stateOf(ctx);
        const auth = ctx.auth;
        const { user } = await sessionUser(ctx);
        if (!twoFactorEnabled(user)) throw twoFactorError(400, "TWO_FACTOR_NOT_ENABLED");
        await requirePassword(auth, user.id, ctx.body.password);
        const row = await findTwoFactor(auth, user.id);
        if (!row || row.secret === null) throw twoFactorError(400, "TWO_FACTOR_NOT_ENABLED");
        const { codes, generation } = await createBackupCodes(auth, options, keys, user.id);
        // One write switches sets: from here only the new generation's rows count.
        await auth.store.update(MODELS.twoFactor, [{ field: "userId", value: user.id }], { backupCodes: generation });
        await pruneBackupCodes(auth, user.id, generation);
        return { status: true, backupCodes: codes };
      },
    },

    getBackupCodeStatus: {
      method: "GET",
      path: "/two-factor/backup-codes/status",
      async handler(ctx) {
        const { user } = await ctx.requireSession();
        return backupCodeStatus(ctx.auth, await findTwoFactor(ctx.auth, user.id));
      },
    },

    listTrustedDevices: {
      method: "GET",
      path: "/two-factor/trusted-devices",
      async handler(ctx) {
        const { user } = await ctx.requireSession();
        return listTrustedDevices(ctx, user.id);
      },
    },

    revokeTrustedDevice: {
      method: "POST",
      path: "/two-factor/trusted-devices/revoke",
      body: { id: { type: "string", optional: true, maxLength: 128 }, all: optBool },
      async handler(ctx) {
        const { user } = await ctx.requireSession();
        const all = ctx.body.all === true;
        const id = typeof ctx.body.id === "string" ? ctx.body.id : null;
        if (!all && id === null) {
          throw new APIError(400, "VALIDATION_ERROR", "[body.id] Invalid input: expected string, received undefined");
        }
        const revoked = await revokeTrustedDevices(ctx, user.id, all ? null : id);
        if (!all && revoked === 0) throw twoFactorError(404, "TRUSTED_DEVICE_NOT_FOUND");
        return { status: true, revoked };
      },
    },
  };
}
