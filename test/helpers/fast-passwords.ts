/**
 * A stand-in for the core's password hasher, for suites that send thousands of password-bearing
 * requests (fuzz, fault injection): the core's scrypt (N=16384, r=16) costs ~120 ms a call on the CI
 * machine. The stand-in performs the same store reads as the real one (so fault indexes line up with
 * real runs) and compares `genuine` against a real scrypt hash of it, computed once per process by the
 * real hasher; any other password gets "fast$<sha256>", so users with different passwords stay
 * distinct. scrypt itself is covered by the core's own tests.
 */
import type { Row } from "../../src/adapters/types.js";
import type { Kernia } from "../../src/auth/types.js";
import { nodeCrypto } from "../../src/crypto/node.js";

const realHashes = new Map<string, Promise<string>>();

export function fastPasswords(auth: Kernia, genuine: string): void {
  const p = auth.context.passwords as {
    hash: (pw: string) => Promise<string>;
    verify: (s: string, pw: string) => Promise<boolean>;
    check: (u: string, pw: string) => Promise<boolean>;
  };
  let real = realHashes.get(genuine);
  if (real === undefined) realHashes.set(genuine, (real = p.hash(genuine)));
  const realHash = real;
  const fastHash = async (pw: string) =>
    pw === genuine ? realHash : `fast$${Buffer.from(nodeCrypto.sha256(new TextEncoder().encode(pw))).toString("hex")}`;
  p.hash = fastHash;
  p.verify = async (stored, pw) => stored === (await fastHash(pw));
  // The same one findOne(account) as the real check.
  p.check = async (userId, pw) => {
    if (pw.length > 128) return false;
    const account = await auth.context.store.findOne<Row>("account", [
      { field: "userId", value: userId },
      { field: "providerId", value: "credential" },
    ]);
    return typeof account?.password === "string" && account.password === (await fastHash(pw));
  };
}
