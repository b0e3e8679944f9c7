/**
 * The Store contract as a test factory: every adapter runs the same suite, so the memory
 * and MongoDB adapters are held to one behaviour, including the atomic guards the auth rules rely on
 * (with concurrent bursts against single-use and budgeted operations).
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { UniqueConstraintError, type Row, type Schema, type Store, type Value } from "../../src/adapters/types.js";

export type MakeStore = (schema: Schema) => Promise<{ store: Store; cleanup: () => Promise<void> }>;

export interface ContractOptions {
  /** When set, every test is registered as skipped with this reason (e.g. no MongoDB server). */
  skip?: string;
}

export const contractSchema: Schema = {
  item: {
    fields: {
      name: { type: "string", required: true },
      email: { type: "string", unique: true },
      count: { type: "number", defaultValue: 0 },
      active: { type: "boolean", defaultValue: true },
      at: { type: "date" },
      owner: { type: "string", index: true, references: { model: "person", field: "id" } },
      note: { type: "string" },
    },
  },
  person: {
    fields: {
      handle: { type: "string", required: true, unique: true },
      label: { type: "string" },
    },
  },
  challenge: {
    fields: {
      identifier: { type: "string", required: true, index: true },
      used: { type: "boolean", required: true },
      attempts: { type: "number" },
      expiresAt: { type: "date", required: true },
    },
    expiresAtField: "expiresAt",
  },
};

/**
 * Expiry dates far in the future: MongoDB's TTL monitor (about once a minute) would otherwise be free to
 * delete challenge rows in the middle of a test.
 */
const LATER = Date.UTC(2100, 0, 1);
const later = (ms = 0) => new Date(LATER + ms);

let seq = 0;
/** Ids shaped like Kernia's (32 chars), unique per process. */
export function newId(): string {
  seq += 1;
  return ("k" + seq.toString(36) + "x".repeat(32)).slice(0, 32);
}

type Item = Row & {
  name: string;
  email?: string | null;
  count?: number;
  active?: boolean;
  at?: Date;
  owner?: string;
  note?: string | null;
};

const byId = (id: string) => [{ field: "id", value: id }];

async function rejectsUnique(p: Promise<unknown>, model: string, field: string): Promise<void> {
  await assert.rejects(p, (e: unknown) => {
    assert.ok(e instanceof UniqueConstraintError, `expected UniqueConstraintError, got ${String(e)}`);
    assert.equal(e.model, model);
    assert.equal(e.field, field);
    return true;
  });
}

