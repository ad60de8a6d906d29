import { EventEmitter } from "eventemitter3";
import WebSocket, { type RawData } from "ws";
import { backoffDelay } from "../src/lib/backoff.js";
import { systemClock, type Clock, type TimerHandle } from "../src/lib/clock.js";
import { errorText } from "../src/lib/errors.js";
import { keyId, type WatchKey } from "../src/state/key.js";
import { bearerHeader } from "../src/contract/bearer.js";
import { CloseCode, closeCodeFor } from "../src/contract/close-codes.js";
import { decodeHubFrame, encodeFrame } from "../src/contract/codec.js";
import { FrameError } from "../src/contract/errors.js";
import type { HubFrame, ReportFrame, WelcomeFrame } from "../src/contract/frames.js";
import { LIMITS, MAX_CLOSE_REASON_BYTES, truncateUtf8 } from "../src/contract/limits.js";
import { PROTOCOL_VERSION } from "../src/contract/version.js";
import { HeldKeys } from "./held-keys.js";
import type {
  HubConnectionEvents,
  HubConnectionOptions,
  HubConnectionStats,
  WelcomeInfo,
} from "./hub-connection-types.js";
import type { HubConnectionError } from "./hub-errors.js";

export type { HubConnectionEvents, HubConnectionOptions, HubConnectionStats, WelcomeInfo };
export type { RevokeReason } from "./held-keys.js";
import {
  HubClosedError,
  HubProtocolError,
  HubRejectedError,
  HubTimeoutError,
  HubUnreachableError,
  TokenUnavailableError,
} from "./hub-errors.js";

/**
 * The sidecar's end of the channel: connect with the bearer token, hello with the keys, heartbeats
 * both ways, grants and revokes as events, reconnect with backoff and jitter and announce again.
 * Nothing is buffered while disconnected: `send` drops (and counts) what cannot go out now.
 */
export class HubConnection extends EventEmitter<HubConnectionEvents> {
  private readonly clock: Clock;
  private readonly held: HeldKeys;
  private readonly counters: HubConnectionStats = {
    connects: 0,
    disconnects: 0,
    framesIn: 0,
    framesOut: 0,
    droppedDisconnected: 0,
    droppedNotGranted: 0,
    droppedBackpressure: 0,
  };
  private ws: WebSocket | undefined;
  private welcome: WelcomeFrame | undefined;
  /** The lease timeout of the last session (from its welcome): the reconnect backoff's cap. */
  private leaseTimeoutMs: number | undefined;
  private failure: HubConnectionError | undefined;
  private attempt = 0;
  private started = false;
  private closing: Promise<void> | undefined;
  private timers: { retry?: TimerHandle; heartbeat?: TimerHandle; liveness?: TimerHandle } = {};
  private lastFrameAt = 0;

  constructor(private readonly options: HubConnectionOptions) {
    super();
    this.clock = options.clock ?? systemClock;
    this.held = new HeldKeys(
      this.clock,
      (k, hint) => this.emit("grant", k, hint),
      (k, why) => this.emit("revoke", k, why),
    );
  }

  /** Starts connecting (attach listeners first). Idempotent. */
  start(): void {
    if (this.started || this.closing) return;
    this.started = true;
    this.connect();
  }

  /** Connected and welcomed. */
  get connected(): boolean {
    return this.welcome !== undefined;
  }

  get sessionId(): string | undefined {
    return this.welcome?.sessionId;
  }

  /** Whether reports for the key are sent now (granted in the current session; see `send`). */
  holds(key: WatchKey): boolean {
    return this.held.current(key);
  }

  /** Keys to keep watching: granted, or lapsing after a disconnect. */
  watchedKeys(): WatchKey[] {
    return this.held.watched();
  }

  stats(): HubConnectionStats {
    return { ...this.counters };
  }

