/**
 * `npm run bench:http`: Kernia vs Better Auth 1.7.25 over real HTTP, in one run on one machine.
 *
 * Each server runs in its own child process behind plain node:http (Kernia also behind Express 5),
 * pinned to core 0; the autocannon load generator runs in another child pinned to core 1, so the
 * two never share a core. Every server gets the same fixture (prepared through its own wire protocol),
 * the same request counts and the same connection count. Prints requests/s, mean and p99 latency per
 * server, the Kernia/Better Auth ratios and PASS/MISS against the targets, then the raw JSON after a
 * `JSON:` line. BENCH_QUICK=1 runs a smoke-sized version.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { formatMachineHeader, gitRevision, machineInfo } from "../lib/machine.js";
import { LOAD, MIXED_RATIO, QUICK, SERVER_KINDS, SIGN_IN_USERS, type ServerKind } from "./config.js";
import type { Fixture } from "./fixture.js";
import type { ScenarioCommand, ScenarioName, ScenarioResult } from "./load.js";

const here = (name: string) => fileURLToPath(new URL(name, import.meta.url));

/** Children run without NODE_ENV (never "production": no rate limit, no secure cookies, same for both). */
function childEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  delete env.NODE_ENV;
  return env;
}

function spawnPinned(core: number, script: string, args: string[] = []): ChildProcess {
  return spawn("taskset", ["-c", String(core), process.execPath, "--import", "tsx", here(script), ...args], {
    stdio: ["ignore", "inherit", "inherit", "ipc"],
    env: childEnv(),
  });
}

function nextMessage<T>(child: ChildProcess, what: string): Promise<T> {
  return new Promise((resolve, reject) => {
    const onMessage = (m: any) => {
      cleanup();
      if (m?.type === "error") reject(new Error(`${what}: ${m.message}`));
      else resolve(m as T);
    };
    const onExit = (code: number | null) => {
      cleanup();
      reject(new Error(`${what}: child exited with ${code}`));
    };
    const cleanup = () => {
      child.off("message", onMessage);
      child.off("exit", onExit);
    };
    child.on("message", onMessage);
    child.on("exit", onExit);
  });
}

function stop(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null) return resolve();
    child.once("exit", () => resolve());
    child.disconnect?.();
    setTimeout(() => child.exitCode === null && child.kill("SIGKILL"), 3000).unref();
  });
}

const SCENARIOS: { name: ScenarioName; amount: number; label: string }[] = [
  { name: "get-session", amount: LOAD.getSession, label: "GET /get-session" },
  { name: "verify-totp-step-up-wrong", amount: LOAD.stepUp, label: "verify-totp, session, wrong code" },
  { name: "sign-in", amount: LOAD.signIn, label: "POST /sign-in/email (2FA user)" },
  { name: "mixed", amount: LOAD.mixedSignIns * (MIXED_RATIO + 1), label: `mixed 1 sign-in : ${MIXED_RATIO} get-session` },
  { name: "verify-totp-challenge", amount: LOAD.challenge, label: "verify-totp, challenge, right code" },
];
/** Challenge-path warm-up requests (they spend prepared challenges, so they get their own). */
const CHALLENGE_WARMUP = Math.min(100, LOAD.warmup);

interface ServerRun {
  kind: ServerKind;
  fixtureSeconds: number;
  challengeFixtureSeconds: number;
  /** Users in the store when the challenge scenario ran (Better Auth's memory adapter scans linearly). */
  usersAtChallenge: number;
  results: Record<string, ScenarioResult>;
}

