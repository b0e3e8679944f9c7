/**
 * TOTP (RFC 6238) over the crypto port: secrets, the otpauth URI, and single-use verification.
 *
 * Secret: 32 random chars of [A-Za-z0-9_-] whose ASCII bytes are the HMAC key, as Better Auth does
 * (192 bits, above RFC 4226 section 4's 128-bit minimum); the URI carries their base32 (52 chars).
 */
import type { Value, Where } from "../../adapters/types.js";
import type { AuthContext } from "../../auth/types.js";
import type { TwoFactorRow } from "./row.js";
import type { ResolvedOptions } from "./options.js";
import { MODELS } from "./schema.js";
import { decryptSecret, encryptSecret, type PluginKeys } from "./secret-box.js";
import { ID_ALPHABET, utf8 } from "./bytes.js";
import type { PluginState } from "./state.js";

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
    console.error(
      `kernia: two-factor: could not re-encrypt a TOTP secret under the current key (${e instanceof Error ? e.name : typeof e})`,
    );
  }
}

/** What a TOTP code is: right for an unused step, right for a step already used, or wrong. */
export type TotpCheck = { kind: "right"; step: number } | { kind: "used" } | { kind: "wrong" };

/**
 * Compare `code` with the row's secret (RFC 6238, +-window steps). RFC 6238 section 5.2: "the verifier
 * MUST NOT accept the second attempt of the OTP after the successful validation has been issued for
 * the first OTP": steps <= lastUsedStep are skipped, and a code that matches only such a step is
 * "used" (the person is told to wait for the next code, not that the code is wrong).
 */
export async function checkTotp(auth: AuthContext, state: PluginState, row: TwoFactorRow, code: string): Promise<TotpCheck> {
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
  let check: TotpCheck = { kind: "wrong" };
  if (code.length === options.totp.digits && /^[0-9]+$/.test(code)) {
    const at = { time: auth.now(), period: options.totp.period, digits: options.totp.digits, window: options.totp.window };
    const fresh = auth.crypto.verifyTotp(key, code, { ...at, afterStep: row.lastUsedStep ?? undefined });
    if (fresh.valid) check = { kind: "right", step: fresh.step };
    else if (row.lastUsedStep != null && auth.crypto.verifyTotp(key, code, at).valid) check = { kind: "used" };
  }
  if (retired !== null) await resealSecret(auth, keys, row, retired);
  return check;
}

/**
 * Claim the code's time step with one conditional update (lastUsedStep below it), so of two concurrent
 * requests with the same code only one wins, in any process; `also` is written by the same update (the
 * lockout reset, the enrolment's `verified`), which saves a round trip and changes no rule: the claim
 * is the success. False when another request claimed the step (or a later one) first. The claim is not
 * undone when the request fails later (see complete.ts): the next code comes within one period.
 */
export async function claimStep(
  auth: AuthContext,
  row: TwoFactorRow,
  step: number,
  also: Record<string, Value>,
  guard: Where[] = [],
): Promise<boolean> {
  const user = { field: "userId", value: row.userId };
  const below = { field: "lastUsedStep", operator: "lt" as const, value: step };
  const unset = { field: "lastUsedStep", value: null };
  // The guard that matches the row as read first; the other in case it changed meanwhile.
  const [first, second] = row.lastUsedStep == null ? [unset, below] : [below, unset];
  const data = { lastUsedStep: step, ...also };
  const claimed =
    (await auth.store.update(MODELS.twoFactor, [user, first, ...guard], data)) ??
    (await auth.store.update(MODELS.twoFactor, [user, second, ...guard], data));
  return claimed !== null;
}
