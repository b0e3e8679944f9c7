/** Better Auth 1.7.25's error codes and texts for the account-lifecycle endpoints (@better-auth/core error codes). */
import { APIError } from "../../errors.js";

export const ACCOUNT_ERROR_CODES = {
  INVALID_TOKEN: "Invalid token",
  TOKEN_EXPIRED: "Token expired",
  USER_NOT_FOUND: "User not found",
  INVALID_USER: "Invalid user",
  RESET_PASSWORD_DISABLED: "Reset password isn't enabled",
  CREDENTIAL_ACCOUNT_NOT_FOUND: "Credential account not found",
  VERIFICATION_EMAIL_NOT_ENABLED: "Verification email isn't enabled",
  EMAIL_ALREADY_VERIFIED: "Email is already verified",
  EMAIL_MISMATCH: "Email mismatch",
  EMAIL_CAN_NOT_BE_UPDATED: "Email can not be updated",
  CHANGE_EMAIL_DISABLED: "Change email is disabled",
  SESSION_EXPIRED: "Session expired. Re-authenticate to perform this action.",
  SESSION_NOT_FRESH: "Session is not fresh",
  FAILED_TO_GET_USER_INFO: "Failed to get user info",
  NOT_FOUND: "Not found",
  BODY_MUST_BE_AN_OBJECT: "Body must be an object",
} as const;

export type AccountErrorCode = keyof typeof ACCOUNT_ERROR_CODES;

export function accountError(status: number, code: AccountErrorCode): APIError {
  return APIError.from(status, ACCOUNT_ERROR_CODES, code);
}

/** Better Auth answers a few cases with a message and no code (APIError.fromStatus): kept as it is. */
export function messageOnly(status: number, message: string): APIError {
  return new APIError(status, null, message);
}
