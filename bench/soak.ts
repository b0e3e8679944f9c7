/**
 * `npm run bench:soak`: does server memory stay bounded under a stream of distinct client addresses?
 * (Issue 11 item 3: rate-limit rows were never removed, 123 MiB to 1.19 GiB over an attack run.)
 *
 * One Kernia server in its own child process, in production mode (NODE_ENV=production: rate limiting
 * on, secure cookies), memory store, behind node:http, configured with one trusted proxy hop
 * (advanced.ipAddress.trustedProxies: 1), so each request's X-Forwarded-For names its client, as a
 * reverse proxy would. The load generator (this process) sends SOAK_REQUESTS requests (default
 * 100,000; BENCH_QUICK=1: 3,000) over keep-alive connections, each from a distinct address: 90%
 * GET /get-session and 10% POST /sign-out (no cookie), so every address makes two rate-limit keys.
 *
 * Printed: the child's RSS and heap before the run, after it, and after one window plus one sweep
 * interval of quiet (then a single request lets the limiter sweep), and the number of live rate-limit
 * rows at each point. The bound to expect: rows are at most the keys made in the last window plus one
 * sweep interval (rate-limit.ts), independent of how many addresses were seen in total.
 *
 *   SOAK_REQUESTS=<n>      requests to send (default 100000)
 *   SOAK_CONCURRENCY=<n>   requests in flight (default 32)
 */
import { fork, type ChildProcess } from "node:child_process";
import { createServer } from "node:http";
import { Agent, request } from "node:http";
import type { AddressInfo } from "node:net";
import { fileURLToPath } from "node:url";
import { formatMachineHeader, gitRevision, machineInfo } from "./lib/machine.js";
import { formatTable } from "./lib/table.js";

const QUICK = process.env.BENCH_QUICK === "1";
const REQUESTS = Number(process.env.SOAK_REQUESTS) || (QUICK ? 3_000 : 100_000);
const CONCURRENCY = Number(process.env.SOAK_CONCURRENCY) || 32;
/** Longest rate-limit window in play (the default rule) plus the sweep interval, plus a second. */
const QUIET_MS = (10 + 10 + 1) * 1000;

interface Sample {
  rss: number;
  heapUsed: number;
  rateLimitRows: number;
}

// ---- child: the server ----------------------------------------------------------------------------

async function serve(): Promise<void> {
  const { init } = await import("../src/auth/init.js");
  const { toNodeHandler } = await import("../src/integrations/node.js");
  const { randomBytes } = await import("node:crypto");
  const auth = init({
    secret: randomBytes(32).toString("base64"),
    baseURL: "https://soak.example",
    advanced: { ipAddress: { trustedProxies: 1 } },
  });
  const handler = toNodeHandler(auth);
  const server = createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  process.on("message", async (m: { type: string }) => {
    if (m.type !== "sample") return;
    globalThis.gc?.();
    const mem = process.memoryUsage();
    const sample: Sample = { rss: mem.rss, heapUsed: mem.heapUsed, rateLimitRows: await auth.context.store.count("rateLimit", []) };
    process.send!({ type: "sample", sample });
  });
  process.on("disconnect", () => process.exit(0));
  process.send!({ type: "ready", port: (server.address() as AddressInfo).port });
}

// ---- parent: the load -------------------------------------------------------------------------------

function next<T>(child: ChildProcess, type: string): Promise<T> {
  return new Promise((resolve, reject) => {
    const onMessage = (m: any) => {
      if (m?.type !== type) return;
      child.off("message", onMessage);
      child.off("exit", onExit);
      resolve(m as T);
    };
    const onExit = (code: number | null) => reject(new Error(`soak server exited with ${code}`));
    child.on("message", onMessage);
    child.once("exit", onExit);
  });
}

async function sample(child: ChildProcess): Promise<Sample> {
  child.send({ type: "sample" });
  return (await next<{ sample: Sample }>(child, "sample")).sample;
}

/** The i-th distinct client address: 10.0.0.0/8 first (16.7M of them), then 100.64.0.0/10. */
function address(i: number): string {
  if (i < 1 << 24) return `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`;
  const j = i - (1 << 24);
  return `100.${64 + ((j >> 16) & 63)}.${(j >> 8) & 255}.${j & 255}`;
}

function send(agent: Agent, port: number, i: number): Promise<number> {
  const signOut = i % 10 === 9;
  return new Promise((resolve, reject) => {
    const req = request(
      {
        agent,
        host: "127.0.0.1",
        port,
        method: signOut ? "POST" : "GET",
        path: signOut ? "/api/auth/sign-out" : "/api/auth/get-session",
        headers: { "x-forwarded-for": address(i), ...(signOut ? { "content-type": "application/json", "content-length": "2" } : {}) },
      },
      (res) => {
        res.resume();
        res.once("end", () => resolve(res.statusCode ?? 0));
      },
    );
    req.once("error", reject);
    req.end(signOut ? "{}" : undefined);
  });
}

async function load(port: number): Promise<Map<number, number>> {
  const agent = new Agent({ keepAlive: true, maxSockets: CONCURRENCY });
  const statuses = new Map<number, number>();
  let issued = 0;
  const worker = async () => {
    while (issued < REQUESTS) {
      const status = await send(agent, port, issued++);
      statuses.set(status, (statuses.get(status) ?? 0) + 1);
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  agent.destroy();
  return statuses;
}

async function main(): Promise<void> {
  console.log(
    formatMachineHeader(machineInfo(), {
      revision: gitRevision(["src"]),
      requests: String(REQUESTS),
      concurrency: String(CONCURRENCY),
      mode: QUICK ? "BENCH_QUICK=1 (smoke run: numbers mean nothing)" : "full",
    }),
  );
  const child = fork(fileURLToPath(import.meta.url), ["--server"], {
    env: { ...process.env, NODE_ENV: "production" },
    execArgv: ["--import", "tsx", "--expose-gc"],
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  try {
    const { port } = await next<{ port: number }>(child, "ready");
    const before = await sample(child);
    const started = Date.now();
    const statuses = await load(port);
    const seconds = (Date.now() - started) / 1000;
    const after = await sample(child);
    await new Promise((resolve) => setTimeout(resolve, QUIET_MS));
    const agent = new Agent({ keepAlive: false });
    await send(agent, port, REQUESTS); // one more request: the limiter's sweep runs beside it
    await new Promise((resolve) => setTimeout(resolve, 200));
    const quiet = await sample(child);

    const mib = (n: number) => (n / 2 ** 20).toFixed(1);
    console.log(
      formatTable(
        [{ title: "point" }, { title: "RSS MiB" }, { title: "heap used MiB" }, { title: "rate-limit rows" }],
        [
          ["before", mib(before.rss), mib(before.heapUsed), String(before.rateLimitRows)],
          [`after ${REQUESTS} requests`, mib(after.rss), mib(after.heapUsed), String(after.rateLimitRows)],
          [`after ${QUIET_MS / 1000} s quiet`, mib(quiet.rss), mib(quiet.heapUsed), String(quiet.rateLimitRows)],
        ],
      ),
    );
    const answers = [...statuses]
      .sort(([a], [b]) => a - b)
      .map(([s, n]) => `${s}: ${n}`)
      .join(", ");
    console.log(`answers: ${answers}; ${(REQUESTS / seconds).toFixed(0)} requests/s over ${seconds.toFixed(1)} s`);
    if ([...statuses.keys()].some((s) => s >= 500)) process.exitCode = 1;
  } finally {
    child.disconnect();
  }
}

if (process.argv.includes("--server")) await serve();
else await main();
