// autocannon 9 ships no types; load.ts uses its programmatic API through this untyped door.
declare module "autocannon" {
  const autocannon: (options: object, done: (err: Error | null, result: any) => void) => import("node:events").EventEmitter;
  export default autocannon;
}
