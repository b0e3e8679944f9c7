/**
 * The account-lifecycle scenario replayed against Kernia and compared with Better Auth 1.7.25's
 * captured answers (docs/transcripts/account.json, made by scripts/capture/better-auth.ts), after the
 * same placeholder normalization. Every tolerated difference is listed in DIFFERENCES with its reason;
 * anything else that differs fails. A last test re-runs the capture in-process so the committed file
 * cannot go stale.
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { runScenario, type Exchange, type Section } from "../../scripts/capture/scenario.js";
import { captureText, TRANSCRIPT_PATH } from "../../scripts/capture/better-auth.js";
import { kerniaServer } from "./helpers.js";
import { withoutNullUserFields } from "../helpers/transcript-tolerance.js";

const committed = JSON.parse(readFileSync(TRANSCRIPT_PATH, "utf8")) as { sections: Section[] };

/**
 * Deliberate differences, applied to both sides before comparing (docs/account.md has the reasons):
 * - An empty body carries no content-type in Kernia (Better Auth sends application/json on its 302s
 *   and empty 404s); nothing reads it.
 * - Verification links carry a random single-use token stored as a hash, not a JWT (so placeholders
 *   of kind "jwt" are read as "token").
 * - list-sessions marks the caller's session with `current` (checked here: exactly one true), a
 *   field Better Auth does not send.
 * - Kernia sends `Cache-Control: no-store` on every answer that carries a credential (README,
 *   deliberate differences; test/edge/no-store.test.ts checks where), so that header is compared
 *   only when it says something else.
 * - User objects carry every returned field, `null` when unset, as Better Auth does on a SQL database
 *   (test/shape/better-auth-sqlite.test.ts); the capture runs on Better Auth's memory adapter, which
 *   leaves unset fields out, so unset fields are compared as absent.
 */
function tolerate(e: Exchange, side: "kernia" | "better-auth"): Exchange {
  const copy = structuredClone(e);
  if (copy.response.body === null) delete copy.response.headers["content-type"];
  if (copy.response.headers["cache-control"] === "no-store") delete copy.response.headers["cache-control"];
  withoutNullUserFields(copy.response.body);
  const text = JSON.stringify(copy).replace(/<jwt:/g, "<token:");
  const out = JSON.parse(text) as Exchange;
  if (side === "kernia" && out.request.path === "/list-sessions" && Array.isArray(out.response.body)) {
    const list = out.response.body as Record<string, unknown>[];
    assert.equal(list.filter((s) => s.current === true).length, 1, `${e.step}: exactly one current session`);
    for (const s of list) {
      assert.equal(typeof s.current, "boolean");
      delete s.current;
    }
  }
  return out;
}

const kernia = await runScenario(async (options) => kerniaServer(options));

describe("account lifecycle against Better Auth 1.7.25's captured answers", () => {
  for (const section of committed.sections) {
    test(section.name, () => {
      const ours = kernia.find((s) => s.name === section.name);
      assert.ok(ours, `section ${section.name} replayed`);
      assert.equal(ours.exchanges.length, section.exchanges.length);
      section.exchanges.forEach((theirs, i) => {
        const mine = ours.exchanges[i];
        assert.deepEqual(tolerate(mine, "kernia"), tolerate(theirs, "better-auth"), `${section.name} #${i + 1}: ${theirs.step}`);
      });
    });
  }

  test("the committed capture equals a fresh one (it cannot go stale)", async () => {
    assert.equal(await captureText(), readFileSync(TRANSCRIPT_PATH, "utf8"));
  });
});
