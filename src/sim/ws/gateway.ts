import type { IncomingMessage } from "node:http";
import type { Duplex } from "node:stream";
import { WebSocketServer } from "ws";
import { errorText } from "../../lib/errors.js";
import { SimBadRequestError, SimNotAllowedError, SimRestError } from "../errors.js";
import type { Authenticator, Authorizer } from "../http/auth.js";
import type { WebSocketControl } from "../http/control.js";
import type { ControlState, FaultSpec, WebSocketMode } from "../http/faults.js";
import { authRequiredBody, notFoundPage, rejectUpgrade } from "../http/responses.js";
import { fullName, topicNameOf, type TopicName } from "../model/names.js";
import { decodeMessageId } from "../model/message-id.js";
import { SUBSCRIPTION_TYPES, type StartPosition, type SubscriptionType } from "../model/types.js";
import { ConsumerSession, randomHex } from "./consumer.js";
import { ProducerSession } from "./producer.js";
import { remoteAddress, type Session, type SessionDeps } from "./session.js";

/** The WebSocket service's default webSocketMaxTextFrameSize. */
export const MAX_TEXT_FRAME_BYTES = 1024 * 1024;

export interface GatewayDeps extends SessionDeps {
  readonly control: ControlState;
  readonly authenticator: Authenticator;
  readonly authorizer: Authorizer;
  /** False: the WebSocket service is off (`--websocket off`). */
  readonly enabled?: boolean;
}

interface WsRoute {
  readonly kind: "producer" | "consumer" | "reader";
  readonly name: TopicName;
  readonly subscription?: string;
}

/**
 * `/ws/v2/{producer|reader}/{domain}/{t}/{ns}/{topic}` and `/ws/v2/consumer/.../{topic}/{sub}`. A
 * consumer path without its subscription is a bad argument, as ConsumerHandler's
 * extractSubscription says (400 on the upgrade), not a path nothing serves.
 */
export function parseWsPath(path: string): WsRoute | undefined {
  const parts = path.split("/").map((p) => {
    try {
      return decodeURIComponent(p);
    } catch {
      return p;
    }
  });
  const [empty, ws, v2, kind, domain, tenant, ns, topic, sub] = parts;
  if (empty !== "" || ws !== "ws" || v2 !== "v2" || domain === undefined || tenant === undefined)
    return undefined;
  if (ns === undefined || topic === undefined) return undefined;
  const name = topicNameOf(domain, tenant, ns, topic);
  if ((kind === "producer" || kind === "reader") && parts.length === 8) return { kind, name };
  if (kind === "consumer" && parts.length === 8) {
    throw new SimBadRequestError("Invalid query params: Invalid topic name format");
  }
  if (kind === "consumer" && parts.length === 9) {
    if (!sub) throw new SimBadRequestError("Invalid query params: Empty subscription name");
    return { kind, name, subscription: sub };
  }
  return undefined;
}

/**
 * Status and text of a refused upgrade, as each handler writes them: ReaderHandler answers every
 * failure with 500 "Failed to create reader: ..."; the producer and consumer handlers answer bad
 * arguments with 400 "Invalid query params: ...", a NotAllowedException with 500, the rest with
 * their status and "Failed to create producer: ..." / "Failed to subscribe: ...".
 */
export function upgradeFailure(kind: WsRoute["kind"] | undefined, err: unknown): [number, string] {
  const text = err instanceof SimRestError ? err.reason : errorText(err);
  if (kind === "reader") return [500, `Failed to create reader: ${text}`];
  if (err instanceof SimRestError && err.status === 400) {
    return [400, text.startsWith("Invalid query params: ") ? text : `Invalid query params: ${text}`];
  }
  const prefix = kind === "producer" ? "Failed to create producer: " : "Failed to subscribe: ";
  if (err instanceof SimRestError && !(err instanceof SimNotAllowedError)) return [err.status, prefix + text];
  return [500, prefix + text];
}

