/**
 * Loads the WASM crypto core once, synchronously, and holds the typed-array views over its memory.
 * The memory never grows (fixed by the build), so the views are created once and never go stale.
 * Browser-safe: no Node-only imports; the embedded base64 is decoded with `atob`.
 */
import { SCALAR_WASM_BASE64, SIMD_WASM_BASE64 } from "./wasm.generated.js";

/** The module's exports (assembly/index.ts): integers in, integers out. */
interface CoreExports {
  memory: WebAssembly.Memory;
  hashInit(alg: number): void;
  hashUpdate(alg: number, len: number): void;
  hashFinal(alg: number): void;
  hmacPrepare(alg: number, keyPtr: number, keyLen: number, slotPtr: number): void;
  hmacInit(alg: number, slotPtr: number): void;
  hmacFinal(alg: number, slotPtr: number): void;
  hotpJobs(alg: number, count: number, emit: number): void;
  ctDiff(a: number, b: number, len: number): number;
  b32Encode(len: number, pad: number): number;
  b32Decode(len: number): number;
  findHash(count: number): number;
  wipe(ioLen: number): void;
  ioPtr(): number;
  ioSize(): number;
  outPtr(): number;
  jobsPtr(): number;
  maxJobs(): number;
  tempPtr(): number;
  tempSlots(): number;
  slotPtr(): number;
  slotCount(): number;
  scratchEnd(): number;
  memoryEnd(): number;
  simd(): number;
}

export interface Core {
  readonly x: CoreExports;
  readonly u8: Uint8Array;
  readonly u32: Uint32Array;
  readonly io: number;
  readonly ioSize: number;
  readonly out: number;
  readonly jobs: number;
  readonly maxJobs: number;
  readonly temp: number;
  readonly tempSlots: number;
  readonly slots: number;
  readonly slotCount: number;
  /** Start of the first byte that is not scratch (the long-lived key slots begin here). */
  readonly scratchEnd: number;
  readonly simd: boolean;
}

export type BuildChoice = "auto" | "simd" | "scalar";

/** Bytes per prepared-key slot: inner HMAC state at +0, outer at +64 (assembly/layout.ts SLOT_SIZE). */
export const SLOT_SIZE = 128;

let core: Core | undefined;
let choice: BuildChoice = "auto";

function decodeBase64(text: string): Uint8Array<ArrayBuffer> {
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

function load(): Core {
  const simdBytes = decodeBase64(SIMD_WASM_BASE64);
  const useSimd = choice === "simd" || (choice === "auto" && WebAssembly.validate(simdBytes));
  const bytes = useSimd ? simdBytes : decodeBase64(SCALAR_WASM_BASE64);
  const instance = new WebAssembly.Instance(new WebAssembly.Module(bytes), {});
  const x = instance.exports as unknown as CoreExports;
  const buffer = x.memory.buffer;
  return {
    x,
    u8: new Uint8Array(buffer),
    u32: new Uint32Array(buffer),
    io: x.ioPtr(),
    ioSize: x.ioSize(),
    out: x.outPtr(),
    jobs: x.jobsPtr(),
    maxJobs: x.maxJobs(),
    temp: x.tempPtr(),
    tempSlots: x.tempSlots(),
    slots: x.slotPtr(),
    slotCount: x.slotCount(),
    scratchEnd: x.scratchEnd(),
    simd: x.simd() === 1,
  };
}

/** The core, instantiated on first use. */
export function getCore(): Core {
  return (core ??= load());
}

/**
 * Internal (tests): choose the build before first use. Throws once the core is loaded, because prepared
 * keys hold slots in the loaded instance's memory.
 */
export function selectBuild(build: BuildChoice): void {
  if (core !== undefined) throw new Error(`the crypto core is already loaded (${core.simd ? "simd" : "scalar"})`);
  choice = build;
}
