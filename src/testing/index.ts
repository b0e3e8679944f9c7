/**
 * `kernia/testing`: helpers for end-to-end tests of apps with two-factor sign-in, against Kernia or any
 * RFC 6238 server.
 *
 * A server with replay protection accepts each TOTP time step once (RFC 6238 section 5.2; Kernia also
 * refuses any step at or before the last one it accepted), so a suite that signs in twice within one
 * 30-second step fails unless the second sign-in waits for the next step. `totpHelper(uri).freshCode()`
 * hands out a code for a step it has not handed out before, waiting for the next step only when it must,
 * for at most `maxWaitMs`, and says how long it waited.
 *
 * Runs in Node test runners and in browser pages (no Node-only imports; it bundles like `kernia/crypto`).
 * Clock and sleep are injectable, so a test with a fake clock never sleeps for real.
 */
import { base32Decode, totp, type HashAlgorithm } from "../crypto/index.js";

/** A key parsed from an `otpauth://` URI (Key URI Format, the Google Authenticator wiki's de facto spec). */
export interface OtpauthKey {
  type: "totp" | "hotp";
  /** The label as shown to a person: `Issuer:account` or just `account`, decoded. */
  label: string;
  /** The issuer (the `issuer` parameter, or the label's prefix when the parameter is absent). */
  issuer: string | undefined;
  /** The account part of the label (after the issuer prefix, leading spaces removed). */
  account: string;
  /** The shared secret (the decoded base32 `secret` parameter). */
  secret: Uint8Array;
  algorithm: HashAlgorithm;
  digits: number;
  /** Seconds per step (TOTP); 30 when absent. */
  period: number;
  /** The initial counter (HOTP only). */
  counter: number | undefined;
}

/** Longest URI parsed: a key URI is a few hundred characters; this bounds work on garbage input. */
export const MAX_URI_LENGTH = 4096;

const ALGORITHMS: Readonly<Record<string, HashAlgorithm>> = { SHA1: "SHA-1", SHA256: "SHA-256", SHA512: "SHA-512" };
const KNOWN_PARAMETERS = new Set(["secret", "issuer", "algorithm", "digits", "period", "counter", "image"]);

function fail(what: string, got: string): never {
  throw new RangeError(`otpauth URI: expected ${what}, got ${got}`);
}

/** A parameter that may appear at most once (two values would make the key ambiguous). */
function single(params: URLSearchParams, name: string): string | undefined {
  const values = params.getAll(name);
  if (values.length > 1) fail(`at most one ${name} parameter`, `${values.length}`);
  return values[0];
}

function integerParameter(value: string | undefined, name: string, fallback: number, min: number, max: number): number {
  if (value === undefined) return fallback;
  if (!/^\d{1,16}$/.test(value)) fail(`${name} to be a decimal integer`, JSON.stringify(value.slice(0, 20)));
  const n = Number(value);
  if (n < min || n > max) fail(`${name} in ${min}..${max}`, String(n));
  return n;
}

/**
 * Parses an `otpauth://totp/...` or `otpauth://hotp/...` URI. Throws a TypeError for a non-string and a
 * RangeError naming the first problem otherwise; messages never include the secret.
 * Accepted as the Key URI Format allows: the secret in either case and with or without `=` padding; the
 * algorithm SHA1 (default), SHA256 or SHA512 in any case; digits 6..10 (the core's bounds; the format
 * names 6 and 8); a period of 1..86400 seconds. An issuer in both the label and the parameter must agree.
 */
