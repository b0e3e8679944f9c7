/**
 * `kernia generate`: the bin run as a child process (node --import tsx src/cli/index.ts) against
 * fixture configs whose adapter records each generate call, plus in-process checks of argument parsing.
 * The real-MongoDB side of generate (idempotence, dry run writing nothing) is in test/store/mongodb.test.ts.
 */
import { describe, test, before, after } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import { main, USAGE } from "../../src/cli/main.js";
import { ConfigError } from "../../src/cli/config.js";
import type { Document } from "mongodb";

const root = resolve(import.meta.dirname, "../..");
const cli = join(root, "src/cli/index.ts");
// Resolved here: --import resolves bare names from the child's working directory, a temp dir.
const tsx = import.meta.resolve("tsx");
const fixture = (name: string) => join(root, "test/cli/fixtures", name);

let work: string;
let record: string;
before(() => {
  work = mkdtempSync(join(tmpdir(), "kernia-cli-"));
  record = join(work, "calls.jsonl");
});
after(() => rmSync(work, { recursive: true, force: true }));

interface Run {
  code: number;
  stdout: string;
  stderr: string;
  calls: { models: string[]; dryRun: boolean | null }[];
}

async function kernia(args: string[], options: { cwd?: string; env?: Record<string, string> } = {}): Promise<Run> {
  writeFileSync(record, "");
  let code = 0;
  let stdout = "";
  let stderr = "";
  try {
    ({ stdout, stderr } = await promisify(execFile)(process.execPath, ["--import", tsx, cli, ...args], {
      cwd: options.cwd ?? work,
      env: { ...process.env, KERNIA_CLI_RECORD: record, NODE_ENV: "test", ...options.env },
    }));
  } catch (e) {
    const failed = e as { code?: number; stdout: string; stderr: string };
    code = typeof failed.code === "number" ? failed.code : -1;
    ({ stdout, stderr } = failed);
  }
  const calls = readFileSync(record, "utf8")
    .split("\n")
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Run["calls"][number]);
  return { code, stdout, stderr, calls };
}

describe("kernia generate (child process)", () => {
  test("calls the adapter's generate once with the schema and prints its lines", async () => {
    const r = await kernia(["generate", "--config", fixture("recording.mjs")]);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(r.calls, [{ models: ["user", "session"], dryRun: false }]);
    assert.equal(r.stdout, "kernia generate: 2 models, adapter recording\n  created user\n  created session\nkernia generate: done\n");
    assert.equal(r.stderr, "");
  });

  test("--dry-run passes dryRun: true and says nothing is written", async () => {
    const r = await kernia(["generate", `--config=${fixture("recording.mjs")}`, "--dry-run"]);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(r.calls, [{ models: ["user", "session"], dryRun: true }]);
    assert.match(r.stdout, /dry run: nothing is written/);
    assert.match(r.stdout, /would create user/);
  });

  test("a TypeScript config built with the real init(), exported as `auth`, loads through tsx", async () => {
    const r = await kernia(["generate", "--config", fixture("real-init.ts")]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.calls.length, 1);
    for (const model of ["user", "session", "account"]) assert.ok(r.calls[0].models.includes(model), r.calls[0].models.join(","));
    assert.match(r.stdout, /adapter recording-ts/);
  });

  test("without --config, auth.ts is preferred to auth.js and auth.mjs in the working directory", async () => {
    const dir = mkdtempSync(join(work, "cwd-"));
    copyFileSync(fixture("recording.mjs"), join(dir, "auth.mjs"));
    const mjs = await kernia(["generate"], { cwd: dir });
    assert.equal(mjs.code, 0, mjs.stderr);
    assert.equal(mjs.calls.length, 1);
    // auth.ts wins once present: its adapter name (from the env) shows which file was loaded.
    copyFileSync(fixture("recording.mjs"), join(dir, "auth.ts"));
    const ts = await kernia(["generate"], { cwd: dir, env: { KERNIA_CLI_ADAPTER_NAME: "from-auth-ts" } });
    assert.equal(ts.code, 0, ts.stderr);
    assert.match(ts.stdout, /adapter from-auth-ts/);
  });

  test("no config in the working directory: exit 1 naming the files looked for", async () => {
    const empty = mkdtempSync(join(work, "empty-"));
    const r = await kernia(["generate"], { cwd: empty });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /no auth config found: looked for auth\.ts, auth\.js, auth\.mjs/);
    assert.deepEqual(r.calls, []);
  });

  test("a failing generate exits 1 with the adapter's error", async () => {
    const r = await kernia(["generate", "--config", fixture("failing.mjs")]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /generate failed: Error: cannot reach database/);
  });

  test("usage errors exit 2 with the usage text on stderr; --help exits 0 with it on stdout", async () => {
    const none = await kernia([]);
    assert.equal(none.code, 2);
    assert.match(none.stderr, /kernia: missing command/);
    assert.ok(none.stderr.includes(USAGE));
    const help = await kernia(["--help"]);
    assert.equal(help.code, 0);
    assert.equal(help.stdout, USAGE);
  });
});