export function storeContract(name: string, makeStore: MakeStore, options: ContractOptions = {}): void {
  const skip = options.skip;

  /** Registers one test that gets a fresh store over `contractSchema` and always cleans up. */
  const it = (title: string, body: (store: Store) => Promise<void>): void => {
    test(title, { skip }, async () => {
      const { store, cleanup } = await makeStore(contractSchema);
      try {
        await body(store);
      } finally {
        await cleanup();
      }
    });
  };

  describe(`store contract: ${name}`, () => {
    describe("create and read", () => {
      it("create returns the stored row with defaults applied and findOne reads it back", async (store) => {
        const id = newId();
        const at = new Date("2026-01-02T03:04:05.678Z");
        const created = await store.create<Item>("item", { id, name: "a", at });
        assert.deepEqual(created, { id, name: "a", at, count: 0, active: true });
        const found = await store.findOne<Item>("item", byId(id));
        assert.deepEqual(found, created);
      });

      it("dates round-trip as Date instances with millisecond precision", async (store) => {
        const id = newId();
        const at = new Date(1_767_225_600_123);
        await store.create<Item>("item", { id, name: "d", at });
        const found = await store.findOne<Item>("item", byId(id));
        assert.ok(found?.at instanceof Date, "expected a Date");
        assert.equal(found.at.getTime(), at.getTime());
        const many = await store.findMany<Item>("item", byId(id));
        assert.ok(many[0].at instanceof Date);
        const updated = await store.update<Item>("item", byId(id), { at: new Date(5) });
        assert.ok(updated?.at instanceof Date);
        assert.equal(updated.at.getTime(), 5);
      });

      it("id comes back as the same string and a 24-hex id is not turned into anything else", async (store) => {
        const hex = "0123456789abcdef01234567";
        const created = await store.create<Item>("item", { id: hex, name: "h" });
        assert.equal(created.id, hex);
        const found = await store.findOne<Item>("item", byId(hex));
        assert.equal(typeof found?.id, "string");
        assert.equal(found?.id, hex);
        const deleted = await store.deleteOne<Item>("item", byId(hex));
        assert.equal(deleted?.id, hex);
      });

      it("explicit values win over defaults, including null and false", async (store) => {
        const id = newId();
        const created = await store.create<Item>("item", { id, name: "x", count: 7, active: false, note: null });
        assert.equal(created.count, 7);
        assert.equal(created.active, false);
        assert.equal(created.note, null);
        const found = await store.findOne<Item>("item", byId(id));
        assert.equal(found?.note, null);
        assert.equal(found?.active, false);
      });

      it("a missing required field is a plain Error naming model and field", async (store) => {
        await assert.rejects(
          store.create("item", { id: newId() } as Item),
          (e: unknown) => e instanceof Error && !(e instanceof UniqueConstraintError) && /item/.test(e.message) && /name/.test(e.message),
        );
        assert.equal(await store.count("item", []), 0);
      });

      it("an unknown model is an Error naming it", async (store) => {
        await assert.rejects(store.create("nosuchmodel", { id: newId() }), /nosuchmodel/);
        await assert.rejects(store.findOne("nosuchmodel", []), /nosuchmodel/);
        await assert.rejects(store.deleteMany("nosuchmodel", []), /nosuchmodel/);
      });

      it("findOne returns null when nothing matches", async (store) => {
        assert.equal(await store.findOne("item", byId(newId())), null);
      });

      it("malformed conditions are rejected at the boundary", async (store) => {
        await assert.rejects(store.findOne("item", [{ field: "count", value: 1, operator: "like" as never }]), TypeError);
        await assert.rejects(store.findMany("item", [{ field: "count", value: 1, operator: "in" }]), TypeError);
        await assert.rejects(store.findMany("item", [], { limit: -1 }), RangeError);
      });

      it("values of the wrong type for a declared field are rejected", async (store) => {
        await assert.rejects(store.create("item", { id: newId(), name: "n", count: "7" as never }), TypeError);
        const id = newId();
        await store.create<Item>("item", { id, name: "n" });
        await assert.rejects(store.update("item", byId(id), { at: "2026-01-01" as never }), TypeError);
        assert.equal((await store.findOne<Item>("item", byId(id)))?.at, undefined);
      });
    });

    describe("copies, not references", () => {
      it("mutating the input after create does not change the store", async (store) => {
        const id = newId();
        const at = new Date(1000);
        const input: Item = { id, name: "orig", at };
        await store.create("item", input);
        input.name = "changed";
        at.setTime(2000);
        const found = await store.findOne<Item>("item", byId(id));
        assert.equal(found?.name, "orig");
        assert.equal(found?.at?.getTime(), 1000);
      });

      it("mutating returned rows and their dates does not change the store", async (store) => {
        const id = newId();
        const created = await store.create<Item>("item", { id, name: "orig", at: new Date(1000) });
        created.name = "c1";
        created.at?.setTime(9);
        const one = await store.findOne<Item>("item", byId(id));
        assert.equal(one?.name, "orig");
        assert.equal(one?.at?.getTime(), 1000);
        one!.name = "c2";
        one!.at!.setTime(9);
        const [many] = await store.findMany<Item>("item", byId(id));
        assert.equal(many.name, "orig");
        many.name = "c3";
        const updated = await store.update<Item>("item", byId(id), { note: "n" });
        assert.equal(updated?.name, "orig");
        updated!.name = "c4";
        const inc = await store.increment<Item>("item", byId(id), "count", 1);
        inc!.name = "c5";
        const after = await store.findOne<Item>("item", byId(id));
        assert.equal(after?.name, "orig");
        assert.equal(after?.at?.getTime(), 1000);
        assert.equal(after?.count, 1);
      });

      it("mutating the update data or increment set afterwards does not change the store", async (store) => {
        const id = newId();
        await store.create<Item>("item", { id, name: "orig" });
        const at = new Date(50);
        await store.update<Item>("item", byId(id), { at });
        at.setTime(60);
        const set = { at: new Date(70) };
        await store.increment("item", byId(id), "count", 1, set);
        set.at.setTime(80);
        assert.equal((await store.findOne<Item>("item", byId(id)))?.at?.getTime(), 70);
      });
    });

    describe("operators", () => {
      // Six rows covering numbers, strings, dates, booleans, a null and a missing field.
      const seed = async (store: Store): Promise<Item[]> => {
        const rows: Item[] = [
          { id: newId(), name: "n1", count: 1, at: new Date(100), owner: "u1", note: "b", active: true },
          { id: newId(), name: "n2", count: 2, at: new Date(200), owner: "u1", note: null, active: false },
          { id: newId(), name: "n3", count: 3, at: new Date(300), owner: "u2", active: true },
          { id: newId(), name: "n4", count: 4, owner: "u2", note: "a" },
          { id: newId(), name: "n5", count: 5, note: "c" },
          { id: newId(), name: "n6", count: 6, note: "ä" },
        ];
        for (const r of rows) await store.create("item", r);
        return rows;
      };
      const names = async (store: Store, field: string, operator: string, value: Value | readonly Value[]): Promise<string[]> => {
        const rows = await store.findMany<Item>("item", [{ field, value, operator: operator as never }], {
          sortBy: { field: "count", direction: "asc" },
        });
        return rows.map((r) => r.name);
      };

      it("eq (default) on strings, numbers, booleans and dates", async (store) => {
        await seed(store);
        assert.deepEqual(await names(store, "owner", "eq", "u1"), ["n1", "n2"]);
        const implicit = await store.findMany<Item>("item", [{ field: "owner", value: "u2" }], {
          sortBy: { field: "count", direction: "asc" },
        });
        assert.deepEqual(
          implicit.map((r) => r.name),
          ["n3", "n4"],
        );
        assert.deepEqual(await names(store, "count", "eq", 3), ["n3"]);
        assert.deepEqual(await names(store, "active", "eq", false), ["n2"]);
        assert.deepEqual(await names(store, "at", "eq", new Date(200)), ["n2"]);
        assert.deepEqual(await names(store, "count", "eq", "3"), [], "a string never equals a number");
      });

      it("eq null matches missing and null; ne null matches present values", async (store) => {
        await seed(store);
        assert.deepEqual(await names(store, "note", "eq", null), ["n2", "n3"]);
        assert.deepEqual(await names(store, "note", "ne", null), ["n1", "n4", "n5", "n6"]);
        assert.deepEqual(await names(store, "at", "eq", null), ["n4", "n5", "n6"]);
      });

      it("ne matches rows whose field differs or is missing", async (store) => {
        await seed(store);
        assert.deepEqual(await names(store, "owner", "ne", "u1"), ["n3", "n4", "n5", "n6"]);
        assert.deepEqual(await names(store, "count", "ne", 1), ["n2", "n3", "n4", "n5", "n6"]);
      });

      it("lt, lte, gt, gte on numbers", async (store) => {
        await seed(store);
        assert.deepEqual(await names(store, "count", "lt", 3), ["n1", "n2"]);
        assert.deepEqual(await names(store, "count", "lte", 3), ["n1", "n2", "n3"]);
        assert.deepEqual(await names(store, "count", "gt", 4), ["n5", "n6"]);
        assert.deepEqual(await names(store, "count", "gte", 4), ["n4", "n5", "n6"]);
      });

      it("lt, lte, gt, gte on dates skip rows without the field", async (store) => {
        await seed(store);
        assert.deepEqual(await names(store, "at", "lt", new Date(200)), ["n1"]);
        assert.deepEqual(await names(store, "at", "lte", new Date(200)), ["n1", "n2"]);
        assert.deepEqual(await names(store, "at", "gt", new Date(100)), ["n2", "n3"]);
        assert.deepEqual(await names(store, "at", "gte", new Date(300)), ["n3"]);
      });

      it("range operators on strings compare by code point and skip null and missing", async (store) => {
        await seed(store);
        assert.deepEqual(await names(store, "note", "gt", "a"), ["n1", "n5", "n6"]);
        assert.deepEqual(await names(store, "note", "gte", "b"), ["n1", "n5", "n6"]);
        assert.deepEqual(await names(store, "note", "lt", "c"), ["n1", "n4"]);
        assert.deepEqual(await names(store, "note", "lte", "c"), ["n1", "n4", "n5"]);
        assert.deepEqual(await names(store, "note", "gt", "z"), ["n6"], "ä (U+00E4) sorts after z");
        assert.deepEqual(await names(store, "count", "lt", "9"), [], "a string bound never matches numbers");
      });

      it("in matches any listed value, with null matching missing and null", async (store) => {
        await seed(store);
        assert.deepEqual(await names(store, "count", "in", [2, 4, 99]), ["n2", "n4"]);
        assert.deepEqual(await names(store, "owner", "in", ["u2"]), ["n3", "n4"]);
        assert.deepEqual(await names(store, "note", "in", ["a", null]), ["n2", "n3", "n4"]);
        assert.deepEqual(await names(store, "at", "in", [new Date(300)]), ["n3"]);
        assert.deepEqual(await names(store, "count", "in", []), []);
      });

      it("several conditions are a conjunction", async (store) => {
        await seed(store);
        const rows = await store.findMany<Item>("item", [
          { field: "owner", value: "u1" },
          { field: "count", value: 1, operator: "gt" },
        ]);
        assert.deepEqual(
          rows.map((r) => r.name),
          ["n2"],
        );
        assert.equal(
          await store.count("item", [
            { field: "owner", value: ["u1", "u2"], operator: "in" },
            { field: "active", value: true },
          ]),
          3,
          "n4 has active from its default",
        );
      });

      it("an empty where matches every row; conditions on undeclared fields match as missing", async (store) => {
        await seed(store);
        assert.equal(await store.count("item", []), 6);
        assert.equal(await store.count("item", [{ field: "nosuchfield", value: null }]), 6);
        assert.equal(await store.count("item", [{ field: "nosuchfield", value: "x" }]), 0);
      });
    });

    describe("findMany sort and limit, count", () => {
      it("sorts ascending and descending by number, string and date", async (store) => {
        const rows: Item[] = [
          { id: newId(), name: "b", count: 2, at: new Date(30) },
          { id: newId(), name: "c", count: 3, at: new Date(10) },
          { id: newId(), name: "a", count: 1, at: new Date(20) },
        ];
        for (const r of rows) await store.create("item", r);
        const sorted = async (field: string, direction: "asc" | "desc") =>
          (await store.findMany<Item>("item", [], { sortBy: { field, direction } })).map((r) => r.name).join("");
        assert.equal(await sorted("count", "asc"), "abc");
        assert.equal(await sorted("count", "desc"), "cba");
        assert.equal(await sorted("name", "asc"), "abc");
        assert.equal(await sorted("name", "desc"), "cba");
        assert.equal(await sorted("at", "asc"), "cab");
        assert.equal(await sorted("at", "desc"), "bac");
      });

      it("missing values sort first ascending and last descending", async (store) => {
        await store.create<Item>("item", { id: newId(), name: "with", at: new Date(1) });
        await store.create<Item>("item", { id: newId(), name: "without" });
        const asc = await store.findMany<Item>("item", [], { sortBy: { field: "at", direction: "asc" } });
        assert.deepEqual(
          asc.map((r) => r.name),
          ["without", "with"],
        );
        const desc = await store.findMany<Item>("item", [], { sortBy: { field: "at", direction: "desc" } });
        assert.deepEqual(
          desc.map((r) => r.name),
          ["with", "without"],
        );
      });

      it("limit applies after filtering and sorting", async (store) => {
        for (let i = 0; i < 10; i++)
          await store.create<Item>("item", { id: newId(), name: `n${i}`, count: (i * 7) % 10, owner: i % 2 ? "odd" : "even" });
        const top = await store.findMany<Item>("item", [{ field: "owner", value: "even" }], {
          sortBy: { field: "count", direction: "desc" },
          limit: 2,
        });
        // even i: 0,2,4,6,8 -> counts 0,4,8,2,6
        assert.deepEqual(
          top.map((r) => r.count),
          [8, 6],
        );
        const limited = await store.findMany<Item>("item", [], { limit: 3 });
        assert.equal(limited.length, 3);
        assert.equal((await store.findMany<Item>("item", [], { limit: 100 })).length, 10);
      });

      it("count counts matching rows", async (store) => {
        for (let i = 0; i < 5; i++) await store.create<Item>("item", { id: newId(), name: "c", count: i });
        assert.equal(await store.count("item", []), 5);
        assert.equal(await store.count("item", [{ field: "count", value: 2, operator: "gte" }]), 3);
        assert.equal(await store.count("item", [{ field: "count", value: 99 }]), 0);
      });
    });

    describe("uniqueness", () => {
      it("create with a duplicate unique value throws UniqueConstraintError and stores nothing", async (store) => {
        await store.create<Item>("item", { id: newId(), name: "a", email: "x@example.com" });
        await rejectsUnique(store.create<Item>("item", { id: newId(), name: "b", email: "x@example.com" }), "item", "email");
        assert.equal(await store.count("item", []), 1);
      });

      it("a duplicate id throws UniqueConstraintError on id", async (store) => {
        const id = newId();
        await store.create<Item>("item", { id, name: "a" });
        await rejectsUnique(store.create<Item>("item", { id, name: "b" }), "item", "id");
        assert.equal((await store.findOne<Item>("item", byId(id)))?.name, "a");
      });

      it("null and missing unique values never collide", async (store) => {
        await store.create<Item>("item", { id: newId(), name: "a", email: null });
        await store.create<Item>("item", { id: newId(), name: "b", email: null });
        await store.create<Item>("item", { id: newId(), name: "c" });
        await store.create<Item>("item", { id: newId(), name: "d" });
        assert.equal(await store.count("item", []), 4);
      });

      it("update to another row's unique value throws and leaves the row unchanged", async (store) => {
        const a = newId();
        const b = newId();
        await store.create<Item>("item", { id: a, name: "a", email: "a@example.com" });
        await store.create<Item>("item", { id: b, name: "b", email: "b@example.com" });
        await rejectsUnique(store.update<Item>("item", byId(b), { email: "a@example.com", name: "bb" }), "item", "email");
        const row = await store.findOne<Item>("item", byId(b));
        assert.equal(row?.email, "b@example.com");
        assert.equal(row?.name, "b");
        // Keeping one's own value, or clearing it, is fine.
        assert.equal((await store.update<Item>("item", byId(b), { email: "b@example.com" }))?.email, "b@example.com");
        assert.equal((await store.update<Item>("item", byId(b), { email: null }))?.email, null);
        assert.equal((await store.update<Item>("item", byId(a), { email: null }))?.email, null);
        // The freed value can be taken again.
        assert.equal((await store.update<Item>("item", byId(b), { email: "a@example.com" }))?.email, "a@example.com");
      });

      it("increment's set respects uniqueness too", async (store) => {
        const a = newId();
        const b = newId();
        await store.create<Item>("item", { id: a, name: "a", email: "a@example.com", owner: "o" });
        await store.create<Item>("item", { id: b, name: "b", owner: "o" });
        await rejectsUnique(store.increment("item", byId(b), "count", 1, { email: "a@example.com" }), "item", "email");
        assert.equal((await store.findOne<Item>("item", byId(b)))?.count, 0, "a rejected increment changes nothing");
      });

      it("a required unique field cannot be null (its index has no partial filter), on create and update", async (store) => {
        await assert.rejects(store.create("person", { id: newId(), handle: null as never }), /person\.handle is required and unique/);
        const id = newId();
        await store.create("person", { id, handle: "h1" });
        await assert.rejects(store.update("person", byId(id), { handle: null }), /cannot be null/);
        assert.equal((await store.findOne("person", byId(id)))?.handle, "h1");
      });

      it("50 concurrent creates of one unique value: exactly one succeeds, the rest throw UniqueConstraintError", async (store) => {
        const results = await Promise.allSettled(
          Array.from({ length: 50 }, (_, i) => store.create<Item>("item", { id: newId(), name: `c${i}`, email: "race@example.com" })),
        );
        const ok = results.filter((r) => r.status === "fulfilled");
        const failed = results.filter((r): r is PromiseRejectedResult => r.status === "rejected");
        assert.equal(ok.length, 1);
        assert.equal(failed.length, 49);
        for (const f of failed) {
          assert.ok(f.reason instanceof UniqueConstraintError, `unexpected ${String(f.reason)}`);
          assert.equal(f.reason.field, "email");
        }
        assert.equal(await store.count("item", [{ field: "email", value: "race@example.com" }]), 1);
      });
    });

    describe("update", () => {
      it("update changes ONE matching row and returns it after the change", async (store) => {
        for (let i = 0; i < 3; i++) await store.create<Item>("item", { id: newId(), name: "same", count: i });
        const updated = await store.update<Item>("item", [{ field: "name", value: "same" }], { note: "touched", count: 10 });
        assert.equal(updated?.note, "touched");
        assert.equal(updated?.count, 10);
        assert.equal(updated?.name, "same");
        assert.equal(await store.count("item", [{ field: "note", value: "touched" }]), 1);
        const stored = await store.findOne<Item>("item", byId(updated!.id));
        assert.deepEqual(stored, updated);
      });

      it("update returns null and changes nothing when the guard does not match", async (store) => {
        const id = newId();
        await store.create<Item>("item", { id, name: "g", count: 1 });
        assert.equal(
          await store.update<Item>(
            "item",
            [
              { field: "id", value: id },
              { field: "count", value: 2 },
            ],
            { note: "x" },
          ),
          null,
        );
        assert.equal((await store.findOne<Item>("item", byId(id)))?.note, undefined);
      });

      it("update may set a field to null", async (store) => {
        const id = newId();
        await store.create<Item>("item", { id, name: "n", note: "x" });
        const updated = await store.update<Item>("item", byId(id), { note: null });
        assert.equal(updated?.note, null);
        assert.equal(await store.count("item", [{ field: "note", value: null }]), 1);
      });

      it("100 concurrent conditional updates with the same guard: exactly one wins", async (store) => {
        const id = newId();
        await store.create("challenge", { id, identifier: "c", used: false, expiresAt: later() });
        const guard = [
          { field: "id", value: id },
          { field: "used", value: false },
        ];
        const results = await Promise.all(Array.from({ length: 100 }, () => store.update("challenge", guard, { used: true })));
        assert.equal(results.filter((r) => r !== null).length, 1);
        assert.equal((await store.findOne("challenge", byId(id)))?.used, true);
      });
    });

    describe("increment", () => {
      it("adds to the field, counts a missing field as 0, applies set and returns the row after", async (store) => {
        const id = newId();
        await store.create("challenge", { id, identifier: "i", used: false, expiresAt: later(10) });
        const first = await store.increment("challenge", byId(id), "attempts", 1);
        assert.equal(first?.attempts, 1);
        const second = await store.increment("challenge", byId(id), "attempts", 2, { used: true, expiresAt: later(20) });
        assert.equal(second?.attempts, 3);
        assert.equal(second?.used, true);
        assert.equal((second!.expiresAt as Date).getTime(), LATER + 20);
        assert.equal((await store.increment("challenge", byId(id), "attempts", -1))?.attempts, 2);
        assert.equal(await store.increment("challenge", byId(newId()), "attempts", 1), null);
      });

      it("100 concurrent increments sum exactly", async (store) => {
        const id = newId();
        await store.create<Item>("item", { id, name: "counter" });
        const results = await Promise.all(Array.from({ length: 100 }, () => store.increment<Item>("item", byId(id), "count", 1)));
        assert.equal((await store.findOne<Item>("item", byId(id)))?.count, 100);
        // Each caller saw a distinct post-increment value: 1..100.
        const seen = results.map((r) => r!.count).sort((a, b) => a! - b!);
        assert.deepEqual(
          seen,
          Array.from({ length: 100 }, (_, i) => i + 1),
        );
      });

      it("a guarded increment is a budget: 100 concurrent attempts under a cap of 5 admit exactly 5", async (store) => {
        const id = newId();
        await store.create("challenge", { id, identifier: "b", used: false, attempts: 0, expiresAt: later() });
        const guard = [
          { field: "id", value: id },
          { field: "attempts", value: 5, operator: "lt" as const },
        ];
        const results = await Promise.all(Array.from({ length: 100 }, () => store.increment("challenge", guard, "attempts", 1)));
        assert.equal(results.filter((r) => r !== null).length, 5);
        assert.equal((await store.findOne("challenge", byId(id)))?.attempts, 5);
      });
    });

    describe("delete", () => {
      it("deleteOne removes ONE matching row and returns it; null when none", async (store) => {
        for (let i = 0; i < 3; i++) await store.create<Item>("item", { id: newId(), name: "d", at: new Date(i) });
        const removed = await store.deleteOne<Item>("item", [{ field: "name", value: "d" }]);
        assert.equal(removed?.name, "d");
        assert.ok(removed?.at instanceof Date);
        assert.equal(await store.count("item", []), 2);
        assert.equal(await store.findOne("item", byId(removed!.id)), null);
        assert.equal(await store.deleteOne("item", [{ field: "name", value: "nothing" }]), null);
      });

      it("deleteMany removes every matching row and returns how many", async (store) => {
        for (let i = 0; i < 5; i++) await store.create<Item>("item", { id: newId(), name: "d", count: i });
        assert.equal(await store.deleteMany("item", [{ field: "count", value: 3, operator: "lt" }]), 3);
        assert.deepEqual(
          (await store.findMany<Item>("item", [], { sortBy: { field: "count", direction: "asc" } })).map((r) => r.count),
          [3, 4],
        );
        assert.equal(await store.deleteMany("item", []), 2);
        assert.equal(await store.count("item", []), 0);
      });

      it("100 concurrent deleteOne of one row: exactly one gets it", async (store) => {
        const id = newId();
        await store.create("challenge", { id, identifier: "once", used: false, expiresAt: later() });
        const results = await Promise.all(
          Array.from({ length: 100 }, () => store.deleteOne("challenge", [{ field: "identifier", value: "once" }])),
        );
        const winners = results.filter((r) => r !== null);
        assert.equal(winners.length, 1);
        assert.equal(winners[0]?.id, id);
        assert.equal(await store.count("challenge", []), 0);
      });
    });

    describe("findOneJoined", () => {
      it("returns the first matching row with the row its field references, as copies", async (store) => {
        const person = newId();
        await store.create("person", { id: person, handle: "p1", label: "P" });
        const id = newId();
        await store.create<Item>("item", { id, name: "j", owner: person, at: new Date(5) });
        const found = await store.findOneJoined<Item>("item", byId(id), { model: "person", field: "owner" });
        assert.deepEqual(found, {
          row: { id, name: "j", owner: person, at: new Date(5), count: 0, active: true },
          joined: { id: person, handle: "p1", label: "P" },
        });
        found!.row.name = "changed";
        (found!.row.at as Date).setTime(9);
        found!.joined!.label = "changed";
        assert.equal((await store.findOne<Item>("item", byId(id)))?.name, "j");
        assert.equal((await store.findOne("person", byId(person)))?.label, "P");
      });

      it("joined is null when the reference is missing or dangling; null when no row matches", async (store) => {
        const a = newId();
        const b = newId();
        await store.create<Item>("item", { id: a, name: "none" });
        await store.create<Item>("item", { id: b, name: "dangling", owner: newId() });
        assert.deepEqual(await store.findOneJoined("item", byId(a), { model: "person", field: "owner" }).then((r) => r?.joined), null);
        assert.deepEqual(await store.findOneJoined("item", byId(b), { model: "person", field: "owner" }).then((r) => r?.joined), null);
        assert.equal(await store.findOneJoined("item", byId(newId()), { model: "person", field: "owner" }), null);
        await assert.rejects(store.findOneJoined("item", byId(a), { model: "nosuchmodel", field: "owner" }), /nosuchmodel/);
      });

      it("the filter may be any where list, by unique field too", async (store) => {
        const person = newId();
        await store.create("person", { id: person, handle: "p2" });
        await store.create<Item>("item", { id: newId(), name: "u", email: "j@example.com", owner: person });
        const found = await store.findOneJoined<Item>("item", [{ field: "email", value: "j@example.com" }], {
          model: "person",
          field: "owner",
        });
        assert.equal(found?.row.name, "u");
        assert.equal(found?.joined?.handle, "p2");
      });
    });

    describe("createMany", () => {
      it("inserts every row in one call with defaults applied and returns copies", async (store) => {
        const ids = [newId(), newId(), newId()];
        const rows = await store.createMany<Item>(
          "item",
          ids.map((id, i) => ({ id, name: `m${i}` })),
        );
        assert.deepEqual(
          rows.map((r) => [r.id, r.name, r.count, r.active]),
          ids.map((id, i) => [id, `m${i}`, 0, true]),
        );
        assert.equal(await store.count("item", []), 3);
        assert.deepEqual(await store.createMany("item", []), []);
      });

      it("a bad row is rejected before anything is written", async (store) => {
        await assert.rejects(store.createMany("item", [{ id: newId(), name: "ok" }, { id: newId() } as Item]), /item\.name is required/);
        assert.equal(await store.count("item", []), 0);
      });

      it("a duplicate throws UniqueConstraintError; rows after it are never stored, the existing row is unchanged", async (store) => {
        const first = newId();
        await store.create<Item>("item", { id: first, name: "orig", email: "dup@example.com" });
        const after = newId();
        await rejectsUnique(
          store.createMany<Item>("item", [
            { id: newId(), name: "before" },
            { id: newId(), name: "dup", email: "dup@example.com" },
            { id: after, name: "after" },
          ]),
          "item",
          "email",
        );
        assert.equal(await store.findOne("item", byId(after)), null);
        assert.equal((await store.findOne<Item>("item", byId(first)))?.name, "orig");
        await rejectsUnique(
          store.createMany("item", [
            { id: after, name: "x" },
            { id: after, name: "y" },
          ]),
          "item",
          "id",
        );
      });
    });

    describe("upsert", () => {
      it("creates the row when the key is free: create, the key equality, set and increment together", async (store) => {
        const id = newId();
        const row = await store.upsert<Item>("item", byId(id), { create: { name: "new" }, set: { note: "s" }, increment: { count: 2 } });
        assert.deepEqual(row, { id, name: "new", note: "s", count: 2, active: true });
        assert.deepEqual(await store.findOne("item", byId(id)), row);
      });

      it("updates the row holding the key: set and increment, create ignored", async (store) => {
        const id = newId();
        await store.create<Item>("item", { id, name: "old", count: 5 });
        const row = await store.upsert<Item>("item", byId(id), {
          create: { name: "ignored" },
          set: { note: "n" },
          increment: { count: 1 },
        });
        assert.equal(row?.name, "old");
        assert.equal(row?.note, "n");
        assert.equal(row?.count, 6);
      });

      it("keyed by a required or an optional unique field", async (store) => {
        const p = await store.upsert("person", [{ field: "handle", value: "h" }], { create: { id: newId() }, set: { label: "one" } });
        assert.equal(p?.handle, "h");
        const again = await store.upsert("person", [{ field: "handle", value: "h" }], { create: { id: newId() }, set: { label: "two" } });
        assert.equal(again?.id, p?.id);
        assert.equal(again?.label, "two");
        assert.equal(await store.count("person", []), 1);
        const item = await store.upsert<Item>("item", [{ field: "email", value: "u@example.com" }], {
          create: { id: newId(), name: "e" },
          increment: { count: 1 },
        });
        assert.equal(item?.email, "u@example.com");
        const item2 = await store.upsert<Item>("item", [{ field: "email", value: "u@example.com" }], {
          create: { id: newId(), name: "e" },
          increment: { count: 1 },
        });
        assert.equal(item2?.id, item?.id);
        assert.equal(item2?.count, 2);
      });

      it("a row with the key that fails the guard: null, nothing changes, nothing is created", async (store) => {
        const id = newId();
        await store.create<Item>("item", { id, name: "g", count: 5 });
        const guard = [...byId(id), { field: "count", value: 5, operator: "lt" as const }];
        assert.equal(await store.upsert("item", guard, { create: { name: "x" }, increment: { count: 1 } }), null);
        assert.equal((await store.findOne<Item>("item", byId(id)))?.count, 5);
        assert.equal(await store.count("item", []), 1);
      });

      it("an upsert without an equality on id or a unique field is a programming error", async (store) => {
        await assert.rejects(
          store.upsert("item", [{ field: "name", value: "n" }], { create: { id: newId(), name: "n" } }),
          /upsert needs an equality/,
        );
      });

      it("50 concurrent upserts of one key: exactly one creates, the others update it", async (store) => {
        const id = newId();
        const results = await Promise.all(
          Array.from({ length: 50 }, () => store.upsert<Item>("item", byId(id), { create: { name: "burst" }, increment: { count: 1 } })),
        );
        assert.ok(results.every((r) => r !== null && r.id === id));
        assert.deepEqual(
          results.map((r) => r!.count).sort((a, b) => a! - b!),
          Array.from({ length: 50 }, (_, i) => i + 1),
          "each saw its own count",
        );
        assert.equal(await store.count("item", []), 1);
        assert.equal((await store.findOne<Item>("item", byId(id)))?.count, 50);
      });

      it("50 concurrent guarded upserts of one unique key under a cap of 5: one create, four updates, the rest null", async (store) => {
        const guard = [
          { field: "email", value: "cap@example.com" },
          { field: "count", value: 5, operator: "lt" as const },
        ];
        const results = await Promise.all(
          Array.from({ length: 50 }, () =>
            store.upsert<Item>("item", guard, { create: { id: newId(), name: "cap" }, increment: { count: 1 } }),
          ),
        );
        assert.equal(results.filter((r) => r !== null).length, 5);
        assert.equal(await store.count("item", [{ field: "email", value: "cap@example.com" }]), 1);
        assert.equal((await store.findOne<Item>("item", [{ field: "email", value: "cap@example.com" }]))?.count, 5);
      });
    });

    describe("separate stores", () => {
      it("stores bound separately share nothing", async (store) => {
        const other = await makeStore(contractSchema);
        try {
          await store.create<Item>("item", { id: newId(), name: "only-here" });
          assert.equal(await other.store.count("item", [{ field: "name", value: "only-here" }]), 0);
        } finally {
          await other.cleanup();
        }
      });
    });
  });
}