export function parseOtpauthUri(uri: string): OtpauthKey {
  if (typeof uri !== "string") throw new TypeError(`otpauth URI: expected a string, got ${uri === null ? "null" : typeof uri}`);
  if (uri.length > MAX_URI_LENGTH) fail(`at most ${MAX_URI_LENGTH} characters`, `${uri.length}`);
  if (!/^otpauth:\/\//i.test(uri)) fail(`a URI starting with otpauth://`, JSON.stringify(uri.slice(0, 12)));
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    fail("a well-formed URI", "one URL parsing rejects");
  }
  const type = url.hostname.toLowerCase();
  if (type !== "totp" && type !== "hotp") fail(`type totp or hotp`, JSON.stringify(type.slice(0, 16)));

  let label: string;
  try {
    label = decodeURIComponent(url.pathname.replace(/^\//, ""));
  } catch {
    fail("a percent-encoded label", "malformed percent-encoding");
  }
  if (label === "") fail("a label (otpauth://TYPE/LABEL)", "an empty one");
  const colon = label.indexOf(":");
  const labelIssuer = colon >= 0 ? label.slice(0, colon) : undefined;
  const account = (colon >= 0 ? label.slice(colon + 1) : label).replace(/^ +/, "");

  const params = url.searchParams;
  for (const name of new Set(params.keys())) {
    // Unknown parameters are allowed by the format (apps add their own); known ones are checked once each.
    if (KNOWN_PARAMETERS.has(name)) single(params, name);
  }
  const issuerParameter = single(params, "issuer");
  if (issuerParameter !== undefined && labelIssuer !== undefined && issuerParameter !== labelIssuer) {
    fail(
      `the issuer parameter to match the label's issuer prefix`,
      `${JSON.stringify(issuerParameter)} and ${JSON.stringify(labelIssuer)}`,
    );
  }

  const secretText = single(params, "secret");
  if (secretText === undefined) fail("a secret parameter", "none");
  const normalized = secretText.toUpperCase().replace(/=+$/, "");
  const bad = normalized.search(/[^A-Z2-7]/);
  if (bad >= 0) fail("a base32 secret (A-Z, 2-7)", `another character at index ${bad}`);
  // RFC 4648 section 6: a final quantum of 1, 3 or 6 characters cannot come from whole bytes.
  if ([1, 3, 6].includes(normalized.length % 8)) fail("a base32 secret of whole bytes", `${normalized.length} characters`);
  const secret = base32Decode(normalized);
  if (secret.length === 0) fail("a non-empty secret", "an empty one");

  const algorithmText = single(params, "algorithm");
  const algorithmName = algorithmText?.toUpperCase() ?? "SHA1";
  const algorithm = Object.hasOwn(ALGORITHMS, algorithmName) ? ALGORITHMS[algorithmName] : undefined;
  if (algorithm === undefined) fail("algorithm SHA1, SHA256 or SHA512", JSON.stringify(algorithmText!.slice(0, 16)));
  const digits = integerParameter(single(params, "digits"), "digits", 6, 6, 10);
  const period = integerParameter(single(params, "period"), "period", 30, 1, 86_400);
  const counterText = single(params, "counter");
  if (type === "hotp" && counterText === undefined) fail("a counter parameter for an hotp URI", "none");
  const counter = type === "hotp" ? integerParameter(counterText, "counter", 0, 0, Number.MAX_SAFE_INTEGER) : undefined;

  return { type, label, issuer: issuerParameter ?? labelIssuer, account, secret, algorithm, digits, period, counter };
}

export interface TotpHelperOptions {
  /** Current time in unix milliseconds. Default `Date.now`. Share it with the app under test when it has one. */
  now?: () => number;
  /** Waits `ms` milliseconds. Default: setTimeout. A fake one should advance the fake clock. */
  sleep?: (ms: number) => Promise<void>;
  /** Longest `freshCode` may wait for the next step; past it, it throws instead. Default: one period. */
  maxWaitMs?: number;
  /** Told before each wait, so a suite can log why it paused. */
  onWait?: (info: { ms: number; step: number }) => void;
}

export interface FreshCode {
  code: string;
  /** The RFC 6238 time step T the code belongs to. */
  step: number;
  /** How long this call waited for the step to begin (0 when the current step was still unused). */
  waitedMs: number;
  /** Milliseconds left in the step when the code was handed out. */
  remainingMs: number;
}

export interface TotpHelper {
  readonly key: OtpauthKey;
  /** The code for the current step, as an authenticator app shows it now. Does not mark the step used. */
  currentCode(): string;
  /** The code for the step containing `timeMs`. */
  codeAt(timeMs: number): string;
  /**
   * A code for a step this helper has not handed out from `freshCode` before: the current step if it is
   * unused, else the next one, after waiting for it to begin. Concurrent calls get distinct steps.
   * Throws a RangeError, without waiting, when the wait would exceed `maxWaitMs`.
   */
  freshCode(): Promise<FreshCode>;
}

const defaultSleep = (ms: number) => new Promise<void>((done) => setTimeout(done, ms));

/** A TOTP helper for one key, given as an `otpauth://totp/` URI or an already parsed key. */
export function totpHelper(key: string | OtpauthKey, options: TotpHelperOptions = {}): TotpHelper {
  const parsed = typeof key === "string" ? parseOtpauthUri(key) : key;
  if (parsed.type !== "totp") throw new RangeError(`otpauth URI: expected a totp key, got ${parsed.type}`);
  const now = options.now ?? Date.now;
  const sleep = options.sleep ?? defaultSleep;
  const periodMs = parsed.period * 1000;
  const maxWaitMs = options.maxWaitMs ?? periodMs;
  if (typeof maxWaitMs !== "number" || !(maxWaitMs >= 0)) throw new RangeError(`expected maxWaitMs >= 0, got ${String(maxWaitMs)}`);
  const codeOptions = { algorithm: parsed.algorithm, digits: parsed.digits, period: parsed.period };
  const codeAt = (timeMs: number) => totp(parsed.secret, { ...codeOptions, time: timeMs });
  /** The last step handed out by freshCode (reserved before any wait, so concurrent calls never share one). */
  let lastStep = -1;

  return {
    key: parsed,
    codeAt,
    currentCode: () => codeAt(now()),
    async freshCode(): Promise<FreshCode> {
      const started = now();
      const step = Math.max(Math.floor(started / periodMs), lastStep + 1);
      const stepStart = step * periodMs;
      const wait = Math.max(0, stepStart - started);
      if (wait > maxWaitMs) {
        throw new RangeError(`freshCode: the next unused step begins in ${wait} ms, more than maxWaitMs (${maxWaitMs} ms)`);
      }
      lastStep = step;
      if (wait > 0) {
        options.onWait?.({ ms: wait, step });
        // A timer may fire a millisecond early against the wall clock; a sleep that never moves the
        // clock (a fake clock not wired to the fake sleep) is reported instead of looping forever.
        for (let tries = 0; now() < stepStart; tries++) {
          if (tries === 5) throw new Error(`freshCode: slept ${now() - started} ms but the clock has not reached step ${step}`);
          await sleep(stepStart - now());
        }
      }
      const handedOut = now();
      return { code: codeAt(stepStart), step, waitedMs: handedOut - started, remainingMs: stepStart + periodMs - handedOut };
    },
  };
}
