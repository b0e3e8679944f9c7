/**
 * Shared by the fuzz suite (test/fuzz) and the fault-injection suite (test/faults): builds a Kernia
 * instance with every plugin, a cookie-jar client over `auth.handler` or real HTTP, the response-shape
 * check, and the store walk that checks the two-factor invariants.
 *
 * Password hashing: the core's scrypt (N=16384, r=16) costs ~120 ms per call on the CI machine, and these
 * suites send thousands of password-bearing requests. `fastPasswords` swaps `auth.context.passwords` for
 * a stand-in that performs the same store reads as the real one (so fault indexes line up with real
 * runs) and compares against a genuine scrypt hash of the test password computed once by the real
 * hasher. scrypt itself is covered by the core's own tests.
 */
import type { Adapter, Row, Store } from "../../src/adapters/types.js";
import { memoryAdapter } from "../../src/adapters/memory.js";
import type { Kernia } from "../../src/auth/types.js";
import { nodeCrypto } from "../../src/crypto/node.js";
import { init } from "../../src/index.js";
import { phoneNumber } from "../../src/plugins/phone-number/index.js";
import { twoFactor } from "../../src/plugins/two-factor/index.js";
import { username } from "../../src/plugins/username/index.js";

export const SECRET = "kernia-fuzz-and-fault-secret-0123456789abcdef";
export const ORIGIN = "http://localhost:3000";
export const BASE = "/api/auth";
export const PASSWORD = "correct-horse-battery-1";
export const START = Date.UTC(2026, 0, 5, 12, 0, 0);

/** An injected clock (unix ms): tests move time instead of sleeping. */
export class Clock {
  constructor(public ms = START) {}
  now = () => this.ms;
  advance(seconds: number): void {
    this.ms += seconds * 1000;
  }
}

export interface Harness {
  auth: Kernia;
  clock: Clock;
  /** The store as the core sees it (through any wrapper). */
  store: Store;
  /** OTP codes the plugin "sent", by user id (last one wins). */
  outbox: Map<string, string>;
  otp: boolean;
}

export function createHarness(options: { otp: boolean; adapter?: Adapter; clock?: Clock }): Harness {
  const clock = options.clock ?? new Clock();
  const outbox = new Map<string, string>();
  const auth = init({
    secret: SECRET,
    baseURL: ORIGIN,
    database: options.adapter ?? memoryAdapter(),
    rateLimit: { enabled: false },
    advanced: { now: clock.now },
    plugins: [
      username(),
      phoneNumber(),
      twoFactor(
        options.otp
          ? {
              otpOptions: {
                sendOtp: ({ user, otp }) => {
                  outbox.set(user.id, otp);
                },
              },
            }
          : {},
      ),
    ],
  });
  fastPasswords(auth);
  return { auth, clock, store: auth.context.store, outbox, otp: options.otp };
}

let realHashOfPassword: Promise<string> | null = null;

/**
 * See the file comment. PASSWORD gets the genuine scrypt hash; any other password a stand-in
 * "fast$<sha256>" so that users with different passwords stay distinct. `check` does the same one
 * findOne(account) as the real one.
 */
export function fastPasswords(auth: Kernia): void {
  const p = auth.context.passwords as {
    hash: (pw: string) => Promise<string>;
    verify: (s: string, pw: string) => Promise<boolean>;
    check: (u: string, pw: string) => Promise<boolean>;
  };
  realHashOfPassword ??= p.hash(PASSWORD);
  const real = realHashOfPassword;
  const fastHash = async (pw: string) =>
    pw === PASSWORD ? real : `fast$${Buffer.from(nodeCrypto.sha256(new TextEncoder().encode(pw))).toString("hex")}`;
  p.hash = fastHash;
  p.verify = async (stored, pw) => stored === (await fastHash(pw));
  p.check = async (userId, pw) => {
    if (pw.length > 128) return false;
    const account = await auth.context.store.findOne<Row>("account", [
      { field: "userId", value: userId },
      { field: "providerId", value: "credential" },
    ]);
    return typeof account?.password === "string" && account.password === (await fastHash(pw));
  };
}

export interface Answer {
  status: number;
  text: string;
  json: any;
  setCookie: string[];
}

export interface Call {
  method: string;
  path: string;
  body?: unknown;
  /** Raw body (bytes or text) sent as-is; wins over `body`. */
  raw?: Uint8Array | string;
  contentType?: string | null;
  headers?: Record<string, string>;
  /** Cookie header; default: the jar. */
  cookie?: string;
}

/** A browser-like client: keeps cookies from Set-Cookie, sends Origin on every request. */
export class Client {
  readonly jar = new Map<string, string>();
  constructor(private readonly handler: (request: Request) => Promise<Response>) {}

  cookieHeader(): string {
    return [...this.jar].map(([k, v]) => `${k}=${v}`).join("; ");
  }

  /** "name=value" of a cookie by short name ("session_token"), or undefined. */
  cookie(short: string): string | undefined {
    for (const [k, v] of this.jar) if (k === `better-auth.${short}` || k.endsWith(`.${short}`)) return `${k}=${v}`;
    return undefined;
  }

