/**
 * Loopback servers for tests: `startServer(auth)` serves a Kernia instance with toNodeHandler on
 * 127.0.0.1 and an OS-chosen port; `expressApp(auth)` gives an Express 5 app for supertest.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import express from "express";
import type { Kernia } from "../../src/auth/types.js";
import { toNodeHandler } from "../../src/integrations/node.js";

export interface RunningServer {
  server: Server;
  /** e.g. "http://127.0.0.1:53211" */
  url: string;
  close(): Promise<void>;
}

/** Express 5 app with the auth handler mounted the documented way. */
export function expressApp(auth: Kernia, configure?: (app: express.Express) => void): express.Express {
  const app = express();
  configure?.(app);
  app.all("/api/auth/*splat", toNodeHandler(auth));
  return app;
}

/** Serve `auth` (plain node:http, or the given Express app) on 127.0.0.1:0. */
export async function startServer(auth: Kernia, app?: express.Express): Promise<RunningServer> {
  const server = createServer(app ?? toNodeHandler(auth));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    server,
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((e) => (e ? reject(e) : resolve()));
      }),
  };
}
