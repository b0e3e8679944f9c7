/**
 * Loopback servers for tests: `startServer(auth)` serves a Kernia instance with toNodeHandler on
 * 127.0.0.1 and an OS-chosen port; `expressApp(auth)` gives an Express 5 app for supertest.
 */
import { createServer, type RequestListener, type Server } from "node:http";
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
  app.use("/api/auth", toNodeHandler(auth));
  return app;
}

/**
 * Serve on 127.0.0.1:0: a Kernia instance through toNodeHandler, or any listener (an Express app, or a
 * late-bound function when the instance needs the server's URL as its baseURL).
 */
export async function startServer(target: Kernia | RequestListener): Promise<RunningServer> {
  const server = createServer(typeof target === "function" ? target : toNodeHandler(target));
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
