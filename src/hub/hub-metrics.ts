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

/** What the hub's scrape-time metrics are computed from. */
export interface HubMetricsSnapshot {
  readonly keys: readonly KeyReport[];
  readonly holders: HolderCounts;
  readonly leases: CoordinatorStats;
  /** Undefined when the sidecar gateway is off. */
  readonly gateway: GatewayStats | undefined;
}

type Row = readonly [labels: Record<string, string>, value: number];

function esc(v: string): string {
  return v.replace(/\\/g, "\\\\").replace(/\n/g, "\\n").replace(/"/g, '\\"');
}

function family(name: string, type: "gauge" | "counter", help: string, rows: readonly Row[]): string[] {
  const lines = [`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`];
  for (const [labels, value] of rows) {
    const l = Object.entries(labels).map(([k, v]) => `${k}="${esc(v)}"`);
    lines.push(`${name}${l.length > 0 ? `{${l.join(",")}}` : ""} ${value}`);
  }
  return lines;
}

/**
 * Prometheus text of the state the hub holds in its components (keys, leases, sessions): computed
 * at scrape time from snapshots, so a key that went away leaves no stale series behind.
 */
export function renderHubMetrics(s: HubMetricsSnapshot): string {
  const g = s.gateway;
  const ages: Row[] = s.keys
    .filter((k) => k.observationAgeMs !== undefined)
    .map((k) => [
      { cluster: k.key.cluster, topic: k.key.topic, subscription: k.key.subscription },
      (k.observationAgeMs ?? 0) / 1000,
    ]);
  const rejections: Row[] = g
    ? [
        ...Object.entries(g.upgradesRejected).map(([reason, n]): Row => [{ stage: "upgrade", reason }, n]),
        ...Object.entries(g.rejected).map(([reason, n]): Row => [{ stage: "session", reason }, n]),
      ]
    : [];
  const lines = [
    ...family("pps_keys_watched", "gauge", "subscriptions (cluster, topic, subscription) in use", [
      [{}, s.keys.length],
    ]),
    ...family(
      "pps_leases",
      "gauge",
      "subscriptions in use by who watches them (none: a sidecar's first grant awaits its first observation)",
      Object.entries(s.holders).map(([holder, n]): Row => [{ holder }, n]),
    ),
    ...family(
      "pps_observation_age_seconds",
      "gauge",
      "age of the newest stats observation of each subscription in use, on the hub's clock",
      ages,
    ),
    ...family("pps_arrivals_total", "counter", "message arrival events received, by watcher kind", [
      [{ watcher: "hub" }, s.leases.arrivals.hub],
      [{ watcher: "sidecar" }, s.leases.arrivals.sidecar],
    ]),
    ...family("pps_lease_decisions_total", "counter", "lease decisions carried out, by kind", [
      [{ decision: "grant" }, s.leases.grants],
      [{ decision: "revoke" }, s.leases.revokes],
      [{ decision: "hub_start" }, s.leases.hubStarts],
      [{ decision: "hub_stop" }, s.leases.hubStops],
    ]),
    ...family(
      "pps_sidecar_reports_dropped_total",
      "counter",
      "sidecar reports dropped because the sidecar neither holds the subscription nor is taking it over",
      [[{}, s.leases.reportsDropped]],
    ),
    ...family("pps_sidecars_connected", "gauge", "sidecar sessions open", [[{}, g?.sessionsOpen ?? 0]]),
    ...family(
      "pps_gateway_rejections_total",
      "counter",
      "sidecar connections refused at upgrade, or sessions ended by the hub, by reason",
      rejections,
    ),
  ];
  return `${lines.join("\n")}\n`;
}
