import { existsSync, readFileSync } from "node:fs";
import { parse as parseYaml } from "yaml";
import { field, int, oneOf, str, url, type ConfigOf } from "../lib/config.js";
import { ConfigError, errorText } from "../lib/errors.js";
import type { ClusterConfig, PulsarAuth } from "./cluster.js";

export const AUTH_KINDS = ["none", "token", "basic", "tls", "oauth2"] as const;
type AuthKind = (typeof AUTH_KINDS)[number];

/** Pulsar cluster fields shared by hub, sidecar and check: spread into a program's schema. */
export const clusterSchema = {
  pulsarClusterName: field({
    flag: "pulsar-cluster-name",
    env: "PPS_PULSAR_CLUSTER_NAME",
    doc: "name of the cluster given by the --pulsar-* flags (trigger metadata `cluster`)",
    parser: str,
    default: "default",
  }),
  pulsarAdminUrl: field({
    flag: "pulsar-admin-url",
    env: "PPS_PULSAR_ADMIN_URL",
    doc: "Pulsar broker web service URL, e.g. http://pulsar-broker:8080",
    parser: url,
    default: undefined,
  }),
  pulsarWsUrl: field({
    flag: "pulsar-ws-url",
    env: "PPS_PULSAR_WS_URL",
    doc: "Pulsar WebSocket service URL (default: the admin URL with http->ws, https->wss)",
    parser: url,
    default: undefined,
  }),
  pulsarAuth: field({
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
    parser: url,
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
    parser: int(100, 600_000),
    default: 5000,
  }),
  clustersFile: field({
    flag: "clusters-file",
    env: "PPS_CLUSTERS_FILE",
    doc: "YAML or JSON list of clusters (same fields in camelCase: name, adminUrl, wsUrl, auth, tokenFile, ...) for several clusters",
    parser: str,
    default: undefined,
  }),
};

export type ClusterSchemaConfig = ConfigOf<typeof clusterSchema>;

/** One cluster as written in the clusters file (camelCase of the --pulsar-* flags). */
const FILE_KEYS = [
  "name",
  "adminUrl",
  "wsUrl",
  "auth",
  "tokenFile",
  "basicUsername",
  "basicPasswordFile",
  "tlsCertFile",
  "tlsKeyFile",
  "caFile",
  "oauth2CredentialsFile",
  "oauth2IssuerUrl",
  "oauth2Audience",
  "oauth2Scope",
  "requestTimeoutMs",
] as const;
type FileKey = (typeof FILE_KEYS)[number];
type ClusterInput = Partial<Record<FileKey, string | number>> & { token?: string };

/** File access, injectable for tests. */
export interface ClusterFileIo {
  readFile(path: string): string;
  exists(path: string): boolean;
}

const realIo: ClusterFileIo = {
  readFile: (p) => readFileSync(p, "utf8"),
  exists: (p) => existsSync(p),
};

const NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$/;

function wsFromAdmin(adminUrl: string): string {
  return adminUrl.replace(/^http(s?):/i, (_m, s: string) => `ws${s}:`);
}

function checkUrl(raw: unknown, schemes: readonly string[]): string | undefined {
  if (typeof raw !== "string") return undefined;
  try {
    const u = new URL(raw);
    return schemes.includes(u.protocol) ? raw.replace(/\/+$/, "") : undefined;
  } catch {
    return undefined;
  }
}

