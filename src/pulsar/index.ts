import type { Clock } from "../lib/clock.js";
import type { Logger } from "../lib/logger.js";
import { AdminClient, type AdminRequestOutcome } from "./admin-client.js";
import { createArrivalSource, type ClusterArrivals } from "./arrival-sources.js";
import { createAuthProvider, readPem } from "./auth/index.js";
import type { ClusterConfig } from "./cluster.js";
import type { BinaryTiming } from "./binary/arrival-source.js";
import type { ReaderTiming } from "./reader-options.js";
import { chooseTransport, describeTransport, type TransportChoice } from "./transport-choice.js";

export {
  AdminClient,
  type AdminClientOptions,
  type AdminPathKind,
  type AdminRequestOutcome,
} from "./admin-client.js";
export type { ClusterArrivals } from "./arrival-sources.js";
export { ArrivalStream, type ArrivalCounters, type ArrivalStreamOptions } from "./arrival-stream.js";
export {
  BinaryArrivalSource,
  type BinaryArrivalCounters,
  type BinaryArrivalOptions,
  type BinaryTiming,
} from "./binary/arrival-source.js";
export { createAuthProvider, type AuthProvider, type TlsClientOptions } from "./auth/index.js";
export type { ClusterConfig, PulsarAuth } from "./cluster.js";
export * from "./errors.js";
export type { ArrivalSource, ArrivalStatus, ArrivalSubscription, StatsRead, StatsReader } from "./ports.js";
export type { ReaderTiming } from "./reader-options.js";
export { safeUrl } from "./safe-url.js";
export type { ArrivalEvent, SubscriptionSnapshot, SubscriptionType, TopicSnapshot } from "./snapshot.js";
export { parsePartitionMetadata, parseSubscriptionList, parseTopicStats } from "./stats-parser.js";
export { subscriptionOf } from "./subscription-of.js";
export {
  chooseTransport,
  describeTransport,
  type ArrivalTransport,
  type TransportChoice,
  type WebSocketAnswer,
} from "./transport-choice.js";
export {
  InvalidTopicNameError,
  parseTopicName,
  partitionName,
  topicPath,
  topicToString,
  type TopicDomain,
  type TopicName,
} from "./topic-name.js";

export interface PulsarAccessOptions {
  readonly clock: Clock;
  readonly logger?: Logger;
  /** Called after every admin request (metrics: requests and errors by class). */
  readonly onRequest?: (outcome: AdminRequestOutcome) => void;
  /** WebSocket reader liveness and reconnect timing (defaults: ping 5 s, pong 5 s, backoff 250 ms..30 s). */
  readonly reader?: ReaderTiming;
  /** Binary tripwire timing (defaults: ping 30 s, backoff 100 ms..30 s, deadlines the request timeout). */
  readonly binary?: BinaryTiming;
}

/** Everything the watcher needs from one cluster. `close()` is idempotent. */
export interface PulsarAccess {
  readonly stats: AdminClient;
  /** The ArrivalSource `transport` names: binary tripwire, WebSocket reader, or none (polling). */
  readonly arrivals: ClusterArrivals;
  /** chooseTransport's answer for this cluster, before any WebSocket service was asked. */
  readonly transport: TransportChoice;
  close(): Promise<void>;
}

/**
 * Builds the admin client and the ArrivalSource of one cluster (chooseTransport picks it), sharing
 * one auth provider. Reads the CA and TLS client files now: an unreadable file throws ConfigError.
 */
export function createPulsarAccess(cluster: ClusterConfig, opts: PulsarAccessOptions): PulsarAccess {
  // First: a choice that cannot be built throws before any file is read or provider opened.
  const transport = chooseTransport(cluster);
  const ca = cluster.caFile !== undefined ? readPem(cluster.caFile, "CA bundle") : undefined;
  const timeoutMs = cluster.requestTimeoutMs || 5000;
  const auth = createAuthProvider(cluster.auth, { clock: opts.clock, timeoutMs, ca });
  const logger = opts.logger?.child({ component: "pulsar", cluster: cluster.name });
  const stats = new AdminClient(cluster, { clock: opts.clock, auth, ca, logger, onRequest: opts.onRequest });
  const arrivals = createArrivalSource(cluster, transport, {
    clock: opts.clock,
    auth,
    ca,
    logger,
    timeoutMs,
    reader: opts.reader,
    binary: opts.binary,
  });
  logger?.info({ transport }, `arrivals: ${describeTransport(transport)}`);
  let closing: Promise<void> | undefined;
  return {
    stats,
    arrivals,
    transport,
    close: () => {
      closing ??= (async () => {
        try {
          await arrivals.close();
        } catch (err) {
          logger?.warn({ err }, "closing arrival readers failed");
        }
        try {
          stats.close();
        } catch (err) {
          logger?.warn({ err }, "closing the admin client failed");
        }
        try {
          auth.close?.();
        } catch (err) {
          logger?.warn({ err }, "closing the auth provider failed");
        }
      })();
      return closing;
    },
  };
}
