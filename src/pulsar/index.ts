import type { Clock } from "../lib/clock.js";
import type { Logger } from "../lib/logger.js";
import { AdminClient, type AdminRequestOutcome } from "./admin-client.js";
import { ArrivalStream } from "./arrival-stream.js";
import { createAuthProvider, readPem } from "./auth/index.js";
import type { ClusterConfig } from "./cluster.js";
import type { ReaderTiming } from "./reader-connection.js";

export {
  AdminClient,
  type AdminClientOptions,
  type AdminPathKind,
  type AdminRequestOutcome,
} from "./admin-client.js";
export { ArrivalStream, type ArrivalCounters, type ArrivalStreamOptions } from "./arrival-stream.js";
export { createAuthProvider, type AuthProvider, type TlsClientOptions } from "./auth/index.js";
export type { ClusterConfig, PulsarAuth } from "./cluster.js";
export * from "./errors.js";
export type { ArrivalSource, ArrivalStatus, ArrivalSubscription, StatsRead, StatsReader } from "./ports.js";
export type { ReaderTiming } from "./reader-connection.js";
export { safeUrl } from "./safe-url.js";
export type { ArrivalEvent, SubscriptionSnapshot, SubscriptionType, TopicSnapshot } from "./snapshot.js";
export { parsePartitionMetadata, parseSubscriptionList, parseTopicStats } from "./stats-parser.js";
export { subscriptionOf } from "./subscription-of.js";
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
  /** Reader liveness and reconnect timing (defaults: ping 5 s, pong 5 s, backoff 250 ms..30 s). */
  readonly reader?: ReaderTiming;
}

/** Everything the watcher needs from one cluster. `close()` is idempotent. */
export interface PulsarAccess {
  readonly stats: AdminClient;
  readonly arrivals: ArrivalStream;
  close(): Promise<void>;
}

/**
 * Builds the admin client and the arrival stream of one cluster, sharing one auth provider.
 * Reads the CA and TLS client files now: an unreadable file throws ConfigError.
 */
export function createPulsarAccess(cluster: ClusterConfig, opts: PulsarAccessOptions): PulsarAccess {
  const ca = cluster.caFile !== undefined ? readPem(cluster.caFile, "CA bundle") : undefined;
  const timeoutMs = cluster.requestTimeoutMs || 5000;
  const auth = createAuthProvider(cluster.auth, { clock: opts.clock, timeoutMs, ca });
  const logger = opts.logger?.child({ component: "pulsar", cluster: cluster.name });
  const stats = new AdminClient(cluster, { clock: opts.clock, auth, ca, logger, onRequest: opts.onRequest });
  const arrivals = new ArrivalStream(cluster, {
    handshakeTimeoutMs: timeoutMs,
    ...opts.reader,
    clock: opts.clock,
    auth,
    ca,
    logger,
  });
  let closing: Promise<void> | undefined;
  return {
    stats,
    arrivals,
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
