/**
 * What one hostile JSON body costs the main thread before Kernia refuses it (issue 11 item 5/6):
 *
 *   npm run bench:hostile-body        (BENCH_QUICK=1: a few iterations, to prove it runs)
 *
 * Each body is 1 MiB, sent through readBody (the pipeline's body step: decode, depth check, parse)
 * and timed per call with process.hrtime.bigint(); the bare JSON.parse of the same text is printed
 * beside it, as the cost the depth check avoids. Bodies: `[[[[...`, `{"a":{"a":...` (both refused at
 * depth 33), a flat object of a 1 MiB string (accepted: the linear pass over a large legal body), and
 * brackets inside one string (accepted: they are text, not nesting).
 */
import { formatMachineHeader, gitRevision, machineInfo } from "./lib/machine.js";
import { percentileOfSorted } from "./lib/stats.js";
import { formatTable } from "./lib/table.js";
import { readBody } from "../src/auth/body.js";

const QUICK = process.env.BENCH_QUICK === "1";
const ITERATIONS = QUICK ? 5 : 200;
const SIZE = 1024 * 1024;

const bodies: [string, string][] = [
  ["[[[[... (1 MiB)", "[".repeat(SIZE)],
  ['{"a":{"a":... (1 MiB)', '{"a":'.repeat(SIZE / 5)],
  ["flat, one 1 MiB string", JSON.stringify({ name: "x".repeat(SIZE - 20) })],
  ['"[[[[..." inside a string', JSON.stringify({ name: "[".repeat(SIZE - 20) })],
];

const headers = new Headers({ "content-type": "application/json" });

async function timeReadBody(bytes: Uint8Array): Promise<{ ms: number; outcome: string }> {
  const start = process.hrtime.bigint();
  let outcome = "accepted";
  try {
    await readBody(headers, bytes, false, SIZE + 64);
  } catch (e) {
    outcome = `${(e as { status?: number }).status ?? "error"}`;
  }
  return { ms: Number(process.hrtime.bigint() - start) / 1e6, outcome };
}

function timeBareParse(text: string): number {
  const start = process.hrtime.bigint();
  try {
    JSON.parse(text);
  } catch {
    /* a stack overflow or syntax error: the cost is what is measured */
  }
  return Number(process.hrtime.bigint() - start) / 1e6;
}

console.log(
  formatMachineHeader(machineInfo(), { revision: gitRevision(["src/auth/json.ts", "src/auth/body.ts"]), iterations: String(ITERATIONS) }),
);
const rows: string[][] = [];
for (const [name, text] of bodies) {
  const bytes = new TextEncoder().encode(text);
  const ours: number[] = [];
  let outcome = "";
  for (let i = 0; i < ITERATIONS; i++) {
    const r = await timeReadBody(bytes);
    ours.push(r.ms);
    outcome = r.outcome;
  }
  const bare: number[] = [];
  for (let i = 0; i < Math.min(ITERATIONS, 20); i++) bare.push(timeBareParse(text));
  ours.sort((a, b) => a - b);
  bare.sort((a, b) => a - b);
  const f = (v: number) => v.toFixed(3);
  rows.push([name, outcome, f(percentileOfSorted(ours, 50)), f(percentileOfSorted(ours, 99)), f(percentileOfSorted(bare, 50))]);
}
console.log(
  formatTable(
    [
      { title: "body" },
      { title: "answer" },
      { title: "readBody p50 ms", align: "right" },
      { title: "p99 ms", align: "right" },
      { title: "bare JSON.parse p50 ms", align: "right" },
    ],
    rows,
  ),
);
