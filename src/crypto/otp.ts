/**
 * HOTP (RFC 4226) and TOTP (RFC 6238) over the WASM core's job kernel (assembly/hotp.ts): each code to
 * compute is a row of the job table (src/crypto/jobs.ts), and one `hotpJobs` call runs a whole table.
 * Every call wipes the rows and temporary key slots it used before returning, also when it throws.
 * This is the hot path of a 2FA server: no object is built per call besides the result.
 */
import { getCore } from "./core.js";
import { clearJobs, firstMatch, readCode, writeCandidates, writeGenerate } from "./jobs.js";
import { clearTempSlots, keyAlgorithm, keySlot, needsTempSlot } from "./keys.js";
import type { HotpOptions, KeyInput, TotpBatchRequest, TotpOptions, VerifyTotpOptions, VerifyTotpResult } from "./port.js";
import {
  afterStep as checkAfterStep,
  batchRequest,
  batchRequests,
  counter as checkCounter,
  digits as checkDigits,
  options as checkOptions,
  parseCode,
  timeStep,
  windowSteps,
} from "./validate.js";

function hotpAt(key: KeyInput, step: number, alg: number, digits: number): string {
  const c = getCore();
  const usesTemp = needsTempSlot(key);
  try {
    writeGenerate(c, 0, keySlot(c, key, alg, 0), step, digits);
    c.x.hotpJobs(alg, 1, 1);
    return readCode(c, 0, digits);
  } finally {
    clearJobs(c, 1); // hotpJobs clears its own blocks and MAC
    if (usesTemp) clearTempSlots(c, 1);
  }
}

export function hotp(key: KeyInput, counter: number, options?: HotpOptions): string {
  const opts = checkOptions(options);
  const alg = keyAlgorithm(key, opts.algorithm);
  const digits = checkDigits(opts.digits);
  return hotpAt(key, checkCounter(counter), alg, digits);
}

export function totp(key: KeyInput, options?: TotpOptions): string {
  const opts = checkOptions(options);
  const alg = keyAlgorithm(key, opts.algorithm);
  const digits = checkDigits(opts.digits);
  return hotpAt(key, timeStep(opts), alg, digits);
}

/** RFC 6238 section 5.2: the 2w+1 steps around the current one, every candidate computed (jobs.ts). */
export function verifyTotp(key: KeyInput, code: string, options?: VerifyTotpOptions): VerifyTotpResult {
  const opts = checkOptions(options);
  const alg = keyAlgorithm(key, opts.algorithm);
  const digits = checkDigits(opts.digits);
  const window = windowSteps(opts.window);
  const current = timeStep(opts);
  const after = checkAfterStep(opts.afterStep);
  const value = parseCode(code, digits);
  if (value < 0) return { valid: false, step: -1, delta: 0 };
  const c = getCore();
  const n = 2 * window + 1;
  const usesTemp = needsTempSlot(key);
  try {
    writeCandidates(c, 0, keySlot(c, key, alg, 0), current, window, after, digits, value);
    c.x.hotpJobs(alg, n, 0);
    const matched = firstMatch(c, 0, n);
    return matched < 0 ? { valid: false, step: -1, delta: 0 } : { valid: true, step: current + matched - window, delta: matched - window };
  } finally {
    clearJobs(c, n);
    if (usesTemp) clearTempSlots(c, 1);
  }
}

/**
 * Many verifications with few WASM calls: requests are grouped by algorithm and packed into job tables
 * (up to the core's job and temporary-slot capacity per call), so SIMD lanes run across requests too.
 * Every request is validated before any work; a malformed code string yields {valid:false} like verifyTotp.
 * The validated fields go into flat typed arrays (no object per request), and each table is read back by
 * rescanning its range of requests, so the hot loops allocate nothing but the results.
 */
export function verifyTotpBatch(requests: readonly TotpBatchRequest[]): VerifyTotpResult[] {
  batchRequests(requests);
  const count = requests.length;
  const keys: KeyInput[] = new Array(count);
  // Per request, 4 numbers: flags (algorithm | digits << 2 | window << 6 | needs-a-temp-slot << 10), the
  // current step, afterStep, and the code (-1 when malformed). One allocation: typed arrays cost ~150 ns each.
  const fields = new Float64Array(count * 4);
  let present = 0; // bit per algorithm seen
  for (let i = 0; i < count; i++) {
    const r = batchRequest(requests[i], i);
    const key = r.key;
    const alg = keyAlgorithm(key, r.algorithm);
    const digits = checkDigits(r.digits);
    const window = windowSteps(r.window);
    const current = timeStep(r);
    const after = checkAfterStep(r.afterStep);
    const code = parseCode(r.code, digits);
    keys[i] = key;
    const temp = needsTempSlot(key) ? 1 : 0;
    fields[4 * i] = alg | (digits << 2) | (window << 6) | (temp << 10);
    fields[4 * i + 1] = current;
    fields[4 * i + 2] = after;
    fields[4 * i + 3] = code;
    present |= 1 << alg;
  }
  const results: VerifyTotpResult[] = new Array(count);
  const c = getCore();
  for (let alg = 0; alg < 3; alg++) {
    if ((present & (1 << alg)) === 0) continue;
    let rows = 0;
    let temps = 0;
    let start = 0; // first request of the table being filled
    try {
      for (let i = 0; i < count; i++) {
        const flags = fields[4 * i];
        if ((flags & 3) !== alg) continue;
        const code = fields[4 * i + 3];
        if (code < 0) {
          results[i] = { valid: false, step: -1, delta: 0 };
          continue;
        }
        const window = (flags >> 6) & 15;
        const needsTemp = flags >> 10 === 1;
        if (rows + 2 * window + 1 > c.maxJobs || (needsTemp && temps === c.tempSlots)) {
          runTable(alg, rows, temps, start, i, fields, results);
          rows = 0;
          temps = 0;
          start = i;
        }
        const slot = keySlot(c, keys[i], alg, needsTemp ? temps : 0);
        if (needsTemp) temps++;
        rows = writeCandidates(c, rows, slot, fields[4 * i + 1], window, fields[4 * i + 2], (flags >> 2) & 15, code);
      }
      runTable(alg, rows, temps, start, count, fields, results);
      rows = 0;
      temps = 0;
    } finally {
      // rows > 0 here only when keySlot threw mid-table: wipe whatever was written.
      if (rows > 0 || temps > 0) {
        clearJobs(c, c.maxJobs);
        clearTempSlots(c, c.tempSlots);
      }
    }
  }
  return results;
}

/**
 * Runs one job table (`rows` jobs from the requests of algorithm `alg` in [start, end) with a well-formed
 * code, in request order), writes their results, and wipes the table and the temporary slots it used.
 */
function runTable(
  alg: number,
  rows: number,
  temps: number,
  start: number,
  end: number,
  fields: Float64Array,
  results: VerifyTotpResult[],
): void {
  if (rows === 0) return;
  const c = getCore();
  try {
    c.x.hotpJobs(alg, rows, 0);
    let row = 0;
    for (let i = start; i < end; i++) {
      const flags = fields[4 * i];
      if ((flags & 3) !== alg || fields[4 * i + 3] < 0) continue;
      const window = (flags >> 6) & 15;
      const n = 2 * window + 1;
      const matched = firstMatch(c, row, n);
      row += n;
      results[i] =
        matched < 0
          ? { valid: false, step: -1, delta: 0 }
          : { valid: true, step: fields[4 * i + 1] + matched - window, delta: matched - window };
    }
  } finally {
    clearJobs(c, rows);
    clearTempSlots(c, temps);
  }
}
