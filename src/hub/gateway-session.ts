import { randomUUID } from "node:crypto";
import type { RawData, WebSocket } from "ws";
import type { Clock, TimerHandle } from "../lib/clock.js";
import { errorText } from "../lib/errors.js";
import type { Logger } from "../lib/logger.js";
import { keyId, type WatchKey } from "../state/key.js";
import { CloseCode } from "../contract/close-codes.js";
import { decodeSidecarFrame, encodeFrame } from "../contract/codec.js";
import { closeCodeForVersion, hubFrameFor } from "../contract/compat.js";
import { FrameError } from "../contract/errors.js";
import type { GrantHint, HelloFrame, HubFrame, ReportFrame, SidecarFrame } from "../contract/frames.js";
import { MAX_CLOSE_REASON_BYTES, truncateUtf8 } from "../contract/limits.js";
import { PROTOCOL_VERSION, type ProtocolVersion } from "../contract/version.js";
import { REJECT_CODES, type GatewayMetrics, type GatewayStats, type RejectReason } from "./gateway-stats.js";
import type { EndCause, SidecarHandler, SidecarSession } from "./gateway-types.js";
import type { GatewayBudget } from "./gateway-budget.js";
import { SessionKeys } from "./session-keys.js";
import { inScope, type NamespaceScope } from "./sidecar-tokens.js";
import { TokenBucket } from "./token-bucket.js";

export interface SessionSettings {
  readonly helloTimeoutMs: number;
  readonly heartbeatIntervalMs: number;
  readonly leaseTimeoutMs: number;
  readonly maxFrameBytes: number;
  readonly maxBufferedBytes: number;
  readonly ratePerSecond: number;
  readonly rateBurst: number;
}

export interface SessionContext {
  /** The namespaces the session's token speaks for: its hello must name one of them. */
  readonly scope: NamespaceScope;
  /** Whether the hub knows a cluster: every key of the hello must be of one it knows. */
  readonly knownCluster: (name: string) => boolean;
  readonly settings: SessionSettings;
  /** The gateway's count of what sessions hold: a hello is admitted against it. */
  readonly budget: GatewayBudget;
  readonly handler: SidecarHandler;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly stats: GatewayStats;
  readonly metrics: GatewayMetrics;
  /** Called once, when the socket has closed. */
  readonly onClosed: (session: GatewaySession) => void;
}

/**
 * One sidecar WebSocket: hello deadline, decoding, key checks, rate limit, heartbeats, liveness and
 * back-pressure. Every failure ends this session only.
 */
export class GatewaySession implements SidecarSession {
  readonly id = randomUUID();
  pod = "";
  namespace = "";
  sidecarVersion = "";
  keys: readonly WatchKey[] = [];
  /** The version of the hello: every frame to this sidecar is sent in it. */
  private version: ProtocolVersion = PROTOCOL_VERSION;
  private ledger = new SessionKeys([]);
  private joined = false;
  private ended = false;
  /** Bytes reserved in the budget while joined. */
  private heldBytes = 0;
  private lastFrameAt: number;
  private readonly bucket: TokenBucket;
  private helloTimer: TimerHandle | undefined;
  private heartbeatTimer: TimerHandle | undefined;
  private leaseTimer: TimerHandle | undefined;

  constructor(
    private readonly ws: WebSocket,
    readonly remoteAddress: string,
    private readonly ctx: SessionContext,
  ) {
    const { clock, settings } = ctx;
    this.lastFrameAt = clock.now();
    this.bucket = new TokenBucket(settings.ratePerSecond, settings.rateBurst, clock);
    ctx.stats.connectionsOpen++;
    this.helloTimer = clock.setTimeout(
      () => this.reject("hello_timeout", `no hello within ${settings.helloTimeoutMs} ms`),
      settings.helloTimeoutMs,
    );
    ws.on("message", (data, isBinary) => this.onMessage(data, isBinary));
    ws.on("error", (err: Error & { code?: string }) => this.onSocketError(err));
    ws.once("close", (code, reason) => {
      this.finish(code, reason.toString("utf8"), "peer");
      ctx.stats.connectionsOpen--;
      ctx.onClosed(this);
    });
  }

  get open(): boolean {
    return this.joined && !this.ended;
  }

  announced(key: WatchKey): boolean {
    return this.ledger.announced(key);
  }

  holds(key: WatchKey): boolean {
    return this.ledger.holds(key);
  }

  grant(key: WatchKey, hint: GrantHint = {}): void {
    if (this.ended && this.ledger.announced(key)) return;
    if (!this.ledger.grant(key, this.id)) return;
    const { partitioned } = hint;
    this.send({ v: PROTOCOL_VERSION, type: "grant", key, ...(partitioned !== undefined && { partitioned }) });
  }