async function benchServer(kind: ServerKind, load: ChildProcess): Promise<ServerRun> {
  const child = spawnPinned(0, "server.ts", [kind]);
  try {
    const ready = await nextMessage<{ port: number; fixture: Fixture; fixtureMs: number }>(child, `${kind} server`);
    console.error(`[bench:http] ${kind}: fixture ready in ${(ready.fixtureMs / 1000).toFixed(1)} s on port ${ready.port}`);
    let fixture = ready.fixture;
    const run = async (scenario: ScenarioName, amount: number): Promise<ScenarioResult> => {
      const cmd: ScenarioCommand = { port: ready.port, scenario, amount, connections: Math.min(LOAD.connections, amount), fixture };
      load.send(cmd);
      const m = await nextMessage<{ result: ScenarioResult }>(load, `${kind} ${scenario}`);
      return m.result;
    };
    const report = (r: ScenarioResult) => {
      const flag = r.valid
        ? ""
        : `  UNEXPECTED ANSWERS ${JSON.stringify(Object.fromEntries(Object.entries(r.kinds).map(([k, v]) => [k, v.statuses])))}`;
      console.error(`[bench:http] ${kind} ${r.scenario}: ${r.rps.toFixed(0)} req/s, p99 ${r.latency.p99.toFixed(2)} ms${flag}`);
    };
    // Warm-up: let the JIT settle on the hot paths.
    await run("get-session", LOAD.warmup);
    await run("verify-totp-step-up-wrong", LOAD.warmup);
    await run("sign-in", 2);
    const results: Record<string, ScenarioResult> = {};
    let challengeFixtureSeconds = 0;
    for (const s of SCENARIOS) {
      if (s.name === "verify-totp-challenge") {
        // One fresh challenge per request, each user's code used once: prepared now, so the scenarios
        // above ran against a small store. Each load client builds one request it never sends, hence the margin.
        const count = CHALLENGE_WARMUP + s.amount + 2 * LOAD.connections + 8;
        child.send({ type: "challenges", count });
        const m = await nextMessage<{ challenges: Fixture["challenges"]; ms: number }>(child, `${kind} challenges`);
        challengeFixtureSeconds = m.ms / 1000;
        console.error(`[bench:http] ${kind}: ${count} challenges ready in ${challengeFixtureSeconds.toFixed(1)} s`);
        fixture = { ...fixture, challenges: m.challenges };
        await run("verify-totp-challenge", CHALLENGE_WARMUP);
        fixture = { ...fixture, challenges: m.challenges.slice(CHALLENGE_WARMUP + LOAD.connections) };
      }
      const r = await run(s.name, s.amount);
      results[s.name] = r;
      report(r);
    }
    const usersAtChallenge = 2 + SIGN_IN_USERS + CHALLENGE_WARMUP + LOAD.challenge + 2 * LOAD.connections + 8;
    return { kind, fixtureSeconds: ready.fixtureMs / 1000, challengeFixtureSeconds, usersAtChallenge, results };
  } finally {
    await stop(child);
  }
}

const fmt = (x: number, digits = 2) => (Number.isFinite(x) ? x.toFixed(digits) : "n/a");
const pad = (s: string, n: number) => s.padEnd(n);
const lpad = (s: string, n: number) => s.padStart(n);

function table(runs: ServerRun[]): string[] {
  const lines: string[] = [];
  const head = `${pad("scenario", 40)}${pad("server", 16)}${lpad("req/s", 10)}${lpad("mean ms", 10)}${lpad("p99 ms", 10)}  ok`;
  lines.push(head, "-".repeat(head.length + 6));
  for (const s of SCENARIOS) {
    for (const run of runs) {
      const r = run.results[s.name];
      lines.push(
        `${pad(s.label, 40)}${pad(run.kind, 16)}${lpad(fmt(r.rps, 0), 10)}${lpad(fmt(r.latency.mean), 10)}${lpad(fmt(r.latency.p99), 10)}  ${r.valid ? "yes" : "NO"}`,
      );
      if (s.name === "mixed") {
        for (const [k, v] of Object.entries(r.kinds)) {
          lines.push(
            `${pad(`  of which ${k}`, 40)}${pad(run.kind, 16)}${lpad(String(v.latency.count), 10)}${lpad(fmt(v.latency.mean), 10)}${lpad(fmt(v.latency.p99), 10)}`,
          );
        }
      }
    }
  }
  return lines;
}

interface Target {
  name: string;
  ratio: number;
  goal: number;
  pass: boolean;
}

