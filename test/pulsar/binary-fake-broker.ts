import net from "node:net";
import tls from "node:tls";
import { loadPulsarCodec, type PulsarCodec } from "../../src/pulsar/binary/commands.js";
import { FrameSplitter, type PayloadSection } from "../../src/pulsar/binary/frame.js";
import {
  BaseCommand_Type as T,
  type Command,
  type CommandConnect,
  type CommandLookupTopicResponse,
  type CommandSubscribe,
  ServerError,
} from "../../src/pulsar/binary/generated/pulsar-api.js";
import { FrameQueue } from "../support/frame-queue.js";

/** What the fake answers a command with: a reply, several, or nothing (silence). */
export type Reply = Command | readonly Command[] | "silence";

/** The broker's side, scripted per test: each hook may return `undefined` for the default answer. */
export interface FakeBrokerScript {
  connect?(c: CommandConnect, peer: FakePeer): Reply | undefined;
  lookup?(topic: string, authoritative: boolean, requestId: bigint, peer: FakePeer): Reply | undefined;
  partitions?(topic: string, requestId: bigint, peer: FakePeer): Reply | undefined;
  subscribe?(s: CommandSubscribe, peer: FakePeer): Reply | undefined;
  /** The client closing a consumer; the consumer is gone either way. */
  closeConsumer?(consumerId: bigint, requestId: bigint, peer: FakePeer): Reply | undefined;
}

export interface FakeConsumer {
  readonly peer: FakePeer;
  readonly id: bigint;
  readonly topic: string;
  readonly subscription: string;
  permits: number;
}

export const U64_MAX = 2n ** 64n - 1n;

/** One accepted client connection: what it sent, and a way to send it anything. */
export class FakePeer {
  readonly received = new FrameQueue<Command>();
  /** The frame bodies (after totalSize) as they came on the wire, in order. */
  readonly rawBodies: Buffer[] = [];
  connect: CommandConnect | undefined;
  /** The client's PINGs answered with PONG (false: a peer that reads nothing). */
  answerPings = true;

  constructor(
    readonly socket: net.Socket,
    private readonly codec: PulsarCodec,
  ) {}

  send(
    c: Command,
    payload?: { metadata: { publish_time: bigint }; payload: Uint8Array; checksum?: boolean },
  ): void {
    if (this.socket.destroyed) return;
    this.socket.write(
      payload === undefined
        ? this.codec.encodeCommand(c)
        : this.codec.encodeCommand(c, {
            metadata: { producer_name: "fake", sequence_id: 0n, ...payload.metadata },
            payload: payload.payload,
            checksum: payload.checksum ?? true,
          }),
    );
  }

  raw(bytes: Buffer): void {
    this.socket.write(bytes);
  }

  /** The next command of `type` this client sent. */
  next(type: number, what = `command ${type}`): Promise<Command> {
    return this.received.next((c) => c.type === type, 5000, what);
  }
}

/**
 * A broker fake on a real TCP (or TLS) server on port 0, built on the codec: CONNECTED (feature
 * flag 5 on, 5 MiB), PONG, LOOKUP answered Connect to itself, PARTITIONED_METADATA from `topics`
 * (TopicNotFound for others), SUBSCRIBE (TopicNotFound for unknown topics), FLOW counted,
 * CLOSE_CONSUMER answered SUCCESS. `script` changes any of these per test.
 */
export class FakeBroker {
  readonly peers = new FrameQueue<FakePeer>();
  readonly consumers: FakeConsumer[] = [];
  /** Topic (full name) -> partitions (0: not partitioned). Partitions `-partition-i` exist too. */
  readonly topics = new Map<string, number>();
  script: FakeBrokerScript = {};
  /** What LOOKUP Connect and CONNECTED advertise (set by start). */
  url = "";
  private readonly codec = loadPulsarCodec();

  private constructor(private readonly server: net.Server) {}

  static async start(opts: { tls?: tls.TlsOptions } = {}): Promise<FakeBroker> {
    const server = opts.tls ? tls.createServer(opts.tls) : net.createServer();
    const broker = new FakeBroker(server);
    server.on(opts.tls ? "secureConnection" : "connection", (s: net.Socket) => broker.accept(s));
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const port = (server.address() as net.AddressInfo).port;
    broker.url = `${opts.tls ? "pulsar+ssl" : "pulsar"}://127.0.0.1:${port}`;
    return broker;
  }

