import type { Server } from "node:http";
import type { Registry } from "prom-client";
import type { Clock } from "../lib/clock.js";
import type { Logger } from "../lib/logger.js";
import type { StateReader } from "../keda/state-reader.js";
import type { ClusterConfig } from "../pulsar/cluster.js";
import { adminRequestRecorder } from "../pulsar/admin-metrics.js";
import { PulsarClusters } from "../pulsar/clusters.js";
import { WatchEngine } from "../watch/engine.js";
import { LocalWatchDriver } from "../watch/local-driver.js";
import { retryAfterWithin, type WatchTimings } from "../watch/timings.js";
import { capacityRefusedCounter } from "./capacity-metrics.js";
import { sidecarTokenBook, type HubEngineConfig } from "./engine-flags.js";
import { attachSidecarGateway, SIDECAR_PATH, type SidecarGateway } from "./gateway.js";
import { gatewayLimitsOf } from "./gateway-flags.js";
import { createGatewayMetrics } from "./gateway-stats.js";
import { LeaseCoordinator } from "./lease-coordinator.js";
import type { NamespaceScope } from "./sidecar-tokens.js";
import { safeUrl } from "../pulsar/safe-url.js";
import { chooseTransport } from "../pulsar/transport-choice.js";
import { ActivationLog, recordingReader } from "./status/activation-log.js";
import type { StatusInput } from "./status/status-model.js";

export interface HubStateDeps {
  readonly clusters: readonly ClusterConfig[];
  readonly clock: Clock;
  readonly logger: Logger;
  /** The hub's registry: the coordinator, gateway and admin client register their instruments. */
  readonly registry: Registry;
  readonly config: HubEngineConfig;
  /** Checked watcher timings (timingsFromConfig). */
  readonly timings: WatchTimings;
  /** The namespaces the single sidecar token speaks for: the hub's own (hubTokenScope). */
  readonly tokenScope: NamespaceScope;
}

export interface HubState {
  /** What the KEDA service reads; its activation pushes are recorded for the status page. */
  readonly reader: StateReader;
  /** A snapshot of what the status page shows (status-model.ts builds /status.json from it). */
  statusInput(): StatusInput;
  /**
   * Attaches the sidecar gateway to the hub's HTTP server at /v1/sidecars. Without a sidecar token
   * the gateway stays off (logged as a warning) and the hub watches every key itself.
   */
  attachGateway(server: Server, opts?: { readonly peerCertificateRequired?: boolean }): void;
  /** Whether sidecars can connect. */
  readonly gatewayOn: boolean;
  /** Shutdown: ends every sidecar session with 1001 without handing their keys to hub watchers. */
  closeGateway(): Promise<void>;
  /** Shutdown: stops every watcher, then closes Pulsar access. Idempotent. */
  close(): Promise<void>;
}

/**
 * The hub's wiring: Pulsar access per cluster -> watch engine whose driver is the lease coordinator
 * (a sidecar or the hub's own LocalWatchDriver watches each key) -> the KEDA service reads it; the
 * sidecar gateway feeds the coordinator, which reports into the engine's ingest.
 */
export function createHubState(deps: HubStateDeps): HubState {
  const { clock, logger, config: cfg } = deps;
  const log = logger.child({ component: "state" });
  const onRequest = adminRequestRecorder(deps.registry);
  const gatewayMetrics = createGatewayMetrics(deps.registry);
  const pulsar = new PulsarClusters(deps.clusters, { clock, logger, onRequest });
  // Every cluster now: an unreadable CA file fails the hub's start, not its first watcher.
  pulsar.openAll();
  const engine = new WatchEngine({
    clock,
    timings: deps.timings,
    ...(cfg.stalenessMs !== undefined && { stalenessMs: cfg.stalenessMs }),
    firstReadWaitMs: cfg.firstReadWaitMs,
    errorGraceMs: cfg.errorGraceMs,
    keyIdleTtlMs: cfg.keyIdleTtlMs,
    neverHealthyTtlMs: cfg.neverHealthyTtlMs,
    maxKeys: cfg.maxKeys,
    maxScaledObjects: cfg.maxScaledObjects,
    logger: log,
    onCapacityRefused: capacityRefusedCounter(deps.registry),
  });
  const coordinator = new LeaseCoordinator({
    clock,
    sink: engine.ingest,
    leaseTimeoutMs: cfg.leaseTimeoutMs,
    logger: logger.child({ component: "leases" }),
    registry: deps.registry,
    namespacesOf: (key) => engine.namespacesOf(key),
    hubDriver: (hubSink) =>
      new LocalWatchDriver({
        cluster: (name) => pulsar.get(name),
        clock,
        sink: hubSink,
        timings: retryAfterWithin(deps.timings, engine.stalenessMs),
        onSinkError: (err) => log.error({ err }, "a watcher report failed"),
        logger: log,
      }),
  });
  engine.attach(coordinator);
  engine.start();
  let gateway: SidecarGateway | undefined;
  let closing: Promise<void> | undefined;
  const activations = new ActivationLog();
  const stalenessMs = cfg.stalenessMs ?? 3 * deps.timings.slowPollMs;
  const clusterUrls = Object.fromEntries(deps.clusters.map((c) => [c.name, safeUrl(c.adminUrl)]));
  const transports = Object.fromEntries(deps.clusters.map((c) => [c.name, chooseTransport(c).source]));

  return {
    reader: recordingReader(engine, engine, activations, clock),
    statusInput: () => ({
      now: clock.now(),
      stalenessMs,
      gatewayOn: gateway !== undefined,
      clusters: clusterUrls,
      transports,
      keys: engine.keys(),
      holderOf: (key) => coordinator.holderOf(key),
      sidecars: coordinator.sidecars(),
      activations: activations.recent(),
    }),
    get gatewayOn() {
      return gateway !== undefined;
    },
    attachGateway(server, opts) {
      const tokens = sidecarTokenBook(cfg, deps.tokenScope);
      if (!tokens) {
        log.warn(
          "no sidecar token (--sidecar-token-file, PPS_SIDECAR_TOKEN or --sidecar-tokens-file): the sidecar gateway is off, only hub watchers run",
        );
        return;
      }
      const known = new Set(deps.clusters.map((c) => c.name));
      gateway = attachSidecarGateway(server, {
        tokens,
        knownCluster: (name) => known.has(name),
        handler: coordinator,
        logger: logger.child({ component: "gateway" }),
        clock,
        heartbeatIntervalMs: cfg.heartbeatIntervalMs,
        leaseTimeoutMs: cfg.leaseTimeoutMs,
        metrics: gatewayMetrics,
        peerCertificateRequired: opts?.peerCertificateRequired ?? false,
        limits: gatewayLimitsOf(cfg),
      });
      log.info({ path: SIDECAR_PATH }, "sidecar gateway on");
    },
    async closeGateway() {
      coordinator.drain();
      await gateway?.close();
    },
    close() {
      closing ??= (async () => {
        try {
          await engine.close();
        } catch (err) {
          log.error({ err }, "stopping watchers failed");
        }
        await pulsar.close(); // each cluster logs its own failures
      })();
      return closing;
    },
  };
}
