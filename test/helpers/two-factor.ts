/**
 * The two-factor part of the test kit: an instance with the plugin on the test clock (on the default
 * WASM crypto core unless a port is passed, on the memory store unless `database` names one), an OTP
 * outbox, TOTP codes computed from the otpauth URI with the reference port (an oracle independent of
 * the plugin's own code path), and the sign-up / enrol / challenge flows.
 */
import type { Adapter } from "../../src/adapters/types.js";
import type { Kernia, KerniaOptions, Plugin } from "../../src/auth/types.js";
import { nodeCrypto } from "../../src/crypto/node.js";
import type { CryptoPort } from "../../src/crypto/port.js";
import { twoFactor, type TwoFactorOptions } from "../../src/plugins/two-factor/index.js";
import { testAuth } from "./auth.js";
import { Client, ORIGIN, type Reply } from "./client.js";
import { Clock } from "./clock.js";

export { Client, Clock, type Reply };
export const BASE = ORIGIN;
export const SECRET = "kernia-two-factor-test-secret-0123456789abcdef";
export const PASSWORD = "password1234";

/** What the plugin's sendOtp was asked to deliver, in order. */
export interface Outbox {
  sent: { email: string; otp: string }[];
  /** The last code sent (throws when none was). */
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

export interface MakeAuthConfig {
  clock?: Clock;
  /** The outbox sendOtp writes to; null: no sendOtp (the OTP method off). */
  box?: Outbox | null;
  twoFactor?: TwoFactorOptions;
  /** Options under advanced["two-factor"]. */
  advanced?: TwoFactorOptions;
  plugins?: Plugin[];
  options?: Partial<KerniaOptions>;
  /** The store; default: the memory adapter. `options.database` wins over it. */
  database?: Adapter;
  /** Crypto port under test; default: the package default (the WASM core). */
  crypto?: CryptoPort;
}

export function makeAuth(config: MakeAuthConfig = {}): { auth: Kernia; clock: Clock; box: Outbox } {
  const clock = config.clock ?? new Clock();
  const box = config.box === undefined ? outbox() : config.box;
  const sendOtp = box
    ? async ({ user, otp }: { user: { email: string }; otp: string }) => {
        box.sent.push({ email: user.email, otp });
      }
    : undefined;
  const auth = testAuth({
    ...(config.database ? { database: config.database } : {}),
    secret: SECRET,
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

/** The TOTP key bytes of an otpauth:// URI. */
export function secretFromUri(uri: string): Uint8Array {
  const secret = new URL(uri).searchParams.get("secret");
  if (!secret) throw new Error(`no secret in ${uri}`);
  return nodeCrypto.base32Decode(secret);
}

/** The TOTP code (RFC 6238, the URI's defaults) at the clock's time, `offsetSteps` 30 s steps away. */
export function totpAt(uri: string, clock: Clock, offsetSteps = 0): string {
  return totpOfKey(secretFromUri(uri), clock.now() + offsetSteps * 30_000);
}

/** The TOTP code of raw key bytes at a unix-ms time. */
export function totpOfKey(key: Uint8Array, ms: number): string {
  return nodeCrypto.totp(key, { time: ms });
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
