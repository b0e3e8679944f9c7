/**
 * ARCHITECTURE.md's request walks name real code: every row of a walk table (`| step | file | function |`)
 * points at a file that exists and defines or declares that function there, so the walks cannot drift
 * from the code unnoticed. Also: every reference to the wire spec in a comment or in docs/*.md names a section that
 * docs/wire-protocol.md has.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readFileSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";

const root = join(import.meta.dirname, "..", "..");
const read = (path: string) => readFileSync(join(root, path), "utf8");

/** Rows of every table whose header is exactly | step | file | function |. */
function walkRows(markdown: string): { step: string; file: string; fn: string }[] {
  const rows: { step: string; file: string; fn: string }[] = [];
  let inWalk = false;
  for (const line of markdown.split("\n")) {
    const cells = line.trim().startsWith("|")
      ? line
          .trim()
          .slice(1, -1)
          .split("|")
          .map((c) => c.trim())
      : null;
    if (cells === null) {
      inWalk = false;
      continue;
    }
    if (cells.join("|") === "step|file|function") {
      inWalk = true;
      continue;
    }
    if (!inWalk || cells.every((c) => /^-+$/.test(c))) continue;
    rows.push({ step: cells[0], file: cells[1].replace(/`/g, ""), fn: cells[2].replace(/`/g, "").replace(/\(\)$/, "") });
  }
  return rows;
}

/** A definition of `name` in TypeScript source: function, method, property, class or exported const. */
function defines(source: string, name: string): boolean {
  const member = name.includes(".") ? name.split(".").at(-1)! : name;
  const n = member.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  return new RegExp(`(function\\s+${n}\\b|\\b${n}\\s*[(:=<]|class\\s+${n}\\b|\\basync\\s+${n}\\s*\\()`).test(source);
}

test("every step of ARCHITECTURE.md's walks names a function that exists in the file it names", () => {
  const rows = walkRows(read("ARCHITECTURE.md"));
  assert.ok(rows.length >= 10, `expected the walk tables, found ${rows.length} rows`);
  const missing = rows.filter(({ file, fn }) => !existsSync(join(root, file)) || !defines(read(file), fn));
  assert.deepEqual(missing, [], "walk rows whose file or function does not exist");
});

function sourceFiles(dir: string): string[] {
  return readdirSync(join(root, dir)).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(join(root, path)).isDirectory()) return sourceFiles(path);
    return path.endsWith(".ts") && !path.endsWith(".generated.ts") ? [path] : [];
  });
}

test("comments cite wire-spec sections that docs/wire-protocol.md has, and no file outside the repo", (t) => {
  const headings = new Set<string>();
  let section = "";
  for (const line of read("docs/wire-protocol.md").split("\n")) {
    const m = /^#{2,3} (\d+(?:\.\d+)?)\.? /.exec(line);
    if (m) {
      headings.add(m[1]);
      section = m[1];
      continue;
    }
    // Numbered list items of a section count as its subsections ("spec 10.5" is item 5 of section 10).
    const item = /^(\d+)\. /.exec(line);
    if (item && /^\d+$/.test(section)) headings.add(`${section}.${item[1]}`);
  }
  const bad: string[] = [];
  let checked = 0;
  const docs = readdirSync(join(root, "docs"))
    .filter((name) => name.endsWith(".md"))
    .map((name) => `docs/${name}`);
  for (const file of [...["src", "test", "bench", "example"].flatMap(sourceFiles), ...docs]) {
    const text = read(file);
    // "spec 4.1", "spec section 6", and every number of a list: "wire spec 5.4, 2.3", "spec 5.1 and 5.3"
    for (const m of text.matchAll(/\bspec(?: section)? (\d+(?:\.\d+)?(?:(?:, | and | \/ |\/)\d+(?:\.\d+)?)*)/gi)) {
      for (const n of m[1].split(/, | and | \/ |\//)) {
        checked++;
        if (!headings.has(n)) bad.push(`${file}: spec ${n}`);
      }
    }
    for (const m of text.matchAll(/\b(DESIGN\.md|STYLE\.md|shared\/spec)/g)) bad.push(`${file}: ${m[1]}`);
  }
  t.diagnostic(`${checked} wire-spec references checked`);
  assert.deepEqual(bad, []);
});
