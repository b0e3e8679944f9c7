/**
 * Settings shared by the orchestrator, the server children and the load child, so every server gets
 * the same secret, origin, password and load. BENCH_QUICK=1 shrinks every count for a smoke run.
 */
export const QUICK = process.env.BENCH_QUICK === "1";

/** Both servers sign cookies with this secret (>= 32 chars, as Better Auth asks outside tests). */
export const SECRET = "kernia-http-bench-secret-0123456789abcdefghij";
/** baseURL for both; POSTs carrying cookies send this Origin so the CSRF check passes (wire spec section 6). */
export const ORIGIN = "http://localhost:3000";
export const BASE_PATH = "/api/auth";
export const PASSWORD = "correct-horse-battery-1";

export type ServerKind = "kernia" | "better-auth" | "kernia-express";
export const ALL_SERVER_KINDS: readonly ServerKind[] = ["kernia", "better-auth", "kernia-express"];
/** BENCH_SERVERS=kernia,better-auth limits the run (debugging); default all three. */
export const SERVER_KINDS: readonly ServerKind[] = process.env.BENCH_SERVERS
  ? (process.env.BENCH_SERVERS.split(",") as ServerKind[]).filter((k) => ALL_SERVER_KINDS.includes(k))
  : ALL_SERVER_KINDS;

/** Request counts (fixed counts, not durations: the challenge path needs one prepared challenge per request). */
export const LOAD = QUICK
  ? { connections: 8, warmup: 300, getSession: 2000, challenge: 150, stepUp: 1500, signIn: 8, mixedSignIns: 6 }
  : { connections: 10, warmup: 1000, getSession: 10000, challenge: 300, stepUp: 8000, signIn: 30, mixedSignIns: 25 };

/** One sign-in for every MIXED_RATIO get-session requests in the mixed load. */
export const MIXED_RATIO = 10;

/** Users with two-factor enabled that the sign-in loads cycle through. */
export const SIGN_IN_USERS = 10;
