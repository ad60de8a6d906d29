import type net from "node:net";
import { EventEmitter } from "eventemitter3";
import { errorText } from "../../lib/errors.js";
import { NetworkError, PulsarError, TimeoutError } from "../errors.js";
import { binaryCredentials } from "./auth-data.js";
import { FrameSplitter, type PayloadSection } from "./frame.js";
import { BaseCommand_Type as T, type Command } from "./generated/pulsar-api.js";
import {
  authResponseCommand,
  brokerFeatures,
  connectCommand,
  openSocket,
  type BrokerFeatures,
} from "./handshake.js";
import { PendingRequests } from "./requests.js";
import { brokerError, ProtocolError } from "./server-error.js";
import { parseServiceUrl, type ServiceAddress } from "./service-url.js";
import type { BinaryConnectionOptions, ConsumerHandler } from "./connection-options.js";
import { Keepalive } from "./keepalive.js";

interface ConnectionEvents {
  /** Said once, with why (socket closed, keepalive, protocol error, or `close()`). */
  close: [error: Error];
}

/**
 * One TCP (or TLS) connection to a broker or proxy: CONNECT handshake with auth, AUTH_CHALLENGE
 * answered with fresh credentials, PING/PONG both ways, request ids and consumer ids of its own,
 * replies matched to requests, MESSAGE and CLOSE_CONSUMER routed to registered consumers. Liveness
 * is any frame but the broker's own PING (a peer that pings but never answers ours is not reading:
 * pulsar-client-cpp#479).
 */
export class BinaryConnection extends EventEmitter<ConnectionEvents> {
  readonly address: ServiceAddress;
  private readonly socket: net.Socket;
  private readonly splitter = new FrameSplitter();
  private readonly pending: PendingRequests;
  private readonly consumers = new Map<bigint, ConsumerHandler>();
  private nextRequestId = 0n;
  private nextConsumerId = 0n;
  private readonly keepalive: Keepalive;
  private closedWith: Error | undefined;
  private brokerFeatures: BrokerFeatures | undefined;
  private handshake: { resolve: () => void; reject: (e: Error) => void } | undefined;

  /** Connects and completes the handshake; rejects with a PulsarError (AuthenticationError...). */
  static open(o: BinaryConnectionOptions): Promise<BinaryConnection> {
    const c = new BinaryConnection(o);
    return c.ready.then(() => c);
  }

  private readonly ready: Promise<void>;

  private constructor(private readonly o: BinaryConnectionOptions) {
    super();
    this.address = parseServiceUrl(o.url);
    const a = this.address;
    this.pending = new PendingRequests(o.clock, a.url);
    this.keepalive = new Keepalive(o.clock, o.timing?.pingIntervalMs ?? 30_000, a.url, {
      ping: () => this.send({ type: T.PING, ping: {} }),
      dead: (err) => this.fail(err),
    });
    this.socket = openSocket(a, o.ca, o.auth.agentOptions);
    this.ready = new Promise<void>((resolve, reject) => {
      this.handshake = { resolve, reject };
    });
    this.ready.catch(() => undefined);
    const connectMs = o.timing?.connectTimeoutMs ?? 10_000;
    const deadline = o.clock.setTimeout(() => {
      this.fail(new TimeoutError(`no CONNECTED within ${connectMs} ms`, a.url));
    }, connectMs);
    void this.ready.then(
      () => o.clock.clearTimeout(deadline),
      () => o.clock.clearTimeout(deadline),
    );
    this.socket.once(a.tls ? "secureConnect" : "connect", () => void this.sendConnect());
    this.socket.on("data", (chunk: Buffer) => this.onData(chunk));
    this.socket.on("error", (err) =>
      this.fail(new NetworkError(`connection failed: ${err.message}`, a.url, { cause: err })),
    );
    this.socket.on("close", () => this.fail(new NetworkError("connection closed by the broker", a.url)));
  }

  get features(): BrokerFeatures {
    if (this.brokerFeatures === undefined) throw new Error("connection not ready");
    return this.brokerFeatures;
  }

  get closed(): boolean {
    return this.closedWith !== undefined;
  }

  newConsumerId(): bigint {
    return this.nextConsumerId++;
  }

  /** Routes the consumer's MESSAGE and CLOSE_CONSUMER to `handler` (register before SUBSCRIBE). */
  registerConsumer(id: bigint, handler: ConsumerHandler): void {
    this.consumers.set(id, handler);
  }

  unregisterConsumer(id: bigint): void {
    this.consumers.delete(id);
  }

  get consumerCount(): number {
    return this.consumers.size;
  }

  /** No consumer registered and no request awaiting its reply: nothing would notice a close. */
  get idle(): boolean {
    return this.consumers.size === 0 && this.pending.size === 0;
  }

  /** Sends a command; false when the connection is already closed. */
  send(command: Command): boolean {
    if (this.closedWith !== undefined) return false;
    this.socket.write(this.o.codec.encodeCommand(command));
    return true;
  }

  /**
   * Sends the command built with a fresh request id and resolves with the reply carrying that id.
   * ERROR rejects with its PulsarError; a reply past the deadline rejects with TimeoutError.
   */
  request(build: (requestId: bigint) => Command): Promise<Command> {
    if (this.closedWith !== undefined) return Promise.reject(this.closedWith);
    const id = this.nextRequestId++;
    const command = build(id);
    const reply = this.pending.wait(id, command, this.o.timing?.requestTimeoutMs ?? 30_000);
    this.send(command);
    return reply;
  }

