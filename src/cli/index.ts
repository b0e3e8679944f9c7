#!/usr/bin/env node
/**
 * Bin entry of `kernia` (package.json "bin" -> dist/cli/index.js).
 * Exits explicitly: the app's config may hold open connections (a MongoClient) that would keep the
 * process alive after generate is done. Pipe writes can be asynchronous, so it exits only once both
 * streams have flushed what was printed.
 */
import { main } from "./main.js";

function exit(code: number): void {
  process.stdout.write("", () => process.stderr.write("", () => process.exit(code)));
}

main(process.argv.slice(2), {
  out: (line) => process.stdout.write(line.endsWith("\n") ? line : `${line}\n`),
  err: (line) => process.stderr.write(line.endsWith("\n") ? line : `${line}\n`),
  cwd: process.cwd(),
}).then(exit, (e: unknown) => {
  process.stderr.write(`kernia: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  exit(1);
});
