/**
 * Finding and loading the application's auth config for the `kernia` command. The config is the
 * app's own module that calls `init()`: its default export, or its named export `auth`, is the
 * Kernia instance, so the CLI reads the exact schema and adapter the app runs with.
 */
import { existsSync } from "node:fs";
import { extname, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import type { Adapter, Schema } from "../adapters/types.js";

/** Looked up in the working directory, in this order, when --config is not given. */
export const DEFAULT_CONFIGS = ["auth.ts", "auth.js", "auth.mjs"];

const TYPESCRIPT = new Set([".ts", ".mts", ".cts"]);

/** A failure the user can fix (missing file, bad export); printed without a stack trace. */
export class ConfigError extends Error {
  override readonly name = "ConfigError";
}

/** The part of a Kernia instance the CLI needs. */
export interface LoadedAuth {
  path: string;
  schema: Schema;
  database: Adapter | undefined;
}

export function findConfig(cwd: string, given: string | undefined): string {
  if (given !== undefined) {
    const path = resolve(cwd, given);
    if (!existsSync(path)) throw new ConfigError(`config not found: ${path}`);
    return path;
  }
  for (const name of DEFAULT_CONFIGS) {
    const path = resolve(cwd, name);
    if (existsSync(path)) return path;
  }
  throw new ConfigError(`no auth config found: looked for ${DEFAULT_CONFIGS.join(", ")} in ${cwd}; pass --config <path>`);
}

/** How a TypeScript config gets a loader; injectable so the "tsx missing" path is testable. */
export type TsLoader = () => Promise<void>;

/** Registers tsx's ESM loader (tsx/esm/api, tsx >= 4) so `import()` of a .ts config works. */
export const tsxLoader: TsLoader = async () => {
  let api: { register: () => unknown };
  try {
    api = (await import("tsx/esm/api")) as { register: () => unknown };
  } catch {
    throw new ConfigError("the config is TypeScript but tsx is not installed: run `npm i -D tsx`, or use a .js/.mjs config");
  }
  api.register();
};

function isAdapter(v: unknown): v is Adapter {
  return typeof v === "object" && v !== null && typeof (v as Adapter).bind === "function" && typeof (v as Adapter).name === "string";
}

/** Kernia-shaped: `{ options, context: { schema } }`, as returned by init(). */
function asAuth(v: unknown): { options: { database?: unknown }; context: { schema: Schema } } | undefined {
  if (typeof v !== "object" || v === null) return undefined;
  const { options, context } = v as { options?: unknown; context?: { schema?: unknown } };
  if (typeof options !== "object" || options === null) return undefined;
  if (typeof context !== "object" || context === null || typeof context.schema !== "object" || context.schema === null) return undefined;
  return v as { options: { database?: unknown }; context: { schema: Schema } };
}

export async function loadAuth(path: string, tsLoader: TsLoader = tsxLoader): Promise<LoadedAuth> {
  if (TYPESCRIPT.has(extname(path))) await tsLoader();
  let mod: Record<string, unknown>;
  try {
    mod = (await import(pathToFileURL(path).href)) as Record<string, unknown>;
  } catch (e) {
    throw new ConfigError(`could not load ${path}: ${e instanceof Error ? e.message : String(e)}`);
  }
  const auth = asAuth(mod.auth) ?? asAuth(mod.default);
  if (auth === undefined) {
    throw new ConfigError(`${path} must export a Kernia instance (the result of init()) as its default export or as \`auth\``);
  }
  const database = auth.options.database;
  if (database !== undefined && !isAdapter(database)) throw new ConfigError(`${path}: options.database is not a Kernia adapter`);
  return { path, schema: auth.context.schema, database };
}
