/**
 * The HTTP surface (spec section 5, plus the Kernia-only backup-code status and trusted-device
 * endpoints). Handlers are thin: parse, apply one rule module, shape the answer.
 */
import { APIError, BASE_ERROR_CODES } from "../../auth/errors.js";
import { defineEndpoints } from "../../auth/plugin-api.js";
import type { AuthContext, EndpointContext } from "../../auth/types.js";
import { attemptBackupCode, attemptOtp, attemptTotp } from "./attempt.js";
import { backupCodeStatus, createBackupCodes, pruneBackupCodes } from "./backup-codes.js";
import { resolveTarget } from "./challenge.js";
import { completeChallenge, currentSession, enableAndRotate, grant } from "./complete.js";
import { enableTarget } from "./enforcement.js";
import { enableOtp, enrolTotp, removeTwoFactor } from "./enrolment.js";
import { notConfigured, twoFactorError } from "./errors.js";
import { emit, reportVerified } from "./events.js";
import { sendOtp } from "./otp.js";
import { findTwoFactor, isCurrent, twoFactorEnabled } from "./row.js";
import { MODELS } from "./schema.js";
import type { PluginState, StateRegistry } from "./state.js";
import { openSecret, resealSecret, totpUri } from "./totp.js";
import { listTrustedDevices, revokeTrustedDevices } from "./trusted-device.js";

const str = { type: "string" } as const;
const optBool = { type: "boolean", optional: true } as const;

async function requirePassword(auth: AuthContext, userId: string, password: unknown): Promise<void> {
  if (typeof password !== "string" || !(await auth.passwords.check(userId, password))) {
    throw APIError.from(400, BASE_ERROR_CODES, "INVALID_PASSWORD");
  }
}

