import type { Clock } from "../../lib/clock.js";
import type { Logger } from "../../lib/logger.js";
import type { AuthProvider } from "../auth/provider.js";
import type { PulsarCodec } from "./commands.js";
import type { PayloadSection } from "./frame.js";
import type { CommandMessage } from "./generated/pulsar-api.js";

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
