import WebSocket from "ws";
import { PROTOCOL_VERSION } from "../../src/contract/version.js";
import type { HubFrame, WelcomeFrame } from "../../src/contract/frames.js";
import { decodeHubFrame } from "../../src/contract/codec.js";
import type { WatchKey } from "../../src/state/key.js";
import { FrameQueue } from "./frame-queue.js";

export interface Closed {
  readonly code: number;
  readonly reason: string;
}

/**
 * A hand-written sidecar for gateway tests: a real WebSocket client that can send anything, valid
 * or not, and records every hub frame (decoded with the contract, so the hub's frames are checked).
 */
export class FakeSidecar {
  readonly frames = new FrameQueue<HubFrame>();
  readonly closed: Promise<Closed>;

  private constructor(readonly ws: WebSocket) {
    ws.on("message", (data: Buffer) => this.frames.push(decodeHubFrame(data)));
    this.closed = new Promise((resolve) =>
      ws.once("close", (code, reason) => resolve({ code, reason: reason.toString("utf8") })),
    );
  }

  /** Opens a WebSocket to `url` with `token` (none when undefined); rejects with the HTTP status. */
  static connect(url: string, token: string | undefined): Promise<FakeSidecar> {
    const headers: Record<string, string> = token === undefined ? {} : { Authorization: `Bearer ${token}` };
    const ws = new WebSocket(url, { headers, perMessageDeflate: false });
    ws.on("error", () => {});
    return new Promise((resolve, reject) => {
      ws.once("open", () => resolve(new FakeSidecar(ws)));
      ws.once("unexpected-response", (_req, res) => {
        res.resume();
        reject(new UpgradeRefused(res.statusCode ?? 0));
        ws.terminate();
      });
      ws.once("close", () => reject(new Error("closed before open")));
    });
  }

  /** The HTTP status the upgrade is answered with, or 101. */
  static async upgradeStatus(url: string, token: string | undefined): Promise<number> {
    try {
      const s = await FakeSidecar.connect(url, token);
      s.ws.terminate();
      return 101;
    } catch (err) {
      if (err instanceof UpgradeRefused) return err.status;
      throw err;
    }
  }

  /** Sends hello for `keys` and waits for the welcome. */
  async hello(keys: readonly WatchKey[], pod = "consumer-0", namespace = "default"): Promise<WelcomeFrame> {
    this.send({
      v: PROTOCOL_VERSION,
      type: "hello",
      pod,
      namespace,
      keys,
      sidecarVersion: "test",
    });
    return (await this.frames.next((f) => f.type === "welcome", 5000, "welcome")) as WelcomeFrame;
  }

  /** Sends `value` as JSON, unchecked. */
  send(value: unknown): void {
    this.ws.send(JSON.stringify(value));
  }

  sendRaw(data: string | Buffer, binary = false): void {
    this.ws.send(data, { binary });
  }

  /** Stops reading from the socket: the hub's writes pile up. */
  stopReading(): void {
    (this.ws as unknown as { _socket: { pause(): void } })._socket.pause();
  }

  terminate(): void {
    this.ws.terminate();
  }
}

export class UpgradeRefused extends Error {
  constructor(readonly status: number) {
    super(`upgrade refused with HTTP ${status}`);
  }
}
