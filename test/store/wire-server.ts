/**
 * A stand-in for mongod on a loopback port, for the command-capture suite: the official driver (v6 or
 * v7) connects to it like to any server, builds and serializes every command itself, and this server
 * records each command document it receives and answers it from the memory adapter. So the tests see
 * exactly what a real MongoDB would receive (filters, write concerns, single- vs multi-document
 * commands, retryable-write transaction numbers) with no mongod on the machine.
 *
 * Wire protocol (MongoDB "Wire Protocol" reference): a 16-byte header (length, requestID, responseTo,
 * opCode); OP_MSG (2013) carries flag bits and sections (kind 0: the command body; kind 1: a document
 * sequence); the drivers' first handshake is a legacy OP_QUERY (2004) answered with OP_REPLY (1).
 * It presents itself as the primary of a one-member replica set, so the driver uses sessions and
 * retryable writes as it would in production. Only the command shapes the Kernia adapter sends are
 * answered; anything else is an error reply, which makes a new shape visible in the tests.
 */
import { createServer, type Server, type Socket } from "node:net";
import { BSON, Long, ObjectId, type Document } from "mongodb";
import { memoryAdapter } from "../../src/adapters/memory.js";
import { fromDocument } from "../../src/adapters/mongodb-mapping.js";
import { indexesFor } from "../../src/adapters/mongodb-schema.js";
import { UniqueConstraintError, type Row, type Schema, type Store, type Value, type Where } from "../../src/adapters/types.js";

export interface Recorded {
  name: string;
  collection: string | undefined;
  command: Document;
}

const OP_REPLY = 1;
const OP_QUERY = 2004;
const OP_MSG = 2013;

/** Commands of the connection handshake and monitoring, not of the application. */
export const HOUSEKEEPING = new Set(["hello", "ismaster", "isMaster", "ping", "endSessions", "buildInfo", "killCursors", "saslStart"]);

export class WireServer {
  readonly recorded: Recorded[] = [];
  /** Set to fail the next command matching it (by name and collection), once, with this server error. */
  failNext: { name: string; collection: string; error: Document } | null = null;
  /** Collections whose listIndexes answers only `_id_`, as if `kernia generate` never ran there. */
  readonly withoutIndexes = new Set<string>();
  private server: Server | undefined;
  private sockets = new Set<Socket>();
  /**
   * Collections made through the wire (create, createIndexes, collMod), per database: their options
   * and indexes, so `kernia generate` can run against the stand-in. A collection not made this way
   * answers listIndexes as if generate had made it (the flows' databases).
   */
  readonly catalog = new Map<string, Map<string, { options: Document; indexes: Document[] }>>();
  /** One memory store per database name, so each test can use a database of its own. */
  private stores = new Map<string, Store>();
  port = 0;

  constructor(
    readonly schema: Schema,
    private readonly now: () => number,
  ) {}

  private storeOf(db: string): Store {
    let store = this.stores.get(db);
    if (store === undefined) this.stores.set(db, (store = memoryAdapter().bind(this.schema, { now: this.now })));
    return store;
  }

  get host(): string {
    return `127.0.0.1:${this.port}`;
  }

  async start(): Promise<string> {
    this.server = createServer((socket) => this.serve(socket));
    await new Promise<void>((r) => this.server!.listen(0, "127.0.0.1", r));
    this.port = (this.server.address() as { port: number }).port;
    return `mongodb://${this.host}/?directConnection=true`;
  }

  async stop(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((r) => this.server?.close(() => r()) ?? r());
  }

  private serve(socket: Socket): void {
    this.sockets.add(socket);
    socket.on("close", () => this.sockets.delete(socket));
    socket.on("error", () => {});
    let buffer = Buffer.alloc(0);
    let chain = Promise.resolve();
    socket.on("data", (chunk) => {
      buffer = Buffer.concat([buffer, chunk]);
      while (buffer.length >= 4 && buffer.length >= buffer.readInt32LE(0)) {
        const message = buffer.subarray(0, buffer.readInt32LE(0));
        buffer = buffer.subarray(message.length);
        // One connection's messages are answered in order, as mongod does.
        chain = chain.then(() => this.answer(socket, message)).catch(() => void socket.destroy());
      }
    });
  }

