/**
 * The package as an app receives it: `npm pack` the repository, install the tarball offline into a
 * throwaway CommonJS app (what `npm init -y` makes: no "type") and a throwaway ES module app, and in
 * each run the README's quick start (memory store, sign up, sign in, get-session through
 * `auth.handler`, then the same sign-in through `toNodeHandler` on node:http), load every subpath the
 * exports map lists with that app's own `require` or `import`, and type-check a TypeScript file of the
 * app's module kind against the installed declarations.
 *
 * Needs the build (`npm run build`): it packs dist/ as it is, with `--ignore-scripts` so packing does not
 * rebuild the worktree. No network: npm installs a local tarball with `--offline`; the package has no
 * dependencies, and its optional peer (mongodb) is not needed to load `kernia/adapters/mongodb`.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";

const run = promisify(execFile);
const root = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");
const tsc = join(root, "node_modules", "typescript", "bin", "tsc");
const typeRoots = join(root, "node_modules", "@types");

type Conditions = { types: string; default: string };
type ExportEntry = string | { import: Conditions; require: Conditions };

const pkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as { exports: Record<string, ExportEntry> };
/** Every code subpath: `kernia`, `kernia/express`, ... (not ./package.json). */
const subpaths = Object.keys(pkg.exports)
  .filter((key) => key !== "./package.json")
  .map((key) => (key === "." ? "kernia" : `kernia/${key.slice(2)}`));

let work = "";
let tarball = "";

async function npm(args: string[], cwd: string): Promise<string> {
  const { stdout } = await run("npm", args, {
    cwd,
    env: { ...process.env, npm_config_update_notifier: "false", npm_config_fund: "false", npm_config_audit: "false" },
    maxBuffer: 16 * 1024 * 1024,
  });
  return stdout;
}

async function makeApp(name: string, type: "commonjs" | "module" | null): Promise<string> {
  const dir = join(work, name);
  mkdirSync(dir);
  // What `npm init -y` writes, minus fields that do not matter here; a CommonJS app has no "type".
  const manifest: Record<string, unknown> = { name, version: "1.0.0", private: true };
  if (type) manifest.type = type;
  writeFileSync(join(dir, "package.json"), `${JSON.stringify(manifest, null, 2)}\n`);
  await npm(["install", tarball, "--offline", "--no-audit", "--no-fund", "--ignore-scripts", "--loglevel=error"], dir);
  assert.ok(existsSync(join(dir, "node_modules", "kernia", "package.json")), `kernia installed into ${name}`);
  // kernia/otplib's optional peer, as an otplib user's app has it (the registry is not used here).
  mkdirSync(join(dir, "node_modules", "@otplib"), { recursive: true });
  symlinkSync(join(root, "node_modules", "@otplib", "core"), join(dir, "node_modules", "@otplib", "core"), "dir");
  return dir;
}

/** The quick start, written once; `load` is the app's own way of loading a subpath. */
function quickStart(load: (specifier: string) => string): string {
  return `
const http = ${load("node:http")};
const { init, APIError } = ${load("kernia")};
const { memoryAdapter } = ${load("kernia/adapters/memory")};
const { twoFactor } = ${load("kernia/plugins/two-factor")};
const { username } = ${load("kernia/plugins/username")};
const { toNodeHandler } = ${load("kernia/express")};
const { totp } = ${load("kernia/crypto")};

const baseURL = "http://localhost:3000";
const auth = init({
  database: memoryAdapter(),
  secret: "a-test-secret-of-at-least-32-characters!",
  baseURL,
  plugins: [username(), twoFactor()],
});
const post = (path, body, headers = {}) =>
  auth.handler(new Request(baseURL + "/api/auth" + path, {
    method: "POST",
    headers: { "content-type": "application/json", origin: baseURL, ...headers },
    body: JSON.stringify(body),
  }));
const sessionCookie = (response) =>
  response.headers.getSetCookie().map((line) => line.split(";")[0]).find((pair) => pair.startsWith("better-auth.session_token="));

async function main() {
  const person = { name: "Ada", email: "ada@example.com", password: "analytical-engine", username: "ada_l" };
  const signUp = await post("/sign-up/email", person);
  const signIn = await post("/sign-in/username", { username: person.username, password: person.password });
  const signInBody = await signIn.json();
  const session = await auth.handler(new Request(baseURL + "/api/auth/get-session", { headers: { cookie: sessionCookie(signIn) } }));
  const sessionBody = await session.json();

  // The same instance behind node:http, as in the README's server.ts.
  const server = http.createServer(toNodeHandler(auth));
  await new Promise((done) => server.listen(0, "127.0.0.1", done));
  const url = "http://127.0.0.1:" + server.address().port;
  const overHttp = await fetch(url + "/api/auth/sign-in/email", {
    method: "POST",
    headers: { "content-type": "application/json", origin: baseURL },
    body: JSON.stringify({ email: person.email, password: person.password }),
  });
  server.close();

  let apiError = null;
  try {
    await auth.api.signInEmail({ body: { email: person.email, password: "wrong-password" } });
  } catch (error) {
    apiError = { isAPIError: error instanceof APIError, code: error.body && error.body.code };
  }

  // The WASM core, instantiated from the embedded bytes in this module system: RFC 6238 appendix B, SHA-1, T = 59 s.
  const rfc6238 = totp(new TextEncoder().encode("12345678901234567890"), { time: 59000, digits: 8 });

  const modules = {};
  for (const specifier of ${JSON.stringify(subpaths)}) modules[specifier] = Object.keys(await LOAD_DYNAMIC(specifier)).sort();

  console.log(JSON.stringify({
    signUp: signUp.status,
    signIn: signIn.status,
    signInUser: signInBody.user && signInBody.user.username,
    session: session.status,
    sessionEmail: sessionBody && sessionBody.user.email,
    overHttp: overHttp.status,
    overHttpCookie: overHttp.headers.getSetCookie().some((line) => line.startsWith("better-auth.session_token=")),
    apiError,
    rfc6238,
    modules,
  }));
}
main().catch((error) => { console.error(error); process.exit(1); });
`;
}

