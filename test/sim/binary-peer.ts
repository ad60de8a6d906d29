import net, { type Socket } from "node:net";
import tls from "node:tls";
import { loadPulsarCodec, type DecodedFrame, type PayloadToSend } from "../../src/pulsar/binary/commands.js";
import { FrameSplitter } from "../../src/pulsar/binary/frame.js";
import {
  BaseCommand_Type as T,
  type Command,
  type CommandConnect,
} from "../../src/pulsar/binary/generated/pulsar-api.js";
import { FrameQueue } from "../support/frame-queue.js";

export const codec = loadPulsarCodec();

/** A received frame: the decoded command, its payload section, and the frame body as sent. */
export interface PeerFrame extends DecodedFrame {
  readonly body: Buffer;
}

export interface PeerOptions {
  /** TLS: the CA to trust (and an optional client certificate). */
  readonly tls?: {
    readonly ca: string | Buffer;
    readonly cert?: string | Buffer;
    readonly key?: string | Buffer;
  };
}

/**
 * A hand-driven binary-protocol peer for the simulator's endpoint tests: it writes the commands
 * the test gives, queues every frame the broker sends, and answers nothing by itself (so a test
 * can check the broker's keepalive), unless `autoPong` is set.
 */
export class BinaryPeer {
  readonly frames = new FrameQueue<PeerFrame>();
  readonly closed: Promise<void>;
  private readonly splitter = new FrameSplitter();
  private requestSeq = 100n;
  autoPong = false;

  private constructor(readonly socket: Socket) {
    socket.on("data", (chunk: Buffer) => {
      for (const body of this.splitter.push(chunk)) {
        const frame = { ...codec.decodeFrame(body), body };
        if (this.autoPong && frame.command.type === T.PING) this.send({ type: T.PONG, pong: {} });
        this.frames.push(frame);
      }
    });
    socket.on("error", () => undefined);
    this.closed = new Promise((resolve) => socket.once("close", () => resolve()));
  }

  /** Opens a TCP (or TLS) connection to `pulsar://host:port` / `pulsar+ssl://host:port`. */
  static open(url: string, o: PeerOptions = {}): Promise<BinaryPeer> {
    const u = new URL(url);
    const port = Number(u.port);
    const host = u.hostname;
    return new Promise((resolve, reject) => {
      const socket =
        u.protocol === "pulsar+ssl:"
          ? tls.connect({ host, port, ...o.tls, checkServerIdentity: () => undefined }, () => resolve(peer))
          : net.connect({ host, port }, () => resolve(peer));
      const peer = new BinaryPeer(socket);
      socket.once("error", reject);
    });
  }

  /** Opens and completes CONNECT; resolves with CONNECTED's command (or the ERROR that refused it). */
  static async connected(
    url: string,
    connect: Partial<CommandConnect> = {},
    o: PeerOptions = {},
  ): Promise<BinaryPeer> {
    const peer = await BinaryPeer.open(url, o);
    peer.send({
      type: T.CONNECT,
      connect: { client_version: "binary-peer", protocol_version: 19, ...connect },
    });
    const first = await peer.next();
    if (first.command.type !== T.CONNECTED)
      throw new Error(`CONNECT refused: ${JSON.stringify(first.command)}`);
    return peer;
  }

  /** Request ids are per connection, as in Pulsar. */
  nextRequestId(): bigint {
    return ++this.requestSeq;
  }

  send(command: Command, payload?: PayloadToSend): void {
    this.socket.write(codec.encodeCommand(command, payload));
  }

  /** The next frame (of `type`, when given). */
  next(type?: number, what = "frame", timeoutMs = 5000): Promise<PeerFrame> {
    return this.frames.next((f) => type === undefined || f.command.type === type, timeoutMs, what);
  }

  close(): void {
    this.socket.destroy();
  }
}
