import type { IncomingMessage } from "node:http";
import type { Duplex } from "node:stream";
import type { WebSocket } from "ws";
import type { Clock } from "../../lib/clock.js";
import type { Logger } from "../../lib/logger.js";
import type { Broker } from "../model/broker.js";

export interface SessionDeps {
  readonly broker: Broker;
  readonly clock: Clock;
  readonly logger: Logger;
}

/** Close codes the Pulsar WebSocket service uses for session errors (WebSocketError). */
export const PulsarCloseCode = {
  FailedToDeserializeFromJSON: 3,
  PayloadEncodingError: 7,
  UnknownError: 8,
} as const;

export function remoteAddress(req: IncomingMessage): string {
  const ip = (req.socket.remoteAddress ?? "127.0.0.1").replace(/^::ffff:/, "");
  return `/${ip}:${req.socket.remotePort ?? 0}`;
}

/**
 * One WebSocket session (producer, consumer or reader). Subclasses implement `open`, `onText` and
 * `cleanup`. A frozen session (WebSocket mode "hang") neither reads frames nor answers pings nor
 * sends anything, until thawed.
 */
export abstract class Session {
  protected ws: WebSocket | undefined;
  private frozen = false;
  private cleaned = false;

  constructor(
    protected readonly deps: SessionDeps,
    protected readonly socket: Duplex,
    readonly address: string,
  ) {}

  /** Called once the upgrade completed. */
  attach(ws: WebSocket, frozen: boolean): void {
    this.ws = ws;
    ws.on("message", (data, isBinary) => {
      if (isBinary) return;
      const text = Buffer.isBuffer(data)
        ? data.toString("utf8")
        : Buffer.from(data as ArrayBuffer).toString("utf8");
      try {
        this.onText(text);
      } catch (err) {
        this.deps.logger.warn({ err }, "websocket session failed on a frame");
        this.closeWithCode(PulsarCloseCode.UnknownError, "Unknown error");
      }
    });
    ws.on("close", () => this.runCleanup());
    ws.on("error", () => this.runCleanup());
    if (frozen) this.freeze();
    this.open();
  }

  get isFrozen(): boolean {
    return this.frozen;
  }

  get isOpen(): boolean {
    return this.ws !== undefined && this.ws.readyState === this.ws.OPEN && !this.cleaned;
  }

  freeze(): void {
    this.frozen = true;
    this.ws?.pause();
  }

  thaw(): void {
    if (!this.frozen) return;
    this.frozen = false;
    this.ws?.resume();
    this.onThaw();
  }

  /** Abrupt end of the TCP connection (like a broker that went away). */
  terminate(): void {
    this.ws?.terminate();
    this.runCleanup();
  }

  protected send(frame: object): void {
    if (!this.isOpen || this.frozen) return;
    this.ws?.send(JSON.stringify(frame));
  }

  /**
   * Closes with one of Pulsar's session error codes (1-8). These are not valid RFC 6455 codes, so
   * the close frame is written by hand, as the broker's Jetty does; clients see a protocol error.
   */
  protected closeWithCode(code: number, reason: string): void {
    const text = Buffer.from(reason.slice(0, 120), "utf8");
    const frame = Buffer.alloc(4 + text.length);
    frame[0] = 0x88;
    frame[1] = 2 + text.length;
    frame.writeUInt16BE(code, 2);
    text.copy(frame, 4);
    this.runCleanup();
    if (!this.socket.destroyed) this.socket.end(frame);
  }

  private runCleanup(): void {
    if (this.cleaned) return;
    this.cleaned = true;
    this.cleanup();
  }

  protected abstract open(): void;
  protected abstract onText(text: string): void;
  protected abstract cleanup(): void;
  protected onThaw(): void {}
}