function buildCluster(
  input: ClusterInput,
  where: string,
  defaults: { requestTimeoutMs: number },
  io: ClusterFileIo,
  problems: string[],
): ClusterConfig | undefined {
  const before = problems.length;
  const p = (msg: string) => problems.push(`${where}: ${msg}`);
  const s = (k: FileKey): string | undefined => {
    const v = input[k];
    if (v === undefined || v === "") return undefined;
    if (typeof v !== "string") p(`${k} must be a string`);
    return typeof v === "string" ? v : undefined;
  };
  const file = (k: FileKey, what: string): string | undefined => {
    const f = s(k);
    if (f !== undefined && !io.exists(f)) p(`${what} ${JSON.stringify(f)} (${k}) does not exist`);
    return f;
  };
  const name = s("name");
  if (name === undefined || !NAME.test(name)) {
    p(
      `cluster name ${JSON.stringify(name ?? "")} must be 1-63 letters, digits, _ . - (starting alphanumeric)`,
    );
  }
  const adminUrl = checkUrl(input.adminUrl, ["http:", "https:"]);
  if (!adminUrl) p(`adminUrl ${JSON.stringify(input.adminUrl ?? "")} must be an http:// or https:// URL`);
  const wsRaw = s("wsUrl");
  const wsUrl = wsRaw === undefined ? adminUrl && wsFromAdmin(adminUrl) : checkUrl(wsRaw, ["ws:", "wss:"]);
  if (wsRaw !== undefined && !wsUrl) p(`wsUrl ${JSON.stringify(wsRaw)} must be a ws:// or wss:// URL`);
  const kind = (s("auth") ?? "none") as AuthKind;
  if (!AUTH_KINDS.includes(kind)) p(`auth ${JSON.stringify(kind)} must be one of ${AUTH_KINDS.join(", ")}`);
  const timeout = input.requestTimeoutMs ?? defaults.requestTimeoutMs;
  if (typeof timeout !== "number" || !Number.isInteger(timeout) || timeout < 100 || timeout > 600_000) {
    p(`requestTimeoutMs ${JSON.stringify(timeout)} must be an integer in 100..600000`);
  }
  const caFile = file("caFile", "CA file");
  let auth: PulsarAuth = { kind: "none" };
  if (kind === "token") {
    const tokenFile = file("tokenFile", "token file");
    const token = input.token;
    if ((tokenFile === undefined) === (token === undefined)) {
      p("auth token needs exactly one of a token file (--pulsar-token-file) or a token (PPS_PULSAR_TOKEN)");
    }
    auth = tokenFile !== undefined ? { kind, tokenFile } : { kind, token: token ?? "" };
  } else if (kind === "basic") {
    const username = s("basicUsername");
    const passwordFile = file("basicPasswordFile", "password file");
    if (username === undefined || passwordFile === undefined) {
      p("auth basic needs a user name (basicUsername) and a password file (basicPasswordFile)");
    }
    let password = "";
    if (passwordFile !== undefined && io.exists(passwordFile)) {
      try {
        password = io.readFile(passwordFile).replace(/\r?\n$/, "");
      } catch (err) {
        p(`password file ${JSON.stringify(passwordFile)} cannot be read: ${errorText(err)}`);
      }
    }
    auth = { kind, username: username ?? "", password };
  } else if (kind === "tls") {
    const certFile = file("tlsCertFile", "certificate file");
    const keyFile = file("tlsKeyFile", "key file");
    if (certFile === undefined || keyFile === undefined) {
      p("auth tls needs a certificate file (tlsCertFile) and a key file (tlsKeyFile)");
    }
    if (adminUrl && !adminUrl.startsWith("https:")) p("auth tls needs an https:// adminUrl");
    auth = { kind, certFile: certFile ?? "", keyFile: keyFile ?? "" };
  } else if (kind === "oauth2") {
    const credentialsFile = file("oauth2CredentialsFile", "credentials file");
    if (credentialsFile === undefined) p("auth oauth2 needs a credentials file (oauth2CredentialsFile)");
    const issuerRaw = s("oauth2IssuerUrl");
    const issuerUrl = issuerRaw === undefined ? undefined : checkUrl(issuerRaw, ["http:", "https:"]);
    if (issuerRaw !== undefined && !issuerUrl)
      p(`oauth2IssuerUrl ${JSON.stringify(issuerRaw)} must be a URL`);
    const audience = s("oauth2Audience");
    const scope = s("oauth2Scope");
    auth = {
      kind,
      credentialsFile: credentialsFile ?? "",
      ...(issuerUrl !== undefined && { issuerUrl }),
      ...(audience !== undefined && { audience }),
      ...(scope !== undefined && { scope }),
    };
  }
  if (problems.length > before || !name || !adminUrl || !wsUrl || typeof timeout !== "number")
    return undefined;
  return Object.freeze({
    name,
    adminUrl,
    wsUrl,
    auth: Object.freeze(auth),
    ...(caFile !== undefined && { caFile }),
    requestTimeoutMs: timeout,
  });
}

