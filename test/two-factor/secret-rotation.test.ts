/**
 * Secret rotation for the two-factor plugin (options.previousSecrets), on ONE store across three
 * instances: secret A; then B with previousSecrets [A]; then B alone. Everything made under A (session
 * and challenge cookies, the encrypted TOTP secret, backup-code hashes, a sent OTP, a trusted device)
 * keeps working under B+[A]; new values are written under B; the TOTP secret is re-encrypted under B on
 * first use; and once A is dropped, A-signed cookies and A-hashed codes are refused while what was
 * re-encrypted or re-issued under B still works. Signatures and ciphertexts are checked with node:crypto
 * and the secret box directly, not through the plugin's read path.
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { createHmac } from "node:crypto";
import { memoryAdapter } from "../../src/adapters/memory.js";
import type { Adapter, Store } from "../../src/adapters/types.js";
import type { Kernia } from "../../src/index.js";
import { decryptSecret, deriveKeys } from "../../src/plugins/two-factor/secret-box.js";
import { Client, Clock, enrolledUser, makeAuth, outbox, PASSWORD, secretFromUri, totpAt, type Outbox } from "../helpers/two-factor.js";

const A = "two-factor-rotation-secret-A-0123456789abcdef";
const B = "two-factor-rotation-secret-B-0123456789abcdef";

function sharedAdapter(): Adapter {
  let bound: Store | undefined;
  return { name: "memory", bind: (schema) => (bound ??= memoryAdapter().bind(schema)) };
}

/** The same browser (cookie jar) talking to another instance. */
function on(client: Client, auth: Kernia): Client {
  const moved = new Client(auth);
  for (const [k, v] of client.jar) moved.jar.set(k, v);
  return moved;
}

/** The secret, among the candidates, whose HMAC signs this signed cookie (better-call format). */
function signerOf(client: Client, short: string, candidates: Record<string, string>): string | null {
  const raw = client.cookie(short);
  assert.ok(raw, `${short} cookie present`);
  const value = decodeURIComponent(raw);
  const dot = value.lastIndexOf(".");
  for (const [name, secret] of Object.entries(candidates)) {
    if (createHmac("sha256", secret).update(value.slice(0, dot)).digest("base64") === value.slice(dot + 1)) return name;
  }
  return null;
}

/** The secret whose HMAC is the MAC inside the trust_device cookie ("<mac>!<trustId>"). */
function trustMacSigner(client: Client, userId: string, candidates: Record<string, string>): string | null {
  const value = decodeURIComponent(client.cookie("trust_device")!);
  const inner = value.slice(0, value.lastIndexOf("."));
  const [mac, trustId] = inner.split("!");
  for (const [name, secret] of Object.entries(candidates)) {
    if (createHmac("sha256", secret).update(`${userId}!${trustId}`).digest("base64url") === mac) return name;
  }
  return null;
}

async function storedSecret(auth: Kernia, userId: string): Promise<string> {
  const row = await auth.context.store.findOne<{ id: string; secret: string }>("twoFactor", [{ field: "userId", value: userId }]);
  assert.ok(row);
  return row.secret;
}

const plaintextOf = (uri: string) => Buffer.from(secretFromUri(uri)).toString("utf8");
const both = { A, B };

