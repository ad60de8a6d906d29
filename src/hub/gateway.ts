import type { IncomingMessage, Server } from "node:http";
import type { Duplex } from "node:stream";
import { Registry } from "prom-client";
import { WebSocketServer } from "ws";
import { systemClock, type Clock, type TimerHandle } from "../lib/clock.js";
import { errorText } from "../lib/errors.js";
import { peerCertificateVerified } from "../lib/http.js";
import type { Logger } from "../lib/logger.js";
import { CloseCode } from "../contract/close-codes.js";
import { LIMITS } from "../contract/limits.js";
import { refuseUpgrade, SIDECAR_PATH } from "../contract/upgrade.js";
import { DEFAULT_GATEWAY_LIMITS, GatewayBudget, type GatewayLimits } from "./gateway-budget.js";
import { GatewaySession, type SessionSettings } from "./gateway-session.js";
import {
  copyStats,
  createGatewayMetrics,
  emptyStats,
  type GatewayMetrics,
  type GatewayStats,
  type UpgradeRejection,
} from "./gateway-stats.js";
import type { SidecarHandler, SidecarSession } from "./gateway-types.js";
import { scopeOf, type NamespaceScope, type TokenBook } from "./sidecar-tokens.js";

export { SIDECAR_PATH };

export interface GatewayOptions {
  /**
   * The sidecar tokens with the namespaces each speaks for, read on every upgrade (a mounted Secret
   * may rotate). A hello must name a namespace of its token.
   */
  readonly tokens: TokenBook;
  /** Whether the hub knows a Pulsar cluster: a hello announcing a key of another is refused (default: any). */
  readonly knownCluster?: (name: string) => boolean;
  readonly handler: SidecarHandler;
  readonly logger: Logger;
  readonly clock?: Clock;
  /** Default "/v1/sidecars". */
  readonly path?: string;
  /** The instruments sessions update (the hub's, built with its registry; default a fresh one). */
  readonly metrics?: GatewayMetrics;
  /** First frame must be hello within this (default 5000). */
  readonly helloTimeoutMs?: number;
  /** Hub heartbeat period, told to sidecars in welcome (default 3000). */
  readonly heartbeatIntervalMs?: number;
  /** A session with no frame for this long is terminated (default 10000). */
  readonly leaseTimeoutMs?: number;
  /** Largest frame, also the ws maxPayload (default LIMITS.maxFrameBytes). */
  readonly maxFrameBytes?: number;
  /** A session with more bytes queued for sending is closed 4005 (default 1 MiB). */
  readonly maxBufferedBytes?: number;
  /** Token bucket per session: frames per second (default 200) and burst (default 400). */
  readonly ratePerSecond?: number;
  readonly rateBurst?: number;
  /** Open WebSockets at most; more get 503 on upgrade (default 2048). */
  readonly maxConnections?: number;
  /** On close(): sockets still open after this are destroyed (default 2000). */
  readonly closeGraceMs?: number;
  /** HTTPS with a client CA: an upgrade without a verified client certificate gets 401. */
  readonly peerCertificateRequired?: boolean;
  /** What sessions may hold (default DEFAULT_GATEWAY_LIMITS); a hello beyond is closed 4007. */
  readonly limits?: GatewayLimits;
}

/**
 * The sidecar WebSocket endpoint, attached to an existing HTTP server's `upgrade` event: path and
 * bearer-token check on the upgrade, then one GatewaySession per socket.
 */
