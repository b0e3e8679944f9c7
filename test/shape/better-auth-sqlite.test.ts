/**
 * The user and session objects Kernia returns, next to Better Auth 1.7.25's on a SQL database
 * (better-sqlite3, tables made by Better Auth's own migration helper), for the same requests with the same
 * plugins, compared key by key: names, order, null versus absent, the type of each value, and the value
 * wherever it does not depend on randomness or the clock.
 *
 * Why SQL: Better Auth returns a row as the database gives it back, and a SQL row has every column, so
 * an unset field comes back as `null` (`image`, `username`, `phoneNumber`...). That is the shape apps on
 * Better Auth see, and so the one Kernia returns.
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import Database from "better-sqlite3";
import { betterAuth } from "better-auth";
import { getMigrations } from "better-auth/db/migration";
import { phoneNumber as baPhoneNumber, twoFactor as baTwoFactor, username as baUsername } from "better-auth/plugins";
import { init } from "../../src/index.js";
import { memoryAdapter } from "../../src/adapters/memory.js";
import { twoFactor } from "../../src/plugins/two-factor/index.js";
import { username } from "../../src/plugins/username/index.js";
import { phoneNumber } from "../../src/plugins/phone-number/index.js";
import { nodeCrypto } from "../../src/crypto/node.js";
import type { Plugin } from "../../src/auth/types.js";

const ORIGIN = "http://localhost:3000";
const SECRET = "shape-test-secret-0123456789abcdefghijkl";
const CLIENT = { "user-agent": "shape-test/1.0", "x-forwarded-for": "203.0.113.7" };
const PASSWORD = "analytical-engine-1843";

type PluginName = "username" | "phone-number" | "two-factor";
type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type Handler = (request: Request) => Promise<Response>;

/** Fields whose values are random or the clock's: compared by type (and format) only. */
const VARYING = new Set(["id", "token", "createdAt", "updatedAt", "expiresAt", "userId", "totpURI"]);
const ISO_DATE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

async function betterAuthServer(plugins: PluginName[]): Promise<Handler> {
  const options = {
    secret: SECRET,
    baseURL: ORIGIN,
    database: new Database(":memory:"),
    emailAndPassword: { enabled: true },
    rateLimit: { enabled: false },
    telemetry: { enabled: false },
    logger: { disabled: true },
    plugins: plugins.map((name) =>
      name === "username"
        ? baUsername()
        : name === "phone-number"
          ? baPhoneNumber({ sendOTP: async () => undefined })
          : baTwoFactor({ otpOptions: { sendOTP: async () => undefined } }),
    ),
  };
  const auth = betterAuth(options as Parameters<typeof betterAuth>[0]);
  const { runMigrations } = await getMigrations(options as Parameters<typeof getMigrations>[0]);
  await runMigrations();
  return (request) => auth.handler(request);
}

function kerniaServer(plugins: PluginName[]): Handler {
  const list: Plugin[] = plugins.map((name) =>
    name === "username"
      ? username()
      : name === "phone-number"
        ? phoneNumber()
        : twoFactor({ otpOptions: { sendOtp: async () => undefined } }),
  );
  const auth = init({ secret: SECRET, baseURL: ORIGIN, database: memoryAdapter(), plugins: list });
  // Kernia takes the address from the connection (docs/security.md); Better Auth from the header.
  return (request) => auth.handler(request, { remoteAddress: CLIENT["x-forwarded-for"] });
}

/** One browser on one server: keeps its cookies, sends the same headers everywhere. */
function browser(handler: Handler) {
  const cookies = new Map<string, string>();
  return async (path: string, body?: Record<string, Json>): Promise<{ status: number; body: Json }> => {
    const headers = new Headers({ origin: ORIGIN, ...CLIENT });
    if (cookies.size > 0) headers.set("cookie", [...cookies].map(([k, v]) => `${k}=${v}`).join("; "));
    if (body !== undefined) headers.set("content-type", "application/json");
    const response = await handler(
      new Request(`${ORIGIN}/api/auth${path}`, {
        method: body === undefined ? "GET" : "POST",
        headers,
        body: body && JSON.stringify(body),
      }),
    );
    for (const line of response.headers.getSetCookie()) {
      const [pair, ...attributes] = line.split(";").map((part) => part.trim());
      const name = pair.slice(0, pair.indexOf("="));
      if (attributes.some((a) => /^max-age=0$/i.test(a))) cookies.delete(name);
      else cookies.set(name, pair.slice(name.length + 1));
    }
    const text = await response.text();
    return { status: response.status, body: text === "" ? null : (JSON.parse(text) as Json) };
  };
}

