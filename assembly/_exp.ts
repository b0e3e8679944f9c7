export { hotpJobs } from "./hotp";
import { sha1x4Compress } from "./sha1x4";
export function loopX4(n: i32): void { for (let i = 0; i < n; i++) sha1x4Compress(); }
export { jobsPtr, slotPtr } from "./index";