  /**
   * Sends a report; false (and counted) when not connected, the key is not granted in this session,
   * or the socket is backed up. This is the sidecar's only grant check: whatever produced the report
   * (a watcher still running for a lapsing key, one racing a revoke) sends it here. An error
   * message is cut to LIMITS.errorMessageBytes. Throws FrameError for an otherwise invalid frame
   * (a bug of the caller).
   */
  send(frame: ReportFrame): boolean {
    const ws = this.ws;
    if (!this.welcome || !ws || ws.readyState !== WebSocket.OPEN) return this.drop("droppedDisconnected");
    if (!this.held.current(frame.key)) return this.drop("droppedNotGranted");
    if (ws.bufferedAmount > (this.options.maxBufferedBytes ?? 1024 * 1024)) {
      return this.drop("droppedBackpressure");
    }
    const out =
      frame.type === "error"
        ? { ...frame, message: truncateUtf8(frame.message, LIMITS.errorMessageBytes) }
        : frame;
    ws.send(encodeFrame(out, this.maxFrameBytes()));
    this.counters.framesOut++;
    return true;
  }

  /** Leaves the hub (1000), stops reconnecting, revokes every key ("closed"). Idempotent. */
  close(): Promise<void> {
    this.closing ??= this.shutdown();
    return this.closing;
  }

  private async shutdown(): Promise<void> {
    this.clearTimers(true);
    const ws = this.ws;
    if (ws && ws.readyState !== WebSocket.CLOSED) {
      const closed = new Promise<void>((resolve) => ws.once("close", () => resolve()));
      if (ws.readyState === WebSocket.CONNECTING) ws.terminate();
      else ws.close(CloseCode.normal, "sidecar leaving");
      const grace = setTimeout(() => ws.terminate(), 2000);
      await closed;
      clearTimeout(grace);
    }
    this.held.clear("closed");
  }

  private connect(): void {
    this.failure = undefined;
    let token: string;
    try {
      token = this.options.token();
    } catch (err) {
      this.disconnected(
        new TokenUnavailableError(`cannot read the hub token: ${errorText(err)}`, { cause: err }),
      );
      return;
    }
    let tls: ReturnType<NonNullable<HubConnectionOptions["tls"]>> | undefined;
    try {
      tls = this.options.tls?.();
    } catch (err) {
      this.disconnected(
        new HubUnreachableError(`cannot read the hub TLS files: ${errorText(err)}`, { cause: err }),
      );
      return;
    }
    const ws = new WebSocket(this.options.url, {
      headers: { Authorization: bearerHeader(token) },
      maxPayload: this.maxFrameBytes(),
      handshakeTimeout: this.options.connectTimeoutMs ?? 5000,
      perMessageDeflate: false,
      followRedirects: false,
      ...tls,
    });
    this.ws = ws;
    ws.on("unexpected-response", (_req, res) => {
      this.failure ??= new HubRejectedError(res.statusCode ?? 0);
      res.resume();
      ws.terminate();
    });
    ws.on("open", () => this.onOpen(ws));
    ws.on("message", (data, isBinary) => this.onMessage(ws, data, isBinary));
    ws.on("error", (err) => {
      this.failure ??= new HubUnreachableError(`hub connection failed: ${err.message}`, { cause: err });
    });
    ws.once("close", (code, reason) => {
      if (this.ws !== ws) return;
      this.ws = undefined;
      this.disconnected(this.failure ?? new HubClosedError(code, reason.toString("utf8")));
    });
  }

  private onOpen(ws: WebSocket): void {
    const { pod, namespace, keys, sidecarVersion } = this.options;
    ws.send(encodeFrame({ v: PROTOCOL_VERSION, type: "hello", pod, namespace, keys, sidecarVersion }));
    this.counters.framesOut++;
    const ms = this.options.connectTimeoutMs ?? 5000;
    this.timers.liveness = this.clock.setTimeout(
      () => this.abort(ws, new HubTimeoutError(`no welcome from the hub within ${ms} ms`)),
      ms,
    );
  }

