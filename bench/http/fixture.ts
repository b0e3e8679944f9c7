/**
 * Prepares each server's fixture through its own wire protocol, in-process (handler(Request)), so the
 * same steps serve Kernia and Better Auth without knowing how either stores anything:
 * sign-up -> /two-factor/enable -> /two-factor/verify-totp (enrolment) -> sign-out -> /sign-in/email
 * (the challenge whose two_factor cookie the load child replays once).
 */
import { nodeCrypto } from "../../src/crypto/node.js";
import { BASE_PATH, ORIGIN } from "./config.js";

export type Handler = (request: Request) => Promise<Response>;

/** Cookies from Set-Cookie lines: name -> wire value ("" means expired). */
export function setCookies(res: Response): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of res.headers.getSetCookie()) {
    const pair = line.split(";", 1)[0];
    const eq = pair.indexOf("=");
    if (eq > 0) out.set(pair.slice(0, eq).trim(), pair.slice(eq + 1).trim());
  }
  return out;
}

export class Client {
  readonly jar = new Map<string, string>();
  constructor(private readonly handler: Handler) {}

  cookieHeader(): string {
    return [...this.jar].map(([k, v]) => `${k}=${v}`).join("; ");
  }

  cookie(shortName: string): string | undefined {
    for (const [k, v] of this.jar) if (k.endsWith(`.${shortName}`)) return `${k}=${v}`;
    return undefined;
  }

  async call(method: string, path: string, body?: unknown): Promise<{ status: number; json: any }> {
    const headers: Record<string, string> = { origin: ORIGIN };
    if (body !== undefined) headers["content-type"] = "application/json";
    if (this.jar.size > 0) headers.cookie = this.cookieHeader();
    const res = await this.handler(
      new Request(`${ORIGIN}${BASE_PATH}${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) }),
    );
    for (const [k, v] of setCookies(res)) {
      if (v === "") this.jar.delete(k);
      else this.jar.set(k, v);
    }
    const text = await res.text();
    return { status: res.status, json: text === "" ? undefined : JSON.parse(text) };
  }

  async expect(status: number, method: string, path: string, body?: unknown): Promise<any> {
    const res = await this.call(method, path, body);
    if (res.status !== status) {
      throw new Error(`fixture: ${method} ${path} answered ${res.status} ${JSON.stringify(res.json)}, expected ${status}`);
    }
    return res.json;
  }
}

/** The TOTP key bytes from an otpauth:// URI (RFC 6238 keys travel base32-encoded in `secret=`). */
export function keyFromUri(uri: string): Uint8Array {
  const secret = new URL(uri).searchParams.get("secret");
  if (!secret) throw new Error(`fixture: no secret in ${uri}`);
  return nodeCrypto.base32Decode(secret);
}

export interface TwoFactorUser {
  email: string;
  key: string; // base64 TOTP key
  /** session_token cookie (name=value) of a live session, for the step-up path. */
  sessionCookie: string;
}

/** A user with TOTP enrolled and verified; leaves a live session in the client's jar. */
export async function enrolUser(handler: Handler, email: string, password: string): Promise<{ client: Client; user: TwoFactorUser }> {
  const client = new Client(handler);
  await client.expect(200, "POST", "/sign-up/email", { name: "Bench User", email, password });
  const enabled = await client.expect(200, "POST", "/two-factor/enable", { password });
  const key = keyFromUri(enabled.totpURI);
  const code = nodeCrypto.totp(key);
  await client.expect(200, "POST", "/two-factor/verify-totp", { code });
  const sessionCookie = client.cookie("session_token");
  if (!sessionCookie) throw new Error("fixture: no session cookie after enrolment");
  return { client, user: { email, key: Buffer.from(key).toString("base64"), sessionCookie } };
}

/** A pending sign-in challenge: the two_factor cookie that /sign-in/email set for a 2FA user. */
export async function challenge(handler: Handler, email: string, password: string): Promise<string> {
  const client = new Client(handler);
  const body = await client.expect(200, "POST", "/sign-in/email", { email, password });
  if (body?.twoFactorRedirect !== true) throw new Error(`fixture: sign-in gave no twoFactorRedirect: ${JSON.stringify(body)}`);
  const cookie = client.cookie("two_factor");
  if (!cookie) throw new Error("fixture: no two_factor cookie on the challenge");
  return cookie;
}

export interface Fixture {
  /** session_token cookie of a user without 2FA, for get-session. */
  plainSession: string;
  /** A 2FA user's live session, for the step-up path (wrong code). */
  stepUp: TwoFactorUser;
  /** Users the sign-in loads cycle through (all have 2FA, so each sign-in answers twoFactorRedirect). */
  signInEmails: string[];
  /** One fresh challenge per request: two_factor cookie + the user's TOTP key (base64). */
  challenges: { cookie: string; key: string }[];
}

/** Runs `count` jobs, `width` at a time. */
async function inBatches<T>(count: number, width: number, job: (i: number) => Promise<T>): Promise<T[]> {
  const out: T[] = new Array(count);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(width, count) }, async () => {
      while (next < count) {
        const i = next++;
        out[i] = await job(i);
      }
    }),
  );
  return out;
}

/** `count` users with TOTP on, each with one pending sign-in challenge. */
export async function prepareChallenges(handler: Handler, password: string, count: number, prefix: string): Promise<Fixture["challenges"]> {
  return inBatches(count, 16, async (i) => {
    const email = `${prefix}${i}@bench.test`;
    const { client, user } = await enrolUser(handler, email, password);
    // Sign out so the stores hold no extra session per user.
    await client.expect(200, "POST", "/sign-out", {});
    return { cookie: await challenge(handler, email, password), key: user.key };
  });
}

export async function prepareFixture(handler: Handler, password: string, challengeCount: number, signInUsers: number): Promise<Fixture> {
  const plain = new Client(handler);
  await plain.expect(200, "POST", "/sign-up/email", { name: "Plain User", email: "plain@bench.test", password });
  const plainSession = plain.cookie("session_token");
  if (!plainSession) throw new Error("fixture: no session cookie after sign-up");

  const stepUp = (await enrolUser(handler, "stepup@bench.test", password)).user;
  const signInEmails = await inBatches(signInUsers, 16, async (i) => {
    const email = `signin${i}@bench.test`;
    const { client } = await enrolUser(handler, email, password);
    await client.expect(200, "POST", "/sign-out", {});
    return email;
  });
  const challenges = await prepareChallenges(handler, password, challengeCount, "challenge");
  return { plainSession, stepUp, signInEmails, challenges };
}
