/**
 * The two-factor error table. Codes and messages are Better Auth 1.7.25's `TWO_FACTOR_ERROR_CODES`
 * (the official client exports the same map, so callers can switch on `error.code`), plus the codes
 * Kernia adds for the rules Better Auth does not have (marked +).
 */
import { APIError } from "../../auth/errors.js";

export const TWO_FACTOR_ERROR_CODES = {
  OTP_NOT_ENABLED: "OTP not enabled",
  OTP_NOT_CONFIGURED: "OTP is not available",
  OTP_HAS_EXPIRED: "OTP has expired",
  TOTP_NOT_ENABLED: "TOTP not enabled",
  TOTP_ALREADY_ENABLED: "TOTP is already enabled",
  TOTP_NOT_CONFIGURED: "TOTP is not available",
  TWO_FACTOR_NOT_ENABLED: "Two factor isn't enabled",
  BACKUP_CODES_NOT_ENABLED: "Backup codes aren't enabled",
  INVALID_BACKUP_CODE: "Invalid backup code",
  INVALID_CODE: "Invalid code",
  TOO_MANY_ATTEMPTS_REQUEST_NEW_CODE: "Too many attempts. Please request a new code.",
  ACCOUNT_TEMPORARILY_LOCKED: "Too many failed verification attempts. Your account is temporarily locked. Please try again later.",
  INVALID_TWO_FACTOR_COOKIE: "Invalid two factor cookie",
  /* + */ TOO_MANY_OTP_REQUESTS: "Too many codes requested. Please try again later.",
  /* + */ TRUSTED_DEVICE_NOT_FOUND: "Trusted device not found",
  /* + */ TOTP_CODE_ALREADY_USED: "This code was already used. Wait for the next code.",
} as const;

export type TwoFactorErrorCode = keyof typeof TWO_FACTOR_ERROR_CODES;

export function twoFactorError(status: number, code: TwoFactorErrorCode): APIError {
  return APIError.from(status, TWO_FACTOR_ERROR_CODES, code);
}

/**
 * Better Auth answers the same code with a second wording on the endpoints other than enable
 * (spec section 10.11); the client only switches on `code`, the message is kept for fidelity.
 */
export const notConfigured = {
  otp: () => new APIError(400, "OTP_NOT_CONFIGURED", "otp isn't configured"),
  totp: () => new APIError(400, "TOTP_NOT_CONFIGURED", "totp isn't configured"),
};