  private async answer(socket: Socket, message: Buffer): Promise<void> {
    const requestId = message.readInt32LE(4);
    const opCode = message.readInt32LE(12);
    if (opCode === OP_QUERY) {
      let at = 20;
      at = message.indexOf(0, at) + 1 + 8; // fullCollectionName, numberToSkip, numberToReturn
      const query = BSON.deserialize(message.subarray(at, at + message.readInt32LE(at)));
      const reply = BSON.serialize(this.hello(query));
      const head = Buffer.alloc(36);
      head.writeInt32LE(36 + reply.length, 0);
      head.writeInt32LE(requestId, 8);
      head.writeInt32LE(OP_REPLY, 12);
      head.writeInt32LE(1, 32); // numberReturned
      socket.write(Buffer.concat([head, reply]));
      return;
    }
    if (opCode !== OP_MSG) throw new Error(`wire server: unsupported opCode ${opCode}`);
    const flags = message.readUInt32LE(16);
    const end = message.length - (flags & 1 ? 4 : 0);
    let body: Document = {};
    let at = 20;
    const sequences: [string, Document[]][] = [];
    while (at < end) {
      const kind = message[at++];
      if (kind === 0) {
        const size = message.readInt32LE(at);
        body = BSON.deserialize(message.subarray(at, at + size), { promoteLongs: true });
        at += size;
      } else {
        const size = message.readInt32LE(at);
        const stop = at + size;
        const idEnd = message.indexOf(0, at + 4);
        const id = message.toString("utf8", at + 4, idEnd);
        const docs: Document[] = [];
        for (let p = idEnd + 1; p < stop; p += message.readInt32LE(p))
          docs.push(BSON.deserialize(message.subarray(p, p + message.readInt32LE(p))));
        sequences.push([id, docs]);
        at = stop;
      }
    }
    for (const [id, docs] of sequences) body[id] = docs;
    const reply = await this.command(body);
    if (flags & 2) return; // moreToCome: the client expects no reply
    const doc = BSON.serialize(reply);
    const head = Buffer.alloc(21);
    head.writeInt32LE(21 + doc.length, 0);
    head.writeInt32LE(requestId, 8);
    head.writeInt32LE(OP_MSG, 12);
    head.writeUInt32LE(0, 16);
    head[20] = 0;
    socket.write(Buffer.concat([head, doc]));
  }

  private hello(_query: Document): Document {
    return {
      helloOk: true,
      ismaster: true,
      isWritablePrimary: true,
      setName: "rs0",
      setVersion: 1,
      electionId: new ObjectId("7fffffff0000000000000001"),
      hosts: [this.host],
      primary: this.host,
      me: this.host,
      maxBsonObjectSize: 16 * 1024 * 1024,
      maxMessageSizeBytes: 48_000_000,
      maxWriteBatchSize: 100_000,
      localTime: new Date(),
      logicalSessionTimeoutMinutes: 30,
      connectionId: 1,
      minWireVersion: 0,
      maxWireVersion: 21,
      readOnly: false,
      ok: 1,
    };
  }

  private async command(body: Document): Promise<Document> {
    const name = Object.keys(body)[0];
    const collection = typeof body[name] === "string" ? (body[name] as string) : undefined;
    this.recorded.push({ name, collection, command: body });
    if (name === "hello" || name === "ismaster" || name === "isMaster") return this.hello(body);
    if (HOUSEKEEPING.has(name)) return { ok: 1 };
    const fail = this.failNext;
    if (fail !== null && fail.name === name && fail.collection === collection) {
      this.failNext = null;
      return { ok: 0, ...fail.error };
    }
    try {
      return { ...(await this.run(name, collection!, body)), ok: 1 };
    } catch (e) {
      if (e instanceof UniqueConstraintError) return duplicate(e);
      return { ok: 0, code: 2, codeName: "BadValue", errmsg: `wire server: ${e instanceof Error ? e.message : String(e)}` };
    }
  }

