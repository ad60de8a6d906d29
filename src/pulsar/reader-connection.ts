import type { IncomingMessage } from "node:http";
import WebSocket from "ws";
import { backoffDelay } from "../lib/backoff.js";
import type { TimerHandle } from "../lib/clock.js";
import { mapTransportError } from "./error-mapping.js";
import { ArrivalsUnavailableError, AuthenticationError, NetworkError, TimeoutError } from "./errors.js";
import { socketError, upgradeError } from "./reader-errors.js";
import { MAX_FRAME_BYTES, parseReaderFrame } from "./reader-frame.js";
import { safeUrl } from "./safe-url.js";
import type { ReaderConnectionOptions } from "./reader-options.js";

/**
 * A one-message tripwire on one topic or partition over Pulsar's WebSocket reader API: a reader
 * from `latest` with `receiverQueueSize=1` that never acknowledges. ReaderHandler sends a frame
 * only while fewer than receiverQueueSize frames are unacknowledged, so the broker sends it one
 * message and then nothing. That first message fires the tripwire: the ArrivalEvent is emitted and
 * the connection closed (a spent reader can only be armed again from latest by a new one: an ack
 * would release a stale message the proxy already holds). `rearm()` connects a new reader and says
 * `connected` when it is open. Pings for liveness; while armed, reconnects with backoff and jitter
 * until closed. When the WebSocket service is off (404 on upgrade, or connection refused) it
 * reports `unavailable` once and retries every `unavailableRetryMs`.
 */
export class ReaderConnection {
  private ws: WebSocket | undefined;
  private timer: TimerHandle | undefined;
  private pongTimer: TimerHandle | undefined;
  private attempt = 0;
  private closed = false;
  /** The tripwire fired: no connection until rearm(). */
  private fired = false;
  /** An AUTH_CHALLENGE closed the connection: connect again at once with fresh credentials. */
  private renewNow = false;
  /** Challenges since the connection last proved alive (a pong): a second one backs off. */
  private challenges = 0;
  private unavailableSaid = false;
  private badFrameCount = 0;
  private closing: Promise<void> | undefined;
  private readonly safe: string;

  constructor(private readonly o: ReaderConnectionOptions) {
    this.safe = safeUrl(o.url);
  }

  get badFrames(): number {
    return this.badFrameCount;
  }

  /** True between the message that fired the tripwire and the next rearm(). */
  get spent(): boolean {
    return this.fired;
  }

  start(): void {
    void this.connect();
  }

  /** Arms a fired tripwire again from latest; a no-op while armed (or connecting to be). */
  rearm(): void {
    if (this.closed || !this.fired) return;
    this.fired = false;
    this.attempt = 0;
    void this.connect();
  }

  close(): Promise<void> {
    this.closing ??= new Promise<void>((resolve) => {
      this.closed = true;
      this.clearTimers();
      const ws = this.ws;
      if (ws === undefined || ws.readyState === WebSocket.CLOSED) return resolve();
      ws.once("close", () => resolve());
      ws.terminate();
    });
    return this.closing;
  }

  private async connect(): Promise<void> {
    if (this.closed) return;
    let headers: Record<string, string>;
    try {
      headers = await this.o.auth.headers();
    } catch (err) {
      this.retry(mapTransportError(err, this.safe));
      return;
    }
    if (this.closed) return;
    this.o.onAttempt?.();
    const tls = this.o.auth.agentOptions;
    const ws = new WebSocket(this.o.url, {
      headers,
      perMessageDeflate: false,
      maxPayload: MAX_FRAME_BYTES,
      ca: this.o.ca,
      cert: tls?.cert,
      key: tls?.key,
    });
    this.ws = ws;
    let failure: Error | undefined;
    let stable = false;
    const fail = (err: Error): void => {
      failure ??= err;
      ws.terminate();
    };
    const handshakeMs = this.o.handshakeTimeoutMs ?? 5000;
    this.timer = this.o.clock.setTimeout(() => {
      this.timer = undefined;
      fail(new TimeoutError(`WebSocket upgrade not done within ${handshakeMs} ms`, this.safe));
    }, handshakeMs);
    ws.on("unexpected-response", (_req, res: IncomingMessage) => {
      res.resume();
      fail(upgradeError(res.statusCode ?? 0, this.safe));
    });
    ws.on("error", (err) => {
      failure ??= socketError(err, this.safe);
    });
    ws.on("open", () => {
      this.unavailableSaid = false;
      this.o.onStatus({ kind: "connected", topic: this.o.topic, partition: this.o.partition });
      this.schedulePing(ws, fail);
    });
    ws.on("pong", () => {
      if (!stable) this.attempt = 0;
      stable = true;
      this.challenges = 0;
      if (this.pongTimer) this.o.clock.clearTimeout(this.pongTimer);
      this.pongTimer = undefined;
      this.schedulePing(ws, fail);
    });
    ws.on("message", (data: WebSocket.RawData) => {
      if (!stable) this.attempt = 0;
      stable = true;
      this.onFrame(ws, data, fail);
    });
    ws.on("close", (code: number) => {
      // A socket closed after the tripwire fired may close after rearm() opened the next one.
      if (this.ws !== ws) return;
      this.ws = undefined;
      this.clearTimers();
      if (this.closed || this.fired) return;
      if (this.renewNow && failure === undefined) {
        this.renewNow = false;
        void this.connect();
        return;
      }
      this.renewNow = false;
      this.retry(failure ?? new NetworkError(`WebSocket closed by the server (code ${code})`, this.safe));
    });
  }