interface Outcome {
  signUp: number;
  signIn: number;
  signInUser: string;
  session: number;
  sessionEmail: string;
  overHttp: number;
  overHttpCookie: boolean;
  apiError: { isAPIError: boolean; code: string } | null;
  rfc6238: string;
  modules: Record<string, string[]>;
}

/** The names each subpath exports, read from this repository's ES module build: what both apps must see. */
async function expectedExports(): Promise<Record<string, string[]>> {
  const out: Record<string, string[]> = {};
  for (const specifier of subpaths) {
    const key = specifier === "kernia" ? "." : `./${specifier.slice("kernia/".length)}`;
    const entry = pkg.exports[key] as Exclude<ExportEntry, string>;
    out[specifier] = Object.keys(await import(join(root, entry.import.default))).sort();
  }
  return out;
}

async function runNode(dir: string, file: string): Promise<Outcome> {
  const { stdout } = await run(process.execPath, [file], { cwd: dir, env: { ...process.env, NODE_ENV: "development" } });
  return JSON.parse(stdout.trim().split("\n").pop() ?? "") as Outcome;
}

function assertQuickStart(outcome: Outcome, expected: Record<string, string[]>): void {
  assert.equal(outcome.signUp, 200, "sign-up answers 200");
  assert.equal(outcome.signIn, 200, "sign-in by username answers 200");
  assert.equal(outcome.signInUser, "ada_l");
  assert.equal(outcome.session, 200);
  assert.equal(outcome.sessionEmail, "ada@example.com", "get-session with the sign-in cookie returns the user");
  assert.equal(outcome.overHttp, 200, "sign-in through toNodeHandler on node:http");
  assert.equal(outcome.overHttpCookie, true);
  assert.deepEqual(
    outcome.apiError,
    { isAPIError: true, code: "INVALID_EMAIL_OR_PASSWORD" },
    "auth.api rejects with the APIError class the app loaded",
  );
  assert.equal(outcome.rfc6238, "94287082", "the WASM core runs (RFC 6238 test vector)");
  assert.deepEqual(outcome.modules, expected, "every subpath export loads, with the same names as the ES module build");
}

