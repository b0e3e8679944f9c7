/**
 * Test helpers for the two-factor suites: an auth instance on an injected clock (on the default WASM
 * crypto core unless a port is passed), a cookie-jar client over auth.handler(new Request(...)), and TOTP codes computed from
 * the otpauth URI with the reference port (an oracle independent of the plugin's own code path).
 */
import { init } from "../../src/index.js";
import type { Kernia, KerniaOptions, Plugin } from "../../src/index.js";
import { nodeCrypto } from "../../src/crypto/node.js";
import type { CryptoPort } from "../../src/crypto/port.js";
import { twoFactor, type TwoFactorOptions } from "../../src/plugins/two-factor/index.js";
import type { Adapter } from "../../src/adapters/types.js";

export const BASE = "http://localhost:3000";
export const SECRET = "kernia-two-factor-test-secret-0123456789abcdef";
export const PASSWORD = "password1234";

export class Clock {
  constructor(public t = Date.UTC(2026, 10, 28, 0, 0, 0)) {}
  now = (): number => this.t;
  advance(seconds: number): void {
    this.t += seconds * 1000;
  }
}

export interface Outbox {
  sent: { email: string; otp: string }[];
  last(): string;
}

export function outbox(): Outbox {
  const sent: { email: string; otp: string }[] = [];
  return {
    sent,
    last() {
      const item = sent.at(-1);
      if (!item) throw new Error("no OTP sent");
      return item.otp;
    },
  };
}

/**
 * The store every makeAuth() instance gets unless its options name one: the memory adapter by default;
 * security.mongodb.test.ts points it at a real MongoDB to run the same rules there.
 */
let defaultDatabase: (() => Adapter) | undefined;
export function useDatabase(factory: (() => Adapter) | undefined): void {
  defaultDatabase = factory;
}

export function makeAuth(
  config: {
    clock?: Clock;
    box?: Outbox | null;
    twoFactor?: TwoFactorOptions;
    advanced?: TwoFactorOptions;
    plugins?: Plugin[];
    options?: Partial<KerniaOptions>;
    /** Crypto port under test; default: the package default (the WASM core). */
    crypto?: CryptoPort;
  } = {},
): { auth: Kernia; clock: Clock; box: Outbox } {
  const clock = config.clock ?? new Clock();
  const box = config.box === undefined ? outbox() : config.box;
  const sendOtp = box
    ? async ({ user, otp }: { user: { email: string }; otp: string }) => {
        box.sent.push({ email: user.email, otp });
      }
    : undefined;
  const auth = init({
    ...(defaultDatabase ? { database: defaultDatabase() } : {}),
    secret: SECRET,
    baseURL: BASE,
    appName: "WireTest",
    plugins: [twoFactor(config.twoFactor), ...(config.plugins ?? [])],
    ...config.options,
    advanced: {
      ...(config.crypto ? { crypto: config.crypto } : {}),
      now: clock.now,
      ...config.options?.advanced,
      "two-factor": {
        ...config.advanced,
        ...(sendOtp ? { otpOptions: { sendOtp, ...config.advanced?.otpOptions } } : {}),
      },
    },
  });
  return { auth, clock, box: box ?? outbox() };
}

export interface Reply {
  status: number;
  body: any;
  text: string;
  headers: Headers;
  /** Raw Set-Cookie lines in wire order. */
  setCookies: string[];
}

/** A browser-like client: cookie jar, Origin on every request. */
export class Client {
  readonly jar = new Map<string, string>();
  readonly log: Reply[] = [];
  constructor(
    readonly auth: Kernia,
    readonly origin = BASE,
    readonly prefix = "better-auth.",
  ) {}

  cookieHeader(): string {
    return [...this.jar].map(([k, v]) => `${k}=${v}`).join("; ");
  }

