import { readFileSync } from "node:fs";
import { tokenFromFile } from "../src/hub/bearer.js";
import type { Clock } from "../src/lib/clock.js";
import type { Logger } from "../src/lib/logger.js";
import type { Counter, Metrics } from "../src/lib/metrics.js";
import { keyId } from "../src/state/key.js";
import { LocalWatchDriver } from "../src/watch/local-driver.js";
import type { HubModeSettings } from "./config.js";
import { HubConnection, type HubConnectionStats } from "./hub-connection.js";
import { hubSink } from "./hub-sink.js";
import { closeInSteps } from "../src/lib/shutdown.js";
import { PulsarClusters } from "./pulsar-clusters.js";

export interface HubModeDeps {
  readonly settings: HubModeSettings;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly metrics: Metrics;
  readonly sidecarVersion: string;
}

/** The running hub mode; the composition root stops it on a signal. */
export interface HubMode {
  /** Connected to the hub and welcomed (/readyz). */
  ready(): boolean;
  /** Brings the /metrics instruments up to date (called before rendering). */
  collect(): void;
  /** Leaves the hub (1000, so it re-leases at once), stops the watchers, closes Pulsar. Idempotent. */
  close(): Promise<void>;
}

/**
 * Hub mode: announce the --watch keys to the hub, run a watcher for each key the hub grants, and
 * stream what it sees. A revoke (from the hub, or a lapse after a long disconnect) stops it; a short
 * disconnect keeps the watchers running, as HubConnection decides.
 */
export function startHubMode(deps: HubModeDeps): HubMode {
  const { settings: s, clock } = deps;
  const log = deps.logger.child({ component: "sidecar" });
  const pulsar = new PulsarClusters(s.clusters, { clock, logger: deps.logger });
  const token = "file" in s.token ? tokenFromFile(s.token.file) : constant(s.token.value);
  const connection = new HubConnection({
    url: s.hubUrl,
    token,
    pod: s.pod,
    namespace: s.namespace,
    keys: s.keys,
    sidecarVersion: deps.sidecarVersion,
    clock,
    ...(s.caFile !== undefined && { tls: { ca: readFileSync(s.caFile) } }),
  });
  const sink = hubSink(connection);
  const driver = new LocalWatchDriver({
    cluster: (name) => pulsar.get(name),
    clock,
    sink: {
      ...sink,
      error: (key, err) => {
        log.debug({ key: keyId(key), err }, "watch error");
        sink.error(key, err);
      },
    },
    timings: s.timings,
    onSinkError: (err) => log.warn({ err }, "a report could not be sent"),
  });
  let watching = 0;

  connection.on("connected", (w) => log.info({ sessionId: w.sessionId }, "connected to the hub"));
  connection.on("disconnected", (err, retryInMs) =>
    log.warn({ err: { type: err.name, message: err.message }, retryInMs }, "hub connection lost"),
  );
  connection.on("grant", (key) => {
    watching++;
    log.info({ key: keyId(key) }, "granted: watching");
    driver.start(key, {});
  });
  connection.on("revoke", (key, reason) => {
    watching--;
    log.info({ key: keyId(key), reason }, "revoked: stopped watching");
    driver.stop(key);
  });
  const collect = registerMetrics(deps.metrics, connection, () => watching);
  connection.start();

  return {
    ready: () => connection.connected,
    collect,
    close: closeInSteps(log, () => [
      ["closing the hub connection", () => connection.close()],
      ["stopping the watchers", () => driver.close()],
      ["closing Pulsar access", () => pulsar.close()],
    ]),
  };
}

function constant(value: string): () => string {
  const token = value.trim();
  return () => token;
}

/** /metrics of hub mode: the connection's counters and the watched keys, copied at scrape time. */
function registerMetrics(metrics: Metrics, connection: HubConnection, watching: () => number): () => void {
  const frames = metrics.counter("pps_sidecar_hub_frames_total", "frames exchanged with the hub", [
    "direction",
  ]);
  const dropped = metrics.counter("pps_sidecar_reports_dropped_total", "reports not sent to the hub", [
    "reason",
  ]);
  const connects = metrics.counter("pps_sidecar_hub_connects_total", "sessions opened with the hub", []);
  const connected = metrics.gauge("pps_sidecar_hub_connected", "1 while connected to the hub", []);
  const keys = metrics.gauge("pps_sidecar_watched_keys", "keys this sidecar watches now", []);
  let last = connection.stats();
  return () => {
    const now = connection.stats();
    const add = (c: Counter<string>, labels: Record<string, string>, k: keyof HubConnectionStats) => {
      if (now[k] > last[k]) c.inc(labels, now[k] - last[k]);
    };
    add(frames, { direction: "in" }, "framesIn");
    add(frames, { direction: "out" }, "framesOut");
    add(dropped, { reason: "disconnected" }, "droppedDisconnected");
    add(dropped, { reason: "not_granted" }, "droppedNotGranted");
    add(dropped, { reason: "backpressure" }, "droppedBackpressure");
    add(connects, {}, "connects");
    last = now;
    connected.set({}, connection.connected ? 1 : 0);
    keys.set({}, watching());
  };
}
