/**
 * Child process: the load generator, pinned by the parent with `taskset -c 1` so it never competes
 * with the server (pinned to core 0). Runs one scenario per IPC command with autocannon's programmatic
 * API: a fixed request count (`amount`), keep-alive connections, no pipelining, and per-request
 * cookies/bodies from the prepared fixture through `setupRequest`.
 *
 * Latency samples are taken from autocannon's per-response event (sub-millisecond float ms), so the
 * mixed load can report get-session and sign-in separately; every response's status is checked
 * against the scenario's expectation, and a run with unexpected answers is flagged, not hidden.
 */
import autocannon from "autocannon";
import { nodeCrypto } from "../../src/crypto/node.js";
import { BASE_PATH, MIXED_RATIO, ORIGIN, PASSWORD } from "./config.js";
import type { Fixture } from "./fixture.js";
import { summarize, type Summary } from "./stats.js";

export type ScenarioName = "get-session" | "verify-totp-challenge" | "verify-totp-step-up-wrong" | "sign-in" | "mixed";

export interface ScenarioCommand {
  port: number;
  scenario: ScenarioName;
  amount: number;
  connections: number;
  fixture: Fixture;
  /** First challenge index to use (warm-up never touches challenges). */
}

export interface KindResult {
  latency: Summary;
  statuses: Record<string, number>;
  /** Responses that matched the scenario's expected status and body shape. */
  ok: number;
}

export interface ScenarioResult {
  scenario: ScenarioName;
  amount: number;
  connections: number;
  seconds: number;
  rps: number;
  latency: Summary;
  kinds: Record<string, KindResult>;
  errors: number;
  timeouts: number;
  valid: boolean;
}

type Built = { kind: string; method: string; path: string; headers: Record<string, string>; body?: string };

function json(headers: Record<string, string>): Record<string, string> {
  return { ...headers, "content-type": "application/json", origin: ORIGIN };
}

/** A 6-digit code that matches none of the steps a +/-1 window (or a clock skew of one more) could accept. */
function wrongCode(key: Uint8Array): string {
  const now = Date.now();
  const near = new Set([-2, -1, 0, 1, 2].map((d) => nodeCrypto.totp(key, { time: now + d * 30_000 })));
  for (let c = 123456; ; c = (c + 7919) % 1_000_000) {
    const code = String(c).padStart(6, "0");
    if (!near.has(code)) return code;
  }
}

const EXPECT: Record<string, (status: number, body: string) => boolean> = {
  "get-session": (s, b) => s === 200 && b.startsWith('{"session"'),
  "verify-totp-challenge": (s, b) => s === 200 && b.includes('"token"'),
  "verify-totp-step-up-wrong": (s, b) => s === 401 && b.includes("INVALID_CODE"),
  "sign-in": (s, b) => s === 200 && b.includes('"twoFactorRedirect":true'),
};

function builder(cmd: ScenarioCommand): () => Built {
  const f = cmd.fixture;
  const getSession = (): Built => ({
    kind: "get-session",
    method: "GET",
    path: `${BASE_PATH}/get-session`,
    headers: { cookie: f.plainSession },
  });
  let signIns = 0;
  const signIn = (): Built => ({
    kind: "sign-in",
    method: "POST",
    path: `${BASE_PATH}/sign-in/email`,
    headers: json({}),
    body: JSON.stringify({ email: f.signInEmails[signIns++ % f.signInEmails.length], password: PASSWORD }),
  });
  switch (cmd.scenario) {
    case "get-session":
      return getSession;
    case "sign-in":
      return signIn;
    case "verify-totp-step-up-wrong": {
      const body = JSON.stringify({ code: wrongCode(Buffer.from(f.stepUp.key, "base64")) });
      return () => ({
        kind: cmd.scenario,
        method: "POST",
        path: `${BASE_PATH}/two-factor/verify-totp`,
        headers: json({ cookie: f.stepUp.sessionCookie }),
        body,
      });
    }
    case "verify-totp-challenge": {
      let next = 0;
      return () => {
        const item = f.challenges[next++];
        if (!item) throw new Error("load: ran out of prepared challenges");
        // The code of the NEXT time step: the enrolment consumed the current one (Kernia rejects a
        // replayed step, RFC 6238 section 5.2) and a +/-1 window still accepts it.
        const code = nodeCrypto.totp(Buffer.from(item.key, "base64"), { time: Date.now() + 30_000 });
        return {
          kind: cmd.scenario,
          method: "POST",
          path: `${BASE_PATH}/two-factor/verify-totp`,
          headers: json({ cookie: item.cookie }),
          body: JSON.stringify({ code }),
        };
      };
    }
    case "mixed": {
      let i = 0;
      return () => (i++ % (MIXED_RATIO + 1) === 0 ? signIn() : getSession());
    }
  }
}

export function runScenario(cmd: ScenarioCommand): Promise<ScenarioResult> {
  const build = builder(cmd);
  const samples = new Map<string, number[]>();
  const kinds = new Map<string, KindResult>();
  let lastKind = "";
  let all: number[] = [];
  let firstSentAt = Infinity;
  let lastAt = 0;
  return new Promise((resolve, reject) => {
    const instance = autocannon(
      {
        url: `http://127.0.0.1:${cmd.port}`,
        connections: cmd.connections,
        pipelining: 1,
        amount: cmd.amount,
        timeout: 60,
        requests: [
          {
            setupRequest: (req: any, context: any) => {
              const b = build();
              context.kind = b.kind;
              return { ...req, method: b.method, path: b.path, headers: b.headers, body: b.body ?? "" };
            },
            onResponse: (status: number, body: string, context: any) => {
              lastKind = context.kind;
              let k = kinds.get(lastKind);
              if (!k) kinds.set(lastKind, (k = { latency: summarize([]), statuses: {}, ok: 0 }));
              k.statuses[status] = (k.statuses[status] ?? 0) + 1;
              if (EXPECT[lastKind]?.(status, body)) k.ok++;
            },
          },
        ],
      } as any,
      (err: Error | null, result: any) => {
        if (err) return reject(err);
        // Measured from the first request's send to the last response: autocannon reports completion on
        // its 1 s sampling tick, which would otherwise pad every run by up to a second.
        const seconds = (lastAt - firstSentAt) / 1000;
        const kindResults: Record<string, KindResult> = {};
        let okTotal = 0;
        for (const [name, k] of kinds) {
          kindResults[name] = { ...k, latency: summarize(samples.get(name) ?? []) };
          okTotal += k.ok;
        }
        const total = all.length;
        resolve({
          scenario: cmd.scenario,
          amount: cmd.amount,
          connections: cmd.connections,
          seconds,
          rps: total / seconds,
          latency: summarize(all),
          kinds: kindResults,
          errors: result.errors,
          timeouts: result.timeouts,
          valid: okTotal === total && total === cmd.amount && result.errors === 0,
        });
        all = [];
      },
    );
    instance.on("response", (_client: unknown, _status: number, _bytes: number, responseTime: number) => {
      const now = performance.now();
      firstSentAt = Math.min(firstSentAt, now - responseTime);
      lastAt = now;
      let s = samples.get(lastKind);
      if (!s) samples.set(lastKind, (s = []));
      s.push(responseTime);
      all.push(responseTime);
    });
  });
}

if (process.send) {
  process.on("message", async (cmd: ScenarioCommand) => {
    try {
      process.send!({ type: "result", result: await runScenario(cmd) });
    } catch (e) {
      process.send!({ type: "error", message: (e as Error).stack ?? String(e) });
    }
  });
  process.on("disconnect", () => process.exit(0));
  process.send({ type: "ready" });
}
