/**
 * `npm run bench:store`: store round trips per request, Kernia and Better Auth 1.7.25 side by side,
 * counted in the same run by the same kind of wrapper at each one's store port (Kernia: a Store
 * wrapper around memoryAdapter(); Better Auth: a wrapper around the adapter of
 * `better-auth/adapters/memory`, counting operations inside its transactions too). Then one HTTP
 * run of the hot paths (get-session, sign-in/email) over node:http with a store that adds 1 ms to
 * every operation, a stand-in for a remote database: p50 and p99 per server.
 *
 * BENCH_QUICK=1 runs a smoke-sized HTTP part. The numbers only mean something on a quiet machine.
 */
import { createHmac } from "node:crypto";
import { createServer, type RequestListener, type Server } from "node:http";
import { betterAuth } from "better-auth";
import { memoryAdapter as baMemoryAdapter } from "better-auth/adapters/memory";
import { toNodeHandler as baToNodeHandler } from "better-auth/node";
import { twoFactor as baTwoFactor } from "better-auth/plugins";
import { init } from "../../src/index.js";
import { memoryAdapter } from "../../src/adapters/memory.js";
import type { Adapter, Store } from "../../src/adapters/types.js";
import { toNodeHandler } from "../../src/integrations/node.js";
import { twoFactor } from "../../src/plugins/two-factor/index.js";

const QUICK = process.env.BENCH_QUICK === "1";
const ORIGIN = "http://localhost:3000";
const SECRET = "bench-store-secret-bench-store-secret-0123456789";
const PASSWORD = "password1234";
const DELAY_MS = 1;

/** Counts store operations; `delay` adds that many ms before each. */
interface Meter {
  ops: number;
  delay: number;
}
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function countingKernia(meter: Meter): Adapter {
  const inner = memoryAdapter();
  return {
    name: "counting-memory",
    bind(schema, env) {
      const store = inner.bind(schema, env);
      return new Proxy(store, {
        get(target, key) {
          const value = Reflect.get(target, key);
          if (typeof value !== "function") return value;
          return async (...args: unknown[]) => {
            meter.ops += 1;
            if (meter.delay > 0) await sleep(meter.delay);
            return (value as (...a: unknown[]) => unknown).apply(target, args);
          };
        },
      }) as Store;
    },
  };
}

const BA_OPERATIONS = new Set(["create", "findOne", "findMany", "count", "update", "updateMany", "delete", "deleteMany", "consumeOne"]);

function countingBetterAuth(meter: Meter) {
  const factory = baMemoryAdapter({ user: [], session: [], account: [], verification: [], twoFactor: [] });
  const wrap = <T extends object>(adapter: T): T =>
    new Proxy(adapter, {
      get(target, key) {
        const value = Reflect.get(target, key) as unknown;
        if (typeof value !== "function") return value;
        if (key === "transaction") {
          return (cb: (trx: unknown) => Promise<unknown>) =>
            (value as (cb: (trx: unknown) => Promise<unknown>) => Promise<unknown>).call(target, (trx) => cb(wrap(trx as object)));
        }
        if (!BA_OPERATIONS.has(String(key))) return value;
        return async (...args: unknown[]) => {
          meter.ops += 1;
          if (meter.delay > 0) await sleep(meter.delay);
          return (value as (...a: unknown[]) => unknown).apply(target, args);
        };
      },
    });
  return (options: unknown) => wrap((factory as (o: unknown) => object)(options));
}

type Handler = (request: Request) => Promise<Response>;
interface Subject {
  name: string;
  handler: Handler;
  listener: RequestListener;
  meter: Meter;
}

function kernia(): Subject {
  const meter: Meter = { ops: 0, delay: 0 };
  const auth = init({
    secret: SECRET,
    baseURL: ORIGIN,
    database: countingKernia(meter),
    rateLimit: { enabled: false },
    plugins: [twoFactor()],
  });
  return { name: "Kernia", handler: (r) => auth.handler(r), listener: toNodeHandler(auth) as RequestListener, meter };
}

function betterAuthSubject(): Subject {
  const meter: Meter = { ops: 0, delay: 0 };
  const auth = betterAuth({
    secret: SECRET,
    baseURL: ORIGIN,
    database: countingBetterAuth(meter),
    emailAndPassword: { enabled: true },
    rateLimit: { enabled: false },
    telemetry: { enabled: false },
    logger: { disabled: true },
    plugins: [baTwoFactor()],
  } as Parameters<typeof betterAuth>[0]);
  return { name: "Better Auth 1.7.25", handler: (r) => auth.handler(r), listener: baToNodeHandler(auth) as RequestListener, meter };
}

/** RFC 6238 TOTP (SHA-1, 6 digits, 30 s) from an otpauth URI, at `time` ms. */
function totp(uri: string, time = Date.now()): string {
  const secret = new URL(uri).searchParams.get("secret")!;
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
  let bits = "";
  for (const c of secret.replace(/=+$/, "").toUpperCase()) bits += alphabet.indexOf(c).toString(2).padStart(5, "0");
  const key = Buffer.from(bits.match(/.{8}/g)!.map((b) => parseInt(b, 2)));
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(Math.floor(time / 30_000)));
  const mac = createHmac("sha1", key).update(counter).digest();
  const offset = mac[19] & 0xf;
  return String((mac.readUInt32BE(offset) & 0x7fffffff) % 1_000_000).padStart(6, "0");
}

