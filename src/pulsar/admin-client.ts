import { LRUCache } from "lru-cache";
import type { Clock } from "../lib/clock.js";
import type { Logger } from "../lib/logger.js";
import { AgentPool } from "./agents.js";
import type { AuthProvider } from "./auth/provider.js";
import type { ClusterConfig } from "./cluster.js";
import { mapHttpError, mapTransportError } from "./error-mapping.js";
import { AuthenticationError } from "./errors.js";
import { httpRequest, type HttpResponse } from "./http-request.js";
import type { StatsRead, StatsReader } from "./ports.js";
import { safeUrl } from "./safe-url.js";
import type { TopicSnapshot } from "./snapshot.js";
import { parsePartitionMetadata, parseSubscriptionList, parseTopicStats } from "./stats-parser.js";
import { topicPath, topicToString, type TopicName } from "./topic-name.js";

export type AdminPathKind = "stats" | "partitioned-stats" | "partitions" | "subscriptions";

/** One admin request as seen by metrics: counted by cluster, path kind and error class. */
export interface AdminRequestOutcome {
  readonly cluster: string;
  readonly pathKind: AdminPathKind;
  /** Class name of the error (e.g. "TimeoutError"); absent on success. */
  readonly errorClass?: string;
  readonly durationMs: number;
}

export interface AdminClientOptions {
  readonly clock: Clock;
  readonly auth: AuthProvider;
  readonly logger?: Logger;
  readonly onRequest?: (outcome: AdminRequestOutcome) => void;
  /** CA bundle for https. */
  readonly ca?: Buffer;
  /** How long a `/partitions` answer is trusted (default 60 s). */
  readonly partitionCacheTtlMs?: number;
  readonly maxBodyBytes?: number;
  readonly maxRedirects?: number;
  readonly maxSockets?: number;
}

const DEFAULT_TIMEOUT_MS = 5000;

/**
 * Pulsar admin REST client of one cluster (StatsReader). Keep-alive agents, one deadline per
 * request, bounded bodies, redirects with the credential policy of http-request.ts, typed errors.
 * After a 401 (AuthenticationError) the auth provider is invalidated and the request retried once.
 */
export class AdminClient implements StatsReader {
  private readonly agents: AgentPool;
  private readonly partitionCache: LRUCache<string, { n: number; until: number }>;
  private readonly base: string;

  constructor(
    readonly cluster: ClusterConfig,
    private readonly opts: AdminClientOptions,
  ) {
    this.base = cluster.adminUrl.replace(/\/+$/, "");
    this.agents = new AgentPool(this.base, {
      maxSockets: opts.maxSockets,
      ca: opts.ca,
      clientTls: opts.auth.agentOptions,
    });
    this.partitionCache = new LRUCache({ max: 10_000 });
  }

  async topicStats(topic: TopicName, partitioned?: boolean, read?: StatsRead): Promise<TopicSnapshot> {
    const known = partitioned === undefined ? await this.partitions(topic) : undefined;
    const isPartitioned = partitioned ?? (known ?? 0) > 0;
    const kind: AdminPathKind = isPartitioned ? "partitioned-stats" : "stats";
    // perPartition=true: the per-partition map is the only way to notice partitions the broker
    // left out of the totals (stats-parser.ts); it costs payload
    // (bench/scenarios/partition-payload.ts: about x100 at 100 partitions).
    // subscriptionBacklogSize=true: backlogSize in bytes (msgBacklogBytes); the broker's default
    // changed between versions, so it is asked for.
    const earliest = read?.earliestTimeInBacklog === true;
    const query = `subscriptionBacklogSize=true${earliest ? "&getEarliestTimeInBacklog=true" : ""}`;
    const path = isPartitioned ? `partitioned-stats?perPartition=true&${query}` : `stats?${query}`;
    return this.get(topic, path, kind, (r) =>
      parseTopicStats(r.body, topic, r.url, known, isPartitioned, earliest),
    );
  }

  /** Partition count from `/partitions` (0: not partitioned), cached for the TTL. */
  async partitions(topic: TopicName): Promise<number> {
    const key = topicToString(topic);
    const hit = this.partitionCache.get(key);
    if (hit !== undefined && this.opts.clock.now() < hit.until) return hit.n;
    const n = await this.get(topic, "partitions", "partitions", (r) => parsePartitionMetadata(r.body, r.url));
    this.partitionCache.set(key, {
      n,
      until: this.opts.clock.now() + (this.opts.partitionCacheTtlMs ?? 60_000),
    });
    return n;
  }

  /** Names of the topic's subscriptions (durable and not). */
  subscriptions(topic: TopicName): Promise<string[]> {
    return this.get(topic, "subscriptions", "subscriptions", (r) => parseSubscriptionList(r.body, r.url));
  }

  /** Closes pooled sockets. The client must not be used afterwards. */
  close(): void {
    this.agents.destroy();
    this.partitionCache.clear();
  }

  private async get<T>(
    topic: TopicName,
    suffix: string,
    pathKind: AdminPathKind,
    parse: (res: HttpResponse) => T,
  ): Promise<T> {
    const url = `${this.base}/admin/v2/${topicPath(topic)}/${suffix}`;
    const started = this.opts.clock.now();
    try {
      let value: T;
      try {
        value = parse(await this.fetchOk(url));
      } catch (err) {
        if (!(err instanceof AuthenticationError) || this.opts.auth.invalidate === undefined) throw err;
        this.opts.logger?.debug(
          { url: safeUrl(url) },
          "401 from the admin API: refreshing credentials, retrying once",
        );
        this.opts.auth.invalidate();
        value = parse(await this.fetchOk(url));
      }
      this.report(pathKind, started);
      return value;
    } catch (err) {
      this.report(pathKind, started, err);
      throw err;
    }
  }

  private async fetchOk(url: string): Promise<HttpResponse> {
    let credentials: Record<string, string>;
    try {
      credentials = await this.opts.auth.headers();
    } catch (err) {
      throw mapTransportError(err, safeUrl(url));
    }
    const res = await httpRequest({
      url,
      credentials,
      agentFor: (target, same) => this.agents.agentFor(target, same),
      timeoutMs: this.cluster.requestTimeoutMs || DEFAULT_TIMEOUT_MS,
      clock: this.opts.clock,
      maxBodyBytes: this.opts.maxBodyBytes,
      maxRedirects: this.opts.maxRedirects,
    });
    if (res.status >= 200 && res.status <= 299) return res;
    throw mapHttpError(res, this.opts.clock.now());
  }

  private report(pathKind: AdminPathKind, started: number, err?: unknown): void {
    if (this.opts.onRequest === undefined) return;
    const durationMs = this.opts.clock.now() - started;
    const errorClass = err === undefined ? undefined : err instanceof Error ? err.constructor.name : "Error";
    try {
      this.opts.onRequest({
        cluster: this.cluster.name,
        pathKind,
        durationMs,
        ...(errorClass ? { errorClass } : {}),
      });
    } catch {
      // A metrics callback must not break a request.
    }
  }
}