function kind(value: Json | undefined): string {
  if (value === undefined) return "absent";
  if (value === null) return "null";
  if (Array.isArray(value)) return "array";
  if (typeof value === "string" && ISO_DATE.test(value)) return "date string";
  return typeof value;
}

/**
 * Every difference between Kernia's object and Better Auth's at `path`, as readable lines: key order,
 * a key on one side only, a different type (null and absent included), a different value where values
 * are deterministic. Objects nested under a key (the `user` of a sign-in) are compared the same way.
 */
function differences(path: string, kernia: Json | undefined, betterAuth: Json | undefined, out: string[] = []): string[] {
  const [k, b] = [kind(kernia), kind(betterAuth)];
  if (k !== b) {
    out.push(
      `${path}: Kernia ${k}${k === "absent" ? "" : ` ${JSON.stringify(kernia)}`}, Better Auth ${b}${b === "absent" ? "" : ` ${JSON.stringify(betterAuth)}`}`,
    );
    return out;
  }
  if (k === "object") {
    const ko = kernia as Record<string, Json>;
    const bo = betterAuth as Record<string, Json>;
    const [kk, bk] = [Object.keys(ko), Object.keys(bo)];
    if (kk.join() !== bk.join()) out.push(`${path}: keys Kernia [${kk.join(", ")}], Better Auth [${bk.join(", ")}]`);
    for (const key of new Set([...bk, ...kk])) differences(`${path}.${key}`, ko[key], bo[key], out);
    return out;
  }
  if (k === "array") {
    const [ka, ba] = [kernia as Json[], betterAuth as Json[]];
    if (ka.length !== ba.length) out.push(`${path}: ${ka.length} items, Better Auth ${ba.length}`);
    // Lists of codes are random: their items are compared by type.
    ka.forEach(
      (item, i) =>
        i < ba.length && kind(item) !== kind(ba[i]) && out.push(`${path}[${i}]: Kernia ${kind(item)}, Better Auth ${kind(ba[i])}`),
    );
    return out;
  }
  const key = path.slice(path.lastIndexOf(".") + 1);
  if (!VARYING.has(key) && kernia !== betterAuth)
    out.push(`${path}: Kernia ${JSON.stringify(kernia)}, Better Auth ${JSON.stringify(betterAuth)}`);
  return out;
}

/** The secret of an otpauth:// URI, as an authenticator app reads it. */
function totpNow(totpURI: string): string {
  const secret = new URL(totpURI).searchParams.get("secret") ?? "";
  return nodeCrypto.totp(nodeCrypto.base32Decode(secret), { time: Date.now(), period: 30, digits: 6 });
}

interface Exchange {
  step: string;
  kernia: { status: number; body: Json };
  betterAuth: { status: number; body: Json };
}

/**
 * The same story on both servers, step by step; each step's answer from both is recorded. Values that
 * drive the next step (a TOTP code, a backup code) are taken from each server's own answers.
 */
