import { fromSchema, integer, oneOf, str } from "../lib/config-parsers.js";
import { field, type Checks, type ConfigOf } from "../lib/config.js";
import type { ClusterConfig } from "./cluster.js";
import {
  buildCluster,
  realIo,
  type ClusterFileIo,
  type ClusterInput,
  type ClusterKey,
  type ClusterPlace,
} from "./cluster-rules.js";
import {
  ARRIVALS_MODES,
  type ArrivalsMode,
  AUTH_KINDS,
  type AuthKind,
  CLUSTER_NAME,
  HTTP_URL,
  REQUEST_TIMEOUT_MS,
  SERVICE_URL,
  WS_URL,
} from "./cluster-values.js";
import { clustersFileInputs } from "./clusters-file.js";

/** Pulsar cluster fields shared by hub, sidecar and check: spread into a program's schema. */
export const clusterSchema = {
  pulsarClusterName: field({
    flag: "pulsar-cluster-name",
    env: "PPS_PULSAR_CLUSTER_NAME",
    doc: "name of the cluster given by the --pulsar-* flags (trigger metadata `cluster`)",
    parser: fromSchema("cluster name", CLUSTER_NAME),
    default: "default",
  }),
  pulsarAdminUrl: field({
    flag: "pulsar-admin-url",
    env: "PPS_PULSAR_ADMIN_URL",
    doc: "Pulsar broker web service URL, e.g. http://pulsar-broker:8080",
    parser: fromSchema("http(s):// URL", HTTP_URL),
    default: undefined,
  }),
  pulsarWsUrl: field({
    flag: "pulsar-ws-url",
    env: "PPS_PULSAR_WS_URL",
    doc: "Pulsar WebSocket service URL (default: the admin URL with http->ws, https->wss)",
    parser: fromSchema("ws(s):// URL", WS_URL),
    default: undefined,
  }),
  pulsarServiceUrl: field({
    flag: "pulsar-service-url",
    env: "PPS_PULSAR_SERVICE_URL",
    doc: "Pulsar binary-protocol service URL of a broker or proxy, e.g. pulsar://pulsar-broker:6650 or pulsar+ssl://pulsar-broker:6651 (with it, arrivals auto use the binary protocol)",
    parser: fromSchema("pulsar(+ssl):// URL", SERVICE_URL),
    default: undefined,
  }),
  pulsarArrivals: field<ArrivalsMode>({
    flag: "pulsar-arrivals",
    env: "PPS_PULSAR_ARRIVALS",
    doc: "how watchers learn of arrivals: auto (binary with --pulsar-service-url, else WebSocket when the service answers, else polling), binary, websocket, or off (polling only)",
    parser: oneOf(ARRIVALS_MODES),
    default: "auto",
  }),
  pulsarAuth: field<AuthKind>({
    flag: "pulsar-auth",
    env: "PPS_PULSAR_AUTH",
    doc: "how to authenticate to Pulsar",
    parser: oneOf(AUTH_KINDS),
    default: "none",
  }),
  pulsarTokenFile: field({
    flag: "pulsar-token-file",
    env: "PPS_PULSAR_TOKEN_FILE",
    doc: "file holding the JWT for --pulsar-auth token (re-read when it changes)",
    parser: str,
    default: undefined,
  }),
  pulsarToken: field({
    flag: "pulsar-token",
    env: "PPS_PULSAR_TOKEN",
    doc: "JWT for --pulsar-auth token; prefer the env variable or --pulsar-token-file",
    parser: str,
    default: undefined,
    secret: true,
  }),
  pulsarBasicUsername: field({
    flag: "pulsar-basic-username",
    env: "PPS_PULSAR_BASIC_USERNAME",
    doc: "user name for --pulsar-auth basic",
    parser: str,
    default: undefined,
  }),
  pulsarBasicPasswordFile: field({
    flag: "pulsar-basic-password-file",
    env: "PPS_PULSAR_BASIC_PASSWORD_FILE",
    doc: "file holding the password for --pulsar-auth basic",
    parser: str,
    default: undefined,
  }),
  pulsarTlsCertFile: field({
    flag: "pulsar-tls-cert-file",
    env: "PPS_PULSAR_TLS_CERT_FILE",
    doc: "client certificate (PEM) for --pulsar-auth tls",
    parser: str,
    default: undefined,
  }),
  pulsarTlsKeyFile: field({
    flag: "pulsar-tls-key-file",
    env: "PPS_PULSAR_TLS_KEY_FILE",
    doc: "client key (PEM) for --pulsar-auth tls",
    parser: str,
    default: undefined,
  }),
  pulsarCaFile: field({
    flag: "pulsar-ca-file",
    env: "PPS_PULSAR_CA_FILE",
    doc: "CA bundle (PEM) to verify Pulsar's https/wss certificates",
    parser: str,
    default: undefined,
  }),
  pulsarOauth2CredentialsFile: field({
    flag: "pulsar-oauth2-credentials-file",
    env: "PPS_PULSAR_OAUTH2_CREDENTIALS_FILE",
    doc: "OAuth2 client credentials JSON file for --pulsar-auth oauth2",
    parser: str,
    default: undefined,
  }),
  pulsarOauth2IssuerUrl: field({
    flag: "pulsar-oauth2-issuer-url",
    env: "PPS_PULSAR_OAUTH2_ISSUER_URL",
    doc: "OAuth2 issuer URL (overrides issuer_url of the credentials file)",
    parser: fromSchema("http(s):// URL", HTTP_URL),
    default: undefined,
  }),
  pulsarOauth2Audience: field({
    flag: "pulsar-oauth2-audience",
    env: "PPS_PULSAR_OAUTH2_AUDIENCE",
    doc: "OAuth2 audience",
    parser: str,
    default: undefined,
  }),
  pulsarOauth2Scope: field({
    flag: "pulsar-oauth2-scope",
    env: "PPS_PULSAR_OAUTH2_SCOPE",
    doc: "OAuth2 scope",
    parser: str,
    default: undefined,
  }),
  pulsarRequestTimeoutMs: field({
    flag: "pulsar-request-timeout-ms",
    env: "PPS_PULSAR_REQUEST_TIMEOUT_MS",
    doc: "timeout of one Pulsar admin request, in ms",
    parser: integer(REQUEST_TIMEOUT_MS),
    default: 5000,
  }),
  clustersFile: field({
    flag: "clusters-file",
    env: "PPS_CLUSTERS_FILE",
    doc: "YAML or JSON list of clusters (same fields in camelCase: name, adminUrl, wsUrl, serviceUrl, arrivals, auth, tokenFile, ...) for several clusters",
    parser: str,
    default: undefined,
  }),
};

