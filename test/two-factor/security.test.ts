/**
 * The two-factor security suite (security-suite.ts: replay, budgets and single use under concurrent
 * bursts, lockout, the OTP send cap, tampered cookies, secrets that stay on the server) on the memory store.
 */
import { memoryAdapter } from "../../src/adapters/memory.js";
import { securitySuite } from "./security-suite.js";

securitySuite(() => memoryAdapter());