function targets(kernia: ServerRun, ba: ServerRun): Target[] {
  const rpsRatio = (s: ScenarioName) => kernia.results[s].rps / ba.results[s].rps;
  const out: Target[] = [];
  for (const s of ["get-session", "verify-totp-challenge", "verify-totp-step-up-wrong"] as const) {
    const ratio = rpsRatio(s);
    out.push({ name: `${s} req/s Kernia/Better Auth >= 5`, ratio, goal: 5, pass: ratio >= 5 });
  }
  const signIn = rpsRatio("sign-in");
  out.push({ name: "sign-in req/s Kernia/Better Auth >= 1", ratio: signIn, goal: 1, pass: signIn >= 1 });
  const p99 = ba.results["sign-in"].latency.p99 / kernia.results["sign-in"].latency.p99;
  out.push({ name: "sign-in p99 Better Auth/Kernia > 1 (lower)", ratio: p99, goal: 1, pass: p99 > 1 });
  const mixed = ba.results.mixed.kinds["get-session"].latency.p99 / kernia.results.mixed.kinds["get-session"].latency.p99;
  out.push({ name: "mixed get-session p99 Better Auth/Kernia >= 5", ratio: mixed, goal: 5, pass: mixed >= 5 });
  return out;
}

async function main(): Promise<void> {
  const machine = {
    ...machineInfo(),
    revision: gitRevision(["src", "bench/http"]),
    quick: QUICK,
    betterAuth: JSON.parse(readFileSync(new URL("../../node_modules/better-auth/package.json", import.meta.url), "utf8")).version as string,
    pinning: "server: taskset -c 0; load generator (autocannon): taskset -c 1",
  };
  const load = spawnPinned(1, "load.ts");
  await nextMessage(load, "load generator");
  const runs: ServerRun[] = [];
  try {
    for (const kind of SERVER_KINDS) runs.push(await benchServer(kind, load));
  } finally {
    await stop(load);
  }
  const byKind = (k: ServerKind) => runs.find((r) => r.kind === k);
  const ba = byKind("better-auth");
  const kernia = byKind("kernia");
  const kerniaExpress = byKind("kernia-express");
  const checks = ba && kernia ? targets(kernia, ba) : [];
  const express = ba && kerniaExpress ? targets(kerniaExpress, ba) : [];
  const out: string[] = [];
  out.push(`Kernia vs Better Auth ${machine.betterAuth}: HTTP (${QUICK ? "QUICK smoke run" : "full run"})`);
  out.push(
    formatMachineHeader(machine, {
      Revision: machine.revision,
      Pinning: machine.pinning,
      Load: `${LOAD.connections} keep-alive connections, fixed request counts`,
    }),
  );
  out.push(
    `verify-totp on the challenge path ran last, with one prepared 2FA user per request in each store (${runs[0]?.usersAtChallenge ?? "?"} users); the other rows ran with ${2 + SIGN_IN_USERS} users`,
  );
  out.push("");
  out.push(...table(runs), "");
  out.push(
    "Note: Better Auth's memoryAdapter copies the whole database twice per transaction (structuredClone) and scans",
    "tables linearly, so its challenge-path cost grows with every stored row; Kernia's memory store is indexed.",
    "Read the challenge-path ratio as 'with memory stores of this size', not as a database-backed comparison.",
    "",
  );
  out.push("Targets (benchmark, not test): Kernia (node:http) / Better Auth");
  for (const t of checks) out.push(`  ${t.pass ? "PASS" : "MISS"}  ${pad(t.name, 50)} ${fmt(t.ratio)}x`);
  out.push("Same targets, Kernia behind Express 5 / Better Auth");
  for (const t of express) out.push(`  ${t.pass ? "PASS" : "MISS"}  ${pad(t.name, 50)} ${fmt(t.ratio)}x`);
  const invalid = runs.flatMap((r) =>
    Object.values(r.results)
      .filter((x) => !x.valid)
      .map((x) => `${r.kind}/${x.scenario}`),
  );
  if (invalid.length > 0)
    out.push("", `WARNING: unexpected answers in ${invalid.join(", ")} (see the JSON statuses); those numbers are not comparable.`);
  console.log(out.join("\n"));
  console.log("JSON:");
  console.log(
    JSON.stringify({ machine, load: LOAD, mixedRatio: MIXED_RATIO, runs, targets: { kernia: checks, kerniaExpress: express } }, null, 2),
  );
  // A row that timed the wrong answers measures another path: fail the run (and the CI smoke run).
  if (invalid.length > 0) process.exitCode = 1;
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
