import type { Socket } from "node:net";
import { errorText } from "../../lib/errors.js";
import type { PayloadToSend } from "../../pulsar/binary/commands.js";
import type { PayloadSection } from "../../pulsar/binary/frame.js";
import { FRAME_SIZE_MARGIN, FrameSplitter } from "../../pulsar/binary/frame.js";
import {
  BaseCommand_Type as T,
  ServerError,
  type Command,
  type CommandConnect,
} from "../../pulsar/binary/generated/pulsar-api.js";
import { AuthRefresh } from "./auth-refresh.js";
import { ConsumerTable } from "./consumers.js";
import { answerLookup, answerPartitionedMetadata } from "./lookup.js";
import { KeepAlive } from "./keepalive.js";
import { ProducerTable } from "./producers.js";
import {
  NO_REQUEST,
  SERVER_PROTOCOL_VERSION,
  SERVER_VERSION,
  type ConnectionContext,
  type ConnectionDeps,
} from "./context.js";
import type { SimBroker } from "./routing.js";

/**
 * One client TCP (or TLS) connection to a simulated broker: the CONNECT handshake with version
 * negotiation, authentication and its refresh (AUTH_CHALLENGE for clients that support it, close
 * for the others), PING/PONG both ways and the keepalive tick, and the dispatch of every other
 * command to the lookup, producer and consumer handlers. A frozen connection (fault "hang") reads
 * and discards everything and sends nothing.
 */
export class BinaryConnection implements ConnectionContext {
  private readonly splitter: FrameSplitter;
  private connected = false;
  private frozen = false;
  private closed = false;
  private readonly keepAlive: KeepAlive;
  private refresh: AuthRefresh | undefined;
  private readonly producers: ProducerTable;
  readonly consumers: ConsumerTable;
  self: SimBroker;
  clientVersion = "";
  protocolVersion = 0;

  constructor(
    readonly deps: ConnectionDeps,
    readonly socket: Socket,
    listener: SimBroker,
    frozen: boolean,
  ) {
    this.self = listener;
    this.frozen = frozen;
    this.splitter = new FrameSplitter(deps.limits.maxMessageSize + FRAME_SIZE_MARGIN);
    this.producers = new ProducerTable(this);
    this.consumers = new ConsumerTable(this);
    socket.setNoDelay(true);
    socket.on("data", (chunk: Buffer) => this.onData(chunk));
    socket.on("error", () => this.cleanup());
    socket.on("close", () => this.cleanup());
    this.keepAlive = new KeepAlive(deps.clock, deps.limits.keepAliveMs, {
      handshakeDone: () => this.connected,
      isFrozen: () => this.frozen,
      ping: () => this.send({ type: T.PING, ping: {} }),
      abort: (why) => this.abort(why),
    });
  }

  get address(): string {
    return `/${(this.socket.remoteAddress ?? "127.0.0.1").replace(/^::ffff:/, "")}:${this.socket.remotePort ?? 0}`;
  }

  get role(): string | undefined {
    return this.refresh?.role;
  }

  get isClosed(): boolean {
    return this.closed;
  }

  get isFrozen(): boolean {
    return this.frozen;
  }

  freeze(frozen: boolean): void {
    this.frozen = frozen;
    if (!frozen) this.consumers.dispatchAll();
  }

  send(command: Command, payload?: PayloadToSend): void {
    if (this.closed || this.frozen) return;
    this.socket.write(this.deps.codec.encodeCommand(command, payload));
  }

  abort(why: string): void {
    this.deps.logger.debug({ address: this.address, why }, "binary connection closed by the broker");
    this.socket.destroy();
    this.cleanup();
  }

  /** A broker-initiated unload of `topics`: their consumers get CLOSE_CONSUMER, producers CLOSE_PRODUCER. */
  unload(topics: ReadonlySet<string>): number {
    return this.consumers.closeOn(topics) + this.producers.closeOn(topics);
  }

  /** Bytes read and thrown away while frozen (so a test knows a hung link did receive them). */
  discarded = 0;