export type ClusterSchemaConfig = ConfigOf<typeof clusterSchema>;

export type { ClusterFileIo } from "./cluster-rules.js";

/** The cluster keys of the --pulsar-* flags (clusterName -> name, ...). */
const FLAG_OF: Readonly<Record<ClusterKey, keyof typeof clusterSchema>> = {
  name: "pulsarClusterName",
  adminUrl: "pulsarAdminUrl",
  wsUrl: "pulsarWsUrl",
  serviceUrl: "pulsarServiceUrl",
  arrivals: "pulsarArrivals",
  auth: "pulsarAuth",
  token: "pulsarToken",
  tokenFile: "pulsarTokenFile",
  basicUsername: "pulsarBasicUsername",
  basicPasswordFile: "pulsarBasicPasswordFile",
  tlsCertFile: "pulsarTlsCertFile",
  tlsKeyFile: "pulsarTlsKeyFile",
  caFile: "pulsarCaFile",
  oauth2CredentialsFile: "pulsarOauth2CredentialsFile",
  oauth2IssuerUrl: "pulsarOauth2IssuerUrl",
  oauth2Audience: "pulsarOauth2Audience",
  oauth2Scope: "pulsarOauth2Scope",
  requestTimeoutMs: "pulsarRequestTimeoutMs",
};

const flagPlace = (cluster: string): ClusterPlace => ({
  where: `cluster ${JSON.stringify(cluster)} (--pulsar-* flags)`,
  name: (k) => `--${clusterSchema[FLAG_OF[k]].flag}`,
  tokenHint: "exactly one of a token file (--pulsar-token-file) or a token (PPS_PULSAR_TOKEN)",
});

/** Whether a --pulsar-* flag that describes the flags' cluster is set (it needs the admin URL). */
function flagClusterHints(cfg: ClusterSchemaConfig): boolean {
  return (
    cfg.pulsarAuth !== "none" ||
    cfg.pulsarWsUrl !== undefined ||
    cfg.pulsarServiceUrl !== undefined ||
    cfg.pulsarArrivals !== "auto"
  );
}

/**
 * Every configured cluster from the --pulsar-* flags (when --pulsar-admin-url is set) and the
 * clusters file. Values were checked by their parsers (flags) or the file's schema; the rules
 * between them run once here for both. Problems go to `checks`; the good clusters come back.
 */
export function clustersFromConfig(
  cfg: ClusterSchemaConfig,
  checks: Checks,
  io: ClusterFileIo = realIo,
): ClusterConfig[] {
  const problems: string[] = [];
  const inputs: Array<[ClusterInput, ClusterPlace]> = [];
  const flagsGiven = cfg.pulsarAdminUrl !== undefined || !checks.ok("pulsarAdminUrl");
  const flagKeys = Object.values(FLAG_OF);
  if (cfg.pulsarAdminUrl !== undefined && checks.ok(...flagKeys)) {
    const fromFlags = Object.fromEntries(
      Object.entries(FLAG_OF).map(([k, flagKey]) => [k, cfg[flagKey]]),
    ) as unknown as ClusterInput;
    inputs.push([fromFlags, flagPlace(cfg.pulsarClusterName)]);
  } else if (!flagsGiven && flagClusterHints(cfg)) {
    problems.push(
      "--pulsar-auth / --pulsar-ws-url / --pulsar-service-url / --pulsar-arrivals are set but --pulsar-admin-url (PPS_PULSAR_ADMIN_URL) is not",
    );
  }
  const fileGiven = cfg.clustersFile !== undefined;
  if (cfg.clustersFile !== undefined) {
    const defaults = { requestTimeoutMs: cfg.pulsarRequestTimeoutMs };
    inputs.push(...clustersFileInputs(cfg.clustersFile, io, defaults, problems));
  }
  const clusters = inputs.flatMap(([input, place]) => buildCluster(input, place, io, problems) ?? []);
  const seen = new Set<string>();
  for (const c of clusters) {
    if (seen.has(c.name)) problems.push(`cluster name ${JSON.stringify(c.name)} is used more than once`);
    seen.add(c.name);
  }
  if (!flagsGiven && !fileGiven && problems.length === 0) {
    problems.push(
      "no Pulsar cluster configured: set --pulsar-admin-url (PPS_PULSAR_ADMIN_URL) or --clusters-file (PPS_CLUSTERS_FILE)",
    );
  }
  for (const p of problems) checks.problem(p);
  return problems.length > 0 ? [] : clusters;
}
