// RFC 6238 Appendix B: TOTP test values, 8 digits, period 30 s, T0 = 0, for every listed time and all three
// hashes. Each algorithm has its own seed (the ASCII digits repeated to the hash's output length).
import type { HashAlgorithm } from "../../../src/crypto/port.js";

export const RFC6238_SEEDS: Readonly<Record<HashAlgorithm, string>> = {
  "SHA-1": "12345678901234567890",
  "SHA-256": "12345678901234567890123456789012",
  "SHA-512": "1234567890123456789012345678901234567890123456789012345678901234",
};

export interface Rfc6238Vector {
  time: number; // unix seconds
  stepHex: string; // T as the 16-hex-digit value in the RFC table
  totp: Readonly<Record<HashAlgorithm, string>>;
}

export const RFC6238_VECTORS: readonly Rfc6238Vector[] = [
  { time: 59, stepHex: "0000000000000001", totp: { "SHA-1": "94287082", "SHA-256": "46119246", "SHA-512": "90693936" } },
  { time: 1111111109, stepHex: "00000000023523EC", totp: { "SHA-1": "07081804", "SHA-256": "68084774", "SHA-512": "25091201" } },
  { time: 1111111111, stepHex: "00000000023523ED", totp: { "SHA-1": "14050471", "SHA-256": "67062674", "SHA-512": "99943326" } },
  { time: 1234567890, stepHex: "000000000273EF07", totp: { "SHA-1": "89005924", "SHA-256": "91819424", "SHA-512": "93441116" } },
  { time: 2000000000, stepHex: "0000000003F940AA", totp: { "SHA-1": "69279037", "SHA-256": "90698825", "SHA-512": "38618901" } },
  { time: 20000000000, stepHex: "0000000027BC86AA", totp: { "SHA-1": "65353130", "SHA-256": "77737706", "SHA-512": "47863826" } },
];
