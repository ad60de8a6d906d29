import { readFileSync } from "node:fs";
import { Counter, Gauge, type Registry } from "prom-client";
import { tokenFromFile } from "../src/contract/bearer.js";
import type { Clock } from "../src/lib/clock.js";
import type { Logger } from "../src/lib/logger.js";
import { adminRequestRecorder } from "../src/pulsar/admin-metrics.js";
import { keyId } from "../src/state/key.js";
import { LocalWatchDriver } from "../src/watch/local-driver.js";
import type { HubModeSettings, HubTlsFiles } from "./config.js";
import { HubConnection, type HubConnectionStats } from "./hub-connection.js";
import { hubSink } from "./hub-sink.js";
import { closeInSteps } from "../src/lib/shutdown.js";
import { PulsarClusters } from "../src/pulsar/clusters.js";

export interface HubModeDeps {
  readonly settings: HubModeSettings;
  readonly clock: Clock;
  readonly logger: Logger;
  /** The sidecar's registry (its instruments register here). */
  readonly registry: Registry;
  readonly sidecarVersion: string;
}

/** The running hub mode; the composition root stops it on a signal. */
export interface HubMode {
  /** Connected to the hub and welcomed (/readyz). */
  ready(): boolean;
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
  const pulsar = new PulsarClusters(s.clusters, {
    clock,
    logger: deps.logger,
    onRequest: adminRequestRecorder(deps.registry),
  });
  const token = "file" in s.token ? tokenFromFile(s.token.file) : constant(s.token.value);
  const connection = new HubConnection({
    url: s.hubUrl,
    token,
    pod: s.pod,
    namespace: s.namespace,
    keys: s.keys,
    sidecarVersion: deps.sidecarVersion,
    clock,
    ...(s.tls !== undefined && { tls: hubTlsReader(s.tls) }),
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
    logger: log,
  });
  const m = hubModeMetrics(deps.registry, connection);

  connection.on("connected", (w) => {
    m.connects.inc();
    m.connected.set(1);
    log.info({ sessionId: w.sessionId }, "connected to the hub");
  });
  connection.on("disconnected", (err, retryInMs) => {
    m.connected.set(0);
    log.warn({ err: { type: err.name, message: err.message }, retryInMs }, "hub connection lost");
  });
  connection.on("grant", (key, hint) => {
    m.watchedKeys.inc();
    log.info({ key: keyId(key), partitioned: hint.partitioned }, "granted: watching");
    // The trigger's isPartitionedTopic, as the hub's own watcher would get it (absent: auto-detect).
    driver.start(key, { partitioned: hint.partitioned });
  });
  connection.on("revoke", (key, reason) => {
    m.watchedKeys.dec();
    log.info({ key: keyId(key), reason }, "revoked: stopped watching");
    driver.stop(key);
  });
  connection.start();
  // The clock's timers are unref'd: with --http-port off, nothing else holds the process while the
  // hub is away and no key is watched (only the reconnect backoff runs), and it would exit with 0.
  const alive = setInterval(() => undefined, 2 ** 31 - 1);

  return {
    ready: () => connection.connected,
    close: closeInSteps(log, () => [
      ["closing the hub connection", () => connection.close()],
      ["stopping the watchers", () => driver.close()],
      ["closing Pulsar access", () => pulsar.close()],
      ["letting the process exit", () => clearInterval(alive)],
    ]),
  };
}

/** The TLS options of each connect, read from the files then (rotated files are picked up). */
function hubTlsReader(files: HubTlsFiles): () => { ca?: Buffer; cert?: Buffer; key?: Buffer } {
  return () => ({
    ...(files.caFile !== undefined && { ca: readFileSync(files.caFile) }),
    ...(files.certFile !== undefined && { cert: readFileSync(files.certFile) }),
    ...(files.keyFile !== undefined && { key: readFileSync(files.keyFile) }),
  });
}

function constant(value: string): () => string {
  const token = value.trim();
  return () => token;
}

/**
 * /metrics of hub mode (docs/sidecar.md, Metrics). Sessions, connection state and watched keys are
 * updated at the connection's events. Frames and dropped reports are counted inside HubConnection
 * (its `stats()`, cumulative since start): their counters show those totals, read in prom-client's
 * `collect` (O(1) per scrape).
 */
function hubModeMetrics(register: Registry, connection: HubConnection) {
  const registers = [register];
  /** A counter of HubConnection's `fields` (label value -> stats field), its totals read at each scrape. */
  const counted = <L extends string>(
    name: string,
    help: string,
    label: L,
    fields: Readonly<Record<string, keyof HubConnectionStats>>,
  ): Counter<L> =>
    new Counter({
      name,
      help,
      labelNames: [label],
      registers,
      collect() {
        const now = connection.stats();
        this.reset();
        for (const [value, k] of Object.entries(fields))
          this.inc({ [label]: value } as Record<L, string>, now[k]);
      },
    });
  counted("pps_sidecar_hub_frames_total", "frames exchanged with the hub", "direction", {
    in: "framesIn",
    out: "framesOut",
  });
  counted(
    "pps_sidecar_reports_dropped_total",
    "reports this sidecar did not send to the hub, by reason",
    "reason",
    {
      disconnected: "droppedDisconnected",
      not_granted: "droppedNotGranted",
      backpressure: "droppedBackpressure",
    },
  );
  return {
    connects: new Counter({
      name: "pps_sidecar_hub_connects_total",
      help: "sessions opened with the hub",
      registers,
    }),
    connected: new Gauge({
      name: "pps_sidecar_hub_connected",
      help: "1 while connected to the hub",
      registers,
    }),
    watchedKeys: new Gauge({
      name: "pps_sidecar_watched_keys",
      help: "keys this sidecar watches now",
      registers,
    }),
  };
}
