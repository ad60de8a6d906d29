import type { Clock } from "../lib/clock.js";
import type { Logger } from "../lib/logger.js";
import type { AuthProvider } from "./auth/provider.js";
import type { ClusterConfig } from "./cluster.js";
import { partitionIndexes, startPartitions } from "./partition-group.js";
import type { ArrivalSource, ArrivalStatus, ArrivalSubscription } from "./ports.js";
import { ReaderConnection } from "./reader-connection.js";
import type { ReaderTiming } from "./reader-options.js";
import type { ArrivalEvent } from "./snapshot.js";
import { partitionName, topicPath, type TopicName } from "./topic-name.js";

export interface ArrivalStreamOptions extends ReaderTiming {
  readonly clock: Clock;
  readonly auth: AuthProvider;
  /** CA bundle for wss. */
  readonly ca?: Buffer;
  readonly logger?: Logger;
}

/** Counters of one ArrivalStream (for metrics and tests). */
export interface ArrivalCounters {
  readonly arrivals: number;
  readonly badFrames: number;
  readonly openReaders: number;
  /** Upgrade attempts, first connections and reconnects alike. */
  readonly connectAttempts: number;
}

/**
 * ArrivalSource over Pulsar's WebSocket reader API: one ReaderConnection tripwire from `latest` per
 * topic, or per partition when partitions > 0; `rearm()` re-arms the partitions that fired. A
 * subscription reports `unavailable` once (not once per partition) until one of its readers
 * connects again.
 */
export class ArrivalStream implements ArrivalSource {
  private readonly open = new Set<ReaderConnection>();
  private arrivals = 0;
  private badFrames = 0;
  private connectAttempts = 0;
  private readonly base: string;

  constructor(
    readonly cluster: ClusterConfig,
    private readonly opts: ArrivalStreamOptions,
  ) {
    this.base = cluster.wsUrl.replace(/\/+$/, "");
  }

  /** The reader URL of a topic or partition: from latest, one message outstanding (a tripwire). */
  readerUrl(topic: TopicName): string {
    return `${this.base}/ws/v2/reader/${topicPath(topic)}?messageId=latest&receiverQueueSize=1`;
  }

  counters(): ArrivalCounters {
    return {
      arrivals: this.arrivals,
      badFrames: this.badFrames,
      openReaders: this.open.size,
      connectAttempts: this.connectAttempts,
    };
  }

  subscribe(
    topic: TopicName,
    partitions: number,
    onArrival: (e: ArrivalEvent) => void,
    onStatus: (s: ArrivalStatus) => void,
  ): ArrivalSubscription {
    let unavailableSaid = false;
    const status = (s: ArrivalStatus): void => {
      if (s.kind === "unavailable") {
        if (unavailableSaid) return;
        unavailableSaid = true;
      } else if (s.kind === "connected") {
        unavailableSaid = false;
      }
      onStatus(s);
    };
    const indexes = partitionIndexes(partitions);
    const readers = indexes.map(
      (i) =>
        new ReaderConnection({
          ...this.opts,
          url: this.readerUrl(i < 0 ? topic : partitionName(topic, i)),
          topic,
          partition: i,
          onArrival: (e) => {
            this.arrivals++;
            onArrival(e);
          },
          onStatus: status,
          onBadFrame: () => {
            this.badFrames++;
          },
          onAttempt: () => {
            this.connectAttempts++;
          },
          logger: this.opts.logger,
        }),
    );
    return startPartitions(readers, this.open);
  }

  /** Closes every reader of every subscription. */
  async close(): Promise<void> {
    await Promise.all([...this.open].map((r) => r.close()));
    this.open.clear();
  }
}
