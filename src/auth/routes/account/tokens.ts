/**
 * Single-use tokens for reset, verification and delete links, kept in the `verification` model.
 *
 * Only a hash is stored: identifier = purpose + ":" + hex SHA-256(token). The token is 24 or 32
 * random characters of [A-Za-z0-9] (143 or 190 bits), so a plain hash is enough: nobody can search
 * that space, and a reader of the database gets nothing that opens a link. `value` is what the token
 * grants (a user id, or a user id and an address). `expiresAt` is the model's expiry field, so the
 * MongoDB TTL index reaps dead rows; reads check it anyway.
 *
 * Bounded: the stored value is "<purpose>:<grant>", and issuing a token first deletes every earlier
 * token with the same purpose and grant, so each (purpose, grant) has at most one live link (the
 * newest) however often someone asks for a reset of another person's address. An earlier link stops
 * working when a newer one is sent.
 *
 * Consuming is ONE deleteOne guarded on the identifier and on expiresAt > now: among any number of
 * concurrent requests with the same token exactly one gets the row. If that request then fails, its
 * undo puts the row back so the link still works. The put-back is registered only once deleteOne has
 * returned the row: after a lost reply we cannot tell whether this request or a concurrent one took it,
 * and restoring a token another request already spent would make it usable twice.
 */
import { UniqueConstraintError, type Row } from "../../../adapters/types.js";
import { ALPHANUMERIC } from "../../random.js";
import type { AuthContext, EndpointContext } from "../../types.js";

export type TokenPurpose = "reset-password" | "verify-email" | "delete-account";

/** Longer tokens are not ours: refused before hashing. */
const MAX_TOKEN_LENGTH = 256;

interface VerificationRow extends Row {
  identifier: string;
  value: string;
  expiresAt: Date;
}

function identifier(auth: AuthContext, purpose: TokenPurpose, token: string): string {
  return `${purpose}:${Buffer.from(auth.crypto.sha256(new TextEncoder().encode(token))).toString("hex")}`;
}

/** A fresh token and its hash, for paths that must cost the same whether or not a row is written. */
export function newToken(auth: AuthContext, purpose: TokenPurpose, length: 24 | 32): { token: string; identifier: string } {
  const token = auth.randomString(length, ALPHANUMERIC);
  return { token, identifier: identifier(auth, purpose, token) };
}

/** Store a new token granting `value` for `ttl` seconds; a failed request deletes it again. */
export async function issueToken(
  ctx: EndpointContext,
  purpose: TokenPurpose,
  value: string,
  ttl: number,
  length: 24 | 32 = 24,
): Promise<string> {
  const auth = ctx.auth;
  const { token, identifier: ident } = newToken(auth, purpose, length);
  const id = auth.generateId();
  const now = auth.now();
  const stored = `${purpose}:${value}`;
  // Superseded links are not restored if this request fails: like a revocation, it only takes access away.
  await auth.store.deleteMany("verification", [{ field: "value", value: stored }]);
  ctx.onFailure(() => auth.store.deleteMany("verification", [{ field: "id", value: id }]), "delete the token it issued");
  await auth.store.create<VerificationRow>("verification", {
    id,
    identifier: ident,
    value: stored,
    expiresAt: new Date(now + ttl * 1000),
    createdAt: new Date(now),
    updatedAt: new Date(now),
  });
  return token;
}

/** The grant part of a stored value (null for a row that is not this purpose's, which cannot match anyway). */
function grantOf(purpose: TokenPurpose, stored: string): string | null {
  return stored.startsWith(`${purpose}:`) ? stored.slice(purpose.length + 1) : null;
}

function validWhere(auth: AuthContext, purpose: TokenPurpose, token: string) {
  return [
    { field: "identifier", value: identifier(auth, purpose, token) },
    { field: "expiresAt", operator: "gt" as const, value: new Date(auth.now()) },
  ];
}

/** What a live token grants, without spending it (the reset link's GET). null: unknown or expired. */
export async function peekToken(auth: AuthContext, purpose: TokenPurpose, token: string): Promise<string | null> {
  if (token.length === 0 || token.length > MAX_TOKEN_LENGTH) return null;
  const row = await auth.store.findOne<VerificationRow>("verification", validWhere(auth, purpose, token));
  return row === null ? null : grantOf(purpose, row.value);
}

/**
 * Spend a token: its value for exactly one caller, null for the rest (and for unknown or expired ones).
 * `value`: spend it only if it grants exactly that (so someone else's attempt leaves it unspent).
 */
export async function consumeToken(ctx: EndpointContext, purpose: TokenPurpose, token: string, value?: string): Promise<string | null> {
  const auth = ctx.auth;
  if (token.length === 0 || token.length > MAX_TOKEN_LENGTH) return null;
  const where = validWhere(auth, purpose, token);
  const row = await auth.store.deleteOne<VerificationRow>(
    "verification",
    value === undefined ? where : [...where, { field: "value", value: `${purpose}:${value}` }],
  );
  if (row === null) return null;
  ctx.onFailure(async () => {
    try {
      await auth.store.create<VerificationRow>("verification", { ...row });
    } catch (e) {
      if (!(e instanceof UniqueConstraintError)) throw e; // already back (an earlier try applied)
    }
  }, "restore the token it consumed");
  return grantOf(purpose, row.value);
}

/** One read by identifier: the store work of a lookup, for paths that must cost what a real one costs. */
export async function probe(auth: AuthContext, ident: string): Promise<void> {
  await auth.store.findOne("verification", [{ field: "identifier", value: ident }]);
}

/** Whether a row exists for the token, live or not (after a failed consume: expired or unknown?). */
export async function tokenExists(auth: AuthContext, purpose: TokenPurpose, token: string): Promise<boolean> {
  if (token.length === 0 || token.length > MAX_TOKEN_LENGTH) return false;
  return (await auth.store.findOne("verification", [{ field: "identifier", value: identifier(auth, purpose, token) }])) !== null;
}