  private catalogOf(db: string): Map<string, { options: Document; indexes: Document[] }> {
    let c = this.catalog.get(db);
    if (c === undefined) this.catalog.set(db, (c = new Map()));
    return c;
  }

  private async run(name: string, model: string, body: Document): Promise<Document> {
    const store = this.storeOf(String(body.$db));
    const catalog = this.catalogOf(String(body.$db));
    const ns = `${String(body.$db)}.${model}`;
    const cursor = (docs: Document[]) => ({ cursor: { id: Long.ZERO, ns, firstBatch: docs } });
    switch (name) {
      case "insert": {
        const docs = body.documents as Document[];
        for (let i = 0; i < docs.length; i++) {
          try {
            await store.create(model, rowOf(docs[i]));
          } catch (e) {
            if (!(e instanceof UniqueConstraintError)) throw e;
            return { n: i, writeErrors: [{ index: i, ...duplicate(e) }] };
          }
        }
        return { n: docs.length };
      }
      case "find": {
        const sort = body.sort as Document | undefined;
        const [field, dir] = sort ? Object.entries(sort)[0] : [];
        const rows = await store.findMany(model, whereOf(body.filter ?? {}), {
          ...(body.limit !== undefined && { limit: Number(body.limit) }),
          ...(field !== undefined && { sortBy: { field: field === "_id" ? "id" : field, direction: Number(dir) < 0 ? "desc" : "asc" } }),
        });
        return cursor(rows.map(docOf));
      }
      case "aggregate": {
        const pipeline = body.pipeline as Document[];
        const where = whereOf(pipeline[0].$match);
        const lookup = pipeline.find((s) => s.$lookup !== undefined)?.$lookup as Document | undefined;
        if (lookup !== undefined) {
          const found = await store.findOneJoined(model, where, {
            model: lookup.from,
            field: lookup.localField === "_id" ? "id" : lookup.localField,
          });
          return cursor(found === null ? [] : [{ ...docOf(found.row), [lookup.as]: found.joined === null ? [] : [docOf(found.joined)] }]);
        }
        const group = pipeline.find((s) => s.$group !== undefined)?.$group as Document | undefined;
        if (group !== undefined) {
          const n = await store.count(model, where);
          const key = Object.keys(group).find((k) => k !== "_id")!;
          return cursor(n === 0 ? [] : [{ _id: 1, [key]: n }]);
        }
        throw new Error(`aggregate shape ${JSON.stringify(pipeline)}`);
      }
      case "delete": {
        let n = 0;
        for (const d of body.deletes as Document[]) {
          if (Number(d.limit) === 1) n += (await store.deleteOne(model, whereOf(d.q))) === null ? 0 : 1;
          else n += await store.deleteMany(model, whereOf(d.q));
        }
        return { n };
      }
      case "findAndModify":
        return this.findAndModify(store, model, body);
      case "listCollections":
        return {
          cursor: {
            id: Long.ZERO,
            ns: `${String(body.$db)}.$cmd.listCollections`,
            firstBatch: [...catalog].map(([n, c]) => ({ name: n, type: "collection", options: c.options })),
          },
        };
      case "create":
        if (catalog.has(model)) return { ok: 0, code: 48, codeName: "NamespaceExists", errmsg: `Collection ${model} already exists.` };
        catalog.set(model, {
          options: Object.fromEntries(
            Object.entries(body).filter(([k]) => !["create", "$db", "lsid", "$clusterTime", "writeConcern", "txnNumber"].includes(k)),
          ),
          indexes: [{ v: 2, key: { _id: 1 }, name: "_id_" }],
        });
        return {};
      case "createIndexes": {
        const c = catalog.get(model);
        if (c === undefined) throw new Error(`createIndexes on ${model} before create`);
        for (const ix of body.indexes as Document[]) c.indexes.push({ v: 2, ...ix });
        return { numIndexesBefore: c.indexes.length - (body.indexes as Document[]).length, numIndexesAfter: c.indexes.length };
      }
      case "collMod": {
        const c = catalog.get(model);
        if (c === undefined) throw new Error(`collMod on ${model} before create`);
        if (body.index !== undefined) {
          const ix = c.indexes.find((i) => JSON.stringify(i.key) === JSON.stringify(body.index.keyPattern));
          if (ix === undefined) return { ok: 0, code: 27, codeName: "IndexNotFound", errmsg: "cannot find index" };
          const old = ix.expireAfterSeconds;
          ix.expireAfterSeconds = body.index.expireAfterSeconds;
          return { expireAfterSeconds_old: old, expireAfterSeconds_new: ix.expireAfterSeconds };
        }
        c.options = { ...c.options, validator: body.validator, validationLevel: body.validationLevel };
        return {};
      }
      case "listIndexes": {
        const made = catalog.get(model);
        if (made !== undefined) return cursor(made.indexes);
        const plans = (this.withoutIndexes.has(model) ? [] : indexesFor(this.schema[model])).map((p) => ({
          v: 2,
          key: p.key,
          name: p.name,
          ...(p.unique && { unique: true }),
          ...(p.partialFilterExpression && { partialFilterExpression: p.partialFilterExpression }),
          ...(p.expireAfterSeconds !== undefined && { expireAfterSeconds: p.expireAfterSeconds }),
        }));
        return cursor([{ v: 2, key: { _id: 1 }, name: "_id_" }, ...plans]);
      }
    }
    throw new Error(`unsupported command ${name}`);
  }