export class SidecarGateway {
  private readonly wss: WebSocketServer;
  private readonly clock: Clock;
  private readonly settings: SessionSettings;
  private readonly path: string;
  private readonly maxConnections: number;
  private readonly closeGraceMs: number;
  private readonly sessionSet = new Set<GatewaySession>();
  /** Resolvers of close(): called when a session's socket has closed. */
  private readonly closedWaiters = new Map<GatewaySession, () => void>();
  private readonly counters = emptyStats();
  private readonly metrics: GatewayMetrics;
  private readonly budget: GatewayBudget;
  private closing: Promise<void> | undefined;
  private readonly onUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer): void =>
    this.upgrade(req, socket, head);

  constructor(
    private readonly server: Server,
    private readonly options: GatewayOptions,
  ) {
    this.clock = options.clock ?? systemClock;
    this.metrics = options.metrics ?? createGatewayMetrics(new Registry());
    this.path = options.path ?? SIDECAR_PATH;
    this.maxConnections = options.maxConnections ?? 2048;
    this.closeGraceMs = options.closeGraceMs ?? 2000;
    this.budget = new GatewayBudget(options.limits ?? DEFAULT_GATEWAY_LIMITS);
    this.settings = {
      helloTimeoutMs: options.helloTimeoutMs ?? 5000,
      heartbeatIntervalMs: options.heartbeatIntervalMs ?? 3000,
      leaseTimeoutMs: options.leaseTimeoutMs ?? 10_000,
      maxFrameBytes: options.maxFrameBytes ?? LIMITS.maxFrameBytes,
      maxBufferedBytes: options.maxBufferedBytes ?? 1024 * 1024,
      ratePerSecond: options.ratePerSecond ?? 200,
      rateBurst: options.rateBurst ?? 400,
    };
    this.wss = new WebSocketServer({
      noServer: true,
      clientTracking: false,
      maxPayload: this.settings.maxFrameBytes,
      perMessageDeflate: false,
    });
    server.on("upgrade", this.onUpgrade);
  }

  /** Sessions that joined and have not left. */
  sessions(): SidecarSession[] {
    return [...this.sessionSet].filter((s) => s.open);
  }

  /** Bytes the joined sessions hold, as counted against the limits. */
  heldBytes(): number {
    return this.budget.held;
  }

  /** A copy of the counters. */
  stats(): GatewayStats {
    return copyStats(this.counters);
  }

  /**
   * Stops accepting, ends every session with 1001 (`left` is called for each), and resolves when
   * every socket has closed or was destroyed after closeGraceMs. Idempotent.
   */
  close(): Promise<void> {
    this.closing ??= this.shutdown();
    return this.closing;
  }

  private async shutdown(): Promise<void> {
    this.server.off("upgrade", this.onUpgrade);
    const all = [...this.sessionSet];
    const closed = all.map((s) => new Promise<void>((resolve) => this.closedWaiters.set(s, resolve)));
    for (const s of all) {
      try {
        s.close(CloseCode.goingAway, "hub shutting down");
      } catch (err) {
        this.options.logger.error({ session: s.id, err }, "closing a sidecar session failed");
      }
    }
    let timer: TimerHandle | undefined;
    const grace = new Promise<void>((resolve) => {
      timer = this.clock.setTimeout(() => {
        for (const s of this.sessionSet) s.terminate();
        resolve();
      }, this.closeGraceMs);
    });
    await Promise.race([Promise.all(closed), grace]);
    if (timer !== undefined) this.clock.clearTimeout(timer);
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
  }

  private upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    socket.on("error", () => socket.destroy());
    const pathname = new URL(req.url ?? "/", "http://gateway").pathname;
    if (pathname !== this.path) return this.refuse(socket, 404, "not_found");
    if (this.closing) return this.refuse(socket, 503, "unavailable");
    let scope: NamespaceScope | undefined;
    try {
      scope = scopeOf(req.headers.authorization, this.options.tokens());
    } catch (err) {
      this.options.logger.error({ err: errorText(err) }, "cannot read the sidecar tokens");
      return this.refuse(socket, 503, "unavailable");
    }
    if (this.options.peerCertificateRequired === true && !peerCertificateVerified(req)) {
      this.options.logger.warn(
        { remote: req.socket.remoteAddress },
        "sidecar upgrade without a verified client certificate",
      );
      return this.refuse(socket, 401, "unauthorized");
    }
    if (scope === undefined) {
      this.options.logger.warn({ remote: req.socket.remoteAddress }, "sidecar upgrade without a valid token");
      return this.refuse(socket, 401, "unauthorized");
    }
    if (this.sessionSet.size >= this.maxConnections) return this.refuse(socket, 503, "unavailable");
    this.wss.handleUpgrade(req, socket, head, (ws) => {
      const session: GatewaySession = new GatewaySession(ws, req.socket.remoteAddress ?? "", {
        scope,
        knownCluster: this.options.knownCluster ?? (() => true),
        settings: this.settings,
        budget: this.budget,
        handler: this.options.handler,
        clock: this.clock,
        logger: this.options.logger,
        stats: this.counters,
        metrics: this.metrics,
        onClosed: (s) => {
          this.sessionSet.delete(s);
          this.closedWaiters.get(s)?.();
          this.closedWaiters.delete(s);
        },
      });
      this.sessionSet.add(session);
    });
  }

  private refuse(socket: Duplex, status: number, why: UpgradeRejection): void {
    this.counters.upgradesRejected[why]++;
    this.metrics.rejections.inc({ stage: "upgrade", reason: why });
    refuseUpgrade(socket, status);
  }
}

/** Attaches a gateway to `server`. */
export function attachSidecarGateway(server: Server, options: GatewayOptions): SidecarGateway {
  return new SidecarGateway(server, options);
}
