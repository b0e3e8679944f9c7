/**
 * Secret rotation in the core (options.previousSecrets): init validation, cookie verification against
 * every accepted secret, new cookies always under the current one, and a retired secret that is dropped
 * from the list no longer opening anything. Cookie MACs are re-derived with node:crypto (an oracle
 * independent of the crypto port).
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { createHmac } from "node:crypto";
import { signCookieValue, verifyCookieValue } from "../../src/auth/cookies.js";
import { DEV_SECRET, resolvePreviousSecrets } from "../../src/auth/secret.js";
import { memoryAdapter } from "../../src/adapters/memory.js";
import type { Adapter, Store } from "../../src/adapters/types.js";
import { nodeCrypto } from "../../src/crypto/node.js";
import type { Kernia } from "../../src/auth/types.js";
import { BASE_URL, ORIGIN, signUp, testAuth } from "../helpers/auth.js";

const A = "rotation-secret-A-0123456789abcdefghijklmnop";
const B = "rotation-secret-B-0123456789abcdefghijklmnop";
const C = "rotation-secret-C-0123456789abcdefghijklmnop";

const equal = (a: Uint8Array, b: Uint8Array) => nodeCrypto.timingSafeEqual(a, b);
const macUnder = (secret: string) => (data: string) => new Uint8Array(createHmac("sha256", secret).update(data).digest());

/** One store behind every init() of a test: each instance binds the same tables (same plugins, same schema). */
function sharedAdapter(): Adapter {
  let bound: Store | undefined;
  return { name: "memory", bind: (schema) => (bound ??= memoryAdapter().bind(schema)) };
}

async function sessionOf(auth: Kernia, cookie: string): Promise<any> {
  const res = await auth.handler(new Request(`${BASE_URL}/api/auth/get-session`, { headers: { cookie, origin: ORIGIN } }));
  assert.equal(res.status, 200);
  return res.json();
}

/** The session_token value of a Set-Cookie list, %-decoded: "<token>.<base64 MAC>". */
function tokenCookie(setCookies: string[]): string {
  const line = setCookies.find((l) => l.startsWith("better-auth.session_token="));
  assert.ok(line, "a session_token cookie is set");
  return decodeURIComponent(line.split(";")[0].slice("better-auth.session_token=".length));
}

describe("previousSecrets validation at init", () => {
  test("not an array, empty or non-string entries, the current secret, or a repeat: init throws", () => {
    const cases: [unknown, RegExp][] = [
      ["old-secret", /previousSecrets must be an array/],
      [[""], /previousSecrets\[0\] must be a non-empty string/],
      [[B, 42], /previousSecrets\[1\] must be a non-empty string/],
      [[B, A], /previousSecrets\[1\] is the current secret/],
      [[B, C, B], /previousSecrets\[2\] is listed twice/],
    ];
    for (const [previousSecrets, message] of cases) {
      assert.throws(() => testAuth({ secret: A, previousSecrets: previousSecrets as string[] }), message);
    }
  });

  test("error messages never quote a secret", () => {
    try {
      testAuth({ secret: A, previousSecrets: [B, A] });
      assert.fail("init should throw");
    } catch (e) {
      assert.ok(e instanceof Error);
      assert.ok(!e.message.includes(A) && !e.message.includes(B));
    }
  });

  test("production refuses a public default among the previous secrets, as it does for the secret", () => {
    assert.throws(() => resolvePreviousSecrets([B, DEV_SECRET], A, { NODE_ENV: "production" }), /previousSecrets\[1\] is a public default/);
    assert.throws(() => resolvePreviousSecrets(["better-auth-secret-123456789"], A, { NODE_ENV: "production" }), /public default/);
    assert.deepEqual(resolvePreviousSecrets([DEV_SECRET], A, { NODE_ENV: "development" }), [DEV_SECRET]);
    assert.deepEqual(resolvePreviousSecrets([B, C], A, { NODE_ENV: "production" }), [B, C]);
    assert.deepEqual(resolvePreviousSecrets(undefined, A, {}), []);
  });

  test("context.secrets lists the current secret first, then the previous ones in order", () => {
    assert.deepEqual(testAuth({ secret: A, previousSecrets: [B, C] }).context.secrets, [A, B, C]);
    assert.deepEqual(testAuth({ secret: A }).context.secrets, [A]);
  });
});

describe("verifyCookieValue with several keys", () => {
  test("accepts a signature under any listed key, refuses any other", () => {
    const underB = decodeURIComponent(signCookieValue("token.value", macUnder(B)));
    assert.equal(verifyCookieValue(underB, [macUnder(A), macUnder(B)], equal), "token.value");
    assert.equal(verifyCookieValue(underB, [macUnder(B), macUnder(A)], equal), "token.value");
    assert.equal(verifyCookieValue(underB, [macUnder(A), macUnder(C)], equal), null);
    assert.equal(verifyCookieValue(underB, [], equal), null);
    assert.equal(verifyCookieValue(underB, macUnder(B), equal), "token.value", "a single function still works");
  });
});

describe("session cookies across a rotation (same store)", () => {
  test("A-signed cookie works under B+[A], new cookies are B-signed, and B alone refuses the A cookie", async () => {
    const database = sharedAdapter();
    const underA = testAuth({ secret: A, database });
    const signedUp = await signUp(underA);
    assert.equal(signedUp.status, 200);
    const aValue = tokenCookie(signedUp.setCookies);
    const [token, aMac] = [aValue.slice(0, aValue.lastIndexOf(".")), aValue.slice(aValue.lastIndexOf(".") + 1)];
    assert.equal(aMac, createHmac("sha256", A).update(token).digest("base64"));

    const rotated = testAuth({ secret: B, previousSecrets: [A], database });
    const seen = await sessionOf(rotated, signedUp.cookie);
    assert.equal(seen?.user?.email, "alice@example.com", "the A-signed cookie still opens the session");

    const signIn = await rotated.handler(
      new Request(`${BASE_URL}/api/auth/sign-in/email`, {
        method: "POST",
        headers: { "content-type": "application/json", origin: ORIGIN },
        body: JSON.stringify({ email: "alice@example.com", password: "password1234" }),
      }),
    );
    assert.equal(signIn.status, 200);
    const bValue = tokenCookie(signIn.headers.getSetCookie());
    const bToken = bValue.slice(0, bValue.lastIndexOf("."));
    assert.equal(bValue.slice(bValue.lastIndexOf(".") + 1), createHmac("sha256", B).update(bToken).digest("base64"), "signed with B");
    const bCookie = `better-auth.session_token=${encodeURIComponent(bValue)}`;

    const retired = testAuth({ secret: B, database });
    assert.equal(await sessionOf(retired, signedUp.cookie), null, "A is no longer accepted");
    assert.equal((await sessionOf(retired, bCookie))?.user?.email, "alice@example.com");
    // The A-signed token's session row is still there: only its cookie's signature is refused.
    const forgedUnderB = `better-auth.session_token=${signCookieValue(token, macUnder(B))}`;
    assert.equal((await sessionOf(retired, forgedUnderB))?.user?.email, "alice@example.com");
  });

  test("an unrelated secret's cookie is refused by B+[A]", async () => {
    const database = sharedAdapter();
    const { cookie } = await signUp(testAuth({ secret: C, database }));
    assert.equal(await sessionOf(testAuth({ secret: B, previousSecrets: [A], database }), cookie), null);
  });
});