async function story(plugins: PluginName[]): Promise<Exchange[]> {
  const servers = { kernia: browser(kerniaServer(plugins)), betterAuth: browser(await betterAuthServer(plugins)) };
  const exchanges: Exchange[] = [];
  const both = async (step: string, path: string, body?: (side: "kernia" | "betterAuth") => Record<string, Json>) => {
    const kernia = await servers.kernia(path, body?.("kernia"));
    const betterAuth = await servers.betterAuth(path, body?.("betterAuth"));
    exchanges.push({ step, kernia, betterAuth });
    return { kernia, betterAuth };
  };
  const has = (name: PluginName) => plugins.includes(name);

  const person: Record<string, Json> = { name: "Ada Lovelace", email: "ada@example.com", password: PASSWORD };
  if (has("username")) person.username = "Ada_L";
  await both("sign-up/email", "/sign-up/email", () => person);
  await both("get-session after sign-up", "/get-session");
  await both("sign-out", "/sign-out", () => ({}));
  await both("sign-in/email", "/sign-in/email", () => ({ email: "ada@example.com", password: PASSWORD }));
  if (has("username")) await both("sign-in/username", "/sign-in/username", () => ({ username: "ada_l", password: PASSWORD }));

  // A second person with every optional field the plugins take at sign-up set (Kernia has no update-user).
  const grace: Record<string, Json> = {
    name: "Grace Hopper",
    email: "grace@example.com",
    password: PASSWORD,
    image: "https://example.com/grace.png",
  };
  if (has("username")) Object.assign(grace, { username: "grace_h", displayUsername: "Grace H" });
  await both("sign-up/email (all optional fields)", "/sign-up/email", () => grace);
  await both("get-session of the second person", "/get-session");
  await both("sign-out", "/sign-out", () => ({}));
  await both("sign-in/email (first person again)", "/sign-in/email", () => ({ email: "ada@example.com", password: PASSWORD }));

  if (has("two-factor")) {
    const enabled = await both("two-factor/enable", "/two-factor/enable", () => ({ password: PASSWORD }));
    const uri = (side: "kernia" | "betterAuth") => (enabled[side].body as { totpURI: string }).totpURI;
    const codes = (side: "kernia" | "betterAuth") => (enabled[side].body as { backupCodes: string[] }).backupCodes;
    await both("two-factor/verify-totp (enrolment)", "/two-factor/verify-totp", (side) => ({ code: totpNow(uri(side)) }));
    await both("get-session with two-factor on", "/get-session");
    await both("sign-out", "/sign-out", () => ({}));
    await both("sign-in/email (challenge)", "/sign-in/email", () => ({ email: "ada@example.com", password: PASSWORD }));
    await both("two-factor/verify-backup-code", "/two-factor/verify-backup-code", (side) => ({ code: codes(side)[0] }));
    await both("get-session after two-factor sign-in", "/get-session");
  }
  return exchanges;
}

/**
 * Differences this test knows of, each with why. Every difference found must match one, and every entry
 * must still match something in a story whose plugins it names, so an entry that no longer applies
 * fails until it is removed.
 */
const KNOWN: { pattern: RegExp; plugins: PluginName[]; why: string }[] = [
  {
    pattern: /^two-factor\/verify-totp \(enrolment\)\.user\.twoFactorEnabled: Kernia true, Better Auth false$/,
    plugins: ["two-factor"],
    why:
      "README, deliberate differences: Better Auth answers the enrolling verify-totp with the user as it was " +
      "before two-factor was turned on; Kernia answers the updated user.",
  },
];

const COMBINATIONS: PluginName[][] = [[], ["username"], ["username", "phone-number", "two-factor"]];

for (const plugins of COMBINATIONS) {
  describe(`plugins: ${plugins.length === 0 ? "none" : plugins.join(", ")}`, () => {
    test("user and session objects have Better Auth's SQL shape, key by key", async () => {
      const exchanges = await story(plugins);
      const found: string[] = [];
      for (const { step, kernia, betterAuth } of exchanges) {
        assert.equal(
          kernia.status,
          betterAuth.status,
          `${step}: status (Kernia ${JSON.stringify(kernia.body)}, Better Auth ${JSON.stringify(betterAuth.body)})`,
        );
        found.push(...differences(step, kernia.body, betterAuth.body));
      }
      const unknown = found.filter((line) => !KNOWN.some((known) => known.pattern.test(line)));
      assert.deepEqual(unknown, [], `differences from Better Auth 1.7.25 on SQLite:\n${unknown.join("\n")}`);
      for (const known of KNOWN) {
        if (!known.plugins.every((name) => plugins.includes(name))) continue;
        assert.ok(
          found.some((line) => known.pattern.test(line)),
          `no longer different, remove from KNOWN: ${known.pattern} (${known.why})`,
        );
      }
    });
  });
}
