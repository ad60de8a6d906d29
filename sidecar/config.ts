import type { LevelWithSilent } from "pino";
import { int, str, type Parser } from "../src/lib/config-parsers.js";
import { field, loadConfig, type Checks, type ConfigOf, type LoadResult } from "../src/lib/config.js";
import { ConfigError } from "../src/lib/errors.js";
import { logLevelField } from "../src/lib/logger.js";
import { maxStreamsField } from "../src/keda/stream-limits.js";
import type { ClusterConfig } from "../src/pulsar/cluster.js";
import { clusterSchema, clustersFromConfig, type ClusterFileIo } from "../src/pulsar/cluster-schema.js";
import type { WatchKey } from "../src/state/key.js";
import { timingsFromConfig, watchTimingsSchema } from "../src/watch/timings-schema.js";
import type { WatchTimings } from "../src/watch/timings.js";
import { hubProblems, hubTlsFiles, type HubTlsFiles } from "./hub-flags.js";
import { resolveWatchKeys, watchArg } from "./watch-arg.js";

export type { HubTlsFiles };

/** ws:// or wss:// URL of the hub's sidecar endpoint. */
const hubUrl: Parser<string> = {
  describe: "ws(s):// URL",
  parse(raw) {
    let u: URL;
    try {
      u = new URL(raw);
    } catch {
      throw new Error("expected a URL such as ws://pulsar-push-scaler:8080/v1/sidecars");
    }
    if (u.protocol !== "ws:" && u.protocol !== "wss:") {
      throw new Error("expected a ws:// or wss:// URL such as ws://pulsar-push-scaler:8080/v1/sidecars");
    }
    return raw;
  },
};

/** A port, or `off`. */
const portOrOff: Parser<number | "off"> = {
  describe: "integer 0..65535 or off",
  parse(raw) {
    if (raw.trim() === "off") return "off";
    return int(0, 65535).parse(raw);
  },
};

/** The sidecar's configuration schema (env names match the Helm chart's sidecar snippet). */
export const sidecarSchema = {
  hubUrl: field({
    flag: "hub-url",
    env: "PPS_HUB_URL",
    doc: "hub mode: the hub's sidecar endpoint, e.g. ws://pulsar-push-scaler:8080/v1/sidecars (exactly one of --hub-url and --grpc-port)",
    parser: hubUrl,
    default: undefined,
  }),
  hubTokenFile: field({
    flag: "hub-token-file",
    env: "PPS_HUB_TOKEN_FILE",
    doc: "hub mode: file holding the hub's bearer token (read again on every connect)",
    parser: str,
    default: undefined,
  }),
  hubToken: field({
    flag: "hub-token",
    env: "PPS_HUB_TOKEN",
    doc: "hub mode: the bearer token itself; prefer the env variable or --hub-token-file",
    parser: str,
    default: undefined,
    secret: true,
  }),
  hubCaFile: field({
    flag: "hub-ca-file",
    env: "PPS_HUB_CA_FILE",
    doc: "hub mode: CA bundle (PEM) to verify a wss:// hub (read again on every connect)",
    parser: str,
    default: undefined,
  }),
  hubCertFile: field({
    flag: "hub-cert-file",
    env: "PPS_HUB_CERT_FILE",
    doc: "hub mode: client certificate (PEM) for a wss:// hub that requires one (--http-tls-client-ca-file); needs --hub-key-file",
    parser: str,
    default: undefined,
  }),
  hubKeyFile: field({
    flag: "hub-key-file",
    env: "PPS_HUB_KEY_FILE",
    doc: "hub mode: private key (PEM) of --hub-cert-file",
    parser: str,
    default: undefined,
  }),
  podName: field({
    flag: "pod-name",
    env: "POD_NAME",
    doc: "hub mode: this pod's name, announced to the hub (downward API metadata.name)",
    parser: str,
    default: undefined,
  }),
  podNamespace: field({
    flag: "pod-namespace",
    env: "POD_NAMESPACE",
    doc: "this pod's namespace: announced to the hub; standalone: the namespace served (unset: all)",
    parser: str,
    default: undefined,
  }),
  // Spread so that `repeatable: true` stays a literal type (ConfigOf then types it WatchArg[]).
  watch: {
    ...field({
      flag: "watch",
      env: "PPS_WATCH",
      doc: "hub mode: a subscription this pod consumes, as topic:subscription or cluster@topic:subscription (env: comma-separated)",
      parser: watchArg,
      default: undefined,
    }),
    repeatable: true as const,
  },
  grpcPort: field({
    flag: "grpc-port",
    env: "PPS_GRPC_PORT",
    doc: "standalone mode (no hub): serve KEDA's external scaler gRPC service on this port (0 picks a free port)",
    parser: int(0, 65535),
    default: undefined,
  }),
  listenHost: field({
    flag: "listen-host",
    env: "PPS_LISTEN_HOST",
    doc: "address the gRPC service (standalone) and the HTTP endpoints bind to",
    parser: str,
    default: "0.0.0.0",
  }),
  httpPort: field({
    flag: "http-port",
    env: "PPS_HTTP_PORT",
    doc: "port of /healthz, /readyz and /metrics (0 picks a free port, off disables them)",
    parser: portOrOff,
    default: 8081,
  }),
  shutdownTimeoutMs: field({
    flag: "shutdown-timeout-ms",
    env: "PPS_SHUTDOWN_TIMEOUT_MS",
    doc: "standalone mode: how long shutdown waits for gRPC calls to drain, in ms",
    parser: int(0, 600_000),
    default: 10_000,
  }),
  maxStreams: maxStreamsField,
  logLevel: logLevelField("PPS_LOG_LEVEL"),
  ...clusterSchema,
  ...watchTimingsSchema,
};