  /** Closes the socket; pending requests reject and `close` is emitted with `reason`. */
  close(reason: Error = new NetworkError("connection closed by the client", this.address.url)): void {
    this.fail(reason);
  }

  private async sendConnect(): Promise<void> {
    try {
      const creds = await binaryCredentials(this.o.auth, "connect", this.address.url);
      this.send(connectCommand(creds, this.o.proxyToBroker));
    } catch (err) {
      this.fail(err instanceof Error ? err : new Error(String(err)));
    }
  }

  private async answerChallenge(): Promise<void> {
    try {
      this.send(authResponseCommand(await binaryCredentials(this.o.auth, "challenge", this.address.url)));
    } catch (err) {
      // Without fresh credentials the broker will close us at its next check: say why now.
      this.fail(err instanceof Error ? err : new Error(String(err)));
    }
  }

  private onData(chunk: Buffer): void {
    this.o.onBytes?.(chunk.length);
    try {
      for (const body of this.splitter.push(chunk)) {
        if (this.closedWith !== undefined) return;
        const { command, payload } = this.o.codec.decodeFrame(body);
        if (command.type !== T.PING) this.keepalive.alive();
        if (command.type === "unknown") {
          this.o.logger?.debug({ url: this.address.url, type: command.code }, "binary command ignored");
          continue;
        }
        this.dispatch(command, payload);
      }
    } catch (err) {
      const why =
        err instanceof PulsarError
          ? err
          : new ProtocolError(errorText(err), this.address.url, { cause: err });
      this.fail(why);
    }
  }

  private dispatch(c: Command, payload: PayloadSection | undefined): void {
    switch (c.type) {
      case T.CONNECTED:
        return this.onConnected(brokerFeatures(c.connected, this.splitter.maxFrameSize));
      case T.PING:
        this.send({ type: T.PONG, pong: {} });
        return;
      case T.AUTH_CHALLENGE:
        void this.answerChallenge();
        return;
      case T.SUCCESS:
        return this.settle(c.success.request_id, c);
      case T.ERROR: {
        const err = brokerError(c.error.error, c.error.message, this.address.url);
        if (this.pending.reject(c.error.request_id, err)) return;
        // Before CONNECTED: the handshake's refusal (request_id -1). After: a late answer to a
        // request that timed out, which must not take down every consumer of the connection.
        if (this.handshake !== undefined) return this.fail(err);
        this.o.logger?.debug({ url: this.address.url, err: err.message }, "ERROR to no pending request");
        return;
      }
      case T.PARTITIONED_METADATA_RESPONSE:
        return this.settle(c.partitionMetadataResponse.request_id, c);
      case T.LOOKUP_RESPONSE:
        return this.settle(c.lookupTopicResponse.request_id, c);
      case T.GET_LAST_MESSAGE_ID_RESPONSE:
        return this.settle(c.getLastMessageIdResponse.request_id, c);
      case T.MESSAGE:
        this.consumers.get(c.message.consumer_id)?.onMessage(c.message, payload);
        return;
      case T.CLOSE_CONSUMER: {
        const cc = c.close_consumer;
        return this.closeConsumer(
          cc.consumer_id,
          this.pick(cc.assignedBrokerServiceUrl, cc.assignedBrokerServiceUrlTls),
        );
      }
      case T.TOPIC_MIGRATED: {
        const m = c.topicMigrated;
        if (m.resource_type !== 1) return; // producers: we have none
        return this.closeConsumer(m.resource_id, this.pick(m.brokerServiceUrl, m.brokerServiceUrlTls));
      }
      default:
        // ACTIVE_CONSUMER_CHANGE, REACHED_END_OF_TOPIC, PONG...: nothing to do (PONG counted as alive).
        return;
    }
  }

  private onConnected(features: BrokerFeatures): void {
    if (this.handshake === undefined) return;
    this.splitter.maxFrameSize = features.maxFrameSize;
    this.brokerFeatures = features;
    const h = this.handshake;
    this.handshake = undefined;
    this.keepalive.start();
    h.resolve();
  }

  /** The URL of our scheme from a pair the broker sent (plain or TLS), if it sent one. */
  private pick(plain: string | undefined, secure: string | undefined): string | undefined {
    const url = this.address.tls ? (secure ?? plain) : (plain ?? secure);
    return url === undefined || url.length === 0 ? undefined : url;
  }

  private closeConsumer(id: bigint, url: string | undefined): void {
    const handler = this.consumers.get(id);
    this.consumers.delete(id);
    handler?.onClosedByBroker(url);
  }

  private settle(id: bigint, c: Command): void {
    if (this.pending.resolve(id, c)) return;
    this.o.logger?.debug({ url: this.address.url, requestId: String(id) }, "reply to no pending request");
  }

  private fail(err: Error): void {
    if (this.closedWith !== undefined) return;
    this.closedWith = err;
    this.keepalive.stop();
    this.socket.destroy();
    this.handshake?.reject(err);
    this.handshake = undefined;
    this.pending.rejectAll(err);
    this.consumers.clear();
    this.o.logger?.debug({ url: this.address.url, err: err.message }, "binary connection closed");
    this.emit("close", err);
  }
}
