/**
 * Boundary checks shared by both crypto ports (`kernia/crypto` over WASM, `kernia/crypto/node` over
 * node:crypto): TypeError for a wrong type, RangeError for a wrong value, with "expected X, got Y" messages.
 * Both ports call these in the same order, so the same bad input gets the same error from either
 * (test/crypto/misuse.test.ts). The WASM core behind them assumes valid input.
 */
import type { HashAlgorithm } from "./port.js";

export const ALGORITHM_ID: Readonly<Record<HashAlgorithm, number>> = { "SHA-1": 0, "SHA-256": 1, "SHA-512": 2 };
/** Algorithm id to name (the inverse of ALGORITHM_ID). */
export const ALGORITHM_NAME: readonly HashAlgorithm[] = ["SHA-1", "SHA-256", "SHA-512"];

/** The bounds both ports accept (documented in src/crypto/index.ts). */
const LIMITS = { minDigits: 6, maxDigits: 10, maxWindow: 10 } as const;

const encoder = new TextEncoder();

/**
 * What a wrong value was, for error messages. Strings are described by length only: a key or code passed
 * as a string by mistake must not end up in a log. Algorithm names (not secret) use `describeName`.
 */
function describe(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "Array";
  if (typeof value === "object") return (value as object).constructor?.name ?? "object";
  if (typeof value === "string") return `a string of length ${value.length}`;
  if (typeof value === "number" || typeof value === "boolean" || typeof value === "bigint") return `${typeof value} ${String(value)}`;
  return typeof value;
}

function describeName(value: unknown): string {
  return typeof value === "string" && value.length <= 16 ? JSON.stringify(value) : describe(value);
}

export function bytes(value: unknown, name: string): Uint8Array {
  if (!(value instanceof Uint8Array)) throw new TypeError(`expected ${name} to be a Uint8Array, got ${describe(value)}`);
  return value;
}

export function algorithmId(value: unknown, fallback: HashAlgorithm | undefined): number {
  if (value === undefined && fallback !== undefined) return ALGORITHM_ID[fallback];
  if (typeof value !== "string") throw new TypeError(`expected algorithm "SHA-1", "SHA-256" or "SHA-512", got ${describe(value)}`);
  const id = (ALGORITHM_ID as Record<string, number | undefined>)[value];
  if (id === undefined || !Object.hasOwn(ALGORITHM_ID, value)) {
    throw new RangeError(`expected algorithm "SHA-1", "SHA-256" or "SHA-512", got ${describeName(value)}`);
  }
  return id;
}

/** An HOTP/TOTP/prepareKey key: non-empty bytes (the length policy above that is the caller's). */
export function otpKey(value: unknown): Uint8Array {
  const k = bytes(value, "key");
  if (k.length === 0) throw new RangeError("expected a non-empty HMAC key, got 0 bytes");
  return k;
}

/** The algorithm id for a key argument that is not one of the port's own prepared keys: raw key bytes. */
export function plainKeyAlgorithm(key: unknown, algorithm: unknown): number {
  if (!(key instanceof Uint8Array)) {
    throw new TypeError(`expected key to be a Uint8Array or a key from the same port's prepareKey, got ${describe(key)}`);
  }
  otpKey(key);
  return algorithmId(algorithm, "SHA-1");
}

/** The algorithm id for one of the port's prepared keys: it must be live, and its algorithm is fixed. */
export function preparedAlgorithm(key: { readonly algorithm: HashAlgorithm; readonly disposed: boolean }, algorithm: unknown): number {
  if (key.disposed) throw new RangeError("expected a live prepared key, got one that was disposed");
  const own = ALGORITHM_ID[key.algorithm];
  if (algorithm === undefined) return own;
  if (algorithmId(algorithm, undefined) !== own) {
    throw new RangeError(`expected algorithm ${key.algorithm} (the prepared key's), got ${describeName(algorithm)}`);
  }
  return own;
}

function number(value: unknown, name: string): number {
  if (typeof value !== "number") throw new TypeError(`expected ${name} to be a number, got ${describe(value)}`);
  return value;
}

function integerIn(value: unknown, name: string, fallback: number, min: number, max: number): number {
  if (value === undefined) return fallback;
  const n = number(value, name);
  if (!Number.isInteger(n) || n < min || n > max)
    throw new RangeError(`expected ${name} to be an integer in ${min}..${max}, got ${describe(n)}`);
  return n;
}

/** The `digits` option: 6..10, default 6 (RFC 4226 section 5.3 asks for at least 6). */
export function digits(value: unknown): number {
  return integerIn(value, "digits", 6, LIMITS.minDigits, LIMITS.maxDigits);
}