/** Java's Integer.parseInt: a NumberFormatException (an IllegalArgumentException) when malformed. */
/** The handler a path names, for the error text of a path that failed to parse. */
function kindOf(path: string): WsRoute["kind"] | undefined {
  const kind = path.split("/")[3];
  return kind === "producer" || kind === "consumer" || kind === "reader" ? kind : undefined;
}

function intParam(q: URLSearchParams, name: string, dflt: number): number {
  const raw = q.get(name);
  if (raw === null) return dflt;
  const n = /^[-+]?\d+$/.test(raw) ? Number(raw) : NaN;
  if (!Number.isSafeInteger(n) || n > 2 ** 31 - 1 || n < -(2 ** 31)) {
    throw new SimBadRequestError(`Invalid query params: For input string: "${raw}"`);
  }
  return n;
}

/** Upgrades WebSocket requests into sessions, applying auth, faults and the control API's mode. */
export class WebSocketGateway implements WebSocketControl {
  // webSocketMaxTextFrameSize (1 MiB by default): a larger frame closes the session with 1009.
  private readonly wss = new WebSocketServer({ noServer: true, maxPayload: MAX_TEXT_FRAME_BYTES });
  private readonly sessions = new Set<Session>();
  /** Every upgrade socket, including hung and failed ones, so close() can end them. */
  private readonly sockets = new Set<Duplex>();
  private mode: WebSocketMode = "normal";

  constructor(private readonly deps: GatewayDeps) {}

  setMode(mode: WebSocketMode): void {
    this.mode = mode;
    this.deps.control.wsMode = mode;
    for (const s of this.sessions) {
      if (mode === "hang") s.freeze();
      else s.thaw();
    }
  }

  dropAll(): number {
    const n = this.sessions.size;
    for (const s of [...this.sessions]) s.terminate();
    this.sessions.clear();
    return n;
  }

