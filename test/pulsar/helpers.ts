import http from "node:http";
import type { AddressInfo } from "node:net";
import type { ClusterConfig } from "../../src/pulsar/cluster.js";
import { pulsarFixture } from "../support/fixtures.js";

/** The text of a recorded broker document (test/fixtures/pulsar/). */
export const fixture = pulsarFixture;

export interface TestServer {
  readonly server: http.Server;
  readonly port: number;
  readonly url: string;
  close(): Promise<void>;
}

/** An http server on 127.0.0.1, port 0. `close()` also drops keep-alive sockets. */
export async function startHttp(
  handler: http.RequestListener,
  server: http.Server = http.createServer(),
): Promise<TestServer> {
  server.on("request", handler);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  const scheme = "cert" in server ? "https" : "http";
  return {
    server,
    port,
    url: `${scheme}://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export function cluster(adminUrl: string, over: Partial<ClusterConfig> = {}): ClusterConfig {
  return {
    name: "test",
    adminUrl,
    wsUrl: adminUrl.replace(/^http/, "ws"),
    arrivals: "auto",
    auth: { kind: "none" },
    requestTimeoutMs: 2000,
    ...over,
  };
}

export function sendJson(
  res: http.ServerResponse,
  status: number,
  body: unknown,
  headers: http.OutgoingHttpHeaders = {},
): void {
  const text = typeof body === "string" ? body : JSON.stringify(body);
  res.writeHead(status, { "content-type": "application/json", ...headers });
  res.end(text);
}

/** Catches a rejection and returns the error (fails if it resolves). */
export async function rejection(p: Promise<unknown>): Promise<Error> {
  try {
    await p;
  } catch (err) {
    if (err instanceof Error) return err;
    throw new Error(`rejected with a non-Error: ${String(err)}`);
  }
  throw new Error("expected a rejection, got a value");
}

export { makeCerts } from "../support/certs.js";
