/**
 * The README's quick start, checked from the README itself so the two cannot drift: every TypeScript
 * block of the "Quick start" section is written to a throwaway project (a file named by the block's first
 * comment, `// auth.ts`, so `import { auth } from "./auth.js"` resolves) and compiled with
 * `tsc --strict --noEmit` against the package's published types (dist/*.d.ts through the exports map,
 * as an app that installed kernia sees them). The Node client block is also run, as written, against a
 * real server. And the demo's environment variables listed in "Try it" are the ones example/server.ts reads.
 *
 * Needs the build (`npm run build`): the types are dist's.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { init } from "../../src/index.js";
import { memoryAdapter } from "../../src/adapters/memory.js";
import { toNodeHandler } from "../../src/integrations/node.js";
import { twoFactor } from "../../src/plugins/two-factor/index.js";
import { username } from "../../src/plugins/username/index.js";

const run = promisify(execFile);
const root = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");
const readme = readFileSync(join(root, "README.md"), "utf8");

/** The text of a level-2 section, from its heading to the next level-2 heading. */
function section(title: string): string {
  const start = readme.indexOf(`\n## ${title}\n`);
  assert.ok(start >= 0, `README has a "## ${title}" section`);
  const end = readme.indexOf("\n## ", start + 1);
  return readme.slice(start, end < 0 ? undefined : end);
}

interface Block {
  name: string;
  code: string;
}

/** The ```ts blocks of a section, each named by the `.ts` file its first line's comment names. */
function typescriptBlocks(text: string): Block[] {
  const blocks: Block[] = [];
  for (const match of text.matchAll(/```ts\n([\s\S]*?)```/g)) {
    const code = match[1];
    const name = /^\/\/ ([\w.-]+\.ts)\b/.exec(code)?.[1];
    assert.ok(name, `every quick-start block starts with a "// file.ts" comment; this one starts: ${code.split("\n")[0]}`);
    blocks.push({ name, code });
  }
  return blocks;
}

const API_USE = `import { auth } from "./auth.js";

export async function enrol(headers: Headers): Promise<string[]> {
  const enabled = await auth.api.enableTwoFactor({ body: { password: "analytical-engine" }, headers });
  if (enabled.method !== "totp") return [];
  const uri: string = enabled.totpURI;
  const codes: string[] = enabled.backupCodes;
  const { token } = await auth.api.verifyTOTP({ body: { code: "123456" }, headers });
  const status: boolean = (await auth.api.sendTwoFactorOTP({ headers })).status;
  const signedIn = await auth.api.signInUsername({ body: { username: "ada", password: "analytical-engine" } });
  // The core's account endpoints stay callable next to the typed plugin tables.
  await auth.api.changePassword({ body: { currentPassword: "analytical-engine", newPassword: "difference-engine" }, headers });
  // @ts-expect-error code is a string
  await auth.api.verifyTOTP({ body: { code: 123456 }, headers });
  // @ts-expect-error "passwd" is not a body key
  await auth.api.disableTwoFactor({ body: { passwd: "x" }, headers });
  // @ts-expect-error totpURI is a string
  const wrong: number = enabled.totpURI;
  // @ts-expect-error no such endpoint
  await auth.api.verifyTotp({ body: { code: "123456" }, headers });
  return [uri, ...codes, token, String(status), String(signedIn.token), String(wrong)];
}
`;

test("the quick start's TypeScript compiles with tsc --strict against the package's types", async () => {
  assert.ok(existsSync(join(root, "dist", "index.d.ts")), "dist/index.d.ts is missing: run `npm run build` first");
  const blocks = typescriptBlocks(section("Quick start"));
  const names = blocks.map((block) => block.name);
  for (const expected of ["auth.ts", "server.ts", "client.ts", "node-client.ts"])
    assert.ok(names.includes(expected), `a ${expected} block`);

  // Inside the repository (test-artifacts/ is ignored), so express, mongodb and better-auth resolve from its
  // node_modules as they would from an app's; kernia itself through a node_modules link to the package.
  const dir = join(root, "test-artifacts", "readme-quick-start");
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(join(dir, "node_modules"), { recursive: true });
  symlinkSync(root, join(dir, "node_modules", "kernia"), "dir");
  writeFileSync(join(dir, "package.json"), `${JSON.stringify({ name: "readme-app", private: true, type: "module" })}\n`);
  const seen = new Set<string>();
  const files: string[] = [];
  blocks.forEach((block, index) => {
    // A second block for the same file is a variant (auth.ts with MongoDB): compiled on its own.
    const file = seen.has(block.name) ? join(`variant-${index}`, block.name) : block.name;
    seen.add(block.name);
    mkdirSync(dirname(join(dir, file)), { recursive: true });
    writeFileSync(join(dir, file), block.code);
    files.push(file);
  });
  // Not from the README: server code calling the quick start's auth.api, compiled with it, so the
  // per-endpoint types hold through the published declarations (the README says auth.api "resolves to
  // the JSON body"). A `@ts-expect-error` line the types accept fails the compile.
  writeFileSync(join(dir, "api-use.ts"), API_USE);
  files.push("api-use.ts");
  writeFileSync(
    join(dir, "tsconfig.json"),
    JSON.stringify({
      compilerOptions: {
        target: "ES2022",
        lib: ["ES2022", "DOM"],
        module: "nodenext",
        moduleResolution: "nodenext",
        skipLibCheck: true,
        types: ["node"],
        typeRoots: [join(root, "node_modules", "@types")],
      },
      files,
    }),
  );
  const tsc = join(root, "node_modules", "typescript", "bin", "tsc");
  try {
    await run(process.execPath, [tsc, "-p", "tsconfig.json", "--strict", "--noEmit"], { cwd: dir });
  } catch (error) {
    // The project stays for a look at what failed; on success it goes (its node_modules/kernia link
    // points back at the repository, which tools that follow links would walk in a circle).
    assert.fail(`tsc --strict over the README's quick start (project in ${dir}):\n${(error as { stdout?: string }).stdout ?? error}`);
  }
  rmSync(dir, { recursive: true, force: true });
});

