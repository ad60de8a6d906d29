import type { Clock } from "../src/lib/clock.js";
import type { Logger } from "../src/lib/logger.js";
import type { Registry } from "prom-client";
import { Health } from "../src/keda/health.js";
import { startKedaServer } from "../src/keda/server.js";
import { createKedaMetrics } from "../src/keda/service-metrics.js";
import { createKedaService } from "../src/keda/service.js";
import { adminRequestRecorder } from "../src/pulsar/admin-metrics.js";
import { WatchEngine } from "../src/watch/engine.js";
import { LocalWatchDriver } from "../src/watch/local-driver.js";
import type { StandaloneSettings } from "./config.js";
import { closeInSteps } from "../src/lib/shutdown.js";
import { PulsarClusters } from "../src/pulsar/clusters.js";

export interface StandaloneDeps {
  readonly settings: StandaloneSettings;
  readonly clock: Clock;
  readonly logger: Logger;
  /** The sidecar's registry (its instruments register here). */
  readonly registry: Registry;
}

export interface Standalone {
  readonly grpcPort: number;
  /** Every key in use has a fresh observation (/readyz, gRPC health "readiness"). */
  ready(): boolean;
  /** Not ready, end streams OK, drain gRPC, then the watchers and Pulsar. Idempotent. */
  close(): Promise<void>;
}

/**
 * Standalone mode (no hub): this process serves KEDA's external scaler gRPC service from its own
 * watch engine, the same service the hub serves. KEDA's trigger metadata decides which keys are
 * watched. Loaded lazily by main.ts, so hub mode never loads gRPC.
 */
export async function startStandalone(deps: StandaloneDeps): Promise<Standalone> {
  const { settings: s, clock, logger } = deps;
  const log = logger.child({ component: "sidecar" });
  const pulsar = new PulsarClusters(s.clusters, {
    clock,
    logger,
    onRequest: adminRequestRecorder(deps.registry),
  });
  const engine = new WatchEngine({
    clock,
    timings: s.timings,
    logger: logger.child({ component: "engine" }),
  });
  engine.attach(
    new LocalWatchDriver({
      cluster: (name) => pulsar.get(name),
      clock,
      sink: engine.ingest,
      timings: s.timings,
      onSinkError: (err) => log.warn({ err }, "watcher report failed"),
      logger: log,
    }),
  );
  engine.start();
  const health = new Health({
    state: engine,
    clock,
    onChange: (ready) => log.info({ ready }, "readiness changed"),
  });
  const service = createKedaService({
    state: engine,
    clusters: s.clusters,
    servedNamespaces: s.namespaces,
    logger: logger.child({ component: "keda" }),
    metrics: createKedaMetrics(deps.registry),
    maxStreams: s.maxStreams,
  });
  let server;
  try {
    server = await startKedaServer({
      host: s.listenHost,
      port: s.grpcPort,
      service,
      health,
      logger: logger.child({ component: "grpc" }),
      maxStreams: s.maxStreams,
    });
  } catch (err) {
    health.shutdown();
    await engine.close();
    await pulsar.close();
    throw err;
  }
  const grpc = server;
  return {
    grpcPort: grpc.port,
    ready: () => health.ready(),
    // The hub's order: not ready + end streams + drain gRPC (inside close), then the rest.
    close: closeInSteps(log, () => [
      ["stopping the gRPC server", () => grpc.close(s.shutdownTimeoutMs)],
      ["stopping the watchers", () => engine.close()],
      ["closing Pulsar access", () => pulsar.close()],
    ]),
  };
}
