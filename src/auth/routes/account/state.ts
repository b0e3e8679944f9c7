/**
 * The writes the account endpoints share, each with its undo discipline (EndpointContext.onFailure):
 *
 * - undoChange: an updated row is restored on failure, guarded on the values this request wrote (so a
 *   concurrent change that landed later is never overwritten); setPassword restores the hash this way.
 * - removeRows: an all-or-nothing delete (account deletion): the rows are read, their re-creation is
 *   registered, then they are deleted; a failure later in the request puts them back.
 * - revokeAccess: sessions, and what plugins grant beyond them (trusted devices, pending two-factor
 *   challenges), are revoked WITHOUT undo. Revocation only takes access away; putting back sessions
 *   that may belong to whoever forced the reset would be the worse failure. A failed reset or change
 *   therefore may leave the user signed out everywhere, with the old password still valid and the
 *   token or session restored, so a retry succeeds.
 */
import type { Row, Value, Where } from "../../../adapters/types.js";
import type { EndpointContext } from "../../types.js";

interface CredentialAccount extends Row {
  userId: string;
  providerId: string;
  password: string | null;
}

/**
 * Register the undo of an update to one row: `before` is put back, but only while the row still holds
 * what this request wrote (`after`), so a change a later request made is never overwritten.
 */
export function undoChange(
  ctx: EndpointContext,
  model: string,
  id: string,
  after: Record<string, Value>,
  before: Record<string, Value>,
  what: string,
): void {
  const guard: Where[] = [{ field: "id", value: id }, ...Object.entries(after).map(([field, value]) => ({ field, value }))];
  ctx.onFailure(() => ctx.auth.store.update(model, guard, before), what);
}

export function findCredential(ctx: EndpointContext, userId: string): Promise<CredentialAccount | null> {
  return ctx.auth.store.findOne<CredentialAccount>("account", [
    { field: "userId", value: userId },
    { field: "providerId", value: "credential" },
  ]);
}

/** Write a new credential hash (creating the credential account if the user has none). */
export async function setPassword(ctx: EndpointContext, userId: string, hash: string, existing?: CredentialAccount | null): Promise<void> {
  const store = ctx.auth.store;
  const account = existing === undefined ? await findCredential(ctx, userId) : existing;
  const now = new Date(ctx.auth.now());
  if (account === null) {
    const id = ctx.auth.generateId();
    ctx.onFailure(() => store.deleteMany("account", [{ field: "id", value: id }]), "delete the credential it created");
    await store.create<CredentialAccount>("account", {
      id,
      accountId: userId,
      providerId: "credential",
      userId,
      password: hash,
      createdAt: now,
      updatedAt: now,
    } as CredentialAccount);
    return;
  }
  undoChange(ctx, "account", account.id, { password: hash }, { password: account.password }, "restore the password it replaced");
  await store.update("account", [{ field: "id", value: account.id }], { password: hash, updatedAt: now });
}

/**
 * Sign the user out everywhere (except the sessions in `keep`), and revoke what plugins grant beyond a
 * session. No undo, by design (see the file comment).
 */
export async function revokeAccess(
  ctx: EndpointContext,
  userId: string,
  options: { keepSessionIds?: readonly string[]; keepCurrentDevice?: boolean } = {},
): Promise<void> {
  const where: Where[] = [{ field: "userId", value: userId }];
  for (const id of options.keepSessionIds ?? []) where.push({ field: "id", operator: "ne", value: id });
  await ctx.auth.store.deleteMany("session", where);
  for (const plugin of ctx.auth.plugins) {
    await plugin.revokeUserGrants?.(ctx, userId, { keepCurrentDevice: options.keepCurrentDevice === true });
  }
}

/**
 * Hand a mail to the application's callback without awaiting it: how long the mail takes must not tell
 * a caller whether the address has an account. Called last, once every write has succeeded. A callback
 * that throws or rejects is logged (its error name only) and does not change the answer.
 */
export function deliver<T>(ctx: EndpointContext, what: string, send: (data: T, request?: Request) => unknown, data: T): void {
  const report = (e: unknown) => console.error(`kernia: ${what} callback failed (${e instanceof Error ? e.name : typeof e})`);
  try {
    Promise.resolve(send(data, ctx.request)).catch(report);
  } catch (e) {
    report(e);
  }
}
