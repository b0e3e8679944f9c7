/**
 * Builds each benchmarked server: the auth instance, its fetch-style handler (used in-process to prepare
 * fixtures) and its node:http listener. Kernia and Better Auth get the same secret, baseURL, plugins and
 * settings: memory store, rate limit off, NODE_ENV not production, default scrypt parameters.
 */
import { createServer, type RequestListener } from "node:http";
import { betterAuth } from "better-auth";
import { memoryAdapter as baMemoryAdapter } from "better-auth/adapters/memory";
import { toNodeHandler as baToNodeHandler } from "better-auth/node";
import { phoneNumber as baPhoneNumber, twoFactor as baTwoFactor, username as baUsername } from "better-auth/plugins";
import express from "express";
import { BASE_PATH, ORIGIN, SECRET, type ServerKind } from "./config.js";

/**
 * Switches password hashing between the server's real scrypt and a fast path used ONLY while fixtures
 * are prepared (thousands of users cannot each pay two scrypt calls in a five-minute run). The fast hash
 * returns a genuine scrypt hash of the bench password computed once by the real hasher, so every stored
 * hash is real; `real()` restores the untouched functions before any measurement.
 */
export interface PasswordSwitch {
  fast(): Promise<void>;
  real(): void;
}

export interface BenchServer {
  kind: ServerKind;
  handler(request: Request): Promise<Response>;
  listener: RequestListener;
  passwords: PasswordSwitch;
}

/** Better Auth 1.7.25's context keeps `password: {hash(p), verify({hash, password})}`, read per call. */
function betterAuthPasswords(
  ctx: { password: { hash(p: string): Promise<string>; verify(i: { hash: string; password: string }): Promise<boolean> } },
  password: string,
): PasswordSwitch {
  const realHash = ctx.password.hash;
  const realVerify = ctx.password.verify;
  return {
    async fast() {
      const stored = await realHash(password);
      ctx.password.hash = async () => stored;
      ctx.password.verify = async ({ password: p }) => p === password;
    },
    real() {
      ctx.password.hash = realHash;
      ctx.password.verify = realVerify;
    },
  };
}

/**
 * Kernia's AuthContext.passwords: `hash(p)`, `verify(stored, p)` and `check(userId, p)` (the account
 * lookup plus verify that sign-in and the two-factor password gate call); the core reads them per call.
 */
type KerniaPasswords = {
  hash(pw: string): Promise<string>;
  verify(stored: string, pw: string): Promise<boolean>;
  check(userId: string, pw: string): Promise<boolean>;
};
export function kerniaPasswords(p: KerniaPasswords, password: string): PasswordSwitch {
  const real = { hash: p.hash, verify: p.verify, check: p.check };
  return {
    async fast() {
      const stored = await real.hash.call(p, password);
      p.hash = async () => stored;
      p.verify = async (_stored, pw) => pw === password;
      p.check = async (_userId, pw) => pw === password;
    },
    real() {
      Object.assign(p, real);
    },
  };
}

async function buildBetterAuth(password: string): Promise<BenchServer> {
  const auth = betterAuth({
    secret: SECRET,
    baseURL: ORIGIN,
    basePath: BASE_PATH,
    database: baMemoryAdapter({ user: [], session: [], account: [], verification: [], twoFactor: [] }),
    emailAndPassword: { enabled: true },
    rateLimit: { enabled: false },
    telemetry: { enabled: false },
    logger: { disabled: true },
    plugins: [baUsername(), baPhoneNumber({ sendOTP: async () => {} }), baTwoFactor()].map((x) => x) as never,
  } as Parameters<typeof betterAuth>[0]);
  const ctx = (await auth.$context) as unknown as Parameters<typeof betterAuthPasswords>[0];
  return {
    kind: "better-auth",
    handler: (request) => auth.handler(request),
    listener: baToNodeHandler(auth) as RequestListener,
    passwords: betterAuthPasswords(ctx, password),
  };
}

async function buildKernia(kind: ServerKind, password: string): Promise<BenchServer> {
  // Loaded on demand so a Better Auth-only run (BENCH_SERVERS=better-auth) needs none of Kernia.
  const { init } = await import("../../src/index.js");
  const { memoryAdapter } = await import("../../src/adapters/memory.js");
  const { toNodeHandler } = await import("../../src/integrations/node.js");
  const { phoneNumber } = await import("../../src/plugins/phone-number/index.js");
  const { twoFactor } = await import("../../src/plugins/two-factor/index.js");
  const { username } = await import("../../src/plugins/username/index.js");
  const auth = init({
    secret: SECRET,
    baseURL: ORIGIN,
    basePath: BASE_PATH,
    database: memoryAdapter(),
    emailAndPassword: { enabled: true },
    rateLimit: { enabled: false },
    // The step-up scenario sends every wrong code for one user. Kernia's lockout also covers the session
    // path (Better Auth's does not), so at its default budget the user locks after 10 and every later
    // request would time the 429 answer. The budget is raised past the run's request count: each wrong
    // code still reserves and records its attempt (the store write counted in), it just never trips.
    plugins: [username(), phoneNumber(), twoFactor({ accountLockout: { maxFailedAttempts: 1_000_000 } })],
  });
  let listener: RequestListener;
  if (kind === "kernia-express") {
    const app = express();
    app.use(BASE_PATH, toNodeHandler(auth));
    listener = app as unknown as RequestListener;
  } else {
    listener = toNodeHandler(auth) as RequestListener;
  }
  return {
    kind,
    handler: (request) => auth.handler(request),
    listener,
    passwords: kerniaPasswords(auth.context.passwords, password),
  };
}

export async function buildServer(kind: ServerKind, password: string): Promise<BenchServer> {
  return kind === "better-auth" ? buildBetterAuth(password) : buildKernia(kind, password);
}

export function listen(listener: RequestListener): Promise<{ port: number; close(): Promise<void> }> {
  const server = createServer({ keepAliveTimeout: 60_000 }, listener);
  return new Promise((resolve) => {
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      resolve({ port, close: () => new Promise((r) => server.close(() => r())) });
    });
  });
}
