/**
 * Backup codes: shown once, stored as HMAC-SHA-256 under a key derived from the auth secret (one row per
 * code; codes hashed under a retired secret still in previousSecrets keep working), checked with the
 * port's constant-time findBackupCode over all of the user's unused hashes, and spent by one conditional
 * update (usedAt: null -> now), so two concurrent requests never both use one.
 *
 * Codes: `length` chars of [A-Za-z0-9] with a hyphen after the fifth (Better Auth's "xxxxx-xxxxx";
 * 10 chars = about 59.5 bits each). The hyphen is part of the code, as in Better Auth.
 *
 * A code is spent together with what it grants or not at all: if the request fails after the spend (the
 * challenge could not be consumed, the session not issued), the code is restored. That only returns it
 * to the state it had before the request (unused, and just as valid to anyone who knew it), while
 * keeping it spent would cost the user one of a few scarce codes for nothing.
 */
import type { Row } from "../../adapters/types.js";
import type { AuthContext, EndpointContext } from "../../auth/types.js";
import type { TwoFactorRow } from "./lockout.js";
import type { ResolvedOptions } from "./options.js";
import { MODELS } from "./schema.js";
import type { PluginKeys } from "./secret-box.js";
import { ALNUM, fromHex, toHex } from "./state.js";

interface BackupCodeRow extends Row {
  userId: string;
  generation: string;
  codeHash: string;
  usedAt: Date | null;
}

/** Create a fresh set of code rows under a new generation id. The caller makes it current. */
export async function createBackupCodes(
  auth: AuthContext,
  options: ResolvedOptions,
  keys: PluginKeys,
  userId: string,
): Promise<{ codes: string[]; generation: string }> {
  const generation = auth.generateId();
  const codes: string[] = [];
  for (let i = 0; i < options.backupCodes.amount; i++) {
    const raw = auth.randomString(options.backupCodes.length, ALNUM);
    const code = `${raw.slice(0, 5)}-${raw.slice(5)}`;
    codes.push(code);
    await auth.store.create<BackupCodeRow>(MODELS.backupCode, {
      id: auth.generateId(),
      userId,
      generation,
      codeHash: toHex(auth.crypto.hashBackupCode(keys.backupCode, code)),
      usedAt: null,
    });
  }
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
 * True when `code` is one of the user's unused codes and this request spent it. Should the request fail
 * later, the spend is undone (see the file comment).
 */
export async function spendBackupCode(
  ctx: EndpointContext,
  keyring: readonly PluginKeys[],
  row: TwoFactorRow,
  code: string,
): Promise<boolean> {
  const auth = ctx.auth;
  if (row.backupCodes === null || code.length > 128) return false;
  const unused = await auth.store.findMany<BackupCodeRow>(MODELS.backupCode, [
    { field: "userId", value: row.userId },
    { field: "generation", value: row.backupCodes },
    { field: "usedAt", value: null },
  ]);
  // Under the current key, then each retired one (codes issued before a rotation keep their hashes):
  // each search is constant time over all of the hashes.
  const hashes = unused.map((r) => fromHex(r.codeHash));
  let index = -1;
  for (let k = 0; k < keyring.length && index < 0; k++) index = auth.crypto.findBackupCode(keyring[k].backupCode, code, hashes);
  if (index < 0) return false;
  const id = unused[index].id;
  const usedAt = new Date(auth.now());
  // Registered before the write (a lost reply may hide an applied spend); skipped once the store says the
  // guard did not match (a concurrent request spent the code: its spend is not ours to undo). The restore
  // is guarded on the timestamp set here, so it cannot revive a code spent again since.
  let applied: boolean | null = null;
  ctx.onFailure(async () => {
    if (applied === false) return;
    await auth.store.update(MODELS.backupCode, [{ field: "id", value: id }, { field: "usedAt", value: usedAt }], { usedAt: null });
  }, "restore the backup code it spent");
  const spent = await auth.store.update(MODELS.backupCode, [{ field: "id", value: id }, { field: "usedAt", value: null }], { usedAt });
  applied = spent !== null;
  return applied;
}

export async function backupCodeStatus(auth: AuthContext, row: TwoFactorRow | null): Promise<{ total: number; remaining: number }> {
  if (!row || row.backupCodes === null) return { total: 0, remaining: 0 };
  const where = [
    { field: "userId", value: row.userId },
    { field: "generation", value: row.backupCodes },
  ];
  const total = await auth.store.count(MODELS.backupCode, where);
  const remaining = await auth.store.count(MODELS.backupCode, [...where, { field: "usedAt", value: null }]);
  return { total, remaining };
}
