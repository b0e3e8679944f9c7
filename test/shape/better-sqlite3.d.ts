// better-sqlite3 ships no types and @types/better-sqlite3 is not a dev dependency. The shape test only
// constructs an in-memory database and hands it to Better Auth, which drives it itself; this is all of the
// surface the test uses.
declare module "better-sqlite3" {
  class Database {
    constructor(filename: string);
    close(): void;
  }
  export default Database;
}