  close(): void {
    this.dropAll();
    for (const s of this.sockets) s.destroy();
    this.sockets.clear();
    this.wss.close();
  }

  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    socket.on("error", () => socket.destroy());
    this.sockets.add(socket);
    socket.on("close", () => this.sockets.delete(socket));
    const rawUrl = req.url ?? "/";
    const url = new URL(rawUrl, "http://sim");
    if (this.deps.control.wsMode !== this.mode) this.setMode(this.deps.control.wsMode);
    if (this.deps.enabled === false || this.mode === "refuse") {
      // No servlet on /ws/*: Jetty's 404 page, before authentication (nothing is mapped there).
      return rejectUpgrade(socket, 404, notFoundPage(url.pathname), "text/html;charset=utf-8");
    }
    const fault = this.deps.control.faults.take(rawUrl);
    if (fault) return this.applyFault(socket, fault);
    const auth = this.deps.authenticator.authenticate(req, url.searchParams);
    if (!auth.ok) {
      // The broker's authentication filter sits in front of the WebSocket servlets too.
      const kind = kindOf(url.pathname) ?? "producer";
      const servlet = `org.apache.pulsar.websocket.WebSocket${kind[0]?.toUpperCase()}${kind.slice(1)}Servlet-2b9f0e4d`;
      const { body, contentType } = authRequiredBody(url.pathname, req.headers.accept, servlet);
      return rejectUpgrade(socket, 401, body, contentType);
    }
    let route: WsRoute | undefined;
    let session: ProducerSession | ConsumerSession;
    try {
      route = parseWsPath(url.pathname);
      if (!route) return rejectUpgrade(socket, 404, "Not Found");
      if (!this.deps.authorizer.allowed(fullName(route.name), auth.role)) {
        return rejectUpgrade(socket, 403, `Not authorized to access topic ${fullName(route.name)}`);
      }
      session = this.createSession(route, url.searchParams, req, socket);
      if (session instanceof ConsumerSession) session.check();
    } catch (err) {
      if (!(err instanceof SimRestError)) this.deps.logger.warn({ err }, "websocket upgrade failed");
      const [status, text] = upgradeFailure(route?.kind ?? kindOf(url.pathname), err);
      return rejectUpgrade(socket, status, text);
    }
    this.wss.handleUpgrade(req, socket, head, (ws) => {
      this.sessions.add(session);
      ws.on("close", () => this.sessions.delete(session));
      session.attach(ws, this.mode === "hang", {
        expiresAt: auth.expiresAt,
        verify: (token) => this.deps.authenticator.verifyToken(token),
      });
    });
  }

  private createSession(
    route: WsRoute,
    q: URLSearchParams,
    req: IncomingMessage,
    socket: Duplex,
  ): ProducerSession | ConsumerSession {
    const topics = this.deps.broker.resolveOrCreate(route.name);
    const address = remoteAddress(req);
    if (route.kind === "producer") {
      return new ProducerSession(this.deps, socket, address, {
        topics,
        producerName: q.get("producerName") ?? `standalone-0-${this.deps.broker.nextId()}`,
      });
    }
    const type = (q.get("subscriptionType") ?? "Exclusive") as SubscriptionType;
    if (!SUBSCRIPTION_TYPES.includes(type)) {
      throw new SimBadRequestError(`Invalid query params: Invalid subscriptionType ${type}`);
    }
    const queue = Math.min(intParam(q, "receiverQueueSize", 1000), 1000);
    const reader = route.kind === "reader";
    const mode = reader ? "NonDurable" : (q.get("subscriptionMode") ?? "Durable");
    if (mode !== "Durable" && mode !== "NonDurable") {
      throw new SimBadRequestError(`Invalid query params: Invalid subscriptionMode ${mode}`);
    }
    const start = reader ? this.readerStart(q.get("messageId") ?? "latest") : this.consumerStart(q);
    return new ConsumerSession(this.deps, socket, address, {
      topics,
      // ReaderHandler reads only readerName, receiverQueueSize, cryptoFailureAction and messageId:
      // its subscription is always the Java reader's own reader-<10 hex>.
      subscription: reader ? `reader-${randomHex(10)}` : (route.subscription ?? ""),
      type: reader ? "Exclusive" : type,
      maxPending: queue <= 0 ? 1 : queue,
      pullMode: !reader && q.get("pullMode") === "true",
      consumerName: q.get(reader ? "readerName" : "consumerName") ?? randomHex(10),
      priorityLevel: intParam(q, "priorityLevel", 0),
      nackDelayMs: intParam(q, "negativeAckRedeliveryDelay", 60_000),
      start: () => start,
      reader,
      durable: mode === "Durable",
    });
  }

  private consumerStart(q: URLSearchParams): StartPosition {
    return q.get("subscriptionInitialPosition") === "Earliest" ? "earliest" : "latest";
  }

  /**
   * Reader start: `latest`, `earliest`, or after the given message id (exclusive, as the reader).
   * A bad id fails inside ReaderHandler's try, so it is a 500 "Failed to create reader: ...".
   */
  private readerStart(raw: string): StartPosition {
    if (raw === "latest" || raw === "earliest") return raw;
    return { afterEntryId: decodeMessageId(raw).entryId };
  }

  private applyFault(socket: Duplex, f: FaultSpec): void {
    const kind = f.kind ?? "json";
    if (kind === "hang") return;
    if (kind === "drop") return void socket.destroy();
    if (kind === "garbage") return void socket.end("\u0000\u00ffnot http at all\r\n\r\n");
    const body =
      typeof f.body === "string"
        ? f.body
        : kind === "json"
          ? JSON.stringify({ reason: "Injected fault" })
          : "Injected fault";
    rejectUpgrade(socket, f.status ?? 500, body, kind === "json" ? "application/json" : "text/plain");
  }
}
