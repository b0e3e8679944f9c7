// FIPS 180-4 example messages (NIST CSRC "Examples with intermediate values" and the FIPS 180-2 appendix
// long-message test), with the padded block count as the intermediate value: a wrong count points at
// padding (5.1), a right count with a wrong digest at the compression function.

export interface Fips180Vector {
  name: string;
  /** The message, or how to build it. */
  message: string | { repeat: string; times: number };
  blocks: { sha1: number; sha256: number; sha512: number };
  sha1: string;
  sha256: string;
  sha512: string;
}

export const FIPS180_VECTORS: readonly Fips180Vector[] = [
  {
    name: "empty message",
    message: "",
    blocks: { sha1: 1, sha256: 1, sha512: 1 },
    sha1: "da39a3ee5e6b4b0d3255bfef95601890afd80709",
    sha256: "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    sha512:
      "cf83e1357eefb8bdf1542850d66d8007d620e4050b5715dc83f4a921d36ce9ce47d0d13c5d85f2b0ff8318d2877eec2f63b931bd47417a81a538327af927da3e",
  },
  {
    name: "one block: abc",
    message: "abc",
    blocks: { sha1: 1, sha256: 1, sha512: 1 },
    sha1: "a9993e364706816aba3e25717850c26c9cd0d89d",
    sha256: "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
    sha512:
      "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f",
  },
  {
    name: "two blocks (448 bits)",
    message: "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
    blocks: { sha1: 2, sha256: 2, sha512: 1 },
    sha1: "84983e441c3bd26ebaae4aa1f95129e5e54670f1",
    sha256: "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1",
    sha512:
      "204a8fc6dda82f0a0ced7beb8e08a41657c16ef468b228a8279be331a703c33596fd15c13b1b07f9aa1d3bea57789ca031ad85c7a71dd70354ec631238ca3445",
  },
  {
    name: "896 bits",
    message: "abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu",
    blocks: { sha1: 2, sha256: 2, sha512: 2 },
    sha1: "a49b2446a02c645bf419f995b67091253a04a259",
    sha256: "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1",
    sha512:
      "8e959b75dae313da8cf4f72814fc143f8f7779c6eb9f7fa17299aeadb6889018501d289e4900f7e4331b99dec4b5433ac7d329eeb6dd26545e96e55b874be909",
  },
  {
    name: "one million 'a'",
    message: { repeat: "a", times: 1_000_000 },
    blocks: { sha1: 15626, sha256: 15626, sha512: 7813 },
    sha1: "34aa973cd4c4daa4f61eeb2bdbad27316534016f",
    sha256: "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0",
    sha512:
      "e718483d0ce769644e2e42c7bc15b4638e1f98b13b2044285632a803afa973ebde0ff244877ea60a4cb0432ce577c31beb009c5c2c49aa2e4eadb217ad8cc09b",
  },
];

/** FIPS 180-4 5.1: blocks after padding = floor((bytes + 1 + length field) / block) + 1 if a remainder. */
export function paddedBlocks(bytes: number, blockBytes: number): number {
  const lengthField = blockBytes === 128 ? 16 : 8;
  return Math.ceil((bytes + 1 + lengthField) / blockBytes);
}
