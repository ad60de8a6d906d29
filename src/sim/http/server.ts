import http, { type IncomingMessage, type ServerResponse } from "node:http";
import https from "node:https";
import { setTimeout as sleep } from "node:timers/promises";
import type { Clock } from "../../lib/clock.js";
import { errorText } from "../../lib/errors.js";
import type { Logger } from "../../lib/logger.js";
import { SimRestError } from "../errors.js";
import type { Broker } from "../model/broker.js";
import { fullName } from "../model/names.js";
import type { AuthOptions, TlsOptions } from "../options.js";
import type { WebSocketGateway } from "../ws/gateway.js";
import { AdminRoutes, topicTarget } from "./admin.js";
import type { Authenticator, Authorizer } from "./auth.js";
import { CONTROL_PREFIX, type ControlRoutes } from "./control.js";
import type { ControlState, FaultSpec } from "./faults.js";
import { DISCOVERY_PATH, TOKEN_PATH, handleOAuth } from "./oauth.js";
import {
  readBody,
  sendAuthRequired,
  sendJson,
  sendNotFoundPage,
  sendReason,
  sendText,
  unexpectedErrorText,
} from "./responses.js";

export interface ServerDeps {
  readonly broker: Broker;
  readonly control: ControlState;
  readonly controlRoutes: ControlRoutes;
  readonly gateway: WebSocketGateway;
  readonly authenticator: Authenticator;
  readonly authorizer: Authorizer;
  readonly auth: AuthOptions;
  readonly tls: TlsOptions | undefined;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly brokerName: () => string;
}

const ADMIN_PREFIX = "/admin/v2/";
const GARBAGE = '{"msgRateIn":0.0,"subscriptions":{"workers":{"msgBacklog":1';

/** Writes an injected fault; resolves true when the request is done with (answered, hung or dropped). */
function applyFault(req: IncomingMessage, res: ServerResponse, f: FaultSpec, path: string): void {
  const headers: Record<string, string> =
    f.retryAfterSeconds !== undefined ? { "Retry-After": String(f.retryAfterSeconds) } : {};
  const status = f.status ?? 500;
  switch (f.kind ?? "json") {
    case "hang":
      return;
    case "drop":
      req.socket.destroy();
      return;
    case "html401":
      return sendAuthRequired(res, path, headers);
    case "text":
      return sendText(
        res,
        status,
        typeof f.body === "string" ? f.body : unexpectedErrorText("Injected fault"),
        headers,
      );
    case "garbage": {
      const text = typeof f.body === "string" ? f.body : GARBAGE;
      res.writeHead(status, {
        "Content-Type": "application/json",
        "Content-Length": Buffer.byteLength(text),
        ...headers,
      });
      res.end(text);
      return;
    }
    case "json":
      if (f.body !== undefined && typeof f.body !== "string") return sendJson(res, status, f.body, headers);
      return sendReason(res, status, typeof f.body === "string" ? f.body : "Injected fault", headers);
  }
}

/** The broker's web port: admin REST, the OAuth2 stand-in, `/_sim` control, and WebSocket upgrades. */
export function createSimServer(deps: ServerDeps): http.Server {
  const admin = new AdminRoutes(deps.broker, deps.brokerName);
  const oauth = deps.auth.mode === "oauth2" ? deps.auth : undefined;

  async function handleAdmin(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const path = url.pathname;
    const rawUrl = req.url ?? path;
    const segments = path
      .slice(ADMIN_PREFIX.length)
      .split("/")
      .filter((s) => s !== "")
      .map(decodeURIComponent);
    const target = topicTarget(segments, req.method ?? "GET");
    const topic = target ? fullName(target.name) : undefined;
    deps.control.requests.record(path, topic);
    const delay = deps.control.latency.delayFor(rawUrl);
    if (delay > 0) await sleep(delay);
    const fault = deps.control.faults.take(rawUrl);
    if (fault) return applyFault(req, res, fault, path);
    const auth = deps.authenticator.authenticate(req);
    if (!auth.ok) return sendAuthRequired(res, path, {}, req.headers.accept);
    const redirect = topic !== undefined ? deps.control.redirects.find(topic) : undefined;
    if (redirect) {
      res.writeHead(redirect.status ?? 307, {
        Location: `${redirect.to.replace(/\/+$/, "")}${rawUrl}`,
        "Content-Length": 0,
      });
      res.end();
      return;
    }
    if (target && topic !== undefined && !deps.authorizer.allowed(topic, auth.role)) {
      return sendReason(
        res,
        401,
        `Unauthorized to validateTopicOperation for operation [${target.operation}] on topic [${topic}]`,
      );
    }
    const body = await readBody(req);
    const result = admin.handle({ method: req.method ?? "GET", segments, query: url.searchParams, body });
    if (result.body === undefined) {
      res.writeHead(result.status, { "Content-Length": 0 });
      res.end();
    } else sendJson(res, result.status, result.body);
  }

  async function onRequest(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", "http://sim");
    const path = url.pathname;
    try {
      if (path.startsWith(CONTROL_PREFIX)) return await deps.controlRoutes.handle(req, res, path);
      if (path === DISCOVERY_PATH || path === TOKEN_PATH) {
        const delay = deps.control.latency.delayFor(req.url ?? path);
        if (delay > 0) await sleep(delay);
        const fault = deps.control.faults.take(req.url ?? path);
        if (fault) return applyFault(req, res, fault, path);
        return await handleOAuth(req, res, path, oauth, deps.clock, deps.tls !== undefined);
      }
      if (path.startsWith(ADMIN_PREFIX)) return await handleAdmin(req, res, url);
      sendNotFoundPage(res, path);
    } catch (err) {
      if (res.headersSent) {
        res.destroy();
        return;
      }
      if (err instanceof SimRestError) return sendReason(res, err.status, err.reason);
      deps.logger.warn({ err, path }, "unexpected error in admin request");
      sendText(res, 500, unexpectedErrorText(errorText(err)));
    }
  }

  const handler = (req: IncomingMessage, res: ServerResponse) => void onRequest(req, res);
  const server = deps.tls
    ? https.createServer(
        {
          cert: deps.tls.cert,
          key: deps.tls.key,
          ...(deps.tls.ca !== undefined ? { ca: deps.tls.ca } : {}),
          requestCert: deps.tls.requireClientCert === true || deps.tls.ca !== undefined,
          // Checked by the Authenticator, so /_sim stays reachable without a client certificate.
          rejectUnauthorized: false,
        },
        handler,
      )
    : http.createServer(handler);
  server.on("upgrade", (req: IncomingMessage, socket, head: Buffer) =>
    deps.gateway.handleUpgrade(req, socket, head),
  );
  server.on("clientError", (_err, socket) => socket.destroy());
  return server;
}
