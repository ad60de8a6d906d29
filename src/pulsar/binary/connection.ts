import net from "node:net";
import tls from "node:tls";
import { EventEmitter } from "eventemitter3";
import type { Clock, TimerHandle } from "../../lib/clock.js";
import { errorText } from "../../lib/errors.js";
import type { Logger } from "../../lib/logger.js";
import type { AuthProvider } from "../auth/provider.js";
import { NetworkError, PulsarError, TimeoutError } from "../errors.js";
import { binaryCredentials } from "./auth-data.js";
import type { PulsarCodec } from "./commands.js";
import { FRAME_SIZE_MARGIN, FrameSplitter, type PayloadSection } from "./frame.js";
import { BaseCommand_Type as T, type Command, type CommandMessage } from "./generated/pulsar-api.js";
import { brokerError, ProtocolError } from "./server-error.js";
import { parseServiceUrl, type ServiceAddress } from "./service-url.js";

/** protocol_version we speak: 20 is the first with TOPIC_MIGRATED, which we handle (PULSAR-BINARY.md §3). */
export const PROTOCOL_VERSION = 20;
export const CLIENT_VERSION = "pulsar-push-scaler";

export interface ConnectionTiming {
  /** PING period; a broker silent for two periods is dropped (default 30000, Pulsar's keepalive). */
  readonly pingIntervalMs?: number;
  /** TCP, TLS and CONNECT..CONNECTED together (default 10000). */
  readonly connectTimeoutMs?: number;
  /** Deadline of one request (lookup, SUBSCRIBE, CLOSE_CONSUMER...) (default 30000). */
  readonly requestTimeoutMs?: number;
}

export interface BinaryConnectionOptions {
  /** Where the TCP connection goes: the broker, or the service URL in proxy mode. */
  readonly url: string;
  /** Proxy mode: the broker ("host:port") the proxy at `url` forwards this connection to. */
  readonly proxyToBroker?: string;
  readonly auth: AuthProvider;
  /** CA bundle for pulsar+ssl. */
  readonly ca?: Buffer;
  readonly clock: Clock;
  readonly codec: PulsarCodec;
  readonly logger?: Logger;
  readonly timing?: ConnectionTiming;
  /** Bytes read from the socket (counters). */
  readonly onBytes?: (n: number) => void;
}

/** What a consumer registered on a connection hears from the broker. */
export interface ConsumerHandler {
  onMessage(message: CommandMessage, payload: PayloadSection | undefined): void;
  /**
   * The broker closed the consumer (CLOSE_CONSUMER: unload, ownership move, graceful stop) or moved
   * its topic (TOPIC_MIGRATED); `url` is where it said to go, if it did. The id is unregistered.
   */
  onClosedByBroker(url: string | undefined): void;
}

interface ConnectionEvents {
  /** Said once, with why (socket closed, keepalive, protocol error, or `close()`). */
  close: [error: Error];
}

interface Pending {
  readonly resolve: (c: Command) => void;
  readonly reject: (e: Error) => void;
  readonly timer: TimerHandle;
}