before(async () => {
  for (const file of ["dist/index.js", "dist/cjs/index.js", "dist/cjs/package.json", "dist/cjs/index.d.ts"]) {
    assert.ok(existsSync(join(root, file)), `${file} is missing: run \`npm run build\` first`);
  }
  work = mkdtempSync(join(tmpdir(), "kernia-pack-"));
  const packed = JSON.parse(
    await npm(["pack", root, "--ignore-scripts", "--json", "--pack-destination", work, "--loglevel=error"], work),
  ) as {
    filename: string;
    files: { path: string }[];
  }[];
  tarball = join(work, packed[0].filename);
  const files = new Set(packed[0].files.map((file) => file.path));
  // Every file the exports map names is in the tarball (a missing one is the ERR_MODULE_NOT_FOUND an app would hit).
  for (const [key, entry] of Object.entries(pkg.exports)) {
    const targets =
      typeof entry === "string" ? [entry] : [entry.import.types, entry.import.default, entry.require.types, entry.require.default];
    for (const target of targets) assert.ok(files.has(target.replace(/^\.\//, "")), `${key}: ${target} is in the tarball`);
  }
  assert.ok(files.has("dist/cjs/package.json"), "dist/cjs/package.json (type commonjs) is in the tarball");
});

after(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

test("every export has the same conditions: import and require, each with types and default", () => {
  for (const [key, entry] of Object.entries(pkg.exports)) {
    if (key === "./package.json") continue;
    assert.equal(typeof entry, "object", key);
    const conditions = entry as Exclude<ExportEntry, string>;
    assert.deepEqual(Object.keys(conditions), ["import", "require"], key);
    for (const kind of ["import", "require"] as const) {
      // "types" first: TypeScript takes the first condition that matches.
      assert.deepEqual(Object.keys(conditions[kind]), ["types", "default"], `${key} ${kind}`);
    }
    assert.ok(conditions.require.default.startsWith("./dist/cjs/"), `${key} require points into dist/cjs`);
  }
});

test("a CommonJS app (npm init -y) runs the quick start with require()", async () => {
  const dir = await makeApp("cjs-app", null);
  writeFileSync(
    join(dir, "index.js"),
    quickStart((s) => `require(${JSON.stringify(s)})`).replace("LOAD_DYNAMIC(specifier)", "require(specifier)"),
  );
  assertQuickStart(await runNode(dir, "index.js"), await expectedExports());

  // Both copies in one process (docs/packaging.md, the dual-package hazard): an instance from the ES
  // module build served by the CommonJS build's toNodeHandler still answers, through its Fetch handler.
  writeFileSync(
    join(dir, "mixed.js"),
    `const http = require("node:http");
const { toNodeHandler } = require("kernia/express");
import("kernia").then(async ({ init }) => {
  const auth = init({ secret: "a-test-secret-of-at-least-32-characters!", baseURL: "http://localhost:3000" });
  const server = http.createServer(toNodeHandler(auth));
  await new Promise((done) => server.listen(0, "127.0.0.1", done));
  const response = await fetch("http://127.0.0.1:" + server.address().port + "/api/auth/sign-up/email", {
    method: "POST",
    headers: { "content-type": "application/json", origin: "http://localhost:3000" },
    body: JSON.stringify({ name: "Ada", email: "ada@example.com", password: "analytical-engine" }),
  });
  server.close();
  console.log(response.status);
});
`,
  );
  const mixed = await run(process.execPath, ["mixed.js"], { cwd: dir, env: { ...process.env, NODE_ENV: "development" } });
  assert.equal(mixed.stdout.trim(), "200");

  // The module really is the CommonJS build (not an ES module reached some other way).
  const { stdout } = await run(process.execPath, ["-p", 'require.resolve("kernia/express")'], { cwd: dir });
  assert.match(stdout.trim(), /node_modules[\\/]kernia[\\/]dist[\\/]cjs[\\/]integrations[\\/]node\.js$/);

  // TypeScript in a CommonJS app: `import` compiles to require(), resolved through the "require" types.
  writeFileSync(
    join(dir, "auth.ts"),
    `import { init, type Kernia } from "kernia";
import { memoryAdapter } from "kernia/adapters/memory";
import { twoFactor } from "kernia/plugins/two-factor";
import { username } from "kernia/plugins/username";
import { phoneNumber } from "kernia/plugins/phone-number";
import { toNodeHandler } from "kernia/express";
import { wasmCrypto } from "kernia/crypto";
import { nodeCrypto } from "kernia/crypto/node";
import { mongodbAdapter } from "kernia/adapters/mongodb";
export const auth: Kernia = init({ database: memoryAdapter(), plugins: [username(), twoFactor(), phoneNumber()], advanced: { crypto: nodeCrypto } });
export const handler = toNodeHandler(auth);
export const code: string = wasmCrypto.totp(new Uint8Array(20), { time: 0 });
export type MongoFactory = typeof mongodbAdapter;
`,
  );
  writeFileSync(
    join(dir, "tsconfig.json"),
    JSON.stringify({
      compilerOptions: {
        module: "nodenext",
        moduleResolution: "nodenext",
        strict: true,
        noEmit: true,
        skipLibCheck: true,
        typeRoots: [typeRoots],
        types: ["node"],
      },
      files: ["auth.ts"],
    }),
  );
  await run(process.execPath, [tsc, "-p", "tsconfig.json"], { cwd: dir }).catch((error: { stdout?: string }) => {
    assert.fail(`tsc in the CommonJS app:\n${error.stdout}`);
  });
});

test("an ES module app runs the quick start with import", async () => {
  const dir = await makeApp("esm-app", "module");
  const source = quickStart((s) => `await import(${JSON.stringify(s)})`).replace("LOAD_DYNAMIC(specifier)", "import(specifier)");
  // Top-level loads become static imports' equivalent: an ES module may await at top level.
  writeFileSync(join(dir, "index.js"), source);
  assertQuickStart(await runNode(dir, "index.js"), await expectedExports());

  const { stdout } = await run(process.execPath, ["--input-type=module", "-e", 'console.log(import.meta.resolve("kernia/express"))'], {
    cwd: dir,
  });
  assert.match(stdout.trim(), /node_modules\/kernia\/dist\/integrations\/node\.js$/);
});
