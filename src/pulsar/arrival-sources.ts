import type { Clock } from "../lib/clock.js";
import type { Logger } from "../lib/logger.js";
import { ArrivalStream } from "./arrival-stream.js";
import type { AuthProvider } from "./auth/provider.js";
import { BinaryArrivalSource, type BinaryTiming } from "./binary/arrival-source.js";
import type { ClusterConfig } from "./cluster.js";
import { NoArrivals } from "./no-arrivals.js";
import type { ArrivalSource } from "./ports.js";
import type { ReaderTiming } from "./reader-options.js";
import { safeUrl } from "./safe-url.js";
import type { TransportChoice } from "./transport-choice.js";

/** A cluster's ArrivalSource, closed with the cluster's access. */
export interface ClusterArrivals extends ArrivalSource {
  close(): Promise<void>;
}

export interface ArrivalSourceDeps {
  readonly clock: Clock;
  readonly auth: AuthProvider;
  readonly ca?: Buffer | undefined;
  readonly logger?: Logger | undefined;
  /** The cluster's request timeout: the deadline of a WebSocket upgrade, of a binary connect and request. */
  readonly timeoutMs: number;
  /** WebSocket reader timing (ArrivalStream's defaults when absent). */
  readonly reader?: ReaderTiming | undefined;
  /** Binary tripwire timing (ping, backoff); its deadlines default to `timeoutMs`. */
  readonly binary?: BinaryTiming | undefined;
}

/** The ArrivalSource `choice.source` names, sharing the cluster's auth provider and CA. */
export function createArrivalSource(
  cluster: ClusterConfig,
  choice: TransportChoice,
  deps: ArrivalSourceDeps,
): ClusterArrivals {
  const { clock, auth, ca, logger } = deps;
  switch (choice.source) {
    case "polling":
      return new NoArrivals(safeUrl(cluster.adminUrl));
    case "websocket":
      return new ArrivalStream(cluster, {
        handshakeTimeoutMs: deps.timeoutMs,
        ...deps.reader,
        clock,
        auth,
        ...(ca !== undefined && { ca }),
        ...(logger !== undefined && { logger }),
      });
    case "binary":
      return new BinaryArrivalSource({
        serviceUrl: choice.url ?? "",
        auth,
        ...(ca !== undefined && { ca }),
        clock,
        ...(logger !== undefined && { logger }),
        timing: { connectTimeoutMs: deps.timeoutMs, requestTimeoutMs: deps.timeoutMs, ...deps.binary },
      });
  }
}
