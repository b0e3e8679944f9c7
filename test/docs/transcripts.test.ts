/**
 * docs/transcripts/two-factor.json (and its rendering two-factor.md) is what Better Auth 1.7.25
 * answers to the two-factor scenario (scripts/capture/two-factor-scenario.ts): a fresh in-process
 * capture must equal the committed files, so the exchanges the code cites ("T#n") cannot go stale or
 * be edited by hand. The ids must be exactly T#1..T#120, each once.
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { captureTwoFactor, TWO_FACTOR_MARKDOWN_PATH, TWO_FACTOR_TRANSCRIPT_PATH } from "../../scripts/capture/better-auth.js";
import type { TwoFactorSection } from "../../scripts/capture/two-factor-scenario.js";

const committedJson = readFileSync(TWO_FACTOR_TRANSCRIPT_PATH, "utf8");
const committed = JSON.parse(committedJson) as { sections: TwoFactorSection[] };

describe("docs/transcripts/two-factor.json", () => {
  test("every exchange id T#1..T#120 appears exactly once, in order", () => {
    const ids = committed.sections.flatMap((s) => s.exchanges.flatMap((e) => (e.id ? [e.id] : [])));
    assert.deepEqual(
      ids,
      Array.from({ length: 120 }, (_, i) => `T#${i + 1}`),
    );
  });

  test("the committed capture and its Markdown rendering equal a fresh capture (they cannot go stale)", async () => {
    const fresh = await captureTwoFactor();
    assert.equal(fresh.json, committedJson);
    assert.equal(fresh.markdown, readFileSync(TWO_FACTOR_MARKDOWN_PATH, "utf8"));
  });
});
