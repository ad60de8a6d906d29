import type { IncomingMessage } from "node:http";
import type { Duplex } from "node:stream";
import type { WebSocket } from "ws";
import type { Clock, TimerHandle } from "../../lib/clock.js";
import type { AuthResult } from "../http/auth.js";
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

/** How long a challenged session may take to answer with fresh credentials before it is closed. */
export const AUTH_REFRESH_GRACE_MS = 10_000;

/** The credentials of a session: when they expire, and how a refreshed token is checked. */
export interface SessionAuth {
  readonly expiresAt: number | undefined;
  readonly verify: (token: string) => AuthResult;
}

/**
 * The challenge the WebSocket service sends when a session's credentials expire (its
 * CommandAuthChallenge as JSON; authData is the broker's refresh marker).
 */
export const AUTH_CHALLENGE_FRAME = {
  type: "AUTH_CHALLENGE",
  authChallenge: {
    challenge: { authMethodName: "token", authData: "PulsarAuthRefresh" },
    protocolVersion: 21,
  },
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
  private auth: SessionAuth | undefined;
  private authTimer: TimerHandle | undefined;

  constructor(
    protected readonly deps: SessionDeps,
    protected readonly socket: Duplex,
    readonly address: string,
  ) {}

  /** Called once the upgrade completed. */
  attach(ws: WebSocket, frozen: boolean, auth?: SessionAuth): void {
    this.ws = ws;
    this.auth = auth;
    this.scheduleChallenge(auth?.expiresAt);
    ws.on("message", (data, isBinary) => {
      if (isBinary) return;
      const text = Buffer.isBuffer(data)
        ? data.toString("utf8")
        : Buffer.from(data as ArrayBuffer).toString("utf8");
      try {
        if (text.includes('"AUTH_RESPONSE"') && this.onAuthResponse(text)) return;
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
    this.clearAuthTimer();
    this.cleanup();
  }

  /** At expiry: the challenge, then a close unless fresh credentials come within the grace time. */
  private scheduleChallenge(expiresAt: number | undefined): void {
    this.clearAuthTimer();
    if (expiresAt === undefined) return;
    const clock = this.deps.clock;
    this.authTimer = clock.setTimeout(
      () => {
        this.send(AUTH_CHALLENGE_FRAME);
        this.authTimer = clock.setTimeout(() => {
          this.authTimer = undefined;
          this.ws?.close(1008, "Authentication expired");
        }, AUTH_REFRESH_GRACE_MS);
      },
      Math.max(0, expiresAt - clock.now()),
    );
  }

  private clearAuthTimer(): void {
    if (this.authTimer) this.deps.clock.clearTimeout(this.authTimer);
    this.authTimer = undefined;
  }

  /** `{"type":"AUTH_RESPONSE","authResponse":{"response":{"authData":token}}}`; true when it was one. */
  private onAuthResponse(text: string): boolean {
    let frame: unknown;
    try {
      frame = JSON.parse(text);
    } catch {
      return false;
    }
    const f = frame as { type?: unknown; authResponse?: { response?: { authData?: unknown } } };
    if (f.type !== "AUTH_RESPONSE") return false;
    const token = f.authResponse?.response?.authData;
    const result = typeof token === "string" && this.auth ? this.auth.verify(token) : undefined;
    if (result?.ok) this.scheduleChallenge(result.expiresAt);
    else this.ws?.close(1008, "Failed to authenticate");
    return true;
  }

  protected abstract open(): void;
  protected abstract onText(text: string): void;
  protected abstract cleanup(): void;
  protected onThaw(): void {}
}
