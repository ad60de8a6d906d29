import { readFileSync } from "node:fs";
import { bool, int, list, oneOf, str, type Parser } from "../lib/config-parsers.js";
import { field, type Checks, type ConfigOf } from "../lib/config.js";
import { logLevelField } from "../lib/logger.js";
import type { AuthMode, AuthOptions, TlsOptions } from "./options.js";

const AUTH_MODES: readonly AuthMode[] = ["none", "token", "basic", "oauth2"];

const port = int(0, 65535);

/** A port, or `off` for a listener that is not started. */
const portOrOff: Parser<number | "off"> = {
  describe: `${port.describe} or off`,
  parse: (raw) => (raw.trim() === "off" ? "off" : port.parse(raw)),
};

/** One flag per option of `pulsar-push-scaler sim`. */
export const SIM_SCHEMA = {
  port: field({
    flag: "port",
    env: "PPS_SIM_PORT",
    doc: "port of the web service (admin REST + WebSocket)",
    parser: int(0, 65535),
    default: 8080,
  }),
  binaryPort: field<number | "off">({
    flag: "binary-port",
    env: "PPS_SIM_BINARY_PORT",
    doc: "port of the binary protocol (pulsar://, pulsar+ssl:// with TLS); off disables it",
    parser: portOrOff,
    default: 6650,
  }),
  host: field({
    flag: "host",
    env: "PPS_SIM_HOST",
    doc: "address to listen on",
    parser: str,
    default: "127.0.0.1",
  }),
  auth: field<AuthMode>({
    flag: "auth",
    env: "PPS_SIM_AUTH",
    doc: "authentication: none, token (HS256 JWT), basic, oauth2 (issuer on the same port)",
    parser: oneOf(AUTH_MODES),
    default: "none",
  }),
  tokenSecret: field({
    flag: "token-secret",
    env: "PPS_SIM_TOKEN_SECRET",
    doc: "HS256 secret for token and oauth2 modes (base64:... for raw key bytes)",
    parser: str,
    default: undefined,
    secret: true,
  }),
  basicUsers: field({
    flag: "basic-users",
    env: "PPS_SIM_BASIC_USERS",
    doc: "user:password pairs for basic mode",
    parser: list,
    default: undefined,
    secret: true,
  }),
  oauth2Client: field({
    flag: "oauth2-client",
    env: "PPS_SIM_OAUTH2_CLIENT",
    doc: "client_id:client_secret accepted by the oauth2 token endpoint",
    parser: str,
    default: undefined,
    secret: true,
  }),
  tlsCertFile: field({
    flag: "tls-cert-file",
    env: "PPS_SIM_TLS_CERT_FILE",
    doc: "PEM certificate: serve https/wss",
    parser: str,
    default: undefined,
  }),
  tlsKeyFile: field({
    flag: "tls-key-file",
    env: "PPS_SIM_TLS_KEY_FILE",
    doc: "PEM private key of --tls-cert-file",
    parser: str,
    default: undefined,
  }),
  tlsCaFile: field({
    flag: "tls-ca-file",
    env: "PPS_SIM_TLS_CA_FILE",
    doc: "PEM CA that signs accepted client certificates",
    parser: str,
    default: undefined,
  }),
  tlsRequireClientCert: field({
    flag: "tls-require-client-cert",
    env: "PPS_SIM_TLS_REQUIRE_CLIENT_CERT",
    doc: "reject admin/WebSocket requests without a client certificate signed by --tls-ca-file",
    parser: bool,
    default: false,
    switch: true,
  }),
  websocket: field<"on" | "off">({
    flag: "websocket",
    env: "PPS_SIM_WEBSOCKET",
    doc: "the WebSocket service: off answers upgrades 404, as a broker with webSocketServiceEnabled=false",
    parser: oneOf(["on", "off"] as const),
    default: "on",
  }),
  statsWindowMs: field({
    flag: "stats-window-ms",
    env: "PPS_SIM_STATS_WINDOW_MS",
    doc: "window of msgRateIn/msgRateOut",
    parser: int(1000, 3_600_000),
    default: 60_000,
  }),
  backlogQuotaCheckMs: field({
    flag: "backlog-quota-check-ms",
    env: "PPS_SIM_BACKLOG_QUOTA_CHECK_MS",
    doc: "interval of the backlog-quota check that refreshes oldestBacklogMessageAgeSeconds; 0 keeps it current",
    parser: int(0, 3_600_000),
    default: 60_000,
  }),
  logLevel: logLevelField("PPS_SIM_LOG_LEVEL"),
  printToken: field({
    flag: "print-token",
    env: "PPS_SIM_PRINT_TOKEN",
    doc: "print a token for this subject, signed with --token-secret, and exit",
    parser: str,
    default: undefined,
  }),
} as const;