  async call(c: Call): Promise<Answer> {
    const headers: Record<string, string> = { origin: ORIGIN, ...c.headers };
    let body: BodyInit | undefined;
    if (c.raw !== undefined) body = c.raw as BodyInit;
    else if (c.body !== undefined) body = JSON.stringify(c.body);
    const contentType = c.contentType === undefined ? (body !== undefined ? "application/json" : null) : c.contentType;
    if (contentType !== null) headers["content-type"] = contentType;
    const cookie = c.cookie ?? this.cookieHeader();
    if (cookie) headers.cookie = cookie;
    const res = await this.handler(new Request(`${ORIGIN}${BASE}${c.path}`, { method: c.method, headers, body }));
    const text = await res.text();
    const setCookie = res.headers.getSetCookie();
    this.absorb(setCookie);
    let json: any;
    try {
      json = text === "" ? undefined : JSON.parse(text);
    } catch {
      json = undefined;
    }
    return { status: res.status, text, json, setCookie };
  }

  absorb(lines: readonly string[]): void {
    for (const line of lines) {
      const pair = line.split(";", 1)[0];
      const eq = pair.indexOf("=");
      if (eq <= 0) continue;
      const name = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1).trim();
      if (value === "" || /;\s*max-age=0(;|$)/i.test(line)) this.jar.delete(name);
      else this.jar.set(name, value);
    }
  }

  async expect(status: number, c: Call): Promise<any> {
    const a = await this.call(c);
    if (a.status !== status) throw new Error(`${c.method} ${c.path}: expected ${status}, got ${a.status} ${a.text.slice(0, 300)}`);
    return a.json;
  }
}

/** TOTP key bytes from an otpauth:// URI. */
export function keyFromUri(uri: string): Uint8Array {
  return nodeCrypto.base32Decode(new URL(uri).searchParams.get("secret") ?? "");
}

export function totpAt(key: Uint8Array, ms: number): string {
  return nodeCrypto.totp(key, { time: ms });
}

/**
 * The response contract (wire spec section 1): 2xx or 4xx, never 5xx; a JSON body, except the documented
 * empty 404 (unknown path / wrong method) and HEAD; error bodies are objects with a string `message`
 * and a string `code`, except the two documented code-less answers (429 rate limiter, 409 backup-code race).
 * Returns what is wrong, or null.
 */
export function checkAnswer(method: string, status: number, text: string): string | null {
  if (status >= 500) return `server error ${status}`;
  if (status < 200 || (status >= 300 && status < 400)) return `unexpected status ${status}`;
  if (method === "HEAD") return null;
  if (text === "") return status === 404 ? null : `empty body with status ${status}`;
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return `body is not JSON: ${text.slice(0, 120)}`;
  }
  if (status >= 400) {
    if (body === null || typeof body !== "object" || Array.isArray(body)) return `error body is not an object: ${text.slice(0, 120)}`;
    const { message, code } = body as { message?: unknown; code?: unknown };
    if (typeof message !== "string") return `error body without a string message: ${text.slice(0, 120)}`;
    if (typeof code !== "string" && status !== 409 && status !== 429) return `error body without a string code: ${text.slice(0, 120)}`;
    return null;
  }
  // Objects, `null` (get-session without a session) and arrays (list endpoints such as trusted-devices).
  if (body !== null && typeof body !== "object") return `success body is not an object: ${text.slice(0, 120)}`;
  return null;
}

export interface Snapshot {
  users: Row[];
  sessions: Row[];
  twoFactor: Row[];
  challenges: Row[];
  backupCodes: Row[];
}

export async function snapshot(store: Store): Promise<Snapshot> {
  const [users, sessions, twoFactorRows, challenges, backupCodes] = await Promise.all([
    store.findMany("user", []),
    store.findMany("session", []),
    store.findMany("twoFactor", []),
    store.findMany("twoFactorConfirmation", []),
    store.findMany("twoFactorBackupCode", []),
  ]);
  return { users, sessions, twoFactor: twoFactorRows, challenges, backupCodes };
}

/**
 * Store invariants that must hold after ANY sequence of requests:
 * 1. twoFactorEnabled implies a factor: a verified twoFactor row with a secret, or (only when the OTP
 *    method is configured) OTP delivery.
 * 2. No session, twoFactor row or challenge points at a missing user.
 * 3. Users in `noSessionUsers` (2FA users whose second factor was never passed) hold no session row.
 */
export function violations(s: Snapshot, options: { otp: boolean; noSessionUsers?: Iterable<string> }): string[] {
  const out: string[] = [];
  const userIds = new Set(s.users.map((u) => u.id));
  const factorOf = new Map(s.twoFactor.map((r) => [r.userId as string, r]));
  for (const u of s.users) {
    if (u.twoFactorEnabled !== true) continue;
    const row = factorOf.get(u.id);
    const totp = row !== undefined && row.verified === true && typeof row.secret === "string" && row.secret !== "";
    if (!totp && !options.otp)
      out.push(`user ${u.id} (${u.email}) has twoFactorEnabled but no verified factor (row: ${JSON.stringify(row ?? null)})`);
  }
  for (const x of s.sessions) if (!userIds.has(x.userId as string)) out.push(`session ${x.id} belongs to missing user ${x.userId}`);
  for (const x of s.twoFactor) if (!userIds.has(x.userId as string)) out.push(`twoFactor ${x.id} belongs to missing user ${x.userId}`);
  for (const x of s.challenges) if (!userIds.has(x.userId as string)) out.push(`challenge ${x.id} belongs to missing user ${x.userId}`);
  for (const id of options.noSessionUsers ?? []) {
    const n = s.sessions.filter((x) => x.userId === id).length;
    if (n > 0) out.push(`user ${id} never passed a second factor but holds ${n} session(s)`);
  }
  return out;
}
