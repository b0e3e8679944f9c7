/**
 * Keys derived from the auth secret, and the at-rest encryption of TOTP secrets.
 *
 * Each use gets its own key: HKDF-SHA-256 (RFC 5869) with ikm = UTF-8 of the auth secret, a fixed salt
 * and a per-purpose `info` label, so a key leaked from one use (say, the backup-code hashes' key) says
 * nothing about another, and none equals the cookie-signing key (the raw secret). Key rotation: the keys
 * are derived for the secret and for each of options.previousSecrets (state.ts keyring); new values use
 * the current secret's keys, reads try each in turn (totp.ts re-encrypts a TOTP secret an old key opened).
 *
 * Encrypted TOTP secret format (string stored in twoFactor.secret):
 *   "v1." + base64url(iv, 12 bytes) + "." + base64url(ciphertext) + "." + base64url(GCM tag, 16 bytes)
 * AES-256-GCM (NIST SP 800-38D) with a random 96-bit IV per encryption, and the owner's userId as
 * additional authenticated data: a ciphertext copied onto another user's row does not decrypt.
 * AES-GCM is not in the crypto port (the WASM core does hashes, not ciphers), so this uses node:crypto.
 */
import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from "node:crypto";

const SALT = "kernia/two-factor";
const FORMAT = "v1";

export interface PluginKeys {
  /** AES-256-GCM key for twoFactor.secret. */
  secretBox: Uint8Array;
  /** HMAC-SHA-256 key for backup-code hashes (crypto.hashBackupCode). */
  backupCode: Uint8Array;
  /** HMAC-SHA-256 key for OTP hashes. */
  otp: Uint8Array;
}

function derive(secret: string, label: string): Uint8Array {
  return new Uint8Array(hkdfSync("sha256", Buffer.from(secret, "utf8"), SALT, label, 32));
}

export function deriveKeys(secret: string): PluginKeys {
  return {
    secretBox: derive(secret, "totp-secret-encryption/v1"),
    backupCode: derive(secret, "backup-code-hash/v1"),
    otp: derive(secret, "otp-hash/v1"),
  };
}

function aad(userId: string): Buffer {
  return Buffer.from(`twoFactor.secret:${userId}`, "utf8");
}

export function encryptSecret(key: Uint8Array, userId: string, plaintext: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv("aes-256-gcm", key, iv);
  cipher.setAAD(aad(userId));
  const body = Buffer.concat([cipher.update(plaintext, "utf8"), cipher.final()]);
  const tag = cipher.getAuthTag();
  return [FORMAT, iv.toString("base64url"), body.toString("base64url"), tag.toString("base64url")].join(".");
}

/** The plaintext, or null when the value is malformed or fails authentication (tampered, wrong key or user). */
export function decryptSecret(key: Uint8Array, userId: string, stored: string): string | null {
  const parts = stored.split(".");
  if (parts.length !== 4 || parts[0] !== FORMAT) return null;
  const iv = Buffer.from(parts[1], "base64url");
  const tag = Buffer.from(parts[3], "base64url");
  if (iv.length !== 12 || tag.length !== 16) return null;
  try {
    const decipher = createDecipheriv("aes-256-gcm", key, iv, { authTagLength: 16 });
    decipher.setAAD(aad(userId));
    decipher.setAuthTag(tag);
    return Buffer.concat([decipher.update(Buffer.from(parts[2], "base64url")), decipher.final()]).toString("utf8");
  } catch {
    return null;
  }
}