  get hostPort(): string {
    return this.url.replace(/^[^/]+\/\//, "");
  }

  /** Every open client connection. */
  livePeers(): FakePeer[] {
    return this.peers.all.filter((p) => !p.socket.destroyed);
  }

  liveConsumers(topic?: string): FakeConsumer[] {
    return this.consumers.filter(
      (c) => !c.peer.socket.destroyed && (topic === undefined || c.topic === topic),
    );
  }

  /** Delivers one message to every consumer of `topic` holding a permit (a permit is spent). */
  publish(topic: string, publishTime: bigint, payload = Buffer.from("x")): number {
    let sent = 0;
    for (const c of this.liveConsumers(topic)) {
      if (c.permits <= 0) continue;
      c.permits--;
      sent++;
      c.peer.send(
        {
          type: T.MESSAGE,
          message: { consumer_id: c.id, message_id: { ledgerId: 1n, entryId: BigInt(sent) } },
        },
        { metadata: { publish_time: publishTime }, payload },
      );
    }
    return sent;
  }

  /** Broker-initiated close of a consumer (unload), request_id 2^64-1. */
  unload(c: FakeConsumer, assignedBrokerServiceUrl?: string): void {
    this.drop(c);
    c.peer.send({
      type: T.CLOSE_CONSUMER,
      close_consumer: {
        consumer_id: c.id,
        request_id: U64_MAX,
        ...(assignedBrokerServiceUrl === undefined ? {} : { assignedBrokerServiceUrl }),
      },
    });
  }

  async close(): Promise<void> {
    for (const p of this.peers.all) p.socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private accept(socket: net.Socket): void {
    const peer = new FakePeer(socket, this.codec);
    this.peers.push(peer);
    const splitter = new FrameSplitter();
    socket.on("error", () => undefined);
    socket.on("data", (chunk: Buffer) => {
      let bodies: Buffer[];
      try {
        bodies = splitter.push(chunk);
      } catch {
        socket.destroy();
        return;
      }
      for (const body of bodies) {
        peer.rawBodies.push(Buffer.from(body));
        const { command, payload } = this.codec.decodeFrame(body);
        if (command.type === "unknown") continue;
        peer.received.push(command);
        this.answer(peer, command, payload);
      }
    });
  }

  private reply(peer: FakePeer, r: Reply): void {
    if (r === "silence") return;
    for (const c of Array.isArray(r) ? (r as readonly Command[]) : [r as Command]) peer.send(c);
  }

  private exists(topic: string): boolean {
    const base = topic.replace(/-partition-\d+$/, "");
    return this.topics.has(topic) || (base !== topic && (this.topics.get(base) ?? 0) > 0);
  }

  private answer(peer: FakePeer, c: Command, _payload: PayloadSection | undefined): void {
    switch (c.type) {
      case T.CONNECT: {
        peer.connect = c.connect;
        const r = this.script.connect?.(c.connect, peer);
        return this.reply(peer, r ?? this.connected(c.connect.protocol_version ?? 0));
      }
      case T.PING:
        if (peer.answerPings) peer.send({ type: T.PONG, pong: {} });
        return;
      case T.LOOKUP: {
        const l = c.lookupTopic;
        const r = this.script.lookup?.(l.topic, l.authoritative === true, l.request_id, peer);
        return this.reply(peer, r ?? lookupReply(l.request_id, { response: 1, brokerServiceUrl: this.url }));
      }
      case T.PARTITIONED_METADATA: {
        const m = c.partitionMetadata;
        const r = this.script.partitions?.(m.topic, m.request_id, peer);
        if (r !== undefined) return this.reply(peer, r);
        const n = this.topics.get(m.topic);
        return peer.send({
          type: T.PARTITIONED_METADATA_RESPONSE,
          partitionMetadataResponse:
            n === undefined
              ? {
                  request_id: m.request_id,
                  response: 1,
                  error: ServerError.TopicNotFound,
                  message: "no topic",
                }
              : { request_id: m.request_id, response: 0, partitions: n },
        });
      }
      case T.SUBSCRIBE: {
        const s = c.subscribe;
        const r = this.script.subscribe?.(s, peer);
        if (r !== undefined) return this.reply(peer, r);
        if (!this.exists(s.topic)) {
          return peer.send(
            errorReply(s.request_id, ServerError.TopicNotFound, `Topic ${s.topic} does not exist`),
          );
        }
        this.consumers.push({
          peer,
          id: s.consumer_id,
          topic: s.topic,
          subscription: s.subscription,
          permits: 0,
        });
        return peer.send({ type: T.SUCCESS, success: { request_id: s.request_id } });
      }
      case T.FLOW: {
        const consumer = this.consumers.find((k) => k.peer === peer && k.id === c.flow.consumer_id);
        if (consumer) consumer.permits += c.flow.messagePermits;
        return;
      }
      case T.CLOSE_CONSUMER: {
        const consumer = this.consumers.find((k) => k.peer === peer && k.id === c.close_consumer.consumer_id);
        if (consumer) this.drop(consumer);
        const { consumer_id, request_id } = c.close_consumer;
        const r = this.script.closeConsumer?.(consumer_id, request_id, peer);
        return this.reply(peer, r ?? { type: T.SUCCESS, success: { request_id } });
      }
      default:
        return;
    }
  }

  private drop(c: FakeConsumer): void {
    const i = this.consumers.indexOf(c);
    if (i >= 0) this.consumers.splice(i, 1);
  }

  connected(clientVersion: number, maxMessageSize = 5 * 1024 * 1024): Command {
    return {
      type: T.CONNECTED,
      connected: {
        server_version: "fake-broker",
        protocol_version: Math.min(clientVersion, 21),
        max_message_size: maxMessageSize,
        feature_flags: { supports_get_partitioned_metadata_without_auto_creation: true },
      },
    };
  }
}

export function lookupReply(
  request_id: bigint,
  fields: Omit<CommandLookupTopicResponse, "request_id">,
): Command {
  return { type: T.LOOKUP_RESPONSE, lookupTopicResponse: { request_id, ...fields } };
}

export function errorReply(request_id: bigint, error: ServerError, message: string): Command {
  return { type: T.ERROR, error: { request_id, error, message } };
}