test("the quick start shows the memory store first, without MongoDB lines", () => {
  const [first] = typescriptBlocks(section("Quick start"));
  assert.equal(first.name, "auth.ts", "the first block is the memory-store auth.ts");
  assert.doesNotMatch(first.code, /MongoClient|mongodb/, "the memory store needs no MongoDB driver");
  assert.match(first.code, /memoryAdapter\(\)/);
});

test("Try it documents every environment variable the demo server reads", () => {
  const server = readFileSync(join(root, "example", "server.ts"), "utf8");
  const read = new Set([...server.matchAll(/\benv\.([A-Z][A-Z0-9_]*)/g)].map((m) => m[1]));
  for (const required of ["PORT", "HOST", "KERNIA_BASE_URL"]) assert.ok(read.has(required), `example/server.ts reads ${required}`);
  const tryIt = section("Try it");
  // BETTER_AUTH_SECRET is read only as an alias of KERNIA_SECRET.
  for (const name of read) {
    if (name === "BETTER_AUTH_SECRET") continue;
    assert.ok(tryIt.includes(`\`${name}\``), `"Try it" documents ${name}`);
  }
});

test("the README's Node client keeps cookies and sends Origin: a two-factor sign-in reaches send-otp", async () => {
  const block = typescriptBlocks(section("Quick start")).find((b) => b.name === "node-client.ts");
  assert.ok(block, "a node-client.ts block");
  assert.match(block.code, /const baseURL = "http:\/\/localhost:3000";/, "the block names its server in one constant");

  // The person of the block's sign-in, with two-factor on (by email code), on a real HTTP server.
  const sent: string[] = [];
  const server = createServer();
  await new Promise<void>((done) => server.listen(0, "127.0.0.1", done));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const auth = init({
    secret: "readme-node-client-secret-0123456789abcd",
    baseURL: url,
    database: memoryAdapter(),
    plugins: [username(), twoFactor({ otpOptions: { sendOtp: ({ user }) => void sent.push(user.email) } })],
  });
  server.on("request", toNodeHandler(auth));
  const dir = join(root, "test-artifacts", "readme-node-client");
  try {
    const signUp = await fetch(`${url}/api/auth/sign-up/email`, {
      method: "POST",
      headers: { "content-type": "application/json", origin: url },
      body: JSON.stringify({ name: "Ada", email: "ada@example.com", password: "analytical-engine" }),
    });
    assert.equal(signUp.status, 200);
    const cookie = signUp.headers
      .getSetCookie()
      .map((line) => line.split(";")[0])
      .join("; ");
    const enable = await fetch(`${url}/api/auth/two-factor/enable`, {
      method: "POST",
      headers: { "content-type": "application/json", origin: url, cookie },
      body: JSON.stringify({ password: "analytical-engine", method: "otp" }),
    });
    assert.equal(enable.status, 200, await enable.clone().text());

    // The block as written, pointed at this server; it runs as an ES module (top-level await).
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, "package.json"), `${JSON.stringify({ private: true, type: "module" })}\n`);
    writeFileSync(join(dir, "node-client.ts"), block.code.replace('"http://localhost:3000"', JSON.stringify(url)));
    await run(process.execPath, ["--import", "tsx", "node-client.ts"], { cwd: dir, env: { ...process.env, NODE_ENV: "development" } });
    // send-otp needs the two_factor cookie that sign-in set (kept by the wrapper) and, carrying a cookie,
    // a trusted Origin (sent by the wrapper): without either it answers 401 or 403 and sends nothing.
    assert.deepEqual(sent, ["ada@example.com"]);
  } finally {
    server.closeAllConnections();
    await new Promise<void>((done) => server.close(() => done()));
    rmSync(dir, { recursive: true, force: true });
  }
});
