/**
 * The otplib benchmark's workload, shared by the Node run and the Chromium page (so browser-safe: no
 * Node-only imports). A 2FA server's hot path through otplib 13 as its documentation shows it: a base32
 * secret, `verifySync`/`verify` with epochTolerance 30 s at 15 s into a step (so the steps -1, 0 and +1
 * are candidates), and a wrong code, the worst case, where every candidate is computed.
 * Every plugin is checked against RFC 6238 and against the Kernia core before anything is timed.
 */
import { generate, generateSync, verify, verifySync, type CryptoPlugin } from "otplib";
import { base32Encode, totp, verifyTotp } from "../../src/crypto/index.js";

export const PERIOD = 30;
/** Unix seconds, 15 s into a 30 s step. */
export const EPOCH = Date.UTC(2026, 0, 1, 12, 0, 15) / 1000;
/** A fixed 20-byte key (RFC 4226 section 4 recommends 160 bits) and its base32 form, as otplib takes it. */
export const KEY = Uint8Array.from({ length: 20 }, (_, i) => (i * 37 + 11) & 0xff);
export const SECRET = base32Encode(KEY, { padding: false });

/** A 6-digit code equal to none of the three candidates, so verification computes all of them. */
export const WRONG = (() => {
  const candidates = new Set([-1, 0, 1].map((d) => totp(KEY, { time: (EPOCH + d * PERIOD) * 1000 })));
  let n = 0;
  while (candidates.has(String(n).padStart(6, "0"))) n++;
  return String(n).padStart(6, "0");
})();

export interface Row {
  name: string;
  hz: number;
  rme: number;
  samples: number;
}

export interface GroupRows {
  title: string;
  reference: string;
  rows: Row[];
}

const options = (crypto: CryptoPlugin, token: string, epoch = EPOCH) => ({ secret: SECRET, token, crypto, epoch, epochTolerance: PERIOD });

export const verifyOnce = (crypto: CryptoPlugin) => verifySync(options(crypto, WRONG));
export const verifyOnceAsync = (crypto: CryptoPlugin) => verify(options(crypto, WRONG));
/** The same verification without otplib: the bound on what any plugin can reach through otplib. */
export const coreVerify = () => verifyTotp(KEY, WRONG, { time: EPOCH * 1000, period: PERIOD, window: 1 });

/** What must hold for a plugin before it is timed; returns the failures (empty when all hold). */
export async function checkPlugin(name: string, crypto: CryptoPlugin, sync: boolean): Promise<string[]> {
  const failures: string[] = [];
  const expect = (ok: boolean, what: string) => void (ok || failures.push(`${name}: ${what}`));
  const run = sync ? (o: ReturnType<typeof options>) => verifySync(o) : (o: ReturnType<typeof options>) => verify(o);
  const gen = sync ? (o: Parameters<typeof generateSync>[0]) => generateSync(o) : (o: Parameters<typeof generate>[0]) => generate(o);
  // RFC 6238 Appendix B, T = 59 s, SHA-1, 8 digits.
  const rfc = await gen({ secret: new TextEncoder().encode("12345678901234567890"), digits: 8, epoch: 59, crypto });
  expect(rfc === "94287082", `RFC 6238 T=59 gave ${rfc}`);
  const current = totp(KEY, { time: EPOCH * 1000 });
  expect((await gen({ secret: SECRET, epoch: EPOCH, crypto })) === current, "generate matches the core");
  const ok = await run(options(crypto, current));
  expect(ok.valid && ok.delta === 0, "accepts the current code");
  const previous = await run(options(crypto, totp(KEY, { time: (EPOCH - PERIOD) * 1000 })));
  expect(previous.valid && previous.delta === -1, "accepts the previous step's code");
  expect(!(await run(options(crypto, totp(KEY, { time: (EPOCH + 2 * PERIOD) * 1000 })))).valid, "refuses a code two steps ahead");
  expect(!(await run(options(crypto, WRONG))).valid, "refuses the wrong code");
  return failures;
}