function fileInputs(path: string, io: ClusterFileIo, problems: string[]): Array<[ClusterInput, string]> {
  let doc: unknown;
  try {
    doc = parseYaml(io.readFile(path));
  } catch (err) {
    problems.push(`clusters file ${JSON.stringify(path)} cannot be read as YAML or JSON: ${errorText(err)}`);
    return [];
  }
  const list = Array.isArray(doc) ? doc : (doc as { clusters?: unknown } | null)?.clusters;
  if (!Array.isArray(list)) {
    problems.push(
      `clusters file ${JSON.stringify(path)} must hold a list of clusters (or {clusters: [...]})`,
    );
    return [];
  }
  return list.flatMap((item: unknown, i): Array<[ClusterInput, string]> => {
    const where = `clusters file ${path} [${i}]`;
    if (typeof item !== "object" || item === null || Array.isArray(item)) {
      problems.push(`${where}: must be a mapping of cluster fields`);
      return [];
    }
    for (const k of Object.keys(item)) {
      if (k === "token") problems.push(`${where}: token is not accepted in a file; use tokenFile`);
      else if (!(FILE_KEYS as readonly string[]).includes(k)) {
        problems.push(`${where}: unknown field ${JSON.stringify(k)} (known: ${FILE_KEYS.join(", ")})`);
      }
    }
    const { token: _ignored, ...rest } = item as ClusterInput;
    return [[rest, where]];
  });
}

/**
 * Every configured cluster from the --pulsar-* flags (when --pulsar-admin-url is set) and the
 * clusters file, checked together. Throws ConfigError listing every problem.
 */
export function clustersFromConfig(cfg: ClusterSchemaConfig, io: ClusterFileIo = realIo): ClusterConfig[] {
  const problems: string[] = [];
  const inputs: Array<[ClusterInput, string]> = [];
  if (cfg.pulsarAdminUrl !== undefined) {
    const fromFlags: ClusterInput = {
      name: cfg.pulsarClusterName,
      adminUrl: cfg.pulsarAdminUrl,
      wsUrl: cfg.pulsarWsUrl,
      auth: cfg.pulsarAuth,
      tokenFile: cfg.pulsarTokenFile,
      basicUsername: cfg.pulsarBasicUsername,
      basicPasswordFile: cfg.pulsarBasicPasswordFile,
      tlsCertFile: cfg.pulsarTlsCertFile,
      tlsKeyFile: cfg.pulsarTlsKeyFile,
      caFile: cfg.pulsarCaFile,
      oauth2CredentialsFile: cfg.pulsarOauth2CredentialsFile,
      oauth2IssuerUrl: cfg.pulsarOauth2IssuerUrl,
      oauth2Audience: cfg.pulsarOauth2Audience,
      oauth2Scope: cfg.pulsarOauth2Scope,
      requestTimeoutMs: cfg.pulsarRequestTimeoutMs,
      ...(cfg.pulsarToken !== undefined && { token: cfg.pulsarToken }),
    };
    inputs.push([fromFlags, `cluster ${JSON.stringify(cfg.pulsarClusterName)} (--pulsar-* flags)`]);
  } else if (cfg.pulsarAuth !== "none" || cfg.pulsarWsUrl !== undefined) {
    problems.push(
      "--pulsar-auth / --pulsar-ws-url are set but --pulsar-admin-url (PPS_PULSAR_ADMIN_URL) is not",
    );
  }
  if (cfg.clustersFile !== undefined) inputs.push(...fileInputs(cfg.clustersFile, io, problems));
  const defaults = { requestTimeoutMs: cfg.pulsarRequestTimeoutMs };
  const clusters = inputs.flatMap(
    ([input, where]) => buildCluster(input, where, defaults, io, problems) ?? [],
  );
  const seen = new Set<string>();
  for (const c of clusters) {
    if (seen.has(c.name)) problems.push(`cluster name ${JSON.stringify(c.name)} is used more than once`);
    seen.add(c.name);
  }
  if (inputs.length === 0 && problems.length === 0) {
    problems.push(
      "no Pulsar cluster configured: set --pulsar-admin-url (PPS_PULSAR_ADMIN_URL) or --clusters-file (PPS_CLUSTERS_FILE)",
    );
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return clusters;
}
