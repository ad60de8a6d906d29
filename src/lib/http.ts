import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { Logger } from "./logger.js";

export interface HubHttpOptions {
  readonly host: string;
  readonly port: number;
  /** /readyz answers 200 iff this is true. */
  readonly ready: () => boolean;
  /** /healthz answers 200 while this is true (default: always). */
  readonly live?: () => boolean;
  /** /metrics body (Prometheus text format). */
  readonly metrics: () => string;
  readonly logger: Logger;
}

export interface HubHttp {
  /** The node http.Server, so a later issue can attach a WebSocket `upgrade` handler. */
  readonly server: Server;
  readonly port: number;
  /** Idempotent. */
  close(): Promise<void>;
}

function send(res: ServerResponse, code: number, body: string, type = "text/plain; charset=utf-8"): void {
  res.writeHead(code, { "content-type": type, "cache-control": "no-store" });
  res.end(body);
}

/** /healthz, /readyz and /metrics on node:http. */
export async function startHubHttp(opts: HubHttpOptions): Promise<HubHttp> {
  const handle = (req: IncomingMessage, res: ServerResponse): void => {
    const path = (req.url ?? "/").split("?")[0];
    if (req.method !== "GET" && req.method !== "HEAD") return send(res, 405, "method not allowed\n");
    switch (path) {
      case "/healthz":
        return (opts.live?.() ?? true) ? send(res, 200, "ok\n") : send(res, 503, "shutting down\n");
      case "/readyz":
        return opts.ready() ? send(res, 200, "ready\n") : send(res, 503, "not ready\n");
      case "/metrics":
        return send(res, 200, opts.metrics(), "text/plain; version=0.0.4; charset=utf-8");
      default:
        return send(res, 404, "not found\n");
    }
  };
  const server = createServer((req, res) => {
    try {
      handle(req, res);
    } catch (err) {
      opts.logger.error({ err, url: req.url }, "HTTP handler failed");
      if (!res.headersSent) send(res, 500, "internal error\n");
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(opts.port, opts.host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  let closing: Promise<void> | undefined;
  return {
    server,
    port,
    close() {
      closing ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return closing;
    },
  };
}
