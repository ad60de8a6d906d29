import { EventEmitter } from "eventemitter3";
import type { BackoffOptions } from "../../lib/backoff.js";
import type { Clock } from "../../lib/clock.js";
import { errorText } from "../../lib/errors.js";
import type { Logger } from "../../lib/logger.js";
import type { AuthProvider } from "../auth/provider.js";
import { partitionIndexes, startPartitions } from "../partition-group.js";
import type { ArrivalSource, ArrivalStatus, ArrivalSubscription } from "../ports.js";
import type { ArrivalEvent } from "../snapshot.js";
import { partitionName, topicToString, type TopicName } from "../topic-name.js";
import { loadPulsarCodec, type PulsarCodec } from "./commands.js";
import type { ConnectionTiming } from "./connection-options.js";
import { partitionedMetadata } from "./lookup.js";
import { ConnectionPool } from "./pool.js";
import { parseServiceUrl } from "./service-url.js";
import { TripwireConsumer } from "./tripwire.js";

export interface BinaryTiming extends ConnectionTiming {
  /** Resubscribe and reconnect backoff with jitter (default 100 ms doubling to 30 s). */
  readonly backoff?: BackoffOptions;
  /** A pooled connection idle (no consumer, no request) this long is closed (default 60000). */
  readonly idleCloseMs?: number;
}

export interface BinaryArrivalOptions {
  /** `pulsar://host:6650` or `pulsar+ssl://host:6651`: a broker, a proxy, or a load balancer. */
  readonly serviceUrl: string;
  readonly auth: AuthProvider;
  /** CA bundle for pulsar+ssl. */
  readonly ca?: Buffer;
  readonly clock: Clock;
  readonly logger?: Logger;
  readonly timing?: BinaryTiming;
  /** Shared codec (loaded from proto/ when absent). */
  readonly codec?: PulsarCodec;
}

/** Counters of one BinaryArrivalSource (bench and tests). */
export interface BinaryArrivalCounters {
  /** Arrivals reported (one per firing). */
  readonly arrivals: number;
  /** MESSAGE frames received, the firing ones and any that came with them. */
  readonly messagesReceived: number;
  readonly bytesReceived: number;
  readonly openConsumers: number;
  /** TCP connections open now, and opened since the start (reconnects included). */
  readonly connections: number;
  readonly connectionsOpened: number;
}

/** Where a status or arrival came from. */
export interface TripwireWhere {
  readonly topic: TopicName;
  readonly partition: number;
}

/** The status stream: every tripwire's status and arrival, typed. */
export interface BinaryArrivalEvents {
  status: [status: ArrivalStatus, where: TripwireWhere];
  arrival: [event: ArrivalEvent];
}

/**
 * ArrivalSource over Pulsar's binary protocol: one tripwire consumer per topic or partition
 * (src/pulsar/binary/tripwire.ts), all on connections shared per broker. It never says
 * `unavailable`: every broker and proxy serves the binary protocol, so a failure is retried.
 */
export class BinaryArrivalSource extends EventEmitter<BinaryArrivalEvents> implements ArrivalSource {
  private readonly pool: ConnectionPool;
  private readonly codec: PulsarCodec;
  private readonly serviceUrl: string;
  private readonly open = new Set<TripwireConsumer>();
  private arrivals = 0;
  private messages = 0;
  private bytes = 0;
  private consumers = 0;

  constructor(private readonly o: BinaryArrivalOptions) {
    super();
    this.serviceUrl = parseServiceUrl(o.serviceUrl).url;
    this.codec = o.codec ?? loadPulsarCodec();
    this.pool = new ConnectionPool({
      auth: o.auth,
      ...(o.ca === undefined ? {} : { ca: o.ca }),
      clock: o.clock,
      codec: this.codec,
      ...(o.logger === undefined ? {} : { logger: o.logger }),
      ...(o.timing === undefined ? {} : { timing: o.timing }),
      onBytes: (n) => {
        this.bytes += n;
      },
      ...(o.timing?.idleCloseMs === undefined ? {} : { idleCloseMs: o.timing.idleCloseMs }),
    });
  }

  counters(): BinaryArrivalCounters {
    const pool = this.pool.counters();
    return {
      arrivals: this.arrivals,
      messagesReceived: this.messages,
      bytesReceived: this.bytes,
      openConsumers: this.consumers,
      connections: pool.open,
      connectionsOpened: pool.opened,
    };
  }

  subscribe(
    topic: TopicName,
    partitions: number,
    onArrival: (e: ArrivalEvent) => void,
    onStatus: (s: ArrivalStatus) => void,
  ): ArrivalSubscription {
    void this.checkPartitions(topic, partitions);
    const indexes = partitionIndexes(partitions);
    const tripwires = indexes.map((partition) => {
      const where = { topic, partition };
      return new TripwireConsumer({
        pool: this.pool,
        serviceUrl: this.serviceUrl,
        topic,
        partition,
        wireTopic: topicToString(partition < 0 ? topic : partitionName(topic, partition)),
        codec: this.codec,
        clock: this.o.clock,
        ...(this.o.logger === undefined ? {} : { logger: this.o.logger }),
        ...(this.o.timing?.backoff === undefined ? {} : { backoff: this.o.timing.backoff }),
        onArrival: (e) => {
          this.arrivals++;
          this.emit("arrival", e);
          onArrival(e);
        },
        onStatus: (s) => {
          this.emit("status", s, where);
          onStatus(s);
        },
        onMessage: () => {
          this.messages++;
        },
        onConsumerOpen: (isOpen) => {
          this.consumers += isOpen ? 1 : -1;
        },
      });
    });
    return startPartitions(tripwires, this.open);
  }

  /** Closes every tripwire, then every connection. */
  async close(): Promise<void> {
    await Promise.all([...this.open].map((t) => t.close()));
    this.open.clear();
    await this.pool.close();
  }

  /** Partition count as the broker knows it (never creating metadata); a mismatch is logged. */
  private async checkPartitions(topic: TopicName, partitions: number): Promise<void> {
    try {
      const conn = await this.pool.get(this.serviceUrl);
      const known = await partitionedMetadata(conn, topicToString(topic));
      if (known !== undefined && known !== partitions) {
        this.o.logger?.warn(
          { topic: topicToString(topic), partitions, broker: known },
          "tripwire partitions differ from the broker's partitioned metadata",
        );
      }
    } catch (err) {
      this.o.logger?.debug(
        { topic: topicToString(topic), err: errorText(err) },
        "partitioned metadata check failed",
      );
    }
  }
}
