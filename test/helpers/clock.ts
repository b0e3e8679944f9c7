/**
 * The one test clock (unix ms): tests move time instead of sleeping. Pass `clock.now` as
 * `advanced.now`; every store write and every expiry check reads it.
 */

/** 2026-11-28T00:00:00Z: a TOTP step boundary (RFC 6238 section 4, 30 s steps), so `advance(29)` stays in one step. */
export const CLOCK_START = Date.UTC(2026, 10, 28, 0, 0, 0);

/** When the Better Auth transcripts were captured: the core suites start here so expiry dates read like theirs. */
export const CAPTURED_AT = Date.parse("2026-11-28T00:15:08.000Z");

export class Clock {
  constructor(public ms = CLOCK_START) {}
  now = (): number => this.ms;
  /** `ms` under the name the two-factor suites' clock gave it. */
  get t(): number {
    return this.ms;
  }
  set t(ms: number) {
    this.ms = ms;
  }
  advance(seconds: number): void {
    this.ms += seconds * 1000;
  }
}
