import type { Metrics } from "../lib/metrics.js";
import type { AdminRequestOutcome } from "../pulsar/admin-client.js";
import type { KeyReport } from "../watch/engine.js";
import type { GatewayStats } from "./gateway-stats.js";
import type { CoordinatorStats, HolderCounts } from "./lease-coordinator.js";

/** Admin request latency buckets (seconds): loopback to the 5 s default request timeout. */
const ADMIN_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/**
 * The `onRequest` hook of createPulsarAccess: admin requests and their errors, by cluster, path
 * kind and error class, in the program's registry.
 */
export function adminRequestRecorder(metrics: Metrics): (o: AdminRequestOutcome) => void {
  const requests = metrics.counter(
    "pps_pulsar_admin_requests_total",
    "Pulsar admin REST requests sent, by cluster and path kind (stats, partitioned-stats, partitions, subscriptions)",
    ["cluster", "path"],
  );
  const errors = metrics.counter(
    "pps_pulsar_admin_errors_total",
    "Pulsar admin REST requests that failed, by cluster, path kind and error class",
    ["cluster", "path", "class"],
  );
  const duration = metrics.histogram(
    "pps_pulsar_admin_request_duration_seconds",
    "time to complete a Pulsar admin REST request",
    ["cluster", "path"],
    ADMIN_BUCKETS,
  );
  return (o) => {
    const labels = { cluster: o.cluster, path: o.pathKind };
    requests.inc(labels);
    duration.observe(labels, o.durationMs / 1000);
    if (o.errorClass !== undefined) errors.inc({ ...labels, class: o.errorClass });
  };
}

/** Where the hub's scrape-time metrics read from: the components that hold the state. */
export interface HubMetricsSources {
  readonly keys: () => readonly KeyReport[];
  readonly holders: () => HolderCounts;
  readonly leases: () => CoordinatorStats;
  /** Undefined while the sidecar gateway is off. */
  readonly gateway: () => GatewayStats | undefined;
}

/**
 * Registers the metrics of the state the hub holds in its components (keys, leases, sessions):
 * computed at scrape time, so a key that went away leaves no stale series behind.
 */
export function registerHubMetrics(metrics: Metrics, src: HubMetricsSources): void {
  metrics.collected(
    "pps_keys_watched",
    "subscriptions (cluster, topic, subscription) in use",
    "gauge",
    [],
    () => [[{}, src.keys().length]],
  );
  metrics.collected(
    "pps_leases",
    "subscriptions in use by who watches them (none: a sidecar's first grant awaits its first observation)",
    "gauge",
    ["holder"],
    () => Object.entries(src.holders()).map(([holder, n]) => [{ holder }, n] as const),
  );
  metrics.collected(
    "pps_observation_age_seconds",
    "age of the newest stats observation of each subscription in use, on the hub's clock",
    "gauge",
    ["cluster", "topic", "subscription"],
    function* () {
      for (const { key, observationAgeMs } of src.keys()) {
        if (observationAgeMs === undefined) continue;
        yield [
          { cluster: key.cluster, topic: key.topic, subscription: key.subscription },
          observationAgeMs / 1000,
        ];
      }
    },
  );
  metrics.collected(
    "pps_arrivals_total",
    "message arrival events received, by watcher kind",
    "counter",
    ["watcher"],
    () => {
      const { arrivals } = src.leases();
      return [
        [{ watcher: "hub" }, arrivals.hub],
        [{ watcher: "sidecar" }, arrivals.sidecar],
      ];
    },
  );
  metrics.collected(
    "pps_lease_decisions_total",
    "lease decisions carried out, by kind",
    "counter",
    ["decision"],
    () => {
      const l = src.leases();
      return [
        [{ decision: "grant" }, l.grants],
        [{ decision: "revoke" }, l.revokes],
        [{ decision: "hub_start" }, l.hubStarts],
        [{ decision: "hub_stop" }, l.hubStops],
      ];
    },
  );
  metrics.collected(
    "pps_sidecar_reports_dropped_total",
    "sidecar reports dropped because they raced a revoke (a report of a key never held ends the session instead)",
    "counter",
    [],
    () => [[{}, src.gateway()?.reportsAfterRevoke ?? 0]],
  );
  metrics.collected("pps_sidecars_connected", "sidecar sessions open", "gauge", [], () => [
    [{}, src.gateway()?.sessionsOpen ?? 0],
  ]);
  metrics.collected(
    "pps_gateway_rejections_total",
    "sidecar connections refused at upgrade, or sessions ended by the hub, by reason",
    "counter",
    ["stage", "reason"],
    function* () {
      const g = src.gateway();
      if (!g) return;
      for (const [reason, n] of Object.entries(g.upgradesRejected)) yield [{ stage: "upgrade", reason }, n];
      for (const [reason, n] of Object.entries(g.rejected)) yield [{ stage: "session", reason }, n];
    },
  );
}