export interface BrokerFeatures {
  /** FeatureFlags 5: PARTITIONED_METADATA may ask not to create the topic's metadata. */
  readonly partitionedMetadataWithoutAutoCreation: boolean;
  readonly protocolVersion: number;
  /** Largest frame either side may send: CONNECTED.max_message_size + 10 KiB. */
  readonly maxFrameSize: number;
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
  private readonly pending = new Map<bigint, Pending>();
  private readonly consumers = new Map<bigint, ConsumerHandler>();
  private nextRequestId = 0n;
  private nextConsumerId = 0n;
  private keepalive: TimerHandle | undefined;
  private aliveSinceTick = true;
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
    const cert = o.auth.agentOptions;
    this.socket = a.tls
      ? tls.connect({
          host: a.host,
          port: a.port,
          ca: o.ca,
          cert: cert?.cert,
          key: cert?.key,
          servername: net.isIP(a.host) === 0 ? a.host : undefined,
        })
      : net.connect({ host: a.host, port: a.port });
    this.socket.setNoDelay(true);
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
    const ms = this.o.timing?.requestTimeoutMs ?? 30_000;
    return new Promise<Command>((resolve, reject) => {
      const timer = this.o.clock.setTimeout(() => {
        this.pending.delete(id);
        reject(
          new TimeoutError(`no reply to ${commandName(command.type)} within ${ms} ms`, this.address.url),
        );
      }, ms);
      this.pending.set(id, { resolve, reject, timer });
      this.send(command);
    });
  }

  /** Closes the socket; pending requests reject and `close` is emitted with `reason`. */
  close(reason: Error = new NetworkError("connection closed by the client", this.address.url)): void {
    this.fail(reason);
  }

  private async sendConnect(): Promise<void> {
    try {
      const creds = await binaryCredentials(this.o.auth, true, this.address.url);
      this.send({
        type: T.CONNECT,
        connect: {
          client_version: CLIENT_VERSION,
          protocol_version: PROTOCOL_VERSION,
          ...(creds.method === undefined ? {} : { auth_method_name: creds.method }),
          ...(creds.data === undefined ? {} : { auth_data: creds.data }),
          ...(this.o.proxyToBroker === undefined ? {} : { proxy_to_broker_url: this.o.proxyToBroker }),
          feature_flags: { supports_auth_refresh: true, supports_broker_entry_metadata: false },
        },
      });
    } catch (err) {
      this.fail(err instanceof Error ? err : new Error(String(err)));
    }
  }

  private async answerChallenge(): Promise<void> {
    try {
      const creds = await binaryCredentials(this.o.auth, true, this.address.url);
      this.send({
        type: T.AUTH_RESPONSE,
        authResponse: {
          client_version: CLIENT_VERSION,
          protocol_version: PROTOCOL_VERSION,
          response: { auth_method_name: creds.method ?? "none", auth_data: creds.data ?? new Uint8Array() },
        },
      });
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
        if (command.type !== T.PING) this.aliveSinceTick = true;
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
        return this.onConnected(c.connected.protocol_version ?? 0, c.connected.max_message_size, c);
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
        const p = this.take(c.error.request_id);
        if (p) return p.reject(err);
        // ERROR to no request: the handshake's refusal (request_id -1), or the broker giving up.
        return this.fail(err);
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

  private onConnected(protocolVersion: number, maxMessageSize: number | undefined, c: Command): void {
    if (c.type !== T.CONNECTED || this.handshake === undefined) return;
    const maxFrameSize =
      maxMessageSize === undefined ? this.splitter.maxFrameSize : maxMessageSize + FRAME_SIZE_MARGIN;
    this.splitter.maxFrameSize = maxFrameSize;
    this.brokerFeatures = {
      partitionedMetadataWithoutAutoCreation:
        c.connected.feature_flags?.supports_get_partitioned_metadata_without_auto_creation === true,
      protocolVersion,
      maxFrameSize,
    };
    const h = this.handshake;
    this.handshake = undefined;
    this.scheduleKeepalive();
    h.resolve();
  }

  private scheduleKeepalive(): void {
    const ms = this.o.timing?.pingIntervalMs ?? 30_000;
    this.keepalive = this.o.clock.setTimeout(() => {
      this.keepalive = undefined;
      if (this.closedWith !== undefined) return;
      if (!this.aliveSinceTick) {
        this.fail(
          new TimeoutError(
            `broker silent for ${2 * ms} ms (PING unanswered): connection dropped`,
            this.address.url,
          ),
        );
        return;
      }
      this.aliveSinceTick = false;
      this.send({ type: T.PING, ping: {} });
      this.scheduleKeepalive();
    }, ms);
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

  private take(id: bigint): Pending | undefined {
    const p = this.pending.get(id);
    if (p === undefined) return undefined;
    this.pending.delete(id);
    this.o.clock.clearTimeout(p.timer);
    return p;
  }

  private settle(id: bigint, c: Command): void {
    const p = this.take(id);
    if (p) p.resolve(c);
    else
      this.o.logger?.debug({ url: this.address.url, requestId: String(id) }, "reply to no pending request");
  }

  private fail(err: Error): void {
    if (this.closedWith !== undefined) return;
    this.closedWith = err;
    if (this.keepalive) this.o.clock.clearTimeout(this.keepalive);
    this.keepalive = undefined;
    this.socket.destroy();
    this.handshake?.reject(err);
    this.handshake = undefined;
    for (const id of [...this.pending.keys()]) this.take(id)?.reject(err);
    this.consumers.clear();
    this.o.logger?.debug({ url: this.address.url, err: err.message }, "binary connection closed");
    this.emit("close", err);
  }
}

/** BaseCommand.Type name of a code, for messages. */
export function commandName(code: number): string {
  return Object.entries(T).find(([, v]) => v === code)?.[0] ?? String(code);
}