export type SimConfig = ConfigOf<typeof SIM_SCHEMA>;

function pair(raw: string, what: string, checks: Checks): [string, string] {
  const i = raw.indexOf(":");
  if (i <= 0) checks.problem(`${what} must look like name:secret`);
  return [raw.slice(0, i), raw.slice(i + 1)];
}

function authOf(c: SimConfig, checks: Checks): AuthOptions {
  const need = (v: unknown, key: keyof SimConfig) => {
    if (v === undefined && checks.ok(key)) checks.problem(`--auth ${c.auth} needs --${SIM_SCHEMA[key].flag}`);
  };
  if (c.auth === "token" || c.auth === "oauth2") need(c.tokenSecret, "tokenSecret");
  if (c.auth === "basic") need(c.basicUsers, "basicUsers");
  if (c.auth === "oauth2") need(c.oauth2Client, "oauth2Client");
  switch (c.auth) {
    case "none":
      return { mode: "none" };
    case "token":
      return { mode: "token", secret: c.tokenSecret ?? "" };
    case "basic":
      return {
        mode: "basic",
        users: Object.fromEntries((c.basicUsers ?? []).map((u) => pair(u, "--basic-users", checks))),
      };
    case "oauth2": {
      const [clientId, clientSecret] =
        c.oauth2Client !== undefined ? pair(c.oauth2Client, "--oauth2-client", checks) : ["", ""];
      return { mode: "oauth2", secret: c.tokenSecret ?? "", clientId, clientSecret };
    }
  }
}

function tlsOf(c: SimConfig, checks: Checks): TlsOptions | undefined {
  if (c.tlsCertFile === undefined && c.tlsKeyFile === undefined) return undefined;
  if (c.tlsRequireClientCert && c.tlsCaFile === undefined) {
    checks.problem("--tls-require-client-cert needs --tls-ca-file");
  }
  if (c.tlsCertFile === undefined || c.tlsKeyFile === undefined) {
    checks.problem("--tls-cert-file and --tls-key-file go together");
    return undefined;
  }
  return {
    cert: readFileSync(c.tlsCertFile),
    key: readFileSync(c.tlsKeyFile),
    ...(c.tlsCaFile !== undefined ? { ca: readFileSync(c.tlsCaFile) } : {}),
    requireClientCert: c.tlsRequireClientCert,
  };
}

/** What the simulator runs with: the values and the auth and TLS options checked across them. */
export interface SimSettings {
  readonly config: SimConfig;
  readonly auth: AuthOptions;
  readonly tls: TlsOptions | undefined;
}

/** The rules between the simulator's values, in the run that parsed them. */
export function simSettings(c: SimConfig, checks: Checks): SimSettings {
  if (c.printToken !== undefined) {
    if (c.tokenSecret === undefined && checks.ok("tokenSecret")) {
      checks.problem("--print-token needs --token-secret");
    }
    return { config: c, auth: { mode: "none" }, tls: undefined };
  }
  return { config: c, auth: authOf(c, checks), tls: tlsOf(c, checks) };
}
