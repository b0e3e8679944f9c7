// Generates assembly/sha1-unrolled.generated.ts: SHA-1 compressions (FIPS 180-4 section 6.1.2) with all 80 rounds
// unrolled and the message schedule in a rolling window of 16 locals (W[t] replaces W[t-16], section 6.1.2
// step 1), in two shapes: scalar u32 and 4 lanes of i32x4. Besides the general compressions, it emits a
// scalar HOTP kernel (RFC 4226 section 5.3, HMAC per RFC 2104) that runs the inner and the outer
// compression of HMAC-SHA-1 from cached key states. Its message blocks are
// mostly constant (inner: 8-byte counter, 0x80, zeros, bit length 576; outer: 20-byte digest, 0x80, zeros,
// bit length 672), so every schedule word that depends only on constants is computed here, and a round
// whose word is constant adds one folded constant K + W[t]. Unrolling by hand would be 80 near-identical
// lines per kernel; generating them keeps the one source of truth small.
//
// The output is build output, like src/crypto/wasm.generated.ts: scripts/build-wasm.mjs writes it before
// every compile, it is not committed (.gitignore: *.generated.ts), and test/crypto/build.test.ts fails
// when the embedded modules were built from other sources than generate() and assembly/ give now.

const K = [0x5a827999, 0x6ed9eba1, 0x8f1bbcdc, 0xca62c1d6]; // section 4.2.1
const hex = (n) => `0x${(n >>> 0).toString(16).padStart(8, "0")}`;
const rotl32 = (x, n) => ((x << n) | (x >>> (32 - n))) >>> 0;

/** Expression builders for one lane shape. `k(i)` is how round-constant i is written. */
const SCALAR = {
  type: "u32",
  zero: "0",
  add: (...xs) => xs.join(" + "),
  xor: (...xs) => `(${xs.join(" ^ ")})`,
  rotl: (x, n) => `rotl<u32>(${x}, ${n})`,
  constant: (n) => hex(n),
  k: (i) => hex(K[i]),
  ch: (b, c, d) => `(${d} ^ (${b} & (${c} ^ ${d})))`,
  parity: (b, c, d) => `(${b} ^ ${c} ^ ${d})`,
  maj: (b, c, d) => `((${b} & ${c}) | (${d} & (${b} | ${c})))`,
};

const VECTOR = {
  type: "v128",
  zero: "i32x4.splat(0)",
  add: (...xs) => xs.reduce((acc, x) => `i32x4.add(${acc}, ${x})`),
  xor: (...xs) => xs.reduce((acc, x) => `v128.xor(${acc}, ${x})`),
  rotl: (x, n) => `rotlv(${x}, ${n})`,
  constant: (n) => `i32x4.splat(<i32>${hex(n)})`,
  k: (i) => `k${i}`,
  ch: (b, c, d) => `v128.bitselect(${c}, ${d}, ${b})`,
  parity: (b, c, d) => `v128.xor(v128.xor(${b}, ${c}), ${d})`,
  maj: (b, c, d) => `v128.bitselect(${c}, ${b}, v128.xor(${b}, ${d}))`,
};

/**
 * The 80 rounds of one compression as statements. `words` are the 16 block words: a number (a constant,
 * folded) or an expression (assigned to its window local first). `state` names the five working locals,
 * already holding the chaining value. Returns the statements and the locals holding a..e at the end.
 */
function rounds(ops, state, words, w) {
  const init = []; // the variable block words into their window locals (before the state is loaded)
  const out = [];
  const win = new Array(16); // per window slot: { c: number } or { v: local name }
  for (let t = 0; t < 16; t++) {
    if (typeof words[t] === "number") win[t] = { c: words[t] >>> 0 };
    else {
      init.push(`${w(t)} = ${words[t]};`);
      win[t] = { v: w(t) };
    }
  }
  let [a, b, c, d, e] = state;
  for (let t = 0; t < 80; t++) {
    const slot = t & 15;
    if (t >= 16) {
      let constant = 0;
      const vars = [];
      for (const back of [3, 8, 14, 16]) {
        const x = win[(t - back) & 15];
        if ("c" in x) constant ^= x.c;
        else vars.push(x.v);
      }
      if (vars.length === 0) win[slot] = { c: rotl32(constant >>> 0, 1) };
      else {
        if (constant !== 0) vars.push(ops.constant(constant >>> 0));
        out.push(`${w(slot)} = ${ops.rotl(vars.length === 1 ? vars[0] : ops.xor(...vars), 1)};`);
        win[slot] = { v: w(slot) };
      }
    }
    const group = Math.floor(t / 20);
    const f = group === 0 ? ops.ch(b, c, d) : group === 2 ? ops.maj(b, c, d) : ops.parity(b, c, d);
    const x = win[slot];
    const kw = "c" in x ? (x.c === 0 ? ops.k(group) : ops.constant((K[group] + x.c) >>> 0)) : ops.add(ops.k(group), x.v);
    // rotl(a, 5) is added last: a is the value the previous round just produced, while e, K + W and f
    // (of older values) are ready earlier, so the chain from round to round is rotate + one add.
    out.push(`${e} = ${ops.add(ops.rotl(a, 5), ops.add(ops.add(e, kw), f))};`);
    out.push(`${b} = ${ops.rotl(b, 30)};`);
    [a, b, c, d, e] = [e, a, b, c, d];
  }
  return { init, lines: out, final: [a, b, c, d, e] };
}

