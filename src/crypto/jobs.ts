/**
 * The HOTP job table of the WASM core (assembly/hotp.ts), and the only TypeScript that knows its layout:
 * every row written before `hotpJobs` and every result read after it goes through this module.
 *
 * A row is 32 bytes of u32 words. JOB_LAYOUT is the one definition on this side; it equals the JOB_*
 * constants of assembly/layout.ts (test/crypto/build.test.ts compares the two), and the word offsets below
 * are derived from it.
 */
import type { Core } from "./core.js";

/** Byte offsets inside a row, named as in assembly/layout.ts (JOB_SIZE, JOB_SLOT, ...). */
export const JOB_LAYOUT = {
  SIZE: 32,
  SLOT: 0, // in: pointer to the key's prepared slot
  COUNTER_HI: 4, // in: counter bits 63..32
  COUNTER_LO: 8, // in: counter bits 31..0
  DIGITS: 12, // in: 6..10
  EXPECTED: 16, // in: the code to compare with
  CODE: 20, // out: the code, when the call emits codes
  MATCH: 24, // out: 1 when the code equals EXPECTED, else 0
} as const;

const ROW = JOB_LAYOUT.SIZE >>> 2;
const SLOT = JOB_LAYOUT.SLOT >>> 2;
const COUNTER_HI = JOB_LAYOUT.COUNTER_HI >>> 2;
const COUNTER_LO = JOB_LAYOUT.COUNTER_LO >>> 2;
const DIGITS = JOB_LAYOUT.DIGITS >>> 2;
const EXPECTED = JOB_LAYOUT.EXPECTED >>> 2;
const CODE = JOB_LAYOUT.CODE >>> 2;
const MATCH = JOB_LAYOUT.MATCH >>> 2;

/** An expected code no real code equals: codes are 31-bit values (RFC 4226 section 5.3), this is 2^32 - 1. */
const NO_MATCH = 0xffffffff;
const TWO_32 = 4294967296;

/** Writes row `row` to generate the code of counter `step` (0..2^53-1) for the key at `slot`; see `readCode`. */
export function writeGenerate(c: Core, row: number, slot: number, step: number, digits: number): void {
  const u32 = c.u32;
  const w = (c.jobs >>> 2) + row * ROW;
  u32[w + SLOT] = slot;
  u32[w + COUNTER_HI] = Math.floor(step / TWO_32);
  u32[w + COUNTER_LO] = step >>> 0;
  u32[w + DIGITS] = digits;
  u32[w + EXPECTED] = NO_MATCH;
}

/**
 * Writes the 2w+1 candidate rows of one RFC 6238 section 5.2 verification from row `row`: steps
 * current - window .. current + window against `code` (a parsed code, >= 0). A step that is negative or
 * <= `after` (the replay guard) gets step 0 and an expected code that never matches, so every candidate
 * is computed and compared and the time does not depend on which one matched. Returns the next free row.
 */
export function writeCandidates(
  c: Core,
  row: number,
  slot: number,
  current: number,
  window: number,
  after: number,
  digits: number,
  code: number,
): number {
  const u32 = c.u32;
  const expected = code > 0x7fffffff ? NO_MATCH : code;
  const n = 2 * window + 1;
  let w = (c.jobs >>> 2) + row * ROW;
  for (let j = 0; j < n; j++, w += ROW) {
    const step = current - window + j;
    const eligible = step >= 0 && step > after;
    u32[w + SLOT] = slot;
    u32[w + COUNTER_HI] = eligible ? Math.floor(step / TWO_32) : 0;
    u32[w + COUNTER_LO] = eligible ? step >>> 0 : 0;
    u32[w + DIGITS] = digits;
    u32[w + EXPECTED] = eligible ? expected : NO_MATCH;
  }
  return row + n;
}

/** The code the kernel wrote to row `row` (when called with emit = 1), zero-padded to `digits`. */
export function readCode(c: Core, row: number, digits: number): string {
  return String(c.u32[(c.jobs >>> 2) + row * ROW + CODE]).padStart(digits, "0");
}

/**
 * The index (0..n-1) of the first matching row among the n rows from `row`, or -1. Every row is read (no
 * early exit), so the time does not depend on where the match is.
 */
export function firstMatch(c: Core, row: number, n: number): number {
  const u32 = c.u32;
  let w = (c.jobs >>> 2) + row * ROW + MATCH;
  let matched = -1;
  for (let j = 0; j < n; j++, w += ROW) matched = u32[w] === 1 && matched < 0 ? j : matched;
  return matched;
}

/** Wipes the first `count` rows: a plain loop for the few rows of one verification, fill for batch tables. */
export function clearJobs(c: Core, count: number): void {
  const u32 = c.u32;
  const start = c.jobs >>> 2;
  const end = start + count * ROW;
  if (count > 8) u32.fill(0, start, end);
  else for (let w = start; w < end; w++) u32[w] = 0;
}