  private onData(chunk: Buffer): void {
    if (this.closed) return;
    if (this.frozen) {
      this.discarded += chunk.length;
      return;
    }
    try {
      for (const body of this.splitter.push(chunk)) {
        if (this.closed) return;
        this.keepAlive.received();
        const { command, payload } = this.deps.codec.decodeFrame(body);
        if (command.type === "unknown") return this.abort(`unknown command type ${command.code}`);
        this.onCommand(command, payload);
      }
    } catch (err) {
      this.abort(errorText(err));
    }
  }

  private onCommand(c: Command, payload: PayloadSection | undefined): void {
    if (!this.connected) {
      if (c.type === T.CONNECT) return this.onConnect(c.connect);
      return this.abort(`command ${c.type} before CONNECT`);
    }
    switch (c.type) {
      case T.PING:
        return this.send({ type: T.PONG, pong: {} });
      case T.PONG:
        return;
      case T.AUTH_RESPONSE:
        return this.refresh?.answer(
          c.authResponse.response?.auth_method_name,
          toBuffer(c.authResponse.response?.auth_data),
        );
      case T.PARTITIONED_METADATA:
        return answerPartitionedMetadata(this, c.partitionMetadata);
      case T.LOOKUP:
        return answerLookup(this, c.lookupTopic);
      case T.PRODUCER:
        return this.producers.create(c.producer);
      case T.SEND:
        return this.producers.send(c.send, payload);
      case T.CLOSE_PRODUCER:
        return this.producers.close(c.close_producer);
      case T.SUBSCRIBE:
        return this.consumers.subscribe(c.subscribe);
      case T.FLOW:
        return this.consumers.flow(c.flow);
      case T.ACK:
        return this.consumers.ack(c.ack);
      case T.REDELIVER_UNACKNOWLEDGED_MESSAGES:
        return this.consumers.redeliver(c.redeliverUnacknowledgedMessages);
      case T.CLOSE_CONSUMER:
        return this.consumers.close(c.close_consumer);
      case T.UNSUBSCRIBE:
        return this.consumers.unsubscribe(c.unsubscribe);
      default:
        // Pulsar closes the link on a command it does not handle.
        return this.abort(`unhandled command ${c.type}`);
    }
  }

  private onConnect(c: CommandConnect): void {
    const auth = this.deps.authenticator.authenticate(this.socket, c.auth_method_name, toBuffer(c.auth_data));
    if (!auth.ok) {
      this.send({
        type: T.ERROR,
        error: {
          request_id: NO_REQUEST,
          error: ServerError.AuthenticationError,
          message: `Unable to authenticate: ${auth.why}`,
        },
      });
      return void this.socket.end();
    }
    if (c.proxy_to_broker_url !== undefined && c.proxy_to_broker_url !== "") {
      const target = this.deps.routing.byHostPort(c.proxy_to_broker_url);
      if (!target) {
        this.send({
          type: T.ERROR,
          error: {
            request_id: NO_REQUEST,
            error: ServerError.ServiceNotReady,
            message: `No broker at ${c.proxy_to_broker_url}`,
          },
        });
        return void this.socket.end();
      }
      this.self = target;
    }
    this.clientVersion = c.client_version;
    this.protocolVersion = Math.min(c.protocol_version ?? 0, SERVER_PROTOCOL_VERSION);
    this.connected = true;
    this.send({
      type: T.CONNECTED,
      connected: {
        server_version: SERVER_VERSION,
        protocol_version: this.protocolVersion,
        max_message_size: this.deps.limits.maxMessageSize,
        feature_flags: {
          supports_auth_refresh: true,
          supports_broker_entry_metadata: true,
          supports_partial_producer: true,
          supports_topic_watchers: true,
          supports_get_partitioned_metadata_without_auto_creation: true,
        },
      },
    });
    this.refresh = new AuthRefresh(
      this.deps.clock,
      this.deps.limits.authRefreshCheckMs,
      this.deps.authenticator,
      this,
      auth.identity,
      c.feature_flags?.supports_auth_refresh === true,
      this.deps.counters,
    );
  }

  private cleanup(): void {
    if (this.closed) return;
    this.closed = true;
    this.keepAlive.stop();
    this.refresh?.stop();
    this.producers.closeAll();
    this.consumers.closeAll();
  }
}

function toBuffer(bytes: Uint8Array | undefined): Buffer | undefined {
  return bytes === undefined ? undefined : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}
