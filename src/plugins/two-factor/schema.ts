/**
 * The plugin's stored state. Every field that holds a secret, a hash or a counter is `returned: false`.
 *
 * twoFactor (one row per user, `userId` unique):
 *   secret        the TOTP secret, AES-256-GCM encrypted (format in secret-box.ts); null for a row that
 *                 exists only to carry the lockout counter of an OTP-only user (see lockout.ts)
 *   backupCodes   the id of the current backup-code generation (non-secret). The codes themselves live
 *                 hashed, one per row, in twoFactorBackupCode; only rows of this generation count, so
 *                 regenerating switches sets with one write. null: no backup codes.
 *   verified      the TOTP secret has been confirmed with a code (or skipVerificationOnEnable)
 *   lastUsedStep  the last accepted TOTP time step: RFC 6238 section 5.2 replay guard
 *   failedVerificationCount, lockedUntil, lastGuessAt   the account's guess budget (lockout.ts)
 *   factorGeneration   the user's factor generation when the secret and backup codes were set (row.ts)
 * user.twoFactorGeneration: the current factor generation, replaced by every disable (row.ts).
 * twoFactorConfirmation: the pending sign-in challenge behind the two_factor cookie (id = cookie value);
 *   attempts = slots reserved, failures = attempts that finished wrong (see challenge.ts);
 *   enrolment = true for the enrolment-required challenge of enforcement.ts (missing: a normal one).
 * twoFactorBackupCode: codeHash = hex HMAC-SHA-256(backup-code key, code); spent by setting usedAt,
 *   with spentBy = a random marker of the spending request (its undo is guarded on it).
 * twoFactorOtp: one live OTP per key (the challenge id, or "<userId>!<sessionId>" on a session);
 *   codeHash = hex HMAC-SHA-256(otp key, id + ":" + code).
 * twoFactorOtpSend: fixed-window send counter per user (id = "<userId>:<window index>").
 * twoFactorTrustedDevice: one row per trusted browser; trustIdHash = hex SHA-256 of the secret trustId
 *   carried in the trust_device cookie (the row id is public and stable across rotations);
 *   factorGeneration binds it like the twoFactor row's.
 */
import type { FieldDef, Schema } from "../../adapters/types.js";

export const MODELS = {
  twoFactor: "twoFactor",
  challenge: "twoFactorConfirmation",
  backupCode: "twoFactorBackupCode",
  otp: "twoFactorOtp",
  otpSend: "twoFactorOtpSend",
  trustedDevice: "twoFactorTrustedDevice",
} as const;

const userRef = { model: "user", field: "id" };
/** The user a row belongs to (indexed: the plugin finds and deletes a user's rows by it). */
const owner: FieldDef = { type: "string", required: true, index: true, references: userRef, returned: false };
/** When a short-lived row dies (the model's expiresAtField: a TTL index on MongoDB, swept in memory). */
const expires: FieldDef = { type: "date", required: true };

export const twoFactorSchema: Schema = {
  user: {
    fields: {
      twoFactorEnabled: { type: "boolean", defaultValue: false, input: false },
      twoFactorGeneration: { type: "string", input: false, returned: false },
    },
  },
  [MODELS.twoFactor]: {
    fields: {
      userId: { type: "string", required: true, unique: true, references: userRef, returned: false },
      secret: { type: "string", returned: false },
      backupCodes: { type: "string", returned: false },
      verified: { type: "boolean", required: true, defaultValue: false },
      lastUsedStep: { type: "number", returned: false },
      failedVerificationCount: { type: "number", required: true, defaultValue: 0, returned: false },
      lockedUntil: { type: "date", returned: false },
      lastGuessAt: { type: "date", returned: false },
      factorGeneration: { type: "string", returned: false },
    },
  },
  [MODELS.challenge]: {
    fields: {
      userId: owner,
      expiresAt: expires,
      attempts: { type: "number", required: true, defaultValue: 0, returned: false },
      failures: { type: "number", required: true, defaultValue: 0, returned: false },
      enrolment: { type: "boolean", returned: false },
    },
    expiresAtField: "expiresAt",
  },
  [MODELS.backupCode]: {
    fields: {
      userId: owner,
      generation: { type: "string", required: true, index: true, returned: false },
      codeHash: { type: "string", required: true, returned: false },
      usedAt: { type: "date", returned: false },
      spentBy: { type: "string", returned: false },
    },
  },
  [MODELS.otp]: {
    fields: {
      userId: owner,
      codeHash: { type: "string", required: true, returned: false },
      attempts: { type: "number", required: true, defaultValue: 0, returned: false },
      expiresAt: expires,
    },
    expiresAtField: "expiresAt",
  },
  [MODELS.otpSend]: {
    fields: {
      userId: owner,
      count: { type: "number", required: true, defaultValue: 0, returned: false },
      expiresAt: expires,
    },
    expiresAtField: "expiresAt",
  },
  [MODELS.trustedDevice]: {
    fields: {
      userId: owner,
      trustIdHash: { type: "string", required: true, unique: true, returned: false },
      createdAt: { type: "date", required: true },
      expiresAt: expires,
      userAgent: { type: "string" },
      factorGeneration: { type: "string", returned: false },
    },
    expiresAtField: "expiresAt",
  },
};