/** A browser: cookie jar and Origin, against a handler. */
class Browser {
  jar = new Map<string, string>();
  constructor(readonly handler: Handler) {}
  async send(method: string, path: string, body?: unknown): Promise<{ status: number; json: any }> {
    const headers: Record<string, string> = { origin: ORIGIN };
    if (this.jar.size > 0) headers.cookie = [...this.jar].map(([k, v]) => `${k}=${v}`).join("; ");
    if (body !== undefined) headers["content-type"] = "application/json";
    const res = await this.handler(
      new Request(`${ORIGIN}/api/auth${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) }),
    );
    for (const line of res.headers.getSetCookie()) {
      const [pair, ...attrs] = line.split("; ");
      const eq = pair.indexOf("=");
      if (attrs.some((a) => a.toLowerCase() === "max-age=0")) this.jar.delete(pair.slice(0, eq));
      else this.jar.set(pair.slice(0, eq), pair.slice(eq + 1));
    }
    const text = await res.text();
    return { status: res.status, json: text ? JSON.parse(text) : null };
  }
}

/** Store operations per request of the flows in issue 10's table. */
async function countFlows(s: Subject): Promise<Map<string, number>> {
  const counts = new Map<string, number>();
  const b = new Browser(s.handler);
  const step = async (label: string, method: string, path: string, body?: unknown, status = 200) => {
    const before = s.meter.ops;
    const r = await b.send(method, path, body);
    if (r.status !== status) throw new Error(`${s.name}: ${label}: ${r.status} ${JSON.stringify(r.json)}`);
    counts.set(label, s.meter.ops - before);
    return r;
  };
  const email = `bench-${s.name.length}@example.com`;
  await step("sign-up/email", "POST", "/sign-up/email", { name: "B", email, password: PASSWORD });
  await step("get-session", "GET", "/get-session");
  const enabled = await step("two-factor/enable", "POST", "/two-factor/enable", { password: PASSWORD });
  const uri = enabled.json.totpURI as string;
  await step("verify-totp, enrolment", "POST", "/two-factor/verify-totp", { code: totp(uri) });
  await step("sign-out", "POST", "/sign-out", {});
  await step("sign-in/email, 2FA user", "POST", "/sign-in/email", { email, password: PASSWORD });
  const wrong = totp(uri) === "000000" ? "111111" : "000000";
  await step("verify-totp on a challenge, wrong", "POST", "/two-factor/verify-totp", { code: wrong }, 401);
  // A fresh step, so the code is not the one spent at enrolment (both servers refuse a replay).
  await sleep(30_000 - (Date.now() % 30_000) + 50);
  await step("verify-totp on a challenge, right", "POST", "/two-factor/verify-totp", { code: totp(uri) });
  return counts;
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

/** Sequential requests over real HTTP with 1 ms per store operation: p50/p99 per hot path. */
async function httpRun(s: Subject, requests: number): Promise<Record<string, { p50: number; p99: number }>> {
  const server: Server = createServer(s.listener);
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  const viaHttp: Handler = (r) => {
    const url = new URL(r.url);
    return fetch(`${base}${url.pathname}${url.search}`, {
      method: r.method,
      headers: r.headers,
      body: r.body,
      duplex: "half",
    } as RequestInit);
  };
  const b = new Browser(viaHttp);
  const email = `http-${s.name.length}@example.com`;
  if ((await b.send("POST", "/sign-up/email", { name: "H", email, password: PASSWORD })).status !== 200)
    throw new Error(`${s.name}: sign-up`);
  s.meter.delay = DELAY_MS;
  const out: Record<string, { p50: number; p99: number }> = {};
  for (const [label, method, path, body] of [
    ["get-session", "GET", "/get-session", undefined],
    ["sign-in/email", "POST", "/sign-in/email", { email, password: PASSWORD }],
  ] as const) {
    const times: number[] = [];
    for (let i = 0; i < requests; i++) {
      const t = performance.now();
      const r = await b.send(method, path, body);
      times.push(performance.now() - t);
      if (r.status !== 200) throw new Error(`${s.name}: ${label}: ${r.status}`);
    }
    times.sort((x, y) => x - y);
    out[label] = { p50: percentile(times, 50), p99: percentile(times, 99) };
  }
  s.meter.delay = 0;
  await new Promise<void>((r) => server.close(() => r()));
  return out;
}

const subjects = [kernia(), betterAuthSubject()];
console.log("Store operations per request (same counting wrapper at each store port, one run)\n");
const tables = await Promise.all(subjects.map(countFlows));
const labels = [...tables[0].keys()];
console.log(`| request | ${subjects.map((s) => s.name).join(" | ")} |`);
console.log(`| --- | ${subjects.map(() => "---:").join(" | ")} |`);
for (const label of labels) console.log(`| ${label} | ${tables.map((t) => t.get(label) ?? "-").join(" | ")} |`);

const n = QUICK ? 20 : 2000;
console.log(`\nHTTP, ${DELAY_MS} ms added to every store operation, ${n} sequential requests per path (ms)\n`);
console.log(`| path | ${subjects.map((s) => `${s.name} p50 | ${s.name} p99`).join(" | ")} |`);
console.log(`| --- | ${subjects.map(() => "---: | ---:").join(" | ")} |`);
const http = [];
for (const s of subjects) http.push(await httpRun(s, n));
for (const path of Object.keys(http[0])) {
  console.log(`| ${path} | ${http.map((h) => `${h[path].p50.toFixed(2)} | ${h[path].p99.toFixed(2)}`).join(" | ")} |`);
}
if (QUICK) console.log("\n(BENCH_QUICK=1: smoke run, numbers not meaningful)");
