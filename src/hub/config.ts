import { int, list, oneOf, str } from "../lib/config-parsers.js";
import { field, loadConfig, type Checks, type ConfigOf, type LoadResult } from "../lib/config.js";
import { logLevelField } from "../lib/logger.js";
import type { TlsFiles } from "../lib/tls-files.js";
import type { ClusterConfig } from "../pulsar/cluster.js";
import { clusterSchema, clustersFromConfig, type ClusterFileIo } from "../pulsar/cluster-schema.js";
import { maxStreamsField } from "../keda/stream-limits.js";
import { timingsFromConfig } from "../watch/timings-schema.js";
import type { WatchTimings } from "../watch/timings.js";
import { hubEngineRules, hubEngineSchema } from "./engine-flags.js";

/**
 * The hub's configuration schema (env prefix PPS_): its own fields, then the watch engine, lease
 * and sidecar gateway fragment (engine-flags.ts, with the watcher timings), then the clusters.
 */
export const hubSchema = {
  grpcPort: field({
    flag: "grpc-port",
    env: "PPS_GRPC_PORT",
    doc: "port of KEDA's external scaler gRPC service (0 picks a free port)",
    parser: int(0, 65535),
    default: 9090,
  }),
  grpcHost: field({
    flag: "grpc-host",
    env: "PPS_GRPC_HOST",
    doc: "address the gRPC service and the HTTP endpoints bind to",
    parser: str,
    default: "0.0.0.0",
  }),
  httpPort: field({
    flag: "http-port",
    env: "PPS_HTTP_PORT",
    doc: "port of /healthz, /readyz, /metrics and the status page (0 picks a free port)",
    parser: int(0, 65535),
    default: 8080,
  }),
  statusPage: field({
    flag: "status-page",
    env: "PPS_STATUS_PAGE",
    doc: "`on` serves the live status page at /status and /status.json on the HTTP port; `off` answers them with 404",
    parser: oneOf(["on", "off"] as const),
    default: "on",
  }),
  namespaces: field({
    flag: "namespaces",
    env: "PPS_NAMESPACES",
    doc: "namespaces whose ScaledObjects are served, or `all` (default: POD_NAMESPACE; if unset, all, with a warning)",
    parser: list,
    default: undefined,
  }),
  logLevel: logLevelField("PPS_LOG_LEVEL"),
  grpcTlsCertFile: field({
    flag: "grpc-tls-cert-file",
    env: "PPS_GRPC_TLS_CERT_FILE",
    doc: "serve gRPC over TLS with this certificate (PEM); needs --grpc-tls-key-file",
    parser: str,
    default: undefined,
  }),
  grpcTlsKeyFile: field({
    flag: "grpc-tls-key-file",
    env: "PPS_GRPC_TLS_KEY_FILE",
    doc: "private key (PEM) of --grpc-tls-cert-file",
    parser: str,
    default: undefined,
  }),
  grpcTlsClientCaFile: field({
    flag: "grpc-tls-client-ca-file",
    env: "PPS_GRPC_TLS_CLIENT_CA_FILE",
    doc: "when set, gRPC clients must present a certificate signed by this CA (PEM)",
    parser: str,
    default: undefined,
  }),
  httpTlsCertFile: field({
    flag: "http-tls-cert-file",
    env: "PPS_HTTP_TLS_CERT_FILE",
    doc: "serve the HTTP port (probes, /metrics, the sidecar endpoint) over TLS with this certificate (PEM, re-read when it changes); needs --http-tls-key-file",
    parser: str,
    default: undefined,
  }),
  httpTlsKeyFile: field({
    flag: "http-tls-key-file",
    env: "PPS_HTTP_TLS_KEY_FILE",
    doc: "private key (PEM) of --http-tls-cert-file",
    parser: str,
    default: undefined,
  }),
  httpTlsClientCaFile: field({
    flag: "http-tls-client-ca-file",
    env: "PPS_HTTP_TLS_CLIENT_CA_FILE",
    doc: "when set, sidecars must present a certificate signed by this CA (PEM); probes and /metrics need none",
    parser: str,
    default: undefined,
  }),
  shutdownTimeoutMs: field({
    flag: "shutdown-timeout-ms",
    env: "PPS_SHUTDOWN_TIMEOUT_MS",
    doc: "how long shutdown waits for calls to drain before closing connections, in ms",
    parser: int(0, 600_000),
    default: 10_000,
  }),
  maxStreams: maxStreamsField,
  ...hubEngineSchema,
  ...clusterSchema,
};