/** The `window` option: steps either side of the current one, 0..10, default 1 (RFC 6238 section 5.2). */
export function windowSteps(value: unknown): number {
  return integerIn(value, "window", 1, 0, LIMITS.maxWindow);
}

export function counter(value: unknown): number {
  const n = number(value, "counter");
  if (!Number.isSafeInteger(n) || n < 0) throw new RangeError(`expected counter to be an integer in 0..2^53-1, got ${describe(n)}`);
  return n;
}

export function options(value: unknown): Record<string, unknown> {
  if (value === undefined) return {};
  if (value === null || typeof value !== "object") throw new TypeError(`expected an options object, got ${describe(value)}`);
  return value as Record<string, unknown>;
}

/** RFC 6238 section 4: T = floor((time - T0) / X) with T0 = 0, time in ms, X = period in seconds. */
export function timeStep(opts: Record<string, unknown>): number {
  const time = opts.time === undefined ? Date.now() : number(opts.time, "time");
  if (!Number.isFinite(time) || time < 0) throw new RangeError(`expected time to be a finite number of ms >= 0, got ${describe(time)}`);
  const period = opts.period === undefined ? 30 : number(opts.period, "period");
  if (!Number.isFinite(period) || period <= 0)
    throw new RangeError(`expected period to be a number of seconds > 0, got ${describe(period)}`);
  const step = Math.floor(time / 1000 / period);
  if (!Number.isSafeInteger(step)) throw new RangeError(`expected time / period to give a safe integer step, got ${describe(step)}`);
  return step;
}

export function afterStep(value: unknown): number {
  if (value === undefined) return -1;
  const n = number(value, "afterStep");
  if (!Number.isSafeInteger(n)) throw new RangeError(`expected afterStep to be a safe integer, got ${describe(n)}`);
  return n;
}

/** A code of exactly `digits` ASCII digits as a number, or -1 for any other string (never matches). */
export function parseCode(code: unknown, digits: number): number {
  if (typeof code !== "string") throw new TypeError(`expected code to be a string, got ${typeof code}`);
  if (code.length !== digits) return -1;
  let value = 0;
  for (let i = 0; i < digits; i++) {
    const d = code.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return -1;
    value = value * 10 + d;
  }
  return value;
}

/** The argument of verifyTotpBatch: an array (its entries are checked one by one with `batchRequest`). */
export function batchRequests<T>(value: readonly T[]): readonly T[] {
  if (!Array.isArray(value)) throw new TypeError(`expected an array of requests, got ${describe(value)}`);
  return value;
}

export function batchRequest<T>(value: T, index: number): T & Record<string, unknown> {
  if (value === null || typeof value !== "object") throw new TypeError(`expected request ${index} to be an object, got ${describe(value)}`);
  return value as T & Record<string, unknown>;
}

/** The `padding` option of base32Encode (default true). */
export function padding(value: unknown): boolean {
  const opts = options(value);
  if (opts.padding !== undefined && typeof opts.padding !== "boolean") {
    throw new TypeError(`expected padding to be a boolean, got ${describe(opts.padding)}`);
  }
  return opts.padding ?? true;
}

export function base32Text(value: unknown): string {
  if (typeof value !== "string") throw new TypeError(`expected text to be a string, got ${describe(value)}`);
  return value;
}

/** The error for a character outside the RFC 4648 section 6 alphabet at UTF-16 index `index`; the character itself is not quoted (the text may be a secret with a typo). */
export function base32Error(index: number): RangeError {
  return new RangeError(`expected base32 characters A-Z and 2-7, got another character at index ${index}`);
}

/** The server key of the backup-code hash: non-empty bytes. */
export function serverKey(value: unknown): Uint8Array {
  const k = bytes(value, "key");
  if (k.length === 0) throw new RangeError("expected a non-empty server key, got 0 bytes");
  return k;
}

/** A backup code as bytes: a string is hashed as its UTF-8 encoding. */
export function codeBytes(code: unknown): Uint8Array {
  if (typeof code === "string") return encoder.encode(code);
  if (code instanceof Uint8Array) return code;
  throw new TypeError(`expected code to be a string or Uint8Array, got ${describe(code)}`);
}

/** The stored hashes findBackupCode searches: an array of Uint8Array (any length; only 32 bytes can match). */
export function hashList(value: unknown): readonly Uint8Array[] {
  if (!Array.isArray(value)) throw new TypeError(`expected hashes to be an array of Uint8Array, got ${describe(value)}`);
  value.forEach((h, i) => bytes(h, `hashes[${i}]`));
  return value;
}
