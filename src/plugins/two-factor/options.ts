/**
 * Plugin options: the defaults, the merge order (defaults <- twoFactor(options) <- advanced["two-factor"]),
 * and validation at the boundary (a bad value throws at init, never at request time).
 */
import { assertKnownKeys, listOptionKeys } from "../../auth/plugin-api.js";
import type { AuthContext, EndpointContext, User } from "../../auth/types.js";
import type { TwoFactorEventHandler } from "./events.js";

export interface SendOtpData {
  user: User;
  otp: string;
}

export interface OtpOptions {
  /** Delivers the code (email, SMS...). Without it the OTP method is off. */
  sendOtp?: (data: SendOtpData, ctx: EndpointContext) => Promise<void> | void;
  /** Code lifetime in minutes. */
  period?: number;
  digits?: number;
  /** Wrong guesses allowed per sent code; the next verify ends the code. */
  allowedAttempts?: number;
  /** Codes a user may request per window (re-sending must not reset the guess budget forever). */
  maxSendsPerWindow?: number;
  sendWindowSeconds?: number;
}

export interface TotpOptions {
  digits?: number;
  /** Seconds per step (RFC 6238 X). */
  period?: number;
  /** Turns the TOTP method (and enrolment) off. */
  disable?: boolean;
  /** Steps accepted either side of the current one (RFC 6238 section 5.2). */
  window?: number;
  /**
   * Prepared TOTP keys kept in memory for recently verified users (key-cache.ts: skips decrypting the
   * stored secret on each verification, at the cost of keeping key state in memory). 0 turns it off.
   */
  keyCacheSize?: number;
}

export interface BackupCodeOptions {
  amount?: number;
  /** Characters per code, before the hyphen is inserted. */
  length?: number;
}

export interface AccountLockoutOptions {
  enabled?: boolean;
  maxFailedAttempts?: number;
  durationSeconds?: number;
}

/**
 * Mandatory two-factor (enforcement.ts). `enabled`: true covers every user, a function decides per user
 * (called at each credential sign-in or sign-up of a user without a confirmed factor, and again when such
 * a user calls enable on the pending challenge). Default: off.
 */
export interface EnforcementOptions {
  enabled?: boolean | ((user: User) => boolean | Promise<boolean>);
}

export interface TwoFactorOptions {
  /** Label in authenticator apps. Default: the app name. */
  issuer?: string;
  otpOptions?: OtpOptions;
  totpOptions?: TotpOptions;
  backupCodeOptions?: BackupCodeOptions;
  skipVerificationOnEnable?: boolean;
  /** Seconds a trusted device skips the second factor. */
  trustDeviceMaxAge?: number;
  /** Seconds a pending sign-in challenge lives. */
  twoFactorCookieMaxAge?: number;
  /** Failed TOTP/backup-code attempts per sign-in challenge; the next request ends the challenge. */
  maxChallengeAttempts?: number;
  accountLockout?: AccountLockoutOptions;
  /**
   * When two-factor is turned on or off for a user, end every other session of that user (the
   * session that made the change is replaced by a new one either way). Default true; false keeps them.
   */
  revokeOtherSessions?: boolean;
  /** Require a second factor: covered users without one must enrol before any session is issued. */
  enforcement?: EnforcementOptions;
  /**
   * Security events (events.ts, docs/two-factor-operations.md): called with each event once the request
   * that caused it is settled, never awaited; a throw or rejection is logged and swallowed.
   */
  onEvent?: TwoFactorEventHandler;
}

export interface ResolvedOptions {
  issuer: string | undefined;
  otp: Required<Omit<OtpOptions, "sendOtp">> & Pick<OtpOptions, "sendOtp">;
  totp: Required<TotpOptions>;
  backupCodes: Required<BackupCodeOptions>;
  skipVerificationOnEnable: boolean;
  trustDeviceMaxAge: number;
  twoFactorCookieMaxAge: number;
  maxChallengeAttempts: number;
  lockout: Required<AccountLockoutOptions>;
  revokeOtherSessions: boolean;
  enforcement: { enabled: boolean | ((user: User) => boolean | Promise<boolean>) };
  onEvent: TwoFactorEventHandler | undefined;
}

export const DEFAULTS = {
  otp: { period: 3, digits: 6, allowedAttempts: 5, maxSendsPerWindow: 3, sendWindowSeconds: 600 },
  totp: { digits: 6, period: 30, disable: false, window: 1, keyCacheSize: 1000 },
  backupCodes: { amount: 10, length: 10 },
  skipVerificationOnEnable: false,
  trustDeviceMaxAge: 2592000,
  twoFactorCookieMaxAge: 600,
  maxChallengeAttempts: 5,
  lockout: { enabled: true, maxFailedAttempts: 10, durationSeconds: 900 },
  revokeOtherSessions: true,
  enforcement: { enabled: false },
} as const;

function int(name: string, value: unknown, min: number, max: number): number {
  if (typeof value !== "number" || !Number.isInteger(value)) {
    throw new TypeError(`two-factor: expected ${name} to be an integer, got ${JSON.stringify(value)}`);
  }
  if (value < min || value > max) throw new RangeError(`two-factor: expected ${name} in ${min}..${max}, got ${value}`);
  return value;
}