  private onFrame(ws: WebSocket, data: WebSocket.RawData, fail: (err: Error) => void): void {
    if (this.fired || this.ws !== ws) return;
    const receivedAt = this.o.clock.now();
    const frame = parseReaderFrame(data);
    if (frame.kind === "auth-challenge") return this.onAuthChallenge(ws, fail);
    if (frame.kind === "bad") {
      this.badFrameCount++;
      this.o.onBadFrame?.();
      return;
    }
    // Fired: never acknowledged, so nothing more comes; the reader is closed until rearm().
    this.fired = true;
    this.clearTimers();
    ws.terminate();
    try {
      this.o.onArrival({
        topic: this.o.topic,
        partition: this.o.partition,
        publishTime: frame.publishTime ?? receivedAt,
        receivedAt,
      });
    } catch (err) {
      this.o.logger?.error({ err }, "arrival callback threw");
    }
  }

  /**
   * The session's credentials expired. A new connection is made at once with fresh ones (the
   * provider re-reads a token file, OAuth2 fetches a token); it says `connected` when open, so the
   * watcher polls once for what came in the gap. Challenged again before the new connection proved
   * alive: the credentials do not renew, so it fails with AuthenticationError and backs off.
   */
  private onAuthChallenge(ws: WebSocket, fail: (err: Error) => void): void {
    this.challenges++;
    if (this.challenges > 1) {
      fail(
        new AuthenticationError("WebSocket session challenged again: credentials did not renew", this.safe),
      );
      return;
    }
    this.o.logger?.debug({ url: this.safe }, "auth challenge: reconnecting with fresh credentials");
    this.renewNow = true;
    this.clearTimers();
    ws.terminate();
  }

  private schedulePing(ws: WebSocket, fail: (err: Error) => void): void {
    if (this.timer) this.o.clock.clearTimeout(this.timer);
    this.timer = this.o.clock.setTimeout(() => {
      this.timer = undefined;
      if (ws.readyState !== WebSocket.OPEN) return;
      ws.ping();
      const waitMs = this.o.pongTimeoutMs ?? 5000;
      this.pongTimer = this.o.clock.setTimeout(() => {
        this.pongTimer = undefined;
        fail(new TimeoutError(`no pong within ${waitMs} ms: connection presumed dead`, this.safe));
      }, waitMs);
    }, this.o.pingIntervalMs ?? 5000);
  }

  private retry(err: Error): void {
    if (this.closed) return;
    this.clearTimers();
    let delay: number;
    if (err instanceof ArrivalsUnavailableError) {
      delay = this.o.unavailableRetryMs ?? 60_000;
      if (!this.unavailableSaid) {
        this.unavailableSaid = true;
        this.o.onStatus({ kind: "unavailable", error: err });
      }
    } else {
      delay = backoffDelay(this.attempt++, this.o.backoff ?? { baseMs: 250, maxMs: 30_000 });
      this.o.onStatus({ kind: "disconnected", error: err, retryInMs: delay });
    }
    this.o.logger?.debug(
      { url: this.safe, err: err.message, retryInMs: delay },
      "reader reconnect scheduled",
    );
    this.timer = this.o.clock.setTimeout(() => {
      this.timer = undefined;
      void this.connect();
    }, delay);
  }

  private clearTimers(): void {
    if (this.timer) this.o.clock.clearTimeout(this.timer);
    if (this.pongTimer) this.o.clock.clearTimeout(this.pongTimer);
    this.timer = undefined;
    this.pongTimer = undefined;
  }
}
