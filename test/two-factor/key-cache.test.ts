/**
 * The prepared TOTP key cache (key-cache.ts): least-recently-used eviction with disposal, and the
 * rule that correctness never depends on it (a new secret or a secret copied onto another user's row
 * is never answered from a cached key).
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { nodeCrypto } from "../../src/crypto/node.js";
import type { CryptoPort } from "../../src/crypto/port.js";
import { TotpKeyCache } from "../../src/plugins/two-factor/key-cache.js";
import { Client, PASSWORD, enrolledUser, makeAuth, signUp, totpAt, wrongTotp } from "../helpers/two-factor.js";

/** nodeCrypto, recording every prepared key and whether it was disposed. */
function spyCrypto(): { crypto: CryptoPort; made: { key: string; disposed: boolean }[] } {
  const made: { key: string; disposed: boolean }[] = [];
  const crypto: CryptoPort = {
    ...nodeCrypto,
    prepareKey(key, algorithm) {
      const inner = nodeCrypto.prepareKey(key, algorithm);
      const record = { key: Buffer.from(key).toString(), disposed: false };
      made.push(record);
      const dispose = inner.dispose.bind(inner);
      (inner as { dispose(): void }).dispose = () => {
        record.disposed = true;
        dispose();
      };
      return inner;
    },
  };
  return { crypto, made };
}

describe("TotpKeyCache", () => {
  test("hits skip open(); the least recently used entry is evicted and disposed", () => {
    const { crypto, made } = spyCrypto();
    const cache = new TotpKeyCache(2);
    let opened = 0;
    const open = (text: string) => () => {
      opened += 1;
      return new TextEncoder().encode(text);
    };
    const k1 = cache.key(crypto, "u1", "v1.a", open("secret-one"));
    assert.equal(cache.key(crypto, "u1", "v1.a", open("unused")), k1);
    assert.equal(opened, 1);
    cache.key(crypto, "u2", "v1.b", open("secret-two"));
    assert.equal(cache.key(crypto, "u1", "v1.a", open("unused")), k1); // u1 is now the most recent
    cache.key(crypto, "u3", "v1.c", open("secret-three")); // evicts u2, not u1
    assert.equal(cache.size, 2);
    assert.deepEqual(
      made.map((m) => [m.key, m.disposed]),
      [
        ["secret-one", false],
        ["secret-two", true],
        ["secret-three", false],
      ],
    );
    assert.equal(cache.key(crypto, "u1", "v1.a", open("unused")), k1);
    assert.equal(opened, 3);
    // Same ciphertext under another user is another entry (the userId is the AES-GCM associated data).
    assert.notEqual(cache.key(crypto, "u9", "v1.a", open("secret-nine")), k1);
    assert.equal(opened, 4);
    cache.clear();
    assert.equal(cache.size, 0);
    assert.ok(made.every((m) => m.disposed));
  });

  test("a row that cannot be opened is not cached", () => {
    const { crypto, made } = spyCrypto();
    const cache = new TotpKeyCache(4);
    const fail = () => {
      throw new Error("cannot decrypt");
    };
    assert.throws(() => cache.key(crypto, "u1", "v1.x", fail), /cannot decrypt/);
    assert.throws(() => cache.key(crypto, "u1", "v1.x", fail), /cannot decrypt/);
    assert.equal(cache.size, 0);
    assert.equal(made.length, 0);
  });
});

describe("verify-totp with the key cache", () => {
  test("a re-enrolment's new secret is used at once; the old secret's codes are refused", async () => {
    const { auth, clock } = makeAuth();
    const client = new Client(auth);
    await signUp(client);
    const first = await client.post("/two-factor/enable", { password: PASSWORD });
    assert.equal(first.status, 200);
    const oldUri = first.body.totpURI as string;
    // A wrong code still opens (and caches) the first secret's key.
    assert.equal((await client.post("/two-factor/verify-totp", { code: wrongTotp(oldUri, clock) })).status, 401);
    const second = await client.post("/two-factor/enable", { password: PASSWORD });
    assert.equal(second.status, 200);
    const newUri = second.body.totpURI as string;
    assert.notEqual(newUri, oldUri);
    const oldCode = totpAt(oldUri, clock);
    const newCode = totpAt(newUri, clock);
    if (oldCode !== newCode) {
      const refused = await client.post("/two-factor/verify-totp", { code: oldCode });
      assert.equal(refused.status, 401);
      assert.equal(refused.body.code, "INVALID_CODE");
    }
    assert.equal((await client.post("/two-factor/verify-totp", { code: newCode })).status, 200);
  });

  test("another user's ciphertext copied onto a row fails as undecryptable, even while cached", async () => {
    const { auth, clock } = makeAuth();
    const a = await enrolledUser(auth, clock);
    const b = await enrolledUser(auth, clock);
    // Both keys are cached now (enrolment verified a code for each).
    assert.equal((await a.client.post("/two-factor/verify-totp", { code: wrongTotp(a.uri, clock) })).status, 401);
    const store = auth.context.store;
    const rowA = await store.findOne<{ id: string; secret: string }>("twoFactor", [{ field: "userId", value: a.userId }]);
    await store.update("twoFactor", [{ field: "userId", value: b.userId }], { secret: rowA!.secret });
    const original = console.error;
    console.error = () => {}; // the 500 is logged; keep the test output clean
    try {
      const r = await b.client.post("/two-factor/verify-totp", { code: totpAt(a.uri, clock) });
      assert.equal(r.status, 500);
      assert.equal(r.body.code, "INTERNAL_SERVER_ERROR");
    } finally {
      console.error = original;
    }
  });

  test("keyCacheSize 0 turns the cache off; negative sizes are refused", async () => {
    const { crypto, made } = spyCrypto();
    const { auth, clock } = makeAuth({ crypto, advanced: { totpOptions: { keyCacheSize: 0 } } });
    const user = await enrolledUser(auth, clock);
    assert.equal((await user.client.post("/two-factor/verify-totp", { code: totpAt(user.uri, clock) })).status, 200);
    assert.equal(made.length, 0); // without the cache the raw secret bytes go to verifyTotp
    assert.throws(() => makeAuth({ advanced: { totpOptions: { keyCacheSize: -1 } } }), /keyCacheSize/);
  });
});
