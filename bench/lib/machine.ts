/**
 * What machine a benchmark ran on. Numbers without the CPU, the runtime and the load next to them
 * cannot be compared, so every benchmark prints this header first and puts it in its JSON.
 */
import { execFileSync } from "node:child_process";
import os from "node:os";

export interface MachineInfo {
  cpu: string;
  cores: number;
  memoryGiB: number;
  platform: string;
  arch: string;
  node: string;
  v8: string;
  /** 1, 5 and 15 minute load averages when the run started: high values mean the numbers are noisy. */
  loadAverage: number[];
  date: string;
}

export function machineInfo(): MachineInfo {
  const cpus = os.cpus();
  return {
    cpu: cpus[0]?.model.trim() ?? "unknown",
    cores: cpus.length,
    memoryGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    platform: os.platform(),
    arch: os.arch(),
    node: process.versions.node,
    v8: process.versions.v8,
    loadAverage: os.loadavg().map((x) => Math.round(x * 100) / 100),
    date: new Date().toISOString(),
  };
}

/** A few `label: value` lines; `extra` adds benchmark-specific lines (build flavour, mode) after the machine. */
export function formatMachineHeader(info: MachineInfo, extra: Record<string, string> = {}): string {
  const lines: [string, string][] = [
    ["CPU", `${info.cpu} (${info.cores} cores, ${info.memoryGiB} GiB)`],
    ["Platform", `${info.platform} ${info.arch}`],
    ["Node", `${info.node} (V8 ${info.v8})`],
    ["Date", info.date],
    ["Load avg", `${info.loadAverage.join(" / ")} (1/5/15 min; above ~0.5 per core the machine was busy)`],
    ...Object.entries(extra),
  ];
  const width = Math.max(...lines.map(([label]) => label.length));
  return lines.map(([label, value]) => `${label.padEnd(width)} : ${value}`).join("\n");
}

/**
 * The commit the benchmarked code came from, and whether `paths` had uncommitted changes then:
 * "3659197", "3659197 + uncommitted changes in assembly src/crypto", or "unknown" outside a git checkout.
 */
export function gitRevision(paths: readonly string[] = []): string {
  try {
    const run = (args: string[]) => execFileSync("git", args, { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim();
    const head = run(["rev-parse", "--short", "HEAD"]);
    const dirty = run(["status", "--porcelain", "--", ...paths]) !== "";
    return dirty ? `${head} + uncommitted changes in ${paths.length > 0 ? paths.join(" ") : "the tree"}` : head;
  } catch {
    return "unknown";
  }
}