  async request(method: string, path: string, body?: unknown, extra: Record<string, string> = {}): Promise<Reply> {
    const headers: Record<string, string> = { origin: this.origin, ...extra };
    if (this.jar.size) headers.cookie = this.cookieHeader();
    if (body !== undefined) headers["content-type"] = "application/json";
    const res = await this.auth.handler(
      new Request(`${this.origin}/api/auth${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) }),
    );
    const setCookies = res.headers.getSetCookie();
    for (const line of setCookies) {
      const [pair, ...attrs] = line.split("; ");
      const eq = pair.indexOf("=");
      const name = pair.slice(0, eq);
      const value = pair.slice(eq + 1);
      if (attrs.some((a) => a.toLowerCase() === "max-age=0")) this.jar.delete(name);
      else this.jar.set(name, value);
    }
    const text = await res.text();
    const reply = { status: res.status, body: text ? JSON.parse(text) : undefined, text, headers: res.headers, setCookies };
    this.log.push(reply);
    return reply;
  }

  post(path: string, body: unknown = {}, extra?: Record<string, string>): Promise<Reply> {
    return this.request("POST", path, body, extra);
  }

  get(path: string): Promise<Reply> {
    return this.request("GET", path);
  }

  cookie(short: string): string | undefined {
    return this.jar.get(`${this.prefix}${short}`);
  }

  clone(): Client {
    const c = new Client(this.auth, this.origin, this.prefix);
    for (const [k, v] of this.jar) c.jar.set(k, v);
    return c;
  }
}

export function secretFromUri(uri: string): Uint8Array {
  const secret = new URL(uri).searchParams.get("secret");
  if (!secret) throw new Error(`no secret in ${uri}`);
  return nodeCrypto.base32Decode(secret);
}

export function totpAt(uri: string, clock: Clock, offsetSteps = 0): string {
  return nodeCrypto.totp(secretFromUri(uri), { time: clock.now() + offsetSteps * 30_000 });
}

/** A 6-digit code that is not valid for any step in the +-1 window. */
export function wrongTotp(uri: string, clock: Clock): string {
  const valid = new Set([-1, 0, 1].map((d) => totpAt(uri, clock, d)));
  for (let n = 0; ; n++) {
    const code = String(n).padStart(6, "0");
    if (!valid.has(code)) return code;
  }
}

let counter = 0;
export function uniqueEmail(name = "user"): string {
  counter += 1;
  return `${name}${counter}@example.com`;
}

/** Sign up a user (session cookie in the client's jar). */
export async function signUp(client: Client, email = uniqueEmail(), name = "Alice"): Promise<{ email: string; userId: string }> {
  const r = await client.post("/sign-up/email", { name, email, password: PASSWORD });
  if (r.status !== 200) throw new Error(`sign-up failed: ${r.status} ${r.text}`);
  return { email, userId: r.body.user.id };
}

/** Sign up, enable TOTP and confirm it; returns the URI and backup codes. The clock moves one step on. */
export async function enrolledUser(
  auth: Kernia,
  clock: Clock,
): Promise<{ client: Client; email: string; userId: string; uri: string; backupCodes: string[] }> {
  const client = new Client(auth);
  const { email, userId } = await signUp(client);
  const enabled = await client.post("/two-factor/enable", { password: PASSWORD });
  if (enabled.status !== 200) throw new Error(`enable failed: ${enabled.status} ${enabled.text}`);
  const confirm = await client.post("/two-factor/verify-totp", { code: totpAt(enabled.body.totpURI, clock) });
  if (confirm.status !== 200) throw new Error(`confirm failed: ${confirm.status} ${confirm.text}`);
  clock.advance(30);
  return { client, email, userId, uri: enabled.body.totpURI, backupCodes: enabled.body.backupCodes };
}

/** Sign out, then sign in with email: returns the challenge reply (the client then holds two_factor). */
export async function challenge(client: Client, email: string): Promise<Reply> {
  await client.post("/sign-out", {});
  return client.post("/sign-in/email", { email, password: PASSWORD });
}