function positive(name: string, value: unknown): number {
  if (typeof value !== "number" || !(value > 0) || !Number.isFinite(value)) {
    throw new RangeError(`two-factor: expected ${name} to be a positive number, got ${JSON.stringify(value)}`);
  }
  return value;
}

function bool(name: string, value: unknown): boolean {
  if (typeof value !== "boolean") throw new TypeError(`two-factor: expected ${name} to be a boolean, got ${typeof value}`);
  return value;
}

const ENFORCEMENT_KEYS = listOptionKeys<EnforcementOptions>()(["enabled"]);

function resolveEnforcement(value: unknown): ResolvedOptions["enforcement"] {
  if (value === undefined) return DEFAULTS.enforcement;
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    throw new TypeError(`two-factor: expected enforcement to be an object { enabled }, got ${value === null ? "null" : typeof value}`);
  }
  assertKnownKeys("enforcement", value, ENFORCEMENT_KEYS);
  const enabled = (value as EnforcementOptions).enabled ?? DEFAULTS.enforcement.enabled;
  if (typeof enabled !== "boolean" && typeof enabled !== "function") {
    throw new TypeError(`two-factor: expected enforcement.enabled to be a boolean or a function (user) => boolean, got ${typeof enabled}`);
  }
  return { enabled };
}

export function resolveOptions(auth: AuthContext, passed: TwoFactorOptions | undefined): ResolvedOptions {
  // The core's merge: advanced["two-factor"] over twoFactor(options), key by key, nested groups merged.
  const o = auth.pluginOptions<TwoFactorOptions>("two-factor", passed ?? {});
  const otp = { ...DEFAULTS.otp, ...o.otpOptions };
  const totp = { ...DEFAULTS.totp, ...o.totpOptions };
  const backup = { ...DEFAULTS.backupCodes, ...o.backupCodeOptions };
  const lockout = { ...DEFAULTS.lockout, ...o.accountLockout };
  if (otp.sendOtp !== undefined && typeof otp.sendOtp !== "function") {
    throw new TypeError(`two-factor: expected otpOptions.sendOtp to be a function, got ${typeof otp.sendOtp}`);
  }
  if (o.onEvent !== undefined && typeof o.onEvent !== "function") {
    throw new TypeError(`two-factor: expected onEvent to be a function, got ${typeof o.onEvent}`);
  }
  if (o.issuer !== undefined && typeof o.issuer !== "string") {
    throw new TypeError(`two-factor: expected issuer to be a string, got ${typeof o.issuer}`);
  }
  const enforcement = resolveEnforcement(o.enforcement);
  return {
    issuer: o.issuer,
    otp: {
      sendOtp: otp.sendOtp,
      period: positive("otpOptions.period", otp.period),
      digits: int("otpOptions.digits", otp.digits, 4, 10),
      allowedAttempts: int("otpOptions.allowedAttempts", otp.allowedAttempts, 1, 1000),
      maxSendsPerWindow: int("otpOptions.maxSendsPerWindow", otp.maxSendsPerWindow, 1, 1_000_000),
      sendWindowSeconds: int("otpOptions.sendWindowSeconds", otp.sendWindowSeconds, 1, 31_536_000),
    },
    totp: {
      digits: int("totpOptions.digits", totp.digits, 6, 10),
      period: int("totpOptions.period", totp.period, 1, 3600),
      disable: bool("totpOptions.disable", totp.disable),
      window: int("totpOptions.window", totp.window, 0, 10),
      keyCacheSize: int("totpOptions.keyCacheSize", totp.keyCacheSize, 0, 100_000),
    },
    backupCodes: {
      amount: int("backupCodeOptions.amount", backup.amount, 1, 100),
      length: int("backupCodeOptions.length", backup.length, 6, 64),
    },
    skipVerificationOnEnable: bool("skipVerificationOnEnable", o.skipVerificationOnEnable ?? DEFAULTS.skipVerificationOnEnable),
    trustDeviceMaxAge: int("trustDeviceMaxAge", o.trustDeviceMaxAge ?? DEFAULTS.trustDeviceMaxAge, 1, 400 * 86400),
    twoFactorCookieMaxAge: int("twoFactorCookieMaxAge", o.twoFactorCookieMaxAge ?? DEFAULTS.twoFactorCookieMaxAge, 1, 86400),
    maxChallengeAttempts: int("maxChallengeAttempts", o.maxChallengeAttempts ?? DEFAULTS.maxChallengeAttempts, 1, 1000),
    lockout: {
      enabled: bool("accountLockout.enabled", lockout.enabled),
      maxFailedAttempts: int("accountLockout.maxFailedAttempts", lockout.maxFailedAttempts, 1, 1_000_000),
      durationSeconds: int("accountLockout.durationSeconds", lockout.durationSeconds, 1, 31_536_000),
    },
    revokeOtherSessions: bool("revokeOtherSessions", o.revokeOtherSessions ?? DEFAULTS.revokeOtherSessions),
    enforcement,
    onEvent: o.onEvent,
  };
}
