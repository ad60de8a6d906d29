import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { Duplex } from "node:stream";
import { WebSocketServer, type WebSocket } from "ws";
import { decodeSidecarFrame, encodeFrame } from "../../src/contract/codec.js";
import type { GrantHint, HelloFrame, HubFrame, SidecarFrame } from "../../src/contract/frames.js";
import { refuseUpgrade, upgradeAuthorized } from "../../src/contract/upgrade.js";
import { PROTOCOL_VERSION } from "../../src/contract/version.js";
import type { WatchKey } from "../../src/state/key.js";
import { FrameQueue } from "./frame-queue.js";
import type { Closed } from "./fake-sidecar.js";

export interface FakeHubOptions {
  /** Accepted token (default "secret"). */
  readonly token?: () => string;
  readonly heartbeatIntervalMs?: number;
  readonly leaseTimeoutMs?: number;
  /** Grant every announced key right after welcome (default false). */
  readonly autoGrant?: boolean;
}

/** One sidecar connected to the fake hub. */
export class FakeHubSession {
  readonly frames = new FrameQueue<SidecarFrame>();
  readonly closed: Promise<Closed>;
  hello: HelloFrame | undefined;

  constructor(readonly ws: WebSocket) {
    this.closed = new Promise((resolve) =>
      ws.once("close", (code, reason) => resolve({ code, reason: reason.toString("utf8") })),
    );
  }

  sendFrame(frame: HubFrame): void {
    this.ws.send(encodeFrame(frame));
  }

  grant(key: WatchKey, hint: GrantHint = {}): void {
    this.sendFrame({ v: PROTOCOL_VERSION, type: "grant", key, ...hint });
  }

  revoke(key: WatchKey): void {
    this.sendFrame({ v: PROTOCOL_VERSION, type: "revoke", key });
  }

  /** Cuts the connection without a close handshake. */
  drop(): void {
    this.ws.terminate();
  }
}

/**
 * A hand-written hub for sidecar tests: a real HTTP + WebSocket server on 127.0.0.1 port 0 that
 * checks the bearer token, decodes every frame with the contract, answers hello with welcome, and
 * lets the test grant, revoke, and drop connections.
 */
export class FakeHub {
  readonly sessions = new FrameQueue<FakeHubSession>();
  /** Authorization headers seen, in order (a fake: tests check token rotation with it). */
  readonly authorizations: Array<string | undefined> = [];
  readonly refused = new FrameQueue<number>();
  private readonly wss = new WebSocketServer({ noServer: true });

  private constructor(
    private readonly server: Server,
    private readonly options: FakeHubOptions,
  ) {
    server.on("upgrade", (req: IncomingMessage, socket: Duplex, head: Buffer) => {
      this.authorizations.push(req.headers.authorization);
      const token = options.token ?? (() => "secret");
      if (!upgradeAuthorized(req, token())) {
        this.refused.push(401);
        refuseUpgrade(socket, 401);
        return;
      }
      this.wss.handleUpgrade(req, socket, head, (ws) => this.accept(ws));
    });
  }

  static async start(options: FakeHubOptions = {}): Promise<FakeHub> {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    return new FakeHub(server, options);
  }

  get url(): string {
    return `ws://127.0.0.1:${(this.server.address() as AddressInfo).port}/v1/sidecars`;
  }

  /** The next session that said hello. */
  nextSession(timeoutMs = 5000): Promise<FakeHubSession> {
    return this.sessions.next(() => true, timeoutMs, "hub session");
  }

  async close(): Promise<void> {
    for (const c of this.wss.clients) c.terminate();
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private accept(ws: WebSocket): void {
    const session = new FakeHubSession(ws);
    ws.on("error", () => {});
    ws.on("message", (data: Buffer) => {
      const frame = decodeSidecarFrame(data);
      session.frames.push(frame);
      if (frame.type !== "hello") return;
      session.hello = frame;
      session.sendFrame({
        v: PROTOCOL_VERSION,
        type: "welcome",
        sessionId: `s${this.sessions.all.length + 1}`,
        heartbeatIntervalMs: this.options.heartbeatIntervalMs ?? 3000,
        leaseTimeoutMs: this.options.leaseTimeoutMs ?? 10_000,
      });
      if (this.options.autoGrant) for (const k of frame.keys) session.grant(k);
      this.sessions.push(session);
    });
  }
}
