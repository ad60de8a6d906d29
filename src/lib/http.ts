import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { setImmediate as nextTurn } from "node:timers/promises";
import type { Registry } from "prom-client";
import type { Logger } from "./logger.js";

export interface HubHttpOptions {
  readonly host: string;
  readonly port: number;
  /** /readyz answers 200 iff this is true. */
  readonly ready: () => boolean;
  /** /healthz answers 200 while this is true (default: always). */
  readonly live?: () => boolean;
  /** What /metrics serves: the program's registry, rendered per scrape. */
  readonly registry: Registry;
  readonly logger: Logger;
  /** More GET routes by exact path (the status page); a route answers with a full reply. */
  readonly routes?: Readonly<Record<string, HttpRoute>>;
}

/** A reply of an extra route: its status, headers (content-type at least) and body. */
export interface HttpReply {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

/** An extra GET route; `query` is the request's query string parsed. */
export type HttpRoute = (query: URLSearchParams) => HttpReply | Promise<HttpReply>;

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

/**
 * The text `registry.metrics()` renders (families joined by a blank line), rendered one family
 * per event-loop turn: a scrape then blocks the loop for its largest family (the per-key series),
 * not for the whole registry, and KEDA calls are answered between families while scrapers loop.
 */
export async function renderMetrics(registry: Registry): Promise<string> {
  const families: string[] = [];
  for (const m of registry.getMetricsAsArray()) {
    families.push(await registry.getSingleMetricAsString(m.name));
    await nextTurn();
  }
  return `${families.join("\n\n")}\n`;
}

/** /healthz, /readyz and /metrics on node:http, plus the extra routes given. */
export async function startHubHttp(opts: HubHttpOptions): Promise<HubHttp> {
  const { registry } = opts;
  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const [path = "/", query = ""] = (req.url ?? "/").split("?", 2);
    if (req.method !== "GET" && req.method !== "HEAD") return send(res, 405, "method not allowed\n");
    const route = Object.hasOwn(opts.routes ?? {}, path) ? opts.routes?.[path] : undefined;
    if (route) {
      const reply = await route(new URLSearchParams(query));
      res.writeHead(reply.status, { "cache-control": "no-store", ...reply.headers });
      res.end(reply.body);
      return;
    }
    switch (path) {
      case "/healthz":
        return (opts.live?.() ?? true) ? send(res, 200, "ok\n") : send(res, 503, "shutting down\n");
      case "/readyz":
        return opts.ready() ? send(res, 200, "ready\n") : send(res, 503, "not ready\n");
      case "/metrics":
        return send(res, 200, await renderMetrics(registry), registry.contentType);
      default:
        return send(res, 404, "not found\n");
    }
  };
  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      opts.logger.error({ err, url: req.url }, "HTTP handler failed");
      if (!res.headersSent) send(res, 500, "internal error\n");
    });
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
