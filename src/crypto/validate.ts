/**
 * Boundary checks for `kernia/crypto`: TypeError for a wrong type, RangeError for a wrong value, with
 * "expected X, got Y" messages. The WASM core behind them assumes valid input.
 */
import type { HashAlgorithm } from "./port.js";

export const ALGORITHM_ID: Readonly<Record<HashAlgorithm, number>> = { "SHA-1": 0, "SHA-256": 1, "SHA-512": 2 };
export const BLOCK_SIZE = [64, 64, 128] as const;
export const DIGEST_SIZE = [20, 32, 64] as const;

/** The bounds this implementation accepts (documented in src/crypto/index.ts). */
export const LIMITS = { minDigits: 6, maxDigits: 10, maxWindow: 10 } as const;

/**
 * What a wrong value was, for error messages. Strings are described by length only: a key or code passed
 * as a string by mistake must not end up in a log. Algorithm names (not secret) use `describeName`.
 */
export function describe(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "Array";
  if (typeof value === "object") return (value as object).constructor?.name ?? "object";
  if (typeof value === "string") return `a string of length ${value.length}`;
  if (typeof value === "number" || typeof value === "boolean" || typeof value === "bigint") return `${typeof value} ${String(value)}`;
  return typeof value;
}

export function describeName(value: unknown): string {
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

function number(value: unknown, name: string): number {
  if (typeof value !== "number") throw new TypeError(`expected ${name} to be a number, got ${describe(value)}`);
  return value;
}

export function integerIn(value: unknown, name: string, fallback: number, min: number, max: number): number {
  if (value === undefined) return fallback;
  const n = number(value, name);
  if (!Number.isInteger(n) || n < min || n > max) throw new RangeError(`expected ${name} to be an integer in ${min}..${max}, got ${describe(n)}`);
  return n;
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
  if (!Number.isFinite(period) || period <= 0) throw new RangeError(`expected period to be a number of seconds > 0, got ${describe(period)}`);
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