describe("kernia generate against the real MongoDB adapter (no server)", () => {
  /** A local port where nothing listens: bound, then released. */
  const closedPort = async (): Promise<number> => {
    const { createServer } = await import("node:net");
    const server = createServer();
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const port = (server.address() as { port: number }).port;
    await new Promise<void>((r) => server.close(() => r()));
    return port;
  };

  test("--dry-run --offline prints the full plan without contacting the database", async () => {
    const port = await closedPort();
    const started = Date.now();
    const r = await kernia(["generate", "--config", fixture("mongo.ts"), "--dry-run", "--offline"], {
      env: { KERNIA_TEST_MONGO_URI: `mongodb://127.0.0.1:${port}/?directConnection=true` },
    });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /offline dry run/);
    assert.match(r.stdout, /would create collection user \(validator: \d+ fields\)/);
    assert.match(r.stdout, /would create index user\.email \(unique email\)/);
    assert.match(r.stdout, /would create index session\.token \(unique token\)/);
    assert.match(r.stdout, /would create index twoFactor\.userId \(unique userId\)/);
    assert.match(r.stdout, /would create index twoFactorConfirmation\.expiresAt \(TTL expiresAt\)/);
    assert.match(r.stdout, /kernia generate: dry run done/);
    assert.ok(Date.now() - started < 4000 + 15_000, "no server selection wait");
  });

  test("an unreachable database fails within the operation time limit with one line, no stack trace", async () => {
    const port = await closedPort();
    const started = Date.now();
    const r = await kernia(["generate", "--config", fixture("mongo.ts")], {
      env: { KERNIA_TEST_MONGO_URI: `mongodb://127.0.0.1:${port}/?directConnection=true` },
    });
    const elapsed = Date.now() - started;
    assert.equal(r.code, 1);
    assert.match(r.stderr, /^kernia: generate failed: cannot reach the database: /);
    assert.equal(r.stderr.trim().split("\n").length, 1, r.stderr);
    assert.doesNotMatch(r.stderr, /\n\s+at /);
    // The adapter's default 5 s time limit, plus the child's start-up (tsx compiling the config) on a loaded machine.
    assert.ok(elapsed < 5000 + 20_000, `took ${elapsed} ms`);
  });

  test("against a mongod stand-in (real driver commands): creates, then finds; a stale index stops it with the command to run", async () => {
    const { WireServer } = await import("../store/wire-server.js");
    const { buildSchema } = await import("../../src/auth/schema.js");
    const { twoFactor } = await import("../../src/plugins/two-factor/index.js");
    const server = new WireServer(buildSchema([twoFactor()]), Date.now);
    const uri = await server.start();
    try {
      const env = { KERNIA_TEST_MONGO_URI: uri };
      const first = await kernia(["generate", "--config", fixture("mongo.ts")], { env });
      assert.equal(first.code, 0, first.stderr);
      const lines = first.stdout.split("\n").filter((l) => l.startsWith("  "));
      assert.ok(lines.length > 10 && lines.every((l) => l.startsWith("  created ")), first.stdout);
      const created = server.recorded
        .filter((r) => r.name === "createIndexes")
        .flatMap((r) => (r.command.indexes as Document[]).map((ix) => [r.collection, ix] as const));
      const email = created.find(([c, ix]) => c === "user" && ix.key.email === 1)![1];
      assert.equal(email.unique, true);
      assert.equal(email.partialFilterExpression, undefined, "a required unique field: plain unique index");
      assert.deepEqual(created.find(([c, ix]) => c === "twoFactorConfirmation" && ix.key.expiresAt === 1)![1].expireAfterSeconds, 0);

      const second = await kernia(["generate", "--config", fixture("mongo.ts")], { env });
      assert.equal(second.code, 0, second.stderr);
      assert.ok(
        second.stdout
          .split("\n")
          .filter((l) => l.startsWith("  "))
          .every((l) => l.startsWith("  found ")),
        second.stdout,
      );

      // What an earlier version made for user.email: a $type-partial unique index, never used by plain equalities.
      const user = server.catalog.get("kernia_cli_fixture")!.get("user")!;
      user.indexes.find((ix) => ix.key.email === 1)!.partialFilterExpression = { email: { $type: "string" } };
      const writesBefore = server.recorded.filter((r) => ["create", "createIndexes", "collMod"].includes(r.name)).length;
      const stale = await kernia(["generate", "--config", fixture("mongo.ts")], { env });
      assert.equal(stale.code, 1);
      assert.match(stale.stderr, /kernia_email_unique on user\.email has partial filter/);
      assert.match(stale.stderr, /db\.getCollection\("user"\)\.dropIndex\("kernia_email_unique"\)/);
      assert.doesNotMatch(stale.stderr, /\n\s+at /);
      assert.equal(
        server.recorded.filter((r) => ["create", "createIndexes", "collMod"].includes(r.name)).length,
        writesBefore,
        "nothing written",
      );
    } finally {
      await server.stop();
    }
  });

  test("--offline without --dry-run is a usage error", async () => {
    const r = await kernia(["generate", "--offline"]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /--offline only works with --dry-run/);
  });
});

