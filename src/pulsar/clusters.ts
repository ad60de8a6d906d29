import type { Clock } from "../lib/clock.js";
import type { Logger } from "../lib/logger.js";
import type { AdminRequestOutcome } from "./admin-client.js";
import type { ClusterConfig } from "./cluster.js";
import { UnknownClusterError } from "./errors.js";
import { createPulsarAccess, type PulsarAccess, type PulsarAccessOptions } from "./index.js";

export interface PulsarClustersDeps {
  readonly clock: Clock;
  readonly logger?: Logger;
  /** Called after every admin request of every cluster (the program's request metrics). */
  readonly onRequest?: (outcome: AdminRequestOutcome) => void;
  /** Reader timing of every cluster (createPulsarAccess's defaults when absent). */
  readonly reader?: PulsarAccessOptions["reader"];
  /** Binary tripwire timing of every cluster (createPulsarAccess's defaults when absent). */
  readonly binary?: PulsarAccessOptions["binary"];
}

/**
 * The Pulsar access of each configured cluster, for the hub and the sidecar alike. A cluster's
 * access is built on first use (a sidecar that never watches a cluster opens nothing for it), or
 * all at once with `openAll` (the hub, so an unreadable CA file fails at start); all are closed
 * together at shutdown.
 */
export class PulsarClusters {
  private readonly open = new Map<string, PulsarAccess>();
  private closing: Promise<void> | undefined;

  constructor(
    private readonly clusters: readonly ClusterConfig[],
    private readonly deps: PulsarClustersDeps,
  ) {}

  /**
   * The access of a cluster (what LocalWatchDriver's `cluster` returns). Throws
   * UnknownClusterError for a name that is not configured, and ConfigError (createPulsarAccess)
   * for an unreadable CA or client-certificate file.
   */
  get(name: string): PulsarAccess {
    if (this.closing) throw new Error("Pulsar access is closed");
    const existing = this.open.get(name);
    if (existing) return existing;
    const config = this.clusters.find((c) => c.name === name);
    if (!config) throw new UnknownClusterError(`cluster ${JSON.stringify(name)} is not configured`);
    const { clock, logger, onRequest, reader, binary } = this.deps;
    const access = createPulsarAccess(config, { clock, logger, onRequest, reader, binary });
    this.open.set(name, access);
    return access;
  }

  /** Builds the access of every configured cluster now. */
  openAll(): void {
    for (const c of this.clusters) this.get(c.name);
  }

  /** Closes every opened cluster's admin client and readers (each logs its own failures). Idempotent. */
  close(): Promise<void> {
    this.closing ??= Promise.all([...this.open.values()].map((a) => a.close())).then(() => {
      this.open.clear();
    });
    return this.closing;
  }
}
