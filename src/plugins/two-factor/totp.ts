/**
 * TOTP (RFC 6238) over the crypto port: secrets, the otpauth URI, and single-use verification.
 *
 * Secret: 32 random chars of [A-Za-z0-9_-] whose ASCII bytes are the HMAC key, as Better Auth does
 * (192 bits, above RFC 4226 section 4's 128-bit minimum); the URI carries their base32 (52 chars).
 */
import type { AuthContext } from "../../auth/types.js";
import type { TwoFactorRow } from "./lockout.js";
import type { ResolvedOptions } from "./options.js";
import { MODELS } from "./schema.js";
import { decryptSecret, encryptSecret, type PluginKeys } from "./secret-box.js";
import { ID_ALPHABET, utf8, type PluginState } from "./state.js";

export function generateTotpSecret(auth: AuthContext): string {
  return auth.randomString(32, ID_ALPHABET);
}

function formEncode(value: string): string {
  return new URLSearchParams({ v: value }).toString().slice(2);
}

/** Key URI Format (Google Authenticator wiki): otpauth://totp/ISSUER:ACCOUNT?secret=...&issuer=... */
export function totpUri(auth: AuthContext, options: ResolvedOptions, secret: string, issuer: string, account: string): string {
  const base32 = auth.crypto.base32Encode(utf8(secret), { padding: false });
  return (
    `otpauth://totp/${encodeURIComponent(issuer)}:${encodeURIComponent(account)}` +
    `?secret=${base32}&issuer=${formEncode(issuer)}&digits=${options.totp.digits}&period=${options.totp.period}`
  );
}

/**
 * The row's TOTP secret, tried under each key of the keyring (current first: AES-GCM's tag rejects a
 * wrong key), and whether a retired key opened it (the caller then reseals the row, see resealSecret).
 */
export function openSecret(keyring: readonly PluginKeys[], row: TwoFactorRow): { secret: string; retired: boolean } {
  if (row.secret !== null) {
    for (let i = 0; i < keyring.length; i++) {
      const secret = decryptSecret(keyring[i].secretBox, row.userId, row.secret);
      if (secret !== null) return { secret, retired: i > 0 };
    }
  }
  // A row no accepted key opens means a secret retired too early (dropped from previousSecrets) or a
  // tampered database: a server fault, not a wrong code, so it surfaces as a 500 with a generic body.
  throw new Error("two-factor: stored TOTP secret cannot be decrypted");
}

/**
 * After a retired key opened the row: encrypt the same secret under the current key, with one update
 * guarded on the old ciphertext (so a secret re-enrolled meanwhile is never overwritten). Best effort:
 * the row stays readable while the old secret is in previousSecrets, so a failure is logged, not thrown.
 */
export async function resealSecret(auth: AuthContext, keys: PluginKeys, row: TwoFactorRow, secret: string): Promise<void> {
  if (row.secret === null) return;
  try {
    await auth.store.update(
      MODELS.twoFactor,
      [
        { field: "userId", value: row.userId },
        { field: "secret", value: row.secret },
      ],
      { secret: encryptSecret(keys.secretBox, row.userId, secret) },
    );
  } catch (e) {
    console.error(`kernia: two-factor: could not re-encrypt a TOTP secret under the current key (${e instanceof Error ? e.name : typeof e})`);
  }
}

/**
 * True when `code` is valid now AND this request claimed its time step. RFC 6238 section 5.2: "the
 * verifier MUST NOT accept the second attempt of the OTP after the successful validation has been
 * issued for the first OTP". verifyTotp already skips steps <= lastUsedStep; the claim is one
 * conditional update, so of two concurrent requests with the same code only one wins, in any process.
 * The claim is not undone when the request fails later (see completeChallenge): the next code is free.
 */
export async function verifyAndClaimTotp(
  auth: AuthContext,
  state: PluginState,
  row: TwoFactorRow,
  code: string,
): Promise<boolean> {
  const { options, keys, keyring, totpKeys } = state;
  // The key is opened first either way: an undecryptable row is a 500 whatever the code looks like.
  // With the cache, the prepared key is used synchronously below (no await until verifyTotp returns),
  // so no other request can evict and dispose it meanwhile. The cache is keyed by ciphertext and user,
  // which fix the plaintext whichever key opened it; a hit skips the reseal (the next miss does it).
  let retired: string | null = null;
  const open = () => {
    const opened = openSecret(keyring, row);
    if (opened.retired) retired = opened.secret;
    return utf8(opened.secret);
  };
  const key = totpKeys !== null && row.secret !== null ? totpKeys.key(auth.crypto, row.userId, row.secret, open) : open();
  const result =
    code.length === options.totp.digits && /^[0-9]+$/.test(code)
      ? auth.crypto.verifyTotp(key, code, {
          time: auth.now(),
          period: options.totp.period,
          digits: options.totp.digits,
          window: options.totp.window,
          afterStep: row.lastUsedStep ?? undefined,
        })
      : null;
  if (retired !== null) await resealSecret(auth, keys, row, retired);
  if (result === null || !result.valid) return false;
  const user = { field: "userId", value: row.userId };
  const claimed =
    (await auth.store.update(MODELS.twoFactor, [user, { field: "lastUsedStep", operator: "lt", value: result.step }], {
      lastUsedStep: result.step,
    })) ??
    (await auth.store.update(MODELS.twoFactor, [user, { field: "lastUsedStep", value: null }], { lastUsedStep: result.step }));
  return claimed !== null;
}
