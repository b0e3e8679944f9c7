/**
 * Backup codes: shown once, stored as HMAC-SHA-256 under a key derived from the auth secret (one row per
 * code, all written by one createMany; codes hashed under a retired secret still in previousSecrets
 * keep working), checked with the port's constant-time findBackupCode over all of the user's unused
 * hashes, and spent by one conditional update (usedAt: null -> now), so two concurrent requests never
 * both use one.
 *
 * Codes: `length` characters of BACKUP_ALPHABET (31 symbols without the look-alikes 0/O, 1/I/L), shown
 * with a hyphen after the fifth ("XXXXX-XXXXX", Better Auth's layout). 10 characters carry
 * 10 x log2(31) = 49.5 bits. Entry is forgiving: case, hyphens and spaces do not matter (the hash is
 * over the canonical form: upper case, no separators). Sets written before this format (mixed-case
 * [A-Za-z0-9], hashed with the hyphen, compared exactly as Better Auth does) are told apart by their
 * set id and keep their exact comparison.
 *
 * A code is spent together with what it grants or not at all: if the request fails after the spend (the
 * challenge could not be consumed, the session not issued), the code is restored. That only returns it
 * to the state it had before the request (unused, and just as valid to anyone who knew it), while
 * keeping it spent would cost the user one of a few scarce codes for nothing. The restore is guarded
 * by a random marker this request wrote with its spend, so it can never revive another request's.
 */
import type { Row } from "../../adapters/types.js";
import type { AuthContext, EndpointContext } from "../../auth/types.js";
import { BACKUP_ALPHABET, fromHex, toHex } from "./bytes.js";
import type { ResolvedOptions } from "./options.js";
import type { TwoFactorRow } from "./row.js";
import { MODELS } from "./schema.js";
import type { PluginKeys } from "./secret-box.js";

interface BackupCodeRow extends Row {
  userId: string;
  generation: string;
  codeHash: string;
  usedAt: Date | null;
  spentBy: string | null;
}

/** Set ids of sets hashed over the canonical form start with this (older sets: exact comparison). */
const CANONICAL_SET = "c2-";

/** The form a code is hashed in: upper case, without hyphens or white space. */
export function canonicalBackupCode(code: string): string {
  return code.replace(/[\s-]+/g, "").toUpperCase();
}

/**
 * A fresh set of codes under a new set id, written with one createMany. The caller makes the set
 * current (twoFactor.backupCodes) and, should its request fail, nothing points at these rows.
 */
export async function createBackupCodes(
  auth: AuthContext,
  options: ResolvedOptions,
  keys: PluginKeys,
  userId: string,
): Promise<{ codes: string[]; generation: string }> {
  const generation = CANONICAL_SET + auth.generateId();
  const codes: string[] = [];
  const rows: BackupCodeRow[] = [];
  for (let i = 0; i < options.backupCodes.amount; i++) {
    const raw = auth.randomString(options.backupCodes.length, BACKUP_ALPHABET);
    codes.push(`${raw.slice(0, 5)}-${raw.slice(5)}`);
    rows.push({
      id: auth.generateId(),
      userId,
      generation,
      codeHash: toHex(auth.crypto.hashBackupCode(keys.backupCode, raw)),
      usedAt: null,
      spentBy: null,
    });
  }
  await auth.store.createMany<BackupCodeRow>(MODELS.backupCode, rows);
  return { codes, generation };
}

/** Drop every code row of the user that is not in `keep` (null: drop all). */
export async function pruneBackupCodes(auth: AuthContext, userId: string, keep: string | null): Promise<void> {
  const where = [{ field: "userId", value: userId }];
  await auth.store.deleteMany(
    MODELS.backupCode,
    keep === null ? where : [...where, { field: "generation", operator: "ne" as const, value: keep }],
  );
}

/**
 * A number: `code` is one of the user's unused codes and this request spent it (undone if the request
 * fails later, see the file comment); the number is how many unused codes are left, as this request
 * read them (for the `backup-code.used` event; no extra store operation). wrong: it matches none.
 * none: there was nothing to compare it with (no unused code left), or the matching code was spent
 * by a concurrent request first.
 */
export type BackupCodeCheck = number | "wrong" | "none";

export async function spendBackupCode(
  ctx: EndpointContext,
  keyring: readonly PluginKeys[],
  row: TwoFactorRow,
  code: string,
): Promise<BackupCodeCheck> {
  const auth = ctx.auth;
  if (row.backupCodes == null) return "none";
  const unused = await auth.store.findMany<BackupCodeRow>(MODELS.backupCode, [
    { field: "userId", value: row.userId },
    { field: "generation", value: row.backupCodes },
    { field: "usedAt", value: null },
  ]);
  if (unused.length === 0) return "none";
  if (code.length > 128) return "wrong";
  const given = row.backupCodes.startsWith(CANONICAL_SET) ? canonicalBackupCode(code) : code;
  // Under the current key, then each retired one (codes issued before a rotation keep their hashes):
  // each search is constant time over all of the hashes.
  const hashes = unused.map((r) => fromHex(r.codeHash));
  let index = -1;
  for (let k = 0; k < keyring.length && index < 0; k++) index = auth.crypto.findBackupCode(keyring[k].backupCode, given, hashes);
  if (index < 0) return "wrong";
  const id = unused[index].id;
  const marker = auth.generateId();
  // Registered before the write (a lost reply may hide an applied spend). The restore matches only the
  // spend that carries this request's marker: never another request's, whatever its timestamp.
  ctx.onFailure(
    () =>
      auth.store.update(
        MODELS.backupCode,
        [
          { field: "id", value: id },
          { field: "spentBy", value: marker },
        ],
        {
          usedAt: null,
          spentBy: null,
        },
      ),
    "restore the backup code it spent",
  );
  const spent = await auth.store.update(
    MODELS.backupCode,
    [
      { field: "id", value: id },
      { field: "usedAt", value: null },
    ],
    {
      usedAt: new Date(auth.now()),
      spentBy: marker,
    },
  );
  return spent !== null ? unused.length - 1 : "none";
}

export async function backupCodeStatus(auth: AuthContext, row: TwoFactorRow | null): Promise<{ total: number; remaining: number }> {
  if (!row || row.backupCodes == null) return { total: 0, remaining: 0 };
  const where = [
    { field: "userId", value: row.userId },
    { field: "generation", value: row.backupCodes },
  ];
  const total = await auth.store.count(MODELS.backupCode, where);
  const remaining = await auth.store.count(MODELS.backupCode, [...where, { field: "usedAt", value: null }]);
  return { total, remaining };
}