export type HubConfig = ConfigOf<typeof hubSchema>;

export interface ServedNamespaces {
  readonly namespaces: readonly string[] | "all";
  /** Set when the hub falls back to serving every namespace. */
  readonly warning?: string;
}

/** --namespaces, else POD_NAMESPACE, else all (with a warning to log at startup). */
export function servedNamespaces(
  cfg: Pick<HubConfig, "namespaces">,
  env: NodeJS.ProcessEnv,
): ServedNamespaces {
  const given = cfg.namespaces;
  if (given !== undefined && given.length > 0) {
    return { namespaces: given.some((n) => n === "all" || n === "*") ? "all" : given };
  }
  const pod = env["POD_NAMESPACE"]?.trim();
  if (pod) return { namespaces: [pod] };
  return {
    namespaces: "all",
    warning:
      "neither --namespaces (PPS_NAMESPACES) nor POD_NAMESPACE is set: serving ScaledObjects of every namespace",
  };
}

function tlsFiles(
  certFile: string | undefined,
  keyFile: string | undefined,
  clientCaFile: string | undefined,
): TlsFiles | undefined {
  if (!certFile || !keyFile) return undefined;
  return { certFile, keyFile, ...(clientCaFile !== undefined && { clientCaFile }) };
}

/** gRPC TLS settings (a half-set pair is a problem of hubSettings). */
export function grpcTls(cfg: HubConfig): TlsFiles | undefined {
  return tlsFiles(cfg.grpcTlsCertFile, cfg.grpcTlsKeyFile, cfg.grpcTlsClientCaFile);
}

/** TLS settings of the HTTP port (a half-set pair is a problem of hubSettings). */
export function httpTls(cfg: HubConfig): TlsFiles | undefined {
  return tlsFiles(cfg.httpTlsCertFile, cfg.httpTlsKeyFile, cfg.httpTlsClientCaFile);
}

/** The pair rules of one port's TLS flags. */
function tlsRules(
  port: "grpc" | "http",
  cert: string | undefined,
  key: string | undefined,
  ca: string | undefined,
  checks: Checks,
): void {
  const f = (n: string) => `--${port}-tls-${n}`;
  if ((cert === undefined) !== (key === undefined)) {
    checks.problem(`${f("cert-file")} and ${f("key-file")} must be set together`);
  }
  if (ca !== undefined && cert === undefined) {
    checks.problem(`${f("client-ca-file")} needs ${f("cert-file")} and ${f("key-file")}`);
  }
}

/** What the hub runs with: the values, and the clusters and watcher timings derived from them. */
export interface HubSettings {
  readonly config: HubConfig;
  readonly clusters: readonly ClusterConfig[];
  readonly timings: WatchTimings;
}

/** The rules between the hub's values, the clusters and the timings, in the run that parsed them. */
export function hubSettings(cfg: HubConfig, checks: Checks, io?: ClusterFileIo): HubSettings {
  hubEngineRules(cfg, checks);
  tlsRules("grpc", cfg.grpcTlsCertFile, cfg.grpcTlsKeyFile, cfg.grpcTlsClientCaFile, checks);
  tlsRules("http", cfg.httpTlsCertFile, cfg.httpTlsKeyFile, cfg.httpTlsClientCaFile, checks);
  const clusters = clustersFromConfig(cfg, checks, io);
  const timings = timingsFromConfig(cfg, checks);
  return Object.freeze({ config: cfg, clusters, timings });
}

/** argv and env to HubSettings; throws one ConfigError listing every problem. */
export function loadHubConfig(
  argv: readonly string[],
  env: NodeJS.ProcessEnv,
  io?: ClusterFileIo,
): LoadResult<HubSettings> {
  return loadConfig(hubSchema, argv, env, (cfg, checks) => hubSettings(cfg, checks, io));
}
