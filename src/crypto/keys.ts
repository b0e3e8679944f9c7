/**
 * Prepared keys and the key slots of the WASM core (assembly/layout.ts: SLOTS long-lived slots and
 * TEMP_SLOTS per-call ones, SLOT_SIZE bytes each: HMAC inner state at +0, outer at +64).
 *
 * `prepareKey` takes a free long-lived slot; when none is free, the handle keeps the 128-byte state in JS
 * instead and it is copied into a temporary slot on each use (slower by one copy, same results).
 * `dispose()` wipes the state and frees the slot; a handle that is garbage-collected without `dispose()`
 * has its slot wiped and freed by a FinalizationRegistry.
 */
import { getCore, SLOT_SIZE, type Core } from "./core.js";
import { prepareInto, wipeTempSlot } from "./hash.js";
import type { HashAlgorithm, KeyInput, PreparedKey } from "./port.js";
import { ALGORITHM_NAME, algorithmId, otpKey, plainKeyAlgorithm, preparedAlgorithm } from "./validate.js";

let freeSlots: number[] | undefined;

const registry = typeof FinalizationRegistry === "function" ? new FinalizationRegistry<number>((index) => releaseSlot(index)) : undefined;

function releaseSlot(index: number): void {
  const c = getCore();
  const ptr = c.slots + index * SLOT_SIZE;
  c.u8.fill(0, ptr, ptr + SLOT_SIZE);
  freeSlots!.push(index);
}

function takeSlot(c: Core): number {
  freeSlots ??= Array.from({ length: c.slotCount }, (_, i) => c.slotCount - 1 - i);
  return freeSlots.pop() ?? -1;
}

class WasmPreparedKey implements PreparedKey {
  /** Slot index in the core, or -1 when the state lives in `state`. */
  slot: number;
  state: Uint8Array | null;
  disposed = false;
  readonly algorithm: HashAlgorithm;

  constructor(algorithm: HashAlgorithm, slot: number, state: Uint8Array | null) {
    this.algorithm = algorithm;
    this.slot = slot;
    this.state = state;
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    if (this.slot >= 0) {
      registry?.unregister(this);
      releaseSlot(this.slot);
      this.slot = -1;
    }
    this.state?.fill(0);
    this.state = null;
  }
}

export function prepareKey(key: Uint8Array, algorithm: HashAlgorithm = "SHA-1"): PreparedKey {
  const alg = algorithmId(algorithm, "SHA-1");
  otpKey(key);
  const c = getCore();
  const slot = takeSlot(c);
  try {
    if (slot >= 0) {
      prepareInto(c, alg, key, c.slots + slot * SLOT_SIZE);
      const handle = new WasmPreparedKey(ALGORITHM_NAME[alg], slot, null);
      registry?.register(handle, slot, handle);
      return handle;
    }
    prepareInto(c, alg, key, c.temp);
    return new WasmPreparedKey(ALGORITHM_NAME[alg], -1, c.u8.slice(c.temp, c.temp + SLOT_SIZE));
  } catch (error) {
    if (slot >= 0) releaseSlot(slot);
    throw error;
  } finally {
    wipeTempSlot(c);
  }
}

/** Checks a key argument and the algorithm it will be used with (src/crypto/validate.ts); returns the algorithm id. */
export function keyAlgorithm(key: unknown, algorithm: unknown): number {
  return key instanceof WasmPreparedKey ? preparedAlgorithm(key, algorithm) : plainKeyAlgorithm(key, algorithm);
}

/** True when `key` needs a temporary slot per use: a raw key, or a prepared key whose state is held in JS. */
export function needsTempSlot(key: KeyInput): boolean {
  return !(key instanceof WasmPreparedKey && key.slot >= 0);
}

/**
 * The pointer to the slot holding `key`'s HMAC states: its own slot, or temporary slot number `temp`
 * (filled here from a raw key or a JS-held state; the caller wipes it with `clearTempSlots`).
 */
export function keySlot(c: Core, key: KeyInput, alg: number, temp: number): number {
  if (key instanceof WasmPreparedKey) {
    if (key.slot >= 0) return c.slots + key.slot * SLOT_SIZE;
    const ptr = c.temp + temp * SLOT_SIZE;
    c.u8.set(key.state!, ptr);
    return ptr;
  }
  const ptr = c.temp + temp * SLOT_SIZE;
  prepareInto(c, alg, key as Uint8Array, ptr);
  return ptr;
}

/** Wipes the first `count` temporary slots. */
export function clearTempSlots(c: Core, count: number): void {
  const u32 = c.u32;
  const start = c.temp >>> 2;
  const end = start + count * (SLOT_SIZE >>> 2);
  for (let w = start; w < end; w++) u32[w] = 0;
}
