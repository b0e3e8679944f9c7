/**
 * Cookie wire format, as better-call 1.4 writes and reads it (wire spec section 2).
 *
 * Signed value: encodeURIComponent(value + "." + base64(HMAC-SHA-256(secret, value))), standard base64
 * with padding (44 chars). Set-Cookie attribute order: Max-Age, Path, HttpOnly, Secure, SameSite.
 */
import type { SetCookie } from "./types.js";

/** Cookie header -> name/value map. First occurrence of a name wins; quotes stripped; %-decoded if it has a %. */
export function parseCookieHeader(header: string | null): Map<string, string> {
  const out = new Map<string, string>();
  if (!header) return out;
  let index = 0;
  while (index < header.length) {
    const eq = header.indexOf("=", index);
    if (eq === -1) break;
    let end = header.indexOf(";", index);
    if (end === -1) end = header.length;
    else if (end < eq) {
      index = header.lastIndexOf(";", eq - 1) + 1;
      continue;
    }
    const name = header.slice(index, eq).trim();
    if (!out.has(name)) {
      let value = header.slice(eq + 1, end).trim();
      if (value.charCodeAt(0) === 34) value = value.slice(1, -1);
      out.set(name, tryDecode(value));
    }
    index = end + 1;
  }
  return out;
}

function tryDecode(value: string): string {
  if (!value.includes("%")) return value;
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}

/** The Set-Cookie line. Attributes as Better Auth sends them by default (no Domain, no Expires). */
export function serializeSetCookie(cookie: SetCookie, secure: boolean): string {
  let line = `${cookie.name}=${cookie.value}`;
  if (cookie.maxAge !== undefined) line += `; Max-Age=${Math.floor(cookie.maxAge)}`;
  line += "; Path=/; HttpOnly";
  if (secure) line += "; Secure";
  return line + "; SameSite=Lax";
}

const encoder = new TextEncoder();

/** Standard base64 with padding (better-call signs with it). */
export function base64(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("base64");
}

export function signCookieValue(value: string, hmac: (data: string) => Uint8Array): string {
  return encodeURIComponent(`${value}.${base64(hmac(value))}`);
}

/**
 * The signed part of a decoded cookie value, or null when the shape or the signature is wrong.
 * Split at the last "."; the signature must be 44 base64 chars ending in "=" (better-call's rule).
 * The compare is over the base64 text, so a non-canonical encoding of the right MAC is rejected too.
 * `hmac` may list several keys (secret rotation: the current secret first, then retired ones): each is
 * tried in turn, every comparison in constant time, and the first match wins.
 */
export function verifyCookieValue(
  raw: string,
  hmac: ((data: string) => Uint8Array) | readonly ((data: string) => Uint8Array)[],
  equal: (a: Uint8Array, b: Uint8Array) => boolean,
): string | null {
  const dot = raw.lastIndexOf(".");
  if (dot < 1) return null;
  const value = raw.slice(0, dot);
  const signature = raw.slice(dot + 1);
  if (signature.length !== 44 || !signature.endsWith("=")) return null;
  const given = encoder.encode(signature);
  if (given.length !== 44) return null; // non-ASCII in the signature
  for (const mac of typeof hmac === "function" ? [hmac] : hmac) {
    if (equal(encoder.encode(base64(mac(value))), given)) return value;
  }
  return null;
}