describe("kernia main (in process)", () => {
  const run = async (argv: string[], tsLoader?: () => Promise<void>) => {
    const out: string[] = [];
    const err: string[] = [];
    const code = await main(argv, { out: (l) => out.push(l), err: (l) => err.push(l), cwd: root, tsLoader });
    return { code, out: out.join("\n"), err: err.join("\n") };
  };

  for (const [argv, message] of [
    [["migrate"], /unknown command "migrate"/],
    [["generate", "--force"], /unknown option "--force"/],
    [["generate", "--config"], /--config needs a path/],
    [["generate", "--config", "--dry-run"], /--config needs a path/],
    [["generate", "--config=a.mjs", "--config=b.mjs"], /--config given twice/],
  ] as const) {
    test(`usage error: ${argv.join(" ")}`, async () => {
      const r = await run([...argv]);
      assert.equal(r.code, 2);
      assert.match(r.err, message);
      assert.match(r.err, /Usage: kernia/);
    });
  }

  test("the default memory adapter needs no generation", async () => {
    const r = await run(["generate", "--config", fixture("memory.mjs")]);
    assert.equal(r.code, 0);
    assert.match(r.out, /adapter memory \(the default\) keeps no schema, nothing to generate \(1 models\)/);
  });

  test("a module that is not a Kernia instance is a config error", async () => {
    const r = await run(["generate", "--config", fixture("not-kernia.mjs")]);
    assert.equal(r.code, 1);
    assert.match(r.err, /must export a Kernia instance \(the result of init\(\)\) as its default export or as `auth`/);
  });

  test("a missing --config file is a config error", async () => {
    const r = await run(["generate", "--config", "no/such/auth.mjs"]);
    assert.equal(r.code, 1);
    assert.match(r.err, /config not found: .*no\/such\/auth\.mjs/);
  });

  test("only TypeScript configs go through the TypeScript loader, and its failure is reported", async () => {
    let loads = 0;
    const counting = async () => void loads++;
    assert.equal((await run(["generate", "--config", fixture("memory.mjs")], counting)).code, 0);
    assert.equal(loads, 0);
    const noTsx = async () => {
      throw new ConfigError("the config is TypeScript but tsx is not installed: run `npm i -D tsx`, or use a .js/.mjs config");
    };
    const r = await run(["generate", "--config", fixture("real-init.ts")], noTsx);
    assert.equal(r.code, 1);
    assert.match(r.err, /tsx is not installed/);
  });
});