  revoke(key: WatchKey): void {
    if (this.ended) return;
    if (this.ledger.revoke(key, this.ctx.clock.now()))
      this.send({ v: PROTOCOL_VERSION, type: "revoke", key });
  }

  close(code: number, reason: string): void {
    if (!(code === 1000 || code === 1001 || (code >= 3000 && code <= 4999))) {
      throw new RangeError(`close code must be 1000, 1001 or 3000-4999, got ${code}`);
    }
    this.end(code, reason, code === CloseCode.goingAway ? "shutdown" : "closed");
  }

  /** Forcibly destroys the socket (gateway shutdown deadline). */
  terminate(): void {
    this.ws.terminate();
  }

  private send(frame: HubFrame): void {
    if (this.ended) {
      this.ctx.stats.framesNotSent++;
      return;
    }
    if (this.ws.bufferedAmount > this.ctx.settings.maxBufferedBytes) {
      this.reject(
        "slow_consumer",
        `peer does not read: over ${this.ctx.settings.maxBufferedBytes} bytes queued`,
      );
      this.ws.terminate();
      return;
    }
    this.ws.send(encodeFrame(hubFrameFor(frame, this.version), this.ctx.settings.maxFrameBytes));
    this.ctx.stats.framesOut[frame.type]++;
  }

  private onMessage(data: RawData, isBinary: boolean): void {
    if (this.ended) return;
    this.lastFrameAt = this.ctx.clock.now();
    if (!this.bucket.take()) {
      const { ratePerSecond, rateBurst } = this.ctx.settings;
      this.reject("rate_limited", `over ${ratePerSecond} frames/s (burst ${rateBurst})`);
      return;
    }
    if (isBinary) {
      this.reject("invalid", "binary frames are not accepted; send JSON text");
      return;
    }
    let frame: SidecarFrame;
    try {
      frame = decodeSidecarFrame(toBuffer(data), this.ctx.settings.maxFrameBytes);
    } catch (err) {
      if (!(err instanceof FrameError)) throw err;
      this.reject(err.problem, err.message);
      return;
    }
    this.ctx.stats.framesIn[frame.type]++;
    if (frame.type === "hello") {
      if (this.joined) this.reject("hello_required", "hello sent twice");
      else this.onHello(frame);
      return;
    }
    if (!this.joined) {
      this.reject("hello_required", `expected hello first, got ${frame.type}`);
      return;
    }
    if (frame.type === "heartbeat") this.call(() => this.ctx.handler.heartbeat(this, frame.sentAt));
    else this.onReport(frame);
  }

  private onHello(hello: HelloFrame): void {
    const { clock, settings, stats } = this.ctx;
    this.clearTimer("helloTimer");
    this.pod = hello.pod;
    this.namespace = hello.namespace;
    this.sidecarVersion = hello.sidecarVersion;
    this.version = hello.v;
    if (!this.admitted(hello)) return;
    this.keys = hello.keys;
    this.ledger = new SessionKeys(hello.keys);
    this.send({
      v: PROTOCOL_VERSION,
      type: "welcome",
      sessionId: this.id,
      heartbeatIntervalMs: settings.heartbeatIntervalMs,
      leaseTimeoutMs: settings.leaseTimeoutMs,
    });
    if (this.ended) return;
    this.joined = true;
    stats.sessionsOpen++;
    this.ctx.metrics.sessionsConnected.inc();
    stats.sessionsJoined++;
    this.ctx.logger.info({ session: this.id, pod: this.pod, keys: this.keys.length }, "sidecar joined");
    this.armHeartbeat();
    this.armLease(clock.now() + settings.leaseTimeoutMs);
    this.call(() => this.ctx.handler.joined(this, hello));
  }

  /** The token's namespace and the clusters of the keys; refuses the session (4006) otherwise. */
  private admitted(hello: HelloFrame): boolean {
    if (!inScope(this.ctx.scope, hello.namespace)) {
      this.reject("namespace_forbidden", `token not valid for namespace ${hello.namespace}`);
      return false;
    }
    const foreign = hello.keys.find((k) => !this.ctx.knownCluster(k.cluster));
    if (foreign) {
      this.reject("cluster_unknown", `cluster not configured on the hub: ${foreign.cluster}`);
      return false;
    }
    const admitted = this.ctx.budget.admit(hello);
    if ("over" in admitted) {
      this.reject(admitted.over, admitted.reason);
      return false;
    }
    this.heldBytes = admitted.bytes;
    this.ctx.metrics.heldBytes.set(this.ctx.budget.held);
    return true;
  }

