/**
 * Origin / CSRF checks (wire spec section 6), following Better Auth 1.7.25's origin-check middleware.
 * The threat: a cross-site page making the victim's browser POST with its cookies (CSRF), or logging the
 * victim into the attacker's account with a cross-site form (login CSRF).
 */
import { isIP } from "node:net";
import { APIError, BASE_ERROR_CODES } from "./errors.js";

const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;

function originOf(url: string): string | null {
  try {
    const o = new URL(url).origin;
    return o === "null" ? null : o;
  } catch {
    return null;
  }
}

function hostOf(url: string): string | null {
  try {
    return new URL(url).host || null;
  } catch {
    return null;
  }
}

/** Glob to RegExp: `*` any run of characters, `?` one character, everything else literal. */
function wildcard(pattern: string): RegExp {
  let re = "";
  for (const ch of pattern) {
    if (ch === "*") re += ".*?";
    else if (ch === "?") re += ".";
    else re += ch.replace(/[.*+?^${}()|[\]\\/-]/g, "\\$&");
  }
  return new RegExp(`^${re}$`, "i");
}

/**
 * A wildcard host made only of digits, dots and wildcards (`192.168.*.*`) names an address range: it
 * admits only an IPv4 address, so `192.168.evil.com` cannot match (Better Auth's isAllowedIPv4Host).
 */
function ipRangeOk(patternHost: string, host: string): boolean {
  const p = patternHost.split(":")[0] ?? "";
  if (!/^(?=.*\d)[\d*?.]+$/.test(p)) return true;
  return isIP(host.split(":")[0] ?? "") === 4;
}

