import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import type { AddressInfo } from "node:net";
import { setImmediate as nextTurn } from "node:timers/promises";
import type { Registry } from "prom-client";
import { TLSSocket } from "node:tls";
import { errorText } from "./errors.js";
import type { Logger } from "./logger.js";
import { RotatingTlsFiles, type TlsFiles } from "./tls-files.js";

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
  /**
   * Serve HTTPS with these files (re-read when they change). With a client CA, clients are asked
   * for a certificate but not refused at the handshake: probes and scrapers have none, and the
   * sidecar endpoint checks `peerCertificateVerified` on its upgrade.
   */
  readonly tls?: TlsFiles;
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
  /** "https" with TLS, else "http". */
  readonly scheme: "http" | "https";
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

/** Whether the request came over TLS with a client certificate the server's client CA signed. */
export function peerCertificateVerified(req: IncomingMessage): boolean {
  return req.socket instanceof TLSSocket && req.socket.authorized;
}

/**
 * An HTTPS server whose certificate follows its files: before each new connection's handshake the
 * files are stat'ed, and changed ones are installed with setSecureContext (which is what the
 * handshake of that connection then uses). A rotation that cannot be loaded yet is logged once
 * per distinct error and the previous certificate keeps serving.
 */
function httpsServer(
  files: TlsFiles,
  logger: Logger,
  listener: (req: IncomingMessage, res: ServerResponse) => void,
): Server {
  const tls = new RotatingTlsFiles(files);
  const server = createHttpsServer(
    { ...tls.initial, requestCert: files.clientCaFile !== undefined, rejectUnauthorized: false },
    listener,
  );
  let lastError = "";
  // Prepended: the TLS wrapper of the same 'connection' event reads the context installed here.
  server.prependListener("connection", () => {
    try {
      const material = tls.changed();
      if (material === undefined) return;
      server.setSecureContext(material);
      lastError = "";
      logger.info({ certFile: files.certFile }, "HTTP TLS certificate reloaded");
    } catch (err) {
      const text = errorText(err);
      if (text !== lastError) logger.warn({ err: text }, "HTTP TLS files changed but cannot be loaded yet");
      lastError = text;
    }
  });
  server.on("tlsClientError", (err) => logger.debug({ err: err.message }, "TLS handshake failed"));
  return server;
}

/** /healthz, /readyz and /metrics on node:http (node:https with `tls`), plus the extra routes given. */
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
  const listener = (req: IncomingMessage, res: ServerResponse): void => {
    handle(req, res).catch((err: unknown) => {
      opts.logger.error({ err, url: req.url }, "HTTP handler failed");
      if (!res.headersSent) send(res, 500, "internal error\n");
    });
  };
  const server = opts.tls ? httpsServer(opts.tls, opts.logger, listener) : createServer(listener);
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
    scheme: opts.tls ? "https" : "http",
    close() {
      closing ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return closing;
    },
  };
}