describe("two-factor across a secret rotation (same store)", () => {
  test("A -> B+[A] -> B: old values keep working during the rotation, new ones are B's, A's go after", async () => {
    const database = sharedAdapter();
    const clock = new Clock();
    const box: Outbox = outbox();
    const instance = (secret: string, previousSecrets?: string[]) =>
      makeAuth({ clock, box, options: { secret, database, ...(previousSecrets ? { previousSecrets } : {}) } }).auth;

    // --- Under A: enrol, trust one browser, leave a challenge with a sent OTP open in another.
    const authA = instance(A);
    const { client, email, userId, uri, backupCodes } = await enrolledUser(authA, clock);
    assert.equal(signerOf(client, "session_token", both), "A");
    const trusted = new Client(authA);
    assert.equal((await trusted.post("/sign-in/email", { email, password: PASSWORD })).body.twoFactorRedirect, true);
    assert.equal((await trusted.post("/two-factor/verify-totp", { code: totpAt(uri, clock), trustDevice: true })).status, 200);
    assert.equal(trustMacSigner(trusted, userId, both), "A");
    clock.advance(30);
    const otpBrowser = new Client(authA);
    assert.equal((await otpBrowser.post("/sign-in/email", { email, password: PASSWORD })).body.twoFactorRedirect, true);
    assert.equal((await otpBrowser.post("/two-factor/send-otp", {})).status, 200);
    const otp = box.last();
    const cipherA = await storedSecret(authA, userId);
    assert.equal(decryptSecret(deriveKeys(A).secretBox, userId, cipherA), plaintextOf(uri));

    // --- Under B with previousSecrets [A].
    const authBA = instance(B, [A]);
    const session = await on(client, authBA).get("/get-session");
    assert.equal(session.body?.user?.id, userId, "the A-signed session cookie still opens the session");

    const viaOtp = on(otpBrowser, authBA);
    const otpOk = await viaOtp.post("/two-factor/verify-otp", { code: otp });
    assert.equal(otpOk.status, 200, "the OTP hashed under A, behind an A-signed challenge cookie");
    assert.equal(signerOf(viaOtp, "session_token", both), "B", "new cookies are signed with B");

    const device = on(trusted, authBA);
    const skip = await device.post("/sign-in/email", { email, password: PASSWORD });
    assert.equal(skip.status, 200);
    assert.equal(skip.body.twoFactorRedirect, undefined, "the A-trusted device skips the challenge");
    assert.equal(signerOf(device, "trust_device", both), "B");
    assert.equal(trustMacSigner(device, userId, both), "B", "the rotated trust cookie carries a B MAC");

    const viaTotp = new Client(authBA);
    await viaTotp.post("/sign-in/email", { email, password: PASSWORD });
    assert.equal(signerOf(viaTotp, "two_factor", both), "B");
    assert.equal((await viaTotp.post("/two-factor/verify-totp", { code: totpAt(uri, clock) })).status, 200);
    const cipherB = await storedSecret(authBA, userId);
    assert.notEqual(cipherB, cipherA);
    assert.equal(decryptSecret(deriveKeys(A).secretBox, userId, cipherB), null, "no longer readable under A alone");
    assert.equal(decryptSecret(deriveKeys(B).secretBox, userId, cipherB), plaintextOf(uri), "re-encrypted under B");
    clock.advance(30);

    const viaBackup = new Client(authBA);
    await viaBackup.post("/sign-in/email", { email, password: PASSWORD });
    assert.equal((await viaBackup.post("/two-factor/verify-backup-code", { code: backupCodes[0] })).status, 200);
    assert.equal((await viaBackup.post("/two-factor/verify-backup-code", { code: backupCodes[0] })).status, 401, "still single use");
    const fresh = await viaBackup.post("/two-factor/generate-backup-codes", { password: PASSWORD });
    assert.equal(fresh.status, 200);
    const newCodes: string[] = fresh.body.backupCodes;

    // --- Under B alone: A-signed cookies and A-hashed values are refused; B's keep working.
    const authB = instance(B);
    assert.equal((await on(client, authB).get("/get-session")).body, null, "the A-signed session cookie is refused");
    assert.equal((await on(viaOtp, authB).get("/get-session")).body?.user?.id, userId, "the B-signed one works");

    const againDevice = on(device, authB);
    const skipAgain = await againDevice.post("/sign-in/email", { email, password: PASSWORD });
    assert.equal(skipAgain.body.twoFactorRedirect, undefined, "the device trusted again under B+[A] still skips");

    const totpB = new Client(authB);
    await totpB.post("/sign-in/email", { email, password: PASSWORD });
    assert.equal((await totpB.post("/two-factor/verify-totp", { code: totpAt(uri, clock) })).status, 200, "re-encrypted TOTP");

    const backupB = new Client(authB);
    await backupB.post("/sign-in/email", { email, password: PASSWORD });
    assert.equal((await backupB.post("/two-factor/verify-backup-code", { code: newCodes[0] })).status, 200, "codes issued under B");
  });

  test("codes and challenges made under A alone stop working once A is dropped", async () => {
    const database = sharedAdapter();
    const clock = new Clock();
    const box = outbox();
    const authA = makeAuth({ clock, box, options: { secret: A, database } }).auth;
    const { email, backupCodes } = await enrolledUser(authA, clock);
    const pending = new Client(authA);
    await pending.post("/sign-in/email", { email, password: PASSWORD });
    await pending.post("/two-factor/send-otp", {});
    const otp = box.last();

    const authB = makeAuth({ clock, box, options: { secret: B, database } }).auth;
    // The A-signed challenge cookie is not accepted: the OTP cannot even be tried.
    const refused = await on(pending, authB).post("/two-factor/verify-otp", { code: otp });
    assert.equal(refused.status, 401);
    assert.equal(refused.body.code, "INVALID_TWO_FACTOR_COOKIE");
    const viaBackup = new Client(authB);
    await viaBackup.post("/sign-in/email", { email, password: PASSWORD });
    const r = await viaBackup.post("/two-factor/verify-backup-code", { code: backupCodes[0] });
    assert.equal(r.status, 401);
    assert.equal(r.body.code, "INVALID_BACKUP_CODE");
    // And the backup code still works once A is listed again (the hash was never touched).
    const authBA = makeAuth({ clock, box, options: { secret: B, previousSecrets: [A], database } }).auth;
    const retry = new Client(authBA);
    await retry.post("/sign-in/email", { email, password: PASSWORD });
    assert.equal((await retry.post("/two-factor/verify-backup-code", { code: backupCodes[0] })).status, 200);
  });

  test("get-totp-uri under B+[A] returns the same secret and re-encrypts the row, with the key cache off", async () => {
    const database = sharedAdapter();
    const clock = new Clock();
    const authA = makeAuth({ clock, options: { secret: A, database } }).auth;
    const { client, userId, uri } = await enrolledUser(authA, clock);
    const authBA = makeAuth({
      clock,
      advanced: { totpOptions: { keyCacheSize: 0 } },
      options: { secret: B, previousSecrets: [A], database },
    }).auth;
    const r = await on(client, authBA).post("/two-factor/get-totp-uri", { password: PASSWORD });
    assert.equal(r.status, 200);
    assert.equal(plaintextOf(r.body.totpURI), plaintextOf(uri));
    assert.equal(decryptSecret(deriveKeys(B).secretBox, userId, await storedSecret(authBA, userId)), plaintextOf(uri));
  });
});
