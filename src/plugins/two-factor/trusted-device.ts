/**
 * Trusted devices (spec section 2.4), with server-side records in our own model so a user can list and
 * revoke them (Better Auth keeps them in `verification`, keyed by the secret id, with no per-user view).
 *
 * Cookie value (signed like every cookie): base64url-no-pad(HMAC-SHA-256(secret, userId + "!" + trustId))
 * + "!" + trustId, trustId = "trust-device-" + 32 chars of [A-Za-z0-9_-]. The row stores only
 * SHA-256(trustId): a database reader cannot forge a cookie, and the public row id is not the secret.
 * Use rotates the trustId with one conditional update guarded on the old hash: one winner per cookie.
 * A failed request undoes its own writes (ctx.onFailure): a record it created is deleted, a rotation is
 * reverted (guarded on the new hash, which only this request knows), since its new cookie never arrives.
 */
import type { Row } from "../../adapters/types.js";
import type { EndpointContext, User } from "../../auth/types.js";
import { emit } from "./events.js";
import type { ResolvedOptions } from "./options.js";
import { generationOf, isCurrent } from "./row.js";
import { MODELS } from "./schema.js";
import { base64urlNoPad, ID_ALPHABET, toHex, utf8 } from "./bytes.js";

export const TRUST_DEVICE_COOKIE = "trust_device";
const TRUST_ID = /^trust-device-[A-Za-z0-9_-]{32}$/;

interface TrustedDeviceRow extends Row {
  userId: string;
  trustIdHash: string;
  createdAt: Date;
  expiresAt: Date;
  userAgent: string | null;
  factorGeneration: string | null;
}

export interface TrustedDeviceView {
  id: string;
  createdAt: Date;
  expiresAt: Date;
  userAgent: string | null;
  current: boolean;
}

function cookieMac(ctx: EndpointContext, userId: string, trustId: string): string {
  return base64urlNoPad(ctx.auth.hmacSecret(`${userId}!${trustId}`));
}

/**
 * The cookie's MAC under the current secret or a retired one (auth.hmacSecrets, current first; each
 * compare constant time). A device trusted before a rotation gets a cookie under the current secret at its next
 * use (useTrustedDevice rotates it).
 */
function macMatches(ctx: EndpointContext, mac: string, userId: string, trustId: string): boolean {
  const given = utf8(mac);
  const data = `${userId}!${trustId}`;
  return ctx.auth.hmacSecrets.some((hmac) => ctx.auth.crypto.timingSafeEqual(given, utf8(base64urlNoPad(hmac(data)))));
}

function hashTrustId(ctx: EndpointContext, trustId: string): string {
  return toHex(ctx.auth.crypto.sha256(utf8(trustId)));
}

/** present: a validly signed trust_device cookie was sent; trustId: set only if it also belongs to userId. */
async function readCookie(ctx: EndpointContext, userId: string): Promise<{ present: boolean; trustId: string | null }> {
  const raw = await ctx.getSignedCookie(TRUST_DEVICE_COOKIE);
  if (!raw) return { present: false, trustId: null };
  const bang = raw.indexOf("!");
  const mac = bang > 0 ? raw.slice(0, bang) : "";
  const trustId = bang > 0 ? raw.slice(bang + 1) : "";
  if (!mac || !TRUST_ID.test(trustId)) return { present: true, trustId: null };
  return { present: true, trustId: macMatches(ctx, mac, userId, trustId) ? trustId : null };
}

function newTrustId(ctx: EndpointContext): string {
  return "trust-device-" + ctx.auth.randomString(32, ID_ALPHABET);
}

async function setCookie(ctx: EndpointContext, options: ResolvedOptions, userId: string, trustId: string): Promise<void> {
  await ctx.setSignedCookie(TRUST_DEVICE_COOKIE, `${cookieMac(ctx, userId, trustId)}!${trustId}`, options.trustDeviceMaxAge);
}

/** After a verified second factor with trustDevice: a new record (of the user's factor generation) and cookie. */
export async function trustThisDevice(ctx: EndpointContext, options: ResolvedOptions, user: User): Promise<void> {
  const auth = ctx.auth;
  const userId = user.id;
  const trustId = newTrustId(ctx);
  const now = auth.now();
  const id = auth.generateId();
  ctx.onFailure(() => auth.store.deleteMany(MODELS.trustedDevice, [{ field: "id", value: id }]), "delete the trusted device it created");
  await auth.store.create<TrustedDeviceRow>(MODELS.trustedDevice, {
    id,
    userId,
    trustIdHash: hashTrustId(ctx, trustId),
    createdAt: new Date(now),
    expiresAt: new Date(now + options.trustDeviceMaxAge * 1000),
    userAgent: ctx.headers.get("user-agent")?.slice(0, 512) ?? null,
    factorGeneration: generationOf(user),
  });
  await setCookie(ctx, options, userId, trustId);
  emit(ctx, { type: "trusted-device.added", userId });
}

/**
 * At sign-in: true when the request carries a valid trust cookie for this user whose record is live and
 * of the user's current factor generation (row.ts: a record from before a disable never counts again).
 * The record is then rotated (fresh trustId and lifetime). A signed cookie that fails any check is expired.
 */