  private onMessage(ws: WebSocket, data: RawData, isBinary: boolean): void {
    // After a protocol error this end is closing the socket: nothing more is acted on.
    if (this.ws !== ws || this.failure) return;
    let frame: HubFrame;
    try {
      if (isBinary) throw new FrameError("invalid", "frame: binary frames are not accepted");
      frame = decodeHubFrame(
        Buffer.isBuffer(data) ? data : Buffer.from(data as ArrayBuffer),
        this.maxFrameBytes(),
      );
    } catch (err) {
      if (!(err instanceof FrameError)) throw err;
      ws.close(closeCodeFor(err.problem), truncateUtf8(err.message, MAX_CLOSE_REASON_BYTES));
      this.failure ??= new HubProtocolError(`hub sent a bad frame: ${err.message}`, { cause: err });
      return;
    }
    this.counters.framesIn++;
    this.lastFrameAt = this.clock.now();
    if (frame.type === "welcome") return this.onWelcome(ws, frame);
    if (!this.welcome) {
      ws.close(CloseCode.helloRequired, "expected welcome first");
      this.failure ??= new HubProtocolError(`hub sent ${frame.type} before welcome`);
      return;
    }
    if (frame.type === "grant") {
      const { partitioned } = frame;
      const hint = partitioned === undefined ? {} : { partitioned };
      const id = keyId(frame.key);
      if (this.options.keys.some((k) => keyId(k) === id)) this.held.grant(frame.key, hint);
    } else if (frame.type === "revoke") this.held.revoke(frame.key, "hub");
  }

  private onWelcome(ws: WebSocket, frame: WelcomeFrame): void {
    if (this.welcome) return;
    this.clearTimers(false);
    this.welcome = frame;
    this.attempt = 0;
    this.counters.connects++;
    this.armHeartbeat(ws, frame.heartbeatIntervalMs);
    this.armLiveness(ws, this.clock.now() + frame.leaseTimeoutMs);
    const { sessionId, heartbeatIntervalMs, leaseTimeoutMs } = frame;
    this.emit("connected", { sessionId, heartbeatIntervalMs, leaseTimeoutMs });
  }

  private armHeartbeat(ws: WebSocket, intervalMs: number): void {
    this.timers.heartbeat = this.clock.setTimeout(() => {
      if (ws.readyState !== WebSocket.OPEN) return;
      ws.send(encodeFrame({ v: PROTOCOL_VERSION, type: "heartbeat", sentAt: this.clock.now() }));
      this.counters.framesOut++;
      this.armHeartbeat(ws, intervalMs);
    }, intervalMs);
  }

  /** No frame from the hub within the lease timeout: the hub (or the path to it) is gone. */
  private armLiveness(ws: WebSocket, at: number): void {
    this.timers.liveness = this.clock.setTimeout(
      () => {
        const timeout = this.welcome?.leaseTimeoutMs ?? 0;
        const due = this.lastFrameAt + timeout;
        if (this.clock.now() < due) return this.armLiveness(ws, due);
        this.abort(ws, new HubTimeoutError(`no frame from the hub for ${timeout} ms`));
      },
      Math.max(0, at - this.clock.now()),
    );
  }

  private abort(ws: WebSocket, error: HubConnectionError): void {
    this.failure ??= error;
    ws.terminate();
  }

  private disconnected(error: HubConnectionError): void {
    const lease = this.welcome?.leaseTimeoutMs;
    this.welcome = undefined;
    this.clearTimers(false);
    if (lease !== undefined) {
      this.counters.disconnects++;
      this.held.disconnected(lease);
    }
    if (this.closing) return;
    // Never wait longer than the last lease timeout the hub announced: past it the hub has taken
    // this sidecar's keys over (its own watchers, twice the admin load), so a hub back from a
    // restart must see the sidecar again within about one lease timeout, not after 30 s of backoff.
    if (lease !== undefined) this.leaseTimeoutMs = lease;
    const backoff = this.options.backoff ?? { baseMs: 250, maxMs: 30_000 };
    const maxMs = Math.max(backoff.baseMs, Math.min(backoff.maxMs, this.leaseTimeoutMs ?? backoff.maxMs));
    const retryInMs = backoffDelay(this.attempt++, { ...backoff, maxMs });
    this.timers.retry = this.clock.setTimeout(() => this.connect(), retryInMs);
    this.emit("disconnected", error, retryInMs);
  }

  private clearTimers(includingRetry: boolean): void {
    const { retry, heartbeat, liveness } = this.timers;
    for (const t of includingRetry ? [retry, heartbeat, liveness] : [heartbeat, liveness]) {
      if (t !== undefined) this.clock.clearTimeout(t);
    }
    this.timers = includingRetry ? {} : { retry };
  }

  private drop(counter: "droppedDisconnected" | "droppedNotGranted" | "droppedBackpressure"): false {
    this.counters[counter]++;
    return false;
  }

  private maxFrameBytes(): number {
    return this.options.maxFrameBytes ?? LIMITS.maxFrameBytes;
  }
}
