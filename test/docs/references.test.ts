/**
 * Every reference the repo makes to itself resolves: the captured-exchange ids ("T#n") that comments
 * and test names cite exist in docs/transcripts/two-factor.json, and every repo path a comment or a
 * doc names (src/..., docs/..., a Markdown link) exists. Wire-spec section numbers are checked by
 * test/docs/architecture.test.ts (against docs/wire-protocol.md's headings), not again here.
 *
 * Comments are found with the TypeScript parser (so a "//" inside a string or a regular expression is
 * not taken for one); T#n ids are looked for in the whole source text, since test names cite them too.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readFileSync, readdirSync, statSync } from "node:fs";
import { dirname, join } from "node:path";
import ts from "typescript";

const root = join(import.meta.dirname, "..", "..");
const read = (path: string) => readFileSync(join(root, path), "utf8");
const SELF = "test/docs/references.test.ts";

/** Generated or vendored text that is not the repo talking about itself. */
const SKIP = new Set(["node_modules", "dist", ".git", "test-artifacts", "web"]);

function files(dir: string, keep: (path: string) => boolean): string[] {
  if (!existsSync(join(root, dir))) return [];
  return readdirSync(join(root, dir)).flatMap((name) => {
    if (SKIP.has(name)) return [];
    const path = join(dir, name);
    if (statSync(join(root, path)).isDirectory()) return files(path, keep);
    return keep(path) ? [path] : [];
  });
}

const sources = ["src", "test", "scripts", "bench", "example"].flatMap((d) =>
  files(d, (p) => /\.(ts|mts|mjs)$/.test(p) && !p.endsWith(".generated.ts") && !p.endsWith(".d.ts")),
);
const markdown = [
  ...files("docs", (p) => p.endsWith(".md") && p !== "docs/transcripts/two-factor.md"),
  ...["ARCHITECTURE.md", "README.md"].filter((p) => existsSync(join(root, p))),
];

/** The text of every comment in a TypeScript or JavaScript file. */
function comments(path: string): string[] {
  const text = read(path);
  const file = ts.createSourceFile(path, text, ts.ScriptTarget.Latest, false, ts.ScriptKind.TS);
  const seen = new Set<number>();
  const out: string[] = [];
  const collect = (ranges: ts.CommentRange[] | undefined) => {
    for (const r of ranges ?? []) {
      if (seen.has(r.pos)) continue;
      seen.add(r.pos);
      out.push(text.slice(r.pos, r.end));
    }
  };
  const visit = (node: ts.Node) => {
    collect(ts.getLeadingCommentRanges(text, node.getFullStart()));
    collect(ts.getTrailingCommentRanges(text, node.getEnd()));
    node.forEachChild(visit);
  };
  visit(file);
  collect(ts.getLeadingCommentRanges(text, file.endOfFileToken.getFullStart()));
  return out;
}

const transcriptIds = new Set<string>();
for (const name of ["two-factor.json", "account.json"]) {
  const doc = JSON.parse(read(`docs/transcripts/${name}`)) as { sections: { exchanges: { id?: string }[] }[] };
  for (const s of doc.sections) for (const e of s.exchanges) if (e.id) transcriptIds.add(e.id);
}

/** T#n ids, with ranges ("T#3-T#11", "T#3-11") expanded. */
function ids(text: string): string[] {
  const out: string[] = [];
  for (const m of text.matchAll(/\bT#(\d+)(?:\s*[-–]\s*(?:T#)?(\d+))?/g)) {
    const from = Number(m[1]);
    const to = m[2] ? Number(m[2]) : from;
    for (let n = from; n <= to; n++) out.push(`T#${n}`);
  }
  return out;
}

const PATH = /(?<![\w./@-])((?:src|docs|test|scripts|bench|example|assembly)\/[\w./*-]*[\w*])/g;

/** Whether a repo path exists; a glob ("src/plugins/**") counts when its directory part does. */
function exists(path: string, from = root): boolean {
  const plain = path.split("*")[0];
  return existsSync(join(from, plain));
}

test("the transcripts have ids to check against", () => {
  assert.ok(transcriptIds.has("T#1") && transcriptIds.has("T#120"), "docs/transcripts/two-factor.json carries T#1..T#120");
});

test("every T#n that a comment, test name or doc cites is an exchange in docs/transcripts/", (t) => {
  const dangling: string[] = [];
  let checked = 0;
  for (const path of [...sources.filter((p) => p !== SELF), ...markdown]) {
    for (const id of ids(read(path))) {
      checked++;
      if (!transcriptIds.has(id)) dangling.push(`${path}: ${id}`);
    }
  }
  t.diagnostic(`${checked} T#n references checked`);
  assert.ok(checked > 50, `expected the code's transcript references, found ${checked}`);
  assert.deepEqual(dangling, [], "T#n references with no such exchange in docs/transcripts/");
});

test("every repo path a comment or doc names exists", (t) => {
  const dangling: string[] = [];
  let checked = 0;
  for (const path of sources.filter((p) => p !== SELF)) {
    for (const text of comments(path)) {
      for (const m of text.matchAll(PATH)) {
        checked++;
        if (!exists(m[1].replace(/\.$/, ""))) dangling.push(`${path}: ${m[1]}`);
      }
      // "../adapters/types.ts": relative to the file that says it ("./x" is left alone: in comments
      // it names package export keys such as "./package.json", not files)
      for (const m of text.matchAll(/(?<![\w./-])((?:\.\.\/)+[\w./-]*\.(?:ts|mjs|md|json))\b/g)) {
        checked++;
        if (!exists(m[1], join(root, dirname(path)))) dangling.push(`${path}: ${m[1]}`);
      }
    }
  }
  for (const path of markdown) {
    const text = read(path);
    for (const m of text.matchAll(PATH)) {
      checked++;
      if (!exists(m[1].replace(/\.$/, ""))) dangling.push(`${path}: ${m[1]}`);
    }
    // relative Markdown links, resolved from the document's folder
    for (const m of text.matchAll(/\]\(([^)\s#]+)(?:#[^)]*)?\)/g)) {
      if (/^[a-z]+:/i.test(m[1])) continue;
      checked++;
      if (!exists(m[1], join(root, dirname(path)))) dangling.push(`${path}: link ${m[1]}`);
    }
  }
  t.diagnostic(`${checked} path references checked`);
  assert.ok(checked > 20, `expected path references, found ${checked}`);
  assert.deepEqual(dangling, [], "paths named in comments and docs that do not exist");
});
