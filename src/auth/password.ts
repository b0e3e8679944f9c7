/**
 * Credential password hashing, interoperable with Better Auth's stored hashes:
 * scrypt (RFC 7914) with N=16384, r=16, p=1, dkLen=64; the password is NFKC-normalised; the salt is
 * 16 random bytes written as 32 hex chars, and that hex STRING (not its bytes) is the scrypt salt;
 * stored as "<saltHex>:<keyHex>".
 */
import { randomBytes, scrypt } from "node:crypto";

const N = 16384;
const R = 16;
const P = 1;
const DK_LEN = 64;
/** node's default maxmem (32 MiB) is exactly 128*N*r and rejects these parameters; allow twice that. */
const MAXMEM = 128 * N * R * 2;

function derive(password: string, salt: string): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    scrypt(password.normalize("NFKC"), salt, DK_LEN, { N, r: R, p: P, maxmem: MAXMEM }, (err, key) => (err ? reject(err) : resolve(key)));
  });
}

export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16).toString("hex");
  const key = await derive(password, salt);
  return `${salt}:${key.toString("hex")}`;
}

/**
 * True when `password` matches `stored`. A malformed stored value is a mismatch, not an error.
 * `equal` is the constant-time compare of the crypto port, so the key compare leaks no prefix length.
 */
export async function verifyPassword(stored: string, password: string, equal: (a: Uint8Array, b: Uint8Array) => boolean): Promise<boolean> {
  const sep = stored.indexOf(":");
  if (sep <= 0) return false;
  const salt = stored.slice(0, sep);
  const keyHex = stored.slice(sep + 1);
  if (!/^[0-9a-f]+$/i.test(keyHex) || keyHex.length !== DK_LEN * 2) return false;
  const key = await derive(password, salt);
  return equal(new Uint8Array(key), new Uint8Array(Buffer.from(keyHex, "hex")));
}