export function createEndpoints(states: StateRegistry) {
  const stateOf = (ctx: EndpointContext): PluginState => states.get(ctx.auth);

  return defineEndpoints({
    enableTwoFactor: {
      method: "POST",
      path: "/two-factor/enable",
      body: {
        password: str,
        method: { type: "enum", values: ["otp", "totp"], optional: true },
        issuer: { type: "string", optional: true },
      },
      async handler(ctx) {
        const state = stateOf(ctx);
        const { options } = state;
        const auth = ctx.auth;
        // The session read loads the user row from the store on every request: fresh state. Without a
        // session, the pending enrolment challenge of a covered user stands in (enforcement.ts).
        const target = await enableTarget(ctx, options);
        const user = target.user;
        await requirePassword(auth, user.id, ctx.body.password);
        const method = (ctx.body.method as "otp" | "totp" | undefined) ?? "totp";
        if (method === "otp" && !options.otp.sendOtp) throw twoFactorError(400, "OTP_NOT_CONFIGURED");
        if (method === "totp" && options.totp.disable) throw twoFactorError(400, "TOTP_NOT_CONFIGURED");
        if (method === "otp") {
          // On an enrolment challenge nothing turns on before a code is verified: send-otp, verify-otp.
          if (target.kind === "session") {
            await enableOtp(ctx, state, target.session);
            emit(ctx, { type: "two-factor.enabled", userId: user.id, method: "otp" });
          }
          return { method: "otp" };
        }
        const { secret, codes } = await enrolTotp(ctx, state, user);
        // On an enrolment challenge the session (and the flag) come from verify-totp, never from enable.
        if (options.skipVerificationOnEnable && target.kind === "session") {
          await enableAndRotate(ctx, options, target.session);
          emit(ctx, { type: "two-factor.enabled", userId: user.id, method: "totp" });
        }
        const issuer = (ctx.body.issuer as string | undefined) || options.issuer || auth.appName;
        return { method: "totp", totpURI: totpUri(auth, options, secret, issuer, user.email), backupCodes: codes };
      },
    },

    disableTwoFactor: {
      method: "POST",
      path: "/two-factor/disable",
      body: { password: str },
      async handler(ctx) {
        const current = await ctx.requireSession();
        await requirePassword(ctx.auth, current.user.id, ctx.body.password);
        await removeTwoFactor(ctx, stateOf(ctx), current);
        return { status: true };
      },
    },

    getTOTPURI: {
      method: "POST",
      path: "/two-factor/get-totp-uri",
      body: { password: str },
      async handler(ctx) {
        const { options, keys, keyring } = stateOf(ctx);
        const { user } = await ctx.requireSession();
        const row = await findTwoFactor(ctx.auth, user.id);
        if (!row || row.secret === null || !isCurrent(row.factorGeneration, user)) throw twoFactorError(400, "TOTP_NOT_ENABLED");
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
        if (state.options.totp.disable) throw notConfigured.totp();
        const target = await resolveTarget(ctx);
        // The claim of a first code also marks the secret verified (enrolment), in the same write.
        const row = await attemptTotp(ctx, state, target, ctx.body.code as string);
        const granted = await grant(ctx, state, target, "totp");
        reportVerified(ctx, target, "totp", ctx.body.trustDevice === true, !row.verified || !twoFactorEnabled(target.user));
        return granted;
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
        emit(ctx, { type: "otp.sent", userId: target.user.id });
        return { status: true };
      },
    },

    verifyTwoFactorOTP: {
      method: "POST",
      path: "/two-factor/verify-otp",
      body: { code: str, trustDevice: optBool },
      async handler(ctx) {
        const state = stateOf(ctx);
        if (!state.options.otp.sendOtp) throw notConfigured.otp();
        const target = await resolveTarget(ctx);
        await attemptOtp(ctx, state, target, ctx.body.code as string);
        const granted = await grant(ctx, state, target, "otp");
        // A session-path verify turns OTP on (Better Auth); so does one on an enrolment challenge.
        reportVerified(ctx, target, "otp", ctx.body.trustDevice === true, !twoFactorEnabled(target.user));
        return granted;
      },
    },

    verifyBackupCode: {
      method: "POST",
      path: "/two-factor/verify-backup-code",
      body: { code: str, trustDevice: optBool, disableSession: optBool },
      async handler(ctx) {
        const state = stateOf(ctx);
        const auth = ctx.auth;
        const target = await resolveTarget(ctx);
        await attemptBackupCode(ctx, state, target, ctx.body.code as string);
        if (target.kind === "session") return currentSession(ctx, target.session);
        // Better Auth 1.7.25 (T#101): the code is spent and no session is made. Kernia keeps the challenge
        // open; Better Auth refuses the next verify on it (the follow-up exchange after T#101).
        if (ctx.body.disableSession === true) return { user: auth.publicUser(target.user) };
        const granted = await completeChallenge(ctx, state, target, ctx.body.trustDevice === true);
        reportVerified(ctx, target, "backup-code", ctx.body.trustDevice === true);
        return granted;
      },
    },

    generateBackupCodes: {
      method: "POST",
      path: "/two-factor/generate-backup-codes",
      body: { password: str },
      async handler(ctx) {
        const state = stateOf(ctx);
        const auth = ctx.auth;
        const { user } = await ctx.requireSession();
        if (!twoFactorEnabled(user)) throw twoFactorError(400, "TWO_FACTOR_NOT_ENABLED");
        await requirePassword(auth, user.id, ctx.body.password);
        const row = await findTwoFactor(auth, user.id);
        if (!row || row.secret === null || !isCurrent(row.factorGeneration, user)) throw twoFactorError(400, "TWO_FACTOR_NOT_ENABLED");
        const { codes, generation } = await createBackupCodes(auth, state.options, state.keys, user.id);
        // One write switches sets: from here only the new generation's rows count.
        await auth.store.update(MODELS.twoFactor, [{ field: "userId", value: user.id }], { backupCodes: generation });
        await pruneBackupCodes(auth, user.id, generation);
        emit(ctx, { type: "backup-codes.regenerated", userId: user.id, count: codes.length });
        return { status: true, backupCodes: codes };
      },
    },

    getBackupCodeStatus: {
      method: "GET",
      path: "/two-factor/backup-codes/status",
      async handler(ctx) {
        const { user } = await ctx.requireSession();
        const row = await findTwoFactor(ctx.auth, user.id);
        return backupCodeStatus(ctx.auth, row !== null && isCurrent(row.factorGeneration, user) ? row : null);
      },
    },

    listTrustedDevices: {
      method: "GET",
      path: "/two-factor/trusted-devices",
      async handler(ctx) {
        const { user } = await ctx.requireSession();
        return listTrustedDevices(ctx, user.id, user);
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
  });
}