  private async findAndModify(store: Store, model: string, body: Document): Promise<Document> {
    const where = whereOf(body.query ?? {});
    const reply = (row: Row | null, updatedExisting: boolean) => ({
      lastErrorObject: { n: row === null ? 0 : 1, updatedExisting },
      value: row === null ? null : docOf(row),
    });
    if (body.remove === true) return reply(await store.deleteOne(model, where), false);
    const update = body.update as Document;
    const set = rowFields(update.$set);
    const inc = (update.$inc ?? {}) as Record<string, number>;
    if (body.upsert === true) {
      const row = await store.upsert(model, where, { create: rowFields(update.$setOnInsert), set, increment: inc });
      // A real server would try to insert the key and collide with the row the guard rejected.
      if (row === null) throw new UniqueConstraintError(model, keyField(this.schema, model, where));
      return reply(row, true);
    }
    const incs = Object.entries(inc);
    if (incs.length === 0) return reply(await store.update(model, where, set), true);
    let row = await store.increment(model, where, incs[0][0], incs[0][1], set);
    for (const [f, by] of incs.slice(1)) if (row !== null) row = await store.increment(model, [{ field: "id", value: row.id }], f, by);
    return reply(row, true);
  }
}

function keyField(schema: Schema, model: string, where: readonly Where[]): string {
  const fields = schema[model].fields;
  return where.find((w) => w.field === "id" || fields[w.field]?.unique === true)?.field ?? "id";
}

function duplicate(e: UniqueConstraintError): Document {
  const field = e.field === "id" ? "_id" : e.field;
  return {
    code: 11000,
    codeName: "DuplicateKey",
    errmsg: `E11000 duplicate key error collection: kernia.${e.model} index: ${field} dup key: { ${field}: "?" }`,
    keyPattern: { [field]: 1 },
    keyValue: { [field]: null },
  };
}

function rowOf(doc: Document): Row {
  return fromDocument(doc);
}

function docOf(row: Row): Document {
  const { id, ...rest } = row;
  return { _id: id, ...rest };
}

function rowFields(doc: Document | undefined): Record<string, Value> {
  const out: Record<string, Value> = {};
  for (const [k, v] of Object.entries(doc ?? {})) out[k === "_id" ? "id" : k] = v as Value;
  return out;
}

/** The adapter's filters back into a where list ($and of {field: {$op: value}}; $type only narrows to the value's own type). */
export function whereOf(filter: Document): Where[] {
  const out: Where[] = [];
  for (const [k, v] of Object.entries(filter)) {
    if (k === "$and") {
      for (const part of v as Document[]) out.push(...whereOf(part));
      continue;
    }
    const field = k === "_id" ? "id" : k;
    for (const [op, value] of Object.entries(v as Document)) {
      if (op === "$type") continue;
      out.push({ field, operator: op.slice(1) as Where["operator"], value: value as Value });
    }
  }
  return out;
}