export type SidecarConfig = ConfigOf<typeof sidecarSchema>;

interface Common {
  readonly clusters: readonly ClusterConfig[];
  readonly timings: WatchTimings;
  readonly httpPort: number | "off";
  readonly listenHost: string;
  readonly logLevel: LevelWithSilent;
}

/** Hub mode: report to the hub the keys it grants. */
export interface HubModeSettings extends Common {
  readonly mode: "hub";
  readonly hubUrl: string;
  readonly token: { readonly file: string } | { readonly value: string };
  /** wss:// only: the CA bundle and client certificate files, read on every connect. */
  readonly tls: HubTlsFiles | undefined;
  readonly pod: string;
  readonly namespace: string;
  readonly keys: readonly WatchKey[];
}

/** Standalone mode: serve KEDA's gRPC service from this process's own watchers. */
export interface StandaloneSettings extends Common {
  readonly mode: "standalone";
  readonly grpcPort: number;
  readonly namespaces: readonly string[] | "all";
  readonly shutdownTimeoutMs: number;
  readonly maxStreams: number;
  /** --watch keys, accepted but not needed: KEDA's trigger metadata names the keys. */
  readonly keys: readonly WatchKey[];
}

export type SidecarSettings = HubModeSettings | StandaloneSettings;

/**
 * The settings of a parsed config: the rules between values (mode, token, pod, keys, clusters,
 * timings) run here, in the run that parsed them, so every problem is reported together.
 */
export function sidecarSettings(
  cfg: SidecarConfig,
  checks: Checks,
  io?: ClusterFileIo,
): SidecarSettings | undefined {
  // A value that failed to parse was still given: the mode follows what the operator wrote.
  const given = (key: keyof SidecarConfig) => cfg[key] !== undefined || !checks.ok(key);
  const hubMode = given("hubUrl");
  if (hubMode === given("grpcPort")) {
    checks.problem(
      `set exactly one of --hub-url (PPS_HUB_URL, hub mode) and --grpc-port (PPS_GRPC_PORT, standalone mode); ${hubMode ? "both are set" : "neither is set"}`,
    );
  }
  const clusters = clustersFromConfig(cfg, checks, io);
  const timings = timingsFromConfig(cfg, checks);
  const problems: string[] = [];
  const keys =
    clusters.length > 0 ? resolveWatchKeys(cfg.watch, clusters, cfg.pulsarClusterName, problems) : [];
  if (hubMode && !given("grpcPort")) problems.push(...hubProblems(cfg, checks));
  for (const p of problems) checks.problem(p);
  const common = {
    clusters,
    timings,
    httpPort: cfg.httpPort,
    listenHost: cfg.listenHost,
    logLevel: cfg.logLevel,
  };
  if (cfg.hubUrl !== undefined && cfg.grpcPort === undefined) {
    return Object.freeze({
      ...common,
      mode: "hub",
      hubUrl: cfg.hubUrl,
      token: cfg.hubTokenFile !== undefined ? { file: cfg.hubTokenFile } : { value: cfg.hubToken ?? "" },
      tls: hubTlsFiles(cfg),
      pod: cfg.podName ?? "",
      namespace: cfg.podNamespace ?? "",
      keys,
    });
  }
  if (cfg.grpcPort === undefined) return undefined;
  return Object.freeze({
    ...common,
    mode: "standalone",
    grpcPort: cfg.grpcPort,
    namespaces: cfg.podNamespace !== undefined ? [cfg.podNamespace] : "all",
    shutdownTimeoutMs: cfg.shutdownTimeoutMs,
    maxStreams: cfg.maxStreams,
    keys,
  });
}

/** argv and env to SidecarSettings; throws one ConfigError listing every problem. */
export function loadSidecarConfig(
  argv: readonly string[],
  env: NodeJS.ProcessEnv,
  io?: ClusterFileIo,
): LoadResult<SidecarSettings> {
  const loaded = loadConfig(sidecarSchema, argv, env, (cfg, checks) => sidecarSettings(cfg, checks, io));
  if (loaded.help) return loaded;
  // Unreachable: without a mode sidecarSettings reported a problem, and loadConfig threw it.
  if (loaded.config === undefined) throw new ConfigError(["set --hub-url or --grpc-port"]);
  return { help: false, config: loaded.config };
}
