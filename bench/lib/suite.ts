/**
 * Runs groups of alternatives side by side with benchmark.js and prints one table per group with
 * each row's ratio to a chosen reference row (ratios carry across machines; absolute times do not).
 */
import Benchmark from "benchmark";
import { formatNs, formatOps, formatPercent, formatRatio, formatTable } from "./table.js";

export interface BenchCase {
  name: string;
  fn: () => void;
  /** Operations done by one call of fn (a batch of 64 verifications counts 64); default 1. */
  opsPerCall?: number;
}

export interface BenchGroup {
  title: string;
  /** Name of the case every other row is compared with. */
  reference: string;
  cases: BenchCase[];
}

export interface CaseResult {
  name: string;
  /** Operations per second (calls per second times opsPerCall). */
  hz: number;
  nsPerOp: number;
  /** Relative margin of error of the mean, percent (benchmark.js, 95% confidence). */
  rme: number;
  samples: number;
  opsPerCall: number;
  /** hz / reference hz: above 1 is faster than the reference. */
  ratioToReference: number;
  comparison: string;
}

export interface GroupResult {
  title: string;
  reference: string;
  rows: CaseResult[];
}

export interface RunOptions {
  /** Seconds each case may run for (benchmark.js maxTime). */
  maxTime: number;
  minSamples: number;
  quick: boolean;
}

/**
 * BENCH_QUICK=1: a smoke run that only shows the script works (numbers are rough).
 * BENCH_MAX_TIME=<seconds> overrides the per-case time budget.
 */
export function runOptionsFromEnv(defaultMaxTime: number): RunOptions {
  const quick = process.env.BENCH_QUICK === "1";
  const override = Number(process.env.BENCH_MAX_TIME);
  const maxTime = Number.isFinite(override) && override > 0 ? override : quick ? 0.2 : defaultMaxTime;
  return { maxTime, minSamples: quick ? 3 : 20, quick };
}

/** Runs one group synchronously in this process, printing a line per case as it finishes. */
export function runGroup(group: BenchGroup, options: RunOptions, log: (line: string) => void = console.log): GroupResult {
  if (!group.cases.some((c) => c.name === group.reference)) {
    throw new Error(`group "${group.title}": reference "${group.reference}" is not one of its cases`);
  }
  const suite = new Benchmark.Suite(group.title);
  for (const c of group.cases) {
    suite.add(c.name, c.fn, { maxTime: options.maxTime, minSamples: options.minSamples });
  }
  const measured: { name: string; hz: number; rme: number; samples: number; opsPerCall: number }[] = [];
  suite.on("cycle", (event: Benchmark.Event) => {
    // benchmark.js passes the finished Benchmark as the event target; its typings only model part of it.
    const bench = event.target as unknown as Benchmark;
    if (bench.error) throw new Error(`"${bench.name}" threw while being timed: ${String(bench.error)}`);
    const c = group.cases.find((x) => x.name === bench.name)!;
    const opsPerCall = c.opsPerCall ?? 1;
    measured.push({
      name: c.name,
      hz: bench.hz * opsPerCall,
      rme: bench.stats.rme,
      samples: bench.stats.sample.length,
      opsPerCall,
    });
    log(`  ${c.name}: ${formatOps(bench.hz * opsPerCall)} ops/s`);
  });
  log(`\n${group.title}`);
  suite.run({ async: false });
  const referenceHz = measured.find((m) => m.name === group.reference)!.hz;
  return {
    title: group.title,
    reference: group.reference,
    rows: measured.map((m) => ({
      ...m,
      nsPerOp: 1e9 / m.hz,
      ratioToReference: m.hz / referenceHz,
      comparison: formatRatio(m.hz, referenceHz, group.reference, m.name === group.reference),
    })),
  };
}

export function formatGroup(result: GroupResult): string {
  const rows = result.rows.map((r) => [
    r.opsPerCall === 1 ? r.name : `${r.name} (per op, ${r.opsPerCall}/call)`,
    formatOps(r.hz),
    formatNs(r.nsPerOp),
    formatPercent(r.rme),
    String(r.samples),
    r.comparison,
  ]);
  const table = formatTable(
    [
      { title: "" },
      { title: "ops/s" },
      { title: "ns/op" },
      { title: "rme" },
      { title: "samples" },
      { title: `vs ${result.reference}`, align: "left" },
    ],
    rows,
  );
  return `${result.title}\n${table}`;
}
