import type { Clock } from "../src/lib/clock.js";
import { ScalerError } from "../src/lib/errors.js";
import type { Logger } from "../src/lib/logger.js";
import type { AdminRequestOutcome } from "../src/pulsar/admin-client.js";
import type { ClusterConfig } from "../src/pulsar/cluster.js";
import { createPulsarAccess, type PulsarAccess } from "../src/pulsar/index.js";
import type { ClusterPorts } from "../src/watch/local-driver.js";

/** Unknown cluster name: the watcher records it as the key's error (never a made-up number). */
export class UnknownClusterError extends ScalerError {}

export interface PulsarClustersDeps {
  readonly clock: Clock;
  readonly logger: Logger;
  /** Each admin request's outcome (adminRequestRecorder counts them in the program's registry). */
  readonly onRequest?: (o: AdminRequestOutcome) => void;
}

/**
 * The Pulsar access of each configured cluster, built on first use (a sidecar that never watches a
 * cluster opens nothing for it) and closed together at shutdown.
 */
export class PulsarClusters {
  private readonly open = new Map<string, PulsarAccess>();
  private closing: Promise<void> | undefined;

  constructor(
    private readonly clusters: readonly ClusterConfig[],
    private readonly deps: PulsarClustersDeps,
  ) {}

  /** The ports of a cluster (LocalWatchDriver's `cluster`); throws UnknownClusterError. */
  get(name: string): ClusterPorts {
    if (this.closing) throw new Error("Pulsar access is closed");
    const existing = this.open.get(name);
    if (existing) return existing;
    const config = this.clusters.find((c) => c.name === name);
    if (!config) throw new UnknownClusterError(`cluster ${JSON.stringify(name)} is not configured`);
    const { clock, logger, onRequest } = this.deps;
    const access = createPulsarAccess(config, { clock, logger, ...(onRequest && { onRequest }) });
    this.open.set(name, access);
    return access;
  }

  /** Closes every cluster's admin client and readers. Idempotent. */
  close(): Promise<void> {
    this.closing ??= Promise.all([...this.open.values()].map((a) => a.close())).then(() => {
      this.open.clear();
    });
    return this.closing;
  }
}