export async function useTrustedDevice(ctx: EndpointContext, options: ResolvedOptions, userId: string): Promise<boolean> {
  const { present, trustId } = await readCookie(ctx, userId);
  if (!trustId) {
    if (present) ctx.expireCookie(TRUST_DEVICE_COOKIE);
    return false;
  }
  const auth = ctx.auth;
  const now = auth.now();
  const oldHash = hashTrustId(ctx, trustId);
  // The record and its user (for the current factor generation) in one round trip.
  const found = await auth.store.findOneJoined<TrustedDeviceRow, User>(MODELS.trustedDevice, [{ field: "trustIdHash", value: oldHash }], {
    model: "user",
    field: "userId",
  });
  const usable =
    found !== null &&
    found.row.userId === userId &&
    found.row.expiresAt.getTime() > now &&
    found.joined !== null &&
    isCurrent(found.row.factorGeneration, found.joined);
  if (!usable) {
    ctx.expireCookie(TRUST_DEVICE_COOKIE);
    return false;
  }
  const next = newTrustId(ctx);
  ctx.onFailure(
    () =>
      auth.store.update<TrustedDeviceRow>(MODELS.trustedDevice, [{ field: "trustIdHash", value: hashTrustId(ctx, next) }], {
        trustIdHash: oldHash,
      }),
    "revert the trusted-device rotation",
  );
  // One winner per cookie: the rotation is guarded on the old hash (and on what was checked above).
  const rotated = await auth.store.update<TrustedDeviceRow>(
    MODELS.trustedDevice,
    [
      { field: "trustIdHash", value: oldHash },
      { field: "userId", value: userId },
      { field: "expiresAt", operator: "gt", value: new Date(now) },
      { field: "factorGeneration", value: found.row.factorGeneration ?? null },
    ],
    { trustIdHash: hashTrustId(ctx, next), expiresAt: new Date(now + options.trustDeviceMaxAge * 1000) },
  );
  if (!rotated) {
    ctx.expireCookie(TRUST_DEVICE_COOKIE);
    return false;
  }
  await setCookie(ctx, options, userId, next);
  // The gate allows on this cookie: the sign-in skips the challenge (delivered once the session is issued).
  emit(ctx, { type: "two-factor.verified", userId, method: "trusted-device", trustDeviceAdded: false });
  return true;
}

async function currentHash(ctx: EndpointContext, userId: string): Promise<string | null> {
  const { trustId } = await readCookie(ctx, userId);
  return trustId ? hashTrustId(ctx, trustId) : null;
}

/**
 * The user's live records (expired ones are removed on the way). With `currentFor` (the user row): only
 * those of the user's current factor generation, the ones that still work (row.ts).
 */
export async function listTrustedDevices(ctx: EndpointContext, userId: string, currentFor?: User): Promise<TrustedDeviceView[]> {
  const auth = ctx.auth;
  const now = new Date(auth.now());
  await auth.store.deleteMany(MODELS.trustedDevice, [
    { field: "userId", value: userId },
    { field: "expiresAt", operator: "lte", value: now },
  ]);
  const rows = await auth.store.findMany<TrustedDeviceRow>(
    MODELS.trustedDevice,
    [
      { field: "userId", value: userId },
      { field: "expiresAt", operator: "gt", value: now },
    ],
    { sortBy: { field: "createdAt", direction: "desc" } },
  );
  const current = await currentHash(ctx, userId);
  const live = currentFor === undefined ? rows : rows.filter((row) => isCurrent(row.factorGeneration, currentFor));
  return live.map((row) => ({
    id: row.id,
    createdAt: row.createdAt,
    expiresAt: row.expiresAt,
    userAgent: row.userAgent ?? null,
    current: current !== null && ctx.auth.crypto.timingSafeEqual(utf8(row.trustIdHash), utf8(current)),
  }));
}

/** Revoke one record (by its public id) or all of the user's; expires the cookie if it was this device's. */
export async function revokeTrustedDevices(ctx: EndpointContext, userId: string, id: string | null): Promise<number> {
  const auth = ctx.auth;
  const current = await currentHash(ctx, userId);
  let revoked: number;
  let hitCurrent = false;
  if (id === null) {
    revoked = await auth.store.deleteMany(MODELS.trustedDevice, [{ field: "userId", value: userId }]);
    hitCurrent = current !== null;
  } else {
    const row = await auth.store.deleteOne<TrustedDeviceRow>(MODELS.trustedDevice, [
      { field: "id", value: id },
      { field: "userId", value: userId },
    ]);
    revoked = row ? 1 : 0;
    hitCurrent = row !== null && current !== null && ctx.auth.crypto.timingSafeEqual(utf8(row.trustIdHash), utf8(current));
  }
  if (hitCurrent) ctx.expireCookie(TRUST_DEVICE_COOKIE);
  if (revoked > 0) emit(ctx, { type: "trusted-device.revoked", userId, count: revoked });
  return revoked;
}

/** On disable: every record of the user goes; the cookie is expired if a validly signed one was sent. */
export async function forgetAllDevices(ctx: EndpointContext, userId: string): Promise<void> {
  const count = await ctx.auth.store.deleteMany(MODELS.trustedDevice, [{ field: "userId", value: userId }]);
  if (await ctx.getSignedCookie(TRUST_DEVICE_COOKIE)) ctx.expireCookie(TRUST_DEVICE_COOKIE);
  if (count > 0) emit(ctx, { type: "trusted-device.revoked", userId, count });
}