/** Root-relative paths that every browser and router reads as same-origin (RFC 3986 4.2). */
export function isSafeRelativeURL(value: string): boolean {
  if (!value.startsWith("/") || value.startsWith("//") || value.includes("\\") || CONTROL.test(value)) return false;
  const end = value.search(/[?#]/);
  const path = end === -1 ? value : value.slice(0, end);
  if (/%2f|%5c/i.test(path)) return false;
  try {
    return new URL(value, "https://kernia.invalid").origin === "https://kernia.invalid";
  } catch {
    return false;
  }
}

/** Does `url` (an Origin header value or a full URL) match the trusted origin `pattern`? */
export function matchesOriginPattern(url: string, pattern: string, allowRelativePaths = false): boolean {
  if (url.startsWith("/")) return allowRelativePaths && isSafeRelativeURL(url);
  const hasWildcard = pattern.includes("*") || pattern.includes("?");
  if (hasWildcard && !pattern.includes("://")) {
    const host = hostOf(url);
    return host !== null && wildcard(pattern).test(host) && ipRangeOk(pattern, host);
  }
  const origin = originOf(url);
  if (origin === null) return false;
  if (!hasWildcard) return pattern === origin || originOf(pattern) === origin;
  if (!wildcard(pattern).test(origin)) return false;
  return ipRangeOk(pattern.slice(pattern.indexOf("://") + 3), origin.slice(origin.indexOf("://") + 3));
}

export function isTrusted(url: string, trusted: readonly string[], allowRelativePaths = false): boolean {
  return trusted.some((p) => matchesOriginPattern(url, p, allowRelativePaths));
}

/**
 * Step (2) of section 6: when the request carries cookies (or `force`), its Origin (else Referer) must be
 * present, not "null", and trusted.
 */
export function checkOrigin(headers: Headers, trusted: readonly string[], force: boolean): void {
  if (!force && !headers.has("cookie")) return;
  const value = headers.get("origin") || headers.get("referer") || "";
  if (!value || value === "null") throw APIError.from(403, BASE_ERROR_CODES, "MISSING_OR_NULL_ORIGIN");
  if (!isTrusted(value, trusted)) throw APIError.from(403, BASE_ERROR_CODES, "INVALID_ORIGIN");
}

/**
 * Step (3): the fetch-metadata guard of /sign-in/email and /sign-up/email, which must hold even before
 * the browser has any cookie (login CSRF).
 */
export function checkLoginCsrf(headers: Headers, trusted: readonly string[]): void {
  if (headers.has("cookie")) {
    checkOrigin(headers, trusted, false);
    return;
  }
  const site = headers.get("sec-fetch-site");
  const mode = headers.get("sec-fetch-mode");
  const dest = headers.get("sec-fetch-dest");
  if (site?.trim() || mode?.trim() || dest?.trim()) {
    if (site === "cross-site" && mode === "navigate") {
      throw APIError.from(403, BASE_ERROR_CODES, "CROSS_SITE_NAVIGATION_LOGIN_BLOCKED");
    }
    checkOrigin(headers, trusted, true);
    return;
  }
  if (headers.get("origin") || headers.get("referer")) checkOrigin(headers, trusted, true);
}

const URL_FIELDS = [
  ["callbackURL", "INVALID_CALLBACK_URL", "callbackURL"],
  ["redirectTo", "INVALID_REDIRECT_URL", "redirectURL"],
  ["errorCallbackURL", "INVALID_ERROR_CALLBACK_URL", "errorCallbackURL"],
  ["newUserCallbackURL", "INVALID_NEW_USER_CALLBACK_URL", "newUserCallbackURL"],
] as const;

/**
 * Text that can travel as a redirect target: no control characters (C0 including CR, LF, NUL and tab;
 * DEL; C1), nothing outside Latin-1 (a Fetch header value is a ByteString, so such a value made
 * `headers.set("location", ...)` throw after the password check: a 500), no U+2028/U+2029 (line breaks
 * to JavaScript), no surrounding spaces (URL parsers strip them, so the checked text and the followed
 * text would differ).
 */
const UNSAFE_REDIRECT_TEXT = /[\u0000-\u001f\u007f-\u009f]|[^\u0000-\u00ff]|^\s|\s$/;

/** Schemes that run or embed content instead of naming a place: never a redirect, whatever is trusted. */
const ACTIVE_SCHEMES = new Set(["javascript:", "data:", "vbscript:", "file:", "blob:"]);

/**
 * Is `value` a redirect target we may hand back: a safe relative path, or an absolute http(s) URL
 * whose origin is trusted. Another scheme (an app's deep link, "myapp://") only under a trusted
 * pattern that names that very scheme; a host-only wildcard ("*.example.com") matches http(s) only,
 * so `javascript://x.example.com/%0aalert(1)` is refused.
 */
export function isTrustedRedirect(value: string, trusted: readonly string[]): boolean {
  if (value.startsWith("/")) return isSafeRelativeURL(value);
  let protocol: string;
  try {
    protocol = new URL(value).protocol;
  } catch {
    return false;
  }
  if (protocol === "http:" || protocol === "https:") return isTrusted(value, trusted);
  if (ACTIVE_SCHEMES.has(protocol)) return false;
  // Such URLs have no origin (WHATWG URL: "null"), so the pattern is matched as text: a prefix, or a glob.
  return trusted.some((p) => {
    const pattern = p.toLowerCase();
    if (!pattern.startsWith(`${protocol}//`)) return false;
    return /[*?]/.test(pattern) ? wildcard(pattern).test(value) : value.toLowerCase().startsWith(pattern);
  });
}

/**
 * Step (4): redirect targets (open-redirect guard), checked before any work is done. The text check
 * always applies (auth.api calls and disableOriginCheck included: a value no response header can carry
 * is never "trusted"); the origin check applies when `trusted` is given. Answers are Better Auth's
 * codes (403 INVALID_CALLBACK_URL and its siblings), never a 500.
 */
export function checkCallbackURLs(body: unknown, query: Record<string, unknown>, trusted: readonly string[] | null): void {
  const b = body !== null && typeof body === "object" && !Array.isArray(body) ? (body as Record<string, unknown>) : {};
  for (const [field, code, label] of URL_FIELDS) {
    const value = b[field] || (field === "callbackURL" ? query.callbackURL : undefined);
    if (!value) continue;
    if (typeof value !== "string") throw new APIError(400, "BAD_REQUEST", `Invalid ${label}: expected a string`);
    if (UNSAFE_REDIRECT_TEXT.test(value)) throw APIError.from(403, BASE_ERROR_CODES, code);
    if (trusted !== null && !isTrustedRedirect(value, trusted)) throw APIError.from(403, BASE_ERROR_CODES, code);
  }
}