  private onReport(frame: ReportFrame): void {
    const verdict = this.ledger.verdict(frame.key, this.ctx.clock.now(), this.ctx.settings.leaseTimeoutMs);
    if (verdict === "late") {
      this.ctx.stats.reportsAfterRevoke++;
      this.ctx.metrics.reportsDropped.inc();
      return;
    }
    if (verdict !== "accept") {
      const why = verdict === "not_announced" ? "announced" : "leased";
      this.reject(`key_not_${why}`, `key not ${why}: ${keyId(frame.key)}`);
      return;
    }
    const h = this.ctx.handler;
    if (frame.type === "observation") this.call(() => h.observation(this, frame.key, frame.observation));
    else if (frame.type === "arrival") {
      const { receivedAt } = frame;
      this.call(() => h.arrival(this, frame.key, { receivedAt }));
    } else this.call(() => h.error(this, frame.key, frame.errorClass, frame.message));
  }

  private onSocketError(err: Error & { code?: string }): void {
    // ws closes the socket itself after a protocol error (1009 for a frame over maxPayload).
    if (err.code === "WS_ERR_UNSUPPORTED_MESSAGE_LENGTH") {
      this.ctx.stats.rejected.too_large++;
      this.ctx.metrics.rejections.inc({ stage: "session", reason: "too_large" });
      this.finish(CloseCode.tooLarge, "frame too large", "too_large");
    } else if (err.code?.startsWith("WS_ERR_")) {
      this.ctx.stats.rejected.invalid++;
      this.ctx.metrics.rejections.inc({ stage: "session", reason: "invalid" });
      this.finish(1002, errorText(err), "invalid");
    } else {
      this.finish(1006, errorText(err), "peer");
    }
  }

  private armHeartbeat(): void {
    const { clock, settings } = this.ctx;
    this.heartbeatTimer = clock.setTimeout(() => {
      this.send({ v: PROTOCOL_VERSION, type: "heartbeat", sentAt: clock.now() });
      if (!this.ended) this.armHeartbeat();
    }, settings.heartbeatIntervalMs);
  }

  private armLease(at: number): void {
    const { clock, settings } = this.ctx;
    this.leaseTimer = clock.setTimeout(
      () => {
        const due = this.lastFrameAt + settings.leaseTimeoutMs;
        if (clock.now() < due) return this.armLease(due);
        this.reject("lease_timeout", `no frame for ${settings.leaseTimeoutMs} ms`);
        this.ws.terminate();
      },
      Math.max(0, at - clock.now()),
    );
  }

  private reject(why: RejectReason, reason: string): void {
    if (this.ended) return;
    this.ctx.stats.rejected[why]++;
    this.ctx.metrics.rejections.inc({ stage: "session", reason: why });
    this.end(REJECT_CODES[why], reason, why);
  }

  /** Ends the session now (left is called) and starts the close handshake. */
  private end(code: number, reason: string, cause: EndCause): void {
    if (this.ended) return;
    const text = truncateUtf8(reason, MAX_CLOSE_REASON_BYTES);
    this.finish(code, text, cause);
    this.ws.close(closeCodeForVersion(code, this.version), text);
  }

  private finish(code: number, reason: string, cause: EndCause): void {
    if (this.ended) return;
    this.ended = true;
    this.clearTimer("helloTimer");
    this.clearTimer("heartbeatTimer");
    this.clearTimer("leaseTimer");
    const log = { session: this.id, pod: this.pod || undefined, code, reason, cause };
    if (cause === "peer" || cause === "closed" || cause === "shutdown")
      this.ctx.logger.info(log, "sidecar left");
    else this.ctx.logger.warn(log, "sidecar session rejected");
    this.releaseBytes();
    if (!this.joined) return;
    this.ctx.stats.sessionsOpen--;
    this.ctx.metrics.sessionsConnected.dec();
    this.call(() => this.ctx.handler.left(this, { code, reason, cause }));
  }

  private releaseBytes(): void {
    if (this.heldBytes === 0) return;
    this.ctx.budget.release(this.heldBytes);
    this.heldBytes = 0;
    this.ctx.metrics.heldBytes.set(this.ctx.budget.held);
  }

  private clearTimer(name: "helloTimer" | "heartbeatTimer" | "leaseTimer"): void {
    const t = this[name];
    if (t !== undefined) this.ctx.clock.clearTimeout(t);
    this[name] = undefined;
  }

  private call(fn: () => void): void {
    try {
      fn();
    } catch (err) {
      this.ctx.logger.error({ session: this.id, err }, "sidecar handler failed");
    }
  }
}

function toBuffer(data: RawData): Buffer {
  if (Buffer.isBuffer(data)) return data;
  if (Array.isArray(data)) return Buffer.concat(data);
  return Buffer.from(data);
}
