import type { BackoffOptions } from "../lib/backoff.js";
import type { Clock } from "../lib/clock.js";
import type { Logger } from "../lib/logger.js";
import type { AuthProvider } from "./auth/provider.js";
import type { ArrivalStatus } from "./ports.js";
import type { ArrivalEvent } from "./snapshot.js";
import type { TopicName } from "./topic-name.js";

/** What a ReaderConnection (reader-connection.ts) is given: its timing, topic, credentials and callbacks. */

export interface ReaderTiming {
  /** Ping period once connected (default 5000). */
  readonly pingIntervalMs?: number;
  /** A ping unanswered this long terminates the connection (default 5000). */
  readonly pongTimeoutMs?: number;
  /** Upgrade deadline (default 5000). */
  readonly handshakeTimeoutMs?: number;
  /** Reconnect backoff with jitter (default 250 ms .. 30 s). */
  readonly backoff?: BackoffOptions;
  /** Retry period while the WebSocket service is off (default 60 s). */
  readonly unavailableRetryMs?: number;
}

export interface ReaderConnectionOptions extends ReaderTiming {
  /**
   * Full reader URL from latest with one message outstanding, e.g.
   * ws://host:8080/ws/v2/reader/persistent/t/ns/x?messageId=latest&receiverQueueSize=1.
   */
  readonly url: string;
  /** Base topic (not the partition name) and partition index (-1: not partitioned). */
  readonly topic: TopicName;
  readonly partition: number;
  readonly auth: AuthProvider;
  readonly ca?: Buffer;
  readonly clock: Clock;
  readonly logger?: Logger;
  readonly onArrival: (e: ArrivalEvent) => void;
  readonly onStatus: (s: ArrivalStatus) => void;
  readonly onBadFrame?: () => void;
  /** Called at each connection attempt (metrics). */
  readonly onAttempt?: () => void;
}
