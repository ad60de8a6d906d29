import { Counter, Histogram, type Registry } from "prom-client";
import type { AdminRequestOutcome } from "./admin-client.js";

/** Admin request latency buckets (seconds): loopback to the 5 s default request timeout. */
const ADMIN_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/**
 * The `onRequest` hook of createPulsarAccess: admin requests and their errors, by cluster, path
 * kind and error class, in the program's registry. Hub and sidecar each count their own requests.
 * Build it once per registry (the names register once).
 */
export function adminRequestRecorder(register: Registry): (o: AdminRequestOutcome) => void {
  const registers = [register];
  const requests = new Counter({
    name: "pps_pulsar_admin_requests_total",
    help: "Pulsar admin REST requests sent, by cluster and path kind (stats, partitioned-stats, partitions, subscriptions)",
    labelNames: ["cluster", "path"],
    registers,
  });
  const errors = new Counter({
    name: "pps_pulsar_admin_errors_total",
    help: "Pulsar admin REST requests that failed, by cluster, path kind and error class",
    labelNames: ["cluster", "path", "class"],
    registers,
  });
  const duration = new Histogram({
    name: "pps_pulsar_admin_request_duration_seconds",
    help: "time to complete a Pulsar admin REST request",
    labelNames: ["cluster", "path"],
    buckets: ADMIN_BUCKETS,
    registers,
  });
  return (o) => {
    const labels = { cluster: o.cluster, path: o.pathKind };
    requests.inc(labels);
    duration.observe(labels, o.durationMs / 1000);
    if (o.errorClass !== undefined) errors.inc({ ...labels, class: o.errorClass });
  };
}