const STATE = ["a", "b", "c", "d", "e"];
const INNER_LENGTH = (64 + 8) * 8; // bits: the key^ipad block plus the 8-byte counter
const OUTER_LENGTH = (64 + 20) * 8; // bits: the key^opad block plus the 20-byte inner digest
const innerWords = (hi, lo) => [hi, lo, 0x80000000, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, INNER_LENGTH];
const outerWords = (digest) => [...digest, 0x80000000, 0, 0, 0, 0, 0, 0, 0, 0, 0, OUTER_LENGTH];

function declare(ops, names) {
  return `let ${names.map((n) => `${n}: ${ops.type} = ${ops.zero}`).join(", ")};`;
}

/**
 * One function body: the compressions in `blocks` one after the other, each chaining from the previous one's
 * result. `block.state()` gives the initial state words, `block.words(previous)` the 16 block words (given
 * the previous compression's result); `store(result)` writes the final state words.
 */
function body(ops, blocks, store) {
  const lines = [
    declare(ops, STATE),
    declare(
      ops,
      Array.from({ length: 16 }, (_, t) => `w${t}`),
    ),
  ];
  if (ops === VECTOR)
    lines.push(
      `const k0 = i32x4.splat(${hex(K[0])}), k1 = i32x4.splat(${hex(K[1])}), k2 = i32x4.splat(<i32>${hex(K[2])}), k3 = i32x4.splat(<i32>${hex(K[3])});`,
    );
  let previous = null; // the chaining value expressions after the previous compression
  blocks.forEach((block, index) => {
    // The chaining value is kept in h0..h4 for the add-back after the rounds (section 6.1.2 step 4).
    const h = STATE.map((_, k) => `h${k}_${index}`);
    const pre = block.state().map((expr, k) => `const ${h[k]} = ${expr};`);
    h.forEach((name, k) => pre.push(`${STATE[k]} = ${name};`));
    const r = rounds(ops, STATE, block.words(previous), (t) => `w${t}`);
    lines.push(`// ${block.comment}`, ...r.init, ...pre, ...r.lines);
    previous = r.final.map((name, k) => ops.add(h[k], name));
  });
  lines.push(...store(previous));
  return lines;
}

function fn(signature, doc, lines) {
  return `${doc}\nexport function ${signature} {\n${lines.map((l) => `  ${l}`).join("\n")}\n}\n`;
}

// Scalar: the general compression (streamed hashing, HMAC key preparation) and the HOTP kernel.
const scalarCompress = fn(
  "sha1Compress(h: usize, block: usize): void",
  "/** One compression of the 64-byte big-endian block at `block` into the state at `h` (native-endian words). */",
  body(
    SCALAR,
    [
      {
        comment: "the block's words are big-endian (section 3.1)",
        state: () => STATE.map((_, k) => `load<u32>(h, ${4 * k})`),
        words: () => Array.from({ length: 16 }, (_, t) => `bswap<u32>(load<u32>(block, ${4 * t}))`),
      },
    ],
    (v) => v.map((x, k) => `store<u32>(h, ${x}, ${4 * k});`),
  ),
);

const scalarHotp = fn(
  "sha1Hotp(slot: usize, hi: u32, lo: u32, out: usize): void",
  "/** HMAC-SHA-1 of the 8-byte counter hi:lo with the prepared key states at `slot` (+0 inner, +64 outer); the MAC's 5 words (native-endian) go to `out`. */",
  body(
    SCALAR,
    [
      {
        comment: "inner hash: state after key^ipad, block = counter, 0x80, zeros, length",
        state: () => STATE.map((_, k) => `load<u32>(slot, ${4 * k})`),
        words: () => innerWords("hi", "lo"),
      },
      {
        comment: "outer hash: state after key^opad, block = inner digest, 0x80, zeros, length",
        state: () => STATE.map((_, k) => `load<u32>(slot, ${64 + 4 * k})`),
        words: (digest) => outerWords(digest),
      },
    ],
    (v) => v.map((x, k) => `store<u32>(out, ${x}, ${4 * k});`),
  ),
);

// 4 lanes (assembly/layout.ts XS, XW): word k of lane j at base + 16k + 4j.
const vectorCompress = fn(
  "sha1x4Compress(): void",
  "/** Four compressions: state at XS, the 16 block words at XW (native-endian, already byte-swapped); result to XS. */",
  body(
    VECTOR,
    [
      {
        comment: "general block",
        state: () => STATE.map((_, k) => `v128.load(XS, ${16 * k})`),
        words: () => Array.from({ length: 16 }, (_, t) => `v128.load(XW, ${16 * t})`),
      },
    ],
    (v) => v.map((x, k) => `v128.store(XS, ${x}, ${16 * k});`),
  ),
);

/** The source of assembly/sha1-unrolled.generated.ts. */
export function generate() {
  const header = `// GENERATED by scripts/gen-sha1.mjs (run by scripts/build-wasm.mjs) -- DO NOT EDIT, not committed.
// Unrolled SHA-1 (FIPS 180-4 section 6.1.2) and HMAC-SHA-1 HOTP kernels; see the generator for the why.
import { XS, XW } from "./layout";

// @ts-ignore: decorator
@inline function rotlv(x: v128, n: i32): v128 {
  return v128.or(i32x4.shl(x, n), i32x4.shr_u(x, 32 - n));
}

`;
  return header + [scalarCompress, scalarHotp, vectorCompress].join("\n");
}
