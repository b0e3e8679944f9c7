/**
 * The `kernia` command: argument parsing and the `generate` command. Exit codes: 0 done, 1 error
 * (config or database), 2 usage. Separate from the bin file so tests can call it in-process.
 */
import { ConfigError, DEFAULT_CONFIGS, findConfig, loadAuth, tsxLoader, type TsLoader } from "./config.js";

export const USAGE = `Usage: kernia <command> [options]

Commands:
  generate    Create the collections, validators and indexes the auth schema needs.
              Idempotent: existing ones are reported as found and left alone; a TTL
              index with another expiry is fixed in place; an existing index that
              cannot do its job stops generate before any write, with the command
              to run.

Options:
  --config <path>  Module whose default export (or export \`auth\`) is the Kernia
                   instance from init(). Default: ${DEFAULT_CONFIGS.join(", then ")} in the
                   working directory. TypeScript configs need tsx installed.
  --dry-run        Print what generate would create; write nothing.
  --offline        With --dry-run: do not contact the database; print the plan
                   for an empty database.
  -h, --help       Show this help.
`;

export interface Io {
  out: (line: string) => void;
  err: (line: string) => void;
  cwd: string;
  tsLoader?: TsLoader;
}

class UsageError extends Error {}

interface Parsed {
  command: "generate" | "help";
  config?: string;
  dryRun: boolean;
  offline: boolean;
}

function parse(argv: readonly string[]): Parsed {
  if (argv.length === 0) throw new UsageError("missing command");
  if (argv.includes("-h") || argv.includes("--help") || argv[0] === "help") return { command: "help", dryRun: false, offline: false };
  const [command, ...rest] = argv;
  if (command !== "generate") throw new UsageError(`unknown command "${command}"`);
  const parsed: Parsed = { command, dryRun: false, offline: false };
  for (let i = 0; i < rest.length; i++) {
    const arg = rest[i];
    if (arg === "--dry-run") parsed.dryRun = true;
    else if (arg === "--offline") parsed.offline = true;
    else if (arg === "--config" || arg.startsWith("--config=")) {
      const value = arg === "--config" ? rest[++i] : arg.slice("--config=".length);
      if (value === undefined || value === "" || value.startsWith("--")) throw new UsageError("--config needs a path");
      if (parsed.config !== undefined) throw new UsageError("--config given twice");
      parsed.config = value;
    } else throw new UsageError(`unknown option "${arg}"`);
  }
  if (parsed.offline && !parsed.dryRun)
    throw new UsageError("--offline only works with --dry-run (nothing can be written without a database)");
  return parsed;
}

export async function main(argv: readonly string[], io: Io): Promise<number> {
  let parsed: Parsed;
  try {
    parsed = parse(argv);
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    io.err(`kernia: ${e.message}\n`);
    io.err(USAGE);
    return 2;
  }
  if (parsed.command === "help") {
    io.out(USAGE);
    return 0;
  }
  try {
    const path = findConfig(io.cwd, parsed.config);
    const { schema, database } = await loadAuth(path, io.tsLoader ?? tsxLoader);
    const models = Object.keys(schema).length;
    if (database === undefined || database.generate === undefined) {
      const name = database?.name ?? "memory (the default)";
      io.out(`kernia generate: adapter ${name} keeps no schema, nothing to generate (${models} models)`);
      return 0;
    }
    const mode = parsed.offline
      ? " (offline dry run: the plan for an empty database, nothing is read or written)"
      : parsed.dryRun
        ? " (dry run: nothing is written)"
        : "";
    io.out(`kernia generate: ${models} models, adapter ${database.name}${mode}`);
    await database.generate(schema, { dryRun: parsed.dryRun, offline: parsed.offline, log: (line) => io.out(`  ${line}`) });
    io.out(parsed.dryRun ? "kernia generate: dry run done" : "kernia generate: done");
    return 0;
  } catch (e) {
    if (e instanceof ConfigError) io.err(`kernia: ${e.message}`);
    else if (e instanceof Error && (e.name === "StoreUnavailableError" || e.name === "GenerateConflictError")) {
      // Expected failures with their own clear text: one line (or the conflict list), no stack trace.
      io.err(
        e.name === "StoreUnavailableError"
          ? `kernia: generate failed: cannot reach the database: ${(e.cause as Error | undefined)?.message ?? e.message}`
          : `kernia: ${e.message.replace(/^kernia generate: /, "generate: ")}`,
      );
    } else io.err(`kernia: generate failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
    return 1;
  }
}
