/** Plain-text tables and number formats shared by the benchmark scripts. */

export type Align = "left" | "right";

export interface Column {
  title: string;
  align?: Align; // default: left for the first column, right for the others
}

/** A fixed-width table with a rule under the header; every cell is already a string. */
export function formatTable(columns: readonly Column[], rows: readonly (readonly string[])[]): string {
  const widths = columns.map((column, i) => Math.max(column.title.length, ...rows.map((row) => (row[i] ?? "").length)));
  const alignOf = (i: number): Align => columns[i].align ?? (i === 0 ? "left" : "right");
  const line = (cells: readonly string[]) =>
    cells
      .map((cell, i) => (alignOf(i) === "left" ? cell.padEnd(widths[i]) : cell.padStart(widths[i])))
      .join("  ")
      .trimEnd();
  return [line(columns.map((c) => c.title)), widths.map((w) => "-".repeat(w)).join("  "), ...rows.map(line)].join("\n");
}

/** Operations per second with thousands separators and no false precision. */
export function formatOps(hz: number): string {
  const digits = hz >= 100 ? 0 : hz >= 10 ? 1 : 2;
  return hz.toLocaleString("en-US", { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

/** Nanoseconds per operation, three significant figures. */
export function formatNs(ns: number): string {
  return ns >= 1000 ? Math.round(ns).toLocaleString("en-US") : ns.toPrecision(3);
}

export function formatPercent(value: number): string {
  return `±${value.toFixed(2)}%`;
}

/**
 * How a row compares with the reference row, both given as operations per second:
 * "11.2x slower than kernia prepared", "1.30x faster than ...", or "reference".
 */
export function formatRatio(hz: number, referenceHz: number, referenceName: string, isReference = false): string {
  if (isReference) return "reference";
  if (hz <= 0 || referenceHz <= 0) return "n/a";
  const ratio = hz >= referenceHz ? hz / referenceHz : referenceHz / hz;
  const shown = ratio >= 10 ? ratio.toFixed(1) : ratio.toFixed(2);
  return `${shown}x ${hz >= referenceHz ? "faster" : "slower"} than ${referenceName}`;
}
